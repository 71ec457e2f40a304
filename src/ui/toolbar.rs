//! The drawing tools (tool, colour, width, undo, clear, exports) and the
//! people on the board, where we can rename ourselves. Both work on the
//! page's [`BoardView`] from context.

use leptos::prelude::*;

use super::board::{BoardView, Command, DEFAULT_INK};
use crate::protocol::{Color, Tool};

const TOOLS: [(Tool, &str, &str, &str); 5] = [
    (Tool::Pen, "Pen", "P", "✎"),
    (Tool::Eraser, "Eraser", "E", "⌫"),
    (Tool::Line, "Line", "L", "╱"),
    (Tool::Rect, "Rectangle", "R", "▭"),
    (Tool::Ellipse, "Ellipse", "O", "◯"),
];

const SWATCHES: [&str; 8] = ["#1e1e1e", "#e03131", "#1971c2", "#2f9e44", "#f08c00", "#9c36b5", "#0c8599", "#ffffff"];

#[component]
pub(super) fn Toolbar() -> impl IntoView {
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
            <div class="group">
                <button aria-label="Export PNG" title="Download PNG (Ctrl+Shift+E)" on:click=move |_| view.run(Command::ExportPng)>"PNG"</button>
                <button aria-label="Export SVG" title="Download SVG" on:click=move |_| view.run(Command::ExportSvg)>"SVG"</button>
                <button aria-label="Export JSON" title="Download strokes as JSON" on:click=move |_| view.run(Command::ExportJson)>"JSON"</button>
            </div>
        </nav>
    }
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
                                view! { <span>{user.name.clone()}</span> }.into_any()
                            }}
                        </li>
                    </For>
                </ul>
            </Show>
        </div>
    }
}
