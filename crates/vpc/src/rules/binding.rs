//! DNS resolution bindings: create (C1–C13), rename, delete (D1–D6), and the IAM check they share with delegation.

use hubspoke_iam::{AccessRequest, RequestAttributes, Timestamp};

use super::{Applied, VpcIdentity, names, own_vpc, resolve_vpc};
use crate::catalog::overlaps;
use crate::error::{MissingGrant, RuleError, RuleResult};
use crate::model::{Binding, BindingMode, Phase, ResolverSetting, Settling, Vpc};
use crate::region::resource_id;
use crate::topology::{binding_count, spoke_bindings};
use crate::world::{Entity, EntityKey, World};
use crate::{Context, Enforcement};

/// What the decision engine said about a DNS sharing action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Authorization {
    /// Permitted by these policies.
    Granted {
        /// The granting policy ids.
        policies: Vec<String>,
    },
    /// Refused, but `--enforcement soft` let it through; the refusal is in [`Context::waived`].
    Waived,
    /// `--enforcement off`: not asked.
    NotChecked,
}

/// The request the engine is asked for a spoke acting on a hub.
pub fn access_request(spoke: &Vpc, hub: &Vpc, action: &str) -> AccessRequest {
    AccessRequest {
        subject: RequestAttributes::new([
            ("accountId", spoke.account.as_str()),
            ("serviceName", "is"),
            ("resourceType", "vpc"),
            ("resource", spoke.id.as_str()),
        ]),
        action: action.to_owned(),
        resource: RequestAttributes::new([
            ("accountId", hub.account.as_str()),
            ("serviceName", "is"),
            ("resourceType", "vpc"),
            ("vpcId", hub.id.as_str()),
            ("resource", hub.id.as_str()),
        ]),
    }
}

/// Asks the engine whether `spoke` may perform `action` on `hub`; a refusal is a 401 `not_authorized` naming the
/// missing grant, unless enforcement is soft (recorded and let through) or off (not asked).
pub(crate) fn authorize(
    ctx: &mut Context,
    spoke: &Vpc,
    hub: &Vpc,
    action: &str,
    rule: &'static str,
) -> RuleResult<Authorization> {
    if ctx.enforcement == Enforcement::Off {
        return Ok(Authorization::NotChecked);
    }
    let request = access_request(spoke, hub, action);
    let decision = ctx.policies.decide(&request);
    if decision.permitted {
        return Ok(Authorization::Granted { policies: decision.granted_by });
    }
    let refusal = RuleError::not_authorized(
        rule,
        MissingGrant {
            action: action.to_owned(),
            spoke_account: spoke.account.to_string(),
            spoke_vpc: spoke.id.clone(),
            hub_account: hub.account.to_string(),
            hub_vpc: hub.id.clone(),
            explanation: decision.explain(&request),
        },
    );
    match ctx.enforcement {
        Enforcement::Soft => {
            ctx.waived.push(refusal);
            Ok(Authorization::Waived)
        }
        _ => Err(refusal),
    }
}

/// `POST /vpcs/{spoke}/dns_resolution_bindings`.
pub fn create(
    world: &World,
    ctx: &mut Context,
    spoke: &str,
    hub: &VpcIdentity,
    name: Option<&str>,
) -> RuleResult<Applied<(String, Authorization)>> {
    let spoke = own_vpc(world, ctx, spoke)?.clone();
    if spoke.enable_hub {
        return Err(RuleError::invalid(
            "dns_resolution_binding_from_hub",
            format!("VPC `{}` is a DNS hub; a binding is created from the DNS-shared VPC, toward the hub", spoke.id),
        )
        .rule("C1"));
    }
    let count = binding_count(world, &spoke.id);
    if count > 0 {
        let existing = world.bindings_of(&spoke.id).next().map(|b| b.other(&spoke.id).0.to_owned()).unwrap_or_default();
        return Err(RuleError::invalid(
            "dns_resolution_binding_exists",
            format!("This VPC already contains DNS Resolution Bindings: VPC `{}` is bound to `{existing}`, and a DNS-shared VPC binds to one hub only", spoke.id),
        )
        .rule("C2"));
    }
    let hub = resolve_vpc(world, ctx, hub, true)?.clone();
    if hub.id == spoke.id {
        return Err(RuleError::invalid("dns_resolution_binding_target_invalid", "a VPC cannot bind to itself")
            .rule("C3")
            .field("vpc"));
    }
    if !hub.enable_hub {
        return Err(RuleError::invalid(
            "dns_resolution_binding_target_invalid",
            format!("VPC `{}` is not a DNS hub (`dns.enable_hub` is false); bind to a hub VPC", hub.id),
        )
        .rule("C3")
        .field("vpc"));
    }
    // The topology after the binding: the hub, its spokes, and this spoke.
    let mut others: Vec<String> = vec![hub.id.clone()];
    others.extend(spoke_bindings(world, &hub.id).map(|b| b.spoke.clone()));
    for gateway in world.gateways_in(&spoke.id) {
        if gateway.mode == BindingMode::Primary {
            let clash = others.iter().find_map(|member| {
                world.gateways_in(member).find(|g| {
                    g.mode == BindingMode::Primary
                        && (g.target == gateway.target || overlaps(&g.service_endpoints, &gateway.service_endpoints))
                })
            });
            if let Some(clash) = clash {
                return Err(RuleError::conflict(
                    "endpoint_gateway_primary_conflict",
                    format!(
                        "binding would put two `primary` endpoint gateways for one target in the topology: `{}` in this VPC and `{}` in VPC `{}`; set `{}` to `disabled` first",
                        gateway.id, clash.id, clash.vpc, gateway.id
                    ),
                )
                .rule("C6"));
            }
        }
        if gateway.mode == BindingMode::PerResourceBinding
            && !world.gateways_in(&hub.id).any(|g| g.mode == BindingMode::Primary && g.target == gateway.target)
        {
            return Err(RuleError::conflict(
                "endpoint_gateway_per_resource_binding_requires_hub_primary",
                format!("the `per_resource_binding` endpoint gateway `{}` needs a `primary` gateway for the same target in the hub VPC `{}`", gateway.id, hub.id),
            )
            .rule("C7"));
        }
    }
    let spoke_name = names::choose(name, ctx.ids, "name")?;
    let authorization = authorize(ctx, &spoke, &hub, "is.vpc.dns-resolution-binding.connect", "C8")?;
    let id = resource_id(&ctx.ids.uuid());
    // Names are unique per VPC (rule C13). The spoke has no other binding, so its name is free; the hub may already
    // list a binding of that name, in which case the hub's side gets a distinguishing suffix.
    let taken_by_hub = world.bindings_of(&hub.id).any(|b| b.name_for(&hub.id) == spoke_name);
    let hub_name = if taken_by_hub { format!("{}-{}", spoke_name, &id[id.len() - 8..]) } else { spoke_name.clone() };
    let binding = Binding {
        id: id.clone(),
        spoke: spoke.id.clone(),
        spoke_account: spoke.account.clone(),
        hub: hub.id.clone(),
        hub_account: hub.account.clone(),
        spoke_name,
        hub_name,
        created_at: ctx.now,
        settling: Settling { phase: Phase::Pending, until: Timestamp(ctx.now.0 + ctx.propagation_delay_ms) },
        spoke_attached: true,
    };
    let mut draft = world.draft();
    draft.put(Entity::Binding(binding));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: (id, authorization) })
}

