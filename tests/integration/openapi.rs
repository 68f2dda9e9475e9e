//! `GET /openapi.json`: an OpenAPI 3.1 document naming every operation the server routes, each of which answers.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::{Server, parse_body};

#[tokio::test]
async fn the_document_lists_every_operation_and_every_one_is_routed() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let response = server.client.get(server.url("/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let document = parse_body(response).await;
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"), "{}", document["openapi"]);
    assert!(document["components"]["securitySchemes"]["iam_token"].is_object());

    let mut operations = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            assert!(operation["operationId"].is_string() && operation["responses"].is_object(), "{method} {path}");
            // Call it with placeholder path parameters and its required query parameters: whatever the answer, it
            // must come from the operation, not from the router's fallbacks.
            let mut url = path.replace(['{', '}'], "");
            let required: Vec<String> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query" && p["required"] == true)
                .map(|p| {
                    let name = p["name"].as_str().unwrap();
                    let value = match name {
                        "version" => "2026-10-06".to_owned(),
                        "account_id" => hub.id.clone(),
                        _ => "x".to_owned(),
                    };
                    format!("{name}={value}")
                })
                .collect();
            if !required.is_empty() {
                url = format!("{url}?{}", required.join("&"));
            }
            let response = server
                .client
                .request(method.clone(), server.url(&url))
                .bearer_auth(&hub.token)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body: Value = parse_body(response).await;
            let message = body["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(status != StatusCode::METHOD_NOT_ALLOWED, "{method} {url}: {body}");
            assert!(!message.starts_with("no operation is served"), "{method} {url}: {body}");
            assert!(!status.is_server_error(), "{method} {url}: {status} {body}");
            operations += 1;
        }
    }
    assert!(operations >= 60, "only {operations} operations are documented");
}

/// schemathesis generates requests for every operation of the document — from the schemas, at their boundaries, and
/// in stateful sequences — as the operator and as an account administrator: no answer may be a 5xx. Bounded by
/// `--max-examples` and a fixed seed, so a failure replays. The two runs go at once: each is one single-threaded
/// Python process, and this test is the suite's longest.
#[tokio::test]
async fn schemathesis_finds_no_server_error_in_any_operation() {
    let server = Server::start(&["--ephemeral", "--login-attempts", "0"], None).await;
    let account = server.account("schemathesis").await;
    let operator = server.operator_token().await;
    let runs: Vec<_> = [("operator", operator, "1"), ("account", account.token.clone(), "2")]
        .into_iter()
        .map(|(who, token, seed)| {
            let schema = server.url("/openapi.json");
            let authorization = format!("Authorization: Bearer {token}");
            let output = std::process::Command::new("schemathesis")
                .args(["run", &schema, "--checks", "not_a_server_error", "--max-examples", "15", "--seed", seed])
                .args(["--header", &authorization, "--request-timeout", "10", "--no-color"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("schemathesis runs (scripts/test installs it from tests/schemathesis/requirements.txt)");
            (who, tokio::task::spawn_blocking(move || output.wait_with_output()))
        })
        .collect();
    for (who, run) in runs {
        let output = run.await.unwrap().expect("schemathesis finishes");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "schemathesis as the {who} found failures:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // The figures docs/RELIABILITY.md reports.
        let summary = stdout
            .lines()
            .filter(|line| line.contains(" generated, ") || line.trim_start().starts_with("Tested:"))
            .collect::<Vec<_>>();
        println!("schemathesis as the {who}: {}", summary.join("; "));
        // Every operation schemathesis loaded is tested, however many the table holds.
        let count_after = |label: &str| -> usize {
            stdout
                .split(label)
                .nth(1)
                .map(|rest| rest.trim_start())
                .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|digits| digits.parse().ok())
                .unwrap_or_default()
        };
        let (loaded, tested) = (count_after("Operations:"), count_after("Tested:"));
        assert!(loaded >= 70 && tested == loaded, "every operation is tested: {stdout}");
    }
}
