//! The Global Catalog (`/api/v1`): the DNS Services service found by search, its plans, their deployments, each entry
//! by id, paging, the 404 of an unknown id, with and without a token; and Resource Controller taking the catalog's
//! plan id and deployment CRN and answering the catalog's ids.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::Server;

async fn get(server: &Server, path: &str, token: Option<&str>) -> (StatusCode, Value) {
    server.call(Method::GET, path, token, None).await
}

#[tokio::test]
async fn global_catalog_serves_the_dns_service_its_plans_and_their_deployments() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;

    // The search, as the provider sends it and bare; the catalog needs no token and ignores one that is sent.
    for (path, token) in [
        ("/api/v1/?q=dns-svcs&include=*", Some(hub.token.as_str())),
        ("/api/v1/?q=dns-svcs&include=*", None),
        ("/api/v1/", None),
        ("/api/v1/?q=DNS%20Services", Some("not-a-token")),
    ] {
        let (status, page) = get(&server, path, token).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        assert_eq!(
            (&page["offset"], &page["limit"], &page["count"], &page["resource_count"], &page["next"]),
            (&json!(0), &json!(200), &json!(1), &json!(1), &Value::Null),
            "{path}: {page}"
        );
        let service = &page["resources"][0];
        assert_eq!(
            (&service["name"], &service["kind"], &service["active"], &service["children"]),
            (&json!("dns-svcs"), &json!("service"), &json!(true), &json!([])),
        );
        assert_eq!(service["metadata"]["service"]["rc_provisionable"], true);
        assert_eq!(service["metadata"]["service"]["iam_compatible"], true);
        assert_eq!(service["overview_ui"]["en"]["display_name"], "DNS Services");
        assert!(service["catalog_crn"].as_str().unwrap().starts_with("crn:v1:bluemix:public:globalcatalog:"));
        assert!(service["url"].as_str().unwrap().ends_with(&format!("/api/v1/{}", service["id"].as_str().unwrap())));
    }
    let (status, none) = get(&server, "/api/v1/?q=cloud-object-storage&include=*", None).await;
    assert_eq!((status, &none["count"], &none["resources"]), (StatusCode::OK, &json!(0), &json!([])));

    let (_, page) = get(&server, "/api/v1/?q=dns-svcs&include=*", None).await;
    let service_id = page["resources"][0]["id"].as_str().unwrap().to_owned();
    let (status, service) = get(&server, &format!("/api/v1/{service_id}"), None).await;
    assert_eq!((status, &service["kind"], &service["name"]), (StatusCode::OK, &json!("service"), &json!("dns-svcs")));

    // The plans, and paging by `_limit` through them: `next` is followed verbatim.
    let (status, plans) = get(&server, &format!("/api/v1/{service_id}/plan"), None).await;
    assert_eq!((status, &plans["count"], &plans["next"]), (StatusCode::OK, &json!(2), &Value::Null), "{plans}");
    let names: Vec<&str> = plans["resources"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["standard-dns", "free-plan"]);
    let (_, first) = get(&server, &format!("/api/v1/{service_id}/plan?_limit=1"), None).await;
    assert_eq!((&first["resource_count"], &first["resources"][0]["name"]), (&json!(1), &json!("standard-dns")));
    let next = first["next"].as_str().unwrap();
    let next_path = &next[next.find("/api/v1/").unwrap()..];
    let (_, second) = get(&server, next_path, None).await;
    assert_eq!((&second["offset"], &second["resources"][0]["name"]), (&json!(1), &json!("free-plan")));
    assert_eq!(second["next"], Value::Null);
    let (status, bad) = get(&server, &format!("/api/v1/{service_id}/plan?_limit=0"), None).await;
    assert_eq!((status, &bad["errors"][0]["target"]["name"]), (StatusCode::BAD_REQUEST, &json!("_limit")), "{bad}");

    for plan in plans["resources"].as_array().unwrap() {
        let plan_id = plan["id"].as_str().unwrap();
        assert_eq!((&plan["kind"], plan["catalog_crn"].is_string()), (&json!("plan"), true));
        let (status, read) = get(&server, &format!("/api/v1/{plan_id}"), None).await;
        assert_eq!((status, &read["kind"], &read["name"]), (StatusCode::OK, &json!("plan"), &plan["name"]));

        // One global deployment per plan, whose target CRN ends in `bluemix-global`.
        let (status, deployments) = get(&server, &format!("/api/v1/{plan_id}/deployment?include=*"), None).await;
        assert_eq!((status, &deployments["count"]), (StatusCode::OK, &json!(1)), "{deployments}");
        let deployment = &deployments["resources"][0];
        assert_eq!(
            (&deployment["kind"], &deployment["metadata"]["rc_compatible"]),
            (&json!("deployment"), &json!(true))
        );
        assert_eq!(deployment["metadata"]["deployment"]["location"], "global");
        let target = deployment["metadata"]["deployment"]["target_crn"].as_str().unwrap();
        assert_eq!(target.split(':').count(), 10, "{target}");
        assert_eq!(target.rsplit(':').next(), Some("bluemix-global"));
        let (status, read) = get(&server, &format!("/api/v1/{}", deployment["id"].as_str().unwrap()), None).await;
        assert_eq!(
            (status, &read["kind"], &read["catalog_crn"]),
            (StatusCode::OK, &json!("deployment"), &deployment["catalog_crn"])
        );
        // A plan has no plans, a deployment no deployments.
        let (status, empty) = get(&server, &format!("/api/v1/{plan_id}/plan"), None).await;
        assert_eq!((status, &empty["count"]), (StatusCode::OK, &json!(0)));
    }

    // Unknown ids are 404 in the error envelope, on every operation.
    for path in ["/api/v1/lite-plan", "/api/v1/lite-plan/plan", "/api/v1/lite-plan/deployment?include=*"] {
        let (status, body) = get(&server, path, Some(&hub.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(body["errors"][0]["code"], "not_found", "{path}: {body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("`lite-plan`"), "{body}");
        assert!(body["trace"].is_string(), "{body}");
    }
}

#[tokio::test]
async fn global_catalog_ids_are_what_resource_controller_takes_and_answers() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let (_, plans) = get(&server, "/api/v1/dns-svcs/plan", None).await;
    let plan = |name: &str| plans["resources"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap().clone();
    let (standard, free) = (plan("standard-dns"), plan("free-plan"));
    let (_, deployments) =
        get(&server, &format!("/api/v1/{}/deployment?include=*", standard["id"].as_str().unwrap()), None).await;
    let target = deployments["resources"][0]["catalog_crn"].clone();

    // The plan by catalog id, the deployment's CRN as target; the answer names the catalog's ids.
    let body = json!({ "name": "by-id", "target": target, "resource_plan_id": standard["id"] });
    let (status, created) = server.call(Method::POST, "/v2/resource_instances", Some(&hub.token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!((&created["resource_plan_id"], &created["target_crn"]), (&standard["id"], &target));
    let (_, service) = get(&server, &format!("/api/v1/{}", created["resource_id"].as_str().unwrap()), None).await;
    assert_eq!((&service["kind"], &service["name"]), (&json!("service"), &json!("dns-svcs")));

    // The plan by name still works; the answer is the id.
    let body = json!({ "name": "by-name", "target": "global", "resource_plan_id": "free-plan" });
    let (status, created) = server.call(Method::POST, "/v2/resource_instances", Some(&hub.token), Some(body)).await;
    assert_eq!((status, &created["resource_plan_id"]), (StatusCode::CREATED, &free["id"]), "{created}");

    // Another plan's deployment is not a target of this one (rule I1); a deployment is not a plan.
    for (body, field) in [
        (json!({ "name": "x", "target": target, "resource_plan_id": free["id"] }), "target"),
        (json!({ "name": "x", "resource_plan_id": deployments["resources"][0]["id"] }), "resource_plan_id"),
    ] {
        let (status, refused) = server.call(Method::POST, "/v2/resource_instances", Some(&hub.token), Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        let message = refused["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("(rule I1)"), "{message}");
        assert_eq!(refused["errors"][0]["target"]["name"], field, "{refused}");
    }

    // The list filter takes the plan by id or name.
    for plan in [standard["id"].as_str().unwrap(), "standard-dns"] {
        let (_, listed) =
            get(&server, &format!("/v2/resource_instances?resource_plan_id={plan}"), Some(&hub.token)).await;
        assert_eq!((&listed["rows_count"], &listed["resources"][0]["name"]), (&json!(1), &json!("by-id")), "{listed}");
    }

    // PATCH takes a plan id too.
    let path = "/v2/resource_instances?name=by-name";
    let (_, listed) = get(&server, path, Some(&hub.token)).await;
    let guid = listed["resources"][0]["guid"].as_str().unwrap().to_owned();
    let body = json!({ "resource_plan_id": standard["id"] });
    let (status, updated) =
        server.call(Method::PATCH, &format!("/v2/resource_instances/{guid}"), Some(&hub.token), Some(body)).await;
    assert_eq!((status, &updated["resource_plan_id"]), (StatusCode::OK, &standard["id"]), "{updated}");
}
