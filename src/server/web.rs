//! Web security for every response: `nosniff`, `no-referrer`, a
//! Content-Security-Policy whose script nonce the rendered page shares, who
//! may frame the pages, and the same-origin check on the realtime handshake;
//! and the language each page renders in.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::prelude::{provide_context, use_context};

use crate::i18n::{Locale, Texts};

/// The policy the middleware applies.
#[derive(Debug, Clone)]
pub struct WebPolicy {
    /// Origins besides the server's own that may open the realtime connection.
    pub allowed_origins: Vec<String>,
    /// The CSP `frame-ancestors` value.
    pub frame_ancestors: String,
    /// Read the host from `X-Forwarded-Host` (behind a trusted proxy).
    pub trust_proxy: bool,
}

/// The nonce of one response's Content-Security-Policy.
#[derive(Debug, Clone)]
struct CspNonce(String);

/// Adds the security headers; HTML pages get a CSP with a fresh nonce that
/// the page's inline scripts carry.
pub async fn security_headers(State(policy): State<Arc<WebPolicy>>, mut req: Request, next: Next) -> Response {
    let nonce = {
        use rand::distr::{Alphanumeric, SampleString};
        Alphanumeric.sample_string(&mut rand::rng(), 22)
    };
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(req).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if is_html {
        let csp = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {}",
            policy.frame_ancestors
        );
        if let Ok(value) = HeaderValue::from_str(&csp) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
        // The page's language comes from these; a cache must keep them apart.
        headers.append(header::VARY, HeaderValue::from_static("Accept-Language, Cookie"));
    }
    response
}

/// Makes the page render with this request's CSP nonce and in its
/// language (call it while providing the render's context).
pub fn provide_request_context() {
    let parts = use_context::<axum::http::request::Parts>();
    let nonce = parts.as_ref().and_then(|p| p.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(nonce)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
    let locale = parts.as_ref().map_or(Locale::En, |p| request_locale(&p.headers));
    provide_context(Texts::of(locale));
}

/// The language a request asks for: its `scrawl-lang` cookie, else its
/// `Accept-Language`, else English.
pub fn request_locale(headers: &HeaderMap) -> Locale {
    // HTTP/2 may split the cookies over several fields.
    let cookies: Vec<&str> = headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).collect();
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    Locale::negotiate(Some(&cookies.join("; ")).filter(|c| !c.is_empty()).map(String::as_str), accept)
}

/// Refuses a realtime handshake from a page of another origin: a browser
/// always says where a WebSocket comes from, and another site's page must
/// not join boards with its visitors' browsers.
pub async fn same_origin(State(policy): State<Arc<WebPolicy>>, req: Request, next: Next) -> Response {
    let guarded = req.uri().path().starts_with("/socket.io") || req.method() == axum::http::Method::POST;
    if guarded {
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            if !origin_allowed(origin.to_str().unwrap_or(""), req.headers(), &policy) {
                tracing::info!(origin = ?origin, "refused a realtime connection from another origin");
                return (StatusCode::FORBIDDEN, "origin not allowed\n").into_response();
            }
        }
    }
    next.run(req).await
}

fn origin_allowed(origin: &str, headers: &HeaderMap, policy: &WebPolicy) -> bool {
    if policy.allowed_origins.iter().any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin)) {
        return true;
    }
    let host = policy
        .trust_proxy
        .then(|| headers.get("x-forwarded-host"))
        .flatten()
        .or_else(|| headers.get(header::HOST))
        .and_then(|h| h.to_str().ok());
    let authority = origin.split_once("://").map(|(_, rest)| rest);
    matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        h.insert("x-forwarded-host", HeaderValue::from_static("board.example.org"));
        h
    }

    #[test]
    fn origins() {
        let mut policy = WebPolicy {
            allowed_origins: vec!["https://lms.example.org/".into()],
            frame_ancestors: String::new(),
            trust_proxy: false,
        };
        let local = headers("127.0.0.1:3000");
        assert!(origin_allowed("http://127.0.0.1:3000", &local, &policy));
        assert!(!origin_allowed("http://127.0.0.1:3001", &local, &policy));
        assert!(!origin_allowed("https://evil.example", &local, &policy));
        assert!(!origin_allowed("null", &local, &policy));
        assert!(origin_allowed("https://lms.example.org", &local, &policy));
        assert!(!origin_allowed("https://board.example.org", &local, &policy));
        policy.trust_proxy = true;
        assert!(origin_allowed("https://board.example.org", &local, &policy));
    }
}
