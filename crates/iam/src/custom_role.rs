//! Custom roles: a role an account defines for one service, holding a chosen set of that service's actions.
//!
//! A custom role is named in access policies by its CRN,
//! `crn:v1:bluemix:public:iam-access-management::a/<account>::customRole:<name>`, and grants exactly its actions on its
//! service. Its `name` goes into the CRN, so it never changes; its display name, description and actions may.

use std::collections::HashSet;

use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::account::AccountId;
use crate::catalog::access::access_service;
use crate::policy::Timestamp;

/// Longest `name` (IBM's clients check `^[A-Z][A-Za-z0-9]{0,29}$`).
pub const MAX_NAME_CHARS: usize = 30;
/// Longest `display_name`.
pub const MAX_DISPLAY_NAME_CHARS: usize = 50;
/// Longest `description`.
pub const MAX_DESCRIPTION_CHARS: usize = 250;
/// Most actions one custom role may hold (hubspoke's limit; no service has more).
pub const MAX_ACTIONS: usize = 100;

/// A stored custom role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomRole {
    /// The role id: 32 lowercase hexadecimal characters, chosen by the application layer.
    pub id: String,
    /// The name that goes into the CRN, for example `VpcReader`.
    pub name: String,
    /// The account the role belongs to.
    pub account_id: AccountId,
    /// The service whose actions the role holds.
    pub service_name: String,
    /// What clients choose and may change.
    pub content: CustomRoleContent,
    /// Starts at 1 and grows with every replace; the first part of the ETag.
    pub version: u32,
    /// When it was created.
    pub created_at: Timestamp,
    /// The IAM id of its creator.
    pub created_by_id: String,
    /// When it last changed.
    pub last_modified_at: Timestamp,
    /// The IAM id of whoever last changed it.
    pub last_modified_by_id: String,
}

/// The parts of a custom role a replace may change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomRoleContent {
    /// The name shown in consoles and accepted by the CLI's `--roles`.
    pub display_name: String,
    /// Customer-defined description.
    pub description: Option<String>,
    /// The actions the role holds, in the order the client sent them.
    pub actions: Vec<String>,
}

/// The CRN a custom role of `account` named `name` has.
pub fn custom_role_crn(account: &AccountId, name: &str) -> String {
    format!("crn:v1:bluemix:public:iam-access-management::a/{account}::customRole:{name}")
}

impl CustomRole {
    /// The CRN access policies name the role by.
    pub fn crn(&self) -> String {
        custom_role_crn(&self.account_id, &self.name)
    }

    /// Whether the role holds `action`.
    pub fn grants(&self, action: &str) -> bool {
        self.content.actions.iter().any(|held| held == action)
    }

    /// The entity tag clients send back in `If-Match`: `<version>-<32 hex>`, as policies have.
    pub fn etag(&self) -> String {
        let mut hasher = Sha256::new();
        let actions = self.content.actions.join("\u{1f}");
        for part in [
            self.id.as_str(),
            &self.content.display_name,
            self.content.description.as_deref().unwrap_or(""),
            &actions,
            &self.version.to_string(),
            &self.last_modified_at.0.to_string(),
            &self.last_modified_by_id,
        ] {
            hasher.update(part.as_bytes());
            hasher.update([0u8]);
        }
        format!("{}-{}", self.version, hex::encode(&hasher.finalize()[..16]))
    }
}

/// Why a custom role was refused. Every message names the offending input.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CustomRoleError {
    #[error(
        "the role name `{0}` is not valid: a name starts with a capital letter and holds at most {MAX_NAME_CHARS} letters and digits"
    )]
    Name(String),
    #[error("the display name must be between 1 and {MAX_DISPLAY_NAME_CHARS} characters long")]
    DisplayNameLength,
    #[error("the description must be between 1 and {MAX_DESCRIPTION_CHARS} characters long")]
    DescriptionLength,
    #[error("the {field} contains the character {character}, which it may not hold")]
    Character { field: &'static str, character: String },
    #[error("`{0}` is not a service whose actions a custom role can hold")]
    UnknownService(String),
    #[error("a custom role must hold between 1 and {MAX_ACTIONS} actions of its service")]
    ActionCount,
    #[error("the action `{action}` is not an action of the service `{service}`")]
    ForeignAction { action: String, service: String },
    #[error("the action `{0}` is named more than once")]
    DuplicateAction(String),
}

/// Checks a new role's name and service, and its content.
pub fn validate_new(name: &str, service_name: &str, content: &CustomRoleContent) -> Result<(), CustomRoleError> {
    let mut characters = name.chars();
    let well_formed = characters.next().is_some_and(|first| first.is_ascii_uppercase())
        && characters.all(|c| c.is_ascii_alphanumeric())
        && name.len() <= MAX_NAME_CHARS;
    if !well_formed {
        return Err(CustomRoleError::Name(name.to_owned()));
    }
    validate_content(service_name, content)
}

