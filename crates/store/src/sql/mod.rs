//! The store over SQL: one implementation for the embedded SQLite database and for a shared PostgreSQL one.
//!
//! Both go through sqlx's `Any` driver, so every query, transaction and invariant is written once; statements use
//! `$N` placeholders, which both databases accept, and the few places where the databases differ ask [`Backend`].
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
//!
//! # Layout
//!
//! - `connection`: opening each database, migrations, read snapshots and write transactions ([`Backend`]).
//! - `statement`: statements built piece by piece, and multi-row inserts.
//! - `bulk`: reading every policy at startup through the database's own driver.
//! - `changes`: the change log and its revisions.
//! - `group`: group commit, the writer task that concurrent writes share a transaction through.
//! - `accounts`, `identities`, `policies`, `world`, `events`: the rows of each concern.
//! - [`listen`]: following other replicas' writes on PostgreSQL.
//! - `failover`: a PostgreSQL URL naming several hosts, and following the primary when it fails over.
//!
//! This file holds [`SqlStore`] and the [`Store`] implementation, which hands each operation to its concern and
//! keeps track of whether writes are failing for reasons outside any request (a full disk, an I/O error, a lost
//! database), for readiness. With several hosts, each operation first makes sure the pool points at the primary.

mod access_groups;
mod accounts;
mod bulk;
mod changes;
mod connection;
mod custom_roles;
mod events;
mod failover;
mod group;
mod identities;
pub mod listen;
mod policies;
mod reset;
mod state;
mod statement;
mod world;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use hubspoke_iam::{AccountId, CustomRole, Policy};
use sqlx::AnyPool;

use identities::KeyLookup;

use crate::{
    AccessGroupSet, AccessGroupWrite, AccountRecord, ApiKeyRecord, Change, EntityKind, EventQuery, EventRecord,
    IdentityKeyRecord, IdentityWrite, JointWrite, PolicyPage, PolicyQuery, ResetScope, Revision, ServiceIdRecord,
    SigningKeyRecord, StateSnapshot, Store, StoreError, StoreResult, UserRecord, WorldWrite,
};
use hubspoke_vpc::world::Entity;

pub use connection::{Backend, MigrationStatus, PoolSettings};
pub use failover::UrlError;

use failover::Failover;
use group::GroupCommit;

/// The channel every PostgreSQL write notifies with its revision.
pub(crate) const CHANGES_CHANNEL: &str = "hubspoke_changes";

/// After a write failed for want of disk or database, readiness waits this long before trying a write of its own:
/// long enough that a caller who just saw the failure also sees "not ready", short enough that recovery is prompt.
const PROBE_INTERVAL: Duration = Duration::from_secs(2);

/// The store: SQLite or PostgreSQL behind one implementation.
#[derive(Debug)]
pub struct SqlStore {
    backend: Backend,
    writer: AnyPool,
    reader: AnyPool,
    /// The writer task that the frequent writes (policies, the VPC world, events) go through together.
    group: GroupCommit,
    /// The PostgreSQL URL, for the notification listener's own connection.
    url: Option<String>,
    /// With a URL naming several PostgreSQL hosts: which of them is the primary.
    failover: Option<Arc<Failover>>,
    /// With several hosts: the one the pool's new connections go to.
    pool_host: AtomicUsize,
    /// The last write failure that was not the request's fault, and when; cleared by the next successful write.
    outage: Mutex<Option<(StoreError, Instant)>>,
}

