//! `/v1/security_groups`, their rules and their targets. Rule protocols follow the request's API version
//! ([`super::protocol`]).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hubspoke_app::network::Reference;
use hubspoke_app::network::security_groups::{
    Direction, Local, NewSecurityGroup, NewSecurityGroupRule, Remote, SecurityGroupFilter, SecurityGroupRead,
    SecurityGroupRulePatch, SecurityGroupRuleRead,
};
use hubspoke_app::precondition::Tagged;
use hubspoke_vpc::model::SecurityGroupRule;
use hubspoke_vpc::region::crn;
use serde::Deserialize;
use serde_json::{Value, json};

use super::protocol::{self, ProtocolFields};
use super::{IdentityBody, VpcQuery, created_at, required_identity, resource_group, vpc_reference, with_etag};
use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson, IfMatch};
use crate::paging::{self, Paging};
use crate::transaction::json_response;

/// A rule in the SDK's `SecurityGroupRule` shape.
pub fn render_rule(
    base: &str,
    group: &str,
    rule: &SecurityGroupRule,
    remote: Option<&Reference>,
    query: &VpcQuery,
) -> Value {
    let remote = match (&rule.remote, remote) {
        (Remote::Address(address), _) => json!({ "address": address.to_string() }),
        (Remote::Cidr(cidr), _) => json!({ "cidr_block": cidr.to_string() }),
        (Remote::Group(_), Some(reference)) => {
            let mut value = super::reference(base, "security-group", "security_groups", reference);
            if let Some(object) = value.as_object_mut() {
                object.remove("resource_type");
            }
            value
        }
        (Remote::Group(id), None) => json!({ "id": id }),
    };
    let local = match &rule.local {
        Local::Address(address) => json!({ "address": address.to_string() }),
        Local::Cidr(cidr) => json!({ "cidr_block": cidr.to_string() }),
    };
    let mut value = json!({
        "direction": rule.direction.as_str(),
        "href": format!("{base}/security_groups/{group}/rules/{}", rule.id),
        "id": rule.id,
        "ip_version": "ipv4",
        "local": local,
        "name": rule.name,
        "remote": remote,
        "resource_type": "security_group_rule",
    });
    protocol::render(&mut value, &rule.protocol, false, query);
    value
}

fn render_read_rule(base: &str, read: &SecurityGroupRuleRead, query: &VpcQuery) -> Value {
    render_rule(base, &read.group, &read.rule, read.remote_group.as_ref(), query)
}

/// A security group in the SDK's `SecurityGroup` shape.
pub fn render(base: &str, read: &SecurityGroupRead, query: &VpcQuery) -> Value {
    let group = &read.group;
    let rules: Vec<Value> = group
        .rules
        .iter()
        .map(|rule| {
            let remote = match &rule.remote {
                Remote::Group(id) => read.remote_groups.iter().find(|r| r.id == *id),
                _ => None,
            };
            render_rule(base, &group.id, rule, remote, query)
        })
        .collect();
    let targets: Vec<Value> =
        read.targets.iter().map(|t| super::reference(base, "endpoint-gateway", "endpoint_gateways", t)).collect();
    json!({
        "created_at": created_at(group.created_at),
        "crn": crn(&group.account, "security-group", &group.id),
        "href": format!("{base}/security_groups/{}", group.id),
        "id": group.id,
        "name": group.name,
        "resource_group": resource_group(base, &read.resource_group),
        "rules": rules,
        "targets": targets,
        "vpc": vpc_reference(base, &read.vpc),
    })
}

/// `remote` or `local` of a rule body: `{address}`, `{cidr_block}`, or (for `remote`) a security group identity.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct EndBody {
    address: Option<String>,
    cidr_block: Option<String>,
    id: Option<String>,
    crn: Option<String>,
    href: Option<String>,
}

