//! Our Socket.IO client: Engine.IO v4 / Socket.IO v5 text framing over a
//! WebSocket, as a pure codec (`Frame`) shared by every transport.
//!
//! - `native` runs it on tokio-tungstenite for tests and benchmarks.
//! - `browser` runs it on `web_sys::WebSocket` for the wasm client.
//!
//! Payloads stay JSON text: an event's arguments are split out of its
//! array without being parsed, so each is parsed once, straight into its
//! type, by whoever reads it. Sending splices already serialized JSON into
//! the frame: `connect_text`, `event_text` and `PONG` are all a client
//! sends, so the browser needs no `Frame::encode`.
//!
//! Only the default namespace is used by scrawl, and binary packets only
//! for packed `history` chunks: a `BinaryEvent` frame announces how many
//! binary WebSocket messages follow with its attachments.

#[cfg(feature = "hydrate")]
pub mod browser;
#[cfg(feature = "native-client")]
pub mod native;

use serde::Deserialize;

/// Query string that opens an Engine.IO v4 session directly on WebSocket.
pub const WS_PATH: &str = "/socket.io/?EIO=4&transport=websocket";

/// `WS_PATH` naming the board the connection is for, so that a node of a
/// cluster can route it to the node that holds the board before
/// Socket.IO's handshake (see `server::cluster`).
pub fn ws_path(board: &str) -> String {
    let mut path = format!("{WS_PATH}&board=");
    for b in board.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => path.push(b as char),
            _ => path.push_str(&format!("%{b:02X}")),
        }
    }
    path
}

/// One WebSocket text frame, decoded down to the Socket.IO packet it carries.
/// Payloads are JSON texts.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// Engine.IO `0`: session parameters.
    Open { sid: String, ping_interval_ms: u64, ping_timeout_ms: u64 },
    /// Engine.IO `1`.
    Close,
    /// Engine.IO `2`; the client answers `Pong`.
    Ping,
    /// Engine.IO `3`.
    Pong,
    /// Engine.IO `6`.
    Noop,
    /// Socket.IO `0`: client → server carries the auth payload, server → client `{ sid }`.
    Connect(Option<String>),
    /// Socket.IO `1`.
    Disconnect,
    /// Socket.IO `2`: `["name", ...args]`, with an ack id when one is wanted.
    /// Each argument is checked as JSON only when it is read.
    Event { name: String, args: Vec<String>, ack: Option<u64> },
    /// Socket.IO `5`: an event whose arguments hold placeholders for the
    /// `attachments` binary messages that follow it.
    BinaryEvent { name: String, args: Vec<String>, attachments: usize },
    /// Socket.IO `3`: the reply to an event that asked for an ack.
    Ack { id: u64, args: Vec<String> },
    /// Socket.IO `4`: the server refused the namespace connection.
    ConnectError { message: String },
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CodecError {
    #[error("empty frame")]
    Empty,
    #[error("unknown Engine.IO packet type {0:?}")]
    EngineType(char),
    #[error("unknown Socket.IO packet type {0:?}")]
    SocketType(char),
    #[error("binary Socket.IO acks are not supported")]
    Binary,
    #[error("a binary event with {0} attachments")]
    Attachments(usize),
    #[error("malformed {what}: {detail}")]
    Malformed { what: &'static str, detail: String },
}

fn malformed(what: &'static str, detail: impl ToString) -> CodecError {
    CodecError::Malformed { what, detail: detail.to_string() }
}

/// What we read of a control packet's payload: the Engine.IO open
/// packet's session parameters, or a connect error's message.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Control {
    sid: Option<String>,
    ping_interval: Option<u64>,
    ping_timeout: Option<u64>,
    message: Option<String>,
}

/// Most attachments one binary event may announce (scrawl sends one).
pub const MAX_ATTACHMENTS: usize = 4;

/// `text` as a JSON string.
fn quote(text: &str) -> String {
    // Serializing a string cannot fail.
    serde_json::to_string(text).unwrap_or_default()
}

