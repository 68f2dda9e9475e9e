//! [`World`]: an immutable snapshot of every VPC-domain entity, and [`Draft`], a change to it.
//!
//! Worlds are built on persistent maps, so a command clones the current world in O(1), changes its copy and hands
//! back the new world together with the keys it touched. The store persists exactly those entities, and the
//! application publishes the new world only once the store accepted it.

use std::collections::BTreeSet;

use hubspoke_iam::Timestamp;

use crate::model::{
    AddressPrefix, Binding, BindingMode, CustomResolver, DnsZone, EndpointGateway, ForwardingRule, GatewayTarget,
    NetworkAcl, Phase, PublicGateway, ReservedIp, ResourceBinding, ResourceGroup, ResourceRecord, RoutingTable,
    SecondaryZone, SecurityGroup, ServiceInstance, Settling, Subnet, TransitConnection, TransitGateway, Vpc,
};

/// The key of one entity, for persistence.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntityKey {
    // The order of the variants is the order the store puts entities in (and the reverse the order it deletes them
    // in), so the resources a subnet or gateway references come before them.
    /// A resource group (before everything that belongs to one).
    ResourceGroup(String),
    /// A VPC.
    Vpc(String),
    /// An address prefix (after VPCs and before subnets, so the store writes parents first and deletes them last).
    AddressPrefix(String),
    /// A network ACL (with its rules).
    NetworkAcl(String),
    /// A routing table.
    RoutingTable(String),
    /// A security group (with its rules).
    SecurityGroup(String),
    /// A public gateway (before subnets, which reference it).
    PublicGateway(String),
    /// A subnet.
    Subnet(String),
    /// A reserved IP.
    ReservedIp(String),
    /// An endpoint gateway.
    Gateway(String),
    /// A resource binding of an endpoint gateway (after its gateway).
    ResourceBinding(String),
    /// A DNS resolution binding.
    Binding(String),
    /// A DNS Services instance (before the zones and custom resolvers that belong to it).
    ServiceInstance(String),
    /// A custom resolver (with its locations).
    Resolver(String),
    /// A forwarding rule of a custom resolver (with its views; after its resolver).
    ForwardingRule(String),
    /// A secondary zone of a custom resolver (after its resolver).
    SecondaryZone(String),
    /// A DNS zone (with its permitted networks; after VPCs and its instance, before its records).
    DnsZone(String),
    /// A resource record of a DNS zone.
    ResourceRecord(String),
    /// A transit gateway (after VPCs, before its connections).
    TransitGateway(String),
    /// A VPC connection of a transit gateway.
    TransitConnection(String),
}

/// Every VPC-domain entity at one revision.
#[derive(Clone, Debug, Default)]
pub struct World {
    pub(crate) resource_groups: imbl::OrdMap<String, ResourceGroup>,
    pub(crate) vpcs: imbl::OrdMap<String, Vpc>,
    pub(crate) prefixes: imbl::OrdMap<String, AddressPrefix>,
    pub(crate) subnets: imbl::OrdMap<String, Subnet>,
    pub(crate) reserved_ips: imbl::OrdMap<String, ReservedIp>,
    pub(crate) gateways: imbl::OrdMap<String, EndpointGateway>,
    pub(crate) resource_bindings: imbl::OrdMap<String, ResourceBinding>,
    pub(crate) bindings: imbl::OrdMap<String, Binding>,
    pub(crate) resolvers: imbl::OrdMap<String, CustomResolver>,
    pub(crate) forwarding_rules: imbl::OrdMap<String, ForwardingRule>,
    pub(crate) secondary_zones: imbl::OrdMap<String, SecondaryZone>,
    pub(crate) service_instances: imbl::OrdMap<String, ServiceInstance>,
    pub(crate) dns_zones: imbl::OrdMap<String, DnsZone>,
    pub(crate) records: imbl::OrdMap<String, ResourceRecord>,
    pub(crate) security_groups: imbl::OrdMap<String, SecurityGroup>,
    pub(crate) network_acls: imbl::OrdMap<String, NetworkAcl>,
    pub(crate) routing_tables: imbl::OrdMap<String, RoutingTable>,
    pub(crate) public_gateways: imbl::OrdMap<String, PublicGateway>,
    pub(crate) transit_gateways: imbl::OrdMap<String, TransitGateway>,
    pub(crate) transit_connections: imbl::OrdMap<String, TransitConnection>,
    // The ids of children by their parent, for the lookups that writes and the data plane make on worlds of a
    // million entities: endpoint gateways by VPC, resource bindings by gateway, records by zone and by their owner
    // name in their zone ([`record_name_key`]), and `primary` gateways by what rule C6 compares ([`primary_keys`]).
    gateways_by_vpc: Children,
    primary_gateways: Children,
    /// The gateways, bindings and resource bindings still `pending`, by the time they settle (milliseconds) and key:
    /// what the data plane leaves out until then ([`World::settling_after`]), read without a pass over every entity.
    settling: imbl::OrdSet<(i64, EntityKey)>,
    resource_bindings_by_gateway: Children,
    records_by_zone: Children,
    records_by_name: Children,
    revision: u64,
}

/// Child ids by parent id, kept beside the entity maps as they change.
#[derive(Clone, Debug, Default)]
struct Children(imbl::OrdMap<String, imbl::OrdSet<String>>);

impl Children {
    fn add(&mut self, parent: &str, id: &str) {
        self.0.entry(parent.to_owned()).or_default().insert(id.to_owned());
    }

