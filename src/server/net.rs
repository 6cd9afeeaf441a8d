//! Accepting connections. HTTP/1 with a deadline for a request's headers, so a
//! client that trickles bytes cannot hold a connection open, and a graceful stop
//! that refuses new connections and lets requests in flight finish; over TLS
//! when the server has a certificate.

use super::tls::TlsIdentity;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// How long a client may take to send a request's headers.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a stop waits for requests in flight before giving up on them.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// The connection deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// From a connection's first byte (or the end of its last request) until a
    /// request's headers are complete.
    pub header_read: Duration,
    /// After the stop signal, for requests in flight.
    pub drain: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            header_read: HEADER_READ_TIMEOUT,
            drain: DRAIN_TIMEOUT,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then drains. With
/// `tls`, each connection first completes a TLS handshake, within the header
/// deadline, with the pair being served when it connected.
pub async fn serve_router(
    listener: TcpListener,
    router: Router,
    tls: Option<Arc<TlsIdentity>>,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                // Out of file descriptors and the like: back off instead of spinning.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let Some(tls) = &tls else {
            let connection =
                graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
            });
            continue;
        };
        // The handshake runs in the connection's own task, so a slow client
        // never holds up the accept loop, and it has the header deadline to
        // finish; the graceful stop watches the connection once it is up.
        let acceptor = tokio_rustls::TlsAcceptor::from(tls.current());
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let deadline = timeouts.header_read;
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(deadline, acceptor.accept(stream)).await {
                Ok(Ok(stream)) => stream,
                Ok(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%peer, "TLS handshake took longer than the header deadline");
                    return;
                }
            };
            let connection = watcher.watch(builder.serve_connection(TokioIo::new(stream), service));
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!("stopping: no new connections, finishing requests in flight");
    if tokio::time::timeout(timeouts.drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "requests still in flight after {}s were cut off",
            timeouts.drain.as_secs()
        );
    }
    Ok(())
}
