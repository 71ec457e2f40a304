//! Images in the browser: the cache of loaded images every renderer draws
//! from, and adding one (the Image button, a paste, a drop): checked by
//! type, scaled to at most 2,048 px on its long side, uploaded with its
//! progress shown, then added as an object where it was dropped.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use leptos::prelude::{GetUntracked, Set};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, File, HtmlCanvasElement, HtmlImageElement, HtmlInputElement, XmlHttpRequest};

use super::{window, Session, Shared};
use crate::ink;
use crate::protocol::{Color, NewObject, Tool};

/// The types the server accepts: images, and PDFs, whose pages it renders.
const ACCEPTED: [&str; 5] = ["image/png", "image/jpeg", "image/webp", "image/gif", PDF];
const PDF: &str = "application/pdf";
/// Room between a PDF's pages, in board units.
const PAGE_GAP: f32 = 24.0;
/// Longest side of an uploaded image, in pixels.
const MAX_SIDE: f64 = 2048.0;
/// How much of the view a new image may cover at most.
const MAX_SHARE_OF_VIEW: f64 = 0.6;

/// Loaded images by hash; `on_load` runs when one more has loaded.
#[derive(Default)]
pub(super) struct ImageCache {
    images: RefCell<HashMap<String, HtmlImageElement>>,
    on_load: RefCell<Option<Rc<dyn Fn()>>>,
}

impl ImageCache {
    pub(super) fn set_on_load(&self, on_load: impl Fn() + 'static) {
        *self.on_load.borrow_mut() = Some(Rc::new(on_load));
    }

    /// The image `hash`, once loaded; asks the server for it the first time.
    pub(super) fn get(&self, hash: &str) -> Option<HtmlImageElement> {
        if let Some(image) = self.images.borrow().get(hash) {
            return (image.complete() && image.natural_width() > 0).then(|| image.clone());
        }
        let image = HtmlImageElement::new().ok()?;
        if let Some(on_load) = self.on_load.borrow().clone() {
            let loaded = Closure::<dyn FnMut()>::new(move || on_load());
            image.set_onload(Some(loaded.as_ref().unchecked_ref()));
            loaded.forget();
        }
        image.set_src(&ink::image_path(hash));
        self.images.borrow_mut().insert(hash.to_owned(), image);
        None
    }

    /// The image as a `data:` URL (PNG), for a file that stands alone; its
    /// address on this server while it has not loaded.
    pub(super) fn data_url(&self, hash: &str) -> String {
        let fallback = || format!("{}{}", window().location().origin().unwrap_or_default(), ink::image_path(hash));
        let Some(image) = self.get(hash) else { return fallback() };
        let drawn = (|| {
            let canvas: HtmlCanvasElement = window().document()?.create_element("canvas").ok()?.dyn_into().ok()?;
            canvas.set_width(image.natural_width());
            canvas.set_height(image.natural_height());
            let ctx = canvas.get_context("2d").ok()??.dyn_into::<web_sys::CanvasRenderingContext2d>().ok()?;
            ctx.draw_image_with_html_image_element(&image, 0.0, 0.0).ok()?;
            canvas.to_data_url().ok()
        })();
        drawn.unwrap_or_else(fallback)
    }
}

impl Session {
    /// The Image button: pick image files to add.
    pub(super) fn choose_images(&mut self) {
        let Some(input) = window()
            .document()
            .and_then(|d| d.create_element("input").ok())
            .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        input.set_type("file");
        input.set_accept(&ACCEPTED.join(","));
        input.set_multiple(true);
        let Some(session) = self.this.upgrade() else { return };
        let chosen = Closure::once(move |e: web_sys::Event| {
            let files = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()).and_then(|i| i.files());
            add_files(&session, files, None);
        });
        input.set_onchange(Some(chosen.as_ref().unchecked_ref()));
        chosen.forget();
        input.click();
    }
}

/// Adds the images among `files`, centred at board point `at` (else where
/// the pointer was, else mid-view).
pub(super) fn add_files(session: &Shared, files: Option<web_sys::FileList>, at: Option<(f32, f32)>) {
    let Some(files) = files else { return };
    for i in 0..files.length() {
        let Some(file) = files.get(i) else { continue };
        if !ACCEPTED.contains(&file.type_().as_str()) {
            let s = session.borrow();
            let text = s.texts.get("image.wrong_type").to_owned();
            s.view.notice.set(Some(text));
            continue;
        }
        if file.type_() == PDF {
            upload(session.clone(), file.into(), Upload::Pdf, at);
        } else {
            scale_and_upload(session.clone(), file, at);
        }
    }
}

