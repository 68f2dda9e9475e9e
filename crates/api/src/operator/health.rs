//! `GET /_hubspoke/health` (the facts an operator checks first) and `GET /_hubspoke/ready` (for a load balancer).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::ApiState;
use crate::transaction::json_response;

/// Answers without a token. A store that cannot be read makes the answer 503 with `status: unavailable`.
pub async fn health(State(state): State<ApiState>) -> Response {
    let store = state.app.store();
    let (status, store_status) = match store.revision().await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(error) => {
            tracing::warn!(%error, "health check could not read the store");
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
        }
    };
    json_response(
        status,
        &json!({
            "status": store_status,
            "version": env!("CARGO_PKG_VERSION"),
            "store": store.kind(),
            "enforcement": state.app.settings().enforcement.as_str(),
            "revision": state.app.replica().revision(),
            "policies_indexed": state.app.replica().index().len(),
            "uptime_seconds": state.started.elapsed().as_secs(),
        }),
    )
}

/// Ready when the database answers and this replica has caught up with it, so a load balancer sends requests only
/// to replicas that can serve them. Catching up here (rather than only reporting the lag) means a replica that missed
/// notifications is ready again as soon as the database is.
pub async fn ready(State(state): State<ApiState>) -> Response {
    let caught_up = state.app.catch_up_to_store().await;
    let revision = state.app.replica().revision();
    match caught_up {
        Ok(()) => json_response(StatusCode::OK, &json!({ "ready": true, "revision": revision })),
        Err(error) => {
            tracing::warn!(%error, "not ready");
            // Like every error, in IBM's envelope (with `Retry-After`).
            crate::ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                format!("not ready at revision {revision}: {error}"),
            )
            .into_response()
        }
    }
}
