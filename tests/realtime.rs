//! End-to-end tests of the realtime protocol: a real server on port 0 with a
//! temporary database, driven by native Socket.IO clients.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use leptos::config::LeptosOptions;
use scrawl::protocol::{
    event, Ack, Auth, Cleared, History, Presence, Stroke, StrokeEnd, StrokePoints, StrokeRemove, StrokeRestore,
    StrokeStart, StrokeStarted, Synced, Tool, Welcome, HISTORY_CHUNK_POINTS,
};
use scrawl::server::{run, Config, ServerError};
use scrawl::socketio::native::{ClientError, NativeClient};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

struct TestServer {
    addr: String,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), ServerError>>,
}

impl TestServer {
    async fn start(db: &Path) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let site = LeptosOptions::builder().output_name("scrawl").site_root("target/site").build();
        let (stop, stopped) = oneshot::channel::<()>();
        let config = Config { db: db.to_path_buf(), site };
        let task = tokio::spawn(run(config, listener, async move {
            let _ = stopped.await;
        }));
        Self { addr: addr.to_string(), stop, task }
    }

    async fn shutdown(self) {
        self.stop.send(()).unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(10), self.task)
            .await
            .expect("server stops within 10 s")
            .unwrap()
            .unwrap();
    }
}

fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("scrawl.db");
    (dir, db)
}

fn auth(board: &str, client: &str) -> Auth {
    Auth { board: board.into(), name: Some(format!("user {client}")), client: Some(client.into()), token: None }
}

/// A joined client, with the board as the server sent it.
struct Joined {
    client: NativeClient,
    welcome: Welcome,
    strokes: Vec<Stroke>,
    seq: u64,
}

async fn join(addr: &str, board: &str, client: &str) -> Joined {
    let mut c = NativeClient::connect(addr, &auth(board, client)).await.unwrap();
    let welcome: Welcome = c.recv(event::WELCOME).await.unwrap();
    let mut strokes = Vec::new();
    let seq = loop {
        let (name, data) = c.next_event().await.unwrap();
        match name.as_str() {
            event::HISTORY => {
                scrawl::protocol::merge_history(&mut strokes, serde_json::from_value::<History>(data).unwrap())
            }
            event::SYNCED => break serde_json::from_value::<Synced>(data).unwrap().seq,
            other => panic!("unexpected {other} before synced"),
        }
    };
    Joined { client: c, welcome, strokes, seq }
}

fn start_msg(id: &str, points: Vec<f32>) -> StrokeStart {
    StrokeStart { id: id.into(), color: "#1971c2".into(), width: 3.0, tool: Tool::Pen, points }
}

fn points(id: &str, n: u32, points: Vec<f32>) -> StrokePoints {
    StrokePoints { id: id.into(), n, points, seq: None }
}

fn end(id: &str) -> StrokeEnd {
    StrokeEnd { id: id.into(), seq: None }
}

async fn ack(c: &mut NativeClient, name: &str, data: &impl serde::Serialize) -> Ack {
    c.emit_ack(name, data).await.unwrap()
}

async fn ok(c: &mut NativeClient, name: &str, data: &impl serde::Serialize) -> u64 {
    let a = ack(c, name, data).await;
    assert!(a.ok, "{name} refused: {:?}", a.error);
    a.seq.unwrap()
}

/// The next event other than presence and cursor traffic.
async fn next_change(c: &mut NativeClient) -> (String, Value) {
    loop {
        let (name, data) = c.next_event().await.unwrap();
        if name != event::PRESENCE && name != event::CURSOR {
            return (name, data);
        }
    }
}

async fn draw(c: &mut NativeClient, id: &str) {
    ok(c, event::STROKE_START, &start_msg(id, vec![0.0, 0.0])).await;
    ok(c, event::STROKE_POINTS, &points(id, 1, vec![10.0, 10.0, 20.0, 5.0])).await;
    ok(c, event::STROKE_END, &end(id)).await;
}

