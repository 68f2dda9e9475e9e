//! Address prefixes of a VPC: the defaults of `address_prefix_management: auto`, create, update and delete, with
//! rules P1–P8 (the subnet rules P9–P11 that follow from them live in [`super::subnet`]).

use ipnet::Ipv4Net;

use super::{Applied, names, own_vpc};
use crate::Context;
use crate::error::{RuleError, RuleResult};
use crate::model::{AddressPrefix, Vpc};
use crate::world::{Draft, Entity, EntityKey, World};

/// How many address prefixes one VPC may have.
pub const PREFIXES_PER_VPC: usize = 25;

/// The shortest and longest prefix lengths of an address prefix.
pub const PREFIX_LENGTHS: std::ops::RangeInclusive<u8> = 9..=29;

/// Ranges the platform keeps for itself: loopback, IBM's service network and service endpoints, link-local and
/// multicast. No address prefix may overlap them.
pub const RESERVED_RANGES: [&str; 5] =
    ["127.0.0.0/8", "161.26.0.0/16", "166.8.0.0/14", "169.254.0.0/16", "224.0.0.0/4"];

/// `POST /vpcs/{vpc_id}/address_prefixes`.
#[derive(Clone, Debug)]
pub struct NewAddressPrefix {
    /// The VPC (by id, the caller's own).
    pub vpc: String,
    /// The zone.
    pub zone: String,
    /// The address range.
    pub cidr: Ipv4Net,
    /// The name, or a generated one.
    pub name: Option<String>,
    /// Whether it becomes its zone's default.
    pub is_default: bool,
}

/// `PATCH /vpcs/{vpc_id}/address_prefixes/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AddressPrefixPatch {
    /// `name`.
    pub name: Option<String>,
    /// `is_default`.
    pub is_default: Option<bool>,
}

/// Whether two ranges share an address.
pub(crate) fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// An address prefix of a VPC the caller may act on, or 404.
pub(crate) fn own_prefix<'a>(world: &'a World, ctx: &Context, vpc: &str, id: &str) -> RuleResult<&'a AddressPrefix> {
    own_vpc(world, ctx, vpc)?;
    world
        .address_prefix(id)
        .filter(|prefix| prefix.vpc == vpc)
        .ok_or_else(|| RuleError::not_found("address prefix", id))
}

/// A generated name no prefix of the VPC has yet.
fn fresh_name(world: &World, ctx: &mut Context, vpc: &str) -> String {
    loop {
        let name = names::generate(ctx.ids);
        if !world.prefixes_of(vpc).any(|prefix| prefix.name == name) {
            return name;
        }
    }
}

/// Adds the default prefix of every zone of the request's region to a VPC being created there
/// (`address_prefix_management: auto`), each its zone's default and named with random words, as IBM names them.
pub(crate) fn add_defaults(draft: &mut Draft, ctx: &mut Context, vpc: &Vpc) {
    let region = ctx.region;
    for zone in region.zones() {
        let Some(cidr) = region.default_prefix(&zone) else { continue };
        let name = fresh_name(draft.world(), ctx, &vpc.id);
        let prefix = AddressPrefix {
            id: ctx.new_id(),
            account: vpc.account.clone(),
            vpc: vpc.id.clone(),
            zone,
            cidr,
            name,
            is_default: true,
            created_at: ctx.now,
        };
        draft.put(Entity::AddressPrefix(prefix));
    }
}

fn check_cidr(world: &World, vpc: &str, cidr: Ipv4Net) -> RuleResult<()> {
    if !PREFIX_LENGTHS.contains(&cidr.prefix_len()) {
        return Err(RuleError::invalid(
            "address_prefix_length_invalid",
            format!("`{cidr}` must be between a /9 and a /29"),
        )
        .rule("P1")
        .field("cidr"));
    }
    if let Some(reserved) =
        RESERVED_RANGES.iter().filter_map(|r| r.parse::<Ipv4Net>().ok()).find(|r| overlaps(r, &cidr))
    {
        return Err(RuleError::invalid(
            "address_prefix_reserved_range",
            format!("`{cidr}` overlaps `{reserved}`, which the platform reserves"),
        )
        .rule("P2")
        .field("cidr"));
    }
    if let Some(other) = world.prefixes_of(vpc).find(|other| overlaps(&other.cidr, &cidr)) {
        return Err(RuleError::invalid(
            "address_prefix_overlap",
            format!("`{cidr}` overlaps the address prefix `{}` ({}) of VPC `{vpc}`", other.name, other.cidr),
        )
        .rule("P3")
        .field("cidr"));
    }
    Ok(())
}

