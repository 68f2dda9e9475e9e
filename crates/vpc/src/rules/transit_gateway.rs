//! Transit gateways and their VPC connections, with rules T1–T6: create, rename and delete a gateway; connect,
//! rename and disconnect a VPC; and the overlap rule that address prefix creation also keeps. Only the bookkeeping is
//! kept: no traffic is routed.

use hubspoke_iam::{AccountId, Timestamp};
use ipnet::Ipv4Net;

use super::prefix::overlaps;
use super::{Applied, owner_account};
use crate::Context;
use crate::error::{RuleError, RuleResult};
use crate::model::{TransitConnection, TransitGateway};
use crate::region::{parse_crn, region};
use crate::world::{Entity, EntityKey, World};

/// The longest name of a gateway or connection.
pub const NAME_LENGTH: usize = 63;

/// `POST /transit_gateways`.
#[derive(Clone, Debug)]
pub struct NewTransitGateway {
    /// The name (required by the API).
    pub name: String,
    /// The region it is in.
    pub location: String,
    /// Whether it connects networks of every region; local (false) when not given.
    pub global: bool,
}

/// `PATCH /transit_gateways/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransitGatewayPatch {
    /// `name`.
    pub name: Option<String>,
    /// `global`.
    pub global: Option<bool>,
}

/// `POST /transit_gateways/{id}/connections`.
#[derive(Clone, Debug)]
pub struct NewTransitConnection {
    /// The gateway.
    pub gateway: String,
    /// `network_type`; only `vpc` is modelled.
    pub network_type: String,
    /// `network_id`: the VPC's CRN.
    pub network_id: Option<String>,
    /// `network_account_id`: set for a connection to another account's network.
    pub network_account_id: Option<String>,
    /// The name; the VPC's name when not given.
    pub name: Option<String>,
}

/// Checks a gateway or connection name as Transit Gateway does: 1 to 63 letters, digits, `-` and `_`, starting with a
/// letter and not ending with `-` or `_`.
fn check_name(name: &str) -> RuleResult<()> {
    let valid = !name.is_empty()
        && name.len() <= NAME_LENGTH
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !name.ends_with(['-', '_']);
    if !valid {
        return Err(RuleError::invalid(
            "invalid_name",
            format!(
                "`{name}` is not a valid name: 1 to {NAME_LENGTH} letters, digits, `-` and `_`, starting with a letter and ending with a letter or digit"
            ),
        )
        .field("name"));
    }
    Ok(())
}

/// A transit gateway the caller may act on, or 404.
pub(crate) fn own_gateway<'a>(world: &'a World, ctx: &Context, id: &str) -> RuleResult<&'a TransitGateway> {
    world
        .transit_gateway(id)
        .filter(|gateway| ctx.may_act_in(&gateway.account))
        .ok_or_else(|| RuleError::not_found("transit gateway", id))
}

/// A connection of a gateway the caller may act on, or 404.
fn own_connection<'a>(world: &'a World, ctx: &Context, gateway: &str, id: &str) -> RuleResult<&'a TransitConnection> {
    own_gateway(world, ctx, gateway)?;
    world
        .transit_connection(id)
        .filter(|connection| connection.gateway == gateway)
        .ok_or_else(|| RuleError::not_found("transit gateway connection", id))
}

fn check_gateway_name_free(world: &World, account: &AccountId, name: &str, except: Option<&str>) -> RuleResult<()> {
    if world.transit_gateways().any(|g| g.account == *account && g.name == name && Some(g.id.as_str()) != except) {
        return Err(RuleError::conflict("name_conflict", "A gateway with the same name already exists.").field("name"));
    }
    Ok(())
}

fn check_connection_name_free(world: &World, gateway: &str, name: &str, except: Option<&str>) -> RuleResult<()> {
    if world.connections_of(gateway).any(|c| c.name == name && Some(c.id.as_str()) != except) {
        return Err(RuleError::conflict(
            "name_conflict",
            format!("transit gateway `{gateway}` already has a connection named `{name}`"),
        )
        .field("name"));
    }
    Ok(())
}

/// The moment a resource created or changed now stops being `pending`.
fn settles(ctx: &Context) -> Timestamp {
    Timestamp(ctx.now.0 + ctx.propagation_delay_ms)
}

