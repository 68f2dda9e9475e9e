//! The provider's `ibm_dns_custom_resolver` (its read lists the forwarding rules), `ibm_dns_custom_resolver_forwarding_rule`
//! and `ibm_dns_custom_resolver_secondary_zone`, replayed as the provider sends them.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::provider_init;
use crate::support::Server;

/// Every member the provider dereferences on read is present (a missing one crashes it).
fn assert_members(value: &Value, members: &[&str]) {
    for member in members {
        assert!(value.get(*member).is_some_and(|v| !v.is_null()), "`{member}` in {value}");
    }
}

async fn subnet_crns(server: &Server, token: &str) -> Vec<String> {
    let path = "/v1/vpcs?version=2026-10-06&generation=2";
    let (status, vpc) = server.call(Method::POST, path, Some(token), Some(json!({ "name": "hub-vpc" }))).await;
    assert_eq!(status, StatusCode::CREATED, "{vpc}");
    let mut crns = Vec::new();
    for zone in ["us-south-1", "us-south-2"] {
        let body = json!({ "vpc": { "id": vpc["id"] }, "zone": { "name": zone }, "total_ipv4_address_count": 256 });
        let path = "/v1/subnets?version=2026-10-06&generation=2";
        let (status, subnet) = server.call(Method::POST, path, Some(token), Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{subnet}");
        crns.push(subnet["crn"].as_str().unwrap().to_owned());
    }
    crns
}

#[tokio::test]
async fn ibm_dns_custom_resolver_and_its_forwarding_rules_and_secondary_zones() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let (token, _) = provider_init(&server, &hub.api_key).await;
    let token = token.as_str();
    let subnets = subnet_crns(&server, token).await;
    // The instance comes first, as `ibm_resource_instance` creates it (the landing zone's replay has its requests).
    let body = json!({ "name": "tf-dns-instance", "target": "global", "resource_plan_id": "standard-dns" });
    let (status, instance) = server.call(Method::POST, "/v2/resource_instances", Some(token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{instance}");
    let resolvers = format!("/v1/instances/{}/custom_resolvers", instance["guid"].as_str().unwrap());

    // ibm_dns_custom_resolver create: POST with `description: ""`, the profile and disabled locations' flags as
    // configured, then PATCH `enabled: true` (retried by the provider until it succeeds), then read.
    let locations: Vec<Value> = subnets.iter().map(|crn| json!({ "subnet_crn": crn, "enabled": true })).collect();
    let body = json!({ "name": "hub-resolver", "description": "", "profile": "essential", "locations": locations });
    let (status, created) = server.call(Method::POST, &resolvers, Some(token), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let resolver = created["id"].as_str().unwrap().to_owned();
    let path = format!("{resolvers}/{resolver}");
    let (status, _) = server.call(Method::PATCH, &path, Some(token), Some(json!({ "enabled": true }))).await;
    assert_eq!(status, StatusCode::OK);

    // Read: GET the resolver, then the forwarding rule list; every member it dereferences is there.
    let read = |path: String| {
        let server = &server;
        async move {
            let (status, body) = server.call(Method::GET, &path, Some(token), None).await;
            (status, body)
        }
    };
    let (status, got) = read(path.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_members(&got, &["description", "health", "enabled", "profile", "allow_disruptive_updates", "locations"]);
    for location in got["locations"].as_array().unwrap() {
        assert_members(location, &["id", "subnet_crn", "enabled", "healthy", "dns_server_ip"]);
    }
    let (status, rules) = read(format!("{path}/forwarding_rules")).await;
    assert_eq!(status, StatusCode::OK);
    for rule in rules["forwarding_rules"].as_array().unwrap() {
        assert_members(rule, &["id", "description", "type", "match", "views"]);
    }
    assert_eq!(rules["forwarding_rules"][0]["type"], "default");

    // ibm_dns_custom_resolver_forwarding_rule create: POST with `description` always present.
    let rules_path = format!("{path}/forwarding_rules");
    let body = json!({ "description": "", "type": "zone", "match": "onprem.example.com", "forward_to": ["10.10.0.7"] });
    let (status, rule) = server.call(Method::POST, &rules_path, Some(token), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{rule}");
    let rule_path = format!("{rules_path}/{}", rule["id"].as_str().unwrap());
    let (status, got) = read(rule_path.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_members(&got, &["description", "type", "match"]);
    // Update: both lists always sent, one possibly empty; `match` never sent.
    let views = json!([{ "name": "spokes", "description": "", "expression": "ipInRange(source.ip, '10.20.0.0/16')", "forward_to": ["10.10.0.8"] }]);
    let body = json!({ "description": "on-premises", "forward_to": [], "views": views });
    let (status, updated) = server.call(Method::PATCH, &rule_path, Some(token), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!((&updated["match"], &updated["forward_to"]), (&json!("onprem.example.com"), &json!([])));
    let (_, rules) = read(rules_path.clone()).await;
    for view in rules["forwarding_rules"][1]["views"].as_array().unwrap() {
        assert_members(view, &["name", "expression", "description"]);
    }
    // A `type` left unset reaches the API as `""`, which is refused.
    let body = json!({ "description": "", "type": "", "match": "other.example.com", "forward_to": ["10.10.0.7"] });
    let (status, _) = server.call(Method::POST, &rules_path, Some(token), Some(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // ibm_dns_custom_resolver_secondary_zone: create, read (the provider splits `ip:port`), update with all three
    // fields after a GET, delete.
    let zones_path = format!("{path}/secondary_zones");
    let body =
        json!({ "zone": "legacy.example.com", "transfer_from": ["10.10.0.9"], "description": "", "enabled": true });
    let (status, zone) = server.call(Method::POST, &zones_path, Some(token), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{zone}");
    let zone_path = format!("{zones_path}/{}", zone["id"].as_str().unwrap());
    let (status, got) = read(zone_path.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_members(&got, &["description", "zone", "id", "enabled"]);
    let addresses: Vec<&str> = got["transfer_from"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().split(':').next().unwrap())
        .collect();
    assert_eq!(addresses, ["10.10.0.9"]);
    let body = json!({ "transfer_from": ["10.10.0.9", "10.10.0.10"], "description": "legacy", "enabled": false });
    let (status, updated) = server.call(Method::PATCH, &zone_path, Some(token), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["transfer_from"], json!(["10.10.0.9:53", "10.10.0.10:53"]));
    let (status, _) = server.call(Method::DELETE, &zone_path, Some(token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(read(zone_path).await.0, StatusCode::NOT_FOUND, "404 on read means removed");

    // The forwarding rule's delete, then the resolver's: PATCH `enabled: false`, then DELETE.
    let (status, _) = server.call(Method::DELETE, &rule_path, Some(token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(read(rule_path).await.0, StatusCode::NOT_FOUND);
    let (status, _) = server.call(Method::PATCH, &path, Some(token), Some(json!({ "enabled": false }))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server.call(Method::DELETE, &path, Some(token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(read(path).await.0, StatusCode::NOT_FOUND);
}
