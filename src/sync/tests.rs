use serde_json::{json, Value};

mod objects;
mod retries;

use super::{Acknowledged, BoardSync, Change};
use crate::protocol::{
    Cleared, Color, CursorMoved, Erase, History, Presence, Redo, ServerMessage, SocketId, Stroke, StrokeEnd, StrokeId,
    StrokePoints, StrokeRemove, StrokeRestore, StrokeStart, StrokeStarted, Synced, Tool, Undo, User, Welcome,
};

fn id(s: &str) -> StrokeId {
    StrokeId::new(s).unwrap()
}

fn user(id: &str, name: &str) -> User {
    User { id: id.into(), name: name.into(), color: Color::new("#e03131").unwrap() }
}

fn stroke(s: &str, tool: Tool, points: &[f32]) -> Stroke {
    Stroke {
        id: id(s),
        user: "them".into(),
        color: Color::new("#1971c2").unwrap(),
        width: 4.0,
        tool,
        points: points.to_vec(),
        text: None,
        transform: None,
        image: None,
    }
}

fn pen(s: &str, points: &[f32]) -> Stroke {
    stroke(s, Tool::Pen, points)
}

fn start(s: &str, points: &[f32]) -> StrokeStart {
    StrokeStart {
        id: id(s),
        color: Color::new("#2f9e44").unwrap(),
        width: 2.0,
        tool: Tool::Pen,
        points: points.to_vec(),
    }
}

fn welcome() -> ServerMessage {
    ServerMessage::Welcome(Welcome {
        you: user("me", "Ada"),
        users: vec![user("me", "Ada"), user("them", "Bob")],
        board: crate::protocol::BoardName::new("b").unwrap(),
        access: crate::protocol::Access {
            role: crate::protocol::Role::Edit,
            mode: crate::protocol::Mode::Open,
            locked: false,
            links: None,
        },
        since: None,
        epoch: None,
    })
}

fn history(strokes: Vec<Stroke>) -> ServerMessage {
    ServerMessage::History(History { strokes })
}

fn synced(seq: u64) -> ServerMessage {
    ServerMessage::Synced(Synced { seq })
}

fn started(s: Stroke, seq: u64) -> ServerMessage {
    ServerMessage::StrokeStarted(StrokeStarted { stroke: s, seq })
}

fn points(s: &str, points: &[f32], seq: u64) -> ServerMessage {
    ServerMessage::StrokePoints(StrokePoints { id: id(s), n: 1, points: points.to_vec(), seq: Some(seq) })
}

/// Joined and synced at `seq` with `board` as the history.
fn joined(board: Vec<Stroke>, seq: u64) -> BoardSync {
    let mut sync = BoardSync::default();
    assert_eq!(sync.receive(welcome()), Change::People);
    sync.receive(history(board));
    assert_eq!(sync.receive(synced(seq)), Change::Synced { drawn: true });
    sync
}

fn ids(sync: &BoardSync) -> Vec<&str> {
    sync.strokes().iter().map(|s| s.id.as_str()).collect()
}

/// A fake connection: records what goes out, read back from its JSON
/// text, and numbers the acks.
struct Wire {
    up: bool,
    next_ack: u64,
    sent: Vec<(&'static str, Value, u64)>,
}

impl Wire {
    fn new() -> Self {
        Self { up: true, next_ack: 1, sent: Vec::new() }
    }

    fn flush(&mut self, sync: &mut BoardSync) {
        sync.flush(|event, data| {
            if !self.up {
                return None;
            }
            let ack = self.next_ack;
            self.next_ack += 1;
            self.sent.push((event, serde_json::from_str(data).unwrap(), ack));
            Some(ack)
        });
    }

    fn names(&self) -> Vec<&'static str> {
        self.sent.iter().map(|(name, ..)| *name).collect()
    }
}

/// An ack's argument as it arrives: JSON text.
fn reply(value: Value) -> String {
    value.to_string()
}

fn ok() -> String {
    reply(json!({ "ok": true, "seq": 9 }))
}

