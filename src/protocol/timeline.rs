//! A board's history: every change as logged (its seq, time, author and
//! [`Op`]), the state of every object at a moment ([`Snap`]), and the
//! [`Timeline`] that replays a log to the board as it was at any seq. The
//! server answers `?at=` with it, the browser scrubs its History panel
//! with it, and tests check it against the live board.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Event, Placed, Stroke, StrokeId};

/// One change of a board, enough to replay it. Every accepted board change
/// is one `Op`: undo, redo, erase and clear are `hide`/`show` (and `place`,
/// `text`, `order`) of what they took back or brought back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Op {
    /// A stroke opened; its place in the drawing order is the change's seq.
    Start {
        stroke: Stroke,
    },
    /// Batch `n` of an open stroke's points.
    Points {
        id: StrokeId,
        n: u32,
        points: Vec<f32>,
    },
    End {
        id: StrokeId,
    },
    Hide {
        ids: Vec<StrokeId>,
    },
    Show {
        ids: Vec<StrokeId>,
    },
    /// Whole objects, ended, each with its place in the drawing order.
    Add {
        objects: Vec<Stroke>,
        z: Vec<f64>,
    },
    Order {
        ids: Vec<StrokeId>,
        z: Vec<f64>,
    },
    Place {
        objects: Vec<Placed>,
    },
    Text {
        id: StrokeId,
        text: String,
    },
    /// A restore (or its undo, or redo): objects added, hidden and shown at once.
    Replace {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        add: Vec<Stroke>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        z: Vec<f64>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        hide: Vec<StrokeId>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        show: Vec<StrokeId>,
    },
}

impl Op {
    /// Its `kind` on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            Op::Start { .. } => "start",
            Op::Points { .. } => "points",
            Op::End { .. } => "end",
            Op::Hide { .. } => "hide",
            Op::Show { .. } => "show",
            Op::Add { .. } => "add",
            Op::Order { .. } => "order",
            Op::Place { .. } => "place",
            Op::Text { .. } => "text",
            Op::Replace { .. } => "replace",
        }
    }
}

/// One entry of a board's change log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logged {
    pub seq: u64,
    /// When it was accepted: milliseconds since the Unix epoch.
    pub at: i64,
    /// Who made it: a token standing for their client on this board (a hash,
    /// never the client id itself), their display name then, and the event
    /// (`stroke:start`, `undo`, `erase`, `restore`…); empty when unknown.
    #[serde(default)]
    pub client: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub event: String,
    pub op: Op,
}

/// One object as it was at some seq: its points so far (batch `batch`),
/// whether it showed, was still being drawn, and its place in the order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snap {
    pub stroke: Stroke,
    pub live: bool,
    pub open: bool,
    pub batch: u32,
    pub z: f64,
}

/// `GET /api/boards/{name}/history`: everything needed to replay the board
/// from the oldest moment kept. `base` is the board at `from` (empty when
/// the log starts at its first change); `changes` follow it in seq order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryLog {
    pub from: u64,
    /// When the history kept starts, if earlier history was compacted away
    /// (or predates the log): milliseconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<i64>,
    pub base: Vec<Snap>,
    pub changes: Vec<Logged>,
}

/// Client → server: make the board look as it did at `seq`, as one
/// undoable change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Restore {
    pub seq: u64,
    /// A client-chosen id of this restore: sent again after a lost ack, it
    /// is applied once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<StrokeId>,
}

impl Event for Restore {
    const NAME: &'static str = "restore";
}

/// Server → clients: a restore, or its undo or redo: `hide` goes, `show`
/// comes (on top, or at the bottom when `below`: the objects an undone
/// restore had hidden lay under everything drawn since).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replaced {
    pub hide: Vec<StrokeId>,
    pub show: Vec<Stroke>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub below: bool,
    pub seq: u64,
}

impl Event for Replaced {
    const NAME: &'static str = "board:replaced";
}

/// Server → client, after a `welcome` with `since`: the changes after that
/// seq, each as the relay event it was (`[name, payload]`), in seq order,
/// in chunks of about 256 KiB; `synced` follows the last.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Delta {
    pub events: Vec<(String, Box<serde_json::value::RawValue>)>,
}

impl PartialEq for Delta {
    fn eq(&self, other: &Self) -> bool {
        self.events.len() == other.events.len()
            && self.events.iter().zip(&other.events).all(|(a, b)| a.0 == b.0 && a.1.get() == b.1.get())
    }
}

