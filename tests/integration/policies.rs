//! `/v1/policies` and `/v2/policies` over HTTP: the seed's bodies, ETags, paging, conversion, conflicts and ownership.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Server, assert_envelope, parse_body, seed_policy, terraform_v2_policy};

const SPOKE_ACCOUNT: &str = "0123456789abcdef0123456789abcdef";
const SPOKE_VPC: &str = "r006-fd189c4f-52a0-4694-abfd-186cb6011a3c";
const HUB_VPC: &str = "r006-ffaedf75-4f44-4ead-989d-cd37816a13d2";

#[tokio::test]
async fn the_seed_policy_round_trips_through_v1_with_etag_and_transaction_id() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let body = seed_policy(SPOKE_ACCOUNT, SPOKE_VPC, &hub.id, HUB_VPC);
    let response = server
        .request(
            Method::POST,
            "/v1/policies",
            Some(&hub.token),
            Some(body.clone()),
            &[("Transaction-Id", "my-transaction-1")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["transaction-id"], "my-transaction-1");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let (version, digest) = etag.split_once('-').unwrap();
    assert_eq!((version, digest.len()), ("1", 32));
    let created = parse_body(response).await;
    // Attributes come back exactly as sent, in order; resource operators are filled in; roles are described.
    assert_eq!(created["subjects"], body["subjects"]);
    let resources = created["resources"][0]["attributes"].as_array().unwrap();
    assert!(resources.iter().all(|a| a["operator"] == "stringEquals"));
    let names: Vec<&str> = resources.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["accountId", "serviceName", "vpcId"]);
    assert_eq!(created["roles"][0]["display_name"], "DNS Binding Connector");
    assert_eq!(created["state"], "active");
    assert_eq!(created["type"], "authorization");
    assert_eq!(created["created_at"], created["last_modified_at"]);
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(created["created_by_id"].as_str().unwrap().starts_with("IBMid-"));
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["href"], json!(server.url(&format!("/v1/policies/{id}"))));
    assert_eq!(uuid_version(id), Some('4'));

    let response = server.request(Method::GET, &format!("/v1/policies/{id}"), Some(&hub.token), None, &[]).await;
    assert_eq!(response.headers()["etag"].to_str().unwrap(), etag);
    let transaction = response.headers()["transaction-id"].to_str().unwrap().to_owned();
    assert!(transaction.len() == 32 && transaction.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(parse_body(response).await, created);
}

fn uuid_version(id: &str) -> Option<char> {
    (id.len() == 36).then(|| id.chars().nth(14)).flatten()
}

