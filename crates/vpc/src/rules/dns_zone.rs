//! DNS Services private zones and their permitted networks, with rules Z1–Z5 and PN1–PN4: create, update and delete
//! a zone; permit a VPC to resolve it and remove that permission. A zone is `pending_network_add` until a VPC is
//! permitted, then `active`.

use hubspoke_iam::text::{describe, forbidden_character};

use super::service_instance::own_instance;
use super::{Applied, owner_account};
use crate::Context;
use crate::error::{RuleError, RuleResult};
use crate::model::{DnsZone, PermittedNetwork};
use crate::region::parse_crn;
use crate::world::{Entity, EntityKey, World};

/// Most zones an instance holds.
pub const MAX_ZONES: usize = 10;
/// Most VPCs permitted to one zone.
pub const MAX_PERMITTED_NETWORKS: usize = 10;
/// The longest description.
pub const DESCRIPTION_LENGTH: usize = 1024;
/// The longest label.
pub const LABEL_LENGTH: usize = 64;

/// Names IBM keeps for its own services: neither they nor any name below them may be a zone (rule Z2).
pub const RESTRICTED: &[&str] = &[
    "ibm.com",
    "softlayer.com",
    "bluemix.net",
    "softlayer.local",
    "mybluemix.net",
    "networklayer.com",
    "ibmcloud.com",
    "pdnsibm.net",
    "appdomain.cloud",
    "compass.cobaltiron.com",
    "uptycs.io",
    "registry.access.redhat.com",
    "registry.redhat.io",
    "registry.connect.redhat.com",
    "quay.io",
];

/// `POST /instances/{instance}/dnszones`.
#[derive(Clone, Debug)]
pub struct NewZone {
    /// `name`.
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// `label`.
    pub label: Option<String>,
}

/// A DNS name as stored: lowercase, without the trailing dot, of labels of 1 to 63 letters, digits, `-` and (with
/// `underscore`) `_`, not starting or ending with `-`, 253 characters at most. `None` when it is not one.
pub(crate) fn normalize_name(text: &str, underscore: bool) -> Option<String> {
    let name = text.strip_suffix('.').unwrap_or(text).to_ascii_lowercase();
    let valid_label = |label: &str| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || (underscore && c == '_'))
    };
    (!name.is_empty() && name.len() <= 253 && name.split('.').all(valid_label)).then_some(name)
}

/// Whether `name` is `zone` or a name below it.
pub(crate) fn in_zone(name: &str, zone: &str) -> bool {
    name == zone || name.strip_suffix(zone).is_some_and(|rest| rest.ends_with('.'))
}

/// A zone of `instance` the caller may act on, or 404 (the instance first, then the zone).
pub(crate) fn own_zone<'a>(world: &'a World, ctx: &Context, instance: &str, id: &str) -> RuleResult<&'a DnsZone> {
    own_instance(world, ctx, instance)?;
    world
        .dns_zone(id)
        .filter(|zone| zone.instance == instance && ctx.may_act_in(&zone.account))
        .ok_or_else(|| RuleError::not_found("DNS zone", id))
}

/// Rules Z1 and Z2: a zone's name is a DNS name of at least two labels whose last one holds no digit, and neither a
/// name IBM keeps for itself nor one below such a name.
fn check_zone_name(text: &str) -> RuleResult<String> {
    let name = normalize_name(text, false)
        .filter(|name| name.contains('.'))
        .filter(|name| name.rsplit('.').next().is_some_and(|tld| !tld.chars().any(|c| c.is_ascii_digit())))
        .ok_or_else(|| {
            RuleError::invalid(
                "invalid_zone_name",
                format!(
                    "`{text}` is not a zone name: a zone is a DNS name of at least two labels (letters, digits and `-`), and its last label has no digit"
                ),
            )
            .rule("Z1")
            .field("name")
        })?;
    if let Some(restricted) = RESTRICTED.iter().find(|restricted| in_zone(&name, restricted)) {
        return Err(RuleError::invalid(
            "restricted_zone_name",
            format!("`{name}` is `{restricted}` or a name below it, which IBM keeps for its own services"),
        )
        .rule("Z2")
        .field("name"));
    }
    Ok(name)
}

