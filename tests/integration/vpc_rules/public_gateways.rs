//! Public gateways over HTTP: create, list and page, rename, attach to and detach from subnets, the refusals of rules
//! G1–G9 with their codes and fields, `status` through the propagation delay, reserved IP updates and a subnet's
//! `ip_version`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::Net;
use crate::support::{Server, assert_envelope};

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// A refusal: the status, IBM's error code, the rule its message names and the field at fault.
fn assert_refused(status: StatusCode, body: &Value, expected: (StatusCode, &str, Option<&str>, Option<&str>)) {
    let (code, error, rule, field) = expected;
    assert_eq!(status, code, "{error}: {body}");
    assert_envelope(body, code, error);
    if let Some(rule) = rule {
        let message = text(&body["errors"][0]["message"]);
        assert!(message.ends_with(&format!("(rule {rule})")), "{error}: {body}");
    }
    assert_eq!(body["errors"][0]["target"]["name"].as_str(), field, "{error}: {body}");
}

async fn create(net: &Net<'_>, vpc: &str, zone: &str, name: &str) -> (StatusCode, Value) {
    let body = json!({ "name": name, "vpc": { "id": vpc }, "zone": { "name": zone } });
    net.call(&net.hub, Method::POST, "/v1/public_gateways", Some(body)).await
}

