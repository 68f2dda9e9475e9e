//! `GET /_hubspoke/vpcs/{vpc_id}/dns_lookup?name=NAME[&type=TYPE][&source=IP]`: a name as the VPC's resolver sees
//! it, and why.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use hubspoke_app::network::lookup::{AnswerOrigin, NameLookup, Source, Via};
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, Params};
use crate::transaction::json_response;

fn via_json(via: &Via) -> Value {
    match via {
        Via::Own => json!({ "kind": "own" }),
        Via::Binding { binding, spoke } => json!({ "kind": "binding", "binding": binding, "spoke": spoke }),
    }
}

fn source_json(source: &Source) -> Value {
    match source {
        Source::Own => json!({ "kind": "own" }),
        Source::Delegated { hub } => json!({ "kind": "delegated", "hub": hub }),
        Source::Manual { hub } => json!({ "kind": "manual", "hub": hub }),
    }
}

fn render(lookup: &NameLookup) -> Value {
    let answers: Vec<Value> = lookup
        .answers
        .iter()
        .map(|answer| match &answer.origin {
            Some(AnswerOrigin { gateway, gateway_name, mode, vpc, via, resource_binding }) => {
                let mut body = json!({
                    "address": answer.address.to_string(),
                    "endpoint_gateway": { "id": gateway, "name": gateway_name, "mode": mode.as_str() },
                    "vpc": vpc,
                    "via": via_json(via),
                });
                if let Some(binding) = resource_binding {
                    body["resource_binding"] = json!({ "id": binding.id, "name": binding.name });
                }
                body
            }
            // Another account's gateway: the address, and nothing that names it.
            None => json!({ "address": answer.address.to_string(), "via": { "kind": "shared" } }),
        })
        .collect();
    let records: Vec<Value> = lookup
        .records
        .iter()
        .map(|r| json!({ "name": r.name, "type": r.record_type, "ttl": r.ttl, "data": r.data }))
        .collect();
    let steps: Vec<Value> = lookup
        .steps
        .iter()
        .map(|step| {
            let mut body = json!({ "kind": step.kind });
            if let Some(id) = &step.id {
                body["id"] = json!(id);
            }
            if let Some(detail) = &step.detail {
                body["detail"] = json!(detail);
            }
            if let Some(view) = &step.view {
                body["view"] = json!(view);
            }
            body
        })
        .collect();
    json!({
        "name": lookup.name,
        "type": lookup.record_type,
        "vpc": lookup.vpc,
        "resolver_vpc": lookup.resolver_vpc,
        "source": source_json(&lookup.source),
        "wildcard": lookup.wildcard,
        "rcode": lookup.code,
        "answers": answers,
        "records": records,
        "steps": steps,
        "explanation": lookup.explanation,
    })
}

/// Looks a name up as the VPC sees it.
pub async fn lookup(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(vpc): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let name = params.required("name")?;
    let source = match params.get("source") {
        Some(text) => Some(text.parse().map_err(|_| {
            ApiError::invalid_query(format!("the query parameter `source` is `{text}`; it must be an IP address"))
                .with_target("source", "parameter")
        })?),
        None => None,
    };
    let lookup = state.app.dns_lookup(&caller, &vpc, name, params.get("type"), source)?;
    Ok(json_response(StatusCode::OK, &render(&lookup)))
}
