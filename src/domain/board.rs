//! One board's state: its strokes in drawing order, its sequence number, each
//! client's undo and redo, and its presence. Every accepted change gets the
//! next `seq` and comes back as an [`Outcome`] holding the relay for the
//! others and the [`Change`] for storage.

use std::collections::HashMap;

use super::presence::Roster;
use super::stored::{Change, StoredBoard};
use super::BoardAccess;
use crate::protocol::{
    history_chunks, Access, BoardName, ClientId, History, Presence, Reordered, Replaced, SocketId, Stroke, StrokeEnd,
    StrokeId, StrokePoints, StrokeRemove, StrokeRestore, StrokeStart, StrokeStarted, TextEdited, Transform,
    Transformed, User, ValidationError, Welcome, MAX_POINTS_PER_STROKE,
};

/// Why a client event was refused; the message goes back in the ack.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BoardError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("not joined")]
    NotJoined,
    #[error("nobody with that id is on this board")]
    NoSuchUser,
    #[error("stroke id \"{0}\" is already taken")]
    IdTaken(StrokeId),
    #[error("stroke \"{0}\" does not exist")]
    UnknownStroke(StrokeId),
    #[error("stroke \"{0}\" belongs to someone else")]
    NotAuthor(StrokeId),
    #[error("stroke \"{0}\" is already ended")]
    Ended(StrokeId),
    #[error("stroke \"{id}\" expects batch {expected}, got {got}")]
    Gap { id: StrokeId, expected: u32, got: u32 },
    #[error("stroke \"{0}\" would exceed {MAX_POINTS_PER_STROKE} points")]
    TooLong(StrokeId),
    #[error("nothing to undo")]
    NothingToUndo,
    #[error("nothing to redo")]
    NothingToRedo,
    #[error("the board is full: it may hold at most {limit} {what}")]
    Full { what: &'static str, limit: usize },
    #[error("stroke \"{0}\" is still being drawn")]
    Open(StrokeId),
    #[error("\"{0}\" was removed")]
    Removed(StrokeId),
    #[error("\"{0}\" holds no text")]
    NotText(StrokeId),
    #[error("image {0} was not uploaded to this board")]
    UnknownImage(String),
}

/// How much one board may hold while it is shown: live strokes and their points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub strokes: usize,
    pub points: usize,
}

impl Quota {
    /// The defaults of `--board-max-strokes` and `--board-max-points`.
    pub const DEFAULT: Quota = Quota { strokes: 200_000, points: 5_000_000 };
}

