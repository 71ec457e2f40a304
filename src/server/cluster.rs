//! A node of a cluster (`--node-addr`, on PostgreSQL). Each board is held
//! by one node at a time, by its lease (`storage::leases`); that node runs
//! every realtime session of the board, so the board has one sequencer and
//! one in-memory state, exactly as on a single server. A request for a
//! board held elsewhere (its socket, page or API) is forwarded to that node
//! as it is, by a plain HTTP proxy that carries WebSocket upgrades too: any
//! node serves any board, behind any load balancer. The keeper gives up
//! leases no open board uses, and closes the boards whose lease was lost.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;

use super::realtime::Realtime;
use crate::protocol::BoardName;
use crate::storage::leases::{Holder, Leases};
use crate::storage::StorageError;

/// Marks a request one node forwarded to another: it is not forwarded again.
const FORWARDED: &str = "x-scrawl-forwarded";
/// How long a request waits for a board changing nodes (its holder died or
/// is shutting down) before it is refused.
const HANDOVER_WAIT: Duration = Duration::from_secs(10);
/// A lease no open board uses is kept this long, for the socket that
/// usually follows a page view and for a quick reconnection.
const LEASE_LINGER: Duration = Duration::from_secs(10);
/// How long reaching another node may take, and its answer (a page, an
/// upload, a WebSocket handshake).
const CONNECT_WAIT: Duration = Duration::from_secs(2);
const ANSWER_WAIT: Duration = Duration::from_secs(30);
/// How often the lease connection is checked and idle leases given up.
const KEEP_EVERY: Duration = Duration::from_secs(1);

/// The routing layer's state: this node's leases and whether to take the
/// client's address from `X-Forwarded-For`.
#[derive(Clone)]
pub struct Cluster {
    pub leases: Arc<Leases>,
    pub trust_proxy: bool,
}

/// Why a request could not reach the board's node.
#[derive(Debug, thiserror::Error)]
enum ForwardError {
    #[error("cannot reach node {node}: {error}")]
    Connect { node: String, error: std::io::Error },
    #[error("node {node} failed the request: {error}")]
    Http { node: String, error: hyper::Error },
    #[error("node {node} did not answer in time")]
    NoAnswer { node: String },
}

/// The board a request is for: `/b/{name}`, `/api/boards/{name}…`, or a
/// socket's `?board=` (see `socketio::ws_path`). A name that needs escaping
/// is no board name: such a request is served (and refused) here.
fn board_of(uri: &Uri) -> Option<BoardName> {
    let path = uri.path();
    let name = if let Some(rest) = path.strip_prefix("/b/").or_else(|| path.strip_prefix("/api/boards/")) {
        rest.split('/').next()?
    } else if path == "/socket.io/" || path == "/socket.io" {
        uri.query()?.split('&').find_map(|pair| pair.strip_prefix("board="))?
    } else {
        return None;
    };
    BoardName::new(name).ok()
}

