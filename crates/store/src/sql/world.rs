//! The VPC domain's rows: loading every entity, and applying puts and deletes in an order the foreign keys accept.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use hubspoke_iam::{AccountId, Timestamp};
use hubspoke_vpc::EntityKey;
use hubspoke_vpc::model::{
    AclAction, AddressPrefix, Binding, BindingMode, CustomResolver, Direction, DnsServer, EndpointGateway,
    GatewayTarget, IpOwner, IpTarget, Local, NetworkAcl, NetworkAclRule, Phase, PortRange, PrefixManagement, Remote,
    ReservedIp, ResolverLocation, ResolverSetting, RoutingTable, RuleProtocol, SecurityGroup, SecurityGroupRule,
    Settling, Subnet, Vpc, default_network_acl_id,
};
use hubspoke_vpc::world::Entity;
use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::SqlStore;
use super::changes::append_change;
use crate::{EntityKind, EventRecord, Revision, StoreError, StoreResult, WorldWrite};

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} `{value}`"))
}

fn account(row: &AnyRow, column: &str) -> StoreResult<AccountId> {
    let text: String = row.get(column);
    AccountId::parse(&text).ok_or_else(|| corrupt("account id", &text))
}

fn address(text: &str) -> StoreResult<Ipv4Addr> {
    text.parse().map_err(|_| corrupt("IPv4 address", text))
}

fn settling(row: &AnyRow) -> StoreResult<Settling> {
    let phase = match row.get::<&str, _>("phase") {
        "pending" => Phase::Pending,
        "updating" => Phase::Updating,
        other => return Err(corrupt("phase", other)),
    };
    Ok(Settling { phase, until: Timestamp(row.get("settles_at")) })
}

fn phase_text(settling: &Settling) -> &'static str {
    match settling.phase {
        Phase::Pending => "pending",
        Phase::Updating => "updating",
    }
}

/// The key's id, for the change log.
fn key_text(write: &WorldWrite) -> String {
    let key = match write {
        WorldWrite::Delete(key) => key.clone(),
        WorldWrite::Put(entity) => key_of(entity),
    };
    match key {
        EntityKey::Vpc(id)
        | EntityKey::AddressPrefix(id)
        | EntityKey::Subnet(id)
        | EntityKey::ReservedIp(id)
        | EntityKey::Gateway(id)
        | EntityKey::Binding(id)
        | EntityKey::Resolver(id)
        | EntityKey::SecurityGroup(id)
        | EntityKey::NetworkAcl(id)
        | EntityKey::RoutingTable(id) => id,
    }
}

fn key_of(entity: &Entity) -> EntityKey {
    match entity {
        Entity::Vpc(e) => EntityKey::Vpc(e.id.clone()),
        Entity::AddressPrefix(e) => EntityKey::AddressPrefix(e.id.clone()),
        Entity::Subnet(e) => EntityKey::Subnet(e.id.clone()),
        Entity::ReservedIp(e) => EntityKey::ReservedIp(e.id.clone()),
        Entity::Gateway(e) => EntityKey::Gateway(e.id.clone()),
        Entity::Binding(e) => EntityKey::Binding(e.id.clone()),
        Entity::Resolver(e) => EntityKey::Resolver(e.id.clone()),
        Entity::SecurityGroup(e) => EntityKey::SecurityGroup(e.id.clone()),
        Entity::NetworkAcl(e) => EntityKey::NetworkAcl(e.id.clone()),
        Entity::RoutingTable(e) => EntityKey::RoutingTable(e.id.clone()),
    }
}

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

