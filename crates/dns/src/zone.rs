//! One DNS zone as the data plane answers it: a private zone of DNS Services or a secondary zone's transferred copy,
//! compiled once into hickory records indexed by owner name, so a query costs hash lookups and record clones.
//!
//! The indexes are persistent maps: a changed record patches a copy of the zone that shares everything else with
//! the zone being served, so a write to a zone of 100,000 records costs a few lookups rather than a recompilation.

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
    names: imbl::HashMap<String, Vec<Entry>>,
    wildcards: imbl::HashMap<String, Vec<Entry>>,
    /// Every name inside the zone with names below it, with how many owner names (exact, or a wildcard's suffix)
    /// lie at or below it, so that removing the last one below a name makes it disappear.
    interior: imbl::HashMap<String, u32>,
    /// Records not compiled (a name outside the apex, data hickory cannot spell): the record's id and why.
    skipped: imbl::Vector<(String, String)>,
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
            names: imbl::HashMap::new(),
            wildcards: imbl::HashMap::new(),
            interior: imbl::HashMap::new(),
            skipped: imbl::Vector::new(),
        }
    }

    /// Compiles a private zone's records.
    pub fn compile(apex: &str, origin: Origin, records: impl IntoIterator<Item = Input>) -> Zone {
        let mut zone = Zone::new(apex, origin);
        for input in records {
            zone.add(&input);
        }
        zone
    }

    /// The zone with the records `removed` taken out and `added` put in (a changed record is in both, as it was and
    /// as it is); the zone itself is left as it is, for the views still serving it.
    pub fn patched<'i>(
        &self,
        removed: impl IntoIterator<Item = &'i Input>,
        added: impl IntoIterator<Item = &'i Input>,
    ) -> Zone {
        let mut zone = self.clone();
        for input in removed {
            zone.remove(input);
        }
        for input in added {
            zone.add(input);
        }
        zone
    }

    fn add(&mut self, input: &Input) {
        match rdata(&input.data) {
            Some((rdata, alias)) => self.insert(&input.id, &input.name, input.ttl, rdata, alias),
            None => {
                self.skipped.push_back((input.id.clone(), format!("its data is not a valid name ({})", input.name)))
            }
        }
    }

    /// Takes out the record `input` was compiled from (found by its id under its owner name).
    fn remove(&mut self, input: &Input) {
        self.skipped.retain(|(id, _)| *id != input.id);
        let name = input.name.trim_end_matches('.').to_ascii_lowercase();
        let (map, key, inclusive) = match name.strip_prefix("*.") {
            Some(suffix) if within(suffix, &self.apex) => (&mut self.wildcards, suffix.to_owned(), true),
            _ => (&mut self.names, name, false),
        };
        let Some(entries) = map.get_mut(&key) else { return };
        let before = entries.len();
        entries.retain(|entry| entry.id != input.id);
        if entries.len() == before {
            return;
        }
        if entries.is_empty() {
            map.remove(&key);
            self.count_interior(&key, inclusive, false);
        }
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
            self.skipped.push_back((id.to_owned(), format!("`{name}` is outside the zone `{}`", self.apex)));
            return;
        }
        let owner = match dns_name(&name) {
            Some(owner) => owner,
            None => {
                self.skipped.push_back((id.to_owned(), format!("`{name}` is not a valid name")));
                return;
            }
        };
        let entry = Entry { id: id.to_owned(), record: Record::from_rdata(owner, ttl, rdata), alias };
        match name.strip_prefix("*.") {
            Some(suffix) if within(suffix, &self.apex) => {
                let entries = self.wildcards.entry(suffix.to_owned()).or_default();
                entries.push(entry);
                if entries.len() == 1 {
                    self.count_interior(suffix, true, true);
                }
            }
            _ => {
                let entries = self.names.entry(name.clone()).or_default();
                entries.push(entry);
                if entries.len() == 1 {
                    self.count_interior(&name, false, true);
                }
            }
        }
    }

    /// Counts an owner name that appeared (or, with `added` false, disappeared) at `below`: every ancestor of it
    /// inside the zone, and `below` itself for a wildcard's suffix, has one more (or one fewer) name under it.
    fn count_interior(&mut self, below: &str, inclusive: bool, added: bool) {
        let apex = self.apex.len();
        let own = (inclusive && below.len() > apex).then_some(below);
        for name in own.into_iter().chain(ancestors(below).take_while(|ancestor| ancestor.len() > apex)) {
            if added {
                *self.interior.entry(name.to_owned()).or_default() += 1;
            } else if let Some(count) = self.interior.get_mut(name) {
                *count -= 1;
                if *count == 0 {
                    self.interior.remove(name);
                }
            }
        }
    }

    /// Records left out when compiling, each with the record's id and why.
    pub fn skipped(&self) -> impl Iterator<Item = &(String, String)> {
        self.skipped.iter()
    }

    /// What the zone holds for a lowercase name inside it: the exact name, else the longest wildcard covering it
    /// (a wildcard never covers a name that exists).
    pub fn find(&self, name: &str) -> Found<'_> {
        if let Some(entries) = self.names.get(name) {
            return Found::Node { entries, wildcard: false };
        }
        if name == self.apex || self.interior.contains_key(name) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What a zone holds for a name, comparable across zones: the records' ids and data, in order.
    fn summary(zone: &Zone, name: &str) -> String {
        match zone.find(name) {
            Found::Node { entries, wildcard } => {
                let mut records: Vec<String> =
                    entries.iter().map(|entry| format!("{}={}", entry.id, entry.record.data)).collect();
                records.sort();
                format!("node wildcard={wildcard} {records:?}")
            }
            Found::Empty => "empty".into(),
            Found::Missing => "missing".into(),
        }
    }

    fn origin() -> Origin {
        Origin::Private { id: "zone".into(), instance: "instance".into() }
    }

    /// An owner name in `corp.example`: a few labels, sometimes a wildcard, sometimes outside the zone.
    fn owner() -> impl Strategy<Value = String> {
        let labels = prop::collection::vec(prop::sample::select(vec!["a", "b", "c"]), 0..3);
        (labels, prop::sample::select(vec!["", "*.", "x."]), any::<bool>()).prop_map(|(labels, first, outside)| {
            let mut name = first.to_owned();
            for label in labels {
                name.push_str(label);
                name.push('.');
            }
            name.push_str(if outside { "other.example" } else { "corp.example" });
            name
        })
    }

    fn input(id: usize, name: String, last: u8) -> Input {
        Input { id: format!("r{id}"), name, ttl: 60, data: Data::A(Ipv4Addr::new(10, 0, 0, last)) }
    }

    proptest! {
        /// Patching a compiled zone with removed and added records answers every name exactly as compiling the
        /// resulting records from scratch does (records, wildcards, empty non-terminals, missing names).
        #[test]
        fn patching_agrees_with_compiling(
            before in prop::collection::vec((owner(), any::<u8>()), 0..12),
            removed in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
            added in prop::collection::vec((owner(), any::<u8>()), 0..6),
            asked in owner(),
        ) {
            let before: Vec<Input> =
                before.into_iter().enumerate().map(|(id, (name, last))| input(id, name, last)).collect();
            let gone: Vec<Input> = if before.is_empty() {
                Vec::new()
            } else {
                let mut gone: Vec<Input> = removed.iter().map(|index| before[index.index(before.len())].clone()).collect();
                gone.sort_by(|a, b| a.id.cmp(&b.id));
                gone.dedup();
                gone
            };
            let added: Vec<Input> =
                added.into_iter().enumerate().map(|(id, (name, last))| input(100 + id, name, last)).collect();
            let after: Vec<Input> =
                before.iter().filter(|input| !gone.contains(input)).chain(&added).cloned().collect();
            let patched = Zone::compile("corp.example", origin(), before).patched(&gone, &added);
            let compiled = Zone::compile("corp.example", origin(), after);
            let name = asked.trim_start_matches("*.");
            prop_assert_eq!(summary(&patched, name), summary(&compiled, name));
            for ancestor in ancestors(name) {
                prop_assert_eq!(summary(&patched, ancestor), summary(&compiled, ancestor));
            }
            prop_assert_eq!(patched.len(), compiled.len());
        }
    }
}
