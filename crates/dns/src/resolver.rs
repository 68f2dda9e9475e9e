//! What a custom resolver does with a query, compiled from its secondary zones and forwarding rules: the plan that
//! [`crate::resolve`] walks for every query reaching one of the resolver's location addresses.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use crate::view::View;
use crate::zone::within;

/// What serves one address.
#[derive(Clone, Debug)]
pub enum Service {
    /// A VPC's own resolver (its `dns_endpoint`), answering privately with that VPC as identity.
    System(Arc<View>),
    /// A custom resolver: a location address, or the endpoint of a VPC that resolves through the resolver (a spoke
    /// delegated to the resolver's hub).
    Resolver(Arc<ResolverPlan>),
}

/// One custom resolver, compiled.
#[derive(Clone, Debug)]
pub struct ResolverPlan {
    /// The resolver's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The VPC its locations are in: its identity when it answers privately.
    pub vpc: String,
    /// The address of its first enabled location: the client address other resolvers see when it forwards to them.
    pub address: Ipv4Addr,
    /// The private view of its VPC (what 161.26.0.7 and .8 answer it).
    pub private: Arc<View>,
    /// Its enabled secondary zones.
    pub secondaries: Vec<SecondaryPlan>,
    /// Its zone forwarding rules.
    pub rules: Vec<RulePlan>,
    /// Its default rule (`match` `*`).
    pub default: RulePlan,
}

/// A secondary zone of a resolver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecondaryPlan {
    /// The secondary zone's id.
    pub id: String,
    /// The zone's apex (lowercase, no trailing dot).
    pub zone: String,
    /// The primaries to transfer from, in order.
    pub transfer_from: Vec<SocketAddr>,
}

/// A forwarding rule.
#[derive(Clone, Debug)]
pub struct RulePlan {
    /// The rule's id.
    pub id: String,
    /// Its `match` (lowercase, no trailing dot; `*` for the default rule).
    pub matches: String,
    /// Where queries go when no view selects them.
    pub forward_to: Vec<Target>,
    /// Its views, in order.
    pub views: Vec<RuleView>,
}

/// A view of a forwarding rule: queries from clients its expression selects go to its own targets.
#[derive(Clone, Debug)]
pub struct RuleView {
    /// The view's name.
    pub name: String,
    /// Its expression, as written.
    pub expression: String,
    /// Which client addresses it selects.
    pub selector: Selector,
    /// Where the queries it selects go.
    pub forward_to: Vec<Target>,
}

/// The predicate of a rule view over the client's address.
#[derive(Clone)]
pub struct Selector(Arc<dyn Fn(IpAddr) -> bool + Send + Sync>);

impl Selector {
    /// A selector from a predicate.
    pub fn new(predicate: impl Fn(IpAddr) -> bool + Send + Sync + 'static) -> Selector {
        Selector(Arc::new(predicate))
    }

    /// Whether the view selects a query from `client`.
    pub fn selects(&self, client: IpAddr) -> bool {
        (self.0)(client)
    }
}

impl std::fmt::Debug for Selector {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Selector")
    }
}

/// Where a rule sends a query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// 161.26.0.7 or 161.26.0.8: the private resolvers, answering with the forwarding resolver's VPC as identity.
    Private,
    /// 161.26.0.10 or 161.26.0.11: public DNS (hubspoke's `--dns-upstream`, REFUSED without one).
    Public,
    /// A location address of a custom resolver served by this process: resolved in-process through that resolver.
    Resolver(Ipv4Addr),
    /// Any other address: the query is relayed there over the network.
    Remote(SocketAddr),
}

/// The private resolvers' addresses.
pub const PRIVATE_RESOLVERS: [Ipv4Addr; 2] = [Ipv4Addr::new(161, 26, 0, 7), Ipv4Addr::new(161, 26, 0, 8)];
/// The public resolvers' addresses.
pub const PUBLIC_RESOLVERS: [Ipv4Addr; 2] = [Ipv4Addr::new(161, 26, 0, 10), Ipv4Addr::new(161, 26, 0, 11)];

impl Target {
    /// What an address (with its port, 53 unless given) means as a forwarding target, given the location addresses
    /// of every custom resolver this process serves.
    pub fn of(address: IpAddr, port: Option<u16>, is_location: impl Fn(Ipv4Addr) -> bool) -> Target {
        let port = port.unwrap_or(53);
        match address {
            IpAddr::V4(v4) if port == 53 && PRIVATE_RESOLVERS.contains(&v4) => Target::Private,
            IpAddr::V4(v4) if port == 53 && PUBLIC_RESOLVERS.contains(&v4) => Target::Public,
            IpAddr::V4(v4) if port == 53 && is_location(v4) => Target::Resolver(v4),
            _ => Target::Remote(SocketAddr::new(address, port)),
        }
    }
}

impl ResolverPlan {
    /// The enabled secondary zone that holds `name` (the longest, if several).
    pub fn secondary_for(&self, name: &str) -> Option<&SecondaryPlan> {
        self.secondaries.iter().filter(|s| within(name, &s.zone)).max_by_key(|s| s.zone.len())
    }

    /// The rule for `name`: the longest zone rule whose `match` is the name or a suffix of it, else the default.
    pub fn rule_for(&self, name: &str) -> &RulePlan {
        self.rules.iter().filter(|r| within(name, &r.matches)).max_by_key(|r| r.matches.len()).unwrap_or(&self.default)
    }

    /// A plan whose only rule is the default one, answering privately.
    pub fn private_only(id: &str, name: &str, vpc: &str, address: Ipv4Addr, private: Arc<View>) -> ResolverPlan {
        ResolverPlan {
            id: id.to_owned(),
            name: name.to_owned(),
            vpc: vpc.to_owned(),
            address,
            private,
            secondaries: Vec::new(),
            rules: Vec::new(),
            default: RulePlan {
                id: String::new(),
                matches: "*".into(),
                forward_to: vec![Target::Private],
                views: Vec::new(),
            },
        }
    }
}
