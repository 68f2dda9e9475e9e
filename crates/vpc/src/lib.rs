//! The VPC domain of hubspoke: regions and zones, VPCs and their address prefixes, subnets and reserved IPs,
//! endpoint gateways, DNS resolution bindings and DNS Services custom resolvers, with every rule of `docs/rules.md`
//! (the DNS sharing rules and the address prefix rules P1–P11).
//!
//! # Layout
//!
//! - [`region`]: the catalog of regions and zones (with each region's id prefix and default address prefixes), id
//!   and CRN formats.
//! - [`model`]: the entities.
//! - [`world`]: [`World`], an immutable snapshot of every entity, and [`Draft`], a change to it that records what it
//!   touched (so the store can persist exactly that).
//! - [`catalog`]: which service endpoints (FQDNs) an endpoint gateway target serves.
//! - [`global_catalog`]: the Global Catalog entries of DNS Services (the service, its plans, their deployments).
//! - [`rules`]: one module per resource; each command is a pure function from a world and an input to a new world,
//!   or a [`RuleError`] naming the rule that refused it.
//! - [`topology`]: hubs, spokes and what each VPC's DNS sees, derived from a world.
//! - [`consistency`]: what must hold of a whole world, checked when one arrives from outside the rules.
//!
//! This crate is pure: no IO, no clock, no randomness (callers pass [`Context`] with the time and an id source), no
//! serialization. It asks the `iam` crate's decision engine whether a binding is authorized.

pub mod catalog;
pub mod consistency;
pub mod error;
pub mod expression;
pub mod global_catalog;
pub mod model;
pub mod region;
pub mod rules;
pub mod topology;
pub mod world;

pub use error::RuleError;
pub use model::*;
pub use world::{Draft, EntityKey, World};

use hubspoke_iam::{AccountId, Timestamp};

/// What hubspoke's enforcement points do with a refused authorization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enforcement {
    /// Refuse (IBM's behaviour).
    Enforce,
    /// Let the operation go ahead, but report the refusal.
    Soft,
    /// Do not ask.
    Off,
}

impl Enforcement {
    /// The name used by the flag and the health endpoint.
    pub fn as_str(self) -> &'static str {
        match self {
            Enforcement::Enforce => "enforce",
            Enforcement::Soft => "soft",
            Enforcement::Off => "off",
        }
    }
}

/// A source of fresh ids (UUID v4 text); the application supplies randomness.
pub trait Ids {
    /// A new lowercase UUID.
    fn uuid(&mut self) -> String;
    /// A random index below `bound`, for generated names.
    fn pick(&mut self, bound: usize) -> usize;
}

/// Everything a command needs besides the world and its input.
pub struct Context<'a> {
    /// The account acting; `None` for the operator, who may act on any account's resources but owns none.
    pub account: Option<AccountId>,
    /// Whether the caller is the operator (who may act in any account).
    pub operator: bool,
    /// The region whose endpoint the request reached: new resources are created in it, and resources of other
    /// regions are not found through it.
    pub region: &'static region::Region,
    /// The time of the command.
    pub now: Timestamp,
    /// Fresh ids.
    pub ids: &'a mut dyn Ids,
    /// The decision index to ask about bindings.
    pub policies: &'a hubspoke_iam::PolicyIndex,
    /// What to do when the decision is a refusal.
    pub enforcement: Enforcement,
    /// How long new and changed bindings and gateways stay `pending`/`updating`, in milliseconds.
    pub propagation_delay_ms: i64,
    /// How long a new or changed policy takes to count in decisions, in milliseconds.
    pub iam_propagation_delay_ms: i64,
    /// Refusals that [`Enforcement::Soft`] let through, for the activity log.
    pub waived: Vec<RuleError>,
}

impl Context<'_> {
    /// Whether the caller may act on a resource of `owner`, wherever it is (DNS Services is a global service).
    pub fn may_act_in(&self, owner: &AccountId) -> bool {
        self.operator || self.account.as_ref() == Some(owner)
    }

    /// Whether the caller may act on the regional resource `id` of `owner` through this request's region.
    pub fn may_act_on(&self, owner: &AccountId, id: &str) -> bool {
        self.may_act_in(owner) && self.in_region(id)
    }

    /// Whether the resource `id` is in the request's region.
    pub fn in_region(&self, id: &str) -> bool {
        region::region_of_id(id).is_some_and(|region| region.name == self.region.name)
    }

    /// A fresh id of a resource in the request's region.
    pub fn new_id(&mut self) -> String {
        self.region.resource_id(&self.ids.uuid())
    }

    /// The decision on `request` at the command's time, counting only policies that have propagated by then.
    pub fn decide(&self, request: &hubspoke_iam::AccessRequest) -> hubspoke_iam::Decision {
        self.policies.decide_as_of(request, propagated_by(self.now, self.iam_propagation_delay_ms))
    }
}

/// The newest change a decision at `now` may count when policies take `delay_ms` to propagate; `None` when they take
/// effect at once.
pub fn propagated_by(now: Timestamp, delay_ms: i64) -> Option<Timestamp> {
    (delay_ms > 0).then(|| Timestamp(now.0 - delay_ms))
}
