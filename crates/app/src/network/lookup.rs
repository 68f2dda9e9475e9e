//! Each VPC's DNS endpoint, and a name as that VPC's resolver sees it, with why, in the words the caller may read.

use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;
use std::sync::Arc;

use hubspoke_dns::BoundResource;
use hubspoke_dns::lookup::{Ending, Hop, Lookup};
use hubspoke_dns::lookup::{RecordType, ResponseCode};
use hubspoke_dns::zone::Origin;
pub use hubspoke_dns::{Source, Via};
use hubspoke_iam::Caller;
use hubspoke_vpc::model::BindingMode;

use crate::{App, AppError, AppResult};

/// Where DNS clients inside a VPC send their queries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DnsEndpoint {
    /// The loopback address that stands for the VPC's resolver.
    pub address: Ipv4Addr,
    /// The port it answers on, over UDP and TCP.
    pub port: u16,
}

/// A name as one VPC's resolver answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameLookup {
    /// The name asked (lowercase).
    pub name: String,
    /// The record type asked (`A` unless given).
    pub record_type: String,
    /// The VPC asked about.
    pub vpc: String,
    /// The VPC whose resolver answered (the hub's, for a delegated VPC).
    pub resolver_vpc: String,
    /// Whose view answered.
    pub source: Source,
    /// Whether a wildcard endpoint or record matched.
    pub wildcard: bool,
    /// The response code the VPC's resolver answers (`NOERROR`, `NXDOMAIN`, …); `None` when the query is relayed to
    /// another server.
    pub code: Option<String>,
    /// The endpoint gateways' addresses (A answers from a VPE service domain).
    pub answers: Vec<LookupAnswer>,
    /// Every record answered, whatever produced it.
    pub records: Vec<LookupRecord>,
    /// The steps, in order, as far as the caller may see them.
    pub steps: Vec<LookupStep>,
    /// Why, one sentence per line.
    pub explanation: Vec<String>,
}

/// One record of an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupRecord {
    /// Its owner name (no trailing dot).
    pub name: String,
    /// Its type.
    pub record_type: String,
    /// Its TTL.
    pub ttl: u32,
    /// Its data in zone-file spelling.
    pub data: String,
}

/// One step of a lookup; names of another account's resources are left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupStep {
    /// What happened: `vpc_resolver`, `custom_resolver`, `secondary_zone`, `forwarding_rule`, `private_resolvers`,
    /// `through_resolver`, `forwarded`, `zone`, `vpe_domain`, `loop`.
    pub kind: &'static str,
    /// The resource or address concerned, when the caller may see it.
    pub id: Option<String>,
    /// A name, zone, `match` or address list describing it.
    pub detail: Option<String>,
    /// The view of a forwarding rule that selected the query.
    pub view: Option<String>,
}

/// One address a name resolves to, and as much of where it comes from as the caller may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupAnswer {
    /// The address.
    pub address: Ipv4Addr,
    /// The endpoint gateway, its VPC and why the view holds it; `None` when the gateway is another account's that
    /// the caller may not see (a delegated spoke resolves other tenants' gateways through the hub, by address only).
    pub origin: Option<AnswerOrigin>,
}

/// The gateway behind an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerOrigin {
    /// The gateway's id.
    pub gateway: String,
    /// Its name.
    pub gateway_name: String,
    /// Its mode.
    pub mode: BindingMode,
    /// Its VPC.
    pub vpc: String,
    /// Why the view holds it.
    pub via: Via,
    /// The resource binding that produced the answer (a `per_resource_binding` gateway's).
    pub resource_binding: Option<BoundResource>,
}

impl App {
    /// Attaches the DNS data plane, whose ports the DNS endpoint operation reports (the server starts it after the
    /// application, and feeds it every published world).
    pub fn attach_data_plane(&self, plane: Arc<hubspoke_dns::DataPlane>) {
        let _ = self.data_plane.set(plane);
    }

