//! HTTP routes besides Socket.IO: the board page (server-rendered with its
//! drawing inline as SVG), `/new`, `/go`, the board's JSON, `/healthz` and
//! `/metrics`. A failure answers with an [`ApiError`]: a generic message to
//! the client, the detail in the log.

use axum::body::Body;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use leptos::prelude::provide_context;
use serde::{Deserialize, Serialize};

use super::limits::{client_ip, AdmissionError};
use super::web::{provide_request_context, request_locale};
use super::AppState;
use crate::domain::{BoardAccess, KeyHash, MAX_KEY};
use crate::i18n::{Locale, Texts, COOKIE};
use crate::ink;
use crate::protocol::{BoardName, Stroke, ValidationError, MAX_BOARD_NAME};
use crate::storage::StorageError;
use crate::ui::{shell, FirstPaint};

/// Why an HTTP request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadBoardName(#[from] ValidationError),
    #[error("Cannot open board {input:?}: {why}")]
    CannotOpen { input: String, why: ValidationError },
    #[error("board {board} is unavailable: {source}")]
    Storage { board: BoardName, source: StorageError },
    /// A private board without a valid key: indistinguishable from none.
    #[error("no such board")]
    NotFound,
    #[error("{0}")]
    TooMany(#[from] AdmissionError),
    /// A past version that is not kept (compacted) or not made yet.
    #[error("{0}")]
    Version(crate::storage::HistoryError),
    #[error("could not compress the answer: {0}")]
    Compress(std::io::Error),
    /// Storage fails for now (a full disk): the past cannot be read until it recovers.
    #[error("storage is unavailable; retry later")]
    Unavailable(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        use crate::storage::HistoryError;
        match self {
            ApiError::BadBoardName(_) | ApiError::CannotOpen { .. } => StatusCode::BAD_REQUEST,
            ApiError::NotFound | ApiError::Version(HistoryError::Future(_)) => StatusCode::NOT_FOUND,
            ApiError::Version(HistoryError::Compacted { .. }) => StatusCode::GONE,
            ApiError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Storage { .. } | ApiError::Version(_) | ApiError::Compress(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = self.to_string();
        match self {
            ApiError::BadBoardName(_) | ApiError::NotFound | ApiError::Version(_) | ApiError::Unavailable(_) => {
                (self.status(), Json(ErrorBody { error: message })).into_response()
            }
            ApiError::CannotOpen { .. } | ApiError::TooMany(_) => (self.status(), message).into_response(),
            ApiError::Storage { .. } | ApiError::Compress(_) => {
                tracing::error!(error = %message, "request failed");
                let error = "internal error".to_string();
                (StatusCode::INTERNAL_SERVER_ERROR, Json(ErrorBody { error })).into_response()
            }
        }
    }
}

#[derive(Serialize)]
struct ErrorBody {
    error: String,
}

/// The server-rendered picture leaves out points closer than this (board px)
/// to the previous one, and thins strokes evenly to keep about
/// `FIRST_PAINT_BUDGET` points; the canvas then takes over with every point.
const FIRST_PAINT_MIN_STEP: f32 = 1.5;
const FIRST_PAINT_BUDGET: usize = 25_000;
/// It shows at most the latest `FIRST_PAINT_STROKES` strokes, and nothing
/// when their SVG would still be larger than `FIRST_PAINT_BYTES` (many
/// long, scattered strokes); the canvas then draws the board once synced.
const FIRST_PAINT_STROKES: usize = 5_000;
const FIRST_PAINT_BYTES: usize = 1 << 20;

/// The first paint of a board: bounded in points, strokes and bytes.
fn first_paint(strokes: &[Stroke]) -> Option<FirstPaint> {
    let shown = &strokes[strokes.len().saturating_sub(FIRST_PAINT_STROKES)..];
    // Texts alone over the byte budget: not worth laying out.
    if shown.iter().filter_map(|s| s.text.as_ref()).map(String::len).sum::<usize>() > FIRST_PAINT_BYTES {
        return None;
    }
    let detail = ink::Detail::within(shown, FIRST_PAINT_BUDGET, FIRST_PAINT_MIN_STEP);
    let svg = ink::svg_body(shown, detail);
    (svg.len() <= FIRST_PAINT_BYTES).then_some(FirstPaint(svg))
}

/// `/b/{name}`: the Leptos page, with the board's current drawing inline as
/// SVG so it shows before (and without) wasm.
pub async fn board_page(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(at): Query<super::history::At>,
    req: Request<Body>,
) -> Response {
    if at.at.is_some() {
        return super::history::past_page(state, name, at, req.headers().clone()).await;
    }
    let valid = BoardName::new(name.as_str()).is_ok();
    let first_paint = match BoardName::new(name) {
        Err(_) => None,
        // A private board is filled by the client once its key is checked.
        Ok(name) => match state.boards.first_paint(&name, first_paint).await {
            Ok(paint) => paint,
            Err(e) => {
                tracing::error!(error = %e, board = %name, "loading the first paint failed");
                None
            }
        },
    };
    let site = state.site.clone();
    let render = leptos_axum::render_app_to_stream_with_context(
        move || {
            provide_request_context();
            if let Some(paint) = first_paint.clone() {
                provide_context(paint);
            }
        },
        move || shell(site.clone()),
    );
    let mut response = render(req).await.into_response();
    if !valid {
        // The page still says why, but no such board can exist.
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    response
}

/// `GET /healthz`: 200 while storage works, 503 saying why while it fails
/// (or, in a cluster, while this node has lost its boards' leases).
pub async fn healthz(State(state): State<AppState>) -> Response {
    let storage = state.boards.storage();
    match storage.failing() {
        None if storage.leases().is_some_and(|l| l.is_lost()) => {
            let message = "the lease connection to the database is down; boards wait for it\n";
            (StatusCode::SERVICE_UNAVAILABLE, message).into_response()
        }
        None => (StatusCode::OK, "ok\n").into_response(),
        Some((since, error)) => {
            let message = format!("storage failing for {} s: {error}\n", since.elapsed().as_secs());
            (StatusCode::SERVICE_UNAVAILABLE, message).into_response()
        }
    }
}

/// `GET /metrics`: the Prometheus text exposition.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let body = state.metrics.render(state.boards.open_count());
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], body).into_response()
}

