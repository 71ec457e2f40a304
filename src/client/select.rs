//! The selection: picking objects (a click on their ink, a marquee, Shift
//! to add or remove), moving and resizing them live (shown to the others
//! as we drag, committed as one `transform` when the drag ends), the
//! others' selections in their colours, and what can be done to a
//! selection: delete, duplicate, copy, cut, paste (through the system
//! clipboard, as JSON of type `scrawl/objects`), bring to front, send to back.

use std::collections::{HashMap, HashSet};

use leptos::prelude::{GetUntracked, Set};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::input::Gesture;
use super::{now, window, Session};
use crate::ink::{self, Bounds};
use crate::protocol::{
    Add, ClipboardObjects, Erase, Event, NewObject, Order, Select, Selected, SocketId, Stroke, StrokeId, Transform,
    TransformObjects, MAX_ADD, MAX_ADD_BYTES, MAX_ADD_POINTS, MAX_ERASE,
};
use crate::ui::Pick;

/// How close to its ink a click picks an object, in screen pixels.
const HIT_RADIUS: f64 = 6.0;
/// Arrow keys move the selection this many screen pixels (with Shift: ten times).
const NUDGE: f64 = 1.0;
/// Where a duplicate lands, from the original, in screen pixels.
const DUPLICATE_OFFSET: f64 = 16.0;
/// Smallest scale a resize makes, so an object never flips or vanishes.
const MIN_RESIZE: f32 = 0.05;
/// Live selection updates per second, at most.
const SELECT_INTERVAL_MS: f64 = 1000.0 / 30.0;
/// Our own selection's colour.
const SELECTION_COLOR: &str = "#1971c2";

#[derive(Default)]
pub(super) struct Selection {
    /// What we have selected, in drawing order of picking.
    pub(super) ids: Vec<StrokeId>,
    /// The others' selections, with how far they dragged them.
    others: HashMap<SocketId, Selected>,
    /// What we copied last: pasting without a readable clipboard uses it.
    copied: Option<String>,
    /// What we last told the others, and when.
    sent: Select,
    last_sent: f64,
}

/// The system clipboard, where the page may use it (HTTPS or localhost).
pub(super) fn clipboard() -> Option<web_sys::Clipboard> {
    let navigator = window().navigator();
    js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .is_ok_and(|c| !c.is_undefined())
        .then(|| navigator.clipboard())
}

/// Where each selected object shows while it is dragged or resized.
fn moved(s: &Stroke, by: &Transform) -> Stroke {
    let t = by.after(&s.placement());
    Stroke { transform: (!t.is_identity()).then_some(t), ..s.clone() }
}

impl Session {
    /// A press with the Select tool at board point `p`: a handle resizes, an
    /// object is picked (and dragged), empty space starts a marquee.
    pub(super) fn select_down(&mut self, pointer: i32, p: (f32, f32), shift: bool) {
        if let Some(b) = self.selection_bounds() {
            let corners = self.renderer.handle_corners(&b);
            let reach = self.renderer.handle_reach();
            let grabbed = corners.iter().position(|c| (c.0 - p.0).abs() <= reach && (c.1 - p.1).abs() <= reach);
            if let Some(k) = grabbed {
                // Corners are top-left, top-right, bottom-left, bottom-right: 3 - k is the opposite one.
                let (anchor, grab) = (corners[3 - k], corners[k]);
                self.input.gesture = Gesture::Resize { pointer, anchor, grab, by: Transform::IDENTITY };
                return;
            }
        }
        let r = (HIT_RADIUS / self.renderer.zoom) as f32;
        let hit = ink::topmost(self.sync.strokes(), p, r).map(|s| s.id.clone());
        let ids = &mut self.selection.ids;
        match hit {
            Some(id) if shift && ids.contains(&id) => ids.retain(|i| i != &id),
            Some(id) => {
                if shift {
                    ids.push(id);
                } else if !ids.contains(&id) {
                    *ids = vec![id];
                }
                self.input.gesture = Gesture::Drag { pointer, from: p, by: Transform::IDENTITY };
            }
            None => {
                if !shift {
                    ids.clear();
                }
                let base = ids.clone();
                self.input.gesture = Gesture::Marquee { pointer, from: p, to: p, base };
            }
        }
        self.selection_changed(None);
    }

