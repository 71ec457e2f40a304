//! Socket.IO transport: the handshake checks (board, address caps), the
//! join sequence and one handler per client event. Each accepted change is
//! relayed to the rest of the board at once and acknowledged only after
//! storage has committed it.
//!
//! socketioxide calls a handler closure in the order the socket's packets
//! arrive and spawns the future it returns. So every change is checked
//! (storage health, rate limits, payload, board rules), applied, given its
//! seq, queued for storage and queued for relay inside the closure, in
//! order; only waiting for the commit and sending the ack happen in the future.
//!
//! - `refusal`: why a connection or an event is refused, and what the
//!   client is told.
//! - `relay`: each board's ordered relay queue and the fan-out that
//!   disconnects a socket rather than skip it.
//! - `owner`: the owner's events (mode, lock, links, kick, delete), telling
//!   every socket its role when it changes, and following changes made
//!   by the operator's commands.

mod owner;
mod refusal;
mod relay;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use serde_json::Value;
use socketioxide::extract::{AckSender, Data, SocketRef, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::socket::Sid;
use socketioxide::SocketIo;
use tokio::sync::mpsc;

use super::boards::{BoardRef, Boards};
use super::limits::{AddressSlot, Class, ConnectionLimits, Limits, Verdict};
use crate::domain::{Applied, Board, BoardError, KeyHash, Outcome, Reverted, MAX_KEY};
use crate::i18n::{Locale, Texts};
use crate::protocol::{
    check_points, Access, Ack, Add, Auth, BoardName, Clear, ClientId, Cursor, CursorMoved, EditText, Erase, Event,
    History, Laser, LaserMoved, Order, Redo, RemoveDrawing, Rename, Restore, Role, Select, Selected, SocketId,
    StrokeEnd, StrokePoints, StrokeStart, Summon, Summoned, Synced, TransformObjects, Undo, Viewport, ViewportMoved,
    Welcome, MAX_ERASE,
};
pub(crate) use owner::hand_over;
pub use refusal::ConnectError;
use refusal::EventError;
use relay::Relay;
pub use relay::{BoardRelays, Outlet, Overflowed, Recent};

/// What every connection shares.
pub struct Realtime {
    pub io: SocketIo,
    pub boards: Arc<Boards>,
    pub limits: Arc<Limits>,
    pub out: Arc<relay::Outlet>,
    pub relays: relay::BoardRelays,
    /// Take the client's address from `X-Forwarded-For`.
    pub trust_proxy: bool,
    /// How long storage may fail before changes are refused.
    pub storage_grace: Duration,
    /// Delete boards with no change for this long.
    pub expire_after: Option<Duration>,
    /// Fold history older than this into snapshots.
    pub history_days: Option<Duration>,
}

/// What a connected socket carries.
#[derive(Clone)]
struct Connection {
    realtime: Arc<Realtime>,
    board: BoardRef,
    name: BoardName,
    client: ClientId,
    /// The board's relay queue.
    relays: mpsc::Sender<relay::Item>,
    limits: Arc<ConnectionLimits>,
    /// Holds this connection's place among its address's connections.
    address: Arc<AddressSlot>,
    /// The key this connection presented (`auth.token`), and its hash.
    key: Option<Arc<str>>,
    token: Option<KeyHash>,
    /// Kicked: nothing more of it counts while it is disconnected.
    kicked: Arc<std::sync::atomic::AtomicBool>,
    /// The language of what it is told.
    texts: Texts,
}

/// What an event needs of the connection's role.
#[derive(Clone, Copy, PartialEq)]
enum Need {
    Draw,
    Owner,
}

impl Connection {
    /// This connection's role on `board` now; `None` once it may not even watch.
    fn role(&self, board: &Board) -> Option<Role> {
        board.access().role_of(self.token.as_ref())
    }

    /// What this connection is told of its role, if it still has one.
    fn told(&self, board: &Board) -> Option<Access> {
        self.role(board).map(|role| board.access().tell(role, self.key.as_deref()))
    }

    /// Whether this connection may, right now, make a change that needs `need`.
    fn allowed(&self, board: &Board, need: Need) -> Result<(), EventError> {
        if board.is_closed() {
            return Err(EventError::Deleted);
        }
        if self.kicked.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(EventError::ViewOnly);
        }
        match (self.role(board), need) {
            (Some(Role::Owner), _) => Ok(()),
            (_, Need::Owner) => Err(EventError::NotOwner),
            (Some(Role::Edit), Need::Draw) if !board.access().locked => Ok(()),
            (Some(Role::Edit), Need::Draw) => Err(EventError::Locked),
            (Some(Role::View) | None, Need::Draw) => Err(EventError::ViewOnly),
        }
    }

    /// Queues relays to the rest of the board. Call it holding the board's
    /// lock, so relays keep seq order; `admit` checked for room under the
    /// same lock, so the queue never refuses a change's relays.
    fn relay(&self, from: Option<Sid>, relays: Vec<Relay>) {
        if !relays.is_empty() && self.relays.try_send((from, relays)).is_err() {
            tracing::warn!(board = %self.name, "relay queue full; a presence update was dropped");
        }
    }

    /// The checks every event passes before it is parsed: an earlier
    /// refusal still holding, then rate limits.
    fn admit(&self, class: Class) -> Result<(), EventError> {
        if let Some(wait) = self.limits.held() {
            // Sending on regardless counts as ignoring a rate limit.
            return Err(if self.limits.refused_while_held() { EventError::Abuse } else { EventError::Held(wait) });
        }
        match self.limits.check(class, &self.realtime.limits, self.address.ip) {
            Verdict::Allow => Ok(()),
            Verdict::Retry(wait) => Err(EventError::Rate { class, wait }),
            Verdict::Disconnect => Err(EventError::Abuse),
        }
    }

    /// After a retryable refusal that is not a rate limit, holds every later
    /// event of this connection until the retry time, so nothing sent after
    /// the refused event gets ahead of it.
    fn hold_after(&self, error: &EventError) {
        if let (Some(ms), false) = (error.retry_ms(), matches!(error, EventError::Rate { .. } | EventError::Held(_))) {
            self.limits.hold(Duration::from_millis(ms));
        }
    }

    /// Sends the ack of one event. A refusal is counted; a socket that
    /// ignored its rate limits is disconnected after hearing why.
    fn reply(&self, socket: &SocketRef, ack: AckSender, result: Result<Ack, EventError>) {
        let out = &self.realtime.out;
        let abuse = matches!(result, Err(EventError::Abuse));
        // In a cluster: this copy of the board is no longer the board's; the
        // client reconnects, to the board's holder, and resends.
        let moved = matches!(result, Err(EventError::Storage(crate::storage::StorageError::Moved)));
        let reply = result.unwrap_or_else(|e| {
            out.metrics.refused(e.refusal());
            e.ack(&self.texts)
        });
        if !out.overflowed.contains(socket.id) {
            out.outcome(socket, ack.send(&reply));
        }
        if abuse {
            // After the ack saying why.
            tracing::warn!(sid = %socket.id, "disconnecting a socket that ignores rate limits");
            out.metrics.disconnect("abuse");
            out.cut_off(socket);
        }
        if moved {
            let _ = socket.clone().disconnect();
        }
    }

    /// Checks, parses and applies one board change; returns the ack to send
    /// once durable. Runs in arrival order.
    fn accept<E: Event, R: RelayOf>(
        &self,
        socket: &SocketRef,
        class: Class,
        need: Need,
        data: Value,
        apply: impl Fn(&mut Board, &SocketId, E) -> Result<Outcome<R>, BoardError>,
    ) -> Result<(Ack, crate::storage::Durable), EventError> {
        self.admit(class)?;
        let event: E = serde_json::from_value(data)?;
        self.change(socket, need, E::NAME, |board, sid| apply(board, sid, event))
    }

    /// Applies one admitted board change made by event `name`: relays it,
    /// queues it for storage, and returns its ack and when it is durable.
    fn change<R: RelayOf>(
        &self,
        socket: &SocketRef,
        need: Need,
        name: &'static str,
        apply: impl FnOnce(&mut Board, &SocketId) -> Result<Outcome<R>, BoardError>,
    ) -> Result<(Ack, crate::storage::Durable), EventError> {
        let storage = self.realtime.boards.storage();
        if let Some(e) = storage.refusal(self.realtime.storage_grace) {
            return Err(e.into());
        }
        let mut board = self.board.lock();
        // In a cluster: a copy of the board this node no longer holds.
        if !storage.holds(&self.name, board.fence()) {
            return Err(crate::storage::StorageError::Moved.into());
        }
        self.allowed(&board, need)?;
        if self.relays.capacity() == 0 {
            return Err(EventError::Busy);
        }
        let sid = sid(socket);
        Ok(match apply(&mut board, &sid)? {
            Outcome::Applied { seq, relay, change } => {
                let by = board.author(&sid, name);
                let durable = storage.submit(Applied { board: self.name.clone(), seq, change, by });
                let relays = relay.relays();
                board.recent.keep(seq, &relays);
                self.relay(Some(socket.id), relays);
                let mut reply = Ack::ok(seq);
                relay.report(&mut reply);
                (reply, durable)
            }
            Outcome::Duplicate { seq } => (Ack::ok(seq), storage.flush()),
        })
    }

    /// `restore`: rebuilds the board as it was at `seq` from storage, then
    /// applies it as one change. Loading waits for storage, so unlike other
    /// changes it finishes after later events of the socket may have.
    async fn restore(&self, socket: &SocketRef, Restore { seq, op }: Restore) -> Result<Ack, EventError> {
        let storage = self.realtime.boards.storage();
        // While storage fails, reading the past would wait for it: refuse at once.
        if let Some(e) = storage.refusal(self.realtime.storage_grace) {
            return Err(e.into());
        }
        storage.flush().await?;
        let then = storage.board_at(&self.name, seq).await?;
        let (reply, durable) =
            self.change(socket, Need::Draw, Restore::NAME, |board, sid| board.restore_to(sid, seq, then, op))?;
        durable.await?;
        Ok(reply)
    }
}

