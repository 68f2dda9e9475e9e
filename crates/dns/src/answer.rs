//! One query packet in, one reply out: authoritative answers from the zone [`crate::resolve`] picks (a VPE service
//! domain of a view, a DNS Services zone, a secondary zone's copy), NODATA and NXDOMAIN with that zone's SOA, REFUSED
//! or forwarding outside every zone, FORMERR for malformed queries, the TC bit when a UDP answer does not fit.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use hickory_proto::op::{Edns, Message, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::{A, NS};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use crate::resolve::{Outcome, resolve};
use crate::view::{Selected, View, Views};
use crate::zone::{Found, Zone, name_server, soa_at, within};

/// How the query arrived; UDP answers are limited in size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// UDP: 512 bytes, or the client's EDNS payload size (at most 4096).
    Udp,
    /// TCP: up to 65535 bytes.
    Tcp,
}

/// What to do with a packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Send these bytes back.
    Send(Vec<u8>),
    /// Relay the query to these addresses in order; send the first answer, or `fallback` when none answers.
    Forward {
        /// The addresses.
        to: Vec<SocketAddr>,
        /// The reply when no address answers (SERVFAIL, or what a later in-process target answered).
        fallback: Vec<u8>,
        /// The largest reply the client takes (its UDP payload size; 65535 over TCP).
        limit: usize,
    },
    /// Send nothing (a response, or something too short to answer).
    Drop,
}

/// What answering needs besides the views.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// TTL of the endpoint gateways' answers and of hubspoke's SOAs' negative caching.
    pub ttl: u32,
    /// Public DNS: where names outside every zone are forwarded, if anywhere.
    pub upstream: Option<SocketAddr>,
}

/// The EDNS payload size hubspoke advertises (the DNS flag day 2020 recommendation).
const ADVERTISED_PAYLOAD: u16 = 1232;
/// Most CNAME links followed inside one view.
const MAX_CHAIN: usize = 8;

/// Answers one packet received at `destination` from `client`.
pub fn respond(
    views: &Views,
    destination: Ipv4Addr,
    client: IpAddr,
    packet: &[u8],
    transport: Transport,
    settings: Settings,
) -> Reply {
    respond_as(views, destination, Some(client), packet, transport, settings)
}

/// Answers one packet for a client whose address may be unknown (rule views are then not evaluated).
pub(crate) fn respond_as(
    views: &Views,
    destination: Ipv4Addr,
    client: Option<IpAddr>,
    packet: &[u8],
    transport: Transport,
    settings: Settings,
) -> Reply {
    if packet.len() < 12 || packet[2] & 0x80 != 0 {
        // Too short to carry a header, or a response: answering responses invites reflection loops.
        return Reply::Drop;
    }
    let request = match Message::from_vec(packet) {
        Ok(request) => request,
        Err(_) => return Reply::Send(header_only(packet, ResponseCode::FormErr)),
    };
    let limit = match transport {
        Transport::Tcp => u16::MAX as usize,
        Transport::Udp => request.edns.as_ref().map_or(512, |edns| edns.max_payload().clamp(512, 4096)) as usize,
    };
    let edns = request.edns.as_ref().map(|_| edns_reply());
    let context = Context { request: &request, query: None, name: String::new(), limit, edns, settings, views };
    if request.edns.as_ref().is_some_and(|edns| edns.version() > 0) {
        let mut response = context.start();
        response.metadata.response_code = ResponseCode::BADVERS;
        return finish(response, Some(edns_reply()), limit);
    }
    if request.metadata.op_code != OpCode::Query {
        return context.code(ResponseCode::NotImp);
    }
    let [query] = request.queries.as_slice() else {
        return context.code(ResponseCode::FormErr);
    };
    let context = Context { query: Some(query), name: view_name(&query.name), ..context };
    if query.query_class != DNSClass::IN {
        return context.code(ResponseCode::Refused);
    }
    let outcome = resolve(views, destination, client, &context.name, &mut |_| {});
    context.render(outcome)
}

/// One query being answered.
struct Context<'a> {
    request: &'a Message,
    query: Option<&'a Query>,
    /// The query name as views spell it.
    name: String,
    limit: usize,
    edns: Option<Edns>,
    settings: Settings,
    views: &'a Views,
}

