//! `/v1/vpcs`: VPCs with their `dns` (hub, binding count, resolver), and `/_hubspoke/vpcs/{id}/dns_endpoint`.

use std::net::Ipv4Addr;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hubspoke_app::network::Activity;
use hubspoke_vpc::model::{DnsServer, PrefixManagement, ResolverSetting, Vpc};
use hubspoke_vpc::region::crn;
use hubspoke_vpc::rules::Patch;
use hubspoke_vpc::rules::vpc::{self, NewResolver, NewVpc, ResolverPatch, VpcPatch};
use hubspoke_vpc::topology::{binding_count, resolver_view, vpc_health};
use serde_json::{Value, json};

use super::{
    Lens, VpcQuery, created_at, object, optional_bool, optional_string, page, precondition, resource_group,
    vpc_identity, vpc_reference, zone_reference,
};
use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson, IfMatch};
use crate::transaction::json_response;

fn dns_server_json(base: &str, server: &DnsServer) -> Value {
    let mut value = json!({ "address": server.address.to_string() });
    if let Some(zone) = &server.zone_affinity {
        value["zone_affinity"] = zone_reference(base, zone);
    }
    value
}

/// A VPC in the SDK's `VPC` shape.
pub fn render(lens: &Lens, vpc: &Vpc) -> Value {
    let base = lens.base;
    let view = resolver_view(lens.world, vpc);
    let servers: Vec<Value> = view.servers.iter().map(|s| dns_server_json(base, s)).collect();
    let mut resolver = json!({ "type": vpc.resolver.type_name(), "servers": servers });
    match &vpc.resolver {
        ResolverSetting::System => resolver["configuration"] = json!(view.configuration.unwrap_or("default")),
        ResolverSetting::Manual(manual) => {
            resolver["manual_servers"] = json!(manual.iter().map(|s| dns_server_json(base, s)).collect::<Vec<_>>())
        }
        ResolverSetting::Delegated { vpc: target } => {
            resolver["vpc"] = match lens.world.vpc(target) {
                Some(target) => vpc_reference(base, target, Some(&vpc.account)),
                None => {
                    json!({ "id": target, "resource_type": "vpc", "deleted": { "more_info": "https://cloud.ibm.com/apidocs/vpc#deleted-resources" } })
                }
            };
        }
    }
    let (health, reasons) = vpc_health(lens.world, vpc);
    let reasons: Vec<Value> =
        reasons.into_iter().map(|(code, message)| json!({ "code": code, "message": message })).collect();
    // Default network ACL, routing table and security group exist in every IBM VPC; hubspoke names them but does
    // not emulate them.
    let companion = |kind: &str| format!("{}-{kind}", vpc.id);
    json!({
        "classic_access": vpc.classic_access,
        "created_at": created_at(vpc.created_at),
        "crn": crn(&vpc.account, "vpc", &vpc.id),
        "cse_source_ips": [],
        "default_network_acl": { "crn": crn(&vpc.account, "network-acl", &companion("acl")), "href": format!("{base}/network_acls/{}", companion("acl")), "id": companion("acl"), "name": format!("{}-default-acl", vpc.name) },
        "default_routing_table": { "crn": crn(&vpc.account, "routing-table", &companion("rt")), "href": format!("{base}/vpcs/{}/routing_tables/{}", vpc.id, companion("rt")), "id": companion("rt"), "name": format!("{}-default-routing-table", vpc.name), "resource_type": "routing_table" },
        "default_security_group": { "crn": crn(&vpc.account, "security-group", &companion("sg")), "href": format!("{base}/security_groups/{}", companion("sg")), "id": companion("sg"), "name": format!("{}-default-sg", vpc.name) },
        "dns": { "enable_hub": vpc.enable_hub, "resolution_binding_count": binding_count(lens.world, &vpc.id), "resolver": resolver },
        "health_reasons": reasons,
        "health_state": health,
        "href": format!("{base}/vpcs/{}", vpc.id),
        "id": vpc.id,
        "name": vpc.name,
        "public_address_ranges": [],
        "resource_group": resource_group(base, &vpc.account),
        "resource_type": "vpc",
        "status": "available",
    })
}

