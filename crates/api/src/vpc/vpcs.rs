//! `/v1/vpcs`: VPCs with their `dns` (hub, binding count, resolver), and `/_hubspoke/vpcs/{id}/dns_endpoint`.

use std::net::Ipv4Addr;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hubspoke_app::network::Patch;
use hubspoke_app::network::vpcs::{NewResolver, NewVpc, PrefixManagement, ResolverPatch, VpcFilter, VpcPatch, VpcRead};
use hubspoke_app::precondition::Tagged;
use hubspoke_vpc::model::{DnsServer, ResolverSetting};
use hubspoke_vpc::region::crn;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{GroupJson, IdentityBody, ReferenceJson, VpcQuery, ZoneBody, ZoneJson, created_at, with_etag};
use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson, IfMatch, JsonObject};
use crate::paging::{self, Paging};
use crate::rendered::{unrenderable, write_list};
use crate::transaction::json_response;

/// A DNS server of `dns.resolver.servers` or `manual_servers`.
#[derive(Serialize)]
struct ServerJson<'a> {
    address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    zone_affinity: Option<ZoneJson<'a>>,
}

impl<'a> ServerJson<'a> {
    fn of(base: &str, server: &'a DnsServer) -> ServerJson<'a> {
        let zone_affinity = server.zone_affinity.as_deref().map(|zone| ZoneJson::of(base, zone));
        ServerJson { address: server.address.to_string(), zone_affinity }
    }
}

/// `dns.resolver`: its type and servers, then what the type adds (a system resolver's `configuration`, a manual one's
/// `manual_servers`, a delegated one's `vpc`).
#[derive(Serialize)]
struct ResolverJson<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    servers: Vec<ServerJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    configuration: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    manual_servers: Option<Vec<ServerJson<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vpc: Option<ReferenceJson<'a>>,
}

#[derive(Serialize)]
struct DnsJson<'a> {
    enable_hub: bool,
    resolution_binding_count: usize,
    resolver: ResolverJson<'a>,
}

#[derive(Serialize)]
struct HealthReasonJson<'a> {
    code: &'static str,
    message: &'a str,
}

/// A VPC as the API shows it.
#[derive(Serialize)]
pub struct VpcJson<'a> {
    classic_access: bool,
    created_at: String,
    crn: String,
    cse_source_ips: [(); 0],
    default_network_acl: ReferenceJson<'a>,
    default_routing_table: ReferenceJson<'a>,
    default_security_group: ReferenceJson<'a>,
    dns: DnsJson<'a>,
    health_reasons: Vec<HealthReasonJson<'a>>,
    health_state: &'static str,
    href: String,
    id: &'a str,
    name: &'a str,
    public_address_ranges: [(); 0],
    resource_group: GroupJson<'a>,
    resource_type: &'static str,
    status: &'static str,
}

pub fn render<'a>(base: &str, read: &'a VpcRead) -> VpcJson<'a> {
    let vpc = &read.vpc;
    let mut resolver = ResolverJson {
        kind: vpc.resolver.type_name(),
        servers: read.servers.iter().map(|server| ServerJson::of(base, server)).collect(),
        configuration: None,
        manual_servers: None,
        vpc: None,
    };
    match &vpc.resolver {
        ResolverSetting::System => resolver.configuration = Some(read.configuration.unwrap_or("default")),
        ResolverSetting::Manual(manual) => {
            resolver.manual_servers = Some(manual.iter().map(|server| ServerJson::of(base, server)).collect());
        }
        ResolverSetting::Delegated { .. } => {
            resolver.vpc = read.delegated_to.as_ref().map(|target| ReferenceJson::of(base, "vpc", "vpcs", target));
        }
    }
    let routing_tables = format!("vpcs/{}/routing_tables", vpc.id);
    VpcJson {
        classic_access: vpc.classic_access,
        created_at: created_at(vpc.created_at),
        crn: crn(&vpc.account, "vpc", &vpc.id),
        cse_source_ips: [],
        default_network_acl: ReferenceJson::of(base, "network-acl", "network_acls", &read.default_network_acl),
        default_routing_table: ReferenceJson::of(base, "routing-table", &routing_tables, &read.default_routing_table),
        default_security_group: ReferenceJson::of(
            base,
            "security-group",
            "security_groups",
            &read.default_security_group,
        ),
        dns: DnsJson { enable_hub: vpc.enable_hub, resolution_binding_count: read.binding_count, resolver },
        health_reasons: read.health_reasons.iter().map(|(code, message)| HealthReasonJson { code, message }).collect(),
        health_state: read.health,
        href: format!("{base}/vpcs/{}", vpc.id),
        id: &vpc.id,
        name: &vpc.name,
        public_address_ranges: [],
        resource_group: GroupJson::of(base, &read.resource_group),
        resource_type: "vpc",
        status: "available",
    }
}

