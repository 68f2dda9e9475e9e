//! Access groups (`/v2/groups`): one function per operation, over an account's groups as the store reads them.
//!
//! An account's administrator (and the operator) may do everything with the account's groups; another account's
//! groups, members and rules are "not found", exactly like missing ones. Every write is one store transaction made
//! while holding the application's group-write lock, so the limits that span groups (an iam id in at most fifty)
//! are judged against the state the write lands on. Reads go to the store, which is the one copy every replica
//! shares; the decision index does not hold groups.

use hubspoke_iam::access_group::{
    self, AccessGroup, AccessGroupError, Condition, GroupSettings, Member, MemberKind, PUBLIC_ACCESS_GROUP_ID, Rule,
};
use hubspoke_iam::{AccountId, Caller, Policy, PolicyKind, PolicyState, Timestamp};
use hubspoke_store::{
    AccessGroupSet, AccessGroupWrite, AttributeSide, JointWrite, PolicyPosition, PolicyQuery, PolicyWrite, Revision,
    StoreError,
};

use crate::policies::policy_event;
use crate::precondition::{Precondition, etag_of};
use crate::{App, AppError, AppResult, now_millis};

/// How many times a group delete reads the group's policies again after a policy naming it was created meanwhile.
const DELETE_ATTEMPTS: usize = 8;

/// The ETag of a group: it changes exactly when the group does (not when its members or rules do).
pub fn group_etag(group: &AccessGroup) -> String {
    etag_of(group)
}

/// The ETag of a rule.
pub fn rule_etag(rule: &Rule) -> String {
    etag_of(rule)
}

/// Which memberships a list by `iam_id` counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MembershipType {
    /// Members added by hand.
    Static,
    /// Members a dynamic rule added at login; hubspoke has no federated logins, so there are none.
    Dynamic,
    /// Both.
    All,
}

impl MembershipType {
    /// Parses IBM's spelling.
    pub fn parse(text: &str) -> Option<MembershipType> {
        match text {
            "static" => Some(MembershipType::Static),
            "dynamic" => Some(MembershipType::Dynamic),
            "all" => Some(MembershipType::All),
            _ => None,
        }
    }
}

/// What `search` looks for, case-insensitively, as a substring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupSearch {
    /// `id:…`
    Id(String),
    /// `name:…`, or a search without a prefix.
    Name(String),
    /// `description:…`
    Description(String),
}

impl GroupSearch {
    /// Parses `id:`, `name:` and `description:` searches; text without a known prefix searches names.
    pub fn parse(text: &str) -> GroupSearch {
        match text.split_once(':') {
            Some(("id", rest)) => GroupSearch::Id(rest.to_owned()),
            Some(("name", rest)) => GroupSearch::Name(rest.to_owned()),
            Some(("description", rest)) => GroupSearch::Description(rest.to_owned()),
            _ => GroupSearch::Name(text.to_owned()),
        }
    }

    fn matches(&self, group: &AccessGroup) -> bool {
        let contains = |haystack: &str, needle: &str| haystack.to_lowercase().contains(&needle.to_lowercase());
        match self {
            GroupSearch::Id(needle) => contains(&group.id, needle),
            GroupSearch::Name(needle) => contains(&group.name, needle),
            GroupSearch::Description(needle) => contains(&group.description, needle),
        }
    }
}

/// A column a group list is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupSort {
    /// `id`
    Id,
    /// `name` (case-insensitive)
    Name,
    /// `description` (case-insensitive)
    Description,
    /// `is_federated`: every group is `false`, so this keeps the creation order.
    IsFederated,
}

impl GroupSort {
    /// Parses IBM's spelling.
    pub fn parse(text: &str) -> Option<GroupSort> {
        match text {
            "id" => Some(GroupSort::Id),
            "name" => Some(GroupSort::Name),
            "description" => Some(GroupSort::Description),
            "is_federated" => Some(GroupSort::IsFederated),
            _ => None,
        }
    }
}

