//! PROTOCOL.md, "Editing objects": `add`, `transform`, `text` and `select`,
//! their acks, relays, undo and redo, concurrent edits, validation, and
//! what a late joiner, a restart and the HTTP API see.

mod common;

use common::*;
use scrawl::protocol::{apply_moves, Event, Order, Placed, Redo, Select};
use scrawl::protocol::{
    Add, Color, EditText, NewObject, ServerMessage, Stroke, Tool, Transform, TransformObjects, Undo, MAX_TEXT,
};
use serde_json::json;

fn object(s: &str, tool: Tool, points: Vec<f32>, text: Option<&str>) -> NewObject {
    NewObject {
        id: id(s),
        color: Color::new("#fde68a").unwrap(),
        width: 20.0,
        tool,
        points,
        text: text.map(str::to_owned),
        transform: None,
        image: None,
    }
}

fn add(objects: Vec<NewObject>, session: Option<u32>) -> Add {
    Add { objects, session }
}

fn text(s: &str, text: &str, session: u32) -> EditText {
    EditText { id: id(s), text: text.to_owned(), session }
}

fn moved(ids: &[&str], dx: f32, dy: f32) -> TransformObjects {
    TransformObjects { ids: ids.iter().map(|s| id(s)).collect(), by: Transform::translate(dx, dy), op: None }
}

fn find<'a>(strokes: &'a [Stroke], s: &str) -> &'a Stroke {
    strokes.iter().find(|o| o.id == s).unwrap_or_else(|| panic!("{s} is not on the board"))
}

#[tokio::test]
async fn texts_and_notes_reach_everyone_and_survive_a_restart() {
    let mut server = TestServer::start().await;
    let mut a = server.join("objects", "a").await;
    let mut b = server.join("objects", "b").await;
    let hello = object("hello", Tool::Text, vec![10.0, 20.0], Some("Hello, 世界 👋\nsecond line"));
    let note = object("note", Tool::Note, vec![100.0, 100.0, 300.0, 250.0], Some("<b>buy milk</b>"));
    let seq = ok(&mut a.client, &add(vec![hello, note], None)).await;
    match next_change(&mut b.client).await {
        ServerMessage::Added(added) => {
            assert_eq!(added.seq, seq);
            assert_eq!(ids(&added.objects), ["hello", "note"]);
            assert_eq!(added.objects[0].text.as_deref(), Some("Hello, 世界 👋\nsecond line"));
            assert_eq!(added.objects[0].user, a.welcome.you.id, "the server says who added it");
        }
        other => panic!("expected add, got {other:?}"),
    }

    // One undo takes the whole add back; redo brings it again.
    ok(&mut a.client, &Undo).await;
    assert!(matches!(next_change(&mut b.client).await, ServerMessage::StrokeRemove(r) if r.ids.len() == 2));
    ok(&mut a.client, &Redo).await;
    assert!(matches!(next_change(&mut b.client).await, ServerMessage::StrokeRestore(_)));

    let late = server.join("objects", "late").await;
    assert_eq!(ids(&late.strokes), ["hello", "note"]);
    assert_eq!(find(&late.strokes, "note").text.as_deref(), Some("<b>buy milk</b>"));

    server.restart().await;
    let after = server.join("objects", "after").await;
    assert_eq!(after.strokes, late.strokes, "a restart keeps every object as it was");
    let (_, body) = server.get("/api/boards/objects").await;
    let api: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(api["strokes"][1]["text"], "<b>buy milk</b>");
    assert_eq!(api["strokes"][1]["tool"], "note");
}

#[tokio::test]
async fn moves_are_relayed_undone_and_kept_exactly() {
    let mut server = TestServer::start().await;
    let mut a = server.join("move", "a").await;
    let mut b = server.join("move", "b").await;
    draw(&mut b.client, "line").await;
    for _ in 0..3 {
        next_change(&mut a.client).await;
    }

    // a moves b's stroke: b sees where it is now.
    let reply = ack(&mut a.client, &moved(&["line"], 5.0, 7.0)).await;
    assert!(reply.ok);
    let placed = reply.transformed.expect("the ack says where the objects are");
    assert_eq!(placed[0].transform, Transform::translate(5.0, 7.0));
    match next_change(&mut b.client).await {
        ServerMessage::Transformed(t) => assert_eq!(t.objects, placed),
        other => panic!("expected transform, got {other:?}"),
    }
    // A resize on top: the placements compose.
    let resize = TransformObjects { ids: vec![id("line")], by: Transform::scale_about(2.0, 2.0, 0.0, 0.0), op: None };
    ok(&mut a.client, &resize).await;
    let ServerMessage::Transformed(t) = next_change(&mut b.client).await else { panic!("expected transform") };
    assert_eq!(t.objects[0].transform, Transform { sx: 2.0, sy: 2.0, dx: 10.0, dy: 14.0 });

    // a undoes the resize: back to the move alone, for everyone.
    let undo = ack(&mut a.client, &Undo).await;
    assert_eq!(undo.transformed.unwrap()[0].transform, Transform::translate(5.0, 7.0));
    let ServerMessage::Transformed(t) = next_change(&mut b.client).await else { panic!("expected transform") };
    assert_eq!(t.objects[0].transform, Transform::translate(5.0, 7.0));

    server.restart().await;
    let after = server.join("move", "c").await;
    let line = find(&after.strokes, "line");
    assert_eq!(line.transform, Some(Transform::translate(5.0, 7.0)));
    assert_eq!(line.points, vec![0.0, 0.0, 10.0, 10.0, 20.0, 5.0], "the points stay as drawn");
}

