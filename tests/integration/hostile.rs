//! A sweep of hostile input over every endpoint: only 4xx answers, always in the IBM envelope, and the server stays up.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Server, XorShift, parse_body, seed_policy};

fn hostile_bodies(valid: &Value) -> Vec<(String, Vec<u8>)> {
    let text = valid.to_string();
    let mut random = XorShift(0x5eed_1234_abcd_ef01);
    let mut bodies = vec![
        ("empty".to_owned(), Vec::new()),
        ("truncated".to_owned(), text.as_bytes()[..text.len() / 2].to_vec()),
        ("not json".to_owned(), b"hello".to_vec()),
        ("json array".to_owned(), b"[1,2,3]".to_vec()),
        ("json null".to_owned(), b"null".to_vec()),
        ("json string".to_owned(), b"\"policy\"".to_vec()),
        ("trailing garbage".to_owned(), format!("{text} trailing").into_bytes()),
        ("bad utf-8".to_owned(), [b"{\"type\":\"".as_slice(), &[0xff, 0xfe, 0xc3], b"\"}"].concat()),
        ("deep nesting".to_owned(), format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes()),
        ("huge number".to_owned(), format!("{{\"type\": 1{}}}", "0".repeat(5000)).into_bytes()),
        ("ten megabytes".to_owned(), vec![b' '; 10 * 1024 * 1024]),
        ("nul bytes".to_owned(), b"{\"type\":\"authorization\x00\"}".to_vec()),
    ];
    for n in 0..8 {
        let length = (random.next() % 2048) as usize;
        bodies.push((format!("random {n}"), random.bytes(length)));
    }
    // Wrong types for every top-level field of the valid body.
    for field in valid.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
        for wrong in [json!(null), json!(42), json!("text"), json!([]), json!({}), json!(true)] {
            let mut body = valid.clone();
            body[&field] = wrong.clone();
            bodies.push((format!("{field} = {wrong}"), body.to_string().into_bytes()));
        }
    }
    bodies
}

