//! DNS Services custom resolvers at `/v1/instances/{instance_id}/custom_resolvers`, as `DnsSvcsV1` calls them. An
//! instance id is any string; each account's resolvers are private to it, so two accounts may use the same id.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hubspoke_app::AppError;
use hubspoke_app::network::{Activity, View};
use hubspoke_vpc::RuleError;
use hubspoke_vpc::model::CustomResolver;
use hubspoke_vpc::region::crn;
use hubspoke_vpc::rules::Patch;
use hubspoke_vpc::rules::resolver::{self, NewLocation};
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson};
use crate::transaction::json_response;
use crate::vpc::{object, optional_bool, optional_string};
use crate::wire::timestamp;

fn render(view: &View, resolver: &CustomResolver) -> Value {
    let locations: Vec<Value> = resolver
        .locations
        .iter()
        .map(|location| {
            let subnet = view.world.subnet(&location.subnet);
            let address = view.world.reserved_ip(&location.reserved_ip).map(|ip| ip.address.to_string());
            json!({
                "id": location.id,
                "subnet_crn": subnet.map(|s| crn(&s.account, "subnet", &s.id)).unwrap_or_default(),
                "enabled": location.enabled,
                "healthy": resolver.enabled && location.enabled,
                "dns_server_ip": address,
            })
        })
        .collect();
    let healthy = !resolver.enabled || resolver.locations.iter().any(|l| l.enabled);
    let mut value = json!({
        "id": resolver.id,
        "name": resolver.name,
        "enabled": resolver.enabled,
        "health": if healthy { "HEALTHY" } else { "CRITICAL" },
        "locations": locations,
        "created_on": timestamp(resolver.created_at),
        "modified_on": timestamp(resolver.modified_at),
        "profile": "essential",
        "allow_disruptive_updates": false,
    });
    if let Some(description) = &resolver.description {
        value["description"] = json!(description);
    }
    value
}

fn visible<'a>(view: &'a View, instance: &str, id: &str) -> Result<&'a CustomResolver, ApiError> {
    view.world
        .resolver(id)
        .filter(|r| r.instance == instance && view.sees(&r.account))
        .ok_or_else(|| AppError::Rule(RuleError::not_found("custom resolver", id)).into())
}

fn one(
    state: &ApiState,
    caller: &hubspoke_iam::Caller,
    instance: &str,
    id: &str,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let view = state.app.view(caller);
    let resolver = visible(&view, instance, id)?;
    Ok(json_response(status, &render(&view, resolver)))
}

fn location(value: &Value) -> Result<NewLocation, ApiError> {
    let subnet_crn = optional_string(value, "subnet_crn")?.ok_or_else(|| {
        ApiError::invalid_body("each location needs a `subnet_crn`").with_target("locations.subnet_crn", "field")
    })?;
    Ok(NewLocation { subnet_crn, enabled: optional_bool(value.get("enabled"), "locations.enabled")?.unwrap_or(true) })
}

/// `GET /v1/instances/{instance_id}/custom_resolvers`.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(instance): Path<String>,
) -> Result<Response, ApiError> {
    let view = state.app.view(&caller);
    let mut resolvers: Vec<&CustomResolver> =
        view.world.resolvers().filter(|r| r.instance == instance && view.sees(&r.account)).collect();
    resolvers.sort_by_key(|r| r.created_at);
    let items: Vec<Value> = resolvers.into_iter().map(|r| render(&view, r)).collect();
    Ok(json_response(StatusCode::OK, &json!({ "custom_resolvers": items })))
}

/// `POST /v1/instances/{instance_id}/custom_resolvers`: created disabled; enable it with an update.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(instance): Path<String>,
    IbmJson(body): IbmJson<Value>,
) -> Result<Response, ApiError> {
    object(&body)?;
    let name = optional_string(&body, "name")?
        .ok_or_else(|| ApiError::invalid_body("`name` is required").with_target("name", "field"))?;
    let description = optional_string(&body, "description")?;
    let locations = match body.get("locations") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(location).collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err(ApiError::invalid_body("`locations` must be an array").with_target("locations", "field")),
    };
    let (id, _) = state
        .app
        .change(&caller, Activity::creating("dns-svcs.custom-resolver.create", "custom_resolver"), |w, c| {
            resolver::create(w, c, &instance, &name, description.clone(), &locations)
        })
        .await?;
    one(&state, &caller, &instance, &id, StatusCode::OK)
}

