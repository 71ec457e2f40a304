//! Leptos UI: the HTML shell, the home page and the board page. The same
//! components render on the server and hydrate in the browser, where the
//! board page hands its canvas to `client`.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_params_map;
use leptos_router::path;

use crate::protocol::{self, Tool, User};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                <meta name="color-scheme" content="light dark"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/scrawl.css"/>
        <Title text="scrawl"/>
        <Router>
            <Routes fallback=|| view! { <main class="notfound"><h1>"Page not found"</h1><a href="/">"Home"</a></main> }>
                <Route path=path!("/") view=Home/>
                <Route path=path!("/b/:name") view=BoardPage/>
            </Routes>
        </Router>
    }
}

#[component]
fn Home() -> impl IntoView {
    // Filled from localStorage after hydration.
    let recent = RwSignal::new(Vec::<String>::new());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| recent.set(crate::client::recent_boards()));
    view! {
        <main class="home">
            <h1 class="logo">"scrawl"</h1>
            <p class="tagline">"A whiteboard your team draws on together, live."</p>
            <a class="button primary" href="/new" rel="external" data-testid="new-board">"New board"</a>
            <form class="open-board" action="/go" method="get">
                <label for="board-name">"Open a board by name"</label>
                <div class="row">
                    <input id="board-name" name="board" placeholder="team-retro" required maxlength="64"/>
                    <button type="submit" class="button">"Open"</button>
                </div>
            </form>
            <Show when=move || !recent.read().is_empty()>
                <section class="recent" data-testid="recent-boards">
                    <h2>"Recent boards"</h2>
                    <ul>
                        <For each=move || recent.get() key=|b| b.clone() let:board>
                            <li><a href=format!("/b/{board}") rel="external">{board.clone()}</a></li>
                        </For>
                    </ul>
                </section>
            </Show>
        </main>
    }
}

/// The board's drawing as SVG elements, provided by the server for the
/// first paint; absent in the browser.
#[derive(Debug, Clone)]
pub struct FirstPaint(pub String);

/// The state of the link to the server, as the status line shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    Connecting,
    Connected,
    /// Lost; the next attempt is in this many seconds.
    Reconnecting(u32),
    /// The server refused to join this board, and said why.
    Refused(String),
}

/// What the toolbar asks the live session to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Undo,
    Redo,
    Clear,
    Rename(String),
    ResetView,
    ExportPng,
    ExportSvg,
    ExportJson,
}

/// Hands a command to the board's live session (browser only).
pub fn run(command: Command) {
    #[cfg(feature = "hydrate")]
    crate::client::command(command);
    #[cfg(not(feature = "hydrate"))]
    let _ = command;
}

/// Reactive state of a board page, shared by the toolbar and the wasm client.
#[derive(Clone, Copy)]
pub struct BoardView {
    pub link: RwSignal<Link>,
    pub me: RwSignal<Option<User>>,
    pub users: RwSignal<Vec<User>>,
    /// Strokes with changes the server has not acknowledged yet.
    pub waiting: RwSignal<usize>,
    pub tool: RwSignal<Tool>,
    /// Ink colour; `None` uses the colour the server gave us.
    pub color: RwSignal<Option<String>>,
    pub width: RwSignal<f32>,
    /// Zoom in percent.
    pub zoom: RwSignal<u32>,
}

impl BoardView {
    fn new() -> Self {
        Self {
            link: RwSignal::new(Link::Connecting),
            me: RwSignal::new(None),
            users: RwSignal::new(Vec::new()),
            waiting: RwSignal::new(0),
            tool: RwSignal::new(Tool::Pen),
            color: RwSignal::new(None),
            width: RwSignal::new(4.0),
            zoom: RwSignal::new(100),
        }
    }

    /// The colour new strokes get.
    pub fn ink(&self) -> String {
        self.color
            .get_untracked()
            .or_else(|| self.me.get_untracked().map(|u| u.color))
            .unwrap_or_else(|| "#1e1e1e".into())
    }
}

