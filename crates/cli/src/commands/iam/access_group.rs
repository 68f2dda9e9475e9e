//! `hubspoke iam access-group-*`: access groups and their members, as `ibmcloud iam` has them.
//!
//! A group is named by its name, as `ibmcloud` does, or by its `AccessGroupId-…` id; since several groups may share
//! a name, a name that more than one group has is refused and the id must be given. Users are named by their IBMid
//! (`IBMid-…`) and service IDs by their id (`ServiceId-…` or `iam-ServiceId-…`).

use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use crate::Connection;
use crate::client::Client;
use crate::commands::is::confirm;
use crate::output::Printer;

/// `access-group-create GROUP_NAME [-d DESCRIPTION]`
#[derive(Clone, Debug, Args)]
pub struct Create {
    /// The group's name.
    name: String,
    /// Its description.
    #[arg(short, long)]
    description: Option<String>,
}

/// `access-groups`
#[derive(Clone, Debug, Args)]
pub struct List {
    /// Only the groups this user (IBMid) is a member of.
    #[arg(short = 'u', long = "user")]
    user: Option<String>,
    /// Only the groups this service ID is a member of.
    #[arg(short = 's', long = "service-id", conflicts_with = "user")]
    service_id: Option<String>,
}

/// `access-group GROUP_NAME`
#[derive(Clone, Debug, Args)]
pub struct Show {
    /// The group's name or id.
    group: String,
}

/// `access-group-update GROUP_NAME [-n NEW_NAME] [-d DESCRIPTION]`
#[derive(Clone, Debug, Args)]
pub struct Update {
    /// The group's name or id.
    group: String,
    /// A new name.
    #[arg(short = 'n', long = "name")]
    new_name: Option<String>,
    /// A new description.
    #[arg(short, long)]
    description: Option<String>,
}

/// `access-group-delete GROUP_NAME [-f] [-r]`
#[derive(Clone, Debug, Args)]
pub struct Delete {
    /// The group's name or id.
    group: String,
    /// Delete without asking.
    #[arg(short, long)]
    force: bool,
    /// Also remove its members and rules (a group that has some is refused otherwise).
    #[arg(short, long)]
    recursive: bool,
}

/// `access-group-user-add GROUP_NAME USER [USER...]`
#[derive(Clone, Debug, Args)]
pub struct UserAdd {
    /// The group's name or id.
    group: String,
    /// The users' IBMids.
    #[arg(required = true)]
    users: Vec<String>,
}

/// `access-group-service-id-add GROUP_NAME SERVICE_ID [SERVICE_ID...]`
#[derive(Clone, Debug, Args)]
pub struct ServiceIdAdd {
    /// The group's name or id.
    group: String,
    /// The service IDs (`ServiceId-…` or `iam-ServiceId-…`).
    #[arg(required = true)]
    service_ids: Vec<String>,
}

/// `access-group-members GROUP_NAME`
#[derive(Clone, Debug, Args)]
pub struct Members {
    /// The group's name or id.
    group: String,
}

/// `access-group-user-remove GROUP_NAME USER`
#[derive(Clone, Debug, Args)]
pub struct UserRemove {
    /// The group's name or id.
    group: String,
    /// The user's IBMid.
    user: String,
}

