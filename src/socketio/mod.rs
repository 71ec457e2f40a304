//! Our Socket.IO client: Engine.IO v4 / Socket.IO v5 text framing over a
//! WebSocket, as a pure codec (`Frame`) shared by every transport.
//!
//! - `native` runs it on tokio-tungstenite for tests and benchmarks.
//! - `browser` runs it on `web_sys::WebSocket` for the wasm client.
//!
//! Only the default namespace and text (JSON) packets are used by scrawl.

#[cfg(feature = "hydrate")]
pub mod browser;
#[cfg(feature = "native-client")]
pub mod native;

use serde_json::Value;

/// Query string that opens an Engine.IO v4 session directly on WebSocket.
pub const WS_PATH: &str = "/socket.io/?EIO=4&transport=websocket";

/// One WebSocket text frame, decoded down to the Socket.IO packet it carries.
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
    Connect(Option<Value>),
    /// Socket.IO `1`.
    Disconnect,
    /// Socket.IO `2`: `["name", ...args]`, with an ack id when one is wanted.
    Event { name: String, args: Vec<Value>, ack: Option<u64> },
    /// Socket.IO `3`: the reply to an event that asked for an ack.
    Ack { id: u64, args: Vec<Value> },
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
    #[error("binary Socket.IO packets are not supported")]
    Binary,
    #[error("malformed {what}: {detail}")]
    Malformed { what: &'static str, detail: String },
}

fn malformed(what: &'static str, detail: impl ToString) -> CodecError {
    CodecError::Malformed { what, detail: detail.to_string() }
}

impl Frame {
    /// An event that wants no ack.
    pub fn event(name: &str, data: Value) -> Self {
        Frame::Event { name: name.to_string(), args: vec![data], ack: None }
    }

    /// Encodes to the text of one WebSocket frame.
    pub fn encode(&self) -> String {
        match self {
            Frame::Open { sid, ping_interval_ms, ping_timeout_ms } => format!(
                "0{}",
                serde_json::json!({
                    "sid": sid, "upgrades": [], "pingInterval": ping_interval_ms,
                    "pingTimeout": ping_timeout_ms,
                })
            ),
            Frame::Close => "1".into(),
            Frame::Ping => "2".into(),
            Frame::Pong => "3".into(),
            Frame::Noop => "6".into(),
            Frame::Connect(None) => "40".into(),
            Frame::Connect(Some(auth)) => format!("40{auth}"),
            Frame::Disconnect => "41".into(),
            Frame::Event { name, args, ack } => {
                let mut array = Vec::with_capacity(args.len() + 1);
                array.push(Value::String(name.clone()));
                array.extend(args.iter().cloned());
                let id = ack.map(|id| id.to_string()).unwrap_or_default();
                format!("42{id}{}", Value::Array(array))
            }
            Frame::Ack { id, args } => format!("43{id}{}", Value::Array(args.clone())),
            Frame::ConnectError { message } => {
                format!("44{}", serde_json::json!({ "message": message }))
            }
        }
    }

