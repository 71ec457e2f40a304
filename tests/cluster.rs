//! Three scrawl nodes on one PostgreSQL, behind nginx (round robin, with
//! WebSocket upgrades): they behave as one scrawl. Run by `make
//! cluster-test`, which starts PostgreSQL (`end2end/cluster/engines.sh`)
//! and sets `SCRAWL_TEST_POSTGRES` and `SCRAWL_CLUSTER_ENGINES`; ignored by
//! a plain `cargo test`. The tests share that PostgreSQL (one stops it), so
//! they run one at a time.

mod common;

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use parking_lot::Mutex;
use scrawl::protocol::{Cursor, Erase, ServerMessage, Stroke, Undo};
use scrawl::socketio::native::NativeClient;
use scrawl::storage::Database;

const NODES: usize = 3;

/// One scrawl process of the cluster.
struct Node {
    addr: String,
    child: Option<Child>,
}

struct Cluster {
    dir: tempfile::TempDir,
    db: String,
    nodes: Vec<Node>,
    nginx: Child,
    /// nginx's address: what clients use.
    lb: String,
}

fn free_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

impl Cluster {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let Database::Postgres(db) = Database::for_test(dir.path()).await.unwrap() else {
            panic!("SCRAWL_TEST_POSTGRES must name a PostgreSQL server: run `make cluster-test`");
        };
        let addrs: Vec<String> = (0..NODES).map(|_| free_addr()).collect();
        let lb = free_addr();
        let servers: String = addrs.iter().map(|a| format!("server {a} max_fails=0;\n")).collect();
        let d = dir.path().display();
        let conf = format!(
            "user root;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/nginx-error.log warn;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/tmp;\n  proxy_temp_path {d}/tmp;\n\
               fastcgi_temp_path {d}/tmp;\n  uwsgi_temp_path {d}/tmp;\n  scgi_temp_path {d}/tmp;\n\
               map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}\n\
               upstream scrawl {{\n{servers}  }}\n\
               server {{\n    listen {lb};\n    location / {{\n      proxy_pass http://scrawl;\n\
                 proxy_http_version 1.1;\n      proxy_set_header Upgrade $http_upgrade;\n\
                 proxy_set_header Connection $connection_upgrade;\n      proxy_set_header Host $host;\n\
                 proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n      proxy_read_timeout 1h;\n\
                 proxy_next_upstream error timeout;\n    }}\n  }}\n}}\n"
        );
        std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
        std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
        let nginx = Command::new("nginx")
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .spawn()
            .expect("nginx is installed (make cluster-test installs it)");
        let mut cluster = Self { dir, db, nodes: Vec::new(), nginx, lb };
        for addr in addrs {
            cluster.nodes.push(Node { addr, child: None });
        }
        for i in 0..NODES {
            cluster.launch(i);
        }
        for i in 0..NODES {
            cluster.wait_healthy(&cluster.nodes[i].addr.clone()).await;
        }
        cluster.wait_healthy(&cluster.lb.clone()).await;
        cluster
    }

    fn launch(&mut self, i: usize) {
        let node = &self.nodes[i];
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join(format!("node{i}.log")))
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_scrawl"))
            .env("SCRAWL_ADDR", &node.addr)
            .env("SCRAWL_DB", &self.db)
            .env("SCRAWL_NODE_ADDR", &node.addr)
            .env("SCRAWL_TRUST_PROXY", "true")
            .env("SCRAWL_SHUTDOWN_TIMEOUT", "10")
            .env("LEPTOS_OUTPUT_NAME", "scrawl")
            .env("LEPTOS_SITE_ROOT", "target/site")
            // Every client here shares 127.0.0.1.
            .env("SCRAWL_STROKE_RATE", "100000")
            .env("SCRAWL_IP_STROKE_RATE", "10000000")
            .env("SCRAWL_EDIT_RATE", "100000")
            .env("SCRAWL_IP_EDIT_RATE", "10000000")
            .env("SCRAWL_MAX_CONNECTIONS_PER_IP", "100000")
            .env("SCRAWL_JOINS_PER_IP_PER_MINUTE", "1000000")
            .env("RUST_LOG", "warn,scrawl::server::cluster=info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.nodes[i].child = Some(child);
    }

    async fn wait_healthy(&self, addr: &str) {
        for _ in 0..200 {
            if matches!(get_at(addr, "/healthz").await, Ok((status, _, _)) if status == 200) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{addr} did not become healthy; logs in {}", self.dir.path().display());
    }

    /// `kill -9`.
    fn kill(&mut self, i: usize) {
        let mut child = self.nodes[i].child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// SIGTERM, and waits for the node to finish its shutdown.
    async fn terminate(&mut self, i: usize) {
        let mut child = self.nodes[i].child.take().unwrap();
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let status = tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
        assert!(status.success(), "node {i} shut down cleanly: {status}");
    }

    async fn restart(&mut self, i: usize) {
        self.launch(i);
        self.wait_healthy(&self.nodes[i].addr.clone()).await;
    }

    /// The node that holds `board` now, by its address.
    async fn holder(&self, board: &str) -> String {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&self.db).await.unwrap();
        let key = scrawl::storage::leases::key(&scrawl::protocol::BoardName::new(board).unwrap());
        sqlx::query_scalar("SELECT node FROM board_owners WHERE key = $1").bind(key).fetch_one(&mut conn).await.unwrap()
    }

    async fn api_strokes(&self, addr: &str, board: &str) -> Vec<Stroke> {
        let (status, _, body) = get_at(addr, &format!("/api/boards/{board}")).await.unwrap();
        assert_eq!(status, 200, "{body}");
        serde_json::from_value(serde_json::from_str::<serde_json::Value>(&body).unwrap()["strokes"].clone()).unwrap()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            if let Some(mut child) = node.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        // SIGTERM: nginx's master stops its workers (SIGKILL would orphan them).
        unsafe { libc::kill(self.nginx.id() as i32, libc::SIGTERM) };
        let _ = self.nginx.wait();
    }
}

