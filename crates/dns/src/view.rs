//! Per-VPC DNS views compiled from the VPC world.
//!
//! - Every VPC sees its own endpoint gateways, whatever their mode.
//! - A hub sees its own gateways and every attached spoke's `primary` and `per_resource_binding` gateways.
//! - A `per_resource_binding` gateway answers only the `service_endpoint` names of its resource bindings (wherever it
//!   is seen), not its service's other names: those are the hub's `primary` gateway's.
//! - A VPC whose resolver is delegated to a hub (or manual with a server that is one of the hub's custom resolver
//!   addresses) sees exactly the hub's view: its own `disabled` gateways no longer answer.
//! - The hub's custom resolver addresses serve the hub's view.

use std::collections::{HashMap, HashSet};
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

/// The endpoint gateways' names one resolver answers.
#[derive(Clone, Debug, Default)]
struct EndpointNames {
    /// Exact names (lowercase, no trailing dot) to their answers.
    names: HashMap<String, Vec<Answer>>,
    /// Wildcard service endpoints: the suffix after `*.` to their answers.
    wildcards: HashMap<String, Vec<Answer>>,
    /// Every name inside a VPE service domain that has names below it (each proper ancestor of a name down to its
    /// service domain, each wildcard's suffix and its ancestors), so an empty non-terminal is one lookup rather than a
    /// scan of the view. The service domain's parents (`ibm.com`, `cloud`) are outside every zone, not interior.
    interior: HashSet<String>,
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
        if let Some(answers) = self.endpoints.names.get(name) {
            return Some(answers);
        }
        // Ancestors come longest first, so the first wildcard found is the most specific; a wildcard never covers
        // its own suffix, which `ancestors` never yields.
        ancestors(name).find_map(|suffix| self.endpoints.wildcards.get(suffix)).map(Vec::as_slice)
    }

    /// Whether the view answers `name` itself (not through a wildcard).
    pub fn has_exact(&self, name: &str) -> bool {
        self.endpoints.names.contains_key(name)
    }

    /// Whether a name has no records of its own but names below it exist (an empty non-terminal).
    pub fn is_empty_non_terminal(&self, name: &str) -> bool {
        self.endpoints.interior.contains(name)
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
    /// Adds an exact name, unless the view already answers it (the first gateway ranked wins).
    fn add_name(&mut self, name: String, answers: &[Answer]) {
        if !self.names.contains_key(&name) {
            self.mark_interior(&name);
            self.names.insert(name, answers.to_vec());
        }
    }

    /// Adds a wildcard by the suffix after its `*.`, unless the view already has it; the suffix itself then has names
    /// below it.
    fn add_wildcard(&mut self, suffix: &str, answers: &[Answer]) {
        if !self.wildcards.contains_key(suffix) {
            if service_domain_of(suffix).is_some() {
                self.interior.insert(suffix.to_owned());
            }
            self.mark_interior(suffix);
            self.wildcards.insert(suffix.to_owned(), answers.to_vec());
        }
    }

    fn mark_interior(&mut self, below: &str) {
        // Only names inside the service domain exist in its zone; a name outside every domain marks nothing.
        let floor = service_domain_of(below).map_or(usize::MAX, str::len);
        for ancestor in ancestors(below) {
            // Ancestors of an already marked name are marked too.
            if ancestor.len() < floor || !self.interior.insert(ancestor.to_owned()) {
                break;
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

/// The world's gateways by VPC and reserved IPs by gateway, gathered in one pass so that compiling every view costs
/// time in proportion to the world, not to its square.
struct Index<'w> {
    gateways: HashMap<&'w str, Vec<&'w EndpointGateway>>,
    ips: HashMap<&'w str, Vec<Ipv4Addr>>,
    resource_bindings: HashMap<&'w str, Vec<&'w ResourceBinding>>,
}

impl<'w> Index<'w> {
    fn of(world: &'w World) -> Index<'w> {
        let mut gateways: HashMap<&str, Vec<&EndpointGateway>> = HashMap::new();
        for gateway in world.gateways() {
            gateways.entry(gateway.vpc.as_str()).or_default().push(gateway);
        }
        let mut ips: HashMap<&str, Vec<Ipv4Addr>> = HashMap::new();
        for ip in world.reserved_ips() {
            if let Some(IpTarget::EndpointGateway(gateway)) = &ip.target {
                ips.entry(gateway.as_str()).or_default().push(ip.address);
            }
        }
        let mut resource_bindings: HashMap<&str, Vec<&ResourceBinding>> = HashMap::new();
        for binding in world.resource_bindings() {
            resource_bindings.entry(binding.gateway.as_str()).or_default().push(binding);
        }
        Index { gateways, ips, resource_bindings }
    }

    fn gateways_in(&self, vpc: &str) -> impl Iterator<Item = &'w EndpointGateway> + '_ {
        self.gateways.get(vpc).into_iter().flatten().copied()
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

/// The gateways the resolver of `owner` sees: its own, and, for a hub, every attached spoke's shared ones.
fn seen<'w>(world: &'w World, index: &Index<'w>, owner: &str) -> Vec<(&'w EndpointGateway, Via)> {
    let mut gateways: Vec<(&EndpointGateway, Via)> = index.gateways_in(owner).map(|g| (g, Via::Own)).collect();
    if world.vpc(owner).is_some_and(|v| v.enable_hub) {
        for binding in spoke_bindings(world, owner) {
            for gateway in index.gateways_in(&binding.spoke).filter(|g| g.mode.shared()) {
                gateways.push((gateway, Via::Binding { binding: binding.id.clone(), spoke: binding.spoke.clone() }));
            }
        }
    }
    gateways
}

/// Builds the view of a resolver from the gateways it sees. When two gateways serve one name, the topology's rules
/// leave only one `primary` among them; the view prefers the resolver's own gateway, then a `primary` one.
fn build(index: &Index, mut gateways: Vec<(&EndpointGateway, Via)>) -> EndpointNames {
    gateways.sort_by_key(|(gateway, via)| (*via != Via::Own, gateway.mode != BindingMode::Primary, gateway.created_at));
    let mut view = EndpointNames::default();
    for (gateway, via) in gateways {
        let addresses = index.ips.get(gateway.id.as_str()).into_iter().flatten();
        let answers = |resource_binding: Option<&ResourceBinding>| -> Vec<Answer> {
            addresses
                .clone()
                .map(|&address| Answer {
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
        if gateway.mode == BindingMode::PerResourceBinding {
            // Local access: only the bound resources' names, each answered by this gateway.
            for binding in index.resource_bindings.get(gateway.id.as_str()).into_iter().flatten() {
                let name = binding.service_endpoint.trim_end_matches('.').to_ascii_lowercase();
                view.add_name(name, &answers(Some(binding)));
            }
            continue;
        }
        let answers = answers(None);
        for endpoint in &gateway.service_endpoints {
            let name = endpoint.trim_end_matches('.').to_ascii_lowercase();
            match name.strip_prefix("*.") {
                Some(suffix) => view.add_wildcard(suffix, &answers),
                None => view.add_name(name, &answers),
            }
        }
    }
    view
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
    endpoints: HashMap<String, Arc<EndpointNames>>,
    zones: HashMap<String, (DnsZone, Arc<Zone>)>,
}

/// Compiles every view of the world, reusing from `cache` what the changes since its world did not touch.
pub fn compile_with(world: &World, cache: &mut CompileCache) -> Views {
    let previous = cache.world.take();
    // Endpoint names are compiled again, for every owner, only when something they are made of changed; a record
    // write leaves them as they were.
    let reuse_endpoints = previous.as_ref().is_some_and(|previous| previous.same_endpoint_inputs(world));
    let mut endpoints = if reuse_endpoints { std::mem::take(&mut cache.endpoints) } else { HashMap::new() };
    let index = std::cell::OnceCell::new();
    let zones = private_zones(world, previous.as_ref(), cache);
    let mut by_owner: HashMap<String, Arc<View>> = HashMap::new();
    let mut view_of = |owner: &str| -> Arc<View> {
        by_owner
            .entry(owner.to_owned())
            .or_insert_with_key(|owner| {
                let names = endpoints
                    .entry(owner.clone())
                    .or_insert_with(|| {
                        let index = index.get_or_init(|| Index::of(world));
                        Arc::new(build(index, seen(world, index, owner)))
                    })
                    .clone();
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
    drop(view_of);
    // Only the owners served now are kept: a deleted VPC's names leave the cache.
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
fn private_zones(world: &World, previous: Option<&World>, cache: &mut CompileCache) -> PrivateZones {
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
            && cache.zones.get(&zone.id).is_some_and(|(known, compiled)| {
                known.name == zone.name
                    && known.instance == zone.instance
                    && changed.get(zone.id.as_str()).is_none_or(|(_, added)| added.len() * 2 <= compiled.len().max(1))
            });
        match cache.zones.remove(&zone.id) {
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
    cache.zones = kept;
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
        use hubspoke_vpc::model::RecordData;
        use hubspoke_vpc::world::Entity;

        let a = |last: u8| RecordData::A(Ipv4Addr::new(10, 9, 0, last));
        let record = |id: &str, name: &str, data| fixture::resource_record(id, "zone", 1, name, data);
        let mut base = fixture::entities(false, true);
        base.push(fixture::instance("instance", 1));
        base.push(fixture::zone("zone", "instance", 1, "corp.example", &["hub"]));
        base.push(record("www", "www.corp.example", a(1)));
        let steps: Vec<(&str, Vec<Entity>, Vec<&str>)> = vec![
            ("bind the spoke", vec![fixture::binding(true)], vec![]),
            ("add a record", vec![record("api", "api.team.corp.example", a(2))], vec![]),
            ("change a record", vec![record("www", "www.corp.example", a(3))], vec![]),
            ("add a wildcard", vec![record("wild", "*.dev.corp.example", a(4))], vec![]),
            ("delete a record", vec![], vec!["api"]),
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
            for id in deleted {
                draft.remove(hubspoke_vpc::world::EntityKey::ResourceRecord(id.into()));
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
        for (n, name) in names.iter().enumerate() {
            endpoints.add_name(name.clone(), &[answer(n)]);
        }
        for (n, suffix) in wildcards.iter().enumerate() {
            endpoints.add_wildcard(suffix, &[answer(1000 + n)]);
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
            let expected = view.endpoints.names.get(&asked).cloned().or_else(|| {
                view.endpoints.wildcards
                    .iter()
                    .filter(|(suffix, _)| below(&asked, suffix))
                    .max_by_key(|(suffix, _)| suffix.len())
                    .map(|(_, answers)| answers.clone())
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