    /// The pointer moved to `p` during a marquee, drag or resize.
    pub(super) fn select_move(&mut self, p: (f32, f32), keep_ratio: bool) {
        let mut live = None;
        match &mut self.input.gesture {
            Gesture::Marquee { from, to, base, .. } => {
                *to = p;
                let rect = Bounds::spanning(*from, *to);
                let kept: HashSet<&StrokeId> = base.iter().collect();
                let touched =
                    self.sync.strokes().iter().filter(|s| !kept.contains(&s.id) && ink::touches_rect(s, &rect));
                let touched: Vec<StrokeId> = touched.map(|s| s.id.clone()).collect();
                self.selection.ids = base.iter().cloned().chain(touched).collect();
            }
            Gesture::Drag { from, by, .. } => {
                *by = Transform::translate(p.0 - from.0, p.1 - from.1);
                live = Some(*by);
            }
            Gesture::Resize { anchor, grab, by, .. } => {
                let scale = |to: f32, a: f32, g: f32| if g == a { 1.0 } else { ((to - a) / (g - a)).max(MIN_RESIZE) };
                let (mut sx, mut sy) = (scale(p.0, anchor.0, grab.0), scale(p.1, anchor.1, grab.1));
                if keep_ratio {
                    sx = sx.max(sy);
                    sy = sx;
                }
                *by = Transform::scale_about(sx, sy, anchor.0, anchor.1);
                live = Some(*by);
            }
            _ => return,
        }
        self.selection_changed(live);
    }

    /// The marquee, drag or resize ended: a move or resize is committed as
    /// one undoable `transform`.
    pub(super) fn select_up(&mut self) {
        let by = match &self.input.gesture {
            Gesture::Drag { by, .. } | Gesture::Resize { by, .. } => *by,
            _ => Transform::IDENTITY,
        };
        self.input.gesture = Gesture::Idle;
        self.commit_transform(by);
    }

    /// Moves or resizes the selection by `by`, for everyone.
    fn commit_transform(&mut self, by: Transform) {
        let ids = self.selection.ids.clone();
        // A move or resize the server would refuse (too far, too small) does not happen.
        let fits = |s: &Stroke| !ids.contains(&s.id) || by.after(&s.placement()).validate_placement().is_ok();
        let allowed = by.validate().is_ok() && self.sync.strokes().iter().all(fits);
        if !by.is_identity() && !ids.is_empty() && allowed {
            let change = self.sync.transform(&ids, &by);
            self.render(change);
            for chunk in ids.chunks(MAX_ERASE) {
                let op = self.next_stroke_id();
                self.send(&TransformObjects { ids: chunk.to_vec(), by, op }, chunk);
            }
        }
        self.selection_changed(None);
    }

    /// Arrow keys: moves the selection by a step of (`dx`, `dy`), Shift ten.
    pub(super) fn nudge(&mut self, dx: f64, dy: f64, big: bool) {
        let step = NUDGE * if big { 10.0 } else { 1.0 } / self.renderer.zoom;
        self.commit_transform(Transform::translate((dx * step) as f32, (dy * step) as f32));
    }

    /// The selection changed (or is dragged by `live`): keep only what is
    /// still on the board, tell the toolbar and the others, show it.
    pub(super) fn selection_changed(&mut self, live: Option<Transform>) {
        let here: HashSet<&StrokeId> = self.sync.strokes().iter().map(|s| &s.id).collect();
        self.selection.ids.retain(|id| here.contains(id));
        self.view.selected.set(self.selection.ids.len());
        self.tell_selection(live);
        self.redraw();
    }

    /// Tells the others our selection when it changed: during a drag at
    /// most 30 times a second, and always where it ends.
    fn tell_selection(&mut self, live: Option<Transform>) {
        let select = Select { ids: self.selection.ids.clone(), by: live };
        let t = now();
        let early = live.is_some() && t - self.selection.last_sent < SELECT_INTERVAL_MS;
        if select == self.selection.sent || early {
            return;
        }
        let Some(socket) = self.socket.as_ref().filter(|_| self.sync.is_synced()) else { return };
        if let Ok(data) = serde_json::to_string(&select) {
            socket.emit(Select::NAME, &data);
            self.selection.sent = select;
            self.selection.last_sent = t;
        }
    }

