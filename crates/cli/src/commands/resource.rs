//! `hubspoke resource ...`: resource groups, as `ibmcloud resource` has them (`groups`, `group`, `group-create`,
//! `group-update`, `group-delete`), and DNS Services instances (`service-instance-*`).

mod service_instance;

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use super::is::{cell, confirm};
use crate::Connection;
use crate::client::Client;
use crate::output::Printer;

/// The `resource` commands.
#[derive(Clone, Debug, Subcommand)]
pub enum Resource {
    /// List the account's resource groups.
    #[command(after_help = "EXAMPLES:\n  hubspoke resource groups\n  hubspoke resource groups --default")]
    Groups(List),
    /// Show a resource group.
    #[command(after_help = "EXAMPLE:\n  hubspoke resource group hub-resource-group")]
    Group(Show),
    /// Create a resource group in the account.
    #[command(name = "group-create", after_help = "EXAMPLE:\n  hubspoke resource group-create hub-resource-group")]
    GroupCreate(Create),
    /// Rename a resource group.
    #[command(
        name = "group-update",
        after_help = "EXAMPLE:\n  hubspoke resource group-update hub-resource-group -n network"
    )]
    GroupUpdate(Update),
    /// Delete an empty resource group.
    #[command(name = "group-delete", after_help = "EXAMPLE:\n  hubspoke resource group-delete network -f")]
    GroupDelete(Delete),
    /// Create a DNS Services instance (service `dns-svcs`).
    #[command(
        name = "service-instance-create",
        after_help = "EXAMPLE:\n  hubspoke resource service-instance-create dns-hub dns-svcs standard-dns global"
    )]
    ServiceInstanceCreate(service_instance::Create),
    /// List the account's DNS Services instances.
    #[command(name = "service-instances", after_help = "EXAMPLE:\n  hubspoke resource service-instances")]
    ServiceInstances(service_instance::List),
    /// Show a DNS Services instance.
    #[command(name = "service-instance", after_help = "EXAMPLE:\n  hubspoke resource service-instance dns-hub")]
    ServiceInstance(service_instance::Show),
    /// Rename a DNS Services instance or change its plan.
    #[command(
        name = "service-instance-update",
        after_help = "EXAMPLE:\n  hubspoke resource service-instance-update dns-hub -n dns-shared"
    )]
    ServiceInstanceUpdate(service_instance::Update),
    /// Delete a DNS Services instance that holds no zones or custom resolvers.
    #[command(
        name = "service-instance-delete",
        after_help = "EXAMPLE:\n  hubspoke resource service-instance-delete dns-hub -f"
    )]
    ServiceInstanceDelete(service_instance::Delete),
}

impl Resource {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        match self {
            Resource::Groups(command) => command.run(&client, printer).await,
            Resource::Group(command) => command.run(&client, printer).await,
            Resource::GroupCreate(command) => command.run(&client, printer).await,
            Resource::GroupUpdate(command) => command.run(&client, printer).await,
            Resource::GroupDelete(command) => command.run(&client, printer).await,
            Resource::ServiceInstanceCreate(command) => command.run(&client, printer).await,
            Resource::ServiceInstances(command) => command.run(&client, printer).await,
            Resource::ServiceInstance(command) => command.run(&client, printer).await,
            Resource::ServiceInstanceUpdate(command) => command.run(&client, printer).await,
            Resource::ServiceInstanceDelete(command) => command.run(&client, printer).await,
        }
    }
}

fn print_group(printer: &Printer, group: &Value) {
    printer.block(&[
        ("Name", cell(&group["name"])),
        ("Account ID", cell(&group["account_id"])),
        ("ID", cell(&group["id"])),
        ("Default Resource Group", cell(&group["default"])),
        ("State", cell(&group["state"])),
    ]);
}

/// The caller's group with this name or id.
async fn find(client: &Client, wanted: &str) -> anyhow::Result<Value> {
    let body = client.call(Method::GET, "/v2/resource_groups", None).await?;
    body["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|group| group["name"] == wanted || group["id"] == wanted)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no resource group named or with id `{wanted}`"))
}

/// The id of the caller's group with this name (or id), for the `--resource-group-name` of `is` creates.
pub(crate) async fn group_id(client: &Client, wanted: &str) -> anyhow::Result<String> {
    Ok(cell(&find(client, wanted).await?["id"]))
}

/// `groups [--default]`.
#[derive(Clone, Debug, Args)]
pub struct List {
    /// Only the default group.
    #[arg(long)]
    default: bool,
}

impl List {
    async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        printer.progress(&format!("Getting resource groups as {}...", client.iam_id().await?));
        let path = if self.default { "/v2/resource_groups?default=true" } else { "/v2/resource_groups" };
        let body = client.call(Method::GET, path, None).await?;
        if printer.json() {
            printer.value(&body["resources"]);
            return Ok(());
        }
        printer.ok();
        let rows: Vec<Vec<String>> = body["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| {
                let default = if g["default"] == json!(true) { "true" } else { "false" };
                vec![cell(&g["name"]), cell(&g["id"]), default.to_owned(), cell(&g["state"])]
            })
            .collect();
        printer.table(&["Name", "ID", "Default Group", "State"], &rows);
        Ok(())
    }
}

/// `group NAME`.
#[derive(Clone, Debug, Args)]
pub struct Show {
    /// The group: name or id.
    name: String,
}

impl Show {
    async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let found = find(client, &self.name).await?;
        let body = client.call(Method::GET, &format!("/v2/resource_groups/{}", cell(&found["id"])), None).await?;
        printer.resource(&body, print_group);
        Ok(())
    }
}

/// `group-create NAME`.
#[derive(Clone, Debug, Args)]
pub struct Create {
    /// The group's name.
    name: String,
}

impl Create {
    async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        printer.progress(&format!("Creating resource group {} as {}...", self.name, client.iam_id().await?));
        let body = json!({ "name": self.name });
        let created = client.call(Method::POST, "/v2/resource_groups", Some(&body)).await?;
        let group = client.call(Method::GET, &format!("/v2/resource_groups/{}", cell(&created["id"])), None).await?;
        printer.resource(&group, print_group);
        Ok(())
    }
}

/// `group-update NAME -n NEW_NAME`.
#[derive(Clone, Debug, Args)]
pub struct Update {
    /// The group: name or id.
    name: String,
    /// Its new name.
    #[arg(short = 'n', long = "name")]
    new_name: String,
}

impl Update {
    async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let found = find(client, &self.name).await?;
        printer.progress(&format!("Updating resource group {} as {}...", self.name, client.iam_id().await?));
        let body = json!({ "name": self.new_name });
        let path = format!("/v2/resource_groups/{}", cell(&found["id"]));
        let updated = client.call(Method::PATCH, &path, Some(&body)).await?;
        printer.resource(&updated, print_group);
        Ok(())
    }
}

/// `group-delete NAME [-f]`.
#[derive(Clone, Debug, Args)]
pub struct Delete {
    /// The group: name or id.
    name: String,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl Delete {
    async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let found = find(client, &self.name).await?;
        confirm(&format!("resource group {}", self.name), self.force)?;
        printer.progress(&format!("Deleting resource group {}...", cell(&found["id"])));
        client.call(Method::DELETE, &format!("/v2/resource_groups/{}", cell(&found["id"])), None).await?;
        printer.ok();
        Ok(())
    }
}
