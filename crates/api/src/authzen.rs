//! The OpenID AuthZEN Authorization API 1.0 evaluation endpoints over the decision engine, with the engine's
//! explanation in each response's `context`.
//!
//! Mapping: `subject.properties` and `resource.properties` are the IBM attributes (`accountId`, `serviceName`,
//! `resourceType`, `resource`, `vpcId`, ...); `type` stands for `resourceType` and `id` for `resource` when the
//! properties do not name them; `action.name` is the IAM action, for example `is.vpc.dns-resolution-binding.connect`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hubspoke_app::decisions::Visibility;
use hubspoke_iam::{AccessRequest, Caller, Decision, Mismatch, RequestAttributes};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, BaseUrl, IbmJson};
use crate::transaction::json_response;

/// Most evaluations one batch request may carry.
pub const MAX_EVALUATIONS: usize = 100;

/// A subject or resource.
#[derive(Clone, Debug, Deserialize)]
pub struct AuthzenEntity {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    #[serde(default)]
    properties: Option<Map<String, Value>>,
}

/// An action.
#[derive(Clone, Debug, Deserialize)]
pub struct Action {
    name: String,
}

/// The body of `POST /access/v1/evaluation`, and one item of a batch (where every member is optional).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct EvaluationBody {
    #[serde(default)]
    subject: Option<AuthzenEntity>,
    #[serde(default)]
    action: Option<Action>,
    #[serde(default)]
    resource: Option<AuthzenEntity>,
}

/// The body of `POST /access/v1/evaluations`.
#[derive(Debug, Deserialize)]
pub struct EvaluationsBody {
    #[serde(flatten)]
    defaults: EvaluationBody,
    #[serde(default)]
    evaluations: Option<Vec<EvaluationBody>>,
    #[serde(default)]
    options: Option<Options>,
}

/// Batch options.
#[derive(Debug, Default, Deserialize)]
pub struct Options {
    #[serde(default)]
    evaluations_semantic: Option<String>,
}

fn attributes(entity: &AuthzenEntity, side: &str) -> Result<RequestAttributes, ApiError> {
    let mut attributes = RequestAttributes::default();
    for (key, value) in entity.properties.iter().flatten() {
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            Value::Bool(flag) => flag.to_string(),
            _ => {
                return Err(ApiError::invalid_body(format!(
                    "`{side}.properties.{key}` must be a string, number or boolean"
                )));
            }
        };
        attributes.set(key.clone(), text);
    }
    if attributes.get("resourceType").is_none() {
        attributes.set("resourceType".into(), entity.kind.clone());
    }
    if attributes.get("resource").is_none() {
        attributes.set("resource".into(), entity.id.clone());
    }
    Ok(attributes)
}

fn request(body: &EvaluationBody, at: &str) -> Result<AccessRequest, ApiError> {
    let missing = |member: &str| ApiError::invalid_body(format!("`{at}{member}` is required"));
    let subject = body.subject.as_ref().ok_or_else(|| missing("subject"))?;
    let action = body.action.as_ref().ok_or_else(|| missing("action"))?;
    let resource = body.resource.as_ref().ok_or_else(|| missing("resource"))?;
    Ok(AccessRequest {
        subject: attributes(subject, "subject")?,
        action: action.name.clone(),
        resource: attributes(resource, "resource")?,
    })
}

fn mismatch_json(mismatch: &Mismatch) -> Value {
    let attribute = |side: &str, expected: &hubspoke_iam::Attribute, actual: &Option<String>| {
        json!({
            "side": side,
            "attribute": expected.key,
            "expected": { "operator": expected.operator.as_str(), "value": crate::policies::attribute_value_json(&expected.value) },
            "actual": actual,
            "reason": mismatch.to_string(),
        })
    };
    match mismatch {
        Mismatch::Subject { expected, actual } => attribute("subject", expected, actual),
        Mismatch::Resource { expected, actual } => attribute("resource", expected, actual),
        Mismatch::Action { action, roles } => {
            json!({ "side": "action", "action": action, "roles": roles, "reason": mismatch.to_string() })
        }
    }
}

