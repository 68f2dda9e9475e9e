//! The protocol fields of security group and network ACL rules, as each API version spells them. Before
//! 2025-12-09, `all` means ICMP, TCP and UDP; from then on that is `icmp_tcp_udp`, and `any` (every IP protocol) is
//! new. hubspoke keeps one model and speaks both spellings.

use hubspoke_vpc::model::{PortRange, RuleProtocol};
use serde::Deserialize;
use serde_json::{Value, json};

use super::VpcQuery;
use crate::error::ApiError;

/// From this version on, rule protocols are `icmp_tcp_udp`, `any`, `icmp`, `tcp` and `udp` rather than `all`,
/// `icmp`, `tcp` and `udp`.
pub const PROTOCOL_VERSION: &str = "2025-12-09";

/// Whether the request speaks the protocol values of [`PROTOCOL_VERSION`].
pub fn new_protocols(query: &VpcQuery) -> bool {
    query.version.as_str() >= PROTOCOL_VERSION
}

/// The protocol-dependent fields of a rule body. A security group rule has `port_min`/`port_max`; a network ACL
/// rule has destination and source ranges.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProtocolFields {
    pub(crate) protocol: Option<String>,
    pub(crate) port_min: Option<i64>,
    pub(crate) port_max: Option<i64>,
    pub(crate) destination_port_min: Option<i64>,
    pub(crate) destination_port_max: Option<i64>,
    pub(crate) source_port_min: Option<i64>,
    pub(crate) source_port_max: Option<i64>,
    #[serde(rename = "type")]
    pub(crate) icmp_type: Option<i64>,
    pub(crate) code: Option<i64>,
}

/// What the protocol names, before its fields are attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Named {
    /// `all` (before 2025-12-09) or `icmp_tcp_udp`.
    IcmpTcpUdp,
    /// `any`; also `all` of an older version on a denying ACL rule, which IBM reads back as `any`.
    Any,
    /// `icmp`.
    Icmp,
    /// `tcp`.
    Tcp,
    /// `udp`.
    Udp,
}

/// A port, 1 to 65535 (0 is refused by the rule with the field named).
pub fn port(value: Option<i64>, default: u16, field: &str) -> Result<u16, ApiError> {
    match value {
        None => Ok(default),
        Some(n) => u16::try_from(n).map_err(|_| {
            ApiError::invalid_body(format!("`{field}` is {n}; ports run from 1 to 65535")).with_target(field, "field")
        }),
    }
}

fn icmp_value(value: Option<i64>, field: &str) -> Result<Option<u8>, ApiError> {
    value
        .map(|n| {
            u8::try_from(n).map_err(|_| {
                ApiError::invalid_body(format!("`{field}` is {n}; it must be 0 to 255")).with_target(field, "field")
            })
        })
        .transpose()
}

/// The protocol name of a body, in the request's version.
pub fn named(text: Option<&str>, query: &VpcQuery) -> Result<Named, ApiError> {
    let text = text.ok_or_else(|| ApiError::invalid_body("`protocol` is required").with_target("protocol", "field"))?;
    let new = new_protocols(query);
    match (text, new) {
        ("all", false) => Ok(Named::IcmpTcpUdp),
        ("icmp_tcp_udp", true) => Ok(Named::IcmpTcpUdp),
        ("any", true) => Ok(Named::Any),
        ("icmp", _) => Ok(Named::Icmp),
        ("tcp", _) => Ok(Named::Tcp),
        ("udp", _) => Ok(Named::Udp),
        ("all", true) => Err(ApiError::invalid_body(format!(
            "since API version {PROTOCOL_VERSION}, `all` is written `icmp_tcp_udp` (or `any` for every IP protocol)"
        ))
        .with_target("protocol", "field")),
        ("icmp_tcp_udp" | "any", false) => Err(ApiError::invalid_body(format!(
            "`protocol` `{text}` needs API version {PROTOCOL_VERSION} or later; with version `{}` use `all`",
            query.version
        ))
        .with_target("protocol", "field")),
        _ => Err(ApiError::invalid_body(format!(
            "`protocol` is `{text}`; hubspoke supports `{}`, `icmp`, `tcp` and `udp`",
            if new { "icmp_tcp_udp`, `any" } else { "all" }
        ))
        .with_target("protocol", "field")),
    }
}

