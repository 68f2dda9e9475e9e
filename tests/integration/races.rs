//! Concurrent changes to one resource: `If-Match` on every guarded operation, writes racing each other, and the
//! answers each side gets (never a 5xx, never two winners where one was meant to win).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Server, seed_policy};
use crate::vpc_rules::{Net, with_version};

const SPOKE_ACCOUNT: &str = "0123456789abcdef0123456789abcdef";

async fn create(server: &Server, token: &str, body: &Value) -> (String, String) {
    let response = server.request(Method::POST, "/v1/policies", Some(token), Some(body.clone()), &[]).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    (created["id"].as_str().unwrap().to_owned(), etag)
}

#[tokio::test]
async fn delete_honours_if_match_and_a_put_and_a_delete_with_one_etag_never_both_win() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let body = seed_policy(SPOKE_ACCOUNT, "spoke", &hub.id, "hub");

    // A stale or garbage ETag is refused; the policy stays.
    let (id, etag) = create(&server, &hub.token, &body).await;
    for stale in ["W/\"1-00000000000000000000000000000000\"", "garbage"] {
        let response = server
            .request(Method::DELETE, &format!("/v1/policies/{id}"), Some(&hub.token), None, &[("If-Match", stale)])
            .await;
        assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED, "If-Match `{stale}`");
    }
    let response = server
        .request(Method::DELETE, &format!("/v2/policies/{id}"), Some(&hub.token), None, &[("If-Match", &etag)])
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // A PUT and a DELETE sent at once with the same ETag: exactly one wins, the other is told its ETag is stale.
    for round in 0..20 {
        let body = seed_policy(SPOKE_ACCOUNT, &format!("spoke-{round}"), &hub.id, "hub");
        let (id, etag) = create(&server, &hub.token, &body).await;
        let mut replacement = body.clone();
        replacement["description"] = Value::from("replaced");
        let path = format!("/v1/policies/{id}");
        let headers = [("If-Match", etag.as_str())];
        let (put, delete) = tokio::join!(
            server.request(Method::PUT, &path, Some(&hub.token), Some(replacement), &headers),
            server.request(Method::DELETE, &path, Some(&hub.token), None, &headers),
        );
        let statuses = (put.status(), delete.status());
        let winners = [put.status().is_success(), delete.status().is_success()].iter().filter(|won| **won).count();
        assert_eq!(winners, 1, "round {round}: {statuses:?}");
        assert!(
            [put.status(), delete.status()].contains(&StatusCode::PRECONDITION_FAILED),
            "round {round}: the loser is told its ETag is stale: {statuses:?}"
        );
    }
}

#[tokio::test]
async fn parallel_deletes_without_if_match_get_204_once_and_404_otherwise() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    for round in 0..20 {
        let (id, _) =
            create(&server, &hub.token, &seed_policy(SPOKE_ACCOUNT, &format!("s-{round}"), &hub.id, "hub")).await;
        let path = format!("/v1/policies/{id}");
        let delete = || server.call(Method::DELETE, &path, Some(&hub.token), None);
        let (a, b, c, d) = tokio::join!(delete(), delete(), delete(), delete());
        let answers = [a, b, c, d];
        let statuses: Vec<StatusCode> = answers.iter().map(|(status, _)| *status).collect();
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::NO_CONTENT).count(), 1, "round {round}: {answers:?}");
        assert!(
            statuses.iter().all(|s| matches!(*s, StatusCode::NO_CONTENT | StatusCode::NOT_FOUND)),
            "round {round}: no If-Match was sent, so none may be refused for one: {answers:?}"
        );
    }
}

#[tokio::test]
async fn an_identical_create_racing_a_delete_gets_201_or_409_never_503() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let body = seed_policy(SPOKE_ACCOUNT, "spoke", &hub.id, "hub");
    let (mut current, _) = create(&server, &hub.token, &body).await;
    let mut outcomes = std::collections::BTreeMap::new();
    for round in 0..40 {
        let path = format!("/v1/policies/{current}");
        let ((deleted, _), (created, answer)) = tokio::join!(
            server.call(Method::DELETE, &path, Some(&hub.token), None),
            server.call(Method::POST, "/v1/policies", Some(&hub.token), Some(body.clone())),
        );
        assert_eq!(deleted, StatusCode::NO_CONTENT, "round {round}");
        match created {
            StatusCode::CREATED => current = answer["id"].as_str().unwrap().to_owned(),
            StatusCode::CONFLICT => {
                // The create came first: it names the policy it duplicates, which the delete then removed.
                assert_eq!(
                    answer["errors"][0]["details"]["conflicts_with"]["policy"]["id"],
                    current.as_str(),
                    "round {round}"
                );
                current = create(&server, &hub.token, &body).await.0;
            }
            other => panic!("round {round}: an identical create racing a delete got {other}: {answer}"),
        }
        *outcomes.entry(created.as_u16()).or_insert(0) += 1;
    }
    eprintln!("outcomes of 40 races: {outcomes:?}");
}