impl ApiError {
    /// The error as a person in a browser reads it (after the home page's
    /// form or `/new`), in their language.
    fn told(self, t: &Texts) -> Response {
        match &self {
            ApiError::CannotOpen { input, why } => {
                let text = t.fill("error.cannot_open", &[("input", input), ("why", &t.name_error(why))]);
                (StatusCode::BAD_REQUEST, text).into_response()
            }
            ApiError::TooMany(AdmissionError::NewBoards(seconds)) => {
                (StatusCode::TOO_MANY_REQUESTS, t.fill("error.too_many_boards", &[("seconds", seconds)]))
                    .into_response()
            }
            _ => self.into_response(),
        }
    }
}

/// A new board with a random, unguessable name, owned by whoever made it:
/// the owner key travels in the fragment, which the browser keeps and never
/// sends back.
pub async fn new_board(State(state): State<AppState>, creator: Creator) -> Result<Redirect, Response> {
    use rand::distr::{Alphanumeric, SampleString};
    let t = &creator.texts;
    let name =
        BoardName::new(Alphanumeric.sample_string(&mut rand::rng(), 20)).map_err(|e| ApiError::from(e).told(t))?;
    claim(&state, &creator, name).await.and_then(|r| r.ok_or(ApiError::NotFound)).map_err(|e| e.told(t))
}

/// Who asks for a new board: their address, to bound how many they make,
/// and their language, to tell them why not.
pub struct Creator {
    ip: IpAddr,
    texts: Texts,
}

impl FromRequestParts<AppState> for Creator {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
        let ip = client_ip(&parts.headers, peer, state.settings.trust_proxy);
        Ok(Creator { ip, texts: Texts::of(request_locale(&parts.headers)) })
    }
}

/// Creates `name` with an owner key and redirects its creator there with
/// the key; `None` if the board exists already.
async fn claim(state: &AppState, creator: &Creator, name: BoardName) -> Result<Option<Redirect>, ApiError> {
    // In a cluster, only the board's holder may tell whether it is open:
    // held by another node, it may be in use there.
    let _held = match state.boards.storage().leases() {
        Some(leases) => match leases.acquire(&name).await {
            Ok(crate::storage::leases::Holder::Here(lease)) => Some(lease),
            _ => return Ok(None),
        },
        None => None,
    };
    // People on a board that is not stored yet (nobody drew) are using it.
    if state.boards.is_open(&name) {
        return Ok(None);
    }
    if state
        .boards
        .storage()
        .access(&name)
        .await
        .map_err(|source| ApiError::Storage { board: name.clone(), source })?
        .is_some()
    {
        return Ok(None);
    }
    state.limits.new_board(creator.ip)?;
    let mut access = BoardAccess::default();
    let links = access.new_links();
    access.changed();
    match state.boards.storage().create_board(&name, &access).await {
        Ok(true) => Ok(Some(Redirect::to(&format!("/b/{name}#k={}", links.owner)))),
        Ok(false) => Ok(None),
        Err(source) => Err(ApiError::Storage { board: name, source }),
    }
}

#[derive(Deserialize)]
pub struct LanguageChoice {
    lang: String,
    #[serde(default)]
    back: String,
}

