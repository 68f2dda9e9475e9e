//! The OpenID AuthZEN Authorization API 1.0 over both decision engines, with each engine's explanation in a
//! response's `context`: the evaluation endpoints, and the subject, action and resource searches over access policies.
//!
//! Mapping: `subject.properties` and `resource.properties` are the IBM attributes (`accountId`, `serviceName`,
//! `resourceType`, `resource`, `vpcId`, ...); `type` stands for `resourceType` and `id` for `resource` when the
//! properties do not name them; `action.name` is the IAM action, for example `is.vpc.dns-resolution-binding.connect`.
//! A subject of type `user`, `service_id` (or `serviceid`) or `identity` is an identity, whose `id` is its IAM id:
//! access policies decide for it (the identity and its access groups in the resource's account); any other subject
//! is a service, and authorization policies decide.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hubspoke_app::access_search::{AccessAnswer, ResourceKind};
use hubspoke_app::decisions::Visibility;
use hubspoke_app::paging::{Page, PageRequest};
use hubspoke_iam::access::search::{SubjectKind, is_identity};
use hubspoke_iam::identity::{IdentityKind, kind_of_iam_id};
use hubspoke_iam::{AccessRequest, AccountId, Caller, Decision, Mismatch, PolicyId, RequestAttributes};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, BaseUrl, IbmJson, Params};
use crate::paging::{Bounds, Paging, Style};
use crate::transaction::json_response;

/// Most evaluations one batch request may carry.
pub const MAX_EVALUATIONS: usize = 100;

/// A subject or resource.
#[derive(Clone, Debug, Deserialize)]
pub struct AuthzenEntity {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    #[serde(default)]
    properties: Option<Properties>,
}

/// An entity's `properties`, in order, read straight from the body: an evaluation reads each of them once, so an
/// ordered map in between (hashing every key) would only cost. A repeated member replaces the earlier one, in its
/// place, as a JSON object's would.
#[derive(Clone, Debug, Default)]
pub struct Properties(Vec<(String, Property)>);

/// A property's value, as far as attributes care.
#[derive(Clone, Debug)]
enum Property {
    /// A string.
    Text(String),
    /// A number or a boolean, written as the attribute's text.
    Scalar(String),
    /// Anything else (an object, an array, `null`), which no attribute can hold.
    Unusable,
}

impl Properties {
    /// The string value of `name`, if it has one.
    fn text(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| key == name).and_then(|(_, value)| match value {
            Property::Text(text) => Some(text.as_str()),
            _ => None,
        })
    }
}

impl<'de> Deserialize<'de> for Properties {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Properties, D::Error> {
        struct Members;

        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = Properties;

            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("an object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Properties, A::Error> {
                let mut members: Vec<(String, Property)> = Vec::with_capacity(map.size_hint().unwrap_or(4));
                while let Some(key) = map.next_key::<String>()? {
                    let value = match map.next_value::<Value>()? {
                        Value::String(text) => Property::Text(text),
                        Value::Number(number) => Property::Scalar(number.to_string()),
                        Value::Bool(flag) => Property::Scalar(flag.to_string()),
                        _ => Property::Unusable,
                    };
                    match members.iter_mut().find(|(known, _)| *known == key) {
                        Some((_, earlier)) => *earlier = value,
                        None => members.push((key, value)),
                    }
                }
                Ok(Properties(members))
            }
        }

        deserializer.deserialize_map(Members)
    }
}

/// An action.
#[derive(Clone, Debug, Deserialize)]
pub struct Action {
    name: String,
}

/// The body of `POST /access/v1/evaluation`, and one item of a batch (where every member is optional).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct EvaluationBody {
    #[serde(default)]
    subject: Option<AuthzenEntity>,
    #[serde(default)]
    action: Option<Action>,
    #[serde(default)]
    resource: Option<AuthzenEntity>,
}

/// The body of `POST /access/v1/evaluations`.
#[derive(Debug, Deserialize)]
pub struct EvaluationsBody {
    #[serde(flatten)]
    defaults: EvaluationBody,
    #[serde(default)]
    evaluations: Option<Vec<EvaluationBody>>,
    #[serde(default)]
    options: Option<Options>,
}

