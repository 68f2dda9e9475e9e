//! Security groups, network ACLs (with their ordered rules) and routing tables: their rows, read and written.

use super::*;

fn direction(text: &str) -> StoreResult<Direction> {
    Direction::parse(text).ok_or_else(|| corrupt("direction", text))
}

fn net(text: &str) -> StoreResult<ipnet::Ipv4Net> {
    text.parse().map_err(|_| corrupt("CIDR", text))
}

fn port(row: &AnyRow, column: &str) -> StoreResult<u16> {
    let value: Option<i64> = row.get(column);
    value.and_then(|v| u16::try_from(v).ok()).ok_or_else(|| corrupt(column, &format!("{value:?}")))
}

fn small(row: &AnyRow, column: &str) -> Option<u8> {
    row.get::<Option<i64>, _>(column).and_then(|v| u8::try_from(v).ok())
}

/// A rule's protocol from its columns; `source_ports` says whether the row has source port columns (ACL rules).
fn protocol(row: &AnyRow, source_ports: bool) -> StoreResult<RuleProtocol> {
    let ranges = |row: &AnyRow| -> StoreResult<(PortRange, PortRange)> {
        let ports = PortRange { min: port(row, "port_min")?, max: port(row, "port_max")? };
        let source = if source_ports {
            PortRange { min: port(row, "source_port_min")?, max: port(row, "source_port_max")? }
        } else {
            PortRange::ALL
        };
        Ok((ports, source))
    };
    Ok(match row.get::<&str, _>("protocol") {
        "icmp_tcp_udp" => RuleProtocol::IcmpTcpUdp,
        "any" => RuleProtocol::Any,
        "icmp" => RuleProtocol::Icmp { kind: small(row, "icmp_type"), code: small(row, "icmp_code") },
        "tcp" => {
            let (ports, source_ports) = ranges(row)?;
            RuleProtocol::Tcp { ports, source_ports }
        }
        "udp" => {
            let (ports, source_ports) = ranges(row)?;
            RuleProtocol::Udp { ports, source_ports }
        }
        other => return Err(corrupt("protocol", other)),
    })
}

