//! `/v1/policies`: the v1 shape (`subjects`, `roles`, `resources`; `name`/`value` attributes).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use hubspoke_iam::{
    AttributeValue, Dialect, Operator, Policy, PolicyKind, PolicyState, RawAttribute, RoleCatalog, UncheckedDraft,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    Shape, Version, attribute_value_json, check_type, conflict, href, metadata, raw_value, role_json, with_etag,
};
use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, BaseUrl, IbmJson, IfMatch};

/// The body of `POST` and `PUT /v1/policies`.
#[derive(Debug, Deserialize)]
pub struct V1PolicyBody {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    description: Option<String>,
    subjects: Vec<V1Attributes>,
    roles: Vec<V1Role>,
    resources: Vec<V1Attributes>,
}

#[derive(Debug, Deserialize)]
struct V1Attributes {
    attributes: Vec<V1Attribute>,
    #[serde(default)]
    tags: Option<Vec<Value>>,
}

#[derive(Debug, Deserialize)]
struct V1Attribute {
    name: String,
    value: Value,
    #[serde(default)]
    operator: Option<String>,
}

/// A role reference, shared with v2's `control.grant.roles`.
#[derive(Debug, Deserialize)]
pub(super) struct V1Role {
    pub(super) role_id: String,
}

/// The body of `PATCH /v1/policies/{id}`.
#[derive(Debug, Deserialize)]
pub struct StateBody {
    #[serde(default)]
    state: Option<String>,
}

impl V1PolicyBody {
    fn into_draft(self) -> Result<(UncheckedDraft, PolicyKind), ApiError> {
        let kind = check_type(&self.kind)?;
        let single = |mut list: Vec<V1Attributes>, field: &str| -> Result<V1Attributes, ApiError> {
            if list.len() != 1 {
                return Err(ApiError::invalid_body(format!(
                    "`{field}` must hold exactly one element; it holds {}",
                    list.len()
                )));
            }
            Ok(list.remove(0))
        };
        let subject = single(self.subjects, "subjects")?;
        let resource = single(self.resources, "resources")?;
        if subject.tags.is_some_and(|tags| !tags.is_empty()) || resource.tags.is_some_and(|tags| !tags.is_empty()) {
            return Err(ApiError::invalid_body(match kind {
                PolicyKind::Authorization => "access management tags are not supported on authorization policies",
                PolicyKind::Access => "hubspoke does not support access management tags on access policies",
            }));
        }
        let raw = |attributes: Vec<V1Attribute>| -> Vec<RawAttribute> {
            attributes
                .into_iter()
                .map(|a| RawAttribute { value: raw_value(&a.value), key: a.name, operator: a.operator })
                .collect()
        };
        let draft = UncheckedDraft {
            description: self.description,
            subject: raw(subject.attributes),
            resource: raw(resource.attributes),
            roles: self.roles.into_iter().map(|role| role.role_id).collect(),
        };
        Ok((draft, kind))
    }
}

/// Whether v1 can show a policy: subjects without operators, resources with `stringEquals`/`stringMatch`, strings only.
fn representable(policy: &Policy) -> bool {
    let text = |value: &AttributeValue| matches!(value, AttributeValue::Text(_));
    policy.draft.subject.iter().all(|a| a.operator == Operator::StringEquals && text(&a.value))
        && policy
            .draft
            .resource
            .iter()
            .all(|a| matches!(a.operator, Operator::StringEquals | Operator::StringMatch) && text(&a.value))
}

/// The v1 JSON of a policy, or IBM's placeholder for one that only v2 can show.
pub fn render(policy: &Policy, base: &str, catalog: &RoleCatalog) -> Value {
    let mut body = Map::new();
    body.insert("id".into(), Value::String(policy.id.clone()));
    body.insert("type".into(), Value::String(policy.draft.kind().as_str().into()));
    if !representable(policy) {
        body.insert(
            "description".into(),
            Value::String("**This is a unsupported policy version placeholder, to view the full content, please call GET with provided href**".into()),
        );
        body.insert(
            "subjects".into(),
            json!([{ "attributes": [{ "name": "iam_id", "value": "unsupported version" }] }]),
        );
        body.insert(
            "roles".into(),
            json!([{ "role_id": "crn:v1:bluemix:public:iam::::role:UnsupportedVersion", "display_name": "Unsupported Version" }]),
        );
        body.insert("resources".into(), json!([{ "attributes": [{ "name": "accountId", "value": policy.draft.owner.as_str(), "operator": "stringEquals" }] }]));
        metadata(policy, href(base, Version::V2, &policy.id), &mut body);
        return Value::Object(body);
    }
    if let Some(description) = &policy.draft.description {
        body.insert("description".into(), Value::String(description.clone()));
    }
    let subjects: Vec<Value> = policy
        .draft
        .subject
        .iter()
        .map(|a| json!({ "name": a.key, "value": attribute_value_json(&a.value) }))
        .collect();
    body.insert("subjects".into(), json!([{ "attributes": subjects }]));
    let roles: Vec<Value> = policy.draft.roles.iter().map(|crn| role_json(catalog, policy, crn)).collect();
    body.insert("roles".into(), Value::Array(roles));
    // Resource operators are always returned, even when the client left them out (Terraform compares them).
    let resources: Vec<Value> = policy
        .draft
        .resource
        .iter()
        .map(|a| json!({ "name": a.key, "value": attribute_value_json(&a.value), "operator": a.operator.as_str() }))
        .collect();
    body.insert("resources".into(), json!([{ "attributes": resources }]));
    metadata(policy, href(base, Version::V1, &policy.id), &mut body);
    Value::Object(body)
}

/// The v1 shape.
pub enum V1 {}

impl Shape for V1 {
    type Body = V1PolicyBody;
    const VERSION: Version = Version::V1;
    const DIALECT: Dialect = Dialect::V1;

    fn draft(body: V1PolicyBody) -> Result<(UncheckedDraft, PolicyKind), ApiError> {
        body.into_draft()
    }

    fn render(policy: &Policy, base: &str, catalog: &RoleCatalog, _display: bool) -> Value {
        render(policy, base, catalog)
    }

    fn render_conflict(policy: &Policy, base: &str, catalog: &RoleCatalog) -> Value {
        render(policy, base, catalog)
    }
}

/// `PATCH /v1/policies/{policy_id}` with `If-Match`: `{"state": "active"}` restores a deleted policy.
pub async fn update_state(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    BaseUrl(base): BaseUrl,
    IbmJson(body): IbmJson<StateBody>,
) -> Result<Response, ApiError> {
    let catalog = *state.app.catalog();
    let precondition = if_match.required()?;
    let target = match body.state.as_deref() {
        Some(text) => PolicyState::parse(text)
            .ok_or_else(|| ApiError::invalid_body(format!("`state` is `{text}`; it must be `active` or `deleted`")))?,
        None => {
            return Err(ApiError::invalid_body(
                "`state` is required: send `{\"state\": \"active\"}` to restore a policy",
            ));
        }
    };
    let (policy, _revision) = state
        .app
        .set_policy_state(&caller, &id, &precondition, target)
        .await
        .map_err(|e| conflict(e, |p| render(p, &base, &catalog)))?;
    Ok(with_etag(StatusCode::OK, &policy, &render(&policy, &base, &catalog)))
}