/// Batch options.
#[derive(Debug, Default, Deserialize)]
pub struct Options {
    #[serde(default)]
    evaluations_semantic: Option<String>,
}

fn attributes(entity: &AuthzenEntity, side: &str) -> Result<RequestAttributes, ApiError> {
    attributes_of(&entity.kind, Some(&entity.id), entity.properties.as_ref(), side)
}

/// The IBM attributes of a subject or resource: its properties, with `type` as `resourceType` and `id` as `resource`
/// unless the properties name them.
fn attributes_of(
    kind: &str,
    id: Option<&str>,
    properties: Option<&Properties>,
    side: &str,
) -> Result<RequestAttributes, ApiError> {
    let mut attributes = RequestAttributes::default();
    for (key, value) in properties.into_iter().flat_map(|properties| &properties.0) {
        let text = match value {
            Property::Text(text) | Property::Scalar(text) => text.clone(),
            Property::Unusable => {
                return Err(ApiError::invalid_body(format!(
                    "`{side}.properties.{key}` must be a string, number or boolean"
                )));
            }
        };
        attributes.set(key.clone(), text);
    }
    if attributes.get("resourceType").is_none() {
        attributes.set("resourceType".into(), kind.to_owned());
    }
    if let Some(id) = id
        && attributes.get("resource").is_none()
    {
        attributes.set("resource".into(), id.to_owned());
    }
    Ok(attributes)
}

/// The IAM id of a subject that is an identity (`None` for a service subject), checked against its type: the types
/// `user`, `service_id` (or `serviceid`) and `identity` name identities, any other a service.
fn identity_of(kind: &str, id: &str, at: &str) -> Result<Option<String>, ApiError> {
    let (fits, form) = match kind {
        "user" => (kind_of_iam_id(id) == Some(IdentityKind::User), "a user's IAM id (`IBMid-…`)"),
        "service_id" | "serviceid" => {
            (kind_of_iam_id(id) == Some(IdentityKind::ServiceId), "a service ID's IAM id (`iam-ServiceId-…`)")
        }
        "identity" => (is_identity(id), "an IAM id (`IBMid-…`, `iam-ServiceId-…` or `iam-Profile-…`)"),
        _ => return Ok(None),
    };
    if !fits {
        return Err(ApiError::invalid_body(format!(
            "`{at}subject.id` is `{id}`; a subject of type `{kind}` must be {form}"
        )));
    }
    Ok(Some(id.to_owned()))
}

/// One evaluation: by authorization policies (a service subject) or by access policies (an identity).
enum Question {
    Authorization(AccessRequest),
    Access { iam_id: String, action: String, resource: RequestAttributes },
}

fn question(body: &EvaluationBody, at: &str) -> Result<Question, ApiError> {
    let missing = |member: &str| ApiError::invalid_body(format!("`{at}{member}` is required"));
    let subject = body.subject.as_ref().ok_or_else(|| missing("subject"))?;
    let action = body.action.as_ref().ok_or_else(|| missing("action"))?;
    let resource = body.resource.as_ref().ok_or_else(|| missing("resource"))?;
    match identity_of(&subject.kind, &subject.id, at)? {
        Some(iam_id) => {
            Ok(Question::Access { iam_id, action: action.name.clone(), resource: attributes(resource, "resource")? })
        }
        None => request(body, at).map(Question::Authorization),
    }
}

fn request(body: &EvaluationBody, at: &str) -> Result<AccessRequest, ApiError> {
    let missing = |member: &str| ApiError::invalid_body(format!("`{at}{member}` is required"));
    let subject = body.subject.as_ref().ok_or_else(|| missing("subject"))?;
    let action = body.action.as_ref().ok_or_else(|| missing("action"))?;
    let resource = body.resource.as_ref().ok_or_else(|| missing("resource"))?;
    Ok(AccessRequest {
        subject: attributes(subject, "subject")?,
        action: action.name.clone(),
        resource: attributes(resource, "resource")?,
    })
}