impl EndBody {
    fn remote(&self, field: &str) -> Result<Remote, ApiError> {
        let identity = self.id.is_some() || self.crn.is_some() || self.href.is_some();
        match (&self.address, &self.cidr_block, identity) {
            (Some(address), None, false) => Ok(Remote::Address(parse_address(address, &format!("{field}.address"))?)),
            (None, Some(cidr), false) => Ok(Remote::Cidr(parse_cidr(cidr, &format!("{field}.cidr_block"))?)),
            (None, None, true) => {
                let identity = IdentityBody::from_parts(self.id.clone(), self.crn.clone(), self.href.clone());
                Ok(Remote::Group(identity.id(field)?))
            }
            _ => Err(ApiError::invalid_body(format!(
                "`{field}` must be exactly one of an `address`, a `cidr_block` or a security group (`id`, `crn` or `href`)"
            ))
            .with_target(field, "field")),
        }
    }

    fn local(&self, field: &str) -> Result<Local, ApiError> {
        match (&self.address, &self.cidr_block, self.id.is_some() || self.crn.is_some() || self.href.is_some()) {
            (Some(address), None, false) => Ok(Local::Address(parse_address(address, &format!("{field}.address"))?)),
            (None, Some(cidr), false) => Ok(Local::Cidr(parse_cidr(cidr, &format!("{field}.cidr_block"))?)),
            _ => {
                Err(ApiError::invalid_body(format!("`{field}` must be exactly one of an `address` or a `cidr_block`"))
                    .with_target(field, "field"))
            }
        }
    }
}

fn parse_address(text: &str, field: &str) -> Result<std::net::Ipv4Addr, ApiError> {
    text.parse().map_err(|_| {
        ApiError::invalid_body(format!("`{field}` `{text}` is not an IPv4 address")).with_target(field, "field")
    })
}

/// An IPv4 CIDR block, `field` named when it is not one.
pub fn parse_cidr(text: &str, field: &str) -> Result<ipnet::Ipv4Net, ApiError> {
    text.parse::<ipnet::Ipv4Net>().or_else(|_| text.parse::<std::net::Ipv4Addr>().map(ipnet::Ipv4Net::from)).map_err(
        |_| {
            ApiError::invalid_body(format!("`{field}` `{text}` is not an IPv4 address or CIDR block"))
                .with_target(field, "field")
        },
    )
}

/// `direction`, required in a prototype.
pub fn direction(text: Option<&str>, field: &str) -> Result<Direction, ApiError> {
    let text =
        text.ok_or_else(|| ApiError::invalid_body(format!("`{field}` is required")).with_target(field, "field"))?;
    Direction::parse(text).ok_or_else(|| {
        ApiError::invalid_body(format!("`{field}` is `{text}`; it must be `inbound` or `outbound`"))
            .with_target(field, "field")
    })
}

/// `ip_version`: only `ipv4`.
pub fn ipv4_only(version: Option<&str>) -> Result<(), ApiError> {
    match version {
        None | Some("ipv4") => Ok(()),
        Some(other) => Err(ApiError::invalid_body(format!("`ip_version` is `{other}`; hubspoke's rules are `ipv4`"))
            .with_target("ip_version", "field")),
    }
}

/// The body of `POST /security_groups/{id}/rules` (`SecurityGroupRulePrototype`), and each of `rules` at creation.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RulePrototype {
    name: Option<String>,
    direction: Option<String>,
    ip_version: Option<String>,
    remote: Option<EndBody>,
    local: Option<EndBody>,
    #[serde(flatten)]
    protocol: ProtocolFields,
}

impl RulePrototype {
    fn input(&self, query: &VpcQuery) -> Result<NewSecurityGroupRule, ApiError> {
        ipv4_only(self.ip_version.as_deref())?;
        let named = protocol::named(self.protocol.protocol.as_deref(), query)?;
        Ok(NewSecurityGroupRule {
            name: self.name.clone(),
            direction: direction(self.direction.as_deref(), "direction")?,
            protocol: self.protocol.protocol(named, false)?,
            remote: self.remote.as_ref().map(|r| r.remote("remote")).transpose()?,
            local: self.local.as_ref().map(|l| l.local("local")).transpose()?,
        })
    }
}

