//! The client's network state of one board, pure and natively tested: the
//! replica of what the server told us (strokes, who we are, who is here)
//! plus our own changes, and the outbox of events the server has not
//! acknowledged yet. No browser, no socket: every call says what changed
//! ([`Change`]) and the browser glue only renders that.

mod gaps;
mod outbox;
mod replica;
#[cfg(test)]
mod tests;

use crate::protocol::{
    Access, Ack, Added, Cleared, CursorMoved, Delta, Event, LaserMoved, Moved, Placed, Presence, Rename, Reordered,
    Replaced, Selected, ServerMessage, SocketId, Stroke, StrokeId, StrokeRemove, StrokeRestore, StrokeStart,
    StrokeStarted, Summoned, Synced, TextEdited, Transform, Transformed, User, ViewportMoved, Welcome,
};
use gaps::Gaps;
use outbox::Outbox;
use replica::Replica;

/// What a call changed, for the view to show.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    None,
    /// The strokes from index `from` on are new, on top of the others.
    Added {
        from: usize,
    },
    /// Freehand stroke `index` gained the points from point `from` on.
    Extended {
        index: usize,
        from: usize,
    },
    /// Only redrawing the whole board shows it.
    Redraw,
    /// History arrived for a board that starts from nothing, shown as it
    /// arrives (`BoardSync::arrived`); `first` of a connection's history,
    /// when what a connection lost midway showed must go.
    Arrived {
        first: bool,
    },
    /// The received history became the board: redraw it unless `drawn` (it
    /// was drawn as it arrived), and send the outbox, which may go out
    /// from now on.
    Synced {
        drawn: bool,
    },
    /// Who we are and who is here (a welcome, a rename).
    People,
    /// Who is here (a presence update); cursors of people gone go too.
    Presence,
    /// Someone's pointer moved. Not part of the board: shown as it comes.
    Cursor(CursorMoved),
    /// Someone's selection, and how far they dragged it. Not part of the board.
    Selection(Selected),
    /// Someone's laser pointer, viewport, or the owner's summons to follow them.
    Laser(LaserMoved),
    Viewport(ViewportMoved),
    Summoned(SocketId),
    /// Our role or the board's access settings changed.
    Access,
    /// The board was deleted; the server disconnects us next.
    Deleted,
}

impl Change {
    /// Both changes shown: a redraw covers anything.
    fn or(self, other: Change) -> Change {
        match (self, other) {
            (Change::None, c) | (c, Change::None) => c,
            _ => Change::Redraw,
        }
    }
}

