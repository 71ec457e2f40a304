//! PROTOCOL.md, "Limits and errors", attacked from outside: oversized
//! frames, quotas, address caps, foreign origins, polling, hostile names,
//! and the headers every response carries.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use scrawl::protocol::{Erase, Event, StrokeStart};
use scrawl::server::Settings;
use scrawl::socketio::native::{ClientError, NativeClient};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

#[tokio::test]
async fn huge_frames_close_the_socket_and_memory_stays_flat() {
    let (_dir, db) = temp_db();
    let server = Binary::start(&db).await;
    let mut b = join_at(&server.addr, "big-frames", "b").await;
    draw(&mut b.client, "before").await;
    let peak_before = server.memory_kib("VmHWM");
    for mib in [1usize, 60] {
        let a = join_at(&server.addr, "big-frames", &format!("a{mib}")).await;
        let mut client = a.client;
        let frame = format!("42[\"stroke:start\",{{\"id\":\"x\",\"pad\":\"{}\"}}]", "x".repeat(mib << 20));
        // The server may close the connection before the whole frame is written.
        let _ = client.send_text(frame);
        loop {
            match client.next_event().await {
                Err(ClientError::Closed) => break,
                Ok(_) => continue,
                Err(e) => panic!("a {mib} MiB frame did not close the socket: {e}"),
            }
        }
    }
    let peak_after = server.memory_kib("VmHWM");
    let delta_mib = peak_after.saturating_sub(peak_before) as f64 / 1024.0;
    eprintln!(
        "peak RSS {peak_before} KiB before, {peak_after} KiB after a 1 MiB and a 60 MiB frame: +{delta_mib:.1} MiB"
    );
    assert!(delta_mib < 16.0, "peak RSS grew by {delta_mib:.1} MiB");
    // The server still serves, and nothing of the frames was applied.
    draw(&mut b.client, "after").await;
    let late = join_at(&server.addr, "big-frames", "late").await;
    assert_eq!(ids(&late.strokes), vec!["before", "after"]);
}

#[tokio::test]
async fn a_full_board_refuses_more_and_erasing_makes_room() {
    let settings = Settings { board_max_strokes: 3, board_max_points: 8, ..Settings::default() };
    let server = TestServer::start_with(settings).await;
    let mut a = server.join("quota", "a").await;
    for s in ["s1", "s2", "s3"] {
        ok(&mut a.client, &start_msg(s, vec![0.0, 0.0])).await;
    }
    assert_eq!(
        refused(&mut a.client, &start_msg("s4", vec![0.0, 0.0])).await,
        "the board is full: it may hold at most 3 strokes"
    );
    ok(&mut a.client, &batch("s1", 1, vec![1.0; 8])).await; // 4 + 1 + 1 = 6 points
    assert_eq!(
        refused(&mut a.client, &batch("s2", 1, vec![1.0; 8])).await,
        "the board is full: it may hold at most 8 points"
    );
    ok(&mut a.client, &Erase { ids: vec![id("s1")] }).await;
    ok(&mut a.client, &start_msg("s4", vec![0.0, 0.0])).await;
    assert_eq!(ids(&server.join("quota", "late").await.strokes), vec!["s2", "s3", "s4"]);
}

#[tokio::test]
async fn empty_batches_hostile_ids_and_names_are_refused_or_cleaned() {
    let server = TestServer::start().await;
    let mut a = server.join("hostile", "a").await;
    ok(&mut a.client, &start_msg("s", vec![0.0, 0.0])).await;
    assert_eq!(refused(&mut a.client, &batch("s", 1, vec![])).await, "points are empty");
    let reply = a
        .client
        .emit_ack_raw(
            StrokeStart::NAME,
            serde_json::json!({
                "id": "<img src=x>", "color": "#000000", "width": 2, "tool": "pen", "points": [0, 0]
            }),
        )
        .await
        .unwrap();
    assert!(reply.error.unwrap().contains("stroke id may only contain"));

    let mut evil = auth("hostile", "e");
    evil.name = Some("\u{202e}gnp.exe\u{200b} Mallory\u{2066}".into());
    let mut e = NativeClient::connect(&server.addr, &evil).await.unwrap();
    let welcome: scrawl::protocol::Welcome = e.recv().await.unwrap();
    assert_eq!(welcome.you.name, "gnp.exe Mallory");
}

