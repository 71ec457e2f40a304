//! PROTOCOL.md, "Languages": pages render in the request's language (the
//! `scrawl-lang` cookie, then `Accept-Language`, else English), and a
//! connection's refusals come in its language (`auth.lang`, then the
//! handshake's headers) with a code for programs.

mod common;

use axum::http::StatusCode;
use common::*;
use scrawl::i18n::{Locale, Texts, TEXTS_ELEMENT};
use scrawl::protocol::{Auth, Mode, SetMode, Undo};
use scrawl::socketio::native::ClientError;

/// `GET path` with these headers: the status, the `Vary` header and the page.
async fn page(server: &TestServer, path: &str, headers: &[(&str, &str)]) -> (StatusCode, String, String) {
    let (status, head, body) = get_with(&server.addr, path, headers).await.unwrap();
    let vary = head.get("vary").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, vary, body)
}

/// The texts the page carries for the browser.
fn carried(page: &str) -> Texts {
    let open = format!(r#"id="{TEXTS_ELEMENT}">"#);
    let start = page.find(&open).expect("the page carries its texts") + open.len();
    let text = &page[start..start + page[start..].find("</script>").unwrap()];
    Texts::from_page_text(text.to_owned()).expect("readable texts")
}

#[tokio::test]
async fn pages_render_in_the_language_the_browser_asks_for() {
    let server = TestServer::start().await;
    let de = Texts::of(Locale::De);
    assert_ne!(de.get("tools.pen"), Texts::of(Locale::En).get("tools.pen"));

    let (status, vary, body) = page(&server, "/b/klasse-7b", &[("accept-language", "fr;q=0.5, de-DE, en;q=0.8")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(r#"<html lang="de" dir="ltr""#), "{body}");
    assert!(body.contains(&format!(r#"aria-label="{}""#, de.get("tools.pen"))), "{body}");
    assert!(body.contains(de.get("status.connecting")));
    assert!(!body.contains(r#"aria-label="Pen""#));
    // The board's name is the user's, never translated.
    assert!(body.contains("klasse-7b"));
    assert!(vary.contains("Accept-Language") && vary.contains("Cookie"), "{vary}");
    // What hydration reads is what the server rendered with.
    assert_eq!(carried(&body), de);

    // The language menu's cookie wins over the browser's languages.
    let (_, _, body) =
        page(&server, "/b/klasse-7b", &[("accept-language", "de"), ("cookie", "a=1; scrawl-lang=ar")]).await;
    assert!(body.contains(r#"<html lang="ar" dir="rtl""#), "{body}");
    assert!(body.contains(Texts::of(Locale::Ar).get("tools.eraser")));

    // The home page and the not-found page too.
    let ja = Texts::of(Locale::Ja);
    let (_, _, body) = page(&server, "/", &[("accept-language", "ja-JP")]).await;
    assert!(body.contains(r#"<html lang="ja""#) && body.contains(ja.get("home.new_board")), "{body}");
    let (status, _, body) = page(&server, "/no/such/page", &[("accept-language", "uk")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains(Texts::of(Locale::Uk).get("notfound.title")), "{body}");

    // An invalid board name is explained in the page's language.
    let (status, _, body) = page(&server, "/b/bad%20name", &[("accept-language", "pl")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains(Texts::of(Locale::Pl).get("name.characters")), "{body}");

    // The home page's form explains a name it cannot use in the same language.
    let (status, _, body) = page(&server, "/go?board=%C3%BC", &[("accept-language", "de")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, de.fill("error.cannot_open", &[("input", &"ü"), ("why", &de.get("name.empty"))]));

    // Languages we do not have, or garbage, get English.
    for header in ["sv, *;q=0.5", ";;q=x,,", &"x".repeat(10_000)] {
        let (status, _, body) = page(&server, "/", &[("accept-language", header), ("cookie", "scrawl-lang=xx")]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains(r#"<html lang="en" dir="ltr""#) && body.contains("New board"), "{header}");
    }
}

#[tokio::test]
async fn refusals_come_in_the_connections_language_with_a_code() {
    let server = TestServer::start().await;
    let (status, headers, _) = server.get_with_headers("/new").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers["location"].to_str().unwrap();
    let (path, key) = location.split_once("#k=").unwrap();
    let board = path.strip_prefix("/b/").unwrap();
    let mut owner = join_with_key(&server.addr, board, "owner", Some(key)).await.unwrap();
    let links = owner.welcome.access.links.clone().unwrap();
    ok(&mut owner.client, &SetMode { mode: Mode::Private }).await;

    // auth.lang picks the language of the connect_error.
    let german = Auth { lang: Some("de-AT".into()), ..auth(board, "stranger") };
    match join_as(&server.addr, &german).await {
        Err(ClientError::Refused(message)) => assert_eq!(message, Texts::of(Locale::De).get("error.private")),
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
    // Without it, the handshake's Accept-Language.
    let message = raw_join_with(&server.addr, board, "stranger", &[("accept-language", "fr-CA")]).await.unwrap_err();
    assert_eq!(message, Texts::of(Locale::Fr).get("error.private"));
    // A protocol v1 client that says nothing gets English, as before.
    let message = raw_join_with(&server.addr, board, "stranger", &[]).await.unwrap_err();
    assert_eq!(message, "this board is private: open it with a link from its owner");
    // A bad board name, explained in Japanese.
    let japanese = Auth { lang: Some("ja".into()), ..auth("no spaces", "stranger") };
    let ja = Texts::of(Locale::Ja);
    match join_as(&server.addr, &japanese).await {
        Err(ClientError::Refused(message)) => {
            assert_eq!(message, ja.fill("error.board", &[("why", &ja.get("name.characters"))]))
        }
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
    // A tag we do not know is no error: English.
    let unknown = Auth { lang: Some("tlh</script>".into()), ..auth(board, "stranger") };
    match join_as(&server.addr, &unknown).await {
        Err(ClientError::Refused(message)) => assert!(message.starts_with("this board is private"), "{message}"),
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }

    // A viewer's change: refused in Arabic, with the code a program reads.
    let viewer = Auth { lang: Some("ar".into()), token: Some(links.view.clone()), ..auth(board, "viewer") };
    let mut viewer = join_as(&server.addr, &viewer).await.unwrap();
    let refusal = ack(&mut viewer.client, &start_msg("v-1", vec![1.0, 2.0])).await;
    assert!(!refusal.ok);
    assert_eq!(refusal.code.as_deref(), Some("read-only"));
    assert_eq!(refusal.error.as_deref(), Some(Texts::of(Locale::Ar).get("error.view_only")));
    // The owner's own refusals: English words, a code.
    let refusal = ack(&mut owner.client, &Undo).await;
    assert_eq!(refusal.code.as_deref(), Some("nothing-to-do"));
    assert_eq!(refusal.error.as_deref(), Some("nothing to undo"));
    // And nothing was stored by the refused change.
    let fresh = join_with_key(&server.addr, board, "later", Some(&links.view)).await.unwrap();
    assert!(fresh.strokes.is_empty());
}

#[tokio::test]
async fn the_language_menu_sets_a_cookie_and_goes_back_to_a_page_of_this_site_only() {
    let server = TestServer::start().await;
    let (status, headers, _) = server.get_with_headers("/language?lang=ja&back=/b/klasse-7b").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/b/klasse-7b");
    let cookie = headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("scrawl-lang=ja;") && cookie.contains("Max-Age=31536000"), "{cookie}");
    // The page it goes back to is Japanese with that cookie.
    let (_, _, body) = page(&server, "/b/klasse-7b", &[("cookie", "scrawl-lang=ja")]).await;
    assert!(body.contains(r#"<html lang="ja""#));

    // Never away from this site, whatever `back` says.
    for back in ["//evil.example/x", "https%3A%2F%2Fevil.example", "%2F%5Cevil.example", "", "/b/%0d%0aSet-Cookie:x=1"]
    {
        let (status, headers, _) = server.get_with_headers(&format!("/language?lang=de&back={back}")).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{back}");
        assert_eq!(headers["location"], "/", "{back}");
        assert_eq!(headers.get_all("set-cookie").iter().count(), 1, "{back}");
    }
    // A language we do not have changes nothing.
    let (status, headers, _) = server.get_with_headers("/language?lang=tlh&back=/").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(headers.get("set-cookie").is_none());
    let (status, _, _) = server.get_with_headers("/language").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
