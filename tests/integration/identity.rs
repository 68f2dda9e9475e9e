//! The token endpoint as IBM's SDK authenticators and Terraform call it, the JWKS, and token checks on every endpoint.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{OPERATOR_KEY, Server, assert_envelope, parse_body};

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn api_keys_become_rs256_tokens_with_ibm_claims_verifiable_with_the_jwks() {
    let server = Server::ephemeral().await;
    let account = server.account("hub").await;
    // Exactly the Go SDK's form, with Terraform's Basic `bx:bx`.
    let response = server
        .client
        .post(server.url("/identity/token"))
        .basic_auth("bx", Some("bx"))
        .header("accept", "application/json")
        .form(&[
            ("response_type", "cloud_iam"),
            ("grant_type", "urn:ibm:params:oauth:grant-type:apikey"),
            ("apikey", account.api_key.as_str()),
            ("scope", "ibm openid"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let body = parse_body(response).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["refresh_token"], "not_supported");
    let token = body["access_token"].as_str().unwrap();
    let claims = claims(token);
    assert_eq!(claims["account"]["bss"], json!(account.id));
    assert_eq!(claims["client_id"], "bx");
    assert_eq!(claims["iss"], "https://iam.cloud.ibm.com/identity");
    assert_eq!(claims["id"], claims["iam_id"]);
    assert!(claims["sub"].is_string());
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 3600);
    assert_eq!(body["expiration"], claims["exp"]);

    let (status, jwks) = server.call(Method::GET, "/identity/keys", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let key = &jwks["keys"][0];
    assert_eq!((key["kty"].as_str(), key["alg"].as_str()), (Some("RSA"), Some("RS256")));
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    let decoding = DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&["https://iam.cloud.ibm.com/identity"]);
    jsonwebtoken::decode::<Value>(token, &decoding, &validation).expect("the JWKS verifies the token");

    // Without Basic credentials the client id is `default`, as IBM's.
    assert_eq!(claims_of(&server, &account.api_key).await["client_id"], "default");
}

async fn claims_of(server: &Server, api_key: &str) -> Value {
    claims(&server.token(api_key).await)
}

#[tokio::test]
async fn token_errors_use_the_identity_envelope() {
    let server = Server::ephemeral().await;
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("grant_type", "urn:ibm:params:oauth:grant-type:apikey"), ("apikey", "wrong")], "BXNIM0415E"),
        (vec![("apikey", OPERATOR_KEY)], "BXNIM0109E"),
        (vec![("grant_type", "urn:ibm:params:oauth:grant-type:apikey")], "BXNIM0109E"),
        (vec![("grant_type", "refresh_token"), ("refresh_token", "x")], "BXNIM0103E"),
    ];
    for (form, code) in cases {
        let response = server.client.post(server.url("/identity/token")).form(&form).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{form:?}");
        let body = parse_body(response).await;
        assert_eq!(body["errorCode"], code, "{form:?}: {body}");
        assert!(body["errorMessage"].as_str().unwrap().len() > 5);
        assert!(body["context"]["requestId"].is_string());
    }
    let response = server
        .client
        .post(server.url("/identity/token"))
        .body("{}")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn every_protected_endpoint_refuses_missing_and_forged_tokens() {
    let server = Server::ephemeral().await;
    let real = server.operator_token().await;
    let mut parts: Vec<String> = real.split('.').map(str::to_owned).collect();
    let mut payload = claims(&real);
    payload["hubspoke_role"] = json!("operator");
    payload["exp"] = json!(payload["exp"].as_i64().unwrap() + 10);
    parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
    let tampered = parts.join(".");
    let none_alg = format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#), parts[1]);
    let endpoints = [
        (Method::GET, "/v1/policies?account_id=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        (Method::POST, "/v1/policies"),
        (Method::GET, "/v1/policies/some-id"),
        (Method::PUT, "/v1/policies/some-id"),
        (Method::PATCH, "/v1/policies/some-id"),
        (Method::DELETE, "/v1/policies/some-id"),
        (Method::GET, "/v2/policies?account_id=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        (Method::POST, "/v2/policies"),
        (Method::GET, "/v2/policies/some-id"),
        (Method::PUT, "/v2/policies/some-id"),
        (Method::DELETE, "/v2/policies/some-id"),
        (Method::GET, "/v2/roles"),
        (Method::GET, "/v2/roles/some-id"),
        (Method::POST, "/_hubspoke/accounts"),
        (Method::GET, "/_hubspoke/accounts"),
        (Method::POST, "/access/v1/evaluation"),
        (Method::POST, "/access/v1/evaluations"),
    ];
    let bad_headers = [
        None,
        Some("Bearer".to_owned()),
        Some("Bearer garbage".to_owned()),
        Some(format!("Basic {real}")),
        Some(format!("Bearer {tampered}")),
        Some(format!("Bearer {none_alg}")),
    ];
    for (method, path) in endpoints {
        for header in &bad_headers {
            let mut request = server.client.request(method.clone(), server.url(path)).body("{}");
            if let Some(header) = header {
                request = request.header("authorization", header);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{method} {path} with {header:?}");
            let body = parse_body(response).await;
            assert_envelope(&body, StatusCode::UNAUTHORIZED, "invalid_token");
            assert_eq!(body["errors"][0]["message"], "The provided IAM token is invalid.");
        }
    }
    let (status, body) = server.call(Method::GET, "/_hubspoke/health", None, None).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("ok")));
}

#[tokio::test]
async fn operator_endpoints_refuse_account_tokens() {
    let server = Server::ephemeral().await;
    let account = server.account("a").await;
    let (status, body) =
        server.call(Method::POST, "/_hubspoke/accounts", Some(&account.token), Some(json!({ "name": "b" }))).await;
    assert_envelope(&body, status, "insufficent_permissions");
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = server.call(Method::GET, "/_hubspoke/accounts", Some(&account.token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let operator = server.operator_token().await;
    let (status, body) = server.call(Method::GET, "/_hubspoke/accounts", Some(&operator), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["accounts"][0]["id"], json!(account.id));
    assert!(body["accounts"][0].get("apikey").is_none(), "keys are shown only at creation");
    for name in ["", "   ", &"n".repeat(101), "bad\u{7}name"] {
        let (status, body) =
            server.call(Method::POST, "/_hubspoke/accounts", Some(&operator), Some(json!({ "name": name }))).await;
        assert_envelope(&body, status, "invalid_body");
    }
}

#[tokio::test]
async fn failed_exchanges_are_throttled_per_address() {
    let server = Server::start(&["--ephemeral", "--login-attempts", "3"], None).await;
    let exchange = |apikey: &'static str| {
        let request = server.client.post(server.url("/identity/token"));
        async move {
            request
                .form(&[("grant_type", "urn:ibm:params:oauth:grant-type:apikey"), ("apikey", apikey)])
                .send()
                .await
                .unwrap()
        }
    };
    // The right key between the wrong ones neither counts nor resets the count.
    let mut token = String::new();
    for apikey in ["wrong-1", "wrong-2", OPERATOR_KEY, "wrong-3"] {
        let response = exchange(apikey).await;
        let expected = if apikey == OPERATOR_KEY { StatusCode::OK } else { StatusCode::BAD_REQUEST };
        assert_eq!(response.status(), expected, "{apikey}");
        if apikey == OPERATOR_KEY {
            token = parse_body(response).await["access_token"].as_str().unwrap().to_owned();
        }
    }
    // Past the limit every exchange from this address is refused, the right key too, with when to come back.
    for apikey in ["wrong-4", OPERATOR_KEY] {
        let response = exchange(apikey).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "{apikey}");
        let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        let body = parse_body(response).await;
        assert_eq!(body["errorCode"], "too_many_requests", "{body}");
        assert!(body["context"]["requestId"].is_string());
    }
    // Tokens already issued keep working; only the exchange is throttled.
    let (status, _) = server.call(Method::GET, "/_hubspoke/accounts", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
}
