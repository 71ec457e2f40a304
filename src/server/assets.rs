//! The wasm, JS and CSS under `/pkg`, in production: read once at start,
//! each kept with brotli and gzip copies and a strong ETag, and served
//! compressed the best way the browser accepts (brotli, which browsers
//! offer over HTTPS, then gzip). The brotli copies take about 2 s, so they
//! are made in the background while gzip is served.
//!
//! The pages name the files with a version, a hash of all of them
//! (`scrawl.VERSION.wasm`), and those names are cached for a year,
//! `immutable`: a returning visitor asks nothing, and a new build gets new
//! names. The plain names (`scrawl.wasm`) are revalidated (`no-cache`,
//! then a 304 while nothing changed).

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

struct Asset {
    raw: Bytes,
    brotli: std::sync::OnceLock<Option<Bytes>>,
    gzip: Option<Bytes>,
    etag: HeaderValue,
    content_type: &'static str,
}

/// The files of the site's `pkg` folder, by name, and their version.
#[derive(Default, Clone)]
pub struct Assets {
    files: Arc<HashMap<String, Asset>>,
    version: Arc<str>,
}

/// How long a versioned name may be cached: a year, the longest HTTP caches keep.
const VERSIONED: &str = "public, max-age=31536000, immutable";

impl Assets {
    /// Reads and compresses the regular files directly in `dir`.
    pub fn load(dir: &Path) -> std::io::Result<Assets> {
        let mut files = HashMap::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if !entry.file_type()?.is_file() {
                continue;
            }
            let Ok(name) = entry.file_name().into_string() else { continue };
            let raw = std::fs::read(entry.path())?;
            files.insert(name.clone(), Asset::new(&name, raw));
        }
        Ok(Assets::from_files(files))
    }

    /// The version is the first 16 hex digits of a SHA-256 over every
    /// file's name and ETag.
    fn from_files(files: HashMap<String, Asset>) -> Assets {
        use sha2::{Digest, Sha256};
        let mut named: Vec<_> = files.iter().map(|(name, asset)| (name, &asset.etag)).collect();
        named.sort();
        let mut hash = Sha256::new();
        for (name, etag) in named {
            hash.update(name.as_bytes());
            hash.update(etag.as_bytes());
        }
        let version: String = hash.finalize()[..8].iter().map(|b| format!("{b:02x}")).collect();
        Assets { files: Arc::new(files), version: version.into() }
    }

    /// The name pages give `output_name`'s files (`NAME.VERSION`), or none
    /// when there are no files to serve (not in production).
    pub fn versioned(&self, output_name: &str) -> Option<String> {
        (!self.files.is_empty()).then(|| format!("{output_name}.{}", self.version))
    }

    /// Makes the brotli copies (quality 11: slow, so in the background);
    /// how long it took.
    pub fn compress_brotli(&self) -> std::time::Duration {
        let started = std::time::Instant::now();
        for asset in self.files.values() {
            asset.brotli.get_or_init(|| {
                let mut out = Vec::new();
                let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
                brotli::BrotliCompress(&mut &asset.raw[..], &mut out, &params).ok()?;
                // Only when it is smaller (an already compressed file is not).
                (out.len() < asset.raw.len()).then(|| Bytes::from(out))
            });
        }
        started.elapsed()
    }

    #[cfg(test)]
    fn of(files: &[(&str, &[u8])]) -> Assets {
        Assets::from_files(files.iter().map(|(name, raw)| (name.to_string(), Asset::new(name, raw.to_vec()))).collect())
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// The answer to `GET /pkg/NAME` with these request headers.
    fn answer(&self, name: &str, request: &HeaderMap) -> Response {
        // `STEM.VERSION.EXT` is `STEM.EXT` of this version; another version is gone.
        let versioned = match name.split('.').collect::<Vec<_>>()[..] {
            [stem, version, ext] if version == &*self.version => Some(format!("{stem}.{ext}")),
            _ => None,
        };
        let Some(asset) = self.files.get(versioned.as_deref().unwrap_or(name)) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let mut headers = HeaderMap::new();
        headers.insert(header::ETAG, asset.etag.clone());
        let cache = if versioned.is_some() { VERSIONED } else { "no-cache" };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        let fresh = request
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|tag| tag.trim() == asset.etag || tag.trim() == "*");
        if fresh {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
        let brotli = asset.brotli.get().and_then(Option::as_ref);
        let encoded = [("br", brotli), ("gzip", asset.gzip.as_ref())]
            .into_iter()
            .find_map(|(coding, body)| body.filter(|_| accepts(request, coding)).map(|body| (coding, body)));
        match encoded {
            Some((coding, body)) => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
                (headers, body.clone()).into_response()
            }
            None => (headers, asset.raw.clone()).into_response(),
        }
    }
}

