//! `If-Match` and ETags, on policies and on VPC resources alike: one precondition, checked against the ETag the
//! resource has when the change is computed (inside the same compare-and-set), so it cannot pass on a stale read.

use sha2::{Digest, Sha256};

use crate::{AppError, AppResult};

/// What `If-Match` asked for, on policies and on VPC resources alike.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Precondition {
    /// No `If-Match`: the change applies to whatever state is current when it is made.
    Absent,
    /// `If-Match: *`: any current state.
    Any,
    /// One ETag.
    Etag(String),
}

impl Precondition {
    /// Checks the precondition against a resource's current ETag: 412 when it names another state.
    pub fn check(&self, what: &str, current: &str) -> AppResult<()> {
        match self {
            Precondition::Etag(given) if normalized(given) != normalized(current) => {
                Err(AppError::PreconditionFailed {
                    resource: what.to_owned(),
                    given: given.clone(),
                    current: current.to_owned(),
                })
            }
            _ => Ok(()),
        }
    }
}

/// An entity tag without its weak marker and quotes: clients send back what they were given, quoted or not.
fn normalized(tag: &str) -> &str {
    tag.trim().trim_start_matches("W/").trim_matches('"')
}

/// The ETag of a read model: a digest of everything its representation shows that does not depend on the moment it
/// is read (lifecycle states ripen with time alone), so it changes exactly when the resource does.
pub fn etag_of(state: &impl std::fmt::Debug) -> String {
    let digest = Sha256::digest(format!("{state:?}").as_bytes());
    format!("W/\"{}\"", hex::encode(&digest[..12]))
}
