//! Opening the databases (SQLite file or memory, PostgreSQL), their migrations, and the two kinds of transaction
//! every operation runs in: a read snapshot, and a write that is either committed or thrown away with its connection.

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor};

use super::SqlStore;
use super::failover::Failover;
use crate::{StoreError, StoreResult};

pub(super) static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
pub(super) static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Which SQL database a [`SqlStore`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The embedded database in a file of the data directory.
    SqliteFile,
    /// The embedded database in memory (`--ephemeral`): one connection that must never be closed, since the
    /// database disappears with it.
    SqliteMemory,
    /// A shared PostgreSQL server.
    Postgres,
}

impl Backend {
    /// Whether this is one of the PostgreSQL dialect's databases.
    pub fn is_postgres(self) -> bool {
        self == Backend::Postgres
    }
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

/// Makes sqlx's `Any` driver know SQLite and PostgreSQL; idempotent.
pub(super) fn install_drivers() {
    sqlx::any::install_default_drivers();
}

/// Per-connection SQLite settings: foreign keys are enforced, every commit is durable, and a busy writer is waited for.
async fn sqlite_pragmas(connection: &mut AnyConnection) -> Result<(), sqlx::Error> {
    connection.execute("PRAGMA foreign_keys = ON").await?;
    connection.execute("PRAGMA synchronous = FULL").await?;
    connection.execute("PRAGMA busy_timeout = 10000").await?;
    Ok(())
}

pub(super) fn sqlite_url(path: &Path, mode: &str) -> String {
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
        Ok(SqlStore::assemble(Backend::SqliteFile, writer, reader))
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
        Ok(SqlStore::assemble(Backend::SqliteMemory, pool.clone(), pool))
    }

    /// Connects to a PostgreSQL database that is at this build's migration; otherwise fails with
    /// [`StoreError::NotMigrated`] (the operator runs `hubspoke migrate`, replicas never migrate on their own).
    ///
    /// `url` may name several hosts (`postgres://user@h1:5432,h2:5433/db`): connections then go to the first that
    /// accepts writes, and follow the primary when it fails over (see `failover`).
    pub async fn connect_postgres(url: &str, settings: &PoolSettings) -> StoreResult<SqlStore> {
        install_drivers();
        let options = AnyPoolOptions::new()
            .max_connections(settings.max_connections)
            .min_connections(settings.min_connections)
            .acquire_timeout(settings.acquire_timeout);
        let failover = Failover::parse(url, settings.acquire_timeout)?.map(Arc::new);
        let (pool, primary) = match &failover {
            Some(failover) => failover.pool(options).await?,
            None => (options.connect(url).await?, 0),
        };
        let status = postgres_migration_status(&pool).await?;
        if !status.is_servable() {
            return Err(StoreError::NotMigrated { applied: status.applied.last().copied(), known: status.known });
        }
        if !status.is_current() {
            tracing::warn!(applied = ?status.applied, known = ?status.known, "the database is at a newer migration than this build");
        }
        let mut store = SqlStore::assemble(Backend::Postgres, pool.clone(), pool);
        store.url = Some(url.to_owned());
        store.failover = failover;
        store.pool_host = primary.into();
        Ok(store)
    }

    /// Brings a PostgreSQL database to this build's migration (`hubspoke migrate`) and says where it stands after.
    /// Concurrent runs are safe: sqlx takes an advisory lock.
    pub async fn migrate_postgres(url: &str) -> StoreResult<MigrationStatus> {
        install_drivers();
        let options = AnyPoolOptions::new().max_connections(1);
        let pool = match Failover::parse(url, PoolSettings::default().acquire_timeout)? {
            Some(failover) => Arc::new(failover).pool(options).await?.0,
            None => options.connect(url).await?,
        };
        POSTGRES_MIGRATIONS.run(&pool).await.map_err(|e| StoreError::Database(format!("migrating: {e}")))?;
        let status = postgres_migration_status(&pool).await;
        pool.close().await;
        status
    }

