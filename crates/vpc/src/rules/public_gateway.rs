//! Public gateways (rules G1–G9): create with a floating IP, rename, delete, and attaching one to a subnet of its
//! VPC and zone. Only state is kept: no traffic is routed through a public gateway.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use hubspoke_iam::Timestamp;

use super::subnet::own_subnet;
use super::{Applied, names, own_vpc};
use crate::Context;
use crate::error::{RuleError, RuleResult};
use crate::model::{FloatingIp, PublicGateway, Subnet};
use crate::world::{Entity, EntityKey, World};

/// The range hubspoke takes floating IPs from: `198.18.0.0/15`, set aside for network benchmarking (RFC 2544) and
/// never routed on the internet, so an emulated public address cannot be mistaken for someone's real one.
pub const FLOATING_IP_POOL: (Ipv4Addr, u8) = (Ipv4Addr::new(198, 18, 0, 0), 15);

/// How a new public gateway's floating IP is given (`floating_ip`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FloatingIpRequest {
    /// An existing floating IP, by id (`{id}`, or the id an `href` or `crn` ends with).
    Existing(String),
    /// A new floating IP with this address (`{address}`).
    Address(Ipv4Addr),
}

/// `POST /public_gateways`.
#[derive(Clone, Debug)]
pub struct NewPublicGateway {
    /// The name, or a generated one.
    pub name: Option<String>,
    /// The VPC (by id, the caller's own).
    pub vpc: String,
    /// The zone.
    pub zone: String,
    /// The floating IP; a new one from [`FLOATING_IP_POOL`] when not given.
    pub floating_ip: Option<FloatingIpRequest>,
    /// `resource_group` (by id, one of the account's groups); the account's default group when not given.
    pub resource_group: Option<String>,
}

/// A public gateway the caller may act on, or 404.
pub(crate) fn own_public_gateway<'a>(world: &'a World, ctx: &Context, id: &str) -> RuleResult<&'a PublicGateway> {
    world
        .public_gateway(id)
        .filter(|gateway| ctx.may_act_on(&gateway.account, &gateway.id))
        .ok_or_else(|| RuleError::not_found("public gateway", id))
}

fn check_name(world: &World, gateway: &PublicGateway) -> RuleResult<()> {
    let taken = world
        .public_gateways()
        .any(|other| other.account == gateway.account && other.name == gateway.name && other.id != gateway.id);
    if taken {
        return Err(RuleError::conflict(
            "public_gateway_name_duplicate",
            format!("the account already has a public gateway named `{}`", gateway.name),
        )
        .rule("G3")
        .field("name"));
    }
    Ok(())
}

/// Whether `address` may be a floating IP: a unicast address of the public internet. Private, shared, loopback,
/// link-local, multicast and reserved ranges are not, and neither are IBM's service networks (`161.26.0.0/16`,
/// `166.8.0.0/14`), which VPCs reach privately.
pub fn is_public(address: Ipv4Addr) -> bool {
    let [first, second, ..] = address.octets();
    let shared = first == 100 && (64..128).contains(&second);
    let ibm_service = (first == 161 && second == 26) || (first == 166 && (8..12).contains(&second));
    !(address.is_private()
        || address.is_loopback()
        || address.is_link_local()
        || address.is_multicast()
        || address.is_broadcast()
        || address.is_unspecified()
        || first == 0
        || first >= 240
        || shared
        || ibm_service)
}

/// The lowest free address of [`FLOATING_IP_POOL`], leaving out addresses ending in `.0` and `.255`.
fn next_floating_address(taken: &HashSet<Ipv4Addr>) -> Option<Ipv4Addr> {
    let (network, length) = FLOATING_IP_POOL;
    let first = u32::from(network);
    (first..first + (1u32 << (32 - length)))
        .map(Ipv4Addr::from)
        .find(|address| !matches!(address.octets()[3], 0 | 255) && !taken.contains(address))
}

fn floating_ip(world: &World, ctx: &mut Context, request: Option<&FloatingIpRequest>) -> RuleResult<FloatingIp> {
    let taken: HashSet<Ipv4Addr> = world.public_gateways().map(|gateway| gateway.floating_ip.address).collect();
    let address = match request {
        Some(FloatingIpRequest::Existing(id)) => {
            // Every floating IP hubspoke knows belongs to a public gateway, so one named by id is either the
            // caller's and already bound, or unknown to the caller.
            let bound = world
                .public_gateways()
                .find(|gateway| gateway.floating_ip.id == *id && ctx.may_act_on(&gateway.account, &gateway.id));
            return Err(match bound {
                Some(gateway) => RuleError::conflict(
                    "floating_ip_in_use",
                    format!("floating IP `{id}` is bound to public gateway `{}`", gateway.id),
                )
                .rule("G4")
                .field("floating_ip"),
                None => RuleError::not_found("floating IP", id).rule("G4").field("floating_ip"),
            });
        }
        Some(FloatingIpRequest::Address(address)) => {
            if !is_public(*address) {
                return Err(RuleError::invalid(
                    "floating_ip_address_invalid",
                    format!("`{address}` is not a public IPv4 address"),
                )
                .rule("G5")
                .field("floating_ip.address"));
            }
            if taken.contains(address) {
                return Err(RuleError::conflict(
                    "floating_ip_address_in_use",
                    format!("the address `{address}` is already a floating IP"),
                )
                .rule("G5")
                .field("floating_ip.address"));
            }
            *address
        }
        None => next_floating_address(&taken).ok_or_else(|| {
            RuleError::conflict("floating_ip_pool_exhausted", "every address hubspoke gives floating IPs is in use")
        })?,
    };
    Ok(FloatingIp { id: ctx.new_id(), address, name: names::generate(ctx.ids) })
}