    /// `GET /_hubspoke/vpcs/{id}/dns_endpoint`.
    pub async fn dns_endpoint(&self, caller: &Caller, vpc: &str) -> AppResult<DnsEndpoint> {
        let address = self.visible(caller).at_region_of(vpc).vpc(vpc)?.dns_endpoint;
        let plane =
            self.data_plane.get().ok_or_else(|| AppError::Internal("the DNS data plane is not running".into()))?;
        // The data plane follows the world a moment after each write; a VPC created just now may not be served yet,
        // so serve the current world rather than report a port that is not bound.
        if plane.port_of(address).is_none() {
            plane.apply(&self.replica.world()).await;
        }
        if plane.port_of(address).is_none()
            && let Some((_, reason)) = plane.unserved().into_iter().find(|(unserved, _)| *unserved == address)
        {
            return Err(AppError::DnsEndpointUnavailable(format!(
                "the DNS endpoint `{address}` of VPC `{vpc}` cannot be served on port {}: {reason}; another server may be using that port (see `--dns-port`)",
                plane.configured_port()
            )));
        }
        let port = plane.port_of(address).unwrap_or_else(|| plane.configured_port());
        Ok(DnsEndpoint { address, port })
    }

    /// `GET /_hubspoke/vpcs/{id}/dns_lookup?name=NAME[&type=TYPE][&source=IP]`: `source` is the client's address
    /// that forwarding rules' views are evaluated against (not evaluated without it).
    pub fn dns_lookup(
        &self,
        caller: &Caller,
        vpc: &str,
        name: &str,
        record_type: Option<&str>,
        source: Option<IpAddr>,
    ) -> AppResult<NameLookup> {
        let visible = self.visible(caller).at_region_of(vpc);
        let endpoint = visible.vpc(vpc)?.dns_endpoint;
        let kind = match record_type {
            None => RecordType::A,
            Some(text) => match RecordType::from_str(&text.to_ascii_uppercase()) {
                Ok(kind) if !matches!(kind, RecordType::Unknown(_)) => kind,
                _ => {
                    return Err(AppError::InvalidParameter {
                        name: "type",
                        message: format!("`{text}` is not a DNS record type"),
                    });
                }
            },
        };
        // The name as the data plane answers it now: a gateway or binding still `pending` is not served yet; the
        // secondary zones' copies are the data plane's.
        let (served, _) = hubspoke_vpc::topology::settled(&visible.world, visible.now);
        let (views, settings) = match self.data_plane.get() {
            Some(plane) => (plane.compile(&served), plane.settings()),
            None => (hubspoke_dns::compile(&served), hubspoke_dns::Settings { ttl: 30, upstream: None }),
        };
        let lookup = hubspoke_dns::lookup::lookup(&views, endpoint, source, name, kind, settings);
        let (resolver_vpc, source_kind) = hubspoke_dns::owner_of(&served, vpc);
        let (gateway_answers, wildcard) = match &lookup.ending {
            Ending::Vpe { answers, wildcard } => (answers.clone(), *wildcard),
            Ending::Zone { wildcard, .. } => (Vec::new(), *wildcard),
            _ => (Vec::new(), false),
        };
        let answers: Vec<LookupAnswer> = gateway_answers
            .iter()
            .filter(|_| matches!(kind, RecordType::A | RecordType::ANY))
            .map(|answer| {
                // The gateway's own account sees it, and so does the hub whose binding shares it (the hub lists the
                // spoke's shared gateways on the binding); a delegated spoke sees other tenants' by address only.
                let own = visible.world.gateway(&answer.gateway).is_some_and(|g| visible.sees(&g.account));
                let shared_with_caller = match &answer.via {
                    Via::Binding { binding, .. } => {
                        visible.world.binding(binding).is_some_and(|b| visible.sees(&b.hub_account))
                    }
                    Via::Own => false,
                };
                let seen = own || shared_with_caller;
                LookupAnswer {
                    address: answer.address,
                    origin: seen.then(|| AnswerOrigin {
                        gateway: answer.gateway.clone(),
                        gateway_name: answer.gateway_name.clone(),
                        mode: answer.mode,
                        vpc: answer.vpc.clone(),
                        via: answer.via.clone(),
                        resource_binding: answer.resource_binding.clone(),
                    }),
                }
            })
            .collect();
        let records: Vec<LookupRecord> = lookup
            .records
            .iter()
            .map(|record| LookupRecord {
                name: record.name.to_ascii().trim_end_matches('.').to_owned(),
                record_type: record.record_type().to_string(),
                ttl: record.ttl,
                data: record.data.to_string(),
            })
            .collect();
        let steps = steps(&lookup.hops, &visible);
        let explanation = explain(&lookup, vpc, &source_kind, &resolver_vpc, &answers, &steps);
        Ok(NameLookup {
            name: lookup.name,
            record_type: kind.to_string(),
            vpc: vpc.to_owned(),
            resolver_vpc,
            source: source_kind,
            wildcard,
            code: lookup.code.map(mnemonic),
            answers,
            records,
            steps,
            explanation,
        })
    }
}

