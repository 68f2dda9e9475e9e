//! Resource records of DNS Services zones (A, AAAA, CNAME, MX, SRV, TXT, PTR), with rules R1–R8: create, replace,
//! delete, and the zone file a zone exports. Names are stored as DNS answers them: lowercase FQDNs without the
//! trailing dot, a relative name completed with the zone's.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::dns_zone::{in_zone, normalize_name, own_zone};
use super::{Applied, owner_account};
use crate::Context;
use crate::error::{RuleError, RuleResult};
use crate::model::{DnsZone, RecordData, ResourceRecord};
use crate::world::{Entity, EntityKey, World};

/// Most records a zone holds.
pub const MAX_RECORDS: usize = 3500;
/// The shortest and longest TTL, in seconds.
pub const TTL_RANGE: std::ops::RangeInclusive<i64> = 60..=43200;
/// The TTL of a record created without one.
pub const DEFAULT_TTL: u32 = 900;
/// The longest TXT text.
pub const TEXT_LENGTH: usize = 1024;
/// The record types.
pub const TYPES: &[&str] = &["A", "AAAA", "CNAME", "MX", "SRV", "TXT", "PTR"];

/// The members of a record's `rdata`, as the request gave them; which are needed depends on the type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RdataInput {
    /// `ip` (A, AAAA).
    pub ip: Option<String>,
    /// `cname` (CNAME).
    pub cname: Option<String>,
    /// `exchange` (MX).
    pub exchange: Option<String>,
    /// `preference` (MX).
    pub preference: Option<i64>,
    /// `priority` (SRV).
    pub priority: Option<i64>,
    /// `weight` (SRV).
    pub weight: Option<i64>,
    /// `port` (SRV).
    pub port: Option<i64>,
    /// `target` (SRV).
    pub target: Option<String>,
    /// `text` (TXT).
    pub text: Option<String>,
    /// `ptrdname` (PTR).
    pub ptrdname: Option<String>,
}

/// A record as a create or replace gives it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordInput {
    /// `type` (fixed once created).
    pub record_type: String,
    /// `name`: relative to the zone or absolute; for PTR, the IP address.
    pub name: String,
    /// `ttl`; [`DEFAULT_TTL`] on create when not given, unchanged on replace.
    pub ttl: Option<i64>,
    /// `rdata`.
    pub rdata: RdataInput,
    /// `service` (SRV), starting with `_`.
    pub service: Option<String>,
    /// `protocol` (SRV).
    pub protocol: Option<String>,
}

fn invalid_rdata(member: &str, message: String) -> RuleError {
    RuleError::invalid("invalid_rdata", message).rule("R2").field(&format!("rdata.{member}"))
}

fn required<'a>(value: &'a Option<String>, member: &str, kind: &str) -> RuleResult<&'a str> {
    value
        .as_deref()
        .ok_or_else(|| invalid_rdata(member, format!("a{} {kind} record needs `rdata.{member}`", article(kind))))
}

fn article(kind: &str) -> &'static str {
    if matches!(kind, "A" | "AAAA" | "MX") { "n" } else { "" }
}

fn number(value: Option<i64>, member: &str, kind: &str) -> RuleResult<u16> {
    let value = value
        .ok_or_else(|| invalid_rdata(member, format!("a{} {kind} record needs `rdata.{member}`", article(kind))))?;
    u16::try_from(value)
        .map_err(|_| invalid_rdata(member, format!("`rdata.{member}` is {value}; it must be from 0 to 65535")))
}

fn host(value: &str, member: &str) -> RuleResult<String> {
    normalize_name(value, true)
        .filter(|name| name.contains('.'))
        .ok_or_else(|| invalid_rdata(member, format!("`{value}` is not a fully qualified DNS name")))
}

