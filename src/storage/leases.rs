//! Board leases on PostgreSQL, for a cluster of nodes: which node holds each
//! board, so that one node applies and sequences all of a board's changes.
//! A lease is a session advisory lock taken on one connection kept for
//! leases, so it ends the moment that connection does: the node died, or
//! PostgreSQL restarted. `board_owners` names the holder, for the other
//! nodes to forward to, with an epoch that fences writes: the writer writes
//! a board only while that row is still this node's at its epoch (it reads
//! the row `FOR SHARE`, so a new holder's takeover waits for that commit).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection};

use super::StorageError;
use crate::protocol::BoardName;

/// Who holds a board.
#[derive(Debug, Clone)]
pub enum Holder {
    /// This node: it may open the board and write it while the lease lives.
    Here(Lease),
    /// Another node, by the address it serves its peers on.
    Node(String),
}

/// A use of a lease held by this node, taken at `epoch`: a lease with no
/// use left is given up after a while (see [`Leases::idle_for`]).
#[derive(Debug, Clone)]
pub struct Lease {
    _uses: Arc<()>,
    epoch: i64,
}

impl Lease {
    /// Which holding of the board this is: a copy of the board opened under
    /// an older one must not change it.
    pub fn epoch(&self) -> i64 {
        self.epoch
    }
}

struct Held {
    epoch: i64,
    uses: Arc<()>,
    idle_since: Option<Instant>,
}

/// Most leases one node holds: each is an entry of PostgreSQL's shared
/// lock table, which a flood of made-up board names must not fill.
const MAX_LEASES: usize = 4096;
/// How long a lease query (or the connection check) may take before the
/// connection is taken for lost: a little longer than the server's own
/// `statement_timeout`, which leaves the session as it is.
const LEASE_QUERY_WAIT: Duration = Duration::from_secs(6);

/// Whether a failed lease query means the session, and with it every
/// lease, may be gone: the connection failed, or the server ended it. A
/// refused statement leaves the session as it was.
fn ends_session(error: &sqlx::Error) -> bool {
    match error {
        // Connection exceptions, and the server shutting down or crashing
        // (57P01–57P03); not a statement or lock timeout (57014, 55P03).
        sqlx::Error::Database(db) => db.code().is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => true,
    }
}

/// Opens the lease connection. PostgreSQL probes it every few seconds, so
/// the session of a node that vanished without closing it (power loss, a
/// cut cable) ends, and its leases with it, within about 15 s rather than
/// the system's two hours.
async fn connect_for_leases(url: &str, node: &str) -> Result<PgConnection, StorageError> {
    let mut conn = PgConnection::connect(url).await?;
    // Named, for an operator looking at pg_stat_activity (and for tests).
    sqlx::query("SELECT set_config('application_name', $1, false)")
        .bind(format!("scrawl leases {node}"))
        .execute(&mut conn)
        .await?;
    // A takeover's upsert waits for a row lock held by the old holder's
    // commit; `lock_timeout` bounds that wait (a vanished holder's
    // transaction ends within seconds, see `super::POSTGRES_SESSION`).
    for setting in [
        "tcp_keepalives_idle = 5",
        "tcp_keepalives_interval = 2",
        "tcp_keepalives_count = 3",
        "statement_timeout = '5s'",
        "lock_timeout = '3s'",
    ] {
        sqlx::query(&format!("SET {setting}")).execute(&mut conn).await?;
    }
    Ok(conn)
}

pub struct Leases {
    url: String,
    /// This node's address, as its peers reach it.
    node: String,
    conn: tokio::sync::Mutex<Option<PgConnection>>,
    /// The lease keys held.
    held: Mutex<HashMap<i64, Held>>,
    /// The lease connection dropped, and every lease with it: none is taken
    /// again until the boards held are closed here (see [`Leases::reconnect`]).
    lost: std::sync::atomic::AtomicBool,
}

/// The advisory lock key of a board: 64 bits of a hash of its name. Two
/// boards sharing a key share a holder, which is harmless.
pub fn key(board: &BoardName) -> i64 {
    let digest = Sha256::digest(board.as_str().as_bytes());
    i64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
}

