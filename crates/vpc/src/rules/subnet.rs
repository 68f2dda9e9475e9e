//! Subnets and their reserved IPs: creation inside the VPC's address prefixes (rules P9–P11), address allocation,
//! deletion.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::prefix::overlaps;
use super::{Applied, names, own_vpc};
use crate::Context;
use crate::error::{RuleError, RuleResult};
use crate::model::{IpOwner, IpTarget, ReservedIp, Subnet};
use crate::world::{Draft, Entity, EntityKey, World};

/// How the address range of a new subnet is chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubnetRange {
    /// An explicit CIDR block.
    Cidr(Ipv4Net),
    /// The first free block of this many addresses (a power of two) in the zone's default address prefix.
    Count(u32),
}

/// `POST /subnets`.
#[derive(Clone, Debug)]
pub struct NewSubnet {
    /// The name, or a generated one.
    pub name: Option<String>,
    /// The VPC (by id, the caller's own).
    pub vpc: String,
    /// The zone. A subnet by CIDR may leave it out: its zone is then the zone of the address prefix holding the
    /// range. A subnet by address count needs it.
    pub zone: Option<String>,
    /// The address range.
    pub range: SubnetRange,
    /// The network ACL (by id); the VPC's default when not given.
    pub network_acl: Option<String>,
    /// A public gateway of the same VPC and zone to attach (by id).
    pub public_gateway: Option<String>,
    /// `resource_group` (by id, one of the account's groups); the account's default group when not given.
    pub resource_group: Option<String>,
}

/// A subnet the caller may act on, or 404.
pub(crate) fn own_subnet<'a>(world: &'a World, ctx: &Context, id: &str) -> RuleResult<&'a Subnet> {
    world
        .subnet(id)
        .filter(|subnet| ctx.may_act_on(&subnet.account, id))
        .ok_or_else(|| RuleError::not_found("subnet", id))
}

