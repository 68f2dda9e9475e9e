//! Endpoint gateway commands with the DNS sharing mode rules M1–M4, H4, H8 and RB5 (and C7 from the spoke's side).

use super::subnet::{NewReservedIp, own_subnet, reserve};
use super::{Applied, names, own_vpc};
use crate::Context;
use crate::catalog::{overlaps, service_endpoints};
use crate::error::{RuleError, RuleResult};
use crate::model::{BindingMode, EndpointGateway, GatewayTarget, IpOwner, IpTarget, Phase, Settling, Vpc};
use crate::topology::{hub_binding, topology};
use crate::world::{Entity, EntityKey, World};
use hubspoke_iam::Timestamp;

/// One entry of a new gateway's `ips`.
#[derive(Clone, Debug)]
pub enum GatewayIp {
    /// An existing, unbound reserved IP (by id).
    Existing(String),
    /// A new reserved IP in a subnet.
    New {
        /// The subnet.
        subnet: String,
        /// The address and name, if chosen.
        ip: NewReservedIp,
    },
}

/// `POST /endpoint_gateways`.
#[derive(Clone, Debug)]
pub struct NewGateway {
    /// The name, or a generated one.
    pub name: Option<String>,
    /// The VPC (by id, the caller's own).
    pub vpc: String,
    /// The target.
    pub target: GatewayTarget,
    /// `dns_resolution_binding_mode`; `primary` when not given.
    pub mode: Option<BindingMode>,
    /// Reserved IPs to bind, at most one per zone.
    pub ips: Vec<GatewayIp>,
    /// Security groups (by id, of the same VPC, at most five); the VPC's default group when empty.
    pub security_groups: Vec<String>,
    /// `resource_group` (by id, one of the account's groups); the account's default group when not given.
    pub resource_group: Option<String>,
}

/// An endpoint gateway the caller may act on, or 404.
pub(crate) fn own_gateway<'a>(world: &'a World, ctx: &Context, id: &str) -> RuleResult<&'a EndpointGateway> {
    world
        .gateway(id)
        .filter(|gateway| ctx.may_act_on(&gateway.account, &gateway.id))
        .ok_or_else(|| RuleError::not_found("endpoint gateway", id))
}

/// Services whose endpoint gateways can serve resource bindings (local access): Cloud Object Storage only.
fn supports_resource_binding(target: &GatewayTarget) -> bool {
    matches!(target, GatewayTarget::ProviderCloudService { crn } if crn.split(':').nth(4) == Some("cloud-object-storage"))
}

/// The rules on a gateway's mode in its VPC and topology (H4, M2, M3), for a gateway that is not yet (or no longer
/// with this mode) in the world.
fn check_mode(
    world: &World,
    vpc: &Vpc,
    id: &str,
    target: &GatewayTarget,
    endpoints: &[String],
    mode: BindingMode,
) -> RuleResult<()> {
    if vpc.enable_hub && mode != BindingMode::Primary {
        return Err(RuleError::invalid(
            "endpoint_gateway_mode_invalid_in_hub",
            format!(
                "VPC `{}` is a DNS hub: its endpoint gateways are always `primary`, not `{}`",
                vpc.id,
                mode.as_str()
            ),
        )
        .rule("H4")
        .field("dns_resolution_binding_mode"));
    }
    if mode == BindingMode::PerResourceBinding {
        if !supports_resource_binding(target) {
            return Err(RuleError::invalid(
                "endpoint_gateway_resource_binding_unsupported",
                "`per_resource_binding` needs a target service with resource binding enabled (Cloud Object Storage)",
            )
            .rule("M3")
            .field("dns_resolution_binding_mode"));
        }
        if let Some(binding) = hub_binding(world, &vpc.id) {
            let hub_has_primary = world.primary_clashes(&binding.hub, target, &[]).any(|g| &g.target == target);
            if !hub_has_primary {
                return Err(RuleError::conflict(
                    "endpoint_gateway_per_resource_binding_requires_hub_primary",
                    format!("a `per_resource_binding` gateway in a DNS-shared VPC needs a `primary` gateway for the same target in the hub VPC `{}`", binding.hub),
                )
                .rule("M3")
                .field("dns_resolution_binding_mode"));
            }
        }
    }
    if mode == BindingMode::Primary {
        for member in topology(world, &vpc.id).iter().filter(|member| **member != vpc.id) {
            let clash = world.primary_clashes(member, target, endpoints).find(|g| g.id != id);
            if let Some(other) = clash {
                let refusal = RuleError::conflict(
                    "endpoint_gateway_primary_conflict",
                    "the DNS sharing topology already has a `primary` endpoint gateway for this target; set this one to `disabled` or change that one",
                )
                .rule("M2")
                .field("dns_resolution_binding_mode");
                // The other gateway may be another tenant's, in a VPC bound to the same hub: only its own account's
                // and the hub's administrators may learn which it is.
                let detail = format!("it is `{}` in VPC `{member}`", other.id);
                return Err(if other.account == vpc.account {
                    refusal.confidential(&vpc.account, vec![detail])
                } else {
                    refusal.confidential(&topology_hub_account(world, vpc), vec![detail])
                });
            }
        }
    }
    Ok(())
}

