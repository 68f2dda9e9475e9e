//! The IBM Terraform provider's request sequences for `ibm_tg_gateway` and `ibm_tg_connection`, replayed: the
//! landing zone's local gateway with its hub and spoke VPCs (manual, non-overlapping prefixes), and the refusal a
//! configuration meets when both VPCs keep their `auto` prefixes.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Account, Server};
use crate::transit_gateways::{manual_vpc, tg};
use crate::vpc_rules::Net;

/// The provider's create waiters: `GET` until `status` is one of `done` (failing on `failed`).
async fn wait_for(server: &Server, who: &Account, path: &str, done: &str) -> Value {
    let started = Instant::now();
    loop {
        let (status, body) = tg(server, who, Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        match body["status"].as_str() {
            Some(status) if status == done => return body,
            Some("failed") => panic!("{path} failed: {body}"),
            _ => {}
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{path} becomes `{done}`: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The provider's delete waiters: `GET` through `deleting`/`detaching` until 404.
async fn wait_gone(server: &Server, who: &Account, path: &str) {
    let started = Instant::now();
    loop {
        let (status, body) = tg(server, who, Method::GET, path, None).await;
        if status == StatusCode::NOT_FOUND {
            return;
        }
        let transitional = matches!(body["status"].as_str(), Some("deleting" | "detaching"));
        assert!(status == StatusCode::OK && transitional, "{path} is deleting or gone: {status} {body}");
        assert!(started.elapsed() < Duration::from_secs(10), "{path} disappears");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn ibm_tg_gateway_and_ibm_tg_connection_create_read_update_delete() {
    let server = Server::start(&["--ephemeral", "--propagation-delay", "300ms"], None).await;
    let net = Net::new(&server).await;
    let me = &net.hub;
    let hub = manual_vpc(&net, me, "lz-hub-vpc", "10.10.10.0/24").await;
    let spoke = manual_vpc(&net, me, "lz-spoke-vpc", "10.40.10.0/24").await;

    // ibm_tg_gateway: create (the module's local gateway in the region), wait until available, read.
    let body = json!({ "name": "lz-transit-gateway", "location": "us-south", "global": false });
    let (status, created) = tg(&server, me, Method::POST, "/v1/transit_gateways", Some(body)).await;
    assert_eq!((status, created["status"].as_str()), (StatusCode::CREATED, Some("pending")), "{created}");
    let gateway = format!("/v1/transit_gateways/{}", created["id"].as_str().unwrap());
    let read = wait_for(&server, me, &gateway, "available").await;
    for field in ["crn", "created_at", "location", "global", "resource_group"] {
        assert!(!read[field].is_null(), "the provider reads `{field}`: {read}");
    }

    // ibm_tg_connection, one per VPC: create with the CRN, wait until attached, read (id `<gateway>/<connection>`).
    let mut connections = Vec::new();
    for (name, vpc) in [("hub-connection", &hub), ("spoke-connection", &spoke)] {
        let body = json!({ "network_type": "vpc", "name": name, "network_id": vpc["crn"] });
        let (status, created) = tg(&server, me, Method::POST, &format!("{gateway}/connections"), Some(body)).await;
        assert_eq!((status, created["status"].as_str()), (StatusCode::CREATED, Some("pending")), "{created}");
        let path = format!("{gateway}/connections/{}", created["id"].as_str().unwrap());
        let read = wait_for(&server, me, &path, "attached").await;
        assert_eq!((read["name"].as_str(), read["network_id"].clone()), (Some(name), vpc["crn"].clone()));
        connections.push(path);
    }

    // Update: the gateway's name in place.
    let (status, renamed) = tg(&server, me, Method::PATCH, &gateway, Some(json!({ "name": "lz-tg-renamed" }))).await;
    assert_eq!((status, renamed["name"].as_str()), (StatusCode::OK, Some("lz-tg-renamed")));

    // Destroy: connections first (each polled until gone), then the gateway.
    for path in &connections {
        assert_eq!(tg(&server, me, Method::DELETE, path, None).await.0, StatusCode::NO_CONTENT);
        wait_gone(&server, me, path).await;
    }
    assert_eq!(tg(&server, me, Method::DELETE, &gateway, None).await.0, StatusCode::NO_CONTENT);
    wait_gone(&server, me, &gateway).await;
    // Then the VPCs can go.
    for vpc in [&hub, &spoke] {
        net.ok(me, Method::DELETE, &format!("/v1/vpcs/{}", vpc["id"].as_str().unwrap()), None).await;
    }
}

#[tokio::test]
async fn ibm_tg_connection_of_two_auto_prefix_vpcs_fails_at_apply() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let me = &net.hub;
    let hub = net.vpc(me, "auto-hub", false).await;
    let spoke = net.vpc(me, "auto-spoke", false).await;
    let body = json!({ "name": "tg", "location": "us-south", "global": false });
    let (_, created) = tg(&server, me, Method::POST, "/v1/transit_gateways", Some(body)).await;
    let connections = format!("/v1/transit_gateways/{}/connections", created["id"].as_str().unwrap());
    let body = json!({ "network_type": "vpc", "name": "hub", "network_id": hub["crn"] });
    assert_eq!(tg(&server, me, Method::POST, &connections, Some(body)).await.0, StatusCode::CREATED);
    let body = json!({ "network_type": "vpc", "name": "spoke", "network_id": spoke["crn"] });
    let (status, refused) = tg(&server, me, Method::POST, &connections, Some(body)).await;
    assert_eq!((status, refused["errors"][0]["code"].as_str()), (StatusCode::CONFLICT, Some("overlapping_prefixes")));
    // The provider prints `errors[0].message`: it names both VPCs and the rule.
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(hub["id"].as_str().unwrap()) && message.contains(spoke["id"].as_str().unwrap()),
        "{message}"
    );
    assert!(message.ends_with("(rule T4)"), "{message}");
}
