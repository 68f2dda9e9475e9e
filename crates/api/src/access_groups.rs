//! The IAM Access Groups API (`/v2/groups`), as IBM's `IamAccessGroupsV2` SDKs, the CLI and Terraform's
//! `ibm_iam_access_group` and `ibm_iam_access_group_members` call it.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hubspoke_app::access_groups::{
    GroupQuery, GroupSearch, GroupSort, MemberOutcome, MemberQuery, MemberSort, MembershipType, RuleInput, group_etag,
    rule_etag,
};
use hubspoke_iam::Timestamp;
use hubspoke_iam::access_group::{AccessGroup, Condition, ConditionOperator, GroupSettings, Member, MemberKind, Rule};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::{Authenticated, BaseUrl, IbmJson, IfMatch, Params};
use crate::transaction::json_response;
use crate::wire::timestamp;

/// The default page size of group and member lists.
const DEFAULT_LIMIT: usize = 50;
/// The largest page.
const MAX_LIMIT: usize = 100;

/// A group's CRN. IBM does not document the form; this follows the other IAM CRNs, with the group's account.
pub fn group_crn(group: &AccessGroup) -> String {
    format!("crn:v1:bluemix:public:iam-groups::a/{}::access-group:{}", group.account, group.id)
}

fn render_group(group: &AccessGroup, base: &str, show_federated: bool, show_crn: bool) -> Value {
    let mut body = json!({
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "account_id": group.account.as_str(),
        "created_at": timestamp(Timestamp(group.created_at)),
        "created_by_id": group.created_by_id,
        "last_modified_at": timestamp(Timestamp(group.last_modified_at)),
        "last_modified_by_id": group.last_modified_by_id,
        "href": format!("{base}/v2/groups/{}", group.id),
    });
    if show_federated {
        body["is_federated"] = json!(false);
    }
    if show_crn {
        body["crn"] = json!(group_crn(group));
    }
    body
}

fn render_member(member: &Member, group_id: &str, base: &str, verbose: bool) -> Value {
    let mut body = json!({
        "iam_id": member.iam_id,
        "type": member.kind.as_str(),
        "membership_type": "static",
        "href": format!("{base}/v2/groups/{group_id}/members/{}", member.iam_id),
        "created_at": timestamp(Timestamp(member.created_at)),
        "created_by_id": member.created_by_id,
    });
    if verbose {
        // hubspoke keeps no names or e-mail addresses of identities; the iam id is the name it knows.
        body["name"] = json!(member.iam_id);
    }
    body
}

fn render_rule(rule: &Rule) -> Value {
    let conditions: Vec<Value> = rule
        .draft
        .conditions
        .iter()
        .map(|c| json!({ "claim": c.claim, "operator": c.operator.as_str(), "value": c.value }))
        .collect();
    json!({
        "id": rule.id,
        "name": rule.draft.name,
        "expiration": rule.draft.expiration,
        "realm_name": rule.draft.realm_name,
        "access_group_id": rule.group_id,
        "account_id": rule.account.as_str(),
        "conditions": conditions,
        "created_at": timestamp(Timestamp(rule.created_at)),
        "created_by_id": rule.created_by_id,
        "last_modified_at": timestamp(Timestamp(rule.last_modified_at)),
        "last_modified_by_id": rule.last_modified_by_id,
    })
}

fn render_settings(settings: &GroupSettings) -> Value {
    json!({
        "account_id": settings.account.as_str(),
        "last_modified_at": timestamp(Timestamp(settings.last_modified_at)),
        "last_modified_by_id": settings.last_modified_by_id,
        "public_access_enabled": settings.public_access_enabled,
    })
}

/// One item of a 207 answer, with the member's fields when it was added.
fn render_outcome(outcome: &MemberOutcome, subject_key: &str, trace: &str) -> Value {
    let mut body = json!({ subject_key: outcome.subject, "status_code": outcome.status });
    if let Some(member) = &outcome.member {
        body["type"] = json!(member.kind.as_str());
        body["created_at"] = json!(timestamp(Timestamp(member.created_at)));
        body["created_by_id"] = json!(member.created_by_id);
    }
    if let Some(message) = &outcome.error {
        body["trace"] = json!(trace);
        body["errors"] = json!([{ "code": "error_occurred", "message": message }]);
    }
    body
}

