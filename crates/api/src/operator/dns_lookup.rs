//! `GET /_hubspoke/vpcs/{vpc_id}/dns_lookup?name=NAME`: a name as the VPC's resolver sees it, and why.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use hubspoke_dns::{Lookup, Source, Via};
use hubspoke_vpc::catalog::service_domain_of;
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, Params};
use crate::transaction::json_response;

fn explain(lookup: &Lookup, vpc: &str) -> Vec<String> {
    let resolver = match &lookup.source {
        Source::Own => format!("VPC `{vpc}` answers from its own view"),
        Source::Delegated { hub } => {
            format!("VPC `{vpc}` delegates its resolver to the hub `{hub}` and sees the hub's view")
        }
        Source::Manual { hub } => format!(
            "VPC `{vpc}` uses the custom resolver of the hub `{hub}` as a manual DNS server and sees the hub's view"
        ),
    };
    let mut lines = vec![resolver];
    for answer in &lookup.answers {
        let how = match &answer.via {
            Via::Own => format!(
                "endpoint gateway `{}` ({}, `{}`) in VPC `{}`",
                answer.gateway_name,
                answer.gateway,
                answer.mode.as_str(),
                answer.vpc
            ),
            Via::Binding { binding, spoke } => format!(
                "endpoint gateway `{}` ({}, `{}`) in the spoke VPC `{spoke}`, shared with the hub through the DNS resolution binding `{binding}`",
                answer.gateway_name,
                answer.gateway,
                answer.mode.as_str()
            ),
        };
        lines.push(format!("{} -> {} from {how}", lookup.name, answer.address));
    }
    if lookup.answers.is_empty() {
        let in_domain = service_domain_of(&lookup.name).is_some();
        lines.push(if in_domain {
            format!(
                "no endpoint gateway in this view serves `{}`: NXDOMAIN (or forwarded with --dns-upstream)",
                lookup.name
            )
        } else {
            format!("`{}` is outside the VPE service domains: REFUSED (or forwarded with --dns-upstream)", lookup.name)
        });
    }
    lines
}

/// Looks a name up as the VPC sees it.
pub async fn lookup(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(vpc): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let name = params.required("name")?;
    let view = state.app.view(&caller);
    view.vpc(&vpc)?;
    let lookup = hubspoke_dns::lookup(&view.world, &vpc, name);
    let answers: Vec<Value> = lookup
        .answers
        .iter()
        .map(|answer| {
            let via = match &answer.via {
                Via::Own => json!({ "kind": "own" }),
                Via::Binding { binding, spoke } => json!({ "kind": "binding", "binding": binding, "spoke": spoke }),
            };
            json!({ "address": answer.address.to_string(), "endpoint_gateway": { "id": answer.gateway, "name": answer.gateway_name, "mode": answer.mode.as_str() }, "vpc": answer.vpc, "via": via })
        })
        .collect();
    let source = match &lookup.source {
        Source::Own => json!({ "kind": "own" }),
        Source::Delegated { hub } => json!({ "kind": "delegated", "hub": hub }),
        Source::Manual { hub } => json!({ "kind": "manual", "hub": hub }),
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "name": lookup.name,
            "vpc": vpc,
            "resolver_vpc": lookup.resolver_vpc,
            "source": source,
            "wildcard": lookup.wildcard,
            "answers": answers,
            "explanation": explain(&lookup, &vpc),
        }),
    ))
}
