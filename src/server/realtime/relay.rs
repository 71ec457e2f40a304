//! Relaying to the rest of a board. Each connection has a bounded, ordered
//! queue of relays; one task per connection serializes nothing twice and
//! hands each relay to every other socket of the board. A socket whose own
//! send buffer is full is disconnected rather than silently skipped: it
//! reconnects, receives the board again, and resends what it had not had
//! acknowledged.

use std::sync::Arc;

use serde_json::value::RawValue;
use socketioxide::extract::SocketRef;
use socketioxide::{SendError, SocketError};
use tokio::sync::mpsc;

use crate::metrics::Metrics;
use crate::protocol::Event;

/// Changes whose relays one connection may have waiting; past that its
/// events are refused with a retryable error until the queue drains.
pub const RELAY_QUEUE: usize = 1024;

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

/// Starts the relay task of `socket`, which sends to the rest of `room`, in
/// order; each queued item is the relays of one change. It ends when the
/// returned sender, held by the connection, is dropped.
pub fn spawn(socket: SocketRef, room: String, metrics: Arc<Metrics>) -> mpsc::Sender<Vec<Relay>> {
    let (tx, mut rx) = mpsc::channel::<Vec<Relay>>(RELAY_QUEUE);
    tokio::spawn(async move {
        while let Some(relays) = rx.recv().await {
            let recipients = socket.to(room.clone()).sockets();
            for (name, data) in relays {
                fan_out(&recipients, name, &data, &metrics);
            }
        }
    });
    tx
}

/// Sends one event to each of `recipients`, disconnecting those that
/// cannot take it.
pub fn fan_out(recipients: &[SocketRef], name: &'static str, data: &RawValue, metrics: &Metrics) {
    for recipient in recipients {
        send_or_drop(&recipient, name, data, metrics);
    }
}

/// Sends one event to `socket`; a full send buffer disconnects it.
pub fn send_or_drop(socket: &SocketRef, name: &'static str, data: &RawValue, metrics: &Metrics) -> bool {
    match socket.emit(name, data) {
        Ok(()) => true,
        Err(SendError::Socket(SocketError::InternalChannelFull)) => {
            overflowed(socket, metrics);
            false
        }
        Err(e) => {
            tracing::debug!(event = name, error = %e, "relay not sent");
            false
        }
    }
}

/// The socket cannot keep up: close it so that it resyncs, never skip it.
pub fn overflowed(socket: &SocketRef, metrics: &Metrics) {
    tracing::warn!(sid = %socket.id, "send buffer full; disconnecting so it resyncs");
    metrics.relay_overflow();
    metrics.disconnect("overflow");
    let _ = socket.clone().disconnect();
}
