//! `GET /v2/roles`: the role catalog as IBM's list answers it, which is how Terraform turns `"DNS Binding Connector"`
//! into a CRN and back.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use hubspoke_iam::catalog::{access, action_description};
use hubspoke_iam::{AccountId, Role};
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, Params};
use crate::transaction::json_response;

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
/// refuses a collection without one. hubspoke has no custom roles yet, so `custom_roles` is always empty.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(_caller): Authenticated,
    params: Params,
) -> Result<Response, ApiError> {
    let policy_type = params.one_of("policy_type", &["access", "authorization"])?;
    if let Some(account) = params.get("account_id") {
        AccountId::parse(account).ok_or_else(|| {
            ApiError::invalid_query(format!(
                "`account_id` `{account}` is not an account id: expected 32 lowercase hexadecimal characters"
            ))
        })?;
    }
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
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "custom_roles": [],
            "service_roles": render(&selection.service_roles),
            "system_roles": render(&selection.system_roles),
        }),
    ))
}

/// `GET /v2/roles/{role_id}` reads custom roles, and hubspoke has none.
pub async fn get(Authenticated(_caller): Authenticated, Path(role_id): Path<String>) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "role_not_found",
        format!(
            "Role with Id {role_id} not found. hubspoke has no custom roles; service and system roles are listed by GET /v2/roles"
        ),
    )
}
