//! The Share dialog: the board's links to copy, each also shown in a field
//! to copy by hand, and for the board's owner its settings (mode, lock),
//! new links, and deleting the board.

use leptos::html;
use leptos::prelude::*;

use super::board::{BoardView, Command, Link, OwnerCommand};
use super::texts;
use crate::protocol::{Access, Mode, Role};

const MODES: [(Mode, &str); 3] =
    [(Mode::Open, "share.mode_open"), (Mode::Protected, "share.mode_protected"), (Mode::Private, "share.mode_private")];

/// The address of `board` on `origin`; with `key`, the link that opens it
/// with that key.
fn board_link(origin: &str, board: &str, key: Option<&str>) -> String {
    match key {
        Some(key) => format!("{origin}/b/{board}#k={key}"),
        None => format!("{origin}/b/{board}"),
    }
}

/// The text key of what our link lets us do.
fn role_text(access: &Access) -> &'static str {
    match access.role {
        Role::Owner => "share.role_owner",
        Role::Edit if access.locked => "share.role_edit_locked",
        Role::Edit => "share.role_edit",
        Role::View => "share.role_view",
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
    let t = texts();
    view! {
        <div class="group share">
            <button class="share-button" aria-haspopup="dialog" title=t.get("share.button_title") on:click=open>
                {t.get("share.button")}
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
    let t = texts();
    let links = move || {
        let origin = view.origin.get();
        let link = |key: Option<&str>| board_link(&origin, &board, key);
        let access = view.access.get();
        match access.as_ref().and_then(|a| a.links.as_ref()) {
            Some(links) => view! {
                <LinkRow id="share-view-link" label=t.get("share.view_link") copy=t.get("share.copy_view_link") link=link(Some(&links.view))>
                    <p class="hint">{t.get("share.view_hint")}</p>
                </LinkRow>
                <LinkRow id="share-edit-link" label=t.get("share.edit_link") copy=t.get("share.copy_edit_link") link=link(Some(&links.edit))>
                    <p class="hint">{t.get("share.edit_hint")}</p>
                </LinkRow>
                <LinkRow id="share-owner-link" label=t.get("share.owner_link") copy=t.get("share.copy_owner_link") link=link(Some(&links.owner))>
                    <p class="warning">{t.get("share.owner_warning")}</p>
                </LinkRow>
            }
            .into_any(),
            None => view! {
                <LinkRow id="share-link" label=t.get("share.link") copy=t.get("share.copy_link") link=link(view.key.get().as_deref())>
                    <p class="hint">{access.as_ref().map(|a| t.get(role_text(a)))}</p>
                </LinkRow>
            }
            .into_any(),
        }
    };
    let copied = t.get("share.copied");
    view! {
        <dialog
            node_ref=dialog
            class="share-dialog"
            aria-label=t.get("share.dialog")
            // A click on the backdrop lands on the dialog itself.
            on:click=move |e| {
                if e.target() == e.current_target() {
                    close();
                }
            }
        >
            <div class="sheet">
                <header>
                    <h2>{t.get("share.title")}</h2>
                    <button class="close" aria-label=t.get("share.close") title=t.get("share.close_title") on:click=move |_| close()>
                        "✕"
                    </button>
                </header>
                {links}
                <p class="copied" role="status">{move || view.copied.get().map(|_| copied)}</p>
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
fn LinkRow(
    id: &'static str,
    label: &'static str,
    copy: &'static str,
    link: String,
    children: Children,
) -> impl IntoView {
    let view = use_context::<BoardView>().expect("the board page provides its view");
    let input = NodeRef::<html::Input>::new();
    let copied = link.clone();
    let on_copy = move |_| {
        if let Some(input) = input.get() {
            input.select();
        }
        view.run(Command::CopyLink(copied.clone()));
    };
    view! {
        <div class="link-row">
            <label for=id>{label}</label>
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
    let t = texts();
    let options = MODES
        .into_iter()
        .map(|(m, text)| {
            view! { <option value=m.as_str() selected=move || mode() == m prop:selected=move || mode() == m>{t.get(text)}</option> }
        })
        .collect_view();
    view! {
        <section class="owner-settings" aria-labelledby="share-settings">
            <h3 id="share-settings">{t.get("share.settings")}</h3>
            <div class="field">
                <label for="share-mode">{t.get("share.mode")}</label>
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
                <p class="hint" id="share-mode-hint">{t.get("share.mode_hint")}</p>
            </div>
            <div class="field">
                <label class="check">
                    <input
                        type="checkbox"
                        aria-describedby="share-lock-hint"
                        prop:checked=locked
                        on:change=move |e| view.run(Command::Owner(OwnerCommand::SetLock(event_target_checked(&e))))
                    />
                    {t.get("share.lock")}
                </label>
                <p class="hint" id="share-lock-hint">{t.get("share.lock_hint")}</p>
            </div>
            <div class="actions">
                <button class="button" title=t.get("share.reset_links_title") on:click=move |_| view.run(Command::Owner(OwnerCommand::ResetLinks))>
                    {t.get("share.reset_links")}
                </button>
                <button class="button danger" title=t.get("share.delete_title") on:click=move |_| view.run(Command::Owner(OwnerCommand::DeleteBoard))>
                    {t.get("share.delete")}
                </button>
            </div>
        </section>
    }
    .into_any()
}