/// `read` written out, for keeping.
fn written(base: &str, read: &VpcRead, out: &mut Vec<u8>) -> Result<(), ApiError> {
    serde_json::to_writer(out, &render(base, read)).map_err(unrenderable)
}

/// A DNS server of `dns.resolver.manual_servers`.
#[derive(Debug, Deserialize)]
struct ServerBody {
    address: String,
    #[serde(default)]
    zone_affinity: Option<ZoneBody>,
}

fn servers(items: &[ServerBody], path: &str) -> Result<Vec<DnsServer>, ApiError> {
    items
        .iter()
        .map(|item| {
            let address = item.address.parse::<Ipv4Addr>().map_err(|_| {
                ApiError::invalid_body(format!("each `{path}` item needs an IPv4 `address`")).with_target(path, "field")
            })?;
            let zone_affinity = item.zone_affinity.as_ref().map(|zone| zone.name("zone_affinity")).transpose()?;
            Ok(DnsServer { address, zone_affinity })
        })
        .collect()
}

/// The body of `POST /vpcs`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VpcPrototype {
    name: Option<String>,
    classic_access: Option<bool>,
    address_prefix_management: Option<String>,
    dns: Option<DnsPrototype>,
    resource_group: Option<IdentityBody>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DnsPrototype {
    enable_hub: Option<bool>,
    resolver: Option<ResolverPrototype>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ResolverPrototype {
    #[serde(rename = "type")]
    kind: Option<String>,
    manual_servers: Option<Vec<ServerBody>>,
}

impl VpcPrototype {
    fn input(self) -> Result<NewVpc, ApiError> {
        let management = match self.address_prefix_management.as_deref() {
            None | Some("auto") => PrefixManagement::Auto,
            Some("manual") => PrefixManagement::Manual,
            Some(other) => {
                return Err(ApiError::invalid_body(format!(
                    "`address_prefix_management` is `{other}`; it must be `auto` or `manual`"
                ))
                .with_target("address_prefix_management", "field"));
            }
        };
        let dns = self.dns.unwrap_or_default();
        let resolver = match dns.resolver {
            None => NewResolver::System,
            Some(resolver) => match resolver.kind.as_deref() {
                None | Some("system") => NewResolver::System,
                Some("manual") => NewResolver::Manual(servers(
                    resolver.manual_servers.as_deref().unwrap_or_default(),
                    "dns.resolver.manual_servers",
                )?),
                Some("delegated") => NewResolver::Delegated,
                Some(other) => {
                    return Err(ApiError::invalid_body(format!(
                        "`dns.resolver.type` is `{other}`; it must be `system` or `manual`"
                    ))
                    .with_target("dns.resolver.type", "field"));
                }
            },
        };
        Ok(NewVpc {
            name: self.name,
            classic_access: self.classic_access.unwrap_or(false),
            address_prefix_management: management,
            enable_hub: dns.enable_hub.unwrap_or(false),
            resolver,
            resource_group: super::resource_group_id(&self.resource_group)?,
        })
    }
}

/// A member of a merge-patch body: absent, `null`, or a value of type `T`.
fn member<T: serde::de::DeserializeOwned>(
    object: &Map<String, Value>,
    name: &str,
    path: &str,
) -> Result<Patch<T>, ApiError> {
    match object.get(name) {
        None => Ok(Patch::Absent),
        Some(Value::Null) => Ok(Patch::Null),
        Some(value) => serde_json::from_value(value.clone()).map(Patch::Value).map_err(|error| {
            ApiError::invalid_body(format!("`{path}` is not valid: {error}")).with_target(path, "field")
        }),
    }
}

/// A member that is a value or absent (`null` counts as absent).
fn optional<T: serde::de::DeserializeOwned>(
    object: &Map<String, Value>,
    name: &str,
    path: &str,
) -> Result<Option<T>, ApiError> {
    Ok(match member(object, name, path)? {
        Patch::Value(value) => Some(value),
        Patch::Absent | Patch::Null => None,
    })
}

/// `PATCH /vpcs/{id}` is a merge patch: `dns.resolver.vpc: null` and an absent `vpc` mean different things, so the
/// body stays a JSON object (duplicate members refused) and is read member by member.
fn vpc_patch(body: &Map<String, Value>) -> Result<VpcPatch, ApiError> {
    let mut patch = VpcPatch { name: optional(body, "name", "name")?, ..VpcPatch::default() };
    let Some(dns) = optional::<Map<String, Value>>(body, "dns", "dns")? else { return Ok(patch) };
    patch.enable_hub = optional(&dns, "enable_hub", "dns.enable_hub")?;
    if let Some(resolver) = optional::<Map<String, Value>>(&dns, "resolver", "dns.resolver")? {
        let manual_servers =
            match member::<Vec<ServerBody>>(&resolver, "manual_servers", "dns.resolver.manual_servers")? {
                Patch::Absent => Patch::Absent,
                Patch::Null => Patch::Null,
                Patch::Value(items) => Patch::Value(servers(&items, "dns.resolver.manual_servers")?),
            };
        let vpc = match member::<IdentityBody>(&resolver, "vpc", "dns.resolver.vpc")? {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(identity) => Patch::Value(identity.vpc("dns.resolver.vpc")?),
        };
        patch.resolver =
            Some(ResolverPatch { kind: optional(&resolver, "type", "dns.resolver.type")?, manual_servers, vpc });
    }
    Ok(patch)
}

/// `GET /v1/vpcs`: newest first; filters `classic_access` and `resource_group.id`.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let paging = Paging::from_params(&query.params, paging::VPC)?;
    let filter = VpcFilter {
        classic_access: query.params.one_of("classic_access", &["true", "false"])?.map(|v| v == "true"),
        resource_group: query.params.get("resource_group.id").map(str::to_owned),
    };
    let page = state.app.list_vpcs(&caller, &filter, &paging.request());
    let url = query.url("/vpcs");
    // The page is the application's for one world and page request; the rest of its body is its links.
    let first = paging::link(&url, &query.params, paging.limit, None);
    let rendered = state.rendered.vpc_pages.one(&page, &first, (), |page, out| {
        let items =
            state.rendered.vpcs.render(&page.items, &query.base, (), |read, out| written(&query.base, read, out))?;
        let next = page.next.as_ref();
        let envelope = paging::collection(&url, &query.params, &paging, "vpcs", Vec::<()>::new(), page.total, next);
        write_list(&envelope, &items, out)
    })?;
    Ok(rendered.body_response())
}

