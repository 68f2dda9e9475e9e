//! `/v2/policies`: the v2 shape (`subject`, `resource`, `control.grant.roles`; `key`/`operator`/`value` attributes).

use hubspoke_iam::{Dialect, Policy, PolicyKind, RawAttribute, RoleCatalog, UncheckedDraft};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::v1::V1Role;
use super::{Shape, Version, attribute_value_json, check_type, href, metadata, raw_value, role_actions, role_json};
use crate::error::ApiError;

/// The body of `POST` and `PUT /v2/policies`.
#[derive(Debug, Deserialize)]
pub struct V2PolicyBody {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    subject: Option<V2Attributes>,
    #[serde(default)]
    resource: Option<V2Attributes>,
    control: V2Control,
    #[serde(default)]
    pattern: Option<Value>,
    #[serde(default)]
    rule: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct V2Attributes {
    attributes: Vec<V2Attribute>,
    #[serde(default)]
    tags: Option<Vec<Value>>,
}

#[derive(Debug, Deserialize)]
struct V2Attribute {
    key: String,
    #[serde(default)]
    operator: Option<String>,
    value: Value,
}

#[derive(Debug, Deserialize)]
struct V2Control {
    grant: V2Grant,
}

#[derive(Debug, Deserialize)]
struct V2Grant {
    roles: Vec<V1Role>,
}

impl V2PolicyBody {
    fn into_draft(self) -> Result<(UncheckedDraft, PolicyKind), ApiError> {
        let kind = check_type(&self.kind)?;
        if self.pattern.is_some_and(|p| !p.is_null()) || self.rule.is_some_and(|r| !r.is_null()) {
            return Err(ApiError::invalid_body(match kind {
                PolicyKind::Authorization => {
                    "`rule` and `pattern` (conditions) apply to access policies; authorization policies take none"
                }
                PolicyKind::Access => "hubspoke does not support conditions (`rule` and `pattern`) on access policies",
            }));
        }
        let side = |attributes: Option<V2Attributes>, field: &str| -> Result<Vec<RawAttribute>, ApiError> {
            let attributes = attributes.ok_or_else(|| {
                ApiError::invalid_body(format!("`{field}` is required for {} policies", kind.as_str()))
            })?;
            if attributes.tags.is_some_and(|tags| !tags.is_empty()) {
                return Err(ApiError::invalid_body(match kind {
                    PolicyKind::Authorization => "access management tags are not supported on authorization policies",
                    PolicyKind::Access => "hubspoke does not support access management tags on access policies",
                }));
            }
            Ok(attributes
                .attributes
                .into_iter()
                .map(|a| RawAttribute { value: raw_value(&a.value), key: a.key, operator: a.operator })
                .collect())
        };
        let draft = UncheckedDraft {
            description: self.description,
            subject: side(self.subject, "subject")?,
            resource: side(self.resource, "resource")?,
            roles: self.control.grant.roles.into_iter().map(|role| role.role_id).collect(),
        };
        Ok((draft, kind))
    }
}

/// The v2 JSON of a policy; with `display`, each role carries its actions (`EnrichedRoles`).
pub fn render(policy: &Policy, base: &str, catalog: &RoleCatalog, display: bool) -> Value {
    let attributes = |attributes: &[hubspoke_iam::Attribute]| -> Vec<Value> {
        attributes
            .iter()
            .map(|a| json!({ "key": a.key, "operator": a.operator.as_str(), "value": attribute_value_json(&a.value) }))
            .collect()
    };
    let mut body = Map::new();
    body.insert("id".into(), Value::String(policy.id.clone()));
    body.insert("type".into(), Value::String(policy.draft.kind().as_str().into()));
    if let Some(description) = &policy.draft.description {
        body.insert("description".into(), Value::String(description.clone()));
    }
    body.insert("subject".into(), json!({ "attributes": attributes(&policy.draft.subject) }));
    body.insert("resource".into(), json!({ "attributes": attributes(&policy.draft.resource) }));
    let roles: Vec<Value> = policy
        .draft
        .roles
        .iter()
        .map(|crn| {
            if !display {
                return json!({ "role_id": crn });
            }
            let mut role = role_json(catalog, policy, crn);
            role["actions"] = Value::Array(role_actions(catalog, policy, crn));
            role
        })
        .collect();
    body.insert("control".into(), json!({ "grant": { "roles": roles } }));
    metadata(policy, href(base, Version::V2, &policy.id), &mut body);
    Value::Object(body)
}

/// A conflict shows the existing policy in v2 form, but IBM points its `href` at `/v1/policies`.
fn render_conflict(policy: &Policy, base: &str, catalog: &RoleCatalog) -> Value {
    let mut body = render(policy, base, catalog, false);
    body["href"] = Value::String(href(base, Version::V1, &policy.id));
    body
}

/// The v2 shape.
pub enum V2 {}

impl Shape for V2 {
    type Body = V2PolicyBody;
    const VERSION: Version = Version::V2;
    const DIALECT: Dialect = Dialect::V2;

    fn draft(body: V2PolicyBody) -> Result<(UncheckedDraft, PolicyKind), ApiError> {
        body.into_draft()
    }

    fn render(policy: &Policy, base: &str, catalog: &RoleCatalog, display: bool) -> Value {
        render(policy, base, catalog, display)
    }

    fn render_conflict(policy: &Policy, base: &str, catalog: &RoleCatalog) -> Value {
        render_conflict(policy, base, catalog)
    }
}
