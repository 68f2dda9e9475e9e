//! DNS resolution bindings: create (C1–C13), rename, delete (D1–D6), and the IAM check they share with delegation.

use hubspoke_iam::{AccessRequest, AccountId, RequestAttributes, Timestamp};

use super::{Applied, HubUse, VpcIdentity, names, own_vpc, resolve_vpc, vpc_crn};
use crate::error::{MissingGrant, RuleError, RuleResult};
use crate::model::{Binding, BindingMode, Phase, ResolverSetting, Settling, Vpc};
use crate::topology::{binding_count, has_custom_resolver, spoke_bindings};
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

/// The request the engine is asked for the spoke VPC `spoke` of `spoke_account` acting on the hub VPC `hub` of
/// `hub_account`.
pub fn access_request(
    (spoke_account, spoke): (&AccountId, &str),
    (hub_account, hub): (&AccountId, &str),
    action: &str,
) -> AccessRequest {
    AccessRequest {
        subject: RequestAttributes::new([
            ("accountId", spoke_account.as_str()),
            ("serviceName", "is"),
            ("resourceType", "vpc"),
            ("resource", spoke),
        ]),
        action: action.to_owned(),
        resource: RequestAttributes::new([
            ("accountId", hub_account.as_str()),
            ("serviceName", "is"),
            ("resourceType", "vpc"),
            ("vpcId", hub),
            ("resource", hub),
        ]),
    }
}

/// Asks the engine whether `spoke` may perform `action` on the hub VPC `hub` of `hub_account`; a refusal is a 401
/// `not_authorized` naming the missing grant, unless enforcement is soft (recorded and let through) or off (not
/// asked). The hub need not exist: a decision needs only its account and id, which is what lets a request naming
/// another account's VPC be refused before anything about that VPC is revealed.
pub(crate) fn authorize(
    ctx: &mut Context,
    spoke: &Vpc,
    (hub_account, hub): (&AccountId, &str),
    action: &str,
    rule: &'static str,
) -> RuleResult<Authorization> {
    if ctx.enforcement == Enforcement::Off {
        return Ok(Authorization::NotChecked);
    }
    let request = access_request((&spoke.account, &spoke.id), (hub_account, hub), action);
    let decision = ctx.decide(&request);
    if decision.permitted {
        return Ok(Authorization::Granted { policies: decision.granted_by });
    }
    let mut refusal = RuleError::not_authorized(
        rule,
        MissingGrant {
            action: action.to_owned(),
            spoke_account: spoke.account.to_string(),
            spoke_vpc: spoke.id.clone(),
            hub_account: hub_account.to_string(),
            hub_vpc: hub.to_owned(),
        },
        decision.explain_lines(&request),
    );
    // A grant that is only propagating is no secret of the hub's: the spoke will see it work once it counts, and
    // saying when spares it guessing how long to wait.
    if let Some(changed) = decision.propagating.iter().map(|(_, changed)| changed.0).min() {
        let remaining = (changed + ctx.iam_propagation_delay_ms - ctx.now.0).max(0);
        refusal.message = format!(
            "{}; an authorization that grants it was created or changed recently and counts once it has propagated, in {} s",
            refusal.message,
            (remaining + 999) / 1000
        );
    }
    match ctx.enforcement {
        Enforcement::Soft => {
            ctx.waived.push(refusal);
            Ok(Authorization::Waived)
        }
        _ => Err(refusal),
    }
}

/// What a binding create would do: the spoke, the hub, the name and what the engine said.
#[derive(Clone, Debug)]
pub struct CreatePlan {
    /// The spoke VPC (the URL's).
    pub spoke: Vpc,
    /// The hub VPC.
    pub hub: Vpc,
    /// The spoke's name for the binding.
    pub name: String,
    /// The engine's answer.
    pub authorization: Authorization,
}

