//! Editing what is on a board (protocol v1 additions): complete objects
//! added at once (text, sticky notes, pasted and duplicated strokes), moves
//! and resizes as a [`Transform`] of the object's stored points, text
//! edits, and the volatile selection that others see while someone drags.

use serde::{Deserialize, Serialize};

use super::messages::event;
use super::Event;
use super::{
    check_points, Color, SocketId, Stroke, StrokeId, Tool, ValidationError, MAX_ERASE, MAX_POINTS_PER_STROKE,
    MAX_WIDTH, MIN_WIDTH,
};

/// Most characters in one text or note.
pub const MAX_TEXT: usize = 10_000;
/// Most objects in one `add`.
pub const MAX_ADD: usize = 500;
/// Most points (x, y pairs) in one `add`, all objects together.
pub const MAX_ADD_POINTS: usize = 8_192;
/// How many bytes of JSON a client puts in one `add` at most, well inside
/// the server's default message limit (256 KiB), which closes the
/// connection of a larger message.
pub const MAX_ADD_BYTES: usize = 192 * 1024;
/// Bounds of the scale factors of one `transform`.
pub const MIN_SCALE: f32 = 0.001;
pub const MAX_SCALE: f32 = 1000.0;
/// Bounds of an object's placement, all transforms composed: its scale
/// stays within `1/MAX_PLACED_SCALE..MAX_PLACED_SCALE` and its offset
/// within `±MAX_OFFSET`.
pub const MAX_PLACED_SCALE: f32 = 10_000.0;
pub const MAX_OFFSET: f32 = 1e8;

event! {
    Add => "add",
    Added => "add",
    TransformObjects => "transform",
    Transformed => "transform",
    EditText => "text",
    TextEdited => "text",
    Select => "select",
    Selected => "select",
    Order => "order",
    Reordered => "order",
}

/// Where an object is drawn: each stored point `(x, y)` shows at
/// `(x·sx + dx, y·sy + dy)`. Strokes keep their width; a text's size
/// scales with `sy`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Transform {
    pub sx: f32,
    pub sy: f32,
    pub dx: f32,
    pub dy: f32,
}

impl Default for Transform {
    fn default() -> Self {
        Self::IDENTITY
    }
}

impl Transform {
    pub const IDENTITY: Transform = Transform { sx: 1.0, sy: 1.0, dx: 0.0, dy: 0.0 };

    pub fn translate(dx: f32, dy: f32) -> Self {
        Transform { dx, dy, ..Self::IDENTITY }
    }

    /// Scales by `(sx, sy)` about the point `(ox, oy)`, which stays put.
    pub fn scale_about(sx: f32, sy: f32, ox: f32, oy: f32) -> Self {
        Transform { sx, sy, dx: ox - ox * sx, dy: oy - oy * sy }
    }

    pub fn is_identity(&self) -> bool {
        *self == Self::IDENTITY
    }

    pub fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        (x * self.sx + self.dx, y * self.sy + self.dy)
    }

    /// `self` after `first`: the transform that applies `first`, then `self`.
    pub fn after(&self, first: &Transform) -> Transform {
        Transform {
            sx: self.sx * first.sx,
            sy: self.sy * first.sy,
            dx: self.sx * first.dx + self.dx,
            dy: self.sy * first.dy + self.dy,
        }
    }

    /// The transform that takes `self` back.
    pub fn inverse(&self) -> Transform {
        Transform { sx: 1.0 / self.sx, sy: 1.0 / self.sy, dx: -self.dx / self.sx, dy: -self.dy / self.sy }
    }

    /// A move or resize a client may ask for: finite, positive scales
    /// within `MIN_SCALE..MAX_SCALE`, an offset within `±MAX_OFFSET`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.within(MIN_SCALE, MAX_SCALE)
    }

    /// Whether an object may be placed so: its composed placement stays
    /// within `MAX_PLACED_SCALE` and `MAX_OFFSET`.
    pub fn validate_placement(&self) -> Result<(), ValidationError> {
        self.within(1.0 / MAX_PLACED_SCALE, MAX_PLACED_SCALE)
    }

    fn within(&self, min: f32, max: f32) -> Result<(), ValidationError> {
        let scale_ok = |s: f32| s.is_finite() && (min..=max).contains(&s);
        let offset_ok = |d: f32| d.is_finite() && d.abs() <= MAX_OFFSET;
        if scale_ok(self.sx) && scale_ok(self.sy) && offset_ok(self.dx) && offset_ok(self.dy) {
            Ok(())
        } else {
            Err(ValidationError::Transform)
        }
    }
}

