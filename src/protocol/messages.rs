//! One type per event payload, in both directions. Each implements
//! [`Event`], which names its Socket.IO event.

use serde::{Deserialize, Serialize};

use super::{
    check_points, Access, BoardName, Color, Event, Moved, Placed, SocketId, StrokeId, TextEdited, Transform,
    ValidationError, MAX_ERASE, MAX_WIDTH, MIN_WIDTH,
};

macro_rules! event {
    ($($ty:ty => $name:literal),* $(,)?) => {
        $(impl Event for $ty {
            const NAME: &'static str = $name;
        })*
    };
}

/// An event without a payload: it is sent as `{}`, and whatever arrives with
/// it (nothing, `null`, an object) is ignored.
macro_rules! unit_event {
    ($($(#[$meta:meta])* $ty:ident => $name:literal),* $(,)?) => {
        $(
            $(#[$meta])*
            #[derive(Debug, Clone, Copy, Default, PartialEq)]
            pub struct $ty;

            impl Serialize for $ty {
                fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    use serde::ser::SerializeMap;
                    serializer.serialize_map(Some(0))?.end()
                }
            }

            impl<'de> Deserialize<'de> for $ty {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    serde::de::IgnoredAny::deserialize(deserializer).map(|_| $ty)
                }
            }

            event!($ty => $name);
        )*
    };
}
pub(super) use {event, unit_event};

event! {
    Welcome => "welcome",
    History => "history",
    Synced => "synced",
    StrokeStart => "stroke:start",
    StrokeStarted => "stroke:start",
    StrokePoints => "stroke:points",
    StrokeEnd => "stroke:end",
    StrokeRemove => "stroke:remove",
    StrokeRestore => "stroke:restore",
    Erase => "erase",
    Cleared => "clear",
    Rename => "rename",
    Cursor => "cursor",
    CursorMoved => "cursor",
    Presence => "presence",
}

unit_event! {
    /// Client → server: take back my latest action that still shows.
    Undo => "undo",
    /// Client → server: re-apply what my last undo took back.
    Redo => "redo",
    /// Client → server: hide every stroke.
    Clear => "clear",
}

/// Handshake `auth` payload. Its fields stay plain strings: the server
/// checks them itself and answers a bad board with a `connect_error`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Auth {
    pub board: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The language (a BCP 47 tag such as `de` or `pt-BR`) of the refusals
    /// this connection is sent; without it, the handshake's `scrawl-lang`
    /// cookie or `Accept-Language`, else English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// The last seq this client has of the board (a reconnection): it is
    /// sent only the changes after it, if the server still has them from
    /// the same `epoch` (the `welcome`'s of the connection that saw them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u32>,
    /// Send the board's `history` chunks packed: binary events whose points
    /// come as an attachment (see `protocol::packed`), not as JSON numbers.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub packed: bool,
}

/// A person on a board. `id` is the connection id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: SocketId,
    pub name: String,
    pub color: Color,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    Pen,
    Eraser,
    Line,
    Rect,
    Ellipse,
    /// A text: one anchor point, `width` its font size.
    Text,
    /// A sticky note: two corners, with wrapped text.
    Note,
    /// An uploaded image: two corners.
    Image,
}

impl Tool {
    pub const ALL: [Tool; 8] =
        [Tool::Pen, Tool::Eraser, Tool::Line, Tool::Rect, Tool::Ellipse, Tool::Text, Tool::Note, Tool::Image];
    /// Their names on the wire, in the order of `ALL`.
    const NAMES: [&'static str; 8] = ["pen", "eraser", "line", "rect", "ellipse", "text", "note", "image"];

    /// Whether objects of this tool are added whole (`add`), never drawn.
    pub fn is_object(self) -> bool {
        matches!(self, Tool::Text | Tool::Note | Tool::Image)
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn parse(name: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// By name, as `Tool::parse`: a fraction of the derived enum visitor's code
/// in the wasm client, with the same error.
impl<'de> Deserialize<'de> for Tool {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Tool::parse(&name).ok_or_else(|| serde::de::Error::unknown_variant(&name, &Tool::NAMES))
    }
}

/// Anything on a board, as stored and replayed: a stroke, a shape, a text
/// or a note. `points` is flat `[x0, y0, x1, y1, …]`, as drawn; it shows
/// moved and resized by `transform`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stroke {
    pub id: StrokeId,
    pub user: SocketId,
    pub color: Color,
    pub width: f32,
    pub tool: Tool,
    /// Never empty but in a packed `history` chunk, which sends them apart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<f32>,
    /// The text of a text or a note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Where it was moved or resized to; none if it never was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transform: Option<Transform>,
    /// The image an image shows: the SHA-256 of its bytes, in hex, served
    /// at `/images/{hash}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Welcome {
    pub you: User,
    pub users: Vec<User>,
    pub board: BoardName,
    /// This connection's role and the board's access settings.
    pub access: Access,
    /// Set when only the changes after this seq follow (the `auth.since`
    /// the client asked for), as relays, instead of the whole board.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<u64>,
    /// Which run of the board's seqs this is: it changes when the server
    /// loads the board afresh without the relays a delta needs (a restart).
    /// A client resumes with it as `auth.epoch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u32>,
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
    pub id: StrokeId,
    pub color: Color,
    pub width: f32,
    pub tool: Tool,
    pub points: Vec<f32>,
}

impl StrokeStart {
    /// The stroke this opens, drawn by `user`.
    pub fn to_stroke(&self, user: SocketId) -> Stroke {
        Stroke {
            id: self.id.clone(),
            user,
            color: self.color.clone(),
            width: self.width,
            tool: self.tool,
            points: self.points.clone(),
            text: None,
            transform: None,
            image: None,
        }
    }

    /// What serde cannot check: the tool, the width and the points.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.tool.is_object() {
            return Err(ValidationError::AddOnly(self.tool.as_str()));
        }
        if !(self.width.is_finite() && (MIN_WIDTH..=MAX_WIDTH).contains(&self.width)) {
            return Err(ValidationError::Width(self.width));
        }
        check_points(&self.points)
    }
}

