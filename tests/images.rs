//! PROTOCOL.md, "Images": uploads checked by their header and their caps,
//! content-addressed storage and serving, image objects, and collection of
//! the images nothing shows.

mod common;

use axum::http::StatusCode;
use common::*;
use scrawl::protocol::{Add, Color, Erase, NewObject, Tool};
use scrawl::server::Settings;
use scrawl::storage::Storage;
use serde_json::Value;

/// A real 1×1 PNG.
const PNG: [u8; 70] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49,
    0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x64, 0xf8, 0xcf, 0x50, 0x0f, 0x00, 0x03, 0x86, 0x01, 0x80, 0x5a, 0x34, 0x7d,
    0x6b, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Another image: the same picture with other bytes after its end.
fn other_png(n: u8) -> Vec<u8> {
    [&PNG[..], &[n; 8]].concat()
}

async fn upload(server: &TestServer, board: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let path = format!("/api/boards/{board}/images");
    let (status, _, body) = post_with(&server.addr, &path, bytes, &[("content-type", "image/png")]).await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn image_object(id_: &str, hash: &str) -> Add {
    let object = NewObject {
        id: id(id_),
        color: Color::new("#000000").unwrap(),
        width: 1.0,
        tool: Tool::Image,
        points: vec![10.0, 10.0, 110.0, 60.0],
        text: None,
        transform: None,
        image: Some(hash.to_owned()),
    };
    Add { objects: vec![object], session: None }
}

#[tokio::test]
async fn an_uploaded_image_is_served_immutable_and_shown_by_objects() {
    let server = TestServer::start().await;
    let (status, body) = upload(&server, "pics", PNG.to_vec()).await;
    assert_eq!(status, StatusCode::CREATED);
    let hash = body["hash"].as_str().unwrap().to_owned();
    assert_eq!(hash.len(), 64);
    assert_eq!((body["width"].as_u64(), body["height"].as_u64()), (Some(1), Some(1)));

    let (status, headers, bytes) = server.get_with_headers(&format!("/images/{hash}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["cache-control"], "private, max-age=31536000, immutable");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["content-length"], PNG.len().to_string().as_str());
    assert!(bytes.starts_with("\u{fffd}PNG"));
    let (status, _, _) = server.get_with_headers(&format!("/images/{}", "0".repeat(64))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = server.get_with_headers("/images/..%2F..%2Fetc%2Fpasswd").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An object shows it, for everyone, a late joiner, and the first paint.
    let mut a = server.join("pics", "a").await;
    let mut b = server.join("pics", "b").await;
    ok(&mut a.client, &image_object("img", &hash)).await;
    match next_change(&mut b.client).await {
        scrawl::protocol::ServerMessage::Added(added) => assert_eq!(added.objects[0].image.as_deref(), Some(&*hash)),
        other => panic!("expected add, got {other:?}"),
    }
    let late = server.join("pics", "late").await;
    assert_eq!(late.strokes[0].image.as_deref(), Some(&*hash));
    let (_, page) = server.get("/b/pics").await;
    assert!(page.contains(&format!(r#"href="/images/{hash}""#)), "the first paint shows the image");

    // Only images uploaded to this board: not another's, not made up.
    let (_, other) = upload(&server, "elsewhere", other_png(1)).await;
    let elsewhere = other["hash"].as_str().unwrap();
    assert!(refused(&mut a.client, &image_object("x", elsewhere)).await.contains("was not uploaded to this board"));
    assert!(refused(&mut a.client, &image_object("y", "nothex")).await.contains("64 hex digits"));
}

#[tokio::test]
async fn uploads_are_checked_by_their_header_and_their_caps() {
    let settings = Settings { max_image_bytes: 1000, board_max_image_bytes: 250, ..Settings::default() };
    let server = TestServer::start_with(settings).await;
    // A PNG's signature with a cut header, or with garbage for one.
    let (status, body) = upload(&server, "caps", PNG[..12].to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].as_str().unwrap().starts_with("the image's header is broken"), "{body}");
    let (status, body) = upload(&server, "caps", [&PNG[..8], b"not a header at all"].concat()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].as_str().unwrap().contains("at most 8192 px a side"), "{body}");
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec();
    let (status, body) = upload(&server, "caps", svg).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(body["error"], "only PNG, JPEG, WebP and GIF images are accepted");
    let (status, body) = upload(&server, "caps", [&PNG[..], &[0; 1000]].concat()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"], "the image is larger than 1000 bytes");

    // 250 bytes a board: three images of 78 bytes fit, a fourth does not;
    // the same image again costs nothing.
    for n in 0..3 {
        assert_eq!(upload(&server, "caps", other_png(n)).await.0, StatusCode::CREATED);
    }
    assert_eq!(upload(&server, "caps", other_png(0)).await.0, StatusCode::CREATED, "a duplicate");
    let (status, body) = upload(&server, "caps", other_png(9)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"], "this board holds 250 bytes of images already");
    assert_eq!(upload(&server, "another-board", other_png(9)).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn only_those_who_may_draw_upload() {
    let server = TestServer::start().await;
    let (status, headers, _) = server.get_with_headers("/new").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers["location"].to_str().unwrap().to_owned();
    let (path, owner_key) = location.split_once("#k=").unwrap();
    let board = path.strip_prefix("/b/").unwrap();
    let mut owner = join_with_key(&server.addr, board, "owner", Some(owner_key)).await.unwrap();
    ok(&mut owner.client, &scrawl::protocol::SetMode { mode: scrawl::protocol::Mode::Protected }).await;
    let images = format!("/api/boards/{board}/images");
    let (status, _, body) = post_with(&server.addr, &images, PNG.to_vec(), &[]).await.unwrap();
    assert_eq!(status, StatusCode::FORBIDDEN, "{}", String::from_utf8_lossy(&body));
    let bearer = format!("Bearer {owner_key}");
    let (status, _, _) = post_with(&server.addr, &images, PNG.to_vec(), &[("authorization", &bearer)]).await.unwrap();
    assert_eq!(status, StatusCode::CREATED);
    ok(&mut owner.client, &scrawl::protocol::SetMode { mode: scrawl::protocol::Mode::Private }).await;
    let (status, _, _) = post_with(&server.addr, &images, other_png(3), &[]).await.unwrap();
    assert_eq!(status, StatusCode::NOT_FOUND, "a private board does not exist without its key");
}

#[tokio::test]
async fn the_same_image_is_stored_once_and_collected_when_nothing_shows_it() {
    let server = TestServer::start().await;
    let shown = upload(&server, "gc", other_png(1)).await.1["hash"].as_str().unwrap().to_owned();
    let again = upload(&server, "gc-too", other_png(1)).await.1["hash"].as_str().unwrap().to_owned();
    assert_eq!(shown, again);
    let unused = upload(&server, "gc", other_png(2)).await.1["hash"].as_str().unwrap().to_owned();
    let mut a = server.join("gc", "a").await;
    ok(&mut a.client, &image_object("img", &shown)).await;
    // Erased, it can still be undone: it stays.
    ok(&mut a.client, &Erase { ids: vec![id("img")] }).await;

    let storage = Storage::open_existing(server.database()).await.unwrap();
    let db = sqlx::SqlitePool::connect(&db_url(&server.db())).await.unwrap();
    let blobs = || async { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM images").fetch_one(&db).await.unwrap() };
    assert_eq!(blobs().await, 2, "one blob for the two uploads of the same bytes");
    // Within the grace after an upload nothing goes.
    assert_eq!(storage.collect_images(3600, &[]).await.unwrap(), 0);
    // Nor from a board a server holds open (it may hold objects not yet written).
    let gc = scrawl::protocol::BoardName::new("gc").unwrap();
    assert_eq!(storage.collect_images(-1, std::slice::from_ref(&gc)).await.unwrap(), 0);
    // Without either: the unused upload goes, the erased image (undoable)
    // stays, and so does the other board's upload of it.
    storage.collect_images(-1, &[]).await.unwrap();
    let server = &server;
    let status = |hash: String| async move { server.get_with_headers(&format!("/images/{hash}")).await.0 };
    assert_eq!(status(unused.clone()).await, StatusCode::NOT_FOUND);
    assert_eq!(status(shown.clone()).await, StatusCode::OK);
    assert_eq!(blobs().await, 1);

    // Both boards deleted: the blob goes too.
    for board in ["gc", "gc-too"] {
        storage.delete_board(&scrawl::protocol::BoardName::new(board).unwrap()).await.unwrap();
    }
    storage.collect_images(-1, &[]).await.unwrap();
    assert_eq!(status(shown).await, StatusCode::NOT_FOUND);
}

/// A PDF of `pages` pages, each with a line of Helvetica text and a red box.
fn worksheet(pages: usize) -> Vec<u8> {
    let content = b"BT /F1 24 Tf 72 700 Td (Worksheet: fractions) Tj ET 0.9 0.2 0.2 rg 72 500 200 100 re f";
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 5 + i)).collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{}] /Count {pages} >>", kids.join(" ")).into_bytes(),
        [format!("<< /Length {} >>\nstream\n", content.len()).as_bytes(), content, b"\nendstream"].concat(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    for _ in 0..pages {
        objects.push(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R /Resources << /Font << /F1 4 0 R >> >> >>"
                .to_vec(),
        );
    }
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend(object);
        pdf.extend(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        pdf.extend(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    pdf
}

fn pdf_settings() -> Settings {
    // The debug build renders slowly on a busy machine: a deadline for that.
    Settings { pdf_renderer: Some(env!("CARGO_BIN_EXE_scrawl").into()), pdf_seconds: 120, ..Settings::default() }
}

async fn upload_pdf(server: &TestServer, board: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let path = format!("/api/boards/{board}/pdf");
    let (status, _, body) =
        post_with(&server.addr, &path, bytes, &[("content-type", "application/pdf")]).await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_pdfs_pages_become_images() {
    let server = TestServer::start_with(pdf_settings()).await;
    let (status, body) = upload_pdf(&server, "sheets", worksheet(3)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let pages = body["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 3);
    // US Letter (612 × 792 pt) at 2,048 px on its long side.
    assert_eq!((pages[0]["width"].as_u64(), pages[0]["height"].as_u64()), (Some(1582), Some(2048)));
    assert_eq!(pages[0]["hash"], pages[1]["hash"], "identical pages are one image");
    let (status, headers, _) =
        server.get_with_headers(&format!("/images/{}", pages[0]["hash"].as_str().unwrap())).await;
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (StatusCode::OK, "image/png"));
    let mut a = server.join("sheets", "a").await;
    ok(&mut a.client, &image_object("page-1", pages[0]["hash"].as_str().unwrap())).await;

    // At most 20 pages of a long one.
    let (_, body) = upload_pdf(&server, "sheets", worksheet(25)).await;
    assert_eq!(body["pages"].as_array().unwrap().len(), 20);
}

#[tokio::test]
async fn a_hostile_pdf_fails_with_an_error_within_its_bounds() {
    let server = TestServer::start_with(pdf_settings()).await;
    let garbage = [&b"%PDF-1.7\n"[..], &[0xff; 4096]].concat();
    let (status, body) = upload_pdf(&server, "bad", garbage).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"].as_str().unwrap().starts_with("the PDF could not be read"), "{body}");
    let (status, body) = upload_pdf(&server, "bad", PNG.to_vec()).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("not a PDF")));

    // No time to render, or no memory: an error, and the server goes on.
    let slow = TestServer::start_with(Settings { pdf_seconds: 0, ..pdf_settings() }).await;
    let (status, body) = upload_pdf(&slow, "bad", worksheet(1)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"].as_str().unwrap().starts_with("the PDF took longer than"), "{body}");
    let small = TestServer::start_with(Settings { pdf_memory_mib: 4, ..pdf_settings() }).await;
    let (status, body) = upload_pdf(&small, "bad", worksheet(1)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(small.get("/healthz").await.0, StatusCode::OK);
    assert!(small.join("bad", "still-here").await.strokes.is_empty());
}

#[tokio::test]
async fn a_board_adopts_an_image_of_another_for_a_paste() {
    let server = TestServer::start().await;
    let hash = upload(&server, "from", PNG.to_vec()).await.1["hash"].as_str().unwrap().to_owned();
    let mut b = server.join("to", "b").await;
    assert!(refused(&mut b.client, &image_object("pasted", &hash)).await.contains("was not uploaded to this board"));
    let adopt = |board: &str, hash: &str| format!("/api/boards/{board}/images/{hash}");
    let (status, _, body) = post_with(&server.addr, &adopt("to", &hash), vec![], &[]).await.unwrap();
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    ok(&mut b.client, &image_object("pasted", &hash)).await;
    // Only an image this server holds, under a real hash.
    let (status, _, _) = post_with(&server.addr, &adopt("to", &"a".repeat(64)), vec![], &[]).await.unwrap();
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = post_with(&server.addr, &adopt("to", "not-a-hash"), vec![], &[]).await.unwrap();
    assert_eq!(status, StatusCode::NOT_FOUND);
}
