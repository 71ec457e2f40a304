//! Geometry shared by every renderer and by selection: SVG path data (the
//! same quadratic midpoint curves the canvas draws), bounds, whole-board SVG
//! documents (server first paint and export), and the hit tests of the
//! eraser, of a click and of a marquee. Every object is measured where it
//! shows, its placement (move, resize) applied.
//!
//! - `text`: laying out texts and sticky notes, the same way on the canvas
//!   and in SVG.

mod text;

use std::fmt::Write;

use crate::protocol::{Stroke, Tool};
pub use text::{layout, Layout, ASCENT, LINE_HEIGHT, NOTE_TEXT_COLOR};

/// Axis-aligned bounds in board coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub min_x: f32,
    pub min_y: f32,
    pub max_x: f32,
    pub max_y: f32,
}

impl Bounds {
    pub fn width(&self) -> f32 {
        self.max_x - self.min_x
    }
    pub fn height(&self) -> f32 {
        self.max_y - self.min_y
    }
}

impl Bounds {
    /// The bounds of two corners, in any order.
    pub fn spanning(a: (f32, f32), b: (f32, f32)) -> Bounds {
        Bounds { min_x: a.0.min(b.0), min_y: a.1.min(b.1), max_x: a.0.max(b.0), max_y: a.1.max(b.1) }
    }

    pub fn union(&self, other: &Bounds) -> Bounds {
        Bounds {
            min_x: self.min_x.min(other.min_x),
            min_y: self.min_y.min(other.min_y),
            max_x: self.max_x.max(other.max_x),
            max_y: self.max_y.max(other.max_y),
        }
    }

    pub fn overlaps(&self, other: &Bounds) -> bool {
        self.min_x <= other.max_x && other.min_x <= self.max_x && self.min_y <= other.max_y && other.min_y <= self.max_y
    }

    pub fn contains(&self, (x, y): (f32, f32)) -> bool {
        (self.min_x..=self.max_x).contains(&x) && (self.min_y..=self.max_y).contains(&y)
    }

    /// Widened by `r` on every side.
    pub fn grown(&self, r: f32) -> Bounds {
        Bounds { min_x: self.min_x - r, min_y: self.min_y - r, max_x: self.max_x + r, max_y: self.max_y + r }
    }
}

/// Where one object shows: a stroke's points widened by half its width, a
/// text's lines, a note's square.
pub fn object_bounds(s: &Stroke) -> Option<Bounds> {
    if let Some(b) = filled_box(s) {
        return Some(b);
    }
    let points = s.placed_points();
    let mut pairs = points.chunks_exact(2).map(|p| (p[0], p[1]));
    let first = pairs.next()?;
    let b = pairs.fold(Bounds::spanning(first, first), |b, p| b.union(&Bounds::spanning(p, p)));
    Some(b.grown(s.width / 2.0))
}

/// The bounds of all objects.
pub fn bounds<'a>(strokes: impl IntoIterator<Item = &'a Stroke>) -> Option<Bounds> {
    strokes.into_iter().filter_map(object_bounds).reduce(|a, b| a.union(&b))
}

/// Rounds to one decimal, dropping a trailing ".0".
fn num(out: &mut String, v: f32) {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        let _ = write!(out, "{}", r as i64);
    } else {
        let _ = write!(out, "{r:.1}");
    }
}

/// ` x="…" y="…" width="…" height="…"`: where a box is.
fn box_attrs(out: &mut String, b: &Bounds) {
    out.push_str(" x=\"");
    num(out, b.min_x);
    out.push_str("\" y=\"");
    num(out, b.min_y);
    out.push_str("\" width=\"");
    num(out, b.width());
    out.push_str("\" height=\"");
    num(out, b.height());
    out.push('"');
}

fn pair(out: &mut String, x: f32, y: f32) {
    num(out, x);
    out.push(' ');
    num(out, y);
}

/// How much detail an SVG keeps: points closer than `min_step` to the
/// previous kept one are dropped, and only every `stride`-th point is kept.
/// The first and last points always stay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detail {
    pub min_step: f32,
    pub stride: usize,
}

impl Detail {
    pub const FULL: Detail = Detail { min_step: 0.0, stride: 1 };

