//! `hubspoke accounts`: the operator lists the accounts.

use clap::Args;
use reqwest::Method;

use crate::Connection;
use crate::client::Client;
use crate::output::Printer;

/// The `accounts` command.
#[derive(Clone, Debug, Args)]
pub struct Accounts {}

impl Accounts {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        printer.progress(&format!("Getting accounts from {}...", client.endpoint()));
        let body = client.call(Method::GET, "/_hubspoke/accounts", None).await?;
        if printer.json() {
            printer.value(&body["accounts"]);
            return Ok(());
        }
        let accounts = body["accounts"].as_array().cloned().unwrap_or_default();
        if accounts.is_empty() {
            printer.ok();
            printer.progress("No accounts yet: create one with `hubspoke account-create NAME`.");
            return Ok(());
        }
        let rows: Vec<Vec<String>> = accounts
            .iter()
            .map(|account| {
                ["id", "name", "created_at"]
                    .iter()
                    .map(|f| account[*f].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .collect();
        printer.list("accounts", &["ID", "Name", "Created"], &rows);
        Ok(())
    }
}
