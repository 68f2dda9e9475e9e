//! The activity log: what happened, who did it, what the decision engine said; and who may read it.

use hubspoke_iam::Caller;
use hubspoke_store::{EventOutcome, EventQuery, EventRecord};

use crate::paging::{Cursor, Page, PageRequest, SortPart};
use crate::{App, AppError, AppResult, now_millis};

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
        sequence: 0,
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

/// One entry of the activity log, as its readers see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityEvent {
    /// A unique id.
    pub id: String,
    /// When, in milliseconds since the epoch.
    pub at: i64,
    /// The IAM id of who acted.
    pub actor: String,
    /// The account it happened in.
    pub account: Option<String>,
    /// The other account involved, which may also see it.
    pub other_account: Option<String>,
    /// What was done, for example `is.vpc.dns-resolution-binding.create`.
    pub action: String,
    /// The kind of resource.
    pub target_kind: String,
    /// The resource id.
    pub target_id: String,
    /// `success`, `refused` or `waived`.
    pub outcome: &'static str,
    /// Why.
    pub reason: String,
}

impl From<EventRecord> for ActivityEvent {
    fn from(record: EventRecord) -> ActivityEvent {
        ActivityEvent {
            id: record.id,
            at: record.at,
            actor: record.actor,
            account: record.account,
            other_account: record.other_account,
            action: record.action,
            target_kind: record.target_kind,
            target_id: record.target_id,
            outcome: record.outcome.as_str(),
            reason: record.reason,
        }
    }
}

impl App {
    /// A page of events, newest first: every event for the operator, an account's own (and those naming it as the
    /// other party) for an administrator. Pages follow each other by position in the log, so events written between
    /// two pages neither repeat nor push older ones out of sight.
    pub async fn events(&self, caller: &Caller, page: &PageRequest) -> AppResult<Page<ActivityEvent>> {
        let account = if caller.is_operator() { None } else { caller.account().map(ToString::to_string) };
        let before = match page.after.as_ref().map(|cursor| cursor.0.as_slice()) {
            None => None,
            Some([SortPart::Int(negated)]) => Some(-negated),
            Some(_) => {
                return Err(AppError::InvalidParameter {
                    name: "start",
                    message: "`start` is not a page token of this list".to_owned(),
                });
            }
        };
        let limit = (page.limit as u64).clamp(1, MAX_EVENTS_PAGE);
        // One more than the page tells whether another follows.
        let query = EventQuery { account, before, limit: limit + 1 };
        let (mut records, total) = self.store.list_events(&query).await?;
        let more = records.len() as u64 > limit;
        records.truncate(limit as usize);
        let next = records.last().filter(|_| more).map(|last| Cursor(vec![SortPart::Int(-last.sequence)]));
        Ok(Page { items: records.into_iter().map(ActivityEvent::from).collect(), total: total as usize, next })
    }
}