#[tokio::test]
async fn an_address_has_a_connection_cap() {
    let settings = Settings { max_connections_per_ip: 3, ..Settings::default() };
    let server = TestServer::start_with(settings).await;
    let mut open = Vec::new();
    for i in 0..3 {
        open.push(server.join("cap", &format!("c{i}")).await);
    }
    match NativeClient::connect(&server.addr, &auth("cap", "c3")).await {
        Err(ClientError::Refused(msg)) => assert_eq!(msg, "too many connections from your address (at most 3)"),
        other => panic!("a fourth connection was not refused: {:?}", other.map(|c| c.sid)),
    }
    // Closing one frees its place.
    open.pop().unwrap().client.close();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match NativeClient::connect(&server.addr, &auth("cap", "c3")).await {
            Ok(_) => break,
            Err(ClientError::Refused(_)) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(e) => panic!("the freed place was not given back: {e}"),
        }
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_counts() {
    let cap = "too many connections from your address (at most 1)";
    let xff = |v: &'static str| [("x-forwarded-for", v)];
    let settings = Settings { trust_proxy: true, max_connections_per_ip: 1, ..Settings::default() };
    let server = TestServer::start_with(settings).await;
    // The proxy appends the address it saw: the last entry counts, not what the client claims.
    let _a = raw_join_with(&server.addr, "proxy", "a", &xff("198.51.100.7")).await.unwrap();
    let _b = raw_join_with(&server.addr, "proxy", "b", &xff("198.51.100.8")).await.unwrap();
    let spoofed = raw_join_with(&server.addr, "proxy", "c", &xff("203.0.113.9, 198.51.100.7")).await;
    assert_eq!(spoofed.err().as_deref(), Some(cap));

    // Without --trust-proxy the header is ignored: every one of these is 127.0.0.1.
    let settings = Settings { max_connections_per_ip: 1, ..Settings::default() };
    let server = TestServer::start_with(settings).await;
    let _a = raw_join_with(&server.addr, "proxy", "a", &xff("198.51.100.7")).await.unwrap();
    let other = raw_join_with(&server.addr, "proxy", "b", &xff("198.51.100.8")).await;
    assert_eq!(other.err().as_deref(), Some(cap));
}

#[tokio::test]
async fn joins_per_minute_are_capped() {
    let settings = Settings { joins_per_ip_per_minute: 2, ..Settings::default() };
    let server = TestServer::start_with(settings).await;
    server.join("j", "a").await;
    server.join("j", "b").await;
    match NativeClient::connect(&server.addr, &auth("j", "c")).await {
        Err(ClientError::Refused(msg)) => assert!(msg.starts_with("too many joins from your address"), "{msg}"),
        _ => panic!("a third join within the minute was let in"),
    }
}

/// Opens the realtime WebSocket with an `Origin` header; returns the HTTP status.
async fn handshake(addr: &str, origin: &str) -> u16 {
    let mut request = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket").into_client_request().unwrap();
    request.headers_mut().insert("origin", HeaderValue::from_str(origin).unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Ok((_, response)) => response.status().as_u16(),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("handshake failed: {e}"),
    }
}

#[tokio::test]
async fn only_the_boards_own_origin_may_open_the_realtime_connection() {
    let settings = Settings { allowed_origin: vec!["https://lms.example.org".into()], ..Settings::default() };
    let server = TestServer::start_with(settings).await;
    assert_eq!(handshake(&server.addr, "https://evil.example").await, 403);
    assert_eq!(handshake(&server.addr, "http://localhost:1").await, 403);
    assert_eq!(handshake(&server.addr, &format!("http://{}", server.addr)).await, 101);
    assert_eq!(handshake(&server.addr, "https://lms.example.org").await, 101);
}

#[tokio::test]
async fn long_polling_is_off_unless_enabled() {
    let server = TestServer::start().await;
    let (status, _) = server.get("/socket.io/?EIO=4&transport=polling").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let server = TestServer::start_with(Settings { allow_polling: true, ..Settings::default() }).await;
    let (status, body) = server.get("/socket.io/?EIO=4&transport=polling").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with("0{"), "{body}");
}

#[tokio::test]
async fn responses_carry_the_security_headers() {
    let settings = Settings { frame_ancestors: "'self' https://lms.example.org".into(), ..Settings::default() };
    let server = TestServer::start_with(settings).await;
    let (status, headers, body) = server.get_with_headers("/b/secure").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'self' https://lms.example.org"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("object-src 'none'"), "{csp}");
    // The page's scripts carry the policy's nonce.
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
    assert!(nonce.len() >= 16);
    assert!(body.contains(&format!("nonce=\"{nonce}\"")), "the page's scripts lack the nonce {nonce}");
    // Each page gets its own.
    let (_, again, _) = server.get_with_headers("/b/secure").await;
    assert_ne!(again["content-security-policy"], headers["content-security-policy"]);

    let (status, headers, _) = server.get_with_headers("/api/boards/secure").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-content-type-options"], "nosniff");

    let (status, _, body) = server.get_with_headers("/b/not%20a%20board").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("Invalid board name"));
}

