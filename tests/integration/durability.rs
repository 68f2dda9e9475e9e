//! What is acknowledged survives `kill -9`; the data directory holds the operator key with mode 0600.

use reqwest::{Method, StatusCode};

use crate::support::{Server, seed_policy};

#[tokio::test]
async fn acknowledged_policies_survive_kill_9_and_restart() {
    let directory = tempfile::tempdir().unwrap();
    let server = Server::with_data_dir(directory.path()).await;
    let key_file = directory.path().join("operator-apikey");
    let operator_key = std::fs::read_to_string(&key_file).unwrap().trim().to_owned();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let operator = server.token(&operator_key).await;
    let (_, account) = server
        .call(Method::POST, "/_hubspoke/accounts", Some(&operator), Some(serde_json::json!({ "name": "hub" })))
        .await;
    let hub_id = account["id"].as_str().unwrap().to_owned();
    let hub_key = account["apikey"].as_str().unwrap().to_owned();
    let hub_token = server.token(&hub_key).await;

    let mut acknowledged = Vec::new();
    for n in 0..20 {
        let body = seed_policy("0123456789abcdef0123456789abcdef", &format!("r006-spoke-{n}"), &hub_id, "r006-hub");
        let (status, created) = server.call(Method::POST, "/v1/policies", Some(&hub_token), Some(body)).await;
        assert_eq!(status, StatusCode::CREATED);
        acknowledged.push(created);
    }
    server.kill9();

    let server = Server::with_data_dir(directory.path()).await;
    // The same operator key, the same signing key (an old token still works) and every acknowledged policy.
    let (status, _) =
        server.call(Method::GET, &format!("/v1/policies?account_id={hub_id}"), Some(&hub_token), None).await;
    assert_eq!(status, StatusCode::OK, "tokens signed before the crash remain valid");
    let hub_token = server.token(&hub_key).await;
    for created in &acknowledged {
        let id = created["id"].as_str().unwrap();
        let (status, found) = server.call(Method::GET, &format!("/v1/policies/{id}"), Some(&hub_token), None).await;
        assert_eq!(status, StatusCode::OK);
        // Everything but the href, which names the new server's port.
        let without_href = |policy: &serde_json::Value| {
            let mut policy = policy.clone();
            policy.as_object_mut().unwrap().remove("href");
            policy
        };
        assert_eq!(without_href(&found), without_href(created));
    }
    let operator = server.token(&operator_key).await;
    let (_, health) = server.call(Method::GET, "/_hubspoke/health", Some(&operator), None).await;
    assert_eq!(health["policies_indexed"], 20, "the decision index is rebuilt from the store");
    assert_eq!(health["revision"], 21);

    // Reads by id come from what the restarted server loaded; a replace and a delete made after the start must show,
    // not the loaded copies.
    let (replaced, deleted) = (acknowledged[0]["id"].as_str().unwrap(), acknowledged[1]["id"].as_str().unwrap());
    let path = format!("/v1/policies/{replaced}");
    let etag = server.request(Method::GET, &path, Some(&hub_token), None, &[]).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let mut replacement = seed_policy("0123456789abcdef0123456789abcdef", "r006-spoke-0", &hub_id, "r006-hub");
    replacement["description"] = serde_json::json!("replaced after the restart");
    let response =
        server.request(Method::PUT, &path, Some(&hub_token), Some(replacement), &[("If-Match", &etag)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let (status, found) = server.call(Method::GET, &path, Some(&hub_token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["description"], "replaced after the restart");
    let (status, _) = server.call(Method::DELETE, &format!("/v1/policies/{deleted}"), Some(&hub_token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, found) = server.call(Method::GET, &format!("/v1/policies/{deleted}"), Some(&hub_token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["state"], "deleted");
}
