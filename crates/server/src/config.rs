//! The flags of `hubspoke serve`; each also reads the environment variable `HUBSPOKE_<FLAG>`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use hubspoke_vpc::region::Region;

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

impl From<EnforcementArg> for hubspoke_vpc::Enforcement {
    fn from(arg: EnforcementArg) -> hubspoke_vpc::Enforcement {
        match arg {
            EnforcementArg::Enforce => hubspoke_vpc::Enforcement::Enforce,
            EnforcementArg::Soft => hubspoke_vpc::Enforcement::Soft,
            EnforcementArg::Off => hubspoke_vpc::Enforcement::Off,
        }
    }
}

/// A region of the VPC catalog, by name.
pub fn parse_region(text: &str) -> Result<&'static Region, String> {
    hubspoke_vpc::region::region(text).ok_or_else(|| {
        let names: Vec<&str> = hubspoke_vpc::region::REGIONS.iter().map(|region| region.name).collect();
        format!("`{text}` is not a VPC region; one of {}", names.join(", "))
    })
}

/// Parses a duration such as `0`, `250ms`, `2s` or `1m` into milliseconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let value: i64 =
        number.parse().map_err(|_| format!("`{text}` is not a duration such as `0`, `500ms`, `2s` or `1m`"))?;
    let factor = match unit {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        _ => return Err(format!("`{text}` has an unknown unit; use `ms`, `s` or `m`")),
    };
    value.checked_mul(factor).filter(|ms| *ms <= 3_600_000).ok_or_else(|| format!("`{text}` is longer than an hour"))
}

