//! `hubspoke dns ...`: DNS Services custom resolvers, and lookups as a VPC sees them.

mod custom_resolver;
mod lookup;

use clap::Subcommand;

use crate::Connection;
use crate::output::Printer;

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
