//! PDF worksheets: their first pages rendered as PNG images. A PDF is
//! rendered by a child process (`scrawl render-pdf`), which limits its own
//! address space before it reads the PDF, under a deadline, so a malformed
//! or hostile file fails with an error and never takes the server down.
//! No shell is needed: the container image has none.

use std::io::{Read, Write};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Most pages of one PDF added to a board.
pub const MAX_PDF_PAGES: usize = 20;
/// A page's long side, in pixels.
const PAGE_SIDE: f32 = 2048.0;

/// What a render may take: the renderer's address space, the time, and
/// the bytes of each page's PNG.
#[derive(Debug, Clone)]
pub struct Limits {
    pub memory_mib: u64,
    pub deadline: Duration,
    pub page_bytes: usize,
}

/// What the renderer's own refusals start with; anything else it says
/// (a panic, an abort) stays in the log.
const REFUSAL: &str = "scrawl-pdf: ";

/// Why a PDF gives no pages.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the PDF could not be read: {0}")]
    Unreadable(String),
    #[error("the PDF took longer than {0:?} to render")]
    Timeout(Duration),
    #[error("the PDF has no pages")]
    Empty,
    #[error("a page of the PDF renders larger than {0} bytes")]
    PageTooLarge(usize),
    #[error("the PDF renderer could not run: {0}")]
    Renderer(#[from] std::io::Error),
}

/// Whether `bytes` start like a PDF.
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-")
}

/// Renders the first `MAX_PDF_PAGES` pages of `pdf` as PNGs, each at most
/// `PAGE_SIDE` px on its long side. Runs in the child process.
pub fn render_pages(pdf: Vec<u8>) -> Result<Vec<Vec<u8>>, String> {
    use hayro::hayro_interpret::InterpreterSettings;
    use hayro::hayro_syntax::Pdf;
    use hayro::vello_cpu::color::palette::css::WHITE;
    use hayro::{render, PixmapSettings, RenderCache, RenderSettings};

    let pdf = Pdf::new(pdf).map_err(|e| format!("{e:?}"))?;
    let cache = RenderCache::new();
    let mut pages = Vec::new();
    for page in pdf.pages().iter().take(MAX_PDF_PAGES) {
        let (w, h) = page.render_dimensions();
        let scale = (PAGE_SIDE / w.max(h).max(1.0)).min(4.0);
        let pixmap_settings = PixmapSettings { x_scale: scale, y_scale: scale, bg_color: WHITE };
        let pixmap =
            render(page, &cache, &InterpreterSettings::default(), &RenderSettings::default(), &pixmap_settings);
        pages.push(pixmap.into_png().map_err(|e| format!("{e:?}"))?);
    }
    Ok(pages)
}

/// `scrawl render-pdf`: a PDF on stdin; on stdout, each page's PNG after
/// its length (4 bytes, big-endian); on failure, why on stderr and exit
/// code 2. Returns the exit code.
pub fn render_pdf_command(memory_mib: u64, cpu_seconds: u64) -> i32 {
    if let Err(e) = limit(libc::RLIMIT_AS, memory_mib.saturating_mul(1024 * 1024))
        .and_then(|()| limit(libc::RLIMIT_CPU, cpu_seconds))
    {
        eprintln!("{REFUSAL}cannot limit the renderer: {e}");
        return 2;
    }
    let mut pdf = Vec::new();
    let rendered = std::io::stdin().read_to_end(&mut pdf).map_err(|e| e.to_string()).and_then(|_| render_pages(pdf));
    match rendered {
        Ok(pages) => {
            let mut out = std::io::stdout().lock();
            for png in pages {
                let framed = out.write_all(&(png.len() as u32).to_be_bytes()).and_then(|()| out.write_all(&png));
                if framed.is_err() {
                    return 2;
                }
            }
            0
        }
        Err(why) => {
            eprintln!("{REFUSAL}{why}");
            2
        }
    }
}

/// What `setrlimit` names a resource with: glibc and musl differ.
#[cfg(target_env = "gnu")]
type Resource = libc::__rlimit_resource_t;
#[cfg(not(target_env = "gnu"))]
type Resource = libc::c_int;

/// Limits this process's `resource` to `value`: past its address space an
/// allocation fails and the process aborts, past its CPU time it is
/// killed; alone, either way.
fn limit(resource: Resource, value: u64) -> std::io::Result<()> {
    let limit = libc::rlimit { rlim_cur: value as libc::rlim_t, rlim_max: value as libc::rlim_t };
    // SAFETY: setrlimit only reads the struct given, which lives across the call.
    if unsafe { libc::setrlimit(resource, &limit) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Renders `pdf` with `scrawl render-pdf` run from `exe`, within
/// `limits`; returns the pages' PNGs.
pub async fn render_isolated(exe: &Path, pdf: &[u8], limits: &Limits) -> Result<Vec<Vec<u8>>, PdfError> {
    let deadline = limits.deadline;
    let cpu = deadline.as_secs() + 1;
    let mut child = tokio::process::Command::new(exe)
        .args(["render-pdf", "--memory-mib", &limits.memory_mib.to_string(), "--cpu-seconds", &cpu.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let (Some(mut stdin), Some(mut stdout), Some(mut stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(PdfError::Unreadable("no pipes to the renderer".into()));
    };
    // Never more than the pages may hold, whatever the renderer writes.
    let most = (MAX_PDF_PAGES * (limits.page_bytes + 4)) as u64 + 1;
    let run = async {
        let input = pdf.to_vec();
        let write = async move {
            // A renderer that stops reading (it failed) is no error here: its exit code says.
            let _ = stdin.write_all(&input).await;
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let (mut stdout, mut stderr) = ((&mut stdout).take(most), (&mut stderr).take(64 * 1024));
        let (_, read_out, read_err, status) =
            tokio::join!(write, stdout.read_to_end(&mut out), stderr.read_to_end(&mut err), child.wait());
        read_out?;
        read_err?;
        Ok::<_, std::io::Error>((status?, out, err))
    };
    let (status, out, err) = tokio::time::timeout(deadline, run).await.map_err(|_| PdfError::Timeout(deadline))??;
    if !status.success() {
        let said = String::from_utf8_lossy(&err);
        let refusal = said.lines().find_map(|l| l.strip_prefix(REFUSAL)).map(str::to_owned);
        if refusal.is_none() {
            tracing::warn!(%status, stderr = %said, "the PDF renderer failed");
        }
        return Err(PdfError::Unreadable(refusal.unwrap_or_else(|| "the renderer gave up on it".into())));
    }
    let mut pages = Vec::new();
    let mut rest = &out[..];
    while let Some((len, tail)) = rest.split_first_chunk::<4>() {
        let len = u32::from_be_bytes(*len) as usize;
        if len > limits.page_bytes {
            return Err(PdfError::PageTooLarge(limits.page_bytes));
        }
        if tail.len() < len {
            return Err(PdfError::Unreadable("the renderer's output was cut".into()));
        }
        pages.push(tail[..len].to_vec());
        rest = &tail[len..];
    }
    if pages.is_empty() {
        return Err(PdfError::Empty);
    }
    Ok(pages)
}
