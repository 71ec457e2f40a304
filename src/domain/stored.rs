//! What a board hands to storage and gets back from it: each accepted
//! change with its `seq`, and a board as read back at start.

use super::BoardAccess;
use crate::protocol::{BoardName, ClientId, Placed, Stroke, StrokeId};

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
    /// The board's mode, lock or keys changed.
    Access(BoardAccess),
    /// The board and everything on it is deleted.
    Delete,
}

/// A change of one board with its sequence number.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub board: BoardName,
    pub seq: u64,
    pub change: Change,
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
