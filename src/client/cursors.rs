//! Other people's pointers: a labelled element per person over the canvas,
//! following the pan and zoom, faded after a while without moving and
//! removed when the person leaves.

use std::collections::HashMap;

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use super::canvas::Renderer;
use super::{now, window};
use crate::protocol::{SocketId, User};

/// A cursor fades after this long without moving.
const CURSOR_IDLE_MS: f64 = 3000.0;

struct RemoteCursor {
    el: HtmlElement,
    /// Board position.
    at: (f32, f32),
    seen: f64,
}

pub(super) struct Cursors {
    /// The page's `.cursors` overlay.
    layer: Option<HtmlElement>,
    shown: HashMap<SocketId, RemoteCursor>,
}

impl Cursors {
    pub(super) fn new() -> Self {
        let layer = window()
            .document()
            .and_then(|d| d.query_selector(".cursors").ok().flatten())
            .and_then(|e| e.dyn_into().ok());
        Self { layer, shown: HashMap::new() }
    }

    /// `user`'s pointer is at board point `at`.
    pub(super) fn show(&mut self, user: &User, at: (f32, f32), renderer: &Renderer) {
        let Some(layer) = &self.layer else { return };
        if !self.shown.contains_key(&user.id) {
            let Some(el) = window()
                .document()
                .and_then(|d| d.create_element("div").ok())
                .and_then(|e| e.dyn_into::<HtmlElement>().ok())
            else {
                return;
            };
            el.set_class_name("cursor");
            let _ = layer.append_child(&el);
            self.shown.insert(user.id.clone(), RemoteCursor { el, at: (0.0, 0.0), seen: 0.0 });
        }
        if let Some(c) = self.shown.get_mut(&user.id) {
            c.el.set_text_content(Some(&user.name));
            let _ = c.el.style().set_property("--color", &user.color);
            c.seen = now();
            let _ = c.el.class_list().remove_1("idle");
            place(c, at, renderer);
        }
    }

    /// The view moved: every cursor follows its board point.
    pub(super) fn place_all(&mut self, renderer: &Renderer) {
        for c in self.shown.values_mut() {
            place(c, c.at, renderer);
        }
    }

    /// Removes the cursors of people no longer in `users`.
    pub(super) fn keep(&mut self, users: &[User]) {
        self.shown.retain(|id, c| {
            let here = users.iter().any(|u| &u.id == id);
            if !here {
                c.el.remove();
            }
            here
        });
    }

    pub(super) fn fade(&self) {
        let t = now();
        for c in self.shown.values() {
            if t - c.seen > CURSOR_IDLE_MS {
                let _ = c.el.class_list().add_1("idle");
            }
        }
    }
}

fn place(c: &mut RemoteCursor, at: (f32, f32), renderer: &Renderer) {
    let (x, y) = renderer.to_client(at.0, at.1);
    c.at = at;
    let _ = c.el.style().set_property("transform", &format!("translate({x:.1}px, {y:.1}px)"));
}
