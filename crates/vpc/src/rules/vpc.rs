//! VPC commands: create (with the region's default address prefixes in `auto` mode), update (name,
//! `dns.enable_hub`, `dns.resolver`) and delete, with rules H1–H3, H5, H7, S1–S6 and S9.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use hubspoke_iam::AccountId;

use super::{Applied, HubUse, IfMatch, Patch, VpcIdentity, names, own_vpc, owner_account, resolve_vpc, vpc_crn};
use crate::Context;
use crate::error::{RuleError, RuleResult};
use crate::model::{
    BindingMode, DnsServer, PrefixManagement, ResolverSetting, RoutingTable, Vpc, default_network_acl_id,
    default_routing_table_id, default_security_group_id,
};
use crate::region::Region;
use crate::rules::binding::authorize;
use crate::rules::{network_acl, security_group};
use crate::topology::{binding_count, has_custom_resolver, hub_binding};
use crate::world::{Entity, EntityKey, World};

/// First loopback address handed out as a VPC's DNS endpoint (127.53.0.1, then upwards).
const FIRST_DNS_ENDPOINT: u32 = u32::from_be_bytes([127, 53, 0, 1]);

/// The resolver asked for at creation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewResolver {
    /// `system` (the default).
    System,
    /// `manual` with servers.
    Manual(Vec<DnsServer>),
    /// `delegated`, which creation does not allow (rule S6).
    Delegated,
}

/// `POST /vpcs`.
#[derive(Clone, Debug)]
pub struct NewVpc {
    /// The name, or a generated one.
    pub name: Option<String>,
    /// `classic_access`.
    pub classic_access: bool,
    /// `address_prefix_management`.
    pub address_prefix_management: PrefixManagement,
    /// `dns.enable_hub` (rule H1: settable at creation).
    pub enable_hub: bool,
    /// `dns.resolver`.
    pub resolver: NewResolver,
    /// `resource_group` (by id, one of the account's groups); the account's default group when not given.
    pub resource_group: Option<String>,
}

/// `dns.resolver` of a `PATCH /vpcs/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResolverPatch {
    /// `type`, if given: `system`, `manual` or `delegated`.
    pub kind: Option<String>,
    /// `manual_servers`.
    pub manual_servers: Patch<Vec<DnsServer>>,
    /// `vpc`.
    pub vpc: Patch<VpcIdentity>,
}

/// `PATCH /vpcs/{id}`.
#[derive(Clone, Debug, Default)]
pub struct VpcPatch {
    /// `name`.
    pub name: Option<String>,
    /// `dns.enable_hub`.
    pub enable_hub: Option<bool>,
    /// `dns.resolver`.
    pub resolver: Option<ResolverPatch>,
}

/// Checks manual DNS servers, whose zone affinities name zones of `region` (the VPC's).
fn check_manual_servers(servers: &[DnsServer], region: &Region) -> RuleResult<()> {
    let field = "dns.resolver.manual_servers";
    if servers.is_empty() {
        return Err(RuleError::invalid(
            "dns_resolver_manual_servers_required",
            "`manual_servers` must list at least one DNS server",
        )
        .rule("S4")
        .field(field));
    }
    let with_zone = servers.iter().filter(|s| s.zone_affinity.is_some()).count();
    if with_zone != 0 && with_zone != servers.len() {
        return Err(RuleError::invalid(
            "dns_resolver_zone_affinity_mixed",
            "either every manual DNS server has a `zone_affinity` or none has",
        )
        .field(field));
    }
    let mut zones = HashSet::new();
    for zone in servers.iter().filter_map(|s| s.zone_affinity.as_deref()) {
        if !region.has_zone(zone) {
            return Err(
                RuleError::invalid("invalid_zone", format!("`{zone}` is not a zone of this region")).field(field)
            );
        }
        if !zones.insert(zone) {
            return Err(RuleError::invalid(
                "dns_resolver_zone_affinity_duplicate",
                format!(
                    "zone `{zone}` has more than one manual DNS server; with `zone_affinity`, each zone has exactly one"
                ),
            )
            .field(field));
        }
    }
    Ok(())
}

fn name_taken(world: &World, account: &AccountId, name: &str, except: Option<&str>) -> bool {
    world.vpcs().any(|vpc| &vpc.account == account && vpc.name == name && Some(vpc.id.as_str()) != except)
}

fn next_dns_endpoint(world: &World) -> Ipv4Addr {
    let highest = world.vpcs().map(|vpc| u32::from(vpc.dns_endpoint)).max().unwrap_or(FIRST_DNS_ENDPOINT - 1);
    Ipv4Addr::from(highest.max(FIRST_DNS_ENDPOINT - 1) + 1)
}

