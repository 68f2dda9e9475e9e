//! Policy operations (authorization and access policies): create, read, list, replace, delete and restore.

use std::borrow::Borrow;
use std::sync::Arc;

use hubspoke_iam::access_group::PUBLIC_ACCESS_GROUP_ID;
use hubspoke_iam::identity::service_id_entity;
use hubspoke_iam::validate::{validate, validate_access};
use hubspoke_iam::{AccountId, PolicyDraft, PolicyKind};
use hubspoke_iam::{Caller, Dialect, Policy, PolicyState, Timestamp, UncheckedDraft};
pub use hubspoke_store::AttributeSide;
use hubspoke_store::{
    EventOutcome, EventRecord, PolicyKey, PolicyPosition, PolicyQuery, PolicySortField, Revision, SortValue, StoreError,
};

use crate::access::in_policy_account;
use crate::events::event;
use crate::paging::{Cursor, SortPart};
use crate::policy_book::BookPage;
use crate::precondition::Precondition;
use crate::{App, AppError, AppResult, now_millis};

/// The activity-log entry of a policy change. Only the policy's account reads it: the subject account learns of an
/// authorization by what it can now do, never by the policy itself.
pub(crate) fn policy_event(caller: &Caller, policy: &Policy, action: &str) -> EventRecord {
    let roles = policy.draft.roles.join(", ");
    let reason = match policy.draft.kind() {
        PolicyKind::Authorization => {
            format!("authorization from subject account `{}` granting {roles}", policy.draft.subject_account())
        }
        PolicyKind::Access => {
            let subject = policy.draft.subject.first().map(|a| a.describe()).unwrap_or_default();
            format!("access policy for {subject} granting {roles}")
        }
    };
    event(
        caller,
        Some(policy.draft.owner.to_string()),
        None,
        action,
        ("policy", &policy.id),
        EventOutcome::Success,
        reason,
    )
}

/// What a policy list may be sorted by (the id breaks ties).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicySort {
    /// The id.
    Id,
    /// The creation time.
    CreatedAt,
    /// Who created it.
    CreatedById,
    /// The time of the last change.
    LastModifiedAt,
    /// Who changed it last.
    LastModifiedById,
    /// `active` or `deleted`.
    State,
    /// `access` or `authorization`.
    Kind,
}

impl PolicySort {
    fn column(self) -> PolicySortField {
        match self {
            PolicySort::Id => PolicySortField::Id,
            PolicySort::CreatedAt => PolicySortField::CreatedAt,
            PolicySort::CreatedById => PolicySortField::CreatedById,
            PolicySort::LastModifiedAt => PolicySortField::LastModifiedAt,
            PolicySort::LastModifiedById => PolicySortField::LastModifiedById,
            PolicySort::State => PolicySortField::State,
            PolicySort::Kind => PolicySortField::Kind,
        }
    }
}

/// Where a page of a policy list starts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Position {
    /// At the start.
    #[default]
    First,
    /// After the policy of this cursor (a `next` link).
    After(Cursor),
    /// Before it (a `previous` link).
    Before(Cursor),
}

/// Which policies a list wants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyList {
    /// The owning account.
    pub owner: AccountId,
    /// Only policies in this state.
    pub state: Option<PolicyState>,
    /// Only policies whose resource `serviceName` is this.
    pub resource_service: Option<String>,
    /// Only policies of this kind.
    pub kind: Option<PolicyKind>,
    /// Only policies with each of these exact attributes: (side, key, value).
    pub attributes: Vec<(AttributeSide, String, String)>,
    /// The order, and whether descending; by creation time when unset.
    pub sort: Option<(PolicySort, bool)>,
    /// At most this many; all when unset.
    pub limit: Option<u64>,
    /// Where the page starts.
    pub position: Position,
}

/// One page of a policy list, with where its neighbours start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyListPage {
    /// The policies, in the list's order.
    pub policies: Vec<Arc<Policy>>,
    /// The next page, if policies follow.
    pub next: Option<Cursor>,
    /// The previous page, if policies precede.
    pub previous: Option<Cursor>,
}

