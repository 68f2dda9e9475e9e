//! `regions`, `region`, `zones`.

use clap::Args;
use reqwest::Method;
use serde_json::Value;

use super::cell;
use crate::client::Client;
use crate::output::Printer;

fn print_region(printer: &Printer, region: &Value) {
    printer.block(&[
        ("Name", cell(&region["name"])),
        ("Endpoint", cell(&region["endpoint"])),
        ("Status", cell(&region["status"])),
    ]);
}

/// `regions`.
#[derive(Clone, Debug, Args)]
pub struct List {}

impl List {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let body = client.vpc(Method::GET, "/v1/regions", None).await?;
        if printer.json() {
            printer.value(&body["regions"]);
            return Ok(());
        }
        let rows: Vec<Vec<String>> = body["regions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| vec![cell(&r["name"]), cell(&r["endpoint"]), cell(&r["status"])])
            .collect();
        printer.list("regions", &["Name", "Endpoint", "Status"], &rows);
        Ok(())
    }
}

/// `region NAME`.
#[derive(Clone, Debug, Args)]
pub struct Show {
    /// The region, for example `us-south`.
    name: String,
}

impl Show {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let region = client.vpc(Method::GET, &format!("/v1/regions/{}", self.name), None).await?;
        printer.resource(&region, print_region);
        Ok(())
    }
}

/// `zones REGION`.
#[derive(Clone, Debug, Args)]
pub struct Zones {
    /// The region, for example `us-south`.
    region: String,
}

impl Zones {
    pub(crate) async fn run(self, client: &Client, printer: &Printer) -> anyhow::Result<()> {
        let body = client.vpc(Method::GET, &format!("/v1/regions/{}/zones", self.region), None).await?;
        if printer.json() {
            printer.value(&body["zones"]);
            return Ok(());
        }
        let rows: Vec<Vec<String>> = body["zones"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|z| vec![cell(&z["name"]), cell(&z["region"]["name"]), cell(&z["status"])])
            .collect();
        printer.list("zones", &["Name", "Region", "Status"], &rows);
        Ok(())
    }
}
