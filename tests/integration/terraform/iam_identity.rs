//! The provider's `ibm_iam_service_id`, `ibm_iam_service_api_key` and `ibm_iam_api_key` resources, replayed as the
//! provider sends them: create, read (the entity tag kept as `version`), update, delete, and the read after delete.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::provider_init;
use crate::support::{Server, parse_body};

async fn send(
    server: &Server,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (StatusCode, Value) {
    let response = server.request(method, path, Some(token), body, headers).await;
    let status = response.status();
    (status, parse_body(response).await)
}

#[tokio::test]
async fn ibm_iam_service_id_and_ibm_iam_service_api_key_lifecycle() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let (token, claims) = provider_init(&server, &hub.api_key).await;
    let account = claims["account"]["bss"].as_str().unwrap().to_owned();

    // `ibm_iam_service_id` create: the SDK's path with its trailing slash.
    let body = json!({ "account_id": account, "name": "tf-service", "description": "made by terraform" });
    let (status, created) = send(&server, &token, Method::POST, "/v1/serviceids/", Some(body), &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let service_path = format!("/v1/serviceids/{id}");
    let (status, read) = send(&server, &token, Method::GET, &service_path, None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    for field in ["iam_id", "crn", "entity_tag", "name", "description", "account_id"] {
        assert!(read[field].is_string(), "the provider sets `{field}` from the read: {read}");
    }
    assert_eq!(read["entity_tag"], created["entity_tag"]);

    // `ibm_iam_service_api_key` create: the `iam-ServiceId-…` id, `store_value` always sent, `Entity-Lock`.
    let key_body = json!({ "name": "tf-key", "iam_id": read["iam_id"], "account_id": account,
                           "description": "service key", "store_value": false });
    let (status, key) =
        send(&server, &token, Method::POST, "/v1/apikeys", Some(key_body), &[("Entity-Lock", "false")]).await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    let secret = key["apikey"].as_str().unwrap().to_owned();
    assert!(!secret.is_empty(), "the provider stores the secret from the create response");
    let key_path = format!("/v1/apikeys/{}", key["id"].as_str().unwrap());
    let (status, key_read) = send(&server, &token, Method::GET, &key_path, None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(key_read["apikey"], "", "an empty secret on read leaves the stored one in state");
    assert_eq!((key_read["iam_id"].clone(), key_read["locked"].clone()), (read["iam_id"].clone(), json!(false)));
    // Update: GET, then PUT with the body's entity tag.
    let tag = key_read["entity_tag"].as_str().unwrap().to_owned();
    let (status, updated) = send(
        &server,
        &token,
        Method::PUT,
        &key_path,
        Some(json!({ "name": "tf-key-2", "description": "renamed" })),
        &[("If-Match", &tag)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["name"], "tf-key-2");
    // The secret authenticates as the service ID.
    let (_, service_claims) = provider_init(&server, &secret).await;
    assert_eq!(service_claims["id"], read["iam_id"]);

    // `ibm_iam_service_id` update with `If-Match: *`.
    let (status, renamed) = send(
        &server,
        &token,
        Method::PUT,
        &service_path,
        Some(json!({ "name": "tf-service-2", "description": "renamed" })),
        &[("If-Match", "*")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_ne!(renamed["entity_tag"], created["entity_tag"]);

    // The members resource lists service IDs by account, 100 at a time, following `pagetoken`.
    let (status, listed) =
        send(&server, &token, Method::GET, &format!("/v1/serviceids?account_id={account}&pagesize=100"), None, &[])
            .await;
    assert_eq!(status, StatusCode::OK);
    assert!(listed.get("next").is_none(), "one page: {listed}");
    assert_eq!(listed["serviceids"][0]["iam_id"], read["iam_id"]);

    // Deletes: the key (GET, then DELETE), then the service ID; reads then answer 404, which means gone.
    assert_eq!(send(&server, &token, Method::GET, &key_path, None, &[]).await.0, StatusCode::OK);
    assert_eq!(send(&server, &token, Method::DELETE, &key_path, None, &[]).await.0, StatusCode::NO_CONTENT);
    assert_eq!(send(&server, &token, Method::GET, &key_path, None, &[]).await.0, StatusCode::NOT_FOUND);
    assert_eq!(send(&server, &token, Method::DELETE, &service_path, None, &[]).await.0, StatusCode::NO_CONTENT);
    assert_eq!(send(&server, &token, Method::GET, &service_path, None, &[]).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn ibm_iam_api_key_lifecycle_for_the_caller_from_the_token_id() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let (token, claims) = provider_init(&server, &hub.api_key).await;
    let caller = claims["id"].as_str().unwrap().to_owned();

    let body = json!({ "name": "tf-user-key", "iam_id": caller, "description": "mine" });
    let (status, created) =
        send(&server, &token, Method::POST, "/v1/apikeys", Some(body), &[("Entity-Lock", "false")]).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!((created["iam_id"].as_str(), created["created_by"].as_str()), (Some(&*caller), Some(&*caller)));
    let path = format!("/v1/apikeys/{}", created["id"].as_str().unwrap());
    let (status, read) = send(&server, &token, Method::GET, &path, None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    for field in ["name", "iam_id", "crn", "entity_tag", "created_at", "created_by", "modified_at", "account_id"] {
        assert!(read[field].is_string(), "`{field}`: {read}");
    }
    let (status, updated) = send(
        &server,
        &token,
        Method::PUT,
        &path,
        Some(json!({ "name": "tf-user-key-2", "description": "still mine" })),
        &[("If-Match", "*")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(send(&server, &token, Method::DELETE, &path, None, &[]).await.0, StatusCode::NO_CONTENT);
    assert_eq!(send(&server, &token, Method::GET, &path, None, &[]).await.0, StatusCode::NOT_FOUND);
}
