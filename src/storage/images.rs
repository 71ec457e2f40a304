//! Image blobs: stored once by the SHA-256 of their bytes, whichever board
//! they were uploaded to; each board's uploads, for its cap; and their
//! collection once nothing needs them.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{corrupt, Engine, Storage, StorageError};
use crate::protocol::BoardName;

/// An image as stored: its type and size, and its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredImage {
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// How long an uploaded image waits for an object to show it before it
/// may be collected, in seconds.
pub const UPLOAD_GRACE_SECS: i64 = 3600;

impl Storage {
    /// Keeps `image` under `hash` for `board` (the bytes are stored once,
    /// whoever uploads them).
    pub async fn put_image(&self, board: &BoardName, hash: &str, image: &StoredImage) -> Result<(), StorageError> {
        let mut tx = self.pool.begin_with(self.engine.begin()).await?;
        sqlx::query(
            "INSERT INTO images (hash, mime, width, height, bytes) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(hash)
        .bind(&image.mime)
        .bind(i64::from(image.width))
        .bind(i64::from(image.height))
        .bind(&image.bytes)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO board_images (board, hash, size) VALUES ($1, $2, $3) \
             ON CONFLICT (board, hash) DO UPDATE SET uploaded_at = unixepoch()",
        )
        .bind(board.as_str())
        .bind(hash)
        .bind(image.bytes.len() as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many images were uploaded to `board` and their bytes, and whether `hash` is among them.
    pub async fn board_images(&self, board: &BoardName, hash: &str) -> Result<(u64, u64, bool), StorageError> {
        let row = sqlx::query(
            "SELECT count(*) AS n, CAST(coalesce(sum(size), 0) AS BIGINT) AS bytes, \
             coalesce(max(CASE WHEN hash = $1 THEN 1 ELSE 0 END), 0) AS has \
             FROM board_images WHERE board = $2",
        )
        .bind(hash)
        .bind(board.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get::<i64, _>("n")? as u64, row.try_get::<i64, _>("bytes")? as u64, super::flag(&row, "has")?))
    }

    /// The hashes of the images uploaded to `board`.
    pub async fn image_hashes(&self, board: &BoardName) -> Result<Vec<String>, StorageError> {
        Ok(sqlx::query_scalar("SELECT hash FROM board_images WHERE board = $1")
            .bind(board.as_str())
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn image(&self, hash: &str) -> Result<Option<StoredImage>, StorageError> {
        let Some(row) = sqlx::query("SELECT mime, width, height, bytes FROM images WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(StoredImage {
            mime: row.try_get("mime")?,
            width: dimension(&row, "width")?,
            height: dimension(&row, "height")?,
            bytes: row.try_get("bytes")?,
        }))
    }

    /// Forgets uploads older than `grace` seconds that no object of their
    /// board shows, live or removed (an undo may bring it back), but those
    /// of the boards in `open` (a server may hold objects there not yet
    /// written); then the blobs no board holds. Returns how many blobs went.
    pub async fn collect_images(&self, grace: i64, open: &[BoardName]) -> Result<u64, StorageError> {
        let open = serde_json::to_string(&open.iter().map(BoardName::as_str).collect::<Vec<_>>())
            .map_err(|e| StorageError::Corrupt(e.to_string()))?;
        let open_boards = match self.engine {
            Engine::Sqlite => "SELECT value FROM json_each($2)",
            Engine::Postgres => "SELECT json_array_elements_text(CAST($2 AS json))",
        };
        let mut tx = self.pool.begin_with(self.engine.begin()).await?;
        sqlx::query(&format!(
            "DELETE FROM board_images WHERE uploaded_at < unixepoch() - $1 \
             AND board NOT IN ({open_boards}) AND NOT EXISTS \
             (SELECT 1 FROM strokes s WHERE s.board = board_images.board AND s.image = board_images.hash)",
        ))
        .bind(grace)
        .bind(open)
        .execute(&mut *tx)
        .await?;
        let gone = sqlx::query(
            "DELETE FROM images WHERE NOT EXISTS (SELECT 1 FROM board_images b WHERE b.hash = images.hash)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(gone.rows_affected())
    }
}

/// An image's width or height as stored.
fn dimension(row: &AnyRow, column: &str) -> Result<u32, StorageError> {
    let value: i64 = row.try_get(column)?;
    u32::try_from(value).map_err(|_| corrupt("image size", value))
}
