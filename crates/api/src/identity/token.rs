//! `POST /identity/token`: exchanges an API key for an access token, exactly as IBM's SDK authenticators, the CLI and
//! Terraform call it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use crate::ApiState;
use crate::error::ApiError;
use crate::tokens::TOKEN_LIFETIME_SECONDS;
use crate::transaction::json_response;

/// The grant type of an API-key exchange.
pub const APIKEY_GRANT: &str = "urn:ibm:params:oauth:grant-type:apikey";

/// Exchanges an API key. Basic credentials (Terraform and the CLI send `bx:bx`) are accepted and only decide the
/// token's `client_id`; `response_type` and `scope` are accepted and ignored.
pub async fn exchange(
    State(state): State<ApiState>,
    extensions: Extensions,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    // The peer address is there when the server runs with connection info (always, outside in-process tests).
    let client = extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    if let Some(wait) = client.and_then(|client| state.login_throttle.check(client, Instant::now()).err()) {
        let mut refused = ApiError::identity(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            format!("Too many failed API key exchanges from this address; try again in {} s", wait.as_secs() + 1),
        )
        .into_response();
        refused.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs() + 1));
        return Ok(refused);
    }
    // The whole body is read before anything is refused (see `extract::IbmJson`), and parsed as a form whatever its
    // declared type: anything that is not the API-key form lacks `grant_type` and is refused below.
    let body = body.map_err(|rejection| {
        ApiError::identity(
            StatusCode::BAD_REQUEST,
            "BXNIM0109E",
            format!("the request body could not be read: {rejection}"),
        )
    })?;
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let grant_type = form.get("grant_type").filter(|value| !value.is_empty()).ok_or_else(|| {
        ApiError::identity(StatusCode::BAD_REQUEST, "BXNIM0109E", "Property missing or empty: grant_type")
    })?;
    if grant_type != APIKEY_GRANT {
        return Err(ApiError::identity(
            StatusCode::BAD_REQUEST,
            "BXNIM0103E",
            format!("Unsupported grant type `{grant_type}`; hubspoke supports `{APIKEY_GRANT}`"),
        ));
    }
    let api_key = form.get("apikey").filter(|value| !value.is_empty()).ok_or_else(|| {
        ApiError::identity(StatusCode::BAD_REQUEST, "BXNIM0109E", "Property missing or empty: apikey")
    })?;
    let caller = match state.app.authenticate_api_key(api_key).await {
        Err(hubspoke_app::AppError::UnknownApiKey) => {
            if let Some(client) = client {
                state.login_throttle.record_failure(client, Instant::now());
            }
            return Err(hubspoke_app::AppError::UnknownApiKey.into());
        }
        other => other?,
    };
    let profile = state.app.token_profile(&caller).await?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default();
    let (token, claims) = state
        .token_service()
        .await?
        .issue(&caller, profile.as_ref(), &client_id(&headers), now)
        .map_err(|e| ApiError::from(hubspoke_app::AppError::Internal(e)))?;
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "access_token": token,
            // An API-key exchange creates no session, so IBM returns no usable refresh token either.
            "refresh_token": "not_supported",
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECONDS,
            "expiration": claims.exp,
            "scope": claims.scope,
        }),
    ))
}

/// `bx` for clients that authenticate as `bx:bx`, the client id they name otherwise, `default` without Basic auth.
fn client_id(headers: &HeaderMap) -> String {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, encoded)| STANDARD.decode(encoded.trim()).ok())
        .and_then(|decoded| String::from_utf8(decoded).ok())
        .and_then(|credentials| credentials.split_once(':').map(|(id, _)| id.to_owned()))
        .filter(|id| !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or_else(|| "default".to_owned())
}