/// Text cleaned for storage: line breaks as `\n`, tabs kept, every other
/// control character and NUL dropped; at most `MAX_TEXT` characters.
pub fn check_text(text: &str) -> Result<String, ValidationError> {
    if text.chars().count() > MAX_TEXT {
        return Err(ValidationError::TextTooLong);
    }
    Ok(text.replace("\r\n", "\n").chars().filter(|&c| c == '\n' || c == '\t' || !c.is_control()).collect())
}

/// One complete object of an `add`. Text (`tool: "text"`) is one anchor
/// point, its top-left corner, with `width` as its font size; a note
/// (`"note"`) is two corners; other tools are strokes as in `stroke:start`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewObject {
    pub id: StrokeId,
    pub color: Color,
    pub width: f32,
    pub tool: Tool,
    pub points: Vec<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transform: Option<Transform>,
    /// An image's hash (an upload's answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// Whether `hash` names an image: 64 lowercase hex digits (SHA-256).
pub fn is_image_hash(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl NewObject {
    /// Checks the object and returns it as stored, drawn by `user`.
    pub fn into_stroke(self, user: SocketId) -> Result<Stroke, ValidationError> {
        if !(self.width.is_finite() && (MIN_WIDTH..=MAX_WIDTH).contains(&self.width)) {
            return Err(ValidationError::Width(self.width));
        }
        if self.points.is_empty() {
            return Err(ValidationError::NoPoints);
        }
        if self.points.len() / 2 > MAX_POINTS_PER_STROKE {
            return Err(ValidationError::TooManyPoints);
        }
        for chunk in self.points.chunks(2 * super::MAX_POINTS_PER_MESSAGE) {
            check_points(chunk)?;
        }
        let corners = match self.tool {
            Tool::Text => Some(1),
            Tool::Note | Tool::Image | Tool::Line | Tool::Rect | Tool::Ellipse => Some(2),
            Tool::Pen | Tool::Eraser => None,
        };
        if corners.is_some_and(|n| self.points.len() != 2 * n) {
            return Err(ValidationError::Shape(self.tool.as_str()));
        }
        let text = match (self.tool, self.text) {
            (Tool::Text | Tool::Note, Some(text)) => Some(check_text(&text)?),
            (Tool::Note, None) => Some(String::new()),
            (Tool::Text, None) => return Err(ValidationError::TextMissing),
            (_, Some(_)) => return Err(ValidationError::TextNotAllowed(self.tool.as_str())),
            (_, None) => None,
        };
        let image = match (self.tool, self.image) {
            (Tool::Image, Some(hash)) if is_image_hash(&hash) => Some(hash),
            (Tool::Image, _) => return Err(ValidationError::ImageHash),
            (_, Some(_)) => return Err(ValidationError::ImageNotAllowed(self.tool.as_str())),
            (_, None) => None,
        };
        let transform = self.transform.filter(|t| !t.is_identity());
        if let Some(t) = &transform {
            t.validate_placement()?;
        }
        Ok(Stroke {
            id: self.id,
            user,
            color: self.color,
            width: self.width,
            tool: self.tool,
            points: self.points,
            text,
            transform,
            image,
        })
    }
}

/// Client → server: complete objects, as one undoable action. `session`
/// (optional) ties later `text` edits of a text added here to this action,
/// so one undo takes back the whole typing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Add {
    pub objects: Vec<NewObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<u32>,
}

impl Add {
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.objects.is_empty() {
            return Err(ValidationError::NothingToAdd);
        }
        let points: usize = self.objects.iter().map(|o| o.points.len() / 2).sum();
        if self.objects.len() > MAX_ADD || points > MAX_ADD_POINTS {
            return Err(ValidationError::TooMuchToAdd);
        }
        Ok(())
    }
}

/// Server → others: objects were added (or a paste, a duplicate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Added {
    pub objects: Vec<Stroke>,
    pub seq: u64,
}

/// An object's placement after a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placed {
    pub id: StrokeId,
    pub transform: Transform,
}

/// Client → server: move or resize objects by `by`, on top of where they
/// are now, as one undoable action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransformObjects {
    pub ids: Vec<StrokeId>,
    pub by: Transform,
    /// A client-chosen id of this operation: the server applies a transform
    /// it has seen lately only once, so resending after a lost ack is safe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<StrokeId>,
}

impl TransformObjects {
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_selection(&self.ids)?;
        self.by.validate()
    }
}

/// The objects an edit names: at least one, at most `MAX_ERASE`.
fn check_selection(ids: &[StrokeId]) -> Result<(), ValidationError> {
    match ids.len() {
        0 => Err(ValidationError::NothingSelected),
        n if n > MAX_ERASE => Err(ValidationError::TooManySelected),
        _ => Ok(()),
    }
}

/// Server → others (and in acks of undo and redo): where objects are now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transformed {
    pub objects: Vec<Placed>,
    pub seq: u64,
}

