//! Each board's history: the change log the writer appends to, the
//! checkpoints it takes every so many changes, reading the log back (for
//! the History panel), rebuilding the board at any seq (`?at=`, restore),
//! and compacting old history into a checkpoint.

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use super::{corrupt, decode_points, Engine, Storage, StorageError};
use crate::domain::{Applied, Change};
use crate::protocol::{BoardName, Event, HistoryLog, Logged, Op, Snap, Stroke, Timeline};

/// Fewest changes between two checkpoints of a board; a board with many
/// objects waits longer (twice its objects), so checkpoints never outweigh
/// the log.
const CHECKPOINT_EVERY: i64 = 10_000;

/// Past versions rebuilt, or histories read, at once; more wait up to
/// `READ_WAIT` for their turn, then are refused as busy.
pub(super) const PARALLEL_READS: usize = 2;
const READ_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The objects of board `$1` as `protocol::Snap`s without points, as a
/// JSON array: SQLite's JSON functions, then PostgreSQL's.
const SNAPS_OF_1: &str = "SELECT json_group_array(json(snap)) FROM (SELECT json_object(\
    'stroke', json_object('id', s.id, 'user', s.\"user\", 'color', s.color, 'width', s.width, 'tool', s.tool, \
        'points', json('[]'), 'text', s.text, 'image', s.image, \
        'transform', json(CASE WHEN s.sx = 1 AND s.sy = 1 AND s.dx = 0 AND s.dy = 0 THEN NULL \
                          ELSE json_object('sx', s.sx, 'sy', s.sy, 'dx', s.dx, 'dy', s.dy) END)), \
    'live', json(CASE WHEN s.live THEN 'true' ELSE 'false' END), \
    'open', json(CASE WHEN s.open THEN 'true' ELSE 'false' END), \
    'batch', coalesce((SELECT max(g.n) FROM segments g WHERE g.board = s.board AND g.stroke = s.id), 0), \
    'z', s.z) AS snap FROM strokes s WHERE s.board = $1 ORDER BY s.z, s.seq)";
const SNAPS_OF_1_PG: &str = "SELECT coalesce(json_agg(json_build_object(\
    'stroke', json_build_object('id', s.id, 'user', s.\"user\", 'color', s.color, 'width', s.width, 'tool', s.tool, \
        'points', json_build_array(), 'text', s.text, 'image', s.image, \
        'transform', CASE WHEN s.sx = 1 AND s.sy = 1 AND s.dx = 0 AND s.dy = 0 THEN NULL \
                     ELSE json_build_object('sx', s.sx, 'sy', s.sy, 'dx', s.dx, 'dy', s.dy) END), \
    'live', s.live <> 0, 'open', s.open <> 0, \
    'batch', coalesce((SELECT max(g.n) FROM segments g WHERE g.board = s.board AND g.stroke = s.id), 0), \
    'z', s.z) ORDER BY s.z, s.seq), '[]')::text FROM strokes s WHERE s.board = $1";

const REPLACE_CHECKPOINT: &str =
    "ON CONFLICT (board, seq) DO UPDATE SET snaps = excluded.snaps, objects = excluded.objects";

/// Why a past version cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("no board by that name")]
    NoBoard,
    #[error("the history before change {from} was compacted")]
    Compacted { from: u64 },
    #[error("the board has no change {0} yet")]
    Future(u64),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for HistoryError {
    fn from(e: sqlx::Error) -> Self {
        Self::Storage(e.into())
    }
}

/// A change's entry in its board's log, appended in the writer's
/// transaction (see `writer::insert_many`).
pub(super) struct LogRow<'a> {
    a: &'a Applied,
    kind: &'static str,
    op: String,
    /// The stroke a `start` opened: its points are its segments.
    stroke: Option<String>,
}

