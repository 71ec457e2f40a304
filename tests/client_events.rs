//! PROTOCOL.md, "Client → server": every event's ack, validation, idempotent
//! resends, batch order, and undo, redo, clear and erase as their sender sees them.

mod common;

use common::*;
use scrawl::protocol::{
    Clear, Erase, Event, Redo, Rename, ServerMessage, StrokePoints, StrokeStart, Undo, MAX_POINTS_PER_MESSAGE,
};
use serde_json::{json, Value};

#[tokio::test]
async fn invalid_input_is_refused_with_a_specific_error_and_not_relayed() {
    let server = TestServer::start().await;
    let mut a = server.join("v", "a").await;
    let mut b = server.join("v", "b").await;
    ok(&mut a.client, &start_msg("mine", vec![0.0, 0.0])).await;
    let start = |extra: Value| {
        let mut v = json!({ "id": "w", "color": "#000000", "width": 2, "tool": "pen", "points": [] });
        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        v
    };
    let too_many = vec![1.0; (MAX_POINTS_PER_MESSAGE + 1) * 2];
    let cases: Vec<(&str, Value, &str)> = vec![
        (StrokeStart::NAME, start(json!({ "color": "#000" })), "color \"#000\" is not #rrggbb"),
        (StrokeStart::NAME, start(json!({ "width": 500 })), "width 500 is outside"),
        (StrokeStart::NAME, start(json!({ "tool": "spray" })), "unknown variant"),
        (StrokeStart::NAME, start(json!({ "points": [1e8, 0] })), "coordinate"),
        (StrokeStart::NAME, start(json!({ "points": [1] })), "pairs"),
        (StrokeStart::NAME, start(json!({ "id": "x".repeat(65) })), "stroke id is longer than 64"),
        (StrokeStart::NAME, start(json!({ "id": "" })), "stroke id is empty"),
        (StrokeStart::NAME, json!({ "id": "w" }), "invalid payload"),
        (StrokeStart::NAME, json!("not an object"), "invalid payload"),
        (StrokeStart::NAME, start(json!({ "id": "mine" })), "already taken"),
        (StrokePoints::NAME, json!({ "id": "mine", "n": 1, "points": too_many }), "more than 2048"),
        (StrokePoints::NAME, json!({ "id": "nope", "n": 1, "points": [1, 1] }), "stroke \"nope\" does not exist"),
        (Erase::NAME, json!({ "ids": vec!["mine"; 1001] }), "more than 1000"),
        (Rename::NAME, json!({ "name": " \u{7} " }), "name is empty"),
    ];
    for (name, data, expected) in cases {
        // b sends "already taken": the id is a's.
        let who = if expected == "already taken" { &mut b.client } else { &mut a.client };
        let reply = who.emit_ack_raw(name, data.clone()).await.unwrap();
        assert!(!reply.ok, "{name} {data} was accepted");
        let error = reply.error.unwrap();
        assert!(error.contains(expected), "{name}: {error:?} should mention {expected:?}");
    }
    // Someone else's stroke cannot be extended; nothing to undo is a refusal.
    assert!(refused(&mut b.client, &batch("mine", 1, vec![1.0, 1.0])).await.contains("someone else"));
    assert_eq!(refused(&mut b.client, &Undo).await, "nothing to undo");
    assert_eq!(refused(&mut b.client, &Redo).await, "nothing to redo");

    // A batch ahead of its turn may pass later: it says when, and holds
    // everything after it until then, so a resend keeps the order.
    let gap = ack(&mut a.client, &batch("mine", 5, vec![1.0, 1.0])).await;
    assert_eq!(gap.error.as_deref(), Some("stroke \"mine\" expects batch 1, got 5"));
    assert_eq!(gap.retry_after_ms, Some(500));
    let held = ack(&mut a.client, &end("mine")).await;
    assert!(held.error.unwrap().starts_with("an earlier event was refused for now"), "the end got ahead of the batch");
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;

    // Only the one valid stroke reached b: its start, then its end.
    ok(&mut a.client, &end("mine")).await;
    assert!(matches!(next_change(&mut b.client).await, ServerMessage::StrokeStarted(s) if s.stroke.id == "mine"));
    assert!(matches!(next_change(&mut b.client).await, ServerMessage::StrokeEnd(e) if e.id == "mine"));
}

