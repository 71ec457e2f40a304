//! Board domain state for the boards that are open in this process: strokes,
//! the board sequence number, per-client undo/redo and presence (names and
//! colours). Every accepted change gets the next `seq` and comes back as a
//! [`Change`] for storage; the transport relays and acknowledges it.
//!
//! This is the process-local part of scrawl. `Boards` loads a board from
//! storage when its first member arrives and drops it when the last leaves.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::OnceCell;

use crate::protocol::{
    self, history_chunks, Cleared, History, Presence, Stroke, StrokeRemove, StrokeRestore, StrokeStart, StrokeStarted,
    User, Welcome, MAX_POINTS_PER_STROKE,
};
use crate::storage::{Storage, StorageError, StoredBoard};

/// Distinct, readable ink colours handed out in order within a board.
pub const PALETTE: [&str; 12] = [
    "#e03131", "#1971c2", "#2f9e44", "#f08c00", "#9c36b5", "#0c8599", "#e8590c", "#6741d9", "#c2255c", "#5c940d",
    "#1098ad", "#862e9c",
];

const ADJECTIVES: [&str; 8] = ["Swift", "Quiet", "Bright", "Clever", "Brave", "Calm", "Lucky", "Sunny"];
const ANIMALS: [&str; 8] = ["Otter", "Falcon", "Panda", "Lynx", "Heron", "Koala", "Fox", "Orca"];

/// A change to persist, in board `seq` order.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    StrokeStart { client: String, stroke: Stroke },
    StrokePoints { id: String, n: u32, points: Vec<f32> },
    StrokeEnd { id: String },
    SetLive { ids: Vec<String>, live: bool },
}

/// Why a client event was refused; the message goes back in the ack.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BoardError {
    #[error("{0}")]
    Invalid(String),
    #[error("stroke {0:?} does not exist")]
    UnknownStroke(String),
    #[error("stroke {0:?} belongs to someone else")]
    NotAuthor(String),
    #[error("stroke {0:?} is already ended")]
    Ended(String),
    #[error("stroke {id:?} expects batch {expected}, got {got}")]
    Gap { id: String, expected: u32, got: u32 },
    #[error("stroke {0:?} would exceed {MAX_POINTS_PER_STROKE} points")]
    TooLong(String),
    #[error("nothing to undo")]
    NothingToUndo,
    #[error("nothing to redo")]
    NothingToRedo,
}

/// The result of an accepted event.
#[derive(Debug, PartialEq)]
pub enum Outcome<R> {
    /// A new change: relay `relay` to the others and persist `change` as `seq`.
    Applied { seq: u64, relay: R, change: Change },
    /// Already applied earlier (a resend): acknowledge once that is durable.
    Duplicate { seq: u64 },
}

#[derive(Debug, Clone)]
struct Entry {
    stroke: Stroke,
    client: String,
    open: bool,
    live: bool,
    /// Last applied batch number (0 is the start).
    batch: u32,
}

#[derive(Debug, Clone)]
enum Action {
    Draw(String),
    Clear(Vec<String>),
}

#[derive(Debug, Default)]
struct ClientLog {
    undo: Vec<Action>,
    redo: Vec<Action>,
}

#[derive(Debug, Clone)]
struct Member {
    user: User,
    client: String,
}

/// What a joining socket is sent, in order.
pub struct Joined {
    pub welcome: Welcome,
    pub history: Vec<History>,
    pub seq: u64,
    pub presence: Presence,
}

/// What an undo or redo did.
#[derive(Debug, PartialEq)]
pub enum Reverted {
    Removed(StrokeRemove),
    Restored(Vec<StrokeRestore>),
}

#[derive(Debug, Default)]
pub struct Board {
    name: String,
    seq: u64,
    strokes: Vec<Entry>,
    index: HashMap<String, usize>,
    members: Vec<Member>,
    clients: HashMap<String, ClientLog>,
}

impl Board {
    pub fn new(name: &str) -> Self {
        Self { name: name.to_string(), ..Self::default() }
    }

