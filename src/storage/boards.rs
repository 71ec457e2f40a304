//! Boards as a whole: their access settings and keys, creating, listing,
//! deleting and expiring them. Used by the writer (ordered with the board's
//! changes), by the server and by the operator's `scrawl board` commands,
//! which may run next to a server on the same database.

use sqlx::{AnyConnection, Row};

use super::{corrupt, flag, Storage, StorageError};
use crate::domain::{BoardAccess, KeyHash};
use crate::protocol::{BoardName, Mode, Role};

/// One line of `scrawl boards`.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardSummary {
    pub name: String,
    pub mode: String,
    pub live_strokes: i64,
    pub points: i64,
    /// Bytes of the board's point data.
    pub bytes: i64,
    /// Unix time of the last change.
    pub active_at: i64,
}

/// A board's access settings, or `None` if it has no row.
pub(super) async fn read_access(
    conn: &mut AnyConnection,
    name: &BoardName,
) -> Result<Option<BoardAccess>, StorageError> {
    let Some(row) = sqlx::query("SELECT mode, locked, generation, access_version FROM boards WHERE name = $1")
        .bind(name.as_str())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mode: String = row.try_get("mode")?;
    let keys = sqlx::query("SELECT role, hash FROM board_keys WHERE board = $1 ORDER BY role")
        .bind(name.as_str())
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|row| {
            let role: String = row.try_get("role")?;
            let role = Role::parse(&role).ok_or_else(|| corrupt("key role", &role))?;
            Ok((role, KeyHash::stored(row.try_get("hash")?)))
        })
        .collect::<Result<_, StorageError>>()?;
    Ok(Some(BoardAccess {
        mode: Mode::parse(&mode).ok_or_else(|| corrupt("board mode", &mode))?,
        locked: flag(&row, "locked")?,
        generation: u32::try_from(row.try_get::<i64, _>("generation")?).map_err(|_| corrupt("generation", name))?,
        version: u64::try_from(row.try_get::<i64, _>("access_version")?)
            .map_err(|_| corrupt("access version", name))?,
        keys,
    }))
}

