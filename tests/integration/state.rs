//! `GET/PUT /_hubspoke/state` and `hubspoke state save|load`: a whole world saved from one server loads into another
//! (API keys, policies, VPC resources and their DNS answers included), and a state that breaks a rule is refused
//! whole.

use std::process::Command;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::{OPERATOR_KEY, Server};
use crate::vpc_rules::{Net, with_version};

const COS_NAME: &str = "s3.direct.us-south.cloud-object-storage.appdomain.cloud";

fn hubspoke(server: &Server, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_hubspoke"))
        .args(args)
        .env("HUBSPOKE_ENDPOINT", &server.base)
        .env("HUBSPOKE_APIKEY", OPERATOR_KEY)
        .env("HUBSPOKE_CONFIG_DIR", std::env::temp_dir().join(format!("hubspoke-state-test-{}", std::process::id())))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{args:?}: {stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

/// The addresses the spoke's resolver answers for the hub's COS gateway, as the lookup endpoint says.
async fn answers(server: &Server, token: &str, spoke: &str) -> Vec<Value> {
    let path = format!("/_hubspoke/vpcs/{spoke}/dns_lookup?name={COS_NAME}");
    let (status, body) = server.call(Method::GET, &path, Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["answers"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_saved_world_loads_into_another_server_whole() {
    let first = Server::ephemeral().await;
    let net = Net::new(&first).await;
    let (_, spoke, _, _) = net.bound().await;
    let spoke_id = spoke["id"].as_str().unwrap();
    let (status, _) =
        net.delegate(&net.spoke, &spoke, &net.ok(&net.hub, Method::GET, "/v1/vpcs", None).await["vpcs"][0]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answers(&first, &net.spoke.token, spoke_id).await.len(), 1);

    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("world.json");
    let saved = hubspoke(&first, &["state", "save", file.to_str().unwrap()]);
    assert!(saved.contains("Saved ") && saved.contains(" rows of "), "{saved}");
    let document: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(document["format"], "hubspoke-state");

    // Another server, with its own operator key and signing key, takes the world whole: the accounts' keys work,
    // the VPCs are there, and the spoke resolves through the hub.
    let second = Server::ephemeral().await;
    let loaded = hubspoke(&second, &["state", "load", file.to_str().unwrap(), "-f"]);
    assert!(loaded.contains("Loaded at revision"), "{loaded}");
    let spoke_token = second.token(&net.spoke.api_key).await;
    let (status, vpcs) = second.call(Method::GET, &with_version("/v1/vpcs"), Some(&spoke_token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(vpcs["vpcs"][0]["id"], spoke["id"]);
    assert_eq!(vpcs["vpcs"][0]["dns"]["resolver"]["type"], "delegated");
    assert_eq!(answers(&second, &spoke_token, spoke_id).await.len(), 1);
    let hub_token = second.token(&net.hub.api_key).await;
    let (_, policies) =
        second.call(Method::GET, &format!("/v1/policies?account_id={}", net.hub.id), Some(&hub_token), None).await;
    assert_eq!(policies["policies"].as_array().unwrap().len(), 1, "{policies}");

    // A state whose world breaks a rule (the spoke's subnet outside every prefix) is refused whole.
    let mut broken = document.clone();
    let tables = broken["tables"].as_array_mut().unwrap();
    let prefixes = tables.iter_mut().find(|t| t["name"] == "address_prefixes").unwrap();
    prefixes["rows"] = Value::Array(Vec::new());
    let operator = second.operator_token().await;
    let (status, refused) = second.call(Method::PUT, "/_hubspoke/state", Some(&operator), Some(broken)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["errors"][0]["code"], "invalid_state");
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("(rule P8)"), "{refused}");
    assert_eq!(answers(&second, &spoke_token, spoke_id).await.len(), 1, "nothing was written");

    // Another version, and another document, are refused before anything is read.
    let mut older = document.clone();
    older["version"] = Value::from(1);
    let (status, refused) = second.call(Method::PUT, "/_hubspoke/state", Some(&operator), Some(older)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("schema version 1"), "{refused}");
    let (status, _) =
        second.call(Method::PUT, "/_hubspoke/state", Some(&operator), Some(serde_json::json!({ "tables": [] }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Only the operator saves or loads.
    let (status, _) = second.call(Method::GET, "/_hubspoke/state", Some(&spoke_token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
