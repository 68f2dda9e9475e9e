//! `GET /_hubspoke/health`: liveness with the facts an operator checks first.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
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
