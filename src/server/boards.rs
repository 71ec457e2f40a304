//! The registry of boards open in this process: each is loaded from storage
//! when its first member arrives, shared by its members, and dropped from
//! memory when the last one leaves or when it is deleted (its latest relays
//! are kept a while longer, for a delta resync). It also keeps who
//! each board's owner kicked out, for a while. This is the process-local
//! state (seq counters, presence, kicks): in a cluster, a board is open on
//! the one node that holds its lease, and on no other.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, MutexGuard};
use tokio::sync::OnceCell;

use super::realtime::Recent;
use crate::domain::{Board, BoardAccess, Quota};
use crate::protocol::{BoardName, ClientId, Mode, Stroke};
use crate::storage::leases::{Holder, Lease};
use crate::storage::{Storage, StorageError};
use crate::ui::FirstPaint;

type Cell = Arc<OnceCell<Mutex<Open>>>;

/// An open board: its state, and its latest changes as relayed, for
/// reconnecting sockets. It derefs to the [`Board`].
pub struct Open {
    board: Board,
    pub recent: Recent,
    /// The first paint of the page, and the seq it shows.
    paint: Option<(u64, Option<FirstPaint>)>,
    /// In a cluster, this node's lease of the board, held while it is open.
    lease: Option<Lease>,
}

impl Open {
    /// In a cluster, the lease epoch this copy of the board was opened under.
    pub fn fence(&self) -> Option<i64> {
        self.lease.as_ref().map(Lease::epoch)
    }
}

impl std::ops::Deref for Open {
    type Target = Board;

    fn deref(&self) -> &Board {
        &self.board
    }
}

impl std::ops::DerefMut for Open {
    fn deref_mut(&mut self) -> &mut Board {
        &mut self.board
    }
}

/// A board dropped from memory keeps its latest relays this long, within
/// `PARKED_BYTES` for all boards, so that someone who was alone on it and
/// reconnects after a short drop still gets only what they missed.
const PARKED_FOR: Duration = Duration::from_secs(5 * 60);
const PARKED_BYTES: usize = 64 << 20;
const PARKED_BOARDS: usize = 1024;

/// A board whose page was just served stays loaded this long, for the
/// socket that usually follows (and the next page view); at most
/// `LINGERING` page views hold a board so at once.
const LINGER: Duration = Duration::from_secs(10);
const LINGERING: usize = 64;

/// How long a kicked person stays out of the board.
pub const KICK: Duration = Duration::from_secs(10 * 60);

/// A board that is open in this process, held by one member: while any
/// clone of it lives, the board stays open; the last one to go leaves.
#[derive(Clone)]
pub struct BoardRef {
    cell: Cell,
    membership: Arc<Membership>,
}

impl BoardRef {
    /// Locks the board. Never hold the guard across an `.await`.
    pub fn lock(&self) -> MutexGuard<'_, Open> {
        self.cell.get().expect("BoardRef is only handed out once loaded").lock()
    }

    /// Takes the board out of the registry (it was deleted): whoever comes
    /// next loads it afresh, while its members keep this copy until they go.
    pub fn detach(&self) {
        let boards = &self.membership.boards;
        let mut open = boards.open.lock();
        if open.get(&self.membership.name).is_some_and(|(cell, _)| Arc::ptr_eq(cell, &self.cell)) {
            open.remove(&self.membership.name);
        }
    }
}

/// One member's place on an open board. Dropping it leaves, whether the
/// member disconnected, its request was cancelled or loading failed.
struct Membership {
    boards: Arc<Boards>,
    name: BoardName,
    cell: Cell,
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.boards.leave(&self.name, &self.cell);
    }
}

/// Someone the owner kicked: their client and address, until when.
struct Kick {
    client: ClientId,
    ip: IpAddr,
    until: Instant,
}

/// The open boards, each with its number of members.
pub struct Boards {
    storage: Arc<Storage>,
    quota: Quota,
    open: Mutex<HashMap<BoardName, (Cell, usize)>>,
    kicks: Mutex<HashMap<BoardName, Vec<Kick>>>,
    /// The latest relays of boards dropped from memory lately, oldest first.
    parked: Mutex<std::collections::VecDeque<(BoardName, Instant, Recent)>>,
    /// Page views holding their board loaded for `LINGER`.
    lingering: std::sync::atomic::AtomicUsize,
}

