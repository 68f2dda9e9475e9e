//! The IAM domain of hubspoke: accounts and callers, s2s authorization policies, the role catalog and the decision engine.
//!
//! # Layout
//!
//! - [`access_group`]: access groups, their members and dynamic rules, with the rules they must satisfy.
//! - [`account`]: account ids and the authenticated [`Caller`], with what a caller may do ([`authority`]).
//! - [`identity`]: users, service IDs and API keys inside an account: their IAM id forms and who may manage them.
//! - [`attribute`] and [`glob`]: policy attributes, their operators and how a request value is matched.
//! - [`policy`]: the one policy model that both `/v1/policies` and `/v2/policies` are views of, and its fingerprint.
//! - [`validate`]: every rule a policy must satisfy before it is stored.
//! - [`access`]: which access policies let an identity perform an action; [`custom_role`]: roles accounts define.
//! - [`catalog`]: the role catalog keyed by (target service, source service, policy type).
//! - [`engine`]: the indexed decision engine; every [`Decision`] explains itself.
//!
//! This crate is pure: no IO, no clock, no randomness, no serialization. Callers pass in times and ids, and the api
//! crate owns every wire shape.

pub mod access;
pub mod access_group;
pub mod account;
pub mod attribute;
pub mod authority;
pub mod catalog;
pub mod custom_role;
pub mod engine;
pub mod glob;
pub mod identity;
pub mod policy;
pub mod text;
pub mod validate;

pub use account::{AccountId, Caller, CallerKind};
pub use attribute::{Attribute, AttributeValue, Operator};
pub use catalog::{Role, RoleCatalog, RoleKind};
pub use custom_role::{CustomRole, CustomRoleContent};
pub use engine::{AccessRequest, Decision, Mismatch, NearMiss, PolicyIndex, RequestAttributes};
pub use policy::{Policy, PolicyDraft, PolicyId, PolicyKind, PolicyState, Timestamp};
pub use validate::{Dialect, RawAttribute, RawValue, UncheckedDraft, ValidationError};
