//! The board page's live session in the browser: pointer, touch and pen
//! input drawn at once and streamed once per animation frame; pan and zoom;
//! the outbox of unacknowledged events, resent after a reconnect; the board
//! as the server syncs it; live cursors; and exports.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use leptos::prelude::{GetUntracked, Set};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, HtmlElement, KeyboardEvent, PointerEvent, WheelEvent};

use crate::app::{BoardView, Command, Link};
use crate::canvas::Renderer;
use crate::ink;
use crate::protocol::{
    event, merge_history, Ack, Auth, Cleared, Cursor, CursorMoved, Erase, History, Presence, Rename, Stroke, StrokeEnd,
    StrokePoints, StrokeRemove, StrokeRestore, StrokeStart, StrokeStarted, Synced, Tool, User, Welcome,
    MAX_POINTS_PER_MESSAGE,
};
use crate::socketio::browser::{BrowserSocket, SocketEvent};

const CLIENT_KEY: &str = "scrawl.client";
const NAME_KEY: &str = "scrawl.name";
const RECENT_KEY: &str = "scrawl.recent";
const RECENT_MAX: usize = 12;
/// Cursor updates per second, at most.
const CURSOR_INTERVAL_MS: f64 = 1000.0 / 30.0;
/// A cursor fades after this long without moving.
const CURSOR_IDLE_MS: f64 = 3000.0;
/// Eraser radius in screen pixels.
const ERASER_RADIUS: f64 = 8.0;

/// An acknowledged event, kept until the server confirms it.
struct Outgoing {
    name: &'static str,
    stroke: Option<String>,
    data: Value,
    /// Ack id on the current connection, once sent.
    ack: Option<u64>,
}

/// What the active pointer(s) are doing.
enum Gesture {
    Idle,
    /// A freehand stroke or a shape being drawn.
    Draw {
        pointer: i32,
        id: String,
        n: u32,
        unsent: Vec<f32>,
    },
    Erase {
        pointer: i32,
        hits: Vec<String>,
    },
    /// A finger is down but has not moved: a second finger may still turn this into a pinch.
    Touch {
        pointer: i32,
        at: (f64, f64),
    },
    Pan {
        pointer: i32,
        last: (f64, f64),
    },
    /// Two touches: pan and pinch-zoom.
    Pinch {
        a: i32,
        b: i32,
    },
}

struct RemoteCursor {
    el: HtmlElement,
    at: (f32, f32),
    seen: f64,
}

struct Session {
    board: String,
    view: BoardView,
    renderer: Renderer,
    socket: Option<BrowserSocket>,
    client: String,
    me: Option<User>,
    /// Live strokes in drawing order.
    strokes: Vec<Stroke>,
    /// History being received before `synced`.
    incoming: Vec<Stroke>,
    /// The seq the last sync reached; relays at or below it are already in.
    synced: Option<u64>,
    outbox: Vec<Outgoing>,
    gesture: Gesture,
    /// Client positions of the touches and pointers that are down.
    touches: HashMap<i32, (f64, f64)>,
    space_held: bool,
    counter: u32,
    frame_requested: bool,
    last_cursor_sent: f64,
    cursors: HashMap<String, RemoteCursor>,
    cursor_layer: Option<HtmlElement>,
}

type Shared = Rc<RefCell<Session>>;

thread_local! {
    static SESSION: RefCell<Option<Shared>> = const { RefCell::new(None) };
}