    fn remove(&mut self, parent: &str, id: &str) {
        if let Some(children) = self.0.get_mut(parent) {
            children.remove(id);
            if children.is_empty() {
                self.0.remove(parent);
            }
        }
    }

    fn of<'a>(&'a self, parent: &str) -> impl Iterator<Item = &'a String> + use<'a> {
        self.0.get(parent).into_iter().flat_map(|children| children.iter())
    }

    fn count(&self, parent: &str) -> usize {
        self.0.get(parent).map_or(0, |children| children.len())
    }
}

/// The key of a record's owner name in its zone for [`World`]'s index: zone ids never hold a line break, so the two
/// parts cannot run into one another.
fn record_name_key(zone: &str, name: &str) -> String {
    format!("{zone}\n{name}")
}

/// The keys a `primary` endpoint gateway is filed under in [`World`]'s index for rule C6, each prefixed by its VPC:
/// its target, each service endpoint (lowercase), and each proper suffix of an endpoint (what follows one of its dots),
/// so that a wildcard `*.suffix` finds the names it covers in one lookup. A gateway of another mode has none.
fn primary_keys(gateway: &EndpointGateway) -> Vec<String> {
    if gateway.mode != BindingMode::Primary {
        return Vec::new();
    }
    let vpc = &gateway.vpc;
    let mut keys = vec![target_key(vpc, &gateway.target)];
    for endpoint in &gateway.service_endpoints {
        let endpoint = endpoint.to_ascii_lowercase();
        keys.extend(proper_suffixes(&endpoint).map(|suffix| suffix_key(vpc, suffix)));
        keys.push(endpoint_key(vpc, &endpoint));
    }
    keys
}

fn target_key(vpc: &str, target: &GatewayTarget) -> String {
    match target {
        GatewayTarget::ProviderCloudService { crn } => format!("{vpc}\nt\ncrn\n{crn}"),
        GatewayTarget::ProviderInfrastructureService { name } => format!("{vpc}\nt\ninfrastructure\n{name}"),
    }
}

/// The key of one (lowercase) service endpoint, or pattern, of a `primary` gateway in `vpc`.
fn endpoint_key(vpc: &str, endpoint: &str) -> String {
    format!("{vpc}\nn\n{endpoint}")
}

/// The key of a suffix of a (lowercase) service endpoint of a `primary` gateway in `vpc`.
fn suffix_key(vpc: &str, suffix: &str) -> String {
    format!("{vpc}\ns\n{suffix}")
}

/// What follows each dot of `name`: the suffixes a `*.suffix` pattern covering `name` can have.
fn proper_suffixes(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices('.').map(move |(at, _)| &name[at + 1..])
}

/// An entity of any kind, as loaded from or written to the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entity {
    /// A resource group.
    ResourceGroup(ResourceGroup),
    /// A VPC.
    Vpc(Vpc),
    /// An address prefix.
    AddressPrefix(AddressPrefix),
    /// A subnet.
    Subnet(Subnet),
    /// A reserved IP.
    ReservedIp(ReservedIp),
    /// An endpoint gateway.
    Gateway(EndpointGateway),
    /// A resource binding of an endpoint gateway.
    ResourceBinding(ResourceBinding),
    /// A binding.
    Binding(Binding),
    /// A custom resolver.
    Resolver(CustomResolver),
    /// A forwarding rule.
    ForwardingRule(ForwardingRule),
    /// A secondary zone.
    SecondaryZone(SecondaryZone),
    /// A DNS Services instance.
    ServiceInstance(ServiceInstance),
    /// A DNS zone.
    DnsZone(DnsZone),
    /// A resource record.
    ResourceRecord(ResourceRecord),
    /// A security group.
    SecurityGroup(SecurityGroup),
    /// A network ACL.
    NetworkAcl(NetworkAcl),
    /// A routing table.
    RoutingTable(RoutingTable),
    /// A public gateway.
    PublicGateway(PublicGateway),
    /// A transit gateway.
    TransitGateway(TransitGateway),
    /// A transit gateway connection.
    TransitConnection(TransitConnection),
}

impl World {
    /// A world holding `entities`, at `revision`.
    pub fn from_entities(entities: impl IntoIterator<Item = Entity>, revision: u64) -> World {
        let mut world = World { revision, ..World::default() };
        for entity in entities {
            world.insert(entity);
        }
        world
    }

