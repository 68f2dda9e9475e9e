//! [`RuleError`]: why a VPC command was refused, with the rule, the code IBM-style clients see, and the resources
//! involved.

use std::fmt;

use hubspoke_iam::AccountId;

/// The class of a refusal; the api part maps it to an HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The input is malformed or names something impossible (400).
    Invalid,
    /// The named resource does not exist or is not the caller's to see (404).
    NotFound,
    /// The resources are in a state that forbids the change (409).
    Conflict,
    /// The IAM authorization that DNS sharing requires is missing (401, as IBM answers).
    NotAuthorized,
    /// The caller may not act on the resource (403).
    Forbidden,
    /// `If-Match` names a state that is no longer current (412).
    PreconditionFailed,
}

/// What an IAM refusal was about, so the api part can name the grant that would fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingGrant {
    /// The action that was refused, for example `is.vpc.dns-resolution-binding.connect`.
    pub action: String,
    /// The spoke (subject) account.
    pub spoke_account: String,
    /// The spoke VPC.
    pub spoke_vpc: String,
    /// The hub (target) account.
    pub hub_account: String,
    /// The hub VPC.
    pub hub_vpc: String,
}

/// A part of a refusal that names what only one account's administrator may see: another tenant's resources in a
/// DNS sharing topology, or the hub account's policies that decided a denial.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confidential {
    /// The account whose administrator (and the operator) may see it: the hub's.
    pub account: AccountId,
    /// The detail, one or more lines.
    pub detail: Vec<String>,
    /// Whether [`RuleError::revealed_to`] found the reader may see it.
    pub revealed: bool,
}

/// A refused command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    /// The class of refusal.
    pub refusal: Refusal,
    /// The error code, for example `dns_resolution_binding_exists`.
    pub code: &'static str,
    /// The rule of `docs/rules.md` that refused it, for example `C2`, when one did.
    pub rule: Option<&'static str>,
    /// A message naming the condition and the resources involved.
    pub message: String,
    /// The field, parameter or header at fault, as IBM's `target` (`name`, `type`).
    pub target: Option<(String, &'static str)>,
    /// For IAM refusals, what was missing.
    pub grant: Option<Box<MissingGrant>>,
    /// What the message leaves out because the actor may not see it; once [`RuleError::revealed_to`] found the
    /// reader may, it stays here, revealed, apart from the one-sentence message (see [`RuleError::revealed`]).
    pub confidential: Option<Box<Confidential>>,
}

impl RuleError {
    fn new(refusal: Refusal, code: &'static str, rule: Option<&'static str>, message: String) -> RuleError {
        RuleError { refusal, code, rule, message, target: None, grant: None, confidential: None }
    }

    /// 400: the request cannot be honoured as written.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> RuleError {
        RuleError::new(Refusal::Invalid, code, None, message.into())
    }

    /// 409: the state of the resources forbids it.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> RuleError {
        RuleError::new(Refusal::Conflict, code, None, message.into())
    }

    /// 404 for a resource of `kind` with this id.
    pub fn not_found(kind: &str, id: &str) -> RuleError {
        RuleError::new(Refusal::NotFound, "not_found", None, format!("{kind} `{id}` was not found"))
    }

    /// 403: the caller may not act on the resource.
    pub fn forbidden(message: impl Into<String>) -> RuleError {
        RuleError::new(Refusal::Forbidden, "forbidden", None, message.into())
    }

    /// Marks the error with the rule that raised it; the message ends with `(rule X)`.
    pub fn rule(mut self, rule: &'static str) -> RuleError {
        self.rule = Some(rule);
        self.message = format!("{} (rule {rule})", self.message);
        self
    }

    /// Names the field at fault.
    pub fn field(mut self, name: &str) -> RuleError {
        self.target = Some((name.to_owned(), "field"));
        self
    }

    /// Adds what only `account`'s administrator may read (the operator too).
    pub fn confidential(mut self, account: &AccountId, detail: Vec<String>) -> RuleError {
        self.confidential = Some(Box::new(Confidential { account: account.clone(), detail, revealed: false }));
        self
    }

    /// 401 for a missing DNS sharing authorization. The message says which action on which VPC was missing and that
    /// the hub's account grants it; the decision engine's `explanation` (the hub account's nearest policies) is
    /// confidential to the hub's administrator.
    pub fn not_authorized(rule: &'static str, grant: MissingGrant, explanation: Vec<String>) -> RuleError {
        let message = format!(
            "the DNS-shared VPC `{}` (account `{}`) is not authorized to `{}` the hub VPC `{}` (account `{}`): the hub account must grant it the `DNSBindingConnector` role with an s2s authorization policy",
            grant.spoke_vpc, grant.spoke_account, grant.action, grant.hub_vpc, grant.hub_account
        );
        let hub = AccountId::parse(&grant.hub_account);
        let mut error = RuleError {
            grant: Some(Box::new(grant)),
            ..RuleError::new(Refusal::NotAuthorized, "not_authorized", None, message)
        }
        .rule(rule);
        if let Some(hub) = hub {
            error = error.confidential(&hub, explanation);
        }
        error
    }

    /// The refusal as `viewer` may read it: the confidential detail is revealed (see [`RuleError::revealed`]) to
    /// the operator (`None`) and to the administrator of the account it belongs to, and dropped for everyone else.
    pub fn revealed_to(mut self, viewer: Option<&AccountId>) -> RuleError {
        self.confidential = self.confidential.take().filter(|c| viewer.is_none_or(|viewer| *viewer == c.account));
        if let Some(confidential) = &mut self.confidential {
            confidential.revealed = true;
        }
        self
    }

    /// The confidential detail, once revealed to this reader; empty otherwise.
    pub fn revealed(&self) -> &[String] {
        match &self.confidential {
            Some(confidential) if confidential.revealed => &confidential.detail,
            _ => &[],
        }
    }

    /// The message with whatever was revealed, as one text (for the activity log and explanations).
    pub fn full_text(&self) -> String {
        match self.revealed() {
            [] => self.message.clone(),
            lines => format!("{}: {}", self.message, lines.join(" ")),
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuleError {}

/// Shorthand for results of commands.
pub type RuleResult<T> = Result<T, RuleError>;
