//! The text form of an authorization policy, in the layout `ibmcloud iam authorization-policy-create` prints.

use serde_json::Value;

/// The value of a v1 attribute of the subject or of the resource.
pub fn attribute<'a>(policy: &'a Value, side: &str, name: &str) -> Option<&'a str> {
    policy[side][0]["attributes"].as_array()?.iter().find(|a| a["name"] == name).and_then(|a| a["value"].as_str())
}

/// The `Label:   value` rows of a policy (IBM's lines, plus the specific resources DNS sharing needs).
pub fn rows(policy: &Value) -> Vec<(&'static str, String)> {
    let text = |side: &str, name: &str| attribute(policy, side, name).map(str::to_owned);
    let mut rows = vec![("ID", policy["id"].as_str().unwrap_or_default().to_owned())];
    rows.push(("Source service name", text("subjects", "serviceName").unwrap_or_default()));
    rows.push(("Source service account", text("subjects", "accountId").unwrap_or_default()));
    rows.push((
        "Source service instance",
        text("subjects", "serviceInstance").unwrap_or_else(|| "All instances".to_owned()),
    ));
    if let Some(kind) = text("subjects", "resourceType") {
        rows.push(("Source resource type", kind));
    }
    if let Some(resource) = text("subjects", "resource") {
        rows.push(("Source resource", resource));
    }
    rows.push(("Target service name", text("resources", "serviceName").unwrap_or_default()));
    rows.push((
        "Target service instance",
        text("resources", "serviceInstance").unwrap_or_else(|| "All instances".to_owned()),
    ));
    if let Some(kind) = text("resources", "resourceType") {
        rows.push(("Target resource type", kind));
    }
    if let Some(resource) = text("resources", "resource").or_else(|| text("resources", "vpcId")) {
        rows.push(("Target resource", resource));
    }
    let roles: Vec<&str> = policy["roles"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["display_name"].as_str().or(r["role_id"].as_str()))
        .collect();
    rows.push(("Roles", roles.join(", ")));
    rows
}
