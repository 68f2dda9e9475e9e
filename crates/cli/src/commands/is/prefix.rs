//! `vpc-address-prefixes`, `vpc-address-prefix`, `vpc-address-prefix-create`, `vpc-address-prefix-update`,
//! `vpc-address-prefix-delete`.

use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use super::{cell, confirm, find};
use crate::client::Client;
use crate::output::Printer;

fn print_prefix(printer: &Printer, prefix: &Value) {
    printer.block(&[
        ("ID", cell(&prefix["id"])),
        ("Name", cell(&prefix["name"])),
        ("CIDR", cell(&prefix["cidr"])),
        ("Zone", cell(&prefix["zone"]["name"])),
        ("Has subnets", cell(&prefix["has_subnets"])),
        ("Default", cell(&prefix["is_default"])),
        ("Created", cell(&prefix["created_at"])),
    ]);
}

/// The id of the caller's VPC named by id or name.
async fn vpc_id(client: &Client, wanted: &str) -> anyhow::Result<String> {
    Ok(cell(&find(client, "/v1/vpcs", "vpcs", wanted).await?["id"]))
}

/// The address prefix of `vpc` named by id or name.
async fn prefix_of(client: &Client, vpc: &str, wanted: &str) -> anyhow::Result<Value> {
    find(client, &format!("/v1/vpcs/{vpc}/address_prefixes"), "address_prefixes", wanted).await
}

/// `vpc-address-prefixes VPC`.
#[derive(Clone, Debug, Args)]
pub struct List {
    /// The VPC: id or name.
    vpc: String,
}

impl List {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let vpc = vpc_id(client, &self.vpc).await?;
        let prefixes = client.vpc_all(&format!("/v1/vpcs/{vpc}/address_prefixes"), "address_prefixes").await?;
        if printer.json() {
            printer.value(&Value::Array(prefixes));
            return Ok(());
        }
        let rows: Vec<Vec<String>> = prefixes
            .iter()
            .map(|p| {
                vec![
                    cell(&p["id"]),
                    cell(&p["name"]),
                    cell(&p["cidr"]),
                    cell(&p["zone"]["name"]),
                    cell(&p["has_subnets"]),
                    cell(&p["is_default"]),
                ]
            })
            .collect();
        printer.list("address prefixes", &["ID", "Name", "CIDR", "Zone", "Has subnets", "Default"], &rows);
        Ok(())
    }
}

/// `vpc-address-prefix VPC PREFIX`.
#[derive(Clone, Debug, Args)]
pub struct Show {
    /// The VPC: id or name.
    vpc: String,
    /// The address prefix: id or name.
    prefix: String,
}

impl Show {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let vpc = vpc_id(client, &self.vpc).await?;
        let id = cell(&prefix_of(client, &vpc, &self.prefix).await?["id"]);
        let prefix = client.vpc(Method::GET, &format!("/v1/vpcs/{vpc}/address_prefixes/{id}"), None).await?;
        printer.resource(&prefix, print_prefix);
        Ok(())
    }
}

/// `vpc-address-prefix-create PREFIX_NAME VPC ZONE CIDR [--default]`.
#[derive(Clone, Debug, Args)]
pub struct Create {
    /// The prefix's name.
    name: String,
    /// The VPC: id or name.
    vpc: String,
    /// The zone, for example `us-south-1`.
    zone: String,
    /// The range, for example `10.10.0.0/16`.
    cidr: String,
    /// Make it the zone's default prefix (subnets created by address count are taken from it).
    #[arg(long)]
    default: bool,
}

impl Create {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let vpc = vpc_id(client, &self.vpc).await?;
        let body = json!({
            "name": self.name,
            "zone": { "name": self.zone },
            "cidr": self.cidr,
            "is_default": self.default,
        });
        printer.progress(&format!(
            "Creating address prefix {} in VPC {vpc} as {}...",
            self.name,
            client.iam_id().await?
        ));
        let prefix = client.vpc(Method::POST, &format!("/v1/vpcs/{vpc}/address_prefixes"), Some(&body)).await?;
        printer.resource(&prefix, print_prefix);
        Ok(())
    }
}

/// `vpc-address-prefix-update VPC PREFIX [--name NEW_NAME] [--default true|false]`.
#[derive(Clone, Debug, Args)]
pub struct Update {
    /// The VPC: id or name.
    vpc: String,
    /// The address prefix: id or name.
    prefix: String,
    /// The new name.
    #[arg(long)]
    name: Option<String>,
    /// Whether it is the zone's default prefix.
    #[arg(long, value_parser = ["true", "false"])]
    default: Option<String>,
}

impl Update {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let vpc = vpc_id(client, &self.vpc).await?;
        let id = cell(&prefix_of(client, &vpc, &self.prefix).await?["id"]);
        let mut body = json!({});
        if let Some(name) = &self.name {
            body["name"] = json!(name);
        }
        if let Some(default) = &self.default {
            body["is_default"] = json!(default == "true");
        }
        printer.progress(&format!("Updating address prefix {id} of VPC {vpc}..."));
        let path = format!("/v1/vpcs/{vpc}/address_prefixes/{id}");
        // The change is made against the state just read, so a concurrent change is refused rather than overwritten.
        let etag = client.vpc_etag(&path).await?;
        let prefix = client.vpc_with_if_match(Method::PATCH, &path, &body, &etag).await?;
        printer.resource(&prefix, print_prefix);
        Ok(())
    }
}

/// `vpc-address-prefix-delete VPC PREFIX... [-f]`.
#[derive(Clone, Debug, Args)]
pub struct Delete {
    /// The VPC: id or name.
    vpc: String,
    /// The address prefixes: ids or names.
    #[arg(required = true)]
    prefixes: Vec<String>,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl Delete {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let vpc = vpc_id(client, &self.vpc).await?;
        for wanted in &self.prefixes {
            let id = cell(&prefix_of(client, &vpc, wanted).await?["id"]);
            confirm(&format!("address prefix {wanted}"), self.force)?;
            printer.progress(&format!("Deleting address prefix {id}..."));
            client.vpc(Method::DELETE, &format!("/v1/vpcs/{vpc}/address_prefixes/{id}"), None).await?;
            printer.ok();
        }
        Ok(())
    }
}
