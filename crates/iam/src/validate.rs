//! Validation of authorization and access policies: every rule of IBM's policy validation that is not about the JSON shape itself.
//!
//! The api part turns a v1 or v2 body into an [`UncheckedDraft`] (checking only the JSON shape: arrays of one subject
//! and one resource, strings where strings go) and this module decides whether it is a policy hubspoke can store.

use std::collections::HashSet;

use thiserror::Error;

use crate::account::AccountId;
use crate::attribute::{Attribute, AttributeValue, Operator};
use crate::catalog::RoleCatalog;
use crate::custom_role::CustomRole;
use crate::policy::PolicyDraft;

/// Subject attribute names IBM accepts on authorization policies.
pub const SUBJECT_KEYS: &[&str] =
    &["serviceName", "serviceInstance", "region", "resourceType", "resource", "accountId", "resourceGroupId"];

/// Most attributes one side of a policy may carry (hubspoke's limit; IBM documents none).
pub const MAX_ATTRIBUTES: usize = 20;
/// Most roles one policy may carry (hubspoke's limit).
pub const MAX_ROLES: usize = 20;
/// Longest attribute value, in characters (IBM: "between 1 and 1,000 characters").
pub const MAX_VALUE_CHARS: usize = 1000;
/// Longest attribute name, in characters (hubspoke's limit).
pub const MAX_KEY_CHARS: usize = 128;
/// Most values of a `…AnyOf` attribute (IBM: "Limit of 10 values").
pub const MAX_ANY_OF: usize = 10;
/// Longest description, in characters (hubspoke's limit).
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

/// Which API a body came through; the two accept different operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// `/v1/policies`: subjects have no operator, resources take `stringEquals` or `stringMatch`.
    V1,
    /// `/v2/policies`: every attribute has an operator.
    V2,
}

/// An attribute value as the body carried it, before the operator decides what it must be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawValue {
    /// A JSON string, or a number the api part turned into its decimal text.
    Text(String),
    /// A JSON boolean.
    Flag(bool),
    /// A JSON array whose items are all strings.
    List(Vec<String>),
    /// Anything else; the payload names the JSON type for the error message.
    Unsupported(&'static str),
}

/// One attribute as the body carried it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawAttribute {
    /// `name` in v1, `key` in v2.
    pub key: String,
    /// The operator, if the body gave one.
    pub operator: Option<String>,
    /// The value.
    pub value: RawValue,
}

/// A policy body whose JSON shape is right but whose content is not yet checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UncheckedDraft {
    /// Customer-defined description.
    pub description: Option<String>,
    /// Subject attributes.
    pub subject: Vec<RawAttribute>,
    /// Resource attributes.
    pub resource: Vec<RawAttribute>,
    /// Role CRNs.
    pub roles: Vec<String>,
}

/// Which side of the policy an attribute is on, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The policy subject (the source service).
    Subject,
    /// The policy resource (the target service).
    Resource,
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Side::Subject => "subject",
            Side::Resource => "resource",
        })
    }
}

