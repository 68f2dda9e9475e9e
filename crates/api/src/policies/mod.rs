//! Authorization and access policies over `/v1/policies` and `/v2/policies`: one store, one id space, two shapes.
//!
//! `v1` and `v2` hold the wire shapes and handlers of each version; this module holds what they share: list query
//! parsing, pagination, role rendering and the placeholder rule.

pub mod v1;
pub mod v2;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hubspoke_app::policies::{AttributeSide, PolicyList, PolicySort, Position};
use hubspoke_iam::catalog::access;
use hubspoke_iam::{
    AccountId, Attribute, AttributeValue, Dialect, Operator, Policy, PolicyKind, PolicyState, RoleCatalog,
    UncheckedDraft,
};
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, BaseUrl, IbmJson, IfMatch, Params};
use crate::paging::{self, Paging};
use crate::rendered::{unrenderable, write_list};
use crate::transaction::json_response;
use crate::wire::timestamp;

/// Largest `limit` a list accepts.
pub const MAX_PAGE_SIZE: u64 = 1000;

/// Which API version a request came through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// `/v1/policies`
    V1,
    /// `/v2/policies`
    V2,
}

impl Version {
    fn path(self) -> &'static str {
        match self {
            Version::V1 => "/v1/policies",
            Version::V2 => "/v2/policies",
        }
    }
}

/// What differs between `/v1/policies` and `/v2/policies`: the body they accept and the JSON they answer with.
/// The operations themselves are the same and are written once, below, generic over the shape.
pub trait Shape: 'static {
    /// The create and replace body.
    type Body: serde::de::DeserializeOwned + Send;
    /// Which API this is.
    const VERSION: Version;
    /// Which operators its bodies may use.
    const DIALECT: Dialect;
    /// Checks the body's JSON shape and hands over its content for validation, with the policy's `type`.
    fn draft(body: Self::Body) -> Result<(UncheckedDraft, PolicyKind), ApiError>;
    /// The representation of one policy, written straight to the response (lists carry a hundred of them).
    type Rendered<'a>: serde::Serialize;
    /// The policy in this shape; `display` asks for role details where the shape has them.
    fn render<'a>(policy: &'a Policy, base: &str, catalog: &RoleCatalog, display: bool) -> Self::Rendered<'a>;
    /// The existing policy as a 409 shows it under `details.conflicts_with.policy`.
    fn render_conflict(policy: &Policy, base: &str, catalog: &RoleCatalog) -> Value;
}

/// Whether `format=display` was asked for.
fn display(params: &Params) -> Result<bool, ApiError> {
    Ok(params.one_of("format", &["include_last_permit", "display"])? == Some("display"))
}

/// `GET /v1/policies` and `GET /v2/policies`.
pub async fn list<S: Shape>(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    params: Params,
    BaseUrl(base): BaseUrl,
) -> Result<Response, ApiError> {
    let display = display(&params)?;
    list_page::<S>(&state, &caller, &params, &base, display).await
}

/// `POST /v1/policies` and `POST /v2/policies` (the one Terraform uses): 201 with the policy and its `ETag`.
pub async fn create<S: Shape>(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    BaseUrl(base): BaseUrl,
    IbmJson(body): IbmJson<S::Body>,
) -> Result<Response, ApiError> {
    let catalog = *state.app.catalog();
    let (draft, kind) = S::draft(body)?;
    let (policy, _revision) = state
        .app
        .create_policy(&caller, draft, S::DIALECT, kind)
        .await
        .map_err(|e| conflict(e, |p| S::render_conflict(p, &base, &catalog)))?;
    Ok(with_etag(StatusCode::CREATED, &policy, &S::render(&policy, &base, &catalog, false)))
}