#[tokio::test]
async fn resent_events_are_acknowledged_but_not_doubled() {
    let server = TestServer::start().await;
    let mut a = server.join("r", "same-client").await;
    let mut b = server.join("r", "b").await;
    let s1 = ok(&mut a.client, &start_msg("s", vec![0.0, 0.0])).await;
    let s2 = ok(&mut a.client, &batch("s", 1, vec![1.0, 1.0])).await;
    a.client.close();

    // The same client reconnects and resends its whole outbox.
    let mut a2 = server.join("r", "same-client").await;
    assert_eq!(a2.strokes[0].points, vec![0.0, 0.0, 1.0, 1.0]);
    assert_eq!(ok(&mut a2.client, &start_msg("s", vec![0.0, 0.0])).await, s2, "a duplicate acks the current seq");
    assert_eq!(ok(&mut a2.client, &batch("s", 1, vec![1.0, 1.0])).await, s2);
    ok(&mut a2.client, &batch("s", 2, vec![2.0, 2.0])).await;
    ok(&mut a2.client, &end("s")).await;
    ok(&mut a2.client, &end("s")).await;
    assert!(s1 < s2);

    // b saw each change exactly once.
    let mut seen = Vec::new();
    loop {
        match next_change(&mut b.client).await {
            ServerMessage::StrokeStarted(_) => seen.push("start".to_string()),
            ServerMessage::StrokePoints(p) => seen.push(format!("points {}", p.n)),
            ServerMessage::StrokeEnd(_) => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(seen, vec!["start", "points 1", "points 2"]);
    let late = server.join("r", "late").await;
    assert_eq!(late.strokes.len(), 1);
    assert_eq!(late.strokes[0].points, vec![0.0, 0.0, 1.0, 1.0, 2.0, 2.0]);
}

#[tokio::test]
async fn pipelined_batches_keep_their_order() {
    let server = TestServer::start().await;
    let mut a = server.join("order", "a").await;
    let mut b = server.join("order", "b").await;
    // Everything sent back to back, as a browser streams while drawing.
    a.client.emit(&start_msg("p", vec![0.0, 0.0])).unwrap();
    for n in 1..=200u32 {
        a.client.emit(&batch("p", n, vec![n as f32, 0.0])).unwrap();
    }
    ok(&mut a.client, &end("p")).await;
    let expected: Vec<f32> = (0..=200).flat_map(|n| [n as f32, 0.0]).collect();
    let late = server.join("order", "late").await;
    assert_eq!(late.strokes[0].points, expected);
    // The peer got the batches in order too.
    let mut relayed = vec![0.0, 0.0];
    loop {
        match next_change(&mut b.client).await {
            ServerMessage::StrokePoints(p) => relayed.extend(p.points),
            ServerMessage::StrokeEnd(_) => break,
            _ => {}
        }
    }
    assert_eq!(relayed, expected);
}

#[tokio::test]
async fn undo_and_redo_report_what_changed_to_the_sender() {
    let server = TestServer::start().await;
    let mut a = server.join("u", "a").await;
    draw(&mut a.client, "a1").await;
    draw(&mut a.client, "a2").await;
    let undone = ack(&mut a.client, &Undo).await;
    assert_eq!(undone.removed, Some(vec![id("a2")]));
    assert_eq!(undone.seq, Some(7));
    let redone = ack(&mut a.client, &Redo).await;
    assert_eq!(redone.restored.unwrap()[0].points, vec![0.0, 0.0, 10.0, 10.0, 20.0, 5.0]);
    assert_eq!(ids(&server.join("u", "late").await.strokes), vec!["a1", "a2"]);
}

#[tokio::test]
async fn a_new_stroke_empties_the_redo_list() {
    let server = TestServer::start().await;
    let mut a = server.join("redo", "a").await;
    draw(&mut a.client, "a1").await;
    ok(&mut a.client, &Undo).await;
    draw(&mut a.client, "a2").await;
    assert_eq!(refused(&mut a.client, &Redo).await, "nothing to redo");
    assert_eq!(ids(&server.join("redo", "late").await.strokes), vec!["a2"]);
}

#[tokio::test]
async fn clear_hides_everything_and_its_undo_brings_it_back() {
    let server = TestServer::start().await;
    let mut a = server.join("c", "a").await;
    let mut b = server.join("c", "b").await;
    draw(&mut a.client, "a1").await;
    draw(&mut b.client, "b1").await;
    ok(&mut b.client, &Clear).await;
    assert!(server.join("c", "late").await.strokes.is_empty());
    let undone = ack(&mut b.client, &Undo).await;
    assert_eq!(undone.restored.map(|r| r.len()), Some(2));
    assert_eq!(ids(&server.join("c", "late2").await.strokes), vec!["a1", "b1"]);
    // a's own undo is untouched by b's clear and its undo.
    assert_eq!(ack(&mut a.client, &Undo).await.removed, Some(vec![id("a1")]));
}

#[tokio::test]
async fn erase_hides_anyones_stroke_and_the_eraser_can_undo_it() {
    let server = TestServer::start().await;
    let mut a = server.join("e", "a").await;
    let mut b = server.join("e", "b").await;
    draw(&mut a.client, "mine").await;
    let erased = ack(&mut b.client, &Erase { ids: vec![id("mine")] }).await;
    assert_eq!(erased.removed, Some(vec![id("mine")]));
    // Erasing it again is a no-op, acked; an unknown stroke is refused.
    ok(&mut b.client, &Erase { ids: vec![id("mine")] }).await;
    assert!(refused(&mut b.client, &Erase { ids: vec![id("ghost")] }).await.contains("does not exist"));
    assert!(server.join("e", "late").await.strokes.is_empty());
    ok(&mut b.client, &Undo).await;
    assert_eq!(ids(&server.join("e", "late2").await.strokes), vec!["mine"]);
}

#[tokio::test]
async fn rename_is_acked_with_the_current_seq() {
    let server = TestServer::start().await;
    let mut a = server.join("n", "a").await;
    draw(&mut a.client, "s").await;
    assert_eq!(ok(&mut a.client, &Rename { name: "Ada".into() }).await, 3);
}