/// The protocol's columns: its name, destination ports, source ports, ICMP type and code.
type ProtocolColumns = (&'static str, Option<PortRange>, Option<PortRange>, Option<i64>, Option<i64>);

fn protocol_columns(protocol: &RuleProtocol) -> ProtocolColumns {
    match protocol {
        RuleProtocol::IcmpTcpUdp => ("icmp_tcp_udp", None, None, None, None),
        RuleProtocol::Any => ("any", None, None, None, None),
        RuleProtocol::Icmp { kind, code } => ("icmp", None, None, kind.map(i64::from), code.map(i64::from)),
        RuleProtocol::Tcp { ports, source_ports } => ("tcp", Some(*ports), Some(*source_ports), None, None),
        RuleProtocol::Udp { ports, source_ports } => ("udp", Some(*ports), Some(*source_ports), None, None),
    }
}

/// Security groups, network ACLs (with their rules, in order) and routing tables.
pub(super) async fn load_security(connection: &mut AnyConnection, entities: &mut Vec<Entity>) -> StoreResult<()> {
    let mut group_rules: HashMap<String, Vec<SecurityGroupRule>> = HashMap::new();
    for row in sqlx::query("SELECT * FROM security_group_rules ORDER BY group_id, position")
        .fetch_all(&mut *connection)
        .await?
    {
        let remote_text: String = row.get("remote");
        let remote = match row.get::<&str, _>("remote_kind") {
            "address" => Remote::Address(address(&remote_text)?),
            "cidr_block" => Remote::Cidr(net(&remote_text)?),
            _ => Remote::Group(remote_text),
        };
        let local_text: String = row.get("local");
        let local = match row.get::<&str, _>("local_kind") {
            "address" => Local::Address(address(&local_text)?),
            _ => Local::Cidr(net(&local_text)?),
        };
        group_rules.entry(row.get("group_id")).or_default().push(SecurityGroupRule {
            id: row.get("id"),
            name: row.get("name"),
            direction: direction(row.get("direction"))?,
            protocol: protocol(&row, false)?,
            remote,
            local,
        });
    }
    for row in sqlx::query("SELECT * FROM security_groups").fetch_all(&mut *connection).await? {
        let id: String = row.get("id");
        let owner = account(&row, "account")?;
        entities.push(Entity::SecurityGroup(SecurityGroup {
            resource_group: resource_group(&row, &owner),
            account: owner,
            vpc: row.get("vpc_id"),
            name: row.get("name"),
            created_at: Timestamp(row.get("created_at")),
            rules: group_rules.remove(&id).unwrap_or_default(),
            id,
        }));
    }
    let mut acl_rules: HashMap<String, Vec<NetworkAclRule>> = HashMap::new();
    for row in
        sqlx::query("SELECT * FROM network_acl_rules ORDER BY acl_id, position").fetch_all(&mut *connection).await?
    {
        acl_rules.entry(row.get("acl_id")).or_default().push(NetworkAclRule {
            id: row.get("id"),
            name: row.get("name"),
            action: if row.get::<&str, _>("action") == "deny" { AclAction::Deny } else { AclAction::Allow },
            direction: direction(row.get("direction"))?,
            source: net(row.get("source"))?,
            destination: net(row.get("destination"))?,
            protocol: protocol(&row, true)?,
            created_at: Timestamp(row.get("created_at")),
        });
    }
    for row in sqlx::query("SELECT * FROM network_acls").fetch_all(&mut *connection).await? {
        let id: String = row.get("id");
        let owner = account(&row, "account")?;
        entities.push(Entity::NetworkAcl(NetworkAcl {
            resource_group: resource_group(&row, &owner),
            account: owner,
            vpc: row.get("vpc_id"),
            name: row.get("name"),
            created_at: Timestamp(row.get("created_at")),
            rules: acl_rules.remove(&id).unwrap_or_default(),
            id,
        }));
    }
    for row in sqlx::query("SELECT * FROM routing_tables").fetch_all(&mut *connection).await? {
        entities.push(Entity::RoutingTable(RoutingTable {
            id: row.get("id"),
            account: account(&row, "account")?,
            vpc: row.get("vpc_id"),
            name: row.get("name"),
            created_at: Timestamp(row.get("created_at")),
        }));
    }
    Ok(())
}

/// Writes a security group and replaces its rules.
pub(super) async fn put_security_group(connection: &mut AnyConnection, group: &SecurityGroup) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO security_groups (id, account, vpc_id, name, created_at, resource_group) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name",
    )
    .bind(&group.id)
    .bind(group.account.as_str())
    .bind(&group.vpc)
    .bind(&group.name)
    .bind(group.created_at.0)
    .bind(&group.resource_group)
    .execute(&mut *connection)
    .await?;
    sqlx::query("DELETE FROM security_group_rules WHERE group_id = $1")
        .bind(&group.id)
        .execute(&mut *connection)
        .await?;
    for (position, rule) in group.rules.iter().enumerate() {
        let (protocol, ports, _, icmp_type, icmp_code) = protocol_columns(&rule.protocol);
        let (remote_kind, remote) = match &rule.remote {
            Remote::Address(address) => ("address", address.to_string()),
            Remote::Cidr(cidr) => ("cidr_block", cidr.to_string()),
            Remote::Group(id) => ("security_group", id.clone()),
        };
        let (local_kind, local) = match &rule.local {
            Local::Address(address) => ("address", address.to_string()),
            Local::Cidr(cidr) => ("cidr_block", cidr.to_string()),
        };
        sqlx::query(
            "INSERT INTO security_group_rules (group_id, position, id, name, direction, protocol, port_min, port_max, icmp_type, \
             icmp_code, remote_kind, remote, local_kind, local) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(&group.id)
        .bind(position as i64)
        .bind(&rule.id)
        .bind(&rule.name)
        .bind(rule.direction.as_str())
        .bind(protocol)
        .bind(ports.map(|p| i64::from(p.min)))
        .bind(ports.map(|p| i64::from(p.max)))
        .bind(icmp_type)
        .bind(icmp_code)
        .bind(remote_kind)
        .bind(remote)
        .bind(local_kind)
        .bind(local)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// Writes a network ACL and replaces its rules, in order.
pub(super) async fn put_network_acl(connection: &mut AnyConnection, acl: &NetworkAcl) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO network_acls (id, account, vpc_id, name, created_at, resource_group) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name",
    )
    .bind(&acl.id)
    .bind(acl.account.as_str())
    .bind(&acl.vpc)
    .bind(&acl.name)
    .bind(acl.created_at.0)
    .bind(&acl.resource_group)
    .execute(&mut *connection)
    .await?;
    sqlx::query("DELETE FROM network_acl_rules WHERE acl_id = $1").bind(&acl.id).execute(&mut *connection).await?;
    for (position, rule) in acl.rules.iter().enumerate() {
        let (protocol, ports, source_ports, icmp_type, icmp_code) = protocol_columns(&rule.protocol);
        sqlx::query(
            "INSERT INTO network_acl_rules (acl_id, position, id, name, action, direction, source, destination, protocol, \
             port_min, port_max, source_port_min, source_port_max, icmp_type, icmp_code, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(&acl.id)
        .bind(position as i64)
        .bind(&rule.id)
        .bind(&rule.name)
        .bind(rule.action.as_str())
        .bind(rule.direction.as_str())
        .bind(rule.source.to_string())
        .bind(rule.destination.to_string())
        .bind(protocol)
        .bind(ports.map(|p| i64::from(p.min)))
        .bind(ports.map(|p| i64::from(p.max)))
        .bind(source_ports.map(|p| i64::from(p.min)))
        .bind(source_ports.map(|p| i64::from(p.max)))
        .bind(icmp_type)
        .bind(icmp_code)
        .bind(rule.created_at.0)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}
