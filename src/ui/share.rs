//! The Share dialog: the board's links to copy, each also shown in a field
//! to copy by hand, and for the board's owner its settings (mode, lock),
//! new links, and deleting the board.

use leptos::html;
use leptos::prelude::*;

use super::board::{BoardView, Command, Link, OwnerCommand};
use crate::protocol::{Access, Mode, Role};

const MODES: [(Mode, &str); 3] = [
    (Mode::Open, "Open — anyone with the link draws"),
    (Mode::Protected, "Protected — others watch"),
    (Mode::Private, "Private — only links"),
];

/// The address of `board` on `origin`; with `key`, the link that opens it
/// with that key.
fn board_link(origin: &str, board: &str, key: Option<&str>) -> String {
    match key {
        Some(key) => format!("{origin}/b/{board}#k={key}"),
        None => format!("{origin}/b/{board}"),
    }
}

/// What our link lets us do, in words.
fn role_text(access: &Access) -> &'static str {
    match access.role {
        Role::Owner => "You own this board.",
        Role::Edit if access.locked => "The owner locked drawing: you watch until they unlock it.",
        Role::Edit => "You can draw on this board.",
        Role::View => "You can watch this board, not draw on it.",
    }
}

/// The toolbar's Share button, which opens `dialog`.
#[component]
pub(super) fn ShareButton(dialog: NodeRef<html::Dialog>) -> impl IntoView {
    let view = use_context::<BoardView>().expect("the board page provides its view");
    let open = move |_| {
        view.copied.set(None);
        if let Some(dialog) = dialog.get() {
            let _ = dialog.show_modal();
        }
    };
    view! {
        <div class="group share">
            <button class="share-button" aria-haspopup="dialog" title="Share this board" on:click=open>
                "Share"
            </button>
        </div>
    }
    .into_any()
}

#[component]
pub(super) fn ShareDialog(board: String, dialog: NodeRef<html::Dialog>) -> impl IntoView {
    let view = use_context::<BoardView>().expect("the board page provides its view");
    let close = move || {
        if let Some(dialog) = dialog.get() {
            dialog.close();
        }
    };
    // Off the board (deleted, kicked), there is nothing to share.
    Effect::new(move |_| {
        if matches!(view.link.get(), Link::Deleted | Link::Refused(_)) {
            close();
        }
    });
    let links = move || {
        let origin = view.origin.get();
        let link = |key: Option<&str>| board_link(&origin, &board, key);
        let access = view.access.get();
        match access.as_ref().and_then(|a| a.links.as_ref()) {
            Some(links) => view! {
                <LinkRow label="View link" copy="Copy view link" link=link(Some(&links.view))>
                    <p class="hint">"Watches the board; cannot draw."</p>
                </LinkRow>
                <LinkRow label="Edit link" copy="Copy edit link" link=link(Some(&links.edit))>
                    <p class="hint">"Draws, even when the board is protected or private."</p>
                </LinkRow>
                <LinkRow label="Owner link" copy="Copy owner link" link=link(Some(&links.owner))>
                    <p class="warning">
                        "Whoever has the owner link controls this board: its settings, who may stay, and deleting it. Keep it to yourself."
                    </p>
                </LinkRow>
            }
            .into_any(),
            None => view! {
                <LinkRow label="Link" copy="Copy link" link=link(view.key.get().as_deref())>
                    <p class="hint">{access.as_ref().map(role_text)}</p>
                </LinkRow>
            }
            .into_any(),
        }
    };
    view! {
        <dialog
            node_ref=dialog
            class="share-dialog"
            aria-label="Share"
            // A click on the backdrop lands on the dialog itself.
            on:click=move |e| {
                if e.target() == e.current_target() {
                    close();
                }
            }
        >
            <div class="sheet">
                <header>
                    <h2>"Share this board"</h2>
                    <button class="close" aria-label="Close" title="Close (Esc)" on:click=move |_| close()>
                        "✕"
                    </button>
                </header>
                {links}
                <p class="copied" role="status">{move || view.copied.get().map(|_| "Copied to the clipboard.")}</p>
                <Show when=move || view.role() == Some(Role::Owner)>
                    <OwnerSettings/>
                </Show>
            </div>
        </dialog>
    }
    .into_any()
}

/// A link in a read-only field, and a button that copies it.
#[component]
fn LinkRow(label: &'static str, copy: &'static str, link: String, children: Children) -> impl IntoView {
    let view = use_context::<BoardView>().expect("the board page provides its view");
    let input = NodeRef::<html::Input>::new();
    let id = format!("share-{}", label.to_lowercase().replace(' ', "-"));
    let copied = link.clone();
    let on_copy = move |_| {
        if let Some(input) = input.get() {
            input.select();
        }
        view.run(Command::Copy(copied.clone()));
    };
    view! {
        <div class="link-row">
            <label for=id.clone()>{label}</label>
            <div class="row">
                <input
                    id=id
                    type="text"
                    readonly
                    spellcheck="false"
                    value=link
                    node_ref=input
                    on:focus=move |_| {
                        if let Some(input) = input.get() {
                            input.select();
                        }
                    }
                />
                <button class="button" on:click=on_copy>{copy}</button>
            </div>
            {children()}
        </div>
    }
    .into_any()
}

/// The owner's settings: mode, lock, new links, deleting the board.
#[component]
fn OwnerSettings() -> impl IntoView {
    let view = use_context::<BoardView>().expect("the board page provides its view");
    let mode = move || view.access.with(|a| a.as_ref().map(|a| a.mode).unwrap_or_default());
    let locked = move || view.access.with(|a| a.as_ref().is_some_and(|a| a.locked));
    let options = MODES
        .into_iter()
        .map(|(m, text)| {
            view! { <option value=m.as_str() selected=move || mode() == m prop:selected=move || mode() == m>{text}</option> }
        })
        .collect_view();
    view! {
        <section class="owner-settings" aria-labelledby="share-settings">
            <h3 id="share-settings">"Settings"</h3>
            <div class="field">
                <label for="share-mode">"Mode"</label>
                <select
                    id="share-mode"
                    aria-describedby="share-mode-hint"
                    on:change=move |e| {
                        if let Some(m) = Mode::parse(&event_target_value(&e)) {
                            view.run(Command::Owner(OwnerCommand::SetMode(m)))
                        }
                    }
                >
                    {options}
                </select>
                <p class="hint" id="share-mode-hint">"What the board's plain address lets people do. The links above always work."</p>
            </div>
            <div class="field">
                <label class="check">
                    <input
                        type="checkbox"
                        aria-describedby="share-lock-hint"
                        prop:checked=locked
                        on:change=move |e| view.run(Command::Owner(OwnerCommand::SetLock(event_target_checked(&e))))
                    />
                    "Lock drawing"
                </label>
                <p class="hint" id="share-lock-hint">"Only you draw; everyone else watches."</p>
            </div>
            <div class="actions">
                <button class="button" title="New edit and view links; the current ones stop working" on:click=move |_| view.run(Command::Owner(OwnerCommand::ResetLinks))>
                    "Reset links"
                </button>
                <button class="button danger" title="Delete this board and everything on it" on:click=move |_| view.run(Command::Owner(OwnerCommand::DeleteBoard))>
                    "Delete board"
                </button>
            </div>
        </section>
    }
    .into_any()
}