    fn insert(&mut self, entity: Entity) {
        let settles = match &entity {
            Entity::Gateway(gateway) => Some((gateway.settling, EntityKey::Gateway(gateway.id.clone()))),
            Entity::Binding(binding) => Some((binding.settling, EntityKey::Binding(binding.id.clone()))),
            Entity::ResourceBinding(binding) => {
                Some((binding.settling, EntityKey::ResourceBinding(binding.id.clone())))
            }
            _ => None,
        };
        if let Some((settling, key)) = settles {
            self.forget_settling(&key);
            if settling.phase == Phase::Pending {
                self.settling.insert((settling.until.0, key));
            }
        }
        match entity {
            Entity::ResourceGroup(group) => {
                self.resource_groups.insert(group.id.clone(), group);
            }
            Entity::Vpc(vpc) => {
                self.vpcs.insert(vpc.id.clone(), vpc);
            }
            Entity::AddressPrefix(prefix) => {
                self.prefixes.insert(prefix.id.clone(), prefix);
            }
            Entity::Subnet(subnet) => {
                self.subnets.insert(subnet.id.clone(), subnet);
            }
            Entity::ReservedIp(ip) => {
                self.reserved_ips.insert(ip.id.clone(), ip);
            }
            Entity::Gateway(gateway) => {
                let (id, vpc, keys) = (gateway.id.clone(), gateway.vpc.clone(), primary_keys(&gateway));
                if let Some(old) = self.gateways.insert(id.clone(), gateway) {
                    self.gateways_by_vpc.remove(&old.vpc, &id);
                    for key in primary_keys(&old) {
                        self.primary_gateways.remove(&key, &id);
                    }
                }
                self.gateways_by_vpc.add(&vpc, &id);
                for key in keys {
                    self.primary_gateways.add(&key, &id);
                }
            }
            Entity::ResourceBinding(binding) => {
                self.resource_bindings_by_gateway.add(&binding.gateway, &binding.id);
                if let Some(old) = self.resource_bindings.insert(binding.id.clone(), binding)
                    && self.resource_bindings.get(&old.id).is_some_and(|new| new.gateway != old.gateway)
                {
                    self.resource_bindings_by_gateway.remove(&old.gateway, &old.id);
                }
            }
            Entity::Binding(binding) => {
                self.bindings.insert(binding.id.clone(), binding);
            }
            Entity::Resolver(resolver) => {
                self.resolvers.insert(resolver.id.clone(), resolver);
            }
            Entity::ForwardingRule(rule) => {
                self.forwarding_rules.insert(rule.id.clone(), rule);
            }
            Entity::SecondaryZone(zone) => {
                self.secondary_zones.insert(zone.id.clone(), zone);
            }
            Entity::ServiceInstance(instance) => {
                self.service_instances.insert(instance.id.clone(), instance);
            }
            Entity::DnsZone(zone) => {
                self.dns_zones.insert(zone.id.clone(), zone);
            }
            Entity::ResourceRecord(record) => {
                let (zone, name) = (record.zone.clone(), record_name_key(&record.zone, &record.name));
                let id = record.id.clone();
                if let Some(old) = self.records.insert(id.clone(), record) {
                    self.records_by_zone.remove(&old.zone, &id);
                    self.records_by_name.remove(&record_name_key(&old.zone, &old.name), &id);
                }
                self.records_by_zone.add(&zone, &id);
                self.records_by_name.add(&name, &id);
            }
            Entity::SecurityGroup(group) => {
                self.security_groups.insert(group.id.clone(), group);
            }
            Entity::NetworkAcl(acl) => {
                self.network_acls.insert(acl.id.clone(), acl);
            }
            Entity::RoutingTable(table) => {
                self.routing_tables.insert(table.id.clone(), table);
            }
            Entity::PublicGateway(gateway) => {
                self.public_gateways.insert(gateway.id.clone(), gateway);
            }
            Entity::TransitGateway(gateway) => {
                self.transit_gateways.insert(gateway.id.clone(), gateway);
            }
            Entity::TransitConnection(connection) => {
                self.transit_connections.insert(connection.id.clone(), connection);
            }
        }
    }

    /// Takes the entity under `key` out of the index of settling entities, if it is there.
    fn forget_settling(&mut self, key: &EntityKey) {
        let settling: Option<Settling> = match key {
            EntityKey::Gateway(id) => self.gateways.get(id).map(|gateway| gateway.settling),
            EntityKey::Binding(id) => self.bindings.get(id).map(|binding| binding.settling),
            EntityKey::ResourceBinding(id) => self.resource_bindings.get(id).map(|binding| binding.settling),
            _ => None,
        };
        if let Some(settling) = settling.filter(|settling| settling.phase == Phase::Pending) {
            self.settling.remove(&(settling.until.0, key.clone()));
        }
    }

    /// Removes an entity, and its id from the indexes of children.
    pub(crate) fn remove(&mut self, key: &EntityKey) {
        self.forget_settling(key);
        match key {
            EntityKey::ResourceGroup(id) => self.resource_groups.remove(id).map(|_| ()),
            EntityKey::Vpc(id) => self.vpcs.remove(id).map(|_| ()),
            EntityKey::AddressPrefix(id) => self.prefixes.remove(id).map(|_| ()),
            EntityKey::Subnet(id) => self.subnets.remove(id).map(|_| ()),
            EntityKey::ReservedIp(id) => self.reserved_ips.remove(id).map(|_| ()),
            EntityKey::Gateway(id) => self.gateways.remove(id).map(|gateway| {
                self.gateways_by_vpc.remove(&gateway.vpc, id);
                for key in primary_keys(&gateway) {
                    self.primary_gateways.remove(&key, id);
                }
            }),
            EntityKey::ResourceBinding(id) => self
                .resource_bindings
                .remove(id)
                .map(|binding| self.resource_bindings_by_gateway.remove(&binding.gateway, id)),
            EntityKey::Binding(id) => self.bindings.remove(id).map(|_| ()),
            EntityKey::Resolver(id) => self.resolvers.remove(id).map(|_| ()),
            EntityKey::ForwardingRule(id) => self.forwarding_rules.remove(id).map(|_| ()),
            EntityKey::SecondaryZone(id) => self.secondary_zones.remove(id).map(|_| ()),
            EntityKey::ServiceInstance(id) => self.service_instances.remove(id).map(|_| ()),
            EntityKey::DnsZone(id) => self.dns_zones.remove(id).map(|_| ()),
            EntityKey::ResourceRecord(id) => self.records.remove(id).map(|record| {
                self.records_by_zone.remove(&record.zone, id);
                self.records_by_name.remove(&record_name_key(&record.zone, &record.name), id);
            }),
            EntityKey::SecurityGroup(id) => self.security_groups.remove(id).map(|_| ()),
            EntityKey::NetworkAcl(id) => self.network_acls.remove(id).map(|_| ()),
            EntityKey::RoutingTable(id) => self.routing_tables.remove(id).map(|_| ()),
            EntityKey::PublicGateway(id) => self.public_gateways.remove(id).map(|_| ()),
            EntityKey::TransitGateway(id) => self.transit_gateways.remove(id).map(|_| ()),
            EntityKey::TransitConnection(id) => self.transit_connections.remove(id).map(|_| ()),
        };
    }