#[tokio::test]
async fn replace_requires_the_current_etag_and_patch_restores_deleted_policies() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let (_, created) = server
        .call(
            Method::POST,
            "/v1/policies",
            Some(&hub.token),
            Some(seed_policy(SPOKE_ACCOUNT, SPOKE_VPC, &hub.id, HUB_VPC)),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/policies/{id}");
    let etag = server.request(Method::GET, &path, Some(&hub.token), None, &[]).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();

    let mut replacement = seed_policy(SPOKE_ACCOUNT, SPOKE_VPC, &hub.id, HUB_VPC);
    replacement["description"] = json!("only the seed spoke");
    replacement["resources"][0]["attributes"][2] =
        json!({ "name": "vpcId", "operator": "stringMatch", "value": "r006-*" });

    let (status, body) = server.call(Method::PUT, &path, Some(&hub.token), Some(replacement.clone())).await;
    assert_envelope(&body, status, "invalid_body");
    let response = server
        .request(
            Method::PUT,
            &path,
            Some(&hub.token),
            Some(replacement.clone()),
            &[("If-Match", "1-00000000000000000000000000000000")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED);
    assert_envelope(&parse_body(response).await, StatusCode::PRECONDITION_FAILED, "request_not_processed");

    let response =
        server.request(Method::PUT, &path, Some(&hub.token), Some(replacement.clone()), &[("If-Match", &etag)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let new_etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert!(new_etag.starts_with("2-") && new_etag != etag);
    let replaced = parse_body(response).await;
    assert_eq!(replaced["description"], "only the seed spoke");
    assert_eq!(replaced["resources"][0]["attributes"][2]["operator"], "stringMatch");
    assert_eq!(replaced["created_at"], created["created_at"]);
    // The old ETag is now stale.
    let response =
        server.request(Method::PUT, &path, Some(&hub.token), Some(replacement), &[("If-Match", &etag)]).await;
    assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED);

    let response = server.request(Method::DELETE, &path, Some(&hub.token), None, &[]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.bytes().await.unwrap().is_empty());
    let response = server.request(Method::GET, &path, Some(&hub.token), None, &[]).await;
    let deleted_etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(parse_body(response).await["state"], "deleted");
    let (status, body) = server.call(Method::DELETE, &path, Some(&hub.token), None).await;
    assert_eq!(assert_envelope(&body, status, "policy_not_found"), format!("Policy with Id {id} not found."));

    let response = server
        .request(
            Method::PATCH,
            &path,
            Some(&hub.token),
            Some(json!({ "state": "active" })),
            &[("If-Match", &deleted_etag)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let restored_etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(parse_body(response).await["state"], "active");
    // Patching an active policy to active is accepted and changes nothing.
    let response = server
        .request(
            Method::PATCH,
            &path,
            Some(&hub.token),
            Some(json!({ "state": "active" })),
            &[("If-Match", &restored_etag)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["etag"].to_str().unwrap(), restored_etag);
    for bad in [json!({ "state": "gone" }), json!({})] {
        let response = server.request(Method::PATCH, &path, Some(&hub.token), Some(bad), &[("If-Match", "*")]).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn v1_and_v2_are_two_views_of_one_policy() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    // Terraform creates through v2 ...
    let body = terraform_v2_policy(SPOKE_ACCOUNT, SPOKE_VPC, &hub.id, HUB_VPC);
    let (status, created) = server.call(Method::POST, "/v2/policies", Some(&hub.token), Some(body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["subject"], body["subject"]);
    assert_eq!(created["resource"], body["resource"]);
    assert_eq!(created["control"], body["control"]);
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["href"], json!(server.url(&format!("/v2/policies/{id}"))));
    // ... checks existence through v1 ...
    let (status, v1) = server.call(Method::GET, &format!("/v1/policies/{id}"), Some(&hub.token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v1["subjects"][0]["attributes"][3], json!({ "name": "resource", "value": SPOKE_VPC }));
    assert_eq!(
        v1["resources"][0]["attributes"][2],
        json!({ "name": "vpcId", "value": HUB_VPC, "operator": "stringEquals" })
    );
    // ... reads roles with actions ...
    let (_, display) =
        server.call(Method::GET, &format!("/v2/policies/{id}?format=display"), Some(&hub.token), None).await;
    let role = &display["control"]["grant"]["roles"][0];
    assert_eq!(role["display_name"], "DNS Binding Connector");
    assert_eq!(role["actions"][1]["id"], "is.vpc.dns-resolution-binding.connect");
    // ... and deletes through v1.
    let (status, _) = server.call(Method::DELETE, &format!("/v1/policies/{id}"), Some(&hub.token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, v2) = server.call(Method::GET, &format!("/v2/policies/{id}"), Some(&hub.token), None).await;
    assert_eq!(v2["state"], "deleted");

    // A policy only v2 can express shows up in v1 as IBM's placeholder pointing at v2.
    let mut exists = terraform_v2_policy(SPOKE_ACCOUNT, SPOKE_VPC, &hub.id, HUB_VPC);
    exists["subject"]["attributes"][3] = json!({ "key": "resourceGroupId", "operator": "stringExists", "value": true });
    let (status, created) = server.call(Method::POST, "/v2/policies", Some(&hub.token), Some(exists)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    let (_, v1) = server.call(Method::GET, &format!("/v1/policies/{id}"), Some(&hub.token), None).await;
    assert!(v1["description"].as_str().unwrap().contains("unsupported policy version placeholder"));
    assert_eq!(v1["href"], json!(server.url(&format!("/v2/policies/{id}"))));
    assert_eq!(v1["state"], "active");

    // v2 replace works on a v1-created policy.
    let (_, v1_created) = server
        .call(
            Method::POST,
            "/v1/policies",
            Some(&hub.token),
            Some(seed_policy(SPOKE_ACCOUNT, "r006-other", &hub.id, HUB_VPC)),
        )
        .await;
    let path = format!("/v2/policies/{}", v1_created["id"].as_str().unwrap());
    let etag = server.request(Method::GET, &path, Some(&hub.token), None, &[]).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let mut body = terraform_v2_policy(SPOKE_ACCOUNT, "r006-third", &hub.id, HUB_VPC);
    body["description"] = json!("upgraded");
    let response = server.request(Method::PUT, &path, Some(&hub.token), Some(body), &[("If-Match", &etag)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(parse_body(response).await["description"], "upgraded");
}

#[tokio::test]
async fn duplicates_are_409_with_the_existing_policy() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let body = seed_policy(SPOKE_ACCOUNT, SPOKE_VPC, &hub.id, HUB_VPC);
    let (_, first) = server.call(Method::POST, "/v1/policies", Some(&hub.token), Some(body.clone())).await;
    // The same attributes in another order, through v2, are still the same policy.
    let mut v2 = terraform_v2_policy(SPOKE_ACCOUNT, SPOKE_VPC, &hub.id, HUB_VPC);
    v2["subject"]["attributes"].as_array_mut().unwrap().reverse();
    for (path, body) in [("/v1/policies", body), ("/v2/policies", v2)] {
        let (status, error) = server.call(Method::POST, path, Some(&hub.token), Some(body)).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let message = assert_envelope(&error, status, "policy_conflict_error");
        assert!(message.contains(first["id"].as_str().unwrap()), "{message}");
        let conflict = &error["errors"][0]["details"]["conflicts_with"];
        assert_eq!(conflict["policy"]["id"], first["id"]);
        assert!(conflict["etag"].as_str().unwrap().starts_with("1-"));
        // Even through v2, the conflicting policy's href points at v1, as IBM's does.
        assert_eq!(conflict["policy"]["href"], first["href"]);
    }
}

#[tokio::test]
async fn lists_page_like_the_sdk_pagers_expect() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let (status, created) = server
            .call(
                Method::POST,
                "/v1/policies",
                Some(&hub.token),
                Some(seed_policy(SPOKE_ACCOUNT, &format!("r006-spoke-{n}"), &hub.id, HUB_VPC)),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    let (_, all) =
        server.call(Method::GET, &format!("/v1/policies?account_id={}", hub.id), Some(&hub.token), None).await;
    assert_eq!(all["policies"].as_array().unwrap().len(), 5);
    assert!(all.get("next").is_none(), "no limit, no paging");

    let mut seen = Vec::new();
    let mut path = format!("/v2/policies?account_id={}&type=authorization&limit=2", hub.id);
    for _ in 0..10 {
        let (status, page) = server.call(Method::GET, &path, Some(&hub.token), None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["limit"], 2);
        seen.extend(page["policies"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()));
        match page["next"]["start"].as_str() {
            Some(start) => {
                path = format!("/v2/policies?account_id={}&type=authorization&limit=2&start={start}", hub.id)
            }
            None => break,
        }
    }
    assert_eq!(seen, ids, "every policy once, oldest first");

    let (_, sorted) =
        server.call(Method::GET, &format!("/v1/policies?account_id={}&sort=-id", hub.id), Some(&hub.token), None).await;
    let mut descending = ids.clone();
    descending.sort();
    descending.reverse();
    let got: Vec<&str> = sorted["policies"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(got, descending);

    server.call(Method::DELETE, &format!("/v1/policies/{}", ids[0]), Some(&hub.token), None).await;
    let count = |body: &Value| body["policies"].as_array().unwrap().len();
    let (_, active) =
        server.call(Method::GET, &format!("/v1/policies?account_id={}", hub.id), Some(&hub.token), None).await;
    let (_, deleted) = server
        .call(Method::GET, &format!("/v1/policies?account_id={}&state=deleted", hub.id), Some(&hub.token), None)
        .await;
    let (_, access) = server
        .call(Method::GET, &format!("/v1/policies?account_id={}&type=access", hub.id), Some(&hub.token), None)
        .await;
    let (_, by_service) = server
        .call(Method::GET, &format!("/v2/policies?account_id={}&service_name=kms", hub.id), Some(&hub.token), None)
        .await;
    assert_eq!((count(&active), count(&deleted), count(&access), count(&by_service)), (4, 1, 0, 0));

    let refusals = [
        ("/v1/policies", StatusCode::BAD_REQUEST, "missing_required_query_parameter"),
        ("/v1/policies?account_id=not-an-account", StatusCode::BAD_REQUEST, "invalid_query_parameter"),
        ("/v1/policies?account_id={acct}&limit=0", StatusCode::BAD_REQUEST, "invalid_query_parameter"),
        ("/v1/policies?account_id={acct}&limit=abc", StatusCode::BAD_REQUEST, "invalid_query_parameter"),
        ("/v1/policies?account_id={acct}&start=forged", StatusCode::BAD_REQUEST, "invalid_query_parameter"),
        ("/v1/policies?account_id={acct}&sort=name", StatusCode::BAD_REQUEST, "invalid_query_parameter"),
        ("/v1/policies?account_id={acct}&state=gone", StatusCode::BAD_REQUEST, "invalid_query_parameter"),
        ("/v1/policies?account_id={acct}&type=other", StatusCode::BAD_REQUEST, "invalid_query_parameter"),
        ("/v2/policies?account_id={acct}&format=fancy", StatusCode::BAD_REQUEST, "invalid_query_parameter"),
    ];
    for (path, status, code) in refusals {
        let (got, body) = server.call(Method::GET, &path.replace("{acct}", &hub.id), Some(&hub.token), None).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_envelope(&body, status, code);
    }
}

#[tokio::test]
async fn accounts_only_manage_their_own_authorizations() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let other = server.account("other").await;
    let operator = server.operator_token().await;
    let (_, created) = server
        .call(
            Method::POST,
            "/v1/policies",
            Some(&hub.token),
            Some(seed_policy(SPOKE_ACCOUNT, SPOKE_VPC, &hub.id, HUB_VPC)),
        )
        .await;
    let id = created["id"].as_str().unwrap();

    // The other account cannot create a policy whose target is in the hub account ...
    let (status, body) = server
        .call(
            Method::POST,
            "/v1/policies",
            Some(&other.token),
            Some(seed_policy(SPOKE_ACCOUNT, "r006-x", &hub.id, HUB_VPC)),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let message = assert_envelope(&body, status, "insufficent_permissions");
    assert!(message.contains(&hub.id), "{message}");
    // ... nor see, replace or delete the hub's policies, and its list of the hub's account is empty.
    for method in [Method::GET, Method::DELETE] {
        let (status, body) = server.call(method.clone(), &format!("/v1/policies/{id}"), Some(&other.token), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method}");
        assert_envelope(&body, status, "policy_not_found");
    }
    let response = server
        .request(
            Method::PUT,
            &format!("/v1/policies/{id}"),
            Some(&other.token),
            Some(seed_policy(SPOKE_ACCOUNT, SPOKE_VPC, &other.id, HUB_VPC)),
            &[("If-Match", "*")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let (status, list) =
        server.call(Method::GET, &format!("/v1/policies?account_id={}", hub.id), Some(&other.token), None).await;
    assert_eq!((status, list["policies"].as_array().unwrap().len()), (StatusCode::OK, 0));

    // The hub cannot move its policy into another account by replacing it.
    let response = server
        .request(
            Method::PUT,
            &format!("/v1/policies/{id}"),
            Some(&hub.token),
            Some(seed_policy(SPOKE_ACCOUNT, SPOKE_VPC, &other.id, HUB_VPC)),
            &[("If-Match", "*")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // The operator may do everything.
    let (status, _) = server.call(Method::GET, &format!("/v1/policies/{id}"), Some(&operator), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, list) =
        server.call(Method::GET, &format!("/v1/policies?account_id={}", hub.id), Some(&operator), None).await;
    assert_eq!((status, list["policies"].as_array().unwrap().len()), (StatusCode::OK, 1));
    let (status, created) = server
        .call(
            Method::POST,
            "/v1/policies",
            Some(&operator),
            Some(seed_policy(SPOKE_ACCOUNT, "r006-op", &other.id, HUB_VPC)),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["created_by_id"], "iam-hubspoke-operator");
}

#[tokio::test]
async fn validation_errors_name_the_problem() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let seed = || seed_policy(SPOKE_ACCOUNT, SPOKE_VPC, &hub.id, HUB_VPC);
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "/v1/policies",
            Box::new(|b| b["type"] = json!("access")),
            "the subject of an access policy has exactly one attribute",
        ),
        ("/v1/policies", Box::new(|b| b["type"] = json!("other")), "`type` is `other`"),
        (
            "/v1/policies",
            Box::new(|b| {
                b.as_object_mut().unwrap().remove("roles");
            }),
            "missing field `roles`",
        ),
        (
            "/v1/policies",
            Box::new(|b| b["subjects"] = json!([])),
            "`subjects` must hold exactly one element; it holds 0",
        ),
        (
            "/v1/policies",
            Box::new(|b| {
                let r = b["resources"][0].clone();
                b["resources"].as_array_mut().unwrap().push(r);
            }),
            "`resources` must hold exactly one element; it holds 2",
        ),
        (
            "/v1/policies",
            Box::new(|b| b["subjects"][0]["attributes"][0]["value"] = json!("Account S (Spoke)")),
            "is not an account id",
        ),
        (
            "/v1/policies",
            Box::new(|b| b["subjects"][0]["attributes"][1]["value"] = json!(5)),
            "hubspoke knows no roles for this pair of services",
        ),
        (
            "/v1/policies",
            Box::new(|b| b["subjects"][0]["attributes"][1]["value"] = json!({"x": 1})),
            "has a object value",
        ),
        (
            "/v1/policies",
            Box::new(|b| b["subjects"][0]["attributes"][1]["name"] = json!(7)),
            "`subjects[0].attributes[1].name` is not valid",
        ),
        (
            "/v1/policies",
            Box::new(|b| b["roles"][0]["role_id"] = json!("crn:v1:bluemix:public:iam::::role:Viewer2")),
            "is not valid for an authorization from source service `is` to target service `is`",
        ),
        (
            "/v1/policies",
            Box::new(|b| b["resources"][0]["tags"] = json!([{"name": "a", "value": "b"}])),
            "tags are not supported",
        ),
        (
            "/v1/policies",
            Box::new(|b| b["resources"][0]["attributes"][2]["operator"] = json!("stringExists")),
            "is not supported here",
        ),
    ];
    for (path, edit, expected) in cases {
        let mut body = seed();
        edit(&mut body);
        let (status, error) = server.call(Method::POST, path, Some(&hub.token), Some(body)).await;
        let message = assert_envelope(&error, status, "invalid_body");
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(message.contains(expected), "expected `{expected}` in `{message}`");
    }
    let mut v2 = terraform_v2_policy(SPOKE_ACCOUNT, SPOKE_VPC, &hub.id, HUB_VPC);
    v2["rule"] = json!({ "operator": "and", "conditions": [] });
    let (status, error) = server.call(Method::POST, "/v2/policies", Some(&hub.token), Some(v2)).await;
    assert!(assert_envelope(&error, status, "invalid_body").contains("`rule` and `pattern`"));
}

#[tokio::test]
async fn the_seed_curl_command_without_a_json_content_type_works() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    // `curl -sX POST ... -H "Authorization: Bearer ..." -d '$request_body'` labels the body as a form.
    let response = server
        .client
        .post(server.url("/v1/policies"))
        .bearer_auth(&hub.token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(seed_policy(SPOKE_ACCOUNT, SPOKE_VPC, &hub.id, HUB_VPC).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = server
        .client
        .post(server.url("/v1/policies"))
        .bearer_auth(&hub.token)
        .header("content-type", "application/xml")
        .body("<policy/>")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_envelope(&parse_body(response).await, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_content_type");
}