fn sid(socket: &SocketRef) -> SocketId {
    SocketId::from(socket.id.to_string())
}

fn client_ip(socket: &SocketRef, trust_proxy: bool) -> IpAddr {
    let parts = socket.req_parts();
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    super::limits::client_ip(&parts.headers, peer, trust_proxy)
}

/// Registers the default namespace on `io`.
pub fn attach(io: &SocketIo, realtime: Arc<Realtime>) {
    {
        let realtime = realtime.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                realtime.limits.forget_idle();
            }
        });
    }
    tokio::spawn(owner::follow_storage(realtime.clone()));
    let check = move |socket: SocketRef, TryData(auth): TryData<Auth>| {
        let realtime = realtime.clone();
        let texts = Texts::of(language(&socket, auth.as_ref().ok().and_then(|a| a.lang.as_deref())));
        async move {
            let admitted = match auth {
                Ok(auth) => admit(realtime, &socket, auth, texts).await,
                Err(e) => Err(ConnectError::Auth(e.to_string())),
            };
            admitted.map_err(|e| {
                tracing::debug!(sid = %socket.id, error = %e, "refused a connection");
                e.text(&texts)
            })
        }
    };
    // Runs synchronously inside socketioxide's connect step, so the event
    // handlers exist before any event of this socket is dispatched.
    let connected = move |socket: SocketRef, Data(auth): Data<Auth>| {
        on_connect(socket, auth);
        async {}
    };
    io.ns("/", connected.with(check));
}

