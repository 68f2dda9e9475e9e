//! Decisions for callers of the evaluation API: who may ask, and how much of the explanation they may see.

use hubspoke_iam::authority::may_manage_policies_of;
use hubspoke_iam::{AccessRequest, AccountId, Caller, Decision};

use crate::{App, AppError, AppResult, now_millis};

/// How much of a decision's explanation the caller may see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// The caller owns the target account (or is the operator): policy ids and mismatches.
    Full,
    /// The caller owns only the subject account: the decision, but not the target account's policies.
    DecisionOnly,
}

impl App {
    /// Decides a request for a caller. The target account's administrator sees the whole explanation; the subject
    /// account's administrator may ask about its own resources but learns nothing of the target's policies; anyone
    /// else is refused.
    pub fn decide(&self, caller: &Caller, request: &AccessRequest) -> AppResult<(Decision, Visibility)> {
        let owns = |account: Option<&str>| {
            account.and_then(AccountId::parse).is_some_and(|account| may_manage_policies_of(caller, &account))
        };
        let visibility = if owns(request.resource.get("accountId")) {
            Visibility::Full
        } else if owns(request.subject.get("accountId")) {
            Visibility::DecisionOnly
        } else {
            return Err(AppError::Forbidden(
                "you may only evaluate requests whose resource or subject `accountId` is your own account".into(),
            ));
        };
        let mut decision = self.decide_now(request);
        let result = if decision.permitted { "permit" } else { "deny" };
        metrics::counter!("hubspoke_decisions_total", "point" => "authzen", "result" => result).increment(1);
        if visibility == Visibility::DecisionOnly {
            decision.near_misses.clear();
            decision.granted_by.clear();
            decision.propagating.clear();
        }
        Ok((decision, visibility))
    }

    /// The decision on `request` now, counting only policies that have propagated (`--iam-propagation-delay`).
    pub(crate) fn decide_now(&self, request: &AccessRequest) -> Decision {
        let by =
            hubspoke_vpc::propagated_by(hubspoke_iam::Timestamp(now_millis()), self.settings.iam_propagation_delay_ms);
        self.replica.index().decide_as_of(request, by)
    }

    /// When a decision that is a denial only because policies are still propagating turns into a permit.
    pub(crate) fn propagates_at(&self, decision: &Decision) -> Option<hubspoke_iam::Timestamp> {
        let first = decision.propagating.iter().map(|(_, changed)| changed.0).min()?;
        Some(hubspoke_iam::Timestamp(first + self.settings.iam_propagation_delay_ms))
    }
}