#[tokio::test]
async fn concurrent_moves_converge_in_seq_order() {
    let server = TestServer::start().await;
    let mut a = server.join("both", "a").await;
    let mut b = server.join("both", "b").await;
    draw(&mut a.client, "x").await;
    for _ in 0..3 {
        next_change(&mut b.client).await;
    }
    // Both move x at the same time, without waiting for each other.
    let pa = a.client.emit_ack_later(&moved(&["x"], 10.0, 0.0)).unwrap();
    let pb = b.client.emit_ack_later(&moved(&["x"], 0.0, 20.0)).unwrap();
    let (ra, rb) = (pa.await.unwrap(), pb.await.unwrap());
    assert!(ra.ok && rb.ok);
    // Whichever came last, both placements end as the sum of both moves.
    let last = if ra.seq > rb.seq { ra } else { rb };
    assert_eq!(last.transformed.unwrap()[0].transform, Transform::translate(10.0, 20.0));
    let ServerMessage::Transformed(seen_by_a) = next_change(&mut a.client).await else { panic!() };
    let ServerMessage::Transformed(seen_by_b) = next_change(&mut b.client).await else { panic!() };
    let latest = [seen_by_a, seen_by_b].into_iter().max_by_key(|t| t.seq).unwrap();
    assert_eq!(latest.objects[0].transform, Transform::translate(10.0, 20.0));
    let late = server.join("both", "late").await;
    assert_eq!(find(&late.strokes, "x").transform, Some(Transform::translate(10.0, 20.0)));

    // a undoes only its own move: b's stays.
    ok(&mut a.client, &Undo).await;
    let late = server.join("both", "later").await;
    assert_eq!(find(&late.strokes, "x").transform, Some(Transform::translate(0.0, 20.0)));
}

#[tokio::test]
async fn one_typing_session_is_one_undo() {
    let server = TestServer::start().await;
    let mut a = server.join("typing", "a").await;
    let mut b = server.join("typing", "b").await;
    ok(&mut a.client, &add(vec![object("t", Tool::Text, vec![0.0, 0.0], Some("H"))], Some(1))).await;
    next_change(&mut b.client).await;
    for typed in ["He", "Hel", "Hello"] {
        ok(&mut a.client, &text("t", typed, 1)).await;
        match next_change(&mut b.client).await {
            ServerMessage::TextEdited(e) => assert_eq!(e.text, typed, "b sees the text as it is typed"),
            other => panic!("expected text, got {other:?}"),
        }
    }
    // A second session edits it again.
    ok(&mut a.client, &text("t", "Hello!", 2)).await;
    ok(&mut a.client, &text("t", "Hello!!", 2)).await;
    for _ in 0..2 {
        next_change(&mut b.client).await;
    }
    // Undo takes back the second session whole, then the first with the text.
    let undo = ack(&mut a.client, &Undo).await;
    assert_eq!(undo.edited.unwrap().text, "Hello");
    let ServerMessage::TextEdited(e) = next_change(&mut b.client).await else { panic!("expected text") };
    assert_eq!(e.text, "Hello");
    let undo = ack(&mut a.client, &Undo).await;
    assert_eq!(undo.removed.unwrap(), [id("t")]);
    let redo = ack(&mut a.client, &Redo).await;
    assert_eq!(redo.restored.unwrap()[0].text.as_deref(), Some("Hello"), "the whole first session comes back");
    let late = server.join("typing", "late").await;
    assert_eq!(find(&late.strokes, "t").text.as_deref(), Some("Hello"));
}