/// Why a policy was refused. Every message names the offending input.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValidationError {
    #[error("the policy {0} must have at least one attribute")]
    NoAttributes(Side),
    #[error("the policy {side} has {count} attributes; at most {MAX_ATTRIBUTES} are allowed")]
    TooManyAttributes { side: Side, count: usize },
    #[error("a policy {0} attribute has an empty name")]
    EmptyKey(Side),
    #[error("the policy {side} attribute name `{key}` is longer than {MAX_KEY_CHARS} characters")]
    KeyTooLong { side: Side, key: String },
    #[error("the attribute `{key}` appears more than once in the policy {side}")]
    DuplicateKey { side: Side, key: String },
    #[error("`{key}` is not a supported subject attribute for authorization policies; supported are: {}", SUBJECT_KEYS.join(", "))]
    UnsupportedSubjectKey { key: String },
    #[error("the operator of the {side} attribute `{key}` is required")]
    MissingOperator { side: Side, key: String },
    #[error("the operator `{operator}` of the {side} attribute `{key}` is not supported here; use one of: {allowed}")]
    UnsupportedOperator { side: Side, key: String, operator: String, allowed: String },
    #[error("the {side} attribute `{key}` has a {found} value; `{operator}` needs {expected}")]
    WrongValueType { side: Side, key: String, operator: &'static str, found: &'static str, expected: &'static str },
    #[error("the value of the {side} attribute `{key}` must be between 1 and {MAX_VALUE_CHARS} characters long")]
    ValueLength { side: Side, key: String },
    #[error("the {side} attribute `{key}` must list between 1 and {MAX_ANY_OF} values")]
    AnyOfLength { side: Side, key: String },
    #[error("both the policy subject and the policy resource must include the `accountId` attribute; the {0} has none")]
    MissingAccountId(Side),
    #[error("the {side} attribute `accountId` must use `stringEquals` with one account id")]
    AccountIdNotExact { side: Side },
    #[error(
        "the {side} `accountId` value `{value}` is not an account id: expected 32 lowercase hexadecimal characters"
    )]
    MalformedAccountId { side: Side, value: String },
    #[error("the policy subject must include the `serviceName` or the `resourceGroupId` attribute, or both")]
    MissingSubjectService,
    #[error("the policy resource must include the `serviceName` attribute with `stringEquals`")]
    MissingResourceService,
    #[error("a policy must grant at least one role")]
    NoRoles,
    #[error("a policy may grant at most {MAX_ROLES} roles; this one names {0}")]
    TooManyRoles(usize),
    #[error("the role `{0}` is named more than once")]
    DuplicateRole(String),
    #[error(
        "the role `{role}` is not valid for an authorization from source service `{source_service}` to target service `{target_service}`{hint}"
    )]
    RoleNotInCatalog { role: String, source_service: String, target_service: String, hint: String },
    #[error(
        "the subject of an access policy has exactly one attribute, `iam_id` or `access_group_id`; this one has {0}"
    )]
    AccessSubjectCount(usize),
    #[error("`{key}` is not a subject attribute of access policies; use `iam_id` or `access_group_id`")]
    UnsupportedAccessSubjectKey { key: String },
    #[error("`{0}` is not an IAM id: expected `IBMid-…`, `iam-ServiceId-…` or `iam-Profile-…`")]
    MalformedIamId(String),
    #[error("`{0}` is not an access group id: expected `AccessGroupId-…`")]
    MalformedAccessGroupId(String),
    #[error("the subject attribute `{0}` must use `stringEquals` with one string")]
    AccessSubjectNotExact(String),
    #[error(
        "the policy resource must include either the serviceType, serviceName, resourceGroupId or service_group_id attribute and the accountId attribute"
    )]
    MissingAccessScope,
    #[error("`serviceType` is `{0}`; it must be `service` or `platform_service`")]
    UnsupportedServiceType(String),
    #[error("the resource attribute `{0}` must use `stringEquals` with one string")]
    ScopeNotExact(String),
    #[error("the role `{role}` is not valid for an access policy on {scope}; valid roles are: {valid}")]
    AccessRoleNotValid { role: String, scope: String, valid: String },
    #[error("the description is longer than {MAX_DESCRIPTION_CHARS} characters")]
    DescriptionTooLong,
    #[error("the description contains the character {0}, which a description may not hold")]
    DescriptionCharacter(String),
}

/// Checks an unchecked draft against every rule and returns the policy content to store.
pub fn validate(
    draft: UncheckedDraft,
    dialect: Dialect,
    catalog: &RoleCatalog,
) -> Result<PolicyDraft, ValidationError> {
    if let Some(description) = &draft.description {
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(ValidationError::DescriptionTooLong);
        }
        if let Some(character) = crate::text::forbidden_character(description, true) {
            return Err(ValidationError::DescriptionCharacter(crate::text::describe(character)));
        }
    }
    let subject = check_side(draft.subject, Side::Subject, dialect)?;
    let resource = check_side(draft.resource, Side::Resource, dialect)?;

    account_of(&subject, Side::Subject)?;
    let owner = account_of(&resource, Side::Resource)?;
    let has = |attributes: &[Attribute], key: &str| attributes.iter().any(|a| a.key == key);
    if !has(&subject, "serviceName") && !has(&subject, "resourceGroupId") {
        return Err(ValidationError::MissingSubjectService);
    }
    let exact = |attributes: &[Attribute], key: &str| -> Option<String> {
        attributes
            .iter()
            .find(|a| a.key == key && a.operator == Operator::StringEquals)
            .and_then(|a| a.text().map(str::to_owned))
    };
    let target_service = exact(&resource, "serviceName").ok_or(ValidationError::MissingResourceService)?;
    let source_service = exact(&subject, "serviceName");

    check_roles(&draft.roles, catalog, &target_service, source_service.as_deref())?;
    Ok(PolicyDraft { owner, description: draft.description, subject, resource, roles: draft.roles })
}

