//! The entities of the VPC domain. Fields are the facts; everything IBM derives (counts, servers, health, lifecycle
//! state at a given time) is computed by [`crate::topology`] and the read helpers here.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use hubspoke_iam::{AccountId, Timestamp};
use ipnet::Ipv4Net;
use sha2::{Digest, Sha256};

use crate::expression::Expression;

/// A resource group (Resource Manager): the account-level folder every VPC resource is created in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceGroup {
    /// 32 hexadecimal characters; the default group's is [`default_resource_group_id`] of its account.
    pub id: String,
    /// The owning account.
    pub account: AccountId,
    /// Unique within the account.
    pub name: String,
    /// Whether it is the account's default group, which every account has and which cannot be deleted.
    pub default: bool,
    /// Creation time (the account's, for the default group).
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// A VPC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vpc {
    /// `r006-<uuid>`.
    pub id: String,
    /// The owning account.
    pub account: AccountId,
    /// Unique within the account.
    pub name: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// Always false in hubspoke (classic access is not emulated), echoed as given.
    pub classic_access: bool,
    /// `auto` or `manual`, as created: with `auto` the VPC was given the region's default address prefixes.
    pub address_prefix_management: PrefixManagement,
    /// `dns.enable_hub`.
    pub enable_hub: bool,
    /// `dns.resolver` as configured.
    pub resolver: ResolverSetting,
    /// Where DNS clients inside this VPC send their queries (a loopback address; see `/_hubspoke/vpcs/{id}/dns_endpoint`).
    pub dns_endpoint: Ipv4Addr,
    /// Grows with every change; the first part of the ETag.
    pub version: u32,
    /// The resource group it belongs to (the account's default group unless another was named).
    pub resource_group: String,
}

/// How a VPC's address prefixes are managed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrefixManagement {
    /// One default prefix per zone.
    Auto,
    /// No prefixes unless created.
    Manual,
}

/// An address prefix of a VPC: a range of a zone that the VPC's subnets in that zone are carved from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressPrefix {
    /// The id.
    pub id: String,
    /// The owning account (the VPC's).
    pub account: AccountId,
    /// The VPC.
    pub vpc: String,
    /// The zone.
    pub zone: String,
    /// The address range.
    pub cidr: Ipv4Net,
    /// Unique among the VPC's prefixes.
    pub name: String,
    /// Whether subnets created by address count in its zone are carved from it (at most one per zone and VPC).
    pub is_default: bool,
    /// Creation time.
    pub created_at: Timestamp,
}

/// A DNS server address, optionally preferred in one zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsServer {
    /// The IPv4 address.
    pub address: Ipv4Addr,
    /// The zone whose DHCP options list it first.
    pub zone_affinity: Option<String>,
}

/// `dns.resolver` as configured by the VPC's owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResolverSetting {
    /// IBM's resolvers (or the custom resolver of the VPC, when it has one).
    System,
    /// Servers chosen by the owner.
    Manual(Vec<DnsServer>),
    /// The servers of another VPC (a hub this VPC is bound to).
    Delegated {
        /// The VPC providing the servers.
        vpc: String,
    },
}

impl ResolverSetting {
    /// IBM's `type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            ResolverSetting::System => "system",
            ResolverSetting::Manual(_) => "manual",
            ResolverSetting::Delegated { .. } => "delegated",
        }
    }
}

/// A subnet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subnet {
    /// `<zone prefix>-<uuid>`-style id (hubspoke uses the region prefix).
    pub id: String,
    /// The owning account.
    pub account: AccountId,
    /// The VPC.
    pub vpc: String,
    /// The zone.
    pub zone: String,
    /// The address range.
    pub cidr: Ipv4Net,
    /// Unique within the VPC.
    pub name: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// Its network ACL (the VPC's default one unless another was given).
    pub network_acl: String,
    /// The public gateway attached to it, if any (one of its VPC and zone).
    pub public_gateway: Option<String>,
    /// The resource group it belongs to (the account's default group unless another was named).
    pub resource_group: String,
}

impl Subnet {
    /// Addresses IBM keeps for itself in every subnet: the network address, the next three and the broadcast.
    pub fn is_reserved_by_ibm(&self, address: Ipv4Addr) -> bool {
        let network = u32::from(self.cidr.network());
        let offset = u32::from(address).wrapping_sub(network);
        offset < 4 || address == self.cidr.broadcast()
    }
}

