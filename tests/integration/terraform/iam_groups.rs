//! The provider's `ibm_iam_access_group` and `ibm_iam_access_group_members` resources, replayed as it sends them.
//!
//! The members resource also looks users up in the account's user list and service IDs in IAM Identity, to turn
//! e-mails and `ServiceId-…` ids into iam ids and back; those lookups belong to the identity operations, so the
//! replay starts from the iam ids they resolve to.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::provider_init;
use crate::support::{Server, parse_body};

/// The provider's read: `GET …?show_crn=true`, keeping the ETag as `version`.
async fn read_group(server: &Server, token: &str, id: &str) -> (StatusCode, Value, Option<String>) {
    let response = server.request(Method::GET, &format!("/v2/groups/{id}?show_crn=true"), Some(token), None, &[]).await;
    let status = response.status();
    let etag = response.headers().get("etag").map(|value| value.to_str().unwrap().to_owned());
    (status, parse_body(response).await, etag)
}

/// The provider's member read: pages of 100 until it holds `total_count` members.
async fn read_members(server: &Server, token: &str, id: &str) -> Vec<String> {
    let (mut offset, limit) = (0, 100);
    let mut members = Vec::new();
    loop {
        let path = format!("/v2/groups/{id}/members?limit={limit}&offset={offset}");
        let (status, page) = server.call(Method::GET, &path, Some(token), None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["members"].as_array().unwrap();
        members.extend(items.iter().map(|m| m["iam_id"].as_str().unwrap().to_owned()));
        if members.len() >= page["total_count"].as_u64().unwrap() as usize || items.is_empty() {
            return members;
        }
        offset += limit;
    }
}

#[tokio::test]
async fn ibm_iam_access_group_create_read_update_delete() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let (token, claims) = provider_init(&server, &hub.api_key).await;
    let account = claims["account"]["bss"].as_str().unwrap().to_owned();

    // Create: POST with the account from the token; the state id is the group id.
    let body = json!({ "name": "tf-network-admins", "description": "managed by terraform" });
    let (status, created) =
        server.call(Method::POST, &format!("/v2/groups?account_id={account}"), Some(&token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();

    // Read: the CRN and the ETag, kept as `version`; a second read (a refresh) gives the same ETag.
    let (status, read, version) = read_group(&server, &token, &id).await;
    assert_eq!(status, StatusCode::OK);
    let version = version.expect("an ETag");
    assert_eq!(read["crn"], json!(format!("crn:v1:bluemix:public:iam-groups::a/{account}::access-group:{id}")));
    assert_eq!((&read["name"], &read["description"]), (&json!("tf-network-admins"), &json!("managed by terraform")));
    for field in ["created_at", "last_modified_at"] {
        assert!(read[field].as_str().unwrap().ends_with('Z'), "the Go SDK parses `{field}` as a date-time: {read}");
    }
    assert_eq!(read_group(&server, &token, &id).await.2.as_deref(), Some(version.as_str()));

    // Update: PATCH with `If-Match: <version>` and only the changed field.
    let path = format!("/v2/groups/{id}");
    let headers = [("if-match", version.as_str())];
    let response =
        server.request(Method::PATCH, &path, Some(&token), Some(json!({ "description": "changed" })), &headers).await;
    assert_eq!(response.status(), StatusCode::OK);
    let (_, read, new_version) = read_group(&server, &token, &id).await;
    assert_eq!((&read["name"], &read["description"]), (&json!("tf-network-admins"), &json!("changed")));
    assert_ne!(new_version.as_deref(), Some(version.as_str()));

    // An apply from a stale state is refused, not applied over the newer group.
    let response = server.request(Method::PATCH, &path, Some(&token), Some(json!({ "name": "stale" })), &headers).await;
    assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED);

    // Delete: `force=true`, even with members; the refresh afterwards is 404, which drops it from state.
    let members = json!({ "members": [{ "iam_id": "IBMid-TF0000001", "type": "user" }] });
    server.call(Method::PUT, &format!("{path}/members"), Some(&token), Some(members)).await;
    let (status, _) = server.call(Method::DELETE, &format!("{path}?force=true"), Some(&token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, gone, _) = read_group(&server, &token, &id).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{gone}");
    // A member list of the deleted group is 404 too.
    let (status, _) = server.call(Method::GET, &format!("{path}/members?limit=100"), Some(&token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn ibm_iam_access_group_members_create_read_update_delete() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let (token, claims) = provider_init(&server, &hub.api_key).await;
    let account = claims["account"]["bss"].as_str().unwrap().to_owned();
    let (_, group) = server
        .call(Method::POST, &format!("/v2/groups?account_id={account}"), Some(&token), Some(json!({ "name": "tf" })))
        .await;
    let id = group["id"].as_str().unwrap().to_owned();
    let members_path = format!("/v2/groups/{id}/members");
    let service = "iam-ServiceId-7c1e0f9a-0000-4000-8000-000000000000";

    // Create: one PUT with every user (type `user`) and service ID (type `service`), then a read.
    let body = json!({ "members": [
        { "iam_id": "IBMid-TF0000001", "type": "user" },
        { "iam_id": "IBMid-TF0000002", "type": "user" },
        { "iam_id": service, "type": "service" },
    ]});
    let (status, added) = server.call(Method::PUT, &members_path, Some(&token), Some(body)).await;
    assert_eq!(status, StatusCode::MULTI_STATUS, "{added}");
    assert!(added["members"].as_array().unwrap().iter().all(|m| m["status_code"] == json!(200)), "{added}");
    let read = read_members(&server, &token, &id).await;
    assert_eq!(read, ["IBMid-TF0000001", "IBMid-TF0000002", service]);

    // Update: additions in PUTs (the provider sends them in one; 50 at most per call), removals one DELETE each.
    for batch in 0..2 {
        let users: Vec<Value> =
            (0..50).map(|n| json!({ "iam_id": format!("IBMid-TF1{batch}{n:04}"), "type": "user" })).collect();
        let (status, _) =
            server.call(Method::PUT, &members_path, Some(&token), Some(json!({ "members": users }))).await;
        assert_eq!(status, StatusCode::MULTI_STATUS);
    }
    let (status, _) = server.call(Method::DELETE, &format!("{members_path}/IBMid-TF0000002"), Some(&token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // The read pages by 100 and gathers all 102 members.
    let read = read_members(&server, &token, &id).await;
    assert_eq!(read.len(), 102);
    assert!(read.contains(&service.to_owned()) && !read.contains(&"IBMid-TF0000002".to_owned()));
    let mut unique = read.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 102, "no member is on two pages");

    // Delete: one DELETE per member the configuration names; the group stays.
    for member in &read {
        let (status, body) = server.call(Method::DELETE, &format!("{members_path}/{member}"), Some(&token), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{member}: {body}");
    }
    assert!(read_members(&server, &token, &id).await.is_empty());
    let (status, _, _) = read_group(&server, &token, &id).await;
    assert_eq!(status, StatusCode::OK);
}
