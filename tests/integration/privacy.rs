//! Refusals, events, explanations and DNS lookups tell a caller only what its own account may know: a third account
//! that knows the hub's CRN, and a bound spoke, sweep every answer they can provoke for the ids of the hub's policies
//! and of other tenants.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Account, Server};
use crate::vpc_rules::{KMS, Net};

const KMS_NAME: &str = "private.us-south.kms.cloud.ibm.com";
const COS_NAME: &str = "s3.direct.us-south.cloud-object-storage.appdomain.cloud";

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

/// The CRN of a VPC id in an account, as a binding names its target.
fn vpc_crn(account: &str, vpc: &str) -> String {
    format!("crn:v1:bluemix:public:is:us-south:a/{account}::vpc:{vpc}")
}

/// Every answer a caller collected, each with the request that produced it.
#[derive(Default)]
struct Answers(Vec<(String, Value)>);

impl Answers {
    fn keep(&mut self, request: impl Into<String>, body: &Value) {
        self.0.push((request.into(), body.clone()));
    }

    /// Fails naming the first answer that contains any of `secrets` (labelled ids).
    fn assert_free_of(&self, who: &str, secrets: &[(&str, String)]) {
        for (request, body) in &self.0 {
            let text = body.to_string();
            for (label, secret) in secrets {
                assert!(!text.contains(secret.as_str()), "{who}'s `{request}` shows the {label} `{secret}`: {text}");
            }
        }
    }
}

struct Tenant {
    account: Account,
    vpc: Value,
    gateway: String,
    binding: String,
    policy: String,
}

/// A second DNS-shared VPC of the hub, in its own account, with an endpoint gateway the hub shares.
async fn tenant(server: &Server, net: &Net<'_>, hub: &Value) -> Tenant {
    let account = server.account("tenant").await;
    let vpc = net.vpc(&account, "tenant-vpc", false).await;
    net.subnet(&account, &id(&vpc), "us-south-1").await;
    let (status, gateway) = net.gateway(&account, &vpc, KMS, "primary").await;
    assert_eq!(status, StatusCode::CREATED, "{gateway}");
    let policy = net.grant_from(&net.hub, &account, Some(&id(&vpc)), hub).await;
    let (status, binding) = net.bind(&account, &vpc, hub).await;
    assert_eq!(status, StatusCode::CREATED, "{binding}");
    Tenant { account, vpc, gateway: id(&gateway), binding: id(&binding), policy }
}