/// "3 strokes waiting" style suffix.
fn waiting_text(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => " · 1 stroke waiting".into(),
        n => format!(" · {n} strokes waiting"),
    }
}

const TOOLS: [(Tool, &str, &str, &str); 5] = [
    (Tool::Pen, "Pen", "P", "✎"),
    (Tool::Eraser, "Eraser", "E", "⌫"),
    (Tool::Line, "Line", "L", "╱"),
    (Tool::Rect, "Rectangle", "R", "▭"),
    (Tool::Ellipse, "Ellipse", "O", "◯"),
];

const SWATCHES: [&str; 8] = ["#1e1e1e", "#e03131", "#1971c2", "#2f9e44", "#f08c00", "#9c36b5", "#0c8599", "#ffffff"];

#[component]
fn Toolbar(view: BoardView) -> impl IntoView {
    let tools = TOOLS
        .into_iter()
        .map(|(tool, label, key, icon)| {
            view! {
                <button
                    class="tool"
                    class:active=move || view.tool.get() == tool
                    aria-label=label
                    aria-pressed=move || (view.tool.get() == tool).to_string()
                    title=format!("{label} ({key})")
                    data-tool=tool.as_str()
                    on:click=move |_| view.tool.set(tool)
                >
                    {icon}
                </button>
            }
        })
        .collect_view();
    let swatches = SWATCHES
        .into_iter()
        .map(|c| {
            view! {
                <button
                    class="swatch-button"
                    class:active=move || view.color.get().as_deref() == Some(c)
                    aria-label=format!("Colour {c}")
                    title=format!("Colour {c}")
                    style:background-color=c
                    on:click=move |_| view.color.set(Some(c.to_string()))
                ></button>
            }
        })
        .collect_view();
    let current =
        move || view.color.get().or_else(|| view.me.get().map(|u| u.color)).unwrap_or_else(|| "#1e1e1e".into());
    view! {
        <nav class="toolbar" aria-label="Drawing tools">
            <div class="group">{tools}</div>
            <div class="group colors">
                {swatches}
                <input
                    type="color"
                    class="custom-color"
                    aria-label="Custom colour"
                    title="Custom colour"
                    value=current
                    prop:value=current
                    on:input=move |e| view.color.set(Some(event_target_value(&e)))
                />
            </div>
            <div class="group">
                <input
                    type="range"
                    class="width"
                    min="1"
                    max="40"
                    aria-label="Stroke width"
                    title="Stroke width ([ and ])"
                    value=move || view.width.get().to_string()
                    prop:value=move || view.width.get().to_string()
                    on:input=move |e| {
                        if let Ok(w) = event_target_value(&e).parse::<f32>() {
                            view.width.set(w)
                        }
                    }
                />
            </div>
            <div class="group">
                <button aria-label="Undo" title="Undo (Ctrl+Z)" on:click=move |_| run(Command::Undo)>"↶"</button>
                <button aria-label="Redo" title="Redo (Shift+Ctrl+Z)" on:click=move |_| run(Command::Redo)>"↷"</button>
                <button aria-label="Clear board" title="Clear board (asks first)" on:click=move |_| run(Command::Clear)>"✕"</button>
            </div>
            <div class="group">
                <button aria-label="Export PNG" title="Download PNG (Ctrl+Shift+E)" on:click=move |_| run(Command::ExportPng)>"PNG"</button>
                <button aria-label="Export SVG" title="Download SVG" on:click=move |_| run(Command::ExportSvg)>"SVG"</button>
                <button aria-label="Export JSON" title="Download strokes as JSON" on:click=move |_| run(Command::ExportJson)>"JSON"</button>
            </div>
        </nav>
    }
}

