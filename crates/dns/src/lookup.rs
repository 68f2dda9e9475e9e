//! A name resolved as the data plane resolves it, with every step on the way (the resolver, secondary zone, rule,
//! view, zone and records behind the answer), for `hubspoke dns lookup`. Nothing is sent over the network: a query
//! a rule forwards to another server is reported as forwarded.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

pub use hickory_proto::op::ResponseCode;
use hickory_proto::op::{Message, MessageType, OpCode, Query};
pub use hickory_proto::rr::RecordType;
use hickory_proto::rr::{Name, Record};

use crate::answer::{Reply, Settings, Transport, respond_as, view_name};
use crate::resolve::{Outcome, Step, resolve};
use crate::view::{Answer, Views};
use crate::zone::{Found, Origin};

/// One step of a resolution, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hop {
    /// A VPC's own resolver answered privately.
    System {
        /// The address asked.
        at: Ipv4Addr,
        /// The VPC whose view answers.
        vpc: String,
    },
    /// A custom resolver took the query.
    Resolver {
        /// The address asked.
        at: Ipv4Addr,
        /// The resolver's id.
        id: String,
        /// Its name.
        name: String,
        /// Its VPC.
        vpc: String,
    },
    /// An enabled secondary zone of the resolver holds the name.
    Secondary {
        /// The secondary zone's id.
        id: String,
        /// The zone.
        zone: String,
        /// The copy's serial, when a transfer succeeded.
        serial: Option<u32>,
        /// Where the copy came from.
        from: Option<SocketAddr>,
        /// The last transfer's failure, if it failed.
        error: Option<String>,
    },
    /// A forwarding rule applied.
    Rule {
        /// The rule's id.
        id: String,
        /// Its `match`.
        matches: String,
        /// The view that selected the query, if one did.
        view: Option<String>,
        /// Whether the rule's views were evaluated (not without a client address).
        evaluated: bool,
        /// How many views the rule has.
        views: usize,
    },
    /// The private resolvers answered with this VPC as identity.
    Private {
        /// The VPC.
        vpc: String,
    },
    /// The query went through the custom resolver at this address.
    Through {
        /// The address.
        at: Ipv4Addr,
    },
    /// The query is relayed over the network to these addresses in order.
    Remote {
        /// The addresses.
        to: Vec<SocketAddr>,
    },
    /// The longest zone matching the name was searched.
    Zone {
        /// Its apex.
        apex: String,
        /// Where its records come from.
        origin: Origin,
    },
    /// A VPE service domain was searched.
    Vpe {
        /// The domain.
        domain: String,
    },
    /// The query looped between resolvers.
    Loop,
}

/// How the lookup ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Answered from a VPE service domain: the endpoint gateways behind the answers.
    Vpe {
        /// The gateways' answers.
        answers: Vec<Answer>,
        /// Whether a wildcard endpoint matched.
        wildcard: bool,
    },
    /// Answered from a zone: the ids of the records that match the name.
    Zone {
        /// The records' ids (empty for a transferred copy).
        records: Vec<String>,
        /// Whether a wildcard record matched.
        wildcard: bool,
    },
    /// Relayed to other servers (and, if none answers, to what follows them).
    Forwarded,
    /// Outside every zone: public DNS, if the process has an upstream.
    Public,
    /// SERVFAIL (a secondary zone never transferred, a loop).
    Failed,
    /// Nothing serves the address.
    Refused,
}

/// A name as one address resolves it.
#[derive(Clone, Debug)]
pub struct Lookup {
    /// The name (lowercase, no trailing dot).
    pub name: String,
    /// The type asked.
    pub record_type: RecordType,
    /// The steps, in order.
    pub hops: Vec<Hop>,
    /// How it ended.
    pub ending: Ending,
    /// The response code the data plane answers (`None` when the query is relayed elsewhere).
    pub code: Option<ResponseCode>,
    /// The records it answers.
    pub records: Vec<Record>,
}

/// Resolves `name` of `record_type` at `at` for `client` as the data plane would.
pub fn lookup(
    views: &Views,
    at: Ipv4Addr,
    client: Option<IpAddr>,
    name: &str,
    record_type: RecordType,
    settings: Settings,
) -> Lookup {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let name = Name::from_ascii(format!("{name}.")).map(|n| view_name(&n)).unwrap_or(name);
    let mut steps = Vec::new();
    let outcome = resolve(views, at, client, &name, &mut |step| steps.push(step));
    let hops = steps.into_iter().map(hop).collect();
    let ending = ending(&outcome, &name);
    let (code, records) = match Name::from_ascii(format!("{name}.")) {
        Ok(query_name) => {
            let mut message = Message::new(1, MessageType::Query, OpCode::Query);
            message.add_query(Query::query(query_name, record_type));
            let reply =
                message.to_vec().ok().map(|packet| respond_as(views, at, client, &packet, Transport::Tcp, settings));
            match reply {
                Some(Reply::Send(bytes)) => match Message::from_vec(&bytes) {
                    Ok(answer) => (Some(answer.metadata.response_code), answer.answers),
                    Err(_) => (None, Vec::new()),
                },
                _ => (None, Vec::new()),
            }
        }
        Err(_) => (Some(ResponseCode::FormErr), Vec::new()),
    };
    Lookup { name, record_type, hops, ending, code, records }
}

fn ending(outcome: &Outcome, name: &str) -> Ending {
    match outcome {
        Outcome::Vpe { view, .. } => {
            let answers = view.find(name).map(<[Answer]>::to_vec).unwrap_or_default();
            Ending::Vpe { wildcard: !answers.is_empty() && !view.has_exact(name), answers }
        }
        Outcome::Zone { zone, .. } => match zone.find(name) {
            Found::Node { entries, wildcard } => Ending::Zone {
                records: entries.iter().filter(|e| !e.id.is_empty()).map(|e| e.id.clone()).collect(),
                wildcard,
            },
            Found::Empty | Found::Missing => Ending::Zone { records: Vec::new(), wildcard: false },
        },
        Outcome::Forward { .. } => Ending::Forwarded,
        Outcome::Public => Ending::Public,
        Outcome::Fail => Ending::Failed,
        Outcome::NoService => Ending::Refused,
    }
}

fn hop(step: Step) -> Hop {
    match step {
        Step::System { at, vpc } => Hop::System { at, vpc: vpc.to_owned() },
        Step::Resolver { at, plan } => {
            Hop::Resolver { at, id: plan.id.clone(), name: plan.name.clone(), vpc: plan.vpc.clone() }
        }
        Step::Secondary { plan, copy } => Hop::Secondary {
            id: plan.id.clone(),
            zone: plan.zone.clone(),
            serial: copy.and_then(|copy| copy.serial()),
            from: copy.and_then(|copy| copy.from),
            error: copy.and_then(|copy| copy.error.clone()),
        },
        Step::Rule { rule, view, evaluated } => Hop::Rule {
            id: rule.id.clone(),
            matches: rule.matches.clone(),
            view: view.map(|view| view.name.clone()),
            evaluated,
            views: rule.views.len(),
        },
        Step::Private { vpc } => Hop::Private { vpc: vpc.to_owned() },
        Step::Through { at } => Hop::Through { at },
        Step::Remote { to } => Hop::Remote { to },
        Step::Zone { zone } => Hop::Zone { apex: zone.apex.clone(), origin: zone.origin.clone() },
        Step::Vpe { domain } => Hop::Vpe { domain: domain.to_owned() },
        Step::Loop => Hop::Loop,
    }
}
