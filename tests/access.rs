//! PROTOCOL.md, "Access": board modes, roles and link keys, the owner's
//! events, and what a role change does to live sockets; the HTTP side of
//! private boards; and the operator's `scrawl board` commands.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use scrawl::protocol::{
    BoardDeleted, Cursor, DeleteBoard, Kick, Links, Mode, RemoveDrawing, ResetLinks, Role, ServerMessage, SetLock,
    SetMode, Undo,
};
use scrawl::socketio::native::{ClientError, NativeClient};
use serde_json::Value;

/// Makes a board through `/new`, as the home page does: its name and the
/// owner key from the fragment of the redirect.
async fn new_board(server: &TestServer) -> (String, String) {
    let (status, headers, _) = server.get_with_headers("/new").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers["location"].to_str().unwrap();
    let (path, key) = location.split_once("#k=").expect("the owner key in the fragment");
    (path.strip_prefix("/b/").unwrap().to_owned(), key.to_owned())
}

/// Joins as the owner and returns it with the links it was told.
async fn owner(server: &TestServer, board: &str, key: &str) -> (Joined, Links) {
    let joined = join_with_key(&server.addr, board, "owner", Some(key)).await.unwrap();
    let access = joined.welcome.access.clone();
    assert_eq!(access.role, Role::Owner);
    (joined, access.links.expect("an owner is told its links"))
}

async fn refused_join(server: &TestServer, board: &str, client: &str, key: Option<&str>) -> String {
    match join_with_key(&server.addr, board, client, key).await {
        Err(ClientError::Refused(message)) => message,
        Err(e) => panic!("expected a refusal, got {e}"),
        Ok(_) => panic!("{client} joined {board}"),
    }
}

/// Reads events until the server closes the connection; returns their names.
async fn until_disconnected(c: &mut NativeClient) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        match c.next_event().await {
            Ok((name, _)) => seen.push(name),
            Err(ClientError::Closed) => return seen,
            Err(e) => panic!("expected the server to disconnect, got {e} after {seen:?}"),
        }
    }
}

#[tokio::test]
async fn viewers_watch_everything_and_write_nothing() {
    let server = TestServer::start().await;
    let (board, key) = new_board(&server).await;
    let (mut owner, links) = owner(&server, &board, &key).await;
    assert_eq!(ok(&mut owner.client, &SetMode { mode: Mode::Protected }).await, owner.seq);

    // Anyone with the URL watches; the view link too.
    let mut anyone = server.join(&board, "anyone").await;
    assert_eq!((anyone.welcome.access.role, anyone.welcome.access.links.clone()), (Role::View, None));
    let mut viewer = join_with_key(&server.addr, &board, "viewer", Some(&links.view)).await.unwrap();
    assert_eq!(viewer.welcome.access.role, Role::View);
    for c in [&mut anyone.client, &mut viewer.client] {
        for error in [
            ack(c, &start_msg("v1", vec![0.0, 0.0])).await,
            ack(c, &Undo).await,
            ack(c, &scrawl::protocol::Clear).await,
            ack(c, &scrawl::protocol::Restore { seq: 0, op: None }).await,
        ] {
            assert_eq!(error.error.as_deref(), Some("read-only: your link lets you watch this board, not draw on it"));
            assert_eq!(error.code.as_deref(), Some("read-only"));
        }
        assert_eq!(refused(c, &SetLock { locked: true }).await, "only the board's owner may do this");
    }
    // The edit link draws, and viewers see it live.
    let mut editor = join_with_key(&server.addr, &board, "editor", Some(&links.edit)).await.unwrap();
    assert_eq!(editor.welcome.access.role, Role::Edit);
    draw(&mut editor.client, "e1").await;
    let ServerMessage::StrokeStarted(s) = next_change(&mut viewer.client).await else { panic!("expected a start") };
    assert_eq!(s.stroke.id, "e1");

    // A viewer's cursor is not relayed; an editor's is.
    viewer.client.emit(&Cursor { x: 1.0, y: 1.0 }).unwrap();
    editor.client.emit(&Cursor { x: 2.0, y: 2.0 }).unwrap();
    let moved: scrawl::protocol::CursorMoved = owner.client.recv().await.unwrap();
    assert_eq!((moved.user, moved.x), (editor.welcome.you.id.clone(), 2.0));
}

