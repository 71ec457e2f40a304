//! The History panel's side of the session: it loads the board's log
//! (`GET /api/boards/{name}/history`) into a [`Timeline`], shows any moment
//! of it on the canvas instead of the live board (read-only, while the
//! replica goes on taking relays underneath), plays it as a timelapse,
//! records that to a WebM file, and restores a moment with one `restore`.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::{GetUntracked, Set, Update, WithUntracked};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::XmlHttpRequest;

use super::{window, Session};
use crate::ink;
use crate::protocol::{HistoryLog, Restore, Stroke, Timeline};
use crate::ui::{HistoryCommand, HistoryPanel, Mark};

/// A pause longer than this (ms) plays as this long in the timelapse.
const LONGEST_PAUSE: f64 = 1000.0;
/// Most marks on the timeline; nearby changes of one person share one.
const MARKS: usize = 120;
/// The timelapse video: its size, frame rate and longest duration.
const VIDEO: (u32, u32) = (1280, 720);
const VIDEO_FPS: f64 = 30.0;
const VIDEO_FRAMES: usize = 30 * 20;
/// While the slider moves or the timelapse plays, a board of more points
/// than this is drawn as a sketch of about this many, so each step stays
/// quick; it is drawn whole once the slider rests for `SETTLE_MS`.
const PREVIEW_POINTS: usize = 20_000;
const SETTLE_MS: i32 = 250;

/// The board's history as the panel shows it.
pub(super) struct Scrub {
    timeline: Timeline,
    /// What shows at the seq the panel is at.
    pub(super) shown: Vec<Stroke>,
    /// Each change's moment in the timelapse (ms from the first), pauses shortened.
    clock: Vec<f64>,
    /// Playing: the timelapse moment shown, and the interval timer.
    playing: Option<(f64, i32)>,
    /// Sketching with every `thin`-th point of freehand strokes, until the slider rests.
    thin: usize,
    /// The timer that draws the moment whole once the slider rests.
    settle: Option<i32>,
}

impl Scrub {
    /// Draws the moment shown on `renderer`.
    pub(super) fn draw(&self, renderer: &super::canvas::Renderer) {
        draw_thinned(renderer, &self.shown, self.thin);
    }
}

/// How much to thin `strokes` to draw about `PREVIEW_POINTS`: every how many points.
fn thinning(strokes: &[Stroke]) -> usize {
    strokes.iter().map(|s| s.points.len() / 2).sum::<usize>().div_ceil(PREVIEW_POINTS).max(1)
}

/// Draws `strokes`; with `thin > 1`, freehand ones as a sketch: every
/// `thin`-th point, in straight lines, strokes of one colour and width
/// after one another in one path.
fn draw_thinned(renderer: &super::canvas::Renderer, strokes: &[Stroke], thin: usize) {
    type Sketch<'a> = Option<(&'a crate::protocol::Color, f32, Vec<Vec<f32>>)>;
    let mut sketch: Sketch = None;
    let flush = |sketch: &mut Sketch| {
        if let Some((color, width, lines)) = sketch.take() {
            renderer.draw_sketch(color, width, &lines);
        }
    };
    for s in strokes {
        if thin == 1 || s.tool != crate::protocol::Tool::Pen || s.points.len() < 4 {
            flush(&mut sketch);
            renderer.draw(s, 0);
            continue;
        }
        let line = thinned(&s.placed_points(), thin);
        match &mut sketch {
            Some((color, width, lines)) if *color == &s.color && *width == s.width => lines.push(line),
            _ => {
                flush(&mut sketch);
                sketch = Some((&s.color, s.width, vec![line]));
            }
        }
    }
    flush(&mut sketch);
}

/// Every `k`-th point of `points` (x, y pairs), and the last.
fn thinned(points: &[f32], k: usize) -> Vec<f32> {
    let pairs = points.len() / 2;
    let mut out: Vec<f32> = (0..pairs).step_by(k).flat_map(|i| [points[2 * i], points[2 * i + 1]]).collect();
    if pairs > 0 && !(pairs - 1).is_multiple_of(k) {
        out.extend_from_slice(&points[2 * (pairs - 1)..2 * pairs]);
    }
    out
}

impl Session {
    pub(super) fn history(&mut self, command: HistoryCommand) {
        match command {
            HistoryCommand::Open => self.open_history(),
            HistoryCommand::Close => self.close_history(),
            HistoryCommand::Seek(seq) => {
                self.pause();
                self.seek(seq);
            }
            HistoryCommand::Play => self.play(),
            HistoryCommand::Pause => self.pause(),
            HistoryCommand::Speed(speed) => self.view.history.update(|h| h.speed = speed),
            HistoryCommand::Restore => self.restore_shown(),
            HistoryCommand::Download => self.record(),
        }
    }

