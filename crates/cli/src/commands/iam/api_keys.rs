//! `api-key-create`, `api-keys`, `api-key-delete` (the caller's own keys) and `service-api-key-create`,
//! `service-api-keys` (a service ID's), as `ibmcloud iam` has them. A new key's secret is printed once, and
//! `--file` saves the whole create response, secret included.

use anyhow::bail;
use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use super::service_ids::resolve;
use crate::Connection;
use crate::client::Client;
use crate::commands::is::confirm;
use crate::output::Printer;

/// The `api-key-create` command.
#[derive(Clone, Debug, Args)]
pub struct Create {
    /// The key's name.
    name: String,
    /// Its description.
    #[arg(short, long)]
    description: Option<String>,
    /// Save the key, secret included, to this file.
    #[arg(long)]
    file: Option<std::path::PathBuf>,
    /// Create it locked.
    #[arg(long)]
    lock: bool,
    /// What happens if the key leaks.
    #[arg(long, value_parser = ["NONE", "DISABLE", "DELETE", "none", "disable", "delete"], default_value = "DISABLE")]
    action_if_leaked: String,
}

/// The `service-api-key-create` command.
#[derive(Clone, Debug, Args)]
pub struct ServiceCreate {
    /// The key's name.
    name: String,
    /// The service ID's name or UUID.
    service_id: String,
    /// Its description.
    #[arg(short, long)]
    description: Option<String>,
    /// Save the key, secret included, to this file.
    #[arg(long)]
    file: Option<std::path::PathBuf>,
    /// Create it locked.
    #[arg(long)]
    lock: bool,
    /// Create without asking (accepted for `ibmcloud` compatibility; creating never asks).
    #[arg(short, long)]
    force: bool,
}

/// The `api-keys` command.
#[derive(Clone, Debug, Args)]
pub struct List {}

/// The `service-api-keys` command.
#[derive(Clone, Debug, Args)]
pub struct ServiceList {
    /// The service ID's name or UUID.
    service_id: String,
}

/// The `api-key-delete` command.
#[derive(Clone, Debug, Args)]
pub struct Delete {
    /// The key's name or UUID (`ApiKey-…`).
    key: String,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// Every key of `iam_id`, following `next` page by page.
async fn keys_of(client: &Client, account: &str, iam_id: &str) -> anyhow::Result<Vec<Value>> {
    let iam_id: String = url_encoded(iam_id);
    let mut items = Vec::new();
    let mut path = format!("/v1/apikeys?account_id={account}&iam_id={iam_id}&pagesize=100");
    loop {
        let page = client.call(Method::GET, &path, None).await?;
        items.extend(page["apikeys"].as_array().cloned().unwrap_or_default());
        match page["next"].as_str() {
            Some(next) => path = next.to_owned(),
            None => return Ok(items),
        }
    }
}

fn url_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Creates a key for `iam_id`, locks it if asked, saves it to `file` if asked, and prints it with its secret.
async fn create(
    client: &Client,
    printer: &Printer,
    body: Value,
    lock: bool,
    file: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let mut created = client.call(Method::POST, "/v1/apikeys", Some(&body)).await?;
    if lock {
        let id = text(&created["id"]);
        client.call(Method::POST, &format!("/v1/apikeys/{id}/lock"), None).await?;
        created["locked"] = json!(true);
    }
    if let Some(file) = file {
        std::fs::write(file, serde_json::to_string_pretty(&created)?)
            .map_err(|e| anyhow::anyhow!("saving the API key to `{}`: {e}", file.display()))?;
    }
    if printer.json() {
        printer.value(&created);
        return Ok(());
    }
    printer.ok();
    printer.line(&format!("API key {} was created", text(&created["name"])));
    printer.line("");
    printer.line("Please preserve the API key! It cannot be retrieved after it's created.");
    printer.line("");
    printer.block(&[
        ("ID", text(&created["id"])),
        ("Name", text(&created["name"])),
        ("Description", text(&created["description"])),
        ("Created At", text(&created["created_at"])),
        ("API Key", text(&created["apikey"])),
        ("Locked", created["locked"].as_bool().unwrap_or_default().to_string()),
    ]);
    if let Some(file) = file {
        printer.line(&format!("Successfully save API key information to {}", file.display()));
    }
    Ok(())
}

fn print_keys(printer: &Printer, keys: Vec<Value>) {
    if printer.json() {
        printer.value(&Value::Array(keys));
        return;
    }
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            vec![
                text(&k["id"]),
                text(&k["name"]),
                text(&k["description"]),
                text(&k["created_at"]),
                k["locked"].as_bool().unwrap_or_default().to_string(),
            ]
        })
        .collect();
    printer.list("API keys", &["ID", "Name", "Description", "Created At", "Locked"], &rows);
}

impl Create {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let iam_id = client.iam_id().await?;
        printer.progress(&format!(
            "Creating API key {} under {} as {iam_id}...",
            self.name,
            client.account_id().await?
        ));
        let mut body = json!({ "name": self.name, "iam_id": iam_id,
                               "action_when_leaked": self.action_if_leaked.to_ascii_lowercase() });
        if let Some(description) = &self.description {
            body["description"] = json!(description);
        }
        create(&client, printer, body, self.lock, self.file.as_deref()).await
    }
}

impl ServiceCreate {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let _ = self.force;
        let client = Client::connect(connection)?;
        let service = resolve(&client, &self.service_id).await?;
        printer.progress(&format!(
            "Creating API key {} of service ID {} under {} as {}...",
            self.name,
            self.service_id,
            client.account_id().await?,
            client.iam_id().await?
        ));
        let mut body = json!({ "name": self.name, "iam_id": service["iam_id"], "account_id": service["account_id"] });
        if let Some(description) = &self.description {
            body["description"] = json!(description);
        }
        create(&client, printer, body, self.lock, self.file.as_deref()).await
    }
}

impl List {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let (account, iam_id) = (client.account_id().await?, client.iam_id().await?);
        printer.progress(&format!("Getting all API keys of {iam_id} under {account}..."));
        print_keys(printer, keys_of(&client, &account, &iam_id).await?);
        Ok(())
    }
}

impl ServiceList {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let service = resolve(&client, &self.service_id).await?;
        printer.progress(&format!(
            "Getting all API keys of service ID {} as {}...",
            self.service_id,
            client.iam_id().await?
        ));
        print_keys(printer, keys_of(&client, &text(&service["account_id"]), &text(&service["iam_id"])).await?);
        Ok(())
    }
}

impl Delete {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let (account, iam_id) = (client.account_id().await?, client.iam_id().await?);
        let id = if self.key.starts_with("ApiKey-") {
            self.key.clone()
        } else {
            let named: Vec<Value> =
                keys_of(&client, &account, &iam_id).await?.into_iter().filter(|k| k["name"] == self.key).collect();
            match named.len() {
                1 => text(&named[0]["id"]),
                0 => bail!("you have no API key named `{}`", self.key),
                n => bail!("{n} of your API keys are named `{}`: name one by its UUID", self.key),
            }
        };
        confirm(&format!("API key {}", self.key), self.force)?;
        printer.progress(&format!("Deleting API key {} as {iam_id}...", self.key));
        client.call(Method::DELETE, &format!("/v1/apikeys/{id}"), None).await?;
        if printer.json() {
            printer.value(&json!({ "id": id, "deleted": true }));
            return Ok(());
        }
        printer.ok();
        printer.line(&format!("API key {} is deleted successfully", self.key));
        Ok(())
    }
}
