//! Persistence for hubspoke: the [`Store`] interface, its SQL implementation (SQLite or PostgreSQL) and the change log.
//!
//! # Layout
//!
//! - [`Store`]: domain-shaped operations (not generic CRUD); every write is one transaction that also appends to the
//!   change log and returns the new [`Revision`].
//! - [`sql`]: the implementation, over the embedded SQLite database (a file in a data directory, or memory for
//!   `--ephemeral`) or a shared PostgreSQL one; `sql::listen` follows other replicas' writes on PostgreSQL.
//! - `codec`: how attribute values and enums are spelled in columns.
//!
//! This crate is the only one that knows SQL. It knows nothing of HTTP or JSON.

mod codec;
pub mod sql;

use async_trait::async_trait;
use hubspoke_iam::{AccountId, CustomRole, Policy, PolicyId, PolicyKind, PolicyState};
use hubspoke_vpc::EntityKey;
use hubspoke_vpc::world::Entity;
use thiserror::Error;

pub use hubspoke_vpc::world::Entity as WorldEntity;
pub use sql::listen::{ChangeListener, Heard};
pub use sql::{Backend, MigrationStatus, PoolSettings, SqlStore, UrlError};

/// The position of a write in the change log. Revisions only grow.
pub type Revision = u64;

/// Why a store operation failed.
#[derive(Clone, Debug, Error)]
pub enum StoreError {
    /// An active policy with the same attributes and roles already exists.
    #[error("an active policy with identical attributes and roles already exists: `{existing}`")]
    DuplicatePolicy {
        /// The id of the existing policy.
        existing: PolicyId,
    },
    /// A custom role with the same name exists in the account.
    #[error("a custom role named `{name}` already exists in the account")]
    DuplicateCustomRole {
        /// The name.
        name: String,
    },
    /// Active policies name the custom role to delete.
    #[error("the custom role is granted by active policies: {}", policies.join(", "))]
    RoleInUse {
        /// The ids of the policies.
        policies: Vec<PolicyId>,
    },
    /// The row to change does not exist.
    #[error("`{0}` was not found")]
    NotFound(String),
    /// Another VPC-domain write committed since the world the change was computed from.
    #[error("the VPC state moved from revision {based_on} to {current} while the change was being made")]
    WorldMoved {
        /// The revision the change was based on.
        based_on: Revision,
        /// The current revision.
        current: Revision,
    },
    /// The row changed since the caller read it (optimistic concurrency).
    #[error("`{id}` is at version {current}, not at the version the change was based on")]
    Stale {
        /// The row.
        id: String,
        /// Its current version.
        current: u32,
    },
    /// The database failed.
    #[error("the database failed: {0}")]
    Database(String),
    /// The database cannot be reached now (it is down, restarting, read-only after a failover, or every connection
    /// is busy); retrying later may succeed, and nothing was written.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The disk (or the database server's) is full: nothing was written, and writes fail until space is freed.
    #[error("the database's disk is full: {0}")]
    StorageFull(String),
    /// Reading or writing the database's files failed: nothing was written.
    #[error("the database could not read or write its files: {0}")]
    Io(String),
    /// Concurrent writes kept invalidating this one; nothing was written, and trying again may succeed.
    #[error("the write kept conflicting with concurrent writes: {0}")]
    Contended(String),
    /// The PostgreSQL database's schema lacks migrations this build needs (or went another way).
    #[error(
        "the database is at migration {}, this build needs {}: run `hubspoke migrate --database-url <URL>` first",
        applied.map_or("none".to_owned(), |v| v.to_string()),
        known.last().map_or("none".to_owned(), |v| v.to_string())
    )]
    NotMigrated {
        /// The newest migration applied, if any.
        applied: Option<i64>,
        /// The migrations this build knows.
        known: Vec<i64>,
    },
    /// The database holds data this build cannot read.
    #[error("the database holds unreadable data: {0}")]
    Corrupt(String),
    /// A state to load was refused (another schema version, unknown tables or columns, rows the database's
    /// constraints or the VPC rules refuse); nothing was written.
    #[error("the state cannot be loaded: {0}")]
    Rejected(String),
    /// The database URL cannot be used (a multi-host URL that is malformed or asks for a standby).
    #[error("the database URL is not usable: {0}")]
    Url(#[from] UrlError),
}

