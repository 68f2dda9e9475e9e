//! Identities inside an account over HTTP: users (User Management), service IDs and API keys (IAM Identity), the
//! claims of their tokens, and the interim rule that lets only the administrator do more than read its own identity.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Account, Server, assert_envelope, parse_body};

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_else(|| panic!("not text: {value}")).to_owned()
}

/// The IAM Identity error envelope with this code, `message_code` and a trace; returns the message.
fn assert_identity_envelope(body: &Value, status: StatusCode, code: &str) -> String {
    let message = assert_envelope(body, status, code);
    let message_code = body["errors"][0]["message_code"].as_str().unwrap_or_default();
    assert!(message_code.starts_with("BXNIM"), "{body}");
    message
}

/// Exchanges a key; the status and body of the token endpoint.
async fn exchange(server: &Server, api_key: &str) -> (StatusCode, Value) {
    let response = server
        .client
        .post(server.url("/identity/token"))
        .form(&[("grant_type", "urn:ibm:params:oauth:grant-type:apikey"), ("apikey", api_key)])
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, parse_body(response).await)
}

async fn ok(server: &Server, token: &str, method: Method, path: &str, body: Option<Value>) -> Value {
    let (status, body) = server.call(method.clone(), path, Some(token), body).await;
    assert!(status.is_success(), "{method} {path}: {status} {body}");
    body
}

/// A service ID of `account` created by its administrator, with a first key; (service ID, key secret).
async fn service_id_with_key(server: &Server, account: &Account, name: &str) -> (Value, String) {
    let body = json!({ "account_id": account.id, "name": name, "description": "builds things",
                       "apikey": { "name": format!("{name}-key") } });
    let created = ok(server, &account.token, Method::POST, "/v1/serviceids/", Some(body)).await;
    let secret = text(&created["apikey"]["apikey"]);
    (created, secret)
}

