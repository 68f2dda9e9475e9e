//! `custom-resolver-create`, `custom-resolver-update`, `custom-resolver-delete`, `custom-resolvers`.

use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use crate::Connection;
use crate::client::Client;
use crate::commands::is::{cell, confirm, find};
use crate::output::Printer;

fn print_resolver(printer: &Printer, resolver: &Value) {
    let locations: Vec<String> = resolver["locations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            format!("{} ({})", cell(&l["dns_server_ip"]), if l["enabled"] == true { "enabled" } else { "disabled" })
        })
        .collect();
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
    /// The DNS Services instance id.
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
    /// Enable the resolver once created.
    #[arg(long)]
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
        let path = format!("/v1/instances/{}/custom_resolvers", self.instance);
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
    /// The DNS Services instance id.
    #[arg(long)]
    instance: String,
    /// The resolver id.
    resolver: String,
    /// Enable (`true`) or disable (`false`).
    #[arg(long, value_parser = clap::value_parser!(bool))]
    enabled: Option<bool>,
    /// A new name.
    #[arg(long)]
    name: Option<String>,
}

impl Update {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let mut body = json!({});
        if let Some(enabled) = self.enabled {
            body["enabled"] = json!(enabled);
        }
        if let Some(name) = &self.name {
            body["name"] = json!(name);
        }
        printer.progress(&format!("Updating custom resolver {}...", self.resolver));
        let resolver = client
            .call(
                Method::PATCH,
                &format!("/v1/instances/{}/custom_resolvers/{}", self.instance, self.resolver),
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
    /// The DNS Services instance id.
    #[arg(long)]
    instance: String,
    /// The resolver id.
    resolver: String,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl Delete {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        confirm(&format!("custom resolver {}", self.resolver), self.force)?;
        let client = Client::connect(connection)?;
        printer.progress(&format!("Deleting custom resolver {}...", self.resolver));
        client
            .call(Method::DELETE, &format!("/v1/instances/{}/custom_resolvers/{}", self.instance, self.resolver), None)
            .await?;
        printer.ok();
        Ok(())
    }
}

/// `custom-resolvers --instance I`.
#[derive(Clone, Debug, Args)]
pub struct List {
    /// The DNS Services instance id.
    #[arg(long)]
    instance: String,
}

impl List {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let body = client.call(Method::GET, &format!("/v1/instances/{}/custom_resolvers", self.instance), None).await?;
        if printer.json() {
            printer.value(&body["custom_resolvers"]);
            return Ok(());
        }
        for resolver in body["custom_resolvers"].as_array().into_iter().flatten() {
            print_resolver(printer, resolver);
            println!();
        }
        Ok(())
    }
}