/// Serves a board's request here if this node holds the board (taking its
/// lease if it is free), else forwards it to the node that does. While the
/// board changes nodes, it waits up to `HANDOVER_WAIT`.
pub async fn route(State(cluster): State<Cluster>, request: Request, next: Next) -> Response {
    let Some(board) = board_of(request.uri()) else { return next.run(request).await };
    let forwarded = request.headers().contains_key(FORWARDED);
    let started = Instant::now();
    let mut request = Some(request);
    loop {
        let why = match cluster.leases.acquire(&board).await {
            // The lease lingers after this use; the board's load takes its own.
            Ok(Holder::Here(_)) => return next.run(request.take().expect("not yet sent")).await,
            Ok(Holder::Node(node)) if !forwarded => {
                match forward(&cluster, &node, request.take().expect("not yet sent")).await {
                    Ok(response) => return response,
                    // The request is gone with the attempt; the client retries.
                    Err((e, None)) => return refuse(&e.to_string()),
                    Err((e, Some(back))) => {
                        request = Some(back);
                        e.to_string()
                    }
                }
            }
            // A forwarded request is not forwarded again, nor kept waiting:
            // the node that sent it answers the client.
            Ok(Holder::Node(node)) => return refuse(&format!("forwarded here, but node {node} holds the board")),
            Err(e) if forwarded || matches!(e, StorageError::Busy) => return refuse(&e.to_string()),
            Err(e) => e.to_string(),
        };
        if started.elapsed() >= HANDOVER_WAIT {
            tracing::warn!(board = %board, error = %why, "gave up waiting for the board's node");
            return refuse(&why);
        }
        tracing::debug!(board = %board, error = %why, "waiting for the board's node");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn refuse(why: &str) -> Response {
    let mut response =
        (StatusCode::SERVICE_UNAVAILABLE, format!("the board is changing nodes; retry ({why})\n")).into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// Sends `request` to `node` and returns its answer; a WebSocket upgrade is
/// then spliced through. A node that cannot be reached gives the request
/// back, for another try once the board has changed hands.
async fn forward(
    cluster: &Cluster,
    node: &str,
    mut request: Request,
) -> Result<Response, (ForwardError, Option<Request>)> {
    let connect = tokio::time::timeout(CONNECT_WAIT, tokio::net::TcpStream::connect(node)).await;
    let stream = match connect.unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into())) {
        Ok(stream) => stream,
        Err(error) => return Err((ForwardError::Connect { node: node.to_owned(), error }, Some(request))),
    };
    let _ = stream.set_nodelay(true);
    // A request's own path and query are a valid URI.
    let uri = request.uri().path_and_query().and_then(|p| p.as_str().parse().ok()).unwrap_or_default();
    let upgrade = request.headers().contains_key(header::UPGRADE).then(|| hyper::upgrade::on(&mut request));
    let client = client_address(cluster, &request);
    let (mut parts, body) = request.into_parts();
    parts.uri = uri;
    parts.headers.insert(FORWARDED, HeaderValue::from_static("1"));
    // The holder takes the last X-Forwarded-For entry as the client's address.
    if let Ok(value) = HeaderValue::from_str(&client) {
        parts.headers.append("x-forwarded-for", value);
    }
    let http = |error| ForwardError::Http { node: node.to_owned(), error };
    // The HTTP/1 handshake only sets up the connection: no round trip.
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| (http(e), None))?;
    tokio::spawn(async move {
        if let Err(e) = connection.with_upgrades().await {
            tracing::debug!(error = %e, "a forwarded connection ended");
        }
    });
    let sent = tokio::time::timeout(ANSWER_WAIT, sender.send_request(Request::from_parts(parts, body))).await;
    let Ok(sent) = sent else { return Err((ForwardError::NoAnswer { node: node.to_owned() }, None)) };
    let mut response = sent.map_err(|e| (http(e), None))?;
    if let (Some(client), StatusCode::SWITCHING_PROTOCOLS) = (upgrade, response.status()) {
        let node = hyper::upgrade::on(&mut response);
        tokio::spawn(async move {
            let (Ok(client), Ok(node)) = (client.await, node.await) else { return };
            let _ = tokio::io::copy_bidirectional(&mut TokioIo::new(client), &mut TokioIo::new(node)).await;
        });
    }
    Ok(response.map(Body::new))
}

/// The client's address as this node sees it.
fn client_address(cluster: &Cluster, request: &Request) -> String {
    let peer = request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0);
    super::limits::client_ip(request.headers(), peer, cluster.trust_proxy).to_string()
}

/// Every `KEEP_EVERY`: checks the lease connection and gives up leases no
/// open board has used for `LEASE_LINGER`. Once the leases are lost (the
/// connection dropped), every open board is closed and its members
/// reconnect, to wherever the board goes; leases are taken again only
/// after the writer has refused what those boards had queued.
pub async fn keep_leases(realtime: Arc<Realtime>, leases: Arc<Leases>) {
    let mut tick = tokio::time::interval(KEEP_EVERY);
    loop {
        tick.tick().await;
        leases.check().await;
        if leases.is_lost() {
            for name in realtime.boards.open_names() {
                tracing::warn!(board = %name, "lost the board's lease; its members reconnect to its next node");
                super::realtime::hand_over(&realtime, &name);
            }
            match realtime.boards.storage().flush().await {
                Ok(()) => {
                    leases.reconnect().await;
                }
                Err(e) => tracing::warn!(error = %e, "cannot take leases again before the writer catches up"),
            }
        }
        // A copy opened under a lease since lost or taken again (its load
        // raced the loss): it must not serve.
        for name in realtime.boards.open_names() {
            if realtime.boards.with_open(&name, |b| b.fence()).is_some_and(|fence| fence != leases.epoch(&name)) {
                tracing::warn!(board = %name, "closing a copy of the board opened under an old lease");
                super::realtime::hand_over(&realtime, &name);
            }
        }
        // Everything written under a lease before it goes: a change queued
        // under it must not be written under a later one.
        let idle = leases.idle_for(LEASE_LINGER);
        if !idle.is_empty()
            && matches!(tokio::time::timeout(KEEP_EVERY, realtime.boards.storage().flush()).await, Ok(Ok(())))
        {
            leases.release(idle).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_name_their_board() {
        let board = |uri: &str| board_of(&uri.parse().unwrap()).map(|b| b.to_string());
        assert_eq!(board("/b/team").as_deref(), Some("team"));
        assert_eq!(board("/api/boards/team/history").as_deref(), Some("team"));
        assert_eq!(board("/socket.io/?EIO=4&transport=websocket&board=team").as_deref(), Some("team"));
        assert_eq!(board(&crate::socketio::ws_path("a-b_c")).as_deref(), Some("a-b_c"));
        assert_eq!(board("/socket.io/?EIO=4&transport=websocket"), None);
        assert_eq!(board(&crate::socketio::ws_path("a b")), None);
        assert_eq!(board("/healthz"), None);
        assert_eq!(board("/pkg/scrawl.js"), None);
        assert_eq!(board("/socket.io/?board=%zz"), None);
        assert_eq!(board("/b/"), None);
    }
}