/// The language a connection is told things in: `auth.lang`, else its
/// handshake's cookie or `Accept-Language`.
fn language(socket: &SocketRef, lang: Option<&str>) -> Locale {
    lang.and_then(Locale::from_tag).unwrap_or_else(|| super::web::request_locale(&socket.req_parts().headers))
}

/// Lets a socket in, or says why not.
async fn admit(realtime: Arc<Realtime>, socket: &SocketRef, auth: Auth, texts: Texts) -> Result<(), ConnectError> {
    let name = BoardName::new(auth.board)?;
    let address = realtime.limits.admit(client_ip(socket, realtime.trust_proxy))?;
    let board = realtime.boards.enter(&name).await?;
    // A missing or unusable client id falls back to the connection's.
    let client = auth
        .client
        .and_then(|c| ClientId::new(c).ok())
        .unwrap_or_else(|| ClientId::new(socket.id.to_string()).expect("socket ids are short"));
    let key: Option<Arc<str>> = auth.token.filter(|t| !t.is_empty() && t.len() <= MAX_KEY).map(Into::into);
    let token = key.as_deref().map(KeyHash::of);
    let role = owner::role_on_arrival(&realtime, &board, token.as_ref()).await?;
    match role {
        None if token.is_some() => return Err(ConnectError::InvalidKey),
        None => return Err(ConnectError::Private),
        Some(Role::Owner) => {}
        Some(_) => {
            if let Some(wait) = realtime.boards.kicked(&name, &client, address.ip) {
                return Err(ConnectError::Kicked(wait.as_secs().div_ceil(60)));
            }
        }
    }
    let relays = realtime.relays.queue(&name);
    let limits = Arc::new(realtime.limits.for_connection());
    let address = Arc::new(address);
    let kicked = Arc::default();
    let conn = Connection { realtime, board, name, client, relays, limits, address, key, token, kicked, texts };
    socket.extensions.insert(conn);
    Ok(())
}

