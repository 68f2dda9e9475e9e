//! The provider's `ibm_iam_user_policy`, `ibm_iam_service_policy`, `ibm_iam_access_group_policy` and
//! `ibm_iam_custom_role` resources, replayed as the provider sends them: role names resolved through `/v2/roles`,
//! policies created through `/v1/policies`, read through `/v2/policies` (ETag kept as `version`), updated and deleted
//! through the API their `href` names.

use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::provider_init;
use crate::support::{Server, parse_body};

/// `GET /v2/roles` with the provider's query; returns display name → CRN over the three lists.
async fn role_names(server: &Server, token: &str, query: &str) -> HashMap<String, String> {
    let (status, body) = server.call(Method::GET, &format!("/v2/roles?{query}"), Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    ["custom_roles", "service_roles", "system_roles"]
        .iter()
        .flat_map(|kind| body[*kind].as_array().unwrap().clone())
        .map(|role| (role["display_name"].as_str().unwrap().to_owned(), role["crn"].as_str().unwrap().to_owned()))
        .collect()
}

/// The provider's read of a policy: `GET /v2/policies/{id}`, the subject checked, every role CRN resolvable with the
/// read-time lookup; returns the body and the ETag it keeps as `version`.
async fn read(server: &Server, token: &str, id: &str, lookup: &str) -> (Value, String) {
    let response = server.request(Method::GET, &format!("/v2/policies/{id}"), Some(token), None, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let body = parse_body(response).await;
    let by_crn: HashMap<String, String> =
        role_names(server, token, lookup).await.into_iter().map(|(name, crn)| (crn, name)).collect();
    for role in body["control"]["grant"]["roles"].as_array().unwrap() {
        assert!(by_crn.contains_key(role["role_id"].as_str().unwrap()), "RoleDoesnotExist: {role} with {lookup}");
    }
    assert!(body["resource"]["attributes"].as_array().unwrap().iter().all(|a| a["operator"].is_string()));
    (body, etag)
}

/// Update and delete through the API the policy's `href` names, as the provider does; then the refresh sees it gone.
async fn update_and_delete(server: &Server, token: &str, read: &Value, etag: &str, mut replacement: Value) {
    let href = read["href"].as_str().unwrap();
    let id = read["id"].as_str().unwrap();
    let version = if href.contains("/v2/policies") { "v2" } else { "v1" };
    // The provider builds the body of the API it calls: v2 from what it read, v1 from its configuration.
    if version == "v2" {
        let roles: Vec<Value> = read["control"]["grant"]["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|role| json!({ "role_id": role["role_id"] }))
            .collect();
        replacement = json!({
            "type": "access",
            "subject": read["subject"],
            "resource": read["resource"],
            "control": { "grant": { "roles": roles } },
        });
    }
    replacement["description"] = json!("managed by terraform");
    let response = server
        .request(
            Method::PUT,
            &format!("/{version}/policies/{id}"),
            Some(token),
            Some(replacement),
            &[("If-Match", etag)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(parse_body(response).await["description"], "managed by terraform");
    let (status, _) = server.call(Method::DELETE, &format!("/{version}/policies/{id}"), Some(token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // `Exists`: 200 with `state: deleted` means gone.
    let (status, gone) = server.call(Method::GET, &format!("/v2/policies/{id}"), Some(token), None).await;
    assert_eq!((status, gone["state"].as_str()), (StatusCode::OK, Some("deleted")));
}

#[tokio::test]
async fn ibm_iam_user_policy_and_ibm_iam_service_policy() {
    let server = Server::ephemeral().await;
    let account = server.account("people").await;
    let (token, claims) = provider_init(&server, &account.api_key).await;
    let account_id = claims["account"]["bss"].as_str().unwrap().to_owned();

    // `ibm_iam_user_policy { roles = ["Viewer", "DNS Binding Connector"], resources { service = "is", attributes = { vpcId = "*" } } }`:
    // the create-time lookup by account and service, then POST /v1/policies with `accountId` and no operators.
    let names = role_names(&server, &token, &format!("account_id={account_id}&service_name=is")).await;
    let roles: Vec<Value> =
        ["Viewer", "DNS Binding Connector"].iter().map(|name| json!({ "role_id": names[*name] })).collect();
    let user_body = json!({
        "type": "access",
        "subjects": [{ "attributes": [{ "name": "iam_id", "value": "IBMid-550002G2B4" }] }],
        "roles": roles,
        "resources": [{ "attributes": [
            { "name": "serviceName", "value": "is" },
            { "name": "vpcId", "value": "*", "operator": "stringMatch" },
            { "name": "accountId", "value": account_id },
        ] }],
    });
    let (status, created) = server.call(Method::POST, "/v1/policies", Some(&token), Some(user_body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let lookup = format!("account_id={account_id}&service_name=is&policy_type=access");
    let (policy, etag) = read(&server, &token, &id, &lookup).await;
    assert_eq!(policy["subject"]["attributes"][0]["value"], "IBMid-550002G2B4");
    // The provider rebuilds `resources {}` from the attributes: every one is there, with its operator.
    let keys: Vec<&str> =
        policy["resource"]["attributes"].as_array().unwrap().iter().map(|a| a["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["serviceName", "vpcId", "accountId"]);
    assert_eq!(policy["resource"]["attributes"][1]["operator"], "stringMatch");
    update_and_delete(&server, &token, &policy, &etag, user_body).await;

    // `ibm_iam_service_policy { iam_id = "iam-ServiceId-…", roles = ["Reader", "Manager"], resources { service = "dns-svcs", resource_group_id = … } }`:
    // `accountId` is sent with `stringEquals`.
    let service_id = "iam-ServiceId-5d9e0c3a-0ef1-4b1c-9c0f-0123456789ab";
    let names = role_names(&server, &token, &format!("account_id={account_id}&service_name=dns-svcs")).await;
    let service_body = json!({
        "type": "access",
        "subjects": [{ "attributes": [{ "name": "iam_id", "value": service_id }] }],
        "roles": [{ "role_id": names["Reader"] }, { "role_id": names["Manager"] }],
        "resources": [{ "attributes": [
            { "name": "serviceName", "value": "dns-svcs", "operator": "stringEquals" },
            { "name": "resourceGroupId", "value": "rg-1", "operator": "stringEquals" },
            { "name": "accountId", "value": account_id, "operator": "stringEquals" },
        ] }],
    });
    let (status, created) = server.call(Method::POST, "/v1/policies", Some(&token), Some(service_body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let lookup = format!("account_id={account_id}&service_name=dns-svcs&policy_type=access");
    let (policy, etag) = read(&server, &token, &id, &lookup).await;
    // The provider strips `iam-` for `iam_service_id` and keeps the `iam_id` as is.
    assert_eq!(policy["subject"]["attributes"][0]["value"], service_id);
    update_and_delete(&server, &token, &policy, &etag, service_body).await;
}

#[tokio::test]
async fn ibm_iam_access_group_policy_on_account_management_and_resource_groups() {
    let server = Server::ephemeral().await;
    let account = server.account("groups").await;
    let (token, claims) = provider_init(&server, &account.api_key).await;
    let account_id = claims["account"]["bss"].as_str().unwrap().to_owned();
    // The policy's subject is a group of the account, as `ibm_iam_access_group.id` gives it.
    let (status, group) = server
        .call(Method::POST, &format!("/v2/groups?account_id={account_id}"), Some(&token), Some(json!({ "name": "g" })))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let group = group["id"].as_str().unwrap().to_owned();
    let group = group.as_str();

    // `account_management = true`: the platform roles come from a lookup with no service, and the policy scopes
    // `serviceType=platform_service`.
    let names = role_names(&server, &token, &format!("account_id={account_id}")).await;
    let mut platform: Vec<&String> = names.keys().collect();
    platform.sort();
    assert_eq!(platform, ["Administrator", "Editor", "Operator", "Viewer"], "no custom or service roles");
    let body = json!({
        "type": "access",
        "subjects": [{ "attributes": [{ "name": "access_group_id", "value": group }] }],
        "roles": [{ "role_id": names["Administrator"] }],
        "resources": [{ "attributes": [
            { "name": "serviceType", "value": "platform_service", "operator": "stringEquals" },
            { "name": "accountId", "value": account_id },
        ] }],
    });
    let (status, created) = server.call(Method::POST, "/v1/policies", Some(&token), Some(body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let (policy, etag) = read(&server, &token, &id, &format!("account_id={account_id}&policy_type=access")).await;
    assert_eq!(
        policy["subject"]["attributes"][0],
        json!({ "key": "access_group_id", "operator": "stringEquals", "value": group })
    );
    let service_type = policy["resource"]["attributes"].as_array().unwrap().iter().find(|a| a["key"] == "serviceType");
    assert_eq!(service_type.unwrap()["value"], "platform_service", "read back as `account_management = true`");
    update_and_delete(&server, &token, &policy, &etag, body).await;

    // Every service in one resource group: roles from `alliamserviceroles`, created through v2 because of `pattern`-free
    // `resource_attributes` with `stringExists` (the provider's v2 path), read and deleted through v2 by `href`.
    let names = role_names(&server, &token, &format!("account_id={account_id}&service_name=alliamserviceroles")).await;
    let body = json!({
        "type": "access",
        "subject": { "attributes": [{ "key": "access_group_id", "operator": "stringEquals", "value": group }] },
        "control": { "grant": { "roles": [{ "role_id": names["Viewer"] }, { "role_id": names["Reader"] }] } },
        "resource": { "attributes": [
            { "key": "accountId", "operator": "stringEquals", "value": account_id },
            { "key": "resourceGroupId", "operator": "stringExists", "value": true },
        ] },
    });
    let (status, created) = server.call(Method::POST, "/v2/policies", Some(&token), Some(body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let lookup = format!("account_id={account_id}&service_name=alliamserviceroles&policy_type=access");
    let (policy, etag) = read(&server, &token, &id, &lookup).await;
    assert!(policy["href"].as_str().unwrap().contains("/v2/policies/"));
    update_and_delete(&server, &token, &policy, &etag, body).await;
}

#[tokio::test]
async fn ibm_iam_custom_role_create_read_update_delete() {
    let server = Server::ephemeral().await;
    let account = server.account("roles").await;
    let (token, claims) = provider_init(&server, &account.api_key).await;
    let account_id = claims["account"]["bss"].as_str().unwrap().to_owned();

    // Create: POST /v2/roles with the name the provider validates (`^[A-Z][A-Za-z0-9]{0,29}$`).
    let body = json!({
        "name": "TerraformVpcOperator",
        "display_name": "Terraform VPC operator",
        "description": "made by terraform",
        "account_id": account_id,
        "service_name": "is",
        "actions": ["is.vpc.vpc.read", "is.vpc.vpc.operate"],
    });
    let (status, created) = server.call(Method::POST, "/v2/roles", Some(&token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/v2/roles/{id}");

    // Read: every argument comes back as configured, and the CRN resolves in policies' role lookups.
    let (status, read) = server.call(Method::GET, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    for field in ["name", "display_name", "description", "service_name", "actions", "account_id"] {
        assert_eq!(read[field], created[field], "{field}");
    }
    let names = role_names(&server, &token, &format!("account_id={account_id}&service_name=is")).await;
    assert_eq!(names["Terraform VPC operator"], read["crn"].as_str().unwrap());

    // Update: GET for the ETag, then PUT with the changed arguments.
    let etag = server.request(Method::GET, &path, Some(&token), None, &[]).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let replacement = json!({
        "display_name": "Terraform VPC operator",
        "description": "changed by terraform",
        "actions": ["is.vpc.vpc.read"],
    });
    let response = server.request(Method::PUT, &path, Some(&token), Some(replacement), &[("If-Match", &etag)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let updated = parse_body(response).await;
    assert_eq!(
        (updated["description"].as_str(), updated["actions"].clone()),
        (Some("changed by terraform"), json!(["is.vpc.vpc.read"]))
    );

    // Delete; the next refresh's 404 drops it from the state, and a second delete's 404 is ignored.
    let (status, _) = server.call(Method::DELETE, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.call(Method::GET, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, again) = server.call(Method::DELETE, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(again.to_string().contains("404") || again["status_code"] == 404, "{again}");
}
