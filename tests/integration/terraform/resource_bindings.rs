//! The IBM Terraform provider's request sequence for `ibm_is_virtual_endpoint_gateway_resource_binding`, replayed:
//! create, wait until `stable`, refresh, rename, delete and poll until 404. The resource's id is
//! `<endpoint_gateway_id>/<resource_binding_id>`.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::wait_gone;
use crate::support::Server;
use crate::vpc_rules::{COS, Net};

/// Polls `path` until its `lifecycle_state` is `stable`, as the provider's create wait does; returns the last read.
async fn wait_stable(net: &Net<'_>, path: &str) -> (Value, bool) {
    let started = Instant::now();
    let mut saw_pending = false;
    loop {
        let read = net.ok(&net.hub, Method::GET, path, None).await;
        match read["lifecycle_state"].as_str() {
            Some("stable") => return (read, saw_pending),
            Some("pending") => saw_pending = true,
            other => panic!("{path} became {other:?}: {read}"),
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{path} becomes stable");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn ibm_is_virtual_endpoint_gateway_resource_binding_create_poll_refresh_rename_delete() {
    // A propagation delay, so the create is `pending` first and the wait has something to wait for.
    let server = Server::start(&["--ephemeral", "--propagation-delay", "300ms"], None).await;
    let net = Net::new(&server).await;
    let hub = &net.hub;
    let vpc = net.vpc(hub, "tf-local-access", false).await;
    net.subnet(hub, vpc["id"].as_str().unwrap(), "us-south-1").await;
    let (status, gateway) = net.gateway(hub, &vpc, COS, "per_resource_binding").await;
    assert_eq!(status, StatusCode::CREATED, "{gateway}");
    let gateway_id = gateway["id"].as_str().unwrap();

    // Create: `target.crn` and `name`, as the provider sends them; its id joins the gateway's and the binding's.
    let bucket = format!("crn:v1:bluemix:public:cloud-object-storage:global:a/{}:guid:bucket:tf-logs", hub.id);
    let body = json!({ "target": { "crn": bucket }, "name": "tf-logs-binding" });
    let path = format!("/v1/endpoint_gateways/{gateway_id}/resource_bindings");
    let (status, created) = net.call(hub, Method::POST, &path, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let terraform_id = format!("{gateway_id}/{}", created["id"].as_str().unwrap());
    let (gateway_part, binding_part) = terraform_id.split_once('/').unwrap();
    let binding_path = format!("/v1/endpoint_gateways/{gateway_part}/resource_bindings/{binding_part}");
    assert_eq!(created["lifecycle_state"], "pending", "{created}");
    let (read, saw_pending) = wait_stable(&net, &binding_path).await;
    assert!(saw_pending, "the wait polled a pending binding before it was stable");

    // Refresh: the members the provider reads into its state.
    for member in ["name", "target", "service_endpoint", "type", "created_at", "href", "id", "resource_type"] {
        assert_eq!(read[member], created[member], "`{member}`");
    }
    assert_eq!(read["service_endpoint"], "tf-logs.s3.direct.us-south.cloud-object-storage.appdomain.cloud");
    assert_eq!((read["type"].as_str(), read["lifecycle_reasons"].clone()), (Some("weak"), json!([])));

    // Rename: a merge patch of `name`; the binding stays `stable`.
    let renamed = net.ok(hub, Method::PATCH, &binding_path, Some(json!({ "name": "tf-logs-renamed" }))).await;
    assert_eq!(
        (renamed["name"].as_str(), renamed["lifecycle_state"].as_str()),
        (Some("tf-logs-renamed"), Some("stable"))
    );

    // Destroy: DELETE (204), then poll until 404.
    let (status, body) = net.call(hub, Method::DELETE, &binding_path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    wait_gone(&net, &binding_path).await;
}
