//! DNS Services custom resolvers at `/v1/instances/{instance_id}/custom_resolvers`, as `DnsSvcsV1` calls them. The
//! instance is a DNS Services instance of the caller's account (`/v2/resource_instances`); any other is 404.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hubspoke_app::network::Patch;
use hubspoke_app::network::resolvers::{
    CustomResolverPatch, CustomResolverRead, LocationPatch, LocationRead, NewCustomResolver, NewLocation,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson, JsonObject};
use crate::transaction::json_response;
use crate::wire::timestamp;

fn render_location(read: &LocationRead) -> Value {
    json!({
        "id": read.location.id,
        "subnet_crn": read.subnet_crn,
        "enabled": read.location.enabled,
        "healthy": read.resolver_enabled && read.location.enabled,
        "dns_server_ip": read.address.map(|address| address.to_string()),
    })
}

/// `HEALTHY` when every location serves, `CRITICAL` when none does (a disabled resolver serves from none), and
/// `DEGRADED` in between.
fn health(read: &CustomResolverRead) -> &'static str {
    let serving = read.locations.iter().filter(|l| l.resolver_enabled && l.location.enabled).count();
    if serving == 0 {
        "CRITICAL"
    } else if serving == read.locations.len() {
        "HEALTHY"
    } else {
        "DEGRADED"
    }
}

fn render(read: &CustomResolverRead) -> Value {
    let resolver = &read.resolver;
    let locations: Vec<Value> = read.locations.iter().map(render_location).collect();
    let mut lifecycle = json!({ "state": read.lifecycle, "reasons": [] });
    if read.lifecycle == "updating" {
        lifecycle["active_delta"] = json!({ "profile": resolver.profile.as_str() });
    }
    json!({
        "id": resolver.id,
        "name": resolver.name,
        "description": resolver.description.as_deref().unwrap_or_default(),
        "enabled": resolver.enabled,
        "health": health(read),
        "locations": locations,
        "created_on": timestamp(resolver.created_at),
        "modified_on": timestamp(resolver.modified_at),
        "profile": resolver.profile.as_str(),
        "allow_disruptive_updates": resolver.allow_disruptive_updates,
        "lifecycle": lifecycle,
    })
}

/// A location of a create or add body.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LocationPrototype {
    subnet_crn: Option<String>,
    enabled: Option<bool>,
}

impl LocationPrototype {
    fn input(self) -> Result<NewLocation, ApiError> {
        let subnet_crn = self.subnet_crn.ok_or_else(|| {
            ApiError::invalid_body("each location needs a `subnet_crn`").with_target("locations.subnet_crn", "field")
        })?;
        Ok(NewLocation { subnet_crn, enabled: self.enabled.unwrap_or(true) })
    }
}

/// The body of `POST .../custom_resolvers`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResolverPrototype {
    name: Option<String>,
    description: Option<String>,
    profile: Option<String>,
    locations: Vec<LocationPrototype>,
}

/// The body of `PATCH .../locations/{id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LocationPatchBody {
    subnet_crn: Option<String>,
    enabled: Option<bool>,
}

/// The body of `PUT .../locations_order`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LocationsOrder {
    locations: Option<Vec<String>>,
}

/// `PATCH .../custom_resolvers/{id}` is a merge patch: `description: null` removes the description.
fn resolver_patch(body: &Map<String, Value>) -> Result<CustomResolverPatch, ApiError> {
    let typed = |name: &str, expected: &str| -> Result<Option<&Value>, ApiError> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value)
                if (expected == "string" && value.is_string()) || (expected == "boolean" && value.is_boolean()) =>
            {
                Ok(Some(value))
            }
            Some(_) => Err(ApiError::invalid_body(format!("`{name}` must be a {expected}")).with_target(name, "field")),
        }
    };
    let description = match body.get("description") {
        None => Patch::Absent,
        Some(Value::Null) => Patch::Null,
        Some(_) => Patch::Value(typed("description", "string")?.and_then(Value::as_str).unwrap_or_default().to_owned()),
    };
    Ok(CustomResolverPatch {
        name: typed("name", "string")?.and_then(Value::as_str).map(str::to_owned),
        description,
        enabled: typed("enabled", "boolean")?.and_then(Value::as_bool),
        profile: typed("profile", "string")?.and_then(Value::as_str).map(str::to_owned),
        allow_disruptive_updates: typed("allow_disruptive_updates", "boolean")?.and_then(Value::as_bool),
    })
}

