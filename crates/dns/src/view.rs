//! Per-VPC DNS views compiled from the VPC world.
//!
//! - Every VPC sees its own endpoint gateways, whatever their mode.
//! - A hub sees its own gateways and every attached spoke's `primary` and `per_resource_binding` gateways.
//! - A `per_resource_binding` gateway answers only the `service_endpoint` names of its resource bindings (wherever it
//!   is seen), not its service's other names: those are the hub's `primary` gateway's.
//! - A VPC whose resolver is delegated to a hub (or manual with a server that is one of the hub's custom resolver
//!   addresses) sees exactly the hub's view: its own `disabled` gateways no longer answer.
//! - The hub's custom resolver addresses serve the hub's view.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::resolver::{ResolverPlan, RulePlan, RuleView, SecondaryPlan, Selector, Service, Target};
use crate::secondary::Transferred;
use crate::zone::{Data, Input, Origin, Zone, ancestors};

use hubspoke_vpc::World;
use hubspoke_vpc::catalog::service_domain_of;
use hubspoke_vpc::model::{
    BindingMode, CustomResolver, DnsZone, EndpointGateway, ForwardingRuleKind, IpTarget, RecordData, ResolverSetting,
    ResourceBinding, ResourceRecord,
};
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
    /// The resource binding whose `service_endpoint` this is (a `per_resource_binding` gateway's answers only).
    pub resource_binding: Option<BoundResource>,
}

/// The resource binding behind an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundResource {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// The names one resolver knows.
#[derive(Clone, Debug, Default)]
pub struct View {
    /// The VPC whose resolver this is (the hub's, for a delegated VPC).
    pub vpc: String,
    /// The endpoint gateways' names, shared with the next compilation when no gateway the view sees changed.
    endpoints: Arc<EndpointNames>,
    /// The DNS Services zones permitted to the VPC (active ones), by apex; shared between views and revisions.
    zones: HashMap<String, Arc<Zone>>,
}

/// The endpoint gateways' names one resolver answers, kept so that a gateway, its addresses or a spoke's binding can
/// be added or taken out without compiling the view again: every name keeps each gateway that serves it, ranked, and
/// answers with the first. The maps are persistent, so a changed copy shares everything else with the view served.
#[derive(Clone, Debug, Default)]
struct EndpointNames {
    /// Exact names (lowercase, no trailing dot) to the gateways serving them, best ranked first.
    names: imbl::HashMap<String, Vec<Candidate>>,
    /// Wildcard service endpoints: the suffix after `*.` to the gateways serving it, best ranked first.
    wildcards: imbl::HashMap<String, Vec<Candidate>>,
    /// Every name inside a VPE service domain that has names below it (each proper ancestor of a name down to its
    /// service domain, each wildcard's suffix and its ancestors), with how many names and wildcards are at or below
    /// it, so an empty non-terminal is one lookup rather than a scan of the view. The service domain's parents
    /// (`ibm.com`, `cloud`) are outside every zone, not interior.
    interior: imbl::HashMap<String, u32>,
    /// The names each seen gateway added, by its key, to take them out again.
    added: imbl::OrdMap<SeenKey, Vec<(String, bool)>>,
    /// The attached spokes whose shared gateways the view sees (a hub's): binding id and spoke.
    attached: Vec<(String, String)>,
}

/// A seen gateway: the binding it is seen through (empty for the owner's own) and the gateway's id.
type SeenKey = (Arc<str>, Arc<str>);

/// One gateway serving a name in a view.
#[derive(Clone, Debug)]
struct Candidate {
    /// Lower ranks first: the resolver's own gateway, then a `primary` one, then the oldest; the key breaks ties.
    rank: (bool, bool, i64, SeenKey),
    answers: Vec<Answer>,
}

