//! Identities inside an account: users, service IDs and API keys, their IAM id forms, their CRNs and who may manage
//! them until access policies decide it.
//!
//! The interim rule: an account's administrator (and the operator) may do everything; any other identity may read
//! itself and its own API keys, a user manages its own user API keys and the service IDs it created (IBM's implicit
//! grants: "all users can create service IDs", and their creator administers them), and everything else is refused.

use thiserror::Error;

use crate::account::{AccountId, Caller, CallerKind};
use crate::text::{describe, forbidden_character};

/// A user or a service ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdentityKind {
    /// A person, `IBMid-…`.
    User,
    /// A service ID, `iam-ServiceId-…`.
    ServiceId,
}

/// The prefix of every user's IAM id.
pub const USER_PREFIX: &str = "IBMid-";
/// The prefix of a service ID's entity id.
pub const SERVICE_ID_PREFIX: &str = "ServiceId-";
/// The prefix of an API key's id.
pub const API_KEY_PREFIX: &str = "ApiKey-";

/// The IAM id of the service ID with entity id `entity` (`ServiceId-…` → `iam-ServiceId-…`).
pub fn service_id_iam_id(entity: &str) -> String {
    format!("iam-{entity}")
}

/// What kind of identity an IAM id names, if it has one of the two forms hubspoke issues.
pub fn kind_of_iam_id(iam_id: &str) -> Option<IdentityKind> {
    if iam_id.len() > USER_PREFIX.len() && iam_id.starts_with(USER_PREFIX) {
        Some(IdentityKind::User)
    } else if iam_id.strip_prefix("iam-").is_some_and(|entity| entity.starts_with(SERVICE_ID_PREFIX)) {
        Some(IdentityKind::ServiceId)
    } else {
        None
    }
}

/// The entity id of the service ID an IAM id names (`iam-ServiceId-…` → `ServiceId-…`).
pub fn service_id_entity(iam_id: &str) -> Option<&str> {
    iam_id.strip_prefix("iam-").filter(|entity| entity.starts_with(SERVICE_ID_PREFIX))
}

/// The CRN of an identity entity: `crn:v1:bluemix:public:iam-identity::a/<acct>::<kind>:<id>`, where `kind` is
/// `serviceid` or `apikey`.
pub fn identity_crn(account: &AccountId, kind: &str, id: &str) -> String {
    format!("crn:v1:bluemix:public:iam-identity::a/{account}::{kind}:{id}")
}

/// What a caller may do with an identity, or with the API keys that authenticate it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// It may.
    Allowed,
    /// It is of the caller's account but the caller may not (403).
    Forbidden,
    /// It belongs to another account, which the caller cannot tell from a missing one (404).
    Hidden,
}

/// The identity an operation touches: a service ID itself, or the owner of an API key.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    /// The account it belongs to.
    pub account: &'a AccountId,
    /// Its IAM id (for an API key, the IAM id the key authenticates).
    pub iam_id: &'a str,
    /// For a service ID (or a service ID's key), the IAM id of the user who created the service ID.
    pub creator: Option<&'a str>,
}

/// Whether `caller` may read (`change` false) or change the identity `target`, or the API keys that authenticate it.
pub fn identity_access(caller: &Caller, target: Target<'_>, change: bool) -> Access {
    match &caller.kind {
        CallerKind::Operator => Access::Allowed,
        CallerKind::AccountAdministrator(account) | CallerKind::AccountIdentity { account, .. }
            if account != target.account =>
        {
            Access::Hidden
        }
        CallerKind::AccountAdministrator(_) => Access::Allowed,
        CallerKind::AccountIdentity { kind, .. } => {
            let itself = caller.iam_id == target.iam_id;
            let created_it = *kind == IdentityKind::User && target.creator == Some(caller.iam_id.as_str());
            // A user manages its own keys; a service ID reads itself and its keys but changes nothing.
            let own = itself && (!change || *kind == IdentityKind::User);
            if own || created_it { Access::Allowed } else { Access::Forbidden }
        }
    }
}

/// Whether `caller` may create a service ID in `account`: every user of the account may ("all users can create
/// service IDs"); a service ID may not.
pub fn may_create_service_id(caller: &Caller, account: &AccountId) -> Access {
    match caller.account() {
        _ if caller.is_operator() => Access::Allowed,
        Some(own) if own != account => Access::Hidden,
        _ if caller.identity_kind() == Some(IdentityKind::User) => Access::Allowed,
        _ => Access::Forbidden,
    }
}

/// Whether `caller` may list, invite, change or remove the users of `account`: only its administrator (and the
/// operator) until access policies grant `user-management` roles.
pub fn may_manage_users(caller: &Caller, account: &AccountId) -> Access {
    match caller.account() {
        _ if caller.administers(account) => Access::Allowed,
        Some(own) if own != account => Access::Hidden,
        _ => Access::Forbidden,
    }
}