/// Waits for the next message that `pick` wants, skipping the others.
async fn until<T>(c: &mut NativeClient, mut pick: impl FnMut(ServerMessage) -> Option<T>) -> T {
    loop {
        if let Some(found) = pick(c.next_message().await.unwrap()) {
            return found;
        }
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL and nginx: make cluster-test"]
async fn strokes_cursors_and_presence_cross_nodes() {
    let cluster = Cluster::start().await;
    let mut alice = join_at(&cluster.nodes[0].addr, "across", "alice").await;
    let mut bob = join_at(&cluster.nodes[1].addr, "across", "bob").await;
    let carol = join_at(&cluster.nodes[2].addr, "across", "carol").await;
    // Carol, who came last on a third node, sees both others.
    let names: HashSet<String> = carol.welcome.users.iter().map(|u| u.name.clone()).collect();
    assert!(names.contains("user alice") && names.contains("user bob"), "{names:?}");
    // Alice hears of Carol's arrival though they are on different nodes.
    until(&mut alice.client, |m| match m {
        ServerMessage::Presence(p) => p.users.iter().any(|u| u.name == "user carol").then_some(()),
        _ => None,
    })
    .await;

    draw(&mut alice.client, "from-alice").await;
    let started = until(&mut bob.client, |m| match m {
        ServerMessage::StrokeStarted(s) => Some(s),
        _ => None,
    })
    .await;
    assert_eq!(started.stroke.id.as_str(), "from-alice");

    bob.client.emit(&Cursor { x: 12.0, y: 34.0 }).unwrap();
    let moved = until(&mut alice.client, |m| match m {
        ServerMessage::Cursor(c) => Some(c),
        _ => None,
    })
    .await;
    assert_eq!((moved.user, moved.x, moved.y), (bob.welcome.you.id.clone(), 12.0, 34.0));

    // The board reads the same through every node and through nginx.
    let through_lb = cluster.api_strokes(&cluster.lb, "across").await;
    assert_eq!(ids(&through_lb), ["from-alice"]);
    for node in &cluster.nodes {
        assert_eq!(cluster.api_strokes(&node.addr, "across").await, through_lb);
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL and nginx: make cluster-test"]
async fn drawing_from_every_node_at_once_gives_one_board() {
    let cluster = Cluster::start().await;
    let mut tasks = Vec::new();
    for (i, node) in cluster.nodes.iter().enumerate() {
        let addr = node.addr.clone();
        tasks.push(tokio::spawn(async move {
            let mut joined = join_at(&addr, "together", &format!("c{i}")).await;
            let mut seqs = Vec::new();
            for k in 0..20 {
                let s = format!("n{i}-{k}");
                seqs.push(ok(&mut joined.client, &start_msg(&s, vec![i as f32, k as f32])).await);
                seqs.push(ok(&mut joined.client, &batch(&s, 1, vec![1.0, 2.0])).await);
                seqs.push(ok(&mut joined.client, &end(&s)).await);
            }
            seqs
        }));
    }
    let mut seqs = Vec::new();
    for task in tasks {
        seqs.extend(task.await.unwrap());
    }
    // One total order: every change its own seq, none missing.
    seqs.sort_unstable();
    let first = seqs[0];
    assert_eq!(seqs, (first..first + seqs.len() as u64).collect::<Vec<_>>());

    let mut boards = Vec::new();
    for node in &cluster.nodes {
        boards.push(join_at(&node.addr, "together", "reader").await.strokes);
    }
    assert_eq!(boards[0].len(), 60);
    assert!(boards.iter().all(|b| *b == boards[0]), "every node shows the same board");
    assert_eq!(cluster.api_strokes(&cluster.lb, "together").await, boards[0]);
}

#[tokio::test]
#[ignore = "needs PostgreSQL and nginx: make cluster-test"]
async fn undo_and_erase_across_nodes() {
    let cluster = Cluster::start().await;
    let mut alice = join_at(&cluster.nodes[0].addr, "undo", "alice").await;
    let mut bob = join_at(&cluster.nodes[1].addr, "undo", "bob").await;
    draw(&mut alice.client, "a1").await;
    draw(&mut bob.client, "b1").await;
    draw(&mut alice.client, "a2").await;
    // Alice's undo takes her last stroke, not Bob's, though he drew on another node.
    ok(&mut alice.client, &Undo).await;
    ok(&mut bob.client, &Erase { ids: vec![id("a1")] }).await;
    let late = join_at(&cluster.nodes[2].addr, "undo", "carol").await;
    assert_eq!(ids(&late.strokes), ["b1"]);
    // Bob's own undo brings back what he erased.
    ok(&mut bob.client, &Undo).await;
    assert_eq!(ids(&cluster.api_strokes(&cluster.lb, "undo").await), ["a1", "b1"]);
}

/// A client of the load tests: draws three-point strokes through nginx,
/// one after another, and on any failure reconnects (through nginx again)
/// and goes on with a new stroke. Records what was acked and how often it
/// had to reconnect.
struct Drawer {
    /// Each acked stroke, with when it was begun and when acked.
    acked: Arc<Mutex<Vec<(String, Instant, Instant)>>>,
    reconnects: Arc<Mutex<Vec<Instant>>>,
}

async fn draw_until(lb: String, board: &'static str, who: usize, stop: Arc<std::sync::atomic::AtomicBool>) -> Drawer {
    let acked = Arc::new(Mutex::new(Vec::new()));
    let reconnects = Arc::new(Mutex::new(Vec::new()));
    let mut k = 0;
    let mut client: Option<NativeClient> = None;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let c = match client.as_mut() {
            Some(c) => c,
            None => match join_with_key(&lb, board, &format!("drawer{who}"), None).await {
                Ok(joined) => {
                    let mut c = joined.client;
                    c.timeout = Duration::from_secs(20);
                    client.insert(c)
                }
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        k += 1;
        let s = format!("d{who}-{k}");
        let started = Instant::now();
        // Points unique to the stroke: a doubled stroke would show twice.
        let drawn = async {
            let a = c.emit_ack(&start_msg(&s, vec![who as f32, k as f32])).await?;
            let b = c.emit_ack(&batch(&s, 1, vec![k as f32, who as f32])).await?;
            let e = c.emit_ack(&end(&s)).await?;
            Ok::<_, scrawl::socketio::native::ClientError>(a.ok && b.ok && e.ok)
        };
        match drawn.await {
            Ok(true) => acked.lock().push((s, started, Instant::now())),
            // Refused (the board is changing nodes): the stroke is not acked.
            Ok(false) => tokio::time::sleep(Duration::from_millis(200)).await,
            Err(_) => {
                client = None;
                reconnects.lock().push(Instant::now());
            }
        }
    }
    Drawer { acked, reconnects }
}

/// Six drawers through nginx on one board, until stopped.
struct Load {
    stop: Arc<std::sync::atomic::AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<Drawer>>,
}

impl Load {
    fn start(lb: &str, board: &'static str) -> Self {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let tasks = (0..6).map(|who| tokio::spawn(draw_until(lb.to_owned(), board, who, stop.clone()))).collect();
        Self { stop, tasks }
    }

    async fn stop(self) -> Vec<Drawer> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut drawers = Vec::new();
        for task in self.tasks {
            drawers.push(task.await.unwrap());
        }
        drawers
    }
}

/// When the first stroke begun after `moment` was acked: the board took
/// changes again.
fn first_acked_after(drawers: &[Drawer], moment: Instant) -> Instant {
    let acks = drawers
        .iter()
        .flat_map(|d| d.acked.lock().iter().map(|(_, begun, acked)| (*begun, *acked)).collect::<Vec<_>>());
    acks.filter(|(begun, _)| *begun > moment).map(|(_, acked)| acked).min().expect("strokes acked after it")
}

/// Every acked stroke is on the board, whole, once; nothing is doubled.
fn assert_nothing_lost_or_doubled(strokes: &[Stroke], drawers: &[Drawer]) {
    let by_id: HashMap<&str, &Stroke> = strokes.iter().map(|s| (s.id.as_str(), s)).collect();
    assert_eq!(by_id.len(), strokes.len(), "no id twice");
    let mut points = HashSet::new();
    for s in strokes {
        assert!(points.insert(format!("{:?}", s.points)), "stroke {} doubled", s.id);
    }
    let mut acked = 0;
    for drawer in drawers {
        for (s, _, _) in drawer.acked.lock().iter() {
            let stroke = by_id.get(s.as_str()).unwrap_or_else(|| panic!("acked stroke {s} is lost"));
            assert_eq!(stroke.points.len(), 4, "acked stroke {s} is whole");
            acked += 1;
        }
    }
    assert!(acked > 0);
}

#[tokio::test]
#[ignore = "needs PostgreSQL and nginx: make cluster-test"]
async fn killing_the_holder_under_load_loses_nothing_acked() {
    let mut cluster = Cluster::start().await;
    let load = Load::start(&cluster.lb, "killed");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let holder = cluster.holder("killed").await;
    let i = cluster.nodes.iter().position(|n| n.addr == holder).unwrap();
    cluster.kill(i);
    let killed_at = Instant::now();
    // The board moves on: strokes are acked again after the kill.
    let new_holder = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(killed_at.elapsed() < Duration::from_secs(30), "the board never moved on");
        let holder = cluster.holder("killed").await;
        if holder != cluster.nodes[i].addr {
            break holder;
        }
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let drawers = load.stop().await;
    let acked: usize = drawers.iter().map(|d| d.acked.lock().len()).sum();
    let first_after = first_acked_after(&drawers, killed_at);
    eprintln!(
        "killed {holder}; then {new_holder} held the board; the first stroke begun after the kill was acked {} ms \
         after it; {acked} strokes acked in all",
        (first_after - killed_at).as_millis()
    );
    cluster.restart(i).await;
    for node in &cluster.nodes {
        let strokes = cluster.api_strokes(&node.addr, "killed").await;
        assert_nothing_lost_or_doubled(&strokes, &drawers);
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL and nginx: make cluster-test"]
async fn a_rolling_restart_loses_nothing_and_reconnects_each_client_at_most_once_a_node() {
    let mut cluster = Cluster::start().await;
    let load = Load::start(&cluster.lb, "rolling");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut windows = Vec::new();
    for i in 0..NODES {
        let from = Instant::now();
        cluster.terminate(i).await;
        cluster.restart(i).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        windows.push((from, Instant::now()));
    }
    let drawers = load.stop().await;
    let counts: Vec<usize> = drawers.iter().map(|d| d.reconnects.lock().len()).collect();
    eprintln!("reconnects per client over the rolling restart of {NODES} nodes: {counts:?}");
    for (who, drawer) in drawers.iter().enumerate() {
        let reconnects = drawer.reconnects.lock();
        for (from, to) in &windows {
            let during = reconnects.iter().filter(|t| *t >= from && *t <= to).count();
            assert!(during <= 1, "drawer {who} reconnected {during} times during one node's restart");
        }
    }
    let strokes = cluster.api_strokes(&cluster.lb, "rolling").await;
    assert_nothing_lost_or_doubled(&strokes, &drawers);
}

#[tokio::test]
#[ignore = "needs PostgreSQL and nginx: make cluster-test"]
async fn a_holder_cut_off_from_its_lease_is_fenced_and_the_board_moves_on() {
    use sqlx::Connection;
    let cluster = Cluster::start().await;
    let load = Load::start(&cluster.lb, "fenced");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let holder = cluster.holder("fenced").await;
    // The holder's lease session ends (as when PostgreSQL restarts, or drops
    // it) while the node itself runs on.
    let mut admin = sqlx::PgConnection::connect(&cluster.db).await.unwrap();
    let ended: Vec<bool> =
        sqlx::query_scalar("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1")
            .bind(format!("scrawl leases {holder}"))
            .fetch_all(&mut admin)
            .await
            .unwrap();
    assert_eq!(ended, [true], "the holder's lease session");
    let cut_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let drawers = load.stop().await;
    let first_after = first_acked_after(&drawers, cut_at);
    eprintln!(
        "{holder} lost its lease session; {} holds the board; the first stroke begun after was acked {} ms after",
        cluster.holder("fenced").await,
        (first_after - cut_at).as_millis()
    );
    for node in &cluster.nodes {
        assert_nothing_lost_or_doubled(&cluster.api_strokes(&node.addr, "fenced").await, &drawers);
    }
}

/// The writer's fence on its own: once another node took the board over (a
/// later epoch in `board_owners`), a change of this node's old copy is
/// refused as moved and nothing of it is written.
#[tokio::test]
#[ignore = "needs PostgreSQL and nginx: make cluster-test"]
async fn the_writer_refuses_a_board_taken_over_by_another_node() {
    use scrawl::domain::{Applied, Change};
    use scrawl::protocol::{BoardName, ClientId};
    use scrawl::storage::leases::Holder;
    use scrawl::storage::{Storage, StorageError};
    let dir = tempfile::tempdir().unwrap();
    let db = Database::for_test(dir.path()).await.unwrap();
    let storage = Storage::open_node(&db, Default::default(), Some("10.0.0.1:3000")).await.unwrap();
    let board = BoardName::new("taken").unwrap();
    let leases = storage.leases().unwrap().clone();
    let Holder::Here(lease) = leases.acquire(&board).await.unwrap() else { panic!("a free board is taken") };
    let start = |seq, id: &str| Applied {
        board: board.clone(),
        seq,
        change: Change::StrokeStart {
            client: ClientId::new("c").unwrap(),
            stroke: start_msg(id, vec![0.0, 0.0]).to_stroke("u".into()),
        },
        by: Default::default(),
    };
    storage.submit(start(1, "mine")).await.unwrap();
    assert!(storage.holds(&board, Some(lease.epoch())));
    assert!(!storage.holds(&board, Some(lease.epoch() - 1)), "a copy of an older holding");
    // What the image collection spares: the boards some node holds.
    let key = scrawl::storage::leases::key(&board);
    assert!(leases.held_anywhere().await.unwrap().contains(&key));
    // Another node takes the board (as after this one's session ended).
    let Database::Postgres(url) = &db else { unreachable!() };
    let mut admin = {
        use sqlx::Connection;
        sqlx::PgConnection::connect(url).await.unwrap()
    };
    sqlx::query("UPDATE board_owners SET node = 'elsewhere', epoch = epoch + 1 WHERE key = $1")
        .bind(scrawl::storage::leases::key(&board))
        .execute(&mut admin)
        .await
        .unwrap();
    assert!(matches!(storage.submit(start(2, "stale")).await, Err(StorageError::Moved)));
    let stored = storage.load(&board).await.unwrap().unwrap();
    assert_eq!(stored.seq, 1);
    assert_eq!(stored.strokes.iter().map(|s| s.stroke.id.as_str()).collect::<Vec<_>>(), ["mine"]);
    storage.close().await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL and nginx: make cluster-test"]
async fn postgres_briefly_away_refuses_writes_as_retryable_and_recovers() {
    let engines = std::env::var("SCRAWL_CLUSTER_ENGINES").expect("make cluster-test sets SCRAWL_CLUSTER_ENGINES");
    let cluster = Cluster::start().await;
    let mut alice = join_at(&cluster.nodes[0].addr, "outage", "alice").await;
    draw(&mut alice.client, "before").await;
    /// PostgreSQL stopped until this is dropped, even when the test fails:
    /// the other tests share it.
    struct Outage(String);
    impl Outage {
        fn begin(engines: &str) -> Self {
            let status = Command::new("end2end/cluster/engines.sh").args(["pg-stop", engines]).status().unwrap();
            assert!(status.success(), "engines.sh pg-stop");
            Self(engines.to_owned())
        }
    }
    impl Drop for Outage {
        fn drop(&mut self) {
            let status = Command::new("end2end/cluster/engines.sh").args(["pg-start", &self.0]).status().unwrap();
            assert!(status.success(), "engines.sh pg-start");
        }
    }
    let outage = Outage::begin(&engines);
    // A change now is refused with a retryable error, or its socket drops
    // (the node lost its lease with the connection): never acked.
    let answer =
        tokio::time::timeout(Duration::from_secs(15), alice.client.emit_ack(&start_msg("during", vec![1.0, 1.0])))
            .await;
    if let Ok(Ok(ack)) = answer {
        assert!(!ack.ok, "acked while PostgreSQL was away");
        assert!(ack.retry_after_ms.is_some(), "retryable: {ack:?}");
    }
    let (status, _, body) = get_at(&cluster.nodes[0].addr, "/healthz").await.unwrap();
    eprintln!("healthz while PostgreSQL is away: {status} {body}");
    assert_eq!(status, 503, "the node says it is degraded");
    drop(outage);
    // It recovers: a client draws again, and the board holds what was acked.
    let recovered_at = Instant::now();
    let mut again = loop {
        assert!(recovered_at.elapsed() < Duration::from_secs(30), "never recovered");
        match join_with_key(&cluster.lb, "outage", "alice", None).await {
            Ok(joined) => break joined,
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };
    let drawn = loop {
        assert!(recovered_at.elapsed() < Duration::from_secs(30), "never recovered");
        let a = again.client.emit_ack(&start_msg("after", vec![2.0, 2.0])).await.unwrap();
        if a.ok {
            break a;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(drawn.seq.is_some());
    ok(&mut again.client, &end("after")).await;
    eprintln!("writes recovered {} ms after PostgreSQL came back", recovered_at.elapsed().as_millis());
    let strokes = cluster.api_strokes(&cluster.lb, "outage").await;
    let ids = ids(&strokes);
    assert!(ids.contains(&"before") && ids.contains(&"after"), "{ids:?}");
}
