//! DNS Services custom resolvers completed (description, profile, lifecycle, health, location order and subnets, one
//! resolver per VPC), their forwarding rules (the default rule, zone rules, views, paging) and secondary zones, over
//! HTTP as `DnsSvcsV1` speaks it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Account, Server, assert_envelope};

struct Dns<'a> {
    server: &'a Server,
    account: Account,
    /// The GUID of the DNS Services instance the tests create their resolvers in.
    instance: String,
}

impl Dns<'_> {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let path = format!("/v1/instances/{}{path}", self.instance);
        self.server.call(method, &path, Some(&self.account.token), body).await
    }

    async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.call(method.clone(), path, body).await;
        assert!(status.is_success(), "{method} {path}: {status} {value}");
        value
    }

    /// A VPC with `subnets` subnets in zones 1, 2, 3…; returns the subnets' CRNs.
    async fn subnets(&self, name: &str, subnets: usize) -> Vec<String> {
        let vpc_path = "/v1/vpcs?version=2026-10-06&generation=2";
        let body = json!({ "name": name });
        let (status, vpc) = self.server.call(Method::POST, vpc_path, Some(&self.account.token), Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{vpc}");
        let mut crns = Vec::new();
        for zone in 1..=subnets {
            let body = json!({ "vpc": { "id": vpc["id"] }, "zone": { "name": format!("us-south-{zone}") }, "total_ipv4_address_count": 256 });
            let path = "/v1/subnets?version=2026-10-06&generation=2";
            let (status, subnet) = self.server.call(Method::POST, path, Some(&self.account.token), Some(body)).await;
            assert_eq!(status, StatusCode::CREATED, "{subnet}");
            crns.push(subnet["crn"].as_str().unwrap().to_owned());
        }
        crns
    }

    /// A resolver with one enabled location per subnet, enabled.
    async fn resolver(&self, subnets: &[String]) -> Value {
        let locations: Vec<Value> = subnets.iter().map(|crn| json!({ "subnet_crn": crn, "enabled": true })).collect();
        let created =
            self.ok(Method::POST, "/custom_resolvers", Some(json!({ "name": "hub", "locations": locations }))).await;
        let path = format!("/custom_resolvers/{}", created["id"].as_str().unwrap());
        self.ok(Method::PATCH, &path, Some(json!({ "enabled": true }))).await
    }

    /// A new DNS Services instance of the account; returns its GUID.
    async fn new_instance(&self, name: &str) -> String {
        new_instance(self.server, &self.account, name).await
    }
}

