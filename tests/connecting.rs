//! PROTOCOL.md, "Connecting": the handshake's checks, the join sequence
//! (welcome, history chunks, synced) and the message cap.

mod common;

use common::*;
use scrawl::protocol::{Auth, Event, ServerMessage, StrokeStart, HISTORY_CHUNK_POINTS};
use scrawl::server::Settings;
use scrawl::socketio::native::{ClientError, NativeClient};
use serde_json::json;

#[tokio::test]
async fn a_bad_board_name_is_refused_with_a_reason() {
    let server = TestServer::start().await;
    for (board, reason) in [("", "empty"), ("no spaces", "only contain"), (&"a".repeat(65)[..], "64")] {
        match NativeClient::connect(&server.addr, &auth(board, "a")).await {
            Err(ClientError::Refused(msg)) => {
                assert!(msg.starts_with("invalid board: ") && msg.contains(reason), "{msg:?} should mention {reason:?}")
            }
            Err(e) => panic!("expected a refusal, got {e}"),
            Ok(_) => panic!("board {board:?} was accepted"),
        }
    }
    match NativeClient::connect(&server.addr, &json!({ "name": "no board" })).await {
        Err(ClientError::Refused(msg)) => assert!(msg.contains("auth"), "{msg}"),
        _ => panic!("missing board accepted"),
    }
}

#[tokio::test]
async fn a_joiner_gets_welcome_history_and_synced_in_order() {
    let server = TestServer::start().await;
    let mut a = server.join("w", "a").await;
    assert!(a.strokes.is_empty() && a.seq == 0);
    assert_eq!(a.chunks, 1, "an empty board sends one empty chunk");
    draw(&mut a.client, "s1").await;

    let b = server.join("w", "b").await;
    assert_eq!(b.welcome.board, "w");
    assert_eq!(b.welcome.users.len(), 2);
    assert_eq!(b.welcome.you.name, "user b");
    assert_ne!(a.welcome.you.color, b.welcome.you.color);
    assert_eq!((ids(&b.strokes), b.seq), (vec!["s1"], 3));
    assert_eq!(b.strokes[0].points, vec![0.0, 0.0, 10.0, 10.0, 20.0, 5.0]);
    assert_eq!(b.strokes[0].user, a.welcome.you.id);
}

#[tokio::test]
async fn an_unusable_client_id_falls_back_to_the_connection() {
    let server = TestServer::start().await;
    let long = "c".repeat(65);
    let mut a = server.join("fallback", &long).await;
    draw(&mut a.client, "s").await;
    a.client.close();
    // Another connection with the same (unusable) id is another client: it cannot undo that stroke.
    let mut b = server.join("fallback", &long).await;
    assert!(refused(&mut b.client, &scrawl::protocol::Undo).await.contains("nothing to undo"));
}