/// The zone of a view that holds a name: only the longest zone matching the name is searched.
#[derive(Clone, Copy, Debug)]
pub enum Selected<'v> {
    /// A VPE service domain: the endpoint gateways' names.
    Vpe(&'static str),
    /// A DNS Services zone.
    Zone(&'v Arc<Zone>),
}

impl View {
    /// The longest zone of the view that is `name` or a suffix of it, if any.
    pub fn select(&self, name: &str) -> Option<Selected<'_>> {
        let domain = service_domain_of(name);
        if !self.zones.is_empty() {
            for suffix in std::iter::once(name).chain(ancestors(name)) {
                if domain.is_some_and(|domain| domain.len() > suffix.len()) {
                    break;
                }
                if let Some(zone) = self.zones.get(suffix) {
                    return Some(Selected::Zone(zone));
                }
            }
        }
        domain.map(Selected::Vpe)
    }

    /// The same view with these DNS Services zones, for tests.
    #[cfg(any(test, feature = "fixture"))]
    pub fn with_zones(&self, zones: Vec<Arc<Zone>>) -> View {
        View { zones: zones.into_iter().map(|zone| (zone.apex.clone(), zone)).collect(), ..self.clone() }
    }

    /// The DNS Services zones of the view.
    pub fn zones(&self) -> impl Iterator<Item = &Arc<Zone>> {
        self.zones.values()
    }

    /// The answers for a lowercase name: an exact name first, then the longest wildcard that covers it.
    pub fn find(&self, name: &str) -> Option<&[Answer]> {
        self.endpoints.find(name)
    }

    /// Whether the view answers `name` itself (not through a wildcard).
    pub fn has_exact(&self, name: &str) -> bool {
        self.endpoints.names.contains_key(name)
    }

    /// Whether a name has no records of its own but names below it exist (an empty non-terminal).
    pub fn is_empty_non_terminal(&self, name: &str) -> bool {
        self.endpoints.interior.contains_key(name)
    }

    /// How many exact names and wildcards the view holds.
    pub fn len(&self) -> usize {
        self.endpoints.names.len() + self.endpoints.wildcards.len()
    }

    /// Whether the view holds no name at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl EndpointNames {
    fn find(&self, name: &str) -> Option<&[Answer]> {
        if let Some(candidates) = self.names.get(name) {
            return candidates.first().map(|best| best.answers.as_slice());
        }
        // Ancestors come longest first, so the first wildcard found is the most specific; a wildcard never covers
        // its own suffix, which `ancestors` never yields.
        ancestors(name)
            .find_map(|suffix| self.wildcards.get(suffix))
            .and_then(|candidates| candidates.first())
            .map(|best| best.answers.as_slice())
    }

    /// Adds what one seen gateway serves: its resource bindings' names for a `per_resource_binding` gateway, else its
    /// service endpoints.
    fn add_gateway(&mut self, index: &Index, world: &World, gateway: &EndpointGateway, via: Via) {
        let binding: Arc<str> = match &via {
            Via::Own => Arc::from(""),
            Via::Binding { binding, .. } => Arc::from(binding.as_str()),
        };
        let key: SeenKey = (binding, Arc::from(gateway.id.as_str()));
        let rank = (via != Via::Own, gateway.mode != BindingMode::Primary, gateway.created_at.0, key.clone());
        let answers = |resource_binding: Option<&ResourceBinding>| -> Vec<Answer> {
            index
                .addresses(&gateway.id)
                .map(|address| Answer {
                    address,
                    gateway: gateway.id.clone(),
                    gateway_name: gateway.name.clone(),
                    vpc: gateway.vpc.clone(),
                    mode: gateway.mode,
                    via: via.clone(),
                    resource_binding: resource_binding
                        .map(|binding| BoundResource { id: binding.id.clone(), name: binding.name.clone() }),
                })
                .collect()
        };
        let mut added = Vec::new();
        if gateway.mode == BindingMode::PerResourceBinding {
            // Local access: only the bound resources' names, each answered by this gateway.
            for binding in world.resource_bindings_of(&gateway.id) {
                let name = binding.service_endpoint.trim_end_matches('.').to_ascii_lowercase();
                let answers = answers(Some(binding));
                self.insert(&name, false, Candidate { rank: rank.clone(), answers });
                added.push((name, false));
            }
        } else {
            let answers = answers(None);
            for endpoint in &gateway.service_endpoints {
                let name = endpoint.trim_end_matches('.').to_ascii_lowercase();
                let (name, wildcard) = match name.strip_prefix("*.") {
                    Some(suffix) => (suffix.to_owned(), true),
                    None => (name, false),
                };
                self.insert(&name, wildcard, Candidate { rank: rank.clone(), answers: answers.clone() });
                added.push((name, wildcard));
            }
        }
        self.added.insert(key, added);
    }

    /// Takes out everything one seen gateway added.
    fn remove_gateway(&mut self, key: &SeenKey) {
        let Some(added) = self.added.remove(key) else { return };
        for (name, wildcard) in added {
            let map = if wildcard { &mut self.wildcards } else { &mut self.names };
            let Some(candidates) = map.get_mut(&name) else { continue };
            candidates.retain(|candidate| candidate.rank.3 != *key);
            if candidates.is_empty() {
                map.remove(&name);
                self.count_interior(&name, wildcard, false);
            }
        }
    }

    /// Puts a gateway among a name's candidates, after those ranked before or equal to it (so the first added of
    /// two equal ones stays first).
    fn insert(&mut self, name: &str, wildcard: bool, candidate: Candidate) {
        let map = if wildcard { &mut self.wildcards } else { &mut self.names };
        let candidates = map.entry(name.to_owned()).or_default();
        let at = candidates.partition_point(|other| other.rank <= candidate.rank);
        candidates.insert(at, candidate);
        if candidates.len() == 1 {
            self.count_interior(name, wildcard, true);
        }
    }

    /// Counts a name or wildcard suffix that appeared (or, with `added` false, disappeared): every ancestor of it
    /// down to its service domain, and a wildcard's suffix itself, has one more (or one fewer) name at or below it.
    fn count_interior(&mut self, name: &str, wildcard: bool, added: bool) {
        // Only names inside the service domain exist in its zone; a name outside every domain counts nowhere.
        let Some(floor) = service_domain_of(name).map(str::len) else { return };
        let own = wildcard.then_some(name);
        for counted in own.into_iter().chain(ancestors(name).take_while(|ancestor| ancestor.len() >= floor)) {
            if added {
                *self.interior.entry(counted.to_owned()).or_default() += 1;
            } else if let Some(count) = self.interior.get_mut(counted) {
                *count -= 1;
                if *count == 0 {
                    self.interior.remove(counted);
                }
            }
        }
    }
}