fn window() -> web_sys::Window {
    web_sys::window().expect("window")
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// This browser's stable client id, kept in localStorage.
fn client_id() -> String {
    let stored = storage().and_then(|s| s.get_item(CLIENT_KEY).ok().flatten());
    stored.unwrap_or_else(|| {
        let id = window()
            .crypto()
            .map(|c| c.random_uuid())
            .unwrap_or_else(|_| format!("{:x}", (js_sys::Math::random() * 1e15) as u64));
        if let Some(s) = storage() {
            let _ = s.set_item(CLIENT_KEY, &id);
        }
        id
    })
}

/// Boards this browser opened, most recent first.
pub fn recent_boards() -> Vec<String> {
    storage()
        .and_then(|s| s.get_item(RECENT_KEY).ok().flatten())
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default()
}

fn remember_board(board: &str) {
    let mut recent = recent_boards();
    recent.retain(|b| b != board);
    recent.insert(0, board.to_string());
    recent.truncate(RECENT_MAX);
    if let (Some(s), Ok(v)) = (storage(), serde_json::to_string(&recent)) {
        let _ = s.set_item(RECENT_KEY, &v);
    }
}

/// Runs a toolbar command on the current board session.
pub fn command(command: Command) {
    let session = SESSION.with(|s| s.borrow().clone());
    if let Some(session) = session {
        session.borrow_mut().command(command);
    }
}

/// Starts the live session of board `board` on `canvas`.
pub fn start(board: String, canvas: HtmlCanvasElement, view: BoardView) {
    remember_board(&board);
    let client = client_id();
    let document = window().document().expect("document");
    let cursor_layer = document.query_selector(".cursors").ok().flatten().and_then(|e| e.dyn_into().ok());
    let session: Shared = Rc::new(RefCell::new(Session {
        board: board.clone(),
        view,
        renderer: Renderer::new(canvas.clone()),
        socket: None,
        client: client.clone(),
        me: None,
        strokes: Vec::new(),
        incoming: Vec::new(),
        synced: None,
        outbox: Vec::new(),
        gesture: Gesture::Idle,
        touches: HashMap::new(),
        space_held: false,
        counter: 0,
        frame_requested: false,
        last_cursor_sent: 0.0,
        cursors: HashMap::new(),
        cursor_layer,
    }));
    SESSION.with(|s| *s.borrow_mut() = Some(session.clone()));

    let auth = move || {
        let name = storage().and_then(|s| s.get_item(NAME_KEY).ok().flatten());
        serde_json::to_value(Auth { board: board.clone(), name, client: Some(client.clone()), token: None })
            .unwrap_or(Value::Null)
    };
    let on_socket = {
        let session = session.clone();
        move |e: SocketEvent| session.borrow_mut().on_socket(e)
    };
    session.borrow_mut().socket = Some(BrowserSocket::connect(auth, on_socket));

    listen(&canvas, "pointerdown", &session, |s, e: PointerEvent| s.pointer_down(&e));
    listen(&canvas, "pointermove", &session, |s, e: PointerEvent| s.pointer_move(&e));
    listen(&canvas, "pointerup", &session, |s, e: PointerEvent| s.pointer_up(&e));
    listen(&canvas, "pointercancel", &session, |s, e: PointerEvent| s.pointer_up(&e));
    listen(&canvas, "wheel", &session, |s, e: WheelEvent| s.wheel(&e));
    let win: web_sys::EventTarget = window().into();
    listen(&win, "keydown", &session, |s, e: KeyboardEvent| s.key(&e, true));
    listen(&win, "keyup", &session, |s, e: KeyboardEvent| s.key(&e, false));
    listen(&win, "resize", &session, |s, _: web_sys::Event| {
        s.renderer.resize();
        s.redraw();
    });
    let fade = {
        let session = session.clone();
        Closure::<dyn FnMut()>::new(move || session.borrow_mut().fade_cursors())
    };
    let _ = window().set_interval_with_callback_and_timeout_and_arguments_0(fade.as_ref().unchecked_ref(), 1000);
    fade.forget();
}

/// Adds an event listener that runs `handler` on the session, then asks for
/// an animation frame when input is waiting to be streamed.
fn listen<E: JsCast + 'static>(
    target: &web_sys::EventTarget,
    name: &str,
    session: &Shared,
    handler: fn(&mut Session, E),
) {
    let session = session.clone();
    let closure = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        let Ok(e) = e.dyn_into::<E>() else { return };
        let schedule = {
            let mut s = session.borrow_mut();
            handler(&mut s, e);
            s.has_unsent() && !std::mem::replace(&mut s.frame_requested, true)
        };
        if schedule {
            request_frame(session.clone());
        }
    });
    let _ = target.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
    closure.forget();
}