/// Creates a subnet.
pub fn create(world: &World, ctx: &mut Context, input: NewSubnet) -> RuleResult<Applied<String>> {
    let vpc = own_vpc(world, ctx, &input.vpc)?.clone();
    let resource_group = super::resource_group::reference(world, &vpc.account, input.resource_group.as_deref())?;
    if let Some(zone) = input.zone.as_deref().filter(|zone| !ctx.region.has_zone(zone)) {
        return Err(
            RuleError::invalid("invalid_zone", format!("`{zone}` is not a zone of this region")).field("zone.name")
        );
    }
    let name = names::choose(input.name.as_deref(), ctx.ids, "name")?;
    let network_acl = super::network_acl::subnet_acl(world, ctx, &vpc.id, input.network_acl.as_deref())?;
    if world.subnets().any(|s| s.vpc == vpc.id && s.name == name) {
        return Err(RuleError::conflict(
            "subnet_name_duplicate",
            format!("VPC `{}` already has a subnet named `{name}`", vpc.id),
        )
        .field("name"));
    }
    let siblings: Vec<Ipv4Net> = world.subnets().filter(|s| s.vpc == vpc.id).map(|s| s.cidr).collect();
    let (cidr, zone) = match input.range {
        SubnetRange::Cidr(cidr) => {
            let cidr = cidr.trunc();
            if cidr.prefix_len() > 29 || cidr.prefix_len() < 16 {
                return Err(RuleError::invalid("invalid_cidr", format!("`{cidr}` must be between a /16 and a /29"))
                    .field("ipv4_cidr_block"));
            }
            // Prefixes of one VPC never overlap, so at most one holds the range.
            let Some(prefix) = world.prefixes_of(&vpc.id).find(|prefix| prefix.cidr.contains(&cidr)) else {
                return Err(RuleError::invalid(
                    "subnet_outside_address_prefix",
                    format!("`{cidr}` is not inside any address prefix of VPC `{}`", vpc.id),
                )
                .rule("P9")
                .field("ipv4_cidr_block"));
            };
            if let Some(zone) = input.zone.as_deref().filter(|zone| *zone != prefix.zone) {
                return Err(RuleError::invalid(
                    "subnet_zone_mismatch",
                    format!(
                        "`{cidr}` lies in the address prefix `{}` ({}) of zone `{}`, not of zone `{zone}`",
                        prefix.name, prefix.cidr, prefix.zone
                    ),
                )
                .rule("P10")
                .field("zone.name"));
            }
            if let Some(other) = siblings.iter().find(|other| overlaps(other, &cidr)) {
                return Err(RuleError::conflict(
                    "subnet_cidr_overlap",
                    format!("`{cidr}` overlaps the subnet range `{other}` in VPC `{}`", vpc.id),
                )
                .field("ipv4_cidr_block"));
            }
            (cidr, prefix.zone.clone())
        }
        SubnetRange::Count(count) => {
            if !count.is_power_of_two() || !(8..=65536).contains(&count) {
                return Err(RuleError::invalid(
                    "invalid_address_count",
                    format!("`total_ipv4_address_count` is {count}; it must be a power of two from 8 to 65536"),
                )
                .field("total_ipv4_address_count"));
            }
            let Some(zone) = input.zone else {
                return Err(RuleError::invalid(
                    "subnet_zone_required",
                    "a subnet by `total_ipv4_address_count` needs a `zone`",
                )
                .field("zone"));
            };
            let Some(prefix) = world.prefixes_of(&vpc.id).find(|p| p.zone == zone && p.is_default) else {
                return Err(RuleError::invalid(
                    "subnet_zone_without_default_prefix",
                    format!(
                        "zone `{zone}` of VPC `{}` has no default address prefix to take {count} addresses from; give `ipv4_cidr_block` or make a prefix of the zone its default",
                        vpc.id
                    ),
                )
                .rule("P11")
                .field("zone.name"));
            };
            let length = 32 - count.trailing_zeros() as u8;
            let cidr = prefix
                .cidr
                .subnets(length)
                .ok()
                .and_then(|mut candidates| candidates.find(|c| !siblings.iter().any(|o| overlaps(o, c))))
                .ok_or_else(|| {
                    RuleError::conflict(
                        "address_prefix_exhausted",
                        format!(
                            "the default address prefix `{}` ({}) of zone `{zone}` in VPC `{}` has no free block of {count} addresses",
                            prefix.name, prefix.cidr, vpc.id
                        ),
                    )
                })?;
            (cidr, zone)
        }
    };
    let public_gateway = input
        .public_gateway
        .as_deref()
        .map(|gateway| super::public_gateway::for_subnet(world, ctx, (&vpc.id, &zone), gateway, "public_gateway"))
        .transpose()?;
    let id = ctx.new_id();
    let subnet = Subnet {
        id: id.clone(),
        account: vpc.account.clone(),
        vpc: vpc.id.clone(),
        zone,
        cidr,
        name,
        created_at: ctx.now,
        network_acl,
        public_gateway,
        resource_group,
    };
    let mut draft = world.draft();
    draft.put(Entity::Subnet(subnet));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

/// Renames a subnet.
pub fn rename(world: &World, ctx: &mut Context, id: &str, name: &str) -> RuleResult<Applied<String>> {
    let mut subnet = own_subnet(world, ctx, id)?.clone();
    subnet.name = names::choose(Some(name), ctx.ids, "name")?;
    if world.subnets().any(|s| s.vpc == subnet.vpc && s.name == subnet.name && s.id != id) {
        return Err(RuleError::conflict(
            "subnet_name_duplicate",
            format!("VPC `{}` already has a subnet named `{}`", subnet.vpc, subnet.name),
        )
        .field("name"));
    }
    let mut draft = world.draft();
    draft.put(Entity::Subnet(subnet));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// Deletes a subnet whose reserved IPs are all unbound (they go with it).
pub fn delete(world: &World, ctx: &mut Context, id: &str) -> RuleResult<Applied<()>> {
    own_subnet(world, ctx, id)?;
    if let Some(ip) = world.reserved_ips_of(id).find(|ip| ip.target.is_some()) {
        return Err(RuleError::conflict(
            "subnet_in_use",
            format!("subnet `{id}` has reserved IP `{}` ({}) bound to a resource; release it first", ip.id, ip.address),
        ));
    }
    let mut draft = world.draft();
    for ip in world.reserved_ips_of(id) {
        draft.remove(EntityKey::ReservedIp(ip.id.clone()));
    }
    draft.remove(EntityKey::Subnet(id.to_owned()));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}

/// The first free address of a subnet, after the four IBM keeps.
pub(crate) fn free_address(world: &World, subnet: &Subnet) -> Option<Ipv4Addr> {
    let taken: Vec<Ipv4Addr> = world.reserved_ips_of(&subnet.id).map(|ip| ip.address).collect();
    subnet.cidr.hosts().find(|address| !subnet.is_reserved_by_ibm(*address) && !taken.contains(address))
}

/// What a new reserved IP should be.
#[derive(Clone, Debug, Default)]
pub struct NewReservedIp {
    /// A specific address, or the first free one.
    pub address: Option<Ipv4Addr>,
    /// The name, or a generated one.
    pub name: Option<String>,
    /// Whether it goes when its target releases it (defaults to true when a target allocates it, false otherwise).
    pub auto_delete: Option<bool>,
}

/// Reserves an address in `subnet` inside an ongoing draft, bound to `target` if given.
pub(crate) fn reserve(
    draft: &mut Draft,
    ctx: &mut Context,
    subnet: &Subnet,
    input: &NewReservedIp,
    owner: IpOwner,
    target: Option<IpTarget>,
) -> RuleResult<ReservedIp> {
    let world = draft.world();
    let address = match input.address {
        Some(address) => {
            if !subnet.cidr.contains(&address) || subnet.is_reserved_by_ibm(address) {
                return Err(RuleError::invalid(
                    "invalid_address",
                    format!("`{address}` is not an assignable address of subnet `{}` ({})", subnet.id, subnet.cidr),
                )
                .field("address"));
            }
            if world.reserved_ips_of(&subnet.id).any(|ip| ip.address == address) {
                return Err(RuleError::conflict(
                    "address_in_use",
                    format!("`{address}` is already reserved in subnet `{}`", subnet.id),
                )
                .field("address"));
            }
            address
        }
        None => free_address(world, subnet).ok_or_else(|| {
            RuleError::conflict(
                "subnet_exhausted",
                format!("subnet `{}` ({}) has no free address", subnet.id, subnet.cidr),
            )
        })?,
    };
    let name = names::choose(input.name.as_deref(), ctx.ids, "name")?;
    if world.reserved_ips_of(&subnet.id).any(|ip| ip.name == name) {
        return Err(RuleError::conflict(
            "reserved_ip_name_duplicate",
            format!("subnet `{}` already has a reserved IP named `{name}`", subnet.id),
        )
        .field("name"));
    }
    let ip = ReservedIp {
        id: ctx.new_id(),
        subnet: subnet.id.clone(),
        address,
        name,
        auto_delete: input.auto_delete.unwrap_or(target.is_some()),
        owner,
        target,
        created_at: ctx.now,
    };
    draft.put(Entity::ReservedIp(ip.clone()));
    Ok(ip)
}

/// Reserves an address for the user (`POST /subnets/{id}/reserved_ips`).
pub fn create_reserved_ip(
    world: &World,
    ctx: &mut Context,
    subnet: &str,
    input: NewReservedIp,
) -> RuleResult<Applied<String>> {
    let subnet = own_subnet(world, ctx, subnet)?.clone();
    let mut draft = world.draft();
    let ip = reserve(&mut draft, ctx, &subnet, &input, IpOwner::User, None)?;
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: ip.id })
}

