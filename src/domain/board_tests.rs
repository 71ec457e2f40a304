use super::*;
use crate::domain::StoredStroke;
use crate::protocol::{Color, Erase, Tool, MAX_POINTS_PER_MESSAGE};

fn editor() -> Access {
    BoardAccess::default().tell(crate::protocol::Role::Edit, None)
}

fn sid(s: &str) -> SocketId {
    s.into()
}

fn id(s: &str) -> StrokeId {
    StrokeId::new(s).unwrap()
}

fn ids(list: &[&str]) -> Vec<StrokeId> {
    list.iter().map(|s| id(s)).collect()
}

fn start(s: &str) -> StrokeStart {
    StrokeStart {
        id: id(s),
        color: Color::new("#123456").unwrap(),
        width: 4.0,
        tool: Tool::Pen,
        points: vec![1.0, 2.0],
    }
}

fn batch(s: &str, n: u32, points: Vec<f32>) -> StrokePoints {
    StrokePoints { id: id(s), n, points, seq: None }
}

fn end(s: &str) -> StrokeEnd {
    StrokeEnd { id: id(s), seq: None }
}

/// A board with these `(socket, client)` connections.
fn board_with(users: &[(&str, &str)]) -> Board {
    board_with_quota(users, Quota::default())
}

fn board_with_quota(users: &[(&str, &str)], quota: Quota) -> Board {
    let mut b = Board::new(BoardName::new("b").unwrap(), quota);
    for (s, client) in users {
        b.join(sid(s), ClientId::new(*client).unwrap(), None, editor());
    }
    b
}

fn live_ids(b: &Board) -> Vec<String> {
    b.live_strokes().map(|s| s.id.to_string()).collect()
}

#[test]
fn stroke_lifecycle_assigns_increasing_seq() {
    let mut b = board_with(&[("s", "c")]);
    let Outcome::Applied { seq: s1, .. } = b.start_stroke(&sid("s"), start("x")).unwrap() else { panic!() };
    let Outcome::Applied { seq: s2, .. } = b.append_points(&sid("s"), batch("x", 1, vec![3.0, 4.0])).unwrap() else {
        panic!()
    };
    let Outcome::Applied { seq: s3, .. } = b.end_stroke(&sid("s"), end("x")).unwrap() else { panic!() };
    assert_eq!((s1, s2, s3), (1, 2, 3));
    assert_eq!(b.live_strokes().next().unwrap().points, vec![1.0, 2.0, 3.0, 4.0]);
}

#[test]
fn resends_are_duplicates_not_reapplied() {
    let mut b = board_with(&[("s", "c")]);
    b.start_stroke(&sid("s"), start("x")).unwrap();
    b.append_points(&sid("s"), batch("x", 1, vec![3.0, 4.0])).unwrap();
    // Same client on a new connection resends everything.
    b.leave(&sid("s"));
    b.join(sid("s2"), ClientId::new("c").unwrap(), None, editor());
    assert_eq!(b.start_stroke(&sid("s2"), start("x")).unwrap(), Outcome::Duplicate { seq: 2 });
    assert_eq!(b.append_points(&sid("s2"), batch("x", 1, vec![3.0, 4.0])).unwrap(), Outcome::Duplicate { seq: 2 });
    assert_eq!(b.live_strokes().next().unwrap().points.len(), 4);
}

