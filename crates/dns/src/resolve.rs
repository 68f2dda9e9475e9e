//! Which zone or target answers a name at an address: a VPC's own resolver searches the longest zone it sees; a
//! custom resolver tries its secondary zones, then its longest matching forwarding rule (views first), then its
//! default rule. Pure: forwarding over the network is left to the caller as [`Outcome::Forward`].

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::resolver::{ResolverPlan, RulePlan, RuleView, SecondaryPlan, Service, Target};
use crate::secondary::Transferred;
use crate::view::{Selected, View, Views};
use crate::zone::Zone;

/// Most custom resolvers one query may pass through in-process; a longer chain is a forwarding loop.
pub const MAX_HOPS: u8 = 8;

/// Who answers a name.
#[derive(Clone, Debug)]
pub enum Outcome<'v> {
    /// A VPE service domain of a view: the endpoint gateways' names.
    Vpe {
        /// The view.
        view: &'v View,
        /// The service domain.
        domain: &'static str,
    },
    /// A DNS Services zone of a view, or a secondary zone's copy (no view).
    Zone {
        /// The view whose zone it is (CNAME chains are followed inside it).
        view: Option<&'v View>,
        /// The zone.
        zone: &'v Zone,
    },
    /// Outside every zone the resolver sees: public DNS (the upstream if set, else REFUSED).
    Public,
    /// Relay the query to these addresses in order; when none answers, the fallback answers (SERVFAIL if none).
    Forward {
        /// The targets.
        to: Vec<SocketAddr>,
        /// What answers when no target does: a later private or in-process target of the same list.
        otherwise: Option<Box<Outcome<'v>>>,
    },
    /// SERVFAIL: a secondary zone never transferred, or a forwarding loop.
    Fail,
    /// Nothing is served at the address: REFUSED.
    NoService,
}

/// One step of a resolution, for explanations.
#[derive(Clone, Debug)]
pub enum Step<'v> {
    /// The address is a VPC's own resolver.
    System {
        /// The address.
        at: Ipv4Addr,
        /// The VPC whose view answers.
        vpc: &'v str,
    },
    /// The address is served by a custom resolver.
    Resolver {
        /// The address.
        at: Ipv4Addr,
        /// The resolver.
        plan: &'v ResolverPlan,
    },
    /// An enabled secondary zone of the resolver holds the name.
    Secondary {
        /// The secondary zone.
        plan: &'v SecondaryPlan,
        /// Its copy's state, if a transfer was ever attempted.
        copy: Option<&'v Transferred>,
    },
    /// A forwarding rule applies.
    Rule {
        /// The rule.
        rule: &'v RulePlan,
        /// The view that selected the query, if one did.
        view: Option<&'v RuleView>,
        /// Whether views were evaluated (they are not without a client address).
        evaluated: bool,
    },
    /// The private resolvers answer, with the resolver's VPC as identity.
    Private {
        /// That VPC.
        vpc: &'v str,
    },
    /// The query goes through another custom resolver of this process.
    Through {
        /// Its location address.
        at: Ipv4Addr,
    },
    /// The query is relayed over the network.
    Remote {
        /// The addresses tried in order.
        to: Vec<SocketAddr>,
    },
    /// The zone of the view that is searched (only the longest matching one is).
    Zone {
        /// The zone.
        zone: &'v Zone,
    },
    /// A VPE service domain is searched.
    Vpe {
        /// The domain.
        domain: &'static str,
    },
    /// Too many resolvers in a row: a forwarding loop.
    Loop,
}

/// Resolves `name` (lowercase, as views spell it) asked at `at` by `client` (`None`: unknown, so rule views are not
/// evaluated), reporting each step to `trace`.
pub fn resolve<'v>(
    views: &'v Views,
    at: Ipv4Addr,
    client: Option<IpAddr>,
    name: &str,
    trace: &mut impl FnMut(Step<'v>),
) -> Outcome<'v> {
    resolve_at(views, at, client, name, 0, trace)
}

fn resolve_at<'v>(
    views: &'v Views,
    at: Ipv4Addr,
    client: Option<IpAddr>,
    name: &str,
    hops: u8,
    trace: &mut impl FnMut(Step<'v>),
) -> Outcome<'v> {
    match views.at(at) {
        None => Outcome::NoService,
        Some(Service::System(view)) => {
            trace(Step::System { at, vpc: &view.vpc });
            private(view, name, trace)
        }
        Some(Service::Resolver(plan)) => {
            trace(Step::Resolver { at, plan });
            through(views, plan, client, name, hops, trace)
        }
    }
}

/// What the private resolvers answer a VPC: the longest zone of its view matching the name, else public DNS.
pub fn private<'v>(view: &'v View, name: &str, trace: &mut impl FnMut(Step<'v>)) -> Outcome<'v> {
    match view.select(name) {
        Some(Selected::Zone(zone)) => {
            trace(Step::Zone { zone });
            Outcome::Zone { view: Some(view), zone }
        }
        Some(Selected::Vpe(domain)) => {
            trace(Step::Vpe { domain });
            Outcome::Vpe { view, domain }
        }
        None => Outcome::Public,
    }
}

fn through<'v>(
    views: &'v Views,
    plan: &'v ResolverPlan,
    client: Option<IpAddr>,
    name: &str,
    hops: u8,
    trace: &mut impl FnMut(Step<'v>),
) -> Outcome<'v> {
    if let Some(secondary) = plan.secondary_for(name) {
        let copy = views.transferred(&secondary.id).map(|copy| &**copy);
        trace(Step::Secondary { plan: secondary, copy });
        return match copy.and_then(|copy| copy.zone.as_deref()) {
            Some(zone) => Outcome::Zone { view: None, zone },
            None => Outcome::Fail,
        };
    }
    let rule = plan.rule_for(name);
    let view = client.and_then(|client| rule.views.iter().find(|view| view.selector.selects(client)));
    trace(Step::Rule { rule, view, evaluated: client.is_some() });
    let mut targets: &[Target] = view.map_or(&rule.forward_to, |view| &view.forward_to);
    if targets.is_empty() {
        // A rule with views only, none of which selects the query: the default rule applies.
        trace(Step::Rule { rule: &plan.default, view: None, evaluated: false });
        targets = &plan.default.forward_to;
    }
    // Network targets are tried in order until one answers; the first target answered in this process (the private
    // resolvers, public DNS or another custom resolver) always answers, so the targets after it are never reached.
    let local = targets.iter().position(|target| !matches!(target, Target::Remote(_))).unwrap_or(targets.len());
    let remote: Vec<SocketAddr> = targets[..local]
        .iter()
        .filter_map(|target| if let Target::Remote(address) = target { Some(*address) } else { None })
        .collect();
    if !remote.is_empty() {
        trace(Step::Remote { to: remote.clone() });
    }
    let otherwise = targets.get(local).map(|target| match *target {
        Target::Private => {
            trace(Step::Private { vpc: &plan.vpc });
            private(&plan.private, name, trace)
        }
        Target::Resolver(next) if hops + 1 < MAX_HOPS => {
            trace(Step::Through { at: next });
            // The next resolver sees this resolver's location address as the client.
            resolve_at(views, next, Some(IpAddr::V4(plan.address)), name, hops + 1, trace)
        }
        Target::Resolver(_) => {
            trace(Step::Loop);
            Outcome::Fail
        }
        Target::Public | Target::Remote(_) => Outcome::Public,
    });
    if remote.is_empty() {
        return otherwise.unwrap_or(Outcome::Fail);
    }
    Outcome::Forward { to: remote, otherwise: otherwise.map(Box::new) }
}
