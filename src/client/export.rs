//! Downloads of the board: a PNG at twice the resolution, an SVG document,
//! and the strokes as JSON.

use serde::Serialize;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use super::canvas::Renderer;
use super::images::ImageCache;
use super::window;
use crate::ink;
use crate::protocol::{BoardName, Stroke};

pub(super) fn png(board: &BoardName, strokes: &[Stroke], screen: &Renderer) {
    let pad = 16.0;
    let Some(b) = ink::bounds(strokes) else { return };
    let (w, h) = (b.width() as f64 + 2.0 * pad, b.height() as f64 + 2.0 * pad);
    // Twice the resolution, within what browsers allow for one canvas.
    let scale = (2.0f64).min(8192.0 / w.max(h));
    let origin = (b.min_x as f64 - pad, b.min_y as f64 - pad);
    let Some(r) = screen.offscreen((w * scale).ceil() as u32, (h * scale).ceil() as u32, scale, origin) else {
        return;
    };
    for s in strokes {
        r.draw(s, 0);
    }
    if let Ok(url) = r.canvas().to_data_url() {
        download(&format!("{board}.png"), &url);
    }
}

/// The SVG download; it embeds its images, so the file stands alone.
pub(super) fn svg(board: &BoardName, strokes: &[Stroke], images: &ImageCache) {
    let document = ink::svg_document(strokes, 16.0, &|hash| images.data_url(hash));
    download_text(&format!("{board}.svg"), "image/svg+xml", &document);
}

/// The JSON download: `{ name, strokes }`.
#[derive(Serialize)]
struct Export<'a> {
    name: &'a BoardName,
    strokes: &'a [Stroke],
}

pub(super) fn json(board: &BoardName, strokes: &[Stroke]) {
    if let Ok(doc) = serde_json::to_string(&Export { name: board, strokes }) {
        download_text(&format!("{board}.json"), "application/json", &doc);
    }
}

pub(super) fn download(name: &str, url: &str) {
    let Some(document) = window().document() else { return };
    let Ok(a) = document.create_element("a") else { return };
    let _ = a.set_attribute("href", url);
    let _ = a.set_attribute("download", name);
    if let Some(a) = a.dyn_ref::<HtmlElement>() {
        a.click();
    }
}

fn download_text(name: &str, mime: &str, text: &str) {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    if let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) {
        download(name, &url);
        let _ = web_sys::Url::revoke_object_url(&url);
    }
}