fn response_json(decision: &Decision, visibility: Visibility, request: &AccessRequest) -> Value {
    let context = match visibility {
        Visibility::Full => {
            let near_misses: Vec<Value> = decision
                .near_misses
                .iter()
                .map(|miss| json!({ "policy_id": miss.policy_id, "mismatches": miss.mismatches.iter().map(mismatch_json).collect::<Vec<_>>() }))
                .collect();
            json!({
                "revision": decision.revision,
                "granted_by": decision.granted_by,
                "near_misses": near_misses,
                "reason_admin": { "en": decision.explain(request) },
            })
        }
        Visibility::DecisionOnly => {
            let verdict = if decision.permitted { "permitted" } else { "denied" };
            json!({
                "revision": decision.revision,
                "reason_user": { "en": format!("`{}` is {verdict}; only the target account's administrator sees which policies decided it", request.action) },
            })
        }
    };
    json!({ "decision": decision.permitted, "context": context })
}

fn evaluate(state: &ApiState, caller: &Caller, request: &AccessRequest) -> Result<Value, ApiError> {
    let (decision, visibility) = state.app.decide(caller, request)?;
    Ok(response_json(&decision, visibility, request))
}

/// `POST /access/v1/evaluation`
pub async fn evaluation(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    IbmJson(body): IbmJson<EvaluationBody>,
) -> Result<Response, ApiError> {
    let request = request(&body, "")?;
    Ok(json_response(StatusCode::OK, &evaluate(&state, &caller, &request)?))
}

/// `POST /access/v1/evaluations`: each item inherits the top-level subject, action and resource it does not name.
pub async fn evaluations(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    IbmJson(body): IbmJson<EvaluationsBody>,
) -> Result<Response, ApiError> {
    let Some(items) = body.evaluations.filter(|items| !items.is_empty()) else {
        // Without `evaluations` the request is a single evaluation (AuthZEN 1.0 §7.1).
        let request = request(&body.defaults, "")?;
        return Ok(json_response(StatusCode::OK, &evaluate(&state, &caller, &request)?));
    };
    if items.len() > MAX_EVALUATIONS {
        return Err(ApiError::invalid_body(format!(
            "`evaluations` holds {} items; at most {MAX_EVALUATIONS} are allowed",
            items.len()
        )));
    }
    let semantic = body.options.unwrap_or_default().evaluations_semantic.unwrap_or_else(|| "execute_all".into());
    let stop_on = match semantic.as_str() {
        "execute_all" => None,
        "deny_on_first_deny" => Some(false),
        "permit_on_first_permit" => Some(true),
        other => {
            return Err(ApiError::invalid_body(format!(
                "`options.evaluations_semantic` is `{other}`; it must be `execute_all`, `deny_on_first_deny` or `permit_on_first_permit`"
            )));
        }
    };
    // Every item is checked before any is evaluated, so a malformed item never yields a partial answer.
    let requests = items
        .iter()
        .enumerate()
        .map(|(position, item)| {
            let merged = EvaluationBody {
                subject: item.subject.clone().or_else(|| body.defaults.subject.clone()),
                action: item.action.clone().or_else(|| body.defaults.action.clone()),
                resource: item.resource.clone().or_else(|| body.defaults.resource.clone()),
            };
            request(&merged, &format!("evaluations[{position}]."))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut answers = Vec::with_capacity(requests.len());
    for request in &requests {
        let answer = evaluate(&state, &caller, request)?;
        let permitted = answer["decision"].as_bool();
        answers.push(answer);
        if stop_on.is_some() && permitted == stop_on {
            break;
        }
    }
    Ok(json_response(StatusCode::OK, &json!({ "evaluations": answers })))
}

/// `GET /.well-known/authzen-configuration`: the PDP metadata of AuthZEN 1.0.
pub async fn configuration(BaseUrl(base): BaseUrl) -> Response {
    json_response(
        StatusCode::OK,
        &json!({
            "policy_decision_point": base,
            "access_evaluation_endpoint": format!("{base}/access/v1/evaluation"),
            "access_evaluations_endpoint": format!("{base}/access/v1/evaluations"),
        }),
    )
}
