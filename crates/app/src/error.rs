//! Errors of the use cases; the api part maps each variant to an HTTP status and an IBM error code.

use hubspoke_iam::{Policy, ValidationError};
use hubspoke_store::StoreError;
use thiserror::Error;

/// Why an operation did not happen.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum AppError {
    /// The input broke a domain rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// An input outside the policy model (an account name, a state) is not acceptable.
    #[error("{0}")]
    BadRequest(String),
    /// A request was well-formed but asks for something hubspoke does not do.
    #[error("{0}")]
    Unsupported(String),
    /// No such policy, or one the caller may not see.
    #[error("Policy with Id {0} not found.")]
    PolicyNotFound(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// An active policy with the same attributes and roles exists.
    #[error("The policy wasn't created because an access policy with identical attributes and roles already exists. Please update the rule in the existing policy ({}), or update the one you're trying to assign to include a different attribute assignment.", .existing.id)]
    DuplicatePolicy {
        /// The existing policy.
        existing: Box<Policy>,
    },
    /// `If-Match` named another state of the resource than the current one.
    #[error("the policy `{id}` has changed: `If-Match` is `{given}` but the current ETag is `{current}`")]
    PreconditionFailed {
        /// The policy.
        id: String,
        /// The ETag the client sent.
        given: String,
        /// The current ETag.
        current: String,
    },
    /// An account with this id exists already.
    #[error("an account with id `{0}` already exists")]
    AccountExists(String),
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
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A server-side step that is not the store failed (for example generating a key).
    #[error("{0}")]
    Internal(String),
}

/// Shorthand for results of use cases.
pub type AppResult<T> = Result<T, AppError>;
