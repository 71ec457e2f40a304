//! The single writer task. It group-commits what is queued (up to
//! `MAX_BATCH` changes per transaction) and acknowledges each change once it
//! is durable. When storage fails for a reason that can pass (a full disk,
//! an I/O error, a lock), it keeps the batch and retries with backoff, so
//! nothing is lost and order is kept; `Health` tells the server meanwhile.
//! A change the database refuses for good is split off and reported alone,
//! so it never holds back the others.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use sqlx::{AnyConnection, AnyPool};
use tokio::sync::mpsc;

use super::leases::Leases;
use super::{encode_points, Done, Engine, StorageError};
use crate::domain::{Applied, Change};
use crate::metrics::Metrics;
use crate::protocol::BoardName;
use crate::protocol::{ClientId, Stroke, StrokeId};

/// Most queued changes written in one transaction.
const MAX_BATCH: usize = 2048;
/// Retry delays after a failed write: doubling from the first to the last.
const FIRST_RETRY: Duration = Duration::from_millis(50);
const LAST_RETRY: Duration = Duration::from_secs(2);

pub(super) enum Job {
    Write(Box<Applied>, Done),
    Flush(Done),
}

/// Whether writes currently fail: since when, and the last error.
#[derive(Default)]
pub(super) struct Health(Mutex<Option<(Instant, String)>>);

impl Health {
    pub(super) fn failing(&self) -> Option<(Instant, String)> {
        self.0.lock().clone()
    }

    fn failed(&self, error: &sqlx::Error) {
        let mut state = self.0.lock();
        let since = state.as_ref().map_or_else(Instant::now, |(since, _)| *since);
        *state = Some((since, error.to_string()));
    }

    fn recovered(&self) {
        if self.0.lock().take().is_some() {
            tracing::info!("storage recovered");
        }
    }
}

pub(super) async fn write_loop(
    pool: AnyPool,
    engine: Engine,
    leases: Option<Arc<Leases>>,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    health: Arc<Health>,
    queued: Arc<AtomicUsize>,
    metrics: Arc<Metrics>,
) {
    let writer = Writer { pool, engine, leases, health, metrics };
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut changes = Vec::with_capacity(batch.len());
        let mut waiters = Vec::with_capacity(batch.len());
        for job in batch {
            match job {
                Job::Write(applied, done) => {
                    changes.push(*applied);
                    waiters.push((done, true));
                }
                Job::Flush(done) => waiters.push((done, false)),
            }
        }
        let count = changes.len();
        let mut results = writer.commit(changes).await.into_iter();
        queued.fetch_sub(count, Ordering::Relaxed);
        // A change gets its own result; a flush resolves once everything
        // queued before it was handled.
        for (done, is_write) in waiters {
            let result = if is_write { results.next().unwrap_or(Err(StorageError::Closed)) } else { Ok(()) };
            let _ = done.send(result);
        }
    }
}

struct Writer {
    pool: AnyPool,
    engine: Engine,
    leases: Option<Arc<Leases>>,
    health: Arc<Health>,
    metrics: Arc<Metrics>,
}

impl Writer {
    /// Commits `changes`, retrying what can pass; one result per change.
    async fn commit(&self, changes: Vec<Applied>) -> Vec<Result<(), StorageError>> {
        if changes.is_empty() {
            return Vec::new();
        }
        let mut delay = FIRST_RETRY;
        loop {
            let started = Instant::now();
            match write_batch(&self.pool, self.engine, self.leases.as_deref(), &changes).await {
                Ok(moved) => {
                    self.health.recovered();
                    self.metrics.commit(changes.len(), started.elapsed());
                    if !moved.is_empty() {
                        tracing::warn!(boards = ?moved, "not writing boards this node no longer holds");
                    }
                    return changes
                        .iter()
                        .map(|c| if moved.contains(c.board.as_str()) { Err(StorageError::Moved) } else { Ok(()) })
                        .collect();
                }
                Err(e) if passes(&e) => {
                    if self.health.failing().is_none() {
                        tracing::error!(error = %e, changes = changes.len(), "storage failing; retrying");
                    }
                    self.health.failed(&e);
                    self.metrics.storage_retry();
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(LAST_RETRY);
                }
                Err(e) if changes.len() == 1 => {
                    tracing::error!(error = %e, seq = changes[0].seq, board = %changes[0].board, "change refused by the database");
                    return vec![Err(StorageError::Rejected(e.to_string()))];
                }
                Err(_) => {
                    // Some change is refused for good: find it by writing one by one.
                    let mut results = Vec::with_capacity(changes.len());
                    for change in changes {
                        results.extend(Box::pin(self.commit(vec![change])).await);
                    }
                    return results;
                }
            }
        }
    }
}

