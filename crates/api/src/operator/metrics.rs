//! `GET /metrics`: the Prometheus text exposition of the process's metrics (no token, like health, for scrapers).

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::ApiState;

/// Request counts and latencies by operation, decisions by result, DNS queries by rcode, store write latency.
pub async fn metrics(State(state): State<ApiState>) -> Response {
    let mut response = (state.metrics)().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    response
}
