//! Checked identifiers and values of the wire contract. Each newtype can only
//! hold a valid value: deserializing an invalid one fails with the
//! [`ValidationError`] that says why, so a handler never sees it.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{
    MAX_ADD, MAX_ADD_POINTS, MAX_BOARD_NAME, MAX_COORD, MAX_ERASE, MAX_OFFSET, MAX_POINTS_PER_MESSAGE, MAX_SCALE,
    MAX_STROKE_ID, MAX_TEXT, MAX_WIDTH, MIN_SCALE, MIN_WIDTH,
};

/// Why a value is refused. The message goes back to the client as is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValidationError {
    #[error("board name is empty")]
    BoardNameEmpty,
    #[error("board name is longer than {MAX_BOARD_NAME} characters")]
    BoardNameTooLong,
    #[error("board name may only contain A-Z, a-z, 0-9, '-' and '_'")]
    BoardNameCharacters,
    #[error("{0} is empty")]
    IdEmpty(&'static str),
    #[error("{0} is longer than {MAX_STROKE_ID} bytes")]
    IdTooLong(&'static str),
    #[error("{0} may only contain A-Z, a-z, 0-9, '-', '_', '.' and ':'")]
    IdCharacters(&'static str),
    #[error("color {0:?} is not #rrggbb")]
    Color(String),
    #[error("width {0} is outside {MIN_WIDTH}..{MAX_WIDTH}")]
    Width(f32),
    #[error("points must hold x, y pairs (even length)")]
    OddPoints,
    #[error("points are empty")]
    NoPoints,
    #[error("more than {MAX_POINTS_PER_MESSAGE} points in one message")]
    TooManyPoints,
    #[error("coordinate {0} is not a finite number within ±{MAX_COORD}")]
    Coordinate(f32),
    #[error("more than {MAX_ERASE} strokes in one erase")]
    TooManyErased,
    #[error("name is empty")]
    EmptyName,
    #[error("a transform needs finite scales within {MIN_SCALE}..{MAX_SCALE} and offsets within ±{MAX_OFFSET:e}, and may not place an object further")]
    Transform,
    #[error("a text may hold at most {MAX_TEXT} characters")]
    TextTooLong,
    #[error("a text needs its text")]
    TextMissing,
    #[error("a {0} has no text")]
    TextNotAllowed(&'static str),
    #[error("a {0} has the wrong number of points")]
    Shape(&'static str),
    #[error("a {0} is added whole with `add`, not drawn")]
    AddOnly(&'static str),
    #[error("nothing to add")]
    NothingToAdd,
    #[error("too much to add at once: at most {MAX_ADD} objects and {MAX_ADD_POINTS} points")]
    TooMuchToAdd,
    #[error("an image needs the hash of an uploaded image (64 hex digits)")]
    ImageHash,
    #[error("a {0} shows no image")]
    ImageNotAllowed(&'static str),
    #[error("nothing is selected")]
    NothingSelected,
    #[error("more than {MAX_ERASE} objects selected")]
    TooManySelected,
}

/// What every string newtype here shares: reading it as a `str`, showing it,
/// and serializing it as a plain JSON string.
macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
    };
}

/// A string newtype whose constructor checks the value; deserializing runs
/// the same check.
macro_rules! checked_string {
    ($(#[$meta:meta])* $name:ident, $check:expr) => {
        string_newtype!($(#[$meta])* $name);

        impl $name {
            pub fn new(value: impl Into<String>) -> Result<Self, ValidationError> {
                let value = value.into();
                let check: fn(&str) -> Result<(), ValidationError> = $check;
                check(&value)?;
                Ok(Self(value))
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Self::new(String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
            }
        }
    };
}

checked_string!(
    /// A board's name: 1–64 characters of `[A-Za-z0-9_-]`. It is the board's URL and room.
    BoardName,
    |name| {
        if name.is_empty() {
            Err(ValidationError::BoardNameEmpty)
        } else if name.len() > MAX_BOARD_NAME {
            Err(ValidationError::BoardNameTooLong)
        } else if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            Err(ValidationError::BoardNameCharacters)
        } else {
            Ok(())
        }
    }
);

checked_string!(
    /// A client-generated stroke id, unique within its board: 1–64 bytes.
    StrokeId,
    |id| short_id("stroke id", id)
);

checked_string!(
    /// A browser's stable id, kept across reconnects: authorship, undo and
    /// idempotent resends follow it. 1–64 bytes.
    ClientId,
    |id| short_id("client id", id)
);

checked_string!(
    /// An ink colour, `#rrggbb` in lower or upper case hex.
    Color,
    |color| {
        let b = color.as_bytes();
        if b.len() == 7 && b[0] == b'#' && b[1..].iter().all(u8::is_ascii_hexdigit) {
            Ok(())
        } else {
            Err(ValidationError::Color(color.to_string()))
        }
    }
);

string_newtype!(
    /// A connection's id, as the server assigned it. It names a user on the
    /// wire (`User.id`, a stroke's `user`, a cursor's `user`).
    SocketId
);

impl From<String> for SocketId {
    fn from(id: String) -> Self {
        Self(id)
    }
}

impl From<&str> for SocketId {
    fn from(id: &str) -> Self {
        Self(id.to_string())
    }
}

impl<'de> Deserialize<'de> for SocketId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

/// 1–64 bytes of `[A-Za-z0-9_.:-]`: safe in logs, URLs and HTML attributes.
fn short_id(what: &'static str, id: &str) -> Result<(), ValidationError> {
    if id.is_empty() {
        Err(ValidationError::IdEmpty(what))
    } else if id.len() > MAX_STROKE_ID {
        Err(ValidationError::IdTooLong(what))
    } else if !id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')) {
        Err(ValidationError::IdCharacters(what))
    } else {
        Ok(())
    }
}

/// Checks one message's flat point list.
pub fn check_points(points: &[f32]) -> Result<(), ValidationError> {
    if !points.len().is_multiple_of(2) {
        return Err(ValidationError::OddPoints);
    }
    if points.len() / 2 > MAX_POINTS_PER_MESSAGE {
        return Err(ValidationError::TooManyPoints);
    }
    match points.iter().find(|v| !v.is_finite() || v.abs() > MAX_COORD) {
        Some(&v) => Err(ValidationError::Coordinate(v)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn board_names() {
        assert!(BoardName::new("team-1_A").is_ok());
        assert_eq!(BoardName::new(""), Err(ValidationError::BoardNameEmpty));
        assert!(BoardName::new("a".repeat(65)).unwrap_err().to_string().contains("64"));
        assert!(BoardName::new("a b").unwrap_err().to_string().contains("only contain"));
        assert!(BoardName::new("é").is_err());
    }

    #[test]
    fn colors() {
        assert!(Color::new("#a1B2c3").is_ok());
        for bad in ["#a1b2c", "a1b2c3f", "#a1b2cg"] {
            assert_eq!(Color::new(bad), Err(ValidationError::Color(bad.into())));
        }
    }

    #[test]
    fn ids_are_bounded() {
        assert!(StrokeId::new("s1").is_ok());
        assert!(StrokeId::new("").unwrap_err().to_string().contains("stroke id is empty"));
        assert!(ClientId::new("x".repeat(65)).unwrap_err().to_string().contains("client id is longer"));
        assert!(ClientId::new("0b6f1c2e-8d3a-4f5b-9c1d-2e3f4a5b6c7d").is_ok());
        for bad in ["a b", "<script>", "é", "a\u{202e}b", "x\"y"] {
            assert_eq!(StrokeId::new(bad), Err(ValidationError::IdCharacters("stroke id")), "{bad:?}");
        }
    }

    #[test]
    fn invalid_values_fail_to_deserialize_with_the_reason() {
        let e = serde_json::from_str::<Color>(r##""red""##).unwrap_err().to_string();
        assert!(e.contains(r#"color "red" is not #rrggbb"#), "{e}");
        assert_eq!(serde_json::from_str::<StrokeId>(r#""s""#).unwrap(), "s");
        assert_eq!(serde_json::to_string(&StrokeId::new("s").unwrap()).unwrap(), r#""s""#);
    }

    #[test]
    fn point_checks() {
        assert_eq!(check_points(&[1.0, -2.0]), Ok(()));
        assert_eq!(check_points(&[1.0]), Err(ValidationError::OddPoints));
        assert!(check_points(&[f32::NAN, 0.0]).is_err());
        assert_eq!(check_points(&[2e7, 0.0]), Err(ValidationError::Coordinate(2e7)));
        assert_eq!(check_points(&vec![0.0; (MAX_POINTS_PER_MESSAGE + 1) * 2]), Err(ValidationError::TooManyPoints));
    }
}
