//! `/v1/subnets` and their reserved IPs.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hubspoke_app::AppError;
use hubspoke_app::network::{Activity, View};
use hubspoke_vpc::RuleError;
use hubspoke_vpc::model::{IpOwner, IpTarget, ReservedIp, Subnet};
use hubspoke_vpc::region::crn;
use hubspoke_vpc::rules::subnet::{self, NewReservedIp, NewSubnet, SubnetRange};
use serde_json::{Value, json};

use super::{
    Lens, VpcQuery, created_at, identity_id, object, optional_bool, optional_string, page, resource_group,
    vpc_reference, zone_reference,
};
use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson};
use crate::transaction::json_response;

/// A subnet in the SDK's `Subnet` shape.
pub fn render(lens: &Lens, subnet: &Subnet) -> Value {
    let base = lens.base;
    let total = subnet.cidr.hosts().count() as u64 + 2;
    let used = lens.world.reserved_ips_of(&subnet.id).count() as u64;
    let vpc = lens
        .world
        .vpc(&subnet.vpc)
        .map(|vpc| vpc_reference(base, vpc, lens.viewer))
        .unwrap_or(json!({ "id": subnet.vpc }));
    json!({
        "available_ipv4_address_count": total.saturating_sub(5 + used),
        "created_at": created_at(subnet.created_at),
        "crn": crn(&subnet.account, "subnet", &subnet.id),
        "href": format!("{base}/subnets/{}", subnet.id),
        "id": subnet.id,
        "ip_version": "ipv4",
        "ipv4_cidr_block": subnet.cidr.to_string(),
        "name": subnet.name,
        "network_acl": { "crn": crn(&subnet.account, "network-acl", &format!("{}-acl", subnet.vpc)), "href": format!("{base}/network_acls/{}-acl", subnet.vpc), "id": format!("{}-acl", subnet.vpc), "name": "default-acl" },
        "resource_group": resource_group(base, &subnet.account),
        "resource_type": "subnet",
        "routing_table": { "crn": crn(&subnet.account, "routing-table", &format!("{}-rt", subnet.vpc)), "href": format!("{base}/vpcs/{}/routing_tables/{}-rt", subnet.vpc, subnet.vpc), "id": format!("{}-rt", subnet.vpc), "name": "default-routing-table", "resource_type": "routing_table" },
        "status": "available",
        "total_ipv4_address_count": total,
        "vpc": vpc,
        "zone": zone_reference(base, &subnet.zone),
    })
}

/// A reserved IP in the SDK's `ReservedIP` shape.
pub fn render_reserved_ip(lens: &Lens, ip: &ReservedIp) -> Value {
    let base = lens.base;
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
    if let Some(IpTarget::EndpointGateway(gateway)) = &ip.target
        && let Some(gateway) = lens.world.gateway(gateway)
    {
        value["target"] = json!({
            "crn": crn(&gateway.account, "endpoint-gateway", &gateway.id),
            "href": format!("{base}/endpoint_gateways/{}", gateway.id),
            "id": gateway.id,
            "name": gateway.name,
            "resource_type": "endpoint_gateway",
        });
    }
    value
}

fn visible_subnet<'a>(view: &'a View, id: &str) -> Result<&'a Subnet, ApiError> {
    view.world
        .subnet(id)
        .filter(|s| view.sees(&s.account))
        .ok_or_else(|| AppError::Rule(RuleError::not_found("subnet", id)).into())
}

/// `GET /v1/subnets`: filters `vpc.id`, `zone.name`.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let view = state.app.view(&caller);
    let vpc = query.params.get("vpc.id");
    let zone = query.params.get("zone.name");
    let mut subnets: Vec<&Subnet> = view
        .world
        .subnets()
        .filter(|s| view.sees(&s.account) && vpc.is_none_or(|v| v == s.vpc) && zone.is_none_or(|z| z == s.zone))
        .collect();
    subnets.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
    let lens = Lens::of(&view, &query);
    let items = subnets.into_iter().map(|s| render(&lens, s)).collect();
    Ok(json_response(StatusCode::OK, &page(&query, "/subnets", "subnets", items)?))
}

/// `POST /v1/subnets` with `ipv4_cidr_block` or `total_ipv4_address_count` → 201.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: VpcQuery,
    IbmJson(body): IbmJson<Value>,
) -> Result<Response, ApiError> {
    object(&body)?;
    let vpc = identity_id(body.get("vpc"), "vpc")?;
    let zone = body.get("zone").and_then(|z| {
        z.get("name")
            .and_then(Value::as_str)
            .or_else(|| z.get("href").and_then(Value::as_str).and_then(|h| h.rsplit('/').next()))
    });
    let zone = zone
        .ok_or_else(|| ApiError::invalid_body("`zone` with a `name` is required").with_target("zone", "field"))?
        .to_owned();
    let range = match (optional_string(&body, "ipv4_cidr_block")?, body.get("total_ipv4_address_count")) {
        (Some(cidr), None) => SubnetRange::Cidr(cidr.parse().map_err(|_| {
            ApiError::invalid_body(format!("`ipv4_cidr_block` `{cidr}` is not a CIDR block"))
                .with_target("ipv4_cidr_block", "field")
        })?),
        (None, Some(count)) => {
            SubnetRange::Count(count.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
                ApiError::invalid_body("`total_ipv4_address_count` must be a positive integer")
                    .with_target("total_ipv4_address_count", "field")
            })?)
        }
        _ => {
            return Err(ApiError::invalid_body("give exactly one of `ipv4_cidr_block` and `total_ipv4_address_count`"));
        }
    };
    let input = NewSubnet { name: optional_string(&body, "name")?, vpc, zone, range };
    let (id, _) = state
        .app
        .change(&caller, Activity::creating("is.subnet.subnet.create", "subnet"), |w, c| {
            subnet::create(w, c, input.clone())
        })
        .await?;
    get_one(&state, &caller, &query, &id, StatusCode::CREATED)
}

