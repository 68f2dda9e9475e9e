//! DNS Services instances (Resource Controller service instances of `dns-svcs`), with rules I1–I3: create, rename,
//! delete, and the lookup every DNS Services operation starts with.

use hubspoke_iam::text::{describe, forbidden_character};

use super::{Applied, owner_account};
use crate::Context;
use crate::error::{RuleError, RuleResult};
use crate::global_catalog;
use crate::model::{DnsPlan, ServiceInstance};
use crate::world::{Entity, World};

/// The longest instance name.
pub const NAME_LENGTH: usize = 180;

/// `POST /v2/resource_instances`.
#[derive(Clone, Debug)]
pub struct NewServiceInstance {
    /// `name`.
    pub name: String,
    /// `resource_plan_id`: a plan of `dns-svcs`, by catalog id or name.
    pub plan: String,
    /// `target`: where it is deployed; DNS Services is global (the location, or the plan's deployment CRN).
    pub target: Option<String>,
    /// `resource_group`: one of the account's groups; the default group when not given.
    pub resource_group: Option<String>,
}

/// A live instance of the caller's account (the operator: any), or 404: another account's instance, and a deleted
/// one, are reported exactly as a missing one. Every DNS Services operation names its instance and starts here.
pub fn own_instance<'a>(world: &'a World, ctx: &Context, id: &str) -> RuleResult<&'a ServiceInstance> {
    world
        .service_instance(id)
        .filter(|instance| instance.is_live() && ctx.may_act_in(&instance.account))
        .ok_or_else(|| RuleError::not_found("DNS Services instance", id))
}

/// Rule I1: the plan is one of DNS Services', named by its catalog id or its name.
fn parse_plan(text: &str) -> RuleResult<DnsPlan> {
    global_catalog::plan(text).ok_or_else(|| {
        RuleError::invalid(
            "invalid_plan",
            format!(
                "`{text}` is not a plan of DNS Services (`dns-svcs`); use `{}` or `{}`, or their catalog ids `{}` and `{}`",
                DnsPlan::Standard.as_str(),
                DnsPlan::Free.as_str(),
                global_catalog::plan_id(DnsPlan::Standard),
                global_catalog::plan_id(DnsPlan::Free)
            ),
        )
        .rule("I1")
        .field("resource_plan_id")
    })
}

/// Rule I2: an instance's name is 1 to 180 characters, none hidden or a control character.
fn check_name(name: &str) -> RuleResult<()> {
    if name.trim().is_empty() || name.chars().count() > NAME_LENGTH {
        return Err(RuleError::invalid(
            "invalid_name",
            format!("the instance name must be 1 to {NAME_LENGTH} characters"),
        )
        .rule("I2")
        .field("name"));
    }
    match forbidden_character(name, false) {
        Some(character) => Err(RuleError::invalid(
            "invalid_name",
            format!("the instance name contains the character {}, which a name may not hold", describe(character)),
        )
        .rule("I2")
        .field("name")),
        None => Ok(()),
    }
}

/// `POST /v2/resource_instances`: plan and target are DNS Services' (rule I1), the name valid (rule I2), the group one
/// of the account's (rule RG4).
pub fn create(world: &World, ctx: &mut Context, input: &NewServiceInstance) -> RuleResult<Applied<String>> {
    let account = owner_account(ctx)?;
    let plan = parse_plan(&input.plan)?;
    if let Some(target) = &input.target
        && !global_catalog::is_target_of(plan, target)
    {
        return Err(RuleError::invalid(
            "invalid_target",
            format!(
                "DNS Services is deployed in `global` only (target `global` or `{}`), not in `{target}`",
                global_catalog::catalog_crn(global_catalog::deployment(plan))
            ),
        )
        .rule("I1")
        .field("target"));
    }
    check_name(&input.name)?;
    let resource_group = super::resource_group::reference(world, &account, input.resource_group.as_deref())?;
    let instance = ServiceInstance {
        id: ctx.ids.uuid(),
        account,
        name: input.name.clone(),
        plan,
        resource_group,
        created_at: ctx.now,
        updated_at: ctx.now,
        removed_at: None,
    };
    let id = instance.id.clone();
    let mut draft = world.draft();
    draft.put(Entity::ServiceInstance(instance));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

/// `PATCH /v2/resource_instances/{id}`: the name and the plan (rules I1, I2).
pub fn update(
    world: &World,
    ctx: &mut Context,
    id: &str,
    name: Option<&str>,
    plan: Option<&str>,
) -> RuleResult<Applied<String>> {
    let mut instance = own_instance(world, ctx, id)?.clone();
    if let Some(name) = name {
        check_name(name)?;
        instance.name = name.to_owned();
    }
    if let Some(plan) = plan {
        instance.plan = parse_plan(plan)?;
    }
    instance.updated_at = ctx.now;
    let mut draft = world.draft();
    draft.put(Entity::ServiceInstance(instance));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// `DELETE /v2/resource_instances/{id}`: refused while it holds zones or custom resolvers (rule I3).
pub fn delete(world: &World, ctx: &mut Context, id: &str) -> RuleResult<Applied<()>> {
    let instance = own_instance(world, ctx, id)?;
    let zones = world.zones_of(id).count();
    let resolvers = world.resolvers().filter(|resolver| resolver.instance == id).count();
    if zones + resolvers > 0 {
        return Err(RuleError::conflict(
            "instance_in_use",
            format!(
                "DNS Services instance `{}` still has {zones} zone(s) and {resolvers} custom resolver(s); delete them first",
                instance.id
            ),
        )
        .rule("I3"));
    }
    // The instance is kept, `removed`, so a client that deleted it can read that it is gone.
    let removed = ServiceInstance { removed_at: Some(ctx.now), updated_at: ctx.now, ..instance.clone() };
    let mut draft = world.draft();
    draft.put(Entity::ServiceInstance(removed));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}
