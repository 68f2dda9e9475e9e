//! `hubspoke iam user-policy-create`, `service-policy-create`, `access-group-policy-create`, the matching lists and
//! `user-policy-delete`: access policies for a user, a service ID or an access group, in `ibmcloud iam` shapes.
//!
//! Subjects are named by id: a user by IAM id (`IBMid-…`), a service ID by `ServiceId-…` or `iam-ServiceId-…`, an
//! access group by `AccessGroupId-…`.

use anyhow::{Context, bail};
use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use crate::Connection;
use crate::client::Client;
use crate::commands::is::confirm;
use crate::output::Printer;

/// Whom a policy is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubjectKind {
    /// A user, by IAM id.
    User,
    /// A service ID.
    ServiceId,
    /// An access group.
    AccessGroup,
}

impl SubjectKind {
    /// The subject attribute and its value for what the command line named.
    fn attribute(self, named: &str) -> anyhow::Result<(&'static str, String)> {
        match self {
            SubjectKind::User if named.starts_with("IBMid-") => Ok(("iam_id", named.to_owned())),
            SubjectKind::User => {
                bail!("`{named}` is not a user's IAM id: name the user by IAM id, for example IBMid-550002G2B4")
            }
            SubjectKind::ServiceId if named.starts_with("iam-ServiceId-") => Ok(("iam_id", named.to_owned())),
            SubjectKind::ServiceId if named.starts_with("ServiceId-") => Ok(("iam_id", format!("iam-{named}"))),
            SubjectKind::ServiceId => bail!("`{named}` is not a service ID: name it by id, for example ServiceId-…"),
            SubjectKind::AccessGroup if named.starts_with("AccessGroupId-") => {
                Ok(("access_group_id", named.to_owned()))
            }
            SubjectKind::AccessGroup => {
                bail!("`{named}` is not an access group id: name the group by id, for example AccessGroupId-…")
            }
        }
    }

    fn noun(self) -> &'static str {
        match self {
            SubjectKind::User => "user",
            SubjectKind::ServiceId => "service ID",
            SubjectKind::AccessGroup => "access group",
        }
    }
}

/// `user-policy-create`, `service-policy-create` and `access-group-policy-create`.
#[derive(Clone, Debug, Args)]
pub struct Create {
    /// The user (IAM id), service ID or access group the policy is for.
    subject: String,
    /// A JSON file with the policy, as `POST /v1/policies` (or, with `--api-version v2`, `/v2/policies`) takes it.
    #[arg(long, conflicts_with_all = ["roles", "service_name", "service_instance", "region", "resource_type", "resource", "resource_group_id", "account_management", "attributes"])]
    file: Option<std::path::PathBuf>,
    /// Role names (display names, or the last part of the CRN), separated by commas.
    #[arg(short, long)]
    roles: Option<String>,
    /// The service, for example `is`.
    #[arg(long)]
    service_name: Option<String>,
    /// A service instance, by GUID.
    #[arg(long)]
    service_instance: Option<String>,
    /// The region.
    #[arg(long)]
    region: Option<String>,
    /// The resource type.
    #[arg(long)]
    resource_type: Option<String>,
    /// A resource.
    #[arg(long, conflicts_with = "resource_group_id")]
    resource: Option<String>,
    /// A resource group, or `*` for any.
    #[arg(long)]
    resource_group_id: Option<String>,
    /// Every account management service (`serviceType=platform_service`).
    #[arg(long, conflicts_with = "service_name")]
    account_management: bool,
    /// More resource attributes, `name=value` separated by commas (for example `vpcId=*`).
    #[arg(long)]
    attributes: Option<String>,
    /// Which policy API to create it through.
    #[arg(long, value_parser = ["v1", "v2"], default_value = "v1")]
    api_version: String,
}