/// Every entity, and the revision of the last VPC-domain write.
pub(super) async fn load(connection: &mut AnyConnection) -> StoreResult<(Vec<Entity>, Revision)> {
    let revision: i64 =
        sqlx::query_scalar("SELECT revision FROM world_state WHERE slot = 1").fetch_one(&mut *connection).await?;
    let mut entities = Vec::new();

    let mut manual: HashMap<String, Vec<DnsServer>> = HashMap::new();
    for row in sqlx::query("SELECT vpc_id, address, zone FROM vpc_manual_servers ORDER BY vpc_id, position")
        .fetch_all(&mut *connection)
        .await?
    {
        let server = DnsServer { address: address(row.get("address"))?, zone_affinity: row.get("zone") };
        manual.entry(row.get("vpc_id")).or_default().push(server);
    }
    for row in sqlx::query("SELECT * FROM vpcs").fetch_all(&mut *connection).await? {
        let id: String = row.get("id");
        let resolver = match row.get::<&str, _>("resolver_type") {
            "system" => ResolverSetting::System,
            "manual" => ResolverSetting::Manual(manual.remove(&id).unwrap_or_default()),
            _ => ResolverSetting::Delegated {
                vpc: row.get::<Option<String>, _>("resolver_vpc").ok_or_else(|| corrupt("delegated VPC of", &id))?,
            },
        };
        entities.push(Entity::Vpc(Vpc {
            account: account(&row, "account")?,
            name: row.get("name"),
            created_at: Timestamp(row.get("created_at")),
            classic_access: row.get::<i64, _>("classic_access") == 1,
            address_prefix_management: if row.get::<&str, _>("address_prefix_management") == "manual" {
                PrefixManagement::Manual
            } else {
                PrefixManagement::Auto
            },
            enable_hub: row.get::<i64, _>("enable_hub") == 1,
            resolver,
            dns_endpoint: address(row.get("dns_endpoint"))?,
            version: row.get::<i64, _>("version") as u32,
            id,
        }));
    }
    for row in sqlx::query("SELECT * FROM address_prefixes").fetch_all(&mut *connection).await? {
        let cidr: String = row.get("cidr");
        entities.push(Entity::AddressPrefix(AddressPrefix {
            id: row.get("id"),
            account: account(&row, "account")?,
            vpc: row.get("vpc_id"),
            zone: row.get("zone"),
            cidr: cidr.parse().map_err(|_| corrupt("CIDR", &cidr))?,
            name: row.get("name"),
            is_default: row.get::<i64, _>("is_default") == 1,
            created_at: Timestamp(row.get("created_at")),
        }));
    }
    for row in sqlx::query("SELECT * FROM subnets").fetch_all(&mut *connection).await? {
        let cidr: String = row.get("cidr");
        entities.push(Entity::Subnet(Subnet {
            id: row.get("id"),
            account: account(&row, "account")?,
            vpc: row.get("vpc_id"),
            zone: row.get("zone"),
            cidr: cidr.parse().map_err(|_| corrupt("CIDR", &cidr))?,
            name: row.get("name"),
            created_at: Timestamp(row.get("created_at")),
            network_acl: row
                .get::<Option<String>, _>("network_acl_id")
                .unwrap_or_else(|| default_network_acl_id(row.get("vpc_id"))),
        }));
    }
    for row in sqlx::query("SELECT * FROM reserved_ips").fetch_all(&mut *connection).await? {
        let target =
            match (row.get::<Option<String>, _>("target_kind").as_deref(), row.get::<Option<String>, _>("target_id")) {
                (Some("endpoint_gateway"), Some(id)) => Some(IpTarget::EndpointGateway(id)),
                (Some("resolver_location"), Some(resolver)) => Some(IpTarget::ResolverLocation {
                    resolver,
                    location: row.get::<Option<String>, _>("target_location").unwrap_or_default(),
                }),
                _ => None,
            };
        entities.push(Entity::ReservedIp(ReservedIp {
            id: row.get("id"),
            subnet: row.get("subnet_id"),
            address: address(row.get("address"))?,
            name: row.get("name"),
            auto_delete: row.get::<i64, _>("auto_delete") == 1,
            owner: if row.get::<&str, _>("owner") == "provider" { IpOwner::Provider } else { IpOwner::User },
            target,
            created_at: Timestamp(row.get("created_at")),
        }));
    }
    let mut endpoints: HashMap<String, Vec<String>> = HashMap::new();
    for row in
        sqlx::query("SELECT gateway_id, fqdn FROM endpoint_gateway_service_endpoints ORDER BY gateway_id, position")
            .fetch_all(&mut *connection)
            .await?
    {
        endpoints.entry(row.get("gateway_id")).or_default().push(row.get("fqdn"));
    }
    let mut gateway_groups: HashMap<String, Vec<String>> = HashMap::new();
    for row in
        sqlx::query("SELECT gateway_id, group_id FROM endpoint_gateway_security_groups ORDER BY gateway_id, position")
            .fetch_all(&mut *connection)
            .await?
    {
        gateway_groups.entry(row.get("gateway_id")).or_default().push(row.get("group_id"));
    }
    for row in sqlx::query("SELECT * FROM endpoint_gateways").fetch_all(&mut *connection).await? {
        let id: String = row.get("id");
        let value: String = row.get("target_value");
        let target = match row.get::<&str, _>("target_type") {
            "provider_cloud_service" => GatewayTarget::ProviderCloudService { crn: value },
            _ => GatewayTarget::ProviderInfrastructureService { name: value },
        };
        let mode: String = row.get("mode");
        entities.push(Entity::Gateway(EndpointGateway {
            account: account(&row, "account")?,
            vpc: row.get("vpc_id"),
            name: row.get("name"),
            target,
            service_endpoints: endpoints.remove(&id).unwrap_or_default(),
            mode: BindingMode::parse(&mode).ok_or_else(|| corrupt("binding mode", &mode))?,
            created_at: Timestamp(row.get("created_at")),
            settling: settling(&row)?,
            security_groups: gateway_groups.remove(&id).unwrap_or_default(),
            id,
        }));
    }
    for row in sqlx::query("SELECT * FROM dns_resolution_bindings").fetch_all(&mut *connection).await? {
        entities.push(Entity::Binding(Binding {
            id: row.get("id"),
            spoke: row.get("spoke_vpc"),
            spoke_account: account(&row, "spoke_account")?,
            hub: row.get("hub_vpc"),
            hub_account: account(&row, "hub_account")?,
            spoke_name: row.get("spoke_name"),
            hub_name: row.get("hub_name"),
            created_at: Timestamp(row.get("created_at")),
            settling: settling(&row)?,
            spoke_attached: row.get::<i64, _>("spoke_attached") == 1,
        }));
    }
    let mut locations: HashMap<String, Vec<ResolverLocation>> = HashMap::new();
    for row in sqlx::query("SELECT * FROM custom_resolver_locations ORDER BY resolver_id, position")
        .fetch_all(&mut *connection)
        .await?
    {
        locations.entry(row.get("resolver_id")).or_default().push(ResolverLocation {
            id: row.get("id"),
            subnet: row.get("subnet_id"),
            enabled: row.get::<i64, _>("enabled") == 1,
            reserved_ip: row.get("reserved_ip_id"),
        });
    }
    for row in sqlx::query("SELECT * FROM custom_resolvers").fetch_all(&mut *connection).await? {
        let id: String = row.get("id");
        entities.push(Entity::Resolver(CustomResolver {
            account: account(&row, "account")?,
            instance: row.get("instance_id"),
            name: row.get("name"),
            description: row.get("description"),
            enabled: row.get::<i64, _>("enabled") == 1,
            locations: locations.remove(&id).unwrap_or_default(),
            created_at: Timestamp(row.get("created_at")),
            modified_at: Timestamp(row.get("modified_at")),
            id,
        }));
    }
    load_security(connection, &mut entities).await?;
    Ok((entities, revision as Revision))
}

