//! A board's history drawn as it arrives, each object once it is whole
//! (the last of a chunk may go on in the next). The first `SKETCH_ABOVE`
//! points go on the canvas as they are; past that, freehand lines go as 1-pixel
//! lines on a sketch layer under the canvas (a software rasterizer, as in
//! a browser without a GPU, is about four times quicker at those). Once
//! synced, the sketched objects are drawn on the canvas in full, a slice
//! per animation frame so the board stays live, and the layer goes.

use std::cell::{Cell, RefCell};

use super::canvas::Renderer;
use crate::protocol::Stroke;

/// Points drawn in full as they arrive before sketching starts: a small
/// board never shows a sketch.
const SKETCH_ABOVE: usize = 20_000;
/// Points drawn in full per animation frame after the sync: about 10 ms
/// of rasterizing in a GPU-less Chromium.
const POINTS_PER_FRAME: usize = 12_000;

#[derive(Default)]
pub struct Arrival {
    // Interior, so that a redraw (from `&self`) can start the drawing again.
    /// Points drawn in full as they arrived.
    drawn: Cell<usize>,
    /// The first arrived object not drawn yet.
    next: Cell<usize>,
    sketch: RefCell<Option<Sketch>>,
}

struct Sketch {
    layer: Renderer,
    /// The first object not drawn in full yet.
    next: usize,
    /// The objects the sync brought: those after came live, drawn in full
    /// on the canvas already, and go on top again once the rest is drawn.
    synced: Option<usize>,
}

impl Arrival {
    /// Draws the objects of `arrived` that are whole now: all but the last.
    /// With `again`, from the first, on a cleared canvas (a new connection's
    /// history, a redraw).
    pub fn draw(&self, canvas: &Renderer, arrived: &[Stroke], again: bool) {
        if again {
            self.drop_sketch();
            self.drawn.set(0);
            self.next.set(0);
        }
        let next = self.next.get();
        let whole = arrived.len().saturating_sub(1).max(next);
        let mut sketch = self.sketch.borrow_mut();
        for (i, object) in arrived.iter().enumerate().take(whole).skip(next) {
            if sketch.is_none() && self.drawn.get() < SKETCH_ABOVE {
                self.drawn.set(self.drawn.get() + object.points.len() / 2);
                canvas.draw(object, 0);
                continue;
            }
            if sketch.is_none() {
                let Some(layer) = canvas.layer_below("sketch") else {
                    canvas.draw(object, 0);
                    continue;
                };
                *sketch = Some(Sketch { layer, next: i, synced: None });
            }
            if let Some(s) = sketch.as_ref() {
                s.layer.draw_thin(object);
            }
        }
        self.next.set(whole);
    }

    /// The history is the board, `strokes`: draws what is left of it, and
    /// returns whether some of it is a sketch still, to be drawn in full by
    /// `refine` frames.
    pub fn synced(&mut self, canvas: &Renderer, strokes: &[Stroke]) -> bool {
        let next = self.next.take();
        match self.sketch.get_mut() {
            Some(sketch) => {
                sketch.synced = Some(strokes.len());
                true
            }
            None => {
                for object in strokes.iter().skip(next) {
                    canvas.draw(object, 0);
                }
                false
            }
        }
    }

    /// Draws the next slice of sketched objects in full; returns whether
    /// more remain for the next frame.
    pub fn refine(&mut self, canvas: &Renderer, strokes: &[Stroke]) -> bool {
        let Some(sketch) = self.sketch.get_mut() else { return false };
        let Some(synced) = sketch.synced else { return false };
        let synced = synced.min(strokes.len());
        let mut points = 0;
        while sketch.next < synced && points < POINTS_PER_FRAME {
            let object = &strokes[sketch.next];
            canvas.draw(object, 0);
            points += object.points.len() / 2;
            sketch.next += 1;
        }
        if sketch.next < synced {
            return true;
        }
        for object in &strokes[synced..] {
            canvas.draw(object, 0);
        }
        self.drop_sketch();
        false
    }

    /// Whether synced objects wait to be drawn in full (`refine`).
    pub fn refining(&self) -> bool {
        self.sketch.borrow().as_ref().is_some_and(|s| s.synced.is_some())
    }

    /// The canvas is drawn in full: no sketch is needed.
    pub fn drop_sketch(&self) {
        if let Some(sketch) = self.sketch.borrow_mut().take() {
            sketch.layer.remove();
        }
    }
}