impl Event for Delta {
    const NAME: &'static str = "delta";
}

/// What an object is at a moment, apart from what never changes.
#[derive(Debug, Clone, PartialEq)]
struct State {
    live: bool,
    open: bool,
    batch: u32,
    z: f64,
    text: Option<String>,
    transform: Option<super::Transform>,
}

/// The board at one seq: the state of every object made by then, by index.
#[derive(Debug, Clone, Default)]
struct Frame {
    seq: u64,
    objects: Vec<Option<State>>,
}

/// Fewest changes between two frames; a board with many objects keeps them
/// further apart (twice its objects), so frames never outweigh the log.
pub const FRAME_EVERY: usize = 2000;

/// A board's log, replayable to any seq from `from` on. Each object's
/// points are kept once, whole; a frame only says how many of them
/// showed, so replaying from the nearest one is quick.
#[derive(Debug, Clone)]
pub struct Timeline {
    from: u64,
    /// Every object ever made, as first made, with all its points.
    objects: Vec<Stroke>,
    /// Per object: how many floats of its points each batch ends at.
    ends: Vec<Vec<usize>>,
    index: HashMap<StrokeId, usize>,
    changes: Vec<Logged>,
    /// The board at `from`, then every so many changes: each with how many
    /// changes it comes after.
    frames: Vec<(usize, Frame)>,
    every: usize,
    /// Spacing frames by the objects too.
    adaptive: bool,
}

impl Timeline {
    pub fn new(log: HistoryLog) -> Self {
        Self { adaptive: true, ..Self::with_frames(log, FRAME_EVERY) }
    }

    /// A timeline keeping a frame every `every` changes (`usize::MAX`: only the first).
    pub fn with_frames(log: HistoryLog, every: usize) -> Self {
        Self::build(log, every, false)
    }

    fn build(log: HistoryLog, every: usize, adaptive: bool) -> Self {
        let HistoryLog { from, base, changes, .. } = log;
        let mut timeline = Timeline {
            from,
            objects: Vec::new(),
            ends: Vec::new(),
            index: HashMap::new(),
            changes: Vec::new(),
            frames: Vec::new(),
            every: every.max(1),
            adaptive,
        };
        let mut frame = Frame { seq: from, objects: Vec::new() };
        for snap in base {
            let i = timeline.register(snap.stroke.clone());
            let len = timeline.objects[i].points.len();
            timeline.ends[i] = vec![len; snap.batch as usize + 1];
            frame.objects.resize(timeline.objects.len(), None);
            frame.objects[i] = Some(State {
                live: snap.live,
                open: snap.open,
                batch: snap.batch,
                z: snap.z,
                text: snap.stroke.text,
                transform: snap.stroke.transform,
            });
        }
        timeline.frames.push((0, frame.clone()));
        for logged in changes {
            if logged.seq <= frame.seq {
                continue;
            }
            timeline.learn(&logged.op);
            timeline.step(&mut frame, &logged);
            timeline.changes.push(logged);
            let done = timeline.changes.len();
            let spacing =
                if timeline.adaptive { timeline.every.max(2 * timeline.objects.len()) } else { timeline.every };
            if done - timeline.frames.last().map_or(0, |(d, _)| *d) >= spacing {
                timeline.frames.push((done, frame.clone()));
            }
        }
        timeline
    }

    /// The first seq it can show.
    pub fn from(&self) -> u64 {
        self.from
    }

    /// The last seq it can show.
    pub fn last(&self) -> u64 {
        self.changes.last().map_or(self.from, |c| c.seq)
    }

    pub fn changes(&self) -> &[Logged] {
        &self.changes
    }

    fn register(&mut self, stroke: Stroke) -> usize {
        let i = self.objects.len();
        self.ends.push(vec![stroke.points.len()]);
        self.index.insert(stroke.id.clone(), i);
        self.objects.push(Stroke { text: None, transform: None, ..stroke });
        i
    }

    /// Keeps the objects and points a change brings.
    fn learn(&mut self, op: &Op) {
        match op {
            Op::Start { stroke } => {
                self.register(stroke.clone());
            }
            Op::Add { objects, .. } | Op::Replace { add: objects, .. } => {
                for object in objects {
                    self.register(object.clone());
                }
            }
            Op::Points { id, n, points } => {
                if let Some(&i) = self.index.get(id) {
                    self.objects[i].points.extend_from_slice(points);
                    let end = self.objects[i].points.len();
                    let ends = &mut self.ends[i];
                    let last = *ends.last().unwrap_or(&0);
                    ends.resize((*n as usize).max(ends.len()), last);
                    ends.push(end);
                }
            }
            _ => {}
        }
    }

