//! The Transit Gateway API over HTTP: the landing zone's gateway with its hub and spoke VPCs, every refusal of rules
//! T1–T6 with its status, code and rule, the `version` query, statuses under `--propagation-delay`, and locations.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Account, Server};
use crate::vpc_rules::{Net, VERSION};

/// `path` with the `version` query every Transit Gateway request carries.
pub fn tg_path(path: &str) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}version={VERSION}")
}

pub async fn tg(
    server: &Server,
    who: &Account,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    server.call(method, &tg_path(path), Some(&who.token), body).await
}

/// A manual VPC with one address prefix (the landing zone's way: the prefix is the subnet's range).
pub async fn manual_vpc(net: &Net<'_>, who: &Account, name: &str, cidr: &str) -> Value {
    let vpc = net
        .ok(who, Method::POST, "/v1/vpcs", Some(json!({ "name": name, "address_prefix_management": "manual" })))
        .await;
    let path = format!("/v1/vpcs/{}/address_prefixes", vpc["id"].as_str().unwrap());
    let body = json!({ "name": format!("{name}-prefix"), "zone": { "name": "us-south-1" }, "cidr": cidr });
    net.ok(who, Method::POST, &path, Some(body)).await;
    vpc
}

fn assert_refused(status: StatusCode, body: &Value, expected: StatusCode, code: &str, rule: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["errors"][0]["code"], code, "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.ends_with(&format!("(rule {rule})")), "{message}");
    assert!(body["trace"].is_string(), "{body}");
}