#[tokio::test]
async fn bad_edits_are_refused_and_store_nothing() {
    let server = TestServer::start().await;
    let mut a = server.join("bad", "a").await;
    let mut b = server.join("bad", "b").await;
    draw(&mut a.client, "pen").await;
    ok(&mut a.client, &add(vec![object("t", Tool::Text, vec![0.0, 0.0], Some("ok"))], None)).await;
    ok(&mut a.client, &start_msg("open", vec![1.0, 1.0])).await;
    for _ in 0..5 {
        next_change(&mut b.client).await;
    }
    let before = server.join("bad", "before").await.strokes;

    let long = "x".repeat(MAX_TEXT + 1);
    let many: Vec<NewObject> = (0..501).map(|i| object(&format!("m{i}"), Tool::Pen, vec![0.0, 0.0], None)).collect();
    let nan = json!({ "ids": ["pen"], "by": { "sx": 1, "sy": 1, "dx": "NaN", "dy": 0 } });
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        ("text", json!(text("t", &long, 0)), "at most 10000 characters"),
        ("text", json!(text("pen", "hi", 0)), "holds no text"),
        ("text", json!(text("ghost", "hi", 0)), "does not exist"),
        ("add", json!(add(vec![object("t2", Tool::Text, vec![0.0, 0.0], Some(&long))], None)), "at most 10000"),
        ("add", json!(add(many, None)), "too much to add at once"),
        ("add", json!(add(vec![object("n", Tool::Note, vec![0.0, 0.0], None)], None)), "wrong number of points"),
        ("add", json!(add(vec![object("p", Tool::Pen, vec![0.0, 0.0], Some("x"))], None)), "has no text"),
        ("add", json!(add(vec![], None)), "nothing to add"),
        ("transform", nan, "invalid payload"),
        ("transform", json!({ "ids": ["pen"], "by": { "sx": 0, "sy": 1, "dx": 0, "dy": 0 } }), "transform needs"),
        ("transform", json!({ "ids": ["pen"], "by": { "sx": 1, "sy": 1, "dx": 1e9, "dy": 0 } }), "transform needs"),
        ("transform", json!(moved(&[], 1.0, 1.0)), "nothing is selected"),
        ("transform", json!(moved(&["open"], 1.0, 1.0)), "still being drawn"),
        ("transform", json!(moved(&["ghost"], 1.0, 1.0)), "does not exist"),
        (
            "stroke:start",
            json!({ "id": "s", "color": "#000000", "width": 2, "tool": "text", "points": [0, 0] }),
            "added whole",
        ),
    ];
    for (name, data, expected) in cases {
        let reply = a.client.emit_ack_raw(name, data.clone()).await.unwrap();
        assert!(!reply.ok, "{name} {data} was accepted");
        let error = reply.error.unwrap();
        assert!(error.contains(expected), "{name}: {error:?} should mention {expected:?}");
    }
    let taken = add(vec![object("t", Tool::Text, vec![0.0, 0.0], Some("again"))], None);
    assert!(refused(&mut b.client, &taken).await.contains("already taken"), "someone else's id");
    // A placement may not grow past its bounds, however many steps it takes.
    let grow = TransformObjects { ids: vec![id("pen")], by: Transform::scale_about(100.0, 100.0, 0.0, 0.0), op: None };
    ok(&mut a.client, &grow).await;
    ok(&mut a.client, &grow).await;
    assert!(refused(&mut a.client, &grow).await.contains("transform needs"));
    ok(&mut a.client, &Undo).await;
    ok(&mut a.client, &Undo).await;

    let after = server.join("bad", "after").await.strokes;
    assert_eq!(after, before, "nothing refused was stored");
    // Nothing refused was relayed either: b's next change is the first grow.
    let ServerMessage::Transformed(t) = next_change(&mut b.client).await else { panic!("expected the grow") };
    assert_eq!(t.objects[0].transform.sx, 100.0);
}

#[tokio::test]
async fn a_move_leaves_strokes_still_being_drawn_where_they_are() {
    let server = TestServer::start().await;
    let mut a = server.join("drawing", "a").await;
    let mut b = server.join("drawing", "b").await;
    draw(&mut a.client, "done").await;
    ok(&mut b.client, &start_msg("open", vec![1.0, 1.0])).await;
    let reply = ack(&mut a.client, &moved(&["done", "open"], 5.0, 5.0)).await;
    assert_eq!(reply.transformed.unwrap(), [Placed { id: id("done"), transform: Transform::translate(5.0, 5.0) }]);
    ok(&mut b.client, &batch("open", 1, vec![2.0, 2.0])).await;
    let late = server.join("drawing", "late").await;
    assert_eq!(find(&late.strokes, "open").transform, None);
    assert_eq!(find(&late.strokes, "open").points, [1.0, 1.0, 2.0, 2.0]);
}

