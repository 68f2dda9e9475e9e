//! The landing zone's hub-and-spoke example with a delegated resolver, replayed as the IBM Terraform provider sends it
//! in one account: the first apply (resource group; hub and spoke VPCs with manual prefixes, public gateways in every
//! zone, the ACL with its ordered rules and subnets on both; the hub's custom resolver; the spoke's authorization; a
//! local transit gateway with both VPCs), the second apply that delegates the spoke's resolver, the manual step that
//! sets it back, and the destroy, with the provider's polls and every refresh read. It leaves the account empty.
//!
//! DNS Services zones and permitted networks, which the example also creates in the hub, are not served yet; the
//! replay leaves them out.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::resource_instance::catalog_lookup;
use crate::support::{Account, Server};
use crate::transit_gateways::tg;
use crate::vpc_rules::with_version;

const DNS_ROLE: &str = "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector";
const REGION: &str = "us-south";

struct Lz<'a> {
    server: &'a Server,
    who: Account,
}

impl Lz<'_> {
    /// A VPC API call (the provider adds `version` and `generation`).
    async fn vpc(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.server.call(method, &with_version(path), Some(&self.who.token), body).await
    }

    /// A VPC API call that must succeed.
    async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.vpc(method.clone(), path, body).await;
        assert!(status.is_success(), "{method} {path}: {status} {value}");
        value
    }

    /// Another API's call (IAM, Resource Manager, identity settings), which takes no `version`.
    async fn plain(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.server.call(method.clone(), path, Some(&self.who.token), body).await;
        assert!(status.is_success(), "{method} {path}: {status} {value}");
        value
    }

    /// The provider's create waiters: read until `field` is `wanted`.
    async fn wait(&self, path: &str, field: &str, wanted: &str) -> Value {
        let started = Instant::now();
        loop {
            let read = if path.contains("transit_gateways") {
                let (status, body) = tg(self.server, &self.who, Method::GET, path, None).await;
                assert_eq!(status, StatusCode::OK, "{path}: {body}");
                body
            } else {
                self.ok(Method::GET, path, None).await
            };
            if read[field] == wanted {
                return read;
            }
            assert!(read[field] != "failed", "{path} failed: {read}");
            assert!(started.elapsed() < Duration::from_secs(20), "{path} `{field}` becomes `{wanted}`: {read}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The provider's delete waiters: read until 404.
    async fn gone(&self, path: &str) {
        let started = Instant::now();
        loop {
            let status = if path.contains("transit_gateways") {
                tg(self.server, &self.who, Method::GET, path, None).await.0
            } else {
                self.vpc(Method::GET, path, None).await.0
            };
            if status == StatusCode::NOT_FOUND {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "{path} disappears");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Every page of a VPC API list, as the provider's refresh reads it.
    async fn all(&self, path: &str, key: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut page =
            self.ok(Method::GET, &format!("{path}{}limit=1", if path.contains('?') { '&' } else { '?' }), None).await;
        loop {
            items.extend(page[key].as_array().unwrap().iter().cloned());
            let Some(next) = page["next"]["href"].as_str() else { return items };
            let start = next.split("start=").nth(1).unwrap().split('&').next().unwrap().to_owned();
            let separator = if path.contains('?') { '&' } else { '?' };
            page = self.ok(Method::GET, &format!("{path}{separator}limit=1&start={start}"), None).await;
        }
    }

    /// `data.ibm_is_vpc` and every `ibm_is_vpc` refresh: the VPC, all its prefixes, subnets and security groups.
    async fn refresh_vpc(&self, id: &str) -> Value {
        let vpc = self.ok(Method::GET, &format!("/v1/vpcs/{id}"), None).await;
        let prefixes = self.all(&format!("/v1/vpcs/{id}/address_prefixes"), "address_prefixes").await;
        assert!(prefixes.iter().all(|p| p["zone"]["name"].as_str().unwrap().starts_with(REGION)), "{prefixes:?}");
        self.ok(Method::GET, &format!("/v1/subnets?vpc.id={id}"), None).await;
        let groups = self.ok(Method::GET, &format!("/v1/security_groups?vpc.id={id}"), None).await;
        assert_eq!(groups["security_groups"][0]["id"], vpc["default_security_group"]["id"]);
        vpc
    }

    /// One landing-zone VPC module: the VPC (manual prefixes), a prefix per subnet, public gateways in every zone,
    /// the prefixes read back, the ACL with its rules, the subnets, and the refresh. Returns (VPC, subnets, ACL).
    async fn vpc_module(&self, name: &str, group: &str, hub: bool, cidrs: [&str; 3]) -> (Value, Vec<Value>, Value) {
        let body = json!({ "name": name, "address_prefix_management": "manual", "resource_group": { "id": group },
                           "dns": { "enable_hub": hub } });
        let vpc = self.ok(Method::POST, "/v1/vpcs", Some(body)).await;
        let id = vpc["id"].as_str().unwrap().to_owned();
        self.wait(&format!("/v1/vpcs/{id}"), "status", "available").await;
        let zone = |n: usize| format!("{REGION}-{}", n + 1);
        for (n, cidr) in cidrs.iter().enumerate() {
            let body = json!({ "name": format!("{name}-subnet-{}", n + 1), "zone": { "name": zone(n) }, "cidr": cidr });
            let prefix = self.ok(Method::POST, &format!("/v1/vpcs/{id}/address_prefixes"), Some(body)).await;
            self.ok(Method::GET, &format!("/v1/vpcs/{id}/address_prefixes/{}", prefix["id"].as_str().unwrap()), None)
                .await;
        }
        let mut gateways = Vec::new();
        for n in 0..3 {
            let body = json!({ "vpc": { "id": id }, "zone": { "name": zone(n) }, "name": format!("{name}-public-gateway-{}", n + 1),
                               "resource_group": { "id": group } });
            let gateway = self.ok(Method::POST, "/v1/public_gateways", Some(body)).await;
            let path = format!("/v1/public_gateways/{}", gateway["id"].as_str().unwrap());
            gateways.push(self.wait(&path, "status", "available").await);
        }
        let prefixes = self.all(&format!("/v1/vpcs/{id}/address_prefixes"), "address_prefixes").await;
        assert_eq!(prefixes.len(), 3, "a manual VPC has only the prefixes it was given");

        // `vpc-acl`: created without rules, its rules listed (none to delete), then each rule posted in order.
        let acl = self
            .ok(Method::POST, "/v1/network_acls", Some(json!({ "vpc": { "id": id }, "name": format!("{name}-vpc-acl"), "resource_group": { "id": group } })))
            .await;
        let acl_id = acl["id"].as_str().unwrap().to_owned();
        let rules = self.ok(Method::GET, &format!("/v1/network_acls/{acl_id}/rules"), None).await;
        assert_eq!(rules["rules"], json!([]));
        let allow = |rule: &str, direction: &str, source: &str, destination: &str| json!({ "name": rule, "action": "allow", "direction": direction, "source": source, "destination": destination, "protocol": "icmp_tcp_udp" });
        let mut wanted = vec![
            allow("ibmflow-iaas-outbound-0", "outbound", "10.0.0.0/8", "161.26.0.0/16"),
            allow("ibmflow-paas-outbound-0", "outbound", "10.0.0.0/8", "166.8.0.0/14"),
            allow("ibmflow-iaas-inbound-0", "inbound", "161.26.0.0/16", "10.0.0.0/8"),
            allow("ibmflow-paas-inbound-0", "inbound", "166.8.0.0/14", "10.0.0.0/8"),
        ];
        for prefix in &prefixes {
            let tail = &prefix["id"].as_str().unwrap()[prefix["id"].as_str().unwrap().len() - 4..];
            wanted.push(allow(
                &format!("ibmflow-allow-vpc-connectivity-inbound-{tail}-0"),
                "inbound",
                prefix["cidr"].as_str().unwrap(),
                "10.0.0.0/8",
            ));
        }
        for prefix in &prefixes {
            let tail = &prefix["id"].as_str().unwrap()[prefix["id"].as_str().unwrap().len() - 4..];
            wanted.push(allow(
                &format!("ibmflow-allow-vpc-connectivity-outbound-{tail}-0"),
                "outbound",
                "10.0.0.0/8",
                prefix["cidr"].as_str().unwrap(),
            ));
        }
        for direction in ["inbound", "outbound"] {
            wanted.push(
                json!({ "name": format!("ibmflow-deny-all-{direction}"), "action": "deny", "direction": direction,
                                "source": "0.0.0.0/0", "destination": "0.0.0.0/0", "protocol": "any" }),
            );
        }
        for rule in &wanted {
            self.ok(Method::POST, &format!("/v1/network_acls/{acl_id}/rules"), Some(rule.clone())).await;
        }
        let read = self.ok(Method::GET, &format!("/v1/network_acls/{acl_id}"), None).await;
        let names: Vec<&str> = read["rules"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
        let expected: Vec<&str> = wanted.iter().map(|r| r["name"].as_str().unwrap()).collect();
        assert_eq!(names, expected, "the rules keep the order they were posted in");

        // The subnets, on the ACL; the first zone's also on its public gateway.
        let mut subnets = Vec::new();
        for (n, cidr) in cidrs.iter().enumerate() {
            let mut body = json!({ "vpc": { "id": id }, "name": format!("{name}-subnet-{}", n + 1), "zone": { "name": zone(n) },
                                   "ipv4_cidr_block": cidr, "network_acl": { "id": acl_id }, "resource_group": { "id": group } });
            if n == 0 {
                body["public_gateway"] = json!({ "id": gateways[0]["id"] });
            }
            let subnet = self.ok(Method::POST, "/v1/subnets", Some(body)).await;
            let path = format!("/v1/subnets/{}", subnet["id"].as_str().unwrap());
            let read = self.wait(&path, "status", "available").await;
            assert_eq!((&read["network_acl"]["id"], &read["resource_group"]["id"]), (&acl["id"], &json!(group)));
            subnets.push(read);
        }
        assert_eq!(subnets[0]["public_gateway"]["id"], gateways[0]["id"]);
        let vpc = self.refresh_vpc(&id).await;
        (vpc, subnets, acl)
    }
}

#[tokio::test]
async fn the_landing_zone_hub_and_spoke_example_applies_twice_and_destroys() {
    let server = Server::start(&["--ephemeral", "--propagation-delay", "300ms"], None).await;
    let lz = Lz { server: &server, who: server.account("landing-zone").await };
    let account = lz.who.id.clone();

    // ---- First apply.
    // module.resource_group: `<prefix>-resource-group`, with the account id from the token.
    let group = lz
        .plain(Method::POST, "/v2/resource_groups", Some(json!({ "name": "lz-resource-group", "account_id": account })))
        .await;
    let group = group["id"].as_str().unwrap().to_owned();
    assert_eq!(lz.plain(Method::GET, &format!("/v2/resource_groups/{group}"), None).await["name"], "lz-resource-group");

    // module.hub_vpc, with the hub's custom resolver on its three subnets.
    let (hub, hub_subnets, _) =
        lz.vpc_module("lz-hub", &group, true, ["10.10.10.0/24", "10.20.10.0/24", "10.30.10.0/24"]).await;
    let locations: Vec<Value> =
        hub_subnets.iter().map(|s| json!({ "subnet_crn": s["crn"], "enabled": true })).collect();
    // ibm_resource_instance (dns-svcs, standard-dns, global) in the landing zone's group: the plan and the target
    // from the Global Catalog, created, then read until `active`; its GUID is the instance id of the DNS Services
    // calls, its id (the CRN) the Terraform id.
    let (plan, target) = catalog_lookup(lz.server, &lz.who.token, "dns-svcs", "standard-dns").await;
    let instance = lz
        .plain(
            Method::POST,
            "/v2/resource_instances",
            Some(json!({ "name": "lz-dns-instance", "target": target, "resource_group": group,
                         "resource_plan_id": plan, "parameters": {} })),
        )
        .await;
    // The provider escapes the CRN as one path segment.
    let instance_path = format!("/v2/resource_instances/{}", instance["id"].as_str().unwrap().replace('/', "%2F"));
    assert_eq!(lz.plain(Method::GET, &instance_path, None).await["state"], "active");
    let resolvers = &format!("/v1/instances/{}/custom_resolvers", instance["guid"].as_str().unwrap());
    let resolver =
        lz.plain(Method::POST, resolvers, Some(json!({ "name": "lz-hub-resolver", "locations": locations }))).await;
    let resolver_path = format!("{resolvers}/{}", resolver["id"].as_str().unwrap());
    lz.plain(Method::PATCH, &resolver_path, Some(json!({ "enabled": true }))).await;
    let forwarding = lz.plain(Method::GET, &resolver_path, None).await;
    assert_eq!(forwarding["enabled"], true);

    // time_sleep, then data.ibm_iam_account_settings gives the hub account id to the spoke module.
    let settings = lz.plain(Method::GET, &format!("/v1/accounts/{account}/settings/identity"), None).await;
    assert_eq!(settings["account_id"], account.as_str());

    // module.spoke_vpc: no resolver block in the first apply; its authorization on the hub (the hub CRN's 10th field).
    let (spoke, _, _) =
        lz.vpc_module("lz-spoke", &group, false, ["10.40.10.0/24", "10.50.10.0/24", "10.60.10.0/24"]).await;
    let hub_vpc_id = hub["crn"].as_str().unwrap().split(':').nth(9).unwrap().to_owned();
    let policy = lz
        .plain(
            Method::POST,
            "/v1/policies",
            Some(json!({
                "type": "authorization",
                "subjects": [{ "attributes": [
                    { "name": "accountId", "value": account }, { "name": "serviceName", "value": "is" },
                    { "name": "resourceType", "value": "vpc" }, { "name": "resource", "value": spoke["id"] } ] }],
                "roles": [{ "role_id": DNS_ROLE }],
                "resources": [{ "attributes": [
                    { "name": "accountId", "value": account }, { "name": "serviceName", "value": "is" },
                    { "name": "vpcId", "value": hub_vpc_id } ] }]
            })),
        )
        .await;
    let spoke_id = spoke["id"].as_str().unwrap().to_owned();
    let bindings = lz.ok(Method::GET, &format!("/v1/vpcs/{spoke_id}/dns_resolution_bindings"), None).await;
    assert_eq!(bindings["dns_resolution_bindings"], json!([]));

    // module.tg_gateway_connection: a local gateway in the region with both VPCs.
    let (status, gateway) = tg(
        &server,
        &lz.who,
        Method::POST,
        "/v1/transit_gateways",
        Some(json!({ "name": "lz-tg", "location": REGION, "global": false, "resource_group": { "id": group } })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{gateway}");
    let gateway_path = format!("/v1/transit_gateways/{}", gateway["id"].as_str().unwrap());
    lz.wait(&gateway_path, "status", "available").await;
    let mut connections = Vec::new();
    for vpc in [&hub, &spoke] {
        let body = json!({ "network_type": "vpc", "network_id": vpc["crn"], "name": vpc["name"] });
        let (status, connection) =
            tg(&server, &lz.who, Method::POST, &format!("{gateway_path}/connections"), Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{connection}");
        let path = format!("{gateway_path}/connections/{}", connection["id"].as_str().unwrap());
        lz.wait(&path, "status", "attached").await;
        connections.push(path);
    }

    // ---- Second apply, with `update_delegated_resolver = true`: the spoke's `ibm_is_vpc` dns block creates the
    // binding, waits for it, then delegates.
    let binding = lz
        .ok(
            Method::POST,
            &format!("/v1/vpcs/{spoke_id}/dns_resolution_bindings"),
            Some(json!({ "name": "lz-spoke-binding", "vpc": { "crn": hub["crn"] } })),
        )
        .await;
    let binding_path = format!("/v1/vpcs/{spoke_id}/dns_resolution_bindings/{}", binding["id"].as_str().unwrap());
    lz.wait(&binding_path, "lifecycle_state", "stable").await;
    let delegate = json!({ "dns": { "resolver": { "type": "delegated", "vpc": { "crn": hub["crn"] } } } });
    let delegated = lz.ok(Method::PATCH, &format!("/v1/vpcs/{spoke_id}"), Some(delegate)).await;
    assert_eq!(delegated["dns"]["resolver"]["type"], "delegated");
    let refreshed = lz.refresh_vpc(&spoke_id).await;
    assert_eq!(refreshed["dns"]["resolver"]["vpc"]["id"], hub["id"]);
    let lookup = lz
        .plain(
            Method::GET,
            &format!(
                "/_hubspoke/vpcs/{spoke_id}/dns_lookup?name=s3.direct.us-south.cloud-object-storage.appdomain.cloud"
            ),
            None,
        )
        .await;
    assert_eq!(lookup["source"]["kind"], "delegated", "{lookup}");

    // ---- Before destroy, the README's manual step: the resolver back to `system` and the binding removed.
    let system = json!({ "dns": { "resolver": { "type": "system" } } });
    lz.ok(Method::PATCH, &format!("/v1/vpcs/{spoke_id}"), Some(system)).await;
    lz.ok(Method::DELETE, &binding_path, None).await;
    lz.gone(&binding_path).await;

    // ---- terraform destroy, dependents first.
    for path in &connections {
        assert_eq!(tg(&server, &lz.who, Method::DELETE, path, None).await.0, StatusCode::NO_CONTENT);
        lz.gone(path).await;
    }
    assert_eq!(tg(&server, &lz.who, Method::DELETE, &gateway_path, None).await.0, StatusCode::NO_CONTENT);
    lz.gone(&gateway_path).await;
    let (status, _) = server
        .call(Method::DELETE, &format!("/v1/policies/{}", policy["id"].as_str().unwrap()), Some(&lz.who.token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    lz.plain(Method::PATCH, &resolver_path, Some(json!({ "enabled": false }))).await;
    let (status, _) = server.call(Method::DELETE, &resolver_path, Some(&lz.who.token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.call(Method::DELETE, &instance_path, Some(&lz.who.token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // The provider's delete waiter for `ibm_resource_instance` reads until the instance is `removed`.
    assert_eq!(lz.plain(Method::GET, &instance_path, None).await["state"], "removed");
    for vpc in [&spoke, &hub] {
        let id = vpc["id"].as_str().unwrap();
        for subnet in lz.all(&format!("/v1/subnets?vpc.id={id}"), "subnets").await {
            let path = format!("/v1/subnets/{}", subnet["id"].as_str().unwrap());
            lz.ok(Method::DELETE, &path, None).await;
            lz.gone(&path).await;
        }
        for gateway in
            lz.all("/v1/public_gateways", "public_gateways").await.iter().filter(|g| g["vpc"]["id"] == vpc["id"])
        {
            let path = format!("/v1/public_gateways/{}", gateway["id"].as_str().unwrap());
            lz.ok(Method::DELETE, &path, None).await;
            lz.gone(&path).await;
        }
        for acl in lz.all(&format!("/v1/network_acls?vpc.id={id}"), "network_acls").await {
            if acl["id"] != vpc["default_network_acl"]["id"] {
                lz.ok(Method::DELETE, &format!("/v1/network_acls/{}", acl["id"].as_str().unwrap()), None).await;
            }
        }
        for prefix in lz.all(&format!("/v1/vpcs/{id}/address_prefixes"), "address_prefixes").await {
            lz.ok(Method::DELETE, &format!("/v1/vpcs/{id}/address_prefixes/{}", prefix["id"].as_str().unwrap()), None)
                .await;
        }
        lz.ok(Method::DELETE, &format!("/v1/vpcs/{id}"), None).await;
        lz.gone(&format!("/v1/vpcs/{id}")).await;
    }
    let (status, _) =
        server.call(Method::DELETE, &format!("/v2/resource_groups/{group}"), Some(&lz.who.token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // The account is empty again.
    for (path, key) in [
        ("/v1/vpcs", "vpcs"),
        ("/v1/subnets", "subnets"),
        ("/v1/public_gateways", "public_gateways"),
        ("/v1/network_acls", "network_acls"),
    ] {
        assert_eq!(lz.all(path, key).await, Vec::<Value>::new(), "{path}");
    }
    let groups = lz.plain(Method::GET, &format!("/v2/resource_groups?account_id={account}"), None).await;
    assert_eq!(groups["resources"].as_array().unwrap().len(), 1, "only the default group is left: {groups}");
}
