//! `GET /v1/accounts/{account_id}/settings/identity`: an account's IAM settings, as `IamIdentityV1` and the
//! Terraform data source `ibm_iam_account_settings` read them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use hubspoke_app::identity::AccountSettings;
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, Params};
use crate::transaction::json_response;

/// The SDK's `AccountSettingsResponse`. hubspoke enforces none of these restrictions, so each reads as IBM shows
/// a setting nobody changed: `NOT_SET`, `NONE`, or empty.
fn render(settings: &AccountSettings) -> Value {
    json!({
        "account_id": settings.account.as_str(),
        "entity_tag": settings.entity_tag,
        "restrict_create_service_id": "NOT_SET",
        "restrict_create_platform_apikey": "NOT_SET",
        "restrict_user_list_visibility": "NOT_RESTRICTED",
        "allowed_ip_addresses": "",
        "mfa": "NONE",
        "user_mfa": [],
        "restrict_user_domains": [],
        "session_expiration_in_seconds": "NOT_SET",
        "session_invalidation_in_seconds": "NOT_SET",
        "max_sessions_per_identity": "NOT_SET",
        "system_access_token_expiration_in_seconds": "NOT_SET",
        "system_refresh_token_expiration_in_seconds": "NOT_SET",
        "history": [],
    })
}

/// Reads the caller's own account's settings; `include_history` and `resolve_user_mfa` are accepted (there is no
/// history, and no user has MFA settings).
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(account_id): Path<String>,
    _params: Params,
) -> Result<Response, ApiError> {
    let settings = state.app.account_settings(&caller, &account_id).await?;
    Ok(json_response(StatusCode::OK, &render(&settings)))
}
