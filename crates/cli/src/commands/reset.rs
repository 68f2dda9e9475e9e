//! `hubspoke reset [--account ID]`: the operator removes every policy, network resource and event, of one account or
//! of all; accounts and their API keys stay.

use clap::Args;
use reqwest::Method;
use serde_json::json;

use crate::Connection;
use crate::client::Client;
use crate::commands::is::confirm;
use crate::output::Printer;

/// The `reset` command.
#[derive(Clone, Debug, Args)]
pub struct Reset {
    /// Reset only this account (its id); without it, every account is reset.
    #[arg(long)]
    account: Option<String>,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    force: bool,
}

impl Reset {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let what = match &self.account {
            Some(account) => format!("every policy, network resource and event of account {account}"),
            None => "every policy, network resource and event of every account".to_owned(),
        };
        confirm(&what, self.force)?;
        let client = Client::connect(connection)?;
        printer.progress("Resetting...");
        let body = match &self.account {
            Some(account) => json!({ "account_id": account }),
            None => json!({}),
        };
        let answer = client.call(Method::POST, "/_hubspoke/reset", Some(&body)).await?;
        if printer.json() {
            printer.value(&answer);
            return Ok(());
        }
        printer.ok();
        printer.progress(&format!("Reset at revision {}; accounts and their API keys are kept.", answer["revision"]));
        Ok(())
    }
}