fn seen_binding<'a>(world: &'a World, vpc: &str, id: &str) -> RuleResult<&'a Binding> {
    world.binding(id).filter(|b| b.seen_from(vpc)).ok_or_else(|| RuleError::not_found("DNS resolution binding", id))
}

/// `PATCH /vpcs/{vpc}/dns_resolution_bindings/{id}`: renames the binding as `vpc` lists it.
pub fn rename(world: &World, ctx: &mut Context, vpc: &str, id: &str, name: &str) -> RuleResult<Applied<String>> {
    own_vpc(world, ctx, vpc)?;
    let mut binding = seen_binding(world, vpc, id)?.clone();
    let name = names::choose(Some(name), ctx.ids, "name")?;
    if world.bindings_of(vpc).any(|b| b.id != id && b.name_for(vpc) == name) {
        return Err(RuleError::conflict(
            "dns_resolution_binding_name_duplicate",
            format!("VPC `{vpc}` already has a DNS resolution binding named `{name}`"),
        )
        .rule("C13")
        .field("name"));
    }
    if binding.spoke == vpc {
        binding.spoke_name = name;
    } else {
        binding.hub_name = name;
    }
    let mut draft = world.draft();
    draft.put(Entity::Binding(binding));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// What deleting a binding did.
#[derive(Clone, Debug)]
pub struct Deleted {
    /// The binding as it was.
    pub binding: Binding,
    /// True when only the spoke's side went, the spoke not being authorized to disconnect (rule D4): the hub's side
    /// stays, `faulted`, until the hub deletes it.
    pub hub_side_kept: bool,
    /// The engine's refusal, when the spoke was not authorized.
    pub refusal: Option<RuleError>,
    /// What the engine said, when it was asked.
    pub authorization: Option<Authorization>,
}

/// `DELETE /vpcs/{vpc}/dns_resolution_bindings/{id}`.
pub fn delete(world: &World, ctx: &mut Context, vpc: &str, id: &str) -> RuleResult<Applied<Deleted>> {
    let from = own_vpc(world, ctx, vpc)?.clone();
    let binding = seen_binding(world, vpc, id)?.clone();
    if matches!(from.resolver, ResolverSetting::Delegated { .. }) {
        return Err(RuleError::conflict(
            "dns_resolution_binding_delegated",
            format!("VPC `{vpc}` has its resolver delegated; set `dns.resolver.type` to `system` or `manual` before deleting its DNS resolution binding"),
        )
        .rule("D1"));
    }
    let mut draft = world.draft();
    let mut outcome = Deleted { binding: binding.clone(), hub_side_kept: false, refusal: None, authorization: None };
    if binding.hub == vpc {
        // The hub may always remove its side; a spoke delegated to it becomes degraded (rule D3).
        draft.remove(EntityKey::Binding(id.to_owned()));
    } else {
        let hub = world.vpc(&binding.hub).cloned();
        let authorization = match &hub {
            Some(hub) => authorize(ctx, &from, hub, "is.vpc.dns-resolution-binding.disconnect", "D4"),
            None => Ok(Authorization::NotChecked),
        };
        match authorization {
            Ok(authorization) => {
                outcome.authorization = Some(authorization);
                draft.remove(EntityKey::Binding(id.to_owned()));
            }
            Err(refusal) => {
                let mut kept = binding.clone();
                kept.spoke_attached = false;
                draft.put(Entity::Binding(kept));
                outcome.hub_side_kept = true;
                outcome.refusal = Some(refusal);
            }
        }
    }
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: outcome })
}