/// Checks what a create or replace sets: the display name, the description and the actions of `service_name`.
pub fn validate_content(service_name: &str, content: &CustomRoleContent) -> Result<(), CustomRoleError> {
    if !(1..=MAX_DISPLAY_NAME_CHARS).contains(&content.display_name.chars().count()) {
        return Err(CustomRoleError::DisplayNameLength);
    }
    if let Some(character) = crate::text::forbidden_character(&content.display_name, false) {
        return Err(CustomRoleError::Character { field: "display name", character: crate::text::describe(character) });
    }
    if let Some(description) = &content.description {
        if !(1..=MAX_DESCRIPTION_CHARS).contains(&description.chars().count()) {
            return Err(CustomRoleError::DescriptionLength);
        }
        if let Some(character) = crate::text::forbidden_character(description, true) {
            return Err(CustomRoleError::Character {
                field: "description",
                character: crate::text::describe(character),
            });
        }
    }
    // Only a service hubspoke knows the actions of can have custom roles: the actions are checked against it.
    let service = access_service(service_name)
        .filter(|service| service.name == service_name)
        .ok_or_else(|| CustomRoleError::UnknownService(service_name.to_owned()))?;
    if content.actions.is_empty() || content.actions.len() > MAX_ACTIONS {
        return Err(CustomRoleError::ActionCount);
    }
    let mut seen = HashSet::new();
    for action in &content.actions {
        if !service.has_action(action) {
            return Err(CustomRoleError::ForeignAction { action: action.clone(), service: service_name.to_owned() });
        }
        if !seen.insert(action) {
            return Err(CustomRoleError::DuplicateAction(action.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(actions: &[&str]) -> CustomRoleContent {
        CustomRoleContent {
            display_name: "Group reader".into(),
            description: None,
            actions: actions.iter().map(|a| a.to_string()).collect(),
        }
    }

    #[test]
    fn validation_table() {
        let read = content(&["iam-groups.groups.read"]);
        let cases: Vec<(&str, &str, CustomRoleContent, Option<CustomRoleError>)> = vec![
            ("TestPythonRole1", "iam-groups", read.clone(), None),
            ("testRole", "iam-groups", read.clone(), Some(CustomRoleError::Name("testRole".into()))),
            ("Test-Role", "iam-groups", read.clone(), Some(CustomRoleError::Name("Test-Role".into()))),
            (
                "A234567890123456789012345678901",
                "iam-groups",
                read.clone(),
                Some(CustomRoleError::Name("A234567890123456789012345678901".into())),
            ),
            ("Reader", "billing", read.clone(), Some(CustomRoleError::UnknownService("billing".into()))),
            ("Reader", "is.vpc", content(&["is.vpc.vpc.read"]), Some(CustomRoleError::UnknownService("is.vpc".into()))),
            ("Reader", "iam-groups", content(&[]), Some(CustomRoleError::ActionCount)),
            (
                "Reader",
                "iam-groups",
                content(&["is.vpc.vpc.read"]),
                Some(CustomRoleError::ForeignAction { action: "is.vpc.vpc.read".into(), service: "iam-groups".into() }),
            ),
            (
                "Reader",
                "iam-groups",
                content(&["iam-groups.groups.read", "iam-groups.groups.read"]),
                Some(CustomRoleError::DuplicateAction("iam-groups.groups.read".into())),
            ),
            ("Reader", "is", content(&["is.vpc.vpc.read", "is.subnet.subnet.read"]), None),
            (
                "Reader",
                "is",
                CustomRoleContent { display_name: String::new(), ..read.clone() },
                Some(CustomRoleError::DisplayNameLength),
            ),
            (
                "Reader",
                "iam-groups",
                CustomRoleContent { description: Some("x".repeat(251)), ..read.clone() },
                Some(CustomRoleError::DescriptionLength),
            ),
        ];
        for (name, service, content, expected) in cases {
            assert_eq!(validate_new(name, service, &content).err(), expected, "{name} on {service}");
        }
    }

    #[test]
    fn crn_and_etag() {
        let account = AccountId::parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
        let mut role = CustomRole {
            id: "r".into(),
            name: "VpcReader".into(),
            account_id: account,
            service_name: "is".into(),
            content: content(&["is.vpc.vpc.read"]),
            version: 1,
            created_at: Timestamp(1),
            created_by_id: "c".into(),
            last_modified_at: Timestamp(1),
            last_modified_by_id: "c".into(),
        };
        assert_eq!(
            role.crn(),
            "crn:v1:bluemix:public:iam-access-management::a/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa::customRole:VpcReader"
        );
        assert!(role.grants("is.vpc.vpc.read") && !role.grants("is.vpc.vpc.list"));
        let first = role.etag();
        assert!(first.starts_with("1-") && first.len() == 34);
        role.version = 2;
        role.content.display_name = "Other".into();
        assert_ne!(role.etag(), first);
    }
}