    /// Whether the canvas shows the past instead of the live board.
    pub(super) fn previewing(&self) -> bool {
        self.view.history.with_untracked(|h| h.open)
    }

    fn open_history(&mut self) {
        if self.previewing() {
            return;
        }
        self.selection.ids.clear();
        self.view
            .history
            .update(|h| *h = HistoryPanel { open: true, loading: true, speed: h.speed, ..Default::default() });
        let Ok(request) = XmlHttpRequest::new() else { return };
        if request.open("GET", &format!("/api/boards/{}/history", self.board)).is_err() {
            return;
        }
        if let Some(key) = self.view.key.get_untracked() {
            let _ = request.set_request_header("Authorization", &format!("Bearer {key}"));
        }
        let Some(session) = self.this.upgrade() else { return };
        let loaded = {
            let request = request.clone();
            Closure::<dyn FnMut()>::new(move || {
                let body = request.response_text().ok().flatten().unwrap_or_default();
                let status = request.status().unwrap_or(0);
                let mut s = session.borrow_mut();
                if !s.previewing() {
                    return;
                }
                match serde_json::from_str::<HistoryLog>(&body) {
                    Ok(log) if status == 200 => s.loaded(log),
                    Ok(_) | Err(_) => {
                        let why = serde_json::from_str::<serde_json::Value>(&body)
                            .ok()
                            .and_then(|v| v["error"].as_str().map(str::to_owned))
                            .unwrap_or_else(|| format!("HTTP {status}"));
                        s.view.history.update(|h| {
                            h.loading = false;
                            h.error = Some(why);
                        });
                    }
                }
            })
        };
        request.set_onloadend(Some(loaded.as_ref().unchecked_ref()));
        loaded.forget();
        let _ = request.send();
        self.redraw();
    }

    fn loaded(&mut self, log: HistoryLog) {
        let since = log.since.filter(|_| log.from > 0).map(local_time);
        let timeline = Timeline::new(log);
        let mut clock = Vec::with_capacity(timeline.changes().len());
        let mut last: Option<i64> = None;
        let mut t = 0.0;
        for change in timeline.changes() {
            if let Some(last) = last {
                t += ((change.at - last) as f64).clamp(0.0, LONGEST_PAUSE);
            }
            last = Some(change.at);
            clock.push(t);
        }
        let marks = marks(&timeline, &self.view.users.get_untracked());
        let (from, to) = (timeline.from(), timeline.last());
        self.scrub = Some(Scrub { timeline, shown: Vec::new(), clock, playing: None, thin: 1, settle: None });
        self.view.history.update(|h| {
            h.loading = false;
            h.from = from;
            h.last = to;
            h.since = since;
            h.marks = marks;
        });
        self.seek(to);
    }

    fn close_history(&mut self) {
        self.pause();
        self.scrub = None;
        self.view.history.update(|h| *h = HistoryPanel { speed: h.speed, ..Default::default() });
        self.redraw();
    }

    /// Shows the board as it was at `seq`: sketched if it is big, then
    /// whole once the slider rests.
    fn seek(&mut self, seq: u64) {
        let Some(scrub) = self.scrub.as_mut() else { return };
        scrub.shown = scrub.timeline.strokes_at(seq);
        scrub.thin = thinning(&scrub.shown);
        if let Some(timer) = scrub.settle.take() {
            window().clear_timeout_with_handle(timer);
        }
        if let Some(session) = self.this.upgrade().filter(|_| scrub.thin > 1) {
            let settle = Closure::once_into_js(move || {
                let Ok(mut s) = session.try_borrow_mut() else { return };
                if let Some(scrub) = s.scrub.as_mut().filter(|scrub| scrub.playing.is_none()) {
                    scrub.thin = 1;
                    scrub.settle = None;
                    s.redraw();
                }
            });
            scrub.settle =
                window().set_timeout_with_callback_and_timeout_and_arguments_0(settle.unchecked_ref(), SETTLE_MS).ok();
        }
        let seq = seq.clamp(scrub.timeline.from(), scrub.timeline.last());
        let changes = scrub.timeline.changes();
        let who = changes
            .partition_point(|c| c.seq <= seq)
            .checked_sub(1)
            .map(|i| &changes[i])
            .map(|c| self.texts.fill("history.by", &[("name", &c.name), ("when", &local_time(c.at))]))
            .unwrap_or_default();
        self.view.history.update(|h| {
            h.seq = seq;
            h.who = who;
        });
        self.redraw();
    }

