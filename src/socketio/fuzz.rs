//! Property tests of the codec and of input validation: any text decodes
//! to a frame or an error (never a panic), and what we encode decodes back
//! to the same arguments, whatever JSON they hold.

use proptest::prelude::*;
use serde_json::Value;

use super::{event_text, Frame};
use crate::protocol::{clean_name, StrokeId, MAX_NAME, MAX_STROKE_ID};

/// JSON values with strings full of quotes, brackets, commas, escapes and
/// non-ASCII, nested a few levels.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e7f64..1e7).prop_map(Value::from),
        "[\\[\\]{},:\"\\\\a-zé\u{202e}\u{0}-\u{1f} ]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z\"\\]]{0,4}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn any_text_decodes_or_fails_cleanly(text in "\\PC{0,64}") {
        let _ = Frame::decode(&text);
    }

    #[test]
    fn socket_io_shaped_text_decodes_or_fails_cleanly(text in "4[0-6]?[0-9]{0,3}(/[a-z]{0,3},)?[\\[\\]{}\",:0-9a-z\\\\ ]{0,40}") {
        let _ = Frame::decode(&text);
    }

    #[test]
    fn events_decode_back_to_their_arguments(name in "[a-z:\"\\\\\u{e9} ]{1,12}", arg in json(), ack in proptest::option::of(0u64..1_000_000)) {
        let data = serde_json::to_string(&arg).unwrap();
        let frame = Frame::decode(&event_text(&name, &data, ack)).unwrap();
        prop_assert_eq!(frame, Frame::Event { name, args: vec![data], ack });
    }

    #[test]
    fn stroke_ids_are_exactly_the_safe_short_ones(id in "\\PC{0,70}") {
        let safe = !id.is_empty()
            && id.len() <= MAX_STROKE_ID
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
        prop_assert_eq!(StrokeId::new(id.as_str()).is_ok(), safe);
    }

    #[test]
    fn cleaned_names_are_short_and_visible(name in "\\PC{0,80}|[\u{0}-\u{1f}\u{200b}-\u{200f}\u{202a}-\u{202e}\u{2066}-\u{2069} a-z]{0,40}") {
        let clean = clean_name(&name);
        prop_assert!(clean.chars().count() <= MAX_NAME);
        let visible = clean.chars().all(|c| !c.is_control() && !('\u{202a}'..='\u{202e}').contains(&c));
        prop_assert!(visible, "{:?} keeps a hidden character", clean);
        prop_assert_eq!(clean.trim(), clean.as_str());
    }
}
