//! `/v1/vpcs/{vpc_id}/dns_resolution_bindings`: one binding, one id, seen from the spoke and from the hub.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use hubspoke_app::AppError;
use hubspoke_app::network::Activity;
use hubspoke_vpc::RuleError;
use hubspoke_vpc::model::{Binding, Vpc};
use hubspoke_vpc::region::crn;
use hubspoke_vpc::rules::binding;
use hubspoke_vpc::topology::{binding_gateways, binding_health};
use serde_json::{Value, json};

use super::{Lens, VpcQuery, created_at, object, optional_string, page, vpc_identity, vpc_reference};
use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson};
use crate::transaction::json_response;

/// A binding as `from` (one of its VPCs) sees it: `vpc` is the other side.
pub fn render(lens: &Lens, from: &Vpc, binding: &Binding, lifecycle: Option<&str>) -> Value {
    let base = lens.base;
    let (other, _) = binding.other(&from.id);
    let other_ref = match lens.world.vpc(other) {
        Some(other) => {
            let mut reference = vpc_reference(base, other, Some(&from.account));
            if reference.get("remote").is_none() {
                reference["remote"] = json!({});
            }
            reference
        }
        None => {
            json!({ "id": other, "resource_type": "vpc", "deleted": { "more_info": "https://cloud.ibm.com/apidocs/vpc#deleted-resources" } })
        }
    };
    let gateways: Vec<Value> = binding_gateways(lens.world, binding)
        .map(|gateway| {
            let mut reference = json!({
                "crn": crn(&gateway.account, "endpoint-gateway", &gateway.id),
                "href": format!("{base}/endpoint_gateways/{}", gateway.id),
                "id": gateway.id,
                "name": gateway.name,
                "resource_type": "endpoint_gateway",
            });
            if gateway.account != from.account {
                reference["remote"] =
                    json!({ "account": { "id": gateway.account.as_str(), "resource_type": "account" } });
            }
            reference
        })
        .collect();
    let (health, reasons) = binding_health(binding);
    let reasons: Vec<Value> =
        reasons.into_iter().map(|(code, message)| json!({ "code": code, "message": message })).collect();
    json!({
        "created_at": created_at(binding.created_at),
        "endpoint_gateways": gateways,
        "health_reasons": reasons,
        "health_state": health,
        "href": format!("{base}/vpcs/{}/dns_resolution_bindings/{}", from.id, binding.id),
        "id": binding.id,
        "lifecycle_state": lifecycle.unwrap_or_else(|| binding.settling.state_at(lens.now)),
        "name": binding.name_for(&from.id),
        "resource_type": "vpc_dns_resolution_binding",
        "vpc": other_ref,
    })
}

fn one(
    state: &ApiState,
    caller: &hubspoke_iam::Caller,
    query: &VpcQuery,
    vpc: &str,
    id: &str,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let view = state.app.view(caller);
    let from = view.vpc(vpc)?;
    let binding = view
        .world
        .binding(id)
        .filter(|b| b.seen_from(vpc))
        .ok_or_else(|| ApiError::from(AppError::Rule(RuleError::not_found("DNS resolution binding", id))))?;
    let lens = Lens::of(&view, query);
    Ok(json_response(status, &render(&lens, from, binding, None)))
}

/// `GET /v1/vpcs/{vpc_id}/dns_resolution_bindings`: filters `name`, `vpc.crn`, `vpc.name`, `account.id`; `sort` by
/// `created_at` or `name` (prefix `-` for descending; newest first by default).
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(vpc): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let view = state.app.view(&caller);
    let from = view.vpc(&vpc)?;
    let lens = Lens::of(&view, &query);
    let sort = query.params.one_of("sort", &["created_at", "-created_at", "name", "-name"])?.unwrap_or("-created_at");
    let name = query.params.get("name");
    let other_crn = query.params.get("vpc.crn");
    let other_name = query.params.get("vpc.name");
    let account = query.params.get("account.id");
    let mut bindings: Vec<&Binding> = view
        .world
        .bindings_of(&vpc)
        .filter(|b| name.is_none_or(|n| b.name_for(&vpc) == n))
        .filter(|b| {
            let (other, other_account) = b.other(&vpc);
            let other_vpc = view.world.vpc(other);
            other_crn.is_none_or(|c| crn(other_account, "vpc", other) == c)
                && other_name.is_none_or(|n| other_vpc.is_some_and(|o| o.name == n))
                && account.is_none_or(|a| other_account.as_str() == a)
        })
        .collect();
    match sort {
        "created_at" => bindings.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id))),
        "name" => bindings.sort_by(|a, b| a.name_for(&vpc).cmp(b.name_for(&vpc))),
        "-name" => bindings.sort_by(|a, b| b.name_for(&vpc).cmp(a.name_for(&vpc))),
        _ => bindings.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id))),
    }
    let items = bindings.into_iter().map(|b| render(&lens, from, b, None)).collect();
    Ok(json_response(
        StatusCode::OK,
        &page(&query, &format!("/vpcs/{vpc}/dns_resolution_bindings"), "dns_resolution_bindings", items)?,
    ))
}

/// `POST /v1/vpcs/{vpc_id}/dns_resolution_bindings` from the spoke → 201.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(vpc): Path<String>,
    query: VpcQuery,
    IbmJson(body): IbmJson<Value>,
) -> Result<Response, ApiError> {
    object(&body)?;
    let hub = vpc_identity(body.get("vpc").unwrap_or(&Value::Null), "vpc")?;
    let name = optional_string(&body, "name")?;
    let ((id, _), _) = state
        .app
        .change(
            &caller,
            Activity::creating("is.vpc.dns-resolution-binding.create", "dns_resolution_binding"),
            |w, c| binding::create(w, c, &vpc, &hub, name.as_deref()),
        )
        .await?;
    one(&state, &caller, &query, &vpc, &id, StatusCode::CREATED)
}

/// `GET /v1/vpcs/{vpc_id}/dns_resolution_bindings/{id}`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((vpc, id)): Path<(String, String)>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    one(&state, &caller, &query, &vpc, &id, StatusCode::OK)
}

/// `PATCH /v1/vpcs/{vpc_id}/dns_resolution_bindings/{id}`: renames the binding as this VPC lists it.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((vpc, id)): Path<(String, String)>,
    query: VpcQuery,
    IbmJson(body): IbmJson<Value>,
) -> Result<Response, ApiError> {
    object(&body)?;
    if let Some(name) = optional_string(&body, "name")? {
        state
            .app
            .change(
                &caller,
                Activity::on("is.vpc.dns-resolution-binding.update", "dns_resolution_binding", &id),
                |w, c| binding::rename(w, c, &vpc, &id, &name),
            )
            .await?;
    }
    one(&state, &caller, &query, &vpc, &id, StatusCode::OK)
}

/// `DELETE /v1/vpcs/{vpc_id}/dns_resolution_bindings/{id}` → 202 with the binding, `deleting`.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((vpc, id)): Path<(String, String)>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let before = state.app.view(&caller);
    let (deleted, _) = state
        .app
        .change(&caller, Activity::on("is.vpc.dns-resolution-binding.delete", "dns_resolution_binding", &id), |w, c| {
            binding::delete(w, c, &vpc, &id)
        })
        .await?;
    let from = before.vpc(&vpc)?;
    let lens = Lens::of(&before, &query);
    Ok(json_response(StatusCode::ACCEPTED, &render(&lens, from, &deleted.binding, Some("deleting"))))
}
