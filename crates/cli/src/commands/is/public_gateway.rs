//! `public-gateways`, `public-gateway`, `public-gateway-create`, `public-gateway-update`, `public-gateway-delete`,
//! `subnet-public-gateway-attach`, `subnet-public-gateway-detach` and `subnet-reserved-ip-update`.

use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use super::{cell, confirm, find};
use crate::client::Client;
use crate::output::Printer;

fn print_gateway(printer: &Printer, gateway: &Value) {
    printer.block(&[
        ("ID", cell(&gateway["id"])),
        ("Name", cell(&gateway["name"])),
        ("CRN", cell(&gateway["crn"])),
        ("Status", cell(&gateway["status"])),
        (
            "Floating IP",
            format!("{} ({})", cell(&gateway["floating_ip"]["address"]), cell(&gateway["floating_ip"]["id"])),
        ),
        ("Zone", cell(&gateway["zone"]["name"])),
        ("VPC", format!("{} ({})", cell(&gateway["vpc"]["name"]), cell(&gateway["vpc"]["id"]))),
    ]);
}

async fn gateway(client: &Client, wanted: &str) -> anyhow::Result<Value> {
    find(client, "/v1/public_gateways", "public_gateways", wanted).await
}

async fn subnet(client: &Client, wanted: &str) -> anyhow::Result<Value> {
    find(client, "/v1/subnets", "subnets", wanted).await
}

/// `public-gateways`.
#[derive(Clone, Debug, Args)]
pub struct List {}

impl List {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let body = client.vpc(Method::GET, "/v1/public_gateways?limit=100", None).await?;
        if printer.json() {
            printer.value(&body["public_gateways"]);
            return Ok(());
        }
        let rows: Vec<Vec<String>> = body["public_gateways"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| {
                vec![
                    cell(&g["id"]),
                    cell(&g["name"]),
                    cell(&g["status"]),
                    cell(&g["floating_ip"]["address"]),
                    cell(&g["zone"]["name"]),
                    cell(&g["vpc"]["name"]),
                ]
            })
            .collect();
        printer.table(&["ID", "Name", "Status", "Floating IP", "Zone", "VPC"], &rows);
        Ok(())
    }
}

/// `public-gateway GATEWAY`.
#[derive(Clone, Debug, Args)]
pub struct Show {
    /// The public gateway: id or name.
    gateway: String,
}

impl Show {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let found = gateway(client, &self.gateway).await?;
        let body = client.vpc(Method::GET, &format!("/v1/public_gateways/{}", cell(&found["id"])), None).await?;
        printer.resource(&body, print_gateway);
        Ok(())
    }
}

/// `public-gateway-create GATEWAY_NAME VPC ZONE [--floating-ip-address ADDRESS]`.
#[derive(Clone, Debug, Args)]
pub struct Create {
    /// The gateway's name.
    name: String,
    /// The VPC: id or name.
    vpc: String,
    /// The zone, for example `us-south-1`.
    zone: String,
    /// The public address of its floating IP; the next free one when not given.
    #[arg(long)]
    floating_ip_address: Option<String>,
}

impl Create {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let vpc = find(client, "/v1/vpcs", "vpcs", &self.vpc).await?;
        printer.progress(&format!(
            "Creating public gateway {} in VPC {} as {}...",
            self.name,
            cell(&vpc["id"]),
            client.iam_id().await?
        ));
        let mut body = json!({ "name": self.name, "vpc": { "id": vpc["id"] }, "zone": { "name": self.zone } });
        if let Some(address) = &self.floating_ip_address {
            body["floating_ip"] = json!({ "address": address });
        }
        let created = client.vpc(Method::POST, "/v1/public_gateways", Some(&body)).await?;
        printer.resource(&created, print_gateway);
        Ok(())
    }
}

/// `public-gateway-update GATEWAY --name NEW_NAME`.
#[derive(Clone, Debug, Args)]
pub struct Update {
    /// The public gateway: id or name.
    gateway: String,
    /// The new name.
    #[arg(long)]
    name: String,
}

impl Update {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let id = cell(&gateway(client, &self.gateway).await?["id"]);
        printer.progress(&format!("Updating public gateway {id}..."));
        let path = format!("/v1/public_gateways/{id}");
        // The change is made against the state just read, so a concurrent change is refused rather than overwritten.
        let etag = client.vpc_etag(&path).await?;
        let updated = client.vpc_with_if_match(Method::PATCH, &path, &json!({ "name": self.name }), &etag).await?;
        printer.resource(&updated, print_gateway);
        Ok(())
    }
}

