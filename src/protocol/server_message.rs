//! The client's typed dispatch: every server → client event, decoded by
//! its name from its JSON text into its payload type.

use super::{
    Access, Added, BoardDeleted, Cleared, CursorMoved, Delta, Event, History, LaserMoved, PackError, Presence,
    Reordered, Replaced, Selected, StrokeEnd, StrokePoints, StrokeRemove, StrokeRestore, StrokeStarted, Summoned,
    Synced, TextEdited, Transformed, ViewportMoved, Welcome,
};

/// Every server → client event, decoded by name into its type.
macro_rules! server_messages {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        #[derive(Debug, Clone, PartialEq)]
        pub enum ServerMessage {
            $($variant($ty),)*
        }

        impl ServerMessage {
            /// Decodes event `name` from the JSON text of its first argument;
            /// `Ok(None)` for an event this version does not know.
            pub fn decode(name: &str, data: &str) -> Result<Option<Self>, serde_json::Error> {
                $(if name == <$ty as Event>::NAME {
                    return serde_json::from_str(data).map(|m| Some(Self::$variant(m)));
                })*
                Ok(None)
            }

            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => <$ty as Event>::NAME,)*
                }
            }
        }
    };
}

server_messages! {
    Welcome(Welcome),
    History(History),
    Synced(Synced),
    StrokeStarted(StrokeStarted),
    StrokePoints(StrokePoints),
    StrokeEnd(StrokeEnd),
    StrokeRemove(StrokeRemove),
    StrokeRestore(StrokeRestore),
    Cleared(Cleared),
    Cursor(CursorMoved),
    Presence(Presence),
    Access(Access),
    BoardDeleted(BoardDeleted),
    Added(Added),
    Transformed(Transformed),
    TextEdited(TextEdited),
    Selected(Selected),
    Reordered(Reordered),
    Laser(LaserMoved),
    Viewport(ViewportMoved),
    Summoned(Summoned),
    Replaced(Replaced),
    Delta(Delta),
}

impl ServerMessage {
    /// Decodes a binary event: event `name` with the JSON text of its
    /// first argument and its attachments. Only `history` comes so,
    /// packed (see `protocol::packed`).
    pub fn decode_binary(name: &str, data: &str, attachments: &[Vec<u8>]) -> Result<Self, PackError> {
        match attachments {
            [points] if name == <History as Event>::NAME => {
                let mut chunk: History = serde_json::from_str(data).map_err(|e| PackError::Json(e.to_string()))?;
                super::unpack(&mut chunk.strokes, points)?;
                Ok(Self::History(chunk))
            }
            _ => Err(PackError::Unexpected(format!("{name} with {} attachments", attachments.len()))),
        }
    }

    /// The seq of the change a relay carries; `None` for everything else.
    pub fn seq(&self) -> Option<u64> {
        match self {
            Self::StrokeStarted(m) => Some(m.seq),
            Self::StrokePoints(m) => m.seq,
            Self::StrokeEnd(m) => m.seq,
            Self::StrokeRemove(m) => Some(m.seq),
            Self::StrokeRestore(m) => Some(m.seq),
            Self::Cleared(m) => Some(m.seq),
            Self::Added(m) => Some(m.seq),
            Self::Transformed(m) => Some(m.seq),
            Self::TextEdited(m) => Some(m.seq),
            Self::Reordered(m) => Some(m.seq),
            Self::Replaced(m) => Some(m.seq),
            Self::Welcome(_) | Self::History(_) | Self::Synced(_) | Self::Cursor(_) | Self::Presence(_) => None,
            Self::Access(_) | Self::BoardDeleted(_) | Self::Selected(_) => None,
            Self::Laser(_) | Self::Viewport(_) | Self::Summoned(_) | Self::Delta(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_messages_decode_by_name() {
        let m = ServerMessage::decode("synced", r#"{ "seq": 4 }"#).unwrap();
        assert_eq!(m, Some(ServerMessage::Synced(Synced { seq: 4 })));
        assert_eq!(m.unwrap().name(), Synced::NAME);
        let m = ServerMessage::decode("clear", r#"{"user":"u","seq":2}"#).unwrap().unwrap();
        assert!(matches!(m, ServerMessage::Cleared(Cleared { seq: 2, .. })));
        assert_eq!(ServerMessage::decode("future:event", "1").unwrap(), None);
        assert!(ServerMessage::decode("synced", "{}").is_err());
        assert!(ServerMessage::decode("synced", r#"{"seq":4"#).is_err());
    }
}
