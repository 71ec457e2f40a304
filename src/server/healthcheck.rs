//! `scrawl healthcheck`: asks a running server for `/healthz` over plain
//! HTTP/1.1, so a container image with no shell and no curl can still say
//! whether it is healthy.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long the whole probe may take.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// `/healthz` answers one line; read no more than this of any answer.
const MAX_ANSWER: u64 = 16 * 1024;

/// Why the server is not healthy.
#[derive(Debug, thiserror::Error)]
pub enum HealthcheckError {
    #[error("no answer from {0} within {TIMEOUT:?}")]
    Timeout(SocketAddr),
    #[error("cannot reach {addr}: {reason}")]
    Unreachable { addr: SocketAddr, reason: std::io::Error },
    #[error("{addr} is unhealthy: {answer}")]
    Unhealthy { addr: SocketAddr, answer: String },
}

/// Probes the server listening on `listen` and returns the body of its 200
/// answer. A wildcard address (`0.0.0.0`, `::`) is probed on loopback.
pub async fn probe(listen: SocketAddr) -> Result<String, HealthcheckError> {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let addr = SocketAddr::new(ip, listen.port());
    tokio::time::timeout(TIMEOUT, get_healthz(addr)).await.map_err(|_| HealthcheckError::Timeout(addr))?
}

async fn get_healthz(addr: SocketAddr) -> Result<String, HealthcheckError> {
    let unreachable = |reason| HealthcheckError::Unreachable { addr, reason };
    let mut stream = TcpStream::connect(addr).await.map_err(unreachable)?;
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.map_err(unreachable)?;
    let mut answer = Vec::new();
    stream.take(MAX_ANSWER).read_to_end(&mut answer).await.map_err(unreachable)?;
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head.lines().next().unwrap_or_default();
    if status.starts_with("HTTP/1.1 200 ") {
        Ok(body.to_owned())
    } else {
        let answer = format!("{status} {body}").trim().to_owned();
        Err(HealthcheckError::Unhealthy {
            addr,
            answer: if answer.is_empty() { "an empty answer".into() } else { answer },
        })
    }
}
