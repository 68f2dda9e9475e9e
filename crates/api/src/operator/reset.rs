//! `POST /_hubspoke/reset`: the operator removes every policy, network resource and event, of one account or all.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson};
use crate::transaction::json_response;

/// The body: `{}` for every account, `{"account_id": ...}` for one.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetBody {
    #[serde(default)]
    account_id: Option<String>,
}

/// Resets, and answers the reset's revision once this replica serves the empty state.
pub async fn reset(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    IbmJson(body): IbmJson<ResetBody>,
) -> Result<Response, ApiError> {
    let revision = state.app.reset(&caller, body.account_id.as_deref()).await?;
    Ok(json_response(StatusCode::OK, &json!({ "revision": revision })))
}
