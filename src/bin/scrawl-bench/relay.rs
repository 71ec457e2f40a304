//! `relay`: N clients on one board (or spread over B boards), each drawing
//! R batches of 4 points a second in strokes of 10 batches. Every batch
//! carries its send time in its first point, so each peer measures the
//! sender→peer latency of every relay it receives; acks are timed too.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use scrawl::protocol::{Auth, Color, ServerMessage, StrokeEnd, StrokeId, StrokePoints, StrokeStart, Tool};
use scrawl::socketio::native::{ClientError, NativeClient};
use serde_json::json;
use tokio::sync::Barrier;

use crate::report::{percentiles, round, Report};

#[derive(clap::Args)]
pub struct Args {
    /// Drawing clients.
    #[arg(long, default_value_t = 20)]
    pub clients: usize,
    /// Batches of 4 points each client sends per second.
    #[arg(long, default_value_t = 60)]
    pub rate: u32,
    /// How long they draw.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Boards the clients are spread over.
    #[arg(long, default_value_t = 1)]
    pub boards: usize,
}

/// Batches per stroke: a start, then points.
const STROKE_BATCHES: u32 = 10;
/// How long the receivers wait for late relays once the drawing stops.
const DRAIN: Duration = Duration::from_millis(1500);

/// What one client saw.
struct Seen {
    board: usize,
    sent: usize,
    /// Sender→this client latency of each relay, in ms.
    relays: Vec<f64>,
}

/// A microsecond clock shared by every client of this process.
struct Clock(Instant);

impl Clock {
    fn now_us(&self) -> u64 {
        self.0.elapsed().as_micros() as u64
    }

    /// The first point of a batch: the send time, split to stay exact in f32.
    fn stamp(&self) -> [f32; 2] {
        let t = self.now_us();
        [(t / 1_000_000) as f32, (t % 1_000_000) as f32]
    }

    fn latency_ms(&self, stamp: &[f32]) -> Option<f64> {
        let sent = (*stamp.first()? as u64) * 1_000_000 + *stamp.get(1)? as u64;
        Some(self.now_us().saturating_sub(sent) as f64 / 1000.0)
    }
}

pub async fn run(addr: &str, args: Args, report: &mut Report) -> anyhow::Result<()> {
    let boards: Vec<String> = (0..args.boards.max(1)).map(|b| crate::fresh_board(&format!("relay{b}"))).collect();
    let clock = Arc::new(Clock(Instant::now()));
    let acks = Arc::new(Mutex::new(Vec::new()));
    let failed = Arc::new(AtomicUsize::new(0));
    let ready = Arc::new(Barrier::new(args.clients + 1));
    // Several addresses (the nodes of a cluster): clients spread over them.
    let addrs: Vec<&str> = addr.split(',').collect();
    let mut tasks = Vec::new();
    for i in 0..args.clients {
        let board_index = i % boards.len();
        let auth = Auth {
            board: boards[board_index].clone(),
            name: Some(format!("bench {i}")),
            client: Some(format!("b{i}")),
            ..Auth::default()
        };
        let client = join(addrs[i % addrs.len()], &auth).await?;
        let (clock, acks, failed, ready) = (clock.clone(), acks.clone(), failed.clone(), ready.clone());
        let (rate, seconds) = (args.rate, args.seconds);
        tasks.push(tokio::spawn(async move {
            ready.wait().await;
            let mut seen = draw(client, i, rate, seconds, &clock, &acks, &failed).await;
            seen.board = board_index;
            seen
        }));
    }
    ready.wait().await;
    let cpu = report.sample();
    let started = Instant::now();
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(task.await?);
    }
    let cpu = report.cpu_since(cpu);
    let elapsed = started.elapsed().as_secs_f64().min(args.seconds as f64 + DRAIN.as_secs_f64());
    // Each board's batches reach every other client of that board.
    let mut expected = 0;
    for (b, _) in boards.iter().enumerate() {
        let on_board: Vec<&Seen> = seen.iter().filter(|s| s.board == b).collect();
        let sent: usize = on_board.iter().map(|s| s.sent).sum();
        expected += sent * on_board.len().saturating_sub(1);
    }
    let latencies: Vec<f64> = seen.iter().flat_map(|s| s.relays.iter().copied()).collect();
    let received = latencies.len();
    let acks = std::mem::take(&mut *acks.lock());
    report.add(
        &format!("relay ({} clients, {} boards, {}/s)", args.clients, boards.len(), args.rate),
        json!({
            "clients": args.clients,
            "boards": boards.len(),
            "rate": args.rate,
            "latency_ms": percentiles(latencies),
            "deliveries_per_s": round(received as f64 / elapsed),
            "expected": expected,
            "received": received,
            "lost": expected as i64 - received as i64,
            "ack_ms": percentiles(acks),
            "refused_or_unacked": failed.load(Ordering::Relaxed),
            "server_cpu_percent": cpu,
            "server_rss_kib": report.rss_kib(),
        }),
    );
    Ok(())
}

