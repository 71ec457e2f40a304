//! Presenting: the laser pointer (ours and the others', short trails that
//! fade, on a canvas over the board, never stored), our viewport told to
//! the others, and following someone's view until we pan or zoom
//! ourselves or press `Esc`.

use std::collections::{HashMap, VecDeque};

use leptos::prelude::{GetUntracked, Set};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use super::{now, window, Session, Shared};
use crate::protocol::{Event, Laser, LaserMoved, SocketId, Viewport, ViewportMoved};

/// How long a laser trail's points show, in milliseconds.
const TRAIL_MS: f64 = 800.0;
/// Laser positions and viewports sent per second, at most.
const LASER_INTERVAL_MS: f64 = 1000.0 / 30.0;
const VIEWPORT_INTERVAL_MS: f64 = 100.0;
/// Whose trail our own laser is.
const OURS: &str = "";

/// A laser's colour, and its points with the time each came.
struct Trail {
    color: String,
    points: VecDeque<(f32, f32, f64)>,
}

#[derive(Default)]
pub(super) struct Presenting {
    layer: Option<(HtmlCanvasElement, CanvasRenderingContext2d)>,
    trails: HashMap<SocketId, Trail>,
    animating: bool,
    last_laser_sent: f64,
    /// The others' viewports, as last told.
    viewports: HashMap<SocketId, Viewport>,
    last_view_sent: f64,
    view_unsent: bool,
}

/// The overlay canvas the laser trails are drawn on, over the board's.
fn layer(board: &HtmlCanvasElement) -> Option<(HtmlCanvasElement, CanvasRenderingContext2d)> {
    // Right above the board's canvas: under the cursors and the chrome.
    let canvas = super::canvas::layer(board, "laser-layer", "afterend")?;
    let ctx = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    Some((canvas, ctx))
}

impl Session {
    /// The Laser tool moved to board point `p`: our trail, and the others'.
    pub(super) fn laser_at(&mut self, p: (f32, f32)) {
        let color = self.sync.me().map_or_else(|| "#e03131".to_owned(), |u| u.color.to_string());
        self.trail(SocketId::from(OURS), color, p);
        let t = now();
        if t - self.presenting.last_laser_sent < LASER_INTERVAL_MS {
            return;
        }
        let Some(socket) = self.socket.as_ref().filter(|_| self.sync.is_synced()) else { return };
        if let Ok(data) = serde_json::to_string(&Laser { x: p.0, y: p.1 }) {
            socket.emit(Laser::NAME, &data);
            self.presenting.last_laser_sent = t;
        }
    }

    /// Someone else's laser.
    pub(super) fn show_laser(&mut self, laser: LaserMoved) {
        let Some(color) = self.sync.user(&laser.user).map(|u| u.color.to_string()) else { return };
        self.trail(laser.user, color, (laser.x, laser.y));
    }

    fn trail(&mut self, user: SocketId, color: String, p: (f32, f32)) {
        let trail = self.presenting.trails.entry(user).or_insert_with(|| Trail { color, points: VecDeque::new() });
        trail.points.push_back((p.0, p.1, now()));
        if !std::mem::replace(&mut self.presenting.animating, true) {
            if let Some(session) = self.this.upgrade() {
                animate(session);
            }
        }
    }