/// Every service, by the address that serves it, at one world revision, with the secondary zones' transferred
/// copies as they stood when the value was made.
#[derive(Clone, Debug, Default)]
pub struct Views {
    by_address: HashMap<Ipv4Addr, Service>,
    secondaries: Arc<HashMap<String, Arc<Transferred>>>,
    revision: u64,
}

impl Views {
    /// What is served at `address`.
    pub fn at(&self, address: Ipv4Addr) -> Option<&Service> {
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

    /// The state of a secondary zone's copy, by the secondary zone's id.
    pub fn transferred(&self, secondary: &str) -> Option<&Arc<Transferred>> {
        self.secondaries.get(secondary)
    }

    /// Every custom resolver served, once each.
    pub fn resolvers(&self) -> Vec<&Arc<ResolverPlan>> {
        let mut plans: Vec<&Arc<ResolverPlan>> = self
            .by_address
            .values()
            .filter_map(|service| match service {
                Service::Resolver(plan) => Some(plan),
                Service::System(_) => None,
            })
            .collect();
        plans.sort_by(|a, b| a.id.cmp(&b.id));
        plans.dedup_by(|a, b| Arc::ptr_eq(a, b));
        plans
    }

    /// The transferred copies these views answer from.
    pub fn secondaries_snapshot(&self) -> Arc<HashMap<String, Arc<Transferred>>> {
        self.secondaries.clone()
    }

    /// Views made by hand from services, for tests of resolution over plans the world cannot express yet.
    #[cfg(any(test, feature = "fixture"))]
    pub fn assemble(
        by_address: HashMap<Ipv4Addr, Service>,
        secondaries: HashMap<String, Arc<Transferred>>,
        revision: u64,
    ) -> Views {
        Views { by_address, secondaries: Arc::new(secondaries), revision }
    }

    /// The same views with other transferred copies.
    pub fn with_secondaries(&self, secondaries: Arc<HashMap<String, Arc<Transferred>>>) -> Views {
        Views { by_address: self.by_address.clone(), secondaries, revision: self.revision }
    }
}

/// The endpoint gateways' addresses by gateway (reserved IP id to address): built once, then kept by the compile
/// cache and updated from each change, so that a view's answers are found without a pass over the world. (The world
/// itself indexes gateways by VPC and resource bindings by gateway.)
#[derive(Clone, Debug, Default)]
struct Index {
    ips: HashMap<String, BTreeMap<String, Ipv4Addr>>,
}

/// What a change touched, as far as endpoint names go.
#[derive(Debug, Default)]
struct Touched {
    /// Gateways whose entity, addresses or resource bindings changed.
    gateways: BTreeSet<String>,
    /// VPCs made or unmade hubs, created or deleted.
    vpcs: HashSet<String>,
    /// Hubs one of whose bindings changed.
    hubs: HashSet<String>,
}

impl Index {
    fn of(world: &World) -> Index {
        let mut index = Index::default();
        for ip in world.reserved_ips() {
            if let Some(IpTarget::EndpointGateway(gateway)) = &ip.target {
                index.ips.entry(gateway.clone()).or_default().insert(ip.id.clone(), ip.address);
            }
        }
        index
    }

    /// Brings the index from `older` to `world` and says what changed, in time proportional to the changes.
    fn update(&mut self, older: &World, world: &World) -> Touched {
        let mut touched = Touched::default();
        for gateway in world.gateway_changes(older).flat_map(|(old, new)| old.into_iter().chain(new)) {
            touched.gateways.insert(gateway.id.clone());
        }
        for (old, new) in world.reserved_ip_changes(older) {
            if let Some(IpTarget::EndpointGateway(gateway)) = old.and_then(|ip| ip.target.as_ref()) {
                if let Some(ips) = self.ips.get_mut(gateway) {
                    ips.remove(&old.map(|ip| ip.id.clone()).unwrap_or_default());
                    if ips.is_empty() {
                        self.ips.remove(gateway);
                    }
                }
                touched.gateways.insert(gateway.clone());
            }
            if let Some(new) = new
                && let Some(IpTarget::EndpointGateway(gateway)) = &new.target
            {
                self.ips.entry(gateway.clone()).or_default().insert(new.id.clone(), new.address);
                touched.gateways.insert(gateway.clone());
            }
        }
        for binding in world.resource_binding_changes(older).flat_map(|(old, new)| old.into_iter().chain(new)) {
            touched.gateways.insert(binding.gateway.clone());
        }
        for binding in world.binding_changes(older).flat_map(|(old, new)| old.into_iter().chain(new)) {
            touched.hubs.insert(binding.hub.clone());
        }
        // Only whether a VPC is a hub changes what its names are made of; its name or resolver setting do not.
        for (old, new) in world.vpc_changes(older) {
            if old.map(|vpc| vpc.enable_hub) != new.map(|vpc| vpc.enable_hub) {
                touched.vpcs.extend(old.or(new).map(|vpc| vpc.id.clone()));
            }
        }
        touched
    }

