//! Persistence through sqlx, on SQLite (an embedded file, the default) or
//! PostgreSQL (`--db postgres://…`): opening the database (migrations of
//! its engine), queueing board changes for the writer, and reading a board
//! back. The only module that speaks SQL; it depends on the domain's change
//! and stored-board types, never the other way round. Both engines run the
//! same queries (`$1` parameters, `ON CONFLICT`, flags as 0/1) through
//! sqlx's `Any` driver; `Engine` picks the few statements that differ.
//!
//! - `writer`: the single writer task, which group-commits queued changes
//!   and rides out storage failures (a full disk, I/O errors, a database
//!   that went away) by retrying.
//! - `boards`: boards as a whole: access settings and keys, create, list,
//!   delete, expire.
//! - `history`: each board's change log and checkpoints: reading them
//!   back, the board at any seq, compaction.
//! - `maintenance`: the online backup and the invariant check.

mod boards;
mod history;
mod images;
pub mod leases;
mod maintenance;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::domain::{Applied, StoredBoard, StoredStroke};
use crate::metrics::Metrics;
use crate::protocol::{BoardName, ClientId, Color, SocketId, Stroke, StrokeId, Tool, Transform};
pub use boards::BoardSummary;
pub use history::HistoryError;
pub use images::{StoredImage, UPLOAD_GRACE_SECS};
pub use maintenance::Problem;
use writer::{write_loop, Health, Job};

/// Where the data lives: `--db` is a file path (or `sqlite://path`) for
/// SQLite, or a `postgres://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl FromStr for Database {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Self::Postgres(s.to_owned())
        } else {
            Self::Sqlite(PathBuf::from(s.strip_prefix("sqlite://").unwrap_or(s)))
        })
    }
}

impl From<PathBuf> for Database {
    fn from(path: PathBuf) -> Self {
        Self::Sqlite(path)
    }
}

/// The file, or the URL without its password: safe to log.
impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
            Self::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme), Some(at)) if at > scheme => {
                    let user = &url[scheme + 3..at];
                    let user = user.split_once(':').map_or(user, |(name, _)| name);
                    write!(f, "{}{user}@{}", &url[..scheme + 3], &url[at + 1..])
                }
                _ => f.write_str(url),
            },
        }
    }
}

impl Database {
    /// A new, empty database for a test: a file in `dir`, or, when
    /// `SCRAWL_TEST_POSTGRES` holds the URL of a PostgreSQL server's
    /// database, a new database on that server.
    pub async fn for_test(dir: &Path) -> Result<Self, StorageError> {
        use sqlx::Connection;
        static CREATED: AtomicUsize = AtomicUsize::new(0);
        let Ok(server) = std::env::var("SCRAWL_TEST_POSTGRES") else {
            return Ok(Self::Sqlite(dir.join("scrawl.db")));
        };
        let name = format!("scrawl_test_{}_{}", std::process::id(), CREATED.fetch_add(1, Ordering::Relaxed));
        let mut admin = sqlx::PgConnection::connect(&server).await?;
        admin.execute(format!("DROP DATABASE IF EXISTS {name}").as_str()).await?;
        admin.execute(format!("CREATE DATABASE {name}").as_str()).await?;
        admin.close().await?;
        let base = server.rsplit_once('/').map_or(server.as_str(), |(base, _)| base);
        Ok(Self::Postgres(format!("{base}/{name}")))
    }
}

/// The engine behind the pool, for the statements that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// Starts a write transaction. SQLite's takes the write lock at once, so
    /// a transaction that reads first never fails to upgrade later.
    fn begin(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN IMMEDIATE",
            Self::Postgres => "BEGIN",
        }
    }

    /// Starts a read transaction that sees one state of the database
    /// throughout (SQLite's transactions always do; PostgreSQL's default
    /// takes a new snapshot per statement).
    fn snapshot(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN",
            Self::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        }
    }
}

/// Settings of each PostgreSQL connection. A node that vanished mid-commit
/// (power loss) must not hold its locks, such as the writer's share lock
/// on a board's owner row that a takeover waits for, for the two hours of
/// the system's keepalive: PostgreSQL probes the connection every few
/// seconds and ends a transaction left idle for 10 s.
const POSTGRES_SESSION: [&str; 4] = [
    "SET tcp_keepalives_idle = 5",
    "SET tcp_keepalives_interval = 2",
    "SET tcp_keepalives_count = 3",
    "SET idle_in_transaction_session_timeout = '10s'",
];

