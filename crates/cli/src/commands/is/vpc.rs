//! `vpc-create`, `vpc-update`, `vpcs`, `vpc`, `vpc-delete`.

use anyhow::Context;
use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use super::{cell, confirm, find, vpc_identity};
use crate::client::Client;
use crate::output::Printer;

fn manual_servers(text: &str) -> anyhow::Result<Value> {
    let text = match text.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("reading `{path}`"))?,
        None => text.to_owned(),
    };
    let servers: Value = serde_json::from_str(&text)
        .context("`--dns-resolver-manual-servers` must be a JSON array such as '[{\"address\":\"10.0.0.5\"}]'")?;
    anyhow::ensure!(servers.is_array(), "`--dns-resolver-manual-servers` must be a JSON array");
    Ok(servers)
}

fn print_vpc(printer: &Printer, vpc: &Value) {
    let resolver = &vpc["dns"]["resolver"];
    let servers: Vec<String> =
        resolver["servers"].as_array().into_iter().flatten().map(|s| cell(&s["address"])).collect();
    let mut rows = vec![
        ("ID", cell(&vpc["id"])),
        ("Name", cell(&vpc["name"])),
        ("CRN", cell(&vpc["crn"])),
        ("Status", cell(&vpc["status"])),
        ("Health state", cell(&vpc["health_state"])),
        ("DNS hub", cell(&vpc["dns"]["enable_hub"])),
        ("DNS resolution bindings", cell(&vpc["dns"]["resolution_binding_count"])),
        ("DNS resolver type", cell(&resolver["type"])),
        ("DNS resolver servers", servers.join(", ")),
    ];
    if let Some(configuration) = resolver["configuration"].as_str() {
        rows.push(("DNS resolver configuration", configuration.to_owned()));
    }
    if resolver["vpc"].is_object() {
        rows.push((
            "DNS resolver delegated to",
            format!("{} ({})", cell(&resolver["vpc"]["name"]), cell(&resolver["vpc"]["crn"])),
        ));
    }
    for reason in vpc["health_reasons"].as_array().into_iter().flatten() {
        rows.push(("Health reason", format!("{}: {}", cell(&reason["code"]), cell(&reason["message"]))));
    }
    printer.block(&rows);
}

/// `vpc-create VPC_NAME`.
#[derive(Clone, Debug, Args)]
pub struct Create {
    /// The VPC's name.
    name: String,
    /// Make the VPC a DNS hub.
    #[arg(long, value_parser = clap::value_parser!(bool))]
    dns_enable_hub: Option<bool>,
    /// `system` or `manual`.
    #[arg(long, value_parser = ["system", "manual"])]
    dns_resolver_type: Option<String>,
    /// Manual DNS servers as JSON, or `@FILE`.
    #[arg(long)]
    dns_resolver_manual_servers: Option<String>,
    /// `auto` or `manual`.
    #[arg(long, value_parser = ["auto", "manual"])]
    address_prefix_management: Option<String>,
    /// The resource group, by id (the account's default group when neither this nor the name is given).
    #[arg(long, conflicts_with = "resource_group_name")]
    resource_group_id: Option<String>,
    /// The resource group, by name.
    #[arg(long)]
    resource_group_name: Option<String>,
}

impl Create {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let mut body = json!({ "name": self.name });
        let group = match (&self.resource_group_id, &self.resource_group_name) {
            (Some(id), _) => Some(id.clone()),
            (None, Some(name)) => Some(crate::commands::resource::group_id(client, name).await?),
            (None, None) => None,
        };
        if let Some(id) = group {
            body["resource_group"] = json!({ "id": id });
        }
        if let Some(management) = &self.address_prefix_management {
            body["address_prefix_management"] = json!(management);
        }
        let mut dns = json!({});
        if let Some(hub) = self.dns_enable_hub {
            dns["enable_hub"] = json!(hub);
        }
        match (self.dns_resolver_type.as_deref(), &self.dns_resolver_manual_servers) {
            (Some("manual") | None, Some(servers)) => {
                dns["resolver"] = json!({ "type": "manual", "manual_servers": manual_servers(servers)? })
            }
            (Some(kind), None) => dns["resolver"] = json!({ "type": kind }),
            (Some(_), Some(_)) => {
                anyhow::bail!("`--dns-resolver-manual-servers` goes with `--dns-resolver-type manual`")
            }
            (None, None) => {}
        }
        if dns.as_object().is_some_and(|d| !d.is_empty()) {
            body["dns"] = dns;
        }
        printer.progress(&format!("Creating VPC {} as {}...", self.name, client.iam_id().await?));
        let vpc = client.vpc(Method::POST, "/v1/vpcs", Some(&body)).await?;
        printer.resource(&vpc, print_vpc);
        Ok(())
    }
}