/// Loads `file`, scales it down to `MAX_SIDE` if it is larger (a GIF stays
/// as it is, animated), then uploads it.
fn scale_and_upload(session: Shared, file: File, at: Option<(f32, f32)>) {
    let session_for_error = session.clone();
    let (Ok(url), Ok(image)) = (web_sys::Url::create_object_url_with_blob(&file), HtmlImageElement::new()) else {
        return;
    };
    let loaded = {
        let (image, url) = (image.clone(), url.clone());
        Closure::once(move || {
            let _ = web_sys::Url::revoke_object_url(&url);
            let (w, h) = (image.natural_width() as f64, image.natural_height() as f64);
            let scale = (MAX_SIDE / w.max(h)).min(1.0);
            if scale >= 1.0 || file.type_() == "image/gif" {
                return upload(session, file.into(), Upload::Image((w, h)), at);
            }
            let (sw, sh) = ((w * scale).round(), (h * scale).round());
            let scaled = (|| {
                let canvas: HtmlCanvasElement = window().document()?.create_element("canvas").ok()?.dyn_into().ok()?;
                canvas.set_width(sw as u32);
                canvas.set_height(sh as u32);
                let ctx = canvas.get_context("2d").ok()??.dyn_into::<web_sys::CanvasRenderingContext2d>().ok()?;
                ctx.draw_image_with_html_image_element_and_dw_and_dh(&image, 0.0, 0.0, sw, sh).ok()?;
                Some(canvas)
            })();
            let Some(canvas) = scaled else { return };
            let done = Closure::once(move |blob: JsValue| {
                if let Ok(blob) = blob.dyn_into::<Blob>() {
                    upload(session, blob, Upload::Image((sw, sh)), at);
                }
            });
            // A photo stays a JPEG; anything else a PNG, to keep its transparency.
            let kind = if file.type_() == "image/jpeg" { "image/jpeg" } else { "image/png" };
            let _ = canvas.to_blob_with_type(done.as_ref().unchecked_ref(), kind);
            done.forget();
        })
    };
    image.set_onload(Some(loaded.as_ref().unchecked_ref()));
    loaded.forget();
    let broken = {
        let url = url.clone();
        Closure::once(move || {
            let _ = web_sys::Url::revoke_object_url(&url);
            let s = session_for_error.borrow();
            let why = s.texts.get("image.wrong_type");
            s.view.notice.set(Some(s.texts.fill("image.not_added", &[("why", &why)])));
        })
    };
    image.set_onerror(Some(broken.as_ref().unchecked_ref()));
    broken.forget();
    image.set_src(&url);
}

/// What is uploaded: an image of this many pixels, or a PDF.
#[derive(Clone, Copy)]
enum Upload {
    Image((f64, f64)),
    Pdf,
}

/// Uploads `blob`, showing its progress, and adds it (a PDF's pages one
/// below the other).
fn upload(session: Shared, blob: Blob, what: Upload, at: Option<(f32, f32)>) {
    let Ok(request) = XmlHttpRequest::new() else { return };
    let (board, key) = {
        let s = session.borrow();
        (s.board.to_string(), s.view.key.get_untracked())
    };
    let path = if matches!(what, Upload::Pdf) { "pdf" } else { "images" };
    if request.open("POST", &format!("/api/boards/{board}/{path}")).is_err() {
        return;
    }
    let _ = request.set_request_header("Content-Type", &blob.type_());
    if let Some(key) = key {
        let _ = request.set_request_header("Authorization", &format!("Bearer {key}"));
    }
    if let Ok(progress_target) = request.upload() {
        let session = session.clone();
        let progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            if let Ok(s) = session.try_borrow() {
                let percent = if e.total() > 0.0 { (100.0 * e.loaded() / e.total()).round() } else { 0.0 };
                s.view.notice.set(Some(s.texts.fill("image.uploading", &[("percent", &percent)])));
            }
        });
        progress_target.set_onprogress(Some(progress.as_ref().unchecked_ref()));
        progress.forget();
    }
    let finished = {
        let request = request.clone();
        Closure::<dyn FnMut()>::new(move || {
            let body = request.response_text().ok().flatten().unwrap_or_default();
            let reply: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let mut s = session.borrow_mut();
            let pages: Vec<(String, (f64, f64))> = match what {
                Upload::Image(size) => reply["hash"].as_str().map(|h| (h.to_owned(), size)).into_iter().collect(),
                Upload::Pdf => reply["pages"].as_array().into_iter().flatten().filter_map(page).collect(),
            };
            match request.status().unwrap_or(0) {
                201 if !pages.is_empty() => {
                    s.view.notice.set(None);
                    s.add_images(&pages, at);
                }
                _ => {
                    let why = reply["error"]
                        .as_str()
                        .map_or_else(|| format!("HTTP {}", request.status().unwrap_or(0)), str::to_owned);
                    let text = s.texts.fill("image.not_added", &[("why", &why)]);
                    s.view.notice.set(Some(text));
                }
            }
        })
    };
    request.set_onloadend(Some(finished.as_ref().unchecked_ref()));
    finished.forget();
    let _ = request.send_with_opt_blob(Some(&blob));
}

