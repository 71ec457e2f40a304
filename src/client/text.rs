//! Typing on the board: the Text tool's caret and the Note tool's notes.
//! A `<textarea>` over the canvas takes the typing; the object is added
//! with the first character (a note at once) and its text goes out at
//! most ten times a second while typed, all as one editing session, which
//! one undo takes back. `Esc` or a click elsewhere ends it.

use leptos::prelude::GetUntracked;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{HtmlTextAreaElement, KeyboardEvent};

use std::cell::RefCell;
use std::rc::Weak;

use super::{now, window, Session};
use crate::ink;
use crate::protocol::{EditText, Erase, NewObject, StrokeId, Tool, MAX_TEXT, MAX_WIDTH, MIN_WIDTH};

/// Text edits sent per second, at most.
const TEXT_INTERVAL_MS: f64 = 100.0;
/// A new note's side, in board units, and its font size.
const NOTE_SIDE: f32 = 200.0;
const NOTE_FONT: f32 = 18.0;

/// The text being typed.
pub(super) struct Editor {
    id: StrokeId,
    tool: Tool,
    /// Where a new text's top-left corner goes.
    at: (f32, f32),
    /// The object is on the board (added, or edited).
    added: bool,
    session: u32,
    area: HtmlTextAreaElement,
    /// Text typed but not sent yet.
    unsent: Option<String>,
    last_sent: f64,
    timer: Option<i32>,
}

/// A light version of `color` for a note: mixed with 70% white.
fn pastel(color: &str) -> String {
    let channel = |i: usize| u8::from_str_radix(&color[i..i + 2], 16).unwrap_or(0);
    let light = |c: u8| c + ((255 - c) as f32 * 0.7) as u8;
    format!("#{:02x}{:02x}{:02x}", light(channel(1)), light(channel(3)), light(channel(5)))
}

impl Session {
    /// A press with the Text or Note tool at board point `p`: edits the text
    /// or note there, else starts a new one.
    pub(super) fn place_text(&mut self, tool: Tool, p: (f32, f32)) {
        self.end_editing();
        let r = (4.0 / self.renderer.zoom) as f32;
        if let Some(hit) = ink::topmost(self.sync.strokes(), p, r).filter(|s| s.text.is_some()) {
            let id = hit.id.clone();
            return self.edit_text(&id);
        }
        let Some(id) = self.next_stroke_id() else { return };
        let session = self.next_session();
        if tool == Tool::Note {
            let (Some(me), Some(color)) = (self.sync.me().map(|u| u.id.clone()), self.view.ink()) else { return };
            let Ok(color) = crate::protocol::Color::new(pastel(&color)) else { return };
            let note = NewObject {
                id: id.clone(),
                color,
                width: NOTE_FONT,
                tool,
                points: vec![p.0, p.1, p.0 + NOTE_SIDE, p.1 + NOTE_SIDE],
                text: Some(String::new()),
                transform: None,
                image: None,
            };
            self.add_objects(vec![note], &me, Some(session));
        }
        self.open_editor(id, tool, p, tool == Tool::Note, session);
    }

    /// Edits the text or note `id` (a double-click, or the Text tool on it).
    pub(super) fn edit_text(&mut self, id: &StrokeId) {
        self.end_editing();
        let Some(object) = self.sync.stroke(id) else { return };
        let tool = object.tool;
        let at = ink::layout(object).map_or((0.0, 0.0), |l| (l.x, l.y));
        let session = self.next_session();
        self.open_editor(id.clone(), tool, at, true, session);
    }

    fn next_session(&mut self) -> u32 {
        self.text_session = self.text_session.wrapping_add(1);
        self.text_session
    }

    fn open_editor(&mut self, id: StrokeId, tool: Tool, at: (f32, f32), added: bool, session: u32) {
        let Some(document) = window().document() else { return };
        let Some(area) =
            document.create_element("textarea").ok().and_then(|e| e.dyn_into::<HtmlTextAreaElement>().ok())
        else {
            return;
        };
        let class = if tool == Tool::Note { "text-editor note" } else { "text-editor" };
        area.set_class_name(class);
        let _ = area.set_attribute("aria-label", self.texts.get("edit.text_label"));
        let _ = area.set_attribute("data-testid", "text-editor");
        let _ = area.set_attribute("spellcheck", "false");
        area.set_max_length(MAX_TEXT as i32);
        let text = self.sync.stroke(&id).and_then(|s| s.text.clone()).unwrap_or_default();
        area.set_value(&text);
        if let Some(parent) = self.renderer.canvas().parent_element() {
            let _ = parent.append_child(&area);
        }
        self.editor = Some(Editor {
            id,
            tool,
            at,
            added,
            session,
            area: area.clone(),
            unsent: None,
            last_sent: 0.0,
            timer: None,
        });
        self.place_editor();
        self.redraw();
        listen_editor(&area, &self.this);
        // Focused once the session is free: the field that loses the focus
        // may run a command (a name being typed is saved on `change`).
        let focus = Closure::once_into_js(move || {
            let _ = area.focus();
        });
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(focus.unchecked_ref(), 0);
    }