fn with_etag(status: StatusCode, etag: &str, body: &Value) -> Response {
    let mut response = json_response(status, body);
    if let Ok(value) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// A boolean query parameter; `false` when absent.
fn flag(params: &Params, name: &'static str) -> Result<bool, ApiError> {
    match params.get(name) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(ApiError::invalid_query(format!("`{name}` is `{other}`; it must be `true` or `false`"))
            .with_target(name, "parameter")),
    }
}

/// A `sort` value: a field name, descending when it starts with `-`.
fn sort<T>(params: &Params, parse: fn(&str) -> Option<T>, allowed: &str) -> Result<Option<(T, bool)>, ApiError> {
    let Some(text) = params.get("sort") else { return Ok(None) };
    let (field, descending) = match text.strip_prefix('-') {
        Some(field) => (field, true),
        None => (text, false),
    };
    let field = parse(field).ok_or_else(|| {
        ApiError::invalid_query(format!("`sort` is `{text}`; it must be one of {allowed}, optionally after `-`"))
            .with_target("sort", "parameter")
    })?;
    Ok(Some((field, descending)))
}

fn membership_type(params: &Params) -> Result<Option<MembershipType>, ApiError> {
    params
        .get("membership_type")
        .map(|text| {
            MembershipType::parse(text).ok_or_else(|| {
                ApiError::invalid_query(format!(
                    "`membership_type` is `{text}`; it must be `static`, `dynamic` or `all`"
                ))
                .with_target("membership_type", "parameter")
            })
        })
        .transpose()
}

/// `offset` and `limit` (0 to 100, 50 by default; 0 answers only the counts).
fn window(params: &Params) -> Result<(usize, usize), ApiError> {
    let number = |name: &'static str, default: usize, max: usize| match params.get(name) {
        None => Ok(default),
        Some(text) => text.parse::<usize>().ok().filter(|n| *n <= max).ok_or_else(|| {
            ApiError::invalid_query(format!("`{name}` is `{text}`; it must be a whole number from 0 to {max}"))
                .with_target(name, "parameter")
        }),
    };
    Ok((number("offset", 0, usize::MAX >> 1)?, number("limit", DEFAULT_LIMIT, MAX_LIMIT)?))
}

/// A list body: `limit`, `offset`, `total_count`, the `first`, `previous`, `next` and `last` links, and the page.
fn page(url: &str, params: &Params, key: &str, items: Vec<Value>, offset: usize, limit: usize) -> Value {
    let total = items.len();
    let link = |at: usize| {
        let mut pairs: Vec<(&String, &String)> =
            params.0.iter().filter(|(name, _)| !matches!(name.as_str(), "offset" | "limit")).collect();
        pairs.sort();
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        query.append_pair("offset", &at.to_string());
        query.append_pair("limit", &limit.to_string());
        json!({ "href": format!("{url}?{}", query.finish()) })
    };
    let start = offset.min(total);
    let end = start.saturating_add(limit).min(total);
    let mut body = json!({ "limit": limit, "offset": offset, "total_count": total, "first": link(0) });
    // With `limit=0` there are no pages to link to, only the counts.
    if let Some(pages_before_last) = total.saturating_sub(1).checked_div(limit) {
        body["last"] = link(pages_before_last * limit);
        if end < total {
            body["next"] = link(end);
        }
        if offset > 0 {
            body["previous"] = link(offset.saturating_sub(limit));
        }
    }
    body[key] = Value::Array(items[start..end].to_vec());
    body
}

/// The body of `POST /v2/groups` and `PATCH /v2/groups/{id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GroupBody {
    name: Option<String>,
    description: Option<String>,
}