/// `GET /v1/instances/{instance_id}/custom_resolvers/{resolver_id}`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    one(&state, &caller, &instance, &id, StatusCode::OK)
}

/// `PATCH /v1/instances/{instance_id}/custom_resolvers/{resolver_id}`: name, description, enabled.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, id)): Path<(String, String)>,
    IbmJson(body): IbmJson<Value>,
) -> Result<Response, ApiError> {
    object(&body)?;
    let name = optional_string(&body, "name")?;
    let description = match body.get("description") {
        None => Patch::Absent,
        Some(Value::Null) => Patch::Null,
        Some(Value::String(text)) => Patch::Value(text.clone()),
        Some(_) => {
            return Err(ApiError::invalid_body("`description` must be a string").with_target("description", "field"));
        }
    };
    let enabled = optional_bool(body.get("enabled"), "enabled")?;
    state
        .app
        .change(&caller, Activity::on("dns-svcs.custom-resolver.update", "custom_resolver", &id), |w, c| {
            resolver::update(w, c, &instance, &id, name.as_deref(), description.clone(), enabled)
        })
        .await?;
    one(&state, &caller, &instance, &id, StatusCode::OK)
}

/// `DELETE /v1/instances/{instance_id}/custom_resolvers/{resolver_id}` → 204.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state
        .app
        .change(&caller, Activity::on("dns-svcs.custom-resolver.delete", "custom_resolver", &id), |w, c| {
            resolver::delete(w, c, &instance, &id)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn location_response(
    state: &ApiState,
    caller: &hubspoke_iam::Caller,
    instance: &str,
    id: &str,
    location: &str,
) -> Result<Response, ApiError> {
    let view = state.app.view(caller);
    let resolver = visible(&view, instance, id)?;
    let rendered = render(&view, resolver);
    let found = rendered["locations"].as_array().and_then(|ls| ls.iter().find(|l| l["id"] == location).cloned());
    let found = found
        .ok_or_else(|| ApiError::from(AppError::Rule(RuleError::not_found("custom resolver location", location))))?;
    Ok(json_response(StatusCode::OK, &found))
}

/// `POST /v1/instances/{instance_id}/custom_resolvers/{resolver_id}/locations`.
pub async fn add_location(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, id)): Path<(String, String)>,
    IbmJson(body): IbmJson<Value>,
) -> Result<Response, ApiError> {
    let input = location(&body)?;
    let (location, _) = state
        .app
        .change(&caller, Activity::on("dns-svcs.custom-resolver.update", "custom_resolver", &id), |w, c| {
            resolver::create_location(w, c, &instance, &id, &input)
        })
        .await?;
    location_response(&state, &caller, &instance, &id, &location)
}

/// `PATCH /v1/instances/{instance_id}/custom_resolvers/{resolver_id}/locations/{location_id}`.
pub async fn update_location(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, id, location)): Path<(String, String, String)>,
    IbmJson(body): IbmJson<Value>,
) -> Result<Response, ApiError> {
    object(&body)?;
    let enabled = optional_bool(body.get("enabled"), "enabled")?;
    state
        .app
        .change(&caller, Activity::on("dns-svcs.custom-resolver.update", "custom_resolver", &id), |w, c| {
            resolver::update_location(w, c, &instance, &id, &location, enabled)
        })
        .await?;
    location_response(&state, &caller, &instance, &id, &location)
}

/// `DELETE /v1/instances/{instance_id}/custom_resolvers/{resolver_id}/locations/{location_id}` → 204.
pub async fn delete_location(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, id, location)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    state
        .app
        .change(&caller, Activity::on("dns-svcs.custom-resolver.update", "custom_resolver", &id), |w, c| {
            resolver::delete_location(w, c, &instance, &id, &location)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