    fn addresses(&self, gateway: &str) -> impl Iterator<Item = Ipv4Addr> + '_ {
        self.ips.get(gateway).into_iter().flat_map(|ips| ips.values().copied())
    }
}

/// Whose resolver a resolver of `vpc` really is, and why.
pub fn owner_of(world: &World, vpc: &str) -> (String, Source) {
    let Some(this) = world.vpc(vpc) else { return (vpc.to_owned(), Source::Own) };
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
    match &this.resolver {
        ResolverSetting::Delegated { vpc: hub } if world.vpc(hub).is_some() => {
            (hub.clone(), Source::Delegated { hub: hub.clone() })
        }
        _ => match hub_of_manual() {
            Some(hub) => (hub.clone(), Source::Manual { hub }),
            None => (vpc.to_owned(), Source::Own),
        },
    }
}

/// The spokes attached to `owner` when it is a hub (binding id and spoke), whose shared gateways its resolver sees.
fn attachments(world: &World, owner: &str) -> Vec<(String, String)> {
    if !world.vpc(owner).is_some_and(|vpc| vpc.enable_hub) {
        return Vec::new();
    }
    spoke_bindings(world, owner).map(|binding| (binding.id.clone(), binding.spoke.clone())).collect()
}

/// The endpoint names of the resolver of `owner`, compiled whole: its own gateways, and, for a hub, every attached
/// spoke's shared ones. When two gateways serve one name, the topology's rules leave only one `primary` among them;
/// the view prefers the resolver's own gateway, then a `primary` one, then the oldest.
fn build(index: &Index, world: &World, owner: &str) -> EndpointNames {
    let mut names = EndpointNames { attached: attachments(world, owner), ..EndpointNames::default() };
    for gateway in world.gateways_in(owner) {
        names.add_gateway(index, world, gateway, Via::Own);
    }
    for (binding, spoke) in names.attached.clone() {
        let via = Via::Binding { binding: binding.clone(), spoke: spoke.clone() };
        for gateway in world.gateways_in(&spoke).filter(|g| g.mode.shared()) {
            names.add_gateway(index, world, gateway, via.clone());
        }
    }
    names
}

/// The endpoint names of `owner` brought up to `world` from `names` (compiled for the world before), touching only
/// what changed: spokes attached or detached, and the gateways whose entity, addresses or resource bindings changed.
fn update(names: &EndpointNames, index: &Index, world: &World, owner: &str, touched: &Touched) -> EndpointNames {
    let mut names = names.clone();
    let attached = attachments(world, owner);
    let before = names.attached.clone();
    let mut bindings = before.clone();
    if attached != before {
        for (binding, spoke) in &before {
            if !attached.contains(&(binding.clone(), spoke.clone())) {
                for gateway in world.gateways_in(spoke) {
                    names.remove_gateway(&(Arc::from(binding.as_str()), Arc::from(gateway.id.as_str())));
                }
            }
        }
        for (binding, spoke) in &attached {
            if before.contains(&(binding.clone(), spoke.clone())) {
                continue;
            }
            let via = Via::Binding { binding: binding.clone(), spoke: spoke.clone() };
            for gateway in world.gateways_in(spoke).filter(|g| g.mode.shared()) {
                names.remove_gateway(&(Arc::from(binding.as_str()), Arc::from(gateway.id.as_str())));
                names.add_gateway(index, world, gateway, via.clone());
            }
        }
        bindings.extend(attached.iter().cloned());
        names.attached = attached.clone();
    }
    for id in &touched.gateways {
        let gateway_key: Arc<str> = Arc::from(id.as_str());
        names.remove_gateway(&(Arc::from(""), gateway_key.clone()));
        for (binding, _) in &bindings {
            names.remove_gateway(&(Arc::from(binding.as_str()), gateway_key.clone()));
        }
        let Some(gateway) = world.gateway(id) else { continue };
        if gateway.vpc == owner {
            names.add_gateway(index, world, gateway, Via::Own);
        } else if gateway.mode.shared() {
            for (binding, spoke) in attached.iter().filter(|(_, spoke)| *spoke == gateway.vpc) {
                let via = Via::Binding { binding: binding.clone(), spoke: spoke.clone() };
                names.add_gateway(index, world, gateway, via);
            }
        }
    }
    names
}

