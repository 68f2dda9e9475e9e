//! Custom roles (create, read, list, replace, delete) and the access decision over access policies.

use crate::access::{Target, in_policy_account};
use hubspoke_iam::access::{AccessQuery, AccessVerdict};
use hubspoke_iam::custom_role::{validate_content, validate_new};
use hubspoke_iam::{AccountId, Caller, CustomRole, CustomRoleContent, Timestamp};
use hubspoke_store::{EventOutcome, EventRecord, Revision, StoreError};

use crate::events::event;
use crate::precondition::Precondition;
use crate::{App, AppError, AppResult, now_millis};

/// What a create asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCustomRole {
    /// The name that goes into the CRN.
    pub name: String,
    /// The account the role is for.
    pub account_id: AccountId,
    /// The service whose actions it holds.
    pub service_name: String,
    /// Display name, description and actions.
    pub content: CustomRoleContent,
}

fn role_event(caller: &Caller, role: &CustomRole, action: &str) -> EventRecord {
    let reason =
        format!("custom role `{}` on `{}` holding {}", role.name, role.service_name, role.content.actions.join(", "));
    event(
        caller,
        Some(role.account_id.to_string()),
        None,
        action,
        ("custom_role", &role.id),
        EventOutcome::Success,
        reason,
    )
}

impl App {
    /// Creates a custom role in an account the caller administers.
    pub async fn create_custom_role(&self, caller: &Caller, new: NewCustomRole) -> AppResult<(CustomRole, Revision)> {
        validate_new(&new.name, &new.service_name, &new.content)?;
        if !in_policy_account(caller, &new.account_id) {
            return Err(AppError::Forbidden(format!(
                "you may not create custom roles in account `{}`: you administer account `{}`",
                new.account_id,
                caller.account().map(ToString::to_string).unwrap_or_default()
            )));
        }
        self.authorize(caller, "iam-access-management.customRole.create", Target::Account).await?;
        let now = Timestamp(now_millis());
        let role = CustomRole {
            id: uuid::Uuid::new_v4().simple().to_string(),
            name: new.name,
            account_id: new.account_id,
            service_name: new.service_name,
            content: new.content,
            version: 1,
            created_at: now,
            created_by_id: caller.iam_id.clone(),
            last_modified_at: now,
            last_modified_by_id: caller.iam_id.clone(),
        };
        let events = [role_event(caller, &role, "iam-access-management.customRole.create")];
        let revision = match self.store.insert_custom_role(&role, &events).await {
            Ok(revision) => revision,
            Err(StoreError::DuplicateCustomRole { name }) => {
                return Err(AppError::RoleConflict(format!(
                    "a custom role named `{name}` already exists in account `{}`; role names are unique in an account",
                    role.account_id
                )));
            }
            Err(error) => return Err(error.into()),
        };
        self.catch_up(revision).await?;
        Ok((role, revision))
    }

    /// One custom role; another account's is reported as missing.
    pub async fn custom_role(&self, caller: &Caller, id: &str) -> AppResult<CustomRole> {
        match self.store.custom_role(id).await? {
            Some(role) if in_policy_account(caller, &role.account_id) => {
                self.authorize(caller, "iam-access-management.customRole.read", Target::Account).await?;
                Ok(role)
            }
            _ => Err(AppError::RoleNotFound(id.to_owned())),
        }
    }

    /// The custom roles of `account`, when the caller may read them (none otherwise), optionally of one service.
    /// Every identity of the account reads them, as every platform role holds `iam-access-management.customRole.read`
    /// and the role list is the catalog policies are written from.
    pub fn custom_roles(&self, caller: &Caller, account: &AccountId, service_name: Option<&str>) -> Vec<CustomRole> {
        if !in_policy_account(caller, account) {
            return Vec::new();
        }
        let mut roles = self.replica.index().custom_roles_of(account.as_str());
        roles.retain(|role| service_name.is_none_or(|name| hubspoke_iam::validate::custom_role_serves(role, name)));
        roles.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        roles
    }

    /// Replaces a role's display name, description and actions; its name, account and service stay.
    pub async fn replace_custom_role(
        &self,
        caller: &Caller,
        id: &str,
        precondition: &Precondition,
        content: CustomRoleContent,
    ) -> AppResult<(CustomRole, Revision)> {
        let current = self.custom_role(caller, id).await?;
        self.authorize(caller, "iam-access-management.customRole.update", Target::Account).await?;
        precondition.check(&format!("the role `{id}`"), &current.etag())?;
        validate_content(&current.service_name, &content)?;
        let next = CustomRole {
            content,
            version: current.version + 1,
            last_modified_at: Timestamp(now_millis().max(current.last_modified_at.0)),
            last_modified_by_id: caller.iam_id.clone(),
            ..current.clone()
        };
        let events = [role_event(caller, &next, "iam-access-management.customRole.update")];
        let revision = match self.store.update_custom_role(&next, &events).await {
            Ok(revision) => revision,
            Err(StoreError::Stale { .. }) => return Err(self.stale_role(&current).await),
            Err(StoreError::NotFound(_)) => return Err(AppError::RoleNotFound(id.to_owned())),
            Err(error) => return Err(error.into()),
        };
        self.catch_up(revision).await?;
        Ok((next, revision))
    }

    /// Deletes a role no active policy grants.
    pub async fn delete_custom_role(
        &self,
        caller: &Caller,
        id: &str,
        precondition: &Precondition,
    ) -> AppResult<Revision> {
        let current = self.custom_role(caller, id).await?;
        self.authorize(caller, "iam-access-management.customRole.delete", Target::Account).await?;
        precondition.check(&format!("the role `{id}`"), &current.etag())?;
        let events = [role_event(caller, &current, "iam-access-management.customRole.delete")];
        let revision = match self.store.delete_custom_role(&current, now_millis(), &events).await {
            Ok(revision) => revision,
            Err(StoreError::RoleInUse { policies }) => {
                return Err(AppError::RoleConflict(format!(
                    "the custom role `{}` cannot be deleted while policies grant it: {}; delete those policies or remove the role from them first",
                    current.name,
                    policies.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", ")
                )));
            }
            Err(StoreError::Stale { .. }) => return Err(self.stale_role(&current).await),
            Err(error) => return Err(error.into()),
        };
        self.catch_up(revision).await?;
        Ok(revision)
    }

    /// The error of a write that lost to another change of the role.
    async fn stale_role(&self, current: &CustomRole) -> AppError {
        match self.store.custom_role(&current.id).await {
            Ok(Some(latest)) => AppError::PreconditionFailed {
                resource: format!("the role `{}`", current.id),
                given: current.etag(),
                current: latest.etag(),
            },
            Ok(None) => AppError::RoleNotFound(current.id.clone()),
            Err(error) => error.into(),
        }
    }

    /// Which active access policies of the resource's account let the query's subject perform its action, from this
    /// replica's in-memory policies and custom roles. The resource's account is its `accountId` attribute; without
    /// one nothing is granted. The index reads only the policies about the identity and its groups, so a decision
    /// costs the same however many policies the accounts hold.
    pub fn access_decision(&self, query: &AccessQuery) -> AccessVerdict {
        self.replica.index().access_decision(query)
    }
}
