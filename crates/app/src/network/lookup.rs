//! Each VPC's DNS endpoint, and a name as that VPC's resolver sees it, with why, in the words the caller may read.

use std::net::Ipv4Addr;
use std::sync::Arc;

use hubspoke_dns::BoundResource;
pub use hubspoke_dns::{Source, Via};
use hubspoke_iam::Caller;
use hubspoke_vpc::catalog::service_domain_of;
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
    /// The VPC asked about.
    pub vpc: String,
    /// The VPC whose resolver answered (the hub's, for a delegated VPC).
    pub resolver_vpc: String,
    /// Whose view answered.
    pub source: Source,
    /// Whether a wildcard endpoint matched.
    pub wildcard: bool,
    /// The answers.
    pub answers: Vec<LookupAnswer>,
    /// Why, one sentence per line.
    pub explanation: Vec<String>,
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

    /// `GET /_hubspoke/vpcs/{id}/dns_lookup?name=NAME`.
    pub fn dns_lookup(&self, caller: &Caller, vpc: &str, name: &str) -> AppResult<NameLookup> {
        let visible = self.visible(caller).at_region_of(vpc);
        visible.vpc(vpc)?;
        // The name as the data plane answers it now: a gateway or binding still `pending` is not served yet.
        let (served, _) = hubspoke_vpc::topology::settled(&visible.world, visible.now);
        let lookup = hubspoke_dns::lookup(&served, vpc, name);
        let answers: Vec<LookupAnswer> = lookup
            .answers
            .iter()
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
        let explanation = explain(&lookup, vpc, &answers);
        Ok(NameLookup {
            name: lookup.name,
            vpc: vpc.to_owned(),
            resolver_vpc: lookup.resolver_vpc,
            source: lookup.source,
            wildcard: lookup.wildcard,
            answers,
            explanation,
        })
    }
}

fn explain(lookup: &hubspoke_dns::Lookup, vpc: &str, answers: &[LookupAnswer]) -> Vec<String> {
    let resolver = match &lookup.source {
        Source::Own => format!("VPC `{vpc}` answers from its own view"),
        Source::Delegated { hub } => {
            format!("VPC `{vpc}` delegates its resolver to the hub `{hub}` and sees the hub's view")
        }
        Source::Manual { hub } => format!(
            "VPC `{vpc}` uses the custom resolver of the hub `{hub}` as a manual DNS server and sees the hub's view"
        ),
    };
    let mut lines = vec![resolver];
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
                "an endpoint gateway of another account in the DNS sharing topology of the hub `{}`",
                lookup.resolver_vpc
            ),
        };
        let bound = match &answer.origin {
            Some(AnswerOrigin { resource_binding: Some(binding), .. }) => {
                format!(", for its resource binding `{}` ({})", binding.name, binding.id)
            }
            _ => String::new(),
        };
        lines.push(format!("{} -> {} from {how}{bound}", lookup.name, answer.address));
    }
    if answers.is_empty() {
        let in_domain = service_domain_of(&lookup.name).is_some();
        lines.push(if in_domain {
            format!(
                "no endpoint gateway in this view serves `{}`: NXDOMAIN (or forwarded with --dns-upstream)",
                lookup.name
            )
        } else {
            format!("`{}` is outside the VPE service domains: REFUSED (or forwarded with --dns-upstream)", lookup.name)
        });
    }
    lines
}