impl SqlStore {
    fn assemble(backend: Backend, writer: AnyPool, reader: AnyPool) -> SqlStore {
        SqlStore {
            backend,
            group: GroupCommit::start(writer.clone(), backend),
            writer,
            reader,
            url: None,
            failover: None,
            pool_host: AtomicUsize::new(0),
            outage: Mutex::new(None),
        }
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs one operation. With several hosts, the pool is first pointed at the primary if it may have moved (and
    /// the operation fails at once when no host accepts writes), and a failure suggesting that the primary went
    /// away makes the next operation look for it again.
    async fn run<T>(&self, operation: impl Future<Output = StoreResult<T>>) -> StoreResult<T> {
        let Some(failover) = &self.failover else { return operation.await };
        let primary = failover.primary().await?;
        if self.pool_host.swap(primary, Ordering::Relaxed) != primary {
            // PostgreSQL reads and writes share one pool. Connections already open to the old primary are not
            // closed here: they failed with it, and the pool tests idle ones before handing them out.
            self.writer.set_connect_options(failover.any_options(primary));
        }
        let result = operation.await;
        if matches!(&result, Err(error) if error.is_outage()) {
            failover.suspect();
        }
        result
    }

    /// Runs one write ([`SqlStore::run`]) and notes how it ended ([`SqlStore::track`]).
    async fn run_write<T>(&self, operation: impl Future<Output = StoreResult<T>>) -> StoreResult<T> {
        let result = self.run(operation).await;
        self.track(result)
    }

    /// Notes how a write ended: an outage is remembered until a write succeeds.
    fn track<T>(&self, result: StoreResult<T>) -> StoreResult<T> {
        let mut outage = self.outage.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match &result {
            Ok(_) => *outage = None,
            Err(error) if error.is_outage() => {
                if outage.is_none() {
                    tracing::error!(%error, "writes are failing");
                }
                *outage = Some((error.clone(), Instant::now()));
            }
            Err(_) => {}
        }
        result
    }
}

#[async_trait]
impl Store for SqlStore {
    fn kind(&self) -> &'static str {
        match self.backend {
            Backend::SqliteFile | Backend::SqliteMemory => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    async fn revision(&self) -> StoreResult<Revision> {
        self.run(self.newest_revision()).await
    }

    async fn changes_since(&self, after: Revision, limit: u32) -> StoreResult<Vec<Change>> {
        self.run(self.read_changes(after, limit)).await
    }

    async fn writable(&self) -> StoreResult<()> {
        let recorded = self.outage.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        match recorded {
            None => Ok(()),
            Some((error, at)) if at.elapsed() < PROBE_INTERVAL => Err(error),
            Some(_) => self.run_write(self.probe()).await,
        }
    }

    async fn create_account(
        &self,
        account: &AccountRecord,
        administrator: &UserRecord,
        admin_key: &IdentityKeyRecord,
        digest: &str,
    ) -> StoreResult<Revision> {
        self.run_write(self.insert_account(account, administrator, admin_key, digest)).await
    }

    async fn list_accounts(&self) -> StoreResult<Vec<AccountRecord>> {
        self.run(self.read_accounts()).await
    }

    async fn account(&self, id: &AccountId) -> StoreResult<Option<AccountRecord>> {
        self.run(self.read_account(id)).await
    }

    async fn ensure_operator_key(&self, key: &ApiKeyRecord) -> StoreResult<()> {
        self.run_write(self.insert_operator_key(key)).await
    }

    async fn api_key(&self, digest: &str) -> StoreResult<Option<ApiKeyRecord>> {
        self.run(self.read_api_key(digest)).await
    }

    async fn users(&self, account: &AccountId) -> StoreResult<Vec<UserRecord>> {
        self.run(self.read_users(account)).await
    }

    async fn service_ids(&self, account: &AccountId) -> StoreResult<Vec<ServiceIdRecord>> {
        self.run(self.read_service_ids(Some(account), None)).await
    }

    async fn service_id(&self, id: &str) -> StoreResult<Option<ServiceIdRecord>> {
        Ok(self.run(self.read_service_ids(None, Some(id))).await?.pop())
    }

    async fn identity_keys(&self, account: &AccountId) -> StoreResult<Vec<IdentityKeyRecord>> {
        self.run(self.read_identity_keys(KeyLookup::Account(account))).await
    }

    async fn identity_key(&self, id: &str) -> StoreResult<Option<IdentityKeyRecord>> {
        Ok(self.run(self.read_identity_keys(KeyLookup::Id(id))).await?.pop())
    }

    async fn identity_key_by_digest(&self, digest: &str) -> StoreResult<Option<IdentityKeyRecord>> {
        Ok(self.run(self.read_identity_keys(KeyLookup::Digest(digest))).await?.pop())
    }

    async fn write_identities(&self, account: &AccountId, writes: &[IdentityWrite], at: i64) -> StoreResult<Revision> {
        self.run_write(self.apply_identity_writes(account, writes, at)).await
    }

    async fn signing_key(&self) -> StoreResult<Option<SigningKeyRecord>> {
        self.run(self.read_signing_key()).await
    }

    async fn signing_key_or_insert(&self, candidate: &SigningKeyRecord, now: i64) -> StoreResult<SigningKeyRecord> {
        self.run_write(self.insert_signing_key(candidate, now)).await
    }

    async fn insert_policy(&self, policy: &Policy, events: &[EventRecord]) -> StoreResult<Revision> {
        self.run_write(SqlStore::insert_policy(self, policy, events)).await
    }

    async fn import_policies(&self, policies: &[Policy]) -> StoreResult<Revision> {
        self.run_write(self.insert_policies(policies)).await
    }

    async fn update_policy(&self, policy: &Policy, events: &[EventRecord]) -> StoreResult<Revision> {
        self.run_write(SqlStore::update_policy(self, policy, events)).await
    }

    async fn policy(&self, id: &str) -> StoreResult<Option<Policy>> {
        self.run(self.read_policy(id)).await
    }

    async fn list_policies(&self, query: &PolicyQuery) -> StoreResult<PolicyPage> {
        self.run(self.read_policy_page(query)).await
    }

    async fn all_policies(&self) -> StoreResult<(Vec<Policy>, Revision)> {
        self.run(self.read_all_policies()).await
    }

    async fn insert_custom_role(&self, role: &CustomRole, events: &[EventRecord]) -> StoreResult<Revision> {
        self.run_write(SqlStore::insert_custom_role(self, role, events)).await
    }

    async fn update_custom_role(&self, role: &CustomRole, events: &[EventRecord]) -> StoreResult<Revision> {
        self.run_write(SqlStore::update_custom_role(self, role, events)).await
    }

    async fn delete_custom_role(&self, role: &CustomRole, at: i64, events: &[EventRecord]) -> StoreResult<Revision> {
        self.run_write(self.remove_custom_role(role, at, events)).await
    }

    async fn custom_role(&self, id: &str) -> StoreResult<Option<CustomRole>> {
        self.run(self.read_custom_role(id)).await
    }

    async fn all_custom_roles(&self) -> StoreResult<Vec<CustomRole>> {
        self.run(self.read_custom_roles()).await
    }

    async fn load_world(&self) -> StoreResult<(Vec<Entity>, Revision)> {
        self.run(async {
            let mut tx = self.snapshot().await?;
            let loaded = world::load(&mut tx).await?;
            tx.commit().await?;
            Ok(loaded)
        })
        .await
    }

    async fn write_world(
        &self,
        based_on: Revision,
        writes: &[WorldWrite],
        events: &[EventRecord],
    ) -> StoreResult<Revision> {
        self.run_write(world::write(self, based_on, writes, events)).await
    }

    async fn record_events(&self, records: &[EventRecord]) -> StoreResult<Revision> {
        let (records, backend) = (records.to_vec(), self.backend);
        let recorded = self.group.write(move |connection, _| {
            Box::pin(async move {
                events::insert(connection, &records).await?;
                let first = records.first().map(|e| e.id.clone()).unwrap_or_default();
                let at = records.first().map(|e| e.at).unwrap_or_default();
                changes::append_change(connection, backend, EntityKind::Event, &first, at).await
            })
        });
        self.run_write(recorded).await
    }

    async fn list_events(&self, query: &EventQuery) -> StoreResult<(Vec<EventRecord>, u64)> {
        self.run(async {
            let mut tx = self.snapshot().await?;
            let page = events::list(&mut tx, query).await?;
            tx.commit().await?;
            Ok(page)
        })
        .await
    }

    async fn access_groups(&self, account: &AccountId) -> StoreResult<AccessGroupSet> {
        self.run(self.read_access_groups(account)).await
    }

    async fn write_access_groups(
        &self,
        account: &AccountId,
        writes: &[AccessGroupWrite],
        at: i64,
    ) -> StoreResult<Revision> {
        self.run_write(self.write_access_group_rows(account, writes, at)).await
    }

    async fn write_access_groups_with(
        &self,
        account: &AccountId,
        write: &JointWrite,
        at: i64,
    ) -> StoreResult<Revision> {
        self.run_write(self.write_joint_rows(account, write, at)).await
    }

    async fn reset(&self, scope: &ResetScope, at: i64) -> StoreResult<Revision> {
        self.run_write(self.reset_rows(scope, at)).await
    }

    async fn export_state(&self) -> StoreResult<StateSnapshot> {
        self.run(self.export_rows()).await
    }

    async fn import_state(
        &self,
        snapshot: &StateSnapshot,
        check: &(dyn Fn(Vec<hubspoke_vpc::world::Entity>) -> Result<(), String> + Send + Sync),
        at: i64,
    ) -> StoreResult<Revision> {
        self.run_write(self.import_rows(snapshot, check, at)).await
    }
}

#[cfg(test)]
mod tests;