/// `POST /v2/groups?account_id=…` → 201.
pub async fn create(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    BaseUrl(base): BaseUrl,
    params: Params,
    IbmJson(body): IbmJson<GroupBody>,
) -> Result<Response, ApiError> {
    let account = params.required("account_id")?;
    let name = body.name.ok_or_else(|| ApiError::invalid_body("`name` is required").with_target("name", "field"))?;
    let (group, _) = state.app.create_access_group(&caller, account, &name, body.description.as_deref()).await?;
    Ok(with_etag(StatusCode::CREATED, &group_etag(&group), &render_group(&group, &base, false, false)))
}

/// `GET /v2/groups?account_id=…`: filtered by `iam_id` (with `membership_type`) and `search`, sorted by `sort`,
/// paged by `offset` and `limit`.
pub async fn list(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    BaseUrl(base): BaseUrl,
    params: Params,
) -> Result<Response, ApiError> {
    let query = GroupQuery {
        account: params.required("account_id")?.to_owned(),
        iam_id: params.get("iam_id").map(str::to_owned),
        membership_type: membership_type(&params)?,
        search: params.get("search").map(GroupSearch::parse),
        sort: sort(&params, GroupSort::parse, "`id`, `name`, `description`, `is_federated`")?,
        hide_public_access: flag(&params, "hide_public_access")?,
    };
    let (show_federated, show_crn) = (flag(&params, "show_federated")?, flag(&params, "show_crn")?);
    let (offset, limit) = window(&params)?;
    let groups = state.app.list_access_groups(&caller, &query).await?;
    let items = groups.iter().map(|group| render_group(group, &base, show_federated, show_crn)).collect();
    Ok(json_response(StatusCode::OK, &page(&format!("{base}/v2/groups"), &params, "groups", items, offset, limit)))
}

/// `GET /v2/groups/{id}` with its `ETag`.
pub async fn get(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let (show_federated, show_crn) = (flag(&params, "show_federated")?, flag(&params, "show_crn")?);
    let group = state.app.access_group(&caller, &id).await?;
    Ok(with_etag(StatusCode::OK, &group_etag(&group), &render_group(&group, &base, show_federated, show_crn)))
}

/// `PATCH /v2/groups/{id}`: needs `If-Match`.
pub async fn update(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    if_match: IfMatch,
    IbmJson(body): IbmJson<GroupBody>,
) -> Result<Response, ApiError> {
    let precondition = if_match.required()?;
    let (group, _) = state
        .app
        .update_access_group(&caller, &id, &precondition, body.name.as_deref(), body.description.as_deref())
        .await?;
    Ok(with_etag(StatusCode::OK, &group_etag(&group), &render_group(&group, &base, false, false)))
}

