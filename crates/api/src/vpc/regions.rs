//! `/v1/regions` and their zones.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use hubspoke_app::network::regions::ZoneRead;
use hubspoke_vpc::region::Region;
use serde_json::{Value, json};

use super::VpcQuery;
use crate::ApiState;
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::transaction::json_response;

/// A region in the SDK's `Region` shape. Its `endpoint` is where this server serves the region (`{origin}/{name}`,
/// to which SDKs append `/v1`), not IBM's host, so a client that follows it stays on this server.
pub fn render(query: &VpcQuery, region: &Region) -> Value {
    let base = &query.base;
    json!({
        "endpoint": format!("{}/{}", query.origin, region.name),
        "href": format!("{base}/regions/{}", region.name),
        "name": region.name,
        "status": "available",
    })
}

/// A zone in the SDK's `Zone` shape.
pub fn render_zone(base: &str, zone: &ZoneRead) -> Value {
    json!({
        "href": format!("{base}/regions/{}/zones/{}", zone.region.name, zone.name),
        "name": zone.name,
        "region": { "href": format!("{base}/regions/{}", zone.region.name), "name": zone.region.name },
        "status": "available",
    })
}

/// `GET /v1/regions`: every region (not paged, as IBM's is not).
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(_caller): Authenticated,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let regions: Vec<Value> = state.app.regions().into_iter().map(|region| render(&query, region)).collect();
    Ok(json_response(StatusCode::OK, &json!({ "regions": regions })))
}

/// `GET /v1/regions/{name}`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(_caller): Authenticated,
    Path(name): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let region = state.app.region(&name)?;
    Ok(json_response(StatusCode::OK, &render(&query, region)))
}

/// `GET /v1/regions/{name}/zones`.
pub async fn list_zones(
    State(state): State<ApiState>,
    Authenticated(_caller): Authenticated,
    Path(name): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let zones: Vec<Value> = state.app.zones(&name)?.iter().map(|zone| render_zone(&query.base, zone)).collect();
    Ok(json_response(StatusCode::OK, &json!({ "zones": zones })))
}

/// `GET /v1/regions/{name}/zones/{zone}`.
pub async fn get_zone(
    State(state): State<ApiState>,
    Authenticated(_caller): Authenticated,
    Path((name, zone)): Path<(String, String)>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let zone = state.app.zone(&name, &zone)?;
    Ok(json_response(StatusCode::OK, &render_zone(&query.base, &zone)))
}
