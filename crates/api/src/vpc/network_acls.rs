//! `/v1/network_acls` and their ordered rules, and a subnet's ACL. Rule protocols follow the request's API version
//! ([`super::protocol`]).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hubspoke_app::network::network_acls::{
    AclAction, AclRulePatch, NetworkAclFilter, NetworkAclRead, NetworkAclRuleRead, NewAcl, NewAclRule,
};
use hubspoke_app::precondition::Tagged;
use hubspoke_vpc::region::crn;
use serde::Deserialize;
use serde_json::{Value, json};

use super::protocol::{self, Named, ProtocolFields};
use super::security_groups::{direction, ipv4_only, parse_cidr};
use super::{IdentityBody, VpcQuery, created_at, required_identity, resource_group, vpc_reference, with_etag};
use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson, IfMatch};
use crate::paging::{self, Paging};
use crate::transaction::json_response;

/// A rule in the SDK's `NetworkACLRule` shape (`NetworkACLRuleItem` inside an ACL).
pub fn render_rule(base: &str, read: &NetworkAclRuleRead, query: &VpcQuery) -> Value {
    let rule = &read.rule;
    let mut value = json!({
        "action": rule.action.as_str(),
        "created_at": created_at(rule.created_at),
        "destination": rule.destination.to_string(),
        "direction": rule.direction.as_str(),
        "href": format!("{base}/network_acls/{}/rules/{}", read.acl, rule.id),
        "id": rule.id,
        "ip_version": "ipv4",
        "name": rule.name,
        "source": rule.source.to_string(),
    });
    if let Some(before) = &read.before {
        value["before"] = json!({
            "href": format!("{base}/network_acls/{}/rules/{}", read.acl, before.id),
            "id": before.id,
            "name": before.name,
        });
    }
    protocol::render(&mut value, &rule.protocol, true, query);
    value
}

/// A network ACL in the SDK's `NetworkACL` shape.
pub fn render(base: &str, read: &NetworkAclRead, query: &VpcQuery) -> Value {
    let acl = &read.acl;
    let rules: Vec<Value> = hubspoke_app::network::network_acls::read_rules(acl)
        .iter()
        .map(|rule| render_rule(base, rule, query))
        .collect();
    let subnets: Vec<Value> = read.subnets.iter().map(|s| super::reference(base, "subnet", "subnets", s)).collect();
    json!({
        "created_at": created_at(acl.created_at),
        "crn": crn(&acl.account, "network-acl", &acl.id),
        "href": format!("{base}/network_acls/{}", acl.id),
        "id": acl.id,
        "name": acl.name,
        "resource_group": resource_group(base, &read.resource_group),
        "rules": rules,
        "subnets": subnets,
        "vpc": vpc_reference(base, &read.vpc),
    })
}

fn action(text: Option<&str>) -> Result<AclAction, ApiError> {
    match text {
        Some("allow") => Ok(AclAction::Allow),
        Some("deny") => Ok(AclAction::Deny),
        None => Err(ApiError::invalid_body("`action` is required").with_target("action", "field")),
        Some(other) => Err(ApiError::invalid_body(format!("`action` is `{other}`; it must be `allow` or `deny`"))
            .with_target("action", "field")),
    }
}

fn required_cidr(text: Option<&str>, field: &str) -> Result<ipnet::Ipv4Net, ApiError> {
    let text =
        text.ok_or_else(|| ApiError::invalid_body(format!("`{field}` is required")).with_target(field, "field"))?;
    parse_cidr(text, field)
}

/// `before` of a rule body: a rule identity.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct BeforeBody {
    id: Option<String>,
    href: Option<String>,
}

impl BeforeBody {
    fn id(&self) -> Result<String, ApiError> {
        IdentityBody::from_parts(self.id.clone(), None, self.href.clone()).id("before")
    }
}

/// The body of `POST /network_acls/{id}/rules` (`NetworkACLRulePrototype`), and each of `rules` at creation.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RulePrototype {
    name: Option<String>,
    action: Option<String>,
    direction: Option<String>,
    source: Option<String>,
    destination: Option<String>,
    ip_version: Option<String>,
    before: Option<BeforeBody>,
    #[serde(flatten)]
    protocol: ProtocolFields,
}

