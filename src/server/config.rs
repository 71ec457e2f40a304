//! Configuration: the command line and environment (`Cli`, clap with `env`)
//! and what `run` needs (`Config`), which tests build directly.

use std::net::SocketAddr;
use std::path::PathBuf;

use leptos::config::LeptosOptions;

/// Largest Socket.IO message the server accepts, in bytes; a larger
/// WebSocket message or frame closes that connection.
pub const MAX_PAYLOAD: usize = 256 * 1024;

/// Command line and environment configuration.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "scrawl", version, about = "Self-hosted, real-time collaborative whiteboard")]
pub struct Cli {
    /// Address to listen on.
    #[arg(long, env = "SCRAWL_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// SQLite database file; created, with its folder, if missing.
    #[arg(long, env = "SCRAWL_DB", default_value = "data/scrawl.db")]
    pub db: PathBuf,
}

/// What `run` needs.
#[derive(Debug, Clone)]
pub struct Config {
    pub db: PathBuf,
    /// Leptos site settings (site root, output name, …), from `LEPTOS_*` or built by tests.
    pub site: LeptosOptions,
}
