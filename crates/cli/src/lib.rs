//! The `hubspoke` command-line client: commands in the style of `ibmcloud`, talking to a hubspoke server over HTTP.
//!
//! # Layout
//!
//! - [`Connection`]: where the server is and which API key to use (flags, then `HUBSPOKE_*` variables, then the
//!   profile written by `hubspoke login`).
//! - [`profile`]: the profile file (mode 0600).
//! - [`client`]: the HTTP client: IBM's token exchange, JSON requests, IBM error envelopes.
//! - [`output`]: text in `ibmcloud`'s layout, or `--output json`, and `-q`.
//! - `commands/`: one file per command.
//!
//! The CLI knows the API's JSON, never the server's storage.

pub mod client;
pub mod commands;
pub mod output;
pub mod profile;

use clap::Args;

pub use commands::Command;

/// Options every client command takes.
#[derive(Clone, Debug, Args)]
pub struct Connection {
    /// The hubspoke server, for example `http://127.0.0.1:8080`; overrides the profile.
    #[arg(long, env = "HUBSPOKE_ENDPOINT", global = true)]
    pub endpoint: Option<String>,

    /// The API key to authenticate with; overrides the profile.
    // Keys made elsewhere may begin with `-`; `--apikey -abc` must still take `-abc` as the key.
    #[arg(long, env = "HUBSPOKE_APIKEY", global = true, hide_env_values = true, allow_hyphen_values = true)]
    pub apikey: Option<String>,

    /// The VPC region of VPC API requests (`/{region}/v1`); `None` for the server's default region. Set by the
    /// `is` commands' `--region`.
    #[arg(skip)]
    pub region: Option<String>,

    /// `json` (or `JSON`, as ibmcloud writes it) prints the API's JSON instead of text.
    #[arg(long, global = true, value_parser = ["json"], ignore_case = true)]
    pub output: Option<String>,

    /// Print only the result, without progress lines.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// Runs one client command and returns the process exit code.
pub fn run(command: Command, connection: Connection) -> i32 {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("FAILED\ncannot start the client runtime: {error}");
            return 1;
        }
    };
    let printer = output::Printer::new(&connection);
    match runtime.block_on(commands::execute(command, &connection, &printer)) {
        Ok(()) => 0,
        Err(error) => {
            printer.failed(&error);
            1
        }
    }
}
