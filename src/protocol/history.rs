//! Board history on the wire: a board is sent to a joining socket as
//! `history` chunks of at most `HISTORY_CHUNK_POINTS` points and about
//! `HISTORY_CHUNK_BYTES` of JSON, and merged back into a stroke list by the
//! receiver.

use super::{History, Stroke, HISTORY_CHUNK_POINTS};

/// About how many bytes of JSON one `history` chunk may hold.
pub const HISTORY_CHUNK_BYTES: usize = 256 * 1024;
/// What a stroke costs in a chunk besides its points (fields, id, user,
/// colour), and what one point costs at most (two numbers as JSON text).
const STROKE_BYTES: usize = 96;
const POINT_BYTES: usize = 26;

/// What a text and a placement add to an object's JSON, at most: a text
/// escaped (a control character as `\uXXXX`, six bytes for one), and the
/// four numbers of a transform.
fn object_bytes(stroke: &Stroke) -> usize {
    stroke
        .text
        .as_ref()
        .map_or(0, |t| 16 + 6 * t.chars().filter(|c| c.is_control() || *c == '"' || *c == '\\').count() + t.len())
        + stroke.transform.map_or(0, |_| 96)
        + stroke.image.as_ref().map_or(0, |hash| 16 + hash.len())
}

/// Splits strokes into `history` chunks of at most `HISTORY_CHUNK_POINTS`
/// points and about `HISTORY_CHUNK_BYTES` bytes; a stroke longer than the
/// room left continues in following chunks with the same id and only its
/// further points.
pub fn history_chunks<'a>(strokes: impl IntoIterator<Item = &'a Stroke>) -> Vec<History> {
    // Both bounds in one budget, counted in bytes.
    let limit = HISTORY_CHUNK_BYTES.min(HISTORY_CHUNK_POINTS * POINT_BYTES);
    let mut chunks = Vec::new();
    let mut current = Vec::new();
    let mut used = 0;
    for stroke in strokes {
        let mut rest = &stroke.points[..];
        loop {
            used += STROKE_BYTES + stroke.id.len() + stroke.user.len() + object_bytes(stroke);
            let room = limit.saturating_sub(used) / POINT_BYTES * 2;
            // Every entry carries at least one point, so each chunk makes progress.
            let take = rest.len().min(room.max(2));
            let (head, tail) = rest.split_at(take);
            current.push(Stroke { points: head.to_vec(), ..stroke.clone() });
            used += take / 2 * POINT_BYTES;
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
pub(super) mod tests {
    use super::*;
    use crate::protocol::{Color, StrokeId, Tool};

    /// A pen stroke through `points`.
    pub(in crate::protocol) fn pen(id: &str, points: Vec<f32>) -> Stroke {
        Stroke {
            id: StrokeId::new(id).unwrap(),
            user: "u".into(),
            color: Color::new("#112233").unwrap(),
            width: 2.0,
            tool: Tool::Pen,
            points,
            text: None,
            transform: None,
            image: None,
        }
    }

    fn stroke(id: &str, n: usize) -> Stroke {
        pen(id, (0..n * 2).map(|i| i as f32).collect())
    }

    #[test]
    fn history_chunks_split_long_strokes_and_merge_back() {
        let strokes = vec![stroke("a", 10), stroke("b", HISTORY_CHUNK_POINTS * 2 + 5), stroke("c", 3)];
        let chunks = history_chunks(&strokes);
        assert!(chunks.len() >= 3);
        for c in &chunks {
            let pts: usize = c.strokes.iter().map(|s| s.points.len() / 2).sum();
            assert!(pts <= HISTORY_CHUNK_POINTS);
            assert!(serde_json::to_string(c).unwrap().len() <= HISTORY_CHUNK_BYTES);
        }
        let mut merged = Vec::new();
        for c in chunks {
            merge_history(&mut merged, c);
        }
        assert_eq!(merged, strokes);
    }

    #[test]
    fn many_small_strokes_are_bounded_in_bytes_too() {
        let strokes: Vec<Stroke> = (0..20_000).map(|i| stroke(&format!("s{i}"), 2)).collect();
        let chunks = history_chunks(&strokes);
        for c in &chunks {
            let bytes = serde_json::to_string(c).unwrap().len();
            assert!(bytes <= HISTORY_CHUNK_BYTES, "a chunk of {bytes} bytes");
        }
        let mut merged = Vec::new();
        for c in chunks {
            merge_history(&mut merged, c);
        }
        assert_eq!(merged, strokes);
    }

    #[test]
    fn texts_count_against_the_chunk_bytes() {
        let strokes: Vec<Stroke> =
            (0..100).map(|i| Stroke { text: Some("\"x\n".repeat(2_500)), ..stroke(&format!("t{i}"), 1) }).collect();
        let chunks = history_chunks(&strokes);
        assert!(chunks.len() > 1);
        for c in &chunks {
            let bytes = serde_json::to_string(c).unwrap().len();
            // At most one object (12.5 KB of JSON here) past the budget.
            assert!(bytes <= HISTORY_CHUNK_BYTES + 13_000, "a chunk of {bytes} bytes");
        }
    }

    #[test]
    fn empty_history_is_one_empty_chunk() {
        assert_eq!(history_chunks(&[]), vec![History { strokes: vec![] }]);
    }
}
