//! Refusals that ask to retry, and relays that never arrive.

use serde_json::json;

use super::*;

#[test]
fn a_retryable_refusal_keeps_the_event_and_what_follows_in_order() {
    let mut sync = joined(Vec::new(), 0);
    let mut wire = Wire::new();
    let s = start("s1", &[0.0, 0.0]);
    sync.queue(&s, std::slice::from_ref(&s.id));
    sync.queue(
        &StrokePoints { id: s.id.clone(), n: 1, points: vec![1.0, 1.0], seq: None },
        std::slice::from_ref(&s.id),
    );
    sync.queue(
        &StrokePoints { id: s.id.clone(), n: 2, points: vec![2.0, 2.0], seq: None },
        std::slice::from_ref(&s.id),
    );
    wire.flush(&mut sync);
    assert_eq!(wire.sent.len(), 3);
    assert!(matches!(sync.acknowledge(1, &ok()), Acknowledged::Done(_)));
    // Batch 1 hits the rate limit; batch 2 is refused too, as a gap.
    let rate = reply(json!({ "ok": false, "error": "rate limit", "retryAfterMs": 40 }));
    match sync.acknowledge(2, &rate) {
        Acknowledged::Retry { event, after_ms } => assert_eq!((event, after_ms), ("stroke:points", 40)),
        other => panic!("{other:?}"),
    }
    let gap = reply(json!({ "ok": false, "error": "expects batch 1, got 2", "retryAfterMs": 500 }));
    assert!(matches!(sync.acknowledge(3, &gap), Acknowledged::Retry { .. }));
    assert_eq!(sync.waiting_strokes(), 1, "the stroke still waits");
    // The next flush sends both again, in order.
    wire.flush(&mut sync);
    let resent: Vec<u64> = wire.sent[3..].iter().map(|(_, data, _)| data["n"].as_u64().unwrap()).collect();
    assert_eq!(resent, vec![1, 2]);
    assert!(matches!(sync.acknowledge(4, &ok()), Acknowledged::Done(_)));
    assert!(matches!(sync.acknowledge(5, &ok()), Acknowledged::Done(_)));
    assert_eq!(sync.waiting_strokes(), 0);
    // An old ack id means nothing any more.
    assert!(matches!(sync.acknowledge(2, &rate), Acknowledged::Unknown));
}

#[test]
fn a_seq_that_stays_missing_while_nothing_of_ours_is_in_flight_asks_for_a_resync() {
    let mut sync = joined(Vec::new(), 4);
    let mut wire = Wire::new();
    let relay = |seq: u64| ServerMessage::StrokeEnd(StrokeEnd { id: id("x"), seq: Some(seq) });
    sync.receive(relay(5));
    sync.receive(relay(6));
    assert!(!sync.missed_relay(0.0) && !sync.missed_relay(10_000.0), "no gap");
    // 7 is ours, in flight: 8 arriving first is no gap yet.
    sync.queue(&Undo, &[]);
    wire.flush(&mut sync);
    sync.receive(relay(8));
    assert!(!sync.missed_relay(20_000.0) && !sync.missed_relay(40_000.0));
    assert!(matches!(sync.acknowledge(1, &reply(json!({ "ok": true, "seq": 7 }))), Acknowledged::Done(_)));
    assert!(!sync.missed_relay(50_000.0), "our ack filled it");
    // 9 never comes, 10 does: relays may overtake each other for a moment, not for long.
    sync.receive(relay(10));
    assert!(!sync.missed_relay(60_000.0));
    assert!(!sync.missed_relay(62_000.0));
    assert!(sync.missed_relay(63_100.0), "9 has been missing for over 3 s");
    // A resync starts over.
    sync.connection_lost();
    sync.receive(synced(10));
    assert!(!sync.missed_relay(70_000.0) && !sync.missed_relay(80_000.0));
}