/// Which groups `GET /v2/groups` wants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupQuery {
    /// The account, as given in `account_id`.
    pub account: String,
    /// Only the groups this iam id is a member of.
    pub iam_id: Option<String>,
    /// Which memberships of `iam_id` count (`static` when not given).
    pub membership_type: Option<MembershipType>,
    /// A search.
    pub search: Option<GroupSearch>,
    /// The order, and whether descending; creation order when not given.
    pub sort: Option<(GroupSort, bool)>,
    /// Whether to leave out the Public Access group.
    pub hide_public_access: bool,
}

/// A column a member list is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberSort {
    /// `iam_id`
    IamId,
    /// `type`
    Type,
    /// `created_at`
    CreatedAt,
}

impl MemberSort {
    /// Parses IBM's spelling.
    pub fn parse(text: &str) -> Option<MemberSort> {
        match text {
            "iam_id" => Some(MemberSort::IamId),
            "type" => Some(MemberSort::Type),
            "created_at" => Some(MemberSort::CreatedAt),
            _ => None,
        }
    }
}

/// Which members `GET /v2/groups/{id}/members` wants.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberQuery {
    /// Which memberships (`all` when not given).
    pub membership_type: Option<MembershipType>,
    /// Only members of this kind.
    pub kind: Option<MemberKind>,
    /// The order, and whether descending; the order they were added in when not given.
    pub sort: Option<(MemberSort, bool)>,
}

/// How one member of a bulk change fared, as a 207 answer lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberOutcome {
    /// The iam id (or, for a change of one iam id across groups, the group id).
    pub subject: String,
    /// The member as stored, when it was added.
    pub member: Option<Member>,
    /// The HTTP status of this item.
    pub status: u16,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// A rule as given to create or replace it, not yet checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInput {
    /// Its name.
    pub name: String,
    /// Hours.
    pub expiration: i64,
    /// The identity provider's realm.
    pub realm_name: String,
    /// Its conditions.
    pub conditions: Vec<Condition>,
}

fn group_not_found(id: &str) -> AppError {
    AppError::AccessGroupNotFound(format!("Group with id `{id}` not found"))
}

fn new_id(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4())
}

/// The account a caller may act in, from an `account_id` it gave: its own, or any for the operator.
fn own_account(caller: &Caller, account: &str) -> AppResult<AccountId> {
    let parsed = AccountId::parse(account).ok_or_else(|| AppError::InvalidParameter {
        name: "account_id",
        message: format!("`account_id` `{account}` is not an account id: expected 32 lowercase hexadecimal characters"),
    })?;
    if caller.is_operator() || caller.account() == Some(&parsed) {
        return Ok(parsed);
    }
    Err(AppError::Forbidden(format!(
        "you may not manage the access groups of account `{account}`: you administer account `{}`",
        caller.account().map(ToString::to_string).unwrap_or_default()
    )))
}

impl App {
    /// The caller's account's stored groups and the account's creation time (the Public Access group's), or
    /// `None` when the account does not exist.
    async fn group_set(&self, account: &AccountId) -> AppResult<Option<(AccessGroupSet, i64)>> {
        let Some(record) = self.store.account(account).await? else { return Ok(None) };
        Ok(Some((self.store.access_groups(account).await?, record.created_at)))
    }

    /// Finds the group `id` among the accounts the caller may see: its own, or (for the operator) the account the
    /// id is stored in. The Public Access group is the caller's own account's.
    async fn locate_group(&self, caller: &Caller, id: &str) -> AppResult<(AccountId, AccessGroupSet, AccessGroup)> {
        let account = match caller.account() {
            Some(account) => account.clone(),
            None => self.store_account_of_group(id).await?.ok_or_else(|| group_not_found(id))?,
        };
        let (set, created_at) = self.group_set(&account).await?.ok_or_else(|| group_not_found(id))?;
        let group = if id == PUBLIC_ACCESS_GROUP_ID {
            AccessGroup::public_access(account.clone(), created_at)
        } else {
            set.group(id).cloned().ok_or_else(|| group_not_found(id))?
        };
        Ok((account, set, group))
    }