/// Engine.IO pong, the client's answer to a ping.
pub const PONG: &str = "3";

/// The frame that connects to the default namespace, with the JSON text of
/// the auth payload when given.
pub fn connect_text(auth: Option<&str>) -> String {
    format!("40{}", auth.unwrap_or_default())
}

/// The frame of event `name` with one argument, the JSON text `data`,
/// asking for ack `ack` when given.
pub fn event_text(name: &str, data: &str, ack: Option<u64>) -> String {
    let ack = ack.map(|id| id.to_string()).unwrap_or_default();
    format!("42{ack}[{},{data}]", quote(name))
}

impl Frame {
    /// Encodes to the text of one WebSocket frame.
    pub fn encode(&self) -> String {
        match self {
            Frame::Open { sid, ping_interval_ms, ping_timeout_ms } => format!(
                r#"0{{"sid":{},"upgrades":[],"pingInterval":{ping_interval_ms},"pingTimeout":{ping_timeout_ms}}}"#,
                quote(sid)
            ),
            Frame::Close => "1".into(),
            Frame::Ping => "2".into(),
            Frame::Pong => PONG.into(),
            Frame::Noop => "6".into(),
            Frame::Connect(auth) => connect_text(auth.as_deref()),
            Frame::Disconnect => "41".into(),
            Frame::Event { name, args, ack } => {
                let ack = ack.map(|id| id.to_string()).unwrap_or_default();
                let items: Vec<String> = std::iter::once(quote(name)).chain(args.iter().cloned()).collect();
                format!("42{ack}[{}]", items.join(","))
            }
            Frame::BinaryEvent { name, args, attachments } => {
                let items: Vec<String> = std::iter::once(quote(name)).chain(args.iter().cloned()).collect();
                format!("45{attachments}-[{}]", items.join(","))
            }
            Frame::Ack { id, args } => format!("43{id}[{}]", args.join(",")),
            Frame::ConnectError { message } => format!(r#"44{{"message":{}}}"#, quote(message)),
        }
    }

    /// Decodes the text of one WebSocket frame.
    pub fn decode(text: &str) -> Result<Frame, CodecError> {
        let mut chars = text.chars();
        let kind = chars.next().ok_or(CodecError::Empty)?;
        let rest = chars.as_str();
        match kind {
            '0' => {
                let open: Control = serde_json::from_str(rest).map_err(|e| malformed("open packet", e))?;
                Ok(Frame::Open {
                    sid: open.sid.ok_or_else(|| malformed("open packet", "no sid"))?,
                    ping_interval_ms: open.ping_interval.unwrap_or(25_000),
                    ping_timeout_ms: open.ping_timeout.unwrap_or(20_000),
                })
            }
            '1' => Ok(Frame::Close),
            '2' => Ok(Frame::Ping),
            '3' => Ok(Frame::Pong),
            '6' => Ok(Frame::Noop),
            '4' => decode_socket(rest),
            other => Err(CodecError::EngineType(other)),
        }
    }
}

fn decode_socket(packet: &str) -> Result<Frame, CodecError> {
    let mut chars = packet.chars();
    let kind = chars.next().ok_or(CodecError::Empty)?;
    let mut rest = chars.as_str();
    let mut attachments = 0;
    if kind == '5' {
        let (count, after) = rest.split_once('-').ok_or_else(|| malformed("binary event", "no attachment count"))?;
        attachments = count.parse::<usize>().map_err(|e| malformed("binary event", e))?;
        if !(1..=MAX_ATTACHMENTS).contains(&attachments) {
            return Err(CodecError::Attachments(attachments));
        }
        rest = after;
    }
    // A namespace other than "/" is prefixed as "/nsp,"; scrawl only uses "/".
    if rest.starts_with('/') {
        rest = rest.split_once(',').map(|(_, r)| r).unwrap_or("");
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (id, json) = rest.split_at(digits);
    let id = if id.is_empty() { None } else { Some(id.parse::<u64>().map_err(|e| malformed("ack id", e))?) };
    let array = |what| split_array(json).ok_or_else(|| malformed(what, "payload is not an array"));
    let owned = |args: &[&str]| args.iter().map(|a| a.to_string()).collect();
    match kind {
        '0' if json.is_empty() => Ok(Frame::Connect(None)),
        '0' => {
            serde_json::from_str::<serde::de::IgnoredAny>(json).map_err(|e| malformed("connect payload", e))?;
            Ok(Frame::Connect(Some(json.to_string())))
        }
        '1' => Ok(Frame::Disconnect),
        '2' | '5' => {
            let array = array("event")?;
            let (name, args) = array.split_first().ok_or_else(|| malformed("event", "no event name"))?;
            let name = serde_json::from_str(name).map_err(|_| malformed("event", "event name is not a string"))?;
            let args = owned(args);
            Ok(match kind {
                '2' => Frame::Event { name, args, ack: id },
                _ => Frame::BinaryEvent { name, args, attachments },
            })
        }
        '3' => {
            let id = id.ok_or_else(|| malformed("ack", "no ack id"))?;
            Ok(Frame::Ack { id, args: owned(&array("ack")?) })
        }
        '4' => {
            let message = if json.starts_with('"') {
                Some(serde_json::from_str(json).map_err(|e| malformed("connect error", e))?)
            } else if json.is_empty() {
                None
            } else {
                serde_json::from_str::<Control>(json).map_err(|e| malformed("connect error", e))?.message
            };
            Ok(Frame::ConnectError { message: message.unwrap_or_else(|| "connection refused".into()) })
        }
        '6' => Err(CodecError::Binary),
        other => Err(CodecError::SocketType(other)),
    }
}

/// Splits the text of a JSON array into the texts of its elements, or
/// `None` when it is no array. Only strings and nesting are followed here:
/// each element is checked when it is read.
fn split_array(text: &str) -> Option<Vec<&str>> {
    let inner = text.trim_ascii().strip_prefix('[')?.strip_suffix(']')?;
    let mut items = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut start) = (0usize, false, false, 0);
    for (i, byte) in inner.bytes().enumerate() {
        match byte {
            _ if escaped => escaped = false,
            b'\\' if in_string => escaped = true,
            b'"' => in_string = !in_string,
            _ if in_string => {}
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.checked_sub(1)?,
            b',' if depth == 0 => {
                items.push(inner[start..i].trim_ascii());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = inner[start..].trim_ascii();
    if !(last.is_empty() && items.is_empty()) {
        items.push(last);
    }
    (!in_string && depth == 0 && !items.contains(&"")).then_some(items)
}

/// The first argument of an event or ack (scrawl sends one), or `null`.
pub fn first_arg(args: Vec<String>) -> String {
    args.into_iter().next().unwrap_or_else(|| "null".into())
}

/// Reconnect delay after `attempt` failures: 0.5 s doubling to a 10 s cap,
/// with up to 30 % jitter from `unit_random` in `[0, 1)`.
pub fn backoff_ms(attempt: u32, unit_random: f64) -> u64 {
    let base = 500u64.saturating_mul(1 << attempt.min(5)).min(10_000);
    base + (base as f64 * 0.3 * unit_random.clamp(0.0, 1.0)) as u64
}

#[cfg(test)]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, args: &[&str], ack: Option<u64>) -> Frame {
        Frame::Event { name: name.into(), args: args.iter().map(|a| a.to_string()).collect(), ack }
    }

    fn is_malformed(text: &str) -> bool {
        matches!(Frame::decode(text), Err(CodecError::Malformed { .. }))
    }

    #[test]
    fn decodes_engine_open() {
        let f = Frame::decode(r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}"#).unwrap();
        assert_eq!(
            f,
            Frame::Open { sid: "lv_VI97HAXpY6yYWAAAC".into(), ping_interval_ms: 25000, ping_timeout_ms: 5000 }
        );
        assert_eq!(Frame::decode(&f.encode()).unwrap(), f);
        assert!(is_malformed(r#"0{"upgrades":[]}"#));
    }

    #[test]
    fn ping_pong_close_noop() {
        assert_eq!(Frame::decode("2").unwrap(), Frame::Ping);
        assert_eq!(Frame::Pong.encode(), "3");
        assert_eq!(Frame::decode("1").unwrap(), Frame::Close);
        assert_eq!(Frame::decode("6").unwrap(), Frame::Noop);
    }

    #[test]
    fn connect_with_auth_payload() {
        let f = Frame::Connect(Some(r#"{"board":"x","name":"Ada"}"#.into()));
        assert_eq!(f.encode(), r#"40{"board":"x","name":"Ada"}"#);
        assert_eq!(Frame::decode(r#"40{"sid":"abc"}"#).unwrap(), Frame::Connect(Some(r#"{"sid":"abc"}"#.into())));
        assert_eq!(Frame::Connect(None).encode(), "40");
        assert_eq!(Frame::decode("40").unwrap(), Frame::Connect(None));
        assert!(is_malformed(r#"40{"sid":"#));
    }

    #[test]
    fn events_with_and_without_ack() {
        assert_eq!(event_text("hello", r#"{"a":1}"#, None), r#"42["hello",{"a":1}]"#);
        let with_ack = event("stroke:end", &[r#"{"id":"s"}"#], Some(12));
        assert_eq!(with_ack.encode(), r#"4212["stroke:end",{"id":"s"}]"#);
        assert_eq!(event_text("stroke:end", r#"{"id":"s"}"#, Some(12)), with_ack.encode());
        assert_eq!(Frame::decode(r#"4212["stroke:end",{"id":"s"}]"#).unwrap(), with_ack);
        assert_eq!(Frame::decode(r#"42["a",1,"two"]"#).unwrap(), event("a", &["1", r#""two""#], None));
    }

    #[test]
    fn an_event_without_arguments() {
        let f = Frame::decode(r#"42["bye"]"#).unwrap();
        assert_eq!(f, event("bye", &[], None));
        assert_eq!(f.encode(), r#"42["bye"]"#);
        assert_eq!(first_arg(Vec::new()), "null");
    }

    #[test]
    fn arguments_stay_raw_json_text() {
        // Strings holding quotes, commas, brackets, backslashes and escapes,
        // and nested arrays and objects: only top-level commas split.
        let arg = r#"{"t":"a,b]c}\"d\\","u":"\u005d\"\\\"","n":[[1,{"x":[]}],[]]}"#;
        let text = format!(r#"427["stroke:start",{arg},"],[\\",[[]],null]"#);
        let f = Frame::decode(&text).unwrap();
        assert_eq!(f, event("stroke:start", &[arg, r#""],[\\""#, "[[]]", "null"], Some(7)));
        assert_eq!(f.encode(), text);
        let Frame::Event { args, .. } = f else { unreachable!() };
        let first: serde_json::Value = serde_json::from_str(&first_arg(args)).unwrap();
        assert_eq!(first["t"], "a,b]c}\"d\\");
        assert_eq!(first["u"], "]\"\\\"");
    }

    #[test]
    fn event_names_are_json_strings() {
        let f = event("a\"b,\u{e9}", &["1"], None);
        assert_eq!(f.encode(), r#"42["a\"b,é",1]"#);
        assert_eq!(Frame::decode(r#"42["a\"b,\u00e9",1]"#).unwrap(), f);
        assert_eq!(Frame::decode("42[ \"a\" ,\n1 ]\n").unwrap(), event("a", &["1"], None));
    }

    #[test]
    fn binary_events_announce_their_attachments() {
        let text = r#"451-["history",{"strokes":[]},{"_placeholder":true,"num":0}]"#;
        let f = Frame::decode(text).unwrap();
        assert_eq!(
            f,
            Frame::BinaryEvent {
                name: "history".into(),
                args: vec![r#"{"strokes":[]}"#.into(), r#"{"_placeholder":true,"num":0}"#.into()],
                attachments: 1,
            }
        );
        assert_eq!(f.encode(), text);
    }

    #[test]
    fn acks() {
        let f = Frame::decode(r#"433[{"ok":true,"seq":9}]"#).unwrap();
        assert_eq!(f, Frame::Ack { id: 3, args: vec![r#"{"ok":true,"seq":9}"#.into()] });
        assert_eq!(f.encode(), r#"433[{"ok":true,"seq":9}]"#);
        assert_eq!(Frame::decode("435[]").unwrap(), Frame::Ack { id: 5, args: Vec::new() });
    }

    #[test]
    fn the_board_goes_in_the_query_encoded() {
        assert_eq!(ws_path("team-1"), format!("{WS_PATH}&board=team-1"));
        assert_eq!(ws_path("a b&c"), format!("{WS_PATH}&board=a%20b%26c"));
    }

    #[test]
    fn connect_error_message() {
        assert_eq!(
            Frame::decode(r#"44{"message":"board name is empty"}"#).unwrap(),
            Frame::ConnectError { message: "board name is empty".into() }
        );
        assert_eq!(
            Frame::decode(r#"44"Not authorized""#).unwrap(),
            Frame::ConnectError { message: "Not authorized".into() }
        );
        assert_eq!(Frame::decode("44").unwrap(), Frame::ConnectError { message: "connection refused".into() });
        let quoted = Frame::ConnectError { message: "say \"hi\"".into() };
        assert_eq!(quoted.encode(), r#"44{"message":"say \"hi\""}"#);
        assert_eq!(Frame::decode(&quoted.encode()).unwrap(), quoted);
    }

    #[test]
    fn namespaced_packets_are_understood() {
        assert_eq!(Frame::decode(r#"42/admin,7["x"]"#).unwrap(), event("x", &[], Some(7)));
        assert_eq!(Frame::decode(r#"42/admin,["x",{"a":","}]"#).unwrap(), event("x", &[r#"{"a":","}"#], None));
    }

    #[test]
    fn bad_frames_are_errors() {
        assert_eq!(Frame::decode(""), Err(CodecError::Empty));
        assert_eq!(Frame::decode("9"), Err(CodecError::EngineType('9')));
        assert_eq!(Frame::decode("461-[\"x\"]"), Err(CodecError::Binary));
        assert_eq!(Frame::decode("450-[\"x\"]"), Err(CodecError::Attachments(0)));
        assert_eq!(Frame::decode("4599-[\"x\"]"), Err(CodecError::Attachments(99)));
        assert!(is_malformed("45[\"x\"]"), "no attachment count");
        assert!(is_malformed("42{}"));
        assert!(is_malformed("43[1]"));
        assert!(is_malformed("42[]"), "no event name");
        assert!(is_malformed("42[1]"), "name not a string");
        assert!(is_malformed(r#"42["a",]"#), "empty argument");
        assert!(is_malformed(r#"42[,"a"]"#), "empty name");
        assert!(is_malformed(r#"42["a",1"#), "unclosed array");
        assert!(is_malformed(r#"42["a",1]]"#), "closed twice");
        assert!(is_malformed(r#"42["a",{"b":1]"#), "unclosed object");
        assert!(is_malformed(r#"42["a,1]"#), "unterminated string");
        assert!(is_malformed(r#"42["a\"]"#), "escaped quote ends nothing");
        assert!(is_malformed(r#"42["a"] x"#), "text after the array");
    }

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff_ms(0, 0.0), 500);
        assert_eq!(backoff_ms(1, 0.0), 1000);
        assert_eq!(backoff_ms(10, 0.0), 10_000);
        assert!(backoff_ms(10, 0.99) <= 13_000);
    }
}
