//! The VPC API (`/v1/vpcs`, `/v1/subnets`, `/v1/endpoint_gateways`, and DNS resolution bindings): its query
//! conventions (`version`, `generation`, `limit`/`start`), references, and error mapping. One file per resource.

pub mod bindings;
pub mod gateways;
pub mod subnets;
pub mod vpcs;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hubspoke_iam::{AccountId, Timestamp};
use hubspoke_vpc::error::Refusal;
use hubspoke_vpc::region::{REGION, crn};
use hubspoke_vpc::rules::VpcIdentity;
use hubspoke_vpc::{RuleError, Vpc, World};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::extract::{BaseUrl, Params};
use crate::wire::timestamp;

/// The first API version hubspoke accepts (DNS sharing became generally available on 2024-03-19; earlier dates
/// cannot express it).
pub const OLDEST_VERSION: &str = "2024-03-19";
/// From this version on, endpoint gateways use `dns_resolution_binding_mode` instead of
/// `allow_dns_resolution_binding`.
pub const MODE_VERSION: &str = "2025-11-18";
/// Default page size of lists.
pub const DEFAULT_LIMIT: u64 = 50;
/// Largest page size.
pub const MAX_LIMIT: u64 = 100;

/// The query of every VPC API request, checked: `version` (required), `generation`, and the other parameters.
pub struct VpcQuery {
    /// The API version date.
    pub version: String,
    /// Every parameter, for filters and paging links.
    pub params: Params,
    /// `{base}/v1`, for hrefs.
    pub base: String,
}

impl VpcQuery {
    /// Whether the version predates `dns_resolution_binding_mode` (endpoint gateways then speak
    /// `allow_dns_resolution_binding`).
    pub fn legacy_mode(&self) -> bool {
        self.version.as_str() < MODE_VERSION
    }
}

fn valid_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    bytes.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-' && digits(0..4) && digits(5..7) && digits(8..10) && {
        let month: u32 = text[5..7].parse().unwrap_or(0);
        let day: u32 = text[8..10].parse().unwrap_or(0);
        (1..=12).contains(&month) && (1..=31).contains(&day)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for VpcQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = Params::from_request_parts(parts, state).await?;
        let BaseUrl(base) = BaseUrl::from_request_parts(parts, state).await?;
        let version = params.get("version").ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, "missing_version", "The `version` query parameter is required.")
                .with_target("version", "parameter")
        })?;
        if !valid_date(version) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_version",
                format!("The `version` value `{version}` is not a date in the form YYYY-MM-DD."),
            )
            .with_target("version", "parameter"));
        }
        if version < OLDEST_VERSION {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_version_range",
                format!("The `version` value cannot be before `{OLDEST_VERSION}`."),
            )
            .with_target(version, "parameter"));
        }
        if let Some(generation) = params.get("generation").filter(|g| *g != "2") {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_generation",
                format!("`generation` is `{generation}`; only generation 2 is supported"),
            )
            .with_target("generation", "parameter"));
        }
        Ok(VpcQuery { version: version.to_owned(), params, base: format!("{base}/v1") })
    }
}

