//! The store over SQL: one implementation for the embedded SQLite database and for a shared PostgreSQL one.
//!
//! Both go through sqlx's `Any` driver, so every query, transaction and invariant is written once; statements use
//! `$N` placeholders, which both databases accept, and the few places where the dialects differ ask [`Dialect`].
//!
//! SQLite: writes go through a pool of exactly one connection, so SQLite's single writer never waits on a lock held by
//! a sibling connection; reads use their own pool and, thanks to WAL, never block the writer. `synchronous = FULL`
//! makes every acknowledged commit durable before the response leaves, which is what lets an acknowledged write
//! survive `kill -9` (and a power cut).
//!
//! PostgreSQL: one pool for reads and writes; every write is one transaction, and the invariants that span rows (one
//! binding per spoke, no duplicate active policy, a VPC-domain change applies only to the state it was computed from)
//! are held by the database (unique indexes, the `world_state` compare-and-set row, the `revision_counter` row), so any
//! number of replicas can write at once. Each write notifies `hubspoke_changes` with its revision; see [`listen`].

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use hubspoke_iam::{AccountId, Attribute, Policy, PolicyDraft, Timestamp};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, AnyPool};
use sqlx::{AssertSqlSafe, Executor, Row};

use crate::codec::{decode_body, decode_operator, decode_state, decode_value, encode_body, encode_value};
use crate::{
    AccountRecord, ApiKeyRecord, Change, EntityKind, EventQuery, EventRecord, KeyOwner, PolicyPage, PolicyQuery,
    PolicySortField, Revision, SigningKeyRecord, Store, StoreError, StoreResult, WorldWrite,
};
use hubspoke_vpc::world::Entity;

mod events;
pub mod listen;
mod world;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// The channel every PostgreSQL write notifies with its revision.
pub(crate) const CHANGES_CHANNEL: &str = "hubspoke_changes";

/// Which SQL database a [`SqlStore`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// The embedded database (a file in the data directory, or memory).
    Sqlite,
    /// A shared PostgreSQL server.
    Postgres,
}

/// How the PostgreSQL connection pool behaves (`--db-*` flags).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolSettings {
    /// At most this many connections per replica.
    pub max_connections: u32,
    /// Connections kept open when idle.
    pub min_connections: u32,
    /// How long a request waits for a connection before it fails as `unavailable`.
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> PoolSettings {
        PoolSettings { max_connections: 16, min_connections: 1, acquire_timeout: Duration::from_secs(5) }
    }
}

/// Where a database's schema stands against this build's migrations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Versions applied to the database, ascending.
    pub applied: Vec<i64>,
    /// Versions this build knows, ascending.
    pub known: Vec<i64>,
}

impl MigrationStatus {
    /// Whether the database is exactly at this build's newest migration.
    pub fn is_current(&self) -> bool {
        self.applied == self.known
    }

    /// Whether this build can serve the database: it has every migration this build knows, perhaps newer ones too.
    /// Migrations only add, so during a rolling upgrade the replicas still on the previous version keep serving.
    pub fn is_servable(&self) -> bool {
        self.applied.starts_with(&self.known)
    }
}

/// The store: SQLite or PostgreSQL behind one implementation.
#[derive(Clone, Debug)]
pub struct SqlStore {
    dialect: Dialect,
    writer: AnyPool,
    reader: AnyPool,
    /// The PostgreSQL URL, for the notification listener's own connection.
    url: Option<String>,
}

/// Makes sqlx's `Any` driver know SQLite and PostgreSQL; idempotent.
fn install_drivers() {
    sqlx::any::install_default_drivers();
}

/// Per-connection SQLite settings: foreign keys are enforced, every commit is durable, and a busy writer is waited for.
async fn sqlite_pragmas(connection: &mut AnyConnection) -> Result<(), sqlx::Error> {
    connection.execute("PRAGMA foreign_keys = ON").await?;
    connection.execute("PRAGMA synchronous = FULL").await?;
    connection.execute("PRAGMA busy_timeout = 10000").await?;
    Ok(())
}