    /// The store revision this world reflects.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The same world, labelled with the revision the store gave its last change.
    pub fn at_revision(mut self, revision: u64) -> World {
        self.revision = revision;
        self
    }

    /// The entity under `key`, if it exists.
    pub fn entity(&self, key: &EntityKey) -> Option<Entity> {
        match key {
            EntityKey::ResourceGroup(id) => self.resource_groups.get(id).cloned().map(Entity::ResourceGroup),
            EntityKey::Vpc(id) => self.vpcs.get(id).cloned().map(Entity::Vpc),
            EntityKey::AddressPrefix(id) => self.prefixes.get(id).cloned().map(Entity::AddressPrefix),
            EntityKey::Subnet(id) => self.subnets.get(id).cloned().map(Entity::Subnet),
            EntityKey::ReservedIp(id) => self.reserved_ips.get(id).cloned().map(Entity::ReservedIp),
            EntityKey::Gateway(id) => self.gateways.get(id).cloned().map(Entity::Gateway),
            EntityKey::ResourceBinding(id) => self.resource_bindings.get(id).cloned().map(Entity::ResourceBinding),
            EntityKey::Binding(id) => self.bindings.get(id).cloned().map(Entity::Binding),
            EntityKey::Resolver(id) => self.resolvers.get(id).cloned().map(Entity::Resolver),
            EntityKey::ForwardingRule(id) => self.forwarding_rules.get(id).cloned().map(Entity::ForwardingRule),
            EntityKey::SecondaryZone(id) => self.secondary_zones.get(id).cloned().map(Entity::SecondaryZone),
            EntityKey::ServiceInstance(id) => self.service_instances.get(id).cloned().map(Entity::ServiceInstance),
            EntityKey::DnsZone(id) => self.dns_zones.get(id).cloned().map(Entity::DnsZone),
            EntityKey::ResourceRecord(id) => self.records.get(id).cloned().map(Entity::ResourceRecord),
            EntityKey::SecurityGroup(id) => self.security_groups.get(id).cloned().map(Entity::SecurityGroup),
            EntityKey::NetworkAcl(id) => self.network_acls.get(id).cloned().map(Entity::NetworkAcl),
            EntityKey::RoutingTable(id) => self.routing_tables.get(id).cloned().map(Entity::RoutingTable),
            EntityKey::PublicGateway(id) => self.public_gateways.get(id).cloned().map(Entity::PublicGateway),
            EntityKey::TransitGateway(id) => self.transit_gateways.get(id).cloned().map(Entity::TransitGateway),
            EntityKey::TransitConnection(id) => {
                self.transit_connections.get(id).cloned().map(Entity::TransitConnection)
            }
        }
    }

    /// One stored resource group (an account's default group is stored only once it was renamed; see
    /// [`crate::rules::resource_group`] for the groups an account has).
    pub fn resource_group(&self, id: &str) -> Option<&ResourceGroup> {
        self.resource_groups.get(id)
    }

    /// Every stored resource group, by id.
    pub fn resource_groups(&self) -> impl Iterator<Item = &ResourceGroup> {
        self.resource_groups.values()
    }

    /// One VPC.
    pub fn vpc(&self, id: &str) -> Option<&Vpc> {
        self.vpcs.get(id)
    }

    /// Every VPC, by id.
    pub fn vpcs(&self) -> impl Iterator<Item = &Vpc> {
        self.vpcs.values()
    }

    /// One address prefix.
    pub fn address_prefix(&self, id: &str) -> Option<&AddressPrefix> {
        self.prefixes.get(id)
    }