fn mismatch_json(mismatch: &Mismatch) -> Value {
    let attribute = |side: &str, expected: &hubspoke_iam::Attribute, actual: &Option<String>| {
        json!({
            "side": side,
            "attribute": expected.key,
            "expected": { "operator": expected.operator.as_str(), "value": crate::policies::attribute_value_json(&expected.value) },
            "actual": actual,
            "reason": mismatch.to_string(),
        })
    };
    match mismatch {
        Mismatch::Subject { expected, actual } => attribute("subject", expected, actual),
        Mismatch::Resource { expected, actual } => attribute("resource", expected, actual),
        Mismatch::Action { action, roles } => {
            json!({ "side": "action", "action": action, "roles": roles, "reason": mismatch.to_string() })
        }
    }
}

/// An evaluation's answer: the decision, and the context its reader may see.
#[derive(Serialize)]
struct EvaluationJson {
    decision: bool,
    context: ContextJson,
}

/// What an answer explains: to the target account's administrator, which policies decided and why; to anyone
/// else, the verdict alone.
#[derive(Serialize)]
#[serde(untagged)]
enum ContextJson {
    Admin {
        revision: u64,
        granted_by: Vec<PolicyId>,
        near_misses: Vec<NearMissJson>,
        #[serde(skip_serializing_if = "Option::is_none")]
        access_groups: Option<Vec<String>>,
        reason_admin: English,
    },
    User {
        revision: u64,
        reason_user: English,
    },
}

#[derive(Serialize)]
struct NearMissJson {
    policy_id: PolicyId,
    mismatches: Vec<Value>,
}

impl NearMissJson {
    fn of(policy_id: &PolicyId, mismatches: &[Mismatch]) -> NearMissJson {
        NearMissJson { policy_id: policy_id.clone(), mismatches: mismatches.iter().map(mismatch_json).collect() }
    }
}

/// A message in English, the only language the answers are written in.
#[derive(Serialize)]
struct English {
    en: String,
}

fn response_json(decision: &Decision, visibility: Visibility, request: &AccessRequest) -> EvaluationJson {
    let context = match visibility {
        Visibility::Full => ContextJson::Admin {
            revision: decision.revision,
            granted_by: decision.granted_by.clone(),
            near_misses: decision
                .near_misses
                .iter()
                .map(|miss| NearMissJson::of(&miss.policy_id, &miss.mismatches))
                .collect(),
            access_groups: None,
            reason_admin: English { en: decision.explain(request) },
        },
        Visibility::DecisionOnly => {
            let verdict = if decision.permitted { "permitted" } else { "denied" };
            ContextJson::User {
                revision: decision.revision,
                reason_user: English {
                    en: format!(
                        "`{}` is {verdict}; only the target account's administrator sees which policies decided it",
                        request.action
                    ),
                },
            }
        }
    };
    EvaluationJson { decision: decision.permitted, context }
}

fn access_json(answer: &AccessAnswer) -> EvaluationJson {
    let AccessAnswer { explanation, query, visibility, revision } = answer;
    let context = match visibility {
        Visibility::Full => ContextJson::Admin {
            revision: *revision,
            granted_by: explanation.granted_by.clone(),
            near_misses: explanation
                .near_misses
                .iter()
                .map(|miss| NearMissJson::of(&miss.policy_id, &miss.mismatches))
                .collect(),
            access_groups: Some(query.subject.access_groups.clone()),
            reason_admin: English { en: explanation.reason(query) },
        },
        Visibility::DecisionOnly => {
            let verdict = if explanation.permitted { "permitted" } else { "denied" };
            ContextJson::User {
                revision: *revision,
                reason_user: English {
                    en: format!(
                        "`{}` is {verdict} for `{}`; only the resource account's administrator sees which policies decided it",
                        query.action, query.subject.iam_id
                    ),
                },
            }
        }
    };
    EvaluationJson { decision: explanation.permitted, context }
}