/// Most changes that may wait for the writer; past that new ones are refused.
const MAX_QUEUED: usize = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create the database folder: {0}")]
    Folder(#[from] std::io::Error),
    #[error("the database path {} is not UTF-8", .0.display())]
    NotUtf8(PathBuf),
    #[error("no database at {}", .0.display())]
    Missing(std::path::PathBuf),
    #[error("{} exists already", .0.display())]
    Exists(std::path::PathBuf),
    #[error("the database refused the change: {0}")]
    Rejected(String),
    #[error("storage is closed")]
    Closed,
    #[error("storage is unavailable ({0}); retry later")]
    Unavailable(String),
    #[error("the board moved to another node; retry there")]
    Moved,
    #[error("too many changes are waiting to be written; retry later")]
    Busy,
    #[error("not supported: {0}")]
    Unsupported(&'static str),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

type Done = oneshot::Sender<Result<(), StorageError>>;

/// Resolves once the change (or everything queued before a flush) is committed.
pub struct Durable(oneshot::Receiver<Result<(), StorageError>>);

impl std::future::IntoFuture for Durable {
    type Output = Result<(), StorageError>;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.0.await.unwrap_or(Err(StorageError::Closed)) })
    }
}

pub struct Storage {
    pool: AnyPool,
    engine: Engine,
    /// In a cluster, the boards this node holds: it writes no other.
    leases: Option<Arc<leases::Leases>>,
    jobs: Mutex<Option<mpsc::UnboundedSender<Job>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    /// What the writer last saw, and how many changes wait for it.
    health: Arc<Health>,
    queued: Arc<AtomicUsize>,
    /// Turns to rebuild a past version or read a whole history: a few at a time.
    history_reads: tokio::sync::Semaphore,
}

impl Storage {
    /// Opens (creating if missing) the database and migrates it.
    pub async fn open(db: &Database, metrics: Arc<Metrics>) -> Result<Self, StorageError> {
        Self::open_node(db, metrics, None).await
    }

