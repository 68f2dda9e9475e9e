//! `/v2/policies`: the v2 shape (`subject`, `resource`, `control.grant.roles`; `key`/`operator`/`value` attributes).

use hubspoke_iam::{Attribute, Dialect, Policy, PolicyKind, RawAttribute, RoleCatalog, UncheckedDraft};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::v1::V1Role;
use super::{
    Metadata, RoleJson, Shape, ValueJson, Version, check_type, href, metadata, raw_value, role_actions, role_json,
};
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

/// A v2 attribute: `key`, `operator` and `value`.
#[derive(Serialize)]
pub struct V2AttributeJson<'a> {
    key: &'a str,
    operator: &'static str,
    value: ValueJson<'a>,
}

/// `{"attributes": [...]}`: the `subject` or the `resource`.
#[derive(Serialize)]
pub struct V2AttributesJson<'a> {
    attributes: Vec<V2AttributeJson<'a>>,
}

impl<'a> V2AttributesJson<'a> {
    fn of(attributes: &'a [Attribute]) -> V2AttributesJson<'a> {
        let attributes = attributes
            .iter()
            .map(|a| V2AttributeJson { key: &a.key, operator: a.operator.as_str(), value: (&a.value).into() })
            .collect();
        V2AttributesJson { attributes }
    }
}

/// `control.grant.roles`.
#[derive(Serialize)]
pub struct V2ControlJson<'a> {
    grant: V2GrantJson<'a>,
}

#[derive(Serialize)]
struct V2GrantJson<'a> {
    roles: Vec<RoleJson<'a>>,
}

/// A policy in the v2 shape.
#[derive(Serialize)]
pub struct V2Json<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    subject: V2AttributesJson<'a>,
    resource: V2AttributesJson<'a>,
    control: V2ControlJson<'a>,
    #[serde(flatten)]
    metadata: Metadata<'a>,
}

/// The v2 representation of a policy; with `display`, each role carries its catalog details and actions
/// (`EnrichedRoles`).
pub fn render<'a>(policy: &'a Policy, base: &str, catalog: &RoleCatalog, display: bool) -> V2Json<'a> {
    let roles = policy
        .draft
        .roles
        .iter()
        .map(|crn| match display {
            false => RoleJson::bare(crn),
            true => RoleJson { actions: Some(role_actions(catalog, policy, crn)), ..role_json(catalog, policy, crn) },
        })
        .collect();
    V2Json {
        id: &policy.id,
        kind: policy.draft.kind().as_str(),
        description: policy.draft.description.as_deref(),
        subject: V2AttributesJson::of(&policy.draft.subject),
        resource: V2AttributesJson::of(&policy.draft.resource),
        control: V2ControlJson { grant: V2GrantJson { roles } },
        metadata: metadata(policy, href(base, Version::V2, &policy.id)),
    }
}

/// A conflict shows the existing policy in v2 form, but IBM points its `href` at `/v1/policies`.
fn render_conflict(policy: &Policy, base: &str, catalog: &RoleCatalog) -> Value {
    let mut shown = render(policy, base, catalog, false);
    shown.metadata.href = href(base, Version::V1, &policy.id);
    serde_json::to_value(shown).unwrap_or_default()
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

    type Rendered<'a> = V2Json<'a>;

    fn render<'a>(policy: &'a Policy, base: &str, catalog: &RoleCatalog, display: bool) -> V2Json<'a> {
        render(policy, base, catalog, display)
    }

    fn render_conflict(policy: &Policy, base: &str, catalog: &RoleCatalog) -> Value {
        render_conflict(policy, base, catalog)
    }
}
