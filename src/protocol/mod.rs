//! The realtime wire contract: every payload that crosses the Socket.IO
//! connection, shared by the server, the wasm client, tests and benchmarks.
//!
//! Plain serde and pure validation only: no transport, no storage. Field
//! names are the public API (see `docs/PROTOCOL.md`); extend, never rename.
//!
//! - `ids`: checked newtypes (`BoardName`, `StrokeId`, `ClientId`, `Color`,
//!   `SocketId`) and the `ValidationError` that says why a value is refused.
//! - `messages`: one type per event payload, each naming its event through
//!   [`Event`].
//! - `server_message`: [`ServerMessage`], the client's typed dispatch of
//!   server → client events.
//! - `objects`: editing what is on a board: adding whole objects (text,
//!   notes, pastes), moving and resizing, text edits, selections.
//! - `presenting`: the laser pointer, shared viewports and the owner's summons.
//! - `access`: board modes, roles, link keys and the owner's events.
//! - `history`: splitting a board into bounded `history` chunks and merging
//!   them back.
//! - `packed`: the compact binary form of `history` chunks (`auth.packed`).
//! - `timeline`: a board's change log, its objects' states at a moment, and
//!   replaying the log to any seq (history, `?at=`, restore).

mod access;
mod history;
mod ids;
mod messages;
mod objects;
mod packed;
mod presenting;
mod server_message;
mod timeline;

pub use access::*;
pub use history::{history_chunks, merge_history, HISTORY_CHUNK_BYTES};
pub use ids::{check_points, BoardName, ClientId, Color, SocketId, StrokeId, ValidationError};
pub use messages::*;
pub use objects::*;
pub use packed::{pack, unpack, PackError, QUANTUM};
pub use presenting::*;
pub use server_message::ServerMessage;
pub use timeline::*;

/// Longest board name, in characters of `[A-Za-z0-9_-]`.
pub const MAX_BOARD_NAME: usize = 64;
/// Longest client-generated stroke id (and client id), in bytes.
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

/// A payload that travels as one named Socket.IO event. Handlers, relays,
/// the client's dispatch and tests pick the event name from the type alone.
pub trait Event: serde::Serialize + serde::de::DeserializeOwned {
    const NAME: &'static str;
}

/// Trims a display name, drops control characters, bidirectional overrides
/// and invisible characters, and cuts it to `MAX_NAME` characters.
pub fn clean_name(name: &str) -> String {
    let kept: String = name.chars().filter(|&c| !c.is_control() && !is_invisible(c)).collect();
    kept.trim().chars().take(MAX_NAME).collect::<String>().trim_end().to_string()
}

/// Format characters that reorder or hide text: bidi embeddings, overrides
/// and isolates, zero-width characters, word joiners and the BOM.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}' | '\u{00ad}' | '\u{061c}' | '\u{180e}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("  Ada\u{7}  Lovelace \n"), "Ada  Lovelace");
        assert_eq!(clean_name(&"x".repeat(40)).chars().count(), MAX_NAME);
        assert_eq!(clean_name("evil\u{202e}gnp.exe"), "evilgnp.exe");
        assert_eq!(clean_name("\u{200b}\u{2066}Ada\u{2069}\u{feff}"), "Ada");
        assert_eq!(clean_name("\u{200d}"), "");
        assert_eq!(clean_name("Zoë 李"), "Zoë 李");
    }
}
