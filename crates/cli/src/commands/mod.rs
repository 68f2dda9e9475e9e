//! The client commands, one file each.

mod account_create;
mod accounts;
mod dns;
mod explain;
mod iam;
pub mod init;
pub(crate) mod is;
mod login;
mod reset;
pub(crate) mod resource;
mod state;
mod tg;
mod topology;

use clap::Subcommand;

use crate::Connection;
use crate::output::Printer;

/// The commands that talk to a running server.
#[derive(Clone, Debug, Subcommand)]
pub enum Command {
    /// Check an endpoint and API key, and remember them for later commands (in a file only you can read).
    #[command(
        after_help = "EXAMPLE:\n  hubspoke login --endpoint http://127.0.0.1:8080 --apikey \"$(cat hubspoke-data/operator-apikey)\""
    )]
    Login(login::Login),
    /// Create an account and its administrator's API key (operator only).
    #[command(
        name = "account-create",
        after_help = "EXAMPLES:\n  hubspoke account-create hub\n  hubspoke account-create guide-hub --id e38cfd44b6e44b249ac75dd5de0cc8aa"
    )]
    AccountCreate(account_create::AccountCreate),
    /// List the accounts (operator only).
    #[command(after_help = "EXAMPLE:\n  hubspoke accounts --output json")]
    Accounts(accounts::Accounts),
    /// Remove every policy, network resource and event, of one account or all (operator only); accounts stay.
    #[command(
        after_help = "EXAMPLES:\n  hubspoke reset -f\n  hubspoke reset --account e38cfd44b6e44b249ac75dd5de0cc8aa -f"
    )]
    Reset(reset::Reset),
    /// Save the whole state to a file, or replace it with a saved one (operator only).
    #[command(subcommand)]
    State(state::State),
    /// IAM authorization policies and roles, as `ibmcloud iam` has them.
    #[command(subcommand)]
    Iam(iam::Iam),
    /// VPCs, subnets, endpoint gateways and DNS resolution bindings, as `ibmcloud is` has them.
    Is(IsCommand),
    /// Transit gateways and their VPC connections, as `ibmcloud tg` has them.
    #[command(subcommand)]
    Tg(tg::Tg),
    /// Resource groups, as `ibmcloud resource` has them.
    #[command(subcommand)]
    Resource(resource::Resource),
    /// Build a whole hub-and-spoke topology from one file, in one pass (`plan` shows, `apply` does).
    #[command(subcommand)]
    Topology(topology::Topology),
    /// Explain whether an operation would be allowed now, and why.
    #[command(subcommand)]
    Explain(explain::Explain),
    /// DNS as the VPCs see it.
    #[command(subcommand)]
    Dns(dns::Dns),
}

/// `hubspoke is`: the VPC commands, in one region.
#[derive(Clone, Debug, clap::Args)]
pub struct IsCommand {
    /// The VPC region to work in (its requests go to `/{region}/v1`); the server's default region when not given.
    #[arg(short = 'r', long, env = "HUBSPOKE_CLI_REGION", global = true)]
    pub region: Option<String>,
    #[command(subcommand)]
    pub command: is::Is,
}

/// Runs a command.
pub async fn execute(command: Command, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
    match command {
        Command::Login(command) => command.run(connection, printer).await,
        Command::AccountCreate(command) => command.run(connection, printer).await,
        Command::Accounts(command) => command.run(connection, printer).await,
        Command::Reset(command) => command.run(connection, printer).await,
        Command::State(command) => command.run(connection, printer).await,
        Command::Dns(command) => command.run(connection, printer).await,
        Command::Iam(command) => command.run(connection, printer).await,
        Command::Is(IsCommand { region, command }) => {
            let connection = Connection { region, ..connection.clone() };
            command.run(&connection, printer).await
        }
        Command::Tg(command) => command.run(connection, printer).await,
        Command::Resource(command) => command.run(connection, printer).await,
        Command::Topology(command) => command.run(connection, printer).await,
        Command::Explain(command) => command.run(connection, printer).await,
    }
}
