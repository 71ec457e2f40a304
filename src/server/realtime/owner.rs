//! The owner's events (mode, lock, reset links, kick, delete; "remove their
//! drawing" is a board change in `mod.rs`), and what follows a change of
//! access: every socket of the board is told its role at once, and one
//! that lost it is disconnected. Changes made by the operator's `scrawl
//! board` commands reach the open boards through [`follow_storage`].

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use socketioxide::extract::{AckSender, SocketRef, TryData};

use super::{relay, AckFuture, ConnectError, Connection, EventError, Need, Realtime};
use crate::domain::{Applied, Board, BoardAccess, BoardError, Change, KeyHash};
use crate::protocol::{Ack, BoardDeleted, BoardName, DeleteBoard, Event, Kick, ResetLinks, Role, SetLock, SetMode};
use crate::server::boards::BoardRef;
use crate::server::limits::Class;
use crate::storage::leases::{Holder, Lease};
use crate::storage::{StorageError, UPLOAD_GRACE_SECS};

/// How often open boards are compared with what the operator stored.
const FOLLOW: Duration = Duration::from_secs(5);
/// How often boards are checked for expiry.
const EXPIRY_CHECK: Duration = Duration::from_secs(3600);
/// How often images that nothing shows any more are collected.
const IMAGE_COLLECTION: Duration = Duration::from_secs(600);

/// What an owner's event does.
#[derive(Default)]
struct Effect {
    /// To persist, in order with the board's changes.
    change: Option<Change>,
    /// Sockets to disconnect (a kick).
    remove: Vec<SocketRef>,
    deleted: bool,
}

pub(super) fn attach(socket: &SocketRef) {
    on_owner(socket, |_, board, SetMode { mode }| Ok(access(board, |a| a.mode = mode)));
    on_owner(socket, |_, board, SetLock { locked }| Ok(access(board, |a| a.locked = locked)));
    on_owner(socket, |conn, board, ResetLinks| {
        // An owner's role comes from its key.
        let key = conn.key.clone().ok_or(EventError::NotOwner)?;
        Ok(access(board, |a| {
            a.reset_links(&key);
        }))
    });
    on_owner(socket, kick);
    on_owner(socket, |_, board, DeleteBoard| {
        Ok(Effect { change: Some(board.close()), deleted: true, ..Effect::default() })
    });
}

fn access(board: &mut Board, change: impl FnOnce(&mut BoardAccess)) -> Effect {
    let ((), change) = board.change_access(change);
    Effect { change: Some(change), ..Effect::default() }
}

