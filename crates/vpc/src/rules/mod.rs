//! The commands, one module per resource. Each is a pure function of a world, a [`crate::Context`] and an input,
//! returning the changed world with what it touched, or the [`crate::RuleError`] of the rule that refused it.

pub mod binding;
pub mod dns_zone;
pub mod forwarding_rule;
pub mod gateway;
pub mod names;
pub mod network_acl;
pub mod prefix;
mod protocol;
pub mod public_gateway;
pub mod record;
pub mod record_import;
pub mod resolver;
pub mod resource_binding;
pub mod resource_group;
pub mod secondary_zone;
pub mod security_group;
pub mod service_instance;
pub mod subnet;
pub mod transit_gateway;
pub mod vpc;

use hubspoke_iam::AccountId;

use crate::Context;
use crate::error::{RuleError, RuleResult};
use crate::model::Vpc;
use crate::region::parse_crn;
use crate::world::{EntityKey, World};

/// A command's result: the new world, the entities to persist, and the command's own answer.
#[derive(Debug)]
pub struct Applied<T> {
    /// The world after the command.
    pub world: World,
    /// What to persist.
    pub touched: Vec<EntityKey>,
    /// The command's answer (usually the id of what it created or changed).
    pub value: T,
}

/// How a request names a VPC: `{"id"}`, `{"crn"}` or `{"href"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VpcIdentity {
    /// By id: only the caller's own VPCs.
    Id(String),
    /// By CRN: the way to name a VPC of another account.
    Crn(String),
    /// By href: the id is its last path segment; only the caller's own VPCs.
    Href(String),
}

/// A field of a merge-patch body: absent, explicitly `null`, or a value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// Not in the body.
    #[default]
    Absent,
    /// `null`.
    Null,
    /// A value.
    Value(T),
}

/// Whether a request carried `If-Match`. The application checks the tag itself against the resource as the caller
/// reads it; a rule only needs to know whether one was sent (some changes require it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfMatch {
    /// No `If-Match`.
    Absent,
    /// An `If-Match` that matched the current state.
    Given,
}

/// The caller's account, or a refusal for the operator, who has none and so cannot own VPC resources.
pub(crate) fn owner_account(ctx: &Context) -> RuleResult<AccountId> {
    ctx.account.clone().ok_or_else(|| {
        RuleError::forbidden(
            "the operator has no account; create VPC resources with an account administrator's API key",
        )
    })
}

/// A VPC the caller may act on, or 404 (another account's VPC is not revealed by id).
pub(crate) fn own_vpc<'a>(world: &'a World, ctx: &Context, id: &str) -> RuleResult<&'a Vpc> {
    world.vpc(id).filter(|vpc| ctx.may_act_on(&vpc.account, id)).ok_or_else(|| RuleError::not_found("VPC", id))
}

/// Which use of a hub's CRN refuses a VPC of another region: a binding's target (rule C4) or a resolver's delegation
/// (rule S10). Each has its own code and field.
#[derive(Clone, Copy, Debug)]
pub(crate) enum HubUse {
    /// `POST /vpcs/{spoke}/dns_resolution_bindings` `vpc.crn`.
    BindingTarget,
    /// `dns.resolver.vpc.crn` of a delegated resolver.
    Delegation,
}

/// The account and id a CRN names, if it is the CRN of a VPC in the request's region (rule C4 or S10).
pub(crate) fn vpc_crn(ctx: &Context, crn: &str, used: HubUse) -> RuleResult<(AccountId, String)> {
    let (field, code, rule, what) = match used {
        HubUse::BindingTarget => ("vpc.crn", "dns_resolution_binding_cross_region", "C4", "a DNS resolution binding"),
        HubUse::Delegation => ("dns.resolver.vpc.crn", "dns_resolver_vpc_cross_region", "S10", "a delegated resolver"),
    };
    let parts = parse_crn(crn)
        .filter(|parts| parts.kind == "vpc")
        .ok_or_else(|| RuleError::invalid("invalid_crn", format!("`{crn}` is not the CRN of a VPC")).field(field))?;
    if parts.region != ctx.region.name {
        return Err(RuleError::invalid(
            code,
            format!(
                "the VPC `{}` is in region `{}`, and {what} needs its hub in the same region as the VPC (`{}`)",
                parts.id, parts.region, ctx.region.name
            ),
        )
        .rule(rule)
        .field(field));
    }
    let account = AccountId::parse(&parts.account)
        .ok_or_else(|| RuleError::invalid("invalid_crn", format!("`{crn}` names no account")).field(field))?;
    Ok((account, parts.id))
}

/// Resolves a VPC identity. With `remote`, a CRN may name another account's VPC (rule C5); ids and hrefs only ever
/// name the caller's own.
pub(crate) fn resolve_vpc<'a>(
    world: &'a World,
    ctx: &Context,
    identity: &VpcIdentity,
    remote: bool,
) -> RuleResult<&'a Vpc> {
    match identity {
        VpcIdentity::Id(id) => own_vpc(world, ctx, id),
        VpcIdentity::Href(href) => {
            let id = href.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
            own_vpc(world, ctx, id)
        }
        VpcIdentity::Crn(crn) => {
            let (account, id) = vpc_crn(ctx, crn, HubUse::BindingTarget)?;
            // A CRN whose region segment disagrees with its id's prefix names nothing.
            let vpc = world
                .vpc(&id)
                .filter(|vpc| vpc.account == account && ctx.in_region(&vpc.id))
                .ok_or_else(|| RuleError::not_found("VPC", crn))?;
            if !remote && !ctx.may_act_in(&vpc.account) {
                return Err(RuleError::not_found("VPC", crn));
            }
            Ok(vpc)
        }
    }
}

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
mod tests;