/// Security groups, network ACLs (with their rules, in order) and routing tables.
async fn load_security(connection: &mut AnyConnection, entities: &mut Vec<Entity>) -> StoreResult<()> {
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
        entities.push(Entity::SecurityGroup(SecurityGroup {
            account: account(&row, "account")?,
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
        entities.push(Entity::NetworkAcl(NetworkAcl {
            account: account(&row, "account")?,
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

/// Applies the writes: deletes first, children before parents; then puts, parents before children.
/// Persists a VPC-domain change computed from the world at `based_on`, with its events, in one transaction.
pub(super) async fn write(
    store: &SqlStore,
    based_on: Revision,
    writes: &[WorldWrite],
    events: &[EventRecord],
) -> StoreResult<Revision> {
    let mut tx = store.write().await?;
    // The compare-and-set: on PostgreSQL the UPDATE also locks the row until commit, so a second writer based on the
    // same revision waits, then finds the revision moved and matches nothing.
    let claimed = sqlx::query("UPDATE world_state SET revision = revision WHERE slot = 1 AND revision = $1")
        .bind(based_on as i64)
        .execute(&mut *tx)
        .await?;
    if claimed.rows_affected() == 0 {
        let current: i64 =
            sqlx::query_scalar("SELECT revision FROM world_state WHERE slot = 1").fetch_one(&mut *tx).await?;
        tx.rollback().await?;
        return Err(StoreError::WorldMoved { based_on, current: current as Revision });
    }
    apply(&mut tx, writes).await?;
    super::events::insert(&mut tx, events).await?;
    let first = writes.first().map(key_text).unwrap_or_default();
    let at = events.first().map(|e| e.at).unwrap_or_default();
    let revision = append_change(&mut tx, store.backend, EntityKind::World, &first, at).await?;
    sqlx::query("UPDATE world_state SET revision = $1 WHERE slot = 1").bind(revision as i64).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(revision)
}

async fn apply(connection: &mut AnyConnection, writes: &[WorldWrite]) -> StoreResult<()> {
    let mut deletes: Vec<&EntityKey> =
        writes.iter().filter_map(|w| if let WorldWrite::Delete(key) = w { Some(key) } else { None }).collect();
    deletes.sort();
    for key in deletes.iter().rev() {
        delete(connection, key).await?;
    }
    let mut puts: Vec<&Entity> =
        writes.iter().filter_map(|w| if let WorldWrite::Put(entity) = w { Some(entity) } else { None }).collect();
    puts.sort_by_key(|entity| key_of(entity));
    for entity in puts {
        put(connection, entity).await?;
    }
    Ok(())
}

async fn delete(connection: &mut AnyConnection, key: &EntityKey) -> StoreResult<()> {
    let (table, id) = match key {
        EntityKey::Vpc(id) => ("vpcs", id),
        EntityKey::AddressPrefix(id) => ("address_prefixes", id),
        EntityKey::Subnet(id) => ("subnets", id),
        EntityKey::ReservedIp(id) => ("reserved_ips", id),
        EntityKey::Gateway(id) => ("endpoint_gateways", id),
        EntityKey::Binding(id) => ("dns_resolution_bindings", id),
        EntityKey::Resolver(id) => ("custom_resolvers", id),
        EntityKey::SecurityGroup(id) => ("security_groups", id),
        EntityKey::NetworkAcl(id) => ("network_acls", id),
        EntityKey::RoutingTable(id) => ("routing_tables", id),
    };
    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE id = $1")))
        .bind(id)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

async fn put(connection: &mut AnyConnection, entity: &Entity) -> StoreResult<()> {
    match entity {
        Entity::Vpc(vpc) => {
            let (resolver_type, resolver_vpc) = match &vpc.resolver {
                ResolverSetting::System => ("system", None),
                ResolverSetting::Manual(_) => ("manual", None),
                ResolverSetting::Delegated { vpc } => ("delegated", Some(vpc.clone())),
            };
            sqlx::query(
                "INSERT INTO vpcs (id, account, name, created_at, classic_access, address_prefix_management, enable_hub, \
                 resolver_type, resolver_vpc, dns_endpoint, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, enable_hub = excluded.enable_hub, \
                 resolver_type = excluded.resolver_type, resolver_vpc = excluded.resolver_vpc, version = excluded.version",
            )
            .bind(&vpc.id)
            .bind(vpc.account.as_str())
            .bind(&vpc.name)
            .bind(vpc.created_at.0)
            .bind(vpc.classic_access as i64)
            .bind(if vpc.address_prefix_management == PrefixManagement::Manual { "manual" } else { "auto" })
            .bind(vpc.enable_hub as i64)
            .bind(resolver_type)
            .bind(resolver_vpc)
            .bind(vpc.dns_endpoint.to_string())
            .bind(vpc.version as i64)
            .execute(&mut *connection)
            .await?;
            sqlx::query("DELETE FROM vpc_manual_servers WHERE vpc_id = $1")
                .bind(&vpc.id)
                .execute(&mut *connection)
                .await?;
            if let ResolverSetting::Manual(servers) = &vpc.resolver {
                for (position, server) in servers.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO vpc_manual_servers (vpc_id, position, address, zone) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&vpc.id)
                    .bind(position as i64)
                    .bind(server.address.to_string())
                    .bind(&server.zone_affinity)
                    .execute(&mut *connection)
                    .await?;
                }
            }
        }
        Entity::AddressPrefix(prefix) => {
            sqlx::query(
                "INSERT INTO address_prefixes (id, account, vpc_id, zone, cidr, name, is_default, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, is_default = excluded.is_default",
            )
            .bind(&prefix.id)
            .bind(prefix.account.as_str())
            .bind(&prefix.vpc)
            .bind(&prefix.zone)
            .bind(prefix.cidr.to_string())
            .bind(&prefix.name)
            .bind(prefix.is_default as i64)
            .bind(prefix.created_at.0)
            .execute(&mut *connection)
            .await?;
        }
        Entity::Subnet(subnet) => {
            sqlx::query(
                "INSERT INTO subnets (id, account, vpc_id, zone, cidr, name, created_at, network_acl_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, network_acl_id = excluded.network_acl_id",
            )
            .bind(&subnet.id)
            .bind(subnet.account.as_str())
            .bind(&subnet.vpc)
            .bind(&subnet.zone)
            .bind(subnet.cidr.to_string())
            .bind(&subnet.name)
            .bind(subnet.created_at.0)
            .bind(&subnet.network_acl)
            .execute(&mut *connection)
            .await?;
        }
        Entity::ReservedIp(ip) => {
            let (kind, id, location) = match &ip.target {
                None => (None, None, None),
                Some(IpTarget::EndpointGateway(id)) => (Some("endpoint_gateway"), Some(id.clone()), None),
                Some(IpTarget::ResolverLocation { resolver, location }) => {
                    (Some("resolver_location"), Some(resolver.clone()), Some(location.clone()))
                }
            };
            sqlx::query(
                "INSERT INTO reserved_ips (id, subnet_id, address, name, auto_delete, owner, target_kind, target_id, target_location, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                 auto_delete = excluded.auto_delete, target_kind = excluded.target_kind, target_id = excluded.target_id, \
                 target_location = excluded.target_location",
            )
            .bind(&ip.id)
            .bind(&ip.subnet)
            .bind(ip.address.to_string())
            .bind(&ip.name)
            .bind(ip.auto_delete as i64)
            .bind(if ip.owner == IpOwner::Provider { "provider" } else { "user" })
            .bind(kind)
            .bind(id)
            .bind(location)
            .bind(ip.created_at.0)
            .execute(&mut *connection)
            .await?;
        }
        Entity::Gateway(gateway) => {
            let (target_type, target_value) = match &gateway.target {
                GatewayTarget::ProviderCloudService { crn } => ("provider_cloud_service", crn),
                GatewayTarget::ProviderInfrastructureService { name } => ("provider_infrastructure_service", name),
            };
            sqlx::query(
                "INSERT INTO endpoint_gateways (id, account, vpc_id, name, target_type, target_value, mode, created_at, phase, settles_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO UPDATE SET name = excluded.name, mode = excluded.mode, \
                 phase = excluded.phase, settles_at = excluded.settles_at",
            )
            .bind(&gateway.id)
            .bind(gateway.account.as_str())
            .bind(&gateway.vpc)
            .bind(&gateway.name)
            .bind(target_type)
            .bind(target_value)
            .bind(gateway.mode.as_str())
            .bind(gateway.created_at.0)
            .bind(phase_text(&gateway.settling))
            .bind(gateway.settling.until.0)
            .execute(&mut *connection)
            .await?;
            sqlx::query("DELETE FROM endpoint_gateway_service_endpoints WHERE gateway_id = $1")
                .bind(&gateway.id)
                .execute(&mut *connection)
                .await?;
            for (position, fqdn) in gateway.service_endpoints.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO endpoint_gateway_service_endpoints (gateway_id, position, fqdn) VALUES ($1, $2, $3)",
                )
                .bind(&gateway.id)
                .bind(position as i64)
                .bind(fqdn)
                .execute(&mut *connection)
                .await?;
            }
            sqlx::query("DELETE FROM endpoint_gateway_security_groups WHERE gateway_id = $1")
                .bind(&gateway.id)
                .execute(&mut *connection)
                .await?;
            for (position, group) in gateway.security_groups.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO endpoint_gateway_security_groups (gateway_id, position, group_id) VALUES ($1, $2, $3)",
                )
                .bind(&gateway.id)
                .bind(position as i64)
                .bind(group)
                .execute(&mut *connection)
                .await?;
            }
        }
        Entity::Binding(binding) => {
            sqlx::query(
                "INSERT INTO dns_resolution_bindings (id, spoke_vpc, spoke_account, hub_vpc, hub_account, spoke_name, hub_name, \
                 created_at, phase, settles_at, spoke_attached) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO UPDATE \
                 SET spoke_name = excluded.spoke_name, hub_name = excluded.hub_name, spoke_attached = excluded.spoke_attached",
            )
            .bind(&binding.id)
            .bind(&binding.spoke)
            .bind(binding.spoke_account.as_str())
            .bind(&binding.hub)
            .bind(binding.hub_account.as_str())
            .bind(&binding.spoke_name)
            .bind(&binding.hub_name)
            .bind(binding.created_at.0)
            .bind(phase_text(&binding.settling))
            .bind(binding.settling.until.0)
            .bind(binding.spoke_attached as i64)
            .execute(&mut *connection)
            .await?;
        }
        Entity::Resolver(resolver) => {
            sqlx::query(
                "INSERT INTO custom_resolvers (id, account, instance_id, name, description, enabled, created_at, modified_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                 description = excluded.description, enabled = excluded.enabled, modified_at = excluded.modified_at",
            )
            .bind(&resolver.id)
            .bind(resolver.account.as_str())
            .bind(&resolver.instance)
            .bind(&resolver.name)
            .bind(&resolver.description)
            .bind(resolver.enabled as i64)
            .bind(resolver.created_at.0)
            .bind(resolver.modified_at.0)
            .execute(&mut *connection)
            .await?;
            sqlx::query("DELETE FROM custom_resolver_locations WHERE resolver_id = $1")
                .bind(&resolver.id)
                .execute(&mut *connection)
                .await?;
            for (position, location) in resolver.locations.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO custom_resolver_locations (id, resolver_id, position, subnet_id, enabled, reserved_ip_id) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&location.id)
                .bind(&resolver.id)
                .bind(position as i64)
                .bind(&location.subnet)
                .bind(location.enabled as i64)
                .bind(&location.reserved_ip)
                .execute(&mut *connection)
                .await?;
            }
        }
        Entity::SecurityGroup(group) => put_security_group(connection, group).await?,
        Entity::NetworkAcl(acl) => put_network_acl(connection, acl).await?,
        Entity::RoutingTable(table) => {
            sqlx::query(
                "INSERT INTO routing_tables (id, account, vpc_id, name, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name",
            )
            .bind(&table.id)
            .bind(table.account.as_str())
            .bind(&table.vpc)
            .bind(&table.name)
            .bind(table.created_at.0)
            .execute(&mut *connection)
            .await?;
        }
    }
    Ok(())
}

/// Writes a security group and replaces its rules.
async fn put_security_group(connection: &mut AnyConnection, group: &SecurityGroup) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO security_groups (id, account, vpc_id, name, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name",
    )
    .bind(&group.id)
    .bind(group.account.as_str())
    .bind(&group.vpc)
    .bind(&group.name)
    .bind(group.created_at.0)
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
async fn put_network_acl(connection: &mut AnyConnection, acl: &NetworkAcl) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO network_acls (id, account, vpc_id, name, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name",
    )
    .bind(&acl.id)
    .bind(acl.account.as_str())
    .bind(&acl.vpc)
    .bind(&acl.name)
    .bind(acl.created_at.0)
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
