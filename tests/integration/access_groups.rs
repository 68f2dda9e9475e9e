//! Access groups over HTTP (`/v2/groups`): groups with ETags, lists with every query parameter, members with their
//! 207 answers, one identity across groups, dynamic rules, the group settings, the Public Access group, and the
//! rules that refuse (AG1 to AG9).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Account, Server, assert_envelope};

async fn create(server: &Server, who: &Account, body: Value) -> Value {
    let path = format!("/v2/groups?account_id={}", who.id);
    let (status, created) = server.call(Method::POST, &path, Some(&who.token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

async fn list(server: &Server, who: &Account, query: &str) -> Value {
    let path = format!("/v2/groups?account_id={}{query}", who.id);
    let (status, body) = server.call(Method::GET, &path, Some(&who.token), None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

fn ids(list: &Value, key: &str, field: &str) -> Vec<String> {
    list[key].as_array().unwrap().iter().map(|item| item[field].as_str().unwrap().to_owned()).collect()
}

async fn etag(server: &Server, who: &Account, path: &str) -> String {
    let response = server.request(Method::GET, path, Some(&who.token), None, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.headers()["etag"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn access_groups_are_created_read_listed_updated_with_etags_and_deleted() {
    let server = Server::ephemeral().await;
    let admin = server.account("groups").await;
    let token = Some(admin.token.as_str());

    let created = create(&server, &admin, json!({ "name": "Developers" })).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("AccessGroupId-") && id.len() == "AccessGroupId-".len() + 36, "{id}");
    assert_eq!((&created["description"], &created["account_id"]), (&json!(""), &json!(admin.id)));
    assert!(created["href"].as_str().unwrap().ends_with(&format!("/v2/groups/{id}")));

    // A read has an ETag; `show_crn` and `show_federated` add their fields.
    let path = format!("/v2/groups/{id}");
    let (status, read) =
        server.call(Method::GET, &format!("{path}?show_crn=true&show_federated=true"), token, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["crn"], json!(format!("crn:v1:bluemix:public:iam-groups::a/{}::access-group:{id}", admin.id)));
    assert_eq!(read["is_federated"], json!(false));
    let (_, plain) = server.call(Method::GET, &path, token, None).await;
    assert!(plain.get("crn").is_none() && plain.get("is_federated").is_none(), "{plain}");
    let tag = etag(&server, &admin, &path).await;

    // An update needs `If-Match`, and the current ETag; the ETag then changes.
    let patch = json!({ "description": "writes code" });
    let (status, body) = server.call(Method::PATCH, &path, token, Some(patch.clone())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let stale = [("if-match", "W/\"0000\"")];
    let response = server.request(Method::PATCH, &path, token, Some(patch.clone()), &stale).await;
    assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED);
    let response = server.request(Method::PATCH, &path, token, Some(patch.clone()), &[("if-match", &tag)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let new_tag = response.headers()["etag"].to_str().unwrap().to_owned();
    let updated = crate::support::parse_body(response).await;
    assert_eq!((&updated["name"], &updated["description"]), (&json!("Developers"), &json!("writes code")));
    assert_ne!(new_tag, tag);
    assert_eq!(etag(&server, &admin, &path).await, new_tag, "a group's ETag stays valid until it changes");
    let response = server.request(Method::PATCH, &path, token, Some(patch), &[("if-match", &tag)]).await;
    assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED, "the old ETag is stale");

    // Names may repeat; names and descriptions are bounded (rules AG1, AG2).
    let twin = create(&server, &admin, json!({ "name": "developers", "description": "another" })).await;
    let groups_path = format!("/v2/groups?account_id={}", admin.id);
    for (body, rule, target) in [
        (json!({ "name": "" }), "(rule AG1)", "name"),
        (json!({ "name": "n".repeat(101) }), "(rule AG1)", "name"),
        (json!({ "name": "ok", "description": "d".repeat(251) }), "(rule AG2)", "description"),
    ] {
        let (status, refused) = server.call(Method::POST, &groups_path, token, Some(body)).await;
        assert!(assert_envelope(&refused, status, "invalid_request").contains(rule), "{refused}");
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(refused["errors"][0]["target"]["name"], json!(target), "the field at fault: {refused}");
    }
    let (status, refused) = server.call(Method::POST, "/v2/groups", token, Some(json!({ "name": "x" }))).await;
    assert_envelope(&refused, status, "missing_required_query_parameter");

    // The list has the Public Access group first, unless hidden, and pages by offset.
    let all = list(&server, &admin, "").await;
    let twin_id = twin["id"].as_str().unwrap().to_owned();
    assert_eq!(ids(&all, "groups", "id"), ["AccessGroupId-PublicAccess", id.as_str(), twin_id.as_str()]);
    assert_eq!(all["groups"][0]["name"], json!("Public Access"));
    assert_eq!((&all["total_count"], &all["limit"], &all["offset"]), (&json!(3), &json!(50), &json!(0)));
    let hidden = list(&server, &admin, "&hide_public_access=true").await;
    assert_eq!(ids(&hidden, "groups", "id"), [id.as_str(), twin_id.as_str()]);
    let first = list(&server, &admin, "&limit=1").await;
    assert_eq!((first["groups"].as_array().unwrap().len(), &first["total_count"]), (1, &json!(3)));
    let next = first["next"]["href"].as_str().unwrap();
    assert!(next.contains("offset=1") && next.contains("limit=1") && next.contains(&admin.id), "{next}");
    assert!(first.get("previous").is_none());
    let second = list(&server, &admin, "&limit=1&offset=1").await;
    assert_eq!(ids(&second, "groups", "id"), [id.as_str()]);
    assert!(second["previous"]["href"].as_str().unwrap().contains("offset=0"));
    assert!(list(&server, &admin, "&offset=9").await["groups"].as_array().unwrap().is_empty());

    // Search by name, id or description; sort both ways.
    let by_name = list(&server, &admin, "&search=name:DEVELOP&hide_public_access=true").await;
    assert_eq!(by_name["total_count"], json!(2));
    let by_description = list(&server, &admin, "&search=description:another").await;
    assert_eq!(ids(&by_description, "groups", "id"), [twin_id.as_str()]);
    let by_id = list(&server, &admin, &format!("&search=id:{}", &id[20..])).await;
    assert_eq!(ids(&by_id, "groups", "id"), [id.as_str()]);
    let sorted = list(&server, &admin, "&sort=-description").await;
    assert_eq!(ids(&sorted, "groups", "id"), [id.as_str(), "AccessGroupId-PublicAccess", twin_id.as_str()]);
    for bad in ["&sort=color", "&limit=101", "&limit=-1", "&show_crn=yes", "&membership_type=some"] {
        let path = format!("/v2/groups?account_id={}{bad}", admin.id);
        let (status, refused) = server.call(Method::GET, &path, token, None).await;
        assert_envelope(&refused, status, "invalid_query_parameter");
    }

    // An empty group is deleted without `force`; a second delete and a read are 404.
    let twin_path = format!("/v2/groups/{twin_id}");
    let (status, _) = server.call(Method::DELETE, &twin_path, token, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for method in [Method::DELETE, Method::GET] {
        let (status, refused) = server.call(method, &twin_path, token, None).await;
        assert_envelope(&refused, status, "not_found");
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn members_are_added_listed_checked_and_removed_with_multi_status_answers() {
    let server = Server::ephemeral().await;
    let admin = server.account("members").await;
    let token = Some(admin.token.as_str());
    let group = create(&server, &admin, json!({ "name": "Operators" })).await["id"].as_str().unwrap().to_owned();
    let members = format!("/v2/groups/{group}/members");
    let service = "iam-ServiceId-1b3c4d5e-0000-4000-8000-000000000000";

    // Each member is judged alone: an unknown IBMid is accepted, a malformed id is refused in its own item.
    let body = json!({ "members": [
        { "iam_id": "IBMid-550002G2B4", "type": "user" },
        { "iam_id": service, "type": "service" },
        { "iam_id": "ServiceId-1b3c4d5e", "type": "service" },
    ]});
    let (status, added) = server.call(Method::PUT, &members, token, Some(body)).await;
    assert_eq!(status, StatusCode::MULTI_STATUS, "{added}");
    let items = added["members"].as_array().unwrap();
    assert_eq!(items.iter().map(|item| item["status_code"].as_u64().unwrap()).collect::<Vec<_>>(), [200, 200, 400]);
    assert_eq!((&items[0]["type"], &items[0]["created_by_id"].is_string()), (&json!("user"), &true));
    assert!(items[2]["errors"][0]["message"].as_str().unwrap().contains("(rule AG4)"), "{added}");
    assert!(items[2]["trace"].is_string());
    // Adding a member again changes nothing and still answers 200 for it.
    let again = json!({ "members": [{ "iam_id": "IBMid-550002G2B4", "type": "user" }] });
    let (status, added_again) = server.call(Method::PUT, &members, token, Some(again)).await;
    assert_eq!((status, &added_again["members"][0]["status_code"]), (StatusCode::MULTI_STATUS, &json!(200)));
    assert_eq!(added_again["members"][0]["created_at"], items[0]["created_at"]);

    // 1 to 50 members per call (rule AG3); a `type` outside the three is refused whole.
    let many: Vec<Value> = (0..51).map(|n| json!({ "iam_id": format!("IBMid-{n:010}"), "type": "user" })).collect();
    for body in [json!({ "members": many }), json!({ "members": [] })] {
        let (status, refused) = server.call(Method::PUT, &members, token, Some(body)).await;
        assert!(assert_envelope(&refused, status, "invalid_request").contains("(rule AG3)"));
    }
    let (status, refused) = server
        .call(Method::PUT, &members, token, Some(json!({ "members": [{ "iam_id": "IBMid-1", "type": "robot" }] })))
        .await;
    assert_envelope(&refused, status, "invalid_body");

    // Lists page, filter by type, and say more with `verbose`.
    let (status, listed) = server.call(Method::GET, &members, token, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&listed, "members", "iam_id"), ["IBMid-550002G2B4", service]);
    assert_eq!((&listed["total_count"], &listed["members"][0]["membership_type"]), (&json!(2), &json!("static")));
    let (_, services) = server.call(Method::GET, &format!("{members}?type=service&verbose=true"), token, None).await;
    assert_eq!(ids(&services, "members", "iam_id"), [service]);
    assert!(services["members"][0]["name"].is_string());
    let (_, sorted) = server.call(Method::GET, &format!("{members}?sort=-iam_id&limit=1"), token, None).await;
    assert_eq!(ids(&sorted, "members", "iam_id"), [service]);
    assert!(sorted["next"]["href"].as_str().unwrap().contains("offset=1"));
    let (_, dynamic) = server.call(Method::GET, &format!("{members}?membership_type=dynamic"), token, None).await;
    assert_eq!(dynamic["total_count"], json!(0));

    // The groups of an iam id.
    let of_user = list(&server, &admin, "&iam_id=IBMid-550002G2B4").await;
    assert_eq!(ids(&of_user, "groups", "id"), [group.as_str()]);
    assert_eq!(
        list(&server, &admin, "&iam_id=IBMid-550002G2B4&membership_type=dynamic").await["total_count"],
        json!(0)
    );

    // HEAD says whether an iam id is a member.
    let user = format!("{members}/IBMid-550002G2B4");
    let response = server.request(Method::HEAD, &user, token, None, &[]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = server.request(Method::HEAD, &format!("{members}/IBMid-000"), token, None, &[]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // One member leaves; a second removal is 404.
    assert_eq!(server.call(Method::DELETE, &user, token, None).await.0, StatusCode::NO_CONTENT);
    let (status, refused) = server.call(Method::DELETE, &user, token, None).await;
    assert_envelope(&refused, status, "not_found");

    // A bulk removal lists each iam id; when none is a member it is 404 naming the group.
    let delete = format!("{members}/delete");
    let (status, removed) =
        server.call(Method::POST, &delete, token, Some(json!({ "members": [service, "IBMid-000"] }))).await;
    assert_eq!(status, StatusCode::MULTI_STATUS, "{removed}");
    assert_eq!((&removed["access_group_id"], &removed["members"][0]["status_code"]), (&json!(group), &json!(204)));
    assert_eq!(removed["members"][1]["status_code"], json!(404));
    let (status, refused) = server.call(Method::POST, &delete, token, Some(json!({ "members": [service] }))).await;
    assert!(assert_envelope(&refused, status, "not_found").contains(&group));
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn one_identity_joins_many_groups_up_to_fifty_and_leaves_them_all() {
    let server = Server::ephemeral().await;
    let admin = server.account("allgroups").await;
    let token = Some(admin.token.as_str());
    let mut groups = Vec::new();
    for n in 0..51 {
        groups
            .push(create(&server, &admin, json!({ "name": format!("g{n}") })).await["id"].as_str().unwrap().to_owned());
    }
    let all = format!("/v2/groups/_allgroups/members/IBMid-77?account_id={}", admin.id);

    // Fifty groups at most (rule AG5): the fifty-first is refused in its own item, as IBM does; a missing group is
    // 404 and the Public Access group 403, each in its item.
    let mut named: Vec<String> = groups.clone();
    named.push("AccessGroupId-00000000-0000-4000-8000-000000000000".to_owned());
    named.push("AccessGroupId-PublicAccess".to_owned());
    let (status, added) = server.call(Method::PUT, &all, token, Some(json!({ "type": "user", "groups": named }))).await;
    assert_eq!(status, StatusCode::MULTI_STATUS, "{added}");
    assert_eq!(added["iam_id"], json!("IBMid-77"));
    let codes: Vec<u64> =
        added["groups"].as_array().unwrap().iter().map(|g| g["status_code"].as_u64().unwrap()).collect();
    assert_eq!(&codes[..50], &[200; 50]);
    assert_eq!(&codes[50..], &[403, 404, 403]);
    let limit = added["groups"][50]["errors"][0]["message"].as_str().unwrap();
    assert!(limit.starts_with("Group membership limit reached.") && limit.contains("(rule AG5)"), "{limit}");
    assert_eq!(added["groups"][50]["access_group_id"], json!(groups[50]));
    assert_eq!(list(&server, &admin, "&iam_id=IBMid-77&limit=100").await["total_count"], json!(50));

    // The same limit holds for a group's own member list.
    let members = format!("/v2/groups/{}/members", groups[50]);
    let (_, refused) = server
        .call(Method::PUT, &members, token, Some(json!({ "members": [{ "iam_id": "IBMid-77", "type": "user" }] })))
        .await;
    assert_eq!(refused["members"][0]["status_code"], json!(403), "{refused}");

    // Leaving every group at once; a second time the iam id is in none, and the 404 names it.
    let (status, left) = server.call(Method::DELETE, &all, token, None).await;
    assert_eq!(status, StatusCode::MULTI_STATUS, "{left}");
    assert_eq!(left["groups"].as_array().unwrap().len(), 50);
    let (status, refused) = server.call(Method::DELETE, &all, token, None).await;
    assert!(assert_envelope(&refused, status, "not_found").contains("IBMid-77"));
    assert_eq!(list(&server, &admin, "&iam_id=IBMid-77").await["total_count"], json!(0));
}

#[tokio::test]
async fn rules_settings_the_public_access_group_and_forced_deletes() {
    let server = Server::ephemeral().await;
    let admin = server.account("rules").await;
    let token = Some(admin.token.as_str());
    let group = create(&server, &admin, json!({ "name": "Federated" })).await["id"].as_str().unwrap().to_owned();
    let rules = format!("/v2/groups/{group}/rules");
    let rule = json!({ "name": "admins", "expiration": 24, "realm_name": "https://idp.example.com",
        "conditions": [{ "claim": "blueGroups", "operator": "EQUALS", "value": "admins" }] });

    let (status, created) = server.call(Method::POST, &rules, token, Some(rule.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let rule_id = created["id"].as_str().unwrap().to_owned();
    assert_eq!((&created["access_group_id"], &created["account_id"]), (&json!(group), &json!(admin.id)));
    assert_eq!(created["conditions"][0]["operator"], json!("EQUALS"));
    let rule_path = format!("{rules}/{rule_id}");
    let tag = etag(&server, &admin, &rule_path).await;
    let (_, listed) = server.call(Method::GET, &rules, token, None).await;
    assert_eq!(ids(&listed, "rules", "id"), [rule_id.as_str()]);

    // A replace needs the rule's ETag.
    let mut replacement = rule.clone();
    replacement["realm_name"] = json!("https://other.example.com");
    let response = server.request(Method::PUT, &rule_path, token, Some(replacement.clone()), &[]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response =
        server.request(Method::PUT, &rule_path, token, Some(replacement.clone()), &[("if-match", &tag)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = server.request(Method::PUT, &rule_path, token, Some(replacement), &[("if-match", &tag)]).await;
    assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED);
    let (_, read) = server.call(Method::GET, &rule_path, token, None).await;
    assert_eq!(read["realm_name"], json!("https://other.example.com"));

    // Expiration 1 to 24 (rule AG6); a realm, conditions and known operators (rule AG7).
    for (change, rule_id) in [
        (json!({ "expiration": 0 }), "(rule AG6)"),
        (json!({ "expiration": 25 }), "(rule AG6)"),
        (json!({ "realm_name": " " }), "(rule AG7)"),
        (json!({ "conditions": [] }), "(rule AG7)"),
        (json!({ "conditions": [{ "claim": "c", "operator": "LIKE", "value": "v" }] }), "(rule AG7)"),
    ] {
        let mut body = rule.clone();
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        let (status, refused) = server.call(Method::POST, &rules, token, Some(body)).await;
        assert!(assert_envelope(&refused, status, "invalid_request").contains(rule_id), "{refused}");
    }

    // A group with members or rules is deleted only with `force` (rule AG9), which takes them along.
    server
        .call(
            Method::PUT,
            &format!("/v2/groups/{group}/members"),
            token,
            Some(json!({ "members": [{ "iam_id": "IBMid-5", "type": "user" }] })),
        )
        .await;
    let group_path = format!("/v2/groups/{group}");
    let (status, refused) = server.call(Method::DELETE, &group_path, token, None).await;
    assert!(assert_envelope(&refused, status, "access_group_not_empty").contains("(rule AG9)"));
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = server.call(Method::DELETE, &format!("{group_path}?force=true"), token, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for path in [format!("{group_path}/members"), rules.clone(), rule_path] {
        let (status, refused) = server.call(Method::GET, &path, token, None).await;
        assert_envelope(&refused, status, "not_found");
    }
    assert_eq!(list(&server, &admin, "&iam_id=IBMid-5").await["total_count"], json!(0));

    // The Public Access group reads like any other but takes no change (rule AG8).
    let public = "/v2/groups/AccessGroupId-PublicAccess";
    let (status, read) = server.call(Method::GET, public, token, None).await;
    assert_eq!(
        (status, &read["name"], &read["account_id"]),
        (StatusCode::OK, &json!("Public Access"), &json!(admin.id))
    );
    let tag = etag(&server, &admin, public).await;
    let response =
        server.request(Method::PATCH, public, token, Some(json!({ "name": "x" })), &[("if-match", &tag)]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let changes = [
        (Method::DELETE, public.to_owned(), None),
        (
            Method::PUT,
            format!("{public}/members"),
            Some(json!({ "members": [{ "iam_id": "IBMid-5", "type": "user" }] })),
        ),
        (Method::POST, format!("{public}/rules"), Some(rule.clone())),
    ];
    for (method, path, body) in changes {
        let (status, refused) = server.call(method.clone(), &path, token, body).await;
        assert!(
            assert_envelope(&refused, status, "access_group_public_access").contains("(rule AG8)"),
            "{method} {path}"
        );
    }

    // Group settings: public access is on until turned off.
    let settings = format!("/v2/groups/settings?account_id={}", admin.id);
    let (status, read) = server.call(Method::GET, &settings, token, None).await;
    assert_eq!(
        (status, &read["public_access_enabled"], &read["account_id"]),
        (StatusCode::OK, &json!(true), &json!(admin.id))
    );
    let (status, changed) =
        server.call(Method::PATCH, &settings, token, Some(json!({ "public_access_enabled": false }))).await;
    assert_eq!((status, &changed["public_access_enabled"]), (StatusCode::OK, &json!(false)), "{changed}");
    assert_eq!(server.call(Method::GET, &settings, token, None).await.1["public_access_enabled"], json!(false));
}

#[tokio::test]
async fn another_accounts_groups_are_not_found_and_its_lists_are_empty() {
    let server = Server::ephemeral().await;
    let owner = server.account("owner").await;
    let intruder = server.account("intruder").await;
    let group = create(&server, &owner, json!({ "name": "private" })).await["id"].as_str().unwrap().to_owned();

    let (status, refused) = server.call(Method::GET, &format!("/v2/groups/{group}"), Some(&intruder.token), None).await;
    assert_envelope(&refused, status, "not_found");
    assert_eq!(status, StatusCode::NOT_FOUND);
    let listed =
        server.call(Method::GET, &format!("/v2/groups?account_id={}", owner.id), Some(&intruder.token), None).await.1;
    assert_eq!((&listed["groups"], &listed["total_count"]), (&json!([]), &json!(0)));
    let path = format!("/v2/groups?account_id={}", owner.id);
    let (status, refused) = server.call(Method::POST, &path, Some(&intruder.token), Some(json!({ "name": "x" }))).await;
    assert_envelope(&refused, status, "insufficent_permissions");
    // The intruder's own list shows its own Public Access group only.
    let own = list(&server, &intruder, "").await;
    assert_eq!(ids(&own, "groups", "id"), ["AccessGroupId-PublicAccess"]);
    assert_eq!(own["groups"][0]["account_id"], json!(intruder.id));
    // The operator reads any account's group by id.
    let operator = server.operator_token().await;
    let (status, read) = server.call(Method::GET, &format!("/v2/groups/{group}"), Some(&operator), None).await;
    assert_eq!((status, &read["account_id"]), (StatusCode::OK, &json!(owner.id)));
}

/// A v1 access policy of `who`'s account for the access group `group` on the service `service`; its id.
async fn group_policy(server: &Server, who: &Account, group: &str, service: &str) -> String {
    let body = json!({
        "type": "access",
        "subjects": [{ "attributes": [{ "name": "access_group_id", "value": group }] }],
        "roles": [{ "role_id": "crn:v1:bluemix:public:iam::::role:Viewer" }],
        "resources": [{ "attributes": [
            { "name": "accountId", "value": who.id, "operator": "stringEquals" },
            { "name": "serviceName", "value": service, "operator": "stringEquals" },
        ] }],
    });
    let (status, created) = server.call(Method::POST, "/v1/policies", Some(&who.token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn deleting_a_group_deletes_the_policies_that_name_it() {
    let server = Server::ephemeral().await;
    let admin = server.account("groups").await;
    let token = Some(admin.token.as_str());
    let staffed = create(&server, &admin, json!({ "name": "staffed" })).await["id"].as_str().unwrap().to_owned();
    let empty = create(&server, &admin, json!({ "name": "empty" })).await["id"].as_str().unwrap().to_owned();
    let kept = create(&server, &admin, json!({ "name": "kept" })).await["id"].as_str().unwrap().to_owned();
    let members = json!({ "members": [{ "iam_id": "IBMid-550002G2B4", "type": "user" }] });
    let (status, _) = server.call(Method::PUT, &format!("/v2/groups/{staffed}/members"), token, Some(members)).await;
    assert_eq!(status, StatusCode::MULTI_STATUS);
    let staffed_policies = [
        group_policy(&server, &admin, &staffed, "is").await,
        group_policy(&server, &admin, &staffed, "dns-svcs").await,
    ];
    let empty_policy = group_policy(&server, &admin, &empty, "is").await;
    let kept_policy = group_policy(&server, &admin, &kept, "is").await;
    let active = || async {
        let path = format!("/v2/policies?account_id={}&type=access", admin.id);
        let (status, body) = server.call(Method::GET, &path, token, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let mut ids = ids(&body, "policies", "id");
        ids.sort();
        ids
    };

    // Members (or rules) need `force`; the refused delete leaves the policies alone.
    let (status, body) = server.call(Method::DELETE, &format!("/v2/groups/{staffed}"), token, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_envelope(&body, StatusCode::CONFLICT, "access_group_not_empty");
    assert_eq!(active().await.len(), 4);

    // Policies alone do not: a group without members or rules goes with its policies, as IBM deletes "the group and
    // its policies".
    let (status, body) = server.call(Method::DELETE, &format!("/v2/groups/{empty}"), token, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = server.call(Method::DELETE, &format!("/v2/groups/{staffed}?force=true"), token, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(active().await, [kept_policy.as_str()], "only the policy of the group that is left");
    for id in staffed_policies.iter().chain([&empty_policy]) {
        let (status, policy) = server.call(Method::GET, &format!("/v2/policies/{id}"), token, None).await;
        assert_eq!((status, &policy["state"]), (StatusCode::OK, &json!("deleted")), "{policy}");
        assert_eq!(policy["last_modified_by_id"], json!(format!("IBMid-admin-{}", admin.id)));
    }

    // Each deleted policy has its event.
    let (_, events) = server.call(Method::GET, "/_hubspoke/events", token, None).await;
    let mut deleted: Vec<String> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["action"] == "iam.policy.delete" && event["outcome"] == "success")
        .map(|event| event["target"]["id"].as_str().unwrap().to_owned())
        .collect();
    deleted.sort();
    let mut expected = vec![staffed_policies[0].clone(), staffed_policies[1].clone(), empty_policy];
    expected.sort();
    assert_eq!(deleted, expected, "{events}");
}
