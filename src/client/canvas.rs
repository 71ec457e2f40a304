//! Canvas rendering in the browser: a HiDPI-sharp 2D canvas that draws
//! strokes as smooth quadratic midpoint curves (or shapes), texts and
//! notes as `ink` lays them out, and selection outlines; it can extend a
//! stroke as new points arrive without redrawing the board.

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use std::rc::Rc;

use super::images::ImageCache;
use crate::ink::{self, Bounds};
use crate::protocol::{Stroke, Tool, QUANTUM};

pub const MIN_ZOOM: f64 = 0.1;
pub const MAX_ZOOM: f64 = 10.0;

/// Draws on one canvas through a pan/zoom viewport:
/// `screen = board × zoom + offset`, in CSS pixels.
pub struct Renderer {
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
    /// The images objects show, loaded once for every renderer.
    images: Rc<ImageCache>,
    /// Backing-store pixels per CSS pixel.
    scale: f64,
    pub zoom: f64,
    pub offset: (f64, f64),
}

fn context(canvas: &HtmlCanvasElement) -> CanvasRenderingContext2d {
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
        .expect("2d canvas context")
}

/// A canvas of CSS class `class`, hidden from assistive technology, put
/// next to `board` at `position` (as `insertAdjacentElement` takes it).
pub fn layer(board: &HtmlCanvasElement, class: &str, position: &str) -> Option<HtmlCanvasElement> {
    let canvas: HtmlCanvasElement = web_sys::window()?.document()?.create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_class_name(class);
    let _ = canvas.set_attribute("aria-hidden", "true");
    board.insert_adjacent_element(position, &canvas).ok()?;
    Some(canvas)
}

impl Renderer {
    pub fn new(canvas: HtmlCanvasElement, images: Rc<ImageCache>) -> Self {
        let ctx = context(&canvas);
        let mut renderer = Self { canvas, ctx, images, scale: 1.0, zoom: 1.0, offset: (0.0, 0.0) };
        renderer.resize();
        renderer
    }

    /// A detached canvas of `width` × `height` pixels on a white background,
    /// showing board point `origin` at its top-left corner at `zoom`.
    pub fn offscreen(&self, width: u32, height: u32, zoom: f64, origin: (f64, f64)) -> Option<Self> {
        let canvas: HtmlCanvasElement =
            web_sys::window()?.document()?.create_element("canvas").ok()?.dyn_into().ok()?;
        canvas.set_width(width);
        canvas.set_height(height);
        let ctx = context(&canvas);
        ctx.set_fill_style_str("#ffffff");
        ctx.fill_rect(0.0, 0.0, width as f64, height as f64);
        let images = self.images.clone();
        let renderer = Self { canvas, ctx, images, scale: 1.0, zoom, offset: (-origin.0 * zoom, -origin.1 * zoom) };
        renderer.apply_view();
        Some(renderer)
    }

    pub fn canvas(&self) -> &HtmlCanvasElement {
        &self.canvas
    }

    /// A canvas of the same size and view right under this one, with CSS
    /// class `class`; `remove` takes it away.
    pub fn layer_below(&self, class: &str) -> Option<Self> {
        let canvas = layer(&self.canvas, class, "beforebegin")?;
        canvas.set_width(self.canvas.width());
        canvas.set_height(self.canvas.height());
        let ctx = context(&canvas);
        let layer = Self { canvas, ctx, images: self.images.clone(), ..*self };
        layer.apply_view();
        Some(layer)
    }

    pub fn remove(&self) {
        self.canvas.remove();
    }

    /// Matches the backing store to the element's CSS size times the device
    /// pixel ratio, so lines stay sharp on HiDPI screens. Clears the canvas.
    pub fn resize(&mut self) {
        self.scale = web_sys::window().map(|w| w.device_pixel_ratio()).unwrap_or(1.0);
        let rect = self.canvas.get_bounding_client_rect();
        self.canvas.set_width((rect.width() * self.scale).round().max(1.0) as u32);
        self.canvas.set_height((rect.height() * self.scale).round().max(1.0) as u32);
        self.apply_view();
    }