async fn evaluate(state: &ApiState, caller: &Caller, question: &Question) -> Result<EvaluationJson, ApiError> {
    match question {
        Question::Authorization(request) => {
            let (decision, visibility) = state.app.decide(caller, request)?;
            Ok(response_json(&decision, visibility, request))
        }
        Question::Access { iam_id, action, resource } => {
            let answer = state.app.decide_access(caller, iam_id, action, resource.clone()).await?;
            Ok(access_json(&answer))
        }
    }
}

/// `POST /access/v1/evaluation`
pub async fn evaluation(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    IbmJson(body): IbmJson<EvaluationBody>,
) -> Result<Response, ApiError> {
    let question = question(&body, "")?;
    Ok(json_response(StatusCode::OK, &evaluate(&state, &caller, &question).await?))
}

/// `POST /access/v1/evaluations`: each item inherits the top-level subject, action and resource it does not name;
/// items about services and about identities may be mixed.
pub async fn evaluations(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    IbmJson(body): IbmJson<EvaluationsBody>,
) -> Result<Response, ApiError> {
    let Some(items) = body.evaluations.filter(|items| !items.is_empty()) else {
        // Without `evaluations` the request is a single evaluation (AuthZEN 1.0 §7.1).
        let question = question(&body.defaults, "")?;
        return Ok(json_response(StatusCode::OK, &evaluate(&state, &caller, &question).await?));
    };
    if items.len() > MAX_EVALUATIONS {
        return Err(ApiError::invalid_body(format!(
            "`evaluations` holds {} items; at most {MAX_EVALUATIONS} are allowed",
            items.len()
        )));
    }
    let semantic = body.options.unwrap_or_default().evaluations_semantic.unwrap_or_else(|| "execute_all".into());
    let stop_on = match semantic.as_str() {
        "execute_all" => None,
        "deny_on_first_deny" => Some(false),
        "permit_on_first_permit" => Some(true),
        other => {
            return Err(ApiError::invalid_body(format!(
                "`options.evaluations_semantic` is `{other}`; it must be `execute_all`, `deny_on_first_deny` or `permit_on_first_permit`"
            )));
        }
    };
    // Every item is checked before any is evaluated, so a malformed item never yields a partial answer.
    let questions = items
        .iter()
        .enumerate()
        .map(|(position, item)| {
            let merged = EvaluationBody {
                subject: item.subject.clone().or_else(|| body.defaults.subject.clone()),
                action: item.action.clone().or_else(|| body.defaults.action.clone()),
                resource: item.resource.clone().or_else(|| body.defaults.resource.clone()),
            };
            question(&merged, &format!("evaluations[{position}]."))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut answers = Vec::with_capacity(questions.len());
    for question in &questions {
        let answer = evaluate(&state, &caller, question).await?;
        let permitted = answer.decision;
        answers.push(answer);
        if stop_on == Some(permitted) {
            break;
        }
    }
    #[derive(Serialize)]
    struct Answers {
        evaluations: Vec<EvaluationJson>,
    }
    Ok(json_response(StatusCode::OK, &Answers { evaluations: answers }))
}

/// Most results one search page holds, and how many when `page.limit` is absent.
pub const SEARCH_PAGE: Bounds = Bounds { default: Some(50), max: 1000, style: Style::Query };

/// A subject or resource of a search, whose `id` may be left out.
#[derive(Clone, Debug, Deserialize)]
pub struct SearchEntity {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    properties: Option<Properties>,
}

/// The `page` of a search request: `token` (a previous answer's `page.next_token`; `next_token` is read too, as
/// earlier drafts of the specification sent it) and `limit`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SearchPage {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    next_token: Option<String>,
    #[serde(default)]
    limit: Option<Value>,
}

/// The body of the three search endpoints.
#[derive(Clone, Debug, Deserialize)]
pub struct SearchBody {
    #[serde(default)]
    subject: Option<SearchEntity>,
    #[serde(default)]
    action: Option<Action>,
    #[serde(default)]
    resource: Option<SearchEntity>,
    #[serde(default)]
    page: Option<SearchPage>,
}

impl SearchBody {
    fn subject(&self) -> Result<&SearchEntity, ApiError> {
        self.subject.as_ref().ok_or_else(|| ApiError::invalid_body("`subject` is required"))
    }

    fn action(&self) -> Result<&str, ApiError> {
        self.action
            .as_ref()
            .map(|action| action.name.as_str())
            .ok_or_else(|| ApiError::invalid_body("`action` is required"))
    }

    fn resource(&self) -> Result<&SearchEntity, ApiError> {
        self.resource.as_ref().ok_or_else(|| ApiError::invalid_body("`resource` is required"))
    }

    /// The identity a search is about: its subject, whose `id` is then required.
    fn identity(&self) -> Result<String, ApiError> {
        let subject = self.subject()?;
        let Some(id) = subject.id.as_deref() else {
            return Err(ApiError::invalid_body("`subject.id` is required: the IAM id of the identity searched for"));
        };
        identity_of(&subject.kind, id, "")?.ok_or_else(|| {
            ApiError::invalid_body(format!(
                "`subject.type` is `{}`; searches are about identities: `user`, `service_id` or `identity`",
                subject.kind
            ))
        })
    }

    /// The page asked for, checked: `limit` 1 to 1000 (50 when absent), `token` one a previous answer gave.
    fn page(&self) -> Result<PageRequest, ApiError> {
        let page = self.page.clone().unwrap_or_default();
        let token = match (page.token.filter(|t| !t.is_empty()), page.next_token.filter(|t| !t.is_empty())) {
            (Some(token), Some(other)) if token != other => {
                return Err(ApiError::invalid_body("`page.token` and `page.next_token` differ; give one of them"));
            }
            (token, other) => token.or(other),
        };
        let limit = match &page.limit {
            None | Some(Value::Null) => None,
            Some(Value::Number(number)) => {
                match number.as_u64().filter(|limit| (1..=SEARCH_PAGE.max).contains(limit)) {
                    Some(limit) => Some(limit),
                    None => return Err(limit_refusal(&number.to_string())),
                }
            }
            Some(other) => return Err(limit_refusal(&other.to_string())),
        };
        let mut params = Params::default();
        if let Some(limit) = limit {
            params.0.insert("limit".into(), limit.to_string());
        }
        if let Some(token) = &token {
            params.0.insert("start".into(), token.clone());
        }
        // The one paging mechanism reads the token; its refusals name query parameters, so they are reworded here.
        let paging =
            Paging::from_params(&params, SEARCH_PAGE).ok().filter(|paging| !paging.backward).ok_or_else(|| {
                ApiError::invalid_body(format!(
                    "`page.token` `{}` is not a `next_token` this search returned",
                    token.unwrap_or_default()
                ))
            })?;
        Ok(paging.request())
    }
}

fn limit_refusal(given: &str) -> ApiError {
    ApiError::invalid_body(format!(
        "`page.limit` is `{given}`; it must be a whole number from 1 to {}",
        SEARCH_PAGE.max
    ))
}

/// A search answer: the results, the page (`next_token` empty on the last one, `count` on this page, `total`
/// across every page) and, for whoever may read the account's policies, the `context` that explains them.
fn search_json<T>(page: &Page<T>, results: Vec<Value>, context: Option<Value>) -> Value {
    let next_token = page.next.as_ref().map(crate::paging::token).unwrap_or_default();
    let mut body = json!({
        "results": results,
        "page": { "next_token": next_token, "count": page.items.len(), "total": page.total },
    });
    if let Some(context) = context {
        body["context"] = context;
    }
    body
}

/// The result type of an identity: `user`, `service_id`, or `identity` for a trusted profile.
fn identity_type(iam_id: &str) -> &'static str {
    match kind_of_iam_id(iam_id) {
        Some(IdentityKind::User) => "user",
        Some(IdentityKind::ServiceId) => "service_id",
        None => "identity",
    }
}