/// Checks an unchecked draft of an access policy against every rule and returns the policy content to store.
/// `custom_roles` are the custom roles of the account the policy is for; a policy may name those of its service by CRN.
pub fn validate_access(
    draft: UncheckedDraft,
    dialect: Dialect,
    custom_roles: &[CustomRole],
) -> Result<PolicyDraft, ValidationError> {
    check_description(draft.description.as_deref())?;
    let subject = check_access_subject(draft.subject, dialect)?;
    let resource = check_side(draft.resource, Side::Resource, dialect)?;
    let owner = account_of(&resource, Side::Resource)?;
    let scope = ["serviceType", "serviceName", "resourceGroupId", "service_group_id"];
    if !resource.iter().any(|attribute| scope.contains(&attribute.key.as_str())) {
        return Err(ValidationError::MissingAccessScope);
    }
    // The attributes that choose the service (and so the roles) are exact: a role list for `is*` cannot be known.
    let exact = |key: &str| -> Result<Option<String>, ValidationError> {
        match resource.iter().find(|a| a.key == key) {
            None => Ok(None),
            Some(Attribute { operator: Operator::StringEquals, value: AttributeValue::Text(text), .. }) => {
                Ok(Some(text.clone()))
            }
            Some(_) => Err(ValidationError::ScopeNotExact(key.to_owned())),
        }
    };
    let service_type = exact("serviceType")?;
    let service_name = exact("serviceName")?;
    let group = exact("service_group_id")?;
    if let Some(kind) =
        service_type.filter(|kind| !matches!(kind.as_str(), "service" | "platform_service" | "platform-service"))
    {
        return Err(ValidationError::UnsupportedServiceType(kind));
    }
    check_access_roles(&draft.roles, service_name.as_deref(), group.as_deref(), &owner, custom_roles)?;
    Ok(PolicyDraft { owner, description: draft.description, subject, resource, roles: draft.roles })
}

fn check_description(description: Option<&str>) -> Result<(), ValidationError> {
    let Some(description) = description else { return Ok(()) };
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(ValidationError::DescriptionTooLong);
    }
    match crate::text::forbidden_character(description, true) {
        Some(character) => Err(ValidationError::DescriptionCharacter(crate::text::describe(character))),
        None => Ok(()),
    }
}

/// Whether `text` is `prefix` followed by one or more letters, digits and dashes.
fn prefixed_id(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix).is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 128 && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

/// Whether `text` has the form of a user, service ID or trusted profile IAM id. Unknown but well-formed ids are
/// accepted, as IBM accepts them.
pub fn is_iam_id(text: &str) -> bool {
    ["IBMid-", "iam-ServiceId-", "iam-Profile-"].iter().any(|prefix| prefixed_id(text, prefix))
}

/// Whether `text` has the form of an access group id.
pub fn is_access_group_id(text: &str) -> bool {
    prefixed_id(text, "AccessGroupId-")
}

fn check_access_subject(raw: Vec<RawAttribute>, dialect: Dialect) -> Result<Vec<Attribute>, ValidationError> {
    let [attribute] =
        <[RawAttribute; 1]>::try_from(raw).map_err(|raw| ValidationError::AccessSubjectCount(raw.len()))?;
    if !crate::policy::ACCESS_SUBJECT_KEYS.contains(&attribute.key.as_str()) {
        return Err(ValidationError::UnsupportedAccessSubjectKey { key: attribute.key });
    }
    let key = attribute.key.clone();
    let attribute = check_attribute(attribute, Side::Subject, dialect)?;
    let Some(text) = attribute.text().filter(|_| attribute.operator == Operator::StringEquals) else {
        return Err(ValidationError::AccessSubjectNotExact(key));
    };
    match key.as_str() {
        "iam_id" if !is_iam_id(text) => Err(ValidationError::MalformedIamId(text.to_owned())),
        "access_group_id" if !is_access_group_id(text) => Err(ValidationError::MalformedAccessGroupId(text.to_owned())),
        _ => Ok(vec![attribute]),
    }
}

