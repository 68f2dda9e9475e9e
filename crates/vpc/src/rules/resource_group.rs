//! Resource groups (Resource Manager): create, rename, delete, and the check every VPC resource's
//! `resource_group` reference goes through (rules RG1–RG5).
//!
//! Every account has a default group whose id is derived from the account id. It exists without a stored row for as
//! long as it keeps IBM's name, `Default`; renaming it stores it. So every account, whenever it was created, has its
//! default group, and nothing has to be written when an account is created.

use hubspoke_iam::{AccountId, Timestamp};

use super::Applied;
use crate::Context;
use crate::error::{RuleError, RuleResult};
use crate::model::{ResourceGroup, default_resource_group_id};
use crate::world::{Entity, EntityKey, World};

/// The default group's name until it is renamed.
pub const DEFAULT_NAME: &str = "Default";
/// The longest resource group name, in characters.
pub const MAX_NAME_CHARS: usize = 40;

/// An account, with the time it was created (which is when its default group was).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// The account.
    pub account: AccountId,
    /// When it was created.
    pub since: Timestamp,
}

/// The account's default group as it is before anyone renames it.
fn implicit_default(owner: &Owner) -> ResourceGroup {
    ResourceGroup {
        id: default_resource_group_id(&owner.account),
        account: owner.account.clone(),
        name: DEFAULT_NAME.to_owned(),
        default: true,
        created_at: owner.since,
        updated_at: owner.since,
    }
}

/// Every group of `owner`'s account: its default group first, then the others by id.
pub fn groups_of(world: &World, owner: &Owner) -> Vec<ResourceGroup> {
    let default = default_resource_group_id(&owner.account);
    let mut groups = vec![world.resource_group(&default).cloned().unwrap_or_else(|| implicit_default(owner))];
    groups.extend(world.resource_groups().filter(|g| g.account == owner.account && g.id != default).cloned());
    groups
}

/// One group of `owner`'s account, if it has one with this id.
pub fn find(world: &World, owner: &Owner, id: &str) -> Option<ResourceGroup> {
    if id == default_resource_group_id(&owner.account) {
        return Some(world.resource_group(id).cloned().unwrap_or_else(|| implicit_default(owner)));
    }
    world.resource_group(id).filter(|g| g.account == owner.account).cloned()
}

/// The name of the group `id` of `account` as references show it: the stored name, or `Default` for the default
/// group that was never renamed. `None` for an id that names none of the account's groups.
pub fn name_of<'a>(world: &'a World, account: &AccountId, id: &str) -> Option<&'a str> {
    match world.resource_group(id) {
        Some(group) if group.account == *account => Some(&group.name),
        Some(_) => None,
        None => (id == default_resource_group_id(account)).then_some(DEFAULT_NAME),
    }
}

/// The group a new resource of `account` goes in: the one the request names, which must be one of `account`'s
/// groups (rule RG4), or the account's default group. Every create that takes `resource_group` calls this.
pub fn reference(world: &World, account: &AccountId, named: Option<&str>) -> RuleResult<String> {
    let Some(id) = named else {
        return Ok(default_resource_group_id(account));
    };
    // A group of another account is reported exactly as a missing one.
    match name_of(world, account, id) {
        Some(_) => Ok(id.to_owned()),
        None => Err(RuleError::not_found("resource group", id).rule("RG4").field("resource_group")),
    }
}

/// Whether any resource belongs to the group.
pub fn in_use(world: &World, id: &str) -> bool {
    world.vpcs().any(|vpc| vpc.resource_group == id)
        || world.subnets().any(|subnet| subnet.resource_group == id)
        || world.gateways().any(|gateway| gateway.resource_group == id)
        || world.security_groups().any(|group| group.resource_group == id)
        || world.network_acls().any(|acl| acl.resource_group == id)
        || world.public_gateways().any(|gateway| gateway.resource_group == id)
        || world.service_instances().any(|instance| instance.is_live() && instance.resource_group == id)
}

fn check_name(world: &World, owner: &Owner, name: &str, except: Option<&str>) -> RuleResult<String> {
    let name = name.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_');
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || !name.chars().all(allowed) {
        return Err(RuleError::invalid(
            "resource_group_name_invalid",
            format!(
                "the resource group name `{name}` must be 1 to {MAX_NAME_CHARS} letters, digits, spaces, `-` or `_`"
            ),
        )
        .field("name"));
    }
    if groups_of(world, owner).iter().any(|g| g.name == name && Some(g.id.as_str()) != except) {
        return Err(RuleError::conflict(
            "resource_group_name_duplicate",
            format!("account `{}` already has a resource group named `{name}`", owner.account),
        )
        .rule("RG3")
        .field("name"));
    }
    Ok(name.to_owned())
}

fn may_act(ctx: &Context, owner: &Owner) -> RuleResult<()> {
    if ctx.may_act_in(&owner.account) {
        return Ok(());
    }
    Err(RuleError::forbidden(format!(
        "resource groups are created in the caller's own account, not in account `{}`",
        owner.account
    ))
    .rule("RG5")
    .field("account_id"))
}

/// Creates a group in `owner`'s account, which must be the caller's own (rule RG5; the operator may name any).
pub fn create(world: &World, ctx: &mut Context, owner: &Owner, name: &str) -> RuleResult<Applied<String>> {
    may_act(ctx, owner)?;
    let name = check_name(world, owner, name, None)?;
    let id = ctx.ids.uuid().replace('-', "");
    let mut draft = world.draft();
    draft.put(Entity::ResourceGroup(ResourceGroup {
        id: id.clone(),
        account: owner.account.clone(),
        name,
        default: false,
        created_at: ctx.now,
        updated_at: ctx.now,
    }));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

fn own_group(world: &World, ctx: &Context, owner: &Owner, id: &str) -> RuleResult<ResourceGroup> {
    find(world, owner, id)
        .filter(|group| ctx.may_act_in(&group.account))
        .ok_or_else(|| RuleError::not_found("resource group", id))
}

/// Renames a group (the default group too: it keeps being the default).
pub fn rename(world: &World, ctx: &mut Context, owner: &Owner, id: &str, name: &str) -> RuleResult<Applied<String>> {
    let mut group = own_group(world, ctx, owner, id)?;
    group.name = check_name(world, owner, name, Some(id))?;
    group.updated_at = ctx.now;
    let mut draft = world.draft();
    draft.put(Entity::ResourceGroup(group));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// Deletes a group: never the default one (rule RG2), and only once no resource belongs to it (rule RG1).
pub fn delete(world: &World, ctx: &mut Context, owner: &Owner, id: &str) -> RuleResult<Applied<()>> {
    let group = own_group(world, ctx, owner, id)?;
    if group.default {
        return Err(RuleError::conflict(
            "resource_group_default",
            format!("resource group `{id}` is the account's default group, which cannot be deleted"),
        )
        .rule("RG2"));
    }
    if in_use(world, id) {
        return Err(RuleError::conflict(
            "resource_group_not_empty",
            format!("resource group `{id}` still holds resources; delete or move them first"),
        )
        .rule("RG1"));
    }
    let mut draft = world.draft();
    draft.remove(EntityKey::ResourceGroup(id.to_owned()));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}