/// Whether a failed write may succeed later: disk full, I/O, locks, a lost
/// connection or a database shutting down. Constraint and logic errors
/// will not.
fn passes(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => match db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
            // Classes: connection exception, transaction rollback
            // (serialization, deadlock), insufficient resources (disk full),
            // operator intervention (shutdown), system error (I/O).
            Some(pg) => ["08", "40", "53", "57", "58"].iter().any(|class| pg.code().starts_with(class)),
            None => {
                let primary = db.code().and_then(|c| c.parse::<i32>().ok()).map(|c| c & 0xff);
                // SQLite: BUSY, LOCKED, NOMEM, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL.
                matches!(primary, Some(5 | 6 | 7 | 8 | 10 | 13 | 14 | 15))
            }
        },
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::WorkerCrashed | sqlx::Error::Tls(_) => true,
        _ => false,
    }
}

/// Writes every change in one transaction. A failed transaction is always
/// rolled back: SQLite keeps a transaction open when its COMMIT fails (on a
/// full disk, say), and that would hold the write lock against every retry.
/// Returns the boards not written because this node no longer holds them.
async fn write_batch(
    pool: &AnyPool,
    engine: Engine,
    leases: Option<&Leases>,
    changes: &[Applied],
) -> Result<HashSet<String>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    sqlx::query(engine.begin()).execute(&mut *conn).await?;
    let result = write_changes(&mut conn, engine, leases, changes).await;
    let result = match result {
        Ok(moved) => sqlx::query("COMMIT").execute(&mut *conn).await.map(|_| moved),
        Err(e) => Err(e),
    };
    if result.is_err() {
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
    }
    result
}

async fn write_changes(
    conn: &mut AnyConnection,
    engine: Engine,
    leases: Option<&Leases>,
    changes: &[Applied],
) -> Result<HashSet<String>, sqlx::Error> {
    // Changes to a board deleted meanwhile (by the operator, next to this
    // server) are dropped: the board is gone.
    let mut deleted: HashSet<String> =
        sqlx::query_scalar("SELECT name FROM deleted_boards").fetch_all(&mut *conn).await?.into_iter().collect();
    let moved = match leases {
        Some(leases) => fence(conn, leases, changes).await?,
        None => HashSet::new(),
    };
    deleted.extend(moved.iter().cloned());
    let mut seqs: HashMap<&BoardName, u64> = HashMap::new();
    for a in changes.iter().filter(|a| !deleted.contains(a.board.as_str())) {
        let seq = seqs.entry(&a.board).or_default();
        *seq = (*seq).max(a.seq);
    }
    let at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    for (board, seq) in &seqs {
        sqlx::query(
            "INSERT INTO boards (name, seq, active_at) VALUES ($1, $2, unixepoch()) \
             ON CONFLICT (name) DO UPDATE SET active_at = excluded.active_at, \
             seq = CASE WHEN excluded.seq > boards.seq THEN excluded.seq ELSE boards.seq END",
        )
        .bind(board.as_str())
        .bind(*seq as i64)
        .execute(&mut *conn)
        .await?;
    }
    // New strokes, ends, segments (most changes are points batches) and log
    // entries are written many rows to a statement. They are flushed before
    // anything that could see them: a change to existing strokes, a
    // deletion, the checkpoints.
    let mut rows = Rows::default();
    for a in changes {
        let board = a.board.as_str();
        if deleted.contains(board) {
            continue;
        }
        match &a.change {
            Change::Access(access) => {
                super::boards::write_access(conn, &a.board, access).await?;
            }
            Change::Delete => {
                // What is queued of the board goes in first, to go with it.
                rows.flush(conn, at).await?;
                super::boards::delete_rows(conn, &a.board).await?;
                deleted.insert(board.to_owned());
            }
            Change::StrokeStart { client, stroke } => rows.add(a, client, stroke, true, a.seq as f64),
            Change::Add { client, objects } => {
                for (stroke, z) in objects {
                    rows.add(a, client, stroke, false, *z);
                }
            }
            Change::Order(places) => {
                rows.flush(conn, at).await?;
                for (id, z) in places {
                    sqlx::query("UPDATE strokes SET z = $1 WHERE board = $2 AND id = $3")
                        .bind(z)
                        .bind(board)
                        .bind(id.as_str())
                        .execute(&mut *conn)
                        .await?;
                }
            }
            Change::Place(placed) => {
                rows.flush(conn, at).await?;
                for p in placed {
                    let t = p.transform;
                    sqlx::query("UPDATE strokes SET sx = $1, sy = $2, dx = $3, dy = $4 WHERE board = $5 AND id = $6")
                        .bind(t.sx as f64)
                        .bind(t.sy as f64)
                        .bind(t.dx as f64)
                        .bind(t.dy as f64)
                        .bind(board)
                        .bind(p.id.as_str())
                        .execute(&mut *conn)
                        .await?;
                }
            }
            Change::Replace { client, add, hide, show } => {
                for (stroke, z) in add {
                    rows.add(a, client, stroke, false, *z);
                }
                rows.flush(conn, at).await?;
                set_live(conn, board, hide, false).await?;
                set_live(conn, board, show, true).await?;
            }
            Change::Text { id, text } => {
                rows.flush(conn, at).await?;
                sqlx::query("UPDATE strokes SET text = $1 WHERE board = $2 AND id = $3")
                    .bind(text)
                    .bind(board)
                    .bind(id.as_str())
                    .execute(&mut *conn)
                    .await?;
            }
            // A batch of points is logged as its segment, with its seq and time.
            Change::StrokePoints { id, n, points } => {
                rows.segments.push(SegmentRow { board, id, n: *n, points, logged: Some(a.seq) })
            }
            Change::StrokeEnd { id } => rows.ends.push((board, id.as_str())),
            Change::SetLive { ids, live } => {
                rows.flush(conn, at).await?;
                set_live(conn, board, ids, *live).await?
            }
        }
        rows.log.extend(super::history::log_row(a)?);
    }
    rows.flush(conn, at).await?;
    for (board, seq) in seqs.into_iter().filter(|(b, _)| !deleted.contains(b.as_str())) {
        super::history::checkpoint_if_due(conn, engine, board.as_str(), seq).await?;
    }
    Ok(moved)
}

