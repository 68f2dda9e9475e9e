//! No account gets into another's data: a third account, and the spoke for the hub's own resources, try every
//! operation on the hub's policies, VPCs, address prefixes, subnets, reserved IPs, gateways, bindings, custom
//! resolvers, DNS Services instances, zones, permitted networks and records, security groups, network ACLs, routing
//! tables, resource bindings, transit gateways, resource groups, access groups, account settings, events and DNS
//! endpoints, and get
//! 403 or 404, never data, and change nothing.

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::Server;
use crate::vpc_rules::{COS, Net, VERSION};

fn text(value: &Value) -> String {
    value.as_str().unwrap().to_owned()
}

/// The hub's resources, each named `secret-…` so that a leak of their data shows in any response.
struct Secrets {
    hub_vpc: Value,
    spoke_vpc: Value,
    prefix: String,
    subnet: String,
    reserved_ip: String,
    gateway: String,
    gateway_ip: String,
    resolver: String,
    location: String,
    policy: String,
    access_policy: String,
    custom_role: String,
    binding: String,
    security_group: String,
    security_group_rule: String,
    network_acl: String,
    network_acl_rule: String,
    public_gateway: String,
    floating_ip: String,
    local_gateway: String,
    resource_binding: String,
    transit_gateway: String,
    transit_connection: String,
    resource_group: String,
    dns_instance: String,
    zone: String,
    record: String,
    access_group: String,
    access_group_rule: String,
}

