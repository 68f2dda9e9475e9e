//! DNS Services zones, their permitted networks and resource records at `/v1/instances/{instance_id}/dnszones`, as
//! `DnsSvcsV1` calls them: creates answer 200, deletes 204, and a permitted network's delete 202 with its body in
//! `REMOVAL_IN_PROGRESS` (hubspoke removes it at once, so the next read is a 404). Lists page by `offset` and `limit`.
//! A zone's records are exported as a zone file, and imported from one sent as the multipart part `file`.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hubspoke_app::network::dns_zones::{NewZone, ZonePatch};
use hubspoke_app::network::records::{ImportReport, RdataInput, RecordInput, RecordQuery};
use hubspoke_vpc::model::{DnsZone, PermittedNetwork, RecordData, ResourceRecord};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, BaseUrl, IbmJson, Params};
use crate::paging::OffsetPage;
use crate::transaction::json_response;
use crate::wire::timestamp;

fn render_zone(zone: &DnsZone) -> Value {
    json!({
        "id": zone.id,
        "created_on": timestamp(zone.created_at),
        "modified_on": timestamp(zone.modified_at),
        "instance_id": zone.instance,
        "name": zone.name,
        "description": zone.description,
        "state": zone.state(),
        "label": zone.label,
    })
}

fn render_network(network: &PermittedNetwork, state: &str) -> Value {
    json!({
        "id": network.vpc,
        "created_on": timestamp(network.created_at),
        "modified_on": timestamp(network.modified_at),
        "permitted_network": { "vpc_crn": network.vpc_crn },
        "type": "vpc",
        "state": state,
    })
}

fn render_record(record: &ResourceRecord) -> Value {
    let rdata = match &record.data {
        RecordData::A(ip) => json!({ "ip": ip.to_string() }),
        RecordData::Aaaa(ip) => json!({ "ip": ip.to_string() }),
        RecordData::Cname(name) => json!({ "cname": name }),
        RecordData::Mx { exchange, preference } => json!({ "exchange": exchange, "preference": preference }),
        RecordData::Srv { priority, weight, port, target, .. } => {
            json!({ "priority": priority, "weight": weight, "port": port, "target": target })
        }
        RecordData::Txt(text) => json!({ "text": text }),
        RecordData::Ptr(name) => json!({ "ptrdname": name }),
    };
    let mut value = json!({
        "id": record.id,
        "created_on": timestamp(record.created_at),
        "modified_on": timestamp(record.modified_at),
        "name": record.name,
        "type": record.data.type_name(),
        "ttl": record.ttl,
        "rdata": rdata,
    });
    if let RecordData::Srv { service, protocol, .. } = &record.data {
        value["service"] = json!(service);
        value["protocol"] = json!(protocol);
    }
    value
}

fn zones_url(base: &str, instance: &str) -> String {
    format!("{base}/v1/instances/{instance}/dnszones")
}

/// `GET /v1/instances/{instance_id}/dnszones`: oldest first; `vpc_id` keeps the zones that permit that VPC.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(instance): Path<String>,
    params: Params,
    BaseUrl(base): BaseUrl,
) -> Result<Response, ApiError> {
    let page = OffsetPage::from_params(&params)?;
    let zones = state.app.list_dns_zones(&caller, &instance, params.get("vpc_id"))?;
    let items = page.slice(&zones).iter().map(render_zone).collect();
    Ok(json_response(StatusCode::OK, &page.body(&zones_url(&base, &instance), &params, "dnszones", items, zones.len())))
}

/// The body of `POST …/dnszones`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ZonePrototype {
    name: Option<String>,
    description: Option<String>,
    label: Option<String>,
}

/// `POST /v1/instances/{instance_id}/dnszones` → 200, `pending_network_add`.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(instance): Path<String>,
    IbmJson(body): IbmJson<ZonePrototype>,
) -> Result<Response, ApiError> {
    let name = body.name.ok_or_else(|| ApiError::invalid_body("`name` is required").with_target("name", "field"))?;
    let input = NewZone { name, description: body.description, label: body.label };
    let zone = state.app.create_dns_zone(&caller, &instance, input).await?;
    Ok(json_response(StatusCode::OK, &render_zone(&zone)))
}

/// `GET /v1/instances/{instance_id}/dnszones/{dnszone_id}`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(json_response(StatusCode::OK, &render_zone(&state.app.dns_zone(&caller, &instance, &id)?)))
}

/// The body of `PATCH …/dnszones/{id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ZoneUpdate {
    description: Option<String>,
    label: Option<String>,
}