/// Every rule that refuses `POST /vpcs/{spoke}/dns_resolution_bindings`, in the order [`create`] applies them (so
/// the first is the one it answers with), or the plan when none does.
///
/// Rules that need a VPC the request could not resolve are not asked (there is nothing to check them on). A hub in
/// another account is named by CRN, and its existence is checked only after the authorization (rule C8): an account
/// the hub did not authorize learns nothing of whether the VPC exists or is a hub.
pub fn evaluate_create(
    world: &World,
    ctx: &mut Context,
    spoke: &str,
    hub: &VpcIdentity,
    name: Option<&str>,
) -> Result<CreatePlan, Vec<RuleError>> {
    let spoke = own_vpc(world, ctx, spoke).map_err(|refusal| vec![refusal])?.clone();
    let mut refusals = Vec::new();
    if spoke.enable_hub {
        refusals.push(
            RuleError::invalid(
                "dns_resolution_binding_from_hub",
                format!(
                    "VPC `{}` is a DNS hub; a binding is created from the DNS-shared VPC, toward the hub",
                    spoke.id
                ),
            )
            .rule("C1"),
        );
    }
    if binding_count(world, &spoke.id) > 0 {
        let existing = world.bindings_of(&spoke.id).next().map(|b| b.other(&spoke.id).0.to_owned()).unwrap_or_default();
        refusals.push(RuleError::invalid(
            "dns_resolution_binding_exists",
            format!("This VPC already contains DNS Resolution Bindings: VPC `{}` is bound to `{existing}`, and a DNS-shared VPC binds to one hub only", spoke.id),
        )
        .rule("C2"));
    }
    let spoke_name = names::choose(name, ctx.ids, "name").map_err(|refusal| refusals.push(refusal)).ok();
    let mut authorization = None;
    let hub = match hub {
        VpcIdentity::Crn(crn) => match vpc_crn(ctx, crn, HubUse::BindingTarget) {
            Err(refusal) => Err(refusal),
            Ok((account, id)) if account != spoke.account => {
                // Another account's VPC: authorized first, looked up only then.
                match authorize(ctx, &spoke, (&account, &id), CONNECT, "C8") {
                    Err(refusal) => Err(refusal),
                    Ok(granted) => {
                        authorization = Some(granted);
                        world
                            .vpc(&id)
                            .filter(|vpc| vpc.account == account && ctx.in_region(&vpc.id))
                            .ok_or_else(|| RuleError::not_found("VPC", crn))
                    }
                }
            }
            Ok(_) => resolve_vpc(world, ctx, &VpcIdentity::Crn(crn.clone()), true),
        },
        local => resolve_vpc(world, ctx, local, true),
    };
    let hub = match hub {
        Ok(hub) => hub.clone(),
        Err(refusal) => {
            refusals.push(refusal);
            return Err(refusals);
        }
    };
    let hub_side = hub_refusals(world, &spoke.id, &hub);
    // A VPC bound to itself has no topology to check.
    if hub.id == spoke.id {
        refusals.extend(hub_side);
        return Err(refusals);
    }
    refusals.extend(hub_side);
    refusals.extend(topology_refusals(world, &spoke, &hub));
    if authorization.is_none() {
        match authorize(ctx, &spoke, (&hub.account, &hub.id), CONNECT, "C8") {
            Ok(granted) => authorization = Some(granted),
            Err(refusal) => refusals.push(refusal),
        }
    }
    match (refusals.is_empty(), spoke_name, authorization) {
        (true, Some(name), Some(authorization)) => Ok(CreatePlan { spoke, hub, name, authorization }),
        _ => Err(refusals),
    }
}

/// The rules on the hub's side of a binding create (C3 and H10): what its administrator can check and fix.
pub fn hub_refusals(world: &World, spoke: &str, hub: &Vpc) -> Vec<RuleError> {
    if hub.id == spoke {
        return vec![
            RuleError::invalid("dns_resolution_binding_target_invalid", "a VPC cannot bind to itself")
                .rule("C3")
                .field("vpc"),
        ];
    }
    if !hub.enable_hub {
        return vec![
            RuleError::invalid(
                "dns_resolution_binding_target_invalid",
                format!("VPC `{}` is not a DNS hub (`dns.enable_hub` is false); bind to a hub VPC", hub.id),
            )
            .rule("C3")
            .field("vpc"),
        ];
    }
    if !has_custom_resolver(world, &hub.id) {
        return vec![
            RuleError::conflict(
                "dns_hub_without_custom_resolver",
                format!("the hub VPC `{}` has no enabled DNS Services custom resolver with an enabled location; the hub's administrator enables one before VPCs bind to it", hub.id),
            )
            .rule("H10")
            .field("vpc"),
        ];
    }
    Vec::new()
}

