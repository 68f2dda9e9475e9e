//! `hubspoke account-create NAME`: the operator creates an account; its administrator's API key is shown once.

use clap::Args;
use reqwest::Method;
use serde_json::json;

use crate::Connection;
use crate::client::Client;
use crate::output::Printer;

/// The `account-create` command.
#[derive(Clone, Debug, Args)]
pub struct AccountCreate {
    /// The account's name.
    name: String,
    /// Give the account this id (32 lowercase hex) instead of a random one, for example to reproduce a document.
    #[arg(long)]
    id: Option<String>,
}

impl AccountCreate {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let caller = client.claims().await?["iam_id"].as_str().unwrap_or_default().to_owned();
        printer.progress(&format!("Creating account {} as {caller}...", self.name));
        let mut body = json!({ "name": self.name });
        if let Some(id) = &self.id {
            body["id"] = json!(id);
        }
        let account = client.call(Method::POST, "/_hubspoke/accounts", Some(&body)).await?;
        if printer.json() {
            printer.value(&account);
            return Ok(());
        }
        let field = |name: &str| account[name].as_str().unwrap_or_default().to_owned();
        printer.ok();
        printer.progress(&format!("Account {} was created.\n", field("id")));
        printer.block(&[("ID", field("id")), ("Name", field("name")), ("API key", field("apikey"))]);
        printer.progress("\nThe API key is shown only now; keep it safe.");
        Ok(())
    }
}