/// `GET /v1/policies/{id}` and `GET /v2/policies/{id}`: deleted policies are shown with `state: deleted`.
pub async fn get<S: Shape>(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    params: Params,
    BaseUrl(base): BaseUrl,
) -> Result<Response, ApiError> {
    let display = S::VERSION == Version::V2 && display(&params)?;
    let policy = state.app.policy(&caller, &id).await?;
    let rendered = state.rendered.policies.one(&policy, &base, (S::VERSION, display), |policy, out| {
        serde_json::to_writer(out, &S::render(policy, &base, state.app.catalog(), display)).map_err(unrenderable)
    })?;
    Ok(rendered.response())
}

/// `PUT /v1/policies/{id}` and `PUT /v2/policies/{id}` with `If-Match`; either works on policies made by the other.
pub async fn replace<S: Shape>(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    BaseUrl(base): BaseUrl,
    IbmJson(body): IbmJson<S::Body>,
) -> Result<Response, ApiError> {
    let catalog = *state.app.catalog();
    let precondition = if_match.required()?;
    let (draft, kind) = S::draft(body)?;
    let (policy, _revision) = state
        .app
        .replace_policy(&caller, &id, &precondition, draft, S::DIALECT, kind)
        .await
        .map_err(|e| conflict(e, |p| S::render_conflict(p, &base, &catalog)))?;
    Ok(with_etag(StatusCode::OK, &policy, &S::render(&policy, &base, &catalog, false)))
}

/// `DELETE /v1/policies/{id}` and `DELETE /v2/policies/{id}`: 204 with no body; `If-Match` is optional and honoured.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    state.app.delete_policy(&caller, &id, &if_match.optional()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A policy's `href` in one version.
pub fn href(base: &str, version: Version, id: &str) -> String {
    format!("{base}{}/{id}", version.path())
}

/// What a list request asks for, once its parameters are checked.
enum ListPlan {
    /// The filters can match no authorization policy (for example `type=access`): answer an empty page.
    Nothing,
    /// Ask for this list.
    Query(PolicyList),
}

/// A policy's href is derived from its id, so `href` sorts by id.
const SORT_FIELDS: &[(&str, PolicySort)] = &[
    ("id", PolicySort::Id),
    ("type", PolicySort::Kind),
    ("href", PolicySort::Id),
    ("created_at", PolicySort::CreatedAt),
    ("created_by_id", PolicySort::CreatedById),
    ("last_modified_at", PolicySort::LastModifiedAt),
    ("last_modified_by_id", PolicySort::LastModifiedById),
    ("state", PolicySort::State),
];

fn plan_list(params: &Params, version: Version) -> Result<ListPlan, ApiError> {
    let account = params.required("account_id")?;
    let owner = AccountId::parse(account).ok_or_else(|| {
        ApiError::invalid_query(format!(
            "`account_id` `{account}` is not an account id: expected 32 lowercase hexadecimal characters"
        ))
    })?;
    let kind = params.one_of("type", &["access", "authorization"])?.and_then(PolicyKind::parse);
    // Listing without `state` shows the active policies; `state=deleted` shows the deleted ones.
    let state = match params.one_of("state", &["active", "deleted"])? {
        Some("deleted") => PolicyState::Deleted,
        _ => PolicyState::Active,
    };
    let service_type = params.one_of("service_type", &["service", "platform_service"])?;
    let sort = match params.get("sort") {
        None => None,
        Some(sort) => {
            let (name, descending) = match sort.strip_prefix('-') {
                Some(name) => (name, true),
                None => (sort, false),
            };
            let field =
                SORT_FIELDS.iter().find(|(known, _)| *known == name).map(|(_, field)| *field).ok_or_else(|| {
                    let names: Vec<&str> = SORT_FIELDS.iter().map(|(known, _)| *known).collect();
                    ApiError::invalid_query(format!(
                        "cannot sort by `{sort}`; sort by one of: {} (prefix `-` for descending)",
                        names.join(", ")
                    ))
                })?;
            Some((field, descending))
        }
    };
    let paging = Paging::from_params(params, paging::POLICIES)?;
    let position = match (paging.start, paging.backward) {
        (Some(cursor), true) => Position::Before(cursor),
        (Some(cursor), false) => Position::After(cursor),
        (None, _) => Position::First,
    };
    // hubspoke's policies carry no access management tags, so a tag filter matches none of them.
    if ["tag_name", "tag_value"].iter().any(|name| params.get(name).is_some()) {
        return Ok(ListPlan::Nothing);
    }
    // Each filter asks for policies with that exact attribute.
    let mut attributes = Vec::new();
    let mut filter = |parameter: &str, side: AttributeSide, key: &str| {
        if let Some(value) = params.get(parameter) {
            attributes.push((side, key.to_owned(), value.to_owned()));
        }
    };
    filter("iam_id", AttributeSide::Subject, "iam_id");
    filter("access_group_id", AttributeSide::Subject, "access_group_id");
    filter("service_group_id", AttributeSide::Resource, "service_group_id");
    filter("resource_group_id", AttributeSide::Resource, "resourceGroupId");
    if let Some(service_type) = service_type {
        attributes.push((AttributeSide::Resource, "serviceType".to_owned(), service_type.to_owned()));
    }
    let resource_service = match version {
        Version::V2 => params.get("service_name").map(str::to_owned),
        Version::V1 => None,
    };
    Ok(ListPlan::Query(PolicyList {
        owner,
        state: Some(state),
        resource_service,
        kind,
        attributes,
        sort,
        limit: paging.limit,
        position,
    }))
}

