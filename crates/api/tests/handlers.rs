//! In-process handler tests: the router over an in-memory store, driven with `oneshot` requests, for how errors are
//! mapped to IBM envelopes, how lists page and how bodies and parameters are extracted. The integration binary tests
//! the same through the real server.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use hubspoke_api::identity::throttle::LoginThrottle;
use hubspoke_api::tokens::{TokenService, Tokens};
use hubspoke_api::{Api, ApiState, Shared, router};
use hubspoke_app::{App, Settings};
use hubspoke_store::{SqlStore, Store};
use hubspoke_vpc::Enforcement;
use serde_json::{Value, json};
use tower::ServiceExt;

const OPERATOR_KEY: &str = "in-process-operator-key-0123456789abcdef";
const V: &str = "version=2026-10-06&generation=2";

struct Harness {
    router: Api,
    operator: String,
}

impl Harness {
    async fn new() -> Harness {
        let store: Arc<dyn Store> = Arc::new(SqlStore::in_memory().await.unwrap());
        let settings = Settings {
            enforcement: Enforcement::Enforce,
            propagation_delay_ms: 0,
            iam_propagation_delay_ms: 0,
            region: hubspoke_vpc::region::default_region(),
        };
        let app = Arc::new(App::start(store, settings).await.unwrap());
        app.ensure_operator_key(OPERATOR_KEY).await.unwrap();
        let signing = app.signing_key().await.unwrap();
        let tokens = TokenService::new(&signing.kid, &signing.private_key_pem, "https://iam.test").unwrap();
        let state = ApiState::new(Shared {
            app,
            tokens: Arc::new(Tokens::ready(tokens)),
            started: Instant::now(),
            metrics: Arc::new(String::new),
            login_throttle: Arc::new(LoginThrottle::new(100, Duration::from_secs(60))),
            rendered: Default::default(),
            meters: Default::default(),
        });
        let mut harness = Harness { router: router(state), operator: String::new() };
        harness.operator = harness.token(OPERATOR_KEY).await;
        harness
    }

    /// Sends one request; returns the status, the headers and the body as JSON (`Null` when empty).
    async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<&str>) -> (StatusCode, Value) {
        let (status, _, value) = self.send_with(method, path, token, body, &[]).await;
        (status, value)
    }

    async fn send_with(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, axum::http::HeaderMap, Value) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Body::from(body.unwrap_or_default().to_owned())).unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        (status, headers, value)
    }

    async fn token(&self, api_key: &str) -> String {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/identity/token")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey={api_key}")))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        value["access_token"].as_str().unwrap().to_owned()
    }

    /// A new account; returns its id and its administrator's token.
    async fn account(&self, name: &str) -> (String, String) {
        let body = json!({ "name": name }).to_string();
        let (status, created) = self.send(Method::POST, "/_hubspoke/accounts", Some(&self.operator), Some(&body)).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        (created["id"].as_str().unwrap().to_owned(), self.token(created["apikey"].as_str().unwrap()).await)
    }
}

