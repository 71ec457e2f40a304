//! What a first visit downloads: the `/pkg` files the home page names
//! (wasm, JS, CSS), as served raw, gzipped and brotli-compressed, with
//! their cache lifetime. The server makes its brotli copies in the
//! background after it starts: this waits for them up to 10 s, and the
//! figures say which coding was served.

use serde_json::{json, Map, Value};

use crate::http::get;
use crate::report::Report;

pub async fn run(addr: &str, report: &mut Report) -> anyhow::Result<()> {
    let page = get(addr, "/", "identity").await?;
    let page = String::from_utf8_lossy(&page.body).into_owned();
    let mut files: Vec<&str> = page.split('"').filter(|s| s.starts_with("/pkg/")).collect();
    files.sort();
    files.dedup();
    anyhow::ensure!(!files.is_empty(), "the page names no /pkg files");
    let mut figures = Map::new();
    let (mut code_gzip, mut code_brotli) = (0, 0);
    for path in files {
        let raw = get(addr, path, "identity").await?;
        let gzip = get(addr, path, "gzip").await?;
        let mut brotli = get(addr, path, "br").await?;
        let waiting = std::time::Instant::now();
        while brotli.header("content-encoding") != Some("br") && waiting.elapsed().as_secs() < 10 {
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            brotli = get(addr, path, "br").await?;
        }
        let served = |r: &crate::http::Response| json!({ "bytes": r.body.len(), "coding": r.header("content-encoding").unwrap_or("identity") });
        if !path.ends_with(".css") {
            code_gzip += gzip.body.len();
            code_brotli += brotli.body.len();
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        let ext = name.rsplit('.').next().unwrap_or(name);
        figures.insert(
            ext.to_owned(),
            json!({
                "name": name,
                "raw": raw.body.len(),
                "gzip": served(&gzip),
                "brotli": served(&brotli),
                "cache_control": raw.header("cache-control"),
            }),
        );
    }
    figures.insert("wasm_and_js_gzip_bytes".into(), json!(code_gzip));
    figures.insert("wasm_and_js_brotli_bytes".into(), json!(code_brotli));
    report.add("payload", Value::Object(figures));
    Ok(())
}
