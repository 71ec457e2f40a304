//! The board as the server told it: live strokes in drawing order, the
//! history of a connection being received, and the seq the last sync
//! reached, which decides whether a relay is news.

use std::collections::HashSet;

use super::Change;
use crate::protocol::{apply_moves, merge_history, History, Moved, Placed, Stroke, StrokeId, StrokePoints, Tool};

#[derive(Debug, Default)]
pub(super) struct Replica {
    /// Live strokes in drawing order.
    strokes: Vec<Stroke>,
    /// History being received before `synced`.
    incoming: Vec<Stroke>,
    /// Whether the incoming history is shown as it arrives: the board
    /// starts from nothing, so nothing else is shown (see `Change::Arrived`).
    showing_incoming: bool,
    /// The seq the last sync reached; relays at or below it are already in.
    synced: Option<u64>,
    /// Resyncing by delta: the strokes stay, and the changes after this
    /// seq come as relays before `synced`.
    resuming: Option<u64>,
}

impl Replica {
    pub(super) fn strokes(&self) -> &[Stroke] {
        &self.strokes
    }

    pub(super) fn is_synced(&self) -> bool {
        self.synced.is_some()
    }

    /// Whether a relay with this seq is news. Before a sync nothing is: the
    /// coming history holds it.
    pub(super) fn is_new(&self, seq: u64) -> bool {
        self.synced.or(self.resuming).is_some_and(|synced| seq > synced)
    }

    /// Whether relays count: synced, or resyncing by delta.
    pub(super) fn takes_relays(&self) -> bool {
        self.synced.or(self.resuming).is_some()
    }

    /// A connection joined: the history it sends starts from nothing, or,
    /// with `since`, only the changes after it follow.
    pub(super) fn expect_history(&mut self, since: Option<u64>) {
        self.incoming.clear();
        self.resuming = since;
        self.showing_incoming = since.is_none() && self.strokes.is_empty();
    }

    /// The history received so far, when it is shown as it arrives.
    pub(super) fn arrived(&self) -> &[Stroke] {
        if self.showing_incoming {
            &self.incoming
        } else {
            &[]
        }
    }

    pub(super) fn receive_history(&mut self, chunk: History) -> Change {
        let first = self.incoming.is_empty();
        merge_history(&mut self.incoming, chunk);
        if self.showing_incoming {
            Change::Arrived { first }
        } else {
            Change::None
        }
    }

    /// The history is complete: it becomes the board, keeping the objects
    /// in `pending` (with changes of ours not acknowledged yet) as we have
    /// them; of those missing from it, only the ones we are creating
    /// (`created`) come back: the others were removed meanwhile.
    /// Returns whether the board is drawn already: it was shown as it
    /// arrived, and nothing of ours changed it.
    pub(super) fn finish_sync(&mut self, seq: u64, pending: &HashSet<&StrokeId>, created: &HashSet<&StrokeId>) -> bool {
        let drawn = std::mem::take(&mut self.showing_incoming) && self.strokes.is_empty();
        if self.resuming.take().is_some() {
            self.synced = Some(seq);
            return false;
        }
        let mut board = std::mem::take(&mut self.incoming);
        for local in self.strokes.iter().filter(|s| pending.contains(&s.id)) {
            match board.iter_mut().find(|s| s.id == local.id) {
                Some(s) => *s = local.clone(),
                None if created.contains(&local.id) => board.push(local.clone()),
                None => {}
            }
        }
        self.strokes = board;
        self.synced = Some(seq);
        drawn
    }

    pub(super) fn lose_sync(&mut self) {
        self.synced = None;
        self.resuming = None;
    }

    /// A restore, its undo or redo: `hide` goes, `show` comes on top (or at
    /// the bottom).
    pub(super) fn replace(&mut self, hide: &[StrokeId], show: Vec<Stroke>, below: bool) -> Change {
        let hide: HashSet<&StrokeId> = hide.iter().collect();
        self.strokes.retain(|s| !hide.contains(&s.id));
        let here: HashSet<StrokeId> = self.strokes.iter().map(|s| s.id.clone()).collect();
        let show: Vec<Stroke> = show.into_iter().filter(|s| !here.contains(&s.id)).collect();
        if below {
            self.strokes.splice(0..0, show);
        } else {
            self.strokes.extend(show);
        }
        Change::Redraw
    }

    /// Our own new stroke, on top.
    pub(super) fn push(&mut self, stroke: Stroke) -> Change {
        self.strokes.push(stroke);
        Change::Added { from: self.strokes.len() - 1 }
    }

    /// Adds a stroke unless one with its id is already there.
    pub(super) fn add(&mut self, stroke: Stroke) -> Change {
        if self.strokes.iter().any(|s| s.id == stroke.id) {
            return Change::None;
        }
        self.push(stroke)
    }

    /// Appends a relayed batch to its stroke.
    pub(super) fn extend(&mut self, batch: StrokePoints) -> Change {
        let Some(index) = self.strokes.iter().position(|s| s.id == batch.id) else { return Change::None };
        let stroke = &mut self.strokes[index];
        let from = stroke.points.len() / 2;
        stroke.points.extend(batch.points);
        if stroke.tool == Tool::Pen {
            Change::Extended { index, from }
        } else {
            Change::Redraw
        }
    }

    /// Our latest stroke with this id, to extend while drawing it.
    pub(super) fn latest_mut(&mut self, id: &StrokeId) -> Option<&mut Stroke> {
        self.strokes.iter_mut().rev().find(|s| &s.id == id)
    }

    /// Adds objects, on top, but those already there.
    pub(super) fn add_all(&mut self, objects: Vec<Stroke>) -> Change {
        let from = self.strokes.len();
        for object in objects {
            self.add(object);
        }
        if self.strokes.len() > from {
            Change::Added { from }
        } else {
            Change::None
        }
    }

    /// Places objects where the server says they are now.
    pub(super) fn place(&mut self, placed: &[Placed]) -> Change {
        let mut change = Change::None;
        for p in placed {
            if let Some(s) = self.strokes.iter_mut().find(|s| s.id == p.id) {
                s.transform = (!p.transform.is_identity()).then_some(p.transform);
                change = Change::Redraw;
            }
        }
        change
    }

    /// Moves objects in the drawing order as the server says.
    pub(super) fn reorder(&mut self, moves: &[Moved]) -> Change {
        if apply_moves(&mut self.strokes, moves) {
            Change::Redraw
        } else {
            Change::None
        }
    }

    pub(super) fn set_text(&mut self, id: &StrokeId, text: String) -> Change {
        match self.strokes.iter_mut().find(|s| &s.id == id) {
            Some(s) if s.text.as_ref() != Some(&text) => {
                s.text = Some(text);
                Change::Redraw
            }
            _ => Change::None,
        }
    }

    pub(super) fn remove(&mut self, ids: &[StrokeId]) -> Change {
        let before = self.strokes.len();
        self.strokes.retain(|s| !ids.contains(&s.id));
        if self.strokes.len() == before {
            Change::None
        } else {
            Change::Redraw
        }
    }

    pub(super) fn clear(&mut self) -> Change {
        self.strokes.clear();
        Change::Redraw
    }
}
