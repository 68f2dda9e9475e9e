//! `GET /_hubspoke/events`: the activity log, newest first, paged with `limit` and `start`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hubspoke_store::EventRecord;
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, BaseUrl, Params};
use crate::transaction::json_response;
use crate::wire::timestamp;

fn render(event: &EventRecord) -> Value {
    json!({
        "id": event.id,
        "at": timestamp(hubspoke_iam::Timestamp(event.at)),
        "actor": event.actor,
        "account_id": event.account,
        "other_account_id": event.other_account,
        "action": event.action,
        "target": { "resource_type": event.target_kind, "id": event.target_id },
        "outcome": event.outcome.as_str(),
        "reason": event.reason,
    })
}

/// Lists events: all of them for the operator, an account's own for its administrator.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    params: Params,
    BaseUrl(base): BaseUrl,
) -> Result<Response, ApiError> {
    let limit = match params.get("limit") {
        None => 50,
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|l| (1..=200).contains(l))
            .ok_or_else(|| ApiError::invalid_query(format!("`limit` is `{text}`; it must be from 1 to 200")))?,
    };
    let offset = match params.get("start") {
        None => 0,
        Some(token) => URL_SAFE_NO_PAD
            .decode(token)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|t| t.strip_prefix("offset:").and_then(|n| n.parse().ok()))
            .ok_or_else(|| ApiError::invalid_query(format!("`start` `{token}` is not a page token of this list")))?,
    };
    let (events, total) = state.app.events(&caller, offset, limit).await?;
    let link = |start: Option<u64>| {
        let start =
            start.map(|s| format!("&start={}", URL_SAFE_NO_PAD.encode(format!("offset:{s}")))).unwrap_or_default();
        json!({ "href": format!("{base}/_hubspoke/events?limit={limit}{start}") })
    };
    let mut body = json!({ "events": events.iter().map(render).collect::<Vec<_>>(), "first": link(None), "limit": limit, "total_count": total });
    if offset + (events.len() as u64) < total {
        body["next"] = link(Some(offset + limit));
    }
    Ok(json_response(StatusCode::OK, &body))
}