    /// `open` for a node of a cluster reached by its peers at `node`: it
    /// writes only the boards it holds the lease of (PostgreSQL only).
    pub async fn open_node(db: &Database, metrics: Arc<Metrics>, node: Option<&str>) -> Result<Self, StorageError> {
        if let (Some(_), Database::Sqlite(_)) = (node, db) {
            return Err(StorageError::Unsupported("a cluster of nodes needs PostgreSQL"));
        }
        if let Database::Sqlite(path) = db {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
        }
        let (pool, engine) = Self::connect(db, true).await?;
        let migrator = match engine {
            Engine::Sqlite => sqlx::migrate!("migrations/sqlite"),
            // PostgreSQL's migrations hold an advisory lock: nodes starting
            // together apply them once.
            Engine::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        // SQLite gives sqlx no migration lock: another process (a `scrawl
        // board` command next to a starting server) may apply the same
        // migration first, and ours then fails. Its transaction rolled back;
        // once more sees that migration applied.
        if let Err(e) = migrator.run(&pool).await {
            tracing::warn!(error = %e, "migrating failed; trying once more");
            tokio::time::sleep(Duration::from_millis(200)).await;
            migrator.run(&pool).await?;
        }
        let leases = match (node, db) {
            (Some(node), Database::Postgres(url)) => Some(Arc::new(leases::Leases::connect(url, node).await?)),
            _ => None,
        };
        Ok(Self::start(pool, engine, leases, metrics))
    }

    /// Opens an existing database as it is, for maintenance: no creating,
    /// no migrating.
    pub async fn open_existing(db: &Database) -> Result<Self, StorageError> {
        if let Database::Sqlite(path) = db {
            if !path.is_file() {
                return Err(StorageError::Missing(path.to_path_buf()));
            }
        }
        let (pool, engine) = Self::connect(db, false).await?;
        Ok(Self::start(pool, engine, None, Arc::default()))
    }

    async fn connect(db: &Database, create: bool) -> Result<(AnyPool, Engine), StorageError> {
        sqlx::any::install_default_drivers();
        let (url, engine) = match db {
            Database::Sqlite(path) => (sqlite_url(path, create)?, Engine::Sqlite),
            Database::Postgres(url) => (url.clone(), Engine::Postgres),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = match engine {
            // An embedded database has no connection to lose: pinging it
            // before each use was a round trip to its thread per transaction.
            Engine::Sqlite => {
                AnyPoolOptions::new().max_connections(4).test_before_acquire(false).after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON")
                            .await
                            .map(|_| ())
                    })
                })
            }
            // A server's connections can drop: each is checked before use,
            // and waiting for one while the server is away is bounded, so
            // the writer reports the outage rather than hanging on it.
            Engine::Postgres => AnyPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(3))
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        for setting in POSTGRES_SESSION {
                            conn.execute(setting).await?;
                        }
                        Ok(())
                    })
                }),
        }
        .connect_with(options)
        .await?;
        Ok((pool, engine))
    }

    /// Starts the writer on an open, migrated database.
    fn start(pool: AnyPool, engine: Engine, leases: Option<Arc<leases::Leases>>, metrics: Arc<Metrics>) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let health = Arc::new(Health::default());
        let queued = Arc::new(AtomicUsize::new(0));
        let writer =
            tokio::spawn(write_loop(pool.clone(), engine, leases.clone(), rx, health.clone(), queued.clone(), metrics));
        let history_reads = tokio::sync::Semaphore::new(history::PARALLEL_READS);
        Self {
            pool,
            engine,
            leases,
            jobs: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            health,
            queued,
            history_reads,
        }
    }

    fn queue(&self, job: impl FnOnce(Done) -> Job) -> Durable {
        let (done, rx) = oneshot::channel();
        let job = job(done);
        if let Some(jobs) = self.jobs.lock().as_ref() {
            // A send error drops the job and with it `done`: the receiver reports Closed.
            let _ = jobs.send(job);
        }
        Durable(rx)
    }

    /// Queues a change; writes keep submission order. Never blocks. The
    /// change is retried until it is durable; `Durable` then resolves.
    pub fn submit(&self, applied: Applied) -> Durable {
        self.queued.fetch_add(1, Ordering::Relaxed);
        self.queue(|done| Job::Write(Box::new(applied), done))
    }

    /// Why a new change should be refused now: storage has been failing for
    /// longer than `grace`, or too many changes wait for the writer.
    pub fn refusal(&self, grace: Duration) -> Option<StorageError> {
        if let Some((since, error)) = self.health.failing() {
            if since.elapsed() >= grace {
                return Some(StorageError::Unavailable(error));
            }
        }
        (self.queued.load(Ordering::Relaxed) >= MAX_QUEUED).then_some(StorageError::Busy)
    }

    /// Since when and why writes fail, while they do.
    pub fn failing(&self) -> Option<(Instant, String)> {
        self.health.failing()
    }

    /// Resolves once everything submitted before it is committed.
    pub fn flush(&self) -> Durable {
        self.queue(Job::Flush)
    }

    /// In a cluster, the leases of this node.
    pub fn leases(&self) -> Option<&Arc<leases::Leases>> {
        self.leases.as_ref()
    }

    /// Whether a copy of `board` opened under lease epoch `fence` may
    /// change it: always on a single server; in a cluster, only while this
    /// node still holds the board at that epoch.
    pub fn holds(&self, board: &BoardName, fence: Option<i64>) -> bool {
        self.leases.as_ref().is_none_or(|leases| fence.is_some() && leases.epoch(board) == fence)
    }

    /// Writes what is queued, stops the writer, ends this node's leases and
    /// closes the database.
    pub async fn close(&self) {
        drop(self.jobs.lock().take());
        let writer = self.writer.lock().take();
        if let Some(writer) = writer {
            let _ = writer.await;
        }
        if let Some(leases) = &self.leases {
            leases.close().await;
        }
        self.pool.close().await;
    }

    /// Reads a board back, or `None` if it was never written.
    pub async fn load(&self, name: &BoardName) -> Result<Option<StoredBoard>, StorageError> {
        let Some(seq) = sqlx::query_scalar::<_, i64>("SELECT seq FROM boards WHERE name = $1")
            .bind(name.as_str())
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let access = boards::read_access(&mut *self.pool.acquire().await?, name)
            .await?
            .ok_or_else(|| corrupt("board deleted while loading", name))?;
        let rows = sqlx::query(
            "SELECT id, client, \"user\", color, width, tool, open, live, text, sx, sy, dx, dy, z, image FROM strokes \
             WHERE board = $1 ORDER BY z, seq",
        )
        .bind(name.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut strokes = Vec::with_capacity(rows.len());
        let mut index = HashMap::with_capacity(rows.len());
        for row in rows {
            let stroke = read_stroke(&row)?;
            index.insert(stroke.stroke.id.clone(), strokes.len());
            strokes.push(stroke);
        }
        let segments = sqlx::query("SELECT stroke, n, points FROM segments WHERE board = $1 ORDER BY stroke, n")
            .bind(name.as_str())
            .fetch_all(&self.pool)
            .await?;
        for row in segments {
            let id: String = row.try_get("stroke")?;
            let Some(&i) = index.get(id.as_str()) else { continue };
            let blob: Vec<u8> = row.try_get("points")?;
            let s = &mut strokes[i];
            s.stroke.points.extend(decode_points(&blob)?);
            s.batch = u32::try_from(row.try_get::<i64, _>("n")?).map_err(|_| corrupt("batch number", &id))?;
        }
        let seq = u64::try_from(seq).map_err(|_| corrupt("board seq", name))?;
        let images = self.image_hashes(name).await?;
        Ok(Some(StoredBoard { name: name.clone(), seq, access, strokes, images }))
    }
}

