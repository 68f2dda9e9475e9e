//! `custom-resolver-location-order`, `custom-resolver-forwarding-rule-*` and `secondary-zone-*`: a custom resolver's
//! location order, forwarding rules and secondary zones.

use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use super::custom_resolver::resolver_id;
use crate::Connection;
use crate::client::Client;
use crate::commands::is::{cell, confirm};
use crate::output::Printer;

/// The comma-separated items of a flag, trimmed.
fn items(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|item| !item.is_empty()).map(str::to_owned).collect()
}

/// A JSON list as one cell: its items joined by commas.
fn joined(value: &Value) -> String {
    value.as_array().into_iter().flatten().map(cell).collect::<Vec<_>>().join(", ")
}

/// The resolver's path, with its id found by id or name.
async fn resolver_path(client: &Client, instance: &str, resolver: &str) -> anyhow::Result<String> {
    let id = resolver_id(client, instance, resolver).await?;
    let instance = super::instance_guid(client, instance).await?;
    Ok(format!("/v1/instances/{instance}/custom_resolvers/{id}"))
}

/// `custom-resolver-location-order RESOLVER LOCATION...`.
#[derive(Clone, Debug, Args)]
pub struct LocationOrder {
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(long)]
    instance: String,
    /// The resolver, by id or name.
    resolver: String,
    /// Every location id of the resolver, in the new order.
    #[arg(required = true)]
    locations: Vec<String>,
}

impl LocationOrder {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let path = resolver_path(&client, &self.instance, &self.resolver).await?;
        printer.progress(&format!("Reordering the locations of custom resolver {}...", self.resolver));
        let body = json!({ "locations": self.locations });
        let resolver = client.call(Method::PUT, &format!("{path}/locations_order"), Some(&body)).await?;
        printer.resource(&resolver, |printer, resolver| {
            let rows: Vec<Vec<String>> = resolver["locations"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|l| vec![cell(&l["id"]), cell(&l["dns_server_ip"]), cell(&l["enabled"])])
                .collect();
            printer.table(&["Location ID", "DNS server IP", "Enabled"], &rows);
        });
        Ok(())
    }
}

fn print_rule(printer: &Printer, rule: &Value) {
    let views: Vec<String> = rule["views"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|view| {
            format!("{}: {} -> {}", cell(&view["name"]), cell(&view["expression"]), joined(&view["forward_to"]))
        })
        .collect();
    printer.block(&[
        ("ID", cell(&rule["id"])),
        ("Type", cell(&rule["type"])),
        ("Match", cell(&rule["match"])),
        ("Description", cell(&rule["description"])),
        ("Forward to", joined(&rule["forward_to"])),
        ("Views", views.join("; ")),
        ("Created On", cell(&rule["created_on"])),
        ("Modified On", cell(&rule["modified_on"])),
    ]);
}

/// Views given as JSON objects (`{"name": …, "expression": …, "forward_to": […], "description": …}`).
fn views(texts: &[String]) -> anyhow::Result<Vec<Value>> {
    texts
        .iter()
        .map(|text| {
            let view: Value = serde_json::from_str(text)
                .map_err(|error| anyhow::anyhow!("`--view {text}` is not a JSON object: {error}"))?;
            anyhow::ensure!(view.is_object(), "`--view {text}` is not a JSON object");
            Ok(view)
        })
        .collect()
}

/// `custom-resolver-forwarding-rule-create RESOLVER --type zone --match ZONE [--dns-svcs IP,…] [--view JSON]…`.
#[derive(Clone, Debug, Args)]
pub struct RuleCreate {
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(long)]
    instance: String,
    /// The resolver, by id or name.
    resolver: String,
    /// The rule's type (only `zone` is created).
    #[arg(long = "type", default_value = "zone")]
    kind: String,
    /// The zone the rule matches.
    #[arg(long = "match")]
    matches: String,
    /// Where queries go: addresses separated by commas, each optionally with a port.
    #[arg(long = "dns-svcs")]
    dns_svcs: Option<String>,
    /// A view, as a JSON object with `name`, `expression`, `forward_to` and optionally `description`; repeat for
    /// more.
    #[arg(long = "view")]
    views: Vec<String>,
    /// A description.
    #[arg(short, long)]
    description: Option<String>,
}

impl RuleCreate {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let path = resolver_path(&client, &self.instance, &self.resolver).await?;
        let mut body = json!({ "type": self.kind, "match": self.matches });
        if let Some(dns_svcs) = &self.dns_svcs {
            body["forward_to"] = json!(items(dns_svcs));
        }
        if !self.views.is_empty() {
            body["views"] = json!(views(&self.views)?);
        }
        if let Some(description) = &self.description {
            body["description"] = json!(description);
        }
        printer.progress(&format!(
            "Creating forwarding rule for {} on custom resolver {}...",
            self.matches, self.resolver
        ));
        let rule = client.call(Method::POST, &format!("{path}/forwarding_rules"), Some(&body)).await?;
        printer.resource(&rule, print_rule);
        Ok(())
    }
}