/// Writes a board's access settings, creating its row if needed, unless
/// the stored ones are as new or newer (the operator changed them
/// meanwhile: theirs win). Returns whether it wrote them.
pub(super) async fn write_access(
    conn: &mut AnyConnection,
    name: &BoardName,
    access: &BoardAccess,
) -> Result<bool, sqlx::Error> {
    let written = sqlx::query(
        "INSERT INTO boards (name, mode, locked, generation, access_version, active_at) \
         VALUES ($1, $2, $3, $4, $5, unixepoch()) \
         ON CONFLICT (name) DO UPDATE SET mode = excluded.mode, locked = excluded.locked, \
         generation = excluded.generation, access_version = excluded.access_version \
         WHERE boards.access_version < excluded.access_version",
    )
    .bind(name.as_str())
    .bind(access.mode.as_str())
    .bind(i64::from(access.locked))
    .bind(i64::from(access.generation))
    .bind(access.version as i64)
    .execute(&mut *conn)
    .await?;
    if written.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM board_keys WHERE board = $1").bind(name.as_str()).execute(&mut *conn).await?;
    for (role, hash) in &access.keys {
        sqlx::query("INSERT INTO board_keys (board, role, hash) VALUES ($1, $2, $3)")
            .bind(name.as_str())
            .bind(role.as_str())
            .bind(hash.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(true)
}

/// Deletes everything of a board and leaves its name in `deleted_boards`,
/// so that a server holding it open drops it and writes nothing more to it.
pub(super) async fn delete_rows(conn: &mut AnyConnection, name: &BoardName) -> Result<bool, sqlx::Error> {
    for table in ["segments", "strokes", "board_keys", "board_images", "changes", "checkpoints"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE board = $1")).bind(name.as_str()).execute(&mut *conn).await?;
    }
    let deleted = sqlx::query("DELETE FROM boards WHERE name = $1").bind(name.as_str()).execute(&mut *conn).await?;
    sqlx::query(
        "INSERT INTO deleted_boards (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET deleted_at = unixepoch()",
    )
    .bind(name.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(deleted.rows_affected() > 0)
}

impl Storage {
    /// Creates a board with these settings; `false` if it exists already,
    /// or was deleted moments ago: a server may still hold the old one open
    /// until it notices (within `FOLLOW`, 5 s).
    pub async fn create_board(&self, name: &BoardName, access: &BoardAccess) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin_with(self.engine.begin()).await?;
        let just_deleted: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM deleted_boards WHERE name = $1 AND deleted_at > unixepoch() - 10")
                .bind(name.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        if just_deleted.is_some() || read_access(&mut tx, name).await?.is_some() {
            return Ok(false);
        }
        sqlx::query("DELETE FROM deleted_boards WHERE name = $1").bind(name.as_str()).execute(&mut *tx).await?;
        // On PostgreSQL another node may create it at the same moment: only
        // the one whose row went in made it.
        let created = write_access(&mut tx, name, access).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// A board's access settings as stored, or `None` if it was never written.
    pub async fn access(&self, name: &BoardName) -> Result<Option<BoardAccess>, StorageError> {
        read_access(&mut *self.pool.acquire().await?, name).await
    }

    /// Changes the stored settings of an existing board in one transaction,
    /// as a new version (the operator's `scrawl board links`); `None` if
    /// there is no such board.
    pub async fn change_access<R>(
        &self,
        name: &BoardName,
        change: impl FnOnce(&mut BoardAccess) -> R,
    ) -> Result<Option<R>, StorageError> {
        let mut tx = self.pool.begin_with(self.engine.begin()).await?;
        let Some(mut access) = read_access(&mut tx, name).await? else { return Ok(None) };
        let result = change(&mut access);
        access.changed();
        write_access(&mut tx, name, &access).await?;
        tx.commit().await?;
        Ok(Some(result))
    }

    /// Forgets deletions older than a minute: every server has closed
    /// those boards by then.
    pub async fn prune_deleted(&self) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM deleted_boards WHERE deleted_at < unixepoch() - 60").execute(&self.pool).await?;
        Ok(())
    }

    /// Deletes a board and everything on it; `false` if there was none.
    pub async fn delete_board(&self, name: &BoardName) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin().await?;
        let deleted = delete_rows(&mut tx, name).await?;
        tx.commit().await?;
        Ok(deleted)
    }

    /// Boards deleted (by the operator, or by expiry) that a server may still
    /// hold open.
    pub async fn deleted_boards(&self) -> Result<Vec<String>, StorageError> {
        Ok(sqlx::query_scalar("SELECT name FROM deleted_boards").fetch_all(&self.pool).await?)
    }

    /// Forgets that a board was deleted: its name starts afresh.
    pub async fn forget_deleted(&self, name: &BoardName) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM deleted_boards WHERE name = $1").bind(name.as_str()).execute(&self.pool).await?;
        Ok(())
    }

    /// Every board, by name, with what it holds.
    pub async fn boards(&self) -> Result<Vec<BoardSummary>, StorageError> {
        let rows = sqlx::query(
            "SELECT b.name, b.mode, b.active_at, \
               (SELECT count(*) FROM strokes s WHERE s.board = b.name AND s.live = 1) AS live, \
               CAST(coalesce((SELECT sum(length(g.points)) FROM segments g JOIN strokes s \
                   ON s.board = g.board AND s.id = g.stroke WHERE g.board = b.name AND s.live = 1), 0) AS BIGINT) \
                   AS live_bytes, \
               CAST(coalesce((SELECT sum(length(g.points)) FROM segments g WHERE g.board = b.name), 0) AS BIGINT) \
                   AS bytes \
             FROM boards b ORDER BY b.name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(BoardSummary {
                    name: row.try_get("name")?,
                    mode: row.try_get("mode")?,
                    live_strokes: row.try_get("live")?,
                    // Two f32s per point.
                    points: row.try_get::<i64, _>("live_bytes")? / 8,
                    bytes: row.try_get("bytes")?,
                    active_at: row.try_get("active_at")?,
                })
            })
            .collect()
    }

    /// Boards with no change since `before` (unix time).
    pub async fn idle_boards(&self, before: i64) -> Result<Vec<BoardName>, StorageError> {
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM boards WHERE active_at < $1")
            .bind(before)
            .fetch_all(&self.pool)
            .await?;
        names.into_iter().map(|n| BoardName::new(n.as_str()).map_err(|e| corrupt("board name", e))).collect()
    }
}
