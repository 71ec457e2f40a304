//! What every integration test shares: a real server on port 0 with its own
//! temporary database (stopped on drop, even when a test panics), joined
//! native Socket.IO clients, message builders and an HTTP client.

#![allow(dead_code)] // Each test binary uses its own part of this module.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use leptos::config::LeptosOptions;
use scrawl::protocol::{
    merge_history, Ack, Auth, Color, Event, ServerMessage, Stroke, StrokeEnd, StrokeId, StrokePoints, StrokeStart,
    Tool, Welcome,
};
use scrawl::server::{run, Config, ServerError, Settings};
use scrawl::socketio::native::{ClientError, NativeClient};
use scrawl::storage::Database;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The stop signal and the task of a running server.
type Running = (oneshot::Sender<()>, JoinHandle<Result<(), ServerError>>);

/// A running server. `shutdown` stops it gracefully; dropping it stops it at once.
pub struct TestServer {
    pub addr: String,
    dir: tempfile::TempDir,
    /// `scrawl.db` in `dir`, or a new PostgreSQL database when
    /// `SCRAWL_TEST_POSTGRES` is set (see `Database::for_test`).
    database: Database,
    pub settings: Settings,
    /// How long a shutdown may take before the server gives up.
    pub shutdown_timeout: Duration,
    running: Option<Running>,
}

impl TestServer {
    /// A server with the default settings on a new, empty database.
    pub async fn start() -> Self {
        Self::start_with(Settings::default()).await
    }

    /// A server with `settings` on a new, empty database.
    pub async fn start_with(settings: Settings) -> Self {
        Self::start_in(tempfile::tempdir().unwrap(), settings).await
    }

    /// A server whose database is `scrawl.db` in `dir`.
    pub async fn start_in(dir: tempfile::TempDir, settings: Settings) -> Self {
        let database = Database::for_test(dir.path()).await.unwrap();
        let mut server = Self {
            addr: String::new(),
            dir,
            database,
            settings,
            shutdown_timeout: Duration::from_secs(10),
            running: None,
        };
        server.launch().await;
        server
    }

    pub fn database(&self) -> &Database {
        &self.database
    }

    /// The SQLite file: tests that open it run on SQLite only.
    pub fn db(&self) -> PathBuf {
        match &self.database {
            Database::Sqlite(path) => path.clone(),
            Database::Postgres(_) => panic!("this test reads the SQLite file"),
        }
    }

    async fn launch(&mut self) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let site = LeptosOptions::builder().output_name("scrawl").site_root("target/site").build();
        let (stop, stopped) = oneshot::channel::<()>();
        let config = Config {
            settings: self.settings.clone(),
            shutdown_timeout: self.shutdown_timeout,
            ..Config::new(self.database.clone(), site)
        };
        let task = tokio::spawn(async move {
            let result = run(config, listener, async move {
                let _ = stopped.await;
            })
            .await;
            if let Err(e) = &result {
                eprintln!("the test server stopped: {e}");
            }
            result
        });
        self.addr = addr.to_string();
        self.running = Some((stop, task));
    }

    /// Stops gracefully (sockets closed, queued writes committed).
    pub async fn shutdown(&mut self) {
        self.shutdown_result().await.unwrap();
    }

    /// Signals shutdown and returns what `run` returned.
    pub async fn shutdown_result(&mut self) -> Result<(), ServerError> {
        let (stop, task) = self.running.take().expect("server is running");
        stop.send(()).unwrap();
        tokio::time::timeout(self.shutdown_timeout + Duration::from_secs(10), task)
            .await
            .expect("server stops within its shutdown timeout")
            .unwrap()
    }

    /// Stops gracefully and starts again on the same database.
    pub async fn restart(&mut self) {
        self.shutdown().await;
        self.launch().await;
    }

    /// Starts again after `shutdown`, on the same database.
    pub async fn restart_after_shutdown(&mut self) {
        assert!(self.running.is_none(), "still running");
        self.launch().await;
    }

    /// Joins `board` as `client` and reads the board up to `synced`.
    pub async fn join(&self, board: &str, client: &str) -> Joined {
        if let Some((_, task)) = &self.running {
            assert!(!task.is_finished(), "the server stopped on its own");
        }
        join_at(&self.addr, board, client).await
    }

    /// `GET path`: the status and the body.
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let (status, _, body) = self.get_with_headers(path).await;
        (status, body)
    }

    /// `GET path`: the status, the headers and the body.
    pub async fn get_with_headers(&self, path: &str) -> (StatusCode, HeaderMap, String) {
        get_at(&self.addr, path).await.unwrap()
    }
}

/// `GET http://addr/path`: the status, the headers and the body (lossy
/// UTF-8), or why no answer came.
pub async fn get_at(addr: &str, path: &str) -> Result<(StatusCode, HeaderMap, String), String> {
    get_with(addr, path, &[]).await
}

