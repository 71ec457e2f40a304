//! The edits that hide strokes and show them again: undo, redo, clear and
//! erase, each an undoable action of the client that made it, within the
//! board's quota.

use super::{cost, Action, Board, BoardError, Outcome, Reverted};
use crate::domain::Change;
use crate::protocol::{
    Cleared, ClientId, Erase, Reordered, SocketId, StrokeId, StrokeRemove, StrokeRestore, TextEdited, Transformed,
};

impl Board {
    /// Shows or hides `ids`; returns those whose state changed.
    pub(super) fn set_live(&mut self, ids: &[StrokeId], live: bool) -> Vec<StrokeId> {
        let mut changed = Vec::new();
        for id in ids {
            if let Some(&i) = self.index.get(id) {
                let entry = &mut self.strokes[i];
                if entry.live != live {
                    entry.live = live;
                    let points = cost(&entry.stroke);
                    if live {
                        self.live_strokes += 1;
                        self.live_points += points;
                    } else {
                        self.live_strokes -= 1;
                        self.live_points -= points;
                    }
                    changed.push(id.clone());
                }
            }
        }
        changed
    }

    /// Whether showing `ids` again keeps the board within its quota.
    fn check_restore(&self, ids: &[StrokeId]) -> Result<(), BoardError> {
        let hidden = ids.iter().filter_map(|id| self.index.get(id)).map(|&i| &self.strokes[i]).filter(|e| !e.live);
        let (strokes, points) = hidden.fold((0, 0), |(s, p), e| (s + 1, p + cost(&e.stroke)));
        self.check_quota(strokes, points)
    }

    /// Applies `action` forwards (as it was first done) or backwards (its
    /// undo); `None` if that changes nothing any more.
    fn apply(&mut self, action: &Action, forwards: bool) -> Option<Outcome<Reverted>> {
        match action {
            Action::Draw(id) => self.show(std::slice::from_ref(id), forwards),
            Action::Add { ids, .. } => self.show(ids, forwards),
            Action::Hide(ids) => self.show(ids, !forwards),
            Action::Place { ids, by } => {
                let by = if forwards { *by } else { by.inverse() };
                let placed = self.place(ids, &by);
                (!placed.is_empty()).then(|| {
                    let seq = self.next_seq();
                    let change = Change::Place(placed.clone());
                    Outcome::Applied { seq, relay: Reverted::Placed(Transformed { objects: placed, seq }), change }
                })
            }
            Action::Order { ids, before, after } => {
                // Hidden objects keep their places, as storage does.
                if !ids.iter().any(|id| self.index.get(id).is_some_and(|&i| self.strokes[i].live)) {
                    return None;
                }
                let zs = if forwards { after } else { before };
                let moves = self.set_z(ids, zs);
                let seq = self.next_seq();
                let change = Change::Order(ids.iter().cloned().zip(zs.iter().copied()).collect());
                Some(Outcome::Applied { seq, relay: Reverted::Reordered(Reordered { moves, seq }), change })
            }
            Action::Replace { hidden, copies } => self.replace(hidden, copies, forwards),
            Action::Edit { id, before, after, .. } => {
                let text = if forwards { after } else { before };
                self.set_text(id, text).then(|| {
                    let seq = self.next_seq();
                    let (id, text) = (id.clone(), text.clone());
                    let change = Change::Text { id: id.clone(), text: text.clone() };
                    Outcome::Applied { seq, relay: Reverted::Edited(TextEdited { id, text, seq }), change }
                })
            }
        }
    }

    /// Shows (`live`) or hides `ids`; the outcome if any of them changed.
    fn show(&mut self, ids: &[StrokeId], live: bool) -> Option<Outcome<Reverted>> {
        let ids = self.set_live(ids, live);
        (!ids.is_empty()).then(|| self.revert_outcome(ids, live))
    }

    fn revert_outcome(&mut self, ids: Vec<StrokeId>, live: bool) -> Outcome<Reverted> {
        let seq = self.next_seq();
        let relay = if live {
            Reverted::Restored(
                ids.iter()
                    .map(|id| StrokeRestore { stroke: self.strokes[self.index[id]].stroke.clone(), seq })
                    .collect(),
            )
        } else {
            Reverted::Removed(StrokeRemove { ids: ids.clone(), seq })
        };
        Outcome::Applied { seq, relay, change: Change::SetLive { ids, live } }
    }

    /// Takes back the client's latest action that still has an effect: its
    /// latest live stroke, or its clear or erase.
    pub fn undo(&mut self, sid: &SocketId) -> Result<Outcome<Reverted>, BoardError> {
        self.step(sid, false).ok_or(BoardError::NothingToUndo)?
    }