/// Who created a reserved IP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpOwner {
    /// A provider (an endpoint gateway or a custom resolver allocated it).
    Provider,
    /// The account's user.
    User,
}

/// What a reserved IP is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IpTarget {
    /// An endpoint gateway.
    EndpointGateway(String),
    /// A location of a custom resolver.
    ResolverLocation {
        /// The custom resolver.
        resolver: String,
        /// The location.
        location: String,
    },
}

/// A reserved IP of a subnet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReservedIp {
    /// The id.
    pub id: String,
    /// The subnet.
    pub subnet: String,
    /// The address.
    pub address: Ipv4Addr,
    /// Unique within the subnet.
    pub name: String,
    /// Whether it is deleted when its target releases it.
    pub auto_delete: bool,
    /// Provider or user.
    pub owner: IpOwner,
    /// What it is bound to.
    pub target: Option<IpTarget>,
    /// Creation time.
    pub created_at: Timestamp,
}

/// How an endpoint gateway takes part in DNS sharing (`dns_resolution_binding_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BindingMode {
    /// Not shared.
    Disabled,
    /// The topology's one gateway for its target.
    Primary,
    /// Shared for the resource bindings of its target.
    PerResourceBinding,
}

impl BindingMode {
    /// IBM's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            BindingMode::Disabled => "disabled",
            BindingMode::Primary => "primary",
            BindingMode::PerResourceBinding => "per_resource_binding",
        }
    }

    /// Parses IBM's spelling.
    pub fn parse(text: &str) -> Option<BindingMode> {
        [BindingMode::Disabled, BindingMode::Primary, BindingMode::PerResourceBinding]
            .into_iter()
            .find(|m| m.as_str() == text)
    }

    /// Whether gateways in this mode are shared with the topology when their VPC is bound.
    pub fn shared(self) -> bool {
        self != BindingMode::Disabled
    }
}

/// What an endpoint gateway connects to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum GatewayTarget {
    /// An IBM Cloud service, by CRN.
    ProviderCloudService {
        /// The service's CRN.
        crn: String,
    },
    /// An infrastructure service, by name (`ibm-ntp-server`).
    ProviderInfrastructureService {
        /// The service's name.
        name: String,
    },
}

/// A resource in a transitional lifecycle until a time, then `stable`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settling {
    /// `pending` after creation, `updating` after a change.
    pub phase: Phase,
    /// When the resource becomes `stable`.
    pub until: Timestamp,
}

/// The transitional lifecycle states hubspoke emulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Just created.
    Pending,
    /// Just changed.
    Updating,
}

impl Settling {
    /// `pending`, `updating` or `stable` at `now`.
    pub fn state_at(&self, now: Timestamp) -> &'static str {
        match (now < self.until, self.phase) {
            (false, _) => "stable",
            (true, Phase::Pending) => "pending",
            (true, Phase::Updating) => "updating",
        }
    }
}

/// An endpoint gateway (VPE).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointGateway {
    /// The id.
    pub id: String,
    /// The owning account.
    pub account: AccountId,
    /// The VPC it resides in.
    pub vpc: String,
    /// Unique within the VPC.
    pub name: String,
    /// What it connects to.
    pub target: GatewayTarget,
    /// The FQDNs it serves (from [`crate::catalog`]); an entry may start with `*.`.
    pub service_endpoints: Vec<String>,
    /// Its DNS sharing mode.
    pub mode: BindingMode,
    /// Creation time.
    pub created_at: Timestamp,
    /// Its lifecycle.
    pub settling: Settling,
    /// Its security groups (the VPC's default one unless others were given), at most five.
    pub security_groups: Vec<String>,
    /// The resource group it belongs to (the account's default group unless another was named).
    pub resource_group: String,
}

/// A resource binding of an endpoint gateway (local access): one resource of the gateway's target service whose
/// FQDN the gateway answers. `type` is always `weak`: the binding does not depend on the resource existing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceBinding {
    /// The id.
    pub id: String,
    /// The owning account (the gateway's).
    pub account: AccountId,
    /// The endpoint gateway.
    pub gateway: String,
    /// Unique among the gateway's resource bindings.
    pub name: String,
    /// The bound resource's CRN (`target.crn`).
    pub target_crn: String,
    /// The bound resource's FQDN (from [`crate::catalog::resource_endpoint`]), unique in the DNS sharing topology.
    pub service_endpoint: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// Its lifecycle.
    pub settling: Settling,
}