/// A response code as `dig` spells it (`NOERROR`, `NXDOMAIN`, …).
fn mnemonic(code: ResponseCode) -> String {
    match code {
        ResponseCode::NoError => "NOERROR".into(),
        ResponseCode::FormErr => "FORMERR".into(),
        ResponseCode::ServFail => "SERVFAIL".into(),
        ResponseCode::NXDomain => "NXDOMAIN".into(),
        ResponseCode::NotImp => "NOTIMP".into(),
        ResponseCode::Refused => "REFUSED".into(),
        other => u16::from(other).to_string(),
    }
}

/// The steps as the caller may see them: another account's custom resolver, rule, zone or secondary zone is named by
/// its kind only.
fn steps(hops: &[Hop], visible: &super::Visible) -> Vec<LookupStep> {
    let resolver_seen = |id: &str| visible.world.resolver(id).is_some_and(|r| visible.sees(&r.account));
    let mut current_resolver_seen = true;
    let step = |kind, id: Option<String>, detail: Option<String>| LookupStep { kind, id, detail, view: None };
    hops.iter()
        .map(|hop| match hop {
            Hop::System { at, vpc } => step("vpc_resolver", Some(vpc.clone()), Some(at.to_string())),
            Hop::Resolver { at, id, name, .. } => {
                current_resolver_seen = resolver_seen(id);
                if current_resolver_seen {
                    step("custom_resolver", Some(id.clone()), Some(format!("{name} at {at}")))
                } else {
                    step("custom_resolver", None, Some(at.to_string()))
                }
            }
            Hop::Secondary { id, zone, .. } => {
                step("secondary_zone", current_resolver_seen.then(|| id.clone()), Some(zone.clone()))
            }
            Hop::Rule { id, matches, view, .. } => LookupStep {
                kind: "forwarding_rule",
                id: current_resolver_seen.then(|| id.clone()),
                detail: Some(matches.clone()),
                view: view.clone().filter(|_| current_resolver_seen),
            },
            Hop::Private { vpc } => step("private_resolvers", Some(vpc.clone()), None),
            Hop::Through { at } => step("through_resolver", None, Some(at.to_string())),
            Hop::Remote { to } => {
                step("forwarded", None, Some(to.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")))
            }
            Hop::Zone { apex, origin } => {
                // Another account's zone (a hub's, seen from a delegated spoke) is named by its apex only.
                let id = match origin {
                    Origin::Private { id, .. } => {
                        visible.world.dns_zone(id).is_some_and(|zone| visible.sees(&zone.account)).then(|| id.clone())
                    }
                    Origin::Secondary { id } => visible
                        .world
                        .secondary_zone(id)
                        .is_some_and(|zone| visible.sees(&zone.account))
                        .then(|| id.clone()),
                };
                step("zone", id, Some(apex.clone()))
            }
            Hop::Vpe { domain } => step("vpe_domain", None, Some(domain.clone())),
            Hop::Loop => step("loop", None, None),
        })
        .collect()
}

fn explain(
    lookup: &Lookup,
    vpc: &str,
    source: &Source,
    resolver_vpc: &str,
    answers: &[LookupAnswer],
    steps: &[LookupStep],
) -> Vec<String> {
    let resolver = match source {
        Source::Own => format!("VPC `{vpc}` answers from its own view"),
        Source::Delegated { hub } => {
            format!("VPC `{vpc}` delegates its resolver to the hub `{hub}` and sees the hub's view")
        }
        Source::Manual { hub } => format!(
            "VPC `{vpc}` uses the custom resolver of the hub `{hub}` as a manual DNS server and sees the hub's view"
        ),
    };
    let mut lines = vec![resolver];
    let name = &lookup.name;
    for (step, hop) in steps.iter().zip(&lookup.hops) {
        let id = |what: &str| match &step.id {
            Some(id) => format!("{what} `{id}`"),
            None => format!("a {what} of another account"),
        };
        match hop {
            Hop::System { .. } => {}
            Hop::Resolver { at, .. } => lines.push(format!("{} takes the query at {at}", id("custom resolver"))),
            Hop::Secondary { zone, serial, from, error, .. } => {
                let copy = match (serial, from) {
                    (Some(serial), Some(from)) => format!("answered from its copy (serial {serial}, from {from})"),
                    _ => "never transferred: SERVFAIL".to_owned(),
                };
                lines.push(format!("{} `{zone}` holds `{name}`: {copy}", id("secondary zone")));
                if let Some(error) = error {
                    lines.push(format!("its last transfer failed: {error}"));
                }
            }
            Hop::Rule { matches, view, evaluated, views, .. } => {
                let what = if matches == "*" {
                    "default forwarding rule".to_owned()
                } else {
                    format!("forwarding rule for `{matches}`")
                };
                let by = match (view, evaluated) {
                    (Some(view), _) => format!(", through its view `{view}` (it selects the client address)"),
                    (None, true) if *views > 0 => ", no view selects the client address".to_owned(),
                    (None, false) if *views > 0 => {
                        ", its views not evaluated (give `source` to evaluate them for a client address)".to_owned()
                    }
                    _ => String::new(),
                };
                lines.push(format!("{} applies{by}", id(&what)));
            }
            Hop::Private { vpc } => lines.push(format!("the private resolvers answer with VPC `{vpc}` as identity")),
            Hop::Through { at } => lines.push(format!("forwarded in-process to the custom resolver at {at}")),
            Hop::Remote { to } => lines.push(format!(
                "relayed to {} in order (the first that answers)",
                to.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            )),
            Hop::Zone { apex, origin } => lines.push(match origin {
                Origin::Private { .. } => format!("{} `{apex}` is the longest zone matching `{name}`", id("DNS zone")),
                Origin::Secondary { .. } => format!("the transferred copy of `{apex}` answers"),
            }),
            Hop::Vpe { domain } => lines.push(format!("the VPE service domain `{domain}` answers")),
            Hop::Loop => lines.push("the query loops between custom resolvers: SERVFAIL".to_owned()),
        }
    }
    for answer in answers {
        let how = match &answer.origin {
            Some(AnswerOrigin { gateway, gateway_name, mode, vpc, via: Via::Own, .. }) => {
                format!("endpoint gateway `{gateway_name}` ({gateway}, `{}`) in VPC `{vpc}`", mode.as_str())
            }
            Some(AnswerOrigin { gateway, gateway_name, mode, via: Via::Binding { binding, spoke }, .. }) => format!(
                "endpoint gateway `{gateway_name}` ({gateway}, `{}`) in the spoke VPC `{spoke}`, shared with the hub through the DNS resolution binding `{binding}`",
                mode.as_str()
            ),
            None => format!(
                "an endpoint gateway of another account in the DNS sharing topology of the hub `{resolver_vpc}`"
            ),
        };
        let bound = match &answer.origin {
            Some(AnswerOrigin { resource_binding: Some(binding), .. }) => {
                format!(", for its resource binding `{}` ({})", binding.name, binding.id)
            }
            _ => String::new(),
        };
        lines.push(format!("{name} -> {} from {how}{bound}", answer.address));
    }
    if let Ending::Zone { records, .. } = &lookup.ending
        && !records.is_empty()
    {
        lines.push(format!("records: {}", records.join(", ")));
    }
    match (&lookup.ending, lookup.code) {
        (Ending::Vpe { answers, .. }, Some(ResponseCode::NXDomain)) if answers.is_empty() => {
            lines.push(format!("no endpoint gateway in this view serves `{name}`: NXDOMAIN"))
        }
        (Ending::Vpe { .. }, None) => lines.push(format!(
            "no endpoint gateway in this view serves `{name}`: forwarded to public DNS (--dns-upstream)"
        )),
        (Ending::Zone { records, .. }, Some(code)) if records.is_empty() => {
            lines.push(format!("the zone holds no record of that type for `{name}`: {}", mnemonic(code)))
        }
        (Ending::Public, Some(_)) => {
            lines.push(format!("`{name}` is outside every zone this resolver sees: REFUSED (no --dns-upstream)"))
        }
        (Ending::Public, None) => lines.push(format!(
            "`{name}` is outside every zone this resolver sees: forwarded to public DNS (--dns-upstream)"
        )),
        (Ending::Failed, _) => lines.push("SERVFAIL".to_owned()),
        (Ending::Refused, _) => lines.push("nothing serves this VPC's DNS endpoint: REFUSED".to_owned()),
        _ => {}
    }
    lines
}
