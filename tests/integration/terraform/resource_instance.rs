//! The provider's `ibm_resource_instance` for DNS Services (`dns-svcs`): its Global Catalog lookups, create, wait,
//! read, refresh and destroy, replayed as the provider sends them; then the landing zone's hub DNS sequence on the
//! instance it made (custom resolver on the hub's three subnets, zone, zone permitted to the hub VPC) and its destroy.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::provider_init;
use crate::support::Server;

async fn send(server: &Server, token: &str, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    server.call(method, path, Some(token), body).await
}

/// Every page of a catalog list, following `next` as the provider's paginated client does.
async fn catalog_pages(server: &Server, token: &str, first: &str) -> Vec<Value> {
    let mut resources = Vec::new();
    let mut path = first.to_owned();
    loop {
        let (status, page) = send(server, token, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        resources.extend(page["resources"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(next) => path = next[next.find("/api/v1/").unwrap()..].to_owned(),
            None => return resources,
        }
    }
}

/// The create's catalog lookups: the service by name (searching children too) that Resource Controller can
/// provision, its plan by name, and the plan's `rc_compatible` deployment in `location`, whose `catalog_crn` is the
/// target. Returns (plan id, target).
pub(super) async fn catalog_lookup(server: &Server, token: &str, service: &str, plan: &str) -> (String, String) {
    fn tree(entry: &Value, name: &str, found: &mut Vec<Value>) {
        if entry["name"] == name {
            found.push(entry.clone());
        }
        for child in entry["children"].as_array().into_iter().flatten() {
            tree(child, name, found);
        }
    }
    let mut services = Vec::new();
    for entry in catalog_pages(server, token, &format!("/api/v1/?q={service}&include=*")).await {
        tree(&entry, service, &mut services);
    }
    let offering = services.first().unwrap_or_else(|| panic!("`{service}` is in the catalog"));
    assert_eq!(offering["kind"], "service", "the provider reads `metadata.service` of kind `service`");
    assert_eq!(offering["metadata"]["service"]["rc_provisionable"], true);
    let plans = catalog_pages(server, token, &format!("/api/v1/{}/plan", offering["id"].as_str().unwrap())).await;
    let plan_id = plans.iter().find(|p| p["name"] == plan).unwrap()["id"].as_str().unwrap().to_owned();
    let deployments = catalog_pages(server, token, &format!("/api/v1/{plan_id}/deployment?include=*")).await;
    assert!(!deployments.is_empty(), "no deployment found for service plan");
    let deployment = deployments
        .iter()
        .find(|d| d["metadata"]["rc_compatible"] == true && d["metadata"]["deployment"]["location"] == "global")
        .expect("a deployment at `global`");
    // The location check of a later plan update: the target CRN's last segment without `bluemix-`.
    let target_crn = deployment["metadata"]["deployment"]["target_crn"].as_str().unwrap();
    assert_eq!(target_crn.rsplit(':').next().unwrap().trim_start_matches("bluemix-"), "global");
    (plan_id, deployment["catalog_crn"].as_str().unwrap().to_owned())
}

/// The read after create and on every refresh: the instance, then the service and plan names from the catalog.
async fn read_instance(server: &Server, token: &str, path: &str) -> Value {
    let (status, instance) = send(server, token, Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "{instance}");
    assert_eq!(instance["crn"].as_str().unwrap().split(':').nth(5), Some("global"), "location from the CRN");
    let (status, service) =
        send(server, token, Method::GET, &format!("/api/v1/{}", instance["resource_id"].as_str().unwrap()), None).await;
    assert_eq!((status, &service["kind"], &service["name"]), (StatusCode::OK, &json!("service"), &json!("dns-svcs")));
    let plan_path = format!("/api/v1/{}", instance["resource_plan_id"].as_str().unwrap());
    let (status, plan) = send(server, token, Method::GET, &plan_path, None).await;
    assert_eq!((status, &plan["kind"], &plan["name"]), (StatusCode::OK, &json!("plan"), &json!("standard-dns")));
    instance
}

#[tokio::test]
async fn ibm_resource_instance_dns_svcs_through_the_global_catalog_then_the_landing_zone_hub_dns() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let (token, claims) = provider_init(&server, &hub.api_key).await;
    let token = token.as_str();
    let account = claims["account"]["bss"].as_str().unwrap().to_owned();
    let groups_path = format!("/v2/resource_groups?account_id={account}&default=true");
    let (_, groups) = send(&server, token, Method::GET, &groups_path, None).await;
    let group = groups["resources"][0]["id"].as_str().unwrap().to_owned();

    // Create: the catalog lookups, then POST with the plan id and the deployment's CRN as target.
    let (plan_id, target) = catalog_lookup(&server, token, "dns-svcs", "standard-dns").await;
    let body = json!({ "name": "lz-dns-instance", "target": target, "resource_group": group,
                       "resource_plan_id": plan_id, "parameters": {} });
    let (status, created) = send(&server, token, Method::POST, "/v2/resource_instances", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!((&created["resource_plan_id"], &created["target_crn"]), (&json!(plan_id), &json!(target)));
    // The Terraform id is `id` (the CRN), escaped as one path segment by the SDK.
    let id = created["id"].as_str().unwrap().to_owned();
    let instance_path = format!("/v2/resource_instances/{}", id.replace('/', "%2F"));

    // Wait: GET until `active` (or `last_operation.state` when the operation is asynchronous).
    let started = Instant::now();
    loop {
        let (status, read) = send(&server, token, Method::GET, &instance_path, None).await;
        assert_eq!(status, StatusCode::OK, "{read}");
        let state =
            if read["last_operation"]["async"] == true { &read["last_operation"]["state"] } else { &read["state"] };
        if state == "active" || state == "succeeded" {
            break;
        }
        assert!(["in progress", "inactive", "provisioning"].contains(&state.as_str().unwrap()), "{read}");
        assert!(started.elapsed() < Duration::from_secs(20), "the instance becomes active: {read}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let read = read_instance(&server, token, &instance_path).await;
    assert_eq!((&read["id"], &read["resource_group_id"]), (&json!(id), &json!(group)));
    let guid = read["guid"].as_str().unwrap().to_owned();

    // Refresh: Exists (GET: the same id, neither `removed` nor `pending_reclamation`), then the read again.
    let (status, exists) = send(&server, token, Method::GET, &instance_path, None).await;
    assert_eq!((status, &exists["id"]), (StatusCode::OK, &json!(id)));
    assert!(!["removed", "pending_reclamation"].contains(&exists["state"].as_str().unwrap()));
    assert_eq!(read_instance(&server, token, &instance_path).await, read);

    // The landing zone's hub: a hub VPC with a subnet in each zone.
    let vpcs = "/v1/vpcs?version=2026-10-06&generation=2";
    let body = json!({ "name": "lz-hub", "resource_group": { "id": group }, "dns": { "enable_hub": true } });
    let (status, vpc) = send(&server, token, Method::POST, vpcs, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{vpc}");
    let mut locations = Vec::new();
    for zone in ["us-south-1", "us-south-2", "us-south-3"] {
        let body = json!({ "vpc": { "id": vpc["id"] }, "zone": { "name": zone }, "total_ipv4_address_count": 256 });
        let (status, subnet) =
            send(&server, token, Method::POST, "/v1/subnets?version=2026-10-06&generation=2", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{subnet}");
        locations.push(json!({ "subnet_crn": subnet["crn"], "enabled": true }));
    }

    // ibm_dns_custom_resolver on the instance's GUID: POST, PATCH `enabled`, then the read of it and its rules.
    let resolvers = format!("/v1/instances/{guid}/custom_resolvers");
    let body = json!({ "name": "lz-hub-resolver", "description": "", "profile": "essential", "locations": locations });
    let (status, resolver) = send(&server, token, Method::POST, &resolvers, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{resolver}");
    let resolver_path = format!("{resolvers}/{}", resolver["id"].as_str().unwrap());
    let (status, enabled) = send(&server, token, Method::PATCH, &resolver_path, Some(json!({ "enabled": true }))).await;
    assert_eq!((status, &enabled["enabled"]), (StatusCode::OK, &json!(true)), "{enabled}");
    let (status, read) = send(&server, token, Method::GET, &resolver_path, None).await;
    assert_eq!((status, read["locations"].as_array().unwrap().len()), (StatusCode::OK, 3));
    let (status, rules) = send(&server, token, Method::GET, &format!("{resolver_path}/forwarding_rules"), None).await;
    assert_eq!((status, &rules["forwarding_rules"][0]["type"]), (StatusCode::OK, &json!("default")));

    // ibm_dns_zone, then ibm_dns_permitted_network to the hub VPC.
    let zones = format!("/v1/instances/{guid}/dnszones");
    let body =
        json!({ "name": "hnsexample.com", "description": "Hosted zone for hnsexample.com", "label": "dns-zone" });
    let (status, zone) = send(&server, token, Method::POST, &zones, Some(body)).await;
    assert_eq!((status, &zone["instance_id"]), (StatusCode::OK, &json!(guid)), "{zone}");
    let zone_path = format!("{zones}/{}", zone["id"].as_str().unwrap());
    assert_eq!(send(&server, token, Method::GET, &zone_path, None).await.0, StatusCode::OK);
    let networks = format!("{zone_path}/permitted_networks");
    let body = json!({ "type": "vpc", "permitted_network": { "vpc_crn": vpc["crn"] } });
    let (status, network) = send(&server, token, Method::POST, &networks, Some(body)).await;
    assert_eq!((status, &network["state"]), (StatusCode::OK, &json!("ACTIVE")), "{network}");
    let network_path = format!("{networks}/{}", network["id"].as_str().unwrap());
    let (status, read) = send(&server, token, Method::GET, &network_path, None).await;
    assert_eq!((status, &read["permitted_network"]["vpc_crn"]), (StatusCode::OK, &vpc["crn"]));
    assert_eq!(send(&server, token, Method::GET, &zone_path, None).await.1["state"], "active");

    // The instance still holds the resolver and the zone: deleting it first is refused and changes nothing.
    let recursive = format!("{instance_path}?recursive=true");
    assert_eq!(send(&server, token, Method::DELETE, &recursive, None).await.0, StatusCode::CONFLICT);

    // Destroy in dependency order: the permitted network (202, no wait), the zone, the resolver (disabled, then
    // deleted), then the instance with `recursive=true`.
    let (status, removing) = send(&server, token, Method::DELETE, &network_path, None).await;
    assert_eq!((status, &removing["state"]), (StatusCode::ACCEPTED, &json!("REMOVAL_IN_PROGRESS")));
    assert_eq!(send(&server, token, Method::DELETE, &zone_path, None).await.0, StatusCode::NO_CONTENT);
    let (status, _) = send(&server, token, Method::PATCH, &resolver_path, Some(json!({ "enabled": false }))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(send(&server, token, Method::DELETE, &resolver_path, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(send(&server, token, Method::DELETE, &recursive, None).await.0, StatusCode::NO_CONTENT);
    // The provider's delete waits until a read shows the instance `removed` (a 404 would count as still active);
    // every DNS Services call under its GUID is then a 404, and a second delete too.
    let (status, removed) = send(&server, token, Method::GET, &instance_path, None).await;
    assert_eq!((status, &removed["state"]), (StatusCode::OK, &json!("removed")), "{removed}");
    assert_eq!(removed["last_operation"]["type"], "delete");
    assert_eq!(send(&server, token, Method::GET, &zones, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(send(&server, token, Method::DELETE, &recursive, None).await.0, StatusCode::NOT_FOUND);
}
