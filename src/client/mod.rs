//! The board page's live session in the browser: connects the socket, turns
//! what arrives into [`ServerMessage`]s for the sync core, renders what the
//! core says changed, sends its outbox, and runs the page's commands.
//!
//! - `input`: pointer, touch and pen gestures, streamed once per frame.
//! - `keys`: keyboard shortcuts.
//! - `canvas`: the canvas renderer with its pan and zoom.
//! - `cursors`: other people's pointers over the canvas.
//! - `export`: PNG, SVG and JSON downloads.
//! - `local`: what this browser remembers in localStorage, the keys of
//!   the boards' links among it.
//! - `share`: copying links, and the owner's commands.
//! - `select`: the selection: picking, moving, resizing, the others'
//!   selections, and delete, duplicate, copy, cut and paste.
//! - `text`: typing texts and notes on the board.
//! - `images`: the loaded images, and adding one (button, paste, drop).
//! - `present`: the laser pointer, our viewport, following someone's.
//! - `history`: the History panel: any moment of the board, restoring it.
//! - `arrival`: a board's history drawn as it arrives, a big one as a
//!   sketch first.

mod arrival;
mod canvas;
mod cursors;
mod export;
mod history;
mod images;
mod input;
mod keys;
mod local;
mod present;
mod select;
mod share;
mod text;

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::{Effect, Get, GetUntracked, Set, WithUntracked};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{ClipboardEvent, DragEvent, HtmlCanvasElement, KeyboardEvent, MouseEvent, PointerEvent, WheelEvent};

use crate::i18n::Texts;
use crate::protocol::{
    clean_name, Access, Add, Auth, BoardName, Clear, EditText, Event, Order, Redo, Rename, ServerMessage, StrokeId,
    TransformObjects, Undo,
};
use crate::socketio::browser::{BrowserSocket, SocketEvent};
use crate::sync::{Acknowledged, BoardSync, Change};
use crate::ui::{BoardView, Command, Link};
use canvas::Renderer;
use cursors::Cursors;
use input::{listen, Input};

pub use local::recent_boards;

struct Session {
    board: BoardName,
    /// This browser's id, which our stroke ids start with.
    client: String,
    view: BoardView,
    renderer: Renderer,
    socket: Option<BrowserSocket>,
    sync: BoardSync,
    input: Input,
    cursors: Cursors,
    /// When the server, refusing an event for now, asked us to send again
    /// (`Date.now()` milliseconds); nothing goes out before.
    resume_at: f64,
    /// We may not join the board (kicked, private) or it is gone: the
    /// socket stopped for good.
    stopped: bool,
    /// Changes of ours were refused as read-only (the owner locked the
    /// board while we drew): what we show is no longer the board, so it
    /// syncs again once nothing of ours waits.
    resync: bool,
    /// What the next connection asks for as `auth.since`: the seq this
    /// replica is complete up to, unless it must sync whole.
    since: Rc<std::cell::Cell<Option<(u64, u32)>>>,
    /// The page's texts, for what the session says.
    texts: Texts,
    selection: select::Selection,
    /// The text or note being typed, if any.
    editor: Option<text::Editor>,
    /// The last typing session's number.
    text_session: u32,
    /// The session itself, for callbacks it sets up later.
    this: std::rc::Weak<RefCell<Session>>,
    images: Rc<images::ImageCache>,
    presenting: present::Presenting,
    /// The History panel's timeline, once loaded: the canvas shows it.
    scrub: Option<history::Scrub>,
    /// The board's history as it is drawn on arrival.
    arrival: arrival::Arrival,
}

type Shared = Rc<RefCell<Session>>;

/// The edits of objects, which change them in our replica before the server
/// answers.
const EDITS: [&str; 4] = [Add::NAME, TransformObjects::NAME, Order::NAME, EditText::NAME];

/// The code of the server's refusals of a change for a viewer.
const READ_ONLY: &str = "read-only";
/// The texts of the connection refusals that stay for a while: the board
/// or our auth is invalid, the board is private and our key does not open
/// it, or its owner kicked us. The server says them in our language
/// (`auth.lang`).
const FINAL_REFUSALS: [&str; 5] = ["error.board", "error.auth", "error.private", "error.invalid_key", "error.kicked"];

