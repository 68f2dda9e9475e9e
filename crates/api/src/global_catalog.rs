//! The Global Catalog (`/api/v1`) as far as the Terraform provider reads it to provision DNS Services: the service
//! search, a service's plans, a plan's deployments and any one entry. The catalog is public, as IBM's is: no token is
//! needed, and one that is sent is not looked at.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use hubspoke_vpc::global_catalog::{self, Entry, EntryKind};
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{BaseUrl, Params};
use crate::transaction::json_response;

/// The page size when `_limit` is absent, and the largest one.
const LIMIT: usize = 200;

/// An entry as the catalog shows it (with `include=*`: hubspoke always includes everything).
fn render(base: &str, entry: &Entry) -> Value {
    let crn = global_catalog::catalog_crn(entry);
    let mut body = json!({
        "id": entry.id,
        "name": entry.name,
        "kind": entry.kind.as_str(),
        "active": true,
        "disabled": false,
        "catalog_crn": crn,
        "url": format!("{base}/api/v1/{}", entry.id),
        "overview_ui": { "en": { "display_name": entry.display_name, "description": entry.description } },
        "tags": [],
        "children": [],
    });
    if let Some(parent) = entry.parent {
        body["parent_id"] = json!(parent);
    }
    body["metadata"] = match entry.kind {
        EntryKind::Service => json!({
            "service": { "rc_provisionable": true, "iam_compatible": true, "bindable": false, "plan_updateable": true }
        }),
        EntryKind::Plan => json!({ "rc_compatible": true, "plan": { "reservable": false } }),
        EntryKind::Deployment => json!({
            "rc_compatible": true,
            "deployment": {
                "location": global_catalog::LOCATION,
                "target_crn": global_catalog::target_crn(),
            },
        }),
    };
    body
}

/// A page of entries: `_offset` (0 by default) and `_limit` (1 to 200, 200 by default), with `next` the URL of the
/// following page while there is one.
fn page(base: &str, path: &str, params: &Params, entries: &[&Entry]) -> Result<Response, ApiError> {
    let number = |name: &str, default: usize, min: usize, max: usize| match params.get(name) {
        None => Ok(default),
        Some(text) => text.parse::<usize>().ok().filter(|n| (min..=max).contains(n)).ok_or_else(|| {
            ApiError::invalid_query(format!("`{name}` is `{text}`; it must be a whole number from {min} to {max}"))
                .with_target(name, "parameter")
        }),
    };
    let offset = number("_offset", 0, 0, usize::MAX >> 1)?;
    let limit = number("_limit", LIMIT, 1, LIMIT)?;
    let resources: Vec<Value> = entries.iter().skip(offset).take(limit).map(|entry| render(base, entry)).collect();
    let next = (offset + limit < entries.len()).then(|| {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        let mut kept: Vec<(&String, &String)> =
            params.0.iter().filter(|(name, _)| !matches!(name.as_str(), "_offset" | "_limit")).collect();
        kept.sort();
        for (name, value) in kept {
            serializer.append_pair(name, value);
        }
        serializer.append_pair("_offset", &(offset + limit).to_string());
        serializer.append_pair("_limit", &limit.to_string());
        format!("{base}{path}?{}", serializer.finish())
    });
    let body = json!({
        "offset": offset,
        "limit": limit,
        "count": entries.len(),
        "resource_count": resources.len(),
        "first": format!("{base}{path}"),
        "next": next,
        "resources": resources,
    });
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /api/v1/`: the services a search (`q`) finds; `include` is accepted, every field is always included.
pub async fn search(
    State(state): State<ApiState>,
    BaseUrl(base): BaseUrl,
    params: Params,
) -> Result<Response, ApiError> {
    let services = state.app.search_catalog(params.get("q"));
    page(&base, "/api/v1/", &params, &services)
}

/// `GET /api/v1/{id}`: a service, a plan or a deployment.
pub async fn get(
    State(state): State<ApiState>,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(json_response(StatusCode::OK, &render(&base, state.app.catalog_entry(&id)?)))
}

/// `GET /api/v1/{id}/plan`: a service's plans.
pub async fn plans(
    State(state): State<ApiState>,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let plans = state.app.catalog_plans(&id)?;
    page(&base, &format!("/api/v1/{id}/plan"), &params, &plans)
}

/// `GET /api/v1/{id}/deployment`: a plan's deployments.
pub async fn deployments(
    State(state): State<ApiState>,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let deployments = state.app.catalog_deployments(&id)?;
    page(&base, &format!("/api/v1/{id}/deployment"), &params, &deployments)
}
