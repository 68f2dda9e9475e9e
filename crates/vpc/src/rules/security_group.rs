//! Security groups and their rules: each VPC's default group, create, rename, delete, and rule create, update and
//! delete. Only state is kept: no packet is filtered.

use ipnet::Ipv4Net;

use super::protocol::{self, SECURITY_GROUP};
use super::{Applied, names, own_vpc};
use crate::Context;
use crate::error::{RuleError, RuleResult};
use crate::model::{
    Direction, Local, PortRange, Remote, RuleProtocol, SecurityGroup, SecurityGroupRule, Vpc, default_security_group_id,
};
use crate::world::{Entity, EntityKey, World};

/// Security groups a VPC may have.
pub const GROUPS_PER_VPC: usize = 100;
/// Rules a security group may have.
pub const RULES_PER_GROUP: usize = 250;
/// Security groups one target (an endpoint gateway) may have.
pub const GROUPS_PER_TARGET: usize = 5;

/// The address range that means "anywhere".
pub fn anywhere() -> Ipv4Net {
    Ipv4Net::default()
}

/// A rule to add (`SecurityGroupRulePrototype`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSecurityGroupRule {
    /// The name, or a generated one.
    pub name: Option<String>,
    /// Inbound or outbound.
    pub direction: Direction,
    /// What it matches.
    pub protocol: RuleProtocol,
    /// The far end; anywhere when not given. A group is named by id.
    pub remote: Option<Remote>,
    /// The near end; every local address when not given.
    pub local: Option<Local>,
}

/// `POST /security_groups`.
#[derive(Clone, Debug)]
pub struct NewSecurityGroup {
    /// The name, or a generated one.
    pub name: Option<String>,
    /// The VPC (by id, the caller's own).
    pub vpc: String,
    /// Its first rules; none means nothing is allowed.
    pub rules: Vec<NewSecurityGroupRule>,
    /// `resource_group` (by id, one of the account's groups); the account's default group when not given.
    pub resource_group: Option<String>,
}

/// `PATCH /security_groups/{id}/rules/{rule}`: the fields to change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecurityGroupRulePatch {
    /// `name`.
    pub name: Option<String>,
    /// `direction`.
    pub direction: Option<Direction>,
    /// `remote`.
    pub remote: Option<Remote>,
    /// `local`.
    pub local: Option<Local>,
    /// `port_min` (TCP and UDP rules only).
    pub port_min: Option<u16>,
    /// `port_max` (TCP and UDP rules only).
    pub port_max: Option<u16>,
    /// `type` (ICMP rules only).
    pub icmp_type: Option<u8>,
    /// `code` (ICMP rules only).
    pub icmp_code: Option<u8>,
}

/// A VPC's default security group as IBM creates it: members reach each other, and everything may go out.
pub fn default_group(vpc: &Vpc) -> SecurityGroup {
    let id = default_security_group_id(&vpc.id);
    SecurityGroup {
        rules: vec![
            SecurityGroupRule {
                id: format!("{id}-inbound"),
                name: "inbound-icmp-tcp-udp-from-this-security-group".into(),
                direction: Direction::Inbound,
                protocol: RuleProtocol::IcmpTcpUdp,
                remote: Remote::Group(id.clone()),
                local: Local::Cidr(anywhere()),
            },
            SecurityGroupRule {
                id: format!("{id}-outbound"),
                name: "outbound-icmp-tcp-udp".into(),
                direction: Direction::Outbound,
                protocol: RuleProtocol::IcmpTcpUdp,
                remote: Remote::Cidr(anywhere()),
                local: Local::Cidr(anywhere()),
            },
        ],
        id,
        account: vpc.account.clone(),
        vpc: vpc.id.clone(),
        name: format!("{}-default-sg", vpc.name),
        created_at: vpc.created_at,
        resource_group: vpc.resource_group.clone(),
    }
}

/// A security group the caller may act on, or 404.
pub(crate) fn own_group<'a>(world: &'a World, ctx: &Context, id: &str) -> RuleResult<&'a SecurityGroup> {
    world
        .security_group(id)
        .filter(|group| ctx.may_act_on(&group.account, &group.id))
        .ok_or_else(|| RuleError::not_found("security group", id))
}

