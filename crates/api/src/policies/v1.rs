//! `/v1/policies`: the v1 shape (`subjects`, `roles`, `resources`; `name`/`value` attributes).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use hubspoke_iam::{
    AttributeValue, Dialect, Operator, Policy, PolicyKind, PolicyState, RawAttribute, RoleCatalog, UncheckedDraft,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    Metadata, RoleJson, Shape, ValueJson, Version, check_type, conflict, href, metadata, raw_value, role_json,
    with_etag,
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

/// A v1 attribute: `name` and `value`, and for resources the `operator` (Terraform compares it, so it is always
/// shown, even when the client left it out).
#[derive(Serialize)]
pub struct V1AttributeJson<'a> {
    name: &'a str,
    value: ValueJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operator: Option<&'static str>,
}

/// `{"attributes": [...]}`, one element of `subjects` or `resources`.
#[derive(Serialize)]
pub struct V1AttributesJson<'a> {
    attributes: Vec<V1AttributeJson<'a>>,
}

/// A policy in the v1 shape, or IBM's placeholder for one that only v2 can show.
#[derive(Serialize)]
pub struct V1Json<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    subjects: [V1AttributesJson<'a>; 1],
    roles: Vec<RoleJson<'a>>,
    resources: [V1AttributesJson<'a>; 1],
    #[serde(flatten)]
    metadata: Metadata<'a>,
}

/// The text IBM shows in place of a policy v1 cannot represent.
const PLACEHOLDER: &str = "**This is a unsupported policy version placeholder, to view the full content, please call GET with provided href**";

/// The v1 representation of a policy, or IBM's placeholder for one that only v2 can show.
pub fn render<'a>(policy: &'a Policy, base: &str, catalog: &RoleCatalog) -> V1Json<'a> {
    let attribute = |name, value, operator| V1AttributeJson { name, value, operator };
    if !representable(policy) {
        return V1Json {
            id: &policy.id,
            kind: policy.draft.kind().as_str(),
            description: Some(PLACEHOLDER),
            subjects: [V1AttributesJson {
                attributes: vec![attribute("iam_id", ValueJson::Text("unsupported version"), None)],
            }],
            roles: vec![RoleJson {
                display_name: Some("Unsupported Version"),
                ..RoleJson::bare("crn:v1:bluemix:public:iam::::role:UnsupportedVersion")
            }],
            resources: [V1AttributesJson {
                attributes: vec![attribute(
                    "accountId",
                    ValueJson::Text(policy.draft.owner.as_str()),
                    Some("stringEquals"),
                )],
            }],
            metadata: metadata(policy, href(base, Version::V2, &policy.id)),
        };
    }
    V1Json {
        id: &policy.id,
        kind: policy.draft.kind().as_str(),
        description: policy.draft.description.as_deref(),
        subjects: [V1AttributesJson {
            attributes: policy.draft.subject.iter().map(|a| attribute(&a.key, (&a.value).into(), None)).collect(),
        }],
        roles: policy.draft.roles.iter().map(|crn| role_json(catalog, policy, crn)).collect(),
        resources: [V1AttributesJson {
            attributes: policy
                .draft
                .resource
                .iter()
                .map(|a| attribute(&a.key, (&a.value).into(), Some(a.operator.as_str())))
                .collect(),
        }],
        metadata: metadata(policy, href(base, Version::V1, &policy.id)),
    }
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

    type Rendered<'a> = V1Json<'a>;

    fn render<'a>(policy: &'a Policy, base: &str, catalog: &RoleCatalog, _display: bool) -> V1Json<'a> {
        render(policy, base, catalog)
    }

    fn render_conflict(policy: &Policy, base: &str, catalog: &RoleCatalog) -> Value {
        serde_json::to_value(render(policy, base, catalog)).unwrap_or_default()
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
        .map_err(|e| conflict(e, |p| V1::render_conflict(p, &base, &catalog)))?;
    Ok(with_etag(StatusCode::OK, &policy, &render(&policy, &base, &catalog)))
}
