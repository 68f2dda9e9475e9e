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

/// `subnet-reserved-ips SUBNET`.
#[derive(Clone, Debug, Args)]
pub struct ReservedIps {
    /// The subnet: id or name.
    subnet: String,
}

impl ReservedIps {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let subnet = find(client, "/v1/subnets", "subnets", &self.subnet).await?;
        printer.progress(&format!("Listing reserved IPs of subnet {}...", cell(&subnet["id"])));
        let path = format!("/v1/subnets/{}/reserved_ips", cell(&subnet["id"]));
        let ips = client.vpc_all(&path, "reserved_ips").await?;
        if printer.json() {
            printer.value(&Value::Array(ips));
            return Ok(());
        }
        let rows: Vec<Vec<String>> = ips
            .iter()
            .map(|ip| {
                let target = ip["target"]["name"].as_str().or(ip["target"]["id"].as_str()).unwrap_or("-");
                vec![
                    cell(&ip["id"]),
                    cell(&ip["name"]),
                    cell(&ip["address"]),
                    cell(&ip["auto_delete"]),
                    target.to_owned(),
                ]
            })
            .collect();
        printer.list("reserved IPs", &["ID", "Name", "Address", "Auto delete", "Target"], &rows);
        Ok(())
    }
}

/// `subnet-reserved-ip-delete SUBNET IP... [-f]`.
#[derive(Clone, Debug, Args)]
pub struct ReservedIpDelete {
    /// The subnet: id or name.
    subnet: String,
    /// The reserved IPs: ids, names or addresses.
    #[arg(required = true)]
    ips: Vec<String>,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl ReservedIpDelete {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let subnet = cell(&find(client, "/v1/subnets", "subnets", &self.subnet).await?["id"]);
        let ips = client.vpc_all(&format!("/v1/subnets/{subnet}/reserved_ips"), "reserved_ips").await?;
        for wanted in &self.ips {
            let ip = ips
                .iter()
                .find(|ip| {
                    ip["id"] == wanted.as_str() || ip["name"] == wanted.as_str() || ip["address"] == wanted.as_str()
                })
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "subnet `{}` has no reserved IP named or with id or address `{wanted}`",
                        self.subnet
                    )
                })?;
            confirm(&format!("reserved IP {wanted}"), self.force)?;
            printer.progress(&format!("Deleting reserved IP {}...", cell(&ip["id"])));
            client.vpc(Method::DELETE, &format!("/v1/subnets/{subnet}/reserved_ips/{}", cell(&ip["id"])), None).await?;
            printer.ok();
        }
        Ok(())
    }
}
