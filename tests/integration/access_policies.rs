//! Access policies (`type: access`) over `/v1/policies` and `/v2/policies`: subjects, scopes, roles, duplicates, list
//! filters, ETags and state, and the refusals.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Account, Server, assert_envelope, parse_body, seed_policy};

const USER: &str = "IBMid-Py1234567890";
const SERVICE_ID: &str = "iam-ServiceId-5d9e0c3a-0ef1-4b1c-9c0f-0123456789ab";
const VIEWER: &str = "crn:v1:bluemix:public:iam::::role:Viewer";
const EDITOR: &str = "crn:v1:bluemix:public:iam::::role:Editor";
const MANAGER: &str = "crn:v1:bluemix:public:iam::::serviceRole:Manager";
const CONNECTOR: &str = "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector";

/// A v1 access policy for `subject` on `resource` (the account is added first), as the SDK's examples send it.
fn v1_access(subject: (&str, &str), account: &str, resource: &[(&str, &str)], roles: &[&str]) -> Value {
    let mut attributes = vec![json!({ "name": "accountId", "value": account, "operator": "stringEquals" })];
    attributes.extend(
        resource.iter().map(|(name, value)| json!({ "name": name, "value": value, "operator": "stringEquals" })),
    );
    json!({
        "type": "access",
        "description": "access policy",
        "subjects": [{ "attributes": [{ "name": subject.0, "value": subject.1 }] }],
        "roles": roles.iter().map(|role| json!({ "role_id": role })).collect::<Vec<_>>(),
        "resources": [{ "attributes": attributes }],
    })
}

/// A v2 access policy as Terraform sends it for `ibm_iam_service_policy` with a resource group of any id.
fn v2_access(subject: (&str, &str), account: &str, service: &str, roles: &[&str]) -> Value {
    json!({
        "type": "access",
        "subject": { "attributes": [{ "key": subject.0, "operator": "stringEquals", "value": subject.1 }] },
        "resource": { "attributes": [
            { "key": "accountId", "operator": "stringEquals", "value": account },
            { "key": "serviceName", "operator": "stringEquals", "value": service },
            { "key": "resourceGroupId", "operator": "stringExists", "value": true },
        ] },
        "control": { "grant": { "roles": roles.iter().map(|role| json!({ "role_id": role })).collect::<Vec<_>>() } },
    })
}

/// A new access group of `account`'s, by id.
async fn new_group(server: &Server, account: &Account, name: &str) -> String {
    let path = format!("/v2/groups?account_id={}", account.id);
    let (status, group) = server.call(Method::POST, &path, Some(&account.token), Some(json!({ "name": name }))).await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    group["id"].as_str().unwrap().to_owned()
}

