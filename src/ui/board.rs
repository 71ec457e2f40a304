//! The board page: canvas, header, status line and zoom, and the reactive
//! [`BoardView`] it provides as context to the toolbar, the people panel and
//! the Share dialog, and hands to the live session in the browser.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::reactive::send_wrapper_ext::SendOption;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::toolbar::{People, Toolbar};
use super::{texts, FirstPaint, LanguageMenu};
use crate::protocol::{Access, BoardName, Color, Mode, Role, SocketId, Tool, User};

/// The ink before the server gives us a colour.
pub(super) const DEFAULT_INK: &str = "#1e1e1e";

/// The state of the link to the server, as the status line shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    Connecting,
    Connected,
    /// Lost; the next attempt is in this many seconds.
    Reconnecting(u32),
    /// The server refused to join this board, and said why.
    Refused(String),
    /// The board was deleted while we were on it.
    Deleted,
}

/// What the pointer does on the canvas: select, move and resize what is
/// there, or make something new with a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    Select,
    /// The laser pointer: shown to everyone, never stored.
    Laser,
    Make(Tool),
}

impl Pick {
    /// Its name in the toolbar's `data-tool`.
    pub fn as_str(self) -> &'static str {
        match self {
            Pick::Select => "select",
            Pick::Laser => "laser",
            Pick::Make(tool) => tool.as_str(),
        }
    }
}

/// What the toolbar asks the live session to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Undo,
    Redo,
    Clear,
    /// Pick image files to add.
    AddImage,
    /// Edit the selection.
    Delete,
    Duplicate,
    Copy,
    Cut,
    Paste,
    Front,
    Back,
    Rename(String),
    ResetView,
    ExportPng,
    ExportSvg,
    ExportJson,
    /// Put this text (a link) on the clipboard.
    CopyLink(String),
    Owner(OwnerCommand),
    History(super::history::HistoryCommand),
}

/// What the board's owner asks for, in the Share dialog and the people panel.
#[derive(Debug, Clone, PartialEq)]
pub enum OwnerCommand {
    SetMode(Mode),
    SetLock(bool),
    /// New edit and view links (asks first).
    ResetLinks,
    /// Asks first.
    DeleteBoard,
    Kick(SocketId),
    RemoveDrawing(SocketId),
    /// Everyone follows my view.
    Summon,
}

/// What runs the page's commands: the live session, in the browser.
type CommandHandler = Rc<dyn Fn(Command)>;

/// Reactive state of a board page, shared by the toolbar and the wasm client.
#[derive(Clone, Copy)]
pub struct BoardView {
    pub link: RwSignal<Link>,
    pub me: RwSignal<Option<User>>,
    pub users: RwSignal<Vec<User>>,
    /// Strokes with changes the server has not acknowledged yet.
    pub waiting: RwSignal<usize>,
    /// Why the server last refused a change for good (the board is full, …).
    pub notice: RwSignal<Option<String>>,
    pub tool: RwSignal<Pick>,
    /// How many objects we have selected.
    pub selected: RwSignal<usize>,
    /// Whose view ours follows.
    pub following: RwSignal<Option<SocketId>>,
    /// Ink colour; `None` uses the colour the server gave us.
    pub color: RwSignal<Option<Color>>,
    pub width: RwSignal<f32>,
    /// Zoom in percent.
    pub zoom: RwSignal<u32>,
    /// Our role and the board's access settings, once the server said.
    pub access: RwSignal<Option<Access>>,
    /// The key of the board's link this browser holds.
    pub key: RwSignal<Option<String>>,
    /// This site's origin (`https://host`), for the links to share.
    pub origin: RwSignal<String>,
    /// The link last put on the clipboard.
    pub copied: RwSignal<Option<String>>,
    /// The History panel.
    pub history: RwSignal<super::history::HistoryPanel>,
    /// The live session's command handler, once the browser started it. The
    /// server never sets it, so it never holds a value bound to one thread.
    session: StoredValue<SendOption<CommandHandler>>,
}

impl BoardView {
    fn new() -> Self {
        Self {
            link: RwSignal::new(Link::Connecting),
            me: RwSignal::new(None),
            users: RwSignal::new(Vec::new()),
            waiting: RwSignal::new(0),
            notice: RwSignal::new(None),
            tool: RwSignal::new(Pick::Make(Tool::Pen)),
            selected: RwSignal::new(0),
            following: RwSignal::new(None),
            color: RwSignal::new(None),
            width: RwSignal::new(4.0),
            zoom: RwSignal::new(100),
            access: RwSignal::new(None),
            key: RwSignal::new(None),
            origin: RwSignal::new(String::new()),
            copied: RwSignal::new(None),
            history: RwSignal::new(super::history::HistoryPanel { speed: 8, ..Default::default() }),
            session: StoredValue::new(SendOption::new_local(None)),
        }
    }

