//! PROTOCOL.md, "Server → the other sockets of the board": change relays
//! with their seq, cursors and presence, and only to the same board.

mod common;

use common::*;
use scrawl::protocol::{Clear, Cursor, Erase, Presence, Redo, Rename, ServerMessage, Undo};

#[tokio::test]
async fn strokes_reach_the_same_board_only_with_the_acked_seq() {
    let server = TestServer::start().await;
    let mut a = server.join("x", "a").await;
    let mut b = server.join("x", "b").await;
    let mut c = server.join("y", "c").await;
    let mut d = server.join("y", "d").await;

    let s1 = ok(&mut a.client, &start_msg("s1", vec![1.0, 2.0])).await;
    let s2 = ok(&mut a.client, &batch("s1", 1, vec![3.0, 4.0, -5.5, 6.0])).await;
    let s3 = ok(&mut a.client, &end("s1")).await;
    assert!(b.seq < s1 && s1 < s2 && s2 < s3);

    let ServerMessage::StrokeStarted(started) = next_change(&mut b.client).await else { panic!("expected a start") };
    assert_eq!((started.stroke.id.as_str(), started.seq), ("s1", s1));
    assert_eq!(started.stroke.user, a.welcome.you.id);
    assert_eq!(started.stroke.color, "#1971c2");
    let ServerMessage::StrokePoints(p) = next_change(&mut b.client).await else { panic!("expected points") };
    assert_eq!((p.points, p.n, p.seq), (vec![3.0, 4.0, -5.5, 6.0], 1, Some(s2)));
    let ServerMessage::StrokeEnd(e) = next_change(&mut b.client).await else { panic!("expected an end") };
    assert_eq!(e.seq, Some(s3));

    // Board y saw none of it: the first change c sees is d's stroke.
    ok(&mut d.client, &start_msg("y1", vec![9.0, 9.0])).await;
    let ServerMessage::StrokeStarted(started) = next_change(&mut c.client).await else { panic!("expected a start") };
    assert_eq!(started.stroke.id, "y1");
}

#[tokio::test]
async fn undo_redo_clear_and_erase_reach_the_others() {
    let server = TestServer::start().await;
    let mut a = server.join("u", "a").await;
    let mut b = server.join("u", "b").await;
    draw(&mut a.client, "a1").await;
    draw(&mut b.client, "b1").await;
    draw(&mut a.client, "a2").await;
    // Skip the drawing relays: wait for the last end each side sees.
    while !matches!(next_change(&mut b.client).await, ServerMessage::StrokeEnd(e) if e.id == "a2") {}
    while !matches!(next_change(&mut a.client).await, ServerMessage::StrokeEnd(e) if e.id == "b1") {}

    ok(&mut a.client, &Undo).await;
    let ServerMessage::StrokeRemove(r) = next_change(&mut b.client).await else { panic!("expected a remove") };
    assert_eq!((r.ids, r.seq), (vec![id("a2")], 10));

    ok(&mut a.client, &Redo).await;
    let ServerMessage::StrokeRestore(r) = next_change(&mut b.client).await else { panic!("expected a restore") };
    assert_eq!((r.stroke.id.as_str(), r.seq), ("a2", 11));
    assert_eq!(r.stroke.points, vec![0.0, 0.0, 10.0, 10.0, 20.0, 5.0]);

    // b's undo takes b's stroke, not a's later one.
    ok(&mut b.client, &Undo).await;
    let ServerMessage::StrokeRemove(r) = next_change(&mut a.client).await else { panic!("expected a remove") };
    assert_eq!(r.ids, vec![id("b1")]);

    ok(&mut b.client, &Clear).await;
    let ServerMessage::Cleared(cleared) = next_change(&mut a.client).await else { panic!("expected a clear") };
    assert_eq!(cleared.user, b.welcome.you.id);

    // Undoing the clear brings back what it removed, one restore per stroke.
    ok(&mut b.client, &Undo).await;
    let mut back = Vec::new();
    for _ in 0..2 {
        let ServerMessage::StrokeRestore(r) = next_change(&mut a.client).await else { panic!("expected a restore") };
        back.push(r.stroke.id.to_string());
    }
    assert_eq!(back, vec!["a1", "a2"]);

    ok(&mut b.client, &Erase { ids: vec![id("a1")] }).await;
    let ServerMessage::StrokeRemove(r) = next_change(&mut a.client).await else { panic!("expected a remove") };
    assert_eq!(r.ids, vec![id("a1")]);
}

