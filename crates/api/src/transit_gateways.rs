//! The Transit Gateway API on `/v1`: transit gateways, their connections, every connection of the account, and the
//! locations. Its `version` query is required as the service's own is; errors use IBM's platform envelope
//! (`trace` and `errors[]` with `code`, `message` and `target`), which Transit Gateway shares with the VPC API.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use hubspoke_app::network::transit_gateways::{
    NewTransitConnection, NewTransitGateway, TransitConnectionRead, TransitGatewayPatch, TransitGatewayRead,
};
use hubspoke_app::paging::Cursor;
use hubspoke_vpc::region::Region;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, BaseUrl, IbmJson, Params};
use crate::paging::{self, Paging};
use crate::transaction::json_response;
use crate::wire::timestamp;

/// The query of every Transit Gateway request: `version` (required, a date), and the other parameters.
pub struct TransitQuery {
    /// Every parameter, for paging links.
    pub params: Params,
    /// `{base}/v1`, for hrefs.
    pub base: String,
}

impl TransitQuery {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Whether `text` is a calendar date written `YYYY-MM-DD`.
fn valid_date(text: &str) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    text.len() == 10 && time::Date::parse(text, &format).is_ok()
}

impl<S: Send + Sync> FromRequestParts<S> for TransitQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = Params::from_request_parts(parts, state).await?;
        let BaseUrl(base) = BaseUrl::from_request_parts(parts, state).await?;
        match params.get("version") {
            None => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "missing_version",
                "The `version` query parameter is required.",
            )
            .with_target("version", "parameter")),
            Some(version) if !valid_date(version) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_version",
                format!("The `version` value `{version}` is not a date in the form YYYY-MM-DD."),
            )
            .with_target("version", "parameter")),
            Some(_) => Ok(TransitQuery { params, base: format!("{base}/v1") }),
        }
    }
}

/// The CRN of a transit gateway.
fn gateway_crn(read_account: &str, location: &str, id: &str) -> String {
    format!("crn:v1:bluemix:public:transit:{location}:a/{read_account}::gateway:{id}")
}

/// A transit gateway in the SDK's `TransitGateway` shape.
pub fn render(read: &TransitGatewayRead) -> Value {
    let gateway = &read.gateway;
    json!({
        "id": gateway.id,
        "crn": gateway_crn(gateway.account.as_str(), &gateway.location, &gateway.id),
        "name": gateway.name,
        "location": gateway.location,
        "global": gateway.global,
        "status": read.status,
        "created_at": timestamp(gateway.created_at),
        "updated_at": timestamp(gateway.updated_at),
        "resource_group": {
            "id": read.resource_group,
            "href": format!("https://resource-controller.cloud.ibm.com/v2/resource_groups/{}", read.resource_group),
        },
        "connection_count": read.connection_count,
        "connection_needs_attention": false,
        "gre_enhanced_route_propagation": false,
    })
}

/// A connection in the SDK's `TransitConnection` shape (a superset of `TransitGatewayConnectionCust`).
pub fn render_connection(read: &TransitConnectionRead) -> Value {
    let connection = &read.connection;
    let gateway = &read.gateway;
    json!({
        "id": connection.id,
        "name": connection.name,
        "network_type": "vpc",
        "network_id": connection.network_crn,
        "status": read.status,
        "request_status": "approved",
        "created_at": timestamp(connection.created_at),
        "updated_at": timestamp(connection.updated_at),
        "prefix_filters": [],
        "prefix_filters_default": "permit",
        "transit_gateway": {
            "crn": gateway_crn(gateway.account.as_str(), &gateway.location, &gateway.id),
            "id": gateway.id,
            "name": gateway.name,
        },
    })
}

/// A location in the SDK's `TSLocation` shape (its `TSLocationBasic` members first).
fn render_location(region: &Region, detailed: bool) -> Value {
    let mut value = json!({ "name": region.name, "billing_location": "us", "type": "region" });
    if detailed {
        value["zones"] = region.zones().iter().map(|zone| json!({ "name": zone })).collect();
        value["local_connection_locations"] = json!([{
            "display_name": region.name,
            "name": region.name,
            "type": "region",
            "supported_connection_types": ["vpc"],
        }]);
    }
    value
}

/// A page in Transit Gateway's collection shape: `first`, `limit`, `next` (with its `start`), the items under `key`.
fn collection(
    query: &TransitQuery,
    path: &str,
    paging: &Paging,
    key: &str,
    items: Vec<Value>,
    total: Option<usize>,
    next: Option<&Cursor>,
) -> Value {
    let url = query.url(path);
    let mut body = json!({
        "first": { "href": paging::link(&url, &query.params, paging.limit, None) },
        "limit": paging.limit.unwrap_or(50),
    });
    if let Some(next) = next {
        let start = paging::token(next);
        body["next"] = json!({ "href": paging::link(&url, &query.params, paging.limit, Some(&start)), "start": start });
    }
    if let Some(total) = total {
        body["total_count"] = json!(total);
    }
    body[key] = Value::Array(items);
    body
}

/// The body of `POST /transit_gateways`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TransitGatewayTemplate {
    name: Option<String>,
    location: Option<String>,
    global: Option<bool>,
}

/// The body of `PATCH /transit_gateways/{id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TransitGatewayPatchBody {
    name: Option<String>,
    global: Option<bool>,
}

/// The body of `POST /transit_gateways/{id}/connections`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TransitConnectionTemplate {
    network_type: Option<String>,
    network_id: Option<String>,
    network_account_id: Option<String>,
    name: Option<String>,
}

/// The body of `PATCH /transit_gateways/{id}/connections/{id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TransitConnectionPatchBody {
    name: Option<String>,
}