    /// Puts the text area over the object, at the current pan and zoom.
    pub(super) fn place_editor(&self) {
        let Some(editor) = &self.editor else { return };
        let (x, y, w, h, size, color) = match self.sync.stroke(&editor.id).and_then(|s| Some((s, ink::layout(s)?))) {
            Some((s, l)) if s.tool == Tool::Note => {
                let b = &l.bounds;
                let pad = l.x - b.min_x;
                (l.x, l.y, b.width() - 2.0 * pad, b.height() - 2.0 * pad, l.size, ink::NOTE_TEXT_COLOR.to_owned())
            }
            Some((s, l)) => (l.x, l.y, l.bounds.width(), l.bounds.height(), l.size, s.color.to_string()),
            None => {
                let size = self.text_size();
                let color = self.view.ink().map_or_else(String::new, |c| c.to_string());
                (editor.at.0, editor.at.1, size, size * ink::LINE_HEIGHT, size, color)
            }
        };
        let zoom = self.renderer.zoom;
        let (left, top) = self.renderer.to_client(x, y);
        let parent = self.renderer.canvas().get_bounding_client_rect();
        let style = editor.area.style();
        let px = |v: f64| format!("{v}px");
        let _ = style.set_property("left", &px(left - parent.left()));
        let _ = style.set_property("top", &px(top - parent.top()));
        // A text grows as it is typed: room for one more character.
        let grow = if editor.tool == Tool::Text { size } else { 0.0 };
        let _ = style.set_property("width", &px(((w + grow) as f64 * zoom).max(4.0)));
        let _ = style.set_property("height", &px((h as f64 * zoom).max(size as f64 * zoom)));
        let _ = style.set_property("font-size", &px(size as f64 * zoom));
        let _ = style.set_property("color", &color);
    }

    /// A new text's font size, from the width control.
    fn text_size(&self) -> f32 {
        (8.0 + 2.0 * self.view.width.get_untracked()).clamp(MIN_WIDTH, MAX_WIDTH)
    }

    /// Whether the object `id` is being typed into (the canvas leaves its text to the text area).
    pub(super) fn is_editing(&self, id: &StrokeId) -> bool {
        self.editor.as_ref().is_some_and(|e| &e.id == id)
    }

    /// The text area's text changed.
    fn typed(&mut self) {
        let Some((text, added)) = self.editor.as_ref().map(|e| (e.area.value(), e.added)) else { return };
        if !added {
            self.add_text(text);
            return self.place_editor();
        }
        let Some(id) = self.editor.as_ref().map(|e| e.id.clone()) else { return };
        let change = self.sync.set_text(&id, text.clone());
        self.render(change);
        self.place_editor();
        let Some(editor) = &mut self.editor else { return };
        editor.unsent = Some(text);
        let wait = editor.last_sent + TEXT_INTERVAL_MS - now();
        if wait <= 0.0 {
            return self.send_text();
        }
        let Some(shared) = self.this.upgrade().filter(|_| editor.timer.is_none()) else { return };
        let send = Closure::once_into_js(move || {
            let mut s = shared.borrow_mut();
            if let Some(e) = &mut s.editor {
                e.timer = None;
            }
            s.send_text();
        });
        editor.timer = window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(send.unchecked_ref(), wait.ceil() as i32)
            .ok();
    }

    /// The first character of a new text: the text goes on the board.
    fn add_text(&mut self, text: String) {
        let (Some(me), Some(color)) = (self.sync.me().map(|u| u.id.clone()), self.view.ink()) else { return };
        let width = self.text_size();
        let Some(editor) = self.editor.as_mut().filter(|_| !text.is_empty()) else { return };
        editor.added = true;
        editor.last_sent = now();
        let (id, at, session) = (editor.id.clone(), editor.at, editor.session);
        let text = Some(text);
        let points = vec![at.0, at.1];
        let object = NewObject { id, color, width, tool: Tool::Text, points, text, transform: None, image: None };
        self.add_objects(vec![object], &me, Some(session));
    }

    /// Sends the text typed since the last edit went out.
    fn send_text(&mut self) {
        let Some(editor) = &mut self.editor else { return };
        let Some(text) = editor.unsent.take() else { return };
        editor.last_sent = now();
        let edit = EditText { id: editor.id.clone(), text, session: editor.session };
        let id = edit.id.clone();
        self.send(&edit, std::slice::from_ref(&id));
    }

    /// Ends typing: sends what waits; a text left empty goes away.
    pub(super) fn end_editing(&mut self) {
        self.send_text();
        let Some(editor) = self.editor.take() else { return };
        if let Some(timer) = editor.timer {
            window().clear_timeout_with_handle(timer);
        }
        editor.area.remove();
        let empty = editor.area.value().trim().is_empty();
        if editor.added && empty && editor.tool == Tool::Text {
            let change = self.sync.remove(std::slice::from_ref(&editor.id));
            self.render(change);
            self.send(&Erase { ids: vec![editor.id] }, &[]);
        }
        self.redraw();
    }
}

/// Typing, `Esc` and leaving the text area.
fn listen_editor(area: &HtmlTextAreaElement, session: &Weak<RefCell<Session>>) {
    let on = |name: &str, handler: fn(&mut Session, web_sys::Event)| {
        let session = session.clone();
        let closure = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            // A blur while the session is busy (it removed the area itself) needs nothing.
            if let Some(Ok(mut s)) = session.upgrade().as_ref().map(|s| s.try_borrow_mut()) {
                handler(&mut s, e);
            }
        });
        let _ = area.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
        closure.forget();
    };
    on("input", |s, _| s.typed());
    on("blur", |s, _| s.end_editing());
    on("keydown", |s, e| {
        if e.dyn_ref::<KeyboardEvent>().is_some_and(|k| k.key() == "Escape") {
            e.prevent_default();
            s.end_editing();
        }
    });
}
