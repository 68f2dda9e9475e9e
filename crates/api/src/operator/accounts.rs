//! `POST /_hubspoke/accounts` and `GET /_hubspoke/accounts`: the operator creates and lists accounts.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hubspoke_app::identity::Account;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson};
use crate::transaction::json_response;
use crate::wire::timestamp;

/// The body of `POST /_hubspoke/accounts`.
#[derive(Debug, Deserialize)]
pub struct CreateAccount {
    name: String,
    #[serde(default)]
    id: Option<String>,
    /// The administrator's API key, when the operator chooses it (fixtures); generated otherwise.
    #[serde(default)]
    apikey: Option<String>,
}

fn account_json(account: &Account) -> Value {
    json!({
        "id": account.id.as_str(),
        "name": account.name,
        "created_at": timestamp(hubspoke_iam::Timestamp(account.created_at)),
    })
}

/// Creates an account and answers 201 with its administrator's API key, which is shown only this once.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    IbmJson(body): IbmJson<CreateAccount>,
) -> Result<Response, ApiError> {
    let (created, _revision) =
        state.app.create_account(&caller, &body.name, body.id.as_deref(), body.apikey.as_deref()).await?;
    let mut body = account_json(&created.account);
    body["apikey"] = Value::String(created.api_key);
    Ok(json_response(StatusCode::CREATED, &body))
}

/// Lists every account.
pub async fn list(State(state): State<ApiState>, Authenticated(caller): Authenticated) -> Result<Response, ApiError> {
    let accounts = state.app.list_accounts(&caller).await?;
    let accounts: Vec<Value> = accounts.iter().map(account_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "accounts": accounts })))
}
