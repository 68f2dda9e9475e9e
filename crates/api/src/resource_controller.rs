//! The Resource Controller API's service instances (`/v2/resource_instances`), for the one service hubspoke
//! provisions: DNS Services (`dns-svcs`). An instance's GUID is the `instance_id` of every DNS Services path; its
//! `id` is its CRN, and either names it in a path. Instances are provisioned at once: `active` from the start.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hubspoke_app::network::service_instances::{InstancePatch, InstanceQuery, NewServiceInstance, instance_crn};
use hubspoke_vpc::global_catalog::{self, SERVICE_ID as SERVICE};
use hubspoke_vpc::model::ServiceInstance;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson, Params};
use crate::transaction::json_response;
use crate::wire::timestamp;

/// An instance in the SDK's `ResourceInstance` shape; `resource_id`, `resource_plan_id` and `target_crn` are the
/// Global Catalog's ids of the service, the plan and the plan's deployment.
fn render(instance: &ServiceInstance, last_operation: &str) -> Value {
    let crn = instance_crn(instance);
    // A deleted instance is read back `removed`, its last operation the delete.
    let (state, last_operation) = match instance.removed_at {
        Some(_) => ("removed", "delete"),
        None => ("active", last_operation),
    };
    let mut rendered = json!({
        "id": crn,
        "guid": instance.id,
        "crn": crn,
        "url": format!("/v2/resource_instances/{}", instance.id),
        "name": instance.name,
        "account_id": instance.account.as_str(),
        "resource_group_id": instance.resource_group,
        "resource_id": SERVICE,
        "resource_plan_id": global_catalog::plan_id(instance.plan),
        "target_crn": global_catalog::catalog_crn(global_catalog::deployment(instance.plan)),
        "region_id": "global",
        "state": state,
        "type": "service_instance",
        "locked": false,
        "allow_cleanup": false,
        "parameters": {},
        "last_operation": {
            "type": last_operation,
            "state": "succeeded",
            "async": false,
            "cancelable": false,
            "poll": false,
            "description": format!("{last_operation} succeeded"),
        },
        "created_at": timestamp(instance.created_at),
        "updated_at": timestamp(instance.updated_at),
    });
    if let Some(removed_at) = instance.removed_at {
        rendered["deleted_at"] = json!(timestamp(removed_at));
    }
    rendered
}

/// `GET /v2/resource_instances`: the caller's DNS Services instances, filtered by `name`, `resource_group_id`,
/// `resource_plan_id` (the plan's catalog id or name) and `resource_id` (another service's id matches none), oldest first, `limit` (1 to 100, 100
/// by default) at a time from `start`.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    params: Params,
) -> Result<Response, ApiError> {
    let number = |name: &str, default: usize, max: usize, min: usize| match params.get(name) {
        None => Ok(default),
        Some(text) => text.parse::<usize>().ok().filter(|n| (min..=max).contains(n)).ok_or_else(|| {
            ApiError::invalid_query(format!("`{name}` is `{text}`; it must be a whole number from {min} to {max}"))
                .with_target(name, "parameter")
        }),
    };
    let limit = number("limit", 100, 100, 1)?;
    let start = number("start", 0, usize::MAX >> 1, 0)?;
    let query = InstanceQuery {
        name: params.get("name").map(str::to_owned),
        resource_group: params.get("resource_group_id").map(str::to_owned),
        plan: params.get("resource_plan_id").map(str::to_owned),
    };
    let other_service = params.get("resource_id").is_some_and(|id| id != SERVICE)
        || params.get("type").is_some_and(|kind| kind != "service_instance");
    let instances = if other_service { Vec::new() } else { state.app.list_service_instances(&caller, &query) };
    let page: Vec<Value> = instances.iter().skip(start).take(limit).map(|i| render(i, "create")).collect();
    let next_url = (start + limit < instances.len())
        .then(|| format!("/v2/resource_instances?limit={limit}&start={}", start + limit));
    Ok(json_response(StatusCode::OK, &json!({ "rows_count": page.len(), "next_url": next_url, "resources": page })))
}

/// The body of `POST /v2/resource_instances`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InstancePrototype {
    name: Option<String>,
    target: Option<String>,
    resource_group: Option<String>,
    resource_plan_id: Option<String>,
    parameters: Option<Map<String, Value>>,
    tags: Option<Vec<String>>,
    allow_cleanup: Option<bool>,
}

/// `POST /v2/resource_instances` → 201, `active` at once. `parameters`, `tags` and `allow_cleanup` are accepted and
/// not kept.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    IbmJson(body): IbmJson<InstancePrototype>,
) -> Result<Response, ApiError> {
    let required = |value: Option<String>, name: &str| {
        value.ok_or_else(|| ApiError::invalid_body(format!("`{name}` is required")).with_target(name, "field"))
    };
    let _ = (body.parameters, body.tags, body.allow_cleanup);
    let input = NewServiceInstance {
        name: required(body.name, "name")?,
        plan: required(body.resource_plan_id, "resource_plan_id")?,
        target: body.target,
        resource_group: body.resource_group,
    };
    let instance = state.app.create_service_instance(&caller, input).await?;
    Ok(json_response(StatusCode::CREATED, &render(&instance, "create")))
}

/// `GET /v2/resource_instances/{id}` (the CRN or the GUID): a deleted instance reads `removed`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(json_response(StatusCode::OK, &render(&state.app.service_instance(&caller, &id)?, "create")))
}

/// The body of `PATCH /v2/resource_instances/{id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InstanceUpdate {
    name: Option<String>,
    resource_plan_id: Option<String>,
    parameters: Option<Map<String, Value>>,
    allow_cleanup: Option<bool>,
}

/// `PATCH /v2/resource_instances/{id}`: the name and the plan.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    IbmJson(body): IbmJson<InstanceUpdate>,
) -> Result<Response, ApiError> {
    let _ = (body.parameters, body.allow_cleanup);
    let patch = InstancePatch { name: body.name, plan: body.resource_plan_id };
    let instance = state.app.update_service_instance(&caller, &id, patch).await?;
    Ok(json_response(StatusCode::OK, &render(&instance, "update")))
}

/// `DELETE /v2/resource_instances/{id}` → 204; refused while the instance holds zones or custom resolvers.
/// `recursive` is accepted: hubspoke deletes nothing an instance holds on its behalf.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.app.delete_service_instance(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
