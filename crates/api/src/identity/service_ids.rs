//! `/v1/serviceids`: service IDs, as `IamIdentityV1` and Terraform's `ibm_iam_service_id` call them.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hubspoke_app::identities::{CreatedKey, ListOrder, NewServiceId, ServiceId, ServiceIdUpdate, entity_tag};
use hubspoke_iam::Timestamp;
use hubspoke_iam::identity::{identity_crn, service_id_iam_id};
use serde::Deserialize;
use serde_json::{Value, json};

use super::api_keys::{NewKeyBody, key_json};
use super::{IdentityError, descending, identity_timestamp, page_links, pagesize};
use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson, IfMatch, Params};
use crate::transaction::json_response;

/// The body of `POST /v1/serviceids`.
#[derive(Debug, Deserialize)]
pub struct CreateServiceId {
    #[serde(default)]
    account_id: Option<String>,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    unique_instance_crns: Option<Vec<String>>,
    #[serde(default)]
    apikey: Option<NewKeyBody>,
}

/// The body of `PUT /v1/serviceids/{id}`.
#[derive(Debug, Deserialize)]
pub struct UpdateServiceId {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    unique_instance_crns: Option<Vec<String>>,
}

/// Routes `/v1/serviceids/`, the collection as the SDK and Terraform spell it, to `/v1/serviceids`.
pub fn collection_without_slash(mut request: axum::extract::Request) -> axum::extract::Request {
    let path = request.uri().path();
    if path == "/v1/serviceids/" {
        let rewritten = match request.uri().query() {
            Some(query) => format!("/v1/serviceids?{query}"),
            None => "/v1/serviceids".to_owned(),
        };
        if let Ok(uri) = rewritten.parse() {
            *request.uri_mut() = uri;
        }
    }
    request
}

/// A service ID as the SDK's `ServiceId` model has it.
pub fn service_id_json(record: &ServiceId) -> Value {
    let mut body = json!({
        "id": record.id,
        "iam_id": service_id_iam_id(&record.id),
        "entity_tag": entity_tag(&record.id, record.version),
        "crn": identity_crn(&record.account, "serviceid", &record.id),
        "locked": record.locked,
        "created_at": identity_timestamp(Timestamp(record.created_at)),
        "modified_at": identity_timestamp(Timestamp(record.modified_at)),
        "account_id": record.account.as_str(),
        "name": record.name,
        "unique_instance_crns": record.unique_instance_crns,
        "history": [],
    });
    if let Some(description) = &record.description {
        body["description"] = Value::String(description.clone());
    }
    body
}

/// `Entity-Lock: true` creates the entity locked.
pub fn entity_lock(headers: &HeaderMap) -> Result<bool, ApiError> {
    match headers.get("entity-lock").map(|value| value.to_str().unwrap_or_default().to_ascii_lowercase()) {
        None => Ok(false),
        Some(value) if value == "true" => Ok(true),
        Some(value) if value == "false" || value.is_empty() => Ok(false),
        Some(value) => {
            Err(ApiError::invalid_body(format!("the `Entity-Lock` header is `{value}`; it must be true or false"))
                .with_target("Entity-Lock", "header"))
        }
    }
}

fn with_etag(mut response: Response, record: &ServiceId) -> Response {
    if let Ok(value) = HeaderValue::from_str(&entity_tag(&record.id, record.version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// Creates a service ID (and its first API key when the body has `apikey`).
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
    body: Result<IbmJson<CreateServiceId>, ApiError>,
) -> Result<Response, IdentityError> {
    let IbmJson(body) = body?;
    let locked = entity_lock(&headers)?;
    let key = body.apikey.map(NewKeyBody::into_input);
    let (record, created): (ServiceId, Option<CreatedKey>) = state
        .app
        .create_service_id(
            &caller,
            NewServiceId {
                account_id: body.account_id,
                name: body.name,
                description: body.description,
                unique_instance_crns: body.unique_instance_crns.unwrap_or_default(),
                key,
                locked,
            },
        )
        .await?;
    let mut json = service_id_json(&record);
    if let Some(created) = created {
        json["apikey"] = key_json(&created.key, Some(&created.secret));
    }
    Ok(with_etag(json_response(StatusCode::CREATED, &json), &record))
}

/// Lists the account's service IDs, paged by `pagetoken`.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    params: Params,
) -> Result<Response, IdentityError> {
    let order = ListOrder { sort: params.get("sort").map(str::to_owned), descending: descending(&params)? };
    let page = state
        .app
        .list_service_ids(
            &caller,
            params.get("account_id"),
            params.get("name"),
            &order,
            pagesize(&params)?,
            params.get("pagetoken"),
        )
        .await?;
    let mut query: Vec<(&str, String)> = Vec::new();
    for name in ["account_id", "name", "sort", "order"] {
        if let Some(value) = params.get(name) {
            query.push((name, value.to_owned()));
        }
    }
    let mut body = page_links("/v1/serviceids/", &query, page.offset, page.limit, page.more);
    body.insert("serviceids".into(), page.items.iter().map(service_id_json).collect::<Vec<_>>().into());
    Ok(json_response(StatusCode::OK, &Value::Object(body)))
}

/// Reads one service ID, with its `ETag`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    _params: Params,
) -> Result<Response, IdentityError> {
    let record = state.app.service_id(&caller, &id).await?;
    Ok(with_etag(json_response(StatusCode::OK, &service_id_json(&record)), &record))
}

/// Changes a service ID's name, description or CRNs; `If-Match` is required.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    body: Result<IbmJson<UpdateServiceId>, ApiError>,
) -> Result<Response, IdentityError> {
    let precondition = if_match.required()?;
    let IbmJson(body) = body?;
    let update = ServiceIdUpdate {
        name: body.name,
        description: body.description,
        unique_instance_crns: body.unique_instance_crns,
    };
    let record = state.app.update_service_id(&caller, &id, &precondition, update).await?;
    Ok(with_etag(json_response(StatusCode::OK, &service_id_json(&record)), &record))
}

/// Deletes a service ID and its API keys.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, IdentityError> {
    state.app.delete_service_id(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Locks a service ID.
pub async fn lock(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, IdentityError> {
    state.app.lock_service_id(&caller, &id, true).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Unlocks a service ID.
pub async fn unlock(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, IdentityError> {
    state.app.lock_service_id(&caller, &id, false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
