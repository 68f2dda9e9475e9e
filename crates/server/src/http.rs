//! The HTTP listener: hyper with the limits a server facing untrusted clients needs, which `axum::serve` does not let
//! us set — how long a client may take to send its headers, and how large they may be.

use std::future::Future;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use hubspoke_api::Api;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

/// The most header bytes a request may carry; more gets 431 from hyper. IBM's SDKs send well under 4 KiB.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// How long shutdown waits for in-flight requests before it drops them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `api` on `listener` until `shutdown` completes, then lets in-flight requests finish (for a while).
/// Each request carries its client's address as [`ConnectInfo`], as `into_make_service_with_connect_info` would.
///
/// A client gets `client_timeout` to send a request's headers, and as long again for its body: a slow client cannot
/// hold a connection open forever by trickling either (the slowloris attack).
pub async fn serve(listener: TcpListener, api: Api, client_timeout: Duration, shutdown: impl Future<Output = ()>) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(client_timeout).max_buf_size(MAX_HEADER_BYTES);
    builder.http2().timer(TokioTimer::new()).max_header_list_size(MAX_HEADER_BYTES as u32);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Running out of file descriptors is the usual cause; pausing lets connections close.
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // A response can leave in more than one write (a list page's kept items); without this, each write after
        // the first would wait for the client to acknowledge the one before.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%peer, %error, "setting TCP_NODELAY failed");
        }
        let api = api.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let mut request = request.map(|body| Body::new(TimeoutBody::new(client_timeout, body)));
            request.extensions_mut().insert(ConnectInfo(peer));
            api.clone().oneshot(request)
        });
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("in-flight requests did not finish within {SHUTDOWN_GRACE:?}; dropping them");
    }
}
