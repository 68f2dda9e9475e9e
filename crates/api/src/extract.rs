//! Extractors whose rejections are IBM-shaped errors: JSON bodies, query parameters, bearer tokens, `If-Match` and
//! the base URL that hrefs are built on.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use hubspoke_app::access::Target;
use hubspoke_app::precondition::Precondition;
use hubspoke_iam::{Caller, CallerKind};
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::ApiState;
use crate::error::ApiError;
use crate::operations::Access;
use crate::region::RequestRegion;

/// A JSON body. Parse errors name the path of the offending field.
///
/// Besides JSON types, a missing `Content-Type`, `text/plain` and `application/x-www-form-urlencoded` are accepted:
/// IBM's DNS sharing guide creates its policy with `curl -d '$request_body'` and no `Content-Type`, and curl then
/// labels the JSON as a form. Any other type (XML, multipart, ...) is refused with 415.
#[derive(Debug)]
pub struct IbmJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for IbmJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|value| value.to_str().unwrap_or_default().to_ascii_lowercase());
        // The body is read (within the size limit) before anything is refused: answering while the client is still
        // sending makes the server close the connection, and the client would see a reset instead of the error.
        let bytes = Bytes::from_request(request, state).await.map_err(body_rejection)?;
        if let Some(content_type) = content_type {
            let essence = content_type.split(';').next().unwrap_or_default().trim();
            let lenient = ["application/json", "text/plain", "application/x-www-form-urlencoded"];
            if !(lenient.contains(&essence) || essence.ends_with("+json")) {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_content_type",
                    format!("the request body must be `application/json`, not `{essence}`"),
                ));
            }
        }
        parse_json(&bytes).map(IbmJson)
    }
}

/// Parses a JSON document, naming the path of the first problem.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid_body("the request body is empty; a JSON object is expected"));
    }
    // Every body of these APIs is an object; serde would otherwise read a struct whose fields all have defaults
    // from `[]` and create something nobody asked for.
    if bytes.iter().find(|byte| !byte.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::invalid_body("the request body is not a JSON object"));
    }
    // Valid bodies are the common case, and the path tracker costs every one of them; so it only runs again, to name
    // the field at fault, when plain parsing failed.
    if let Ok(value) = serde_json::from_slice::<T>(bytes) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if path == "." || path.is_empty() {
            ApiError::invalid_body(format!("the request body is not valid: {inner}"))
        } else {
            ApiError::invalid_body(format!("`{path}` is not valid: {inner}")).with_target(&path, "field")
        }
    })?;
    deserializer.end().map_err(|e| ApiError::invalid_body(format!("the request body is not valid: {e}")))?;
    Ok(value)
}

/// A JSON object whose members, at every depth, each appear once: a merge-patch body, which must stay a JSON value
/// (an absent member and `null` mean different things) but may not say two things about one member. Typed bodies
/// get the same guarantee from serde, which refuses a field that repeats.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JsonObject(pub Map<String, Value>);

/// A JSON value with no member repeated in any of its objects.
struct StrictValue(Value);

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        StrictValue::deserialize(deserializer).map(|value| value.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!("the member `{key}` appears more than once")));
            }
            let StrictValue(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<StrictValue, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

impl<'de> Deserialize<'de> for JsonObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JsonObject, D::Error> {
        match StrictValue::deserialize(deserializer)?.0 {
            Value::Object(object) => Ok(JsonObject(object)),
            _ => Err(de::Error::custom("the request body must be a JSON object")),
        }
    }
}

fn body_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_body",
            format!("the request body is larger than {} bytes", crate::MAX_BODY_BYTES),
        );
    }
    ApiError::invalid_body(format!("the request body could not be read: {rejection}"))
}

/// The query parameters, by name (the last value wins when a name repeats).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Params(pub HashMap<String, String>);

impl Params {
    /// A parameter's value; an empty value counts as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|value| !value.is_empty())
    }

    /// A required parameter.
    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| ApiError::missing_query(name))
    }

    /// A parameter that must be one of `allowed`.
    pub fn one_of(&self, name: &str, allowed: &[&str]) -> Result<Option<&str>, ApiError> {
        match self.get(name) {
            Some(value) if !allowed.contains(&value) => Err(ApiError::invalid_query(format!(
                "the query parameter `{name}` is `{value}`; it must be one of: {}",
                allowed.join(", ")
            ))),
            other => Ok(other),
        }
    }
}

impl Params {
    /// Parses `application/x-www-form-urlencoded` query text. Unlike lossy decoders, it refuses percent-escapes that
    /// do not decode to UTF-8, so that a mangled value is reported instead of silently matching nothing.
    pub fn parse(query: &str) -> Result<Params, ApiError> {
        let mut map = HashMap::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |text: &str| {
                // Most names and values are plain (`version=2025-01-01`): copied as they are.
                if !text.contains(['+', '%']) {
                    return Ok(text.to_owned());
                }
                let spaced = text.replace('+', " ");
                percent_encoding::percent_decode_str(&spaced).decode_utf8().map(|decoded| decoded.into_owned())
            };
            let name =
                decode(name).map_err(|_| ApiError::invalid_query("a query parameter name is not valid UTF-8"))?;
            let value = decode(value)
                .map_err(|_| ApiError::invalid_query(format!("the query parameter `{name}` is not valid UTF-8")))?;
            map.insert(name, value);
        }
        Ok(Params(map))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Params::parse(parts.uri.query().unwrap_or_default())
    }
}

/// The caller, from a valid `Authorization: Bearer` token.
#[derive(Clone, Debug)]
pub struct Authenticated(pub Caller);

