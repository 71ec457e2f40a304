//! What this browser remembers in localStorage: its client id, the name we
//! go by, the boards it opened, and the key of each board's link.

use super::window;
use crate::i18n::Texts;

const CLIENT_KEY: &str = "scrawl.client";
const NAME_KEY: &str = "scrawl.name";
const RECENT_KEY: &str = "scrawl.recent";
const RECENT_MAX: usize = 12;
/// Followed by the board's name.
const KEY_PREFIX: &str = "scrawl.key.";
/// Followed by the board's name: the key there, when it is the owner's.
const OWNER_PREFIX: &str = "scrawl.owner.";

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

fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
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

/// The key of `board`'s link this browser was given, if any.
pub(super) fn key(board: &str) -> Option<String> {
    get(&format!("{KEY_PREFIX}{board}")).filter(|k| !k.is_empty())
}

fn save_key(board: &str, key: &str) {
    set(&format!("{KEY_PREFIX}{board}"), key);
}

/// The board is gone: its key opens nothing any more.
pub(super) fn forget_key(board: &str) {
    remove(&format!("{KEY_PREFIX}{board}"));
    remove(&format!("{OWNER_PREFIX}{board}"));
}

/// The server told us the stored key is `board`'s owner key: no link
/// opened later (a view link, someone's crafted one) replaces it.
pub(super) fn keep_owner_key(board: &str) {
    if let Some(key) = key(board) {
        set(&format!("{OWNER_PREFIX}{board}"), &key);
    }
}

fn owns(board: &str) -> bool {
    key(board).is_some_and(|key| get(&format!("{OWNER_PREFIX}{board}")).as_deref() == Some(key.as_str()))
}

/// Takes the key out of the address (`#k=KEY`): remembers it for `board`
/// (a key in the address wins over the one remembered; one that would
/// replace this browser's owner key only if the person confirms) and leaves
/// the path and query in the address bar, so the key shows in no
/// screenshot, bookmark or shared address.
pub(super) fn take_key_from_address(board: &str, texts: &Texts) {
    let location = window().location();
    let hash = location.hash().unwrap_or_default();
    let Some(key) = key_in_fragment(&hash) else { return };
    let replaces_owner = owns(board) && self::key(board).as_deref() != Some(key);
    let keep_owner =
        replaces_owner && !window().confirm_with_message(texts.get("share.replace_owner_confirm")).unwrap_or(false);
    if !keep_owner {
        save_key(board, key);
    }
    let address = format!("{}{}", location.pathname().unwrap_or_default(), location.search().unwrap_or_default());
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&address));
    }
}

/// `KEY` of a fragment `#k=KEY` (among other `&`-separated parts).
fn key_in_fragment(hash: &str) -> Option<&str> {
    hash.trim_start_matches('#').split('&').find_map(|part| part.strip_prefix("k=")).filter(|k| !k.is_empty())
}