fn sqlite_url(path: &Path, mode: &str) -> String {
    // sqlx reads the path of a `sqlite://` URL verbatim up to `?`, so only `?` and `%` need escaping.
    let path = path.display().to_string().replace('%', "%25").replace('?', "%3F");
    format!("sqlite://{path}?mode={mode}")
}

impl SqlStore {
    /// Opens (creating if needed) the SQLite database file at `path` and brings its schema to the current migration.
    pub async fn open_sqlite(path: &Path) -> StoreResult<SqlStore> {
        install_drivers();
        let writer = AnyPoolOptions::new()
            .max_connections(1)
            .after_connect(|connection, _| Box::pin(sqlite_pragmas(connection)))
            .connect(&sqlite_url(path, "rwc"))
            .await?;
        // WAL is a property of the file, set once; readers then never block the writer.
        writer.execute("PRAGMA journal_mode = WAL").await?;
        SQLITE_MIGRATIONS
            .run(&writer)
            .await
            .map_err(|e| StoreError::Database(format!("migrating `{}`: {e}", path.display())))?;
        let reader = AnyPoolOptions::new()
            .max_connections(4)
            .after_connect(|connection, _| Box::pin(sqlite_pragmas(connection)))
            .connect(&sqlite_url(path, "ro"))
            .await?;
        Ok(SqlStore { dialect: Dialect::Sqlite, writer, reader, url: None })
    }

    /// A SQLite store that lives in memory only (`--ephemeral`). It has a single connection, which must never be
    /// closed: the database disappears with it.
    pub async fn in_memory() -> StoreResult<SqlStore> {
        install_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .after_connect(|connection, _| Box::pin(sqlite_pragmas(connection)))
            .connect("sqlite::memory:")
            .await?;
        SQLITE_MIGRATIONS
            .run(&pool)
            .await
            .map_err(|e| StoreError::Database(format!("migrating the in-memory database: {e}")))?;
        Ok(SqlStore { dialect: Dialect::Sqlite, writer: pool.clone(), reader: pool, url: None })
    }

    /// Connects to a PostgreSQL database that is at this build's migration; otherwise fails with
    /// [`StoreError::NotMigrated`] (the operator runs `hubspoke migrate`, replicas never migrate on their own).
    pub async fn connect_postgres(url: &str, settings: &PoolSettings) -> StoreResult<SqlStore> {
        install_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(settings.max_connections)
            .min_connections(settings.min_connections)
            .acquire_timeout(settings.acquire_timeout)
            .connect(url)
            .await?;
        let status = postgres_migration_status(&pool).await?;
        if !status.is_servable() {
            return Err(StoreError::NotMigrated { applied: status.applied.last().copied(), known: status.known });
        }
        if !status.is_current() {
            tracing::warn!(applied = ?status.applied, known = ?status.known, "the database is at a newer migration than this build");
        }
        Ok(SqlStore { dialect: Dialect::Postgres, writer: pool.clone(), reader: pool, url: Some(url.to_owned()) })
    }

    /// Brings a PostgreSQL database to this build's migration (`hubspoke migrate`) and says where it stands after.
    /// Concurrent runs are safe: sqlx takes an advisory lock.
    pub async fn migrate_postgres(url: &str) -> StoreResult<MigrationStatus> {
        install_drivers();
        let pool = AnyPoolOptions::new().max_connections(1).connect(url).await?;
        POSTGRES_MIGRATIONS.run(&pool).await.map_err(|e| StoreError::Database(format!("migrating: {e}")))?;
        let status = postgres_migration_status(&pool).await;
        pool.close().await;
        status
    }

    /// A read transaction that sees one snapshot of the whole database. A SQLite read transaction is one already;
    /// PostgreSQL's default isolation takes a new snapshot per statement, so a world read table by table could mix
    /// two writes.
    async fn snapshot(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        let mut tx = self.reader.begin().await?;
        if self.dialect == Dialect::Postgres {
            tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
        }
        Ok(tx)
    }

