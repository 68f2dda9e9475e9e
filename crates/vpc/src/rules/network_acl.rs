//! Network ACLs and their ordered rules: each VPC's default ACL, create, rename, delete, rule create (with
//! `before`), update and delete, and which ACL a subnet uses. Only state is kept: no packet is filtered.

use ipnet::Ipv4Net;

use super::protocol::{self, NETWORK_ACL};
use super::subnet::own_subnet;
use super::{Applied, names, own_vpc};
use crate::Context;
use crate::error::{RuleError, RuleResult};
use crate::model::{
    AclAction, Direction, NetworkAcl, NetworkAclRule, PortRange, RuleProtocol, Vpc, default_network_acl_id,
};
use crate::world::{Entity, EntityKey, World};

/// Network ACLs a VPC may have.
pub const ACLS_PER_VPC: usize = 100;
/// Rules a network ACL may have.
pub const RULES_PER_ACL: usize = 200;

/// A rule to add (`NetworkACLRulePrototype`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAclRule {
    /// The name, or a generated one.
    pub name: Option<String>,
    /// Allow or deny.
    pub action: AclAction,
    /// Inbound or outbound.
    pub direction: Direction,
    /// The source range.
    pub source: Ipv4Net,
    /// The destination range.
    pub destination: Ipv4Net,
    /// What it matches.
    pub protocol: RuleProtocol,
    /// The rule to insert it before; appended when not given.
    pub before: Option<String>,
}

/// `POST /network_acls`.
#[derive(Clone, Debug)]
pub struct NewAcl {
    /// The name, or a generated one.
    pub name: Option<String>,
    /// The VPC (by id, the caller's own).
    pub vpc: String,
    /// Its rules, in order; none means nothing is allowed. Ignored when `source` is given.
    pub rules: Vec<NewAclRule>,
    /// An ACL whose rules to copy (`source_network_acl`).
    pub source: Option<String>,
    /// `resource_group` (by id, one of the account's groups); the account's default group when not given.
    pub resource_group: Option<String>,
}

/// `PATCH /network_acls/{id}/rules/{rule}`: the fields to change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AclRulePatch {
    /// `name`.
    pub name: Option<String>,
    /// `action`.
    pub action: Option<AclAction>,
    /// `direction`.
    pub direction: Option<Direction>,
    /// `source`.
    pub source: Option<Ipv4Net>,
    /// `destination`.
    pub destination: Option<Ipv4Net>,
    /// `before`: move the rule before this one.
    pub before: Option<String>,
    /// `destination_port_min`, `destination_port_max`, `source_port_min`, `source_port_max` (TCP and UDP only).
    pub ports: [Option<u16>; 4],
    /// `type` (ICMP only).
    pub icmp_type: Option<u8>,
    /// `code` (ICMP only).
    pub icmp_code: Option<u8>,
}

/// A VPC's default network ACL as IBM creates it: everything allowed in and out.
pub fn default_acl(vpc: &Vpc) -> NetworkAcl {
    let id = default_network_acl_id(&vpc.id);
    let rule = |direction: Direction| NetworkAclRule {
        id: format!("{id}-{}", direction.as_str()),
        name: format!("allow-{}", direction.as_str()),
        action: AclAction::Allow,
        direction,
        source: Ipv4Net::default(),
        destination: Ipv4Net::default(),
        protocol: RuleProtocol::IcmpTcpUdp,
        created_at: vpc.created_at,
    };
    NetworkAcl {
        rules: vec![rule(Direction::Inbound), rule(Direction::Outbound)],
        id,
        account: vpc.account.clone(),
        vpc: vpc.id.clone(),
        name: format!("{}-default-acl", vpc.name),
        created_at: vpc.created_at,
        resource_group: vpc.resource_group.clone(),
    }
}

/// A network ACL the caller may act on, or 404.
pub(crate) fn own_acl<'a>(world: &'a World, ctx: &Context, id: &str) -> RuleResult<&'a NetworkAcl> {
    world
        .network_acl(id)
        .filter(|acl| ctx.may_act_on(&acl.account, &acl.id))
        .ok_or_else(|| RuleError::not_found("network ACL", id))
}

/// The ACL a subnet of `vpc` is to use: the one named (the caller's, in the same VPC) or the VPC's default.
pub(crate) fn subnet_acl(world: &World, ctx: &Context, vpc: &str, named: Option<&str>) -> RuleResult<String> {
    let Some(id) = named else { return Ok(default_network_acl_id(vpc)) };
    let acl = own_acl(world, ctx, id).map_err(|error| error.field("network_acl"))?;
    if acl.vpc != vpc {
        return Err(RuleError::invalid(
            "network_acl_not_in_vpc",
            format!("network ACL `{id}` is in VPC `{}`, not in VPC `{vpc}`", acl.vpc),
        )
        .field("network_acl"));
    }
    Ok(acl.id.clone())
}

fn check_name(world: &World, vpc: &str, name: &str, except: Option<&str>) -> RuleResult<()> {
    if world.network_acls().any(|a| a.vpc == vpc && a.name == name && Some(a.id.as_str()) != except) {
        return Err(RuleError::conflict(
            "network_acl_name_duplicate",
            format!("VPC `{vpc}` already has a network ACL named `{name}`"),
        )
        .field("name"));
    }
    Ok(())
}

