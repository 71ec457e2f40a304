//! PROTOCOL.md, "Limits and errors", under stress: a reader that stops
//! reading while others draw, and a storm of random and mutated frames.
//! Both end with a server that still answers and a database that passes
//! its check.

mod common;

use std::time::Duration;

use common::*;
use futures_util::{SinkExt, StreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use scrawl::server::Settings;
use tokio_tungstenite::tungstenite::Message;

/// Points in `stroke:points` relays read from `ws` until it closes or
/// stays quiet for `quiet`; and whether it was closed.
async fn read_points(ws: &mut Ws, quiet: Duration) -> (usize, bool) {
    let mut points = 0;
    loop {
        match tokio::time::timeout(quiet, ws.next()).await {
            Err(_) => return (points, false),
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return (points, true),
            Ok(Some(Ok(Message::Text(text)))) => {
                if text.as_str() == "2" {
                    let _ = ws.send(Message::text("3")).await;
                } else if text.starts_with("41") {
                    return (points, true);
                } else if let Some(json) = text.strip_prefix("42[\"stroke:points\",") {
                    let v: serde_json::Value = serde_json::from_str(json.trim_end_matches(']')).unwrap();
                    points += v["points"].as_array().unwrap().len() / 2;
                }
            }
            Ok(Some(Ok(_))) => {}
        }
    }
}

#[tokio::test]
async fn a_reader_that_stops_reading_is_disconnected_and_then_resyncs_completely() {
    let settings =
        Settings { stroke_rate: 100_000, ip_stroke_rate: 100_000, board_max_points: 10_000_000, ..Settings::default() };
    let server = TestServer::start_with(settings).await;
    let mut slow = raw_join(&server.addr, "slow", "reader").await;
    let mut a = server.join("slow", "a").await;

    // 60 strokes of 48 full batches: about 85 MB of relays the reader does not read.
    let batch_points: Vec<f32> = (0..2048 * 2).map(|i| (i % 1000) as f32 + 0.5).collect();
    let (strokes, batches) = (60, 48u32);
    for s in 0..strokes {
        let id = format!("s{s}");
        a.client.emit(&start_msg(&id, vec![0.0, 0.0])).unwrap();
        for n in 1..=batches {
            a.client.emit(&batch(&id, n, batch_points.clone())).unwrap();
        }
        ok(&mut a.client, &end(&id)).await;
    }
    let total = strokes * (1 + batches as usize * 2048);

    // The reader wakes up: it either got everything, or it was cut off and
    // gets everything by joining again. Never a silent gap.
    let (relayed, closed) = read_points(&mut slow, Duration::from_secs(5)).await;
    let (_, metrics) = server.get("/metrics").await;
    let overflowed = metrics.contains("scrawl_relay_overflows_total 1");
    eprintln!("slow reader: {relayed} of {total} points relayed before the cut; closed: {closed}; overflow counted: {overflowed}");
    assert!(closed && overflowed, "85 MB unread should overflow the reader's buffer");
    assert!(relayed < total);
    let again = server.join("slow", "reader").await;
    assert_eq!(again.strokes.len(), strokes);
    assert_eq!(again.strokes.iter().map(|s| s.points.len() / 2).sum::<usize>(), total);
    // The drawer was never held back or cut off.
    draw(&mut a.client, "after").await;
}

/// A valid frame a client could send, to mutate.
fn valid_frame(rng: &mut StdRng) -> String {
    let id = format!("f{}", rng.random_range(0..50));
    let n = rng.random_range(0..5);
    let ack = if rng.random_bool(0.7) { rng.random_range(0..1000).to_string() } else { String::new() };
    let body = match rng.random_range(0..8) {
        0 => format!(r##"["stroke:start",{{"id":"{id}","color":"#112233","width":3,"tool":"pen","points":[1,2]}}]"##),
        1 => format!(r#"["stroke:points",{{"id":"{id}","n":{n},"points":[3,4,5,6]}}]"#),
        2 => format!(r#"["stroke:end",{{"id":"{id}"}}]"#),
        3 => r#"["undo",{}]"#.to_string(),
        4 => r#"["redo"]"#.to_string(),
        5 => format!(r#"["erase",{{"ids":["{id}"]}}]"#),
        6 => r#"["rename",{"name":"fuzz"}]"#.to_string(),
        _ => r#"["cursor",{"x":1,"y":2}]"#.to_string(),
    };
    format!("42{ack}{body}")
}

/// A random, mutated or hostile frame.
fn fuzz_frame(rng: &mut StdRng) -> String {
    let mut frame = valid_frame(rng);
    // Two in five frames are broken; most broken ones end their connection.
    match rng.random_range(0..15) {
        0 => (0..rng.random_range(0..40)).map(|_| rng.random_range(0x20u8..0x7f) as char).collect(),
        1 => {
            frame.truncate(rng.random_range(0..frame.len()));
            frame
        }
        2 | 3 => {
            // Flip a few characters.
            let mut bytes = frame.into_bytes();
            for _ in 0..rng.random_range(1..4) {
                let i = rng.random_range(0..bytes.len());
                bytes[i] = rng.random_range(0x20u8..0x7f);
            }
            String::from_utf8(bytes).unwrap()
        }
        4 => {
            let junk = ["null", "-1e400", "1e39", "[[[[[]]]]]", "{\"__proto__\":1}", "\"\\u0000\"", "true", "[]"];
            let pick = junk[rng.random_range(0..junk.len())];
            frame.replacen("[3,4,5,6]", pick, 1).replacen("\"#112233\"", pick, 1).replacen("{}", pick, 1)
        }
        5 => format!("4{}", rng.random_range(0..10)) + &frame[2..],
        6 => ["2", "3", "6", "1", "40", "41", "40{}", "5", "451-[\"x\",{\"_placeholder\":true,\"num\":0}]"]
            [rng.random_range(0..9)]
        .to_string(),
        _ => frame,
    }
}

#[tokio::test]
async fn a_storm_of_random_frames_breaks_nothing() {
    let settings = Settings {
        joins_per_ip_per_minute: 1_000_000,
        max_connections_per_ip: 1_000,
        stroke_rate: 1_000_000,
        ip_stroke_rate: 1_000_000,
        edit_rate: 1_000_000,
        ip_edit_rate: 1_000_000,
        ..Settings::default()
    };
    let server = TestServer::start_with(settings).await;
    let mut watcher = server.join("storm", "watcher").await;
    draw(&mut watcher.client, "kept").await;

    const FRAMES: usize = 100_000;
    const WORKERS: usize = 8;
    let mut tasks = Vec::new();
    for w in 0..WORKERS {
        let addr = server.addr.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(7 + w as u64);
            let (mut sent, mut reconnects) = (0, 0);
            let mut ws = raw_join(&addr, "storm", &format!("fuzz{w}")).await;
            while sent < FRAMES / WORKERS {
                let frame = fuzz_frame(&mut rng);
                if ws.send(Message::text(frame)).await.is_err() {
                    ws = raw_join(&addr, "storm", &format!("fuzz{w}")).await;
                    reconnects += 1;
                    continue;
                }
                sent += 1;
                // Read what is waiting without blocking, so the server never
                // has to hold much for us.
                while let Ok(Some(next)) = tokio::time::timeout(Duration::ZERO, ws.next()).await {
                    if !matches!(next, Ok(Message::Text(_) | Message::Ping(_) | Message::Pong(_))) {
                        break;
                    }
                }
            }
            (sent, reconnects)
        }));
    }
    let (mut sent, mut reconnects) = (0, 0);
    for task in tasks {
        let (s, r) = task.await.unwrap();
        sent += s;
        reconnects += r;
    }
    eprintln!("storm: {sent} frames sent over {} connections", WORKERS + reconnects);
    assert_eq!(sent, FRAMES);

    // Still serving, still consistent.
    let (status, body) = server.get("/healthz").await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "ok\n"));
    draw(&mut watcher.client, "after").await;
    let late = server.join("storm", "late").await;
    assert!(ids(&late.strokes).contains(&"after"));
    let problems = scrawl::storage::Storage::open_existing(server.database()).await.unwrap().check().await.unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}
