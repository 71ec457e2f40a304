//! Relaying to the rest of a board. Each open board has one bounded queue
//! of relays, filled under the board's lock, so relays go out in seq order
//! whoever sent them; one task per board serializes nothing twice and hands
//! each relay to every socket of the board but its sender. A socket whose own
//! send buffer is full is disconnected rather than silently skipped: from
//! then on it gets nothing more, it is closed as soon as its buffer has room
//! for the disconnect packet (or by the heartbeat if it never reads again),
//! and it reconnects, receives the board again, and resends what it had not
//! had acknowledged.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use serde_json::value::RawValue;
use socketioxide::extract::SocketRef;
use socketioxide::socket::Sid;
use socketioxide::{SendError, SocketError, SocketIo};
use tokio::sync::mpsc;

use crate::metrics::Metrics;
use crate::protocol::{BoardName, Event, History};

/// How long to keep trying to deliver the disconnect packet to a socket
/// that overflowed; the Engine.IO heartbeat closes it anyway by then.
const DISCONNECT_TRIES: Duration = Duration::from_secs(60);

/// The sockets that overflowed and are being disconnected: nothing more is
/// sent to them.
#[derive(Default)]
pub struct Overflowed(RwLock<HashSet<Sid>>);

impl Overflowed {
    pub fn contains(&self, sid: Sid) -> bool {
        let set = self.0.read();
        !set.is_empty() && set.contains(&sid)
    }

    pub fn forget(&self, sid: Sid) {
        self.0.write().remove(&sid);
    }
}

/// Changes whose relays one board may have waiting; past that its events
/// are refused with a retryable error until the queue drains.
pub const RELAY_QUEUE: usize = 4096;