/// Creates a transit gateway in the caller's account.
pub fn create_gateway(world: &World, ctx: &mut Context, input: NewTransitGateway) -> RuleResult<Applied<String>> {
    let account = owner_account(ctx)?;
    check_name(&input.name)?;
    if region(&input.location).is_none() {
        return Err(RuleError::invalid(
            "invalid_location",
            format!("`{}` is not a Transit Gateway location; use a region such as `us-south`", input.location),
        )
        .rule("T2")
        .field("location"));
    }
    check_gateway_name_free(world, &account, &input.name, None)?;
    let id = ctx.ids.uuid();
    let mut draft = world.draft();
    draft.put(Entity::TransitGateway(TransitGateway {
        id: id.clone(),
        account,
        name: input.name,
        location: input.location,
        global: input.global,
        created_at: ctx.now,
        updated_at: ctx.now,
        available_at: settles(ctx),
    }));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

/// Renames a transit gateway or changes its routing (local or global).
pub fn update_gateway(
    world: &World,
    ctx: &mut Context,
    id: &str,
    patch: &TransitGatewayPatch,
) -> RuleResult<Applied<String>> {
    let current = own_gateway(world, ctx, id)?.clone();
    let mut next = current.clone();
    if let Some(name) = &patch.name {
        check_name(name)?;
        check_gateway_name_free(world, &current.account, name, Some(id))?;
        next.name = name.clone();
    }
    if let Some(global) = patch.global {
        if !global && let Some(remote) = world.connections_of(id).find(|c| vpc_region(c) != current.location) {
            return Err(RuleError::conflict(
                "connection_location_conflict",
                format!(
                    "the connection `{}` joins a VPC of region `{}`; a local gateway in `{}` only connects VPCs of its own region",
                    remote.name,
                    vpc_region(remote),
                    current.location
                ),
            )
            .rule("T2")
            .field("global"));
        }
        next.global = global;
    }
    if next == current {
        return Ok(Applied { world: world.clone(), touched: Vec::new(), value: id.to_owned() });
    }
    next.updated_at = ctx.now;
    let mut draft = world.draft();
    draft.put(Entity::TransitGateway(next));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// Deletes a transit gateway that has no connections.
pub fn delete_gateway(world: &World, ctx: &mut Context, id: &str) -> RuleResult<Applied<()>> {
    own_gateway(world, ctx, id)?;
    let count = world.connections_of(id).count();
    if count > 0 {
        return Err(RuleError::conflict(
            "gateway_has_connections",
            format!("transit gateway `{id}` has {count} connection(s); delete them before the gateway"),
        )
        .rule("T6"));
    }
    let mut draft = world.draft();
    draft.remove(EntityKey::TransitGateway(id.to_owned()));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}

/// The region of a connected VPC, from its CRN.
fn vpc_region(connection: &TransitConnection) -> String {
    parse_crn(&connection.network_crn).map(|parts| parts.region).unwrap_or_default()
}

/// Refuses address ranges of `vpc` that overlap a prefix of another VPC connected to a gateway `vpc` is (or is
/// about to be) connected to (rule T4). `gateways` are the gateways to check; `ranges` the VPC's prefixes to test.
fn check_overlaps(world: &World, vpc: &str, gateways: &[&str], ranges: &[Ipv4Net]) -> RuleResult<()> {
    for gateway in gateways {
        for other in world.connections_of(gateway).filter(|c| c.vpc != vpc) {
            for theirs in world.prefixes_of(&other.vpc) {
                if let Some(ours) = ranges.iter().find(|ours| overlaps(ours, &theirs.cidr)) {
                    return Err(RuleError::conflict(
                        "overlapping_prefixes",
                        format!(
                            "the address prefix `{ours}` of VPC `{vpc}` overlaps the address prefix `{}` of VPC `{}`, which transit gateway `{gateway}` already connects; connected VPCs need address prefixes that do not overlap",
                            theirs.cidr, other.vpc
                        ),
                    )
                    .rule("T4"));
                }
            }
        }
    }
    Ok(())
}

/// Refuses a new address prefix of a VPC that overlaps a prefix of a VPC connected to the same transit gateway
/// (rule T4), so the invariant that connected VPCs do not overlap holds after the connection too.
pub(crate) fn check_new_prefix(world: &World, vpc: &str, cidr: Ipv4Net) -> RuleResult<()> {
    let gateways: Vec<&str> =
        world.transit_connections().filter(|c| c.vpc == vpc).map(|c| c.gateway.as_str()).collect();
    check_overlaps(world, vpc, &gateways, &[cidr]).map_err(|error| error.field("cidr"))
}

/// Refuses deleting a VPC that a transit gateway connects (rule T5).
pub(crate) fn check_vpc_unconnected(world: &World, vpc: &str) -> RuleResult<()> {
    if let Some(connection) = world.transit_connections().find(|c| c.vpc == vpc) {
        return Err(RuleError::conflict(
            "vpc_has_transit_gateway_connections",
            format!(
                "VPC `{vpc}` is connected to transit gateway `{}` (connection `{}`); delete the connection before the VPC",
                connection.gateway, connection.id
            ),
        )
        .rule("T5"));
    }
    Ok(())
}

/// Connects a VPC of the gateway's account to a transit gateway.
pub fn create_connection(world: &World, ctx: &mut Context, input: NewTransitConnection) -> RuleResult<Applied<String>> {
    let gateway = own_gateway(world, ctx, &input.gateway)?.clone();
    if input.network_type != "vpc" {
        return Err(RuleError::invalid(
            "invalid_network_type",
            format!(
                "`network_type` `{}` is not supported: hubspoke models VPC connections only (`vpc`)",
                input.network_type
            ),
        )
        .rule("T1")
        .field("network_type"));
    }
    if input.network_account_id.is_some() {
        return Err(RuleError::invalid(
            "cross_account_unsupported",
            "hubspoke models connections to VPCs of the gateway's own account only; `network_account_id` is not supported",
        )
        .rule("T1")
        .field("network_account_id"));
    }
    let crn = input.network_id.clone().ok_or_else(|| {
        RuleError::invalid("missing_network_id", "`network_id` (the VPC's CRN) is required for a `vpc` connection")
            .field("network_id")
    })?;
    let parts = parse_crn(&crn).filter(|parts| parts.kind == "vpc").ok_or_else(|| {
        RuleError::invalid("invalid_network_id", format!("`{crn}` is not the CRN of a VPC")).field("network_id")
    })?;
    if parts.account != gateway.account.as_str() {
        // Decided from the CRN alone, before any lookup, so it says nothing of whether that VPC exists.
        return Err(RuleError::invalid(
            "cross_account_unsupported",
            format!(
                "`{crn}` names a VPC of another account; hubspoke models connections to VPCs of the gateway's own account only"
            ),
        )
        .rule("T1")
        .field("network_id"));
    }
    if !gateway.global && parts.region != gateway.location {
        return Err(RuleError::invalid(
            "connection_location_conflict",
            format!(
                "the VPC is in region `{}`; the local transit gateway `{}` only connects VPCs of `{}` (create it with `global: true` to connect other regions)",
                parts.region, gateway.id, gateway.location
            ),
        )
        .rule("T2")
        .field("network_id"));
    }
    let vpc = world
        .vpc(&parts.id)
        .filter(|vpc| vpc.account == gateway.account)
        .ok_or_else(|| RuleError::not_found("VPC", &crn).field("network_id"))?
        .clone();
    if let Some(existing) = world.connections_of(&gateway.id).find(|c| c.vpc == vpc.id) {
        return Err(RuleError::conflict(
            "network_already_connected",
            format!(
                "VPC `{}` is already connected to transit gateway `{}` (connection `{}`)",
                vpc.id, gateway.id, existing.id
            ),
        )
        .rule("T3")
        .field("network_id"));
    }
    let ranges: Vec<Ipv4Net> = world.prefixes_of(&vpc.id).map(|p| p.cidr).collect();
    check_overlaps(world, &vpc.id, &[gateway.id.as_str()], &ranges).map_err(|error| error.field("network_id"))?;
    let name = input.name.clone().unwrap_or_else(|| vpc.name.clone());
    check_name(&name)?;
    check_connection_name_free(world, &gateway.id, &name, None)?;
    let id = ctx.ids.uuid();
    let mut draft = world.draft();
    draft.put(Entity::TransitConnection(TransitConnection {
        id: id.clone(),
        account: gateway.account.clone(),
        gateway: gateway.id.clone(),
        name,
        vpc: vpc.id.clone(),
        network_crn: crn,
        created_at: ctx.now,
        updated_at: ctx.now,
        attached_at: settles(ctx),
    }));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

/// Renames a connection.
pub fn update_connection(
    world: &World,
    ctx: &mut Context,
    gateway: &str,
    id: &str,
    name: Option<&str>,
) -> RuleResult<Applied<String>> {
    let current = own_connection(world, ctx, gateway, id)?.clone();
    let Some(name) = name.filter(|name| *name != current.name) else {
        return Ok(Applied { world: world.clone(), touched: Vec::new(), value: id.to_owned() });
    };
    check_name(name)?;
    check_connection_name_free(world, gateway, name, Some(id))?;
    let mut next = current;
    next.name = name.to_owned();
    next.updated_at = ctx.now;
    let mut draft = world.draft();
    draft.put(Entity::TransitConnection(next));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// Disconnects a VPC.
pub fn delete_connection(world: &World, ctx: &mut Context, gateway: &str, id: &str) -> RuleResult<Applied<()>> {
    own_connection(world, ctx, gateway, id)?;
    let mut draft = world.draft();
    draft.remove(EntityKey::TransitConnection(id.to_owned()));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}
