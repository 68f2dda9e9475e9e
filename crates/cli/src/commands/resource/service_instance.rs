//! `service-instance-create`, `service-instances`, `service-instance`, `service-instance-update`,
//! `service-instance-delete`: DNS Services instances, as `ibmcloud resource` has them.

use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use crate::client::Client;
use crate::commands::is::{cell, confirm};
use crate::output::Printer;

/// The Global Catalog's names of an instance's service and plan, which `ibmcloud resource` shows in place of their ids.
async fn catalog_names(client: &Client, instance: &Value) -> anyhow::Result<[String; 2]> {
    let mut names = [String::new(), String::new()];
    for (name, field) in names.iter_mut().zip(["resource_id", "resource_plan_id"]) {
        let entry = client.call(Method::GET, &format!("/api/v1/{}", cell(&instance[field])), None).await?;
        *name = cell(&entry["name"]);
    }
    Ok(names)
}

/// An instance as a block, with its service and plan by name.
async fn show(client: &Client, printer: &Printer, instance: &Value) -> anyhow::Result<()> {
    let names = if printer.json() { [String::new(), String::new()] } else { catalog_names(client, instance).await? };
    printer.resource(instance, |printer, instance| print_instance(printer, instance, names));
    Ok(())
}

fn print_instance(printer: &Printer, instance: &Value, [service, plan]: [String; 2]) {
    printer.block(&[
        ("Name", cell(&instance["name"])),
        ("ID", cell(&instance["id"])),
        ("GUID", cell(&instance["guid"])),
        ("Location", cell(&instance["region_id"])),
        ("Service Name", service),
        ("Service Plan Name", plan),
        ("Resource Group ID", cell(&instance["resource_group_id"])),
        ("State", cell(&instance["state"])),
        ("Type", cell(&instance["type"])),
    ]);
}

/// The account's instance with this name, GUID or CRN.
async fn find(client: &Client, wanted: &str) -> anyhow::Result<Value> {
    let body = client.call(Method::GET, "/v2/resource_instances?limit=100", None).await?;
    body["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["name"] == wanted || i["guid"] == wanted || i["id"] == wanted)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no service instance named or with id `{wanted}`"))
}

/// `service-instance-create NAME SERVICE PLAN LOCATION [-g GROUP]`.
#[derive(Clone, Debug, Args)]
pub struct Create {
    /// The instance's name.
    name: String,
    /// The service: `dns-svcs`, the one hubspoke provisions.
    service: String,
    /// The plan: `standard-dns` or `free-plan` (or its catalog id).
    plan: String,
    /// Where it is deployed: `global`.
    location: String,
    /// The resource group (name or id); the account's default group when not given.
    #[arg(short = 'g')]
    resource_group: Option<String>,
}

impl Create {
    pub(super) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        if self.service != "dns-svcs" {
            anyhow::bail!("`{}` is not a service hubspoke provisions; use `dns-svcs`", self.service);
        }
        printer.progress(&format!("Creating service instance {} as {}...", self.name, client.iam_id().await?));
        let mut body = json!({ "name": self.name, "target": self.location, "resource_plan_id": self.plan });
        if let Some(group) = &self.resource_group {
            body["resource_group"] = json!(super::group_id(client, group).await?);
        }
        let created = client.call(Method::POST, "/v2/resource_instances", Some(&body)).await?;
        show(client, printer, &created).await
    }
}

/// `service-instances`.
#[derive(Clone, Debug, Args)]
pub struct List {}

impl List {
    pub(super) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        printer.progress(&format!("Retrieving instances as {}...", client.iam_id().await?));
        let body = client.call(Method::GET, "/v2/resource_instances?limit=100", None).await?;
        if printer.json() {
            printer.value(&body["resources"]);
            return Ok(());
        }
        printer.ok();
        let rows: Vec<Vec<String>> = body["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| vec![cell(&i["name"]), cell(&i["region_id"]), cell(&i["state"]), cell(&i["type"])])
            .collect();
        printer.table(&["Name", "Location", "State", "Type"], &rows);
        Ok(())
    }
}

/// `service-instance NAME`.
#[derive(Clone, Debug, Args)]
pub struct Show {
    /// The instance: name, GUID or CRN.
    name: String,
}

impl Show {
    pub(super) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let found = find(client, &self.name).await?;
        show(client, printer, &found).await
    }
}

/// `service-instance-update NAME [-n NEW_NAME] [--service-plan-id PLAN]`.
#[derive(Clone, Debug, Args)]
pub struct Update {
    /// The instance: name, GUID or CRN.
    name: String,
    /// Its new name.
    #[arg(short = 'n', long = "name")]
    new_name: Option<String>,
    /// Its new plan.
    #[arg(long = "service-plan-id")]
    plan: Option<String>,
}

impl Update {
    pub(super) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let found = find(client, &self.name).await?;
        printer.progress(&format!("Updating service instance {} as {}...", self.name, client.iam_id().await?));
        let mut body = json!({});
        if let Some(name) = &self.new_name {
            body["name"] = json!(name);
        }
        if let Some(plan) = &self.plan {
            body["resource_plan_id"] = json!(plan);
        }
        let path = format!("/v2/resource_instances/{}", cell(&found["guid"]));
        let updated = client.call(Method::PATCH, &path, Some(&body)).await?;
        show(client, printer, &updated).await
    }
}

/// `service-instance-delete NAME [-f]`.
#[derive(Clone, Debug, Args)]
pub struct Delete {
    /// The instance: name, GUID or CRN.
    name: String,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl Delete {
    pub(super) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let found = find(client, &self.name).await?;
        confirm(&format!("service instance {}", self.name), self.force)?;
        printer.progress(&format!("Deleting service instance {}...", cell(&found["guid"])));
        client.call(Method::DELETE, &format!("/v2/resource_instances/{}", cell(&found["guid"])), None).await?;
        printer.ok();
        Ok(())
    }
}
