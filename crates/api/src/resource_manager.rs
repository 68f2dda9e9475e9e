//! The Resource Manager API's resource groups (`/v2/resource_groups`), as IBM's `ResourceManagerV2` SDK and the
//! Terraform provider's `ibm_resource_group` call them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hubspoke_app::network::resource_groups::ResourceGroupFilter;
use hubspoke_vpc::model::ResourceGroup;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson, Params};
use crate::transaction::json_response;
use crate::wire::timestamp;

/// A group's CRN, in the form IBM gives resource groups.
fn group_crn(group: &ResourceGroup) -> String {
    format!("crn:v1:bluemix:public:resource-controller::a/{}::resource-group:{}", group.account, group.id)
}

/// A group in the SDK's `ResourceGroup` shape. hubspoke keeps no quotas, teams or payment methods, so it has no
/// URLs for them; every group is `ACTIVE` (a deleted group is gone).
fn render(group: &ResourceGroup) -> Value {
    json!({
        "id": group.id,
        "crn": group_crn(group),
        "account_id": group.account.as_str(),
        "name": group.name,
        "state": "ACTIVE",
        "default": group.default,
        "enable_reclamation": false,
        "resource_linkages": [],
        "created_at": timestamp(group.created_at),
        "updated_at": timestamp(group.updated_at),
    })
}

/// A boolean query parameter, if given.
fn flag(params: &Params, name: &'static str) -> Result<Option<bool>, ApiError> {
    match params.get(name) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(ApiError::invalid_query(format!("`{name}` is `{other}`; it must be `true` or `false`"))
            .with_target(name, "parameter")),
    }
}

/// `GET /v2/resource_groups`: the caller's groups (the operator's: every account's), filtered by `account_id`,
/// `name` and `default`. `include_deleted` is accepted and changes nothing, as deleted groups are not kept; `date`
/// (a quota month) is accepted and changes nothing, as there are no quotas.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    params: Params,
) -> Result<Response, ApiError> {
    flag(&params, "include_deleted")?;
    let filter = ResourceGroupFilter {
        account: params.get("account_id").map(str::to_owned),
        name: params.get("name").map(str::to_owned),
        default: flag(&params, "default")?,
    };
    let groups = state.app.list_resource_groups(&caller, &filter).await?;
    let resources: Vec<Value> = groups.iter().map(render).collect();
    Ok(json_response(StatusCode::OK, &json!({ "resources": resources })))
}

/// The body of `POST /v2/resource_groups`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResourceGroupPrototype {
    name: Option<String>,
    account_id: Option<String>,
}

/// `POST /v2/resource_groups` → 201 with the new group's `id` and `crn`, as IBM answers.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    IbmJson(body): IbmJson<ResourceGroupPrototype>,
) -> Result<Response, ApiError> {
    let name = body.name.ok_or_else(|| ApiError::invalid_body("`name` is required").with_target("name", "field"))?;
    let group = state.app.create_resource_group(&caller, &name, body.account_id.as_deref()).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": group.id, "crn": group_crn(&group) })))
}

/// `GET /v2/resource_groups/{id}`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let group = state.app.resource_group(&caller, &id).await?;
    Ok(json_response(StatusCode::OK, &render(&group)))
}

/// The body of `PATCH /v2/resource_groups/{id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResourceGroupPatch {
    name: Option<String>,
    state: Option<String>,
}

/// `PATCH /v2/resource_groups/{id}`: renames it. `state` may only repeat `ACTIVE`, the one state hubspoke's groups
/// have.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    IbmJson(body): IbmJson<ResourceGroupPatch>,
) -> Result<Response, ApiError> {
    if let Some(other) = body.state.as_deref().filter(|s| *s != "ACTIVE") {
        return Err(ApiError::invalid_body(format!("`state` is `{other}`; a resource group's state is `ACTIVE`"))
            .with_target("state", "field"));
    }
    let group = state.app.update_resource_group(&caller, &id, body.name.as_deref()).await?;
    Ok(json_response(StatusCode::OK, &render(&group)))
}

/// `DELETE /v2/resource_groups/{id}` → 204.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.app.delete_resource_group(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
