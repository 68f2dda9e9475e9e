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
        (
            "/v2/roles?service_name=is&policy_type=access",
            vec![
                "Reader",
                "Writer",
                "Manager",
                "VPN Client",
                "Bare Metal Advanced Network Operator",
                "Bare Metal Console Admin",
                "IP Spoofing Operator",
                "Console Administrator",
                "DNS Binding Connector",
            ],
            vec!["Viewer", "Operator", "Editor", "Administrator"],
        ),
        (
            "/v2/roles?service_name=dns-svcs",
            vec!["Reader", "Writer", "Manager"],
            vec!["Viewer", "Operator", "Editor", "Administrator"],
        ),
        ("/v2/roles", vec![], vec!["Viewer", "Operator", "Editor", "Administrator"]),
        (
            "/v2/roles?service_group_id=IAM",
            vec!["Service ID creator", "User API key creator", "API key reviewer"],
            vec!["Viewer", "Operator", "Editor", "Administrator"],
        ),
        (
            "/v2/roles?service_name=alliamserviceroles",
            vec!["Reader", "Writer", "Manager"],
            vec!["Viewer", "Operator", "Editor", "Administrator"],
        ),
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
    // An access role lists the actions it holds on the service asked about.
    let (_, body) =
        server.call(Method::GET, "/v2/roles?service_name=is&policy_type=access", Some(&hub.token), None).await;
    let viewer = body["system_roles"].as_array().unwrap().iter().find(|r| r["display_name"] == "Viewer").unwrap();
    let actions: Vec<&str> = viewer["actions"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(actions.contains(&"is.vpc.vpc.list") && !actions.contains(&"is.vpc.vpc.create"), "{actions:?}");
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