    /// Someone else's selection changed.
    pub(super) fn show_selection(&mut self, selected: Selected) {
        if selected.ids.is_empty() {
            self.selection.others.remove(&selected.user);
        } else {
            self.selection.others.insert(selected.user.clone(), selected);
        }
        self.redraw();
    }

    /// Forgets the selections of people who left.
    pub(super) fn keep_selections(&mut self) {
        let users = self.sync.users();
        self.selection.others.retain(|id, _| users.iter().any(|u| &u.id == id));
    }

    /// How far our selection is dragged right now.
    fn dragging(&self) -> Option<Transform> {
        match &self.input.gesture {
            Gesture::Drag { by, .. } | Gesture::Resize { by, .. } => Some(*by),
            _ => None,
        }
    }

    /// The objects being dragged right now, by us or by others, and how far.
    pub(super) fn moving(&self) -> HashMap<&StrokeId, Transform> {
        let theirs = self.selection.others.values().filter_map(|o| Some((&o.ids, o.by?)));
        let ours = self.dragging().map(|by| (&self.selection.ids, by));
        theirs.chain(ours).flat_map(|(ids, by)| ids.iter().map(move |id| (id, by))).collect()
    }

    /// Where an object shows now, `moving` as it is dragged.
    pub(super) fn shown<'a>(s: &'a Stroke, moving: &HashMap<&StrokeId, Transform>) -> std::borrow::Cow<'a, Stroke> {
        match moving.get(&s.id) {
            Some(by) => std::borrow::Cow::Owned(moved(s, by)),
            None => std::borrow::Cow::Borrowed(s),
        }
    }

    /// The bounds of `ids` as they show now.
    fn bounds_of(&self, ids: &[StrokeId], moving: &HashMap<&StrokeId, Transform>) -> Option<Bounds> {
        let ids: HashSet<&StrokeId> = ids.iter().collect();
        let shown = self.sync.strokes().iter().filter(|s| ids.contains(&s.id)).map(|s| Self::shown(s, moving));
        shown.filter_map(|s| ink::object_bounds(&s)).reduce(|a, b| a.union(&b))
    }

    fn selection_bounds(&self) -> Option<Bounds> {
        self.bounds_of(&self.selection.ids, &self.moving())
    }

    /// Draws the selections over the board: the others' in their colours,
    /// ours with its resize handles, and the marquee.
    pub(super) fn draw_selections(&self, moving: &HashMap<&StrokeId, Transform>) {
        for (user, selected) in &self.selection.others {
            let color = self.sync.user(user).map_or("#adb5bd", |u| u.color.as_str());
            if let Some(b) = self.bounds_of(&selected.ids, moving) {
                self.renderer.outline(&b, color, false);
            }
        }
        if let Some(b) = self.bounds_of(&self.selection.ids, moving) {
            self.renderer.outline(&b, SELECTION_COLOR, true);
        }
        if let Gesture::Marquee { from, to, .. } = &self.input.gesture {
            self.renderer.outline(&Bounds::spanning(*from, *to), SELECTION_COLOR, false);
        }
    }

    /// Takes the selection off the board (undoable, like the eraser).
    pub(super) fn delete_selection(&mut self) {
        let ids = std::mem::take(&mut self.selection.ids);
        if ids.is_empty() {
            return;
        }
        let change = self.sync.remove(&ids);
        self.render(change);
        for chunk in ids.chunks(MAX_ERASE) {
            self.send(&Erase { ids: chunk.to_vec() }, &[]);
        }
        self.selection_changed(None);
    }

    /// The selected objects, in drawing order.
    fn selected(&self) -> Vec<Stroke> {
        let ids: HashSet<&StrokeId> = self.selection.ids.iter().collect();
        self.sync.strokes().iter().filter(|s| ids.contains(&s.id)).cloned().collect()
    }

    /// Puts the selection on the clipboard as JSON of type `scrawl/objects`;
    /// other tabs and boards paste it from there.
    pub(super) fn copy_selection(&mut self) {
        let objects = self.selected();
        if objects.is_empty() {
            return;
        }
        let Ok(json) = serde_json::to_string(&ClipboardObjects::new(objects)) else { return };
        self.selection.copied = Some(json.clone());
        if let Some(clipboard) = clipboard() {
            let failed = Closure::once(|e: JsValue| leptos::logging::warn!("scrawl: could not copy: {e:?}"));
            let _ = clipboard.write_text(&json).catch(&failed);
            failed.forget();
        }
    }

    pub(super) fn cut_selection(&mut self) {
        self.copy_selection();
        self.delete_selection();
    }

    /// A copy of the selection, a little below and to the right; the copy
    /// becomes the selection.
    pub(super) fn duplicate_selection(&mut self) {
        let step = (DUPLICATE_OFFSET / self.renderer.zoom) as f32;
        let objects = self.selected();
        self.add_copies(objects, Transform::translate(step, step));
    }

    /// Pastes objects copied as JSON `text` (from the clipboard), centred
    /// where the pointer last was; says so when there is nothing to paste.
    pub(super) fn paste_text(&mut self, text: &str) {
        let Some(objects) = ClipboardObjects::parse(text) else {
            self.view.notice.set(Some(self.texts.get("edit.nothing_to_paste").to_owned()));
            return;
        };
        let Some(b) = ink::bounds(&objects) else { return };
        let target = self.input.last_at.unwrap_or_else(|| {
            let rect = self.renderer.canvas().get_bounding_client_rect();
            self.renderer.to_board(rect.left() + rect.width() / 2.0, rect.top() + rect.height() / 2.0)
        });
        let centre = ((b.min_x + b.max_x) / 2.0, (b.min_y + b.max_y) / 2.0);
        self.add_copies(objects, Transform::translate(target.0 - centre.0, target.1 - centre.1));
    }

    /// The toolbar's Paste: reads the system clipboard, else what we copied.
    pub(super) fn paste_from_clipboard(session: &super::Shared) {
        let fallback = {
            let session = session.clone();
            move || {
                let mut s = session.borrow_mut();
                let copied = s.selection.copied.clone().unwrap_or_default();
                s.paste_text(&copied);
            }
        };
        let Some(clipboard) = clipboard() else { return fallback() };
        let read = {
            let session = session.clone();
            Closure::once(move |text: JsValue| {
                let text = text.as_string().unwrap_or_default();
                session.borrow_mut().paste_text(&text);
            })
        };
        let failed = Closure::once(move |_: JsValue| fallback());
        let _ = clipboard.read_text().then(&read).catch(&failed);
        read.forget();
        failed.forget();
    }

    /// Adds copies of `objects`, moved by `by`, with new ids; they become
    /// the selection. They go in as few `add`s as the limits allow; an
    /// object no `add` can take (a stroke of more than `MAX_ADD_POINTS`
    /// points, anything the server would refuse) is left out.
    fn add_copies(&mut self, objects: Vec<Stroke>, by: Transform) {
        // An image from another board becomes this board's first.
        let here: HashSet<&String> = self.sync.strokes().iter().filter_map(|s| s.image.as_ref()).collect();
        let elsewhere: HashSet<String> =
            objects.iter().filter_map(|s| s.image.as_ref()).filter(|h| !here.contains(h)).cloned().collect();
        if elsewhere.is_empty() {
            return self.place_copies(objects, by, &HashSet::new());
        }
        self.adopt_images(elsewhere, move |s, adopted| s.place_copies(objects, by, &adopted));
    }

    /// Adds the copies, those showing images of other boards only if they
    /// were `adopted` by this one.
    fn place_copies(&mut self, objects: Vec<Stroke>, by: Transform, adopted: &HashSet<String>) {
        let Some(me) = self.sync.me().map(|u| u.id.clone()) else { return };
        let mut images_here: HashSet<String> = self.sync.strokes().iter().filter_map(|s| s.image.clone()).collect();
        images_here.extend(adopted.iter().cloned());
        let (mut batch, mut points, mut bytes) = (Vec::new(), 0, 0);
        let mut ids = Vec::new();
        for s in objects.into_iter().filter(|s| s.image.as_ref().is_none_or(|h| images_here.contains(h))) {
            let Some(id) = self.next_stroke_id() else { continue };
            let t = by.after(&s.placement());
            let transform = (!t.is_identity()).then_some(t);
            let object = NewObject {
                id,
                color: s.color,
                width: s.width,
                tool: s.tool,
                points: s.points,
                text: s.text,
                transform,
                image: s.image,
            };
            let n = object.points.len() / 2;
            let size = serde_json::to_string(&object).map_or(usize::MAX, |json| json.len() + 1);
            if n > MAX_ADD_POINTS || size > MAX_ADD_BYTES || object.clone().into_stroke(me.clone()).is_err() {
                continue;
            }
            if batch.len() == MAX_ADD || points + n > MAX_ADD_POINTS || bytes + size > MAX_ADD_BYTES {
                self.add_objects(std::mem::take(&mut batch), &me, None);
                (points, bytes) = (0, 0);
            }
            (points, bytes) = (points + n, bytes + size);
            ids.push(object.id.clone());
            batch.push(object);
        }
        if !batch.is_empty() {
            self.add_objects(batch, &me, None);
        }
        self.selection.ids = ids;
        self.selection_changed(None);
    }

    /// Shows `objects` as ours and sends them as one `add` of `session`.
    pub(super) fn add_objects(
        &mut self,
        objects: Vec<NewObject>,
        me: &SocketId,
        session: Option<u32>,
    ) -> Vec<StrokeId> {
        let ids: Vec<StrokeId> = objects.iter().map(|o| o.id.clone()).collect();
        let strokes = objects.iter().filter_map(|o| o.clone().into_stroke(me.clone()).ok()).collect();
        let change = self.sync.add_objects(strokes);
        self.render(change);
        self.send(&Add { objects, session }, &ids);
        ids
    }
}

