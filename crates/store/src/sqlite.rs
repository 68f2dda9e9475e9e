//! The embedded store: SQLite through sqlx, in WAL mode, with migrations compiled into the binary.
//!
//! Writes go through a pool of exactly one connection, so SQLite's single writer never waits on a lock held by a sibling
//! connection; reads use their own pool and, thanks to WAL, never block the writer. `synchronous = FULL` makes every
//! acknowledged commit durable before the response leaves, which is what lets an acknowledged write survive `kill -9`
//! (and a power cut).

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use hubspoke_iam::{AccountId, Attribute, Policy, PolicyDraft, Timestamp};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, QueryBuilder, Row, Sqlite, SqliteConnection};

use crate::codec::{decode_operator, decode_state, decode_value, encode_value};
use crate::{
    AccountRecord, ApiKeyRecord, Change, EntityKind, EventQuery, EventRecord, KeyOwner, PolicyPage, PolicyQuery,
    PolicySortField, Revision, SigningKeyRecord, Store, StoreError, StoreResult, WorldWrite,
};
use hubspoke_vpc::world::Entity;

mod events;
mod world;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The embedded SQLite store.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and brings its schema to the current migration.
    pub async fn open(path: &Path) -> StoreResult<SqliteStore> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let writer = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
        MIGRATOR
            .run(&writer)
            .await
            .map_err(|e| StoreError::Database(format!("migrating `{}`: {e}", path.display())))?;
        let reader = SqlitePoolOptions::new().max_connections(4).connect_with(options.read_only(true)).await?;
        Ok(SqliteStore { writer, reader })
    }

    /// A store that lives in memory only (`--ephemeral`). It has a single connection, which must never be closed:
    /// the database disappears with it.
    pub async fn in_memory() -> StoreResult<SqliteStore> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Database(format!("migrating the in-memory database: {e}")))?;
        Ok(SqliteStore { writer: pool.clone(), reader: pool })
    }
}

async fn append_change(
    connection: &mut SqliteConnection,
    entity: EntityKind,
    entity_id: &str,
    at: i64,
) -> StoreResult<Revision> {
    let entity = match entity {
        EntityKind::Account => "account",
        EntityKind::Policy => "policy",
        EntityKind::World => "world",
        EntityKind::Event => "event",
    };
    let revision: i64 =
        sqlx::query_scalar("INSERT INTO changes (entity, entity_id, at) VALUES (?, ?, ?) RETURNING revision")
            .bind(entity)
            .bind(entity_id)
            .bind(at)
            .fetch_one(&mut *connection)
            .await?;
    Ok(revision as Revision)
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|e| e.is_unique_violation())
}

async fn active_duplicate(connection: &mut SqliteConnection, policy: &Policy) -> StoreResult<StoreError> {
    let existing: Option<String> = sqlx::query_scalar(
        "SELECT id FROM policies WHERE owner = ? AND fingerprint = ? AND state = 'active' AND id <> ?",
    )
    .bind(policy.draft.owner.as_str())
    .bind(policy.draft.fingerprint())
    .bind(&policy.id)
    .fetch_optional(&mut *connection)
    .await?;
    Ok(match existing {
        Some(existing) => StoreError::DuplicatePolicy { existing },
        None => StoreError::Database(format!("unique constraint violated while writing policy `{}`", policy.id)),
    })
}