    /// Applies one change to a frame.
    fn step(&self, frame: &mut Frame, logged: &Logged) {
        frame.seq = logged.seq;
        let objects = &mut frame.objects;
        objects.resize(self.objects.len().max(objects.len()), None);
        let index = &self.index;
        let mut each = |ids: &[StrokeId], f: &mut dyn FnMut(&mut State)| {
            for id in ids {
                if let Some(s) = index.get(id).and_then(|&i| objects[i].as_mut()) {
                    f(s);
                }
            }
        };
        let mut made = Vec::new();
        match &logged.op {
            Op::Start { stroke } => made.push((stroke, true, logged.seq as f64)),
            Op::Points { id, n, .. } => each(std::slice::from_ref(id), &mut |s| s.batch = *n),
            Op::End { id } => each(std::slice::from_ref(id), &mut |s| s.open = false),
            Op::Hide { ids } => each(ids, &mut |s| s.live = false),
            Op::Show { ids } => each(ids, &mut |s| s.live = true),
            Op::Place { objects } => {
                for p in objects {
                    let t = (!p.transform.is_identity()).then_some(p.transform);
                    each(std::slice::from_ref(&p.id), &mut |s| s.transform = t);
                }
            }
            Op::Text { id, text } => each(std::slice::from_ref(id), &mut |s| s.text = Some(text.clone())),
            Op::Order { ids, z } => {
                for (id, z) in ids.iter().zip(z) {
                    each(std::slice::from_ref(id), &mut |s| s.z = *z);
                }
            }
            Op::Add { objects, z } => made.extend(objects.iter().zip(z).map(|(o, z)| (o, false, *z))),
            Op::Replace { add, z, hide, show } => {
                each(hide, &mut |s| s.live = false);
                each(show, &mut |s| s.live = true);
                made.extend(add.iter().zip(z).map(|(o, z)| (o, false, *z)));
            }
        }
        for (stroke, open, z) in made {
            if let Some(&i) = self.index.get(&stroke.id) {
                frame.objects[i] = Some(State {
                    live: true,
                    open,
                    batch: 0,
                    z,
                    text: stroke.text.clone(),
                    transform: stroke.transform,
                });
            }
        }
    }

    /// The frame at `seq` (clamped to what the timeline holds).
    fn frame_at(&self, seq: u64) -> Frame {
        let seq = seq.clamp(self.from, self.last());
        let done = self.changes.partition_point(|c| c.seq <= seq);
        let k = self.frames.partition_point(|(d, _)| *d <= done) - 1;
        let (from, frame) = &self.frames[k];
        let mut frame = frame.clone();
        for logged in &self.changes[*from..done] {
            self.step(&mut frame, logged);
        }
        frame.seq = seq;
        frame
    }

    /// Every object as it was at `seq`, shown or not, in drawing order.
    pub fn snaps_at(&self, seq: u64) -> Vec<Snap> {
        self.objects_at(seq, false)
    }

    /// The objects at `seq` in drawing order: all, or only those that showed
    /// (whose points alone are copied).
    fn objects_at(&self, seq: u64, shown: bool) -> Vec<Snap> {
        let frame = self.frame_at(seq);
        let mut snaps: Vec<(usize, &State)> = frame
            .objects
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().filter(|s| s.live || !shown).map(|s| (i, s)))
            .collect();
        snaps.sort_by(|a, b| a.1.z.total_cmp(&b.1.z).then(a.0.cmp(&b.0)));
        snaps.into_iter().map(|(i, s)| self.snap(i, s)).collect()
    }

    fn snap(&self, i: usize, s: &State) -> Snap {
        let object = &self.objects[i];
        let ends = &self.ends[i];
        let len = ends.get(s.batch as usize).or(ends.last()).copied().unwrap_or(0);
        Snap {
            stroke: Stroke {
                points: object.points[..len].to_vec(),
                text: s.text.clone(),
                transform: s.transform,
                ..object.clone()
            },
            live: s.live,
            open: s.open,
            batch: s.batch,
            z: s.z,
        }
    }

    /// What showed at `seq`, in drawing order.
    pub fn strokes_at(&self, seq: u64) -> Vec<Stroke> {
        self.objects_at(seq, true).into_iter().map(|s| s.stroke).collect()
    }
}