    /// Sets the context transform from the viewport; tests read it back from data attributes.
    pub fn apply_view(&self) {
        let (s, z) = (self.scale, self.zoom);
        let _ = self.ctx.set_transform(s * z, 0.0, 0.0, s * z, s * self.offset.0, s * self.offset.1);
        self.ctx.set_line_cap("round");
        self.ctx.set_line_join("round");
        let _ = self.canvas.set_attribute("data-zoom", &z.to_string());
        let _ = self.canvas.set_attribute("data-offset", &format!("{} {}", self.offset.0, self.offset.1));
    }

    fn origin(&self) -> (f64, f64) {
        let rect = self.canvas.get_bounding_client_rect();
        (rect.left(), rect.top())
    }

    /// Board coordinates of a point given in client (viewport) pixels, to
    /// the 1/16 pixel: under a screen pixel even at the 10× zoom, and what
    /// packs smallest (see `protocol::packed`).
    pub fn to_board(&self, client_x: f64, client_y: f64) -> (f32, f32) {
        let (left, top) = self.origin();
        // `+ 0.0` makes a -0.0 (which packs as raw f32s) a 0.0.
        let snap = |v: f64| ((v * QUANTUM as f64).round() / QUANTUM as f64) as f32 + 0.0;
        (snap((client_x - left - self.offset.0) / self.zoom), snap((client_y - top - self.offset.1) / self.zoom))
    }

    /// Client pixels of a board point.
    pub fn to_client(&self, x: f32, y: f32) -> (f64, f64) {
        let (left, top) = self.origin();
        (x as f64 * self.zoom + self.offset.0 + left, y as f64 * self.zoom + self.offset.1 + top)
    }

    pub fn pan(&mut self, dx: f64, dy: f64) {
        self.offset.0 += dx;
        self.offset.1 += dy;
        self.apply_view();
    }

    /// Zooms by `factor` keeping the board point under client pixel `at` in place.
    pub fn zoom_at(&mut self, at: (f64, f64), factor: f64) {
        let (left, top) = self.origin();
        let (px, py) = (at.0 - left, at.1 - top);
        let zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        let k = zoom / self.zoom;
        self.offset = (px - (px - self.offset.0) * k, py - (py - self.offset.1) * k);
        self.zoom = zoom;
        self.apply_view();
    }

    /// Shows the board rectangle at (`x`, `y`) of `w` × `h` whole and
    /// centred (another's view, which had another size).
    pub fn fit(&mut self, x: f64, y: f64, w: f64, h: f64) {
        let rect = self.canvas.get_bounding_client_rect();
        let zoom = (rect.width() / w).min(rect.height() / h).clamp(MIN_ZOOM, MAX_ZOOM);
        self.zoom = zoom;
        self.offset = ((rect.width() - w * zoom) / 2.0 - x * zoom, (rect.height() - h * zoom) / 2.0 - y * zoom);
        self.apply_view();
    }

    pub fn reset_view(&mut self) {
        self.zoom = 1.0;
        self.offset = (0.0, 0.0);
        self.apply_view();
    }

    pub fn clear(&self) {
        self.ctx.save();
        let _ = self.ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        self.ctx.clear_rect(0.0, 0.0, self.canvas.width() as f64, self.canvas.height() as f64);
        self.ctx.restore();
    }

    /// Clears to white paper (a video frame has no transparency).
    pub fn paper(&self) {
        self.ctx.save();
        let _ = self.ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        self.ctx.set_fill_style_str("#ffffff");
        self.ctx.fill_rect(0.0, 0.0, self.canvas.width() as f64, self.canvas.height() as f64);
        self.ctx.restore();
    }

    /// Draws freehand lines of one colour and width as straight polylines in
    /// one path: a quick sketch of many strokes at once.
    pub fn draw_sketch(&self, color: &str, width: f32, lines: &[Vec<f32>]) {
        let ctx = &self.ctx;
        ctx.set_stroke_style_str(color);
        ctx.set_line_width(width as f64);
        ctx.begin_path();
        for line in lines.iter().filter(|l| l.len() >= 4) {
            ctx.move_to(line[0] as f64, line[1] as f64);
            for p in line[2..].chunks_exact(2) {
                ctx.line_to(p[0] as f64, p[1] as f64);
            }
        }
        ctx.stroke();
    }

