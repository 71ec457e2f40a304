//! Browser Socket.IO connection on `web_sys::WebSocket`: Engine.IO
//! handshake, pong replies, connect with an auth payload, and reconnection
//! with backoff. Decoded traffic goes to one callback, never while this
//! module holds its own state borrowed, so the callback may emit. Payloads
//! come and go as JSON text; a binary event's attachments (a packed
//! `history` chunk) are gathered before it is reported.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use super::{backoff_ms, connect_text, event_text, first_arg, ws_path, Frame, PONG};

/// What the connection reports.
#[derive(Debug, Clone)]
pub enum SocketEvent {
    /// The namespace accepted us.
    Connected,
    /// The link dropped; a new attempt starts after `retry_ms`.
    Lost { retry_ms: u64 },
    /// The server refused the namespace connection this time, saying why;
    /// the next attempt follows unless [`BrowserSocket::stop`] is called.
    Declined(String),
    /// An event, with the JSON text of its first argument and its binary
    /// attachments, if any.
    Event { name: String, data: String, attachments: Vec<Vec<u8>> },
    /// The ack of our event `id`, with the JSON text of its first argument.
    Ack { id: u64, data: String },
}

type Callback = Rc<dyn Fn(SocketEvent)>;

struct Inner {
    url: String,
    auth: Box<dyn Fn() -> Option<String>>,
    ws: Option<WebSocket>,
    connected: bool,
    refused: bool,
    attempt: u32,
    next_ack: u64,
    /// Timer that closes a link whose server stopped pinging, and its limit.
    watchdog: Option<i32>,
    silence_limit_ms: u64,
    /// A binary event waiting for its attachments, and how many it has.
    partial: Option<(SocketEvent, usize)>,
    // Keeps the current socket's handlers alive.
    handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

/// A reconnecting Socket.IO client on the default namespace.
#[derive(Clone)]
pub struct BrowserSocket {
    inner: Rc<RefCell<Inner>>,
    callback: Callback,
}

impl BrowserSocket {
    /// Connects to this page's origin for `board`. `auth`, called for every
    /// attempt, gives the JSON text of the auth payload.
    pub fn connect(
        board: &str,
        auth: impl Fn() -> Option<String> + 'static,
        callback: impl Fn(SocketEvent) + 'static,
    ) -> Self {
        let location = web_sys::window().expect("window").location();
        let scheme = if location.protocol().ok().as_deref() == Some("https:") { "wss" } else { "ws" };
        let host = location.host().unwrap_or_default();
        let socket = BrowserSocket {
            inner: Rc::new(RefCell::new(Inner {
                url: format!("{scheme}://{host}{}", ws_path(board)),
                auth: Box::new(auth),
                ws: None,
                connected: false,
                refused: false,
                attempt: 0,
                next_ack: 1,
                watchdog: None,
                silence_limit_ms: 45_000,
                partial: None,
                handlers: Vec::new(),
            })),
            callback: Rc::new(callback),
        };
        socket.open();
        socket
    }

    pub fn is_connected(&self) -> bool {
        self.inner.borrow().connected
    }

    fn send_text(&self, text: &str) -> bool {
        let inner = self.inner.borrow();
        match &inner.ws {
            Some(ws) if ws.ready_state() == WebSocket::OPEN => ws.send_with_str(text).is_ok(),
            _ => false,
        }
    }

    /// Closes the link for good: no more attempts.
    pub fn stop(&self) {
        let mut inner = self.inner.borrow_mut();
        inner.refused = true;
        inner.connected = false;
        if let Some(ws) = inner.ws.as_ref() {
            let _ = ws.close();
        }
    }

    /// Drops the current connection and starts over, as after a lost link.
    pub fn reconnect(&self) {
        if let Some(ws) = self.inner.borrow().ws.as_ref() {
            let _ = ws.close();
        }
    }

    /// Sends an event with the JSON text `data`, without an ack; dropped
    /// when not connected.
    pub fn emit(&self, name: &str, data: &str) -> bool {
        self.is_connected() && self.send_text(&event_text(name, data, None))
    }

    /// Sends an event with the JSON text `data`, asking for an ack; returns
    /// its id, or `None` when not connected.
    pub fn emit_with_ack(&self, name: &str, data: &str) -> Option<u64> {
        if !self.is_connected() {
            return None;
        }
        let id = {
            let mut inner = self.inner.borrow_mut();
            inner.next_ack += 1;
            inner.next_ack - 1
        };
        self.send_text(&event_text(name, data, Some(id))).then_some(id)
    }