/// The id of the group a name or id names.
async fn group_id(client: &Client, account: &str, group: &str) -> anyhow::Result<String> {
    if group.starts_with("AccessGroupId-") {
        return Ok(group.to_owned());
    }
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("account_id", account)
        .append_pair("search", &format!("name:{group}"))
        .append_pair("limit", "100");
    let body = client.call(Method::GET, &format!("/v2/groups?{}", query.finish()), None).await?;
    let matching: Vec<&str> = body["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| g["name"].as_str() == Some(group))
        .filter_map(|g| g["id"].as_str())
        .collect();
    match matching.as_slice() {
        [id] => Ok((*id).to_owned()),
        [] => anyhow::bail!("access group `{group}` was not found"),
        _ => anyhow::bail!("{} access groups are named `{group}`: name the one you mean by its id", matching.len()),
    }
}

fn group_rows(group: &Value) -> Vec<(&'static str, String)> {
    let text = |field: &str| group[field].as_str().unwrap_or_default().to_owned();
    vec![("Name", text("name")), ("ID", text("id")), ("Description", text("description"))]
}

/// A service ID's iam id, from its id or its iam id.
fn service_iam_id(id: &str) -> String {
    if id.starts_with("iam-") { id.to_owned() } else { format!("iam-{id}") }
}

/// Adds members and reports each; fails when any was refused.
async fn add(
    connection: &Connection,
    printer: &Printer,
    group: &str,
    members: Vec<(String, &str)>,
    what: &str,
) -> anyhow::Result<()> {
    let client = Client::connect(connection)?;
    let account = client.account_id().await?;
    let id = group_id(&client, &account, group).await?;
    let names: Vec<&str> = members.iter().map(|(iam_id, _)| iam_id.as_str()).collect();
    printer.progress(&format!(
        "Adding {what} {} to access group {group} as {}...",
        names.join(", "),
        client.iam_id().await?
    ));
    let body = json!({ "members": members.iter().map(|(iam_id, kind)| json!({ "iam_id": iam_id, "type": kind })).collect::<Vec<_>>() });
    let answer = client.call(Method::PUT, &format!("/v2/groups/{id}/members"), Some(&body)).await?;
    let items = answer["members"].as_array().cloned().unwrap_or_default();
    let refused: Vec<String> = items
        .iter()
        .filter(|item| item["status_code"].as_u64().is_none_or(|code| code >= 300))
        .map(|item| {
            let message = item["errors"][0]["message"].as_str().unwrap_or("refused");
            format!("{}: {message}", item["iam_id"].as_str().unwrap_or_default())
        })
        .collect();
    if printer.json() {
        printer.value(&answer);
    } else if refused.is_empty() {
        printer.ok();
        printer.line(&format!("{} added to access group {group}", names.join(", ")));
    }
    if !refused.is_empty() {
        anyhow::bail!("not every member was added: {}", refused.join("; "));
    }
    Ok(())
}

impl Create {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let account = client.account_id().await?;
        printer.progress(&format!(
            "Creating access group {} under account {account} as {}...",
            self.name,
            client.iam_id().await?
        ));
        let mut body = json!({ "name": self.name });
        if let Some(description) = &self.description {
            body["description"] = json!(description);
        }
        let group = client.call(Method::POST, &format!("/v2/groups?account_id={account}"), Some(&body)).await?;
        printer.resource(&group, |printer, group| {
            printer.line(&format!("Access group {} is created successfully", self.name));
            printer.line("");
            printer.block(&group_rows(group));
        });
        Ok(())
    }
}

impl List {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let account = client.account_id().await?;
        printer.progress(&format!("Getting access groups under account {account} as {}...", client.iam_id().await?));
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("account_id", &account).append_pair("limit", "100");
        if let Some(user) = &self.user {
            query.append_pair("iam_id", user);
        }
        if let Some(service) = &self.service_id {
            query.append_pair("iam_id", &service_iam_id(service));
        }
        let base = format!("/v2/groups?{}", query.finish());
        let mut groups = Vec::new();
        loop {
            let page = client.call(Method::GET, &format!("{base}&offset={}", groups.len()), None).await?;
            let items = page["groups"].as_array().cloned().unwrap_or_default();
            let total = page["total_count"].as_u64().unwrap_or_default() as usize;
            let empty = items.is_empty();
            groups.extend(items);
            if empty || groups.len() >= total {
                break;
            }
        }
        if printer.json() {
            printer.value(&Value::Array(groups));
            return Ok(());
        }
        let rows: Vec<Vec<String>> = groups
            .iter()
            .map(|g| {
                ["name", "id", "description"].iter().map(|f| g[*f].as_str().unwrap_or_default().to_owned()).collect()
            })
            .collect();
        printer.list("access groups", &["Name", "ID", "Description"], &rows);
        Ok(())
    }
}

impl Show {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let account = client.account_id().await?;
        printer.progress(&format!("Getting access group {} as {}...", self.group, client.iam_id().await?));
        let id = group_id(&client, &account, &self.group).await?;
        let group = client.call(Method::GET, &format!("/v2/groups/{id}"), None).await?;
        printer.resource(&group, |printer, group| printer.block(&group_rows(group)));
        Ok(())
    }
}