    /// Draws `stroke`; with `from > 0`, only what the points from index
    /// `from` on (x, y pairs) add to an already drawn freehand stroke.
    pub fn draw(&self, stroke: &Stroke, from: usize) {
        if let Some(layout) = ink::layout(stroke) {
            return self.draw_text(stroke, &layout);
        }
        if let (Some(b), Some(hash)) = (ink::image_box(stroke), &stroke.image) {
            return self.draw_image(hash, &b);
        }
        let p = stroke.placed_points();
        let n = p.len() / 2;
        if n == 0 {
            return;
        }
        let pt = |i: usize| (p[2 * i] as f64, p[2 * i + 1] as f64);
        let ctx = &self.ctx;
        ctx.set_stroke_style_str(&stroke.color);
        ctx.set_fill_style_str(&stroke.color);
        ctx.set_line_width(stroke.width as f64);
        ctx.begin_path();
        match stroke.tool {
            Tool::Pen | Tool::Eraser => {
                if n == 1 {
                    let (x, y) = pt(0);
                    let _ = ctx.arc(x, y, stroke.width as f64 / 2.0, 0.0, std::f64::consts::TAU);
                    ctx.fill();
                    return;
                }
                let mid = |i: usize| {
                    let (a, b) = (pt(i), pt(i + 1));
                    ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0)
                };
                // Segment i runs from mid(i-1) (or the first point) through
                // control point i to mid(i); the last runs straight to the end.
                let first = from.saturating_sub(1).max(1);
                let start = if first >= 2 { mid(first - 1) } else { pt(0) };
                ctx.move_to(start.0, start.1);
                for i in first..n - 1 {
                    let (c, m) = (pt(i), mid(i));
                    ctx.quadratic_curve_to(c.0, c.1, m.0, m.1);
                }
                let (x, y) = pt(n - 1);
                ctx.line_to(x, y);
            }
            Tool::Line => {
                let ((x0, y0), (x1, y1)) = (pt(0), pt(n - 1));
                ctx.move_to(x0, y0);
                ctx.line_to(x1, y1);
            }
            Tool::Rect => {
                let ((x0, y0), (x1, y1)) = (pt(0), pt(n - 1));
                ctx.rect(x0.min(x1), y0.min(y1), (x1 - x0).abs(), (y1 - y0).abs());
            }
            Tool::Ellipse => {
                let ((x0, y0), (x1, y1)) = (pt(0), pt(n - 1));
                let _ = ctx.ellipse(
                    (x0 + x1) / 2.0,
                    (y0 + y1) / 2.0,
                    (x1 - x0).abs() / 2.0,
                    (y1 - y0).abs() / 2.0,
                    0.0,
                    0.0,
                    std::f64::consts::TAU,
                );
            }
            Tool::Text | Tool::Note | Tool::Image => {}
        }
        ctx.stroke();
    }

    /// Draws `stroke` as `draw` does, but a freehand line as a polyline one
    /// device pixel wide: rasterized four to five times as fast, for a first
    /// sketch.
    pub fn draw_thin(&self, stroke: &Stroke) {
        if !matches!(stroke.tool, Tool::Pen | Tool::Eraser) || stroke.points.len() < 4 {
            return self.draw(stroke, 0);
        }
        let p = stroke.placed_points();
        let ctx = &self.ctx;
        ctx.set_stroke_style_str(&stroke.color);
        ctx.set_line_width(1.0 / (self.scale * self.zoom));
        ctx.begin_path();
        ctx.move_to(p[0] as f64, p[1] as f64);
        for xy in p[2..].chunks_exact(2) {
            ctx.line_to(xy[0] as f64, xy[1] as f64);
        }
        ctx.stroke();
    }

    /// An image in its box; a grey box until it has loaded.
    fn draw_image(&self, hash: &str, b: &Bounds) {
        let (x, y, w, h) = (b.min_x as f64, b.min_y as f64, b.width() as f64, b.height() as f64);
        match self.images.get(hash) {
            Some(image) => {
                let _ = self.ctx.draw_image_with_html_image_element_and_dw_and_dh(&image, x, y, w, h);
            }
            None => {
                self.ctx.set_fill_style_str("#e9ecef");
                self.ctx.fill_rect(x, y, w, h);
            }
        }
    }

    /// A text's lines, or a note's square and its lines.
    fn draw_text(&self, object: &Stroke, layout: &ink::Layout) {
        let ctx = &self.ctx;
        let size = layout.size as f64;
        if object.tool == Tool::Note {
            let b = &layout.bounds;
            ctx.save();
            ctx.set_shadow_color("rgba(0, 0, 0, 0.18)");
            ctx.set_shadow_blur(6.0 * self.scale * self.zoom);
            ctx.set_shadow_offset_y(2.0 * self.scale * self.zoom);
            ctx.set_fill_style_str(&object.color);
            ctx.begin_path();
            let _ = ctx.round_rect_with_f64(
                b.min_x as f64,
                b.min_y as f64,
                b.width() as f64,
                b.height() as f64,
                size * 0.3,
            );
            ctx.fill();
            ctx.restore();
            ctx.set_fill_style_str(ink::NOTE_TEXT_COLOR);
        } else {
            ctx.set_fill_style_str(&object.color);
        }
        ctx.set_font(&format!("{size}px sans-serif"));
        ctx.set_text_baseline("alphabetic");
        for (i, line) in layout.lines.iter().enumerate() {
            let _ = ctx.fill_text(line, layout.x as f64, layout.baseline(i) as f64);
        }
    }

    /// A dashed outline of `b` in `color`, `pad` screen pixels outside it,
    /// with square handles at its corners when `handles`.
    pub fn outline(&self, b: &Bounds, color: &str, handles: bool) {
        let ctx = &self.ctx;
        let px = 1.0 / self.zoom;
        let pad = OUTLINE_PAD * px;
        let (x, y, w, h) =
            (b.min_x as f64 - pad, b.min_y as f64 - pad, b.width() as f64 + 2.0 * pad, b.height() as f64 + 2.0 * pad);
        ctx.save();
        ctx.set_stroke_style_str(color);
        ctx.set_line_width(1.5 * px);
        let dash = js_sys::Array::of2(&(5.0 * px).into(), &(4.0 * px).into());
        let _ = ctx.set_line_dash(&dash);
        ctx.stroke_rect(x, y, w, h);
        if handles {
            let _ = ctx.set_line_dash(&js_sys::Array::new());
            ctx.set_fill_style_str("#ffffff");
            let r = HANDLE * px / 2.0;
            for (cx, cy) in [(x, y), (x + w, y), (x, y + h), (x + w, y + h)] {
                ctx.fill_rect(cx - r, cy - r, 2.0 * r, 2.0 * r);
                ctx.stroke_rect(cx - r, cy - r, 2.0 * r, 2.0 * r);
            }
        }
        ctx.restore();
    }

    /// The selection box's corners where its handles are drawn, in board
    /// coordinates: top-left, top-right, bottom-left, bottom-right.
    pub fn handle_corners(&self, b: &Bounds) -> [(f32, f32); 4] {
        let pad = (OUTLINE_PAD / self.zoom) as f32;
        let (x0, y0, x1, y1) = (b.min_x - pad, b.min_y - pad, b.max_x + pad, b.max_y + pad);
        [(x0, y0), (x1, y0), (x0, y1), (x1, y1)]
    }

    /// How far from a handle's centre a press still grabs it, in board units.
    pub fn handle_reach(&self) -> f32 {
        (HANDLE / self.zoom) as f32
    }
}

/// Gap between an object and its selection outline, in screen pixels.
const OUTLINE_PAD: f64 = 4.0;
/// Side of a resize handle, in screen pixels.
const HANDLE: f64 = 9.0;
