//! The VPC API (`/v1/regions`, `/v1/vpcs` with their address prefixes, `/v1/subnets`, `/v1/endpoint_gateways`, DNS
//! resolution bindings, security groups, network ACLs, routing tables and public gateways): its query
//! conventions (`version`, `generation`), the wire shapes shared by its resources (references, identities, zones),
//! and its error mapping. One file per resource.

pub mod bindings;
pub mod gateways;
pub mod network_acls;
pub mod prefixes;
pub mod protocol;
pub mod public_gateways;
pub mod regions;
pub mod resource_bindings;
pub mod routing_tables;
pub mod security_groups;
pub mod subnets;
pub mod vpcs;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use hubspoke_app::network::{GroupReference, Reference, VpcIdentity};
use hubspoke_iam::Timestamp;
use hubspoke_vpc::RuleError;
use hubspoke_vpc::error::Refusal;
use hubspoke_vpc::region::{crn, zone_region};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::extract::{BaseUrl, Params};
use crate::region::RequestRegion;
use crate::transaction::json_response;
use crate::wire::timestamp;

/// The first API version hubspoke accepts (DNS sharing became generally available on 2024-03-19; earlier dates
/// cannot express it).
pub const OLDEST_VERSION: &str = "2024-03-19";
/// From this version on, endpoint gateways use `dns_resolution_binding_mode` instead of
/// `allow_dns_resolution_binding`.
pub const MODE_VERSION: &str = "2025-11-18";

/// The query of every VPC API request, checked: `version` (required), `generation`, and the other parameters.
pub struct VpcQuery {
    /// The API version date.
    pub version: String,
    /// Every parameter, for filters and paging links.
    pub params: Params,
    /// `{origin}/v1`, or `{origin}/{region}/v1` when the request named its region, for hrefs.
    pub base: String,
    /// `{scheme}://{host}` of the request.
    pub origin: String,
}

impl VpcQuery {
    /// Whether the version predates `dns_resolution_binding_mode` (endpoint gateways then speak
    /// `allow_dns_resolution_binding`).
    pub fn legacy_mode(&self) -> bool {
        self.version.as_str() < MODE_VERSION
    }

    /// The URL of a list, for its paging links.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Whether `text` is a real calendar date written `YYYY-MM-DD` (`2025-02-30` is not).
fn valid_date(text: &str) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    text.len() == 10 && time::Date::parse(text, &format).is_ok()
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
        // Hrefs keep the base path the request came through, so following one stays in its region.
        let regional = match parts.extensions.get::<RequestRegion>() {
            Some(region) => format!("{base}/{}/v1", region.0.name),
            None => format!("{base}/v1"),
        };
        Ok(VpcQuery { version: version.to_owned(), params, base: regional, origin: base })
    }
}

/// Maps a refused command to the VPC API's error. The message is already as the caller may read it (the
/// application kept out what is confidential to another account).
pub fn rule_error(rule: RuleError) -> ApiError {
    let status = match rule.refusal {
        Refusal::Invalid => StatusCode::BAD_REQUEST,
        Refusal::NotFound => StatusCode::NOT_FOUND,
        Refusal::Conflict => StatusCode::CONFLICT,
        Refusal::NotAuthorized => StatusCode::UNAUTHORIZED,
        Refusal::Forbidden => StatusCode::FORBIDDEN,
        Refusal::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
    };
    // The message stays one sentence that says what is wrong and what fixes it; what a program or a reader who wants
    // more needs (the policy that would grant it, the command that creates it, the hub's nearest policies for the
    // hub's own administrator) is structured in `details`.
    let mut details = serde_json::Map::new();
    if let Some(grant) = &rule.grant {
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
        details.insert(
            "missing_grant".into(),
            json!({ "action": grant.action, "granted_by": grant.hub_account, "policy": policy, "cli": command }),
        );
    }
    if !rule.revealed().is_empty() {
        details.insert("explanation".into(), json!(rule.revealed()));
    }
    let message = rule.message.clone();
    let details = (!details.is_empty()).then_some(Value::Object(details));
    let mut error = ApiError::new(status, rule.code, message);
    if let Some((name, kind)) = &rule.target {
        error = error.with_target(name, kind);
    }
    if let Some(details) = details {
        error = error.with_details(details);
    }
    error
}