/// `context.granted_by`: the policies granting each result, by the result's id (`Full` visibility only).
fn granted_context<'a>(
    granted: impl Iterator<Item = (&'a str, &'a Vec<PolicyId>)>,
    visibility: Visibility,
) -> Option<Value> {
    (visibility == Visibility::Full).then(|| {
        let map: Map<String, Value> = granted.map(|(id, policies)| (id.to_owned(), json!(policies))).collect();
        json!({ "granted_by": map })
    })
}

/// `POST /access/v1/search/subject`: who may perform `action` on `resource`. `subject.type` chooses what is listed:
/// `user`, `service_id` or `identity` (users, service IDs and trusted profiles), through the policies naming them and
/// the access groups they are members of, or `access_group` (the groups the policies name).
pub async fn search_subject(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    IbmJson(body): IbmJson<SearchBody>,
) -> Result<Response, ApiError> {
    let subject = body.subject()?;
    let kind = match subject.kind.as_str() {
        "user" => SubjectKind::User,
        "service_id" | "serviceid" => SubjectKind::ServiceId,
        "identity" => SubjectKind::Identity,
        "access_group" => SubjectKind::AccessGroup,
        other => {
            return Err(ApiError::invalid_body(format!(
                "`subject.type` is `{other}`; it must be `user`, `service_id`, `identity` or `access_group`"
            )));
        }
    };
    let action = body.action()?;
    let resource = body.resource()?;
    let attributes = attributes_of(&resource.kind, resource.id.as_deref(), resource.properties.as_ref(), "resource")?;
    if attributes.get("accountId").is_none() {
        return Err(ApiError::invalid_body(
            "`resource.properties.accountId` is required: the account whose policies are searched",
        ));
    }
    let page = body.page()?;
    let (found, public_access) = state.app.search_access_subjects(&caller, kind, action, &attributes, &page).await?;
    let results = found
        .items
        .iter()
        .map(|subject| {
            let kind = if kind == SubjectKind::AccessGroup { "access_group" } else { identity_type(&subject.id) };
            json!({ "type": kind, "id": subject.id })
        })
        .collect();
    let through: Map<String, Value> = found
        .items
        .iter()
        .filter(|subject| !subject.through.is_empty())
        .map(|subject| (subject.id.clone(), json!(subject.through)))
        .collect();
    let mut context = granted_context(found.items.iter().map(|s| (s.id.as_str(), &s.granted_by)), Visibility::Full)
        .unwrap_or_default();
    context["access_groups"] = Value::Object(through);
    context["public_access_granted_by"] = json!(public_access);
    Ok(json_response(StatusCode::OK, &search_json(&found, results, Some(context))))
}

