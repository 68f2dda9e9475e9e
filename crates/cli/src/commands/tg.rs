//! `hubspoke tg …`: transit gateways and their VPC connections, in the shapes of `ibmcloud tg` (`gateways`, `gateway`,
//! `gateway-create`, `gateway-update`, `gateway-delete`, `connections`, `connection-create`, `connection-delete`).

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use super::is::{cell, confirm};
use crate::Connection;
use crate::client::Client;
use crate::output::Printer;

/// The Transit Gateway API version the commands send.
const VERSION: &str = "2026-10-06";

/// A Transit Gateway API call, with its `version`.
async fn call(client: &Client, method: Method, path: &str, body: Option<&Value>) -> anyhow::Result<Value> {
    let separator = if path.contains('?') { '&' } else { '?' };
    Ok(client.call(method, &format!("{path}{separator}version={VERSION}"), body).await?)
}

/// Every item of a paged list.
async fn all(client: &Client, path: &str, key: &str) -> anyhow::Result<Vec<Value>> {
    let mut items = Vec::new();
    let mut page = format!("{path}?limit=100");
    loop {
        let body = call(client, Method::GET, &page, None).await?;
        items.extend(body[key].as_array().into_iter().flatten().cloned());
        let Some(start) = body["next"]["start"].as_str() else { break };
        page = format!("{path}?limit=100&start={start}");
    }
    Ok(items)
}

/// The id of the caller's gateway named by id or name.
async fn gateway_id(client: &Client, wanted: &str) -> anyhow::Result<String> {
    let gateways = all(client, "/v1/transit_gateways", "transit_gateways").await?;
    let found = gateways.iter().find(|g| g["id"] == wanted).or_else(|| gateways.iter().find(|g| g["name"] == wanted));
    Ok(cell(&found.ok_or_else(|| anyhow::anyhow!("no transit gateway `{wanted}`"))?["id"]))
}

/// The id of a connection of `gateway` named by id or name.
async fn connection_id(client: &Client, gateway: &str, wanted: &str) -> anyhow::Result<String> {
    let connections = all(client, &format!("/v1/transit_gateways/{gateway}/connections"), "connections").await?;
    let found =
        connections.iter().find(|c| c["id"] == wanted).or_else(|| connections.iter().find(|c| c["name"] == wanted));
    Ok(cell(&found.ok_or_else(|| anyhow::anyhow!("no connection `{wanted}` on transit gateway `{gateway}`"))?["id"]))
}

fn routing(gateway: &Value) -> String {
    if gateway["global"] == true { "global".to_owned() } else { "local".to_owned() }
}

fn print_gateway(printer: &Printer, gateway: &Value) {
    printer.block(&[
        ("GatewayID", cell(&gateway["id"])),
        ("CRN", cell(&gateway["crn"])),
        ("Name", cell(&gateway["name"])),
        ("Routing", routing(gateway)),
        ("Location", cell(&gateway["location"])),
        ("Status", cell(&gateway["status"])),
        ("Connections", cell(&gateway["connection_count"])),
        ("Created", cell(&gateway["created_at"])),
    ]);
}

fn print_connection(printer: &Printer, connection: &Value) {
    printer.block(&[
        ("ConnectionID", cell(&connection["id"])),
        ("Name", cell(&connection["name"])),
        ("Network Type", cell(&connection["network_type"])),
        ("Network ID", cell(&connection["network_id"])),
        ("Status", cell(&connection["status"])),
        ("Created", cell(&connection["created_at"])),
    ]);
}

/// Transit gateways and their VPC connections, as `ibmcloud tg` has them.
#[derive(Clone, Debug, Subcommand)]
pub enum Tg {
    /// List transit gateways.
    #[command(after_help = "EXAMPLE:\n  hubspoke tg gateways")]
    Gateways,
    /// Show a transit gateway.
    #[command(after_help = "EXAMPLE:\n  hubspoke tg gateway lz-tg")]
    Gateway(GatewayArgs),
    /// Create a transit gateway.
    #[command(
        name = "gateway-create",
        after_help = "EXAMPLE:\n  hubspoke tg gateway-create --name lz-tg --location us-south --routing local"
    )]
    GatewayCreate(GatewayCreate),
    /// Rename a transit gateway or change its routing.
    #[command(name = "gateway-update", after_help = "EXAMPLE:\n  hubspoke tg gateway-update lz-tg --name lz-tg-2")]
    GatewayUpdate(GatewayUpdate),
    /// Delete a transit gateway (it must have no connections).
    #[command(name = "gateway-delete", after_help = "EXAMPLE:\n  hubspoke tg gateway-delete lz-tg -f")]
    GatewayDelete(GatewayDelete),
    /// List a transit gateway's connections.
    #[command(after_help = "EXAMPLE:\n  hubspoke tg connections lz-tg")]
    Connections(GatewayArgs),
    /// Connect a VPC to a transit gateway.
    #[command(
        name = "connection-create",
        after_help = "EXAMPLE:\n  hubspoke tg connection-create lz-tg --name hub --network-type vpc --network-id crn:v1:bluemix:public:is:us-south:a/<account>::vpc:<id>"
    )]
    ConnectionCreate(ConnectionCreate),
    /// Disconnect a VPC from a transit gateway.
    #[command(name = "connection-delete", after_help = "EXAMPLE:\n  hubspoke tg connection-delete lz-tg hub -f")]
    ConnectionDelete(ConnectionDelete),
}

/// A transit gateway, by id or name.
#[derive(Clone, Debug, Args)]
pub struct GatewayArgs {
    /// The transit gateway: id or name.
    gateway: String,
}

