//! `/v1/vpcs/{vpc_id}/dns_resolution_bindings`: one binding, one id, seen from the spoke and from the hub.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use hubspoke_app::network::bindings::{BindingFilter, BindingRead, BindingSort};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{IdentityBody, VpcQuery, created_at, reference, required_identity};
use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson};
use crate::paging::{self, Paging};
use crate::transaction::json_response;

/// A binding as one of its VPCs sees it: `vpc` is the other side.
pub fn render(base: &str, read: &BindingRead) -> Value {
    let mut other = reference(base, "vpc", "vpcs", &read.other);
    if other.get("remote").is_none() && other.get("deleted").is_none() {
        other["remote"] = json!({});
    }
    let gateways: Vec<Value> =
        read.gateways.iter().map(|gateway| reference(base, "endpoint-gateway", "endpoint_gateways", gateway)).collect();
    let reasons: Vec<Value> =
        read.health_reasons.iter().map(|(code, message)| json!({ "code": code, "message": message })).collect();
    json!({
        "created_at": created_at(read.binding.created_at),
        "endpoint_gateways": gateways,
        "health_reasons": reasons,
        "health_state": read.health,
        "href": format!("{base}/vpcs/{}/dns_resolution_bindings/{}", read.from, read.binding.id),
        "id": read.binding.id,
        "lifecycle_state": read.lifecycle,
        "name": read.name,
        "resource_type": "vpc_dns_resolution_binding",
        "vpc": other,
    })
}

/// The body of `POST /vpcs/{id}/dns_resolution_bindings`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BindingPrototype {
    vpc: Option<IdentityBody>,
    name: Option<String>,
}

/// The body of `PATCH /vpcs/{id}/dns_resolution_bindings/{id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BindingPatch {
    name: Option<String>,
}

/// `GET /v1/vpcs/{vpc_id}/dns_resolution_bindings`: filters `name`, `vpc.crn`, `vpc.name`, `account.id`; `sort` by
/// `created_at` or `name` (prefix `-` for descending; newest first by default).
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(vpc): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let paging = Paging::from_params(&query.params, paging::VPC)?;
    let sort = match query.params.one_of("sort", &["created_at", "-created_at", "name", "-name"])? {
        Some("created_at") => BindingSort::CreatedAt,
        Some("name") => BindingSort::Name,
        Some("-name") => BindingSort::NameDescending,
        _ => BindingSort::CreatedAtDescending,
    };
    let text = |name: &str| query.params.get(name).map(str::to_owned);
    let filter = BindingFilter {
        name: text("name"),
        vpc_crn: text("vpc.crn"),
        vpc_name: text("vpc.name"),
        account: text("account.id"),
    };
    let page = state.app.list_bindings(&caller, &vpc, &filter, sort, &paging.request())?;
    let items = page.items.iter().map(|read| render(&query.base, read)).collect();
    let url = query.url(&format!("/vpcs/{vpc}/dns_resolution_bindings"));
    let body = paging::collection(
        &url,
        &query.params,
        &paging,
        "dns_resolution_bindings",
        items,
        page.total,
        page.next.as_ref(),
    );
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /v1/vpcs/{vpc_id}/dns_resolution_bindings` from the spoke → 201.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(vpc): Path<String>,
    query: VpcQuery,
    IbmJson(body): IbmJson<BindingPrototype>,
) -> Result<Response, ApiError> {
    let hub = required_identity(&body.vpc, "vpc")?.vpc("vpc")?;
    let read = state.app.create_binding(&caller, &vpc, &hub, body.name.as_deref()).await?;
    Ok(json_response(StatusCode::CREATED, &render(&query.base, &read)))
}

/// `GET /v1/vpcs/{vpc_id}/dns_resolution_bindings/{id}`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((vpc, id)): Path<(String, String)>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.binding(&caller, &vpc, &id)?;
    Ok(json_response(StatusCode::OK, &render(&query.base, &read)))
}

/// `PATCH /v1/vpcs/{vpc_id}/dns_resolution_bindings/{id}`: renames the binding as this VPC lists it.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((vpc, id)): Path<(String, String)>,
    query: VpcQuery,
    IbmJson(body): IbmJson<BindingPatch>,
) -> Result<Response, ApiError> {
    let read = state.app.rename_binding(&caller, &vpc, &id, body.name.as_deref()).await?;
    Ok(json_response(StatusCode::OK, &render(&query.base, &read)))
}

/// `DELETE /v1/vpcs/{vpc_id}/dns_resolution_bindings/{id}` → 202 with the binding, `deleting`.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((vpc, id)): Path<(String, String)>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let (read, _) = state.app.delete_binding(&caller, &vpc, &id).await?;
    Ok(json_response(StatusCode::ACCEPTED, &render(&query.base, &read)))
}
