//! The activity log: what happened, who did it, what the decision engine said; and who may read it.

use hubspoke_iam::Caller;
use hubspoke_store::{EventOutcome, EventQuery, EventRecord};

use crate::{App, AppResult, now_millis};

/// Largest page of events.
pub const MAX_EVENTS_PAGE: u64 = 200;

/// Builds an event for `caller`.
pub(crate) fn event(
    caller: &Caller,
    account: Option<String>,
    other_account: Option<String>,
    action: &str,
    target: (&str, &str),
    outcome: EventOutcome,
    reason: String,
) -> EventRecord {
    EventRecord {
        id: uuid::Uuid::new_v4().to_string(),
        at: now_millis(),
        actor: caller.iam_id.clone(),
        account: account.or_else(|| caller.account().map(ToString::to_string)),
        other_account,
        action: action.to_owned(),
        target_kind: target.0.to_owned(),
        target_id: target.1.to_owned(),
        outcome,
        reason,
    }
}

impl App {
    /// A page of events, newest first: every event for the operator, an account's own (and those naming it as the
    /// other party) for an administrator.
    pub async fn events(&self, caller: &Caller, offset: u64, limit: u64) -> AppResult<(Vec<EventRecord>, u64)> {
        let account = if caller.is_operator() { None } else { caller.account().map(ToString::to_string) };
        let query = EventQuery { account, offset, limit: limit.clamp(1, MAX_EVENTS_PAGE) };
        Ok(self.store.list_events(&query).await?)
    }
}