    /// The account a stored group belongs to (the operator names groups by id alone).
    async fn store_account_of_group(&self, id: &str) -> AppResult<Option<AccountId>> {
        for account in self.store.list_accounts().await? {
            if self.store.access_groups(&account.id).await?.group(id).is_some() {
                return Ok(Some(account.id));
            }
        }
        Ok(None)
    }

    async fn write_groups(&self, account: &AccountId, writes: &[AccessGroupWrite]) -> AppResult<Revision> {
        let revision = match self.store.write_access_groups(account, writes, now_millis()).await {
            Ok(revision) => revision,
            Err(StoreError::Stale { id, .. }) => {
                return Err(AppError::PreconditionFailed {
                    resource: format!("`{id}`"),
                    given: "the version read".to_owned(),
                    current: "a newer version".to_owned(),
                });
            }
            Err(StoreError::NotFound(id)) => return Err(group_not_found(&id)),
            Err(error) => return Err(error.into()),
        };
        self.caught_up(revision).await?;
        Ok(revision)
    }

    /// `POST /v2/groups?account_id=…`: a new group. Names may repeat (rule AG1 only bounds their length).
    pub async fn create_access_group(
        &self,
        caller: &Caller,
        account: &str,
        name: &str,
        description: Option<&str>,
    ) -> AppResult<(AccessGroup, Revision)> {
        let account = own_account(caller, account)?;
        let name = access_group::check_name(name)?;
        let description = access_group::check_description(description.unwrap_or_default())?;
        let _lock = self.group_writes.lock().await;
        if self.store.account(&account).await?.is_none() {
            return Err(AppError::AccountNotFound(account.to_string()));
        }
        let now = now_millis();
        let group = AccessGroup {
            id: new_id("AccessGroupId"),
            account: account.clone(),
            name,
            description,
            created_at: now,
            created_by_id: caller.iam_id.clone(),
            last_modified_at: now,
            last_modified_by_id: caller.iam_id.clone(),
            version: 1,
        };
        let revision = self.write_groups(&account, &[AccessGroupWrite::InsertGroup(group.clone())]).await?;
        Ok((group, revision))
    }

    /// `GET /v2/groups?account_id=…`: the account's groups, the Public Access group first unless hidden, filtered
    /// and sorted; an account the caller may not see lists nothing.
    pub async fn list_access_groups(&self, caller: &Caller, query: &GroupQuery) -> AppResult<Vec<AccessGroup>> {
        let account = match own_account(caller, &query.account) {
            Ok(account) => account,
            Err(AppError::Forbidden(_)) => return Ok(Vec::new()),
            Err(error) => return Err(error),
        };
        let Some((set, created_at)) = self.group_set(&account).await? else { return Ok(Vec::new()) };
        let mut groups = Vec::with_capacity(set.groups.len() + 1);
        if !query.hide_public_access {
            groups.push(AccessGroup::public_access(account.clone(), created_at));
        }
        groups.extend(set.groups.iter().cloned());
        if let Some(iam_id) = &query.iam_id {
            // Every member is static, so `dynamic` finds none; the Public Access group holds every identity of the
            // account but lists no members, so it is not one of an iam id's groups here.
            let member_of = match query.membership_type.unwrap_or(MembershipType::Static) {
                MembershipType::Dynamic => Vec::new(),
                MembershipType::Static | MembershipType::All => set.groups_of(iam_id),
            };
            groups.retain(|group| member_of.contains(&group.id));
        }
        if let Some(search) = &query.search {
            groups.retain(|group| search.matches(group));
        }
        if let Some((field, descending)) = query.sort {
            groups.sort_by(|a, b| {
                let order = match field {
                    GroupSort::Id => a.id.cmp(&b.id),
                    GroupSort::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
                    GroupSort::Description => a.description.to_lowercase().cmp(&b.description.to_lowercase()),
                    GroupSort::IsFederated => std::cmp::Ordering::Equal,
                };
                if descending { order.reverse() } else { order }
            });
        }
        Ok(groups)
    }

