//! The realtime wire contract: every payload that crosses the Socket.IO
//! connection, shared by the server, the wasm client, tests and benchmarks.
//!
//! Plain serde and pure validation only: no transport, no storage. Field
//! names are the public API (see `docs/PROTOCOL.md`); extend, never rename.

use serde::{Deserialize, Serialize};

/// Longest board name, in characters of `[A-Za-z0-9_-]`.
pub const MAX_BOARD_NAME: usize = 64;
/// Longest client-generated stroke id.
pub const MAX_STROKE_ID: usize = 64;
/// Longest display name after trimming.
pub const MAX_NAME: usize = 32;
/// Most points (x, y pairs) in one `stroke:start` or `stroke:points` message.
pub const MAX_POINTS_PER_MESSAGE: usize = 2048;
/// Most points (x, y pairs) in one stroke.
pub const MAX_POINTS_PER_STROKE: usize = 100_000;
/// Largest absolute coordinate accepted.
pub const MAX_COORD: f32 = 1e7;
/// Stroke width bounds.
pub const MIN_WIDTH: f32 = 0.5;
pub const MAX_WIDTH: f32 = 200.0;
/// Most stroke ids in one `erase`.
pub const MAX_ERASE: usize = 1000;
/// Most points sent in one `history` chunk; a longer stroke continues in the
/// next chunk under the same id.
pub const HISTORY_CHUNK_POINTS: usize = 16_384;

/// Event names, client → server and server → client.
pub mod event {
    pub const WELCOME: &str = "welcome";
    pub const HISTORY: &str = "history";
    pub const SYNCED: &str = "synced";
    pub const STROKE_START: &str = "stroke:start";
    pub const STROKE_POINTS: &str = "stroke:points";
    pub const STROKE_END: &str = "stroke:end";
    pub const STROKE_REMOVE: &str = "stroke:remove";
    pub const STROKE_RESTORE: &str = "stroke:restore";
    pub const UNDO: &str = "undo";
    pub const REDO: &str = "redo";
    pub const CLEAR: &str = "clear";
    pub const ERASE: &str = "erase";
    pub const RENAME: &str = "rename";
    pub const CURSOR: &str = "cursor";
    pub const PRESENCE: &str = "presence";
}

/// Handshake `auth` payload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Auth {
    pub board: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// A person on a board. `id` is the connection id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub color: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    Pen,
    Eraser,
    Line,
    Rect,
    Ellipse,
}

impl Tool {
    pub const ALL: [Tool; 5] = [Tool::Pen, Tool::Eraser, Tool::Line, Tool::Rect, Tool::Ellipse];

    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Pen => "pen",
            Tool::Eraser => "eraser",
            Tool::Line => "line",
            Tool::Rect => "rect",
            Tool::Ellipse => "ellipse",
        }
    }

    pub fn parse(name: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// A stroke as stored and replayed. `points` is flat `[x0, y0, x1, y1, …]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stroke {
    pub id: String,
    pub user: String,
    pub color: String,
    pub width: f32,
    pub tool: Tool,
    pub points: Vec<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Welcome {
    pub you: User,
    pub users: Vec<User>,
    pub board: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub strokes: Vec<Stroke>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Synced {
    pub seq: u64,
}

/// Client → server: open a stroke (batch 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrokeStart {
    pub id: String,
    pub color: String,
    pub width: f32,
    pub tool: Tool,
    pub points: Vec<f32>,
}

/// Both directions: batch `n` (1, 2, …) of an open stroke.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrokePoints {
    pub id: String,
    pub n: u32,
    pub points: Vec<f32>,
    /// Set on relays: the board sequence number of this change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

/// Both directions: close a stroke.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrokeEnd {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

/// Server → others: a stroke was opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrokeStarted {
    #[serde(flatten)]
    pub stroke: Stroke,
    pub seq: u64,
}

/// Server → others: strokes removed by an undo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrokeRemove {
    pub ids: Vec<String>,
    pub seq: u64,
}

/// Server → others: a stroke brought back by a redo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrokeRestore {
    pub stroke: Stroke,
    pub seq: u64,
}

/// Client → server: the eraser touched these strokes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Erase {
    pub ids: Vec<String>,
}

/// Server → others: the board was cleared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cleared {
    pub user: String,
    pub seq: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rename {
    pub name: String,
}

