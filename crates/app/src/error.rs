//! Errors of the use cases; the api part maps each variant to an HTTP status and an IBM error code.

use hubspoke_iam::{Policy, ValidationError};
use hubspoke_store::StoreError;
use thiserror::Error;

/// Why an operation did not happen. Not `#[non_exhaustive]`: the api maps every variant explicitly, so a new one
/// fails its build rather than becoming a 500.
#[derive(Debug, Error)]
pub enum AppError {
    /// The input broke a domain rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// An input outside the policy model (an account name, a state) is not acceptable.
    #[error("{0}")]
    BadRequest(String),
    /// A query parameter has a value that cannot be used.
    #[error("{message}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A request was well-formed but asks for something hubspoke does not do.
    #[error("{0}")]
    Unsupported(String),
    /// No such policy, or one the caller may not see.
    #[error("Policy with Id {0} not found.")]
    PolicyNotFound(String),
    /// An access-group rule refused the change.
    #[error(transparent)]
    AccessGroup(#[from] hubspoke_iam::access_group::AccessGroupError),
    /// No such access group, member or rule, or one of another account.
    #[error("{0}")]
    AccessGroupNotFound(String),
    /// A custom role broke a rule.
    #[error(transparent)]
    InvalidRole(#[from] hubspoke_iam::custom_role::CustomRoleError),
    /// No such custom role, or one of another account.
    #[error("Role with Id {0} not found.")]
    RoleNotFound(String),
    /// A custom role cannot be created or deleted as asked: its name is taken, or policies grant it.
    #[error("{0}")]
    RoleConflict(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// No access policy grants the caller the action the operation needs (users and service IDs).
    #[error("{0}")]
    AccessDenied(Box<crate::access::Denial>),
    /// An active policy with the same attributes and roles exists.
    #[error("{}", duplicate_message(existing))]
    DuplicatePolicy {
        /// The existing policy.
        existing: Box<Policy>,
    },
    /// `If-Match` named another state of the resource than the current one.
    #[error("{resource} has changed: `If-Match` is `{given}` but the current ETag is `{current}`")]
    PreconditionFailed {
        /// The resource, as a phrase (for example ``the policy `abc` ``).
        resource: String,
        /// The ETag the client sent.
        given: String,
        /// The current ETag.
        current: String,
    },
    /// A VPC's DNS endpoint cannot be served by this process.
    #[error("{0}")]
    DnsEndpointUnavailable(String),
    /// A state to load was refused; nothing was written.
    #[error("{0}")]
    StateRejected(String),
    /// The server is still applying its `--init` files.
    #[error("initializing: {0}")]
    Initializing(String),
    /// No account has this id.
    #[error("no account has id `{0}`")]
    AccountNotFound(String),
    /// An account with this id exists already.
    #[error("an account with id `{0}` already exists")]
    AccountExists(String),
    /// No such user, service ID or API key, or one of another account.
    #[error("{kind} `{id}` not found")]
    IdentityNotFound {
        /// `user`, `service ID` or `API key`.
        kind: &'static str,
        /// The id asked for.
        id: String,
    },
    /// The identity is locked, so it cannot be changed or deleted.
    #[error("{0} is locked; unlock it first")]
    Locked(String),
    /// The request conflicts with what exists (an e-mail address already in the account).
    #[error("{0}")]
    Conflict(String),
    /// The API key is unknown.
    #[error("Provided API key could not be found.")]
    UnknownApiKey,
    /// A VPC-domain rule refused the command.
    #[error(transparent)]
    Rule(#[from] hubspoke_vpc::RuleError),
    /// A request asked to read at a revision the database has not reached.
    #[error("revision `{wanted}` has not been written; the newest revision is {current}")]
    RevisionNotReached {
        /// The revision asked for.
        wanted: u64,
        /// The newest revision.
        current: u64,
    },
    /// The data store could not do its part; nothing was written.
    #[error("{detail}")]
    Storage {
        /// What kind of failure it was, which decides what the client is told.
        failure: StorageFailure,
        /// The store's own description, for the log.
        detail: String,
    },
    /// A server-side step that is not the store failed (for example generating a key).
    #[error("{0}")]
    Internal(String),
}

/// IBM's 409 text: an access policy's roles are not part of what makes it a duplicate, so the client is asked to
/// update the roles of the existing one; an authorization's are, so it is asked to update its rule.
fn duplicate_message(existing: &Policy) -> String {
    match existing.draft.kind() {
        hubspoke_iam::PolicyKind::Access => format!(
            "The policy wasn't created because an access policy with identical attributes already exists. Please update the roles in the existing policy ({}), or update the one you're trying to assign to include a different attribute assignment.",
            existing.id
        ),
        hubspoke_iam::PolicyKind::Authorization => format!(
            "The policy wasn't created because an access policy with identical attributes and roles already exists. Please update the rule in the existing policy ({}), or update the one you're trying to assign to include a different attribute assignment.",
            existing.id
        ),
    }
}

/// What kind of failure the data store had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageFailure {
    /// The disk is full.
    Full,
    /// Reading or writing the database's files failed.
    Io,
    /// The database cannot be reached (down, restarting, read-only after a failover, or out of connections).
    Unreachable,
    /// The database's schema is not at this build's migration.
    NotMigrated,
    /// Concurrent writes kept invalidating this one.
    Contended,
    /// The database refused the statement for another reason.
    Failed,
    /// The database holds data this build cannot read, or answered in a way the store cannot explain.
    Corrupt,
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        let failure = match &error {
            StoreError::Rejected(reason) => {
                return AppError::StateRejected(format!("the state cannot be loaded: {reason}"));
            }
            StoreError::StorageFull(_) => StorageFailure::Full,
            StoreError::Io(_) => StorageFailure::Io,
            StoreError::Unavailable(_) => StorageFailure::Unreachable,
            StoreError::NotMigrated { .. } => StorageFailure::NotMigrated,
            StoreError::Contended(_) => StorageFailure::Contended,
            // The URL is only read when the store is opened, before any request; one here is a failed operation.
            StoreError::Database(_) | StoreError::Url(_) => StorageFailure::Failed,
            // The use cases turn duplicates, staleness, a moved world and missing rows into their own errors; one
            // that reaches here was not expected by its caller.
            StoreError::Corrupt(_)
            | StoreError::DuplicatePolicy { .. }
            | StoreError::DuplicateCustomRole { .. }
            | StoreError::RoleInUse { .. }
            | StoreError::NotFound(_)
            | StoreError::Stale { .. } => StorageFailure::Corrupt,
            // A compare-and-set lost to another writer: a race to retry, not a fault.
            StoreError::WorldMoved { .. } => StorageFailure::Contended,
        };
        AppError::Storage { failure, detail: error.to_string() }
    }
}

/// Shorthand for results of use cases.
pub type AppResult<T> = Result<T, AppError>;
