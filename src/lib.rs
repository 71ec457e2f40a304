//! scrawl: a self-hosted, real-time collaborative whiteboard.
//!
//! # Layout
//!
//! One crate, two builds: `ssr` (the axum server) and `hydrate` (the wasm
//! client). Each module owns one layer:
//!
//! - `protocol`: the Socket.IO wire types and their validation (both builds).
//! - `socketio`: our Socket.IO client codec, with `native` (tokio, for tests
//!   and benchmarks) and `browser` (`web_sys::WebSocket`) transports.
//! - `ink`: stroke geometry: SVG paths, bounds, eraser hit tests (both builds).
//! - `app`: Leptos components, rendered on the server and hydrated.
//! - `board` (ssr): domain state of open boards: strokes, seq, undo, presence.
//! - `storage` (ssr): SQLite through sqlx, with group-committed writes.
//! - `realtime` (ssr): Socket.IO handlers, relaying and acknowledging changes.
//! - `server` (ssr): config, router and the testable `run`.
//! - `client`, `canvas` (hydrate): the board session and canvas rendering.

pub mod app;
pub mod ink;
pub mod protocol;
pub mod socketio;

#[cfg(feature = "ssr")]
pub mod board;
#[cfg(feature = "ssr")]
pub mod realtime;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod storage;

#[cfg(feature = "hydrate")]
pub mod canvas;
#[cfg(feature = "hydrate")]
pub mod client;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
