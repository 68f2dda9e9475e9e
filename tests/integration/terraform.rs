//! The IBM Terraform provider's request sequences for authorization policies and DNS resolution bindings, replayed
//! exactly, and the seed's Terraform example parsed with hcl-rs.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Account, Server, parse_body, repository_root};
use crate::vpc_rules::Net;

mod dns_forwarding;
mod dns_zones;
mod iam_access;
mod iam_groups;
mod iam_identity;
mod landing_zone;
mod public_gateways;
mod resource_bindings;
mod resource_groups;
mod resource_instance;
mod transit_gateway;

const DNS_ROLE: &str = "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector";

/// Terraform's provider initialisation: the token with Basic `bx:bx`, then the claims it decodes.
async fn provider_init(server: &Server, api_key: &str) -> (String, Value) {
    let response = server
        .client
        .post(server.url("/identity/token"))
        .basic_auth("bx", Some("bx"))
        .form(&[("grant_type", "urn:ibm:params:oauth:grant-type:apikey"), ("apikey", api_key)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let token = parse_body(response).await["access_token"].as_str().unwrap().to_owned();
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap()).unwrap();
    // jwt/v5 in the provider accepts RS256 signed tokens (it cannot verify them and tolerates exactly that error).
    assert_eq!(header["alg"], "RS256");
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap();
    for claim in ["id", "iss"] {
        assert!(claims[claim].is_string(), "the provider type-asserts `{claim}` as a string");
    }
    assert!(claims["account"]["bss"].is_string());
    assert!(
        claims["iss"].as_str().unwrap().contains("https://iam.cloud.ibm.com"),
        "the provider derives the cloud name `bluemix` from it"
    );
    (token, claims)
}

/// `GET /v2/roles` as the provider calls it; returns display name → CRN.
async fn roles(server: &Server, token: &str, account: Option<&str>) -> HashMap<String, String> {
    let account = account.map(|a| format!("account_id={a}&")).unwrap_or_default();
    let path = format!("/v2/roles?{account}service_name=is&source_service_name=is&policy_type=authorization");
    let (status, body) = server.call(Method::GET, &path, Some(token), None).await;
    assert_eq!(status, StatusCode::OK);
    ["custom_roles", "service_roles", "system_roles"]
        .iter()
        .flat_map(|kind| body[*kind].as_array().unwrap().clone())
        .map(|role| (role["display_name"].as_str().unwrap().to_owned(), role["crn"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn ibm_iam_authorization_policy_create_read_refresh_update_delete() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let spoke = server.account("spoke").await;
    let (token, claims) = provider_init(&server, &hub.api_key).await;
    let account = claims["account"]["bss"].as_str().unwrap().to_owned();

    // Create: role lookup by display name (exact match), then POST /v2/policies with the configured Transaction-Id.
    let by_name = roles(&server, &token, None).await;
    let role = by_name.get("DNS Binding Connector").expect("`DNS Binding Connector` resolves").clone();
    assert_eq!(role, DNS_ROLE);
    assert!(!by_name.contains_key("DNSBindingConnector"), "display names only, as the provider matches them");
    // The attribute order follows Terraform's set hashing, not the HCL order: any order must be echoed as sent.
    let subject = json!([
        { "key": "serviceName", "operator": "stringEquals", "value": "is" },
        { "key": "resource", "operator": "stringEquals", "value": "r006-spoke-vpc" },
        { "key": "accountId", "operator": "stringEquals", "value": spoke.id },
        { "key": "resourceType", "operator": "stringEquals", "value": "vpc" }
    ]);
    let body = json!({
        "type": "authorization",
        "control": { "grant": { "roles": [{ "role_id": role }] } },
        "subject": { "attributes": subject },
        "resource": { "attributes": [
            { "key": "vpcId", "operator": "stringEquals", "value": "r006-hub-vpc" },
            { "key": "accountId", "operator": "stringEquals", "value": account },
            { "key": "serviceName", "operator": "stringEquals", "value": "is" }
        ]}
    });
    let response = server
        .request(
            Method::POST,
            "/v2/policies",
            Some(&token),
            Some(body.clone()),
            &[("Transaction-Id", "tf-transaction-1")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["transaction-id"], "tf-transaction-1");
    let id = parse_body(response).await["id"].as_str().unwrap().to_owned();

    // Read: GET /v2/policies/{id} (retried on 404 by the provider; hubspoke is read-after-write consistent).
    let response = server
        .request(
            Method::GET,
            &format!("/v2/policies/{id}"),
            Some(&token),
            None,
            &[("Transaction-Id", "tf-transaction-1")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "no 404 right after create");
    assert_eq!(
        response.headers()["transaction-id"],
        "tf-transaction-1",
        "read back into `transaction_id` without a diff"
    );
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let read = parse_body(response).await;
    // Read-path obligations: operators on every resource attribute, subject attributes exactly as sent, in order
    // (the provider indexes them by position and panics on extras), every role CRN resolvable to a display name.
    assert!(read["resource"]["attributes"].as_array().unwrap().iter().all(|a| a["operator"] == "stringEquals"));
    assert_eq!(read["subject"]["attributes"], subject);
    let by_crn: HashMap<String, String> =
        roles(&server, &token, Some(&account)).await.into_iter().map(|(name, crn)| (crn, name)).collect();
    for role in read["control"]["grant"]["roles"].as_array().unwrap() {
        assert!(by_crn.contains_key(role["role_id"].as_str().unwrap()), "RoleDoesnotExist would break the read");
    }

    // Refresh: `Exists` is GET /v1/policies/{id}; active → exists.
    let (status, v1) = server.call(Method::GET, &format!("/v1/policies/{id}"), Some(&token), None).await;
    assert_eq!((status, v1["state"].as_str()), (StatusCode::OK, Some("active")));

    // Update (roles, description): roles → GET v2 (ETag) → PUT v2 with If-Match.
    let mut updated = body.clone();
    updated["description"] = json!("managed by terraform");
    let response = server
        .request(Method::PUT, &format!("/v2/policies/{id}"), Some(&token), Some(updated), &[("If-Match", &etag)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_ne!(response.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(parse_body(response).await["description"], "managed by terraform");

    // Delete: DELETE /v1/policies/{id}; the next refresh sees `state: deleted` and drops it from the state.
    let (status, _) = server.call(Method::DELETE, &format!("/v1/policies/{id}"), Some(&token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, v1) = server.call(Method::GET, &format!("/v1/policies/{id}"), Some(&token), None).await;
    assert_eq!((status, v1["state"].as_str()), (StatusCode::OK, Some("deleted")));
}

#[tokio::test]
async fn ibm_is_vpc_dns_resolution_binding_and_ibm_is_vpc_with_a_dns_block() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let (hub, _) = net.two_accounts().await;
    net.grant(None, &hub).await;

    // `ibm_is_vpc` with `dns { resolver { type = "delegated" ... } }` on create: the provider creates it as `system`,
    // creates the binding, then switches to `delegated`.
    let spoke = net.vpc(&net.spoke, "tf-spoke", false).await;
    let spoke_id = spoke["id"].as_str().unwrap();
    assert_eq!(spoke["dns"]["resolver"]["type"], "system");
    let bindings = format!("/v1/vpcs/{spoke_id}/dns_resolution_bindings");
    let created = net
        .ok(&net.spoke, Method::POST, &bindings, Some(json!({ "vpc": { "crn": hub["crn"] }, "name": "tf-binding" })))
        .await;
    let binding_id = created["id"].as_str().unwrap().to_owned();

    // The binding resource waits for `stable` (or `failed`/`suspended`).
    let started = Instant::now();
    loop {
        let binding = net.ok(&net.spoke, Method::GET, &format!("{bindings}/{binding_id}"), None).await;
        match binding["lifecycle_state"].as_str().unwrap() {
            "stable" => break,
            "pending" | "updating" => assert!(started.elapsed() < Duration::from_secs(10)),
            other => panic!("binding became {other}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // On update from system to delegated the provider creates the binding first and tolerates "already contains"
    // when the existing binding points at the requested hub.
    let (status, again) =
        net.call(&net.spoke, Method::POST, &bindings, Some(json!({ "vpc": { "crn": hub["crn"] } }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        again["errors"][0]["message"].as_str().unwrap().contains("This VPC already contains DNS Resolution Bindings"),
        "{again}"
    );
    let listed = net.ok(&net.spoke, Method::GET, &bindings, None).await;
    assert_eq!(
        listed["dns_resolution_bindings"][0]["vpc"]["id"], hub["id"],
        "the existing binding is to the requested hub"
    );

    let body = json!({ "dns": { "resolver": { "type": "delegated", "vpc": { "crn": hub["crn"] } } } });
    let delegated = net.ok(&net.spoke, Method::PATCH, &format!("/v1/vpcs/{spoke_id}"), Some(body)).await;
    assert_eq!(delegated["dns"]["resolver"]["vpc"]["id"], hub["id"]);
    assert_eq!(delegated["dns"]["resolution_binding_count"], 1);

    // Destroy: back to system (a delegated VPC cannot lose its binding), then delete, polling GET until 404.
    net.ok(
        &net.spoke,
        Method::PATCH,
        &format!("/v1/vpcs/{spoke_id}"),
        Some(json!({ "dns": { "resolver": { "type": "system", "vpc": null } } })),
    )
    .await;
    let (status, deleted) = net.call(&net.spoke, Method::DELETE, &format!("{bindings}/{binding_id}"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(deleted["id"], binding_id.as_str());
    let started = Instant::now();
    loop {
        let (status, _) = net.call(&net.spoke, Method::GET, &format!("{bindings}/{binding_id}"), None).await;
        if status == StatusCode::NOT_FOUND {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "the binding disappears");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls `path` until it answers 404, as the provider's delete waits do.
async fn wait_gone(net: &Net<'_>, path: &str) {
    let started = Instant::now();
    loop {
        let (status, _) = net.call(&net.hub, Method::GET, path, None).await;
        if status == StatusCode::NOT_FOUND {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{path} disappears");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn ibm_is_vpc_refresh_and_security_group_and_network_acl_create_read_delete() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let hub = &net.hub;
    let vpc = net.vpc(hub, "tf-vpc", false).await;
    let vpc_id = vpc["id"].as_str().unwrap().to_owned();

    // `ibm_is_vpc` refresh: the VPC, its subnets and its security groups (every page), all fatal if failing. The
    // provider reads the default group, ACL and routing table from the VPC and finds the group in the list.
    net.ok(hub, Method::GET, &format!("/v1/vpcs/{vpc_id}"), None).await;
    net.ok(hub, Method::GET, &format!("/v1/subnets?vpc.id={vpc_id}&limit=100"), None).await;
    let groups = net.ok(hub, Method::GET, &format!("/v1/security_groups?vpc.id={vpc_id}&limit=100"), None).await;
    assert_eq!(groups["security_groups"][0]["id"], vpc["default_security_group"]["id"], "{groups}");
    assert!(groups.get("next").is_none(), "one page");

    // `ibm_is_security_group`: create with the account's resource group, then read.
    let group = net
        .ok(
            hub,
            Method::POST,
            "/v1/security_groups",
            Some(json!({ "vpc": { "id": vpc_id }, "name": "tf-sg", "resource_group": { "id": vpc["resource_group"]["id"] } })),
        )
        .await;
    let group_id = group["id"].as_str().unwrap().to_owned();
    assert_eq!(group["rules"], json!([]));
    net.ok(hub, Method::GET, &format!("/v1/security_groups/{group_id}"), None).await;
    // `ibm_is_security_group_rule` (id `<group>.<rule>`): create, read by both ids, delete.
    let rule = net
        .ok(
            hub,
            Method::POST,
            &format!("/v1/security_groups/{group_id}/rules"),
            Some(json!({ "direction": "inbound", "ip_version": "ipv4", "protocol": "udp", "port_min": 53,
                         "port_max": 53, "remote": { "cidr_block": "10.0.0.0/8" } })),
        )
        .await;
    let rule_path = format!("/v1/security_groups/{group_id}/rules/{}", rule["id"].as_str().unwrap());
    let read = net.ok(hub, Method::GET, &rule_path, None).await;
    assert_eq!((read["protocol"].clone(), read["port_min"].clone()), (json!("udp"), json!(53)));
    // The same rule on the VPC's default group, as the landing zone's `security_group_rules` adds them.
    let default_group = vpc["default_security_group"]["id"].as_str().unwrap();
    net.ok(
        hub,
        Method::POST,
        &format!("/v1/security_groups/{default_group}/rules"),
        Some(json!({ "direction": "inbound", "protocol": "tcp", "port_min": 53, "port_max": 53,
                     "remote": { "cidr_block": "10.0.0.0/8" }, "local": { "cidr_block": "0.0.0.0/0" } })),
    )
    .await;
    net.ok(hub, Method::DELETE, &rule_path, None).await;
    wait_gone(&net, &rule_path).await;
    net.ok(hub, Method::DELETE, &format!("/v1/security_groups/{group_id}"), None).await;
    wait_gone(&net, &format!("/v1/security_groups/{group_id}")).await;

    // `ibm_is_network_acl` as the landing zone builds `vpc-acl`: create without rules, list and delete every rule
    // (none), then create each rule in order (`icmp_tcp_udp` for an allow whose protocol the HCL leaves out, `any`
    // for a deny), and read the ACL back.
    let acl = net
        .ok(
            hub,
            Method::POST,
            "/v1/network_acls",
            Some(json!({ "vpc": { "id": vpc_id }, "name": "vpc-acl", "resource_group": { "id": vpc["resource_group"]["id"] } })),
        )
        .await;
    let acl_id = acl["id"].as_str().unwrap().to_owned();
    let rules = net.ok(hub, Method::GET, &format!("/v1/network_acls/{acl_id}/rules"), None).await;
    assert_eq!(rules["rules"], json!([]));
    let lz_rules = [
        ("ibmflow-iaas-outbound-0", "allow", "outbound", "10.0.0.0/8", "161.26.0.0/16"),
        ("ibmflow-paas-outbound-0", "allow", "outbound", "10.0.0.0/8", "166.8.0.0/14"),
        ("ibmflow-iaas-inbound-0", "allow", "inbound", "161.26.0.0/16", "10.0.0.0/8"),
        ("ibmflow-paas-inbound-0", "allow", "inbound", "166.8.0.0/14", "10.0.0.0/8"),
        ("ibmflow-deny-all-inbound", "deny", "inbound", "0.0.0.0/0", "0.0.0.0/0"),
        ("ibmflow-deny-all-outbound", "deny", "outbound", "0.0.0.0/0", "0.0.0.0/0"),
    ];
    for (name, action, direction, source, destination) in lz_rules {
        let protocol = if action == "allow" { "icmp_tcp_udp" } else { "any" };
        net.ok(
            hub,
            Method::POST,
            &format!("/v1/network_acls/{acl_id}/rules"),
            Some(json!({ "name": name, "action": action, "direction": direction, "source": source,
                         "destination": destination, "protocol": protocol, "ip_version": "ipv4" })),
        )
        .await;
    }
    let read = net.ok(hub, Method::GET, &format!("/v1/network_acls/{acl_id}"), None).await;
    let names: Vec<&str> = read["rules"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, lz_rules.map(|rule| rule.0));
    assert_eq!(
        (read["rules"][0]["protocol"].clone(), read["rules"][5]["protocol"].clone()),
        (json!("icmp_tcp_udp"), json!("any"))
    );
    // Subnets on `vpc-acl`, as the landing zone creates them; destroy detaches them first.
    let subnet = net
        .ok(
            hub,
            Method::POST,
            "/v1/subnets",
            Some(
                json!({ "vpc": { "id": vpc_id }, "zone": { "name": "us-south-1" }, "ipv4_cidr_block": "10.240.0.0/24",
                         "network_acl": { "id": acl_id } }),
            ),
        )
        .await;
    let subnet_read = net.ok(hub, Method::GET, &format!("/v1/subnets/{}", subnet["id"].as_str().unwrap()), None).await;
    assert_eq!(subnet_read["network_acl"]["id"], acl_id.as_str());
    assert_eq!(subnet_read["routing_table"]["id"], vpc["default_routing_table"]["id"]);
    net.ok(hub, Method::DELETE, &format!("/v1/subnets/{}", subnet["id"].as_str().unwrap()), None).await;
    net.ok(hub, Method::DELETE, &format!("/v1/network_acls/{acl_id}"), None).await;
    wait_gone(&net, &format!("/v1/network_acls/{acl_id}")).await;
}

/// Turns an HCL expression into the value Terraform would send, with the configuration's references resolved.
fn value_of(expression: &hcl::Expression, references: &HashMap<&str, &str>) -> String {
    let text = match expression {
        hcl::Expression::String(text) => text.clone(),
        other => other.to_string(),
    };
    references.get(text.as_str()).map_or(text, |value| value.to_string())
}

#[tokio::test]
async fn the_seed_terraform_example_is_the_seed_json_policy() {
    let source = std::fs::read_to_string(repository_root().join("tests/integration/terraform/seed_policy.tf")).unwrap();
    let body: hcl::Body = hcl::from_str(&source).expect("the seed's Terraform parses");
    let resource = body.blocks().find(|b| b.identifier() == "resource").expect("a resource block");
    assert_eq!(resource.labels()[0].as_str(), "ibm_iam_authorization_policy");

    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let spoke = server.account("spoke").await;
    // The example's references: its `var.accountId1` is quoted (a literal string) in the seed; both forms resolve.
    let references: HashMap<&str, &str> = [
        ("var.accountId1", spoke.id.as_str()),
        ("var.accountId2", hub.id.as_str()),
        ("ibm_is_vpc.spoke_vpc.id", "r006-seed-spoke"),
        ("ibm_is_vpc.hub_vpc.id", "r006-seed-hub"),
    ]
    .into_iter()
    .collect();
    let attributes = |kind: &str| -> Vec<Value> {
        resource
            .body()
            .blocks()
            .filter(|b| b.identifier() == kind)
            .map(|b| {
                let get = |key: &str| b.body().attributes().find(|a| a.key() == key).map(|a| value_of(a.expr(), &references));
                json!({ "key": get("name").unwrap(), "operator": get("operator").unwrap_or_else(|| "stringEquals".into()), "value": get("value").unwrap() })
            })
            .collect()
    };
    let role_names: Vec<String> =
        match resource.body().attributes().find(|a| a.key() == "roles").map(|a| a.expr().clone()) {
            Some(hcl::Expression::Array(items)) => items.iter().map(|i| value_of(i, &references)).collect(),
            other => panic!("roles: {other:?}"),
        };
    assert_eq!(role_names, ["DNS Binding Connector"]);
    let by_name = roles(&server, &hub.token, None).await;
    let terraform_body = json!({
        "type": "authorization",
        "control": { "grant": { "roles": role_names.iter().map(|n| json!({ "role_id": by_name[n] })).collect::<Vec<_>>() } },
        "subject": { "attributes": attributes("subject_attributes") },
        "resource": { "attributes": attributes("resource_attributes") },
    });

    // The seed's JSON with the same values in place of its placeholders.
    let seed: Value = serde_json::from_str(
        &std::fs::read_to_string(repository_root().join("tests/sdk/fixtures/seed-specific-vpc.json"))
            .unwrap()
            .replace("Account S (Spoke)", &spoke.id)
            .replace("Spoke VPC ID", "r006-seed-spoke")
            .replace("Account H (Hub)", &hub.id)
            .replace("Hub VPC ID", "r006-seed-hub"),
    )
    .unwrap();
    let as_v1 = |attributes: &Value| -> Vec<Value> {
        attributes.as_array().unwrap().iter().map(|a| json!({ "name": a["key"], "value": a["value"] })).collect()
    };
    assert_eq!(json!(as_v1(&terraform_body["subject"]["attributes"])), seed["subjects"][0]["attributes"]);
    assert_eq!(json!(as_v1(&terraform_body["resource"]["attributes"])), seed["resources"][0]["attributes"]);
    assert_eq!(terraform_body["control"]["grant"]["roles"][0]["role_id"], seed["roles"][0]["role_id"]);

    // And the server agrees they are one policy: the Terraform body, after the seed's, is a duplicate of it.
    let (status, first) = server.call(Method::POST, "/v1/policies", Some(&hub.token), Some(seed)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, conflict) = server.call(Method::POST, "/v2/policies", Some(&hub.token), Some(terraform_body)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(conflict["errors"][0]["details"]["conflicts_with"]["policy"]["id"], first["id"]);
}

/// Every page of a VPC's address prefixes, as the provider's `ibm_is_vpc` read walks them (following `next.href`,
/// which carries `version`, `generation`, `limit` and `start`).
async fn all_prefixes(net: &Net<'_>, owner: &Account, vpc: &str, limit: usize) -> Vec<Value> {
    let mut prefixes = Vec::new();
    let mut page = net.ok(owner, Method::GET, &format!("/v1/vpcs/{vpc}/address_prefixes?limit={limit}"), None).await;
    loop {
        prefixes.extend(page["address_prefixes"].as_array().unwrap().iter().cloned());
        let Some(next) = page["next"]["href"].as_str() else { break };
        let (status, body) =
            net.server.call(Method::GET, &next[next.find("/v1/").unwrap()..], Some(&owner.token), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        page = body;
    }
    prefixes
}

#[tokio::test]
async fn ibm_is_vpc_refresh_lists_every_prefix_and_ibm_is_vpc_address_prefix_lifecycle() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let owner = &net.spoke;

    // `ibm_is_vpc` (address_prefix_management = "auto"): create, then every refresh reads the VPC and lists its
    // address prefixes (all pages) to fill `default_address_prefixes` (zone → CIDR of the default prefixes).
    let vpc = net
        .ok(owner, Method::POST, "/v1/vpcs", Some(json!({ "name": "tf-vpc", "address_prefix_management": "auto" })))
        .await;
    let vpc_id = vpc["id"].as_str().unwrap().to_owned();
    net.ok(owner, Method::GET, &format!("/v1/vpcs/{vpc_id}"), None).await;
    let prefixes = all_prefixes(&net, owner, &vpc_id, 1).await;
    let defaults: HashMap<String, String> = prefixes
        .iter()
        .filter(|p| p["is_default"] == true)
        .map(|p| (p["zone"]["name"].as_str().unwrap().to_owned(), p["cidr"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        defaults,
        HashMap::from([
            ("us-south-1".to_owned(), "10.240.0.0/18".to_owned()),
            ("us-south-2".to_owned(), "10.240.64.0/18".to_owned()),
            ("us-south-3".to_owned(), "10.240.128.0/18".to_owned()),
        ])
    );

    // `ibm_is_vpc_address_prefix` create: POST (under the provider's mutex), id `<vpc_id>/<prefix_id>`.
    let path = format!("/v1/vpcs/{vpc_id}/address_prefixes");
    let body =
        json!({ "cidr": "10.10.0.0/16", "zone": { "name": "us-south-2" }, "name": "tf-prefix", "is_default": false });
    let (status, created) = net.call(owner, Method::POST, &path, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let prefix_id = created["id"].as_str().unwrap().to_owned();
    let terraform_id = format!("{vpc_id}/{prefix_id}");
    let (vpc_part, prefix_part) = terraform_id.split_once('/').unwrap();
    let one = format!("/v1/vpcs/{vpc_part}/address_prefixes/{prefix_part}");

    // Read: GET the prefix, then GET the VPC; the state holds what the provider reads of them.
    let read = net.ok(owner, Method::GET, &one, None).await;
    for field in ["cidr", "name", "is_default", "has_subnets", "href", "id"] {
        assert!(!read[field].is_null(), "the provider reads `{field}`: {read}");
    }
    assert_eq!(read["zone"]["name"], "us-south-2");
    net.ok(owner, Method::GET, &format!("/v1/vpcs/{vpc_part}"), None).await;

    // Update: `name` is updatable in place (a merge patch), then read again.
    let (status, updated) = net.call(owner, Method::PATCH, &one, Some(json!({ "name": "tf-prefix-renamed" }))).await;
    assert_eq!((status, updated["name"].as_str()), (StatusCode::OK, Some("tf-prefix-renamed")));
    assert_eq!(net.ok(owner, Method::GET, &one, None).await["name"], "tf-prefix-renamed");
    // The next `ibm_is_vpc` refresh lists the new prefix too, and the defaults are unchanged.
    assert_eq!(all_prefixes(&net, owner, &vpc_id, 2).await.len(), 4);

    // Delete: GET, then DELETE, then the provider waits until GET answers 404.
    net.ok(owner, Method::GET, &one, None).await;
    let (status, _) = net.call(owner, Method::DELETE, &one, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, gone) = net.call(owner, Method::GET, &one, None).await;
    assert_eq!((status, gone["errors"][0]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    assert_eq!(all_prefixes(&net, owner, &vpc_id, 50).await.len(), 3);
}
