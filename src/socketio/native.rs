//! Native Socket.IO client on tokio-tungstenite, for integration tests and
//! benchmarks. It answers pings, matches acks to their events and queues
//! every received event for the caller. Events are sent and received by
//! their `protocol` type; the `_raw` calls send anything, for attack tests,
//! and `next_event` hands out any event as a `serde_json::Value`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use parking_lot::Mutex;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

use super::{event_text, first_arg, ws_path, Frame};
use crate::protocol::{Ack, Event, ServerMessage};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("websocket: {0}")]
    WebSocket(#[from] tokio_tungstenite::tungstenite::Error),
    #[error("connection refused by server: {0}")]
    Refused(String),
    #[error("connection closed")]
    Closed,
    #[error("timed out waiting for {0}")]
    Timeout(String),
    #[error("unexpected frame during handshake: {0:?}")]
    Handshake(Frame),
    #[error("payload: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unknown event {0:?}")]
    UnknownEvent(String),
    #[error("packed payload: {0}")]
    Packed(#[from] crate::protocol::PackError),
    #[error("binary event {0:?}: read it with next_message")]
    Binary(String),
}

/// A received event: its name, the JSON text of its first argument, and
/// its binary attachments (a packed `history` chunk has one).
struct Received {
    name: String,
    data: String,
    attachments: Vec<Vec<u8>>,
}

/// An ack on its way: resolves with the ack, or why none came.
pub type PendingAck = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Ack, ClientError>> + Send>>;

/// Ack waiters by ack id; each gets the JSON text of its ack's argument.
type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<String>>>>;

/// A connected Socket.IO client on the default namespace.
pub struct NativeClient {
    out: mpsc::UnboundedSender<Message>,
    events: mpsc::UnboundedReceiver<Received>,
    pending: Pending,
    next_ack: u64,
    /// The socket id the server gave this connection.
    pub sid: String,
    /// How long `recv` and `emit_ack` wait.
    pub timeout: Duration,
}

impl NativeClient {
    /// Opens `ws://{addr}/socket.io/` (for `auth`'s board) and connects to
    /// "/" with `auth`.
    pub async fn connect(addr: &str, auth: &impl Serialize) -> Result<Self, ClientError> {
        let board = serde_json::to_value(auth).ok().and_then(|a| a.get("board")?.as_str().map(str::to_owned));
        let url = format!("ws://{addr}{}", ws_path(board.as_deref().unwrap_or_default()));
        // Like browsers, without Nagle: small frames go out at once.
        let (ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true).await?;
        let (mut sink, mut stream) = ws.split();

        let mut next_text = async || -> Result<Frame, ClientError> {
            loop {
                match stream.next().await.ok_or(ClientError::Closed)?? {
                    Message::Text(t) => return Frame::decode(&t).map_err(|e| ClientError::Refused(e.to_string())),
                    Message::Close(_) => return Err(ClientError::Closed),
                    _ => continue,
                }
            }
        };
        match next_text().await? {
            Frame::Open { .. } => {}
            other => return Err(ClientError::Handshake(other)),
        }
        let auth = serde_json::to_string(auth)?;
        sink.send(Message::text(Frame::Connect(Some(auth)).encode())).await?;
        let sid = loop {
            match next_text().await? {
                Frame::Connect(payload) => {
                    let payload: Value = serde_json::from_str(payload.as_deref().unwrap_or("null"))?;
                    break payload["sid"].as_str().unwrap_or_default().to_string();
                }
                Frame::ConnectError { message } => return Err(ClientError::Refused(message)),
                Frame::Ping => sink.send(Message::text(Frame::Pong.encode())).await?,
                other => return Err(ClientError::Handshake(other)),
            }
        };

        let (out, mut out_rx) = mpsc::unbounded_channel::<Message>();
        let (events_tx, events) = mpsc::unbounded_channel();
        let pending: Pending = Arc::default();

        tokio::spawn(async move {
            while let Some(msg) = out_rx.recv().await {
                let closing = matches!(msg, Message::Close(_));
                if sink.send(msg).await.is_err() || closing {
                    break;
                }
            }
        });
        let reader_out = out.clone();
        let reader_pending = pending.clone();
        tokio::spawn(async move {
            // A binary event waiting for its attachments, and how many.
            let mut partial: Option<(Received, usize)> = None;
            while let Some(Ok(msg)) = stream.next().await {
                let text = match msg {
                    Message::Text(text) => text,
                    Message::Binary(bytes) => {
                        if let Some((mut event, wanted)) = partial.take() {
                            event.attachments.push(bytes.to_vec());
                            if event.attachments.len() == wanted {
                                let _ = events_tx.send(event);
                            } else {
                                partial = Some((event, wanted));
                            }
                        }
                        continue;
                    }
                    _ => continue,
                };
                match Frame::decode(&text) {
                    Ok(Frame::Ping) => {
                        let _ = reader_out.send(Message::text(Frame::Pong.encode()));
                    }
                    Ok(Frame::Event { name, args, .. }) => {
                        let _ = events_tx.send(Received { name, data: first_arg(args), attachments: Vec::new() });
                    }
                    Ok(Frame::BinaryEvent { name, args, attachments }) => {
                        let event = Received { name, data: first_arg(args), attachments: Vec::new() };
                        partial = Some((event, attachments));
                    }
                    Ok(Frame::Ack { id, args }) => {
                        let waiter = reader_pending.lock().remove(&id);
                        if let Some(waiter) = waiter {
                            let data = first_arg(args);
                            let _ = waiter.send(data);
                        }
                    }
                    Ok(Frame::Disconnect | Frame::Close) => break,
                    _ => {}
                }
            }
            // Closed: the acks still awaited never come; say so at once.
            reader_pending.lock().clear();
        });

        Ok(Self { out, events, pending, next_ack: 1, sid, timeout: Duration::from_secs(10) })
    }

    /// Sends an event without asking for an ack.
    pub fn emit<E: Event>(&self, data: &E) -> Result<(), ClientError> {
        self.send_text(event_text(E::NAME, &serde_json::to_string(data)?, None))
    }

    /// Sends any event name with any payload, without asking for an ack.
    pub fn emit_raw(&self, event: &str, data: Value) -> Result<(), ClientError> {
        self.send_text(event_text(event, &data.to_string(), None))
    }

    /// Sends raw text as one WebSocket message.
    pub fn send_text(&self, text: String) -> Result<(), ClientError> {
        self.out.send(Message::text(text)).map_err(|_| ClientError::Closed)
    }

    /// Sends an event and waits for its ack.
    pub async fn emit_ack<E: Event>(&mut self, data: &E) -> Result<Ack, ClientError> {
        self.emit_ack_text(E::NAME, &serde_json::to_string(data)?).await
    }

    /// Sends any event name with any payload and waits for its ack.
    pub async fn emit_ack_raw(&mut self, event: &str, data: Value) -> Result<Ack, ClientError> {
        self.emit_ack_text(event, &data.to_string()).await
    }

    /// Sends event `event` with the JSON text `data` and waits for its ack.
    async fn emit_ack_text(&mut self, event: &str, data: &str) -> Result<Ack, ClientError> {
        self.send_with_ack(event, data)?.await
    }

    /// Sends an event asking for an ack and returns at once: the future
    /// resolves with the ack, so many can be in flight (benchmarks).
    pub fn emit_ack_later<E: Event>(&mut self, data: &E) -> Result<PendingAck, ClientError> {
        self.send_with_ack(E::NAME, &serde_json::to_string(data)?)
    }

    fn send_with_ack(&mut self, event: &str, data: &str) -> Result<PendingAck, ClientError> {
        let id = self.next_ack;
        self.next_ack += 1;
        let (tx, rx) = oneshot::channel();
        self.pending.lock().insert(id, tx);
        self.send_text(event_text(event, data, Some(id)))?;
        let (timeout, event) = (self.timeout, event.to_owned());
        Ok(Box::pin(async move {
            let reply = tokio::time::timeout(timeout, rx)
                .await
                .map_err(|_| ClientError::Timeout(format!("ack of {event}")))?
                .map_err(|_| ClientError::Closed)?;
            Ok(serde_json::from_str(&reply)?)
        }))
    }

    /// The next event of any name, as sent.
    pub async fn next_event(&mut self) -> Result<(String, Value), ClientError> {
        let (name, data) = self.next_text().await?;
        Ok((name, serde_json::from_str(&data)?))
    }

    /// The next event's name and the JSON text of its argument; an error
    /// for a binary event, whose attachments it would drop.
    pub async fn next_text(&mut self) -> Result<(String, String), ClientError> {
        match self.next_received().await? {
            Received { name, attachments, .. } if !attachments.is_empty() => Err(ClientError::Binary(name)),
            Received { name, data, .. } => Ok((name, data)),
        }
    }

    async fn next_received(&mut self) -> Result<Received, ClientError> {
        tokio::time::timeout(self.timeout, self.events.recv())
            .await
            .map_err(|_| ClientError::Timeout("an event".into()))?
            .ok_or(ClientError::Closed)
    }

    /// The next event, decoded by its name (and its attachments, if any).
    pub async fn next_message(&mut self) -> Result<ServerMessage, ClientError> {
        let Received { name, data, attachments } = self.next_received().await?;
        if !attachments.is_empty() {
            return Ok(ServerMessage::decode_binary(&name, &data, &attachments)?);
        }
        ServerMessage::decode(&name, &data)?.ok_or(ClientError::UnknownEvent(name))
    }

    /// Waits for the next event of type `E`, skipping others.
    pub async fn recv<E: Event>(&mut self) -> Result<E, ClientError> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            let next = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .map_err(|_| ClientError::Timeout(E::NAME.to_string()))?
                .ok_or(ClientError::Closed)?;
            if next.name == E::NAME {
                if !next.attachments.is_empty() {
                    return Err(ClientError::Binary(next.name));
                }
                return Ok(serde_json::from_str(&next.data)?);
            }
        }
    }

    /// Leaves the namespace and closes the WebSocket.
    pub fn close(self) {
        let _ = self.out.send(Message::text(Frame::Disconnect.encode()));
        let _ = self.out.send(Message::Close(None));
    }
}