impl ProtocolFields {
    /// The protocol with its fields, checking that only the fields of that protocol are given. `acl` says whether
    /// the body is a network ACL rule's (destination and source ports) or a security group rule's (`port_min`).
    pub fn protocol(&self, named: Named, acl: bool) -> Result<RuleProtocol, ApiError> {
        let (min_field, max_field) =
            if acl { ("destination_port_min", "destination_port_max") } else { ("port_min", "port_max") };
        let wrong_ports =
            if acl { (self.port_min, "port_min") } else { (self.destination_port_min, "destination_port_min") };
        if wrong_ports.0.is_some() || (!acl && (self.source_port_min.is_some() || self.source_port_max.is_some())) {
            let field = if wrong_ports.0.is_some() { wrong_ports.1 } else { "source_port_min" };
            return Err(ApiError::invalid_body(format!("`{field}` is not a field of this kind of rule"))
                .with_target(field, "field"));
        }
        let (min, max) =
            if acl { (self.destination_port_min, self.destination_port_max) } else { (self.port_min, self.port_max) };
        let ports_given =
            min.is_some() || max.is_some() || self.source_port_min.is_some() || self.source_port_max.is_some();
        let icmp_given = self.icmp_type.is_some() || self.code.is_some();
        match named {
            Named::Tcp | Named::Udp => {
                if icmp_given {
                    return Err(
                        ApiError::invalid_body("`type` and `code` belong to `icmp` rules").with_target("type", "field")
                    );
                }
                let ports = PortRange { min: port(min, 1, min_field)?, max: port(max, 65535, max_field)? };
                let source_ports = PortRange {
                    min: port(self.source_port_min, 1, "source_port_min")?,
                    max: port(self.source_port_max, 65535, "source_port_max")?,
                };
                Ok(if named == Named::Tcp {
                    RuleProtocol::Tcp { ports, source_ports }
                } else {
                    RuleProtocol::Udp { ports, source_ports }
                })
            }
            Named::Icmp => {
                if ports_given {
                    return Err(
                        ApiError::invalid_body("ports belong to `tcp` and `udp` rules").with_target(min_field, "field")
                    );
                }
                Ok(RuleProtocol::Icmp {
                    kind: icmp_value(self.icmp_type, "type")?,
                    code: icmp_value(self.code, "code")?,
                })
            }
            Named::IcmpTcpUdp | Named::Any => {
                if ports_given || icmp_given {
                    let field = if ports_given { min_field } else { "type" };
                    return Err(ApiError::invalid_body(format!(
                        "`{field}` does not apply to a rule for every protocol; use `tcp`, `udp` or `icmp`"
                    ))
                    .with_target(field, "field"));
                }
                Ok(if named == Named::Any { RuleProtocol::Any } else { RuleProtocol::IcmpTcpUdp })
            }
        }
    }
}

/// Writes a rule's protocol and its fields into `value`, in the request's version. `acl` picks the port fields.
pub fn render(value: &mut Value, protocol: &RuleProtocol, acl: bool, query: &VpcQuery) {
    let new = new_protocols(query);
    let name = match protocol {
        RuleProtocol::IcmpTcpUdp if new => "icmp_tcp_udp",
        RuleProtocol::Any if new => "any",
        RuleProtocol::IcmpTcpUdp | RuleProtocol::Any => "all",
        RuleProtocol::Icmp { .. } => "icmp",
        RuleProtocol::Tcp { .. } => "tcp",
        RuleProtocol::Udp { .. } => "udp",
    };
    value["protocol"] = json!(name);
    match protocol {
        RuleProtocol::Tcp { ports, source_ports } | RuleProtocol::Udp { ports, source_ports } => {
            if acl {
                value["destination_port_min"] = json!(ports.min);
                value["destination_port_max"] = json!(ports.max);
                value["source_port_min"] = json!(source_ports.min);
                value["source_port_max"] = json!(source_ports.max);
            } else {
                value["port_min"] = json!(ports.min);
                value["port_max"] = json!(ports.max);
            }
        }
        RuleProtocol::Icmp { kind, code } => {
            if let Some(kind) = kind {
                value["type"] = json!(kind);
            }
            if let Some(code) = code {
                value["code"] = json!(code);
            }
        }
        RuleProtocol::IcmpTcpUdp | RuleProtocol::Any => {}
    }
}
