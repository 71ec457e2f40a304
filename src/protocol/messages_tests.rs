use super::*;
use serde_json::json;

fn start() -> StrokeStart {
    StrokeStart {
        id: StrokeId::new("s1").unwrap(),
        color: Color::new("#000000").unwrap(),
        width: 3.0,
        tool: Tool::Pen,
        points: vec![0.0, 0.0],
    }
}

#[test]
fn stroke_start_checks() {
    assert_eq!(start().validate(), Ok(()));
    assert_eq!(StrokeStart { width: 0.1, ..start() }.validate(), Err(ValidationError::Width(0.1)));
    assert_eq!(StrokeStart { points: vec![1.0], ..start() }.validate(), Err(ValidationError::OddPoints));
    let bad_color = json!({ "id": "s", "color": "red", "width": 2, "tool": "pen", "points": [] });
    assert!(serde_json::from_value::<StrokeStart>(bad_color).unwrap_err().to_string().contains("color"));
    let long_id = json!({ "id": "x".repeat(65), "color": "#000000", "width": 2, "tool": "pen", "points": [] });
    assert!(serde_json::from_value::<StrokeStart>(long_id).unwrap_err().to_string().contains("stroke id"));
}

#[test]
fn tools_use_lowercase_names() {
    assert_eq!(serde_json::to_string(&Tool::Ellipse).unwrap(), "\"ellipse\"");
    let e = serde_json::from_str::<Tool>("\"spray\"").unwrap_err().to_string();
    assert!(
        e.starts_with("unknown variant `spray`, expected one of `pen`, `eraser`, `line`, `rect`, `ellipse`"),
        "{e}"
    );
    assert!(serde_json::from_str::<Tool>("{\"pen\":null}").is_err());
    for t in Tool::ALL {
        assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        assert_eq!(Tool::parse(t.as_str()), Some(t));
    }
}

#[test]
fn relayed_start_is_a_flat_stroke_with_seq() {
    let stroke = start().to_stroke("u".into());
    let v = serde_json::to_value(StrokeStarted { stroke, seq: 7 }).unwrap();
    assert_eq!(
        v,
        json!({ "id": "s1", "user": "u", "color": "#000000", "width": 3.0, "tool": "pen", "points": [0.0, 0.0], "seq": 7 })
    );
    assert_eq!(
        serde_json::from_value::<StrokeStarted>(v).unwrap(),
        StrokeStarted { stroke: start().to_stroke("u".into()), seq: 7 }
    );
    let bad = json!({ "id": "s1", "user": "u", "color": "red", "width": 3.0, "tool": "pen", "points": [], "seq": 7 });
    assert!(serde_json::from_value::<StrokeStarted>(bad).unwrap_err().to_string().contains("color"));
    let no_seq = json!({ "id": "s1", "user": "u", "color": "#000000", "width": 3.0, "tool": "pen", "points": [] });
    assert!(serde_json::from_value::<StrokeStarted>(no_seq).is_err());
}

#[test]
fn unit_events_send_an_empty_object_and_accept_anything() {
    assert_eq!(serde_json::to_value(Undo).unwrap(), json!({}));
    for v in [json!({}), serde_json::Value::Null, json!({ "x": 1 }), json!([1])] {
        assert_eq!(serde_json::from_value::<Redo>(v).unwrap(), Redo);
    }
}

#[test]
fn every_event_name_matches_the_protocol_document() {
    let doc = include_str!("../../docs/PROTOCOL.md");
    for name in [
        Welcome::NAME,
        History::NAME,
        Synced::NAME,
        StrokeStart::NAME,
        StrokePoints::NAME,
        StrokeEnd::NAME,
        StrokeRemove::NAME,
        StrokeRestore::NAME,
        Undo::NAME,
        Redo::NAME,
        Clear::NAME,
        Erase::NAME,
        Rename::NAME,
        Cursor::NAME,
        Presence::NAME,
    ] {
        assert!(doc.contains(&format!("`{name}`")), "{name} is not in PROTOCOL.md");
    }
}
