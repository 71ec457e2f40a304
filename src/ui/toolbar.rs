//! The drawing tools (tool, colour, width, undo, clear; hidden from those
//! who may only watch, who see "View only" instead), exports and Share, and
//! the people on the board, where we can rename ourselves and the owner can
//! kick someone or remove their drawing. All work on the page's
//! [`BoardView`] from context.

use leptos::html;
use leptos::prelude::*;

use super::board::{BoardView, Command, OwnerCommand, Pick, DEFAULT_INK};
use super::share::{ShareButton, ShareDialog};
use super::texts;
use crate::protocol::{Color, Role, Tool};

/// Each tool's text key, shortcut and icon.
const TOOLS: [(Pick, &str, &str, &str); 9] = [
    (Pick::Select, "tools.select", "V", "↖"),
    (Pick::Make(Tool::Pen), "tools.pen", "P", "✎"),
    (Pick::Make(Tool::Eraser), "tools.eraser", "E", "⌫"),
    (Pick::Make(Tool::Line), "tools.line", "L", "╱"),
    (Pick::Make(Tool::Rect), "tools.rect", "R", "▭"),
    (Pick::Make(Tool::Ellipse), "tools.ellipse", "O", "◯"),
    (Pick::Make(Tool::Text), "tools.text", "T", "T"),
    (Pick::Make(Tool::Note), "tools.note", "N", "▤"),
    (Pick::Laser, "tools.laser", "K", "✦"),
];

/// What can be done to a selection: the command, its text keys and icon.
const SELECTION: [(Command, &str, &str, &str); 6] = [
    (Command::Delete, "edit.delete", "edit.delete_title", "⌦"),
    (Command::Duplicate, "edit.duplicate", "edit.duplicate_title", "❐"),
    (Command::Copy, "edit.copy", "edit.copy_title", "❏"),
    (Command::Cut, "edit.cut", "edit.cut_title", "✂"),
    (Command::Front, "edit.front", "edit.front_title", "⤒"),
    (Command::Back, "edit.back", "edit.back_title", "⤓"),
];

const SWATCHES: [&str; 8] = ["#1e1e1e", "#e03131", "#1971c2", "#2f9e44", "#f08c00", "#9c36b5", "#0c8599", "#ffffff"];

#[component]
pub(super) fn Toolbar(board: String) -> impl IntoView {
    let view = use_context::<BoardView>().expect("the board page provides its view");
    let dialog = NodeRef::<html::Dialog>::new();
    let t = texts();
    view! {
        <nav class="toolbar" aria-label=t.get("tools.nav")>
            <AccessBadge/>
            <Show when=move || view.can_draw()>
                <DrawingTools/>
            </Show>
            <div class="group">
                <button aria-label=t.get("export.png") title=t.get("export.png_title") on:click=move |_| view.run(Command::ExportPng)>"PNG"</button>
                <button aria-label=t.get("export.svg") title=t.get("export.svg_title") on:click=move |_| view.run(Command::ExportSvg)>"SVG"</button>
                <button aria-label=t.get("export.json") title=t.get("export.json_title") on:click=move |_| view.run(Command::ExportJson)>"JSON"</button>
                <super::history::HistoryButton/>
            </div>
            <ShareButton dialog/>
        </nav>
        <ShareDialog board dialog/>
    }
    .into_any()
}

/// "View only" for those who may not draw; "Locked" for the owner of a
/// locked board.
#[component]
fn AccessBadge() -> impl IntoView {
    let view = use_context::<BoardView>().expect("the board page provides its view");
    let t = texts();
    move || {
        let access = view.access.get()?;
        let (text, title) = match access.role {
            Role::Owner if access.locked => ("access.locked", "access.locked_title"),
            Role::Owner => return None,
            Role::Edit if access.locked => ("access.view_only", "access.view_only_locked_title"),
            Role::Edit => return None,
            Role::View => ("access.view_only", "access.view_only_title"),
        };
        Some(view! {
            <div class="group">
                <span class="badge" role="status" title=t.get(title) data-testid="access-badge">{t.get(text)}</span>
            </div>
        })
    }
}

