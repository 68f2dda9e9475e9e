//! User Management `/v2/accounts/{account_id}/users`: an account's users, as `UserManagementV1` and Terraform (which
//! turns e-mail addresses into IAM ids through the list) call it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hubspoke_app::identities::{InviteAccess, InvitePolicy, User, UserUpdate};
use hubspoke_iam::Timestamp;
use hubspoke_iam::{RawAttribute, RawValue};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, IbmJson, Params};
use crate::transaction::json_response;
use crate::wire::timestamp;

/// The longest page of users, and the default.
const MAX_LIMIT: usize = 100;

/// One invited user (its `account_role` is accepted and ignored: every invited user is a member).
#[derive(Debug, Deserialize)]
pub struct Invitee {
    email: String,
}

/// The body of `POST /v2/accounts/{account_id}/users`.
#[derive(Debug, Deserialize)]
pub struct Invite {
    users: Vec<Invitee>,
    #[serde(default)]
    iam_policy: Vec<InvitePolicyBody>,
    #[serde(default)]
    access_groups: Vec<String>,
}

/// One access policy of an invitation, as the SDK's `InviteUserIamPolicy` model has it.
#[derive(Debug, Deserialize)]
pub struct InvitePolicyBody {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    roles: Vec<InviteRole>,
    #[serde(default)]
    resources: Vec<InviteResource>,
}

#[derive(Debug, Deserialize)]
struct InviteRole {
    role_id: String,
}

#[derive(Debug, Deserialize)]
struct InviteResource {
    #[serde(default)]
    attributes: Vec<InviteAttribute>,
}

#[derive(Debug, Deserialize)]
struct InviteAttribute {
    name: String,
    value: String,
    #[serde(default)]
    operator: Option<String>,
}

impl InvitePolicyBody {
    /// The policy to give each invited user. Attributes are a v1 resource's; a value with `*` and no operator is a
    /// wildcard (`stringMatch`), as IBM's invitation samples mean `resourceGroupId` `*`: every resource group.
    fn into_policy(mut self) -> Result<InvitePolicy, ApiError> {
        if let Some(kind) = self.kind.as_deref().filter(|kind| *kind != "access") {
            return Err(ApiError::invalid_body(format!(
                "an invitation's `iam_policy` has `type` `{kind}`; only `access` policies can be given to users"
            )));
        }
        if self.resources.len() != 1 {
            return Err(ApiError::invalid_body(format!(
                "an invitation's `iam_policy` must hold exactly one element in `resources`; it holds {}",
                self.resources.len()
            )));
        }
        let resource = self
            .resources
            .remove(0)
            .attributes
            .into_iter()
            .map(|attribute| {
                let operator =
                    attribute.operator.or_else(|| attribute.value.contains('*').then(|| "stringMatch".to_owned()));
                RawAttribute { key: attribute.name, operator, value: RawValue::Text(attribute.value) }
            })
            .collect();
        Ok(InvitePolicy { roles: self.roles.into_iter().map(|role| role.role_id).collect(), resource })
    }
}

/// The body of `PATCH /v2/accounts/{account_id}/users/{iam_id}`.
#[derive(Debug, Deserialize)]
pub struct Patch {
    #[serde(default)]
    firstname: Option<String>,
    #[serde(default)]
    lastname: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    state: Option<String>,
}

/// A user as the SDK's `UserProfile` model has it.
fn profile_json(user: &User) -> Value {
    json!({
        "id": user.iam_id,
        "iam_id": user.iam_id,
        "realm": "IBMid",
        "user_id": user.email,
        "firstname": user.firstname,
        "lastname": user.lastname,
        "state": user.state,
        "email": user.email,
        "phonenumber": "",
        "altphonenumber": "",
        "photo": "",
        "account_id": user.account.as_str(),
        "added_on": timestamp(Timestamp(user.added_on)),
    })
}

/// Lists the account's users, `limit` at a time, from after the IAM id `_start`.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(account_id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let limit = match params.get("limit") {
        None => MAX_LIMIT,
        Some(text) => text.parse::<usize>().ok().filter(|limit| (1..=MAX_LIMIT).contains(limit)).ok_or_else(|| {
            ApiError::invalid_query(format!("the query parameter `limit` is `{text}`; it must be 1 to {MAX_LIMIT}"))
                .with_target("limit", "parameter")
        })?,
    };
    let (users, total, next) = state.app.list_users(&caller, &account_id, limit, params.get("_start")).await?;
    let base = format!("/v2/accounts/{account_id}/users?limit={limit}");
    let mut body = json!({
        "total_results": total,
        "limit": limit,
        "first_url": base,
        "resources": users.iter().map(profile_json).collect::<Vec<_>>(),
    });
    if let Some(next) = next {
        let start: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
        body["next_url"] = Value::String(format!("{base}&_start={start}"));
    }
    Ok(json_response(StatusCode::OK, &body))
}

/// Invites users; each joins `ACTIVE` at once. Answers 202 with each user's new IAM id.
pub async fn invite(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(account_id): Path<String>,
    IbmJson(body): IbmJson<Invite>,
) -> Result<Response, ApiError> {
    let policies = body.iam_policy.into_iter().map(InvitePolicyBody::into_policy).collect::<Result<Vec<_>, _>>()?;
    let access = InviteAccess { policies, access_groups: body.access_groups };
    let emails: Vec<String> = body.users.into_iter().map(|invitee| invitee.email).collect();
    let invited = state.app.invite_users(&caller, &account_id, &emails, &access).await?;
    let resources: Vec<Value> =
        invited.iter().map(|user| json!({ "email": user.email, "id": user.iam_id, "state": user.state })).collect();
    Ok(json_response(StatusCode::ACCEPTED, &json!({ "resources": resources })))
}

/// Reads one user's profile.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((account_id, iam_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let user = state.app.user(&caller, &account_id, &iam_id).await?;
    Ok(json_response(StatusCode::OK, &profile_json(&user)))
}

/// Changes a user's profile or state.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((account_id, iam_id)): Path<(String, String)>,
    IbmJson(body): IbmJson<Patch>,
) -> Result<Response, ApiError> {
    let update =
        UserUpdate { firstname: body.firstname, lastname: body.lastname, email: body.email, state: body.state };
    state.app.update_user(&caller, &account_id, &iam_id, update).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Removes a user and its API keys.
pub async fn remove(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((account_id, iam_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state.app.remove_user(&caller, &account_id, &iam_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