    fn play(&mut self) {
        let Some(scrub) = self.scrub.as_mut() else { return };
        if scrub.playing.is_some() || scrub.clock.is_empty() {
            return;
        }
        let seq = self.view.history.with_untracked(|h| h.seq);
        let done = scrub.timeline.changes().partition_point(|c| c.seq <= seq);
        // From the start again once at the end.
        let at = if done >= scrub.clock.len() { -1.0 } else { scrub.clock[done.saturating_sub(1)] };
        let Some(session) = self.this.upgrade() else { return };
        let tick = Closure::<dyn FnMut()>::new(move || session.borrow_mut().play_frame());
        let timer = window()
            .set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), 33)
            .unwrap_or(0);
        tick.forget();
        scrub.playing = Some((at, timer));
        self.view.history.update(|h| h.playing = true);
        if at < 0.0 {
            let from = scrub.timeline.from();
            self.seek(from);
        }
    }

    fn play_frame(&mut self) {
        let speed = self.view.history.with_untracked(|h| h.speed) as f64;
        let Some(scrub) = self.scrub.as_mut() else { return };
        let Some((at, timer)) = scrub.playing.as_mut() else { return };
        *at += 33.0 * speed;
        let done = scrub.clock.partition_point(|t| t <= at);
        let seq = done.checked_sub(1).map_or(scrub.timeline.from(), |i| scrub.timeline.changes()[i].seq);
        let finished = done >= scrub.clock.len();
        let timer = *timer;
        if seq != self.view.history.with_untracked(|h| h.seq) {
            self.seek(seq);
        }
        if finished {
            window().clear_interval_with_handle(timer);
            if let Some(scrub) = self.scrub.as_mut() {
                scrub.playing = None;
            }
            self.view.history.update(|h| h.playing = false);
        }
    }

    fn pause(&mut self) {
        if let Some((_, timer)) = self.scrub.as_mut().and_then(|s| s.playing.take()) {
            window().clear_interval_with_handle(timer);
        }
        self.view.history.update(|h| h.playing = false);
    }

    /// "Restore this version": one `restore`, undoable; the live board shows it once acked.
    fn restore_shown(&mut self) {
        if self.scrub.is_none() || !self.may_edit() {
            return;
        }
        let seq = self.view.history.with_untracked(|h| h.seq);
        self.close_history();
        let op = self.next_stroke_id();
        self.send(&Restore { seq, op }, &[]);
        self.view.notice.set(Some(self.texts.fill("history.restored", &[("seq", &seq)])));
    }

    /// "Download timelapse": plays the whole history into a WebM video,
    /// drawn on a canvas of its own, with a progress bar.
    fn record(&mut self) {
        let Some(scrub) = self.scrub.as_ref() else { return };
        if self.view.history.with_untracked(|h| h.recording.is_some()) {
            return;
        }
        let (from, last) = (scrub.timeline.from(), scrub.timeline.last());
        let seqs: Vec<u64> = std::iter::once(from).chain(scrub.timeline.changes().iter().map(|c| c.seq)).collect();
        let step = seqs.len().div_ceil(VIDEO_FRAMES).max(1);
        let mut frames: Vec<u64> = seqs.iter().copied().step_by(step).collect();
        if frames.last() != Some(&last) {
            frames.push(last);
        }
        // A still moment at the end, so the result shows.
        frames.extend(std::iter::repeat_n(last, VIDEO_FPS as usize));
        let everything: Vec<Stroke> = frames
            .iter()
            .step_by((frames.len() / 16).max(1))
            .chain(std::iter::once(&last))
            .flat_map(|&seq| scrub.timeline.strokes_at(seq))
            .collect();
        let pad = 24.0;
        let b = ink::bounds(&everything).unwrap_or(ink::Bounds { min_x: 0.0, min_y: 0.0, max_x: 1.0, max_y: 1.0 });
        let (w, h) = (b.width() as f64 + 2.0 * pad, b.height() as f64 + 2.0 * pad);
        let zoom = (VIDEO.0 as f64 / w).min(VIDEO.1 as f64 / h);
        let origin = (
            b.min_x as f64 - pad - (VIDEO.0 as f64 / zoom - w) / 2.0,
            b.min_y as f64 - pad - (VIDEO.1 as f64 / zoom - h) / 2.0,
        );
        let Some(video) = self.renderer.offscreen(VIDEO.0, VIDEO.1, zoom, origin) else { return };
        let Some(recorder) = recorder(video.canvas()) else {
            self.view.notice.set(Some(self.texts.get("history.no_video").to_owned()));
            return;
        };
        let chunks: Rc<RefCell<Vec<web_sys::Blob>>> = Rc::default();
        let on_data = {
            let chunks = chunks.clone();
            Closure::<dyn FnMut(web_sys::BlobEvent)>::new(move |e: web_sys::BlobEvent| {
                if let Some(blob) = e.data().filter(|b| b.size() > 0.0) {
                    chunks.borrow_mut().push(blob);
                }
            })
        };
        recorder.set_ondataavailable(Some(on_data.as_ref().unchecked_ref()));
        on_data.forget();
        let board = self.board.to_string();
        let view = self.view;
        let on_stop = Closure::<dyn FnMut()>::new(move || {
            let parts = js_sys::Array::new();
            for chunk in chunks.borrow().iter() {
                parts.push(chunk);
            }
            let options = web_sys::BlobPropertyBag::new();
            options.set_type("video/webm");
            if let Ok(blob) = web_sys::Blob::new_with_blob_sequence_and_options(&parts, &options) {
                if let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) {
                    super::export::download(&format!("{board}-timelapse.webm"), &url);
                }
            }
            view.history.update(|h| h.recording = None);
        });
        recorder.set_onstop(Some(on_stop.as_ref().unchecked_ref()));
        on_stop.forget();
        if recorder.start_with_time_slice(1000).is_err() {
            self.view.notice.set(Some(self.texts.get("history.no_video").to_owned()));
            return;
        }
        self.view.history.update(|h| h.recording = Some(0.0));
        let Some(session) = self.this.upgrade() else { return };
        let total = frames.len();
        let mut next = 0;
        let timer = Rc::new(std::cell::Cell::new(0));
        let tick = {
            let timer = timer.clone();
            Closure::<dyn FnMut()>::new(move || {
                let Ok(s) = session.try_borrow() else { return };
                let Some(scrub) = s.scrub.as_ref() else {
                    // Closed meanwhile: stop.
                    window().clear_interval_with_handle(timer.get());
                    let _ = recorder.stop();
                    return;
                };
                if next >= total {
                    window().clear_interval_with_handle(timer.get());
                    let _ = recorder.stop();
                    return;
                }
                video.paper();
                // A video frame is small: the sketch shows the same.
                let strokes = scrub.timeline.strokes_at(frames[next]);
                draw_thinned(&video, &strokes, thinning(&strokes));
                next += 1;
                s.view.history.update(|h| h.recording = Some(next as f64 / total as f64));
            })
        };
        let id = window()
            .set_interval_with_callback_and_timeout_and_arguments_0(
                tick.as_ref().unchecked_ref(),
                (1000.0 / VIDEO_FPS) as i32,
            )
            .unwrap_or(0);
        timer.set(id);
        tick.forget();
    }
}