/// The boards of `changes` that this node no longer holds: their owner row
/// is another node's, or at another epoch than the one this node holds
/// now. Reading the rows `FOR SHARE` makes a takeover wait for this
/// transaction.
async fn fence(conn: &mut AnyConnection, leases: &Leases, changes: &[Applied]) -> Result<HashSet<String>, sqlx::Error> {
    let boards: HashSet<&BoardName> = changes.iter().map(|a| &a.board).collect();
    let mut moved = HashSet::new();
    for board in boards {
        let epoch: Option<i64> =
            sqlx::query_scalar("SELECT epoch FROM board_owners WHERE key = $1 AND node = $2 FOR SHARE")
                .bind(super::leases::key(board))
                .bind(leases.node())
                .fetch_optional(&mut *conn)
                .await?;
        if epoch.is_none() || epoch != leases.epoch(board) {
            moved.insert(board.to_string());
        }
    }
    Ok(moved)
}

/// Rows a transaction writes many to a statement, in this order: new
/// strokes, then their ends, segments and log entries.
#[derive(Default)]
struct Rows<'a> {
    strokes: Vec<StrokeRow<'a>>,
    ends: Vec<(&'a str, &'a str)>,
    segments: Vec<SegmentRow<'a>>,
    log: Vec<super::history::LogRow<'a>>,
}

impl<'a> Rows<'a> {
    /// A new object: its row (open while it is drawn, ended when it was
    /// added whole; `z` is its place in the drawing order), and its first
    /// points as its segment 0.
    fn add(&mut self, a: &'a Applied, client: &'a ClientId, stroke: &'a Stroke, open: bool, z: f64) {
        let board = a.board.as_str();
        self.strokes.push(StrokeRow { board, seq: a.seq, client, stroke, open, z });
        self.segments.push(SegmentRow::first(board, stroke));
    }

    async fn flush(&mut self, conn: &mut AnyConnection, at: i64) -> Result<(), sqlx::Error> {
        insert_strokes(conn, &std::mem::take(&mut self.strokes)).await?;
        end_strokes(conn, &std::mem::take(&mut self.ends)).await?;
        insert_segments(conn, &std::mem::take(&mut self.segments), at).await?;
        super::history::insert_log(conn, &std::mem::take(&mut self.log), at).await
    }
}

