//! The `scrawl` binary: parses the command line and runs the server.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    use clap::Parser;
    scrawl::server::start(scrawl::server::Cli::parse()).await
}

#[cfg(not(feature = "ssr"))]
fn main() {}
