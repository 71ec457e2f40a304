//! The server: the axum router ([`app`]: Leptos pages, the Socket.IO layer,
//! small JSON and redirect routes) and [`run`], which serves until told to
//! shut down and then closes every socket and flushes storage.
//!
//! - `config`: command line, environment, limits and what `run` needs.
//! - `boards`: the registry of boards open in this process.
//! - `limits`: rate limits and per-address caps.
//! - `http`: page, redirect, JSON, health and metrics handlers, with `ApiError`.
//! - `history`: a board's past over HTTP: its log, `?at=`, the past page.
//! - `images`: image uploads and their content-addressed downloads.
//! - `pdf`: rendering PDF worksheets' pages, in a child process with limits.
//! - `web`: security headers, the CSP nonce and the same-origin check.
//! - `assets`: `/pkg` in production, from memory, gzipped and revalidated.
//! - `realtime`: the Socket.IO handlers and relay fan-out.
//! - `healthcheck`: `scrawl healthcheck`, the probe of a running server.
//! - `operator`: `scrawl board …` and `scrawl boards`, on the database.

mod assets;
mod boards;
mod cluster;
mod config;
pub mod healthcheck;
mod history;
mod http;
mod images;
mod limits;
mod operator;
mod pdf;
mod realtime;
mod web;

use std::future::Future;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use socketioxide::{SocketIo, TransportType};
use tokio::net::TcpListener;

pub use boards::{BoardRef, Boards};
pub use config::{BoardCommand, Cli, Command, Config, Settings, VERSION};
pub use http::{tidy_board_name, ApiError};
pub use pdf::render_pdf_command;

use crate::metrics::Metrics;
use crate::storage::{Storage, StorageError};
use crate::ui::{shell, App};

/// Packets one socket may have waiting to be written; a socket whose queue
/// is full is disconnected (it then resyncs), never silently skipped.
const SOCKET_BUFFER: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("serving: {0}")]
    Io(#[from] std::io::Error),
    #[error("connections and writes did not finish within {0:?} of the shutdown signal")]
    ShutdownTimeout(Duration),
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub site: LeptosOptions,
    pub boards: Arc<Boards>,
    pub metrics: Arc<Metrics>,
    pub settings: Settings,
    pub limits: Arc<limits::Limits>,
    /// `/pkg` from memory, in production; empty otherwise.
    pub assets: assets::Assets,
    /// Turns to render a PDF: one at a time.
    pub pdf_renders: Arc<tokio::sync::Semaphore>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.site.clone()
    }
}

impl FromRef<AppState> for assets::Assets {
    fn from_ref(state: &AppState) -> Self {
        state.assets.clone()
    }
}

