//! Why a connection or an event is refused, and what the client is told:
//! a specific message, `retryAfterMs` when it may pass, and general words
//! for storage trouble (the detail goes to the log).

use std::time::Duration;

use crate::domain::BoardError;
use crate::metrics::Refusal;
use crate::protocol::Ack;
use crate::server::limits::{AdmissionError, Class};
use crate::storage::StorageError;

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
    #[error("{0}")]
    Owner(&'static str),
}

impl EventError {
    /// When the event may be sent again, for refusals that pass.
    pub(super) fn retry_ms(&self) -> Option<u64> {
        match self {
            EventError::Rate { wait, .. } | EventError::Held(wait) => Some(wait.as_millis().max(1) as u64),
            EventError::Storage(StorageError::Unavailable(_) | StorageError::Busy) => Some(1000),
            EventError::Busy => Some(100),
            // A batch that came before the one it follows: send again, in order.
            EventError::Board(BoardError::Gap { .. }) => Some(500),
            _ => None,
        }
    }

    /// The ack that refuses the event: retryable ones say when to retry.
    /// Storage trouble is told in general words; the detail goes to the log.
    pub(super) fn ack(&self) -> Ack {
        let message = match self {
            EventError::Storage(StorageError::Unavailable(_)) => "storage is unavailable; retry later".to_string(),
            EventError::Storage(StorageError::Busy) => StorageError::Busy.to_string(),
            EventError::Storage(e) => {
                tracing::error!(error = %e, "a change could not be stored");
                "the change could not be stored".to_string()
            }
            other => other.to_string(),
        };
        match self.retry_ms() {
            Some(ms) => Ack::retry(message, ms),
            None => Ack::err(message),
        }
    }

    pub(super) fn refusal(&self) -> Refusal {
        match self {
            EventError::Rate { .. } | EventError::Abuse | EventError::Busy | EventError::Held(_) => Refusal::Rate,
            EventError::Storage(_) => Refusal::Storage,
            EventError::Board(BoardError::Full { .. }) => Refusal::Quota,
            EventError::Payload(_) | EventError::Board(_) | EventError::Owner(_) => Refusal::Validation,
            EventError::ViewOnly | EventError::Locked | EventError::NotOwner | EventError::Deleted => Refusal::Access,
        }
    }
}