fn window() -> web_sys::Window {
    web_sys::window().expect("window")
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// Starts the live session of board `board` on `canvas`, and makes it run
/// the page's commands.
pub fn start(board: BoardName, canvas: HtmlCanvasElement, view: BoardView, texts: Texts) {
    local::remember_board(&board);
    local::take_key_from_address(&board, &texts);
    view.key.set(local::key(&board));
    view.origin.set(window().location().origin().unwrap_or_default());
    let client = local::client_id();
    let since = Rc::new(std::cell::Cell::new(None));
    let auth = {
        let (board, client, lang, since) = (board.to_string(), client.clone(), texts.locale().tag(), since.clone());
        move || {
            let token = local::key(&board);
            let (name, client, lang) = (local::name(), Some(client.clone()), Some(lang.to_owned()));
            let (since, epoch) = since.get().unzip();
            let auth = Auth { board: board.clone(), name, client, token, lang, since, epoch, packed: true };
            serde_json::to_string(&auth).ok()
        }
    };
    let images = Rc::new(images::ImageCache::default());
    let session: Shared = Rc::new(RefCell::new(Session {
        board,
        client,
        view,
        renderer: Renderer::new(canvas.clone(), images.clone()),
        socket: None,
        sync: BoardSync::default(),
        input: Input::default(),
        cursors: Cursors::new(),
        resume_at: 0.0,
        stopped: false,
        resync: false,
        since,
        texts,
        selection: select::Selection::default(),
        editor: None,
        // Numbers not reused by this client's earlier pages.
        text_session: (now() as u64 % 1_000_000_000) as u32,
        this: std::rc::Weak::new(),
        images: images.clone(),
        presenting: present::Presenting::default(),
        scrub: None,
        arrival: arrival::Arrival::default(),
    }));
    session.borrow_mut().this = Rc::downgrade(&session);
    images.set_on_load({
        let session = Rc::downgrade(&session);
        move || {
            if let Some(Ok(s)) = session.upgrade().as_ref().map(|s| s.try_borrow()) {
                s.redraw();
            }
        }
    });
    view.connect({
        let session = session.clone();
        move |command| Session::run(&session, command)
    });
    // Someone to follow picked in the people panel (or a summons): their view.
    Effect::new({
        let session = session.clone();
        move |_| {
            if view.following.get().is_some() {
                if let Ok(mut s) = session.try_borrow_mut() {
                    s.follow();
                }
            }
        }
    });
    // A tool picked in the toolbar: the session follows (a tool other than Select drops the selection).
    Effect::new({
        let session = session.clone();
        move |_| {
            let tool = view.tool.get();
            if let Ok(mut s) = session.try_borrow_mut() {
                s.tool_picked(tool);
            }
        }
    });

    let on_socket = {
        let session = session.clone();
        move |e: SocketEvent| session.borrow_mut().on_socket(e)
    };
    let name = session.borrow().board.to_string();
    session.borrow_mut().socket = Some(BrowserSocket::connect(&name, auth, on_socket));

    listen(&canvas, "pointerdown", &session, |s, e: PointerEvent| s.pointer_down(&e));
    listen(&canvas, "pointermove", &session, |s, e: PointerEvent| s.pointer_move(&e));
    listen(&canvas, "pointerup", &session, |s, e: PointerEvent| s.pointer_up(&e));
    listen(&canvas, "pointercancel", &session, |s, e: PointerEvent| s.pointer_up(&e));
    listen(&canvas, "wheel", &session, |s, e: WheelEvent| s.wheel(&e));
    listen(&canvas, "dblclick", &session, |s, e: MouseEvent| s.double_click(&e));
    listen(&canvas, "dragover", &session, |_, e: DragEvent| e.prevent_default());
    {
        let shared = session.clone();
        let dropped = Closure::<dyn FnMut(DragEvent)>::new(move |e: DragEvent| {
            e.prevent_default();
            let at = shared.borrow().renderer.to_board(e.client_x() as f64, e.client_y() as f64);
            images::add_files(&shared, e.data_transfer().and_then(|d| d.files()), Some(at));
        });
        let _ = canvas.add_event_listener_with_callback("drop", dropped.as_ref().unchecked_ref());
        dropped.forget();
    }
    let win: web_sys::EventTarget = window().into();
    listen(&win, "keydown", &session, |s, e: KeyboardEvent| s.key(&e, true));
    listen(&win, "keyup", &session, |s, e: KeyboardEvent| s.key(&e, false));
    listen(&win, "paste", &session, |s, e: ClipboardEvent| s.paste(&e));
    listen(&win, "resize", &session, |s, _: web_sys::Event| {
        s.renderer.resize();
        s.show_view();
    });
    // Once a second: fade idle cursors, and send what waited out a refusal.
    let tick = Closure::<dyn FnMut()>::new(move || {
        let mut s = session.borrow_mut();
        s.cursors.fade();
        s.flush();
        s.tell_view_if_waiting();
        if s.resync && s.sync.waiting_strokes() == 0 {
            s.resync = false;
            s.sync.sync_fully_next();
            s.since.set(None);
            if let Some(socket) = &s.socket {
                socket.reconnect();
            }
        }
        if s.sync.missed_relay(now()) {
            leptos::logging::warn!("scrawl: a change never arrived; syncing the board again");
            if let Some(socket) = &s.socket {
                socket.reconnect();
            }
        }
    });
    let _ = window().set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), 1000);
    tick.forget();
}