fn with_etag(status: StatusCode, vpc: &Vpc, body: &Value) -> Response {
    let mut response = json_response(status, body);
    if let Ok(value) = HeaderValue::from_str(&super::etag(&vpc.id, vpc.version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

fn respond(
    state: &ApiState,
    caller: &hubspoke_iam::Caller,
    query: &VpcQuery,
    id: &str,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let view = state.app.view(caller);
    let vpc = view.vpc(id)?;
    let lens = Lens::of(&view, query);
    Ok(with_etag(status, vpc, &render(&lens, vpc)))
}

fn servers(value: &Value, path: &str) -> Result<Vec<DnsServer>, ApiError> {
    let items = value
        .as_array()
        .ok_or_else(|| ApiError::invalid_body(format!("`{path}` must be an array")).with_target(path, "field"))?;
    items
        .iter()
        .map(|item| {
            let address =
                item.get("address").and_then(Value::as_str).and_then(|a| a.parse::<Ipv4Addr>().ok()).ok_or_else(
                    || {
                        ApiError::invalid_body(format!("each `{path}` item needs an IPv4 `address`"))
                            .with_target(path, "field")
                    },
                )?;
            let zone_affinity = match item.get("zone_affinity") {
                None | Some(Value::Null) => None,
                Some(zone) => Some(
                    zone.get("name")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .or_else(|| {
                            zone.get("href")
                                .and_then(Value::as_str)
                                .and_then(|h| h.rsplit('/').next())
                                .map(str::to_owned)
                        })
                        .ok_or_else(|| {
                            ApiError::invalid_body("`zone_affinity` needs a `name` or `href`")
                                .with_target(path, "field")
                        })?,
                ),
            };
            Ok(DnsServer { address, zone_affinity })
        })
        .collect()
}

fn new_vpc(body: &Value) -> Result<NewVpc, ApiError> {
    object(body)?;
    let management = match optional_string(body, "address_prefix_management")?.as_deref() {
        None | Some("auto") => PrefixManagement::Auto,
        Some("manual") => PrefixManagement::Manual,
        Some(other) => {
            return Err(ApiError::invalid_body(format!(
                "`address_prefix_management` is `{other}`; it must be `auto` or `manual`"
            ))
            .with_target("address_prefix_management", "field"));
        }
    };
    let dns = body.get("dns").filter(|d| !d.is_null());
    let resolver = dns.and_then(|d| d.get("resolver")).filter(|r| !r.is_null());
    let resolver = match resolver.map(|r| (r.get("type").and_then(Value::as_str), r)) {
        None | Some((None | Some("system"), _)) => NewResolver::System,
        Some((Some("manual"), r)) => NewResolver::Manual(servers(
            r.get("manual_servers").unwrap_or(&Value::Null),
            "dns.resolver.manual_servers",
        )?),
        Some((Some("delegated"), _)) => NewResolver::Delegated,
        Some((Some(other), _)) => {
            return Err(ApiError::invalid_body(format!(
                "`dns.resolver.type` is `{other}`; it must be `system` or `manual`"
            ))
            .with_target("dns.resolver.type", "field"));
        }
    };
    Ok(NewVpc {
        name: optional_string(body, "name")?,
        classic_access: optional_bool(body.get("classic_access"), "classic_access")?.unwrap_or(false),
        address_prefix_management: management,
        enable_hub: optional_bool(dns.and_then(|d| d.get("enable_hub")), "dns.enable_hub")?.unwrap_or(false),
        resolver,
    })
}

fn vpc_patch(body: &Value) -> Result<VpcPatch, ApiError> {
    object(body)?;
    let mut patch = VpcPatch { name: optional_string(body, "name")?, ..VpcPatch::default() };
    let Some(dns) = body.get("dns").filter(|d| !d.is_null()) else { return Ok(patch) };
    patch.enable_hub = optional_bool(dns.get("enable_hub"), "dns.enable_hub")?;
    if let Some(resolver) = dns.get("resolver").filter(|r| !r.is_null()) {
        let field = |name: &str| -> Patch<&Value> {
            match resolver.get(name) {
                None => Patch::Absent,
                Some(Value::Null) => Patch::Null,
                Some(value) => Patch::Value(value),
            }
        };
        patch.resolver = Some(ResolverPatch {
            kind: optional_string(resolver, "type")?,
            manual_servers: match field("manual_servers") {
                Patch::Absent => Patch::Absent,
                Patch::Null => Patch::Null,
                Patch::Value(value) => Patch::Value(servers(value, "dns.resolver.manual_servers")?),
            },
            vpc: match field("vpc") {
                Patch::Absent => Patch::Absent,
                Patch::Null => Patch::Null,
                Patch::Value(value) => Patch::Value(vpc_identity(value, "dns.resolver.vpc")?),
            },
        });
    }
    Ok(patch)
}

/// `GET /v1/vpcs`: newest first; filters `classic_access` and `resource_group.id`.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let view = state.app.view(&caller);
    let lens = Lens::of(&view, &query);
    let classic = query.params.one_of("classic_access", &["true", "false"])?.map(|v| v == "true");
    let group = query.params.get("resource_group.id");
    let mut vpcs: Vec<&Vpc> = view
        .world
        .vpcs()
        .filter(|vpc| view.sees(&vpc.account))
        .filter(|vpc| classic.is_none_or(|c| c == vpc.classic_access))
        .filter(|vpc| group.is_none_or(|g| resource_group(&query.base, &vpc.account)["id"] == g))
        .collect();
    vpcs.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
    let items = vpcs.into_iter().map(|vpc| render(&lens, vpc)).collect();
    Ok(json_response(StatusCode::OK, &page(&query, "/vpcs", "vpcs", items)?))
}

/// `POST /v1/vpcs` → 201.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: VpcQuery,
    IbmJson(body): IbmJson<Value>,
) -> Result<Response, ApiError> {
    let input = new_vpc(&body)?;
    let (id, _) = state
        .app
        .change(&caller, Activity::creating("is.vpc.vpc.create", "vpc"), |w, c| vpc::create(w, c, input.clone()))
        .await?;
    respond(&state, &caller, &query, &id, StatusCode::CREATED)
}

/// `GET /v1/vpcs/{id}` with its `ETag`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    respond(&state, &caller, &query, &id, StatusCode::OK)
}