    /// Detail for a picture of `strokes` with about `budget` points at most.
    pub fn within<'a>(strokes: impl IntoIterator<Item = &'a Stroke>, budget: usize, min_step: f32) -> Detail {
        let total: usize = strokes.into_iter().map(|s| s.points.len() / 2).sum();
        Detail { min_step, stride: total.div_ceil(budget.max(1)).max(1) }
    }
}

/// SVG path data for a freehand stroke, or `None` for a single point (a dot).
pub fn freehand_path(points: &[f32], detail: Detail) -> Option<String> {
    let n = points.len() / 2;
    let mut pts: Vec<(f32, f32)> = Vec::with_capacity(n / detail.stride + 1);
    for (i, p) in points.chunks_exact(2).enumerate() {
        let far = pts.last().is_none_or(|&(x, y): &(f32, f32)| (p[0] - x).hypot(p[1] - y) >= detail.min_step);
        if (far && i % detail.stride == 0) || i == n - 1 {
            pts.push((p[0], p[1]));
        }
    }
    if pts.len() < 2 {
        return None;
    }
    let mut d = String::with_capacity(pts.len() * 16);
    d.push('M');
    pair(&mut d, pts[0].0, pts[0].1);
    for i in 1..pts.len() - 1 {
        let (c, n) = (pts[i], pts[i + 1]);
        d.push('Q');
        pair(&mut d, c.0, c.1);
        d.push(' ');
        pair(&mut d, (c.0 + n.0) / 2.0, (c.1 + n.1) / 2.0);
    }
    let last = pts[pts.len() - 1];
    d.push('L');
    pair(&mut d, last.0, last.1);
    Some(d)
}

fn first_last(points: &[f32]) -> Option<((f32, f32), (f32, f32))> {
    let n = points.len() / 2;
    (n > 0).then(|| ((points[0], points[1]), (points[2 * n - 2], points[2 * n - 1])))
}

/// Where the server serves an image, by its hash.
pub fn image_path(hash: &str) -> String {
    format!("/images/{hash}")
}

/// The square an image fills, where it shows.
pub fn image_box(s: &Stroke) -> Option<Bounds> {
    if s.tool != Tool::Image {
        return None;
    }
    let points = s.placed_points();
    let ((x0, y0), (x1, y1)) = first_last(&points)?;
    Some(Bounds::spanning((x0, y0), (x1, y1)))
}

/// The box a text, a note or an image fills: anywhere in it touches it.
fn filled_box(s: &Stroke) -> Option<Bounds> {
    layout(s).map(|l| l.bounds).or_else(|| image_box(s))
}

/// One object as an SVG element; an image links to the server's copy.
pub fn svg_element(out: &mut String, s: &Stroke, detail: Detail) {
    element(out, s, detail, &image_path)
}