/// Starts from the command line: logging, config, signals, or one of the
/// maintenance commands. Used by `main`.
pub async fn start(cli: Cli) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,socketioxide=warn,engineioxide=warn".into());
    // The server logs to stdout; a command keeps stdout for its output.
    // Colours only on a terminal: not in journald, a container's log or a file.
    let to_stderr = cli.command.is_some();
    let ansi = if to_stderr { std::io::stderr().is_terminal() } else { std::io::stdout().is_terminal() };
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(
        move || -> Box<dyn std::io::Write> {
            if to_stderr {
                Box::new(std::io::stderr())
            } else {
                Box::new(std::io::stdout())
            }
        },
    );
    if cli.log_format == "json" {
        logs.json().init();
    } else {
        logs.init();
    }
    anyhow::ensure!(
        axum::http::HeaderValue::from_str(&cli.settings.frame_ancestors).is_ok(),
        "--frame-ancestors {:?} cannot be sent in a header",
        cli.settings.frame_ancestors
    );
    // Forwarded requests carry the client's address in X-Forwarded-For;
    // without trusting it, every client forwarded by a node would share
    // that node's address (and its per-address limits).
    anyhow::ensure!(
        cli.settings.node_addr.is_none() || cli.settings.trust_proxy,
        "--node-addr needs --trust-proxy: the nodes of a cluster sit behind a load balancer"
    );
    match cli.command {
        Some(Command::RenderPdf { memory_mib, cpu_seconds }) => {
            std::process::exit(pdf::render_pdf_command(memory_mib, cpu_seconds))
        }
        Some(Command::Backup { file }) => {
            let storage = Storage::open_existing(&cli.db).await?;
            storage.backup(&file).await?;
            storage.close().await;
            tracing::info!(from = %cli.db, to = %file.display(), "backup written");
            return Ok(());
        }
        Some(Command::Check) => {
            let storage = Storage::open_existing(&cli.db).await?;
            let problems = storage.check().await?;
            storage.close().await;
            for problem in &problems {
                println!("{problem}");
            }
            anyhow::ensure!(problems.is_empty(), "{} problem(s) in {}", problems.len(), cli.db);
            println!("{}: ok", cli.db);
            return Ok(());
        }
        Some(Command::Healthcheck) => {
            print!("{}", healthcheck::probe(cli.addr).await?);
            return Ok(());
        }
        Some(Command::Board { action }) => return operator::board(&cli.db, action).await,
        Some(Command::Boards) => return operator::boards(&cli.db).await,
        None => {}
    }
    let site = get_configuration(None)?.leptos_options;
    let listener = TcpListener::bind(cli.addr).await?;
    tracing::info!(addr = %listener.local_addr()?, db = %cli.db, version = VERSION, "scrawl listening");
    let config = Config {
        db: cli.db,
        site,
        settings: cli.settings,
        shutdown_timeout: Duration::from_secs(cli.shutdown_timeout),
    };
    run(config, listener, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// The whole application: pages, JSON routes, health, metrics and the
/// Socket.IO layer, behind the security headers. The returned `SocketIo`
/// closes the realtime connections at shutdown.
pub fn app(state: AppState) -> (Router, SocketIo) {
    let settings = &state.settings;
    let mut builder = SocketIo::builder()
        .max_payload(settings.max_message_bytes as u64)
        .ws_max_message_size(settings.max_message_bytes)
        .ws_max_frame_size(settings.max_message_bytes)
        .max_buffer_size(SOCKET_BUFFER);
    if !settings.allow_polling {
        builder = builder.transports([TransportType::Websocket]);
    }
    let (socket_layer, io) = builder.build_layer();
    let out =
        Arc::new(realtime::Outlet { metrics: state.metrics.clone(), overflowed: realtime::Overflowed::default() });
    let realtime = realtime::Realtime {
        io: io.clone(),
        out: out.clone(),
        boards: state.boards.clone(),
        limits: state.limits.clone(),
        relays: realtime::BoardRelays::new(io.clone(), out),
        trust_proxy: settings.trust_proxy,
        storage_grace: settings.storage_grace(),
        expire_after: settings.expire_after(),
        history_days: settings.history_days(),
    };
    let realtime = Arc::new(realtime);
    let cluster = state.boards.storage().leases().map(|leases| {
        tokio::spawn(cluster::keep_leases(realtime.clone(), leases.clone()));
        cluster::Cluster { leases: leases.clone(), trust_proxy: settings.trust_proxy }
    });
    realtime::attach(&io, realtime);
    let policy = Arc::new(web::WebPolicy {
        allowed_origins: settings.allowed_origin.clone(),
        frame_ancestors: settings.frame_ancestors.clone(),
        trust_proxy: settings.trust_proxy,
    });

    // The board page is rendered by `board_page`, which loads the drawing first.
    let routes: Vec<_> = generate_route_list(App).into_iter().filter(|r| !r.path().starts_with("/b/")).collect();
    let mut router = Router::new();
    // Without them (a development build that cargo-leptos rewrites, tests),
    // the fallback serves the files from disk.
    if state.assets.len() > 0 {
        router = router.route("/pkg/{file}", get(assets::serve));
    }
    let router = router
        .route("/b/{name}", get(http::board_page))
        .route("/new", get(http::new_board))
        .route("/go", get(http::go_to_board))
        .route("/language", get(http::choose_language))
        .route("/api/boards/{name}", get(http::board_json))
        .route("/api/boards/{name}/history", get(history::history_json))
        .route(
            "/api/boards/{name}/images",
            axum::routing::post(images::upload)
                .layer(axum::extract::DefaultBodyLimit::max(state.settings.max_image_bytes + 1)),
        )
        .route(
            "/api/boards/{name}/pdf",
            axum::routing::post(images::upload_pdf)
                .layer(axum::extract::DefaultBodyLimit::max(state.settings.max_image_bytes + 1)),
        )
        .route("/api/boards/{name}/images/{hash}", axum::routing::post(images::adopt))
        .route("/images/{hash}", get(images::serve))
        .route("/healthz", get(http::healthz))
        .route("/metrics", get(http::metrics))
        .leptos_routes_with_context(&state, routes, web::provide_request_context, {
            let site = state.site.clone();
            move || shell(site.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(web::provide_request_context, shell))
        .layer(socket_layer)
        .layer(axum::middleware::from_fn_with_state(policy.clone(), web::same_origin))
        .layer(axum::middleware::from_fn_with_state(policy, web::security_headers))
        .with_state(state);
    // Outermost: a board held by another node is forwarded there untouched.
    let router = match cluster {
        Some(cluster) => router.layer(axum::middleware::from_fn_with_state(cluster, cluster::route)),
        None => router,
    };
    (router, io)
}

/// In production, the site's `pkg` files, read and compressed once.
async fn load_assets(site: &LeptosOptions) -> assets::Assets {
    if site.env != leptos::config::Env::PROD {
        return assets::Assets::default();
    }
    let dir = std::path::Path::new(&*site.site_root).join(&*site.site_pkg_dir);
    let started = std::time::Instant::now();
    let loaded = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || assets::Assets::load(&dir)
    })
    .await
    .map_err(std::io::Error::other)
    .and_then(|loaded| loaded);
    match loaded {
        Ok(assets) => {
            let ms = started.elapsed().as_millis() as u64;
            tracing::info!(files = assets.len(), ms, "site files loaded and gzipped");
            let background = assets.clone();
            tokio::task::spawn_blocking(move || {
                let ms = background.compress_brotli().as_millis() as u64;
                tracing::info!(ms, "site files compressed with brotli");
            });
            assets
        }
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot load the site files; serving them from disk");
            assets::Assets::default()
        }
    }
}