/// The body of `PATCH /security_groups/{id}/rules/{rule}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RulePatch {
    name: Option<String>,
    direction: Option<String>,
    remote: Option<EndBody>,
    local: Option<EndBody>,
    #[serde(flatten)]
    protocol: ProtocolFields,
}

impl RulePatch {
    fn input(&self) -> Result<SecurityGroupRulePatch, ApiError> {
        if self.protocol.protocol.is_some() {
            return Err(ApiError::invalid_body(
                "hubspoke does not change a rule's `protocol`; delete the rule and create another",
            )
            .with_target("protocol", "field"));
        }
        let fields = &self.protocol;
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
        Ok(SecurityGroupRulePatch {
            name: self.name.clone(),
            direction: self.direction.as_deref().map(|d| direction(Some(d), "direction")).transpose()?,
            remote: self.remote.as_ref().map(|r| r.remote("remote")).transpose()?,
            local: self.local.as_ref().map(|l| l.local("local")).transpose()?,
            port_min: fields.port_min.map(|p| protocol::port(Some(p), 1, "port_min")).transpose()?,
            port_max: fields.port_max.map(|p| protocol::port(Some(p), 1, "port_max")).transpose()?,
            icmp_type: icmp(fields.icmp_type, "type")?,
            icmp_code: icmp(fields.code, "code")?,
        })
    }
}

/// The body of `POST /security_groups`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SecurityGroupPrototype {
    name: Option<String>,
    vpc: Option<IdentityBody>,
    rules: Vec<RulePrototype>,
    resource_group: Option<IdentityBody>,
}

/// The body of `PATCH /security_groups/{id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SecurityGroupPatch {
    name: Option<String>,
}

/// `GET /v1/security_groups`: newest first; filters `vpc.id`, `vpc.crn`, `vpc.name`, `resource_group.id`.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let paging = Paging::from_params(&query.params, paging::VPC)?;
    let param = |name: &str| query.params.get(name).map(str::to_owned);
    let filter = SecurityGroupFilter {
        vpc_id: param("vpc.id"),
        vpc_crn: param("vpc.crn"),
        vpc_name: param("vpc.name"),
        resource_group: param("resource_group.id"),
    };
    let page = state.app.list_security_groups(&caller, &filter, &paging.request());
    let items = page.items.iter().map(|read| render(&query.base, read, &query)).collect();
    let url = query.url("/security_groups");
    let body =
        paging::collection(&url, &query.params, &paging, "security_groups", items, page.total, page.next.as_ref());
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /v1/security_groups` → 201.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    query: VpcQuery,
    IbmJson(body): IbmJson<SecurityGroupPrototype>,
) -> Result<Response, ApiError> {
    let rules = body
        .rules
        .iter()
        .map(|rule| rule.input(&query).map_err(|error| error.with_target_prefix("rules")))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let input = NewSecurityGroup {
        name: body.name,
        vpc: required_identity(&body.vpc, "vpc")?.id("vpc")?,
        rules,
        resource_group: super::resource_group_id(&body.resource_group)?,
    };
    let read = state.app.create_security_group(&caller, input).await?;
    Ok(with_etag(StatusCode::CREATED, &read.etag(), &render(&query.base, &read, &query)))
}

/// `GET /v1/security_groups/{id}`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.security_group(&caller, &id)?;
    Ok(with_etag(StatusCode::OK, &read.etag(), &render(&query.base, &read, &query)))
}

/// `GET /v1/vpcs/{id}/default_security_group`.
pub async fn get_vpc_default(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.vpc_default_security_group(&caller, &id)?;
    Ok(json_response(StatusCode::OK, &render(&query.base, &read, &query)))
}

/// `PATCH /v1/security_groups/{id}`: renames it.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
    if_match: IfMatch,
    IbmJson(body): IbmJson<SecurityGroupPatch>,
) -> Result<Response, ApiError> {
    let read = state.app.rename_security_group(&caller, &id, body.name.as_deref(), &if_match.optional()).await?;
    Ok(with_etag(StatusCode::OK, &read.etag(), &render(&query.base, &read, &query)))
}

/// `DELETE /v1/security_groups/{id}` → 204.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    _query: VpcQuery,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    state.app.delete_security_group(&caller, &id, &if_match.optional()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v1/security_groups/{id}/rules`: every rule (IBM does not page them).
pub async fn list_rules(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let rules = state.app.list_security_group_rules(&caller, &id)?;
    let items: Vec<Value> = rules.iter().map(|read| render_read_rule(&query.base, read, &query)).collect();
    Ok(json_response(StatusCode::OK, &json!({ "rules": items })))
}