/// Creates a VPC in the caller's account.
pub fn create(world: &World, ctx: &mut Context, input: NewVpc) -> RuleResult<Applied<String>> {
    let account = owner_account(ctx)?;
    let resource_group = super::resource_group::reference(world, &account, input.resource_group.as_deref())?;
    let name = names::choose(input.name.as_deref(), ctx.ids, "name")?;
    if name_taken(world, &account, &name, None) {
        return Err(RuleError::conflict("vpc_name_duplicate", format!("the account already has a VPC named `{name}`"))
            .field("name"));
    }
    let resolver = match input.resolver {
        NewResolver::System => ResolverSetting::System,
        NewResolver::Manual(servers) => {
            check_manual_servers(&servers, ctx.region)?;
            ResolverSetting::Manual(servers)
        }
        NewResolver::Delegated => {
            return Err(RuleError::invalid(
                "dns_resolver_type_not_allowed_at_create",
                "a VPC is created with resolver type `system` or `manual`; delegate it with an update once it has a DNS resolution binding",
            )
            .rule("S6")
            .field("dns.resolver.type"));
        }
    };
    let id = ctx.new_id();
    let vpc = Vpc {
        id: id.clone(),
        account,
        name,
        created_at: ctx.now,
        classic_access: input.classic_access,
        address_prefix_management: input.address_prefix_management,
        enable_hub: input.enable_hub,
        resolver,
        dns_endpoint: next_dns_endpoint(world),
        version: 1,
        resource_group,
    };
    // Every VPC comes with a default security group, network ACL and routing table. Their ids are derived from the
    // VPC's, as the VPC representation has always shown them, so one id scheme serves old and new VPCs alike.
    let mut draft = world.draft();
    if vpc.address_prefix_management == PrefixManagement::Auto {
        super::prefix::add_defaults(&mut draft, ctx, &vpc);
    }
    draft.put(Entity::SecurityGroup(security_group::default_group(&vpc)));
    draft.put(Entity::NetworkAcl(network_acl::default_acl(&vpc)));
    draft.put(Entity::RoutingTable(RoutingTable {
        id: default_routing_table_id(&vpc.id),
        account: vpc.account.clone(),
        vpc: vpc.id.clone(),
        name: format!("{}-default-routing-table", vpc.name),
        created_at: vpc.created_at,
    }));
    draft.put(Entity::Vpc(vpc));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

/// Updates a VPC's name and DNS settings.
pub fn update(
    world: &World,
    ctx: &mut Context,
    id: &str,
    patch: VpcPatch,
    if_match: IfMatch,
) -> RuleResult<Applied<String>> {
    let current = own_vpc(world, ctx, id)?.clone();
    let mut next = current.clone();
    if let Some(name) = &patch.name {
        next.name = names::choose(Some(name), ctx.ids, "name")?;
        if name_taken(world, &current.account, &next.name, Some(id)) {
            return Err(RuleError::conflict(
                "vpc_name_duplicate",
                format!("the account already has a VPC named `{}`", next.name),
            )
            .field("name"));
        }
    }
    if let Some(resolver) = &patch.resolver {
        if matches!(resolver.manual_servers, Patch::Value(_)) && if_match == IfMatch::Absent {
            return Err(RuleError::invalid(
                "if_match_required",
                "updating `dns.resolver.manual_servers` requires the `If-Match` header with the VPC's current `ETag`",
            )
            .field("If-Match"));
        }
        next.resolver = next_resolver(world, ctx, &current, resolver)?;
    }
    if let Some(enable_hub) = patch.enable_hub.filter(|wanted| *wanted != current.enable_hub) {
        let count = binding_count(world, id);
        if count > 0 {
            return Err(RuleError::conflict(
                "dns_hub_has_bindings",
                format!("`dns.enable_hub` of VPC `{id}` cannot change while it has {count} DNS resolution binding(s); delete them first"),
            )
            .rule("H2")
            .field("dns.enable_hub"));
        }
        if let Some(gateway) = world.gateways_in(id).find(|g| enable_hub && g.mode != BindingMode::Primary) {
            return Err(RuleError::conflict(
                    "dns_hub_endpoint_gateway_not_primary",
                    format!(
                        "VPC `{id}` cannot become a DNS hub: its endpoint gateway `{}` has `dns_resolution_binding_mode` `{}`, and every endpoint gateway of a hub must be `primary`",
                        gateway.id,
                        gateway.mode.as_str()
                    ),
                )
                .rule("H3")
                .field("dns.enable_hub"));
        }
        next.enable_hub = enable_hub;
    }
    if next.enable_hub && matches!(next.resolver, ResolverSetting::Delegated { .. }) {
        let (code, rule) = if patch.enable_hub == Some(true) {
            ("dns_hub_resolver_delegated", "H5")
        } else {
            ("dns_resolver_delegated_requires_non_hub", "S1")
        };
        return Err(RuleError::conflict(code, format!("VPC `{id}` cannot be a DNS hub and have its resolver delegated at once; a hub's resolver is `system` or `manual`"))
            .rule(rule)
            .field("dns"));
    }
    if next == current {
        return Ok(Applied { world: world.clone(), touched: Vec::new(), value: id.to_owned() });
    }
    next.version += 1;
    let mut draft = world.draft();
    draft.put(Entity::Vpc(next));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

fn next_resolver(
    world: &World,
    ctx: &mut Context,
    current: &Vpc,
    patch: &ResolverPatch,
) -> RuleResult<ResolverSetting> {
    let kind = patch.kind.as_deref().unwrap_or(current.resolver.type_name());
    if let Some(other) = patch.kind.as_deref().filter(|k| !["system", "manual", "delegated"].contains(k)) {
        return Err(RuleError::invalid(
            "invalid_resolver_type",
            format!("`dns.resolver.type` is `{other}`; it must be `system`, `manual` or `delegated`"),
        )
        .field("dns.resolver.type"));
    }
    // S3 and S4 (leaving a type): the field that belongs to the old type must be `null`. hubspoke also accepts it
    // left out, as IBM's own disconnect example does; a value, however, is refused.
    if kind != "delegated" && matches!(patch.vpc, Patch::Value(_)) {
        return Err(RuleError::invalid(
            "dns_resolver_vpc_not_allowed",
            "`dns.resolver.vpc` may be set only when the resolver type is `delegated`; send it as `null`",
        )
        .rule("S3")
        .field("dns.resolver.vpc"));
    }
    if kind != "manual" && matches!(patch.manual_servers, Patch::Value(_)) {
        return Err(RuleError::invalid(
            "dns_resolver_manual_servers_not_allowed",
            "`dns.resolver.manual_servers` may be set only when the resolver type is `manual`; send it as `null`",
        )
        .rule("S4")
        .field("dns.resolver.manual_servers"));
    }
    match kind {
        "system" => Ok(ResolverSetting::System),
        "manual" => match (&patch.manual_servers, &current.resolver) {
            (Patch::Value(servers), _) => {
                check_manual_servers(servers, ctx.region)?;
                Ok(ResolverSetting::Manual(servers.clone()))
            }
            (Patch::Absent, ResolverSetting::Manual(servers)) => Ok(ResolverSetting::Manual(servers.clone())),
            _ => Err(RuleError::invalid(
                "dns_resolver_manual_servers_required",
                "updating the resolver to `manual` requires `dns.resolver.manual_servers`",
            )
            .rule("S4")
            .field("dns.resolver.manual_servers")),
        },
        _ => {
            if current.enable_hub {
                return Err(RuleError::conflict(
                    "dns_resolver_delegated_requires_non_hub",
                    format!(
                        "VPC `{}` is a DNS hub; disable `dns.enable_hub` before delegating its resolver",
                        current.id
                    ),
                )
                .rule("S1")
                .field("dns.resolver.type"));
            }
            let target = match (&patch.vpc, &current.resolver) {
                (Patch::Value(identity), _) => delegation_target(world, ctx, current, identity)?.clone(),
                (Patch::Absent, ResolverSetting::Delegated { vpc }) => {
                    return Ok(ResolverSetting::Delegated { vpc: vpc.clone() });
                }
                _ => {
                    return Err(RuleError::invalid(
                        "dns_resolver_vpc_required",
                        "a `delegated` resolver requires `dns.resolver.vpc`: the hub VPC this VPC is bound to",
                    )
                    .rule("S2")
                    .field("dns.resolver.vpc"));
                }
            };
            if matches!(&current.resolver, ResolverSetting::Delegated { vpc } if *vpc == target.id) {
                return Ok(current.resolver.clone());
            }
            if !has_custom_resolver(world, &target.id) {
                return Err(RuleError::conflict(
                    "dns_resolver_vpc_no_custom_resolver",
                    format!("the hub VPC `{}` has no enabled DNS Services custom resolver to delegate to", target.id),
                )
                .rule("S2")
                .field("dns.resolver.vpc"));
            }
            authorize(ctx, current, (&target.account, &target.id), "is.vpc.dns-resolution-binding.connect", "S5")?;
            Ok(ResolverSetting::Delegated { vpc: target.id })
        }
    }
}

/// The VPC a resolver is delegated to: one this VPC has a DNS resolution binding to (rule S2). The binding is checked
/// before the VPC is looked up, so naming another account's VPC by CRN tells nothing of whether it exists.
fn delegation_target<'a>(
    world: &'a World,
    ctx: &Context,
    current: &Vpc,
    identity: &VpcIdentity,
) -> RuleResult<&'a Vpc> {
    let bound_hub = hub_binding(world, &current.id).map(|binding| (binding.hub.clone(), binding.hub_account.clone()));
    let named = match identity {
        VpcIdentity::Crn(crn) => {
            let (account, id) = vpc_crn(ctx, crn, HubUse::Delegation)?;
            bound_hub.as_ref().filter(|(hub, hub_account)| *hub == id && *hub_account == account).map(|(hub, _)| hub)
        }
        local => {
            let vpc = resolve_vpc(world, ctx, local, false)?;
            bound_hub.as_ref().map(|(hub, _)| hub).filter(|hub| **hub == vpc.id)
        }
    };
    let Some(hub) = named else {
        return Err(RuleError::conflict(
            "dns_resolver_vpc_not_bound",
            format!(
                "VPC `{}` can delegate its resolver only to the VPC it has a DNS resolution binding to, and `dns.resolver.vpc` names another",
                current.id
            ),
        )
        .rule("S2")
        .field("dns.resolver.vpc"));
    };
    world.vpc(hub).ok_or_else(|| RuleError::not_found("VPC", hub))
}

