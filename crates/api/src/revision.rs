//! Revisions on the wire: every write answers `Hubspoke-Revision: N`, the change-log revision it committed at, and a
//! request carrying `Hubspoke-Min-Revision: N` is served from state that includes revision N.
//!
//! With several replicas behind a load balancer, a client that wrote through one replica and reads through another
//! sends the revision its write answered and reads its own write. hubspoke's names, not IBM's: IBM's APIs have no
//! such headers, and the official SDKs neither send nor need them.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{ApiError, ApiState};

/// The revision a write committed at (responses to writes only).
pub const REVISION: HeaderName = HeaderName::from_static("hubspoke-revision");

/// The revision a request must be served at or after.
pub const MIN_REVISION: HeaderName = HeaderName::from_static("hubspoke-min-revision");

/// Serves a request (called by the request middleware, [`crate::transaction::transaction`]): waits for nothing (the
/// wanted revision is read from the database at once), then answers the revision the request wrote, if it wrote.
pub async fn serve(state: &ApiState, request: Request, next: Next) -> Response {
    if let Some(value) = request.headers().get(MIN_REVISION) {
        let wanted = match value.to_str().ok().and_then(|text| text.trim().parse::<u64>().ok()) {
            Some(wanted) => wanted,
            None => {
                let shown = String::from_utf8_lossy(value.as_bytes()).into_owned();
                return ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_header",
                    format!("`{MIN_REVISION}` must be a revision number, not `{shown}`"),
                )
                .into_response();
            }
        };
        if let Err(error) = state.app.catch_up(wanted).await {
            return ApiError::from(error).into_response();
        }
    }
    let (mut response, written) = hubspoke_app::revision::scope(next.run(request)).await;
    if let Some(revision) = written {
        response.headers_mut().insert(REVISION, HeaderValue::from(revision));
    }
    response
}
