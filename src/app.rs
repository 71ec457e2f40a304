//! Leptos UI: the HTML shell, the home page and the board page. The same
//! components render on the server and hydrate in the browser, where the
//! board page hands its canvas to `client`.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_params_map;
use leptos_router::path;

use crate::protocol::{self, User};

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
        </main>
    }
}

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

/// Reactive state of a board page, written by the wasm client.
#[derive(Clone, Copy)]
pub struct BoardView {
    pub link: RwSignal<Link>,
    pub me: RwSignal<Option<User>>,
    pub users: RwSignal<Vec<User>>,
    /// Strokes with changes the server has not acknowledged yet.
    pub waiting: RwSignal<usize>,
}

impl BoardView {
    fn new() -> Self {
        Self {
            link: RwSignal::new(Link::Connecting),
            me: RwSignal::new(None),
            users: RwSignal::new(Vec::new()),
            waiting: RwSignal::new(0),
        }
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

#[component]
fn BoardPage() -> impl IntoView {
    let params = use_params_map();
    let name = params.read_untracked().get("name").unwrap_or_default();
    let invalid = protocol::board_name_error(&name);
    let view = BoardView::new();
    let canvas = NodeRef::<leptos::html::Canvas>::new();

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
    let count = move || {
        let n = view.users.get().len().max(1);
        if n == 1 { "1 online".to_string() } else { format!("{n} online") }
    };

    view! {
        <Title text=format!("{name} · scrawl")/>
        <div class="board">
            <canvas class="board-canvas" node_ref=canvas data-testid="board-canvas" aria-label="Drawing canvas"></canvas>
            <header class="board-bar">
                <a href="/" class="logo small" rel="external">"scrawl"</a>
                <span class="board-name" title="Board">{name.clone()}</span>
                <span class="me" title="Your colour" data-testid="me">
                    <span class="swatch" data-testid="my-color" data-color=my_color style:background-color=my_color></span>
                    <span class="me-name">{my_name}</span>
                </span>
                <span class="users" data-testid="user-count">{count}</span>
            </header>
            <footer class="status" data-testid="status" data-state=state role="status">
                {match invalid {
                    Some(why) => format!("Invalid board name: {why}"),
                    None => String::new(),
                }}
                {status}
            </footer>
        </div>
    }
}