#[tokio::test]
async fn a_resent_move_is_applied_once() {
    let server = TestServer::start().await;
    let mut a = server.join("resend", "a").await;
    draw(&mut a.client, "x").await;
    let op = TransformObjects { op: Some(id("op-1")), ..moved(&["x"], 3.0, 0.0) };
    let first = ok(&mut a.client, &op).await;
    let again = ok(&mut a.client, &op).await;
    assert_eq!(again, first, "the resend acks the current seq");
    let late = server.join("resend", "late").await;
    assert_eq!(find(&late.strokes, "x").transform, Some(Transform::translate(3.0, 0.0)));
    // An id named twice moves once.
    let twice = ack(&mut a.client, &moved(&["x", "x"], 1.0, 0.0)).await;
    assert_eq!(twice.transformed.unwrap(), [Placed { id: id("x"), transform: Transform::translate(4.0, 0.0) }]);
}

#[tokio::test]
async fn selections_are_shown_to_the_others_live() {
    let server = TestServer::start().await;
    let mut a = server.join("sel", "a").await;
    let mut b = server.join("sel", "b").await;
    draw(&mut a.client, "x").await;
    for _ in 0..3 {
        next_change(&mut b.client).await;
    }
    a.client.emit(&Select { ids: vec![id("x")], by: Some(Transform::translate(4.0, 4.0)) }).unwrap();
    match next_change(&mut b.client).await {
        ServerMessage::Selected(s) => {
            assert_eq!(s.user, a.welcome.you.id);
            assert_eq!(s.ids, [id("x")]);
            assert_eq!(s.by, Some(Transform::translate(4.0, 4.0)));
        }
        other => panic!("expected select, got {other:?}"),
    }
    // Malformed or oversized selections go nowhere.
    a.client.emit_raw(Select::NAME, json!({ "ids": vec!["x"; 1001] })).unwrap();
    a.client.emit(&Select::default()).unwrap();
    assert!(matches!(next_change(&mut b.client).await, ServerMessage::Selected(s) if s.ids.is_empty()));
}

#[tokio::test]
async fn front_and_back_change_the_drawing_order_for_everyone() {
    let mut server = TestServer::start().await;
    let mut a = server.join("order", "a").await;
    let mut b = server.join("order", "b").await;
    for s in ["s1", "s2", "s3", "s4"] {
        draw(&mut a.client, s).await;
    }
    for _ in 0..12 {
        next_change(&mut b.client).await;
    }
    // s1 and s3 to the front: they keep their order among themselves.
    let front = Order { ids: vec![id("s3"), id("s1")], front: true };
    let reply = ack(&mut a.client, &front).await;
    let ServerMessage::Reordered(r) = next_change(&mut b.client).await else { panic!("expected order") };
    assert_eq!(Some(&r.moves), reply.reordered.as_ref(), "the sender and the others get the same moves");
    let drawn = server.join("order", "c").await.strokes;
    let mut replica: Vec<Stroke> = ["s1", "s2", "s3", "s4"].iter().map(|s| find(&drawn, s).clone()).collect();
    apply_moves(&mut replica, &r.moves);
    assert_eq!(ids(&replica), ["s2", "s4", "s1", "s3"]);
    assert_eq!(ids(&drawn), ["s2", "s4", "s1", "s3"], "a late joiner gets the new order");

    // s4 to the back, then a new stroke goes on top of everything.
    ok(&mut a.client, &Order { ids: vec![id("s4")], front: false }).await;
    draw(&mut a.client, "s5").await;
    assert_eq!(ids(&server.join("order", "d").await.strokes), ["s4", "s2", "s1", "s3", "s5"]);

    // Undo puts s4 back exactly where it was; the restart keeps the order.
    ok(&mut a.client, &Undo).await; // s5
    let undo = ack(&mut a.client, &Undo).await;
    assert_eq!(undo.reordered.unwrap(), [scrawl::protocol::Moved { id: id("s4"), after: Some(id("s2")) }]);
    assert_eq!(ids(&server.join("order", "e").await.strokes), ["s2", "s4", "s1", "s3"]);
    server.restart().await;
    assert_eq!(ids(&server.join("order", "f").await.strokes), ["s2", "s4", "s1", "s3"]);
    // Already at the front: nothing changes, nothing to undo.
    let seq = server.join("order", "g").await.seq;
    let mut a = server.join("order", "a").await;
    assert_eq!(ok(&mut a.client, &Order { ids: vec![id("s3")], front: true }).await, seq);
    assert!(refused(&mut a.client, &Order { ids: vec![id("nope")], front: true }).await.contains("does not exist"));
}
