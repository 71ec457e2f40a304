//! A bare HTTP/1.1 GET, enough for the scenarios that read the server's
//! HTTP side: its status line and headers, and the body as sent.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct Response {
    /// The status line and headers, header names lower-cased.
    pub head: String,
    /// The body as sent (compressed if the server compressed it).
    pub body: Vec<u8>,
}

impl Response {
    /// The value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(':').map(str::trim))
    }
}

/// `GET path`, accepting `accept_encoding`; an error unless the answer is 200.
pub async fn get(addr: &str, path: &str, accept_encoding: &str) -> anyhow::Result<Response> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: {accept_encoding}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| anyhow::anyhow!("no headers"))?;
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    anyhow::ensure!(head.starts_with("http/1.1 200"), "GET {path}: {}", head.lines().next().unwrap_or_default());
    let body = response.split_off(split + 4);
    let body = if head.contains("transfer-encoding: chunked") { dechunk(&body) } else { body };
    Ok(Response { head, body })
}

/// The body of a chunked HTTP/1.1 response.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    while let Some(eol) = body.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&body[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 || body.len() < eol + 2 + size {
            break;
        }
        out.extend_from_slice(&body[eol + 2..eol + 2 + size]);
        body = &body[eol + 2 + size + 2..];
    }
    out
}
