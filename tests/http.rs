//! PROTOCOL.md, "HTTP", and the pages: the board's JSON, the server-rendered
//! board with its drawing, the home page and the redirects.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::Value;

#[tokio::test]
async fn board_json() {
    let server = TestServer::start().await;
    let mut a = server.join("api", "a").await;
    draw(&mut a.client, "j1").await;

    let (status, body) = server.get("/api/boards/api").await;
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((v["name"].as_str(), v["seq"].as_u64()), (Some("api"), Some(3)));
    assert_eq!(v["strokes"][0]["id"], "j1");
    assert_eq!(v["strokes"][0]["points"], serde_json::json!([0.0, 0.0, 10.0, 10.0, 20.0, 5.0]));

    let (status, body) = server.get("/api/boards/bad%20name").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"], "board name may only contain A-Z, a-z, 0-9, '-' and '_'");
    // A board nobody drew on is empty, not missing.
    let (status, body) = server.get("/api/boards/untouched").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["strokes"], serde_json::json!([]));
}

#[tokio::test]
async fn pages_and_redirects() {
    let server = TestServer::start().await;
    let mut a = server.join("page", "a").await;
    draw(&mut a.client, "j1").await;

    let (status, body) = server.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("New board"));
    let (status, body) = server.get("/b/page").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<canvas"), "{body}");
    // The drawing is in the page itself, as SVG, before any script runs.
    assert!(body.contains(r##"<path d="M0 0Q10 10 15 7.5L20 5" fill="none" stroke="#1971c2""##), "{body}");
    // Rendered once per seq: the next page shows what changed since.
    draw(&mut a.client, "j2").await;
    let (_, body) = server.get("/b/page").await;
    assert_eq!(body.matches("<path").count(), 2, "{body}");
    a.client.close();
    // A page view keeps a drawn board loaded for the socket that follows,
    // but not one nobody drew on: that one can still be claimed.
    let (_, _) = server.get("/b/looked-at").await;
    let (_, metrics) = server.get("/metrics").await;
    assert!(metrics.contains("scrawl_open_boards 1"), "{metrics}");
    let (status, headers, _) = server.get_with_headers("/go?board=looked-at").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(headers["location"].to_str().unwrap().starts_with("/b/looked-at#k="), "{headers:?}");

    let (status, _) = server.get("/new").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = server.get("/go?board=Team+Retro").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, body) = server.get("/go?board=%C3%BC").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, "Cannot open board \"ü\": board name is empty");
}

#[tokio::test]
async fn healthcheck_command_exits_0_only_for_a_healthy_server() {
    let server = TestServer::start().await;
    let (ok, out) = scrawl(&["healthcheck", "--addr", &server.addr], &server.db()).await;
    assert!(ok && out == "ok\n", "{out}");
    // The container listens on 0.0.0.0 and probes itself through loopback.
    let port = server.addr.rsplit(':').next().unwrap();
    let (ok, out) = scrawl(&["healthcheck", "--addr", &format!("0.0.0.0:{port}")], &server.db()).await;
    assert!(ok, "{out}");

    // Something else answering on the port, unhealthy or not HTTP at all.
    let other = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_addr = other.local_addr().unwrap().to_string();
    let answers = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        for answer in ["HTTP/1.1 503 Service Unavailable\r\n\r\nstorage failing for 3 s: disk full\n", "SSH-2.0\r\n"] {
            let (mut stream, _) = other.accept().await.unwrap();
            let _ = stream.read(&mut [0; 1024]).await.unwrap();
            stream.write_all(answer.as_bytes()).await.unwrap();
        }
    });
    let (ok, out) = scrawl(&["healthcheck", "--addr", &other_addr], &server.db()).await;
    assert!(
        !ok && out.contains("is unhealthy: HTTP/1.1 503 Service Unavailable storage failing for 3 s: disk full"),
        "{out}"
    );
    let (ok, out) = scrawl(&["healthcheck", "--addr", &other_addr], &server.db()).await;
    assert!(!ok && out.contains("is unhealthy: SSH-2.0"), "{out}");
    answers.await.unwrap();

    // Nothing listening: refused at once.
    let (ok, out) = scrawl(&["healthcheck", "--addr", &other_addr], &std::path::PathBuf::from("unused.db")).await;
    assert!(!ok && out.contains("cannot reach"), "{out}");
}

#[tokio::test]
async fn version_names_the_commit() {
    let (ok, out) = scrawl(&["--version"], &std::path::PathBuf::from("unused.db")).await;
    assert!(ok, "{out}");
    assert_eq!(out.trim(), format!("scrawl {}", scrawl::server::VERSION));
    let commit = out.trim().rsplit_once('(').unwrap().1.trim_end_matches(')');
    assert!(commit == "unknown" || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())), "{out}");
}