/// One object as an SVG element; `href` gives an image's address.
fn element(out: &mut String, s: &Stroke, detail: Detail, href: &dyn Fn(&str) -> String) {
    if let Some(layout) = layout(s) {
        return text::svg(out, s, &layout);
    }
    if let (Some(b), Some(hash)) = (image_box(s), s.image.as_ref().filter(|h| crate::protocol::is_image_hash(h))) {
        // A validated hash, or a data: URL of base64: nothing to escape.
        out.push_str("<image");
        box_attrs(out, &b);
        let _ = write!(out, r#" preserveAspectRatio="none" href="{}"/>"#, href(hash));
        return;
    }
    let points = s.placed_points();
    let Some(((x0, y0), (x1, y1))) = first_last(&points) else { return };
    let color = &s.color; // validated #rrggbb: safe to inline
    let mut w = String::new();
    num(&mut w, s.width);
    let stroke_attrs =
        format!(r#"fill="none" stroke="{color}" stroke-width="{w}" stroke-linecap="round" stroke-linejoin="round""#);
    match s.tool {
        Tool::Pen | Tool::Eraser => match freehand_path(&points, detail) {
            Some(d) => {
                let _ = write!(out, r#"<path d="{d}" {stroke_attrs}/>"#);
            }
            None => {
                out.push_str("<circle cx=\"");
                num(out, x0);
                out.push_str("\" cy=\"");
                num(out, y0);
                out.push_str("\" r=\"");
                num(out, s.width / 2.0);
                let _ = write!(out, r#"" fill="{color}"/>"#);
            }
        },
        Tool::Line => {
            out.push_str("<path d=\"M");
            pair(out, x0, y0);
            out.push('L');
            pair(out, x1, y1);
            let _ = write!(out, r#"" {stroke_attrs}/>"#);
        }
        Tool::Rect => {
            out.push_str("<rect");
            box_attrs(out, &Bounds::spanning((x0, y0), (x1, y1)));
            let _ = write!(out, r#" {stroke_attrs}/>"#);
        }
        Tool::Ellipse => {
            out.push_str("<ellipse cx=\"");
            num(out, (x0 + x1) / 2.0);
            out.push_str("\" cy=\"");
            num(out, (y0 + y1) / 2.0);
            out.push_str("\" rx=\"");
            num(out, (x1 - x0).abs() / 2.0);
            out.push_str("\" ry=\"");
            num(out, (y1 - y0).abs() / 2.0);
            let _ = write!(out, r#"" {stroke_attrs}/>"#);
        }
        Tool::Text | Tool::Note | Tool::Image => {}
    }
}

/// The strokes' SVG elements, in drawing order.
pub fn svg_body<'a>(strokes: impl IntoIterator<Item = &'a Stroke>, detail: Detail) -> String {
    let mut out = String::new();
    for s in strokes {
        svg_element(&mut out, s, detail);
    }
    out
}

/// A standalone SVG file of the whole drawing, cropped to its bounds plus
/// `pad`; `href` gives each image's address (a `data:` URL, to stand alone).
pub fn svg_document(strokes: &[Stroke], pad: f32, href: &dyn Fn(&str) -> String) -> String {
    let b = bounds(strokes).unwrap_or(Bounds { min_x: 0.0, min_y: 0.0, max_x: 0.0, max_y: 0.0 });
    let (x, y, w, h) = (b.min_x - pad, b.min_y - pad, b.width() + 2.0 * pad, b.height() + 2.0 * pad);
    let mut out = String::new();
    let _ =
        write!(out, r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x} {y} {w} {h}" width="{w}" height="{h}">"#);
    let _ = write!(out, r##"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#ffffff"/>"##);
    for s in strokes {
        element(&mut out, s, Detail::FULL, href);
    }
    out.push_str("</svg>");
    out
}

fn segment_distance(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 { 0.0 } else { (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0) };
    (p.0 - a.0 - t * dx).hypot(p.1 - a.1 - t * dy)
}

/// The line the ink of a stroke or shape follows, placement applied: a
/// freehand stroke's points, a line's two ends, a rectangle's or an
/// ellipse's outline. Empty for texts and notes.
fn outline(s: &Stroke) -> Vec<(f32, f32)> {
    let points = s.placed_points();
    let Some(((x0, y0), (x1, y1))) = first_last(&points) else { return Vec::new() };
    match s.tool {
        Tool::Pen | Tool::Eraser => points.chunks_exact(2).map(|c| (c[0], c[1])).collect(),
        Tool::Line => vec![(x0, y0), (x1, y1)],
        Tool::Rect => vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)],
        Tool::Ellipse => {
            let (cx, cy, rx, ry) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0, (x1 - x0).abs() / 2.0, (y1 - y0).abs() / 2.0);
            let steps = 48;
            (0..=steps)
                .map(|k| {
                    let t = k as f32 / steps as f32 * std::f32::consts::TAU;
                    (cx + rx * t.cos(), cy + ry * t.sin())
                })
                .collect()
        }
        Tool::Text | Tool::Note | Tool::Image => Vec::new(),
    }
}

/// Whether a circle at `p` of radius `r` touches the object: a stroke's
/// ink (not the empty space it encloses), anywhere on a text or a note.
pub fn touches(s: &Stroke, p: (f32, f32), r: f32) -> bool {
    if let Some(b) = filled_box(s) {
        return b.grown(r).contains(p);
    }
    let line = outline(s);
    let reach = r + s.width / 2.0;
    match line.as_slice() {
        [] => false,
        [only] => segment_distance(p, *only, *only) <= reach,
        _ => line.windows(2).any(|w| segment_distance(p, w[0], w[1]) <= reach),
    }
}

/// Whether the object shows anywhere inside `rect` (a marquee): its ink
/// crosses or lies in it, or its text box overlaps it.
pub fn touches_rect(s: &Stroke, rect: &Bounds) -> bool {
    if let Some(b) = filled_box(s) {
        return b.overlaps(rect);
    }
    let rect = rect.grown(s.width / 2.0);
    let line = outline(s);
    match line.as_slice() {
        [] => false,
        [only] => rect.contains(*only),
        _ => line.windows(2).any(|w| segment_meets_rect(w[0], w[1], &rect)),
    }
}

/// Whether segment `a`–`b` meets the rectangle (Liang–Barsky clipping).
fn segment_meets_rect(a: (f32, f32), b: (f32, f32), r: &Bounds) -> bool {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f32, 1.0f32);
    for (p, q) in [(-dx, a.0 - r.min_x), (dx, r.max_x - a.0), (-dy, a.1 - r.min_y), (dy, r.max_y - a.1)] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
            if t0 > t1 {
                return false;
            }
        }
    }
    true
}

/// The topmost object whose ink is within `r` of `p`.
pub fn topmost(strokes: &[Stroke], p: (f32, f32), r: f32) -> Option<&Stroke> {
    strokes.iter().rev().find(|s| touches(s, p, r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Color, StrokeId, Transform};

    fn stroke(tool: Tool, points: Vec<f32>) -> Stroke {
        Stroke {
            id: StrokeId::new("s").unwrap(),
            user: "u".into(),
            color: Color::new("#ff0000").unwrap(),
            width: 4.0,
            tool,
            points,
            text: None,
            transform: None,
            image: None,
        }
    }

    #[test]
    fn freehand_paths_use_midpoint_curves() {
        assert_eq!(freehand_path(&[0.0, 0.0, 10.0, 0.0, 10.0, 10.0], Detail::FULL).unwrap(), "M0 0Q10 0 10 5L10 10");
        assert_eq!(freehand_path(&[1.0, 1.0], Detail::FULL), None);
        let coarse = Detail { min_step: 1.0, stride: 1 };
        assert_eq!(freehand_path(&[0.0, 0.0, 0.5, 0.0, 3.0, 0.0], coarse).unwrap(), "M0 0L3 0");
        assert_eq!(freehand_path(&[-1.25, 2.0, 4.0, 4.0], Detail::FULL).unwrap(), "M-1.3 2L4 4");
        let every_other = Detail { min_step: 0.0, stride: 2 };
        assert_eq!(
            freehand_path(&[0.0, 0.0, 1.0, 0.0, 2.0, 0.0, 3.0, 0.0], every_other).unwrap(),
            "M0 0Q2 0 2.5 0L3 0"
        );
    }

    #[test]
    fn detail_within_a_budget() {
        let strokes = vec![stroke(Tool::Pen, vec![0.0; 2 * 60_000]), stroke(Tool::Pen, vec![0.0; 2 * 40_000])];
        assert_eq!(Detail::within(&strokes, 25_000, 1.5), Detail { min_step: 1.5, stride: 4 });
        assert_eq!(Detail::within(&strokes[..1], 100_000, 1.5).stride, 1);
    }

    #[test]
    fn bounds_include_half_the_width() {
        let b = bounds(&[stroke(Tool::Pen, vec![0.0, 0.0, 10.0, -5.0])]).unwrap();
        assert_eq!(b, Bounds { min_x: -2.0, min_y: -7.0, max_x: 12.0, max_y: 2.0 });
        assert_eq!(bounds(&[]), None);
    }

    #[test]
    fn documents_hold_every_kind_of_stroke() {
        let strokes = vec![
            stroke(Tool::Pen, vec![0.0, 0.0, 5.0, 5.0]),
            stroke(Tool::Pen, vec![3.0, 3.0]),
            stroke(Tool::Rect, vec![0.0, 0.0, 10.0, 20.0]),
            stroke(Tool::Ellipse, vec![0.0, 0.0, 10.0, 20.0]),
            stroke(Tool::Line, vec![0.0, 0.0, 10.0, 20.0]),
        ];
        let doc = svg_document(&strokes, 10.0, &image_path);
        assert!(doc.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"-12 -12 34 44\""));
        for tag in [
            "<path d=\"M0 0L5 5\"",
            "<circle cx=\"3\"",
            "<rect x=\"0\" y=\"0\" width=\"10\" height=\"20\"",
            "<ellipse cx=\"5\" cy=\"10\" rx=\"5\" ry=\"10\"",
            "<path d=\"M0 0L10 20\"",
        ] {
            assert!(doc.contains(tag), "{tag} missing in {doc}");
        }
    }

    #[test]
    fn eraser_hits_ink_not_empty_space() {
        let line = stroke(Tool::Pen, vec![0.0, 0.0, 100.0, 0.0]);
        assert!(touches(&line, (50.0, 5.0), 4.0));
        assert!(!touches(&line, (50.0, 20.0), 4.0));
        let rect = stroke(Tool::Rect, vec![0.0, 0.0, 100.0, 100.0]);
        assert!(touches(&rect, (100.0, 50.0), 2.0));
        assert!(!touches(&rect, (50.0, 50.0), 2.0), "a rectangle is an outline");
        let ellipse = stroke(Tool::Ellipse, vec![0.0, 0.0, 100.0, 50.0]);
        assert!(touches(&ellipse, (50.0, 0.0), 2.0));
        assert!(!touches(&ellipse, (50.0, 25.0), 2.0));
    }

    #[test]
    fn hit_tests_follow_the_placement() {
        let mut line = stroke(Tool::Pen, vec![0.0, 0.0, 100.0, 0.0]);
        line.transform = Some(Transform::translate(0.0, 50.0));
        assert!(touches(&line, (50.0, 50.0), 1.0));
        assert!(!touches(&line, (50.0, 0.0), 1.0), "it moved away from where it was drawn");
        line.transform = Some(Transform::scale_about(2.0, 1.0, 0.0, 0.0));
        assert!(touches(&line, (190.0, 0.0), 1.0));
        assert_eq!(object_bounds(&line), Some(Bounds { min_x: -2.0, min_y: -2.0, max_x: 202.0, max_y: 2.0 }));
    }

    #[test]
    fn marquees_select_what_they_touch() {
        let line = stroke(Tool::Pen, vec![0.0, 0.0, 100.0, 0.0]);
        let across = Bounds { min_x: 40.0, min_y: -10.0, max_x: 60.0, max_y: 10.0 };
        assert!(touches_rect(&line, &across), "a marquee the stroke crosses without a point inside");
        assert!(!touches_rect(&line, &Bounds { min_x: 40.0, min_y: 10.0, max_x: 60.0, max_y: 30.0 }));
        let rect = stroke(Tool::Rect, vec![0.0, 0.0, 100.0, 100.0]);
        assert!(
            !touches_rect(&rect, &Bounds { min_x: 40.0, min_y: 40.0, max_x: 60.0, max_y: 60.0 }),
            "inside the outline"
        );
        assert!(touches_rect(&rect, &Bounds { min_x: -10.0, min_y: -10.0, max_x: 200.0, max_y: 200.0 }));
        let mut text = stroke(Tool::Text, vec![0.0, 0.0]);
        text.text = Some("hello".into());
        assert!(touches_rect(&text, &Bounds { min_x: 5.0, min_y: 1.0, max_x: 6.0, max_y: 2.0 }));
        assert!(touches(&text, (5.0, 2.0), 0.0));
        assert!(!touches(&text, (5.0, 200.0), 0.0));
    }

    #[test]
    fn the_topmost_object_wins_a_click() {
        let mut below = stroke(Tool::Pen, vec![0.0, 0.0, 100.0, 0.0]);
        below.id = StrokeId::new("below").unwrap();
        let mut above = stroke(Tool::Line, vec![50.0, -50.0, 50.0, 50.0]);
        above.id = StrokeId::new("above").unwrap();
        let strokes = [below, above];
        assert_eq!(topmost(&strokes, (50.0, 0.0), 1.0).unwrap().id, "above");
        assert_eq!(topmost(&strokes, (10.0, 0.0), 1.0).unwrap().id, "below");
        assert!(topmost(&strokes, (10.0, 30.0), 1.0).is_none());
    }
}