/// What an ack did to its queued event.
#[derive(Debug)]
pub enum Acknowledged {
    /// No queued event waits for this ack id; nothing changed.
    Unknown,
    /// The event is done and left the outbox.
    Done(Change),
    /// The server refused event `event`, saying `error` (for people) and
    /// `code` (for programs); it left the outbox.
    Refused { event: &'static str, error: Option<String>, code: Option<String> },
    /// The server refused event `event` for now: it stays in the outbox, in
    /// its place, and goes out again, with every later unacknowledged event,
    /// at the first flush after `after_ms`.
    Retry { event: &'static str, after_ms: u64 },
    /// The reply is not an ack; the event left the outbox.
    Unreadable(serde_json::Error),
}

/// One board's replica and outbox.
#[derive(Debug, Default)]
pub struct BoardSync {
    replica: Replica,
    outbox: Outbox,
    gaps: Gaps,
    me: Option<User>,
    users: Vec<User>,
    access: Option<Access>,
    deleted: bool,
    /// The next connection must receive the whole board again.
    full_next: bool,
    /// The epoch of the board's seqs, as the last welcome said.
    epoch: Option<u32>,
}

impl BoardSync {
    /// Live strokes in drawing order.
    pub fn strokes(&self) -> &[Stroke] {
        self.replica.strokes()
    }

    /// The history received so far, while a board that starts from nothing
    /// syncs: shown as it arrives, above `strokes()` (empty until then).
    pub fn arrived(&self) -> &[Stroke] {
        self.replica.arrived()
    }

    pub fn me(&self) -> Option<&User> {
        self.me.as_ref()
    }

    pub fn users(&self) -> &[User] {
        &self.users
    }

    /// Our role and the board's settings, as last told.
    pub fn access(&self) -> Option<&Access> {
        self.access.as_ref()
    }

    /// Whether the board was deleted while we were on it.
    pub fn is_deleted(&self) -> bool {
        self.deleted
    }

    pub fn user(&self, id: &SocketId) -> Option<&User> {
        self.users.iter().find(|u| &u.id == id)
    }

    /// Whether the board is synced on the current connection: only then do
    /// relays apply and events go out.
    pub fn is_synced(&self) -> bool {
        self.replica.is_synced()
    }

    /// How many strokes have changes the server has not acknowledged yet.
    pub fn waiting_strokes(&self) -> usize {
        self.outbox.pending_strokes().len()
    }

    /// Applies what the server sent. Relays count only after the sync, and
    /// only when newer than it.
    pub fn receive(&mut self, message: ServerMessage) -> Change {
        let replica = &mut self.replica;
        if let Some(seq) = message.seq().filter(|_| replica.takes_relays()) {
            self.gaps.saw(seq);
        }
        match message {
            ServerMessage::Welcome(Welcome { you, users, access, since, epoch, .. }) => {
                replica.expect_history(since);
                self.epoch = epoch;
                self.me = Some(you);
                self.users = users;
                self.access = Some(access);
                Change::People
            }
            ServerMessage::Access(access) => {
                self.access = Some(access);
                Change::Access
            }
            ServerMessage::BoardDeleted(_) => {
                self.deleted = true;
                Change::Deleted
            }
            ServerMessage::Presence(Presence { users }) => {
                self.users = users;
                Change::Presence
            }
            ServerMessage::Cursor(moved) => Change::Cursor(moved),
            ServerMessage::History(chunk) => replica.receive_history(chunk),
            ServerMessage::Delta(Delta { events }) => self.receive_delta(events),
            ServerMessage::Replaced(Replaced { hide, show, below, seq }) if replica.is_new(seq) => {
                replica.replace(&hide, show, below)
            }
            ServerMessage::Synced(Synced { seq }) => {
                self.full_next = false;
                self.gaps.synced(seq);
                let drawn = replica.finish_sync(seq, &self.outbox.pending_strokes(), &self.outbox.created_strokes());
                Change::Synced { drawn }
            }
            ServerMessage::StrokeStarted(StrokeStarted { stroke, seq }) if replica.is_new(seq) => replica.add(stroke),
            ServerMessage::StrokePoints(batch) if replica.is_new(batch.seq.unwrap_or(u64::MAX)) => {
                replica.extend(batch)
            }
            ServerMessage::StrokeRemove(StrokeRemove { ids, seq }) if replica.is_new(seq) => replica.remove(&ids),
            ServerMessage::StrokeRestore(StrokeRestore { stroke, seq }) if replica.is_new(seq) => replica.add(stroke),
            ServerMessage::Cleared(Cleared { seq, .. }) if replica.is_new(seq) => replica.clear(),
            ServerMessage::Added(Added { objects, seq }) if replica.is_new(seq) => replica.add_all(objects),
            ServerMessage::Transformed(Transformed { objects, seq }) if replica.is_new(seq) => replica.place(&objects),
            ServerMessage::TextEdited(TextEdited { id, text, seq }) if replica.is_new(seq) => {
                replica.set_text(&id, text)
            }
            ServerMessage::Reordered(Reordered { moves, seq }) if replica.is_new(seq) => replica.reorder(&moves),
            ServerMessage::Selected(selected) => Change::Selection(selected),
            ServerMessage::Laser(laser) => Change::Laser(laser),
            ServerMessage::Viewport(viewport) => Change::Viewport(viewport),
            ServerMessage::Summoned(Summoned { user }) => Change::Summoned(user),
            // Old relays, and `stroke:end`, which changes nothing drawn.
            ServerMessage::StrokeStarted(_)
            | ServerMessage::StrokePoints(_)
            | ServerMessage::StrokeEnd(_)
            | ServerMessage::StrokeRemove(_)
            | ServerMessage::StrokeRestore(_)
            | ServerMessage::Cleared(_)
            | ServerMessage::Added(_)
            | ServerMessage::Transformed(_)
            | ServerMessage::TextEdited(_)
            | ServerMessage::Reordered(_)
            | ServerMessage::Replaced(_) => Change::None,
        }
    }

    /// The changes missed while disconnected, as the relays they were. Those
    /// seen already (our acked ones among them) are skipped, and so are
    /// points of our own strokes still waiting for acks: we have them.
    fn receive_delta(&mut self, events: Vec<(String, Box<serde_json::value::RawValue>)>) -> Change {
        let mut change = Change::None;
        let pending: std::collections::HashSet<StrokeId> = self.outbox.pending_strokes().into_iter().cloned().collect();
        for (name, data) in events {
            let Ok(Some(message)) = ServerMessage::decode(&name, data.get()) else { continue };
            let Some(seq) = message.seq() else { continue };
            if !self.gaps.is_new(seq) {
                continue;
            }
            if let ServerMessage::StrokePoints(batch) = &message {
                if pending.contains(&batch.id) {
                    self.gaps.saw(seq);
                    continue;
                }
            }
            change = change.or(self.receive(message));
        }
        change
    }

    /// Where to resume on the next connection (`auth.since` and
    /// `auth.epoch`): all changes up to that seq are here. `None` when the
    /// board must come whole.
    pub fn resume_point(&self) -> Option<(u64, u32)> {
        if self.full_next {
            return None;
        }
        self.gaps.complete().zip(self.epoch)
    }

    /// The next connection receives the whole board (ours diverged from it).
    pub fn sync_fully_next(&mut self) {
        self.full_next = true;
    }

    /// The connection dropped: no sync, and nothing sent on it will be
    /// acknowledged; it all goes out again after the next sync.
    pub fn connection_lost(&mut self) {
        self.replica.lose_sync();
        self.outbox.forget_acks();
    }

    /// Queues an acknowledged event; `strokes` are the objects it changes,
    /// which keep our version of them over the server's until it is
    /// acknowledged. It goes out with the next [`flush`](Self::flush) while synced.
    pub fn queue<E: Event>(&mut self, event: &E, strokes: &[StrokeId]) {
        if let Ok(data) = serde_json::to_string(event) {
            self.outbox.push(E::NAME, strokes, data);
        }
    }

    /// While synced, hands every unsent event in order to `emit`, with its
    /// payload as JSON text; `emit` sends it and returns its ack id (`None`:
    /// not connected, stop).
    pub fn flush(&mut self, emit: impl FnMut(&'static str, &str) -> Option<u64>) {
        if self.is_synced() {
            self.outbox.flush(emit);
        }
    }

    /// The server answered the event sent with ack id `id`; `reply` is the
    /// JSON text of the ack's argument.
    pub fn acknowledge(&mut self, id: u64, reply: &str) -> Acknowledged {
        let ack = serde_json::from_str::<Ack>(reply);
        if let Ok(Ack { ok: false, retry_after_ms: Some(after_ms), .. }) = ack {
            return match self.outbox.release(id) {
                Some(event) => Acknowledged::Retry { event, after_ms },
                None => Acknowledged::Unknown,
            };
        }
        let Some(event) = self.outbox.take(id) else { return Acknowledged::Unknown };
        match ack {
            Err(e) => Acknowledged::Unreadable(e),
            Ok(Ack { ok: false, error, code, .. }) => Acknowledged::Refused { event, error, code },
            Ok(Ack { seq, removed, restored, transformed, edited, reordered, replaced, .. }) => {
                // A rename changes no board: its ack carries the board's seq, not its own.
                if let Some(seq) = seq.filter(|_| event != Rename::NAME && self.replica.is_synced()) {
                    self.gaps.saw(seq);
                }
                let mut change = removed.map_or(Change::None, |ids| self.replica.remove(&ids));
                if let Some(placed) = transformed {
                    change = change.or(self.replica.place(&placed));
                }
                if let Some(TextEdited { id, text, .. }) = edited {
                    change = change.or(self.replica.set_text(&id, text));
                }
                if let Some(moves) = reordered {
                    change = change.or(self.replica.reorder(&moves));
                }
                if let Some(Replaced { hide, show, below, .. }) = replaced {
                    change = change.or(self.replica.replace(&hide, show, below));
                }
                let from = self.strokes().len();
                for stroke in restored.unwrap_or_default() {
                    self.replica.add(stroke);
                }
                Acknowledged::Done(if change == Change::Redraw {
                    Change::Redraw
                } else if self.strokes().len() > from {
                    Change::Added { from }
                } else {
                    Change::None
                })
            }
        }
    }

    /// Whether a relay went missing: a seq has been missing for a while at
    /// `now` (ms) although nothing of ours is in flight. Resync then.
    pub fn missed_relay(&mut self, now: f64) -> bool {
        if !self.is_synced() {
            return false;
        }
        let idle = !self.outbox.in_flight();
        self.gaps.missing(now, idle)
    }

    /// Adds the stroke `start` opens, drawn by us. The caller queues `start`.
    pub fn begin_stroke(&mut self, start: &StrokeStart) -> Change {
        let me = self.me.as_ref().map_or_else(|| SocketId::from(""), |u| u.id.clone());
        self.replica.push(start.to_stroke(me))
    }

    /// Our stroke being drawn, to extend as input arrives.
    pub fn drawing(&mut self, id: &StrokeId) -> Option<&mut Stroke> {
        self.replica.latest_mut(id)
    }

    /// The live object `id`.
    pub fn stroke(&self, id: &StrokeId) -> Option<&Stroke> {
        self.strokes().iter().find(|s| &s.id == id)
    }

    /// Adds whole objects of ours (text, a note, a paste). The caller queues the `add`.
    pub fn add_objects(&mut self, objects: Vec<Stroke>) -> Change {
        self.replica.add_all(objects)
    }

    /// Moves or resizes objects by `by` (our transform). The caller queues it.
    pub fn transform(&mut self, ids: &[StrokeId], by: &Transform) -> Change {
        let placed: Vec<Placed> = ids
            .iter()
            .filter_map(|id| self.stroke(id))
            .map(|s| Placed { id: s.id.clone(), transform: by.after(&s.placement()) })
            .collect();
        self.replica.place(&placed)
    }

    /// Brings objects to the front or sends them to the back (our order),
    /// as the server will. The caller queues the `order`.
    pub fn reorder(&mut self, ids: &[StrokeId], front: bool) -> Change {
        let mut moving: Vec<&Stroke> = self.strokes().iter().filter(|s| ids.contains(&s.id)).collect();
        if !front {
            moving.reverse();
        }
        let top = self.strokes().iter().rev().find(|s| !ids.contains(&s.id)).map(|s| s.id.clone());
        let mut after = if front { top } else { None };
        let mut moves = Vec::with_capacity(moving.len());
        for s in moving {
            moves.push(Moved { id: s.id.clone(), after: if front { after.clone() } else { None } });
            after = Some(s.id.clone());
        }
        self.replica.reorder(&moves)
    }

    /// Sets a text's text (our typing). The caller queues the `text`.
    pub fn set_text(&mut self, id: &StrokeId, text: String) -> Change {
        self.replica.set_text(id, text)
    }

    /// Takes strokes off the board (our eraser).
    pub fn remove(&mut self, ids: &[StrokeId]) -> Change {
        self.replica.remove(ids)
    }

    /// Empties the board (our clear).
    pub fn clear(&mut self) -> Change {
        self.replica.clear()
    }

    /// Renames us, in our user and in the people list. The caller queues the `rename`.
    pub fn rename(&mut self, name: &str) -> Change {
        let Some(me) = self.me.as_mut() else { return Change::None };
        me.name = name.to_string();
        self.users.iter_mut().filter(|u| u.id == me.id).for_each(|u| u.name = me.name.clone());
        Change::People
    }
}