/// Serves scrawl on `listener` until `shutdown` resolves, then closes every
/// socket, commits what is queued and closes the database, giving up after
/// `config.shutdown_timeout`.
pub async fn run(
    mut config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let metrics = Arc::new(Metrics::default());
    let node = config.settings.node_addr.as_deref();
    let storage = Arc::new(Storage::open_node(&config.db, metrics.clone(), node).await?);
    let boards = Arc::new(Boards::new(storage.clone(), config.settings.quota()));
    let limits = Arc::new(limits::Limits::new(&config.settings));
    let assets = load_assets(&config.site).await;
    // Pages name the files with their version: cached for good (see `assets`).
    if let Some(name) = assets.versioned(&config.site.output_name) {
        config.site.output_name = name.into();
    }
    let pdf_renders = Arc::new(tokio::sync::Semaphore::new(1));
    let state = AppState { site: config.site, boards, metrics, settings: config.settings, limits, assets, pdf_renders };
    let (router, io) = app(state);
    let (signalled, on_signal) = tokio::sync::oneshot::channel::<()>();
    // Without Nagle's algorithm: a relay or an ack is a small frame that
    // must leave at once, not wait for the peer's (delayed) TCP ack of the
    // previous one. That wait was the whole latency at low load: about one
    // sender interval, up to the 40 ms delayed-ack timer.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    let serve = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down");
            let _ = signalled.send(());
            io.close().await;
        });
    let work = async {
        serve.await?;
        storage.close().await;
        Ok(())
    };
    let deadline = async {
        if on_signal.await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(config.shutdown_timeout).await;
    };
    tokio::select! {
        result = work => result,
        () = deadline => {
            tracing::warn!(timeout = ?config.shutdown_timeout, "shutdown timed out; unacknowledged changes will be resent by their clients");
            Err(ServerError::ShutdownTimeout(config.shutdown_timeout))
        }
    }
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