/// `page` as listed, with the cursors of its neighbours, taken from the policies read (whether or not they are all
/// shown).
fn listed(field: PolicySort, page: BookPage) -> PolicyListPage {
    let next = page.policies.last().map(|p| cursor_of(field, p)).filter(|_| page.more_after);
    let previous = page.policies.first().map(|p| cursor_of(field, p)).filter(|_| page.more_before);
    PolicyListPage { policies: page.policies, next, previous }
}

/// A policy's place in a list sorted by `field`: the column's value, then the id.
fn cursor_of(field: PolicySort, policy: &Policy) -> Cursor {
    let value = match field {
        PolicySort::Id => SortPart::Text(policy.id.clone()),
        PolicySort::CreatedAt => SortPart::Int(policy.created_at.0),
        PolicySort::CreatedById => SortPart::Text(policy.created_by_id.clone()),
        PolicySort::LastModifiedAt => SortPart::Int(policy.last_modified_at.0),
        PolicySort::LastModifiedById => SortPart::Text(policy.last_modified_by_id.clone()),
        PolicySort::State => SortPart::Text(policy.state.as_str().to_owned()),
        PolicySort::Kind => SortPart::Text(policy.draft.kind().as_str().to_owned()),
    };
    Cursor(vec![value, SortPart::Text(policy.id.clone())])
}

/// The store's key of a cursor, refused when the cursor was made for a list in another order.
fn key_of_cursor(field: PolicySort, cursor: &Cursor) -> AppResult<PolicyKey> {
    let numeric = matches!(field, PolicySort::CreatedAt | PolicySort::LastModifiedAt);
    let value = match (cursor.0.as_slice(), numeric) {
        ([SortPart::Int(value), SortPart::Text(_)], true) => SortValue::Int(*value),
        ([SortPart::Text(value), SortPart::Text(_)], false) => SortValue::Text(value.clone()),
        _ => {
            return Err(AppError::InvalidParameter {
                name: "start",
                message: "`start` is not a page token of this list in this order".to_owned(),
            });
        }
    };
    let Some(SortPart::Text(id)) = cursor.0.last() else { unreachable!("matched above") };
    Ok(PolicyKey { value, id: id.clone() })
}

/// How many times a change without `If-Match` is made again when another writer changed the policy between its read
/// and its write.
const STALE_ATTEMPTS: usize = 8;

impl App {
    /// Checks a draft of a policy of `kind` against its rules; access policies may name the custom roles of their
    /// account, as the in-memory index holds them, and their subject must be able to hold in that account.
    pub(crate) async fn validate_draft(
        &self,
        draft: UncheckedDraft,
        dialect: Dialect,
        kind: PolicyKind,
    ) -> AppResult<PolicyDraft> {
        let draft = self.validate_content(draft, dialect, kind)?;
        if kind == PolicyKind::Access {
            self.check_access_subject(&draft).await?;
        }
        Ok(draft)
    }

    /// Refuses an access policy whose subject cannot hold in its account: an access group that is not one of the
    /// account's, or a locked service ID of the account (IBM: "If the subject is a locked service-id, the request will
    /// fail"). Another account's group is refused exactly like a group that does not exist, and another account's
    /// service ID is accepted exactly like an unknown one, so the answer never tells whether another account's group
    /// or service ID exists.
    async fn check_access_subject(&self, draft: &PolicyDraft) -> AppResult<()> {
        let Some(subject) = draft.subject.first() else { return Ok(()) };
        let Some(value) = subject.text() else { return Ok(()) };
        if subject.key == "access_group_id"
            && value != PUBLIC_ACCESS_GROUP_ID
            && self.store.access_groups(&draft.owner).await?.group(value).is_none()
        {
            return Err(AppError::BadRequest(format!(
                "Access groups can only be assigned against resources in the same account as the access group. \
                 `{value}` is not an access group of account `{}`.",
                draft.owner
            )));
        }
        self.check_subject_unlocked(draft).await
    }

    /// Refuses a change to an access policy whose subject is a locked service ID of its account: such a policy can be
    /// neither created, changed, restored nor deleted until the service ID is unlocked.
    async fn check_subject_unlocked(&self, draft: &PolicyDraft) -> AppResult<()> {
        let Some(subject) = draft.subject.first() else { return Ok(()) };
        let Some(value) = subject.text() else { return Ok(()) };
        if subject.key == "iam_id"
            && let Some(entity) = service_id_entity(value)
            && let Some(record) = self.store.service_id(entity).await?
            && record.account == draft.owner
            && record.locked
        {
            return Err(AppError::BadRequest(format!(
                "the service ID `{value}` is locked: access policies for a locked service ID cannot be created, \
                 changed, restored or deleted; unlock it first"
            )));
        }
        Ok(())
    }