/// `GET /v1/instances/{instance_id}/custom_resolvers`.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(instance): Path<String>,
) -> Result<Response, ApiError> {
    let items: Vec<Value> = state.app.list_resolvers(&caller, &instance)?.iter().map(render).collect();
    Ok(json_response(StatusCode::OK, &json!({ "custom_resolvers": items })))
}

/// `POST /v1/instances/{instance_id}/custom_resolvers`: created disabled; enable it with an update.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(instance): Path<String>,
    IbmJson(body): IbmJson<ResolverPrototype>,
) -> Result<Response, ApiError> {
    let name = body.name.ok_or_else(|| ApiError::invalid_body("`name` is required").with_target("name", "field"))?;
    let locations = body.locations.into_iter().map(LocationPrototype::input).collect::<Result<Vec<_>, _>>()?;
    let input = NewCustomResolver { name, description: body.description, profile: body.profile, locations };
    let read = state.app.create_resolver(&caller, &instance, input).await?;
    Ok(json_response(StatusCode::OK, &render(&read)))
}

/// `GET /v1/instances/{instance_id}/custom_resolvers/{resolver_id}`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(json_response(StatusCode::OK, &render(&state.app.resolver(&caller, &instance, &id)?)))
}

/// `PATCH /v1/instances/{instance_id}/custom_resolvers/{resolver_id}`: name, description, enabled, profile,
/// allow_disruptive_updates.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, id)): Path<(String, String)>,
    IbmJson(JsonObject(body)): IbmJson<JsonObject>,
) -> Result<Response, ApiError> {
    let read = state.app.update_resolver(&caller, &instance, &id, resolver_patch(&body)?).await?;
    Ok(json_response(StatusCode::OK, &render(&read)))
}

/// `DELETE /v1/instances/{instance_id}/custom_resolvers/{resolver_id}` → 204.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state.app.delete_resolver(&caller, &instance, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /v1/instances/{instance_id}/custom_resolvers/{resolver_id}/locations`.
pub async fn add_location(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, id)): Path<(String, String)>,
    IbmJson(body): IbmJson<LocationPrototype>,
) -> Result<Response, ApiError> {
    let read = state.app.add_resolver_location(&caller, &instance, &id, body.input()?).await?;
    Ok(json_response(StatusCode::OK, &render_location(&read)))
}

/// `PATCH /v1/instances/{instance_id}/custom_resolvers/{resolver_id}/locations/{location_id}`.
pub async fn update_location(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, id, location)): Path<(String, String, String)>,
    IbmJson(body): IbmJson<LocationPatchBody>,
) -> Result<Response, ApiError> {
    let patch = LocationPatch { subnet_crn: body.subnet_crn, enabled: body.enabled };
    let read = state.app.update_resolver_location(&caller, &instance, &id, &location, patch).await?;
    Ok(json_response(StatusCode::OK, &render_location(&read)))
}

/// `PUT /v1/instances/{instance_id}/custom_resolvers/{resolver_id}/locations_order`: the resolver's locations in a
/// new order; answers the resolver.
pub async fn order_locations(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, id)): Path<(String, String)>,
    IbmJson(body): IbmJson<LocationsOrder>,
) -> Result<Response, ApiError> {
    let order = body
        .locations
        .ok_or_else(|| ApiError::invalid_body("`locations` is required").with_target("locations", "field"))?;
    let read = state.app.order_resolver_locations(&caller, &instance, &id, order).await?;
    Ok(json_response(StatusCode::OK, &render(&read)))
}

/// `DELETE /v1/instances/{instance_id}/custom_resolvers/{resolver_id}/locations/{location_id}` → 204.
pub async fn delete_location(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, id, location)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    state.app.delete_resolver_location(&caller, &instance, &id, &location).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
