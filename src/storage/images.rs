//! Image blobs: stored once by the SHA-256 of their bytes, whichever board
//! they were uploaded to; each board's uploads, for its cap; and their
//! collection once nothing needs them.

use sqlx::Row;

use super::{Storage, StorageError};
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("INSERT OR IGNORE INTO images (hash, mime, width, height, bytes) VALUES (?, ?, ?, ?, ?)")
            .bind(hash)
            .bind(&image.mime)
            .bind(image.width)
            .bind(image.height)
            .bind(&image.bytes)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO board_images (board, hash, size) VALUES (?, ?, ?) \
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
            "SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes, coalesce(max(hash = ?), 0) AS has \
             FROM board_images WHERE board = ?",
        )
        .bind(hash)
        .bind(board.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get::<i64, _>("n")? as u64, row.try_get::<i64, _>("bytes")? as u64, row.try_get("has")?))
    }

    /// The hashes of the images uploaded to `board`.
    pub async fn image_hashes(&self, board: &BoardName) -> Result<Vec<String>, StorageError> {
        Ok(sqlx::query_scalar("SELECT hash FROM board_images WHERE board = ?")
            .bind(board.as_str())
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn image(&self, hash: &str) -> Result<Option<StoredImage>, StorageError> {
        let Some(row) = sqlx::query("SELECT mime, width, height, bytes FROM images WHERE hash = ?")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(StoredImage {
            mime: row.try_get("mime")?,
            width: row.try_get("width")?,
            height: row.try_get("height")?,
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "DELETE FROM board_images WHERE uploaded_at < unixepoch() - ? \
             AND board NOT IN (SELECT value FROM json_each(?)) AND NOT EXISTS \
             (SELECT 1 FROM strokes s WHERE s.board = board_images.board AND s.image = board_images.hash)",
        )
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