/// A DNS resolution binding: one relationship between a spoke and a hub, seen from both, with one id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The id, the same from both VPCs.
    pub id: String,
    /// The DNS-shared VPC that created it.
    pub spoke: String,
    /// The spoke's account.
    pub spoke_account: AccountId,
    /// The hub.
    pub hub: String,
    /// The hub's account.
    pub hub_account: AccountId,
    /// Its name as the spoke lists it (unique among the spoke's bindings).
    pub spoke_name: String,
    /// Its name as the hub lists it (unique among the hub's bindings).
    pub hub_name: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// Its lifecycle.
    pub settling: Settling,
    /// False once the spoke removed its side without being authorized to disconnect: the hub's side remains,
    /// `faulted`, until the hub deletes it.
    pub spoke_attached: bool,
}

impl Binding {
    /// Whether `vpc` is one of the binding's two VPCs and still sees it.
    pub fn seen_from(&self, vpc: &str) -> bool {
        (self.spoke == vpc && self.spoke_attached) || self.hub == vpc
    }

    /// The binding's name as `vpc` lists it.
    pub fn name_for(&self, vpc: &str) -> &str {
        if self.spoke == vpc { &self.spoke_name } else { &self.hub_name }
    }

    /// The other VPC, from `vpc`'s point of view.
    pub fn other(&self, vpc: &str) -> (&str, &AccountId) {
        if self.spoke == vpc { (&self.hub, &self.hub_account) } else { (&self.spoke, &self.spoke_account) }
    }
}

/// A DNS Services custom resolver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomResolver {
    /// The id (a UUID, as DNS Services uses).
    pub id: String,
    /// The owning account.
    pub account: AccountId,
    /// The DNS Services instance it belongs to.
    pub instance: String,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Whether it serves queries.
    pub enabled: bool,
    /// Where it listens: one reserved IP per location.
    pub locations: Vec<ResolverLocation>,
    /// Its profile, which sets its limits.
    pub profile: ResolverProfile,
    /// Whether its owner allows changes that interrupt resolution (`allow_disruptive_updates`).
    pub allow_disruptive_updates: bool,
    /// A profile change still in progress (`lifecycle.state` is `updating` until it ends); `None` when `stable`.
    pub settling: Option<Settling>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub modified_at: Timestamp,
}

/// A custom resolver's profile: what it may hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResolverProfile {
    /// The smallest, and the default.
    #[default]
    Essential,
    /// The middle one.
    Advanced,
    /// The largest.
    Premier,
}

impl ResolverProfile {
    /// Every profile, smallest first.
    pub const ALL: [ResolverProfile; 3] =
        [ResolverProfile::Essential, ResolverProfile::Advanced, ResolverProfile::Premier];

    /// The name DNS Services uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ResolverProfile::Essential => "essential",
            ResolverProfile::Advanced => "advanced",
            ResolverProfile::Premier => "premier",
        }
    }

    /// The profile called `name`.
    pub fn parse(name: &str) -> Option<ResolverProfile> {
        ResolverProfile::ALL.into_iter().find(|profile| profile.as_str() == name)
    }

    /// Most zone forwarding rules a resolver of this profile holds (its default rule is not counted).
    pub fn max_forwarding_rules(self) -> usize {
        match self {
            ResolverProfile::Essential => 10,
            ResolverProfile::Advanced => 50,
            ResolverProfile::Premier => 100,
        }
    }

    /// Most views one forwarding rule of a resolver of this profile holds.
    pub fn max_views(self) -> usize {
        match self {
            ResolverProfile::Essential => 1,
            ResolverProfile::Advanced => 3,
            ResolverProfile::Premier => 5,
        }
    }

    /// Most secondary zones a resolver of this profile holds.
    pub fn max_secondary_zones(self) -> usize {
        self.max_forwarding_rules()
    }
}

