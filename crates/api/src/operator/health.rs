//! `GET /_hubspoke/health` (the facts an operator checks first) and `GET /_hubspoke/ready` (for a load balancer).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::ApiState;
use crate::extract::MaybeAuthenticated;
use crate::transaction::json_response;

/// Answers without a token, so it says nothing about any account's data; the operator's token adds the number of
/// policies in the decision index. A store that cannot be read makes the answer 503; one that fails writes makes
/// `status` `degraded`, with the cause in `writes.failing`.
pub async fn health(State(state): State<ApiState>, MaybeAuthenticated(caller): MaybeAuthenticated) -> Response {
    let health = state.app.health().await;
    let degraded = health.write_failure.is_some() || !health.dns_unserved.is_empty();
    let (status, text) = match (health.readable, degraded) {
        (false, _) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        // The process serves reads; `/_hubspoke/ready` is what turns 503 and takes it out of a load balancer.
        (true, true) => (StatusCode::OK, "degraded"),
        (true, false) => (StatusCode::OK, "ok"),
    };
    let mut body = json!({
        "status": text,
        "version": env!("CARGO_PKG_VERSION"),
        "store": state.app.store().kind(),
        "enforcement": state.app.settings().enforcement.as_str(),
        "revision": health.revision,
        "uptime_seconds": state.started.elapsed().as_secs(),
    });
    if caller.is_some_and(|caller| caller.is_operator()) {
        body["policies_indexed"] = json!(state.app.replica().index().len());
        // Which secondary zones serve a stale copy (or none): other accounts' resources, so for operators only.
        if !health.dns_transfer_failures.is_empty() {
            body["dns_transfers_failing"] = json!(health.dns_transfer_failures);
        }
    }
    if let Some(failure) = health.write_failure {
        body["writes"] = json!({ "failing": failure });
    }
    if !health.dns_unserved.is_empty() {
        body["dns"] = json!({ "unserved": health.dns_unserved });
    }
    json_response(status, &body)
}

/// Ready when the database answers, writes succeed and this replica has caught up (see `App::ready`).
pub async fn ready(State(state): State<ApiState>) -> Response {
    match state.app.ready().await {
        Ok(revision) => json_response(StatusCode::OK, &json!({ "ready": true, "revision": revision })),
        Err(error) => {
            let revision = state.app.replica().revision();
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
