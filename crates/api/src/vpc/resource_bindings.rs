//! `/v1/endpoint_gateways/{id}/resource_bindings`: an endpoint gateway's resource bindings.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hubspoke_app::network::resource_bindings::{NewResourceBinding, ResourceBindingRead};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{VpcQuery, created_at};
use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson};
use crate::paging::{self, Paging};
use crate::transaction::json_response;

/// A resource binding in the SDK's `EndpointGatewayResourceBinding` shape.
pub fn render(base: &str, read: &ResourceBindingRead) -> Value {
    let binding = &read.binding;
    json!({
        "created_at": created_at(binding.created_at),
        "href": format!("{base}/endpoint_gateways/{}/resource_bindings/{}", binding.gateway, binding.id),
        "id": binding.id,
        "lifecycle_reasons": [],
        "lifecycle_state": read.lifecycle_state,
        "name": binding.name,
        "resource_type": "endpoint_gateway_resource_binding",
        "service_endpoint": binding.service_endpoint,
        "target": { "crn": binding.target_crn },
        "type": "weak",
    })
}

/// `target` of a create: the bound resource's CRN.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TargetBody {
    crn: Option<String>,
}

/// The body of `POST /endpoint_gateways/{id}/resource_bindings`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResourceBindingPrototype {
    name: Option<String>,
    target: Option<TargetBody>,
}

impl ResourceBindingPrototype {
    fn input(self, gateway: String) -> Result<NewResourceBinding, ApiError> {
        let target_crn = self.target.and_then(|target| target.crn).ok_or_else(|| {
            ApiError::invalid_body("`target` with the `crn` of the resource to bind is required")
                .with_target("target.crn", "field")
        })?;
        Ok(NewResourceBinding { gateway, target_crn, name: self.name })
    }
}

/// The body of `PATCH /endpoint_gateways/{id}/resource_bindings/{binding}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResourceBindingPatch {
    name: Option<String>,
}

/// `GET /v1/endpoint_gateways/{id}/resource_bindings`: newest first, then by name.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(gateway): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let paging = Paging::from_params(&query.params, paging::VPC)?;
    let page = state.app.list_resource_bindings(&caller, &gateway, &paging.request())?;
    let items = page.items.iter().map(|read| render(&query.base, read)).collect();
    let url = query.url(&format!("/endpoint_gateways/{gateway}/resource_bindings"));
    let body =
        paging::collection(&url, &query.params, &paging, "resource_bindings", items, page.total, page.next.as_ref());
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /v1/endpoint_gateways/{id}/resource_bindings` → 201.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(gateway): Path<String>,
    query: VpcQuery,
    IbmJson(body): IbmJson<ResourceBindingPrototype>,
) -> Result<Response, ApiError> {
    let read = state.app.create_resource_binding(&caller, body.input(gateway)?).await?;
    Ok(json_response(StatusCode::CREATED, &render(&query.base, &read)))
}

/// `GET /v1/endpoint_gateways/{id}/resource_bindings/{binding}`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((gateway, id)): Path<(String, String)>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.resource_binding(&caller, &gateway, &id)?;
    Ok(json_response(StatusCode::OK, &render(&query.base, &read)))
}

/// `PATCH /v1/endpoint_gateways/{id}/resource_bindings/{binding}`: renames it.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((gateway, id)): Path<(String, String)>,
    query: VpcQuery,
    IbmJson(body): IbmJson<ResourceBindingPatch>,
) -> Result<Response, ApiError> {
    let read = state.app.rename_resource_binding(&caller, &gateway, &id, body.name.as_deref()).await?;
    Ok(json_response(StatusCode::OK, &render(&query.base, &read)))
}

/// `DELETE /v1/endpoint_gateways/{id}/resource_bindings/{binding}` → 204.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((gateway, id)): Path<(String, String)>,
    _query: VpcQuery,
) -> Result<Response, ApiError> {
    state.app.delete_resource_binding(&caller, &gateway, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