/// Rule Z5: a description of at most 1,024 characters and a label of at most 64, no hidden characters.
fn check_text(value: &str, field: &str, max: usize) -> RuleResult<()> {
    let code = if field == "label" { "invalid_label" } else { "invalid_description" };
    if value.chars().count() > max {
        return Err(RuleError::invalid(code, format!("the {field} is longer than {max} characters"))
            .rule("Z5")
            .field(field));
    }
    match forbidden_character(value, field == "description") {
        Some(character) => Err(RuleError::invalid(
            code,
            format!("the {field} contains the character {}, which it may not hold", describe(character)),
        )
        .rule("Z5")
        .field(field)),
        None => Ok(()),
    }
}

/// `POST /instances/{instance}/dnszones`: rules Z1, Z2, Z3 (ten zones per instance) and Z5. The same name may be
/// used by several zones of one instance; the label tells them apart.
pub fn create(world: &World, ctx: &mut Context, instance: &str, input: &NewZone) -> RuleResult<Applied<String>> {
    owner_account(ctx)?;
    let account = own_instance(world, ctx, instance)?.account.clone();
    let name = check_zone_name(&input.name)?;
    let description = input.description.clone().unwrap_or_default();
    let label = input.label.clone().unwrap_or_default();
    check_text(&description, "description", DESCRIPTION_LENGTH)?;
    check_text(&label, "label", LABEL_LENGTH)?;
    if world.zones_of(instance).count() >= MAX_ZONES {
        return Err(RuleError::conflict(
            "dns_zone_quota_exceeded",
            format!("DNS Services instance `{instance}` already has {MAX_ZONES} zones, the most an instance holds"),
        )
        .rule("Z3"));
    }
    let zone = DnsZone {
        id: ctx.ids.uuid(),
        account,
        instance: instance.to_owned(),
        name,
        description,
        label,
        permitted_networks: Vec::new(),
        created_at: ctx.now,
        modified_at: ctx.now,
    };
    let id = zone.id.clone();
    let mut draft = world.draft();
    draft.put(Entity::DnsZone(zone));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

/// `PATCH /instances/{instance}/dnszones/{id}`: the description and the label (rule Z5); the name is fixed.
pub fn update(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    id: &str,
    description: Option<&str>,
    label: Option<&str>,
) -> RuleResult<Applied<String>> {
    let mut zone = own_zone(world, ctx, instance, id)?.clone();
    if let Some(description) = description {
        check_text(description, "description", DESCRIPTION_LENGTH)?;
        zone.description = description.to_owned();
    }
    if let Some(label) = label {
        check_text(label, "label", LABEL_LENGTH)?;
        zone.label = label.to_owned();
    }
    zone.modified_at = ctx.now;
    let mut draft = world.draft();
    draft.put(Entity::DnsZone(zone));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// `DELETE /instances/{instance}/dnszones/{id}`: refused while VPCs are permitted (rule Z4); its records go with it.
pub fn delete(world: &World, ctx: &mut Context, instance: &str, id: &str) -> RuleResult<Applied<()>> {
    let zone = own_zone(world, ctx, instance, id)?;
    if !zone.permitted_networks.is_empty() {
        return Err(RuleError::conflict(
            "dns_zone_has_permitted_networks",
            format!(
                "DNS zone `{id}` still permits {} VPC(s); remove its permitted networks first",
                zone.permitted_networks.len()
            ),
        )
        .rule("Z4"));
    }
    let mut draft = world.draft();
    for record in world.records_of(id) {
        draft.remove(EntityKey::ResourceRecord(record.id.clone()));
    }
    draft.remove(EntityKey::DnsZone(id.to_owned()));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}

/// `POST …/dnszones/{id}/permitted_networks`: a VPC of the zone's account, named by CRN (rules PN1, PN2), permitted
/// once to a zone and once among the account's zones of one name (PN3), ten per zone (PN4). DNS Services is global:
/// a VPC of any region may be permitted. The permitted network's id is the VPC's.
pub fn permit(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    zone_id: &str,
    network_type: &str,
    vpc_crn: &str,
) -> RuleResult<Applied<String>> {
    let mut zone = own_zone(world, ctx, instance, zone_id)?.clone();
    if network_type != "vpc" {
        return Err(RuleError::invalid(
            "invalid_permitted_network",
            format!("`type` is `{network_type}`; a permitted network is of type `vpc`"),
        )
        .rule("PN1")
        .field("type"));
    }
    let parts = parse_crn(vpc_crn).filter(|parts| parts.kind == "vpc").ok_or_else(|| {
        RuleError::invalid("invalid_permitted_network", format!("`{vpc_crn}` is not the CRN of a VPC"))
            .rule("PN1")
            .field("permitted_network.vpc_crn")
    })?;
    // Another account's VPC is reported exactly as a missing one.
    let vpc = world
        .vpc(&parts.id)
        .filter(|vpc| vpc.account == zone.account && vpc.account.as_str() == parts.account)
        .ok_or_else(|| RuleError::not_found("VPC", vpc_crn).rule("PN2").field("permitted_network.vpc_crn"))?;
    let same_name = world
        .dns_zones()
        .filter(|other| other.account == zone.account && other.name == zone.name)
        .find(|other| other.permitted_networks.iter().any(|network| network.vpc == vpc.id));
    if let Some(other) = same_name {
        let message = if other.id == zone.id {
            format!("VPC `{}` is already permitted to DNS zone `{}`", vpc.id, zone.id)
        } else {
            format!(
                "VPC `{}` is already permitted to DNS zone `{}`, another zone named `{}`",
                vpc.id, other.id, zone.name
            )
        };
        return Err(RuleError::conflict("permitted_network_duplicate", message)
            .rule("PN3")
            .field("permitted_network.vpc_crn"));
    }
    if zone.permitted_networks.len() >= MAX_PERMITTED_NETWORKS {
        return Err(RuleError::conflict(
            "permitted_network_quota_exceeded",
            format!("DNS zone `{zone_id}` already permits {MAX_PERMITTED_NETWORKS} VPCs, the most a zone permits"),
        )
        .rule("PN4"));
    }
    let id = vpc.id.clone();
    zone.permitted_networks.push(PermittedNetwork {
        vpc: vpc.id.clone(),
        vpc_crn: vpc_crn.to_owned(),
        created_at: ctx.now,
        modified_at: ctx.now,
    });
    zone.modified_at = ctx.now;
    let mut draft = world.draft();
    draft.put(Entity::DnsZone(zone));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

/// `DELETE …/dnszones/{id}/permitted_networks/{network}`: the VPC stops resolving the zone at once.
pub fn remove_permitted(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    zone_id: &str,
    network: &str,
) -> RuleResult<Applied<()>> {
    let mut zone = own_zone(world, ctx, instance, zone_id)?.clone();
    let index = zone
        .permitted_networks
        .iter()
        .position(|permitted| permitted.vpc == network)
        .ok_or_else(|| RuleError::not_found("permitted network", network))?;
    zone.permitted_networks.remove(index);
    zone.modified_at = ctx.now;
    let mut draft = world.draft();
    draft.put(Entity::DnsZone(zone));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}

/// The zones that permit `vpc`, without it: deleting a VPC deletes its permitted-network entries.
pub(crate) fn forget_vpc(world: &World, vpc: &str) -> Vec<DnsZone> {
    world
        .dns_zones()
        .filter(|zone| zone.permitted_networks.iter().any(|network| network.vpc == vpc))
        .map(|zone| {
            let mut zone = zone.clone();
            zone.permitted_networks.retain(|network| network.vpc != vpc);
            zone
        })
        .collect()
}