#[tokio::test]
async fn public_gateways_are_created_listed_attached_and_deleted() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let hub = &net.hub;
    let vpc = net.vpc(hub, "pgw-vpc", false).await;
    let vpc_id = text(&vpc["id"]);

    // Created without a name or floating IP: both are given, the address from 198.18.0.0/15.
    let body = json!({ "vpc": { "crn": vpc["crn"] }, "zone": { "name": "us-south-1" },
                       "resource_group": { "id": vpc["resource_group"]["id"] } });
    let (status, first) = net.call(hub, Method::POST, "/v1/public_gateways", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(
        (&first["resource_type"], &first["status"], &first["zone"]["name"], &first["vpc"]["id"]),
        (&json!("public_gateway"), &json!("available"), &json!("us-south-1"), &json!(vpc_id))
    );
    assert_eq!(first["floating_ip"]["address"], "198.18.0.1", "{first}");
    assert!(text(&first["name"]).split('-').count() == 4, "a generated name: {first}");
    assert!(text(&first["crn"]).ends_with(&format!("::public-gateway:{}", text(&first["id"]))), "{first}");
    let first_id = text(&first["id"]);
    let body = json!({ "name": "pgw-two", "vpc": { "id": vpc_id }, "zone": { "name": "us-south-2" },
                       "floating_ip": { "address": "203.0.113.9" } });
    let second = net.ok(hub, Method::POST, "/v1/public_gateways", Some(body)).await;
    assert_eq!(second["floating_ip"]["address"], "203.0.113.9");
    let (status, third) = create(&net, &vpc_id, "us-south-3", "pgw-three").await;
    assert_eq!((status, &third["floating_ip"]["address"]), (StatusCode::CREATED, &json!("198.18.0.2")), "{third}");

    // Listed newest first, two to a page.
    let page = net.ok(hub, Method::GET, "/v1/public_gateways?limit=2", None).await;
    let names: Vec<&Value> = page["public_gateways"].as_array().unwrap().iter().map(|g| &g["name"]).collect();
    assert_eq!(names, [&json!("pgw-three"), &json!("pgw-two")], "{page}");
    assert_eq!((&page["total_count"], &page["limit"]), (&json!(3), &json!(2)));
    let next = text(&page["next"]["href"]);
    let path = format!("/v1/public_gateways{}", next.split("/v1/public_gateways").nth(1).unwrap());
    let rest = net.ok(hub, Method::GET, &path, None).await;
    assert_eq!(rest["public_gateways"][0]["id"], json!(first_id), "{rest}");
    assert!(rest.get("next").is_none(), "{rest}");
    let group = text(&first["resource_group"]["id"]);
    let by_group = net.ok(hub, Method::GET, &format!("/v1/public_gateways?resource_group.id={group}"), None).await;
    assert_eq!(by_group["total_count"], 3);
    let other_group = net.ok(hub, Method::GET, "/v1/public_gateways?resource_group.id=nothing", None).await;
    assert_eq!(other_group["total_count"], 0);

    // Renamed, with its ETag.
    let path = format!("/v1/public_gateways/{first_id}");
    let renamed = net.ok(hub, Method::PATCH, &path, Some(json!({ "name": "pgw-one" }))).await;
    assert_eq!((&renamed["name"], &renamed["floating_ip"]), (&json!("pgw-one"), &first["floating_ip"]));
    assert_eq!(net.ok(hub, Method::GET, &path, None).await, renamed);

    // A subnet takes a gateway at creation, or later; its representation shows it.
    let body = json!({ "name": "with-pgw", "vpc": { "id": vpc_id }, "zone": { "name": "us-south-1" },
                       "total_ipv4_address_count": 256, "public_gateway": { "id": first_id } });
    let subnet = net.ok(hub, Method::POST, "/v1/subnets", Some(body)).await;
    assert_eq!(
        (&subnet["public_gateway"]["id"], &subnet["public_gateway"]["name"]),
        (&json!(first_id), &json!("pgw-one"))
    );
    let later = net.subnet(hub, &vpc_id, "us-south-2").await;
    assert!(later.get("public_gateway").is_none(), "{later}");
    let later_path = format!("/v1/subnets/{}/public_gateway", text(&later["id"]));
    let (status, none) = net.call(hub, Method::GET, &later_path, None).await;
    assert_refused(status, &none, (StatusCode::NOT_FOUND, "not_found", None, None));
    let (status, attached) = net.call(hub, Method::PUT, &later_path, Some(json!({ "id": second["id"] }))).await;
    assert_eq!((status, &attached["id"]), (StatusCode::CREATED, &second["id"]), "{attached}");
    assert_eq!(net.ok(hub, Method::GET, &later_path, None).await["id"], second["id"]);
    let shown = net.ok(hub, Method::GET, &format!("/v1/subnets/{}", text(&later["id"])), None).await;
    assert_eq!(shown["public_gateway"]["id"], second["id"]);

    // Attached gateways stay; the VPC stays while it has gateways.
    let (status, body) = net.call(hub, Method::DELETE, &path, None).await;
    assert_refused(status, &body, (StatusCode::CONFLICT, "public_gateway_in_use", Some("G6"), None));
    let (status, body) = net.call(hub, Method::DELETE, &format!("/v1/vpcs/{vpc_id}"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // Detached, then deleted; detaching twice is a 404.
    let subnet_path = format!("/v1/subnets/{}/public_gateway", text(&subnet["id"]));
    let (status, _) = net.call(hub, Method::DELETE, &subnet_path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = net.call(hub, Method::DELETE, &subnet_path, None).await;
    assert_refused(status, &body, (StatusCode::NOT_FOUND, "not_found", None, None));
    let (status, _) = net.call(hub, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = net.call(hub, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The released address is given again.
    let (_, again) = create(&net, &vpc_id, "us-south-1", "pgw-again").await;
    assert_eq!(again["floating_ip"]["address"], "198.18.0.1", "{again}");

    // Everything goes, and then the VPC may.
    net.ok(hub, Method::DELETE, &later_path, None).await;
    for subnet in [&subnet, &later] {
        net.ok(hub, Method::DELETE, &format!("/v1/subnets/{}", text(&subnet["id"])), None).await;
    }
    for gateway in [&again, &second, &third] {
        net.ok(hub, Method::DELETE, &format!("/v1/public_gateways/{}", text(&gateway["id"])), None).await;
    }
    net.ok(hub, Method::DELETE, &format!("/v1/vpcs/{vpc_id}"), None).await;
}

#[tokio::test]
async fn public_gateway_refusals_name_their_rule_and_field() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let hub = &net.hub;
    let vpc = text(&net.vpc(hub, "refusals", false).await["id"]);
    let other = text(&net.vpc(hub, "other", false).await["id"]);
    let (_, pgw) = create(&net, &vpc, "us-south-1", "pgw").await;
    let pgw_id = text(&pgw["id"]);

    let (status, body) = create(&net, &vpc, "us-south-1", "second").await;
    assert_refused(status, &body, (StatusCode::CONFLICT, "public_gateway_zone_exists", Some("G1"), Some("zone.name")));
    // A zone of another region (and a name that is no zone at all).
    for zone in ["eu-de-1", "us-south-9"] {
        let (status, body) = create(&net, &vpc, zone, "elsewhere").await;
        assert_refused(status, &body, (StatusCode::BAD_REQUEST, "invalid_zone", Some("G2"), Some("zone.name")));
    }
    let (status, body) = create(&net, &other, "us-south-1", "pgw").await;
    assert_refused(status, &body, (StatusCode::CONFLICT, "public_gateway_name_duplicate", Some("G3"), Some("name")));
    let body = json!({ "vpc": { "id": other }, "zone": { "name": "us-south-1" }, "floating_ip": { "id": pgw["floating_ip"]["id"] } });
    let (status, body) = net.call(hub, Method::POST, "/v1/public_gateways", Some(body)).await;
    assert_refused(status, &body, (StatusCode::CONFLICT, "floating_ip_in_use", Some("G4"), Some("floating_ip")));
    let body = json!({ "vpc": { "id": other }, "zone": { "name": "us-south-1" },
                       "floating_ip": { "href": "http://x/v1/floating_ips/r006-nothing" } });
    let (status, body) = net.call(hub, Method::POST, "/v1/public_gateways", Some(body)).await;
    assert_refused(status, &body, (StatusCode::NOT_FOUND, "not_found", Some("G4"), Some("floating_ip")));
    for (address, status_code, code) in [
        ("192.168.0.1", StatusCode::BAD_REQUEST, "floating_ip_address_invalid"),
        ("198.18.0.1", StatusCode::CONFLICT, "floating_ip_address_in_use"),
    ] {
        let body =
            json!({ "vpc": { "id": other }, "zone": { "name": "us-south-1" }, "floating_ip": { "address": address } });
        let (status, body) = net.call(hub, Method::POST, "/v1/public_gateways", Some(body)).await;
        assert_refused(status, &body, (status_code, code, Some("G5"), Some("floating_ip.address")));
    }
    let body =
        json!({ "vpc": { "id": other }, "zone": { "name": "us-south-1" }, "floating_ip": { "address": "nowhere" } });
    let (status, body) = net.call(hub, Method::POST, "/v1/public_gateways", Some(body)).await;
    assert_refused(status, &body, (StatusCode::BAD_REQUEST, "invalid_body", None, Some("floating_ip.address")));
    let (status, body) =
        net.call(hub, Method::POST, "/v1/public_gateways", Some(json!({ "vpc": { "id": vpc } }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errors"][0]["target"]["name"], "zone", "{body}");

    let (status, body) = net.call(hub, Method::DELETE, &format!("/v1/vpcs/{vpc}"), None).await;
    assert_refused(status, &body, (StatusCode::CONFLICT, "vpc_in_use", Some("G7"), None));

    // Attaching needs the subnet's VPC (G8) and zone (G9).
    let elsewhere = net.subnet(hub, &other, "us-south-1").await;
    let path = format!("/v1/subnets/{}/public_gateway", text(&elsewhere["id"]));
    let (status, body) = net.call(hub, Method::PUT, &path, Some(json!({ "id": pgw_id }))).await;
    assert_refused(
        status,
        &body,
        (StatusCode::BAD_REQUEST, "public_gateway_not_in_vpc", Some("G8"), Some("public_gateway")),
    );
    let body = json!({ "vpc": { "id": vpc }, "zone": { "name": "us-south-2" }, "total_ipv4_address_count": 16,
                       "public_gateway": { "id": pgw_id } });
    let (status, body) = net.call(hub, Method::POST, "/v1/subnets", Some(body)).await;
    assert_refused(
        status,
        &body,
        (StatusCode::BAD_REQUEST, "public_gateway_zone_mismatch", Some("G9"), Some("public_gateway")),
    );
    assert_eq!(net.ok(hub, Method::GET, &format!("/v1/subnets?vpc.id={vpc}"), None).await["total_count"], 0);

    // Another account's gateway is not found, whichever way it is named.
    let spoke_vpc = text(&net.vpc(&net.spoke, "spoke", false).await["id"]);
    let spoke_subnet = net.subnet(&net.spoke, &spoke_vpc, "us-south-1").await;
    let path = format!("/v1/subnets/{}/public_gateway", text(&spoke_subnet["id"]));
    let (status, body) = net.call(&net.spoke, Method::PUT, &path, Some(json!({ "crn": pgw["crn"] }))).await;
    assert_refused(status, &body, (StatusCode::NOT_FOUND, "not_found", None, Some("public_gateway")));
}

#[tokio::test]
async fn a_public_gateway_is_pending_until_the_propagation_delay_passes() {
    const DELAY_MS: u64 = 1_500;
    let server = Server::start(&["--ephemeral", "--propagation-delay", &format!("{DELAY_MS}ms")], None).await;
    let net = Net::new(&server).await;
    let vpc = text(&net.vpc(&net.hub, "slow", false).await["id"]);
    let (status, created) = create(&net, &vpc, "us-south-1", "slow-pgw").await;
    assert_eq!((status, &created["status"]), (StatusCode::CREATED, &json!("pending")), "{created}");
    let path = format!("/v1/public_gateways/{}", text(&created["id"]));
    tokio::time::sleep(std::time::Duration::from_millis(DELAY_MS + 200)).await;
    assert_eq!(net.ok(&net.hub, Method::GET, &path, None).await["status"], "available");
}

#[tokio::test]
async fn reserved_ips_are_renamed_and_subnets_are_ipv4_only() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let hub = &net.hub;
    let vpc = text(&net.vpc(hub, "ips", false).await["id"]);
    let subnet = text(&net.subnet(hub, &vpc, "us-south-1").await["id"]);
    let ips = format!("/v1/subnets/{subnet}/reserved_ips");
    let first = net.ok(hub, Method::POST, &ips, Some(json!({ "name": "first" }))).await;
    net.ok(hub, Method::POST, &ips, Some(json!({ "name": "second" }))).await;
    let path = format!("{ips}/{}", text(&first["id"]));
    let updated = net.ok(hub, Method::PATCH, &path, Some(json!({ "name": "renamed", "auto_delete": true }))).await;
    assert_eq!((&updated["name"], &updated["auto_delete"]), (&json!("renamed"), &json!(true)), "{updated}");
    assert_eq!(updated["address"], first["address"]);
    // Fields left out stay as they are.
    let kept = net.ok(hub, Method::PATCH, &path, Some(json!({ "auto_delete": false }))).await;
    assert_eq!((&kept["name"], &kept["auto_delete"]), (&json!("renamed"), &json!(false)));
    assert_eq!(net.ok(hub, Method::GET, &path, None).await, kept);
    let (status, body) = net.call(hub, Method::PATCH, &path, Some(json!({ "name": "second" }))).await;
    assert_eq!(
        (status, body["errors"][0]["code"].clone()),
        (StatusCode::CONFLICT, json!("reserved_ip_name_duplicate"))
    );
    assert_eq!(body["errors"][0]["target"]["name"], "name", "{body}");
    let (status, body) = net.call(hub, Method::PATCH, &path, Some(json!({ "name": "Not Valid" }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = net.call(hub, Method::PATCH, &format!("{ips}/r006-missing"), Some(json!({ "name": "x" }))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    for version in ["ipv6", "dual"] {
        let body = json!({ "vpc": { "id": vpc }, "zone": { "name": "us-south-2" }, "total_ipv4_address_count": 16,
                           "ip_version": version });
        let (status, body) = net.call(hub, Method::POST, "/v1/subnets", Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["errors"][0]["target"]["name"], "ip_version", "{body}");
    }
    let body = json!({ "vpc": { "id": vpc }, "zone": { "name": "us-south-2" }, "total_ipv4_address_count": 16,
                       "ip_version": "ipv4" });
    assert_eq!(net.ok(hub, Method::POST, "/v1/subnets", Some(body)).await["ip_version"], "ipv4");
}