#[tokio::test]
async fn strokes_reach_the_same_board_only_and_survive_a_restart() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let mut a = join(&server.addr, "x", "a").await;
    let mut b = join(&server.addr, "x", "b").await;
    let mut c = join(&server.addr, "y", "c").await;
    let mut d = join(&server.addr, "y", "d").await;
    assert!(a.strokes.is_empty() && a.seq == 0);
    assert_ne!(a.welcome.you.color, b.welcome.you.color);
    assert_eq!(b.welcome.users.len(), 2);

    let s1 = ok(&mut a.client, event::STROKE_START, &start_msg("s1", vec![1.0, 2.0])).await;
    let s2 = ok(&mut a.client, event::STROKE_POINTS, &points("s1", 1, vec![3.0, 4.0, -5.5, 6.0])).await;
    let s3 = ok(&mut a.client, event::STROKE_END, &end("s1")).await;
    assert!(s1 < s2 && s2 < s3);

    let (name, data) = next_change(&mut b.client).await;
    assert_eq!(name, event::STROKE_START);
    let started: StrokeStarted = serde_json::from_value(data).unwrap();
    assert_eq!(started.stroke.id, "s1");
    assert_eq!(started.stroke.user, a.welcome.you.id);
    assert_eq!(started.seq, s1);
    let (name, data) = next_change(&mut b.client).await;
    assert_eq!(name, event::STROKE_POINTS);
    assert_eq!(serde_json::from_value::<StrokePoints>(data).unwrap().points, vec![3.0, 4.0, -5.5, 6.0]);
    assert_eq!(next_change(&mut b.client).await.0, event::STROKE_END);

    // Board y saw none of it: the first change c sees is d's stroke.
    ok(&mut d.client, event::STROKE_START, &start_msg("y1", vec![9.0, 9.0])).await;
    let (name, data) = next_change(&mut c.client).await;
    assert_eq!(name, event::STROKE_START);
    assert_eq!(data["id"], "y1");

    for j in [a, b, c, d] {
        j.client.close();
    }
    server.shutdown().await;

    let server = TestServer::start(&db).await;
    let late = join(&server.addr, "x", "late").await;
    assert_eq!(late.seq, s3);
    assert_eq!(late.strokes.len(), 1);
    assert_eq!(late.strokes[0].points, vec![1.0, 2.0, 3.0, 4.0, -5.5, 6.0]);
    assert_eq!(late.strokes[0].color, "#1971c2");
    server.shutdown().await;
}

#[tokio::test]
async fn a_bad_board_name_is_refused_with_a_reason() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    for (board, reason) in [("", "empty"), ("no spaces", "only contain"), (&"a".repeat(65)[..], "64")] {
        match NativeClient::connect(&server.addr, &auth(board, "a")).await {
            Err(ClientError::Refused(msg)) => assert!(msg.contains(reason), "{msg:?} should mention {reason:?}"),
            Err(e) => panic!("expected a refusal, got {e}"),
            Ok(_) => panic!("board {board:?} was accepted"),
        }
    }
    match NativeClient::connect(&server.addr, &json!({ "name": "no board" })).await {
        Err(ClientError::Refused(msg)) => assert!(msg.contains("auth"), "{msg}"),
        _ => panic!("missing board accepted"),
    }
    server.shutdown().await;
}