/// The roles an access policy may name: those `GET /v2/roles` lists for its service or service group (every
/// service's platform roles and the generic service roles when it names neither), and the account's custom roles of
/// its service.
fn check_access_roles(
    roles: &[String],
    service_name: Option<&str>,
    group: Option<&str>,
    owner: &AccountId,
    custom_roles: &[CustomRole],
) -> Result<(), ValidationError> {
    if roles.is_empty() {
        return Err(ValidationError::NoRoles);
    }
    if roles.len() > MAX_ROLES {
        return Err(ValidationError::TooManyRoles(roles.len()));
    }
    let selection = match (service_name, group) {
        (None, None) => crate::catalog::access::access_roles(Some("alliamserviceroles"), None),
        (service, group) => crate::catalog::access::access_roles(service, group),
    };
    let custom: Vec<String> = custom_roles
        .iter()
        .filter(|role| &role.account_id == owner && service_name.is_some_and(|name| custom_role_serves(role, name)))
        .map(CustomRole::crn)
        .collect();
    let mut seen = HashSet::new();
    for role in roles {
        if !seen.insert(role) {
            return Err(ValidationError::DuplicateRole(role.clone()));
        }
        let known = selection.iter().any(|known| known.crn == role) || custom.contains(role);
        if !known {
            let scope = match (service_name, group) {
                (Some(name), _) => format!("the service `{name}`"),
                (None, Some(group)) => format!("the service group `{group}`"),
                (None, None) => String::from("every service"),
            };
            let mut valid: Vec<String> = selection.iter().map(|known| known.crn.to_owned()).collect();
            valid.extend(custom);
            return Err(ValidationError::AccessRoleNotValid { role: role.clone(), scope, valid: valid.join(", ") });
        }
    }
    Ok(())
}

/// Whether a custom role may be granted on a policy for `service_name` (`is` roles also on an `is.*` sub-service).
pub fn custom_role_serves(role: &CustomRole, service_name: &str) -> bool {
    role.service_name == service_name || (role.service_name == "is" && service_name.starts_with("is."))
}

fn check_side(raw: Vec<RawAttribute>, side: Side, dialect: Dialect) -> Result<Vec<Attribute>, ValidationError> {
    if raw.is_empty() {
        return Err(ValidationError::NoAttributes(side));
    }
    if raw.len() > MAX_ATTRIBUTES {
        return Err(ValidationError::TooManyAttributes { side, count: raw.len() });
    }
    let mut seen = HashSet::new();
    raw.into_iter()
        .map(|attribute| {
            if attribute.key.is_empty() {
                return Err(ValidationError::EmptyKey(side));
            }
            if attribute.key.chars().count() > MAX_KEY_CHARS {
                return Err(ValidationError::KeyTooLong { side, key: attribute.key });
            }
            if !seen.insert(attribute.key.clone()) {
                return Err(ValidationError::DuplicateKey { side, key: attribute.key });
            }
            if side == Side::Subject && !SUBJECT_KEYS.contains(&attribute.key.as_str()) {
                return Err(ValidationError::UnsupportedSubjectKey { key: attribute.key });
            }
            check_attribute(attribute, side, dialect)
        })
        .collect()
}

fn allowed_operators(side: Side, dialect: Dialect) -> &'static [Operator] {
    use Operator::*;
    match (dialect, side) {
        // v1 subject attributes have no operator at all; an explicit `stringEquals` is tolerated.
        (Dialect::V1, Side::Subject) => &[StringEquals],
        (Dialect::V1, Side::Resource) => &[StringEquals, StringMatch],
        (Dialect::V2, Side::Subject) => &[StringEquals, StringExists],
        (Dialect::V2, Side::Resource) => &Operator::ALL,
    }
}

