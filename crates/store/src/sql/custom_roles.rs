//! Custom role rows: one row per role, its actions in one column.

use hubspoke_iam::{AccountId, CustomRole, CustomRoleContent, Timestamp};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::SqlStore;
use super::changes::append_change;
use crate::{EntityKind, EventRecord, Revision, StoreError, StoreResult};

const COLUMNS: &str = "id, account, name, service_name, display_name, description, actions, version, created_at, \
                       created_by_id, last_modified_at, last_modified_by_id";

fn role_from_row(row: &AnyRow) -> StoreResult<CustomRole> {
    let account: String = row.get("account");
    let actions: String = row.get("actions");
    Ok(CustomRole {
        id: row.get("id"),
        name: row.get("name"),
        account_id: AccountId::parse(&account)
            .ok_or_else(|| StoreError::Corrupt(format!("custom role account `{account}`")))?,
        service_name: row.get("service_name"),
        content: CustomRoleContent {
            display_name: row.get("display_name"),
            description: row.get("description"),
            actions: actions.lines().map(str::to_owned).collect(),
        },
        version: row.get::<i64, _>("version") as u32,
        created_at: Timestamp(row.get("created_at")),
        created_by_id: row.get("created_by_id"),
        last_modified_at: Timestamp(row.get("last_modified_at")),
        last_modified_by_id: row.get("last_modified_by_id"),
    })
}

impl SqlStore {
    pub(super) async fn insert_custom_role(&self, role: &CustomRole, events: &[EventRecord]) -> StoreResult<Revision> {
        let mut tx = self.write().await?;
        let inserted = sqlx::query(
            "INSERT INTO custom_roles (id, account, name, service_name, display_name, description, actions, version, \
             created_at, created_by_id, last_modified_at, last_modified_by_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&role.id)
        .bind(role.account_id.as_str())
        .bind(&role.name)
        .bind(&role.service_name)
        .bind(&role.content.display_name)
        .bind(&role.content.description)
        .bind(role.content.actions.join("\n"))
        .bind(role.version as i64)
        .bind(role.created_at.0)
        .bind(&role.created_by_id)
        .bind(role.last_modified_at.0)
        .bind(&role.last_modified_by_id)
        .execute(&mut *tx)
        .await;
        if let Err(error) = inserted {
            let unique = error.as_database_error().is_some_and(|e| e.is_unique_violation());
            tx.rollback().await?;
            return Err(match unique {
                true => StoreError::DuplicateCustomRole { name: role.name.clone() },
                false => error.into(),
            });
        }
        let revision = finish(&mut tx, self, role, events).await?;
        tx.commit().await?;
        Ok(revision)
    }

    pub(super) async fn update_custom_role(&self, role: &CustomRole, events: &[EventRecord]) -> StoreResult<Revision> {
        let mut tx = self.write().await?;
        let updated = sqlx::query(
            "UPDATE custom_roles SET display_name = $1, description = $2, actions = $3, version = $4, \
             last_modified_at = $5, last_modified_by_id = $6 WHERE id = $7 AND version = $8",
        )
        .bind(&role.content.display_name)
        .bind(&role.content.description)
        .bind(role.content.actions.join("\n"))
        .bind(role.version as i64)
        .bind(role.last_modified_at.0)
        .bind(&role.last_modified_by_id)
        .bind(&role.id)
        .bind(role.version as i64 - 1)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            let current: Option<i64> = sqlx::query_scalar("SELECT version FROM custom_roles WHERE id = $1")
                .bind(&role.id)
                .fetch_optional(&mut *tx)
                .await?;
            tx.rollback().await?;
            return Err(match current {
                None => StoreError::NotFound(role.id.clone()),
                Some(current) => StoreError::Stale { id: role.id.clone(), current: current as u32 },
            });
        }
        let revision = finish(&mut tx, self, role, events).await?;
        tx.commit().await?;
        Ok(revision)
    }

    /// Deletes a role at `role.version` unless an active policy names it; the look and the delete share one
    /// transaction, so a policy written meanwhile is seen or waits.
    pub(super) async fn remove_custom_role(
        &self,
        role: &CustomRole,
        at: i64,
        events: &[EventRecord],
    ) -> StoreResult<Revision> {
        let mut tx = self.write().await?;
        let users: Vec<String> = sqlx::query_scalar(
            "SELECT p.id FROM policy_roles r JOIN policies p ON p.id = r.policy_id \
             WHERE r.role_id = $1 AND p.state = 'active' ORDER BY p.id",
        )
        .bind(role.crn())
        .fetch_all(&mut *tx)
        .await?;
        if !users.is_empty() {
            tx.rollback().await?;
            return Err(StoreError::RoleInUse { policies: users });
        }
        let deleted = sqlx::query("DELETE FROM custom_roles WHERE id = $1 AND version = $2")
            .bind(&role.id)
            .bind(role.version as i64)
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() == 0 {
            tx.rollback().await?;
            return Err(StoreError::Stale { id: role.id.clone(), current: role.version });
        }
        super::events::insert(&mut tx, events).await?;
        let revision = append_change(&mut tx, self.backend, EntityKind::CustomRole, &role.id, at).await?;
        tx.commit().await?;
        Ok(revision)
    }

    pub(super) async fn read_custom_role(&self, id: &str) -> StoreResult<Option<CustomRole>> {
        let sql = format!("SELECT {COLUMNS} FROM custom_roles WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.reader).await?;
        row.as_ref().map(role_from_row).transpose()
    }

    pub(super) async fn read_custom_roles(&self) -> StoreResult<Vec<CustomRole>> {
        let sql = format!("SELECT {COLUMNS} FROM custom_roles ORDER BY created_at, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.reader).await?;
        rows.iter().map(role_from_row).collect()
    }
}

/// The events and the change row of a custom role write.
async fn finish(
    connection: &mut AnyConnection,
    store: &SqlStore,
    role: &CustomRole,
    events: &[EventRecord],
) -> StoreResult<Revision> {
    super::events::insert(connection, events).await?;
    append_change(connection, store.backend, EntityKind::CustomRole, &role.id, role.last_modified_at.0).await
}
