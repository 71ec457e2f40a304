//! Operator tasks on a database: an online, consistent backup and a check
//! of every invariant the server relies on.

use std::path::Path;

use sqlx::Row;

use super::{Engine, Storage, StorageError};
use crate::protocol::{BoardName, MAX_POINTS_PER_STROKE};

/// One broken invariant, described for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem(pub String);

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Queries whose rows are each a broken invariant, with what they mean.
const CHECKS: &[(&str, &str)] = &[
    (
        "SELECT board || '/' || stroke FROM segments s WHERE NOT EXISTS \
         (SELECT 1 FROM strokes t WHERE t.board = s.board AND t.id = s.stroke)",
        "points without their stroke",
    ),
    (
        "SELECT board || '/' || stroke FROM segments GROUP BY board, stroke HAVING count(*) != max(n) + 1 OR min(n) != 0",
        "a stroke's point batches are not 0, 1, 2, … without gaps",
    ),
    (
        "SELECT board || '/' || id FROM strokes t WHERE NOT EXISTS \
         (SELECT 1 FROM segments s WHERE s.board = t.board AND s.stroke = t.id AND s.n = 0)",
        "a stroke without its first batch",
    ),
    ("SELECT board || '/' || stroke || '/' || n FROM segments WHERE length(points) % 8 != 0", "a batch that is not x, y pairs"),
    (
        "SELECT b.name FROM boards b JOIN strokes t ON t.board = b.name GROUP BY b.name HAVING max(t.seq) > b.seq",
        "a board whose seq is behind its strokes",
    ),
    ("SELECT board || '/' || id FROM strokes WHERE open NOT IN (0, 1) OR live NOT IN (0, 1)", "a flag that is not 0 or 1"),
    ("SELECT board || '/' || id FROM strokes WHERE board NOT IN (SELECT name FROM boards)", "a stroke without its board"),
    (
        "SELECT board || '/' || role FROM board_keys \
         WHERE role NOT IN ('owner', 'edit', 'view') OR board NOT IN (SELECT name FROM boards)",
        "a link key of an unknown role or without its board",
    ),
];

impl Storage {
    /// Writes a consistent copy of the database to `file` (which must not
    /// exist) while the server keeps running.
    pub async fn backup(&self, file: &Path) -> Result<(), StorageError> {
        if self.engine == Engine::Postgres {
            return Err(StorageError::Unsupported("backing up PostgreSQL: use pg_dump"));
        }
        if file.exists() {
            return Err(StorageError::Exists(file.to_path_buf()));
        }
        sqlx::query("VACUUM INTO $1").bind(file.to_string_lossy().as_ref()).execute(&self.pool).await?;
        Ok(())
    }

    /// Every broken invariant: SQLite's own integrity check, the schema's
    /// relations, and every board read back as the server would.
    pub async fn check(&self) -> Result<Vec<Problem>, StorageError> {
        let mut problems = Vec::new();
        let integrity = match self.engine {
            Engine::Sqlite => sqlx::query("PRAGMA integrity_check").fetch_all(&self.pool).await?,
            Engine::Postgres => Vec::new(),
        };
        for row in integrity {
            let line: String = row.try_get(0)?;
            if line != "ok" {
                problems.push(Problem(format!("integrity: {line}")));
            }
        }
        for (query, meaning) in CHECKS {
            for row in sqlx::query(query).fetch_all(&self.pool).await? {
                let at: String = row.try_get(0)?;
                problems.push(Problem(format!("{meaning}: {at}")));
            }
        }
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM boards").fetch_all(&self.pool).await?;
        for name in names {
            let Ok(board) = BoardName::new(name.as_str()) else {
                problems.push(Problem(format!("an invalid board name: {name:?}")));
                continue;
            };
            match self.load(&board).await {
                Ok(Some(stored)) => {
                    for s in stored.strokes.iter().filter(|s| s.stroke.points.len() / 2 > MAX_POINTS_PER_STROKE) {
                        problems.push(Problem(format!("a stroke over the point limit: {name}/{}", s.stroke.id)));
                    }
                }
                Ok(None) => {}
                Err(e) => problems.push(Problem(format!("board {name} cannot be read: {e}"))),
            }
        }
        Ok(problems)
    }
}