    /// Checks the content of a draft against the policy rules, without reading the store.
    fn validate_content(&self, draft: UncheckedDraft, dialect: Dialect, kind: PolicyKind) -> AppResult<PolicyDraft> {
        Ok(match kind {
            PolicyKind::Authorization => validate(draft, dialect, &self.catalog)?,
            PolicyKind::Access => {
                let owner = draft.resource.iter().find(|a| a.key == "accountId").and_then(|a| match &a.value {
                    hubspoke_iam::RawValue::Text(text) => Some(text.clone()),
                    _ => None,
                });
                let custom_roles = owner.map(|owner| self.replica.index().custom_roles_of(&owner)).unwrap_or_default();
                validate_access(draft, dialect, &custom_roles)?
            }
        })
    }

    /// Creates a policy of `kind`.
    pub async fn create_policy(
        &self,
        caller: &Caller,
        draft: UncheckedDraft,
        dialect: Dialect,
        kind: PolicyKind,
    ) -> AppResult<(Policy, Revision)> {
        let draft = self.validate_draft(draft, dialect, kind).await?;
        if kind == PolicyKind::Access && !in_policy_account(caller, &draft.owner) {
            return Err(AppError::Forbidden(format!(
                "you may not create an access policy on resources of account `{}`: access policies are created in the account whose resources they grant access to, and you administer account `{}`",
                draft.owner,
                caller.account().map(ToString::to_string).unwrap_or_default()
            )));
        }
        if !in_policy_account(caller, &draft.owner) {
            return Err(AppError::Forbidden(format!(
                "you may not create an authorization whose target is in account `{}`: the target of an authorization is always in the account that creates it, and you administer account `{}`",
                draft.owner,
                caller.account().map(ToString::to_string).unwrap_or_default()
            )));
        }
        self.require_on_policy(caller, "iam.policy.create", &draft).await?;
        let now = Timestamp(now_millis());
        let policy = Policy {
            id: uuid::Uuid::new_v4().to_string(),
            draft,
            state: PolicyState::Active,
            version: 1,
            created_at: now,
            created_by_id: caller.iam_id.clone(),
            last_modified_at: now,
            last_modified_by_id: caller.iam_id.clone(),
        };
        let started = std::time::Instant::now();
        let inserted = self.store.insert_policy(&policy, &[policy_event(caller, &policy, "iam.policy.create")]).await;
        metrics::histogram!("hubspoke_store_write_duration_seconds", "operation" => "insert_policy")
            .record(started.elapsed().as_secs_f64());
        let revision = match inserted {
            Ok(revision) => revision,
            Err(error) => return Err(self.refine(error).await),
        };
        self.caught_up_with(revision, &policy).await?;
        Ok((policy, revision))
    }

    /// One policy the caller may read, whatever its state, as this replica holds it: reading never touches the
    /// database (a caller who wrote through another replica names its write's revision to read it here). A policy
    /// this replica has not taken in yet is looked for in the store, so that a policy created a moment ago through
    /// another replica is not reported missing.
    pub async fn policy(&self, caller: &Caller, id: &str) -> AppResult<Arc<Policy>> {
        let policy = match self.replica.policy(id) {
            Some(policy) => Some(policy),
            None => self.store.policy(id).await?.map(Arc::new),
        };
        self.readable(caller, id, policy).await
    }

    /// The policy as the store holds it now, if the caller may read it: what a change starts from.
    async fn stored_policy(&self, caller: &Caller, id: &str) -> AppResult<Policy> {
        let policy = self.store.policy(id).await?;
        self.readable(caller, id, policy).await
    }

    /// `policy` if the caller may read it; another account's policy is reported as missing, so that ids do not leak
    /// across accounts.
    async fn readable<P: Borrow<Policy>>(&self, caller: &Caller, id: &str, policy: Option<P>) -> AppResult<P> {
        match policy {
            Some(policy) if in_policy_account(caller, &policy.borrow().draft.owner) => {
                self.require_on_policy(caller, "iam.policy.read", &policy.borrow().draft).await?;
                Ok(policy)
            }
            _ => Err(AppError::PolicyNotFound(id.to_owned())),
        }
    }