#[test]
fn only_the_author_appends_and_only_while_open() {
    let mut b = board_with(&[("s", "c"), ("t", "d")]);
    b.start_stroke(&sid("s"), start("x")).unwrap();
    assert_eq!(b.append_points(&sid("t"), batch("x", 1, vec![0.0, 0.0])), Err(BoardError::NotAuthor(id("x"))));
    assert_eq!(b.start_stroke(&sid("t"), start("x")), Err(BoardError::IdTaken(id("x"))));
    assert_eq!(
        b.append_points(&sid("s"), batch("x", 3, vec![0.0, 0.0])),
        Err(BoardError::Gap { id: id("x"), expected: 1, got: 3 })
    );
    b.end_stroke(&sid("s"), end("x")).unwrap();
    assert_eq!(b.append_points(&sid("s"), batch("x", 1, vec![0.0, 0.0])), Err(BoardError::Ended(id("x"))));
    assert_eq!(
        b.append_points(&sid("s"), batch("nope", 1, vec![0.0, 0.0])),
        Err(BoardError::UnknownStroke(id("nope")))
    );
    assert_eq!(b.start_stroke(&sid("ghost"), start("y")), Err(BoardError::NotJoined));
}

#[test]
fn invalid_values_are_refused_with_their_reason() {
    let mut b = board_with(&[("s", "c")]);
    let wide = StrokeStart { width: 500.0, ..start("x") };
    assert_eq!(b.start_stroke(&sid("s"), wide), Err(BoardError::Invalid(ValidationError::Width(500.0))));
    b.start_stroke(&sid("s"), start("x")).unwrap();
    assert_eq!(
        b.append_points(&sid("s"), batch("x", 1, vec![1.0])),
        Err(BoardError::Invalid(ValidationError::OddPoints))
    );
    assert_eq!(b.rename(&sid("s"), "\n"), Err(BoardError::Invalid(ValidationError::EmptyName)));
    assert_eq!(b.append_points(&sid("s"), batch("x", 1, vec![])), Err(BoardError::Invalid(ValidationError::NoPoints)));
    assert_eq!(b.seq(), 1, "refusals take no seq");
}

#[test]
fn a_stroke_stops_at_the_point_limit() {
    let mut b = board_with(&[("s", "c")]);
    b.start_stroke(&sid("s"), start("x")).unwrap();
    let full = vec![1.0; MAX_POINTS_PER_MESSAGE * 2];
    let full_batches = (MAX_POINTS_PER_STROKE - 1) / MAX_POINTS_PER_MESSAGE;
    for n in 1..=full_batches as u32 {
        b.append_points(&sid("s"), batch("x", n, full.clone())).unwrap();
    }
    let next = full_batches as u32 + 1;
    assert_eq!(b.append_points(&sid("s"), batch("x", next, full)), Err(BoardError::TooLong(id("x"))));
    let room = MAX_POINTS_PER_STROKE - 1 - full_batches * MAX_POINTS_PER_MESSAGE;
    assert!(b.append_points(&sid("s"), batch("x", next, vec![1.0; room * 2])).is_ok());
}

#[test]
fn undo_redo_follow_the_client() {
    let mut b = board_with(&[("s", "c"), ("t", "d")]);
    b.start_stroke(&sid("s"), start("a")).unwrap();
    b.start_stroke(&sid("t"), start("b")).unwrap();
    b.start_stroke(&sid("s"), start("c")).unwrap();
    let Outcome::Applied { relay, .. } = b.undo(&sid("s")).unwrap() else { panic!() };
    assert_eq!(relay, Reverted::Removed(StrokeRemove { ids: ids(&["c"]), seq: 4 }));
    let Outcome::Applied { relay, .. } = b.undo(&sid("s")).unwrap() else { panic!() };
    assert!(matches!(relay, Reverted::Removed(r) if r.ids == ids(&["a"])));
    assert_eq!(b.undo(&sid("s")), Err(BoardError::NothingToUndo));
    assert_eq!(live_ids(&b), vec!["b"]);
    let Outcome::Applied { relay, .. } = b.redo(&sid("s")).unwrap() else { panic!() };
    assert!(matches!(relay, Reverted::Restored(r) if r[0].stroke.id == "a"));
    assert_eq!(b.live_strokes().count(), 2);
}

