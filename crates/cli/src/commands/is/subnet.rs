//! `subnet-create`, `subnets`.

use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use super::{cell, confirm, find, list_in_vpc};
use crate::client::Client;
use crate::output::Printer;

fn print_subnet(printer: &Printer, subnet: &Value) {
    printer.block(&[
        ("ID", cell(&subnet["id"])),
        ("Name", cell(&subnet["name"])),
        ("CRN", cell(&subnet["crn"])),
        ("IPv4 CIDR", cell(&subnet["ipv4_cidr_block"])),
        ("Available addresses", cell(&subnet["available_ipv4_address_count"])),
        ("Zone", cell(&subnet["zone"]["name"])),
        ("VPC", format!("{} ({})", cell(&subnet["vpc"]["name"]), cell(&subnet["vpc"]["id"]))),
    ]);
}

/// `subnet-create SUBNET_NAME VPC --zone ZONE (--ipv4-address-count N | --ipv4-cidr-block CIDR)`.
#[derive(Clone, Debug, Args)]
pub struct Create {
    /// The subnet's name.
    name: String,
    /// The VPC: id or name.
    vpc: String,
    /// The zone, for example `us-south-1`.
    #[arg(long)]
    zone: String,
    /// How many addresses (a power of two); the first free block of the zone's default address prefix is used.
    #[arg(long, conflicts_with = "ipv4_cidr_block")]
    ipv4_address_count: Option<u32>,
    /// An explicit range, inside an address prefix of the VPC in the zone.
    #[arg(long)]
    ipv4_cidr_block: Option<String>,
}

impl Create {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let vpc = find(client, "/v1/vpcs", "vpcs", &self.vpc).await?;
        let mut body = json!({ "name": self.name, "vpc": { "id": vpc["id"] }, "zone": { "name": self.zone } });
        match (&self.ipv4_cidr_block, self.ipv4_address_count) {
            (Some(cidr), _) => body["ipv4_cidr_block"] = json!(cidr),
            (None, count) => body["total_ipv4_address_count"] = json!(count.unwrap_or(256)),
        }
        printer.progress(&format!(
            "Creating subnet {} in VPC {} as {}...",
            self.name,
            cell(&vpc["id"]),
            client.iam_id().await?
        ));
        let subnet = client.vpc(Method::POST, "/v1/subnets", Some(&body)).await?;
        printer.resource(&subnet, print_subnet);
        Ok(())
    }
}

/// `subnets [--vpc VPC]`.
#[derive(Clone, Debug, Args)]
pub struct List {
    /// Only the subnets of this VPC (id or name).
    #[arg(long)]
    vpc: Option<String>,
}

impl List {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let body = list_in_vpc(client, "subnets", self.vpc.as_deref()).await?;
        if printer.json() {
            printer.value(&body["subnets"]);
            return Ok(());
        }
        let rows: Vec<Vec<String>> = body["subnets"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                vec![
                    cell(&s["id"]),
                    cell(&s["name"]),
                    cell(&s["ipv4_cidr_block"]),
                    cell(&s["zone"]["name"]),
                    cell(&s["vpc"]["name"]),
                ]
            })
            .collect();
        printer.list("subnets", &["ID", "Name", "IPv4 CIDR", "Zone", "VPC"], &rows);
        Ok(())
    }
}

/// `subnet-delete SUBNET...`.
#[derive(Clone, Debug, Args)]
pub struct Delete {
    /// The subnets: ids or names.
    #[arg(required = true)]
    subnets: Vec<String>,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl Delete {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        for wanted in &self.subnets {
            let subnet = find(client, "/v1/subnets", "subnets", wanted).await?;
            confirm(&format!("subnet {wanted}"), self.force)?;
            printer.progress(&format!("Deleting subnet {}...", cell(&subnet["id"])));
            client.vpc(Method::DELETE, &format!("/v1/subnets/{}", cell(&subnet["id"])), None).await?;
            printer.ok();
        }
        Ok(())
    }
}
