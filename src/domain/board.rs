//! One board's state: its strokes in drawing order, its sequence number, each
//! client's undo and redo, and its presence. Every accepted change gets the
//! next `seq` and comes back as an [`Outcome`] holding the relay for the
//! others and the [`Change`] for storage.

use std::collections::HashMap;

use super::presence::Roster;
use super::stored::{Change, StoredBoard};
use crate::protocol::{
    history_chunks, BoardName, Cleared, ClientId, Erase, History, Presence, SocketId, Stroke, StrokeEnd, StrokeId,
    StrokePoints, StrokeRemove, StrokeRestore, StrokeStart, StrokeStarted, User, ValidationError, Welcome,
    MAX_POINTS_PER_STROKE,
};

/// Why a client event was refused; the message goes back in the ack.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BoardError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("not joined")]
    NotJoined,
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
}

/// How much one board may hold while it is shown: live strokes and their points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub strokes: usize,
    pub points: usize,
}

impl Default for Quota {
    fn default() -> Self {
        Self { strokes: 200_000, points: 5_000_000 }
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

/// What an undo, redo or erase did.
#[derive(Debug, PartialEq)]
pub enum Reverted {
    Removed(StrokeRemove),
    Restored(Vec<StrokeRestore>),
}

/// What a joining socket is sent, in order.
pub struct Joined {
    pub welcome: Welcome,
    pub history: Vec<History>,
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
}

/// An undoable action of one client.
#[derive(Debug, Clone)]
enum Action {
    Draw(StrokeId),
    /// A clear or an erase: the strokes it hid.
    Hide(Vec<StrokeId>),
}

#[derive(Debug, Default)]
struct ClientLog {
    undo: Vec<Action>,
    redo: Vec<Action>,
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
        }
    }

    /// Rebuilds a board from storage. Each client's undo history is its live
    /// strokes in drawing order. A board stored before a lower quota may
    /// hold more than it allows: it stays as it is, and only grows again
    /// once under the quota.
    pub fn restore(stored: StoredBoard, quota: Quota) -> Self {
        let mut board = Board::new(stored.name, quota);
        board.seq = stored.seq;
        for s in stored.strokes {
            if s.live {
                board.log(&s.client).undo.push(Action::Draw(s.stroke.id.clone()));
                board.live_strokes += 1;
                board.live_points += s.stroke.points.len() / 2;
            }
            board.index.insert(s.stroke.id.clone(), board.strokes.len());
            board.strokes.push(Entry {
                stroke: s.stroke,
                client: s.client,
                open: s.open,
                live: s.live,
                batch: s.batch,
            });
        }
        board
    }

    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The strokes currently visible, in drawing order.
    pub fn live_strokes(&self) -> impl Iterator<Item = &Stroke> {
        self.strokes.iter().filter(|e| e.live).map(|e| &e.stroke)
    }

    pub fn users(&self) -> Vec<User> {
        self.roster.users()
    }

