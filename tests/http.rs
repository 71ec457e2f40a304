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

    let (status, _) = server.get("/new").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = server.get("/go?board=Team+Retro").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, body) = server.get("/go?board=%C3%BC").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, "Cannot open board \"ü\": board name is empty");
}