/// The account of the hub at the centre of `vpc`'s DNS sharing topology (its own, when it is the hub or unbound).
fn topology_hub_account(world: &World, vpc: &Vpc) -> hubspoke_iam::AccountId {
    hub_binding(world, &vpc.id).map_or_else(|| vpc.account.clone(), |binding| binding.hub_account.clone())
}

fn settling(ctx: &Context, phase: Phase) -> Settling {
    Settling { phase, until: Timestamp(ctx.now.0 + ctx.propagation_delay_ms) }
}

/// Creates an endpoint gateway and binds its reserved IPs.
pub fn create(world: &World, ctx: &mut Context, input: NewGateway) -> RuleResult<Applied<String>> {
    let vpc = own_vpc(world, ctx, &input.vpc)?.clone();
    let endpoints = service_endpoints(&input.target, ctx.region).ok_or_else(|| {
        RuleError::invalid(
            "endpoint_gateway_target_unknown",
            "hubspoke does not know the service endpoints of this target; use an `endpoint` CRN that names the FQDN",
        )
        .field("target")
    })?;
    let name = names::choose(input.name.as_deref(), ctx.ids, "name")?;
    if world.gateways_in(&vpc.id).any(|g| g.name == name) {
        return Err(RuleError::conflict(
            "endpoint_gateway_name_duplicate",
            format!("VPC `{}` already has an endpoint gateway named `{name}`", vpc.id),
        )
        .field("name"));
    }
    if let Some(other) =
        world.gateways_in(&vpc.id).find(|g| g.target == input.target || overlaps(&g.service_endpoints, &endpoints))
    {
        return Err(RuleError::conflict(
            "endpoint_gateway_target_duplicate",
            format!("VPC `{}` already has the endpoint gateway `{}` for this target or its service endpoints; a VPC has one gateway per service", vpc.id, other.id),
        )
        .rule("M1")
        .field("target"));
    }
    let mode = input.mode.unwrap_or(BindingMode::Primary);
    let id = ctx.new_id();
    check_mode(world, &vpc, &id, &input.target, &endpoints, mode)?;
    let security_groups = super::security_group::target_groups(world, ctx, &vpc.id, &input.security_groups)?;
    let resource_group = super::resource_group::reference(world, &vpc.account, input.resource_group.as_deref())?;
    let mut draft = world.draft();
    let mut zones = Vec::new();
    for entry in &input.ips {
        let ip = match entry {
            GatewayIp::New { subnet, ip } => {
                let subnet = own_subnet(draft.world(), ctx, subnet)?.clone();
                if subnet.vpc != vpc.id {
                    return Err(RuleError::invalid(
                        "subnet_not_in_vpc",
                        format!("subnet `{}` is not in VPC `{}`", subnet.id, vpc.id),
                    )
                    .field("ips"));
                }
                reserve(&mut draft, ctx, &subnet, ip, IpOwner::User, Some(IpTarget::EndpointGateway(id.clone())))?
            }
            GatewayIp::Existing(ip_id) => bind_existing(&mut draft, ctx, &vpc, &id, ip_id)?,
        };
        let zone = draft.world().subnet(&ip.subnet).map(|s| s.zone.clone()).unwrap_or_default();
        if zones.contains(&zone) {
            return Err(RuleError::invalid(
                "endpoint_gateway_zone_duplicate",
                format!("an endpoint gateway takes at most one reserved IP per zone; `{zone}` has two"),
            )
            .field("ips"));
        }
        zones.push(zone);
    }
    draft.put(Entity::Gateway(EndpointGateway {
        id: id.clone(),
        account: vpc.account.clone(),
        vpc: vpc.id.clone(),
        name,
        target: input.target,
        service_endpoints: endpoints,
        mode,
        created_at: ctx.now,
        settling: settling(ctx, Phase::Pending),
        security_groups,
        resource_group,
    }));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

fn bind_existing(
    draft: &mut crate::world::Draft,
    ctx: &Context,
    vpc: &Vpc,
    gateway: &str,
    ip_id: &str,
) -> RuleResult<crate::model::ReservedIp> {
    let world = draft.world();
    let ip = world.reserved_ip(ip_id).ok_or_else(|| RuleError::not_found("reserved IP", ip_id))?;
    let subnet = world
        .subnet(&ip.subnet)
        .filter(|s| ctx.may_act_on(&s.account, &s.id))
        .ok_or_else(|| RuleError::not_found("reserved IP", ip_id))?;
    if subnet.vpc != vpc.id {
        return Err(RuleError::invalid(
            "reserved_ip_not_in_vpc",
            format!("reserved IP `{ip_id}` is not in VPC `{}`", vpc.id),
        )
        .field("ips"));
    }
    if ip.target.is_some() {
        return Err(RuleError::conflict(
            "reserved_ip_in_use",
            format!("reserved IP `{ip_id}` ({}) is already bound", ip.address),
        )
        .field("ips"));
    }
    let mut bound = ip.clone();
    bound.target = Some(IpTarget::EndpointGateway(gateway.to_owned()));
    draft.put(Entity::ReservedIp(bound.clone()));
    Ok(bound)
}

/// `PATCH /endpoint_gateways/{id}`: name and mode.
pub fn update(
    world: &World,
    ctx: &mut Context,
    id: &str,
    name: Option<&str>,
    mode: Option<BindingMode>,
) -> RuleResult<Applied<String>> {
    let mut gateway = own_gateway(world, ctx, id)?.clone();
    if let Some(name) = name {
        gateway.name = names::choose(Some(name), ctx.ids, "name")?;
        if world.gateways_in(&gateway.vpc).any(|g| g.name == gateway.name && g.id != id) {
            return Err(RuleError::conflict(
                "endpoint_gateway_name_duplicate",
                format!("VPC `{}` already has an endpoint gateway named `{}`", gateway.vpc, gateway.name),
            )
            .field("name"));
        }
    }
    if let Some(mode) = mode.filter(|mode| *mode != gateway.mode) {
        if world.resource_bindings_of(id).next().is_some() {
            return Err(RuleError::conflict(
                "endpoint_gateway_has_resource_bindings",
                format!("endpoint gateway `{id}` has resource bindings, which only a `per_resource_binding` gateway serves; delete them first"),
            )
            .rule("RB5")
            .field("dns_resolution_binding_mode"));
        }
        let vpc = world.vpc(&gateway.vpc).ok_or_else(|| RuleError::not_found("VPC", &gateway.vpc))?;
        check_mode(world, vpc, id, &gateway.target, &gateway.service_endpoints, mode)?;
        gateway.mode = mode;
        // A mode change is re-published to the topology's DNS, which takes the propagation delay (rule M7).
        gateway.settling = settling(ctx, Phase::Updating);
    }
    let mut draft = world.draft();
    draft.put(Entity::Gateway(gateway));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// Deletes an endpoint gateway and releases its reserved IPs (deleting those marked `auto_delete`).
pub fn delete(world: &World, ctx: &mut Context, id: &str) -> RuleResult<Applied<()>> {
    let gateway = own_gateway(world, ctx, id)?;
    let vpc = world.vpc(&gateway.vpc).ok_or_else(|| RuleError::not_found("VPC", &gateway.vpc))?;
    if vpc.enable_hub {
        for member in topology(world, &vpc.id).iter().filter(|member| **member != vpc.id) {
            if let Some(other) = world.gateways_in(member).find(|g| g.target == gateway.target) {
                return Err(RuleError::conflict(
                    "endpoint_gateway_required_by_topology",
                    format!("the hub's endpoint gateway `{id}` must stay while VPC `{member}` of its DNS sharing topology has the endpoint gateway `{}` for the same target", other.id),
                )
                .rule("H8"));
            }
        }
    }
    let mut draft = world.draft();
    // Resource bindings are parts of their gateway: they go with it.
    for binding in world.resource_bindings_of(id) {
        draft.remove(EntityKey::ResourceBinding(binding.id.clone()));
    }
    for ip in world.gateway_ips(id) {
        if ip.auto_delete {
            draft.remove(EntityKey::ReservedIp(ip.id.clone()));
        } else {
            let mut released = ip.clone();
            released.target = None;
            draft.put(Entity::ReservedIp(released));
        }
    }
    draft.remove(EntityKey::Gateway(id.to_owned()));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}

/// `PUT /endpoint_gateways/{id}/ips/{ip}`: binds an existing reserved IP.
pub fn bind_ip(world: &World, ctx: &mut Context, id: &str, ip_id: &str) -> RuleResult<Applied<String>> {
    let gateway = own_gateway(world, ctx, id)?.clone();
    let vpc = world.vpc(&gateway.vpc).ok_or_else(|| RuleError::not_found("VPC", &gateway.vpc))?.clone();
    if world.gateway_ips(id).any(|ip| ip.id == ip_id) {
        return Ok(Applied { world: world.clone(), touched: Vec::new(), value: ip_id.to_owned() });
    }
    let mut draft = world.draft();
    let ip = bind_existing(&mut draft, ctx, &vpc, id, ip_id)?;
    let zone = world.subnet(&ip.subnet).map(|s| s.zone.clone());
    if world.gateway_ips(id).any(|other| world.subnet(&other.subnet).map(|s| s.zone.clone()) == zone) {
        return Err(RuleError::conflict(
            "endpoint_gateway_zone_duplicate",
            "the endpoint gateway already has a reserved IP in that zone",
        ));
    }
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: ip_id.to_owned() })
}

/// `DELETE /endpoint_gateways/{id}/ips/{ip}`: unbinds a reserved IP (deleting it when `auto_delete`).
pub fn unbind_ip(world: &World, ctx: &mut Context, id: &str, ip_id: &str) -> RuleResult<Applied<()>> {
    own_gateway(world, ctx, id)?;
    let ip =
        world.gateway_ips(id).find(|ip| ip.id == ip_id).ok_or_else(|| RuleError::not_found("reserved IP", ip_id))?;
    let mut draft = world.draft();
    if ip.auto_delete {
        draft.remove(EntityKey::ReservedIp(ip_id.to_owned()));
    } else {
        let mut released = ip.clone();
        released.target = None;
        draft.put(Entity::ReservedIp(released));
    }
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}
