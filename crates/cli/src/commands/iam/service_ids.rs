//! `service-id-create`, `service-ids`, `service-id`, `service-id-delete`, `service-id-lock`, `service-id-unlock`:
//! service IDs, as `ibmcloud iam` has them. A service ID is named by its `ServiceId-…` UUID or by its name.

use anyhow::bail;
use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use crate::Connection;
use crate::client::Client;
use crate::commands::is::confirm;
use crate::output::Printer;

/// The `service-id-create` command.
#[derive(Clone, Debug, Args)]
pub struct Create {
    /// The name of the service ID.
    name: String,
    /// Its description.
    #[arg(short, long)]
    description: Option<String>,
    /// Create it locked.
    #[arg(long)]
    lock: bool,
}

/// The `service-ids` command.
#[derive(Clone, Debug, Args)]
pub struct List {}

/// The `service-id` command.
#[derive(Clone, Debug, Args)]
pub struct Show {
    /// The service ID's name or UUID.
    service_id: String,
}

/// The `service-id-delete` command.
#[derive(Clone, Debug, Args)]
pub struct Delete {
    /// The service ID's name or UUID.
    service_id: String,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
}

/// The `service-id-lock` and `service-id-unlock` commands.
#[derive(Clone, Debug, Args)]
pub struct Lock {
    /// The service ID's name or UUID.
    service_id: String,
    /// Do it without asking (accepted for `ibmcloud` compatibility; locking never asks).
    #[arg(short, long)]
    force: bool,
}

/// Every service ID of the caller's account, following `next` page by page.
pub(crate) async fn all(client: &Client, account: &str) -> anyhow::Result<Vec<Value>> {
    let mut items = Vec::new();
    let mut path = format!("/v1/serviceids?account_id={account}&pagesize=100");
    loop {
        let page = client.call(Method::GET, &path, None).await?;
        items.extend(page["serviceids"].as_array().cloned().unwrap_or_default());
        match page["next"].as_str() {
            Some(next) => path = next.to_owned(),
            None => return Ok(items),
        }
    }
}

/// The service ID `name_or_id` names: a `ServiceId-…` UUID, or the one service ID of the account with that name.
pub(crate) async fn resolve(client: &Client, name_or_id: &str) -> anyhow::Result<Value> {
    if name_or_id.starts_with("ServiceId-") {
        return Ok(client.call(Method::GET, &format!("/v1/serviceids/{name_or_id}"), None).await?);
    }
    let account = client.account_id().await?;
    let named: Vec<Value> = all(client, &account).await?.into_iter().filter(|s| s["name"] == name_or_id).collect();
    match named.len() {
        1 => Ok(named.into_iter().next().unwrap_or_default()),
        0 => bail!("no service ID is named `{name_or_id}`"),
        n => bail!("{n} service IDs are named `{name_or_id}`: name one by its UUID"),
    }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// The `Label   value` rows `ibmcloud iam service-id` prints.
fn rows(service: &Value) -> Vec<(&'static str, String)> {
    vec![
        ("Name", text(&service["name"])),
        ("Description", text(&service["description"])),
        ("CRN", text(&service["crn"])),
        ("Version", text(&service["entity_tag"])),
        ("Locked", service["locked"].as_bool().unwrap_or_default().to_string()),
        ("UUID", text(&service["id"])),
        ("IAM ID", text(&service["iam_id"])),
    ]
}

impl Create {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let account = client.account_id().await?;
        printer.progress(&format!(
            "Creating service ID {} bound to current account as {}...",
            self.name,
            client.iam_id().await?
        ));
        let mut body = json!({ "account_id": account, "name": self.name });
        if let Some(description) = &self.description {
            body["description"] = json!(description);
        }
        let mut created = client.call(Method::POST, "/v1/serviceids", Some(&body)).await?;
        if self.lock {
            let id = text(&created["id"]);
            client.call(Method::POST, &format!("/v1/serviceids/{id}/lock"), None).await?;
            created = client.call(Method::GET, &format!("/v1/serviceids/{id}"), None).await?;
        }
        printer.resource(&created, |printer, service| printer.block(&rows(service)));
        Ok(())
    }
}

impl List {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let account = client.account_id().await?;
        printer.progress(&format!("Getting all service IDs bound to current account as {}...", client.iam_id().await?));
        let services = all(&client, &account).await?;
        if printer.json() {
            printer.value(&Value::Array(services));
            return Ok(());
        }
        let rows: Vec<Vec<String>> = services
            .iter()
            .map(|s| {
                vec![
                    text(&s["id"]),
                    text(&s["name"]),
                    text(&s["created_at"]),
                    text(&s["modified_at"]),
                    text(&s["description"]),
                    s["locked"].as_bool().unwrap_or_default().to_string(),
                ]
            })
            .collect();
        printer.list("service IDs", &["UUID", "Name", "Created At", "Last Updated", "Description", "Locked"], &rows);
        Ok(())
    }
}

impl Show {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        printer.progress(&format!("Getting service ID {} as {}...", self.service_id, client.iam_id().await?));
        let service = resolve(&client, &self.service_id).await?;
        printer.resource(&service, |printer, service| printer.block(&rows(service)));
        Ok(())
    }
}

impl Delete {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let service = resolve(&client, &self.service_id).await?;
        let id = text(&service["id"]);
        confirm(&format!("service ID {}", self.service_id), self.force)?;
        printer.progress(&format!("Deleting service ID {} as {}...", self.service_id, client.iam_id().await?));
        client.call(Method::DELETE, &format!("/v1/serviceids/{id}"), None).await?;
        if printer.json() {
            printer.value(&json!({ "id": id, "deleted": true }));
            return Ok(());
        }
        printer.ok();
        printer.line(&format!("Service ID {} is deleted successfully", self.service_id));
        Ok(())
    }
}

impl Lock {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer, locked: bool) -> anyhow::Result<()> {
        let _ = self.force;
        let client = Client::connect(connection)?;
        let service = resolve(&client, &self.service_id).await?;
        let id = text(&service["id"]);
        let (verb, method) = if locked { ("Locking", Method::POST) } else { ("Unlocking", Method::DELETE) };
        printer.progress(&format!("{verb} service ID {} as {}...", self.service_id, client.iam_id().await?));
        client.call(method, &format!("/v1/serviceids/{id}/lock"), None).await?;
        let service = client.call(Method::GET, &format!("/v1/serviceids/{id}"), None).await?;
        printer.resource(&service, |printer, service| printer.block(&rows(service)));
        Ok(())
    }
}
