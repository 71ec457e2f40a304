//! Presenting (protocol v1 additions, all volatile): the laser pointer,
//! everyone's viewport (so others can follow it), and the owner's summons
//! to follow them.

use serde::{Deserialize, Serialize};

use super::messages::{event, unit_event};
use super::{Event, SocketId, MAX_OFFSET};

event! {
    Laser => "laser",
    LaserMoved => "laser",
    Viewport => "viewport",
    ViewportMoved => "viewport",
    Summoned => "summon",
}

unit_event! {
    /// Client → server, owner only: everyone on the board follows my view.
    Summon => "owner:summon",
}

/// Client → server: the laser pointer is at this board point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Laser {
    pub x: f32,
    pub y: f32,
}

/// Server → others: someone's laser pointer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaserMoved {
    pub user: SocketId,
    pub x: f32,
    pub y: f32,
}

/// Client → server: the part of the board I see, in board coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Viewport {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Viewport {
    /// Finite, within the board's reach, and not empty.
    pub fn is_valid(&self) -> bool {
        let within = |v: f32| v.is_finite() && v.abs() <= MAX_OFFSET;
        within(self.x) && within(self.y) && within(self.w) && within(self.h) && self.w > 0.0 && self.h > 0.0
    }
}

/// Server → others: someone's viewport.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewportMoved {
    pub user: SocketId,
    #[serde(flatten)]
    pub view: Viewport,
}

/// Server → everyone but the owner: follow `user`'s view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summoned {
    pub user: SocketId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewports_are_bounded() {
        assert!(Viewport { x: -100.0, y: 5.0, w: 800.0, h: 600.0 }.is_valid());
        assert!(!Viewport { x: 0.0, y: 0.0, w: 0.0, h: 600.0 }.is_valid());
        assert!(!Viewport { x: f32::NAN, y: 0.0, w: 1.0, h: 1.0 }.is_valid());
        assert!(!Viewport { x: 0.0, y: 0.0, w: 1e9, h: 1.0 }.is_valid());
        let moved = ViewportMoved { user: "u".into(), view: Viewport { x: 1.0, y: 2.0, w: 3.0, h: 4.0 } };
        assert_eq!(serde_json::to_string(&moved).unwrap(), r#"{"user":"u","x":1.0,"y":2.0,"w":3.0,"h":4.0}"#);
    }
}
