//! Time travel over the wire: delta resync of a reconnecting client (bytes
//! counted), the board at any seq over HTTP, the read-only past page,
//! restore as one undoable change, compaction, and boards older than the log.

mod common;

use std::time::Duration;

use common::*;
use scrawl::protocol::{
    Auth, Erase, Event, HistoryLog, Redo, Replaced, Restore, ServerMessage, Stroke, Timeline, Undo,
};
use scrawl::socketio::native::NativeClient;
use scrawl::sync::BoardSync;

/// The board's strokes as `GET /api/boards/{board}[?at=]` tells them.
async fn api_strokes(server: &TestServer, path: &str) -> Vec<Stroke> {
    let (status, body) = server.get(path).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_value(serde_json::from_str::<serde_json::Value>(&body).unwrap()["strokes"].clone()).unwrap()
}

/// Connects with `auth` and feeds everything up to `synced` to `sync`, the
/// client's own replica; returns the bytes received and the client.
async fn sync_into(addr: &str, auth: &Auth, sync: &mut BoardSync) -> (usize, NativeClient) {
    let mut c = NativeClient::connect(addr, auth).await.unwrap();
    let mut bytes = 0;
    loop {
        let (name, text) = c.next_text().await.unwrap();
        bytes += text.len();
        let Some(message) = ServerMessage::decode(&name, &text).unwrap() else { continue };
        let done = matches!(message, ServerMessage::Synced(_));
        sync.receive(message);
        if done {
            return (bytes, c);
        }
    }
}

async fn draw_many(c: &mut NativeClient, prefix: &str, n: usize) {
    for i in 0..n {
        let s = format!("{prefix}{i}");
        ok(c, &start_msg(&s, vec![i as f32, 0.0])).await;
        let points: Vec<f32> = (0..200).map(|k| (i * 7 + k) as f32).collect();
        ok(c, &batch(&s, 1, points)).await;
        ok(c, &end(&s)).await;
    }
}

#[tokio::test]
async fn a_reconnecting_client_gets_only_what_it_missed() {
    let server = TestServer::start().await;
    let mut alice = server.join("delta", "alice").await;
    draw_many(&mut alice.client, "a", 150).await;

    let bob_auth = auth("delta", "bob");
    let mut bob = BoardSync::default();
    let (full_bytes, c) = sync_into(&server.addr, &bob_auth, &mut bob).await;
    assert_eq!(bob.strokes().len(), 150);
    c.close();
    bob.connection_lost();

    // While Bob is away: two strokes, a batch onto one of them, an erase, an undo.
    draw_many(&mut alice.client, "b", 2).await;
    ok(&mut alice.client, &Erase { ids: vec![id("a3")] }).await;
    ok(&mut alice.client, &Erase { ids: vec![id("a4")] }).await;
    ok(&mut alice.client, &Undo).await;

    let (since, epoch) = bob.resume_point().expect("synced once");
    let resume = Auth { since: Some(since), epoch: Some(epoch), ..bob_auth.clone() };
    let (delta_bytes, mut c) = sync_into(&server.addr, &resume, &mut bob).await;
    let now = api_strokes(&server, "/api/boards/delta").await;
    // By id: a stroke an undo brings back goes on top of a replica until it
    // loads the board again (the relay carries no place in the order).
    let by_id = |s: &[Stroke]| {
        let mut s = s.to_vec();
        s.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        s
    };
    assert!(by_id(bob.strokes()) == by_id(&now), "the delta brings Bob's board up to date");
    println!("full sync {full_bytes} B, delta sync {delta_bytes} B");
    assert!(delta_bytes * 20 < full_bytes, "delta {delta_bytes} B against full {full_bytes} B");
    // Live relays go on from there.
    draw_many(&mut alice.client, "c", 1).await;
    for _ in 0..3 {
        let message = next_change(&mut c).await;
        bob.receive(message);
    }
    assert_eq!(bob.strokes().len(), now.len() + 1);

    // Asking for a seq the server never had, or of another run of seqs: the whole board.
    let mut fresh = BoardSync::default();
    let wild = Auth { since: Some(1_000_000), epoch: Some(epoch), ..auth("delta", "carol") };
    let (bytes, _c) = sync_into(&server.addr, &wild, &mut BoardSync::default()).await;
    assert!(bytes > full_bytes / 2, "a seq from the future gets the whole board");
    let wild = Auth { since: Some(since), epoch: Some(epoch.wrapping_add(1)), ..auth("delta", "carol") };
    let (bytes, _c) = sync_into(&server.addr, &wild, &mut fresh).await;
    assert!(bytes > full_bytes / 2, "a seq of another epoch gets the whole board");
    assert_eq!(fresh.strokes().len(), now.len() + 1);
}