    /// A read transaction that sees one snapshot of the whole database. A SQLite read transaction is one already;
    /// PostgreSQL's default isolation takes a new snapshot per statement, so a world read table by table could mix
    /// two writes.
    pub(super) async fn snapshot(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        let mut tx = self.reader.begin().await?;
        if self.backend.is_postgres() {
            tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
        }
        Ok(tx)
    }

    /// Begins a write transaction on the writer pool.
    pub(super) async fn write(&self) -> StoreResult<WriteTx> {
        WriteTx::begin(&self.writer, self.backend).await
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

/// A write transaction: begun with a plain `BEGIN` and ended only by [`WriteTx::commit`] or [`WriteTx::rollback`].
///
/// sqlx's own transactions count their depth in the connection and turn a `begin` inside an unfinished transaction
/// into a savepoint. When SQLite fails a write because the disk is full, it may roll the transaction back by itself;
/// sqlx's count then disagrees with the database, and every later "transaction" on that connection became a
/// savepoint whose release committed nothing durable, while the client was told it was stored. Here there is no
/// count to go wrong: a `BEGIN` inside an open transaction fails instead of nesting, so a `COMMIT` that succeeds
/// always ends a transaction this value began.
///
/// Dropping a transaction that was not committed (an error returned with `?`) rolls it back and retires the
/// connection, so a connection whose state is in doubt is never used again. The in-memory database's one connection
/// cannot be retired (the database lives in it); it is rolled back, and a `BEGIN` that fails later starts over.
pub(super) struct WriteTx {
    connection: Option<PoolConnection<Any>>,
    backend: Backend,
}

impl WriteTx {
    pub(super) async fn begin(pool: &AnyPool, backend: Backend) -> StoreResult<WriteTx> {
        let connection = pool.acquire().await?;
        let mut tx = WriteTx { connection: Some(connection), backend };
        // SQLite: take the write lock now rather than at the first write, so the transaction cannot fail half-way
        // for want of it.
        let begin = if backend.is_postgres() { "BEGIN" } else { "BEGIN IMMEDIATE" };
        match tx.execute(begin).await {
            Ok(_) => Ok(tx),
            Err(error) if backend == Backend::SqliteMemory => {
                // A rollback that failed left the one connection inside a transaction nobody acknowledged: end it
                // and begin again.
                tracing::warn!(%error, "beginning a write failed; rolling back what the connection still held");
                tx.execute("ROLLBACK").await.ok();
                tx.execute(begin).await?;
                Ok(tx)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Commits. On failure nothing was committed, and the connection is rolled back and retired.
    pub(super) async fn commit(mut self) -> StoreResult<()> {
        self.execute("COMMIT").await?;
        // Committed: the connection goes back to the pool as it came.
        self.connection.take();
        Ok(())
    }

    /// Rolls back now (the caller wants to read on the same pool next, which a pending rollback would block).
    pub(super) async fn rollback(mut self) -> StoreResult<()> {
        let mut connection = self.connection.take().expect("a write transaction holds its connection until it ends");
        let rolled_back = connection.execute("ROLLBACK").await;
        if rolled_back.is_err() && self.backend != Backend::SqliteMemory {
            connection.close_on_drop();
        }
        rolled_back.map(|_| ()).map_err(StoreError::from)
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        self.connection.as_deref().expect("a write transaction holds its connection until it ends")
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.connection.as_deref_mut().expect("a write transaction holds its connection until it ends")
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        let Some(mut connection) = self.connection.take() else { return };
        let retire = self.backend != Backend::SqliteMemory;
        match tokio::runtime::Handle::try_current() {
            // The rollback runs while the connection is still checked out, so the next writer (the pool has one on
            // SQLite) waits for it rather than finding the transaction open.
            Ok(runtime) => {
                runtime.spawn(async move {
                    // SQLite rolls back by itself on some errors (a full disk among them); then there is nothing left
                    // to roll back, which is no failure.
                    match connection.execute("ROLLBACK").await {
                        Err(error) if !error.to_string().contains("no transaction is active") => {
                            tracing::warn!(%error, "rolling back a failed write")
                        }
                        _ => {}
                    }
                    if retire {
                        connection.close_on_drop();
                    }
                });
            }
            Err(_) => connection.close_on_drop(),
        }
    }
}
