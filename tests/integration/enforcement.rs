//! Access policies decide what users and service IDs may do: every operation's IAM action on its resource, with
//! resource group scoping, access groups, the hub's side of a binding, policy management, and `--enforcement soft`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Account, Server, assert_envelope};
use crate::vpc_rules::{Net, with_version};

const VIEWER: &str = "crn:v1:bluemix:public:iam::::role:Viewer";
const EDITOR: &str = "crn:v1:bluemix:public:iam::::role:Editor";
const ADMINISTRATOR: &str = "crn:v1:bluemix:public:iam::::role:Administrator";
const READER: &str = "crn:v1:bluemix:public:iam::::serviceRole:Reader";
const CONNECTOR: &str = "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector";

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_else(|| panic!("not a string: {value}")).to_owned()
}

/// A user invited into `admin`'s account with an API key of its own, as an `Account` whose token is the user's.
async fn user(server: &Server, admin: &Account, email: &str) -> (String, Account) {
    let users = format!("/v2/accounts/{}/users", admin.id);
    let body = json!({ "users": [{ "email": email }] });
    let (status, invited) = server.call(Method::POST, &users, Some(&admin.token), Some(body)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{invited}");
    let iam_id = text(&invited["resources"][0]["id"]);
    let body = json!({ "name": email, "iam_id": iam_id });
    let (status, key) = server.call(Method::POST, "/v1/apikeys", Some(&admin.token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    let api_key = text(&key["apikey"]);
    let token = server.token(&api_key).await;
    (iam_id, Account { id: admin.id.clone(), api_key, token })
}

/// A service ID of `admin`'s account with a key, as an `Account` whose token is the service ID's.
async fn service_id(server: &Server, admin: &Account, name: &str) -> (String, Account) {
    let body = json!({ "account_id": admin.id, "name": name, "apikey": { "name": name } });
    let (status, created) = server.call(Method::POST, "/v1/serviceids", Some(&admin.token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let api_key = text(&created["apikey"]["apikey"]);
    let token = server.token(&api_key).await;
    (text(&created["iam_id"]), Account { id: admin.id.clone(), api_key, token })
}

/// An access policy of `admin`'s account granting `roles` to `subject` on the account's resources narrowed by
/// `resource`; its id.
async fn grant(
    server: &Server,
    admin: &Account,
    subject: (&str, &str),
    resource: &[(&str, &str)],
    roles: &[&str],
) -> String {
    let mut attributes = vec![json!({ "name": "accountId", "value": admin.id, "operator": "stringEquals" })];
    attributes.extend(
        resource.iter().map(|(name, value)| json!({ "name": name, "value": value, "operator": "stringEquals" })),
    );
    let body = json!({
        "type": "access",
        "subjects": [{ "attributes": [{ "name": subject.0, "value": subject.1 }] }],
        "roles": roles.iter().map(|role| json!({ "role_id": role })).collect::<Vec<_>>(),
        "resources": [{ "attributes": attributes }],
    });
    let (status, policy) = server.call(Method::POST, "/v1/policies", Some(&admin.token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{policy}");
    text(&policy["id"])
}

/// Asserts a VPC API refusal for lack of access, and that it names the action the caller lacked.
fn assert_not_authorized(status: StatusCode, body: &Value, action: &str) {
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let message = assert_envelope(body, StatusCode::FORBIDDEN, "not_authorized");
    assert_eq!(message, "The request is not authorized.");
    let details = text(&body["errors"][0]["details"]);
    assert!(details.contains(&format!("`{action}`")), "{details}");
}

/// A new resource group of `admin`'s account; its id.
async fn resource_group(server: &Server, admin: &Account, name: &str) -> String {
    let body = json!({ "name": name });
    let (status, group) = server.call(Method::POST, "/v2/resource_groups", Some(&admin.token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    text(&group["id"])
}

/// Asserts that `admin`'s activity log holds an event of `action` by `actor` that ended `outcome`.
async fn assert_event(server: &Server, admin: &Account, action: &str, outcome: &str, actor: &str) {
    let (status, events) = server.call(Method::GET, "/_hubspoke/events", Some(&admin.token), None).await;
    assert_eq!(status, StatusCode::OK, "{events}");
    let found = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|event| event["action"] == action && event["outcome"] == outcome && event["actor"] == json!(actor));
    assert!(found, "no `{outcome}` `{action}` by `{actor}`: {events}");
}

#[tokio::test]
async fn a_viewer_lists_and_reads_vpcs_and_is_refused_creating_one() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let vpc = net.vpc(&net.hub, "existing", false).await;
    let (iam_id, viewer) = user(&server, &net.hub, "viewer@example.com").await;

    // Before any policy, nothing.
    let (status, body) = net.call(&viewer, Method::GET, "/v1/vpcs", None).await;
    assert_not_authorized(status, &body, "is.vpc.vpc.list");

    grant(&server, &net.hub, ("iam_id", &iam_id), &[("serviceName", "is")], &[VIEWER]).await;
    let listed = net.ok(&viewer, Method::GET, "/v1/vpcs", None).await;
    assert_eq!(listed["vpcs"].as_array().unwrap().len(), 1, "{listed}");
    net.ok(&viewer, Method::GET, &format!("/v1/vpcs/{}", text(&vpc["id"])), None).await;
    let (status, body) = net
        .call(&viewer, Method::POST, "/v1/vpcs", Some(json!({ "name": "mine", "dns": { "enable_hub": false } })))
        .await;
    assert_not_authorized(status, &body, "is.vpc.vpc.create");
    let (status, body) = net
        .call(&viewer, Method::PATCH, &format!("/v1/vpcs/{}", text(&vpc["id"])), Some(json!({ "name": "renamed" })))
        .await;
    assert_not_authorized(status, &body, "is.vpc.vpc.update");
    // Viewer on `is` holds nothing of DNS Services.
    let instances = net.ok(&net.hub, Method::GET, "/v2/resource_instances", None).await;
    assert_eq!(instances["resources"].as_array().unwrap().len(), 0);
    let (status, body) = server.call(Method::GET, "/v2/resource_instances", Some(&viewer.token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_envelope(&body, StatusCode::FORBIDDEN, "forbidden");

    // The refusal is in the account's activity log for its administrator.
    assert_event(&server, &net.hub, "is.vpc.vpc.create", "refused", &iam_id).await;
}

#[tokio::test]
async fn the_hubs_side_of_a_binding_needs_delete_and_disconnect() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let (hub, _spoke, binding, _policy) = net.bound().await;
    let (editor_id, editor) = user(&server, &net.hub, "editor@example.com").await;
    let (connector_id, connector) = user(&server, &net.hub, "connector@example.com").await;
    grant(&server, &net.hub, ("iam_id", &editor_id), &[("serviceName", "is")], &[EDITOR]).await;
    grant(&server, &net.hub, ("iam_id", &connector_id), &[("serviceName", "is")], &[EDITOR, CONNECTOR]).await;
    let path = format!("/v1/vpcs/{}/dns_resolution_bindings/{}", text(&hub["id"]), text(&binding["id"]));

    // Editor alone reads the hub's bindings and may `delete`, but not `disconnect`.
    net.ok(&editor, Method::GET, &path, None).await;
    let (status, body) = net.call(&editor, Method::DELETE, &path, None).await;
    assert_not_authorized(status, &body, "is.vpc.dns-resolution-binding.disconnect");
    net.ok(&net.hub, Method::GET, &path, None).await;

    // Editor with DNSBindingConnector deletes the hub's side.
    let (status, body) = net.call(&connector, Method::DELETE, &path, None).await;
    assert!(status.is_success(), "{status} {body}");
    let (status, _) = net.call(&net.hub, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn resource_group_policies_reach_only_their_groups_resources() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let dev_group = resource_group(&server, &net.hub, "dev").await;
    let in_dev = net
        .ok(
            &net.hub,
            Method::POST,
            "/v1/vpcs",
            Some(json!({ "name": "dev-vpc", "resource_group": { "id": dev_group } })),
        )
        .await;
    let in_default = net.vpc(&net.hub, "prod-vpc", false).await;
    let (iam_id, developer) = user(&server, &net.hub, "dev@example.com").await;
    grant(&server, &net.hub, ("iam_id", &iam_id), &[("serviceName", "is"), ("resourceGroupId", &dev_group)], &[EDITOR])
        .await;

    let rename = |vpc: &Value| {
        (format!("/v1/vpcs/{}", text(&vpc["id"])), Some(json!({ "name": format!("{}-x", text(&vpc["name"])) })))
    };
    let (path, body) = rename(&in_dev);
    net.ok(&developer, Method::PATCH, &path, body).await;
    // A policy on one group lets its holder list the service's resources.
    net.ok(&developer, Method::GET, "/v1/vpcs", None).await;
    let (path, body) = rename(&in_default);
    let (status, refusal) = net.call(&developer, Method::PATCH, &path, body).await;
    assert_not_authorized(status, &refusal, "is.vpc.vpc.update");
    // A VPC of another account is refused exactly like a missing one: nothing tells them apart.
    let other = net.vpc(&net.spoke, "theirs", false).await;
    let (other_status, other_body) =
        net.call(&developer, Method::GET, &format!("/v1/vpcs/{}", text(&other["id"])), None).await;
    let (missing_status, missing_body) =
        net.call(&developer, Method::GET, "/v1/vpcs/r006-00000000-0000-0000-0000-000000000000", None).await;
    assert_eq!((other_status, missing_status), (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN));
    let details = |body: &Value| {
        text(&body["errors"][0]["details"])
            .replace(text(&other["id"]).as_str(), "ID")
            .replace("r006-00000000-0000-0000-0000-000000000000", "ID")
    };
    assert_eq!(details(&other_body), details(&missing_body));
}

#[tokio::test]
async fn access_groups_grant_their_members_and_dns_services_roles_are_the_services_own() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let instance = net.dns_instance(&net.hub).await;
    let (service_iam_id, pipeline) = service_id(&server, &net.hub, "pipeline").await;
    let (status, group) = server
        .call(
            Method::POST,
            &format!("/v2/groups?account_id={}", net.hub.id),
            Some(&net.hub.token),
            Some(json!({ "name": "readers" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let group_id = text(&group["id"]);
    grant(&server, &net.hub, ("access_group_id", &group_id), &[("serviceName", "dns-svcs")], &[READER]).await;
    let zones = format!("/v1/instances/{instance}/dnszones");

    let (status, body) = server.call(Method::GET, &zones, Some(&pipeline.token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not yet a member: {body}");
    assert_envelope(&body, StatusCode::FORBIDDEN, "forbidden");
    let members = json!({ "members": [{ "iam_id": service_iam_id, "type": "service" }] });
    let (status, body) =
        server.call(Method::PUT, &format!("/v2/groups/{group_id}/members"), Some(&net.hub.token), Some(members)).await;
    assert!(status.is_success(), "{status} {body}");

    let (status, body) = server.call(Method::GET, &zones, Some(&pipeline.token), None).await;
    assert_eq!(status, StatusCode::OK, "a member reads: {body}");
    let (status, body) =
        server.call(Method::POST, &zones, Some(&pipeline.token), Some(json!({ "name": "example.com" }))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "Reader does not manage zones: {body}");
    let details = text(&body["errors"][0]["details"]);
    assert!(details.contains("`dns-svcs.zones.manage`") && details.contains(&instance), "{details}");
}

#[tokio::test]
async fn policy_management_follows_the_services_a_user_administers() {
    let server = Server::ephemeral().await;
    let admin = server.account("hub").await;
    let (iam_id, delegate) = user(&server, &admin, "delegate@example.com").await;
    let (other_id, _) = user(&server, &admin, "other@example.com").await;
    let own = grant(&server, &admin, ("iam_id", &iam_id), &[("serviceName", "is")], &[ADMINISTRATOR]).await;
    let dns = grant(&server, &admin, ("iam_id", &other_id), &[("serviceName", "dns-svcs")], &[READER]).await;

    let policy = |service: &str| {
        json!({
            "type": "access",
            "subjects": [{ "attributes": [{ "name": "iam_id", "value": other_id }] }],
            "roles": [{ "role_id": VIEWER }],
            "resources": [{ "attributes": [
                { "name": "accountId", "value": admin.id, "operator": "stringEquals" },
                { "name": "serviceName", "value": service, "operator": "stringEquals" },
            ] }],
        })
    };
    let (status, created) = server.call(Method::POST, "/v1/policies", Some(&delegate.token), Some(policy("is"))).await;
    assert_eq!(status, StatusCode::CREATED, "Administrator on `is` grants access to `is`: {created}");
    let (status, refused) =
        server.call(Method::POST, "/v1/policies", Some(&delegate.token), Some(policy("dns-svcs"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let message = assert_envelope(&refused, StatusCode::FORBIDDEN, "insufficent_permissions");
    assert!(message.contains("`iam.policy.create`"), "{message}");

    // The list shows the policies it may read: those on `is`, not the one on DNS Services.
    let (status, listed) = server
        .call(Method::GET, &format!("/v1/policies?account_id={}&type=access", admin.id), Some(&delegate.token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let ids: Vec<String> = listed["policies"].as_array().unwrap().iter().map(|p| text(&p["id"])).collect();
    assert!(ids.contains(&own) && ids.contains(&text(&created["id"])), "{ids:?}");
    assert!(!ids.contains(&dns), "{ids:?}");
    // Paged one at a time, the list still links to the next page: its place comes from the policies read.
    let (status, first) = server
        .call(Method::GET, &format!("/v1/policies?account_id={}&limit=1", admin.id), Some(&delegate.token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert!(first["next"]["start"].is_string(), "a user's page links to the next one: {first}");
    let (status, _) = server.call(Method::GET, &format!("/v1/policies/{dns}"), Some(&delegate.token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = server.call(Method::DELETE, &format!("/v1/policies/{dns}"), Some(&delegate.token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = server
        .call(Method::DELETE, &format!("/v1/policies/{}", text(&created["id"])), Some(&delegate.token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn soft_enforcement_records_what_it_would_refuse_and_lets_it_happen() {
    let server = Server::start(&["--ephemeral", "--enforcement", "soft"], None).await;
    let admin = server.account("hub").await;
    let (iam_id, nobody) = user(&server, &admin, "nobody@example.com").await;
    let body = json!({ "name": "allowed-anyway", "dns": { "enable_hub": false } });
    let (status, created) = server.call(Method::POST, &with_version("/v1/vpcs"), Some(&nobody.token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_event(&server, &admin, "is.vpc.vpc.create", "waived", &iam_id).await;
}

#[tokio::test]
async fn a_resource_group_policy_creates_in_its_group_only() {
    let server = Server::ephemeral().await;
    let net = Net::new(&server).await;
    let dev_group = resource_group(&server, &net.hub, "dev").await;
    let (iam_id, developer) = user(&server, &net.hub, "dev@example.com").await;
    grant(&server, &net.hub, ("iam_id", &iam_id), &[("serviceName", "is"), ("resourceGroupId", &dev_group)], &[EDITOR])
        .await;
    let body = json!({ "name": "in-dev", "resource_group": { "id": dev_group } });
    net.ok(&developer, Method::POST, "/v1/vpcs", Some(body)).await;
    let (status, body) = net.call(&developer, Method::POST, "/v1/vpcs", Some(json!({ "name": "in-default" }))).await;
    assert_not_authorized(status, &body, "is.vpc.vpc.create");
    assert!(text(&body["errors"][0]["details"]).contains("resource group"), "{body}");
}