#[tokio::test]
async fn after_a_restart_a_resume_point_gets_the_whole_board() {
    let mut server = TestServer::start().await;
    let mut alice = server.join("restarted", "alice").await;
    draw_many(&mut alice.client, "a", 3).await;
    let mut bob = BoardSync::default();
    let (_, c) = sync_into(&server.addr, &auth("restarted", "bob"), &mut bob).await;
    c.close();
    bob.connection_lost();
    // A restart: the server starts a new epoch, whose seqs may differ from
    // the relays Bob saw (they go out before they are stored).
    drop(alice);
    server.restart().await;
    let (since, epoch) = bob.resume_point().unzip();
    let resume = Auth { since, epoch, ..auth("restarted", "bob") };
    let mut c = NativeClient::connect(&server.addr, &resume).await.unwrap();
    let ServerMessage::Welcome(welcome) = c.next_message().await.unwrap() else { panic!("welcome first") };
    assert_eq!(welcome.since, None, "nothing kept from before the restart: the whole board comes");
    assert!(matches!(c.next_message().await.unwrap(), ServerMessage::History(_)));
}

#[tokio::test]
async fn the_board_at_any_seq_over_http() {
    let server = TestServer::start().await;
    let mut alice = server.join("past", "alice").await;
    draw(&mut alice.client, "a").await;
    draw(&mut alice.client, "b").await;
    let before_erase = ok(&mut alice.client, &end("b")).await;
    let erased = ok(&mut alice.client, &Erase { ids: vec![id("a")] }).await;

    assert_eq!(ids(&api_strokes(&server, &format!("/api/boards/past?at={before_erase}")).await), ["a", "b"]);
    assert_eq!(ids(&api_strokes(&server, &format!("/api/boards/past?at={erased}")).await), ["b"]);
    assert_eq!(ids(&api_strokes(&server, "/api/boards/past?at=0").await), Vec::<&str>::new());
    // The first stroke half drawn: its first batch only.
    let half = api_strokes(&server, "/api/boards/past?at=1").await;
    assert_eq!(half[0].points, vec![0.0, 0.0]);

    let (status, body) = server.get(&format!("/api/boards/past?at={}", erased + 1)).await;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("no change"), "{body}");
    let (status, _) = server.get("/api/boards/past?at=soon").await;
    assert_eq!(status, 400);
    let (status, _) = server.get("/api/boards/past?at=-1").await;
    assert_eq!(status, 400);

    // The whole log replays to the same boards.
    let (status, body) = server.get("/api/boards/past/history").await;
    assert_eq!(status, 200);
    let log: HistoryLog = serde_json::from_str(&body).unwrap();
    assert_eq!((log.from, log.changes.len() as u64), (0, erased));
    // Who: a token for Alice's client on this board, never her client id (it would act for her).
    let alice_token = log.changes[0].client.clone();
    assert!(alice_token.len() == 12 && !body.contains("\"alice\""), "{alice_token}");
    assert!(log.changes.iter().all(|c| c.client == alice_token && c.name == "user alice"));
    assert_eq!(log.changes.last().unwrap().event, Erase::NAME);
    let timeline = Timeline::new(log);
    for seq in 0..=erased {
        let api = api_strokes(&server, &format!("/api/boards/past?at={seq}")).await;
        assert_eq!(timeline.strokes_at(seq), api, "seq {seq}");
    }

    // The read-only page of that version works without JavaScript.
    let (status, headers, page) = server.get_with_headers(&format!("/b/past?at={before_erase}")).await;
    assert_eq!(status, 200);
    assert!(page.matches("<path").count() >= 2 && !page.contains("<script"), "{page}");
    assert!(headers["content-security-policy"].to_str().unwrap().contains("script-src 'self' 'nonce-"));
    let (status, page) = server.get(&format!("/b/past?at={}", erased + 5)).await;
    assert_eq!(status, 404, "{page}");
}

