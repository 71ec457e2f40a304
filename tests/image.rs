//! The container image, run for real with podman. `make image-test` builds
//! `scrawl:VERSION` and runs this with `SCRAWL_IMAGE` set: the image's own
//! health check passes, the page and the wasm load, two native clients draw
//! together, the drawing survives a restart and a new container on the same
//! volume (an upgrade), and scrawl runs as uid 65532 with no capabilities.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use scrawl::protocol::ServerMessage;

/// The uid the image runs as (`USER` in the Containerfile).
const UID: &str = "65532";

/// podman as this machine needs it. A sandbox like CI's cannot give crun its
/// cgroups and rlimits; there runc, cgroupfs and explicit limits work. A
/// normal machine takes the plain command.
struct Podman {
    global: Vec<&'static str>,
    run: Vec<&'static str>,
}

impl Podman {
    async fn detect(image: &str) -> Self {
        let plain = Podman { global: vec![], run: vec![] };
        if plain.try_run(&["run", "--rm", image, "--version"]).await.is_ok() {
            return plain;
        }
        let sandbox = Podman {
            global: vec!["--runtime=runc", "--cgroup-manager=cgroupfs"],
            run: vec!["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096"],
        };
        let version = sandbox.run(&["run", "--rm", image, "--version"]).await;
        assert!(version.starts_with("scrawl "), "{version}");
        eprintln!("podman needs {:?} and {:?} here", sandbox.global, sandbox.run);
        sandbox
    }

    /// Runs `podman ARGS` (with `run`'s extra flags after `run`): its stdout,
    /// or its stdout and stderr if it failed.
    async fn try_run(&self, args: &[&str]) -> Result<String, String> {
        let mut command = std::process::Command::new("podman");
        command.args(&self.global).arg(args[0]);
        if args[0] == "run" {
            command.args(&self.run);
        }
        command.args(&args[1..]);
        let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().expect("podman is installed");
        let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        if output.status.success() {
            Ok(stdout)
        } else {
            Err(format!("podman {args:?} failed: {stdout} {}", String::from_utf8_lossy(&output.stderr)))
        }
    }

    async fn run(&self, args: &[&str]) -> String {
        self.try_run(args).await.unwrap_or_else(|e| panic!("{e}"))
    }
}

/// Containers of the image on one volume, published on a loopback port;
/// removed with the volume on drop.
struct Deployment {
    podman: Podman,
    image: String,
    name: String,
    volume: String,
    addr: String,
}

impl Deployment {
    async fn new(image: &str) -> Self {
        let podman = Podman::detect(image).await;
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let name = format!("scrawl-image-test-{port}");
        podman.run(&["volume", "create", &name]).await;
        let deployment =
            Deployment { podman, image: image.into(), volume: name.clone(), name, addr: format!("127.0.0.1:{port}") };
        deployment.start_container().await;
        deployment
    }

    /// A new container of the image on the volume, as an upgrade would start it.
    async fn start_container(&self) {
        let publish = format!("{}:8080", self.addr);
        let volume = format!("{}:/data", self.volume);
        // Hardened as docs/OPERATIONS.md's compose file runs it.
        let hardening = ["--read-only", "--cap-drop=ALL", "--security-opt=no-new-privileges"];
        let run = [&["run", "-d", "--name", &self.name, "-p", &publish, "-v", &volume][..], &hardening, &[&self.image]];
        self.podman.run(&run.concat()).await;
        self.wait_until_up().await;
    }

    async fn wait_until_up(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok((StatusCode::OK, _, _)) = get_at(&self.addr, "/healthz").await {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                let logs = self.podman.try_run(&["logs", &self.name]).await;
                panic!("the container never answered on {}: {logs:?}", self.addr);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        let podman = |args: &[&str]| {
            let _ = std::process::Command::new("podman").args(&self.podman.global).args(args).output();
        };
        podman(&["rm", "-f", "-t", "2", &self.name]);
        podman(&["volume", "rm", "-f", &self.volume]);
    }
}

#[tokio::test]
#[ignore = "needs podman and the image: run `make image-test`"]
async fn the_image_serves_persists_and_runs_unprivileged() {
    let image = std::env::var("SCRAWL_IMAGE").expect("SCRAWL_IMAGE names the image to test, e.g. scrawl:0.1.0");
    let deployment = Deployment::new(&image).await;
    let (podman, name, addr) = (&deployment.podman, deployment.name.as_str(), deployment.addr.as_str());

    // The HEALTHCHECK of the image: `scrawl healthcheck`, inside.
    let health = podman.try_run(&["healthcheck", "run", name]).await;
    assert!(health.is_ok(), "{health:?}");

    let (status, _, page) = get_at(addr, "/b/image").await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<canvas"), "{page}");
    // The page names the wasm with its version, cached for good.
    let wasm =
        page.split('"').find(|s| s.starts_with("/pkg/scrawl.") && s.ends_with(".wasm")).expect("the wasm's link");
    let (status, headers, _) = get_at(addr, wasm).await.unwrap();
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (StatusCode::OK, "application/wasm"));
    assert!(headers["cache-control"].to_str().unwrap().contains("immutable"), "{headers:?}");

    let mut a = join_at(addr, "image", "a").await;
    let mut b = join_at(addr, "image", "b").await;
    draw(&mut a.client, "s1").await;
    let ServerMessage::StrokeStarted(started) = next_change(&mut b.client).await else { panic!("expected a start") };
    assert_eq!(started.stroke.id, "s1");
    draw(&mut b.client, "s2").await;
    let ServerMessage::StrokeStarted(started) = next_change(&mut a.client).await else { panic!("expected a start") };
    assert_eq!(started.stroke.id, "s2");

    // Not root, inside or out, and without capabilities.
    assert_eq!(
        podman
            .run(&["top", name, "user", "capeff"])
            .await
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        [UID, "none"]
    );
    let pid = podman.run(&["inspect", name, "--format", "{{.State.Pid}}"]).await;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uids: Vec<&str> = status.lines().find_map(|l| l.strip_prefix("Uid:")).unwrap().split_whitespace().collect();
    assert!(uids.iter().all(|uid| *uid != "0"), "runs as {uids:?} on the host");
    drop((a, b));

    // A restart (SIGTERM, then start) keeps the drawing.
    podman.run(&["restart", "-t", "10", name]).await;
    deployment.wait_until_up().await;
    assert_eq!(ids(&join_at(addr, "image", "late").await.strokes), ["s1", "s2"]);

    // The upgrade procedure of docs/OPERATIONS.md: stop, back up with the
    // image's own binary, start a new container on the same volume.
    podman.run(&["rm", "-f", "-t", "10", name]).await;
    let volume = format!("{}:/data", deployment.volume);
    let backup =
        podman.run(&["run", "--rm", "-v", &volume, &deployment.image, "backup", "/data/before-upgrade.db"]).await;
    let check = podman
        .run(&["run", "--rm", "-v", &volume, &deployment.image, "check", "--db", "/data/before-upgrade.db"])
        .await;
    assert_eq!(check, "/data/before-upgrade.db: ok", "{backup}");
    deployment.start_container().await;
    assert_eq!(ids(&join_at(addr, "image", "later").await.strokes), ["s1", "s2"]);
}