/// Streams what input gathered during this frame as one batch.
fn request_frame(session: Shared) {
    let frame = Closure::once_into_js(move || {
        let mut s = session.borrow_mut();
        s.frame_requested = false;
        s.send_unsent();
    });
    let _ = window().request_animation_frame(frame.unchecked_ref());
}

fn decode<T: DeserializeOwned>(data: Value) -> Option<T> {
    serde_json::from_value(data).map_err(|e| leptos::logging::warn!("scrawl: bad payload: {e}")).ok()
}

fn download(name: &str, url: &str) {
    let Some(document) = window().document() else { return };
    let Ok(a) = document.create_element("a") else { return };
    let _ = a.set_attribute("href", url);
    let _ = a.set_attribute("download", name);
    if let Some(a) = a.dyn_ref::<HtmlElement>() {
        a.click();
    }
}

fn download_text(name: &str, mime: &str, text: &str) {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    if let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) {
        download(name, &url);
        let _ = web_sys::Url::revoke_object_url(&url);
    }
}

fn is_typing_target(e: &KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
}

impl Session {
    fn on_socket(&mut self, e: SocketEvent) {
        match e {
            SocketEvent::Connected => {}
            SocketEvent::Lost { retry_ms } => {
                self.synced = None;
                for o in &mut self.outbox {
                    o.ack = None;
                }
                self.view.link.set(Link::Reconnecting(retry_ms.div_ceil(1000) as u32));
            }
            SocketEvent::Refused(why) => self.view.link.set(Link::Refused(why)),
            SocketEvent::Ack { id, data } => self.on_ack(id, data),
            SocketEvent::Event { name, data } => self.on_event(&name, data),
        }
    }

    fn on_event(&mut self, name: &str, data: Value) {
        match name {
            event::WELCOME => {
                let Some(w) = decode::<Welcome>(data) else { return };
                self.view.me.set(Some(w.you.clone()));
                self.view.users.set(w.users);
                self.me = Some(w.you);
                self.incoming.clear();
            }
            event::HISTORY => {
                if let Some(chunk) = decode::<History>(data) {
                    merge_history(&mut self.incoming, chunk);
                }
            }
            event::SYNCED => {
                let Some(Synced { seq }) = decode(data) else { return };
                self.finish_sync(seq);
            }
            event::PRESENCE => {
                if let Some(Presence { users }) = decode(data) {
                    self.cursors.retain(|id, c| {
                        let here = users.iter().any(|u| &u.id == id);
                        if !here {
                            c.el.remove();
                        }
                        here
                    });
                    self.view.users.set(users);
                }
            }
            event::CURSOR => {
                if let Some(moved) = decode::<CursorMoved>(data) {
                    self.show_cursor(moved);
                }
            }
            event::STROKE_START => {
                let Some(StrokeStarted { stroke, seq }) = decode(data) else { return };
                if self.is_new(seq) {
                    self.add_stroke(stroke);
                }
            }
            event::STROKE_POINTS => {
                let Some(p) = decode::<StrokePoints>(data) else { return };
                if !self.is_new(p.seq.unwrap_or(u64::MAX)) {
                    return;
                }
                let Some(s) = self.strokes.iter_mut().find(|s| s.id == p.id) else { return };
                let from = s.points.len() / 2;
                s.points.extend(p.points);
                if s.tool == Tool::Pen {
                    self.renderer.draw(s, from);
                } else {
                    self.redraw();
                }
            }
            event::STROKE_REMOVE => {
                let Some(StrokeRemove { ids, seq }) = decode(data) else { return };
                if self.is_new(seq) {
                    self.remove_strokes(&ids);
                }
            }
            event::STROKE_RESTORE => {
                let Some(StrokeRestore { stroke, seq }) = decode(data) else { return };
                if self.is_new(seq) {
                    self.add_stroke(stroke);
                }
            }
            event::CLEAR => {
                let Some(Cleared { seq, .. }) = decode(data) else { return };
                if self.is_new(seq) {
                    self.strokes.clear();
                    self.redraw();
                }
            }
            _ => {}
        }
    }

