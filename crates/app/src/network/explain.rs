//! Explaining a binding before it is tried: the binding create run on the current world without persisting, as the
//! spoke's administrator or the hub's administrator may see it.
//!
//! The spoke's administrator sees every rule that would refuse, and whether the hub's account authorizes the spoke,
//! but not the hub's policies. The hub's administrator sees the rules on the hub's side and the decision with the
//! policies that made it; the spoke's own configuration stays the spoke's (and a spoke VPC named by CRN need not
//! even exist for the hub to see what its policies say about it). The operator sees everything.

use hubspoke_iam::authority::may_manage_policies_of;
use hubspoke_iam::{AccessRequest, AccountId, Caller};
use hubspoke_vpc::region::{parse_crn, region_of_id};
use hubspoke_vpc::rules::binding::{self, CONNECT, access_request};
use hubspoke_vpc::{Context, Enforcement, RuleError, World};

use super::VpcIdentity;
use super::write::RandomIds;
use crate::{App, AppError, AppResult};

/// Whose view an explanation is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Perspective {
    /// The spoke's administrator (who would create the binding).
    Spoke,
    /// The hub's administrator (who grants the authorization).
    Hub,
    /// The operator, or an administrator of both accounts.
    Both,
}

/// What a binding create would do now, and why.
#[derive(Clone, Debug)]
pub struct BindingExplanation {
    /// Whose view this is.
    pub perspective: Perspective,
    /// The spoke VPC: account and id.
    pub spoke: (AccountId, String),
    /// The hub VPC: account and id.
    pub hub: (AccountId, String),
    /// Every rule that would refuse, in the order a create applies them (the first is the one it would answer
    /// with), each as the caller may read it. From the hub's perspective, only the hub's side is checked.
    pub refusals: Vec<RuleError>,
    /// What the decision engine says of the spoke connecting to the hub.
    pub decision: ExplainedDecision,
}

/// The decision, with as much of its reasons as the caller may see.
#[derive(Clone, Debug)]
pub struct ExplainedDecision {
    /// The request asked.
    pub request: AccessRequest,
    /// Whether it is permitted.
    pub permitted: bool,
    /// The granting policies: for the hub's administrator and the operator only.
    pub granted_by: Vec<String>,
    /// The engine's explanation (the hub's nearest policies on a denial): for the hub's administrator and the
    /// operator only.
    pub explanation: Option<String>,
    /// What `--enforcement` makes of the decision.
    pub enforcement: Enforcement,
    /// When a denial turns into a permit by itself: a granting policy is still propagating
    /// (`--iam-propagation-delay`) and counts from then on.
    pub propagates_at: Option<hubspoke_iam::Timestamp>,
}

impl BindingExplanation {
    /// Whether the binding would be created: no rule refuses it (a denial the enforcement lets through is not one).
    pub fn allowed(&self) -> bool {
        self.refusals.is_empty()
    }
}