/// Client → server: the whole text of a text or note, as typed so far.
/// Edits with the same `session` in a row are one undoable action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditText {
    pub id: StrokeId,
    pub text: String,
    #[serde(default)]
    pub session: u32,
}

/// Server → others (and in acks of undo and redo): a text changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextEdited {
    pub id: StrokeId,
    pub text: String,
    pub seq: u64,
}

/// Client → server: bring objects to the front (`front: true`, above
/// everything) or send them to the back, keeping their order among
/// themselves, as one undoable action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub ids: Vec<StrokeId>,
    pub front: bool,
}

impl Order {
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_selection(&self.ids)
    }
}

/// One object's new place in the drawing order: right above `after`, or
/// at the very bottom without it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Moved {
    pub id: StrokeId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<StrokeId>,
}

/// Server → others (and in acks): objects changed places in the drawing
/// order. Apply the moves one after the other, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reordered {
    pub moves: Vec<Moved>,
    pub seq: u64,
}

/// Applies `moves` to objects in drawing order, one after the other; a
/// move of an object not there, or after one not there, is skipped.
pub fn apply_moves(objects: &mut Vec<Stroke>, moves: &[Moved]) -> bool {
    let mut changed = false;
    for m in moves {
        let Some(from) = objects.iter().position(|s| s.id == m.id) else { continue };
        let object = objects.remove(from);
        let to = match &m.after {
            None => Some(0),
            Some(after) => objects.iter().position(|s| &s.id == after).map(|i| i + 1),
        };
        let to = to.unwrap_or(from);
        changed |= to != from;
        objects.insert(to, object);
    }
    changed
}

/// Client → server, volatile: what I have selected, and how far I have
/// dragged it so far (`by`, not yet committed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Select {
    pub ids: Vec<StrokeId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Transform>,
}

/// Server → others, volatile: someone's selection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selected {
    pub user: SocketId,
    pub ids: Vec<StrokeId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Transform>,
}

impl Stroke {
    /// The object's placement; the identity when it never moved.
    pub fn placement(&self) -> Transform {
        self.transform.unwrap_or_default()
    }

    /// Its points where they show, placement applied.
    pub fn placed_points(&self) -> std::borrow::Cow<'_, [f32]> {
        match &self.transform {
            None => std::borrow::Cow::Borrowed(&self.points),
            Some(t) => std::borrow::Cow::Owned(
                self.points.chunks_exact(2).flat_map(|p| <[f32; 2]>::from(t.apply(p[0], p[1]))).collect(),
            ),
        }
    }

    /// A text's font size as shown (its width, scaled with its placement).
    pub fn font_size(&self) -> f32 {
        self.width * if self.tool == Tool::Text { self.placement().sy } else { 1.0 }
    }
}

/// The `type` of objects copied to the clipboard.
pub const CLIPBOARD_TYPE: &str = "scrawl/objects";

/// Objects on the clipboard, as JSON text: `{"type": "scrawl/objects",
/// "objects": [...]}`, pasted into any board, in any tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipboardObjects {
    #[serde(rename = "type")]
    pub kind: String,
    pub objects: Vec<Stroke>,
}

impl ClipboardObjects {
    pub fn new(objects: Vec<Stroke>) -> Self {
        Self { kind: CLIPBOARD_TYPE.to_owned(), objects }
    }