/// A `{"id"}`, `{"crn"}` or `{"href"}` object naming a resource in a request body.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct IdentityBody {
    id: Option<String>,
    crn: Option<String>,
    href: Option<String>,
}

impl IdentityBody {
    /// An identity from its three members.
    pub fn from_parts(id: Option<String>, crn: Option<String>, href: Option<String>) -> IdentityBody {
        IdentityBody { id, crn, href }
    }

    /// A VPC named with exactly one of `id`, `crn` or `href`.
    pub fn vpc(&self, field: &str) -> Result<VpcIdentity, ApiError> {
        match (&self.id, &self.crn, &self.href) {
            (Some(id), None, None) => Ok(VpcIdentity::Id(id.clone())),
            (None, Some(crn), None) => Ok(VpcIdentity::Crn(crn.clone())),
            (None, None, Some(href)) => Ok(VpcIdentity::Href(href.clone())),
            _ => Err(ApiError::invalid_body(format!(
                "`{field}` must name a VPC with exactly one of `id`, `crn` or `href`"
            ))
            .with_target(field, "field")),
        }
    }

    /// The id it names: `id`, or the last segment of `href` or `crn`.
    pub fn id(&self, field: &str) -> Result<String, ApiError> {
        self.id
            .clone()
            .or_else(|| self.href.as_deref().and_then(|h| h.rsplit('/').next()).map(str::to_owned))
            .or_else(|| self.crn.as_deref().and_then(|c| c.rsplit(':').next()).map(str::to_owned))
            .ok_or_else(|| {
                ApiError::invalid_body(format!("`{field}` must have `id`, `crn` or `href`")).with_target(field, "field")
            })
    }
}

/// A required identity: 400 naming the field when it is missing.
pub fn required_identity<'a>(identity: &'a Option<IdentityBody>, field: &str) -> Result<&'a IdentityBody, ApiError> {
    identity
        .as_ref()
        .ok_or_else(|| ApiError::invalid_body(format!("`{field}` is required")).with_target(field, "field"))
}

/// A `{"name"}` or `{"href"}` object naming a zone.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ZoneBody {
    name: Option<String>,
    href: Option<String>,
}

impl ZoneBody {
    /// The zone's name.
    pub fn name(&self, field: &str) -> Result<String, ApiError> {
        self.name
            .clone()
            .or_else(|| self.href.as_deref().and_then(|h| h.rsplit('/').next()).map(str::to_owned))
            .ok_or_else(|| {
                ApiError::invalid_body(format!("`{field}` needs a `name` or `href`")).with_target(field, "field")
            })
    }
}

/// A reference to another resource (`VPCReference`, `SubnetReference`, ...): CRN, `href`, id, name and resource type,
/// and `remote.account` when it is in another account than the reader's. A deleted one is its id, its type and
/// `deleted.more_info`.
#[derive(Serialize)]
#[serde(untagged)]
pub enum ReferenceJson<'a> {
    /// A resource that exists.
    Live {
        crn: String,
        href: String,
        id: &'a str,
        name: Option<&'a str>,
        resource_type: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        remote: Option<RemoteJson<'a>>,
    },
    /// A resource that was deleted.
    Deleted { id: &'a str, resource_type: String, deleted: DeletedJson },
}

/// `remote`: the account another account's resource is in.
#[derive(Serialize)]
pub struct RemoteJson<'a> {
    account: AccountJson<'a>,
}

#[derive(Serialize)]
struct AccountJson<'a> {
    id: &'a str,
    resource_type: &'static str,
}

/// `deleted`: where IBM explains deleted resources.
#[derive(Serialize)]
pub struct DeletedJson {
    more_info: &'static str,
}

