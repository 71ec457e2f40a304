//! The compact form of a board's history, for clients that ask for it with
//! `auth.packed`. Each `history` chunk is then a binary event: its first
//! argument is the chunk's objects as JSON without their points, its second
//! a binary attachment with every object's points, packed in order:
//!
//! - the object's point count, as LEB128;
//! - a mode byte;
//! - mode `0`: coordinates that are all multiples of 1/16 within `i32` once
//!   scaled (what the wasm client draws), as the zigzag LEB128 of each
//!   axis's second difference in 1/16 units: x then y, point by point. A
//!   smooth stroke costs one or two bytes a point;
//! - mode `1`: anything else, as little-endian `f32` pairs, exactly.
//!
//! Both modes are lossless: unpacking gives back the very `f32`s.

use super::{History, Stroke};

/// Coordinates are packed in units of 1/`QUANTUM` board pixels.
pub const QUANTUM: f32 = 16.0;

const MODE_STEPS: u8 = 0;
const MODE_RAW: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackError {
    #[error("packed points end early")]
    Truncated,
    #[error("packed points have {0} bytes left over")]
    Trailing(usize),
    #[error("unknown packing mode {0}")]
    Mode(u8),
    #[error("a packed count or coordinate is out of range")]
    Range,
    #[error("unexpected binary event: {0}")]
    Unexpected(String),
    #[error("payload: {0}")]
    Json(String),
}

/// Packs the points of `strokes`, in order.
pub fn pack(strokes: &[Stroke]) -> Vec<u8> {
    let total: usize = strokes.iter().map(|s| s.points.len()).sum();
    let mut out = Vec::with_capacity(total + 4 * strokes.len());
    for stroke in strokes {
        // Whole points only (an odd coordinate never passes validation).
        let points = &stroke.points[..stroke.points.len() / 2 * 2];
        put_varint(&mut out, (points.len() / 2) as u64);
        match quantised(points) {
            Some(steps) => {
                out.push(MODE_STEPS);
                let (mut last, mut step) = ([0i64; 2], [0i64; 2]);
                for (i, q) in steps.enumerate() {
                    let axis = i % 2;
                    let d = q - last[axis];
                    put_varint(&mut out, zigzag(d - step[axis]));
                    (last[axis], step[axis]) = (q, d);
                }
            }
            None => {
                out.push(MODE_RAW);
                out.extend(points.iter().flat_map(|v| v.to_le_bytes()));
            }
        }
    }
    out
}

/// The coordinates in 1/16 units, if every one is exactly that.
fn quantised(points: &[f32]) -> Option<impl Iterator<Item = i64> + '_> {
    let fits = |v: &f32| {
        let q = v * QUANTUM;
        // -0.0 would come back as 0.0.
        q.fract() == 0.0 && (-2_147_483_648.0..2_147_483_648.0).contains(&q) && !(q == 0.0 && q.is_sign_negative())
    };
    points.iter().all(fits).then(|| points.iter().map(|v| (v * QUANTUM) as i64))
}

/// Gives `strokes` (the chunk's objects, without points) their points back
/// from `bytes`, which must hold exactly theirs.
pub fn unpack(strokes: &mut [Stroke], bytes: &[u8]) -> Result<(), PackError> {
    let mut at = 0;
    for stroke in strokes.iter_mut() {
        let count = usize::try_from(take_varint(bytes, &mut at)?).map_err(|_| PackError::Range)?;
        let mode = *bytes.get(at).ok_or(PackError::Truncated)?;
        at += 1;
        let left = bytes.len() - at;
        // Every point takes at least two bytes: no allocation beyond the input.
        if count > left / 2 {
            return Err(PackError::Truncated);
        }
        let mut points = Vec::with_capacity(count * 2);
        match mode {
            MODE_STEPS => {
                let (mut last, mut step) = ([0i64; 2], [0i64; 2]);
                for i in 0..count * 2 {
                    let axis = i % 2;
                    step[axis] =
                        step[axis].checked_add(unzigzag(take_varint(bytes, &mut at)?)).ok_or(PackError::Range)?;
                    last[axis] = last[axis].checked_add(step[axis]).ok_or(PackError::Range)?;
                    let q = i32::try_from(last[axis]).map_err(|_| PackError::Range)?;
                    points.push(q as f32 / QUANTUM);
                }
            }
            MODE_RAW => {
                let raw = bytes.get(at..at + count * 8).ok_or(PackError::Truncated)?;
                at += raw.len();
                points.extend(raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])));
            }
            other => return Err(PackError::Mode(other)),
        }
        stroke.points = points;
    }
    match bytes.len() - at {
        0 => Ok(()),
        left => Err(PackError::Trailing(left)),
    }
}