/// Polls a VPC's DNS lookup until it answers `name` (the data plane follows writes a moment later), bounded.
async fn lookup(net: &Net<'_>, who: &Account, vpc: &Value, name: &str) -> Value {
    let path = format!("/_hubspoke/vpcs/{}/dns_lookup?name={name}", id(vpc));
    for _ in 0..50 {
        let found = net.ok(who, Method::GET, &path, None).await;
        if found["answers"].as_array().is_some_and(|answers| !answers.is_empty()) {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{name} never answered in {}", id(vpc));
}

#[tokio::test]
async fn refusals_events_and_lookups_show_no_other_accounts_ids() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let (hub, spoke, binding, spoke_policy) = net.bound().await;
    let tenant = tenant(&server, &net, &hub).await;
    let hub_gateways = net.ok(&net.hub, Method::GET, &format!("/v1/endpoint_gateways?vpc.id={}", id(&hub)), None).await;
    let hub_gateway = id(&hub_gateways["endpoint_gateways"][0]);
    let hub_plain = net.vpc(&net.hub, "plain", false).await;
    let hub_crn = hub["crn"].as_str().unwrap().to_owned();

    // The third account knows the hub's CRN and nothing else.
    let third = server.account("third").await;
    let third_vpc = net.vpc(&third, "third-vpc", false).await;
    let mut seen = Answers::default();
    let bind_to = |crn: String| {
        let path = format!("/v1/vpcs/{}/dns_resolution_bindings", id(&third_vpc));
        (path, json!({ "vpc": { "crn": crn } }))
    };
    let mut refusals = Vec::new();
    for (what, crn) in [
        ("the hub", hub_crn.clone()),
        ("a VPC of the hub's account that is not a hub", vpc_crn(&net.hub.id, &id(&hub_plain))),
        ("an absent VPC of the hub's account", vpc_crn(&net.hub.id, "r006-00000000-0000-4000-8000-000000000000")),
    ] {
        let (path, body) = bind_to(crn.clone());
        let (status, refusal) = net.call(&third, Method::POST, &path, Some(body)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "binding to {what}: {refusal}");
        seen.keep(format!("bind to {what}"), &refusal);
        // The answers differ only in the id the caller sent.
        let target = crn.rsplit(':').next().unwrap().to_owned();
        refusals.push((what, refusal.to_string().replace(&target, "TARGET"), refusal));
    }
    for (what, normalized, refusal) in &refusals[1..] {
        let strip = |text: &str| {
            let value: Value = serde_json::from_str(text).unwrap();
            json!({ "errors": value["errors"], "status_code": value["status_code"] })
        };
        assert_eq!(strip(normalized), strip(&refusals[0].1), "binding to {what} answers differently: {refusal}");
    }
    let delegate = json!({ "dns": { "resolver": { "type": "delegated", "vpc": { "crn": hub_crn } } } });
    let (status, body) = net.call(&third, Method::PATCH, &format!("/v1/vpcs/{}", id(&third_vpc)), Some(delegate)).await;
    assert!(status.is_client_error(), "{body}");
    seen.keep("delegate to the hub", &body);
    let explain = json!({ "spoke": { "id": id(&third_vpc) }, "hub": { "crn": hub_crn } });
    let (status, body) = net.call(&third, Method::POST, "/_hubspoke/explain/binding", Some(explain)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["allowed"], false);
    assert!(body["decision"].get("explanation").is_none() && body["decision"].get("granted_by").is_none(), "{body}");
    seen.keep("explain binding to the hub", &body);
    for name in [COS_NAME, KMS_NAME] {
        let path = format!("/_hubspoke/vpcs/{}/dns_lookup?name={name}", id(&third_vpc));
        seen.keep(format!("look up {name}"), &net.ok(&third, Method::GET, &path, None).await);
    }
    seen.keep("events", &net.ok(&third, Method::GET, "/_hubspoke/events", None).await);
    let third_secrets = [
        ("hub's policy for the spoke", spoke_policy.clone()),
        ("hub's policy for the tenant", tenant.policy.clone()),
        ("spoke account", net.spoke.id.clone()),
        ("spoke VPC", id(&spoke)),
        ("spoke binding", id(&binding)),
        ("tenant account", tenant.account.id.clone()),
        ("tenant VPC", id(&tenant.vpc)),
        ("tenant gateway", tenant.gateway.clone()),
        ("tenant binding", tenant.binding.clone()),
        ("hub gateway", hub_gateway.clone()),
    ];
    seen.assert_free_of("the third account", &third_secrets);

    // A bound spoke: a second VPC of its account is not authorized, and its delegated VPC resolves the tenant's
    // gateway through the hub, by address only.
    let mut seen = Answers::default();
    let second = net.vpc(&net.spoke, "second-spoke", false).await;
    let (status, body) = net.bind(&net.spoke, &second, &hub).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("DNSBindingConnector"), "{body}");
    seen.keep("bind a second VPC", &body);
    let explain = json!({ "spoke": { "id": id(&second) }, "hub": { "crn": hub_crn } });
    seen.keep("explain", &net.ok(&net.spoke, Method::POST, "/_hubspoke/explain/binding", Some(explain)).await);
    let (status, body) = net.delegate(&net.spoke, &spoke, &hub).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let found = lookup(&net, &net.spoke, &spoke, KMS_NAME).await;
    assert!(found["answers"][0]["address"].is_string(), "{found}");
    seen.keep("look up the tenant's gateway", &found);
    seen.keep("look up the hub's gateway", &lookup(&net, &net.spoke, &spoke, COS_NAME).await);
    seen.keep("events", &net.ok(&net.spoke, Method::GET, "/_hubspoke/events", None).await);
    seen.assert_free_of(
        "the spoke",
        &[
            ("hub's policy for the spoke", spoke_policy.clone()),
            ("hub's policy for the tenant", tenant.policy.clone()),
            ("tenant account", tenant.account.id.clone()),
            ("tenant VPC", id(&tenant.vpc)),
            ("tenant gateway", tenant.gateway.clone()),
            ("tenant binding", tenant.binding.clone()),
            ("hub gateway", hub_gateway.clone()),
            ("hub's other VPC", id(&hub_plain)),
        ],
    );

    // The hub's administrator sees why: its explanation names the policy that decides the spoke's VPC.
    let explain = json!({ "spoke": { "crn": spoke["crn"] }, "hub": { "id": id(&hub) } });
    let hub_view = net.ok(&net.hub, Method::POST, "/_hubspoke/explain/binding", Some(explain)).await;
    assert_eq!(hub_view["perspective"], "hub", "{hub_view}");
    assert!(hub_view.to_string().contains(&spoke_policy), "{hub_view}");
}