impl Context<'_> {
    /// A response with the request's id, opcode, RD bit and question.
    fn start(&self) -> Message {
        let mut response = Message::response(self.request.metadata.id, self.request.metadata.op_code);
        response.metadata.recursion_desired = self.request.metadata.recursion_desired;
        // hubspoke is never a recursive resolver for clients: forwarding is its resolvers' configuration.
        response.metadata.recursion_available = false;
        if let Some(query) = self.query {
            response.add_query(query.clone());
        }
        response
    }

    fn code(&self, code: ResponseCode) -> Reply {
        let mut response = self.start();
        response.metadata.response_code = code;
        finish(response, self.edns.clone(), self.limit)
    }

    fn query(&self) -> (&Name, RecordType) {
        match self.query {
            Some(query) => (&query.name, query.query_type),
            None => unreachable!("outcomes are rendered only for a question"),
        }
    }

    fn render(&self, outcome: Outcome) -> Reply {
        match outcome {
            Outcome::NoService => self.code(ResponseCode::Refused),
            Outcome::Fail => self.code(ResponseCode::ServFail),
            Outcome::Public => match self.settings.upstream {
                Some(upstream) => self.forward(vec![upstream], None),
                None => self.code(ResponseCode::Refused),
            },
            Outcome::Forward { to, otherwise } => self.forward(to, otherwise.map(|outcome| *outcome)),
            Outcome::Vpe { view, domain } => self.vpe(view, domain),
            Outcome::Zone { view, zone } => self.zone(view, zone),
        }
    }

    fn forward(&self, mut to: Vec<SocketAddr>, otherwise: Option<Outcome>) -> Reply {
        let fallback = match otherwise.map(|outcome| self.render(outcome)) {
            Some(Reply::Send(bytes)) => bytes,
            Some(Reply::Forward { to: more, fallback, .. }) => {
                to.extend(more);
                fallback
            }
            Some(Reply::Drop) | None => header_only(&self.request_bytes_header(), ResponseCode::ServFail),
        };
        Reply::Forward { to, fallback, limit: self.limit }
    }

    /// The request's header as bytes, for bare replies.
    fn request_bytes_header(&self) -> [u8; 12] {
        let mut header = [0u8; 12];
        header[..2].copy_from_slice(&self.request.metadata.id.to_be_bytes());
        header[2] = (u8::from(self.request.metadata.op_code) << 3) | u8::from(self.request.metadata.recursion_desired);
        header
    }

    fn soa(&self, apex: &str) -> Record {
        let name = Name::from_ascii(format!("{apex}.")).unwrap_or_else(|_| Name::root());
        soa_at(name, self.views.revision(), self.settings.ttl)
    }

    /// A VPE service domain: the endpoint gateways' names, A records only.
    fn vpe(&self, view: &View, domain: &'static str) -> Reply {
        let (qname, qtype) = self.query();
        let mut response = self.start();
        response.metadata.authoritative = true;
        let ttl = self.settings.ttl;
        match view.find(&self.name) {
            Some(answers) => {
                if matches!(qtype, RecordType::A | RecordType::ANY) {
                    for answer in answers {
                        response.add_answer(Record::from_rdata(qname.clone(), ttl, RData::A(A(answer.address))));
                    }
                }
            }
            None if self.name == domain => {
                if matches!(qtype, RecordType::SOA | RecordType::ANY) {
                    response.add_answer(self.soa(domain));
                }
                if matches!(qtype, RecordType::NS | RecordType::ANY) {
                    let apex = Name::from_ascii(format!("{domain}.")).unwrap_or_else(|_| Name::root());
                    response.add_answer(Record::from_rdata(apex, ttl, RData::NS(NS(name_server()))));
                }
            }
            None if view.is_empty_non_terminal(&self.name) => {}
            // No gateway of the view serves the name: public DNS answers it when there is one.
            None if self.settings.upstream.is_some() => return self.render(Outcome::Public),
            None => response.metadata.response_code = ResponseCode::NXDomain,
        }
        // NXDOMAIN, or NODATA: the name exists with no record of this type (or its gateway has no reserved IP bound).
        if response.answers.is_empty() {
            response.add_authority(self.soa(domain));
        }
        finish(response, self.edns.clone(), self.limit)
    }

    /// A DNS Services zone or a secondary zone's copy.
    fn zone(&self, view: Option<&View>, zone: &Zone) -> Reply {
        let (qname, qtype) = self.query();
        let mut response = self.start();
        response.metadata.authoritative = true;
        let apex = self.name == zone.apex;
        if apex && matches!(qtype, RecordType::SOA | RecordType::ANY) {
            response.add_answer(zone.soa_record(self.views.revision(), self.settings.ttl));
        }
        if apex && matches!(qtype, RecordType::NS | RecordType::ANY) {
            for ns in zone.ns_records(self.settings.ttl) {
                response.add_answer(ns);
            }
        }
        match zone.find(&self.name) {
            Found::Node { entries, .. } => {
                let mut alias = None;
                for entry in entries {
                    if qtype == RecordType::ANY || entry.kind() == qtype {
                        response.add_answer(owned(entry.record.clone(), qname));
                    } else if entry.kind() == RecordType::CNAME {
                        response.add_answer(owned(entry.record.clone(), qname));
                        alias = entry.alias.clone();
                    }
                }
                if let Some(target) = alias {
                    self.chase(&mut response, view, zone, target, qtype);
                }
            }
            Found::Empty => {}
            Found::Missing => response.metadata.response_code = ResponseCode::NXDomain,
        }
        if response.answers.is_empty() {
            response.add_authority(zone.soa_record(self.views.revision(), self.settings.ttl));
        }
        finish(response, self.edns.clone(), self.limit)
    }

    /// Follows a CNAME chain while its targets are in the same view (or, for a secondary zone, the same zone).
    fn chase(&self, response: &mut Message, view: Option<&View>, zone: &Zone, mut target: String, qtype: RecordType) {
        for _ in 0..MAX_CHAIN {
            let selected = match view {
                Some(view) => view.select(&target),
                None => None,
            };
            let next_zone = match (view, selected) {
                (Some(view), Some(Selected::Vpe(_))) => {
                    if qtype == RecordType::A
                        && let (Some(answers), Some(owner)) = (view.find(&target), crate::zone::dns_name(&target))
                    {
                        for answer in answers {
                            response.add_answer(Record::from_rdata(
                                owner.clone(),
                                self.settings.ttl,
                                RData::A(A(answer.address)),
                            ));
                        }
                    }
                    return;
                }
                (Some(_), Some(Selected::Zone(next))) => &**next,
                (None, _) if within(&target, &zone.apex) => zone,
                _ => return,
            };
            let Found::Node { entries, wildcard } = next_zone.find(&target) else { return };
            let owner = if wildcard { crate::zone::dns_name(&target) } else { None };
            let mut next = None;
            for entry in entries {
                let record = match &owner {
                    Some(owner) => owned(entry.record.clone(), owner),
                    None => entry.record.clone(),
                };
                if entry.kind() == qtype {
                    response.add_answer(record);
                } else if entry.kind() == RecordType::CNAME {
                    response.add_answer(record);
                    next = entry.alias.clone();
                }
            }
            match next {
                Some(alias) => target = alias,
                None => return,
            }
        }
    }
}