    /// Relays with a seq at or below the last sync are already in the board.
    fn is_new(&self, seq: u64) -> bool {
        self.synced.is_some_and(|synced| seq > synced)
    }

    fn add_stroke(&mut self, stroke: Stroke) {
        if !self.strokes.iter().any(|s| s.id == stroke.id) {
            self.renderer.draw(&stroke, 0);
            self.strokes.push(stroke);
        }
    }

    fn remove_strokes(&mut self, ids: &[String]) {
        let before = self.strokes.len();
        self.strokes.retain(|s| !ids.contains(&s.id));
        if self.strokes.len() != before {
            self.redraw();
        }
    }

    fn redraw(&self) {
        self.renderer.redraw(&self.strokes);
    }

    /// The history is complete: it becomes the board, keeping our own
    /// strokes that still have unacknowledged changes as we drew them.
    fn finish_sync(&mut self, seq: u64) {
        let mut board = std::mem::take(&mut self.incoming);
        let pending: HashSet<&String> = self.outbox.iter().filter_map(|o| o.stroke.as_ref()).collect();
        for local in self.strokes.iter().filter(|s| pending.contains(&s.id)) {
            match board.iter_mut().find(|s| s.id == local.id) {
                Some(s) => *s = local.clone(),
                None => board.push(local.clone()),
            }
        }
        self.strokes = board;
        self.synced = Some(seq);
        self.redraw();
        // The canvas now shows what the server-rendered SVG showed.
        if let Some(svg) = window().document().and_then(|d| d.query_selector(".first-paint").ok().flatten()) {
            svg.remove();
        }
        self.view.link.set(Link::Connected);
        self.flush_outbox();
    }

    fn on_ack(&mut self, id: u64, data: Value) {
        let Some(i) = self.outbox.iter().position(|o| o.ack == Some(id)) else { return };
        let sent = self.outbox.remove(i);
        match decode::<Ack>(data) {
            Some(Ack { ok: false, error, .. }) => {
                leptos::logging::warn!("scrawl: server refused {}: {}", sent.name, error.unwrap_or_default());
            }
            Some(Ack { removed, restored, .. }) => {
                if let Some(ids) = removed {
                    self.remove_strokes(&ids);
                }
                for stroke in restored.unwrap_or_default() {
                    self.add_stroke(stroke);
                }
            }
            None => {}
        }
        self.update_waiting();
    }

    fn update_waiting(&self) {
        let strokes: HashSet<&String> = self.outbox.iter().filter_map(|o| o.stroke.as_ref()).collect();
        self.view.waiting.set(strokes.len());
    }

    /// Queues an acknowledged event and sends it when synced.
    fn send(&mut self, name: &'static str, stroke: Option<&str>, data: &impl Serialize) {
        let Ok(data) = serde_json::to_value(data) else { return };
        self.outbox.push(Outgoing { name, stroke: stroke.map(str::to_string), data, ack: None });
        self.flush_outbox();
        self.update_waiting();
    }

    fn flush_outbox(&mut self) {
        let (Some(socket), Some(_)) = (&self.socket, self.synced) else { return };
        for o in self.outbox.iter_mut().filter(|o| o.ack.is_none()) {
            match socket.emit_with_ack(o.name, o.data.clone()) {
                Some(id) => o.ack = Some(id),
                None => break,
            }
        }
    }

