//! Resource bindings of endpoint gateways (rules RB1–RB5): the resources of a gateway's target service whose own
//! FQDNs a `per_resource_binding` gateway answers, unique in the DNS sharing topology.

use hubspoke_iam::Timestamp;

use super::gateway::own_gateway;
use super::{Applied, names};
use crate::Context;
use crate::catalog::{ResourceTargetError, resource_endpoint};
use crate::error::{RuleError, RuleResult};
use crate::model::{BindingMode, EndpointGateway, Phase, ResourceBinding, Settling};
use crate::topology::topology;
use crate::world::{Entity, EntityKey, World};

/// `POST /endpoint_gateways/{id}/resource_bindings`.
#[derive(Clone, Debug)]
pub struct NewResourceBinding {
    /// The endpoint gateway (the caller's own).
    pub gateway: String,
    /// `target.crn`: the bound resource.
    pub target_crn: String,
    /// The name, or a generated one.
    pub name: Option<String>,
}

/// A resource binding of a gateway the caller may act on, or 404.
pub(crate) fn own_resource_binding<'a>(
    world: &'a World,
    ctx: &Context,
    gateway: &str,
    id: &str,
) -> RuleResult<&'a ResourceBinding> {
    own_gateway(world, ctx, gateway)?;
    world
        .resource_binding(id)
        .filter(|binding| binding.gateway == gateway)
        .ok_or_else(|| RuleError::not_found("endpoint gateway resource binding", id))
}

fn check_name(world: &World, binding: &ResourceBinding) -> RuleResult<()> {
    if world.resource_bindings_of(&binding.gateway).any(|other| other.name == binding.name && other.id != binding.id) {
        return Err(RuleError::conflict(
            "endpoint_gateway_resource_binding_name_duplicate",
            format!("endpoint gateway `{}` already has a resource binding named `{}`", binding.gateway, binding.name),
        )
        .rule("RB3")
        .field("name"));
    }
    Ok(())
}

/// The resource binding of a gateway in the VPC `vpc` that serves `endpoint`, if any.
pub(crate) fn bound_in<'a>(world: &'a World, vpc: &str, endpoint: &str) -> Option<&'a ResourceBinding> {
    world.resource_bindings().find(|binding| {
        binding.service_endpoint.eq_ignore_ascii_case(endpoint)
            && world.gateway(&binding.gateway).is_some_and(|gateway| gateway.vpc == vpc)
    })
}

/// Rule RB4: the resource binding that already serves `endpoint` somewhere in the DNS sharing topology of the VPC
/// `vpc` (its own gateways included), with the VPC it is in.
fn endpoint_taken<'a>(world: &'a World, vpc: &str, endpoint: &str) -> Option<(&'a ResourceBinding, String)> {
    topology(world, vpc)
        .into_iter()
        .find_map(|member| bound_in(world, &member, endpoint).map(|binding| (binding, member.clone())))
}

/// The refusal of rule RB4 for `endpoint`, already served by `other`. Whoever may learn which binding that is (it
/// may be another tenant's, in a VPC bound to the same hub) is the caller's choice.
pub(crate) fn endpoint_conflict(endpoint: &str, other: &ResourceBinding) -> RuleError {
    RuleError::conflict(
        "endpoint_gateway_resource_binding_conflict",
        format!(
            "the DNS sharing topology already has a resource binding for `{endpoint}`; a resource is bound once in a topology"
        ),
    )
    .rule("RB4")
    .confidential(&other.account, vec![format!("it is `{}` of endpoint gateway `{}`", other.id, other.gateway)])
}

/// Rule RB1: only a `per_resource_binding` gateway takes resource bindings.
fn check_mode(gateway: &EndpointGateway) -> RuleResult<()> {
    if gateway.mode != BindingMode::PerResourceBinding {
        return Err(RuleError::conflict(
            "endpoint_gateway_resource_binding_mode",
            format!(
                "endpoint gateway `{}` is `{}`: resource bindings need `dns_resolution_binding_mode` `per_resource_binding`",
                gateway.id,
                gateway.mode.as_str()
            ),
        )
        .rule("RB1"));
    }
    Ok(())
}

/// Creates a resource binding.
pub fn create(world: &World, ctx: &mut Context, input: NewResourceBinding) -> RuleResult<Applied<String>> {
    let gateway = own_gateway(world, ctx, &input.gateway)?.clone();
    check_mode(&gateway)?;
    let service_endpoint = resource_endpoint(&input.target_crn, ctx.region).map_err(|error| {
        let message = match error {
            ResourceTargetError::NotABucket => format!(
                "`{}` is not the CRN of a Cloud Object Storage bucket (`crn:v1:bluemix:public:cloud-object-storage:global:a/<account>:<instance>:bucket:<bucket>`), the resources gateway `{}` can bind",
                input.target_crn, gateway.id
            ),
            ResourceTargetError::InvalidBucketName => {
                format!("`{}` names a bucket whose name is not a valid bucket name", input.target_crn)
            }
        };
        RuleError::invalid("endpoint_gateway_resource_binding_target_unsupported", message)
            .rule("RB2")
            .field("target.crn")
    })?;
    let name = names::choose(input.name.as_deref(), ctx.ids, "name")?;
    let binding = ResourceBinding {
        id: ctx.new_id(),
        account: gateway.account.clone(),
        gateway: gateway.id.clone(),
        name,
        target_crn: input.target_crn,
        service_endpoint,
        created_at: ctx.now,
        settling: Settling { phase: Phase::Pending, until: Timestamp(ctx.now.0 + ctx.propagation_delay_ms) },
    };
    check_name(world, &binding)?;
    if let Some((other, member)) = endpoint_taken(world, &gateway.vpc, &binding.service_endpoint) {
        // Only the other binding's own account learns which it is.
        let detail = format!("it is `{}` of endpoint gateway `{}` in VPC `{member}`", other.id, other.gateway);
        return Err(endpoint_conflict(&binding.service_endpoint, other)
            .field("target.crn")
            .confidential(&other.account, vec![detail]));
    }
    let id = binding.id.clone();
    let mut draft = world.draft();
    draft.put(Entity::ResourceBinding(binding));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

/// `PATCH /endpoint_gateways/{gateway}/resource_bindings/{id}`: the name. A rename does not change what DNS answers,
/// so the lifecycle stays as it is.
pub fn rename(world: &World, ctx: &mut Context, gateway: &str, id: &str, name: &str) -> RuleResult<Applied<String>> {
    let mut binding = own_resource_binding(world, ctx, gateway, id)?.clone();
    binding.name = names::choose(Some(name), ctx.ids, "name")?;
    check_name(world, &binding)?;
    let mut draft = world.draft();
    draft.put(Entity::ResourceBinding(binding));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// `DELETE /endpoint_gateways/{gateway}/resource_bindings/{id}`.
pub fn delete(world: &World, ctx: &mut Context, gateway: &str, id: &str) -> RuleResult<Applied<()>> {
    own_resource_binding(world, ctx, gateway, id)?;
    let mut draft = world.draft();
    draft.remove(EntityKey::ResourceBinding(id.to_owned()));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}
