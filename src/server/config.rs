//! Configuration: the command line and environment (`Cli`, clap with `env`),
//! the limits and policies the server enforces (`Settings`, whose defaults
//! are the documented ones), and what `run` needs (`Config`), which tests
//! build directly.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::storage::Database;
use std::time::Duration;

use leptos::config::LeptosOptions;

use crate::domain::Quota;

/// The version and the git commit it was built from, as `--version` shows it.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("SCRAWL_COMMIT"), ")");

/// Command line and environment configuration.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "scrawl", version = VERSION, about = "Self-hosted, real-time collaborative whiteboard")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Address to listen on.
    #[arg(long, env = "SCRAWL_ADDR", default_value = "127.0.0.1:3000", global = true)]
    pub addr: SocketAddr,
    /// SQLite database file (created, with its folder, if missing), or a
    /// `postgres://user:password@host/database` URL.
    #[arg(long, env = "SCRAWL_DB", default_value = "data/scrawl.db", global = true)]
    pub db: Database,
    /// Log lines as `text` or `json`.
    #[arg(long, env = "SCRAWL_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
    /// Seconds to wait for connections to close and writes to commit after
    /// Ctrl-C or SIGTERM before stopping anyway.
    #[arg(long, env = "SCRAWL_SHUTDOWN_TIMEOUT", default_value_t = 10)]
    pub shutdown_timeout: u64,
    #[command(flatten)]
    pub settings: Settings,
}

/// What `scrawl` does besides serving.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Copies the database, consistently, while the server may be running.
    Backup {
        /// Where to write the copy; must not exist yet.
        file: PathBuf,
    },
    /// Checks the database's invariants and reports every problem found.
    Check,
    /// Asks the server listening on `--addr` for `/healthz`: exit code 0 if
    /// it answers 200 within 5 seconds, 1 otherwise (for container health checks).
    Healthcheck,
    /// Creates, re-keys or deletes one board (safe while the server runs).
    Board {
        #[command(subcommand)]
        action: BoardCommand,
    },
    /// Lists the boards: name, mode, live strokes, points, bytes and last activity.
    Boards,
    /// Renders a PDF from stdin into PNG pages on stdout (the server runs
    /// it in a child process, with limits).
    #[command(hide = true)]
    RenderPdf {
        /// Most address space this process may use, in MiB.
        #[arg(long)]
        memory_mib: u64,
        /// Most CPU time it may use, in seconds.
        #[arg(long)]
        cpu_seconds: u64,
    },
}

/// `scrawl board …`
#[derive(Debug, Clone, clap::Subcommand)]
pub enum BoardCommand {
    /// Creates a board and prints its owner, edit and view links.
    Create {
        name: String,
        #[arg(long, default_value = "open", value_parser = ["open", "protected", "private"])]
        mode: String,
        #[command(flatten)]
        url: PublicUrl,
    },
    /// Makes new owner, edit and view keys (claiming a board without an
    /// owner) and prints the links; the old keys stop working.
    Links {
        name: String,
        #[command(flatten)]
        url: PublicUrl,
    },
    /// Deletes a board and everything on it.
    Delete { name: String },
    /// Folds a board's history before a date into a snapshot: the board
    /// stays as it is, its past before then is gone.
    Compact {
        name: String,
        /// A UTC date, `YYYY-MM-DD`, or a moment, `YYYY-MM-DDTHH:MM[:SS][Z]`.
        #[arg(long, value_parser = parse_utc)]
        before: i64,
    },
}