#[tokio::test]
async fn a_private_board_keeps_its_past_private() {
    let server = TestServer::start().await;
    let (ok_created, out) = scrawl(&["board", "create", "secret", "--mode", "private"], &server.db()).await;
    assert!(ok_created, "{out}");
    let key = out.lines().find_map(|l| l.strip_prefix("owner: /b/secret#k=")).unwrap().trim().to_owned();
    // The server follows the operator's board within seconds; ask until it answers.
    for path in ["/api/boards/secret?at=0", "/api/boards/secret/history", "/b/secret?at=0"] {
        let (status, body) = server.get(path).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    // With the key, all three answer; a key in the query opens nothing (keys never go in URLs' queries).
    let bearer = format!("Bearer {key}");
    for path in ["/api/boards/secret?at=0", "/api/boards/secret/history", "/b/secret?at=0"] {
        let (status, _, body) = get_with(&server.addr, path, &[("authorization", &bearer)]).await.unwrap();
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (status, _) = server.get(&format!("/b/secret?at=0&key={key}")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn restoring_a_version_is_one_undoable_change_everyone_sees() {
    let mut server = TestServer::start().await;
    let mut alice = server.join("restore", "alice").await;
    let mut bob = server.join("restore", "bob").await;
    draw(&mut alice.client, "a").await;
    let both = ok(&mut bob.client, &start_msg("b", vec![5.0, 5.0])).await;
    ok(&mut bob.client, &end("b")).await;
    ok(&mut alice.client, &Erase { ids: vec![id("a"), id("b")] }).await;
    draw(&mut alice.client, "c").await;
    while !matches!(next_change(&mut bob.client).await, ServerMessage::StrokeEnd(e) if e.id.as_str() == "c") {}

    let restore = Restore { seq: both, op: Some(id("r1")) };
    let restored = ack(&mut alice.client, &restore).await;
    assert!(restored.ok, "{restored:?}");
    let replaced = restored.replaced.expect("the ack says what changed");
    assert_eq!(ids(&replaced.show).len(), 2);
    assert_eq!(replaced.hide, vec![id("c")]);
    let ServerMessage::Replaced(Replaced { show, hide, .. }) = next_change(&mut bob.client).await else {
        panic!("Bob sees the restore")
    };
    assert_eq!((show, hide), (replaced.show.clone(), replaced.hide.clone()));
    let then = api_strokes(&server, &format!("/api/boards/restore?at={both}")).await;
    let now = api_strokes(&server, "/api/boards/restore").await;
    // Sent again (its ack was lost): applied once.
    let again = ack(&mut alice.client, &restore).await;
    assert!(again.ok && again.replaced.is_none() && again.seq == restored.seq, "{again:?}");
    assert_eq!(api_strokes(&server, "/api/boards/restore").await, now);
    let strip = |s: &[Stroke]| s.iter().map(|s| (s.points.clone(), s.color.clone(), s.tool)).collect::<Vec<_>>();
    assert_eq!(strip(&now), strip(&then), "the board looks as it did then");

    // One undo takes it back; redo brings it again; it all survives a restart.
    ok(&mut alice.client, &Undo).await;
    assert_eq!(ids(&api_strokes(&server, "/api/boards/restore").await), ["c"]);
    ok(&mut alice.client, &Redo).await;
    let redone = api_strokes(&server, "/api/boards/restore").await;
    assert_eq!(redone, now);
    drop((alice, bob));
    server.restart().await;
    assert_eq!(api_strokes(&server, "/api/boards/restore").await, now);

    // A version not made yet, or nothing at all, is refused with a reason.
    let mut carol = server.join("restore", "carol").await;
    let refused_future = refused(&mut carol.client, &Restore { seq: 10_000, op: None }).await;
    assert!(refused_future.contains("no change 10000"), "{refused_future}");
    let bad = carol.client.emit_ack_raw(Restore::NAME, serde_json::json!({ "seq": "x" })).await.unwrap();
    assert_eq!(bad.code.as_deref(), Some("invalid"));
}

#[tokio::test]
async fn compaction_keeps_the_present_and_forgets_the_past() {
    let server = TestServer::start().await;
    let mut alice = server.join("old", "alice").await;
    draw_many(&mut alice.client, "a", 5).await;
    let middle = ok(&mut alice.client, &Erase { ids: vec![id("a1")] }).await;
    let before = api_strokes(&server, "/api/boards/old").await;

    let (done, out) = scrawl(&["board", "compact", "old", "--before", "2999-01-01"], &server.db()).await;
    assert!(done, "{out}");
    assert!(out.contains(&format!("history now starts at change {middle}")), "{out}");
    let (done, out) = scrawl(&["board", "compact", "old", "--before", "last week"], &server.db()).await;
    assert!(!done && out.contains("not a date"), "{out}");

    assert_eq!(api_strokes(&server, "/api/boards/old").await, before, "the present stays exact");
    assert_eq!(api_strokes(&server, &format!("/api/boards/old?at={middle}")).await, before);
    let (status, body) = server.get("/api/boards/old?at=2").await;
    assert_eq!(status, 410, "{body}");
    assert!(body.contains(&format!("before change {middle} was compacted")), "{body}");
    let (_, body) = server.get("/api/boards/old/history").await;
    let log: HistoryLog = serde_json::from_str(&body).unwrap();
    assert_eq!(log.from, middle);
    assert!(log.since.is_some(), "the panel can say since when");
    assert!(log.changes.is_empty());
    assert_eq!(Timeline::new(log).strokes_at(middle), before);

    // The board goes on, and so does its history.
    draw(&mut alice.client, "z").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (_, body) = server.get("/api/boards/old/history").await;
    let log: HistoryLog = serde_json::from_str(&body).unwrap();
    assert_eq!(log.changes.len(), 3);
    assert_eq!(Timeline::new(log).strokes_at(middle + 3), api_strokes(&server, "/api/boards/old").await);
}

#[tokio::test]
async fn boards_from_before_the_log_keep_everything() {
    use sqlx::migrate::Migrator;
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::ConnectOptions;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("scrawl.db");
    // The schema as it was before the change log, with a board on it.
    let old = tempfile::tempdir().unwrap();
    for file in std::fs::read_dir("migrations/sqlite").unwrap() {
        let path = file.unwrap().path();
        if path.file_name().unwrap().to_str().unwrap() < "20261201" {
            std::fs::copy(&path, old.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let mut conn = SqliteConnectOptions::new().filename(&db).create_if_missing(true).connect().await.unwrap();
    Migrator::new(old.path()).await.unwrap().run(&mut conn).await.unwrap();
    sqlx::raw_sql(
        "INSERT INTO boards (name, seq) VALUES ('legacy', 9); \
         INSERT INTO strokes (board, id, client, user, color, width, tool, seq, open, live, z, text) VALUES \
           ('legacy', 'a', 'c', 'u', '#112233', 2, 'pen', 1, 0, 1, 1, NULL), \
           ('legacy', 'gone', 'c', 'u', '#112233', 2, 'pen', 4, 0, 0, 4, NULL), \
           ('legacy', 'n', 'c', 'u', '#ffee00', 2, 'note', 6, 0, 1, 6, 'hello'); \
         INSERT INTO segments (board, stroke, n, points) VALUES \
           ('legacy', 'a', 0, x'0000803f00000040'), ('legacy', 'a', 1, x'0000404000008040'), \
           ('legacy', 'gone', 0, x'0000803f00000040'), ('legacy', 'n', 0, x'0000000000000000000020410000a041');",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    drop(conn);

    let server = TestServer::start_in(dir, Default::default()).await;
    let now = api_strokes(&server, "/api/boards/legacy").await;
    assert_eq!(ids(&now), ["a", "n"]);
    assert_eq!(now[0].points, vec![1.0, 2.0, 3.0, 4.0]);
    assert_eq!(api_strokes(&server, "/api/boards/legacy?at=9").await, now);
    let (status, _) = server.get("/api/boards/legacy?at=8").await;
    assert_eq!(status, 410, "the past before the log is unknown, and said so");
    let mut alice = server.join("legacy", "alice").await;
    ok(&mut alice.client, &Erase { ids: vec![id("a")] }).await;
    let (_, body) = server.get("/api/boards/legacy/history").await;
    let timeline = Timeline::new(serde_json::from_str(&body).unwrap());
    assert_eq!((timeline.from(), timeline.last()), (9, 10));
    assert_eq!(timeline.strokes_at(9), now);
    assert_eq!(ids(&timeline.strokes_at(10)), ["n"]);
}

#[tokio::test]
async fn history_days_folds_old_history_away_on_its_own() {
    let mut server = TestServer::start().await;
    let mut alice = server.join("aging", "alice").await;
    draw(&mut alice.client, "old").await;
    let old = ok(&mut alice.client, &Erase { ids: vec![id("old")] }).await;
    drop(alice);
    server.shutdown().await;
    // Those changes were made three days ago.
    let mut conn = {
        use sqlx::ConnectOptions;
        sqlx::sqlite::SqliteConnectOptions::new().filename(server.db()).connect().await.unwrap()
    };
    let days = 3 * 86_400_000i64;
    for table in ["changes", "segments"] {
        sqlx::query(&format!("UPDATE {table} SET at = at - ? WHERE at IS NOT NULL"))
            .bind(days)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    drop(conn);

    server.settings.history_days = Some(1);
    server.restart_after_shutdown().await;
    let mut alice = server.join("aging", "alice").await;
    draw(&mut alice.client, "new").await;
    // Checked at start, then hourly: the three-day-old history goes, today's stays.
    let log = loop {
        let (_, body) = server.get("/api/boards/aging/history").await;
        let log: HistoryLog = serde_json::from_str(&body).unwrap();
        if log.from > 0 {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(log.from, old);
    assert_eq!(log.changes.len(), 3, "today's stroke is kept whole");
    assert_eq!(ids(&api_strokes(&server, "/api/boards/aging").await), ["new"]);
    let (status, _) = server.get("/api/boards/aging?at=1").await;
    assert_eq!(status, 410);
}
