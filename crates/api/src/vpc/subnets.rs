//! `/v1/subnets` and their reserved IPs.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hubspoke_app::network::subnets::{
    IpOwner, NewReservedIp, NewSubnet, ReservedIpPatch, ReservedIpRead, SubnetFilter, SubnetRange, SubnetRead,
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

/// A subnet in the SDK's `Subnet` shape.
pub fn render(base: &str, read: &SubnetRead) -> Value {
    let subnet = &read.subnet;
    let total = subnet.cidr.hosts().count() as u64 + 2;
    let mut value = json!({
        "available_ipv4_address_count": total.saturating_sub(5 + read.reserved),
        "created_at": created_at(subnet.created_at),
        "crn": crn(&subnet.account, "subnet", &subnet.id),
        "href": format!("{base}/subnets/{}", subnet.id),
        "id": subnet.id,
        "ip_version": "ipv4",
        "ipv4_cidr_block": subnet.cidr.to_string(),
        "name": subnet.name,
        "network_acl": super::reference(base, "network-acl", "network_acls", &read.network_acl),
        "resource_group": resource_group(base, &read.resource_group),
        "resource_type": "subnet",
        "routing_table": super::reference(base, "routing-table", &format!("vpcs/{}/routing_tables", subnet.vpc), &read.routing_table),
        "status": "available",
        "total_ipv4_address_count": total,
        "vpc": vpc_reference(base, &read.vpc),
        "zone": zone_reference(base, &subnet.zone),
    });
    if let Some(gateway) = &read.public_gateway {
        value["public_gateway"] = super::reference(base, "public-gateway", "public_gateways", gateway);
    }
    value
}

/// A reserved IP in the SDK's `ReservedIP` shape.
pub fn render_reserved_ip(base: &str, read: &ReservedIpRead) -> Value {
    let ip = &read.ip;
    let mut value = json!({
        "address": ip.address.to_string(),
        "auto_delete": ip.auto_delete,
        "created_at": created_at(ip.created_at),
        "href": format!("{base}/subnets/{}/reserved_ips/{}", ip.subnet, ip.id),
        "id": ip.id,
        "lifecycle_state": "stable",
        "name": ip.name,
        "owner": if ip.owner == IpOwner::Provider { "provider" } else { "user" },
        "resource_type": "subnet_reserved_ip",
    });
    if let Some(target) = &read.target {
        value["target"] = super::reference(base, "endpoint-gateway", "endpoint_gateways", target);
    }
    value
}

/// The body of `POST /subnets`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SubnetPrototype {
    name: Option<String>,
    vpc: Option<IdentityBody>,
    zone: Option<ZoneBody>,
    ipv4_cidr_block: Option<String>,
    total_ipv4_address_count: Option<u64>,
    ip_version: Option<String>,
    network_acl: Option<IdentityBody>,
    public_gateway: Option<IdentityBody>,
    resource_group: Option<IdentityBody>,
}

impl SubnetPrototype {
    fn input(self) -> Result<NewSubnet, ApiError> {
        let vpc = required_identity(&self.vpc, "vpc")?.id("vpc")?;
        // A subnet by CIDR may leave the zone out (it is the zone of the address prefix holding the range); one by
        // address count needs it.
        let zone = self.zone.as_ref().map(|zone| zone.name("zone")).transpose()?;
        if zone.is_none() && self.ipv4_cidr_block.is_none() {
            return Err(ApiError::invalid_body("`zone` with a `name` is required").with_target("zone", "field"));
        }
        if let Some(version) = self.ip_version.as_deref().filter(|version| *version != "ipv4") {
            return Err(ApiError::invalid_body(format!("`ip_version` is `{version}`; hubspoke's subnets are `ipv4`"))
                .with_target("ip_version", "field"));
        }
        let range = match (self.ipv4_cidr_block, self.total_ipv4_address_count) {
            (Some(cidr), None) => SubnetRange::Cidr(cidr.parse().map_err(|_| {
                ApiError::invalid_body(format!("`ipv4_cidr_block` `{cidr}` is not a CIDR block"))
                    .with_target("ipv4_cidr_block", "field")
            })?),
            (None, Some(count)) => {
                SubnetRange::Count(u32::try_from(count).ok().filter(|n| *n > 0).ok_or_else(|| {
                    ApiError::invalid_body("`total_ipv4_address_count` must be a positive integer")
                        .with_target("total_ipv4_address_count", "field")
                })?)
            }
            _ => {
                return Err(ApiError::invalid_body(
                    "give exactly one of `ipv4_cidr_block` and `total_ipv4_address_count`",
                ));
            }
        };
        let network_acl = self.network_acl.as_ref().map(|acl| acl.id("network_acl")).transpose()?;
        let public_gateway = self.public_gateway.as_ref().map(|gateway| gateway.id("public_gateway")).transpose()?;
        let resource_group = super::resource_group_id(&self.resource_group)?;
        Ok(NewSubnet { name: self.name, vpc, zone, range, network_acl, public_gateway, resource_group })
    }
}