    /// Re-applies the client's last undone action.
    pub fn redo(&mut self, sid: &SocketId) -> Result<Outcome<Reverted>, BoardError> {
        self.step(sid, true).ok_or(BoardError::NothingToRedo)?
    }

    /// One undo (`forwards == false`) or redo step; `None` when there is
    /// nothing left that would change the board.
    fn step(&mut self, sid: &SocketId, forwards: bool) -> Option<Result<Outcome<Reverted>, BoardError>> {
        let client = match self.client_of(sid) {
            Ok(client) => client,
            Err(e) => return Some(Err(e)),
        };
        loop {
            let log = self.log(&client);
            let action = if forwards { log.redo.last() } else { log.undo.last() }?.clone();
            // What it shows again must fit the quota; the action then stays where it was.
            let fits = match (&action, forwards) {
                (Action::Draw(id), true) => self.check_restore(std::slice::from_ref(id)),
                (Action::Add { ids, .. }, true) | (Action::Hide(ids), false) => self.check_restore(ids),
                (Action::Replace { hidden, copies }, true) => self.check_replace(copies, hidden),
                (Action::Replace { hidden, copies }, false) => self.check_replace(hidden, copies),
                (Action::Edit { before, after, .. }, true) => self.check_text_quota(before, after),
                (Action::Edit { before, after, .. }, false) => self.check_text_quota(after, before),
                _ => Ok(()),
            };
            if let Err(e) = fits {
                return Some(Err(e));
            }
            let log = self.log(&client);
            if forwards { &mut log.redo } else { &mut log.undo }.pop();
            let Some(outcome) = self.apply(&action, forwards) else { continue };
            let log = self.log(&client);
            if forwards { &mut log.undo } else { &mut log.redo }.push(action);
            return Some(Ok(outcome));
        }
    }

    /// Hides `ids` (those still live) as one undoable action of `sid`'s client.
    fn hide(&mut self, sid: &SocketId, ids: &[StrokeId]) -> Result<(u64, Vec<StrokeId>), BoardError> {
        let client = self.client_of(sid)?;
        let hidden = self.set_live(ids, false);
        let seq = self.next_seq();
        self.record(&client, Action::Hide(hidden.clone()));
        Ok((seq, hidden))
    }

    /// Hides every live stroke; the clearing client can undo it.
    /// Clearing an empty board changes nothing: no seq, nothing to undo.
    pub fn clear(&mut self, sid: &SocketId) -> Result<Outcome<Cleared>, BoardError> {
        let ids: Vec<StrokeId> = self.live_strokes().map(|s| s.id.clone()).collect();
        if ids.is_empty() {
            self.client_of(sid)?;
            return Ok(Outcome::Duplicate { seq: self.seq });
        }
        let (seq, hidden) = self.hide(sid, &ids)?;
        Ok(Outcome::Applied {
            seq,
            relay: Cleared { user: sid.clone(), seq },
            change: Change::SetLive { ids: hidden, live: false },
        })
    }

    /// The eraser: hides whole strokes, anyone's; the erasing client can undo it.
    pub fn erase(&mut self, sid: &SocketId, erase: Erase) -> Result<Outcome<Reverted>, BoardError> {
        erase.validate()?;
        if let Some(missing) = erase.ids.iter().find(|id| !self.index.contains_key(*id)) {
            return Err(BoardError::UnknownStroke(missing.clone()));
        }
        if !erase.ids.iter().any(|id| self.strokes[self.index[id]].live) {
            // Already gone (erased by someone else meanwhile): nothing to relay or undo.
            return Ok(Outcome::Duplicate { seq: self.seq });
        }
        self.remove(sid, &erase.ids)
    }

    /// Hides every live stroke drawn by `client`, as one undoable action of
    /// `sid` (the owner); nothing to hide changes nothing.
    pub fn remove_drawing(&mut self, sid: &SocketId, client: &ClientId) -> Result<Outcome<Reverted>, BoardError> {
        let ids: Vec<StrokeId> =
            self.strokes.iter().filter(|e| e.live && &e.client == client).map(|e| e.stroke.id.clone()).collect();
        if ids.is_empty() {
            self.client_of(sid)?;
            return Ok(Outcome::Duplicate { seq: self.seq });
        }
        self.remove(sid, &ids)
    }

    /// Hides `ids` as one undoable action of `sid`, relayed as a removal.
    fn remove(&mut self, sid: &SocketId, ids: &[StrokeId]) -> Result<Outcome<Reverted>, BoardError> {
        let (seq, hidden) = self.hide(sid, ids)?;
        Ok(Outcome::Applied {
            seq,
            relay: Reverted::Removed(StrokeRemove { ids: hidden.clone(), seq }),
            change: Change::SetLive { ids: hidden, live: false },
        })
    }
}