/// The action a binding create and a delegation ask the engine about.
pub const CONNECT: &str = "is.vpc.dns-resolution-binding.connect";

/// Rules C6, C7 and RB4: the topology after the binding (the hub, its spokes, and this spoke) keeps one `primary`
/// gateway per target, the spoke's `per_resource_binding` gateways find a `primary` one in the hub, and no resource
/// is bound twice in it.
fn topology_refusals(world: &World, spoke: &Vpc, hub: &Vpc) -> Vec<RuleError> {
    let mut refusals = Vec::new();
    let mut others: Vec<String> = vec![hub.id.clone()];
    others.extend(spoke_bindings(world, &hub.id).map(|b| b.spoke.clone()));
    for gateway in world.gateways_in(&spoke.id) {
        if gateway.mode == BindingMode::Primary {
            let clash = others
                .iter()
                .find_map(|member| world.primary_clashes(member, &gateway.target, &gateway.service_endpoints).next());
            if let Some(clash) = clash {
                // The clashing gateway may be another tenant's: only the hub's administrator learns which.
                refusals.push(
                    RuleError::conflict(
                        "endpoint_gateway_primary_conflict",
                        format!(
                            "binding would put two `primary` endpoint gateways for one target in the topology: `{}` in this VPC and another already in the hub's topology; set `{}` to `disabled` first",
                            gateway.id, gateway.id
                        ),
                    )
                    .rule("C6")
                    .confidential(&hub.account, vec![format!("the other is `{}` in VPC `{}`", clash.id, clash.vpc)]),
                );
            }
        }
        if gateway.mode == BindingMode::PerResourceBinding
            && !world.primary_clashes(&hub.id, &gateway.target, &[]).any(|g| g.target == gateway.target)
        {
            refusals.push(RuleError::conflict(
                "endpoint_gateway_per_resource_binding_requires_hub_primary",
                format!("the `per_resource_binding` endpoint gateway `{}` needs a `primary` gateway for the same target in the hub VPC `{}`", gateway.id, hub.id),
            )
            .rule("C7"));
        }
        // Rule RB4: a resource is bound once in a topology, so the spoke brings no resource binding the topology
        // already has.
        for resource_binding in world.resource_bindings_of(&gateway.id) {
            let endpoint = &resource_binding.service_endpoint;
            let taken = others.iter().find_map(|member| {
                super::resource_binding::bound_in(world, member, endpoint).map(|other| (other, member))
            });
            if let Some((other, member)) = taken {
                // As for C6, the other binding may be another tenant's: only the hub's administrator learns which.
                refusals.push(
                    super::resource_binding::endpoint_conflict(endpoint, other)
                        .confidential(&hub.account, vec![format!("it is `{}` in VPC `{member}`", other.id)]),
                );
            }
        }
    }
    refusals
}

/// `POST /vpcs/{spoke}/dns_resolution_bindings`: the first refusal of [`evaluate_create`], or the binding.
pub fn create(
    world: &World,
    ctx: &mut Context,
    spoke: &str,
    hub: &VpcIdentity,
    name: Option<&str>,
) -> RuleResult<Applied<(String, Authorization)>> {
    let plan = evaluate_create(world, ctx, spoke, hub, name)
        .map_err(|refusals| refusals.into_iter().next().expect("a refused create names at least one rule"))?;
    let CreatePlan { spoke, hub, name: spoke_name, authorization } = plan;
    let id = ctx.new_id();
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
            Some(hub) => {
                authorize(ctx, &from, (&hub.account, &hub.id), "is.vpc.dns-resolution-binding.disconnect", "D4")
            }
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
