//! Every DNS sharing rule of `docs/rules.md` over HTTP: each row builds its situation through the API, makes the
//! request the rule forbids, and checks the status, the IBM error code and that the message names the rule.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Account, Server, parse_body};

mod public_gateways;
mod regions;
mod security;

pub const VERSION: &str = "2026-10-06";
pub const COS: &str = "crn:v1:bluemix:public:cloud-object-storage:global:::endpoint:s3.direct.us-south.cloud-object-storage.appdomain.cloud";
pub const KMS: &str = "crn:v1:bluemix:public:kms:us-south:::endpoint:private.us-south.kms.cloud.ibm.com";

/// A hub account and a spoke account on one server, with helpers that speak the VPC API.
pub struct Net<'a> {
    pub server: &'a Server,
    pub hub: Account,
    pub spoke: Account,
}

/// `path` with the `version` and `generation` query parameters every VPC API request carries.
pub fn with_version(path: &str) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}version={VERSION}&generation=2")
}

impl<'a> Net<'a> {
    pub async fn new(server: &'a Server) -> Net<'a> {
        Net { hub: server.account("hub").await, spoke: server.account("spoke").await, server }
    }

    pub async fn call(&self, who: &Account, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.server.call(method, &with_version(path), Some(&who.token), body).await
    }

    /// Like `call`, but the request must succeed; returns the body.
    pub async fn ok(&self, who: &Account, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.call(who, method.clone(), path, body).await;
        assert!(status.is_success(), "{method} {path}: {status} {value}");
        value
    }

    pub async fn vpc(&self, who: &Account, name: &str, hub: bool) -> Value {
        self.ok(who, Method::POST, "/v1/vpcs", Some(json!({ "name": name, "dns": { "enable_hub": hub } }))).await
    }

    pub async fn subnet(&self, who: &Account, vpc: &str, zone: &str) -> Value {
        let body = json!({ "vpc": { "id": vpc }, "zone": { "name": zone }, "total_ipv4_address_count": 256 });
        self.ok(who, Method::POST, "/v1/subnets", Some(body)).await
    }

    /// The GUID of `who`'s DNS Services instance named `dns-instance`, created on first use.
    pub async fn dns_instance(&self, who: &Account) -> String {
        let found = self.ok(who, Method::GET, "/v2/resource_instances?name=dns-instance", None).await;
        if let Some(guid) = found["resources"][0]["guid"].as_str() {
            return guid.to_owned();
        }
        let body = json!({ "name": "dns-instance", "target": "global", "resource_plan_id": "standard-dns" });
        let created = self.ok(who, Method::POST, "/v2/resource_instances", Some(body)).await;
        created["guid"].as_str().unwrap().to_owned()
    }

    /// `/v1/instances/{instance}/custom_resolvers` of `who`'s [`Net::dns_instance`].
    pub async fn resolvers_path(&self, who: &Account) -> String {
        format!("/v1/instances/{}/custom_resolvers", self.dns_instance(who).await)
    }

    /// An enabled custom resolver with one location in the subnet.
    pub async fn resolver(&self, who: &Account, subnet: &Value) -> Value {
        let body = json!({ "name": "hub-resolver", "locations": [{ "subnet_crn": subnet["crn"], "enabled": true }] });
        let resolvers = self.resolvers_path(who).await;
        let created = self.ok(who, Method::POST, &resolvers, Some(body)).await;
        let path = format!("{resolvers}/{}", created["id"].as_str().unwrap());
        self.ok(who, Method::PATCH, &path, Some(json!({ "enabled": true }))).await
    }

    pub async fn gateway(&self, who: &Account, vpc: &Value, target: &str, mode: &str) -> (StatusCode, Value) {
        let subnet = &self
            .ok(who, Method::GET, &format!("/v1/subnets?vpc.id={}", vpc["id"].as_str().unwrap()), None)
            .await["subnets"][0];
        let mut body = json!({
            "target": { "crn": target, "resource_type": "provider_cloud_service" },
            "vpc": { "id": vpc["id"] },
            "dns_resolution_binding_mode": mode,
        });
        if subnet.is_object() {
            body["ips"] = json!([{ "subnet": { "id": subnet["id"] } }]);
        }
        self.call(who, Method::POST, "/v1/endpoint_gateways", Some(body)).await
    }

    /// The hub grants `DNSBindingConnector` to the spoke account (one VPC, or all of them) on `hub_vpc`.
    pub async fn grant(&self, spoke_vpc: Option<&str>, hub_vpc: &Value) -> String {
        self.grant_from(&self.hub, &self.spoke, spoke_vpc, hub_vpc).await
    }

    pub async fn grant_from(&self, hub: &Account, spoke: &Account, spoke_vpc: Option<&str>, hub_vpc: &Value) -> String {
        let mut subject = vec![
            json!({ "name": "accountId", "value": spoke.id }),
            json!({ "name": "serviceName", "value": "is" }),
            json!({ "name": "resourceType", "value": "vpc" }),
        ];
        if let Some(vpc) = spoke_vpc {
            subject.push(json!({ "name": "resource", "value": vpc }));
        }
        let body = json!({
            "type": "authorization",
            "subjects": [{ "attributes": subject }],
            "roles": [{ "role_id": "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector" }],
            "resources": [{ "attributes": [
                { "name": "accountId", "value": hub.id },
                { "name": "serviceName", "value": "is" },
                { "name": "vpcId", "value": hub_vpc["id"] }
            ]}]
        });
        let (status, policy) = self.server.call(Method::POST, "/v1/policies", Some(&hub.token), Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{policy}");
        policy["id"].as_str().unwrap().to_owned()
    }

    pub async fn revoke(&self, policy: &str) {
        let (status, _) =
            self.server.call(Method::DELETE, &format!("/v1/policies/{policy}"), Some(&self.hub.token), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }

    pub async fn bind(&self, who: &Account, spoke_vpc: &Value, hub_vpc: &Value) -> (StatusCode, Value) {
        let path = format!("/v1/vpcs/{}/dns_resolution_bindings", spoke_vpc["id"].as_str().unwrap());
        self.call(who, Method::POST, &path, Some(json!({ "vpc": { "crn": hub_vpc["crn"] } }))).await
    }

    pub async fn delegate(&self, who: &Account, spoke_vpc: &Value, hub_vpc: &Value) -> (StatusCode, Value) {
        let body = json!({ "dns": { "resolver": { "type": "delegated", "vpc": { "crn": hub_vpc["crn"] } } } });
        self.call(who, Method::PATCH, &format!("/v1/vpcs/{}", spoke_vpc["id"].as_str().unwrap()), Some(body)).await
    }

    /// The two-account topology before the binding: (hub VPC, spoke VPC).
    pub async fn two_accounts(&self) -> (Value, Value) {
        let hub = self.vpc(&self.hub, "hub", true).await;
        let subnet = self.subnet(&self.hub, hub["id"].as_str().unwrap(), "us-south-1").await;
        self.resolver(&self.hub, &subnet).await;
        let (status, gateway) = self.gateway(&self.hub, &hub, COS, "primary").await;
        assert_eq!(status, StatusCode::CREATED, "{gateway}");
        let spoke = self.vpc(&self.spoke, "spoke", false).await;
        self.subnet(&self.spoke, spoke["id"].as_str().unwrap(), "us-south-1").await;
        (hub, spoke)
    }

    /// The two-account topology bound: (hub, spoke, binding, policy).
    pub async fn bound(&self) -> (Value, Value, Value, String) {
        let (hub, spoke) = self.two_accounts().await;
        let policy = self.grant(Some(spoke["id"].as_str().unwrap()), &hub).await;
        let (status, binding) = self.bind(&self.spoke, &spoke, &hub).await;
        assert_eq!(status, StatusCode::CREATED, "{binding}");
        (hub, spoke, binding, policy)
    }
}

fn id(value: &Value) -> &str {
    value["id"].as_str().unwrap()
}

/// Builds the situation of one rule (`rule/variant` when a rule has several) and makes the forbidden request.
async fn violate(rule: &str, net: &Net<'_>) -> (StatusCode, Value) {
    let (hub_account, spoke_account) = (&net.hub, &net.spoke);
    match rule {
        "H2" => {
            let (hub, ..) = net.bound().await;
            net.call(
                hub_account,
                Method::PATCH,
                &format!("/v1/vpcs/{}", id(&hub)),
                Some(json!({ "dns": { "enable_hub": false } })),
            )
            .await
        }
        "H3" => {
            let plain = net.vpc(hub_account, "plain", false).await;
            net.subnet(hub_account, id(&plain), "us-south-1").await;
            net.gateway(hub_account, &plain, COS, "disabled").await;
            net.call(
                hub_account,
                Method::PATCH,
                &format!("/v1/vpcs/{}", id(&plain)),
                Some(json!({ "dns": { "enable_hub": true } })),
            )
            .await
        }
        "H4" => {
            let hub = net.vpc(hub_account, "hub", true).await;
            net.gateway(hub_account, &hub, COS, "disabled").await
        }
        "H5" => {
            let (hub, spoke, binding, _) = net.bound().await;
            net.delegate(spoke_account, &spoke, &hub).await;
            net.ok(
                hub_account,
                Method::DELETE,
                &format!("/v1/vpcs/{}/dns_resolution_bindings/{}", id(&hub), id(&binding)),
                None,
            )
            .await;
            net.call(
                spoke_account,
                Method::PATCH,
                &format!("/v1/vpcs/{}", id(&spoke)),
                Some(json!({ "dns": { "enable_hub": true } })),
            )
            .await
        }
        "H7" => {
            let (hub, ..) = net.bound().await;
            net.call(hub_account, Method::DELETE, &format!("/v1/vpcs/{}", id(&hub)), None).await
        }
        "H8" => {
            let (hub, spoke) = net.two_accounts().await;
            net.gateway(spoke_account, &spoke, COS, "disabled").await;
            net.grant(None, &hub).await;
            net.bind(spoke_account, &spoke, &hub).await;
            let gateways =
                net.ok(hub_account, Method::GET, &format!("/v1/endpoint_gateways?vpc.id={}", id(&hub)), None).await;
            net.call(
                hub_account,
                Method::DELETE,
                &format!("/v1/endpoint_gateways/{}", id(&gateways["endpoint_gateways"][0])),
                None,
            )
            .await
        }
        "H10" => {
            net.bound().await;
            let resolvers_path = net.resolvers_path(hub_account).await;
            let resolvers = net.ok(hub_account, Method::GET, &resolvers_path, None).await;
            let path = format!("{resolvers_path}/{}", id(&resolvers["custom_resolvers"][0]));
            net.call(hub_account, Method::PATCH, &path, Some(json!({ "enabled": false }))).await
        }
        "C1" => {
            let (hub, _) = net.two_accounts().await;
            let other = net.vpc(hub_account, "other-hub", true).await;
            net.bind(hub_account, &hub, &other).await
        }
        "C2" => {
            let (_, spoke, ..) = net.bound().await;
            let second = net.vpc(hub_account, "second-hub", true).await;
            net.grant(None, &second).await;
            net.bind(spoke_account, &spoke, &second).await
        }
        "C3" => {
            let (_, spoke) = net.two_accounts().await;
            let not_a_hub = net.vpc(hub_account, "not-a-hub", false).await;
            net.grant(None, &not_a_hub).await;
            net.bind(spoke_account, &spoke, &not_a_hub).await
        }
        "C4" => {
            let (hub, spoke) = net.two_accounts().await;
            let elsewhere = json!({ "crn": hub["crn"].as_str().unwrap().replace(":us-south:", ":eu-de:") });
            net.bind(spoke_account, &spoke, &elsewhere).await
        }
        "C5" => {
            let (hub, spoke) = net.two_accounts().await;
            net.grant(None, &hub).await;
            let path = format!("/v1/vpcs/{}/dns_resolution_bindings", id(&spoke));
            net.call(spoke_account, Method::POST, &path, Some(json!({ "vpc": { "id": hub["id"] } }))).await
        }
        "C6" => {
            let (hub, spoke) = net.two_accounts().await;
            net.gateway(spoke_account, &spoke, COS, "primary").await;
            net.grant(None, &hub).await;
            net.bind(spoke_account, &spoke, &hub).await
        }
        "H10/bind" => {
            // The other direction: a hub whose resolver was never enabled takes no binding.
            let hub = net.vpc(hub_account, "resolverless-hub", true).await;
            let spoke = net.vpc(spoke_account, "spoke", false).await;
            net.grant(None, &hub).await;
            net.bind(spoke_account, &spoke, &hub).await
        }
        "C7" => {
            let hub = net.vpc(hub_account, "bare-hub", true).await;
            let subnet = net.subnet(hub_account, id(&hub), "us-south-1").await;
            net.resolver(hub_account, &subnet).await;
            let spoke = net.vpc(spoke_account, "spoke", false).await;
            net.subnet(spoke_account, id(&spoke), "us-south-1").await;
            net.gateway(spoke_account, &spoke, COS, "per_resource_binding").await;
            net.grant(None, &hub).await;
            net.bind(spoke_account, &spoke, &hub).await
        }
        "C8" => {
            let (hub, spoke) = net.two_accounts().await;
            net.bind(spoke_account, &spoke, &hub).await
        }
        "C13" => {
            let (hub, _, first, _) = net.bound().await;
            let second_spoke = net.vpc(spoke_account, "second-spoke", false).await;
            net.grant(None, &hub).await;
            let (_, second) = net.bind(spoke_account, &second_spoke, &hub).await;
            let hub_list =
                net.ok(hub_account, Method::GET, &format!("/v1/vpcs/{}/dns_resolution_bindings", id(&hub)), None).await;
            let taken = hub_list["dns_resolution_bindings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|b| b["id"] == first["id"])
                .unwrap()["name"]
                .clone();
            net.call(
                hub_account,
                Method::PATCH,
                &format!("/v1/vpcs/{}/dns_resolution_bindings/{}", id(&hub), id(&second)),
                Some(json!({ "name": taken })),
            )
            .await
        }
        "D1" => {
            let (hub, spoke, binding, _) = net.bound().await;
            net.delegate(spoke_account, &spoke, &hub).await;
            net.call(
                spoke_account,
                Method::DELETE,
                &format!("/v1/vpcs/{}/dns_resolution_bindings/{}", id(&spoke), id(&binding)),
                None,
            )
            .await
        }
        "S1" => {
            let (hub, _) = net.two_accounts().await;
            let other_hub = net.vpc(hub_account, "other-hub", true).await;
            net.delegate(hub_account, &other_hub, &hub).await
        }
        "S2" => {
            let (hub, spoke) = net.two_accounts().await;
            net.grant(None, &hub).await;
            net.delegate(spoke_account, &spoke, &hub).await
        }
        "S3" => {
            let (hub, spoke, ..) = net.bound().await;
            let body = json!({ "dns": { "resolver": { "type": "system", "vpc": { "crn": hub["crn"] } } } });
            net.call(spoke_account, Method::PATCH, &format!("/v1/vpcs/{}", id(&spoke)), Some(body)).await
        }
        "S4" => {
            let plain = net.vpc(spoke_account, "plain", false).await;
            net.call(
                spoke_account,
                Method::PATCH,
                &format!("/v1/vpcs/{}", id(&plain)),
                Some(json!({ "dns": { "resolver": { "type": "manual" } } })),
            )
            .await
        }
        "S5" => {
            let (hub, spoke, _, policy) = net.bound().await;
            net.revoke(&policy).await;
            net.delegate(spoke_account, &spoke, &hub).await
        }
        "S6" => {
            net.call(
                spoke_account,
                Method::POST,
                "/v1/vpcs",
                Some(json!({ "name": "born-delegated", "dns": { "resolver": { "type": "delegated" } } })),
            )
            .await
        }
        "S9" => {
            let (hub, spoke, binding, _) = net.bound().await;
            net.delegate(spoke_account, &spoke, &hub).await;
            net.ok(
                hub_account,
                Method::DELETE,
                &format!("/v1/vpcs/{}/dns_resolution_bindings/{}", id(&hub), id(&binding)),
                None,
            )
            .await;
            net.call(hub_account, Method::DELETE, &format!("/v1/vpcs/{}", id(&hub)), None).await
        }
        "M1" => {
            let (hub, _) = net.two_accounts().await;
            net.gateway(hub_account, &hub, COS, "primary").await
        }
        "M2" => {
            let (_, spoke, ..) = net.bound().await;
            net.gateway(spoke_account, &spoke, COS, "primary").await
        }
        "M3" => {
            let plain = net.vpc(spoke_account, "plain", false).await;
            net.gateway(spoke_account, &plain, KMS, "per_resource_binding").await
        }
        other => panic!("no scenario for rule {other}"),
    }
}

/// (rule, status, code).
const RULES: &[(&str, u16, &str)] = &[
    ("H2", 409, "dns_hub_has_bindings"),
    ("H3", 409, "dns_hub_endpoint_gateway_not_primary"),
    ("H4", 400, "endpoint_gateway_mode_invalid_in_hub"),
    ("H5", 409, "dns_hub_resolver_delegated"),
    ("H7", 409, "vpc_has_dns_resolution_bindings"),
    ("H8", 409, "endpoint_gateway_required_by_topology"),
    ("H10", 409, "custom_resolver_in_use"),
    ("H10/bind", 409, "dns_hub_without_custom_resolver"),
    ("C1", 400, "dns_resolution_binding_from_hub"),
    ("C2", 400, "dns_resolution_binding_exists"),
    ("C3", 400, "dns_resolution_binding_target_invalid"),
    ("C4", 400, "dns_resolution_binding_cross_region"),
    ("C5", 404, "not_found"),
    ("C6", 409, "endpoint_gateway_primary_conflict"),
    ("C7", 409, "endpoint_gateway_per_resource_binding_requires_hub_primary"),
    ("C8", 401, "not_authorized"),
    ("C13", 409, "dns_resolution_binding_name_duplicate"),
    ("D1", 409, "dns_resolution_binding_delegated"),
    ("S1", 409, "dns_resolver_delegated_requires_non_hub"),
    ("S2", 409, "dns_resolver_vpc_not_bound"),
    ("S3", 400, "dns_resolver_vpc_not_allowed"),
    ("S4", 400, "dns_resolver_manual_servers_required"),
    ("S5", 401, "not_authorized"),
    ("S6", 400, "dns_resolver_type_not_allowed_at_create"),
    ("S9", 409, "vpc_provides_dns"),
    ("M1", 409, "endpoint_gateway_target_duplicate"),
    ("M2", 409, "endpoint_gateway_primary_conflict"),
    ("M3", 400, "endpoint_gateway_resource_binding_unsupported"),
];

#[tokio::test]
async fn every_rule_is_enforced_over_http() {
    let server = Server::ephemeral().await;
    for (rule, status, code) in RULES {
        let net = Net::new(&server).await;
        let (got, body) = violate(rule, &net).await;
        assert_eq!(got.as_u16(), *status, "rule {rule}: {body}");
        assert_eq!(body["errors"][0]["code"], *code, "rule {rule}: {body}");
        assert_eq!(body["status_code"], *status, "rule {rule}");
        assert!(body["trace"].is_string(), "rule {rule}");
        if *code != "not_found" {
            let message = body["errors"][0]["message"].as_str().unwrap();
            let shown = rule.split('/').next().unwrap();
            assert!(message.contains(&format!("(rule {shown})")), "rule {rule}: {message}");
        }
    }
}

#[tokio::test]
async fn a_refused_binding_says_what_would_grant_it_and_is_recorded() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let (hub, spoke) = net.two_accounts().await;
    let (status, body) = net.bind(&net.spoke, &spoke, &hub).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The message is one sentence naming both VPCs, both accounts and the fix; what a program needs to apply the
    // fix is structured in `details`.
    let message = body["errors"][0]["message"].as_str().unwrap();
    for needle in ["DNSBindingConnector", id(&hub), id(&spoke), &net.hub.id, "must grant it", "(rule C8)"] {
        assert!(message.contains(needle), "`{needle}` in {message}");
    }
    assert!(message.len() < 400 && !message.contains(" | ") && !message.contains('{'), "{message}");
    let grant = &body["errors"][0]["details"]["missing_grant"];
    assert_eq!(grant["policy"]["resources"][0]["attributes"][2]["value"], hub["id"]);
    assert_eq!(grant["granted_by"], net.hub.id.as_str());
    assert!(grant["cli"].as_str().unwrap().starts_with("hubspoke iam authorization-policy-create is is"), "{grant}");
    // The hub's nearest policies are the hub's: the spoke's refusal has no explanation lines.
    assert!(body["errors"][0]["details"].get("explanation").is_none(), "{body}");
    // The suggested policy, created as is, makes the binding succeed.
    let (status, _) =
        server.call(Method::POST, "/v1/policies", Some(&net.hub.token), Some(grant["policy"].clone())).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, binding) = net.bind(&net.spoke, &spoke, &hub).await;
    assert_eq!(status, StatusCode::CREATED, "{binding}");

    // Both accounts see the refusal and the binding in their activity; a third account sees neither.
    for who in [&net.hub, &net.spoke] {
        let (status, events) = server.call(Method::GET, "/_hubspoke/events", Some(&who.token), None).await;
        assert_eq!(status, StatusCode::OK);
        let list = events["events"].as_array().unwrap();
        let refused = list.iter().find(|e| e["outcome"] == "refused").expect("a refused event");
        assert_eq!(refused["action"], "is.vpc.dns-resolution-binding.connect");
        assert!(refused["reason"].as_str().unwrap().contains("DNSBindingConnector"));
        assert_eq!(list[0]["action"], "is.vpc.dns-resolution-binding.create", "newest first");
        assert!(list[0]["reason"].as_str().unwrap().contains("permitted by an authorization policy"));
    }
    let stranger = server.account("stranger").await;
    let (_, events) = server.call(Method::GET, "/_hubspoke/events", Some(&stranger.token), None).await;
    assert_eq!(events["total_count"], 0);
    let operator = server.operator_token().await;
    let (_, all) = server.call(Method::GET, "/_hubspoke/events?limit=2", Some(&operator), None).await;
    assert_eq!(all["events"].as_array().unwrap().len(), 2);
    assert!(all["next"]["href"].is_string());
    assert!(all["total_count"].as_u64().unwrap() > 5);
}

#[tokio::test]
async fn vpcs_have_persistent_dns_endpoints_and_accounts_see_only_their_own() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let (hub, spoke) = net.two_accounts().await;
    let (status, endpoint) = server
        .call(Method::GET, &format!("/_hubspoke/vpcs/{}/dns_endpoint", id(&hub)), Some(&net.hub.token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(endpoint["address"].as_str().unwrap().starts_with("127."));
    assert!(endpoint["port"].as_u64().unwrap() > 0, "the bound DNS port: {endpoint}");
    let (_, other) = server
        .call(Method::GET, &format!("/_hubspoke/vpcs/{}/dns_endpoint", id(&spoke)), Some(&net.spoke.token), None)
        .await;
    assert_ne!(other["address"], endpoint["address"]);
    // Another account's VPC, subnet, gateway and resolver are not found by id, and are absent from its lists.
    let (status, _) = server
        .call(Method::GET, &format!("/_hubspoke/vpcs/{}/dns_endpoint", id(&hub)), Some(&net.spoke.token), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for path in [format!("/v1/vpcs/{}", id(&hub)), format!("/v1/vpcs/{}/dns_resolution_bindings", id(&hub))] {
        let (status, body) = net.call(&net.spoke, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    for (path, key) in
        [("/v1/vpcs", "vpcs"), ("/v1/subnets", "subnets"), ("/v1/endpoint_gateways", "endpoint_gateways")]
    {
        let list = net.ok(&net.spoke, Method::GET, path, None).await;
        assert!(
            list[key].as_array().unwrap().iter().all(|item| item["crn"].as_str().unwrap().contains(&net.spoke.id)),
            "{path}"
        );
    }
    let (status, _) = net.call(&net.spoke, Method::DELETE, &format!("/v1/vpcs/{}", id(&hub)), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The hub's DNS Services instance is another account's: the spoke is told it does not exist.
    let hub_resolvers = net.resolvers_path(&net.hub).await;
    let (status, _) = net.call(&net.spoke, Method::GET, &hub_resolvers, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_version_decides_the_endpoint_gateway_mode_field() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let vpc = net.vpc(&net.spoke, "plain", false).await;
    let legacy = |path: &str| format!("{path}?version=2025-06-01&generation=2");
    let body = json!({ "target": { "crn": COS, "resource_type": "provider_cloud_service" }, "vpc": { "id": vpc["id"] }, "allow_dns_resolution_binding": false });
    let (status, gateway) =
        server.call(Method::POST, &legacy("/v1/endpoint_gateways"), Some(&net.spoke.token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{gateway}");
    assert_eq!(
        (gateway["allow_dns_resolution_binding"].as_bool(), gateway.get("dns_resolution_binding_mode")),
        (Some(false), None)
    );
    let current = net.ok(&net.spoke, Method::GET, &format!("/v1/endpoint_gateways/{}", id(&gateway)), None).await;
    assert_eq!(current["dns_resolution_binding_mode"], "disabled");
    // Each version refuses the other's field.
    let (status, body) = server
        .call(
            Method::PATCH,
            &legacy(&format!("/v1/endpoint_gateways/{}", id(&gateway))),
            Some(&net.spoke.token),
            Some(json!({ "dns_resolution_binding_mode": "primary" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = net
        .call(
            &net.spoke,
            Method::PATCH,
            &format!("/v1/endpoint_gateways/{}", id(&gateway)),
            Some(json!({ "allow_dns_resolution_binding": true })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The default mode is `primary`.
    let kms =
        json!({ "target": { "crn": KMS, "resource_type": "provider_cloud_service" }, "vpc": { "id": vpc["id"] } });
    let created = net.ok(&net.spoke, Method::POST, "/v1/endpoint_gateways", Some(kms)).await;
    assert_eq!(created["dns_resolution_binding_mode"], "primary");
    assert_eq!(created["service_endpoints"], json!(["private.us-south.kms.cloud.ibm.com"]));

    let cases = [
        ("/v1/vpcs", StatusCode::BAD_REQUEST, "missing_version"),
        ("/v1/vpcs?version=yesterday", StatusCode::BAD_REQUEST, "invalid_version"),
        ("/v1/vpcs?version=2020-01-01", StatusCode::BAD_REQUEST, "invalid_version_range"),
        ("/v1/vpcs?version=2026-10-06&generation=1", StatusCode::BAD_REQUEST, "invalid_generation"),
        ("/v1/vpcs?version=2026-10-06&limit=0", StatusCode::BAD_REQUEST, "invalid_limit"),
        ("/v1/vpcs?version=2026-10-06&start=nope", StatusCode::BAD_REQUEST, "invalid_start"),
    ];
    for (path, status, code) in cases {
        let (got, body) = server.call(Method::GET, path, Some(&net.spoke.token), None).await;
        assert_eq!((got, body["errors"][0]["code"].as_str()), (status, Some(code)), "{path}: {body}");
        assert_eq!(body["errors"][0]["target"]["type"], "parameter", "{path}");
    }
}

#[tokio::test]
async fn lists_page_and_patches_need_the_current_etag() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    for n in 0..3 {
        net.vpc(&net.spoke, &format!("vpc-{n}"), false).await;
    }
    let first = net.ok(&net.spoke, Method::GET, "/v1/vpcs?limit=2", None).await;
    assert_eq!((first["vpcs"].as_array().unwrap().len(), first["total_count"].as_u64()), (2, Some(3)));
    let next = first["next"]["href"].as_str().unwrap();
    let path = &next[next.find("/v1/").unwrap()..];
    let (_, second) = server.call(Method::GET, path, Some(&net.spoke.token), None).await;
    assert_eq!(second["vpcs"].as_array().unwrap().len(), 1);
    assert!(second.get("next").is_none());

    let vpc = &first["vpcs"][0];
    let response = server
        .request(Method::GET, &with_version(&format!("/v1/vpcs/{}", id(vpc))), Some(&net.spoke.token), None, &[])
        .await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let manual = json!({ "dns": { "resolver": { "type": "manual", "manual_servers": [{ "address": "10.0.0.53" }] } } });
    let path = with_version(&format!("/v1/vpcs/{}", id(vpc)));
    let response = server.request(Method::PATCH, &path, Some(&net.spoke.token), Some(manual.clone()), &[]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "manual servers need If-Match");
    let response = server
        .request(Method::PATCH, &path, Some(&net.spoke.token), Some(manual.clone()), &[("If-Match", "W/\"9-0000\"")])
        .await;
    assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED);
    let response =
        server.request(Method::PATCH, &path, Some(&net.spoke.token), Some(manual), &[("If-Match", &etag)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let updated = parse_body(response).await;
    assert_eq!(updated["dns"]["resolver"]["servers"][0]["address"], "10.0.0.53");
}

/// A VPC of `who` with `address_prefix_management: manual` (no prefixes).
async fn manual_vpc(net: &Net<'_>, who: &Account, name: &str) -> Value {
    let body = json!({ "name": name, "address_prefix_management": "manual" });
    net.ok(who, Method::POST, "/v1/vpcs", Some(body)).await
}

async fn add_prefix(net: &Net<'_>, vpc: &Value, body: Value) -> (StatusCode, Value) {
    net.call(&net.spoke, Method::POST, &format!("/v1/vpcs/{}/address_prefixes", id(vpc)), Some(body)).await
}

async fn add_subnet(net: &Net<'_>, vpc: &Value, zone: &str, range: Value) -> (StatusCode, Value) {
    let mut body = json!({ "vpc": { "id": id(vpc) }, "zone": { "name": zone } });
    body.as_object_mut().unwrap().extend(range.as_object().unwrap().clone());
    net.call(&net.spoke, Method::POST, "/v1/subnets", Some(body)).await
}

/// Each address prefix rule over HTTP: (rule, status, code, field at fault).
#[tokio::test]
async fn every_address_prefix_rule_is_enforced_over_http() {
    let server = Server::ephemeral().await;
    let rows: &[(&str, u16, &str, Option<&str>)] = &[
        ("P1", 400, "address_prefix_length_invalid", Some("cidr")),
        ("P2", 400, "address_prefix_reserved_range", Some("cidr")),
        ("P3", 400, "address_prefix_overlap", Some("cidr")),
        ("P4", 400, "address_prefix_zone_invalid", Some("zone")),
        ("P5", 400, "address_prefix_default_exists", Some("is_default")),
        ("P6", 409, "address_prefix_name_duplicate", Some("name")),
        ("P8", 409, "address_prefix_in_use", None),
        ("P9", 400, "subnet_outside_address_prefix", Some("ipv4_cidr_block")),
        ("P10", 400, "subnet_zone_mismatch", Some("zone.name")),
        ("P11", 400, "subnet_zone_without_default_prefix", Some("zone.name")),
    ];
    for (rule, status, code, field) in rows {
        let net = Net::new(&server).await;
        let auto = net.vpc(&net.spoke, "auto", false).await;
        let manual = manual_vpc(&net, &net.spoke, "manual").await;
        let prefix = |cidr: &str, zone: &str| json!({ "cidr": cidr, "zone": { "name": zone } });
        let (got, body) = match *rule {
            "P1" => add_prefix(&net, &manual, prefix("10.0.0.0/30", "us-south-1")).await,
            "P2" => add_prefix(&net, &manual, prefix("169.254.0.0/16", "us-south-1")).await,
            "P3" => add_prefix(&net, &auto, prefix("10.240.8.0/24", "us-south-2")).await,
            "P4" => add_prefix(&net, &manual, prefix("10.0.0.0/16", "eu-de-1")).await,
            "P5" => {
                let body = json!({ "cidr": "10.0.0.0/16", "zone": { "name": "us-south-1" }, "is_default": true });
                add_prefix(&net, &auto, body).await
            }
            "P6" => {
                let body = json!({ "cidr": "10.0.0.0/16", "zone": { "name": "us-south-1" }, "name": "apps" });
                net.ok(&net.spoke, Method::POST, &format!("/v1/vpcs/{}/address_prefixes", id(&manual)), Some(body))
                    .await;
                let body = json!({ "cidr": "10.1.0.0/16", "zone": { "name": "us-south-1" }, "name": "apps" });
                add_prefix(&net, &manual, body).await
            }
            "P8" => {
                net.subnet(&net.spoke, id(&auto), "us-south-1").await;
                let list =
                    net.ok(&net.spoke, Method::GET, &format!("/v1/vpcs/{}/address_prefixes", id(&auto)), None).await;
                let used = list["address_prefixes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| p["zone"]["name"] == "us-south-1")
                    .unwrap()
                    .clone();
                let path = format!("/v1/vpcs/{}/address_prefixes/{}", id(&auto), id(&used));
                net.call(&net.spoke, Method::DELETE, &path, None).await
            }
            "P9" => {
                add_prefix(&net, &manual, prefix("10.0.0.0/16", "us-south-1")).await;
                add_subnet(&net, &manual, "us-south-1", json!({ "ipv4_cidr_block": "10.1.0.0/24" })).await
            }
            "P10" => add_subnet(&net, &auto, "us-south-3", json!({ "ipv4_cidr_block": "10.240.0.0/24" })).await,
            "P11" => add_subnet(&net, &manual, "us-south-1", json!({ "total_ipv4_address_count": 256 })).await,
            other => panic!("no scenario for rule {other}"),
        };
        assert_eq!((got.as_u16(), &body["errors"][0]["code"]), (*status, &json!(code)), "rule {rule}: {body}");
        assert_eq!(body["status_code"], *status, "rule {rule}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(&format!("(rule {rule})")), "rule {rule}: {message}");
        match field {
            Some(field) => assert_eq!(body["errors"][0]["target"]["name"], *field, "rule {rule}: {body}"),
            None => assert!(body["errors"][0].get("target").is_none(), "rule {rule}: {body}"),
        }
    }
}

#[tokio::test]
async fn address_prefixes_have_the_region_defaults_page_and_guard_subnets() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    // Auto mode: the three defaults of us-south, exactly.
    let auto = net.vpc(&net.spoke, "auto", false).await;
    let list = net.ok(&net.spoke, Method::GET, &format!("/v1/vpcs/{}/address_prefixes", id(&auto)), None).await;
    let mut defaults: Vec<(String, String, bool, bool)> = list["address_prefixes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let text = |v: &Value| v.as_str().unwrap().to_owned();
            (text(&p["zone"]["name"]), text(&p["cidr"]), p["is_default"] == true, p["has_subnets"] == true)
        })
        .collect();
    defaults.sort();
    assert_eq!(
        defaults,
        [
            ("us-south-1".into(), "10.240.0.0/18".into(), true, false),
            ("us-south-2".into(), "10.240.64.0/18".into(), true, false),
            ("us-south-3".into(), "10.240.128.0/18".into(), true, false),
        ]
    );
    assert_eq!(list["total_count"], 3);

    // Manual mode: none, and a subnet outside the prefixes is refused; inside one it is created.
    let manual = manual_vpc(&net, &net.spoke, "manual").await;
    let path = format!("/v1/vpcs/{}/address_prefixes", id(&manual));
    assert_eq!(net.ok(&net.spoke, Method::GET, &path, None).await["total_count"], 0);
    let (status, _) = add_subnet(&net, &manual, "us-south-1", json!({ "ipv4_cidr_block": "172.16.0.0/24" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let body = json!({ "cidr": "172.16.0.0/16", "zone": { "name": "us-south-1" }, "name": "apps", "is_default": true });
    let prefix = net.ok(&net.spoke, Method::POST, &path, Some(body)).await;
    assert_eq!((prefix["name"].as_str(), prefix["is_default"].as_bool()), (Some("apps"), Some(true)));
    assert!(prefix["href"].as_str().unwrap().ends_with(&format!(
        "/v1/vpcs/{}/address_prefixes/{}",
        id(&manual),
        id(&prefix)
    )));
    let (status, subnet) = add_subnet(&net, &manual, "us-south-1", json!({ "total_ipv4_address_count": 256 })).await;
    assert_eq!((status, subnet["ipv4_cidr_block"].as_str()), (StatusCode::CREATED, Some("172.16.0.0/24")));
    // Without a zone, a subnet by CIDR is in the zone of the prefix holding its range.
    let body = json!({ "vpc": { "id": id(&manual) }, "ipv4_cidr_block": "172.16.200.0/24" });
    let zoneless = net.ok(&net.spoke, Method::POST, "/v1/subnets", Some(body)).await;
    assert_eq!(zoneless["zone"]["name"], "us-south-1");
    net.ok(&net.spoke, Method::DELETE, &format!("/v1/subnets/{}", id(&zoneless)), None).await;
    let one = format!("{path}/{}", id(&prefix));
    assert_eq!(net.ok(&net.spoke, Method::GET, &one, None).await["has_subnets"], true);

    // Delete with subnets: 409, and the prefix stays.
    let (status, body) = net.call(&net.spoke, Method::DELETE, &one, None).await;
    assert_eq!((status, body["errors"][0]["code"].as_str()), (StatusCode::CONFLICT, Some("address_prefix_in_use")));

    // Update with If-Match: a stale tag is 412, the current one renames; `is_default: false` removes the default.
    let response = server.request(Method::GET, &with_version(&one), Some(&net.spoke.token), None, &[]).await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let rename = json!({ "name": "renamed", "is_default": false });
    let response = server
        .request(
            Method::PATCH,
            &with_version(&one),
            Some(&net.spoke.token),
            Some(rename.clone()),
            &[("If-Match", "W/\"stale\"")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED);
    let response = server
        .request(Method::PATCH, &with_version(&one), Some(&net.spoke.token), Some(rename), &[("If-Match", &etag)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let renamed = parse_body(response).await;
    assert_eq!((renamed["name"].as_str(), renamed["is_default"].as_bool()), (Some("renamed"), Some(false)));
    let (status, _) = add_subnet(&net, &manual, "us-south-1", json!({ "total_ipv4_address_count": 256 })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no default prefix left in the zone");

    // Paging over a VPC's prefixes.
    for n in 0..4 {
        let body = json!({ "cidr": format!("10.{n}.0.0/16"), "zone": { "name": "us-south-2" } });
        net.ok(&net.spoke, Method::POST, &path, Some(body)).await;
    }
    let first = net.ok(&net.spoke, Method::GET, &format!("{path}?limit=2"), None).await;
    assert_eq!((first["address_prefixes"].as_array().unwrap().len(), first["total_count"].as_u64()), (2, Some(5)));
    assert_eq!(first["limit"], 2);
    assert!(first["first"]["href"].is_string());
    let mut seen: Vec<String> =
        first["address_prefixes"].as_array().unwrap().iter().map(|p| id(p).to_owned()).collect();
    let mut next = first["next"]["href"].as_str().map(str::to_owned);
    while let Some(href) = next {
        let (_, page) =
            server.call(Method::GET, &href[href.find("/v1/").unwrap()..], Some(&net.spoke.token), None).await;
        seen.extend(page["address_prefixes"].as_array().unwrap().iter().map(|p| id(p).to_owned()));
        next = page["next"]["href"].as_str().map(str::to_owned);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5);

    // A VPC with subnets cannot be deleted; once they are gone it goes, and its prefixes with it.
    let (status, _) = net.call(&net.spoke, Method::DELETE, &format!("/v1/vpcs/{}", id(&manual)), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    net.ok(&net.spoke, Method::DELETE, &format!("/v1/subnets/{}", id(&subnet)), None).await;
    net.ok(&net.spoke, Method::DELETE, &one, None).await;
    net.ok(&net.spoke, Method::DELETE, &format!("/v1/vpcs/{}", id(&manual)), None).await;
    let (status, body) = net.call(&net.spoke, Method::GET, &path, None).await;
    assert_eq!((status, body["errors"][0]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
}

#[tokio::test]
async fn regions_and_zones_are_listed_and_unknown_ones_are_404() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let regions = net.ok(&net.spoke, Method::GET, "/v1/regions", None).await;
    let names: Vec<&str> = regions["regions"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 13);
    assert!(names.contains(&"us-south") && names.contains(&"in-mum"), "{names:?}");
    let region = net.ok(&net.spoke, Method::GET, "/v1/regions/eu-de", None).await;
    assert_eq!(
        (region["endpoint"].as_str(), region["status"].as_str()),
        (Some(server.url("/eu-de").as_str()), Some("available"))
    );
    let zones = net.ok(&net.spoke, Method::GET, "/v1/regions/eu-de/zones", None).await;
    let zone_names: Vec<&str> =
        zones["zones"].as_array().unwrap().iter().map(|z| z["name"].as_str().unwrap()).collect();
    assert_eq!(zone_names, ["eu-de-1", "eu-de-2", "eu-de-3"]);
    let zone = net.ok(&net.spoke, Method::GET, "/v1/regions/eu-de/zones/eu-de-2", None).await;
    assert_eq!((zone["region"]["name"].as_str(), zone["status"].as_str()), (Some("eu-de"), Some("available")));
    for path in [
        "/v1/regions/mars",
        "/v1/regions/mars/zones",
        "/v1/regions/eu-de/zones/eu-de-4",
        "/v1/regions/eu-de/zones/us-south-1",
    ] {
        let (status, body) = net.call(&net.spoke, Method::GET, path, None).await;
        assert_eq!((status, body["errors"][0]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{path}");
        assert_eq!(body["status_code"], 404, "{path}");
    }
}

#[tokio::test]
async fn a_spoke_without_disconnect_deletes_only_its_side_and_is_told_so() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let (hub, spoke, binding, policy) = net.bound().await;
    net.revoke(&policy).await;
    let path = format!("/v1/vpcs/{}/dns_resolution_bindings/{}", id(&spoke), id(&binding));
    let (status, deleted) = net.call(&net.spoke, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{deleted}");
    assert_eq!(deleted["health_state"], "faulted");
    let reason = &deleted["health_reasons"][0];
    assert_eq!(reason["code"], "dns_resolution_binding_hub_side_kept");
    assert!(reason["message"].as_str().unwrap().contains("(rule D4)"), "{reason}");
    // The hub still lists its side, faulted, until it deletes it.
    let hub_side = net.ok(&net.hub, Method::GET, &format!("/v1/vpcs/{}/dns_resolution_bindings", id(&hub)), None).await;
    assert_eq!(hub_side["dns_resolution_bindings"][0]["health_state"], "faulted", "{hub_side}");
}
