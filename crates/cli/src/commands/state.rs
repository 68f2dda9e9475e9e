//! `hubspoke state save FILE` and `hubspoke state load FILE`: the operator saves the whole state (accounts, API key
//! digests, policies, network resources) to a file, and replaces the state with a saved one, whole or not at all.

use anyhow::Context;
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::Value;

use crate::Connection;
use crate::client::Client;
use crate::commands::is::confirm;
use crate::output::Printer;

/// The `state` commands.
#[derive(Clone, Debug, Subcommand)]
pub enum State {
    /// Save the whole state to a file (`-` for standard output).
    #[command(after_help = "EXAMPLE:\n  hubspoke state save world.json")]
    Save(Save),
    /// Replace the whole state with a saved one; refused whole if it is of another version or breaks a rule.
    #[command(after_help = "EXAMPLE:\n  hubspoke state load world.json -f")]
    Load(Load),
}

/// `state save FILE`.
#[derive(Clone, Debug, Args)]
pub struct Save {
    /// Where to write the state.
    file: std::path::PathBuf,
}

/// `state load FILE [-f]`.
#[derive(Clone, Debug, Args)]
pub struct Load {
    /// The saved state.
    file: std::path::PathBuf,
    /// Replace the state without asking.
    #[arg(short, long)]
    force: bool,
}

impl State {
    pub(crate) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let client = Client::connect(connection)?;
        match self {
            State::Save(save) => {
                printer.progress("Saving the state...");
                let state = client.call(Method::GET, "/_hubspoke/state", None).await?;
                let text = serde_json::to_string_pretty(&state)?;
                if save.file.as_os_str() == "-" {
                    printer.line(&text);
                    return Ok(());
                }
                std::fs::write(&save.file, text + "\n")
                    .with_context(|| format!("writing `{}`", save.file.display()))?;
                printer.ok();
                let tables = state["tables"].as_array().map_or(0, Vec::len);
                let rows: usize = state["tables"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|table| table["rows"].as_array().map_or(0, Vec::len))
                    .sum();
                printer.progress(&format!("Saved {rows} rows of {tables} tables to {}", save.file.display()));
            }
            State::Load(load) => {
                let text = std::fs::read_to_string(&load.file)
                    .with_context(|| format!("reading `{}`", load.file.display()))?;
                let state: Value =
                    serde_json::from_str(&text).with_context(|| format!("`{}` is not JSON", load.file.display()))?;
                confirm("the whole state, replacing it with the saved one", load.force)?;
                printer.progress(&format!("Loading {}...", load.file.display()));
                let answer = client.call(Method::PUT, "/_hubspoke/state", Some(&state)).await?;
                if printer.json() {
                    printer.value(&answer);
                    return Ok(());
                }
                printer.ok();
                printer.progress(&format!("Loaded at revision {}.", answer["revision"]));
            }
        }
        Ok(())
    }
}
