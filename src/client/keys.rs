//! Keyboard shortcuts: tools, width, undo and redo, export, view reset, and
//! space held to pan. Keys typed into a field or a dialog, and Space on a
//! button, are left alone.

use leptos::prelude::{GetUntracked, Set};
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;

use super::Session;
use crate::protocol::Tool;
use crate::ui::Command;

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
        let command = match (modifier, e.shift_key(), lower.as_str()) {
            (true, false, "z") => Some(Command::Undo),
            (true, true, "z") | (true, false, "y") => Some(Command::Redo),
            (true, true, "e") => Some(Command::ExportPng),
            (false, _, "0") => Some(Command::ResetView),
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
        let tool = match lower.as_str() {
            "p" => Some(Tool::Pen),
            "e" => Some(Tool::Eraser),
            "l" => Some(Tool::Line),
            "r" => Some(Tool::Rect),
            "o" => Some(Tool::Ellipse),
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