#[test]
fn history_chunks_merge_into_the_board_on_sync() {
    let mut sync = BoardSync::default();
    sync.receive(welcome());
    assert_eq!(sync.me(), Some(&user("me", "Ada")));
    assert_eq!(sync.users().len(), 2);
    // The board starts from nothing: the history is drawn as it arrives.
    let chunk = history(vec![pen("a", &[0.0, 0.0]), pen("b", &[1.0, 1.0, 2.0, 2.0])]);
    assert_eq!(sync.receive(chunk), Change::Arrived { first: true });
    // "b" continues in the next chunk.
    let chunk = history(vec![pen("b", &[3.0, 3.0]), pen("c", &[5.0, 5.0])]);
    assert_eq!(sync.receive(chunk), Change::Arrived { first: false });
    assert_eq!(sync.receive(history(vec![pen("d", &[6.0, 6.0])])), Change::Arrived { first: false });
    assert_eq!(sync.arrived().len(), 4);
    assert!(sync.strokes().is_empty(), "the board is the history only once synced");
    assert!(!sync.is_synced());

    assert_eq!(sync.receive(synced(3)), Change::Synced { drawn: true });
    assert!(sync.arrived().is_empty());
    assert!(sync.is_synced());
    assert_eq!(ids(&sync), ["a", "b", "c", "d"]);
    assert_eq!(sync.strokes()[1].points, [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]);
}

#[test]
fn a_board_shown_already_or_changed_by_us_is_redrawn_on_sync() {
    // A whole resync of a board we show: nothing is drawn before the sync.
    let mut sync = joined(vec![pen("a", &[0.0, 0.0])], 1);
    sync.connection_lost();
    sync.receive(welcome());
    assert_eq!(sync.receive(history(vec![pen("a", &[0.0, 0.0])])), Change::None);
    assert!(sync.arrived().is_empty());
    assert_eq!(sync.receive(synced(1)), Change::Synced { drawn: false });

    // We drew while the history arrived (before its first chunk, even):
    // our stroke is in the board too.
    let mut sync = BoardSync::default();
    sync.receive(welcome());
    let mine = start("mine", &[1.0, 1.0]);
    sync.begin_stroke(&mine);
    sync.queue(&mine, std::slice::from_ref(&mine.id));
    assert_eq!(sync.receive(history(vec![pen("a", &[0.0, 0.0])])), Change::Arrived { first: true });
    assert_eq!(sync.receive(synced(1)), Change::Synced { drawn: false });
    assert_eq!(ids(&sync), ["a", "mine"]);
}

#[test]
fn a_new_welcome_drops_a_partial_history() {
    let mut sync = BoardSync::default();
    sync.receive(welcome());
    sync.receive(history(vec![pen("stale", &[0.0, 0.0])]));
    sync.connection_lost();
    sync.receive(welcome());
    // The first chunk again: the view clears what the lost one drew.
    assert_eq!(sync.receive(history(vec![pen("fresh", &[0.0, 0.0])])), Change::Arrived { first: true });
    assert_eq!(sync.receive(synced(1)), Change::Synced { drawn: true });
    assert_eq!(ids(&sync), ["fresh"]);
}

#[test]
fn nothing_applies_before_the_sync() {
    let mut sync = BoardSync::default();
    sync.receive(welcome());
    assert_eq!(sync.receive(started(pen("x", &[0.0, 0.0]), 100)), Change::None);
    assert_eq!(sync.receive(ServerMessage::Cleared(Cleared { user: "them".into(), seq: 100 })), Change::None);
    sync.receive(synced(2));
    assert!(sync.strokes().is_empty());
}