impl<'a> ReferenceJson<'a> {
    /// The reference to `reference`, a resource of `kind` (as CRNs spell it) found under `{base}/{path}/{id}`.
    pub fn of(base: &str, kind: &str, path: &str, reference: &'a Reference) -> ReferenceJson<'a> {
        let resource_type = kind.replace('-', "_");
        let Some(account) = &reference.account else {
            let deleted = DeletedJson { more_info: "https://cloud.ibm.com/apidocs/vpc#deleted-resources" };
            return ReferenceJson::Deleted { id: &reference.id, resource_type, deleted };
        };
        ReferenceJson::Live {
            crn: crn(account, kind, &reference.id),
            href: format!("{base}/{path}/{}", reference.id),
            id: &reference.id,
            name: reference.name.as_deref(),
            resource_type,
            remote: reference
                .remote
                .then(|| RemoteJson { account: AccountJson { id: account.as_str(), resource_type: "account" } }),
        }
    }
}

/// [`ReferenceJson`] as a `Value`, for bodies built as one.
pub fn reference(base: &str, kind: &str, path: &str, reference: &Reference) -> Value {
    serde_json::to_value(ReferenceJson::of(base, kind, path, reference)).unwrap_or_default()
}

/// A `VPCReference`.
pub fn vpc_reference(base: &str, vpc: &Reference) -> Value {
    reference(base, "vpc", "vpcs", vpc)
}

/// A `ZoneReference`.
#[derive(Serialize)]
pub struct ZoneJson<'a> {
    href: String,
    name: &'a str,
}

impl<'a> ZoneJson<'a> {
    /// The reference to `zone`.
    pub fn of(base: &str, zone: &'a str) -> ZoneJson<'a> {
        let region = zone_region(zone).map_or("", |region| region.name);
        ZoneJson { href: format!("{base}/regions/{region}/zones/{zone}"), name: zone }
    }
}

/// [`ZoneJson`] as a `Value`.
pub fn zone_reference(base: &str, zone: &str) -> Value {
    serde_json::to_value(ZoneJson::of(base, zone)).unwrap_or_default()
}

/// A `ResourceGroupReference`. Its `href` is the group in the Resource Manager API, which this server also serves
/// (`/v2/resource_groups`, beside the VPC API's `/v1`).
#[derive(Serialize)]
pub struct GroupJson<'a> {
    href: String,
    id: &'a str,
    name: &'a str,
}

impl<'a> GroupJson<'a> {
    /// The reference to `group`.
    pub fn of(base: &str, group: &'a GroupReference) -> GroupJson<'a> {
        // Resource Manager is global: its base is the server's root, without the VPC API's region and version.
        let root = base.strip_suffix("/v1").unwrap_or(base);
        let root = root
            .rsplit_once('/')
            .filter(|(_, last)| hubspoke_vpc::region::region(last).is_some())
            .map_or(root, |(r, _)| r);
        GroupJson { href: format!("{root}/v2/resource_groups/{}", group.id), id: &group.id, name: &group.name }
    }
}

/// [`GroupJson`] as a `Value`.
pub fn resource_group(base: &str, group: &GroupReference) -> Value {
    serde_json::to_value(GroupJson::of(base, group)).unwrap_or_default()
}

/// The group a create body's `resource_group` names (`{"id"}`, or an `href`), if it names one.
pub fn resource_group_id(identity: &Option<IdentityBody>) -> Result<Option<String>, ApiError> {
    identity.as_ref().map(|group| group.id("resource_group")).transpose()
}

/// A timestamp in the VPC API's format (seconds, `Z`).
pub fn created_at(at: Timestamp) -> String {
    let text = timestamp(at);
    format!("{}Z", &text[..19])
}

/// A single-resource response with its `ETag`.
pub fn with_etag(status: StatusCode, etag: &str, body: &impl serde::Serialize) -> Response {
    let mut response = json_response(status, body);
    if let Ok(value) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::valid_date;

    #[test]
    fn version_dates_are_real_calendar_dates() {
        for (text, valid) in [
            ("2025-11-18", true),
            ("2024-02-29", true),
            ("2025-02-29", false),
            ("2025-02-30", false),
            ("2025-13-01", false),
            ("2025-4-01", false),
            ("20250401", false),
            ("2025-04-01x", false),
        ] {
            assert_eq!(valid_date(text), valid, "`{text}`");
        }
    }
}
