//! DNS Services custom resolvers: locations on subnets (each with a reserved IP), enabling, and rule H10.

use hubspoke_iam::text::{describe, forbidden_character};

use super::subnet::{NewReservedIp, reserve};
use super::{Applied, Patch};
use crate::Context;
use crate::error::{RuleError, RuleResult};
use crate::model::{
    CustomResolver, DEFAULT_RULE_DESCRIPTION, ForwardingRule, ForwardingRuleKind, IpOwner, IpTarget, PRIVATE_RESOLVERS,
    ResolverLocation, ResolverProfile, Target,
};
use crate::region::parse_crn;
use crate::topology::binding_count;
use crate::world::{Draft, Entity, EntityKey, World};

/// Most locations a custom resolver has (DNS Services' limit).
pub const MAX_LOCATIONS: usize = 3;

/// A location to add.
#[derive(Clone, Debug)]
pub struct NewLocation {
    /// The subnet's CRN.
    pub subnet_crn: String,
    /// Whether it serves queries.
    pub enabled: bool,
}

/// A resolver of the caller's account in `instance`, or 404.
fn own_resolver<'a>(world: &'a World, ctx: &Context, instance: &str, id: &str) -> RuleResult<&'a CustomResolver> {
    world
        .resolver(id)
        .filter(|r| r.instance == instance && ctx.may_act_in(&r.account))
        .ok_or_else(|| RuleError::not_found("custom resolver", id))
}

/// The VPCs a resolver's locations are in that are hubs with bindings: while there is one, the resolver is in use.
fn in_use_by(world: &World, resolver: &CustomResolver) -> Option<String> {
    resolver
        .locations
        .iter()
        .filter_map(|location| world.subnet(&location.subnet))
        .find(|subnet| {
            world.vpc(&subnet.vpc).is_some_and(|vpc| vpc.enable_hub) && binding_count(world, &subnet.vpc) > 0
        })
        .map(|subnet| subnet.vpc.clone())
}

fn refuse_in_use(world: &World, resolver: &CustomResolver, what: &str) -> RuleResult<()> {
    match in_use_by(world, resolver) {
        Some(vpc) => Err(RuleError::conflict(
            "custom_resolver_in_use",
            format!("cannot {what} custom resolver `{}`: the DNS hub VPC `{vpc}` has DNS resolution bindings that rely on it; delete the bindings first", resolver.id),
        )
        .rule("H10")),
        None => Ok(()),
    }
}

fn add_location(
    draft: &mut Draft,
    ctx: &mut Context,
    resolver: &mut CustomResolver,
    input: &NewLocation,
) -> RuleResult<String> {
    let world = draft.world();
    let subnet_id = parse_crn(&input.subnet_crn).filter(|p| p.kind == "subnet").map(|p| p.id).ok_or_else(|| {
        RuleError::invalid("invalid_crn", format!("`{}` is not the CRN of a subnet", input.subnet_crn))
            .field("locations.subnet_crn")
    })?;
    let subnet = world
        .subnet(&subnet_id)
        .filter(|s| ctx.may_act_in(&s.account) && s.account == resolver.account)
        .ok_or_else(|| RuleError::not_found("subnet", &input.subnet_crn))?
        .clone();
    if resolver.locations.len() >= MAX_LOCATIONS {
        return Err(RuleError::invalid(
            "custom_resolver_too_many_locations",
            format!("a custom resolver has at most {MAX_LOCATIONS} locations"),
        )
        .field("locations"));
    }
    if resolver.locations.iter().any(|l| l.subnet == subnet.id) {
        return Err(RuleError::conflict(
            "custom_resolver_location_duplicate",
            format!("subnet `{}` is already a location of this resolver", subnet.id),
        )
        .field("locations"));
    }
    if let Some(other) = resolver.locations.iter().filter_map(|l| world.subnet(&l.subnet)).find(|s| s.vpc != subnet.vpc)
    {
        return Err(RuleError::invalid(
            "custom_resolver_locations_in_several_vpcs",
            format!(
                "every location of a custom resolver is in one VPC; subnet `{}` is in `{}`, subnet `{}` in `{}`",
                subnet.id, subnet.vpc, other.id, other.vpc
            ),
        )
        .field("locations"));
    }
    let location_id = ctx.ids.uuid();
    let target = IpTarget::ResolverLocation { resolver: resolver.id.clone(), location: location_id.clone() };
    let ip = reserve(
        draft,
        ctx,
        &subnet,
        &NewReservedIp { auto_delete: Some(true), ..NewReservedIp::default() },
        IpOwner::Provider,
        Some(target),
    )?;
    resolver.locations.push(ResolverLocation {
        id: location_id.clone(),
        subnet: subnet.id,
        enabled: input.enabled,
        reserved_ip: ip.id,
    });
    Ok(location_id)
}