fn corrupt(what: &str, value: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(format!("{what} {value}"))
}

/// One `strokes` row, without its points; a value the domain would refuse is
/// an error, not a panic.
fn read_stroke(row: &AnyRow) -> Result<StoredStroke, StorageError> {
    let id: String = row.try_get("id")?;
    let tool: String = row.try_get("tool")?;
    let color: String = row.try_get("color")?;
    let client: String = row.try_get("client")?;
    let stroke = Stroke {
        id: StrokeId::new(id.as_str()).map_err(|e| corrupt("stroke id", e))?,
        user: SocketId::from(row.try_get::<String, _>("user")?),
        color: Color::new(color).map_err(|e| corrupt("stroke colour", e))?,
        width: row.try_get::<f64, _>("width")? as f32,
        tool: Tool::parse(&tool).ok_or_else(|| corrupt("unknown tool", &tool))?,
        points: Vec::new(),
        text: row.try_get("text")?,
        transform: None,
        image: row.try_get("image")?,
    };
    let f = |column: &str| row.try_get::<f64, _>(column).map(|v| v as f32);
    let transform = Transform { sx: f("sx")?, sy: f("sy")?, dx: f("dx")?, dy: f("dy")? };
    let stroke = Stroke { transform: (!transform.is_identity()).then_some(transform), ..stroke };
    Ok(StoredStroke {
        stroke,
        client: ClientId::new(client).map_err(|e| corrupt("client id", e))?,
        open: flag(row, "open")?,
        live: flag(row, "live")?,
        batch: 0,
        z: row.try_get("z")?,
    })
}

/// A 0/1 column as a bool.
fn flag(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

/// The URL sqlx's `Any` driver opens an SQLite file by; `create` opens it
/// read-write-create, else read-write.
fn sqlite_url(path: &Path, create: bool) -> Result<String, StorageError> {
    let path = path.to_str().ok_or_else(|| StorageError::NotUtf8(path.to_path_buf()))?;
    let mut url = String::from("sqlite://");
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'.' | b'_' | b'-' | b'~' => url.push(b as char),
            _ => url.push_str(&format!("%{b:02X}")),
        }
    }
    url.push_str(if create { "?mode=rwc" } else { "?mode=rw" });
    Ok(url)
}

/// Points are stored as little-endian f32s.
fn encode_points(points: &[f32]) -> Vec<u8> {
    points.iter().flat_map(|p| p.to_le_bytes()).collect()
}