impl Session {
    /// Brings the selection to the front, or sends it to the back.
    pub(super) fn reorder(&mut self, front: bool) {
        let ids = self.selection.ids.clone();
        if ids.is_empty() {
            return;
        }
        let change = self.sync.reorder(&ids, front);
        self.render(change);
        for chunk in ids.chunks(MAX_ERASE) {
            self.send(&Order { ids: chunk.to_vec(), front }, chunk);
        }
    }

    /// A double-click with the Select tool edits the text or note under it.
    pub(super) fn double_click(&mut self, e: &web_sys::MouseEvent) {
        if self.view.tool.get_untracked() != Pick::Select || !self.may_draw() {
            return;
        }
        let p = self.renderer.to_board(e.client_x() as f64, e.client_y() as f64);
        let r = (HIT_RADIUS / self.renderer.zoom) as f32;
        if let Some(id) = ink::topmost(self.sync.strokes(), p, r).filter(|s| s.text.is_some()).map(|s| s.id.clone()) {
            self.edit_text(&id);
        }
    }

    /// `Ctrl+V` anywhere but in a field: pastes objects copied from a board.
    pub(super) fn paste(&mut self, e: &web_sys::ClipboardEvent) {
        let in_field = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA") || el.closest("dialog").ok().flatten().is_some()
        });
        if in_field || !self.may_draw() {
            return;
        }
        e.prevent_default();
        let text = e.clipboard_data().and_then(|d| d.get_data("text/plain").ok()).unwrap_or_default();
        // Objects copied from a board win; else files (an image, say) before text.
        let ours = ClipboardObjects::parse(&text).is_some();
        let files = e.clipboard_data().and_then(|d| d.files()).filter(|f| f.length() > 0 && !ours);
        if let (Some(files), Some(session)) = (files, self.this.upgrade()) {
            // Uploaded once this paste is done with the session.
            let later = Closure::once_into_js(move || super::images::add_files(&session, Some(files), None));
            let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(later.unchecked_ref(), 0);
            return;
        }
        self.paste_text(&text);
    }
}

impl Session {
    /// A tool was picked (a shortcut, or the toolbar): any but Select drops the selection.
    pub(super) fn tool_picked(&mut self, tool: Pick) {
        if tool != Pick::Select && !self.selection.ids.is_empty() {
            self.selection.ids.clear();
            self.selection_changed(None);
        }
    }
}