impl History {
    /// This chunk in the packed form: its objects without points, and the
    /// attachment that holds them.
    pub fn packed(mut self) -> (History, Vec<u8>) {
        let bytes = pack(&self.strokes);
        for stroke in &mut self.strokes {
            stroke.points = Vec::new();
        }
        (self, bytes)
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    (v >> 1) as i64 ^ -((v & 1) as i64)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn take_varint(bytes: &[u8], at: &mut usize) -> Result<u64, PackError> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*at).ok_or(PackError::Truncated)?;
        *at += 1;
        v |= u64::from(byte & 0x7f).checked_shl(shift).filter(|_| shift < 63 || byte <= 1).ok_or(PackError::Range)?;
        if byte < 0x80 {
            return Ok(v);
        }
    }
    Err(PackError::Range)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::history::tests::pen as stroke;

    fn round_trip(strokes: &[Stroke]) -> usize {
        let bytes = pack(strokes);
        let mut back: Vec<Stroke> = strokes.iter().map(|s| stroke(s.id.as_str(), Vec::new())).collect();
        unpack(&mut back, &bytes).unwrap();
        for (a, b) in strokes.iter().zip(&back) {
            let bits = |p: &[f32]| p.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a.points), bits(&b.points), "{}", a.id.as_str());
        }
        bytes.len()
    }

    #[test]
    fn drawn_strokes_pack_small_and_exactly() {
        // A smooth curve in 1/16 steps, as the wasm client draws.
        let curve: Vec<f32> = (0..1000)
            .flat_map(|i| {
                let t = i as f32 / 50.0;
                [((300.0 + 200.0 * t.cos()) * 16.0).round() / 16.0, ((300.0 + 150.0 * t.sin()) * 16.0).round() / 16.0]
            })
            .collect();
        let bytes = round_trip(&[stroke("c", curve)]);
        assert!(bytes <= 2 * 1000 + 16, "{bytes} bytes for 1000 points");
        // Extremes that still fit i32 in 1/16 units, and jumps across them.
        let far = (1 << 26) as f32;
        round_trip(&[stroke("e", vec![far, -far, -far, far, 0.0, 0.0, 0.5, -0.25])]);
    }

    #[test]
    fn other_coordinates_are_kept_bit_for_bit() {
        let odd = vec![0.1, 1.0 / 3.0, 1e7, -1e7, f32::MIN_POSITIVE, -0.0, 12.345, 3.0];
        let bytes = round_trip(&[stroke("a", odd), stroke("b", vec![1.0, 2.0]), stroke("z", Vec::new())]);
        assert_eq!(bytes, (1 + 1 + 4 * 8) + (1 + 1 + 2) + (1 + 1));
        // Just past i32 in 1/16 units, and a negative zero: exact too.
        round_trip(&[stroke("f", vec![(1 << 27) as f32, 0.0]), stroke("n", vec![-0.0, 1.0])]);
    }

    #[test]
    fn a_chunk_packs_and_comes_back() {
        let strokes = vec![stroke("a", vec![1.0, 2.0, 3.0, 4.0]), stroke("b", vec![0.3, 0.7])];
        let (meta, bytes) = History { strokes: strokes.clone() }.packed();
        assert!(meta.strokes.iter().all(|s| s.points.is_empty()));
        let mut back = meta.strokes;
        unpack(&mut back, &bytes).unwrap();
        assert_eq!(back, strokes);
    }

    #[test]
    fn hostile_attachments_are_refused_without_allocating() {
        let mut two = vec![stroke("a", Vec::new()), stroke("b", Vec::new())];
        let good = pack(&[stroke("a", vec![1.0, 2.0]), stroke("b", vec![3.0, 4.0])]);
        assert_eq!(unpack(&mut two, &good[..good.len() - 1]), Err(PackError::Truncated));
        let mut long = good.clone();
        long.push(0);
        assert_eq!(unpack(&mut two, &long), Err(PackError::Trailing(1)));
        // A count of 2^40 points in a few bytes.
        let mut huge = Vec::new();
        put_varint(&mut huge, 1 << 40);
        huge.push(MODE_STEPS);
        assert_eq!(unpack(&mut two[..1], &huge), Err(PackError::Truncated));
        assert_eq!(unpack(&mut two[..1], &[1, 7, 0, 0]), Err(PackError::Mode(7)));
        // A varint of eleven bytes, and steps that leave i32.
        assert_eq!(unpack(&mut two[..1], &[0x80; 11]), Err(PackError::Range));
        let mut away = vec![2, MODE_STEPS];
        for _ in 0..2 {
            put_varint(&mut away, zigzag(i64::from(i32::MAX)));
            put_varint(&mut away, 0);
        }
        assert_eq!(unpack(&mut two[..1], &away), Err(PackError::Range));
    }

    #[test]
    fn varints_and_zigzag_round_trip() {
        for v in [0i64, 1, -1, 63, -64, 64, i64::from(i32::MAX) * 4, i64::MIN / 2, i64::MAX / 2] {
            let mut out = Vec::new();
            put_varint(&mut out, zigzag(v));
            let mut at = 0;
            assert_eq!(unzigzag(take_varint(&out, &mut at).unwrap()), v);
            assert_eq!(at, out.len());
        }
    }
}