/// Disconnects everyone who acts for the client of `user`, and keeps that
/// client and their addresses out for `boards::KICK`.
fn kick(conn: &Connection, board: &mut Board, Kick { user }: Kick) -> Result<Effect, EventError> {
    let client = board.client_of_user(&user).cloned().ok_or(BoardError::NoSuchUser)?;
    if client == conn.client {
        return Err(EventError::KickYourself);
    }
    let mut remove = Vec::new();
    for socket in conn.realtime.io.to(conn.name.to_string()).sockets() {
        let Some(other) = socket.extensions.get::<Connection>() else { continue };
        if other.client == client {
            if other.role(board) == Some(Role::Owner) {
                return Err(EventError::KickOwner);
            }
            remove.push((socket, other.address.ip));
        }
    }
    for (socket, ip) in &remove {
        conn.realtime.boards.kick(&conn.name, client.clone(), *ip);
        if let Some(other) = socket.extensions.get::<Connection>() {
            other.kicked.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
    let remove = remove.into_iter().map(|(socket, _)| socket).collect();
    tracing::info!(board = %conn.name, client = %client.as_str(), "kicked by the owner");
    Ok(Effect { remove, ..Effect::default() })
}

/// Registers the owner's event `E`: checked (rate, storage, the owner's
/// role) and applied in arrival order, acked once its change is durable.
fn on_owner<E, F>(socket: &SocketRef, act: F)
where
    E: Event,
    F: Fn(&Connection, &mut Board, E) -> Result<Effect, EventError> + Clone + Send + Sync + 'static,
{
    let handler = move |socket: SocketRef, TryData(data): TryData<Value>, ack: AckSender| -> AckFuture {
        let Some(conn) = socket.extensions.get::<Connection>() else { return Box::pin(async {}) };
        conn.realtime.out.metrics.event(E::NAME);
        let result = apply(&conn, data.unwrap_or(Value::Null), &act);
        let deleted = matches!(&result, Ok((Effect { deleted: true, .. }, _)));
        let durable = result.map(|(effect, durable)| {
            if effect.deleted {
                // Submitted first: whoever loads it next waits for the deletion.
                conn.board.detach();
            }
            if !effect.deleted {
                tell_roles(&conn.realtime, &conn.board, &conn.name);
            }
            for socket in effect.remove {
                let _ = socket.disconnect();
            }
            durable
        });
        Box::pin(async move {
            let result = match durable {
                Ok((seq, durable)) => durable.await.map(|()| Ack::ok(seq)).map_err(EventError::from),
                Err(e) => Err(e),
            };
            let done = result.is_ok();
            conn.reply(&socket, ack, result);
            if deleted && done {
                tracing::info!(board = %conn.name, "deleted by its owner");
                close_room(&conn.realtime, &conn.name);
            }
        })
    };
    socket.on(E::NAME, handler);
}

type Applying = (Effect, (u64, crate::storage::Durable));

fn apply<E: Event>(
    conn: &Connection,
    data: Value,
    act: &impl Fn(&Connection, &mut Board, E) -> Result<Effect, EventError>,
) -> Result<Applying, EventError> {
    conn.admit(Class::Edit)?;
    let storage = conn.realtime.boards.storage();
    if let Some(e) = storage.refusal(conn.realtime.storage_grace) {
        return Err(e.into());
    }
    let event: E = serde_json::from_value(data)?;
    let mut board = conn.board.lock();
    if !storage.holds(&conn.name, board.fence()) {
        return Err(StorageError::Moved.into());
    }
    conn.allowed(&board, Need::Owner)?;
    let mut effect = act(conn, &mut board, event)?;
    let seq = board.seq();
    let durable = match effect.change.take() {
        Some(change) => storage.submit(Applied { board: conn.name.clone(), seq, change, by: Default::default() }),
        None => storage.flush(),
    };
    Ok((effect, (seq, durable)))
}

/// Tells every socket of the board its role as it is now, and disconnects
/// those that lost it (a private board, a reset key).
pub(super) fn tell_roles(realtime: &Realtime, board: &BoardRef, name: &BoardName) {
    let sockets = realtime.io.to(name.to_string()).sockets();
    let mut gone = Vec::new();
    {
        let board = board.lock();
        for socket in sockets {
            let Some(conn) = socket.extensions.get::<Connection>() else { continue };
            match conn.told(&board) {
                Some(access) => {
                    if let Some((event, data)) = relay::encode(&access) {
                        realtime.out.send(&socket, event, &data);
                    }
                }
                None => gone.push(socket),
            }
        }
    }
    for socket in gone {
        let _ = socket.disconnect();
    }
}

/// Tells every socket of a deleted board, then disconnects them.
fn close_room(realtime: &Realtime, name: &BoardName) {
    realtime.boards.forget_kicks(name);
    for socket in realtime.io.to(name.to_string()).sockets() {
        send_off(realtime, &socket);
    }
}

/// Closes a board this node no longer holds (a cluster's lease was lost):
/// it takes no more changes here, and its members are disconnected, to
/// reconnect to the board's next node.
pub(crate) fn hand_over(realtime: &Realtime, name: &BoardName) {
    realtime.boards.with_open(name, |b| {
        // Not a deletion: the change it returns is not written.
        let _ = b.close();
    });
    realtime.boards.forget(name);
    for socket in realtime.io.to(name.to_string()).sockets() {
        let _ = socket.disconnect();
    }
}

/// Tells one socket its board was deleted, then disconnects it.
pub(super) fn send_off(realtime: &Realtime, socket: &SocketRef) {
    if let Some((event, data)) = relay::encode(&BoardDeleted) {
        realtime.out.send(socket, event, &data);
    }
    let _ = socket.clone().disconnect();
}

/// The role of an arriving connection that presents `token`. A key this
/// process does not know may have just been made by `scrawl board links`:
/// then the board's settings are read again.
pub(super) async fn role_on_arrival(
    realtime: &Realtime,
    board: &BoardRef,
    token: Option<&KeyHash>,
) -> Result<Option<Role>, ConnectError> {
    let (role, name) = {
        let b = board.lock();
        let known = token.is_none_or(|t| b.access().keys.iter().any(|(_, hash)| hash == t));
        if known {
            return Ok(b.access().role_of(token));
        }
        (b.access().role_of(token), b.name().clone())
    };
    let Some(stored) = realtime.boards.storage().access(&name).await? else { return Ok(role) };
    if adopt(board, stored) {
        tell_roles(realtime, board, &name);
    }
    Ok(board.lock().access().role_of(token))
}

/// Takes settings the operator stored, unless the board's are newer.
fn adopt(board: &BoardRef, stored: BoardAccess) -> bool {
    board.lock().adopt_access(stored)
}

/// Follows what the operator's commands store next to this server: new
/// links take effect and old ones stop working within [`FOLLOW`], and a
/// deleted board's members are told and disconnected. Also deletes boards
/// idle for longer than `--expire-after`, and collects images nothing shows.
pub(super) async fn follow_storage(realtime: Arc<Realtime>) {
    let mut tick = tokio::time::interval(FOLLOW);
    let mut expiry = tokio::time::interval(EXPIRY_CHECK);
    let mut collect = tokio::time::interval(IMAGE_COLLECTION);
    loop {
        tokio::select! {
            _ = tick.tick() => match follow(&realtime).await {
                // The server has shut down.
                Err(StorageError::Sqlx(sqlx::Error::PoolClosed)) => return,
                Err(e) => tracing::warn!(error = %e, "could not read the boards' settings"),
                Ok(()) => {}
            },
            _ = expiry.tick(), if realtime.expire_after.is_some() || realtime.history_days.is_some() => {
                if let Err(e) = expire(&realtime).await {
                    tracing::warn!(error = %e, "could not delete idle boards");
                }
                if let Err(e) = compact(&realtime).await {
                    tracing::warn!(error = %e, "could not compact old history");
                }
            }
            _ = collect.tick() => match collect_images(&realtime).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(images = n, "collected images nothing shows"),
                Err(e) => tracing::warn!(error = %e, "could not collect images"),
            },
        }
    }
}

async fn follow(realtime: &Realtime) -> Result<(), StorageError> {
    let storage = realtime.boards.storage();
    storage.prune_deleted().await?;
    let deleted = storage.deleted_boards().await?;
    for name in realtime.boards.open_names() {
        let sockets = realtime.io.to(name.to_string()).sockets();
        let Some(board) = sockets.iter().find_map(|s| s.extensions.get::<Connection>().map(|c| c.board.clone())) else {
            // Held by a page view only (`Boards::first_paint`): it follows too.
            if deleted.iter().any(|d| d == name.as_str()) {
                realtime.boards.with_open(&name, |b| b.close());
                realtime.boards.forget(&name);
            } else if let Some(stored) = storage.access(&name).await? {
                realtime.boards.with_open(&name, |b| b.adopt_access(stored));
            }
            continue;
        };
        if deleted.iter().any(|d| d == name.as_str()) {
            board.lock().close();
            board.detach();
            tracing::info!(board = %name, "deleted by the operator; its members were told");
            close_room(realtime, &name);
        } else if let Some(stored) = storage.access(&name).await? {
            if adopt(&board, stored) {
                tracing::info!(board = %name, "new links from the operator");
                tell_roles(realtime, &board, &name);
            }
        }
    }
    Ok(())
}

/// Whether this node may do a board's upkeep (compaction, expiry): always
/// on a single server; in a cluster, while it holds the board's lease, so
/// that only the board's holder, where it is open if anywhere, touches it.
async fn hold(realtime: &Realtime, name: &BoardName) -> Option<Option<Lease>> {
    match realtime.boards.storage().leases() {
        None => Some(None),
        Some(leases) => match leases.acquire(name).await {
            Ok(Holder::Here(lease)) => Some(Some(lease)),
            _ => None,
        },
    }
}

/// Collects the images nothing shows, but those of boards in use.
async fn collect_images(realtime: &Realtime) -> Result<u64, StorageError> {
    let open = boards_in_use(realtime).await?;
    realtime.boards.storage().collect_images(UPLOAD_GRACE_SECS, &open).await
}

/// Gives up at once a lease taken for a board's upkeep: thousands of idle
/// boards must not hold leases for their linger.
async fn let_go(realtime: &Realtime, name: &BoardName, held: Option<Lease>) {
    let storage = realtime.boards.storage();
    if let (Some(leases), Some(lease)) = (storage.leases(), held) {
        if storage.flush().await.is_ok() {
            leases.give_up(name, lease).await;
        }
    }
}

/// The boards whose uploads stay: those open here, and in a cluster those
/// some node holds (open there, or about to be).
async fn boards_in_use(realtime: &Realtime) -> Result<Vec<BoardName>, StorageError> {
    let mut open = realtime.boards.open_names();
    if let Some(leases) = realtime.boards.storage().leases() {
        let held = leases.held_anywhere().await?;
        let stored = realtime.boards.storage().idle_boards(i64::MAX).await?;
        open.extend(stored.into_iter().filter(|name| held.contains(&crate::storage::leases::key(name))));
    }
    Ok(open)
}

/// Folds history older than `--history-days` into snapshots.
async fn compact(realtime: &Realtime) -> Result<(), crate::storage::HistoryError> {
    let Some(keep) = realtime.history_days else { return Ok(()) };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let before = now.saturating_sub(keep).as_millis() as i64;
    let storage = realtime.boards.storage();
    for name in storage.boards_with_history_before(before).await? {
        let Some(held) = hold(realtime, &name).await else { continue };
        let compacted = storage.compact(&name, before).await;
        let_go(realtime, &name, held).await;
        if let Some(seq) = compacted? {
            tracing::info!(board = %name, from = seq, "compacted old history");
        }
    }
    Ok(())
}

async fn expire(realtime: &Realtime) -> Result<(), StorageError> {
    let Some(after) = realtime.expire_after else { return Ok(()) };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let before = now.saturating_sub(after).as_secs() as i64;
    let storage = realtime.boards.storage();
    for name in storage.idle_boards(before).await? {
        let Some(held) = hold(realtime, &name).await else { continue };
        // Someone may have opened it since the list was read.
        let deleted = !realtime.boards.open_names().contains(&name) && storage.delete_board(&name).await?;
        let_go(realtime, &name, held).await;
        if deleted {
            tracing::info!(board = %name, idle_days = after.as_secs() / 86_400, "deleted an idle board");
        }
    }
    Ok(())
}