    /// Rolls back a transaction whose policy insert failed, and says why: a duplicate active policy (the first of
    /// `policies` that has one), or the error.
    async fn refused_insert(
        &self,
        tx: sqlx::Transaction<'static, sqlx::Any>,
        policies: &[&Policy],
        error: sqlx::Error,
    ) -> StoreError {
        let duplicate = is_unique_violation(&error);
        if let Err(rollback) = tx.rollback().await {
            return rollback.into();
        }
        if duplicate {
            for policy in policies {
                match active_duplicate(&self.writer, policy).await {
                    Ok(found @ StoreError::DuplicatePolicy { .. }) => return found,
                    Ok(_) => continue,
                    Err(failed) => return failed,
                }
            }
            // Two policies of one import duplicate each other, or an id is taken.
            return StoreError::Database(format!("unique constraint violated while writing policies: {error}"));
        }
        error.into()
    }

    /// Which database this is.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Closes every connection (tests use it to let a database go).
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

async fn postgres_migration_status(pool: &AnyPool) -> StoreResult<MigrationStatus> {
    let known: Vec<i64> =
        POSTGRES_MIGRATIONS.iter().filter(|m| m.migration_type.is_up_migration()).map(|m| m.version).collect();
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(pool).await?;
    let applied = if exists {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(pool)
            .await?
    } else {
        Vec::new()
    };
    Ok(MigrationStatus { applied, known })
}

/// Appends the change row of a write, in its transaction, and returns its revision.
async fn append_change(
    connection: &mut AnyConnection,
    dialect: Dialect,
    entity: EntityKind,
    entity_id: &str,
    at: i64,
) -> StoreResult<Revision> {
    append_changes(connection, dialect, entity, &[entity_id], at).await
}

/// Appends one change row per id, in the write's transaction, with consecutive revisions; returns the last.
///
/// Revisions come from the one `revision_counter` row, whose lock is held until the transaction ends: revisions are
/// therefore handed out in commit order with no gaps, so a follower that has read revision N has seen every write up
/// to N (a sequence would let a later revision commit before an earlier one, and a follower could skip the earlier).
async fn append_changes(
    connection: &mut AnyConnection,
    dialect: Dialect,
    entity: EntityKind,
    entity_ids: &[&str],
    at: i64,
) -> StoreResult<Revision> {
    let entity = match entity {
        EntityKind::Account => "account",
        EntityKind::Policy => "policy",
        EntityKind::World => "world",
        EntityKind::Event => "event",
    };
    let count = entity_ids.len() as i64;
    let last: i64 =
        sqlx::query_scalar("UPDATE revision_counter SET revision = revision + $1 WHERE slot = 1 RETURNING revision")
            .bind(count)
            .fetch_one(&mut *connection)
            .await?;
    let rows = entity_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            vec![
                Argument::Integer(last - count + 1 + i as i64),
                Argument::Text(entity.to_owned()),
                Argument::Text((*id).to_owned()),
                Argument::Integer(at),
            ]
        })
        .collect();
    insert_rows(connection, "changes (revision, entity, entity_id, at)", rows).await?;
    if dialect == Dialect::Postgres {
        // NOTIFY takes no parameters; the payload is a number this function produced. PostgreSQL delivers it only if
        // the transaction commits, and in commit order; followers read every change up to it.
        sqlx::query(AssertSqlSafe(format!("NOTIFY {CHANGES_CHANNEL}, '{last}'"))).execute(&mut *connection).await?;
    }
    Ok(last as Revision)
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|e| e.is_unique_violation())
}

/// The active policy that `policy` duplicates. Called after a unique violation, once the failed transaction has been
/// rolled back (PostgreSQL refuses every further statement of a transaction that failed).
async fn active_duplicate(pool: &AnyPool, policy: &Policy) -> StoreResult<StoreError> {
    let existing: Option<String> = sqlx::query_scalar(
        "SELECT id FROM policies WHERE owner = $1 AND fingerprint = $2 AND state = 'active' AND id <> $3",
    )
    .bind(policy.draft.owner.as_str())
    .bind(policy.draft.fingerprint())
    .bind(&policy.id)
    .fetch_optional(pool)
    .await?;
    Ok(match existing {
        Some(existing) => StoreError::DuplicatePolicy { existing },
        None => StoreError::Database(format!("unique constraint violated while writing policy `{}`", policy.id)),
    })
}