    /// The address prefixes of a VPC, by id.
    pub fn prefixes_of<'a>(&'a self, vpc: &'a str) -> impl Iterator<Item = &'a AddressPrefix> + 'a {
        self.prefixes.values().filter(move |prefix| prefix.vpc == vpc)
    }

    /// Every address prefix, by id.
    pub fn address_prefixes(&self) -> impl Iterator<Item = &AddressPrefix> {
        self.prefixes.values()
    }

    /// Whether a subnet of the prefix's VPC and zone uses addresses of the prefix (IBM's `has_subnets`).
    pub fn prefix_has_subnets(&self, prefix: &AddressPrefix) -> bool {
        self.subnets.values().any(|subnet| {
            subnet.vpc == prefix.vpc && subnet.zone == prefix.zone && prefix.cidr.contains(&subnet.cidr.network())
        })
    }

    /// One subnet.
    pub fn subnet(&self, id: &str) -> Option<&Subnet> {
        self.subnets.get(id)
    }

    /// Every subnet, by id.
    pub fn subnets(&self) -> impl Iterator<Item = &Subnet> {
        self.subnets.values()
    }

    /// One reserved IP.
    pub fn reserved_ip(&self, id: &str) -> Option<&ReservedIp> {
        self.reserved_ips.get(id)
    }

    /// Every reserved IP, by id.
    pub fn reserved_ips(&self) -> impl Iterator<Item = &ReservedIp> {
        self.reserved_ips.values()
    }

    /// The reserved IPs of a subnet, by id.
    pub fn reserved_ips_of<'a>(&'a self, subnet: &'a str) -> impl Iterator<Item = &'a ReservedIp> + 'a {
        self.reserved_ips.values().filter(move |ip| ip.subnet == subnet)
    }

    /// One endpoint gateway.
    pub fn gateway(&self, id: &str) -> Option<&EndpointGateway> {
        self.gateways.get(id)
    }

    /// Every endpoint gateway, by id.
    pub fn gateways(&self) -> impl Iterator<Item = &EndpointGateway> {
        self.gateways.values()
    }

    /// The gateways, bindings and resource bindings still `pending` at `now` (they settle after it), each with when it
    /// settles, latest first: they cost what there is of them, not a pass over every entity.
    pub fn settling_after(&self, now: Timestamp) -> impl Iterator<Item = (Timestamp, &EntityKey)> + '_ {
        self.settling
            .iter()
            .rev()
            .take_while(move |(until, _)| *until > now.0)
            .map(|(until, key)| (Timestamp(*until), key))
    }

    /// The endpoint gateways in a VPC.
    pub fn gateways_in<'a>(&'a self, vpc: &'a str) -> impl Iterator<Item = &'a EndpointGateway> + 'a {
        self.gateways_by_vpc.of(vpc).filter_map(|id| self.gateways.get(id))
    }

    /// The `primary` endpoint gateways in `vpc`, by id, that have `target` or a service endpoint that one of
    /// `endpoints` covers or is covered by ([`crate::catalog::overlaps`]): what a `primary` gateway for `target`
    /// serving `endpoints` would clash with (rule C6). Read from an index, so it costs what it finds, not the VPC's
    /// gateways.
    pub fn primary_clashes<'a>(
        &'a self,
        vpc: &str,
        target: &'a GatewayTarget,
        endpoints: &'a [String],
    ) -> impl Iterator<Item = &'a EndpointGateway> + 'a {
        let mut keys = vec![target_key(vpc, target)];
        for endpoint in endpoints {
            let endpoint = endpoint.to_ascii_lowercase();
            // Its own wildcard covers the names filed under the suffix; a wildcard of theirs covers it when it is a
            // `*.` and one of its suffixes.
            if let Some(suffix) = endpoint.strip_prefix("*.") {
                keys.push(suffix_key(vpc, suffix));
            }
            keys.extend(proper_suffixes(&endpoint).map(|suffix| endpoint_key(vpc, &format!("*.{suffix}"))));
            keys.push(endpoint_key(vpc, &endpoint));
        }
        let ids: BTreeSet<&String> = keys.iter().flat_map(|key| self.primary_gateways.of(key)).collect();
        ids.into_iter().filter_map(|id| self.gateways.get(id)).filter(move |gateway| {
            gateway.target == *target || crate::catalog::overlaps(&gateway.service_endpoints, endpoints)
        })
    }

    /// The reserved IPs bound to an endpoint gateway.
    pub fn gateway_ips<'a>(&'a self, gateway: &'a str) -> impl Iterator<Item = &'a ReservedIp> + 'a {
        self.reserved_ips
            .values()
            .filter(move |ip| matches!(&ip.target, Some(crate::model::IpTarget::EndpointGateway(g)) if g == gateway))
    }

    /// One resource binding.
    pub fn resource_binding(&self, id: &str) -> Option<&ResourceBinding> {
        self.resource_bindings.get(id)
    }

    /// Every resource binding, by id.
    pub fn resource_bindings(&self) -> impl Iterator<Item = &ResourceBinding> {
        self.resource_bindings.values()
    }

    /// The resource bindings of an endpoint gateway, by id.
    pub fn resource_bindings_of<'a>(&'a self, gateway: &'a str) -> impl Iterator<Item = &'a ResourceBinding> + 'a {
        self.resource_bindings_by_gateway.of(gateway).filter_map(|id| self.resource_bindings.get(id))
    }

    /// One binding.
    pub fn binding(&self, id: &str) -> Option<&Binding> {
        self.bindings.get(id)
    }

    /// The bindings a VPC sees (as spoke or as hub).
    pub fn bindings_of<'a>(&'a self, vpc: &'a str) -> impl Iterator<Item = &'a Binding> + 'a {
        self.bindings.values().filter(move |binding| binding.seen_from(vpc))
    }

    /// One custom resolver.
    pub fn resolver(&self, id: &str) -> Option<&CustomResolver> {
        self.resolvers.get(id)
    }

    /// Every custom resolver.
    pub fn resolvers(&self) -> impl Iterator<Item = &CustomResolver> {
        self.resolvers.values()
    }

    /// One forwarding rule.
    pub fn forwarding_rule(&self, id: &str) -> Option<&ForwardingRule> {
        self.forwarding_rules.get(id)
    }

    /// Every forwarding rule, by id.
    pub fn forwarding_rules(&self) -> impl Iterator<Item = &ForwardingRule> {
        self.forwarding_rules.values()
    }

    /// The forwarding rules of a custom resolver in the order it lists them: its default rule first, then the others
    /// in order of creation.
    pub fn forwarding_rules_of(&self, resolver: &str) -> Vec<&ForwardingRule> {
        let mut rules: Vec<&ForwardingRule> =
            self.forwarding_rules.values().filter(|rule| rule.resolver == resolver).collect();
        rules.sort_by(|a, b| (a.sequence, &a.id).cmp(&(b.sequence, &b.id)));
        rules
    }

    /// One secondary zone.
    pub fn secondary_zone(&self, id: &str) -> Option<&SecondaryZone> {
        self.secondary_zones.get(id)
    }

    /// Every secondary zone, by id.
    pub fn secondary_zones(&self) -> impl Iterator<Item = &SecondaryZone> {
        self.secondary_zones.values()
    }

    /// The secondary zones of a custom resolver, in order of creation.
    pub fn secondary_zones_of(&self, resolver: &str) -> Vec<&SecondaryZone> {
        let mut zones: Vec<&SecondaryZone> =
            self.secondary_zones.values().filter(|zone| zone.resolver == resolver).collect();
        zones.sort_by(|a, b| (a.sequence, &a.id).cmp(&(b.sequence, &b.id)));
        zones
    }

    /// One DNS Services instance.
    pub fn service_instance(&self, id: &str) -> Option<&ServiceInstance> {
        self.service_instances.get(id)
    }

    /// Every DNS Services instance, by id.
    pub fn service_instances(&self) -> impl Iterator<Item = &ServiceInstance> {
        self.service_instances.values()
    }

    /// One DNS zone.
    pub fn dns_zone(&self, id: &str) -> Option<&DnsZone> {
        self.dns_zones.get(id)
    }

    /// Every DNS zone, by id.
    pub fn dns_zones(&self) -> impl Iterator<Item = &DnsZone> {
        self.dns_zones.values()
    }

    /// The zones of a DNS Services instance, by id.
    pub fn zones_of<'a>(&'a self, instance: &'a str) -> impl Iterator<Item = &'a DnsZone> + 'a {
        self.dns_zones.values().filter(move |zone| zone.instance == instance)
    }

    /// One resource record.
    pub fn record(&self, id: &str) -> Option<&ResourceRecord> {
        self.records.get(id)
    }

    /// Every resource record, by id.
    pub fn records(&self) -> impl Iterator<Item = &ResourceRecord> {
        self.records.values()
    }

    /// The resource records of a zone, by id.
    pub fn records_of<'a>(&'a self, zone: &'a str) -> impl Iterator<Item = &'a ResourceRecord> + 'a {
        self.records_by_zone.of(zone).filter_map(|id| self.records.get(id))
    }

    /// How many resource records `zone` holds, without reading them.
    pub fn record_count(&self, zone: &str) -> usize {
        self.records_by_zone.count(zone)
    }

    /// The resource records of `zone` whose owner name is exactly `name`, by id: what a write checks its record
    /// against, whatever the size of the zone.
    pub fn records_at<'a>(&'a self, zone: &str, name: &str) -> impl Iterator<Item = &'a ResourceRecord> + use<'a> {
        let records = &self.records;
        self.records_by_name.of(&record_name_key(zone, name)).filter_map(move |id| records.get(id))
    }

    /// The resource records that differ from `older` to this world, each as it was and as it is (`None` where it
    /// did not exist). Both worlds usually descend from one another, so this and the other `*_changes` methods cost
    /// time in proportion to the changes, not to the entities.
    pub fn record_changes<'a>(&'a self, older: &'a World) -> impl Iterator<Item = Change<'a, ResourceRecord>> + 'a {
        changes(&older.records, &self.records)
    }

    /// The VPCs that differ from `older` to this world, as [`World::record_changes`] gives records.
    pub fn vpc_changes<'a>(&'a self, older: &'a World) -> impl Iterator<Item = Change<'a, Vpc>> + 'a {
        changes(&older.vpcs, &self.vpcs)
    }

    /// The endpoint gateways that differ from `older` to this world.
    pub fn gateway_changes<'a>(&'a self, older: &'a World) -> impl Iterator<Item = Change<'a, EndpointGateway>> + 'a {
        changes(&older.gateways, &self.gateways)
    }

    /// The reserved IPs that differ from `older` to this world.
    pub fn reserved_ip_changes<'a>(&'a self, older: &'a World) -> impl Iterator<Item = Change<'a, ReservedIp>> + 'a {
        changes(&older.reserved_ips, &self.reserved_ips)
    }

    /// The endpoint gateways' resource bindings that differ from `older` to this world.
    pub fn resource_binding_changes<'a>(
        &'a self,
        older: &'a World,
    ) -> impl Iterator<Item = Change<'a, ResourceBinding>> + 'a {
        changes(&older.resource_bindings, &self.resource_bindings)
    }

    /// The DNS resolution bindings that differ from `older` to this world.
    pub fn binding_changes<'a>(&'a self, older: &'a World) -> impl Iterator<Item = Change<'a, Binding>> + 'a {
        changes(&older.bindings, &self.bindings)
    }

    /// One security group.
    pub fn security_group(&self, id: &str) -> Option<&SecurityGroup> {
        self.security_groups.get(id)
    }

    /// Every security group, by id.
    pub fn security_groups(&self) -> impl Iterator<Item = &SecurityGroup> {
        self.security_groups.values()
    }

    /// One network ACL.
    pub fn network_acl(&self, id: &str) -> Option<&NetworkAcl> {
        self.network_acls.get(id)
    }

    /// Every network ACL, by id.
    pub fn network_acls(&self) -> impl Iterator<Item = &NetworkAcl> {
        self.network_acls.values()
    }

    /// One routing table.
    pub fn routing_table(&self, id: &str) -> Option<&RoutingTable> {
        self.routing_tables.get(id)
    }

    /// Every routing table, by id.
    pub fn routing_tables(&self) -> impl Iterator<Item = &RoutingTable> {
        self.routing_tables.values()
    }

    /// One public gateway.
    pub fn public_gateway(&self, id: &str) -> Option<&PublicGateway> {
        self.public_gateways.get(id)
    }

    /// Every public gateway, by id.
    pub fn public_gateways(&self) -> impl Iterator<Item = &PublicGateway> {
        self.public_gateways.values()
    }

    /// One transit gateway.
    pub fn transit_gateway(&self, id: &str) -> Option<&TransitGateway> {
        self.transit_gateways.get(id)
    }

    /// Every transit gateway, by id.
    pub fn transit_gateways(&self) -> impl Iterator<Item = &TransitGateway> {
        self.transit_gateways.values()
    }

    /// One transit gateway connection.
    pub fn transit_connection(&self, id: &str) -> Option<&TransitConnection> {
        self.transit_connections.get(id)
    }

    /// Every transit gateway connection, by id.
    pub fn transit_connections(&self) -> impl Iterator<Item = &TransitConnection> {
        self.transit_connections.values()
    }

    /// The connections of a transit gateway, by id.
    pub fn connections_of<'a>(&'a self, gateway: &'a str) -> impl Iterator<Item = &'a TransitConnection> + 'a {
        self.transit_connections.values().filter(move |connection| connection.gateway == gateway)
    }

    /// Starts a change.
    pub fn draft(&self) -> Draft {
        Draft { world: self.clone(), touched: BTreeSet::new() }
    }
}