impl Update {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        if self.new_name.is_none() && self.description.is_none() {
            anyhow::bail!("nothing to update: give a new name with -n or a description with -d");
        }
        let client = Client::connect(connection)?;
        let account = client.account_id().await?;
        printer.progress(&format!("Updating access group {} as {}...", self.group, client.iam_id().await?));
        let id = group_id(&client, &account, &self.group).await?;
        let path = format!("/v2/groups/{id}");
        let etag = client.etag(&path).await?;
        let mut body = json!({});
        if let Some(name) = &self.new_name {
            body["name"] = json!(name);
        }
        if let Some(description) = &self.description {
            body["description"] = json!(description);
        }
        let group = client.call_if_match(Method::PATCH, &path, &body, &etag).await?;
        printer.resource(&group, |printer, group| {
            printer.line(&format!("Access group {} is updated successfully", self.group));
            printer.line("");
            printer.block(&group_rows(group));
        });
        Ok(())
    }
}

impl Delete {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        confirm(&format!("access group {}", self.group), self.force)?;
        let client = Client::connect(connection)?;
        let account = client.account_id().await?;
        printer.progress(&format!("Deleting access group {} as {}...", self.group, client.iam_id().await?));
        let id = group_id(&client, &account, &self.group).await?;
        client.call(Method::DELETE, &format!("/v2/groups/{id}?force={}", self.recursive), None).await?;
        if printer.json() {
            printer.value(&json!({ "id": id, "deleted": true }));
            return Ok(());
        }
        printer.ok();
        printer.line(&format!("Access group {} is deleted successfully", self.group));
        Ok(())
    }
}

impl UserAdd {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let members = self.users.into_iter().map(|user| (user, "user")).collect();
        add(connection, printer, &self.group, members, "users").await
    }
}

impl ServiceIdAdd {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let members = self.service_ids.iter().map(|id| (service_iam_id(id), "service")).collect();
        add(connection, printer, &self.group, members, "service IDs").await
    }
}

impl Members {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let account = client.account_id().await?;
        printer.progress(&format!(
            "Getting members of access group {} under account {account} as {}...",
            self.group,
            client.iam_id().await?
        ));
        let id = group_id(&client, &account, &self.group).await?;
        let mut members = Vec::new();
        loop {
            let path = format!("/v2/groups/{id}/members?limit=100&offset={}", members.len());
            let page = client.call(Method::GET, &path, None).await?;
            let items = page["members"].as_array().cloned().unwrap_or_default();
            let total = page["total_count"].as_u64().unwrap_or_default() as usize;
            let empty = items.is_empty();
            members.extend(items);
            if empty || members.len() >= total {
                break;
            }
        }
        if printer.json() {
            printer.value(&Value::Array(members));
            return Ok(());
        }
        printer.ok();
        for (kind, title) in [("user", "Users"), ("service", "Service IDs"), ("profile", "Trusted profiles")] {
            let rows: Vec<Vec<String>> = members
                .iter()
                .filter(|m| m["type"] == kind)
                .map(|m| vec![m["iam_id"].as_str().unwrap_or_default().to_owned()])
                .collect();
            printer.line(&format!("{title}:"));
            if rows.is_empty() {
                printer.line(&format!("No {} in this group", title.to_lowercase()));
            } else {
                printer.table(&["IAM ID"], &rows);
            }
            printer.line("");
        }
        Ok(())
    }
}

impl UserRemove {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        let account = client.account_id().await?;
        printer.progress(&format!(
            "Removing user {} from access group {} as {}...",
            self.user,
            self.group,
            client.iam_id().await?
        ));
        let id = group_id(&client, &account, &self.group).await?;
        client.call(Method::DELETE, &format!("/v2/groups/{id}/members/{}", self.user), None).await?;
        if printer.json() {
            printer.value(&json!({ "access_group_id": id, "iam_id": self.user, "removed": true }));
            return Ok(());
        }
        printer.ok();
        printer.line(&format!("User {} is removed from access group {}", self.user, self.group));
        Ok(())
    }
}
