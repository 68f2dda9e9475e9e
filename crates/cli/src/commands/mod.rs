//! The client commands, one file each.

mod account_create;
mod accounts;
mod dns_lookup;
mod login;

use clap::Subcommand;

use crate::Connection;
use crate::output::Printer;

/// The commands that talk to a running server.
#[derive(Clone, Debug, Subcommand)]
pub enum Command {
    /// Check an endpoint and API key, and remember them for later commands (in a file only you can read).
    Login(login::Login),
    /// Create an account and its administrator's API key (operator only).
    #[command(name = "account-create")]
    AccountCreate(account_create::AccountCreate),
    /// List the accounts (operator only).
    Accounts(accounts::Accounts),
    /// DNS as the VPCs see it.
    #[command(subcommand)]
    Dns(Dns),
}

/// `hubspoke dns ...`
#[derive(Clone, Debug, Subcommand)]
pub enum Dns {
    /// Resolve a name as a VPC's resolver does, and explain the answer.
    Lookup(dns_lookup::DnsLookup),
}

/// Runs a command.
pub async fn execute(command: Command, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
    match command {
        Command::Login(command) => command.run(connection, printer).await,
        Command::AccountCreate(command) => command.run(connection, printer).await,
        Command::Accounts(command) => command.run(connection, printer).await,
        Command::Dns(Dns::Lookup(command)) => command.run(connection, printer).await,
    }
}