/// Compiles every view of the world.
pub fn compile(world: &World) -> Views {
    compile_with(world, &mut CompileCache::default())
}

/// What one compilation keeps for the next, so that a change recompiles only what it touched: the world compiled,
/// every owner's endpoint-gateway names, and every DNS Services zone.
#[derive(Debug, Default)]
pub struct CompileCache {
    world: Option<World>,
    index: Index,
    endpoints: HashMap<String, Arc<EndpointNames>>,
    zones: HashMap<String, (DnsZone, Arc<Zone>)>,
}

/// Compiles every view of the world, reusing from `cache` what the changes since its world did not touch.
pub fn compile_with(world: &World, cache: &mut CompileCache) -> Views {
    let previous = cache.world.take();
    // The first compilation indexes the whole world; every later one updates the index from the changes.
    let touched = match &previous {
        Some(previous) => Some(cache.index.update(previous, world)),
        None => {
            cache.index = Index::of(world);
            None
        }
    };
    let index = &cache.index;
    let mut endpoints = std::mem::take(&mut cache.endpoints);
    let zones = private_zones(world, previous.as_ref(), &mut cache.zones);
    let mut by_owner: HashMap<String, Arc<View>> = HashMap::new();
    let mut view_of = |owner: &str| -> Arc<View> {
        by_owner
            .entry(owner.to_owned())
            .or_insert_with_key(|owner| {
                let names = match (endpoints.get(owner), &touched) {
                    (Some(names), Some(touched)) if !touched.vpcs.contains(owner) => {
                        if touched.gateways.is_empty() && !touched.hubs.contains(owner) {
                            names.clone()
                        } else {
                            Arc::new(update(names, index, world, owner, touched))
                        }
                    }
                    _ => Arc::new(build(index, world, owner)),
                };
                endpoints.insert(owner.clone(), names.clone());
                Arc::new(View { vpc: owner.clone(), endpoints: names, zones: zones.permitted_to(owner) })
            })
            .clone()
    };
    let mut by_address = HashMap::new();
    let mut plans: HashMap<String, Arc<ResolverPlan>> = HashMap::new();
    let locations: HashSet<Ipv4Addr> = world.vpcs().flat_map(|vpc| custom_resolver_addresses(world, &vpc.id)).collect();
    for (resolver, vpc, address) in resolver_locations(world) {
        let plan = plans
            .entry(resolver.id.clone())
            .or_insert_with(|| Arc::new(plan_of(world, resolver, &vpc, address, view_of(&vpc), &locations)))
            .clone();
        by_address.insert(address, Service::Resolver(plan));
    }
    for vpc in world.vpcs() {
        let (owner, source) = owner_of(world, &vpc.id);
        // A VPC whose resolver is its hub's resolves through the hub's custom resolver when the hub has one.
        let through = match source {
            Source::Own => None,
            Source::Delegated { .. } | Source::Manual { .. } => {
                plans.values().filter(|plan| plan.vpc == owner).min_by(|a, b| a.id.cmp(&b.id)).cloned()
            }
        };
        let service = match through {
            Some(plan) => Service::Resolver(plan),
            None => Service::System(view_of(&owner)),
        };
        by_address.insert(vpc.dns_endpoint, service);
    }
    // Only the owners served now are kept: a deleted VPC's names leave the cache. An owner whose view no address
    // served this time is dropped too, and compiled whole if it is served again.
    endpoints.retain(|owner, _| by_owner.contains_key(owner));
    cache.endpoints = endpoints;
    cache.world = Some(world.clone());
    Views { by_address, secondaries: Arc::default(), revision: world.revision() }
}

/// The enabled locations of enabled custom resolvers, with the VPC of each location's subnet and its address.
fn resolver_locations(world: &World) -> Vec<(&CustomResolver, String, Ipv4Addr)> {
    let mut found = Vec::new();
    for resolver in world.resolvers().filter(|resolver| resolver.enabled) {
        for location in resolver.locations.iter().filter(|location| location.enabled) {
            let vpc = world.subnet(&location.subnet).map(|subnet| subnet.vpc.clone());
            if let (Some(vpc), Some(ip)) = (vpc, world.reserved_ip(&location.reserved_ip)) {
                found.push((resolver, vpc, ip.address));
            }
        }
    }
    found
}

/// The DNS Services zones of the world, compiled, by the VPC they are permitted to.
#[derive(Default)]
struct PrivateZones {
    by_network: HashMap<String, HashMap<String, Arc<Zone>>>,
}

impl PrivateZones {
    fn permitted_to(&self, vpc: &str) -> HashMap<String, Arc<Zone>> {
        self.by_network.get(vpc).cloned().unwrap_or_default()
    }
}

