//! DNS Services instances, zones with their permitted networks, and resource records: their rows, read and written.

use std::net::Ipv6Addr;

use hubspoke_vpc::model::{
    DnsPlan, DnsZone, PermittedNetwork, RecordData, ResourceRecord, ServiceInstance, default_resource_group_id,
};

use super::*;

/// Adds every DNS Services instance, zone and resource record to `entities`.
pub(super) async fn load_dns(connection: &mut AnyConnection, entities: &mut Vec<Entity>) -> StoreResult<()> {
    for row in sqlx::query("SELECT * FROM dns_service_instances").fetch_all(&mut *connection).await? {
        let owner = account(&row, "account")?;
        let plan: String = row.get("plan");
        entities.push(Entity::ServiceInstance(ServiceInstance {
            id: row.get("id"),
            resource_group: row
                .get::<Option<String>, _>("resource_group")
                .unwrap_or_else(|| default_resource_group_id(&owner)),
            account: owner,
            name: row.get("name"),
            plan: DnsPlan::parse(&plan).ok_or_else(|| corrupt("DNS Services plan", &plan))?,
            created_at: Timestamp(row.get("created_at")),
            updated_at: Timestamp(row.get("updated_at")),
            removed_at: row.get::<Option<i64>, _>("removed_at").map(Timestamp),
        }));
    }
    let mut networks: HashMap<String, Vec<PermittedNetwork>> = HashMap::new();
    for row in sqlx::query("SELECT * FROM dns_permitted_networks ORDER BY zone_id, position")
        .fetch_all(&mut *connection)
        .await?
    {
        networks.entry(row.get("zone_id")).or_default().push(PermittedNetwork {
            vpc: row.get("vpc_id"),
            vpc_crn: row.get("vpc_crn"),
            created_at: Timestamp(row.get("created_at")),
            modified_at: Timestamp(row.get("modified_at")),
        });
    }
    for row in sqlx::query("SELECT * FROM dns_zones").fetch_all(&mut *connection).await? {
        let id: String = row.get("id");
        entities.push(Entity::DnsZone(DnsZone {
            account: account(&row, "account")?,
            instance: row.get("instance_id"),
            name: row.get("name"),
            description: row.get("description"),
            label: row.get("label"),
            permitted_networks: networks.remove(&id).unwrap_or_default(),
            created_at: Timestamp(row.get("created_at")),
            modified_at: Timestamp(row.get("modified_at")),
            id,
        }));
    }
    for row in sqlx::query("SELECT * FROM dns_resource_records").fetch_all(&mut *connection).await? {
        let id: String = row.get("id");
        entities.push(Entity::ResourceRecord(ResourceRecord {
            account: account(&row, "account")?,
            zone: row.get("zone_id"),
            name: row.get("name"),
            ttl: row.get::<i64, _>("ttl") as u32,
            data: record_data(&row, &id)?,
            created_at: Timestamp(row.get("created_at")),
            modified_at: Timestamp(row.get("modified_at")),
            id,
        }));
    }
    Ok(())
}

/// A record's typed data from its `type`, `value` and the columns its type uses.
fn record_data(row: &AnyRow, id: &str) -> StoreResult<RecordData> {
    let value: String = row.get("value");
    let number = |column: &str| -> StoreResult<u16> {
        row.get::<Option<i64>, _>(column)
            .and_then(|n| u16::try_from(n).ok())
            .ok_or_else(|| corrupt(&format!("`{column}` of resource record"), id))
    };
    let text = |column: &str| -> StoreResult<String> {
        row.get::<Option<String>, _>(column).ok_or_else(|| corrupt(&format!("`{column}` of resource record"), id))
    };
    Ok(match row.get::<&str, _>("type") {
        "A" => RecordData::A(address(&value)?),
        "AAAA" => RecordData::Aaaa(value.parse::<Ipv6Addr>().map_err(|_| corrupt("IPv6 address", &value))?),
        "CNAME" => RecordData::Cname(value),
        "MX" => RecordData::Mx { exchange: value, preference: number("preference")? },
        "SRV" => RecordData::Srv {
            service: text("service")?,
            protocol: text("protocol")?,
            priority: number("priority")?,
            weight: number("weight")?,
            port: number("port")?,
            target: value,
        },
        "TXT" => RecordData::Txt(value),
        "PTR" => RecordData::Ptr(value),
        other => return Err(corrupt("resource record type", other)),
    })
}