#[tokio::test]
async fn cursors_reach_the_others_but_not_the_sender() {
    let server = TestServer::start().await;
    let mut a = server.join("cur", "a").await;
    let mut b = server.join("cur", "b").await;
    a.client.emit(&Cursor { x: 12.5, y: -3.0 }).unwrap();
    // Not finite or out of range: dropped without a word.
    a.client.emit_raw("cursor", serde_json::json!({ "x": 1e9, "y": 0 })).unwrap();
    a.client.emit(&Cursor { x: 1.0, y: 2.0 }).unwrap();
    // Cursors are volatile: a position not yet written to a peer gives way to
    // a newer one, so the first may be skipped; the latest always arrives.
    let mut seen = Vec::new();
    while seen.last() != Some(&(1.0, 2.0)) {
        if let ServerMessage::Cursor(c) = b.client.next_message().await.unwrap() {
            assert_eq!(c.user, a.welcome.you.id);
            seen.push((c.x, c.y));
        }
    }
    assert!(seen == [(1.0, 2.0)] || seen == [(12.5, -3.0), (1.0, 2.0)], "{seen:?}");
    // The sender got no cursor back: the next thing it sees is b's stroke.
    draw(&mut b.client, "marker").await;
    loop {
        match a.client.next_message().await.unwrap() {
            ServerMessage::Cursor(c) => panic!("the sender got its own cursor {c:?}"),
            ServerMessage::StrokeStarted(_) => break,
            _ => {}
        }
    }
}

#[tokio::test]
async fn presence_follows_join_rename_and_leave() {
    let server = TestServer::start().await;
    let mut a = server.join("p", "a").await;
    let b = server.join("p", "b").await;
    let p: Presence = a.client.recv().await.unwrap();
    let names: Vec<&str> = p.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, vec!["user a", "user b"]);

    ok(&mut a.client, &Rename { name: "  Grace\u{7} Hopper  ".into() }).await;
    let mut b_client = b.client;
    let p: Presence = b_client.recv().await.unwrap();
    assert!(p.users.iter().any(|u| u.name == "Grace Hopper" && u.id == a.welcome.you.id), "{p:?}");

    b_client.close();
    let p: Presence = a.client.recv().await.unwrap();
    assert_eq!(p.users.len(), 1);
    assert_eq!(p.users[0].id, a.welcome.you.id);
}

#[tokio::test]
async fn relays_from_different_senders_arrive_in_seq_order() {
    let server = TestServer::start().await;
    let mut a = server.join("order", "a").await;
    let mut b = server.join("order", "b").await;
    let mut c = server.join("order", "c").await;
    ok(&mut a.client, &start_msg("from-a", vec![0.0, 0.0])).await;
    ok(&mut b.client, &start_msg("from-b", vec![0.0, 0.0])).await;
    // Both stream at once, as two people drawing together do.
    for n in 1..=150u32 {
        a.client.emit(&batch("from-a", n, vec![n as f32, 1.0])).unwrap();
        b.client.emit(&batch("from-b", n, vec![n as f32, 2.0])).unwrap();
    }
    ok(&mut a.client, &end("from-a")).await;
    ok(&mut b.client, &end("from-b")).await;
    let (mut seqs, mut ends) = (Vec::new(), 0);
    while ends < 2 {
        let message = next_change(&mut c.client).await;
        if matches!(message, ServerMessage::StrokeEnd(_)) {
            ends += 1;
        }
        seqs.extend(message.seq());
    }
    assert_eq!(seqs.len(), 2 + 2 * 150 + 2);
    assert!(seqs.windows(2).all(|w| w[0] + 1 == w[1]), "relays out of seq order: {seqs:?}");
}