    /// The colour new strokes get (always one: `DEFAULT_INK` is valid).
    pub fn ink(&self) -> Option<Color> {
        self.color
            .get_untracked()
            .or_else(|| self.me.get_untracked().map(|u| u.color))
            .or_else(|| Color::new(DEFAULT_INK).ok())
    }

    /// Whether we may draw (tracked): we are on the board, and our role
    /// lets us, or the server has not said otherwise yet.
    pub fn can_draw(&self) -> bool {
        let here = !matches!(self.link.get(), Link::Refused(_) | Link::Deleted);
        here && self.access.with(|a| a.as_ref().is_none_or(Access::can_draw))
    }

    /// Our role, once the server said (tracked).
    pub fn role(&self) -> Option<Role> {
        self.access.with(|a| a.as_ref().map(|a| a.role))
    }

    /// Hands `command` to the live session; before it starts, nothing happens.
    pub fn run(&self, command: Command) {
        if let Some(session) = self.session.with_value(|s| s.as_ref().cloned()) {
            session(command);
        }
    }

    /// Makes `session` the handler of this page's commands.
    pub fn connect(&self, session: impl Fn(Command) + 'static) {
        self.session.update_value(|s| **s = Some(Rc::new(session)));
    }
}

#[component]
pub(super) fn BoardPage() -> impl IntoView {
    let params = use_params_map();
    let name = params.read_untracked().get("name").unwrap_or_default();
    let board = BoardName::new(name.clone());
    let t = texts();
    let invalid = board.as_ref().err().map(|e| t.fill("board.invalid_name", &[("why", &t.name_error(e))]));
    let view = BoardView::new();
    provide_context(view);
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let first_paint = use_context::<FirstPaint>().map(|p| p.0).unwrap_or_default();

    #[cfg(feature = "hydrate")]
    if let Ok(board) = board {
        let started = std::cell::Cell::new(false);
        Effect::new(move |_| {
            if let Some(el) = canvas.get() {
                if !started.replace(true) {
                    crate::client::start(board.clone(), el, view, t);
                }
            }
        });
    }

    let status = move || {
        if let Some(why) = &invalid {
            return why.clone();
        }
        let link = match view.link.get() {
            Link::Connecting => t.get("status.connecting").to_owned(),
            Link::Connected => t.get("status.connected").to_owned(),
            Link::Reconnecting(s) => t.fill("status.reconnecting", &[("seconds", &s)]),
            Link::Refused(why) => return t.fill("status.refused", &[("why", &why)]),
            Link::Deleted => return t.get("status.deleted").to_owned(),
        };
        let waiting = view.waiting.get();
        let waiting = (waiting > 0).then(|| t.count("status.waiting", waiting, &[]));
        let following = view.following.get().map(|id| {
            let name = view.users.with(|users| users.iter().find(|u| u.id == id).map(|u| u.name.clone()));
            t.fill("status.following", &[("name", &name.unwrap_or_default())])
        });
        [Some(link), waiting, following, view.notice.get()].into_iter().flatten().collect::<Vec<_>>().join(" · ")
    };
    let state = move || match view.link.get() {
        Link::Connecting => "connecting",
        Link::Connected => "connected",
        Link::Reconnecting(_) => "reconnecting",
        Link::Refused(_) => "refused",
        Link::Deleted => "deleted",
    };
    let my_color = move || view.me.get().map(|u| u.color.to_string()).unwrap_or_else(|| "#adb5bd".into());
    let my_name = move || view.me.get().map(|u| u.name).unwrap_or_default();

    view! {
        <Title text=format!("{name} · scrawl")/>
        <div class="board" class:view-only=move || !view.can_draw()>
            <svg class="first-paint" aria-hidden="true" inner_html=first_paint></svg>
            <canvas class="board-canvas" node_ref=canvas data-testid="board-canvas" data-tool=move || view.tool.get().as_str() aria-label=t.get("board.canvas")></canvas>
            <div class="cursors" aria-hidden="true"></div>
            <div class="top-start">
                <header class="board-bar">
                    <a href="/" class="logo small" rel="external">"scrawl"</a>
                    <span class="board-name" title=t.get("board.name_title")>{name.clone()}</span>
                    <span class="me" title=t.get("board.your_colour") data-testid="me">
                        <span class="swatch" data-testid="my-color" data-color=my_color style:background-color=my_color></span>
                        <span class="me-name">{my_name}</span>
                    </span>
                </header>
                <footer class="status" data-testid="status" data-state=state role="status">{status}</footer>
            </div>
            <noscript><p class="no-script">{t.get("board.no_script")}</p></noscript>
            <People/>
            <Toolbar board=name.clone()/>
            <super::history::History/>
            <div class="zoom">
                <LanguageMenu/>
                <button aria-label=t.get("board.reset_view") title=t.get("board.reset_view_title") data-testid="zoom" on:click=move |_| view.run(Command::ResetView)>
                    {move || t.fill("board.zoom", &[("percent", &view.zoom.get())])}
                </button>
            </div>
        </div>
    }
}
