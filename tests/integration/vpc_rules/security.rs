//! Security groups, network ACLs and routing tables over HTTP: every VPC's defaults exist and are referenced, ACL
//! rules keep their order and `before` places them, an attached ACL stays, and rule bodies are validated in the
//! shapes of the request's API version, each refusal naming its field.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::Net;
use crate::support::{Server, assert_envelope};

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// A refusal: the status, IBM's error code and the field at fault.
fn assert_refused(status: StatusCode, body: &Value, expected: (StatusCode, &str, Option<&str>), what: &str) {
    assert_eq!(status, expected.0, "{what}: {body}");
    assert_envelope(body, expected.0, expected.1);
    let target = body["errors"][0]["target"]["name"].as_str();
    assert_eq!(target, expected.2, "{what}: {body}");
}

#[tokio::test]
async fn every_vpc_has_default_security_group_acl_and_routing_table_that_its_resources_reference() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let hub = &net.hub;
    let vpc = net.vpc(hub, "defaults", false).await;
    let vpc_id = text(&vpc["id"]);
    let sg_id = text(&vpc["default_security_group"]["id"]);
    let acl_id = text(&vpc["default_network_acl"]["id"]);
    let rt_id = text(&vpc["default_routing_table"]["id"]);
    assert_eq!(
        (sg_id.clone(), acl_id.clone(), rt_id.clone()),
        (format!("{vpc_id}-sg"), format!("{vpc_id}-acl"), format!("{vpc_id}-rt"))
    );

    let group = net.ok(hub, Method::GET, &format!("/v1/security_groups/{sg_id}"), None).await;
    assert_eq!(group["name"], vpc["default_security_group"]["name"]);
    let rules = group["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2, "{group}");
    assert_eq!(
        (&rules[0]["direction"], &rules[0]["protocol"], &rules[0]["remote"]["id"]),
        (&json!("inbound"), &json!("icmp_tcp_udp"), &json!(sg_id))
    );
    assert_eq!((&rules[1]["direction"], &rules[1]["remote"]["cidr_block"]), (&json!("outbound"), &json!("0.0.0.0/0")));
    let listed = net.ok(hub, Method::GET, &format!("/v1/security_groups?vpc.id={vpc_id}"), None).await;
    assert_eq!((listed["total_count"].clone(), listed["security_groups"][0]["id"].clone()), (json!(1), json!(sg_id)));
    let by_default = net.ok(hub, Method::GET, &format!("/v1/vpcs/{vpc_id}/default_security_group"), None).await;
    assert_eq!(by_default["id"], json!(sg_id));

    let acl = net.ok(hub, Method::GET, &format!("/v1/network_acls/{acl_id}"), None).await;
    let names: Vec<&Value> = acl["rules"].as_array().unwrap().iter().map(|r| &r["name"]).collect();
    assert_eq!(names, [&json!("allow-inbound"), &json!("allow-outbound")]);
    assert_eq!(acl["rules"][0]["protocol"], "icmp_tcp_udp");
    assert_eq!(acl["rules"][0]["before"]["id"], acl["rules"][1]["id"]);
    // Before 2025-12-09 the same rule reads `all`.
    let (_, old) = server
        .call(Method::GET, &format!("/v1/network_acls/{acl_id}?version=2025-06-01"), Some(&hub.token), None)
        .await;
    assert_eq!(old["rules"][0]["protocol"], "all", "{old}");

    let tables = net.ok(hub, Method::GET, &format!("/v1/vpcs/{vpc_id}/routing_tables"), None).await;
    assert_eq!((tables["total_count"].clone(), tables["routing_tables"][0]["id"].clone()), (json!(1), json!(rt_id)));
    let table = net.ok(hub, Method::GET, &format!("/v1/vpcs/{vpc_id}/routing_tables/{rt_id}"), None).await;
    assert_eq!((table["is_default"].clone(), table["routes"].clone()), (json!(true), json!([])));
    let by_default = net.ok(hub, Method::GET, &format!("/v1/vpcs/{vpc_id}/default_routing_table"), None).await;
    assert_eq!(by_default["id"], json!(rt_id));
    let others = net.ok(hub, Method::GET, &format!("/v1/vpcs/{vpc_id}/routing_tables?is_default=false"), None).await;
    assert_eq!(others["total_count"], 0);

    let subnet = net.subnet(hub, &vpc_id, "us-south-1").await;
    assert_eq!(
        (text(&subnet["network_acl"]["id"]), text(&subnet["routing_table"]["id"])),
        (acl_id.clone(), rt_id.clone())
    );
    let (status, gateway) = net.gateway(hub, &vpc, super::COS, "disabled").await;
    assert_eq!(status, StatusCode::CREATED, "{gateway}");
    assert_eq!(gateway["security_groups"][0]["id"], json!(sg_id));
    let targets = net.ok(hub, Method::GET, &format!("/v1/security_groups/{sg_id}/targets"), None).await;
    assert_eq!(targets["targets"][0]["id"], gateway["id"], "{targets}");
    let acl = net.ok(hub, Method::GET, &format!("/v1/network_acls/{acl_id}"), None).await;
    assert_eq!(acl["subnets"][0]["id"], subnet["id"]);

    // Targets change through the group: another group joins the gateway, and the last one cannot leave.
    let gateway_id = text(&gateway["id"]);
    let web =
        net.ok(hub, Method::POST, "/v1/security_groups", Some(json!({ "name": "web", "vpc": { "id": vpc_id } }))).await;
    let web_target = format!("/v1/security_groups/{}/targets/{gateway_id}", text(&web["id"]));
    let (status, added) = net.call(hub, Method::PUT, &web_target, None).await;
    assert_eq!((status, added["id"].clone()), (StatusCode::CREATED, gateway["id"].clone()), "{added}");
    net.ok(hub, Method::GET, &web_target, None).await;
    let groups =
        net.ok(hub, Method::GET, &format!("/v1/endpoint_gateways/{gateway_id}"), None).await["security_groups"].clone();
    assert_eq!(groups.as_array().map(Vec::len), Some(2), "{groups}");
    net.ok(hub, Method::DELETE, &format!("/v1/security_groups/{sg_id}/targets/{gateway_id}"), None).await;
    let (status, body) = net.call(hub, Method::DELETE, &web_target, None).await;
    assert_refused(status, &body, (StatusCode::CONFLICT, "security_group_target_last", None), "last group");
    let (status, body) =
        net.call(hub, Method::DELETE, &format!("/v1/security_groups/{}", text(&web["id"])), None).await;
    assert_refused(status, &body, (StatusCode::CONFLICT, "security_group_in_use", None), "group with a target");
    net.ok(hub, Method::PUT, &format!("/v1/security_groups/{sg_id}/targets/{gateway_id}"), None).await;
    net.ok(hub, Method::DELETE, &web_target, None).await;
    net.ok(hub, Method::DELETE, &format!("/v1/security_groups/{}", text(&web["id"])), None).await;

    // The defaults cannot be deleted on their own, and go with the VPC.
    let (status, body) = net.call(hub, Method::DELETE, &format!("/v1/security_groups/{sg_id}"), None).await;
    assert_refused(status, &body, (StatusCode::CONFLICT, "security_group_default", None), "default group");
    let (status, body) = net.call(hub, Method::DELETE, &format!("/v1/network_acls/{acl_id}"), None).await;
    assert_refused(status, &body, (StatusCode::CONFLICT, "network_acl_default", None), "default ACL");
    net.ok(hub, Method::DELETE, &format!("/v1/endpoint_gateways/{}", text(&gateway["id"])), None).await;
    net.ok(hub, Method::DELETE, &format!("/v1/subnets/{}", text(&subnet["id"])), None).await;
    net.ok(hub, Method::DELETE, &format!("/v1/vpcs/{vpc_id}"), None).await;
    for path in [format!("/v1/security_groups/{sg_id}"), format!("/v1/network_acls/{acl_id}")] {
        let (status, _) = net.call(hub, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}

async fn acl_rule(net: &Net<'_>, acl: &str, name: &str, before: Option<&Value>) -> Value {
    let mut body = json!({ "name": name, "action": "allow", "direction": "inbound", "source": "10.0.0.0/8",
                           "destination": "0.0.0.0/0", "protocol": "tcp", "destination_port_min": 22,
                           "destination_port_max": 22 });
    if let Some(before) = before {
        body["before"] = json!({ "id": before["id"] });
    }
    net.ok(&net.hub, Method::POST, &format!("/v1/network_acls/{acl}/rules"), Some(body)).await
}

#[tokio::test]
async fn acl_rules_keep_their_order_and_before_places_them() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let hub = &net.hub;
    let vpc = net.vpc(hub, "ordered", false).await;
    let acl = net
        .ok(hub, Method::POST, "/v1/network_acls", Some(json!({ "name": "strict", "vpc": { "id": vpc["id"] } })))
        .await;
    assert_eq!(acl["rules"], json!([]), "an ACL created without rules has none");
    let acl_id = text(&acl["id"]);
    let a = acl_rule(&net, &acl_id, "a", None).await;
    let b = acl_rule(&net, &acl_id, "b", None).await;
    let c = acl_rule(&net, &acl_id, "c", Some(&a)).await;
    assert_eq!(c["before"]["id"], a["id"]);
    let order =
        |body: &Value| -> Vec<String> { body["rules"].as_array().unwrap().iter().map(|r| text(&r["name"])).collect() };
    let listed = net.ok(hub, Method::GET, &format!("/v1/network_acls/{acl_id}/rules"), None).await;
    assert_eq!(order(&listed), ["c", "a", "b"]);
    net.ok(
        hub,
        Method::PATCH,
        &format!("/v1/network_acls/{acl_id}/rules/{}", text(&b["id"])),
        Some(json!({ "before": { "id": c["id"] } })),
    )
    .await;
    let acl = net.ok(hub, Method::GET, &format!("/v1/network_acls/{acl_id}"), None).await;
    assert_eq!(order(&acl), ["b", "c", "a"]);
    let outbound = net.ok(hub, Method::GET, &format!("/v1/network_acls/{acl_id}/rules?direction=outbound"), None).await;
    assert_eq!(outbound["total_count"], 0);
    let first_page = net.ok(hub, Method::GET, &format!("/v1/network_acls/{acl_id}/rules?limit=2"), None).await;
    assert_eq!(order(&first_page), ["b", "c"]);
    let next = text(&first_page["next"]["href"]);
    let path = next.split("/v1/network_acls").nth(1).map(|rest| format!("/v1/network_acls{rest}")).unwrap();
    let (_, second_page) = server.call(Method::GET, &path, Some(&hub.token), None).await;
    assert_eq!(order(&second_page), ["a"], "{second_page}");
    let (status, body) = net
        .call(
            hub,
            Method::POST,
            &format!("/v1/network_acls/{acl_id}/rules"),
            Some(json!({ "action": "allow", "direction": "inbound", "source": "0.0.0.0/0", "destination": "0.0.0.0/0",
                     "protocol": "any", "before": { "id": "r006-missing" } })),
        )
        .await;
    assert_refused(status, &body, (StatusCode::NOT_FOUND, "not_found", Some("before.id")), "unknown before");
    net.ok(hub, Method::DELETE, &format!("/v1/network_acls/{acl_id}/rules/{}", text(&c["id"])), None).await;
    let acl = net.ok(hub, Method::GET, &format!("/v1/network_acls/{acl_id}"), None).await;
    assert_eq!(order(&acl), ["b", "a"]);
}

#[tokio::test]
async fn an_acl_attached_to_a_subnet_cannot_be_deleted() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let hub = &net.hub;
    let vpc = net.vpc(hub, "attached", false).await;
    let acl = net
        .ok(hub, Method::POST, "/v1/network_acls", Some(json!({ "name": "strict", "vpc": { "id": vpc["id"] } })))
        .await;
    let acl_id = text(&acl["id"]);
    let subnet = net
        .ok(
            hub,
            Method::POST,
            "/v1/subnets",
            Some(json!({ "vpc": { "id": vpc["id"] }, "zone": { "name": "us-south-1" },
            "total_ipv4_address_count": 256, "network_acl": { "id": acl_id } })),
        )
        .await;
    assert_eq!(subnet["network_acl"]["id"], json!(acl_id));
    let (status, body) = net.call(hub, Method::DELETE, &format!("/v1/network_acls/{acl_id}"), None).await;
    assert_refused(status, &body, (StatusCode::CONFLICT, "network_acl_in_use", None), "attached ACL");
    assert!(net.call(hub, Method::GET, &format!("/v1/network_acls/{acl_id}"), None).await.0.is_success());
    let subnet_id = text(&subnet["id"]);
    let (status, attached) = net
        .call(
            hub,
            Method::PUT,
            &format!("/v1/subnets/{subnet_id}/network_acl"),
            Some(json!({ "id": vpc["default_network_acl"]["id"] })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{attached}");
    assert_eq!(attached["id"], vpc["default_network_acl"]["id"]);
    let current = net.ok(hub, Method::GET, &format!("/v1/subnets/{subnet_id}/network_acl"), None).await;
    assert_eq!(current["id"], vpc["default_network_acl"]["id"]);
    net.ok(hub, Method::DELETE, &format!("/v1/network_acls/{acl_id}"), None).await;
    // Another VPC's ACL cannot be attached.
    let other = net.vpc(hub, "other", false).await;
    let (status, body) = net
        .call(
            hub,
            Method::PUT,
            &format!("/v1/subnets/{subnet_id}/network_acl"),
            Some(json!({ "id": other["default_network_acl"]["id"] })),
        )
        .await;
    assert_refused(
        status,
        &body,
        (StatusCode::BAD_REQUEST, "network_acl_not_in_vpc", Some("network_acl")),
        "foreign ACL",
    );
}

#[tokio::test]
async fn rule_bodies_are_validated_in_the_shapes_of_their_api_version() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let hub = &net.hub;
    let vpc = net.vpc(hub, "shapes", false).await;
    let sg = format!("/v1/security_groups/{}/rules", text(&vpc["default_security_group"]["id"]));
    let acl = format!("/v1/network_acls/{}/rules", text(&vpc["default_network_acl"]["id"]));
    let acl_rule = |extra: Value| {
        let mut body =
            json!({ "action": "allow", "direction": "inbound", "source": "0.0.0.0/0", "destination": "0.0.0.0/0" });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let bad = StatusCode::BAD_REQUEST;
    type Row<'a> = (&'a str, &'a str, Value, (StatusCode, &'a str, Option<&'a str>));
    let rows: Vec<Row> = vec![
        (
            "2026-10-06",
            &sg,
            json!({ "direction": "inbound", "protocol": "tcp", "port_min": 443, "port_max": 80 }),
            (bad, "invalid_port_range", Some("port_min")),
        ),
        (
            "2026-10-06",
            &sg,
            json!({ "direction": "inbound", "protocol": "tcp", "port_min": 1, "port_max": 70000 }),
            (bad, "invalid_body", Some("port_max")),
        ),
        (
            "2026-10-06",
            &sg,
            json!({ "direction": "inbound", "protocol": "tcp", "type": 8 }),
            (bad, "invalid_body", Some("type")),
        ),
        (
            "2026-10-06",
            &sg,
            json!({ "direction": "inbound", "protocol": "icmp", "port_min": 22 }),
            (bad, "invalid_body", Some("port_min")),
        ),
        (
            "2026-10-06",
            &sg,
            json!({ "direction": "inbound", "protocol": "icmp", "code": 0 }),
            (bad, "invalid_icmp_code", Some("code")),
        ),
        (
            "2026-10-06",
            &sg,
            json!({ "direction": "inbound", "protocol": "icmp", "type": 255 }),
            (bad, "invalid_icmp_type", Some("type")),
        ),
        (
            "2026-10-06",
            &sg,
            json!({ "direction": "inbound", "protocol": "all" }),
            (bad, "invalid_body", Some("protocol")),
        ),
        (
            "2025-06-01",
            &sg,
            json!({ "direction": "inbound", "protocol": "icmp_tcp_udp" }),
            (bad, "invalid_body", Some("protocol")),
        ),
        (
            "2026-10-06",
            &sg,
            json!({ "direction": "sideways", "protocol": "any" }),
            (bad, "invalid_body", Some("direction")),
        ),
        (
            "2026-10-06",
            &sg,
            json!({ "direction": "inbound", "protocol": "gre" }),
            (bad, "invalid_body", Some("protocol")),
        ),
        (
            "2026-10-06",
            &sg,
            json!({ "direction": "inbound", "protocol": "any", "remote": { "address": "10.0.0.1", "cidr_block": "10.0.0.0/8" } }),
            (bad, "invalid_body", Some("remote")),
        ),
        (
            "2026-10-06",
            &sg,
            json!({ "direction": "inbound", "protocol": "any", "remote": { "cidr_block": "10.0.0.0/33" } }),
            (bad, "invalid_body", Some("remote.cidr_block")),
        ),
        (
            "2026-10-06",
            &sg,
            json!({ "direction": "inbound", "protocol": "any", "remote": { "id": "r006-nope" } }),
            (bad, "security_group_rule_remote_invalid", Some("remote")),
        ),
        (
            "2026-10-06",
            &sg,
            json!({ "direction": "inbound", "protocol": "any", "ip_version": "ipv6" }),
            (bad, "invalid_body", Some("ip_version")),
        ),
        (
            "2026-10-06",
            &acl,
            acl_rule(json!({ "action": "deny", "protocol": "icmp_tcp_udp" })),
            (bad, "network_acl_rule_deny_icmp_tcp_udp", Some("action")),
        ),
        (
            "2026-10-06",
            &acl,
            acl_rule(json!({ "protocol": "udp", "source_port_min": 9, "source_port_max": 8 })),
            (bad, "invalid_port_range", Some("source_port_min")),
        ),
        (
            "2026-10-06",
            &acl,
            acl_rule(json!({ "protocol": "udp", "port_min": 53 })),
            (bad, "invalid_body", Some("port_min")),
        ),
        (
            "2026-10-06",
            &acl,
            acl_rule(json!({ "protocol": "any", "source": "nowhere" })),
            (bad, "invalid_body", Some("source")),
        ),
        (
            "2026-10-06",
            &acl,
            acl_rule(json!({ "protocol": "any", "name": "allow-inbound" })),
            (StatusCode::CONFLICT, "network_acl_rule_name_duplicate", Some("name")),
        ),
        (
            "2026-10-06",
            &acl,
            json!({ "direction": "inbound", "source": "0.0.0.0/0", "destination": "0.0.0.0/0", "protocol": "any" }),
            (bad, "invalid_body", Some("action")),
        ),
    ];
    let before = net.ok(hub, Method::GET, &format!("/v1/vpcs/{}/default_network_acl", text(&vpc["id"])), None).await;
    for (version, path, body, expected) in rows {
        let (status, reply) = server
            .call(Method::POST, &format!("{path}?version={version}&generation=2"), Some(&hub.token), Some(body.clone()))
            .await;
        assert_refused(status, &reply, expected, &body.to_string());
    }
    // Refusals change nothing.
    let after = net.ok(hub, Method::GET, &format!("/v1/vpcs/{}/default_network_acl", text(&vpc["id"])), None).await;
    assert_eq!(before, after);

    // Shapes that are accepted: TCP ports, ICMP type and code, a remote group, and an old `deny` of `all`, which
    // reads back as `any` in newer versions.
    let web = net
        .ok(
            hub,
            Method::POST,
            "/v1/security_groups",
            Some(json!({ "vpc": { "id": vpc["id"] }, "name": "web",
        "rules": [{ "direction": "inbound", "protocol": "tcp", "port_min": 443, "port_max": 443 }] })),
        )
        .await;
    assert_eq!((web["rules"][0]["port_min"].clone(), web["rules"][0]["protocol"].clone()), (json!(443), json!("tcp")));
    let rule = net
        .ok(
            hub,
            Method::POST,
            &sg,
            Some(json!({ "direction": "inbound", "protocol": "icmp", "type": 8, "code": 0,
        "remote": { "id": web["id"] } })),
        )
        .await;
    assert_eq!((rule["type"].clone(), rule["remote"]["name"].clone()), (json!(8), json!("web")));
    let patched = net.ok(hub, Method::PATCH, &format!("{sg}/{}", text(&rule["id"])), Some(json!({ "type": 3 }))).await;
    assert_eq!(patched["type"], 3);
    let (status, body) =
        net.call(hub, Method::DELETE, &format!("/v1/security_groups/{}", text(&web["id"])), None).await;
    assert_refused(status, &body, (StatusCode::CONFLICT, "security_group_referenced", None), "referenced group");
    let (status, denied) = server
        .call(
            Method::POST,
            &format!("{acl}?version=2025-06-01&generation=2"),
            Some(&hub.token),
            Some(acl_rule(json!({ "action": "deny", "protocol": "all", "name": "deny-all" }))),
        )
        .await;
    assert_eq!((status, denied["protocol"].clone()), (StatusCode::CREATED, json!("all")), "{denied}");
    let read = net.ok(hub, Method::GET, &format!("{acl}/{}", text(&denied["id"])), None).await;
    assert_eq!(read["protocol"], "any");
}