/// Rule R2: the record's data, typed and checked.
fn data(kind: &str, rdata: &RdataInput) -> RuleResult<RecordData> {
    Ok(match kind {
        "A" => {
            let ip = required(&rdata.ip, "ip", kind)?;
            RecordData::A(
                ip.parse::<Ipv4Addr>().map_err(|_| invalid_rdata("ip", format!("`{ip}` is not an IPv4 address")))?,
            )
        }
        "AAAA" => {
            let ip = required(&rdata.ip, "ip", kind)?;
            RecordData::Aaaa(
                ip.parse::<Ipv6Addr>().map_err(|_| invalid_rdata("ip", format!("`{ip}` is not an IPv6 address")))?,
            )
        }
        "CNAME" => RecordData::Cname(host(required(&rdata.cname, "cname", kind)?, "cname")?),
        "MX" => RecordData::Mx {
            exchange: host(required(&rdata.exchange, "exchange", kind)?, "exchange")?,
            preference: number(rdata.preference, "preference", kind)?,
        },
        "SRV" => RecordData::Srv {
            service: String::new(),
            protocol: String::new(),
            priority: number(rdata.priority, "priority", kind)?,
            weight: number(rdata.weight, "weight", kind)?,
            port: number(rdata.port, "port", kind)?,
            target: host(required(&rdata.target, "target", kind)?, "target")?,
        },
        "TXT" => {
            let text = required(&rdata.text, "text", kind)?;
            if text.is_empty() || text.chars().count() > TEXT_LENGTH || text.chars().any(char::is_control) {
                return Err(invalid_rdata(
                    "text",
                    format!("`rdata.text` must be 1 to {TEXT_LENGTH} characters, none of them a control character"),
                ));
            }
            RecordData::Txt(text.to_owned())
        }
        "PTR" => RecordData::Ptr(host(required(&rdata.ptrdname, "ptrdname", kind)?, "ptrdname")?),
        other => {
            return Err(RuleError::invalid(
                "invalid_record_type",
                format!("`{other}` is not a record type; use one of {}", TYPES.join(", ")),
            )
            .rule("R1")
            .field("type"));
        }
    })
}

/// The reverse-lookup name of an address (`4.3.2.1.in-addr.arpa`, or the nibbles under `ip6.arpa`).
pub fn reverse_name(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.in-addr.arpa")
        }
        IpAddr::V6(v6) => {
            let nibbles: Vec<String> = v6
                .octets()
                .iter()
                .rev()
                .flat_map(|byte| [byte & 0xf, byte >> 4])
                .map(|nibble| format!("{nibble:x}"))
                .collect();
            format!("{}.ip6.arpa", nibbles.join("."))
        }
    }
}

fn invalid_name(message: String) -> RuleError {
    RuleError::invalid("invalid_record_name", message).rule("R4").field("name")
}

/// Rule R4: the owner name, completed with the zone's and checked to lie in it; SRV names get `_service._protocol.`
/// in front, PTR names are the reverse-lookup name of the address given.
fn owner_name(zone: &DnsZone, input: &RecordInput, data: &mut RecordData) -> RuleResult<String> {
    if let RecordData::Ptr(_) = data {
        let address = input.name.parse::<IpAddr>().map_err(|_| {
            invalid_name(format!("a PTR record's name is the IP address it maps; `{}` is not one", input.name))
        })?;
        return Ok(reverse_name(address));
    }
    let given = input.name.trim();
    let relative = given.strip_suffix('.').unwrap_or(given).to_ascii_lowercase();
    let full = if relative.is_empty() || relative == "@" || relative == zone.name {
        zone.name.clone()
    } else if in_zone(&relative, &zone.name) {
        relative
    } else {
        format!("{relative}.{}", zone.name)
    };
    let mut name = normalize_name(&full, true)
        .ok_or_else(|| invalid_name(format!("`{}` is not a DNS name of zone `{}`", input.name, zone.name)))?;
    if let RecordData::Srv { service, protocol, .. } = data {
        let label = |value: &Option<String>, field: &str, underscore_first: bool| -> RuleResult<String> {
            let value = value.as_deref().unwrap_or_default().to_ascii_lowercase();
            let bare = value.strip_prefix('_').unwrap_or(&value);
            let valid = !bare.is_empty()
                && bare.len() < 63
                && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && (!underscore_first || value.starts_with('_'));
            if valid {
                Ok(bare.to_owned())
            } else {
                Err(RuleError::invalid(
                    "invalid_record_name",
                    format!(
                        "an SRV record needs `{field}`{}, a label of letters, digits and `-`",
                        if underscore_first { " starting with `_`" } else { "" }
                    ),
                )
                .rule("R4")
                .field(field))
            }
        };
        *service = format!("_{}", label(&input.service, "service", true)?);
        *protocol = label(&input.protocol, "protocol", false)?;
        name = format!("{service}._{protocol}.{name}");
        if name.len() > 253 {
            return Err(invalid_name(format!("`{name}` is longer than 253 characters")));
        }
    }
    Ok(name)
}