/// `gateway-create --name NAME --location LOCATION [--routing global|local]`.
#[derive(Clone, Debug, Args)]
pub struct GatewayCreate {
    /// The gateway's name.
    #[arg(long)]
    name: String,
    /// The region it is in, for example `us-south`.
    #[arg(long)]
    location: String,
    /// `local` connects VPCs of its region only; `global` connects VPCs of every region.
    #[arg(long, default_value = "local", value_parser = ["local", "global"])]
    routing: String,
}

/// `gateway-update GATEWAY [--name NAME] [--routing global|local]`.
#[derive(Clone, Debug, Args)]
pub struct GatewayUpdate {
    /// The transit gateway: id or name.
    gateway: String,
    /// The new name.
    #[arg(long)]
    name: Option<String>,
    /// The new routing.
    #[arg(long, value_parser = ["local", "global"])]
    routing: Option<String>,
}

/// `gateway-delete GATEWAY [-f]`.
#[derive(Clone, Debug, Args)]
pub struct GatewayDelete {
    /// The transit gateway: id or name.
    gateway: String,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

/// `connection-create GATEWAY --name NAME --network-type vpc --network-id CRN`.
#[derive(Clone, Debug, Args)]
pub struct ConnectionCreate {
    /// The transit gateway: id or name.
    gateway: String,
    /// The connection's name (the VPC's name when not given).
    #[arg(long)]
    name: Option<String>,
    /// The network type; hubspoke models `vpc` only.
    #[arg(long = "network-type", default_value = "vpc")]
    network_type: String,
    /// The VPC's CRN.
    #[arg(long = "network-id")]
    network_id: String,
}

/// `connection-delete GATEWAY CONNECTION [-f]`.
#[derive(Clone, Debug, Args)]
pub struct ConnectionDelete {
    /// The transit gateway: id or name.
    gateway: String,
    /// The connection: id or name.
    connection: String,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl Tg {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let client = &client;
        match self {
            Tg::Gateways => {
                let gateways = all(client, "/v1/transit_gateways", "transit_gateways").await?;
                if printer.json() {
                    printer.value(&Value::Array(gateways));
                    return Ok(());
                }
                let rows: Vec<Vec<String>> = gateways
                    .iter()
                    .map(|g| {
                        vec![cell(&g["id"]), cell(&g["name"]), cell(&g["location"]), routing(g), cell(&g["status"])]
                    })
                    .collect();
                printer.table(&["GatewayID", "Name", "Location", "Routing", "Status"], &rows);
            }
            Tg::Gateway(args) => {
                let id = gateway_id(client, &args.gateway).await?;
                let gateway = call(client, Method::GET, &format!("/v1/transit_gateways/{id}"), None).await?;
                printer.resource(&gateway, print_gateway);
            }
            Tg::GatewayCreate(args) => {
                let body = json!({ "name": args.name, "location": args.location, "global": args.routing == "global" });
                printer.progress(&format!("Creating transit gateway {} in {}...", args.name, args.location));
                let gateway = call(client, Method::POST, "/v1/transit_gateways", Some(&body)).await?;
                printer.resource(&gateway, print_gateway);
            }
            Tg::GatewayUpdate(args) => {
                let id = gateway_id(client, &args.gateway).await?;
                let mut body = json!({});
                if let Some(name) = &args.name {
                    body["name"] = json!(name);
                }
                if let Some(routing) = &args.routing {
                    body["global"] = json!(routing == "global");
                }
                printer.progress(&format!("Updating transit gateway {id}..."));
                let gateway = call(client, Method::PATCH, &format!("/v1/transit_gateways/{id}"), Some(&body)).await?;
                printer.resource(&gateway, print_gateway);
            }
            Tg::GatewayDelete(args) => {
                let id = gateway_id(client, &args.gateway).await?;
                confirm(&format!("transit gateway {}", args.gateway), args.force)?;
                printer.progress(&format!("Deleting transit gateway {id}..."));
                call(client, Method::DELETE, &format!("/v1/transit_gateways/{id}"), None).await?;
                printer.ok();
            }
            Tg::Connections(args) => {
                let id = gateway_id(client, &args.gateway).await?;
                let connections = all(client, &format!("/v1/transit_gateways/{id}/connections"), "connections").await?;
                if printer.json() {
                    printer.value(&Value::Array(connections));
                    return Ok(());
                }
                let rows: Vec<Vec<String>> = connections
                    .iter()
                    .map(|c| {
                        vec![
                            cell(&c["id"]),
                            cell(&c["name"]),
                            cell(&c["network_type"]),
                            cell(&c["network_id"]),
                            cell(&c["status"]),
                        ]
                    })
                    .collect();
                printer.table(&["ConnectionID", "Name", "Network Type", "Network ID", "Status"], &rows);
            }
            Tg::ConnectionCreate(args) => {
                let id = gateway_id(client, &args.gateway).await?;
                let mut body = json!({ "network_type": args.network_type, "network_id": args.network_id });
                if let Some(name) = &args.name {
                    body["name"] = json!(name);
                }
                printer.progress(&format!("Connecting {} to transit gateway {id}...", args.network_id));
                let path = format!("/v1/transit_gateways/{id}/connections");
                let connection = call(client, Method::POST, &path, Some(&body)).await?;
                printer.resource(&connection, print_connection);
            }
            Tg::ConnectionDelete(args) => {
                let id = gateway_id(client, &args.gateway).await?;
                let connection = connection_id(client, &id, &args.connection).await?;
                confirm(&format!("connection {}", args.connection), args.force)?;
                printer.progress(&format!("Deleting connection {connection} of transit gateway {id}..."));
                call(client, Method::DELETE, &format!("/v1/transit_gateways/{id}/connections/{connection}"), None)
                    .await?;
                printer.ok();
            }
        }
        Ok(())
    }
}