    /// `GET /v2/groups/{id}`: one group.
    pub async fn access_group(&self, caller: &Caller, id: &str) -> AppResult<AccessGroup> {
        Ok(self.locate_group(caller, id).await?.2)
    }

    /// `PATCH /v2/groups/{id}`: a new name or description, when `If-Match` names the group's current ETag.
    pub async fn update_access_group(
        &self,
        caller: &Caller,
        id: &str,
        precondition: &Precondition,
        name: Option<&str>,
        description: Option<&str>,
    ) -> AppResult<(AccessGroup, Revision)> {
        let name = name.map(access_group::check_name).transpose()?;
        let description = description.map(access_group::check_description).transpose()?;
        let _lock = self.group_writes.lock().await;
        let (account, _, current) = self.locate_group(caller, id).await?;
        access_group::check_changeable(&current, "renamed or described anew")?;
        precondition.check(&format!("the access group `{id}`"), &group_etag(&current))?;
        let mut group = current.clone();
        group.name = name.unwrap_or(current.name);
        group.description = description.unwrap_or(current.description);
        group.last_modified_at = now_millis();
        group.last_modified_by_id = caller.iam_id.clone();
        group.version = current.version + 1;
        let revision = self.write_groups(&account, &[AccessGroupWrite::UpdateGroup(group.clone())]).await?;
        Ok((group, revision))
    }

    /// `DELETE /v2/groups/{id}?force=…`: without `force`, only a group without members or rules (rule AG9); with it,
    /// the members and rules go too. Either way the access policies whose subject is the group are deleted with it,
    /// in the same transaction, each with its `iam.policy.delete` event: IBM deletes "the group and its policies",
    /// and only members and rules call for `force`.
    pub async fn delete_access_group(&self, caller: &Caller, id: &str, force: bool) -> AppResult<Revision> {
        let _lock = self.group_writes.lock().await;
        // Policy writes do not take the group lock: a policy naming the group may be created between the read of its
        // policies and the delete, which the store then refuses as stale, and the delete reads again.
        for _ in 0..DELETE_ATTEMPTS {
            let (account, set, group) = self.locate_group(caller, id).await?;
            access_group::check_deletable(&group, set.members_of(id).count(), set.rules_of(id).count(), force)?;
            let now = now_millis();
            let policies: Vec<Policy> = self
                .policies_of_group(&account, id)
                .await?
                .into_iter()
                .map(|policy| Policy {
                    state: PolicyState::Deleted,
                    version: policy.version + 1,
                    last_modified_at: Timestamp(now.max(policy.last_modified_at.0)),
                    last_modified_by_id: caller.iam_id.clone(),
                    ..policy
                })
                .collect();
            let write = JointWrite {
                users: Vec::new(),
                groups: vec![AccessGroupWrite::DeleteGroup(group.id)],
                events: policies.iter().map(|policy| policy_event(caller, policy, "iam.policy.delete")).collect(),
                policies: policies.into_iter().map(PolicyWrite::Replace).collect(),
            };
            match self.store.write_access_groups_with(&account, &write, now).await {
                Ok(revision) => {
                    self.caught_up(revision).await?;
                    return Ok(revision);
                }
                Err(StoreError::Stale { .. }) => continue,
                Err(StoreError::NotFound(id)) => return Err(group_not_found(&id)),
                Err(error) => return Err(error.into()),
            }
        }
        Err(StoreError::Contended(format!(
            "the policies of the access group `{id}` kept changing while it was deleted"
        ))
        .into())
    }

    /// The active access policies of `account` whose subject is the access group `id`.
    async fn policies_of_group(&self, account: &AccountId, id: &str) -> AppResult<Vec<Policy>> {
        let query = PolicyQuery {
            owner: account.clone(),
            state: Some(PolicyState::Active),
            resource_service: None,
            kind: Some(PolicyKind::Access),
            attributes: vec![(AttributeSide::Subject, "access_group_id".to_owned(), id.to_owned())],
            sort: None,
            position: PolicyPosition::First,
            limit: None,
        };
        Ok(self.store.list_policies(&query).await?.policies)
    }