    fn command(&mut self, command: Command) {
        match command {
            Command::Undo => self.send(event::UNDO, None, &serde_json::json!({})),
            Command::Redo => self.send(event::REDO, None, &serde_json::json!({})),
            Command::Clear => {
                if window()
                    .confirm_with_message("Clear the whole board for everyone? You can undo it.")
                    .unwrap_or(false)
                {
                    self.strokes.clear();
                    self.redraw();
                    self.send(event::CLEAR, None, &serde_json::json!({}));
                }
            }
            Command::Rename(name) => {
                let name = crate::protocol::clean_name(&name);
                if name.is_empty() {
                    return;
                }
                if let Some(s) = storage() {
                    let _ = s.set_item(NAME_KEY, &name);
                }
                if let Some(me) = self.me.as_mut() {
                    me.name = name.clone();
                    let me = me.clone();
                    self.view.me.set(Some(me.clone()));
                    let mut users = self.view.users.get_untracked();
                    users.iter_mut().filter(|u| u.id == me.id).for_each(|u| u.name = me.name.clone());
                    self.view.users.set(users);
                }
                self.send(event::RENAME, None, &Rename { name });
            }
            Command::ResetView => {
                self.renderer.reset_view();
                self.view_changed();
            }
            Command::ExportPng => self.export_png(),
            Command::ExportSvg => {
                download_text(&format!("{}.svg", self.board), "image/svg+xml", &ink::svg_document(&self.strokes, 16.0));
            }
            Command::ExportJson => {
                let doc = serde_json::json!({ "name": self.board, "strokes": self.strokes });
                download_text(&format!("{}.json", self.board), "application/json", &doc.to_string());
            }
        }
    }

    fn export_png(&self) {
        let pad = 16.0;
        let Some(b) = ink::bounds(&self.strokes) else { return };
        let (w, h) = (b.width() as f64 + 2.0 * pad, b.height() as f64 + 2.0 * pad);
        // Twice the resolution, within what browsers allow for one canvas.
        let scale = (2.0f64).min(8192.0 / w.max(h));
        let origin = (b.min_x as f64 - pad, b.min_y as f64 - pad);
        let Some(r) = Renderer::offscreen((w * scale).ceil() as u32, (h * scale).ceil() as u32, scale, origin) else {
            return;
        };
        for s in &self.strokes {
            r.draw(s, 0);
        }
        if let Ok(url) = r.canvas().to_data_url() {
            download(&format!("{}.png", self.board), &url);
        }
    }

    fn next_stroke_id(&mut self) -> String {
        self.counter += 1;
        format!("{}-{:x}-{}", self.client, now() as u64, self.counter)
    }

    fn has_unsent(&self) -> bool {
        match &self.gesture {
            Gesture::Draw { unsent, .. } => !unsent.is_empty(),
            Gesture::Erase { hits, .. } => !hits.is_empty(),
            _ => false,
        }
    }

    fn view_changed(&mut self) {
        self.redraw();
        self.view.zoom.set((self.renderer.zoom * 100.0).round() as u32);
        let positions: Vec<(String, (f32, f32))> = self.cursors.iter().map(|(k, c)| (k.clone(), c.at)).collect();
        for (user, at) in positions {
            self.place_cursor(&user, at);
        }
    }

