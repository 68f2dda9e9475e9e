//! Paging, written once for every list: each IBM API's `limit` bounds, opaque `start` tokens (a base64url cursor of
//! the application's keyset paging), and the `first`/`next` links the SDK pagers follow.

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hubspoke_app::paging::{Cursor, PageRequest};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::extract::Params;

/// The `limit` one IBM API accepts, and how it refuses a bad `limit` or `start`.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// The page size when `limit` is absent; `None` means "everything" (IAM Policy Management lists).
    pub default: Option<u64>,
    /// The largest `limit`.
    pub max: u64,
    /// The error shape of the API.
    pub style: Style,
}

/// How an API reports a bad paging parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// The VPC API: `invalid_limit` / `invalid_start`, with the parameter as `target`.
    Vpc,
    /// IAM Policy Management and hubspoke's own lists: `invalid_query_parameter`.
    Query,
}

/// The VPC API: 1 to 100, 50 by default.
pub const VPC: Bounds = Bounds { default: Some(50), max: 100, style: Style::Vpc };
/// The activity log: 1 to 200, 50 by default.
pub const EVENTS: Bounds = Bounds { default: Some(50), max: 200, style: Style::Query };
/// Policy lists: everything unless `limit` (1 to 1000) is given.
pub const POLICIES: Bounds = Bounds { default: None, max: 1000, style: Style::Query };

/// `limit` and `start` of a list request, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paging {
    /// The page size; `None` for everything.
    pub limit: Option<u64>,
    /// Where the page starts, decoded from `start`.
    pub start: Option<Cursor>,
    /// Whether `start` asks for the page before the cursor (a `previous` link) rather than after it.
    pub backward: bool,
}

impl Paging {
    /// Reads `limit` and `start` from the query.
    pub fn from_params(params: &Params, bounds: Bounds) -> Result<Paging, ApiError> {
        let limit = match params.get("limit") {
            None => bounds.default,
            Some(text) => match text.parse::<u64>() {
                Ok(limit) if (1..=bounds.max).contains(&limit) => Some(limit),
                _ => {
                    let message = format!("`limit` is `{text}`; it must be a whole number from 1 to {}", bounds.max);
                    return Err(refusal(bounds.style, "limit", message));
                }
            },
        };
        let token = params.get("start");
        let backward = token.is_some_and(|token| token.starts_with(BACKWARD));
        let start = match token {
            None => None,
            Some(token) => Some(decode(token.trim_start_matches(BACKWARD)).ok_or_else(|| {
                refusal(bounds.style, "start", format!("`start` `{token}` is not a page token returned by this list"))
            })?),
        };
        Ok(Paging { limit, start, backward })
    }

    /// The application's page request (everything, when there is no limit).
    pub fn request(&self) -> PageRequest {
        PageRequest { limit: self.limit.map_or(usize::MAX, |limit| limit as usize), after: self.start.clone() }
    }
}

fn refusal(style: Style, parameter: &str, message: String) -> ApiError {
    match style {
        Style::Vpc => ApiError::new(
            StatusCode::BAD_REQUEST,
            if parameter == "limit" { "invalid_limit" } else { "invalid_start" },
            message,
        )
        .with_target(parameter, "parameter"),
        Style::Query => ApiError::invalid_query(message),
    }
}

/// The mark of a token that pages backwards (base64url never holds it).
const BACKWARD: &str = "~";

/// A cursor as an opaque page token: the page after it.
pub fn token(cursor: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(cursor.to_text())
}

/// A cursor as an opaque page token for the page before it (a `previous` link).
pub fn backward_token(cursor: &Cursor) -> String {
    format!("{BACKWARD}{}", token(cursor))
}

fn decode(token: &str) -> Option<Cursor> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    Cursor::parse(&String::from_utf8(bytes).ok()?)
}

/// The URL of a page of the list at `url`: the request's parameters (sorted, so a link is stable) without `start`
/// and `limit`, then `limit`, then `start` when given.
pub fn link(url: &str, params: &Params, limit: Option<u64>, start: Option<&str>) -> String {
    let mut pairs: Vec<(&String, &String)> =
        params.0.iter().filter(|(name, _)| !matches!(name.as_str(), "start" | "limit")).collect();
    pairs.sort();
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        serializer.append_pair(name, value);
    }
    if let Some(limit) = limit {
        serializer.append_pair("limit", &limit.to_string());
    }
    if let Some(start) = start {
        serializer.append_pair("start", start);
    }
    format!("{url}?{}", serializer.finish())
}

