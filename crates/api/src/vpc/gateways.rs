//! `/v1/endpoint_gateways` and their reserved IPs. The API `version` decides between `dns_resolution_binding_mode`
//! (2025-11-18 and later) and the legacy `allow_dns_resolution_binding`/`allow_resource_binding` pair.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hubspoke_app::AppError;
use hubspoke_app::network::{Activity, View};
use hubspoke_vpc::RuleError;
use hubspoke_vpc::model::{BindingMode, EndpointGateway, GatewayTarget, Phase};
use hubspoke_vpc::region::crn;
use hubspoke_vpc::rules::gateway::{self, GatewayIp, NewGateway};
use hubspoke_vpc::rules::subnet::NewReservedIp;
use serde_json::{Value, json};

use super::subnets::render_reserved_ip;
use super::{
    Lens, MODE_VERSION, VpcQuery, created_at, identity_id, object, optional_bool, optional_string, page,
    resource_group, vpc_reference,
};
use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson};
use crate::transaction::json_response;

/// An endpoint gateway in the SDK's `EndpointGateway` shape, for the request's API version.
pub fn render(lens: &Lens, gateway: &EndpointGateway, legacy: bool) -> Value {
    let base = lens.base;
    let state = gateway.settling.state_at(lens.now);
    let reasons = match (state, gateway.settling.phase) {
        ("stable", _) | (_, Phase::Pending) => json!([]),
        _ => {
            json!([{ "code": "dns_resolution_binding_pending", "message": "The DNS resolution binding is being set up." }])
        }
    };
    let ips: Vec<Value> = lens
        .world
        .gateway_ips(&gateway.id)
        .map(|ip| json!({ "address": ip.address.to_string(), "href": format!("{base}/subnets/{}/reserved_ips/{}", ip.subnet, ip.id), "id": ip.id, "name": ip.name, "resource_type": "subnet_reserved_ip" }))
        .collect();
    let target = match &gateway.target {
        GatewayTarget::ProviderCloudService { crn } => json!({ "crn": crn, "resource_type": "provider_cloud_service" }),
        GatewayTarget::ProviderInfrastructureService { name } => {
            json!({ "name": name, "resource_type": "provider_infrastructure_service" })
        }
    };
    let vpc = lens.world.vpc(&gateway.vpc);
    let security_group = json!({
        "crn": crn(&gateway.account, "security-group", &format!("{}-sg", gateway.vpc)),
        "href": format!("{base}/security_groups/{}-sg", gateway.vpc),
        "id": format!("{}-sg", gateway.vpc),
        "name": "default-sg",
    });
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
        "resource_group": resource_group(base, &gateway.account),
        "resource_type": "endpoint_gateway",
        "security_groups": [security_group],
        "service_endpoint": gateway.service_endpoints.first(),
        "service_endpoints": gateway.service_endpoints,
        "target": target,
        "vpc": vpc.map(|vpc| vpc_reference(base, vpc, lens.viewer)).unwrap_or(json!({ "id": gateway.vpc })),
    });
    if legacy {
        value["allow_dns_resolution_binding"] = json!(gateway.mode != BindingMode::Disabled);
        value["allow_resource_binding"] = json!(gateway.mode == BindingMode::PerResourceBinding);
    } else {
        value["dns_resolution_binding_mode"] = json!(gateway.mode.as_str());
    }
    value
}