/// Connects and reads the board up to `synced`.
pub async fn join(addr: &str, auth: &Auth) -> anyhow::Result<NativeClient> {
    let mut client = NativeClient::connect(addr, auth).await?;
    loop {
        if let ServerMessage::Synced(_) = client.next_message().await? {
            return Ok(client);
        }
    }
}

/// Draws for `seconds` while recording every relay received, then drains.
async fn draw(
    mut client: NativeClient,
    i: usize,
    rate: u32,
    seconds: u64,
    clock: &Clock,
    acks: &Arc<Mutex<Vec<f64>>>,
    failed: &Arc<AtomicUsize>,
) -> Seen {
    #[derive(serde::Deserialize)]
    struct Batch {
        points: Vec<f32>,
    }
    let mut seen = Seen { board: 0, sent: 0, relays: Vec::new() };
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate.max(1))));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut drawing = true;
    let mut batch = 0u32;
    loop {
        tokio::select! {
            _ = tick.tick(), if drawing => {
                if Instant::now() >= deadline {
                    drawing = false;
                    client.timeout = DRAIN;
                    continue;
                }
                let stroke = batch / STROKE_BATCHES;
                let n = batch % STROKE_BATCHES;
                let id = StrokeId::new(format!("b{i}-{stroke}")).expect("a valid id");
                let [s, us] = clock.stamp();
                let points = vec![s, us, 10.0 + n as f32, 20.0, 12.0 + n as f32, 24.0, 14.0 + n as f32, 28.0];
                let sent = Instant::now();
                let ack = if n == 0 {
                    let color = Color::new("#1971c2").expect("a colour");
                    client.emit_ack_later(&StrokeStart { id: id.clone(), color, width: 3.0, tool: Tool::Pen, points })
                } else {
                    client.emit_ack_later(&StrokePoints { id: id.clone(), n, points, seq: None })
                };
                let Ok(ack) = ack else { break };
                let (acks, failed) = (acks.clone(), failed.clone());
                tokio::spawn(async move {
                    match ack.await {
                        Ok(a) if a.ok => acks.lock().push(crate::ms(sent.elapsed())),
                        _ => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
                if n == STROKE_BATCHES - 1 {
                    let _ = client.emit(&StrokeEnd { id, seq: None });
                }
                seen.sent += 1;
                batch += 1;
            }
            event = client.next_text() => match event {
                Ok((name, data)) if name == "stroke:points" || name == "stroke:start" => {
                    if let Some(ms) = serde_json::from_str::<Batch>(&data).ok().and_then(|b| clock.latency_ms(&b.points)) {
                        seen.relays.push(ms);
                    }
                }
                Ok(_) => {}
                Err(ClientError::Timeout(_)) if !drawing => break,
                Err(_) => break,
            },
        }
    }
    client.close();
    seen
}