    /// A page of the policies of `query.owner`; empty when the caller may not read that account's policies.
    ///
    /// A page read from the book by someone who may read every policy of the account (its administrator, a service,
    /// the operator) depends only on the book and the query, so it is kept for the book it was read from; a page an
    /// identity reads is filtered by what its access policies let it read, and made for each request.
    pub async fn list_policies(&self, caller: &Caller, query: &PolicyList) -> AppResult<Arc<PolicyListPage>> {
        if !in_policy_account(caller, &query.owner) {
            return Ok(Arc::new(PolicyListPage { policies: Vec::new(), next: None, previous: None }));
        }
        let (field, descending) = query.sort.unwrap_or((PolicySort::CreatedAt, false));
        let position = match &query.position {
            Position::First => PolicyPosition::First,
            Position::After(cursor) => PolicyPosition::After(key_of_cursor(field, cursor)?),
            Position::Before(cursor) => PolicyPosition::Before(key_of_cursor(field, cursor)?),
        };
        let store_query = PolicyQuery {
            owner: query.owner.clone(),
            state: query.state,
            resource_service: query.resource_service.clone(),
            kind: query.kind,
            attributes: query.attributes.clone(),
            sort: Some((field.column(), descending)),
            position,
            limit: query.limit,
        };
        let identity = matches!(caller.kind, hubspoke_iam::CallerKind::AccountIdentity { .. });
        // The book answers lists in creation order at the replica's revision, as it answers reads by id; the store
        // answers the other orders.
        let book = self.replica.policy_book();
        if !identity {
            let kept = self.kept_policy_pages.try_get_or_make(&book, store_query.clone(), || {
                book.page(&store_query).map(|page| listed(field, page)).ok_or(())
            });
            if let Ok(page) = kept {
                return Ok(page);
            }
        }
        let page = match book.page(&store_query) {
            Some(page) => page,
            None => BookPage::from(self.store.list_policies(&store_query).await?),
        };
        // A user or service ID sees the policies it may read; the page keeps its place in the whole list, so the
        // next page starts after the last policy read, whether shown or not.
        let mut list = listed(field, page);
        if identity {
            let mut readable = Vec::with_capacity(list.policies.len());
            for policy in std::mem::take(&mut list.policies) {
                if self.may_read_policy(caller, &policy.draft).await? {
                    readable.push(policy);
                }
            }
            list.policies = readable;
        }
        Ok(Arc::new(list))
    }

    /// Replaces the content of an active policy.
    pub async fn replace_policy(
        &self,
        caller: &Caller,
        id: &str,
        precondition: &Precondition,
        draft: UncheckedDraft,
        dialect: Dialect,
        kind: PolicyKind,
    ) -> AppResult<(Policy, Revision)> {
        let draft = self.validate_draft(draft, dialect, kind).await?;
        self.change_policy(caller, id, precondition, "iam.policy.update", |current| {
            if current.draft.kind() != kind {
                return Err(AppError::BadRequest(format!(
                    "the policy `{id}` is an {} policy; the `type` of a policy cannot change",
                    current.draft.kind().as_str()
                )));
            }
            if current.state != PolicyState::Active {
                return Err(AppError::BadRequest(format!(
                    "the policy `{id}` is deleted; restore it with PATCH `{{\"state\": \"active\"}}` before replacing it"
                )));
            }
            if draft.owner != current.draft.owner {
                return Err(AppError::BadRequest(format!(
                    "the resource `accountId` of a policy cannot change: it is `{}`",
                    current.draft.owner
                )));
            }
            Ok(Some(Policy { draft: draft.clone(), ..self.next_version(caller, current) }))
        })
        .await
    }

    /// Deletes (`Deleted`) or restores (`Active`) a policy, as PATCH does.
    pub async fn set_policy_state(
        &self,
        caller: &Caller,
        id: &str,
        precondition: &Precondition,
        state: PolicyState,
    ) -> AppResult<(Policy, Revision)> {
        let action = if state == PolicyState::Active { "iam.policy.restore" } else { "iam.policy.delete" };
        self.change_policy(caller, id, precondition, action, |current| {
            Ok((current.state != state).then(|| Policy { state, ..self.next_version(caller, current) }))
        })
        .await
    }