/// Client → server: pointer position in board coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    pub x: f32,
    pub y: f32,
}

/// Server → others: someone's pointer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CursorMoved {
    pub user: String,
    pub x: f32,
    pub y: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    pub users: Vec<User>,
}

/// Reply to every acknowledged client event. `undo`, `redo`, `clear` and
/// `erase` also tell the sender what they did: the ids they hid and the
/// strokes they brought back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ack {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restored: Option<Vec<Stroke>>,
}

impl Ack {
    pub fn ok(seq: u64) -> Self {
        Self { ok: true, seq: Some(seq), ..Self::default() }
    }
    pub fn err(error: impl Into<String>) -> Self {
        Self { ok: false, error: Some(error.into()), ..Self::default() }
    }
}

/// Why a board name is refused, or `None` when it is valid.
pub fn board_name_error(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("board name is empty".into())
    } else if name.len() > MAX_BOARD_NAME {
        Some(format!("board name is longer than {MAX_BOARD_NAME} characters"))
    } else if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        Some("board name may only contain A-Z, a-z, 0-9, '-' and '_'".into())
    } else {
        None
    }
}

/// `#rrggbb`, lower or upper case hex.
pub fn is_color(color: &str) -> bool {
    let b = color.as_bytes();
    b.len() == 7 && b[0] == b'#' && b[1..].iter().all(u8::is_ascii_hexdigit)
}

/// Trims a display name, drops control characters and cuts it to `MAX_NAME` characters.
pub fn clean_name(name: &str) -> String {
    let kept: String = name.chars().filter(|c| !c.is_control()).collect();
    kept.trim().chars().take(MAX_NAME).collect::<String>().trim_end().to_string()
}

/// Checks one message's flat point list.
pub fn points_error(points: &[f32]) -> Option<String> {
    if !points.len().is_multiple_of(2) {
        return Some("points must hold x, y pairs (even length)".into());
    }
    if points.len() / 2 > MAX_POINTS_PER_MESSAGE {
        return Some(format!("more than {MAX_POINTS_PER_MESSAGE} points in one message"));
    }
    if let Some(v) = points.iter().find(|v| !v.is_finite() || v.abs() > MAX_COORD) {
        return Some(format!("coordinate {v} is not a finite number within ±{MAX_COORD}"));
    }
    None
}

/// Checks a stroke id.
pub fn stroke_id_error(id: &str) -> Option<String> {
    if id.is_empty() {
        Some("stroke id is empty".into())
    } else if id.len() > MAX_STROKE_ID {
        Some(format!("stroke id is longer than {MAX_STROKE_ID} bytes"))
    } else {
        None
    }
}

impl StrokeStart {
    /// The stroke this opens, drawn by `user`.
    pub fn to_stroke(&self, user: &str) -> Stroke {
        Stroke {
            id: self.id.clone(),
            user: user.to_string(),
            color: self.color.clone(),
            width: self.width,
            tool: self.tool,
            points: self.points.clone(),
        }
    }

    /// Why this stroke may not be opened, or `None`.
    pub fn error(&self) -> Option<String> {
        if let Some(e) = stroke_id_error(&self.id) {
            return Some(e);
        }
        if !is_color(&self.color) {
            return Some(format!("color {:?} is not #rrggbb", self.color));
        }
        if !(self.width.is_finite() && (MIN_WIDTH..=MAX_WIDTH).contains(&self.width)) {
            return Some(format!("width {} is outside {MIN_WIDTH}..{MAX_WIDTH}", self.width));
        }
        points_error(&self.points)
    }
}

/// Splits strokes into `history` chunks of at most `HISTORY_CHUNK_POINTS`
/// points; a stroke longer than that continues in following chunks with the
/// same id and only its further points.
pub fn history_chunks<'a>(strokes: impl IntoIterator<Item = &'a Stroke>) -> Vec<History> {
    let limit = HISTORY_CHUNK_POINTS * 2;
    let mut chunks = Vec::new();
    let mut current = Vec::new();
    let mut used = 0;
    for stroke in strokes {
        let mut rest = &stroke.points[..];
        loop {
            let room = limit - used;
            let take = rest.len().min(room);
            let (head, tail) = rest.split_at(take);
            current.push(Stroke { points: head.to_vec(), ..stroke.clone() });
            used += take;
            rest = tail;
            if used >= limit {
                chunks.push(History { strokes: std::mem::take(&mut current) });
                used = 0;
            }
            if rest.is_empty() {
                break;
            }
        }
    }
    if !current.is_empty() || chunks.is_empty() {
        chunks.push(History { strokes: current });
    }
    chunks
}