/// The role CRNs `names` stand for, looked up as Terraform does: by the account and the service (every service's
/// roles when no service is named, the platform roles for account management).
async fn resolve_roles(
    client: &Client,
    account: &str,
    service: Option<&str>,
    account_management: bool,
    names: &str,
) -> anyhow::Result<Vec<String>> {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("account_id", account).append_pair("policy_type", "access");
    match (service, account_management) {
        (Some(service), _) => {
            query.append_pair("service_name", service);
        }
        (None, false) => {
            query.append_pair("service_name", "alliamserviceroles");
        }
        (None, true) => {}
    }
    let catalog = client.call(Method::GET, &format!("/v2/roles?{}", query.finish()), None).await?;
    let roles: Vec<&Value> = ["service_roles", "system_roles", "custom_roles"]
        .iter()
        .flat_map(|kind| catalog[*kind].as_array().into_iter().flatten())
        .collect();
    names
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| {
            let found = roles.iter().find(|role| {
                let crn = role["crn"].as_str().unwrap_or_default();
                role["display_name"].as_str().is_some_and(|shown| shown.eq_ignore_ascii_case(name))
                    || crn.rsplit(':').next().is_some_and(|last| last.eq_ignore_ascii_case(name))
                    || crn == name
            });
            match found {
                Some(role) => Ok(role["crn"].as_str().unwrap_or_default().to_owned()),
                None => {
                    let valid: Vec<&str> = roles.iter().filter_map(|role| role["display_name"].as_str()).collect();
                    bail!(
                        "RoleDoesnotExist: `{name}` is not a role of {}; valid roles are: {}",
                        service.map_or("every service".to_owned(), |s| format!("`{s}`")),
                        valid.join(", ")
                    )
                }
            }
        })
        .collect()
}

impl Create {
    pub(crate) async fn run(self, kind: SubjectKind, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let account = client.account_id().await?;
        let (key, value) = kind.attribute(&self.subject)?;
        let body = match &self.file {
            Some(file) => {
                let text = std::fs::read_to_string(file).with_context(|| format!("reading `{}`", file.display()))?;
                serde_json::from_str::<Value>(&text).with_context(|| format!("`{}` is not JSON", file.display()))?
            }
            None => self.body(&client, &account, key, &value).await?,
        };
        printer.progress(&format!(
            "Creating policy under account {account} for {} {} as {}...",
            kind.noun(),
            self.subject,
            client.iam_id().await?
        ));
        let policy = client.call(Method::POST, &format!("/{}/policies", self.api_version), Some(&body)).await?;
        if printer.json() {
            printer.value(&policy);
            return Ok(());
        }
        printer.ok();
        printer.progress("Policy is created.\n");
        printer.block(&rows(&policy));
        Ok(())
    }

