//! Pointer, touch and pen input: the gesture state machine (draw, erase,
//! pan, pinch, and the selection's marquee, drag and resize, which
//! `select` runs), drawn at once and streamed once per animation frame, plus
//! wheel zoom and our own cursor, at most 30 times a second. Those who may
//! only watch pan and zoom, but draw and erase nothing.

use std::collections::HashMap;

use leptos::prelude::GetUntracked;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{PointerEvent, WheelEvent};

use super::{now, window, Session, Shared};
use crate::ink;
use crate::protocol::{
    Cursor, Erase, Event, StrokeEnd, StrokeId, StrokePoints, StrokeStart, Tool, Transform, Undo, MAX_ERASE,
    MAX_POINTS_PER_MESSAGE, MAX_WIDTH, MIN_WIDTH,
};
use crate::ui::Pick;

/// Cursor updates per second, at most.
const CURSOR_INTERVAL_MS: f64 = 1000.0 / 30.0;
/// Eraser radius in screen pixels.
const ERASER_RADIUS: f64 = 8.0;

/// What the active pointer(s) are doing.
#[derive(Default)]
pub(super) enum Gesture {
    #[default]
    Idle,
    /// A freehand stroke or a shape being drawn.
    Draw {
        pointer: i32,
        id: StrokeId,
        n: u32,
        unsent: Vec<f32>,
    },
    Erase {
        pointer: i32,
        hits: Vec<StrokeId>,
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
    /// A marquee from `from` to `to` (board points) selects what it touches,
    /// besides `base` (what Shift kept).
    Marquee {
        pointer: i32,
        from: (f32, f32),
        to: (f32, f32),
        base: Vec<StrokeId>,
    },
    /// The selection is being moved (dragged) or resized (a handle): `by`
    /// so far, on top of where it is.
    Drag {
        pointer: i32,
        from: (f32, f32),
        by: Transform,
    },
    Resize {
        pointer: i32,
        /// The corner opposite the handle, which stays put.
        anchor: (f32, f32),
        /// Where the handle was grabbed.
        grab: (f32, f32),
        by: Transform,
    },
}

impl Gesture {
    /// The pointer the gesture follows, if one.
    fn pointer(&self) -> Option<i32> {
        match self {
            Gesture::Draw { pointer, .. }
            | Gesture::Erase { pointer, .. }
            | Gesture::Pan { pointer, .. }
            | Gesture::Touch { pointer, .. }
            | Gesture::Marquee { pointer, .. }
            | Gesture::Drag { pointer, .. }
            | Gesture::Resize { pointer, .. } => Some(*pointer),
            Gesture::Pinch { .. } | Gesture::Idle => None,
        }
    }
}

#[derive(Default)]
pub(super) struct Input {
    pub(super) gesture: Gesture,
    /// Client positions of the touches and pointers that are down.
    touches: HashMap<i32, (f64, f64)>,
    /// Space is down: the primary button pans.
    pub(super) space_held: bool,
    /// Shift was down when the gesture began: it adds to the selection.
    shift: bool,
    /// The last board point the pointer was over, where a paste goes.
    pub(super) last_at: Option<(f32, f32)>,
    /// Strokes begun in this session, for their ids.
    counter: u32,
    frame_requested: bool,
    last_cursor_sent: f64,
}

/// Adds an event listener that runs `handler` on the session, then asks for
/// an animation frame when input is waiting to be streamed.
pub(super) fn listen<E: JsCast + 'static>(
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
            s.has_unsent() && !std::mem::replace(&mut s.input.frame_requested, true)
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
        s.input.frame_requested = false;
        s.send_unsent();
    });
    let _ = window().request_animation_frame(frame.unchecked_ref());
}