#[test]
fn a_new_stroke_empties_the_redo_list() {
    let mut b = board_with(&[("s", "c")]);
    b.start_stroke(&sid("s"), start("a")).unwrap();
    b.undo(&sid("s")).unwrap();
    b.start_stroke(&sid("s"), start("b")).unwrap();
    assert_eq!(b.redo(&sid("s")), Err(BoardError::NothingToRedo));
    assert_eq!(live_ids(&b), vec!["b"]);
}

#[test]
fn clearing_an_empty_board_changes_nothing() {
    let mut b = board_with(&[("s", "c")]);
    assert_eq!(b.clear(&sid("s")), Ok(Outcome::Duplicate { seq: 0 }));
    assert_eq!(b.undo(&sid("s")), Err(BoardError::NothingToUndo));
    assert_eq!(b.clear(&sid("ghost")), Err(BoardError::NotJoined));
}

#[test]
fn clear_is_undoable_by_its_author() {
    let mut b = board_with(&[("s", "c"), ("t", "d")]);
    b.start_stroke(&sid("s"), start("a")).unwrap();
    b.start_stroke(&sid("t"), start("b")).unwrap();
    b.clear(&sid("t")).unwrap();
    assert_eq!(b.live_strokes().count(), 0);
    let Outcome::Applied { relay, change, .. } = b.undo(&sid("t")).unwrap() else { panic!() };
    assert!(matches!(relay, Reverted::Restored(r) if r.len() == 2));
    assert_eq!(change, Change::SetLive { ids: ids(&["a", "b"]), live: true });
    assert_eq!(b.live_strokes().count(), 2);
}

#[test]
fn erase_hides_anyones_strokes_and_is_undoable_by_the_eraser() {
    let mut b = board_with(&[("s", "c"), ("t", "d")]);
    b.start_stroke(&sid("s"), start("a")).unwrap();
    b.start_stroke(&sid("s"), start("b")).unwrap();
    let Outcome::Applied { relay, .. } = b.erase(&sid("t"), Erase { ids: ids(&["a"]) }).unwrap() else { panic!() };
    assert!(matches!(relay, Reverted::Removed(r) if r.ids == ids(&["a"])));
    assert_eq!(b.live_strokes().count(), 1);
    assert_eq!(b.erase(&sid("t"), Erase { ids: ids(&["a"]) }), Ok(Outcome::Duplicate { seq: 3 }));
    assert_eq!(b.erase(&sid("t"), Erase { ids: ids(&["zz"]) }), Err(BoardError::UnknownStroke(id("zz"))));
    let too_many = Erase { ids: vec![id("a"); crate::protocol::MAX_ERASE + 1] };
    assert_eq!(b.erase(&sid("t"), too_many), Err(BoardError::Invalid(ValidationError::TooManyErased)));
    b.undo(&sid("t")).unwrap();
    assert_eq!(b.live_strokes().count(), 2);
    // The author's own undo still takes the author's latest stroke.
    let Outcome::Applied { relay, .. } = b.undo(&sid("s")).unwrap() else { panic!() };
    assert!(matches!(relay, Reverted::Removed(r) if r.ids == ids(&["b"])));
}

#[test]
fn restore_rebuilds_undo_from_live_strokes() {
    let stroke = |s: &str| Stroke {
        id: id(s),
        user: sid("u"),
        color: Color::new("#000000").unwrap(),
        width: 1.0,
        tool: Tool::Pen,
        points: vec![],
        text: None,
        transform: None,
        image: None,
    };
    let client = ClientId::new("c").unwrap();
    let stored = StoredBoard {
        name: BoardName::new("b").unwrap(),
        seq: 9,
        access: BoardAccess::default(),
        strokes: vec![
            StoredStroke { stroke: stroke("a"), client: client.clone(), open: false, live: true, batch: 2, z: 1.0 },
            StoredStroke { stroke: stroke("b"), client: client.clone(), open: true, live: false, batch: 0, z: 2.0 },
        ],
        images: vec![],
    };
    let mut b = Board::restore(stored, Quota::default());
    b.join(sid("s"), client, None, editor());
    assert_eq!(b.seq(), 9);
    assert_eq!(b.append_points(&sid("s"), batch("a", 2, vec![5.0, 5.0])).unwrap(), Outcome::Duplicate { seq: 9 });
    let Outcome::Applied { seq, relay, .. } = b.undo(&sid("s")).unwrap() else { panic!() };
    assert_eq!(seq, 10);
    assert!(matches!(relay, Reverted::Removed(r) if r.ids == ids(&["a"])));
}