#[tokio::test]
async fn health_and_metrics() {
    let server = TestServer::start().await;
    let (status, body) = server.get("/healthz").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok\n"));
    let mut a = server.join("m", "a").await;
    draw(&mut a.client, "s").await;
    assert_eq!(refused(&mut a.client, &batch("s", 9, vec![1.0, 1.0])).await, "stroke \"s\" is already ended");
    let (status, headers, body) = server.get_with_headers("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    for line in [
        "scrawl_connections 1",
        "scrawl_open_boards 1",
        "scrawl_events_total{kind=\"stroke:points\"} 2",
        "scrawl_refusals_total{reason=\"validation\"} 1",
    ] {
        assert!(body.contains(line), "{line:?} missing from\n{body}");
    }
    assert!(body.contains("scrawl_commit_seconds_bucket"));
    assert!(body.lines().any(|l| l.starts_with("scrawl_history_bytes_total ") && !l.ends_with(" 0")), "{body}");
}

#[tokio::test]
async fn a_flood_is_refused_not_relayed_and_the_flooder_is_cut_off() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let server = TestServer::start().await;
    let mut observer = server.join("flood", "observer").await;
    let mut flooder = raw_join(&server.addr, "flood", "flooder").await;
    raw_emit(&mut flooder, 1, &start_msg("f", vec![0.0, 0.0])).await;
    assert!(raw_ack(&mut flooder, 1, Duration::from_secs(5)).await.unwrap().ok);

    // 10,000 events as fast as the socket takes them: batches and cursors.
    let started = std::time::Instant::now();
    for n in 1..=5000u32 {
        raw_emit(&mut flooder, u64::from(n) + 1, &batch("f", n, vec![n as f32, 1.0])).await;
        let cursor = format!(r#"42["cursor",{{"x":{n},"y":1}}]"#);
        if flooder.send(Message::text(cursor)).await.is_err() {
            break;
        }
    }
    let took = started.elapsed().as_secs_f64();

    let (mut accepted, mut refused, mut closed) = (0usize, 0usize, false);
    while let Ok(next) = tokio::time::timeout(Duration::from_secs(3), flooder.next()).await {
        match next {
            Some(Ok(Message::Text(text))) if text.starts_with("43") => {
                let ack: scrawl::protocol::Ack =
                    serde_json::from_str(text.split_once('[').unwrap().1.strip_suffix(']').unwrap()).unwrap();
                if ack.ok {
                    accepted += 1;
                } else {
                    assert!(ack.retry_after_ms.is_some() || ack.error.as_deref().unwrap().contains("disconnecting"));
                    refused += 1;
                }
            }
            Some(Ok(Message::Text(text))) if text.starts_with("41") => closed = true,
            Some(Ok(_)) => {}
            None | Some(Err(_)) => {
                closed = true;
                break;
            }
        }
    }
    let (mut relayed, mut cursors) = (0usize, 0usize);
    while let Ok(Ok(message)) = tokio::time::timeout(Duration::from_secs(1), observer.client.next_message()).await {
        match message {
            scrawl::protocol::ServerMessage::StrokePoints(_) => relayed += 1,
            scrawl::protocol::ServerMessage::Cursor(_) => cursors += 1,
            _ => {}
        }
    }
    // Acks of accepted batches wait for the commit, so the disconnect may
    // come first: the board says what was accepted.
    draw(&mut observer.client, "after").await;
    let late = server.join("flood", "late").await;
    let stored = late.strokes.iter().find(|s| s.id == "f").unwrap().points.len() / 2 - 1;
    eprintln!(
        "flood of 10,000 events in {took:.2} s: {stored} batches stored ({accepted} acked before the cut), \
         {refused} refused, {relayed} relayed, {cursors} of 5,000 cursors relayed, flooder closed: {closed}"
    );
    let stroke_budget = 400.0 + 200.0 * (took + 0.5);
    assert!(stored > 0 && (stored as f64) <= stroke_budget, "{stored} stored");
    assert!(accepted <= stored);
    assert!(refused > 0 && closed, "the flooder kept its connection");
    assert_eq!(relayed, stored, "every stored batch was relayed, nothing else");
    assert!((cursors as f64) <= 30.0 + 30.0 * (took + 3.5), "{cursors} cursors relayed");
}