/// `custom-resolver-forwarding-rule-update RESOLVER RULE [--match] [--dns-svcs] [-d] [--view JSON]…`.
#[derive(Clone, Debug, Args)]
pub struct RuleUpdate {
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(long)]
    instance: String,
    /// The resolver, by id or name.
    resolver: String,
    /// The rule's id.
    rule: String,
    /// A new zone to match (not for the default rule).
    #[arg(long = "match")]
    matches: Option<String>,
    /// New addresses, separated by commas (an empty value removes them).
    #[arg(long = "dns-svcs")]
    dns_svcs: Option<String>,
    /// The views that replace the rule's, each a JSON object; repeat for more.
    #[arg(long = "view")]
    views: Vec<String>,
    /// Remove every view of the rule.
    #[arg(long, conflicts_with = "views")]
    remove_views: bool,
    /// A new description.
    #[arg(short, long)]
    description: Option<String>,
}

impl RuleUpdate {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let path = resolver_path(&client, &self.instance, &self.resolver).await?;
        let mut body = json!({});
        if let Some(matches) = &self.matches {
            body["match"] = json!(matches);
        }
        if let Some(dns_svcs) = &self.dns_svcs {
            body["forward_to"] = json!(items(dns_svcs));
        }
        if !self.views.is_empty() {
            body["views"] = json!(views(&self.views)?);
        } else if self.remove_views {
            body["views"] = json!([]);
        }
        if let Some(description) = &self.description {
            body["description"] = json!(description);
        }
        printer.progress(&format!("Updating forwarding rule {}...", self.rule));
        let rule = client.call(Method::PATCH, &format!("{path}/forwarding_rules/{}", self.rule), Some(&body)).await?;
        printer.resource(&rule, print_rule);
        Ok(())
    }
}

/// A resolver and one of its forwarding rules or secondary zones.
#[derive(Clone, Debug, Args)]
pub struct Child {
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(long)]
    instance: String,
    /// The resolver, by id or name.
    resolver: String,
    /// The rule's or secondary zone's id.
    id: String,
    /// Delete without asking (deletes only).
    #[arg(short, long)]
    force: bool,
}

impl Child {
    async fn path(&self, client: &Client, collection: &str) -> anyhow::Result<String> {
        Ok(format!("{}/{collection}/{}", resolver_path(client, &self.instance, &self.resolver).await?, self.id))
    }

    pub(crate) async fn show_rule(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let path = self.path(&client, "forwarding_rules").await?;
        printer.progress(&format!("Getting forwarding rule {}...", self.id));
        let rule = client.call(Method::GET, &path, None).await?;
        printer.resource(&rule, print_rule);
        Ok(())
    }

    pub(crate) async fn delete_rule(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        confirm(&format!("forwarding rule {}", self.id), self.force)?;
        let client = Client::connect(connection)?;
        let path = self.path(&client, "forwarding_rules").await?;
        printer.progress(&format!("Deleting forwarding rule {}...", self.id));
        client.call(Method::DELETE, &path, None).await?;
        printer.ok();
        Ok(())
    }

    pub(crate) async fn show_zone(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let path = self.path(&client, "secondary_zones").await?;
        printer.progress(&format!("Getting secondary zone {}...", self.id));
        let zone = client.call(Method::GET, &path, None).await?;
        printer.resource(&zone, print_zone);
        Ok(())
    }

    pub(crate) async fn delete_zone(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        confirm(&format!("secondary zone {}", self.id), self.force)?;
        let client = Client::connect(connection)?;
        let path = self.path(&client, "secondary_zones").await?;
        printer.progress(&format!("Deleting secondary zone {}...", self.id));
        client.call(Method::DELETE, &path, None).await?;
        printer.ok();
        Ok(())
    }
}

/// `custom-resolver-forwarding-rules RESOLVER [--page N] [--per-page N]` and `secondary-zones RESOLVER …`.
#[derive(Clone, Debug, Args)]
pub struct Listing {
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(long)]
    instance: String,
    /// The resolver, by id or name.
    resolver: String,
    /// The page to show, from 1.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    page: u64,
    /// Items per page (50 to 1000).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(50..=1000))]
    per_page: u64,
}

impl Listing {
    async fn fetch(&self, client: &Client, collection: &str) -> anyhow::Result<Value> {
        let path = resolver_path(client, &self.instance, &self.resolver).await?;
        let offset = (self.page - 1) * self.per_page;
        Ok(client
            .call(Method::GET, &format!("{path}/{collection}?offset={offset}&limit={}", self.per_page), None)
            .await?)
    }