/// Compiles the world's active DNS Services zones, each once. A zone cached from `previous` is kept when its own
/// fields did not change, and patched with the records that did; only a new zone, or one whose name or instance
/// changed, or one that most of its records changed, is compiled from all of its records.
fn private_zones(
    world: &World,
    previous: Option<&World>,
    cache: &mut HashMap<String, (DnsZone, Arc<Zone>)>,
) -> PrivateZones {
    let mut changed: HashMap<&str, (Vec<Input>, Vec<Input>)> = HashMap::new();
    if let Some(previous) = previous {
        for (old, new) in world.record_changes(previous) {
            if let Some(old) = old {
                changed.entry(old.zone.as_str()).or_default().0.push(input_of(old));
            }
            if let Some(new) = new {
                changed.entry(new.zone.as_str()).or_default().1.push(input_of(new));
            }
        }
    }
    // Zones in creation order, so that when two zones of one name are permitted to one VPC (the rules refuse it)
    // the older one is served, whatever the order of ids.
    let mut zones: Vec<&DnsZone> = world.dns_zones().filter(|zone| zone.is_active()).collect();
    zones.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    let mut kept = HashMap::new();
    let mut whole = Vec::new();
    for zone in &zones {
        let reusable = previous.is_some()
            && cache.get(&zone.id).is_some_and(|(known, compiled)| {
                known.name == zone.name
                    && known.instance == zone.instance
                    && changed.get(zone.id.as_str()).is_none_or(|(_, added)| added.len() * 2 <= compiled.len().max(1))
            });
        match cache.remove(&zone.id) {
            Some((_, compiled)) if reusable => {
                let compiled = match changed.get(zone.id.as_str()) {
                    Some((removed, added)) => Arc::new(compiled.patched(removed, added)),
                    None => compiled,
                };
                kept.insert(zone.id.clone(), ((*zone).clone(), compiled));
            }
            _ => whole.push(zone.id.as_str()),
        }
    }
    if !whole.is_empty() {
        // One pass over every record gathers the records of the zones compiled whole.
        let mut records: HashMap<&str, Vec<Input>> = whole.iter().map(|id| (*id, Vec::new())).collect();
        for record in world.records() {
            if let Some(inputs) = records.get_mut(record.zone.as_str()) {
                inputs.push(input_of(record));
            }
        }
        for zone in &zones {
            let Some(inputs) = records.remove(zone.id.as_str()) else { continue };
            let origin = Origin::Private { id: zone.id.clone(), instance: zone.instance.clone() };
            kept.insert(zone.id.clone(), ((*zone).clone(), Arc::new(Zone::compile(&zone.name, origin, inputs))));
        }
    }
    let mut by_network: HashMap<String, HashMap<String, Arc<Zone>>> = HashMap::new();
    for zone in zones {
        let Some((_, compiled)) = kept.get(&zone.id) else { continue };
        for network in &zone.permitted_networks {
            by_network.entry(network.vpc.clone()).or_default().entry(compiled.apex.clone()).or_insert(compiled.clone());
        }
    }
    // Zones deleted or no longer active leave the cache.
    *cache = kept;
    PrivateZones { by_network }
}

/// A resource record as a zone compiles it.
fn input_of(record: &ResourceRecord) -> Input {
    Input { id: record.id.clone(), name: record.name.clone(), ttl: record.ttl, data: data_of(&record.data) }
}

/// A record's data as the data plane answers it.
fn data_of(data: &RecordData) -> Data {
    match data {
        RecordData::A(address) => Data::A(*address),
        RecordData::Aaaa(address) => Data::Aaaa(*address),
        RecordData::Cname(target) => Data::Cname(target.clone()),
        RecordData::Mx { exchange, preference } => Data::Mx { preference: *preference, exchange: exchange.clone() },
        RecordData::Srv { priority, weight, port, target, .. } => {
            Data::Srv { priority: *priority, weight: *weight, port: *port, target: target.clone() }
        }
        RecordData::Txt(text) => Data::Txt(text.clone()),
        RecordData::Ptr(target) => Data::Ptr(target.clone()),
    }
}

