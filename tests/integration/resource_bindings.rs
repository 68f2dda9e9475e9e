//! Endpoint gateway resource bindings over HTTP: create, list with paging, read, rename and delete; every refusal
//! (rules RB1–RB5) with its status, code, rule and field; another account's gateway is 404; and real DNS queries
//! showing a bound bucket answered by the local-access gateway in its VPC and, through the DNS resolution binding, in
//! the hub's view and a delegated spoke's, while unbound names are not.

use hickory_proto::op::ResponseCode;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::dns::expect;
use crate::support::Server;
use crate::vpc_rules::{COS, Net};

const COS_NAME: &str = "s3.direct.us-south.cloud-object-storage.appdomain.cloud";

fn bucket(account: &str, name: &str) -> String {
    format!(
        "crn:v1:bluemix:public:cloud-object-storage:global:a/{account}:0c5a3f52-6c39-4d44-a2cd-21c52b06e6a4:bucket:{name}"
    )
}

fn text(value: &Value) -> String {
    value.as_str().unwrap().to_owned()
}

/// The seed's topology bound, with a `per_resource_binding` Cloud Object Storage gateway in the spoke: (hub, spoke,
/// the hub's primary gateway, the spoke's local-access gateway).
async fn local_access(net: &Net<'_>) -> (Value, Value, Value, Value) {
    let (hub, spoke, _, _) = net.bound().await;
    let hub_gateway = net
        .ok(&net.hub, Method::GET, &format!("/v1/endpoint_gateways?vpc.id={}", text(&hub["id"])), None)
        .await["endpoint_gateways"][0]
        .clone();
    let (status, gateway) = net.gateway(&net.spoke, &spoke, COS, "per_resource_binding").await;
    assert_eq!(status, StatusCode::CREATED, "{gateway}");
    (hub, spoke, hub_gateway, gateway)
}

fn assert_refused(
    status: StatusCode,
    body: &Value,
    expected: StatusCode,
    code: &str,
    rule: Option<&str>,
    field: Option<&str>,
) {
    assert_eq!(status, expected, "{body}");
    let message = crate::support::assert_envelope(body, expected, code);
    if let Some(rule) = rule {
        assert!(message.ends_with(&format!("(rule {rule})")), "{message}");
    }
    assert_eq!(body["errors"][0]["target"]["name"].as_str(), field, "{body}");
}