/// `DELETE /v2/groups/{id}?force=…` → 204.
pub async fn delete(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    state.app.delete_access_group(&caller, &id, flag(&params, "force")?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// One member of the body of `PUT /v2/groups/{id}/members`.
#[derive(Debug, Deserialize)]
pub struct MemberBody {
    iam_id: String,
    #[serde(rename = "type")]
    kind: String,
}

/// The body of `PUT /v2/groups/{id}/members`.
#[derive(Debug, Deserialize)]
pub struct MembersBody {
    members: Vec<MemberBody>,
}

fn member_kind(text: &str, field: &str) -> Result<MemberKind, ApiError> {
    MemberKind::parse(text).ok_or_else(|| {
        ApiError::invalid_body(format!("`type` is `{text}`; it must be `user`, `service` or `profile`"))
            .with_target(field, "field")
    })
}

/// `PUT /v2/groups/{id}/members` → 207, one item per member.
pub async fn add_members(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    transaction: axum::Extension<crate::transaction::TransactionId>,
    Path(id): Path<String>,
    IbmJson(body): IbmJson<MembersBody>,
) -> Result<Response, ApiError> {
    let members = body
        .members
        .into_iter()
        .enumerate()
        .map(|(index, member)| Ok((member.iam_id, member_kind(&member.kind, &format!("members[{index}].type"))?)))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let (outcomes, _) = state.app.add_access_group_members(&caller, &id, &members).await?;
    let items: Vec<Value> = outcomes.iter().map(|o| render_outcome(o, "iam_id", transaction.as_str())).collect();
    Ok(json_response(StatusCode::MULTI_STATUS, &json!({ "members": items })))
}

/// `GET /v2/groups/{id}/members`: filtered by `type` and `membership_type`, sorted, paged; `verbose` adds names.
pub async fn list_members(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let query = MemberQuery {
        membership_type: membership_type(&params)?,
        kind: params.get("type").map(|text| member_kind(text, "type")).transpose()?,
        sort: sort(&params, MemberSort::parse, "`iam_id`, `type`, `created_at`")?,
    };
    let verbose = flag(&params, "verbose")?;
    let (offset, limit) = window(&params)?;
    let members = state.app.list_access_group_members(&caller, &id, &query).await?;
    let items = members.iter().map(|member| render_member(member, &id, &base, verbose)).collect();
    let url = format!("{base}/v2/groups/{id}/members");
    Ok(json_response(StatusCode::OK, &page(&url, &params, "members", items, offset, limit)))
}

/// `HEAD /v2/groups/{id}/members/{iam_id}` → 204 for a member, 404 otherwise.
pub async fn check_member(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, iam_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state.app.check_access_group_member(&caller, &id, &iam_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /v2/groups/{id}/members/{iam_id}` → 204.
pub async fn remove_member(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, iam_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state.app.remove_access_group_member(&caller, &id, &iam_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The body of `POST /v2/groups/{id}/members/delete`.
#[derive(Debug, Deserialize)]
pub struct RemoveMembersBody {
    members: Vec<String>,
}

/// `POST /v2/groups/{id}/members/delete` → 207, one item per iam id.
pub async fn remove_members(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    transaction: axum::Extension<crate::transaction::TransactionId>,
    Path(id): Path<String>,
    IbmJson(body): IbmJson<RemoveMembersBody>,
) -> Result<Response, ApiError> {
    let (outcomes, _) = state.app.remove_access_group_members(&caller, &id, &body.members).await?;
    let items: Vec<Value> = outcomes.iter().map(|o| render_outcome(o, "iam_id", transaction.as_str())).collect();
    Ok(json_response(StatusCode::MULTI_STATUS, &json!({ "access_group_id": id, "members": items })))
}

/// The body of `PUT /v2/groups/_allgroups/members/{iam_id}`.
#[derive(Debug, Deserialize)]
pub struct AllGroupsBody {
    #[serde(rename = "type")]
    kind: String,
    groups: Vec<String>,
}

/// `PUT /v2/groups/_allgroups/members/{iam_id}?account_id=…` → 207, one item per group.
pub async fn add_to_groups(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    transaction: axum::Extension<crate::transaction::TransactionId>,
    Path(iam_id): Path<String>,
    params: Params,
    IbmJson(body): IbmJson<AllGroupsBody>,
) -> Result<Response, ApiError> {
    let account = params.required("account_id")?;
    let kind = member_kind(&body.kind, "type")?;
    let (outcomes, _) = state.app.add_member_to_access_groups(&caller, account, &iam_id, kind, &body.groups).await?;
    let items: Vec<Value> =
        outcomes.iter().map(|o| render_outcome(o, "access_group_id", transaction.as_str())).collect();
    Ok(json_response(StatusCode::MULTI_STATUS, &json!({ "iam_id": iam_id, "groups": items })))
}

/// `DELETE /v2/groups/_allgroups/members/{iam_id}?account_id=…` → 207, one item per group it left.
pub async fn remove_from_all_groups(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    transaction: axum::Extension<crate::transaction::TransactionId>,
    Path(iam_id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let account = params.required("account_id")?;
    let (outcomes, _) = state.app.remove_member_from_all_access_groups(&caller, account, &iam_id).await?;
    let items: Vec<Value> =
        outcomes.iter().map(|o| render_outcome(o, "access_group_id", transaction.as_str())).collect();
    Ok(json_response(StatusCode::MULTI_STATUS, &json!({ "iam_id": iam_id, "groups": items })))
}

/// One condition of a rule body.
#[derive(Debug, Deserialize)]
pub struct ConditionBody {
    claim: String,
    operator: String,
    value: String,
}

/// The body of a rule create or replace.
#[derive(Debug, Deserialize)]
pub struct RuleBody {
    #[serde(default)]
    name: Option<String>,
    expiration: i64,
    realm_name: String,
    conditions: Vec<ConditionBody>,
}

fn rule_input(body: RuleBody) -> Result<RuleInput, ApiError> {
    let conditions = body
        .conditions
        .into_iter()
        .enumerate()
        .map(|(index, c)| {
            let operator = ConditionOperator::parse(&c.operator).ok_or_else(|| {
                let known: Vec<&str> = ConditionOperator::ALL.iter().map(|o| o.as_str()).collect();
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    format!("`operator` is `{}`; it must be one of {} (rule AG7)", c.operator, known.join(", ")),
                )
                .with_target(&format!("conditions[{index}].operator"), "field")
            })?;
            Ok(Condition { claim: c.claim, operator, value: c.value })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(RuleInput {
        name: body.name.unwrap_or_default(),
        expiration: body.expiration,
        realm_name: body.realm_name,
        conditions,
    })
}

/// `POST /v2/groups/{id}/rules` → 201 with the rule's `ETag`.
pub async fn create_rule(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    IbmJson(body): IbmJson<RuleBody>,
) -> Result<Response, ApiError> {
    let (rule, _) = state.app.create_access_group_rule(&caller, &id, rule_input(body)?).await?;
    Ok(with_etag(StatusCode::CREATED, &rule_etag(&rule), &render_rule(&rule)))
}

/// `GET /v2/groups/{id}/rules`.
pub async fn list_rules(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let rules = state.app.list_access_group_rules(&caller, &id).await?;
    let items: Vec<Value> = rules.iter().map(render_rule).collect();
    Ok(json_response(StatusCode::OK, &json!({ "rules": items })))
}

/// `GET /v2/groups/{id}/rules/{rule_id}` with its `ETag`.
pub async fn get_rule(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, rule_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let rule = state.app.access_group_rule(&caller, &id, &rule_id).await?;
    Ok(with_etag(StatusCode::OK, &rule_etag(&rule), &render_rule(&rule)))
}

/// `PUT /v2/groups/{id}/rules/{rule_id}`: needs `If-Match`.
pub async fn replace_rule(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, rule_id)): Path<(String, String)>,
    if_match: IfMatch,
    IbmJson(body): IbmJson<RuleBody>,
) -> Result<Response, ApiError> {
    let precondition = if_match.required()?;
    let input = rule_input(body)?;
    let (rule, _) = state.app.replace_access_group_rule(&caller, &id, &rule_id, &precondition, input).await?;
    Ok(with_etag(StatusCode::OK, &rule_etag(&rule), &render_rule(&rule)))
}

/// `DELETE /v2/groups/{id}/rules/{rule_id}` → 204.
pub async fn delete_rule(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    Path((id, rule_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state.app.delete_access_group_rule(&caller, &id, &rule_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v2/groups/settings?account_id=…`.
pub async fn get_settings(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    params: Params,
) -> Result<Response, ApiError> {
    let settings = state.app.access_group_settings(&caller, params.required("account_id")?).await?;
    Ok(json_response(StatusCode::OK, &render_settings(&settings)))
}

/// The body of `PATCH /v2/groups/settings`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsBody {
    public_access_enabled: Option<bool>,
}

/// `PATCH /v2/groups/settings?account_id=…`.
pub async fn update_settings(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    params: Params,
    IbmJson(body): IbmJson<SettingsBody>,
) -> Result<Response, ApiError> {
    let account = params.required("account_id")?;
    let (settings, _) = state.app.update_access_group_settings(&caller, account, body.public_access_enabled).await?;
    Ok(json_response(StatusCode::OK, &render_settings(&settings)))
}
