//! DNS Services custom resolvers: locations on subnets (each with a reserved IP), enabling, profiles and their
//! changes, and rules H10 and CR1–CR6.

use hubspoke_iam::text::{describe, forbidden_character};

use super::subnet::{NewReservedIp, reserve};
use super::{Applied, Patch};
use crate::Context;
use crate::error::{RuleError, RuleResult};
use crate::model::{
    CustomResolver, DEFAULT_RULE_DESCRIPTION, ForwardingRule, ForwardingRuleKind, IpOwner, IpTarget, PRIVATE_RESOLVERS,
    Phase, ResolverLocation, ResolverProfile, Settling, Subnet, Target,
};
use crate::region::{crn, parse_crn};
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

/// `POST /instances/{instance}/custom_resolvers`.
#[derive(Clone, Debug, Default)]
pub struct NewCustomResolver {
    /// `name`.
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// `profile` (`essential` when absent).
    pub profile: Option<String>,
    /// `locations`.
    pub locations: Vec<NewLocation>,
}

/// `PATCH /instances/{instance}/custom_resolvers/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomResolverPatch {
    /// `name`.
    pub name: Option<String>,
    /// `description` (`null` removes it).
    pub description: Patch<String>,
    /// `enabled`.
    pub enabled: Option<bool>,
    /// `profile`.
    pub profile: Option<String>,
    /// `allow_disruptive_updates`.
    pub allow_disruptive_updates: Option<bool>,
}

/// `PATCH .../locations/{location}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LocationPatch {
    /// `subnet_crn`: only while the location is disabled (rule CR3).
    pub subnet_crn: Option<String>,
    /// `enabled`.
    pub enabled: Option<bool>,
}

/// A resolver of the caller's account in `instance`, or 404.
pub(crate) fn own_resolver<'a>(
    world: &'a World,
    ctx: &Context,
    instance: &str,
    id: &str,
) -> RuleResult<&'a CustomResolver> {
    world
        .resolver(id)
        .filter(|r| r.instance == instance && ctx.may_act_in(&r.account))
        .ok_or_else(|| RuleError::not_found("custom resolver", id))
}

/// Whether a profile change of `resolver` is still in progress at `now`.
pub fn is_updating(resolver: &CustomResolver, now: hubspoke_iam::Timestamp) -> bool {
    resolver.settling.as_ref().is_some_and(|settling| settling.state_at(now) == "updating")
}

/// Rule CR5: while its profile changes, a resolver takes no other change of what it serves.
pub(crate) fn refuse_updating(resolver: &CustomResolver, ctx: &Context, what: &str) -> RuleResult<()> {
    if is_updating(resolver, ctx.now) {
        return Err(RuleError::conflict(
            "custom_resolver_updating",
            format!(
                "cannot {what} custom resolver `{}` while its profile change is in progress; try again once its lifecycle state is `stable`",
                resolver.id
            ),
        )
        .rule("CR5"));
    }
    Ok(())
}