/// `GET http://addr/path` with these request headers.
pub async fn get_with(
    addr: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<(StatusCode, HeaderMap, String), String> {
    let client = Client::builder(TokioExecutor::new()).build_http::<String>();
    let mut request = axum::http::Request::get(format!("http://{addr}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = client.request(request.body(String::new()).unwrap()).await.map_err(|e| e.to_string())?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok((parts.status, parts.headers, String::from_utf8_lossy(&body).into_owned()))
}

/// `POST http://addr/path` with this body and these request headers.
pub async fn post_with(
    addr: &str,
    path: &str,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> Result<(StatusCode, HeaderMap, Vec<u8>), String> {
    let client = Client::builder(TokioExecutor::new()).build_http::<http_body_util::Full<axum::body::Bytes>>();
    let mut request = axum::http::Request::post(format!("http://{addr}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = http_body_util::Full::new(axum::body::Bytes::from(body));
    let response = client.request(request.body(body).unwrap()).await.map_err(|e| e.to_string())?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok((parts.status, parts.headers, body.to_vec()))
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some((stop, task)) = self.running.take() {
            let _ = stop.send(());
            task.abort();
        }
    }
}

pub fn auth(board: &str, client: &str) -> Auth {
    Auth { board: board.into(), name: Some(format!("user {client}")), client: Some(client.into()), ..Auth::default() }
}

/// A joined client, with the board as the server sent it.
pub struct Joined {
    pub client: NativeClient,
    pub welcome: Welcome,
    pub strokes: Vec<Stroke>,
    pub seq: u64,
    /// How many `history` chunks arrived.
    pub chunks: usize,
}

pub async fn join_at(addr: &str, board: &str, client: &str) -> Joined {
    join_with_key(addr, board, client, None).await.unwrap()
}

/// Joins presenting a link's key as `auth.token`; the refusal if refused.
pub async fn join_with_key(addr: &str, board: &str, client: &str, key: Option<&str>) -> Result<Joined, ClientError> {
    join_as(addr, &Auth { token: key.map(Into::into), ..auth(board, client) }).await
}

/// Joins with this `auth`; the refusal if refused.
pub async fn join_as(addr: &str, auth: &Auth) -> Result<Joined, ClientError> {
    let mut c = NativeClient::connect(addr, auth).await?;
    let welcome = match c.next_message().await.unwrap() {
        ServerMessage::Welcome(w) => w,
        other => panic!("expected welcome first, got {other:?}"),
    };
    let mut strokes = Vec::new();
    let mut chunks = 0;
    let seq = loop {
        match c.next_message().await.unwrap() {
            ServerMessage::History(chunk) => {
                chunks += 1;
                merge_history(&mut strokes, chunk);
            }
            ServerMessage::Synced(s) => break s.seq,
            other => panic!("unexpected {} before synced", other.name()),
        }
    };
    Ok(Joined { client: c, welcome, strokes, seq, chunks })
}

/// The real `scrawl` binary serving `db` on a free port, for tests that
/// kill it or measure its memory.
pub struct Binary {
    pub child: std::process::Child,
    pub addr: String,
}

impl Binary {
    /// Starts the binary on port 0 and reads the address it bound from its
    /// log, so no other test can take the port in between.
    pub async fn start(db: &Path) -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_scrawl"))
            .args(["--addr", "127.0.0.1:0", "--db"])
            .arg(db)
            .env("LEPTOS_OUTPUT_NAME", "scrawl")
            .env("RUST_LOG", "warn,scrawl::server=info")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let addr = tokio::task::spawn_blocking(move || {
            let mut lines = std::io::BufReader::new(stdout).lines();
            let addr = lines
                .by_ref()
                .map_while(Result::ok)
                .find_map(|line| Some(line.split("addr=").nth(1)?.split_whitespace().next()?.to_string()));
            // Keep reading so the child never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            addr
        })
        .await
        .unwrap()
        .expect("the server logs the address it listens on");
        Self { child, addr }
    }

    /// A figure from `/proc/PID/status` in KiB, such as `VmRSS` or `VmHWM` (the peak).
    pub fn memory_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with(&format!("{field}:"))).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a command of the binary on `db` (`backup`, `check`, `healthcheck`),
/// without blocking the runtime that serves the test's server. Returns
/// whether it succeeded, and its stdout followed by its stderr.
pub async fn scrawl(args: &[&str], db: &std::path::Path) -> (bool, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_scrawl"));
    command.args(args).arg("--db").arg(db).env("RUST_LOG", "warn");
    let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string() + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// A database file that no server uses, for tests that run the binary.
pub fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("scrawl.db");
    (dir, db)
}

pub fn db_url(db: &Path) -> String {
    format!("sqlite:{}", db.display())
}

pub fn id(s: &str) -> StrokeId {
    StrokeId::new(s).unwrap()
}

pub fn start_msg(s: &str, points: Vec<f32>) -> StrokeStart {
    StrokeStart { id: id(s), color: Color::new("#1971c2").unwrap(), width: 3.0, tool: Tool::Pen, points }
}

pub fn batch(s: &str, n: u32, points: Vec<f32>) -> StrokePoints {
    StrokePoints { id: id(s), n, points, seq: None }
}

pub fn end(s: &str) -> StrokeEnd {
    StrokeEnd { id: id(s), seq: None }
}

/// Sends `data` and returns its ack.
pub async fn ack<E: Event>(c: &mut NativeClient, data: &E) -> Ack {
    c.emit_ack(data).await.unwrap()
}

/// Sends `data`, checks it was accepted and returns its seq.
pub async fn ok<E: Event>(c: &mut NativeClient, data: &E) -> u64 {
    let a = ack(c, data).await;
    assert!(a.ok, "{} refused: {:?}", E::NAME, a.error);
    a.seq.unwrap()
}

/// Sends `data`, checks it was refused and returns the reason.
pub async fn refused<E: Event>(c: &mut NativeClient, data: &E) -> String {
    let a = ack(c, data).await;
    assert!(!a.ok, "{} was accepted", E::NAME);
    a.error.unwrap()
}

/// The next board change, skipping presence and cursor traffic.
pub async fn next_change(c: &mut NativeClient) -> ServerMessage {
    loop {
        match c.next_message().await.unwrap() {
            ServerMessage::Presence(_) | ServerMessage::Cursor(_) => continue,
            other => return other,
        }
    }
}

/// A finished three-point stroke `s`: start, one batch, end.
pub async fn draw(c: &mut NativeClient, s: &str) {
    ok(c, &start_msg(s, vec![0.0, 0.0])).await;
    ok(c, &batch(s, 1, vec![10.0, 10.0, 20.0, 5.0])).await;
    ok(c, &end(s)).await;
}

/// Ids of strokes, in order.
pub fn ids(strokes: &[Stroke]) -> Vec<&str> {
    strokes.iter().map(|s| s.id.as_str()).collect()
}

/// A WebSocket that speaks Engine.IO by hand: for clients that misbehave
/// (stop reading, send junk) or pipeline acknowledged events.
pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a raw Engine.IO WebSocket and joins `board`; returns once `synced`
/// arrived.
pub async fn raw_join(addr: &str, board: &str, client: &str) -> Ws {
    raw_join_with(addr, board, client, &[]).await.unwrap()
}

/// Like `raw_join`, with extra handshake headers; the `connect_error`
/// message when the server refuses.
pub async fn raw_join_with(addr: &str, board: &str, client: &str, headers: &[(&str, &str)]) -> Result<Ws, String> {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;
    let mut request = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket").into_client_request().unwrap();
    for (name, value) in headers {
        let name = tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes()).unwrap();
        request.headers_mut().insert(name, value.parse().unwrap());
    }
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let auth = serde_json::to_string(&auth(board, client)).unwrap();
    loop {
        let Some(Ok(Message::Text(text))) = ws.next().await else { panic!("closed during the join") };
        if text.starts_with('0') {
            ws.send(Message::text(format!("40{auth}"))).await.unwrap();
        } else if text.starts_with("42[\"synced\"") {
            return Ok(ws);
        } else if let Some(error) = text.strip_prefix("44") {
            let error: serde_json::Value = serde_json::from_str(error).unwrap();
            return Err(error["message"].as_str().unwrap().to_string());
        } else if text.as_str() == "2" {
            ws.send(Message::text("3")).await.unwrap();
        }
    }
}

/// Sends event `E` on a raw socket asking for ack `id`.
pub async fn raw_emit<E: Event>(ws: &mut Ws, id: u64, data: &E) {
    use futures_util::SinkExt;
    let frame = format!("42{id}[\"{}\",{}]", E::NAME, serde_json::to_string(data).unwrap());
    ws.send(tokio_tungstenite::tungstenite::Message::text(frame)).await.unwrap();
}

/// Reads a raw socket until ack `id` arrives, answering pings; `None` when
/// `wait` passes first.
pub async fn raw_ack(ws: &mut Ws, id: u64, wait: Duration) -> Option<Ack> {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let deadline = tokio::time::Instant::now() + wait;
    let prefix = format!("43{id}[");
    loop {
        let next = tokio::time::timeout_at(deadline, ws.next()).await.ok()?;
        let Some(Ok(Message::Text(text))) = next else { panic!("the socket closed while waiting for ack {id}") };
        if text.as_str() == "2" {
            ws.send(Message::text("3")).await.unwrap();
        } else if let Some(json) = text.strip_prefix(prefix.as_str()) {
            return Some(serde_json::from_str(json.strip_suffix(']').unwrap()).unwrap());
        }
    }
}