/// Deletes a VPC that holds nothing and plays no part in DNS sharing.
pub fn delete(world: &World, ctx: &mut Context, id: &str) -> RuleResult<Applied<()>> {
    own_vpc(world, ctx, id)?;
    let count = binding_count(world, id);
    if count > 0 {
        return Err(RuleError::conflict(
            "vpc_has_dns_resolution_bindings",
            format!("VPC `{id}` has {count} DNS resolution binding(s); delete them before the VPC"),
        )
        .rule("H7"));
    }
    if let Some(dependent) =
        world.vpcs().find(|other| matches!(&other.resolver, ResolverSetting::Delegated { vpc } if vpc == id))
    {
        // The actor owns this VPC, the hub the other delegates to, and sees its spokes through their bindings.
        return Err(RuleError::conflict(
            "vpc_provides_dns",
            format!("VPC `{id}` provides DNS resolution for VPC `{}`, whose resolver is delegated to it", dependent.id),
        )
        .rule("S9"));
    }
    super::transit_gateway::check_vpc_unconnected(world, id)?;
    if world.subnets().any(|subnet| subnet.vpc == id) || world.gateways_in(id).next().is_some() {
        return Err(RuleError::conflict(
            "vpc_in_use",
            format!("VPC `{id}` still has subnets or endpoint gateways; delete them first"),
        ));
    }
    if let Some(gateway) = world.public_gateways().find(|gateway| gateway.vpc == id) {
        return Err(RuleError::conflict(
            "vpc_in_use",
            format!("VPC `{id}` still has the public gateway `{}`; delete it first", gateway.id),
        )
        .rule("G7"));
    }
    let default_group = default_security_group_id(id);
    let default_acl = default_network_acl_id(id);
    let extra_group = world.security_groups().find(|g| g.vpc == id && g.id != default_group);
    let extra_acl = world.network_acls().find(|a| a.vpc == id && a.id != default_acl);
    if let Some(other) = extra_group.map(|g| &g.id).or(extra_acl.map(|a| &a.id)) {
        return Err(RuleError::conflict(
            "vpc_in_use",
            format!("VPC `{id}` still has the security group or network ACL `{other}`; delete it first"),
        ));
    }
    // The defaults go with the VPC.
    let mut draft = world.draft();
    // The VPC's address prefixes go with it, as IBM deletes them with their VPC.
    for prefix in world.prefixes_of(id) {
        draft.remove(EntityKey::AddressPrefix(prefix.id.clone()));
    }
    draft.remove(EntityKey::SecurityGroup(default_group));
    draft.remove(EntityKey::NetworkAcl(default_acl));
    draft.remove(EntityKey::RoutingTable(default_routing_table_id(id)));
    // The zones that permit it no longer do.
    for zone in super::dns_zone::forget_vpc(world, id) {
        draft.put(crate::world::Entity::DnsZone(zone));
    }
    draft.remove(EntityKey::Vpc(id.to_owned()));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}
