//! Forwarding rules and secondary zones of DNS Services custom resolvers, at
//! `/v1/instances/{instance_id}/custom_resolvers/{resolver_id}/forwarding_rules` and `.../secondary_zones`, as
//! `DnsSvcsV1` calls them. Lists page by `offset` and `limit`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hubspoke_app::network::Patch;
use hubspoke_app::network::forwarding_rules::{ForwardingRulePatch, NewForwardingRule, NewView};
use hubspoke_app::network::secondary_zones::{NewSecondaryZone, SecondaryZonePatch};
use hubspoke_vpc::model::{ForwardingRule, RuleView, SecondaryZone, Target};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, BaseUrl, IbmJson, JsonObject, Params};
use crate::paging::OffsetPage;
use crate::transaction::json_response;
use crate::wire::timestamp;

fn render_targets(targets: &[Target]) -> Vec<String> {
    targets.iter().map(Target::to_string).collect()
}

fn render_view(view: &RuleView) -> Value {
    json!({
        "name": view.name,
        "description": view.description,
        "expression": view.expression.text(),
        "forward_to": render_targets(&view.forward_to),
    })
}

fn render_rule(rule: &ForwardingRule) -> Value {
    json!({
        "id": rule.id,
        "description": rule.description,
        "type": rule.kind.as_str(),
        "match": rule.matches,
        "forward_to": render_targets(&rule.forward_to),
        "views": rule.views.iter().map(render_view).collect::<Vec<_>>(),
        "created_on": timestamp(rule.created_at),
        "modified_on": timestamp(rule.modified_at),
    })
}

/// A secondary zone's primaries always show a port, as DNS Services shows `10.0.0.7:53` for a bare address.
fn render_zone(zone: &SecondaryZone) -> Value {
    let transfer_from: Vec<String> = zone.transfer_from.iter().map(|target| target.socket().to_string()).collect();
    json!({
        "id": zone.id,
        "description": zone.description,
        "zone": zone.zone,
        "enabled": zone.enabled,
        "transfer_from": transfer_from,
        "created_on": timestamp(zone.created_at),
        "modified_on": timestamp(zone.modified_at),
    })
}

/// A view of a create or update body.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ViewBody {
    name: Option<String>,
    description: Option<String>,
    expression: Option<String>,
    forward_to: Vec<String>,
}

fn view_input(index: usize, body: ViewBody) -> Result<NewView, ApiError> {
    let required = |value: Option<String>, field: &str| {
        value.ok_or_else(|| {
            ApiError::invalid_body(format!("each view needs `{field}`"))
                .with_target(&format!("views[{index}].{field}"), "field")
        })
    };
    Ok(NewView {
        name: required(body.name, "name")?,
        expression: required(body.expression, "expression")?,
        description: body.description,
        forward_to: body.forward_to,
    })
}

fn views_input(views: Vec<ViewBody>) -> Result<Vec<NewView>, ApiError> {
    views.into_iter().enumerate().map(|(index, view)| view_input(index, view)).collect()
}

/// The body of `POST .../forwarding_rules`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RulePrototype {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(rename = "match")]
    matches: Option<String>,
    description: Option<String>,
    forward_to: Vec<String>,
    views: Vec<ViewBody>,
}

/// The body of `POST .../secondary_zones`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ZonePrototype {
    zone: Option<String>,
    description: Option<String>,
    enabled: Option<bool>,
    transfer_from: Option<Vec<String>>,
}

/// A member of a PATCH body that must have one JSON type when present (`null` counts as absent).
fn member<'a, T: serde::Deserialize<'a>>(
    body: &'a Map<String, Value>,
    name: &str,
    expected: &str,
) -> Result<Option<T>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => T::deserialize(value)
            .map(Some)
            .map_err(|_| ApiError::invalid_body(format!("`{name}` must be {expected}")).with_target(name, "field")),
    }
}

fn description_patch(body: &Map<String, Value>) -> Result<Patch<String>, ApiError> {
    Ok(match body.get("description") {
        None => Patch::Absent,
        Some(Value::Null) => Patch::Null,
        Some(_) => Patch::Value(member::<String>(body, "description", "a string")?.unwrap_or_default()),
    })
}

fn rule_patch(body: &Map<String, Value>) -> Result<ForwardingRulePatch, ApiError> {
    let views: Option<Vec<ViewBody>> = member(body, "views", "an array of views")?;
    Ok(ForwardingRulePatch {
        description: description_patch(body)?,
        matches: member(body, "match", "a string")?,
        forward_to: member(body, "forward_to", "an array of addresses")?,
        views: views.map(views_input).transpose()?,
    })
}

fn zone_patch(body: &Map<String, Value>) -> Result<SecondaryZonePatch, ApiError> {
    Ok(SecondaryZonePatch {
        zone: member(body, "zone", "a string")?,
        description: description_patch(body)?,
        enabled: member(body, "enabled", "a boolean")?,
        transfer_from: member(body, "transfer_from", "an array of addresses")?,
    })
}