/// The mode a create or update body asks for, in the request's API version.
fn requested_mode(body: &Value, query: &VpcQuery) -> Result<Option<BindingMode>, ApiError> {
    let has = |field: &str| body.get(field).is_some_and(|v| !v.is_null());
    if query.legacy_mode() {
        if has("dns_resolution_binding_mode") {
            return Err(ApiError::invalid_body(format!("`dns_resolution_binding_mode` needs API version {MODE_VERSION} or later; with version `{}` use `allow_dns_resolution_binding`", query.version))
                .with_target("dns_resolution_binding_mode", "field"));
        }
        let allow = optional_bool(body.get("allow_dns_resolution_binding"), "allow_dns_resolution_binding")?;
        let resource = optional_bool(body.get("allow_resource_binding"), "allow_resource_binding")?;
        return match (allow, resource) {
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
    if has("allow_dns_resolution_binding") || has("allow_resource_binding") {
        return Err(ApiError::invalid_body(format!("since API version {MODE_VERSION}, `allow_dns_resolution_binding` is replaced by `dns_resolution_binding_mode`"))
            .with_target("allow_dns_resolution_binding", "field"));
    }
    match optional_string(body, "dns_resolution_binding_mode")? {
        None => Ok(None),
        Some(text) => BindingMode::parse(&text).map(Some).ok_or_else(|| {
            ApiError::invalid_body(format!(
                "`dns_resolution_binding_mode` is `{text}`; it must be `disabled`, `primary` or `per_resource_binding`"
            ))
            .with_target("dns_resolution_binding_mode", "field")
        }),
    }
}

fn new_gateway(body: &Value, query: &VpcQuery) -> Result<NewGateway, ApiError> {
    object(body)?;
    let target = body
        .get("target")
        .filter(|t| t.is_object())
        .ok_or_else(|| ApiError::invalid_body("`target` is required").with_target("target", "field"))?;
    let target = match target.get("resource_type").and_then(Value::as_str) {
        Some("provider_cloud_service") => GatewayTarget::ProviderCloudService {
            crn: target
                .get("crn")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::invalid_body("`target.crn` is required").with_target("target.crn", "field"))?
                .to_owned(),
        },
        Some("provider_infrastructure_service") => GatewayTarget::ProviderInfrastructureService {
            name: target
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::invalid_body("`target.name` is required").with_target("target.name", "field"))?
                .to_owned(),
        },
        other => {
            return Err(ApiError::invalid_body(format!(
                "`target.resource_type` is {other:?}; hubspoke supports `provider_cloud_service` and `provider_infrastructure_service`"
            ))
            .with_target("target.resource_type", "field"));
        }
    };
    let ips = match body.get("ips") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                if let Some(subnet) = item.get("subnet") {
                    let address = match item.get("address").and_then(Value::as_str) {
                        None => None,
                        Some(text) => Some(text.parse().map_err(|_| {
                            ApiError::invalid_body(format!("`ips[].address` `{text}` is not an IPv4 address"))
                                .with_target("ips", "field")
                        })?),
                    };
                    let ip = NewReservedIp {
                        address,
                        name: optional_string(item, "name")?,
                        auto_delete: optional_bool(item.get("auto_delete"), "ips[].auto_delete")?,
                    };
                    Ok(GatewayIp::New { subnet: identity_id(Some(subnet), "ips[].subnet")?, ip })
                } else {
                    Ok(GatewayIp::Existing(identity_id(Some(item), "ips[]")?))
                }
            })
            .collect::<Result<Vec<_>, ApiError>>()?,
        Some(_) => return Err(ApiError::invalid_body("`ips` must be an array").with_target("ips", "field")),
    };
    Ok(NewGateway {
        name: optional_string(body, "name")?,
        vpc: identity_id(body.get("vpc"), "vpc")?,
        target,
        mode: requested_mode(body, query)?,
        ips,
    })
}

fn visible_gateway<'a>(view: &'a View, id: &str) -> Result<&'a EndpointGateway, ApiError> {
    view.world
        .gateway(id)
        .filter(|g| view.sees(&g.account))
        .ok_or_else(|| AppError::Rule(RuleError::not_found("endpoint gateway", id)).into())
}

fn one(
    state: &ApiState,
    caller: &hubspoke_iam::Caller,
    query: &VpcQuery,
    id: &str,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let view = state.app.view(caller);
    let gateway = visible_gateway(&view, id)?;
    let lens = Lens::of(&view, query);
    Ok(json_response(status, &render(&lens, gateway, query.legacy_mode())))
}

/// `GET /v1/endpoint_gateways`: newest first, then by name; filters by name, VPC, lifecycle state and mode.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let view = state.app.view(&caller);
    let lens = Lens::of(&view, &query);
    let csv = |name: &str| query.params.get(name).map(|v| v.split(',').map(str::to_owned).collect::<Vec<_>>());
    let (states, modes) = (csv("lifecycle_state"), csv("dns_resolution_binding_mode"));
    let allow = query.params.one_of("allow_dns_resolution_binding", &["true", "false"])?.map(|v| v == "true");
    let name = query.params.get("name");
    let vpc_id = query.params.get("vpc.id");
    let vpc_crn = query.params.get("vpc.crn");
    let vpc_name = query.params.get("vpc.name");
    let mut gateways: Vec<&EndpointGateway> = view
        .world
        .gateways()
        .filter(|g| view.sees(&g.account))
        .filter(|g| name.is_none_or(|n| n == g.name))
        .filter(|g| vpc_id.is_none_or(|v| v == g.vpc))
        .filter(|g| {
            vpc_crn.is_none_or(|c| view.world.vpc(&g.vpc).is_some_and(|vpc| crn(&vpc.account, "vpc", &vpc.id) == c))
        })
        .filter(|g| vpc_name.is_none_or(|n| view.world.vpc(&g.vpc).is_some_and(|vpc| vpc.name == n)))
        .filter(|g| states.as_ref().is_none_or(|s| s.iter().any(|s| s == g.settling.state_at(view.now))))
        .filter(|g| modes.as_ref().is_none_or(|m| m.iter().any(|m| m == g.mode.as_str())))
        .filter(|g| allow.is_none_or(|a| a == (g.mode != BindingMode::Disabled)))
        .collect();
    gateways.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.name.cmp(&b.name)));
    let items = gateways.into_iter().map(|g| render(&lens, g, query.legacy_mode())).collect();
    Ok(json_response(StatusCode::OK, &page(&query, "/endpoint_gateways", "endpoint_gateways", items)?))
}

