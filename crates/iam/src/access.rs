//! Evaluation of access policies: which active access policies let an identity perform an action on a resource.
//!
//! Access is the union of the active access policies whose subject is the identity's `iam_id` or one of its access
//! groups, whose resource attributes all match the resource, and one of whose roles holds the action on the
//! resource's service. Nobody has access by default. The answer names every granting policy, so that an explanation
//! can show them.
//!
//! How a resource attribute is matched:
//!
//! - an attribute the policy does not name constrains nothing, and every attribute it names must match;
//! - `serviceType=service` reaches every service except the account management ones, and `platform_service` (or
//!   `platform-service`) only those;
//! - `service_group_id=IAM` reaches the IAM services;
//! - `serviceName=is` reaches every `is.*` action, and `serviceName=is.vpc` only the `is.vpc.*` actions on `is`
//!   resources;
//! - `resourceGroupId` matches the resource group the resource was created in: a resource without one (account
//!   management services have none) is not reached by a resource group policy.

use crate::attribute::Attribute;
use crate::catalog::access::{AccessService, access_service, is_account_management};
use crate::custom_role::CustomRole;
use crate::engine::RequestAttributes;
use crate::policy::{Policy, PolicyId, PolicyKind, PolicyState};

pub mod search;

/// Who asks: an identity and the access groups it is a member of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessSubject {
    /// The caller's IAM id, for example `IBMid-550002G2B4` or `iam-ServiceId-…`.
    pub iam_id: String,
    /// The ids of the access groups the identity is a member of.
    pub access_groups: Vec<String>,
}

/// One question: may `subject` perform `action` on the resource described by `resource`?
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessQuery {
    /// Who asks.
    pub subject: AccessSubject,
    /// The action, for example `is.vpc.vpc.read`.
    pub action: String,
    /// The resource's attributes: `accountId`, `serviceName`, `resourceGroupId`, `vpcId`, …
    pub resource: RequestAttributes,
}

/// The answer: permitted when at least one policy grants the action.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessVerdict {
    /// Whether the action is permitted.
    pub permitted: bool,
    /// Every active access policy that grants it, by id, in the order the policies were given.
    pub granted_by: Vec<PolicyId>,
}

/// Decides `query` over `policies` (any mix of kinds and states; only active access policies count) with the
/// account's `custom_roles`.
pub fn evaluate<'a>(
    policies: impl IntoIterator<Item = &'a Policy>,
    custom_roles: &[CustomRole],
    query: &AccessQuery,
) -> AccessVerdict {
    let granted_by: Vec<PolicyId> = policies
        .into_iter()
        .filter(|policy| grants(policy, custom_roles, query))
        .map(|policy| policy.id.clone())
        .collect();
    AccessVerdict { permitted: !granted_by.is_empty(), granted_by }
}

/// Whether one policy grants the query.
pub fn grants(policy: &Policy, custom_roles: &[CustomRole], query: &AccessQuery) -> bool {
    grants_with(policy, &RoleList(custom_roles), query)
}

/// How [`grants_with`] resolves the roles a policy names. The access index answers from maps what [`grants`] finds
/// by scanning lists; both must answer alike.
pub(crate) trait Roles {
    /// The account's custom role with this CRN (the first by id when several have it).
    fn custom_role(&self, crn: &str) -> Option<&CustomRole>;

    /// Whether the catalog role `crn` holds `action` on `service`.
    fn holds(&self, service: &AccessService, crn: &str, action: &str) -> bool {
        service.holds(crn, action)
    }
}

/// The account's custom roles as a list, oldest first by id.
pub(crate) struct RoleList<'a>(&'a [CustomRole]);

impl Roles for RoleList<'_> {
    fn custom_role(&self, crn: &str) -> Option<&CustomRole> {
        self.0.iter().find(|custom| custom.crn() == crn)
    }
}

/// Whether one policy grants the query, with its roles resolved by `roles`.
pub(crate) fn grants_with(policy: &Policy, roles: &impl Roles, query: &AccessQuery) -> bool {
    policy.state == PolicyState::Active
        && policy.draft.kind() == PolicyKind::Access
        && subject_matches(policy, &query.subject)
        && policy.draft.resource.iter().all(|attribute| resource_attribute_matches(attribute, query))
        && policy.draft.roles.iter().any(|role| role_holds(role, policy, roles, query))
}

fn subject_matches(policy: &Policy, subject: &AccessSubject) -> bool {
    policy.draft.subject.iter().all(|attribute| match attribute.key.as_str() {
        "iam_id" => attribute.matches(Some(&subject.iam_id)),
        "access_group_id" => subject.access_groups.iter().any(|group| attribute.matches(Some(group))),
        _ => false,
    })
}

/// What [`resource_attribute_matches`] reads of a condition on the resource. The access index holds conditions
/// compactly instead of as [`Attribute`]s; both go through the one matching function, so they cannot decide apart.
pub(crate) trait ResourceCondition {
    /// The attribute's key.
    fn key(&self) -> &str;
    /// The value when it is a single string.
    fn text(&self) -> Option<&str>;
    /// Whether the request's value for the key (`None` when absent) satisfies the condition.
    fn matches(&self, actual: Option<&str>) -> bool;
}

impl ResourceCondition for Attribute {
    fn key(&self) -> &str {
        &self.key
    }

    fn text(&self) -> Option<&str> {
        Attribute::text(self)
    }

    fn matches(&self, actual: Option<&str>) -> bool {
        Attribute::matches(self, actual)
    }
}

pub(crate) fn resource_attribute_matches(condition: &impl ResourceCondition, query: &AccessQuery) -> bool {
    let service = query.resource.get("serviceName");
    match condition.key() {
        "serviceType" => {
            let Some(service) = service else { return false };
            match condition.text() {
                Some("service") => !is_account_management(service),
                Some("platform_service" | "platform-service") => is_account_management(service),
                _ => false,
            }
        }
        "service_group_id" => {
            let group = service.and_then(access_service).and_then(|known| known.group);
            condition.matches(group)
        }
        "serviceName" => match condition.text() {
            // A sub-service of `is` reaches the `is` resources' actions of that sub-service only.
            Some(sub) if sub.starts_with("is.") && service == Some("is") => {
                query.action.strip_prefix(sub).is_some_and(|rest| rest.starts_with('.'))
            }
            _ => condition.matches(service),
        },
        key => condition.matches(query.resource.get(key)),
    }
}

/// Whether `role` of `policy` holds the action on the resource's service.
fn role_holds(role: &str, policy: &Policy, roles: &impl Roles, query: &AccessQuery) -> bool {
    let Some(service_name) = query.resource.get("serviceName") else { return false };
    if let Some(custom) = roles.custom_role(role) {
        return custom_role_holds(custom, policy.draft.owner.as_str(), query);
    }
    access_service(service_name).is_some_and(|service| roles.holds(service, role, &query.action))
}

/// Whether a custom role, named by a policy of `owner`, holds the query's action on the resource's service: only a
/// role of the policy's own account counts, and only on the service it was made for.
pub(crate) fn custom_role_holds(custom: &CustomRole, owner: &str, query: &AccessQuery) -> bool {
    query.resource.get("serviceName").is_some_and(|service_name| {
        custom.account_id.as_str() == owner
            && crate::validate::custom_role_serves(custom, service_name)
            && custom.grants(&query.action)
    })
}

#[cfg(test)]
mod tests;
