//! Per-VPC DNS views compiled from the VPC world (reference §4.3).
//!
//! - Every VPC sees its own endpoint gateways, whatever their mode.
//! - A hub sees its own gateways and every attached spoke's `primary` and `per_resource_binding` gateways.
//! - A VPC whose resolver is delegated to a hub (or manual with a server that is one of the hub's custom resolver
//!   addresses) sees exactly the hub's view: its own `disabled` gateways no longer answer.
//! - The hub's custom resolver addresses serve the hub's view.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use hubspoke_vpc::World;
use hubspoke_vpc::model::{BindingMode, EndpointGateway, ResolverSetting};
use hubspoke_vpc::topology::{custom_resolver_addresses, spoke_bindings};

/// How a record came to be in a view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// The gateway is in the VPC whose view this is.
    Own,
    /// The gateway is in a spoke bound to the hub whose view this is.
    Binding {
        /// The binding.
        binding: String,
        /// The spoke.
        spoke: String,
    },
}

/// Whose view a VPC's resolver serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Its own (the VPC is standalone, a spoke that has not delegated, or a hub).
    Own,
    /// Its resolver is delegated to this hub.
    Delegated {
        /// The hub.
        hub: String,
    },
    /// Its resolver is manual and one of its servers is this hub's custom resolver.
    Manual {
        /// The hub.
        hub: String,
    },
}

/// One address a name resolves to, and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The reserved IP.
    pub address: Ipv4Addr,
    /// The endpoint gateway.
    pub gateway: String,
    /// The gateway's name.
    pub gateway_name: String,
    /// The VPC the gateway is in.
    pub vpc: String,
    /// The gateway's mode.
    pub mode: BindingMode,
    /// Why the view holds it.
    pub via: Via,
}

/// The names one resolver knows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    /// The VPC whose resolver this is (the hub's, for a delegated VPC).
    pub vpc: String,
    /// Exact names (lowercase, no trailing dot) to their answers.
    pub names: HashMap<String, Vec<Answer>>,
    /// Wildcard service endpoints: the suffix after `*.` to their answers.
    pub wildcards: Vec<(String, Vec<Answer>)>,
}

impl View {
    /// The answers for a lowercase name: an exact name first, then the longest wildcard that covers it.
    pub fn find(&self, name: &str) -> Option<&[Answer]> {
        if let Some(answers) = self.names.get(name) {
            return Some(answers);
        }
        self.wildcards
            .iter()
            .filter(|(suffix, _)| {
                name.len() > suffix.len() + 1
                    && name.ends_with(suffix.as_str())
                    && name.as_bytes()[name.len() - suffix.len() - 1] == b'.'
            })
            .max_by_key(|(suffix, _)| suffix.len())
            .map(|(_, answers)| answers.as_slice())
    }

    /// Whether a name has no records of its own but names below it exist (an empty non-terminal).
    pub fn is_empty_non_terminal(&self, name: &str) -> bool {
        let below = |candidate: &str| {
            candidate.len() > name.len()
                && candidate.ends_with(name)
                && candidate.as_bytes()[candidate.len() - name.len() - 1] == b'.'
        };
        self.names.keys().any(|n| below(n)) || self.wildcards.iter().any(|(suffix, _)| suffix == name || below(suffix))
    }
}

/// Every view, by the address that serves it, at one world revision.
#[derive(Clone, Debug, Default)]
pub struct Views {
    by_address: HashMap<Ipv4Addr, Arc<View>>,
    revision: u64,
}

impl Views {
    /// The view served at `address`.
    pub fn at(&self, address: Ipv4Addr) -> Option<&Arc<View>> {
        self.by_address.get(&address)
    }

    /// Every address that serves a view.
    pub fn addresses(&self) -> impl Iterator<Item = Ipv4Addr> + '_ {
        self.by_address.keys().copied()
    }

    /// The world revision the views were compiled from (used as the SOA serial).
    pub fn revision(&self) -> u64 {
        self.revision
    }
}

