//! The VPC domain's rows: loading every entity, and applying puts and deletes in an order the foreign keys accept.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use hubspoke_iam::{AccountId, Timestamp};
use hubspoke_vpc::EntityKey;
use hubspoke_vpc::model::{
    AclAction, AddressPrefix, Binding, BindingMode, CustomResolver, Direction, DnsServer, EndpointGateway,
    GatewayTarget, IpOwner, IpTarget, Local, NetworkAcl, NetworkAclRule, Phase, PortRange, PrefixManagement,
    PublicGateway, Remote, ReservedIp, ResolverLocation, ResolverProfile, ResolverSetting, ResourceBinding,
    ResourceGroup, RoutingTable, RuleProtocol, SecurityGroup, SecurityGroupRule, Settling, Subnet, Vpc,
    default_network_acl_id, default_resource_group_id,
};
use hubspoke_vpc::world::Entity;
use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::SqlStore;
use super::changes::append_change;
use crate::{EntityKind, EventRecord, Revision, StoreError, StoreResult, WorldWrite};

mod dns;
mod forwarding;
mod load;
mod security;
mod transit;

use dns::{load_dns, put_dns_zone, put_record, put_service_instance};
use forwarding::{load_forwarding, put_forwarding_rule, put_secondary_zone};
pub(super) use load::load;
use security::{load_security, put_network_acl, put_security_group};
use transit::{load_transit, put_transit_connection, put_transit_gateway};

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} `{value}`"))
}

fn account(row: &AnyRow, column: &str) -> StoreResult<AccountId> {
    let text: String = row.get(column);
    AccountId::parse(&text).ok_or_else(|| corrupt("account id", &text))
}

/// A resource's group: NULL in rows written before resource groups were stored, which are all in their account's
/// default group.
fn resource_group(row: &AnyRow, account: &AccountId) -> String {
    row.get::<Option<String>, _>("resource_group").unwrap_or_else(|| default_resource_group_id(account))
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
        EntityKey::ResourceGroup(id)
        | EntityKey::Vpc(id)
        | EntityKey::AddressPrefix(id)
        | EntityKey::Subnet(id)
        | EntityKey::ReservedIp(id)
        | EntityKey::Gateway(id)
        | EntityKey::ResourceBinding(id)
        | EntityKey::Binding(id)
        | EntityKey::Resolver(id)
        | EntityKey::ForwardingRule(id)
        | EntityKey::SecondaryZone(id)
        | EntityKey::SecurityGroup(id)
        | EntityKey::NetworkAcl(id)
        | EntityKey::RoutingTable(id)
        | EntityKey::PublicGateway(id) => id,
        EntityKey::TransitGateway(id) | EntityKey::TransitConnection(id) => id,
        EntityKey::ServiceInstance(id) | EntityKey::DnsZone(id) | EntityKey::ResourceRecord(id) => id,
    }
}

fn key_of(entity: &Entity) -> EntityKey {
    match entity {
        Entity::ResourceGroup(e) => EntityKey::ResourceGroup(e.id.clone()),
        Entity::Vpc(e) => EntityKey::Vpc(e.id.clone()),
        Entity::AddressPrefix(e) => EntityKey::AddressPrefix(e.id.clone()),
        Entity::Subnet(e) => EntityKey::Subnet(e.id.clone()),
        Entity::ReservedIp(e) => EntityKey::ReservedIp(e.id.clone()),
        Entity::Gateway(e) => EntityKey::Gateway(e.id.clone()),
        Entity::ResourceBinding(e) => EntityKey::ResourceBinding(e.id.clone()),
        Entity::Binding(e) => EntityKey::Binding(e.id.clone()),
        Entity::Resolver(e) => EntityKey::Resolver(e.id.clone()),
        Entity::ForwardingRule(e) => EntityKey::ForwardingRule(e.id.clone()),
        Entity::SecondaryZone(e) => EntityKey::SecondaryZone(e.id.clone()),
        Entity::ServiceInstance(e) => EntityKey::ServiceInstance(e.id.clone()),
        Entity::DnsZone(e) => EntityKey::DnsZone(e.id.clone()),
        Entity::ResourceRecord(e) => EntityKey::ResourceRecord(e.id.clone()),
        Entity::SecurityGroup(e) => EntityKey::SecurityGroup(e.id.clone()),
        Entity::NetworkAcl(e) => EntityKey::NetworkAcl(e.id.clone()),
        Entity::RoutingTable(e) => EntityKey::RoutingTable(e.id.clone()),
        Entity::PublicGateway(e) => EntityKey::PublicGateway(e.id.clone()),
        Entity::TransitGateway(e) => EntityKey::TransitGateway(e.id.clone()),
        Entity::TransitConnection(e) => EntityKey::TransitConnection(e.id.clone()),
    }
}

