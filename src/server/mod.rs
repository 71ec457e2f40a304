//! The server: the axum router ([`app`]: Leptos pages, the Socket.IO layer,
//! small JSON and redirect routes) and [`run`], which serves until told to
//! shut down and then closes every socket and flushes storage.
//!
//! - `config`: command line, environment and what `run` needs.
//! - `boards`: the registry of boards open in this process.
//! - `http`: page, redirect and JSON handlers, with `ApiError`.
//! - `realtime`: the Socket.IO handlers.

mod boards;
mod config;
mod http;
mod realtime;

use std::future::Future;
use std::sync::Arc;

use axum::extract::FromRef;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use socketioxide::SocketIo;
use tokio::net::TcpListener;

pub use boards::{BoardRef, Boards};
pub use config::{Cli, Config, MAX_PAYLOAD};
pub use http::{tidy_board_name, ApiError};

use crate::storage::{Storage, StorageError};
use crate::ui::{shell, App};

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("serving: {0}")]
    Io(#[from] std::io::Error),
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub site: LeptosOptions,
    pub boards: Arc<Boards>,
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

/// The whole application: pages, JSON routes and the Socket.IO layer. The
/// returned `SocketIo` closes the realtime connections at shutdown.
pub fn app(state: AppState) -> (Router, SocketIo) {
    let (socket_layer, io) = SocketIo::builder()
        .max_payload(MAX_PAYLOAD as u64)
        .ws_max_message_size(MAX_PAYLOAD)
        .ws_max_frame_size(MAX_PAYLOAD)
        .build_layer();
    realtime::attach(&io, state.boards.clone());

    // The board page is rendered by `board_page`, which loads the drawing first.
    let routes: Vec<_> = generate_route_list(App).into_iter().filter(|r| !r.path().starts_with("/b/")).collect();
    let router = Router::new()
        .route("/b/{name}", get(http::board_page))
        .route("/new", get(http::new_board))
        .route("/go", get(http::go_to_board))
        .route("/api/boards/{name}", get(http::board_json))
        .leptos_routes(&state, routes, {
            let site = state.site.clone();
            move || shell(site.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(socket_layer)
        .with_state(state);
    (router, io)
}

/// Serves scrawl on `listener` until `shutdown` resolves, then closes every
/// socket, commits what is queued and closes the database.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let storage = Arc::new(Storage::open(&config.db).await?);
    let state = AppState { site: config.site, boards: Arc::new(Boards::new(storage.clone())) };
    let (router, io) = app(state);
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down");
            io.close().await;
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