impl Boards {
    pub fn new(storage: Arc<Storage>, quota: Quota) -> Self {
        Self {
            storage,
            quota,
            open: Mutex::default(),
            kicks: Mutex::default(),
            parked: Mutex::default(),
            lingering: Default::default(),
        }
    }

    /// How many boards are open in this process.
    pub fn open_count(&self) -> usize {
        self.open.lock().len()
    }

    pub fn is_open(&self, name: &BoardName) -> bool {
        self.open.lock().contains_key(name)
    }

    /// The names of the open boards.
    pub fn open_names(&self) -> Vec<BoardName> {
        self.open.lock().keys().cloned().collect()
    }

    /// Runs `f` on `name` if it is open and loaded, whoever holds it.
    pub fn with_open<R>(&self, name: &BoardName, f: impl FnOnce(&mut Open) -> R) -> Option<R> {
        let cell = self.open.lock().get(name).map(|(cell, _)| cell.clone())?;
        let board = cell.get()?;
        let mut board = board.lock();
        Some(f(&mut board))
    }

    /// Takes `name` out of the registry (it was deleted): whoever holds it
    /// keeps their copy, and whoever comes next loads it afresh.
    pub fn forget(&self, name: &BoardName) {
        self.open.lock().remove(name);
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Opens `name` for one more member, loading it if needed. The board
    /// stays open while the returned reference (or a clone) lives.
    pub async fn enter(self: &Arc<Self>, name: &BoardName) -> Result<BoardRef, StorageError> {
        let (cell, membership) = {
            let mut open = self.open.lock();
            let slot = open.entry(name.clone()).or_insert_with(|| (Cell::default(), 0));
            slot.1 += 1;
            let cell = slot.0.clone();
            (cell.clone(), Membership { boards: self.clone(), name: name.clone(), cell })
        };
        // Cancelled or failed, `membership` is dropped and leaves again.
        cell.get_or_try_init(|| self.load(name)).await?;
        Ok(BoardRef { cell, membership: Arc::new(membership) })
    }

    /// One member fewer; the board is dropped from memory with the last.
    fn leave(&self, name: &BoardName, cell: &Cell) {
        let mut open = self.open.lock();
        if let Some(slot) = open.get_mut(name).filter(|(open, _)| Arc::ptr_eq(open, cell)) {
            slot.1 -= 1;
            if slot.1 == 0 {
                open.remove(name);
                drop(open);
                if let Some(board) = cell.get() {
                    self.park(name, std::mem::take(&mut board.lock().recent));
                }
            }
        }
    }

    /// Keeps a dropped board's latest relays for a while, if it has any
    /// (a board only looked at over HTTP has none).
    fn park(&self, name: &BoardName, recent: Recent) {
        if recent.bytes() == 0 {
            return;
        }
        let mut parked = self.parked.lock();
        parked.retain(|(n, since, _)| n != name && since.elapsed() < PARKED_FOR);
        parked.push_back((name.clone(), Instant::now(), recent));
        let mut total: usize = parked.iter().map(|(_, _, r)| r.bytes()).sum();
        while total > PARKED_BYTES || parked.len() > PARKED_BOARDS {
            let Some((_, _, oldest)) = parked.pop_front() else { break };
            total -= oldest.bytes();
        }
    }

    /// The parked relays of `name`, if they reach its stored `seq` (nothing
    /// changed it since, such as a deletion).
    fn unpark(&self, name: &BoardName, seq: u64) -> Option<Recent> {
        let mut parked = self.parked.lock();
        let at = parked.iter().position(|(n, since, _)| n == name && since.elapsed() < PARKED_FOR)?;
        let (_, _, recent) = parked.remove(at)?;
        (recent.last() == seq).then_some(recent)
    }

    async fn load(&self, name: &BoardName) -> Result<Mutex<Open>, StorageError> {
        // While writes fail the flush below would wait for them: say so at once.
        if let Some((_, error)) = self.storage.failing() {
            return Err(StorageError::Unavailable(error));
        }
        // In a cluster, only the node holding the board's lease opens it
        // (`server::cluster` forwards its requests there).
        let lease = match self.storage.leases() {
            Some(leases) => match leases.acquire(name).await? {
                Holder::Here(lease) => Some(lease),
                Holder::Node(_) => return Err(StorageError::Moved),
            },
            None => None,
        };
        // Changes of an earlier, just-dropped copy of this board may still be
        // queued; if it was deleted, its name now starts afresh.
        self.storage.flush().await?;
        self.storage.forget_deleted(name).await?;
        let board = match self.storage.load(name).await? {
            Some(stored) => Board::restore(stored, self.quota),
            None => {
                // Never drawn on, but images may have been uploaded to it already.
                let mut board = Board::new(name.clone(), self.quota);
                for hash in self.storage.image_hashes(name).await? {
                    board.allow_image(hash);
                }
                board
            }
        };
        let recent = self.unpark(name, board.seq()).unwrap_or_else(|| Recent::starting_at(board.seq()));
        Ok(Mutex::new(Open { recent, board, paint: None, lease }))
    }

    /// The seq and access settings of a board, open or not.
    pub async fn access(self: &Arc<Self>, name: &BoardName) -> Result<(u64, BoardAccess), StorageError> {
        let board = self.enter(name).await?;
        let b = board.lock();
        Ok((b.seq(), b.access().clone()))
    }

    /// The live strokes, seq and access settings of a board, open or not.
    pub async fn snapshot(self: &Arc<Self>, name: &BoardName) -> Result<(u64, Vec<Stroke>, BoardAccess), StorageError> {
        let board = self.enter(name).await?;
        let b = board.lock();
        Ok((b.seq(), b.live_strokes().cloned().collect(), b.access().clone()))
    }

    /// The first paint of `name`'s page, `render`ed from its live objects,
    /// or as rendered before while its seq is the same; none for a private
    /// board. A stored board stays loaded a while for the socket that
    /// follows (one nobody drew on does not: it would look in use, and
    /// could not be claimed).
    pub async fn first_paint(
        self: &Arc<Self>,
        name: &BoardName,
        render: impl FnOnce(&[Stroke]) -> Option<FirstPaint>,
    ) -> Result<Option<FirstPaint>, StorageError> {
        let board = self.enter(name).await?;
        let (seq, strokes) = {
            let b = board.lock();
            if b.access().mode == Mode::Private {
                return Ok(None);
            }
            match &b.paint {
                Some((seq, paint)) if *seq == b.seq() => {
                    let paint = paint.clone();
                    drop(b);
                    self.linger(board);
                    return Ok(paint);
                }
                _ => (b.seq(), b.live_strokes().cloned().collect::<Vec<_>>()),
            }
        };
        // Rendered without the lock: relays go on meanwhile.
        let paint = render(&strokes);
        {
            let mut b = board.lock();
            if b.seq() == seq {
                b.paint = Some((seq, paint.clone()));
            }
        }
        self.linger(board);
        Ok(paint)
    }

    /// Holds `board` loaded for `LINGER`, unless `LINGERING` already are or
    /// nobody drew on it.
    fn linger(&self, board: BoardRef) {
        use std::sync::atomic::Ordering;
        if board.lock().seq() == 0 {
            return;
        }
        if self.lingering.fetch_add(1, Ordering::Relaxed) >= LINGERING {
            self.lingering.fetch_sub(1, Ordering::Relaxed);
            return;
        }
        tokio::spawn(async move {
            tokio::time::sleep(LINGER).await;
            board.membership.boards.lingering.fetch_sub(1, Ordering::Relaxed);
        });
    }

    /// Keeps `client` and `ip` off `board` for [`KICK`].
    pub fn kick(&self, board: &BoardName, client: ClientId, ip: IpAddr) {
        let mut kicks = self.kicks.lock();
        let now = Instant::now();
        kicks.retain(|_, list| {
            list.retain(|k| k.until > now);
            !list.is_empty()
        });
        kicks.entry(board.clone()).or_default().push(Kick { client, ip, until: now + KICK });
    }

    /// How long `client` or `ip` is still kicked off `board`.
    pub fn kicked(&self, board: &BoardName, client: &ClientId, ip: IpAddr) -> Option<Duration> {
        let now = Instant::now();
        let kicks = self.kicks.lock();
        let list = kicks.get(board)?;
        list.iter().filter(|k| k.until > now && (&k.client == client || k.ip == ip)).map(|k| k.until - now).max()
    }

    /// Forgets the kicks of a deleted board.
    pub fn forget_kicks(&self, board: &BoardName) {
        self.kicks.lock().remove(board);
    }
}
