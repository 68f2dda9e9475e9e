//! Transit gateways and their VPC connections: their rows, read and written.

use hubspoke_vpc::model::{TransitConnection, TransitGateway};

use super::*;

/// Adds every transit gateway and connection to `entities`.
pub(super) async fn load_transit(connection: &mut AnyConnection, entities: &mut Vec<Entity>) -> StoreResult<()> {
    for row in sqlx::query("SELECT * FROM transit_gateways").fetch_all(&mut *connection).await? {
        entities.push(Entity::TransitGateway(TransitGateway {
            id: row.get("id"),
            account: account(&row, "account")?,
            name: row.get("name"),
            location: row.get("location"),
            global: row.get::<i64, _>("global") == 1,
            created_at: Timestamp(row.get("created_at")),
            updated_at: Timestamp(row.get("updated_at")),
            available_at: Timestamp(row.get("available_at")),
        }));
    }
    for row in sqlx::query("SELECT * FROM transit_connections").fetch_all(&mut *connection).await? {
        entities.push(Entity::TransitConnection(TransitConnection {
            id: row.get("id"),
            account: account(&row, "account")?,
            gateway: row.get("gateway_id"),
            name: row.get("name"),
            vpc: row.get("vpc_id"),
            network_crn: row.get("network_crn"),
            created_at: Timestamp(row.get("created_at")),
            updated_at: Timestamp(row.get("updated_at")),
            attached_at: Timestamp(row.get("attached_at")),
        }));
    }
    Ok(())
}

/// Writes a transit gateway.
pub(super) async fn put_transit_gateway(connection: &mut AnyConnection, gateway: &TransitGateway) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO transit_gateways (id, account, name, location, global, created_at, updated_at, available_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
         global = excluded.global, updated_at = excluded.updated_at",
    )
    .bind(&gateway.id)
    .bind(gateway.account.as_str())
    .bind(&gateway.name)
    .bind(&gateway.location)
    .bind(gateway.global as i64)
    .bind(gateway.created_at.0)
    .bind(gateway.updated_at.0)
    .bind(gateway.available_at.0)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Writes a transit gateway connection.
pub(super) async fn put_transit_connection(
    connection: &mut AnyConnection,
    transit: &TransitConnection,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO transit_connections (id, account, gateway_id, name, vpc_id, network_crn, created_at, updated_at, \
         attached_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
         updated_at = excluded.updated_at",
    )
    .bind(&transit.id)
    .bind(transit.account.as_str())
    .bind(&transit.gateway)
    .bind(&transit.name)
    .bind(&transit.vpc)
    .bind(&transit.network_crn)
    .bind(transit.created_at.0)
    .bind(transit.updated_at.0)
    .bind(transit.attached_at.0)
    .execute(&mut *connection)
    .await?;
    Ok(())
}
