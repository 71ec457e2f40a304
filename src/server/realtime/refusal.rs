//! Why a connection or an event is refused, and what the client is told:
//! a specific message in the connection's language, a code for programs,
//! `retryAfterMs` when it may pass, and general words for storage trouble
//! (the detail goes to the log). The `Display` texts are the English ones,
//! for the log.

use std::time::Duration;

use crate::domain::BoardError;
use crate::i18n::Texts;
use crate::metrics::Refusal;
use crate::protocol::Ack;
use crate::server::limits::{AdmissionError, Class};
use crate::storage::{HistoryError, StorageError};

/// Refusals sent to the client as `connect_error`.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("invalid auth payload: {0}")]
    Auth(String),
    #[error("invalid board: {0}")]
    Board(#[from] crate::protocol::ValidationError),
    #[error("board is unavailable; retry later")]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Admission(#[from] AdmissionError),
    #[error("this board is private: open it with a link from its owner")]
    Private,
    #[error("this board is private, and this link is not valid (any more): ask the board's owner for a new one")]
    InvalidKey,
    #[error("the board's owner removed you from this board; you may come back in {0} min")]
    Kicked(u64),
}

/// Why a client event was refused; the message goes back in the ack.
#[derive(Debug, thiserror::Error)]
pub(super) enum EventError {
    #[error("invalid payload: {0}")]
    Payload(#[from] serde_json::Error),
    #[error(transparent)]
    Board(#[from] BoardError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("rate limit: too many {} events; retry in {} ms", .class.name(), .wait.as_millis())]
    Rate { class: Class, wait: Duration },
    #[error("too many events ignored the rate limit; disconnecting")]
    Abuse,
    #[error("the server is busy relaying; retry later")]
    Busy,
    #[error("an earlier event was refused for now; retry in {} ms, in order", .0.as_millis())]
    Held(Duration),
    #[error("read-only: your link lets you watch this board, not draw on it")]
    ViewOnly,
    #[error("read-only: the board is locked, and only its owner draws")]
    Locked,
    #[error("only the board's owner may do this")]
    NotOwner,
    #[error("the board was deleted")]
    Deleted,
    #[error("you cannot kick yourself")]
    KickYourself,
    #[error("an owner cannot be kicked")]
    KickOwner,
    /// A version that cannot be restored: compacted away, or not made yet.
    #[error("{0}")]
    Version(HistoryError),
}

impl From<HistoryError> for EventError {
    fn from(e: HistoryError) -> Self {
        match e {
            HistoryError::Storage(e) => EventError::Storage(e),
            e => EventError::Version(e),
        }
    }
}

impl EventError {
    /// When the event may be sent again, for refusals that pass.
    pub(super) fn retry_ms(&self) -> Option<u64> {
        match self {
            EventError::Rate { wait, .. } | EventError::Held(wait) => Some(wait.as_millis().max(1) as u64),
            EventError::Storage(StorageError::Unavailable(_) | StorageError::Busy | StorageError::Moved) => Some(1000),
            EventError::Busy => Some(100),
            // A batch that came before the one it follows: send again, in order.
            EventError::Board(BoardError::Gap { .. }) => Some(500),
            _ => None,
        }
    }

    /// The ack that refuses the event, in words of `t`: retryable ones say
    /// when to retry. Storage trouble is told in general words; the detail
    /// goes to the log.
    pub(super) fn ack(&self, t: &Texts) -> Ack {
        if let EventError::Storage(e) = self {
            if !matches!(e, StorageError::Unavailable(_) | StorageError::Busy | StorageError::Moved) {
                tracing::error!(error = %e, "a change could not be stored");
            }
        }
        let message = self.text(t);
        let ack = match self.retry_ms() {
            Some(ms) => Ack::retry(message, ms),
            None => Ack::err(message),
        };
        ack.with_code(self.code())
    }

    /// What the person is told. In English, protocol v1's words: the
    /// `Display` text, but for storage trouble, told in general words.
    fn text(&self, t: &Texts) -> String {
        let ms = |wait: &Duration| wait.as_millis().max(1);
        let get = |key| t.get(key).to_owned();
        match self {
            EventError::Board(BoardError::NoSuchUser) => get("error.no_such_user"),
            EventError::Board(BoardError::NothingToUndo) => get("error.nothing_to_undo"),
            EventError::Board(BoardError::NothingToRedo) => get("error.nothing_to_redo"),
            EventError::Board(BoardError::Full { what: "strokes", limit }) => {
                t.fill("error.full_strokes", &[("max", limit)])
            }
            EventError::Board(BoardError::Full { limit, .. }) => t.fill("error.full_points", &[("max", limit)]),
            // What the official client never causes (a malformed payload, an
            // unknown or foreign stroke, a batch out of order): the
            // technical detail, in English.
            EventError::Payload(_) | EventError::Board(_) | EventError::Version(_) => self.to_string(),
            EventError::Storage(StorageError::Unavailable(_) | StorageError::Moved) => get("error.storage_unavailable"),
            EventError::Storage(StorageError::Busy) => get("error.storage_busy"),
            EventError::Storage(_) => get("error.not_stored"),
            EventError::Rate { class: Class::Stroke, wait } => t.fill("error.rate_stroke", &[("ms", &ms(wait))]),
            EventError::Rate { class: Class::Edit, wait } => t.fill("error.rate_edit", &[("ms", &ms(wait))]),
            EventError::Abuse => get("error.abuse"),
            EventError::Busy => get("error.busy"),
            EventError::Held(wait) => t.fill("error.held", &[("ms", &ms(wait))]),
            EventError::ViewOnly => get("error.view_only"),
            EventError::Locked => get("error.locked"),
            EventError::NotOwner => get("error.not_owner"),
            EventError::Deleted => get("error.deleted"),
            EventError::KickYourself => get("error.kick_yourself"),
            EventError::KickOwner => get("error.kick_owner"),
        }
    }

    /// The refusal's code for programs (PROTOCOL.md lists them).
    fn code(&self) -> &'static str {
        match self {
            EventError::Payload(_) | EventError::KickYourself | EventError::KickOwner | EventError::Version(_) => {
                "invalid"
            }
            EventError::Board(BoardError::Full { .. }) => "board-full",
            EventError::Board(BoardError::NothingToUndo | BoardError::NothingToRedo) => "nothing-to-do",
            EventError::Board(BoardError::Gap { .. }) => "out-of-order",
            EventError::Board(BoardError::NotJoined) => "not-joined",
            EventError::Board(_) => "invalid",
            EventError::Storage(_) => "storage",
            EventError::Rate { .. } | EventError::Held(_) | EventError::Abuse => "rate-limit",
            EventError::Busy => "busy",
            EventError::ViewOnly | EventError::Locked => "read-only",
            EventError::NotOwner => "not-owner",
            EventError::Deleted => "deleted",
        }
    }

    pub(super) fn refusal(&self) -> Refusal {
        match self {
            EventError::Rate { .. } | EventError::Abuse | EventError::Busy | EventError::Held(_) => Refusal::Rate,
            EventError::Storage(_) => Refusal::Storage,
            EventError::Board(BoardError::Full { .. }) => Refusal::Quota,
            EventError::Payload(_)
            | EventError::Board(_)
            | EventError::KickYourself
            | EventError::KickOwner
            | EventError::Version(_) => Refusal::Validation,
            EventError::ViewOnly | EventError::Locked | EventError::NotOwner | EventError::Deleted => Refusal::Access,
        }
    }
}

impl ConnectError {
    /// What the person is told, in words of `t`.
    pub fn text(&self, t: &Texts) -> String {
        match self {
            ConnectError::Auth(detail) => t.fill("error.auth", &[("detail", detail)]),
            ConnectError::Board(e) => t.fill("error.board", &[("why", &t.name_error(e))]),
            ConnectError::Storage(_) => t.get("error.unavailable").to_owned(),
            ConnectError::Admission(AdmissionError::Connections(max)) => {
                t.fill("error.too_many_connections", &[("max", max)])
            }
            ConnectError::Admission(AdmissionError::Joins(s)) => t.fill("error.too_many_joins", &[("seconds", s)]),
            ConnectError::Admission(AdmissionError::NewBoards(s)) => t.fill("error.too_many_boards", &[("seconds", s)]),
            ConnectError::Private => t.get("error.private").to_owned(),
            ConnectError::InvalidKey => t.get("error.invalid_key").to_owned(),
            ConnectError::Kicked(minutes) => t.fill("error.kicked", &[("minutes", minutes)]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    /// English refusals are protocol v1's words, which clients may show or match.
    #[test]
    fn english_refusals_keep_the_v1_words() {
        let en = Texts::of(Locale::En);
        let wait = Duration::from_millis(250);
        let events = [
            EventError::Board(BoardError::NoSuchUser),
            EventError::Board(BoardError::NothingToUndo),
            EventError::Board(BoardError::NothingToRedo),
            EventError::Board(BoardError::Full { what: "strokes", limit: 7 }),
            EventError::Board(BoardError::Full { what: "points", limit: 9 }),
            EventError::Board(BoardError::Gap {
                id: crate::protocol::StrokeId::new("s").unwrap(),
                expected: 2,
                got: 3,
            }),
            EventError::Rate { class: Class::Stroke, wait },
            EventError::Rate { class: Class::Edit, wait },
            EventError::Abuse,
            EventError::Busy,
            EventError::Held(wait),
            EventError::ViewOnly,
            EventError::Locked,
            EventError::NotOwner,
            EventError::Deleted,
            EventError::KickYourself,
            EventError::KickOwner,
        ];
        for e in events {
            assert_eq!(e.ack(&en).error, Some(e.to_string()));
        }
        let storage = [
            (StorageError::Unavailable("disk".into()), "storage is unavailable; retry later"),
            (StorageError::Busy, "too many changes are waiting to be written; retry later"),
            (StorageError::Closed, "the change could not be stored"),
        ];
        for (e, told) in storage {
            assert_eq!(EventError::Storage(e).ack(&en).error.as_deref(), Some(told));
        }
        let connects = [
            ConnectError::Board(crate::protocol::ValidationError::BoardNameEmpty),
            ConnectError::Board(crate::protocol::ValidationError::BoardNameTooLong),
            ConnectError::Board(crate::protocol::ValidationError::BoardNameCharacters),
            ConnectError::Storage(StorageError::Closed),
            ConnectError::Admission(AdmissionError::Connections(3)),
            ConnectError::Admission(AdmissionError::Joins(4)),
            ConnectError::Admission(AdmissionError::NewBoards(5)),
            ConnectError::Private,
            ConnectError::InvalidKey,
            ConnectError::Kicked(10),
        ];
        for e in connects {
            assert_eq!(e.text(&en), e.to_string());
        }
    }

    #[test]
    fn other_languages_translate_but_keep_the_code() {
        let de = Texts::of(Locale::De);
        let e = EventError::Locked;
        let ack = e.ack(&de);
        assert_eq!(ack.code.as_deref(), Some("read-only"));
        assert_ne!(ack.error, Some(e.to_string()));
        assert_eq!(ack.error.as_deref(), Some(de.get("error.locked")));
    }
}