/// Rule R3: 60 to 43,200 seconds.
fn check_ttl(ttl: i64) -> RuleResult<u32> {
    if TTL_RANGE.contains(&ttl) {
        Ok(ttl as u32)
    } else {
        Err(RuleError::invalid(
            "invalid_ttl",
            format!("`ttl` is {ttl}; it must be from {} to {} seconds", TTL_RANGE.start(), TTL_RANGE.end()),
        )
        .rule("R3")
        .field("ttl"))
    }
}

/// Rules R5 (a CNAME is alone at its name), R7 (a PTR maps the address of an A or AAAA record of the zone named by
/// `ptrdname`, and an address has one PTR) and R8 (no two identical records), among the zone's other records.
fn check_neighbours(world: &World, zone: &DnsZone, record: &ResourceRecord) -> RuleResult<()> {
    // Only the records at the names a rule compares are read, so a write costs the same in a zone of any size.
    let at = |name: &str| world.records_at(&zone.id, name).filter(|other| other.id != record.id);
    let at_name = || at(&record.name);
    if let Some(other) = at_name().find(|other| other.data == record.data) {
        return Err(RuleError::conflict(
            "record_duplicate",
            format!("record `{}` already holds this {} data at `{}`", other.id, record.data.type_name(), record.name),
        )
        .rule("R8"));
    }
    let cname = matches!(record.data, RecordData::Cname(_));
    if let Some(other) = at_name().find(|other| cname || matches!(other.data, RecordData::Cname(_))) {
        return Err(RuleError::conflict(
            "record_conflict",
            format!(
                "`{}` already has the {} record `{}`; a CNAME record is the only record at its name",
                record.name,
                other.data.type_name(),
                other.id
            ),
        )
        .rule("R5")
        .field("name"));
    }
    if let RecordData::Ptr(target) = &record.data {
        let maps = at(target).any(|other| match other.data {
            RecordData::A(ip) => reverse_name(IpAddr::V4(ip)) == record.name,
            RecordData::Aaaa(ip) => reverse_name(IpAddr::V6(ip)) == record.name,
            _ => false,
        });
        if !maps {
            return Err(RuleError::invalid(
                "ptr_without_address_record",
                format!(
                    "zone `{}` has no A or AAAA record `{target}` with the address of `{}`; a PTR record maps the address of one",
                    zone.name, record.name
                ),
            )
            .rule("R7")
            .field("rdata.ptrdname"));
        }
        if let Some(other) = at_name().find(|other| matches!(other.data, RecordData::Ptr(_))) {
            return Err(RuleError::conflict(
                "ptr_duplicate",
                format!("the address of `{}` already has the PTR record `{}`", record.name, other.id),
            )
            .rule("R7")
            .field("name"));
        }
    }
    Ok(())
}

/// `POST …/dnszones/{zone}/resource_records`: rules R1–R8, and R6 (3,500 records per zone). The id is
/// `<TYPE>:<uuid>`, as DNS Services gives it.
pub fn create(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    zone_id: &str,
    input: &RecordInput,
) -> RuleResult<Applied<String>> {
    owner_account(ctx)?;
    let zone = own_zone(world, ctx, instance, zone_id)?;
    let kind = input.record_type.to_ascii_uppercase();
    let mut data = data(&kind, &input.rdata)?;
    let name = owner_name(zone, input, &mut data)?;
    let ttl = match input.ttl {
        Some(ttl) => check_ttl(ttl)?,
        None => DEFAULT_TTL,
    };
    if world.record_count(zone_id) >= MAX_RECORDS {
        return Err(RuleError::conflict(
            "record_quota_exceeded",
            format!("DNS zone `{zone_id}` already has {MAX_RECORDS} records, the most a zone holds"),
        )
        .rule("R6"));
    }
    let record = ResourceRecord {
        id: format!("{}:{}", data.type_name(), ctx.ids.uuid()),
        account: zone.account.clone(),
        zone: zone.id.clone(),
        name,
        ttl,
        data,
        created_at: ctx.now,
        modified_at: ctx.now,
    };
    check_neighbours(world, zone, &record)?;
    let id = record.id.clone();
    let mut draft = world.draft();
    draft.put(Entity::ResourceRecord(record));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

fn own_record<'a>(world: &'a World, zone: &DnsZone, id: &str) -> RuleResult<&'a ResourceRecord> {
    world.record(id).filter(|record| record.zone == zone.id).ok_or_else(|| RuleError::not_found("resource record", id))
}