impl Leases {
    pub async fn connect(url: &str, node: &str) -> Result<Self, StorageError> {
        let conn = connect_for_leases(url, node).await?;
        Ok(Self {
            url: url.to_owned(),
            node: node.to_owned(),
            conn: tokio::sync::Mutex::new(Some(conn)),
            held: Mutex::default(),
            lost: Default::default(),
        })
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    /// Takes the lease of `board` if it is free (or already ours), else
    /// says who holds it.
    pub async fn acquire(&self, board: &BoardName) -> Result<Holder, StorageError> {
        let key = key(board);
        if let Some(lease) = self.lease(key) {
            return Ok(Holder::Here(lease));
        }
        if self.is_lost() {
            return Err(StorageError::Unavailable("this node lost its leases; they come back shortly".into()));
        }
        let mut guard = self.conn.lock().await;
        let Some(conn) = guard.as_mut().filter(|_| !self.is_lost()) else {
            return Err(StorageError::Unavailable("this node lost its leases; they come back shortly".into()));
        };
        if self.held.lock().len() >= MAX_LEASES {
            return Err(StorageError::Busy);
        }
        let Ok(result) = tokio::time::timeout(LEASE_QUERY_WAIT, self.try_take(conn, key)).await else {
            self.lose(&mut guard);
            return Err(StorageError::Unavailable("the lease query timed out".into()));
        };
        // The session, and every lease with it, may be gone; an error of one
        // statement (or a board between holders) leaves them held.
        if let Err(StorageError::Sqlx(e)) = &result {
            if ends_session(e) {
                self.lose(&mut guard);
            }
        }
        result
    }

    /// Drops the lease connection: every lease ends with its session.
    fn lose(&self, conn: &mut Option<PgConnection>) {
        *conn = None;
        self.held.lock().clear();
        self.lost.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether the leases were lost and the boards held not yet closed.
    pub fn is_lost(&self) -> bool {
        self.lost.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Once every board held before the loss was closed here and its queued
    /// changes were refused by the writer's fence: connects again, after
    /// which leases may be taken again. Returns whether it did.
    pub async fn reconnect(&self) -> bool {
        let mut guard = self.conn.lock().await;
        let connected = tokio::time::timeout(LEASE_QUERY_WAIT, connect_for_leases(&self.url, &self.node)).await;
        match connected.unwrap_or_else(|_| Err(StorageError::Unavailable("no answer".into()))) {
            Ok(conn) => {
                *guard = Some(conn);
                self.lost.store(false, std::sync::atomic::Ordering::SeqCst);
                tracing::info!("the lease connection is back");
                true
            }
            Err(e) => {
                tracing::debug!(error = %e, "the lease connection is still down");
                false
            }
        }
    }

    async fn try_take(&self, conn: &mut PgConnection, key: i64) -> Result<Holder, StorageError> {
        // Taken meanwhile by another call of ours on this connection.
        if let Some(lease) = self.lease(key) {
            return Ok(Holder::Here(lease));
        }
        let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(key).fetch_one(&mut *conn).await?;
        if taken {
            let epoch = sqlx::query_scalar(
                "INSERT INTO board_owners (key, node, epoch) VALUES ($1, $2, 1) \
                 ON CONFLICT (key) DO UPDATE SET node = excluded.node, epoch = board_owners.epoch + 1 \
                 RETURNING epoch",
            )
            .bind(key)
            .bind(&self.node)
            .fetch_one(&mut *conn)
            .await;
            let epoch: i64 = match epoch {
                Ok(epoch) => epoch,
                Err(e) => {
                    // Not named as ours (a lock wait ran out, say): not ours.
                    let _ = sqlx::query("SELECT pg_advisory_unlock($1)").bind(key).execute(&mut *conn).await;
                    return Err(e.into());
                }
            };
            let uses = Arc::new(());
            let lease = Lease { _uses: uses.clone(), epoch };
            self.held.lock().insert(key, Held { epoch, uses, idle_since: None });
            return Ok(Holder::Here(lease));
        }
        let node: Option<String> = sqlx::query_scalar("SELECT node FROM board_owners WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?;
        match node {
            // Taken a moment ago and not yet named, or named by our own
            // earlier life: it changes hands within moments.
            Some(node) if node != self.node => Ok(Holder::Node(node)),
            _ => Err(StorageError::Unavailable("the board is changing nodes".into())),
        }
    }

    fn lease(&self, key: i64) -> Option<Lease> {
        self.held.lock().get(&key).map(|held| Lease { _uses: held.uses.clone(), epoch: held.epoch })
    }

    /// Gives up the leases no use has held for `linger`. Taking a lease
    /// again meanwhile is safe: advisory locks count, so the unlock below
    /// then leaves the new one held.
    /// Gives up the lease of `board` at once, unless something else uses it
    /// (upkeep of a board nobody has open here; flush the writer first).
    pub async fn give_up(&self, board: &BoardName, lease: Lease) {
        drop(lease);
        self.release(vec![key(board)]).await;
    }

    /// The lease keys some node of the cluster holds now.
    pub async fn held_anywhere(&self) -> Result<std::collections::HashSet<i64>, StorageError> {
        let mut guard = self.conn.lock().await;
        let conn = guard.as_mut().ok_or_else(|| StorageError::Unavailable("the lease connection is down".into()))?;
        // A bigint advisory lock shows as its high half in `classid` and its
        // low half in `objid`, with `objsubid` 1.
        let keys: Vec<i64> = sqlx::query_scalar(
            "SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks \
             WHERE locktype = 'advisory' AND objsubid = 1 AND granted \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .fetch_all(&mut *conn)
        .await?;
        Ok(keys.into_iter().collect())
    }

    /// The leases no use has held for `linger`. The writer must have written
    /// what it queued under them before they are given up (`release`).
    pub fn idle_for(&self, linger: Duration) -> Vec<i64> {
        let now = Instant::now();
        let mut held = self.held.lock();
        let mut idle = Vec::new();
        for (key, h) in held.iter_mut() {
            if Arc::strong_count(&h.uses) > 1 {
                h.idle_since = None;
            } else if now.duration_since(*h.idle_since.get_or_insert(now)) >= linger {
                idle.push(*key);
            }
        }
        idle
    }

    /// Gives up the leases of `keys` that nothing uses. Taking one again
    /// meanwhile is safe: advisory locks count, so the unlock below then
    /// leaves the new one held.
    pub async fn release(&self, keys: Vec<i64>) {
        let unused: Vec<i64> = {
            let mut held = self.held.lock();
            let unused = |key: &i64| held.get(key).is_some_and(|h| Arc::strong_count(&h.uses) == 1);
            let unused: Vec<i64> = keys.into_iter().filter(unused).collect();
            for key in &unused {
                held.remove(key);
            }
            unused
        };
        if unused.is_empty() {
            return;
        }
        let mut guard = self.conn.lock().await;
        let Some(conn) = guard.as_mut() else { return };
        for key in unused {
            let unlock = sqlx::query("SELECT pg_advisory_unlock($1)").bind(key).execute(&mut *conn);
            if !matches!(tokio::time::timeout(LEASE_QUERY_WAIT, unlock).await, Ok(Ok(_))) {
                tracing::warn!("could not give up a board lease; dropping the lease connection");
                self.lose(&mut guard);
                return;
            }
        }
    }

    /// The epoch at which this node holds `board`, if it does.
    pub fn epoch(&self, board: &BoardName) -> Option<i64> {
        self.held.lock().get(&key(board)).map(|h| h.epoch)
    }

    /// Checks the lease connection; when it is gone, so is every lease.
    pub async fn check(&self) {
        let mut guard = self.conn.lock().await;
        if let Some(conn) = guard.as_mut() {
            let error = match tokio::time::timeout(LEASE_QUERY_WAIT, conn.ping()).await {
                Ok(Ok(())) => return,
                Ok(Err(e)) => e.to_string(),
                Err(_) => "no answer".to_owned(),
            };
            tracing::warn!(error, "the lease connection is down; this node holds no board until it is back");
            self.lose(&mut guard);
        }
    }

    /// Ends every lease at once (shutdown, after the last write).
    pub async fn close(&self) {
        self.held.lock().clear();
        if let Some(conn) = self.conn.lock().await.take() {
            let _ = conn.close().await;
        }
    }
}