#[test]
fn the_quota_bounds_live_strokes_and_points() {
    let full = |what, limit| BoardError::Full { what, limit };
    let mut b = board_with_quota(&[("s", "c"), ("t", "d")], Quota { strokes: 2, points: 5 });
    b.start_stroke(&sid("s"), start("a")).unwrap();
    b.append_points(&sid("s"), batch("a", 1, vec![0.0; 6])).unwrap(); // a: 4 points
    assert_eq!(b.start_stroke(&sid("s"), StrokeStart { points: vec![0.0; 4], ..start("b") }), Err(full("points", 5)));
    assert_eq!(b.append_points(&sid("s"), batch("a", 2, vec![0.0; 4])), Err(full("points", 5)));
    b.start_stroke(&sid("s"), start("b")).unwrap(); // 2 strokes, 5 points
    assert_eq!(b.start_stroke(&sid("s"), start("c")), Err(full("strokes", 2)));

    // Erasing makes room. Undoing the erase would go over: refused, and
    // still undoable once there is room again.
    b.erase(&sid("t"), Erase { ids: ids(&["a"]) }).unwrap();
    b.start_stroke(&sid("s"), start("c")).unwrap();
    assert_eq!(b.undo(&sid("t")), Err(full("strokes", 2)));
    b.undo(&sid("s")).unwrap(); // c goes
    let Outcome::Applied { relay, .. } = b.undo(&sid("t")).unwrap() else { panic!() };
    assert!(matches!(relay, Reverted::Restored(r) if r[0].stroke.id == "a"));
    assert_eq!(live_ids(&b), vec!["a", "b"]);
}