fn on_connect(socket: SocketRef, auth: Auth) {
    let Some(conn) = socket.extensions.get::<Connection>() else { return };
    let sid = sid(&socket);

    on_change::<StrokeStart, _, _>(&socket, Class::Stroke, Need::Draw, Board::start_stroke);
    on_change::<StrokePoints, _, _>(&socket, Class::Stroke, Need::Draw, Board::append_points);
    on_change::<StrokeEnd, _, _>(&socket, Class::Stroke, Need::Draw, Board::end_stroke);
    on_change(&socket, Class::Edit, Need::Draw, |board, sid, Undo| board.undo(sid));
    on_change(&socket, Class::Edit, Need::Draw, |board, sid, Redo| board.redo(sid));
    on_change(&socket, Class::Edit, Need::Draw, |board, sid, Clear| board.clear(sid));
    on_change::<Erase, _, _>(&socket, Class::Edit, Need::Draw, Board::erase);
    on_change::<Add, _, _>(&socket, Class::Edit, Need::Draw, Board::add);
    on_change::<TransformObjects, _, _>(&socket, Class::Edit, Need::Draw, Board::transform);
    on_change::<EditText, _, _>(&socket, Class::Edit, Need::Draw, Board::edit_text);
    on_change::<Order, _, _>(&socket, Class::Edit, Need::Draw, Board::order);
    on_change(&socket, Class::Edit, Need::Owner, |board, sid, RemoveDrawing { user }| {
        let client = board.client_of_user(&user).cloned().ok_or(BoardError::NoSuchUser)?;
        board.remove_drawing(sid, &client)
    });
    owner::attach(&socket);
    socket.on(Rename::NAME, on_rename);
    socket.on(Cursor::NAME, on_cursor);
    socket.on(Select::NAME, on_select);
    socket.on(Laser::NAME, on_laser);
    socket.on(Viewport::NAME, on_viewport);
    socket.on(Summon::NAME, on_summon);
    socket.on(Restore::NAME, on_restore);
    socket.on_disconnect(move |socket: SocketRef| async move {
        // Dropping the connection leaves the board and frees its address slot.
        let Some(conn) = socket.extensions.remove::<Connection>() else { return };
        let out = &conn.realtime.out;
        out.metrics.disconnected();
        out.overflowed.forget(socket.id);
        let mut board = conn.board.lock();
        let presence = board.leave(&self::sid(&socket));
        conn.relay(Some(socket.id), relay::encode(&presence).into_iter().collect());
    });
    conn.realtime.out.metrics.connected();

    // Welcome, history and synced go out under the board lock, before the
    // socket joins the room: every later change reaches it as a relay after
    // `synced`, and a relay of an earlier one carries a seq ≤ synced.seq.
    {
        let mut board = conn.board.lock();
        // Deleted while it joined: it is told, as the members were.
        if board.is_closed() {
            drop(board);
            owner::send_off(&conn.realtime, &socket);
            return;
        }
        // Checked on arrival; the role may have changed since (a reset, a mode).
        let Some(access) = conn.told(&board) else {
            drop(board);
            let _ = socket.disconnect();
            return;
        };
        let mut joined = board.join(sid.clone(), conn.client.clone(), auth.name.as_deref(), access);
        let out = &conn.realtime.out;
        let send = |relay: Option<Relay>| relay.is_some_and(|(name, data)| out.send(&socket, name, &data));
        let resync = |name: &'static str, data: Box<serde_json::value::RawValue>| {
            out.metrics.history_sent(data.get().len());
            send(Some((name, data)))
        };
        // A reconnection that says what it has gets only what it missed, if kept.
        joined.welcome.epoch = Some(board.recent.epoch);
        let resume = auth.since.zip(auth.epoch);
        let delta = resume.and_then(|(since, epoch)| board.recent.since(epoch, since, joined.seq).map(|d| (since, d)));
        let sent = match delta {
            Some((since, chunks)) => {
                joined.welcome.since = Some(since);
                send(relay::encode::<Welcome>(&joined.welcome))
                    && chunks.into_iter().all(|chunk| resync(crate::protocol::Delta::NAME, chunk))
            }
            None => {
                let history = |chunk: History| {
                    if auth.packed {
                        out.send_packed(&socket, chunk).inspect(|&bytes| out.metrics.history_sent(bytes)).is_some()
                    } else {
                        relay::encode(&chunk).is_some_and(|(n, d)| resync(n, d))
                    }
                };
                send(relay::encode::<Welcome>(&joined.welcome)) && board.history().into_iter().all(history)
            }
        } && send(relay::encode(&Synced { seq: joined.seq }));
        if !sent {
            tracing::warn!(%sid, "could not send the board to a joining socket");
        }
        socket.join(conn.name.to_string());
        conn.relay(Some(socket.id), relay::encode(&joined.presence).into_iter().collect());
    }
    tracing::info!(board = %conn.name, %sid, "joined");
}

