//! `idle`: opens many connections, `--per-board` on each board, that then
//! do nothing but answer pings; reports the server's memory per connection and how many
//! connections still got pings (the server pings every 25 s, so a run
//! shorter than that cannot see them).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use scrawl::protocol::Auth;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::join::Ws;
use crate::report::{round, Report};

#[derive(clap::Args)]
pub struct Args {
    /// Idle connections.
    #[arg(long, default_value_t = 20_000)]
    pub connections: usize,
    /// How long they stay idle (30 or more to see pings).
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    /// Connections per board: every join tells each member of the board
    /// the whole presence list, so one board of thousands costs O(n²).
    #[arg(long, default_value_t = 10)]
    pub per_board: usize,
}

/// Connections opening at the same time.
const OPENING: usize = 200;
/// The server's ping interval.
const PING_INTERVAL: Duration = Duration::from_secs(25);

/// Lets this process hold as many sockets as the hard limit allows.
pub fn raise_fd_limit() {
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

pub async fn run(addr: &str, args: Args, report: &mut Report) -> anyhow::Result<()> {
    let board = crate::fresh_board("idle");
    let per_board = args.per_board.max(1);
    let before = report.rss_kib();
    let alive = Arc::new(AtomicUsize::new(0));
    let pinged = Arc::new(AtomicUsize::new(0));
    let (stop, _) = tokio::sync::broadcast::channel::<()>(1);
    let mut opened = 0;
    let mut failures = Vec::new();
    for chunk in (0..args.connections).collect::<Vec<_>>().chunks(OPENING) {
        let mut opening = Vec::new();
        for &i in chunk {
            let board = format!("{board}-{}", i / per_board);
            let auth = Auth { board, client: Some(format!("idle{i}")), ..Auth::default() };
            let addr = addr.to_owned();
            opening.push(tokio::spawn(async move { crate::join::open(&addr, &auth).await.map(|(ws, _)| ws) }));
        }
        for task in opening {
            match task.await? {
                Ok(ws) => {
                    opened += 1;
                    tokio::spawn(hold(ws, alive.clone(), pinged.clone(), stop.subscribe()));
                }
                Err(e) => failures.push(e.to_string()),
            }
        }
    }
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    let after = report.rss_kib();
    let per_connection = match (before, after) {
        (Some(b), Some(a)) if opened > 0 => Some(round(a.saturating_sub(b) as f64 / opened as f64)),
        _ => None,
    };
    let watched_pings = Duration::from_secs(args.seconds) > PING_INTERVAL;
    report.add(
        &format!("idle ({} connections, {per_board} per board)", args.connections),
        json!({
            "opened": opened,
            "failed": failures.len(),
            "first_failure": failures.first(),
            "alive": alive.load(Ordering::Relaxed),
            "pinged": if watched_pings { json!(pinged.load(Ordering::Relaxed)) } else { json!("run 30 s or more") },
            "server_rss_kib": after,
            "server_kib_per_connection": per_connection,
        }),
    );
    let _ = stop.send(());
    Ok(())
}

/// Answers pings until told to stop; counts itself alive and pinged.
async fn hold(
    mut ws: Ws,
    alive: Arc<AtomicUsize>,
    pinged: Arc<AtomicUsize>,
    mut stop: tokio::sync::broadcast::Receiver<()>,
) {
    alive.fetch_add(1, Ordering::Relaxed);
    let mut got_ping = false;
    loop {
        tokio::select! {
            _ = stop.recv() => break,
            message = ws.next() => match message {
                Some(Ok(Message::Text(text))) if text.as_str() == "2" => {
                    if !got_ping {
                        got_ping = true;
                        pinged.fetch_add(1, Ordering::Relaxed);
                    }
                    if ws.send(Message::text("3")).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    alive.fetch_sub(1, Ordering::Relaxed);
    let _ = ws.close(None).await;
}
