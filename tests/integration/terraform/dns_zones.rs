//! The provider's `ibm_resource_instance` (`dns-svcs`), `ibm_dns_zone`, `ibm_dns_permitted_network` and
//! `ibm_dns_resource_record` resources, and the landing zone example's hub DNS sequence (instance, zone permitted to
//! the hub VPC, destroy), replayed as the provider sends them: creates then reads, refreshes, updates, deletes, and
//! the 404 reads that tell it a resource is gone.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::provider_init;
use crate::support::Server;

async fn send(server: &Server, token: &str, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    server.call(method, path, Some(token), body).await
}

#[tokio::test]
async fn the_landing_zone_hub_dns_with_a_zone_permitted_to_the_hub_and_its_records() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let (token, claims) = provider_init(&server, &hub.api_key).await;
    let account = claims["account"]["bss"].as_str().unwrap().to_owned();
    let (_, groups) =
        send(&server, &token, Method::GET, &format!("/v2/resource_groups?account_id={account}&default=true"), None)
            .await;
    let group = groups["resources"][0]["id"].as_str().unwrap().to_owned();

    // ibm_resource_instance: POST (201), then GET by the CRN id until `active`; the GUID is the DNS instance id.
    let body = json!({ "name": "lz-dns", "target": "bluemix-global", "resource_group": group,
                       "resource_plan_id": "standard-dns", "parameters": {}, "tags": ["hub"] });
    let (status, created) = send(&server, &token, Method::POST, "/v2/resource_instances", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let instance_path = format!("/v2/resource_instances/{}", created["id"].as_str().unwrap().replace('/', "%2F"));
    let (status, read) = send(&server, &token, Method::GET, &instance_path, None).await;
    assert_eq!(
        (status, &read["state"], &read["last_operation"]["async"]),
        (StatusCode::OK, &json!("active"), &json!(false))
    );
    // The provider takes the location from the CRN's sixth field.
    assert_eq!(read["crn"].as_str().unwrap().split(':').nth(5), Some("global"));
    let guid = read["guid"].as_str().unwrap().to_owned();

    // The hub VPC the zone is permitted to.
    let vpcs = "/v1/vpcs?version=2026-10-06&generation=2";
    let (status, vpc) =
        send(&server, &token, Method::POST, vpcs, Some(json!({ "name": "lz-hub", "dns": { "enable_hub": true } })))
            .await;
    assert_eq!(status, StatusCode::CREATED, "{vpc}");

    // ibm_dns_zone: POST with description and label always present, id `<instance_id>/<zone_id>` from the answer,
    // then GET; update is GET then PATCH with both fields.
    let zones = format!("/v1/instances/{guid}/dnszones");
    let body =
        json!({ "name": "hnsexample.com", "description": "Hosted zone for hnsexample.com", "label": "dns-zone" });
    let (status, zone) = send(&server, &token, Method::POST, &zones, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{zone}");
    assert_eq!(zone["instance_id"], json!(guid));
    let zone_path = format!("{zones}/{}", zone["id"].as_str().unwrap());
    let (status, read) = send(&server, &token, Method::GET, &zone_path, None).await;
    assert_eq!((status, &read["state"]), (StatusCode::OK, &json!("pending_network_add")));
    for key in ["created_on", "modified_on", "description", "label", "name"] {
        assert!(read[key].is_string(), "{key}: {read}");
    }
    let (status, updated) = send(
        &server,
        &token,
        Method::PATCH,
        &zone_path,
        Some(json!({ "description": "hub zone", "label": "dns-zone" })),
    )
    .await;
    assert_eq!((status, &updated["description"]), (StatusCode::OK, &json!("hub zone")));

    // ibm_dns_permitted_network: POST, then GET (Exists: 404 means gone); the zone turns active.
    let networks = format!("{zone_path}/permitted_networks");
    let body = json!({ "type": "vpc", "permitted_network": { "vpc_crn": vpc["crn"] } });
    let (status, network) = send(&server, &token, Method::POST, &networks, Some(body)).await;
    assert_eq!((status, &network["state"]), (StatusCode::OK, &json!("ACTIVE")), "{network}");
    let network_path = format!("{networks}/{}", network["id"].as_str().unwrap());
    let (status, read) = send(&server, &token, Method::GET, &network_path, None).await;
    assert_eq!((status, &read["permitted_network"]["vpc_crn"]), (StatusCode::OK, &vpc["crn"]));
    assert_eq!(send(&server, &token, Method::GET, &zone_path, None).await.1["state"], "active");

    // ibm_dns_resource_record: POST, then GET; the provider derives the short name by trimming the zone and, for
    // SRV, reads the third label; it reads `rdata.ip|cname|text|exchange|target|ptrdname`; update is PUT.
    let records = format!("{zone_path}/resource_records");
    let bodies = [
        (json!({ "type": "A", "name": "gremlin", "ttl": 900, "rdata": { "ip": "10.10.10.5" } }), "ip", "10.10.10.5"),
        (
            json!({ "type": "CNAME", "name": "www", "ttl": 900, "rdata": { "cname": "gremlin.hnsexample.com" } }),
            "cname",
            "gremlin.hnsexample.com",
        ),
        (json!({ "type": "TXT", "name": "note", "ttl": 900, "rdata": { "text": "hub" } }), "text", "hub"),
        (
            json!({ "type": "MX", "name": "mail", "ttl": 900, "rdata": { "exchange": "gremlin.hnsexample.com", "preference": 0 } }),
            "exchange",
            "gremlin.hnsexample.com",
        ),
        (
            json!({ "type": "SRV", "name": "voip", "ttl": 900, "service": "_sip", "protocol": "udp",
                    "rdata": { "priority": 0, "weight": 0, "port": 5060, "target": "gremlin.hnsexample.com" } }),
            "target",
            "gremlin.hnsexample.com",
        ),
        (
            json!({ "type": "PTR", "name": "10.10.10.5", "ttl": 900, "rdata": { "ptrdname": "gremlin.hnsexample.com" } }),
            "ptrdname",
            "gremlin.hnsexample.com",
        ),
    ];
    let mut paths = Vec::new();
    for (body, member, value) in bodies {
        let (status, created) = send(&server, &token, Method::POST, &records, Some(body.clone())).await;
        assert_eq!(status, StatusCode::OK, "{created}");
        let path = format!("{records}/{}", created["id"].as_str().unwrap());
        let (status, read) = send(&server, &token, Method::GET, &path, None).await;
        assert_eq!(
            (status, &read["rdata"][member], &read["ttl"]),
            (StatusCode::OK, &json!(value), &json!(900)),
            "{read}"
        );
        let short = read["name"].as_str().unwrap().trim_end_matches("hnsexample.com").trim_matches('.').to_owned();
        match body["type"].as_str().unwrap() {
            "SRV" => assert_eq!(short.split('.').nth(2), Some("voip"), "{read}"),
            "PTR" => assert_eq!(read["name"], "5.10.10.10.in-addr.arpa"),
            _ => assert_eq!(short, body["name"].as_str().unwrap(), "{read}"),
        }
        paths.push(path);
    }
    let body = json!({ "name": "note", "ttl": 300, "rdata": { "text": "hub zone" } });
    let (status, replaced) = send(&server, &token, Method::PUT, &paths[2], Some(body)).await;
    assert_eq!(
        (status, &replaced["ttl"], &replaced["rdata"]["text"]),
        (StatusCode::OK, &json!(300), &json!("hub zone"))
    );
    let (status, listed) = send(&server, &token, Method::GET, &format!("{records}?offset=0&limit=200"), None).await;
    assert_eq!((status, &listed["total_count"]), (StatusCode::OK, &json!(6)));

    // Destroy, in the provider's order: records (a 404 on a repeated delete means gone), the permitted network
    // (no wait for REMOVAL_IN_PROGRESS), the zone at once, then the instance, polled until 404.
    for path in paths.iter().rev() {
        let (status, _) = send(&server, &token, Method::DELETE, path, None).await;
        assert!(status == StatusCode::NO_CONTENT || status == StatusCode::NOT_FOUND, "{path}: {status}");
        assert_eq!(send(&server, &token, Method::GET, path, None).await.0, StatusCode::NOT_FOUND);
    }
    let (status, removing) = send(&server, &token, Method::DELETE, &network_path, None).await;
    assert_eq!((status, &removing["state"]), (StatusCode::ACCEPTED, &json!("REMOVAL_IN_PROGRESS")));
    assert_eq!(send(&server, &token, Method::DELETE, &zone_path, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(send(&server, &token, Method::GET, &zone_path, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        send(&server, &token, Method::DELETE, &format!("{instance_path}?recursive=false"), None).await.0,
        StatusCode::NO_CONTENT
    );
    // The delete's waiter reads the instance until it is `removed`.
    let (status, removed) = send(&server, &token, Method::GET, &instance_path, None).await;
    assert_eq!((status, &removed["state"]), (StatusCode::OK, &json!("removed")), "{removed}");
}