#[test]
fn relays_after_the_sync_apply_and_older_ones_are_ignored() {
    let mut sync = joined(vec![pen("a", &[0.0, 0.0])], 5);
    assert_eq!(sync.receive(started(pen("old", &[0.0, 0.0]), 5)), Change::None);
    assert_eq!(sync.receive(started(pen("b", &[1.0, 1.0]), 6)), Change::Added { from: 1 });
    assert_eq!(sync.receive(points("b", &[2.0, 2.0, 3.0, 3.0], 7)), Change::Extended { index: 1, from: 1 });
    assert_eq!(sync.receive(points("b", &[9.0, 9.0], 4)), Change::None);
    assert_eq!(sync.strokes()[1].points, [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]);

    // A shape's new end point needs the whole board redrawn.
    sync.receive(started(stroke("r", Tool::Rect, &[0.0, 0.0]), 8));
    assert_eq!(sync.receive(points("r", &[4.0, 4.0], 9)), Change::Redraw);
    let end = StrokeEnd { id: id("r"), seq: Some(10) };
    assert_eq!(sync.receive(ServerMessage::StrokeEnd(end)), Change::None);

    let remove = |ids: Vec<StrokeId>, seq| ServerMessage::StrokeRemove(StrokeRemove { ids, seq });
    assert_eq!(sync.receive(remove(vec![id("a")], 11)), Change::Redraw);
    assert_eq!(sync.receive(remove(vec![id("b")], 3)), Change::None);
    assert_eq!(sync.receive(remove(vec![id("gone")], 12)), Change::None);
    assert_eq!(ids(&sync), ["b", "r"]);

    let restore = |s, seq| ServerMessage::StrokeRestore(StrokeRestore { stroke: s, seq });
    assert_eq!(sync.receive(restore(pen("a", &[0.0, 0.0]), 13)), Change::Added { from: 2 });
    assert_eq!(sync.receive(restore(pen("z", &[0.0, 0.0]), 5)), Change::None);
    assert_eq!(ids(&sync), ["b", "r", "a"]);

    assert_eq!(sync.receive(ServerMessage::Cleared(Cleared { user: "them".into(), seq: 2 })), Change::None);
    assert_eq!(sync.strokes().len(), 3);
    assert_eq!(sync.receive(ServerMessage::Cleared(Cleared { user: "them".into(), seq: 14 })), Change::Redraw);
    assert!(sync.strokes().is_empty());
}

#[test]
fn a_stroke_start_for_a_known_id_is_not_doubled() {
    let mut sync = joined(vec![pen("a", &[0.0, 0.0])], 1);
    assert_eq!(sync.receive(started(pen("a", &[7.0, 7.0]), 2)), Change::None);
    let restore = ServerMessage::StrokeRestore(StrokeRestore { stroke: pen("a", &[7.0, 7.0]), seq: 3 });
    assert_eq!(sync.receive(restore), Change::None);
    assert_eq!(ids(&sync), ["a"]);
    assert_eq!(sync.strokes()[0].points, [0.0, 0.0]);
}

#[test]
fn people_and_cursors_come_through() {
    let mut sync = joined(Vec::new(), 0);
    assert_eq!(sync.receive(ServerMessage::Presence(Presence { users: vec![user("me", "Ada")] })), Change::Presence);
    assert_eq!(sync.users(), [user("me", "Ada")]);
    assert!(sync.user(&SocketId::from("them")).is_none());
    let moved = CursorMoved { user: "me".into(), x: 1.0, y: 2.0 };
    assert_eq!(sync.receive(ServerMessage::Cursor(moved.clone())), Change::Cursor(moved));

    assert_eq!(sync.rename("Grace"), Change::People);
    assert_eq!(sync.me().unwrap().name, "Grace");
    assert_eq!(sync.users()[0].name, "Grace");
    assert_eq!(BoardSync::default().rename("Grace"), Change::None);
}

#[test]
fn nothing_is_sent_before_the_sync() {
    let mut sync = BoardSync::default();
    let mut wire = Wire::new();
    sync.queue(&Undo, &[]);
    wire.flush(&mut sync);
    assert!(wire.sent.is_empty());
    sync.receive(welcome());
    sync.receive(synced(0));
    wire.flush(&mut sync);
    assert_eq!(wire.sent, [("undo", json!({}), 1)]);
}