    /// Rebuilds a board from storage. Each client's undo history is its live
    /// strokes in drawing order.
    pub fn restore(stored: StoredBoard) -> Self {
        let mut board = Board::new(&stored.name);
        board.seq = stored.seq;
        for s in stored.strokes {
            if s.live {
                board.log(&s.client).undo.push(Action::Draw(s.stroke.id.clone()));
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
        self.members.iter().map(|m| m.user.clone()).collect()
    }

    fn log(&mut self, client: &str) -> &mut ClientLog {
        self.clients.entry(client.to_string()).or_default()
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn author_of(&self, sid: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.user.id == sid)
    }

    /// Adds a connection to the board's presence.
    pub fn join(&mut self, sid: &str, client: &str, name: Option<&str>) -> Joined {
        let name = name.map(protocol::clean_name).filter(|n| !n.is_empty()).unwrap_or_else(|| default_name(sid));
        let color = self.free_color();
        let user = User { id: sid.to_string(), name, color };
        self.members.push(Member { user: user.clone(), client: client.to_string() });
        Joined {
            welcome: Welcome { you: user, users: self.users(), board: self.name.clone() },
            history: history_chunks(self.live_strokes()),
            seq: self.seq,
            presence: Presence { users: self.users() },
        }
    }

    /// Removes a connection; returns the remaining presence.
    pub fn leave(&mut self, sid: &str) -> Presence {
        self.members.retain(|m| m.user.id != sid);
        Presence { users: self.users() }
    }

    pub fn rename(&mut self, sid: &str, name: &str) -> Result<Presence, BoardError> {
        let name = protocol::clean_name(name);
        if name.is_empty() {
            return Err(BoardError::Invalid("name is empty".into()));
        }
        if let Some(m) = self.members.iter_mut().find(|m| m.user.id == sid) {
            m.user.name = name;
        }
        Ok(Presence { users: self.users() })
    }

    fn free_color(&self) -> String {
        let used = |c: &&str| self.members.iter().any(|m| m.user.color == *c);
        PALETTE.iter().find(|c| !used(c)).unwrap_or(&PALETTE[self.members.len() % PALETTE.len()]).to_string()
    }

    pub fn start_stroke(&mut self, sid: &str, start: StrokeStart) -> Result<Outcome<StrokeStarted>, BoardError> {
        if let Some(e) = start.error() {
            return Err(BoardError::Invalid(e));
        }
        let client = self.client_of(sid)?;
        if let Some(&i) = self.index.get(&start.id) {
            return if self.strokes[i].client == client {
                Ok(Outcome::Duplicate { seq: self.seq })
            } else {
                Err(BoardError::Invalid(format!("stroke id {:?} is already taken", start.id)))
            };
        }
        let stroke = start.to_stroke(sid);
        let seq = self.next_seq();
        self.index.insert(stroke.id.clone(), self.strokes.len());
        self.strokes.push(Entry { stroke: stroke.clone(), client: client.clone(), open: true, live: true, batch: 0 });
        let log = self.log(&client);
        log.undo.push(Action::Draw(stroke.id.clone()));
        log.redo.clear();
        Ok(Outcome::Applied {
            seq,
            relay: StrokeStarted { stroke: stroke.clone(), seq },
            change: Change::StrokeStart { client, stroke },
        })
    }

    /// The open stroke `id`, if `sid`'s client may write to it.
    fn own_entry(&mut self, sid: &str, id: &str) -> Result<usize, BoardError> {
        let client = self.client_of(sid)?;
        let &i = self.index.get(id).ok_or_else(|| BoardError::UnknownStroke(id.to_string()))?;
        if self.strokes[i].client != client {
            return Err(BoardError::NotAuthor(id.to_string()));
        }
        Ok(i)
    }

    pub fn append_points(
        &mut self,
        sid: &str,
        id: &str,
        n: u32,
        points: Vec<f32>,
    ) -> Result<Outcome<protocol::StrokePoints>, BoardError> {
        if let Some(e) = protocol::points_error(&points) {
            return Err(BoardError::Invalid(e));
        }
        let i = self.own_entry(sid, id)?;
        let entry = &self.strokes[i];
        if n <= entry.batch {
            return Ok(Outcome::Duplicate { seq: self.seq });
        }
        if !entry.open {
            return Err(BoardError::Ended(id.to_string()));
        }
        if n != entry.batch + 1 {
            return Err(BoardError::Gap { id: id.to_string(), expected: entry.batch + 1, got: n });
        }
        if (entry.stroke.points.len() + points.len()) / 2 > MAX_POINTS_PER_STROKE {
            return Err(BoardError::TooLong(id.to_string()));
        }
        let seq = self.next_seq();
        let entry = &mut self.strokes[i];
        entry.batch = n;
        entry.stroke.points.extend_from_slice(&points);
        Ok(Outcome::Applied {
            seq,
            relay: protocol::StrokePoints { id: id.to_string(), n, points: points.clone(), seq: Some(seq) },
            change: Change::StrokePoints { id: id.to_string(), n, points },
        })
    }

    pub fn end_stroke(&mut self, sid: &str, id: &str) -> Result<Outcome<protocol::StrokeEnd>, BoardError> {
        let i = self.own_entry(sid, id)?;
        if !self.strokes[i].open {
            return Ok(Outcome::Duplicate { seq: self.seq });
        }
        let seq = self.next_seq();
        self.strokes[i].open = false;
        Ok(Outcome::Applied {
            seq,
            relay: protocol::StrokeEnd { id: id.to_string(), seq: Some(seq) },
            change: Change::StrokeEnd { id: id.to_string() },
        })
    }

    fn set_live(&mut self, ids: &[String], live: bool) -> Vec<String> {
        let mut changed = Vec::new();
        for id in ids {
            if let Some(&i) = self.index.get(id) {
                if self.strokes[i].live != live {
                    self.strokes[i].live = live;
                    changed.push(id.clone());
                }
            }
        }
        changed
    }

    fn client_of(&self, sid: &str) -> Result<String, BoardError> {
        self.author_of(sid).map(|m| m.client.clone()).ok_or_else(|| BoardError::Invalid("not joined".into()))
    }

    /// Applies `action` forwards (`true`: draw shows, clear hides) or backwards.
    fn apply(&mut self, action: &Action, forwards: bool) -> (Vec<String>, bool) {
        match action {
            Action::Draw(id) => (self.set_live(std::slice::from_ref(id), forwards), forwards),
            Action::Clear(ids) => (self.set_live(ids, !forwards), !forwards),
        }
    }

    fn revert_outcome(&mut self, ids: Vec<String>, live: bool) -> Outcome<Reverted> {
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
    /// latest live stroke, or its clear.
    pub fn undo(&mut self, sid: &str) -> Result<Outcome<Reverted>, BoardError> {
        let client = self.client_of(sid)?;
        while let Some(action) = self.log(&client).undo.pop() {
            let (ids, live) = self.apply(&action, false);
            if ids.is_empty() {
                continue;
            }
            self.log(&client).redo.push(action);
            return Ok(self.revert_outcome(ids, live));
        }
        Err(BoardError::NothingToUndo)
    }

    /// Re-applies the client's last undone action.
    pub fn redo(&mut self, sid: &str) -> Result<Outcome<Reverted>, BoardError> {
        let client = self.client_of(sid)?;
        while let Some(action) = self.log(&client).redo.pop() {
            let (ids, live) = self.apply(&action, true);
            if ids.is_empty() {
                continue;
            }
            self.log(&client).undo.push(action);
            return Ok(self.revert_outcome(ids, live));
        }
        Err(BoardError::NothingToRedo)
    }

    /// Hides `ids` (those still live) as one undoable action of `sid`'s client.
    fn hide(&mut self, sid: &str, ids: &[String]) -> Result<(u64, Vec<String>), BoardError> {
        let client = self.client_of(sid)?;
        let hidden = self.set_live(ids, false);
        let seq = self.next_seq();
        let log = self.log(&client);
        log.undo.push(Action::Clear(hidden.clone()));
        log.redo.clear();
        Ok((seq, hidden))
    }

    /// Hides every live stroke; the clearing client can undo it.
    pub fn clear(&mut self, sid: &str) -> Result<Outcome<Cleared>, BoardError> {
        let ids: Vec<String> = self.live_strokes().map(|s| s.id.clone()).collect();
        let (seq, hidden) = self.hide(sid, &ids)?;
        Ok(Outcome::Applied {
            seq,
            relay: Cleared { user: sid.to_string(), seq },
            change: Change::SetLive { ids: hidden, live: false },
        })
    }

    /// The eraser: hides whole strokes, anyone's; the erasing client can undo it.
    pub fn erase(&mut self, sid: &str, ids: &[String]) -> Result<Outcome<Reverted>, BoardError> {
        if ids.len() > protocol::MAX_ERASE {
            return Err(BoardError::Invalid(format!("more than {} strokes in one erase", protocol::MAX_ERASE)));
        }
        if let Some(missing) = ids.iter().find(|id| !self.index.contains_key(*id)) {
            return Err(BoardError::UnknownStroke(missing.clone()));
        }
        if !ids.iter().any(|id| self.strokes[self.index[id]].live) {
            // Already gone (erased by someone else meanwhile): nothing to relay or undo.
            return Ok(Outcome::Duplicate { seq: self.seq });
        }
        let (seq, hidden) = self.hide(sid, ids)?;
        Ok(Outcome::Applied {
            seq,
            relay: Reverted::Removed(StrokeRemove { ids: hidden.clone(), seq }),
            change: Change::SetLive { ids: hidden, live: false },
        })
    }
}

fn default_name(sid: &str) -> String {
    let h = sid.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    format!("{} {}", ADJECTIVES[h as usize % ADJECTIVES.len()], ANIMALS[(h / 8) as usize % ANIMALS.len()])
}

type Cell = Arc<OnceCell<Mutex<Board>>>;

/// A board that is open in this process.
#[derive(Clone)]
pub struct BoardRef(Cell);

impl BoardRef {
    /// Locks the board. Never hold the guard across an `.await`.
    pub fn lock(&self) -> MutexGuard<'_, Board> {
        self.0.get().expect("BoardRef is only handed out once loaded").lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The registry of open boards, loading each from storage on first use.
pub struct Boards {
    storage: Arc<Storage>,
    open: Mutex<HashMap<String, (Cell, usize)>>,
}

impl Boards {
    pub fn new(storage: Arc<Storage>) -> Self {
        Self { storage, open: Mutex::default() }
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Opens `name` for one more member, loading it if needed. Pair with `leave`.
    pub async fn enter(&self, name: &str) -> Result<BoardRef, StorageError> {
        let cell = {
            let mut open = self.open.lock().unwrap();
            let slot = open.entry(name.to_string()).or_insert_with(|| (Cell::default(), 0));
            slot.1 += 1;
            slot.0.clone()
        };
        match cell.get_or_try_init(|| self.load(name)).await {
            Ok(_) => Ok(BoardRef(cell)),
            Err(e) => {
                self.leave(name);
                Err(e)
            }
        }
    }

    /// One member fewer; the board is dropped from memory with the last.
    pub fn leave(&self, name: &str) {
        let mut open = self.open.lock().unwrap();
        if let Some(slot) = open.get_mut(name) {
            slot.1 -= 1;
            if slot.1 == 0 {
                open.remove(name);
            }
        }
    }

    async fn load(&self, name: &str) -> Result<Mutex<Board>, StorageError> {
        // Changes of an earlier, just-dropped copy of this board may still be queued.
        self.storage.flush().await?;
        let board = match self.storage.load(name).await? {
            Some(stored) => Board::restore(stored),
            None => Board::new(name),
        };
        Ok(Mutex::new(board))
    }

    /// The live strokes and seq of a board, open or not.
    pub async fn snapshot(&self, name: &str) -> Result<(u64, Vec<Stroke>), StorageError> {
        let board = self.enter(name).await?;
        let snapshot = {
            let b = board.lock();
            (b.seq(), b.live_strokes().cloned().collect())
        };
        self.leave(name);
        Ok(snapshot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Tool;
    use crate::storage::StoredStroke;

    fn start(id: &str) -> StrokeStart {
        StrokeStart { id: id.into(), color: "#123456".into(), width: 4.0, tool: Tool::Pen, points: vec![1.0, 2.0] }
    }

    fn board_with(users: &[(&str, &str)]) -> Board {
        let mut b = Board::new("b");
        for (sid, client) in users {
            b.join(sid, client, None);
        }
        b
    }

    #[test]
    fn colours_are_distinct_and_valid() {
        let mut b = Board::new("b");
        let colours: Vec<String> =
            (0..PALETTE.len()).map(|i| b.join(&format!("s{i}"), "c", None).welcome.you.color).collect();
        let mut unique = colours.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), PALETTE.len());
        assert!(colours.iter().all(|c| protocol::is_color(c)));
        // After the palette runs out colours repeat but stay valid.
        assert!(protocol::is_color(&b.join("extra", "c", None).welcome.you.color));
    }

    #[test]
    fn a_freed_colour_is_reused() {
        let mut b = board_with(&[("a", "ca"), ("b", "cb")]);
        let a_colour = b.users()[0].color.clone();
        b.leave("a");
        assert_eq!(b.join("c", "cc", None).welcome.you.color, a_colour);
    }

    #[test]
    fn default_and_given_names() {
        let mut b = Board::new("b");
        assert!(b.join("s1", "c", Some("  ")).welcome.you.name.contains(' '));
        assert_eq!(b.join("s2", "c", Some(" Ada\n")).welcome.you.name, "Ada");
    }

    #[test]
    fn stroke_lifecycle_assigns_increasing_seq() {
        let mut b = board_with(&[("s", "c")]);
        let Outcome::Applied { seq: s1, .. } = b.start_stroke("s", start("x")).unwrap() else { panic!() };
        let Outcome::Applied { seq: s2, .. } = b.append_points("s", "x", 1, vec![3.0, 4.0]).unwrap() else { panic!() };
        let Outcome::Applied { seq: s3, .. } = b.end_stroke("s", "x").unwrap() else { panic!() };
        assert_eq!((s1, s2, s3), (1, 2, 3));
        assert_eq!(b.live_strokes().next().unwrap().points, vec![1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn resends_are_duplicates_not_reapplied() {
        let mut b = board_with(&[("s", "c")]);
        b.start_stroke("s", start("x")).unwrap();
        b.append_points("s", "x", 1, vec![3.0, 4.0]).unwrap();
        // Same client on a new connection resends everything.
        b.leave("s");
        b.join("s2", "c", None);
        assert_eq!(b.start_stroke("s2", start("x")).unwrap(), Outcome::Duplicate { seq: 2 });
        assert_eq!(b.append_points("s2", "x", 1, vec![3.0, 4.0]).unwrap(), Outcome::Duplicate { seq: 2 });
        assert_eq!(b.live_strokes().next().unwrap().points.len(), 4);
    }

    #[test]
    fn only_the_author_appends_and_only_while_open() {
        let mut b = board_with(&[("s", "c"), ("t", "d")]);
        b.start_stroke("s", start("x")).unwrap();
        assert_eq!(b.append_points("t", "x", 1, vec![0.0, 0.0]), Err(BoardError::NotAuthor("x".into())));
        assert!(matches!(b.start_stroke("t", start("x")), Err(BoardError::Invalid(_))));
        assert!(matches!(
            b.append_points("s", "x", 3, vec![0.0, 0.0]),
            Err(BoardError::Gap { expected: 1, got: 3, .. })
        ));
        b.end_stroke("s", "x").unwrap();
        assert_eq!(b.append_points("s", "x", 1, vec![0.0, 0.0]), Err(BoardError::Ended("x".into())));
        assert_eq!(b.append_points("s", "nope", 1, vec![0.0, 0.0]), Err(BoardError::UnknownStroke("nope".into())));
    }

    #[test]
    fn a_stroke_stops_at_the_point_limit() {
        let mut b = board_with(&[("s", "c")]);
        b.start_stroke("s", start("x")).unwrap();
        let batch = vec![1.0; protocol::MAX_POINTS_PER_MESSAGE * 2];
        let full_batches = (MAX_POINTS_PER_STROKE - 1) / protocol::MAX_POINTS_PER_MESSAGE;
        for n in 1..=full_batches as u32 {
            b.append_points("s", "x", n, batch.clone()).unwrap();
        }
        let next = full_batches as u32 + 1;
        assert_eq!(b.append_points("s", "x", next, batch), Err(BoardError::TooLong("x".into())));
        let room = MAX_POINTS_PER_STROKE - 1 - full_batches * protocol::MAX_POINTS_PER_MESSAGE;
        assert!(b.append_points("s", "x", next, vec![1.0; room * 2]).is_ok());
    }

    #[test]
    fn undo_redo_follow_the_client() {
        let mut b = board_with(&[("s", "c"), ("t", "d")]);
        b.start_stroke("s", start("a")).unwrap();
        b.start_stroke("t", start("b")).unwrap();
        b.start_stroke("s", start("c")).unwrap();
        let Outcome::Applied { relay, .. } = b.undo("s").unwrap() else { panic!() };
        assert_eq!(relay, Reverted::Removed(StrokeRemove { ids: vec!["c".into()], seq: 4 }));
        let Outcome::Applied { relay, .. } = b.undo("s").unwrap() else { panic!() };
        assert!(matches!(relay, Reverted::Removed(r) if r.ids == vec!["a".to_string()]));
        assert_eq!(b.undo("s"), Err(BoardError::NothingToUndo));
        let ids: Vec<_> = b.live_strokes().map(|s| s.id.clone()).collect();
        assert_eq!(ids, vec!["b"]);
        let Outcome::Applied { relay, .. } = b.redo("s").unwrap() else { panic!() };
        assert!(matches!(relay, Reverted::Restored(r) if r[0].stroke.id == "a"));
        assert_eq!(b.live_strokes().count(), 2);
    }

    #[test]
    fn clear_is_undoable_by_its_author() {
        let mut b = board_with(&[("s", "c"), ("t", "d")]);
        b.start_stroke("s", start("a")).unwrap();
        b.start_stroke("t", start("b")).unwrap();
        b.clear("t").unwrap();
        assert_eq!(b.live_strokes().count(), 0);
        let Outcome::Applied { relay, change, .. } = b.undo("t").unwrap() else { panic!() };
        assert!(matches!(relay, Reverted::Restored(r) if r.len() == 2));
        assert_eq!(change, Change::SetLive { ids: vec!["a".into(), "b".into()], live: true });
        assert_eq!(b.live_strokes().count(), 2);
    }

    #[test]
    fn erase_hides_anyones_strokes_and_is_undoable_by_the_eraser() {
        let mut b = board_with(&[("s", "c"), ("t", "d")]);
        b.start_stroke("s", start("a")).unwrap();
        b.start_stroke("s", start("b")).unwrap();
        let Outcome::Applied { relay, .. } = b.erase("t", &["a".into()]).unwrap() else { panic!() };
        assert!(matches!(relay, Reverted::Removed(r) if r.ids == vec!["a".to_string()]));
        assert_eq!(b.live_strokes().count(), 1);
        assert_eq!(b.erase("t", &["zz".into()]), Err(BoardError::UnknownStroke("zz".into())));
        b.undo("t").unwrap();
        assert_eq!(b.live_strokes().count(), 2);
        // The author's own undo still takes the author's latest stroke.
        let Outcome::Applied { relay, .. } = b.undo("s").unwrap() else { panic!() };
        assert!(matches!(relay, Reverted::Removed(r) if r.ids == vec!["b".to_string()]));
    }

    #[test]
    fn restore_rebuilds_undo_from_live_strokes() {
        let stroke = |id: &str| Stroke {
            id: id.into(),
            user: "u".into(),
            color: "#000000".into(),
            width: 1.0,
            tool: Tool::Pen,
            points: vec![],
        };
        let stored = StoredBoard {
            name: "b".into(),
            seq: 9,
            strokes: vec![
                StoredStroke { stroke: stroke("a"), client: "c".into(), open: false, live: true, batch: 2 },
                StoredStroke { stroke: stroke("b"), client: "c".into(), open: true, live: false, batch: 0 },
            ],
        };
        let mut b = Board::restore(stored);
        b.join("s", "c", None);
        assert_eq!(b.seq(), 9);
        assert_eq!(b.append_points("s", "a", 2, vec![]).unwrap(), Outcome::Duplicate { seq: 9 });
        let Outcome::Applied { seq, relay, .. } = b.undo("s").unwrap() else { panic!() };
        assert_eq!(seq, 10);
        assert!(matches!(relay, Reverted::Removed(r) if r.ids == vec!["a".to_string()]));
    }
}
