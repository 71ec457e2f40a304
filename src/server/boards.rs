//! The registry of boards open in this process: each is loaded from storage
//! when its first member arrives, shared by its members, and dropped from
//! memory when the last one leaves. This is the process-local state (seq
//! counters, presence) that a multi-node setup would move elsewhere.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard};
use tokio::sync::OnceCell;

use crate::domain::{Board, Quota};
use crate::protocol::{BoardName, Stroke};
use crate::storage::{Storage, StorageError};

type Cell = Arc<OnceCell<Mutex<Board>>>;

/// A board that is open in this process, held by one member: while any
/// clone of it lives, the board stays open; the last one to go leaves.
#[derive(Clone)]
pub struct BoardRef {
    cell: Cell,
    _membership: Arc<Membership>,
}

impl BoardRef {
    /// Locks the board. Never hold the guard across an `.await`.
    pub fn lock(&self) -> MutexGuard<'_, Board> {
        self.cell.get().expect("BoardRef is only handed out once loaded").lock()
    }
}

/// One member's place on an open board. Dropping it leaves, whether the
/// member disconnected, its request was cancelled or loading failed.
struct Membership {
    boards: Arc<Boards>,
    name: BoardName,
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.boards.leave(&self.name);
    }
}

/// The open boards, each with its number of members.
pub struct Boards {
    storage: Arc<Storage>,
    quota: Quota,
    open: Mutex<HashMap<BoardName, (Cell, usize)>>,
}

impl Boards {
    pub fn new(storage: Arc<Storage>, quota: Quota) -> Self {
        Self { storage, quota, open: Mutex::default() }
    }

    /// How many boards are open in this process.
    pub fn open_count(&self) -> usize {
        self.open.lock().len()
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
            (slot.0.clone(), Membership { boards: self.clone(), name: name.clone() })
        };
        // Cancelled or failed, `membership` is dropped and leaves again.
        cell.get_or_try_init(|| self.load(name)).await?;
        Ok(BoardRef { cell, _membership: Arc::new(membership) })
    }

    /// One member fewer; the board is dropped from memory with the last.
    fn leave(&self, name: &BoardName) {
        let mut open = self.open.lock();
        if let Some(slot) = open.get_mut(name) {
            slot.1 -= 1;
            if slot.1 == 0 {
                open.remove(name);
            }
        }
    }

    async fn load(&self, name: &BoardName) -> Result<Mutex<Board>, StorageError> {
        // While writes fail the flush below would wait for them: say so at once.
        if let Some((_, error)) = self.storage.failing() {
            return Err(StorageError::Unavailable(error));
        }
        // Changes of an earlier, just-dropped copy of this board may still be queued.
        self.storage.flush().await?;
        let board = match self.storage.load(name).await? {
            Some(stored) => Board::restore(stored, self.quota),
            None => Board::new(name.clone(), self.quota),
        };
        Ok(Mutex::new(board))
    }

    /// The live strokes and seq of a board, open or not.
    pub async fn snapshot(self: &Arc<Self>, name: &BoardName) -> Result<(u64, Vec<Stroke>), StorageError> {
        let board = self.enter(name).await?;
        let b = board.lock();
        Ok((b.seq(), b.live_strokes().cloned().collect()))
    }
}