/// Inserts the rows of new policies (children not included).
async fn insert_policy_rows(connection: &mut AnyConnection, policies: &[&Policy]) -> Result<(), sqlx::Error> {
    let rows = policies
        .iter()
        .map(|policy| {
            vec![
                Argument::Text(policy.id.clone()),
                Argument::Text(policy.draft.owner.as_str().to_owned()),
                Argument::OptionalText(policy.draft.description.clone()),
                Argument::Text(policy.state.as_str().to_owned()),
                Argument::Integer(policy.version as i64),
                Argument::Text(policy.draft.fingerprint()),
                Argument::Integer(policy.created_at.0),
                Argument::Text(policy.created_by_id.clone()),
                Argument::Integer(policy.last_modified_at.0),
                Argument::Text(policy.last_modified_by_id.clone()),
                Argument::Text(encode_body(&policy.draft)),
                Argument::Integer(policy.version as i64),
            ]
        })
        .collect();
    insert_rows(
        connection,
        "policies (id, owner, description, state, version, fingerprint, created_at, created_by_id, last_modified_at, \
         last_modified_by_id, body, body_version)",
        rows,
    )
    .await
}

/// A statement built piece by piece, whose placeholders are spelled for the connection it runs on: `$1`, `$2`, ...
/// for PostgreSQL, and `?` for SQLite. (sqlx's `QueryBuilder` writes `?` for the `Any` driver, which PostgreSQL does not
/// accept; and SQLite looks each `$N` up by name in a list, which makes binding a statement with thousands of
/// numbered placeholders quadratic.)
#[derive(Default)]
struct Statement {
    sql: String,
    arguments: Vec<Argument>,
}

/// One bound value.
enum Argument {
    Text(String),
    OptionalText(Option<String>),
    Integer(i64),
}

/// Where a bound value goes in [`Statement::sql`]; a control character no statement text contains.
const PLACEHOLDER: char = '\u{1}';

/// Keeps multi-row statements under both databases' limits on bound values (SQLite 32,766; PostgreSQL 65,535).
const MAX_ARGUMENTS: usize = 30_000;

impl Statement {
    fn new(sql: &str) -> Statement {
        Statement { sql: sql.to_owned(), arguments: Vec::new() }
    }

    fn push(&mut self, sql: &str) -> &mut Statement {
        self.sql.push_str(sql);
        self
    }

    fn bind(&mut self, argument: Argument) -> &mut Statement {
        self.arguments.push(argument);
        self.sql.push(PLACEHOLDER);
        self
    }

    fn push_bind(&mut self, value: &str) -> &mut Statement {
        self.bind(Argument::Text(value.to_owned()))
    }

    /// `(value, value, ...)`: an `IN` list, or one row of a multi-row `VALUES`.
    fn push_tuple(&mut self, values: impl IntoIterator<Item = Argument>) -> &mut Statement {
        self.push("(");
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(value);
        }
        self.push(")")
    }

    fn push_list(&mut self, values: &[String]) -> &mut Statement {
        self.push_tuple(values.iter().map(|value| Argument::Text(value.clone())))
    }

    fn query(&self, connection: &AnyConnection) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments> {
        let numbered = connection.backend_name() == "PostgreSQL";
        let mut sql = String::with_capacity(self.sql.len() + 4 * self.arguments.len());
        let mut number = 0;
        for character in self.sql.chars() {
            match character {
                PLACEHOLDER if numbered => {
                    number += 1;
                    sql.push_str(&format!("${number}"));
                }
                PLACEHOLDER => sql.push('?'),
                other => sql.push(other),
            }
        }
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for argument in &self.arguments {
            query = match argument {
                Argument::Text(text) => query.bind(text.clone()),
                Argument::OptionalText(text) => query.bind(text.clone()),
                Argument::Integer(value) => query.bind(*value),
            };
        }
        query
    }

    async fn fetch_all(&self, connection: &mut AnyConnection) -> StoreResult<Vec<AnyRow>> {
        Ok(self.query(connection).fetch_all(&mut *connection).await?)
    }

    async fn execute(&self, connection: &mut AnyConnection) -> Result<u64, sqlx::Error> {
        Ok(self.query(connection).execute(&mut *connection).await?.rows_affected())
    }
}

