//! The IBM Terraform provider's request sequences for `ibm_is_public_gateway` and for the landing zone's
//! `ibm_is_subnet` on a public gateway and a network ACL, replayed exactly.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::wait_gone;
use crate::vpc_rules::Net;

/// Polls `path` until its `status` is `available`, as the provider's create waits do; returns the last read.
async fn wait_available(net: &Net<'_>, path: &str) -> Value {
    let started = Instant::now();
    loop {
        let read = net.ok(&net.hub, Method::GET, path, None).await;
        match read["status"].as_str() {
            Some("available") => return read,
            Some("pending") => {}
            other => panic!("{path} became {other:?}: {read}"),
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{path} becomes available");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn ibm_is_public_gateway_create_poll_refresh_delete() {
    let server = crate::support::Server::ephemeral().await;
    let net = Net::new(&server).await;
    let hub = &net.hub;
    let vpc = net.vpc(hub, "tf-pgw-vpc", false).await;

    // Create as the landing zone's `ibm_is_public_gateway.gateway` sends it, then wait for `available`.
    let body = json!({ "vpc": { "id": vpc["id"] }, "zone": { "name": "us-south-1" }, "name": "tf-public-gateway-1",
                       "resource_group": { "id": vpc["resource_group"]["id"] } });
    let created = net.ok(hub, Method::POST, "/v1/public_gateways", Some(body)).await;
    let path = format!("/v1/public_gateways/{}", created["id"].as_str().unwrap());
    let read = wait_available(&net, &path).await;
    // Refresh: the provider reads these members, and `floating_ip.address` and `.id` into its state.
    for member in ["name", "vpc", "zone", "resource_group", "crn", "resource_type"] {
        assert_eq!(read[member], created[member], "`{member}`");
    }
    assert_eq!((&read["vpc"]["id"], &read["zone"]["name"]), (&vpc["id"], &json!("us-south-1")));
    assert!(read["floating_ip"]["address"].is_string() && read["floating_ip"]["id"].is_string(), "{read}");
    // Destroy: DELETE, then poll until 404.
    net.ok(hub, Method::DELETE, &path, None).await;
    wait_gone(&net, &path).await;
}

#[tokio::test]
async fn landing_zone_ibm_is_subnet_on_a_public_gateway_and_network_acl() {
    let server = crate::support::Server::ephemeral().await;
    let net = Net::new(&server).await;
    let hub = &net.hub;
    // The landing zone's VPC is `manual`, with one address prefix per subnet equal to the subnet's range.
    let vpc = net
        .ok(hub, Method::POST, "/v1/vpcs", Some(json!({ "name": "lz-hub", "address_prefix_management": "manual" })))
        .await;
    let vpc_id = vpc["id"].as_str().unwrap().to_owned();
    let group = json!({ "id": vpc["resource_group"]["id"] });
    net.ok(
        hub,
        Method::POST,
        &format!("/v1/vpcs/{vpc_id}/address_prefixes"),
        Some(json!({ "name": "lz-hub-subnet-a", "zone": { "name": "us-south-1" }, "cidr": "10.10.10.0/24" })),
    )
    .await;
    let body = json!({ "vpc": { "id": vpc_id }, "zone": { "name": "us-south-1" }, "name": "lz-public-gateway-zone-1",
                       "resource_group": group });
    let gateway = net.ok(hub, Method::POST, "/v1/public_gateways", Some(body)).await;
    let gateway_path = format!("/v1/public_gateways/{}", gateway["id"].as_str().unwrap());
    wait_available(&net, &gateway_path).await;
    let acl = net
        .ok(
            hub,
            Method::POST,
            "/v1/network_acls",
            Some(json!({ "vpc": { "id": vpc_id }, "name": "vpc-acl", "resource_group": group })),
        )
        .await;

    // `ibm_is_subnet.subnet`: the create body the module sends, then the wait for `available`.
    let body = json!({
        "vpc": { "id": vpc_id },
        "name": "lz-hub-subnet-a",
        "zone": { "name": "us-south-1" },
        "ipv4_cidr_block": "10.10.10.0/24",
        "network_acl": { "id": acl["id"] },
        "public_gateway": { "id": gateway["id"] },
        "resource_group": group,
    });
    let subnet = net.ok(hub, Method::POST, "/v1/subnets", Some(body)).await;
    let subnet_path = format!("/v1/subnets/{}", subnet["id"].as_str().unwrap());
    let read = wait_available(&net, &subnet_path).await;
    // Refresh: what the provider reads into its state.
    assert_eq!(read["network_acl"]["id"], acl["id"]);
    assert_eq!(read["public_gateway"]["id"], gateway["id"]);
    assert_eq!(read["routing_table"]["id"], vpc["default_routing_table"]["id"]);
    assert!(read["routing_table"]["crn"].as_str().is_some_and(|crn| crn.starts_with("crn:v1:")), "{read}");
    assert_eq!((&read["zone"]["name"], &read["vpc"]["id"]), (&json!("us-south-1"), &json!(vpc_id)));
    assert_eq!(read["ipv4_cidr_block"], "10.10.10.0/24");

    // Destroy: the subnet (which detaches its gateway), then the gateway and the ACL.
    net.ok(hub, Method::DELETE, &subnet_path, None).await;
    wait_gone(&net, &subnet_path).await;
    net.ok(hub, Method::DELETE, &gateway_path, None).await;
    wait_gone(&net, &gateway_path).await;
    net.ok(hub, Method::DELETE, &format!("/v1/network_acls/{}", acl["id"].as_str().unwrap()), None).await;
}
