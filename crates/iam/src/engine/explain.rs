//! Why a policy does or does not grant a request: the mismatches between them, and readable summaries.

use std::fmt;

use super::{AccessRequest, Decision, IndexedPolicy};
use crate::attribute::Attribute;
use crate::policy::PolicyId;

/// One reason a policy does not grant a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// A subject attribute of the policy is not satisfied by the request's subject.
    Subject {
        /// What the policy requires.
        expected: Attribute,
        /// What the request carried under that name, if anything.
        actual: Option<String>,
    },
    /// A resource attribute of the policy is not satisfied by the request's resource.
    Resource {
        /// What the policy requires.
        expected: Attribute,
        /// What the request carried under that name, if anything.
        actual: Option<String>,
    },
    /// None of the policy's roles grants the requested action.
    Action {
        /// The requested action.
        action: String,
        /// The role ids the policy grants.
        roles: Vec<String>,
    },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let attribute =
            |f: &mut fmt::Formatter<'_>, side: &str, expected: &Attribute, actual: &Option<String>| match actual {
                Some(actual) => {
                    write!(f, "{side} `{}` is `{actual}` but the policy requires {}", expected.key, expected.describe())
                }
                None => write!(f, "{side} has no `{}` but the policy requires {}", expected.key, expected.describe()),
            };
        match self {
            Mismatch::Subject { expected, actual } => attribute(f, "subject", expected, actual),
            Mismatch::Resource { expected, actual } => attribute(f, "resource", expected, actual),
            Mismatch::Action { action, roles } => {
                write!(f, "no role of the policy ({}) grants `{action}`", roles.join(", "))
            }
        }
    }
}

/// A policy that did not grant the request, with everything that stood in the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NearMiss {
    /// The policy.
    pub policy_id: PolicyId,
    /// Every unmet condition; never empty.
    pub mismatches: Vec<Mismatch>,
}

pub(super) fn mismatches(policy: &IndexedPolicy, request: &AccessRequest) -> Vec<Mismatch> {
    let mut found = Vec::new();
    for expected in policy.subject.iter() {
        let actual = request.subject.get(expected.key());
        if !expected.matches(actual) {
            found.push(Mismatch::Subject { expected: expected.to_attribute(), actual: actual.map(str::to_owned) });
        }
    }
    for expected in policy.resource.iter() {
        let actual = request.resource.get(expected.key());
        if !expected.matches(actual) {
            found.push(Mismatch::Resource { expected: expected.to_attribute(), actual: actual.map(str::to_owned) });
        }
    }
    if !policy.grants_action(&request.action) {
        found.push(Mismatch::Action { action: request.action.clone(), roles: policy.role_ids() });
    }
    found
}

impl Decision {
    /// One paragraph saying what was decided and why, naming policies, attributes and roles.
    pub fn explain(&self, request: &AccessRequest) -> String {
        let lines = self.explain_lines(request);
        match lines.split_first() {
            Some((headline, misses)) if !misses.is_empty() => format!("{headline} {}", misses.join(" | ")),
            _ => lines.concat(),
        }
    }

    /// The explanation as lines: what was decided, then for a denial with near misses one line per nearest policy
    /// (`policy <id>: <what did not match>`), for readers that show them apart.
    pub fn explain_lines(&self, request: &AccessRequest) -> Vec<String> {
        let owner = request.resource.get("accountId").unwrap_or("(none)");
        let subject_account = request.subject.get("accountId").unwrap_or("(none)");
        if self.permitted {
            let ids: Vec<String> = self.granted_by.iter().map(|id| format!("`{id}`")).collect();
            return vec![format!("`{}` is permitted by authorization policy {}", request.action, ids.join(", "))];
        }
        if !self.propagating.is_empty() {
            let pending: Vec<String> = self.propagating.iter().map(|(id, _)| format!("`{id}`")).collect();
            return vec![format!(
                "`{}` is denied for now: authorization policy {} grants it once its change has propagated",
                request.action,
                pending.join(", ")
            )];
        }
        if self.near_misses.is_empty() {
            return vec![format!(
                "`{}` is denied: account `{owner}` has no active authorization policy for subjects in account `{subject_account}`",
                request.action
            )];
        }
        let headline = format!(
            "`{}` is denied: no active authorization policy of account `{owner}` grants it; nearest:",
            request.action
        );
        let misses = self.near_misses.iter().map(|miss| {
            let reasons: Vec<String> = miss.mismatches.iter().map(Mismatch::to_string).collect();
            format!("policy `{}`: {}", miss.policy_id, reasons.join("; "))
        });
        std::iter::once(headline).chain(misses).collect()
    }
}