#[tokio::test]
async fn hostile_bodies_get_4xx_envelopes_everywhere() {
    let mut server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let valid = seed_policy("0123456789abcdef0123456789abcdef", "r006-spoke", &hub.id, "r006-hub");
    let (_, created) = server.call(Method::POST, "/v1/policies", Some(&hub.token), Some(valid.clone())).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let vpc = crate::vpc_rules::Net::new(&server).await;
    let spoke_vpc = vpc.vpc(&vpc.spoke, "hostile-target", false).await;
    let vpc_id = spoke_vpc["id"].as_str().unwrap().to_owned();
    let v = "version=2026-10-06";
    let endpoints = [
        (Method::POST, format!("/v1/vpcs?{v}")),
        (Method::PATCH, format!("/v1/vpcs/{vpc_id}?{v}")),
        (Method::POST, format!("/v1/subnets?{v}")),
        (Method::POST, format!("/v1/endpoint_gateways?{v}")),
        (Method::POST, format!("/v1/vpcs/{vpc_id}/dns_resolution_bindings?{v}")),
        (Method::POST, vpc.resolvers_path(&vpc.hub).await),
        (Method::POST, "/v1/policies".to_owned()),
        (Method::PUT, format!("/v1/policies/{id}")),
        (Method::PATCH, format!("/v1/policies/{id}")),
        (Method::POST, "/v2/policies".to_owned()),
        (Method::PUT, format!("/v2/policies/{id}")),
        (Method::POST, "/_hubspoke/accounts".to_owned()),
        (Method::POST, "/access/v1/evaluation".to_owned()),
        (Method::POST, "/access/v1/evaluations".to_owned()),
        (Method::POST, "/identity/token".to_owned()),
    ];
    let operator = server.operator_token().await;
    let mut checked = 0;
    for (method, path) in &endpoints {
        for (name, body) in hostile_bodies(&valid) {
            for content_type in ["application/json", "application/x-www-form-urlencoded"] {
                let token = if path.starts_with("/_hubspoke") {
                    &operator
                } else if path.contains(&vpc_id)
                    || path.starts_with("/v1/vpcs")
                    || path.starts_with("/v1/subnets")
                    || path.starts_with("/v1/endpoint")
                {
                    &vpc.spoke.token
                } else {
                    &hub.token
                };
                let request = server
                    .client
                    .request(method.clone(), server.url(path))
                    .bearer_auth(token)
                    .header("content-type", content_type)
                    .header("if-match", "*")
                    .body(body.clone());
                let response = match request.send().await {
                    Ok(response) => response,
                    // The server may answer 413 and close before a 10 MB body is fully sent.
                    Err(error) if body.len() > crate::support::MAX_TEST_BODY => {
                        assert!(error.is_request() || error.is_body(), "{method} {path} {name}: {error}");
                        continue;
                    }
                    Err(error) => panic!("{method} {path} {name}: {error}"),
                };
                let status = response.status();
                let answer = parse_body(response).await;
                // Every field of a VPC create or merge-patch is optional, so any JSON object is a valid body there.
                let any_object_is_valid =
                    path.starts_with("/v1/vpcs?") || path.starts_with(&format!("/v1/vpcs/{vpc_id}?"));
                let accepted = any_object_is_valid && status.is_success();
                assert!(
                    status.is_client_error() || accepted,
                    "{method} {path} with {name} ({content_type}): {status} {answer}"
                );
                if accepted {
                    checked += 1;
                    continue;
                }
                if path == "/identity/token" {
                    assert!(answer["errorCode"].is_string(), "{name}: {answer}");
                } else {
                    assert_eq!(answer["status_code"], json!(status.as_u16()), "{method} {path} {name}: {answer}");
                    assert!(answer["errors"][0]["code"].is_string() && answer["trace"].is_string(), "{answer}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "only {checked} requests were checked");
    // The VPC the sweep aimed at is unchanged.
    let (_, after) = vpc.call(&vpc.spoke, Method::GET, &format!("/v1/vpcs/{vpc_id}"), None).await;
    assert!(after["id"].is_string(), "the VPC is still readable: {after}");
    assert!(server.alive());
    let (status, health) = server.call(Method::GET, "/_hubspoke/health", None, None).await;
    assert_eq!((status, health["status"].as_str()), (StatusCode::OK, Some("ok")));
    // Nothing hostile was half-written: the one policy is intact.
    let (status, policy) = server.call(Method::GET, &format!("/v1/policies/{id}"), Some(&hub.token), None).await;
    assert_eq!((status, &policy["subjects"]), (StatusCode::OK, &valid["subjects"]));
}

#[tokio::test]
async fn hostile_paths_headers_and_queries_get_4xx_envelopes() {
    let mut server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let long = "x".repeat(4000);
    let paths = [
        "/v1/policies/%ff%fe".to_owned(),
        "/v1/policies/..%2F..%2Fetc".to_owned(),
        format!("/v1/policies/{long}"),
        format!("/v1/policies?account_id={}&limit=99999999999999999999999", hub.id),
        format!("/v1/policies?account_id={}&start=%ff", hub.id),
        "/v1/policies?account_id=%00".to_owned(),
        "/v2/roles?service_name=%ff".to_owned(),
        "/nope".to_owned(),
        "/v1/policies/".to_owned(),
    ];
    for path in &paths {
        let (status, body) = server.call(Method::GET, path, Some(&hub.token), None).await;
        assert!(status.is_client_error(), "{path}: {status}");
        assert_eq!(body["status_code"], json!(status.as_u16()), "{path}: {body}");
    }
    let (status, body) = server.call(Method::DELETE, "/v2/roles", Some(&hub.token), None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["errors"][0]["code"], "method_not_allowed");
    for transaction in ["", "bad value with spaces", &"t".repeat(500)] {
        let response =
            server.request(Method::GET, "/_hubspoke/health", None, None, &[("Transaction-Id", transaction)]).await;
        let echoed = response.headers()["transaction-id"].to_str().unwrap().to_owned();
        assert!(echoed.len() == 32 && echoed != transaction, "an unusable Transaction-Id is replaced");
    }
    assert!(server.alive());
}

/// Writes `request` on a fresh connection and reads until the server closes it (or 10 s pass, which fails).
async fn exchange_raw(server: &Server, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = server.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut reply = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_end(&mut reply))
        .await
        .expect("the server closes a stalled connection")
        .ok();
    String::from_utf8_lossy(&reply).into_owned()
}

#[tokio::test]
async fn slow_and_oversized_clients_are_cut_off() {
    let server = Server::start(&["--ephemeral", "--client-timeout", "500ms"], None).await;
    let token = server.operator_token().await;

    // Headers that never end: the connection is closed, with nothing to answer.
    let reply = exchange_raw(&server, b"GET /_hubspoke/health HTTP/1.1\r\nHost: hubspoke\r\nX-Slow: ").await;
    assert_eq!(reply, "", "{reply}");

    // A body that never arrives: a clear 400 in the IBM envelope, then the connection is closed.
    let request = format!(
        "POST /_hubspoke/accounts HTTP/1.1\r\nHost: hubspoke\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\":"
    );
    let reply = exchange_raw(&server, request.as_bytes()).await;
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert!(reply.contains(r#""code":"invalid_body""#) && reply.contains("timeout"), "{reply}");

    // Too many header bytes, in one header or in many: 431 before any handler runs.
    let big = format!("GET /_hubspoke/health HTTP/1.1\r\nHost: hubspoke\r\nX-Big: {}\r\n\r\n", "a".repeat(100_000));
    let many: String = (0..3000).map(|n| format!("X-Header-{n}: {n}\r\n")).collect();
    let many = format!("GET /_hubspoke/health HTTP/1.1\r\nHost: hubspoke\r\n{many}\r\n");
    for request in [big, many] {
        let reply = exchange_raw(&server, request.as_bytes()).await;
        assert!(reply.starts_with("HTTP/1.1 431"), "{}", &reply[..reply.len().min(200)]);
    }

    // Nothing was created by the stalled body, and the server still serves.
    let (status, accounts) = server.call(Method::GET, "/_hubspoke/accounts", Some(&token), None).await;
    assert_eq!((status, accounts["accounts"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)));
}

/// Input IBM refuses is refused here too, each with a 400 in the envelope: impossible dates, duplicate JSON keys in
/// every kind of body, and names or descriptions carrying NUL, line breaks or bidirectional overrides.
#[tokio::test]
async fn impossible_dates_duplicate_keys_and_control_characters_are_refused() {
    let server = Server::ephemeral().await;
    let net = crate::vpc_rules::Net::new(&server).await;
    let vpc = net.vpc(&net.spoke, "plain", false).await;
    let vpc_id = vpc["id"].as_str().unwrap().to_owned();
    let subnet = net.subnet(&net.spoke, &vpc_id, "us-south-1").await;
    let subnet_id = subnet["id"].as_str().unwrap().to_owned();
    let operator = server.operator_token().await;
    let v = "version=2026-10-06&generation=2";
    let policy = seed_policy("0123456789abcdef0123456789abcdef", "r006-spoke", &net.hub.id, "r006-hub").to_string();
    let with_description = |text: &str| {
        let mut body: Value = serde_json::from_str(&policy).unwrap();
        body["description"] = Value::from(text);
        body.to_string()
    };
    // (what, method, path, caller, raw body).
    let spoke = net.spoke.token.as_str();
    let hub = net.hub.token.as_str();
    let rows: Vec<(&str, Method, String, &str, String)> = vec![
        ("30 February", Method::GET, "/v1/vpcs?version=2025-02-30&generation=2".into(), spoke, String::new()),
        ("month 13", Method::GET, "/v1/vpcs?version=2025-13-01&generation=2".into(), spoke, String::new()),
        ("duplicate VPC name", Method::POST, format!("/v1/vpcs?{v}"), spoke, r#"{"name":"a","name":"b"}"#.into()),
        (
            "duplicate key in a VPC patch",
            Method::PATCH,
            format!("/v1/vpcs/{vpc_id}?{v}"),
            spoke,
            r#"{"name":"a","name":"b"}"#.into(),
        ),
        (
            "duplicate key in a subnet patch",
            Method::PATCH,
            format!("/v1/subnets/{subnet_id}?{v}"),
            spoke,
            r#"{"name":"a","name":"b"}"#.into(),
        ),
        (
            "duplicate key nested in a subnet",
            Method::POST,
            format!("/v1/subnets?{v}"),
            spoke,
            format!(
                r#"{{"vpc":{{"id":"{vpc_id}","id":"x"}},"zone":{{"name":"us-south-2"}},"total_ipv4_address_count":256}}"#
            ),
        ),
        ("NUL in a VPC name", Method::POST, format!("/v1/vpcs?{v}"), spoke, r#"{"name":"a\u0000b"}"#.into()),
        ("CR in a VPC name", Method::POST, format!("/v1/vpcs?{v}"), spoke, r#"{"name":"a\rb"}"#.into()),
        (
            "LF in a subnet name",
            Method::PATCH,
            format!("/v1/subnets/{subnet_id}?{v}"),
            spoke,
            r#"{"name":"a\nb"}"#.into(),
        ),
        (
            "bidi override in a VPC name",
            Method::POST,
            format!("/v1/vpcs?{v}"),
            spoke,
            "{\"name\":\"a\u{202e}b\"}".into(),
        ),
        (
            "bidi override in a custom resolver name",
            Method::POST,
            net.resolvers_path(&net.spoke).await,
            spoke,
            "{\"name\":\"r\u{2066}x\",\"locations\":[]}".into(),
        ),
        ("NUL in a policy description", Method::POST, "/v1/policies".into(), hub, with_description("a\u{0}b")),
        (
            "bidi override in a policy description",
            Method::POST,
            "/v1/policies".into(),
            hub,
            with_description("\u{202e}x"),
        ),
        (
            "LF in an account name",
            Method::POST,
            "/_hubspoke/accounts".into(),
            operator.as_str(),
            r#"{"name":"two\nlines"}"#.into(),
        ),
    ];
    for (what, method, path, token, body) in rows {
        let mut request = server.client.request(method.clone(), server.url(&path)).bearer_auth(token);
        if !body.is_empty() {
            request = request.header("content-type", "application/json").body(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let answer = parse_body(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {method} {path}: {answer}");
        assert_eq!(answer["status_code"], 400, "{what}: {answer}");
        assert!(answer["errors"][0]["message"].is_string() && answer["trace"].is_string(), "{what}: {answer}");
    }
    // Nothing was written: the account still has one VPC and one subnet, with their names.
    let (_, vpcs) = net.call(&net.spoke, Method::GET, "/v1/vpcs", None).await;
    assert_eq!(vpcs["vpcs"].as_array().unwrap().len(), 1, "{vpcs}");
    let (_, kept) = net.call(&net.spoke, Method::GET, &format!("/v1/subnets/{subnet_id}"), None).await;
    assert_eq!(kept["name"], subnet["name"]);
}

/// Page tokens name a position, not an offset: deleting an item of the page just read, or creating one before the
/// next, neither skips nor repeats anything on the following page.
#[tokio::test]
async fn page_tokens_neither_skip_nor_repeat_when_the_collection_changes() {
    let server = Server::ephemeral().await;
    let net = crate::vpc_rules::Net::new(&server).await;
    for n in 0..6 {
        net.vpc(&net.spoke, &format!("vpc-{n}"), false).await;
    }
    let names = |page: &Value| -> Vec<String> {
        page["vpcs"].as_array().unwrap().iter().map(|vpc| vpc["name"].as_str().unwrap().to_owned()).collect()
    };
    let (_, all) = net.call(&net.spoke, Method::GET, "/v1/vpcs?limit=50", None).await;
    let order = names(&all);
    let (_, first) = net.call(&net.spoke, Method::GET, "/v1/vpcs?limit=2", None).await;
    assert_eq!(names(&first), order[..2]);
    // The first page's items go away and a new VPC appears; the next page starts right after what was read.
    for vpc in first["vpcs"].as_array().unwrap() {
        net.ok(&net.spoke, Method::DELETE, &format!("/v1/vpcs/{}", vpc["id"].as_str().unwrap()), None).await;
    }
    net.vpc(&net.spoke, "vpc-new", false).await;
    let next = first["next"]["href"].as_str().unwrap();
    let (status, second) = net.call(&net.spoke, Method::GET, &next[next.find("/v1/").unwrap()..], None).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(names(&second), order[2..4], "the page after the first two, as first listed");

    // The same for policies.
    let mut ids = Vec::new();
    for n in 0..5 {
        let body = seed_policy("0123456789abcdef0123456789abcdef", &format!("r006-spoke-{n}"), &net.hub.id, "r006-hub");
        let (status, created) = server.call(Method::POST, "/v1/policies", Some(&net.hub.token), Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    let policy_ids = |page: &Value| -> Vec<String> {
        page["policies"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect()
    };
    let path = "/v1/policies?account_id={account}&type=authorization&limit=2&sort=id".replace("{account}", &net.hub.id);
    let (_, first) = server.call(Method::GET, &path, Some(&net.hub.token), None).await;
    ids.sort();
    assert_eq!(policy_ids(&first), ids[..2]);
    server.call(Method::DELETE, &format!("/v1/policies/{}", ids[0]), Some(&net.hub.token), None).await;
    let next = first["next"]["href"].as_str().unwrap();
    let (_, second) = server.call(Method::GET, &next[next.find("/v1/").unwrap()..], Some(&net.hub.token), None).await;
    assert_eq!(policy_ids(&second), ids[2..4], "{second}");
}
