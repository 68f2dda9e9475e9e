//! `endpoint-gateway-resource-bindings`, `endpoint-gateway-resource-binding`,
//! `endpoint-gateway-resource-binding-create` and `endpoint-gateway-resource-binding-delete`.

use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use super::{cell, confirm, find};
use crate::client::Client;
use crate::output::Printer;

fn print_binding(printer: &Printer, binding: &Value) {
    printer.block(&[
        ("ID", cell(&binding["id"])),
        ("Name", cell(&binding["name"])),
        ("Target CRN", cell(&binding["target"]["crn"])),
        ("Service endpoint", cell(&binding["service_endpoint"])),
        ("Type", cell(&binding["type"])),
        ("Lifecycle state", cell(&binding["lifecycle_state"])),
        ("Created", cell(&binding["created_at"])),
    ]);
}

/// The id of an endpoint gateway named by id or name.
async fn gateway_id(client: &Client, wanted: &str) -> anyhow::Result<String> {
    Ok(cell(&find(client, "/v1/endpoint_gateways", "endpoint_gateways", wanted).await?["id"]))
}

/// A resource binding of the gateway, by id or name.
async fn binding(client: &Client, gateway: &str, wanted: &str) -> anyhow::Result<Value> {
    find(client, &format!("/v1/endpoint_gateways/{gateway}/resource_bindings"), "resource_bindings", wanted).await
}

/// `endpoint-gateway-resource-bindings ENDPOINT_GATEWAY`.
#[derive(Clone, Debug, Args)]
pub struct List {
    /// The endpoint gateway: id or name.
    gateway: String,
}

impl List {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let gateway = gateway_id(client, &self.gateway).await?;
        printer.progress(&format!(
            "Listing resource bindings of endpoint gateway {gateway} under account {}...",
            client.account_id().await?
        ));
        let path = format!("/v1/endpoint_gateways/{gateway}/resource_bindings");
        let bindings = client.vpc_all(&path, "resource_bindings").await?;
        if printer.json() {
            printer.value(&Value::Array(bindings));
            return Ok(());
        }
        let rows: Vec<Vec<String>> = bindings
            .iter()
            .map(|b| {
                vec![
                    cell(&b["id"]),
                    cell(&b["name"]),
                    cell(&b["service_endpoint"]),
                    cell(&b["lifecycle_state"]),
                    cell(&b["target"]["crn"]),
                ]
            })
            .collect();
        printer.list("resource bindings", &["ID", "Name", "Service endpoint", "Lifecycle state", "Target CRN"], &rows);
        Ok(())
    }
}

/// `endpoint-gateway-resource-binding ENDPOINT_GATEWAY BINDING`.
#[derive(Clone, Debug, Args)]
pub struct Show {
    /// The endpoint gateway: id or name.
    gateway: String,
    /// The resource binding: id or name.
    binding: String,
}

impl Show {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let gateway = gateway_id(client, &self.gateway).await?;
        let found = binding(client, &gateway, &self.binding).await?;
        let path = format!("/v1/endpoint_gateways/{gateway}/resource_bindings/{}", cell(&found["id"]));
        let body = client.vpc(Method::GET, &path, None).await?;
        printer.resource(&body, print_binding);
        Ok(())
    }
}

/// `endpoint-gateway-resource-binding-create ENDPOINT_GATEWAY --target-crn CRN [--name NAME]`.
#[derive(Clone, Debug, Args)]
pub struct Create {
    /// The endpoint gateway (`per_resource_binding`): id or name.
    gateway: String,
    /// The CRN of the Cloud Object Storage bucket to bind.
    #[arg(long, visible_alias = "target")]
    target_crn: String,
    /// The binding's name; four random words when not given.
    #[arg(long)]
    name: Option<String>,
}

impl Create {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let gateway = gateway_id(client, &self.gateway).await?;
        printer.progress(&format!(
            "Creating resource binding of endpoint gateway {gateway} under account {}...",
            client.account_id().await?
        ));
        let mut body = json!({ "target": { "crn": self.target_crn } });
        if let Some(name) = &self.name {
            body["name"] = json!(name);
        }
        let path = format!("/v1/endpoint_gateways/{gateway}/resource_bindings");
        let created = client.vpc(Method::POST, &path, Some(&body)).await?;
        printer.resource(&created, print_binding);
        Ok(())
    }
}

/// `endpoint-gateway-resource-binding-delete ENDPOINT_GATEWAY BINDING... [-f]`.
#[derive(Clone, Debug, Args)]
pub struct Delete {
    /// The endpoint gateway: id or name.
    gateway: String,
    /// The resource bindings: ids or names.
    #[arg(required = true)]
    bindings: Vec<String>,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl Delete {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let gateway = gateway_id(client, &self.gateway).await?;
        for wanted in &self.bindings {
            let id = cell(&binding(client, &gateway, wanted).await?["id"]);
            confirm(&format!("resource binding {wanted}"), self.force)?;
            printer.progress(&format!("Deleting resource binding {id} of endpoint gateway {gateway}..."));
            client
                .vpc(Method::DELETE, &format!("/v1/endpoint_gateways/{gateway}/resource_bindings/{id}"), None)
                .await?;
            printer.ok();
        }
        Ok(())
    }
}
