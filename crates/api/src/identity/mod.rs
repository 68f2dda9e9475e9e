//! IAM Identity: the token endpoint, the JWKS, account settings, service IDs and API keys.

use axum::http::StatusCode;
use hubspoke_iam::Timestamp;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::error::{ApiError, Envelope};

pub mod api_keys;
pub mod keys;
pub mod service_ids;
pub mod settings;
pub mod throttle;
pub mod token;

/// IBM's message for a refused identity operation; the reason goes to `details`.
const NOT_AUTHORIZED: &str = "You are not authorized to use this API.";

/// The same refusal in the IAM Identity API's envelope, with its `message_code`. IBM publishes few of these codes;
/// `docs/iam.md` lists the ones hubspoke gives.
pub fn in_identity_envelope(error: ApiError) -> ApiError {
    let Envelope::Policy { code, details, .. } = &error.envelope else { return error };
    let (code, message_code) = match (error.status, *code) {
        (StatusCode::FORBIDDEN, _) => ("forbidden", "BXNIM0513E"),
        (StatusCode::NOT_FOUND, _) => ("not_found", "BXNIM0102E"),
        (StatusCode::CONFLICT, _) => ("conflict", "BXNIM0509E"),
        (StatusCode::PRECONDITION_FAILED, _) => ("precondition_failed", "BXNIM0412E"),
        (_, "entity_locked") => ("entity_locked", "BXNIM0510E"),
        (StatusCode::BAD_REQUEST, _) => ("invalid_request", "BXNIM0109E"),
        (_, code) => (code, "BXNIM0001E"),
    };
    let (message, details) = if error.status == StatusCode::FORBIDDEN {
        (NOT_AUTHORIZED.to_owned(), Some(format!("Reason: {}", error.message)))
    } else {
        (error.message.clone(), details.as_ref().map(|details| details.to_string()))
    };
    ApiError { status: error.status, envelope: Envelope::IamIdentity { code, message_code, details }, message }
}

/// A refusal of an IAM Identity operation: any refusal a handler meets (`?` on an app, extractor or validation error)
/// is rendered in the IAM Identity envelope.
#[derive(Debug)]
pub struct IdentityError(ApiError);

impl<E: Into<ApiError>> From<E> for IdentityError {
    fn from(error: E) -> IdentityError {
        IdentityError(in_identity_envelope(error.into()))
    }
}

impl axum::response::IntoResponse for IdentityError {
    fn into_response(self) -> axum::response::Response {
        self.0.into_response()
    }
}

/// `yyyy-MM-ddTHH:mm+0000`, the minute-precision form IAM Identity writes its timestamps in.
pub fn identity_timestamp(at: Timestamp) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]+0000");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(at.0) * 1_000_000)
        .ok()
        .and_then(|moment| moment.format(&format).ok())
        .unwrap_or_default()
}

/// The `pagesize` of a list, if given, as a number.
pub fn pagesize(params: &crate::extract::Params) -> Result<Option<usize>, ApiError> {
    params
        .get("pagesize")
        .map(|text| {
            text.parse::<usize>().map_err(|_| {
                ApiError::invalid_query(format!("the query parameter `pagesize` is `{text}`; it must be a number"))
                    .with_target("pagesize", "parameter")
            })
        })
        .transpose()
}

/// The `order` of a list: `desc` or, by default, `asc`.
pub fn descending(params: &crate::extract::Params) -> Result<bool, ApiError> {
    Ok(params.one_of("order", &["asc", "desc"])? == Some("desc"))
}

/// The `first`, `previous` and `next` links of a page: URLs with `pagetoken`, as IBM gives them and clients read
/// `pagetoken` back from.
pub fn page_links(
    path: &str,
    query: &[(&str, String)],
    offset: usize,
    limit: usize,
    more: bool,
) -> serde_json::Map<String, serde_json::Value> {
    let url = |token: Option<usize>| {
        let mut pairs = form_urlencoded::Serializer::new(String::new());
        for (name, value) in query {
            pairs.append_pair(name, value);
        }
        pairs.append_pair("pagesize", &limit.to_string());
        if let Some(token) = token {
            pairs.append_pair("pagetoken", &token.to_string());
        }
        format!("{path}?{}", pairs.finish())
    };
    let mut links = serde_json::Map::new();
    links.insert("offset".into(), offset.into());
    links.insert("limit".into(), limit.into());
    links.insert("first".into(), url(None).into());
    if offset > 0 {
        links.insert("previous".into(), url(Some(offset.saturating_sub(limit))).into());
    }
    if more {
        links.insert("next".into(), url(Some(offset + limit)).into());
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_timestamps_have_minute_precision() {
        assert_eq!(identity_timestamp(Timestamp(1_729_182_616_501)), "2024-10-17T16:30+0000");
    }

    #[test]
    fn refusals_take_the_identity_envelope() {
        let refused = in_identity_envelope(ApiError::new(StatusCode::FORBIDDEN, "insufficent_permissions", "no"));
        let body = refused.body("t-1");
        assert_eq!(body["errors"][0]["code"], "forbidden");
        assert_eq!(body["errors"][0]["message"], NOT_AUTHORIZED);
        assert_eq!(body["errors"][0]["details"], "Reason: no");
        assert_eq!((body["status_code"].as_u64(), body["trace"].as_str()), (Some(403), Some("t-1")));
    }
}