#[test]
fn the_outbox_goes_out_again_in_order_after_a_reconnect() {
    let mut sync = joined(Vec::new(), 0);
    let mut wire = Wire::new();
    let s = start("s1", &[0.0, 0.0]);
    sync.begin_stroke(&s);
    sync.queue(&s, std::slice::from_ref(&s.id));
    sync.queue(&StrokePoints { id: id("s1"), n: 1, points: vec![1.0, 1.0], seq: None }, std::slice::from_ref(&s.id));
    wire.flush(&mut sync);
    assert_eq!(wire.names(), ["stroke:start", "stroke:points"]);
    assert!(matches!(sync.acknowledge(1, &ok()), Acknowledged::Done(Change::None)));

    sync.connection_lost();
    assert!(!sync.is_synced());
    sync.queue(&StrokeEnd { id: id("s1"), seq: None }, std::slice::from_ref(&s.id));
    sync.queue(&Undo, &[]);
    wire.flush(&mut sync);
    assert_eq!(wire.sent.len(), 2, "nothing goes out until synced");
    // An ack from the old connection matches nothing now.
    assert!(matches!(sync.acknowledge(2, &ok()), Acknowledged::Unknown));

    sync.receive(welcome());
    sync.receive(synced(4));
    wire.flush(&mut sync);
    let resent: Vec<_> = wire.sent[2..].iter().map(|(name, data, ack)| (*name, data.clone(), *ack)).collect();
    assert_eq!(
        resent,
        [
            ("stroke:points", json!({ "id": "s1", "n": 1, "points": [1.0, 1.0] }), 3),
            ("stroke:end", json!({ "id": "s1" }), 4),
            ("undo", json!({}), 5),
        ]
    );
    // Sent entries are not sent twice.
    wire.flush(&mut sync);
    assert_eq!(wire.sent.len(), 5);
}

#[test]
fn a_link_down_mid_send_keeps_the_rest_in_order() {
    let mut sync = joined(Vec::new(), 0);
    let mut wire = Wire::new();
    sync.queue(&Undo, &[]);
    sync.queue(&Erase { ids: vec![id("a")] }, &[]);
    wire.up = false;
    wire.flush(&mut sync);
    assert!(wire.sent.is_empty());
    wire.up = true;
    wire.flush(&mut sync);
    assert_eq!(wire.names(), ["undo", "erase"]);
}

#[test]
fn waiting_counts_strokes_not_events() {
    let mut sync = joined(Vec::new(), 0);
    let mut wire = Wire::new();
    for s in ["s1", "s2"] {
        let s = start(s, &[0.0, 0.0]);
        sync.queue(&s, std::slice::from_ref(&s.id));
        sync.queue(&StrokeEnd { id: s.id.clone(), seq: None }, std::slice::from_ref(&s.id));
    }
    sync.queue(&Undo, &[]);
    assert_eq!(sync.waiting_strokes(), 2);
    wire.flush(&mut sync);
    sync.acknowledge(1, &ok());
    sync.acknowledge(2, &ok());
    assert_eq!(sync.waiting_strokes(), 1);
    sync.acknowledge(3, &ok());
    sync.acknowledge(4, &ok());
    assert_eq!(sync.waiting_strokes(), 0);
}

