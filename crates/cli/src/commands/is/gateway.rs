//! `endpoint-gateway-create`, `endpoint-gateways`, `endpoint-gateway`, `endpoint-gateway-update`,
//! `endpoint-gateway-delete`.

use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use super::{cell, confirm, find, list_in_vpc, wait_stable};
use crate::client::Client;
use crate::output::Printer;

fn print_gateway(printer: &Printer, gateway: &Value) {
    let ips: Vec<String> = gateway["ips"].as_array().into_iter().flatten().map(|ip| cell(&ip["address"])).collect();
    let endpoints: Vec<String> = gateway["service_endpoints"].as_array().into_iter().flatten().map(cell).collect();
    printer.block(&[
        ("ID", cell(&gateway["id"])),
        ("Name", cell(&gateway["name"])),
        ("Target", cell(gateway["target"].get("crn").unwrap_or(&gateway["target"]["name"]))),
        ("Service endpoints", endpoints.join(", ")),
        ("IPs", ips.join(", ")),
        ("DNS resolution binding mode", cell(&gateway["dns_resolution_binding_mode"])),
        ("Lifecycle state", cell(&gateway["lifecycle_state"])),
        ("VPC", format!("{} ({})", cell(&gateway["vpc"]["name"]), cell(&gateway["vpc"]["id"]))),
    ]);
}

/// `endpoint-gateway-create --target TARGET --vpc VPC`.
#[derive(Clone, Debug, Args)]
pub struct Create {
    /// The target: a service CRN, or the name of an infrastructure service (`ibm-ntp-server`).
    #[arg(long)]
    target: String,
    /// `provider_cloud_service` (default for CRNs) or `provider_infrastructure_service`.
    #[arg(long, value_parser = ["provider_cloud_service", "provider_infrastructure_service"])]
    target_type: Option<String>,
    /// The VPC: id or name.
    #[arg(long)]
    vpc: String,
    /// The gateway's name.
    #[arg(long)]
    name: Option<String>,
    /// Reserve a new IP for the gateway in this subnet (id or name).
    #[arg(long)]
    subnet: Option<String>,
    /// `disabled`, `primary` (the default) or `per_resource_binding`.
    #[arg(long, value_parser = ["disabled", "primary", "per_resource_binding"])]
    dns_resolution_binding_mode: Option<String>,
    /// Wait until the gateway is `stable`.
    #[arg(long)]
    wait: bool,
}

impl Create {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let vpc = find(client, "/v1/vpcs", "vpcs", &self.vpc).await?;
        let kind = self.target_type.clone().unwrap_or_else(|| {
            if self.target.starts_with("crn:") {
                "provider_cloud_service".into()
            } else {
                "provider_infrastructure_service".into()
            }
        });
        let target = if kind == "provider_cloud_service" {
            json!({ "crn": self.target, "resource_type": kind })
        } else {
            json!({ "name": self.target, "resource_type": kind })
        };
        let mut body = json!({ "target": target, "vpc": { "id": vpc["id"] } });
        if let Some(name) = &self.name {
            body["name"] = json!(name);
        }
        if let Some(mode) = &self.dns_resolution_binding_mode {
            body["dns_resolution_binding_mode"] = json!(mode);
        }
        if let Some(subnet) = &self.subnet {
            let subnet = find(client, &format!("/v1/subnets?vpc.id={}", cell(&vpc["id"])), "subnets", subnet).await?;
            body["ips"] = json!([{ "subnet": { "id": subnet["id"] } }]);
        }
        printer.progress(&format!(
            "Creating endpoint gateway in VPC {} as {}...",
            cell(&vpc["id"]),
            client.iam_id().await?
        ));
        let mut gateway = client.vpc(Method::POST, "/v1/endpoint_gateways", Some(&body)).await?;
        if self.wait {
            gateway = wait_stable(client, &format!("/v1/endpoint_gateways/{}", cell(&gateway["id"])), printer).await?;
        }
        printer.resource(&gateway, print_gateway);
        Ok(())
    }
}

/// `endpoint-gateways [--vpc VPC]`.
#[derive(Clone, Debug, Args)]
pub struct List {
    /// Only the gateways of this VPC (id or name).
    #[arg(long)]
    vpc: Option<String>,
}

impl List {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let body = list_in_vpc(client, "endpoint_gateways", self.vpc.as_deref()).await?;
        if printer.json() {
            printer.value(&body["endpoint_gateways"]);
            return Ok(());
        }
        let rows: Vec<Vec<String>> = body["endpoint_gateways"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| {
                let endpoints: Vec<String> =
                    g["service_endpoints"].as_array().into_iter().flatten().map(cell).collect();
                vec![
                    cell(&g["id"]),
                    cell(&g["name"]),
                    cell(&g["dns_resolution_binding_mode"]),
                    cell(&g["lifecycle_state"]),
                    endpoints.join(", "),
                ]
            })
            .collect();
        printer.list("endpoint gateways", &["ID", "Name", "Mode", "State", "Service endpoints"], &rows);
        Ok(())
    }
}

/// `endpoint-gateway GATEWAY`.
#[derive(Clone, Debug, Args)]
pub struct Show {
    /// The gateway: id or name.
    gateway: String,
}

impl Show {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let gateway = find(client, "/v1/endpoint_gateways", "endpoint_gateways", &self.gateway).await?;
        if printer.json() {
            printer.value(&gateway);
        } else {
            print_gateway(printer, &gateway);
        }
        Ok(())
    }
}

/// `endpoint-gateway-update GATEWAY`.
#[derive(Clone, Debug, Args)]
pub struct Update {
    /// The gateway: id or name.
    gateway: String,
    /// A new name.
    #[arg(long)]
    name: Option<String>,
    /// `disabled`, `primary` or `per_resource_binding`.
    #[arg(long, value_parser = ["disabled", "primary", "per_resource_binding"])]
    dns_resolution_binding_mode: Option<String>,
    /// Wait until the gateway is `stable` again.
    #[arg(long)]
    wait: bool,
}

impl Update {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let current = find(client, "/v1/endpoint_gateways", "endpoint_gateways", &self.gateway).await?;
        let mut body = json!({});
        if let Some(name) = &self.name {
            body["name"] = json!(name);
        }
        if let Some(mode) = &self.dns_resolution_binding_mode {
            body["dns_resolution_binding_mode"] = json!(mode);
        }
        let path = format!("/v1/endpoint_gateways/{}", cell(&current["id"]));
        printer.progress(&format!(
            "Updating endpoint gateway {} as {}...",
            cell(&current["id"]),
            client.iam_id().await?
        ));
        let mut gateway = client.vpc(Method::PATCH, &path, Some(&body)).await?;
        if self.wait {
            gateway = wait_stable(client, &path, printer).await?;
        }
        printer.resource(&gateway, print_gateway);
        Ok(())
    }
}

/// `endpoint-gateway-delete GATEWAY...`.
#[derive(Clone, Debug, Args)]
pub struct Delete {
    /// The gateways: ids or names.
    #[arg(required = true)]
    gateways: Vec<String>,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl Delete {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        for wanted in &self.gateways {
            let gateway = find(client, "/v1/endpoint_gateways", "endpoint_gateways", wanted).await?;
            confirm(&format!("endpoint gateway {wanted}"), self.force)?;
            printer.progress(&format!("Deleting endpoint gateway {}...", cell(&gateway["id"])));
            client.vpc(Method::DELETE, &format!("/v1/endpoint_gateways/{}", cell(&gateway["id"])), None).await?;
            printer.ok();
        }
        Ok(())
    }
}