    /// `PUT /v2/groups/{id}/members`: adds 1 to 50 members (rule AG3); each is judged on its own (rules AG4, AG5)
    /// and the answer lists how each fared. A member already in the group stays as it was and counts as added.
    pub async fn add_access_group_members(
        &self,
        caller: &Caller,
        id: &str,
        members: &[(String, MemberKind)],
    ) -> AppResult<(Vec<MemberOutcome>, Revision)> {
        access_group::check_member_count(members.len())?;
        let _lock = self.group_writes.lock().await;
        let (account, set, group) = self.locate_group(caller, id).await?;
        access_group::check_changeable(&group, "given members")?;
        let now = now_millis();
        let mut writes = Vec::new();
        let mut outcomes = Vec::with_capacity(members.len());
        for (iam_id, kind) in members {
            let existing = set.members_of(id).find(|member| &member.iam_id == iam_id).cloned();
            let joined = writes.iter().any(
                |write| matches!(write, AccessGroupWrite::InsertMember { member, .. } if &member.iam_id == iam_id),
            );
            let checked = access_group::check_member(iam_id, *kind).and_then(|()| match existing.is_some() || joined {
                true => Ok(()),
                false => access_group::check_membership_limit(iam_id, set.groups_of(iam_id).len()),
            });
            let outcome = match checked {
                Err(error) => refused(iam_id, &error),
                Ok(()) => {
                    let member = existing.unwrap_or_else(|| Member {
                        iam_id: iam_id.clone(),
                        kind: *kind,
                        created_at: now,
                        created_by_id: caller.iam_id.clone(),
                    });
                    if !joined && set.members_of(id).all(|stored| &stored.iam_id != iam_id) {
                        writes.push(AccessGroupWrite::InsertMember { group_id: id.to_owned(), member: member.clone() });
                    }
                    MemberOutcome { subject: iam_id.clone(), member: Some(member), status: 200, error: None }
                }
            };
            outcomes.push(outcome);
        }
        let revision = match writes.is_empty() {
            true => self.replica.revision(),
            false => self.write_groups(&account, &writes).await?,
        };
        Ok((outcomes, revision))
    }

    /// `GET /v2/groups/{id}/members`: the group's members, filtered and sorted. The Public Access group lists
    /// none: its membership is every identity, not a list.
    pub async fn list_access_group_members(
        &self,
        caller: &Caller,
        id: &str,
        query: &MemberQuery,
    ) -> AppResult<Vec<Member>> {
        let (_, set, _) = self.locate_group(caller, id).await?;
        if query.membership_type == Some(MembershipType::Dynamic) {
            return Ok(Vec::new());
        }
        let mut members: Vec<Member> =
            set.members_of(id).filter(|member| query.kind.is_none_or(|kind| member.kind == kind)).cloned().collect();
        if let Some((field, descending)) = query.sort {
            members.sort_by(|a, b| {
                let order = match field {
                    MemberSort::IamId => a.iam_id.cmp(&b.iam_id),
                    MemberSort::Type => a.kind.cmp(&b.kind).then_with(|| a.iam_id.cmp(&b.iam_id)),
                    MemberSort::CreatedAt => a.created_at.cmp(&b.created_at).then_with(|| a.iam_id.cmp(&b.iam_id)),
                };
                if descending { order.reverse() } else { order }
            });
        }
        Ok(members)
    }

    /// `HEAD /v2/groups/{id}/members/{iam_id}`: whether `iam_id` is a member; "not found" when it is not.
    pub async fn check_access_group_member(&self, caller: &Caller, id: &str, iam_id: &str) -> AppResult<()> {
        let (_, set, _) = self.locate_group(caller, id).await?;
        match set.members_of(id).any(|member| member.iam_id == iam_id) {
            true => Ok(()),
            false => Err(member_not_found(id, iam_id)),
        }
    }