/// Where a custom resolver sends a query or asks for a zone transfer: an address, and a port when it is not 53.
///
/// DNS Services takes bare addresses; the explicit port is hubspoke's extension, so that tests can point a resolver
/// at a server of their own on a loopback port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    /// The address.
    pub address: IpAddr,
    /// The port, when one was given.
    pub port: Option<u16>,
}

impl Target {
    /// The port DNS uses when none is given.
    pub const DNS_PORT: u16 = 53;

    /// `10.0.0.7`, `10.0.0.7:5353`, `2001:db8::7` or `[2001:db8::7]:5353`; `None` for anything else, and for port 0.
    pub fn parse(text: &str) -> Option<Target> {
        if let Ok(address) = text.parse::<IpAddr>() {
            return Some(Target { address, port: None });
        }
        let socket: SocketAddr = text.parse().ok()?;
        (socket.port() != 0).then_some(Target { address: socket.ip(), port: Some(socket.port()) })
    }

    /// The socket address queries go to.
    pub fn socket(&self) -> SocketAddr {
        SocketAddr::new(self.address, self.port.unwrap_or(Target::DNS_PORT))
    }
}

impl fmt::Display for Target {
    /// As written: the address alone when no port was given.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            None => write!(f, "{}", self.address),
            Some(_) => write!(f, "{}", self.socket()),
        }
    }
}

/// The addresses of IBM's private resolvers, where a custom resolver's default rule sends queries until it is edited.
pub const PRIVATE_RESOLVERS: [Ipv4Addr; 2] = [Ipv4Addr::new(161, 26, 0, 7), Ipv4Addr::new(161, 26, 0, 8)];

/// The description DNS Services gives a resolver's default rule.
pub const DEFAULT_RULE_DESCRIPTION: &str = "default forwarding rule";

/// Whether a forwarding rule is a resolver's default rule or one for a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ForwardingRuleKind {
    /// The rule for every name no other rule matches (`match: "*"`); one per resolver, created with it.
    Default,
    /// A rule for a zone and the names below it.
    Zone,
}

impl ForwardingRuleKind {
    /// The `type` DNS Services shows.
    pub fn as_str(self) -> &'static str {
        match self {
            ForwardingRuleKind::Default => "default",
            ForwardingRuleKind::Zone => "zone",
        }
    }
}

/// A forwarding rule of a custom resolver: where queries for a zone go, by default or by the client's address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForwardingRule {
    /// The id (a UUID).
    pub id: String,
    /// The owning account (the resolver's).
    pub account: AccountId,
    /// The custom resolver it belongs to.
    pub resolver: String,
    /// Its place in the resolver's list: the default rule is 0, later rules have larger numbers.
    pub sequence: u64,
    /// Default or zone.
    pub kind: ForwardingRuleKind,
    /// Its description (empty when none was given).
    pub description: String,
    /// The zone it matches, a lowercase name without the trailing dot (`*` for the default rule).
    pub matches: String,
    /// Where matching queries go when no view applies, tried in order.
    pub forward_to: Vec<Target>,
    /// Views, evaluated in order; the first whose expression holds for the client decides where the query goes.
    pub views: Vec<RuleView>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub modified_at: Timestamp,
}

/// A view of a forwarding rule: the clients its expression selects, and where their queries go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleView {
    /// Its name, unique within the rule.
    pub name: String,
    /// Its description (empty when none was given).
    pub description: String,
    /// Which clients it applies to.
    pub expression: Expression,
    /// Where their queries go, tried in order.
    pub forward_to: Vec<Target>,
}

/// A secondary zone of a custom resolver: a copy of a zone that the resolver transfers from the zone's primaries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecondaryZone {
    /// The id (a UUID).
    pub id: String,
    /// The owning account (the resolver's).
    pub account: AccountId,
    /// The custom resolver it belongs to.
    pub resolver: String,
    /// Its place in the resolver's list, in order of creation.
    pub sequence: u64,
    /// The zone, a lowercase name without the trailing dot; it cannot change.
    pub zone: String,
    /// Its description (empty when none was given).
    pub description: String,
    /// Whether the resolver answers for the zone.
    pub enabled: bool,
    /// The primaries to transfer the zone from, tried in order.
    pub transfer_from: Vec<Target>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub modified_at: Timestamp,
}