#[component]
fn People(view: BoardView) -> impl IntoView {
    let open = RwSignal::new(false);
    let count = move || {
        let n = view.users.get().len().max(1);
        if n == 1 {
            "1 online".to_string()
        } else {
            format!("{n} online")
        }
    };
    let my_id = move || view.me.get().map(|u| u.id).unwrap_or_default();
    view! {
        <div class="people">
            <button
                class="users"
                data-testid="user-count"
                aria-label="People on this board"
                aria-expanded=move || open.get().to_string()
                title="People on this board"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {count}
            </button>
            <Show when=move || open.get()>
                <ul class="people-list" data-testid="people">
                    <For each=move || view.users.get() key=|u| (u.id.clone(), u.name.clone(), u.color.clone()) let:user>
                        <li>
                            <span class="dot" style:background-color=user.color.clone()></span>
                            {if user.id == my_id() {
                                view! {
                                    <input
                                        class="my-name"
                                        aria-label="Your name"
                                        maxlength="32"
                                        prop:value=user.name.clone()
                                        on:change=move |e| run(Command::Rename(event_target_value(&e)))
                                    />
                                    <span class="you">"(you)"</span>
                                }
                                    .into_any()
                            } else {
                                view! { <span>{user.name.clone()}</span> }.into_any()
                            }}
                        </li>
                    </For>
                </ul>
            </Show>
        </div>
    }
}

#[component]
fn BoardPage() -> impl IntoView {
    let params = use_params_map();
    let name = params.read_untracked().get("name").unwrap_or_default();
    let invalid = protocol::board_name_error(&name);
    let view = BoardView::new();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let first_paint = use_context::<FirstPaint>().map(|p| p.0).unwrap_or_default();

    #[cfg(feature = "hydrate")]
    if invalid.is_none() {
        let board = name.clone();
        let started = std::cell::Cell::new(false);
        Effect::new(move |_| {
            if let Some(el) = canvas.get() {
                if !started.replace(true) {
                    crate::client::start(board.clone(), el, view);
                }
            }
        });
    }

    let status = move || {
        if let Some(why) = &invalid {
            return format!("Invalid board name: {why}");
        }
        let waiting = waiting_text(view.waiting.get());
        match view.link.get() {
            Link::Connecting => format!("Connecting…{waiting}"),
            Link::Connected => format!("Connected{waiting}"),
            Link::Reconnecting(s) => format!("Offline, reconnecting in {s} s{waiting}"),
            Link::Refused(why) => format!("Cannot join: {why}"),
        }
    };
    let state = move || match view.link.get() {
        Link::Connecting => "connecting",
        Link::Connected => "connected",
        Link::Reconnecting(_) => "reconnecting",
        Link::Refused(_) => "refused",
    };
    let my_color = move || view.me.get().map(|u| u.color).unwrap_or_else(|| "#adb5bd".into());
    let my_name = move || view.me.get().map(|u| u.name).unwrap_or_default();

    view! {
        <Title text=format!("{name} · scrawl")/>
        <div class="board">
            <svg class="first-paint" aria-hidden="true" inner_html=first_paint></svg>
            <canvas class="board-canvas" node_ref=canvas data-testid="board-canvas" aria-label="Drawing canvas"></canvas>
            <div class="cursors" aria-hidden="true"></div>
            <header class="board-bar">
                <a href="/" class="logo small" rel="external">"scrawl"</a>
                <span class="board-name" title="Board">{name.clone()}</span>
                <span class="me" title="Your colour" data-testid="me">
                    <span class="swatch" data-testid="my-color" data-color=my_color style:background-color=my_color></span>
                    <span class="me-name">{my_name}</span>
                </span>
            </header>
            <People view=view/>
            <Toolbar view=view/>
            <footer class="status" data-testid="status" data-state=state role="status">{status}</footer>
            <div class="zoom">
                <button aria-label="Reset view" title="Reset view (0)" data-testid="zoom" on:click=move |_| run(Command::ResetView)>
                    {move || format!("{}%", view.zoom.get())}
                </button>
            </div>
        </div>
    }
}
