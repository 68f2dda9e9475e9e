//! Resource groups over HTTP: the Resource Manager operations, each account's default group, the groups VPC
//! resources are created in (echoed, filtered, checked), and IAM account settings.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Account, Server, assert_envelope};
use crate::vpc_rules::{COS, Net};

async fn groups(server: &Server, who: &Account, query: &str) -> Vec<Value> {
    let (status, body) = server.call(Method::GET, &format!("/v2/resource_groups{query}"), Some(&who.token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["resources"].as_array().unwrap().clone()
}

async fn create(server: &Server, who: &Account, name: &str) -> String {
    let (status, body) =
        server.call(Method::POST, "/v2/resource_groups", Some(&who.token), Some(json!({ "name": name }))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body.as_object().unwrap().len(), 2, "IBM answers a create with its id and CRN only: {body}");
    assert!(body["crn"].as_str().unwrap().ends_with(&format!("::resource-group:{}", body["id"].as_str().unwrap())));
    body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn resource_groups_are_created_read_renamed_and_deleted_and_the_default_group_stays() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let hub = &net.hub;

    // Every account has its default group, the one its VPC resources name when they name none.
    let listed = groups(&server, hub, "").await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let default = listed[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (&listed[0]["name"], &listed[0]["default"], &listed[0]["state"]),
        (&json!("Default"), &json!(true), &json!("ACTIVE"))
    );
    assert_eq!(listed[0]["account_id"], json!(hub.id));
    let vpc = net.vpc(hub, "plain", false).await;
    assert_eq!(vpc["resource_group"]["id"], json!(default));
    assert_eq!(vpc["resource_group"]["name"], json!("Default"));
    assert!(vpc["resource_group"]["href"].as_str().unwrap().ends_with(&format!("/v2/resource_groups/{default}")));
    let href = vpc["resource_group"]["href"].as_str().unwrap();
    let path = &href[href.find("/v2/").unwrap()..];
    let (status, read) = server.call(Method::GET, path, Some(&hub.token), None).await;
    assert_eq!((status, &read["id"]), (StatusCode::OK, &json!(default)), "the href reads the group: {read}");

    // Create, read, filter, rename, delete.
    let network = create(&server, hub, "hub-resource-group").await;
    let (status, read) =
        server.call(Method::GET, &format!("/v2/resource_groups/{network}"), Some(&hub.token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&read["name"], &read["default"], &read["account_id"]),
        (&json!("hub-resource-group"), &json!(false), &json!(hub.id))
    );
    assert_eq!(groups(&server, hub, "").await.len(), 2);
    let by_name = groups(&server, hub, &format!("?account_id={}&name=hub-resource-group", hub.id)).await;
    assert_eq!(by_name.len(), 1);
    assert_eq!(by_name[0]["id"], json!(network));
    let defaults = groups(&server, hub, "?default=true&include_deleted=false").await;
    assert_eq!(defaults.iter().map(|g| g["id"].clone()).collect::<Vec<_>>(), [json!(default)]);
    let (status, body) = server.call(Method::GET, "/v2/resource_groups?default=maybe", Some(&hub.token), None).await;
    assert_envelope(&body, status, "invalid_query_parameter");
    let (status, renamed) = server
        .call(
            Method::PATCH,
            &format!("/v2/resource_groups/{network}"),
            Some(&hub.token),
            Some(json!({ "name": "network" })),
        )
        .await;
    assert_eq!((status, &renamed["name"]), (StatusCode::OK, &json!("network")), "{renamed}");
    let (status, body) =
        server.call(Method::POST, "/v2/resource_groups", Some(&hub.token), Some(json!({ "name": "Default" }))).await;
    assert!(assert_envelope(&body, status, "resource_group_name_duplicate").contains("(rule RG3)"));
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) =
        server.call(Method::DELETE, &format!("/v2/resource_groups/{network}"), Some(&hub.token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) =
        server.call(Method::GET, &format!("/v2/resource_groups/{network}"), Some(&hub.token), None).await;
    assert_envelope(&body, status, "not_found");
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The default group can be renamed (it stays the default, with its id) but never deleted.
    let (status, renamed) = server
        .call(
            Method::PATCH,
            &format!("/v2/resource_groups/{default}"),
            Some(&hub.token),
            Some(json!({ "name": "Main", "state": "ACTIVE" })),
        )
        .await;
    assert_eq!((status, &renamed["default"]), (StatusCode::OK, &json!(true)), "{renamed}");
    let vpc = net.ok(hub, Method::GET, &format!("/v1/vpcs/{}", vpc["id"].as_str().unwrap()), None).await;
    assert_eq!(vpc["resource_group"]["name"], json!("Main"), "references show the current name");
    let (status, body) =
        server.call(Method::DELETE, &format!("/v2/resource_groups/{default}"), Some(&hub.token), None).await;
    assert!(assert_envelope(&body, status, "resource_group_default").contains("(rule RG2)"));
    assert_eq!(status, StatusCode::CONFLICT);

    // The account is the caller's own; the operator names one.
    let (status, body) = server
        .call(
            Method::POST,
            "/v2/resource_groups",
            Some(&hub.token),
            Some(json!({ "name": "x", "account_id": net.spoke.id })),
        )
        .await;
    assert!(assert_envelope(&body, status, "forbidden").contains("(rule RG5)"));
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = server
        .call(
            Method::POST,
            "/v2/resource_groups",
            Some(&hub.token),
            Some(json!({ "name": "mine", "account_id": hub.id })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let operator = server.operator_token().await;
    let (status, body) =
        server.call(Method::POST, "/v2/resource_groups", Some(&operator), Some(json!({ "name": "ops" }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = server
        .call(
            Method::POST,
            "/v2/resource_groups",
            Some(&operator),
            Some(json!({ "name": "ops", "account_id": net.spoke.id })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let spoke_groups = groups(&server, &net.spoke, "").await;
    assert_eq!(spoke_groups.iter().map(|g| g["name"].clone()).collect::<Vec<_>>(), [json!("Default"), json!("ops")]);
    let (status, everything) = server.call(Method::GET, "/v2/resource_groups", Some(&operator), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(everything["resources"].as_array().unwrap().len(), 4, "two defaults, `mine` and `ops`: {everything}");
}

#[tokio::test]
async fn vpc_resources_are_created_in_the_group_they_name_which_must_be_the_accounts_own() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let hub = &net.hub;
    let group = create(&server, hub, "network").await;
    let theirs = create(&server, &net.spoke, "theirs").await;
    let named = json!({ "id": group });

    let vpc = net.ok(hub, Method::POST, "/v1/vpcs", Some(json!({ "name": "grouped", "resource_group": named }))).await;
    let vpc_id = vpc["id"].as_str().unwrap().to_owned();
    let subnet = net
        .ok(hub, Method::POST, "/v1/subnets", Some(json!({ "vpc": { "id": vpc_id }, "zone": { "name": "us-south-1" },
                                                            "total_ipv4_address_count": 256, "resource_group": named })))
        .await;
    let gateway = net
        .ok(
            hub,
            Method::POST,
            "/v1/endpoint_gateways",
            Some(json!({ "vpc": { "id": vpc_id }, "resource_group": named,
              "target": { "crn": COS, "resource_type": "provider_cloud_service" } })),
        )
        .await;
    let sg = net
        .ok(hub, Method::POST, "/v1/security_groups", Some(json!({ "vpc": { "id": vpc_id }, "resource_group": named })))
        .await;
    let acl = net
        .ok(hub, Method::POST, "/v1/network_acls", Some(json!({ "vpc": { "id": vpc_id }, "resource_group": named })))
        .await;
    let default_sg = net.ok(hub, Method::GET, &format!("/v1/vpcs/{vpc_id}/default_security_group"), None).await;
    let routing = net.ok(hub, Method::GET, &format!("/v1/vpcs/{vpc_id}/default_routing_table"), None).await;
    for (kind, created) in [
        ("vpc", &vpc),
        ("subnet", &subnet),
        ("endpoint gateway", &gateway),
        ("security group", &sg),
        ("network ACL", &acl),
        ("default security group", &default_sg),
        ("routing table", &routing),
    ] {
        assert_eq!(created["resource_group"]["id"], json!(group), "{kind}: {created}");
        assert_eq!(created["resource_group"]["name"], json!("network"), "{kind}: {created}");
    }
    // A resource that names no group is in the default group, and each list's `resource_group.id` filter tells them
    // apart.
    let other = net.vpc(hub, "ungrouped", false).await;
    let default = other["resource_group"]["id"].as_str().unwrap().to_owned();
    assert_ne!(default, group);
    for (list, member) in [
        ("vpcs", &vpc),
        ("subnets", &subnet),
        ("endpoint_gateways", &gateway),
        ("security_groups", &sg),
        ("network_acls", &acl),
    ] {
        let page = net.ok(hub, Method::GET, &format!("/v1/{list}?resource_group.id={group}"), None).await;
        let ids: Vec<&Value> = page[list].as_array().unwrap().iter().map(|item| &item["id"]).collect();
        assert!(ids.contains(&&member["id"]), "{list} in the group: {page}");
        assert!(
            page[list].as_array().unwrap().iter().all(|item| item["resource_group"]["id"] == json!(group)),
            "{list}: {page}"
        );
        let page = net.ok(hub, Method::GET, &format!("/v1/{list}?resource_group.id={default}"), None).await;
        assert!(
            !page[list].as_array().unwrap().iter().any(|item| item["id"] == member["id"]),
            "{list} outside the default group: {page}"
        );
    }

    // An unknown group and another account's group are refused alike, on every create that takes one.
    for missing in [theirs.as_str(), "0123456789abcdef0123456789abcdef"] {
        let named = json!({ "id": missing });
        for (path, body) in [
            ("/v1/vpcs", json!({ "name": "refused", "resource_group": named })),
            (
                "/v1/subnets",
                json!({ "vpc": { "id": vpc_id }, "zone": { "name": "us-south-2" }, "total_ipv4_address_count": 256, "resource_group": named }),
            ),
            (
                "/v1/endpoint_gateways",
                json!({ "vpc": { "id": other["id"] }, "resource_group": named, "target": { "crn": COS, "resource_type": "provider_cloud_service" } }),
            ),
            ("/v1/security_groups", json!({ "vpc": { "id": vpc_id }, "resource_group": named })),
            ("/v1/network_acls", json!({ "vpc": { "id": vpc_id }, "resource_group": named })),
        ] {
            let (status, response) = net.call(hub, Method::POST, path, Some(body)).await;
            let message = assert_envelope(&response, status, "not_found");
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert!(message.contains("(rule RG4)"), "{path}: {message}");
            assert_eq!(response["errors"][0]["target"]["name"], json!("resource_group"), "{path}: {response}");
        }
    }

    // A group that holds resources cannot be deleted; emptied, it can.
    let (status, body) =
        server.call(Method::DELETE, &format!("/v2/resource_groups/{group}"), Some(&hub.token), None).await;
    assert!(assert_envelope(&body, status, "resource_group_not_empty").contains("(rule RG1)"));
    assert_eq!(status, StatusCode::CONFLICT);
    for path in [
        format!("/v1/endpoint_gateways/{}", gateway["id"].as_str().unwrap()),
        format!("/v1/security_groups/{}", sg["id"].as_str().unwrap()),
        format!("/v1/subnets/{}", subnet["id"].as_str().unwrap()),
        format!("/v1/network_acls/{}", acl["id"].as_str().unwrap()),
        format!("/v1/vpcs/{vpc_id}"),
    ] {
        net.ok(hub, Method::DELETE, &path, None).await;
    }
    let (status, body) =
        server.call(Method::DELETE, &format!("/v2/resource_groups/{group}"), Some(&hub.token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

#[tokio::test]
async fn account_settings_are_the_callers_own() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let spoke = server.account("spoke").await;
    let path = format!("/v1/accounts/{}/settings/identity?include_history=false", hub.id);
    let (status, settings) = server.call(Method::GET, &path, Some(&hub.token), None).await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(settings["account_id"], json!(hub.id));
    assert_eq!((&settings["mfa"], &settings["restrict_create_service_id"]), (&json!("NONE"), &json!("NOT_SET")));
    assert!(settings["entity_tag"].is_string() && settings["user_mfa"] == json!([]), "{settings}");
    let (status, body) = server.call(Method::GET, &path, Some(&spoke.token), None).await;
    assert_envelope(&body, status, "insufficent_permissions");
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.get("account_id").is_none());
    let operator = server.operator_token().await;
    let (status, settings) = server.call(Method::GET, &path, Some(&operator), None).await;
    assert_eq!((status, &settings["account_id"]), (StatusCode::OK, &json!(hub.id)));
    let (status, _) = server
        .call(Method::GET, "/v1/accounts/0123456789abcdef0123456789abcdef/settings/identity", Some(&operator), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
