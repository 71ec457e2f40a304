//! PROTOCOL.md, "Semantics": an ack means the change is committed, so acked
//! changes survive a restart and a kill -9.

mod common;

use common::*;

#[tokio::test]
async fn acked_changes_are_committed_before_the_ack() {
    let server = TestServer::start().await;
    let mut a = server.join("durable", "a").await;
    draw(&mut a.client, "d1").await;
    // Read the database directly while the server still runs.
    let pool = sqlx::SqlitePool::connect(&db_url(&server.db())).await.unwrap();
    let (segments,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM segments WHERE board = 'durable'").fetch_one(&pool).await.unwrap();
    let (open,): (i64,) = sqlx::query_as("SELECT open FROM strokes WHERE board = 'durable' AND id = 'd1'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((segments, open), (2, 0));
    pool.close().await;
}

#[tokio::test]
async fn boards_survive_a_restart() {
    let mut server = TestServer::start().await;
    let mut a = server.join("x", "a").await;
    draw(&mut a.client, "s1").await;
    draw(&mut a.client, "s2").await;
    ok(&mut a.client, &scrawl::protocol::Undo).await;
    a.client.close();
    server.restart().await;

    let mut late = server.join("x", "a").await;
    assert_eq!((ids(&late.strokes), late.seq), (vec!["s1"], 7));
    assert_eq!(late.strokes[0].points, vec![0.0, 0.0, 10.0, 10.0, 20.0, 5.0]);
    // After a restart the client can still undo its live strokes.
    let undone = ack(&mut late.client, &scrawl::protocol::Undo).await;
    assert_eq!((undone.removed, undone.seq), (Some(vec![id("s1")]), Some(8)));
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
    let mut a = join_at(&addr, "crash", "a").await;
    for i in 0..50 {
        draw(&mut a.client, &format!("k{i}")).await;
    }
    child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    child.wait().unwrap();

    let pool = sqlx::SqlitePool::connect(&db_url(&db)).await.unwrap();
    let (strokes, segments, seq): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM strokes WHERE board = 'crash' AND open = 0), \
                (SELECT count(*) FROM segments WHERE board = 'crash'), \
                (SELECT seq FROM boards WHERE name = 'crash')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!((strokes, segments, seq), (50, 100, 150));
}
