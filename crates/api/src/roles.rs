//! `/v2/roles`: the role catalog as IBM's list answers it, which is how Terraform turns `"DNS Binding Connector"`
//! into a CRN and back, and the custom roles accounts define.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hubspoke_app::custom_roles::NewCustomRole;
use hubspoke_iam::catalog::{access, action_description};
use hubspoke_iam::{AccountId, CustomRole, CustomRoleContent, Role};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, BaseUrl, IbmJson, IfMatch, Params};
use crate::transaction::json_response;
use crate::wire::timestamp;

/// A role in the `RoleCollection` shape, with the actions it holds where it is listed (plain strings here).
fn role_json(role: &Role, actions: &[&str]) -> Value {
    json!({ "display_name": role.display_name, "description": role.description, "actions": actions, "crn": role.crn })
}

/// An action in the `EnrichedRoles` shape of `format=display`.
pub fn action_json(action: &str) -> Value {
    json!({ "id": action, "display_name": action, "description": action_description(action).unwrap_or(action) })
}

/// Lists roles. `policy_type=authorization` (or a `source_service_name` without a policy type) selects the roles an
/// authorization between the two services may grant; otherwise the roles of access policies, by `service_name` or
/// `service_group_id` (platform roles only when neither is given). All three arrays are always present: the SDK
/// refuses a collection without one. `custom_roles` holds the custom roles of `account_id` for the service (or the
/// services of the group) named, when the caller may read that account's roles; without `account_id`, or without a
/// service, there are none.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    params: Params,
    BaseUrl(base): BaseUrl,
) -> Result<Response, ApiError> {
    let policy_type = params.one_of("policy_type", &["access", "authorization"])?;
    let account = match params.get("account_id") {
        Some(account) => Some(AccountId::parse(account).ok_or_else(|| {
            ApiError::invalid_query(format!(
                "`account_id` `{account}` is not an account id: expected 32 lowercase hexadecimal characters"
            ))
        })?),
        None => None,
    };
    let service = params.get("service_name");
    let source = params.get("source_service_name");
    if service.is_some() && params.get("service_group_id").is_some() {
        return Err(ApiError::invalid_query("`service_name` and `service_group_id` are mutually exclusive"));
    }
    let catalog = state.app.catalog();
    let group = params.get("service_group_id");
    let access = !(policy_type == Some("authorization") || (source.is_some() && policy_type.is_none()));
    let selection =
        if access { catalog.access_roles(service, group) } else { catalog.authorization_roles(service, source) };
    // Access roles carry no actions of their own: what each allows depends on the services the filter names.
    let render = |roles: &[&Role]| {
        let rendered = roles.iter().map(|role| match access {
            true => role_json(role, &access::role_actions(service, group, role.crn)),
            false => role_json(role, role.actions),
        });
        rendered.collect::<Vec<_>>()
    };
    let custom: Vec<Value> = match (access, &account) {
        (true, Some(account)) => {
            let services: Vec<&str> = match (service, group) {
                (Some(name), _) => vec![name],
                (None, Some(group)) => {
                    access::SERVICES.iter().filter(|known| known.group == Some(group)).map(|known| known.name).collect()
                }
                (None, None) => Vec::new(),
            };
            services
                .into_iter()
                .flat_map(|name| state.app.custom_roles(&caller, account, Some(name)))
                .map(|role| custom_role_json(&role, &base))
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "custom_roles": custom,
            "service_roles": render(&selection.service_roles),
            "system_roles": render(&selection.system_roles),
        }),
    ))
}

/// A custom role in IBM's `CustomRole` shape.
fn custom_role_json(role: &CustomRole, base: &str) -> Value {
    let mut body = json!({
        "id": role.id,
        "display_name": role.content.display_name,
        "actions": role.content.actions,
        "crn": role.crn(),
        "name": role.name,
        "account_id": role.account_id.as_str(),
        "service_name": role.service_name,
        "created_at": timestamp(role.created_at),
        "created_by_id": role.created_by_id,
        "last_modified_at": timestamp(role.last_modified_at),
        "last_modified_by_id": role.last_modified_by_id,
        "href": format!("{base}/v2/roles/{}", role.id),
    });
    if let Some(description) = &role.content.description {
        body["description"] = Value::String(description.clone());
    }
    body
}

/// A single custom role with its `ETag`.
fn with_etag(status: StatusCode, role: &CustomRole, base: &str) -> Response {
    let mut response = json_response(status, &custom_role_json(role, base));
    if let Ok(value) = HeaderValue::from_str(&role.etag()) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// An empty description clears it: IBM's clients send `""` for none.
fn description(description: Option<String>) -> Option<String> {
    description.filter(|text| !text.is_empty())
}

/// The body of `POST /v2/roles`.
#[derive(Debug, Deserialize)]
pub struct CreateBody {
    name: String,
    display_name: String,
    account_id: String,
    service_name: String,
    actions: Vec<String>,
    #[serde(default)]
    description: Option<String>,
}

/// The body of `PUT /v2/roles/{role_id}`: what is left out stays as it is.
#[derive(Debug, Deserialize)]
pub struct ReplaceBody {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    actions: Option<Vec<String>>,
    #[serde(default)]
    description: Option<String>,
}

/// `POST /v2/roles`: 201 with the custom role and its `ETag`.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    BaseUrl(base): BaseUrl,
    IbmJson(body): IbmJson<CreateBody>,
) -> Result<Response, ApiError> {
    let account_id = AccountId::parse(&body.account_id).ok_or_else(|| {
        ApiError::invalid_body(format!(
            "`account_id` `{}` is not an account id: expected 32 lowercase hexadecimal characters",
            body.account_id
        ))
    })?;
    let new = NewCustomRole {
        name: body.name,
        account_id,
        service_name: body.service_name,
        content: CustomRoleContent {
            display_name: body.display_name,
            description: description(body.description),
            actions: body.actions,
        },
    };
    let (role, _revision) = state.app.create_custom_role(&caller, new).await?;
    Ok(with_etag(StatusCode::CREATED, &role, &base))
}

/// `GET /v2/roles/{role_id}`: a custom role of an account the caller administers, with its `ETag`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(role_id): Path<String>,
    BaseUrl(base): BaseUrl,
) -> Result<Response, ApiError> {
    let role = state.app.custom_role(&caller, &role_id).await?;
    Ok(with_etag(StatusCode::OK, &role, &base))
}

/// `PUT /v2/roles/{role_id}` with `If-Match`: the display name, description and actions; the name, account and
/// service cannot change.
pub async fn replace(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(role_id): Path<String>,
    if_match: IfMatch,
    BaseUrl(base): BaseUrl,
    IbmJson(body): IbmJson<ReplaceBody>,
) -> Result<Response, ApiError> {
    let precondition = if_match.required()?;
    let current = state.app.custom_role(&caller, &role_id).await?;
    let content = CustomRoleContent {
        display_name: body.display_name.unwrap_or(current.content.display_name),
        description: match body.description {
            Some(text) => description(Some(text)),
            None => current.content.description,
        },
        actions: body.actions.unwrap_or(current.content.actions),
    };
    let (role, _revision) = state.app.replace_custom_role(&caller, &role_id, &precondition, content).await?;
    Ok(with_etag(StatusCode::OK, &role, &base))
}

/// `DELETE /v2/roles/{role_id}`: 204; 409 while an active policy grants the role. `If-Match` is optional.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(role_id): Path<String>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    state.app.delete_custom_role(&caller, &role_id, &if_match.optional()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