/// Creates a public gateway with its floating IP.
pub fn create(world: &World, ctx: &mut Context, input: NewPublicGateway) -> RuleResult<Applied<String>> {
    let vpc = own_vpc(world, ctx, &input.vpc)?.clone();
    if !ctx.region.has_zone(&input.zone) {
        return Err(RuleError::invalid(
            "invalid_zone",
            format!("`{}` is not a zone of region `{}`, where VPC `{}` is", input.zone, ctx.region.name, vpc.id),
        )
        .rule("G2")
        .field("zone.name"));
    }
    let name = names::choose(input.name.as_deref(), ctx.ids, "name")?;
    if let Some(other) = world.public_gateways().find(|g| g.vpc == vpc.id && g.zone == input.zone) {
        return Err(RuleError::conflict(
            "public_gateway_zone_exists",
            format!(
                "VPC `{}` already has the public gateway `{}` in zone `{}`; a VPC has one public gateway per zone",
                vpc.id, other.id, input.zone
            ),
        )
        .rule("G1")
        .field("zone.name"));
    }
    let id = ctx.new_id();
    let gateway = PublicGateway {
        id: id.clone(),
        account: vpc.account.clone(),
        vpc: vpc.id.clone(),
        zone: input.zone,
        name,
        created_at: ctx.now,
        available_at: Timestamp(ctx.now.0 + ctx.propagation_delay_ms),
        floating_ip: floating_ip(world, ctx, input.floating_ip.as_ref())?,
        resource_group: super::resource_group::reference(world, &vpc.account, input.resource_group.as_deref())?,
    };
    check_name(world, &gateway)?;
    let mut draft = world.draft();
    draft.put(Entity::PublicGateway(gateway));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

/// Renames a public gateway.
pub fn rename(world: &World, ctx: &mut Context, id: &str, name: &str) -> RuleResult<Applied<String>> {
    let mut gateway = own_public_gateway(world, ctx, id)?.clone();
    gateway.name = names::choose(Some(name), ctx.ids, "name")?;
    check_name(world, &gateway)?;
    let mut draft = world.draft();
    draft.put(Entity::PublicGateway(gateway));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// Deletes a public gateway no subnet uses; its floating IP goes with it.
pub fn delete(world: &World, ctx: &mut Context, id: &str) -> RuleResult<Applied<()>> {
    own_public_gateway(world, ctx, id)?;
    if let Some(subnet) = world.subnets().find(|subnet| subnet.public_gateway.as_deref() == Some(id)) {
        return Err(RuleError::conflict(
            "public_gateway_in_use",
            format!("public gateway `{id}` is attached to subnet `{}`; detach it first", subnet.id),
        )
        .rule("G6"));
    }
    let mut draft = world.draft();
    draft.remove(EntityKey::PublicGateway(id.to_owned()));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}

/// The public gateway a subnet of `vpc` in `zone` is to use: one the caller may act on, of the same VPC (rule G8)
/// and zone (rule G9). `field` names the identity in the request.
pub(crate) fn for_subnet(
    world: &World,
    ctx: &Context,
    (vpc, zone): (&str, &str),
    id: &str,
    field: &str,
) -> RuleResult<String> {
    let gateway = own_public_gateway(world, ctx, id).map_err(|error| error.field(field))?;
    if gateway.vpc != vpc {
        return Err(RuleError::invalid(
            "public_gateway_not_in_vpc",
            format!("public gateway `{id}` is in VPC `{}`, not in the subnet's VPC `{vpc}`", gateway.vpc),
        )
        .rule("G8")
        .field(field));
    }
    if gateway.zone != zone {
        return Err(RuleError::invalid(
            "public_gateway_zone_mismatch",
            format!("public gateway `{id}` is in zone `{}`, not in the subnet's zone `{zone}`", gateway.zone),
        )
        .rule("G9")
        .field(field));
    }
    Ok(gateway.id.clone())
}

fn put_subnet(world: &World, subnet: Subnet) -> (World, Vec<EntityKey>) {
    let mut draft = world.draft();
    draft.put(Entity::Subnet(subnet));
    draft.finish()
}

/// Attaches a public gateway to a subnet (`PUT /subnets/{id}/public_gateway`), replacing the one it had.
pub fn attach(world: &World, ctx: &mut Context, subnet: &str, gateway: &str) -> RuleResult<Applied<String>> {
    let mut next = own_subnet(world, ctx, subnet)?.clone();
    let gateway = for_subnet(world, ctx, (&next.vpc, &next.zone), gateway, "public_gateway")?;
    if next.public_gateway.as_deref() == Some(gateway.as_str()) {
        return Ok(Applied { world: world.clone(), touched: Vec::new(), value: gateway });
    }
    next.public_gateway = Some(gateway.clone());
    let (world, touched) = put_subnet(world, next);
    Ok(Applied { world, touched, value: gateway })
}

/// Detaches a subnet's public gateway (`DELETE /subnets/{id}/public_gateway`); 404 when it has none.
pub fn detach(world: &World, ctx: &mut Context, subnet: &str) -> RuleResult<Applied<()>> {
    let mut next = own_subnet(world, ctx, subnet)?.clone();
    if next.public_gateway.take().is_none() {
        return Err(RuleError::not_found("public gateway of subnet", subnet));
    }
    let (world, touched) = put_subnet(world, next);
    Ok(Applied { world, touched, value: () })
}
