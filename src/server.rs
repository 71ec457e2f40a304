//! The HTTP server: configuration, the axum router (Leptos pages, the
//! Socket.IO layer, small JSON and redirect routes) and `run`, which serves
//! until told to shut down and then flushes storage.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRef, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use serde::Deserialize;
use socketioxide::SocketIo;
use tokio::net::TcpListener;

use crate::app::{shell, App, FirstPaint};
use crate::board::Boards;
use crate::ink;
use crate::protocol::{self, Stroke};
use crate::storage::{Storage, StorageError};

/// Largest Socket.IO message the server accepts, in bytes.
pub const MAX_PAYLOAD: u64 = 256 * 1024;

/// Command line and environment configuration.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "scrawl", version, about = "Self-hosted, real-time collaborative whiteboard")]
pub struct Cli {
    /// Address to listen on.
    #[arg(long, env = "SCRAWL_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// SQLite database file; created, with its folder, if missing.
    #[arg(long, env = "SCRAWL_DB", default_value = "data/scrawl.db")]
    pub db: PathBuf,
}

/// What `run` needs.
#[derive(Debug, Clone)]
pub struct Config {
    pub db: PathBuf,
    /// Leptos site settings (site root, output name, …), from `LEPTOS_*` or built by tests.
    pub site: LeptosOptions,
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("serving: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Clone)]
struct AppState {
    site: LeptosOptions,
    boards: Arc<Boards>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.site.clone()
    }
}

/// Starts from the command line: logging, config, signals. Used by `main`.
pub async fn start(cli: Cli) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,socketioxide=warn,engineioxide=warn".into()),
        )
        .init();
    let site = get_configuration(None)?.leptos_options;
    let listener = TcpListener::bind(cli.addr).await?;
    tracing::info!(addr = %listener.local_addr()?, db = %cli.db.display(), "scrawl listening");
    run(Config { db: cli.db, site }, listener, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Serves scrawl on `listener` until `shutdown` resolves, then closes every
/// socket, commits what is queued and closes the database.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let storage = Arc::new(Storage::open(&config.db).await?);
    let boards = Arc::new(Boards::new(storage.clone()));

    let (socket_layer, io) = SocketIo::builder().max_payload(MAX_PAYLOAD).build_layer();
    crate::realtime::attach(&io, boards.clone());

    let state = AppState { site: config.site, boards };
    // The board page is rendered by `board_page`, which loads the drawing first.
    let routes: Vec<_> = generate_route_list(App).into_iter().filter(|r| !r.path().starts_with("/b/")).collect();
    let app = Router::new()
        .route("/b/{name}", get(board_page))
        .route("/new", get(new_board))
        .route("/go", get(go_to_board))
        .route("/api/boards/{name}", get(board_json))
        .leptos_routes(&state, routes, {
            let site = state.site.clone();
            move || shell(site.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(socket_layer)
        .with_state(state);

    let closing_io = io.clone();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down");
            closing_io.close().await;
        })
        .await?;
    storage.close().await;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// The server-rendered picture leaves out points closer than this (board px)
/// to the previous one, and thins strokes evenly to keep about
/// `FIRST_PAINT_BUDGET` points; the canvas then takes over with every point.
const FIRST_PAINT_MIN_STEP: f32 = 1.5;
const FIRST_PAINT_BUDGET: usize = 25_000;

/// `/b/{name}`: the Leptos page, with the board's current drawing inline as
/// SVG so it shows before (and without) wasm.
async fn board_page(State(state): State<AppState>, Path(name): Path<String>, req: Request<Body>) -> Response {
    let first_paint = match protocol::board_name_error(&name) {
        Some(_) => None,
        None => match state.boards.snapshot(&name).await {
            Ok((_, strokes)) => {
                let detail = ink::Detail::within(&strokes, FIRST_PAINT_BUDGET, FIRST_PAINT_MIN_STEP);
                Some(FirstPaint(ink::svg_body(&strokes, detail)))
            }
            Err(e) => {
                tracing::error!(error = %e, board = %name, "loading the first paint failed");
                None
            }
        },
    };
    let site = state.site.clone();
    let render = leptos_axum::render_app_to_stream_with_context(
        move || {
            if let Some(paint) = first_paint.clone() {
                provide_context(paint);
            }
        },
        move || shell(site.clone()),
    );
    render(req).await.into_response()
}

/// A new board with a random, unguessable name.
async fn new_board() -> Redirect {
    use rand::distr::{Alphanumeric, SampleString};
    let name = Alphanumeric.sample_string(&mut rand::rng(), 20);
    Redirect::to(&format!("/b/{name}"))
}

#[derive(Deserialize)]
struct Go {
    board: String,
}

/// The home page's "open board" form: tidies the name and redirects.
async fn go_to_board(Query(go): Query<Go>) -> Response {
    let name = tidy_board_name(&go.board);
    match protocol::board_name_error(&name) {
        None => Redirect::to(&format!("/b/{name}")).into_response(),
        Some(why) => (StatusCode::BAD_REQUEST, format!("Cannot open board {:?}: {why}", go.board)).into_response(),
    }
}

/// Spaces become dashes; characters a board name cannot hold are dropped.
pub fn tidy_board_name(input: &str) -> String {
    input
        .trim()
        .chars()
        .map(|c| if c.is_whitespace() { '-' } else { c })
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(protocol::MAX_BOARD_NAME)
        .collect()
}

#[derive(serde::Serialize)]
struct BoardJson {
    name: String,
    seq: u64,
    strokes: Vec<Stroke>,
}

/// `GET /api/boards/{name}`: the board's live strokes, for scripts and backup.
async fn board_json(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    if let Some(why) = protocol::board_name_error(&name) {
        return (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": why }))).into_response();
    }
    match state.boards.snapshot(&name).await {
        Ok((seq, strokes)) => Json(BoardJson { name, seq, strokes }).into_response(),
        Err(e) => {
            tracing::error!(error = %e, board = %name, "board snapshot failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Json(serde_json::json!({ "error": e.to_string() }))).into_response()
        }
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
}
