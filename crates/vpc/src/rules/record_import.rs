//! Importing a zone file into a DNS zone: the file's records are read in the presentation format (`name ttl IN TYPE
//! data`, with `$ORIGIN`, `$TTL`, `@`, relative names, comments and parenthesised continuations), and each is created
//! as `POST …/resource_records` would create it, so every rule of a create (R1–R8) applies to each line alone. A line
//! that is refused is counted and reported; the others are kept.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Applied;
use super::record::{self, RdataInput, RecordInput};
use crate::Context;
use crate::error::{RuleError, RuleResult};
use crate::world::World;

/// The longest zone file accepted, in bytes (DNS Services' limit).
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

/// One record of the file that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportFailure {
    /// The record as the file wrote it (its line, without the comment).
    pub line: String,
    /// The refusal's code.
    pub code: String,
    /// The refusal's message.
    pub message: String,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Records found in the file (directives and blank lines are not records).
    pub parsed: usize,
    /// Records created, by type.
    pub added_by_type: BTreeMap<&'static str, usize>,
    /// Records not created, by type (`other` for a line whose type is not one of [`record::TYPES`]).
    pub failed_by_type: BTreeMap<String, usize>,
    /// The records not created.
    pub failures: Vec<ImportFailure>,
}

impl ImportReport {
    /// Records created.
    pub fn added(&self) -> usize {
        self.added_by_type.values().sum()
    }

    /// Records not created.
    pub fn failed(&self) -> usize {
        self.failures.len()
    }

    fn fail(&mut self, kind: &str, line: &str, code: &str, message: String) {
        let kind = record::TYPES.iter().find(|known| known.eq_ignore_ascii_case(kind)).map_or("other", |k| k);
        *self.failed_by_type.entry(kind.to_owned()).or_default() += 1;
        self.failures.push(ImportFailure { line: line.to_owned(), code: code.to_owned(), message });
    }
}

/// One record line of the file, read but not yet checked against the zone.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Line {
    text: String,
    kind: String,
    input: Result<RecordInput, String>,
}

/// The file's logical lines: comments removed, parenthesised continuations joined, blank lines dropped. Each keeps
/// whether it began with a blank (an owner carried over from the line before).
fn logical_lines(file: &str) -> Vec<(bool, String)> {
    let mut lines = Vec::new();
    let mut pending: Option<(bool, String)> = None;
    let mut depth = 0usize;
    for raw in file.lines() {
        let mut text = String::new();
        let mut quoted = false;
        let mut escaped = false;
        for c in raw.chars() {
            match c {
                _ if escaped => escaped = false,
                '\\' if quoted => escaped = true,
                '"' => quoted = !quoted,
                ';' if !quoted => break,
                '(' if !quoted => {
                    depth += 1;
                    text.push(' ');
                    continue;
                }
                ')' if !quoted => {
                    depth = depth.saturating_sub(1);
                    text.push(' ');
                    continue;
                }
                _ => {}
            }
            text.push(c);
        }
        let entry = pending.get_or_insert_with(|| (raw.starts_with([' ', '\t']), String::new()));
        entry.1.push(' ');
        entry.1.push_str(&text);
        if depth == 0 {
            let (carried, joined) = pending.take().unwrap_or_default();
            if !joined.trim().is_empty() {
                lines.push((carried, joined.trim().to_owned()));
            }
        }
    }
    if let Some((carried, joined)) = pending.filter(|(_, joined)| !joined.trim().is_empty()) {
        lines.push((carried, joined.trim().to_owned()));
    }
    lines
}