/// `POST /v1/security_groups/{id}/rules` → 201.
pub async fn create_rule(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
    IbmJson(body): IbmJson<RulePrototype>,
) -> Result<Response, ApiError> {
    let read = state.app.create_security_group_rule(&caller, &id, body.input(&query)?).await?;
    Ok(json_response(StatusCode::CREATED, &render_read_rule(&query.base, &read, &query)))
}

/// `GET /v1/security_groups/{id}/rules/{rule}`.
pub async fn get_rule(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, rule)): Path<(String, String)>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.security_group_rule(&caller, &id, &rule)?;
    Ok(json_response(StatusCode::OK, &render_read_rule(&query.base, &read, &query)))
}

/// `PATCH /v1/security_groups/{id}/rules/{rule}`.
pub async fn update_rule(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, rule)): Path<(String, String)>,
    query: VpcQuery,
    IbmJson(body): IbmJson<RulePatch>,
) -> Result<Response, ApiError> {
    let read = state.app.update_security_group_rule(&caller, &id, &rule, body.input()?).await?;
    Ok(json_response(StatusCode::OK, &render_read_rule(&query.base, &read, &query)))
}

/// `DELETE /v1/security_groups/{id}/rules/{rule}` → 204.
pub async fn delete_rule(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, rule)): Path<(String, String)>,
    _query: VpcQuery,
) -> Result<Response, ApiError> {
    state.app.delete_security_group_rule(&caller, &id, &rule).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v1/security_groups/{id}/targets`: the endpoint gateways that use it.
pub async fn list_targets(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let paging = Paging::from_params(&query.params, paging::VPC)?;
    let page = state.app.list_security_group_targets(&caller, &id, &paging.request())?;
    let items =
        page.items.iter().map(|t| super::reference(&query.base, "endpoint-gateway", "endpoint_gateways", t)).collect();
    let url = query.url(&format!("/security_groups/{id}/targets"));
    let body = paging::collection(&url, &query.params, &paging, "targets", items, page.total, page.next.as_ref());
    Ok(json_response(StatusCode::OK, &body))
}

/// `PUT /v1/security_groups/{id}/targets/{target}` → 201 (the body is ignored, as IBM's is).
pub async fn add_target(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, target)): Path<(String, String)>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.add_security_group_target(&caller, &id, &target).await?;
    let body = super::reference(&query.base, "endpoint-gateway", "endpoint_gateways", &read);
    Ok(json_response(StatusCode::CREATED, &body))
}

/// `GET /v1/security_groups/{id}/targets/{target}`.
pub async fn get_target(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, target)): Path<(String, String)>,
    query: VpcQuery,
) -> Result<Response, ApiError> {
    let read = state.app.security_group_target(&caller, &id, &target)?;
    let body = super::reference(&query.base, "endpoint-gateway", "endpoint_gateways", &read);
    Ok(json_response(StatusCode::OK, &body))
}

/// `DELETE /v1/security_groups/{id}/targets/{target}` → 204.
pub async fn remove_target(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, target)): Path<(String, String)>,
    _query: VpcQuery,
) -> Result<Response, ApiError> {
    state.app.remove_security_group_target(&caller, &id, &target).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
