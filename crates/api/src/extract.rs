//! Extractors whose rejections are IBM-shaped errors: JSON bodies, query parameters, bearer tokens, `If-Match` and
//! the base URL that hrefs are built on.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use hubspoke_iam::Caller;
use serde::de::DeserializeOwned;

use crate::ApiState;
use crate::error::ApiError;

/// A JSON body. Parse errors name the path of the offending field.
///
/// Besides JSON types, a missing `Content-Type`, `text/plain` and `application/x-www-form-urlencoded` are accepted:
/// IBM's DNS sharing guide creates the seed policy with `curl -d '$request_body'` and no `Content-Type`, and curl then
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
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if path == "." || path.is_empty() {
            ApiError::invalid_body(format!("the request body is not valid: {inner}"))
        } else {
            ApiError::invalid_body(format!("`{path}` is not valid: {inner}"))
        }
    })?;
    deserializer.end().map_err(|e| ApiError::invalid_body(format!("the request body is not valid: {e}")))?;
    Ok(value)
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
        state.tokens.verify(token).map(Authenticated).map_err(|_| ApiError::invalid_token())
    }
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
                .map(|value| IfMatch(Some(value.trim().trim_matches('"').to_owned())))
                .map_err(|_| ApiError::invalid_body("the `If-Match` header is not valid text")),
        }
    }
}

impl IfMatch {
    /// The precondition, `Absent` when the header is missing.
    pub fn optional(self) -> hubspoke_app::policies::Precondition {
        match self.0.as_deref() {
            None | Some("") => hubspoke_app::policies::Precondition::Absent,
            Some("*") => hubspoke_app::policies::Precondition::Any,
            Some(etag) => hubspoke_app::policies::Precondition::Etag(etag.to_owned()),
        }
    }

    /// The precondition, or 400 when the header is missing (IBM's SDKs always send it for these operations).
    pub fn required(self) -> Result<hubspoke_app::policies::Precondition, ApiError> {
        match self.0.as_deref() {
            None | Some("") => Err(ApiError::invalid_body(
                "the `If-Match` header is required: send the `ETag` of the policy as returned by GET",
            )),
            Some("*") => Ok(hubspoke_app::policies::Precondition::Any),
            Some(etag) => Ok(hubspoke_app::policies::Precondition::Etag(etag.to_owned())),
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