#[tokio::test]
async fn presence_join_rename_leave() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let mut a = join(&server.addr, "p", "a").await;
    let b = join(&server.addr, "p", "b").await;
    let p: Presence = a.client.recv(event::PRESENCE).await.unwrap();
    assert_eq!(p.users.len(), 2);

    ok(&mut a.client, event::RENAME, &json!({ "name": "  Grace\u{7} Hopper  " })).await;
    let mut b_client = b.client;
    let p: Presence = b_client.recv(event::PRESENCE).await.unwrap();
    assert!(p.users.iter().any(|u| u.name == "Grace Hopper"), "{p:?}");
    let refused = ack(&mut a.client, event::RENAME, &json!({ "name": " \n " })).await;
    assert!(!refused.ok && refused.error.unwrap().contains("empty"));

    b_client.close();
    let p: Presence = a.client.recv(event::PRESENCE).await.unwrap();
    assert_eq!(p.users.len(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn resent_events_are_acknowledged_but_not_doubled() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let mut a = join(&server.addr, "r", "same-client").await;
    let mut b = join(&server.addr, "r", "b").await;
    ok(&mut a.client, event::STROKE_START, &start_msg("s", vec![0.0, 0.0])).await;
    ok(&mut a.client, event::STROKE_POINTS, &points("s", 1, vec![1.0, 1.0])).await;
    a.client.close();

    // The same client reconnects and resends its whole outbox.
    let mut a2 = join(&server.addr, "r", "same-client").await;
    assert_eq!(a2.strokes[0].points, vec![0.0, 0.0, 1.0, 1.0]);
    ok(&mut a2.client, event::STROKE_START, &start_msg("s", vec![0.0, 0.0])).await;
    ok(&mut a2.client, event::STROKE_POINTS, &points("s", 1, vec![1.0, 1.0])).await;
    ok(&mut a2.client, event::STROKE_POINTS, &points("s", 2, vec![2.0, 2.0])).await;
    ok(&mut a2.client, event::STROKE_END, &end("s")).await;
    ok(&mut a2.client, event::STROKE_END, &end("s")).await;

    // b saw each batch exactly once.
    let mut seen = Vec::new();
    loop {
        let (name, data) = next_change(&mut b.client).await;
        seen.push((name.clone(), data["n"].as_u64()));
        if name == event::STROKE_END {
            break;
        }
    }
    assert_eq!(
        seen,
        vec![
            (event::STROKE_START.to_string(), None),
            (event::STROKE_POINTS.to_string(), Some(1)),
            (event::STROKE_POINTS.to_string(), Some(2)),
            (event::STROKE_END.to_string(), None),
        ]
    );
    let late = join(&server.addr, "r", "late").await;
    assert_eq!(late.strokes.len(), 1);
    assert_eq!(late.strokes[0].points, vec![0.0, 0.0, 1.0, 1.0, 2.0, 2.0]);
    server.shutdown().await;
}

#[tokio::test]
async fn invalid_input_is_refused_with_a_specific_error_and_not_relayed() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let mut a = join(&server.addr, "v", "a").await;
    let mut b = join(&server.addr, "v", "b").await;
    ok(&mut a.client, event::STROKE_START, &start_msg("mine", vec![0.0, 0.0])).await;
    let too_many = vec![1.0; (scrawl::protocol::MAX_POINTS_PER_MESSAGE + 1) * 2];
    let cases: Vec<(&str, Value, &str)> = vec![
        (event::STROKE_START, json!({ "id": "w", "color": "#000", "width": 2, "tool": "pen", "points": [] }), "color"),
        (
            event::STROKE_START,
            json!({ "id": "w", "color": "#000000", "width": 500, "tool": "pen", "points": [] }),
            "width",
        ),
        (
            event::STROKE_START,
            json!({ "id": "w", "color": "#000000", "width": 2, "tool": "spray", "points": [] }),
            "unknown variant",
        ),
        (
            event::STROKE_START,
            json!({ "id": "w", "color": "#000000", "width": 2, "tool": "pen", "points": [1e8, 0] }),
            "coordinate",
        ),
        (
            event::STROKE_START,
            json!({ "id": "w", "color": "#000000", "width": 2, "tool": "pen", "points": [1] }),
            "pairs",
        ),
        (
            event::STROKE_START,
            json!({ "id": "x".repeat(65), "color": "#000000", "width": 2, "tool": "pen", "points": [] }),
            "id",
        ),
        (event::STROKE_START, json!({ "id": "w" }), "invalid payload"),
        (event::STROKE_POINTS, json!({ "id": "mine", "n": 1, "points": too_many }), "more than"),
        (event::STROKE_POINTS, json!({ "id": "mine", "n": 5, "points": [1, 1] }), "expects batch 1"),
        (event::STROKE_POINTS, json!({ "id": "nope", "n": 1, "points": [1, 1] }), "does not exist"),
        (event::UNDO, json!({}), "nothing to undo"),
    ];
    for (name, data, expected) in &cases {
        let a_or_b = if *name == event::UNDO { &mut b.client } else { &mut a.client };
        let reply = ack(a_or_b, name, data).await;
        assert!(!reply.ok, "{name} {data} was accepted");
        let error = reply.error.unwrap();
        assert!(error.contains(expected), "{name}: {error:?} should mention {expected:?}");
    }
    // Someone else's stroke cannot be extended.
    let reply = ack(&mut b.client, event::STROKE_POINTS, &points("mine", 1, vec![1.0, 1.0])).await;
    assert!(reply.error.unwrap().contains("someone else"));

    // Only the one valid stroke reached b.
    ok(&mut a.client, event::STROKE_END, &end("mine")).await;
    assert_eq!(next_change(&mut b.client).await.1["id"], "mine");
    assert_eq!(next_change(&mut b.client).await.0, event::STROKE_END);
    server.shutdown().await;
}