impl Default for Quota {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The result of an accepted event.
#[derive(Debug, PartialEq)]
pub enum Outcome<R> {
    /// A new change: relay `relay` to the others and persist `change` as `seq`.
    Applied { seq: u64, relay: R, change: Change },
    /// Already applied earlier (a resend): acknowledge once that is durable.
    Duplicate { seq: u64 },
}

/// What an undo, redo, erase, move or text edit did; the sender's ack
/// reports it too, so its replica ends exactly as the server's.
#[derive(Debug, PartialEq)]
pub enum Reverted {
    Removed(StrokeRemove),
    Restored(Vec<StrokeRestore>),
    Placed(Transformed),
    Edited(TextEdited),
    Reordered(Reordered),
    Replaced(Replaced),
}

/// What a joining socket is sent, in order.
pub struct Joined {
    pub welcome: Welcome,
    pub seq: u64,
    pub presence: Presence,
}

#[derive(Debug, Clone)]
struct Entry {
    stroke: Stroke,
    client: ClientId,
    open: bool,
    live: bool,
    /// Last applied batch number (0 is the start).
    batch: u32,
    /// Its place in the drawing order: entries are sorted by it. A new
    /// object's is its seq, so it goes on top.
    z: f64,
}

/// An undoable action of one client.
#[derive(Debug, Clone)]
enum Action {
    Draw(StrokeId),
    /// A clear or an erase: the strokes it hid.
    Hide(Vec<StrokeId>),
    /// Whole objects added at once; `session` ties text edits to it.
    Add {
        ids: Vec<StrokeId>,
        session: Option<u32>,
    },
    /// A move or resize of these objects.
    Place {
        ids: Vec<StrokeId>,
        by: Transform,
    },
    /// The text typed in one editing session.
    Edit {
        id: StrokeId,
        before: String,
        after: String,
        session: u32,
    },
    /// A change of the drawing order: the objects' places before and after.
    Order {
        ids: Vec<StrokeId>,
        before: Vec<f64>,
        after: Vec<f64>,
    },
    /// A restore: what showed before it, and the copies it showed instead.
    Replace {
        hidden: Vec<StrokeId>,
        copies: Vec<StrokeId>,
    },
}

/// How many recent `transform` operation ids each client's log keeps, to
/// recognise a resent one.
const RECENT_OPS: usize = 256;

#[derive(Debug, Default)]
struct ClientLog {
    undo: Vec<Action>,
    redo: Vec<Action>,
    /// Ids of its latest transforms, oldest first.
    recent_ops: std::collections::VecDeque<StrokeId>,
}

/// About how many bytes one client's undo and redo may hold; past that its
/// oldest actions can no longer be undone.
const MAX_LOG_BYTES: usize = 4 << 20;

impl Action {
    /// About how many bytes it holds.
    fn weight(&self) -> usize {
        const ID: usize = 48;
        match self {
            Action::Draw(_) => ID,
            Action::Hide(ids) | Action::Add { ids, .. } | Action::Place { ids, .. } => ID * ids.len(),
            Action::Replace { hidden, copies } => ID * (hidden.len() + copies.len()),
            Action::Order { ids, .. } => (ID + 16) * ids.len(),
            Action::Edit { before, after, .. } => ID + before.len() + after.len(),
        }
    }
}

impl ClientLog {
    /// Forgets the oldest actions while the log holds more than
    /// `MAX_LOG_BYTES`, but never the latest: one big action (a restore of a
    /// big board) can always be undone.
    fn trim(&mut self) {
        let mut total: usize = self.undo.iter().chain(&self.redo).map(Action::weight).sum();
        let mut drop = 0;
        while total > MAX_LOG_BYTES && drop + 1 < self.undo.len() {
            total -= self.undo[drop].weight();
            drop += 1;
        }
        self.undo.drain(..drop);
    }
}

/// What an object counts against the quota's points: its points, and one
/// per character of its text.
fn cost(stroke: &Stroke) -> usize {
    stroke.points.len() / 2 + stroke.text.as_ref().map_or(0, |t| t.chars().count())
}

#[derive(Debug)]
pub struct Board {
    name: BoardName,
    seq: u64,
    strokes: Vec<Entry>,
    index: HashMap<StrokeId, usize>,
    roster: Roster,
    clients: HashMap<ClientId, ClientLog>,
    quota: Quota,
    /// What the live strokes hold, counted against the quota.
    live_strokes: usize,
    live_points: usize,
    access: BoardAccess,
    /// Deleted: it takes no more changes.
    closed: bool,
    /// The images uploaded to it, which its objects may show.
    images: std::collections::HashSet<String>,
}

impl Board {
    pub fn new(name: BoardName, quota: Quota) -> Self {
        Self {
            name,
            seq: 0,
            strokes: Vec::new(),
            index: HashMap::new(),
            roster: Roster::default(),
            clients: HashMap::new(),
            quota,
            live_strokes: 0,
            live_points: 0,
            access: BoardAccess::default(),
            closed: false,
            images: Default::default(),
        }
    }

    /// Rebuilds a board from storage. Each client's undo history is its live
    /// strokes in drawing order. A board stored before a lower quota may
    /// hold more than it allows: it stays as it is, and only grows again
    /// once under the quota.
    pub fn restore(stored: StoredBoard, quota: Quota) -> Self {
        let mut board = Board::new(stored.name, quota);
        board.seq = stored.seq;
        board.access = stored.access;
        board.images = stored.images.into_iter().collect();
        for s in stored.strokes {
            if s.live {
                board.log(&s.client).undo.push(Action::Draw(s.stroke.id.clone()));
                board.live_strokes += 1;
                board.live_points += cost(&s.stroke);
            }
            board.index.insert(s.stroke.id.clone(), board.strokes.len());
            board.strokes.push(Entry {
                stroke: s.stroke,
                client: s.client,
                open: s.open,
                live: s.live,
                batch: s.batch,
                z: s.z,
            });
        }
        board
    }