fn decode_points(blob: &[u8]) -> Result<impl Iterator<Item = f32> + '_, StorageError> {
    if !blob.len().is_multiple_of(4) {
        return Err(StorageError::Corrupt(format!("point blob of {} bytes", blob.len())));
    }
    Ok(blob.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Change;

    fn stroke(id: &str) -> Stroke {
        Stroke {
            id: sid(id),
            user: "u1".into(),
            color: Color::new("#abcdef").unwrap(),
            width: 2.5,
            tool: Tool::Rect,
            points: vec![-1.5, 2.0],
            text: None,
            transform: None,
            image: None,
        }
    }

    fn sid(id: &str) -> StrokeId {
        StrokeId::new(id).unwrap()
    }

    fn board() -> BoardName {
        BoardName::new("b").unwrap()
    }

    fn applied(seq: u64, change: Change) -> Applied {
        Applied { board: board(), seq, change, by: Default::default() }
    }

    /// A new database of the engine under test (see `Database::for_test`).
    async fn open_new(dir: &tempfile::TempDir) -> (Storage, Database) {
        let db = Database::for_test(dir.path()).await.unwrap();
        (Storage::open(&db, Arc::default()).await.unwrap(), db)
    }

    #[tokio::test]
    async fn changes_round_trip_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let (storage, db) = open_new(&dir).await;
        assert!(storage.load(&board()).await.unwrap().is_none());
        let durables = vec![
            storage
                .submit(applied(1, Change::StrokeStart { client: ClientId::new("c").unwrap(), stroke: stroke("s") })),
            storage.submit(applied(2, Change::StrokePoints { id: sid("s"), n: 1, points: vec![3.0, 4.0] })),
            // A resent batch is ignored.
            storage.submit(applied(3, Change::StrokePoints { id: sid("s"), n: 1, points: vec![9.0, 9.0] })),
            storage.submit(applied(4, Change::StrokeEnd { id: sid("s") })),
            storage
                .submit(applied(5, Change::StrokeStart { client: ClientId::new("c").unwrap(), stroke: stroke("t") })),
            storage.submit(applied(6, Change::SetLive { ids: vec![sid("t")], live: false })),
        ];
        for d in durables {
            d.await.unwrap();
        }
        storage.close().await;

        let storage = Storage::open(&db, Arc::default()).await.unwrap();
        let b = storage.load(&board()).await.unwrap().unwrap();
        assert_eq!(b.seq, 6);
        assert_eq!(b.strokes.len(), 2);
        let s = &b.strokes[0];
        assert_eq!(s.stroke.points, vec![-1.5, 2.0, 3.0, 4.0]);
        assert_eq!((s.open, s.live, s.batch, s.client.as_str()), (false, true, 1, "c"));
        assert_eq!(s.stroke.tool, Tool::Rect);
        assert!(!b.strokes[1].live && b.strokes[1].open);
        storage.close().await;
    }

    #[tokio::test]
    async fn many_points_batches_in_one_commit_keep_their_order_and_a_deletion_wins() {
        let dir = tempfile::tempdir().unwrap();
        let (storage, _) = open_new(&dir).await;
        let client = ClientId::new("c").unwrap();
        let start = |seq, id| applied(seq, Change::StrokeStart { client: client.clone(), stroke: stroke(id) });
        let points =
            |seq, id, n: u32| applied(seq, Change::StrokePoints { id: sid(id), n, points: vec![n as f32, 0.5] });
        // 300 batches: more than one statement's worth, all queued at once.
        let mut durables = vec![storage.submit(start(1, "s"))];
        durables.extend((1..=300).map(|n| storage.submit(points(1 + n as u64, "s", n))));
        durables.push(storage.submit(applied(302, Change::StrokeEnd { id: sid("s") })));
        for d in durables {
            d.await.unwrap();
        }
        let b = storage.load(&board()).await.unwrap().unwrap();
        let expected: Vec<f32> = [-1.5, 2.0].into_iter().chain((1..=300).flat_map(|n| [n as f32, 0.5])).collect();
        assert_eq!(b.strokes[0].stroke.points, expected);
        assert_eq!(b.strokes[0].batch, 300);

        // Batches queued before a deletion of their board are gone with it.
        let mut durables: Vec<_> = (1..=200).map(|n| storage.submit(points(302 + n as u64, "s", 300 + n))).collect();
        durables.push(storage.submit(applied(503, Change::Delete)));
        for d in durables {
            d.await.unwrap();
        }
        assert!(storage.load(&board()).await.unwrap().is_none());
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM segments").fetch_one(&storage.pool).await.unwrap();
        assert_eq!(left, 0);
        storage.close().await;
    }

    #[tokio::test]
    async fn many_strokes_in_one_commit_start_end_and_take_edits_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let (storage, _) = open_new(&dir).await;
        let client = ClientId::new("c").unwrap();
        let other = BoardName::new("other").unwrap();
        let mut durables = Vec::new();
        let mut seq = 0;
        let mut submit = |board: &BoardName, change| {
            seq += 1;
            durables.push(storage.submit(Applied { board: board.clone(), seq, change, by: Default::default() }));
        };
        // 150 strokes (more than one statement's worth of rows), each ended
        // but the last; edits in between must see the strokes before them.
        for i in 0..150 {
            let id = format!("s{i}");
            submit(&board(), Change::StrokeStart { client: client.clone(), stroke: stroke(&id) });
            submit(&board(), Change::StrokePoints { id: sid(&id), n: 1, points: vec![i as f32, 1.0] });
            if i < 149 {
                submit(&board(), Change::StrokeEnd { id: sid(&id) });
            }
            if i == 70 {
                submit(&board(), Change::Text { id: sid("s70"), text: "seventy".into() });
            }
        }
        submit(&board(), Change::SetLive { ids: vec![sid("s140")], live: false });
        submit(&other, Change::StrokeStart { client: client.clone(), stroke: stroke("s0") });
        submit(&other, Change::StrokeEnd { id: sid("s0") });
        for d in durables {
            d.await.unwrap();
        }
        let b = storage.load(&board()).await.unwrap().unwrap();
        assert_eq!(b.strokes.len(), 150);
        for (i, s) in b.strokes.iter().enumerate() {
            assert_eq!(s.stroke.id.as_str(), format!("s{i}"));
            assert_eq!(s.stroke.points, vec![-1.5, 2.0, i as f32, 1.0]);
            assert_eq!(s.open, i == 149, "stroke {i}");
            assert_eq!(s.live, i != 140, "stroke {i}");
            assert_eq!(s.stroke.text.as_deref(), (i == 70).then_some("seventy"));
        }
        let o = storage.load(&other).await.unwrap().unwrap();
        assert!(!o.strokes[0].open && o.strokes[0].live);
        storage.close().await;
    }

    #[tokio::test]
    async fn submit_after_close_reports_closed() {
        let dir = tempfile::tempdir().unwrap();
        let (storage, _) = open_new(&dir).await;
        storage.close().await;
        assert!(matches!(storage.flush().await, Err(StorageError::Closed)));
    }

    #[tokio::test]
    async fn a_database_in_a_new_folder_is_made_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::Sqlite(dir.path().join("nested/folder #1/scrawl.db"));
        let storage = Storage::open(&db, Arc::default()).await.unwrap();
        storage.close().await;
        assert!(dir.path().join("nested/folder #1/scrawl.db").is_file());
    }

    #[tokio::test]
    async fn a_cluster_node_on_sqlite_is_refused_before_any_file_is_made() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::Sqlite(dir.path().join("scrawl.db"));
        let refused = Storage::open_node(&db, Arc::default(), Some("10.0.0.1:3000")).await;
        assert!(matches!(refused, Err(StorageError::Unsupported(_))));
        assert!(!dir.path().join("scrawl.db").exists());
    }

    #[test]
    fn databases_by_url_or_path_and_passwords_are_not_shown() {
        let pg: Database = "postgres://scrawl:secret@db:5432/boards".parse().unwrap();
        assert_eq!(pg, Database::Postgres("postgres://scrawl:secret@db:5432/boards".into()));
        assert_eq!(pg.to_string(), "postgres://scrawl@db:5432/boards");
        assert_eq!("sqlite://data/x.db".parse::<Database>().unwrap(), Database::Sqlite("data/x.db".into()));
        assert_eq!("data/x.db".parse::<Database>().unwrap(), Database::Sqlite("data/x.db".into()));
    }

    #[test]
    fn point_blobs() {
        let pts = [1.25f32, -7e6, 0.0];
        assert_eq!(decode_points(&encode_points(&pts)).unwrap().collect::<Vec<_>>(), pts);
        assert!(decode_points(&[0, 1, 2]).is_err());
    }
}
