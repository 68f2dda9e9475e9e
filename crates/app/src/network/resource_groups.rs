//! Resource groups (Resource Manager): list, read, create, rename and delete.
//!
//! The groups live in the VPC world, next to the resources that belong to them, so that the refusal to delete a
//! group that still holds resources (rule RG1) and the check of every `resource_group` reference (rule RG4) read the
//! same world a change is computed on. An account's default group needs the account's creation time, which only the
//! store's account records know; it is looked up here and handed to the rules as an [`Owner`].

use hubspoke_iam::{AccountId, Caller, Timestamp};
use hubspoke_store::Revision;
use hubspoke_vpc::RuleError;
use hubspoke_vpc::model::ResourceGroup;
use hubspoke_vpc::rules::resource_group::{self, Owner};

use super::Activity;
use crate::{App, AppError, AppResult};

/// Which groups `GET /v2/resource_groups` lists; every filter given must match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceGroupFilter {
    /// `account_id`: only this account's groups.
    pub account: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `default`.
    pub default: Option<bool>,
}

impl App {
    /// The account `id` as an owner of resource groups, or 404.
    async fn owner(&self, id: &AccountId) -> AppResult<Owner> {
        let record = self.store.account(id).await?.ok_or_else(|| AppError::AccountNotFound(id.to_string()))?;
        Ok(Owner { account: record.id, since: Timestamp(record.created_at) })
    }

    /// The accounts whose groups the caller sees: its own, or for the operator every account.
    async fn visible_owners(&self, caller: &Caller) -> AppResult<Vec<Owner>> {
        match caller.account() {
            Some(account) => Ok(vec![self.owner(account).await?]),
            None => Ok(self
                .store
                .list_accounts()
                .await?
                .into_iter()
                .map(|record| Owner { account: record.id, since: Timestamp(record.created_at) })
                .collect()),
        }
    }

    /// The owner of the group `id` among the accounts the caller sees, or 404 (another account's group is reported
    /// exactly as a missing one).
    async fn group_owner(&self, caller: &Caller, id: &str) -> AppResult<Owner> {
        let world = self.replica.world();
        let owners = self.visible_owners(caller).await?;
        owners
            .into_iter()
            .find(|owner| resource_group::find(&world, owner, id).is_some())
            .ok_or_else(|| AppError::Rule(RuleError::not_found("resource group", id)))
    }

    /// `GET /v2/resource_groups`: the default group of each account first, then the others by id.
    pub async fn list_resource_groups(
        &self,
        caller: &Caller,
        filter: &ResourceGroupFilter,
    ) -> AppResult<Vec<ResourceGroup>> {
        let world = self.replica.world();
        let owners = self.visible_owners(caller).await?;
        Ok(owners
            .iter()
            .filter(|owner| filter.account.as_ref().is_none_or(|account| account == owner.account.as_str()))
            .flat_map(|owner| resource_group::groups_of(&world, owner))
            .filter(|group| filter.name.as_ref().is_none_or(|name| *name == group.name))
            .filter(|group| filter.default.is_none_or(|default| default == group.default))
            .collect())
    }

    /// `GET /v2/resource_groups/{id}`.
    pub async fn resource_group(&self, caller: &Caller, id: &str) -> AppResult<ResourceGroup> {
        let owner = self.group_owner(caller, id).await?;
        resource_group::find(&self.replica.world(), &owner, id)
            .ok_or_else(|| AppError::Rule(RuleError::not_found("resource group", id)))
    }

    /// `POST /v2/resource_groups`: in `account` (the caller's own when not given; the operator must name one).
    pub async fn create_resource_group(
        &self,
        caller: &Caller,
        name: &str,
        account: Option<&str>,
    ) -> AppResult<ResourceGroup> {
        let account = match (account, caller.account()) {
            (Some(text), _) => AccountId::parse(text).ok_or_else(|| AppError::InvalidParameter {
                name: "account_id",
                message: format!(
                    "`account_id` `{text}` is not an account id: expected 32 lowercase hexadecimal characters"
                ),
            })?,
            (None, Some(own)) => own.clone(),
            (None, None) => {
                return Err(AppError::InvalidParameter {
                    name: "account_id",
                    message: "the operator has no account: `account_id` names the account to create the group in"
                        .into(),
                });
            }
        };
        // Another account is refused by the rule (RG5) before anything tells whether it exists.
        let owner = match caller.account() {
            Some(own) if *own != account => Owner { account, since: Timestamp(0) },
            _ => self.owner(&account).await?,
        };
        let activity = Activity::creating("resource-controller.group.create", "resource_group");
        let (id, _) =
            self.change(caller, activity, |world, ctx| resource_group::create(world, ctx, &owner, name)).await?;
        self.resource_group(caller, &id).await
    }

    /// `PATCH /v2/resource_groups/{id}`: renames it (a request without a name changes nothing).
    pub async fn update_resource_group(
        &self,
        caller: &Caller,
        id: &str,
        name: Option<&str>,
    ) -> AppResult<ResourceGroup> {
        let owner = self.group_owner(caller, id).await?;
        if let Some(name) = name {
            let activity = Activity::on("resource-controller.group.update", "resource_group", id);
            self.change(caller, activity, |world, ctx| resource_group::rename(world, ctx, &owner, id, name)).await?;
        }
        self.resource_group(caller, id).await
    }

    /// `DELETE /v2/resource_groups/{id}`.
    pub async fn delete_resource_group(&self, caller: &Caller, id: &str) -> AppResult<Revision> {
        let owner = self.group_owner(caller, id).await?;
        let activity = Activity::on("resource-controller.group.delete", "resource_group", id);
        let (_, revision) =
            self.change(caller, activity, |world, ctx| resource_group::delete(world, ctx, &owner, id)).await?;
        Ok(revision)
    }
}