#[tokio::test]
async fn history_of_a_large_board_arrives_in_bounded_chunks() {
    let server = TestServer::start().await;
    let mut a = server.join("big", "a").await;
    // 200k points: 20 strokes of 10,000 points in batches of 2,000.
    for s in 0..20 {
        let id = format!("s{s}");
        ok(&mut a.client, &start_msg(&id, vec![s as f32, 0.0])).await;
        for n in 1..=5u32 {
            let count = if n == 5 { 1999 } else { 2000 };
            let pts: Vec<f32> = (0..count * 2).map(|i| (i % 997) as f32).collect();
            ok(&mut a.client, &batch(&id, n, pts)).await;
        }
        ok(&mut a.client, &end(&id)).await;
    }
    let mut c = NativeClient::connect(&server.addr, &auth("big", "late")).await.unwrap();
    assert!(matches!(c.next_message().await.unwrap(), ServerMessage::Welcome(_)));
    let mut strokes = Vec::new();
    let mut chunks = 0;
    loop {
        match c.next_message().await.unwrap() {
            ServerMessage::History(chunk) => {
                let pts: usize = chunk.strokes.iter().map(|s| s.points.len() / 2).sum();
                assert!(pts <= HISTORY_CHUNK_POINTS, "chunk of {pts} points");
                chunks += 1;
                scrawl::protocol::merge_history(&mut strokes, chunk);
            }
            ServerMessage::Synced(_) => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(strokes.len(), 20);
    assert_eq!(strokes.iter().map(|s| s.points.len() / 2).sum::<usize>(), 200_000);
    assert!(chunks >= 200_000 / HISTORY_CHUNK_POINTS, "{chunks} chunks");
}

#[tokio::test]
async fn a_client_that_asks_gets_the_history_packed_and_exactly_the_same_board() {
    let server = TestServer::start().await;
    let mut a = server.join("packed", "a").await;
    // 40 strokes of 1,000 points as the browser draws them (1/16 pixels),
    // one of other floats, and one longer than a chunk.
    for s in 0..40 {
        let id = format!("s{s}");
        let curve: Vec<f32> = (0..1000)
            .flat_map(|i| {
                let t = (i + s * 7) as f32 / 40.0;
                [((400.0 + 300.0 * t.cos()) * 16.0).round() / 16.0, ((300.0 - 200.0 * t.sin()) * 16.0).round() / 16.0]
            })
            .collect();
        ok(&mut a.client, &start_msg(&id, curve[..2000].to_vec())).await;
        ok(&mut a.client, &end(&id)).await;
    }
    ok(&mut a.client, &start_msg("odd", vec![0.1, 1.0 / 3.0, -12.345, 1e7, -0.0, 2.5])).await;
    ok(&mut a.client, &end("odd")).await;
    ok(&mut a.client, &start_msg("long", vec![0.0, 0.0])).await;
    for n in 1..=10u32 {
        let pts: Vec<f32> = (0..4000).map(|i| ((i * n as usize) % 2000) as f32 / 8.0).collect();
        ok(&mut a.client, &batch("long", n, pts)).await;
    }
    ok(&mut a.client, &end("long")).await;

    let json = join_as(&server.addr, &auth("packed", "v1")).await.unwrap();
    let packed = join_as(&server.addr, &Auth { packed: true, ..auth("packed", "v2") }).await.unwrap();
    assert_eq!(packed.seq, json.seq);
    assert_eq!(packed.strokes.len(), 42);
    assert!(packed.chunks > 1, "the long stroke spans chunks");
    let bits = |strokes: &[scrawl::protocol::Stroke]| -> Vec<Vec<u32>> {
        strokes.iter().map(|s| s.points.iter().map(|v| v.to_bits()).collect()).collect()
    };
    assert_eq!(bits(&packed.strokes), bits(&json.strokes), "every coordinate bit for bit");
    assert_eq!(packed.strokes, json.strokes);

    // On the wire: binary frames, a fraction of the JSON.
    let (json_text, json_binary) = wire_bytes(&server.addr, &auth("packed", "w1")).await;
    let (packed_text, packed_binary) = wire_bytes(&server.addr, &Auth { packed: true, ..auth("packed", "w2") }).await;
    assert_eq!(json_binary, 0);
    assert!(packed_binary > 0);
    let points = 40 * 1000 + 3 + 1 + 20_000;
    let per_point = |bytes: usize| bytes as f64 / points as f64;
    let (before, after) = (per_point(json_text), per_point(packed_text + packed_binary));
    assert!(after * 3.0 < before, "{before:.2} → {after:.2} bytes a point");

    // A malformed flag is refused like any bad auth.
    let bad = json!({ "board": "packed", "packed": "yes" });
    assert!(matches!(NativeClient::connect(&server.addr, &bad).await, Err(ClientError::Refused(_))));
}

/// Joins over a raw WebSocket and counts the text and binary bytes received
/// up to `synced`.
async fn wire_bytes(addr: &str, auth: &Auth) -> (usize, usize) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let url = format!("ws://{addr}{}", scrawl::socketio::WS_PATH);
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let (mut text_bytes, mut binary_bytes) = (0, 0);
    while let Some(message) = ws.next().await {
        match message.unwrap() {
            Message::Text(text) if text.starts_with('0') => {
                let auth = serde_json::to_string(auth).unwrap();
                ws.send(Message::text(format!("40{auth}"))).await.unwrap();
            }
            Message::Text(text) if text.starts_with("42[\"synced\"") => return (text_bytes, binary_bytes),
            Message::Text(text) => text_bytes += text.len(),
            Message::Binary(bytes) => binary_bytes += bytes.len(),
            _ => {}
        }
    }
    panic!("closed before synced")
}

/// A `stroke:start` whose JSON is about `bytes` long (unknown fields are ignored).
fn padded_start(id: &str, bytes: usize) -> serde_json::Value {
    let mut v = serde_json::to_value(start_msg(id, vec![0.0, 0.0])).unwrap();
    v["padding"] = json!("x".repeat(bytes));
    v
}

#[tokio::test]
async fn messages_over_the_cap_close_the_socket_and_change_nothing() {
    let server = TestServer::start().await;
    let mut a = server.join("cap", "a").await;
    let mut b = server.join("cap", "b").await;

    let cap = Settings::default().max_message_bytes;
    // Just under the cap: accepted.
    let reply = a.client.emit_ack_raw(StrokeStart::NAME, padded_start("near", cap - 1024)).await;
    assert!(reply.unwrap().ok);
    // Over it: the connection is closed and the event is never applied.
    a.client.emit_raw(StrokeStart::NAME, padded_start("over", cap + 1024)).unwrap();
    loop {
        match a.client.next_event().await {
            Err(ClientError::Closed) => break,
            Ok(_) => continue,
            Err(e) => panic!("expected the server to close the socket, got {e}"),
        }
    }
    let ServerMessage::StrokeStarted(s) = next_change(&mut b.client).await else { panic!("expected the first stroke") };
    assert_eq!(s.stroke.id, "near");
    let late = server.join("cap", "late").await;
    assert_eq!(ids(&late.strokes), vec!["near"]);
}