mod fuzz {
    //! Random sequences of events from three clients, checked against the
    //! invariants storage and relays rely on.
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Start(u8, u8, u8),
        Points(u8, u8, u32, u8),
        End(u8, u8),
        Undo(u8),
        Redo(u8),
        Clear(u8),
        Erase(u8, Vec<u8>),
        Rejoin(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..3u8, 0..12u8, 0..6u8).prop_map(|(c, s, p)| Op::Start(c, s, p)),
            (0..3u8, 0..12u8, 0..5u32, 0..6u8).prop_map(|(c, s, n, p)| Op::Points(c, s, n, p)),
            (0..3u8, 0..12u8).prop_map(|(c, s)| Op::End(c, s)),
            (0..3u8).prop_map(Op::Undo),
            (0..3u8).prop_map(Op::Redo),
            (0..3u8).prop_map(Op::Clear),
            (0..3u8, proptest::collection::vec(0..14u8, 0..4)).prop_map(|(c, s)| Op::Erase(c, s)),
            (0..3u8).prop_map(Op::Rejoin),
        ]
    }

    /// What storage would hold after the changes: each stroke and whether it shows.
    #[derive(Default)]
    struct Stored(Vec<(Stroke, bool)>);

    impl Stored {
        fn apply(&mut self, change: Change) {
            let find = |s: &mut Vec<(Stroke, bool)>, id: &StrokeId| s.iter().position(|(st, _)| &st.id == id);
            match change {
                Change::StrokeStart { stroke, .. } => self.0.push((stroke, true)),
                Change::StrokePoints { id, points, .. } => {
                    let i = find(&mut self.0, &id).expect("points for a stored stroke");
                    self.0[i].0.points.extend(points);
                }
                Change::StrokeEnd { id } => assert!(find(&mut self.0, &id).is_some()),
                Change::Add { objects, .. } => self.0.extend(objects.into_iter().map(|(s, _)| (s, true))),
                Change::Order(_) => unreachable!("the model changes no order"),
                Change::Place(placed) => {
                    for p in placed {
                        let i = find(&mut self.0, &p.id).expect("a stored object moves");
                        self.0[i].0.transform = (!p.transform.is_identity()).then_some(p.transform);
                    }
                }
                Change::Text { id, text } => {
                    let i = find(&mut self.0, &id).expect("a stored text changes");
                    self.0[i].0.text = Some(text);
                }
                Change::Access(_) | Change::Delete => unreachable!("the model makes no access changes"),
                Change::Replace { .. } => unreachable!("the model restores nothing"),
                Change::SetLive { ids, live } => {
                    for id in ids {
                        let i = find(&mut self.0, &id).expect("a stored stroke changes");
                        assert_ne!(self.0[i].1, live, "a change that changes nothing");
                        self.0[i].1 = live;
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn random_events_keep_every_invariant(ops in proptest::collection::vec(op(), 1..120)) {
            let quota = Quota { strokes: 6, points: 40 };
            let mut b = board_with_quota(&[("s0", "c0"), ("s1", "c1"), ("s2", "c2")], quota);
            let mut stored = Stored::default();
            let mut joins = [0u32; 3];
            for op in ops {
                let before = b.seq();
                let who = |c: u8, joins: &[u32; 3]| sid(&format!("s{c}-{}", joins[c as usize]).replace("-0", ""));
                let pts = |p: u8| vec![p as f32; p as usize * 2];
                let result: Result<Option<(u64, Change)>, BoardError> = match op {
                    Op::Start(c, s, p) => b.start_stroke(&who(c, &joins), StrokeStart { points: pts(p), ..start(&format!("k{s}")) }).map(applied),
                    Op::Points(c, s, n, p) => b.append_points(&who(c, &joins), batch(&format!("k{s}"), n, pts(p))).map(applied),
                    Op::End(c, s) => b.end_stroke(&who(c, &joins), end(&format!("k{s}"))).map(applied),
                    Op::Undo(c) => b.undo(&who(c, &joins)).map(applied),
                    Op::Redo(c) => b.redo(&who(c, &joins)).map(applied),
                    Op::Clear(c) => b.clear(&who(c, &joins)).map(applied),
                    Op::Erase(c, s) => {
                        let erase = Erase { ids: s.iter().map(|s| id(&format!("k{s}"))).collect() };
                        b.erase(&who(c, &joins), erase).map(applied)
                    }
                    Op::Rejoin(c) => {
                        b.leave(&who(c, &joins));
                        joins[c as usize] += 1;
                        b.join(who(c, &joins), ClientId::new(format!("c{c}")).unwrap(), None, editor());
                        Ok(None)
                    }
                };
                match result {
                    Ok(Some((seq, change))) => {
                        prop_assert_eq!(seq, before + 1, "an applied change takes the next seq");
                        stored.apply(change);
                    }
                    Ok(None) | Err(_) => prop_assert_eq!(b.seq(), before, "no seq without a change"),
                }
                // The live counters match the strokes, within the quota.
                let live: Vec<&Stroke> = b.live_strokes().collect();
                let points: usize = live.iter().map(|s| s.points.len() / 2).sum();
                prop_assert_eq!((b.live_strokes, b.live_points), (live.len(), points));
                prop_assert!(live.len() <= quota.strokes && points <= quota.points);
                // Storage, fed the changes, shows what the board shows.
                let shown: Vec<&Stroke> = stored.0.iter().filter(|(_, l)| *l).map(|(s, _)| s).collect();
                prop_assert_eq!(shown, live);
            }
        }
    }

    /// The seq and change of an applied outcome; `None` for a duplicate.
    fn applied<R>(outcome: Outcome<R>) -> Option<(u64, Change)> {
        match outcome {
            Outcome::Applied { seq, change, .. } => Some((seq, change)),
            Outcome::Duplicate { .. } => None,
        }
    }
}

#[test]
fn a_clients_undo_history_is_bounded_in_bytes() {
    use crate::protocol::{Add, EditText, NewObject, MAX_TEXT};
    let mut b = board_with(&[("s", "c")]);
    let text = NewObject {
        id: id("t"),
        color: Color::new("#123456").unwrap(),
        width: 16.0,
        tool: Tool::Text,
        points: vec![0.0, 0.0],
        text: Some("x".into()),
        transform: None,
        image: None,
    };
    b.add(&sid("s"), Add { objects: vec![text], session: None }).unwrap();
    // 1,000 editing sessions, each swapping 10,000 characters for 10,000 others.
    for session in 0..1000u32 {
        let letter = if session % 2 == 0 { "a" } else { "b" };
        b.edit_text(&sid("s"), EditText { id: id("t"), text: letter.repeat(MAX_TEXT), session }).unwrap();
    }
    let mut undone = 0;
    while b.undo(&sid("s")).is_ok() {
        undone += 1;
    }
    // About 4 MB of 20 KB actions: the latest couple of hundred can be undone, not all 1,001.
    assert!((150..=250).contains(&undone), "{undone} undos");
    assert_eq!(live_ids(&b), ["t"], "the add itself was forgotten, so the text stays");
}

#[test]
fn places_in_the_drawing_order_stay_unique_through_undo_and_redo() {
    use crate::protocol::Order;
    let mut b = board_with(&[("x", "cx"), ("y", "cy")]);
    for (s, stroke) in [("x", "a"), ("y", "b"), ("x", "c")] {
        b.start_stroke(&sid(s), start(stroke)).unwrap();
        b.end_stroke(&sid(s), end(stroke)).unwrap();
    }
    let back = |what: &str| Order { ids: vec![id(what)], front: false };
    b.order(&sid("x"), back("c")).unwrap();
    b.undo(&sid("x")).unwrap();
    b.order(&sid("y"), back("b")).unwrap();
    b.redo(&sid("x")).unwrap();
    // The redo puts c where its send-to-back put it; b went below that since.
    assert_eq!(live_ids(&b), ["b", "c", "a"]);
    let mut zs: Vec<f64> = b.strokes.iter().map(|e| e.z).collect();
    zs.dedup();
    assert_eq!(zs.len(), 3, "every object has its own place: {zs:?}");
}

#[test]
fn undoing_a_restore_on_a_full_board_counts_what_it_hides() {
    let mut b = board_with_quota(&[("s", "c")], Quota { strokes: 2, points: 100 });
    for s in ["a", "b"] {
        b.start_stroke(&sid("s"), start(s)).unwrap();
    }
    let then: Vec<Stroke> = b.live_strokes().cloned().collect();
    let at = b.seq();
    b.erase(&sid("s"), Erase { ids: ids(&["a", "b"]) }).unwrap();
    b.start_stroke(&sid("s"), start("c")).unwrap();
    let Outcome::Applied { .. } = b.restore_to(&sid("s"), at, then, None).unwrap() else { panic!("restored") };
    assert_eq!(b.live_strokes().count(), 2);
    // Undo shows one object and hides two: the board shrinks, so it fits.
    let Outcome::Applied { relay: Reverted::Replaced(r), .. } = b.undo(&sid("s")).unwrap() else { panic!("undone") };
    assert_eq!((r.hide.len(), r.show.len(), r.below), (2, 1, true));
    assert_eq!(live_ids(&b), ["c"]);
    assert!(matches!(b.redo(&sid("s")), Ok(Outcome::Applied { .. })));
    assert_eq!(b.live_strokes().count(), 2);
}
