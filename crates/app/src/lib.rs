//! hubspoke's use cases: what each API operation does, over the store and the pure domain crates.
//!
//! # Layout
//!
//! - [`App`]: the shared state every operation runs against (store, role catalog, decision index).
//! - [`access`]: who may perform an operation: its IAM action on its resource, decided by access policies.
//! - [`access_groups`]: access groups, their members and dynamic rules, and the account's group settings.
//! - [`identity`]: API keys, accounts, the operator key and the token signing key.
//! - [`policies`]: creating, reading, listing, replacing, deleting and restoring authorization policies.
//! - [`decisions`]: asking the engine, with the caller's right to ask checked.
//! - [`replica`]: the in-memory decision index and how it follows the store's change log; [`follow`] keeps it
//!   current with other replicas' writes; [`revision`] tells the api which revision a request wrote.
//!
//! Functions here speak domain types; they know neither HTTP nor JSON (the api crate maps them) nor SQL (the store
//! crate does). Every write returns the revision it produced, and the index has caught up to that revision before the
//! function returns, so a caller always reads its own writes.

pub mod access;
pub mod access_groups;
pub mod access_search;
pub mod custom_roles;
pub mod decisions;
pub mod error;
pub mod events;
pub mod follow;
pub mod global_catalog;
pub mod identities;
pub mod identity;
pub(crate) mod kept;
pub mod network;
pub mod paging;
pub mod policies;
pub mod policy_book;
pub mod precondition;
pub mod replica;
pub mod reset;
pub mod revision;
pub mod state;
pub mod status;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use hubspoke_iam::RoleCatalog;
use hubspoke_store::Store;

pub use error::{AppError, AppResult, StorageFailure};
pub use replica::Replica;

/// Settings of the application that come from the command line.
#[derive(Clone, Debug)]
pub struct Settings {
    /// What enforcement points do with refusals.
    pub enforcement: hubspoke_vpc::Enforcement,
    /// How long new or changed bindings and gateways stay `pending`/`updating`, in milliseconds.
    pub propagation_delay_ms: i64,
    /// How long a new or changed policy takes to count in decisions, in milliseconds (IAM's propagation).
    pub iam_propagation_delay_ms: i64,
    /// The region of requests whose base path names none (`/v1/…`).
    pub region: &'static hubspoke_vpc::region::Region,
}

/// The state shared by every operation.
pub struct App {
    store: Arc<dyn Store>,
    catalog: RoleCatalog,
    replica: Replica,
    settings: Settings,
    world_writes: tokio::sync::Mutex<()>,
    /// Held while an access-group change is judged and written, so limits across groups see the state it lands on.
    group_writes: tokio::sync::Mutex<()>,
    data_plane: std::sync::OnceLock<Arc<hubspoke_dns::DataPlane>>,
    /// What `serve --init` is still applying; the server is not ready until it is done.
    initializing: std::sync::Mutex<Option<String>>,
    /// Identities' access groups as last read, with the revision they were read at (see `access::GroupCache`).
    group_cache: access::GroupCache,
    /// VPCs' read models, by VPC and reader, for the current world (see `kept`).
    kept_vpcs: kept::KeptReads<hubspoke_vpc::World, network::vpcs::ReadKey, network::vpcs::VpcRead>,
    /// Pages of VPCs, by reader, region, filter and page, for the current world.
    kept_vpc_pages:
        kept::KeptReads<hubspoke_vpc::World, network::vpcs::PageKey, paging::Page<Arc<network::vpcs::VpcRead>>>,
    /// Policy list pages as an account's administrator reads them, by query, for the current policy book.
    kept_policy_pages: kept::KeptReads<policy_book::PolicyBook, hubspoke_store::PolicyQuery, policies::PolicyListPage>,
}

impl App {
    /// Loads the decision index and the VPC world from the store and returns the ready application.
    pub async fn start(store: Arc<dyn Store>, settings: Settings) -> AppResult<App> {
        let catalog = RoleCatalog;
        let replica = Replica::load(store.as_ref(), &catalog).await?;
        Ok(App {
            store,
            catalog,
            replica,
            settings,
            world_writes: tokio::sync::Mutex::new(()),
            group_writes: tokio::sync::Mutex::new(()),
            data_plane: std::sync::OnceLock::new(),
            initializing: std::sync::Mutex::new(None),
            group_cache: access::GroupCache::default(),
            // Every VPC of a few hundred busy accounts; a VPC's read model is a few hundred bytes.
            kept_vpcs: kept::KeptReads::with_capacity(16_384),
            // A page is a hundred pointers; pages of other worlds are dropped with their generation.
            kept_vpc_pages: kept::KeptReads::with_capacity(1_024),
            kept_policy_pages: kept::KeptReads::with_capacity(1_024),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The store, for the health endpoint.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The role catalog.
    pub fn catalog(&self) -> &RoleCatalog {
        &self.catalog
    }

    /// The decision index follower.
    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// Brings the decision index up to at least `revision`, the revision of a write this request made.
    async fn caught_up(&self, revision: u64) -> AppResult<()> {
        revision::record(revision);
        self.replica.sync_to(self.store.as_ref(), &self.catalog, revision).await
    }

    /// Like [`App::caught_up`] for a VPC-domain write whose world this process has published.
    async fn caught_up_with_world(&self, revision: u64) -> AppResult<()> {
        revision::record(revision);
        self.replica.advance_own_world(self.store.as_ref(), &self.catalog, revision).await
    }

    /// Like [`App::caught_up`] for a policy this request wrote: the index takes it in without reading it back.
    async fn caught_up_with(&self, revision: u64, policy: &hubspoke_iam::Policy) -> AppResult<()> {
        revision::record(revision);
        self.replica.apply_own(self.store.as_ref(), &self.catalog, revision, policy).await
    }

    /// Brings the index and the world up to at least `revision` before a read (a client that wrote through another
    /// replica asks for its own writes). A revision the database has not reached is refused, not waited for: every
    /// revision a write reported is already committed, so a larger one can only be a mistake.
    pub async fn catch_up(&self, revision: u64) -> AppResult<()> {
        self.replica.sync_to(self.store.as_ref(), &self.catalog, revision).await?;
        let current = self.replica.revision();
        if current < revision {
            return Err(AppError::RevisionNotReached { wanted: revision, current });
        }
        Ok(())
    }

    /// Brings the index and the world up to everything committed so far.
    pub async fn catch_up_to_store(&self) -> AppResult<()> {
        let newest = self.store.revision().await?;
        self.replica.sync_to(self.store.as_ref(), &self.catalog, newest).await
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_millis() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}