/// The log entry of a change; none for a batch of points, whose segment
/// row is its entry.
pub(super) fn log_row(a: &Applied) -> Result<Option<LogRow<'_>>, sqlx::Error> {
    if matches!(a.change, Change::StrokePoints { .. }) {
        return Ok(None);
    }
    let Some(mut op) = a.change.op() else { return Ok(None) };
    // A stroke's first points are its segment 0 already.
    let stroke = match &mut op {
        Op::Start { stroke } => {
            stroke.points.clear();
            Some(stroke.id.to_string())
        }
        _ => None,
    };
    let op_json = serde_json::to_string(&op).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    Ok(Some(LogRow { a, kind: op.kind(), op: op_json, stroke }))
}

/// Appends entries to the log, many to a statement; `at` is the time (ms).
pub(super) async fn insert_log(conn: &mut AnyConnection, rows: &[LogRow<'_>], at: i64) -> Result<(), sqlx::Error> {
    let head = "INSERT INTO changes (board, seq, at, client, name, event, kind, op, stroke)";
    super::writer::insert_many(conn, head, 9, rows, "ON CONFLICT DO NOTHING", |query, row| {
        query
            .bind(row.a.board.as_str())
            .bind(row.a.seq as i64)
            .bind(at)
            .bind(row.a.by.client.as_str())
            .bind(row.a.by.name.as_str())
            .bind(row.a.by.event)
            .bind(row.kind)
            .bind(row.op.as_str())
            .bind(row.stroke.as_deref())
    })
    .await
}

/// Takes a checkpoint of `board` at `seq` (its state in this transaction)
/// if enough changes were logged since the last one: `CHECKPOINT_EVERY`, or
/// twice the objects the last one held.
pub(super) async fn checkpoint_if_due(
    conn: &mut AnyConnection,
    engine: Engine,
    board: &str,
    seq: u64,
) -> Result<(), sqlx::Error> {
    let seq = seq as i64;
    // One statement: each is a round trip to the database's thread.
    let (from, last, objects): (i64, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT history_from, c.seq, c.objects FROM boards \
         LEFT JOIN (SELECT seq, objects FROM checkpoints WHERE board = $1 ORDER BY seq DESC LIMIT 1) AS c ON true \
         WHERE name = $1",
    )
    .bind(board)
    .fetch_optional(&mut *conn)
    .await?
    .unwrap_or((0, None, None));
    let (last, objects) = (last.unwrap_or(from), objects.unwrap_or(0));
    if seq - last.max(from) < CHECKPOINT_EVERY.max(2 * objects) {
        return Ok(());
    }
    let snaps = match engine {
        // SQLite needs a WHERE to read the ON CONFLICT after a SELECT as the upsert's.
        Engine::Sqlite => {
            format!(
                "SELECT $1, $2, snaps, json_array_length(snaps) FROM (SELECT ({SNAPS_OF_1}) AS snaps) AS t WHERE true"
            )
        }
        Engine::Postgres => format!(
            "SELECT $1, $2, snaps, json_array_length(CAST(snaps AS json)) FROM (SELECT ({SNAPS_OF_1_PG}) AS snaps) AS t"
        ),
    };
    sqlx::query(&format!("INSERT INTO checkpoints (board, seq, snaps, objects) {snaps} {REPLACE_CHECKPOINT}"))
        .bind(board)
        .bind(seq)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Fills each snap's points from the board's segments, up to its batch.
async fn fill_points(conn: &mut AnyConnection, board: &str, snaps: &mut [Snap]) -> Result<(), StorageError> {
    let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(snaps.len());
    for (i, snap) in snaps.iter().enumerate() {
        by_id.insert(snap.stroke.id.as_str(), i);
    }
    let mut points: Vec<Vec<f32>> = vec![Vec::new(); snaps.len()];
    let rows = sqlx::query("SELECT stroke, n, points FROM segments WHERE board = $1 ORDER BY stroke, n")
        .bind(board)
        .fetch_all(&mut *conn)
        .await?;
    for row in rows {
        let id: &str = row.try_get("stroke")?;
        let Some(&i) = by_id.get(id) else { continue };
        if row.try_get::<i64, _>("n")? <= snaps[i].batch as i64 {
            points[i].extend(decode_points(row.try_get("points")?)?);
        }
    }
    for (snap, points) in snaps.iter_mut().zip(points) {
        snap.stroke.points = points;
    }
    Ok(())
}

fn parse_snaps(json: &str) -> Result<Vec<Snap>, StorageError> {
    serde_json::from_str(json).map_err(|e| corrupt("checkpoint", e))
}

/// The logged changes of `board` after `after`, up to `upto`: its
/// `changes` rows (a start with its first points) and its batches of points,
/// merged in seq order. A batch is told as by its stroke's author.
async fn read_log(conn: &mut AnyConnection, board: &str, after: u64, upto: u64) -> Result<Vec<Logged>, StorageError> {
    let (after, upto) = (after as i64, upto.min(i64::MAX as u64) as i64);
    let rows = sqlx::query(
        "SELECT c.seq, c.at, c.client, c.name, c.event, c.op, g.points FROM changes c \
         LEFT JOIN segments g ON g.board = c.board AND g.stroke = c.stroke AND g.n = 0 \
         WHERE c.board = $1 AND c.seq > $2 AND c.seq <= $3 ORDER BY c.seq",
    )
    .bind(board)
    .bind(after)
    .bind(upto)
    .fetch_all(&mut *conn)
    .await?;
    let mut log = Vec::with_capacity(rows.len());
    let mut names: HashMap<String, String> = HashMap::new();
    for row in &rows {
        let mut op: Op = serde_json::from_str(row.try_get("op")?).map_err(|e| corrupt("logged change", e))?;
        let name: String = row.try_get("name")?;
        if let Op::Start { stroke } = &mut op {
            if let Some(blob) = row.try_get::<Option<Vec<u8>>, _>("points")? {
                stroke.points = decode_points(&blob)?.collect();
            }
            names.insert(stroke.id.to_string(), name.clone());
        }
        log.push(Logged {
            seq: row.try_get::<i64, _>("seq")? as u64,
            at: row.try_get("at")?,
            client: author(board, row.try_get("client")?),
            name,
            event: row.try_get("event")?,
            op,
        });
    }
    let batches = sqlx::query(
        "SELECT g.stroke, g.n, g.points, g.seq, g.at, s.client FROM segments g \
         JOIN strokes s ON s.board = g.board AND s.id = g.stroke \
         WHERE g.board = $1 AND g.n > 0 AND g.seq > $2 AND g.seq <= $3",
    )
    .bind(board)
    .bind(after)
    .bind(upto)
    .fetch_all(&mut *conn)
    .await?;
    for row in &batches {
        let id: String = row.try_get("stroke")?;
        let op = Op::Points {
            id: crate::protocol::StrokeId::new(id.as_str()).map_err(|e| corrupt("stroke id", e))?,
            n: u32::try_from(row.try_get::<i64, _>("n")?).map_err(|_| corrupt("batch number", &id))?,
            points: decode_points(row.try_get("points")?)?.collect(),
        };
        log.push(Logged {
            seq: row.try_get::<i64, _>("seq")? as u64,
            at: row.try_get("at")?,
            client: author(board, row.try_get("client")?),
            name: names.get(&id).cloned().unwrap_or_default(),
            event: crate::protocol::StrokePoints::NAME.to_owned(),
            op,
        });
    }
    log.sort_unstable_by_key(|l| l.seq);
    Ok(log)
}

/// Who made a change, as the history tells it: a hash of their client id on
/// this board. The id itself acts for them (undo, resends), so it is never shown.
fn author(board: &str, client: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("scrawl author {board} {client}").as_bytes());
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a board's history starts: its seq and time; `None`: no such board.
async fn start_of(conn: &mut AnyConnection, board: &str) -> Result<Option<(u64, Option<i64>, u64)>, StorageError> {
    let row = sqlx::query("SELECT history_from, history_since, seq FROM boards WHERE name = $1")
        .bind(board)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|row| {
        Ok((
            row.try_get::<i64, _>("history_from")? as u64,
            row.try_get("history_since")?,
            row.try_get::<i64, _>("seq")? as u64,
        ))
    })
    .transpose()
}

/// The log of `board` from its nearest checkpoint at or before `seq` (or
/// its history's start) up to `upto` (`None`: its last change).
async fn log_from(
    conn: &mut AnyConnection,
    board: &str,
    seq: Option<u64>,
    upto: Option<u64>,
) -> Result<HistoryLog, HistoryError> {
    let (from, since, now) = start_of(conn, board).await?.ok_or(HistoryError::NoBoard)?;
    let (seq, upto) = (seq.unwrap_or(from), upto.unwrap_or(now));
    if seq < from {
        return Err(HistoryError::Compacted { from });
    }
    if seq > now || upto > now {
        return Err(HistoryError::Future(seq.max(upto)));
    }
    let checkpoint = sqlx::query(
        "SELECT seq, snaps FROM checkpoints WHERE board = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq DESC LIMIT 1",
    )
    .bind(board)
    .bind(from as i64)
    .bind(seq as i64)
    .fetch_optional(&mut *conn)
    .await?;
    let (base_seq, mut base) = match checkpoint {
        Some(row) => (row.try_get::<i64, _>("seq")? as u64, parse_snaps(row.try_get("snaps")?)?),
        None => (from, Vec::new()),
    };
    fill_points(conn, board, &mut base).await?;
    let changes = read_log(conn, board, base_seq, upto).await?;
    Ok(HistoryLog { from: base_seq, since, base, changes })
}

impl Storage {
    /// Waits for a turn to read history.
    async fn history_turn(&self) -> Result<tokio::sync::SemaphorePermit<'_>, HistoryError> {
        match tokio::time::timeout(READ_WAIT, self.history_reads.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(StorageError::Busy.into()),
        }
    }

    /// The whole history kept of `board`, for the History panel.
    pub async fn history(&self, board: &BoardName) -> Result<HistoryLog, HistoryError> {
        let _turn = self.history_turn().await?;
        // One read transaction: a compaction meanwhile cannot split what is read.
        log_from(&mut *self.pool.begin_with(self.engine.snapshot()).await?, board.as_str(), None, None).await
    }

    /// What showed on `board` at `seq`, in drawing order. Everything
    /// submitted before must be flushed first.
    pub async fn board_at(&self, board: &BoardName, seq: u64) -> Result<Vec<Stroke>, HistoryError> {
        let _turn = self.history_turn().await?;
        let log =
            log_from(&mut *self.pool.begin_with(self.engine.snapshot()).await?, board.as_str(), Some(seq), Some(seq))
                .await?;
        Ok(Timeline::with_frames(log, usize::MAX).strokes_at(seq))
    }

    /// Folds the history of `board` before `before` (ms since the epoch)
    /// into a checkpoint: the board's present stays exact, its past before
    /// then is gone. Returns the seq its history now starts at, if it moved.
    pub async fn compact(&self, board: &BoardName, before: i64) -> Result<Option<u64>, HistoryError> {
        let mut tx = self.pool.begin_with(self.engine.begin()).await?;
        let name = board.as_str();
        let (from, _, _) = start_of(&mut tx, name).await?.ok_or(HistoryError::NoBoard)?;
        let last: Option<(i64, i64)> = sqlx::query_as(
            "SELECT seq, at FROM (SELECT seq, at FROM changes WHERE board = $1 AND at < $2 \
             UNION ALL SELECT seq, at FROM segments WHERE board = $1 AND seq IS NOT NULL AND at < $2) AS log \
             ORDER BY seq DESC LIMIT 1",
        )
        .bind(name)
        .bind(before)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((seq, at)) = last.filter(|(seq, _)| *seq as u64 > from) else { return Ok(None) };
        let log = log_from(&mut tx, name, Some(seq as u64), Some(seq as u64)).await?;
        let mut snaps = Timeline::with_frames(log, usize::MAX).snaps_at(seq as u64);
        for snap in &mut snaps {
            snap.stroke.points = Vec::new();
        }
        let objects = snaps.len() as i64;
        let snaps = serde_json::to_string(&snaps).map_err(|e| corrupt("checkpoint", e))?;
        sqlx::query(&format!(
            "INSERT INTO checkpoints (board, seq, snaps, objects) VALUES ($1, $2, $3, $4) {REPLACE_CHECKPOINT}"
        ))
        .bind(name)
        .bind(seq)
        .bind(snaps)
        .bind(objects)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM changes WHERE board = $1 AND seq <= $2")
            .bind(name)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        // The points stay (they are the board's); they are no longer entries of its log.
        sqlx::query("UPDATE segments SET seq = NULL, at = NULL WHERE board = $1 AND seq <= $2")
            .bind(name)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM checkpoints WHERE board = $1 AND seq < $2")
            .bind(name)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE boards SET history_from = $1, history_since = $2 WHERE name = $3")
            .bind(seq)
            .bind(at)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(seq as u64))
    }

    /// Boards with history older than `before` (ms since the epoch).
    pub async fn boards_with_history_before(&self, before: i64) -> Result<Vec<BoardName>, StorageError> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM boards b WHERE \
             (SELECT min(at) FROM changes c WHERE c.board = b.name AND c.seq > b.history_from) < $1",
        )
        .bind(before)
        .fetch_all(&self.pool)
        .await?;
        names.into_iter().map(|n| BoardName::new(n.as_str()).map_err(|e| corrupt("board name", e))).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::domain::{Author, Change};
    use crate::protocol::{ClientId, Color, StrokeId, Tool};

    /// More changes than a checkpoint's spacing: the board at any seq, read
    /// back through the nearest checkpoint, is what replaying the whole log gives.
    #[tokio::test]
    async fn checkpoints_are_taken_and_rebuild_the_board_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let db = super::super::Database::for_test(dir.path()).await.unwrap();
        let storage = Storage::open(&db, Arc::default()).await.unwrap();
        let board = BoardName::new("h").unwrap();
        let client = ClientId::new("c").unwrap();
        let mut changes = Vec::new();
        for i in 0..3_400u32 {
            let id = StrokeId::new(format!("s{i}")).unwrap();
            let stroke = Stroke {
                id: id.clone(),
                user: "u".into(),
                color: Color::new("#123456").unwrap(),
                width: 2.0,
                tool: Tool::Pen,
                points: vec![i as f32, 0.0],
                text: None,
                transform: None,
                image: None,
            };
            changes.push(Change::StrokeStart { client: client.clone(), stroke });
            changes.push(Change::StrokePoints { id: id.clone(), n: 1, points: vec![1.0, i as f32, 2.0, 2.0] });
            changes.push(Change::StrokeEnd { id: id.clone() });
            if i % 7 == 6 {
                changes.push(Change::SetLive { ids: vec![id], live: false });
            }
        }
        let mut log = Vec::new();
        let mut durables = Vec::new();
        for (k, change) in changes.into_iter().enumerate() {
            let seq = k as u64 + 1;
            let op = change.op().unwrap();
            log.push(Logged { seq, at: 0, client: "c".into(), name: String::new(), event: String::new(), op });
            let by = Author { client: "c".into(), name: String::new(), event: "test" };
            durables.push(storage.submit(Applied { board: board.clone(), seq, change, by }));
        }
        for d in durables {
            d.await.unwrap();
        }
        let last = log.len() as u64;
        let checkpoints: Vec<i64> =
            sqlx::query_scalar("SELECT seq FROM checkpoints WHERE board = 'h'").fetch_all(&storage.pool).await.unwrap();
        assert!(!checkpoints.is_empty() && checkpoints.iter().all(|&c| c >= CHECKPOINT_EVERY), "{checkpoints:?}");
        let whole = Timeline::new(HistoryLog { from: 0, since: None, base: Vec::new(), changes: log });
        let checkpoint = checkpoints[0] as u64;
        for seq in [1, 2, 3, 5_000, checkpoint - 1, checkpoint, checkpoint + 1, checkpoint + 7, last - 1, last] {
            assert_eq!(storage.board_at(&board, seq).await.unwrap(), whole.strokes_at(seq), "seq {seq}");
        }
        let read = storage.history(&board).await.unwrap();
        assert_eq!(read.changes.len() as u64, last);
        assert_eq!(Timeline::new(read).strokes_at(last), whole.strokes_at(last));
        assert!(matches!(storage.board_at(&board, last + 1).await, Err(HistoryError::Future(_))));
        storage.close().await;
    }
}