impl RulePrototype {
    fn input(&self, query: &VpcQuery) -> Result<NewAclRule, ApiError> {
        ipv4_only(self.ip_version.as_deref())?;
        let action = action(self.action.as_deref())?;
        let mut named = protocol::named(self.protocol.protocol.as_deref(), query)?;
        // Before 2025-12-09 `all` also denied: such a rule denies every protocol, and reads back as `any` in the
        // newer versions.
        if named == Named::IcmpTcpUdp && action == AclAction::Deny && !protocol::new_protocols(query) {
            named = Named::Any;
        }
        Ok(NewAclRule {
            name: self.name.clone(),
            action,
            direction: direction(self.direction.as_deref(), "direction")?,
            source: required_cidr(self.source.as_deref(), "source")?,
            destination: required_cidr(self.destination.as_deref(), "destination")?,
            protocol: self.protocol.protocol(named, true)?,
            before: self.before.as_ref().map(BeforeBody::id).transpose()?,
        })
    }
}

/// The body of `PATCH /network_acls/{id}/rules/{rule}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RulePatch {
    name: Option<String>,
    action: Option<String>,
    direction: Option<String>,
    source: Option<String>,
    destination: Option<String>,
    before: Option<BeforeBody>,
    #[serde(flatten)]
    protocol: ProtocolFields,
}

impl RulePatch {
    fn input(&self) -> Result<AclRulePatch, ApiError> {
        if self.protocol.protocol.is_some() {
            return Err(ApiError::invalid_body(
                "hubspoke does not change a rule's `protocol`; delete the rule and create another",
            )
            .with_target("protocol", "field"));
        }
        let fields = &self.protocol;
        let port = |value: Option<i64>, field: &str| value.map(|p| protocol::port(Some(p), 1, field)).transpose();
        let icmp = |value: Option<i64>, field: &str| {
            value
                .map(|n| {
                    u8::try_from(n).map_err(|_| {
                        ApiError::invalid_body(format!("`{field}` is {n}; it must be 0 to 255"))
                            .with_target(field, "field")
                    })
                })
                .transpose()
        };
        if fields.port_min.is_some() || fields.port_max.is_some() {
            return Err(ApiError::invalid_body(
                "network ACL rules take `destination_port_min` and `source_port_min`, not `port_min`",
            )
            .with_target("port_min", "field"));
        }
        Ok(AclRulePatch {
            name: self.name.clone(),
            action: self.action.as_deref().map(|a| action(Some(a))).transpose()?,
            direction: self.direction.as_deref().map(|d| direction(Some(d), "direction")).transpose()?,
            source: self.source.as_deref().map(|s| parse_cidr(s, "source")).transpose()?,
            destination: self.destination.as_deref().map(|d| parse_cidr(d, "destination")).transpose()?,
            before: self.before.as_ref().map(BeforeBody::id).transpose()?,
            ports: [
                port(fields.destination_port_min, "destination_port_min")?,
                port(fields.destination_port_max, "destination_port_max")?,
                port(fields.source_port_min, "source_port_min")?,
                port(fields.source_port_max, "source_port_max")?,
            ],
            icmp_type: icmp(fields.icmp_type, "type")?,
            icmp_code: icmp(fields.code, "code")?,
        })
    }
}

/// The body of `POST /network_acls`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NetworkAclPrototype {
    name: Option<String>,
    vpc: Option<IdentityBody>,
    rules: Vec<RulePrototype>,
    source_network_acl: Option<IdentityBody>,
    resource_group: Option<IdentityBody>,
}

/// The body of `PATCH /network_acls/{id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NetworkAclPatch {
    name: Option<String>,
}

