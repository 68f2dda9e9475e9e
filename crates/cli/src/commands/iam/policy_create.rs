//! `hubspoke iam authorization-policy-create`: ibmcloud's positional and flag form, the two-positional form,
//! and `--file` with a v1 policy body.

use anyhow::{Context, bail};
use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use super::render;
use crate::Connection;
use crate::client::Client;
use crate::output::Printer;

/// The `authorization-policy-create` command.
#[derive(Clone, Debug, Args)]
pub struct PolicyCreate {
    /// SOURCE_SERVICE_NAME TARGET_SERVICE_NAME ROLE_NAME1,ROLE_NAME2 (with two values, the target is the source).
    #[arg(num_args = 0..=3, value_names = ["SOURCE_SERVICE_NAME", "TARGET_SERVICE_NAME", "ROLE_NAMES"])]
    arguments: Vec<String>,
    /// A JSON file with the policy, as `POST /v1/policies` takes it.
    #[arg(long, conflicts_with_all = ["arguments", "source_service_instance_id", "source_service_instance_name", "source_service_account", "source_resource_group_id", "source_resource_type", "source_resource", "target_service_instance_id", "target_service_instance_name", "target_resource_group_id", "target_resource_type", "target_resource"])]
    file: Option<std::path::PathBuf>,
    /// The source service instance, by id.
    #[arg(long, conflicts_with = "source_service_instance_name")]
    source_service_instance_id: Option<String>,
    /// The source service instance, by name.
    #[arg(long, conflicts_with = "source_service_account")]
    source_service_instance_name: Option<String>,
    /// The account of the source service, when it is another account.
    #[arg(long)]
    source_service_account: Option<String>,
    /// The source resource group.
    #[arg(long, conflicts_with = "source_service_instance_id")]
    source_resource_group_id: Option<String>,
    /// The source resource type, for example `vpc`.
    #[arg(long)]
    source_resource_type: Option<String>,
    /// A specific source resource, for example the spoke VPC's id.
    #[arg(long)]
    source_resource: Option<String>,
    /// The target service instance, by id.
    #[arg(long, conflicts_with = "target_service_instance_name")]
    target_service_instance_id: Option<String>,
    /// The target service instance, by name.
    #[arg(long)]
    target_service_instance_name: Option<String>,
    /// The target resource group.
    #[arg(long)]
    target_resource_group_id: Option<String>,
    /// The target resource type, for example `vpc`.
    #[arg(long)]
    target_resource_type: Option<String>,
    /// A specific target resource, for example the hub VPC's id.
    #[arg(long)]
    target_resource: Option<String>,
}

/// Finds role CRNs by name (`DNSBindingConnector`) or display name (`DNS Binding Connector`) for a service pair.
pub async fn resolve_roles(client: &Client, target: &str, source: &str, names: &str) -> anyhow::Result<Vec<String>> {
    let path = format!("/v2/roles?service_name={target}&source_service_name={source}&policy_type=authorization");
    let catalog = client.call(Method::GET, &path, None).await?;
    let roles: Vec<&Value> = ["service_roles", "system_roles", "custom_roles"]
        .iter()
        .flat_map(|k| catalog[*k].as_array().into_iter().flatten())
        .collect();
    names
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| {
            let found = roles.iter().find(|role| {
                let crn = role["crn"].as_str().unwrap_or_default();
                role["display_name"].as_str().is_some_and(|d| d.eq_ignore_ascii_case(name)) || crn.rsplit(':').next().is_some_and(|n| n.eq_ignore_ascii_case(name)) || crn == name
            });
            match found {
                Some(role) => Ok(role["crn"].as_str().unwrap_or_default().to_owned()),
                None => {
                    let valid: Vec<&str> = roles.iter().filter_map(|r| r["display_name"].as_str()).collect();
                    bail!("RoleDoesnotExist: `{name}` is not a role of an authorization from `{source}` to `{target}`; valid roles are: {}", if valid.is_empty() { "NONE".to_owned() } else { valid.join(", ") })
                }
            }
        })
        .collect()
}

impl PolicyCreate {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let account = client.account_id().await?;
        let body = match &self.file {
            Some(file) => {
                let text = std::fs::read_to_string(file).with_context(|| format!("reading `{}`", file.display()))?;
                serde_json::from_str::<Value>(&text).with_context(|| format!("`{}` is not JSON", file.display()))?
            }
            None => self.body(&client, &account, printer).await?,
        };
        printer.progress(&format!(
            "Creating authorization policy under account {account} as {}...",
            client.iam_id().await?
        ));
        let policy = client.call(Method::POST, "/v1/policies", Some(&body)).await?;
        if printer.json() {
            printer.value(&policy);
            return Ok(());
        }
        printer.ok();
        printer.progress(&format!("Authorization policy {} was created.\n", policy["id"].as_str().unwrap_or_default()));
        printer.block(&render::rows(&policy));
        Ok(())
    }

    async fn body(&self, client: &Client, account: &str, printer: &Printer) -> anyhow::Result<Value> {
        let (source, target, roles) = match self.arguments.as_slice() {
            [source, target, roles] => (source.clone(), target.clone(), roles.clone()),
            // IBM's guide's own command names no target service: `authorization-policy-create is DNSBindingConnector ...`.
            [source, roles] => {
                printer.progress(&format!(
                    "No target service was given: assuming `{source}`, the same as the source service."
                ));
                (source.clone(), source.clone(), roles.clone())
            }
            _ => bail!("give SOURCE_SERVICE_NAME TARGET_SERVICE_NAME ROLE_NAMES, or --file JSON_FILE"),
        };
        let role_ids = resolve_roles(client, &target, &source, &roles).await?;
        let attribute = |name: &str, value: &str| json!({ "name": name, "value": value });
        let mut subject = vec![
            attribute("accountId", self.source_service_account.as_deref().unwrap_or(account)),
            attribute("serviceName", &source),
        ];
        let optional = [
            (
                "serviceInstance",
                self.source_service_instance_id.as_ref().or(self.source_service_instance_name.as_ref()),
            ),
            ("resourceGroupId", self.source_resource_group_id.as_ref()),
            ("resourceType", self.source_resource_type.as_ref()),
            ("resource", self.source_resource.as_ref()),
        ];
        subject.extend(optional.iter().filter_map(|(name, value)| value.map(|v| attribute(name, v))));
        let mut resource = vec![attribute("accountId", account), attribute("serviceName", &target)];
        let optional = [
            (
                "serviceInstance",
                self.target_service_instance_id.as_ref().or(self.target_service_instance_name.as_ref()),
            ),
            ("resourceGroupId", self.target_resource_group_id.as_ref()),
            ("resourceType", self.target_resource_type.as_ref()),
            ("resource", self.target_resource.as_ref()),
        ];
        resource.extend(optional.iter().filter_map(|(name, value)| value.map(|v| attribute(name, v))));
        Ok(json!({
            "type": "authorization",
            "subjects": [{ "attributes": subject }],
            "roles": role_ids.iter().map(|id| json!({ "role_id": id })).collect::<Vec<_>>(),
            "resources": [{ "attributes": resource }],
        }))
    }
}