#[tokio::test]
async fn the_administrator_is_a_user_and_its_key_an_ordinary_api_key() {
    let server = Server::ephemeral().await;
    let account = server.account("hub").await;
    let users = ok(&server, &account.token, Method::GET, &format!("/v2/accounts/{}/users", account.id), None).await;
    assert_eq!(users["total_results"], 1, "{users}");
    let administrator = &users["resources"][0];
    let iam_id = format!("IBMid-admin-{}", account.id);
    assert_eq!(administrator["iam_id"], json!(iam_id));
    assert_eq!(administrator["state"], "ACTIVE");
    assert_eq!(administrator["email"], json!(format!("admin-{}@hubspoke.invalid", account.id)));

    let token_claims = claims(&account.token);
    assert_eq!(token_claims["iam_id"], json!(iam_id));
    assert_eq!(token_claims["sub"], administrator["email"]);
    assert_eq!(token_claims["realmid"], "IBMid");
    assert_eq!(token_claims["identifier"], json!(format!("admin-{}", account.id)));
    assert_eq!(token_claims["name"], "Account Administrator");
    assert_eq!(token_claims["account"]["bss"], json!(account.id));

    // The caller's own keys, by default.
    let keys = ok(&server, &account.token, Method::GET, "/v1/apikeys", None).await;
    assert_eq!(keys["apikeys"].as_array().unwrap().len(), 1, "{keys}");
    let key = &keys["apikeys"][0];
    assert_eq!((key["iam_id"].as_str(), key["apikey"].as_str()), (Some(iam_id.as_str()), Some("")));
    assert!(text(&key["id"]).starts_with("ApiKey-"));
    assert_eq!(
        key["crn"],
        json!(format!("crn:v1:bluemix:public:iam-identity::a/{}::apikey:{}", account.id, text(&key["id"])))
    );
    // The details of the key the header carries.
    let response = server
        .request(Method::GET, "/v1/apikeys/details", Some(&account.token), None, &[("IAM-ApiKey", &account.api_key)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let details = parse_body(response).await;
    assert_eq!((details["id"].clone(), details["apikey"].clone()), (key["id"].clone(), json!("")));
    let response = server
        .request(Method::GET, "/v1/apikeys/details", Some(&account.token), None, &[("IAM-ApiKey", "not-a-key-at-all")])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_identity_envelope(&parse_body(response).await, StatusCode::NOT_FOUND, "not_found");
    // The administrator cannot be removed.
    let (status, body) = server
        .call(Method::DELETE, &format!("/v2/accounts/{}/users/{iam_id}", account.id), Some(&account.token), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn service_ids_are_created_paged_updated_locked_and_deleted_with_their_keys() {
    let server = Server::ephemeral().await;
    let account = server.account("hub").await;
    let token = &account.token;
    let (created, secret) = service_id_with_key(&server, &account, "builder").await;
    let id = text(&created["id"]);
    assert!(id.starts_with("ServiceId-"), "{created}");
    assert_eq!(created["iam_id"], json!(format!("iam-{id}")));
    assert_eq!(created["crn"], json!(format!("crn:v1:bluemix:public:iam-identity::a/{}::serviceid:{id}", account.id)));
    assert_eq!((created["locked"].as_bool(), created["unique_instance_crns"].clone()), (Some(false), json!([])));
    assert!(text(&created["entity_tag"]).starts_with("1-"), "{created}");
    assert!(text(&created["created_at"]).ends_with("+0000"), "{created}");
    assert_eq!(secret.len(), 43);
    assert_eq!(created["apikey"]["iam_id"], created["iam_id"]);

    // The key reads back without its secret, and the service ID with its ETag.
    let key_id = text(&created["apikey"]["id"]);
    let key = ok(&server, token, Method::GET, &format!("/v1/apikeys/{key_id}"), None).await;
    assert_eq!(key["apikey"], "");
    let response = server.request(Method::GET, &format!("/v1/serviceids/{id}"), Some(token), None, &[]).await;
    assert_eq!(response.headers()["etag"].to_str().unwrap(), created["entity_tag"].as_str().unwrap());

    // Updates need If-Match, and a stale one is refused.
    let path = format!("/v1/serviceids/{id}");
    let rename = json!({ "name": "renamed", "description": "" });
    let (status, body) = server.call(Method::PUT, &path, Some(token), Some(rename.clone())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let response =
        server.request(Method::PUT, &path, Some(token), Some(rename.clone()), &[("If-Match", "7-stale")]).await;
    assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED);
    assert_identity_envelope(&parse_body(response).await, StatusCode::PRECONDITION_FAILED, "precondition_failed");
    let tag = text(&created["entity_tag"]);
    let response = server.request(Method::PUT, &path, Some(token), Some(rename), &[("If-Match", &tag)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let renamed = parse_body(response).await;
    assert_eq!(renamed["name"], "renamed");
    assert!(renamed.get("description").is_none(), "`\"\"` clears the description: {renamed}");
    assert!(text(&renamed["entity_tag"]).starts_with("2-"));

    // A locked service ID can be neither changed nor deleted.
    ok(&server, token, Method::POST, &format!("{path}/lock"), None).await;
    let response =
        server.request(Method::PUT, &path, Some(token), Some(json!({ "name": "x" })), &[("If-Match", "*")]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let message = assert_identity_envelope(&parse_body(response).await, StatusCode::BAD_REQUEST, "entity_locked");
    assert!(message.contains("locked"), "{message}");
    let (status, _) = server.call(Method::DELETE, &path, Some(token), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    ok(&server, token, Method::DELETE, &format!("{path}/lock"), None).await;

    // Pages of one, following `next` by its `pagetoken`.
    for name in ["second", "third"] {
        ok(&server, token, Method::POST, "/v1/serviceids", Some(json!({ "account_id": account.id, "name": name })))
            .await;
    }
    let mut names = Vec::new();
    let mut next = Some(format!("/v1/serviceids/?account_id={}&pagesize=1", account.id));
    while let Some(page) = next {
        let body = ok(&server, token, Method::GET, &page, None).await;
        assert_eq!(body["serviceids"].as_array().unwrap().len(), 1, "{body}");
        names.push(text(&body["serviceids"][0]["name"]));
        next = body["next"].as_str().map(str::to_owned);
    }
    assert_eq!(names, ["renamed", "second", "third"]);
    let sorted = ok(&server, token, Method::GET, "/v1/serviceids?sort=name&order=desc", None).await;
    let sorted: Vec<String> = sorted["serviceids"].as_array().unwrap().iter().map(|s| text(&s["name"])).collect();
    assert_eq!(sorted, ["third", "second", "renamed"]);

    // The service ID's key authenticates until the service ID is deleted, and its keys with it.
    assert_eq!(exchange(&server, &secret).await.0, StatusCode::OK);
    let (status, _) = server.call(Method::DELETE, &path, Some(token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = server.call(Method::GET, &path, Some(token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_identity_envelope(&body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = exchange(&server, &secret).await;
    assert_eq!((status, body["errorCode"].as_str()), (StatusCode::BAD_REQUEST, Some("BXNIM0415E")));
    let (status, _) = server.call(Method::GET, &format!("/v1/apikeys/{key_id}"), Some(token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_locked_key_still_authenticates_and_a_deleted_one_stops() {
    let server = Server::ephemeral().await;
    let account = server.account("hub").await;
    let token = &account.token;
    let iam_id = format!("IBMid-admin-{}", account.id);
    let response = server
        .request(
            Method::POST,
            "/v1/apikeys",
            Some(token),
            Some(json!({ "name": "ci", "iam_id": iam_id, "action_when_leaked": "delete" })),
            &[("Entity-Lock", "true")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created = parse_body(response).await;
    let (id, secret) = (text(&created["id"]), text(&created["apikey"]));
    assert_eq!((created["locked"].as_bool(), created["created_by"].clone()), (Some(true), json!(iam_id)));
    assert_eq!(created["action_when_leaked"], "delete");

    // Locked: it still authenticates, but cannot be changed or deleted.
    let (status, issued) = exchange(&server, &secret).await;
    assert_eq!(status, StatusCode::OK);
    let issued = text(&issued["access_token"]);
    let path = format!("/v1/apikeys/{id}");
    let response =
        server.request(Method::PUT, &path, Some(token), Some(json!({ "name": "x" })), &[("If-Match", "*")]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(server.call(Method::DELETE, &path, Some(token), None).await.0, StatusCode::BAD_REQUEST);
    ok(&server, token, Method::DELETE, &format!("{path}/lock"), None).await;
    let response = server
        .request(Method::PUT, &path, Some(token), Some(json!({ "description": "for CI" })), &[("If-Match", "*")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let updated = parse_body(response).await;
    assert_eq!((updated["description"].as_str(), updated["apikey"].as_str()), (Some("for CI"), Some("")));

    // Deleted: the key no longer authenticates; the token it gave stays valid until it expires.
    assert_eq!(server.call(Method::DELETE, &path, Some(token), None).await.0, StatusCode::NO_CONTENT);
    let (status, body) = exchange(&server, &secret).await;
    assert_eq!((status, body["errorCode"].as_str()), (StatusCode::BAD_REQUEST, Some("BXNIM0415E")));
    assert_eq!(server.call(Method::GET, "/v1/apikeys", Some(&issued), None).await.0, StatusCode::OK);
    // The account's own key is untouched.
    assert_eq!(exchange(&server, &account.api_key).await.0, StatusCode::OK);

    // Bad keys: a short chosen secret, a user key with `store_value`, an unknown identity.
    for (body, status) in [
        (json!({ "name": "k", "iam_id": iam_id, "apikey": "short" }), StatusCode::BAD_REQUEST),
        (json!({ "name": "k", "iam_id": iam_id, "store_value": true }), StatusCode::BAD_REQUEST),
        (json!({ "name": "k", "iam_id": iam_id, "expires_at": "tomorrow" }), StatusCode::BAD_REQUEST),
        (json!({ "name": "", "iam_id": iam_id }), StatusCode::BAD_REQUEST),
        (json!({ "name": "k", "iam_id": "IBMid-NOBODY0000" }), StatusCode::NOT_FOUND),
    ] {
        let (got, answer) = server.call(Method::POST, "/v1/apikeys", Some(token), Some(body.clone())).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(answer["errors"][0]["message_code"].is_string(), "{answer}");
    }
}

#[tokio::test]
async fn a_service_ids_token_carries_its_claims_and_reads_only_its_own_identity() {
    let server = Server::ephemeral().await;
    let account = server.account("hub").await;
    let (service, secret) = service_id_with_key(&server, &account, "deployer").await;
    let (other, _) = service_id_with_key(&server, &account, "other").await;
    let (id, iam_id) = (text(&service["id"]), text(&service["iam_id"]));
    let (status, body) = exchange(&server, &secret).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = text(&body["access_token"]);
    let token_claims = claims(&token);
    assert_eq!((token_claims["iam_id"].as_str(), token_claims["id"].as_str()), (Some(&*iam_id), Some(&*iam_id)));
    assert_eq!(token_claims["sub"], json!(id));
    assert_eq!(token_claims["sub_type"], "ServiceId");
    assert_eq!(token_claims["identifier"], json!(id));
    assert_eq!(token_claims["realmid"], "iam");
    assert_eq!(token_claims["name"], "deployer");
    assert_eq!(token_claims["authn"]["iam_id"], json!(iam_id));
    assert_eq!(token_claims["account"]["bss"], json!(account.id));

    // Its own identity: itself, its keys, the details of its key.
    ok(&server, &token, Method::GET, &format!("/v1/serviceids/{id}"), None).await;
    let keys = ok(&server, &token, Method::GET, "/v1/apikeys", None).await;
    assert_eq!(keys["apikeys"].as_array().unwrap().len(), 1, "{keys}");
    assert_eq!(keys["apikeys"][0]["iam_id"], json!(iam_id));
    let response =
        server.request(Method::GET, "/v1/apikeys/details", Some(&token), None, &[("IAM-ApiKey", &secret)]).await;
    assert_eq!(response.status(), StatusCode::OK);

    // Everything else is refused with each API's 403.
    let other_path = format!("/v1/serviceids/{}", text(&other["id"]));
    let identity_refusals = [
        (Method::GET, other_path.clone(), None),
        (Method::PUT, format!("/v1/serviceids/{id}"), Some(json!({ "name": "mine" }))),
        (Method::POST, format!("/v1/serviceids/{id}/lock"), None),
        (Method::POST, "/v1/serviceids".to_owned(), Some(json!({ "account_id": account.id, "name": "more" }))),
        (Method::POST, "/v1/apikeys".to_owned(), Some(json!({ "name": "more", "iam_id": iam_id }))),
    ];
    for (method, path, body) in identity_refusals {
        let response = server.request(method.clone(), &path, Some(&token), body, &[("If-Match", "*")]).await;
        let status = response.status();
        let body = parse_body(response).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
        let message = assert_identity_envelope(&body, StatusCode::FORBIDDEN, "forbidden");
        assert_eq!(message, "You are not authorized to use this API.");
        assert!(text(&body["errors"][0]["details"]).contains(&iam_id), "{body}");
    }
    let listed = ok(&server, &token, Method::GET, "/v1/serviceids", None).await;
    assert_eq!(listed["serviceids"].as_array().unwrap().len(), 1, "only itself: {listed}");
    // Without access policies, everything else is refused, or lists nothing it may not read.
    let (status, policies) =
        server.call(Method::GET, &format!("/v1/policies?account_id={}", account.id), Some(&token), None).await;
    assert_eq!((status, policies["policies"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)), "{policies}");
    let others = [
        (Method::GET, "/v1/vpcs?version=2025-01-01".to_owned(), "not_authorized"),
        (Method::GET, format!("/v2/accounts/{}/users", account.id), "forbidden"),
        (Method::GET, format!("/v1/accounts/{}/settings/identity", account.id), "forbidden"),
        (Method::GET, "/_hubspoke/events".to_owned(), "forbidden"),
    ];
    for (method, path, code) in others {
        let (status, body) = server.call(method.clone(), &path, Some(&token), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
        assert_envelope(&body, StatusCode::FORBIDDEN, code);
    }
    // The administrator still does everything.
    ok(&server, &account.token, Method::GET, &format!("/v1/policies?account_id={}", account.id), None).await;
}

#[tokio::test]
async fn invited_users_get_keys_manage_their_own_and_the_service_ids_they_create() {
    let server = Server::ephemeral().await;
    let account = server.account("hub").await;
    let admin = &account.token;
    let users_path = format!("/v2/accounts/{}/users", account.id);
    let (status, invited) = server
        .call(
            Method::POST,
            &users_path,
            Some(admin),
            Some(json!({ "users": [{ "email": "Ana@Example.com", "account_role": "Member" },
                                   { "email": "bo@example.com" }] })),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{invited}");
    let ana = text(&invited["resources"][0]["id"]);
    assert!(ana.starts_with("IBMid-") && ana.len() == 16, "{invited}");
    assert_eq!(invited["resources"][0]["email"], "ana@example.com");
    // Inviting an address twice is a conflict.
    let again = json!({ "users": [{ "email": "ana@example.com" }] });
    assert_eq!(server.call(Method::POST, &users_path, Some(admin), Some(again)).await.0, StatusCode::CONFLICT);

    // The list pages by `limit`, following `next_url`.
    let mut seen = Vec::new();
    let mut next = Some(format!("{users_path}?limit=2"));
    while let Some(page) = next {
        let body = ok(&server, admin, Method::GET, &page, None).await;
        assert_eq!(body["total_results"], 3);
        seen.extend(body["resources"].as_array().unwrap().iter().map(|user| text(&user["email"])));
        next = body["next_url"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len(), 3);
    assert!(seen.contains(&"bo@example.com".to_owned()), "{seen:?}");

    // The administrator changes a profile and gives the user a key.
    let ana_path = format!("{users_path}/{ana}");
    let patch = json!({ "firstname": "Ana", "lastname": "Lima" });
    assert_eq!(server.call(Method::PATCH, &ana_path, Some(admin), Some(patch)).await.0, StatusCode::NO_CONTENT);
    let profile = ok(&server, admin, Method::GET, &ana_path, None).await;
    assert_eq!((profile["firstname"].as_str(), profile["lastname"].as_str()), (Some("Ana"), Some("Lima")));
    let key = ok(&server, admin, Method::POST, "/v1/apikeys", Some(json!({ "name": "ana", "iam_id": ana }))).await;
    let (status, body) = exchange(&server, &text(&key["apikey"])).await;
    assert_eq!(status, StatusCode::OK);
    let token = text(&body["access_token"]);
    let token_claims = claims(&token);
    assert_eq!(token_claims["iam_id"], json!(ana));
    assert_eq!(token_claims["sub"], "ana@example.com");
    assert_eq!(token_claims["email"], "ana@example.com");
    assert_eq!(
        (token_claims["given_name"].as_str(), token_claims["family_name"].as_str()),
        (Some("Ana"), Some("Lima"))
    );
    assert_eq!(token_claims["identifier"], json!(ana.trim_start_matches("IBMid-")));
    assert_eq!(token_claims["realmid"], "IBMid");

    // Her own keys: create one, list them, delete it.
    let own = ok(&server, &token, Method::POST, "/v1/apikeys", Some(json!({ "name": "laptop", "iam_id": ana }))).await;
    let mine = ok(&server, &token, Method::GET, "/v1/apikeys", None).await;
    assert_eq!(mine["apikeys"].as_array().unwrap().len(), 2, "{mine}");
    ok(&server, &token, Method::DELETE, &format!("/v1/apikeys/{}", text(&own["id"])), None).await;
    // A service ID she creates is hers to manage, keys included.
    let service = ok(
        &server,
        &token,
        Method::POST,
        "/v1/serviceids",
        Some(json!({ "account_id": account.id, "name": "ana-bot" })),
    )
    .await;
    let service_key = json!({ "name": "bot", "iam_id": service["iam_id"], "store_value": true });
    let stored = ok(&server, &token, Method::POST, "/v1/apikeys", Some(service_key)).await;
    let read = ok(&server, &token, Method::GET, &format!("/v1/apikeys/{}", text(&stored["id"])), None).await;
    assert_eq!(read["apikey"], stored["apikey"], "a stored service ID key stays readable");
    // What is not hers is refused: the administrator's key, the users list, another's service ID.
    let admin_keys = ok(&server, admin, Method::GET, "/v1/apikeys", None).await;
    let admin_key = text(&admin_keys["apikeys"][0]["id"]);
    let (status, body) = server.call(Method::GET, &format!("/v1/apikeys/{admin_key}"), Some(&token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_identity_envelope(&body, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(server.call(Method::GET, &users_path, Some(&token), None).await.0, StatusCode::FORBIDDEN);
    let (admins, _) = service_id_with_key(&server, &account, "admins").await;
    let path = format!("/v1/serviceids/{}", text(&admins["id"]));
    assert_eq!(server.call(Method::GET, &path, Some(&token), None).await.0, StatusCode::FORBIDDEN);
    let everything = ok(&server, admin, Method::GET, "/v1/apikeys?scope=account", None).await;
    assert_eq!(everything["apikeys"].as_array().unwrap().len(), 4, "admin, ana, ana-bot, admins: {everything}");

    // Removing the user removes her keys.
    assert_eq!(server.call(Method::DELETE, &ana_path, Some(admin), None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(server.call(Method::GET, &ana_path, Some(admin), None).await.0, StatusCode::NOT_FOUND);
    let (status, body) = exchange(&server, &text(&key["apikey"])).await;
    assert_eq!((status, body["errorCode"].as_str()), (StatusCode::BAD_REQUEST, Some("BXNIM0415E")));
}

#[tokio::test]
async fn the_operator_reaches_every_accounts_identities_by_naming_the_account() {
    let server = Server::ephemeral().await;
    let account = server.account("hub").await;
    let operator = server.operator_token().await;
    let created =
        ok(&server, &operator, Method::POST, "/v1/serviceids", Some(json!({ "account_id": account.id, "name": "op" })))
            .await;
    assert_eq!(created["account_id"], json!(account.id));
    let listed = ok(&server, &account.token, Method::GET, "/v1/serviceids", None).await;
    assert_eq!(listed["serviceids"][0]["id"], created["id"]);
    let (status, body) = server.call(Method::GET, "/v1/serviceids", Some(&operator), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the operator has no account of its own: {body}");
}

#[tokio::test]
async fn invitations_give_access_groups_and_access_policies_whole_or_not_at_all() {
    let server = Server::ephemeral().await;
    let account = server.account("hub").await;
    let other = server.account("other").await;
    let admin = &account.token;
    let users_path = format!("/v2/accounts/{}/users", account.id);
    let group = |who: &Account, name: &str| {
        let (server, who, name) = (&server, who.clone(), name.to_owned());
        async move {
            let path = format!("/v2/groups?account_id={}", who.id);
            text(&ok(server, &who.token, Method::POST, &path, Some(json!({ "name": name }))).await["id"])
        }
    };
    let (developers, operators, foreign) =
        (group(&account, "developers").await, group(&account, "operators").await, group(&other, "foreign").await);
    // The SDK's own example: Viewer on every resource group of the account, and two access groups.
    let viewer = json!({
        "type": "access",
        "roles": [{ "role_id": "crn:v1:bluemix:public:iam::::role:Viewer" }],
        "resources": [{ "attributes": [
            { "name": "accountId", "value": account.id },
            { "name": "resourceGroupId", "value": "*" },
        ] }],
    });
    let on_is = json!({
        "type": "access",
        "roles": [{ "role_id": "crn:v1:bluemix:public:iam::::role:Editor" }],
        "resources": [{ "attributes": [
            { "name": "accountId", "value": account.id },
            { "name": "serviceName", "value": "is" },
        ] }],
    });
    let invitation = |emails: &[&str], policies: Value, groups: Value| {
        let users: Vec<Value> =
            emails.iter().map(|email| json!({ "email": email, "account_role": "Member" })).collect();
        json!({ "users": users, "iam_policy": policies, "access_groups": groups })
    };
    let user_count = || async { ok(&server, admin, Method::GET, &users_path, None).await["total_results"].clone() };

    // Whatever cannot hold is refused before anything is written: another account's group answers as a missing one.
    let missing = "AccessGroupId-0e9c1f3a-7b4d-4c2e-9f10-abcdef012345";
    let mut bad_role = on_is.clone();
    bad_role["roles"][0]["role_id"] = json!("crn:v1:bluemix:public:iam::::role:Nobody");
    let mut elsewhere = on_is.clone();
    elsewhere["resources"][0]["attributes"][0]["value"] = json!(other.id);
    let mut authorization = on_is.clone();
    authorization["type"] = json!("authorization");
    let mut messages = Vec::new();
    for (policies, groups, fragment) in [
        (json!([viewer]), json!([developers, foreign]), "is not an access group of account"),
        (json!([viewer]), json!([developers, missing]), "is not an access group of account"),
        (json!([viewer]), json!(["AccessGroupId-PublicAccess"]), "Public Access"),
        (json!([bad_role]), json!([developers]), "Nobody"),
        (json!([elsewhere]), json!([]), "must be the account invited into"),
        (json!([authorization]), json!([]), "only `access` policies"),
        (json!([viewer, viewer]), json!([]), "grant the same resource"),
    ] {
        let body = invitation(&["refused@example.com"], policies, groups);
        let (status, refused) = server.call(Method::POST, &users_path, Some(admin), Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        let message = assert_envelope(&refused, StatusCode::BAD_REQUEST, "invalid_body");
        assert!(message.contains(fragment), "`{fragment}` in {message}");
        messages.push(message);
    }
    assert_eq!(messages[0].replace(&foreign, "<group>"), messages[1].replace(missing, "<group>"));
    assert_eq!(user_count().await, json!(1), "no refused invitation added a user");

    // A whole invitation: both users join both groups and get both policies.
    let body =
        invitation(&["ana@example.com", "bo@example.com"], json!([viewer, on_is]), json!([developers, operators]));
    let (status, invited) = server.call(Method::POST, &users_path, Some(admin), Some(body)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{invited}");
    assert_eq!(user_count().await, json!(3));
    for user in invited["resources"].as_array().unwrap() {
        let iam_id = text(&user["id"]);
        let groups = format!("/v2/groups?account_id={}&iam_id={iam_id}", account.id);
        let groups = ok(&server, admin, Method::GET, &groups, None).await;
        let mut joined: Vec<String> = groups["groups"].as_array().unwrap().iter().map(|g| text(&g["id"])).collect();
        joined.sort();
        let mut expected = vec![developers.clone(), operators.clone()];
        expected.sort();
        assert_eq!(joined, expected, "{iam_id}");
        let path = format!("/v2/policies?account_id={}&iam_id={iam_id}", account.id);
        let policies = ok(&server, admin, Method::GET, &path, None).await["policies"].clone();
        let policies = policies.as_array().unwrap();
        assert_eq!(policies.len(), 2, "{policies:?}");
        let group_scope = policies
            .iter()
            .flat_map(|policy| policy["resource"]["attributes"].as_array().unwrap().iter())
            .find(|attribute| attribute["key"] == "resourceGroupId")
            .unwrap();
        assert_eq!(group_scope["operator"], "stringMatch", "`*` is every resource group: {group_scope}");
    }

    // The invited user acts with its new policy at once: Editor on `is` creates a VPC.
    let ana = text(&invited["resources"][0]["id"]);
    let key = ok(&server, admin, Method::POST, "/v1/apikeys", Some(json!({ "name": "ana", "iam_id": ana }))).await;
    let token = server.token(&text(&key["apikey"])).await;
    let body = json!({ "name": "invited-vpc", "dns": { "enable_hub": false } });
    let (status, created) =
        server.call(Method::POST, &crate::vpc_rules::with_version("/v1/vpcs"), Some(&token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
}
