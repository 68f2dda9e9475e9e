//! `/v1/vpcs/{vpc_id}/address_prefixes`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hubspoke_app::network::prefixes::{AddressPrefixPatch, AddressPrefixRead, NewAddressPrefix};
use hubspoke_app::precondition::Tagged;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{VpcQuery, ZoneBody, created_at, with_etag, zone_reference};
use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson, IfMatch};
use crate::paging::{self, Paging};
use crate::transaction::json_response;

/// An address prefix in the SDK's `AddressPrefix` shape.
pub fn render(base: &str, read: &AddressPrefixRead) -> Value {
    let prefix = &read.prefix;
    json!({
        "cidr": prefix.cidr.to_string(),
        "created_at": created_at(prefix.created_at),
        "has_subnets": read.has_subnets,
        "href": format!("{base}/vpcs/{}/address_prefixes/{}", prefix.vpc, prefix.id),
        "id": prefix.id,
        "is_default": prefix.is_default,
        "name": prefix.name,
        "zone": zone_reference(base, &prefix.zone),
    })
}

/// The body of `POST /vpcs/{vpc_id}/address_prefixes`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AddressPrefixPrototype {
    cidr: Option<String>,
    zone: Option<ZoneBody>,
    name: Option<String>,
    is_default: Option<bool>,
}

impl AddressPrefixPrototype {
    fn input(self, vpc: String) -> Result<NewAddressPrefix, ApiError> {
        let text =
            self.cidr.ok_or_else(|| ApiError::invalid_body("`cidr` is required").with_target("cidr", "field"))?;
        let cidr = text.parse().map_err(|_| {
            ApiError::invalid_body(format!("`cidr` `{text}` is not an IPv4 CIDR block")).with_target("cidr", "field")
        })?;
        let zone = self
            .zone
            .as_ref()
            .ok_or_else(|| ApiError::invalid_body("`zone` with a `name` is required").with_target("zone", "field"))?
            .name("zone")?;
        Ok(NewAddressPrefix { vpc, zone, cidr, name: self.name, is_default: self.is_default.unwrap_or(false) })
    }
}

/// The body of `PATCH /vpcs/{vpc_id}/address_prefixes/{id}` (a merge patch; `null` leaves a member as it is).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AddressPrefixPatchBody {
    name: Option<String>,
    is_default: Option<bool>,
}

/// `GET /v1/vpcs/{vpc_id}/address_prefixes`.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(vpc): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let paging = Paging::from_params(&query.params, paging::VPC)?;
    let page = state.app.list_address_prefixes(&caller, &vpc, &paging.request())?;
    let items = page.items.iter().map(|read| render(&query.base, read)).collect();
    let url = query.url(&format!("/vpcs/{vpc}/address_prefixes"));
    let body =
        paging::collection(&url, &query.params, &paging, "address_prefixes", items, page.total, page.next.as_ref());
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /v1/vpcs/{vpc_id}/address_prefixes` → 201.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(vpc): Path<String>,
    query: VpcQuery,
    IbmJson(body): IbmJson<AddressPrefixPrototype>,
) -> Result<Response, ApiError> {
    let read = state.app.create_address_prefix(&caller, body.input(vpc)?).await?;
    Ok(with_etag(StatusCode::CREATED, &read.etag(), &render(&query.base, &read)))
}

/// `GET /v1/vpcs/{vpc_id}/address_prefixes/{id}`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((vpc, id)): Path<(String, String)>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.address_prefix(&caller, &vpc, &id)?;
    Ok(with_etag(StatusCode::OK, &read.etag(), &render(&query.base, &read)))
}

/// `PATCH /v1/vpcs/{vpc_id}/address_prefixes/{id}`: renames it or changes `is_default`.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((vpc, id)): Path<(String, String)>,
    query: VpcQuery,
    if_match: IfMatch,
    IbmJson(body): IbmJson<AddressPrefixPatchBody>,
) -> Result<Response, ApiError> {
    let patch = AddressPrefixPatch { name: body.name, is_default: body.is_default };
    let read = state.app.update_address_prefix(&caller, &vpc, &id, &patch, &if_match.optional()).await?;
    Ok(with_etag(StatusCode::OK, &read.etag(), &render(&query.base, &read)))
}

/// `DELETE /v1/vpcs/{vpc_id}/address_prefixes/{id}` → 204.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((vpc, id)): Path<(String, String)>,
    _query: VpcQuery,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    state.app.delete_address_prefix(&caller, &vpc, &id, &if_match.optional()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