/// Runs `INSERT INTO <head> VALUES <row>, <row>, ...` over `rows`, in as few statements as the limits allow.
async fn insert_rows(connection: &mut AnyConnection, head: &str, rows: Vec<Vec<Argument>>) -> Result<(), sqlx::Error> {
    let Some(width) = rows.first().map(Vec::len) else { return Ok(()) };
    let per_statement = (MAX_ARGUMENTS / width.max(1)).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut statement = Statement::new(&format!("INSERT INTO {head} VALUES "));
        for (i, row) in rows.by_ref().take(per_statement).enumerate() {
            if i > 0 {
                statement.push(", ");
            }
            statement.push_tuple(row);
        }
        statement.execute(connection).await?;
    }
    Ok(())
}

/// Writes the attribute and role rows of `policies` (after deleting their old ones when `replacing`): a handful of
/// statements however many policies and attributes there are.
async fn write_policy_children(
    connection: &mut AnyConnection,
    policies: &[&Policy],
    replacing: bool,
) -> StoreResult<()> {
    if replacing {
        let ids: Vec<String> = policies.iter().map(|policy| policy.id.clone()).collect();
        for table in ["policy_attributes", "policy_roles"] {
            let mut delete = Statement::new(&format!("DELETE FROM {table} WHERE policy_id IN "));
            delete.push_list(&ids).execute(connection).await?;
        }
    }
    let mut attributes = Vec::new();
    let mut roles = Vec::new();
    for policy in policies {
        let sides = [("subject", &policy.draft.subject), ("resource", &policy.draft.resource)];
        for (side, list) in sides {
            for (position, attribute) in list.iter().enumerate() {
                let (kind, value) = encode_value(&attribute.value);
                attributes.push(vec![
                    Argument::Text(policy.id.clone()),
                    Argument::Text(side.to_owned()),
                    Argument::Integer(position as i64),
                    Argument::Text(attribute.key.clone()),
                    Argument::Text(attribute.operator.as_str().to_owned()),
                    Argument::Text(kind.to_owned()),
                    Argument::Text(value),
                ]);
            }
        }
        for (position, role) in policy.draft.roles.iter().enumerate() {
            roles.push(vec![
                Argument::Text(policy.id.clone()),
                Argument::Integer(position as i64),
                Argument::Text(role.clone()),
            ]);
        }
    }
    insert_rows(
        connection,
        "policy_attributes (policy_id, side, position, key, operator, value_kind, value)",
        attributes,
    )
    .await?;
    insert_rows(connection, "policy_roles (policy_id, position, role_id)", roles).await?;
    Ok(())
}

/// The columns a policy is read from. `body` is there only when it was written at the row's version (migration 0004
/// says why); otherwise it reads NULL and the policy is assembled from its child rows.
const POLICY_COLUMNS: &str = "id, owner, description, state, version, created_at, created_by_id, last_modified_at, \
                              last_modified_by_id, CASE WHEN body_version = version THEN body END AS body";

/// How many policies one `IN` list of `assemble` names: well under both databases' limits on bound values.
const ASSEMBLE_CHUNK: usize = 5_000;

/// Reads the attributes and roles of the policies whose rows were fetched and assembles them, keeping row order.
async fn assemble(connection: &mut AnyConnection, rows: Vec<AnyRow>) -> StoreResult<Vec<Policy>> {
    let mut policies = Vec::with_capacity(rows.len());
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<AnyRow> = rows.by_ref().take(ASSEMBLE_CHUNK).collect();
        policies.extend(assemble_chunk(connection, chunk).await?);
    }
    Ok(policies)
}