/// Maps a refused command to the VPC API's error.
pub fn rule_error(rule: RuleError) -> ApiError {
    let status = match rule.refusal {
        Refusal::Invalid => StatusCode::BAD_REQUEST,
        Refusal::NotFound => StatusCode::NOT_FOUND,
        Refusal::Conflict => StatusCode::CONFLICT,
        Refusal::NotAuthorized => StatusCode::UNAUTHORIZED,
        Refusal::Forbidden => StatusCode::FORBIDDEN,
        Refusal::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
    };
    let mut message = rule.message.clone();
    let mut details = None;
    if let Some(grant) = &rule.grant {
        // Say exactly what would fix it: the policy to create, and the command that creates it.
        let policy = json!({
            "type": "authorization",
            "subjects": [{ "attributes": [
                { "name": "accountId", "value": grant.spoke_account },
                { "name": "serviceName", "value": "is" },
                { "name": "resourceType", "value": "vpc" },
                { "name": "resource", "value": grant.spoke_vpc }
            ]}],
            "roles": [{ "role_id": "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector" }],
            "resources": [{ "attributes": [
                { "name": "accountId", "value": grant.hub_account },
                { "name": "serviceName", "value": "is" },
                { "name": "vpcId", "value": grant.hub_vpc }
            ]}]
        });
        let command = format!(
            "hubspoke iam authorization-policy-create is is DNSBindingConnector --source-service-account {} --source-resource-type vpc --source-resource {} --target-resource-type vpc --target-resource {}",
            grant.spoke_account, grant.spoke_vpc, grant.hub_vpc
        );
        message = format!(
            "{message}. The hub account `{}` can grant it with POST /v1/policies and this body: {policy} — or with: {command}",
            grant.hub_account
        );
        details = Some(
            json!({ "missing_grant": { "action": grant.action, "policy": policy, "cli": command, "explanation": grant.explanation } }),
        );
    }
    let mut error = ApiError::new(status, rule.code, message);
    if let Some((name, kind)) = &rule.target {
        error = error.with_target(name, kind);
    }
    if let Some(details) = details {
        error = error.with_details(details);
    }
    error
}

/// A `{"id"}`, `{"crn"}` or `{"href"}` object naming a VPC.
pub fn vpc_identity(value: &Value, field: &str) -> Result<VpcIdentity, ApiError> {
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    match (text("id"), text("crn"), text("href")) {
        (Some(id), None, None) => Ok(VpcIdentity::Id(id)),
        (None, Some(crn), None) => Ok(VpcIdentity::Crn(crn)),
        (None, None, Some(href)) => Ok(VpcIdentity::Href(href)),
        _ => {
            Err(ApiError::invalid_body(format!("`{field}` must name a VPC with exactly one of `id`, `crn` or `href`"))
                .with_target(field, "field"))
        }
    }
}

/// The id of `{"id"}` (or the last segment of `{"href"}`) in a body.
pub fn identity_id(value: Option<&Value>, field: &str) -> Result<String, ApiError> {
    let value =
        value.ok_or_else(|| ApiError::invalid_body(format!("`{field}` is required")).with_target(field, "field"))?;
    value
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| value.get("href").and_then(Value::as_str).and_then(|h| h.rsplit('/').next()).map(str::to_owned))
        .or_else(|| value.get("crn").and_then(Value::as_str).and_then(|c| c.rsplit(':').next()).map(str::to_owned))
        .ok_or_else(|| {
            ApiError::invalid_body(format!("`{field}` must have `id`, `crn` or `href`")).with_target(field, "field")
        })
}

/// An optional string field of a body, refusing other types.
pub fn optional_string(body: &Value, field: &str) -> Result<Option<String>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ApiError::invalid_body(format!("`{field}` must be a string")).with_target(field, "field")),
    }
}

/// An optional boolean of a body, refusing other types.
pub fn optional_bool(value: Option<&Value>, path: &str) -> Result<Option<bool>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(_) => Err(ApiError::invalid_body(format!("`{path}` must be a boolean")).with_target(path, "field")),
    }
}

/// `If-Match` as a precondition on a resource version; ETags are `W/"<version>-<digest>"`.
pub fn precondition(if_match: &crate::extract::IfMatch) -> hubspoke_vpc::rules::Precondition {
    use hubspoke_vpc::rules::Precondition;
    match if_match.0.as_deref() {
        None | Some("") => Precondition::None,
        Some("*") => Precondition::Any,
        Some(tag) => {
            let tag = tag.trim_start_matches("W/").trim_matches('"');
            Precondition::Version(tag.split('-').next().and_then(|v| v.parse().ok()).unwrap_or(0))
        }
    }
}

/// The ETag of a resource version.
pub fn etag(id: &str, version: u32) -> String {
    let digest = hex::encode(&Sha256::digest(format!("{id}:{version}").as_bytes())[..8]);
    format!("W/\"{version}-{digest}\"")
}

/// The JSON object body, or 400.
pub fn object(body: &Value) -> Result<&Map<String, Value>, ApiError> {
    body.as_object().ok_or_else(|| ApiError::invalid_body("the request body must be a JSON object"))
}