    async fn body(&self, client: &Client, account: &str, key: &str, value: &str) -> anyhow::Result<Value> {
        let Some(names) = &self.roles else { bail!("give --roles ROLE_NAMES, or --file JSON_FILE") };
        let service = self.service_name.as_deref();
        let roles = resolve_roles(client, account, service, self.account_management, names).await?;
        let mut resource: Vec<(String, String)> = vec![("accountId".into(), account.to_owned())];
        if self.account_management {
            resource.push(("serviceType".into(), "platform_service".into()));
        }
        let named = [
            ("serviceName", &self.service_name),
            ("serviceInstance", &self.service_instance),
            ("region", &self.region),
            ("resourceType", &self.resource_type),
            ("resource", &self.resource),
            ("resourceGroupId", &self.resource_group_id),
        ];
        resource
            .extend(named.iter().filter_map(|(name, value)| value.as_ref().map(|v| ((*name).to_owned(), v.clone()))));
        for pair in self.attributes.iter().flat_map(|text| text.split(',')).filter(|pair| !pair.is_empty()) {
            let Some((name, value)) = pair.split_once('=') else { bail!("`{pair}` is not `name=value`") };
            resource.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        if resource.len() == 1 {
            // ibmcloud's default: every IAM-enabled service.
            resource.push(("serviceType".into(), "service".into()));
        }
        // `*` stands for any value: `stringMatch` in v1, `stringExists` in v2 for a resource group.
        let v2 = self.api_version == "v2";
        let attribute = |name: &str, value: &str| match (v2, value) {
            (true, "*") if name == "resourceGroupId" => {
                json!({ "key": name, "operator": "stringExists", "value": true })
            }
            (true, "*") => json!({ "key": name, "operator": "stringMatch", "value": "*" }),
            (true, _) => json!({ "key": name, "operator": "stringEquals", "value": value }),
            (false, "*") => json!({ "name": name, "operator": "stringMatch", "value": "*" }),
            (false, _) => json!({ "name": name, "operator": "stringEquals", "value": value }),
        };
        let resource: Vec<Value> = resource.iter().map(|(name, value)| attribute(name, value)).collect();
        let roles: Vec<Value> = roles.iter().map(|id| json!({ "role_id": id })).collect();
        Ok(match v2 {
            true => json!({
                "type": "access",
                "subject": { "attributes": [{ "key": key, "operator": "stringEquals", "value": value }] },
                "resource": { "attributes": resource },
                "control": { "grant": { "roles": roles } },
            }),
            false => json!({
                "type": "access",
                "subjects": [{ "attributes": [{ "name": key, "value": value }] }],
                "roles": roles,
                "resources": [{ "attributes": resource }],
            }),
        })
    }
}

/// The `Label:   value` rows of a v1 access policy, as `ibmcloud iam user-policies` prints them.
pub fn rows(policy: &Value) -> Vec<(&'static str, String)> {
    let attributes = policy["resources"][0]["attributes"].as_array().cloned().unwrap_or_default();
    let value = |name: &str| {
        attributes
            .iter()
            .find(|a| a["name"] == name)
            .map(|a| a["value"].as_str().map(str::to_owned).unwrap_or_else(|| a["value"].to_string()))
    };
    let roles: Vec<&str> = policy["roles"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["display_name"].as_str().or(r["role_id"].as_str()))
        .collect();
    let mut rows = vec![("Policy ID", policy["id"].as_str().unwrap_or_default().to_owned())];
    rows.push(("Roles", roles.join(", ")));
    let labels = [
        ("Service Name", "serviceName"),
        ("Service Type", "serviceType"),
        ("Service Instance", "serviceInstance"),
        ("Region", "region"),
        ("Resource Type", "resourceType"),
        ("Resource", "resource"),
        ("Resource Group ID", "resourceGroupId"),
    ];
    for (label, name) in labels {
        if let Some(value) = value(name) {
            rows.push((label, value));
        }
    }
    let known: Vec<&str> = labels.iter().map(|(_, name)| *name).chain(["accountId"]).collect();
    let others: Vec<String> = attributes
        .iter()
        .filter(|a| !known.contains(&a["name"].as_str().unwrap_or_default()))
        .map(|a| format!("{}={}", a["name"].as_str().unwrap_or_default(), a["value"].as_str().unwrap_or_default()))
        .collect();
    if !others.is_empty() {
        rows.push(("Attributes", others.join(", ")));
    }
    rows
}

/// `user-policies`, `service-policies` and `access-group-policies`.
#[derive(Clone, Debug, Args)]
pub struct List {
    /// The user (IAM id), service ID or access group.
    subject: String,
}

impl List {
    pub(crate) async fn run(self, kind: SubjectKind, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let account = client.account_id().await?;
        let (key, value) = kind.attribute(&self.subject)?;
        printer.progress(&format!(
            "Getting policies of {} {} under account {account} as {}...",
            kind.noun(),
            self.subject,
            client.iam_id().await?
        ));
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("account_id", &account).append_pair("type", "access").append_pair(key, &value);
        let body = client.call(Method::GET, &format!("/v1/policies?{}", query.finish()), None).await?;
        let policies = body["policies"].as_array().cloned().unwrap_or_default();
        if printer.json() {
            printer.value(&Value::Array(policies));
            return Ok(());
        }
        printer.ok();
        if policies.is_empty() {
            printer.progress("No policy found.");
        }
        for policy in &policies {
            println!();
            printer.block(&rows(policy));
        }
        Ok(())
    }
}

/// `user-policy-delete USER POLICY_ID [-f]`.
#[derive(Clone, Debug, Args)]
pub struct Delete {
    /// The user (IAM id).
    subject: String,
    /// The policy id.
    id: String,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl Delete {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        SubjectKind::User.attribute(&self.subject)?;
        confirm(&format!("policy {} of user {}", self.id, self.subject), self.force)?;
        let client = Client::connect(connection)?;
        let policy = client.call(Method::GET, &format!("/v1/policies/{}", self.id), None).await?;
        let subject = policy["subjects"][0]["attributes"][0]["value"].as_str().unwrap_or_default();
        if subject != self.subject {
            bail!("policy `{}` is not a policy of user `{}`", self.id, self.subject);
        }
        printer.progress(&format!(
            "Deleting policy {} of user {} as {}...",
            self.id,
            self.subject,
            client.iam_id().await?
        ));
        client.call(Method::DELETE, &format!("/v1/policies/{}", self.id), None).await?;
        if printer.json() {
            printer.value(&json!({ "id": self.id, "deleted": true }));
            return Ok(());
        }
        printer.ok();
        printer.progress(&format!("Policy {} is deleted.", self.id));
        Ok(())
    }
}
