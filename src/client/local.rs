//! What this browser remembers in localStorage: its client id, the name we
//! go by, and the boards it opened.

use super::window;

const CLIENT_KEY: &str = "scrawl.client";
const NAME_KEY: &str = "scrawl.name";
const RECENT_KEY: &str = "scrawl.recent";
const RECENT_MAX: usize = 12;

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn get(key: &str) -> Option<String> {
    storage().and_then(|s| s.get_item(key).ok().flatten())
}

fn set(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

/// This browser's stable client id, made up on first use.
pub(super) fn client_id() -> String {
    get(CLIENT_KEY).unwrap_or_else(|| {
        let id = window()
            .crypto()
            .map(|c| c.random_uuid())
            .unwrap_or_else(|_| format!("{:x}", (js_sys::Math::random() * 1e15) as u64));
        set(CLIENT_KEY, &id);
        id
    })
}

/// The name we last gave ourselves.
pub(super) fn name() -> Option<String> {
    get(NAME_KEY)
}

pub(super) fn save_name(name: &str) {
    set(NAME_KEY, name);
}

/// Boards this browser opened, most recent first.
pub fn recent_boards() -> Vec<String> {
    get(RECENT_KEY).and_then(|v| serde_json::from_str(&v).ok()).unwrap_or_default()
}

pub(super) fn remember_board(board: &str) {
    let mut recent = recent_boards();
    recent.retain(|b| b != board);
    recent.insert(0, board.to_string());
    recent.truncate(RECENT_MAX);
    if let Ok(v) = serde_json::to_string(&recent) {
        set(RECENT_KEY, &v);
    }
}
