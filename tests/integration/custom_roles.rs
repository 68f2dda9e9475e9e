//! Custom roles over `/v2/roles`: create, read, replace with `If-Match`, delete (refused while granted), how lists
//! show them beside the catalog's roles, and their use in access policies.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Server, assert_envelope, parse_body};

fn role_body(account: &str, name: &str, service: &str, actions: &[&str]) -> Value {
    json!({
        "name": name,
        "display_name": format!("{name} display"),
        "account_id": account,
        "service_name": service,
        "actions": actions,
        "description": "a custom role",
    })
}

fn names(body: &Value, list: &str) -> Vec<String> {
    body[list].as_array().unwrap().iter().map(|r| r["display_name"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_custom_role_is_created_read_replaced_granted_and_deleted() {
    let server = Server::ephemeral().await;
    let account = server.account("a").await;
    let body = role_body(&account.id, "TestPythonRole1", "iam-groups", &["iam-groups.groups.read"]);
    let response = server.request(Method::POST, "/v2/roles", Some(&account.token), Some(body.clone()), &[]).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let created = parse_body(response).await;
    for field in ["name", "account_id", "service_name", "description", "actions", "display_name"] {
        assert_eq!(created[field], body[field], "{field}");
    }
    let id = created["id"].as_str().unwrap().to_owned();
    let crn = format!("crn:v1:bluemix:public:iam-access-management::a/{}::customRole:TestPythonRole1", account.id);
    assert_eq!(created["crn"], json!(crn));
    assert_eq!(created["href"], json!(server.url(&format!("/v2/roles/{id}"))));
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));

    // The same name again in the account: 409.
    let twin = role_body(&account.id, "TestPythonRole1", "is", &["is.vpc.vpc.read"]);
    let (status, conflict) = server.call(Method::POST, "/v2/roles", Some(&account.token), Some(twin)).await;
    assert_envelope(&conflict, status, "role_conflict_error");
    assert_eq!(status, StatusCode::CONFLICT);

    // Lists show it for its service (and its service group), never without a service or without the account.
    let list = |query: String| {
        let server = &server;
        let token = account.token.clone();
        async move { server.call(Method::GET, &format!("/v2/roles?{query}"), Some(&token), None).await.1 }
    };
    let by_service = list(format!("account_id={}&service_name=iam-groups", account.id)).await;
    assert_eq!(names(&by_service, "custom_roles"), ["TestPythonRole1 display"]);
    assert_eq!(by_service["custom_roles"][0]["crn"], json!(crn));
    let by_group = list(format!("account_id={}&service_group_id=IAM", account.id)).await;
    assert_eq!(names(&by_group, "custom_roles"), ["TestPythonRole1 display"]);
    assert!(names(&by_group, "system_roles").contains(&"Viewer".to_owned()));
    for query in [
        format!("account_id={}", account.id),
        "service_name=iam-groups".to_owned(),
        format!("account_id={}&service_name=is", account.id),
        format!("account_id={}&service_name=iam-groups&policy_type=authorization", account.id),
    ] {
        assert!(list(query.clone()).await["custom_roles"].as_array().unwrap().is_empty(), "{query}");
    }

    // Replace needs the ETag; the name, account and service stay.
    let path = format!("/v2/roles/{id}");
    let replacement =
        json!({ "display_name": "Group reader", "actions": ["iam-groups.groups.read", "iam-groups.members.list"] });
    let (status, _) = server.call(Method::PUT, &path, Some(&account.token), Some(replacement.clone())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "If-Match is required");
    let replaced =
        server.request(Method::PUT, &path, Some(&account.token), Some(replacement), &[("If-Match", &etag)]).await;
    assert_eq!(replaced.status(), StatusCode::OK);
    let replaced = parse_body(replaced).await;
    assert_eq!(replaced["display_name"], "Group reader");
    assert_eq!(replaced["name"], "TestPythonRole1");
    assert_eq!(replaced["actions"].as_array().unwrap().len(), 2);
    let stale = server
        .request(Method::PUT, &path, Some(&account.token), Some(json!({ "display_name": "x" })), &[("If-Match", &etag)])
        .await;
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);

    // Granted by an access policy, it cannot be deleted; once the policy is gone, it can.
    let policy = json!({
        "type": "access",
        "subjects": [{ "attributes": [{ "name": "iam_id", "value": "IBMid-Py1" }] }],
        "roles": [{ "role_id": crn }],
        "resources": [{ "attributes": [
            { "name": "accountId", "value": account.id, "operator": "stringEquals" },
            { "name": "serviceName", "value": "iam-groups", "operator": "stringEquals" },
        ] }],
    });
    let (status, granted) = server.call(Method::POST, "/v1/policies", Some(&account.token), Some(policy)).await;
    assert_eq!(status, StatusCode::CREATED, "{granted}");
    let (status, in_use) = server.call(Method::DELETE, &path, Some(&account.token), None).await;
    let message = assert_envelope(&in_use, status, "role_conflict_error");
    assert!(message.contains(granted["id"].as_str().unwrap()), "{message}");
    let policy_path = format!("/v1/policies/{}", granted["id"].as_str().unwrap());
    server.call(Method::DELETE, &policy_path, Some(&account.token), None).await;
    let (status, _) = server.call(Method::DELETE, &path, Some(&account.token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, missing) = server.call(Method::GET, &path, Some(&account.token), None).await;
    assert_envelope(&missing, status, "role_not_found");
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn custom_roles_are_checked_against_their_service() {
    let server = Server::ephemeral().await;
    let account = server.account("a").await;
    let other = server.account("b").await;
    let cases: Vec<(Value, StatusCode, &str, &str)> = vec![
        (
            role_body(&account.id, "lowercase", "is", &["is.vpc.vpc.read"]),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "starts with a capital letter",
        ),
        (
            role_body(&account.id, "Reader", "is", &["iam-groups.groups.read"]),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "is not an action of the service `is`",
        ),
        (role_body(&account.id, "Reader", "is", &[]), StatusCode::BAD_REQUEST, "invalid_body", "between 1 and"),
        (
            role_body(&account.id, "Reader", "billing", &["billing.account.read"]),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "`billing` is not a service",
        ),
        (
            role_body(&other.id, "Reader", "is", &["is.vpc.vpc.read"]),
            StatusCode::FORBIDDEN,
            "insufficent_permissions",
            "custom roles in account",
        ),
        (
            json!({ "name": "Reader", "account_id": account.id }),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "display_name",
        ),
    ];
    for (body, status, code, fragment) in cases {
        let (got, answer) = server.call(Method::POST, "/v2/roles", Some(&account.token), Some(body)).await;
        assert_eq!(got, status, "{answer}");
        let message = assert_envelope(&answer, status, code);
        assert!(message.contains(fragment), "`{fragment}` in {message}");
    }
    // A display name longer than 50 characters.
    let mut long = role_body(&account.id, "Reader", "is", &["is.vpc.vpc.read"]);
    long["display_name"] = json!("x".repeat(51));
    let (status, _) = server.call(Method::POST, "/v2/roles", Some(&account.token), Some(long)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