/// Compiles one custom resolver: its enabled secondary zones, its zone forwarding rules and its default rule (a
/// resolver without one answers privately, as a default rule to 161.26.0.7 and .8 does).
fn plan_of(
    world: &World,
    resolver: &CustomResolver,
    vpc: &str,
    address: Ipv4Addr,
    private: Arc<View>,
    locations: &HashSet<Ipv4Addr>,
) -> ResolverPlan {
    let mut plan = ResolverPlan::private_only(&resolver.id, &resolver.name, vpc, address, private);
    let targets = |targets: &[hubspoke_vpc::model::Target]| -> Vec<Target> {
        targets.iter().map(|t| Target::of(t.address, t.port, |a| locations.contains(&a))).collect()
    };
    for rule in world.forwarding_rules_of(&resolver.id) {
        let compiled = RulePlan {
            id: rule.id.clone(),
            matches: rule.matches.trim_end_matches('.').to_ascii_lowercase(),
            forward_to: targets(&rule.forward_to),
            views: rule
                .views
                .iter()
                .map(|view| {
                    let expression = view.expression.clone();
                    RuleView {
                        name: view.name.clone(),
                        expression: expression.text().to_owned(),
                        forward_to: targets(&view.forward_to),
                        selector: Selector::new(move |client| expression.evaluate(client)),
                    }
                })
                .collect(),
        };
        match rule.kind {
            ForwardingRuleKind::Default => plan.default = compiled,
            ForwardingRuleKind::Zone => plan.rules.push(compiled),
        }
    }
    plan.secondaries = world
        .secondary_zones_of(&resolver.id)
        .into_iter()
        .filter(|zone| zone.enabled)
        .map(|zone| SecondaryPlan {
            id: zone.id.clone(),
            zone: zone.zone.trim_end_matches('.').to_ascii_lowercase(),
            transfer_from: zone.transfer_from.iter().map(|t| t.socket()).collect(),
        })
        .collect();
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Compiling a world with what the previous compilation kept answers every question exactly as compiling it
    /// from scratch, through a sequence of changes of every kind the cache reuses or patches.
    #[test]
    fn compiling_with_the_cache_agrees_with_compiling_afresh() {
        use crate::answer::{Reply, Settings, Transport, respond};
        use crate::fixture::{self, HUB_ENDPOINT, SPOKE_ENDPOINT};
        use hickory_proto::op::{Message, MessageType, OpCode, Query};
        use hickory_proto::rr::{Name, RecordType};
        use hubspoke_vpc::model::{RecordData, ResolverSetting};
        use hubspoke_vpc::world::{Entity, EntityKey};
        const EU_COS: &str = "s3.direct.eu-de.cloud-object-storage.appdomain.cloud";

        let a = |last: u8| RecordData::A(Ipv4Addr::new(10, 9, 0, last));
        let record = |id: &str, name: &str, data| fixture::resource_record(id, "zone", 1, name, data);
        let mut base = fixture::entities(false, true);
        base.push(fixture::instance("instance", 1));
        base.push(fixture::zone("zone", "instance", 1, "corp.example", &["hub"]));
        base.push(record("www", "www.corp.example", a(1)));
        let record_key = |id: &str| EntityKey::ResourceRecord(id.into());
        let gateway = |id: &str, mode: BindingMode, endpoints: &[&str], last: u8| {
            fixture::gateway(id, "spoke", 2, endpoints, mode, [10, 2, 9, last]).split_off(1)
        };
        let kms = |mode| gateway("spoke-kms", mode, &["private.us-south.kms.cloud.ibm.com"], 5).split_off(1);
        let steps: Vec<(&str, Vec<Entity>, Vec<EntityKey>)> = vec![
            ("bind the spoke", vec![fixture::binding(true)], vec![]),
            ("add a record", vec![record("api", "api.team.corp.example", a(2))], vec![]),
            ("change a record", vec![record("www", "www.corp.example", a(3))], vec![]),
            ("add a wildcard", vec![record("wild", "*.dev.corp.example", a(4))], vec![]),
            ("delete a record", vec![], vec![record_key("api")]),
            (
                "a bound spoke gains a gateway",
                gateway("spoke-cos", BindingMode::Primary, &[EU_COS, fixture::COS], 7),
                vec![],
            ),
            ("a spoke gateway is disabled", kms(BindingMode::Disabled), vec![]),
            ("an address is released", vec![], vec![EntityKey::ReservedIp("spoke-db-ip".into())]),
            (
                "the hub stops being a hub",
                vec![fixture::vpc("hub", 1, false, HUB_ENDPOINT, ResolverSetting::System)],
                vec![],
            ),
            (
                "the hub is a hub again",
                vec![fixture::vpc("hub", 1, true, HUB_ENDPOINT, ResolverSetting::System)],
                vec![],
            ),
            ("a spoke gateway is enabled", kms(BindingMode::Primary), vec![]),
            ("a spoke gateway is deleted", vec![], vec![EntityKey::Gateway("spoke-cos".into())]),
            ("unbind the spoke", vec![fixture::binding(false)], vec![]),
            (
                "permit the zone to the spoke",
                vec![fixture::zone("zone", "instance", 1, "corp.example", &["hub", "spoke"])],
                vec![],
            ),
            ("rename the zone", vec![fixture::zone("zone", "instance", 1, "corp.test", &["hub", "spoke"])], vec![]),
        ];
        let asked = [
            fixture::COS,
            EU_COS,
            "x.private.databases.appdomain.cloud",
            "private.us-south.kms.cloud.ibm.com",
            "www.corp.example",
            "api.team.corp.example",
            "team.corp.example",
            "x.dev.corp.example",
            "dev.corp.example",
            "corp.example",
            "missing.corp.example",
            "www.corp.test",
        ];
        let answers = |views: &Views| -> Vec<String> {
            let mut all = Vec::new();
            for at in [HUB_ENDPOINT, SPOKE_ENDPOINT] {
                for name in asked {
                    for kind in [RecordType::A, RecordType::SOA] {
                        let mut message = Message::new(7, MessageType::Query, OpCode::Query);
                        message.add_query(Query::query(Name::from_ascii(name).unwrap(), kind));
                        let packet = message.to_vec().unwrap();
                        let settings = Settings { ttl: 30, upstream: None };
                        let client = std::net::IpAddr::V4(Ipv4Addr::new(10, 2, 0, 9));
                        let reply = respond(views, at, client, &packet, Transport::Udp, settings);
                        let text = match reply {
                            Reply::Send(bytes) => format!("{:?}", Message::from_vec(&bytes).unwrap()),
                            other => format!("{other:?}"),
                        };
                        all.push(format!("{at} {name} {kind}: {text}"));
                    }
                }
            }
            all
        };
        let mut cache = CompileCache::default();
        let mut world = World::from_entities(base, 1);
        assert_eq!(answers(&compile_with(&world, &mut cache)), answers(&compile(&world)));
        for (step, put, deleted) in steps {
            let mut draft = world.draft();
            for entity in put {
                draft.put(entity);
            }
            for key in deleted {
                draft.remove(key);
            }
            world = draft.finish().0.at_revision(world.revision() + 1);
            assert_eq!(answers(&compile_with(&world, &mut cache)), answers(&compile(&world)), "after: {step}");
        }
    }

    /// Names over a few short labels inside a service domain, so that generated names often share suffixes.
    fn name() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(vec!["a", "b", "c", "ab"]), 1..5)
            .prop_map(|labels| format!("{}.appdomain.cloud", labels.join(".")))
    }

    /// A name to ask: a generated one, the service domain, or one of its parents (outside every zone).
    fn asked() -> impl Strategy<Value = String> {
        prop_oneof![name(), Just("appdomain.cloud".to_owned()), Just("cloud".to_owned())]
    }

    fn view_of(names: &[String], wildcards: &[String]) -> View {
        let mut endpoints = EndpointNames::default();
        let candidate = |n: usize| Candidate {
            rank: (false, false, n as i64, (Arc::from(""), Arc::from(n.to_string().as_str()))),
            answers: vec![answer(n)],
        };
        for (n, name) in names.iter().enumerate() {
            endpoints.insert(name, false, candidate(n));
        }
        for (n, suffix) in wildcards.iter().enumerate() {
            endpoints.insert(suffix, true, candidate(1000 + n));
        }
        View { endpoints: Arc::new(endpoints), ..View::default() }
    }

    fn answer(n: usize) -> Answer {
        Answer {
            address: Ipv4Addr::from(n as u32),
            gateway: n.to_string(),
            gateway_name: n.to_string(),
            vpc: "vpc".into(),
            mode: BindingMode::Primary,
            via: Via::Own,
            resource_binding: None,
        }
    }

    /// Whether `name` lies strictly below `ancestor`.
    fn below(name: &str, ancestor: &str) -> bool {
        name.len() > ancestor.len() + 1
            && name.ends_with(ancestor)
            && name.as_bytes()[name.len() - ancestor.len() - 1] == b'.'
    }

    proptest! {
        /// The indexed lookups agree with the definitions, written as scans over every name: an exact name, else the
        /// longest wildcard suffix strictly above the name; an empty non-terminal is a name inside the service domain
        /// with a name or a wildcard below it, or a wildcard's own suffix.
        #[test]
        fn indexed_lookups_agree_with_scans(
            names in prop::collection::vec(name(), 0..12),
            wildcards in prop::collection::vec(name(), 0..4),
            asked in asked(),
        ) {
            let view = view_of(&names, &wildcards);
            let best = |candidates: &Vec<Candidate>| candidates[0].answers.clone();
            let expected = view.endpoints.names.get(&asked).map(best).or_else(|| {
                view.endpoints.wildcards
                    .iter()
                    .filter(|(suffix, _)| below(&asked, suffix))
                    .max_by_key(|(suffix, _)| suffix.len())
                    .map(|(_, candidates)| best(candidates))
            });
            prop_assert_eq!(view.find(&asked).map(<[Answer]>::to_vec), expected);
            // A service domain's parents are outside every zone: never an empty non-terminal.
            let interior = crate::zone::within(&asked, "appdomain.cloud")
                && (names.iter().any(|n| below(n, &asked))
                    || wildcards.iter().any(|suffix| *suffix == asked || below(suffix, &asked)));
            prop_assert_eq!(view.is_empty_non_terminal(&asked), interior);
        }
    }
}