fn list_url(base: &BaseUrl, instance: &str, resolver: &str, what: &str) -> String {
    format!("{}/v1/instances/{instance}/custom_resolvers/{resolver}/{what}", base.0)
}

/// `GET .../custom_resolvers/{resolver_id}/forwarding_rules`: the default rule first.
pub async fn list_rules(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    base: BaseUrl,
    params: Params,
    Path((instance, resolver)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let page = OffsetPage::from_params(&params)?;
    let rules = state.app.list_forwarding_rules(&caller, &instance, &resolver)?;
    let items = page.slice(&rules).iter().map(render_rule).collect();
    let url = list_url(&base, &instance, &resolver, "forwarding_rules");
    Ok(json_response(StatusCode::OK, &page.body(&url, &params, "forwarding_rules", items, rules.len())))
}

/// `POST .../custom_resolvers/{resolver_id}/forwarding_rules`: a `zone` rule.
pub async fn create_rule(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, resolver)): Path<(String, String)>,
    IbmJson(body): IbmJson<RulePrototype>,
) -> Result<Response, ApiError> {
    let kind = body.kind.ok_or_else(|| ApiError::invalid_body("`type` is required").with_target("type", "field"))?;
    let matches =
        body.matches.ok_or_else(|| ApiError::invalid_body("`match` is required").with_target("match", "field"))?;
    let input = NewForwardingRule {
        kind,
        matches,
        description: body.description,
        forward_to: body.forward_to,
        views: views_input(body.views)?,
    };
    let rule = state.app.create_forwarding_rule(&caller, &instance, &resolver, input).await?;
    Ok(json_response(StatusCode::OK, &render_rule(&rule)))
}

/// `GET .../forwarding_rules/{rule_id}`.
pub async fn get_rule(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, resolver, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let rule = state.app.forwarding_rule(&caller, &instance, &resolver, &id)?;
    Ok(json_response(StatusCode::OK, &render_rule(&rule)))
}

/// `PATCH .../forwarding_rules/{rule_id}`: description, match, forward_to, views.
pub async fn update_rule(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, resolver, id)): Path<(String, String, String)>,
    IbmJson(JsonObject(body)): IbmJson<JsonObject>,
) -> Result<Response, ApiError> {
    let rule = state.app.update_forwarding_rule(&caller, &instance, &resolver, &id, rule_patch(&body)?).await?;
    Ok(json_response(StatusCode::OK, &render_rule(&rule)))
}

/// `DELETE .../forwarding_rules/{rule_id}` → 204.
pub async fn delete_rule(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, resolver, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    state.app.delete_forwarding_rule(&caller, &instance, &resolver, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET .../custom_resolvers/{resolver_id}/secondary_zones`.
pub async fn list_zones(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    base: BaseUrl,
    params: Params,
    Path((instance, resolver)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let page = OffsetPage::from_params(&params)?;
    let zones = state.app.list_secondary_zones(&caller, &instance, &resolver)?;
    let items = page.slice(&zones).iter().map(render_zone).collect();
    let url = list_url(&base, &instance, &resolver, "secondary_zones");
    Ok(json_response(StatusCode::OK, &page.body(&url, &params, "secondary_zones", items, zones.len())))
}

/// `POST .../custom_resolvers/{resolver_id}/secondary_zones`.
pub async fn create_zone(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, resolver)): Path<(String, String)>,
    IbmJson(body): IbmJson<ZonePrototype>,
) -> Result<Response, ApiError> {
    let zone = body.zone.ok_or_else(|| ApiError::invalid_body("`zone` is required").with_target("zone", "field"))?;
    let transfer_from = body
        .transfer_from
        .ok_or_else(|| ApiError::invalid_body("`transfer_from` is required").with_target("transfer_from", "field"))?;
    let input = NewSecondaryZone { zone, description: body.description, enabled: body.enabled, transfer_from };
    let zone = state.app.create_secondary_zone(&caller, &instance, &resolver, input).await?;
    Ok(json_response(StatusCode::OK, &render_zone(&zone)))
}

/// `GET .../secondary_zones/{secondary_zone_id}`.
pub async fn get_zone(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, resolver, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let zone = state.app.secondary_zone(&caller, &instance, &resolver, &id)?;
    Ok(json_response(StatusCode::OK, &render_zone(&zone)))
}

/// `PATCH .../secondary_zones/{secondary_zone_id}`: description, enabled, transfer_from.
pub async fn update_zone(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, resolver, id)): Path<(String, String, String)>,
    IbmJson(JsonObject(body)): IbmJson<JsonObject>,
) -> Result<Response, ApiError> {
    let zone = state.app.update_secondary_zone(&caller, &instance, &resolver, &id, zone_patch(&body)?).await?;
    Ok(json_response(StatusCode::OK, &render_zone(&zone)))
}

/// `DELETE .../secondary_zones/{secondary_zone_id}` → 204.
pub async fn delete_zone(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, resolver, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    state.app.delete_secondary_zone(&caller, &instance, &resolver, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