/// A page in the VPC API's collection shape: `first`, `total_count`, `limit`, `next` (while more remain) and the
/// items under a key named for the resource. Written to the response as it is: a page holds up to a hundred items,
/// typed or `Value`s.
#[derive(Debug)]
pub struct Collection<'k, T> {
    first: String,
    total_count: usize,
    limit: Option<u64>,
    next: Option<String>,
    key: &'k str,
    items: Vec<T>,
}

impl<T: Serialize> Serialize for Collection<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Link<'a> {
            href: &'a str,
        }
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("first", &Link { href: &self.first })?;
        map.serialize_entry("total_count", &self.total_count)?;
        if let Some(limit) = self.limit {
            map.serialize_entry("limit", &limit)?;
        }
        if let Some(next) = &self.next {
            map.serialize_entry("next", &Link { href: next })?;
        }
        map.serialize_entry(self.key, &self.items)?;
        map.end()
    }
}

/// The page of `items` in the VPC API's collection shape (see [`Collection`]). hubspoke's own lists (the activity
/// log) use the same shape.
pub fn collection<'k, T: Serialize>(
    url: &str,
    params: &Params,
    paging: &Paging,
    key: &'k str,
    items: Vec<T>,
    total: usize,
    next: Option<&Cursor>,
) -> Collection<'k, T> {
    Collection {
        first: link(url, params, paging.limit, None),
        total_count: total,
        limit: paging.limit,
        next: next.map(|next| link(url, params, paging.limit, Some(&token(next)))),
        key,
        items,
    }
}

/// Offset and limit paging, as DNS Services pages its lists: `offset` (0 by default) and `limit` (200 by default,
/// at most 1,000), and a body with `offset`, `limit`, `count` (the items on this page), `total_count` and the
/// `first`, `last`, `next` and `previous` links. An offset past the end is an empty page, not an error. The items
/// are sliced from the whole list, so a page shifts when the collection changes, as IBM's do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OffsetPage {
    /// The first item's position.
    pub offset: usize,
    /// The most items on the page.
    pub limit: usize,
}

impl OffsetPage {
    /// The page size when `limit` is absent.
    pub const DEFAULT_LIMIT: usize = 200;
    /// The largest `limit`.
    pub const MAX_LIMIT: usize = 1000;