/// How each kind of accepted change is relayed and reported to its sender.
trait RelayOf {
    fn relays(&self) -> Vec<Relay>;

    /// What the sender's ack reports besides the seq.
    fn report(&self, _ack: &mut Ack) {}
}

impl<T: Event> RelayOf for T {
    fn relays(&self) -> Vec<Relay> {
        relay::encode(self).into_iter().collect()
    }
}

impl RelayOf for Reverted {
    fn relays(&self) -> Vec<Relay> {
        match self {
            Reverted::Removed(remove) => remove.relays(),
            Reverted::Restored(restores) => restores.iter().filter_map(relay::encode).collect(),
            Reverted::Placed(placed) => placed.relays(),
            Reverted::Edited(edited) => edited.relays(),
            Reverted::Reordered(reordered) => reordered.relays(),
            Reverted::Replaced(replaced) => replaced.relays(),
        }
    }

    fn report(&self, ack: &mut Ack) {
        match self {
            Reverted::Removed(remove) => ack.removed = Some(remove.ids.clone()),
            Reverted::Restored(restores) => ack.restored = Some(restores.iter().map(|r| r.stroke.clone()).collect()),
            Reverted::Placed(placed) => ack.transformed = Some(placed.objects.clone()),
            Reverted::Edited(edited) => ack.edited = Some(edited.clone()),
            Reverted::Reordered(reordered) => ack.reordered = Some(reordered.moves.clone()),
            Reverted::Replaced(replaced) => ack.replaced = Some(replaced.clone()),
        }
    }
}

type AckFuture = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Registers the handler of the acknowledged board change `E`.
fn on_change<E, R, F>(socket: &SocketRef, class: Class, need: Need, apply: F)
where
    E: Event,
    R: RelayOf,
    F: Fn(&mut Board, &SocketId, E) -> Result<Outcome<R>, BoardError> + Clone + Send + Sync + 'static,
{
    let handler = move |socket: SocketRef, TryData(data): TryData<Value>, ack: AckSender| -> AckFuture {
        let Some(conn) = socket.extensions.get::<Connection>() else { return Box::pin(async {}) };
        conn.realtime.out.metrics.event(E::NAME);
        let result = conn.accept(&socket, class, need, data.unwrap_or(Value::Null), &apply);
        if let Err(e) = &result {
            conn.hold_after(e);
        }
        Box::pin(async move {
            let result = match result {
                Ok((reply, durable)) => durable.await.map(|()| reply).map_err(EventError::from),
                Err(e) => Err(e),
            };
            conn.reply(&socket, ack, result);
        })
    };
    socket.on(E::NAME, handler);
}

/// `rename`: changes presence only, so it is acked at once; like the board
/// changes it runs in arrival order, inside the handler closure.
fn on_rename(socket: SocketRef, TryData(data): TryData<Value>, ack: AckSender) -> std::future::Ready<()> {
    if let Some(conn) = socket.extensions.get::<Connection>() {
        conn.realtime.out.metrics.event(Rename::NAME);
        let result = conn
            .admit(Class::Edit)
            .and_then(|()| Ok(serde_json::from_value::<Rename>(data.unwrap_or(Value::Null))?))
            .and_then(|r| {
                let mut board = conn.board.lock();
                let presence = board.rename(&sid(&socket), &r.name)?;
                conn.relay(Some(socket.id), relay::encode(&presence).into_iter().collect());
                Ok(Ack::ok(board.seq()))
            });
        conn.reply(&socket, ack, result);
    }
    std::future::ready(())
}

