//! The history's promise, checked by property: replaying a board's log
//! gives back, at every seq, exactly what the live board showed then, with
//! frames or without, and after compaction.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::protocol::{
    Add, Color, EditText, Erase, HistoryLog, Logged, NewObject, Order, Timeline, Tool, TransformObjects,
};

const CLIENTS: usize = 3;

fn sid(c: usize) -> SocketId {
    format!("s{c}").as_str().into()
}

fn object(id: String, k: u32) -> NewObject {
    let (tool, points, text) = match k % 3 {
        0 => (Tool::Rect, vec![0.0, 0.0, 10.0 + k as f32, 20.0], None),
        1 => (Tool::Text, vec![5.0, k as f32], Some(format!("t{k}"))),
        _ => (Tool::Note, vec![1.0, 1.0, 50.0, 50.0], Some(String::new())),
    };
    NewObject {
        id: StrokeId::new(id).unwrap(),
        color: Color::new("#336699").unwrap(),
        width: 2.0,
        tool,
        points,
        text,
        transform: None,
        image: None,
    }
}

/// Plays `actions` (client, kind, parameter) on a board; returns its log
/// and what showed after each change.
fn play(actions: &[(usize, u8, u32)]) -> (Vec<Logged>, BTreeMap<u64, Vec<Stroke>>) {
    let mut board = Board::new(BoardName::new("h").unwrap(), Quota::default());
    for c in 0..CLIENTS {
        let access = BoardAccess::default().tell(crate::protocol::Role::Edit, None);
        board.join(sid(c), ClientId::new(format!("c{c}")).unwrap(), None, access);
    }
    let mut log = Vec::new();
    let mut shown = BTreeMap::from([(0, Vec::new())]);
    let mut open: [Option<(StrokeId, u32)>; CLIENTS] = Default::default();
    let mut made = 0u32;
    for (step, &(c, kind, p)) in actions.iter().enumerate() {
        let s = sid(c);
        let live: Vec<StrokeId> = board.live_strokes().map(|s| s.id.clone()).collect();
        let pick = |k: u32| live.get(k as usize % live.len().max(1)).cloned();
        made += 1;
        let outcome: Option<Result<(u64, Change), BoardError>> = match kind % 12 {
            0 => {
                let id = StrokeId::new(format!("p{made}")).unwrap();
                open[c] = Some((id.clone(), 0));
                let start = crate::protocol::StrokeStart {
                    id,
                    color: Color::new("#112233").unwrap(),
                    width: 3.0,
                    tool: Tool::Pen,
                    points: vec![p as f32, 1.0],
                };
                Some(board.start_stroke(&s, start).map(applied))
            }
            1 => open[c].as_mut().map(|(id, n)| {
                *n += 1;
                let batch = StrokePoints { id: id.clone(), n: *n, points: vec![p as f32, *n as f32], seq: None };
                board.append_points(&s, batch).map(applied)
            }),
            2 => open[c].take().map(|(id, _)| board.end_stroke(&s, StrokeEnd { id, seq: None }).map(applied)),
            3 => Some(board.undo(&s).map(applied)),
            4 => Some(board.redo(&s).map(applied)),
            5 => Some(board.clear(&s).map(applied)),
            6 => pick(p).map(|id| board.erase(&s, Erase { ids: vec![id] }).map(applied)),
            7 => {
                let objects = (0..1 + p % 3).map(|k| object(format!("o{made}.{k}"), p + k)).collect();
                Some(board.add(&s, Add { objects, session: Some(made) }).map(applied))
            }
            8 => pick(p).map(|id| {
                let by = crate::protocol::Transform { sx: 1.5, sy: 0.5, dx: p as f32, dy: 3.0 };
                board.transform(&s, TransformObjects { ids: vec![id], by, op: None }).map(applied)
            }),
            9 => {
                let texts: Vec<StrokeId> =
                    board.live_strokes().filter(|s| s.text.is_some()).map(|s| s.id.clone()).collect();
                texts.get(p as usize % texts.len().max(1)).map(|id| {
                    let edit = EditText { id: id.clone(), text: format!("edit {step}"), session: made };
                    board.edit_text(&s, edit).map(applied)
                })
            }
            10 => pick(p).map(|id| board.order(&s, Order { ids: vec![id], front: p % 2 == 0 }).map(applied)),
            _ => {
                // Restore what the log says showed at an earlier seq.
                let at = u64::from(p) % (board.seq() + 1);
                let then = Timeline::new(history(&log)).strokes_at(at);
                Some(board.restore_to(&s, at, then, Some(StrokeId::new(format!("r{made}")).unwrap())).map(applied))
            }
        };
        if let Some(Ok((seq @ 1.., change))) = outcome {
            let op = change.op().expect("every drawing change is logged");
            log.push(Logged {
                seq,
                at: step as i64,
                client: format!("c{c}"),
                name: String::new(),
                event: String::new(),
                op,
            });
            shown.insert(seq, board.live_strokes().cloned().collect());
        }
    }
    (log, shown)
}

fn applied<R>(outcome: Outcome<R>) -> (u64, Change) {
    match outcome {
        Outcome::Applied { seq, change, .. } => (seq, change),
        // No change: nothing is logged (seq 0 is never a change's).
        Outcome::Duplicate { .. } => (0, Change::Delete),
    }
}

fn history(log: &[Logged]) -> HistoryLog {
    HistoryLog { from: 0, since: None, base: Vec::new(), changes: log.to_vec() }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn replaying_the_log_gives_the_board_at_every_seq(
        actions in proptest::collection::vec((0..CLIENTS, any::<u8>(), 0u32..40), 1..160),
        frames in 1usize..12,
        cut in any::<u32>(),
    ) {
        let (log, shown) = play(&actions);
        for c in &log {
            let json = serde_json::to_value(&c.op).unwrap();
            prop_assert_eq!(json["kind"].as_str(), Some(c.op.kind()));
        }
        let whole = Timeline::with_frames(history(&log), usize::MAX);
        let framed = Timeline::with_frames(history(&log), frames);
        for (&seq, strokes) in &shown {
            prop_assert_eq!(&whole.strokes_at(seq), strokes, "no frames, seq {}", seq);
            prop_assert_eq!(&framed.strokes_at(seq), strokes, "frames every {}, seq {}", frames, seq);
        }
        // Compacted before `from`: the base is the board then, stored
        // without points and read back (as storage does), and the rest replays.
        let from = *shown.keys().nth(cut as usize % shown.len()).unwrap();
        let base = serde_json::to_string(&framed.snaps_at(from)).unwrap();
        let changes = log.iter().filter(|c| c.seq > from).cloned().collect();
        let compacted = HistoryLog { from, since: None, base: serde_json::from_str(&base).unwrap(), changes };
        let later = Timeline::with_frames(compacted, frames);
        prop_assert_eq!(later.from(), from);
        for (&seq, strokes) in shown.range(from..) {
            prop_assert_eq!(&later.strokes_at(seq), strokes, "compacted at {}, seq {}", from, seq);
        }
    }
}