/// A page of policies: with a `limit`, the links the SDK pagers read, then the policies.
#[derive(serde::Serialize)]
struct ListBody<T> {
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous: Option<Value>,
    policies: Vec<T>,
}

/// Lists policies for either version: the page, and `first`/`next`/`previous` links in the shape the SDK pagers read.
async fn list_page<S: Shape>(
    state: &crate::ApiState,
    caller: &hubspoke_iam::Caller,
    params: &Params,
    base: &str,
    display: bool,
) -> Result<Response, ApiError> {
    let query = match plan_list(params, S::VERSION)? {
        ListPlan::Nothing => return Ok(json_response(StatusCode::OK, &json!({ "policies": [] }))),
        ListPlan::Query(query) => query,
    };
    let page = state.app.list_policies(caller, &query).await?;
    let url = format!("{base}{}", S::VERSION.path());
    // The page is the application's for one book and query; the rest of its body is its links, which the first one
    // stands for (it carries the base URL and every parameter but the page's start).
    let first = paging::link(&url, params, query.limit, None);
    let rendered = state.rendered.policy_pages.one(&page, &first, (S::VERSION, display), |page, out| {
        let items = state.rendered.policies.render(&page.policies, base, (S::VERSION, display), |policy, out| {
            serde_json::to_writer(out, &S::render(policy, base, state.app.catalog(), display)).map_err(unrenderable)
        })?;
        let mut body =
            ListBody { limit: query.limit, first: None, next: None, previous: None, policies: Vec::<()>::new() };
        if let Some(limit) = query.limit {
            let link = |start: Option<String>| {
                let mut link = json!({ "href": paging::link(&url, params, Some(limit), start.as_deref()) });
                if let Some(start) = start {
                    link["start"] = Value::String(start);
                }
                link
            };
            body.first = Some(link(None));
            body.next = page.next.as_ref().map(|next| link(Some(paging::token(next))));
            body.previous = page.previous.as_ref().map(|previous| link(Some(paging::backward_token(previous))));
        }
        write_list(&body, &items, out)
    })?;
    Ok(rendered.body_response())
}

/// An attribute value as the wire shows it: a string, a boolean or a list of strings.
#[derive(serde::Serialize)]
#[serde(untagged)]
pub(crate) enum ValueJson<'a> {
    Text(&'a str),
    Flag(bool),
    List(&'a [String]),
}

impl<'a> From<&'a AttributeValue> for ValueJson<'a> {
    fn from(value: &'a AttributeValue) -> ValueJson<'a> {
        match value {
            AttributeValue::Text(text) => ValueJson::Text(text),
            AttributeValue::Flag(flag) => ValueJson::Flag(*flag),
            AttributeValue::List(items) => ValueJson::List(items),
        }
    }
}

/// The JSON of an attribute value, for bodies built as a `Value`.
pub(crate) fn attribute_value_json(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::Text(text) => Value::String(text.clone()),
        AttributeValue::Flag(flag) => Value::Bool(*flag),
        AttributeValue::List(items) => json!(items),
    }
}