/// Applies the writes: deletes first, children before parents; then puts, parents before children.
/// Persists a VPC-domain change computed from the world at `based_on`, with its events, in one transaction.
pub(super) async fn write(
    store: &SqlStore,
    based_on: Revision,
    writes: &[WorldWrite],
    events: &[EventRecord],
) -> StoreResult<Revision> {
    let (writes, events, backend) = (writes.to_vec(), events.to_vec(), store.backend);
    store
        .group
        .write(move |connection, _| {
            Box::pin(async move {
                // The compare-and-set: on PostgreSQL the UPDATE also locks the row until commit, so a second writer
                // based on the same revision waits, then finds the revision moved and matches nothing. A second
                // write in the same batch computed from the same world finds it moved by the first.
                let claimed =
                    sqlx::query("UPDATE world_state SET revision = revision WHERE slot = 1 AND revision = $1")
                        .bind(based_on as i64)
                        .execute(&mut *connection)
                        .await?;
                if claimed.rows_affected() == 0 {
                    let current: i64 = sqlx::query_scalar("SELECT revision FROM world_state WHERE slot = 1")
                        .fetch_one(&mut *connection)
                        .await?;
                    return Err(StoreError::WorldMoved { based_on, current: current as Revision });
                }
                apply(connection, &writes).await?;
                super::events::insert(connection, &events).await?;
                let first = writes.first().map(key_text).unwrap_or_default();
                let at = events.first().map(|e| e.at).unwrap_or_default();
                let revision = append_change(connection, backend, EntityKind::World, &first, at).await?;
                sqlx::query("UPDATE world_state SET revision = $1 WHERE slot = 1")
                    .bind(revision as i64)
                    .execute(&mut *connection)
                    .await?;
                Ok(revision)
            })
        })
        .await
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
        EntityKey::ResourceGroup(id) => ("resource_groups", id),
        EntityKey::Vpc(id) => ("vpcs", id),
        EntityKey::AddressPrefix(id) => ("address_prefixes", id),
        EntityKey::Subnet(id) => ("subnets", id),
        EntityKey::ReservedIp(id) => ("reserved_ips", id),
        EntityKey::Gateway(id) => ("endpoint_gateways", id),
        EntityKey::ResourceBinding(id) => ("endpoint_gateway_resource_bindings", id),
        EntityKey::Binding(id) => ("dns_resolution_bindings", id),
        EntityKey::Resolver(id) => ("custom_resolvers", id),
        EntityKey::ForwardingRule(id) => ("forwarding_rules", id),
        EntityKey::SecondaryZone(id) => ("secondary_zones", id),
        EntityKey::ServiceInstance(id) => ("dns_service_instances", id),
        EntityKey::DnsZone(id) => ("dns_zones", id),
        EntityKey::ResourceRecord(id) => ("dns_resource_records", id),
        EntityKey::SecurityGroup(id) => ("security_groups", id),
        EntityKey::NetworkAcl(id) => ("network_acls", id),
        EntityKey::RoutingTable(id) => ("routing_tables", id),
        EntityKey::PublicGateway(id) => ("public_gateways", id),
        EntityKey::TransitGateway(id) => ("transit_gateways", id),
        EntityKey::TransitConnection(id) => ("transit_connections", id),
    };
    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE id = $1")))
        .bind(id)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

