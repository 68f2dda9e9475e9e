//! One DNS zone as the data plane answers it: a private zone of DNS Services or a secondary zone's transferred copy,
//! compiled once into hickory records indexed by owner name, so a query costs hash lookups and record clones.

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, Ipv6Addr};

use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};

/// The typed data of one record, with names spelled as the world stores them (lowercase, no trailing dot).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Data {
    /// An IPv4 address.
    A(Ipv4Addr),
    /// An IPv6 address.
    Aaaa(Ipv6Addr),
    /// An alias.
    Cname(String),
    /// A mail exchanger.
    Mx {
        /// Lower is preferred.
        preference: u16,
        /// The exchanger's name.
        exchange: String,
    },
    /// A service location.
    Srv {
        /// Lower is tried first.
        priority: u16,
        /// Share among equal priorities.
        weight: u16,
        /// The port.
        port: u16,
        /// The host.
        target: String,
    },
    /// Text.
    Txt(String),
    /// A pointer (reverse zones).
    Ptr(String),
}

/// One record to compile into a zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// The record's id (shown by `dns lookup`); a transferred record has none.
    pub id: String,
    /// Its owner name: lowercase, no trailing dot; `*.suffix` for a wildcard.
    pub name: String,
    /// Its TTL.
    pub ttl: u32,
    /// Its data.
    pub data: Data,
}

/// Where a zone's records come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A DNS Services zone of an instance.
    Private {
        /// The zone's id.
        id: String,
        /// The service instance.
        instance: String,
    },
    /// The copy a custom resolver transferred for one of its secondary zones.
    Secondary {
        /// The secondary zone's id.
        id: String,
    },
}

/// One compiled record.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The record's id (empty for a transferred record).
    pub id: String,
    /// The record as it goes on the wire (its owner name is replaced by the query's name when answered).
    pub record: Record,
    /// The alias target of a CNAME, as views spell names, for following the chain.
    pub alias: Option<String>,
}

impl Entry {
    /// The record's type.
    pub fn kind(&self) -> RecordType {
        self.record.record_type()
    }
}

/// What a zone holds for a name.
#[derive(Clone, Copy, Debug)]
pub enum Found<'z> {
    /// Records of the name (or of the wildcard covering it).
    Node {
        /// The records.
        entries: &'z [Entry],
        /// Whether they came from a wildcard.
        wildcard: bool,
    },
    /// The name exists (it is the apex, or names below it exist) but holds no record.
    Empty,
    /// The name does not exist in the zone.
    Missing,
}

/// One zone, compiled.
#[derive(Clone, Debug)]
pub struct Zone {
    /// The apex (lowercase, no trailing dot).
    pub apex: String,
    /// The apex as a DNS name.
    pub apex_name: Name,
    /// Where the records come from.
    pub origin: Origin,
    /// The apex SOA of a transferred zone (a private zone's is made from the world's revision).
    pub soa: Option<Record>,
    /// The apex NS records of a transferred zone.
    pub ns: Vec<Record>,
    names: HashMap<String, Vec<Entry>>,
    wildcards: HashMap<String, Vec<Entry>>,
    interior: HashSet<String>,
    /// Records not compiled (a name outside the apex, data hickory cannot spell), with why.
    pub skipped: Vec<String>,
}

/// The proper ancestors of a name, longest first (`a.b.c` gives `b.c`, then `c`).
pub(crate) fn ancestors(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices('.').map(move |(dot, _)| &name[dot + 1..])
}

/// Whether `name` is `apex` or lies below it.
pub fn within(name: &str, apex: &str) -> bool {
    name.len() >= apex.len()
        && name.ends_with(apex)
        && (name.len() == apex.len() || name.as_bytes()[name.len() - apex.len() - 1] == b'.')
}

/// A view name as a DNS name.
pub(crate) fn dns_name(name: &str) -> Option<Name> {
    Name::from_ascii(format!("{name}.")).ok()
}

impl Zone {
    /// An empty zone.
    pub fn new(apex: &str, origin: Origin) -> Zone {
        let apex = apex.trim_end_matches('.').to_ascii_lowercase();
        Zone {
            apex_name: dns_name(&apex).unwrap_or_else(Name::root),
            apex,
            origin,
            soa: None,
            ns: Vec::new(),
            names: HashMap::new(),
            wildcards: HashMap::new(),
            interior: HashSet::new(),
            skipped: Vec::new(),
        }
    }

    /// Compiles a private zone's records.
    pub fn compile(apex: &str, origin: Origin, records: impl IntoIterator<Item = Input>) -> Zone {
        let mut zone = Zone::new(apex, origin);
        for input in records {
            match rdata(&input.data) {
                Some((rdata, alias)) => zone.insert(&input.id, &input.name, input.ttl, rdata, alias),
                None => {
                    zone.skipped.push(format!("record `{}` ({}): its data is not a valid name", input.id, input.name))
                }
            }
        }
        zone
    }