/// The samples of this move, coalesced ones included, in client pixels.
fn samples_of(e: &PointerEvent) -> Vec<(f64, f64)> {
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

impl Session {
    pub(super) fn next_stroke_id(&mut self) -> Option<StrokeId> {
        self.input.counter += 1;
        StrokeId::new(format!("{}-{:x}-{}", self.client, now() as u64, self.input.counter)).ok()
    }

    fn has_unsent(&self) -> bool {
        match &self.input.gesture {
            Gesture::Draw { unsent, .. } => !unsent.is_empty(),
            Gesture::Erase { hits, .. } => !hits.is_empty(),
            _ => false,
        }
    }

    pub(super) fn pointer_down(&mut self, e: &PointerEvent) {
        e.prevent_default();
        let at = (e.client_x() as f64, e.client_y() as f64);
        if let Some(target) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
            let _ = target.set_pointer_capture(e.pointer_id());
        }
        if e.pointer_type() == "touch" {
            self.input.touches.insert(e.pointer_id(), at);
            if self.input.touches.len() == 2 {
                // A second finger: pan and pinch instead of drawing.
                self.cancel_gesture();
                let mut ids = self.input.touches.keys().copied();
                let (a, b) = (ids.next().unwrap_or_default(), ids.next().unwrap_or_default());
                self.input.gesture = Gesture::Pinch { a, b };
                return;
            }
        }
        if !matches!(self.input.gesture, Gesture::Idle) {
            return;
        }
        let pan = e.button() == 1 || (e.button() == 0 && self.input.space_held);
        if pan {
            self.input.gesture = Gesture::Pan { pointer: e.pointer_id(), last: at };
            return;
        }
        if e.button() != 0 {
            return;
        }
        if e.pointer_type() == "touch" {
            self.input.gesture = Gesture::Touch { pointer: e.pointer_id(), at };
            return;
        }
        self.input.shift = e.shift_key();
        let pressure = if e.pointer_type() == "pen" { e.pressure() } else { 0.0 };
        self.begin(e.pointer_id(), at, pressure);
    }

    /// Starts drawing or erasing with `pointer` at client pixel `at`.
    fn begin(&mut self, pointer: i32, at: (f64, f64), pressure: f32) {
        if !self.may_draw() {
            return;
        }
        if self.editor.is_some() {
            // A press outside the text being typed ends the typing, nothing more.
            return self.end_editing();
        }
        let (x, y) = self.renderer.to_board(at.0, at.1);
        let tool = match self.view.tool.get_untracked() {
            Pick::Select => return self.select_down(pointer, (x, y), self.input.shift),
            Pick::Laser => {
                // Moves show the laser; the press holds no gesture (no jump back to it).
                self.input.gesture = Gesture::Idle;
                return self.laser_at((x, y));
            }
            Pick::Make(tool @ (Tool::Text | Tool::Note)) => return self.place_text(tool, (x, y)),
            Pick::Make(tool) => tool,
        };
        if tool == Tool::Eraser {
            self.input.gesture = Gesture::Erase { pointer, hits: Vec::new() };
            self.erase_at((x, y));
            return;
        }
        let mut width = self.view.width.get_untracked();
        if pressure > 0.0 {
            // Pen pressure: half to one and a half times the chosen width.
            width *= 0.5 + pressure;
        }
        let (Some(id), Some(color)) = (self.next_stroke_id(), self.view.ink()) else { return };
        let start = StrokeStart { id, color, width: width.clamp(MIN_WIDTH, MAX_WIDTH), tool, points: vec![x, y] };
        let change = self.sync.begin_stroke(&start);
        self.render(change);
        self.input.gesture = Gesture::Draw { pointer, id: start.id.clone(), n: 0, unsent: Vec::new() };
        self.send(&start, std::slice::from_ref(&start.id));
    }

    /// We may not draw any more: what the gesture drew so far goes out (to
    /// be refused if it came too late), and nothing more follows.
    pub(super) fn stop_drawing(&mut self) {
        if matches!(self.input.gesture, Gesture::Draw { .. } | Gesture::Erase { .. }) {
            self.finish_gesture();
            self.input.gesture = Gesture::Idle;
        }
    }

    /// A second finger landed: the stroke the first one began is taken back.
    fn cancel_gesture(&mut self) {
        if let Gesture::Draw { .. } = self.input.gesture {
            self.finish_gesture();
            self.send(&Undo, &[]);
        }
        self.input.gesture = Gesture::Idle;
    }

    pub(super) fn pointer_move(&mut self, e: &PointerEvent) {
        let id = e.pointer_id();
        let at = (e.client_x() as f64, e.client_y() as f64);
        self.send_cursor(at);
        let p = self.renderer.to_board(at.0, at.1);
        self.input.last_at = Some(p);
        if self.view.tool.get_untracked() == Pick::Laser && self.may_draw() {
            self.laser_at(p);
        }
        let previous = self.input.touches.get(&id).copied();
        if previous.is_some() {
            self.input.touches.insert(id, at);
        }
        if let Gesture::Touch { pointer, at: down } = self.input.gesture {
            if pointer == id {
                self.begin(pointer, down, 0.0);
            }
        }
        match &mut self.input.gesture {
            Gesture::Idle => {}
            Gesture::Pan { pointer, last } if *pointer == id => {
                let (dx, dy) = (at.0 - last.0, at.1 - last.1);
                *last = at;
                self.renderer.pan(dx, dy);
                self.view_changed();
            }
            Gesture::Pinch { a, b } if *a == id || *b == id => {
                let other = if *a == id { *b } else { *a };
                let (Some(prev), Some(&fixed)) = (previous, self.input.touches.get(&other)) else { return };
                let mid = |p: (f64, f64)| ((p.0 + fixed.0) / 2.0, (p.1 + fixed.1) / 2.0);
                let dist = |p: (f64, f64)| (p.0 - fixed.0).hypot(p.1 - fixed.1).max(1.0);
                let (m0, m1) = (mid(prev), mid(at));
                self.renderer.pan(m1.0 - m0.0, m1.1 - m0.1);
                self.renderer.zoom_at(m1, dist(at) / dist(prev));
                self.view_changed();
            }
            Gesture::Erase { pointer, .. } if *pointer == id => {
                for (x, y) in samples_of(e) {
                    let p = self.renderer.to_board(x, y);
                    self.erase_at(p);
                }
            }
            Gesture::Draw { pointer, id: stroke_id, unsent, .. } if *pointer == id => {
                let samples: Vec<(f32, f32)> =
                    samples_of(e).into_iter().map(|(x, y)| self.renderer.to_board(x, y)).collect();
                let Some(stroke) = self.sync.drawing(stroke_id) else {
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
            Gesture::Marquee { pointer, .. } | Gesture::Drag { pointer, .. } | Gesture::Resize { pointer, .. }
                if *pointer == id =>
            {
                let p = self.renderer.to_board(at.0, at.1);
                self.select_move(p, e.shift_key());
            }
            _ => {}
        }
    }

    pub(super) fn pointer_up(&mut self, e: &PointerEvent) {
        let id = e.pointer_id();
        self.input.touches.remove(&id);
        if let Gesture::Touch { pointer, at } = self.input.gesture {
            if pointer == id {
                // A tap: a dot.
                self.begin(pointer, at, 0.0);
            }
        }
        let ends = match &self.input.gesture {
            Gesture::Pinch { a, b } => *a == id || *b == id,
            gesture => gesture.pointer() == Some(id),
        };
        if ends {
            self.finish_gesture();
            self.input.gesture = Gesture::Idle;
        }
    }

    fn finish_gesture(&mut self) {
        self.send_unsent();
        match &self.input.gesture {
            Gesture::Draw { id, .. } => {
                let id = id.clone();
                self.send(&StrokeEnd { id: id.clone(), seq: None }, std::slice::from_ref(&id));
            }
            Gesture::Marquee { .. } | Gesture::Drag { .. } | Gesture::Resize { .. } => self.select_up(),
            _ => {}
        }
    }

    fn erase_at(&mut self, p: (f32, f32)) {
        let r = (ERASER_RADIUS / self.renderer.zoom) as f32;
        let hit: Vec<StrokeId> =
            self.sync.strokes().iter().filter(|s| ink::touches(s, p, r)).map(|s| s.id.clone()).collect();
        if hit.is_empty() {
            return;
        }
        let change = self.sync.remove(&hit);
        self.render(change);
        if let Gesture::Erase { hits, .. } = &mut self.input.gesture {
            hits.extend(hit);
        }
    }

    /// Sends what the gesture gathered since the last frame.
    fn send_unsent(&mut self) {
        match &mut self.input.gesture {
            Gesture::Draw { id, n, unsent, .. } => {
                let id = id.clone();
                let unsent = std::mem::take(unsent);
                let mut batches = Vec::new();
                for chunk in unsent.chunks(MAX_POINTS_PER_MESSAGE * 2) {
                    *n += 1;
                    batches.push(StrokePoints { id: id.clone(), n: *n, points: chunk.to_vec(), seq: None });
                }
                for batch in batches {
                    self.send(&batch, std::slice::from_ref(&id));
                }
            }
            Gesture::Erase { hits, .. } => {
                let ids = std::mem::take(hits);
                for chunk in ids.chunks(MAX_ERASE) {
                    self.send(&Erase { ids: chunk.to_vec() }, &[]);
                }
            }
            _ => {}
        }
    }

    pub(super) fn wheel(&mut self, e: &WheelEvent) {
        e.prevent_default();
        let factor = (-e.delta_y() * if e.delta_mode() == 1 { 0.05 } else { 0.0015 }).exp();
        self.renderer.zoom_at((e.client_x() as f64, e.client_y() as f64), factor);
        self.view_changed();
    }

    /// Sends our pointer position, at most `1000 / CURSOR_INTERVAL_MS` times a second, while synced.
    fn send_cursor(&mut self, at: (f64, f64)) {
        let t = now();
        if t - self.input.last_cursor_sent < CURSOR_INTERVAL_MS {
            return;
        }
        let Some(socket) = self.socket.as_ref().filter(|_| self.sync.is_synced()) else { return };
        let (x, y) = self.renderer.to_board(at.0, at.1);
        if let Ok(data) = serde_json::to_string(&Cursor { x, y }) {
            socket.emit(Cursor::NAME, &data);
            self.input.last_cursor_sent = t;
        }
    }
}