async fn put(connection: &mut AnyConnection, entity: &Entity) -> StoreResult<()> {
    match entity {
        Entity::ResourceGroup(group) => {
            sqlx::query(
                "INSERT INTO resource_groups (id, account, name, is_default, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at",
            )
            .bind(&group.id)
            .bind(group.account.as_str())
            .bind(&group.name)
            .bind(group.default as i64)
            .bind(group.created_at.0)
            .bind(group.updated_at.0)
            .execute(&mut *connection)
            .await?;
        }
        Entity::Vpc(vpc) => {
            let (resolver_type, resolver_vpc) = match &vpc.resolver {
                ResolverSetting::System => ("system", None),
                ResolverSetting::Manual(_) => ("manual", None),
                ResolverSetting::Delegated { vpc } => ("delegated", Some(vpc.clone())),
            };
            sqlx::query(
                "INSERT INTO vpcs (id, account, name, created_at, classic_access, address_prefix_management, enable_hub, \
                 resolver_type, resolver_vpc, dns_endpoint, version, resource_group) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
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
            .bind(&vpc.resource_group)
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
                "INSERT INTO subnets (id, account, vpc_id, zone, cidr, name, created_at, network_acl_id, public_gateway_id, \
                 resource_group) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO UPDATE SET \
                 name = excluded.name, network_acl_id = excluded.network_acl_id, public_gateway_id = excluded.public_gateway_id",
            )
            .bind(&subnet.id)
            .bind(subnet.account.as_str())
            .bind(&subnet.vpc)
            .bind(&subnet.zone)
            .bind(subnet.cidr.to_string())
            .bind(&subnet.name)
            .bind(subnet.created_at.0)
            .bind(&subnet.network_acl)
            .bind(&subnet.public_gateway)
            .bind(&subnet.resource_group)
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
        Entity::ResourceBinding(binding) => put_resource_binding(connection, binding).await?,
        Entity::Gateway(gateway) => {
            let (target_type, target_value) = match &gateway.target {
                GatewayTarget::ProviderCloudService { crn } => ("provider_cloud_service", crn),
                GatewayTarget::ProviderInfrastructureService { name } => ("provider_infrastructure_service", name),
            };
            sqlx::query(
                "INSERT INTO endpoint_gateways (id, account, vpc_id, name, target_type, target_value, mode, created_at, phase, settles_at, \
                 resource_group) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO UPDATE SET name = excluded.name, mode = excluded.mode, \
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
            .bind(&gateway.resource_group)
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
                "INSERT INTO custom_resolvers (id, account, instance_id, name, description, enabled, created_at, modified_at, \
                 profile, allow_disruptive_updates, phase, settles_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                 description = excluded.description, enabled = excluded.enabled, modified_at = excluded.modified_at, \
                 profile = excluded.profile, allow_disruptive_updates = excluded.allow_disruptive_updates, \
                 phase = excluded.phase, settles_at = excluded.settles_at",
            )
            .bind(&resolver.id)
            .bind(resolver.account.as_str())
            .bind(&resolver.instance)
            .bind(&resolver.name)
            .bind(&resolver.description)
            .bind(resolver.enabled as i64)
            .bind(resolver.created_at.0)
            .bind(resolver.modified_at.0)
            .bind(resolver.profile.as_str())
            .bind(resolver.allow_disruptive_updates as i64)
            .bind(resolver.settling.as_ref().map(phase_text))
            .bind(resolver.settling.as_ref().map(|settling| settling.until.0))
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
        Entity::ForwardingRule(rule) => put_forwarding_rule(connection, rule).await?,
        Entity::SecondaryZone(zone) => put_secondary_zone(connection, zone).await?,
        Entity::PublicGateway(gateway) => put_public_gateway(connection, gateway).await?,
        Entity::ServiceInstance(instance) => put_service_instance(connection, instance).await?,
        Entity::DnsZone(zone) => put_dns_zone(connection, zone).await?,
        Entity::ResourceRecord(record) => put_record(connection, record).await?,
        Entity::SecurityGroup(group) => put_security_group(connection, group).await?,
        Entity::NetworkAcl(acl) => put_network_acl(connection, acl).await?,
        Entity::TransitGateway(gateway) => put_transit_gateway(connection, gateway).await?,
        Entity::TransitConnection(transit) => put_transit_connection(connection, transit).await?,
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

async fn put_public_gateway(connection: &mut AnyConnection, gateway: &PublicGateway) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO public_gateways (id, account, vpc_id, zone, name, created_at, available_at, floating_ip_id, \
         floating_ip_address, floating_ip_name, resource_group) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name",
    )
    .bind(&gateway.id)
    .bind(gateway.account.as_str())
    .bind(&gateway.vpc)
    .bind(&gateway.zone)
    .bind(&gateway.name)
    .bind(gateway.created_at.0)
    .bind(gateway.available_at.0)
    .bind(&gateway.floating_ip.id)
    .bind(gateway.floating_ip.address.to_string())
    .bind(&gateway.floating_ip.name)
    .bind(&gateway.resource_group)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

async fn put_resource_binding(connection: &mut AnyConnection, binding: &ResourceBinding) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO endpoint_gateway_resource_bindings (id, account, gateway_id, name, target_crn, service_endpoint, \
         created_at, phase, settles_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, phase = excluded.phase, settles_at = excluded.settles_at",
    )
    .bind(&binding.id)
    .bind(binding.account.as_str())
    .bind(&binding.gateway)
    .bind(&binding.name)
    .bind(&binding.target_crn)
    .bind(&binding.service_endpoint)
    .bind(binding.created_at.0)
    .bind(phase_text(&binding.settling))
    .bind(binding.settling.until.0)
    .execute(&mut *connection)
    .await?;
    Ok(())
}