impl StoreError {
    /// Whether the failure lies outside the request (the disk, the files, the database server), so that writes may
    /// keep failing until an operator or time fixes it: readiness reports it.
    pub fn is_outage(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::StorageFull(_) | StoreError::Io(_))
    }

    /// Whether the write was refused for what it asked, against rows as they are (nothing went wrong with the
    /// database itself).
    pub(crate) fn is_refusal(&self) -> bool {
        matches!(
            self,
            StoreError::DuplicatePolicy { .. }
                | StoreError::DuplicateCustomRole { .. }
                | StoreError::RoleInUse { .. }
                | StoreError::NotFound(_)
                | StoreError::WorldMoved { .. }
                | StoreError::Stale { .. }
                | StoreError::Contended(_)
        )
    }
}

/// How SQLite's result code classifies (the primary code is the low byte of the extended one).
fn classify_sqlite(code: i64, message: String) -> StoreError {
    match code & 0xff {
        // SQLITE_FULL
        13 => StoreError::StorageFull(message),
        // SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_READONLY: the files or their directory stopped being usable.
        10 | 14 | 8 => StoreError::Io(message),
        // SQLITE_CORRUPT, SQLITE_NOTADB
        11 | 26 => StoreError::Corrupt(message),
        _ => StoreError::Database(message),
    }
}

/// How a PostgreSQL SQLSTATE classifies.
fn classify_postgres(code: &str, message: String) -> StoreError {
    match code {
        "53100" => StoreError::StorageFull(message),
        "58030" => StoreError::Io(message),
        // Lost connections (class 08), shutdown and start-up (57P0x), too many connections or no memory (class 53),
        // and a server that became a read-only standby (25006) pass, or are fixed by pointing at the new primary.
        _ if code.starts_with("08") || code.starts_with("57P0") || code.starts_with("53") || code == "25006" => {
            StoreError::Unavailable(message)
        }
        _ => StoreError::Database(message),
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        match &error {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => {
                StoreError::Unavailable(error.to_string())
            }
            sqlx::Error::Database(database) => {
                let code = database.code().map(|code| code.into_owned()).unwrap_or_default();
                if database.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                    classify_sqlite(code.parse().unwrap_or_default(), error.to_string())
                } else {
                    classify_postgres(&code, error.to_string())
                }
            }
            _ => StoreError::Database(error.to_string()),
        }
    }
}

/// The whole state as rows: every table a snapshot holds, in the order a load inserts them (parents first).
#[derive(Clone, Debug, PartialEq)]
pub struct StateSnapshot {
    /// The schema migration the rows follow.
    pub schema_version: i64,
    /// The tables.
    pub tables: Vec<TableRows>,
}

/// One table's rows.
#[derive(Clone, Debug, PartialEq)]
pub struct TableRows {
    /// The table.
    pub name: String,
    /// Its columns, in the schema's order.
    pub columns: Vec<String>,
    /// The rows, one value per column.
    pub rows: Vec<Vec<Cell>>,
}

/// One stored value: the schema holds only integers and text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    /// `NULL`.
    Null,
    /// An integer.
    Integer(i64),
    /// Text.
    Text(String),
}

/// Shorthand for results of store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// An account as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRecord {
    /// The account id.
    pub id: AccountId,
    /// Its display name.
    pub name: String,
    /// Creation time, milliseconds since the epoch.
    pub created_at: i64,
}

/// Whose key an API key is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyOwner {
    /// The hubspoke operator.
    Operator,
    /// The administrator of an account.
    AccountAdministrator(AccountId),
    /// Another identity of an account: a user who is not its administrator, or a service ID.
    AccountIdentity(AccountId),
}

/// An API key as stored: only its digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// SHA-256 of the key, lowercase hex.
    pub digest: String,
    /// The IAM id the key authenticates as.
    pub iam_id: String,
    /// Operator or account administrator.
    pub owner: KeyOwner,
    /// Creation time, milliseconds since the epoch.
    pub created_at: i64,
}

/// A user of an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    /// The account.
    pub account: AccountId,
    /// `IBMid-…`.
    pub iam_id: String,
    /// The e-mail address, which is also the user's login name.
    pub email: String,
    /// Given name.
    pub firstname: String,
    /// Family name.
    pub lastname: String,
    /// `PROCESSING`, `PENDING` or `ACTIVE`.
    pub state: String,
    /// Whether this is the account's administrator (one per account).
    pub administrator: bool,
    /// When the user joined the account, milliseconds since the epoch.
    pub added_on: i64,
}

