//! Secondary zones of DNS Services custom resolvers: which zones a resolver copies from which primaries, and rules
//! SZ1–SZ4. The transfer itself is the DNS data plane's.

use super::forwarding_rule::{targets, zone_name};
use super::resolver::{check_description, own_resolver, refuse_updating};
use super::{Applied, Patch};
use crate::Context;
use crate::error::{RuleError, RuleResult};
use crate::model::{CustomResolver, SecondaryZone};
use crate::world::{Entity, EntityKey, World};

/// `POST .../custom_resolvers/{id}/secondary_zones`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewSecondaryZone {
    /// `zone`.
    pub zone: String,
    /// `description`.
    pub description: Option<String>,
    /// `enabled` (`true` when absent).
    pub enabled: Option<bool>,
    /// `transfer_from`.
    pub transfer_from: Vec<String>,
}

/// `PATCH .../secondary_zones/{zone}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecondaryZonePatch {
    /// `zone`: only the zone's own name is accepted (rule SZ4).
    pub zone: Option<String>,
    /// `description` (`null` empties it).
    pub description: Patch<String>,
    /// `enabled`.
    pub enabled: Option<bool>,
    /// `transfer_from`.
    pub transfer_from: Option<Vec<String>>,
}

/// Rule SZ1: a zone is transferred from at least one primary.
fn transfer_from(texts: &[String]) -> RuleResult<Vec<crate::model::Target>> {
    let parsed = targets(texts, "invalid_transfer_from", "transfer_from", "SZ1")?;
    if parsed.is_empty() {
        return Err(RuleError::invalid(
            "invalid_transfer_from",
            "a secondary zone needs at least one address to transfer the zone from",
        )
        .field("transfer_from")
        .rule("SZ1"));
    }
    Ok(parsed)
}

fn own_zone<'a>(
    world: &'a World,
    ctx: &Context,
    instance: &str,
    resolver: &str,
    id: &str,
) -> RuleResult<(&'a CustomResolver, &'a SecondaryZone)> {
    let resolver = own_resolver(world, ctx, instance, resolver)?;
    let zone = world
        .secondary_zone(id)
        .filter(|zone| zone.resolver == resolver.id)
        .ok_or_else(|| RuleError::not_found("secondary zone", id))?;
    Ok((resolver, zone))
}

/// `POST .../custom_resolvers/{resolver}/secondary_zones` (rules SZ1–SZ3).
pub fn create(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    resolver: &str,
    input: &NewSecondaryZone,
) -> RuleResult<Applied<String>> {
    let resolver = own_resolver(world, ctx, instance, resolver)?;
    refuse_updating(resolver, ctx, "add a secondary zone to")?;
    let name = zone_name(&input.zone, "invalid_zone", "zone", "SZ1")?;
    let transfer_from = transfer_from(&input.transfer_from)?;
    if let Some(description) = &input.description {
        check_description(description)?;
    }
    let zones = world.secondary_zones_of(&resolver.id);
    if let Some(other) = zones.iter().find(|zone| zone.zone == name) {
        return Err(RuleError::conflict(
            "secondary_zone_duplicate",
            format!("secondary zone `{}` of this custom resolver is already for `{name}`", other.id),
        )
        .field("zone")
        .rule("SZ2"));
    }
    let limit = resolver.profile.max_secondary_zones();
    if zones.len() >= limit {
        return Err(RuleError::conflict(
            "secondary_zone_limit",
            format!(
                "a custom resolver with the `{}` profile has at most {limit} secondary zones",
                resolver.profile.as_str()
            ),
        )
        .rule("SZ3"));
    }
    let zone = SecondaryZone {
        id: ctx.ids.uuid(),
        account: resolver.account.clone(),
        resolver: resolver.id.clone(),
        sequence: zones.iter().map(|zone| zone.sequence).max().unwrap_or(0) + 1,
        zone: name,
        description: input.description.clone().unwrap_or_default(),
        enabled: input.enabled.unwrap_or(true),
        transfer_from,
        created_at: ctx.now,
        modified_at: ctx.now,
    };
    let id = zone.id.clone();
    let mut draft = world.draft();
    draft.put(Entity::SecondaryZone(zone));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

/// `PATCH .../secondary_zones/{zone}`: description, enabled and transfer_from; the zone's name stays (rule SZ4).
pub fn update(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    resolver: &str,
    id: &str,
    patch: &SecondaryZonePatch,
) -> RuleResult<Applied<String>> {
    let (resolver, zone) = own_zone(world, ctx, instance, resolver, id)?;
    refuse_updating(resolver, ctx, "change a secondary zone of")?;
    let mut zone = zone.clone();
    if let Some(name) = &patch.zone {
        let same = zone_name(name, "invalid_zone", "zone", "SZ1").is_ok_and(|name| name == zone.zone);
        if !same {
            return Err(RuleError::invalid(
                "secondary_zone_name_immutable",
                format!("the zone of secondary zone `{id}` is `{}` and cannot change; create another one", zone.zone),
            )
            .field("zone")
            .rule("SZ4"));
        }
    }
    match &patch.description {
        Patch::Absent => {}
        Patch::Null => zone.description = String::new(),
        Patch::Value(description) => {
            check_description(description)?;
            zone.description = description.clone();
        }
    }
    if let Some(enabled) = patch.enabled {
        zone.enabled = enabled;
    }
    if let Some(texts) = &patch.transfer_from {
        zone.transfer_from = transfer_from(texts)?;
    }
    zone.modified_at = ctx.now;
    let mut draft = world.draft();
    draft.put(Entity::SecondaryZone(zone));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// `DELETE .../secondary_zones/{zone}`.
pub fn delete(world: &World, ctx: &mut Context, instance: &str, resolver: &str, id: &str) -> RuleResult<Applied<()>> {
    let (resolver, _) = own_zone(world, ctx, instance, resolver, id)?;
    refuse_updating(resolver, ctx, "delete a secondary zone of")?;
    let mut draft = world.draft();
    draft.remove(EntityKey::SecondaryZone(id.to_owned()));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}
