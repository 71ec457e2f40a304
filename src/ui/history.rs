//! The History panel: a timeline slider over the board's life with marks
//! for who changed what, a read-only preview of any moment (the canvas shows
//! it while the board goes on live underneath), a timelapse at ×1 to ×64,
//! "Restore this version" and "Download timelapse". The live session fills
//! [`HistoryPanel`] and does what the panel's commands ask.

use leptos::prelude::*;

use super::board::{BoardView, Command};
use super::texts;

/// The speeds the timelapse plays at.
pub const SPEEDS: [u32; 7] = [1, 2, 4, 8, 16, 32, 64];

/// One mark on the timeline: where (0 to 1), in whose colour, saying what.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub at: f64,
    pub color: String,
    pub title: String,
}

/// What the panel shows; the live session keeps it up to date.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistoryPanel {
    pub open: bool,
    pub loading: bool,
    pub error: Option<String>,
    /// The seqs the timeline spans, and the one shown.
    pub from: u64,
    pub last: u64,
    pub seq: u64,
    /// Who made the change shown, and when (a local date and time).
    pub who: String,
    /// Since when history is kept, when older history was compacted.
    pub since: Option<String>,
    pub playing: bool,
    pub speed: u32,
    /// How far the timelapse recording is (0 to 1), while it runs.
    pub recording: Option<f64>,
    pub marks: Vec<Mark>,
}

/// What the History panel asks of the live session.
#[derive(Debug, Clone, PartialEq)]
pub enum HistoryCommand {
    Open,
    Close,
    Seek(u64),
    Play,
    Pause,
    Speed(u32),
    Restore,
    Download,
}

/// The toolbar's History button.
#[component]
pub(super) fn HistoryButton() -> impl IntoView {
    let view = use_context::<BoardView>().expect("the board page provides its view");
    let t = texts();
    let open = move || view.history.with(|h| h.open);
    view! {
        <button
            class="history-button"
            aria-label=t.get("history.open")
            title=t.get("history.open_title")
            aria-keyshortcuts="H"
            aria-pressed=move || open().to_string()
            on:click=move |_| view.run(Command::History(if open() { HistoryCommand::Close } else { HistoryCommand::Open }))
        >
            "⟲"
        </button>
    }
}

#[component]
pub(super) fn History() -> impl IntoView {
    let view = use_context::<BoardView>().expect("the board page provides its view");
    let t = texts();
    let h = view.history;
    let run = move |c: HistoryCommand| view.run(Command::History(c));
    let position = move || {
        h.with(|h| {
            if h.loading {
                return t.get("history.loading").to_owned();
            }
            if let Some(why) = &h.error {
                return t.fill("history.failed", &[("why", why)]);
            }
            let at = t.fill("history.position", &[("seq", &h.seq), ("last", &h.last)]);
            if h.who.is_empty() {
                at
            } else {
                format!("{at} · {}", h.who)
            }
        })
    };
    let speeds = move || {
        SPEEDS
            .into_iter()
            .map(|s| view! { <option value=s.to_string() selected=move || h.with(|h| h.speed == s)>{format!("×{s}")}</option> })
            .collect_view()
    };
    let marks = move || {
        h.with(|h| {
            h.marks
                .iter()
                .map(|m| {
                    let left = format!("{:.3}%", m.at * 100.0);
                    view! { <span class="history-mark" title=m.title.clone() style:left=left style:background-color=m.color.clone()></span> }
                })
                .collect_view()
        })
    };
    view! {
        <Show when=move || h.with(|h| h.open)>
            <section class="history" role="region" aria-label=t.get("history.open") data-testid="history">
                <header>
                    <strong>{t.get("history.open")}</strong>
                    <span class="history-preview">{t.get("history.preview")}</span>
                    <button class="history-close" on:click=move |_| run(HistoryCommand::Close)>{t.get("history.close")}</button>
                </header>
                <p class="history-position" data-testid="history-position" aria-live="polite">{position}</p>
                <Show when=move || h.with(|h| h.since.is_some())>
                    <p class="history-since">{move || h.with(|h| t.fill("history.since", &[("when", &h.since.clone().unwrap_or_default())]))}</p>
                </Show>
                <div class="history-timeline">
                    <input
                        type="range"
                        aria-label=t.get("history.slider")
                        data-testid="history-slider"
                        prop:min=move || h.with(|h| h.from.to_string())
                        prop:max=move || h.with(|h| h.last.to_string())
                        prop:value=move || h.with(|h| h.seq.to_string())
                        disabled=move || h.with(|h| h.loading || h.recording.is_some())
                        on:input=move |e| {
                            if let Ok(seq) = event_target_value(&e).parse() {
                                run(HistoryCommand::Seek(seq));
                            }
                        }
                    />
                    <div class="history-marks" aria-hidden="true">{marks}</div>
                </div>
                <div class="history-actions">
                    <button
                        aria-label=move || t.get(if h.with(|h| h.playing) { "history.pause" } else { "history.play" })
                        disabled=move || h.with(|h| h.loading || h.recording.is_some())
                        on:click=move |_| run(if h.with_untracked(|h| h.playing) { HistoryCommand::Pause } else { HistoryCommand::Play })
                    >
                        {move || if h.with(|h| h.playing) { "⏸" } else { "▶" }}
                    </button>
                    <select aria-label=t.get("history.speed") on:change=move |e| {
                        if let Ok(s) = event_target_value(&e).parse() {
                            run(HistoryCommand::Speed(s));
                        }
                    }>
                        {speeds}
                    </select>
                    <Show when=move || view.can_draw()>
                        <button
                            title=t.get("history.restore_title")
                            disabled=move || h.with(|h| h.loading || h.error.is_some() || h.recording.is_some())
                            on:click=move |_| run(HistoryCommand::Restore)
                        >
                            {t.get("history.restore")}
                        </button>
                    </Show>
                    <button
                        disabled=move || h.with(|h| h.loading || h.error.is_some() || h.recording.is_some())
                        on:click=move |_| run(HistoryCommand::Download)
                    >
                        {t.get("history.download")}
                    </button>
                </div>
                <Show when=move || h.with(|h| h.recording.is_some())>
                    <label class="history-recording">
                        {move || h.with(|h| t.fill("history.recording", &[("percent", &((h.recording.unwrap_or(0.0) * 100.0).round() as u32))]))}
                        <progress data-testid="history-progress" max="1" prop:value=move || h.with(|h| h.recording.unwrap_or(0.0))></progress>
                    </label>
                </Show>
            </section>
        </Show>
    }
}