/// A service ID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceIdRecord {
    /// `ServiceId-<uuid>`.
    pub id: String,
    /// The account.
    pub account: AccountId,
    /// Its name (not unique).
    pub name: String,
    /// Its description, if it has one.
    pub description: Option<String>,
    /// The CRNs of the service instances it stands for.
    pub unique_instance_crns: Vec<String>,
    /// Whether it is locked against changes.
    pub locked: bool,
    /// Counts changes; the entity tag is derived from it.
    pub version: i64,
    /// The IAM id of who created it.
    pub created_by: String,
    /// Creation time, milliseconds since the epoch.
    pub created_at: i64,
    /// Last change, milliseconds since the epoch.
    pub modified_at: i64,
}

/// An API key of a user or a service ID, as IBM shows it; its secret is stored as a digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityKeyRecord {
    /// `ApiKey-<uuid>`.
    pub id: String,
    /// The account.
    pub account: AccountId,
    /// The IAM id the key authenticates.
    pub iam_id: String,
    /// Its name.
    pub name: String,
    /// Its description, if it has one.
    pub description: Option<String>,
    /// The IAM id of who created it.
    pub created_by: String,
    /// Whether it is locked against changes.
    pub locked: bool,
    /// Counts changes; the entity tag is derived from it.
    pub version: i64,
    /// Creation time, milliseconds since the epoch.
    pub created_at: i64,
    /// Last change, milliseconds since the epoch.
    pub modified_at: i64,
    /// The secret in clear, kept only for a service ID's key created with `store_value`.
    pub stored_value: Option<String>,
    /// `none`, `disable` or `delete`.
    pub action_when_leaked: String,
    /// When it expires (`yyyy-MM-ddTHH:mm+0000`), if it does.
    pub expires_at: Option<String>,
    /// Whether it may be used for support sessions.
    pub support_sessions: bool,
}

/// One write to an account's identities; [`Store::write_identities`] applies a list of them in one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdentityWrite {
    /// Adds a user.
    InsertUser(UserRecord),
    /// Replaces a user's profile (matched by account and IAM id).
    UpdateUser(UserRecord),
    /// Removes a user and the API keys that authenticate it.
    DeleteUser(String),
    /// Adds a service ID.
    InsertServiceId(ServiceIdRecord),
    /// Replaces a service ID whose stored version is `expected`; [`StoreError::Stale`] otherwise.
    UpdateServiceId {
        /// The new content.
        record: ServiceIdRecord,
        /// The version it replaces.
        expected: i64,
    },
    /// Removes a service ID and its API keys.
    DeleteServiceId(String),
    /// Adds an API key with the digest of its secret.
    InsertKey {
        /// The key.
        record: IdentityKeyRecord,
        /// SHA-256 of the secret, lowercase hex.
        digest: String,
    },
    /// Replaces an API key whose stored version is `expected`; [`StoreError::Stale`] otherwise.
    UpdateKey {
        /// The new content.
        record: IdentityKeyRecord,
        /// The version it replaces.
        expected: i64,
    },
    /// Removes an API key.
    DeleteKey(String),
}

/// The key tokens are signed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningKeyRecord {
    /// The key id published in the JWKS and in token headers.
    pub kid: String,
    /// The RSA private key, PKCS#8 PEM.
    pub private_key_pem: String,
}

/// What kind of entity a change touched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntityKind {
    /// An account, or its identities (users, service IDs, API keys).
    Account,
    /// A policy (authorization or access).
    Policy,
    /// A custom role.
    CustomRole,
    /// A write to the VPC domain (the id is the first entity it touched).
    World,
    /// Activity events recorded on their own (refusals).
    Event,
    /// A reset: the id is the account reset, or `*` for every account. Followers reload everything.
    Reset,
    /// A write to an account's access groups (the id is the first group or rule it touched).
    AccessGroup,
}

/// What a reset removes: every policy, network resource and event of one account, or of every account. Accounts and
/// their API keys stay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResetScope {
    /// Every account's.
    Everything,
    /// One account's (and the bindings that involve it).
    Account(AccountId),
}

/// How an activity ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventOutcome {
    /// It happened.
    Success,
    /// It was refused.
    Refused,
    /// It was refused by the decision engine but `--enforcement soft` let it happen.
    Waived,
}