/// Which gateways a resolver of `vpc` sees, and whose resolver it really is.
fn seen(world: &World, vpc: &str) -> (Vec<(EndpointGateway, Via)>, String, Source) {
    let Some(this) = world.vpc(vpc) else { return (Vec::new(), vpc.to_owned(), Source::Own) };
    let hub_of_manual = || match &this.resolver {
        ResolverSetting::Manual(servers) => world
            .vpcs()
            .filter(|v| v.enable_hub)
            .find(|hub| {
                custom_resolver_addresses(world, &hub.id).iter().any(|a| servers.iter().any(|s| s.address == *a))
            })
            .map(|hub| hub.id.clone()),
        _ => None,
    };
    let (owner, source) = match &this.resolver {
        ResolverSetting::Delegated { vpc: hub } if world.vpc(hub).is_some() => {
            (hub.clone(), Source::Delegated { hub: hub.clone() })
        }
        _ => match hub_of_manual() {
            Some(hub) => (hub.clone(), Source::Manual { hub }),
            None => (vpc.to_owned(), Source::Own),
        },
    };
    let mut gateways: Vec<(EndpointGateway, Via)> = world.gateways_in(&owner).map(|g| (g.clone(), Via::Own)).collect();
    if world.vpc(&owner).is_some_and(|v| v.enable_hub) {
        for binding in spoke_bindings(world, &owner) {
            for gateway in world.gateways_in(&binding.spoke).filter(|g| g.mode.shared()) {
                gateways.push((
                    gateway.clone(),
                    Via::Binding { binding: binding.id.clone(), spoke: binding.spoke.clone() },
                ));
            }
        }
    }
    (gateways, owner, source)
}

/// Builds the view of a resolver from the gateways it sees. When two gateways serve one name, the topology's rules
/// leave only one `primary` among them; the view prefers the resolver's own gateway, then a `primary` one.
fn build(world: &World, owner: &str, gateways: &[(EndpointGateway, Via)]) -> View {
    let mut ranked: Vec<&(EndpointGateway, Via)> = gateways.iter().collect();
    ranked.sort_by_key(|(gateway, via)| (*via != Via::Own, gateway.mode != BindingMode::Primary, gateway.created_at));
    let mut view = View { vpc: owner.to_owned(), ..View::default() };
    for (gateway, via) in ranked {
        let answers: Vec<Answer> = world
            .gateway_ips(&gateway.id)
            .map(|ip| Answer {
                address: ip.address,
                gateway: gateway.id.clone(),
                gateway_name: gateway.name.clone(),
                vpc: gateway.vpc.clone(),
                mode: gateway.mode,
                via: via.clone(),
            })
            .collect();
        for endpoint in &gateway.service_endpoints {
            let name = endpoint.trim_end_matches('.').to_ascii_lowercase();
            match name.strip_prefix("*.") {
                Some(suffix) if !view.wildcards.iter().any(|(s, _)| s == suffix) => {
                    view.wildcards.push((suffix.to_owned(), answers.clone()))
                }
                Some(_) => {}
                None => {
                    view.names.entry(name).or_insert_with(|| answers.clone());
                }
            }
        }
    }
    view
}

/// Compiles every view of the world.
pub fn compile(world: &World) -> Views {
    let mut by_owner: HashMap<String, Arc<View>> = HashMap::new();
    let mut by_address = HashMap::new();
    let mut view_of = |vpc: &str| -> Arc<View> {
        let (gateways, owner, _) = seen(world, vpc);
        by_owner.entry(owner.clone()).or_insert_with(|| Arc::new(build(world, &owner, &gateways))).clone()
    };
    for vpc in world.vpcs() {
        by_address.insert(vpc.dns_endpoint, view_of(&vpc.id));
        // A VPC's custom resolver addresses answer with that VPC's view.
        for address in custom_resolver_addresses(world, &vpc.id) {
            by_address.insert(address, view_of(&vpc.id));
        }
    }
    Views { by_address, revision: world.revision() }
}

/// A name as one VPC's resolver sees it, with the reasons, for `hubspoke dns lookup`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lookup {
    /// The name asked (lowercase).
    pub name: String,
    /// Whose view answered, and why.
    pub source: Source,
    /// The VPC whose resolver answered.
    pub resolver_vpc: String,
    /// The answers; empty when the name is unknown.
    pub answers: Vec<Answer>,
    /// Whether a wildcard endpoint matched.
    pub wildcard: bool,
}

/// Looks a name up as `vpc` sees it.
pub fn lookup(world: &World, vpc: &str, name: &str) -> Lookup {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let (gateways, owner, source) = seen(world, vpc);
    let view = build(world, &owner, &gateways);
    let exact = view.names.contains_key(&name);
    let answers = view.find(&name).map(<[Answer]>::to_vec).unwrap_or_default();
    Lookup { wildcard: !exact && !answers.is_empty(), name, source, resolver_vpc: owner, answers }
}