#[tokio::test]
async fn the_landing_zone_gateway_connects_hub_and_spoke_and_keeps_their_prefixes_apart() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let me = &net.spoke;
    let hub = manual_vpc(&net, me, "hub-vpc", "10.10.10.0/24").await;
    let spoke = manual_vpc(&net, me, "spoke-vpc", "10.40.10.0/24").await;

    let body = json!({ "name": "lz-tg", "location": "us-south", "global": false });
    let (status, gateway) = tg(&server, me, Method::POST, "/v1/transit_gateways", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{gateway}");
    let id = gateway["id"].as_str().unwrap().to_owned();
    assert_eq!((gateway["status"].as_str(), gateway["global"].as_bool()), (Some("available"), Some(false)));
    assert_eq!(gateway["crn"], format!("crn:v1:bluemix:public:transit:us-south:a/{}::gateway:{id}", me.id));
    assert!(gateway["resource_group"]["id"].is_string() && gateway["created_at"].is_string());

    let connections = format!("/v1/transit_gateways/{id}/connections");
    let mut connection_ids = Vec::new();
    for vpc in [&hub, &spoke] {
        let body = json!({ "network_type": "vpc", "network_id": vpc["crn"] });
        let (status, connection) = tg(&server, me, Method::POST, &connections, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{connection}");
        assert_eq!(connection["name"], vpc["name"], "the name defaults to the VPC's");
        assert_eq!(
            (connection["status"].as_str(), connection["network_id"].clone()),
            (Some("attached"), vpc["crn"].clone())
        );
        assert_eq!(connection["transit_gateway"]["id"], id.as_str());
        connection_ids.push(connection["id"].as_str().unwrap().to_owned());
    }
    let (_, listed) = tg(&server, me, Method::GET, &connections, None).await;
    assert_eq!((listed["connections"].as_array().unwrap().len(), listed["total_count"].as_u64()), (2, Some(2)));
    let (_, all) = tg(&server, me, Method::GET, "/v1/connections", None).await;
    assert_eq!(all["connections"].as_array().unwrap().len(), 2, "{all}");
    let (_, read) = tg(&server, me, Method::GET, &format!("/v1/transit_gateways/{id}"), None).await;
    assert_eq!(read["connection_count"], 2);

    // T3: the hub joins the gateway once.
    let body = json!({ "network_type": "vpc", "network_id": hub["crn"], "name": "again" });
    let (status, refused) = tg(&server, me, Method::POST, &connections, Some(body)).await;
    assert_refused(status, &refused, StatusCode::CONFLICT, "network_already_connected", "T3");
    // T4 afterwards: a prefix of the spoke that overlaps the hub's is refused, naming both.
    let path = format!("/v1/vpcs/{}/address_prefixes", spoke["id"].as_str().unwrap());
    let body = json!({ "zone": { "name": "us-south-2" }, "cidr": "10.10.0.0/16" });
    let (status, refused) = net.call(me, Method::POST, &path, Some(body)).await;
    assert_refused(status, &refused, StatusCode::CONFLICT, "overlapping_prefixes", "T4");
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("`10.10.0.0/16`") && message.contains("`10.10.10.0/24`"), "{message}");
    assert_eq!(refused["errors"][0]["target"]["name"], "cidr");
    // T5 and T6: a connected VPC and a gateway with connections stay.
    let (status, refused) =
        net.call(me, Method::DELETE, &format!("/v1/vpcs/{}", hub["id"].as_str().unwrap()), None).await;
    assert_refused(status, &refused, StatusCode::CONFLICT, "vpc_has_transit_gateway_connections", "T5");
    let (status, refused) = tg(&server, me, Method::DELETE, &format!("/v1/transit_gateways/{id}"), None).await;
    assert_refused(status, &refused, StatusCode::CONFLICT, "gateway_has_connections", "T6");

    // Rename, then tear down in Terraform's order.
    let (status, renamed) =
        tg(&server, me, Method::PATCH, &format!("/v1/transit_gateways/{id}"), Some(json!({ "name": "lz-tg-2" }))).await;
    assert_eq!((status, renamed["name"].as_str()), (StatusCode::OK, Some("lz-tg-2")));
    let first = format!("{connections}/{}", connection_ids[0]);
    let (status, renamed) = tg(&server, me, Method::PATCH, &first, Some(json!({ "name": "hub-link" }))).await;
    assert_eq!((status, renamed["name"].as_str()), (StatusCode::OK, Some("hub-link")));
    for connection in &connection_ids {
        let path = format!("{connections}/{connection}");
        assert_eq!(tg(&server, me, Method::DELETE, &path, None).await.0, StatusCode::NO_CONTENT);
        assert_eq!(tg(&server, me, Method::GET, &path, None).await.0, StatusCode::NOT_FOUND);
    }
    assert_eq!(
        tg(&server, me, Method::DELETE, &format!("/v1/transit_gateways/{id}"), None).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, gone) = tg(&server, me, Method::GET, &format!("/v1/transit_gateways/{id}"), None).await;
    assert_eq!((status, gone["errors"][0]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
}

#[tokio::test]
async fn two_auto_prefix_vpcs_cannot_share_a_gateway() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let me = &net.spoke;
    let first = net.vpc(me, "first", false).await;
    let second = net.vpc(me, "second", false).await;
    let body = json!({ "name": "tg", "location": "us-south" });
    let (_, gateway) = tg(&server, me, Method::POST, "/v1/transit_gateways", Some(body)).await;
    let connections = format!("/v1/transit_gateways/{}/connections", gateway["id"].as_str().unwrap());
    let body = json!({ "network_type": "vpc", "network_id": first["crn"] });
    assert_eq!(tg(&server, me, Method::POST, &connections, Some(body)).await.0, StatusCode::CREATED);
    let body = json!({ "network_type": "vpc", "network_id": second["crn"] });
    let (status, refused) = tg(&server, me, Method::POST, &connections, Some(body)).await;
    assert_refused(status, &refused, StatusCode::CONFLICT, "overlapping_prefixes", "T4");
    let message = refused["errors"][0]["message"].as_str().unwrap();
    // Both VPCs have the same three defaults; whichever pair is found, both of its prefixes are named, and they are equal.
    let named: Vec<&str> = message.split('`').skip(1).step_by(2).filter(|part| part.starts_with("10.240.")).collect();
    assert!(named.len() == 2 && named[0] == named[1], "both prefixes are named: {message}");
    // Nothing was written: the gateway still has one connection.
    let (_, listed) = tg(&server, me, Method::GET, &connections, None).await;
    assert_eq!(listed["connections"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn refusals_name_their_rule_and_field() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let me = &net.spoke;
    let vpc = net.vpc(me, "dallas", false).await;
    let other = net.vpc(&net.hub, "elsewhere", false).await;

    let (status, refused) = server.call(Method::GET, "/v1/transit_gateways", Some(&me.token), None).await;
    assert_eq!((status, refused["errors"][0]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("missing_version")));
    let (status, refused) =
        tg(&server, me, Method::POST, "/v1/transit_gateways", Some(json!({ "name": "x", "location": "mars" }))).await;
    assert_refused(status, &refused, StatusCode::BAD_REQUEST, "invalid_location", "T2");
    let (status, refused) =
        tg(&server, me, Method::POST, "/v1/transit_gateways", Some(json!({ "location": "us-south" }))).await;
    assert_eq!((status, refused["errors"][0]["target"]["name"].as_str()), (StatusCode::BAD_REQUEST, Some("name")));

    let (_, local) = tg(
        &server,
        me,
        Method::POST,
        "/v1/transit_gateways",
        Some(json!({ "name": "frankfurt", "location": "eu-de" })),
    )
    .await;
    let connections = format!("/v1/transit_gateways/{}/connections", local["id"].as_str().unwrap());
    let cases = [
        (json!({ "network_type": "classic" }), StatusCode::BAD_REQUEST, "invalid_network_type", "T1", "network_type"),
        (
            json!({ "network_type": "vpc", "network_id": other["crn"] }),
            StatusCode::BAD_REQUEST,
            "cross_account_unsupported",
            "T1",
            "network_id",
        ),
        (
            json!({ "network_type": "vpc", "network_id": vpc["crn"], "network_account_id": net.hub.id }),
            StatusCode::BAD_REQUEST,
            "cross_account_unsupported",
            "T1",
            "network_account_id",
        ),
        (
            json!({ "network_type": "vpc", "network_id": vpc["crn"] }),
            StatusCode::BAD_REQUEST,
            "connection_location_conflict",
            "T2",
            "network_id",
        ),
    ];
    for (body, expected, code, rule, field) in cases {
        let (status, refused) = tg(&server, me, Method::POST, &connections, Some(body)).await;
        assert_refused(status, &refused, expected, code, rule);
        assert_eq!(refused["errors"][0]["target"]["name"], field, "{refused}");
    }
    // A global gateway in another region takes the VPC.
    let body = json!({ "name": "everywhere", "location": "eu-de", "global": true });
    let (_, global) = tg(&server, me, Method::POST, "/v1/transit_gateways", Some(body)).await;
    let path = format!("/v1/transit_gateways/{}/connections", global["id"].as_str().unwrap());
    let body = json!({ "network_type": "vpc", "network_id": vpc["crn"], "name": "dallas-link" });
    assert_eq!(tg(&server, me, Method::POST, &path, Some(body)).await.0, StatusCode::CREATED);
    // Making it local would strand that connection.
    let path = format!("/v1/transit_gateways/{}", global["id"].as_str().unwrap());
    let (status, refused) = tg(&server, me, Method::PATCH, &path, Some(json!({ "global": false }))).await;
    assert_refused(status, &refused, StatusCode::CONFLICT, "connection_location_conflict", "T2");
    // Gateway names are unique in an account.
    let body = json!({ "name": "everywhere", "location": "us-south" });
    let (status, refused) = tg(&server, me, Method::POST, "/v1/transit_gateways", Some(body)).await;
    assert_eq!((status, refused["errors"][0]["code"].as_str()), (StatusCode::CONFLICT, Some("name_conflict")));
}

#[tokio::test]
async fn statuses_follow_the_propagation_delay() {
    const DELAY_MS: u64 = 1500;
    let server = Server::start(&["--ephemeral", "--propagation-delay", &format!("{DELAY_MS}ms")], None).await;
    let net = Net::new(&server).await;
    let me = &net.spoke;
    let vpc = manual_vpc(&net, me, "only", "10.10.10.0/24").await;
    let (_, gateway) =
        tg(&server, me, Method::POST, "/v1/transit_gateways", Some(json!({ "name": "slow", "location": "us-south" })))
            .await;
    assert_eq!(gateway["status"], "pending");
    let connections = format!("/v1/transit_gateways/{}/connections", gateway["id"].as_str().unwrap());
    let body = json!({ "network_type": "vpc", "network_id": vpc["crn"] });
    let (_, connection) = tg(&server, me, Method::POST, &connections, Some(body)).await;
    assert_eq!(connection["status"], "pending");
    tokio::time::sleep(std::time::Duration::from_millis(DELAY_MS + 200)).await;
    let (_, gateway) =
        tg(&server, me, Method::GET, &format!("/v1/transit_gateways/{}", gateway["id"].as_str().unwrap()), None).await;
    assert_eq!(gateway["status"], "available");
    let path = format!("{connections}/{}", connection["id"].as_str().unwrap());
    assert_eq!(tg(&server, me, Method::GET, &path, None).await.1["status"], "attached");
}

#[tokio::test]
async fn locations_are_the_regions_of_the_catalog() {
    let server = Server::ephemeral().await;
    let me = server.account("me").await;
    let (status, listed) = tg(&server, &me, Method::GET, "/v1/locations", None).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> =
        listed["locations"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert!(names.len() == 13 && names.contains(&"us-south") && names.contains(&"eu-de"), "{names:?}");
    let (status, location) = tg(&server, &me, Method::GET, "/v1/locations/us-south", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(location["zones"].as_array().unwrap().len(), 3);
    assert_eq!(location["local_connection_locations"][0]["name"], "us-south");
    assert_eq!(tg(&server, &me, Method::GET, "/v1/locations/mars", None).await.0, StatusCode::NOT_FOUND);
}