    /// Adds a connection to the board's presence.
    pub fn join(&mut self, sid: SocketId, client: ClientId, name: Option<&str>) -> Joined {
        let you = self.roster.join(sid, client, name);
        Joined {
            welcome: Welcome { you, users: self.users(), board: self.name.clone() },
            history: history_chunks(self.live_strokes()),
            seq: self.seq,
            presence: Presence { users: self.users() },
        }
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
        self.strokes.push(Entry { stroke: stroke.clone(), client: client.clone(), open: true, live: true, batch: 0 });
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

    /// Shows or hides `ids`; returns those whose state changed.
    fn set_live(&mut self, ids: &[StrokeId], live: bool) -> Vec<StrokeId> {
        let mut changed = Vec::new();
        for id in ids {
            if let Some(&i) = self.index.get(id) {
                let entry = &mut self.strokes[i];
                if entry.live != live {
                    entry.live = live;
                    let points = entry.stroke.points.len() / 2;
                    if live {
                        self.live_strokes += 1;
                        self.live_points += points;
                    } else {
                        self.live_strokes -= 1;
                        self.live_points -= points;
                    }
                    changed.push(id.clone());
                }
            }
        }
        changed
    }

    /// Whether showing `ids` again keeps the board within its quota.
    fn check_restore(&self, ids: &[StrokeId]) -> Result<(), BoardError> {
        let hidden = ids.iter().filter_map(|id| self.index.get(id)).map(|&i| &self.strokes[i]).filter(|e| !e.live);
        let (strokes, points) = hidden.fold((0, 0), |(s, p), e| (s + 1, p + e.stroke.points.len() / 2));
        self.check_quota(strokes, points)
    }

    /// Applies `action` forwards (`true`: a draw shows, a hide hides) or
    /// backwards; returns the strokes that changed and whether they now show.
    fn apply(&mut self, action: &Action, forwards: bool) -> (Vec<StrokeId>, bool) {
        match action {
            Action::Draw(id) => (self.set_live(std::slice::from_ref(id), forwards), forwards),
            Action::Hide(ids) => (self.set_live(ids, !forwards), !forwards),
        }
    }

    fn revert_outcome(&mut self, ids: Vec<StrokeId>, live: bool) -> Outcome<Reverted> {
        let seq = self.next_seq();
        let relay = if live {
            Reverted::Restored(
                ids.iter()
                    .map(|id| StrokeRestore { stroke: self.strokes[self.index[id]].stroke.clone(), seq })
                    .collect(),
            )
        } else {
            Reverted::Removed(StrokeRemove { ids: ids.clone(), seq })
        };
        Outcome::Applied { seq, relay, change: Change::SetLive { ids, live } }
    }

    /// Takes back the client's latest action that still has an effect: its
    /// latest live stroke, or its clear or erase.
    pub fn undo(&mut self, sid: &SocketId) -> Result<Outcome<Reverted>, BoardError> {
        self.step(sid, false).ok_or(BoardError::NothingToUndo)?
    }

    /// Re-applies the client's last undone action.
    pub fn redo(&mut self, sid: &SocketId) -> Result<Outcome<Reverted>, BoardError> {
        self.step(sid, true).ok_or(BoardError::NothingToRedo)?
    }

    /// One undo (`forwards == false`) or redo step; `None` when there is
    /// nothing left that would change the board.
    fn step(&mut self, sid: &SocketId, forwards: bool) -> Option<Result<Outcome<Reverted>, BoardError>> {
        let client = match self.client_of(sid) {
            Ok(client) => client,
            Err(e) => return Some(Err(e)),
        };
        loop {
            let log = self.log(&client);
            let action = if forwards { log.redo.last() } else { log.undo.last() }?.clone();
            // Showing strokes again must fit the quota; the action then stays where it was.
            let shows = matches!((&action, forwards), (Action::Draw(_), true) | (Action::Hide(_), false));
            if shows {
                let ids = match &action {
                    Action::Draw(id) => std::slice::from_ref(id),
                    Action::Hide(ids) => ids.as_slice(),
                };
                if let Err(e) = self.check_restore(ids) {
                    return Some(Err(e));
                }
            }
            let log = self.log(&client);
            if forwards { &mut log.redo } else { &mut log.undo }.pop();
            let (ids, live) = self.apply(&action, forwards);
            if ids.is_empty() {
                continue;
            }
            let log = self.log(&client);
            if forwards { &mut log.undo } else { &mut log.redo }.push(action);
            return Some(Ok(self.revert_outcome(ids, live)));
        }
    }

    /// Hides `ids` (those still live) as one undoable action of `sid`'s client.
    fn hide(&mut self, sid: &SocketId, ids: &[StrokeId]) -> Result<(u64, Vec<StrokeId>), BoardError> {
        let client = self.client_of(sid)?;
        let hidden = self.set_live(ids, false);
        let seq = self.next_seq();
        self.record(&client, Action::Hide(hidden.clone()));
        Ok((seq, hidden))
    }

    /// Hides every live stroke; the clearing client can undo it.
    pub fn clear(&mut self, sid: &SocketId) -> Result<Outcome<Cleared>, BoardError> {
        let ids: Vec<StrokeId> = self.live_strokes().map(|s| s.id.clone()).collect();
        let (seq, hidden) = self.hide(sid, &ids)?;
        Ok(Outcome::Applied {
            seq,
            relay: Cleared { user: sid.clone(), seq },
            change: Change::SetLive { ids: hidden, live: false },
        })
    }

    /// The eraser: hides whole strokes, anyone's; the erasing client can undo it.
    pub fn erase(&mut self, sid: &SocketId, erase: Erase) -> Result<Outcome<Reverted>, BoardError> {
        erase.validate()?;
        if let Some(missing) = erase.ids.iter().find(|id| !self.index.contains_key(*id)) {
            return Err(BoardError::UnknownStroke(missing.clone()));
        }
        if !erase.ids.iter().any(|id| self.strokes[self.index[id]].live) {
            // Already gone (erased by someone else meanwhile): nothing to relay or undo.
            return Ok(Outcome::Duplicate { seq: self.seq });
        }
        let (seq, hidden) = self.hide(sid, &erase.ids)?;
        Ok(Outcome::Applied {
            seq,
            relay: Reverted::Removed(StrokeRemove { ids: hidden.clone(), seq }),
            change: Change::SetLive { ids: hidden, live: false },
        })
    }
}

#[cfg(test)]
#[path = "board_tests.rs"]
mod tests;