/// A role as a policy shows it: the id, with the catalog's name and description when the role is the catalog's, and
/// with `format=display` (v2) its actions.
#[derive(serde::Serialize)]
struct RoleJson<'a> {
    role_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actions: Option<Vec<Value>>,
}

impl<'a> RoleJson<'a> {
    /// The role by its id alone.
    fn bare(role_id: &'a str) -> RoleJson<'a> {
        RoleJson { role_id, display_name: None, description: None, actions: None }
    }
}

/// The role with this CRN as an access policy on `policy`'s service (or service group) names it, with the actions
/// it holds there; `None` for a custom role.
fn access_role(policy: &Policy, crn: &str) -> Option<(&'static hubspoke_iam::Role, Vec<&'static str>)> {
    let exact = |key: &str| {
        policy.draft.resource_attribute(key).filter(|a| a.operator == Operator::StringEquals).and_then(Attribute::text)
    };
    let (service, group) = (exact("serviceName"), exact("service_group_id"));
    let selection = match (service, group) {
        (None, None) => access::access_roles(Some("alliamserviceroles"), None),
        (service, group) => access::access_roles(service, group),
    };
    let role = selection.iter().find(|role| role.crn == crn)?;
    Some((role, access::role_actions(service, group, crn)))
}

/// `role_id` with `display_name` and `description` from the catalog, resolved for the policy's service pair (or, for
/// an access policy, its service). A custom role is shown by its id alone.
fn role_json<'a>(catalog: &RoleCatalog, policy: &Policy, crn: &'a str) -> RoleJson<'a> {
    let described = |role: &'static hubspoke_iam::Role| RoleJson {
        display_name: Some(role.display_name),
        description: Some(role.description),
        ..RoleJson::bare(crn)
    };
    if policy.draft.kind() == PolicyKind::Access {
        return access_role(policy, crn).map_or_else(|| RoleJson::bare(crn), |(role, _)| described(role));
    }
    let text = |key: &str, attributes: &[Attribute]| {
        attributes
            .iter()
            .find(|a| a.key == key && a.operator == Operator::StringEquals)
            .and_then(Attribute::text)
            .map(str::to_owned)
    };
    let target = text("serviceName", &policy.draft.resource).unwrap_or_default();
    let source = text("serviceName", &policy.draft.subject);
    let role = catalog.authorization_role(&target, source.as_deref(), crn).or_else(|| catalog.any_role(crn));
    role.map_or_else(|| RoleJson::bare(crn), described)
}

/// The server-set fields shared by both shapes, in IBM's order.
#[derive(serde::Serialize)]
struct Metadata<'a> {
    href: String,
    created_at: String,
    created_by_id: &'a str,
    last_modified_at: String,
    last_modified_by_id: &'a str,
    state: &'static str,
}

fn metadata(policy: &Policy, href: String) -> Metadata<'_> {
    Metadata {
        href,
        created_at: timestamp(policy.created_at),
        created_by_id: &policy.created_by_id,
        last_modified_at: timestamp(policy.last_modified_at),
        last_modified_by_id: &policy.last_modified_by_id,
        state: policy.state.as_str(),
    }
}

