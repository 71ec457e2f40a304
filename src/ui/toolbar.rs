//! The drawing tools (tool, colour, width, undo, clear; hidden from those
//! who may only watch, who see "View only" instead), exports and Share, and
//! the people on the board, where we can rename ourselves and the owner can
//! kick someone or remove their drawing. All work on the page's
//! [`BoardView`] from context.

use leptos::html;
use leptos::prelude::*;

use super::board::{BoardView, Command, OwnerCommand, DEFAULT_INK};
use super::share::{ShareButton, ShareDialog};
use crate::protocol::{Color, Role, Tool};

const TOOLS: [(Tool, &str, &str, &str); 5] = [
    (Tool::Pen, "Pen", "P", "✎"),
    (Tool::Eraser, "Eraser", "E", "⌫"),
    (Tool::Line, "Line", "L", "╱"),
    (Tool::Rect, "Rectangle", "R", "▭"),
    (Tool::Ellipse, "Ellipse", "O", "◯"),
];

const SWATCHES: [&str; 8] = ["#1e1e1e", "#e03131", "#1971c2", "#2f9e44", "#f08c00", "#9c36b5", "#0c8599", "#ffffff"];

#[component]
pub(super) fn Toolbar(board: String) -> impl IntoView {
    let view = use_context::<BoardView>().expect("the board page provides its view");
    let dialog = NodeRef::<html::Dialog>::new();
    view! {
        <nav class="toolbar" aria-label="Drawing tools">
            <AccessBadge/>
            <Show when=move || view.can_draw()>
                <DrawingTools/>
            </Show>
            <div class="group">
                <button aria-label="Export PNG" title="Download PNG (Ctrl+Shift+E)" on:click=move |_| view.run(Command::ExportPng)>"PNG"</button>
                <button aria-label="Export SVG" title="Download SVG" on:click=move |_| view.run(Command::ExportSvg)>"SVG"</button>
                <button aria-label="Export JSON" title="Download strokes as JSON" on:click=move |_| view.run(Command::ExportJson)>"JSON"</button>
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
    move || {
        let access = view.access.get()?;
        let (text, title) = match access.role {
            Role::Owner if access.locked => ("Locked", "Drawing is locked: only you draw"),
            Role::Owner => return None,
            Role::Edit if access.locked => ("View only", "Locked by the owner: only the owner draws for now"),
            Role::Edit => return None,
            Role::View => ("View only", "Your link lets you watch this board, not draw on it"),
        };
        Some(view! {
            <div class="group">
                <span class="badge" role="status" title=title data-testid="access-badge">{text}</span>
            </div>
        })
    }
}

/// Tool, colour, width, undo, redo and clear.
#[component]
fn DrawingTools() -> impl IntoView {
    let view = use_context::<BoardView>().expect("the board page provides its view");
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
                aria-label="Custom colour"
                title="Custom colour"
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
            <button aria-label="Undo" title="Undo (Ctrl+Z)" on:click=move |_| view.run(Command::Undo)>"↶"</button>
            <button aria-label="Redo" title="Redo (Shift+Ctrl+Z)" on:click=move |_| view.run(Command::Redo)>"↷"</button>
            <button aria-label="Clear board" title="Clear board (asks first)" on:click=move |_| view.run(Command::Clear)>"✕"</button>
        </div>
    }
    .into_any()
}

#[component]
pub(super) fn People() -> impl IntoView {
    let view = use_context::<BoardView>().expect("the board page provides its view");
    let open = RwSignal::new(false);
    let count = move || {
        let n = view.users.get().len().max(1);
        if n == 1 {
            "1 online".to_string()
        } else {
            format!("{n} online")
        }
    };
    let my_id = move || view.me.get().map(|u| u.id);
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
                            <span class="dot" style:background-color=user.color.to_string()></span>
                            {if my_id().as_ref() == Some(&user.id) {
                                view! {
                                    <input
                                        class="my-name"
                                        aria-label="Your name"
                                        maxlength="32"
                                        prop:value=user.name.clone()
                                        on:change=move |e| view.run(Command::Rename(event_target_value(&e)))
                                    />
                                    <span class="you">"(you)"</span>
                                }
                                    .into_any()
                            } else {
                                let (id, name) = (user.id.clone(), user.name.clone());
                                view! {
                                    <span class="name">{user.name.clone()}</span>
                                    <Show when=move || view.role() == Some(Role::Owner)>
                                        <span class="owner-actions">
                                            <button
                                                aria-label=format!("Remove drawing of {name}")
                                                title="Remove everything they drew (you can undo it)"
                                                on:click={
                                                    let id = id.clone();
                                                    move |_| view.run(Command::Owner(OwnerCommand::RemoveDrawing(id.clone())))
                                                }
                                            >
                                                "Remove drawing"
                                            </button>
                                            <button
                                                aria-label=format!("Kick {name}")
                                                title="Disconnect them and keep them out for a while"
                                                on:click={
                                                    let id = id.clone();
                                                    move |_| view.run(Command::Owner(OwnerCommand::Kick(id.clone())))
                                                }
                                            >
                                                "Kick"
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
