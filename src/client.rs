//! The board page's live session in the browser: pointer input drawn at
//! once and streamed per animation frame, the outbox of unacknowledged
//! events (resent after a reconnect), and the board as the server syncs it.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, PointerEvent};

use leptos::prelude::Set;

use crate::app::{BoardView, Link};
use crate::canvas::Renderer;
use crate::protocol::{
    event, merge_history, Ack, Auth, Cleared, History, Presence, Stroke, StrokeEnd, StrokePoints,
    StrokeRemove, StrokeRestore, StrokeStart, StrokeStarted, Synced, Tool, User, Welcome,
    MAX_POINTS_PER_MESSAGE,
};
use crate::socketio::browser::{BrowserSocket, SocketEvent};

const CLIENT_KEY: &str = "scrawl.client";
const NAME_KEY: &str = "scrawl.name";
const PEN_WIDTH: f32 = 4.0;

/// An acknowledged event, kept until the server confirms it.
struct Outgoing {
    name: &'static str,
    stroke: Option<String>,
    data: Value,
    /// Ack id on the current connection, once sent.
    ack: Option<u64>,
}

/// The stroke under the pointer.
struct Drawing {
    id: String,
    pointer: i32,
    n: u32,
    unsent: Vec<f32>,
}

struct Session {
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
    drawing: Option<Drawing>,
    counter: u32,
    frame_requested: bool,
}

type Shared = Rc<RefCell<Session>>;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// This browser's stable client id, kept in localStorage.
fn client_id() -> String {
    let stored = storage().and_then(|s| s.get_item(CLIENT_KEY).ok().flatten());
    stored.unwrap_or_else(|| {
        let id = web_sys::window()
            .and_then(|w| w.crypto().ok())
            .map(|c| c.random_uuid())
            .unwrap_or_else(|| format!("{:x}", (js_sys::Math::random() * 1e15) as u64));
        if let Some(s) = storage() {
            let _ = s.set_item(CLIENT_KEY, &id);
        }
        id
    })
}

/// Starts the live session of board `board` on `canvas`.
pub fn start(board: String, canvas: HtmlCanvasElement, view: BoardView) {
    let client = client_id();
    let session: Shared = Rc::new(RefCell::new(Session {
        view,
        renderer: Renderer::new(canvas.clone()),
        socket: None,
        client: client.clone(),
        me: None,
        strokes: Vec::new(),
        incoming: Vec::new(),
        synced: None,
        outbox: Vec::new(),
        drawing: None,
        counter: 0,
        frame_requested: false,
    }));

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

    listen(&canvas, "pointerdown", &session, |s, e| s.pointer_down(e));
    listen(&canvas, "pointermove", &session, |s, e| s.pointer_move(e));
    listen(&canvas, "pointerup", &session, |s, e| s.pointer_up(e));
    listen(&canvas, "pointercancel", &session, |s, e| s.pointer_up(e));
    let on_resize = {
        let session = session.clone();
        Closure::<dyn FnMut()>::new(move || {
            let s = session.borrow();
            s.renderer.resize();
            s.renderer.redraw(&s.strokes);
        })
    };
    if let Some(w) = web_sys::window() {
        let _ = w.add_event_listener_with_callback("resize", on_resize.as_ref().unchecked_ref());
    }
    on_resize.forget();
}

fn listen(canvas: &HtmlCanvasElement, name: &str, session: &Shared, handler: fn(&mut Session, &PointerEvent)) {
    let session = session.clone();
    let closure = Closure::<dyn FnMut(PointerEvent)>::new(move |e: PointerEvent| {
        e.prevent_default();
        let schedule = {
            let mut s = session.borrow_mut();
            handler(&mut s, &e);
            s.drawing.as_ref().is_some_and(|d| !d.unsent.is_empty()) && !std::mem::replace(&mut s.frame_requested, true)
        };
        if schedule {
            request_frame(session.clone());
        }
    });
    let _ = canvas.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
    closure.forget();
}

/// Streams the points gathered during this frame as one batch.
fn request_frame(session: Shared) {
    let frame = Closure::once_into_js(move || {
        let mut s = session.borrow_mut();
        s.frame_requested = false;
        s.send_unsent();
    });
    if let Some(w) = web_sys::window() {
        let _ = w.request_animation_frame(frame.unchecked_ref());
    }
}

