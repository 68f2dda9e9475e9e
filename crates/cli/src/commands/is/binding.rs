//! `vpc-dns-resolution-binding-create`, `-bindings`, `-binding`, `-binding-update`, `-binding-delete`.

use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use super::{cell, confirm, find, vpc_identity, wait_stable};
use crate::client::Client;
use crate::output::Printer;

fn print_binding(printer: &Printer, binding: &Value) {
    let other = &binding["vpc"];
    let account = other["remote"]["account"]["id"].as_str().map(|a| format!(", account {a}")).unwrap_or_default();
    let gateways: Vec<String> =
        binding["endpoint_gateways"].as_array().into_iter().flatten().map(|g| cell(&g["name"])).collect();
    let mut rows = vec![
        ("ID", cell(&binding["id"])),
        ("Name", cell(&binding["name"])),
        ("Bound VPC", format!("{} ({}{account})", cell(&other["name"]), cell(&other["id"]))),
        ("Lifecycle state", cell(&binding["lifecycle_state"])),
        ("Health state", cell(&binding["health_state"])),
        ("Endpoint gateways", if gateways.is_empty() { "-".to_owned() } else { gateways.join(", ") }),
    ];
    for reason in binding["health_reasons"].as_array().into_iter().flatten() {
        rows.push(("Health reason", format!("{}: {}", cell(&reason["code"]), cell(&reason["message"]))));
    }
    printer.block(&rows);
}

async fn vpc_id(client: &Client, vpc: &str) -> anyhow::Result<String> {
    Ok(cell(&find(client, "/v1/vpcs", "vpcs", vpc).await?["id"]))
}

async fn binding_id(client: &Client, vpc: &str, binding: &str) -> anyhow::Result<String> {
    Ok(cell(
        &find(client, &format!("/v1/vpcs/{vpc}/dns_resolution_bindings"), "dns_resolution_bindings", binding).await?["id"],
    ))
}

/// `vpc-dns-resolution-binding-create VPC --target-vpc TARGET_VPC`.
#[derive(Clone, Debug, Args)]
pub struct Create {
    /// The DNS-shared (spoke) VPC: id or name.
    vpc: String,
    /// The hub VPC: id, name or CRN (a CRN for a hub in another account).
    #[arg(long)]
    target_vpc: String,
    /// The binding's name.
    #[arg(long)]
    name: Option<String>,
    /// Wait until the binding is `stable`.
    #[arg(long)]
    wait: bool,
}

impl Create {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let spoke = vpc_id(client, &self.vpc).await?;
        let mut body = json!({ "vpc": vpc_identity(client, &self.target_vpc).await? });
        if let Some(name) = &self.name {
            body["name"] = json!(name);
        }
        printer.progress(&format!("Creating DNS resolution binding from VPC {spoke} as {}...", client.iam_id().await?));
        let path = format!("/v1/vpcs/{spoke}/dns_resolution_bindings");
        let mut binding = client.vpc(Method::POST, &path, Some(&body)).await?;
        if self.wait {
            binding = wait_stable(client, &format!("{path}/{}", cell(&binding["id"])), printer).await?;
        }
        printer.resource(&binding, print_binding);
        Ok(())
    }
}

/// `vpc-dns-resolution-bindings VPC`.
#[derive(Clone, Debug, Args)]
pub struct List {
    /// The VPC: id or name.
    vpc: String,
    /// Only bindings to VPCs of this account.
    #[arg(long)]
    account_id: Option<String>,
}

impl List {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let vpc = vpc_id(client, &self.vpc).await?;
        let filter = self.account_id.as_ref().map(|a| format!("?account.id={a}")).unwrap_or_default();
        let path = format!("/v1/vpcs/{vpc}/dns_resolution_bindings{filter}");
        let body =
            serde_json::json!({ "dns_resolution_bindings": client.vpc_all(&path, "dns_resolution_bindings").await? });
        if printer.json() {
            printer.value(&body["dns_resolution_bindings"]);
            return Ok(());
        }
        let rows: Vec<Vec<String>> = body["dns_resolution_bindings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| {
                vec![
                    cell(&b["id"]),
                    cell(&b["name"]),
                    cell(&b["vpc"]["id"]),
                    cell(&b["lifecycle_state"]),
                    cell(&b["health_state"]),
                ]
            })
            .collect();
        printer.list("DNS resolution bindings", &["ID", "Name", "Bound VPC", "State", "Health"], &rows);
        Ok(())
    }
}

/// `vpc-dns-resolution-binding VPC BINDING`.
#[derive(Clone, Debug, Args)]
pub struct Show {
    /// The VPC: id or name.
    vpc: String,
    /// The binding: id or name.
    binding: String,
}

impl Show {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let vpc = vpc_id(client, &self.vpc).await?;
        let id = binding_id(client, &vpc, &self.binding).await?;
        let binding = client.vpc(Method::GET, &format!("/v1/vpcs/{vpc}/dns_resolution_bindings/{id}"), None).await?;
        if printer.json() {
            printer.value(&binding);
        } else {
            print_binding(printer, &binding);
        }
        Ok(())
    }
}

/// `vpc-dns-resolution-binding-update VPC BINDING --name NAME`.
#[derive(Clone, Debug, Args)]
pub struct Update {
    /// The VPC: id or name.
    vpc: String,
    /// The binding: id or name.
    binding: String,
    /// The new name.
    #[arg(long)]
    name: String,
}

impl Update {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let vpc = vpc_id(client, &self.vpc).await?;
        let id = binding_id(client, &vpc, &self.binding).await?;
        printer.progress(&format!("Renaming DNS resolution binding {id}..."));
        let binding = client
            .vpc(
                Method::PATCH,
                &format!("/v1/vpcs/{vpc}/dns_resolution_bindings/{id}"),
                Some(&json!({ "name": self.name })),
            )
            .await?;
        printer.resource(&binding, print_binding);
        Ok(())
    }
}

/// `vpc-dns-resolution-binding-delete VPC BINDING...`.
#[derive(Clone, Debug, Args)]
pub struct Delete {
    /// The VPC: id or name.
    vpc: String,
    /// The bindings: ids or names.
    #[arg(required = true)]
    bindings: Vec<String>,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl Delete {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let vpc = vpc_id(client, &self.vpc).await?;
        for wanted in &self.bindings {
            let id = binding_id(client, &vpc, wanted).await?;
            confirm(&format!("DNS resolution binding {wanted}"), self.force)?;
            printer.progress(&format!("Deleting DNS resolution binding {id}..."));
            let binding =
                client.vpc(Method::DELETE, &format!("/v1/vpcs/{vpc}/dns_resolution_bindings/{id}"), None).await?;
            if printer.json() {
                printer.value(&binding);
                continue;
            }
            printer.ok();
            // A spoke without the right to disconnect deletes only its own side; the hub's stays until its
            // administrator deletes it, which a bare `OK` would hide.
            for reason in binding["health_reasons"].as_array().into_iter().flatten() {
                printer.line(&format!("Warning: {}", cell(&reason["message"])));
            }
        }
        Ok(())
    }
}