fn check_attribute(raw: RawAttribute, side: Side, dialect: Dialect) -> Result<Attribute, ValidationError> {
    let allowed = allowed_operators(side, dialect);
    let operator = match (&raw.operator, dialect) {
        (None, Dialect::V1) => Operator::StringEquals,
        (None, Dialect::V2) => return Err(ValidationError::MissingOperator { side, key: raw.key }),
        (Some(name), _) => match Operator::parse(name).filter(|op| allowed.contains(op)) {
            Some(op) => op,
            None => {
                let allowed = allowed.iter().map(|op| format!("`{}`", op.as_str())).collect::<Vec<_>>().join(", ");
                return Err(ValidationError::UnsupportedOperator {
                    side,
                    key: raw.key,
                    operator: name.clone(),
                    allowed,
                });
            }
        },
    };
    let wrong_type = |found: &'static str, expected: &'static str, key: String| ValidationError::WrongValueType {
        side,
        key,
        operator: operator.as_str(),
        found,
        expected,
    };
    let value = match (operator, raw.value) {
        (Operator::StringEquals | Operator::StringMatch, RawValue::Text(text)) => AttributeValue::Text(text),
        // IBM converts booleans to strings for the string operators.
        (Operator::StringEquals | Operator::StringMatch, RawValue::Flag(flag)) => {
            AttributeValue::Text(flag.to_string())
        }
        (Operator::StringExists, RawValue::Flag(flag)) => AttributeValue::Flag(flag),
        // Terraform's configuration carries `"true"`/`"false"` strings for `stringExists`.
        (Operator::StringExists, RawValue::Text(text)) if text == "true" || text == "false" => {
            AttributeValue::Flag(text == "true")
        }
        (Operator::StringEqualsAnyOf | Operator::StringMatchAnyOf, RawValue::List(items)) => {
            AttributeValue::List(items)
        }
        (Operator::StringExists, found) => return Err(wrong_type(kind_name(&found), "`true` or `false`", raw.key)),
        (Operator::StringEqualsAnyOf | Operator::StringMatchAnyOf, found) => {
            return Err(wrong_type(kind_name(&found), "an array of strings", raw.key));
        }
        (_, found) => return Err(wrong_type(kind_name(&found), "a string", raw.key)),
    };
    let length_ok = |text: &String| (1..=MAX_VALUE_CHARS).contains(&text.chars().count());
    match &value {
        AttributeValue::Text(text) if !length_ok(text) => {
            return Err(ValidationError::ValueLength { side, key: raw.key });
        }
        AttributeValue::List(items) if items.is_empty() || items.len() > MAX_ANY_OF => {
            return Err(ValidationError::AnyOfLength { side, key: raw.key });
        }
        AttributeValue::List(items) if !items.iter().all(length_ok) => {
            return Err(ValidationError::ValueLength { side, key: raw.key });
        }
        _ => {}
    }
    Ok(Attribute { key: raw.key, operator, value })
}

fn kind_name(value: &RawValue) -> &'static str {
    match value {
        RawValue::Text(_) => "string",
        RawValue::Flag(_) => "boolean",
        RawValue::List(_) => "array",
        RawValue::Unsupported(kind) => kind,
    }
}

fn account_of(attributes: &[Attribute], side: Side) -> Result<AccountId, ValidationError> {
    let attribute = attributes.iter().find(|a| a.key == "accountId").ok_or(ValidationError::MissingAccountId(side))?;
    let text = match (&attribute.value, attribute.operator) {
        (AttributeValue::Text(text), Operator::StringEquals) => text,
        _ => return Err(ValidationError::AccountIdNotExact { side }),
    };
    AccountId::parse(text).ok_or_else(|| ValidationError::MalformedAccountId { side, value: text.clone() })
}

fn check_roles(
    roles: &[String],
    catalog: &RoleCatalog,
    target: &str,
    source: Option<&str>,
) -> Result<(), ValidationError> {
    if roles.is_empty() {
        return Err(ValidationError::NoRoles);
    }
    if roles.len() > MAX_ROLES {
        return Err(ValidationError::TooManyRoles(roles.len()));
    }
    let mut seen = HashSet::new();
    for role in roles {
        if !seen.insert(role) {
            return Err(ValidationError::DuplicateRole(role.clone()));
        }
        if catalog.authorization_role(target, source, role).is_none() {
            let valid: Vec<&str> = catalog.authorization_roles(Some(target), source).iter().map(|r| r.crn).collect();
            let hint = if valid.is_empty() {
                String::from(": hubspoke knows no roles for this pair of services")
            } else {
                format!("; valid roles are: {}", valid.join(", "))
            };
            return Err(ValidationError::RoleNotInCatalog {
                role: role.clone(),
                source_service: source.unwrap_or("(any)").to_owned(),
                target_service: target.to_owned(),
                hint,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