fn parse_profile(name: &str) -> RuleResult<ResolverProfile> {
    ResolverProfile::parse(name).ok_or_else(|| {
        RuleError::invalid(
            "invalid_profile",
            format!("`{name}` is not a custom resolver profile; use `essential`, `advanced` or `premier`"),
        )
        .field("profile")
    })
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

/// The subnet `subnet_crn` names, checked as a place for a location of `resolver` (other than `moving`, the location
/// whose subnet changes): the caller's, in the VPC of the other locations (one VPC per resolver), in a VPC no other
/// resolver serves (rule CR1).
fn location_subnet(
    world: &World,
    ctx: &Context,
    resolver: &CustomResolver,
    subnet_crn: &str,
    moving: Option<&str>,
) -> RuleResult<Subnet> {
    let subnet_id = parse_crn(subnet_crn).filter(|p| p.kind == "subnet").map(|p| p.id).ok_or_else(|| {
        RuleError::invalid("invalid_crn", format!("`{subnet_crn}` is not the CRN of a subnet"))
            .field("locations.subnet_crn")
    })?;
    let subnet = world
        .subnet(&subnet_id)
        .filter(|s| ctx.may_act_in(&s.account) && s.account == resolver.account)
        .ok_or_else(|| RuleError::not_found("subnet", subnet_crn))?
        .clone();
    let others = resolver.locations.iter().filter(|l| Some(l.id.as_str()) != moving);
    if let Some(other) = others.filter_map(|l| world.subnet(&l.subnet)).find(|s| s.vpc != subnet.vpc) {
        return Err(RuleError::invalid(
            "custom_resolver_locations_in_several_vpcs",
            format!(
                "every location of a custom resolver is in one VPC; subnet `{}` is in `{}`, subnet `{}` in `{}`",
                subnet.id, subnet.vpc, other.id, other.vpc
            ),
        )
        .field("locations"));
    }
    let serving = world
        .resolvers()
        .filter(|other| other.id != resolver.id)
        .find(|other| other.locations.iter().any(|l| world.subnet(&l.subnet).is_some_and(|s| s.vpc == subnet.vpc)));
    if let Some(other) = serving {
        return Err(RuleError::conflict(
            "custom_resolver_vpc_has_resolver",
            format!(
                "VPC `{}` already has custom resolver `{}`; a VPC has one custom resolver, whatever DNS Services instance it is in",
                subnet.vpc, other.id
            ),
        )
        .field("locations.subnet_crn")
        .rule("CR1"));
    }
    Ok(subnet)
}

fn add_location(
    draft: &mut Draft,
    ctx: &mut Context,
    resolver: &mut CustomResolver,
    input: &NewLocation,
) -> RuleResult<String> {
    let subnet = location_subnet(draft.world(), ctx, resolver, &input.subnet_crn, None)?;
    if resolver.locations.len() >= MAX_LOCATIONS {
        return Err(RuleError::invalid(
            "custom_resolver_too_many_locations",
            format!("a custom resolver has at most {MAX_LOCATIONS} locations"),
        )
        .field("locations"));
    }
    let location_id = ctx.ids.uuid();
    let reserved_ip = reserve_for(draft, ctx, resolver, &subnet, &location_id)?;
    resolver.locations.push(ResolverLocation {
        id: location_id.clone(),
        subnet: subnet.id,
        enabled: input.enabled,
        reserved_ip,
    });
    Ok(location_id)
}

/// Reserves the address a location listens on in `subnet`, released with the location.
fn reserve_for(
    draft: &mut Draft,
    ctx: &mut Context,
    resolver: &CustomResolver,
    subnet: &Subnet,
    location: &str,
) -> RuleResult<String> {
    let target = IpTarget::ResolverLocation { resolver: resolver.id.clone(), location: location.to_owned() };
    let ip = reserve(
        draft,
        ctx,
        subnet,
        &NewReservedIp { auto_delete: Some(true), ..NewReservedIp::default() },
        IpOwner::Provider,
        Some(target),
    )?;
    Ok(ip.id)
}

/// `POST /instances/{instance}/custom_resolvers`. The resolver starts disabled; enabling it is an update.
pub fn create(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    input: &NewCustomResolver,
) -> RuleResult<Applied<String>> {
    let account = super::owner_account(ctx)?;
    super::service_instance::own_instance(world, ctx, instance)?;
    check_name(&input.name)?;
    if let Some(description) = &input.description {
        check_description(description)?;
    }
    let profile = input.profile.as_deref().map(parse_profile).transpose()?.unwrap_or_default();
    let mut resolver = CustomResolver {
        id: ctx.ids.uuid(),
        account,
        instance: instance.to_owned(),
        name: input.name.clone(),
        description: input.description.clone(),
        enabled: false,
        locations: Vec::new(),
        profile,
        allow_disruptive_updates: false,
        settling: None,
        created_at: ctx.now,
        modified_at: ctx.now,
    };
    let mut draft = world.draft();
    for location in &input.locations {
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
pub(crate) fn check_description(description: &str) -> RuleResult<()> {
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

/// `PATCH /instances/{instance}/custom_resolvers/{id}`: name, description, enabled, profile and
/// `allow_disruptive_updates`. A profile change is `updating` for the propagation delay (rule CR5), and is refused
/// when the resolver holds more than the new profile allows (rule CR4).
pub fn update(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    id: &str,
    patch: &CustomResolverPatch,
) -> RuleResult<Applied<String>> {
    let mut resolver = own_resolver(world, ctx, instance, id)?.clone();
    if let Some(name) = &patch.name {
        check_name(name)?;
        resolver.name = name.clone();
    }
    if let Patch::Value(description) = &patch.description {
        check_description(description)?;
    }
    match &patch.description {
        Patch::Absent => {}
        Patch::Null => resolver.description = None,
        Patch::Value(text) => resolver.description = Some(text.clone()),
    }
    let profile = patch.profile.as_deref().map(parse_profile).transpose()?;
    if let Some(profile) = profile.filter(|profile| *profile != resolver.profile) {
        refuse_updating(&resolver, ctx, "change the profile of")?;
        check_profile_fits(world, &resolver, profile)?;
        resolver.profile = profile;
        resolver.settling = (ctx.propagation_delay_ms > 0).then(|| Settling {
            phase: Phase::Updating,
            until: hubspoke_iam::Timestamp(ctx.now.0 + ctx.propagation_delay_ms),
        });
    }
    if let Some(allow) = patch.allow_disruptive_updates {
        resolver.allow_disruptive_updates = allow;
    }
    if let Some(enabled) = patch.enabled {
        if enabled != resolver.enabled {
            refuse_updating(&resolver, ctx, if enabled { "enable" } else { "disable" })?;
        }
        if !enabled && resolver.enabled {
            refuse_in_use(world, &resolver, "disable")?;
        }
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

/// Rule CR4: a resolver moves to a smaller profile only when what it holds fits the smaller profile's limits.
fn check_profile_fits(world: &World, resolver: &CustomResolver, profile: ResolverProfile) -> RuleResult<()> {
    let rules = world.forwarding_rules_of(&resolver.id);
    let zone_rules = rules.iter().filter(|rule| rule.kind == ForwardingRuleKind::Zone).count();
    let most_views = rules.iter().map(|rule| rule.views.len()).max().unwrap_or(0);
    let zones = world.secondary_zones_of(&resolver.id).len();
    let excess = if zone_rules > profile.max_forwarding_rules() {
        Some(format!("{zone_rules} forwarding rules (at most {})", profile.max_forwarding_rules()))
    } else if most_views > profile.max_views() {
        Some(format!("a forwarding rule with {most_views} views (at most {})", profile.max_views()))
    } else if zones > profile.max_secondary_zones() {
        Some(format!("{zones} secondary zones (at most {})", profile.max_secondary_zones()))
    } else {
        None
    };
    match excess {
        Some(excess) => Err(RuleError::conflict(
            "custom_resolver_profile_limit",
            format!(
                "custom resolver `{}` cannot move to the `{}` profile: it has {excess}; remove some first",
                resolver.id,
                profile.as_str()
            ),
        )
        .field("profile")
        .rule("CR4")),
        None => Ok(()),
    }
}

/// `DELETE /instances/{instance}/custom_resolvers/{id}`; its reserved IPs are released.
pub fn delete(world: &World, ctx: &mut Context, instance: &str, id: &str) -> RuleResult<Applied<()>> {
    let resolver = own_resolver(world, ctx, instance, id)?.clone();
    if resolver.enabled {
        refuse_in_use(world, &resolver, "delete")?;
        return Err(RuleError::conflict(
            "custom_resolver_enabled",
            format!("custom resolver `{id}` is enabled; disable it before deleting it"),
        )
        .rule("CR2"));
    }
    refuse_updating(&resolver, ctx, "delete")?;
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
    refuse_updating(&resolver, ctx, "add a location to")?;
    let mut draft = world.draft();
    let location = add_location(&mut draft, ctx, &mut resolver, input)?;
    resolver.modified_at = ctx.now;
    draft.put(Entity::Resolver(resolver));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: location })
}

/// `PATCH /instances/{instance}/custom_resolvers/{id}/locations/{location}`: enables or disables a location, or moves
/// a disabled one to another subnet (rule CR3), where it gets a new address.
pub fn update_location(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    id: &str,
    location: &str,
    patch: &LocationPatch,
) -> RuleResult<Applied<String>> {
    let mut resolver = own_resolver(world, ctx, instance, id)?.clone();
    let index = resolver
        .locations
        .iter()
        .position(|l| l.id == location)
        .ok_or_else(|| RuleError::not_found("custom resolver location", location))?;
    let mut draft = world.draft();
    if let Some(subnet_crn) = &patch.subnet_crn {
        let current = world.subnet(&resolver.locations[index].subnet).map(|s| crn(&s.account, "subnet", &s.id));
        if current.as_deref() != Some(subnet_crn.as_str()) {
            if resolver.locations[index].enabled {
                return Err(RuleError::conflict(
                    "custom_resolver_location_enabled",
                    format!("location `{location}` is enabled; disable it before changing its subnet"),
                )
                .field("subnet_crn")
                .rule("CR3"));
            }
            let subnet =
                location_subnet(world, ctx, &resolver, subnet_crn, Some(location)).map_err(|error| {
                    match error.target {
                        Some(_) => error.field("subnet_crn"),
                        None => error,
                    }
                })?;
            draft.remove(EntityKey::ReservedIp(resolver.locations[index].reserved_ip.clone()));
            let reserved_ip = reserve_for(&mut draft, ctx, &resolver, &subnet, location)?;
            resolver.locations[index].subnet = subnet.id;
            resolver.locations[index].reserved_ip = reserved_ip;
        }
    }
    if let Some(enabled) = patch.enabled {
        let last_enabled = resolver.enabled
            && resolver.locations.iter().filter(|l| l.enabled).count() == 1
            && resolver.locations[index].enabled;
        if !enabled && last_enabled {
            refuse_in_use(world, &resolver, "disable the last enabled location of")?;
        }
        resolver.locations[index].enabled = enabled;
    }
    resolver.modified_at = ctx.now;
    draft.put(Entity::Resolver(resolver));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: location.to_owned() })
}

/// `PUT /instances/{instance}/custom_resolvers/{id}/locations_order`: the same locations in a new order (which
/// changes the order VPCs list the resolver's addresses in). The order names every location once (rule CR6).
pub fn order_locations(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    id: &str,
    order: &[String],
) -> RuleResult<Applied<String>> {
    let mut resolver = own_resolver(world, ctx, instance, id)?.clone();
    let mut ordered = Vec::with_capacity(order.len());
    for location in order {
        let found = resolver.locations.iter().find(|l| &l.id == location);
        match found {
            Some(found) if !ordered.iter().any(|l: &ResolverLocation| l.id == found.id) => ordered.push(found.clone()),
            _ => {
                return Err(RuleError::invalid(
                    "invalid_locations_order",
                    format!("`{location}` is not a location of custom resolver `{id}`, or is named twice"),
                )
                .field("locations")
                .rule("CR6"));
            }
        }
    }
    if ordered.len() != resolver.locations.len() {
        return Err(RuleError::invalid(
            "invalid_locations_order",
            format!(
                "the order names {} of the {} locations of custom resolver `{id}`; name each once",
                ordered.len(),
                resolver.locations.len()
            ),
        )
        .field("locations")
        .rule("CR6"));
    }
    resolver.locations = ordered;
    resolver.modified_at = ctx.now;
    let mut draft = world.draft();
    draft.put(Entity::Resolver(resolver));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
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
    if removed.enabled {
        return Err(RuleError::conflict(
            "custom_resolver_location_enabled",
            format!("location `{location}` is enabled; disable it before deleting it"),
        )
        .rule("CR2"));
    }
    refuse_updating(&resolver, ctx, "remove a location of")?;
    resolver.modified_at = ctx.now;
    let mut draft = world.draft();
    draft.remove(EntityKey::ReservedIp(removed.reserved_ip));
    draft.put(Entity::Resolver(resolver));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}