/// Folds a received `history` chunk into a stroke list, appending the
/// continuation of a stroke that a previous chunk began.
pub fn merge_history(into: &mut Vec<Stroke>, chunk: History) {
    for stroke in chunk.strokes {
        match into.last_mut() {
            Some(last) if last.id == stroke.id => last.points.extend(stroke.points),
            _ => into.push(stroke),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stroke(id: &str, n: usize) -> Stroke {
        Stroke {
            id: id.into(),
            user: "u".into(),
            color: "#112233".into(),
            width: 2.0,
            tool: Tool::Pen,
            points: (0..n * 2).map(|i| i as f32).collect(),
        }
    }

    #[test]
    fn board_names() {
        assert_eq!(board_name_error("team-1_A"), None);
        assert!(board_name_error("").unwrap().contains("empty"));
        assert!(board_name_error(&"a".repeat(65)).unwrap().contains("64"));
        assert!(board_name_error("a b").unwrap().contains("only contain"));
        assert!(board_name_error("é").is_some());
    }

    #[test]
    fn colors() {
        assert!(is_color("#a1B2c3"));
        assert!(!is_color("#a1b2c"));
        assert!(!is_color("a1b2c3f"));
        assert!(!is_color("#a1b2cg"));
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("  Ada\u{7}  Lovelace \n"), "Ada  Lovelace");
        assert_eq!(clean_name(&"x".repeat(40)).chars().count(), MAX_NAME);
    }

    #[test]
    fn point_checks() {
        assert_eq!(points_error(&[1.0, -2.0]), None);
        assert!(points_error(&[1.0]).unwrap().contains("pairs"));
        assert!(points_error(&[f32::NAN, 0.0]).is_some());
        assert!(points_error(&[2e7, 0.0]).is_some());
        assert!(points_error(&vec![0.0; (MAX_POINTS_PER_MESSAGE + 1) * 2]).unwrap().contains("more than"));
    }

    #[test]
    fn stroke_start_checks() {
        let ok = StrokeStart {
            id: "s1".into(),
            color: "#000000".into(),
            width: 3.0,
            tool: Tool::Pen,
            points: vec![0.0, 0.0],
        };
        assert_eq!(ok.error(), None);
        assert!(StrokeStart { width: 0.1, ..ok.clone() }.error().unwrap().contains("width"));
        assert!(StrokeStart { color: "red".into(), ..ok.clone() }.error().unwrap().contains("color"));
        assert!(StrokeStart { id: "x".repeat(65), ..ok }.error().unwrap().contains("id"));
    }

    #[test]
    fn tools_use_lowercase_names() {
        assert_eq!(serde_json::to_string(&Tool::Ellipse).unwrap(), "\"ellipse\"");
        assert!(serde_json::from_str::<Tool>("\"spray\"").is_err());
        for t in Tool::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
            assert_eq!(Tool::parse(t.as_str()), Some(t));
        }
    }

    #[test]
    fn relayed_start_is_a_flat_stroke_with_seq() {
        let v = serde_json::to_value(StrokeStarted { stroke: stroke("a", 1), seq: 7 }).unwrap();
        assert_eq!(v["id"], "a");
        assert_eq!(v["seq"], 7);
        assert_eq!(v["points"], serde_json::json!([0.0, 1.0]));
    }

    #[test]
    fn history_chunks_split_long_strokes_and_merge_back() {
        let strokes = vec![stroke("a", 10), stroke("b", HISTORY_CHUNK_POINTS * 2 + 5), stroke("c", 3)];
        let chunks = history_chunks(&strokes);
        assert_eq!(chunks.len(), 3);
        for c in &chunks {
            let pts: usize = c.strokes.iter().map(|s| s.points.len() / 2).sum();
            assert!(pts <= HISTORY_CHUNK_POINTS);
        }
        let mut merged = Vec::new();
        for c in chunks {
            merge_history(&mut merged, c);
        }
        assert_eq!(merged, strokes);
    }

    #[test]
    fn empty_history_is_one_empty_chunk() {
        let chunks = history_chunks(&[]);
        assert_eq!(chunks, vec![History { strokes: vec![] }]);
    }
}
