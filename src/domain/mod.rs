//! The board domain, pure and synchronous: what a board holds (strokes, its
//! sequence number, each client's undo and redo), who is on it (presence:
//! names and colours), who may do what (access: mode, lock, link keys), and
//! the changes it hands to storage. It knows nothing
//! of sockets, SQL or time; the server drives it and storage persists it.

mod access;
mod board;
mod presence;
mod stored;

pub use access::{BoardAccess, KeyHash, MAX_KEY};
pub use board::{Board, BoardError, Joined, Outcome, Quota, Reverted};
pub use presence::PALETTE;
pub use stored::{Applied, Author, Change, StoredBoard, StoredStroke};