async fn assemble_chunk(connection: &mut AnyConnection, rows: Vec<AnyRow>) -> StoreResult<Vec<Policy>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // Only rows written before the body column existed need their child rows.
    let ids: Vec<String> = rows
        .iter()
        .filter(|row| row.get::<Option<&str>, _>("body").is_none())
        .map(|row| row.get::<String, _>("id"))
        .collect();
    let children = if ids.is_empty() { Children::default() } else { read_children(connection, Some(&ids)).await? };
    build_policies(rows, children)
}

/// Every policy's attributes (subject, resource) and roles, by policy id.
type Children = (HashMap<String, (Vec<Attribute>, Vec<Attribute>)>, HashMap<String, Vec<String>>);

/// The attribute and role rows of the policies `ids`, or of every policy (one scan of each table, for loading the
/// whole index at startup).
async fn read_children(connection: &mut AnyConnection, ids: Option<&[String]>) -> StoreResult<Children> {
    let scoped = |head: &str, order: &str| {
        let mut query = Statement::new(head);
        if let Some(ids) = ids {
            query.push(" WHERE policy_id IN ").push_list(ids);
        }
        query.push(order);
        query
    };
    let mut attributes: HashMap<String, (Vec<Attribute>, Vec<Attribute>)> = HashMap::new();
    let query = scoped(
        "SELECT policy_id, side, key, operator, value_kind, value FROM policy_attributes",
        " ORDER BY policy_id, side, position",
    );
    for row in query.fetch_all(connection).await? {
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
    let query = scoped("SELECT policy_id, role_id FROM policy_roles", " ORDER BY policy_id, position");
    for row in query.fetch_all(connection).await? {
        roles.entry(row.get("policy_id")).or_default().push(row.get("role_id"));
    }
    Ok((attributes, roles))
}

/// Policies from their rows and children, keeping row order.
fn build_policies(rows: Vec<AnyRow>, (mut attributes, mut roles): Children) -> StoreResult<Vec<Policy>> {
    rows.into_iter()
        .map(|row| {
            let id: String = row.get("id");
            let owner: String = row.get("owner");
            let (subject, resource, roles) = match row.get::<Option<&str>, _>("body") {
                Some(body) => decode_body(body)?,
                None => {
                    let (subject, resource) = attributes.remove(&id).unwrap_or_default();
                    (subject, resource, roles.remove(&id).unwrap_or_default())
                }
            };
            Ok(Policy {
                draft: PolicyDraft {
                    owner: AccountId::parse(&owner).ok_or_else(|| StoreError::Corrupt(format!("owner `{owner}`")))?,
                    description: row.get("description"),
                    subject,
                    resource,
                    roles,
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

fn account_from_row(row: &AnyRow) -> StoreResult<AccountRecord> {
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

fn push_policy_filters(query: &mut Statement, filter: &PolicyQuery) {
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
impl Store for SqlStore {
    fn kind(&self) -> &'static str {
        match self.dialect {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }

    async fn revision(&self) -> StoreResult<Revision> {
        let revision: i64 =
            sqlx::query_scalar("SELECT revision FROM revision_counter WHERE slot = 1").fetch_one(&self.reader).await?;
        Ok(revision as Revision)
    }

    async fn changes_since(&self, after: Revision, limit: u32) -> StoreResult<Vec<Change>> {
        let rows = sqlx::query(
            "SELECT revision, entity, entity_id FROM changes WHERE revision > $1 ORDER BY revision LIMIT $2",
        )
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
        sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(account.id.as_str())
            .bind(&account.name)
            .bind(account.created_at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO api_keys (digest, iam_id, account_id, operator, created_at) VALUES ($1, $2, $3, 0, $4)",
        )
        .bind(&admin_key.digest)
        .bind(&admin_key.iam_id)
        .bind(account.id.as_str())
        .bind(admin_key.created_at)
        .execute(&mut *tx)
        .await?;
        let revision =
            append_change(&mut tx, self.dialect, EntityKind::Account, account.id.as_str(), account.created_at).await?;
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
        let row = sqlx::query("SELECT id, name, created_at FROM accounts WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(account_from_row).transpose()
    }

    async fn ensure_operator_key(&self, key: &ApiKeyRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_keys (digest, iam_id, account_id, operator, created_at) VALUES ($1, $2, NULL, 1, $3) \
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
        let row =
            sqlx::query("SELECT digest, iam_id, account_id, operator, created_at FROM api_keys WHERE digest = $1")
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
            "INSERT INTO signing_keys (slot, kid, private_key_pem, created_at) VALUES (1, $1, $2, $3) ON CONFLICT (slot) DO NOTHING",
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
        if let Err(error) = insert_policy_rows(&mut tx, &[policy]).await {
            return Err(self.refused_insert(tx, &[policy], error).await);
        }
        write_policy_children(&mut tx, &[policy], false).await?;
        events::insert(&mut tx, events).await?;
        let revision =
            append_change(&mut tx, self.dialect, EntityKind::Policy, &policy.id, policy.last_modified_at.0).await?;
        tx.commit().await?;
        Ok(revision)
    }

    async fn import_policies(&self, policies: &[Policy]) -> StoreResult<Revision> {
        let mut tx = self.writer.begin().await?;
        let all: Vec<&Policy> = policies.iter().collect();
        if let Err(error) = insert_policy_rows(&mut tx, &all).await {
            return Err(self.refused_insert(tx, &all, error).await);
        }
        write_policy_children(&mut tx, &all, false).await?;
        let ids: Vec<&str> = policies.iter().map(|policy| policy.id.as_str()).collect();
        let at = policies.iter().map(|policy| policy.last_modified_at.0).max().unwrap_or_default();
        let revision = append_changes(&mut tx, self.dialect, EntityKind::Policy, &ids, at).await?;
        tx.commit().await?;
        if policies.len() >= 1_000 {
            // Fresh statistics, or PostgreSQL plans the next reads for the tables as they were before (it scanned all
            // attributes for one page of a list, 36 ms at 100k policies); autovacuum would get there, later.
            let tables = match self.dialect {
                Dialect::Postgres => "ANALYZE policies, policy_attributes, policy_roles",
                Dialect::Sqlite => "ANALYZE",
            };
            self.writer.execute(tables).await?;
        }
        Ok(revision)
    }

    async fn update_policy(&self, policy: &Policy, events: &[EventRecord]) -> StoreResult<Revision> {
        let mut tx = self.writer.begin().await?;
        let updated = sqlx::query(
            "UPDATE policies SET description = $1, state = $2, version = $3, fingerprint = $4, last_modified_at = $5, \
             last_modified_by_id = $6, body = $7, body_version = $3 WHERE id = $8 AND version = $9",
        )
        .bind(&policy.draft.description)
        .bind(policy.state.as_str())
        .bind(policy.version as i64)
        .bind(policy.draft.fingerprint())
        .bind(policy.last_modified_at.0)
        .bind(&policy.last_modified_by_id)
        .bind(encode_body(&policy.draft))
        .bind(&policy.id)
        .bind(policy.version as i64 - 1)
        .execute(&mut *tx)
        .await;
        let updated = match updated {
            Err(error) if is_unique_violation(&error) => {
                tx.rollback().await?;
                return Err(active_duplicate(&self.writer, policy).await?);
            }
            other => other?,
        };
        if updated.rows_affected() == 0 {
            let current: Option<i64> = sqlx::query_scalar("SELECT version FROM policies WHERE id = $1")
                .bind(&policy.id)
                .fetch_optional(&mut *tx)
                .await?;
            return Err(match current {
                None => StoreError::NotFound(policy.id.clone()),
                Some(current) => StoreError::Stale { id: policy.id.clone(), current: current as u32 },
            });
        }
        write_policy_children(&mut tx, &[policy], true).await?;
        events::insert(&mut tx, events).await?;
        let revision =
            append_change(&mut tx, self.dialect, EntityKind::Policy, &policy.id, policy.last_modified_at.0).await?;
        tx.commit().await?;
        Ok(revision)
    }

    async fn policy(&self, id: &str) -> StoreResult<Option<Policy>> {
        let mut connection = self.reader.acquire().await?;
        let sql = format!("SELECT {POLICY_COLUMNS} FROM policies WHERE id = $1");
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_all(&mut *connection).await?;
        Ok(assemble(&mut connection, rows).await?.pop())
    }

    async fn list_policies(&self, filter: &PolicyQuery) -> StoreResult<PolicyPage> {
        // One snapshot, so that the total and the page agree.
        let mut tx = self.snapshot().await?;
        let mut count = Statement::new("SELECT COUNT(*) AS total FROM policies");
        push_policy_filters(&mut count, filter);
        let total: i64 = count.fetch_all(&mut tx).await?.first().map(|row| row.get("total")).unwrap_or_default();

        let mut select = Statement::new(&format!("SELECT {POLICY_COLUMNS} FROM policies"));
        push_policy_filters(&mut select, filter);
        let (column, descending) =
            filter.sort.map(|(field, desc)| (sort_column(field), desc)).unwrap_or(("created_at", false));
        // Both bounds are numbers this function formats; SQLite needs a LIMIT before an OFFSET, and i64::MAX is
        // "no limit" to both databases.
        select.push(&format!(
            " ORDER BY {column} {}, id ASC LIMIT {} OFFSET {}",
            if descending { "DESC" } else { "ASC" },
            filter.limit.map_or(i64::MAX, |limit| limit.min(i64::MAX as u64) as i64),
            filter.offset.min(i64::MAX as u64),
        ));
        let rows = select.fetch_all(&mut tx).await?;
        let policies = assemble(&mut tx, rows).await?;
        tx.commit().await?;
        Ok(PolicyPage { policies, total: total as u64 })
    }

    async fn all_policies(&self) -> StoreResult<(Vec<Policy>, Revision)> {
        let mut tx = self.snapshot().await?;
        let revision: i64 =
            sqlx::query_scalar("SELECT revision FROM revision_counter WHERE slot = 1").fetch_one(&mut *tx).await?;
        let sql = format!("SELECT {POLICY_COLUMNS} FROM policies ORDER BY created_at, id");
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut *tx).await?;
        // Every policy written since the body column exists is read from its row; older ones from their children.
        let children = if rows.iter().any(|row| row.get::<Option<&str>, _>("body").is_none()) {
            read_children(&mut tx, None).await?
        } else {
            Children::default()
        };
        let policies = build_policies(rows, children)?;
        tx.commit().await?;
        Ok((policies, revision as Revision))
    }

    async fn load_world(&self) -> StoreResult<(Vec<Entity>, Revision)> {
        let mut tx = self.snapshot().await?;
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
        // The compare-and-set: on PostgreSQL the UPDATE also locks the row until commit, so a second writer based on
        // the same revision waits, then finds the revision moved and matches nothing.
        let claimed = sqlx::query("UPDATE world_state SET revision = revision WHERE slot = 1 AND revision = $1")
            .bind(based_on as i64)
            .execute(&mut *tx)
            .await?;
        if claimed.rows_affected() == 0 {
            let current: i64 =
                sqlx::query_scalar("SELECT revision FROM world_state WHERE slot = 1").fetch_one(&mut *tx).await?;
            return Err(StoreError::WorldMoved { based_on, current: current as Revision });
        }
        world::apply(&mut tx, writes).await?;
        events::insert(&mut tx, events).await?;
        let first = writes.first().map(world::key_text).unwrap_or_default();
        let at = events.first().map(|e| e.at).unwrap_or_default();
        let revision = append_change(&mut tx, self.dialect, EntityKind::World, &first, at).await?;
        sqlx::query("UPDATE world_state SET revision = $1 WHERE slot = 1")
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
        let revision = append_change(&mut tx, self.dialect, EntityKind::Event, &first, at).await?;
        tx.commit().await?;
        Ok(revision)
    }

    async fn list_events(&self, query: &EventQuery) -> StoreResult<(Vec<EventRecord>, u64)> {
        let mut tx = self.snapshot().await?;
        let page = events::list(&mut tx, query).await?;
        tx.commit().await?;
        Ok(page)
    }
}

#[cfg(test)]
mod tests;