/// A record answered under the name asked (a wildcard's records, and the client's spelling of the name).
fn owned(mut record: Record, name: &Name) -> Record {
    record.name = name.clone();
    record
}

/// The query name as views spell names: lowercase, labels joined by dots, no trailing dot. A byte no view name holds
/// (a dot or backslash inside a label, anything outside printable ASCII) is written `\DDD`, as zone files write it,
/// so such a name matches nothing rather than some other name. One pass and one allocation per query.
pub(crate) fn view_name(name: &Name) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(64);
    for (n, label) in name.iter().enumerate() {
        if n > 0 {
            text.push('.');
        }
        for &byte in label {
            match byte {
                b'.' | b'\\' | ..=0x20 | 0x7f.. => {
                    let _ = write!(text, "\\{byte:03}");
                }
                _ => text.push(char::from(byte.to_ascii_lowercase())),
            }
        }
    }
    text
}

fn edns_reply() -> Edns {
    let mut edns = Edns::new();
    edns.set_max_payload(ADVERTISED_PAYLOAD);
    edns
}

#[cfg(test)]
fn soa_record(zone: &str, revision: u64, ttl: u32) -> Record {
    soa_at(Name::from_ascii(format!("{zone}.")).unwrap_or_else(|_| Name::root()), revision, ttl)
}

/// Serialises the response; a UDP response that does not fit keeps only its header and question, with TC set.
fn finish(mut response: Message, edns: Option<Edns>, limit: usize) -> Reply {
    if let Some(edns) = edns {
        response.set_edns(edns);
    }
    match response.to_vec() {
        Ok(bytes) if bytes.len() <= limit => Reply::Send(bytes),
        Ok(_) => {
            let mut truncated = response.truncate();
            truncated.metadata.truncation = true;
            truncated.to_vec().map(Reply::Send).unwrap_or(Reply::Drop)
        }
        Err(_) => Reply::Drop,
    }
}

/// A bare response header for a packet that could not be parsed: same id and opcode, QR set, the given code.
fn header_only(packet: &[u8], code: ResponseCode) -> Vec<u8> {
    let mut header = vec![0u8; 12];
    header[0] = packet[0];
    header[1] = packet[1];
    header[2] = 0x80 | (packet[2] & 0x78);
    header[3] = u16::from(code) as u8 & 0x0f;
    header
}

#[cfg(test)]
mod tests;