impl Asset {
    fn new(name: &str, raw: Vec<u8>) -> Asset {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(&raw);
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        let etag = HeaderValue::from_str(&format!("\"{hex}\"")).expect("hex is a valid header");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let gzip = encoder.write_all(&raw).and_then(|()| encoder.finish()).ok();
        // Only when it is smaller (an already compressed file is not).
        let gzip = gzip.filter(|g| g.len() < raw.len()).map(Bytes::from);
        Asset { raw: Bytes::from(raw), brotli: Default::default(), gzip, etag, content_type: content_type(name) }
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("wasm") => "application/wasm",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Whether `Accept-Encoding` allows `coding`: named without `q=0`, or not
/// named and `*` allowed.
fn accepts(request: &HeaderMap, coding: &str) -> bool {
    let accept = request.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok());
    let offers: Vec<(&str, bool)> = accept
        .flat_map(|v| v.split(','))
        .map(|offered| {
            let mut parts = offered.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            (name, !parts.any(|p| p.replace(' ', "").eq_ignore_ascii_case("q=0")))
        })
        .collect();
    let allowed = |wanted: &str| offers.iter().find(|(name, _)| name.eq_ignore_ascii_case(wanted)).map(|&(_, ok)| ok);
    allowed(coding).or_else(|| allowed("*")).unwrap_or(false)
}

/// `GET /pkg/{file}`.
pub async fn serve(State(assets): State<Assets>, UrlPath(file): UrlPath<String>, headers: HeaderMap) -> Response {
    assets.answer(&file, &headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&'static str, &str)]) -> HeaderMap {
        headers.iter().map(|(k, v)| (header::HeaderName::from_static(k), HeaderValue::from_str(v).unwrap())).collect()
    }

    async fn body(response: Response) -> Vec<u8> {
        axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec()
    }

    #[tokio::test]
    async fn gzip_when_accepted_304_when_unchanged_404_otherwise() {
        let wasm: Vec<u8> = (0..20_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let assets = Assets::of(&[("scrawl.wasm", &wasm), ("tiny.js", b"x")]);

        let plain = assets.answer("scrawl.wasm", &request(&[]));
        assert_eq!(plain.status(), StatusCode::OK);
        assert_eq!(plain.headers()[header::CONTENT_TYPE], "application/wasm");
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        let etag = plain.headers()[header::ETAG].clone();
        assert_eq!(body(plain).await, wasm);

        // Gzip while the brotli copies are being made; then brotli first
        // when offered (browsers do over HTTPS), else gzip.
        let early = assets.answer("scrawl.wasm", &request(&[("accept-encoding", "gzip, br")]));
        assert_eq!(early.headers()[header::CONTENT_ENCODING], "gzip");
        assets.compress_brotli();
        let brotli = assets.answer("scrawl.wasm", &request(&[("accept-encoding", "gzip, deflate, br, zstd")]));
        assert_eq!(brotli.headers()[header::CONTENT_ENCODING], "br");
        let squeezed = body(brotli).await;
        let mut unpacked = Vec::new();
        brotli::BrotliDecompress(&mut &squeezed[..], &mut unpacked).unwrap();
        assert_eq!(unpacked, wasm);
        let gzipped = assets.answer("scrawl.wasm", &request(&[("accept-encoding", "gzip, deflate, br;q=0")]));
        assert_eq!(gzipped.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(gzipped.headers()[header::VARY], "Accept-Encoding");
        let packed = body(gzipped).await;
        assert!(packed.len() < wasm.len() / 4, "{} bytes", packed.len());
        let mut unpacked = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&packed[..]), &mut unpacked).unwrap();
        assert_eq!(unpacked, wasm);

        assert!(squeezed.len() < packed.len(), "brotli {} against gzip {} bytes", squeezed.len(), packed.len());

        // Refused codings, a tiny file compression would grow: the file as it is.
        for (name, accept) in
            [("scrawl.wasm", "gzip;q=0, identity"), ("scrawl.wasm", "br;q=0, gzip;q=0, *"), ("tiny.js", "gzip, br")]
        {
            let response = assets.answer(name, &request(&[("accept-encoding", accept)]));
            assert!(response.headers().get(header::CONTENT_ENCODING).is_none(), "{name} {accept}");
        }

        let etag = etag.to_str().unwrap().to_owned();
        let again = assets.answer("scrawl.wasm", &request(&[("if-none-match", &format!("\"other\", {etag}"))]));
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert!(body(again).await.is_empty());
        let changed = assets.answer("scrawl.wasm", &request(&[("if-none-match", "\"other\"")]));
        assert_eq!(changed.status(), StatusCode::OK);

        for name in ["nope.wasm", "../Cargo.toml", "", "scrawl.wasm/"] {
            assert_eq!(assets.answer(name, &request(&[])).status(), StatusCode::NOT_FOUND, "{name}");
        }
    }

    #[tokio::test]
    async fn versioned_names_are_cached_for_good_and_change_with_any_file() {
        let assets = Assets::of(&[("scrawl.wasm", b"wasm"), ("scrawl.js", b"js")]);
        let name = assets.versioned("scrawl").unwrap();
        assert_eq!(name.len(), "scrawl.".len() + 16);
        let response = assets.answer(&format!("{name}.wasm"), &request(&[]));
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CACHE_CONTROL], VERSIONED);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/wasm");
        assert_eq!(body(response).await, b"wasm");
        // The plain name is revalidated.
        assert_eq!(assets.answer("scrawl.wasm", &request(&[])).headers()[header::CACHE_CONTROL], "no-cache");

        // A new build of any file is a new version: the old names are gone.
        let next = Assets::of(&[("scrawl.wasm", b"wasm"), ("scrawl.js", b"js, changed")]);
        let next_name = next.versioned("scrawl").unwrap();
        assert_ne!(next_name, name);
        assert_eq!(next.answer(&format!("{name}.wasm"), &request(&[])).status(), StatusCode::NOT_FOUND);
        assert_eq!(next.answer(&format!("{next_name}.js"), &request(&[])).status(), StatusCode::OK);
        for bad in [format!("{next_name}.wasm.x"), format!("{next_name}.nope"), "scrawl..wasm".into()] {
            assert_eq!(next.answer(&bad, &request(&[])).status(), StatusCode::NOT_FOUND, "{bad}");
        }
        // Nothing to serve (not in production): pages keep the plain names.
        assert_eq!(Assets::default().versioned("scrawl"), None);
    }
}