/// The security groups a target of `vpc` names, checked: each the caller's, in the same VPC, at most five; none
/// means the VPC's default group.
pub(crate) fn target_groups(world: &World, ctx: &Context, vpc: &str, named: &[String]) -> RuleResult<Vec<String>> {
    if named.is_empty() {
        return Ok(vec![default_security_group_id(vpc)]);
    }
    if named.len() > GROUPS_PER_TARGET {
        return Err(RuleError::invalid(
            "security_group_target_quota_exceeded",
            format!("a target may have at most {GROUPS_PER_TARGET} security groups; {} were given", named.len()),
        )
        .field("security_groups"));
    }
    let mut groups = Vec::new();
    for id in named {
        let group = own_group(world, ctx, id).map_err(|error| error.field("security_groups"))?;
        if group.vpc != vpc {
            return Err(RuleError::invalid(
                "security_group_not_in_vpc",
                format!("security group `{id}` is in VPC `{}`, not in VPC `{vpc}`", group.vpc),
            )
            .field("security_groups"));
        }
        if !groups.contains(id) {
            groups.push(id.clone());
        }
    }
    Ok(groups)
}

fn check_name(world: &World, vpc: &str, name: &str, except: Option<&str>) -> RuleResult<()> {
    if world.security_groups().any(|g| g.vpc == vpc && g.name == name && Some(g.id.as_str()) != except) {
        return Err(RuleError::conflict(
            "security_group_name_duplicate",
            format!("VPC `{vpc}` already has a security group named `{name}`"),
        )
        .field("name"));
    }
    Ok(())
}

/// Checks a rule of `group` (in `vpc`, beside `siblings`): its protocol's shape, a unique name, and that a remote
/// group is one of the same VPC.
fn check_rule(
    world: &World,
    ctx: &Context,
    (vpc, group): (&str, &str),
    siblings: &[SecurityGroupRule],
    rule: &SecurityGroupRule,
) -> RuleResult<()> {
    protocol::check(&rule.protocol, SECURITY_GROUP)?;
    if siblings.iter().any(|other| other.id != rule.id && other.name == rule.name) {
        return Err(RuleError::conflict(
            "security_group_rule_name_duplicate",
            format!("security group `{group}` already has a rule named `{}`", rule.name),
        )
        .field("name"));
    }
    if let Remote::Group(remote) = &rule.remote {
        let same_vpc = remote == group
            || world
                .security_group(remote)
                .is_some_and(|other| ctx.may_act_on(&other.account, &other.id) && other.vpc == vpc);
        if !same_vpc {
            return Err(RuleError::invalid(
                "security_group_rule_remote_invalid",
                format!("`remote` names the security group `{remote}`, which is not a security group of VPC `{vpc}`"),
            )
            .field("remote"));
        }
    }
    Ok(())
}

fn new_rule(ctx: &mut Context, input: NewSecurityGroupRule) -> RuleResult<SecurityGroupRule> {
    Ok(SecurityGroupRule {
        id: ctx.new_id(),
        name: names::choose(input.name.as_deref(), ctx.ids, "name")?,
        direction: input.direction,
        protocol: input.protocol,
        remote: input.remote.unwrap_or(Remote::Cidr(anywhere())),
        local: input.local.unwrap_or(Local::Cidr(anywhere())),
    })
}

fn too_many_rules(group: &str, count: usize) -> RuleResult<()> {
    if count > RULES_PER_GROUP {
        return Err(RuleError::conflict(
            "security_group_rule_quota_exceeded",
            format!(
                "security group `{group}` would have {count} rules; a security group has at most {RULES_PER_GROUP}"
            ),
        )
        .field("rules"));
    }
    Ok(())
}