/// Milliseconds since the Unix epoch of a UTC date or moment.
pub fn parse_utc(text: &str) -> Result<i64, String> {
    let bad = || format!("{text:?} is not a date like 2026-11-30 or 2026-11-30T14:05");
    let text = text.trim().trim_end_matches('Z');
    let (date, time) = text.split_once(['T', ' ']).unwrap_or((text, "00:00"));
    let numbers =
        |s: &str, sep| s.split(sep).map(|n| n.parse::<i64>().map_err(|_| bad())).collect::<Result<Vec<_>, _>>();
    let (d, t) = (numbers(date, '-')?, numbers(time, ':')?);
    let ([y, m, day], [hh, mm, rest @ ..]) = (d.as_slice(), t.as_slice()) else { return Err(bad()) };
    let ss = rest.first().copied().unwrap_or(0);
    if !(1..=12).contains(m) || !(1..=31).contains(day) || *hh > 23 || *mm > 59 || ss > 59 || rest.len() > 1 {
        return Err(bad());
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = y - i64::from(*m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(((days * 86_400) + hh * 3600 + mm * 60 + ss) * 1000)
}

/// Where the printed links point.
#[derive(Debug, Clone, clap::Args)]
pub struct PublicUrl {
    /// Print absolute links under this address (`https://board.example.org`).
    #[arg(long = "public-url", env = "SCRAWL_PUBLIC_URL")]
    pub public_url: Option<String>,
}

/// The limits and policies the server enforces. `Settings::default()` holds
/// the same defaults as the command line.
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// Largest WebSocket message (and frame) a client may send, in bytes; a
    /// larger one closes its connection.
    #[arg(long, env = "SCRAWL_MAX_MESSAGE_BYTES", default_value_t = 256 * 1024)]
    pub max_message_bytes: usize,
    /// Largest image upload, in bytes.
    #[arg(long, env = "SCRAWL_MAX_IMAGE_BYTES", default_value_t = 5 * 1024 * 1024)]
    pub max_image_bytes: usize,
    /// Most bytes of images one board may hold.
    #[arg(long, env = "SCRAWL_BOARD_MAX_IMAGE_BYTES", default_value_t = 100 * 1024 * 1024)]
    pub board_max_image_bytes: u64,
    /// Longest a PDF may take to render, in seconds.
    #[arg(long, env = "SCRAWL_PDF_SECONDS", default_value_t = 20)]
    pub pdf_seconds: u64,
    /// Most memory (address space) the PDF renderer may use, in MiB.
    #[arg(long, env = "SCRAWL_PDF_MEMORY_MIB", default_value_t = 1024)]
    pub pdf_memory_mib: u64,
    /// The scrawl executable that renders PDFs (`scrawl render-pdf`); by
    /// default the running one.
    #[arg(long, env = "SCRAWL_PDF_RENDERER")]
    pub pdf_renderer: Option<PathBuf>,
    /// Also accept Engine.IO long-polling (the client only uses WebSocket).
    #[arg(long, env = "SCRAWL_ALLOW_POLLING")]
    pub allow_polling: bool,
    /// Most live strokes one board may hold.
    #[arg(long, env = "SCRAWL_BOARD_MAX_STROKES", default_value_t = Quota::DEFAULT.strokes)]
    pub board_max_strokes: usize,
    /// Most live points one board may hold.
    #[arg(long, env = "SCRAWL_BOARD_MAX_POINTS", default_value_t = Quota::DEFAULT.points)]
    pub board_max_points: usize,
    /// Stroke events (start, points, end) per second one connection may send.
    #[arg(long, env = "SCRAWL_STROKE_RATE", default_value_t = 200)]
    pub stroke_rate: u32,
    /// Stroke events per second all connections from one address may send.
    #[arg(long, env = "SCRAWL_IP_STROKE_RATE", default_value_t = 4000)]
    pub ip_stroke_rate: u32,
    /// Undo, redo, clear, erase, rename and object edits (add, transform,
    /// text, order) per second one connection may send.
    #[arg(long, env = "SCRAWL_EDIT_RATE", default_value_t = 20)]
    pub edit_rate: u32,
    /// The same, for all connections from one address.
    #[arg(long, env = "SCRAWL_IP_EDIT_RATE", default_value_t = 200)]
    pub ip_edit_rate: u32,
    /// Open connections one address may hold.
    #[arg(long, env = "SCRAWL_MAX_CONNECTIONS_PER_IP", default_value_t = 100)]
    pub max_connections_per_ip: usize,
    /// Board joins one address may make per minute.
    #[arg(long, env = "SCRAWL_JOINS_PER_IP_PER_MINUTE", default_value_t = 300)]
    pub joins_per_ip_per_minute: u32,
    /// Take the client's address from `X-Forwarded-For` (set by your reverse proxy).
    #[arg(long, env = "SCRAWL_TRUST_PROXY")]
    pub trust_proxy: bool,
    /// Run as one node of a cluster, reached by the other nodes at this
    /// `host:port`. Needs `--db postgres://…`, shared by every node; each
    /// board is then served by one node at a time (docs/SCALING.md).
    #[arg(long, env = "SCRAWL_NODE_ADDR")]
    pub node_addr: Option<String>,
    /// Another origin (`https://lms.example.org`) whose pages may open the
    /// realtime connection; the board's own origin always may. Repeat or
    /// separate with commas.
    #[arg(long, env = "SCRAWL_ALLOWED_ORIGIN", value_delimiter = ',')]
    pub allowed_origin: Vec<String>,
    /// Who may embed scrawl's pages in a frame: a CSP `frame-ancestors` value
    /// such as `'self' https://lms.example.org`.
    #[arg(long, env = "SCRAWL_FRAME_ANCESTORS", default_value = "'self'")]
    pub frame_ancestors: String,
    /// Delete boards with no change for this many days (checked hourly and
    /// logged); off when not given.
    #[arg(long, env = "SCRAWL_EXPIRE_AFTER", value_parser = clap::value_parser!(u32).range(1..))]
    pub expire_after: Option<u32>,
    /// Keep each board's history (for History, `?at=` and restoring) this
    /// many days: older history is folded into a snapshot, checked hourly.
    /// Kept whole when not given.
    #[arg(long, env = "SCRAWL_HISTORY_DAYS", value_parser = clap::value_parser!(u32).range(1..))]
    pub history_days: Option<u32>,
    /// Milliseconds storage may fail before new changes are refused (with a
    /// retryable error) instead of queued.
    #[arg(long, env = "SCRAWL_STORAGE_GRACE_MS", default_value_t = 2000)]
    pub storage_grace_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        use clap::Parser;
        /// Parses no arguments, so every field takes its default.
        #[derive(clap::Parser)]
        struct Defaults {
            #[command(flatten)]
            settings: Settings,
        }
        Defaults::parse_from(["scrawl"]).settings
    }
}

impl Settings {
    pub fn quota(&self) -> Quota {
        Quota { strokes: self.board_max_strokes, points: self.board_max_points }
    }

    pub fn storage_grace(&self) -> Duration {
        Duration::from_millis(self.storage_grace_ms)
    }

    pub fn expire_after(&self) -> Option<Duration> {
        self.expire_after.map(|days| Duration::from_secs(u64::from(days) * 86_400))
    }

    pub fn history_days(&self) -> Option<Duration> {
        self.history_days.map(|days| Duration::from_secs(u64::from(days) * 86_400))
    }
}

/// What `run` needs.
#[derive(Debug, Clone)]
pub struct Config {
    pub db: Database,
    /// Leptos site settings (site root, output name, …), from `LEPTOS_*` or built by tests.
    pub site: LeptosOptions,
    pub settings: Settings,
    /// How long to wait after the shutdown signal before stopping anyway.
    pub shutdown_timeout: Duration,
}

impl Config {
    /// The defaults, with this database and site.
    pub fn new(db: impl Into<Database>, site: LeptosOptions) -> Self {
        Self { db: db.into(), site, settings: Settings::default(), shutdown_timeout: Duration::from_secs(10) }
    }
}
