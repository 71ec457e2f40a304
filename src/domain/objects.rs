//! Editing objects: adding whole ones (text, notes, pastes, duplicates),
//! moving and resizing them, and editing their text. Each is an undoable
//! action of the client that made it; the edits of one typing session are
//! one action.

use std::collections::HashSet;

use super::{cost, Action, Board, BoardError, Entry, Outcome, Reverted, RECENT_OPS};
use crate::domain::Change;
use crate::protocol::{
    check_text, Add, Added, EditText, Moved, Order, Placed, Reordered, SocketId, Stroke, StrokeId, TextEdited,
    Transform, TransformObjects, Transformed,
};

impl Board {
    /// Adds complete objects as one undoable action. Sent again (all its
    /// ids are ours already), it changes nothing.
    pub fn add(&mut self, sid: &SocketId, add: Add) -> Result<Outcome<Added>, BoardError> {
        add.validate()?;
        let client = self.client_of(sid)?;
        if let Some(&i) = add.objects.first().and_then(|o| self.index.get(&o.id)) {
            return if self.strokes[i].client == client {
                Ok(Outcome::Duplicate { seq: self.seq })
            } else {
                Err(BoardError::IdTaken(add.objects[0].id.clone()))
            };
        }
        let mut ids = HashSet::with_capacity(add.objects.len());
        let mut strokes = Vec::with_capacity(add.objects.len());
        for object in add.objects {
            if self.index.contains_key(&object.id) || !ids.insert(object.id.clone()) {
                return Err(BoardError::IdTaken(object.id));
            }
            let stroke = object.into_stroke(sid.clone())?;
            if let Some(hash) = stroke.image.as_ref().filter(|h| !self.images.contains(*h)) {
                return Err(BoardError::UnknownImage(hash.clone()));
            }
            strokes.push(stroke);
        }
        let points = strokes.iter().map(cost).sum();
        self.check_quota(strokes.len(), points)?;
        self.live_strokes += strokes.len();
        self.live_points += points;
        let seq = self.next_seq();
        // On top, in the order given: between this seq and the next.
        let n = strokes.len() as f64;
        let objects: Vec<(Stroke, f64)> =
            strokes.iter().enumerate().map(|(k, s)| (s.clone(), seq as f64 + k as f64 / n)).collect();
        for (stroke, z) in &objects {
            self.index.insert(stroke.id.clone(), self.strokes.len());
            let entry =
                Entry { stroke: stroke.clone(), client: client.clone(), open: false, live: true, batch: 0, z: *z };
            self.strokes.push(entry);
        }
        let ids = strokes.iter().map(|s| s.id.clone()).collect();
        self.record(&client, Action::Add { ids, session: add.session });
        Ok(Outcome::Applied { seq, relay: Added { objects: strokes, seq }, change: Change::Add { client, objects } })
    }

    /// Moves or resizes objects, anyone's, by `by` on top of where each is,
    /// as one undoable action. Removed objects are left where they are; a
    /// resent transform (same `op`) changes nothing.
    pub fn transform(&mut self, sid: &SocketId, t: TransformObjects) -> Result<Outcome<Reverted>, BoardError> {
        t.validate()?;
        let client = self.client_of(sid)?;
        if t.op.as_ref().is_some_and(|op| self.log(&client).recent_ops.contains(op)) {
            return Ok(Outcome::Duplicate { seq: self.seq });
        }
        let mut open = None;
        for id in &t.ids {
            let entry = &self.strokes[*self.index.get(id).ok_or_else(|| BoardError::UnknownStroke(id.clone()))?];
            if entry.open {
                open = Some(id);
            } else if entry.live {
                t.by.after(&entry.stroke.placement()).validate_placement()?;
            }
        }
        // Strokes still being drawn stay where they are; only they: a refusal.
        let placed = self.place(&t.ids, &t.by);
        if placed.is_empty() {
            return match open {
                Some(id) => Err(BoardError::Open(id.clone())),
                None => Ok(Outcome::Duplicate { seq: self.seq }),
            };
        }
        let seq = self.next_seq();
        self.remember_op(&client, t.op);
        let ids = placed.iter().map(|p| p.id.clone()).collect();
        self.record(&client, Action::Place { ids, by: t.by });
        Ok(Outcome::Applied {
            seq,
            relay: Reverted::Placed(Transformed { objects: placed.clone(), seq }),
            change: Change::Place(placed),
        })
    }

    /// Remembers `client`'s operation id `op`; `false` if it was seen lately.
    pub(super) fn remember_op(&mut self, client: &crate::protocol::ClientId, op: Option<StrokeId>) -> bool {
        let Some(op) = op else { return true };
        let log = self.log(client);
        if log.recent_ops.contains(&op) {
            return false;
        }
        if log.recent_ops.len() == RECENT_OPS {
            log.recent_ops.pop_front();
        }
        log.recent_ops.push_back(op);
        true
    }

    /// Places the live, ended objects among `ids` (each once) by `by` on
    /// top of where they are, skipping any it would take out of bounds;
    /// returns where they are now.
    pub(super) fn place(&mut self, ids: &[StrokeId], by: &Transform) -> Vec<Placed> {
        let mut placed: Vec<Placed> = Vec::with_capacity(ids.len());
        let mut seen = HashSet::with_capacity(ids.len());
        for id in ids {
            let Some(&i) = self.index.get(id).filter(|_| seen.insert(id)) else { continue };
            let entry = &mut self.strokes[i];
            let transform = by.after(&entry.stroke.placement());
            if !entry.live || entry.open || transform.validate_placement().is_err() {
                continue;
            }
            entry.stroke.transform = (!transform.is_identity()).then_some(transform);
            placed.push(Placed { id: id.clone(), transform });
        }
        placed
    }

