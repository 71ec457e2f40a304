//! A board's past over HTTP: its whole history for the History panel
//! (`GET /api/boards/{name}/history`), the board as it was at a seq (the
//! `?at=` of `GET /api/boards/{name}`), and a read-only page of that version
//! (`/b/{name}?at=SEQ`) that needs no JavaScript. Each answers as the board's
//! access mode allows: a private board only to a request with its key
//! (`Authorization: Bearer`).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::http::{bearer_key, ApiError};
use super::web::request_locale;
use super::AppState;
use crate::domain::KeyHash;
use crate::i18n::Texts;
use crate::ink;
use crate::protocol::{BoardName, Stroke};
use crate::storage::HistoryError;

/// `?at=SEQ`.
#[derive(Debug, Deserialize)]
pub struct At {
    pub at: Option<u64>,
}

/// What the request is told when `name`'s past cannot be read.
fn refused(name: &BoardName) -> impl Fn(HistoryError) -> ApiError + '_ {
    move |e| match e {
        HistoryError::NoBoard => ApiError::NotFound,
        // Too many past versions being read at once: later.
        HistoryError::Storage(crate::storage::StorageError::Busy) => ApiError::Unavailable("busy".into()),
        HistoryError::Storage(source) => ApiError::Storage { board: name.clone(), source },
        e => ApiError::Version(e),
    }
}

/// Opens `name` for a request carrying `key`; a private board without it
/// is not found. Returns its current seq.
async fn open(state: &AppState, name: &BoardName, key: Option<KeyHash>) -> Result<u64, ApiError> {
    let (seq, access) =
        state.boards.access(name).await.map_err(|source| ApiError::Storage { board: name.clone(), source })?;
    if access.role_of(key.as_ref()).is_none() {
        return Err(ApiError::NotFound);
    }
    Ok(seq)
}

/// Waits until everything submitted for `name` is stored; while storage
/// fails, says so at once instead.
async fn settled(state: &AppState, name: &BoardName) -> Result<(), ApiError> {
    let storage = state.boards.storage();
    if let Some((_, error)) = storage.failing() {
        return Err(ApiError::Unavailable(error));
    }
    storage.flush().await.map_err(|source| ApiError::Storage { board: name.clone(), source })
}

/// What showed on `name` at `at`, once everything before is stored.
pub(super) async fn strokes_at(state: &AppState, name: &BoardName, at: u64) -> Result<Vec<Stroke>, ApiError> {
    settled(state, name).await?;
    state.boards.storage().board_at(name, at).await.map_err(refused(name))
}

/// `GET /api/boards/{name}/history`: everything kept of the board's past,
/// to replay it from its first change (or from where it was compacted).
/// Gzipped for clients that take it: the log repeats itself a lot (a 1M-point
/// board's is about 50 MB of JSON, 7 gzipped).
pub async fn history_json(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let name = BoardName::new(name)?;
    open(&state, &name, bearer_key(&headers)).await?;
    settled(&state, &name).await?;
    let log = state.boards.storage().history(&name).await.map_err(refused(&name))?;
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    if !gzip {
        return Ok(Json(log).into_response());
    }
    let body = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        serde_json::to_writer(&mut encoder, &log).map_err(std::io::Error::from)?;
        encoder.flush()?;
        encoder.finish()
    })
    .await
    .map_err(std::io::Error::other)
    .and_then(|r| r)
    .map_err(ApiError::Compress)?;
    let headers = [
        (header::CONTENT_TYPE, "application/json"),
        (header::CONTENT_ENCODING, "gzip"),
        (header::VARY, "Accept-Encoding"),
    ];
    Ok((headers, body).into_response())
}

/// `/b/{name}?at=SEQ`: the board as it was then, as a page of its own:
/// read-only, with a link to the live board.
pub async fn past_page(state: AppState, name: String, at: At, headers: HeaderMap) -> Response {
    let t = Texts::of(request_locale(&headers));
    // A private board's past shows only to a request with its key; a page
    // cannot carry one without JavaScript (keys never go in a query), so its
    // History panel and the API are the way.
    let key = bearer_key(&headers);
    let seq = at.at.unwrap_or_default();
    let shown = async {
        let name = BoardName::new(name.as_str())?;
        open(&state, &name, key).await?;
        strokes_at(&state, &name, seq).await
    };
    let (status, body) = match shown.await {
        Ok(strokes) => {
            let svg = ink::svg_document(&strokes, 40.0, &|hash| ink::image_path(hash));
            let title = t.fill("history.past", &[("board", &name), ("seq", &seq)]);
            (StatusCode::OK, format!("<h1>{}</h1>{svg}", escape(&title)))
        }
        Err(e) => {
            let status = e.status();
            (status, format!("<h1>{}</h1>", escape(&e.to_string())))
        }
    };
    let live = escape(&format!("/b/{name}"));
    let html = format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <style>body{{font-family:system-ui,sans-serif;margin:1rem;color:#1e1e1e}}\
         h1{{font-size:1.1rem;font-weight:600}}svg{{max-width:100%;height:auto;border:1px solid #ddd;border-radius:8px}}</style>\
         </head><body>{body}<p><a href=\"{live}\">{back}</a></p></body></html>",
        lang = t.locale().tag(),
        title = escape(&name),
        back = escape(t.get("history.live")),
    );
    // The security headers (a CSP without scripts) come as for every page.
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
