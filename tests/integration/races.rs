//! Concurrent changes to one resource: `If-Match` on every guarded operation, writes racing each other, and the
//! answers each side gets (never a 5xx, never two winners where one was meant to win).

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::{Server, seed_policy};

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
