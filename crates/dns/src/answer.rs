//! One query packet in, one reply out: authoritative answers from a view, NODATA and NXDOMAIN with an SOA, REFUSED
//! outside the VPE service domains, FORMERR for malformed queries, the TC bit when a UDP answer does not fit.

use std::net::Ipv4Addr;

use hickory_proto::op::{Edns, Message, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, SOA};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hubspoke_vpc::catalog::service_domain_of;

use crate::view::Views;

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
    /// Forward the query to the upstream resolver (the name is not ours and forwarding is on).
    Forward,
    /// Send nothing (a response, or something too short to answer).
    Drop,
}

/// What answering needs besides the views.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// TTL of answers and of the SOA's negative caching.
    pub ttl: u32,
    /// Whether names the views do not hold are forwarded upstream.
    pub forwarding: bool,
}

/// The EDNS payload size hubspoke advertises (the DNS flag day 2020 recommendation).
const ADVERTISED_PAYLOAD: u16 = 1232;

/// Answers one packet received at `destination`.
pub fn respond(views: &Views, destination: Ipv4Addr, packet: &[u8], transport: Transport, settings: Settings) -> Reply {
    if packet.len() < 12 || packet[2] & 0x80 != 0 {
        // Too short to carry a header, or a response: answering responses invites reflection loops.
        return Reply::Drop;
    }
    let request = match Message::from_vec(packet) {
        Ok(request) => request,
        Err(_) => return Reply::Send(header_only(packet, ResponseCode::FormErr)),
    };
    let mut response = Message::response(request.metadata.id, request.metadata.op_code);
    response.metadata.recursion_desired = request.metadata.recursion_desired;
    // hubspoke is never a recursive resolver for clients.
    response.metadata.recursion_available = false;
    let limit = match transport {
        Transport::Tcp => u16::MAX as usize,
        Transport::Udp => request.edns.as_ref().map_or(512, |edns| edns.max_payload().clamp(512, 4096)) as usize,
    };
    if request.edns.as_ref().is_some_and(|edns| edns.version() > 0) {
        response.metadata.response_code = ResponseCode::BADVERS;
        return finish(response, Some(edns_reply()), limit);
    }
    let edns = request.edns.as_ref().map(|_| edns_reply());
    if request.metadata.op_code != OpCode::Query {
        response.metadata.response_code = ResponseCode::NotImp;
        return finish(response, edns, limit);
    }
    let [query] = request.queries.as_slice() else {
        response.metadata.response_code = ResponseCode::FormErr;
        return finish(response, edns, limit);
    };
    response.add_query(query.clone());
    if query.query_class != DNSClass::IN {
        response.metadata.response_code = ResponseCode::Refused;
        return finish(response, edns, limit);
    }
    let Some(view) = views.at(destination) else {
        response.metadata.response_code = ResponseCode::Refused;
        return finish(response, edns, limit);
    };
    let name = view_name(&query.name);
    let zone = service_domain_of(&name);
    let soa = |zone: &str| soa_record(zone, views.revision(), settings.ttl);
    match view.find(&name) {
        Some(answers) => {
            response.metadata.authoritative = true;
            if matches!(query.query_type, RecordType::A | RecordType::ANY) {
                for answer in answers {
                    response.add_answer(Record::from_rdata(
                        query.name.clone(),
                        settings.ttl,
                        RData::A(A(answer.address)),
                    ));
                }
            }
            // The name exists with no record of this type (or its gateway has no reserved IP bound): NODATA.
            if let (true, Some(zone)) = (response.answers.is_empty(), zone) {
                response.add_authority(soa(zone));
            }
        }
        None if view.is_empty_non_terminal(&name) => {
            response.metadata.authoritative = true;
            if let Some(zone) = zone {
                response.add_authority(soa(zone));
            }
        }
        None if settings.forwarding => return Reply::Forward,
        None => match zone {
            Some(zone) => {
                response.metadata.authoritative = true;
                response.metadata.response_code = ResponseCode::NXDomain;
                response.add_authority(soa(zone));
            }
            None => response.metadata.response_code = ResponseCode::Refused,
        },
    }
    finish(response, edns, limit)
}

/// The query name as views spell names: lowercase, labels joined by dots, no trailing dot. A byte no view name holds
/// (a dot or backslash inside a label, anything outside printable ASCII) is written `\DDD`, as zone files write it,
/// so such a name matches nothing rather than some other name. One pass and one allocation per query.
fn view_name(name: &Name) -> String {
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

fn soa_record(zone: &str, revision: u64, ttl: u32) -> Record {
    let name = |text: &str| Name::from_ascii(text).unwrap_or_else(|_| Name::root());
    let soa = SOA::new(
        name("ns.hubspoke.invalid."),
        name("hostmaster.hubspoke.invalid."),
        revision as u32,
        3600,
        600,
        86400,
        ttl,
    );
    Record::from_rdata(name(&format!("{zone}.")), ttl, RData::SOA(soa))
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

/// SERVFAIL for a query the upstream did not answer.
pub fn servfail(query: &[u8]) -> Vec<u8> {
    if query.len() < 12 {
        return Vec::new();
    }
    header_only(query, ResponseCode::ServFail)
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