/// The body of `PATCH /subnets/{id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SubnetPatch {
    name: Option<String>,
}

/// The body of `POST /subnets/{id}/reserved_ips`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReservedIpPrototype {
    pub(crate) address: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) auto_delete: Option<bool>,
}

impl ReservedIpPrototype {
    /// The reserved IP to make, its address checked.
    pub(crate) fn input(&self, field: &str) -> Result<NewReservedIp, ApiError> {
        let address = match &self.address {
            None => None,
            Some(text) => Some(text.parse().map_err(|_| {
                ApiError::invalid_body(format!("`{field}` `{text}` is not an IPv4 address")).with_target(field, "field")
            })?),
        };
        Ok(NewReservedIp { address, name: self.name.clone(), auto_delete: self.auto_delete })
    }
}

/// The body of `PATCH /subnets/{id}/reserved_ips/{ip}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReservedIpPatchBody {
    name: Option<String>,
    auto_delete: Option<bool>,
}

/// `GET /v1/subnets`: filters `vpc.id`, `zone.name`, `resource_group.id`.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let paging = Paging::from_params(&query.params, paging::VPC)?;
    let filter = SubnetFilter {
        vpc: query.params.get("vpc.id").map(str::to_owned),
        zone: query.params.get("zone.name").map(str::to_owned),
        resource_group: query.params.get("resource_group.id").map(str::to_owned),
    };
    let page = state.app.list_subnets(&caller, &filter, &paging.request());
    let items = page.items.iter().map(|read| render(&query.base, read)).collect();
    let body = paging::collection(
        &query.url("/subnets"),
        &query.params,
        &paging,
        "subnets",
        items,
        page.total,
        page.next.as_ref(),
    );
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /v1/subnets` with `ipv4_cidr_block` or `total_ipv4_address_count` → 201.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: VpcQuery,
    IbmJson(body): IbmJson<SubnetPrototype>,
) -> Result<Response, ApiError> {
    let read = state.app.create_subnet(&caller, body.input()?).await?;
    Ok(with_etag(StatusCode::CREATED, &read.etag(), &render(&query.base, &read)))
}

/// `GET /v1/subnets/{id}`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.subnet(&caller, &id)?;
    Ok(with_etag(StatusCode::OK, &read.etag(), &render(&query.base, &read)))
}

/// `PATCH /v1/subnets/{id}`: renames it.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
    if_match: IfMatch,
    IbmJson(body): IbmJson<SubnetPatch>,
) -> Result<Response, ApiError> {
    let read = state.app.rename_subnet(&caller, &id, body.name.as_deref(), &if_match.optional()).await?;
    Ok(with_etag(StatusCode::OK, &read.etag(), &render(&query.base, &read)))
}

/// `DELETE /v1/subnets/{id}` → 204.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    _query: VpcQuery,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    state.app.delete_subnet(&caller, &id, &if_match.optional()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v1/subnets/{id}/reserved_ips`: in address order.
pub async fn list_reserved_ips(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let paging = Paging::from_params(&query.params, paging::VPC)?;
    let page = state.app.list_reserved_ips(&caller, &id, &paging.request())?;
    let items = page.items.iter().map(|read| render_reserved_ip(&query.base, read)).collect();
    let url = query.url(&format!("/subnets/{id}/reserved_ips"));
    let body = paging::collection(&url, &query.params, &paging, "reserved_ips", items, page.total, page.next.as_ref());
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /v1/subnets/{id}/reserved_ips` → 201.
pub async fn create_reserved_ip(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
    IbmJson(body): IbmJson<ReservedIpPrototype>,
) -> Result<Response, ApiError> {
    let read = state.app.create_reserved_ip(&caller, &id, body.input("address")?).await?;
    Ok(json_response(StatusCode::CREATED, &render_reserved_ip(&query.base, &read)))
}

/// `GET /v1/subnets/{id}/reserved_ips/{ip}`.
pub async fn get_reserved_ip(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, ip)): Path<(String, String)>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.reserved_ip(&caller, &id, &ip)?;
    Ok(json_response(StatusCode::OK, &render_reserved_ip(&query.base, &read)))
}

/// `PATCH /v1/subnets/{id}/reserved_ips/{ip}`: its `name` and `auto_delete`.
pub async fn update_reserved_ip(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, ip)): Path<(String, String)>,
    query: VpcQuery,
    IbmJson(body): IbmJson<ReservedIpPatchBody>,
) -> Result<Response, ApiError> {
    let patch = ReservedIpPatch { name: body.name, auto_delete: body.auto_delete };
    let read = state.app.update_reserved_ip(&caller, &id, &ip, patch).await?;
    Ok(json_response(StatusCode::OK, &render_reserved_ip(&query.base, &read)))
}

/// `DELETE /v1/subnets/{id}/reserved_ips/{ip}` → 204.
pub async fn delete_reserved_ip(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, ip)): Path<(String, String)>,
    _query: VpcQuery,
) -> Result<Response, ApiError> {
    state.app.delete_reserved_ip(&caller, &id, &ip).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
