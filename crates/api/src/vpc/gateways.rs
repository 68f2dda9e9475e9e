//! `/v1/endpoint_gateways` and their reserved IPs. The API `version` decides between `dns_resolution_binding_mode`
//! (2025-11-18 and later) and the legacy `allow_dns_resolution_binding`/`allow_resource_binding` pair.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hubspoke_app::network::gateways::{
    BindingMode, GatewayFilter, GatewayIp, GatewayRead, GatewayTarget, NewGateway, Phase,
};
use hubspoke_app::precondition::Tagged;
use hubspoke_vpc::region::crn;
use serde::Deserialize;
use serde_json::{Value, json};

use super::subnets::{ReservedIpPrototype, render_reserved_ip};
use super::{
    IdentityBody, MODE_VERSION, VpcQuery, created_at, required_identity, resource_group, vpc_reference, with_etag,
};
use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson, IfMatch};
use crate::paging::{self, Paging};
use crate::transaction::json_response;

/// An endpoint gateway in the SDK's `EndpointGateway` shape, for the request's API version.
pub fn render(base: &str, read: &GatewayRead, legacy: bool) -> Value {
    let gateway = &read.gateway;
    let state = read.lifecycle;
    let reasons = match (state, gateway.settling.phase) {
        ("stable", _) | (_, Phase::Pending) => json!([]),
        _ => {
            json!([{ "code": "dns_resolution_binding_pending", "message": "The DNS resolution binding is being set up." }])
        }
    };
    let ips: Vec<Value> = read
        .ips
        .iter()
        .map(|ip| json!({ "address": ip.address.to_string(), "href": format!("{base}/subnets/{}/reserved_ips/{}", ip.subnet, ip.id), "id": ip.id, "name": ip.name, "resource_type": "subnet_reserved_ip" }))
        .collect();
    let target = match &gateway.target {
        GatewayTarget::ProviderCloudService { crn } => json!({ "crn": crn, "resource_type": "provider_cloud_service" }),
        GatewayTarget::ProviderInfrastructureService { name } => {
            json!({ "name": name, "resource_type": "provider_infrastructure_service" })
        }
    };
    let security_groups: Vec<Value> = read
        .security_groups
        .iter()
        .map(|group| super::reference(base, "security-group", "security_groups", group))
        .collect();
    let mut value = json!({
        "created_at": created_at(gateway.created_at),
        "crn": crn(&gateway.account, "endpoint-gateway", &gateway.id),
        "health_state": if state == "stable" { "ok" } else { "inapplicable" },
        "href": format!("{base}/endpoint_gateways/{}", gateway.id),
        "id": gateway.id,
        "ips": ips,
        "lifecycle_reasons": reasons,
        "lifecycle_state": state,
        "name": gateway.name,
        "resource_group": resource_group(base, &read.resource_group),
        "resource_type": "endpoint_gateway",
        "security_groups": security_groups,
        "service_endpoint": gateway.service_endpoints.first(),
        "service_endpoints": gateway.service_endpoints,
        "target": target,
        "vpc": vpc_reference(base, &read.vpc),
    });
    if legacy {
        value["allow_dns_resolution_binding"] = json!(gateway.mode != BindingMode::Disabled);
        value["allow_resource_binding"] = json!(gateway.mode == BindingMode::PerResourceBinding);
    } else {
        value["dns_resolution_binding_mode"] = json!(gateway.mode.as_str());
    }
    value
}

/// The mode fields of a create or update body, in either API version's spelling.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ModeFields {
    dns_resolution_binding_mode: Option<String>,
    allow_dns_resolution_binding: Option<bool>,
    allow_resource_binding: Option<bool>,
}

