//! The web console in a real browser: `tests/browser/console.spec.mjs` drives Debian's headless Chromium through
//! playwright-core against a real server holding the seed's hub and spoke accounts.
//!
//! `scripts/test` installs Chromium (`apt-get install chromium`) and playwright-core (`npm ci` in `tests/browser`);
//! without them this test fails, it does not skip. Screenshots of every page land in `target/console-screenshots/`.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{OPERATOR_KEY, Server, repository_root, run_node};
use crate::vpc_rules::{KMS, Net};

#[tokio::test]
async fn console_creates_and_deletes_the_spoke_authorization_in_headless_chromium() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    // The seed before the binding: the hub VPC with its subnet, custom resolver and COS gateway; the spoke VPC.
    let (hub, spoke) = net.two_accounts().await;
    // A gateway in the spoke and a VPC of the hub account that takes no part, so that every page has real rows.
    let (status, gateway) = net.gateway(&net.spoke, &spoke, KMS, "primary").await;
    assert_eq!(status, StatusCode::CREATED, "{gateway}");
    net.ok(&net.hub, Method::POST, "/v1/vpcs", Some(json!({ "name": "lab-vpc" }))).await;

    let root = repository_root();
    let screenshots = root.join("target/console-screenshots");
    let environment = vec![
        ("HUBSPOKE_URL", server.base.clone()),
        ("HUB_APIKEY", net.hub.api_key.clone()),
        ("HUB_ACCOUNT", net.hub.id.clone()),
        ("HUB_VPC", hub["id"].as_str().unwrap().to_owned()),
        ("HUB_VPC_CRN", hub["crn"].as_str().unwrap().to_owned()),
        ("SPOKE_APIKEY", net.spoke.api_key.clone()),
        ("SPOKE_ACCOUNT", net.spoke.id.clone()),
        ("SPOKE_VPC", spoke["id"].as_str().unwrap().to_owned()),
        ("SCREENSHOTS", screenshots.to_string_lossy().into_owned()),
        ("HUBSPOKE_BIN", env!("CARGO_BIN_EXE_hubspoke").to_owned()),
        ("OPERATOR_APIKEY", OPERATOR_KEY.to_owned()),
    ];
    let stdout = run_node("tests/browser", "console.spec.mjs", environment).await;
    assert!(stdout.contains("console: all checks passed"), "{stdout}");
    for page in ["authorizations", "authorizations-new", "iam", "vpcs", "dns", "activity"] {
        for width in [1280, 420] {
            let file = screenshots.join(format!("page-{page}-{width}.png"));
            assert!(std::fs::metadata(&file).is_ok_and(|m| m.len() > 1000), "a screenshot at {}", file.display());
        }
    }
    // The IAM flow: the page with its lists and a refusal at both widths, and a service ID's refusal.
    for name in ["iam-granted-1280", "iam-granted-420", "serviceid-refused-1280", "serviceid-refused-420"] {
        let file = screenshots.join(format!("{name}.png"));
        assert!(std::fs::metadata(&file).is_ok_and(|m| m.len() > 1000), "a screenshot at {}", file.display());
    }
}

#[tokio::test]
async fn console_is_served_with_a_strict_content_security_policy_and_not_listed_as_an_ibm_operation() {
    let server = Server::ephemeral().await;
    let response = server.request(Method::GET, "/console", None, None, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(
        header("content-security-policy").starts_with("default-src 'self'"),
        "{}",
        header("content-security-policy")
    );
    assert_eq!(header("content-type"), "text/html; charset=utf-8");
    let html = response.text().await.unwrap();
    assert!(html.contains("/console/app.js"), "{html}");
    let (status, body) = server.call(Method::GET, "/console/missing.js", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["errors"][0]["code"], "not_found", "an IBM error body: {body}");
    let (_, document) = server.call(Method::GET, "/openapi.json", None, None).await;
    assert!(
        document["paths"].as_object().unwrap().keys().all(|path| !path.starts_with("/console")),
        "the console is not an IBM operation"
    );
}