#[test]
fn a_refused_event_is_dropped() {
    let mut sync = joined(Vec::new(), 0);
    let mut wire = Wire::new();
    let s = start("s1", &[0.0, 0.0]);
    sync.queue(&s, std::slice::from_ref(&s.id));
    wire.flush(&mut sync);
    match sync.acknowledge(1, &reply(json!({ "ok": false, "error": "too many points", "code": "invalid" }))) {
        Acknowledged::Refused { event, error, code } => {
            assert_eq!(event, "stroke:start");
            assert_eq!(error.as_deref(), Some("too many points"));
            assert_eq!(code.as_deref(), Some("invalid"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sync.waiting_strokes(), 0);
    sync.connection_lost();
    sync.receive(synced(1));
    wire.flush(&mut sync);
    assert_eq!(wire.sent.len(), 1, "a refused event is not sent again");
}

#[test]
fn an_unreadable_ack_drops_its_event() {
    let mut sync = joined(Vec::new(), 0);
    let mut wire = Wire::new();
    sync.queue(&Undo, &[]);
    sync.queue(&Redo, &[]);
    wire.flush(&mut sync);
    assert!(matches!(sync.acknowledge(1, r#""yes""#), Acknowledged::Unreadable(_)));
    assert!(matches!(sync.acknowledge(1, &ok()), Acknowledged::Unknown));
    // Text that is not even JSON.
    assert!(matches!(sync.acknowledge(2, r#"{"ok":tru"#), Acknowledged::Unreadable(_)));
    wire.flush(&mut sync);
    assert_eq!(wire.sent.len(), 2, "events with unreadable acks are not sent again");
}

#[test]
fn the_sync_keeps_our_strokes_that_wait_for_acks() {
    let mut sync = joined(Vec::new(), 0);
    let mut wire = Wire::new();
    // "done" is acknowledged; "half" and "new" wait for their acks, and the
    // server's history has "half" as far as it got.
    for (s, pts) in [("done", [0.0, 0.0]), ("half", [1.0, 1.0]), ("new", [2.0, 2.0])] {
        let s = start(s, &pts);
        assert!(matches!(sync.begin_stroke(&s), Change::Added { .. }));
        sync.queue(&s, std::slice::from_ref(&s.id));
    }
    sync.drawing(&id("half")).unwrap().points.extend([1.5, 1.5]);
    wire.flush(&mut sync);
    sync.acknowledge(1, &ok());
    assert_eq!(sync.strokes()[0].user, "me");

    sync.connection_lost();
    sync.receive(welcome());
    sync.receive(history(vec![pen("other", &[9.0, 9.0]), pen("half", &[1.0, 1.0])]));
    sync.receive(synced(7));
    // "done" is not in the history (someone erased it): it goes.
    assert_eq!(ids(&sync), ["other", "half", "new"]);
    assert_eq!(sync.strokes()[1].points, [1.0, 1.0, 1.5, 1.5], "kept as we drew it");
    assert_eq!(sync.strokes()[1].user, "me");
}

#[test]
fn acks_apply_what_they_removed_and_restored() {
    let mut sync = joined(vec![pen("a", &[0.0, 0.0]), pen("b", &[1.0, 1.0])], 1);
    let mut wire = Wire::new();
    sync.queue(&Undo, &[]);
    sync.queue(&Undo, &[]);
    sync.queue(&Undo, &[]);
    wire.flush(&mut sync);

    let removed = sync.acknowledge(1, &reply(json!({ "ok": true, "seq": 2, "removed": ["b"] })));
    assert!(matches!(removed, Acknowledged::Done(Change::Redraw)));
    assert_eq!(ids(&sync), ["a"]);

    let restored = reply(json!({ "ok": true, "seq": 3, "restored": [pen("b", &[1.0, 1.0]), pen("a", &[0.0, 0.0])] }));
    assert!(matches!(sync.acknowledge(2, &restored), Acknowledged::Done(Change::Added { from: 1 })));
    assert_eq!(ids(&sync), ["a", "b"]);

    let both = reply(json!({ "ok": true, "seq": 4, "removed": ["a"], "restored": [pen("c", &[2.0, 2.0])] }));
    assert!(matches!(sync.acknowledge(3, &both), Acknowledged::Done(Change::Redraw)));
    assert_eq!(ids(&sync), ["b", "c"]);
}

#[test]
fn our_own_changes_apply_at_once() {
    let mut sync = joined(vec![pen("a", &[0.0, 0.0]), pen("b", &[1.0, 1.0])], 1);
    assert_eq!(sync.remove(&[id("a")]), Change::Redraw);
    assert_eq!(sync.remove(&[id("a")]), Change::None);
    assert_eq!(sync.clear(), Change::Redraw);
    assert!(sync.strokes().is_empty());
    assert!(sync.drawing(&id("b")).is_none());
}