/// `public-gateway-delete GATEWAY... [-f]`.
#[derive(Clone, Debug, Args)]
pub struct Delete {
    /// The public gateways: ids or names.
    #[arg(required = true)]
    gateways: Vec<String>,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl Delete {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        for wanted in &self.gateways {
            let found = gateway(client, wanted).await?;
            confirm(&format!("public gateway {wanted}"), self.force)?;
            printer.progress(&format!("Deleting public gateway {}...", cell(&found["id"])));
            client.vpc(Method::DELETE, &format!("/v1/public_gateways/{}", cell(&found["id"])), None).await?;
            printer.ok();
        }
        Ok(())
    }
}

/// `subnet-public-gateway-attach SUBNET GATEWAY`.
#[derive(Clone, Debug, Args)]
pub struct Attach {
    /// The subnet: id or name.
    subnet: String,
    /// The public gateway, of the subnet's VPC and zone: id or name.
    gateway: String,
}

impl Attach {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let subnet = cell(&subnet(client, &self.subnet).await?["id"]);
        let gateway = gateway(client, &self.gateway).await?;
        printer.progress(&format!("Attaching public gateway {} to subnet {subnet}...", cell(&gateway["id"])));
        let path = format!("/v1/subnets/{subnet}/public_gateway");
        let attached = client.vpc(Method::PUT, &path, Some(&json!({ "id": gateway["id"] }))).await?;
        printer.resource(&attached, print_gateway);
        Ok(())
    }
}

/// `subnet-public-gateway-detach SUBNET [-f]`.
#[derive(Clone, Debug, Args)]
pub struct Detach {
    /// The subnet: id or name.
    subnet: String,
    /// Detach without asking.
    #[arg(short, long)]
    force: bool,
}

impl Detach {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let subnet = cell(&subnet(client, &self.subnet).await?["id"]);
        confirm(&format!("the public gateway of subnet {}", self.subnet), self.force)?;
        printer.progress(&format!("Detaching the public gateway of subnet {subnet}..."));
        client.vpc(Method::DELETE, &format!("/v1/subnets/{subnet}/public_gateway"), None).await?;
        printer.ok();
        Ok(())
    }
}

/// `subnet-reserved-ip-update SUBNET RESERVED_IP [--name NEW_NAME] [--auto-delete true|false]`.
#[derive(Clone, Debug, Args)]
pub struct ReservedIpUpdate {
    /// The subnet: id or name.
    subnet: String,
    /// The reserved IP: id, name or address.
    ip: String,
    /// The new name.
    #[arg(long)]
    name: Option<String>,
    /// Whether it is deleted when its target releases it.
    #[arg(long, value_parser = ["true", "false"])]
    auto_delete: Option<String>,
}

impl ReservedIpUpdate {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let subnet = cell(&subnet(client, &self.subnet).await?["id"]);
        let ips = client.vpc(Method::GET, &format!("/v1/subnets/{subnet}/reserved_ips?limit=100"), None).await?;
        let wanted = json!(self.ip);
        let ip = ips["reserved_ips"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|ip| ip["id"] == wanted || ip["name"] == wanted || ip["address"] == wanted)
            .ok_or_else(|| {
                anyhow::anyhow!("subnet {subnet} has no reserved IP named, with id or address `{}`", self.ip)
            })?;
        let id = cell(&ip["id"]);
        let mut body = json!({});
        if let Some(name) = &self.name {
            body["name"] = json!(name);
        }
        if let Some(auto_delete) = &self.auto_delete {
            body["auto_delete"] = json!(auto_delete == "true");
        }
        printer.progress(&format!("Updating reserved IP {id} of subnet {subnet}..."));
        let path = format!("/v1/subnets/{subnet}/reserved_ips/{id}");
        let updated = client.vpc(Method::PATCH, &path, Some(&body)).await?;
        printer.resource(&updated, |printer, ip| {
            printer.block(&[
                ("ID", cell(&ip["id"])),
                ("Name", cell(&ip["name"])),
                ("Address", cell(&ip["address"])),
                ("Auto delete", cell(&ip["auto_delete"])),
                ("Owner", cell(&ip["owner"])),
            ]);
        });
        Ok(())
    }
}