#[tokio::test]
async fn bindings_are_created_listed_newest_first_paged_renamed_and_deleted() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let (_, _, _, gateway) = local_access(&net).await;
    let path = format!("/v1/endpoint_gateways/{}/resource_bindings", text(&gateway["id"]));
    let mut created = Vec::new();
    for (bucket_name, name) in [("logs", Some("logs-binding")), ("backups", Some("backups-binding")), ("media", None)] {
        let mut body = json!({ "target": { "crn": bucket(&net.spoke.id, bucket_name) } });
        if let Some(name) = name {
            body["name"] = json!(name);
        }
        let (status, binding) = net.call(&net.spoke, Method::POST, &path, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{binding}");
        assert_eq!(binding["service_endpoint"], format!("{bucket_name}.{COS_NAME}"));
        assert_eq!(binding["target"]["crn"], bucket(&net.spoke.id, bucket_name));
        assert_eq!((binding["type"].as_str(), binding["lifecycle_state"].as_str()), (Some("weak"), Some("stable")));
        assert_eq!(binding["resource_type"], "endpoint_gateway_resource_binding");
        assert_eq!(binding["lifecycle_reasons"], json!([]));
        assert!(binding["href"].as_str().unwrap().ends_with(&format!("{path}/{}", text(&binding["id"]))), "{binding}");
        assert!(binding["created_at"].is_string());
        if name.is_none() {
            assert_eq!(binding["name"].as_str().unwrap().split('-').count(), 4, "a generated name: {binding}");
        }
        created.push(binding);
        // Creation times are kept in milliseconds; a pause keeps the three apart.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }

    let first = net.ok(&net.spoke, Method::GET, &format!("{path}?limit=2"), None).await;
    assert_eq!((first["limit"].as_u64(), first["total_count"].as_u64()), (Some(2), Some(3)), "{first}");
    let ids = |page: &Value| -> Vec<String> {
        page["resource_bindings"].as_array().unwrap().iter().map(|b| text(&b["id"])).collect()
    };
    assert_eq!(ids(&first), vec![text(&created[2]["id"]), text(&created[1]["id"])], "newest first");
    let next = first["next"]["href"].as_str().expect("a next page");
    let start = next.split("start=").nth(1).unwrap().split('&').next().unwrap();
    let second = net.ok(&net.spoke, Method::GET, &format!("{path}?limit=2&start={start}"), None).await;
    assert_eq!(ids(&second), vec![text(&created[0]["id"])]);
    assert!(second.get("next").is_none(), "{second}");

    let one = format!("{path}/{}", text(&created[0]["id"]));
    let read = net.ok(&net.spoke, Method::GET, &one, None).await;
    assert_eq!(read, created[0]);
    let renamed = net.ok(&net.spoke, Method::PATCH, &one, Some(json!({ "name": "renamed" }))).await;
    assert_eq!(
        (renamed["name"].as_str(), renamed["service_endpoint"].clone()),
        (Some("renamed"), created[0]["service_endpoint"].clone())
    );
    let (status, _) = net.call(&net.spoke, Method::DELETE, &one, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = net.call(&net.spoke, Method::GET, &one, None).await;
    assert_refused(status, &body, StatusCode::NOT_FOUND, "not_found", None, None);
    let listed = net.ok(&net.spoke, Method::GET, &path, None).await;
    assert_eq!(listed["total_count"], 2);

    // Deleting the gateway deletes its bindings with it.
    let (status, body) =
        net.call(&net.spoke, Method::DELETE, &format!("/v1/endpoint_gateways/{}", text(&gateway["id"])), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = net.call(&net.spoke, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// (request body, status, code, rule, field at fault).
type Case = (Value, StatusCode, &'static str, Option<&'static str>, Option<&'static str>);

#[tokio::test]
async fn each_refusal_names_its_rule_and_field_and_another_account_finds_nothing() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let (hub, _, hub_gateway, gateway) = local_access(&net).await;
    let path = format!("/v1/endpoint_gateways/{}/resource_bindings", text(&gateway["id"]));
    let logs = json!({ "name": "logs", "target": { "crn": bucket(&net.spoke.id, "logs") } });
    let first = net.ok(&net.spoke, Method::POST, &path, Some(logs.clone())).await;

    let cases: Vec<Case> = vec![
        (json!({ "name": "x" }), StatusCode::BAD_REQUEST, "invalid_body", None, Some("target.crn")),
        (
            json!({ "target": { "crn": format!("crn:v1:bluemix:public:cloud-object-storage:global:a/{}:guid::", net.spoke.id) } }),
            StatusCode::BAD_REQUEST,
            "endpoint_gateway_resource_binding_target_unsupported",
            Some("RB2"),
            Some("target.crn"),
        ),
        (
            json!({ "target": { "crn": bucket(&net.spoke.id, "Bad_Bucket") } }),
            StatusCode::BAD_REQUEST,
            "endpoint_gateway_resource_binding_target_unsupported",
            Some("RB2"),
            Some("target.crn"),
        ),
        (
            json!({ "name": "logs", "target": { "crn": bucket(&net.spoke.id, "other") } }),
            StatusCode::CONFLICT,
            "endpoint_gateway_resource_binding_name_duplicate",
            Some("RB3"),
            Some("name"),
        ),
        (
            json!({ "target": { "crn": bucket(&net.spoke.id, "logs") } }),
            StatusCode::CONFLICT,
            "endpoint_gateway_resource_binding_conflict",
            Some("RB4"),
            Some("target.crn"),
        ),
        (
            json!({ "name": "Not A Name", "target": { "crn": bucket(&net.spoke.id, "other") } }),
            StatusCode::BAD_REQUEST,
            "invalid_name",
            None,
            Some("name"),
        ),
    ];
    for (body, status_expected, code, rule, field) in cases {
        let (status, response) = net.call(&net.spoke, Method::POST, &path, Some(body.clone())).await;
        assert_refused(status, &response, status_expected, code, rule, field);
    }
    let one = format!("{path}/{}", text(&first["id"]));
    let second = net
        .ok(
            &net.spoke,
            Method::POST,
            &path,
            Some(json!({ "name": "second", "target": { "crn": bucket(&net.spoke.id, "second") } })),
        )
        .await;
    let (status, response) = net
        .call(&net.spoke, Method::PATCH, &format!("{path}/{}", text(&second["id"])), Some(json!({ "name": "logs" })))
        .await;
    assert_refused(
        status,
        &response,
        StatusCode::CONFLICT,
        "endpoint_gateway_resource_binding_name_duplicate",
        Some("RB3"),
        Some("name"),
    );

    // Another spoke of the same hub cannot bind the same bucket (rule RB4 across the topology).
    let other_spoke = net.vpc(&net.spoke, "other-spoke", false).await;
    net.subnet(&net.spoke, other_spoke["id"].as_str().unwrap(), "us-south-1").await;
    net.grant(Some(other_spoke["id"].as_str().unwrap()), &hub).await;
    let (status, binding) = net.bind(&net.spoke, &other_spoke, &hub).await;
    assert_eq!(status, StatusCode::CREATED, "{binding}");
    let (status, other_gateway) = net.gateway(&net.spoke, &other_spoke, COS, "per_resource_binding").await;
    assert_eq!(status, StatusCode::CREATED, "{other_gateway}");
    let other_path = format!("/v1/endpoint_gateways/{}/resource_bindings", text(&other_gateway["id"]));
    let (status, response) = net.call(&net.spoke, Method::POST, &other_path, Some(logs.clone())).await;
    assert_refused(
        status,
        &response,
        StatusCode::CONFLICT,
        "endpoint_gateway_resource_binding_conflict",
        Some("RB4"),
        Some("target.crn"),
    );

    // Rule RB1: the hub's primary gateway takes no resource bindings.
    let hub_path = format!("/v1/endpoint_gateways/{}/resource_bindings", text(&hub_gateway["id"]));
    let (status, response) = net.call(&net.hub, Method::POST, &hub_path, Some(logs.clone())).await;
    assert_refused(
        status,
        &response,
        StatusCode::CONFLICT,
        "endpoint_gateway_resource_binding_mode",
        Some("RB1"),
        None,
    );

    // Rule RB5: a gateway with resource bindings keeps its mode.
    let (status, response) = net
        .call(
            &net.spoke,
            Method::PATCH,
            &format!("/v1/endpoint_gateways/{}", text(&gateway["id"])),
            Some(json!({ "dns_resolution_binding_mode": "disabled" })),
        )
        .await;
    assert_refused(
        status,
        &response,
        StatusCode::CONFLICT,
        "endpoint_gateway_has_resource_bindings",
        Some("RB5"),
        Some("dns_resolution_binding_mode"),
    );

    // The hub's account finds neither the spoke's gateway nor its bindings, and changes nothing.
    for (method, target, body) in [
        (Method::GET, path.clone(), None),
        (Method::POST, path.clone(), Some(json!({ "target": { "crn": bucket(&net.hub.id, "mine") } }))),
        (Method::GET, one.clone(), None),
        (Method::PATCH, one.clone(), Some(json!({ "name": "taken" }))),
        (Method::DELETE, one.clone(), None),
    ] {
        let (status, response) = net.call(&net.hub, method.clone(), &target, body).await;
        assert_refused(status, &response, StatusCode::NOT_FOUND, "not_found", None, None);
        assert!(!response.to_string().contains("\"logs\""), "{method} {target} leaked: {response}");
    }
    let read = net.ok(&net.spoke, Method::GET, &one, None).await;
    assert_eq!(read["name"], "logs");
    assert_eq!(net.ok(&net.spoke, Method::GET, &path, None).await["total_count"], 2);
}

#[tokio::test]
async fn a_bound_bucket_resolves_to_the_local_gateway_and_unbound_names_do_not() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    // Both gateways target the Cloud Object Storage instance, so the hub's serves the service's names and every
    // bucket below them (`*.s3.direct…`).
    let instance = format!(
        "crn:v1:bluemix:public:cloud-object-storage:global:a/{}:0c5a3f52-6c39-4d44-a2cd-21c52b06e6a4::",
        net.hub.id
    );
    let hub = net.vpc(&net.hub, "hub", true).await;
    let subnet = net.subnet(&net.hub, hub["id"].as_str().unwrap(), "us-south-1").await;
    net.resolver(&net.hub, &subnet).await;
    let (status, hub_gateway) = net.gateway(&net.hub, &hub, &instance, "primary").await;
    assert_eq!(status, StatusCode::CREATED, "{hub_gateway}");
    let spoke = net.vpc(&net.spoke, "spoke", false).await;
    net.subnet(&net.spoke, spoke["id"].as_str().unwrap(), "us-south-1").await;
    net.grant(Some(spoke["id"].as_str().unwrap()), &hub).await;
    let (status, body) = net.bind(&net.spoke, &spoke, &hub).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, gateway) = net.gateway(&net.spoke, &spoke, &instance, "per_resource_binding").await;
    assert_eq!(status, StatusCode::CREATED, "{gateway}");
    let hub_ip = text(&hub_gateway["ips"][0]["address"]);
    let local_ip = text(&gateway["ips"][0]["address"]);
    let spoke_end = net.endpoint(&net.spoke, &spoke).await;
    let hub_end = net.endpoint(&net.hub, &hub).await;
    let logs = format!("logs.{COS_NAME}");
    let other = format!("other.{COS_NAME}");

    // Before any resource binding the local-access gateway answers nothing: not even the service's own names.
    expect(spoke_end, &logs, ResponseCode::NXDomain, &[], "spoke, nothing bound").await;
    expect(spoke_end, COS_NAME, ResponseCode::NXDomain, &[], "spoke, the service name").await;
    expect(hub_end, &logs, ResponseCode::NoError, &[&hub_ip], "hub, nothing bound: the hub's wildcard").await;

    let path = format!("/v1/endpoint_gateways/{}/resource_bindings", text(&gateway["id"]));
    let binding = net
        .ok(
            &net.spoke,
            Method::POST,
            &path,
            Some(json!({ "name": "logs-bucket", "target": { "crn": bucket(&net.spoke.id, "logs") } })),
        )
        .await;
    expect(spoke_end, &logs, ResponseCode::NoError, &[&local_ip], "spoke, bound").await;
    expect(spoke_end, &other, ResponseCode::NXDomain, &[], "spoke, another bucket").await;
    // Through the DNS resolution binding, the hub answers the bound bucket with the spoke's gateway and every other
    // name of the service with its own.
    expect(hub_end, &logs, ResponseCode::NoError, &[&local_ip], "hub, bound").await;
    expect(hub_end, &other, ResponseCode::NoError, &[&hub_ip], "hub, another bucket").await;
    expect(hub_end, COS_NAME, ResponseCode::NoError, &[&hub_ip], "hub, the service name").await;

    // The lookup names the resource binding that produced the answer, for the spoke and for the hub.
    for (who, vpc) in [(&net.spoke, &spoke), (&net.hub, &hub)] {
        let lookup = net
            .ok(who, Method::GET, &format!("/_hubspoke/vpcs/{}/dns_lookup?name={logs}", text(&vpc["id"])), None)
            .await;
        assert_eq!(lookup["answers"][0]["resource_binding"]["id"], binding["id"], "{lookup}");
        let explanation = lookup["explanation"].to_string();
        assert!(explanation.contains("resource binding `logs-bucket`"), "{explanation}");
    }

    // A spoke that delegates to the hub sees the hub's view: the bound bucket still locally, the rest at the hub.
    let (status, body) = net.delegate(&net.spoke, &spoke, &hub).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    expect(spoke_end, &logs, ResponseCode::NoError, &[&local_ip], "delegated spoke, bound").await;
    expect(spoke_end, &other, ResponseCode::NoError, &[&hub_ip], "delegated spoke, another bucket").await;

    // After the delete the bucket is the hub's again, everywhere.
    let (status, _) = net.call(&net.spoke, Method::DELETE, &format!("{path}/{}", text(&binding["id"])), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    expect(hub_end, &logs, ResponseCode::NoError, &[&hub_ip], "hub, after the delete").await;
    expect(spoke_end, &logs, ResponseCode::NoError, &[&hub_ip], "delegated spoke, after the delete").await;
}