/// Every way a request can go wrong, with the status and IBM error code it is answered with.
#[tokio::test]
async fn errors_map_to_their_status_and_code() {
    let harness = Harness::new().await;
    let (account, token) = harness.account("errors").await;
    let (_, vpc) = harness.send(Method::POST, &format!("/v1/vpcs?{V}"), Some(&token), Some(r#"{"name":"one"}"#)).await;
    let vpc = vpc["id"].as_str().unwrap().to_owned();
    let policy = json!({
        "type": "authorization",
        "subjects": [{ "attributes": [
            { "name": "accountId", "value": "0123456789abcdef0123456789abcdef" },
            { "name": "serviceName", "value": "is" }, { "name": "resourceType", "value": "vpc" } ] }],
        "roles": [{ "role_id": "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector" }],
        "resources": [{ "attributes": [
            { "name": "accountId", "value": account }, { "name": "serviceName", "value": "is" },
            { "name": "vpcId", "value": vpc } ] }]
    })
    .to_string();
    let (status, created) = harness.send(Method::POST, "/v1/policies", Some(&token), Some(&policy)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let policy_id = created["id"].as_str().unwrap().to_owned();

    let vpc_path = format!("/v1/vpcs/{vpc}?{V}");
    // (what, method, path, authenticated, body, status, code).
    type Row<'a> = (&'a str, Method, String, bool, Option<&'a str>, StatusCode, &'a str);
    let rows: Vec<Row> = vec![
        ("no token", Method::GET, format!("/v1/vpcs?{V}"), false, None, StatusCode::UNAUTHORIZED, ""),
        ("unknown path", Method::GET, "/v1/nothing".into(), true, None, StatusCode::NOT_FOUND, "not_found"),
        (
            "wrong method",
            Method::PUT,
            format!("/v1/vpcs?{V}"),
            true,
            None,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            "unknown policy",
            Method::GET,
            "/v1/policies/nope".into(),
            true,
            None,
            StatusCode::NOT_FOUND,
            "policy_not_found",
        ),
        ("unknown VPC", Method::GET, format!("/v1/vpcs/r006-nope?{V}"), true, None, StatusCode::NOT_FOUND, "not_found"),
        (
            "duplicate policy",
            Method::POST,
            "/v1/policies".into(),
            true,
            Some(policy.as_str()),
            StatusCode::CONFLICT,
            "policy_conflict_error",
        ),
        ("not JSON", Method::POST, format!("/v1/vpcs?{V}"), true, Some("{"), StatusCode::BAD_REQUEST, ""),
        ("wrong type", Method::POST, format!("/v1/vpcs?{V}"), true, Some(r#"{"name":7}"#), StatusCode::BAD_REQUEST, ""),
        (
            "duplicate key",
            Method::PATCH,
            vpc_path.clone(),
            true,
            Some(r#"{"name":"a","name":"b"}"#),
            StatusCode::BAD_REQUEST,
            "",
        ),
        ("no version", Method::GET, "/v1/vpcs?generation=2".into(), true, None, StatusCode::BAD_REQUEST, ""),
        (
            "impossible date",
            Method::GET,
            "/v1/vpcs?version=2025-02-29&generation=2".into(),
            true,
            None,
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            "limit zero",
            Method::GET,
            format!("/v1/vpcs?{V}&limit=0"),
            true,
            None,
            StatusCode::BAD_REQUEST,
            "invalid_limit",
        ),
        (
            "limit too big",
            Method::GET,
            format!("/v1/vpcs?{V}&limit=101"),
            true,
            None,
            StatusCode::BAD_REQUEST,
            "invalid_limit",
        ),
        (
            "garbage start",
            Method::GET,
            format!("/v1/vpcs?{V}&start=%%%"),
            true,
            None,
            StatusCode::BAD_REQUEST,
            "invalid_start",
        ),
        (
            "policy limit",
            Method::GET,
            format!("/v1/policies?account_id={account}&limit=1001"),
            true,
            None,
            StatusCode::BAD_REQUEST,
            "invalid_query_parameter",
        ),
        ("operator only", Method::GET, "/_hubspoke/accounts".into(), true, None, StatusCode::FORBIDDEN, ""),
    ];
    for (what, method, path, authenticated, body, status, code) in rows {
        let token = authenticated.then_some(token.as_str());
        let (got, answer) = harness.send(method.clone(), &path, token, body).await;
        assert_eq!(got, status, "{what}: {method} {path}: {answer}");
        assert_eq!(answer["status_code"], status.as_u16(), "{what}: the envelope: {answer}");
        assert!(answer["trace"].is_string(), "{what}: {answer}");
        let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{what}: a message: {answer}");
        if !code.is_empty() {
            assert_eq!(answer["errors"][0]["code"], code, "{what}: {answer}");
        }
    }

    // A stale `If-Match` is 412 on the policy, and the policy is still there.
    let path = format!("/v1/policies/{policy_id}");
    let (status, _, answer) =
        harness.send_with(Method::DELETE, &path, Some(&token), None, &[("If-Match", "W/\"1-stale\"")]).await;
    assert_eq!(
        (status, answer["errors"][0]["code"].as_str()),
        (StatusCode::PRECONDITION_FAILED, Some("request_not_processed"))
    );
    let (status, _) = harness.send(Method::GET, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
}

/// Lists come in pages with `first` and `next` links whose tokens lead through the whole collection once.
#[tokio::test]
async fn lists_page_through_every_item_once() {
    let harness = Harness::new().await;
    let (_, token) = harness.account("paging").await;
    for n in 0..7 {
        let body = json!({ "name": format!("vpc-{n}") }).to_string();
        let (status, _) = harness.send(Method::POST, &format!("/v1/vpcs?{V}"), Some(&token), Some(&body)).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let mut path = format!("/v1/vpcs?{V}&limit=3");
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let (status, page) = harness.send(Method::GET, &path, Some(&token), None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["limit"], 3);
        assert_eq!(page["total_count"], 7);
        assert!(page["first"]["href"].as_str().unwrap().contains("limit=3"), "{page}");
        seen.extend(page["vpcs"].as_array().unwrap().iter().map(|vpc| vpc["name"].as_str().unwrap().to_owned()));
        pages += 1;
        let Some(next) = page["next"]["href"].as_str() else { break };
        path = next[next.find("/v1/").unwrap()..].to_owned();
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 3);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 7, "every VPC once: {seen:?}");
}

/// Bodies are read into typed inputs: unknown members are ignored as IBM does, a JSON body other than an object is
/// refused, and a content type that cannot hold JSON is refused before the handler runs (the lenient ones that
/// `curl -d` sends are accepted, see `docs/differences.md`).
#[tokio::test]
async fn bodies_are_extracted_into_typed_inputs() {
    let harness = Harness::new().await;
    let (_, token) = harness.account("bodies").await;
    let path = format!("/v1/vpcs?{V}");
    let (status, created) =
        harness.send(Method::POST, &path, Some(&token), Some(r#"{"name":"typed","future_member":1}"#)).await;
    assert_eq!((status, created["name"].as_str()), (StatusCode::CREATED, Some("typed")), "{created}");
    for body in ["[]", "null", "\"vpc\""] {
        let (status, answer) = harness.send(Method::POST, &path, Some(&token), Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
    }
    let request = Request::builder()
        .method(Method::POST)
        .uri(&path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/xml")
        .body(Body::from(r#"{"name":"xml"}"#))
        .unwrap();
    let response = harness.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (_, list) = harness.send(Method::GET, &path, Some(&token), None).await;
    assert_eq!(list["vpcs"].as_array().unwrap().len(), 1, "only the typed VPC was created: {list}");
}

/// Policies are rendered once and the rendering kept, yet every read shows the policy as it is now: a replace, a
/// delete and a restore each show in the next GET (with a new ETag) and list page, and an href follows the host the
/// request named, in either API version.
#[tokio::test]
async fn kept_renderings_follow_every_change() {
    let harness = Harness::new().await;
    let (account, token) = harness.account("renderings").await;
    let policy = |description: &str| {
        json!({
            "type": "authorization",
            "description": description,
            "subjects": [{ "attributes": [
                { "name": "accountId", "value": "0123456789abcdef0123456789abcdef" },
                { "name": "serviceName", "value": "is" }, { "name": "resourceType", "value": "vpc" } ] }],
            "roles": [{ "role_id": "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector" }],
            "resources": [{ "attributes": [
                { "name": "accountId", "value": account }, { "name": "serviceName", "value": "is" } ] }]
        })
        .to_string()
    };
    let (status, created) = harness.send(Method::POST, "/v1/policies", Some(&token), Some(&policy("first"))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let by_id = format!("/v1/policies/{id}");
    let read = |host: &'static str, state: &'static str| {
        let list = format!("/v1/policies?account_id={account}&state={state}");
        let (by_id, token) = (by_id.clone(), token.clone());
        let harness = &harness;
        async move {
            let (status, headers, policy) =
                harness.send_with(Method::GET, &by_id, Some(&token), None, &[("host", host)]).await;
            assert_eq!(status, StatusCode::OK, "{policy}");
            let (status, _, page) = harness.send_with(Method::GET, &list, Some(&token), None, &[("host", host)]).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            let listed = page["policies"].as_array().unwrap().iter().find(|p| p["id"] == policy["id"]).unwrap().clone();
            let etag = headers[header::ETAG].to_str().unwrap().to_owned();
            (policy, listed, etag)
        }
    };
    let (first, listed, first_etag) = read("one.example", "active").await;
    assert_eq!((first["description"].as_str(), listed["description"].as_str()), (Some("first"), Some("first")));
    assert!(first["href"].as_str().unwrap().contains("one.example"), "{first}");
    let (again, listed, again_etag) = read("two.example", "active").await;
    assert!(again["href"].as_str().unwrap().contains("two.example"), "the href follows the host: {again}");
    assert!(listed["href"].as_str().unwrap().contains("two.example"), "in a page too: {listed}");
    assert_eq!(first_etag, again_etag);
    // A page's links carry the query as it was sent, though the page itself is the same (creation order is the
    // default order).
    for (filter, sorted) in [("state=active", false), ("state=active&sort=created_at", true)] {
        let paged = format!("/v1/policies?account_id={account}&limit=1&{filter}");
        let (status, page) = harness.send(Method::GET, &paged, Some(&token), None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["first"]["href"].as_str().unwrap().contains("sort=created_at"), sorted, "{page}");
    }

    let replaced = harness
        .send_with(Method::PUT, &by_id, Some(&token), Some(&policy("second")), &[("if-match", first_etag.as_str())])
        .await;
    assert_eq!(replaced.0, StatusCode::OK, "{}", replaced.2);
    let (second, listed, second_etag) = read("one.example", "active").await;
    assert_eq!((second["description"].as_str(), listed["description"].as_str()), (Some("second"), Some("second")));
    assert_ne!(second_etag, first_etag);

    let (status, _) = harness.send(Method::DELETE, &by_id, Some(&token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (deleted, listed, deleted_etag) = read("one.example", "deleted").await;
    assert_eq!((deleted["state"].as_str(), listed["state"].as_str()), (Some("deleted"), Some("deleted")));
    assert_ne!(deleted_etag, second_etag);

    let restore = r#"{"state":"active"}"#;
    let restored = harness
        .send_with(Method::PATCH, &by_id, Some(&token), Some(restore), &[("if-match", deleted_etag.as_str())])
        .await;
    assert_eq!(restored.0, StatusCode::OK, "{}", restored.2);
    let (active, listed, _) = read("one.example", "active").await;
    assert_eq!((active["state"].as_str(), listed["state"].as_str()), (Some("active"), Some("active")));

    let (status, v2) = harness.send(Method::GET, &format!("/v2/policies/{id}"), Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{v2}");
    assert_eq!((v2["description"].as_str(), v2["state"].as_str()), (Some("second"), Some("active")), "{v2}");
    assert!(v2["href"].as_str().unwrap().contains("/v2/policies/"), "{v2}");
}

/// VPCs' read models, their renderings and whole list pages are kept for the world they were read from, yet every
/// read shows the world as it is now: a rename of the VPC, a rename of its default network ACL (another resource its
/// representation names) and a delete each show in the next GET (with a new ETag) and list page; hrefs and links
/// follow the host and the query the request named; and each reader's page is its own.
#[tokio::test]
async fn kept_vpc_reads_follow_every_change() {
    let harness = Harness::new().await;
    let (_, token) = harness.account("kept-vpcs").await;
    let (_, other) = harness.account("kept-vpcs-other").await;
    let create = |token: String, name: &'static str| {
        let harness = &harness;
        async move {
            let body = json!({ "name": name }).to_string();
            let (status, vpc) = harness.send(Method::POST, &format!("/v1/vpcs?{V}"), Some(&token), Some(&body)).await;
            assert_eq!(status, StatusCode::CREATED, "{vpc}");
            vpc
        }
    };
    let alpha = create(token.clone(), "alpha").await;
    let beta = create(token.clone(), "beta").await;
    let elsewhere = create(other.clone(), "elsewhere").await;
    let id = alpha["id"].as_str().unwrap().to_owned();
    let by_id = format!("/v1/vpcs/{id}?{V}");
    let read = |host: &'static str, limit: u32| {
        let (by_id, token) = (by_id.clone(), token.clone());
        let harness = &harness;
        async move {
            let (status, headers, vpc) =
                harness.send_with(Method::GET, &by_id, Some(&token), None, &[("host", host)]).await;
            assert_eq!(status, StatusCode::OK, "{vpc}");
            let list = format!("/v1/vpcs?{V}&limit={limit}");
            let (status, _, page) = harness.send_with(Method::GET, &list, Some(&token), None, &[("host", host)]).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            (vpc, page, headers[header::ETAG].to_str().unwrap().to_owned())
        }
    };
    let names = |page: &Value| -> Vec<String> {
        page["vpcs"].as_array().unwrap().iter().map(|vpc| vpc["name"].as_str().unwrap().to_owned()).collect()
    };

    let (first, page, first_etag) = read("one.example", 10).await;
    assert_eq!(first["name"], "alpha");
    assert_eq!((names(&page), page["total_count"].as_u64()), (vec!["beta".to_owned(), "alpha".to_owned()], Some(2)));
    assert!(first["href"].as_str().unwrap().contains("one.example"), "{first}");
    assert!(page["first"]["href"].as_str().unwrap().contains("one.example"), "{page}");
    let (again, page, again_etag) = read("two.example", 10).await;
    assert!(again["href"].as_str().unwrap().contains("two.example"), "the href follows the host: {again}");
    assert!(page["first"]["href"].as_str().unwrap().contains("two.example"), "so do the links: {page}");
    assert!(page["vpcs"][0]["href"].as_str().unwrap().contains("two.example"), "and the items: {page}");
    assert_eq!(first_etag, again_etag);
    let (_, page, _) = read("two.example", 1).await;
    assert_eq!(names(&page), vec!["beta".to_owned()], "the limit is the request's: {page}");
    assert!(page["first"]["href"].as_str().unwrap().contains("limit=1"), "{page}");
    assert!(page["next"]["href"].as_str().is_some(), "{page}");
    // The same page asked for with another version date: the links carry the query as it was sent.
    let dated = "/v1/vpcs?version=2026-09-01&generation=2&limit=1";
    let (status, _, page) = harness.send_with(Method::GET, dated, Some(&token), None, &[("host", "two.example")]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page["next"]["href"].as_str().unwrap().contains("version=2026-09-01"), "{page}");

    // Each reader's page is its own: the other account and the operator read the same world.
    let list = format!("/v1/vpcs?{V}&limit=10");
    let (_, theirs) = harness.send(Method::GET, &list, Some(&other), None).await;
    assert_eq!(names(&theirs), vec!["elsewhere".to_owned()], "{theirs}");
    let (_, all) = harness.send(Method::GET, &list, Some(&harness.operator), None).await;
    assert_eq!(all["total_count"], 3, "the operator sees every account's: {all}");
    assert!(all["vpcs"].as_array().unwrap().iter().any(|vpc| vpc["id"] == elsewhere["id"]), "{all}");

    let rename = r#"{"name":"alpha-renamed"}"#;
    let (status, renamed) = harness.send(Method::PATCH, &by_id, Some(&token), Some(rename)).await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    let (renamed, page, renamed_etag) = read("one.example", 10).await;
    assert_eq!(renamed["name"], "alpha-renamed");
    assert_eq!(names(&page), vec!["beta".to_owned(), "alpha-renamed".to_owned()]);
    assert_ne!(renamed_etag, first_etag);

    let acl = renamed["default_network_acl"]["id"].as_str().unwrap().to_owned();
    let acl_path = format!("/v1/network_acls/{acl}?{V}");
    let (status, acl) = harness.send(Method::PATCH, &acl_path, Some(&token), Some(r#"{"name":"guarded"}"#)).await;
    assert_eq!(status, StatusCode::OK, "{acl}");
    let (guarded, page, guarded_etag) = read("one.example", 10).await;
    assert_eq!(guarded["default_network_acl"]["name"], "guarded", "{guarded}");
    assert_eq!(page["vpcs"][1]["default_network_acl"]["name"], "guarded", "{page}");
    assert_ne!(guarded_etag, renamed_etag);

    let (status, _) = harness
        .send(Method::DELETE, &format!("/v1/vpcs/{}?{V}", beta["id"].as_str().unwrap()), Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, page, _) = read("one.example", 10).await;
    assert_eq!((names(&page), page["total_count"].as_u64()), (vec!["alpha-renamed".to_owned()], Some(1)));
}