/// One serialized relay.
pub type Relay = (&'static str, Box<RawValue>);

/// Serializes `data` once, for every recipient.
pub fn encode<T: Event>(data: &T) -> Option<Relay> {
    match serde_json::value::to_raw_value(data) {
        Ok(raw) => Some((T::NAME, raw)),
        Err(e) => {
            tracing::error!(event = T::NAME, error = %e, "cannot encode relay");
            None
        }
    }
}

/// Most bytes of relays a board keeps for delta resyncs; the oldest go first.
pub const RECENT_BYTES: usize = 4 << 20;

/// A board's latest changes as relayed, for sockets that reconnect with
/// `auth.since`: they are sent what they missed instead of the whole board.
#[derive(Default)]
pub struct Recent {
    /// Random for each run of relays: a client resuming from another run
    /// (before a restart, whose last relays may never have been stored) gets
    /// the whole board.
    pub epoch: u32,
    /// Every change after this seq is kept.
    after: u64,
    changes: std::collections::VecDeque<(u64, Vec<Relay>)>,
    bytes: usize,
}

impl Recent {
    /// Keeps nothing before `seq` (a board just loaded).
    pub fn starting_at(seq: u64) -> Self {
        Self { epoch: rand::random(), after: seq, ..Self::default() }
    }

    /// The last seq it holds every change up to.
    pub fn last(&self) -> u64 {
        self.changes.back().map_or(self.after, |(seq, _)| *seq)
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Keeps the relays of change `seq`.
    pub fn keep(&mut self, seq: u64, relays: &[Relay]) {
        self.bytes += relays.iter().map(|(_, data)| data.get().len()).sum::<usize>();
        self.changes.push_back((seq, relays.to_vec()));
        while self.bytes > RECENT_BYTES {
            let Some((seq, relays)) = self.changes.pop_front() else { break };
            self.bytes -= relays.iter().map(|(_, data)| data.get().len()).sum::<usize>();
            self.after = seq;
        }
    }

    /// The changes after `since` up to `now` (the board's seq), as `delta`
    /// chunks; `None` when they are no longer all kept, or `since` is of
    /// another epoch.
    pub fn since(&self, epoch: u32, since: u64, now: u64) -> Option<Vec<Box<RawValue>>> {
        if epoch != self.epoch || since < self.after || since > now {
            return None;
        }
        let start = self.changes.partition_point(|(seq, _)| *seq <= since);
        let mut chunks = Vec::new();
        let mut chunk = String::from("{\"events\":[");
        for (_, relays) in self.changes.range(start..) {
            for (name, data) in relays {
                if chunk.len() > crate::protocol::HISTORY_CHUNK_BYTES {
                    chunks.push(close_chunk(std::mem::replace(&mut chunk, String::from("{\"events\":["))));
                }
                if !chunk.ends_with('[') {
                    chunk.push(',');
                }
                chunk.push_str(&format!("[\"{name}\",{}]", data.get()));
            }
        }
        if !chunk.ends_with('[') {
            chunks.push(close_chunk(chunk));
        }
        // A chunk that is not JSON (it cannot be): the whole board instead.
        chunks.into_iter().collect()
    }
}

fn close_chunk(mut chunk: String) -> Option<Box<RawValue>> {
    chunk.push_str("]}");
    RawValue::from_string(chunk).ok()
}

/// The relays of one change, and the socket they skip (its sender).
pub type Item = (Option<Sid>, Vec<Relay>);

/// The relay queue of every open board.
pub struct BoardRelays {
    io: SocketIo,
    out: Arc<Outlet>,
    queues: Mutex<HashMap<BoardName, mpsc::WeakSender<Item>>>,
}

impl BoardRelays {
    pub fn new(io: SocketIo, out: Arc<Outlet>) -> Self {
        Self { io, out, queues: Mutex::default() }
    }

    /// The queue of `board`, starting its task if none runs. The task ends
    /// when the last sender, held by the board's connections, is dropped.
    pub fn queue(&self, board: &BoardName) -> mpsc::Sender<Item> {
        let mut queues = self.queues.lock();
        if let Some(tx) = queues.get(board).and_then(mpsc::WeakSender::upgrade) {
            return tx;
        }
        queues.retain(|_, tx| tx.strong_count() > 0);
        let (tx, mut rx) = mpsc::channel::<Item>(RELAY_QUEUE);
        queues.insert(board.clone(), tx.downgrade());
        let (io, out, room) = (self.io.clone(), self.out.clone(), board.to_string());
        tokio::spawn(async move {
            while let Some((sender, relays)) = rx.recv().await {
                let mut recipients = io.to(room.clone()).sockets();
                recipients.retain(|s| Some(s.id) != sender);
                for (name, data) in relays {
                    out.fan_out(&recipients, name, &data);
                }
            }
        });
        tx
    }
}

/// Where relays, acks and joins go out: it knows which sockets overflowed.
pub struct Outlet {
    pub metrics: Arc<Metrics>,
    pub overflowed: Overflowed,
}

impl Outlet {
    /// Sends one event to each of `recipients`, disconnecting those that
    /// cannot take it.
    pub fn fan_out(&self, recipients: &[SocketRef], name: &'static str, data: &RawValue) {
        for recipient in recipients {
            self.send(recipient, name, data);
        }
    }

    /// Sends one event to `socket`; a full send buffer disconnects it.
    pub fn send<T: serde::Serialize + ?Sized>(&self, socket: &SocketRef, name: &'static str, data: &T) -> bool {
        !self.overflowed.contains(socket.id) && self.outcome(socket, socket.emit(name, data))
    }

    /// Sends a `history` chunk packed (`auth.packed`): its objects as JSON
    /// and their points as one binary attachment; the bytes it took.
    pub fn send_packed(&self, socket: &SocketRef, chunk: History) -> Option<usize> {
        /// Serialized as bytes, which socketioxide sends as an attachment.
        struct Attachment(Vec<u8>);
        impl serde::Serialize for Attachment {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_bytes(&self.0)
            }
        }
        let (objects, points) = chunk.packed();
        let objects = encode(&objects)?.1;
        let bytes = objects.get().len() + points.len();
        self.send(socket, History::NAME, &(objects, Attachment(points))).then_some(bytes)
    }

    /// Acts on the result of a send to `socket`: a full buffer disconnects it.
    pub fn outcome(&self, socket: &SocketRef, result: Result<(), SendError>) -> bool {
        match result {
            Ok(()) => true,
            Err(SendError::Socket(SocketError::InternalChannelFull)) => {
                self.overflow(socket);
                false
            }
            Err(e) => {
                tracing::debug!(sid = %socket.id, error = %e, "not sent");
                false
            }
        }
    }

    /// The socket cannot keep up: stop sending to it and close it so that
    /// it resyncs; never skip it and go on.
    fn overflow(&self, socket: &SocketRef) {
        if self.cut_off(socket) {
            tracing::warn!(sid = %socket.id, "send buffer full; disconnecting so it resyncs");
            self.metrics.relay_overflow();
            self.metrics.disconnect("overflow");
        }
    }

    /// Sends `socket` nothing more and disconnects it, as soon as its send
    /// buffer has room for the disconnect packet; `false` if that was under
    /// way already.
    pub fn cut_off(&self, socket: &SocketRef) -> bool {
        if !self.overflowed.0.write().insert(socket.id) {
            return false;
        }
        let socket = socket.clone();
        tokio::spawn(async move {
            // The disconnect packet itself needs room in the buffer.
            let deadline = tokio::time::Instant::now() + DISCONNECT_TRIES;
            while let Err(SocketError::InternalChannelFull) = socket.clone().disconnect() {
                if tokio::time::Instant::now() >= deadline {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        true
    }
}
