//! `hubspoke serve`: configuration, opening the store, the operator's key, the startup banner and the serve loop.
//!
//! [`run`] takes an already-bound listener and a shutdown future (the mini-redis pattern), so tests and the binary
//! start the server the same way.

pub mod config;
mod http;
mod operator_key;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use hubspoke_api::identity::throttle::LoginThrottle;
use hubspoke_api::{ApiState, Shared, TokenService, Tokens};
use hubspoke_app::{App, AppError, Settings, StorageFailure};
use hubspoke_store::{PoolSettings, SqlStore, Store};
use tokio::net::TcpListener;

pub use config::{MigrateArgs, ServeArgs};
use operator_key::OperatorKey;

/// Opens the store, prepares the API and serves on `listener` until `shutdown` completes. In-flight requests are
/// finished before it returns.
pub async fn run(
    args: ServeArgs,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    run_with_init(args, listener, shutdown, None).await
}

/// What applies `serve --init` files: given the server's URL, the operator's key and the files. The binary supplies
/// it (the topology format belongs to the command-line client); a server without one refuses `--init`.
pub type InitHook = Box<
    dyn FnOnce(
            String,
            String,
            Vec<std::path::PathBuf>,
        ) -> std::pin::Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>
        + Send,
>;

/// [`run`], applying the `--init` files with `init` once the server listens and before it reports ready.
pub async fn run_with_init(
    args: ServeArgs,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    init: Option<InitHook>,
) -> anyhow::Result<()> {
    if !args.init.is_empty() && init.is_none() {
        anyhow::bail!("this build cannot apply `--init` files");
    }
    let (store, location) = open_store(&args).await?;
    let store = Arc::new(store);
    let settings = Settings {
        enforcement: args.enforcement.into(),
        propagation_delay_ms: args.propagation_delay,
        iam_propagation_delay_ms: args.iam_propagation_delay,
        region: args.region,
    };
    // A PostgreSQL-compatible engine without LISTEN still works: the periodic catch-up then carries every change.
    let listener_for_changes = store.change_listener().await.unwrap_or_else(|error| {
        tracing::warn!(%error, "cannot LISTEN for other replicas' writes; following the change log by polling only");
        None
    });
    let app = Arc::new(App::start(store.clone() as Arc<dyn Store>, settings).await?);
    // A new database (every `--ephemeral` one) generates its token signing key, the slowest step of a start: the
    // server listens and reports ready meanwhile, and what needs the key waits for it (`Tokens`). While the database
    // cannot be reached, the server asks again (what needs the key is refused with a 503 meanwhile, as the
    // database's other readers are); if the key cannot be had for another reason, the server stops with it.
    let tokens = Arc::new(Tokens::default());
    let (key_failed, key_failure) = tokio::sync::oneshot::channel::<anyhow::Error>();
    let signing = tokio::spawn({
        let (app, tokens, issuer) = (app.clone(), tokens.clone(), args.token_issuer.clone());
        async move {
            let mut pause = KEY_RETRY_FIRST;
            let service = loop {
                match app.signing_key().await {
                    Ok(key) => break TokenService::new(&key.kid, &key.private_key_pem, &issuer),
                    Err(error @ AppError::Storage { failure: StorageFailure::Unreachable, .. }) => {
                        tracing::warn!(%error, "the token signing key cannot be read now; asking again");
                        tokens.unreachable(format!("getting the token signing key: {error}"));
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(KEY_RETRY_MAX);
                    }
                    Err(error) => break Err(format!("getting the token signing key: {error}")),
                }
            };
            if let Err(reason) = &service {
                let _ = key_failed.send(anyhow::anyhow!("{reason}"));
            }
            tokens.arrive(service);
        }
    });
    let operator = OperatorKey::resolve(&args)?;
    app.ensure_operator_key(operator.key()).await?;

    // Before the DNS endpoints bind: each looks its counters up in the recorder once.
    let metrics = install_metrics();
    let dns = hubspoke_dns::DataPlane::new(hubspoke_dns::DnsConfig {
        port: args.dns_port,
        ttl: args.dns_ttl,
        upstream: args.dns_upstream,
        udp_workers: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
        rate_limit: args.dns_rate_limit,
    });
    dns.apply(&app.replica().world()).await;
    app.attach_data_plane(dns.clone());
    let follower = tokio::spawn(follow_world(app.clone(), dns.clone()));
    let replication = tokio::spawn(hubspoke_app::follow::follow(
        app.clone(),
        listener_for_changes,
        Duration::from_millis(args.follow_interval as u64),
    ));

    let login_throttle = Arc::new(LoginThrottle::new(args.login_attempts, Duration::from_secs(60)));
    let state = ApiState::new(Shared {
        app: app.clone(),
        tokens,
        started: Instant::now(),
        metrics,
        login_throttle,
        rendered: Default::default(),
        meters: Default::default(),
    });
    let address = listener.local_addr()?;
    print_banner(&address.to_string(), store.kind(), &location, &args, &operator);

    // `--init` runs against the server itself once it listens; until it is done the server is not ready, and if it
    // fails the server stops with its error rather than serve a half-built world.
    let (init_failed, init_failure) = tokio::sync::oneshot::channel::<anyhow::Error>();
    let initializer = match init.filter(|_| !args.init.is_empty()) {
        Some(init) => {
            let files = args.init.clone();
            let names: Vec<String> = files.iter().map(|file| file.display().to_string()).collect();
            app.set_initializing(Some(format!("applying {}", names.join(", "))));
            let endpoint = format!("http://{}", loopback(address));
            let (app, key) = (app.clone(), operator.key().to_owned());
            Some(tokio::spawn(async move {
                match init(endpoint, key, files).await {
                    Ok(()) => {
                        app.set_initializing(None);
                        tracing::info!(files = %names.join(", "), "initialized");
                    }
                    Err(error) => {
                        let _ = init_failed.send(error);
                    }
                }
            }))
        }
        None => None,
    };
    let failed = std::sync::Arc::new(std::sync::Mutex::new(None));
    let recorded = failed.clone();
    let stop = async move {
        tokio::select! {
            () = shutdown => {}
            Ok(error) = init_failure => {
                tracing::error!(error = format!("{error:#}"), "serve --init failed; stopping");
                let error = error.context("applying the --init files");
                *recorded.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(error);
            }
            Ok(error) = key_failure => {
                tracing::error!(error = format!("{error:#}"), "no token signing key; stopping");
                *recorded.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(error);
            }
        }
    };
    let client_timeout = Duration::from_millis(args.client_timeout as u64);
    http::serve(listener, hubspoke_api::router(state), client_timeout, stop).await;
    if let Some(initializer) = initializer {
        initializer.abort();
    }
    signing.abort();
    follower.abort();
    replication.abort();
    dns.shutdown();
    tracing::info!("hubspoke stopped");
    match failed.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take() {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// The address to reach a listener at from this host: an unspecified address (`0.0.0.0`, `::`) means loopback.
fn loopback(address: std::net::SocketAddr) -> std::net::SocketAddr {
    match address.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => (std::net::Ipv4Addr::LOCALHOST, address.port()).into(),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => (std::net::Ipv6Addr::LOCALHOST, address.port()).into(),
        _ => address,
    }
}

/// Opens the store the flags name: PostgreSQL (which must already be migrated), memory, or the data directory's
/// SQLite file (migrated on opening). Returns it with a description for the banner.
async fn open_store(args: &ServeArgs) -> anyhow::Result<(SqlStore, String)> {
    if let Some(url) = &args.database_url {
        let settings = PoolSettings {
            max_connections: args.db_max_connections,
            min_connections: args.db_min_connections.min(args.db_max_connections),
            acquire_timeout: Duration::from_millis(args.db_acquire_timeout as u64),
        };
        let store = SqlStore::connect_postgres(url, &settings)
            .await
            .with_context(|| format!("connecting to `{}`", redact_password(url)))?;
        return Ok((store, redact_password(url)));
    }
    if args.ephemeral {
        return Ok((SqlStore::in_memory().await?, "in memory (--ephemeral)".to_owned()));
    }
    create_private_dir(&args.data_dir)
        .with_context(|| format!("creating the data directory `{}`", args.data_dir.display()))?;
    let path = args.data_dir.join("hubspoke.db");
    let store = SqlStore::open_sqlite(&path).await.with_context(|| format!("opening `{}`", path.display()))?;
    Ok((store, path.display().to_string()))
}

/// `hubspoke migrate`: brings the PostgreSQL database to this build's migration and prints where it stands.
pub async fn migrate(args: MigrateArgs) -> anyhow::Result<()> {
    let status = SqlStore::migrate_postgres(&args.database_url)
        .await
        .with_context(|| format!("migrating `{}`", redact_password(&args.database_url)))?;
    let newest = status.applied.last().map_or("none".to_owned(), |v| v.to_string());
    println!("{} is at migration {newest} ({} applied)", redact_password(&args.database_url), status.applied.len());
    Ok(())
}

/// The URL with its password replaced, for banners and error messages.
fn redact_password(url: &str) -> String {
    // `scheme://user:password@host...`: only the part between the first `:` after `//` and the `@` is secret.
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((credentials, host)) = rest.split_once('@') else { return url.to_owned() };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// Creates the data directory readable by its owner only (mode 0700): the database holds the token signing key.
/// An existing directory is left as it is.
fn create_private_dir(path: &std::path::Path) -> std::io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// The first pause before asking the database for the token signing key again, doubled up to [`KEY_RETRY_MAX`].
const KEY_RETRY_FIRST: Duration = Duration::from_millis(100);
/// The longest pause between two requests for the token signing key.
const KEY_RETRY_MAX: Duration = Duration::from_secs(2);

/// How often recorded histogram samples are folded into their buckets when nobody scrapes `/metrics`.
const METRICS_UPKEEP: std::time::Duration = std::time::Duration::from_secs(5);

/// Installs the process-wide Prometheus recorder (once), with the thread that keeps it bounded, and returns how to
/// render it.
fn install_metrics() -> Arc<dyn Fn() -> String + Send + Sync> {
    use std::sync::OnceLock;
    static HANDLE: OnceLock<Option<metrics_exporter_prometheus::PrometheusHandle>> = OnceLock::new();
    let handle = HANDLE.get_or_init(|| {
        let builder = metrics_exporter_prometheus::PrometheusBuilder::new()
            .set_buckets(&[0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5])
            .ok()?;
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        metrics::set_global_recorder(recorder).ok()?;
        // A histogram keeps every sample recorded until it is folded into its buckets, which only a scrape or the
        // upkeep does: a server nobody scrapes would grow by a few bytes per request, for as long as it runs.
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new().name("metrics-upkeep".into()).spawn(move || {
            loop {
                std::thread::sleep(METRICS_UPKEEP);
                upkeep.run_upkeep();
            }
        });
        // The recorder is installed either way; without the thread, scrapes still fold the samples.
        if let Err(error) = spawned {
            tracing::warn!(%error, "the metrics upkeep thread did not start; samples are folded only when scraped");
        }
        Some(handle)
    });
    match handle.clone() {
        Some(handle) => Arc::new(move || handle.render()),
        None => Arc::new(|| "# metrics recorder unavailable in this process\n".to_owned()),
    }
}

/// Keeps the DNS data plane on the newest world: every published world is compiled into fresh views.
async fn follow_world(app: Arc<App>, dns: Arc<hubspoke_dns::DataPlane>) {
    let mut changes = app.replica().subscribe_world();
    loop {
        // A gateway or binding held back while `pending` is answered once it is stable, with no change to the world:
        // wake then too.
        let settles = dns.next_settling().map(|at| {
            let wait = at.0.saturating_sub(hubspoke_app::now_millis()).max(0) as u64;
            Duration::from_millis(wait)
        });
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { return },
            () = tokio::time::sleep(settles.unwrap_or(Duration::MAX)), if settles.is_some() => {}
        }
        let world = app.replica().world();
        dns.apply(&world).await;
    }
}

fn print_banner(address: &str, store_kind: &str, location: &str, args: &ServeArgs, operator: &OperatorKey) {
    println!("hubspoke {}", env!("CARGO_PKG_VERSION"));
    println!("  api          http://{address}");
    println!("  console      http://{address}/console");
    println!("  store        {store_kind}, {location}");
    println!("  enforcement  {}", hubspoke_vpc::Enforcement::from(args.enforcement).as_str());
    println!(
        "  dns          port {} on each VPC's endpoint address (see /_hubspoke/vpcs/{{id}}/dns_endpoint), ttl {}s, upstream {}",
        args.dns_port,
        args.dns_ttl,
        args.dns_upstream.map_or("none".to_owned(), |u| u.to_string())
    );
    println!("  operator key {}", operator.describe());
    // Scripts and tests wait for this line and read the address from it.
    println!("listening on http://{address}");
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// Installs the log subscriber: `RUST_LOG`-style filtering (default `info`), text or JSON lines on standard error.
pub fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}

#[cfg(test)]
mod tests {
    use super::redact_password;

    #[test]
    fn passwords_never_reach_the_banner() {
        let cases = [
            ("postgres://hubspoke:s3cret@db:5432/hubspoke", "postgres://hubspoke:***@db:5432/hubspoke"),
            ("postgres://hubspoke@db/hubspoke", "postgres://hubspoke@db/hubspoke"),
            (
                "postgres://hubspoke:s3cret@10.0.0.1:5432,10.0.0.2:5432/hubspoke?target_session_attrs=read-write",
                "postgres://hubspoke:***@10.0.0.1:5432,10.0.0.2:5432/hubspoke?target_session_attrs=read-write",
            ),
            ("postgres://db/hubspoke", "postgres://db/hubspoke"),
            ("not a url", "not a url"),
        ];
        for (url, shown) in cases {
            assert_eq!(redact_password(url), shown);
        }
    }
}