/// One location of a custom resolver: a subnet and the reserved IP it listens on there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolverLocation {
    /// The id.
    pub id: String,
    /// The subnet.
    pub subnet: String,
    /// Whether this location serves queries.
    pub enabled: bool,
    /// The reserved IP it listens on.
    pub reserved_ip: String,
}

/// A plan of the DNS Services catalog entry (`dns-svcs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DnsPlan {
    /// `standard-dns`.
    Standard,
    /// `free-plan`.
    Free,
}

impl DnsPlan {
    /// The plan's catalog name.
    pub fn as_str(self) -> &'static str {
        match self {
            DnsPlan::Standard => "standard-dns",
            DnsPlan::Free => "free-plan",
        }
    }

    /// Parses a catalog name.
    pub fn parse(text: &str) -> Option<DnsPlan> {
        [DnsPlan::Standard, DnsPlan::Free].into_iter().find(|plan| plan.as_str() == text)
    }
}

/// A DNS Services instance: a Resource Controller service instance of `dns-svcs`. Its GUID is the `instance_id` of
/// every DNS Services path; zones and custom resolvers belong to one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceInstance {
    /// The GUID (a UUID).
    pub id: String,
    /// The owning account.
    pub account: AccountId,
    /// Its name (not unique, as in Resource Controller).
    pub name: String,
    /// Its plan.
    pub plan: DnsPlan,
    /// The resource group it belongs to.
    pub resource_group: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// When it was deleted: a deleted instance stays readable by id, in state `removed`, as Resource Controller
    /// shows it (clients wait for that state), and is otherwise gone.
    pub removed_at: Option<Timestamp>,
}

impl ServiceInstance {
    /// Whether the instance exists (was not deleted).
    pub fn is_live(&self) -> bool {
        self.removed_at.is_none()
    }
}

/// A DNS Services private zone, with the VPCs permitted to resolve it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsZone {
    /// The id (a UUID).
    pub id: String,
    /// The owning account (the instance's).
    pub account: AccountId,
    /// The DNS Services instance.
    pub instance: String,
    /// The zone's name: a lowercase FQDN without the trailing dot.
    pub name: String,
    /// Its description (empty when none was given).
    pub description: String,
    /// Its label (empty when none was given); tells apart zones of one name.
    pub label: String,
    /// The VPCs permitted to resolve it, in the order they were added.
    pub permitted_networks: Vec<PermittedNetwork>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub modified_at: Timestamp,
}

impl DnsZone {
    /// IBM's `state`: `pending_network_add` until a VPC is permitted, then `active`.
    pub fn state(&self) -> &'static str {
        if self.permitted_networks.is_empty() { "pending_network_add" } else { "active" }
    }

    /// Whether DNS answers it: only `active` zones are served.
    pub fn is_active(&self) -> bool {
        !self.permitted_networks.is_empty()
    }
}

/// A VPC permitted to resolve a zone. Its id, as IBM shows it, is the VPC's id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermittedNetwork {
    /// The VPC's id.
    pub vpc: String,
    /// The VPC's CRN, as the request named it.
    pub vpc_crn: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub modified_at: Timestamp,
}

/// A resource record of a DNS zone. Its `name` is the owner name as DNS answers it: a lowercase FQDN without the
/// trailing dot (`_sip._udp.host.example.com` for SRV, `4.3.2.1.in-addr.arpa` for PTR).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRecord {
    /// `<TYPE>:<uuid>`, as DNS Services shows it.
    pub id: String,
    /// The owning account (the zone's).
    pub account: AccountId,
    /// The zone.
    pub zone: String,
    /// The owner name.
    pub name: String,
    /// Time to live, in seconds.
    pub ttl: u32,
    /// The typed data.
    pub data: RecordData,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub modified_at: Timestamp,
}

/// The data of a resource record, one variant per record type. Names inside it are lowercase FQDNs without the
/// trailing dot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordData {
    /// An IPv4 address.
    A(Ipv4Addr),
    /// An IPv6 address.
    Aaaa(Ipv6Addr),
    /// An alias: the canonical name.
    Cname(String),
    /// A mail exchange.
    Mx {
        /// The exchange host.
        exchange: String,
        /// Lower is preferred.
        preference: u16,
    },
    /// A service location; the owner name is `_service._protocol.name`.
    Srv {
        /// The service, starting with `_` (`_sip`).
        service: String,
        /// The protocol (`udp`, `tcp`).
        protocol: String,
        /// Lower is tried first.
        priority: u16,
        /// Relative weight among equal priorities.
        weight: u16,
        /// The port.
        port: u16,
        /// The target host.
        target: String,
    },
    /// Free text.
    Txt(String),
    /// A pointer from a reversed address to a host name.
    Ptr(String),
}