    /// `DELETE /v2/groups/{id}/members/{iam_id}`: one member leaves.
    pub async fn remove_access_group_member(&self, caller: &Caller, id: &str, iam_id: &str) -> AppResult<Revision> {
        let _lock = self.group_writes.lock().await;
        let (account, set, group) = self.locate_group(caller, id).await?;
        access_group::check_changeable(&group, "given members")?;
        if !set.members_of(id).any(|member| member.iam_id == iam_id) {
            return Err(member_not_found(id, iam_id));
        }
        let write = AccessGroupWrite::DeleteMember { group_id: id.to_owned(), iam_id: iam_id.to_owned() };
        self.write_groups(&account, &[write]).await
    }

    /// `POST /v2/groups/{id}/members/delete`: 1 to 50 members leave (rule AG3). When none of them is a member the
    /// whole request is "not found", naming the group; otherwise each non-member is listed as not found.
    pub async fn remove_access_group_members(
        &self,
        caller: &Caller,
        id: &str,
        iam_ids: &[String],
    ) -> AppResult<(Vec<MemberOutcome>, Revision)> {
        access_group::check_member_count(iam_ids.len())?;
        let _lock = self.group_writes.lock().await;
        let (account, set, group) = self.locate_group(caller, id).await?;
        access_group::check_changeable(&group, "given members")?;
        let mut writes = Vec::new();
        let mut outcomes = Vec::with_capacity(iam_ids.len());
        for iam_id in iam_ids {
            let member = set.members_of(id).any(|member| &member.iam_id == iam_id);
            let listed = writes.iter().any(
                |write| matches!(write, AccessGroupWrite::DeleteMember { iam_id: listed, .. } if listed == iam_id),
            );
            if member && !listed {
                writes.push(AccessGroupWrite::DeleteMember { group_id: id.to_owned(), iam_id: iam_id.clone() });
            }
            outcomes.push(match member {
                true => MemberOutcome { subject: iam_id.clone(), member: None, status: 204, error: None },
                false => MemberOutcome {
                    subject: iam_id.clone(),
                    member: None,
                    status: 404,
                    error: Some(member_not_found(id, iam_id).to_string()),
                },
            });
        }
        if writes.is_empty() {
            return Err(AppError::AccessGroupNotFound(format!(
                "none of the iam ids given is a member of the access group `{id}`"
            )));
        }
        let revision = self.write_groups(&account, &writes).await?;
        Ok((outcomes, revision))
    }

    /// `PUT /v2/groups/_allgroups/members/{iam_id}?account_id=…`: adds one iam id to several groups; each group is
    /// judged on its own (a missing group is 404, the Public Access group 403, the fifty-group limit 403).
    pub async fn add_member_to_access_groups(
        &self,
        caller: &Caller,
        account: &str,
        iam_id: &str,
        kind: MemberKind,
        group_ids: &[String],
    ) -> AppResult<(Vec<MemberOutcome>, Revision)> {
        let account = own_account(caller, account)?;
        access_group::check_member(iam_id, kind)?;
        if group_ids.is_empty() {
            return Err(AppError::BadRequest("`groups` must name at least one access group".to_owned()));
        }
        let _lock = self.group_writes.lock().await;
        let (set, _) = self.group_set(&account).await?.ok_or_else(|| AppError::AccountNotFound(account.to_string()))?;
        let now = now_millis();
        let mut groups_now = set.groups_of(iam_id);
        let mut writes = Vec::new();
        let mut outcomes = Vec::with_capacity(group_ids.len());
        for group_id in group_ids {
            let outcome = if group_id == PUBLIC_ACCESS_GROUP_ID {
                refused(group_id, &AccessGroupError::PublicAccess("given members"))
            } else if set.group(group_id).is_none() {
                MemberOutcome {
                    subject: group_id.clone(),
                    member: None,
                    status: 404,
                    error: Some(group_not_found(group_id).to_string()),
                }
            } else if groups_now.contains(group_id) {
                MemberOutcome { subject: group_id.clone(), member: None, status: 200, error: None }
            } else {
                match access_group::check_membership_limit(iam_id, groups_now.len()) {
                    Err(error) => refused(group_id, &error),
                    Ok(()) => {
                        let member = Member {
                            iam_id: iam_id.to_owned(),
                            kind,
                            created_at: now,
                            created_by_id: caller.iam_id.clone(),
                        };
                        writes.push(AccessGroupWrite::InsertMember { group_id: group_id.clone(), member });
                        groups_now.push(group_id.clone());
                        MemberOutcome { subject: group_id.clone(), member: None, status: 200, error: None }
                    }
                }
            };
            outcomes.push(outcome);
        }
        let revision = match writes.is_empty() {
            true => self.replica.revision(),
            false => self.write_groups(&account, &writes).await?,
        };
        Ok((outcomes, revision))
    }

