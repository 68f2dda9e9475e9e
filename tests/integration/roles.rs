//! `GET /v2/roles` answers the lookups Terraform and the CLI make.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::{Server, assert_envelope};

fn names(body: &Value, list: &str) -> Vec<String> {
    body[list].as_array().unwrap().iter().map(|r| r["display_name"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn role_lookups_by_service_pair() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    // Terraform's create-time lookup (no account) and read-time lookup (with the caller's account), and the SDK's.
    let paths = [
        "/v2/roles?service_name=is&source_service_name=is&policy_type=authorization".to_owned(),
        format!("/v2/roles?account_id={}&service_name=is&source_service_name=is&policy_type=authorization", hub.id),
    ];
    for path in paths {
        let (status, body) = server.call(Method::GET, &path, Some(&hub.token), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["custom_roles"].as_array().unwrap().len(), 0);
        assert!(names(&body, "service_roles").contains(&"DNS Binding Connector".to_owned()));
        assert_eq!(names(&body, "system_roles"), ["Viewer", "Operator", "Editor", "Administrator"]);
        let role = body["service_roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["display_name"] == "DNS Binding Connector")
            .unwrap();
        assert_eq!(role["crn"], "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector");
        assert_eq!(role["actions"].as_array().unwrap().len(), 3);
        assert!(role["description"].as_str().unwrap().starts_with("DNS Binding Connector role is required"));
    }
    let cases = [
        (
            "/v2/roles?service_name=kms&source_service_name=is&policy_type=authorization",
            vec!["Reader"],
            vec!["Authorization Delegator"],
        ),
        ("/v2/roles?service_name=is&source_service_name=nothing&policy_type=authorization", vec![], vec![]),
        ("/v2/roles?service_name=is", vec![], vec!["Viewer", "Operator", "Editor", "Administrator"]),
        ("/v2/roles?service_group_id=IAM", vec![], vec![]),
    ];
    for (path, service, system) in cases {
        let (status, body) = server.call(Method::GET, path, Some(&hub.token), None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(
            (names(&body, "service_roles"), names(&body, "system_roles")),
            (service.iter().map(|s| s.to_string()).collect(), system.iter().map(|s| s.to_string()).collect()),
            "{path}"
        );
        assert!(body["custom_roles"].is_array());
    }
    for path in
        ["/v2/roles?policy_type=nope", "/v2/roles?account_id=zzz", "/v2/roles?service_name=is&service_group_id=IAM"]
    {
        let (status, body) = server.call(Method::GET, path, Some(&hub.token), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert_envelope(&body, status, "invalid_query_parameter");
    }
    let (status, body) = server.call(Method::GET, "/v2/roles/some-custom-role", Some(&hub.token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_envelope(&body, status, "role_not_found");
}