    /// Reads `offset` and `limit` from the query.
    pub fn from_params(params: &Params) -> Result<OffsetPage, ApiError> {
        let number = |name: &str, default: usize, range: std::ops::RangeInclusive<usize>| match params.get(name) {
            None => Ok(default),
            Some(text) => text.parse::<usize>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                ApiError::invalid_query(format!(
                    "`{name}` is `{text}`; it must be a whole number from {} to {}",
                    range.start(),
                    range.end()
                ))
                .with_target(name, "parameter")
            }),
        };
        Ok(OffsetPage {
            offset: number("offset", 0, 0..=usize::MAX >> 1)?,
            limit: number("limit", Self::DEFAULT_LIMIT, 1..=Self::MAX_LIMIT)?,
        })
    }

    /// The items of this page.
    pub fn slice<'a, T>(&self, items: &'a [T]) -> &'a [T] {
        let start = self.offset.min(items.len());
        let end = start.saturating_add(self.limit).min(items.len());
        &items[start..end]
    }

    /// The list body: this page's `items` under `key` (already sliced by [`OffsetPage::slice`]), with `total` items
    /// in the whole list at `url`. The links keep the request's other parameters.
    pub fn body(&self, url: &str, params: &Params, key: &str, items: Vec<Value>, total: usize) -> Value {
        let href = |offset: usize| json!({ "href": self.link(url, params, offset) });
        let mut body = json!({
            "offset": self.offset,
            "limit": self.limit,
            "count": items.len(),
            "total_count": total,
            "first": href(0),
            "last": href(total.saturating_sub(self.limit)),
        });
        if self.offset.saturating_add(self.limit) < total {
            body["next"] = href(self.offset + self.limit);
        }
        if self.offset > 0 {
            body["previous"] = href(self.offset.saturating_sub(self.limit));
        }
        body[key] = Value::Array(items);
        body
    }

    fn link(&self, url: &str, params: &Params, offset: usize) -> String {
        let mut pairs: Vec<(&String, &String)> =
            params.0.iter().filter(|(name, _)| !matches!(name.as_str(), "offset" | "limit")).collect();
        pairs.sort();
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (name, value) in pairs {
            serializer.append_pair(name, value);
        }
        serializer.append_pair("offset", &offset.to_string());
        serializer.append_pair("limit", &self.limit.to_string());
        format!("{url}?{}", serializer.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hubspoke_app::paging::SortPart;

    fn params(query: &str) -> Params {
        Params::parse(query).unwrap()
    }

    #[test]
    fn limits_are_checked_per_api() {
        let cases: &[(&str, Bounds, Option<Option<u64>>)] = &[
            ("", VPC, Some(Some(50))),
            ("limit=100", VPC, Some(Some(100))),
            ("limit=101", VPC, None),
            ("limit=0", VPC, None),
            ("limit=-1", VPC, None),
            ("limit=200", EVENTS, Some(Some(200))),
            ("", POLICIES, Some(None)),
            ("limit=1000", POLICIES, Some(Some(1000))),
            ("limit=ten", POLICIES, None),
        ];
        for (query, bounds, expected) in cases {
            let parsed = Paging::from_params(&params(query), *bounds).ok().map(|paging| paging.limit);
            assert_eq!(parsed, *expected, "`{query}`");
        }
    }

    #[test]
    fn tokens_round_trip_and_forgeries_are_refused_in_each_apis_shape() {
        let cursor = Cursor(vec![SortPart::Int(-5), SortPart::Text("r006-x".into())]);
        let paging = Paging::from_params(&params(&format!("start={}", token(&cursor))), VPC).unwrap();
        assert_eq!(paging.start, Some(cursor));
        for forged in ["forged", "b2Zmc2V0OjEw", "!!"] {
            let vpc = Paging::from_params(&params(&format!("start={forged}")), VPC).unwrap_err();
            assert_eq!(
                (vpc.status, vpc.body("t")["errors"][0]["code"].as_str()),
                (StatusCode::BAD_REQUEST, Some("invalid_start"))
            );
            let policies = Paging::from_params(&params(&format!("start={forged}")), POLICIES).unwrap_err();
            assert_eq!(policies.body("t")["errors"][0]["code"], "invalid_query_parameter");
        }
    }

    #[test]
    fn links_keep_the_filters_and_replace_the_position() {
        let query = params("version=2026-01-01&vpc.id=a&start=old&limit=2");
        assert_eq!(
            link("http://h/v1/subnets", &query, Some(2), Some("tok")),
            "http://h/v1/subnets?version=2026-01-01&vpc.id=a&limit=2&start=tok"
        );
    }

    #[test]
    fn offset_pages_default_to_200_and_link_first_last_next_previous() {
        let page = OffsetPage::from_params(&params("")).unwrap();
        assert_eq!(page, OffsetPage { offset: 0, limit: 200 });
        for bad in ["limit=0", "limit=1001", "offset=-1", "offset=x"] {
            assert!(OffsetPage::from_params(&params(bad)).is_err(), "`{bad}`");
        }
        let page = OffsetPage::from_params(&params("type=A&offset=2&limit=2")).unwrap();
        let items: Vec<u32> = (0..5).collect();
        assert_eq!(page.slice(&items), &[2, 3]);
        let body = page.body("http://h/l", &params("type=A&offset=2&limit=2"), "things", vec![json!(2), json!(3)], 5);
        assert_eq!(body["count"], 2);
        assert_eq!(body["first"]["href"], "http://h/l?type=A&offset=0&limit=2");
        assert_eq!(body["last"]["href"], "http://h/l?type=A&offset=3&limit=2");
        assert_eq!(body["next"]["href"], "http://h/l?type=A&offset=4&limit=2");
        assert_eq!(body["previous"]["href"], "http://h/l?type=A&offset=0&limit=2");
        let past = OffsetPage { offset: 9, limit: 2 };
        assert!(past.slice(&items).is_empty());
        let body = past.body("http://h/l", &params(""), "things", Vec::new(), 5);
        assert_eq!((body["count"].clone(), body.get("next")), (json!(0), None));
    }
}
