//! `hubspoke login --endpoint URL --apikey KEY`: checks the key against the server, then saves the profile.

use clap::Args;
use serde_json::json;

use crate::client::Client;
use crate::output::Printer;
use crate::{Connection, profile};

/// The `login` command. It uses the global `--endpoint` and `--apikey`.
#[derive(Clone, Debug, Args)]
pub struct Login {}

impl Login {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let endpoint = connection.endpoint.clone().ok_or_else(|| anyhow::anyhow!("`--endpoint URL` is required"))?;
        let apikey = connection.apikey.clone().ok_or_else(|| anyhow::anyhow!("`--apikey KEY` is required"))?;
        printer.progress(&format!("API endpoint: {endpoint}"));
        let client = Client::new(&endpoint, &apikey);
        let claims = client.claims().await?;
        let profile = profile::Profile { endpoint: Some(client.endpoint().to_owned()), apikey: Some(apikey) };
        let path = profile::save(&profile)?;
        let account = claims["account"]["bss"].as_str().filter(|a| !a.is_empty()).unwrap_or("(none: operator)");
        let user = claims["iam_id"].as_str().unwrap_or_default();
        if printer.json() {
            printer.value(
                &json!({ "endpoint": client.endpoint(), "iam_id": user, "account_id": account, "profile": path }),
            );
            return Ok(());
        }
        printer.ok();
        printer.block(&[
            ("API endpoint", client.endpoint().to_owned()),
            ("User", user.to_owned()),
            ("Account", account.to_owned()),
        ]);
        printer.progress(&format!("Profile saved in {}", path.display()));
        Ok(())
    }
}