impl EventOutcome {
    /// The spelling in storage and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            EventOutcome::Success => "success",
            EventOutcome::Refused => "refused",
            EventOutcome::Waived => "waived",
        }
    }
}

/// One entry of the activity log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRecord {
    /// A unique id.
    pub id: String,
    /// Its position in the log, set by the store when it is written (the value given is ignored).
    pub sequence: i64,
    /// When, in milliseconds since the epoch.
    pub at: i64,
    /// The IAM id of who acted.
    pub actor: String,
    /// The account it happened in.
    pub account: Option<String>,
    /// The other account involved (a binding's other side), which may also see it.
    pub other_account: Option<String>,
    /// What was done, for example `is.vpc.dns-resolution-binding.create` or `iam.policy.delete`.
    pub action: String,
    /// The kind of resource, for example `dns_resolution_binding`.
    pub target_kind: String,
    /// The resource id.
    pub target_id: String,
    /// How it ended.
    pub outcome: EventOutcome,
    /// Why: the decision engine's explanation, or the rule that refused it.
    pub reason: String,
}

/// Which events to list, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventQuery {
    /// Only events this account may see (its own or naming it as the other account); all when unset.
    pub account: Option<String>,
    /// Only events older than the one at this position (the page after it).
    pub before: Option<i64>,
    /// At most this many.
    pub limit: u64,
}

/// One change to persist in the VPC domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorldWrite {
    /// Insert or replace an entity (with its child rows).
    Put(Entity),
    /// Delete an entity (with its child rows).
    Delete(EntityKey),
}

/// One entry of the change log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Its position.
    pub revision: Revision,
    /// What it touched.
    pub entity: EntityKind,
    /// The id of what it touched; for [`EntityKind::Policy`], one policy id or, when one write changed several
    /// policies together, their ids separated by newlines.
    pub entity_id: String,
}

/// An account's access groups as stored: its groups (but the Public Access group, which is not stored), every
/// member with its group's id, every dynamic rule, and its group settings once they were first changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessGroupSet {
    /// The groups, oldest first.
    pub groups: Vec<hubspoke_iam::access_group::AccessGroup>,
    /// `(group id, member)`, oldest first.
    pub members: Vec<(String, hubspoke_iam::access_group::Member)>,
    /// The rules, oldest first.
    pub rules: Vec<hubspoke_iam::access_group::Rule>,
    /// The settings, if they were ever changed.
    pub settings: Option<hubspoke_iam::access_group::GroupSettings>,
}

impl AccessGroupSet {
    /// A stored group.
    pub fn group(&self, id: &str) -> Option<&hubspoke_iam::access_group::AccessGroup> {
        self.groups.iter().find(|group| group.id == id)
    }

    /// A group's members.
    pub fn members_of<'a>(
        &'a self,
        group_id: &'a str,
    ) -> impl Iterator<Item = &'a hubspoke_iam::access_group::Member> + 'a {
        self.members.iter().filter(move |(group, _)| group == group_id).map(|(_, member)| member)
    }

    /// A group's rules.
    pub fn rules_of<'a>(
        &'a self,
        group_id: &'a str,
    ) -> impl Iterator<Item = &'a hubspoke_iam::access_group::Rule> + 'a {
        self.rules.iter().filter(move |rule| rule.group_id == group_id)
    }

    /// The ids of the groups an iam id is a member of.
    pub fn groups_of(&self, iam_id: &str) -> Vec<String> {
        self.members.iter().filter(|(_, member)| member.iam_id == iam_id).map(|(group, _)| group.clone()).collect()
    }
}

/// One change to an account's access groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccessGroupWrite {
    /// A new group.
    InsertGroup(hubspoke_iam::access_group::AccessGroup),
    /// A group whose stored version is one less than this one's; [`StoreError::Stale`] otherwise.
    UpdateGroup(hubspoke_iam::access_group::AccessGroup),
    /// A group, with its members, rules and their conditions.
    DeleteGroup(String),
    /// A new member (a member already there stays as it is).
    InsertMember {
        /// The group.
        group_id: String,
        /// The member.
        member: hubspoke_iam::access_group::Member,
    },
    /// A member leaves a group.
    DeleteMember {
        /// The group.
        group_id: String,
        /// The member's iam id.
        iam_id: String,
    },
    /// A new rule with its conditions.
    InsertRule(hubspoke_iam::access_group::Rule),
    /// A rule whose stored version is one less than this one's, conditions replaced; [`StoreError::Stale`] otherwise.
    UpdateRule(hubspoke_iam::access_group::Rule),
    /// A rule with its conditions.
    DeleteRule(String),
    /// The account's group settings.
    PutSettings(hubspoke_iam::access_group::GroupSettings),
}

