//! Restoring a past version: the board is made to look as it did then, as
//! one undoable action. Everything showing now is hidden and copies of the
//! objects as they were (points so far, text, placement, order) are added on
//! top, under new ids; undoing it shows the originals again and hides the
//! copies.

use super::{cost, Action, Board, BoardError, Entry, Outcome, Reverted};
use crate::domain::Change;
use crate::protocol::{Replaced, SocketId, Stroke, StrokeId};

impl Board {
    /// Makes the board show `then` (the objects that showed at seq `at`, in
    /// drawing order), as one undoable action of `sid`. A restore with an
    /// `op` id seen lately changes nothing: it was sent again.
    pub fn restore_to(
        &mut self,
        sid: &SocketId,
        at: u64,
        then: Vec<Stroke>,
        op: Option<StrokeId>,
    ) -> Result<Outcome<Reverted>, BoardError> {
        let client = self.client_of(sid)?;
        if op.as_ref().is_some_and(|op| self.log(&client).recent_ops.contains(op)) {
            return Ok(Outcome::Duplicate { seq: self.seq });
        }
        let hidden: Vec<StrokeId> = self.live_strokes().map(|s| s.id.clone()).collect();
        if hidden.is_empty() && then.is_empty() {
            return Ok(Outcome::Duplicate { seq: self.seq });
        }
        let points: usize = then.iter().map(cost).sum();
        if then.len() > self.quota.strokes || points > self.quota.points {
            let (what, limit) = if then.len() > self.quota.strokes {
                ("strokes", self.quota.strokes)
            } else {
                ("points", self.quota.points)
            };
            return Err(BoardError::Full { what, limit });
        }
        self.remember_op(&client, op);
        self.set_live(&hidden, false);
        let seq = self.next_seq();
        let n = then.len().max(1) as f64;
        let mut added = Vec::with_capacity(then.len());
        for (k, stroke) in then.into_iter().enumerate() {
            let id = self.copy_id(&stroke.id, at, k);
            let copy = Stroke { id: id.clone(), ..stroke };
            let z = seq as f64 + k as f64 / n;
            self.live_strokes += 1;
            self.live_points += cost(&copy);
            self.index.insert(id, self.strokes.len());
            let entry = Entry { stroke: copy.clone(), client: client.clone(), open: false, live: true, batch: 0, z };
            self.strokes.push(entry);
            added.push((copy, z));
        }
        let copies: Vec<StrokeId> = added.iter().map(|(s, _)| s.id.clone()).collect();
        self.record(&client, Action::Replace { hidden: hidden.clone(), copies });
        let show = added.iter().map(|(s, _)| s.clone()).collect();
        Ok(Outcome::Applied {
            seq,
            relay: Reverted::Replaced(Replaced { hide: hidden.clone(), show, below: false, seq }),
            change: Change::Replace { client, add: added, hide: hidden, show: Vec::new() },
        })
    }

    /// A free id for the copy of `id` restored from seq `at`.
    fn copy_id(&self, id: &StrokeId, at: u64, k: usize) -> StrokeId {
        let base = format!("v{at}.{k}");
        let short = if id.len() + base.len() < 60 { format!("{base}.{id}") } else { base };
        (0..)
            .map(|attempt| if attempt == 0 { short.clone() } else { format!("{short}:{attempt}") })
            .filter_map(|candidate| StrokeId::new(candidate).ok())
            .find(|candidate| !self.index.contains_key(candidate))
            .expect("some suffix is free")
    }

    /// Whether showing `show` and hiding `hide` at once (an undo or redo of
    /// a restore) keeps the board within its quota: only the growth counts.
    pub(super) fn check_replace(&self, show: &[StrokeId], hide: &[StrokeId]) -> Result<(), BoardError> {
        let count = |ids: &[StrokeId], live: bool| {
            let entries = ids.iter().filter_map(|id| self.index.get(id)).map(|&i| &self.strokes[i]);
            entries.filter(|e| e.live == live).fold((0usize, 0usize), |(s, p), e| (s + 1, p + cost(&e.stroke)))
        };
        let ((shown, shown_points), (hidden, hidden_points)) = (count(show, false), count(hide, true));
        self.check_quota(shown.saturating_sub(hidden), shown_points.saturating_sub(hidden_points))
    }

    /// Undoes (`forwards == false`) or redoes a restore; `None` once that
    /// changes nothing.
    pub(super) fn replace(
        &mut self,
        hidden: &[StrokeId],
        copies: &[StrokeId],
        forwards: bool,
    ) -> Option<Outcome<Reverted>> {
        let maker = copies.first().or(hidden.first()).and_then(|id| self.index.get(id));
        let client = self.strokes[*maker?].client.clone();
        let (hide, show) = if forwards { (hidden, copies) } else { (copies, hidden) };
        let hide = self.set_live(hide, false);
        let show = self.set_live(show, true);
        if hide.is_empty() && show.is_empty() {
            return None;
        }
        let seq = self.next_seq();
        let strokes = show.iter().map(|id| self.strokes[self.index[id]].stroke.clone()).collect();
        Some(Outcome::Applied {
            seq,
            relay: Reverted::Replaced(Replaced { hide: hide.clone(), show: strokes, below: !forwards, seq }),
            change: Change::Replace { client, add: Vec::new(), hide, show },
        })
    }
}
