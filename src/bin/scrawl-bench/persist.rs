//! `persist`: clients stream large batches, each keeping a window of acks
//! in flight; an ack means the change is committed. Reports acknowledged
//! points per second and the ack latency.

use std::time::{Duration, Instant};

use scrawl::protocol::{Auth, Color, StrokeEnd, StrokeId, StrokePoints, StrokeStart, Tool};
use serde_json::json;

use crate::report::{percentiles, round, Report};

#[derive(clap::Args)]
pub struct Args {
    /// Clients writing side by side.
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
    /// Points per batch (at most 2048).
    #[arg(long, default_value_t = 512)]
    pub batch: usize,
    /// Acks each client keeps in flight.
    #[arg(long, default_value_t = 32)]
    pub window: usize,
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
}

/// Batches per stroke.
const STROKE_BATCHES: u32 = 50;

pub async fn run(addr: &str, args: Args, report: &mut Report) -> anyhow::Result<()> {
    let board = crate::fresh_board("persist");
    let batch = args.batch.clamp(1, 2048);
    let mut tasks = Vec::new();
    for c in 0..args.clients.max(1) {
        let auth = Auth { board: board.clone(), client: Some(format!("p{c}")), ..Auth::default() };
        let mut client = crate::relay::join(addr, &auth).await?;
        let (window, seconds) = (args.window.max(1), args.seconds);
        tasks.push(tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(seconds);
            let mut in_flight = std::collections::VecDeque::new();
            let (mut acked, mut latencies) = (0usize, Vec::new());
            let mut k = 0u32;
            while Instant::now() < deadline {
                let (stroke, n) = (k / STROKE_BATCHES, k % STROKE_BATCHES);
                let id = StrokeId::new(format!("p{c}-{stroke}")).expect("a valid id");
                let points: Vec<f32> = (0..batch).flat_map(|i| [i as f32, (k % 500) as f32]).collect();
                let ack = if n == 0 {
                    let color = Color::new("#e03131").expect("a colour");
                    client.emit_ack_later(&StrokeStart {
                        id: id.clone(),
                        color,
                        width: 2.0,
                        tool: Tool::Pen,
                        points,
                    })?
                } else {
                    client.emit_ack_later(&StrokePoints { id: id.clone(), n, points, seq: None })?
                };
                in_flight.push_back((Instant::now(), ack));
                if n == STROKE_BATCHES - 1 {
                    client.emit(&StrokeEnd { id, seq: None })?;
                }
                k += 1;
                if in_flight.len() >= window {
                    let (sent, ack) = in_flight.pop_front().expect("a full window");
                    let ack = ack.await?;
                    anyhow::ensure!(ack.ok || ack.retry_after_ms.is_some(), "refused: {:?}", ack.error);
                    if ack.ok {
                        acked += batch;
                        latencies.push(crate::ms(sent.elapsed()));
                    }
                }
            }
            for (sent, ack) in in_flight {
                if ack.await?.ok {
                    acked += batch;
                    latencies.push(crate::ms(sent.elapsed()));
                }
            }
            client.close();
            anyhow::Ok((acked, latencies))
        }));
    }
    let cpu = report.sample();
    let started = Instant::now();
    let (mut acked, mut latencies) = (0, Vec::new());
    for task in tasks {
        let (a, l) = task.await??;
        acked += a;
        latencies.extend(l);
    }
    let elapsed = started.elapsed().as_secs_f64();
    report.add(
        &format!("persist ({} clients, {batch}-point batches)", args.clients),
        json!({
            "acked_points": acked,
            "acked_points_per_s": round(acked as f64 / elapsed),
            "ack_ms": percentiles(latencies),
            "server_cpu_percent": report.cpu_since(cpu),
            "server_rss_kib": report.rss_kib(),
        }),
    );
    Ok(())
}
