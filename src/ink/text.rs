//! Laying out texts and sticky notes. Widths are estimated from the
//! characters (no font metrics exist on the server), so the canvas, the
//! SVG and the hit tests all wrap and measure alike.

use std::fmt::Write;

use super::{box_attrs, num, Bounds};
use crate::protocol::{Stroke, Tool};

/// Line spacing, in font sizes.
pub const LINE_HEIGHT: f32 = 1.25;
/// The first baseline below a text's top, in font sizes.
pub const ASCENT: f32 = 0.95;
/// A note's inner margin, in font sizes.
const NOTE_PAD: f32 = 0.6;
/// The colour of a note's text, on the note's (light) colour.
pub const NOTE_TEXT_COLOR: &str = "#1f2328";

/// A text or note as laid out: its lines, their font size, where the first
/// line's top-left corner is, and the box it fills.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub lines: Vec<String>,
    pub size: f32,
    pub x: f32,
    pub y: f32,
    pub bounds: Bounds,
}

impl Layout {
    /// The baseline of line `i`.
    pub fn baseline(&self, i: usize) -> f32 {
        self.y + self.size * (ASCENT + LINE_HEIGHT * i as f32)
    }
}

/// Wide characters (CJK, Hangul, full-width forms, emoji) take a whole em.
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1FAFF | 0x20000..=0x3FFFD)
}

/// The estimated width of `line` at font size `size`.
pub fn line_width(line: &str, size: f32) -> f32 {
    line.chars()
        .map(|c| {
            if is_wide(c) {
                1.0
            } else if c == ' ' {
                0.3
            } else {
                0.56
            }
        })
        .sum::<f32>()
        * size
}

/// Breaks each paragraph into lines no wider than `max` (at font size
/// `size`), between words where it can, inside a word too long for a line.
/// Linear in the text: each character is measured once.
fn wrap(text: &str, max: f32, size: f32) -> Vec<String> {
    let advance = |c: char| line_width(c.encode_utf8(&mut [0; 4]), size);
    let space = advance(' ');
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let (mut line, mut width) = (String::new(), 0.0);
        for word in paragraph.split(' ') {
            let word_width = line_width(word, size);
            if line.is_empty() && word_width <= max {
                (line, width) = (word.to_owned(), word_width);
                continue;
            }
            if !line.is_empty() && width + space + word_width <= max {
                line.push(' ');
                line.push_str(word);
                width += space + word_width;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                width = 0.0;
            }
            for c in word.chars() {
                let w = advance(c);
                if width + w > max && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    width = 0.0;
                }
                line.push(c);
                width += w;
            }
        }
        lines.push(line);
    }
    lines
}

/// How a text or a note is laid out where it shows; `None` for strokes.
pub fn layout(s: &Stroke) -> Option<Layout> {
    let text = s.text.as_deref().unwrap_or("");
    let points = s.placed_points();
    match s.tool {
        Tool::Text => {
            let (x, y) = (*points.first()?, *points.get(1)?);
            let size = s.font_size();
            let lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
            let width = lines.iter().map(|l| line_width(l, size)).fold(size * 0.5, f32::max);
            let height = lines.len() as f32 * LINE_HEIGHT * size;
            Some(Layout {
                lines,
                size,
                x,
                y,
                bounds: Bounds { min_x: x, min_y: y, max_x: x + width, max_y: y + height },
            })
        }
        Tool::Note => {
            let [x0, y0, x1, y1] = *points.get(..4)? else { return None };
            let bounds = Bounds::spanning((x0, y0), (x1, y1));
            let size = s.width;
            let pad = NOTE_PAD * size;
            let lines = wrap(text, (bounds.width() - 2.0 * pad).max(size), size);
            Some(Layout { lines, size, x: bounds.min_x + pad, y: bounds.min_y + pad, bounds })
        }
        _ => None,
    }
}

/// Escapes text for SVG content and attributes.
fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// A text or note as SVG: a note's square, then the lines.
pub(super) fn svg(out: &mut String, s: &Stroke, layout: &Layout) {
    let color = &s.color; // validated #rrggbb: safe to inline
    let fill = if s.tool == Tool::Note {
        out.push_str("<rect");
        box_attrs(out, &layout.bounds);
        out.push_str(" rx=\"");
        num(out, layout.size * 0.3);
        let _ = write!(out, "\" fill=\"{color}\"/>");
        NOTE_TEXT_COLOR
    } else {
        color.as_str()
    };
    if layout.lines.iter().all(String::is_empty) {
        return;
    }
    out.push_str("<text font-family=\"sans-serif\" xml:space=\"preserve\" font-size=\"");
    num(out, layout.size);
    let _ = write!(out, "\" fill=\"{fill}\">");
    for (i, line) in layout.lines.iter().enumerate() {
        out.push_str("<tspan x=\"");
        num(out, layout.x);
        out.push_str("\" y=\"");
        num(out, layout.baseline(i));
        out.push_str("\">");
        escape(out, line);
        out.push_str("</tspan>");
    }
    out.push_str("</text>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Color, StrokeId, Transform};

    fn object(tool: Tool, points: Vec<f32>, text: &str) -> Stroke {
        Stroke {
            id: StrokeId::new("t").unwrap(),
            user: "u".into(),
            color: Color::new("#fde68a").unwrap(),
            width: 20.0,
            tool,
            points,
            text: Some(text.to_owned()),
            transform: None,
            image: None,
        }
    }

    #[test]
    fn notes_wrap_between_words_and_inside_long_ones() {
        assert_eq!(wrap("a b", 1000.0, 10.0), ["a b"]);
        assert_eq!(wrap("hello world", 40.0, 10.0), ["hello", "world"]);
        assert_eq!(wrap("abcdefghij", 20.0, 10.0), ["abc", "def", "ghi", "j"]);
        assert_eq!(wrap("one\n\ntwo", 1000.0, 10.0), ["one", "", "two"]);
        assert_eq!(wrap("", 1000.0, 10.0), [""]);
        assert_eq!(wrap("ab abcdefg", 35.0, 10.0), ["ab", "abcdef", "g"]);
    }

    #[test]
    fn texts_grow_with_their_lines_and_their_placement() {
        let mut text = object(Tool::Text, vec![10.0, 20.0], "ab\nlonger line");
        let layout = layout(&text).unwrap();
        assert_eq!(layout.lines, ["ab", "longer line"]);
        assert_eq!((layout.bounds.min_x, layout.bounds.min_y), (10.0, 20.0));
        assert_eq!(layout.bounds.height(), 2.0 * LINE_HEIGHT * 20.0);
        text.transform = Some(Transform { sx: 2.0, sy: 2.0, dx: 0.0, dy: 0.0 });
        let moved = super::layout(&text).unwrap();
        assert_eq!((moved.x, moved.y, moved.size), (20.0, 40.0, 40.0));
    }

    #[test]
    fn svg_text_is_escaped() {
        let note = object(Tool::Note, vec![0.0, 0.0, 900.0, 200.0], "<script>alert('x')</script> & \"q\"");
        let mut out = String::new();
        svg(&mut out, &note, &layout(&note).unwrap());
        assert!(out.starts_with(r##"<rect x="0" y="0" width="900" height="200" rx="6" fill="#fde68a"/>"##), "{out}");
        assert!(out.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), "{out}");
        assert!(out.contains("&amp; &quot;q&quot;"), "{out}");
        assert!(!out.contains("<script"));
    }
}
