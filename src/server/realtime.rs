//! Socket.IO transport: the handshake check, the join sequence and one
//! handler per client event. Each accepted change is relayed to the rest of
//! the board at once and acknowledged only after storage has committed it.
//!
//! socketioxide calls a handler closure in the order the socket's packets
//! arrive and spawns the future it returns. So every change is applied, given
//! its seq, queued for storage and queued for relay inside the closure, in
//! order; only waiting for the commit and sending the ack happen in the future.

use std::sync::Arc;

use serde_json::Value;
use socketioxide::extract::{AckSender, Data, SocketRef, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::SocketIo;
use tokio::sync::mpsc;

use super::boards::{BoardRef, Boards};
use crate::domain::{Applied, Board, BoardError, Outcome, Reverted};
use crate::protocol::{
    Ack, Auth, BoardName, Clear, ClientId, Cursor, CursorMoved, Event, History, Presence, Redo, Rename, SocketId,
    Synced, Undo, Welcome,
};
use crate::storage::StorageError;

/// Refusals sent to the client as `connect_error`.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("invalid auth payload: {0}")]
    Auth(String),
    #[error("invalid board: {0}")]
    Board(#[from] crate::protocol::ValidationError),
    #[error("board is unavailable: {0}")]
    Storage(#[from] StorageError),
}

/// Why a client event was refused; the message goes back in the ack.
#[derive(Debug, thiserror::Error)]
enum EventError {
    #[error("invalid payload: {0}")]
    Payload(#[from] serde_json::Error),
    #[error(transparent)]
    Board(#[from] BoardError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What a connected socket carries: its open board, client id and relay queue.
#[derive(Clone)]
struct Connection {
    boards: Arc<Boards>,
    board: BoardRef,
    name: BoardName,
    client: ClientId,
    relays: mpsc::UnboundedSender<(&'static str, Value)>,
}

impl Connection {
    /// Queues a relay to the rest of the board, after this socket's earlier ones.
    fn relay<T: Event>(&self, data: &T) {
        match serde_json::to_value(data) {
            Ok(value) => {
                let _ = self.relays.send((T::NAME, value));
            }
            Err(e) => tracing::error!(event = T::NAME, error = %e, "cannot encode relay"),
        }
    }
}

/// Sends one socket's relays to the rest of its board, in order. Ends when
/// the connection, which holds the sender, is dropped at disconnect.
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

fn sid(socket: &SocketRef) -> SocketId {
    SocketId::from(socket.id.to_string())
}

/// Registers the default namespace on `io`.
pub fn attach(io: &SocketIo, boards: Arc<Boards>) {
    let check = {
        let boards = boards.clone();
        move |socket: SocketRef, TryData(auth): TryData<Auth>| async move {
            let auth = auth.map_err(|e| ConnectError::Auth(e.to_string()))?;
            let name = BoardName::new(auth.board)?;
            let board = boards.enter(&name).await?;
            // A missing or unusable client id falls back to the connection's.
            let client = auth
                .client
                .and_then(|c| ClientId::new(c).ok())
                .unwrap_or_else(|| ClientId::new(socket.id.to_string()).expect("socket ids are short"));
            let relays = spawn_relay(socket.clone(), name.to_string());
            socket.extensions.insert(Connection { boards: boards.clone(), board, name, client, relays });
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
    let Some(conn) = socket.extensions.get::<Connection>() else { return };
    let sid = sid(&socket);

    on_change(&socket, Board::start_stroke);
    on_change(&socket, Board::append_points);
    on_change(&socket, Board::end_stroke);
    on_change(&socket, |board, sid, Undo| board.undo(sid));
    on_change(&socket, |board, sid, Redo| board.redo(sid));
    on_change(&socket, |board, sid, Clear| board.clear(sid));
    on_change(&socket, Board::erase);
    socket.on(Rename::NAME, on_rename);
    socket.on(Cursor::NAME, on_cursor);
    socket.on_disconnect(move |socket: SocketRef| async move {
        // Dropping the connection also ends its relay queue.
        let Some(conn) = socket.extensions.remove::<Connection>() else { return };
        let presence = conn.board.lock().leave(&self::sid(&socket));
        io.to(conn.name.to_string()).emit(Presence::NAME, &presence).await.ok();
        conn.boards.leave(&conn.name);
    });

    // Welcome, history and synced go out under the board lock, before the
    // socket joins the room: every later change reaches it as a relay after
    // `synced`, and a relay of an earlier one carries a seq ≤ synced.seq.
    let presence = {
        let mut board = conn.board.lock();
        let joined = board.join(sid.clone(), conn.client.clone(), auth.name.as_deref());
        let sent = send::<Welcome>(&socket, &joined.welcome)
            && joined.history.iter().all(|chunk| send::<History>(&socket, chunk))
            && send(&socket, &Synced { seq: joined.seq });
        if !sent {
            tracing::warn!(%sid, "could not send the board to a joining socket");
        }
        socket.join(conn.name.to_string());
        joined.presence
    };
    tracing::info!(board = %conn.name, %sid, "joined");
    conn.relay(&presence);
}

/// Sends one event to this socket only.
fn send<T: Event>(socket: &SocketRef, data: &T) -> bool {
    socket.emit(T::NAME, data).is_ok()
}

/// How each kind of accepted change is relayed and reported to its sender.
trait Relay {
    fn relay(&self, conn: &Connection);

    /// What the sender's ack reports besides the seq.
    fn report(&self, _ack: &mut Ack) {}
}

impl<T: Event> Relay for T {
    fn relay(&self, conn: &Connection) {
        conn.relay(self)
    }
}

impl Relay for Reverted {
    fn relay(&self, conn: &Connection) {
        match self {
            Reverted::Removed(remove) => conn.relay(remove),
            Reverted::Restored(restores) => restores.iter().for_each(|r| conn.relay(r)),
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

/// Registers the handler of the acknowledged board change `E`. In the
/// closure, in arrival order: parse, apply under the board lock, queue for
/// storage and for relay. In the returned future: wait until durable, then ack.
fn on_change<E, R, F>(socket: &SocketRef, apply: F)
where
    E: Event,
    R: Relay,
    F: Fn(&mut Board, &SocketId, E) -> Result<Outcome<R>, BoardError> + Clone + Send + Sync + 'static,
{
    let handler = move |socket: SocketRef, TryData(data): TryData<Value>, ack: AckSender| -> AckFuture {
        let Some(conn) = socket.extensions.get::<Connection>() else { return Box::pin(async {}) };
        let storage = conn.boards.storage();
        let result =
            serde_json::from_value::<E>(data.unwrap_or(Value::Null)).map_err(EventError::from).and_then(|event| {
                let mut board = conn.board.lock();
                let outcome = apply(&mut board, &sid(&socket), event)?;
                Ok(match outcome {
                    Outcome::Applied { seq, relay, change } => {
                        let durable = storage.submit(Applied { board: conn.name.clone(), seq, change });
                        relay.relay(&conn);
                        let mut reply = Ack::ok(seq);
                        relay.report(&mut reply);
                        (reply, durable)
                    }
                    Outcome::Duplicate { seq } => (Ack::ok(seq), storage.flush()),
                })
            });
        Box::pin(async move {
            let reply = match result {
                Ok((reply, durable)) => durable.await.map(|()| reply).map_err(EventError::from),
                Err(e) => Err(e),
            };
            ack.send(&reply.unwrap_or_else(|e| Ack::err(e.to_string()))).ok();
        })
    };
    socket.on(E::NAME, handler);
}

async fn on_rename(socket: SocketRef, TryData(data): TryData<Value>, ack: AckSender) {
    let Some(conn) = socket.extensions.get::<Connection>() else { return };
    let result =
        serde_json::from_value::<Rename>(data.unwrap_or(Value::Null)).map_err(EventError::from).and_then(|r| {
            let mut board = conn.board.lock();
            Ok((board.rename(&sid(&socket), &r.name)?, board.seq()))
        });
    let reply = match result {
        Ok((presence, seq)) => {
            conn.relay(&presence);
            Ack::ok(seq)
        }
        Err(e) => Ack::err(e.to_string()),
    };
    ack.send(&reply).ok();
}

async fn on_cursor(socket: SocketRef, Data(cursor): Data<Cursor>) {
    let Some(conn) = socket.extensions.get::<Connection>() else { return };
    if crate::protocol::check_points(&[cursor.x, cursor.y]).is_err() {
        return;
    }
    let moved = CursorMoved { user: sid(&socket), x: cursor.x, y: cursor.y };
    socket.to(conn.name.to_string()).volatile().emit(CursorMoved::NAME, &moved).await.ok();
}
