//! Canvas rendering in the browser: a HiDPI-sharp 2D canvas that draws
//! strokes as smooth quadratic midpoint curves (or shapes) and can extend a
//! stroke as new points arrive without redrawing the board.

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::protocol::{Stroke, Tool};

pub struct Renderer {
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
}

impl Renderer {
    pub fn new(canvas: HtmlCanvasElement) -> Self {
        let ctx = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
            .expect("2d canvas context");
        let renderer = Self { canvas, ctx };
        renderer.resize();
        renderer
    }

    /// Matches the backing store to the element's CSS size times the device
    /// pixel ratio; board units stay CSS pixels. Clears the canvas.
    pub fn resize(&self) {
        let dpr = web_sys::window().map(|w| w.device_pixel_ratio()).unwrap_or(1.0);
        let rect = self.canvas.get_bounding_client_rect();
        self.canvas.set_width((rect.width() * dpr).round().max(1.0) as u32);
        self.canvas.set_height((rect.height() * dpr).round().max(1.0) as u32);
        let _ = self.ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
        self.ctx.set_line_cap("round");
        self.ctx.set_line_join("round");
    }

    /// Board coordinates of a point given in client (viewport) pixels.
    pub fn to_board(&self, client_x: f64, client_y: f64) -> (f32, f32) {
        let rect = self.canvas.get_bounding_client_rect();
        ((client_x - rect.left()) as f32, (client_y - rect.top()) as f32)
    }

    pub fn clear(&self) {
        let _ = self.ctx.save();
        let _ = self.ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        self.ctx.clear_rect(0.0, 0.0, self.canvas.width() as f64, self.canvas.height() as f64);
        let _ = self.ctx.restore();
    }

    pub fn redraw<'a>(&self, strokes: impl IntoIterator<Item = &'a Stroke>) {
        self.clear();
        for s in strokes {
            self.draw(s, 0);
        }
    }

    /// Draws `stroke`; with `from > 0`, only what the points from index
    /// `from` on (x, y pairs) add to an already drawn freehand stroke.
    pub fn draw(&self, stroke: &Stroke, from: usize) {
        let p = &stroke.points;
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
        }
        ctx.stroke();
    }
}