    pub(crate) async fn rules(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        printer.progress(&format!("Listing forwarding rules of custom resolver {}...", self.resolver));
        let body = self.fetch(&client, "forwarding_rules").await?;
        if printer.json() {
            printer.value(&body["forwarding_rules"]);
            return Ok(());
        }
        let rows: Vec<Vec<String>> = body["forwarding_rules"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|rule| {
                let views = rule["views"].as_array().map_or(0, Vec::len);
                vec![
                    cell(&rule["id"]),
                    cell(&rule["type"]),
                    cell(&rule["match"]),
                    joined(&rule["forward_to"]),
                    views.to_string(),
                ]
            })
            .collect();
        printer.list("forwarding rules", &["ID", "Type", "Match", "Forward to", "Views"], &rows);
        Ok(())
    }

    pub(crate) async fn zones(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        printer.progress(&format!("Listing secondary zones of custom resolver {}...", self.resolver));
        let body = self.fetch(&client, "secondary_zones").await?;
        if printer.json() {
            printer.value(&body["secondary_zones"]);
            return Ok(());
        }
        let rows: Vec<Vec<String>> = body["secondary_zones"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|zone| {
                vec![cell(&zone["id"]), cell(&zone["zone"]), cell(&zone["enabled"]), joined(&zone["transfer_from"])]
            })
            .collect();
        printer.list("secondary zones", &["ID", "Zone", "Enabled", "Transfer from"], &rows);
        Ok(())
    }
}

fn print_zone(printer: &Printer, zone: &Value) {
    printer.block(&[
        ("ID", cell(&zone["id"])),
        ("Zone", cell(&zone["zone"])),
        ("Description", cell(&zone["description"])),
        ("Enabled", cell(&zone["enabled"])),
        ("Transfer from", joined(&zone["transfer_from"])),
        ("Created On", cell(&zone["created_on"])),
        ("Modified On", cell(&zone["modified_on"])),
    ]);
}

/// `secondary-zone-create RESOLVER --name ZONE --transfer-from A1,A2 [-d] [--enabled true|false]`.
#[derive(Clone, Debug, Args)]
pub struct ZoneCreate {
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(long)]
    instance: String,
    /// The resolver, by id or name.
    resolver: String,
    /// The zone.
    #[arg(long)]
    name: String,
    /// The primaries to transfer the zone from, separated by commas, each optionally with a port.
    #[arg(long)]
    transfer_from: String,
    /// Whether the resolver answers for the zone (`true` when omitted).
    #[arg(long, value_parser = clap::value_parser!(bool))]
    enabled: Option<bool>,
    /// A description.
    #[arg(short, long)]
    description: Option<String>,
}

impl ZoneCreate {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let path = resolver_path(&client, &self.instance, &self.resolver).await?;
        let mut body = json!({ "zone": self.name, "transfer_from": items(&self.transfer_from) });
        if let Some(enabled) = self.enabled {
            body["enabled"] = json!(enabled);
        }
        if let Some(description) = &self.description {
            body["description"] = json!(description);
        }
        printer.progress(&format!("Creating secondary zone {} on custom resolver {}...", self.name, self.resolver));
        let zone = client.call(Method::POST, &format!("{path}/secondary_zones"), Some(&body)).await?;
        printer.resource(&zone, print_zone);
        Ok(())
    }
}

/// `secondary-zone-update RESOLVER ZONE_ID [--transfer-from] [-d] [--enabled]`.
#[derive(Clone, Debug, Args)]
pub struct ZoneUpdate {
    /// The DNS Services instance (name, GUID or CRN).
    #[arg(long)]
    instance: String,
    /// The resolver, by id or name.
    resolver: String,
    /// The secondary zone's id.
    id: String,
    /// New primaries, separated by commas.
    #[arg(long)]
    transfer_from: Option<String>,
    /// Enable (`true`) or disable (`false`).
    #[arg(long, value_parser = clap::value_parser!(bool))]
    enabled: Option<bool>,
    /// A new description.
    #[arg(short, long)]
    description: Option<String>,
}

impl ZoneUpdate {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let path = resolver_path(&client, &self.instance, &self.resolver).await?;
        let mut body = json!({});
        if let Some(transfer_from) = &self.transfer_from {
            body["transfer_from"] = json!(items(transfer_from));
        }
        if let Some(enabled) = self.enabled {
            body["enabled"] = json!(enabled);
        }
        if let Some(description) = &self.description {
            body["description"] = json!(description);
        }
        printer.progress(&format!("Updating secondary zone {}...", self.id));
        let zone = client.call(Method::PATCH, &format!("{path}/secondary_zones/{}", self.id), Some(&body)).await?;
        printer.resource(&zone, print_zone);
        Ok(())
    }
}
