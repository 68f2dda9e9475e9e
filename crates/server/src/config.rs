//! The flags of `hubspoke serve`; each also reads the environment variable `HUBSPOKE_<FLAG>`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// How refused authorizations are treated by enforcement points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EnforcementArg {
    /// Refusals are enforced (IBM's behaviour).
    Enforce,
    /// Refusals are recorded but the operation goes ahead.
    Soft,
    /// Authorization is not checked.
    Off,
}

impl From<EnforcementArg> for hubspoke_api::Enforcement {
    fn from(arg: EnforcementArg) -> hubspoke_api::Enforcement {
        match arg {
            EnforcementArg::Enforce => hubspoke_api::Enforcement::Enforce,
            EnforcementArg::Soft => hubspoke_api::Enforcement::Soft,
            EnforcementArg::Off => hubspoke_api::Enforcement::Off,
        }
    }
}

/// `hubspoke serve`: the API on one listener, state in an embedded database.
#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// Address of the HTTP API.
    #[arg(long, env = "HUBSPOKE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Directory of the embedded SQLite database and the generated operator API key.
    #[arg(long, env = "HUBSPOKE_DATA_DIR", default_value = "./hubspoke-data")]
    pub data_dir: PathBuf,

    /// Keep everything in memory; nothing is written to disk and nothing survives a restart.
    #[arg(long, env = "HUBSPOKE_EPHEMERAL")]
    pub ephemeral: bool,

    /// How refused authorizations are treated.
    #[arg(long, env = "HUBSPOKE_ENFORCEMENT", value_enum, default_value = "enforce")]
    pub enforcement: EnforcementArg,

    /// The `iss` claim of issued tokens. The default is IBM's, because Terraform's IBM provider derives the cloud
    /// name from it (anything else makes it believe it talks to IBM's staging cloud).
    #[arg(long, env = "HUBSPOKE_TOKEN_ISSUER", default_value = "https://iam.cloud.ibm.com/identity")]
    pub token_issuer: String,

    /// Write logs as JSON lines instead of text.
    #[arg(long, env = "HUBSPOKE_LOG_JSON")]
    pub log_json: bool,

    /// The operator's API key. When unset, one is generated on first start and kept in `<data-dir>/operator-apikey`.
    #[arg(long = "operator-apikey", env = "HUBSPOKE_OPERATOR_APIKEY", hide_env_values = true)]
    pub operator_apikey: Option<String>,
}