impl App {
    /// `POST /_hubspoke/explain/binding`: what creating a binding from `spoke` to `hub` would do now. `spoke` names a
    /// VPC of the caller's account (by id) or, for the hub's administrator, a VPC of any account by CRN; `hub` is
    /// named as a binding create names it.
    pub fn explain_binding(
        &self,
        caller: &Caller,
        spoke: &VpcIdentity,
        hub: &VpcIdentity,
    ) -> AppResult<BindingExplanation> {
        let world = self.replica.world();
        let mut visible = self.visible(caller);
        let (spoke_account, spoke_id) = match spoke {
            VpcIdentity::Crn(crn) => {
                let (account, id) = crn_parts(crn, "spoke")?;
                visible = visible.at_region_of(&id);
                (account, id)
            }
            local => {
                let id = match local {
                    VpcIdentity::Href(href) => href.trim_end_matches('/').rsplit('/').next().unwrap_or_default(),
                    VpcIdentity::Id(id) | VpcIdentity::Crn(id) => id.as_str(),
                };
                // Explaining is not a regional operation: the spoke's id says in which region to look.
                visible = visible.at_region_of(id);
                let vpc = visible.vpc(id)?;
                (vpc.account.clone(), vpc.id.clone())
            }
        };
        let hub_named = match hub {
            VpcIdentity::Crn(crn) => crn_parts(crn, "vpc").map_err(|error| (error, crn.clone())),
            // By id, a hub is the caller's own (as in a create), or the spoke's account's when the operator asks.
            local => {
                let id = match local {
                    VpcIdentity::Href(href) => href.trim_end_matches('/').rsplit('/').next().unwrap_or_default(),
                    VpcIdentity::Id(id) | VpcIdentity::Crn(id) => id.as_str(),
                };
                world
                    .vpc(id)
                    .filter(|vpc| vpc.account == spoke_account || visible.sees_at(&vpc.account, &vpc.id))
                    .map(|vpc| (vpc.account.clone(), vpc.id.clone()))
                    .ok_or_else(|| (AppError::Rule(RuleError::not_found("VPC", id)), id.to_owned()))
            }
        };
        let (hub_account, hub_id) = match hub_named {
            Ok(named) => named,
            // The spoke's administrator learns what the create would say, in the create's order: the spoke's own
            // refusals first, then that the hub cannot be named. The decision is the one on the id as given, in
            // the caller's account.
            Err((_, named)) if may_manage_policies_of(caller, &spoke_account) => (spoke_account.clone(), named),
            Err((error, _)) => return Err(error),
        };
        let owns_spoke = may_manage_policies_of(caller, &spoke_account);
        let owns_hub = may_manage_policies_of(caller, &hub_account);
        let perspective = match (owns_spoke, owns_hub) {
            (true, true) => Perspective::Both,
            (true, false) => Perspective::Spoke,
            (false, true) => Perspective::Hub,
            // Neither account is the caller's: as for any VPC of another account, nothing is revealed.
            (false, false) => {
                let named = if let VpcIdentity::Crn(crn) = spoke { crn.clone() } else { spoke_id };
                return Err(AppError::Rule(RuleError::not_found("VPC", &named)));
            }
        };
        let request = access_request((&spoke_account, &spoke_id), (&hub_account, &hub_id), CONNECT);
        let decision = self.decide_now(&request);
        let sees_policies = owns_hub;
        let explained = ExplainedDecision {
            permitted: decision.permitted,
            granted_by: if sees_policies { decision.granted_by.clone() } else { Vec::new() },
            explanation: sees_policies.then(|| decision.explain(&request)),
            propagates_at: if decision.permitted { None } else { self.propagates_at(&decision) },
            request,
            enforcement: self.settings.enforcement,
        };
        let viewer = caller.account();
        let refusals = match perspective {
            Perspective::Spoke | Perspective::Both => self
                .spoke_side(&world, &spoke_account, &spoke_id, hub)
                .into_iter()
                .map(|r| r.revealed_to(viewer))
                .collect(),
            Perspective::Hub => {
                let hub_vpc = visible.vpc(&hub_id)?;
                let mut refusals = binding::hub_refusals(&world, &spoke_id, hub_vpc);
                if !decision.permitted && self.settings.enforcement == Enforcement::Enforce {
                    refusals.push(binding_refusal(
                        &spoke_account,
                        &spoke_id,
                        &hub_account,
                        &hub_id,
                        decision.explain_lines(&explained.request),
                    ));
                }
                refusals.into_iter().map(|r| r.revealed_to(viewer)).collect()
            }
        };
        Ok(BindingExplanation {
            perspective,
            spoke: (spoke_account, spoke_id),
            hub: (hub_account, hub_id),
            refusals,
            decision: explained,
        })
    }

    /// Every refusal of a binding create by the spoke's administrator, on `world`, written nowhere.
    fn spoke_side(&self, world: &World, spoke_account: &AccountId, spoke: &str, hub: &VpcIdentity) -> Vec<RuleError> {
        let policies = self.replica.index();
        let mut ids = RandomIds;
        let mut ctx = Context {
            account: Some(spoke_account.clone()),
            operator: false,
            // The spoke's side is explained in the spoke's own region.
            region: region_of_id(spoke).unwrap_or(self.settings.region),
            now: hubspoke_iam::Timestamp(crate::now_millis()),
            ids: &mut ids,
            policies: &policies,
            enforcement: self.settings.enforcement,
            propagation_delay_ms: self.settings.propagation_delay_ms,
            iam_propagation_delay_ms: self.settings.iam_propagation_delay_ms,
            waived: Vec::new(),
        };
        binding::evaluate_create(world, &mut ctx, spoke, hub, None).err().unwrap_or_default()
    }
}

/// The refusal a denied decision makes (rule C8), for the hub's perspective.
fn binding_refusal(
    spoke_account: &AccountId,
    spoke: &str,
    hub_account: &AccountId,
    hub: &str,
    explanation: Vec<String>,
) -> RuleError {
    RuleError::not_authorized(
        "C8",
        hubspoke_vpc::error::MissingGrant {
            action: CONNECT.to_owned(),
            spoke_account: spoke_account.to_string(),
            spoke_vpc: spoke.to_owned(),
            hub_account: hub_account.to_string(),
            hub_vpc: hub.to_owned(),
        },
        explanation,
    )
}

/// The account and id of a VPC CRN.
fn crn_parts(crn: &str, field: &str) -> AppResult<(AccountId, String)> {
    parse_crn(crn)
        .filter(|parts| parts.kind == "vpc")
        .and_then(|parts| Some((AccountId::parse(&parts.account)?, parts.id)))
        .ok_or_else(|| {
            AppError::Rule(RuleError::invalid("invalid_crn", format!("`{crn}` is not the CRN of a VPC")).field(field))
        })
}