impl AccessGroupWrite {
    /// The id the change log records for this write.
    pub fn subject(&self) -> &str {
        match self {
            AccessGroupWrite::InsertGroup(group) | AccessGroupWrite::UpdateGroup(group) => &group.id,
            AccessGroupWrite::DeleteGroup(id) | AccessGroupWrite::DeleteRule(id) => id,
            AccessGroupWrite::InsertMember { group_id, .. } | AccessGroupWrite::DeleteMember { group_id, .. } => {
                group_id
            }
            AccessGroupWrite::InsertRule(rule) | AccessGroupWrite::UpdateRule(rule) => &rule.id,
            AccessGroupWrite::PutSettings(settings) => settings.account.as_str(),
        }
    }
}

/// A policy written together with other rows by [`Store::write_access_groups_with`].
#[derive(Clone, Debug, PartialEq)]
pub enum PolicyWrite {
    /// A new policy.
    Insert(Policy),
    /// A policy whose stored version is `policy.version - 1` (content, state and modification fields);
    /// [`StoreError::Stale`] otherwise.
    Replace(Policy),
}

impl PolicyWrite {
    /// The policy as written.
    pub fn policy(&self) -> &Policy {
        match self {
            PolicyWrite::Insert(policy) | PolicyWrite::Replace(policy) => policy,
        }
    }
}

/// Writes to one account that must land together: an access group deleted with the policies that name it, users
/// invited into access groups with their access policies. [`Store::write_access_groups_with`] applies them in one
/// transaction.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JointWrite {
    /// New users of the account.
    pub users: Vec<UserRecord>,
    /// Changes to the account's access groups, applied after the users are added.
    pub groups: Vec<AccessGroupWrite>,
    /// Policies of the account, written after the groups.
    pub policies: Vec<PolicyWrite>,
    /// The activity events that record it all.
    pub events: Vec<EventRecord>,
}

/// A column to sort policies by, as the list operations allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicySortField {
    /// The id.
    Id,
    /// `created_at`
    CreatedAt,
    /// `created_by_id`
    CreatedById,
    /// `last_modified_at`
    LastModifiedAt,
    /// `last_modified_by_id`
    LastModifiedById,
    /// `state`
    State,
    /// `type`: `access` or `authorization`.
    Kind,
}

/// The value of a policy's sort column.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SortValue {
    /// A time, in milliseconds.
    Int(i64),
    /// Text.
    Text(String),
}

/// Where a policy stands in a list's order: its sort column's value, then its id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PolicyKey {
    /// The sort column's value.
    pub value: SortValue,
    /// The id, which breaks ties.
    pub id: String,
}

/// Which page of a list: the first, the one after a policy, or the one before it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum PolicyPosition {
    /// From the start.
    #[default]
    First,
    /// The policies after this one.
    After(PolicyKey),
    /// The policies before this one (a `previous` link).
    Before(PolicyKey),
}

impl PolicyPosition {
    /// Whether policies follow and precede a page read from this position, given whether more were found past its
    /// end. A page reached from a neighbour has that neighbour on its other side (or had: a link to an empty page is
    /// harmless).
    pub fn page_flags(&self, more: bool) -> (bool, bool) {
        match self {
            PolicyPosition::First => (more, false),
            PolicyPosition::After(_) => (more, true),
            PolicyPosition::Before(_) => (true, more),
        }
    }
}

/// Which policies a list operation wants, and which page of them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PolicyQuery {
    /// The owning account.
    pub owner: AccountId,
    /// Only policies in this state, if set.
    pub state: Option<PolicyState>,
    /// Only policies whose resource `serviceName` is this, if set.
    pub resource_service: Option<String>,
    /// Only policies of this kind, if set.
    pub kind: Option<PolicyKind>,
    /// Only policies with each of these attributes: (side, key, value), compared exactly.
    pub attributes: Vec<(AttributeSide, String, String)>,
    /// Sort column and whether descending; by creation time when unset. The id breaks ties, ascending.
    pub sort: Option<(PolicySortField, bool)>,
    /// Where the page starts.
    pub position: PolicyPosition,
    /// At most this many policies; all when unset.
    pub limit: Option<u64>,
}

