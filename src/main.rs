//! The `scrawl` binary: parses the command line and runs the server.

#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
fn main() -> anyhow::Result<()> {
    use clap::Parser;
    use scrawl::server::{Cli, Command};
    let cli = Cli::parse();
    // The PDF renderer, a child of the server: no runtime, no threads, within its limits.
    if let Some(Command::RenderPdf { memory_mib, cpu_seconds }) = cli.command {
        std::process::exit(scrawl::server::render_pdf_command(memory_mib, cpu_seconds));
    }
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(scrawl::server::start(cli))
}

#[cfg(not(feature = "ssr"))]
fn main() {}
