//! What IBM derives from the entities: binding counts, hubs and spokes, resolver servers and configuration, health,
//! and which endpoint gateways each VPC's DNS sees.

use std::net::Ipv4Addr;

use hubspoke_iam::Timestamp;

use crate::model::{Binding, DnsServer, EndpointGateway, ResolverSetting, Vpc};
use crate::region::{DEFAULT_RESOLVERS, PRIVATE_RESOLVERS};
use crate::world::World;

/// `dns.resolution_binding_count`: the bindings the VPC sees, on either side.
pub fn binding_count(world: &World, vpc: &str) -> usize {
    world.bindings_of(vpc).count()
}

/// The binding through which a spoke is attached to its hub, if any.
pub fn hub_binding<'a>(world: &'a World, spoke: &'a str) -> Option<&'a Binding> {
    world.bindings_of(spoke).find(|binding| binding.spoke == spoke && binding.spoke_attached)
}

/// The bindings of the spokes attached to a hub.
pub fn spoke_bindings<'a>(world: &'a World, hub: &'a str) -> impl Iterator<Item = &'a Binding> + 'a {
    world.bindings_of(hub).filter(move |binding| binding.hub == hub && binding.spoke_attached)
}

/// The VPCs of the topology `vpc` belongs to: its hub (or itself, if it is one) and every attached spoke; a VPC in
/// no topology is alone.
pub fn topology(world: &World, vpc: &str) -> Vec<String> {
    let hub = match hub_binding(world, vpc) {
        Some(binding) => binding.hub.clone(),
        None if world.vpc(vpc).is_some_and(|v| v.enable_hub) => vpc.to_owned(),
        None => return vec![vpc.to_owned()],
    };
    let mut members = vec![hub.clone()];
    members.extend(spoke_bindings(world, &hub).map(|binding| binding.spoke.clone()));
    members
}

/// The addresses of the enabled locations of enabled custom resolvers whose subnets are in `vpc`.
pub fn custom_resolver_addresses(world: &World, vpc: &str) -> Vec<Ipv4Addr> {
    let mut addresses = Vec::new();
    for resolver in world.resolvers().filter(|resolver| resolver.enabled) {
        for location in resolver.locations.iter().filter(|location| location.enabled) {
            let in_vpc = world.subnet(&location.subnet).is_some_and(|subnet| subnet.vpc == vpc);
            if let (true, Some(ip)) = (in_vpc, world.reserved_ip(&location.reserved_ip)) {
                addresses.push(ip.address);
            }
        }
    }
    addresses
}

/// Whether `vpc` has an enabled custom resolver with at least one enabled location.
pub fn has_custom_resolver(world: &World, vpc: &str) -> bool {
    !custom_resolver_addresses(world, vpc).is_empty()
}

/// `dns.resolver` as IBM reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolverView {
    /// The servers DHCP hands out.
    pub servers: Vec<DnsServer>,
    /// For `system`: `custom_resolver`, `private_resolver` or `default`.
    pub configuration: Option<&'static str>,
}

/// The resolver servers and configuration of a VPC.
pub fn resolver_view(world: &World, vpc: &Vpc) -> ResolverView {
    match &vpc.resolver {
        ResolverSetting::System => system_view(world, vpc),
        ResolverSetting::Manual(servers) => ResolverView { servers: servers.clone(), configuration: None },
        // A delegated VPC hands out the servers of the VPC it delegates to (its custom resolver addresses), which
        // follow that VPC's changes automatically.
        ResolverSetting::Delegated { vpc: target } => ResolverView {
            servers: world.vpc(target).map(|hub| system_view(world, hub).servers).unwrap_or_default(),
            configuration: None,
        },
    }
}

fn system_view(world: &World, vpc: &Vpc) -> ResolverView {
    let servers = |addresses: Vec<Ipv4Addr>| {
        addresses.into_iter().map(|address| DnsServer { address, zone_affinity: None }).collect()
    };
    let custom = custom_resolver_addresses(world, &vpc.id);
    if !custom.is_empty() {
        return ResolverView { servers: servers(custom), configuration: Some("custom_resolver") };
    }
    let fixed = |list: [&str; 2]| list.iter().filter_map(|a| a.parse().ok()).collect::<Vec<Ipv4Addr>>();
    if world.gateways_in(&vpc.id).next().is_some() {
        return ResolverView { servers: servers(fixed(PRIVATE_RESOLVERS)), configuration: Some("private_resolver") };
    }
    ResolverView { servers: servers(fixed(DEFAULT_RESOLVERS)), configuration: Some("default") }
}

/// A VPC's `health_state` and its reasons as (code, message) pairs.
pub fn vpc_health(world: &World, vpc: &Vpc) -> (&'static str, Vec<(&'static str, String)>) {
    if let ResolverSetting::Delegated { vpc: target } = &vpc.resolver {
        let bound = hub_binding(world, &vpc.id).is_some_and(|binding| &binding.hub == target);
        if !bound {
            return (
                "degraded",
                vec![(
                    "dns_resolution_binding_failed",
                    format!(
                        "the resolver is delegated to VPC `{target}`, but no DNS resolution binding connects them any more; set the resolver type to `system`"
                    ),
                )],
            );
        }
    }
    ("ok", Vec::new())
}

/// A binding's `health_state` and reasons.
pub fn binding_health(binding: &Binding) -> (&'static str, Vec<(&'static str, String)>) {
    if binding.spoke_attached {
        ("ok", Vec::new())
    } else {
        (
            "faulted",
            vec![(
                "disconnected_from_bound_vpc",
                format!(
                    "the DNS-shared VPC `{}` removed its side of this binding without being authorized to disconnect; delete the binding from the hub",
                    binding.spoke
                ),
            )],
        )
    }
}

/// The endpoint gateways a binding lists: the spoke's gateways that are shared (`primary` or `per_resource_binding`).
pub fn binding_gateways<'a>(world: &'a World, binding: &'a Binding) -> impl Iterator<Item = &'a EndpointGateway> + 'a {
    world.gateways_in(&binding.spoke).filter(|gateway| gateway.mode.shared())
}

/// The world as the DNS data plane serves it at `now`: endpoint gateways, bindings and resource bindings still
/// `pending` after their creation are left out until they are `stable`, as IBM answers a new gateway's names only
/// once it is ready. Returns
/// the earliest moment one of them settles, when the data plane must look again (`None` when nothing is pending).
///
/// A gateway or binding `updating` after a change keeps answering, with its new settings.
pub fn settled(world: &World, now: Timestamp) -> (World, Option<Timestamp>) {
    let mut next: Option<Timestamp> = None;
    let mut served = world.clone();
    for (until, key) in world.settling_after(now) {
        next = Some(next.map_or(until, |at| at.min(until)));
        served.remove(key);
    }
    (served, next)
}