/// Which side of a policy an attribute filter looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttributeSide {
    /// The subject.
    Subject,
    /// The resource.
    Resource,
}

/// One page of a policy list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyPage {
    /// The policies of the page, in the list's order.
    pub policies: Vec<Policy>,
    /// Whether policies follow the page.
    pub more_after: bool,
    /// Whether policies precede the page.
    pub more_before: bool,
}

/// Everything hubspoke keeps. Implementations must make every write one transaction that appends to the change log.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`, for the health endpoint and the banner.
    fn kind(&self) -> &'static str;

    /// The newest revision in the change log (0 when empty).
    async fn revision(&self) -> StoreResult<Revision>;

    /// Changes after `after`, oldest first, at most `limit` of them.
    async fn changes_since(&self, after: Revision, limit: u32) -> StoreResult<Vec<Change>>;

    /// Whether writes succeed: after a write failed for a reason outside the request (a full disk, an I/O error, a
    /// lost database), that failure until a write succeeds again. The store tries a write of its own when the failure
    /// is more than a moment old, so a store that recovered says so without waiting for a client's write.
    async fn writable(&self) -> StoreResult<()>;

    /// Creates an account together with its administrator (a user) and that user's API key.
    async fn create_account(
        &self,
        account: &AccountRecord,
        administrator: &UserRecord,
        admin_key: &IdentityKeyRecord,
        digest: &str,
    ) -> StoreResult<Revision>;

    /// Every account, oldest first.
    async fn list_accounts(&self) -> StoreResult<Vec<AccountRecord>>;

    /// One account.
    async fn account(&self, id: &AccountId) -> StoreResult<Option<AccountRecord>>;

    /// Stores an API key that belongs to no account (the operator's); a key with the same digest is left as it is.
    async fn ensure_operator_key(&self, key: &ApiKeyRecord) -> StoreResult<()>;

    /// The API key with this digest.
    async fn api_key(&self, digest: &str) -> StoreResult<Option<ApiKeyRecord>>;

    /// An account's users, oldest first.
    async fn users(&self, account: &AccountId) -> StoreResult<Vec<UserRecord>>;

    /// An account's service IDs, oldest first.
    async fn service_ids(&self, account: &AccountId) -> StoreResult<Vec<ServiceIdRecord>>;

    /// One service ID, of whichever account.
    async fn service_id(&self, id: &str) -> StoreResult<Option<ServiceIdRecord>>;

    /// An account's API keys (the operator's is none of them), oldest first.
    async fn identity_keys(&self, account: &AccountId) -> StoreResult<Vec<IdentityKeyRecord>>;

    /// One API key by id, of whichever account.
    async fn identity_key(&self, id: &str) -> StoreResult<Option<IdentityKeyRecord>>;

    /// One API key by the digest of its secret.
    async fn identity_key_by_digest(&self, digest: &str) -> StoreResult<Option<IdentityKeyRecord>>;

    /// Applies writes to one account's identities in one transaction, recorded as one change of that account.
    async fn write_identities(&self, account: &AccountId, writes: &[IdentityWrite], at: i64) -> StoreResult<Revision>;

    /// The signing key, if one is stored.
    async fn signing_key(&self) -> StoreResult<Option<SigningKeyRecord>>;

    /// The signing key; if none is stored yet, `candidate` is stored and returned. Concurrent first starts agree.
    async fn signing_key_or_insert(&self, candidate: &SigningKeyRecord, now: i64) -> StoreResult<SigningKeyRecord>;

    /// Stores a new policy, and the events that record it. Fails with [`StoreError::DuplicatePolicy`] when an
    /// identical active one exists.
    async fn insert_policy(&self, policy: &Policy, events: &[EventRecord]) -> StoreResult<Revision>;

    /// Stores many new policies in one transaction, each with its own change row (their revisions are consecutive);
    /// all or none. For loading large sets (benchmarks, restores), where a commit per policy would take hours.
    async fn import_policies(&self, policies: &[Policy]) -> StoreResult<Revision>;

    /// Replaces a policy whose stored version is `policy.version - 1`: content, state and modification fields.
    /// Fails with [`StoreError::Stale`] when the stored version differs, and with
    /// [`StoreError::DuplicatePolicy`] when the new content duplicates another active policy.
    async fn update_policy(&self, policy: &Policy, events: &[EventRecord]) -> StoreResult<Revision>;

    /// One policy, whatever its state.
    async fn policy(&self, id: &str) -> StoreResult<Option<Policy>>;

    /// A page of policies.
    async fn list_policies(&self, query: &PolicyQuery) -> StoreResult<PolicyPage>;

    /// Every policy, whatever its state, with the revision they were read at (to build the decision index).
    async fn all_policies(&self) -> StoreResult<(Vec<Policy>, Revision)>;

    /// Stores a new custom role and its events. Fails with [`StoreError::DuplicateCustomRole`] when its account has a
    /// role of that name.
    async fn insert_custom_role(&self, role: &CustomRole, events: &[EventRecord]) -> StoreResult<Revision>;

    /// Replaces a custom role whose stored version is `role.version - 1`; [`StoreError::Stale`] otherwise.
    async fn update_custom_role(&self, role: &CustomRole, events: &[EventRecord]) -> StoreResult<Revision>;

    /// Deletes a custom role still at `role.version`. Fails with [`StoreError::RoleInUse`] when an active policy names
    /// it and with [`StoreError::Stale`] when it changed.
    async fn delete_custom_role(&self, role: &CustomRole, at: i64, events: &[EventRecord]) -> StoreResult<Revision>;

    /// One custom role.
    async fn custom_role(&self, id: &str) -> StoreResult<Option<CustomRole>>;

    /// Every custom role of every account, oldest first (for the in-memory index).
    async fn all_custom_roles(&self) -> StoreResult<Vec<CustomRole>>;

    /// Every VPC-domain entity, and the revision of the last VPC-domain write.
    async fn load_world(&self) -> StoreResult<(Vec<Entity>, Revision)>;

    /// Persists a VPC-domain change computed from the world at `based_on`, with its events, in one transaction.
    /// Fails with [`StoreError::WorldMoved`] when another VPC-domain write committed since.
    async fn write_world(
        &self,
        based_on: Revision,
        writes: &[WorldWrite],
        events: &[EventRecord],
    ) -> StoreResult<Revision>;

    /// Records events that go with no other write (refusals).
    async fn record_events(&self, events: &[EventRecord]) -> StoreResult<Revision>;

    /// A page of events, newest first, and how many match in all (whatever the position).
    async fn list_events(&self, query: &EventQuery) -> StoreResult<(Vec<EventRecord>, u64)>;

    /// An account's access groups, members, rules and group settings, read in one snapshot.
    async fn access_groups(&self, account: &AccountId) -> StoreResult<AccessGroupSet>;

    /// Applies changes to an account's access groups in one transaction, all or none; returns its revision.
    async fn write_access_groups(
        &self,
        account: &AccountId,
        writes: &[AccessGroupWrite],
        at: i64,
    ) -> StoreResult<Revision>;

    /// Applies a [`JointWrite`] to `account` in one transaction, all or none, and returns its revision. Its one change
    /// row names every policy written (newline-separated ids, entity [`EntityKind::Policy`]) so that followers re-read
    /// them; a write without policies is recorded as [`Store::write_access_groups`] records it, or, with only users,
    /// as an identity write. Fails with [`StoreError::Stale`] when a replaced policy moved on, or when an access
    /// group it deletes is still named by an active policy it does not delete (one created meanwhile), and with
    /// [`StoreError::NotFound`] when a group it deletes is gone.
    async fn write_access_groups_with(&self, account: &AccountId, write: &JointWrite, at: i64)
    -> StoreResult<Revision>;

    /// Removes what `scope` names in one transaction; returns the reset's revision.
    async fn reset(&self, scope: &ResetScope, at: i64) -> StoreResult<Revision>;

    /// Every account, API key digest (but the operator's), policy and network resource, read in one snapshot.
    async fn export_state(&self) -> StoreResult<StateSnapshot>;

    /// Replaces the state with `snapshot` in one transaction recorded as one change (a reset of everything, so
    /// every replica reloads), once `check` accepted the world its rows make; returns the change's revision.
    async fn import_state(
        &self,
        snapshot: &StateSnapshot,
        check: &(dyn Fn(Vec<hubspoke_vpc::world::Entity>) -> Result<(), String> + Send + Sync),
        at: i64,
    ) -> StoreResult<Revision>;
}
