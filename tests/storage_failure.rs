//! PROTOCOL.md, "Limits and errors": a full disk. The database lives on a
//! small tmpfs (this test mounts one, so it runs as root, as CI does). While
//! the disk is full, accepted changes wait for their ack, new ones are
//! refused with `retryAfterMs`, and `/healthz` says why; once space is
//! back, every acked change is stored exactly once.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use scrawl::protocol::{Ack, Event};
use scrawl::server::{ServerError, Settings};

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Self {
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .expect("mount runs");
        assert!(status.success(), "mounting a tmpfs needs root (CI runs as root)");
        Self(at.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazily: a writer that is still retrying may hold the database open.
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Writes zeros to `path` until the file system is full.
fn fill(path: &Path) {
    let mut file = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    while file.write_all(&chunk).is_ok() {}
    while file.write_all(&chunk[..512]).is_ok() {}
    let _ = file.sync_all();
}

/// Sends `data` until the server accepts it, waiting out retryable
/// refusals as a client must; returns how many refusals it met.
async fn deliver<E: Event>(ws: &mut Ws, next_id: &mut u64, data: &E) -> usize {
    let mut refusals = 0;
    loop {
        *next_id += 1;
        raw_emit(ws, *next_id, data).await;
        let ack: Ack = raw_ack(ws, *next_id, Duration::from_secs(60)).await.expect("an ack within 60 s");
        match ack {
            Ack { ok: true, .. } => return refusals,
            Ack { retry_after_ms: Some(ms), .. } => {
                refusals += 1;
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            Ack { error, .. } => panic!("{} refused for good: {error:?}", E::NAME),
        }
    }
}

async fn draw_raw(ws: &mut Ws, next_id: &mut u64, id: &str) -> usize {
    let mut refusals = deliver(ws, next_id, &start_msg(id, vec![0.0, 0.0])).await;
    for n in 1..=3 {
        refusals += deliver(ws, next_id, &batch(id, n, vec![n as f32; 200])).await;
    }
    refusals + deliver(ws, next_id, &end(id)).await
}

#[tokio::test]
async fn a_full_disk_loses_and_doubles_nothing() {
    let _ = tracing_subscriber::fmt().with_env_filter("scrawl=debug,sqlx=warn").with_test_writer().try_init();
    let dir = tempfile::tempdir().unwrap();
    let _tmpfs = Tmpfs::mount(dir.path(), "8m");
    let filler = dir.path().join("filler");
    let settings = Settings { storage_grace_ms: 300, ..Settings::default() };
    let mut server = TestServer::start_in(dir, settings).await;
    let started = std::time::Instant::now();

    let mut a = raw_join(&server.addr, "disk", "a").await;
    let mut b = raw_join(&server.addr, "disk", "b").await;
    let (mut a_ids, mut b_ids) = (0, 0);
    for i in 0..20 {
        assert_eq!(draw_raw(&mut a, &mut a_ids, &format!("before{i}")).await, 0);
    }

    fill(&filler);
    eprintln!("{:?}: disk full", started.elapsed());
    // a keeps drawing until told to stop: once the WAL's spare room is used
    // up, its change is accepted and waits for the disk.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let drawer = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let (mut drawn, mut refusals) = (0, 0);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                refusals += draw_raw(&mut a, &mut a_ids, &format!("during{drawn}")).await;
                drawn += 1;
            }
            (drawn, refusals)
        })
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let health = loop {
        let (status, health) = server.get("/healthz").await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            break health;
        }
        assert!(tokio::time::Instant::now() < deadline, "the full disk never failed a write");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(health.starts_with("storage failing for") && health.contains("full"), "{health}");
    eprintln!("{:?}: healthz says {health:?}", started.elapsed());
    // Past the grace, b's new changes are refused, retryably.
    tokio::time::sleep(Duration::from_millis(500)).await;
    b_ids += 1;
    raw_emit(&mut b, b_ids, &start_msg("refused", vec![0.0, 0.0])).await;
    let ack = raw_ack(&mut b, b_ids, Duration::from_secs(5)).await.unwrap();
    assert!(!ack.ok && ack.retry_after_ms.is_some(), "{ack:?}");
    assert!(ack.error.unwrap().starts_with("storage is unavailable"));
    // So is a restore, at once; and a past version over HTTP answers rather than wait for the disk.
    b_ids += 1;
    raw_emit(&mut b, b_ids, &scrawl::protocol::Restore { seq: 3, op: None }).await;
    let ack = raw_ack(&mut b, b_ids, Duration::from_secs(5)).await.unwrap();
    assert!(!ack.ok && ack.retry_after_ms.is_some(), "{ack:?}");
    for path in ["/api/boards/disk?at=3", "/api/boards/disk/history"] {
        let (status, body) = tokio::time::timeout(Duration::from_secs(5), server.get(path)).await.expect("an answer");
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {body}");
    }

    std::fs::remove_file(&filler).unwrap();
    eprintln!("{:?}: space freed", started.elapsed());
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (drawn, refusals_a) = tokio::time::timeout(Duration::from_secs(60), drawer).await.unwrap().unwrap();
    let refusals_b = draw_raw(&mut b, &mut b_ids, "refused").await;
    let (status, _) = server.get("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    eprintln!("{:?}: all acked", started.elapsed());
    let acked = 20 + drawn + 1;

    // Count what the database holds, not what the server has in memory.
    server.shutdown().await;
    let storage = scrawl::storage::Storage::open_existing(server.database()).await.unwrap();
    let stored = storage.load(&scrawl::protocol::BoardName::new("disk").unwrap()).await.unwrap().unwrap();
    assert!(storage.check().await.unwrap().is_empty());
    storage.close().await;
    let strokes: Vec<&scrawl::protocol::Stroke> = stored.strokes.iter().map(|s| &s.stroke).collect();
    let mut present: Vec<&str> = strokes.iter().map(|s| s.id.as_str()).collect();
    eprintln!(
        "full disk: {acked} strokes acked, {} present; refusals met: a {refusals_a}, b {}",
        present.len(),
        refusals_b + 1
    );
    assert!(strokes.iter().all(|s| s.points.len() == 2 + 3 * 200), "a stroke lost or doubled points");
    present.sort();
    present.dedup();
    assert_eq!(present.len(), acked, "every acked stroke exactly once");
    assert_eq!(strokes.len(), acked);
}

#[tokio::test]
async fn a_shutdown_that_cannot_commit_gives_up_after_its_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let _tmpfs = Tmpfs::mount(dir.path(), "4m");
    let filler = dir.path().join("filler");
    let mut server = TestServer::start_in(dir, Settings::default()).await;
    server.shutdown_timeout = Duration::from_secs(1);
    server.restart().await;
    let mut a = raw_join(&server.addr, "stuck", "a").await;
    let mut next_id = 0;
    draw_raw(&mut a, &mut next_id, "before").await;
    fill(&filler);
    // Draw until a write fails; its ack never comes while the disk is full.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while server.get("/healthz").await.0 == StatusCode::OK {
        assert!(tokio::time::Instant::now() < deadline, "the full disk never failed a write");
        next_id += 1;
        raw_emit(&mut a, next_id, &start_msg(&format!("stuck{next_id}"), vec![0.0, 0.0])).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started = std::time::Instant::now();
    let result = server.shutdown_result().await;
    let took = started.elapsed();
    assert!(matches!(result, Err(ServerError::ShutdownTimeout(_))), "{result:?}");
    assert!(took < Duration::from_secs(5), "gave up after {took:?}");
    std::fs::remove_file(&filler).unwrap();
}
