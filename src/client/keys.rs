//! Keyboard shortcuts: tools, width, undo and redo, export, view reset,
//! what can be done to the selection (delete, duplicate, copy, cut, order,
//! arrows to move it, `Esc` to drop it), and space held to pan. Keys typed into a field or a dialog, and Space on a
//! button, are left alone.

use leptos::prelude::{GetUntracked, Set};
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;

use super::Session;
use crate::protocol::Tool;
use crate::ui::{Command, HistoryCommand, Pick};

fn is_typing_target(e: &KeyboardEvent) -> bool {
    let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return false };
    let in_dialog = el.closest("dialog").ok().flatten().is_some();
    in_dialog
        || match el.tag_name().as_str() {
            "INPUT" | "TEXTAREA" | "SELECT" => true,
            // Space presses the button.
            "BUTTON" => e.key() == " ",
            _ => false,
        }
}

impl Session {
    pub(super) fn key(&mut self, e: &KeyboardEvent, down: bool) {
        if is_typing_target(e) {
            return;
        }
        let key = e.key();
        if key == " " {
            self.input.space_held = down;
            e.prevent_default();
            return;
        }
        if !down {
            return;
        }
        let modifier = e.ctrl_key() || e.meta_key();
        let lower = key.to_lowercase();
        let selected = !self.selection.ids.is_empty();
        // With Shift, `[` and `]` may arrive as `{` and `}`; `code` names the key itself.
        let code = e.code();
        let command = match (modifier, e.shift_key(), lower.as_str()) {
            (true, false, "z") => Some(Command::Undo),
            (true, true, "z") | (true, false, "y") => Some(Command::Redo),
            (true, true, "e") => Some(Command::ExportPng),
            (false, _, "0") => Some(Command::ResetView),
            (true, false, "d") if selected => Some(Command::Duplicate),
            (true, false, "c") if selected => Some(Command::Copy),
            (true, false, "x") if selected => Some(Command::Cut),
            (true, true, _) if selected && code == "BracketRight" => Some(Command::Front),
            (true, true, _) if selected && code == "BracketLeft" => Some(Command::Back),
            (false, _, "delete" | "backspace") if selected => Some(Command::Delete),
            _ => None,
        };
        if let Some(command) = command {
            e.prevent_default();
            self.command(command);
            return;
        }
        if modifier {
            return;
        }
        let arrow = match key.as_str() {
            "ArrowLeft" => Some((-1.0, 0.0)),
            "ArrowRight" => Some((1.0, 0.0)),
            "ArrowUp" => Some((0.0, -1.0)),
            "ArrowDown" => Some((0.0, 1.0)),
            _ => None,
        };
        if let Some((dx, dy)) = arrow.filter(|_| selected && self.may_draw()) {
            e.prevent_default();
            return self.nudge(dx, dy, e.shift_key());
        }
        if key == "Escape" && self.previewing() {
            return self.command(Command::History(HistoryCommand::Close));
        }
        if lower == "h" {
            let open = self.previewing();
            return self.command(Command::History(if open { HistoryCommand::Close } else { HistoryCommand::Open }));
        }
        if key == "Escape" && selected {
            self.selection.ids.clear();
            return self.selection_changed(None);
        }
        if key == "Escape" && self.view.following.get_untracked().is_some() {
            return self.view.following.set(None);
        }
        let tool = match lower.as_str() {
            "v" => Some(Pick::Select),
            "p" => Some(Pick::Make(Tool::Pen)),
            "e" => Some(Pick::Make(Tool::Eraser)),
            "l" => Some(Pick::Make(Tool::Line)),
            "r" => Some(Pick::Make(Tool::Rect)),
            "o" => Some(Pick::Make(Tool::Ellipse)),
            "t" => Some(Pick::Make(Tool::Text)),
            "n" => Some(Pick::Make(Tool::Note)),
            "k" => Some(Pick::Laser),
            _ => None,
        };
        if let Some(tool) = tool {
            self.view.tool.set(tool);
        }
        let width = self.view.width.get_untracked();
        match key.as_str() {
            "[" => self.view.width.set((width - 1.0).max(1.0)),
            "]" => self.view.width.set((width + 1.0).min(40.0)),
            _ => {}
        }
    }
}
