//! Presence: who is connected to a board, under which name and colour.
//! Colours are handed out from a palette so that people on one board differ.

use crate::protocol::{clean_name, ClientId, Color, SocketId, User};

/// Distinct, readable ink colours handed out in order within a board.
pub const PALETTE: [&str; 12] = [
    "#e03131", "#1971c2", "#2f9e44", "#f08c00", "#9c36b5", "#0c8599", "#e8590c", "#6741d9", "#c2255c", "#5c940d",
    "#1098ad", "#862e9c",
];

const ADJECTIVES: [&str; 8] = ["Swift", "Quiet", "Bright", "Clever", "Brave", "Calm", "Lucky", "Sunny"];
const ANIMALS: [&str; 8] = ["Otter", "Falcon", "Panda", "Lynx", "Heron", "Koala", "Fox", "Orca"];

/// One connection on the board: the user others see, and the client
/// (browser) it acts for.
#[derive(Debug, Clone)]
struct Member {
    user: User,
    client: ClientId,
}

/// The connections on one board, in joining order.
#[derive(Debug, Default)]
pub(super) struct Roster {
    members: Vec<Member>,
}

impl Roster {
    pub fn users(&self) -> Vec<User> {
        self.members.iter().map(|m| m.user.clone()).collect()
    }

    /// The client a connection acts for, if it is on the board.
    pub fn client_of(&self, sid: &SocketId) -> Option<&ClientId> {
        self.members.iter().find(|m| &m.user.id == sid).map(|m| &m.client)
    }

    /// Who a connection is: its user.
    pub fn user(&self, sid: &SocketId) -> Option<&User> {
        self.members.iter().find(|m| &m.user.id == sid).map(|m| &m.user)
    }

    /// Adds a connection with its chosen name (cleaned) or a readable default.
    pub fn join(&mut self, sid: SocketId, client: ClientId, name: Option<&str>) -> User {
        let name = name.map(clean_name).filter(|n| !n.is_empty()).unwrap_or_else(|| default_name(&sid));
        let user = User { id: sid, name, color: self.free_color() };
        self.members.push(Member { user: user.clone(), client });
        user
    }

    pub fn leave(&mut self, sid: &SocketId) {
        self.members.retain(|m| &m.user.id != sid);
    }

    /// Renames a connection; `false` when the cleaned name is empty.
    pub fn rename(&mut self, sid: &SocketId, name: &str) -> bool {
        let name = clean_name(name);
        if name.is_empty() {
            return false;
        }
        if let Some(m) = self.members.iter_mut().find(|m| &m.user.id == sid) {
            m.user.name = name;
        }
        true
    }

    fn free_color(&self) -> Color {
        let used = |c: &&str| self.members.iter().any(|m| m.user.color == *c);
        let color = PALETTE.iter().find(|c| !used(c)).unwrap_or(&PALETTE[self.members.len() % PALETTE.len()]);
        Color::new(*color).expect("the palette holds valid colours")
    }
}

fn default_name(sid: &SocketId) -> String {
    let h = sid.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    format!("{} {}", ADJECTIVES[h as usize % ADJECTIVES.len()], ANIMALS[(h / 8) as usize % ANIMALS.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(r: &mut Roster, sid: &str, name: Option<&str>) -> User {
        r.join(sid.into(), ClientId::new("c").unwrap(), name)
    }

    #[test]
    fn colours_are_distinct_and_valid() {
        let mut r = Roster::default();
        let mut colours: Vec<Color> = (0..PALETTE.len()).map(|i| join(&mut r, &format!("s{i}"), None).color).collect();
        colours.sort();
        colours.dedup();
        assert_eq!(colours.len(), PALETTE.len());
        // After the palette runs out colours repeat but stay valid.
        assert!(PALETTE.contains(&join(&mut r, "extra", None).color.as_str()));
    }

    #[test]
    fn a_freed_colour_is_reused() {
        let mut r = Roster::default();
        let a = join(&mut r, "a", None);
        join(&mut r, "b", None);
        r.leave(&a.id);
        assert_eq!(join(&mut r, "c", None).color, a.color);
    }

    #[test]
    fn default_given_and_changed_names() {
        let mut r = Roster::default();
        assert!(join(&mut r, "s1", Some("  ")).name.contains(' '));
        let ada = join(&mut r, "s2", Some(" Ada\n"));
        assert_eq!(ada.name, "Ada");
        assert!(!r.rename(&ada.id, " \u{7} "));
        assert!(r.rename(&ada.id, "Grace"));
        assert_eq!(r.users()[1].name, "Grace");
    }
}