impl Session {
    /// Makes images of other boards (`hashes`) this board's too, then runs
    /// `then` with those it now has.
    pub(super) fn adopt_images(
        &self,
        hashes: HashSet<String>,
        then: impl FnOnce(&mut Session, HashSet<String>) + 'static,
    ) {
        if let Some(session) = self.this.upgrade() {
            adopt(&session, self.board.to_string(), self.view.key.get_untracked(), hashes, then);
        }
    }
}

/// `adopt_images`, run by requests that answer when the session is free again.
fn adopt(
    session: &Shared,
    board: String,
    key: Option<String>,
    hashes: HashSet<String>,
    then: impl FnOnce(&mut Session, HashSet<String>) + 'static,
) {
    // Requests sent and not answered, the hashes adopted, and what runs after the last answer.
    let pending = Rc::new(RefCell::new((0usize, HashSet::new(), Some(then))));
    for hash in hashes {
        let Ok(request) = XmlHttpRequest::new() else { continue };
        if request.open("POST", &format!("/api/boards/{board}/images/{hash}")).is_err() {
            continue;
        }
        if let Some(key) = &key {
            let _ = request.set_request_header("Authorization", &format!("Bearer {key}"));
        }
        let finished = {
            let (session, pending, request) = (session.clone(), pending.clone(), request.clone());
            Closure::<dyn FnMut()>::new(move || {
                let mut state = pending.borrow_mut();
                if request.status().unwrap_or(0) == 200 {
                    state.1.insert(hash.clone());
                }
                state.0 -= 1;
                if state.0 == 0 {
                    let adopted = std::mem::take(&mut state.1);
                    if let Some(then) = state.2.take() {
                        then(&mut session.borrow_mut(), adopted);
                    }
                }
            })
        };
        request.set_onloadend(Some(finished.as_ref().unchecked_ref()));
        finished.forget();
        if request.send().is_ok() {
            pending.borrow_mut().0 += 1;
        }
    }
    // Nothing could be asked: the paste goes on without those images, once the session is free.
    if pending.borrow().0 == 0 {
        let session = session.clone();
        let later = Closure::once_into_js(move || {
            if let Some(then) = pending.borrow_mut().2.take() {
                then(&mut session.borrow_mut(), HashSet::new());
            }
        });
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(later.unchecked_ref(), 0);
    }
}

/// A page of a PDF upload's answer: its hash and size.
fn page(page: &serde_json::Value) -> Option<(String, (f64, f64))> {
    Some((page["hash"].as_str()?.to_owned(), (page["width"].as_f64()?, page["height"].as_f64()?)))
}

impl Session {
    /// Adds uploaded images (`hash`, pixel size), one below the other, the
    /// first centred at `at` and no larger than `MAX_SHARE_OF_VIEW` of the
    /// view, all at its scale; they become the selection.
    fn add_images(&mut self, images: &[(String, (f64, f64))], at: Option<(f32, f32)>) {
        let (Some(me), Ok(color)) = (self.sync.me().map(|u| u.id.clone()), Color::new("#000000")) else { return };
        let Some((_, first)) = images.first() else { return };
        let rect = self.renderer.canvas().get_bounding_client_rect();
        let centre = at.or(self.input.last_at).unwrap_or_else(|| {
            self.renderer.to_board(rect.left() + rect.width() / 2.0, rect.top() + rect.height() / 2.0)
        });
        let fit =
            (MAX_SHARE_OF_VIEW * rect.width() / first.0).min(MAX_SHARE_OF_VIEW * rect.height() / first.1).min(1.0);
        let scale = (fit / self.renderer.zoom) as f32;
        let x = centre.0 - first.0 as f32 * scale / 2.0;
        let mut y = centre.1 - first.1 as f32 * scale / 2.0;
        let mut objects = Vec::with_capacity(images.len());
        for (hash, (w, h)) in images {
            let Some(id) = self.next_stroke_id() else { return };
            let (w, h) = (*w as f32 * scale, *h as f32 * scale);
            objects.push(NewObject {
                id,
                color: color.clone(),
                width: 1.0,
                tool: Tool::Image,
                points: vec![x, y, x + w, y + h],
                text: None,
                transform: None,
                image: Some(hash.clone()),
            });
            y += h + PAGE_GAP;
        }
        self.selection.ids = self.add_objects(objects, &me, None);
        self.view.tool.set(crate::ui::Pick::Select);
        self.selection_changed(None);
    }
}
