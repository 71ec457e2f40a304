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
    let mut server = Binary::start(&db).await;
    let addr = server.addr.clone();
    let mut a = join_at(&addr, "crash", "a").await;
    for i in 0..50 {
        draw(&mut a.client, &format!("k{i}")).await;
    }
    server.child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    server.child.wait().unwrap();

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

#[tokio::test]
async fn an_online_backup_restores_and_check_finds_damage() {
    let mut server = TestServer::start().await;
    let mut a = server.join("kept", "a").await;
    draw(&mut a.client, "s1").await;
    draw(&mut a.client, "s2").await;
    let copy = server.db().with_file_name("backup.db");

    // While the server runs.
    let (ok, out) = scrawl(&["backup", copy.to_str().unwrap()], &server.db()).await;
    assert!(ok, "{out}");
    let (ok, out) = scrawl(&["backup", copy.to_str().unwrap()], &server.db()).await;
    assert!(!ok && out.contains("exists already"), "{out}");
    let (ok, out) = scrawl(&["check"], &copy).await;
    assert!(ok && out.contains(": ok"), "{out}");
    let missing = copy.with_file_name("typo.db");
    let (ok, out) = scrawl(&["check"], &missing).await;
    assert!(!ok && out.contains("no database at"), "{out}");
    assert!(!missing.exists(), "check created a database");

    // Restore: a server on the copy has the board.
    server.shutdown().await;
    std::fs::copy(&copy, server.db()).unwrap();
    for stale in ["scrawl.db-wal", "scrawl.db-shm"] {
        let _ = std::fs::remove_file(server.db().with_file_name(stale));
    }
    server.restart_after_shutdown().await;
    assert_eq!(ids(&server.join("kept", "late").await.strokes), vec!["s1", "s2"]);

    // Damage the copy: a stroke loses its first batch, another gets an odd blob.
    let pool = sqlx::SqlitePool::connect(&db_url(&copy)).await.unwrap();
    sqlx::query("DELETE FROM segments WHERE stroke = 's1' AND n = 0").execute(&pool).await.unwrap();
    sqlx::query("UPDATE segments SET points = x'00' WHERE stroke = 's2' AND n = 1").execute(&pool).await.unwrap();
    pool.close().await;
    let (ok, out) = scrawl(&["check"], &copy).await;
    assert!(!ok, "{out}");
    assert!(out.contains("a stroke's point batches are not 0, 1, 2"), "{out}");
    assert!(out.contains("a stroke without its first batch: kept/s1"), "{out}");
    assert!(out.contains("a batch that is not x, y pairs: kept/s2/1"), "{out}");
}