    /// Decodes the text of one WebSocket frame.
    pub fn decode(text: &str) -> Result<Frame, CodecError> {
        let mut chars = text.chars();
        let kind = chars.next().ok_or(CodecError::Empty)?;
        let rest = chars.as_str();
        match kind {
            '0' => {
                let v: Value = serde_json::from_str(rest).map_err(|e| malformed("open packet", e))?;
                let sid = v["sid"].as_str().ok_or_else(|| malformed("open packet", "no sid"))?;
                Ok(Frame::Open {
                    sid: sid.to_string(),
                    ping_interval_ms: v["pingInterval"].as_u64().unwrap_or(25_000),
                    ping_timeout_ms: v["pingTimeout"].as_u64().unwrap_or(20_000),
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
    // A namespace other than "/" is prefixed as "/nsp,"; scrawl only uses "/".
    if rest.starts_with('/') {
        rest = rest.split_once(',').map(|(_, r)| r).unwrap_or("");
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (id, json) = rest.split_at(digits);
    let id = if id.is_empty() { None } else { Some(id.parse::<u64>().map_err(|e| malformed("ack id", e))?) };
    let payload = |what| -> Result<Option<Value>, CodecError> {
        if json.is_empty() {
            Ok(None)
        } else {
            serde_json::from_str(json).map(Some).map_err(|e| malformed(what, e))
        }
    };
    match kind {
        '0' => Ok(Frame::Connect(payload("connect payload")?)),
        '1' => Ok(Frame::Disconnect),
        '2' => {
            let Some(Value::Array(mut array)) = payload("event")? else {
                return Err(malformed("event", "payload is not an array"));
            };
            if array.is_empty() {
                return Err(malformed("event", "no event name"));
            }
            let Value::String(name) = array.remove(0) else {
                return Err(malformed("event", "event name is not a string"));
            };
            Ok(Frame::Event { name, args: array, ack: id })
        }
        '3' => {
            let id = id.ok_or_else(|| malformed("ack", "no ack id"))?;
            let Some(Value::Array(args)) = payload("ack")? else {
                return Err(malformed("ack", "payload is not an array"));
            };
            Ok(Frame::Ack { id, args })
        }
        '4' => {
            let v = payload("connect error")?.unwrap_or(Value::Null);
            let message = match &v {
                Value::String(s) => s.clone(),
                _ => v["message"].as_str().unwrap_or("connection refused").to_string(),
            };
            Ok(Frame::ConnectError { message })
        }
        '5' | '6' => Err(CodecError::Binary),
        other => Err(CodecError::SocketType(other)),
    }
}

/// The first argument of an event or ack (scrawl sends one), or null.
pub fn first_arg(args: Vec<Value>) -> Value {
    args.into_iter().next().unwrap_or(Value::Null)
}

/// Reconnect delay after `attempt` failures: 0.5 s doubling to a 10 s cap,
/// with up to 30 % jitter from `unit_random` in `[0, 1)`.
pub fn backoff_ms(attempt: u32, unit_random: f64) -> u64 {
    let base = 500u64.saturating_mul(1 << attempt.min(5)).min(10_000);
    base + (base as f64 * 0.3 * unit_random.clamp(0.0, 1.0)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_engine_open() {
        let f = Frame::decode(r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}"#).unwrap();
        assert_eq!(
            f,
            Frame::Open { sid: "lv_VI97HAXpY6yYWAAAC".into(), ping_interval_ms: 25000, ping_timeout_ms: 5000 }
        );
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
        let f = Frame::Connect(Some(json!({"board": "x", "name": "Ada"})));
        assert_eq!(f.encode(), r#"40{"board":"x","name":"Ada"}"#);
        assert_eq!(Frame::decode(r#"40{"sid":"abc"}"#).unwrap(), Frame::Connect(Some(json!({"sid": "abc"}))));
        assert_eq!(Frame::Connect(None).encode(), "40");
    }

    #[test]
    fn events_with_and_without_ack() {
        assert_eq!(Frame::event("hello", json!({"a": 1})).encode(), r#"42["hello",{"a":1}]"#);
        let with_ack = Frame::Event { name: "stroke:end".into(), args: vec![json!({"id": "s"})], ack: Some(12) };
        assert_eq!(with_ack.encode(), r#"4212["stroke:end",{"id":"s"}]"#);
        assert_eq!(Frame::decode(r#"4212["stroke:end",{"id":"s"}]"#).unwrap(), with_ack);
        assert_eq!(
            Frame::decode(r#"42["a",1,"two"]"#).unwrap(),
            Frame::Event { name: "a".into(), args: vec![json!(1), json!("two")], ack: None }
        );
    }

    #[test]
    fn acks() {
        let f = Frame::decode(r#"433[{"ok":true,"seq":9}]"#).unwrap();
        assert_eq!(f, Frame::Ack { id: 3, args: vec![json!({"ok": true, "seq": 9})] });
        assert_eq!(f.encode(), r#"433[{"ok":true,"seq":9}]"#);
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
    }

    #[test]
    fn namespaced_packets_are_understood() {
        assert_eq!(
            Frame::decode(r#"42/admin,7["x"]"#).unwrap(),
            Frame::Event { name: "x".into(), args: vec![], ack: Some(7) }
        );
    }

    #[test]
    fn bad_frames_are_errors() {
        assert_eq!(Frame::decode(""), Err(CodecError::Empty));
        assert_eq!(Frame::decode("9"), Err(CodecError::EngineType('9')));
        assert_eq!(Frame::decode("451-[\"x\"]"), Err(CodecError::Binary));
        assert!(matches!(Frame::decode("42{}"), Err(CodecError::Malformed { .. })));
        assert!(matches!(Frame::decode("43[1]"), Err(CodecError::Malformed { .. })));
    }

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff_ms(0, 0.0), 500);
        assert_eq!(backoff_ms(1, 0.0), 1000);
        assert_eq!(backoff_ms(10, 0.0), 10_000);
        assert!(backoff_ms(10, 0.99) <= 13_000);
    }
}