/// An identity's name or description that cannot be stored.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum IdentityTextError {
    /// The name is empty (after trimming) or too long.
    #[error("the {what} name must be 1 to {MAX_NAME_CHARS} characters")]
    NameLength {
        /// `service ID` or `API key`.
        what: &'static str,
    },
    /// The description is too long.
    #[error("the description must be at most {MAX_DESCRIPTION_CHARS} characters")]
    DescriptionLength,
    /// A name or description holds a control or bidirectional formatting character.
    #[error("the {field} contains the character {character}, which it may not hold")]
    Character {
        /// `name` or `description`.
        field: &'static str,
        /// The character, as a code point.
        character: String,
    },
}

/// The longest name of a service ID or an API key, in characters.
pub const MAX_NAME_CHARS: usize = 240;
/// The longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

/// Checks a service ID's or an API key's name (`what` names which, for the message).
pub fn check_name(what: &'static str, name: &str) -> Result<(), IdentityTextError> {
    let length = name.trim().chars().count();
    if length == 0 || length > MAX_NAME_CHARS {
        return Err(IdentityTextError::NameLength { what });
    }
    match forbidden_character(name, false) {
        Some(character) => Err(IdentityTextError::Character { field: "name", character: describe(character) }),
        None => Ok(()),
    }
}

/// Checks a description; it may hold line breaks.
pub fn check_description(description: &str) -> Result<(), IdentityTextError> {
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(IdentityTextError::DescriptionLength);
    }
    match forbidden_character(description, true) {
        Some(character) => Err(IdentityTextError::Character { field: "description", character: describe(character) }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(iam_id: &str, kind: CallerKind) -> Caller {
        Caller { iam_id: iam_id.into(), kind, region: None }
    }

    #[test]
    fn iam_id_forms() {
        let cases = [
            ("IBMid-550002G2B4", Some(IdentityKind::User)),
            ("iam-ServiceId-8f0a9c1e-0000-4000-8000-000000000000", Some(IdentityKind::ServiceId)),
            ("ServiceId-8f0a9c1e", None),
            ("IBMid-", None),
            ("iam-Profile-1", None),
            ("", None),
        ];
        for (iam_id, kind) in cases {
            assert_eq!(kind_of_iam_id(iam_id), kind, "{iam_id}");
        }
        assert_eq!(service_id_iam_id("ServiceId-1"), "iam-ServiceId-1");
        assert_eq!(service_id_entity("iam-ServiceId-1"), Some("ServiceId-1"));
        assert_eq!(service_id_entity("IBMid-1"), None);
        let account = AccountId::parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
        assert_eq!(
            identity_crn(&account, "serviceid", "ServiceId-1"),
            "crn:v1:bluemix:public:iam-identity::a/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa::serviceid:ServiceId-1"
        );
    }

    #[test]
    fn access_table() {
        let a = AccountId::parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
        let b = AccountId::parse("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb").unwrap();
        let operator = caller("op", CallerKind::Operator);
        let admin_a = caller("IBMid-ADMIN", CallerKind::AccountAdministrator(a.clone()));
        let admin_b = caller("IBMid-OTHER", CallerKind::AccountAdministrator(b.clone()));
        let user_a = caller("IBMid-USER", CallerKind::AccountIdentity { account: a.clone(), kind: IdentityKind::User });
        let service_a = caller(
            "iam-ServiceId-1",
            CallerKind::AccountIdentity { account: a.clone(), kind: IdentityKind::ServiceId },
        );
        let own_user = Target { account: &a, iam_id: "IBMid-USER", creator: None };
        let service_by_user = Target { account: &a, iam_id: "iam-ServiceId-1", creator: Some("IBMid-USER") };
        let service_by_admin = Target { account: &a, iam_id: "iam-ServiceId-1", creator: Some("IBMid-ADMIN") };
        let other_user = Target { account: &a, iam_id: "IBMid-ADMIN", creator: None };
        use Access::*;
        let cases = [
            (&operator, own_user, true, Allowed),
            (&admin_a, other_user, true, Allowed),
            (&admin_b, own_user, false, Hidden),
            (&user_a, own_user, true, Allowed),
            (&user_a, other_user, false, Forbidden),
            (&user_a, service_by_user, true, Allowed),
            (&user_a, service_by_admin, false, Forbidden),
            (&service_a, service_by_admin, false, Allowed),
            (&service_a, service_by_admin, true, Forbidden),
            (&service_a, own_user, false, Forbidden),
        ];
        for (caller, target, change, expected) in cases {
            assert_eq!(identity_access(caller, target, change), expected, "{} on {}", caller.iam_id, target.iam_id);
        }
        assert_eq!(may_create_service_id(&user_a, &a), Allowed);
        assert_eq!(may_create_service_id(&service_a, &a), Forbidden);
        assert_eq!(may_create_service_id(&admin_b, &a), Hidden);
        assert_eq!(may_manage_users(&admin_a, &a), Allowed);
        assert_eq!(may_manage_users(&user_a, &a), Forbidden);
        assert_eq!(may_manage_users(&admin_b, &a), Hidden);
        assert_eq!(may_manage_users(&operator, &b), Allowed);
    }

    #[test]
    fn text_checks() {
        assert!(check_name("service ID", "builder").is_ok());
        assert!(check_name("service ID", "  ").is_err());
        assert!(check_name("service ID", &"x".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert!(check_name("API key", "tab\there").is_err());
        assert!(check_description("two\nlines").is_ok());
        assert!(check_description("\u{202E}").is_err());
    }
}