    /// Builds a secondary zone's copy from the records of a zone transfer (its SOA and NS kept for the apex).
    pub fn transferred(apex: &str, id: &str, records: impl IntoIterator<Item = Record>) -> Zone {
        let mut zone = Zone::new(apex, Origin::Secondary { id: id.to_owned() });
        for record in records {
            let name = crate::answer::view_name(&record.name);
            let at_apex = name == zone.apex;
            match &record.data {
                RData::SOA(_) if at_apex => {
                    if zone.soa.is_none() {
                        zone.soa = Some(record);
                    }
                }
                RData::NS(_) if at_apex => zone.ns.push(record),
                data => {
                    let alias = match data {
                        RData::CNAME(target) => Some(crate::answer::view_name(&target.0)),
                        _ => None,
                    };
                    zone.insert("", &name, record.ttl, record.data.clone(), alias);
                }
            }
        }
        zone
    }

    fn insert(&mut self, id: &str, name: &str, ttl: u32, rdata: RData, alias: Option<String>) {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if !within(&name, &self.apex) {
            self.skipped.push(format!("`{name}` is outside the zone `{}`", self.apex));
            return;
        }
        let owner = match dns_name(&name) {
            Some(owner) => owner,
            None => {
                self.skipped.push(format!("`{name}` is not a valid name"));
                return;
            }
        };
        let entry = Entry { id: id.to_owned(), record: Record::from_rdata(owner, ttl, rdata), alias };
        match name.strip_prefix("*.") {
            Some(suffix) if within(suffix, &self.apex) => {
                let suffix = suffix.to_owned();
                self.mark_interior(&suffix, true);
                self.wildcards.entry(suffix).or_default().push(entry);
            }
            _ => {
                self.mark_interior(&name, false);
                self.names.entry(name).or_default().push(entry);
            }
        }
    }

    /// Marks every ancestor of `below` inside the zone (and `below` itself for a wildcard's suffix) as existing.
    fn mark_interior(&mut self, below: &str, inclusive: bool) {
        if inclusive && below != self.apex {
            self.interior.insert(below.to_owned());
        }
        for ancestor in ancestors(below) {
            if ancestor.len() <= self.apex.len() || !self.interior.insert(ancestor.to_owned()) {
                break;
            }
        }
    }

    /// What the zone holds for a lowercase name inside it: the exact name, else the longest wildcard covering it
    /// (a wildcard never covers a name that exists).
    pub fn find(&self, name: &str) -> Found<'_> {
        if let Some(entries) = self.names.get(name) {
            return Found::Node { entries, wildcard: false };
        }
        if name == self.apex || self.interior.contains(name) {
            return Found::Empty;
        }
        for suffix in ancestors(name) {
            if suffix.len() < self.apex.len() {
                break;
            }
            if let Some(entries) = self.wildcards.get(suffix) {
                return Found::Node { entries, wildcard: true };
            }
        }
        Found::Missing
    }

    /// How many owner names (exact and wildcard) hold records.
    pub fn len(&self) -> usize {
        self.names.len() + self.wildcards.len()
    }

    /// Whether the zone holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The apex SOA: the transferred one, or hubspoke's with `serial` for a private zone.
    pub fn soa_record(&self, serial: u64, ttl: u32) -> Record {
        match &self.soa {
            Some(soa) => soa.clone(),
            None => soa_at(self.apex_name.clone(), serial, ttl),
        }
    }

    /// The apex NS records: the transferred ones, or hubspoke's single name server for a private zone.
    pub fn ns_records(&self, ttl: u32) -> Vec<Record> {
        if self.soa.is_some() {
            return self.ns.clone();
        }
        vec![Record::from_rdata(self.apex_name.clone(), ttl, RData::NS(NS(name_server())))]
    }
}

/// The name hubspoke gives as every zone's name server.
pub(crate) fn name_server() -> Name {
    Name::from_ascii("ns.hubspoke.invalid.").unwrap_or_else(|_| Name::root())
}

/// hubspoke's SOA for a zone it serves: the serial is the world's revision and the minimum (the negative TTL) is `ttl`.
pub(crate) fn soa_at(apex: Name, serial: u64, ttl: u32) -> Record {
    let soa = SOA::new(
        name_server(),
        Name::from_ascii("hostmaster.hubspoke.invalid.").unwrap_or_else(|_| Name::root()),
        serial as u32,
        3600,
        600,
        86400,
        ttl,
    );
    Record::from_rdata(apex, ttl, RData::SOA(soa))
}

/// A record's data on the wire, with a CNAME's target as views spell names.
fn rdata(data: &Data) -> Option<(RData, Option<String>)> {
    let name = |text: &str| dns_name(text.trim_end_matches('.'));
    Some(match data {
        Data::A(address) => (RData::A(A(*address)), None),
        Data::Aaaa(address) => (RData::AAAA(AAAA(*address)), None),
        Data::Cname(target) => {
            let target = target.trim_end_matches('.').to_ascii_lowercase();
            (RData::CNAME(CNAME(name(&target)?)), Some(target))
        }
        Data::Mx { preference, exchange } => (RData::MX(MX::new(*preference, name(exchange)?)), None),
        Data::Srv { priority, weight, port, target } => {
            (RData::SRV(SRV::new(*priority, *weight, *port, name(target)?)), None)
        }
        // A TXT string longer than 255 bytes goes out as several character strings, as zone files split it.
        Data::Txt(text) => {
            let chunks: Vec<String> =
                text.as_bytes().chunks(255).map(|chunk| String::from_utf8_lossy(chunk).into_owned()).collect();
            (RData::TXT(TXT::new(if chunks.is_empty() { vec![String::new()] } else { chunks })), None)
        }
        Data::Ptr(target) => (RData::PTR(PTR(name(target)?)), None),
    })
}