    /// Deletes an active policy, honouring `If-Match` when one is given. A policy that is already deleted is reported
    /// as not found, as is one deleted by a concurrent request.
    pub async fn delete_policy(&self, caller: &Caller, id: &str, precondition: &Precondition) -> AppResult<Revision> {
        let deleted = self.change_policy(caller, id, precondition, "iam.policy.delete", |current| {
            if current.state == PolicyState::Deleted {
                return Err(AppError::PolicyNotFound(id.to_owned()));
            }
            Ok(Some(Policy { state: PolicyState::Deleted, ..self.next_version(caller, current) }))
        });
        Ok(deleted.await?.1)
    }

    fn next_version(&self, caller: &Caller, current: &Policy) -> Policy {
        Policy {
            version: current.version + 1,
            last_modified_at: Timestamp(now_millis().max(current.last_modified_at.0)),
            last_modified_by_id: caller.iam_id.clone(),
            ..current.clone()
        }
    }

    /// Reads the policy, checks `If-Match`, computes the next version with `next` (`None`: nothing to change) and
    /// writes it if nobody changed the policy meanwhile. When somebody did, a request that named an ETag is told its
    /// ETag is stale (412); one without an ETag is applied again to the newer state, as if it had come after it.
    async fn change_policy(
        &self,
        caller: &Caller,
        id: &str,
        precondition: &Precondition,
        action: &str,
        next: impl Fn(&Policy) -> AppResult<Option<Policy>>,
    ) -> AppResult<(Policy, Revision)> {
        for _ in 0..STALE_ATTEMPTS {
            let current = self.stored_policy(caller, id).await?;
            // Restoring a policy is an update as far as access goes; the catalog has no `iam.policy.restore`.
            let needed = if action == "iam.policy.restore" { "iam.policy.update" } else { action };
            self.require_on_policy(caller, needed, &current.draft).await?;
            check_precondition(&current, precondition)?;
            let Some(next) = next(&current)? else { return Ok((current, self.replica.revision())) };
            if next.draft.kind() == PolicyKind::Access {
                match (current.state, next.state) {
                    // A restored policy must hold as a new one would: its group still there, its service ID unlocked.
                    (PolicyState::Deleted, PolicyState::Active) => self.check_access_subject(&next.draft).await?,
                    (PolicyState::Active, PolicyState::Deleted) => self.check_subject_unlocked(&next.draft).await?,
                    _ => {}
                }
            }
            let started = std::time::Instant::now();
            let updated = self.store.update_policy(&next, &[policy_event(caller, &next, action)]).await;
            metrics::histogram!("hubspoke_store_write_duration_seconds", "operation" => "update_policy")
                .record(started.elapsed().as_secs_f64());
            let revision = match updated {
                Ok(revision) => revision,
                Err(StoreError::Stale { .. }) if !matches!(precondition, Precondition::Etag(_)) => continue,
                // Someone else changed the policy between our read and our write: their change wins, and the client
                // is told the ETag it sent is no longer current.
                Err(StoreError::Stale { .. }) => {
                    let latest = self.store.policy(id).await?.unwrap_or_else(|| current.clone());
                    return Err(AppError::PreconditionFailed {
                        resource: format!("the policy `{}`", latest.id),
                        given: current.etag(),
                        current: latest.etag(),
                    });
                }
                Err(error) => return Err(self.refine(error).await),
            };
            self.caught_up_with(revision, &next).await?;
            return Ok((next, revision));
        }
        Err(StoreError::Contended(format!("policy `{id}` kept changing while `{action}` was applied")).into())
    }

    /// Turns a duplicate reported by the store into the error clients see, with the existing policy in full.
    async fn refine(&self, error: StoreError) -> AppError {
        let StoreError::DuplicatePolicy { existing } = error else { return error.into() };
        match self.store.policy(&existing).await {
            Ok(Some(policy)) => AppError::DuplicatePolicy { existing: Box::new(policy) },
            Ok(None) => AppError::Internal(format!("the conflicting policy `{existing}` disappeared")),
            Err(error) => error.into(),
        }
    }
}

fn check_precondition(current: &Policy, precondition: &Precondition) -> AppResult<()> {
    precondition.check(&format!("the policy `{}`", current.id), &current.etag())
}
