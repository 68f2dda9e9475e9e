//! `/v1/public_gateways`, and a subnet's public gateway (`/v1/subnets/{id}/public_gateway`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hubspoke_app::network::public_gateways::{
    FloatingIpRequest, NewPublicGateway, PublicGatewayFilter, PublicGatewayRead,
};
use hubspoke_app::precondition::Tagged;
use hubspoke_vpc::region::crn;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    IdentityBody, VpcQuery, ZoneBody, created_at, required_identity, resource_group, vpc_reference, with_etag,
    zone_reference,
};
use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson, IfMatch};
use crate::paging::{self, Paging};
use crate::transaction::json_response;

/// A public gateway in the SDK's `PublicGateway` shape.
pub fn render(base: &str, read: &PublicGatewayRead) -> Value {
    let gateway = &read.gateway;
    let ip = &gateway.floating_ip;
    json!({
        "created_at": created_at(gateway.created_at),
        "crn": crn(&gateway.account, "public-gateway", &gateway.id),
        "floating_ip": {
            "address": ip.address.to_string(),
            "crn": crn(&gateway.account, "floating-ip", &ip.id),
            "href": format!("{base}/floating_ips/{}", ip.id),
            "id": ip.id,
            "name": ip.name,
        },
        "href": format!("{base}/public_gateways/{}", gateway.id),
        "id": gateway.id,
        "name": gateway.name,
        "resource_group": resource_group(base, &read.resource_group),
        "resource_type": "public_gateway",
        "status": read.status,
        "vpc": vpc_reference(base, &read.vpc),
        "zone": zone_reference(base, &gateway.zone),
    })
}

/// `floating_ip` of a create: an existing floating IP (`id`, `crn` or `href`), or an `address`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FloatingIpBody {
    id: Option<String>,
    crn: Option<String>,
    href: Option<String>,
    address: Option<String>,
}

impl FloatingIpBody {
    fn request(self) -> Result<FloatingIpRequest, ApiError> {
        let identity = self.id.is_some() || self.crn.is_some() || self.href.is_some();
        match (self.address, identity) {
            (Some(address), false) => address.parse().map(FloatingIpRequest::Address).map_err(|_| {
                ApiError::invalid_body(format!("`floating_ip.address` `{address}` is not an IPv4 address"))
                    .with_target("floating_ip.address", "field")
            }),
            (None, true) => {
                let identity = IdentityBody::from_parts(self.id, self.crn, self.href);
                Ok(FloatingIpRequest::Existing(identity.id("floating_ip")?))
            }
            _ => Err(ApiError::invalid_body(
                "`floating_ip` must be exactly one of an `address` or a floating IP (`id`, `crn` or `href`)",
            )
            .with_target("floating_ip", "field")),
        }
    }
}

/// The body of `POST /public_gateways`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PublicGatewayPrototype {
    name: Option<String>,
    vpc: Option<IdentityBody>,
    zone: Option<ZoneBody>,
    floating_ip: Option<FloatingIpBody>,
    resource_group: Option<IdentityBody>,
}

impl PublicGatewayPrototype {
    fn input(self) -> Result<NewPublicGateway, ApiError> {
        let zone = self
            .zone
            .as_ref()
            .ok_or_else(|| ApiError::invalid_body("`zone` with a `name` is required").with_target("zone", "field"))?;
        Ok(NewPublicGateway {
            name: self.name,
            vpc: required_identity(&self.vpc, "vpc")?.id("vpc")?,
            zone: zone.name("zone")?,
            resource_group: super::resource_group_id(&self.resource_group)?,
            floating_ip: self.floating_ip.map(FloatingIpBody::request).transpose()?,
        })
    }
}

/// The body of `PATCH /public_gateways/{id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PublicGatewayPatch {
    name: Option<String>,
}

/// `GET /v1/public_gateways`: newest first; filter `resource_group.id`.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let paging = Paging::from_params(&query.params, paging::VPC)?;
    let filter = PublicGatewayFilter { resource_group: query.params.get("resource_group.id").map(str::to_owned) };
    let page = state.app.list_public_gateways(&caller, &filter, &paging.request());
    let items = page.items.iter().map(|read| render(&query.base, read)).collect();
    let url = query.url("/public_gateways");
    let body =
        paging::collection(&url, &query.params, &paging, "public_gateways", items, page.total, page.next.as_ref());
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /v1/public_gateways` → 201.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: VpcQuery,
    IbmJson(body): IbmJson<PublicGatewayPrototype>,
) -> Result<Response, ApiError> {
    let read = state.app.create_public_gateway(&caller, body.input()?).await?;
    Ok(with_etag(StatusCode::CREATED, &read.etag(), &render(&query.base, &read)))
}

/// `GET /v1/public_gateways/{id}`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.public_gateway(&caller, &id)?;
    Ok(with_etag(StatusCode::OK, &read.etag(), &render(&query.base, &read)))
}

/// `PATCH /v1/public_gateways/{id}`: renames it.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
    if_match: IfMatch,
    IbmJson(body): IbmJson<PublicGatewayPatch>,
) -> Result<Response, ApiError> {
    let read = state.app.rename_public_gateway(&caller, &id, body.name.as_deref(), &if_match.optional()).await?;
    Ok(with_etag(StatusCode::OK, &read.etag(), &render(&query.base, &read)))
}

/// `DELETE /v1/public_gateways/{id}` → 204.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    _query: VpcQuery,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    state.app.delete_public_gateway(&caller, &id, &if_match.optional()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v1/subnets/{id}/public_gateway`: 404 when the subnet has none.
pub async fn get_for_subnet(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.subnet_public_gateway(&caller, &id)?;
    Ok(json_response(StatusCode::OK, &render(&query.base, &read)))
}

/// `PUT /v1/subnets/{id}/public_gateway` → 201: attaches the public gateway the body names.
pub async fn set_for_subnet(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
    IbmJson(body): IbmJson<IdentityBody>,
) -> Result<Response, ApiError> {
    let read = state.app.set_subnet_public_gateway(&caller, &id, &body.id("public_gateway")?).await?;
    Ok(json_response(StatusCode::CREATED, &render(&query.base, &read)))
}

/// `DELETE /v1/subnets/{id}/public_gateway` → 204.
pub async fn unset_for_subnet(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    _query: VpcQuery,
) -> Result<Response, ApiError> {
    state.app.unset_subnet_public_gateway(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