    fn open(&self) {
        if self.inner.borrow().refused {
            return;
        }
        let url = self.inner.borrow().url.clone();
        let ws = match WebSocket::new(&url) {
            Ok(ws) => ws,
            Err(_) => return self.lost(),
        };
        let on_message = {
            let this = self.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
                let Some(data) = e.dyn_ref::<MessageEvent>().map(|m| m.data()) else { return };
                if let Some(text) = data.as_string() {
                    this.on_text(&text);
                } else if let Some(buffer) = data.dyn_ref::<js_sys::ArrayBuffer>() {
                    this.on_binary(js_sys::Uint8Array::new(buffer).to_vec());
                }
            })
        };
        let on_close = {
            let this = self.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
                let _ = e.dyn_ref::<CloseEvent>();
                this.lost();
            })
        };
        ws.set_binary_type(web_sys::BinaryType::Arraybuffer);
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let mut inner = self.inner.borrow_mut();
        if let Some(old) = inner.ws.take() {
            old.set_onmessage(None);
            old.set_onclose(None);
            let _ = old.close();
        }
        inner.ws = Some(ws);
        inner.partial = None;
        inner.handlers = vec![on_message, on_close];
    }

    fn on_text(&self, text: &str) {
        let frame = match Frame::decode(text) {
            Ok(f) => f,
            Err(e) => {
                leptos::logging::warn!("scrawl: bad frame: {e}");
                return;
            }
        };
        let report = match frame {
            Frame::Open { ping_interval_ms, ping_timeout_ms, .. } => {
                self.inner.borrow_mut().silence_limit_ms = ping_interval_ms + ping_timeout_ms;
                self.arm_watchdog();
                let auth = (self.inner.borrow().auth)();
                self.send_text(&connect_text(auth.as_deref()));
                None
            }
            Frame::Ping => {
                self.arm_watchdog();
                self.send_text(PONG);
                None
            }
            Frame::Connect(_) => {
                let mut inner = self.inner.borrow_mut();
                inner.connected = true;
                inner.attempt = 0;
                Some(SocketEvent::Connected)
            }
            // A refusal may pass (too many joins, storage trouble): close and
            // try again with backoff, unless whoever reads the reason (in
            // the connection's language) finds it final and calls `stop`.
            Frame::ConnectError { message } => {
                leptos::logging::warn!("scrawl: cannot join yet: {message}");
                if let Some(ws) = self.inner.borrow().ws.as_ref() {
                    let _ = ws.close();
                }
                Some(SocketEvent::Declined(message))
            }
            Frame::Event { name, args, .. } => {
                let data = first_arg(args);
                Some(SocketEvent::Event { name, data, attachments: Vec::new() })
            }
            Frame::BinaryEvent { name, args, attachments } => {
                let event = SocketEvent::Event { name, data: first_arg(args), attachments: Vec::new() };
                self.inner.borrow_mut().partial = Some((event, attachments));
                None
            }
            Frame::Ack { id, args } => {
                let data = first_arg(args);
                Some(SocketEvent::Ack { id, data })
            }
            Frame::Disconnect | Frame::Close => {
                if let Some(ws) = self.inner.borrow().ws.as_ref() {
                    let _ = ws.close();
                }
                None
            }
            Frame::Pong | Frame::Noop => None,
        };
        if let Some(event) = report {
            (self.callback)(event);
        }
    }

    /// One attachment of the binary event announced last.
    fn on_binary(&self, bytes: Vec<u8>) {
        let complete = {
            let mut inner = self.inner.borrow_mut();
            let Some((SocketEvent::Event { attachments, .. }, wanted)) = inner.partial.as_mut() else { return };
            attachments.push(bytes);
            if attachments.len() < *wanted {
                return;
            }
            inner.partial.take().map(|(event, _)| event)
        };
        if let Some(event) = complete {
            (self.callback)(event);
        }
    }

    /// (Re)starts the timer that drops the link when the server's pings stop
    /// (a dead network often closes nothing).
    fn arm_watchdog(&self) {
        let this = self.clone();
        let expired = Closure::once_into_js(move || {
            let ws = this.inner.borrow().ws.clone();
            if let Some(ws) = ws {
                // A dead link may take long to report its close: give up on it now.
                let _ = ws.close();
                this.lost();
            }
        });
        let window = web_sys::window().expect("window");
        let mut inner = self.inner.borrow_mut();
        if let Some(old) = inner.watchdog.take() {
            window.clear_timeout_with_handle(old);
        }
        inner.watchdog = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                expired.unchecked_ref(),
                inner.silence_limit_ms as i32,
            )
            .ok();
    }

    /// The socket closed: schedule the next attempt unless refused.
    fn lost(&self) {
        let retry_ms = {
            let mut inner = self.inner.borrow_mut();
            inner.connected = false;
            if let Some(timer) = inner.watchdog.take() {
                web_sys::window().expect("window").clear_timeout_with_handle(timer);
            }
            if let Some(ws) = inner.ws.take() {
                ws.set_onmessage(None);
                ws.set_onclose(None);
            }
            if inner.refused {
                return;
            }
            let ms = backoff_ms(inner.attempt, js_sys::Math::random());
            inner.attempt += 1;
            ms
        };
        (self.callback)(SocketEvent::Lost { retry_ms });
        let this = self.clone();
        let retry = Closure::once_into_js(move || this.open());
        let _ = web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(retry.unchecked_ref(), retry_ms as i32);
    }
}
