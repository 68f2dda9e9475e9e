//! `hubspoke iam authorization-policies`, `authorization-policy ID`, `authorization-policy-delete ID [-f]`.

use clap::Args;
use reqwest::Method;

use super::render;
use crate::Connection;
use crate::client::Client;
use crate::commands::is::confirm;
use crate::output::Printer;

/// The `authorization-policies` command.
#[derive(Clone, Debug, Args)]
pub struct List {}

/// The `authorization-policy` command.
#[derive(Clone, Debug, Args)]
pub struct Show {
    /// The policy id.
    id: String,
    /// Which API to read it through.
    #[arg(long, value_parser = ["v1", "v2"], default_value = "v1")]
    api_version: String,
}

/// The `authorization-policy-delete` command.
#[derive(Clone, Debug, Args)]
pub struct Delete {
    /// The policy id.
    id: String,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

impl List {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let account = client.account_id().await?;
        printer.progress(&format!(
            "Getting authorization policies under account {account} as {}...",
            client.iam_id().await?
        ));
        let body =
            client.call(Method::GET, &format!("/v1/policies?account_id={account}&type=authorization"), None).await?;
        let policies = body["policies"].as_array().cloned().unwrap_or_default();
        if printer.json() {
            printer.value(&serde_json::Value::Array(policies));
            return Ok(());
        }
        printer.ok();
        if policies.is_empty() {
            printer.progress("No authorization policy found.");
        }
        for policy in &policies {
            println!();
            printer.block(&render::rows(policy));
        }
        Ok(())
    }
}

impl Show {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        printer.progress(&format!("Getting authorization policy {} as {}...", self.id, client.iam_id().await?));
        let policy = client.call(Method::GET, &format!("/{}/policies/{}", self.api_version, self.id), None).await?;
        if printer.json() || self.api_version == "v2" {
            printer.value(&policy);
            return Ok(());
        }
        printer.ok();
        printer.block(&render::rows(&policy));
        Ok(())
    }
}

impl Delete {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        confirm(&format!("authorization policy {}", self.id), self.force)?;
        let client = Client::connect(connection)?;
        printer.progress(&format!("Deleting authorization policy {} as {}...", self.id, client.iam_id().await?));
        client.call(Method::DELETE, &format!("/v1/policies/{}", self.id), None).await?;
        if printer.json() {
            printer.value(&serde_json::json!({ "id": self.id, "deleted": true }));
            return Ok(());
        }
        printer.ok();
        printer.progress(&format!("Authorization policy {} was deleted.", self.id));
        Ok(())
    }
}