/// The line's fields; a quoted string is one field (quotes kept, so TXT data can tell them apart).
fn fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in line.chars() {
        if escaped {
            current.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted => {
                current.push(c);
                escaped = true;
            }
            '"' => {
                current.push(c);
                quoted = !quoted;
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    fields.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        fields.push(current);
    }
    fields
}

/// An owner or target name made absolute (lowercase, no trailing dot) against `origin`.
fn absolute(name: &str, origin: &str) -> String {
    if name == "@" {
        return origin.to_owned();
    }
    match name.strip_suffix('.') {
        Some(full) => full.to_ascii_lowercase(),
        None if origin.is_empty() => name.to_ascii_lowercase(),
        None => format!("{}.{origin}", name.to_ascii_lowercase()),
    }
}

/// The address a reverse-lookup name stands for (`4.3.2.1.in-addr.arpa`, or 32 nibbles under `ip6.arpa`).
fn address_of_reverse(name: &str) -> Option<IpAddr> {
    if let Some(octets) = name.strip_suffix(".in-addr.arpa") {
        let mut parts: Vec<u8> = octets.split('.').map(str::parse).collect::<Result<_, _>>().ok()?;
        if parts.len() != 4 {
            return None;
        }
        parts.reverse();
        return Some(IpAddr::V4(Ipv4Addr::new(parts[0], parts[1], parts[2], parts[3])));
    }
    let nibbles = name.strip_suffix(".ip6.arpa")?;
    let digits: Vec<u32> = nibbles.split('.').map(|n| u32::from_str_radix(n, 16)).collect::<Result<_, _>>().ok()?;
    if digits.len() != 32 || digits.iter().any(|d| *d > 15) {
        return None;
    }
    let value = digits.iter().rev().fold(0u128, |value, digit| (value << 4) | u128::from(*digit));
    Some(IpAddr::V6(Ipv6Addr::from(value)))
}

/// The text of TXT data: its quoted strings joined, unescaped.
fn text_of(fields: &[String]) -> Option<String> {
    let mut text = String::new();
    for field in fields {
        let inner = field.strip_prefix('"').and_then(|f| f.strip_suffix('"')).unwrap_or(field);
        let mut escaped = false;
        for c in inner.chars() {
            match c {
                _ if escaped => {
                    text.push(c);
                    escaped = false;
                }
                '\\' => escaped = true,
                c => text.push(c),
            }
        }
    }
    (!fields.is_empty()).then_some(text)
}

/// Reads the record lines of a zone file whose default origin is `zone`.
fn read(file: &str, zone: &str) -> Vec<Line> {
    let mut origin = zone.to_owned();
    let mut default_ttl: Option<i64> = None;
    let mut previous_owner = zone.to_owned();
    let mut lines = Vec::new();
    for (carried, text) in logical_lines(file) {
        let mut fields = fields(&text);
        match fields.first().map(|f| f.to_ascii_uppercase()) {
            Some(directive) if directive == "$ORIGIN" => {
                if let Some(name) = fields.get(1) {
                    origin = absolute(name, &origin);
                }
                continue;
            }
            Some(directive) if directive == "$TTL" => {
                default_ttl = fields.get(1).and_then(|ttl| ttl.parse().ok());
                continue;
            }
            _ => {}
        }
        let owner = if carried { previous_owner.clone() } else { absolute(&fields.remove(0), &origin) };
        previous_owner = owner.clone();
        let mut ttl = default_ttl;
        // TTL and class may come in either order before the type.
        while let Some(field) = fields.first() {
            if field.chars().all(|c| c.is_ascii_digit()) {
                ttl = field.parse().ok();
                fields.remove(0);
            } else if field.eq_ignore_ascii_case("IN") {
                fields.remove(0);
            } else {
                break;
            }
        }
        let kind = if fields.is_empty() { String::new() } else { fields.remove(0).to_ascii_uppercase() };
        // A create reads a name outside the zone as relative to it; in a zone file such a name is absolute, and
        // belongs to another zone (a PTR's owner is the reverse-lookup name, checked by the create instead).
        let outside = kind != "PTR" && owner != zone && !owner.ends_with(&format!(".{zone}"));
        let input = match outside {
            true => Err(format!("`{owner}` is not in zone `{zone}`")),
            false => input_of(&kind, &owner, ttl, &fields, &origin),
        };
        lines.push(Line { text, kind, input });
    }
    lines
}

/// A create's input for one record line.
fn input_of(kind: &str, owner: &str, ttl: Option<i64>, data: &[String], origin: &str) -> Result<RecordInput, String> {
    let arity = |count: usize| {
        if data.len() == count {
            Ok(())
        } else {
            Err(format!("a {kind} record has {count} data field(s); this line has {}", data.len()))
        }
    };
    let mut input = RecordInput { record_type: kind.to_owned(), name: owner.to_owned(), ttl, ..RecordInput::default() };
    let number = |field: &String| field.parse::<i64>().map_err(|_| format!("`{field}` is not a number"));
    match kind {
        "A" | "AAAA" => {
            arity(1)?;
            input.rdata = RdataInput { ip: Some(data[0].clone()), ..RdataInput::default() };
        }
        "CNAME" => {
            arity(1)?;
            input.rdata = RdataInput { cname: Some(absolute(&data[0], origin)), ..RdataInput::default() };
        }
        "MX" => {
            arity(2)?;
            let preference = Some(number(&data[0])?);
            input.rdata =
                RdataInput { preference, exchange: Some(absolute(&data[1], origin)), ..RdataInput::default() };
        }
        "SRV" => {
            arity(4)?;
            let mut labels = owner.splitn(3, '.');
            let (Some(service), Some(protocol), Some(rest)) = (labels.next(), labels.next(), labels.next()) else {
                return Err(format!("an SRV record's name is `_service._protocol.name`; `{owner}` is not"));
            };
            let Some(protocol) = protocol.strip_prefix('_').filter(|_| service.starts_with('_')) else {
                return Err(format!("an SRV record's name is `_service._protocol.name`; `{owner}` is not"));
            };
            input.name = rest.to_owned();
            input.service = Some(service.to_owned());
            input.protocol = Some(protocol.to_owned());
            input.rdata = RdataInput {
                priority: Some(number(&data[0])?),
                weight: Some(number(&data[1])?),
                port: Some(number(&data[2])?),
                target: Some(absolute(&data[3], origin)),
                ..RdataInput::default()
            };
        }
        "TXT" => {
            input.rdata = RdataInput { text: text_of(data), ..RdataInput::default() };
        }
        "PTR" => {
            arity(1)?;
            let address = address_of_reverse(owner)
                .ok_or_else(|| format!("a PTR record's name is a reverse-lookup name; `{owner}` is not"))?;
            input.name = address.to_string();
            input.rdata = RdataInput { ptrdname: Some(absolute(&data[0], origin)), ..RdataInput::default() };
        }
        "SOA" | "NS" => return Err(format!("{kind} records belong to the zone itself and are not imported")),
        "" => return Err("the line names no record type".to_owned()),
        other => return Err(format!("`{other}` is not a record type; use one of {}", record::TYPES.join(", "))),
    }
    Ok(input)
}

/// `POST …/dnszones/{zone}/import_resource_records`: each record of `file` created as a create would (rules
/// R1–R8), in the file's order except that PTR records come last: a PTR needs its A or AAAA record, and a zone file
/// sorted by name puts `…in-addr.arpa` names first. A file larger than [`MAX_FILE_BYTES`] is refused whole (rule R9).
pub fn import(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    zone_id: &str,
    file: &str,
) -> RuleResult<Applied<ImportReport>> {
    super::owner_account(ctx)?;
    let zone = super::dns_zone::own_zone(world, ctx, instance, zone_id)?.name.clone();
    if file.len() > MAX_FILE_BYTES {
        return Err(RuleError::invalid(
            "zone_file_too_large",
            format!("the zone file is {} bytes; at most {MAX_FILE_BYTES} are imported", file.len()),
        )
        .rule("R9")
        .field("file"));
    }
    let mut current = world.clone();
    let mut touched = BTreeSet::new();
    let mut report = ImportReport::default();
    let (pointers, others): (Vec<Line>, Vec<Line>) = read(file, &zone).into_iter().partition(|line| line.kind == "PTR");
    for line in others.into_iter().chain(pointers) {
        report.parsed += 1;
        let input = match line.input {
            Ok(input) => input,
            Err(message) => {
                report.fail(&line.kind, &line.text, "invalid_record", message);
                continue;
            }
        };
        match record::create(&current, ctx, instance, zone_id, &input) {
            Ok(applied) => {
                current = applied.world;
                touched.extend(applied.touched);
                let kind = record::TYPES.iter().find(|known| **known == line.kind).copied().unwrap_or("A");
                *report.added_by_type.entry(kind).or_default() += 1;
            }
            Err(error) => report.fail(&line.kind, &line.text, error.code, error.message.clone()),
        }
    }
    Ok(Applied { world: current, touched: touched.into_iter().collect(), value: report })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_create_inputs() {
        let file = "$ORIGIN example.com.\n\
                    $TTL 600\n\
                    ; a comment\n\
                    www 300 IN A 10.0.0.1 ; trailing comment\n\
                    \x20   IN AAAA 2001:db8::1\n\
                    @ IN MX 10 mail\n\
                    _sip._udp.test.example.com. 60 IN SRV 1 2 5060 www.example.com.\n\
                    txt IN TXT \"say \\\"hi\\\"\" \"; not a comment\"\n\
                    1.0.0.10.in-addr.arpa. IN PTR www\n\
                    example.com. IN SOA ns. admin. ( 1 7200\n  3600 1209600 3600 )\n\
                    odd IN HINFO a b\n";
        let lines = read(file, "example.com");
        let inputs: Vec<_> = lines.iter().map(|line| line.input.clone()).collect();
        let ok = |index: usize| inputs[index].clone().unwrap();
        assert_eq!(
            (ok(0).name.as_str(), ok(0).ttl, ok(0).rdata.ip.as_deref()),
            ("www.example.com", Some(300), Some("10.0.0.1"))
        );
        // A line that starts with a blank keeps the owner before it; `$TTL` gives the TTL.
        assert_eq!(
            (ok(1).name.as_str(), ok(1).ttl, ok(1).record_type.as_str()),
            ("www.example.com", Some(600), "AAAA")
        );
        assert_eq!((ok(2).name.as_str(), ok(2).rdata.exchange.as_deref()), ("example.com", Some("mail.example.com")));
        let srv = ok(3);
        assert_eq!(
            (srv.name.as_str(), srv.service.as_deref(), srv.protocol.as_deref(), srv.rdata.port),
            ("test.example.com", Some("_sip"), Some("udp"), Some(5060))
        );
        assert_eq!(ok(4).rdata.text.as_deref(), Some("say \"hi\"; not a comment"));
        assert_eq!((ok(5).name.as_str(), ok(5).rdata.ptrdname.as_deref()), ("10.0.0.1", Some("www.example.com")));
        // The SOA spans two lines in parentheses and is one record, refused; an unknown type is refused.
        assert_eq!(lines.len(), 8);
        assert!(inputs[6].as_ref().unwrap_err().contains("SOA records belong to the zone"));
        assert!(inputs[7].as_ref().unwrap_err().contains("`HINFO` is not a record type"));
    }

    #[test]
    fn reverse_names_give_their_addresses() {
        assert_eq!(address_of_reverse("4.3.2.1.in-addr.arpa"), Some("1.2.3.4".parse().unwrap()));
        let v6 = record::reverse_name("2001:db8::1".parse().unwrap());
        assert_eq!(address_of_reverse(&v6), Some("2001:db8::1".parse().unwrap()));
        for bad in ["1.2.3.in-addr.arpa", "256.1.1.1.in-addr.arpa", "x.ip6.arpa", "example.com"] {
            assert_eq!(address_of_reverse(bad), None, "{bad}");
        }
    }
}