async fn write_policy_children(connection: &mut SqliteConnection, policy: &Policy) -> StoreResult<()> {
    sqlx::query("DELETE FROM policy_attributes WHERE policy_id = ?").bind(&policy.id).execute(&mut *connection).await?;
    sqlx::query("DELETE FROM policy_roles WHERE policy_id = ?").bind(&policy.id).execute(&mut *connection).await?;
    let sides = [("subject", &policy.draft.subject), ("resource", &policy.draft.resource)];
    for (side, attributes) in sides {
        for (position, attribute) in attributes.iter().enumerate() {
            let (kind, value) = encode_value(&attribute.value);
            sqlx::query(
                "INSERT INTO policy_attributes (policy_id, side, position, key, operator, value_kind, value) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&policy.id)
            .bind(side)
            .bind(position as i64)
            .bind(&attribute.key)
            .bind(attribute.operator.as_str())
            .bind(kind)
            .bind(value)
            .execute(&mut *connection)
            .await?;
        }
    }
    for (position, role) in policy.draft.roles.iter().enumerate() {
        sqlx::query("INSERT INTO policy_roles (policy_id, position, role_id) VALUES (?, ?, ?)")
            .bind(&policy.id)
            .bind(position as i64)
            .bind(role)
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

const POLICY_COLUMNS: &str = "id, owner, description, state, version, created_at, created_by_id, last_modified_at, \
                              last_modified_by_id";

/// Reads the attributes and roles of the policies whose rows were fetched and assembles them, keeping row order.
async fn assemble(connection: &mut SqliteConnection, rows: Vec<sqlx::sqlite::SqliteRow>) -> StoreResult<Vec<Policy>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = rows.iter().map(|row| row.get::<String, _>("id")).collect();
    let mut attributes: HashMap<String, (Vec<Attribute>, Vec<Attribute>)> = HashMap::new();
    let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(
        "SELECT policy_id, side, key, operator, value_kind, value FROM policy_attributes WHERE policy_id IN (",
    );
    let mut separated = query.separated(", ");
    ids.iter().for_each(|id| {
        separated.push_bind(id);
    });
    query.push(") ORDER BY policy_id, side, position");
    for row in query.build().fetch_all(&mut *connection).await? {
        let attribute = Attribute {
            key: row.get("key"),
            operator: decode_operator(row.get("operator"))?,
            value: decode_value(row.get("value_kind"), row.get("value"))?,
        };
        let entry = attributes.entry(row.get("policy_id")).or_default();
        match row.get::<&str, _>("side") {
            "subject" => entry.0.push(attribute),
            _ => entry.1.push(attribute),
        }
    }
    let mut roles: HashMap<String, Vec<String>> = HashMap::new();
    let mut query: QueryBuilder<Sqlite> =
        QueryBuilder::new("SELECT policy_id, role_id FROM policy_roles WHERE policy_id IN (");
    let mut separated = query.separated(", ");
    ids.iter().for_each(|id| {
        separated.push_bind(id);
    });
    query.push(") ORDER BY policy_id, position");
    for row in query.build().fetch_all(&mut *connection).await? {
        roles.entry(row.get("policy_id")).or_default().push(row.get("role_id"));
    }
    rows.into_iter()
        .map(|row| {
            let id: String = row.get("id");
            let owner: String = row.get("owner");
            let (subject, resource) = attributes.remove(&id).unwrap_or_default();
            Ok(Policy {
                draft: PolicyDraft {
                    owner: AccountId::parse(&owner).ok_or_else(|| StoreError::Corrupt(format!("owner `{owner}`")))?,
                    description: row.get("description"),
                    subject,
                    resource,
                    roles: roles.remove(&id).unwrap_or_default(),
                },
                id,
                state: decode_state(row.get("state"))?,
                version: row.get::<i64, _>("version") as u32,
                created_at: Timestamp(row.get("created_at")),
                created_by_id: row.get("created_by_id"),
                last_modified_at: Timestamp(row.get("last_modified_at")),
                last_modified_by_id: row.get("last_modified_by_id"),
            })
        })
        .collect()
}

fn account_from_row(row: &sqlx::sqlite::SqliteRow) -> StoreResult<AccountRecord> {
    let id: String = row.get("id");
    Ok(AccountRecord {
        id: AccountId::parse(&id).ok_or_else(|| StoreError::Corrupt(format!("account id `{id}`")))?,
        name: row.get("name"),
        created_at: row.get("created_at"),
    })
}

fn sort_column(field: PolicySortField) -> &'static str {
    match field {
        PolicySortField::Id | PolicySortField::Href | PolicySortField::Type => "id",
        PolicySortField::CreatedAt => "created_at",
        PolicySortField::CreatedById => "created_by_id",
        PolicySortField::LastModifiedAt => "last_modified_at",
        PolicySortField::LastModifiedById => "last_modified_by_id",
        PolicySortField::State => "state",
    }
}

fn push_policy_filters(query: &mut QueryBuilder<Sqlite>, filter: &PolicyQuery) {
    query.push(" WHERE owner = ").push_bind(filter.owner.as_str());
    if let Some(state) = filter.state {
        query.push(" AND state = ").push_bind(state.as_str());
    }
    if let Some(service) = &filter.resource_service {
        query
            .push(
                " AND EXISTS (SELECT 1 FROM policy_attributes a WHERE a.policy_id = policies.id AND a.side = 'resource' \
                 AND a.key = 'serviceName' AND a.value = ",
            )
            .push_bind(service)
            .push(")");
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    async fn revision(&self) -> StoreResult<Revision> {
        let revision: Option<i64> =
            sqlx::query_scalar("SELECT MAX(revision) FROM changes").fetch_one(&self.reader).await?;
        Ok(revision.unwrap_or(0) as Revision)
    }

    async fn changes_since(&self, after: Revision, limit: u32) -> StoreResult<Vec<Change>> {
        let rows =
            sqlx::query("SELECT revision, entity, entity_id FROM changes WHERE revision > ? ORDER BY revision LIMIT ?")
                .bind(after as i64)
                .bind(limit as i64)
                .fetch_all(&self.reader)
                .await?;
        rows.into_iter()
            .map(|row| {
                let entity = match row.get::<&str, _>("entity") {
                    "account" => EntityKind::Account,
                    "policy" => EntityKind::Policy,
                    "world" => EntityKind::World,
                    "event" => EntityKind::Event,
                    other => return Err(StoreError::Corrupt(format!("change entity `{other}`"))),
                };
                Ok(Change {
                    revision: row.get::<i64, _>("revision") as Revision,
                    entity,
                    entity_id: row.get("entity_id"),
                })
            })
            .collect()
    }

    async fn create_account(&self, account: &AccountRecord, admin_key: &ApiKeyRecord) -> StoreResult<Revision> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)")
            .bind(account.id.as_str())
            .bind(&account.name)
            .bind(account.created_at)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO api_keys (digest, iam_id, account_id, operator, created_at) VALUES (?, ?, ?, 0, ?)")
            .bind(&admin_key.digest)
            .bind(&admin_key.iam_id)
            .bind(account.id.as_str())
            .bind(admin_key.created_at)
            .execute(&mut *tx)
            .await?;
        let revision = append_change(&mut tx, EntityKind::Account, account.id.as_str(), account.created_at).await?;
        tx.commit().await?;
        Ok(revision)
    }

    async fn list_accounts(&self) -> StoreResult<Vec<AccountRecord>> {
        let rows = sqlx::query("SELECT id, name, created_at FROM accounts ORDER BY created_at, id")
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(account_from_row).collect()
    }

    async fn account(&self, id: &AccountId) -> StoreResult<Option<AccountRecord>> {
        let row = sqlx::query("SELECT id, name, created_at FROM accounts WHERE id = ?")
            .bind(id.as_str())
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(account_from_row).transpose()
    }

    async fn ensure_operator_key(&self, key: &ApiKeyRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_keys (digest, iam_id, account_id, operator, created_at) VALUES (?, ?, NULL, 1, ?) \
             ON CONFLICT (digest) DO NOTHING",
        )
        .bind(&key.digest)
        .bind(&key.iam_id)
        .bind(key.created_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn api_key(&self, digest: &str) -> StoreResult<Option<ApiKeyRecord>> {
        let row = sqlx::query("SELECT digest, iam_id, account_id, operator, created_at FROM api_keys WHERE digest = ?")
            .bind(digest)
            .fetch_optional(&self.reader)
            .await?;
        row.map(|row| {
            let owner = match row.get::<Option<String>, _>("account_id") {
                None => KeyOwner::Operator,
                Some(account) => KeyOwner::AccountAdministrator(
                    AccountId::parse(&account)
                        .ok_or_else(|| StoreError::Corrupt(format!("key account `{account}`")))?,
                ),
            };
            Ok(ApiKeyRecord {
                digest: row.get("digest"),
                iam_id: row.get("iam_id"),
                owner,
                created_at: row.get("created_at"),
            })
        })
        .transpose()
    }

    async fn signing_key(&self) -> StoreResult<Option<SigningKeyRecord>> {
        let row = sqlx::query("SELECT kid, private_key_pem FROM signing_keys WHERE slot = 1")
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.map(|row| SigningKeyRecord { kid: row.get("kid"), private_key_pem: row.get("private_key_pem") }))
    }

    async fn signing_key_or_insert(&self, candidate: &SigningKeyRecord, now: i64) -> StoreResult<SigningKeyRecord> {
        sqlx::query(
            "INSERT INTO signing_keys (slot, kid, private_key_pem, created_at) VALUES (1, ?, ?, ?) ON CONFLICT (slot) DO NOTHING",
        )
        .bind(&candidate.kid)
        .bind(&candidate.private_key_pem)
        .bind(now)
        .execute(&self.writer)
        .await?;
        let row =
            sqlx::query("SELECT kid, private_key_pem FROM signing_keys WHERE slot = 1").fetch_one(&self.writer).await?;
        Ok(SigningKeyRecord { kid: row.get("kid"), private_key_pem: row.get("private_key_pem") })
    }

    async fn insert_policy(&self, policy: &Policy, events: &[EventRecord]) -> StoreResult<Revision> {
        let mut tx = self.writer.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO policies (id, owner, description, state, version, fingerprint, created_at, created_by_id, \
             last_modified_at, last_modified_by_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&policy.id)
        .bind(policy.draft.owner.as_str())
        .bind(&policy.draft.description)
        .bind(policy.state.as_str())
        .bind(policy.version as i64)
        .bind(policy.draft.fingerprint())
        .bind(policy.created_at.0)
        .bind(&policy.created_by_id)
        .bind(policy.last_modified_at.0)
        .bind(&policy.last_modified_by_id)
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(error) if is_unique_violation(&error) => return Err(active_duplicate(&mut tx, policy).await?),
            other => other?,
        };
        write_policy_children(&mut tx, policy).await?;
        events::insert(&mut tx, events).await?;
        let revision = append_change(&mut tx, EntityKind::Policy, &policy.id, policy.last_modified_at.0).await?;
        tx.commit().await?;
        Ok(revision)
    }

    async fn update_policy(&self, policy: &Policy, events: &[EventRecord]) -> StoreResult<Revision> {
        let mut tx = self.writer.begin().await?;
        let updated = sqlx::query(
            "UPDATE policies SET description = ?, state = ?, version = ?, fingerprint = ?, last_modified_at = ?, \
             last_modified_by_id = ? WHERE id = ? AND version = ?",
        )
        .bind(&policy.draft.description)
        .bind(policy.state.as_str())
        .bind(policy.version as i64)
        .bind(policy.draft.fingerprint())
        .bind(policy.last_modified_at.0)
        .bind(&policy.last_modified_by_id)
        .bind(&policy.id)
        .bind(policy.version as i64 - 1)
        .execute(&mut *tx)
        .await;
        let updated = match updated {
            Err(error) if is_unique_violation(&error) => return Err(active_duplicate(&mut tx, policy).await?),
            other => other?,
        };
        if updated.rows_affected() == 0 {
            let current: Option<i64> = sqlx::query_scalar("SELECT version FROM policies WHERE id = ?")
                .bind(&policy.id)
                .fetch_optional(&mut *tx)
                .await?;
            return Err(match current {
                None => StoreError::NotFound(policy.id.clone()),
                Some(current) => StoreError::Stale { id: policy.id.clone(), current: current as u32 },
            });
        }
        write_policy_children(&mut tx, policy).await?;
        events::insert(&mut tx, events).await?;
        let revision = append_change(&mut tx, EntityKind::Policy, &policy.id, policy.last_modified_at.0).await?;
        tx.commit().await?;
        Ok(revision)
    }

    async fn policy(&self, id: &str) -> StoreResult<Option<Policy>> {
        let mut connection = self.reader.acquire().await?;
        let sql = format!("SELECT {POLICY_COLUMNS} FROM policies WHERE id = ?");
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_all(&mut *connection).await?;
        Ok(assemble(&mut connection, rows).await?.pop())
    }

    async fn list_policies(&self, filter: &PolicyQuery) -> StoreResult<PolicyPage> {
        // One read transaction, so that the total and the page come from the same snapshot.
        let mut tx = self.reader.begin().await?;
        let mut count: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT COUNT(*) FROM policies");
        push_policy_filters(&mut count, filter);
        let total: i64 = count.build_query_scalar().fetch_one(&mut *tx).await?;

        let mut select: QueryBuilder<Sqlite> = QueryBuilder::new(format!("SELECT {POLICY_COLUMNS} FROM policies"));
        push_policy_filters(&mut select, filter);
        let (column, descending) =
            filter.sort.map(|(field, desc)| (sort_column(field), desc)).unwrap_or(("created_at", false));
        select.push(format!(" ORDER BY {column} {}, id ASC", if descending { "DESC" } else { "ASC" }));
        select.push(" LIMIT ").push_bind(filter.limit.map_or(-1, |limit| limit as i64));
        select.push(" OFFSET ").push_bind(filter.offset as i64);
        let rows = select.build().fetch_all(&mut *tx).await?;
        let policies = assemble(&mut tx, rows).await?;
        tx.commit().await?;
        Ok(PolicyPage { policies, total: total as u64 })
    }

    async fn all_policies(&self) -> StoreResult<(Vec<Policy>, Revision)> {
        let mut tx = self.reader.begin().await?;
        let revision: Option<i64> = sqlx::query_scalar("SELECT MAX(revision) FROM changes").fetch_one(&mut *tx).await?;
        let sql = format!("SELECT {POLICY_COLUMNS} FROM policies ORDER BY created_at, id");
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut *tx).await?;
        let policies = assemble(&mut tx, rows).await?;
        tx.commit().await?;
        Ok((policies, revision.unwrap_or(0) as Revision))
    }

    async fn load_world(&self) -> StoreResult<(Vec<Entity>, Revision)> {
        let mut tx = self.reader.begin().await?;
        let loaded = world::load(&mut tx).await?;
        tx.commit().await?;
        Ok(loaded)
    }

    async fn write_world(
        &self,
        based_on: Revision,
        writes: &[WorldWrite],
        events: &[EventRecord],
    ) -> StoreResult<Revision> {
        let mut tx = self.writer.begin().await?;
        let current: i64 =
            sqlx::query_scalar("SELECT revision FROM world_state WHERE slot = 1").fetch_one(&mut *tx).await?;
        if current as Revision != based_on {
            return Err(StoreError::WorldMoved { based_on, current: current as Revision });
        }
        world::apply(&mut tx, writes).await?;
        events::insert(&mut tx, events).await?;
        let first = writes.first().map(world::key_text).unwrap_or_default();
        let at = events.first().map(|e| e.at).unwrap_or_default();
        let revision = append_change(&mut tx, EntityKind::World, &first, at).await?;
        sqlx::query("UPDATE world_state SET revision = ? WHERE slot = 1")
            .bind(revision as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(revision)
    }

    async fn record_events(&self, records: &[EventRecord]) -> StoreResult<Revision> {
        let mut tx = self.writer.begin().await?;
        events::insert(&mut tx, records).await?;
        let first = records.first().map(|e| e.id.clone()).unwrap_or_default();
        let at = records.first().map(|e| e.at).unwrap_or_default();
        let revision = append_change(&mut tx, EntityKind::Event, &first, at).await?;
        tx.commit().await?;
        Ok(revision)
    }

    async fn list_events(&self, query: &EventQuery) -> StoreResult<(Vec<EventRecord>, u64)> {
        let mut tx = self.reader.begin().await?;
        let page = events::list(&mut tx, query).await?;
        tx.commit().await?;
        Ok(page)
    }
}

#[cfg(test)]
mod tests;