fn ids(body: &Value) -> Vec<String> {
    body["policies"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_user_policy_round_trips_and_keeps_its_etag_discipline() {
    let server = Server::ephemeral().await;
    let account = server.account("a").await;
    let body = v1_access(("iam_id", USER), &account.id, &[("serviceName", "is"), ("vpcId", "*")], &[VIEWER, CONNECTOR]);
    let response = server.request(Method::POST, "/v1/policies", Some(&account.token), Some(body.clone()), &[]).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let created = parse_body(response).await;
    assert_eq!(created["type"], "access");
    assert_eq!(created["subjects"], body["subjects"]);
    assert_eq!(created["resources"], body["resources"]);
    assert_eq!(created["roles"][0]["display_name"], "Viewer");
    assert_eq!(created["roles"][1]["display_name"], "DNS Binding Connector");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["href"], json!(server.url(&format!("/v1/policies/{id}"))));

    // The v2 view of the same policy.
    let (status, v2) =
        server.call(Method::GET, &format!("/v2/policies/{id}?format=display"), Some(&account.token), None).await;
    assert_eq!(status, StatusCode::OK, "{v2}");
    assert_eq!(v2["type"], "access");
    assert_eq!(v2["subject"]["attributes"][0], json!({ "key": "iam_id", "operator": "stringEquals", "value": USER }));
    let viewer_actions: Vec<&str> = v2["control"]["grant"]["roles"][0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(
        viewer_actions.contains(&"is.vpc.vpc.list") && !viewer_actions.contains(&"is.vpc.vpc.create"),
        "{viewer_actions:?}"
    );

    // A duplicate: the same subject and resource, whatever the roles, with the existing policy in the details.
    let other_roles = v1_access(("iam_id", USER), &account.id, &[("serviceName", "is"), ("vpcId", "*")], &[EDITOR]);
    let (_, conflict) =
        server.call(Method::POST, "/v1/policies", Some(&account.token), Some(other_roles.clone())).await;
    let message = assert_envelope(&conflict, StatusCode::CONFLICT, "policy_conflict_error");
    assert!(message.contains("Please update the roles in the existing policy") && message.contains(&id), "{message}");
    assert_eq!(conflict["errors"][0]["details"]["conflicts_with"]["policy"]["id"], json!(id));

    // Replace: the current ETag is needed, and the roles change.
    let path = format!("/v1/policies/{id}");
    let stale = server
        .request(
            Method::PUT,
            &path,
            Some(&account.token),
            Some(other_roles.clone()),
            &[("If-Match", "1-00000000000000000000000000000000")],
        )
        .await;
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let replaced =
        server.request(Method::PUT, &path, Some(&account.token), Some(other_roles), &[("If-Match", &etag)]).await;
    assert_eq!(replaced.status(), StatusCode::OK);
    let etag = replaced.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with("2-"));
    assert_eq!(parse_body(replaced).await["roles"][0]["role_id"], EDITOR);

    // The type cannot change.
    let authorization = seed_policy("0123456789abcdef0123456789abcdef", "r006-a", &account.id, "r006-b");
    let (status, refused) = server.call_with(&path, Method::PUT, &account.token, authorization, &etag).await;
    assert!(
        assert_envelope(&refused, status, "invalid_body").contains("the `type` of a policy cannot change"),
        "{refused}"
    );

    // PATCH deletes and restores; DELETE leaves it readable as `deleted`.
    let deleted = server
        .request(
            Method::PATCH,
            &path,
            Some(&account.token),
            Some(json!({ "state": "deleted" })),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    let etag = deleted.headers()["etag"].to_str().unwrap().to_owned();
    let restored = server
        .request(Method::PATCH, &path, Some(&account.token), Some(json!({ "state": "active" })), &[("If-Match", &etag)])
        .await;
    assert_eq!(parse_body(restored).await["state"], "active");
    let (status, _) = server.call(Method::DELETE, &format!("/v2/policies/{id}"), Some(&account.token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, gone) = server.call(Method::GET, &format!("/v2/policies/{id}"), Some(&account.token), None).await;
    assert_eq!(gone["state"], "deleted");
}

#[tokio::test]
async fn lists_filter_access_policies_by_type_subject_and_scope() {
    let server = Server::ephemeral().await;
    let account = server.account("a").await;
    let create = |path: &'static str, body: Value| {
        let server = &server;
        let token = account.token.clone();
        async move {
            let (status, created) = server.call(Method::POST, path, Some(&token), Some(body)).await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            created["id"].as_str().unwrap().to_owned()
        }
    };
    let group_id = new_group(&server, &account, "readers").await;
    let user =
        create("/v1/policies", v1_access(("iam_id", USER), &account.id, &[("serviceName", "is")], &[EDITOR])).await;
    let service =
        create("/v2/policies", v2_access(("iam_id", SERVICE_ID), &account.id, "dns-svcs", &[VIEWER, MANAGER])).await;
    let group = create(
        "/v1/policies",
        v1_access(("access_group_id", &group_id), &account.id, &[("resourceGroupId", "rg-1")], &[VIEWER]),
    )
    .await;
    let platform = create(
        "/v1/policies",
        v1_access(("iam_id", USER), &account.id, &[("serviceType", "platform_service")], &[VIEWER]),
    )
    .await;
    let authorization =
        create("/v1/policies", seed_policy("0123456789abcdef0123456789abcdef", "r006-a", &account.id, "r006-b")).await;

    let list = |query: String| {
        let server = &server;
        let token = account.token.clone();
        let id = account.id.clone();
        async move {
            let (status, body) =
                server.call(Method::GET, &format!("/v2/policies?account_id={id}{query}"), Some(&token), None).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let mut got = ids(&body);
            got.sort();
            got
        }
    };
    let sorted = |mut ids: Vec<&String>| {
        ids.sort();
        ids.into_iter().cloned().collect::<Vec<_>>()
    };
    assert_eq!(list("&type=access".into()).await, sorted(vec![&user, &service, &group, &platform]));
    assert_eq!(list("&type=authorization".into()).await, [authorization.as_str()]);
    assert_eq!(list(format!("&iam_id={USER}")).await, sorted(vec![&user, &platform]));
    assert_eq!(list(format!("&access_group_id={group_id}")).await, [group.as_str()]);
    assert_eq!(list("&service_type=platform_service".into()).await, [platform.as_str()]);
    assert_eq!(list("&service_name=dns-svcs".into()).await, [service.as_str()]);
    assert_eq!(list("&resource_group_id=rg-1".into()).await, [group.as_str()]);
    assert_eq!(list("&tag_name=project".into()).await, Vec::<String>::new());

    // `sort=type` puts access policies before authorizations, and `-type` after.
    let (_, by_type) = server
        .call(Method::GET, &format!("/v1/policies?account_id={}&sort=type", account.id), Some(&account.token), None)
        .await;
    let types: Vec<&str> =
        by_type["policies"].as_array().unwrap().iter().map(|p| p["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["access", "access", "access", "access", "authorization"]);
    let (_, descending) = server
        .call(
            Method::GET,
            &format!("/v1/policies?account_id={}&sort=-type&limit=1", account.id),
            Some(&account.token),
            None,
        )
        .await;
    assert_eq!(ids(&descending), [authorization]);
}

#[tokio::test]
async fn access_policies_are_refused_with_the_field_at_fault() {
    let server = Server::ephemeral().await;
    let account = server.account("a").await;
    let other = server.account("b").await;
    let is = [("serviceName", "is")];
    let mut tagged = v1_access(("iam_id", USER), &account.id, &is, &[VIEWER]);
    tagged["resources"][0]["tags"] = json!([{ "name": "project", "value": "prototype", "operator": "stringEquals" }]);
    let mut conditional = v2_access(("iam_id", USER), &account.id, "is", &[VIEWER]);
    conditional["pattern"] = json!("time-based-conditions:once");
    let cases: Vec<(&str, Value, StatusCode, &str, &str)> = vec![
        (
            "/v1/policies",
            v1_access(("iam_id", "alice@example.com"), &account.id, &is, &[VIEWER]),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "is not an IAM id",
        ),
        (
            "/v1/policies",
            v1_access(("access_group_id", "group-1"), &account.id, &is, &[VIEWER]),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "is not an access group id",
        ),
        (
            "/v1/policies",
            v1_access(("serviceName", "is"), &account.id, &is, &[VIEWER]),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "not a subject attribute of access policies",
        ),
        (
            "/v1/policies",
            v1_access(("iam_id", USER), &account.id, &[("vpcId", "r006-1")], &[VIEWER]),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "must include either the serviceType, serviceName, resourceGroupId or service_group_id",
        ),
        (
            "/v1/policies",
            v1_access(("iam_id", USER), &account.id, &[("serviceType", "all")], &[VIEWER]),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "`serviceType` is `all`",
        ),
        (
            "/v1/policies",
            v1_access(
                ("iam_id", USER),
                &account.id,
                &is,
                &["crn:v1:bluemix:public:iam-identity::::serviceRole:ServiceIdCreator"],
            ),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "is not valid for an access policy on the service `is`",
        ),
        ("/v1/policies", tagged, StatusCode::BAD_REQUEST, "invalid_body", "access management tags"),
        ("/v2/policies", conditional, StatusCode::BAD_REQUEST, "invalid_body", "conditions"),
        (
            "/v1/policies",
            v1_access(("iam_id", USER), &other.id, &is, &[VIEWER]),
            StatusCode::FORBIDDEN,
            "insufficent_permissions",
            "you administer account",
        ),
    ];
    for (path, body, status, code, fragment) in cases {
        let (got, answer) = server.call(Method::POST, path, Some(&account.token), Some(body)).await;
        assert_eq!(got, status, "{answer}");
        let message = assert_envelope(&answer, status, code);
        assert!(message.contains(fragment), "`{fragment}` in {message}");
    }
    // An unknown but well-formed IBMid is accepted, as IBM accepts it.
    let (status, _) = server
        .call(
            Method::POST,
            "/v1/policies",
            Some(&account.token),
            Some(v1_access(("iam_id", "IBMid-Py99"), &account.id, &is, &[VIEWER])),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

/// A service ID of `who`'s account, locked when `locked`; its IAM id.
async fn service_id(server: &Server, who: &Account, name: &str, locked: bool) -> String {
    let body = json!({ "account_id": who.id, "name": name });
    let (status, created) = server.call(Method::POST, "/v1/serviceids", Some(&who.token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    if locked {
        let path = format!("/v1/serviceids/{}/lock", created["id"].as_str().unwrap());
        assert_eq!(server.call(Method::POST, &path, Some(&who.token), None).await.0, StatusCode::NO_CONTENT);
    }
    created["iam_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn subjects_must_be_groups_of_the_account_and_unlocked_service_ids() {
    let server = Server::ephemeral().await;
    let account = server.account("a").await;
    let other = server.account("b").await;
    let is = [("serviceName", "is")];
    let own = new_group(&server, &account, "own").await;
    let foreign = new_group(&server, &other, "foreign").await;
    let missing = "AccessGroupId-0e9c1f3a-7b4d-4c2e-9f10-abcdef012345";
    let locked = service_id(&server, &account, "locked", true).await;
    let unlocked = service_id(&server, &account, "unlocked", false).await;
    let foreign_locked = service_id(&server, &other, "foreign-locked", true).await;
    let unknown = "iam-ServiceId-00000000-0000-0000-0000-000000000000";
    let post = |subject: (&'static str, String)| {
        let server = &server;
        let body = v1_access((subject.0, &subject.1), &account.id, &is, &[VIEWER]);
        let token = account.token.clone();
        async move { server.call(Method::POST, "/v1/policies", Some(&token), Some(body)).await }
    };

    // A group of another account is refused exactly as one that does not exist, so the refusal does not tell
    // whether it exists.
    let (status, refused) = post(("access_group_id", foreign.clone())).await;
    let message = assert_envelope(&refused, StatusCode::BAD_REQUEST, "invalid_body");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        message.starts_with("Access groups can only be assigned against resources in the same account"),
        "{message}"
    );
    let (status, absent) = post(("access_group_id", missing.to_owned())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let absent = assert_envelope(&absent, StatusCode::BAD_REQUEST, "invalid_body");
    assert_eq!(message.replace(&foreign, "<group>"), absent.replace(missing, "<group>"));

    // A locked service ID of the account is refused; another account's locked service ID is accepted like an
    // unknown one (neither can act in this account).
    let (status, body) = post(("iam_id", locked.clone())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let message = assert_envelope(&body, StatusCode::BAD_REQUEST, "invalid_body");
    assert!(message.contains(&locked) && message.contains("locked"), "{message}");
    for subject in [
        ("access_group_id", own.clone()),
        ("access_group_id", "AccessGroupId-PublicAccess".to_owned()),
        ("iam_id", unlocked.clone()),
        ("iam_id", foreign_locked),
        ("iam_id", unknown.to_owned()),
    ] {
        let (status, body) = post(subject.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{subject:?}: {body}");
    }

    // A replace checks the subject the same way.
    let body = v1_access(("iam_id", &unlocked), &account.id, &[("serviceName", "dns-svcs")], &[VIEWER]);
    let response = server.request(Method::POST, "/v1/policies", Some(&account.token), Some(body), &[]).await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let id = parse_body(response).await["id"].as_str().unwrap().to_owned();
    let replaced = v1_access(("access_group_id", &foreign), &account.id, &[("serviceName", "dns-svcs")], &[VIEWER]);
    let (status, body) =
        server.call_with(&format!("/v1/policies/{id}"), Method::PUT, &account.token, replaced, &etag).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_envelope(&body, StatusCode::BAD_REQUEST, "invalid_body");
}

/// Deleting and restoring an access policy hold its subject to the rules a create does: a locked service ID's policy
/// can be neither deleted nor restored until the service ID is unlocked, and a policy whose group is gone stays
/// deleted.
#[tokio::test]
async fn deleting_and_restoring_hold_the_subject_to_the_create_rules() {
    let server = Server::ephemeral().await;
    let account = server.account("a").await;
    let token = account.token.clone();
    let create = |subject: (&'static str, String)| {
        let (server, token) = (&server, token.clone());
        let body = v1_access((subject.0, &subject.1), &account.id, &[("serviceName", "is")], &[VIEWER]);
        async move {
            let (status, created) = server.call(Method::POST, "/v1/policies", Some(&token), Some(body)).await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            format!("/v1/policies/{}", created["id"].as_str().unwrap())
        }
    };
    let set_state = |path: String, state: &'static str| {
        let (server, token) = (&server, token.clone());
        async move {
            let etag = {
                let response = server.request(Method::GET, &path, Some(&token), None, &[]).await;
                response.headers()["etag"].to_str().unwrap().to_owned()
            };
            server.call_with(&path, Method::PATCH, &token, json!({ "state": state }), &etag).await
        }
    };

    // A locked service ID's policy: neither DELETE nor PATCH to `deleted` goes through, and the policy stays.
    let iam_id = service_id(&server, &account, "robot", false).await;
    let policy = create(("iam_id", iam_id.clone())).await;
    let lock = format!("/v1/serviceids/{}/lock", iam_id.strip_prefix("iam-").unwrap());
    assert_eq!(server.call(Method::POST, &lock, Some(&token), None).await.0, StatusCode::NO_CONTENT);
    let (status, body) = server.call(Method::DELETE, &policy, Some(&token), None).await;
    let message = assert_envelope(&body, StatusCode::BAD_REQUEST, "invalid_body");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message.contains(&iam_id) && message.contains("locked"), "{message}");
    let (status, body) = set_state(policy.clone(), "deleted").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = server.call(Method::GET, &policy, Some(&token), None).await;
    assert_eq!((status, body["state"].as_str()), (StatusCode::OK, Some("active")), "{body}");

    // Unlocked, it is deleted; locked again, it cannot be restored; unlocked, it can.
    assert_eq!(server.call(Method::DELETE, &lock, Some(&token), None).await.0, StatusCode::NO_CONTENT);
    let (status, body) = set_state(policy.clone(), "deleted").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(server.call(Method::POST, &lock, Some(&token), None).await.0, StatusCode::NO_CONTENT);
    let (status, body) = set_state(policy.clone(), "active").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(server.call(Method::DELETE, &lock, Some(&token), None).await.0, StatusCode::NO_CONTENT);
    let (status, body) = set_state(policy.clone(), "active").await;
    assert_eq!((status, body["state"].as_str()), (StatusCode::OK, Some("active")), "{body}");

    // A group's policy goes with the group, and cannot be restored without it.
    let group = new_group(&server, &account, "gone").await;
    let policy = create(("access_group_id", group.clone())).await;
    let (status, body) = server.call(Method::DELETE, &format!("/v2/groups/{group}"), Some(&token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = set_state(policy, "active").await;
    let message = assert_envelope(&body, StatusCode::BAD_REQUEST, "invalid_body");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        message.starts_with("Access groups can only be assigned against resources in the same account"),
        "{message}"
    );
}

impl Server {
    /// A PUT with `If-Match`, returning the status and body.
    async fn call_with(&self, path: &str, method: Method, token: &str, body: Value, etag: &str) -> (StatusCode, Value) {
        let response = self.request(method, path, Some(token), Some(body), &[("If-Match", etag)]).await;
        let status = response.status();
        (status, parse_body(response).await)
    }
}
