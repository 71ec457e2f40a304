//! `scrawl-bench`: load scenarios against a running scrawl server, through
//! the project's native Socket.IO client. Prints a table per scenario and,
//! with `--json`, one JSON document of every figure.
//!
//! # Layout
//! - `relay`: N clients drawing on one board (or B boards): sender→peer
//!   latency, deliveries/s, lost relays, ack latency.
//! - `join`: a board pre-filled with many points; time and bytes to `synced`.
//! - `persist`: acknowledged (durable) points per second.
//! - `history`: a board's history: fetching it, building the timeline,
//!   each scrubbing step, the server's `?at=`.
//! - `idle`: many idle connections: memory per connection, pings flowing.
//! - `payload`: what a first visit downloads from `/pkg`, compressed.
//! - `http`: a bare HTTP/1.1 GET for those.
//! - `report`: percentiles, the server's CPU and memory from `/proc`, output.
//!
//! The server must let one address do this much: run it with raised
//! `SCRAWL_IP_STROKE_RATE`, `SCRAWL_STROKE_RATE`, `SCRAWL_MAX_CONNECTIONS_PER_IP`
//! and `SCRAWL_JOINS_PER_IP_PER_MINUTE` (`end2end/bench/scrawl-bench.sh` does).

mod history;
mod http;
mod idle;
mod join;
mod payload;
mod persist;
mod relay;
mod report;

use std::time::Duration;

use clap::{Parser, Subcommand};
use report::Report;

#[derive(Parser)]
#[command(name = "scrawl-bench", about = "Load scenarios against a running scrawl server")]
struct Cli {
    /// The server's address; for `relay`, several separated by commas (the
    /// nodes of a cluster), which the clients are spread over.
    #[arg(long, default_value = "127.0.0.1:3000", global = true)]
    addr: String,
    /// The server's process id, to report its CPU and memory.
    #[arg(long, global = true)]
    pid: Option<u32>,
    /// Also print every figure as one JSON document on the last line.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// Clients drawing together: relay latency and losses.
    Relay(relay::Args),
    /// Joining a large board: time and bytes to `synced`.
    Join(join::Args),
    /// Sustained acknowledged points per second.
    Persist(persist::Args),
    /// Idle connections: memory each, pings flowing.
    Idle(idle::Args),
    /// A board's history: fetch, timeline, scrubbing steps, `?at=`.
    History(history::Args),
    /// What a first visit downloads: the wasm, JS and CSS, compressed.
    Payload,
    /// Every scenario, with short defaults or the given scale.
    All {
        /// Seconds per timed scenario.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Clients of the relay scenario.
        #[arg(long, default_value_t = 20)]
        clients: usize,
        /// Points of the join scenario's board.
        #[arg(long, default_value_t = 1_000_000)]
        points: usize,
        /// Connections of the idle scenario.
        #[arg(long, default_value_t = 2_000)]
        connections: usize,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    idle::raise_fd_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let mut report = Report::new(cli.pid);
    runtime.block_on(async {
        match cli.scenario {
            Scenario::Relay(args) => relay::run(&cli.addr, args, &mut report).await,
            Scenario::Join(args) => join::run(&cli.addr, args, &mut report).await,
            Scenario::Persist(args) => persist::run(&cli.addr, args, &mut report).await,
            Scenario::Idle(args) => idle::run(&cli.addr, args, &mut report).await,
            Scenario::History(args) => history::run(&cli.addr, args, &mut report).await,
            Scenario::Payload => payload::run(&cli.addr, &mut report).await,
            Scenario::All { seconds, clients, points, connections } => {
                let relay = relay::Args { clients, rate: 60, seconds, boards: 1 };
                relay::run(&cli.addr, relay, &mut report).await?;
                join::run(&cli.addr, join::Args { points, stroke_points: 100, runs: 3 }, &mut report).await?;
                history::run(&cli.addr, history::Args { points, steps: 20 }, &mut report).await?;
                persist::run(&cli.addr, persist::Args { clients: 4, batch: 512, window: 32, seconds }, &mut report)
                    .await?;
                let idle = idle::Args { connections, seconds: seconds.max(2), per_board: 10 };
                idle::run(&cli.addr, idle, &mut report).await?;
                payload::run(&cli.addr, &mut report).await
            }
        }
    })?;
    report.finish(cli.json);
    Ok(())
}

/// Milliseconds of a duration, as a figure.
fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A board name no earlier run used.
fn fresh_board(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    format!("bench-{prefix}-{nanos:x}")
}