/// `POST /v1/endpoint_gateways` → 201.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: VpcQuery,
    IbmJson(body): IbmJson<Value>,
) -> Result<Response, ApiError> {
    let input = new_gateway(&body, &query)?;
    let (id, _) = state
        .app
        .change(
            &caller,
            Activity::creating("is.endpoint-gateway.endpoint-gateway.create", "endpoint_gateway"),
            |w, c| gateway::create(w, c, input.clone()),
        )
        .await?;
    one(&state, &caller, &query, &id, StatusCode::CREATED)
}

/// `GET /v1/endpoint_gateways/{id}`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    one(&state, &caller, &query, &id, StatusCode::OK)
}

/// `PATCH /v1/endpoint_gateways/{id}`: name and mode.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
    IbmJson(body): IbmJson<Value>,
) -> Result<Response, ApiError> {
    object(&body)?;
    let name = optional_string(&body, "name")?;
    let mode = requested_mode(&body, &query)?;
    state
        .app
        .change(
            &caller,
            Activity::on("is.endpoint-gateway.endpoint-gateway.update", "endpoint_gateway", &id),
            |w, c| gateway::update(w, c, &id, name.as_deref(), mode),
        )
        .await?;
    one(&state, &caller, &query, &id, StatusCode::OK)
}

/// `DELETE /v1/endpoint_gateways/{id}` → 204.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    _query: VpcQuery,
) -> Result<Response, ApiError> {
    state
        .app
        .change(
            &caller,
            Activity::on("is.endpoint-gateway.endpoint-gateway.delete", "endpoint_gateway", &id),
            |w, c| gateway::delete(w, c, &id),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v1/endpoint_gateways/{id}/ips`.
pub async fn list_ips(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let view = state.app.view(&caller);
    visible_gateway(&view, &id)?;
    let lens = Lens::of(&view, &query);
    let mut ips: Vec<_> = view.world.gateway_ips(&id).collect();
    ips.sort_by_key(|ip| ip.address);
    let items = ips.into_iter().map(|ip| render_reserved_ip(&lens, ip)).collect();
    Ok(json_response(StatusCode::OK, &page(&query, &format!("/endpoint_gateways/{id}/ips"), "ips", items)?))
}

fn ip_response(
    state: &ApiState,
    caller: &hubspoke_iam::Caller,
    query: &VpcQuery,
    id: &str,
    ip: &str,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let view = state.app.view(caller);
    visible_gateway(&view, id)?;
    let reserved = view
        .world
        .gateway_ips(id)
        .find(|r| r.id == ip)
        .ok_or_else(|| ApiError::from(AppError::Rule(RuleError::not_found("reserved IP", ip))))?;
    let lens = Lens::of(&view, query);
    Ok(json_response(status, &render_reserved_ip(&lens, reserved)))
}

/// `PUT /v1/endpoint_gateways/{id}/ips/{ip}`: binds a reserved IP → 201.
pub async fn bind_ip(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, ip)): Path<(String, String)>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    state
        .app
        .change(
            &caller,
            Activity::on("is.endpoint-gateway.endpoint-gateway.update", "endpoint_gateway", &id),
            |w, c| gateway::bind_ip(w, c, &id, &ip),
        )
        .await?;
    ip_response(&state, &caller, &query, &id, &ip, StatusCode::CREATED)
}

/// `GET /v1/endpoint_gateways/{id}/ips/{ip}`.
pub async fn get_ip(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, ip)): Path<(String, String)>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    ip_response(&state, &caller, &query, &id, &ip, StatusCode::OK)
}

/// `DELETE /v1/endpoint_gateways/{id}/ips/{ip}`: unbinds it → 204.
pub async fn unbind_ip(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, ip)): Path<(String, String)>,
    _query: VpcQuery,
) -> Result<Response, ApiError> {
    state
        .app
        .change(
            &caller,
            Activity::on("is.endpoint-gateway.endpoint-gateway.update", "endpoint_gateway", &id),
            |w, c| gateway::unbind_ip(w, c, &id, &ip),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