/// `PATCH /v1/vpcs/{id}` (merge patch; `If-Match` required when the body sets `manual_servers`).
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
    if_match: IfMatch,
    IbmJson(body): IbmJson<Value>,
) -> Result<Response, ApiError> {
    let patch = vpc_patch(&body)?;
    let precondition = precondition(&if_match);
    state
        .app
        .change(&caller, Activity::on("is.vpc.vpc.update", "vpc", &id), |w, c| {
            vpc::update(w, c, &id, patch.clone(), precondition)
        })
        .await?;
    respond(&state, &caller, &query, &id, StatusCode::OK)
}

/// `DELETE /v1/vpcs/{id}` → 204.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    _query: VpcQuery,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    let precondition = precondition(&if_match);
    state
        .app
        .change(&caller, Activity::on("is.vpc.vpc.delete", "vpc", &id), |w, c| vpc::delete(w, c, &id, precondition))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /_hubspoke/vpcs/{id}/dns_endpoint`: where DNS clients inside the VPC send their queries.
pub async fn dns_endpoint(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let address = state.app.dns_endpoint(&caller, &id)?;
    // The data plane follows the world asynchronously; a VPC created a moment ago may not be served yet, so catch
    // up here rather than report a port that is not bound.
    if state.dns.port_of(address).is_none() {
        state.dns.apply(&state.app.replica().world()).await;
    }
    let port = state.dns.port_of(address).unwrap_or_else(|| state.dns.configured_port());
    Ok(json_response(StatusCode::OK, &json!({ "address": address.to_string(), "port": port })))
}