/// `PATCH /subnets/{id}/reserved_ips/{ip}`: the fields to change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReservedIpPatch {
    /// `name`.
    pub name: Option<String>,
    /// `auto_delete`.
    pub auto_delete: Option<bool>,
}

/// Renames a reserved IP or changes whether it goes with its target.
pub fn update_reserved_ip(
    world: &World,
    ctx: &mut Context,
    subnet: &str,
    id: &str,
    patch: ReservedIpPatch,
) -> RuleResult<Applied<String>> {
    own_subnet(world, ctx, subnet)?;
    let mut ip = world
        .reserved_ip(id)
        .filter(|ip| ip.subnet == subnet)
        .ok_or_else(|| RuleError::not_found("reserved IP", id))?
        .clone();
    if let Some(name) = &patch.name {
        ip.name = names::choose(Some(name), ctx.ids, "name")?;
        if world.reserved_ips_of(subnet).any(|other| other.name == ip.name && other.id != id) {
            return Err(RuleError::conflict(
                "reserved_ip_name_duplicate",
                format!("subnet `{subnet}` already has a reserved IP named `{}`", ip.name),
            )
            .field("name"));
        }
    }
    if let Some(auto_delete) = patch.auto_delete {
        ip.auto_delete = auto_delete;
    }
    if world.reserved_ip(id) == Some(&ip) {
        return Ok(Applied { world: world.clone(), touched: Vec::new(), value: id.to_owned() });
    }
    let mut draft = world.draft();
    draft.put(Entity::ReservedIp(ip));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// Releases an unbound reserved IP.
pub fn delete_reserved_ip(world: &World, ctx: &mut Context, subnet: &str, id: &str) -> RuleResult<Applied<()>> {
    own_subnet(world, ctx, subnet)?;
    let ip = world
        .reserved_ip(id)
        .filter(|ip| ip.subnet == subnet)
        .ok_or_else(|| RuleError::not_found("reserved IP", id))?;
    if ip.target.is_some() {
        return Err(RuleError::conflict(
            "reserved_ip_in_use",
            format!("reserved IP `{id}` ({}) is bound to a resource; unbind it first", ip.address),
        ));
    }
    let mut draft = world.draft();
    draft.remove(EntityKey::ReservedIp(id.to_owned()));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}