/// `GET /v1/network_acls`: newest first; filters `resource_group.id` and `vpc.id`.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let paging = Paging::from_params(&query.params, paging::VPC)?;
    let filter = NetworkAclFilter {
        resource_group: query.params.get("resource_group.id").map(str::to_owned),
        vpc_id: query.params.get("vpc.id").map(str::to_owned),
    };
    let page = state.app.list_network_acls(&caller, &filter, &paging.request());
    let items = page.items.iter().map(|read| render(&query.base, read, &query)).collect();
    let url = query.url("/network_acls");
    let body = paging::collection(&url, &query.params, &paging, "network_acls", items, page.total, page.next.as_ref());
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /v1/network_acls` → 201: with `rules` (in order, no `before`), or a copy of `source_network_acl`.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: VpcQuery,
    IbmJson(body): IbmJson<NetworkAclPrototype>,
) -> Result<Response, ApiError> {
    if body.source_network_acl.is_some() && !body.rules.is_empty() {
        return Err(ApiError::invalid_body("give either `rules` or `source_network_acl`, not both")
            .with_target("source_network_acl", "field"));
    }
    let rules = body
        .rules
        .iter()
        .map(|rule| rule.input(&query).map_err(|error| error.with_target_prefix("rules")))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let source = body.source_network_acl.as_ref().map(|s| s.id("source_network_acl")).transpose()?;
    let input = NewAcl {
        name: body.name,
        vpc: required_identity(&body.vpc, "vpc")?.id("vpc")?,
        rules,
        source,
        resource_group: super::resource_group_id(&body.resource_group)?,
    };
    let read = state.app.create_network_acl(&caller, input).await?;
    Ok(with_etag(StatusCode::CREATED, &read.etag(), &render(&query.base, &read, &query)))
}

/// `GET /v1/network_acls/{id}`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.network_acl(&caller, &id)?;
    Ok(with_etag(StatusCode::OK, &read.etag(), &render(&query.base, &read, &query)))
}

/// `GET /v1/vpcs/{id}/default_network_acl`.
pub async fn get_vpc_default(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.vpc_default_network_acl(&caller, &id)?;
    Ok(json_response(StatusCode::OK, &render(&query.base, &read, &query)))
}

/// `PATCH /v1/network_acls/{id}`: renames it.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
    if_match: IfMatch,
    IbmJson(body): IbmJson<NetworkAclPatch>,
) -> Result<Response, ApiError> {
    let read = state.app.rename_network_acl(&caller, &id, body.name.as_deref(), &if_match.optional()).await?;
    Ok(with_etag(StatusCode::OK, &read.etag(), &render(&query.base, &read, &query)))
}

/// `DELETE /v1/network_acls/{id}` → 204.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    _query: VpcQuery,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    state.app.delete_network_acl(&caller, &id, &if_match.optional()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v1/network_acls/{id}/rules`: in order, paged; filter `direction`.
pub async fn list_rules(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let paging = Paging::from_params(&query.params, paging::VPC)?;
    let wanted = query.params.get("direction").map(|d| direction(Some(d), "direction")).transpose().map_err(|_| {
        ApiError::invalid_body("`direction` must be `inbound` or `outbound`").with_target("direction", "parameter")
    })?;
    let page = state.app.list_network_acl_rules(&caller, &id, wanted, &paging.request())?;
    let items = page.items.iter().map(|read| render_rule(&query.base, read, &query)).collect();
    let url = query.url(&format!("/network_acls/{id}/rules"));
    let body = paging::collection(&url, &query.params, &paging, "rules", items, page.total, page.next.as_ref());
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /v1/network_acls/{id}/rules` → 201, before `before` or last.
pub async fn create_rule(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
    IbmJson(body): IbmJson<RulePrototype>,
) -> Result<Response, ApiError> {
    let read = state.app.create_network_acl_rule(&caller, &id, body.input(&query)?).await?;
    Ok(json_response(StatusCode::CREATED, &render_rule(&query.base, &read, &query)))
}

/// `GET /v1/network_acls/{id}/rules/{rule}`.
pub async fn get_rule(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, rule)): Path<(String, String)>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.network_acl_rule(&caller, &id, &rule)?;
    Ok(json_response(StatusCode::OK, &render_rule(&query.base, &read, &query)))
}

/// `PATCH /v1/network_acls/{id}/rules/{rule}`.
pub async fn update_rule(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, rule)): Path<(String, String)>,
    query: VpcQuery,
    IbmJson(body): IbmJson<RulePatch>,
) -> Result<Response, ApiError> {
    let read = state.app.update_network_acl_rule(&caller, &id, &rule, body.input()?).await?;
    Ok(json_response(StatusCode::OK, &render_rule(&query.base, &read, &query)))
}

/// `DELETE /v1/network_acls/{id}/rules/{rule}` → 204.
pub async fn delete_rule(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, rule)): Path<(String, String)>,
    _query: VpcQuery,
) -> Result<Response, ApiError> {
    state.app.delete_network_acl_rule(&caller, &id, &rule).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v1/subnets/{id}/network_acl`.
pub async fn get_subnet_acl(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.subnet_network_acl(&caller, &id)?;
    Ok(json_response(StatusCode::OK, &render(&query.base, &read, &query)))
}

/// `PUT /v1/subnets/{id}/network_acl` → 201: attaches the ACL the body names.
pub async fn replace_subnet_acl(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
    IbmJson(body): IbmJson<IdentityBody>,
) -> Result<Response, ApiError> {
    let read = state.app.replace_subnet_network_acl(&caller, &id, &body.id("network_acl")?).await?;
    Ok(json_response(StatusCode::CREATED, &render(&query.base, &read, &query)))
}