fn decode<T: DeserializeOwned>(data: Value) -> Option<T> {
    serde_json::from_value(data).map_err(|e| leptos::logging::warn!("scrawl: bad payload: {e}")).ok()
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
                    self.view.users.set(users);
                }
            }
            event::STROKE_START => {
                let Some(StrokeStarted { stroke, seq }) = decode(data) else { return };
                if self.is_new(seq) && !self.strokes.iter().any(|s| s.id == stroke.id) {
                    self.renderer.draw(&stroke, 0);
                    self.strokes.push(stroke);
                }
            }
            event::STROKE_POINTS => {
                let Some(p) = decode::<StrokePoints>(data) else { return };
                if !self.is_new(p.seq.unwrap_or(u64::MAX)) {
                    return;
                }
                if let Some(s) = self.strokes.iter_mut().find(|s| s.id == p.id) {
                    let from = s.points.len() / 2;
                    s.points.extend(p.points);
                    self.renderer.draw(s, from);
                }
            }
            event::STROKE_REMOVE => {
                let Some(StrokeRemove { ids, seq }) = decode(data) else { return };
                if self.is_new(seq) {
                    self.strokes.retain(|s| !ids.contains(&s.id));
                    self.renderer.redraw(&self.strokes);
                }
            }
            event::STROKE_RESTORE => {
                let Some(StrokeRestore { stroke, seq }) = decode(data) else { return };
                if self.is_new(seq) && !self.strokes.iter().any(|s| s.id == stroke.id) {
                    self.renderer.draw(&stroke, 0);
                    self.strokes.push(stroke);
                }
            }
            event::CLEAR => {
                let Some(Cleared { seq, .. }) = decode(data) else { return };
                if self.is_new(seq) {
                    self.strokes.clear();
                    self.renderer.clear();
                }
            }
            _ => {}
        }
    }

    /// Relays with a seq at or below the last sync are already in the board.
    fn is_new(&self, seq: u64) -> bool {
        self.synced.is_some_and(|synced| seq > synced)
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
        self.renderer.redraw(&self.strokes);
        self.view.link.set(Link::Connected);
        self.flush_outbox();
    }

    fn on_ack(&mut self, id: u64, data: Value) {
        let Some(i) = self.outbox.iter().position(|o| o.ack == Some(id)) else { return };
        let sent = self.outbox.remove(i);
        if let Some(Ack { ok: false, error, .. }) = decode::<Ack>(data) {
            leptos::logging::warn!("scrawl: server refused {}: {}", sent.name, error.unwrap_or_default());
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

    fn next_stroke_id(&mut self) -> String {
        self.counter += 1;
        let now = js_sys::Date::now() as u64;
        format!("{}-{:x}-{}", self.client, now, self.counter)
    }

    fn pointer_down(&mut self, e: &PointerEvent) {
        if e.button() != 0 || self.drawing.is_some() {
            return;
        }
        if let Some(target) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
            let _ = target.set_pointer_capture(e.pointer_id());
        }
        let (x, y) = self.renderer.to_board(e.client_x() as f64, e.client_y() as f64);
        let color = self.me.as_ref().map(|u| u.color.clone()).unwrap_or_else(|| "#1e1e1e".into());
        let start = StrokeStart { id: self.next_stroke_id(), color, width: PEN_WIDTH, tool: Tool::Pen, points: vec![x, y] };
        let user = self.me.as_ref().map(|u| u.id.clone()).unwrap_or_default();
        let stroke = Stroke {
            id: start.id.clone(),
            user,
            color: start.color.clone(),
            width: start.width,
            tool: start.tool,
            points: start.points.clone(),
        };
        self.renderer.draw(&stroke, 0);
        self.strokes.push(stroke);
        self.drawing = Some(Drawing { id: start.id.clone(), pointer: e.pointer_id(), n: 0, unsent: Vec::new() });
        self.send(event::STROKE_START, Some(&start.id.clone()), &start);
    }

    fn pointer_move(&mut self, e: &PointerEvent) {
        let Some(d) = self.drawing.as_mut().filter(|d| d.pointer == e.pointer_id()) else { return };
        // Coalesced events keep every sample of a fast stroke.
        let coalesced = e.get_coalesced_events();
        let samples: Vec<(f64, f64)> = if coalesced.length() > 0 {
            coalesced
                .iter()
                .filter_map(|v| v.dyn_into::<PointerEvent>().ok())
                .map(|p| (p.client_x() as f64, p.client_y() as f64))
                .collect()
        } else {
            vec![(e.client_x() as f64, e.client_y() as f64)]
        };
        let Some(stroke) = self.strokes.iter_mut().rev().find(|s| s.id == d.id) else {
            // Cleared by someone else while drawing: keep streaming, draw nothing.
            for (x, y) in samples {
                let (x, y) = self.renderer.to_board(x, y);
                d.unsent.extend([x, y]);
            }
            return;
        };
        let from = stroke.points.len() / 2;
        for (x, y) in samples {
            let (x, y) = self.renderer.to_board(x, y);
            stroke.points.extend([x, y]);
            d.unsent.extend([x, y]);
        }
        self.renderer.draw(stroke, from);
    }

    fn pointer_up(&mut self, e: &PointerEvent) {
        if !self.drawing.as_ref().is_some_and(|d| d.pointer == e.pointer_id()) {
            return;
        }
        self.send_unsent();
        if let Some(d) = self.drawing.take() {
            self.send(event::STROKE_END, Some(&d.id.clone()), &StrokeEnd { id: d.id, seq: None });
        }
    }

    /// Sends the points drawn since the last batch.
    fn send_unsent(&mut self) {
        let Some(d) = self.drawing.as_mut() else { return };
        let unsent = std::mem::take(&mut d.unsent);
        let id = d.id.clone();
        let mut batches = Vec::new();
        for chunk in unsent.chunks(MAX_POINTS_PER_MESSAGE * 2) {
            d.n += 1;
            batches.push(StrokePoints { id: id.clone(), n: d.n, points: chunk.to_vec(), seq: None });
        }
        for batch in batches {
            self.send(event::STROKE_POINTS, Some(&id), &batch);
        }
    }
}
