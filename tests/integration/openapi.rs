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