impl FromRequestParts<ApiState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok());
        let token = header
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or_else(ApiError::invalid_token)?;
        let mut caller = state.token_service().await?.verify(token).map_err(|_| ApiError::invalid_token())?;
        caller.region = parts.extensions.get::<RequestRegion>().map(|region| region.0.name.to_owned());
        if let CallerKind::AccountIdentity { .. } = caller.kind {
            enforce(parts, state, &caller).await?;
        }
        Ok(Authenticated(caller))
    }
}

/// Decides the operation for an identity that is not its account's administrator, before its handler runs: the
/// operations table names the IAM action and the path parameter holding the resource, and the application decides it
/// with the account's access policies. Operations that decide for themselves are let through here.
async fn enforce(parts: &mut Parts, state: &ApiState, caller: &Caller) -> Result<(), ApiError> {
    let path = parts.extensions.get::<MatchedPath>().map(|path| path.as_str().to_owned());
    let operation = path.as_deref().and_then(|path| crate::operations::operation_at(&parts.method, path));
    match operation {
        Some((_, Access::AnyIdentity | Access::InOperation | Access::InGroup(_))) => Ok(()),
        Some((_, Access::Action { action, resource: None })) => {
            Ok(state.app.authorize(caller, action, Target::Account).await?)
        }
        Some((_, Access::Action { action, resource: Some(param) })) => {
            let params = RawPathParams::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::invalid_query("the path's parameters are not valid UTF-8"))?;
            let id = params.iter().find(|(name, _)| *name == param).map(|(_, value)| value.to_owned());
            let target = id.as_deref().map_or(Target::Account, Target::Resource);
            Ok(state.app.authorize(caller, action, target).await?)
        }
        Some((tag, Access::Administrator)) => Err(administrators_only(tag, caller)),
        None => Err(administrators_only("hubspoke", caller)),
    }
}

/// The refusal of an operation only the operator and account administrators may use, in the 403 of its API.
fn administrators_only(tag: &str, caller: &Caller) -> ApiError {
    let reason = format!(
        "`{}` is not its account's administrator, and only the administrator may use this operation",
        caller.iam_id
    );
    let service = match tag {
        "VPC" => "is",
        "Transit Gateway" => "transit",
        "DNS Services" => "dns-svcs",
        "IAM Identity" => "iam-identity",
        "Policy Management" | "IAM Access Groups" => "iam",
        _ => "",
    };
    ApiError::not_authorized(service, reason)
}

/// The caller when the request carries a valid bearer token, `None` otherwise: for endpoints that answer everyone
/// but tell more to some.
#[derive(Clone, Debug)]
pub struct MaybeAuthenticated(pub Option<Caller>);

impl FromRequestParts<ApiState> for MaybeAuthenticated {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        Ok(MaybeAuthenticated(Authenticated::from_request_parts(parts, state).await.ok().map(|caller| caller.0)))
    }
}

/// The `If-Match` header, if given.
#[derive(Clone, Debug)]
pub struct IfMatch(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.headers.get(header::IF_MATCH) {
            None => Ok(IfMatch(None)),
            Some(value) => value
                .to_str()
                .map(|value| IfMatch(Some(value.trim().to_owned())))
                .map_err(|_| ApiError::invalid_body("the `If-Match` header is not valid text")),
        }
    }
}

impl IfMatch {
    /// The precondition, `Absent` when the header is missing.
    pub fn optional(self) -> Precondition {
        match self.0.as_deref() {
            None | Some("") => Precondition::Absent,
            Some("*") => Precondition::Any,
            Some(etag) => Precondition::Etag(etag.to_owned()),
        }
    }

    /// The precondition, or 400 when the header is missing (IBM's SDKs always send it for these operations).
    pub fn required(self) -> Result<Precondition, ApiError> {
        match self.0.as_deref() {
            None | Some("") => Err(ApiError::invalid_body(
                "the `If-Match` header is required: send the `ETag` of the policy as returned by GET",
            )),
            Some("*") => Ok(Precondition::Any),
            Some(etag) => Ok(Precondition::Etag(etag.to_owned())),
        }
    }
}

/// The scheme and authority clients reached us at, for the `href` fields.
#[derive(Clone, Debug)]
pub struct BaseUrl(pub String);

impl<S: Send + Sync> FromRequestParts<S> for BaseUrl {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .filter(|host| !host.is_empty() && host.bytes().all(|b| b.is_ascii_graphic()))
            .or_else(|| parts.uri.authority().map(|authority| authority.as_str()))
            .unwrap_or("localhost");
        let scheme = match parts.headers.get("x-forwarded-proto").and_then(|value| value.to_str().ok()) {
            Some("https") => "https",
            _ => "http",
        };
        Ok(BaseUrl(format!("{scheme}://{host}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parsing_table() {
        /// (query, the pairs it parses to, or `None` when it is refused).
        type Case<'a> = (&'a str, Option<&'a [(&'a str, &'a str)]>);
        let cases: &[Case] = &[
            ("", Some(&[])),
            ("a=1&b=two+words", Some(&[("a", "1"), ("b", "two words")])),
            ("a=%C3%A9&a=2", Some(&[("a", "2")])),
            ("flag&x=", Some(&[("flag", ""), ("x", "")])),
            ("name=%2B%26%3D", Some(&[("name", "+&=")])),
            ("bad=%ff", None),
            ("%fe=1", None),
        ];
        for (query, expected) in cases {
            let parsed = Params::parse(query);
            match expected {
                Some(pairs) => {
                    let map = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                    assert_eq!(parsed.unwrap(), Params(map), "`{query}`");
                }
                None => assert!(parsed.is_err(), "`{query}`"),
            }
        }
    }
}