impl Session {
    fn on_socket(&mut self, e: SocketEvent) {
        match e {
            SocketEvent::Connected => {}
            SocketEvent::Lost { retry_ms } => {
                self.sync.connection_lost();
                self.since.set(self.sync.resume_point());
                self.view.link.set(Link::Reconnecting(retry_ms.div_ceil(1000) as u32));
            }
            SocketEvent::Declined(why) => {
                // Trying again changes nothing for a while: say why and stop.
                if FINAL_REFUSALS.iter().any(|key| self.texts.matches(key, &why)) {
                    self.stop();
                    self.view.link.set(Link::Refused(why));
                }
            }
            SocketEvent::Ack { id, data } => self.on_ack(id, &data),
            SocketEvent::Event { name, data, attachments } => {
                let message = if attachments.is_empty() {
                    ServerMessage::decode(&name, &data).map_err(|e| e.to_string())
                } else {
                    ServerMessage::decode_binary(&name, &data, &attachments).map(Some).map_err(|e| e.to_string())
                };
                match message {
                    Ok(Some(message)) => {
                        let change = self.sync.receive(message);
                        self.render(change);
                    }
                    Ok(None) => {}
                    Err(e) => leptos::logging::warn!("scrawl: bad payload: {e}"),
                }
            }
        }
    }

    fn on_ack(&mut self, id: u64, data: &str) {
        match self.sync.acknowledge(id, data) {
            Acknowledged::Unknown => return,
            Acknowledged::Done(change) => {
                self.view.notice.set(None);
                self.render(change);
            }
            Acknowledged::Retry { after_ms, .. } => self.resume_at = self.resume_at.max(now() + after_ms as f64),
            Acknowledged::Refused { event, error, code } => {
                let error = error.unwrap_or_default();
                leptos::logging::warn!("scrawl: server refused {event}: {error}");
                let t = &self.texts;
                if code.as_deref() == Some(READ_ONLY) {
                    self.resync = true;
                    // English keeps protocol v1's prefix, which the notice says already.
                    let why = error.strip_prefix("read-only: ").unwrap_or(&error);
                    self.view.notice.set(Some(t.fill("status.not_saved_view_only", &[("why", &why)])));
                } else if EDITS.contains(&event) {
                    // Our replica shows an edit the board does not have: sync again once nothing of ours waits.
                    self.resync = true;
                    self.view.notice.set(Some(t.fill("status.not_saved", &[("why", &error)])));
                } else if share::is_owner_event(event) {
                    // Puts the settings in the dialog back as they are.
                    self.view.access.set(self.sync.access().cloned());
                    self.view.notice.set(Some(t.fill("status.not_done", &[("why", &error)])));
                } else if event != Undo::NAME && event != Redo::NAME {
                    // Nothing to undo or redo is no news; anything else did not happen.
                    self.view.notice.set(Some(t.fill("status.not_saved", &[("why", &error)])));
                }
            }
            Acknowledged::Unreadable(e) => leptos::logging::warn!("scrawl: bad payload: {e}"),
        }
        self.show_waiting();
    }