/// `POST /access/v1/search/action`: the actions of the resource's service (`resource.properties.serviceName`) that
/// the identity `subject` may perform on `resource`.
pub async fn search_action(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    IbmJson(body): IbmJson<SearchBody>,
) -> Result<Response, ApiError> {
    let iam_id = body.identity()?;
    let resource = body.resource()?;
    let attributes = attributes_of(&resource.kind, resource.id.as_deref(), resource.properties.as_ref(), "resource")?;
    let page = body.page()?;
    let (found, visibility) = state.app.search_access_actions(&caller, &iam_id, &attributes, &page).await?;
    let results = found.items.iter().map(|(action, _)| json!({ "name": action })).collect();
    let context = granted_context(found.items.iter().map(|(action, policies)| (action.as_str(), policies)), visibility);
    Ok(json_response(StatusCode::OK, &search_json(&found, results, context)))
}

/// `POST /access/v1/search/resource`: the resources of `resource.type` in the account
/// `resource.properties.accountId` that the identity `subject` may perform `action` on, each with the properties an
/// evaluation about it reads.
pub async fn search_resource(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    IbmJson(body): IbmJson<SearchBody>,
) -> Result<Response, ApiError> {
    let iam_id = body.identity()?;
    let action = body.action()?;
    let resource = body.resource()?;
    let kind = ResourceKind::parse(&resource.kind).ok_or_else(|| {
        let known: Vec<String> = ResourceKind::ALL.iter().map(|(_, name)| format!("`{name}`")).collect();
        ApiError::invalid_body(format!(
            "`resource.type` is `{}`; it must be one of {}",
            resource.kind,
            known.join(", ")
        ))
    })?;
    let account =
        resource.properties.as_ref().and_then(|properties| properties.text("accountId")).ok_or_else(|| {
            ApiError::invalid_body("`resource.properties.accountId` is required: the account searched")
        })?;
    let account = AccountId::parse(account).ok_or_else(|| {
        ApiError::invalid_body(format!("`resource.properties.accountId` `{account}` is not an account id"))
    })?;
    let page = body.page()?;
    let (found, visibility) =
        state.app.search_access_resources(&caller, &iam_id, action, kind, &account, &page).await?;
    let results = found
        .items
        .iter()
        .map(|(candidate, _)| {
            let properties: Map<String, Value> =
                candidate.attributes.iter().map(|(key, value)| (key.to_owned(), json!(value))).collect();
            json!({ "type": candidate.kind, "id": candidate.id, "properties": properties })
        })
        .collect();
    let context =
        granted_context(found.items.iter().map(|(candidate, policies)| (candidate.id.as_str(), policies)), visibility);
    Ok(json_response(StatusCode::OK, &search_json(&found, results, context)))
}

