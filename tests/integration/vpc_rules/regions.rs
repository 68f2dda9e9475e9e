//! Regions over HTTP: each region is served under its own base path, resources belong to the region they were
//! created in and are found only through it, and DNS sharing across regions is refused (rules C4 and S10).

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{Net, VERSION};
use crate::support::Server;

#[tokio::test]
async fn each_region_is_served_under_its_base_path_and_keeps_its_resources() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let spoke = &net.spoke;

    // The catalog tells where this server serves each region.
    let regions = net.ok(spoke, Method::GET, "/v1/regions", None).await;
    assert_eq!(regions["regions"].as_array().unwrap().len(), 13);
    let frankfurt = net.ok(spoke, Method::GET, "/v1/regions/eu-de", None).await;
    assert_eq!(frankfurt["endpoint"], server.url("/eu-de"));
    let zones = net.ok(spoke, Method::GET, "/eu-de/v1/regions/eu-de/zones", None).await;
    assert_eq!(zones["zones"][1]["name"], "eu-de-2");

    // A VPC created through the eu-de base path is an eu-de VPC: its id, CRN, href, zones and default prefixes.
    let vpc = net.ok(spoke, Method::POST, "/eu-de/v1/vpcs", Some(json!({ "name": "frankfurt" }))).await;
    let id = vpc["id"].as_str().unwrap();
    assert!(id.starts_with("r010-"), "{id}");
    assert!(vpc["crn"].as_str().unwrap().starts_with("crn:v1:bluemix:public:is:eu-de:"), "{vpc}");
    assert_eq!(vpc["href"], server.url(&format!("/eu-de/v1/vpcs/{id}")));
    let prefixes = net.ok(spoke, Method::GET, &format!("/eu-de/v1/vpcs/{id}/address_prefixes"), None).await;
    let cidrs: Vec<&str> =
        prefixes["address_prefixes"].as_array().unwrap().iter().map(|p| p["cidr"].as_str().unwrap()).collect();
    assert_eq!(cidrs, ["10.243.0.0/18", "10.243.64.0/18", "10.243.128.0/18"]);
    assert_eq!(prefixes["address_prefixes"][0]["zone"]["href"], server.url("/eu-de/v1/regions/eu-de/zones/eu-de-1"));

    let subnet = json!({ "vpc": { "id": id }, "zone": { "name": "us-south-1" }, "total_ipv4_address_count": 256 });
    let (status, refused) = net.call(spoke, Method::POST, "/eu-de/v1/subnets", Some(subnet)).await;
    assert_eq!((status, refused["errors"][0]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_zone")));
    let subnet = json!({ "vpc": { "id": id }, "zone": { "name": "eu-de-3" }, "total_ipv4_address_count": 256 });
    let subnet = net.ok(spoke, Method::POST, "/eu-de/v1/subnets", Some(subnet)).await;
    assert!(subnet["ipv4_cidr_block"].as_str().unwrap().starts_with("10.243.128."), "{subnet}");

    // Through the default region (`/v1`, us-south) and any other region, none of it exists.
    for base in ["/v1", "/us-south/v1", "/jp-tok/v1"] {
        let listed = net.ok(spoke, Method::GET, &format!("{base}/vpcs"), None).await;
        assert_eq!(listed["vpcs"], json!([]), "{base}");
        for path in [format!("vpcs/{id}"), format!("subnets/{}", subnet["id"].as_str().unwrap())] {
            let (status, _) = net.call(spoke, Method::GET, &format!("{base}/{path}"), None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{base}/{path}");
        }
        let (status, _) = net.call(spoke, Method::DELETE, &format!("{base}/vpcs/{id}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{base}");
    }
    let listed = net.ok(spoke, Method::GET, "/eu-de/v1/vpcs", None).await;
    assert_eq!(listed["vpcs"][0]["id"], id);
    // A list's paging links stay in the region.
    assert!(listed["first"]["href"].as_str().unwrap().starts_with(&server.url("/eu-de/v1/vpcs")), "{listed}");

    // An unknown region is no base path at all.
    let (status, body) =
        server.call(Method::GET, &format!("/mars/v1/vpcs?version={VERSION}"), Some(&spoke.token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn dns_sharing_across_regions_is_refused() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    // A complete hub in eu-de, authorized for the spoke account.
    let hub = net
        .ok(&net.hub, Method::POST, "/eu-de/v1/vpcs", Some(json!({ "name": "hub", "dns": { "enable_hub": true } })))
        .await;
    let body = json!({ "vpc": { "id": hub["id"] }, "zone": { "name": "eu-de-1" }, "total_ipv4_address_count": 256 });
    let subnet = net.ok(&net.hub, Method::POST, "/eu-de/v1/subnets", Some(body)).await;
    net.resolver(&net.hub, &subnet).await;
    net.grant(None, &hub).await;

    // A spoke in us-south binds to it by its CRN: refused for the region, not as a missing VPC.
    let spoke = net.vpc(&net.spoke, "spoke", false).await;
    let (status, refused) = net.bind(&net.spoke, &spoke, &hub).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    let error = &refused["errors"][0];
    assert_eq!(error["code"], "dns_resolution_binding_cross_region");
    assert_eq!(error["target"]["name"], "vpc.crn");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("eu-de") && message.contains("us-south") && message.contains("(rule C4)"), "{message}");

    // Delegating to it is refused by its own rule, with the resolver's field.
    let (status, refused) = net.delegate(&net.spoke, &spoke, &hub).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    let error = &refused["errors"][0];
    assert_eq!(error["code"], "dns_resolver_vpc_cross_region");
    assert_eq!(error["target"]["name"], "dns.resolver.vpc.crn");
    assert!(error["message"].as_str().unwrap().contains("(rule S10)"), "{error}");

    // The same spoke created in eu-de binds.
    let spoke = net.ok(&net.spoke, Method::POST, "/eu-de/v1/vpcs", Some(json!({ "name": "spoke-frankfurt" }))).await;
    let path = format!("/eu-de/v1/vpcs/{}/dns_resolution_bindings", spoke["id"].as_str().unwrap());
    let bound = net.ok(&net.spoke, Method::POST, &path, Some(json!({ "vpc": { "crn": hub["crn"] } }))).await;
    assert_eq!(bound["vpc"]["id"], hub["id"]);
}

#[tokio::test]
async fn the_default_region_is_a_flag() {
    let server = Server::start(&["--ephemeral", "--region", "jp-tok"], None).await;
    let net = Net::new(&server).await;
    let vpc = net.vpc(&net.spoke, "tokyo", false).await;
    assert!(vpc["id"].as_str().unwrap().starts_with("r022-"), "{vpc}");
    assert!(vpc["crn"].as_str().unwrap().contains(":is:jp-tok:"), "{vpc}");
    let listed = net.ok(&net.spoke, Method::GET, "/jp-tok/v1/vpcs", None).await;
    assert_eq!(listed["vpcs"][0]["id"], vpc["id"]);
}