    /// Shows what the sync core changed.
    fn render(&mut self, change: Change) {
        match change {
            Change::None => {}
            // The canvas shows a moment of the history: the live board waits.
            Change::Added { .. } | Change::Extended { .. } if self.scrub.is_some() => {}
            Change::Added { from } => {
                for stroke in &self.sync.strokes()[from..] {
                    self.renderer.draw(stroke, 0);
                }
            }
            Change::Extended { index, from } => self.renderer.draw(&self.sync.strokes()[index], from),
            // Drawn as they arrive, overlapping the download; a preview shown
            // meanwhile leaves them to the redraw that ends it.
            Change::Arrived { .. } if self.scrub.is_some() => {}
            // A connection's first chunk: what a lost one drew goes, what we
            // draw meanwhile stays.
            Change::Arrived { first: true } => self.redraw(),
            Change::Arrived { first: false } => self.arrival.draw(&self.renderer, self.sync.arrived(), false),
            Change::Redraw => self.selection_changed(None),
            Change::Synced { drawn } => {
                if !drawn || self.scrub.is_some() {
                    self.redraw();
                } else if self.arrival.synced(&self.renderer, self.sync.strokes()) {
                    self.refine_next_frame();
                }
                // The canvas now shows what the server-rendered SVG showed.
                if let Some(svg) = window().document().and_then(|d| d.query_selector(".first-paint").ok().flatten()) {
                    svg.remove();
                }
                self.view.link.set(Link::Connected);
                self.flush();
                self.tell_view();
            }
            Change::People => {
                self.view.me.set(self.sync.me().cloned());
                self.view.users.set(self.sync.users().to_vec());
                self.access_changed();
            }
            Change::Access => self.access_changed(),
            Change::Deleted => {
                self.stop();
                local::forget_key(&self.board);
                self.view.key.set(None);
                self.view.link.set(Link::Deleted);
            }
            Change::Presence => {
                // Someone new may want to follow us: they learn our view now.
                if self.sync.users().len() > self.view.users.with_untracked(Vec::len) {
                    self.tell_view_now();
                }
                self.cursors.keep(self.sync.users());
                self.keep_selections();
                self.keep_viewports();
                self.view.users.set(self.sync.users().to_vec());
            }
            Change::Selection(selected) => self.show_selection(selected),
            Change::Laser(laser) => self.show_laser(laser),
            Change::Viewport(moved) => self.viewport_moved(moved),
            Change::Summoned(user) => {
                if self.sync.me().is_some_and(|me| me.id != user) {
                    self.view.following.set(Some(user));
                }
            }
            Change::Cursor(moved) => {
                if let Some(user) = self.sync.user(&moved.user) {
                    self.cursors.show(user, (moved.x, moved.y), &self.renderer);
                }
            }
        }
    }

    /// Whether we may change the board: the server would accept it, and the
    /// canvas shows the live board, not a moment of its history.
    fn may_draw(&self) -> bool {
        self.may_edit() && !self.previewing()
    }

    /// Whether our changes would be accepted: we are on the board, and our
    /// role lets us (or the server has not said otherwise yet).
    fn may_edit(&self) -> bool {
        !self.stopped && !self.sync.is_deleted() && self.sync.access().is_none_or(Access::can_draw)
    }

    fn access_changed(&mut self) {
        if self.sync.access().is_some_and(|a| a.role == crate::protocol::Role::Owner) {
            local::keep_owner_key(&self.board);
        }
        self.view.access.set(self.sync.access().cloned());
        if !self.may_draw() {
            self.stop_drawing();
        }
    }

    /// No more connections: the board is gone, or we may not join it.
    fn stop(&mut self) {
        self.stopped = true;
        self.stop_drawing();
        if let Some(socket) = &self.socket {
            socket.stop();
        }
    }

    /// Draws the whole board: objects where they show (dragged ones moved,
    /// the one being typed into left to its text area), then the selections.
    fn redraw(&self) {
        self.arrival.drop_sketch();
        self.renderer.clear();
        if let Some(scrub) = self.scrub.as_ref() {
            return scrub.draw(&self.renderer);
        }
        let moving = self.moving();
        for s in self.sync.strokes() {
            if self.is_editing(&s.id) {
                if s.tool == crate::protocol::Tool::Note {
                    self.renderer.draw(&crate::protocol::Stroke { text: None, ..s.clone() }, 0);
                }
                continue;
            }
            self.renderer.draw(&Self::shown(s, &moving), 0);
        }
        // Before the sync, the history so far: a big one as a sketch again.
        self.arrival.draw(&self.renderer, self.sync.arrived(), true);
        self.draw_selections(&moving);
    }

