//! `history`: a board drawn as people draw (strokes streamed in batches of
//! 4 points, some erased), then the History panel's costs: fetching the
//! log, building the timeline, each scrubbing step (the board at a random
//! seq), and the server's `?at=`.

use std::time::Instant;

use scrawl::protocol::{
    Auth, Color, Erase, HistoryLog, StrokeEnd, StrokeId, StrokePoints, StrokeStart, Timeline, Tool,
};
use serde_json::json;

use crate::http::get;
use crate::report::{percentiles, round, Report};

#[derive(clap::Args)]
pub struct Args {
    /// Points on the board.
    #[arg(long, default_value_t = 1_000_000)]
    pub points: usize,
    /// Scrubbing steps to time.
    #[arg(long, default_value_t = 100)]
    pub steps: usize,
}

const FILLERS: usize = 4;
const PER_STROKE: usize = 100;
const PER_BATCH: usize = 4;

pub async fn run(addr: &str, args: Args, report: &mut Report) -> anyhow::Result<()> {
    let board = crate::fresh_board("history");
    let filled = Instant::now();
    fill(addr, &board, args.points).await?;
    let fill_s = filled.elapsed().as_secs_f64();

    let fetched = Instant::now();
    let gzipped = get(addr, &format!("/api/boards/{board}/history"), "gzip").await?.body;
    let fetch_ms = crate::ms(fetched.elapsed());
    let bytes = gzipped.len();
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzipped[..]), &mut body)?;
    drop(gzipped);
    let parsed = Instant::now();
    let json_bytes = body.len();
    let log: HistoryLog = serde_json::from_slice(&body)?;
    drop(body);
    let changes = log.changes.len();
    let timeline = Timeline::new(log);
    let build_ms = crate::ms(parsed.elapsed());

    // Random moments, as a hand on the slider jumps; then small steps, as it drags.
    let (from, last) = (timeline.from(), timeline.last());
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut random = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut jumps = Vec::new();
    let mut drags = Vec::new();
    let mut shown = 0;
    let mut seq = from;
    for i in 0..args.steps.max(1) {
        let (target, times) = if i % 2 == 0 {
            (from + random() % (last - from + 1), &mut jumps)
        } else {
            ((seq + 200).min(last), &mut drags)
        };
        let started = Instant::now();
        shown = timeline.strokes_at(target).len();
        times.push(crate::ms(started.elapsed()));
        seq = target;
    }
    let mut at_times = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        get(addr, &format!("/api/boards/{board}?at={}", from + random() % (last - from + 1)), "gzip").await?;
        at_times.push(crate::ms(started.elapsed()));
    }
    report.add(
        &format!("history ({} points, {changes} changes)", args.points),
        json!({
            "points": args.points,
            "changes": changes,
            "fill_changes_per_s": round(changes as f64 / fill_s),
            "history_bytes_gzip": bytes,
            "history_bytes_json": json_bytes,
            "history_fetch_ms": round(fetch_ms),
            "timeline_build_ms": round(build_ms),
            "scrub_jump_ms": percentiles(jumps),
            "scrub_drag_ms": percentiles(drags),
            "last_step_objects": shown,
            "server_at_ms": percentiles(at_times),
        }),
    );
    Ok(())
}

/// Draws `points` points in strokes of `PER_STROKE`, each streamed in
/// batches of `PER_BATCH`, from `FILLERS` clients keeping acks in flight;
/// every tenth stroke is erased again.
async fn fill(addr: &str, board: &str, points: usize) -> anyhow::Result<()> {
    let strokes = points.div_ceil(PER_STROKE);
    let mut tasks = Vec::new();
    for f in 0..FILLERS {
        let auth = Auth { board: board.to_owned(), client: Some(format!("hist{f}")), ..Auth::default() };
        let mut client = crate::relay::join(addr, &auth).await?;
        tasks.push(tokio::spawn(async move {
            let mut acks = Vec::new();
            let color = Color::new("#1971c2").expect("a colour");
            for s in (f..strokes).step_by(FILLERS) {
                let id = StrokeId::new(format!("h{s}")).expect("a valid id");
                let point =
                    |i: usize| [(i * 7 % 1200) as f32 + (s % 97) as f32, (s * 13 % 800) as f32 + (i % 40) as f32];
                let batch = |b: usize| (b * PER_BATCH..(b + 1) * PER_BATCH).flat_map(point).collect::<Vec<f32>>();
                let start =
                    StrokeStart { id: id.clone(), color: color.clone(), width: 2.0, tool: Tool::Pen, points: batch(0) };
                acks.push(client.emit_ack_later(&start)?);
                for b in 1..PER_STROKE / PER_BATCH {
                    let points = StrokePoints { id: id.clone(), n: b as u32, points: batch(b), seq: None };
                    acks.push(client.emit_ack_later(&points)?);
                }
                acks.push(client.emit_ack_later(&StrokeEnd { id: id.clone(), seq: None })?);
                if s % 10 == 9 {
                    acks.push(client.emit_ack_later(&Erase { ids: vec![id] })?);
                }
                if acks.len() >= 128 {
                    for ack in acks.drain(..) {
                        anyhow::ensure!(ack.await?.ok, "a filling change was refused");
                    }
                }
            }
            for ack in acks {
                anyhow::ensure!(ack.await?.ok, "a filling change was refused");
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
