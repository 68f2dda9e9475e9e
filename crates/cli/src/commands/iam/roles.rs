//! `hubspoke iam roles --service S [--source-service S]`, and the custom role commands `role-create`, `role-update` and
//! `role-delete`.

use clap::Args;
use reqwest::Method;

use crate::Connection;
use crate::client::Client;
use crate::output::Printer;

/// The `roles` command.
#[derive(Clone, Debug, Args)]
pub struct Roles {
    /// The (target) service.
    #[arg(long)]
    service: Option<String>,
    /// The source service: lists the roles an authorization from it may grant.
    #[arg(long)]
    source_service: Option<String>,
}

impl Roles {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(service) = &self.service {
            // The account's custom roles of the service are listed too.
            query.append_pair("account_id", &client.account_id().await?).append_pair("service_name", service);
        }
        if let Some(source) = &self.source_service {
            query.append_pair("source_service_name", source).append_pair("policy_type", "authorization");
        }
        printer.progress("Getting roles...");
        let body = client.call(Method::GET, &format!("/v2/roles?{}", query.finish()), None).await?;
        if printer.json() {
            printer.value(&body);
            return Ok(());
        }
        let rows: Vec<Vec<String>> = ["service_roles", "system_roles", "custom_roles"]
            .iter()
            .flat_map(|kind| body[*kind].as_array().cloned().unwrap_or_default())
            .map(|role| {
                ["display_name", "crn", "description"]
                    .iter()
                    .map(|f| role[*f].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .collect();
        printer.list("roles", &["Name", "ID", "Description"], &rows);
        Ok(())
    }
}

/// `role-create ROLE_NAME --display-name NAME --service-name S [-a ACTIONS] [-d DESCRIPTION]`.
#[derive(Clone, Debug, Args)]
pub struct RoleCreate {
    /// The role name: a capital letter, then letters and digits; it goes into the role's CRN.
    name: String,
    /// The name shown for the role.
    #[arg(long)]
    display_name: String,
    /// The service whose actions the role holds.
    #[arg(long)]
    service_name: String,
    /// The actions, separated by commas.
    #[arg(short, long)]
    actions: String,
    /// A description.
    #[arg(short, long)]
    description: Option<String>,
}

/// `role-update ROLE_ID [--display-name NAME] [-a ACTIONS] [-d DESCRIPTION]`.
#[derive(Clone, Debug, Args)]
pub struct RoleUpdate {
    /// The role id.
    id: String,
    /// A new display name.
    #[arg(long)]
    display_name: Option<String>,
    /// The new actions, separated by commas.
    #[arg(short, long)]
    actions: Option<String>,
    /// A new description.
    #[arg(short, long)]
    description: Option<String>,
}

/// `role-delete ROLE_ID -f`.
#[derive(Clone, Debug, Args)]
pub struct RoleDelete {
    /// The role id.
    id: String,
    /// Delete without asking (required when not on a terminal).
    #[arg(short, long)]
    force: bool,
}

fn actions(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|action| !action.is_empty()).map(str::to_owned).collect()
}

/// The `Label:   value` rows of a custom role.
fn role_rows(role: &serde_json::Value) -> Vec<(&'static str, String)> {
    let text = |field: &str| role[field].as_str().unwrap_or_default().to_owned();
    let actions: Vec<&str> = role["actions"].as_array().into_iter().flatten().filter_map(|a| a.as_str()).collect();
    vec![
        ("ID", text("id")),
        ("Name", text("name")),
        ("Display name", text("display_name")),
        ("Description", text("description")),
        ("Service name", text("service_name")),
        ("CRN", text("crn")),
        ("Actions", actions.join(", ")),
    ]
}

impl RoleCreate {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let account = client.account_id().await?;
        printer.progress(&format!(
            "Creating custom role {} under account {account} as {}...",
            self.name,
            client.iam_id().await?
        ));
        let mut body = serde_json::json!({
            "name": self.name,
            "display_name": self.display_name,
            "account_id": account,
            "service_name": self.service_name,
            "actions": actions(&self.actions),
        });
        if let Some(description) = &self.description {
            body["description"] = serde_json::Value::String(description.clone());
        }
        let role = client.call(Method::POST, "/v2/roles", Some(&body)).await?;
        if printer.json() {
            printer.value(&role);
            return Ok(());
        }
        printer.ok();
        printer.block(&role_rows(&role));
        Ok(())
    }
}

impl RoleUpdate {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        printer.progress(&format!("Updating custom role {} as {}...", self.id, client.iam_id().await?));
        let path = format!("/v2/roles/{}", self.id);
        let (current, etag) = client.get_with_etag(&path).await?;
        let mut body = serde_json::json!({
            "display_name": self.display_name.unwrap_or_else(|| current["display_name"].as_str().unwrap_or_default().to_owned()),
            "actions": self.actions.as_deref().map(actions).unwrap_or_else(|| {
                current["actions"].as_array().into_iter().flatten().filter_map(|a| a.as_str().map(str::to_owned)).collect()
            }),
        });
        if let Some(description) = self.description.or_else(|| current["description"].as_str().map(str::to_owned)) {
            body["description"] = serde_json::Value::String(description);
        }
        // The role as just read: a change made meanwhile by someone else is not overwritten.
        let role = client.call_if_match(Method::PUT, &path, &body, &etag).await?;
        if printer.json() {
            printer.value(&role);
            return Ok(());
        }
        printer.ok();
        printer.block(&role_rows(&role));
        Ok(())
    }
}

impl RoleDelete {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        if !self.force {
            anyhow::bail!("refusing to delete custom role `{}` without confirmation: add -f", self.id);
        }
        let client = Client::connect(connection)?;
        printer.progress(&format!("Deleting custom role {} as {}...", self.id, client.iam_id().await?));
        client.call(Method::DELETE, &format!("/v2/roles/{}", self.id), None).await?;
        if printer.json() {
            printer.value(&serde_json::json!({ "id": self.id, "deleted": true }));
            return Ok(());
        }
        printer.ok();
        printer.progress(&format!("Custom role {} was deleted.", self.id));
        Ok(())
    }
}