/// A single-policy response with its `ETag`.
fn with_etag(status: StatusCode, policy: &Policy, body: &impl serde::Serialize) -> Response {
    let mut response = json_response(status, body);
    if let Ok(value) = HeaderValue::from_str(&policy.etag()) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// The 409 for a duplicate, with the existing policy in full under `details.conflicts_with.policy`, as IBM sends it.
fn conflict(error: hubspoke_app::AppError, render: impl Fn(&Policy) -> Value) -> ApiError {
    match &error {
        hubspoke_app::AppError::DuplicatePolicy { existing } => {
            let details = json!({ "conflicts_with": { "etag": existing.etag(), "policy": render(existing) } });
            ApiError::from(error).with_details(details)
        }
        _ => ApiError::from(error),
    }
}

/// The wire checks both versions apply to the `type` field.
fn check_type(kind: &str) -> Result<PolicyKind, ApiError> {
    PolicyKind::parse(kind)
        .ok_or_else(|| ApiError::invalid_body(format!("`type` is `{kind}`; it must be `access` or `authorization`")))
}

/// The actions a role of `policy` holds, for `format=display`.
fn role_actions(catalog: &RoleCatalog, policy: &Policy, crn: &str) -> Vec<Value> {
    let actions: Vec<&str> = match policy.draft.kind() {
        PolicyKind::Access => access_role(policy, crn).map(|(_, actions)| actions).unwrap_or_default(),
        PolicyKind::Authorization => catalog.any_role(crn).map(|known| known.actions.to_vec()).unwrap_or_default(),
    };
    actions.into_iter().map(crate::roles::action_json).collect()
}

/// Turns a JSON attribute value into the raw form validation takes.
fn raw_value(value: &Value) -> hubspoke_iam::RawValue {
    use hubspoke_iam::RawValue;
    match value {
        Value::String(text) => RawValue::Text(text.clone()),
        Value::Bool(flag) => RawValue::Flag(*flag),
        // IBM converts numbers to strings.
        Value::Number(number) => RawValue::Text(number.to_string()),
        Value::Array(items) => match items.iter().map(|item| item.as_str().map(str::to_owned)).collect() {
            Some(items) => RawValue::List(items),
            None => RawValue::Unsupported("array with non-string items"),
        },
        Value::Null => RawValue::Unsupported("null"),
        Value::Object(_) => RawValue::Unsupported("object"),
    }
}

/// Parses and validates a policy body as `/v1/policies` and `/v2/policies` would, for the `policy_body` fuzz target
/// and its corpus replay: every input is refused or accepted without a panic. Says which of the two accepted it.
#[cfg(any(test, feature = "fuzzing"))]
pub fn check_body_bytes(data: &[u8]) -> [bool; 2] {
    fn check<S: Shape>(data: &[u8]) -> bool {
        serde_json::from_slice::<S::Body>(data).ok().and_then(|body| S::draft(body).ok()).is_some_and(|draft| {
            let (draft, kind) = draft;
            match kind {
                PolicyKind::Authorization => {
                    hubspoke_iam::validate::validate(draft, S::DIALECT, &hubspoke_iam::catalog::RoleCatalog).is_ok()
                }
                PolicyKind::Access => hubspoke_iam::validate::validate_access(draft, S::DIALECT, &[]).is_ok(),
            }
        })
    }
    [check::<v1::V1>(data), check::<v2::V2>(data)]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replays the `policy_body` fuzz corpus (`fuzz/corpus/policy_body`) on stable; the DNS sharing guide's bodies, which
    /// the corpus starts from, must still be accepted by `/v1/policies`.
    #[test]
    fn the_fuzz_corpus_replays_without_a_crash() {
        let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/policy_body");
        let (mut replayed, mut accepted) = (0, 0);
        for entry in std::fs::read_dir(&directory).expect("the corpus directory exists") {
            let path = entry.unwrap().path();
            let [v1, _] = check_body_bytes(&std::fs::read(&path).unwrap());
            if path.file_name().unwrap().to_string_lossy().starts_with("seed-") {
                assert!(v1, "the guide's body {} is refused", path.display());
            }
            accepted += usize::from(v1);
            replayed += 1;
        }
        assert!(replayed >= 8 && accepted >= 1, "{replayed} corpus entries, {accepted} accepted");
    }
}
