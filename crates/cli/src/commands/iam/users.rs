//! `account-users` and `user-invite`: an account's users, as `ibmcloud account users` and `ibmcloud account
//! user-invite` have them.

use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use crate::Connection;
use crate::client::Client;
use crate::output::Printer;

/// The `account-users` command.
#[derive(Clone, Debug, Args)]
pub struct List {}

/// The `user-invite` command.
#[derive(Clone, Debug, Args)]
pub struct Invite {
    /// The e-mail address of the user to invite.
    email: String,
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

impl List {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let account = client.account_id().await?;
        printer.progress(&format!("Getting users under account {account} as {}...", client.iam_id().await?));
        let mut users = Vec::new();
        let mut path = format!("/v2/accounts/{account}/users?limit=100");
        loop {
            let page = client.call(Method::GET, &path, None).await?;
            users.extend(page["resources"].as_array().cloned().unwrap_or_default());
            match page["next_url"].as_str() {
                Some(next) => path = next.to_owned(),
                None => break,
            }
        }
        if printer.json() {
            printer.value(&Value::Array(users));
            return Ok(());
        }
        let rows: Vec<Vec<String>> = users
            .iter()
            .map(|u| vec![text(&u["user_id"]), text(&u["iam_id"]), text(&u["email"]), text(&u["state"])])
            .collect();
        printer.list("users", &["User ID", "IAM ID", "Email", "State"], &rows);
        Ok(())
    }
}

impl Invite {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let account = client.account_id().await?;
        printer.progress(&format!("Inviting {} to account {account} as {}...", self.email, client.iam_id().await?));
        let body = json!({ "users": [{ "email": self.email, "account_role": "Member" }] });
        let invited = client.call(Method::POST, &format!("/v2/accounts/{account}/users"), Some(&body)).await?;
        let user = invited["resources"][0].clone();
        printer.resource(&user, |printer, user| {
            printer.block(&[
                ("Email", text(&user["email"])),
                ("IAM ID", text(&user["id"])),
                ("State", text(&user["state"])),
            ]);
        });
        Ok(())
    }
}
