//! PROTOCOL.md, "Presenting": the laser pointer, shared viewports and the
//! owner's summons, all live and none stored.

mod common;

use axum::http::StatusCode;
use common::*;
use scrawl::protocol::{Event, Laser, ServerMessage, Summon, Viewport};
use serde_json::json;

/// The next presenting event `c` receives, skipping presence.
async fn next_presenting(c: &mut scrawl::socketio::native::NativeClient) -> ServerMessage {
    loop {
        match c.next_message().await.unwrap() {
            ServerMessage::Presence(_) => continue,
            other => return other,
        }
    }
}

#[tokio::test]
async fn lasers_and_viewports_reach_the_others_and_are_not_stored() {
    let server = TestServer::start().await;
    let a = server.join("present", "a").await;
    let mut b = server.join("present", "b").await;
    a.client.emit_raw(Laser::NAME, json!({ "x": "far", "y": 1 })).unwrap();
    a.client.emit_raw(Laser::NAME, json!({ "x": 1e9, "y": 1 })).unwrap();
    a.client.emit(&Laser { x: 10.0, y: 20.0 }).unwrap();
    match next_presenting(&mut b.client).await {
        ServerMessage::Laser(l) => assert_eq!((l.user, l.x, l.y), (a.welcome.you.id.clone(), 10.0, 20.0)),
        other => panic!("expected the laser, got {other:?}"),
    }
    a.client.emit(&Viewport { x: 0.0, y: 0.0, w: 0.0, h: 1.0 }).unwrap();
    a.client.emit(&Viewport { x: -50.0, y: 10.0, w: 800.0, h: 600.0 }).unwrap();
    match next_presenting(&mut b.client).await {
        ServerMessage::Viewport(v) => {
            assert_eq!(v.user, a.welcome.you.id);
            assert_eq!(v.view, Viewport { x: -50.0, y: 10.0, w: 800.0, h: 600.0 });
        }
        other => panic!("expected the viewport, got {other:?}"),
    }
    let late = server.join("present", "late").await;
    assert!(late.strokes.is_empty());
    assert_eq!(late.seq, 0, "nothing of it is a change of the board");
}

#[tokio::test]
async fn the_owner_summons_everyone_and_nobody_else_may() {
    let server = TestServer::start().await;
    let (status, headers, _) = server.get_with_headers("/new").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers["location"].to_str().unwrap().to_owned();
    let (path, key) = location.split_once("#k=").unwrap();
    let board = path.strip_prefix("/b/").unwrap();
    let mut owner = join_with_key(&server.addr, board, "owner", Some(key)).await.unwrap();
    let mut pupil = join_with_key(&server.addr, board, "pupil", None).await.unwrap();
    let refusal = ack(&mut pupil.client, &Summon).await;
    assert_eq!(refusal.code.as_deref(), Some("not-owner"));
    ok(&mut owner.client, &Summon).await;
    match next_presenting(&mut pupil.client).await {
        ServerMessage::Summoned(s) => assert_eq!(s.user, owner.welcome.you.id),
        other => panic!("expected the summons, got {other:?}"),
    }
}