    /// Sets the whole text of a text or note, anyone's. Edits of one client
    /// in a row with the same session are one undoable action, together with
    /// the `add` of the same session that made the text.
    pub fn edit_text(&mut self, sid: &SocketId, edit: EditText) -> Result<Outcome<Reverted>, BoardError> {
        let text = check_text(&edit.text)?;
        let client = self.client_of(sid)?;
        let id = edit.id;
        let &i = self.index.get(&id).ok_or_else(|| BoardError::UnknownStroke(id.clone()))?;
        let entry = &self.strokes[i];
        let Some(before) = entry.stroke.text.clone() else { return Err(BoardError::NotText(id)) };
        if !entry.live {
            return Err(BoardError::Removed(id));
        }
        if before == text {
            return Ok(Outcome::Duplicate { seq: self.seq });
        }
        self.check_text_quota(&before, &text)?;
        self.set_text(&id, &text);
        let seq = self.next_seq();
        let session = edit.session;
        let log = self.log(&client);
        match log.undo.last_mut() {
            Some(Action::Edit { id: last, session: s, after, .. }) if *last == id && *s == session => {
                after.clone_from(&text);
                log.redo.clear();
            }
            Some(Action::Add { ids, session: Some(s) }) if ids.contains(&id) && *s == session => log.redo.clear(),
            _ => {
                let action = Action::Edit { id: id.clone(), before, after: text.clone(), session };
                self.record(&client, action);
            }
        }
        Ok(Outcome::Applied {
            seq,
            relay: Reverted::Edited(TextEdited { id: id.clone(), text: text.clone(), seq }),
            change: Change::Text { id, text },
        })
    }

    /// Brings objects to the front or sends them to the back, keeping their
    /// order among themselves, as one undoable action.
    pub fn order(&mut self, sid: &SocketId, order: Order) -> Result<Outcome<Reverted>, BoardError> {
        order.validate()?;
        let client = self.client_of(sid)?;
        if let Some(missing) = order.ids.iter().find(|id| !self.index.contains_key(*id)) {
            return Err(BoardError::UnknownStroke(missing.clone()));
        }
        let mut moving: Vec<usize> =
            order.ids.iter().map(|id| self.index[id]).filter(|&i| self.strokes[i].live).collect();
        moving.sort_unstable();
        moving.dedup();
        let n = moving.len();
        let live: Vec<usize> = (0..self.strokes.len()).filter(|&i| self.strokes[i].live).collect();
        let edge = if order.front { &live[live.len() - n..] } else { &live[..n] };
        if edge == moving.as_slice() {
            // Nothing live to move, or already there.
            return Ok(Outcome::Duplicate { seq: self.seq });
        }
        let seq = self.next_seq();
        // Places no other object has, nor will have: above every new
        // object's so far (their seq) or below every place given before
        // (each back went below its own seq's negative).
        let step = |k: usize| (k + 1) as f64 / (n + 1) as f64;
        let after: Vec<f64> =
            (0..n).map(|k| if order.front { seq as f64 + step(k) } else { -(seq as f64) - 1.0 + step(k) }).collect();
        let ids: Vec<StrokeId> = moving.iter().map(|&i| self.strokes[i].stroke.id.clone()).collect();
        let before = moving.iter().map(|&i| self.strokes[i].z).collect();
        let moves = self.set_z(&ids, &after);
        let change = Change::Order(ids.iter().cloned().zip(after.iter().copied()).collect());
        self.record(&client, Action::Order { ids, before, after });
        Ok(Outcome::Applied { seq, relay: Reverted::Reordered(Reordered { moves, seq }), change })
    }

    /// Gives `ids` these places in the drawing order and sorts the board by
    /// them; returns the moves that show it to the clients, who hold only
    /// the live objects: each moved live object goes right above the live
    /// object now below it.
    pub(super) fn set_z(&mut self, ids: &[StrokeId], zs: &[f64]) -> Vec<Moved> {
        for (id, &z) in ids.iter().zip(zs) {
            if let Some(&i) = self.index.get(id) {
                self.strokes[i].z = z;
            }
        }
        self.strokes.sort_by(|a, b| a.z.total_cmp(&b.z));
        self.index = self.strokes.iter().enumerate().map(|(i, e)| (e.stroke.id.clone(), i)).collect();
        let moved: HashSet<&StrokeId> = ids.iter().collect();
        let mut below: Option<&StrokeId> = None;
        let mut moves = Vec::new();
        for entry in self.strokes.iter().filter(|e| e.live) {
            if moved.contains(&entry.stroke.id) {
                moves.push(Moved { id: entry.stroke.id.clone(), after: below.cloned() });
            }
            below = Some(&entry.stroke.id);
        }
        moves
    }

    /// Whether replacing text `before` with `after` keeps the board within its quota.
    pub(super) fn check_text_quota(&self, before: &str, after: &str) -> Result<(), BoardError> {
        self.check_quota(0, after.chars().count().saturating_sub(before.chars().count()))
    }

    /// Sets the text of live object `id`; whether it changed.
    pub(super) fn set_text(&mut self, id: &StrokeId, text: &str) -> bool {
        let Some(&i) = self.index.get(id) else { return false };
        let entry = &mut self.strokes[i];
        let Some(current) = entry.stroke.text.as_mut().filter(|t| t.as_str() != text) else { return false };
        if !entry.live {
            return false;
        }
        let before = current.chars().count();
        *current = text.to_owned();
        self.live_points = self.live_points + text.chars().count() - before;
        true
    }
}
