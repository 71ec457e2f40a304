//! Sharing a board: copying its links, and its owner's commands (mode,
//! lock, new links, kick, remove someone's drawing, delete), sent like any
//! change; those that cannot be undone ask first.

use leptos::prelude::Set;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;

use super::{window, Session};
use crate::protocol::{DeleteBoard, Event, Kick, RemoveDrawing, ResetLinks, SetLock, SetMode};
use crate::ui::{BoardView, OwnerCommand};

/// Whether `event` is one of the owner's.
pub(super) fn is_owner_event(event: &str) -> bool {
    [SetMode::NAME, SetLock::NAME, ResetLinks::NAME, Kick::NAME, RemoveDrawing::NAME, DeleteBoard::NAME]
        .contains(&event)
}

fn confirm(question: &str) -> bool {
    window().confirm_with_message(question).unwrap_or(false)
}

/// Puts `text` on the clipboard; `view.copied` says so once it is there.
/// Without a clipboard (a page not served over HTTPS) nothing happens: the
/// link is selected in its field, to copy by hand.
pub(super) fn copy(view: BoardView, text: String) {
    let Some(clipboard) = super::select::clipboard() else { return };
    let written = clipboard.write_text(&text);
    let done = Closure::once(move |_: JsValue| view.copied.set(Some(text)));
    let failed = Closure::once(|e: JsValue| leptos::logging::warn!("scrawl: could not copy the link: {e:?}"));
    let _ = written.then(&done).catch(&failed);
    done.forget();
    failed.forget();
}

impl Session {
    pub(super) fn owner_command(&mut self, command: OwnerCommand) {
        match command {
            OwnerCommand::SetMode(mode) => self.send(&SetMode { mode }, &[]),
            OwnerCommand::SetLock(locked) => self.send(&SetLock { locked }, &[]),
            OwnerCommand::ResetLinks => {
                if confirm(self.texts.get("share.reset_links_confirm")) {
                    self.send(&ResetLinks, &[]);
                }
            }
            OwnerCommand::DeleteBoard => {
                if confirm(self.texts.get("share.delete_confirm")) {
                    self.send(&DeleteBoard, &[]);
                }
            }
            OwnerCommand::Kick(user) => self.send(&Kick { user }, &[]),
            OwnerCommand::RemoveDrawing(user) => self.send(&RemoveDrawing { user }, &[]),
            OwnerCommand::Summon => {
                // They follow the view they are told, so it goes first.
                self.tell_view_now();
                self.send(&crate::protocol::Summon, &[]);
            }
        }
    }
}