fn get_one(
    state: &ApiState,
    caller: &hubspoke_iam::Caller,
    query: &VpcQuery,
    id: &str,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let view = state.app.view(caller);
    let subnet = visible_subnet(&view, id)?;
    Ok(json_response(status, &render(&Lens::of(&view, query), subnet)))
}

/// `GET /v1/subnets/{id}`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    get_one(&state, &caller, &query, &id, StatusCode::OK)
}

/// `PATCH /v1/subnets/{id}`: renames it.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
    IbmJson(body): IbmJson<Value>,
) -> Result<Response, ApiError> {
    object(&body)?;
    if let Some(name) = optional_string(&body, "name")? {
        state
            .app
            .change(&caller, Activity::on("is.subnet.subnet.update", "subnet", &id), |w, c| {
                subnet::rename(w, c, &id, &name)
            })
            .await?;
    }
    get_one(&state, &caller, &query, &id, StatusCode::OK)
}

/// `DELETE /v1/subnets/{id}` → 204.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    _query: VpcQuery,
) -> Result<Response, ApiError> {
    state
        .app
        .change(&caller, Activity::on("is.subnet.subnet.delete", "subnet", &id), |w, c| subnet::delete(w, c, &id))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v1/subnets/{id}/reserved_ips`.
pub async fn list_reserved_ips(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let view = state.app.view(&caller);
    let subnet = visible_subnet(&view, &id)?;
    let lens = Lens::of(&view, &query);
    let mut ips: Vec<&ReservedIp> = view.world.reserved_ips_of(&subnet.id).collect();
    ips.sort_by_key(|ip| ip.address);
    let items = ips.into_iter().map(|ip| render_reserved_ip(&lens, ip)).collect();
    Ok(json_response(StatusCode::OK, &page(&query, &format!("/subnets/{id}/reserved_ips"), "reserved_ips", items)?))
}

/// `POST /v1/subnets/{id}/reserved_ips` → 201.
pub async fn create_reserved_ip(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
    IbmJson(body): IbmJson<Value>,
) -> Result<Response, ApiError> {
    object(&body)?;
    let address = match optional_string(&body, "address")? {
        None => None,
        Some(text) => Some(text.parse().map_err(|_| {
            ApiError::invalid_body(format!("`address` `{text}` is not an IPv4 address")).with_target("address", "field")
        })?),
    };
    let input = NewReservedIp {
        address,
        name: optional_string(&body, "name")?,
        auto_delete: optional_bool(body.get("auto_delete"), "auto_delete")?,
    };
    let (ip, _) = state
        .app
        .change(&caller, Activity::creating("is.subnet.reserved-ip.create", "subnet_reserved_ip"), |w, c| {
            subnet::create_reserved_ip(w, c, &id, input.clone())
        })
        .await?;
    reserved_ip_response(&state, &caller, &query, &id, &ip, StatusCode::CREATED)
}

fn reserved_ip_response(
    state: &ApiState,
    caller: &hubspoke_iam::Caller,
    query: &VpcQuery,
    subnet: &str,
    ip: &str,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let view = state.app.view(caller);
    visible_subnet(&view, subnet)?;
    let reserved = view
        .world
        .reserved_ip(ip)
        .filter(|r| r.subnet == subnet)
        .ok_or_else(|| ApiError::from(AppError::Rule(RuleError::not_found("reserved IP", ip))))?;
    Ok(json_response(status, &render_reserved_ip(&Lens::of(&view, query), reserved)))
}

/// `GET /v1/subnets/{id}/reserved_ips/{ip}`.
pub async fn get_reserved_ip(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, ip)): Path<(String, String)>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    reserved_ip_response(&state, &caller, &query, &id, &ip, StatusCode::OK)
}

/// `DELETE /v1/subnets/{id}/reserved_ips/{ip}` → 204.
pub async fn delete_reserved_ip(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, ip)): Path<(String, String)>,
    _query: VpcQuery,
) -> Result<Response, ApiError> {
    state
        .app
        .change(&caller, Activity::on("is.subnet.reserved-ip.delete", "subnet_reserved_ip", &ip), |w, c| {
            subnet::delete_reserved_ip(w, c, &id, &ip)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
