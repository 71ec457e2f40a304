//! Socket.IO transport: the handshake check, the join sequence and one
//! handler per client event. Each accepted change is relayed to the rest of
//! the board at once and acknowledged only after storage has committed it.
//!
//! socketioxide calls a handler closure in the order the socket's packets
//! arrive and spawns the future it returns. So every change is applied, given
//! its seq, queued for storage and queued for relay inside the closure, in
//! order; only waiting for the commit and sending the ack happen in the future.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use socketioxide::extract::{AckSender, Data, SocketRef, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::SocketIo;
use tokio::sync::mpsc;

use crate::board::{BoardError, BoardRef, Boards, Outcome, Reverted};
use crate::protocol::{self, event, Ack, Auth, CursorMoved, Synced};
use crate::storage::Applied;

/// Refusals sent to the client as `connect_error`.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("invalid auth payload: {0}")]
    Auth(String),
    #[error("invalid board: {0}")]
    Board(String),
    #[error("board is unavailable: {0}")]
    Storage(#[from] crate::storage::StorageError),
}

/// What a connected socket carries: its open board, client id and relay queue.
#[derive(Clone)]
struct Member {
    boards: Arc<Boards>,
    board: BoardRef,
    name: String,
    client: String,
    relays: mpsc::UnboundedSender<(&'static str, Value)>,
}

/// Sends one socket's relays to the rest of its board, in order. Ends when
/// the member, which holds the sender, is dropped at disconnect.
fn spawn_relay(socket: SocketRef, room: String) -> mpsc::UnboundedSender<(&'static str, Value)> {
    let (tx, mut rx) = mpsc::unbounded_channel::<(&'static str, Value)>();
    tokio::spawn(async move {
        while let Some((name, data)) = rx.recv().await {
            if let Err(e) = socket.to(room.clone()).emit(name, &data).await {
                tracing::warn!(event = name, error = %e, "relay failed");
            }
        }
    });
    tx
}

/// Registers the default namespace on `io`.
pub fn attach(io: &SocketIo, boards: Arc<Boards>) {
    let check = {
        let boards = boards.clone();
        move |socket: SocketRef, TryData(auth): TryData<Auth>| async move {
            let auth = auth.map_err(|e| ConnectError::Auth(e.to_string()))?;
            if let Some(why) = protocol::board_name_error(&auth.board) {
                return Err(ConnectError::Board(why));
            }
            let board = boards.enter(&auth.board).await?;
            let client = auth
                .client
                .filter(|c| !c.is_empty() && c.len() <= protocol::MAX_STROKE_ID)
                .unwrap_or_else(|| socket.id.to_string());
            let relays = spawn_relay(socket.clone(), auth.board.clone());
            socket.extensions.insert(Member { boards: boards.clone(), board, name: auth.board, client, relays });
            Ok::<(), ConnectError>(())
        }
    };
    // Runs synchronously inside socketioxide's connect step, so the event
    // handlers exist before any event of this socket is dispatched.
    let connected = move |socket: SocketRef, io: SocketIo, Data(auth): Data<Auth>| {
        on_connect(socket, io, auth);
        async {}
    };
    io.ns("/", connected.with(check));
}

fn on_connect(socket: SocketRef, io: SocketIo, auth: Auth) {
    let Some(member) = socket.extensions.get::<Member>() else { return };
    let sid = socket.id.to_string();

    socket.on(event::STROKE_START, change_handler(|b, sid, data| b.start_stroke(sid, parse(data)?)));
    socket.on(
        event::STROKE_POINTS,
        change_handler(|b, sid, data| {
            let p: protocol::StrokePoints = parse(data)?;
            b.append_points(sid, &p.id, p.n, p.points)
        }),
    );
    socket.on(
        event::STROKE_END,
        change_handler(|b, sid, data| {
            let e: protocol::StrokeEnd = parse(data)?;
            b.end_stroke(sid, &e.id)
        }),
    );
    socket.on(event::UNDO, change_handler(|b, sid, _| b.undo(sid)));
    socket.on(event::REDO, change_handler(|b, sid, _| b.redo(sid)));
    socket.on(event::CLEAR, change_handler(|b, sid, _| b.clear(sid)));
    socket.on(
        event::ERASE,
        change_handler(|b, sid, data| {
            let e: protocol::Erase = parse(data)?;
            b.erase(sid, &e.ids)
        }),
    );
    socket.on(event::RENAME, on_rename);
    socket.on(event::CURSOR, on_cursor);
    socket.on_disconnect(move |socket: SocketRef| async move {
        // Dropping the member also ends its relay queue.
        let Some(member) = socket.extensions.remove::<Member>() else { return };
        let presence = member.board.lock().leave(&socket.id.to_string());
        io.to(member.name.clone()).emit(event::PRESENCE, &presence).await.ok();
        member.boards.leave(&member.name);
    });

    // Welcome, history and synced go out under the board lock, before the
    // socket joins the room: every later change reaches it as a relay after
    // `synced`, and a relay of an earlier one carries a seq ≤ synced.seq.
    let presence = {
        let mut board = member.board.lock();
        let joined = board.join(&sid, &member.client, auth.name.as_deref());
        let sent = socket.emit(event::WELCOME, &joined.welcome).is_ok()
            && joined.history.iter().all(|chunk| socket.emit(event::HISTORY, chunk).is_ok())
            && socket.emit(event::SYNCED, &Synced { seq: joined.seq }).is_ok();
        if !sent {
            tracing::warn!(%sid, "could not send the board to a joining socket");
        }
        socket.join(member.name.clone());
        joined.presence
    };
    tracing::info!(board = %member.name, %sid, "joined");
    relay(&member, event::PRESENCE, &presence);
}

fn parse<T: serde::de::DeserializeOwned>(data: Value) -> Result<T, BoardError> {
    serde_json::from_value(data).map_err(|e| BoardError::Invalid(format!("invalid payload: {e}")))
}

/// Queues a relay to the rest of the member's board.
fn relay(member: &Member, name: &'static str, data: &impl Serialize) {
    match serde_json::to_value(data) {
        Ok(value) => {
            let _ = member.relays.send((name, value));
        }
        Err(e) => tracing::error!(event = name, error = %e, "cannot encode relay"),
    }
}

/// How each kind of accepted change is relayed and reported to its sender.
trait Relay {
    fn relay(&self, member: &Member);

    /// What the sender's ack reports besides the seq.
    fn report(&self, _ack: &mut Ack) {}
}

macro_rules! plain_relay {
    ($ty:ty, $name:expr) => {
        impl Relay for $ty {
            fn relay(&self, member: &Member) {
                relay(member, $name, self)
            }
        }
    };
}
plain_relay!(protocol::StrokeStarted, event::STROKE_START);
plain_relay!(protocol::StrokePoints, event::STROKE_POINTS);
plain_relay!(protocol::StrokeEnd, event::STROKE_END);
plain_relay!(protocol::Cleared, event::CLEAR);

impl Relay for Reverted {
    fn relay(&self, member: &Member) {
        match self {
            Reverted::Removed(remove) => relay(member, event::STROKE_REMOVE, remove),
            Reverted::Restored(restores) => restores.iter().for_each(|r| relay(member, event::STROKE_RESTORE, r)),
        }
    }

    fn report(&self, ack: &mut Ack) {
        match self {
            Reverted::Removed(remove) => ack.removed = Some(remove.ids.clone()),
            Reverted::Restored(restores) => ack.restored = Some(restores.iter().map(|r| r.stroke.clone()).collect()),
        }
    }
}

type AckFuture = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// A handler for an acknowledged board change. In the closure, in arrival
/// order: apply under the board lock, queue for storage and for relay. In the
/// returned future: wait until durable, then ack.
fn change_handler<R, F>(
    apply: F,
) -> impl FnOnce(SocketRef, TryData<Value>, AckSender) -> AckFuture + Clone + Send + Sync + 'static
where
    R: Relay,
    F: Fn(&mut crate::board::Board, &str, Value) -> Result<Outcome<R>, BoardError> + Clone + Send + Sync + 'static,
{
    move |socket: SocketRef, TryData(data): TryData<Value>, ack: AckSender| {
        let Some(member) = socket.extensions.get::<Member>() else { return Box::pin(async {}) };
        let storage = member.boards.storage();
        let result = {
            let mut board = member.board.lock();
            apply(&mut board, &socket.id.to_string(), data.unwrap_or(Value::Null)).map(|outcome| match outcome {
                Outcome::Applied { seq, relay, change } => {
                    let durable = storage.submit(Applied { board: member.name.clone(), seq, change });
                    relay.relay(&member);
                    let mut reply = Ack::ok(seq);
                    relay.report(&mut reply);
                    (reply, durable)
                }
                Outcome::Duplicate { seq } => (Ack::ok(seq), storage.flush()),
            })
        };
        Box::pin(async move {
            let reply = match result {
                Err(e) => Ack::err(e.to_string()),
                Ok((reply, durable)) => match durable.await {
                    Ok(()) => reply,
                    Err(e) => Ack::err(e.to_string()),
                },
            };
            ack.send(&reply).ok();
        })
    }
}

async fn on_rename(socket: SocketRef, TryData(data): TryData<Value>, ack: AckSender) {
    let Some(member) = socket.extensions.get::<Member>() else { return };
    let result = parse::<protocol::Rename>(data.unwrap_or(Value::Null)).and_then(|r| {
        let mut board = member.board.lock();
        board.rename(&socket.id.to_string(), &r.name).map(|p| (p, board.seq()))
    });
    match result {
        Ok((presence, seq)) => {
            relay(&member, event::PRESENCE, &presence);
            ack.send(&Ack::ok(seq)).ok();
        }
        Err(e) => {
            ack.send(&Ack::err(e.to_string())).ok();
        }
    }
}

async fn on_cursor(socket: SocketRef, Data(cursor): Data<protocol::Cursor>) {
    let Some(member) = socket.extensions.get::<Member>() else { return };
    if protocol::points_error(&[cursor.x, cursor.y]).is_some() {
        return;
    }
    let moved = CursorMoved { user: socket.id.to_string(), x: cursor.x, y: cursor.y };
    socket.to(member.name).volatile().emit(event::CURSOR, &moved).await.ok();
}
