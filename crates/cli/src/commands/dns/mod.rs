//! `hubspoke dns ...`: DNS Services custom resolvers, and lookups as a VPC sees them.

mod custom_resolver;
mod lookup;

use clap::Subcommand;
use reqwest::Method;
use serde_json::{Value, json};

use crate::Connection;
use crate::client::Client;
use crate::commands::is::cell;
use crate::output::Printer;

/// The account's DNS Services instance with this GUID, CRN or name, if it has one.
async fn find_instance(client: &Client, named: &str) -> anyhow::Result<Option<Value>> {
    let body = client.call(Method::GET, "/v2/resource_instances?limit=100", None).await?;
    let resources = body["resources"].as_array().cloned().unwrap_or_default();
    Ok(resources.into_iter().find(|r| r["guid"] == named || r["id"] == named || r["name"] == named))
}

/// The GUID of the DNS Services instance `named` (its GUID, CRN or name), as `ibmcloud dns -i` takes it.
pub(crate) async fn instance_guid(client: &Client, named: &str) -> anyhow::Result<String> {
    find_instance(client, named)
        .await?
        .map(|instance| cell(&instance["guid"]))
        .ok_or_else(|| anyhow::anyhow!("no DNS Services instance named or with id `{named}`"))
}

/// The GUID of the DNS Services instance `named`, if the account has it.
pub(crate) async fn existing_instance(client: &Client, named: &str) -> anyhow::Result<Option<String>> {
    Ok(find_instance(client, named).await?.map(|instance| cell(&instance["guid"])))
}

/// The GUID of the DNS Services instance `named`, created (plan `standard-dns`) when the account has none.
pub(crate) async fn ensure_instance(client: &Client, named: &str) -> anyhow::Result<String> {
    if let Some(guid) = existing_instance(client, named).await? {
        return Ok(guid);
    }
    let body = json!({ "name": named, "target": "global", "resource_plan_id": "standard-dns" });
    let created = client.call(Method::POST, "/v2/resource_instances", Some(&body)).await?;
    Ok(cell(&created["guid"]))
}

/// The `dns` commands.
#[derive(Clone, Debug, Subcommand)]
pub enum Dns {
    /// Resolve a name as a VPC's resolver does, and explain the answer.
    #[command(
        after_help = "EXAMPLE:\n  hubspoke dns lookup s3.direct.us-south.cloud-object-storage.appdomain.cloud --vpc SPOKE_VPC_ID"
    )]
    Lookup(lookup::DnsLookup),
    /// Create a custom resolver with locations in subnets (created disabled unless --enable).
    #[command(
        name = "custom-resolver-create",
        after_help = "EXAMPLE:\n  hubspoke dns custom-resolver-create --instance dns-1 --name hub-resolver --location hub-subnet --enable"
    )]
    CustomResolverCreate(custom_resolver::Create),
    /// Enable, disable or rename a custom resolver.
    #[command(
        name = "custom-resolver-update",
        after_help = "EXAMPLE:\n  hubspoke dns custom-resolver-update --instance dns-hub RESOLVER_ID --enabled false"
    )]
    CustomResolverUpdate(custom_resolver::Update),
    /// Delete a custom resolver.
    #[command(
        name = "custom-resolver-delete",
        after_help = "EXAMPLE:\n  hubspoke dns custom-resolver-delete --instance dns-hub RESOLVER_ID -f"
    )]
    CustomResolverDelete(custom_resolver::Delete),
    /// List the custom resolvers of a DNS Services instance.
    #[command(name = "custom-resolvers", after_help = "EXAMPLE:\n  hubspoke dns custom-resolvers --instance dns-hub")]
    CustomResolvers(custom_resolver::List),
}

impl Dns {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        match self {
            Dns::Lookup(command) => command.run(connection, printer).await,
            Dns::CustomResolverCreate(command) => command.run(connection, printer).await,
            Dns::CustomResolverUpdate(command) => command.run(connection, printer).await,
            Dns::CustomResolverDelete(command) => command.run(connection, printer).await,
            Dns::CustomResolvers(command) => command.run(connection, printer).await,
        }
    }
}