/// Tool, colour, width, undo, redo and clear.
#[component]
fn DrawingTools() -> impl IntoView {
    let view = use_context::<BoardView>().expect("the board page provides its view");
    let t = texts();
    let tools = TOOLS
        .into_iter()
        .map(|(tool, label, key, icon)| {
            let label = t.get(label);
            let title = t.fill("tools.shortcut", &[("label", &label), ("key", &key)]);
            view! {
                <button
                    class="tool"
                    class:active=move || view.tool.get() == tool
                    aria-label=label
                    aria-pressed=move || (view.tool.get() == tool).to_string()
                    title=title
                    data-tool=tool.as_str()
                    aria-keyshortcuts=key
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
            let label = t.fill("tools.colour", &[("colour", &c)]);
            view! {
                <button
                    class="swatch-button"
                    class:active=move || view.color.get().as_deref() == Some(c)
                    aria-label=label.clone()
                    title=label
                    style:background-color=c
                    on:click=move |_| view.color.set(Color::new(c).ok())
                ></button>
            }
        })
        .collect_view();
    let current = move || {
        view.color
            .get()
            .or_else(|| view.me.get().map(|u| u.color))
            .map_or_else(|| DEFAULT_INK.into(), |c| c.to_string())
    };
    view! {
        <div class="group">{tools}</div>
        <div class="group colors">
            {swatches}
            <input
                type="color"
                class="custom-color"
                aria-label=t.get("tools.custom_colour")
                title=t.get("tools.custom_colour")
                value=current
                prop:value=current
                on:input=move |e| {
                    if let Ok(c) = Color::new(event_target_value(&e)) {
                        view.color.set(Some(c))
                    }
                }
            />
        </div>
        <div class="group">
            <input
                type="range"
                class="width"
                min="1"
                max="40"
                aria-label=t.get("tools.width")
                title=t.get("tools.width_title")
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
            <button aria-label=t.get("tools.undo") title=t.get("tools.undo_title") on:click=move |_| view.run(Command::Undo)>"↶"</button>
            <button aria-label=t.get("tools.redo") title=t.get("tools.redo_title") on:click=move |_| view.run(Command::Redo)>"↷"</button>
            <button aria-label=t.get("tools.clear") title=t.get("tools.clear_title") on:click=move |_| view.run(Command::Clear)>"✕"</button>
            <button aria-label=t.get("edit.paste") title=t.get("edit.paste_title") on:click=move |_| view.run(Command::Paste)>"▣"</button>
            <button aria-label=t.get("tools.image") title=t.get("tools.image_title") on:click=move |_| view.run(Command::AddImage)>"▨"</button>
        </div>
        <Show when=move || { view.selected.get() > 0 }>
            <div class="group selection" role="group" aria-label=t.get("edit.nav")>{selection_actions(view)}</div>
        </Show>
    }
    .into_any()
}

/// The buttons of what can be done to the selection.
fn selection_actions(view: BoardView) -> impl IntoView {
    let t = texts();
    SELECTION
        .into_iter()
        .map(|(command, label, title, icon)| {
            view! {
                <button aria-label=t.get(label) title=t.get(title) on:click=move |_| view.run(command.clone())>{icon}</button>
            }
        })
        .collect_view()
}

#[component]
pub(super) fn People() -> impl IntoView {
    let view = use_context::<BoardView>().expect("the board page provides its view");
    let open = RwSignal::new(false);
    let t = texts();
    let count = move || t.count("people.online", view.users.get().len().max(1), &[]);
    let people = t.get("people.title");
    let my_id = move || view.me.get().map(|u| u.id);
    view! {
        <div class="people">
            <button
                class="users"
                data-testid="user-count"
                aria-label=people
                aria-expanded=move || open.get().to_string()
                title=people
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {count}
            </button>
            <Show when=move || open.get()>
                <ul class="people-list" data-testid="people">
                    <Show when=move || view.role() == Some(Role::Owner)>
                        <li>
                            <button class="summon" on:click=move |_| view.run(Command::Owner(OwnerCommand::Summon))>
                                {t.get("people.summon")}
                            </button>
                        </li>
                    </Show>
                    <For each=move || view.users.get() key=|u| (u.id.clone(), u.name.clone(), u.color.clone()) let:user>
                        <li>
                            <span class="dot" style:background-color=user.color.to_string()></span>
                            {if my_id().as_ref() == Some(&user.id) {
                                view! {
                                    <input
                                        class="my-name"
                                        aria-label=t.get("people.your_name")
                                        maxlength="32"
                                        prop:value=user.name.clone()
                                        on:change=move |e| view.run(Command::Rename(event_target_value(&e)))
                                    />
                                    <span class="you">{t.get("people.you")}</span>
                                }
                                    .into_any()
                            } else {
                                let (id, name) = (user.id.clone(), user.name.clone());
                                let followed = {
                                    let id = id.clone();
                                    move || view.following.with(|f| f.as_ref() == Some(&id))
                                };
                                view! {
                                    <span class="name">{user.name.clone()}</span>
                                    <button
                                        class="follow"
                                        class:active=followed.clone()
                                        aria-label=t.fill("people.follow_of", &[("name", &name)])
                                        aria-pressed=move || followed().to_string()
                                        title=t.get("people.follow_title")
                                        on:click={
                                            let id = id.clone();
                                            move |_| {
                                                let next = (view.following.get_untracked().as_ref() != Some(&id)).then(|| id.clone());
                                                view.following.set(next)
                                            }
                                        }
                                    >
                                        "◎"
                                    </button>
                                    <Show when=move || view.role() == Some(Role::Owner)>
                                        <span class="owner-actions">
                                            <button
                                                aria-label=t.fill("people.remove_drawing_of", &[("name", &name)])
                                                title=t.get("people.remove_drawing_title")
                                                on:click={
                                                    let id = id.clone();
                                                    move |_| view.run(Command::Owner(OwnerCommand::RemoveDrawing(id.clone())))
                                                }
                                            >
                                                {t.get("people.remove_drawing")}
                                            </button>
                                            <button
                                                aria-label=t.fill("people.kick_of", &[("name", &name)])
                                                title=t.get("people.kick_title")
                                                on:click={
                                                    let id = id.clone();
                                                    move |_| view.run(Command::Owner(OwnerCommand::Kick(id.clone())))
                                                }
                                            >
                                                {t.get("people.kick")}
                                            </button>
                                        </span>
                                    </Show>
                                }
                                    .into_any()
                            }}
                        </li>
                    </For>
                </ul>
            </Show>
        </div>
    }
    .into_any()
}