/// `POST /instances/{instance}/custom_resolvers`. The resolver starts disabled; enabling it is an update.
pub fn create(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    name: &str,
    description: Option<String>,
    locations: &[NewLocation],
) -> RuleResult<Applied<String>> {
    let account = super::owner_account(ctx)?;
    check_name(name)?;
    if let Some(description) = &description {
        check_description(description)?;
    }
    let mut resolver = CustomResolver {
        id: ctx.ids.uuid(),
        account,
        instance: instance.to_owned(),
        name: name.to_owned(),
        description,
        enabled: false,
        locations: Vec::new(),
        profile: ResolverProfile::default(),
        allow_disruptive_updates: false,
        settling: None,
        created_at: ctx.now,
        modified_at: ctx.now,
    };
    let mut draft = world.draft();
    for location in locations {
        add_location(&mut draft, ctx, &mut resolver, location)?;
    }
    let id = resolver.id.clone();
    let default_rule = default_forwarding_rule(ctx, &resolver);
    draft.put(Entity::Resolver(resolver));
    draft.put(Entity::ForwardingRule(default_rule));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

/// The default forwarding rule every resolver is created with: every name no other rule matches goes to IBM's
/// private resolvers.
fn default_forwarding_rule(ctx: &mut Context, resolver: &CustomResolver) -> ForwardingRule {
    ForwardingRule {
        id: ctx.ids.uuid(),
        account: resolver.account.clone(),
        resolver: resolver.id.clone(),
        sequence: 0,
        kind: ForwardingRuleKind::Default,
        description: DEFAULT_RULE_DESCRIPTION.to_owned(),
        matches: "*".to_owned(),
        forward_to: PRIVATE_RESOLVERS.iter().map(|address| Target { address: (*address).into(), port: None }).collect(),
        views: Vec::new(),
        created_at: ctx.now,
        modified_at: ctx.now,
    }
}

/// A resolver's name: 1 to 64 characters, none of them hidden or control characters.
fn check_name(name: &str) -> RuleResult<()> {
    if name.trim().is_empty() || name.chars().count() > 64 {
        return Err(
            RuleError::invalid("invalid_name", "the custom resolver name must be 1 to 64 characters").field("name")
        );
    }
    match forbidden_character(name, false) {
        Some(character) => Err(RuleError::invalid(
            "invalid_name",
            format!(
                "the custom resolver name contains the character {}, which a name may not hold",
                describe(character)
            ),
        )
        .field("name")),
        None => Ok(()),
    }
}

/// A resolver's description: at most 1,024 characters, with no hidden characters (line breaks are allowed).
fn check_description(description: &str) -> RuleResult<()> {
    if description.chars().count() > 1024 {
        return Err(RuleError::invalid("invalid_description", "the description is longer than 1024 characters")
            .field("description"));
    }
    match forbidden_character(description, true) {
        Some(character) => Err(RuleError::invalid(
            "invalid_description",
            format!("the description contains the character {}, which a description may not hold", describe(character)),
        )
        .field("description")),
        None => Ok(()),
    }
}

/// `PATCH /instances/{instance}/custom_resolvers/{id}`: name, description, enabled.
pub fn update(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    id: &str,
    name: Option<&str>,
    description: Patch<String>,
    enabled: Option<bool>,
) -> RuleResult<Applied<String>> {
    let mut resolver = own_resolver(world, ctx, instance, id)?.clone();
    if let Some(name) = name {
        check_name(name)?;
        resolver.name = name.to_owned();
    }
    if let Patch::Value(description) = &description {
        check_description(description)?;
    }
    match description {
        Patch::Absent => {}
        Patch::Null => resolver.description = None,
        Patch::Value(text) => resolver.description = Some(text),
    }
    if enabled == Some(false) && resolver.enabled {
        refuse_in_use(world, &resolver, "disable")?;
    }
    if let Some(enabled) = enabled {
        if enabled && resolver.locations.is_empty() {
            return Err(RuleError::invalid(
                "custom_resolver_without_locations",
                "a custom resolver needs at least one location before it can be enabled",
            )
            .field("enabled"));
        }
        resolver.enabled = enabled;
    }
    resolver.modified_at = ctx.now;
    let mut draft = world.draft();
    draft.put(Entity::Resolver(resolver));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// `DELETE /instances/{instance}/custom_resolvers/{id}`; its reserved IPs are released.
pub fn delete(world: &World, ctx: &mut Context, instance: &str, id: &str) -> RuleResult<Applied<()>> {
    let resolver = own_resolver(world, ctx, instance, id)?.clone();
    if resolver.enabled {
        refuse_in_use(world, &resolver, "delete")?;
    }
    let mut draft = world.draft();
    for location in &resolver.locations {
        draft.remove(EntityKey::ReservedIp(location.reserved_ip.clone()));
    }
    for rule in world.forwarding_rules_of(id) {
        draft.remove(EntityKey::ForwardingRule(rule.id.clone()));
    }
    for zone in world.secondary_zones_of(id) {
        draft.remove(EntityKey::SecondaryZone(zone.id.clone()));
    }
    draft.remove(EntityKey::Resolver(id.to_owned()));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}

/// `POST /instances/{instance}/custom_resolvers/{id}/locations`.
pub fn create_location(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    id: &str,
    input: &NewLocation,
) -> RuleResult<Applied<String>> {
    let mut resolver = own_resolver(world, ctx, instance, id)?.clone();
    let mut draft = world.draft();
    let location = add_location(&mut draft, ctx, &mut resolver, input)?;
    resolver.modified_at = ctx.now;
    draft.put(Entity::Resolver(resolver));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: location })
}

