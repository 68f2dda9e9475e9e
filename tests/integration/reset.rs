//! `POST /_hubspoke/reset`: one account's resources, or every account's, gone at once; accounts and tokens stay, other
//! accounts are left consistent, the DNS data plane and other replicas follow.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hubspoke_testdb::Cluster;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Server, migrated_database};
use crate::vpc_rules::{Net, with_version};

const COS_NAME: &str = "s3.direct.us-south.cloud-object-storage.appdomain.cloud";

async fn reset(server: &Server, token: &str, body: Value) -> (StatusCode, Value) {
    server.call(Method::POST, "/_hubspoke/reset", Some(token), Some(body)).await
}

fn id(value: &Value) -> &str {
    value["id"].as_str().unwrap()
}

/// Polls `check` every 50 ms for at most ten seconds.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within ten seconds");
}

#[tokio::test]
async fn a_reset_removes_one_account_or_all_and_keeps_accounts_and_tokens() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let operator = server.operator_token().await;
    let (hub, spoke, _, policy) = net.bound().await;
    let (status, body) = net.delegate(&net.spoke, &spoke, &hub).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let lookup = format!("/_hubspoke/vpcs/{}/dns_lookup?name={COS_NAME}", id(&spoke));
    let answers = async |net: &Net<'_>| net.ok(&net.spoke, Method::GET, &lookup, None).await["answers"].clone();
    eventually("the delegated spoke resolving the hub's gateway", async || answers(&net).await != json!([])).await;
    let third = server.account("third").await;
    let third_vpc = net.vpc(&third, "third-vpc", false).await;

    // Who may, and what is refused.
    let (status, _) = reset(&server, &net.hub.token, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = reset(&server, &operator, json!({ "account_id": "not-an-account" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = reset(&server, &operator, json!({ "account_id": "0123456789abcdef0123456789abcdef" })).await;
    assert_eq!((status, body["errors"][0]["code"].as_str()), (StatusCode::NOT_FOUND, Some("account_not_found")));
    let (status, body) = reset(&server, &operator, json!({ "account": net.hub.id })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a misspelt member is refused, not read as `everything`: {body}");

    // The hub's account: its VPCs, policies and events go; the spoke loses its binding and its delegation, and
    // resolves the hub's gateway no more; the third account is untouched.
    let (status, body) = reset(&server, &operator, json!({ "account_id": net.hub.id })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["revision"].as_u64().unwrap() > 0);
    let (status, _) = net.call(&net.hub, Method::GET, &format!("/v1/vpcs/{}", id(&hub)), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = server.call(Method::GET, &format!("/v1/policies/{policy}"), Some(&net.hub.token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(net.ok(&net.hub, Method::GET, "/_hubspoke/events", None).await["total_count"], 0);
    let spoke_now = net.ok(&net.spoke, Method::GET, &format!("/v1/vpcs/{}", id(&spoke)), None).await;
    assert_eq!(spoke_now["dns"]["resolver"]["type"], "system", "{spoke_now}");
    assert_eq!(spoke_now["dns"]["resolution_binding_count"], 0, "{spoke_now}");
    eventually("the spoke no longer resolving the hub's gateway", async || answers(&net).await == json!([])).await;
    net.ok(&third, Method::GET, &format!("/v1/vpcs/{}", id(&third_vpc)), None).await;

    // Everything: every account's resources go, the accounts and their tokens stay and work at once.
    let (status, _) = reset(&server, &operator, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    for who in [&net.hub, &net.spoke, &third] {
        assert_eq!(net.ok(who, Method::GET, "/v1/vpcs", None).await["vpcs"], json!([]));
    }
    let accounts = server.call(Method::GET, "/_hubspoke/accounts", Some(&operator), None).await.1;
    assert_eq!(accounts["accounts"].as_array().unwrap().len(), 3);
    let again = net.vpc(&net.hub, "hub", true).await;
    assert_eq!(again["name"], "hub", "a name freed by the reset can be used again");
}

/// Another replica follows a reset made through the first: it drops what it held and serves the empty state.
#[tokio::test]
async fn every_replica_follows_a_reset() {
    let cluster = Arc::new(Cluster::start().expect("a throwaway PostgreSQL cluster starts"));
    let url = migrated_database(&cluster).await;
    let first = Server::on_postgres(&cluster, &url, &[]).await;
    let second = Server::on_postgres(&cluster, &url, &[]).await;
    let net = Net::new(&first).await;
    let (hub, _, _, policy) = net.bound().await;
    let read = async |path: &str| second.call(Method::GET, &with_version(path), Some(&net.hub.token), None).await.0;
    eventually("the second replica reading the hub", async || {
        read(&format!("/v1/vpcs/{}", id(&hub))).await == StatusCode::OK
    })
    .await;
    let operator = first.operator_token().await;
    let (status, _) = reset(&first, &operator, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    eventually("the second replica dropping the hub", async || {
        read(&format!("/v1/vpcs/{}", id(&hub))).await == StatusCode::NOT_FOUND
    })
    .await;
    eventually("the second replica dropping the policy", async || {
        read(&format!("/v1/policies/{policy}")).await == StatusCode::NOT_FOUND
    })
    .await;
    let decision = json!({
        "subject": { "type": "vpc", "id": "x", "properties": { "accountId": net.spoke.id, "serviceName": "is" } },
        "action": { "name": "is.vpc.dns-resolution-binding.connect" },
        "resource": { "type": "vpc", "id": id(&hub), "properties": { "accountId": net.hub.id, "serviceName": "is", "vpcId": id(&hub) } },
    });
    let (status, answer) =
        second.call(Method::POST, "/access/v1/evaluation", Some(&net.hub.token), Some(decision)).await;
    assert_eq!((status, answer["decision"].as_bool()), (StatusCode::OK, Some(false)), "{answer}");
}
