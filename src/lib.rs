//! scrawl: a self-hosted, real-time collaborative whiteboard.
//!
//! # Layout
//!
//! One crate, two builds: `ssr` (the axum server) and `hydrate` (the wasm
//! client). Dependencies point down this list, never up:
//!
//! - `protocol`: the Socket.IO wire types, checked ids and their validation;
//!   every event payload names its event through `protocol::Event` (both builds).
//! - `socketio`: our Socket.IO client codec, with `native` (tokio, for tests
//!   and benchmarks) and `browser` (`web_sys::WebSocket`) transports.
//! - `i18n`: the UI's languages: locale negotiation, plural rules and the
//!   texts a page renders with (both builds; the catalogues are ssr only).
//! - `ink`: stroke geometry: SVG paths, bounds, eraser hit tests (both builds).
//! - `sync`: the client's replica of a board and its outbox of unacknowledged
//!   events, pure and natively tested (both builds).
//! - `ui`: Leptos components, rendered on the server and hydrated.
//! - `domain` (ssr): a board's strokes, seq, undo/redo, presence and access
//!   (mode, lock, hashed link keys); pure.
//! - `metrics` (ssr): what the server counts for `/metrics`.
//! - `storage` (ssr): SQLite through sqlx, with group-committed writes that
//!   ride out storage failures; the only module that speaks SQL.
//! - `server` (ssr): config, the registry of open boards, HTTP routes, the
//!   Socket.IO handlers, the operator's commands and the testable `run`.
//! - `client` (hydrate): the board session in the browser: socket glue,
//!   input gestures, canvas view, cursors, exports.

pub mod i18n;
pub mod ink;
pub mod protocol;
pub mod socketio;
pub mod sync;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod domain;
#[cfg(feature = "ssr")]
pub mod metrics;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod storage;

#[cfg(feature = "hydrate")]
pub mod client;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(ui::App);
}
