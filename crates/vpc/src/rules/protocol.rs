//! The protocol shapes security group and network ACL rules share: port ranges and ICMP type and code.

use crate::error::{RuleError, RuleResult};
use crate::model::{PortRange, RuleProtocol};

/// Where a rule's fields sit in its body, so a refusal names the one at fault.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fields {
    /// The destination port range's lower bound (`port_min` or `destination_port_min`).
    pub(crate) port_min: &'static str,
    /// The source port range's lower bound (network ACL rules only).
    pub(crate) source_port_min: Option<&'static str>,
}

/// The fields of a security group rule.
pub(crate) const SECURITY_GROUP: Fields = Fields { port_min: "port_min", source_port_min: None };
/// The fields of a network ACL rule.
pub(crate) const NETWORK_ACL: Fields =
    Fields { port_min: "destination_port_min", source_port_min: Some("source_port_min") };

fn check_range(range: PortRange, field: &str) -> RuleResult<()> {
    if range.min == 0 || range.min > range.max {
        return Err(RuleError::invalid(
            "invalid_port_range",
            format!("the port range {}–{} is not valid: ports run from 1 to 65535 and the minimum may not exceed the maximum", range.min, range.max),
        )
        .field(field));
    }
    Ok(())
}

/// Checks what the protocol's shape allows: port ranges of 1 to 65535 with the minimum first, an ICMP type of 0 to
/// 254 and an ICMP code only with a type.
pub(crate) fn check(protocol: &RuleProtocol, fields: Fields) -> RuleResult<()> {
    match protocol {
        RuleProtocol::IcmpTcpUdp | RuleProtocol::Any => Ok(()),
        RuleProtocol::Tcp { ports, source_ports } | RuleProtocol::Udp { ports, source_ports } => {
            check_range(*ports, fields.port_min)?;
            match fields.source_port_min {
                Some(field) => check_range(*source_ports, field),
                None => Ok(()),
            }
        }
        RuleProtocol::Icmp { kind, code } => {
            if let Some(kind) = kind.filter(|kind| *kind > 254) {
                return Err(
                    RuleError::invalid("invalid_icmp_type", format!("ICMP type {kind} is not 0 to 254")).field("type")
                );
            }
            if kind.is_none() && code.is_some() {
                return Err(RuleError::invalid("invalid_icmp_code", "an ICMP `code` requires a `type`").field("code"));
            }
            Ok(())
        }
    }
}
