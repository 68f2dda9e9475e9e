//! The request middleware: every response carries a `Transaction-Id`, every error body is rendered with it, every
//! request is served at the revision it asks for, and every request is counted and timed.
//!
//! IBM echoes a client's `Transaction-Id` (Terraform sets it and reads it back into its state) and generates a
//! 32-hex-character one otherwise; error bodies repeat it as `trace`.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use tracing::Instrument;

use crate::ApiState;
use crate::error::ApiError;

/// The request extension holding the transaction id, kept as the header value it is answered in.
#[derive(Clone, Debug)]
pub struct TransactionId(HeaderValue);

impl TransactionId {
    /// The client's own id when it sent an acceptable one, a new one otherwise.
    fn of(request: &Request) -> TransactionId {
        match request.headers().get(TRANSACTION_ID).filter(|value| acceptable(value.as_bytes())) {
            Some(value) => TransactionId(value.clone()),
            None => {
                // From the thread's generator rather than a system call per request, as `new_v4` would make.
                let uuid = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
                let mut text = [0u8; uuid::fmt::Simple::LENGTH];
                let text = uuid.simple().encode_lower(&mut text);
                TransactionId(HeaderValue::from_str(text).expect("hexadecimal digits are a valid header value"))
            }
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Only visible ASCII is ever accepted or generated.
        self.0.to_str().unwrap_or_default()
    }
}

/// The header name IBM uses.
pub const TRANSACTION_ID: &str = "transaction-id";

fn acceptable(value: &[u8]) -> bool {
    (1..=128).contains(&value.len()) && value.iter().all(u8::is_ascii_graphic)
}

/// Assigns the transaction id, serves the request at the revision it asks for, renders errors, and counts the
/// request. One middleware rather than one per concern: each layer clones the routes below it and boxes a future
/// on every request.
pub async fn transaction(State(state): State<ApiState>, mut request: Request, next: Next) -> Response {
    let id = TransactionId::of(&request);
    request.extensions_mut().insert(id.clone());
    // The route template (`/v1/policies/{policy_id}`), not the path, names the operation: metrics stay bounded.
    let operation = request.extensions().get::<MatchedPath>().cloned();
    let operation = operation.as_ref().map_or("unmatched", MatchedPath::as_str);
    let method = request.method().clone();
    let started = Instant::now();
    let span = tracing::info_span!("request", transaction_id = id.as_str(), method = %method, operation);
    let response = crate::revision::serve(&state, request, next).instrument(span.clone()).await;
    let mut response = render_error(response, id.as_str());
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state.meters.record(operation, &method, status, elapsed);
    span.in_scope(|| tracing::info!(status, duration_ms = elapsed.as_secs_f64() * 1000.0, "request served"));
    response.headers_mut().insert(TRANSACTION_ID, id.0);
    response
}

/// The request counter and timer of each operation, method and status, registered on first use. Building a
/// metric's labels and finding it in the registry on every request cost more than a kept read's own work.
#[derive(Default)]
pub struct Meters(RwLock<HashMap<String, Vec<Meter>>>);

/// The metrics of one operation, method and status.
struct Meter {
    method: Method,
    status: u16,
    requests: metrics::Counter,
    duration: metrics::Histogram,
}

impl Meter {
    fn record(&self, elapsed: Duration) {
        self.requests.increment(1);
        self.duration.record(elapsed.as_secs_f64());
    }
}

impl Meters {
    fn record(&self, operation: &str, method: &Method, status: u16, elapsed: Duration) {
        let find = |meters: &[Meter]| meters.iter().position(|m| m.method == method && m.status == status);
        {
            let meters = self.0.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(meter) = meters.get(operation).and_then(|kept| Some(&kept[find(kept)?])) {
                return meter.record(elapsed);
            }
        }
        let mut meters = self.0.write().unwrap_or_else(PoisonError::into_inner);
        let kept = meters.entry(operation.to_owned()).or_default();
        let at = find(kept).unwrap_or_else(|| {
            let (operation, method_name) = (operation.to_owned(), method.to_string());
            kept.push(Meter {
                method: method.clone(),
                status,
                requests: metrics::counter!("hubspoke_http_requests_total", "operation" => operation.clone(), "method" => method_name.clone(), "status" => status.to_string()),
                duration: metrics::histogram!("hubspoke_http_request_duration_seconds", "operation" => operation, "method" => method_name),
            });
            kept.len() - 1
        });
        kept[at].record(elapsed);
    }
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
