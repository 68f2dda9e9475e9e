//! The identities inside an account: users, service IDs, and API keys (IBM's fields over the digest-only rows).

use hubspoke_iam::AccountId;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::SqlStore;
use super::changes::append_change;
use crate::{
    EntityKind, IdentityKeyRecord, IdentityWrite, Revision, ServiceIdRecord, StoreError, StoreResult, UserRecord,
};

/// How API keys are looked up.
pub(super) enum KeyLookup<'a> {
    /// Every key of an account.
    Account(&'a AccountId),
    /// One key by id.
    Id(&'a str),
    /// One key by the digest of its secret.
    Digest(&'a str),
}

const USER_COLUMNS: &str = "account_id, iam_id, email, firstname, lastname, state, administrator, added_on";
const SERVICE_ID_COLUMNS: &str = "id, account_id, name, description, unique_instance_crns, locked, version, \
                                  created_by, created_at, modified_at";
const KEY_COLUMNS: &str = "id, account_id, iam_id, name, description, created_by, locked, version, created_at, \
                           modified_at, stored_value, action_when_leaked, expires_at, support_sessions";

fn account(row: &AnyRow) -> StoreResult<AccountId> {
    let text: String = row.get("account_id");
    AccountId::parse(&text).ok_or_else(|| StoreError::Corrupt(format!("identity account `{text}`")))
}

fn user_from_row(row: &AnyRow) -> StoreResult<UserRecord> {
    Ok(UserRecord {
        account: account(row)?,
        iam_id: row.get("iam_id"),
        email: row.get("email"),
        firstname: row.get("firstname"),
        lastname: row.get("lastname"),
        state: row.get("state"),
        administrator: row.get::<i64, _>("administrator") == 1,
        added_on: row.get("added_on"),
    })
}

fn service_id_from_row(row: &AnyRow) -> StoreResult<ServiceIdRecord> {
    let crns: String = row.get("unique_instance_crns");
    Ok(ServiceIdRecord {
        id: row.get("id"),
        account: account(row)?,
        name: row.get("name"),
        description: row.get("description"),
        unique_instance_crns: crns.lines().map(str::to_owned).collect(),
        locked: row.get::<i64, _>("locked") == 1,
        version: row.get("version"),
        created_by: row.get("created_by"),
        created_at: row.get("created_at"),
        modified_at: row.get("modified_at"),
    })
}

fn key_from_row(row: &AnyRow) -> StoreResult<IdentityKeyRecord> {
    Ok(IdentityKeyRecord {
        id: row.get("id"),
        account: account(row)?,
        iam_id: row.get("iam_id"),
        name: row.get("name"),
        description: row.get("description"),
        created_by: row.get("created_by"),
        locked: row.get::<i64, _>("locked") == 1,
        version: row.get("version"),
        created_at: row.get("created_at"),
        modified_at: row.get("modified_at"),
        stored_value: row.get("stored_value"),
        action_when_leaked: row.get("action_when_leaked"),
        expires_at: row.get("expires_at"),
        support_sessions: row.get::<i64, _>("support_sessions") == 1,
    })
}

/// Inserts a user.
pub(super) async fn insert_user(connection: &mut AnyConnection, user: &UserRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO users (account_id, iam_id, email, firstname, lastname, state, administrator, added_on) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(user.account.as_str())
    .bind(&user.iam_id)
    .bind(&user.email)
    .bind(&user.firstname)
    .bind(&user.lastname)
    .bind(&user.state)
    .bind(i64::from(user.administrator))
    .bind(user.added_on)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Inserts an API key with the digest of its secret.
pub(super) async fn insert_key(
    connection: &mut AnyConnection,
    key: &IdentityKeyRecord,
    digest: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO api_keys (digest, iam_id, account_id, operator, created_at, id, name, description, created_by, \
         locked, version, modified_at, stored_value, action_when_leaked, expires_at, support_sessions) \
         VALUES ($1, $2, $3, 0, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(digest)
    .bind(&key.iam_id)
    .bind(key.account.as_str())
    .bind(key.created_at)
    .bind(&key.id)
    .bind(&key.name)
    .bind(&key.description)
    .bind(&key.created_by)
    .bind(i64::from(key.locked))
    .bind(key.version)
    .bind(key.modified_at)
    .bind(&key.stored_value)
    .bind(&key.action_when_leaked)
    .bind(&key.expires_at)
    .bind(i64::from(key.support_sessions))
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// A stale write: the row is at another version than `expected`, or gone.
async fn stale(connection: &mut AnyConnection, table: &str, id: &str) -> StoreError {
    let query = format!("SELECT version FROM {table} WHERE id = $1");
    match sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(query)).bind(id).fetch_optional(&mut *connection).await {
        Ok(Some(current)) => StoreError::Stale { id: id.to_owned(), current: u32::try_from(current).unwrap_or(0) },
        Ok(None) => StoreError::NotFound(id.to_owned()),
        Err(error) => error.into(),
    }
}

impl SqlStore {
    pub(super) async fn read_users(&self, account: &AccountId) -> StoreResult<Vec<UserRecord>> {
        let query = format!("SELECT {USER_COLUMNS} FROM users WHERE account_id = $1 ORDER BY added_on, iam_id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(query)).bind(account.as_str()).fetch_all(&self.reader).await?;
        rows.iter().map(user_from_row).collect()
    }

    pub(super) async fn read_service_ids(
        &self,
        account: Option<&AccountId>,
        id: Option<&str>,
    ) -> StoreResult<Vec<ServiceIdRecord>> {
        let (filter, value) = match (account, id) {
            (Some(account), _) => ("account_id", account.as_str()),
            (None, Some(id)) => ("id", id),
            (None, None) => return Ok(Vec::new()),
        };
        let query = format!("SELECT {SERVICE_ID_COLUMNS} FROM service_ids WHERE {filter} = $1 ORDER BY created_at, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(query)).bind(value).fetch_all(&self.reader).await?;
        rows.iter().map(service_id_from_row).collect()
    }

    pub(super) async fn read_identity_keys(&self, lookup: KeyLookup<'_>) -> StoreResult<Vec<IdentityKeyRecord>> {
        let (filter, value) = match lookup {
            KeyLookup::Account(account) => ("account_id", account.as_str()),
            KeyLookup::Id(id) => ("id", id),
            KeyLookup::Digest(digest) => ("digest", digest),
        };
        let query =
            format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE operator = 0 AND {filter} = $1 ORDER BY created_at, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(query)).bind(value).fetch_all(&self.reader).await?;
        rows.iter().map(key_from_row).collect()
    }

    pub(super) async fn apply_identity_writes(
        &self,
        account: &AccountId,
        writes: &[IdentityWrite],
        at: i64,
    ) -> StoreResult<Revision> {
        let mut tx = self.write().await?;
        let mut first = account.as_str().to_owned();
        for (index, write) in writes.iter().enumerate() {
            let id = match write {
                IdentityWrite::InsertUser(user) => {
                    insert_user(&mut tx, user).await?;
                    user.iam_id.clone()
                }
                IdentityWrite::UpdateUser(user) => {
                    sqlx::query(
                        "UPDATE users SET email = $1, firstname = $2, lastname = $3, state = $4 \
                         WHERE account_id = $5 AND iam_id = $6",
                    )
                    .bind(&user.email)
                    .bind(&user.firstname)
                    .bind(&user.lastname)
                    .bind(&user.state)
                    .bind(account.as_str())
                    .bind(&user.iam_id)
                    .execute(&mut *tx)
                    .await?;
                    user.iam_id.clone()
                }
                IdentityWrite::DeleteUser(iam_id) => {
                    sqlx::query("DELETE FROM api_keys WHERE operator = 0 AND account_id = $1 AND iam_id = $2")
                        .bind(account.as_str())
                        .bind(iam_id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("DELETE FROM users WHERE account_id = $1 AND iam_id = $2")
                        .bind(account.as_str())
                        .bind(iam_id)
                        .execute(&mut *tx)
                        .await?;
                    iam_id.clone()
                }
                IdentityWrite::InsertServiceId(record) => {
                    sqlx::query(
                        "INSERT INTO service_ids (id, account_id, name, description, unique_instance_crns, locked, \
                         version, created_by, created_at, modified_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(&record.id)
                    .bind(account.as_str())
                    .bind(&record.name)
                    .bind(&record.description)
                    .bind(record.unique_instance_crns.join("\n"))
                    .bind(i64::from(record.locked))
                    .bind(record.version)
                    .bind(&record.created_by)
                    .bind(record.created_at)
                    .bind(record.modified_at)
                    .execute(&mut *tx)
                    .await?;
                    record.id.clone()
                }
                IdentityWrite::UpdateServiceId { record, expected } => {
                    let updated = sqlx::query(
                        "UPDATE service_ids SET name = $1, description = $2, unique_instance_crns = $3, locked = $4, \
                         version = $5, modified_at = $6 WHERE id = $7 AND account_id = $8 AND version = $9",
                    )
                    .bind(&record.name)
                    .bind(&record.description)
                    .bind(record.unique_instance_crns.join("\n"))
                    .bind(i64::from(record.locked))
                    .bind(record.version)
                    .bind(record.modified_at)
                    .bind(&record.id)
                    .bind(account.as_str())
                    .bind(*expected)
                    .execute(&mut *tx)
                    .await?;
                    if updated.rows_affected() != 1 {
                        return Err(stale(&mut tx, "service_ids", &record.id).await);
                    }
                    record.id.clone()
                }
                IdentityWrite::DeleteServiceId(id) => {
                    // A service ID's keys go with it, as IBM deletes them first.
                    sqlx::query("DELETE FROM api_keys WHERE operator = 0 AND account_id = $1 AND iam_id = $2")
                        .bind(account.as_str())
                        .bind(hubspoke_iam::identity::service_id_iam_id(id))
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("DELETE FROM service_ids WHERE id = $1 AND account_id = $2")
                        .bind(id)
                        .bind(account.as_str())
                        .execute(&mut *tx)
                        .await?;
                    id.clone()
                }
                IdentityWrite::InsertKey { record, digest } => {
                    insert_key(&mut tx, record, digest).await?;
                    record.id.clone()
                }
                IdentityWrite::UpdateKey { record, expected } => {
                    let updated = sqlx::query(
                        "UPDATE api_keys SET name = $1, description = $2, locked = $3, version = $4, \
                         modified_at = $5, action_when_leaked = $6, expires_at = $7, support_sessions = $8 \
                         WHERE id = $9 AND account_id = $10 AND version = $11",
                    )
                    .bind(&record.name)
                    .bind(&record.description)
                    .bind(i64::from(record.locked))
                    .bind(record.version)
                    .bind(record.modified_at)
                    .bind(&record.action_when_leaked)
                    .bind(&record.expires_at)
                    .bind(i64::from(record.support_sessions))
                    .bind(&record.id)
                    .bind(account.as_str())
                    .bind(*expected)
                    .execute(&mut *tx)
                    .await?;
                    if updated.rows_affected() != 1 {
                        return Err(stale(&mut tx, "api_keys", &record.id).await);
                    }
                    record.id.clone()
                }
                IdentityWrite::DeleteKey(id) => {
                    sqlx::query("DELETE FROM api_keys WHERE operator = 0 AND id = $1 AND account_id = $2")
                        .bind(id)
                        .bind(account.as_str())
                        .execute(&mut *tx)
                        .await?;
                    id.clone()
                }
            };
            if index == 0 {
                first = id;
            }
        }
        let revision = append_change(&mut tx, self.backend, EntityKind::Account, &first, at).await?;
        tx.commit().await?;
        Ok(revision)
    }
}