/// A timeout or interval of at least 100 ms (hyper needs a positive client timeout, and less would cut off honest
/// clients; a shorter database wait or follow interval would only add load).
fn parse_client_timeout(text: &str) -> Result<i64, String> {
    parse_duration(text).and_then(|ms| {
        if ms >= 100 { Ok(ms) } else { Err(format!("`{text}` is shorter than the 100 ms a client timeout needs")) }
    })
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
    #[arg(long, env = "HUBSPOKE_EPHEMERAL", conflicts_with = "database_url")]
    pub ephemeral: bool,

    /// Keep all state in this PostgreSQL database (`postgres://USER:PASSWORD@HOST:PORT/DB`) instead of the data
    /// directory; any number of replicas may share it. Run `hubspoke migrate` on it first. Several hosts
    /// (`@HOST1:PORT1,HOST2:PORT2/DB`) are tried in order, and connections follow the primary when it fails over.
    #[arg(long, env = "HUBSPOKE_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// PostgreSQL connections per replica, at most.
    #[arg(long, env = "HUBSPOKE_DB_MAX_CONNECTIONS", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_max_connections: u32,

    /// PostgreSQL connections kept open while idle.
    #[arg(long, env = "HUBSPOKE_DB_MIN_CONNECTIONS", default_value_t = 1)]
    pub db_min_connections: u32,

    /// How long a request waits for a PostgreSQL connection before it fails with 503 (for example `5s`).
    #[arg(long, env = "HUBSPOKE_DB_ACQUIRE_TIMEOUT", default_value = "5s", value_parser = parse_client_timeout)]
    pub db_acquire_timeout: i64,

    /// How often a replica checks the change log for writes it was not notified of (PostgreSQL notifies at once;
    /// this bounds the delay when a notification is lost), for example `500ms`.
    #[arg(long, env = "HUBSPOKE_FOLLOW_INTERVAL", default_value = "500ms", value_parser = parse_client_timeout)]
    pub follow_interval: i64,

    /// UDP and TCP port of the DNS data plane on every VPC's endpoint address (0 picks one per address).
    #[arg(long, env = "HUBSPOKE_DNS_PORT", default_value_t = 8053)]
    pub dns_port: u16,

    /// TTL of DNS answers, in seconds.
    #[arg(long, env = "HUBSPOKE_DNS_TTL", default_value_t = 30)]
    pub dns_ttl: u32,

    /// A resolver to forward names the views do not hold to (`ADDR:PORT`); without it they get NXDOMAIN (inside the
    /// VPE service domains) or REFUSED.
    #[arg(long, env = "HUBSPOKE_DNS_UPSTREAM")]
    pub dns_upstream: Option<std::net::SocketAddr>,

    /// UDP queries answered per second and client address on each DNS endpoint; the rest are dropped
    /// (0: no limit). TCP is not limited.
    #[arg(long, env = "HUBSPOKE_DNS_RATE_LIMIT", default_value_t = 0)]
    pub dns_rate_limit: u32,

    /// How long new and changed bindings and endpoint gateways stay `pending`/`updating` before `stable`
    /// (for example `0`, `500ms`, `5s`).
    #[arg(long, env = "HUBSPOKE_PROPAGATION_DELAY", default_value = "0", value_parser = parse_duration)]
    pub propagation_delay: i64,

    /// How long a new or changed authorization policy takes to count in decisions, as IAM's propagation does: until
    /// then bindings, delegations and evaluations it would permit are refused (for example `0`, `30s`).
    #[arg(long, env = "HUBSPOKE_IAM_PROPAGATION_DELAY", default_value = "0", value_parser = parse_duration)]
    pub iam_propagation_delay: i64,

    /// Topology files to apply before the server reports ready (repeatable, or comma-separated in the variable):
    /// `/_hubspoke/ready` answers 503 `initializing` until every one is in place, and a file that fails stops the
    /// server.
    #[arg(long = "init", env = "HUBSPOKE_INIT", value_delimiter = ',')]
    pub init: Vec<PathBuf>,

    /// The VPC region of requests under `/v1`; every region is also served under its own base path,
    /// `/{region}/v1` (for example `/eu-de/v1`).
    #[arg(long, env = "HUBSPOKE_REGION", default_value = "us-south", value_parser = parse_region)]
    pub region: &'static Region,

    /// How refused authorizations are treated.
    #[arg(long, env = "HUBSPOKE_ENFORCEMENT", value_enum, default_value = "enforce")]
    pub enforcement: EnforcementArg,

    /// The `iss` claim of issued tokens. The default is IBM's, because Terraform's IBM provider derives the cloud
    /// name from it (anything else makes it believe it talks to IBM's staging cloud).
    #[arg(long, env = "HUBSPOKE_TOKEN_ISSUER", default_value = "https://iam.cloud.ibm.com/identity")]
    pub token_issuer: String,

    /// Failed API-key exchanges allowed per client address and minute; past them, every exchange from that address
    /// gets 429 until its minute ends (0: no limit; behind a proxy every client shares its address).
    #[arg(long, env = "HUBSPOKE_LOGIN_ATTEMPTS", default_value_t = 10)]
    pub login_attempts: u32,

    /// How long a client may take to send a request's headers, and again its body, before the connection is closed
    /// (for example `30s`).
    #[arg(long, env = "HUBSPOKE_CLIENT_TIMEOUT", default_value = "30s", value_parser = parse_client_timeout)]
    pub client_timeout: i64,

    /// Write logs as JSON lines instead of text.
    #[arg(long, env = "HUBSPOKE_LOG_JSON")]
    pub log_json: bool,

    /// The operator's API key. When unset, one is generated on first start and kept in `<data-dir>/operator-apikey`.
    #[arg(long = "operator-apikey", env = "HUBSPOKE_OPERATOR_APIKEY", hide_env_values = true)]
    pub operator_apikey: Option<String>,
}

/// `hubspoke migrate`: brings a PostgreSQL database to this build's schema.
#[derive(Clone, Debug, Args)]
pub struct MigrateArgs {
    /// The PostgreSQL database (`postgres://USER:PASSWORD@HOST:PORT/DB`; with several hosts, the primary among them).
    #[arg(long, env = "HUBSPOKE_DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
}