/// `/language?lang=TAG&back=PATH`, the language menu: keeps the choice in
/// the `scrawl-lang` cookie for a year (an unknown tag changes nothing) and
/// sends the browser back to `PATH`, a page of this site only.
pub async fn choose_language(Query(choice): Query<LanguageChoice>) -> Response {
    let back = &choice.back;
    let local = back.starts_with('/')
        && !back.starts_with("//")
        && back.len() <= 256
        && back.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    let mut response = Redirect::to(if local { back } else { "/" }).into_response();
    if let Some(locale) = Locale::from_tag(&choice.lang) {
        let cookie = format!("{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly", locale.tag());
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    response
}

#[derive(Deserialize)]
pub struct Go {
    board: String,
}

/// The home page's "open board" form: tidies the name and redirects; a
/// board that does not exist yet is created, owned by whoever named it.
pub async fn go_to_board(
    State(state): State<AppState>,
    creator: Creator,
    Query(go): Query<Go>,
) -> Result<Redirect, Response> {
    let t = &creator.texts;
    let name = BoardName::new(tidy_board_name(&go.board))
        .map_err(|why| ApiError::CannotOpen { input: go.board, why }.told(t))?;
    let open = Redirect::to(&format!("/b/{name}"));
    Ok(claim(&state, &creator, name).await.map_err(|e| e.told(t))?.unwrap_or(open))
}

/// Spaces become dashes; characters a board name cannot hold are dropped.
pub fn tidy_board_name(input: &str) -> String {
    input
        .trim()
        .chars()
        .map(|c| if c.is_whitespace() { '-' } else { c })
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(MAX_BOARD_NAME)
        .collect()
}

#[derive(Serialize)]
pub struct BoardJson {
    name: BoardName,
    seq: u64,
    strokes: Vec<Stroke>,
}

/// The key of a board's link a request carries as `Authorization: Bearer KEY`.
pub(super) fn bearer_key(headers: &HeaderMap) -> Option<KeyHash> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|key| key.len() <= MAX_KEY)
        .map(|key| KeyHash::of(key.trim()))
}

/// `GET /api/boards/{name}`: the board's live strokes, for scripts and
/// backup. A private board answers only to `Authorization: Bearer KEY`.
pub async fn board_json(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(at): Query<super::history::At>,
    headers: HeaderMap,
) -> Result<Json<BoardJson>, ApiError> {
    let name = BoardName::new(name)?;
    let (seq, strokes, access) =
        state.boards.snapshot(&name).await.map_err(|source| ApiError::Storage { board: name.clone(), source })?;
    if access.role_of(bearer_key(&headers).as_ref()).is_none() {
        return Err(ApiError::NotFound);
    }
    match at.at {
        // As it was then.
        Some(at) => {
            Ok(Json(BoardJson { strokes: super::history::strokes_at(&state, &name, at).await?, name, seq: at }))
        }
        None => Ok(Json(BoardJson { name, seq, strokes })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn board_names_are_tidied() {
        assert_eq!(tidy_board_name("  Team Retro 2026! "), "Team-Retro-2026");
        assert_eq!(tidy_board_name("ü"), "");
        assert_eq!(tidy_board_name(&"a".repeat(80)).len(), 64);
    }

    #[test]
    fn the_first_paint_is_bounded_in_strokes_and_bytes() {
        let stroke = |i: usize| Stroke {
            id: crate::protocol::StrokeId::new(format!("s{i}")).unwrap(),
            user: "u".into(),
            color: crate::protocol::Color::new("#000000").unwrap(),
            width: 2.0,
            tool: crate::protocol::Tool::Pen,
            points: vec![i as f32, 0.0, i as f32, 5.0],
            text: None,
            transform: None,
            image: None,
        };
        // 50,000 two-point strokes: only the latest 5,000 are drawn.
        let many: Vec<Stroke> = (0..50_000).map(stroke).collect();
        let FirstPaint(svg) = first_paint(&many).expect("a small picture");
        assert_eq!(svg.matches("<path").count(), FIRST_PAINT_STROKES);
        assert!(svg.contains("M49999 0") && !svg.contains("M44999 0"), "the latest strokes are shown");
        assert!(svg.len() <= FIRST_PAINT_BYTES, "{} bytes", svg.len());
        // 5,000 strokes of 2,000 scattered points: even thinned to the point
        // budget, their SVG is over 1 MiB, so there is none.
        let huge: Vec<Stroke> = (0..FIRST_PAINT_STROKES)
            .map(|i| Stroke { points: (0..4000).map(|k| (k * 7919 % 100_000 + i) as f32 / 7.0).collect(), ..stroke(i) })
            .collect();
        let detail = ink::Detail::within(&huge, FIRST_PAINT_BUDGET, FIRST_PAINT_MIN_STEP);
        assert!(ink::svg_body(&huge, detail).len() > FIRST_PAINT_BYTES);
        assert!(first_paint(&huge).is_none());
    }

    #[tokio::test]
    async fn a_storage_failure_answers_a_generic_500() {
        let error = ApiError::Storage {
            board: BoardName::new("b").unwrap(),
            source: StorageError::Corrupt("secret detail".into()),
        };
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
        assert_eq!(body, r#"{"error":"internal error"}"#);
    }
}