/// `POST /v1/vpcs` → 201.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: VpcQuery,
    IbmJson(body): IbmJson<VpcPrototype>,
) -> Result<Response, ApiError> {
    let read = state.app.create_vpc(&caller, body.input()?).await?;
    Ok(with_etag(StatusCode::CREATED, &read.etag(), &render(&query.base, &read)))
}

/// `GET /v1/vpcs/{id}` with its `ETag`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.vpc(&caller, &id)?;
    Ok(state.rendered.vpcs.one(&read, &query.base, (), |read, out| written(&query.base, read, out))?.response())
}

/// `PATCH /v1/vpcs/{id}` (merge patch; `If-Match` required when the body sets `manual_servers`).
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
    if_match: IfMatch,
    IbmJson(JsonObject(body)): IbmJson<JsonObject>,
) -> Result<Response, ApiError> {
    let (read, _) = state.app.update_vpc(&caller, &id, vpc_patch(&body)?, &if_match.optional()).await?;
    Ok(with_etag(StatusCode::OK, &read.etag(), &render(&query.base, &read)))
}

/// `DELETE /v1/vpcs/{id}` → 204.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    _query: VpcQuery,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    state.app.delete_vpc(&caller, &id, &if_match.optional()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /_hubspoke/vpcs/{id}/dns_endpoint`: where DNS clients inside the VPC send their queries.
pub async fn dns_endpoint(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let endpoint = state.app.dns_endpoint(&caller, &id).await?;
    Ok(json_response(StatusCode::OK, &json!({ "address": endpoint.address.to_string(), "port": endpoint.port })))
}