    /// The objects of clipboard text, if it holds some of ours.
    pub fn parse(text: &str) -> Option<Vec<Stroke>> {
        let clipboard: Self = serde_json::from_str(text).ok()?;
        (clipboard.kind == CLIPBOARD_TYPE && !clipboard.objects.is_empty()).then_some(clipboard.objects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transforms_compose_and_invert() {
        let a = Transform::translate(10.0, -5.0);
        let b = Transform::scale_about(2.0, 3.0, 100.0, 100.0);
        assert_eq!(b.apply(100.0, 100.0), (100.0, 100.0));
        let ab = b.after(&a);
        assert_eq!(ab.apply(1.0, 1.0), b.apply(11.0, -4.0));
        let back = ab.inverse().after(&ab);
        let (x, y) = back.apply(7.0, 9.0);
        assert!((x - 7.0).abs() < 1e-4 && (y - 9.0).abs() < 1e-4);
        assert!(Transform { sx: 0.0, ..Transform::IDENTITY }.validate().is_err());
        assert!(Transform { sx: -1.0, ..Transform::IDENTITY }.validate().is_err());
        assert!(Transform { dx: f32::NAN, ..Transform::IDENTITY }.validate().is_err());
        assert!(Transform { dx: 2e8, ..Transform::IDENTITY }.validate().is_err());
        assert!(a.validate().is_ok());
    }

    #[test]
    fn text_is_bounded_and_cleaned() {
        assert_eq!(check_text("a\r\nb\u{0}\u{7}\tc 😀"), Ok("a\nb\tc 😀".to_owned()));
        assert_eq!(check_text(&"x".repeat(MAX_TEXT + 1)), Err(ValidationError::TextTooLong));
        assert!(check_text(&"é".repeat(MAX_TEXT)).is_ok());
    }

    fn object(tool: Tool, points: Vec<f32>, text: Option<&str>) -> NewObject {
        NewObject {
            id: StrokeId::new("o").unwrap(),
            color: Color::new("#123456").unwrap(),
            width: 16.0,
            tool,
            points,
            text: text.map(str::to_owned),
            transform: None,
            image: None,
        }
    }

    #[test]
    fn new_objects_are_checked() {
        let user = SocketId::from("u");
        let text = object(Tool::Text, vec![1.0, 2.0], Some("hi")).into_stroke(user.clone()).unwrap();
        assert_eq!(text.text.as_deref(), Some("hi"));
        let note = object(Tool::Note, vec![0.0, 0.0, 100.0, 100.0], None).into_stroke(user.clone()).unwrap();
        assert_eq!(note.text.as_deref(), Some(""));
        let refusals = [
            (object(Tool::Text, vec![1.0, 2.0], None), ValidationError::TextMissing),
            (object(Tool::Text, vec![1.0, 2.0, 3.0, 4.0], Some("x")), ValidationError::Shape("text")),
            (object(Tool::Pen, vec![1.0, 2.0], Some("x")), ValidationError::TextNotAllowed("pen")),
            (object(Tool::Pen, vec![], None), ValidationError::NoPoints),
            (object(Tool::Pen, vec![f32::INFINITY, 0.0], None), ValidationError::Coordinate(f32::INFINITY)),
        ];
        for (o, error) in refusals {
            assert_eq!(o.into_stroke(user.clone()), Err(error));
        }
        let add = Add { objects: vec![object(Tool::Pen, vec![0.0; 2 * (MAX_ADD_POINTS + 1)], None)], session: None };
        assert_eq!(add.validate(), Err(ValidationError::TooMuchToAdd));
        assert_eq!(Add { objects: vec![], session: None }.validate(), Err(ValidationError::NothingToAdd));
    }

    #[test]
    fn moves_apply_in_order() {
        let named = |ids: &[&str]| -> Vec<Stroke> {
            ids.iter()
                .map(|i| NewObject { id: StrokeId::new(*i).unwrap(), ..object(Tool::Pen, vec![0.0, 0.0], None) })
                .map(|o| o.into_stroke("u".into()).unwrap())
                .collect()
        };
        let order = |v: &[Stroke]| v.iter().map(|s| s.id.to_string()).collect::<Vec<_>>().join("");
        let mut v = named(&["a", "b", "c", "d"]);
        let to = |id: &str, after: Option<&str>| Moved {
            id: StrokeId::new(id).unwrap(),
            after: after.map(|a| StrokeId::new(a).unwrap()),
        };
        assert!(apply_moves(&mut v, &[to("b", Some("d")), to("a", Some("b"))]));
        assert_eq!(order(&v), "cdba");
        assert!(apply_moves(&mut v, &[to("a", None)]));
        assert_eq!(order(&v), "acdb");
        assert!(!apply_moves(&mut v, &[to("zz", None), to("c", Some("missing"))]));
        assert_eq!(order(&v), "acdb");
    }

    #[test]
    fn the_clipboard_holds_only_our_type() {
        let o = object(Tool::Text, vec![1.0, 2.0], Some("hi")).into_stroke("u".into()).unwrap();
        let text = serde_json::to_string(&ClipboardObjects::new(vec![o.clone()])).unwrap();
        assert!(text.starts_with(r#"{"type":"scrawl/objects","objects":["#));
        assert_eq!(ClipboardObjects::parse(&text), Some(vec![o]));
        assert_eq!(ClipboardObjects::parse(r#"{"type":"other","objects":[]}"#), None);
        assert_eq!(ClipboardObjects::parse("plain text"), None);
        assert_eq!(ClipboardObjects::parse(r#"{"type":"scrawl/objects","objects":[]}"#), None);
    }

    #[test]
    fn placed_points_apply_the_placement() {
        let mut s = object(Tool::Pen, vec![1.0, 2.0, 3.0, 4.0], None).into_stroke("u".into()).unwrap();
        assert_eq!(&*s.placed_points(), &[1.0, 2.0, 3.0, 4.0]);
        s.transform = Some(Transform { sx: 2.0, sy: 1.0, dx: 1.0, dy: -1.0 });
        assert_eq!(&*s.placed_points(), &[3.0, 1.0, 7.0, 3.0]);
    }
}