async fn set_live(conn: &mut AnyConnection, board: &str, ids: &[StrokeId], live: bool) -> Result<(), sqlx::Error> {
    for id in ids {
        sqlx::query("UPDATE strokes SET live = $1 WHERE board = $2 AND id = $3")
            .bind(i64::from(live))
            .bind(board)
            .bind(id.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

struct StrokeRow<'a> {
    board: &'a str,
    seq: u64,
    client: &'a ClientId,
    stroke: &'a Stroke,
    open: bool,
    z: f64,
}

async fn insert_strokes(conn: &mut AnyConnection, rows: &[StrokeRow<'_>]) -> Result<(), sqlx::Error> {
    let head = "INSERT INTO strokes \
         (board, id, client, \"user\", color, width, tool, seq, open, live, text, sx, sy, dx, dy, z, image)";
    insert_many(conn, head, 17, rows, "ON CONFLICT DO NOTHING", |query, row| {
        let (stroke, t) = (row.stroke, row.stroke.placement());
        query
            .bind(row.board)
            .bind(stroke.id.as_str())
            .bind(row.client.as_str())
            .bind(stroke.user.as_str())
            .bind(stroke.color.as_str())
            .bind(stroke.width as f64)
            .bind(stroke.tool.as_str())
            .bind(row.seq as i64)
            .bind(i64::from(row.open))
            .bind(1i64)
            .bind(stroke.text.as_deref())
            .bind(t.sx as f64)
            .bind(t.sy as f64)
            .bind(t.dx as f64)
            .bind(t.dy as f64)
            .bind(row.z)
            .bind(stroke.image.as_deref())
    })
    .await
}

/// Marks strokes as ended: a statement per board and per
/// `PARAMETERS_PER_STATEMENT - 1` ids (the board is a parameter too).
async fn end_strokes(conn: &mut AnyConnection, ends: &[(&str, &str)]) -> Result<(), sqlx::Error> {
    let mut by_board: Vec<(&str, Vec<&str>)> = Vec::new();
    for &(board, id) in ends {
        match by_board.iter_mut().find(|(b, _)| *b == board) {
            Some((_, ids)) => ids.push(id),
            None => by_board.push((board, vec![id])),
        }
    }
    for (board, ids) in &by_board {
        for chunk in ids.chunks(PARAMETERS_PER_STATEMENT - 1) {
            let sql =
                format!("UPDATE strokes SET open = 0 WHERE board = $1 AND id IN ({})", parameters(2, chunk.len()));
            let query = chunk.iter().fold(sqlx::query(&sql).persistent(false).bind(*board), |q, id| q.bind(*id));
            query.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// A batch of points to write as its segment.
struct SegmentRow<'a> {
    board: &'a str,
    id: &'a str,
    n: u32,
    points: &'a [f32],
    /// The seq of a logged batch (n > 0); segment 0 is its stroke's start.
    logged: Option<u64>,
}

impl<'a> SegmentRow<'a> {
    /// A new object's first points.
    fn first(board: &'a str, stroke: &'a Stroke) -> Self {
        Self { board, id: stroke.id.as_str(), n: 0, points: &stroke.points, logged: None }
    }
}

async fn insert_segments(conn: &mut AnyConnection, rows: &[SegmentRow<'_>], at: i64) -> Result<(), sqlx::Error> {
    let head = "INSERT INTO segments (board, stroke, n, points, seq, at)";
    insert_many(conn, head, 6, rows, "ON CONFLICT DO NOTHING", |query, row| {
        query
            .bind(row.board)
            .bind(row.id)
            .bind(row.n as i64)
            .bind(encode_points(row.points))
            .bind(row.logged.map(|seq| seq as i64))
            .bind(row.logged.map(|_| at))
    })
    .await
}

/// Most parameters in one statement: far below SQLite's 32,766 and
/// PostgreSQL's 65,535.
const PARAMETERS_PER_STATEMENT: usize = 1024;

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// `$first, $first+1, …`: `count` numbered parameters.
fn parameters(first: usize, count: usize) -> String {
    (first..first + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Runs `head VALUES (…), (…), … tail` for `rows`, as few statements as the
/// parameter bound allows, each row's `width` values bound by `bind`. Each
/// statement is a round trip to the database: one per row dominated a
/// commit's time.
pub(super) async fn insert_many<R>(
    conn: &mut AnyConnection,
    head: &str,
    width: usize,
    rows: &[R],
    tail: &str,
    bind: impl for<'q> Fn(Query<'q>, &'q R) -> Query<'q>,
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(PARAMETERS_PER_STATEMENT / width) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("({})", parameters(1 + i * width, width))).collect();
        let sql = format!("{head} VALUES {} {tail}", values.join(", "));
        // Only full chunks are worth keeping prepared: the rest vary in length.
        let full = chunk.len() == PARAMETERS_PER_STATEMENT / width;
        let query = chunk.iter().fold(sqlx::query(&sql).persistent(full), &bind);
        query.execute(&mut *conn).await?;
    }
    Ok(())
}