/// `PATCH /v1/instances/{instance_id}/dnszones/{dnszone_id}`: description and label.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, id)): Path<(String, String)>,
    IbmJson(body): IbmJson<ZoneUpdate>,
) -> Result<Response, ApiError> {
    let patch = ZonePatch { description: body.description, label: body.label };
    let zone = state.app.update_dns_zone(&caller, &instance, &id, patch).await?;
    Ok(json_response(StatusCode::OK, &render_zone(&zone)))
}

/// `DELETE /v1/instances/{instance_id}/dnszones/{dnszone_id}` → 204.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state.app.delete_dns_zone(&caller, &instance, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET …/dnszones/{dnszone_id}/permitted_networks`, in the order they were added, in the paged list shape.
pub async fn list_networks(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, zone)): Path<(String, String)>,
    params: Params,
    BaseUrl(base): BaseUrl,
) -> Result<Response, ApiError> {
    let page = OffsetPage::from_params(&params)?;
    let networks = state.app.list_permitted_networks(&caller, &instance, &zone)?;
    let items = page.slice(&networks).iter().map(|network| render_network(network, "ACTIVE")).collect();
    let url = format!("{}/{zone}/permitted_networks", zones_url(&base, &instance));
    Ok(json_response(StatusCode::OK, &page.body(&url, &params, "permitted_networks", items, networks.len())))
}

/// `permitted_network` of a create body.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NetworkReference {
    vpc_crn: Option<String>,
}

/// The body of `POST …/permitted_networks`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NetworkPrototype {
    #[serde(rename = "type")]
    kind: Option<String>,
    permitted_network: Option<NetworkReference>,
}

/// `POST …/dnszones/{dnszone_id}/permitted_networks` → 200, `ACTIVE`.
pub async fn create_network(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, zone)): Path<(String, String)>,
    IbmJson(body): IbmJson<NetworkPrototype>,
) -> Result<Response, ApiError> {
    let kind = body.kind.ok_or_else(|| ApiError::invalid_body("`type` is required").with_target("type", "field"))?;
    let vpc_crn = body.permitted_network.and_then(|network| network.vpc_crn).ok_or_else(|| {
        ApiError::invalid_body("`permitted_network.vpc_crn` is required")
            .with_target("permitted_network.vpc_crn", "field")
    })?;
    let network = state.app.permit_network(&caller, &instance, &zone, &kind, &vpc_crn).await?;
    Ok(json_response(StatusCode::OK, &render_network(&network, "ACTIVE")))
}

/// `GET …/permitted_networks/{permitted_network_id}`.
pub async fn get_network(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, zone, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let network = state.app.permitted_network(&caller, &instance, &zone, &id)?;
    Ok(json_response(StatusCode::OK, &render_network(&network, "ACTIVE")))
}

/// `DELETE …/permitted_networks/{permitted_network_id}` → 202 with the network in `REMOVAL_IN_PROGRESS`.
pub async fn delete_network(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, zone, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let network = state.app.remove_permitted_network(&caller, &instance, &zone, &id).await?;
    Ok(json_response(StatusCode::ACCEPTED, &render_network(&network, "REMOVAL_IN_PROGRESS")))
}

/// `rdata` of a record body: every member any type uses.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Rdata {
    ip: Option<String>,
    cname: Option<String>,
    exchange: Option<String>,
    preference: Option<i64>,
    priority: Option<i64>,
    weight: Option<i64>,
    port: Option<i64>,
    target: Option<String>,
    text: Option<String>,
    ptrdname: Option<String>,
}

/// The body of `POST …/resource_records` and `PUT …/resource_records/{id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RecordPrototype {
    #[serde(rename = "type")]
    kind: Option<String>,
    name: Option<String>,
    rdata: Option<Rdata>,
    ttl: Option<i64>,
    service: Option<String>,
    protocol: Option<String>,
}

impl RecordPrototype {
    fn input(self, creating: bool) -> Result<RecordInput, ApiError> {
        let missing = |name: &str| ApiError::invalid_body(format!("`{name}` is required")).with_target(name, "field");
        let record_type = match (self.kind, creating) {
            (Some(kind), _) => kind,
            (None, true) => return Err(missing("type")),
            (None, false) => String::new(),
        };
        let name = self.name.ok_or_else(|| missing("name"))?;
        let rdata = self.rdata.ok_or_else(|| missing("rdata"))?;
        Ok(RecordInput {
            record_type,
            name,
            ttl: self.ttl,
            rdata: RdataInput {
                ip: rdata.ip,
                cname: rdata.cname,
                exchange: rdata.exchange,
                preference: rdata.preference,
                priority: rdata.priority,
                weight: rdata.weight,
                port: rdata.port,
                target: rdata.target,
                text: rdata.text,
                ptrdname: rdata.ptrdname,
            },
            service: self.service,
            protocol: self.protocol,
        })
    }
}

