//! Images on boards over HTTP: `POST /api/boards/{name}/images` takes one
//! PNG, JPEG, WebP or GIF (checked from its header, never decoded) from
//! someone who may draw there, within the size caps, and keeps it by the
//! SHA-256 of its bytes; `POST /api/boards/{name}/pdf` does the same with
//! a PDF's first pages, rendered; `GET /images/{hash}` serves an image,
//! immutable.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use sha2::{Digest, Sha256};

use std::net::SocketAddr;

use super::http::bearer_key;
use super::limits::client_ip;
use super::{pdf, AppState, BoardRef};
use axum::extract::ConnectInfo;

use crate::protocol::{is_image_hash, BoardName, Role, ValidationError};
use crate::storage::{StorageError, StoredImage};

/// Longest side of an image accepted, in pixels: the client scales larger
/// ones down to 2,048 before uploading.
pub const MAX_IMAGE_SIDE: usize = 8192;
/// Most images uploaded to one board.
pub const MAX_BOARD_IMAGES: u64 = 2000;

/// Why an upload or a download is refused; the message goes back as JSON.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{0}")]
    BadBoardName(#[from] ValidationError),
    /// A private board without a valid key, or an unknown image.
    #[error("not found")]
    NotFound,
    #[error("read-only: your link lets you watch this board, not add images to it")]
    ReadOnly,
    #[error("the image is larger than {max} bytes")]
    TooLarge { max: usize },
    #[error("this board holds {max} bytes of images already")]
    BoardFull { max: u64 },
    #[error("this board holds {MAX_BOARD_IMAGES} images already")]
    TooManyImages,
    #[error("too many uploads from your address; try again in {0} s")]
    TooMany(u64),
    #[error("the server is busy rendering other PDFs; try again in a minute")]
    Busy,
    #[error("only PNG, JPEG, WebP and GIF images are accepted")]
    Format,
    #[error("the image's header is broken: {0}")]
    Header(String),
    #[error("the image is {width}×{height} px: at most {MAX_IMAGE_SIDE} px a side")]
    Dimensions { width: usize, height: usize },
    #[error("not a PDF")]
    NotPdf,
    #[error("{0}")]
    Pdf(#[from] pdf::PdfError),
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
}

impl IntoResponse for ImageError {
    fn into_response(self) -> Response {
        let status = match &self {
            ImageError::BadBoardName(_) | ImageError::Header(_) | ImageError::Dimensions { .. } => {
                StatusCode::BAD_REQUEST
            }
            ImageError::NotFound => StatusCode::NOT_FOUND,
            ImageError::ReadOnly => StatusCode::FORBIDDEN,
            ImageError::TooLarge { .. } | ImageError::BoardFull { .. } | ImageError::TooManyImages => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ImageError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            ImageError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ImageError::Format | ImageError::NotPdf => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ImageError::Pdf(pdf::PdfError::Renderer(e)) => {
                tracing::error!(error = %e, "the PDF renderer could not run");
                StatusCode::INTERNAL_SERVER_ERROR
            }
            ImageError::Pdf(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ImageError::Storage(e) => {
                tracing::error!(error = %e, "image storage failed");
                return (StatusCode::INTERNAL_SERVER_ERROR, Json(serde_json::json!({ "error": "internal error" })))
                    .into_response();
            }
        };
        (status, Json(serde_json::json!({ "error": self.to_string() }))).into_response()
    }
}

/// What an upload answers: the hash to put in an `image` object, and its size.
#[derive(Debug, Serialize)]
pub struct Uploaded {
    pub hash: String,
    pub width: u32,
    pub height: u32,
}

/// The type and size of an image from its header.
fn inspect(bytes: &[u8]) -> Result<StoredImage, ImageError> {
    use imagesize::ImageType;
    let mime = match imagesize::image_type(bytes).map_err(|_| ImageError::Format)? {
        ImageType::Png => "image/png",
        ImageType::Jpeg => "image/jpeg",
        ImageType::Webp => "image/webp",
        ImageType::Gif => "image/gif",
        _ => return Err(ImageError::Format),
    };
    let size = imagesize::blob_size(bytes).map_err(|e| ImageError::Header(e.to_string()))?;
    let (width, height) = (size.width, size.height);
    if width == 0 || height == 0 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
        return Err(ImageError::Dimensions { width, height });
    }
    Ok(StoredImage { mime: mime.to_owned(), width: width as u32, height: height as u32, bytes: bytes.to_vec() })
}

/// The board someone who may add images to it names, or why not. The key
/// of the board's link, for a private or protected board, comes as
/// `Authorization: Bearer KEY`.
async fn writable_board(
    state: &AppState,
    name: &BoardName,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> Result<BoardRef, ImageError> {
    let ip = client_ip(headers, Some(peer), state.settings.trust_proxy);
    state.limits.upload(ip).map_err(ImageError::TooMany)?;
    let key = bearer_key(headers);
    let board = state.boards.enter(name).await?;
    {
        let board = board.lock();
        let access = board.access();
        match access.role_of(key.as_ref()) {
            None => return Err(ImageError::NotFound),
            Some(Role::Owner) => {}
            Some(Role::Edit) if !access.locked => {}
            Some(_) => return Err(ImageError::ReadOnly),
        }
    }
    Ok(board)
}

/// The body, unless it is over the size cap (the body limit, one byte
/// over the cap, refuses a longer one unread).
fn capped(state: &AppState, body: Result<Bytes, BytesRejection>) -> Result<Bytes, ImageError> {
    let max = state.settings.max_image_bytes;
    match body {
        Ok(body) if body.len() <= max => Ok(body),
        _ => Err(ImageError::TooLarge { max }),
    }
}

/// Keeps `images` for `board` within its cap, and lets its objects show them.
async fn keep(
    state: &AppState,
    name: &BoardName,
    board: &BoardRef,
    images: Vec<StoredImage>,
) -> Result<Vec<Uploaded>, ImageError> {
    let storage = state.boards.storage();
    let hashed: Vec<(String, StoredImage)> =
        images.into_iter().map(|image| (format!("{:x}", Sha256::digest(&image.bytes)), image)).collect();
    // Each image once, for the caps and the store; every one answered, in order.
    let mut unique: Vec<&(String, StoredImage)> = hashed.iter().collect();
    unique.sort_by(|a, b| a.0.cmp(&b.0));
    unique.dedup_by(|a, b| a.0 == b.0);
    let (mut count, mut held, mut new_count, mut new_bytes) = (0, 0, 0, 0);
    for (hash, image) in &unique {
        let (n, bytes, has) = storage.board_images(name, hash).await?;
        (count, held) = (n, bytes);
        if !has {
            new_count += 1;
            new_bytes += image.bytes.len() as u64;
        }
    }
    let max = state.settings.board_max_image_bytes;
    if new_bytes > 0 && held + new_bytes > max {
        return Err(ImageError::BoardFull { max });
    }
    if count + new_count > MAX_BOARD_IMAGES {
        return Err(ImageError::TooManyImages);
    }
    for (hash, image) in unique {
        storage.put_image(name, hash, image).await?;
        board.lock().allow_image(hash.clone());
    }
    Ok(hashed.into_iter().map(|(hash, image)| Uploaded { hash, width: image.width, height: image.height }).collect())
}

/// `POST /api/boards/{name}/images`: the body is the image.
pub async fn upload(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Uploaded>), ImageError> {
    let name = BoardName::new(name)?;
    let body = capped(&state, body)?;
    let board = writable_board(&state, &name, &headers, peer).await?;
    let image = inspect(&body)?;
    let mut kept = keep(&state, &name, &board, vec![image]).await?;
    Ok((StatusCode::CREATED, Json(kept.remove(0))))
}

/// `POST /api/boards/{name}/images/{hash}`: an image already on this
/// server (copied from another board) becomes the board's too, within its
/// caps, so a paste can show it; `404` for an unknown hash.
pub async fn adopt(
    State(state): State<AppState>,
    Path((name, hash)): Path<(String, String)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Json<Uploaded>, ImageError> {
    let name = BoardName::new(name)?;
    let board = writable_board(&state, &name, &headers, peer).await?;
    if !is_image_hash(&hash) {
        return Err(ImageError::NotFound);
    }
    let image = state.boards.storage().image(&hash).await?.ok_or(ImageError::NotFound)?;
    let mut kept = keep(&state, &name, &board, vec![image]).await?;
    Ok(Json(kept.remove(0)))
}

/// What a PDF upload answers: its first pages, as images.
#[derive(Debug, Serialize)]
pub struct Pages {
    pub pages: Vec<Uploaded>,
}

/// `POST /api/boards/{name}/pdf`: the body is a PDF; its first
/// `MAX_PDF_PAGES` pages become images of the board.
pub async fn upload_pdf(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Pages>), ImageError> {
    let name = BoardName::new(name)?;
    let body = capped(&state, body)?;
    let board = writable_board(&state, &name, &headers, peer).await?;
    if !pdf::is_pdf(&body) {
        return Err(ImageError::NotPdf);
    }
    let settings = &state.settings;
    let renderer = match &settings.pdf_renderer {
        Some(path) => path.clone(),
        None => std::env::current_exe().map_err(pdf::PdfError::from)?,
    };
    let deadline = std::time::Duration::from_secs(settings.pdf_seconds);
    // One PDF renders at a time; the next waits, as long as a render may take.
    let _turn = tokio::time::timeout(deadline, state.pdf_renders.acquire())
        .await
        .map_err(|_| ImageError::Busy)?
        .map_err(|_| ImageError::Busy)?;
    let limits = pdf::Limits { memory_mib: settings.pdf_memory_mib, deadline, page_bytes: settings.max_image_bytes };
    let pngs = pdf::render_isolated(&renderer, &body, &limits).await?;
    let pages = pngs.iter().map(|png| inspect(png)).collect::<Result<Vec<_>, _>>()?;
    let pages = keep(&state, &name, &board, pages).await?;
    Ok((StatusCode::CREATED, Json(Pages { pages })))
}

/// `GET /images/{hash}`: the image, cached for good (its address is its content).
pub async fn serve(State(state): State<AppState>, Path(hash): Path<String>) -> Result<Response, ImageError> {
    if !is_image_hash(&hash) {
        return Err(ImageError::NotFound);
    }
    let image = state.boards.storage().image(&hash).await?.ok_or(ImageError::NotFound)?;
    let mut response = image.bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(mime) = HeaderValue::from_str(&image.mime) {
        headers.insert(header::CONTENT_TYPE, mime);
    }
    // `private`: a shared cache does not keep a private board's images.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=31536000, immutable"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_decide_what_is_accepted() {
        let png = [
            &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13][..],
            b"IHDR",
            &[0, 0, 0, 40, 0, 0, 0, 30, 8, 6, 0, 0, 0],
        ]
        .concat();
        let image = inspect(&png).unwrap();
        assert_eq!((image.mime.as_str(), image.width, image.height), ("image/png", 40, 30));
        assert!(matches!(inspect(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), Err(ImageError::Format)));
        assert!(matches!(inspect(b"GIF89a\x00\x00\x00\x00\x00\x00\x00"), Err(ImageError::Dimensions { .. })));
        let huge = [&png[..16], &[0, 0, 0x40, 0, 0, 0, 0, 1]].concat();
        assert!(matches!(inspect(&huge), Err(ImageError::Dimensions { width: 16384, height: 1 })));
    }
}