/// Checks a rule: its protocol's shape, a unique name in the ACL, and no `deny` of `icmp_tcp_udp` (a deny of every
/// protocol is written `any`).
fn check_rule(acl: &NetworkAcl, rule: &NetworkAclRule) -> RuleResult<()> {
    protocol::check(&rule.protocol, NETWORK_ACL)?;
    if rule.action == AclAction::Deny && rule.protocol == RuleProtocol::IcmpTcpUdp {
        return Err(RuleError::invalid(
            "network_acl_rule_deny_icmp_tcp_udp",
            "a rule with protocol `icmp_tcp_udp` cannot deny; deny every protocol with `any`",
        )
        .field("action"));
    }
    if acl.rules.iter().any(|other| other.id != rule.id && other.name == rule.name) {
        return Err(RuleError::conflict(
            "network_acl_rule_name_duplicate",
            format!("network ACL `{}` already has a rule named `{}`", acl.id, rule.name),
        )
        .field("name"));
    }
    Ok(())
}

/// Where `before` puts a rule: the index of the named rule, or 404 naming `before.id`.
fn position_of(acl: &NetworkAcl, before: &str) -> RuleResult<usize> {
    acl.rules
        .iter()
        .position(|rule| rule.id == before)
        .ok_or_else(|| RuleError::not_found("network ACL rule", before).field("before.id"))
}

fn too_many_rules(acl: &str, count: usize) -> RuleResult<()> {
    if count > RULES_PER_ACL {
        return Err(RuleError::conflict(
            "network_acl_rule_quota_exceeded",
            format!("network ACL `{acl}` would have {count} rules; a network ACL has at most {RULES_PER_ACL}"),
        )
        .field("rules"));
    }
    Ok(())
}

/// Inserts a new rule into `acl` (before `input.before`, or last), checked; returns its id.
fn insert_rule(acl: &mut NetworkAcl, ctx: &mut Context, input: NewAclRule) -> RuleResult<String> {
    too_many_rules(&acl.id, acl.rules.len() + 1)?;
    let rule = NetworkAclRule {
        id: ctx.new_id(),
        name: names::choose(input.name.as_deref(), ctx.ids, "name")?,
        action: input.action,
        direction: input.direction,
        source: input.source.trunc(),
        destination: input.destination.trunc(),
        protocol: input.protocol,
        created_at: ctx.now,
    };
    check_rule(acl, &rule)?;
    let index = match &input.before {
        Some(before) => position_of(acl, before)?,
        None => acl.rules.len(),
    };
    let id = rule.id.clone();
    acl.rules.insert(index, rule);
    Ok(id)
}