impl ModeFields {
    /// The mode asked for, in the request's API version.
    fn requested(&self, query: &VpcQuery) -> Result<Option<BindingMode>, ApiError> {
        if query.legacy_mode() {
            if self.dns_resolution_binding_mode.is_some() {
                return Err(ApiError::invalid_body(format!("`dns_resolution_binding_mode` needs API version {MODE_VERSION} or later; with version `{}` use `allow_dns_resolution_binding`", query.version))
                    .with_target("dns_resolution_binding_mode", "field"));
            }
            return match (self.allow_dns_resolution_binding, self.allow_resource_binding) {
                (None, None) => Ok(None),
                (Some(false), Some(true)) | (None, Some(true)) => Err(ApiError::invalid_body(
                    "`allow_resource_binding` cannot be true while `allow_dns_resolution_binding` is false",
                )
                .with_target("allow_resource_binding", "field")),
                (Some(false), _) => Ok(Some(BindingMode::Disabled)),
                (_, Some(true)) => Ok(Some(BindingMode::PerResourceBinding)),
                _ => Ok(Some(BindingMode::Primary)),
            };
        }
        if self.allow_dns_resolution_binding.is_some() || self.allow_resource_binding.is_some() {
            return Err(ApiError::invalid_body(format!("since API version {MODE_VERSION}, `allow_dns_resolution_binding` is replaced by `dns_resolution_binding_mode`"))
                .with_target("allow_dns_resolution_binding", "field"));
        }
        match &self.dns_resolution_binding_mode {
            None => Ok(None),
            Some(text) => BindingMode::parse(text).map(Some).ok_or_else(|| {
                ApiError::invalid_body(format!(
                    "`dns_resolution_binding_mode` is `{text}`; it must be `disabled`, `primary` or `per_resource_binding`"
                ))
                .with_target("dns_resolution_binding_mode", "field")
            }),
        }
    }
}

/// A gateway's target as a body gives it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TargetBody {
    resource_type: Option<String>,
    crn: Option<String>,
    name: Option<String>,
}

/// One entry of `ips`: an existing reserved IP by identity, or a new one in a subnet.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct GatewayIpBody {
    id: Option<String>,
    crn: Option<String>,
    href: Option<String>,
    subnet: Option<IdentityBody>,
    #[serde(flatten)]
    prototype: ReservedIpPrototype,
}

/// The body of `POST /endpoint_gateways`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GatewayPrototype {
    name: Option<String>,
    vpc: Option<IdentityBody>,
    target: Option<TargetBody>,
    ips: Vec<GatewayIpBody>,
    security_groups: Vec<IdentityBody>,
    resource_group: Option<IdentityBody>,
    #[serde(flatten)]
    mode: ModeFields,
}