    /// Draws the trails as they are now; whether any is left.
    fn draw_trails(&mut self) -> bool {
        if self.presenting.layer.is_none() {
            self.presenting.layer = layer(self.renderer.canvas());
        }
        let Some((canvas, ctx)) = &self.presenting.layer else { return false };
        let rect = self.renderer.canvas().get_bounding_client_rect();
        let scale = window().device_pixel_ratio();
        let (w, h) = ((rect.width() * scale).round() as u32, (rect.height() * scale).round() as u32);
        if canvas.width() != w || canvas.height() != h {
            canvas.set_width(w);
            canvas.set_height(h);
        }
        ctx.clear_rect(0.0, 0.0, w as f64, h as f64);
        let t = now();
        let mut left = false;
        for Trail { color, points } in self.presenting.trails.values_mut() {
            while points.front().is_some_and(|p| t - p.2 > TRAIL_MS) {
                points.pop_front();
            }
            left |= !points.is_empty();
            ctx.set_stroke_style_str(color);
            ctx.set_fill_style_str(color);
            ctx.set_line_cap("round");
            let screen = |x: f32, y: f32| {
                let (cx, cy) = self.renderer.to_client(x, y);
                ((cx - rect.left()) * scale, (cy - rect.top()) * scale)
            };
            for pair in points.iter().collect::<Vec<_>>().windows(2) {
                let (a, b) = (pair[0], pair[1]);
                ctx.set_global_alpha(1.0 - (t - b.2) / TRAIL_MS);
                ctx.set_line_width(4.0 * scale);
                ctx.begin_path();
                let (ax, ay) = screen(a.0, a.1);
                let (bx, by) = screen(b.0, b.1);
                ctx.move_to(ax, ay);
                ctx.line_to(bx, by);
                ctx.stroke();
            }
            if let Some(head) = points.back() {
                ctx.set_global_alpha(1.0 - (t - head.2) / TRAIL_MS);
                ctx.begin_path();
                let (x, y) = screen(head.0, head.1);
                let _ = ctx.arc(x, y, 5.0 * scale, 0.0, std::f64::consts::TAU);
                ctx.fill();
            }
        }
        ctx.set_global_alpha(1.0);
        self.presenting.trails.retain(|_, trail| !trail.points.is_empty());
        left
    }

    /// What part of the board we see.
    fn viewport(&self) -> Viewport {
        let rect = self.renderer.canvas().get_bounding_client_rect();
        let (x, y) = self.renderer.to_board(rect.left(), rect.top());
        let zoom = self.renderer.zoom;
        Viewport { x, y, w: (rect.width() / zoom) as f32, h: (rect.height() / zoom) as f32 }
    }

    /// Tells the others our viewport, at most ten times a second; what
    /// waits goes out with the next tick.
    pub(super) fn tell_view(&mut self) {
        let t = now();
        let ready = t - self.presenting.last_view_sent >= VIEWPORT_INTERVAL_MS;
        let socket = self.socket.as_ref().filter(|_| self.sync.is_synced());
        let view = self.viewport();
        match socket {
            Some(socket) if ready && view.is_valid() => {
                if let Ok(data) = serde_json::to_string(&view) {
                    socket.emit(Viewport::NAME, &data);
                }
                self.presenting.last_view_sent = t;
                self.presenting.view_unsent = false;
            }
            _ => self.presenting.view_unsent = true,
        }
    }

    /// Tells the others our viewport at once (someone joined, or we summon them).
    pub(super) fn tell_view_now(&mut self) {
        self.presenting.last_view_sent = 0.0;
        self.tell_view();
    }

    /// Sends a viewport that had to wait.
    pub(super) fn tell_view_if_waiting(&mut self) {
        if self.presenting.view_unsent {
            self.tell_view();
        }
    }

    /// Someone's viewport changed; we show it if we follow them.
    pub(super) fn viewport_moved(&mut self, moved: ViewportMoved) {
        let followed = self.view.following.get_untracked().as_ref() == Some(&moved.user);
        self.presenting.viewports.insert(moved.user, moved.view);
        if followed {
            self.follow();
        }
    }

    /// Shows the view of the person we follow, as they last told it.
    pub(super) fn follow(&mut self) {
        let Some(user) = self.view.following.get_untracked() else { return };
        if let Some(view) = self.presenting.viewports.get(&user).copied() {
            self.renderer.fit(view.x as f64, view.y as f64, view.w as f64, view.h as f64);
            // Not told on: two people following each other would zoom out for ever.
            self.refresh_view();
        }
    }

    /// Forgets the viewports of people who left; we stop following one who left.
    pub(super) fn keep_viewports(&mut self) {
        let users = self.sync.users();
        self.presenting.viewports.retain(|id, _| users.iter().any(|u| &u.id == id));
        if self.view.following.get_untracked().is_some_and(|id| !users.iter().any(|u| u.id == id)) {
            self.view.following.set(None);
        }
    }
}

/// Redraws the laser trails every frame while any shows.
fn animate(session: Shared) {
    let frame = Closure::once_into_js(move || {
        let more = session.try_borrow_mut().map(|mut s| {
            let more = s.draw_trails();
            s.presenting.animating = more;
            more
        });
        if more.unwrap_or(true) {
            animate(session);
        }
    });
    let _ = window().request_animation_frame(frame.unchecked_ref());
}