/// A MediaRecorder of `canvas` as WebM, if this browser has one.
fn recorder(canvas: &web_sys::HtmlCanvasElement) -> Option<web_sys::MediaRecorder> {
    let stream = canvas.capture_stream_with_frame_request_rate(VIDEO_FPS).ok()?;
    let mime = ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"]
        .into_iter()
        .find(|m| web_sys::MediaRecorder::is_type_supported(m))?;
    let options = web_sys::MediaRecorderOptions::new();
    options.set_mime_type(mime);
    web_sys::MediaRecorder::new_with_media_stream_and_media_recorder_options(&stream, &options).ok()
}

/// The timeline's marks: runs of changes by one person, at most `MARKS`.
fn marks(timeline: &Timeline, users: &[crate::protocol::User]) -> Vec<Mark> {
    let changes = timeline.changes();
    let (from, last) = (timeline.from() as f64, timeline.last().max(timeline.from() + 1) as f64);
    let bucket = changes.len().div_ceil(MARKS).max(1);
    let mut marks: Vec<Mark> = Vec::new();
    let mut run: Option<(usize, &str, usize)> = None;
    let close = |run: Option<(usize, &str, usize)>, marks: &mut Vec<Mark>| {
        if let Some((start, client, count)) = run {
            let c = &changes[start];
            let color = users
                .iter()
                .find(|u| u.name == c.name)
                .map(|u| u.color.to_string())
                .unwrap_or_else(|| palette_color(client));
            let title = format!("{} · {} × {}", c.name, count, c.event);
            marks.push(Mark { at: (c.seq as f64 - from) / (last - from), color, title });
        }
    };
    for (i, change) in changes.iter().enumerate() {
        match run {
            Some((start, client, count)) if client == change.client && i - start < bucket => {
                run = Some((start, client, count + 1))
            }
            _ => {
                close(run.take(), &mut marks);
                run = Some((i, change.client.as_str(), 1));
            }
        }
    }
    close(run, &mut marks);
    if marks.len() > MARKS {
        let keep = marks.len().div_ceil(MARKS);
        marks = marks.into_iter().step_by(keep).collect();
    }
    marks
}

/// A stable colour for someone no longer on the board.
fn palette_color(client: &str) -> String {
    const COLORS: [&str; 8] = ["#e03131", "#1971c2", "#2f9e44", "#f08c00", "#9c36b5", "#0c8599", "#e8590c", "#6741d9"];
    let hash = client.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    COLORS[hash as usize % COLORS.len()].to_owned()
}

/// A Unix time in ms as a local date and time.
fn local_time(ms: i64) -> String {
    let date = js_sys::Date::new(&(ms as f64).into());
    String::from(date.to_locale_string("default", &js_sys::Object::new()))
}