/// `GET …/dnszones/{dnszone_id}/resource_records`: oldest first, filtered by `type` and `name`.
pub async fn list_records(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, zone)): Path<(String, String)>,
    params: Params,
    BaseUrl(base): BaseUrl,
) -> Result<Response, ApiError> {
    let page = OffsetPage::from_params(&params)?;
    let query =
        RecordQuery { record_type: params.get("type").map(str::to_owned), name: params.get("name").map(str::to_owned) };
    let records = state.app.list_records(&caller, &instance, &zone, &query)?;
    let items = page.slice(&records).iter().map(render_record).collect();
    let url = format!("{}/{zone}/resource_records", zones_url(&base, &instance));
    Ok(json_response(StatusCode::OK, &page.body(&url, &params, "resource_records", items, records.len())))
}

/// `POST …/dnszones/{dnszone_id}/resource_records` → 200.
pub async fn create_record(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, zone)): Path<(String, String)>,
    IbmJson(body): IbmJson<RecordPrototype>,
) -> Result<Response, ApiError> {
    let record = state.app.create_record(&caller, &instance, &zone, body.input(true)?).await?;
    Ok(json_response(StatusCode::OK, &render_record(&record)))
}

/// `GET …/resource_records/{record_id}`.
pub async fn get_record(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, zone, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    Ok(json_response(StatusCode::OK, &render_record(&state.app.record(&caller, &instance, &zone, &id)?)))
}

/// `PUT …/resource_records/{record_id}`: a new name, data and TTL; the type is fixed.
pub async fn replace_record(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, zone, id)): Path<(String, String, String)>,
    IbmJson(body): IbmJson<RecordPrototype>,
) -> Result<Response, ApiError> {
    let record = state.app.replace_record(&caller, &instance, &zone, &id, body.input(false)?).await?;
    Ok(json_response(StatusCode::OK, &render_record(&record)))
}

/// `DELETE …/resource_records/{record_id}` → 204.
pub async fn delete_record(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, zone, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    state.app.delete_record(&caller, &instance, &zone, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET …/dnszones/{dnszone_id}/export_resource_records`: the zone file, as text.
pub async fn export_records(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, zone)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let file = state.app.export_records(&caller, &instance, &zone)?;
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], file).into_response())
}

/// `POST …/dnszones/{dnszone_id}/import_resource_records`: the zone file of the multipart part `file` (UTF-8 text);
/// each record is created as a create would, and the answer counts what was added and what was refused.
pub async fn import_records(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((instance, zone)): Path<(String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let file = zone_file_part(multipart).await?;
    let report = state.app.import_records(&caller, &instance, &zone, &file).await?;
    Ok(json_response(StatusCode::OK, &render_import(&report)))
}

/// The text of the part named `file`.
async fn zone_file_part(multipart: Result<Multipart, MultipartRejection>) -> Result<String, ApiError> {
    let unreadable = |detail: String| {
        ApiError::invalid_body(format!("the zone file is sent as the multipart/form-data part `file`: {detail}"))
            .with_target("file", "field")
    };
    let mut multipart = multipart.map_err(|rejection| unreadable(rejection.body_text()))?;
    while let Some(field) = multipart.next_field().await.map_err(|error| unreadable(error.body_text()))? {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(|error| unreadable(error.body_text()))?;
            return String::from_utf8(bytes.to_vec()).map_err(|_| unreadable("the file is not UTF-8 text".to_owned()));
        }
    }
    Err(unreadable("the request has no part `file`".to_owned()))
}

/// `ImportResourceRecordsResp`: counts by type for the seven record types, and one error per refused record.
fn render_import(report: &ImportReport) -> Value {
    let by_type = |counts: &dyn Fn(&str) -> usize| {
        let stats: serde_json::Map<String, Value> = ["A", "AAAA", "CNAME", "SRV", "TXT", "MX", "PTR"]
            .iter()
            .map(|kind| ((*kind).to_owned(), json!(counts(kind))))
            .collect();
        Value::Object(stats)
    };
    let errors: Vec<Value> = report
        .failures
        .iter()
        .map(|failure| {
            json!({ "resource_record": failure.line, "error": { "code": failure.code, "message": failure.message } })
        })
        .collect();
    json!({
        "total_records_parsed": report.parsed,
        "records_added": report.added(),
        "records_failed": report.failed(),
        "records_added_by_type": by_type(&|kind| report.added_by_type.get(kind).copied().unwrap_or(0)),
        "records_failed_by_type": by_type(&|kind| report.failed_by_type.get(kind).copied().unwrap_or(0)),
        "errors": errors,
    })
}
