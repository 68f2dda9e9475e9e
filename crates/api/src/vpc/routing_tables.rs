//! `/v1/vpcs/{id}/routing_tables`: each VPC's default routing table, read-only and without routes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use hubspoke_app::network::routing_tables::RoutingTableRead;
use hubspoke_vpc::region::crn;
use serde_json::{Value, json};

use super::{VpcQuery, created_at, resource_group};
use crate::ApiState;
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::paging::{self, Paging};
use crate::transaction::json_response;

/// A routing table in the SDK's `RoutingTable` shape.
pub fn render(base: &str, read: &RoutingTableRead) -> Value {
    let table = &read.table;
    let subnets: Vec<Value> = read.subnets.iter().map(|s| super::reference(base, "subnet", "subnets", s)).collect();
    json!({
        "accept_routes_from": [],
        "advertise_routes_to": [],
        "created_at": created_at(table.created_at),
        "crn": crn(&table.account, "routing-table", &table.id),
        "href": format!("{base}/vpcs/{}/routing_tables/{}", table.vpc, table.id),
        "id": table.id,
        "is_default": read.is_default,
        "lifecycle_state": "stable",
        "name": table.name,
        "resource_group": resource_group(base, &read.resource_group),
        "resource_type": "routing_table",
        "route_direct_link_ingress": false,
        "route_internet_ingress": false,
        "route_transit_gateway_ingress": false,
        "route_vpc_zone_ingress": false,
        "routes": [],
        "subnets": subnets,
    })
}

/// `GET /v1/vpcs/{id}/routing_tables`.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(vpc): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let paging = Paging::from_params(&query.params, paging::VPC)?;
    let is_default = match query.params.get("is_default") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(ApiError::invalid_query(format!("`is_default` is `{other}`; it must be `true` or `false`"))
                .with_target("is_default", "parameter"));
        }
    };
    let page = state.app.list_vpc_routing_tables(&caller, &vpc, is_default, &paging.request())?;
    let items = page.items.iter().map(|read| render(&query.base, read)).collect();
    let url = query.url(&format!("/vpcs/{vpc}/routing_tables"));
    let body =
        paging::collection(&url, &query.params, &paging, "routing_tables", items, page.total, page.next.as_ref());
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /v1/vpcs/{id}/routing_tables/{table}`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((vpc, id)): Path<(String, String)>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.vpc_routing_table(&caller, &vpc, &id)?;
    Ok(json_response(StatusCode::OK, &render(&query.base, &read)))
}

/// `GET /v1/vpcs/{id}/default_routing_table`.
pub async fn get_vpc_default(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(vpc): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.vpc_default_routing_table(&caller, &vpc)?;
    Ok(json_response(StatusCode::OK, &render(&query.base, &read)))
}