/// Writes a DNS Services instance.
pub(super) async fn put_service_instance(
    connection: &mut AnyConnection,
    instance: &ServiceInstance,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO dns_service_instances \
         (id, account, name, plan, resource_group, created_at, updated_at, removed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
         plan = excluded.plan, updated_at = excluded.updated_at, removed_at = excluded.removed_at",
    )
    .bind(&instance.id)
    .bind(instance.account.as_str())
    .bind(&instance.name)
    .bind(instance.plan.as_str())
    .bind(&instance.resource_group)
    .bind(instance.created_at.0)
    .bind(instance.updated_at.0)
    .bind(instance.removed_at.map(|at| at.0))
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Writes a DNS zone and replaces its permitted networks.
pub(super) async fn put_dns_zone(connection: &mut AnyConnection, zone: &DnsZone) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO dns_zones (id, account, instance_id, name, description, label, created_at, modified_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET description = excluded.description, \
         label = excluded.label, modified_at = excluded.modified_at",
    )
    .bind(&zone.id)
    .bind(zone.account.as_str())
    .bind(&zone.instance)
    .bind(&zone.name)
    .bind(&zone.description)
    .bind(&zone.label)
    .bind(zone.created_at.0)
    .bind(zone.modified_at.0)
    .execute(&mut *connection)
    .await?;
    sqlx::query("DELETE FROM dns_permitted_networks WHERE zone_id = $1")
        .bind(&zone.id)
        .execute(&mut *connection)
        .await?;
    for (position, network) in zone.permitted_networks.iter().enumerate() {
        sqlx::query(
            "INSERT INTO dns_permitted_networks (zone_id, position, vpc_id, vpc_crn, created_at, modified_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&zone.id)
        .bind(position as i64)
        .bind(&network.vpc)
        .bind(&network.vpc_crn)
        .bind(network.created_at.0)
        .bind(network.modified_at.0)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// Writes a resource record.
pub(super) async fn put_record(connection: &mut AnyConnection, record: &ResourceRecord) -> StoreResult<()> {
    let none = None::<i64>;
    let (value, preference, priority, weight, port, service, protocol) = match &record.data {
        RecordData::A(ip) => (ip.to_string(), none, none, none, none, None, None),
        RecordData::Aaaa(ip) => (ip.to_string(), none, none, none, none, None, None),
        RecordData::Cname(name) | RecordData::Txt(name) | RecordData::Ptr(name) => {
            (name.clone(), none, none, none, none, None, None)
        }
        RecordData::Mx { exchange, preference } => {
            (exchange.clone(), Some(i64::from(*preference)), none, none, none, None, None)
        }
        RecordData::Srv { service, protocol, priority, weight, port, target } => (
            target.clone(),
            none,
            Some(i64::from(*priority)),
            Some(i64::from(*weight)),
            Some(i64::from(*port)),
            Some(service.clone()),
            Some(protocol.clone()),
        ),
    };
    sqlx::query(
        "INSERT INTO dns_resource_records (id, account, zone_id, name, type, ttl, value, preference, priority, weight, \
         port, service, protocol, created_at, modified_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, ttl = excluded.ttl, value = excluded.value, \
         preference = excluded.preference, priority = excluded.priority, weight = excluded.weight, \
         port = excluded.port, service = excluded.service, protocol = excluded.protocol, \
         modified_at = excluded.modified_at",
    )
    .bind(&record.id)
    .bind(record.account.as_str())
    .bind(&record.zone)
    .bind(&record.name)
    .bind(record.data.type_name())
    .bind(i64::from(record.ttl))
    .bind(value)
    .bind(preference)
    .bind(priority)
    .bind(weight)
    .bind(port)
    .bind(service)
    .bind(protocol)
    .bind(record.created_at.0)
    .bind(record.modified_at.0)
    .execute(&mut *connection)
    .await?;
    Ok(())
}
