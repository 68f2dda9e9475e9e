//! `GET /identity/keys`: the public key tokens are signed with, as a JWKS.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::ApiState;
use crate::error::ApiError;
use crate::transaction::json_response;

/// Serves the JWKS; no token is needed, as with IBM.
pub async fn jwks(State(state): State<ApiState>) -> Result<Response, ApiError> {
    Ok(json_response(StatusCode::OK, &state.token_service().await?.jwks()))
}