/// `PUT …/resource_records/{id}`: a new name and data (and TTL) for the record, its type fixed (rules R1–R8).
pub fn replace(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    zone_id: &str,
    id: &str,
    input: &RecordInput,
) -> RuleResult<Applied<String>> {
    let zone = own_zone(world, ctx, instance, zone_id)?;
    let current = own_record(world, zone, id)?;
    let kind = current.data.type_name();
    if !input.record_type.is_empty() && !input.record_type.eq_ignore_ascii_case(kind) {
        return Err(RuleError::invalid(
            "invalid_record_type",
            format!("record `{id}` is of type `{kind}`, which cannot change"),
        )
        .rule("R1")
        .field("type"));
    }
    let mut data = data(kind, &input.rdata)?;
    let name = owner_name(zone, input, &mut data)?;
    let ttl = match input.ttl {
        Some(ttl) => check_ttl(ttl)?,
        None => current.ttl,
    };
    let record = ResourceRecord { name, ttl, data, modified_at: ctx.now, ..current.clone() };
    check_neighbours(world, zone, &record)?;
    let mut draft = world.draft();
    draft.put(Entity::ResourceRecord(record));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// `DELETE …/resource_records/{id}`. An A or AAAA record takes the PTR record that maps its address with it.
pub fn delete(world: &World, ctx: &mut Context, instance: &str, zone_id: &str, id: &str) -> RuleResult<Applied<()>> {
    let zone = own_zone(world, ctx, instance, zone_id)?;
    let record = own_record(world, zone, id)?;
    let reverse = match record.data {
        RecordData::A(ip) => Some(reverse_name(IpAddr::V4(ip))),
        RecordData::Aaaa(ip) => Some(reverse_name(IpAddr::V6(ip))),
        _ => None,
    };
    let mut draft = world.draft();
    if let Some(reverse) = reverse {
        let pointers = world
            .records_at(zone_id, &reverse)
            .filter(|other| matches!(&other.data, RecordData::Ptr(target) if *target == record.name));
        for pointer in pointers {
            draft.remove(EntityKey::ResourceRecord(pointer.id.clone()));
        }
    }
    draft.remove(EntityKey::ResourceRecord(id.to_owned()));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}

/// A record's data as a zone file writes it.
pub fn presentation(data: &RecordData) -> String {
    match data {
        RecordData::A(ip) => ip.to_string(),
        RecordData::Aaaa(ip) => ip.to_string(),
        RecordData::Cname(name) | RecordData::Ptr(name) => format!("{name}."),
        RecordData::Mx { exchange, preference } => format!("{preference} {exchange}."),
        RecordData::Srv { priority, weight, port, target, .. } => format!("{priority} {weight} {port} {target}."),
        RecordData::Txt(text) => format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\"")),
    }
}

/// The zone file of a zone: `$ORIGIN`, then one line per record (`name. ttl IN TYPE data`), in the order given.
pub fn zone_file<'a>(zone: &DnsZone, records: impl IntoIterator<Item = &'a ResourceRecord>) -> String {
    let mut file = format!("$ORIGIN {}.\n", zone.name);
    for record in records {
        file.push_str(&format!(
            "{}. {} IN {} {}\n",
            record.name,
            record.ttl,
            record.data.type_name(),
            presentation(&record.data)
        ));
    }
    file
}
