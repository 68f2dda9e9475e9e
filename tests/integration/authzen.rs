//! The AuthZEN evaluation endpoints decide with the engine and explain themselves.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Server, assert_envelope, seed_policy};

const SPOKE_VPC: &str = "r006-spoke-1";
const HUB_VPC: &str = "r006-hub-1";

fn evaluation(spoke_account: &str, spoke_vpc: &str, hub_account: &str, hub_vpc: &str) -> Value {
    json!({
        "subject": { "type": "vpc", "id": spoke_vpc, "properties": { "accountId": spoke_account, "serviceName": "is" } },
        "action": { "name": "is.vpc.dns-resolution-binding.connect" },
        "resource": { "type": "vpc", "id": hub_vpc, "properties": { "accountId": hub_account, "serviceName": "is", "vpcId": hub_vpc } }
    })
}

#[tokio::test]
async fn evaluations_permit_deny_and_explain() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let spoke = server.account("spoke").await;
    let stranger = server.account("stranger").await;
    let question = evaluation(&spoke.id, SPOKE_VPC, &hub.id, HUB_VPC);

    let (status, denied) =
        server.call(Method::POST, "/access/v1/evaluation", Some(&hub.token), Some(question.clone())).await;
    assert_eq!(status, StatusCode::OK, "{denied}");
    assert_eq!(denied["decision"], false);
    let reason = denied["context"]["reason_admin"]["en"].as_str().unwrap();
    assert!(reason.contains("has no active authorization policy"), "{reason}");

    let (_, policy) = server
        .call(Method::POST, "/v1/policies", Some(&hub.token), Some(seed_policy(&spoke.id, SPOKE_VPC, &hub.id, HUB_VPC)))
        .await;
    let policy_id = policy["id"].as_str().unwrap();
    let (_, permitted) =
        server.call(Method::POST, "/access/v1/evaluation", Some(&hub.token), Some(question.clone())).await;
    assert_eq!(permitted["decision"], true);
    assert_eq!(permitted["context"]["granted_by"], json!([policy_id]));
    assert!(permitted["context"]["revision"].as_u64().unwrap() >= 1);

    // Another spoke VPC is refused, and the explanation names the attribute that failed.
    let other = evaluation(&spoke.id, "r006-spoke-2", &hub.id, HUB_VPC);
    let (_, refused) = server.call(Method::POST, "/access/v1/evaluation", Some(&hub.token), Some(other.clone())).await;
    assert_eq!(refused["decision"], false);
    let miss = &refused["context"]["near_misses"][0];
    assert_eq!(miss["policy_id"], json!(policy_id));
    assert_eq!(miss["mismatches"][0]["attribute"], "resource");
    assert_eq!(miss["mismatches"][0]["actual"], "r006-spoke-2");

    // The spoke may ask about itself but does not see the hub's policies; a stranger may not ask at all.
    let (status, seen_by_spoke) =
        server.call(Method::POST, "/access/v1/evaluation", Some(&spoke.token), Some(question.clone())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen_by_spoke["decision"], true);
    assert!(seen_by_spoke["context"].get("granted_by").is_none());
    let (status, body) =
        server.call(Method::POST, "/access/v1/evaluation", Some(&stranger.token), Some(question.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_envelope(&body, status, "insufficent_permissions");

    // Deleting the policy turns the permit into a deny at once.
    server.call(Method::DELETE, &format!("/v1/policies/{policy_id}"), Some(&hub.token), None).await;
    let (_, after) = server.call(Method::POST, "/access/v1/evaluation", Some(&hub.token), Some(question.clone())).await;
    assert_eq!(after["decision"], false);
}

#[tokio::test]
async fn batches_inherit_defaults_and_honour_their_semantics() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let spoke = server.account("spoke").await;
    server
        .call(Method::POST, "/v1/policies", Some(&hub.token), Some(seed_policy(&spoke.id, SPOKE_VPC, &hub.id, HUB_VPC)))
        .await;
    let defaults = evaluation(&spoke.id, SPOKE_VPC, &hub.id, HUB_VPC);
    let other_subject =
        json!({ "type": "vpc", "id": "r006-spoke-2", "properties": { "accountId": spoke.id, "serviceName": "is" } });
    let batch = |semantic: &str| {
        let mut body = defaults.clone();
        body["evaluations"] = json!([{}, { "subject": other_subject }, { "action": { "name": "is.vpc.dns-resolution-binding.disconnect" } }]);
        body["options"] = json!({ "evaluations_semantic": semantic });
        body
    };
    let decisions = |body: &Value| {
        body["evaluations"].as_array().unwrap().iter().map(|e| e["decision"].as_bool().unwrap()).collect::<Vec<_>>()
    };
    let cases = [
        ("execute_all", vec![true, false, true]),
        ("deny_on_first_deny", vec![true, false]),
        ("permit_on_first_permit", vec![true]),
    ];
    for (semantic, expected) in cases {
        let (status, body) =
            server.call(Method::POST, "/access/v1/evaluations", Some(&hub.token), Some(batch(semantic))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(decisions(&body), expected, "{semantic}");
    }
    // Without `evaluations`, the batch endpoint answers like the single one.
    let (_, single) =
        server.call(Method::POST, "/access/v1/evaluations", Some(&hub.token), Some(defaults.clone())).await;
    assert_eq!(single["decision"], true);

    let refusals = [
        json!({ "subject": defaults["subject"], "action": defaults["action"] }),
        json!({ "evaluations": [{ "subject": defaults["subject"] }] }),
        {
            let mut b = batch("execute_all");
            b["options"]["evaluations_semantic"] = json!("sometimes");
            b
        },
        {
            let mut b = defaults.clone();
            b["subject"]["properties"]["accountId"] = json!({ "nested": true });
            b
        },
        {
            let mut b = defaults.clone();
            b["evaluations"] = Value::Array(vec![json!({}); 101]);
            b
        },
    ];
    for body in refusals {
        let (status, error) =
            server.call(Method::POST, "/access/v1/evaluations", Some(&hub.token), Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_envelope(&error, status, "invalid_body");
    }
    let (status, configuration) = server.call(Method::GET, "/.well-known/authzen-configuration", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(configuration["access_evaluation_endpoint"], json!(server.url("/access/v1/evaluation")));
}
