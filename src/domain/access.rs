//! Who may do what on a board: its mode, the lock, and the hashed keys of
//! its three links. Keys are random for the owner; the edit and view keys
//! derive from the owner's key and a generation that every reset bumps, so
//! an owner's browser, holding only its key, always gets the current links.

use sha2::{Digest, Sha256};

use crate::protocol::{Access, Links, Mode, Role};

/// Longest `auth.token` looked at; a longer one is not a key.
pub const MAX_KEY: usize = 128;

/// A key's SHA-256, in hex. Keys are stored and compared only as this.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyHash(String);

impl KeyHash {
    pub fn of(key: &str) -> Self {
        Self(hex(&Sha256::digest(key.as_bytes())))
    }

    /// A hash as stored.
    pub fn stored(hex: String) -> Self {
        Self(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A board's access settings, as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BoardAccess {
    pub mode: Mode,
    pub locked: bool,
    /// Bumped by every reset of the links.
    pub generation: u32,
    /// Bumped by every change (see [`BoardAccess::changed`]): of two
    /// settings of one board, the higher version is the newer.
    pub version: u64,
    /// At most one key per role.
    pub keys: Vec<(Role, KeyHash)>,
}

impl BoardAccess {
    /// The role of a connection that presents `token`: the role of its key,
    /// else what the mode gives everyone; `None` when it may not even watch.
    pub fn role_of(&self, token: Option<&KeyHash>) -> Option<Role> {
        let keyed = token.and_then(|t| self.keys.iter().find(|(_, hash)| hash == t)).map(|(role, _)| *role);
        keyed.or(match self.mode {
            Mode::Open => Some(Role::Edit),
            Mode::Protected => Some(Role::View),
            Mode::Private => None,
        })
    }

    /// Marks a change: call after changing any field.
    pub fn changed(&mut self) {
        self.version += 1;
    }

    pub fn has_owner(&self) -> bool {
        self.keys.iter().any(|(role, _)| *role == Role::Owner)
    }

    /// What a connection with `role` is told; an owner presenting its key
    /// also gets the links.
    pub fn tell(&self, role: Role, owner_key: Option<&str>) -> Access {
        let links = owner_key.filter(|_| role == Role::Owner).map(|key| self.links(key));
        Access { role, mode: self.mode, locked: self.locked, links }
    }

    /// The current links of the owner key `owner`.
    pub fn links(&self, owner: &str) -> Links {
        Links {
            owner: owner.to_owned(),
            edit: derive(owner, Role::Edit, self.generation),
            view: derive(owner, Role::View, self.generation),
        }
    }

    /// Makes a new owner key (claiming the board if it had no owner) and new
    /// edit and view keys; every old key stops working.
    pub fn new_links(&mut self) -> Links {
        self.generation += 1;
        self.install(&random_key())
    }

    /// Replaces the edit and view keys; the owner's stays.
    pub fn reset_links(&mut self, owner: &str) -> Links {
        self.generation += 1;
        self.install(owner)
    }

    fn install(&mut self, owner: &str) -> Links {
        let links = self.links(owner);
        self.keys = Role::ALL.into_iter().map(|role| (role, KeyHash::of(links.key(role)))).collect();
        links
    }
}

/// 128 random bits, as 32 hex digits.
fn random_key() -> String {
    hex(&rand::random::<[u8; 16]>())
}

fn derive(owner: &str, role: Role, generation: u32) -> String {
    let digest = Sha256::digest(format!("scrawl link {} {generation} {owner}", role.as_str()).as_bytes());
    hex(&digest[..16])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_follow_keys_then_mode() {
        let mut access = BoardAccess::default();
        assert_eq!(access.role_of(None), Some(Role::Edit));
        let links = access.new_links();
        assert!(access.has_owner());
        let key = |k: &str| KeyHash::of(k);
        assert_eq!(access.role_of(Some(&key(&links.owner))), Some(Role::Owner));
        assert_eq!(access.role_of(Some(&key(&links.view))), Some(Role::View));
        assert_eq!(access.role_of(Some(&key("guess"))), Some(Role::Edit));
        access.mode = Mode::Protected;
        assert_eq!(access.role_of(None), Some(Role::View));
        assert_eq!(access.role_of(Some(&key(&links.edit))), Some(Role::Edit));
        access.mode = Mode::Private;
        assert_eq!(access.role_of(Some(&key("guess"))), None);

        // A reset keeps the owner key and replaces the others.
        let reset = access.reset_links(&links.owner);
        assert_eq!(reset.owner, links.owner);
        assert_ne!((&reset.edit, &reset.view), (&links.edit, &links.view));
        assert_eq!(access.role_of(Some(&key(&links.edit))), None);
        assert_eq!(access.role_of(Some(&key(&reset.edit))), Some(Role::Edit));
        assert_eq!(access.links(&links.owner), reset);
        assert_eq!(reset.edit.len(), 32);
        // New links replace the owner key too.
        let fresh = access.new_links();
        assert_eq!(access.role_of(Some(&key(&links.owner))), None);
        assert_eq!(access.role_of(Some(&key(&fresh.owner))), Some(Role::Owner));
    }

    #[test]
    fn only_an_owner_with_its_key_is_told_the_links() {
        let mut access = BoardAccess::default();
        let links = access.new_links();
        assert_eq!(access.tell(Role::Owner, Some(&links.owner)).links, Some(links.clone()));
        assert_eq!(access.tell(Role::Edit, Some(&links.owner)).links, None);
        access.locked = true;
        assert!(!access.tell(Role::Edit, None).can_draw());
        assert!(access.tell(Role::Owner, None).can_draw());
    }
}