#[tokio::test]
async fn undo_redo_and_clear_across_clients() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let mut a = join(&server.addr, "u", "a").await;
    let mut b = join(&server.addr, "u", "b").await;
    draw(&mut a.client, "a1").await;
    draw(&mut b.client, "b1").await;
    draw(&mut a.client, "a2").await;
    while next_change(&mut b.client).await != (event::STROKE_END.to_string(), json!({ "id": "a2", "seq": 9 })) {}
    while next_change(&mut a.client).await != (event::STROKE_END.to_string(), json!({ "id": "b1", "seq": 6 })) {}

    let undone = ack(&mut a.client, event::UNDO, &json!({})).await;
    assert_eq!(undone.removed, Some(vec!["a2".to_string()]), "the ack tells the sender what went");
    let (name, data) = next_change(&mut b.client).await;
    assert_eq!(name, event::STROKE_REMOVE);
    assert_eq!(serde_json::from_value::<StrokeRemove>(data).unwrap().ids, vec!["a2"]);

    let redone = ack(&mut a.client, event::REDO, &json!({})).await;
    assert_eq!(redone.restored.unwrap()[0].id, "a2");
    let (name, data) = next_change(&mut b.client).await;
    assert_eq!(name, event::STROKE_RESTORE);
    let restored: StrokeRestore = serde_json::from_value(data).unwrap();
    assert_eq!(restored.stroke.id, "a2");
    assert_eq!(restored.stroke.points, vec![0.0, 0.0, 10.0, 10.0, 20.0, 5.0]);

    // b's undo takes b's stroke, not a's later one.
    ok(&mut b.client, event::UNDO, &json!({})).await;
    let (_, data) = next_change(&mut a.client).await;
    assert_eq!(data["ids"], json!(["b1"]));

    ok(&mut b.client, event::CLEAR, &json!({})).await;
    let (name, data) = next_change(&mut a.client).await;
    assert_eq!(name, event::CLEAR);
    assert_eq!(serde_json::from_value::<Cleared>(data).unwrap().user, b.welcome.you.id);
    assert!(join(&server.addr, "u", "late").await.strokes.is_empty());

    // Undoing the clear brings back what it removed.
    ok(&mut b.client, event::UNDO, &json!({})).await;
    let mut back = Vec::new();
    for _ in 0..2 {
        let (name, data) = next_change(&mut a.client).await;
        assert_eq!(name, event::STROKE_RESTORE);
        back.push(data["stroke"]["id"].as_str().unwrap().to_string());
    }
    assert_eq!(back, vec!["a1", "a2"]);
    let late = join(&server.addr, "u", "late2").await;
    let ids: Vec<_> = late.strokes.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, vec!["a1", "a2"]);
    server.shutdown().await;
}

