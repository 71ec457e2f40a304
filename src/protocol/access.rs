//! Access control on the wire: a board's mode, a connection's role, the
//! keys of the board's links, and the owner's events.

use serde::{Deserialize, Serialize};

use super::messages::{event, unit_event};
use super::{Event, SocketId};

/// Who may do what on a board without a link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Anyone with the URL draws.
    #[default]
    Open,
    /// Anyone with the URL watches; drawing needs an edit or owner link.
    Protected,
    /// Nothing without a link.
    Private,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Open, Mode::Protected, Mode::Private];
    const NAMES: [&'static str; 3] = ["open", "protected", "private"];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn parse(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.as_str() == name)
    }
}

/// What one connection may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Edit,
    View,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Edit, Role::View];
    const NAMES: [&'static str; 3] = ["owner", "edit", "view"];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// The keys of a board's three links (`/b/NAME#k=KEY`). Only owners get them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Links {
    pub owner: String,
    pub edit: String,
    pub view: String,
}

impl Links {
    pub fn key(&self, role: Role) -> &str {
        match role {
            Role::Owner => &self.owner,
            Role::Edit => &self.edit,
            Role::View => &self.view,
        }
    }
}

/// Server → one socket: its role and the board's settings, in `welcome` and
/// again whenever either changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    pub role: Role,
    pub mode: Mode,
    /// Only the owner draws ("presenter mode").
    pub locked: bool,
    /// For owners: the keys of the board's links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Links>,
}

impl Access {
    /// Whether this connection's changes are accepted.
    pub fn can_draw(&self) -> bool {
        match self.role {
            Role::Owner => true,
            Role::Edit => !self.locked,
            Role::View => false,
        }
    }
}

/// Owner → server: change the board's mode.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SetMode {
    pub mode: Mode,
}

/// Owner → server: lock or unlock drawing for everyone else.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SetLock {
    pub locked: bool,
}

/// Owner → server: disconnect this person and keep them out for a while.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kick {
    pub user: SocketId,
}

/// Owner → server: hide everything this person drew, as one undoable action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoveDrawing {
    pub user: SocketId,
}

event! {
    Access => "access",
    SetMode => "owner:mode",
    SetLock => "owner:lock",
    Kick => "owner:kick",
    RemoveDrawing => "owner:remove-drawing",
}

unit_event! {
    /// Owner → server: replace the edit and view keys; the old ones stop
    /// working at once.
    ResetLinks => "owner:reset-links",
    /// Owner → server: delete the board and everything on it.
    DeleteBoard => "owner:delete",
    /// Server → every socket of a deleted board, before it is disconnected.
    BoardDeleted => "board:deleted",
}
