//! `POST /_hubspoke/explain/binding`: what creating a DNS resolution binding would do now, and why, as the spoke's or
//! the hub's administrator may see it. Nothing is written.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hubspoke_app::network::explain::{BindingExplanation, Perspective};
use hubspoke_vpc::region::crn;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson};
use crate::transaction::json_response;
use crate::vpc::{IdentityBody, required_identity, rule_error};

/// The body: the spoke VPC that would create the binding, and the hub it would bind to.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExplainBinding {
    spoke: Option<IdentityBody>,
    hub: Option<IdentityBody>,
}

fn render(explanation: &BindingExplanation) -> Value {
    let vpc = |(account, id): &(hubspoke_iam::AccountId, String)| json!({ "account_id": account.as_str(), "id": id, "crn": crn(account, "vpc", id) });
    let refusals: Vec<Value> = explanation
        .refusals
        .iter()
        .map(|refusal| {
            let error = rule_error(refusal.clone());
            let mut value = error.body("")["errors"][0].clone();
            value["status"] = json!(error.status.as_u16());
            value["rule"] = json!(refusal.rule);
            value
        })
        .collect();
    let decision = &explanation.decision;
    let mut decided = json!({
        "action": decision.request.action,
        "permitted": decision.permitted,
        "enforcement": decision.enforcement.as_str(),
    });
    if !decision.granted_by.is_empty() {
        decided["granted_by"] = json!(decision.granted_by);
    }
    if let Some(text) = &decision.explanation {
        decided["explanation"] = json!(text);
    }
    if let Some(at) = decision.propagates_at {
        decided["propagates_at"] = json!(crate::wire::timestamp(at));
    }
    json!({
        "perspective": match explanation.perspective {
            Perspective::Spoke => "spoke",
            Perspective::Hub => "hub",
            Perspective::Both => "both",
        },
        "spoke": vpc(&explanation.spoke),
        "hub": vpc(&explanation.hub),
        "allowed": explanation.allowed(),
        "refusals": refusals,
        "decision": decided,
    })
}

/// Explains a binding create without making it.
pub async fn binding(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    IbmJson(body): IbmJson<ExplainBinding>,
) -> Result<Response, ApiError> {
    let spoke = required_identity(&body.spoke, "spoke")?.vpc("spoke")?;
    let hub = required_identity(&body.hub, "hub")?.vpc("hub")?;
    let explanation = state.app.explain_binding(&caller, &spoke, &hub)?;
    Ok(json_response(StatusCode::OK, &render(&explanation)))
}