/// An entity that differs between two worlds: as it was (`None` if it is new) and as it is (`None` if it is gone).
pub type Change<'a, T> = (Option<&'a T>, Option<&'a T>);

/// The entries that differ between two maps, skipping the subtrees they share.
fn changes<'a, T: Clone + PartialEq>(
    older: &'a imbl::OrdMap<String, T>,
    newer: &'a imbl::OrdMap<String, T>,
) -> impl Iterator<Item = Change<'a, T>> + 'a {
    use imbl::ordmap::DiffItem;
    older.diff(newer).map(|item| match item {
        DiffItem::Add(_, new) => (None, Some(new)),
        DiffItem::Update { old: (_, old), new: (_, new) } => (Some(old), Some(new)),
        DiffItem::Remove(_, old) => (Some(old), None),
    })
}

/// A change being made to a world; it remembers which entities it touched.
pub struct Draft {
    world: World,
    touched: BTreeSet<EntityKey>,
}

impl Draft {
    /// The world as changed so far.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Inserts or replaces an entity.
    pub fn put(&mut self, entity: Entity) {
        let key = match &entity {
            Entity::ResourceGroup(group) => EntityKey::ResourceGroup(group.id.clone()),
            Entity::Vpc(vpc) => EntityKey::Vpc(vpc.id.clone()),
            Entity::AddressPrefix(prefix) => EntityKey::AddressPrefix(prefix.id.clone()),
            Entity::Subnet(subnet) => EntityKey::Subnet(subnet.id.clone()),
            Entity::ReservedIp(ip) => EntityKey::ReservedIp(ip.id.clone()),
            Entity::Gateway(gateway) => EntityKey::Gateway(gateway.id.clone()),
            Entity::ResourceBinding(binding) => EntityKey::ResourceBinding(binding.id.clone()),
            Entity::Binding(binding) => EntityKey::Binding(binding.id.clone()),
            Entity::Resolver(resolver) => EntityKey::Resolver(resolver.id.clone()),
            Entity::ForwardingRule(rule) => EntityKey::ForwardingRule(rule.id.clone()),
            Entity::SecondaryZone(zone) => EntityKey::SecondaryZone(zone.id.clone()),
            Entity::ServiceInstance(instance) => EntityKey::ServiceInstance(instance.id.clone()),
            Entity::DnsZone(zone) => EntityKey::DnsZone(zone.id.clone()),
            Entity::ResourceRecord(record) => EntityKey::ResourceRecord(record.id.clone()),
            Entity::SecurityGroup(group) => EntityKey::SecurityGroup(group.id.clone()),
            Entity::NetworkAcl(acl) => EntityKey::NetworkAcl(acl.id.clone()),
            Entity::RoutingTable(table) => EntityKey::RoutingTable(table.id.clone()),
            Entity::PublicGateway(gateway) => EntityKey::PublicGateway(gateway.id.clone()),
            Entity::TransitGateway(gateway) => EntityKey::TransitGateway(gateway.id.clone()),
            Entity::TransitConnection(connection) => EntityKey::TransitConnection(connection.id.clone()),
        };
        self.world.insert(entity);
        self.touched.insert(key);
    }