/// Creates a network ACL with the rules given, or a copy of another ACL's rules.
pub fn create(world: &World, ctx: &mut Context, input: NewAcl) -> RuleResult<Applied<String>> {
    let vpc = own_vpc(world, ctx, &input.vpc)?.clone();
    let resource_group = super::resource_group::reference(world, &vpc.account, input.resource_group.as_deref())?;
    let name = names::choose(input.name.as_deref(), ctx.ids, "name")?;
    check_name(world, &vpc.id, &name, None)?;
    if world.network_acls().filter(|a| a.vpc == vpc.id).count() >= ACLS_PER_VPC {
        return Err(RuleError::conflict(
            "network_acl_quota_exceeded",
            format!("VPC `{}` already has {ACLS_PER_VPC} network ACLs, the most a VPC may have", vpc.id),
        ));
    }
    let id = ctx.new_id();
    let mut acl = NetworkAcl {
        id: id.clone(),
        account: vpc.account.clone(),
        vpc: vpc.id.clone(),
        name,
        created_at: ctx.now,
        rules: Vec::new(),
        resource_group,
    };
    match &input.source {
        Some(source) => {
            let source = own_acl(world, ctx, source).map_err(|error| error.field("source_network_acl"))?;
            for rule in &source.rules {
                let mut copy = rule.clone();
                copy.id = ctx.new_id();
                copy.created_at = ctx.now;
                acl.rules.push(copy);
            }
        }
        None => {
            too_many_rules(&id, input.rules.len())?;
            for rule in input.rules {
                if rule.before.is_some() {
                    return Err(RuleError::invalid(
                        "network_acl_rule_before_not_allowed",
                        "rules given with a new network ACL are in order and take no `before`",
                    )
                    .field("rules.before"));
                }
                insert_rule(&mut acl, ctx, rule)?;
            }
        }
    }
    let mut draft = world.draft();
    draft.put(Entity::NetworkAcl(acl));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

/// Renames a network ACL.
pub fn rename(world: &World, ctx: &mut Context, id: &str, name: &str) -> RuleResult<Applied<String>> {
    let mut acl = own_acl(world, ctx, id)?.clone();
    acl.name = names::choose(Some(name), ctx.ids, "name")?;
    check_name(world, &acl.vpc, &acl.name, Some(id))?;
    let mut draft = world.draft();
    draft.put(Entity::NetworkAcl(acl));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// Deletes a network ACL that is not its VPC's default and no subnet uses.
pub fn delete(world: &World, ctx: &mut Context, id: &str) -> RuleResult<Applied<()>> {
    let acl = own_acl(world, ctx, id)?;
    if acl.id == default_network_acl_id(&acl.vpc) {
        return Err(RuleError::conflict(
            "network_acl_default",
            format!("network ACL `{id}` is the default network ACL of VPC `{}` and goes only with it", acl.vpc),
        ));
    }
    if let Some(subnet) = world.subnets().find(|subnet| subnet.network_acl == id) {
        return Err(RuleError::conflict(
            "network_acl_in_use",
            format!("network ACL `{id}` is attached to subnet `{}`; attach another ACL to it first", subnet.id),
        ));
    }
    let mut draft = world.draft();
    draft.remove(EntityKey::NetworkAcl(id.to_owned()));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}

/// Adds a rule to a network ACL, before `before` or last.
pub fn create_rule(world: &World, ctx: &mut Context, acl: &str, input: NewAclRule) -> RuleResult<Applied<String>> {
    let mut next = own_acl(world, ctx, acl)?.clone();
    let id = insert_rule(&mut next, ctx, input)?;
    let mut draft = world.draft();
    draft.put(Entity::NetworkAcl(next));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

fn rule_index(acl: &NetworkAcl, id: &str) -> RuleResult<usize> {
    acl.rules.iter().position(|rule| rule.id == id).ok_or_else(|| RuleError::not_found("network ACL rule", id))
}

fn merge_range(range: &mut PortRange, min: Option<u16>, max: Option<u16>) {
    *range = PortRange { min: min.unwrap_or(range.min), max: max.unwrap_or(range.max) };
}

/// Changes a rule of a network ACL, and moves it before `before` when given.
pub fn update_rule(
    world: &World,
    ctx: &mut Context,
    acl: &str,
    id: &str,
    patch: AclRulePatch,
) -> RuleResult<Applied<String>> {
    let mut next = own_acl(world, ctx, acl)?.clone();
    let index = rule_index(&next, id)?;
    let mut rule = next.rules.remove(index);
    if let Some(name) = &patch.name {
        rule.name = names::choose(Some(name), ctx.ids, "name")?;
    }
    rule.action = patch.action.unwrap_or(rule.action);
    rule.direction = patch.direction.unwrap_or(rule.direction);
    rule.source = patch.source.map_or(rule.source, |s| s.trunc());
    rule.destination = patch.destination.map_or(rule.destination, |d| d.trunc());
    let ports_given = patch.ports.iter().any(Option::is_some);
    let icmp_given = patch.icmp_type.is_some() || patch.icmp_code.is_some();
    let [destination_min, destination_max, source_min, source_max] = patch.ports;
    match &mut rule.protocol {
        RuleProtocol::Tcp { ports, source_ports } | RuleProtocol::Udp { ports, source_ports } if !icmp_given => {
            merge_range(ports, destination_min, destination_max);
            merge_range(source_ports, source_min, source_max);
        }
        RuleProtocol::Icmp { kind, code } if !ports_given => {
            *kind = patch.icmp_type.or(*kind);
            *code = patch.icmp_code.or(*code);
        }
        _ if ports_given || icmp_given => {
            let field = if ports_given { "destination_port_min" } else { "type" };
            return Err(RuleError::invalid(
                "network_acl_rule_protocol_mismatch",
                format!("rule `{id}` does not take `{field}`: ports belong to TCP and UDP rules, `type` and `code` to ICMP rules"),
            )
            .field(field));
        }
        _ => {}
    }
    check_rule(&next, &rule)?;
    let index = match &patch.before {
        Some(before) if before == id => {
            return Err(RuleError::invalid("network_acl_rule_before_itself", "a rule cannot be moved before itself")
                .field("before.id"));
        }
        Some(before) => position_of(&next, before)?,
        None => index,
    };
    next.rules.insert(index, rule);
    let mut draft = world.draft();
    draft.put(Entity::NetworkAcl(next));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// Removes a rule from a network ACL.
pub fn delete_rule(world: &World, ctx: &mut Context, acl: &str, id: &str) -> RuleResult<Applied<()>> {
    let mut next = own_acl(world, ctx, acl)?.clone();
    let index = rule_index(&next, id)?;
    next.rules.remove(index);
    let mut draft = world.draft();
    draft.put(Entity::NetworkAcl(next));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}

/// Attaches a network ACL of the subnet's VPC to a subnet (`PUT /subnets/{id}/network_acl`).
pub fn replace_subnet_acl(world: &World, ctx: &mut Context, subnet: &str, acl: &str) -> RuleResult<Applied<String>> {
    let mut next = own_subnet(world, ctx, subnet)?.clone();
    next.network_acl = subnet_acl(world, ctx, &next.vpc, Some(acl))?;
    let value = next.network_acl.clone();
    let mut draft = world.draft();
    draft.put(Entity::Subnet(next));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value })
}