fn required(value: Option<String>, field: &str) -> Result<String, ApiError> {
    value.ok_or_else(|| ApiError::invalid_body(format!("`{field}` is required")).with_target(field, "field"))
}

/// `GET /v1/transit_gateways`.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: TransitQuery,
) -> Result<Response, ApiError> {
    let paging = Paging::from_params(&query.params, paging::VPC)?;
    let page = state.app.list_transit_gateways(&caller, &paging.request());
    let items = page.items.iter().map(render).collect();
    let body = collection(&query, "/transit_gateways", &paging, "transit_gateways", items, None, page.next.as_ref());
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /v1/transit_gateways` → 201.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    _query: TransitQuery,
    IbmJson(body): IbmJson<TransitGatewayTemplate>,
) -> Result<Response, ApiError> {
    let input = NewTransitGateway {
        name: required(body.name, "name")?,
        location: required(body.location, "location")?,
        global: body.global.unwrap_or(false),
    };
    let read = state.app.create_transit_gateway(&caller, input).await?;
    Ok(json_response(StatusCode::CREATED, &render(&read)))
}

/// `GET /v1/transit_gateways/{id}`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    _query: TransitQuery,
) -> Result<Response, ApiError> {
    let read = state.app.transit_gateway(&caller, &id)?;
    Ok(json_response(StatusCode::OK, &render(&read)))
}

/// `PATCH /v1/transit_gateways/{id}`: renames it or changes `global`.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    _query: TransitQuery,
    IbmJson(body): IbmJson<TransitGatewayPatchBody>,
) -> Result<Response, ApiError> {
    let patch = TransitGatewayPatch { name: body.name, global: body.global };
    let read = state.app.update_transit_gateway(&caller, &id, &patch).await?;
    Ok(json_response(StatusCode::OK, &render(&read)))
}

/// `DELETE /v1/transit_gateways/{id}` → 204.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    _query: TransitQuery,
) -> Result<Response, ApiError> {
    state.app.delete_transit_gateway(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v1/transit_gateways/{id}/connections`.
pub async fn list_connections(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(gateway): Path<String>,
    query: TransitQuery,
) -> Result<Response, ApiError> {
    let paging = Paging::from_params(&query.params, paging::VPC)?;
    let page = state.app.list_transit_connections(&caller, &gateway, &paging.request())?;
    let items = page.items.iter().map(render_connection).collect();
    let path = format!("/transit_gateways/{gateway}/connections");
    let body = collection(&query, &path, &paging, "connections", items, Some(page.total), page.next.as_ref());
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /v1/transit_gateways/{id}/connections` → 201.
pub async fn create_connection(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(gateway): Path<String>,
    _query: TransitQuery,
    IbmJson(body): IbmJson<TransitConnectionTemplate>,
) -> Result<Response, ApiError> {
    let input = NewTransitConnection {
        gateway,
        network_type: required(body.network_type, "network_type")?,
        network_id: body.network_id,
        network_account_id: body.network_account_id,
        name: body.name,
    };
    let read = state.app.create_transit_connection(&caller, input).await?;
    Ok(json_response(StatusCode::CREATED, &render_connection(&read)))
}

/// `GET /v1/transit_gateways/{id}/connections/{id}`.
pub async fn get_connection(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((gateway, id)): Path<(String, String)>,
    _query: TransitQuery,
) -> Result<Response, ApiError> {
    let read = state.app.transit_connection(&caller, &gateway, &id)?;
    Ok(json_response(StatusCode::OK, &render_connection(&read)))
}

/// `PATCH /v1/transit_gateways/{id}/connections/{id}`: renames it.
pub async fn update_connection(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((gateway, id)): Path<(String, String)>,
    _query: TransitQuery,
    IbmJson(body): IbmJson<TransitConnectionPatchBody>,
) -> Result<Response, ApiError> {
    let read = state.app.update_transit_connection(&caller, &gateway, &id, body.name.as_deref()).await?;
    Ok(json_response(StatusCode::OK, &render_connection(&read)))
}

/// `DELETE /v1/transit_gateways/{id}/connections/{id}` → 204.
pub async fn delete_connection(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((gateway, id)): Path<(String, String)>,
    _query: TransitQuery,
) -> Result<Response, ApiError> {
    state.app.delete_transit_connection(&caller, &gateway, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v1/connections`: every connection of the caller's gateways (`network_id` and `network_type` filter it).
pub async fn list_all_connections(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: TransitQuery,
) -> Result<Response, ApiError> {
    let paging = Paging::from_params(&query.params, paging::VPC)?;
    let page = state.app.list_all_transit_connections(
        &caller,
        query.params.get("network_id"),
        query.params.get("network_type"),
        &paging.request(),
    );
    let items = page.items.iter().map(render_connection).collect();
    let body = collection(&query, "/connections", &paging, "connections", items, None, page.next.as_ref());
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /v1/locations`.
pub async fn list_locations(
    State(state): State<ApiState>,
    Authenticated(_caller): Authenticated,
    _query: TransitQuery,
) -> Result<Response, ApiError> {
    let locations: Vec<Value> = state.app.transit_locations().into_iter().map(|r| render_location(r, false)).collect();
    Ok(json_response(StatusCode::OK, &json!({ "locations": locations })))
}

/// `GET /v1/locations/{name}`.
pub async fn get_location(
    State(state): State<ApiState>,
    Authenticated(_caller): Authenticated,
    Path(name): Path<String>,
    _query: TransitQuery,
) -> Result<Response, ApiError> {
    let region = state.app.transit_location(&name)?;
    Ok(json_response(StatusCode::OK, &render_location(region, true)))
}