/// The account's default resource group, as IBM references it (hubspoke has one per account).
pub fn resource_group(base: &str, account: &AccountId) -> Value {
    let id = hex::encode(&Sha256::digest(format!("resource-group:{account}").as_bytes())[..16]);
    json!({ "href": format!("{base}/resource_groups/{id}"), "id": id, "name": "Default" })
}

/// A `VPCReference`, with `remote.account` when the VPC is in another account than `viewer`.
pub fn vpc_reference(base: &str, vpc: &Vpc, viewer: Option<&AccountId>) -> Value {
    let mut reference = json!({
        "crn": crn(&vpc.account, "vpc", &vpc.id),
        "href": format!("{base}/vpcs/{}", vpc.id),
        "id": vpc.id,
        "name": vpc.name,
        "resource_type": "vpc",
    });
    if viewer.is_some_and(|viewer| viewer != &vpc.account) {
        reference["remote"] = json!({ "account": { "id": vpc.account.as_str(), "resource_type": "account" } });
    }
    reference
}

/// A `ZoneReference`.
pub fn zone_reference(base: &str, zone: &str) -> Value {
    json!({ "href": format!("{base}/regions/{REGION}/zones/{zone}"), "name": zone })
}

/// A timestamp in the VPC API's format (seconds, `Z`).
pub fn created_at(at: Timestamp) -> String {
    let text = timestamp(at);
    format!("{}Z", &text[..19])
}

/// One page of a list, with `first`, `next`, `limit` and `total_count`, as the VPC SDK pagers read them.
pub fn page(query: &VpcQuery, path: &str, key: &str, items: Vec<Value>) -> Result<Value, ApiError> {
    let limit = match query.params.get("limit") {
        None => DEFAULT_LIMIT,
        Some(text) => match text.parse::<u64>() {
            Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => limit,
            _ => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_limit",
                    format!("`limit` is `{text}`; it must be from 1 to {MAX_LIMIT}"),
                )
                .with_target("limit", "parameter"));
            }
        },
    };
    let offset = match query.params.get("start") {
        None => 0,
        Some(token) => URL_SAFE_NO_PAD
            .decode(token)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| text.strip_prefix("offset:").and_then(|n| n.parse::<u64>().ok()))
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_start",
                    format!("`start` `{token}` is not a page token of this list"),
                )
                .with_target("start", "parameter")
            })?,
    };
    let total = items.len() as u64;
    let link = |start: Option<u64>| {
        let mut pairs: Vec<(&String, &String)> =
            query.params.0.iter().filter(|(name, _)| !matches!(name.as_str(), "start" | "limit")).collect();
        pairs.sort();
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        pairs.into_iter().for_each(|(name, value)| {
            serializer.append_pair(name, value);
        });
        serializer.append_pair("limit", &limit.to_string());
        if let Some(start) = start {
            serializer.append_pair("start", &URL_SAFE_NO_PAD.encode(format!("offset:{start}")));
        }
        json!({ "href": format!("{}{path}?{}", query.base, serializer.finish()) })
    };
    let page: Vec<Value> = items.into_iter().skip(offset as usize).take(limit as usize).collect();
    let mut body = json!({ "first": link(None), "limit": limit, "total_count": total });
    if offset + (page.len() as u64) < total {
        body["next"] = link(Some(offset + limit));
    }
    body[key] = Value::Array(page);
    Ok(body)
}

/// The world and who is looking, for renderers.
pub struct Lens<'a> {
    /// The world.
    pub world: &'a World,
    /// `{base}/v1`.
    pub base: &'a str,
    /// The viewing account (`None` for the operator).
    pub viewer: Option<&'a AccountId>,
    /// The time, for lifecycle states.
    pub now: Timestamp,
}

impl<'a> Lens<'a> {
    /// The lens of a caller's view, for a request.
    pub fn of(view: &'a hubspoke_app::network::View, query: &'a VpcQuery) -> Lens<'a> {
        Lens { world: &view.world, base: &query.base, viewer: view.account.as_ref(), now: view.now }
    }
}
