//! Objects in the replica: added, moved, retyped and reordered by relays
//! and by our own acked edits, and kept as ours across a resync.

use super::*;
use crate::protocol::{Added, Moved, Placed, Reordered, TextEdited, Transform, TransformObjects, Transformed};

#[test]
fn relays_add_move_retype_and_reorder_objects() {
    let mut sync = joined(vec![pen("a", &[0.0, 0.0]), pen("b", &[1.0, 1.0])], 5);
    let mut note = stroke("n", Tool::Note, &[0.0, 0.0, 10.0, 10.0]);
    note.text = Some("hi".into());
    let added = ServerMessage::Added(Added { objects: vec![note.clone()], seq: 6 });
    assert_eq!(sync.receive(added.clone()), Change::Added { from: 2 });
    assert_eq!(sync.receive(added), Change::None, "an old relay changes nothing");

    let there = Transform::translate(5.0, 0.0);
    let placed = vec![Placed { id: id("a"), transform: there }];
    assert_eq!(sync.receive(ServerMessage::Transformed(Transformed { objects: placed, seq: 7 })), Change::Redraw);
    assert_eq!(sync.stroke(&id("a")).unwrap().transform, Some(there));
    let back = vec![Placed { id: id("a"), transform: Transform::IDENTITY }];
    sync.receive(ServerMessage::Transformed(Transformed { objects: back, seq: 8 }));
    assert_eq!(sync.stroke(&id("a")).unwrap().transform, None, "the identity is no placement");

    let edited = TextEdited { id: id("n"), text: "hello".into(), seq: 9 };
    assert_eq!(sync.receive(ServerMessage::TextEdited(edited)), Change::Redraw);
    assert_eq!(sync.stroke(&id("n")).unwrap().text.as_deref(), Some("hello"));

    let moves = vec![Moved { id: id("n"), after: None }];
    assert_eq!(sync.receive(ServerMessage::Reordered(Reordered { moves, seq: 10 })), Change::Redraw);
    assert_eq!(ids(&sync), ["n", "a", "b"]);
}

#[test]
fn our_front_and_back_match_the_servers_moves() {
    let mut sync =
        joined(vec![pen("a", &[0.0, 0.0]), pen("b", &[0.0, 0.0]), pen("c", &[0.0, 0.0]), pen("d", &[0.0, 0.0])], 4);
    sync.reorder(&[id("c"), id("a")], true);
    assert_eq!(ids(&sync), ["b", "d", "a", "c"]);
    sync.reorder(&[id("d"), id("c")], false);
    assert_eq!(ids(&sync), ["d", "c", "b", "a"]);
}

#[test]
fn our_move_stays_through_a_resync_until_acked() {
    let mut sync = joined(vec![pen("a", &[0.0, 0.0])], 1);
    let by = Transform::translate(3.0, 4.0);
    sync.transform(&[id("a")], &by);
    sync.queue(&TransformObjects { ids: vec![id("a")], by, op: None }, &[id("a")]);
    let mut wire = Wire::new();
    wire.flush(&mut sync);
    // The connection drops before the ack; the server's history still has it unmoved.
    sync.connection_lost();
    sync.receive(welcome());
    sync.receive(history(vec![pen("a", &[0.0, 0.0])]));
    sync.receive(synced(1));
    assert_eq!(sync.stroke(&id("a")).unwrap().transform, Some(by), "ours, not the server's older version");
    wire.flush(&mut sync);
    let (_, _, ack) = wire.sent.last().unwrap().clone();
    let reply = json!({ "ok": true, "seq": 2, "transformed": [{ "id": "a", "transform": { "sx": 1, "sy": 1, "dx": 3, "dy": 4 } }] });
    assert!(matches!(sync.acknowledge(ack, &reply.to_string()), Acknowledged::Done(_)));
    assert_eq!(sync.stroke(&id("a")).unwrap().transform, Some(by));
    assert_eq!(sync.waiting_strokes(), 0);
}