    /// Removes an entity.
    pub fn remove(&mut self, key: EntityKey) {
        self.world.remove(&key);
        self.touched.insert(key);
    }

    /// The changed world and the keys to persist (present keys are upserted, absent ones deleted).
    pub fn finish(self) -> (World, Vec<EntityKey>) {
        (self.world, self.touched.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use hubspoke_iam::{AccountId, Timestamp};

    use super::*;
    use crate::model::{BindingMode, GatewayTarget, Phase, RecordData, ResourceRecord, Settling};

    fn record(id: usize, zone: usize) -> Entity {
        Entity::ResourceRecord(ResourceRecord {
            id: format!("record-{id}"),
            account: AccountId::from_bytes([1; 16]),
            zone: format!("zone-{zone}"),
            // Four names shared by many records, and a record put again may move to another name.
            name: format!("host-{}.example", (id + zone) % 4),
            ttl: 60,
            data: RecordData::A(std::net::Ipv4Addr::new(10, 0, 0, id as u8)),
            created_at: Timestamp(0),
            modified_at: Timestamp(0),
        })
    }

    /// Service endpoints and patterns that cover one another in every way rule C6 compares them: equal but for case,
    /// a wildcard and the names below it, a wildcard below another.
    const ENDPOINTS: [&str; 7] = [
        "a.svc.example",
        "*.svc.example",
        "B.SVC.example",
        "*.example",
        "c.other.example",
        "x.a.svc.example",
        ".svc.example",
    ];

    fn target(n: usize) -> GatewayTarget {
        match n % 3 {
            0 => GatewayTarget::ProviderCloudService { crn: format!("crn-{}", n % 2) },
            1 => GatewayTarget::ProviderCloudService { crn: "crn-1".into() },
            _ => GatewayTarget::ProviderInfrastructureService { name: "crn-0".into() },
        }
    }

    fn endpoints(n: usize) -> Vec<String> {
        (0..n % 3).map(|k| ENDPOINTS[(n * 5 + k * 3) % ENDPOINTS.len()].to_owned()).collect()
    }

    /// A gateway whose mode, target and service endpoints follow from `id` and `vpc`, so that a gateway put again
    /// under another parent may also change all three.
    fn gateway(id: usize, vpc: usize) -> Entity {
        Entity::Gateway(EndpointGateway {
            id: format!("gateway-{id}"),
            account: AccountId::from_bytes([1; 16]),
            vpc: format!("vpc-{vpc}"),
            name: format!("gateway-{id}"),
            target: target(id + vpc),
            service_endpoints: endpoints(id * 7 + vpc),
            mode: [BindingMode::Primary, BindingMode::Disabled, BindingMode::Primary, BindingMode::PerResourceBinding]
                [(id + vpc) % 4],
            created_at: Timestamp(0),
            // Settling at one of five times, and `updating` (which the data plane serves at once) one time in three.
            settling: Settling {
                phase: if (id + vpc).is_multiple_of(3) { Phase::Updating } else { Phase::Pending },
                until: Timestamp(((id * 7 + vpc) % 5) as i64 * 10),
            },
            security_groups: Vec::new(),
            resource_group: String::new(),
        })
    }

    /// Through a long pseudo-random sequence of puts (new ids, and old ids under another parent) and removes, the
    /// indexed lookups of children answer exactly what a scan of every entity answers.
    #[test]
    fn indexes_of_children_agree_with_scans() {
        let mut world = World::default();
        let mut state: u64 = 7;
        let mut next = |bound: u64| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) % bound) as usize
        };
        for step in 0..2000 {
            let mut draft = world.draft();
            let (id, parent) = (next(40), next(3));
            match next(4) {
                0 => draft.put(record(id, parent)),
                1 => draft.remove(EntityKey::ResourceRecord(format!("record-{id}"))),
                2 => draft.put(gateway(id, parent)),
                _ => draft.remove(EntityKey::Gateway(format!("gateway-{id}"))),
            }
            world = draft.finish().0;
            for parent in 0..3 {
                let (zone, vpc) = (format!("zone-{parent}"), format!("vpc-{parent}"));
                let indexed: Vec<&str> = world.records_of(&zone).map(|r| r.id.as_str()).collect();
                let scanned: Vec<&str> = world.records().filter(|r| r.zone == zone).map(|r| r.id.as_str()).collect();
                assert_eq!(indexed, scanned, "records of {zone} after step {step}");
                assert_eq!(world.record_count(&zone), scanned.len(), "count of {zone} after step {step}");
                for name in (0..4).map(|n| format!("host-{n}.example")) {
                    let indexed: Vec<&str> = world.records_at(&zone, &name).map(|r| r.id.as_str()).collect();
                    let scanned: Vec<&str> =
                        world.records().filter(|r| r.zone == zone && r.name == name).map(|r| r.id.as_str()).collect();
                    assert_eq!(indexed, scanned, "records at {name} in {zone} after step {step}");
                }
                let indexed: Vec<&str> = world.gateways_in(&vpc).map(|g| g.id.as_str()).collect();
                let scanned: Vec<&str> = world.gateways().filter(|g| g.vpc == vpc).map(|g| g.id.as_str()).collect();
                assert_eq!(indexed, scanned, "gateways of {vpc} after step {step}");
                for now in [-1, 0, 15, 40] {
                    let now = Timestamp(now);
                    let mut indexed: Vec<(Timestamp, String)> =
                        world.settling_after(now).map(|(until, key)| (until, format!("{key:?}"))).collect();
                    indexed.sort();
                    let mut scanned: Vec<(Timestamp, String)> = world
                        .gateways()
                        .filter(|g| g.settling.phase == Phase::Pending && g.settling.until > now)
                        .map(|g| (g.settling.until, format!("{:?}", EntityKey::Gateway(g.id.clone()))))
                        .collect();
                    scanned.sort();
                    assert_eq!(indexed, scanned, "settling after {now:?} at step {step}");
                }
                for probe in 0..12 {
                    let (target, endpoints) = (target(probe), endpoints(probe * 4 + 1));
                    let indexed: Vec<&str> =
                        world.primary_clashes(&vpc, &target, &endpoints).map(|g| g.id.as_str()).collect();
                    let scanned: Vec<&str> = world
                        .gateways_in(&vpc)
                        .filter(|g| {
                            g.mode == BindingMode::Primary
                                && (g.target == target || crate::catalog::overlaps(&g.service_endpoints, &endpoints))
                        })
                        .map(|g| g.id.as_str())
                        .collect();
                    assert_eq!(indexed, scanned, "primary gateways of {vpc} clashing with {target:?} {endpoints:?}");
                }
            }
        }
    }
}
