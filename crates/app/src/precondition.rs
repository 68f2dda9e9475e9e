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
    /// The text written into it goes straight into the digest, never into a string of its own.
    struct Digesting(Sha256);
    impl std::fmt::Write for Digesting {
        fn write_str(&mut self, text: &str) -> std::fmt::Result {
            self.0.update(text.as_bytes());
            Ok(())
        }
    }
    let mut digesting = Digesting(Sha256::new());
    // Writing into a digest cannot fail, and a `Debug` implementation only fails when its writer does.
    let _ = std::fmt::Write::write_fmt(&mut digesting, format_args!("{state:?}"));
    format!("W/\"{}\"", hex::encode(&digesting.0.finalize()[..12]))
}

/// A read model with an ETag, computed only when a response carries it: a resource's own responses do, list pages
/// do not.
pub trait Tagged {
    /// What the ETag digests: everything the representation shows that does not ripen with time alone.
    fn tagged(&self) -> impl std::fmt::Debug + '_;

    /// The ETag ([`etag_of`] what [`Tagged::tagged`] gives).
    fn etag(&self) -> String {
        etag_of(&self.tagged())
    }
}