async fn build(net: &Net<'_>) -> Secrets {
    let hub = &net.hub;
    let hub_vpc = net.vpc(hub, "secret-hub", true).await;
    let vpc_id = text(&hub_vpc["id"]);
    let prefix = net
        .ok(
            hub,
            Method::POST,
            &format!("/v1/vpcs/{vpc_id}/address_prefixes"),
            Some(json!({ "name": "secret-prefix", "cidr": "10.10.0.0/16", "zone": { "name": "us-south-2" } })),
        )
        .await;
    let subnet = net
        .ok(
            hub,
            Method::POST,
            "/v1/subnets",
            Some(json!({ "name": "secret-subnet", "vpc": { "id": vpc_id }, "zone": { "name": "us-south-1" },
                         "total_ipv4_address_count": 256 })),
        )
        .await;
    let subnet_id = text(&subnet["id"]);
    let reserved_ip = net
        .ok(hub, Method::POST, &format!("/v1/subnets/{subnet_id}/reserved_ips"), Some(json!({ "name": "secret-ip" })))
        .await;
    let resolvers = net.resolvers_path(hub).await;
    let resolver = net
        .ok(
            hub,
            Method::POST,
            &resolvers,
            Some(json!({ "name": "secret-resolver", "locations": [{ "subnet_crn": subnet["crn"], "enabled": true }] })),
        )
        .await;
    let resolver_id = text(&resolver["id"]);
    net.ok(hub, Method::PATCH, &format!("{resolvers}/{resolver_id}"), Some(json!({ "enabled": true }))).await;
    let (status, gateway) = net.gateway(hub, &hub_vpc, COS, "primary").await;
    assert_eq!(status, StatusCode::CREATED, "{gateway}");
    let gateway_id = text(&gateway["id"]);
    net.ok(hub, Method::PATCH, &format!("/v1/endpoint_gateways/{gateway_id}"), Some(json!({ "name": "secret-gw" })))
        .await;
    let spoke_vpc = net.vpc(&net.spoke, "spoke", false).await;
    let policy = net.grant(Some(spoke_vpc["id"].as_str().unwrap()), &hub_vpc).await;
    let custom_role = net
        .ok(
            hub,
            Method::POST,
            "/v2/roles",
            Some(json!({ "name": "SecretRole", "display_name": "secret-role", "account_id": hub.id,
                         "service_name": "is", "actions": ["is.vpc.vpc.read"] })),
        )
        .await;
    let access_policy = net
        .ok(
            hub,
            Method::POST,
            "/v1/policies",
            Some(json!({ "type": "access", "description": "secret-access",
                         "subjects": [{ "attributes": [{ "name": "iam_id", "value": "IBMid-SECRETUSER" }] }],
                         "roles": [{ "role_id": custom_role["crn"] }],
                         "resources": [{ "attributes": [{ "name": "accountId", "value": hub.id },
                                                        { "name": "serviceName", "value": "is" }] }] })),
        )
        .await;
    let (status, binding) = net.bind(&net.spoke, &spoke_vpc, &hub_vpc).await;
    assert_eq!(status, StatusCode::CREATED, "{binding}");
    let binding_id = text(&binding["id"]);
    // The hub names its side of the binding.
    net.ok(
        hub,
        Method::PATCH,
        &format!("/v1/vpcs/{vpc_id}/dns_resolution_bindings/{binding_id}"),
        Some(json!({ "name": "secret-binding" })),
    )
    .await;
    let group = net
        .ok(
            hub,
            Method::POST,
            "/v1/security_groups",
            Some(json!({ "name": "secret-sg", "vpc": { "id": vpc_id },
                         "rules": [{ "name": "secret-sg-rule", "direction": "inbound", "protocol": "tcp", "port_min": 22, "port_max": 22 }] })),
        )
        .await;
    let acl = net
        .ok(
            hub,
            Method::POST,
            "/v1/network_acls",
            Some(json!({ "name": "secret-acl", "vpc": { "id": vpc_id },
                         "rules": [{ "name": "secret-acl-rule", "action": "allow", "direction": "inbound", "protocol": "any",
                                     "source": "0.0.0.0/0", "destination": "0.0.0.0/0" }] })),
        )
        .await;
    let public_gateway = net
        .ok(
            hub,
            Method::POST,
            "/v1/public_gateways",
            Some(json!({ "name": "secret-pgw", "vpc": { "id": vpc_id }, "zone": { "name": "us-south-1" } })),
        )
        .await;
    net.ok(
        hub,
        Method::PUT,
        &format!("/v1/subnets/{subnet_id}/public_gateway"),
        Some(json!({ "id": public_gateway["id"] })),
    )
    .await;
    // A standalone VPC with a local-access gateway and one resource binding.
    let local_vpc = net.vpc(hub, "secret-local", false).await;
    let (status, local_gateway) = net.gateway(hub, &local_vpc, COS, "per_resource_binding").await;
    assert_eq!(status, StatusCode::CREATED, "{local_gateway}");
    let local_gateway = text(&local_gateway["id"]);
    let bucket = format!("crn:v1:bluemix:public:cloud-object-storage:global:a/{}:guid:bucket:secret-bucket", hub.id);
    let resource_binding = net
        .ok(
            hub,
            Method::POST,
            &format!("/v1/endpoint_gateways/{local_gateway}/resource_bindings"),
            Some(json!({ "name": "secret-rb", "target": { "crn": bucket } })),
        )
        .await;
    let transit = format!("/v1/transit_gateways?version={VERSION}");
    let (status, transit_gateway) = net
        .server
        .call(Method::POST, &transit, Some(&hub.token), Some(json!({ "name": "secret-tg", "location": "us-south" })))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{transit_gateway}");
    let transit_gateway = text(&transit_gateway["id"]);
    let path = format!("/v1/transit_gateways/{transit_gateway}/connections?version={VERSION}");
    let body = json!({ "network_type": "vpc", "network_id": hub_vpc["crn"], "name": "secret-connection" });
    let (status, transit_connection) = net.server.call(Method::POST, &path, Some(&hub.token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{transit_connection}");
    let resource_group = net
        .server
        .call(Method::POST, "/v2/resource_groups", Some(&hub.token), Some(json!({ "name": "secret-rg" })))
        .await;
    assert_eq!(resource_group.0, StatusCode::CREATED, "{}", resource_group.1);
    // A private zone of the hub's DNS Services instance, permitted to the hub, with one record.
    let dns_instance = net.dns_instance(hub).await;
    let zones = format!("/v1/instances/{dns_instance}/dnszones");
    let zone =
        net.ok(hub, Method::POST, &zones, Some(json!({ "name": "secret.example.com", "label": "secret-zone" }))).await;
    let zone = text(&zone["id"]);
    let permit = json!({ "type": "vpc", "permitted_network": { "vpc_crn": hub_vpc["crn"] } });
    net.ok(hub, Method::POST, &format!("{zones}/{zone}/permitted_networks"), Some(permit)).await;
    let record = json!({ "type": "TXT", "name": "secret-txt", "rdata": { "text": "secret-text" } });
    let record = net.ok(hub, Method::POST, &format!("{zones}/{zone}/resource_records"), Some(record)).await;
    // An access group with a member and a dynamic rule.
    let groups = format!("/v2/groups?account_id={}", hub.id);
    let body = json!({ "name": "secret-group", "description": "secret-description" });
    let access_group = text(&net.ok(hub, Method::POST, &groups, Some(body)).await["id"]);
    let members = json!({ "members": [{ "iam_id": "IBMid-3100007A1B", "type": "user" }] });
    net.ok(hub, Method::PUT, &format!("/v2/groups/{access_group}/members"), Some(members)).await;
    let rule = json!({ "name": "secret-rule", "expiration": 12, "realm_name": "https://idp.example.com",
        "conditions": [{ "claim": "secret-claim", "operator": "EQUALS", "value": "secret-value" }] });
    let rule = net.ok(hub, Method::POST, &format!("/v2/groups/{access_group}/rules"), Some(rule)).await;
    Secrets {
        access_group,
        access_group_rule: text(&rule["id"]),
        dns_instance,
        zone,
        record: text(&record["id"]),
        public_gateway: text(&public_gateway["id"]),
        floating_ip: text(&public_gateway["floating_ip"]["id"]),
        resource_binding: text(&resource_binding["id"]),
        local_gateway,
        transit_gateway,
        transit_connection: text(&transit_connection["id"]),
        resource_group: text(&resource_group.1["id"]),
        security_group: text(&group["id"]),
        security_group_rule: text(&group["rules"][0]["id"]),
        network_acl: text(&acl["id"]),
        network_acl_rule: text(&acl["rules"][0]["id"]),
        spoke_vpc,
        prefix: text(&prefix["id"]),
        subnet: subnet_id,
        reserved_ip: text(&reserved_ip["id"]),
        gateway_ip: text(&gateway["ips"][0]["id"]),
        gateway: gateway_id,
        resolver: resolver_id,
        location: text(&resolver["locations"][0]["id"]),
        policy,
        access_policy: text(&access_policy["id"]),
        custom_role: text(&custom_role["id"]),
        binding: binding_id,
        hub_vpc,
    }
}

/// Everything the hub can read of its own, by path, to compare before and after the intrusions.
async fn snapshot(net: &Net<'_>, secrets: &Secrets) -> BTreeMap<String, Value> {
    let vpc = text(&secrets.hub_vpc["id"]);
    let mut paths = vec![
        format!("/v1/vpcs/{vpc}"),
        format!("/v1/vpcs/{vpc}/address_prefixes"),
        format!("/v1/vpcs/{vpc}/address_prefixes/{}", secrets.prefix),
        format!("/v1/subnets/{}", secrets.subnet),
        format!("/v1/subnets/{}/reserved_ips/{}", secrets.subnet, secrets.reserved_ip),
        format!("/v1/endpoint_gateways/{}", secrets.gateway),
        format!("{}/{}", net.resolvers_path(&net.hub).await, secrets.resolver),
        format!("/v1/vpcs/{vpc}/dns_resolution_bindings/{}", secrets.binding),
        format!("/v2/resource_instances/{}", secrets.dns_instance),
        format!("/v1/instances/{}/dnszones/{}", secrets.dns_instance, secrets.zone),
        format!("/v1/instances/{}/dnszones/{}/permitted_networks", secrets.dns_instance, secrets.zone),
        format!("/v1/instances/{}/dnszones/{}/resource_records", secrets.dns_instance, secrets.zone),
        "/v1/vpcs".to_owned(),
        "/v1/subnets".to_owned(),
        "/v1/endpoint_gateways".to_owned(),
        net.resolvers_path(&net.hub).await,
        format!("/v1/security_groups/{}", secrets.security_group),
        format!("/v1/security_groups/{vpc}-sg"),
        format!("/v1/security_groups/{}/targets", secrets.security_group),
        format!("/v1/network_acls/{}", secrets.network_acl),
        format!("/v1/network_acls/{vpc}-acl"),
        format!("/v1/vpcs/{vpc}/routing_tables"),
        "/v1/security_groups".to_owned(),
        "/v1/network_acls".to_owned(),
        format!("/v1/public_gateways/{}", secrets.public_gateway),
        format!("/v1/subnets/{}/public_gateway", secrets.subnet),
        format!("/v1/endpoint_gateways/{}/resource_bindings", secrets.local_gateway),
        format!("/v1/endpoint_gateways/{}/resource_bindings/{}", secrets.local_gateway, secrets.resource_binding),
        "/v1/public_gateways".to_owned(),
        format!("/v1/transit_gateways/{}", secrets.transit_gateway),
        format!("/v1/transit_gateways/{}/connections", secrets.transit_gateway),
        format!("/v1/transit_gateways/{}/connections/{}", secrets.transit_gateway, secrets.transit_connection),
        "/v1/transit_gateways".to_owned(),
        "/v1/connections".to_owned(),
        format!("/v2/resource_groups/{}", secrets.resource_group),
        "/v2/resource_groups".to_owned(),
        format!("/v1/accounts/{}/settings/identity", net.hub.id),
        format!("/v2/groups/{}", secrets.access_group),
        format!("/v2/groups/{}/members", secrets.access_group),
        format!("/v2/groups/{}/rules", secrets.access_group),
        format!("/v2/groups/{}/rules/{}", secrets.access_group, secrets.access_group_rule),
        format!("/v2/groups?account_id={}", net.hub.id),
        format!("/v2/groups/settings?account_id={}", net.hub.id),
        format!("/v1/policies/{}", secrets.access_policy),
        format!("/v2/roles/{}", secrets.custom_role),
        format!("/v2/roles?account_id={}&service_name=is", net.hub.id),
    ];
    paths.push(format!("/v1/subnets/{}/reserved_ips", secrets.subnet));
    let mut seen = BTreeMap::new();
    for path in paths {
        seen.insert(path.clone(), net.ok(&net.hub, Method::GET, &path, None).await);
    }
    let (status, policy) =
        net.server.call(Method::GET, &format!("/v1/policies/{}", secrets.policy), Some(&net.hub.token), None).await;
    assert_eq!(status, StatusCode::OK);
    seen.insert("policy".to_owned(), policy);
    seen
}

/// The hub's ids that no other account may see in a response it did not name them in.
fn hub_ids(net: &Net<'_>, secrets: &Secrets) -> Vec<String> {
    vec![
        text(&secrets.hub_vpc["id"]),
        secrets.prefix.clone(),
        secrets.subnet.clone(),
        secrets.reserved_ip.clone(),
        secrets.gateway.clone(),
        secrets.gateway_ip.clone(),
        secrets.resolver.clone(),
        secrets.policy.clone(),
        secrets.access_policy.clone(),
        secrets.custom_role.clone(),
        secrets.security_group.clone(),
        secrets.security_group_rule.clone(),
        secrets.network_acl.clone(),
        secrets.network_acl_rule.clone(),
        secrets.public_gateway.clone(),
        secrets.floating_ip.clone(),
        secrets.local_gateway.clone(),
        secrets.resource_binding.clone(),
        secrets.transit_gateway.clone(),
        secrets.transit_connection.clone(),
        secrets.resource_group.clone(),
        secrets.dns_instance.clone(),
        secrets.zone.clone(),
        secrets.record.clone(),
        secrets.access_group.clone(),
        secrets.access_group_rule.clone(),
        text(&secrets.hub_vpc["resource_group"]["id"]),
    ]
    .into_iter()
    .chain([net.hub.id.clone()])
    .collect()
}

/// A refusal that carries no data: 403 or 404 in the IBM envelope, and nothing named `secret-…`.
fn assert_refused(who: &str, method: &Method, path: &str, status: StatusCode, body: &Value) {
    assert!(
        status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
        "{who}: {method} {path} gave {status}: {body}"
    );
    assert!(body["errors"].is_array() && body.get("id").is_none(), "{who}: {method} {path}: {body}");
    assert!(!body.to_string().contains("secret-"), "{who}: {method} {path} leaked: {body}");
}

#[tokio::test]
async fn no_account_reads_or_changes_another_accounts_resources() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let intruder = server.account("intruder").await;
    let secrets = build(&net).await;
    let before = snapshot(&net, &secrets).await;
    let vpc = text(&secrets.hub_vpc["id"]);
    let (subnet, gateway, resolver) = (&secrets.subnet, &secrets.gateway, &secrets.resolver);
    let (sg, acl) = (&secrets.security_group, &secrets.network_acl);
    let tg = &secrets.transit_gateway;
    let (rg, default_rg) = (&secrets.resource_group, text(&secrets.hub_vpc["resource_group"]["id"]));
    let resolvers = &net.resolvers_path(&net.hub).await;
    let instance = &secrets.dns_instance;
    let zones = format!("/v1/instances/{instance}/dnszones");
    let zone = format!("{zones}/{}", secrets.zone);
    let (ag, ag_rule_id) = (&secrets.access_group, &secrets.access_group_rule);
    let ag_rule = json!({ "expiration": 1, "realm_name": "taken", "conditions": [{ "claim": "c", "operator": "EQUALS", "value": "v" }] });
    let policy_v2 =
        server.call(Method::GET, &format!("/v2/policies/{}", secrets.policy), Some(&net.hub.token), None).await.1;

    // Every operation on one of the hub's resources, named by id.
    let direct: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/v1/vpcs/{vpc}"), None),
        (Method::PATCH, format!("/v1/vpcs/{vpc}"), Some(json!({ "name": "taken" }))),
        (Method::DELETE, format!("/v1/vpcs/{vpc}"), None),
        (Method::GET, format!("/v1/vpcs/{vpc}/address_prefixes"), None),
        (
            Method::POST,
            format!("/v1/vpcs/{vpc}/address_prefixes"),
            Some(json!({ "cidr": "10.20.0.0/16", "zone": { "name": "us-south-1" } })),
        ),
        (Method::GET, format!("/v1/vpcs/{vpc}/address_prefixes/{}", secrets.prefix), None),
        (
            Method::PATCH,
            format!("/v1/vpcs/{vpc}/address_prefixes/{}", secrets.prefix),
            Some(json!({ "name": "taken", "is_default": true })),
        ),
        (Method::DELETE, format!("/v1/vpcs/{vpc}/address_prefixes/{}", secrets.prefix), None),
        (Method::GET, format!("/v1/vpcs/{vpc}/dns_resolution_bindings"), None),
        (Method::POST, format!("/v1/vpcs/{vpc}/dns_resolution_bindings"), Some(json!({ "vpc": { "id": vpc } }))),
        (Method::GET, format!("/v1/vpcs/{vpc}/dns_resolution_bindings/{}", secrets.binding), None),
        (
            Method::PATCH,
            format!("/v1/vpcs/{vpc}/dns_resolution_bindings/{}", secrets.binding),
            Some(json!({ "name": "taken" })),
        ),
        (Method::DELETE, format!("/v1/vpcs/{vpc}/dns_resolution_bindings/{}", secrets.binding), None),
        (Method::GET, format!("/v1/subnets/{subnet}"), None),
        (Method::PATCH, format!("/v1/subnets/{subnet}"), Some(json!({ "name": "taken" }))),
        (Method::DELETE, format!("/v1/subnets/{subnet}"), None),
        (Method::GET, format!("/v1/subnets/{subnet}/reserved_ips"), None),
        (Method::POST, format!("/v1/subnets/{subnet}/reserved_ips"), Some(json!({ "name": "taken" }))),
        (Method::GET, format!("/v1/subnets/{subnet}/reserved_ips/{}", secrets.reserved_ip), None),
        (Method::DELETE, format!("/v1/subnets/{subnet}/reserved_ips/{}", secrets.reserved_ip), None),
        (Method::GET, format!("/v1/endpoint_gateways/{gateway}"), None),
        (Method::PATCH, format!("/v1/endpoint_gateways/{gateway}"), Some(json!({ "name": "taken" }))),
        (Method::DELETE, format!("/v1/endpoint_gateways/{gateway}"), None),
        (Method::GET, format!("/v1/endpoint_gateways/{gateway}/ips"), None),
        (Method::GET, format!("/v1/endpoint_gateways/{gateway}/ips/{}", secrets.gateway_ip), None),
        (Method::DELETE, format!("/v1/endpoint_gateways/{gateway}/ips/{}", secrets.gateway_ip), None),
        (Method::PUT, format!("/v1/endpoint_gateways/{gateway}/ips/{}", secrets.reserved_ip), None),
        (Method::GET, resolvers.to_owned(), None),
        (Method::GET, format!("{resolvers}/{resolver}"), None),
        (Method::PATCH, format!("{resolvers}/{resolver}"), Some(json!({ "name": "taken", "enabled": false }))),
        (Method::DELETE, format!("{resolvers}/{resolver}"), None),
        (Method::POST, format!("{resolvers}/{resolver}/locations"), Some(json!({ "subnet_crn": "x" }))),
        (
            Method::PATCH,
            format!("{resolvers}/{resolver}/locations/{}", secrets.location),
            Some(json!({ "enabled": false })),
        ),
        (Method::DELETE, format!("{resolvers}/{resolver}/locations/{}", secrets.location), None),
        (
            Method::PUT,
            format!("{resolvers}/{resolver}/locations_order"),
            Some(json!({ "locations": [secrets.location] })),
        ),
        (Method::GET, format!("{resolvers}/{resolver}/forwarding_rules"), None),
        (
            Method::POST,
            format!("{resolvers}/{resolver}/forwarding_rules"),
            Some(json!({ "type": "zone", "match": "example.com", "forward_to": ["10.0.0.7"] })),
        ),
        (Method::GET, format!("{resolvers}/{resolver}/secondary_zones"), None),
        (
            Method::POST,
            format!("{resolvers}/{resolver}/secondary_zones"),
            Some(json!({ "zone": "example.com", "transfer_from": ["10.0.0.7"] })),
        ),
        (Method::GET, format!("/v1/vpcs/{vpc}/default_security_group"), None),
        (Method::GET, format!("/v1/vpcs/{vpc}/default_network_acl"), None),
        (Method::GET, format!("/v1/vpcs/{vpc}/routing_tables"), None),
        (Method::GET, format!("/v1/vpcs/{vpc}/routing_tables/{vpc}-rt"), None),
        (Method::GET, format!("/v1/subnets/{subnet}/network_acl"), None),
        (Method::PUT, format!("/v1/subnets/{subnet}/network_acl"), Some(json!({ "id": secrets.network_acl }))),
        (Method::GET, format!("/v1/public_gateways/{}", secrets.public_gateway), None),
        (Method::PATCH, format!("/v1/public_gateways/{}", secrets.public_gateway), Some(json!({ "name": "taken" }))),
        (Method::DELETE, format!("/v1/public_gateways/{}", secrets.public_gateway), None),
        (Method::GET, format!("/v1/endpoint_gateways/{}/resource_bindings", secrets.local_gateway), None),
        (
            Method::POST,
            format!("/v1/endpoint_gateways/{}/resource_bindings", secrets.local_gateway),
            Some(
                json!({ "target": { "crn": "crn:v1:bluemix:public:cloud-object-storage:global:a/x:y:bucket:taken" } }),
            ),
        ),
        (
            Method::GET,
            format!("/v1/endpoint_gateways/{}/resource_bindings/{}", secrets.local_gateway, secrets.resource_binding),
            None,
        ),
        (
            Method::PATCH,
            format!("/v1/endpoint_gateways/{}/resource_bindings/{}", secrets.local_gateway, secrets.resource_binding),
            Some(json!({ "name": "taken" })),
        ),
        (
            Method::DELETE,
            format!("/v1/endpoint_gateways/{}/resource_bindings/{}", secrets.local_gateway, secrets.resource_binding),
            None,
        ),
        (Method::GET, format!("/v1/subnets/{subnet}/public_gateway"), None),
        (Method::PUT, format!("/v1/subnets/{subnet}/public_gateway"), Some(json!({ "id": secrets.public_gateway }))),
        (Method::DELETE, format!("/v1/subnets/{subnet}/public_gateway"), None),
        (
            Method::PATCH,
            format!("/v1/subnets/{subnet}/reserved_ips/{}", secrets.reserved_ip),
            Some(json!({ "name": "taken", "auto_delete": true })),
        ),
        (Method::GET, format!("/v1/security_groups/{sg}"), None),
        (Method::PATCH, format!("/v1/security_groups/{sg}"), Some(json!({ "name": "taken" }))),
        (Method::DELETE, format!("/v1/security_groups/{sg}"), None),
        (Method::GET, format!("/v1/security_groups/{sg}/targets"), None),
        (Method::PUT, format!("/v1/security_groups/{sg}/targets/{gateway}"), None),
        (Method::GET, format!("/v1/security_groups/{vpc}-sg/targets/{gateway}"), None),
        (Method::DELETE, format!("/v1/security_groups/{vpc}-sg/targets/{gateway}"), None),
        (Method::GET, format!("/v1/security_groups/{sg}/rules"), None),
        (
            Method::POST,
            format!("/v1/security_groups/{sg}/rules"),
            Some(json!({ "direction": "inbound", "protocol": "any" })),
        ),
        (Method::GET, format!("/v1/security_groups/{sg}/rules/{}", secrets.security_group_rule), None),
        (
            Method::PATCH,
            format!("/v1/security_groups/{sg}/rules/{}", secrets.security_group_rule),
            Some(json!({ "port_min": 23 })),
        ),
        (Method::DELETE, format!("/v1/security_groups/{sg}/rules/{}", secrets.security_group_rule), None),
        (Method::GET, format!("/v1/network_acls/{acl}"), None),
        (Method::PATCH, format!("/v1/network_acls/{acl}"), Some(json!({ "name": "taken" }))),
        (Method::DELETE, format!("/v1/network_acls/{acl}"), None),
        (Method::GET, format!("/v1/network_acls/{acl}/rules"), None),
        (
            Method::POST,
            format!("/v1/network_acls/{acl}/rules"),
            Some(
                json!({ "action": "deny", "direction": "inbound", "protocol": "any", "source": "0.0.0.0/0", "destination": "0.0.0.0/0" }),
            ),
        ),
        (Method::GET, format!("/v1/network_acls/{acl}/rules/{}", secrets.network_acl_rule), None),
        (
            Method::PATCH,
            format!("/v1/network_acls/{acl}/rules/{}", secrets.network_acl_rule),
            Some(json!({ "name": "taken" })),
        ),
        (Method::DELETE, format!("/v1/network_acls/{acl}/rules/{}", secrets.network_acl_rule), None),
        (Method::GET, format!("/v1/transit_gateways/{tg}"), None),
        (Method::PATCH, format!("/v1/transit_gateways/{tg}"), Some(json!({ "name": "taken", "global": true }))),
        (Method::DELETE, format!("/v1/transit_gateways/{tg}"), None),
        (Method::GET, format!("/v1/transit_gateways/{tg}/connections"), None),
        (
            Method::POST,
            format!("/v1/transit_gateways/{tg}/connections"),
            Some(json!({ "network_type": "vpc", "network_id": secrets.spoke_vpc["crn"] })),
        ),
        (Method::GET, format!("/v1/transit_gateways/{tg}/connections/{}", secrets.transit_connection), None),
        (
            Method::PATCH,
            format!("/v1/transit_gateways/{tg}/connections/{}", secrets.transit_connection),
            Some(json!({ "name": "taken" })),
        ),
        (Method::DELETE, format!("/v1/transit_gateways/{tg}/connections/{}", secrets.transit_connection), None),
        (Method::GET, format!("/v2/resource_groups/{rg}"), None),
        (Method::PATCH, format!("/v2/resource_groups/{rg}"), Some(json!({ "name": "taken" }))),
        (Method::DELETE, format!("/v2/resource_groups/{rg}"), None),
        (Method::GET, format!("/v2/resource_groups/{default_rg}"), None),
        (Method::PATCH, format!("/v2/resource_groups/{default_rg}"), Some(json!({ "name": "taken" }))),
        (Method::DELETE, format!("/v2/resource_groups/{default_rg}"), None),
        (Method::GET, format!("/v1/accounts/{}/settings/identity", net.hub.id), None),
        (Method::GET, format!("/_hubspoke/vpcs/{vpc}/dns_endpoint"), None),
        (Method::GET, format!("/_hubspoke/vpcs/{vpc}/dns_lookup?name=x.appdomain.cloud"), None),
        (Method::GET, format!("/v2/resource_instances/{instance}"), None),
        (Method::PATCH, format!("/v2/resource_instances/{instance}"), Some(json!({ "name": "taken" }))),
        (Method::DELETE, format!("/v2/resource_instances/{instance}"), None),
        (Method::GET, zones.clone(), None),
        (Method::POST, zones.clone(), Some(json!({ "name": "taken.example.com" }))),
        (Method::GET, zone.clone(), None),
        (Method::PATCH, zone.clone(), Some(json!({ "label": "taken" }))),
        (Method::DELETE, zone.clone(), None),
        (Method::GET, format!("{zone}/permitted_networks"), None),
        (
            Method::POST,
            format!("{zone}/permitted_networks"),
            Some(json!({ "type": "vpc", "permitted_network": { "vpc_crn": secrets.hub_vpc["crn"] } })),
        ),
        (Method::GET, format!("{zone}/permitted_networks/{vpc}"), None),
        (Method::DELETE, format!("{zone}/permitted_networks/{vpc}"), None),
        (Method::GET, format!("{zone}/resource_records"), None),
        (
            Method::POST,
            format!("{zone}/resource_records"),
            Some(json!({ "type": "A", "name": "taken", "rdata": { "ip": "10.0.0.1" } })),
        ),
        (Method::GET, format!("{zone}/resource_records/{}", secrets.record), None),
        (
            Method::PUT,
            format!("{zone}/resource_records/{}", secrets.record),
            Some(json!({ "name": "taken", "rdata": { "text": "taken" } })),
        ),
        (Method::DELETE, format!("{zone}/resource_records/{}", secrets.record), None),
        (Method::GET, format!("{zone}/export_resource_records"), None),
        (Method::GET, format!("/v1/policies/{}", secrets.policy), None),
        (Method::GET, format!("/v2/policies/{}", secrets.policy), None),
        (Method::PUT, format!("/v1/policies/{}", secrets.policy), Some(before["policy"].clone())),
        (Method::PUT, format!("/v2/policies/{}", secrets.policy), Some(policy_v2)),
        (Method::PATCH, format!("/v1/policies/{}", secrets.policy), Some(json!({ "state": "deleted" }))),
        (Method::DELETE, format!("/v1/policies/{}", secrets.policy), None),
        (Method::DELETE, format!("/v2/policies/{}", secrets.policy), None),
        (Method::GET, format!("/v2/groups/{ag}"), None),
        (Method::PATCH, format!("/v2/groups/{ag}"), Some(json!({ "name": "taken" }))),
        (Method::DELETE, format!("/v2/groups/{ag}?force=true"), None),
        (Method::GET, format!("/v2/groups/{ag}/members"), None),
        (
            Method::PUT,
            format!("/v2/groups/{ag}/members"),
            Some(json!({ "members": [{ "iam_id": "IBMid-3100007A1C", "type": "user" }] })),
        ),
        (Method::DELETE, format!("/v2/groups/{ag}/members/IBMid-3100007A1B"), None),
        (Method::POST, format!("/v2/groups/{ag}/members/delete"), Some(json!({ "members": ["IBMid-3100007A1B"] }))),
        (Method::GET, format!("/v2/groups/{ag}/rules"), None),
        (Method::POST, format!("/v2/groups/{ag}/rules"), Some(ag_rule.clone())),
        (Method::GET, format!("/v2/groups/{ag}/rules/{ag_rule_id}"), None),
        (Method::PUT, format!("/v2/groups/{ag}/rules/{ag_rule_id}"), Some(ag_rule.clone())),
        (Method::DELETE, format!("/v2/groups/{ag}/rules/{ag_rule_id}"), None),
        (Method::GET, format!("/v2/groups/settings?account_id={}", net.hub.id), None),
        (
            Method::PATCH,
            format!("/v2/groups/settings?account_id={}", net.hub.id),
            Some(json!({ "public_access_enabled": true })),
        ),
        (
            Method::PUT,
            format!("/v2/groups/_allgroups/members/IBMid-3100007A1B?account_id={}", net.hub.id),
            Some(json!({ "type": "user", "groups": [ag] })),
        ),
        (Method::DELETE, format!("/v2/groups/_allgroups/members/IBMid-3100007A1B?account_id={}", net.hub.id), None),
        (Method::GET, format!("/v2/policies/{}", secrets.access_policy), None),
        (Method::PATCH, format!("/v1/policies/{}", secrets.access_policy), Some(json!({ "state": "deleted" }))),
        (Method::DELETE, format!("/v1/policies/{}", secrets.access_policy), None),
        (Method::GET, format!("/v2/roles/{}", secrets.custom_role), None),
        (Method::PUT, format!("/v2/roles/{}", secrets.custom_role), Some(json!({ "display_name": "taken" }))),
        (Method::DELETE, format!("/v2/roles/{}", secrets.custom_role), None),
    ];
    let policy_paths =
        |path: &str| path.contains("/policies") || path.contains("/roles") || path.starts_with("/v2/groups/");
    for (who, account) in [("intruder", &intruder), ("spoke", &net.spoke)] {
        for (method, path, body) in &direct {
            // Policy writes need the ETag IBM requires; send the hub's, which a thief could have seen in a log.
            let (status, response) = if policy_paths(path) {
                let headers = [("if-match", "*")];
                let response = server.request(method.clone(), path, Some(&account.token), body.clone(), &headers).await;
                let status = response.status();
                (status, crate::support::parse_body(response).await)
            } else {
                net.call(account, method.clone(), path, body.clone()).await
            };
            assert_refused(who, method, path, status, &response);
        }
    }

    // Creating inside the hub's account or resources, from the intruder's: refused one way or another, and nothing
    // appears on the hub's side (checked by the snapshot below).
    let groups_of_hub = format!("/v2/groups?account_id={}", net.hub.id);
    let into: Vec<(&str, Value)> = vec![
        (
            "/v1/subnets",
            json!({ "vpc": { "id": vpc }, "zone": { "name": "us-south-1" }, "total_ipv4_address_count": 16 }),
        ),
        ("/v1/endpoint_gateways", json!({ "target": { "crn": COS }, "vpc": { "id": vpc } })),
        ("/v1/security_groups", json!({ "vpc": { "id": vpc } })),
        ("/v1/public_gateways", json!({ "vpc": { "id": vpc }, "zone": { "name": "us-south-2" } })),
        ("/v1/network_acls", json!({ "vpc": { "id": vpc } })),
        ("/v1/network_acls", json!({ "vpc": { "id": vpc }, "source_network_acl": { "id": acl } })),
        ("/v2/resource_groups", json!({ "name": "taken", "account_id": net.hub.id })),
        (&groups_of_hub, json!({ "name": "taken" })),
        ("/v1/vpcs", json!({ "name": "taken", "resource_group": { "id": rg } })),
        ("/v1/vpcs", json!({ "name": "taken", "resource_group": { "id": default_rg } })),
        ("/v1/endpoint_gateways", json!({ "target": { "crn": COS }, "vpc": { "crn": secrets.hub_vpc["crn"] } })),
        (
            resolvers,
            json!({ "name": "taken", "locations": [{ "subnet_crn": before[&format!("/v1/subnets/{subnet}")]["crn"] }] }),
        ),
    ];
    for (path, body) in into {
        let (status, response) = net.call(&intruder, Method::POST, path, Some(body.clone())).await;
        assert!(status.is_client_error(), "POST {path} {body}: {status} {response}");
        assert!(!response.to_string().contains("secret-"), "POST {path} leaked: {response}");
    }
    let foreign_policy = json!({
        "type": "authorization",
        "subjects": [{ "attributes": [
            { "name": "accountId", "value": intruder.id }, { "name": "serviceName", "value": "is" },
            { "name": "resourceType", "value": "vpc" } ] }],
        "roles": [{ "role_id": "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector" }],
        "resources": [{ "attributes": [
            { "name": "accountId", "value": net.hub.id }, { "name": "serviceName", "value": "is" },
            { "name": "vpcId", "value": vpc } ] }]
    });
    let (status, response) = server
        .call(
            Method::POST,
            "/v2/roles",
            Some(&intruder.token),
            Some(json!({ "name": "Taken", "display_name": "taken", "account_id": net.hub.id, "service_name": "is",
                         "actions": ["is.vpc.vpc.read"] })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{response}");
    let foreign_access = json!({
        "type": "access",
        "subjects": [{ "attributes": [{ "name": "iam_id", "value": "IBMid-INTRUDER" }] }],
        "roles": [{ "role_id": "crn:v1:bluemix:public:iam::::role:Administrator" }],
        "resources": [{ "attributes": [{ "name": "accountId", "value": net.hub.id }, { "name": "serviceName", "value": "is" }] }]
    });
    let (status, response) =
        server.call(Method::POST, "/v1/policies", Some(&intruder.token), Some(foreign_access)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{response}");
    for path in ["/v1/policies", "/v2/policies"] {
        let (status, response) =
            server.call(Method::POST, path, Some(&intruder.token), Some(foreign_policy.clone())).await;
        assert!(status == StatusCode::FORBIDDEN || status == StatusCode::BAD_REQUEST, "{path}: {status} {response}");
    }

    // Lists show only the caller's own resources, and the activity log only the caller's own events.
    let ids = hub_ids(&net, &secrets);
    for path in [
        "/v1/vpcs",
        "/v1/subnets",
        "/v1/endpoint_gateways",
        "/v1/security_groups",
        "/v1/network_acls",
        "/v1/public_gateways",
        "/v1/transit_gateways",
        "/v1/connections",
        "/v2/resource_groups",
        &format!("/v2/resource_groups?account_id={}", net.hub.id),
        "/v2/resource_instances",
        "/_hubspoke/events",
        &format!("/v1/policies?account_id={}", intruder.id),
        &format!("/v2/policies?account_id={}", intruder.id),
        &format!("/v2/groups?account_id={}", intruder.id),
        // IBM answers a list of an account the caller cannot read with 200 and no policies, not 403; hubspoke does
        // the same.
        &format!("/v1/policies?account_id={}", net.hub.id),
        &format!("/v2/policies?account_id={}", net.hub.id),
        &format!("/v2/policies?account_id={}&type=access", net.hub.id),
        &format!("/v2/roles?account_id={}&service_name=is", net.hub.id),
        &format!("/v1/vpcs/{}/dns_resolution_bindings", text(&secrets.spoke_vpc["id"])),
    ] {
        let (status, response) = net.call(&intruder, Method::GET, path, None).await;
        let shown = response.to_string();
        assert!(status.is_success() || status == StatusCode::NOT_FOUND, "{path}: {status} {shown}");
        for id in &ids {
            assert!(!shown.contains(id.as_str()), "the intruder's {path} shows the hub's `{id}`: {shown}");
        }
        assert!(!shown.contains("secret-"), "{path}: {shown}");
        if path.contains("/policies?") {
            assert_eq!(response["policies"], json!([]), "{path}");
        }
        if path.contains("/roles?") {
            assert_eq!(response["custom_roles"], json!([]), "{path}");
        }
    }

    // A decision about the hub's VPC asked by the intruder is a denial that names none of the hub's policies.
    let (status, decision) = server
        .call(
            Method::POST,
            "/access/v1/evaluation",
            Some(&intruder.token),
            Some(json!({
                "subject": { "type": "vpc", "id": "r006-intruder", "properties": { "accountId": intruder.id, "serviceName": "is" } },
                "action": { "name": "is.vpc.dns-resolution-binding.connect" },
                "resource": { "type": "vpc", "id": vpc, "properties": { "accountId": net.hub.id, "serviceName": "is", "vpcId": vpc } }
            })),
        )
        .await;
    assert!(status == StatusCode::OK || status == StatusCode::FORBIDDEN, "{status} {decision}");
    assert_ne!(decision["decision"], json!(true), "{decision}");
    assert!(!decision.to_string().contains(&secrets.policy), "{decision}");

    // The AuthZEN access evaluation and searches about the hub's identities and resources are refused to the
    // intruder, naming none of the hub's ids.
    let hub_vpc = json!({ "type": "vpc", "id": vpc, "properties": { "accountId": net.hub.id, "serviceName": "is", "vpcId": vpc } });
    let hub_vpcs = json!({ "type": "vpc", "properties": { "accountId": net.hub.id } });
    let secret_user = json!({ "type": "user", "id": "IBMid-SECRETUSER" });
    for (path, body) in [
        (
            "/access/v1/evaluation",
            json!({ "subject": secret_user, "action": { "name": "is.vpc.vpc.read" }, "resource": hub_vpc }),
        ),
        (
            "/access/v1/search/subject",
            json!({ "subject": { "type": "identity" }, "action": { "name": "is.vpc.vpc.read" }, "resource": hub_vpc }),
        ),
        ("/access/v1/search/action", json!({ "subject": secret_user, "resource": hub_vpc })),
        (
            "/access/v1/search/resource",
            json!({ "subject": secret_user, "action": { "name": "is.vpc.vpc.read" }, "resource": hub_vpcs }),
        ),
    ] {
        let (status, answer) = server.call(Method::POST, path, Some(&intruder.token), Some(body)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
        for id in ids.iter().chain([&secrets.access_policy, &secrets.custom_role]) {
            assert!(!answer.to_string().contains(id.as_str()), "{path} shows the hub's `{id}`: {answer}");
        }
    }

    // Nothing the intruders did changed anything of the hub's.
    assert_eq!(snapshot(&net, &secrets).await, before);
}

/// Another account's users, service IDs and API keys: every operation on them, by id or through the account they
/// belong to, is 404 (never 403, which would confirm they exist) and changes nothing.
#[tokio::test]
async fn no_account_reads_or_changes_another_accounts_identities() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let intruder = server.account("intruder").await;
    let users = format!("/v2/accounts/{}/users", hub.id);
    let invited = server
        .call(
            Method::POST,
            &users,
            Some(&hub.token),
            Some(json!({ "users": [{ "email": "secret-user@example.com" }] })),
        )
        .await;
    assert_eq!(invited.0, StatusCode::ACCEPTED, "{}", invited.1);
    let user = text(&invited.1["resources"][0]["id"]);
    let body = json!({ "account_id": hub.id, "name": "secret-service", "apikey": { "name": "secret-key" } });
    let (status, service) = server.call(Method::POST, "/v1/serviceids", Some(&hub.token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{service}");
    let (service_id, key_id, secret) =
        (text(&service["id"]), text(&service["apikey"]["id"]), text(&service["apikey"]["apikey"]));
    let snapshot = || async {
        let mut seen = Vec::new();
        for path in [
            users.clone(),
            format!("{users}/{user}"),
            format!("/v1/serviceids/{service_id}"),
            format!("/v1/apikeys/{key_id}"),
            "/v1/apikeys?scope=account".to_owned(),
            "/v1/serviceids".to_owned(),
        ] {
            let (status, body) = server.call(Method::GET, &path, Some(&hub.token), None).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            seen.push(body);
        }
        seen
    };
    let before = snapshot().await;
    let attempts: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, users.clone(), None),
        (Method::POST, users.clone(), Some(json!({ "users": [{ "email": "taken@example.com" }] }))),
        (Method::GET, format!("{users}/{user}"), None),
        (Method::PATCH, format!("{users}/{user}"), Some(json!({ "firstname": "taken" }))),
        (Method::DELETE, format!("{users}/{user}"), None),
        (Method::GET, format!("/v1/serviceids?account_id={}", hub.id), None),
        (Method::POST, "/v1/serviceids".to_owned(), Some(json!({ "account_id": hub.id, "name": "taken" }))),
        (Method::GET, format!("/v1/serviceids/{service_id}"), None),
        (Method::PUT, format!("/v1/serviceids/{service_id}"), Some(json!({ "name": "taken" }))),
        (Method::DELETE, format!("/v1/serviceids/{service_id}"), None),
        (Method::POST, format!("/v1/serviceids/{service_id}/lock"), None),
        (Method::DELETE, format!("/v1/serviceids/{service_id}/lock"), None),
        (Method::GET, format!("/v1/apikeys?account_id={}&scope=account", hub.id), None),
        (Method::GET, format!("/v1/apikeys?account_id={}&iam_id={user}", hub.id), None),
        (Method::POST, "/v1/apikeys".to_owned(), Some(json!({ "name": "taken", "iam_id": user }))),
        (Method::POST, "/v1/apikeys".to_owned(), Some(json!({ "name": "taken", "iam_id": service["iam_id"] }))),
        (Method::GET, format!("/v1/apikeys/{key_id}"), None),
        (Method::PUT, format!("/v1/apikeys/{key_id}"), Some(json!({ "name": "taken" }))),
        (Method::DELETE, format!("/v1/apikeys/{key_id}"), None),
        (Method::POST, format!("/v1/apikeys/{key_id}/lock"), None),
        (Method::DELETE, format!("/v1/apikeys/{key_id}/lock"), None),
    ];
    for (method, path, body) in attempts {
        let response = server.request(method.clone(), &path, Some(&intruder.token), body, &[("If-Match", "*")]).await;
        let status = response.status();
        let body = crate::support::parse_body(response).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "intruder: {method} {path}: {body}");
        assert_refused("intruder", &method, &path, status, &body);
    }
    // The intruder's own lists show none of the hub's identities.
    for path in ["/v1/serviceids", "/v1/apikeys?scope=account"] {
        let (status, body) = server.call(Method::GET, path, Some(&intruder.token), None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!body.to_string().contains("secret-"), "{path}: {body}");
    }
    // Holding the secret of the hub's key does not show it to another account's token.
    let response = server
        .request(Method::GET, "/v1/apikeys/details", Some(&intruder.token), None, &[("IAM-ApiKey", &secret)])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(snapshot().await, before, "nothing changed");
}