    fn pointer_down(&mut self, e: &PointerEvent) {
        e.prevent_default();
        let at = (e.client_x() as f64, e.client_y() as f64);
        if let Some(target) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
            let _ = target.set_pointer_capture(e.pointer_id());
        }
        if e.pointer_type() == "touch" {
            self.touches.insert(e.pointer_id(), at);
            if self.touches.len() == 2 {
                // A second finger: pan and pinch instead of drawing.
                self.cancel_gesture();
                let mut ids = self.touches.keys().copied();
                let (a, b) = (ids.next().unwrap_or_default(), ids.next().unwrap_or_default());
                self.gesture = Gesture::Pinch { a, b };
                return;
            }
        }
        if !matches!(self.gesture, Gesture::Idle) {
            return;
        }
        let pan = e.button() == 1 || (e.button() == 0 && self.space_held);
        if pan {
            self.gesture = Gesture::Pan { pointer: e.pointer_id(), last: at };
            return;
        }
        if e.button() != 0 {
            return;
        }
        if e.pointer_type() == "touch" {
            self.gesture = Gesture::Touch { pointer: e.pointer_id(), at };
            return;
        }
        let pressure = if e.pointer_type() == "pen" { e.pressure() } else { 0.0 };
        self.begin(e.pointer_id(), at, pressure);
    }

    /// Starts drawing or erasing with `pointer` at client pixel `at`.
    fn begin(&mut self, pointer: i32, at: (f64, f64), pressure: f32) {
        let (x, y) = self.renderer.to_board(at.0, at.1);
        let tool = self.view.tool.get_untracked();
        if tool == Tool::Eraser {
            self.gesture = Gesture::Erase { pointer, hits: Vec::new() };
            self.erase_at((x, y));
            return;
        }
        let mut width = self.view.width.get_untracked();
        if pressure > 0.0 {
            // Pen pressure: half to one and a half times the chosen width.
            width *= 0.5 + pressure;
        }
        let start = StrokeStart {
            id: self.next_stroke_id(),
            color: self.view.ink(),
            width: width.clamp(crate::protocol::MIN_WIDTH, crate::protocol::MAX_WIDTH),
            tool,
            points: vec![x, y],
        };
        let stroke = start.to_stroke(self.me.as_ref().map_or("", |u| u.id.as_str()));
        self.renderer.draw(&stroke, 0);
        self.strokes.push(stroke);
        self.gesture = Gesture::Draw { pointer, id: start.id.clone(), n: 0, unsent: Vec::new() };
        self.send(event::STROKE_START, Some(&start.id.clone()), &start);
    }

    /// A second finger landed: the stroke the first one began is taken back.
    fn cancel_gesture(&mut self) {
        if let Gesture::Draw { .. } = self.gesture {
            self.finish_gesture();
            self.send(event::UNDO, None, &serde_json::json!({}));
        }
        self.gesture = Gesture::Idle;
    }

    /// The samples of this move, coalesced ones included, in client pixels.
    fn samples(e: &PointerEvent) -> Vec<(f64, f64)> {
        let coalesced = e.get_coalesced_events();
        let mut samples: Vec<(f64, f64)> = coalesced
            .iter()
            .filter_map(|v| v.dyn_into::<PointerEvent>().ok())
            .map(|p| (p.client_x() as f64, p.client_y() as f64))
            .collect();
        if samples.is_empty() {
            samples.push((e.client_x() as f64, e.client_y() as f64));
        }
        samples
    }

    fn pointer_move(&mut self, e: &PointerEvent) {
        let id = e.pointer_id();
        let at = (e.client_x() as f64, e.client_y() as f64);
        self.send_cursor(at);
        let previous = self.touches.get(&id).copied();
        if previous.is_some() {
            self.touches.insert(id, at);
        }
        if let Gesture::Touch { pointer, at: down } = self.gesture {
            if pointer == id {
                self.begin(pointer, down, 0.0);
            }
        }
        match &mut self.gesture {
            Gesture::Idle => {}
            Gesture::Pan { pointer, last } if *pointer == id => {
                let (dx, dy) = (at.0 - last.0, at.1 - last.1);
                *last = at;
                self.renderer.pan(dx, dy);
                self.view_changed();
            }
            Gesture::Pinch { a, b } if *a == id || *b == id => {
                let other = if *a == id { *b } else { *a };
                let (Some(prev), Some(&fixed)) = (previous, self.touches.get(&other)) else { return };
                let mid = |p: (f64, f64)| ((p.0 + fixed.0) / 2.0, (p.1 + fixed.1) / 2.0);
                let dist = |p: (f64, f64)| (p.0 - fixed.0).hypot(p.1 - fixed.1).max(1.0);
                let (m0, m1) = (mid(prev), mid(at));
                self.renderer.pan(m1.0 - m0.0, m1.1 - m0.1);
                self.renderer.zoom_at(m1, dist(at) / dist(prev));
                self.view_changed();
            }
            Gesture::Erase { pointer, .. } if *pointer == id => {
                for (x, y) in Self::samples(e) {
                    let p = self.renderer.to_board(x, y);
                    self.erase_at(p);
                }
            }
            Gesture::Draw { pointer, id: stroke_id, unsent, .. } if *pointer == id => {
                let samples: Vec<(f32, f32)> =
                    Self::samples(e).into_iter().map(|(x, y)| self.renderer.to_board(x, y)).collect();
                let Some(stroke) = self.strokes.iter_mut().rev().find(|s| &s.id == stroke_id) else {
                    // Cleared by someone else while drawing: keep streaming, draw nothing.
                    unsent.extend(samples.iter().flat_map(|&(x, y)| [x, y]));
                    return;
                };
                if stroke.tool == Tool::Pen {
                    let from = stroke.points.len() / 2;
                    for (x, y) in samples {
                        stroke.points.extend([x, y]);
                        unsent.extend([x, y]);
                    }
                    self.renderer.draw(stroke, from);
                } else if let Some(&(x, y)) = samples.last() {
                    // A shape spans its first and last point: stream only the end.
                    if unsent.is_empty() {
                        stroke.points.extend([x, y]);
                        unsent.extend([x, y]);
                    } else {
                        let n = stroke.points.len();
                        stroke.points[n - 2..].copy_from_slice(&[x, y]);
                        let u = unsent.len();
                        unsent[u - 2..].copy_from_slice(&[x, y]);
                    }
                    self.redraw();
                }
            }
            _ => {}
        }
    }

    fn pointer_up(&mut self, e: &PointerEvent) {
        let id = e.pointer_id();
        self.touches.remove(&id);
        if let Gesture::Touch { pointer, at } = self.gesture {
            if pointer == id {
                // A tap: a dot.
                self.begin(pointer, at, 0.0);
            }
        }
        let ends = match &self.gesture {
            Gesture::Draw { pointer, .. } | Gesture::Erase { pointer, .. } | Gesture::Pan { pointer, .. } => {
                *pointer == id
            }
            Gesture::Touch { pointer, .. } => *pointer == id,
            Gesture::Pinch { a, b } => *a == id || *b == id,
            Gesture::Idle => false,
        };
        if ends {
            self.finish_gesture();
            self.gesture = Gesture::Idle;
        }
    }

    fn finish_gesture(&mut self) {
        self.send_unsent();
        if let Gesture::Draw { id, .. } = &self.gesture {
            let id = id.clone();
            self.send(event::STROKE_END, Some(&id.clone()), &StrokeEnd { id, seq: None });
        }
    }

    fn erase_at(&mut self, p: (f32, f32)) {
        let r = (ERASER_RADIUS / self.renderer.zoom) as f32;
        let hit: Vec<String> = self.strokes.iter().filter(|s| ink::touches(s, p, r)).map(|s| s.id.clone()).collect();
        if hit.is_empty() {
            return;
        }
        self.remove_strokes(&hit);
        if let Gesture::Erase { hits, .. } = &mut self.gesture {
            hits.extend(hit);
        }
    }

    /// Sends what the gesture gathered since the last frame.
    fn send_unsent(&mut self) {
        match &mut self.gesture {
            Gesture::Draw { id, n, unsent, .. } => {
                let id = id.clone();
                let unsent = std::mem::take(unsent);
                let mut batches = Vec::new();
                for chunk in unsent.chunks(MAX_POINTS_PER_MESSAGE * 2) {
                    *n += 1;
                    batches.push(StrokePoints { id: id.clone(), n: *n, points: chunk.to_vec(), seq: None });
                }
                for batch in batches {
                    self.send(event::STROKE_POINTS, Some(&id), &batch);
                }
            }
            Gesture::Erase { hits, .. } => {
                let ids = std::mem::take(hits);
                for chunk in ids.chunks(crate::protocol::MAX_ERASE) {
                    self.send(event::ERASE, None, &Erase { ids: chunk.to_vec() });
                }
            }
            _ => {}
        }
    }

    fn wheel(&mut self, e: &WheelEvent) {
        e.prevent_default();
        let factor = (-e.delta_y() * if e.delta_mode() == 1 { 0.05 } else { 0.0015 }).exp();
        self.renderer.zoom_at((e.client_x() as f64, e.client_y() as f64), factor);
        self.view_changed();
    }

    fn key(&mut self, e: &KeyboardEvent, down: bool) {
        if is_typing_target(e) {
            return;
        }
        let key = e.key();
        if key == " " {
            self.space_held = down;
            e.prevent_default();
            return;
        }
        if !down {
            return;
        }
        let modifier = e.ctrl_key() || e.meta_key();
        let lower = key.to_lowercase();
        let command = match (modifier, e.shift_key(), lower.as_str()) {
            (true, false, "z") => Some(Command::Undo),
            (true, true, "z") | (true, false, "y") => Some(Command::Redo),
            (true, true, "e") => Some(Command::ExportPng),
            (false, _, "0") => Some(Command::ResetView),
            _ => None,
        };
        if let Some(command) = command {
            e.prevent_default();
            self.command(command);
            return;
        }
        if modifier {
            return;
        }
        let tool = match lower.as_str() {
            "p" => Some(Tool::Pen),
            "e" => Some(Tool::Eraser),
            "l" => Some(Tool::Line),
            "r" => Some(Tool::Rect),
            "o" => Some(Tool::Ellipse),
            _ => None,
        };
        if let Some(tool) = tool {
            self.view.tool.set(tool);
        }
        let width = self.view.width.get_untracked();
        match key.as_str() {
            "[" => self.view.width.set((width - 1.0).max(1.0)),
            "]" => self.view.width.set((width + 1.0).min(40.0)),
            _ => {}
        }
    }

    fn send_cursor(&mut self, at: (f64, f64)) {
        let t = now();
        if t - self.last_cursor_sent < CURSOR_INTERVAL_MS {
            return;
        }
        let (Some(socket), Some(_)) = (&self.socket, self.synced) else { return };
        let (x, y) = self.renderer.to_board(at.0, at.1);
        if let Ok(data) = serde_json::to_value(Cursor { x, y }) {
            socket.emit(event::CURSOR, data);
            self.last_cursor_sent = t;
        }
    }

    fn show_cursor(&mut self, moved: CursorMoved) {
        let Some(layer) = self.cursor_layer.clone() else { return };
        let users = self.view.users.get_untracked();
        let Some(user) = users.iter().find(|u| u.id == moved.user) else { return };
        if !self.cursors.contains_key(&moved.user) {
            let Some(el) = window()
                .document()
                .and_then(|d| d.create_element("div").ok())
                .and_then(|e| e.dyn_into::<HtmlElement>().ok())
            else {
                return;
            };
            el.set_class_name("cursor");
            let _ = layer.append_child(&el);
            self.cursors.insert(moved.user.clone(), RemoteCursor { el, at: (0.0, 0.0), seen: 0.0 });
        }
        if let Some(c) = self.cursors.get_mut(&moved.user) {
            c.el.set_text_content(Some(&user.name));
            let _ = c.el.style().set_property("--color", &user.color);
            c.seen = now();
            let _ = c.el.class_list().remove_1("idle");
        }
        self.place_cursor(&moved.user, (moved.x, moved.y));
    }

    fn place_cursor(&mut self, user: &str, at: (f32, f32)) {
        let (x, y) = self.renderer.to_client(at.0, at.1);
        if let Some(c) = self.cursors.get_mut(user) {
            c.at = at;
            let _ = c.el.style().set_property("transform", &format!("translate({x:.1}px, {y:.1}px)"));
        }
    }

    fn fade_cursors(&mut self) {
        let t = now();
        for c in self.cursors.values() {
            if t - c.seen > CURSOR_IDLE_MS {
                let _ = c.el.class_list().add_1("idle");
            }
        }
    }
}