/// `PATCH /instances/{instance}/custom_resolvers/{id}/locations/{location}`: enables or disables a location.
pub fn update_location(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    id: &str,
    location: &str,
    enabled: Option<bool>,
) -> RuleResult<Applied<String>> {
    let mut resolver = own_resolver(world, ctx, instance, id)?.clone();
    let index = resolver
        .locations
        .iter()
        .position(|l| l.id == location)
        .ok_or_else(|| RuleError::not_found("custom resolver location", location))?;
    if let Some(enabled) = enabled {
        let last_enabled = resolver.enabled
            && resolver.locations.iter().filter(|l| l.enabled).count() == 1
            && resolver.locations[index].enabled;
        if !enabled && last_enabled {
            refuse_in_use(world, &resolver, "disable the last enabled location of")?;
        }
        resolver.locations[index].enabled = enabled;
    }
    resolver.modified_at = ctx.now;
    let mut draft = world.draft();
    draft.put(Entity::Resolver(resolver));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: location.to_owned() })
}

/// `DELETE /instances/{instance}/custom_resolvers/{id}/locations/{location}`.
pub fn delete_location(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    id: &str,
    location: &str,
) -> RuleResult<Applied<()>> {
    let mut resolver = own_resolver(world, ctx, instance, id)?.clone();
    let index = resolver
        .locations
        .iter()
        .position(|l| l.id == location)
        .ok_or_else(|| RuleError::not_found("custom resolver location", location))?;
    let removed = resolver.locations.remove(index);
    if resolver.enabled && removed.enabled && !resolver.locations.iter().any(|l| l.enabled) {
        refuse_in_use(world, &resolver, "remove the last enabled location of")?;
    }
    resolver.modified_at = ctx.now;
    let mut draft = world.draft();
    draft.remove(EntityKey::ReservedIp(removed.reserved_ip));
    draft.put(Entity::Resolver(resolver));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}