impl RecordData {
    /// The record type's name (`A`, `AAAA`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            RecordData::A(_) => "A",
            RecordData::Aaaa(_) => "AAAA",
            RecordData::Cname(_) => "CNAME",
            RecordData::Mx { .. } => "MX",
            RecordData::Srv { .. } => "SRV",
            RecordData::Txt(_) => "TXT",
            RecordData::Ptr(_) => "PTR",
        }
    }
}

/// Which way a security group or network ACL rule applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Traffic arriving.
    Inbound,
    /// Traffic leaving.
    Outbound,
}

impl Direction {
    /// IBM's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }

    /// Parses IBM's spelling.
    pub fn parse(text: &str) -> Option<Direction> {
        [Direction::Inbound, Direction::Outbound].into_iter().find(|d| d.as_str() == text)
    }
}

/// An inclusive port range, 1 to 65535.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    /// The lowest port.
    pub min: u16,
    /// The highest port.
    pub max: u16,
}

impl PortRange {
    /// Every port.
    pub const ALL: PortRange = PortRange { min: 1, max: 65535 };
}

/// What a rule matches. The wire spelling of [`RuleProtocol::IcmpTcpUdp`] depends on the API version: `all` before
/// 2025-12-09, `icmp_tcp_udp` from then on; [`RuleProtocol::Any`] exists only from then on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleProtocol {
    /// ICMP, TCP and UDP.
    IcmpTcpUdp,
    /// Every IP protocol.
    Any,
    /// ICMP, optionally one type and code.
    Icmp {
        /// The ICMP type (0 to 254), or every type.
        kind: Option<u8>,
        /// The ICMP code (0 to 255; only with a type), or every code.
        code: Option<u8>,
    },
    /// TCP.
    Tcp {
        /// Destination ports (a security group rule's `port_min`/`port_max`).
        ports: PortRange,
        /// Source ports (network ACL rules only; every port for security group rules).
        source_ports: PortRange,
    },
    /// UDP.
    Udp {
        /// Destination ports.
        ports: PortRange,
        /// Source ports (network ACL rules only).
        source_ports: PortRange,
    },
}

/// The far end of a security group rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Remote {
    /// One address (`{"address"}`).
    Address(Ipv4Addr),
    /// An address range (`{"cidr_block"}`); `0.0.0.0/0` is anywhere, the default.
    Cidr(Ipv4Net),
    /// The members of a security group of the same VPC.
    Group(String),
}

/// The near end of a security group rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Local {
    /// One address.
    Address(Ipv4Addr),
    /// An address range; `0.0.0.0/0`, every local address, is the default.
    Cidr(Ipv4Net),
}

/// A rule of a security group. Security groups are stateful and every rule is considered, so rules have no order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityGroupRule {
    /// The id.
    pub id: String,
    /// Unique within the group.
    pub name: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// What it matches.
    pub protocol: RuleProtocol,
    /// The far end.
    pub remote: Remote,
    /// The near end.
    pub local: Local,
}

/// A security group of a VPC, with its rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityGroup {
    /// The id; a VPC's default group is `<vpc id>-sg`.
    pub id: String,
    /// The owning account.
    pub account: AccountId,
    /// The VPC.
    pub vpc: String,
    /// Unique within the VPC.
    pub name: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// Its rules, in creation order.
    pub rules: Vec<SecurityGroupRule>,
    /// The resource group it belongs to (the account's default group unless another was named).
    pub resource_group: String,
}

/// Whether a network ACL rule lets traffic through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AclAction {
    /// Let it through.
    Allow,
    /// Drop it.
    Deny,
}

impl AclAction {
    /// IBM's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AclAction::Allow => "allow",
            AclAction::Deny => "deny",
        }
    }
}

