//! The `Transaction-Id` middleware: every response carries one, and every error body is rendered with it.
//!
//! IBM echoes a client's `Transaction-Id` (Terraform sets it and reads it back into its state) and generates a
//! 32-hex-character one otherwise; error bodies repeat it as `trace`.

use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use tracing::Instrument;

use crate::error::ApiError;

/// The request extension holding the transaction id.
#[derive(Clone, Debug)]
pub struct TransactionId(pub String);

/// The header name IBM uses.
pub const TRANSACTION_ID: &str = "transaction-id";

fn acceptable(value: &str) -> bool {
    (1..=128).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_graphic())
}

/// Assigns the transaction id, runs the request, and renders errors.
pub async fn transaction(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(TRANSACTION_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|value| acceptable(value))
        .map(str::to_owned)
        .unwrap_or_else(|| {
            // From the thread's generator rather than a system call per request, as `new_v4` would make.
            uuid::Builder::from_random_bytes(rand::random()).into_uuid().simple().to_string()
        });
    request.extensions_mut().insert(TransactionId(id.clone()));
    // The route template (`/v1/policies/{policy_id}`), not the path, names the operation: metrics stay bounded.
    let operation = request.extensions().get::<MatchedPath>().map_or("unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let span = tracing::info_span!("request", transaction_id = %id, method = %method, operation = %operation);
    let response = next.run(request).instrument(span.clone()).await;
    let mut response = render_error(response, &id);
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    metrics::counter!("hubspoke_http_requests_total", "operation" => operation.clone(), "method" => method.clone(), "status" => status.to_string()).increment(1);
    metrics::histogram!("hubspoke_http_request_duration_seconds", "operation" => operation, "method" => method)
        .record(elapsed.as_secs_f64());
    span.in_scope(|| tracing::info!(status, duration_ms = elapsed.as_secs_f64() * 1000.0, "request served"));
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(TRANSACTION_ID, value);
    }
    response
}

/// Gives an error response its IBM body. Errors raised by layers below the handlers (for example axum's own
/// rejections) carry no [`ApiError`]; they are given one from their status, so that no client ever sees a bare
/// text error.
fn render_error(response: Response, transaction_id: &str) -> Response {
    let status = response.status();
    let error = match response.extensions().get::<ApiError>() {
        Some(error) => error.clone(),
        None if status.is_client_error() || status.is_server_error() => fallback_error(status),
        None => return response,
    };
    let mut rendered = json_response(error.status, &error.body(transaction_id));
    // A handler that knows when to come back (the login throttle) says so; a 503 always invites a retry soon.
    if let Some(retry_after) = response.headers().get(header::RETRY_AFTER) {
        rendered.headers_mut().insert(header::RETRY_AFTER, retry_after.clone());
    } else if error.status == StatusCode::SERVICE_UNAVAILABLE {
        rendered.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    rendered
}

fn fallback_error(status: StatusCode) -> ApiError {
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ("invalid_body", format!("the request body is larger than {} bytes", crate::MAX_BODY_BYTES))
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported_content_type", "the request body must be `application/json`".to_owned())
        }
        StatusCode::REQUEST_TIMEOUT => ("request_not_processed", "the request took too long to arrive".to_owned()),
        status if status.is_client_error() => ("invalid_body", format!("the request was refused: {status}")),
        _ => ("unable_to_process", "the request could not be processed".to_owned()),
    };
    ApiError::new(status, code, message)
}

/// A JSON response with the content type IBM's services send. Most bodies are built as a `serde_json::Value`; the
/// busiest representations are typed structs, written without building one.
pub fn json_response(status: StatusCode, body: &impl serde::Serialize) -> Response {
    let mut bytes = Vec::with_capacity(128);
    match serde_json::to_writer(&mut bytes, body) {
        Ok(()) => {}
        // Neither a `Value` nor our types can fail to serialise (no map has keys that are not strings); should one
        // ever, the client is told so rather than given half a body.
        Err(error) => {
            tracing::error!(%error, "a response body did not serialise");
            return crate::error::ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "unable_to_process",
                "the request could not be processed",
            )
            .into_response();
        }
    };
    json_bytes_response(status, Bytes::from(bytes))
}

/// A JSON response of bytes already written (a kept rendering).
pub fn json_bytes_response(status: StatusCode, json: Bytes) -> Response {
    let mut response = (status, Body::from(json)).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    response
}
