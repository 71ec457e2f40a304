//! Every acknowledged event we send, queued until the server acknowledges
//! it: sent in order while synced, marked with its ack id on the current
//! connection, and sent again after a reconnect when that ack never came.

use std::collections::HashSet;

use crate::protocol::{Add, Event, StrokeId, StrokeStart};

#[derive(Debug)]
struct Entry {
    event: &'static str,
    /// The objects this event changes: they count as waiting.
    strokes: Vec<StrokeId>,
    /// The payload, serialized.
    data: String,
    /// Ack id on the current connection, once sent.
    ack: Option<u64>,
}

#[derive(Debug, Default)]
pub(super) struct Outbox {
    entries: Vec<Entry>,
}

impl Outbox {
    pub(super) fn push(&mut self, event: &'static str, strokes: &[StrokeId], data: String) {
        self.entries.push(Entry { event, strokes: strokes.to_vec(), data, ack: None });
    }

    /// Hands every unsent entry, in order, to `emit`, which returns its ack
    /// id, or `None` when the link is down (the rest then waits too).
    pub(super) fn flush(&mut self, mut emit: impl FnMut(&'static str, &str) -> Option<u64>) {
        for entry in self.entries.iter_mut().filter(|e| e.ack.is_none()) {
            match emit(entry.event, &entry.data) {
                Some(id) => entry.ack = Some(id),
                None => break,
            }
        }
    }

    /// The connection is gone, and with it every ack we waited for.
    pub(super) fn forget_acks(&mut self) {
        for entry in &mut self.entries {
            entry.ack = None;
        }
    }

    /// Takes the entry sent with ack id `ack` out; returns its event name.
    pub(super) fn take(&mut self, ack: u64) -> Option<&'static str> {
        let i = self.entries.iter().position(|e| e.ack == Some(ack))?;
        Some(self.entries.remove(i).event)
    }

    /// Keeps the entry sent with ack id `ack` to send again: the server
    /// refused it for now. Returns its event name.
    pub(super) fn release(&mut self, ack: u64) -> Option<&'static str> {
        let entry = self.entries.iter_mut().find(|e| e.ack == Some(ack))?;
        entry.ack = None;
        Some(entry.event)
    }

    /// Whether an event was sent and its ack has not come yet.
    pub(super) fn in_flight(&self) -> bool {
        self.entries.iter().any(|e| e.ack.is_some())
    }

    /// The strokes with changes the server has not acknowledged yet.
    pub(super) fn pending_strokes(&self) -> HashSet<&StrokeId> {
        self.entries.iter().flat_map(|e| &e.strokes).collect()
    }

    /// The objects that unacknowledged events create (`stroke:start`, `add`).
    pub(super) fn created_strokes(&self) -> HashSet<&StrokeId> {
        let creates = |e: &&Entry| e.event == StrokeStart::NAME || e.event == Add::NAME;
        self.entries.iter().filter(creates).flat_map(|e| &e.strokes).collect()
    }
}