/// `vpc-update VPC`.
#[derive(Clone, Debug, Args)]
pub struct Update {
    /// The VPC: id or name.
    vpc: String,
    /// A new name.
    #[arg(long)]
    name: Option<String>,
    /// Make the VPC a DNS hub, or not.
    #[arg(long, value_parser = clap::value_parser!(bool))]
    dns_enable_hub: Option<bool>,
    /// `system`, `manual` or `delegated`.
    #[arg(long, value_parser = ["system", "manual", "delegated"])]
    dns_resolver_type: Option<String>,
    /// Manual DNS servers as JSON, or `@FILE`.
    #[arg(long)]
    dns_resolver_manual_servers: Option<String>,
    /// The VPC (id, name or CRN) to delegate the resolver to; set if and only if the type is `delegated`.
    #[arg(long)]
    delegate_to_vpc: Option<String>,
}

impl Update {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let current = find(client, "/v1/vpcs", "vpcs", &self.vpc).await?;
        let id = cell(&current["id"]);
        let mut body = json!({});
        if let Some(name) = &self.name {
            body["name"] = json!(name);
        }
        let mut dns = json!({});
        if let Some(hub) = self.dns_enable_hub {
            dns["enable_hub"] = json!(hub);
        }
        let from = current["dns"]["resolver"]["type"].as_str().unwrap_or("system");
        if let Some(kind) = &self.dns_resolver_type {
            anyhow::ensure!(
                (kind == "delegated") == self.delegate_to_vpc.is_some(),
                "`--delegate-to-vpc` must be set if and only if `--dns-resolver-type` is `delegated`"
            );
            let mut resolver = json!({ "type": kind });
            match kind.as_str() {
                "delegated" => {
                    resolver["vpc"] = vpc_identity(client, self.delegate_to_vpc.as_deref().unwrap_or_default()).await?
                }
                "manual" => {
                    let servers = self
                        .dns_resolver_manual_servers
                        .as_deref()
                        .context("`--dns-resolver-type manual` needs `--dns-resolver-manual-servers`")?;
                    resolver["manual_servers"] = manual_servers(servers)?;
                }
                _ => {}
            }
            // Leaving a type clears the field that belonged to it, as the API requires.
            if from == "delegated" && kind != "delegated" {
                resolver["vpc"] = Value::Null;
            }
            if from == "manual" && kind != "manual" {
                resolver["manual_servers"] = Value::Null;
            }
            dns["resolver"] = resolver;
        }
        if dns.as_object().is_some_and(|d| !d.is_empty()) {
            body["dns"] = dns;
        }
        printer.progress(&format!("Updating VPC {id} as {}...", client.iam_id().await?));
        let path = format!("/v1/vpcs/{id}");
        let vpc = if self.dns_resolver_manual_servers.is_some() {
            // Manual servers need the VPC's current ETag in If-Match.
            let etag = client.vpc_etag(&path).await?;
            client.vpc_with_if_match(Method::PATCH, &path, &body, &etag).await?
        } else {
            client.vpc(Method::PATCH, &path, Some(&body)).await?
        };
        printer.resource(&vpc, print_vpc);
        Ok(())
    }
}

/// `vpcs`.
#[derive(Clone, Debug, Args)]
pub struct List {}

impl List {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        printer.progress(&format!("Listing VPCs as {}...", client.iam_id().await?));
        let body = serde_json::json!({ "vpcs": client.vpc_all("/v1/vpcs", "vpcs").await? });
        if printer.json() {
            printer.value(&body["vpcs"]);
            return Ok(());
        }
        let rows: Vec<Vec<String>> = body["vpcs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|vpc| {
                vec![
                    cell(&vpc["id"]),
                    cell(&vpc["name"]),
                    cell(&vpc["dns"]["enable_hub"]),
                    cell(&vpc["dns"]["resolver"]["type"]),
                    cell(&vpc["dns"]["resolution_binding_count"]),
                ]
            })
            .collect();
        printer.list("VPCs", &["ID", "Name", "Hub", "Resolver", "Bindings"], &rows);
        Ok(())
    }
}

/// `vpc VPC`.
#[derive(Clone, Debug, Args)]
pub struct Show {
    /// The VPC: id or name.
    vpc: String,
}

impl Show {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let vpc = find(client, "/v1/vpcs", "vpcs", &self.vpc).await?;
        if printer.json() {
            printer.value(&vpc);
            return Ok(());
        }
        print_vpc(printer, &vpc);
        Ok(())
    }
}

/// `vpc-delete VPC...`.
#[derive(Clone, Debug, Args)]
pub struct Delete {
    /// The VPCs: ids or names.
    #[arg(required = true)]
    vpcs: Vec<String>,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl Delete {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        for wanted in &self.vpcs {
            let vpc = find(client, "/v1/vpcs", "vpcs", wanted).await?;
            confirm(&format!("VPC {wanted}"), self.force)?;
            printer.progress(&format!("Deleting VPC {}...", cell(&vpc["id"])));
            client.vpc(Method::DELETE, &format!("/v1/vpcs/{}", cell(&vpc["id"])), None).await?;
            printer.ok();
        }
        Ok(())
    }
}