    /// Draws the next slice of a sketched board in full at the next frame,
    /// and so on until none is left. A gesture under way (drawing, say)
    /// keeps its frames to itself: the slices wait for it to end.
    fn refine_next_frame(&self) {
        let session = self.this.clone();
        let frame = Closure::once_into_js(move || {
            let Some(session) = session.upgrade() else { return };
            let mut s = session.borrow_mut();
            let s = &mut *s;
            let idle = matches!(s.input.gesture, input::Gesture::Idle);
            if s.arrival.refining() && (!idle || s.arrival.refine(&s.renderer, s.sync.strokes())) {
                s.refine_next_frame();
            }
        });
        let _ = window().request_animation_frame(frame.unchecked_ref());
    }

    /// We panned or zoomed: we follow nobody any more.
    fn view_changed(&mut self) {
        if self.view.following.get_untracked().is_some() {
            self.view.following.set(None);
        }
        self.show_view();
    }

    /// Our view changed: tell the others, and show it.
    fn show_view(&mut self) {
        self.tell_view();
        self.refresh_view();
    }

    /// The view changed: redraw, move the cursors and the text being typed along.
    fn refresh_view(&mut self) {
        self.redraw();
        self.place_editor();
        self.view.zoom.set((self.renderer.zoom * 100.0).round() as u32);
        self.cursors.place_all(&self.renderer);
    }

    /// Queues an acknowledged event about `strokes` and sends it when synced.
    fn send<E: Event>(&mut self, event: &E, strokes: &[StrokeId]) {
        self.sync.queue(event, strokes);
        self.flush();
        self.show_waiting();
    }

    /// Sends what waits, in order, unless a refusal asked to wait longer.
    fn flush(&mut self) {
        if now() < self.resume_at {
            return;
        }
        let Some(socket) = &self.socket else { return };
        self.sync.flush(|name, data| socket.emit_with_ack(name, data));
    }

    fn show_waiting(&self) {
        self.view.waiting.set(self.sync.waiting_strokes());
    }

    /// Runs a command of the page. A command that arrives while the session
    /// is busy (an event the session's own work set off, such as a field
    /// losing focus) runs right after.
    fn run(session: &Shared, command: Command) {
        match session.try_borrow_mut() {
            Ok(mut s) => s.command(command),
            Err(_) => {
                let session = session.clone();
                let later = Closure::once_into_js(move || session.borrow_mut().command(command));
                let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(later.unchecked_ref(), 0);
            }
        }
    }

    fn command(&mut self, command: Command) {
        let draws = matches!(
            command,
            Command::Undo
                | Command::Redo
                | Command::Clear
                | Command::Delete
                | Command::Duplicate
                | Command::Cut
                | Command::Paste
                | Command::Front
                | Command::Back
                | Command::AddImage
        );
        if draws && !self.may_draw() {
            return;
        }
        self.end_editing();
        match command {
            Command::Delete => self.delete_selection(),
            Command::Duplicate => self.duplicate_selection(),
            Command::Copy => self.copy_selection(),
            Command::Cut => self.cut_selection(),
            Command::Paste => {
                if let Some(session) = self.this.upgrade() {
                    // Reads the clipboard once this command is done with the session.
                    let read = Closure::once_into_js(move || Session::paste_from_clipboard(&session));
                    let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(read.unchecked_ref(), 0);
                }
            }
            Command::Front => self.reorder(true),
            Command::Back => self.reorder(false),
            Command::Undo => self.send(&Undo, &[]),
            Command::Redo => self.send(&Redo, &[]),
            Command::Clear => {
                if window().confirm_with_message(self.texts.get("tools.clear_confirm")).unwrap_or(false) {
                    let change = self.sync.clear();
                    self.render(change);
                    self.send(&Clear, &[]);
                }
            }
            Command::Rename(name) => {
                let name = clean_name(&name);
                if name.is_empty() {
                    return;
                }
                local::save_name(&name);
                let change = self.sync.rename(&name);
                self.render(change);
                self.send(&Rename { name }, &[]);
            }
            Command::ResetView => {
                self.renderer.reset_view();
                self.view_changed();
            }
            Command::ExportPng => export::png(&self.board, self.sync.strokes(), &self.renderer),
            Command::ExportSvg => export::svg(&self.board, self.sync.strokes(), &self.images),
            Command::AddImage => self.choose_images(),
            Command::ExportJson => export::json(&self.board, self.sync.strokes()),
            Command::CopyLink(text) => share::copy(self.view, text),
            Command::Owner(command) => self.owner_command(command),
            Command::History(command) => self.history(command),
        }
    }
}