    /// `DELETE /v2/groups/_allgroups/members/{iam_id}?account_id=…`: removes one iam id from every group of the
    /// account; "not found", naming the iam id, when it is in none.
    pub async fn remove_member_from_all_access_groups(
        &self,
        caller: &Caller,
        account: &str,
        iam_id: &str,
    ) -> AppResult<(Vec<MemberOutcome>, Revision)> {
        let not_member = || AppError::AccessGroupNotFound(format!("`{iam_id}` is not a member of any access group"));
        let account = match own_account(caller, account) {
            Err(AppError::Forbidden(_)) => return Err(not_member()),
            other => other?,
        };
        let _lock = self.group_writes.lock().await;
        let (set, _) = self.group_set(&account).await?.ok_or_else(not_member)?;
        let groups = set.groups_of(iam_id);
        if groups.is_empty() {
            return Err(not_member());
        }
        let writes: Vec<AccessGroupWrite> = groups
            .iter()
            .map(|group_id| AccessGroupWrite::DeleteMember { group_id: group_id.clone(), iam_id: iam_id.to_owned() })
            .collect();
        let revision = self.write_groups(&account, &writes).await?;
        let outcomes = groups
            .into_iter()
            .map(|group_id| MemberOutcome { subject: group_id, member: None, status: 204, error: None })
            .collect();
        Ok((outcomes, revision))
    }

    /// `POST /v2/groups/{id}/rules`: a new dynamic rule (rules AG6, AG7).
    pub async fn create_access_group_rule(
        &self,
        caller: &Caller,
        id: &str,
        input: RuleInput,
    ) -> AppResult<(Rule, Revision)> {
        let draft = access_group::check_rule(&input.name, input.expiration, &input.realm_name, input.conditions)?;
        let _lock = self.group_writes.lock().await;
        let (account, _, group) = self.locate_group(caller, id).await?;
        access_group::check_changeable(&group, "given rules")?;
        let now = now_millis();
        let rule = Rule {
            id: new_id("ClaimRule"),
            group_id: id.to_owned(),
            account: account.clone(),
            draft,
            created_at: now,
            created_by_id: caller.iam_id.clone(),
            last_modified_at: now,
            last_modified_by_id: caller.iam_id.clone(),
            version: 1,
        };
        let revision = self.write_groups(&account, &[AccessGroupWrite::InsertRule(rule.clone())]).await?;
        Ok((rule, revision))
    }

    /// `GET /v2/groups/{id}/rules`: the group's rules, oldest first.
    pub async fn list_access_group_rules(&self, caller: &Caller, id: &str) -> AppResult<Vec<Rule>> {
        let (_, set, _) = self.locate_group(caller, id).await?;
        Ok(set.rules_of(id).cloned().collect())
    }

    /// `GET /v2/groups/{id}/rules/{rule_id}`: one rule.
    pub async fn access_group_rule(&self, caller: &Caller, id: &str, rule_id: &str) -> AppResult<Rule> {
        let (_, set, _) = self.locate_group(caller, id).await?;
        set.rules_of(id).find(|rule| rule.id == rule_id).cloned().ok_or_else(|| rule_not_found(id, rule_id))
    }