    pub fn seq(&self) -> u64 {
        self.seq
    }

    pub fn name(&self) -> &BoardName {
        &self.name
    }

    pub fn access(&self) -> &BoardAccess {
        &self.access
    }

    /// Changes the access settings (a new version); returns the change to persist.
    pub fn change_access<R>(&mut self, change: impl FnOnce(&mut BoardAccess) -> R) -> (R, Change) {
        let result = change(&mut self.access);
        self.access.changed();
        (result, Change::Access(self.access.clone()))
    }

    /// Takes settings stored by someone else (the operator) if they are not
    /// older than ours and differ; returns whether it did.
    pub fn adopt_access(&mut self, stored: BoardAccess) -> bool {
        let adopt = !self.closed && stored.version >= self.access.version && stored != self.access;
        if adopt {
            self.access = stored;
        }
        adopt
    }

    /// Deletes the board: it takes no more changes. Returns the change to persist.
    pub fn close(&mut self) -> Change {
        self.closed = true;
        Change::Delete
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// An image was uploaded to this board: its objects may show it.
    pub fn allow_image(&mut self, hash: String) {
        self.images.insert(hash);
    }

    /// The client a connected user acts for.
    pub fn client_of_user(&self, user: &SocketId) -> Option<&ClientId> {
        self.roster.client_of(user)
    }

    /// Who `sid` is, for the history: its client, and its name now.
    pub fn author(&self, sid: &SocketId, event: &'static str) -> super::Author {
        super::Author {
            client: self.roster.client_of(sid).map(|c| c.as_str().to_owned()).unwrap_or_default(),
            name: self.roster.user(sid).map(|u| u.name.clone()).unwrap_or_default(),
            event,
        }
    }

    /// The strokes currently visible, in drawing order.
    pub fn live_strokes(&self) -> impl Iterator<Item = &Stroke> {
        self.strokes.iter().filter(|e| e.live).map(|e| &e.stroke)
    }

    pub fn users(&self) -> Vec<User> {
        self.roster.users()
    }

    /// Adds a connection to the board's presence; `access` is what it is told
    /// of its role.
    pub fn join(&mut self, sid: SocketId, client: ClientId, name: Option<&str>, access: Access) -> Joined {
        let you = self.roster.join(sid, client, name);
        Joined {
            welcome: Welcome { you, users: self.users(), board: self.name.clone(), access, since: None, epoch: None },
            seq: self.seq,
            presence: Presence { users: self.users() },
        }
    }

    /// The whole board, in `history` chunks, for a joining socket.
    pub fn history(&self) -> Vec<History> {
        history_chunks(self.live_strokes())
    }

    /// Removes a connection; returns the remaining presence.
    pub fn leave(&mut self, sid: &SocketId) -> Presence {
        self.roster.leave(sid);
        Presence { users: self.users() }
    }

    pub fn rename(&mut self, sid: &SocketId, name: &str) -> Result<Presence, BoardError> {
        if !self.roster.rename(sid, name) {
            return Err(ValidationError::EmptyName.into());
        }
        Ok(Presence { users: self.users() })
    }

    fn log(&mut self, client: &ClientId) -> &mut ClientLog {
        self.clients.entry(client.clone()).or_default()
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn client_of(&self, sid: &SocketId) -> Result<ClientId, BoardError> {
        self.roster.client_of(sid).cloned().ok_or(BoardError::NotJoined)
    }

    /// Records a new action of `client`: it can be undone, and nothing that
    /// was undone before can be redone any more.
    fn record(&mut self, client: &ClientId, action: Action) {
        let log = self.log(client);
        log.undo.push(action);
        log.redo.clear();
        log.trim();
    }

    /// Refuses `strokes` more live strokes with `points` more points when
    /// the board would go over its quota.
    fn check_quota(&self, strokes: usize, points: usize) -> Result<(), BoardError> {
        if self.live_strokes + strokes > self.quota.strokes {
            return Err(BoardError::Full { what: "strokes", limit: self.quota.strokes });
        }
        if self.live_points + points > self.quota.points {
            return Err(BoardError::Full { what: "points", limit: self.quota.points });
        }
        Ok(())
    }

    pub fn start_stroke(&mut self, sid: &SocketId, start: StrokeStart) -> Result<Outcome<StrokeStarted>, BoardError> {
        start.validate()?;
        let client = self.client_of(sid)?;
        if let Some(&i) = self.index.get(&start.id) {
            return if self.strokes[i].client == client {
                Ok(Outcome::Duplicate { seq: self.seq })
            } else {
                Err(BoardError::IdTaken(start.id))
            };
        }
        self.check_quota(1, start.points.len() / 2)?;
        self.live_strokes += 1;
        self.live_points += start.points.len() / 2;
        let stroke = start.to_stroke(sid.clone());
        let seq = self.next_seq();
        self.index.insert(stroke.id.clone(), self.strokes.len());
        let z = seq as f64;
        self.strokes.push(Entry {
            stroke: stroke.clone(),
            client: client.clone(),
            open: true,
            live: true,
            batch: 0,
            z,
        });
        self.record(&client, Action::Draw(stroke.id.clone()));
        Ok(Outcome::Applied {
            seq,
            relay: StrokeStarted { stroke: stroke.clone(), seq },
            change: Change::StrokeStart { client, stroke },
        })
    }

    /// The stroke `id`, if `sid`'s client drew it.
    fn own_entry(&self, sid: &SocketId, id: &StrokeId) -> Result<usize, BoardError> {
        let client = self.client_of(sid)?;
        let &i = self.index.get(id).ok_or_else(|| BoardError::UnknownStroke(id.clone()))?;
        if self.strokes[i].client != client {
            return Err(BoardError::NotAuthor(id.clone()));
        }
        Ok(i)
    }

    pub fn append_points(&mut self, sid: &SocketId, batch: StrokePoints) -> Result<Outcome<StrokePoints>, BoardError> {
        if batch.points.is_empty() {
            return Err(ValidationError::NoPoints.into());
        }
        crate::protocol::check_points(&batch.points)?;
        let StrokePoints { id, n, points, .. } = batch;
        let i = self.own_entry(sid, &id)?;
        let entry = &self.strokes[i];
        if n <= entry.batch {
            return Ok(Outcome::Duplicate { seq: self.seq });
        }
        if !entry.open {
            return Err(BoardError::Ended(id));
        }
        if n != entry.batch + 1 {
            return Err(BoardError::Gap { id, expected: entry.batch + 1, got: n });
        }
        if (entry.stroke.points.len() + points.len()) / 2 > MAX_POINTS_PER_STROKE {
            return Err(BoardError::TooLong(id));
        }
        // Points of a hidden stroke (cleared while drawn) count once it shows again.
        let live = entry.live;
        if live {
            self.check_quota(0, points.len() / 2)?;
            self.live_points += points.len() / 2;
        }
        let seq = self.next_seq();
        let entry = &mut self.strokes[i];
        entry.batch = n;
        entry.stroke.points.extend_from_slice(&points);
        Ok(Outcome::Applied {
            seq,
            relay: StrokePoints { id: id.clone(), n, points: points.clone(), seq: Some(seq) },
            change: Change::StrokePoints { id, n, points },
        })
    }

    pub fn end_stroke(&mut self, sid: &SocketId, end: StrokeEnd) -> Result<Outcome<StrokeEnd>, BoardError> {
        let i = self.own_entry(sid, &end.id)?;
        if !self.strokes[i].open {
            return Ok(Outcome::Duplicate { seq: self.seq });
        }
        let seq = self.next_seq();
        self.strokes[i].open = false;
        Ok(Outcome::Applied {
            seq,
            relay: StrokeEnd { id: end.id.clone(), seq: Some(seq) },
            change: Change::StrokeEnd { id: end.id },
        })
    }
}

#[path = "edits.rs"]
mod edits;
#[path = "objects.rs"]
mod objects;
#[path = "restore.rs"]
mod restore;

#[cfg(test)]
#[path = "history_tests.rs"]
mod history_tests;
#[cfg(test)]
#[path = "board_tests.rs"]
mod tests;
