//! The accept loop: what stands between the network and the application, so that no client can
//! take the bridge from everyone else. Each connection needs a file descriptor, so connections
//! are capped below the process's file limit (raised to its hard limit at start) and per client
//! address; a connection over a cap is answered `503` and closed rather than left to pile up.
//! Request headers must arrive within a timeout and whole requests within another, so half-sent
//! requests cannot hold their slot. Stopping closes the listener, lets requests in flight finish,
//! and gives open connections a bounded time before it returns.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tower::{Service, ServiceExt};

use crate::proxy::TrustedProxies;
use crate::slots::Slots;

/// File descriptors kept for everything but client connections: the database, outgoing calls
/// to the model and the inbox, files being served, logs.
const RESERVED_FILES: u64 = 128;

/// What the accept loop allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Open client connections in all; `None` derives it from the file limit.
    pub max_connections: Option<usize>,
    /// Open connections from one client address; `None` for no cap.
    pub per_client: Option<usize>,
    /// How long a client may take to send a request's headers.
    pub header_timeout: Duration,
    /// How long open connections get to finish when the bridge stops.
    pub shutdown_grace: Duration,
    /// How long, after a stop signal, the bridge keeps serving while `/readyz` says it is
    /// stopping, so a load balancer sends new visitors elsewhere before streams end.
    pub drain: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: None,
            per_client: Some(256),
            header_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
            drain: Duration::ZERO,
        }
    }
}

/// Raises the soft limit on open files to the hard one, and answers how many client connections
/// fit under it.
pub fn connection_capacity() -> usize {
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(error) => {
            tracing::warn!(%error, "the open-file limit could not be read or raised");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1_024, |(soft, _)| soft)
        }
    };
    usize::try_from(limit.saturating_sub(RESERVED_FILES).max(16)).unwrap_or(usize::MAX)
}

/// Serves `app` on `listener` within `limits` until `stop` completes, then closes the listener,
/// lets every connection finish what it is doing, and returns once they have or the grace has
/// passed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    proxies: &TrustedProxies,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    let max = limits.max_connections.unwrap_or_else(connection_capacity);
    let slots = Slots::new(Some(max), limits.per_client);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    builder.http2().timer(TokioTimer::new()).keep_alive_interval(Some(limits.header_timeout));
    let graceful = GracefulShutdown::new();
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    tokio::pin!(stop);
    loop {
        let (stream, client) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors despite the cap (or a connection reset before it was
                    // taken): wait a moment rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        // A trusted proxy carries many clients' connections: only the total cap applies to it.
        let slot = if proxies.trusts(client.ip()) {
            slots.take_shared(client.ip())
        } else {
            slots.take(client.ip())
        };
        let Some(slot) = slot else {
            tokio::spawn(refuse(stream));
            continue;
        };
        let service = match make_service.call(client).await {
            Ok(service) => service,
            Err(never) => match never {},
        };
        let hyper_service = hyper::service::service_fn(move |request: Request<Incoming>| {
            service.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), hyper_service);
        let connection = graceful.watch(connection.into_owned());
        tokio::spawn(async move {
            let _slot = slot;
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the shutdown grace; closing them");
    }
    Ok(())
}

/// The whole answer to a connection over a cap.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json\r\nContent-Length: 87\r\nConnection: close\r\n\r\n{\"error\":{\"code\":\"too_many_connections\",\"message\":\"Too many connections; retry soon.\"}}";

/// Tells a client over a cap to come back later, without reading its request.
async fn refuse(mut stream: TcpStream) {
    let answered = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(BUSY).await?;
        stream.shutdown().await
    });
    let _: Result<io::Result<()>, _> = answered.await;
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_busy_answer_says_its_length_right() {
        let answer = std::str::from_utf8(super::BUSY).expect("text");
        let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
        assert!(head.contains(&format!("Content-Length: {}", body.len())));
    }
}