async fn new_instance(server: &Server, account: &Account, name: &str) -> String {
    let body = json!({ "name": name, "target": "global", "resource_plan_id": "standard-dns" });
    let (status, created) = server.call(Method::POST, "/v2/resource_instances", Some(&account.token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["guid"].as_str().unwrap().to_owned()
}

async fn setup(server: &Server) -> Dns<'_> {
    let account = server.account("dns-forwarding").await;
    let instance = new_instance(server, &account, "forwarding-instance").await;
    Dns { server, account, instance }
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

/// Asserts the refusal's status, code and rule, and returns the message.
fn refused(status: StatusCode, body: &Value, expected: StatusCode, code: &str, rule: &str) -> String {
    assert_eq!(status, expected, "{body}");
    let message = assert_envelope(body, expected, code);
    assert!(message.ends_with(&format!("(rule {rule})")), "{message}");
    message
}

#[tokio::test]
async fn custom_resolvers_show_description_profile_lifecycle_and_health_and_keep_their_rules() {
    let server = Server::ephemeral().await;
    let dns = setup(&server).await;
    let subnets = dns.subnets("hub", 2).await;

    // Created without a description, it shows an empty one; created disabled, it is CRITICAL.
    let body =
        json!({ "name": "hub", "profile": "advanced", "locations": [{ "subnet_crn": subnets[0], "enabled": true }] });
    let created = dns.ok(Method::POST, "/custom_resolvers", Some(body)).await;
    assert_eq!(created["description"], "");
    assert_eq!((&created["profile"], &created["allow_disruptive_updates"]), (&json!("advanced"), &json!(false)));
    assert_eq!(created["lifecycle"], json!({ "state": "stable", "reasons": [] }));
    assert_eq!(created["health"], "CRITICAL");
    let resolver = id(&created);
    let path = format!("/custom_resolvers/{resolver}");
    let (status, body) =
        dns.call(Method::POST, "/custom_resolvers", Some(json!({ "name": "x", "profile": "gold" }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errors"][0]["code"], "invalid_profile");

    // The second location is added disabled: enabled, the resolver is DEGRADED until both serve.
    let location = dns
        .ok(Method::POST, &format!("{path}/locations"), Some(json!({ "subnet_crn": subnets[1], "enabled": false })))
        .await;
    let patch = json!({ "enabled": true, "description": "hub resolver", "allow_disruptive_updates": true, "profile": "premier" });
    let updated = dns.ok(Method::PATCH, &path, Some(patch)).await;
    assert_eq!(updated["health"], "DEGRADED");
    assert_eq!((&updated["description"], &updated["profile"]), (&json!("hub resolver"), &json!("premier")));
    assert_eq!(updated["allow_disruptive_updates"], true);
    let location_path = format!("{path}/locations/{}", id(&location));
    dns.ok(Method::PATCH, &location_path, Some(json!({ "enabled": true }))).await;
    assert_eq!(dns.ok(Method::GET, &path, None).await["health"], "HEALTHY");

    // locations_order puts the locations in the order given, and names each once (rule CR6).
    let first = id(&updated["locations"][0]);
    let order = json!({ "locations": [id(&location), first] });
    let reordered = dns.ok(Method::PUT, &format!("{path}/locations_order"), Some(order)).await;
    assert_eq!(reordered["locations"][0]["id"], location["id"]);
    let (status, body) =
        dns.call(Method::PUT, &format!("{path}/locations_order"), Some(json!({ "locations": [first] }))).await;
    refused(status, &body, StatusCode::BAD_REQUEST, "invalid_locations_order", "CR6");

    // An enabled location, and an enabled resolver, are not deleted (rule CR2).
    let (status, body) = dns.call(Method::DELETE, &location_path, None).await;
    refused(status, &body, StatusCode::CONFLICT, "custom_resolver_location_enabled", "CR2");
    let (status, body) = dns.call(Method::DELETE, &path, None).await;
    refused(status, &body, StatusCode::CONFLICT, "custom_resolver_enabled", "CR2");

    // A location changes subnet only while disabled (rule CR3), and gets an address in the new subnet.
    let third = dns.subnets("other", 1).await;
    let (status, body) = dns.call(Method::PATCH, &location_path, Some(json!({ "subnet_crn": subnets[0] }))).await;
    refused(status, &body, StatusCode::CONFLICT, "custom_resolver_location_enabled", "CR3");
    dns.ok(Method::PATCH, &location_path, Some(json!({ "enabled": false }))).await;
    let before = dns.ok(Method::GET, &path, None).await;
    let moved =
        dns.ok(Method::PATCH, &location_path, Some(json!({ "subnet_crn": subnets[0], "enabled": false }))).await;
    assert_eq!(moved["subnet_crn"], json!(subnets[0]));
    assert_ne!(moved["dns_server_ip"], before["locations"][0]["dns_server_ip"]);

    // One resolver per VPC (rule CR1), whatever instance the second is in; another VPC is fine.
    let body = json!({ "name": "second", "locations": [{ "subnet_crn": subnets[1] }] });
    let other = dns.new_instance("another-instance").await;
    let elsewhere = format!("/v1/instances/{other}/custom_resolvers");
    let (status, answer) = server.call(Method::POST, &elsewhere, Some(&dns.account.token), Some(body)).await;
    refused(status, &answer, StatusCode::CONFLICT, "custom_resolver_vpc_has_resolver", "CR1");
    let body = json!({ "name": "other", "locations": [{ "subnet_crn": third[0] }] });
    dns.ok(Method::POST, "/custom_resolvers", Some(body)).await;

    // A zone rule and a secondary zone go with the resolver once it is disabled and deleted.
    let rule = json!({ "type": "zone", "match": "example.com", "forward_to": ["10.0.0.7"] });
    let rule = dns.ok(Method::POST, &format!("{path}/forwarding_rules"), Some(rule)).await;
    let zone = json!({ "zone": "onprem.example", "transfer_from": ["10.0.0.8"] });
    dns.ok(Method::POST, &format!("{path}/secondary_zones"), Some(zone)).await;
    dns.ok(Method::PATCH, &path, Some(json!({ "enabled": false }))).await;
    let (status, _) = dns.call(Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = dns.call(Method::GET, &format!("{path}/forwarding_rules/{}", id(&rule)), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn forwarding_rules_start_with_the_default_rule_and_check_views_matches_and_limits() {
    let server = Server::ephemeral().await;
    let dns = setup(&server).await;
    let subnets = dns.subnets("hub", 1).await;
    let resolver = id(&dns.resolver(&subnets).await);
    let rules = format!("/custom_resolvers/{resolver}/forwarding_rules");

    // The default rule is there from the start, first, and counted.
    let list = dns.ok(Method::GET, &rules, None).await;
    assert_eq!(
        (&list["total_count"], &list["count"], &list["offset"], &list["limit"]),
        (&json!(1), &json!(1), &json!(0), &json!(200))
    );
    let default = &list["forwarding_rules"][0];
    assert_eq!((&default["type"], &default["match"]), (&json!("default"), &json!("*")));
    assert_eq!(default["description"], "default forwarding rule");
    assert_eq!(default["forward_to"], json!(["161.26.0.7", "161.26.0.8"]));
    assert_eq!(default["views"], json!([]));
    let default_path = format!("{rules}/{}", id(default));
    assert!(list["first"]["href"].as_str().unwrap().ends_with(&format!("{rules}?offset=0&limit=200")), "{list}");

    // A zone rule with a view; its name is stored lowercase without the trailing dot.
    let body = json!({
        "type": "zone",
        "match": "Example.COM.",
        "description": "on-premises",
        "forward_to": ["10.0.0.7", "10.0.0.8:5353"],
        "views": [{ "name": "spoke", "expression": "ipInRange(source.ip, '10.1.0.0/16')", "forward_to": ["10.1.0.7"] }],
    });
    let rule = dns.ok(Method::POST, &rules, Some(body)).await;
    assert_eq!((&rule["type"], &rule["match"]), (&json!("zone"), &json!("example.com")));
    assert_eq!(rule["forward_to"], json!(["10.0.0.7", "10.0.0.8:5353"]));
    assert_eq!(rule["views"][0]["description"], "");
    let rule_path = format!("{rules}/{}", id(&rule));
    assert_eq!(dns.ok(Method::GET, &rule_path, None).await, rule);

    // Refusals: a duplicate match, another type, an expression outside the grammar (with its position), a rule with
    // nowhere to send queries, and more views than the profile allows.
    let cases = [
        (
            json!({ "type": "zone", "match": "example.com", "forward_to": ["10.0.0.9"] }),
            StatusCode::CONFLICT,
            "forwarding_rule_duplicate",
            "F4",
        ),
        (
            json!({ "type": "default", "match": "a.example", "forward_to": ["10.0.0.9"] }),
            StatusCode::BAD_REQUEST,
            "invalid_forwarding_rule_type",
            "F1",
        ),
        (
            json!({ "type": "", "match": "a.example", "forward_to": ["10.0.0.9"] }),
            StatusCode::BAD_REQUEST,
            "invalid_forwarding_rule_type",
            "F1",
        ),
        (
            json!({ "type": "zone", "match": "a..example", "forward_to": ["10.0.0.9"] }),
            StatusCode::BAD_REQUEST,
            "invalid_match",
            "F2",
        ),
        (
            json!({ "type": "zone", "match": "a.example", "forward_to": ["ten"] }),
            StatusCode::BAD_REQUEST,
            "invalid_forward_to",
            "F3",
        ),
        (
            json!({ "type": "zone", "match": "a.example" }),
            StatusCode::BAD_REQUEST,
            "forwarding_rule_without_targets",
            "F3",
        ),
        (
            json!({ "type": "zone", "match": "a.example", "views": [{ "name": "v", "expression": "source.vpc == 'x'", "forward_to": ["10.0.0.9"] }] }),
            StatusCode::BAD_REQUEST,
            "invalid_view_expression",
            "F6",
        ),
        (
            json!({ "type": "zone", "match": "a.example", "views": [
                { "name": "v", "expression": "source.ip == '10.0.0.1'", "forward_to": ["10.0.0.9"] },
                { "name": "w", "expression": "source.ip == '10.0.0.2'", "forward_to": ["10.0.0.9"] },
            ] }),
            StatusCode::BAD_REQUEST,
            "forwarding_rule_too_many_views",
            "F6",
        ),
    ];
    for (body, status_expected, code, rule_id) in cases {
        let (status, answer) = dns.call(Method::POST, &rules, Some(body)).await;
        let message = refused(status, &answer, status_expected, code, rule_id);
        if code == "invalid_view_expression" {
            assert!(message.contains("at position 1"), "{message}");
            assert_eq!(answer["errors"][0]["target"]["name"], "views[0].expression", "{answer}");
        }
    }

    // The default rule is edited but not deleted, and keeps its match (rule F1).
    let edited = dns.ok(Method::PATCH, &default_path, Some(json!({ "forward_to": ["10.0.0.53"] }))).await;
    assert_eq!(edited["forward_to"], json!(["10.0.0.53"]));
    let (status, body) = dns.call(Method::PATCH, &default_path, Some(json!({ "match": "example.org" }))).await;
    refused(status, &body, StatusCode::BAD_REQUEST, "forwarding_rule_default_match", "F1");
    let (status, body) = dns.call(Method::DELETE, &default_path, None).await;
    refused(status, &body, StatusCode::CONFLICT, "forwarding_rule_default", "F1");

    // Terraform sends both lists, one of them empty: accepted while the other holds something (rule F3).
    let views =
        json!([{ "name": "spoke", "expression": "!ipInRange(source.ip, '10.1.0.0/16')", "forward_to": ["10.2.0.7"] }]);
    let patched = dns.ok(Method::PATCH, &rule_path, Some(json!({ "forward_to": [], "views": views }))).await;
    assert_eq!((&patched["forward_to"], &patched["views"][0]["expression"]), (&json!([]), &views[0]["expression"]));
    let (status, body) = dns.call(Method::PATCH, &rule_path, Some(json!({ "forward_to": [], "views": [] }))).await;
    refused(status, &body, StatusCode::BAD_REQUEST, "forwarding_rule_without_targets", "F3");

    // Ten zone rules fill an essential resolver; the default one is not counted (rule F5). Pages are sliced by
    // offset and limit, with links.
    for index in 0..9 {
        let body = json!({ "type": "zone", "match": format!("zone{index}.example"), "forward_to": ["10.0.0.9"] });
        dns.ok(Method::POST, &rules, Some(body)).await;
    }
    let (status, body) = dns
        .call(
            Method::POST,
            &rules,
            Some(json!({ "type": "zone", "match": "more.example", "forward_to": ["10.0.0.9"] })),
        )
        .await;
    refused(status, &body, StatusCode::CONFLICT, "forwarding_rule_limit", "F5");
    let page = dns.ok(Method::GET, &format!("{rules}?offset=2&limit=3"), None).await;
    assert_eq!((&page["total_count"], &page["count"]), (&json!(11), &json!(3)));
    assert_eq!(page["forwarding_rules"][0]["match"], "zone0.example");
    assert!(page["next"]["href"].as_str().unwrap().ends_with("offset=5&limit=3"), "{page}");
    assert!(page["last"]["href"].as_str().unwrap().ends_with("offset=8&limit=3"), "{page}");
    let past = dns.ok(Method::GET, &format!("{rules}?offset=50"), None).await;
    assert_eq!(past["count"], 0);
    let (status, _) = dns.call(Method::GET, &format!("{rules}?limit=0"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A deleted rule is gone; another account sees none of this.
    let (status, _) = dns.call(Method::DELETE, &rule_path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = dns.call(Method::GET, &rule_path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let stranger = server.account("stranger").await;
    let path = format!("/v1/instances/{}{default_path}", dns.instance);
    let (status, _) = server.call(Method::GET, &path, Some(&stranger.token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) =
        server.call(Method::PATCH, &path, Some(&stranger.token), Some(json!({ "forward_to": ["1.1.1.1"] }))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(dns.ok(Method::GET, &default_path, None).await["forward_to"], json!(["10.0.0.53"]));
}

#[tokio::test]
async fn secondary_zones_show_primaries_with_ports_and_keep_their_zone() {
    let server = Server::ephemeral().await;
    let dns = setup(&server).await;
    let subnets = dns.subnets("hub", 1).await;
    let resolver = id(&dns.resolver(&subnets).await);
    let zones = format!("/custom_resolvers/{resolver}/secondary_zones");

    let body = json!({ "zone": "OnPrem.Example.", "transfer_from": ["10.0.0.7", "127.0.0.1:5300"] });
    let zone = dns.ok(Method::POST, &zones, Some(body)).await;
    assert_eq!(
        (&zone["zone"], &zone["enabled"], &zone["description"]),
        (&json!("onprem.example"), &json!(true), &json!(""))
    );
    assert_eq!(zone["transfer_from"], json!(["10.0.0.7:53", "127.0.0.1:5300"]));
    let path = format!("{zones}/{}", id(&zone));
    assert_eq!(dns.ok(Method::GET, &path, None).await, zone);

    let cases = [
        (
            json!({ "zone": "onprem.example", "transfer_from": ["10.0.0.9"] }),
            StatusCode::CONFLICT,
            "secondary_zone_duplicate",
            "SZ2",
        ),
        (
            json!({ "zone": "bad_zone-.example", "transfer_from": ["10.0.0.9"] }),
            StatusCode::BAD_REQUEST,
            "invalid_zone",
            "SZ1",
        ),
        (json!({ "zone": "b.example", "transfer_from": [] }), StatusCode::BAD_REQUEST, "invalid_transfer_from", "SZ1"),
        (
            json!({ "zone": "b.example", "transfer_from": ["10.0.0.9:0"] }),
            StatusCode::BAD_REQUEST,
            "invalid_transfer_from",
            "SZ1",
        ),
    ];
    for (body, expected, code, rule) in cases {
        let (status, answer) = dns.call(Method::POST, &zones, Some(body)).await;
        refused(status, &answer, expected, code, rule);
    }
    let (status, body) = dns.call(Method::POST, &zones, Some(json!({ "transfer_from": ["10.0.0.9"] }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // Terraform's update sends all three fields; the zone itself never changes (rule SZ4).
    let patch = json!({ "description": "on-premises", "enabled": false, "transfer_from": ["10.0.0.8"] });
    let updated = dns.ok(Method::PATCH, &path, Some(patch)).await;
    assert_eq!((&updated["enabled"], &updated["transfer_from"]), (&json!(false), &json!(["10.0.0.8:53"])));
    assert_eq!(updated["description"], "on-premises");
    let (status, body) = dns.call(Method::PATCH, &path, Some(json!({ "zone": "other.example" }))).await;
    refused(status, &body, StatusCode::BAD_REQUEST, "secondary_zone_name_immutable", "SZ4");

    let list = dns.ok(Method::GET, &zones, None).await;
    assert_eq!((&list["total_count"], &list["secondary_zones"][0]["id"]), (&json!(1), &zone["id"]));
    let (status, _) = dns.call(Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(dns.ok(Method::GET, &zones, None).await["total_count"], 0);
}