/// Refuses a second default prefix in a zone (rule P5).
fn check_single_default(world: &World, vpc: &str, zone: &str, except: Option<&str>) -> RuleResult<()> {
    let existing = world.prefixes_of(vpc).find(|p| p.zone == zone && p.is_default && Some(p.id.as_str()) != except);
    if let Some(existing) = existing {
        return Err(RuleError::invalid(
            "address_prefix_default_exists",
            format!(
                "zone `{zone}` of VPC `{vpc}` already has the default address prefix `{}`; set its `is_default` to false first",
                existing.name
            ),
        )
        .rule("P5")
        .field("is_default"));
    }
    Ok(())
}

/// Refuses a name another prefix of the VPC has (rule P6).
fn check_name_free(world: &World, vpc: &str, name: &str, except: Option<&str>) -> RuleResult<()> {
    if world.prefixes_of(vpc).any(|p| p.name == name && Some(p.id.as_str()) != except) {
        return Err(RuleError::conflict(
            "address_prefix_name_duplicate",
            format!("VPC `{vpc}` already has an address prefix named `{name}`"),
        )
        .rule("P6")
        .field("name"));
    }
    Ok(())
}

/// Creates an address prefix in the VPC, in a zone of its region (the request's: another region's VPC is not found).
pub fn create(world: &World, ctx: &mut Context, input: NewAddressPrefix) -> RuleResult<Applied<String>> {
    let vpc = own_vpc(world, ctx, &input.vpc)?.clone();
    let region = ctx.region;
    // A range with host bits set names its network, as subnets' ranges do.
    let cidr = input.cidr.trunc();
    check_cidr(world, &vpc.id, cidr)?;
    if !region.has_zone(&input.zone) {
        return Err(RuleError::invalid(
            "address_prefix_zone_invalid",
            format!("`{}` is not a zone of region `{}`", input.zone, region.name),
        )
        .rule("P4")
        .field("zone"));
    }
    if input.is_default {
        check_single_default(world, &vpc.id, &input.zone, None)?;
    }
    let name = match &input.name {
        Some(_) => names::choose(input.name.as_deref(), ctx.ids, "name")?,
        None => fresh_name(world, ctx, &vpc.id),
    };
    check_name_free(world, &vpc.id, &name, None)?;
    let count = world.prefixes_of(&vpc.id).count();
    if count >= PREFIXES_PER_VPC {
        return Err(RuleError::conflict(
            "address_prefix_quota_exceeded",
            format!("VPC `{}` already has {count} address prefixes, the most one VPC may have", vpc.id),
        )
        .rule("P7"));
    }
    super::transit_gateway::check_new_prefix(world, &vpc.id, cidr)?;
    let id = ctx.new_id();
    let prefix = AddressPrefix {
        id: id.clone(),
        account: vpc.account.clone(),
        vpc: vpc.id.clone(),
        zone: input.zone,
        cidr,
        name,
        is_default: input.is_default,
        created_at: ctx.now,
    };
    let mut draft = world.draft();
    draft.put(Entity::AddressPrefix(prefix));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

/// Renames an address prefix or makes it its zone's default (or no longer the default).
pub fn update(
    world: &World,
    ctx: &mut Context,
    vpc: &str,
    id: &str,
    patch: &AddressPrefixPatch,
) -> RuleResult<Applied<String>> {
    let current = own_prefix(world, ctx, vpc, id)?.clone();
    let mut next = current.clone();
    if let Some(name) = &patch.name {
        next.name = names::choose(Some(name), ctx.ids, "name")?;
        check_name_free(world, vpc, &next.name, Some(id))?;
    }
    if let Some(is_default) = patch.is_default {
        if is_default {
            check_single_default(world, vpc, &current.zone, Some(id))?;
        }
        // Setting it to false leaves the zone without a default: subnets by address count then fail there.
        next.is_default = is_default;
    }
    if next == current {
        return Ok(Applied { world: world.clone(), touched: Vec::new(), value: id.to_owned() });
    }
    let mut draft = world.draft();
    draft.put(Entity::AddressPrefix(next));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// Deletes an address prefix no subnet uses.
pub fn delete(world: &World, ctx: &mut Context, vpc: &str, id: &str) -> RuleResult<Applied<()>> {
    let prefix = own_prefix(world, ctx, vpc, id)?;
    if world.prefix_has_subnets(prefix) {
        return Err(RuleError::conflict(
            "address_prefix_in_use",
            format!("address prefix `{}` ({}) has subnets; delete them first", prefix.name, prefix.cidr),
        )
        .rule("P8"));
    }
    let mut draft = world.draft();
    draft.remove(EntityKey::AddressPrefix(id.to_owned()));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}