    /// `PUT /v2/groups/{id}/rules/{rule_id}`: replaces a rule, when `If-Match` names its current ETag.
    pub async fn replace_access_group_rule(
        &self,
        caller: &Caller,
        id: &str,
        rule_id: &str,
        precondition: &Precondition,
        input: RuleInput,
    ) -> AppResult<(Rule, Revision)> {
        let draft = access_group::check_rule(&input.name, input.expiration, &input.realm_name, input.conditions)?;
        let _lock = self.group_writes.lock().await;
        let (account, set, _) = self.locate_group(caller, id).await?;
        let current =
            set.rules_of(id).find(|rule| rule.id == rule_id).cloned().ok_or_else(|| rule_not_found(id, rule_id))?;
        precondition.check(&format!("the rule `{rule_id}`"), &rule_etag(&current))?;
        let rule = Rule {
            draft,
            last_modified_at: now_millis(),
            last_modified_by_id: caller.iam_id.clone(),
            version: current.version + 1,
            ..current
        };
        let revision = self.write_groups(&account, &[AccessGroupWrite::UpdateRule(rule.clone())]).await?;
        Ok((rule, revision))
    }

    /// `DELETE /v2/groups/{id}/rules/{rule_id}`.
    pub async fn delete_access_group_rule(&self, caller: &Caller, id: &str, rule_id: &str) -> AppResult<Revision> {
        let _lock = self.group_writes.lock().await;
        let (account, set, _) = self.locate_group(caller, id).await?;
        if !set.rules_of(id).any(|rule| rule.id == rule_id) {
            return Err(rule_not_found(id, rule_id));
        }
        self.write_groups(&account, &[AccessGroupWrite::DeleteRule(rule_id.to_owned())]).await
    }

    /// `GET /v2/groups/settings?account_id=…`: the account's group settings; public access is enabled until it is
    /// first turned off, as in a new IBM account.
    pub async fn access_group_settings(&self, caller: &Caller, account: &str) -> AppResult<GroupSettings> {
        let account = own_account(caller, account)?;
        let (set, created_at) =
            self.group_set(&account).await?.ok_or_else(|| AppError::AccountNotFound(account.to_string()))?;
        Ok(set.settings.unwrap_or(GroupSettings {
            account,
            public_access_enabled: true,
            last_modified_at: created_at,
            last_modified_by_id: String::new(),
        }))
    }

    /// `PATCH /v2/groups/settings?account_id=…`: turns public access on or off.
    pub async fn update_access_group_settings(
        &self,
        caller: &Caller,
        account: &str,
        public_access_enabled: Option<bool>,
    ) -> AppResult<(GroupSettings, Revision)> {
        let _lock = self.group_writes.lock().await;
        let current = self.access_group_settings(caller, account).await?;
        let settings = GroupSettings {
            public_access_enabled: public_access_enabled.unwrap_or(current.public_access_enabled),
            last_modified_at: now_millis(),
            last_modified_by_id: caller.iam_id.clone(),
            ..current
        };
        let revision =
            self.write_groups(&settings.account.clone(), &[AccessGroupWrite::PutSettings(settings.clone())]).await?;
        Ok((settings, revision))
    }

    /// The ids of the groups `iam_id` belongs to in `account`, for access decisions: the groups it was added to,
    /// and the Public Access group, which holds every identity of the account.
    pub async fn access_group_ids_of(&self, account: &AccountId, iam_id: &str) -> AppResult<Vec<String>> {
        let mut ids = vec![PUBLIC_ACCESS_GROUP_ID.to_owned()];
        ids.extend(self.store.access_groups(account).await?.groups_of(iam_id));
        Ok(ids)
    }
}

fn refused(subject: &str, error: &AccessGroupError) -> MemberOutcome {
    let status = match error {
        AccessGroupError::MembershipLimit { .. } | AccessGroupError::PublicAccess(_) => 403,
        _ => 400,
    };
    MemberOutcome { subject: subject.to_owned(), member: None, status, error: Some(error.to_string()) }
}

fn member_not_found(id: &str, iam_id: &str) -> AppError {
    AppError::AccessGroupNotFound(format!("`{iam_id}` is not a member of the access group `{id}`"))
}

fn rule_not_found(id: &str, rule_id: &str) -> AppError {
    AppError::AccessGroupNotFound(format!("Rule with id `{rule_id}` not found in the access group `{id}`"))
}