/// Both directions: batch `n` (1, 2, …) of an open stroke.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrokePoints {
    pub id: StrokeId,
    pub n: u32,
    pub points: Vec<f32>,
    /// Set on relays: the board sequence number of this change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

/// Both directions: close a stroke.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrokeEnd {
    pub id: StrokeId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

/// Server → others: a stroke was opened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StrokeStarted {
    #[serde(flatten)]
    pub stroke: Stroke,
    pub seq: u64,
}

/// Read through a flat twin of `Stroke` plus `seq`: `#[serde(flatten)]`
/// would buffer the whole stroke and pull serde's `Content` machinery into
/// the wasm client. A field added to `Stroke` must be added here too (the
/// struct literal below does not compile until it is).
impl<'de> Deserialize<'de> for StrokeStarted {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Flat {
            id: StrokeId,
            user: SocketId,
            color: Color,
            width: f32,
            tool: Tool,
            points: Vec<f32>,
            #[serde(default)]
            text: Option<String>,
            #[serde(default)]
            transform: Option<Transform>,
            #[serde(default)]
            image: Option<String>,
            seq: u64,
        }
        let Flat { id, user, color, width, tool, points, text, transform, image, seq } =
            Flat::deserialize(deserializer)?;
        Ok(StrokeStarted { stroke: Stroke { id, user, color, width, tool, points, text, transform, image }, seq })
    }
}

/// Server → others: strokes removed by an undo or erase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrokeRemove {
    pub ids: Vec<StrokeId>,
    pub seq: u64,
}

/// Server → others: a stroke brought back by a redo or undo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrokeRestore {
    pub stroke: Stroke,
    pub seq: u64,
}

/// Client → server: the eraser touched these strokes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Erase {
    pub ids: Vec<StrokeId>,
}

impl Erase {
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.ids.len() > MAX_ERASE {
            return Err(ValidationError::TooManyErased);
        }
        Ok(())
    }
}

/// Server → others: the board was cleared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cleared {
    pub user: SocketId,
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
    pub user: SocketId,
    pub x: f32,
    pub y: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    pub users: Vec<User>,
}

/// Reply to every acknowledged client event. `undo`, `redo` and `erase`
/// also tell the sender what they did: the ids they hid and the strokes
/// they brought back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ack {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// Why the event was refused, in words for people (in the
    /// connection's language).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why, for programs: a stable code such as `read-only` (see PROTOCOL.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<Vec<StrokeId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restored: Option<Vec<Stroke>>,
    /// Where an undo or redo of a move put the objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transformed: Option<Vec<Placed>>,
    /// The text an undo or redo of a text edit put back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited: Option<TextEdited>,
    /// Where a change of the drawing order (or its undo) put the objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reordered: Option<Vec<Moved>>,
    /// What a restore (or its undo or redo) hid and showed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced: Option<super::Replaced>,
    /// On a refusal that may succeed later (a rate limit, storage trouble,
    /// a batch that arrived before the one it follows): keep the event and
    /// send it again, in order, after this many milliseconds.
    #[serde(default, rename = "retryAfterMs", skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

impl Ack {
    pub fn ok(seq: u64) -> Self {
        Self { ok: true, seq: Some(seq), ..Self::default() }
    }
    pub fn err(error: impl Into<String>) -> Self {
        Self { ok: false, error: Some(error.into()), ..Self::default() }
    }
    pub fn retry(error: impl Into<String>, after_ms: u64) -> Self {
        Self { retry_after_ms: Some(after_ms), ..Self::err(error) }
    }
    /// The refusal with its code for programs.
    pub fn with_code(self, code: &str) -> Self {
        Self { code: Some(code.to_owned()), ..self }
    }
}

#[cfg(test)]
#[path = "messages_tests.rs"]
mod tests;
