//! `GET /_hubspoke/events`: the activity log, newest first, paged with `limit` and `start`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hubspoke_app::events::ActivityEvent;
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, BaseUrl, Params};
use crate::paging::{self, Paging};
use crate::transaction::json_response;
use crate::wire::timestamp;

fn render(event: &ActivityEvent) -> Value {
    json!({
        "id": event.id,
        "at": timestamp(hubspoke_iam::Timestamp(event.at)),
        "actor": event.actor,
        "account_id": event.account,
        "other_account_id": event.other_account,
        "action": event.action,
        "target": { "resource_type": event.target_kind, "id": event.target_id },
        "outcome": event.outcome,
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
    let paging = Paging::from_params(&params, paging::EVENTS)?;
    let page = state.app.events(&caller, &paging.request()).await?;
    let items = page.items.iter().map(render).collect();
    let url = format!("{base}/_hubspoke/events");
    Ok(json_response(
        StatusCode::OK,
        &paging::collection(&url, &params, &paging, "events", items, page.total, page.next.as_ref()),
    ))
}
