//! `join`: fills a board with many points (10,000 strokes of 100 by
//! default), then times fresh connections from the WebSocket handshake to
//! `synced` and counts the bytes they receive: with the history packed
//! (`auth.packed`, as the wasm client joins) and as protocol v1's JSON.

use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use scrawl::protocol::{Auth, Color, StrokeEnd, StrokeId, StrokeStart, Tool};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::report::{percentiles, round, Report};

#[derive(clap::Args)]
pub struct Args {
    /// Points on the board.
    #[arg(long, default_value_t = 1_000_000)]
    pub points: usize,
    /// Points per stroke.
    #[arg(long, default_value_t = 100)]
    pub stroke_points: usize,
    /// Joins to time.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

/// Clients filling the board side by side.
const FILLERS: usize = 8;

pub async fn run(addr: &str, args: Args, report: &mut Report) -> anyhow::Result<()> {
    let board = crate::fresh_board("join");
    let filled = Instant::now();
    fill(addr, &board, args.points, args.stroke_points.clamp(1, 2048)).await?;
    let fill_s = filled.elapsed().as_secs_f64();
    let cpu = report.sample();
    let mut forms = serde_json::Map::new();
    for (form, packed) in [("packed", true), ("json", false)] {
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..args.runs.max(1) {
            let started = Instant::now();
            bytes = join_bytes(addr, &Auth { board: board.clone(), packed, ..Auth::default() }).await?;
            times.push(crate::ms(started.elapsed()));
        }
        forms.insert(
            form.into(),
            json!({
                "to_synced_ms": percentiles(times),
                "bytes": bytes,
                "bytes_per_point": round(bytes as f64 / args.points.max(1) as f64),
            }),
        );
    }
    let (delta_bytes, delta_ms) = resync(addr, &board).await?;
    report.add(
        &format!("join ({} points)", args.points),
        json!({
            "points": args.points,
            "fill_points_per_s": round(args.points as f64 / fill_s),
            "packed": forms["packed"],
            "json": forms["json"],
            "resync_after_5_strokes_bytes": delta_bytes,
            "resync_after_5_strokes_ms": round(delta_ms),
            "server_cpu_percent": report.cpu_since(cpu),
            "server_rss_kib": report.rss_kib(),
        }),
    );
    Ok(())
}

/// Draws `points` points on `board` in strokes of `per_stroke`, from
/// `FILLERS` clients, each keeping its acks in flight.
async fn fill(addr: &str, board: &str, points: usize, per_stroke: usize) -> anyhow::Result<()> {
    let strokes = points.div_ceil(per_stroke);
    let mut tasks = Vec::new();
    for f in 0..FILLERS {
        let auth = Auth { board: board.to_owned(), client: Some(format!("fill{f}")), ..Auth::default() };
        let mut client = crate::relay::join(addr, &auth).await?;
        tasks.push(tokio::spawn(async move {
            let mut acks = Vec::new();
            for s in (f..strokes).step_by(FILLERS) {
                let id = StrokeId::new(format!("f{s}")).expect("a valid id");
                let points = pen_stroke(s, per_stroke);
                let color = Color::new("#2f9e44").expect("a colour");
                acks.push(client.emit_ack_later(&StrokeStart {
                    id: id.clone(),
                    color,
                    width: 2.0,
                    tool: Tool::Pen,
                    points,
                })?);
                acks.push(client.emit_ack_later(&StrokeEnd { id, seq: None })?);
                if acks.len() >= 128 {
                    for ack in acks.drain(..) {
                        anyhow::ensure!(ack.await?.ok, "a filling stroke was refused");
                    }
                }
            }
            for ack in acks {
                anyhow::ensure!(ack.await?.ok, "a filling stroke was refused");
            }
            client.close();
            Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(())
}

/// Stroke `s` of `n` points as a pen draws it in the browser: an arc with a
/// little jitter, 2–12 pixels a point, to the 1/16 pixel.
fn pen_stroke(s: usize, n: usize) -> Vec<f32> {
    let snap = |v: f32| (v * 16.0).round() / 16.0;
    let (cx, cy, r) = ((s * 37 % 1600) as f32, (s * 13 % 900) as f32, 40.0 + (s % 160) as f32);
    (0..n)
        .flat_map(|i| {
            let a = (s % 360) as f32 + i as f32 * 0.06;
            let jitter = ((s * 31 + i * 17) % 9) as f32 / 16.0;
            [snap(cx + r * a.cos() + jitter), snap(cy + r * a.sin() - jitter)]
        })
        .collect()
}

/// A raw Engine.IO WebSocket, as a browser holds it.
pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Joins with `auth` over a raw WebSocket, answering pings (the first may
/// come before `synced`); the socket once synced, and the bytes received
/// (text and binary).
pub async fn open(addr: &str, auth: &Auth) -> anyhow::Result<(Ws, usize)> {
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(
        format!("ws://{addr}/socket.io/?EIO=4&transport=websocket"),
        None,
        true,
    )
    .await?;
    let auth = serde_json::to_string(auth)?;
    let mut bytes = 0;
    while let Some(message) = ws.next().await {
        let text = match message? {
            Message::Text(text) => text,
            Message::Binary(data) => {
                bytes += data.len();
                continue;
            }
            _ => continue,
        };
        bytes += text.len();
        if text.starts_with('0') {
            ws.send(Message::text(format!("40{auth}"))).await?;
        } else if text.starts_with("42[\"synced\"") {
            return Ok((ws, bytes));
        } else if text.starts_with("44") {
            anyhow::bail!("refused: {text}");
        } else if text.as_str() == "2" {
            ws.send(Message::text("3")).await?;
        }
    }
    anyhow::bail!("closed before synced")
}

/// A client that synced, dropped, and reconnects with `auth.since` after
/// five strokes by someone else: the bytes and time to `synced` again.
async fn resync(addr: &str, board: &str) -> anyhow::Result<(usize, f64)> {
    let auth = Auth { board: board.to_owned(), client: Some("resync".into()), ..Auth::default() };
    let (mut ws, _) = open(addr, &auth).await?;
    let _ = ws.close(None).await;
    let (since, epoch) = seq_of(addr, board).await?;
    let drawer = Auth { board: board.to_owned(), client: Some("drawer".into()), ..Auth::default() };
    let mut client = crate::relay::join(addr, &drawer).await?;
    for s in 0..5 {
        let id = StrokeId::new(format!("resync{s}")).expect("a valid id");
        let color = Color::new("#e03131").expect("a colour");
        let points = (0..100).flat_map(|i| [i as f32, s as f32]).collect();
        anyhow::ensure!(
            client.emit_ack(&StrokeStart { id: id.clone(), color, width: 2.0, tool: Tool::Pen, points }).await?.ok
        );
        anyhow::ensure!(client.emit_ack(&StrokeEnd { id, seq: None }).await?.ok);
    }
    client.close();
    let started = Instant::now();
    let (mut ws, bytes) = open(addr, &Auth { since: Some(since), epoch: Some(epoch), ..auth }).await?;
    let ms = crate::ms(started.elapsed());
    let _ = ws.close(None).await;
    Ok((bytes, ms))
}

/// The board's seq and epoch, from a fresh join.
async fn seq_of(addr: &str, board: &str) -> anyhow::Result<(u64, u32)> {
    use scrawl::protocol::ServerMessage;
    let auth = Auth { board: board.to_owned(), ..Auth::default() };
    let mut client = scrawl::socketio::native::NativeClient::connect(addr, &auth).await?;
    let mut epoch = 0;
    loop {
        match client.next_message().await? {
            ServerMessage::Welcome(w) => epoch = w.epoch.unwrap_or_default(),
            ServerMessage::Synced(s) => {
                client.close();
                return Ok((s.seq, epoch));
            }
            _ => {}
        }
    }
}

/// Joins once with `auth`; the bytes received up to `synced`.
async fn join_bytes(addr: &str, auth: &Auth) -> anyhow::Result<usize> {
    let (mut ws, bytes) = open(addr, auth).await?;
    let _ = ws.close(None).await;
    Ok(bytes)
}