#[tokio::test]
async fn a_private_board_needs_a_key_on_the_socket_the_page_and_the_api() {
    let server = TestServer::start().await;
    let (board, key) = new_board(&server).await;
    let (mut owner, links) = owner(&server, &board, &key).await;
    draw(&mut owner.client, "secret").await;
    // Its page while open: the drawing, which the server keeps rendered.
    let (_, page) = server.get(&format!("/b/{board}")).await;
    assert!(page.contains("<path"), "{page}");
    ok(&mut owner.client, &SetMode { mode: Mode::Private }).await;

    let message = refused_join(&server, &board, "stranger", None).await;
    assert_eq!(message, "this board is private: open it with a link from its owner");
    let message = refused_join(&server, &board, "stranger", Some("0123456789abcdef")).await;
    assert!(message.starts_with("this board is private, and this link is not valid"), "{message}");
    let viewer = join_with_key(&server.addr, &board, "viewer", Some(&links.view)).await.unwrap();
    assert_eq!(ids(&viewer.strokes), ["secret"]);

    // The page renders without the drawing; the API answers only to a key.
    let (status, page) = server.get(&format!("/b/{board}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<canvas") && !page.contains("<path"), "{page}");
    let api = format!("/api/boards/{board}");
    let (status, body) = server.get(&api).await;
    assert_eq!((status, body.as_str()), (StatusCode::NOT_FOUND, r#"{"error":"no such board"}"#));
    for (key, expected) in
        [(&links.view, StatusCode::OK), (&links.owner, StatusCode::OK), (&"wrong".into(), StatusCode::NOT_FOUND)]
    {
        let (status, body) = get_bearer(&server.addr, &api, key).await;
        assert_eq!(status, expected, "{body}");
    }
    let (_, body) = get_bearer(&server.addr, &api, &links.edit).await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["strokes"][0]["id"], "secret");

    // Back to open: the page shows the drawing again.
    ok(&mut owner.client, &SetMode { mode: Mode::Open }).await;
    let (_, page) = server.get(&format!("/b/{board}")).await;
    assert!(page.contains("<path"), "{page}");
}

async fn get_bearer(addr: &str, path: &str, key: &str) -> (StatusCode, String) {
    let (status, _, body) = get_with(addr, path, &[("authorization", &format!("Bearer {key}"))]).await.unwrap();
    (status, body)
}

#[tokio::test]
async fn reset_links_stop_old_keys_at_once_even_on_live_sockets() {
    let server = TestServer::start().await;
    let (board, key) = new_board(&server).await;
    let (mut owner, links) = owner(&server, &board, &key).await;
    ok(&mut owner.client, &SetMode { mode: Mode::Protected }).await;
    let mut editor = join_with_key(&server.addr, &board, "editor", Some(&links.edit)).await.unwrap();
    draw(&mut editor.client, "before").await;

    ok(&mut owner.client, &ResetLinks).await;
    // The owner is told the new links (after the mode change's); the old
    // edit key now only watches.
    let new = loop {
        let told: scrawl::protocol::Access = owner.client.recv().await.unwrap();
        let told = told.links.unwrap();
        if told.edit != links.edit {
            break told;
        }
    };
    assert_eq!(new.owner, links.owner);
    assert!(new.edit != links.edit && new.view != links.view);
    let demoted: scrawl::protocol::Access = editor.client.recv().await.unwrap();
    assert_eq!(demoted.role, Role::View);
    let error = ack(&mut editor.client, &start_msg("after", vec![0.0, 0.0])).await;
    assert_eq!(error.code.as_deref(), Some("read-only"), "{error:?}");
    assert_eq!(
        join_with_key(&server.addr, &board, "e2", Some(&new.edit)).await.unwrap().welcome.access.role,
        Role::Edit
    );

    // On a private board, the old key loses the board: its socket is closed.
    ok(&mut owner.client, &SetMode { mode: Mode::Private }).await;
    let seen = until_disconnected(&mut editor.client).await;
    assert!(seen.iter().all(|event| event == "presence"), "{seen:?}");
    let message = refused_join(&server, &board, "editor", Some(&links.edit)).await;
    assert!(message.contains("not valid"), "{message}");
}

#[tokio::test]
async fn a_kicked_person_is_disconnected_and_kept_out() {
    let server = TestServer::start().await;
    let (board, key) = new_board(&server).await;
    let (mut owner, _) = owner(&server, &board, &key).await;
    let mut vandal = server.join(&board, "vandal").await;
    let user = vandal.welcome.you.id.clone();
    assert_eq!(
        refused(&mut owner.client, &Kick { user: owner.welcome.you.id.clone() }).await,
        "you cannot kick yourself"
    );
    assert_eq!(
        refused(&mut owner.client, &Kick { user: "nobody".into() }).await,
        "nobody with that id is on this board"
    );
    assert_eq!(
        refused(&mut vandal.client, &Kick { user: owner.welcome.you.id.clone() }).await,
        "only the board's owner may do this"
    );

    ok(&mut owner.client, &Kick { user }).await;
    until_disconnected(&mut vandal.client).await;
    let message = refused_join(&server, &board, "vandal", None).await;
    assert_eq!(message, "the board's owner removed you from this board; you may come back in 10 min");
    // A new client id from the same address is kept out too; other boards are not affected.
    let message = refused_join(&server, &board, "vandal-again", None).await;
    assert!(message.contains("removed you"), "{message}");
    server.join("elsewhere", "vandal").await;
    // The owner is not.
    join_with_key(&server.addr, &board, "owner", Some(&key)).await.unwrap();
}

#[tokio::test]
async fn a_locked_board_takes_only_the_owners_changes() {
    let server = TestServer::start().await;
    let (board, key) = new_board(&server).await;
    let (mut owner, _) = owner(&server, &board, &key).await;
    let mut editor = server.join(&board, "editor").await;
    draw(&mut editor.client, "e1").await;

    ok(&mut owner.client, &SetLock { locked: true }).await;
    let told: scrawl::protocol::Access = editor.client.recv().await.unwrap();
    assert!(told.locked && !told.can_draw());
    let error = ack(&mut editor.client, &start_msg("e2", vec![0.0, 0.0])).await;
    assert_eq!(error.error.as_deref(), Some("read-only: the board is locked, and only its owner draws"));
    assert_eq!(error.code.as_deref(), Some("read-only"));
    assert_eq!(ack(&mut editor.client, &Undo).await.code.as_deref(), Some("read-only"));
    draw(&mut owner.client, "o1").await;
    // A late editor is told the lock in its welcome.
    let late = server.join(&board, "late").await;
    assert!(late.welcome.access.locked && !late.welcome.access.can_draw());

    ok(&mut owner.client, &SetLock { locked: false }).await;
    draw(&mut editor.client, "e2").await;
}

#[tokio::test]
async fn remove_drawing_hides_everything_of_one_person_as_one_undoable_action() {
    let server = TestServer::start().await;
    let (board, key) = new_board(&server).await;
    let (mut owner, _) = owner(&server, &board, &key).await;
    let mut vandal = server.join(&board, "vandal").await;
    let mut other = server.join(&board, "other").await;
    for id in ["v1", "v2"] {
        draw(&mut vandal.client, id).await;
    }
    draw(&mut other.client, "kept").await;

    let ack = ack(&mut owner.client, &RemoveDrawing { user: vandal.welcome.you.id.clone() }).await;
    assert!(ack.ok, "{ack:?}");
    assert_eq!(ack.removed.unwrap().iter().map(|s| s.as_str()).collect::<Vec<_>>(), ["v1", "v2"]);
    let error = refused(&mut other.client, &RemoveDrawing { user: vandal.welcome.you.id.clone() }).await;
    assert_eq!(error, "only the board's owner may do this");
    assert_eq!(ids(&server.join(&board, "late").await.strokes), ["kept"]);
    // The owner's undo brings it all back.
    ok(&mut owner.client, &Undo).await;
    assert_eq!(ids(&server.join(&board, "later").await.strokes), ["v1", "v2", "kept"]);
}

#[tokio::test]
async fn a_deleted_board_is_gone_from_sqlite_and_the_api() {
    let mut server = TestServer::start().await;
    let (board, key) = new_board(&server).await;
    let (mut owner, _) = owner(&server, &board, &key).await;
    let mut member = server.join(&board, "member").await;
    draw(&mut member.client, "s1").await;
    assert_eq!(refused(&mut member.client, &DeleteBoard).await, "only the board's owner may do this");

    ok(&mut owner.client, &DeleteBoard).await;
    assert_eq!(until_disconnected(&mut member.client).await, [BoardDeleted::NAME]);
    let (status, body) = server.get(&format!("/api/boards/{board}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["strokes"], serde_json::json!([]));
    // Whoever comes next finds an empty, open board without an owner.
    let fresh = server.join(&board, "next").await;
    assert_eq!((fresh.strokes.len(), fresh.welcome.access.role), (0, Role::Edit));
    drop(fresh);

    server.shutdown().await;
    let pool = sqlx::SqlitePool::connect(&db_url(&server.db())).await.unwrap();
    for table in ["boards WHERE name", "strokes WHERE board", "segments WHERE board", "board_keys WHERE board"] {
        let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table} = ?"))
            .bind(&board)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(count, 0, "{table}");
    }
    pool.close().await;
}

use scrawl::protocol::Event;

#[tokio::test]
async fn the_operator_creates_rekeys_lists_and_deletes_boards_next_to_a_running_server() {
    let server = TestServer::start().await;
    // Serving: the server has migrated the database.
    assert_eq!(server.get("/healthz").await.0, StatusCode::OK);
    let db = server.db();
    let (ok_, out) =
        scrawl(&["board", "create", "class-7b", "--mode", "private", "--public-url", "https://wb.example.org/"], &db)
            .await;
    assert!(ok_, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    let key_of = |line: &str, role: &str| {
        let url = line
            .strip_prefix(&format!("{role}: https://wb.example.org/b/class-7b#k="))
            .unwrap_or_else(|| panic!("{line}"));
        url.to_owned()
    };
    let (owner_key, edit_key) = (key_of(lines[0], "owner"), key_of(lines[1], "edit"));
    key_of(lines[2], "view");
    let (again, out) = scrawl(&["board", "create", "class-7b"], &db).await;
    assert!(!again && out.contains("exists already"), "{out}");

    // The running server takes the new board and its keys.
    assert!(refused_join(&server, "class-7b", "stranger", None).await.starts_with("this board is private"));
    let mut editor = join_with_key(&server.addr, "class-7b", "editor", Some(&edit_key)).await.unwrap();
    draw(&mut editor.client, "s1").await;

    // New links: the server follows within seconds, also for live sockets.
    let (ok_, out) = scrawl(&["board", "links", "class-7b"], &db).await;
    assert!(ok_ && out.starts_with("owner: /b/class-7b#k="), "{out}");
    let new_owner = out.lines().next().unwrap().rsplit("#k=").next().unwrap().to_owned();
    assert_ne!(new_owner, owner_key);
    assert!(until_disconnected(&mut editor.client).await.is_empty());
    join_with_key(&server.addr, "class-7b", "owner", Some(&new_owner)).await.unwrap();
    let (ok_, out) = scrawl(&["board", "links", "nowhere"], &db).await;
    assert!(!ok_ && out.contains("no board nowhere"), "{out}");

    let (ok_, out) = scrawl(&["boards"], &db).await;
    assert!(ok_, "{out}");
    let line = out.lines().find(|l| l.starts_with("class-7b ")).unwrap_or_else(|| panic!("{out}"));
    let fields: Vec<&str> = line.split_whitespace().collect();
    // name, mode, strokes, points, bytes, date, time
    assert_eq!(&fields[..5], ["class-7b", "private", "1", "3", "24"], "{line}");

    // Deleting it while someone is on it: they are told and disconnected.
    let mut owner = join_with_key(&server.addr, "class-7b", "owner2", Some(&new_owner)).await.unwrap();
    let (ok_, out) = scrawl(&["board", "delete", "class-7b"], &db).await;
    assert!(ok_ && out.trim() == "deleted class-7b", "{out}");
    let seen = tokio::time::timeout(Duration::from_secs(15), until_disconnected(&mut owner.client)).await.unwrap();
    assert_eq!(seen, [BoardDeleted::NAME]);
    assert_eq!(server.join("class-7b", "next").await.strokes.len(), 0);
    let (ok_, out) = scrawl(&["board", "delete", "class-7b"], &db).await;
    assert!(!ok_ && out.contains("no board class-7b"), "{out}");

    // A board held open only by page views follows the operator too: once
    // deleted, its page stops showing the drawing, however often it is viewed.
    let mut drawer = server.join("looked-at", "d").await;
    draw(&mut drawer.client, "s").await;
    drawer.client.close();
    let (_, page) = server.get("/b/looked-at").await;
    assert!(page.contains("<path"), "{page}");
    let (ok_, out) = scrawl(&["board", "delete", "looked-at"], &db).await;
    assert!(ok_, "{out}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while server.get("/b/looked-at").await.1.contains("<path") {
        assert!(tokio::time::Instant::now() < deadline, "the deleted board's page still shows it");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn expire_after_deletes_idle_boards_only() {
    let mut server = TestServer::start().await;
    let mut a = server.join("old", "a").await;
    draw(&mut a.client, "s1").await;
    let mut b = server.join("recent", "b").await;
    draw(&mut b.client, "s1").await;
    drop((a, b));
    server.shutdown().await;
    let pool = sqlx::SqlitePool::connect(&db_url(&server.db())).await.unwrap();
    sqlx::query("UPDATE boards SET active_at = unixepoch() - 8 * 86400 WHERE name = 'old'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    server.settings.expire_after = Some(7);
    server.restart_after_shutdown().await;
    // Checked at start, then hourly: watch the database, not the API, which
    // would hold the board open while it answers.
    let pool = sqlx::SqlitePool::connect(&db_url(&server.db())).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let count = "SELECT count(*) FROM boards WHERE name = ?";
    while sqlx::query_scalar::<_, i64>(count).bind("old").fetch_one(&pool).await.unwrap() > 0 {
        assert!(tokio::time::Instant::now() < deadline, "the idle board was not deleted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sqlx::query_scalar::<_, i64>(count).bind("recent").fetch_one(&pool).await.unwrap(), 1);
    pool.close().await;
    assert_eq!(server.join("old", "c").await.strokes.len(), 0);
    assert_eq!(ids(&server.join("recent", "c").await.strokes), ["s1"]);
}

#[tokio::test]
async fn one_address_creates_a_bounded_number_of_boards() {
    let server = TestServer::start().await;
    for _ in 0..30 {
        new_board(&server).await;
    }
    let (status, body) = server.get("/new").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(body.starts_with("too many new boards from your address; retry in "), "{body}");
    let (status, body) = server.get("/go?board=fresh").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    // Opening an existing board is not creating one.
    let mut a = server.join("existing", "b").await;
    draw(&mut a.client, "s").await;
    let (status, headers, _) = server.get_with_headers("/go?board=existing").await;
    assert_eq!((status, headers["location"].to_str().unwrap()), (StatusCode::SEE_OTHER, "/b/existing"));
}

#[tokio::test]
async fn malformed_owner_events_and_keys_change_nothing() {
    let server = TestServer::start().await;
    let (board, key) = new_board(&server).await;
    let (mut owner, _) = owner(&server, &board, &key).await;
    for (event, data) in [
        ("owner:mode", serde_json::json!({ "mode": "public" })),
        ("owner:mode", serde_json::json!("private")),
        ("owner:lock", serde_json::json!({ "locked": "yes" })),
        ("owner:kick", serde_json::json!({ "user": 5 })),
        ("owner:kick", serde_json::json!({ "user": "x".repeat(10_000) })),
        ("owner:remove-drawing", Value::Null),
    ] {
        let ack = owner.client.emit_ack_raw(event, data.clone()).await.unwrap();
        let error = ack.error.clone().unwrap_or_default();
        assert!(
            !ack.ok && (error.starts_with("invalid payload") || error.starts_with("nobody")),
            "{event} {data}: {ack:?}"
        );
    }
    let late = server.join(&board, "late").await;
    assert_eq!((late.welcome.access.mode, late.welcome.access.locked), (Mode::Open, false));

    // A key longer than any key is no key: on a private board, the plain refusal.
    ok(&mut owner.client, &SetMode { mode: Mode::Private }).await;
    let long = "k".repeat(10_000);
    assert!(refused_join(&server, &board, "x", Some(&long)).await.starts_with("this board is private: open it"));
    let (status, _) = get_bearer(&server.addr, &format!("/api/boards/{board}"), &long).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_operators_new_links_win_over_an_owner_changing_settings_meanwhile() {
    let server = TestServer::start().await;
    let (board, key) = new_board(&server).await;
    let (mut owner, _) = owner(&server, &board, &key).await;
    let (ok_, out) = scrawl(&["board", "links", &board], &server.db()).await;
    assert!(ok_, "{out}");
    let new_owner = out.lines().next().unwrap().rsplit("#k=").next().unwrap().to_owned();
    // The old owner acts before the server has followed the operator: its
    // change is older than the operator's and must not undo the new links.
    ok(&mut owner.client, &SetLock { locked: true }).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let old = join_with_key(&server.addr, &board, "old", Some(&key)).await.unwrap();
        if old.welcome.access.role != Role::Owner {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the old owner key still works");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let new = join_with_key(&server.addr, &board, "new", Some(&new_owner)).await.unwrap();
    assert_eq!(new.welcome.access.role, Role::Owner);

    // A board deleted seconds ago cannot be made again yet: a server may
    // still hold the old one open.
    let (ok_, out) = scrawl(&["board", "delete", &board], &server.db()).await;
    assert!(ok_, "{out}");
    let (ok_, out) = scrawl(&["board", "create", &board], &server.db()).await;
    assert!(!ok_ && out.contains("deleted seconds ago"), "{out}");
}