/// A volatile event: throttled by `admit` first, then read and checked by
/// `relay`, which makes it the relay to the rest of the board; anything
/// malformed, or from a connection without `need`, is dropped without a
/// word (or a log line).
async fn relay_volatile<E: Event, R: Event>(
    socket: SocketRef,
    data: Result<Value, impl std::fmt::Debug>,
    admit: fn(&ConnectionLimits) -> bool,
    need: Option<Need>,
    relay: impl FnOnce(SocketId, E) -> Option<R>,
) {
    let Some(conn) = socket.extensions.get::<Connection>() else { return };
    if !admit(&conn.limits) {
        return;
    }
    let Some(event) = data.ok().and_then(|d| serde_json::from_value::<E>(d).ok()) else { return };
    if need.is_some_and(|need| conn.allowed(&conn.board.lock(), need).is_err()) {
        return;
    }
    let Some(relayed) = relay(sid(&socket), event) else { return };
    socket.to(conn.name.to_string()).volatile().emit(R::NAME, &relayed).await.ok();
}

/// `cursor`: only those who may draw show their pointer.
async fn on_cursor(socket: SocketRef, TryData(data): TryData<Value>) {
    relay_volatile(socket, data, ConnectionLimits::cursor, Some(Need::Draw), |user, Cursor { x, y }| {
        check_points(&[x, y]).is_ok().then_some(CursorMoved { user, x, y })
    })
    .await
}

/// `select`: someone's selection and how far they dragged it, shown to the
/// others live.
async fn on_select(socket: SocketRef, TryData(data): TryData<Value>) {
    relay_volatile(socket, data, ConnectionLimits::selection, Some(Need::Draw), |user, Select { ids, by }| {
        let valid = ids.len() <= MAX_ERASE && by.is_none_or(|by| by.validate().is_ok());
        valid.then_some(Selected { user, ids, by })
    })
    .await
}

/// `laser`: the pointer of someone presenting.
async fn on_laser(socket: SocketRef, TryData(data): TryData<Value>) {
    relay_volatile(socket, data, ConnectionLimits::laser, Some(Need::Draw), |user, Laser { x, y }| {
        check_points(&[x, y]).is_ok().then_some(LaserMoved { user, x, y })
    })
    .await
}

/// `viewport`: what someone sees, for those who follow them; anyone's.
async fn on_viewport(socket: SocketRef, TryData(data): TryData<Value>) {
    relay_volatile(socket, data, ConnectionLimits::viewport, None, |user, view: Viewport| {
        view.is_valid().then_some(ViewportMoved { user, view })
    })
    .await
}

/// `restore`: checked in arrival order, applied once the past version is
/// read back.
fn on_restore(socket: SocketRef, TryData(data): TryData<Value>, ack: AckSender) -> AckFuture {
    let Some(conn) = socket.extensions.get::<Connection>() else { return Box::pin(async {}) };
    conn.realtime.out.metrics.event(Restore::NAME);
    let checked = conn.admit(Class::Edit).and_then(|()| {
        let restore: Restore = serde_json::from_value(data.unwrap_or(Value::Null))?;
        conn.allowed(&conn.board.lock(), Need::Draw)?;
        Ok(restore)
    });
    Box::pin(async move {
        let result = match checked {
            Ok(restore) => conn.restore(&socket, restore).await,
            Err(e) => Err(e),
        };
        if let Err(e) = &result {
            conn.hold_after(e);
        }
        conn.reply(&socket, ack, result);
    })
}

/// `owner:summon`: everyone else on the board follows the owner's view.
/// Acked at once; the summons is not volatile.
fn on_summon(socket: SocketRef, TryData(data): TryData<Value>, ack: AckSender) -> AckFuture {
    let Some(conn) = socket.extensions.get::<Connection>() else { return Box::pin(async {}) };
    conn.realtime.out.metrics.event(Summon::NAME);
    let result = conn.admit(Class::Edit).and_then(|()| {
        serde_json::from_value::<Summon>(data.unwrap_or(Value::Null))?;
        let board = conn.board.lock();
        conn.allowed(&board, Need::Owner)?;
        Ok(Ack::ok(board.seq()))
    });
    Box::pin(async move {
        if result.is_ok() {
            let summoned = Summoned { user: sid(&socket) };
            socket.to(conn.name.to_string()).emit(Summoned::NAME, &summoned).await.ok();
        }
        conn.reply(&socket, ack, result);
    })
}
