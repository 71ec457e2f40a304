//! The `scrawl` binary: parses the command line and runs the server.

#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    use clap::Parser;
    scrawl::server::start(scrawl::server::Cli::parse()).await
}

#[cfg(not(feature = "ssr"))]
fn main() {}