/// `GET /.well-known/authzen-configuration`: the PDP metadata of AuthZEN 1.0.
pub async fn configuration(BaseUrl(base): BaseUrl) -> Response {
    json_response(
        StatusCode::OK,
        &json!({
            "policy_decision_point": base,
            "access_evaluation_endpoint": format!("{base}/access/v1/evaluation"),
            "access_evaluations_endpoint": format!("{base}/access/v1/evaluations"),
            "search_subject_endpoint": format!("{base}/access/v1/search/subject"),
            "search_action_endpoint": format!("{base}/access/v1/search/action"),
            "search_resource_endpoint": format!("{base}/access/v1/search/resource"),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Properties become attributes as their JSON object would: a repeated member replaces the earlier in its place,
    /// numbers and booleans are written as text, and anything else is refused by name.
    #[test]
    fn properties_read_as_attributes() {
        /// (properties, the attributes they give with `type` `vpc` and `id` `r1`, or `None` when refused).
        type Case<'a> = (&'a str, Option<&'a [(&'a str, &'a str)]>);
        let cases: &[Case] = &[
            ("{}", Some(&[("resourceType", "vpc"), ("resource", "r1")])),
            (
                r#"{"accountId":"a","serviceName":"is","port":53,"on":true}"#,
                Some(&[
                    ("accountId", "a"),
                    ("serviceName", "is"),
                    ("port", "53"),
                    ("on", "true"),
                    ("resourceType", "vpc"),
                    ("resource", "r1"),
                ]),
            ),
            (r#"{"resource":"r2","resourceType":"subnet"}"#, Some(&[("resource", "r2"), ("resourceType", "subnet")])),
            (
                r#"{"a":{"nested":true},"a":"plain"}"#,
                Some(&[("a", "plain"), ("resourceType", "vpc"), ("resource", "r1")]),
            ),
            (r#"{"a":"plain","a":null}"#, None),
            (r#"{"a":[1]}"#, None),
        ];
        for (json, expected) in cases {
            let properties: Properties = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
            let attributes = attributes_of("vpc", Some("r1"), Some(&properties), "resource");
            match expected {
                Some(pairs) => {
                    let attributes = attributes.unwrap_or_else(|e| panic!("{json}: {e:?}"));
                    for (key, value) in *pairs {
                        assert_eq!(attributes.get(key), Some(*value), "{json}: {key}");
                    }
                    assert_eq!(attributes.iter().count(), pairs.len(), "{json}");
                }
                None => assert!(attributes.is_err(), "{json} is refused"),
            }
        }
        assert!(serde_json::from_str::<Properties>(r#"["accountId"]"#).is_err(), "properties are an object");
        let properties: Properties = serde_json::from_str(r#"{"accountId":7,"x":"y"}"#).unwrap();
        assert_eq!(properties.text("accountId"), None, "only a string is an account id");
        assert_eq!(properties.text("x"), Some("y"));
    }
}