/// Creates a security group, with the rules given.
pub fn create(world: &World, ctx: &mut Context, input: NewSecurityGroup) -> RuleResult<Applied<String>> {
    let vpc = own_vpc(world, ctx, &input.vpc)?.clone();
    let resource_group = super::resource_group::reference(world, &vpc.account, input.resource_group.as_deref())?;
    let name = names::choose(input.name.as_deref(), ctx.ids, "name")?;
    check_name(world, &vpc.id, &name, None)?;
    if world.security_groups().filter(|g| g.vpc == vpc.id).count() >= GROUPS_PER_VPC {
        return Err(RuleError::conflict(
            "security_group_quota_exceeded",
            format!("VPC `{}` already has {GROUPS_PER_VPC} security groups, the most a VPC may have", vpc.id),
        ));
    }
    let id = ctx.new_id();
    too_many_rules(&id, input.rules.len())?;
    let mut rules: Vec<SecurityGroupRule> = Vec::new();
    for rule in input.rules {
        let rule = new_rule(ctx, rule).map_err(|error| prefixed(error, "rules"))?;
        check_rule(world, ctx, (&vpc.id, &id), &rules, &rule).map_err(|error| prefixed(error, "rules"))?;
        rules.push(rule);
    }
    let group = SecurityGroup {
        id: id.clone(),
        account: vpc.account.clone(),
        vpc: vpc.id,
        name,
        created_at: ctx.now,
        rules,
        resource_group,
    };
    let mut draft = world.draft();
    draft.put(Entity::SecurityGroup(group));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

/// A field of a rule given in a list (`rules`) is named `rules.<field>`.
fn prefixed(mut error: RuleError, list: &str) -> RuleError {
    if let Some((name, _)) = &mut error.target {
        *name = format!("{list}.{name}");
    }
    error
}

/// Renames a security group.
pub fn rename(world: &World, ctx: &mut Context, id: &str, name: &str) -> RuleResult<Applied<String>> {
    let mut group = own_group(world, ctx, id)?.clone();
    group.name = names::choose(Some(name), ctx.ids, "name")?;
    check_name(world, &group.vpc, &group.name, Some(id))?;
    let mut draft = world.draft();
    draft.put(Entity::SecurityGroup(group));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// Deletes a security group that is not its VPC's default, has no targets and no other group's rule names.
pub fn delete(world: &World, ctx: &mut Context, id: &str) -> RuleResult<Applied<()>> {
    let group = own_group(world, ctx, id)?;
    if group.id == default_security_group_id(&group.vpc) {
        return Err(RuleError::conflict(
            "security_group_default",
            format!("security group `{id}` is the default security group of VPC `{}` and goes only with it", group.vpc),
        ));
    }
    if let Some(gateway) = world.gateways().find(|g| g.security_groups.iter().any(|sg| sg == id)) {
        return Err(RuleError::conflict(
            "security_group_in_use",
            format!("security group `{id}` has the target `{}`; remove it from its targets first", gateway.id),
        ));
    }
    let referenced_by = world.security_groups().find(|other| {
        other.id != id && other.rules.iter().any(|rule| matches!(&rule.remote, Remote::Group(g) if g == id))
    });
    if let Some(other) = referenced_by {
        return Err(RuleError::conflict(
            "security_group_referenced",
            format!("a rule of security group `{}` names security group `{id}` as its `remote`", other.id),
        ));
    }
    let mut draft = world.draft();
    draft.remove(EntityKey::SecurityGroup(id.to_owned()));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}

/// Adds a rule to a security group.
pub fn create_rule(
    world: &World,
    ctx: &mut Context,
    group: &str,
    input: NewSecurityGroupRule,
) -> RuleResult<Applied<String>> {
    let mut next = own_group(world, ctx, group)?.clone();
    too_many_rules(group, next.rules.len() + 1)?;
    let rule = new_rule(ctx, input)?;
    check_rule(world, ctx, (&next.vpc, group), &next.rules, &rule)?;
    let id = rule.id.clone();
    next.rules.push(rule);
    let mut draft = world.draft();
    draft.put(Entity::SecurityGroup(next));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

/// The rule `id` of a group the caller may act on, or 404.
fn rule_index(group: &SecurityGroup, id: &str) -> RuleResult<usize> {
    group.rules.iter().position(|rule| rule.id == id).ok_or_else(|| RuleError::not_found("security group rule", id))
}

/// Changes a rule of a security group. Ports apply to TCP and UDP rules, type and code to ICMP rules.
pub fn update_rule(
    world: &World,
    ctx: &mut Context,
    group: &str,
    id: &str,
    patch: SecurityGroupRulePatch,
) -> RuleResult<Applied<String>> {
    let mut next = own_group(world, ctx, group)?.clone();
    let index = rule_index(&next, id)?;
    let mut rule = next.rules[index].clone();
    if let Some(name) = &patch.name {
        rule.name = names::choose(Some(name), ctx.ids, "name")?;
    }
    if let Some(direction) = patch.direction {
        rule.direction = direction;
    }
    if let Some(remote) = patch.remote {
        rule.remote = remote;
    }
    if let Some(local) = patch.local {
        rule.local = local;
    }
    let ports_given = patch.port_min.is_some() || patch.port_max.is_some();
    let icmp_given = patch.icmp_type.is_some() || patch.icmp_code.is_some();
    match &mut rule.protocol {
        RuleProtocol::Tcp { ports, .. } | RuleProtocol::Udp { ports, .. } if !icmp_given => {
            *ports = PortRange { min: patch.port_min.unwrap_or(ports.min), max: patch.port_max.unwrap_or(ports.max) };
        }
        RuleProtocol::Icmp { kind, code } if !ports_given => {
            *kind = patch.icmp_type.or(*kind);
            *code = patch.icmp_code.or(*code);
        }
        _ if ports_given || icmp_given => {
            let field = if ports_given { "port_min" } else { "type" };
            return Err(RuleError::invalid(
                "security_group_rule_protocol_mismatch",
                format!("rule `{id}` does not take `{field}`: ports belong to TCP and UDP rules, `type` and `code` to ICMP rules"),
            )
            .field(field));
        }
        _ => {}
    }
    check_rule(world, ctx, (&next.vpc, group), &next.rules, &rule)?;
    next.rules[index] = rule;
    let mut draft = world.draft();
    draft.put(Entity::SecurityGroup(next));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// Removes a rule from a security group.
pub fn delete_rule(world: &World, ctx: &mut Context, group: &str, id: &str) -> RuleResult<Applied<()>> {
    let mut next = own_group(world, ctx, group)?.clone();
    let index = rule_index(&next, id)?;
    next.rules.remove(index);
    let mut draft = world.draft();
    draft.put(Entity::SecurityGroup(next));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}

/// Adds a security group to a target of its VPC (`PUT /security_groups/{id}/targets/{target}`); adding it again
/// changes nothing.
pub fn add_target(world: &World, ctx: &mut Context, group: &str, target: &str) -> RuleResult<Applied<String>> {
    let group = own_group(world, ctx, group)?.clone();
    let mut gateway = super::gateway::own_gateway(world, ctx, target)?.clone();
    if gateway.security_groups.contains(&group.id) {
        return Ok(Applied { world: world.clone(), touched: Vec::new(), value: gateway.id });
    }
    if gateway.vpc != group.vpc {
        return Err(RuleError::invalid(
            "security_group_not_in_vpc",
            format!(
                "security group `{}` is in VPC `{}`, and the target `{target}` in VPC `{}`",
                group.id, group.vpc, gateway.vpc
            ),
        ));
    }
    if gateway.security_groups.len() >= GROUPS_PER_TARGET {
        return Err(RuleError::conflict(
            "security_group_target_quota_exceeded",
            format!(
                "the target `{target}` already has {GROUPS_PER_TARGET} security groups, the most a target may have"
            ),
        ));
    }
    gateway.security_groups.push(group.id);
    let id = gateway.id.clone();
    let mut draft = world.draft();
    draft.put(Entity::Gateway(gateway));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

/// Removes a security group from a target (`DELETE /security_groups/{id}/targets/{target}`). A target keeps at least
/// one security group.
pub fn remove_target(world: &World, ctx: &mut Context, group: &str, target: &str) -> RuleResult<Applied<()>> {
    let group = own_group(world, ctx, group)?;
    let mut gateway = super::gateway::own_gateway(world, ctx, target)?.clone();
    let Some(index) = gateway.security_groups.iter().position(|id| *id == group.id) else {
        return Err(RuleError::not_found("security group target", target));
    };
    if gateway.security_groups.len() == 1 {
        return Err(RuleError::conflict(
            "security_group_target_last",
            format!("security group `{}` is the only security group of `{target}`; add another to it first", group.id),
        ));
    }
    gateway.security_groups.remove(index);
    let mut draft = world.draft();
    draft.put(Entity::Gateway(gateway));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}