impl GatewayPrototype {
    fn input(self, query: &VpcQuery) -> Result<NewGateway, ApiError> {
        let target =
            self.target.ok_or_else(|| ApiError::invalid_body("`target` is required").with_target("target", "field"))?;
        let target = match target.resource_type.as_deref() {
            Some("provider_cloud_service") => GatewayTarget::ProviderCloudService {
                crn: target.crn.ok_or_else(|| {
                    ApiError::invalid_body("`target.crn` is required").with_target("target.crn", "field")
                })?,
            },
            Some("provider_infrastructure_service") => GatewayTarget::ProviderInfrastructureService {
                name: target.name.ok_or_else(|| {
                    ApiError::invalid_body("`target.name` is required").with_target("target.name", "field")
                })?,
            },
            other => {
                return Err(ApiError::invalid_body(format!(
                    "`target.resource_type` is {other:?}; hubspoke supports `provider_cloud_service` and `provider_infrastructure_service`"
                ))
                .with_target("target.resource_type", "field"));
            }
        };
        let ips = self
            .ips
            .into_iter()
            .map(|item| match &item.subnet {
                Some(subnet) => Ok(GatewayIp::New {
                    subnet: subnet.id("ips[].subnet")?,
                    ip: item.prototype.input("ips[].address")?,
                }),
                None => {
                    let identity = IdentityBody::from_parts(item.id, item.crn, item.href);
                    Ok(GatewayIp::Existing(identity.id("ips[]")?))
                }
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(NewGateway {
            name: self.name,
            vpc: required_identity(&self.vpc, "vpc")?.id("vpc")?,
            target,
            mode: self.mode.requested(query)?,
            ips,
            security_groups: self
                .security_groups
                .iter()
                .map(|group| group.id("security_groups"))
                .collect::<Result<Vec<_>, ApiError>>()?,
            resource_group: super::resource_group_id(&self.resource_group)?,
        })
    }
}

/// The body of `PATCH /endpoint_gateways/{id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GatewayPatch {
    name: Option<String>,
    #[serde(flatten)]
    mode: ModeFields,
}

/// `GET /v1/endpoint_gateways`: newest first, then by name; filters by name, VPC, lifecycle state, mode and resource
/// group.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let paging = Paging::from_params(&query.params, paging::VPC)?;
    let text = |name: &str| query.params.get(name).map(str::to_owned);
    let csv = |name: &str| query.params.get(name).map(|v| v.split(',').map(str::to_owned).collect::<Vec<_>>());
    let filter = GatewayFilter {
        name: text("name"),
        vpc_id: text("vpc.id"),
        vpc_crn: text("vpc.crn"),
        vpc_name: text("vpc.name"),
        lifecycle_states: csv("lifecycle_state"),
        modes: csv("dns_resolution_binding_mode"),
        resource_group: text("resource_group.id"),
        shared: query.params.one_of("allow_dns_resolution_binding", &["true", "false"])?.map(|v| v == "true"),
    };
    let page = state.app.list_gateways(&caller, &filter, &paging.request());
    let items = page.items.iter().map(|read| render(&query.base, read, query.legacy_mode())).collect();
    let url = query.url("/endpoint_gateways");
    let body =
        paging::collection(&url, &query.params, &paging, "endpoint_gateways", items, page.total, page.next.as_ref());
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /v1/endpoint_gateways` → 201.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: VpcQuery,
    IbmJson(body): IbmJson<GatewayPrototype>,
) -> Result<Response, ApiError> {
    let read = state.app.create_gateway(&caller, body.input(&query)?).await?;
    Ok(with_etag(StatusCode::CREATED, &read.etag(), &render(&query.base, &read, query.legacy_mode())))
}

/// `GET /v1/endpoint_gateways/{id}`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.gateway(&caller, &id)?;
    Ok(with_etag(StatusCode::OK, &read.etag(), &render(&query.base, &read, query.legacy_mode())))
}

/// `PATCH /v1/endpoint_gateways/{id}`: name and mode.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
    if_match: IfMatch,
    IbmJson(body): IbmJson<GatewayPatch>,
) -> Result<Response, ApiError> {
    let mode = body.mode.requested(&query)?;
    let read = state.app.update_gateway(&caller, &id, body.name.as_deref(), mode, &if_match.optional()).await?;
    Ok(with_etag(StatusCode::OK, &read.etag(), &render(&query.base, &read, query.legacy_mode())))
}

/// `DELETE /v1/endpoint_gateways/{id}` → 204.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    _query: VpcQuery,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    state.app.delete_gateway(&caller, &id, &if_match.optional()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v1/endpoint_gateways/{id}/ips`.
pub async fn list_ips(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let paging = Paging::from_params(&query.params, paging::VPC)?;
    let page = state.app.list_gateway_ips(&caller, &id, &paging.request())?;
    let items = page.items.iter().map(|read| render_reserved_ip(&query.base, read)).collect();
    let url = query.url(&format!("/endpoint_gateways/{id}/ips"));
    let body = paging::collection(&url, &query.params, &paging, "ips", items, page.total, page.next.as_ref());
    Ok(json_response(StatusCode::OK, &body))
}

/// `PUT /v1/endpoint_gateways/{id}/ips/{ip}`: binds a reserved IP → 201.
pub async fn bind_ip(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, ip)): Path<(String, String)>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.bind_gateway_ip(&caller, &id, &ip).await?;
    Ok(json_response(StatusCode::CREATED, &render_reserved_ip(&query.base, &read)))
}

/// `GET /v1/endpoint_gateways/{id}/ips/{ip}`.
pub async fn get_ip(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, ip)): Path<(String, String)>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.gateway_ip(&caller, &id, &ip)?;
    Ok(json_response(StatusCode::OK, &render_reserved_ip(&query.base, &read)))
}

/// `DELETE /v1/endpoint_gateways/{id}/ips/{ip}`: unbinds it → 204.
pub async fn unbind_ip(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, ip)): Path<(String, String)>,
    _query: VpcQuery,
) -> Result<Response, ApiError> {
    state.app.unbind_gateway_ip(&caller, &id, &ip).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
