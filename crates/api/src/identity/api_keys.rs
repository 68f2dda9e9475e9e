//! `/v1/apikeys`: the API keys of users and service IDs, as `IamIdentityV1` and Terraform's `ibm_iam_api_key` and
//! `ibm_iam_service_api_key` call them. A key's secret is in the create response only (or, for a service ID's key
//! created with `store_value`, in every read); elsewhere `apikey` is `""`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hubspoke_app::identities::{ApiKey, KeyFilter, KeyInput, KeyUpdate, ListOrder, entity_tag};
use hubspoke_iam::Timestamp;
use hubspoke_iam::identity::{IdentityKind, identity_crn};
use serde::Deserialize;
use serde_json::{Value, json};

use super::service_ids::entity_lock;
use super::{IdentityError, descending, identity_timestamp, page_links, pagesize};
use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson, IfMatch, Params};
use crate::transaction::json_response;

/// A new key, as `POST /v1/apikeys` and the `apikey` member of `POST /v1/serviceids` describe it.
#[derive(Debug, Deserialize)]
pub struct NewKeyBody {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    apikey: Option<String>,
    #[serde(default)]
    store_value: Option<bool>,
    #[serde(default)]
    action_when_leaked: Option<String>,
    #[serde(default)]
    expires_at: Option<String>,
    #[serde(default)]
    support_sessions: Option<bool>,
}

impl NewKeyBody {
    /// What the app makes the key of (unlocked; `Entity-Lock` decides that).
    pub fn into_input(self) -> KeyInput {
        KeyInput {
            name: self.name,
            description: self.description,
            apikey: self.apikey,
            store_value: self.store_value.unwrap_or(false),
            action_when_leaked: self.action_when_leaked,
            expires_at: self.expires_at.filter(|text| !text.is_empty()),
            support_sessions: self.support_sessions.unwrap_or(false),
            locked: false,
        }
    }
}

/// The body of `POST /v1/apikeys`.
#[derive(Debug, Deserialize)]
pub struct CreateKey {
    iam_id: String,
    #[serde(default)]
    account_id: Option<String>,
    #[serde(flatten)]
    key: NewKeyBody,
}

/// The body of `PUT /v1/apikeys/{id}`.
#[derive(Debug, Deserialize)]
pub struct UpdateKey {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    support_sessions: Option<bool>,
    #[serde(default)]
    action_when_leaked: Option<String>,
    #[serde(default)]
    expires_at: Option<String>,
}

/// A key as the SDK's `ApiKey` model has it; `secret` is given only when the key was just created.
pub fn key_json(key: &ApiKey, secret: Option<&str>) -> Value {
    let shown = secret.or(key.stored_value.as_deref()).unwrap_or_default();
    let mut body = json!({
        "id": key.id,
        "entity_tag": entity_tag(&key.id, key.version),
        "crn": identity_crn(&key.account, "apikey", &key.id),
        "locked": key.locked,
        "disabled": false,
        "created_at": identity_timestamp(Timestamp(key.created_at)),
        "created_by": key.created_by,
        "modified_at": identity_timestamp(Timestamp(key.modified_at)),
        "name": key.name,
        "support_sessions": key.support_sessions,
        "action_when_leaked": key.action_when_leaked,
        "iam_id": key.iam_id,
        "account_id": key.account.as_str(),
        "apikey": shown,
        "history": [],
    });
    if let Some(description) = &key.description {
        body["description"] = Value::String(description.clone());
    }
    if let Some(expires_at) = &key.expires_at {
        body["expires_at"] = Value::String(expires_at.clone());
    }
    body
}

fn with_etag(mut response: Response, key: &ApiKey) -> Response {
    if let Ok(value) = HeaderValue::from_str(&entity_tag(&key.id, key.version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// Creates a key for a user or a service ID and answers 201 with its secret, shown this once.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
    body: Result<IbmJson<CreateKey>, ApiError>,
) -> Result<Response, IdentityError> {
    let IbmJson(body) = body?;
    let input = KeyInput { locked: entity_lock(&headers)?, ..body.key.into_input() };
    let created = state.app.create_api_key(&caller, body.account_id.as_deref(), &body.iam_id, input).await?;
    let json = key_json(&created.key, Some(&created.secret));
    Ok(with_etag(json_response(StatusCode::CREATED, &json), &created.key))
}

/// Lists keys: the caller's own by default, one identity's with `iam_id`, or the account's with `scope=account`.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    params: Params,
) -> Result<Response, IdentityError> {
    let scope = params.one_of("scope", &["entity", "account"])?;
    let kind = match params.one_of("type", &["user", "serviceid"])? {
        Some("user") => Some(IdentityKind::User),
        Some(_) => Some(IdentityKind::ServiceId),
        None => None,
    };
    let filter = KeyFilter {
        account_id: params.get("account_id").map(str::to_owned),
        iam_id: params.get("iam_id").map(str::to_owned),
        scope_account: scope == Some("account"),
        kind,
    };
    let order = ListOrder { sort: params.get("sort").map(str::to_owned), descending: descending(&params)? };
    let page = state.app.list_api_keys(&caller, &filter, &order, pagesize(&params)?, params.get("pagetoken")).await?;
    let mut query: Vec<(&str, String)> = Vec::new();
    for name in ["account_id", "iam_id", "scope", "type", "sort", "order"] {
        if let Some(value) = params.get(name) {
            query.push((name, value.to_owned()));
        }
    }
    let mut body = page_links("/v1/apikeys", &query, page.offset, page.limit, page.more);
    body.insert("apikeys".into(), page.items.iter().map(|key| key_json(key, None)).collect::<Vec<_>>().into());
    Ok(json_response(StatusCode::OK, &Value::Object(body)))
}

/// Reads the key whose secret the `IAM-ApiKey` header carries.
pub async fn details(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
    _params: Params,
) -> Result<Response, IdentityError> {
    let secret = headers
        .get("iam-apikey")
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| {
            ApiError::invalid_body("the `IAM-ApiKey` header must carry an API key").with_target("IAM-ApiKey", "header")
        })?;
    let key = state.app.api_key_details(&caller, secret).await?;
    Ok(with_etag(json_response(StatusCode::OK, &key_json(&key, None)), &key))
}

/// Reads one key, with its `ETag`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    _params: Params,
) -> Result<Response, IdentityError> {
    let key = state.app.api_key(&caller, &id).await?;
    Ok(with_etag(json_response(StatusCode::OK, &key_json(&key, None)), &key))
}

/// Changes a key's name, description, leak reaction, expiry or support-sessions flag; `If-Match` is required.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    body: Result<IbmJson<UpdateKey>, ApiError>,
) -> Result<Response, IdentityError> {
    let precondition = if_match.required()?;
    let IbmJson(body) = body?;
    let update = KeyUpdate {
        name: body.name,
        description: body.description,
        support_sessions: body.support_sessions,
        action_when_leaked: body.action_when_leaked,
        expires_at: body.expires_at,
    };
    let key = state.app.update_api_key(&caller, &id, &precondition, update).await?;
    Ok(with_etag(json_response(StatusCode::OK, &key_json(&key, None)), &key))
}

/// Deletes a key.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, IdentityError> {
    state.app.delete_api_key(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Locks a key.
pub async fn lock(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, IdentityError> {
    state.app.lock_api_key(&caller, &id, true).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Unlocks a key.
pub async fn unlock(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, IdentityError> {
    state.app.lock_api_key(&caller, &id, false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
