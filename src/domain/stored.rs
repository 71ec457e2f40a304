//! What a board hands to storage and gets back from it: each accepted
//! change with its `seq`, and a board as read back at start.

use super::BoardAccess;
use crate::protocol::{BoardName, ClientId, Op, Placed, Stroke, StrokeId};

/// A change to persist, in board `seq` order.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    StrokeStart {
        client: ClientId,
        stroke: Stroke,
    },
    StrokePoints {
        id: StrokeId,
        n: u32,
        points: Vec<f32>,
    },
    StrokeEnd {
        id: StrokeId,
    },
    SetLive {
        ids: Vec<StrokeId>,
        live: bool,
    },
    /// Whole objects, ended, added at once, each with its place in the
    /// drawing order (a started stroke's place is its seq).
    Add {
        client: ClientId,
        objects: Vec<(Stroke, f64)>,
    },
    /// Objects' new places in the drawing order.
    Order(Vec<(StrokeId, f64)>),
    /// Objects placed anew (moved, resized).
    Place(Vec<Placed>),
    /// A text or note's text changed.
    Text {
        id: StrokeId,
        text: String,
    },
    /// A restore, or its undo or redo: objects added (copies of how they
    /// were), hidden and shown at once.
    Replace {
        client: ClientId,
        add: Vec<(Stroke, f64)>,
        hide: Vec<StrokeId>,
        show: Vec<StrokeId>,
    },
    /// The board's mode, lock or keys changed.
    Access(BoardAccess),
    /// The board and everything on it is deleted.
    Delete,
}

impl Change {
    /// The change as its board's history logs it; `None` for what is not
    /// drawing (access settings, the deletion).
    pub fn op(&self) -> Option<Op> {
        let split = |objects: &[(Stroke, f64)]| -> (Vec<Stroke>, Vec<f64>) { objects.iter().cloned().unzip() };
        Some(match self {
            Change::StrokeStart { stroke, .. } => Op::Start { stroke: stroke.clone() },
            Change::StrokePoints { id, n, points } => Op::Points { id: id.clone(), n: *n, points: points.clone() },
            Change::StrokeEnd { id } => Op::End { id: id.clone() },
            Change::SetLive { ids, live: true } => Op::Show { ids: ids.clone() },
            Change::SetLive { ids, live: false } => Op::Hide { ids: ids.clone() },
            Change::Add { objects, .. } => {
                let (objects, z) = split(objects);
                Op::Add { objects, z }
            }
            Change::Order(places) => {
                let (ids, z) = places.iter().cloned().unzip();
                Op::Order { ids, z }
            }
            Change::Place(objects) => Op::Place { objects: objects.clone() },
            Change::Text { id, text } => Op::Text { id: id.clone(), text: text.clone() },
            Change::Replace { add, hide, show, .. } => {
                let (add, z) = split(add);
                Op::Replace { add, z, hide: hide.clone(), show: show.clone() }
            }
            Change::Access(_) | Change::Delete => return None,
        })
    }
}

/// Who made a change, as its board's history tells it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Author {
    pub client: String,
    /// Their display name then.
    pub name: String,
    /// The event that made it: `stroke:start`, `undo`, `restore`…
    pub event: &'static str,
}

/// A change of one board with its sequence number.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub board: BoardName,
    pub seq: u64,
    pub change: Change,
    pub by: Author,
}

/// A stroke as read back, with what the board needs to go on from it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredStroke {
    pub stroke: Stroke,
    pub client: ClientId,
    pub open: bool,
    pub live: bool,
    /// Highest stored batch number.
    pub batch: u32,
    /// Its place in the drawing order.
    pub z: f64,
}

/// A board as read back from storage.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredBoard {
    pub name: BoardName,
    pub seq: u64,
    pub access: BoardAccess,
    /// In drawing order (by `z`), removed ones included.
    pub strokes: Vec<StoredStroke>,
    /// The hashes of the images uploaded to it.
    pub images: Vec<String>,
}
