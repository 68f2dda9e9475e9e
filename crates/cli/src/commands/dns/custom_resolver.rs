//! `custom-resolver-create`, `custom-resolver-update`, `custom-resolver-delete`, `custom-resolvers`.

use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use crate::Connection;
use crate::client::Client;
use crate::commands::is::{cell, confirm, find};
use crate::output::Printer;

/// A resolver's locations as `address (enabled)`.
fn locations(resolver: &Value) -> Vec<String> {
    resolver["locations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            format!("{} ({})", cell(&l["dns_server_ip"]), if l["enabled"] == true { "enabled" } else { "disabled" })
        })
        .collect()
}

/// The id of the instance's resolver named `wanted` (or with that id).
pub(super) async fn resolver_id(client: &Client, instance: &str, wanted: &str) -> anyhow::Result<String> {
    let instance = super::instance_guid(client, instance).await?;
    let body = client.call(Method::GET, &format!("/v1/instances/{instance}/custom_resolvers"), None).await?;
    body["custom_resolvers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|resolver| resolver["id"] == wanted || resolver["name"] == wanted)
        .map(|resolver| cell(&resolver["id"]))
        .ok_or_else(|| anyhow::anyhow!("no custom resolver named or with id `{wanted}` in instance `{instance}`"))
}

fn print_resolver(printer: &Printer, resolver: &Value) {
    let locations = locations(resolver);
    printer.block(&[
        ("ID", cell(&resolver["id"])),
        ("Name", cell(&resolver["name"])),
        ("Enabled", cell(&resolver["enabled"])),
        ("Health", cell(&resolver["health"])),
        ("Locations", locations.join(", ")),
    ]);
}

/// `custom-resolver-create --instance I --name N --location SUBNET...`.
#[derive(Clone, Debug, Args)]
pub struct Create {
    /// The DNS Services instance (its GUID, CRN or name).
    #[arg(long)]
    instance: String,
    /// The resolver's name.
    #[arg(long)]
    name: String,
    /// A subnet (id, name or CRN) to place a location in; repeat for more (up to three).
    #[arg(long = "location", required = true)]
    locations: Vec<String>,
    /// A description.
    #[arg(long)]
    description: Option<String>,
    /// Enable the resolver once created (`--enabled` also works, as `custom-resolver-update` spells it).
    #[arg(long, visible_alias = "enabled")]
    enable: bool,
}

async fn subnet_crn(client: &Client, subnet: &str) -> anyhow::Result<String> {
    if subnet.starts_with("crn:") {
        return Ok(subnet.to_owned());
    }
    Ok(cell(&find(client, "/v1/subnets", "subnets", subnet).await?["crn"]))
}

impl Create {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let mut locations = Vec::new();
        for location in &self.locations {
            locations.push(json!({ "subnet_crn": subnet_crn(&client, location).await?, "enabled": true }));
        }
        let mut body = json!({ "name": self.name, "locations": locations });
        if let Some(description) = &self.description {
            body["description"] = json!(description);
        }
        printer.progress(&format!("Creating custom resolver {} in instance {}...", self.name, self.instance));
        let instance = super::instance_guid(&client, &self.instance).await?;
        let path = format!("/v1/instances/{instance}/custom_resolvers");
        let mut resolver = client.call(Method::POST, &path, Some(&body)).await?;
        if self.enable {
            resolver = client
                .call(Method::PATCH, &format!("{path}/{}", cell(&resolver["id"])), Some(&json!({ "enabled": true })))
                .await?;
        }
        printer.resource(&resolver, print_resolver);
        Ok(())
    }
}

/// `custom-resolver-update --instance I RESOLVER`.
#[derive(Clone, Debug, Args)]
pub struct Update {
    /// The DNS Services instance (its GUID, CRN or name).
    #[arg(long)]
    instance: String,
    /// The resolver, by id or name.
    resolver: String,
    /// Enable (`true`) or disable (`false`).
    #[arg(long, value_parser = clap::value_parser!(bool), conflicts_with_all = ["enable", "disable"])]
    enabled: Option<bool>,
    /// Enable the resolver (the same as `--enabled true`).
    #[arg(long, conflicts_with = "disable")]
    enable: bool,
    /// Disable the resolver (the same as `--enabled false`).
    #[arg(long)]
    disable: bool,
    /// A new name.
    #[arg(long)]
    name: Option<String>,
}

impl Update {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let mut body = json!({});
        let enabled = self.enabled.or(self.enable.then_some(true)).or(self.disable.then_some(false));
        if let Some(enabled) = enabled {
            body["enabled"] = json!(enabled);
        }
        let id = resolver_id(&client, &self.instance, &self.resolver).await?;
        if let Some(name) = &self.name {
            body["name"] = json!(name);
        }
        printer.progress(&format!("Updating custom resolver {}...", self.resolver));
        let resolver = client
            .call(
                Method::PATCH,
                &format!(
                    "/v1/instances/{}/custom_resolvers/{id}",
                    super::instance_guid(&client, &self.instance).await?
                ),
                Some(&body),
            )
            .await?;
        printer.resource(&resolver, print_resolver);
        Ok(())
    }
}

/// `custom-resolver-delete --instance I RESOLVER`.
#[derive(Clone, Debug, Args)]
pub struct Delete {
    /// The DNS Services instance (its GUID, CRN or name).
    #[arg(long)]
    instance: String,
    /// The resolver, by id or name.
    resolver: String,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl Delete {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        confirm(&format!("custom resolver {}", self.resolver), self.force)?;
        let client = Client::connect(connection)?;
        let id = resolver_id(&client, &self.instance, &self.resolver).await?;
        printer.progress(&format!("Deleting custom resolver {}...", self.resolver));
        let instance = super::instance_guid(&client, &self.instance).await?;
        client.call(Method::DELETE, &format!("/v1/instances/{instance}/custom_resolvers/{id}"), None).await?;
        printer.ok();
        Ok(())
    }
}

/// `custom-resolvers --instance I`.
#[derive(Clone, Debug, Args)]
pub struct List {
    /// The DNS Services instance (its GUID, CRN or name).
    #[arg(long)]
    instance: String,
}

impl List {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        printer.progress(&format!("Listing custom resolvers in instance {}...", self.instance));
        let instance = super::instance_guid(&client, &self.instance).await?;
        let body = client.call(Method::GET, &format!("/v1/instances/{instance}/custom_resolvers"), None).await?;
        if printer.json() {
            printer.value(&body["custom_resolvers"]);
            return Ok(());
        }
        let rows: Vec<Vec<String>> = body["custom_resolvers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|resolver| {
                vec![
                    cell(&resolver["id"]),
                    cell(&resolver["name"]),
                    cell(&resolver["enabled"]),
                    cell(&resolver["health"]),
                    locations(resolver).join(", "),
                ]
            })
            .collect();
        printer.list("custom resolvers", &["ID", "Name", "Enabled", "Health", "Locations"], &rows);
        Ok(())
    }
}
