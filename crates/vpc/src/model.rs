//! The entities of the VPC domain. Fields are the facts; everything IBM derives (counts, servers, health, lifecycle
//! state at a given time) is computed by [`crate::topology`] and the read helpers here.

use std::net::Ipv4Addr;

use hubspoke_iam::{AccountId, Timestamp};
use ipnet::Ipv4Net;

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