/// A rule of a network ACL. ACLs are stateless and their rules are evaluated in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkAclRule {
    /// The id.
    pub id: String,
    /// Unique within the ACL.
    pub name: String,
    /// Allow or deny.
    pub action: AclAction,
    /// Inbound or outbound.
    pub direction: Direction,
    /// The source range.
    pub source: Ipv4Net,
    /// The destination range.
    pub destination: Ipv4Net,
    /// What it matches.
    pub protocol: RuleProtocol,
    /// Creation time.
    pub created_at: Timestamp,
}

/// A network ACL of a VPC, with its ordered rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkAcl {
    /// The id; a VPC's default ACL is `<vpc id>-acl`.
    pub id: String,
    /// The owning account.
    pub account: AccountId,
    /// The VPC.
    pub vpc: String,
    /// Unique within the VPC.
    pub name: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// Its rules, in evaluation order.
    pub rules: Vec<NetworkAclRule>,
    /// The resource group it belongs to (the account's default group unless another was named).
    pub resource_group: String,
}

/// A routing table of a VPC. hubspoke keeps only each VPC's default table, which has no routes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutingTable {
    /// The id; a VPC's default table is `<vpc id>-rt`.
    pub id: String,
    /// The owning account.
    pub account: AccountId,
    /// The VPC.
    pub vpc: String,
    /// Unique within the VPC.
    pub name: String,
    /// Creation time.
    pub created_at: Timestamp,
}

/// The floating IP of a public gateway: the public address its subnets' outbound traffic would leave from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FloatingIp {
    /// The id.
    pub id: String,
    /// The public IPv4 address.
    pub address: Ipv4Addr,
    /// Its name.
    pub name: String,
}

/// A public gateway of a VPC in one zone. hubspoke keeps its state only: no traffic is routed through it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicGateway {
    /// The id.
    pub id: String,
    /// The owning account.
    pub account: AccountId,
    /// The VPC.
    pub vpc: String,
    /// The zone (one public gateway per zone and VPC).
    pub zone: String,
    /// Unique within the account.
    pub name: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// When it becomes `available` (it is `pending` until then).
    pub available_at: Timestamp,
    /// Its floating IP, created with it and deleted with it.
    pub floating_ip: FloatingIp,
    /// The resource group it belongs to (the account's default group unless another was named).
    pub resource_group: String,
}

impl PublicGateway {
    /// IBM's `status` at `now`: `pending` until the propagation delay has passed, then `available`.
    pub fn status_at(&self, now: Timestamp) -> &'static str {
        if now < self.available_at { "pending" } else { "available" }
    }
}

/// A Transit Gateway: connects networks (hubspoke models VPCs only) of one account, locally in a region or globally.
/// Only the bookkeeping is kept: no traffic is routed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransitGateway {
    /// The id (a UUID, as Transit Gateway uses).
    pub id: String,
    /// The owning account.
    pub account: AccountId,
    /// Unique within the account.
    pub name: String,
    /// The region it is in (`location`).
    pub location: String,
    /// Whether it connects networks of every region (`global`) or only of its own.
    pub global: bool,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// `pending` until this time, then `available`.
    pub available_at: Timestamp,
}

/// A VPC connection of a transit gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransitConnection {
    /// The id (a UUID).
    pub id: String,
    /// The owning account (the gateway's, and the VPC's).
    pub account: AccountId,
    /// The transit gateway.
    pub gateway: String,
    /// Unique among the gateway's connections.
    pub name: String,
    /// The connected VPC's id.
    pub vpc: String,
    /// The connected VPC's CRN, as the request named it (`network_id`).
    pub network_crn: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// `pending` until this time, then `attached`.
    pub attached_at: Timestamp,
}

/// The id of a VPC's default security group.
pub fn default_security_group_id(vpc: &str) -> String {
    format!("{vpc}-sg")
}

/// The id of a VPC's default network ACL.
pub fn default_network_acl_id(vpc: &str) -> String {
    format!("{vpc}-acl")
}

/// The id of a VPC's default routing table.
pub fn default_routing_table_id(vpc: &str) -> String {
    format!("{vpc}-rt")
}

/// The id of an account's default resource group. It is derived from the account id, so every account has it from
/// its first moment without a stored row, and references handed out before resource groups were stored stay valid.
pub fn default_resource_group_id(account: &AccountId) -> String {
    hex::encode(&Sha256::digest(format!("resource-group:{account}").as_bytes())[..16])
}