/// Rule H10 in both directions under concurrency: a spoke binding while the hub's administrator disables the hub's
/// custom resolver ends with exactly one of them done, and never with a binding to a hub whose resolver is off.
#[tokio::test]
async fn a_binding_racing_the_resolver_being_disabled_never_leaves_a_binding_without_a_resolver() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let (hub, spoke) = net.two_accounts().await;
    net.grant(None, &hub).await;
    let resolvers_path = net.resolvers_path(&net.hub).await;
    let resolvers = net.ok(&net.hub, Method::GET, &resolvers_path, None).await;
    let resolver = format!("{resolvers_path}/{}", resolvers["custom_resolvers"][0]["id"].as_str().unwrap());
    let mut outcomes = std::collections::BTreeMap::new();
    for round in 0..20 {
        // Each side goes first in half of the rounds.
        let bind = net.bind(&net.spoke, &spoke, &hub);
        let disable = net.call(&net.hub, Method::PATCH, &resolver, Some(json!({ "enabled": false })));
        let (bound, disabled) = if round % 2 == 0 {
            tokio::join!(bind, disable)
        } else {
            let (disabled, bound) = tokio::join!(disable, bind);
            (bound, disabled)
        };
        let statuses = (bound.0.as_u16(), disabled.0.as_u16());
        *outcomes.entry(statuses).or_insert(0) += 1;
        match statuses {
            (201, 409) => assert_eq!(disabled.1["errors"][0]["code"], "custom_resolver_in_use", "round {round}"),
            (409, 200) => assert_eq!(bound.1["errors"][0]["code"], "dns_hub_without_custom_resolver", "round {round}"),
            _ => panic!("round {round}: binding {bound:?}, disabling {disabled:?}"),
        }
        let enabled = net.ok(&net.hub, Method::GET, &resolver, None).await["enabled"] == true;
        let bindings = net
            .ok(
                &net.hub,
                Method::GET,
                &format!("/v1/vpcs/{}/dns_resolution_bindings", hub["id"].as_str().unwrap()),
                None,
            )
            .await;
        let count = bindings["dns_resolution_bindings"].as_array().unwrap().len();
        assert!(enabled || count == 0, "round {round}: {count} binding(s) to a hub whose resolver is disabled");
        // Back to the start: no binding, resolver enabled.
        if let (201, _) = statuses {
            let path = format!(
                "/v1/vpcs/{}/dns_resolution_bindings/{}",
                spoke["id"].as_str().unwrap(),
                bound.1["id"].as_str().unwrap()
            );
            net.ok(&net.spoke, Method::DELETE, &path, None).await;
        }
        net.ok(&net.hub, Method::PATCH, &resolver, Some(json!({ "enabled": true }))).await;
    }
    eprintln!("(binding, disabling) outcomes of 20 races: {outcomes:?}");
}

/// Subnets and endpoint gateways carry ETags as VPCs do; a stale `If-Match` is refused on PATCH and DELETE, and a
/// VPC's ETag changes when its binding count does.
#[tokio::test]
async fn subnets_gateways_and_vpcs_honour_if_match_and_their_etags_follow_their_representation() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let (hub, spoke) = net.two_accounts().await;
    let subnets =
        net.ok(&net.hub, Method::GET, &format!("/v1/subnets?vpc.id={}", hub["id"].as_str().unwrap()), None).await;
    let gateways = net
        .ok(&net.hub, Method::GET, &format!("/v1/endpoint_gateways?vpc.id={}", hub["id"].as_str().unwrap()), None)
        .await;
    let stale = [("If-Match", "W/\"0-stale\"")];
    for path in [
        format!("/v1/subnets/{}", subnets["subnets"][0]["id"].as_str().unwrap()),
        format!("/v1/endpoint_gateways/{}", gateways["endpoint_gateways"][0]["id"].as_str().unwrap()),
    ] {
        let versioned = with_version(&path);
        let got = server.request(Method::GET, &versioned, Some(&net.hub.token), None, &[]).await;
        let etag =
            got.headers().get("etag").unwrap_or_else(|| panic!("no ETag on GET {path}")).to_str().unwrap().to_owned();
        let rename = json!({ "name": "renamed" });
        for method in [Method::PATCH, Method::DELETE] {
            let body = (method == Method::PATCH).then(|| rename.clone());
            let refused = server.request(method.clone(), &versioned, Some(&net.hub.token), body, &stale).await;
            assert_eq!(refused.status(), StatusCode::PRECONDITION_FAILED, "{method} {path} with a stale ETag");
        }
        let renamed = server
            .request(Method::PATCH, &versioned, Some(&net.hub.token), Some(rename), &[("If-Match", etag.as_str())])
            .await;
        assert_eq!(renamed.status(), StatusCode::OK, "PATCH {path} with its ETag");
        let new_etag = renamed.headers()["etag"].to_str().unwrap().to_owned();
        assert_ne!(new_etag, etag, "a renamed {path} keeps its ETag");
    }

    let path = with_version(&format!("/v1/vpcs/{}", hub["id"].as_str().unwrap()));
    let before = server.request(Method::GET, &path, Some(&net.hub.token), None, &[]).await.headers()["etag"].clone();
    net.grant(None, &hub).await;
    let (status, binding) = net.bind(&net.spoke, &spoke, &hub).await;
    assert_eq!(status, StatusCode::CREATED, "{binding}");
    let after = server.request(Method::GET, &path, Some(&net.hub.token), None, &[]).await.headers()["etag"].clone();
    assert_ne!(before, after, "the hub's ETag follows its binding count");
}
