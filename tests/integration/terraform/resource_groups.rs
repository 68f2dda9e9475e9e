//! The provider's `ibm_resource_group` resource, its data source (by `is_default` and by name) and the
//! `ibm_iam_account_settings` data source, replayed as the provider sends them.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::provider_init;
use crate::support::Server;

#[tokio::test]
async fn ibm_resource_group_create_read_update_delete_and_its_data_sources() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let (token, claims) = provider_init(&server, &hub.api_key).await;
    let account = claims["account"]["bss"].as_str().unwrap().to_owned();

    // `data.ibm_iam_account_settings`: the account id the spoke module is given.
    let (status, settings) = server
        .call(
            Method::GET,
            &format!("/v1/accounts/{account}/settings/identity?include_history=false"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(settings["account_id"], json!(account));

    // `data.ibm_resource_group` with `is_default = true`, as the landing zone looks up an existing default group.
    let path = format!("/v2/resource_groups?account_id={account}&default=true");
    let (status, defaults) = server.call(Method::GET, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{defaults}");
    let default = &defaults["resources"][0];
    assert_eq!((&default["default"], defaults["resources"].as_array().unwrap().len()), (&json!(true), 1));

    // Create: POST with the name and the account from the token, then read until found.
    let body = json!({ "name": "hs-resource-group", "account_id": account });
    let (status, created) = server.call(Method::POST, "/v2/resource_groups", Some(&token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let read_path = format!("/v2/resource_groups/{id}");
    let (status, read) = server.call(Method::GET, &read_path, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&read["name"], &read["state"], &read["default"]),
        (&json!("hs-resource-group"), &json!("ACTIVE"), &json!(false))
    );
    assert_eq!(read["crn"], created["crn"]);
    for field in ["created_at", "updated_at"] {
        assert!(read[field].as_str().unwrap().ends_with('Z'), "the Go SDK parses `{field}` as a date-time: {read}");
    }

    // `data.ibm_resource_group` by name finds it.
    let (status, by_name) = server
        .call(
            Method::GET,
            &format!("/v2/resource_groups?account_id={account}&name=hs-resource-group"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_name["resources"][0]["id"], json!(id));

    // Resources the landing zone creates pass the group; the VPC shows it.
    let (status, vpc) = server
        .call(
            Method::POST,
            "/v1/vpcs?version=2026-10-06&generation=2",
            Some(&token),
            Some(json!({ "name": "hub-vpc", "address_prefix_management": "manual", "resource_group": { "id": id } })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{vpc}");
    assert_eq!(vpc["resource_group"]["id"], json!(id));

    // Update: PATCH the name, then read.
    let (status, _) = server.call(Method::PATCH, &read_path, Some(&token), Some(json!({ "name": "hs-renamed" }))).await;
    assert_eq!(status, StatusCode::OK);
    let (_, read) = server.call(Method::GET, &read_path, Some(&token), None).await;
    assert_eq!(read["name"], json!("hs-renamed"));

    // Destroy runs in reverse: the VPC, then the group; a refresh afterwards finds it gone (404 drops it from state).
    let (status, refused) = server.call(Method::DELETE, &read_path, Some(&token), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "the VPC is still in it: {refused}");
    let vpc_path = format!("/v1/vpcs/{}?version=2026-10-06&generation=2", vpc["id"].as_str().unwrap());
    let (status, _) = server.call(Method::DELETE, &vpc_path, Some(&token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.call(Method::DELETE, &read_path, Some(&token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.call(Method::GET, &read_path, Some(&token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