#[tokio::test]
async fn acked_changes_are_committed_before_the_ack() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let mut a = join(&server.addr, "durable", "a").await;
    draw(&mut a.client, "d1").await;
    // Read the database directly while the server still runs.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display())).await.unwrap();
    let (segments,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM segments WHERE board = 'durable'").fetch_one(&pool).await.unwrap();
    let (open,): (i64,) = sqlx::query_as("SELECT open FROM strokes WHERE board = 'durable' AND id = 'd1'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((segments, open), (2, 0));
    pool.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn history_of_a_large_board_arrives_in_bounded_chunks() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let mut a = join(&server.addr, "big", "a").await;
    // 200k points: 20 strokes of 10,000 points in batches of 2,000.
    for s in 0..20 {
        let id = format!("s{s}");
        ok(&mut a.client, event::STROKE_START, &start_msg(&id, vec![s as f32, 0.0])).await;
        for n in 1..=5u32 {
            let count = if n == 5 { 1999 } else { 2000 };
            let pts: Vec<f32> = (0..count * 2).map(|i| (i % 997) as f32).collect();
            ok(&mut a.client, event::STROKE_POINTS, &points(&id, n, pts)).await;
        }
        ok(&mut a.client, event::STROKE_END, &end(&id)).await;
    }
    let mut c = NativeClient::connect(&server.addr, &auth("big", "late")).await.unwrap();
    c.recv::<Welcome>(event::WELCOME).await.unwrap();
    let mut strokes = Vec::new();
    let mut chunks = 0;
    loop {
        let (name, data) = c.next_event().await.unwrap();
        if name == event::SYNCED {
            break;
        }
        let chunk: History = serde_json::from_value(data).unwrap();
        let pts: usize = chunk.strokes.iter().map(|s| s.points.len() / 2).sum();
        assert!(pts <= HISTORY_CHUNK_POINTS, "chunk of {pts} points");
        chunks += 1;
        scrawl::protocol::merge_history(&mut strokes, chunk);
    }
    assert_eq!(strokes.len(), 20);
    assert_eq!(strokes.iter().map(|s| s.points.len() / 2).sum::<usize>(), 200_000);
    assert!(chunks >= 200_000 / HISTORY_CHUNK_POINTS, "{chunks} chunks");
    server.shutdown().await;
}

async fn http_get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn board_json_and_pages() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let mut a = join(&server.addr, "api", "a").await;
    draw(&mut a.client, "j1").await;

    let (status, body) = http_get(&server.addr, "/api/boards/api").await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["name"], "api");
    assert_eq!(v["seq"], 3);
    assert_eq!(v["strokes"][0]["id"], "j1");
    let (status, body) = http_get(&server.addr, "/api/boards/bad%20name").await;
    assert_eq!(status, 400);
    assert!(body.contains("only contain"));

    let (status, body) = http_get(&server.addr, "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("New board"));
    let (status, body) = http_get(&server.addr, "/b/api").await;
    assert_eq!(status, 200);
    assert!(body.contains("<canvas"), "{body}");
    // The drawing is in the page itself, as SVG, before any script runs.
    assert!(body.contains(r##"<path d="M0 0Q10 10 15 7.5L20 5" fill="none" stroke="#1971c2""##), "{body}");
    let (status, _) = http_get(&server.addr, "/new").await;
    assert_eq!(status, 303);
    let (status, _) = http_get(&server.addr, "/go?board=Team+Retro").await;
    assert_eq!(status, 303);
    server.shutdown().await;
}

#[tokio::test]
async fn acked_strokes_survive_kill_9() {
    let (_dir, db) = temp_db();
    let addr = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().to_string()
    };
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_scrawl"))
        .args(["--addr", &addr, "--db"])
        .arg(&db)
        .env("LEPTOS_OUTPUT_NAME", "scrawl")
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while tokio::net::TcpStream::connect(&addr).await.is_err() {
        assert!(std::time::Instant::now() < deadline, "server did not start");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut a = join(&addr, "crash", "a").await;
    for i in 0..50 {
        draw(&mut a.client, &format!("k{i}")).await;
    }
    child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    child.wait().unwrap();

    let server = TestServer::start(&db).await;
    let late = join(&server.addr, "crash", "late").await;
    assert_eq!(late.strokes.len(), 50);
    assert!(late.strokes.iter().all(|s| s.points.len() == 6));
    assert_eq!(late.seq, 150);
    server.shutdown().await;
}

#[tokio::test]
async fn erase_removes_a_peers_stroke_for_everyone() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let mut a = join(&server.addr, "e", "a").await;
    let mut b = join(&server.addr, "e", "b").await;
    draw(&mut a.client, "mine").await;
    ok(&mut b.client, event::ERASE, &json!({ "ids": ["mine"] })).await;
    let (name, data) = next_change(&mut a.client).await;
    assert_eq!((name.as_str(), data["ids"].clone()), (event::STROKE_REMOVE, json!(["mine"])));
    // Erasing it again is a no-op, acked.
    ok(&mut b.client, event::ERASE, &json!({ "ids": ["mine"] })).await;
    let refused = ack(&mut b.client, event::ERASE, &json!({ "ids": ["ghost"] })).await;
    assert!(refused.error.unwrap().contains("does not exist"));
    assert!(join(&server.addr, "e", "late").await.strokes.is_empty());
    ok(&mut b.client, event::UNDO, &json!({})).await;
    assert_eq!(next_change(&mut a.client).await.0, event::STROKE_RESTORE);
    assert_eq!(join(&server.addr, "e", "late2").await.strokes.len(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn pipelined_batches_keep_their_order() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let mut a = join(&server.addr, "order", "a").await;
    let mut b = join(&server.addr, "order", "b").await;
    // Everything sent back to back, as a browser streams while drawing.
    a.client.emit(event::STROKE_START, &start_msg("p", vec![0.0, 0.0])).unwrap();
    for n in 1..=200u32 {
        a.client.emit(event::STROKE_POINTS, &points("p", n, vec![n as f32, 0.0])).unwrap();
    }
    ok(&mut a.client, event::STROKE_END, &end("p")).await;
    let expected: Vec<f32> = (0..=200).flat_map(|n| [n as f32, 0.0]).collect();
    let late = join(&server.addr, "order", "late").await;
    assert_eq!(late.strokes[0].points, expected);
    // The peer got the batches in order too.
    let mut relayed = vec![0.0, 0.0];
    loop {
        let (name, data) = next_change(&mut b.client).await;
        match name.as_str() {
            event::STROKE_POINTS => relayed.extend(serde_json::from_value::<StrokePoints>(data).unwrap().points),
            event::STROKE_END => break,
            _ => {}
        }
    }
    assert_eq!(relayed, expected);
    server.shutdown().await;
}
