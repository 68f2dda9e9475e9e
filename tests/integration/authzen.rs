//! The AuthZEN endpoints: evaluations decide with the authorization engine or, for identities, with access
//! policies, and explain themselves; the subject, action and resource searches answer from access policies, page,
//! and tell another account nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Account, Server, assert_envelope, seed_policy};
use crate::vpc_rules::Net;

const SPOKE_VPC: &str = "r006-spoke-1";
const HUB_VPC: &str = "r006-hub-1";

fn evaluation(spoke_account: &str, spoke_vpc: &str, hub_account: &str, hub_vpc: &str) -> Value {
    json!({
        "subject": { "type": "vpc", "id": spoke_vpc, "properties": { "accountId": spoke_account, "serviceName": "is" } },
        "action": { "name": "is.vpc.dns-resolution-binding.connect" },
        "resource": { "type": "vpc", "id": hub_vpc, "properties": { "accountId": hub_account, "serviceName": "is", "vpcId": hub_vpc } }
    })
}

#[tokio::test]
async fn evaluations_permit_deny_and_explain() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let spoke = server.account("spoke").await;
    let stranger = server.account("stranger").await;
    let question = evaluation(&spoke.id, SPOKE_VPC, &hub.id, HUB_VPC);

    let (status, denied) =
        server.call(Method::POST, "/access/v1/evaluation", Some(&hub.token), Some(question.clone())).await;
    assert_eq!(status, StatusCode::OK, "{denied}");
    assert_eq!(denied["decision"], false);
    let reason = denied["context"]["reason_admin"]["en"].as_str().unwrap();
    assert!(reason.contains("has no active authorization policy"), "{reason}");

    let (_, policy) = server
        .call(Method::POST, "/v1/policies", Some(&hub.token), Some(seed_policy(&spoke.id, SPOKE_VPC, &hub.id, HUB_VPC)))
        .await;
    let policy_id = policy["id"].as_str().unwrap();
    let (_, permitted) =
        server.call(Method::POST, "/access/v1/evaluation", Some(&hub.token), Some(question.clone())).await;
    assert_eq!(permitted["decision"], true);
    assert_eq!(permitted["context"]["granted_by"], json!([policy_id]));
    assert!(permitted["context"]["revision"].as_u64().unwrap() >= 1);

    // Another spoke VPC is refused, and the explanation names the attribute that failed.
    let other = evaluation(&spoke.id, "r006-spoke-2", &hub.id, HUB_VPC);
    let (_, refused) = server.call(Method::POST, "/access/v1/evaluation", Some(&hub.token), Some(other.clone())).await;
    assert_eq!(refused["decision"], false);
    let miss = &refused["context"]["near_misses"][0];
    assert_eq!(miss["policy_id"], json!(policy_id));
    assert_eq!(miss["mismatches"][0]["attribute"], "resource");
    assert_eq!(miss["mismatches"][0]["actual"], "r006-spoke-2");

    // The spoke may ask about itself but does not see the hub's policies; a stranger may not ask at all.
    let (status, seen_by_spoke) =
        server.call(Method::POST, "/access/v1/evaluation", Some(&spoke.token), Some(question.clone())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen_by_spoke["decision"], true);
    assert!(seen_by_spoke["context"].get("granted_by").is_none());
    let (status, body) =
        server.call(Method::POST, "/access/v1/evaluation", Some(&stranger.token), Some(question.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_envelope(&body, status, "insufficent_permissions");

    // Deleting the policy turns the permit into a deny at once.
    server.call(Method::DELETE, &format!("/v1/policies/{policy_id}"), Some(&hub.token), None).await;
    let (_, after) = server.call(Method::POST, "/access/v1/evaluation", Some(&hub.token), Some(question.clone())).await;
    assert_eq!(after["decision"], false);
}

#[tokio::test]
async fn batches_inherit_defaults_and_honour_their_semantics() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let spoke = server.account("spoke").await;
    server
        .call(Method::POST, "/v1/policies", Some(&hub.token), Some(seed_policy(&spoke.id, SPOKE_VPC, &hub.id, HUB_VPC)))
        .await;
    let defaults = evaluation(&spoke.id, SPOKE_VPC, &hub.id, HUB_VPC);
    let other_subject =
        json!({ "type": "vpc", "id": "r006-spoke-2", "properties": { "accountId": spoke.id, "serviceName": "is" } });
    let batch = |semantic: &str| {
        let mut body = defaults.clone();
        body["evaluations"] = json!([{}, { "subject": other_subject }, { "action": { "name": "is.vpc.dns-resolution-binding.disconnect" } }]);
        body["options"] = json!({ "evaluations_semantic": semantic });
        body
    };
    let decisions = |body: &Value| {
        body["evaluations"].as_array().unwrap().iter().map(|e| e["decision"].as_bool().unwrap()).collect::<Vec<_>>()
    };
    let cases = [
        ("execute_all", vec![true, false, true]),
        ("deny_on_first_deny", vec![true, false]),
        ("permit_on_first_permit", vec![true]),
    ];
    for (semantic, expected) in cases {
        let (status, body) =
            server.call(Method::POST, "/access/v1/evaluations", Some(&hub.token), Some(batch(semantic))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(decisions(&body), expected, "{semantic}");
    }
    // Without `evaluations`, the batch endpoint answers like the single one.
    let (_, single) =
        server.call(Method::POST, "/access/v1/evaluations", Some(&hub.token), Some(defaults.clone())).await;
    assert_eq!(single["decision"], true);

    let refusals = [
        json!({ "subject": defaults["subject"], "action": defaults["action"] }),
        json!({ "evaluations": [{ "subject": defaults["subject"] }] }),
        {
            let mut b = batch("execute_all");
            b["options"]["evaluations_semantic"] = json!("sometimes");
            b
        },
        {
            let mut b = defaults.clone();
            b["subject"]["properties"]["accountId"] = json!({ "nested": true });
            b
        },
        {
            let mut b = defaults.clone();
            b["evaluations"] = Value::Array(vec![json!({}); 101]);
            b
        },
    ];
    for body in refusals {
        let (status, error) =
            server.call(Method::POST, "/access/v1/evaluations", Some(&hub.token), Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_envelope(&error, status, "invalid_body");
    }
    let (status, configuration) = server.call(Method::GET, "/.well-known/authzen-configuration", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(configuration["access_evaluation_endpoint"], json!(server.url("/access/v1/evaluation")));
}

const USER: &str = "IBMid-Py1234567890";
const VIEWER: &str = "crn:v1:bluemix:public:iam::::role:Viewer";
const EDITOR: &str = "crn:v1:bluemix:public:iam::::role:Editor";

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_else(|| panic!("not a string: {value}")).to_owned()
}

/// Creates a v1 access policy of `owner` for `subject` on `is` resources narrowed by `resource`; returns its id.
async fn grant(
    server: &Server,
    owner: &Account,
    subject: (&str, &str),
    resource: &[(&str, &str)],
    role: &str,
) -> String {
    let mut attributes = vec![
        json!({ "name": "accountId", "value": owner.id, "operator": "stringEquals" }),
        json!({ "name": "serviceName", "value": "is", "operator": "stringEquals" }),
    ];
    attributes.extend(
        resource.iter().map(|(name, value)| json!({ "name": name, "value": value, "operator": "stringEquals" })),
    );
    let body = json!({
        "type": "access",
        "subjects": [{ "attributes": [{ "name": subject.0, "value": subject.1 }] }],
        "roles": [{ "role_id": role }],
        "resources": [{ "attributes": attributes }],
    });
    let (status, policy) = server.call(Method::POST, "/v1/policies", Some(&owner.token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{policy}");
    text(&policy["id"])
}

fn vpc_resource(account: &str, vpc: &str) -> Value {
    json!({ "type": "vpc", "id": vpc, "properties": { "accountId": account, "serviceName": "is", "vpcId": vpc } })
}

fn ask(subject_type: &str, iam_id: &str, action: &str, resource: Value) -> Value {
    json!({ "subject": { "type": subject_type, "id": iam_id }, "action": { "name": action }, "resource": resource })
}

/// The hub's access set-up: a user with Viewer on `is`, a service ID in an access group with Editor on one VPC and
/// a custom role deleting VPCs on the other, and a subnet.
struct Scene<'a> {
    server: &'a Server,
    hub: Account,
    stranger: Account,
    vpcs: [String; 2],
    subnet: String,
    service_id: String,
    group: String,
    viewer_policy: String,
    group_policy: String,
    custom_policy: String,
}

async fn scene(server: &Server) -> Scene<'_> {
    let net = Net::new(server).await;
    let hub = server.account("owner").await;
    let stranger = server.account("stranger").await;
    let first = net.vpc(&hub, "first", false).await;
    let second = net.vpc(&hub, "second", false).await;
    let vpcs = [text(&first["id"]), text(&second["id"])];
    let subnet = text(&net.subnet(&hub, &vpcs[0], "us-south-1").await["id"]);
    let (status, service) = server
        .call(
            Method::POST,
            "/v1/serviceids",
            Some(&hub.token),
            Some(json!({ "account_id": hub.id, "name": "deployer" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{service}");
    let service_id = text(&service["iam_id"]);
    let path = format!("/v2/groups?account_id={}", hub.id);
    let (status, group) = server.call(Method::POST, &path, Some(&hub.token), Some(json!({ "name": "Editors" }))).await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let group = text(&group["id"]);
    let members = json!({ "members": [{ "iam_id": service_id, "type": "service" }] });
    let (status, added) =
        server.call(Method::PUT, &format!("/v2/groups/{group}/members"), Some(&hub.token), Some(members)).await;
    assert_eq!(status, StatusCode::MULTI_STATUS, "{added}");
    let role = json!({
        "name": "VpcDeleter", "display_name": "VPC deleter", "account_id": hub.id, "service_name": "is",
        "actions": ["is.vpc.vpc.delete"],
    });
    let (status, role) = server.call(Method::POST, "/v2/roles", Some(&hub.token), Some(role)).await;
    assert_eq!(status, StatusCode::CREATED, "{role}");
    let viewer_policy = grant(server, &hub, ("iam_id", USER), &[], VIEWER).await;
    let group_policy = grant(server, &hub, ("access_group_id", &group), &[("vpcId", &vpcs[0])], EDITOR).await;
    let custom_policy = grant(server, &hub, ("iam_id", &service_id), &[("vpcId", &vpcs[1])], &text(&role["crn"])).await;
    Scene { server, hub, stranger, vpcs, subnet, service_id, group, viewer_policy, group_policy, custom_policy }
}

impl Scene<'_> {
    async fn post(&self, who: &Account, path: &str, body: Value) -> (StatusCode, Value) {
        self.server.call(Method::POST, path, Some(&who.token), Some(body)).await
    }

    async fn decide(&self, subject_type: &str, iam_id: &str, action: &str, vpc: &str) -> Value {
        let body = ask(subject_type, iam_id, action, vpc_resource(&self.hub.id, vpc));
        let (status, answer) = self.post(&self.hub, "/access/v1/evaluation", body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        answer
    }
}

#[tokio::test]
async fn identities_are_decided_by_access_policies_and_explained() {
    let server = Server::ephemeral().await;
    let s = scene(&server).await;
    let [v1, v2] = [s.vpcs[0].as_str(), s.vpcs[1].as_str()];

    // (subject type, iam id, action, vpc, permitted, the granting policies)
    type Row<'a> = (&'a str, &'a str, &'a str, &'a str, bool, Vec<&'a str>);
    let rows: Vec<Row> = vec![
        ("user", USER, "is.vpc.vpc.read", v1, true, vec![&s.viewer_policy]),
        ("identity", USER, "is.vpc.vpc.read", v2, true, vec![&s.viewer_policy]),
        ("user", USER, "is.vpc.vpc.update", v1, false, vec![]),
        ("service_id", &s.service_id, "is.vpc.vpc.update", v1, true, vec![&s.group_policy]),
        ("serviceid", &s.service_id, "is.vpc.vpc.update", v2, false, vec![]),
        ("service_id", &s.service_id, "is.vpc.vpc.delete", v2, true, vec![&s.custom_policy]),
        ("service_id", &s.service_id, "is.vpc.vpc.read", v2, false, vec![]),
    ];
    for (kind, iam_id, action, vpc, permitted, granted_by) in rows {
        let answer = s.decide(kind, iam_id, action, vpc).await;
        assert_eq!(answer["decision"], json!(permitted), "{kind} {action} {vpc}: {answer}");
        assert_eq!(answer["context"]["granted_by"], json!(granted_by), "{kind} {action} {vpc}");
        assert!(answer["context"]["revision"].as_u64().unwrap() >= 1);
    }

    // A denial names the identity's nearest policy and what it lacks; the groups the identity was found in show.
    let denied = s.decide("user", USER, "is.vpc.vpc.update", v1).await;
    let miss = &denied["context"]["near_misses"][0];
    assert_eq!(miss["policy_id"], json!(s.viewer_policy));
    assert_eq!(miss["mismatches"][0]["side"], "action");
    let reason = text(&denied["context"]["reason_admin"]["en"]);
    assert!(reason.contains("Editor") && reason.contains(&s.viewer_policy), "{reason}");
    let through_group = s.decide("service_id", &s.service_id, "is.vpc.vpc.read", v2).await;
    let groups = &through_group["context"]["access_groups"];
    assert!(groups.as_array().unwrap().contains(&json!(s.group)), "{groups}");
    let misses = through_group["context"]["near_misses"].as_array().unwrap();
    assert!(misses.iter().any(|miss| miss["mismatches"][0]["attribute"] == "vpcId"), "{through_group}");

    // A batch mixes decisions about services and about identities.
    let mut batch = ask("user", USER, "is.vpc.vpc.read", vpc_resource(&s.hub.id, v1));
    batch["evaluations"] = json!([
        {},
        { "subject": { "type": "vpc", "id": "r006-spoke", "properties": { "accountId": s.stranger.id, "serviceName": "is" } },
          "action": { "name": "is.vpc.dns-resolution-binding.connect" } },
        { "subject": { "type": "service_id", "id": s.service_id }, "action": { "name": "is.vpc.vpc.delete" } },
    ]);
    let (status, answers) = s.post(&s.hub, "/access/v1/evaluations", batch).await;
    assert_eq!(status, StatusCode::OK, "{answers}");
    let decisions: Vec<&Value> = answers["evaluations"].as_array().unwrap().iter().map(|a| &a["decision"]).collect();
    assert_eq!(decisions, [&json!(true), &json!(false), &json!(true)]);
    let reason = text(&answers["evaluations"][1]["context"]["reason_admin"]["en"]);
    assert!(reason.contains("authorization policy"), "{reason}");

    // An IAM id of the wrong form for its type is refused, naming it.
    for (kind, id) in [("user", s.service_id.as_str()), ("service_id", USER), ("identity", "AccessGroupId-x")] {
        let (status, error) = s
            .post(&s.hub, "/access/v1/evaluation", ask(kind, id, "is.vpc.vpc.read", vpc_resource(&s.hub.id, v1)))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{kind} {id}");
        assert!(assert_envelope(&error, status, "invalid_body").contains("subject.id"), "{error}");
    }
}

#[tokio::test]
async fn searches_answer_who_what_and_which() {
    let server = Server::ephemeral().await;
    let s = scene(&server).await;
    let [v1, v2] = [s.vpcs[0].as_str(), s.vpcs[1].as_str()];
    let ids = |body: &Value, key: &str| -> Vec<String> {
        body["results"].as_array().unwrap().iter().map(|r| text(&r[key])).collect()
    };

    // Who: (subject type, action, vpc, the ids found).
    let who: Vec<(&str, &str, &str, Vec<&str>)> = vec![
        ("user", "is.vpc.vpc.read", v1, vec![USER]),
        ("service_id", "is.vpc.vpc.update", v1, vec![&s.service_id]),
        ("service_id", "is.vpc.vpc.update", v2, vec![]),
        ("access_group", "is.vpc.vpc.update", v1, vec![&s.group]),
        ("identity", "is.vpc.vpc.delete", v2, vec![&s.service_id]),
        ("identity", "is.vpc.vpc.read", v1, vec![USER, &s.service_id]),
    ];
    for (kind, action, vpc, expected) in who {
        let body = json!({ "subject": { "type": kind }, "action": { "name": action }, "resource": vpc_resource(&s.hub.id, vpc) });
        let (status, found) = s.post(&s.hub, "/access/v1/search/subject", body).await;
        assert_eq!(status, StatusCode::OK, "{found}");
        let mut expected: Vec<String> = expected.iter().map(|id| id.to_string()).collect();
        expected.sort();
        assert_eq!(ids(&found, "id"), expected, "{kind} {action} {vpc}: {found}");
        assert_eq!(found["page"], json!({ "next_token": "", "count": expected.len(), "total": expected.len() }));
    }
    let body = json!({ "subject": { "type": "service_id" }, "action": { "name": "is.vpc.vpc.update" }, "resource": vpc_resource(&s.hub.id, v1) });
    let (_, through) = s.post(&s.hub, "/access/v1/search/subject", body).await;
    assert_eq!(through["results"][0]["type"], "service_id");
    assert_eq!(through["context"]["access_groups"][&s.service_id], json!([s.group]), "{through}");
    assert_eq!(through["context"]["granted_by"][&s.service_id], json!([s.group_policy]), "{through}");

    // What: the service ID may only delete the second VPC, through its custom role; on the first it is an Editor.
    // Editor holds more actions of `is` than the default page of 50.
    let what = |iam_id: &str, vpc: &str| json!({ "subject": { "type": "identity", "id": iam_id }, "resource": vpc_resource(&s.hub.id, vpc), "page": { "limit": 1000 } });
    let (status, actions) = s.post(&s.hub, "/access/v1/search/action", what(&s.service_id, v2)).await;
    assert_eq!(status, StatusCode::OK, "{actions}");
    assert_eq!(ids(&actions, "name"), ["is.vpc.vpc.delete"]);
    assert_eq!(actions["context"]["granted_by"]["is.vpc.vpc.delete"], json!([s.custom_policy]));
    let (_, editor) = s.post(&s.hub, "/access/v1/search/action", what(&s.service_id, v1)).await;
    let editor = ids(&editor, "name");
    assert!(editor.contains(&"is.vpc.vpc.update".to_owned()) && editor.contains(&"is.vpc.vpc.delete".to_owned()));
    let (_, viewer) = s.post(&s.hub, "/access/v1/search/action", what(USER, v1)).await;
    let viewer = ids(&viewer, "name");
    assert!(viewer.contains(&"is.vpc.vpc.read".to_owned()) && !viewer.contains(&"is.vpc.vpc.update".to_owned()));

    // Which: (iam id, action, resource type, the ids found).
    let mut both = vec![v1, v2];
    both.sort();
    let which: Vec<(&str, &str, &str, Vec<&str>)> = vec![
        (USER, "is.vpc.vpc.read", "vpc", both.clone()),
        (USER, "is.subnet.subnet.read", "subnet", vec![&s.subnet]),
        (USER, "is.vpc.vpc.update", "vpc", vec![]),
        (&s.service_id, "is.vpc.vpc.update", "vpc", vec![v1]),
        (&s.service_id, "is.vpc.vpc.delete", "vpc", both.clone()),
        (USER, "iam-groups.groups.read", "access_group", vec![]),
    ];
    for (iam_id, action, kind, expected) in which {
        let body = json!({
            "subject": { "type": "identity", "id": iam_id },
            "action": { "name": action },
            "resource": { "type": kind, "properties": { "accountId": s.hub.id } },
        });
        let (status, found) = s.post(&s.hub, "/access/v1/search/resource", body).await;
        assert_eq!(status, StatusCode::OK, "{found}");
        assert_eq!(ids(&found, "id"), expected, "{iam_id} {action} {kind}");
        // Each result, asked about on its own, is permitted.
        for result in found["results"].as_array().unwrap() {
            let (_, answer) =
                s.post(&s.hub, "/access/v1/evaluation", ask("identity", iam_id, action, result.clone())).await;
            assert_eq!(answer["decision"], true, "{result}: {answer}");
        }
    }

    // Bad searches are 400 in the envelope, naming the member at fault.
    let refusals = [
        (
            json!({ "subject": { "type": "robot" }, "action": { "name": "is.vpc.vpc.read" }, "resource": vpc_resource(&s.hub.id, v1) }),
            "subject.type",
        ),
        (json!({ "subject": { "type": "user" }, "resource": vpc_resource(&s.hub.id, v1) }), "action"),
        (
            json!({ "subject": { "type": "user" }, "action": { "name": "is.vpc.vpc.read" }, "resource": { "type": "vpc", "id": v1 } }),
            "resource.properties.accountId",
        ),
        (
            json!({ "subject": { "type": "user", "id": USER }, "action": { "name": "is.vpc.vpc.read" }, "resource": { "type": "volume", "properties": { "accountId": s.hub.id } } }),
            "resource.type",
        ),
        (
            json!({ "subject": { "type": "user", "id": USER }, "action": { "name": "is.vpc.vpc.read" }, "resource": { "type": "vpc" } }),
            "accountId",
        ),
        (
            json!({ "subject": { "type": "user" }, "action": { "name": "is.vpc.vpc.read" }, "resource": { "type": "vpc", "properties": { "accountId": s.hub.id } } }),
            "subject.id",
        ),
    ];
    for (body, named) in refusals {
        let path = if body["subject"].get("id").is_some() || named == "subject.id" {
            "/access/v1/search/resource"
        } else {
            "/access/v1/search/subject"
        };
        let (status, error) = s.post(&s.hub, path, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {error}");
        assert!(assert_envelope(&error, status, "invalid_body").contains(named), "{error}");
    }

    let (status, configuration) = server.call(Method::GET, "/.well-known/authzen-configuration", None, None).await;
    assert_eq!(status, StatusCode::OK);
    for (key, path) in [
        ("search_subject_endpoint", "/access/v1/search/subject"),
        ("search_action_endpoint", "/access/v1/search/action"),
        ("search_resource_endpoint", "/access/v1/search/resource"),
    ] {
        assert_eq!(configuration[key], json!(server.url(path)), "{key}");
    }
}

#[tokio::test]
async fn searches_page_with_next_tokens() {
    let server = Server::ephemeral().await;
    let s = scene(&server).await;
    let search = |page: Value| {
        json!({
            "subject": { "type": "user", "id": USER },
            "action": { "name": "is.vpc.vpc.read" },
            "resource": { "type": "vpc", "properties": { "accountId": s.hub.id } },
            "page": page,
        })
    };
    let mut seen = Vec::new();
    let mut page = json!({ "limit": 1 });
    loop {
        let (status, found) = s.post(&s.hub, "/access/v1/search/resource", search(page.clone())).await;
        assert_eq!(status, StatusCode::OK, "{found}");
        assert_eq!((found["page"]["count"].as_u64(), found["page"]["total"].as_u64()), (Some(1), Some(2)), "{found}");
        seen.push(text(&found["results"][0]["id"]));
        let next = text(&found["page"]["next_token"]);
        if next.is_empty() {
            break;
        }
        assert!(seen.len() < 3, "paging does not end");
        page = json!({ "limit": 1, "token": next });
    }
    let mut expected = s.vpcs.to_vec();
    expected.sort();
    assert_eq!(seen, expected);

    // The earlier drafts' `page.next_token` is read as the token too.
    let (_, first) = s.post(&s.hub, "/access/v1/search/resource", search(json!({ "limit": 1 }))).await;
    let (_, second) = s
        .post(
            &s.hub,
            "/access/v1/search/resource",
            search(json!({ "limit": 1, "next_token": first["page"]["next_token"] })),
        )
        .await;
    assert_eq!(second["results"][0]["id"], json!(expected[1]));

    for page in [
        json!({ "limit": 0 }),
        json!({ "limit": 1001 }),
        json!({ "limit": "ten" }),
        json!({ "token": "not-a-token" }),
        json!({ "token": "a", "next_token": "b" }),
    ] {
        let (status, error) = s.post(&s.hub, "/access/v1/search/resource", search(page.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{page}: {error}");
        assert!(assert_envelope(&error, status, "invalid_body").contains("page."), "{error}");
    }
}

#[tokio::test]
async fn another_account_learns_nothing_of_the_hubs_access() {
    let server = Server::ephemeral().await;
    let s = scene(&server).await;
    let v1 = s.vpcs[0].as_str();
    let secrets = [v1, &s.vpcs[1], &s.subnet, &s.group, &s.viewer_policy, &s.group_policy, &s.custom_policy];
    let asks = [
        ("/access/v1/evaluation", ask("user", USER, "is.vpc.vpc.read", vpc_resource(&s.hub.id, v1))),
        (
            "/access/v1/search/subject",
            json!({ "subject": { "type": "identity" }, "action": { "name": "is.vpc.vpc.read" }, "resource": vpc_resource(&s.hub.id, v1) }),
        ),
        (
            "/access/v1/search/action",
            json!({ "subject": { "type": "user", "id": USER }, "resource": vpc_resource(&s.hub.id, v1) }),
        ),
        (
            "/access/v1/search/resource",
            json!({ "subject": { "type": "service_id", "id": s.service_id }, "action": { "name": "is.vpc.vpc.delete" }, "resource": { "type": "vpc", "properties": { "accountId": s.hub.id } } }),
        ),
    ];
    for (path, body) in asks {
        let (status, answer) = s.post(&s.stranger, path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
        assert_envelope(&answer, status, "insufficent_permissions");
        for secret in secrets {
            assert!(!answer.to_string().contains(secret), "{path} shows `{secret}`: {answer}");
        }
    }

    // The stranger's own service ID, granted Viewer by the hub: the stranger learns what that service ID could
    // learn itself (the decisions and the VPCs it may read), never which of the hub's policies decided.
    let (_, service) =
        s.post(&s.stranger, "/v1/serviceids", json!({ "account_id": s.stranger.id, "name": "visitor" })).await;
    let visitor = text(&service["iam_id"]);
    grant(&server, &s.hub, ("iam_id", &visitor), &[], VIEWER).await;
    let (status, answer) = s
        .post(
            &s.stranger,
            "/access/v1/evaluation",
            ask("service_id", &visitor, "is.vpc.vpc.read", vpc_resource(&s.hub.id, v1)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["decision"], true);
    assert!(
        answer["context"].get("granted_by").is_none() && answer["context"].get("near_misses").is_none(),
        "{answer}"
    );
    let search = json!({ "subject": { "type": "service_id", "id": visitor }, "action": { "name": "is.vpc.vpc.read" }, "resource": { "type": "vpc", "properties": { "accountId": s.hub.id } } });
    let (status, found) = s.post(&s.stranger, "/access/v1/search/resource", search).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["results"].as_array().unwrap().len(), 2);
    assert!(found.get("context").is_none(), "{found}");
    for policy in [&s.viewer_policy, &s.group_policy, &s.custom_policy] {
        assert!(!found.to_string().contains(policy.as_str()), "{found}");
    }
}
