//! A throwaway PostgreSQL cluster on loopback for tests: `initdb` into a temporary directory, `pg_ctl start` on a free
//! port of 127.0.0.1, one fresh database per caller, and everything stopped and removed on drop.
//!
//! The binaries come from Debian's `postgresql` package (`/usr/lib/postgresql/<version>/bin`, or `PATH`). PostgreSQL
//! refuses to run as root, so when the tests run as root (as CI does) every command runs as the `postgres` user that
//! the package creates, through `runuser`.
//!
//! For failover tests, [`Cluster::start_primary`] starts a cluster whose commits wait for a synchronous standby,
//! [`Cluster::start_standby`] streams a standby from it (`pg_basebackup -R`), [`Cluster::crash`] stops the primary
//! the way a crash would, and [`Cluster::promote`] turns the standby into the new primary. Because the primary runs
//! with `synchronous_standby_names = '*'` and `synchronous_commit = on`, a commit is acknowledged to the client only
//! once the standby has written it to disk: whatever a client was told is committed survives the primary's loss.
//!
//! Every wait here is bounded; a cluster that does not come up, catch up or promote in time is an error.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use sqlx::{ConnectOptions, Connection, Executor};

/// Why a cluster could not be started or used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ClusterError(pub String);

/// A running PostgreSQL server owned by one test; stopped (immediately) when dropped.
pub struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
    databases: AtomicU32,
    /// Server settings of this cluster alone, passed on the command line (`-c name=value`): `pg_basebackup` copies
    /// the configuration files but not the command line, so a standby does not inherit its primary's.
    settings: Vec<String>,
}

/// How long a standby may take to be copied, to start, or to catch up with its primary.
const STANDBY_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a promotion may take until the new primary accepts writes.
const PROMOTE_TIMEOUT: Duration = Duration::from_secs(30);

/// The settings that make a primary whose every commit waits until a standby has flushed it.
const PRIMARY_SETTINGS: [&str; 4] =
    ["wal_level=replica", "max_wal_senders=4", "synchronous_standby_names=*", "synchronous_commit=on"];

/// The directory holding `initdb` and `pg_ctl`: the newest `/usr/lib/postgresql/*/bin`, else whatever `PATH` has.
fn find_bin() -> Result<PathBuf, ClusterError> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| Some((entry.file_name().to_str()?.parse().ok()?, entry.path().join("bin"))))
        .filter(|(_, bin): &(u32, PathBuf)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
        .ok_or_else(|| ClusterError("no `initdb`: install Debian's `postgresql` package".to_owned()))
}

fn is_root() -> bool {
    // The effective uid is what PostgreSQL checks; `id -u` avoids an FFI dependency for one number.
    Command::new("id").arg("-u").output().map(|out| out.stdout.trim_ascii() == b"0").unwrap_or(false)
}

fn free_port() -> Result<u16, ClusterError> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| ClusterError(format!("finding a free port: {e}")))?;
    Ok(listener.local_addr().map_err(|e| ClusterError(e.to_string()))?.port())
}

impl Cluster {
    /// Creates and starts a cluster (about a second). Retries on another port if the chosen one was taken meanwhile.
    pub fn start() -> Result<Cluster, ClusterError> {
        let cluster = Cluster::initialize(Vec::new())?;
        cluster.start_on_a_free_port()
    }

    /// Creates and starts a cluster ready to be a synchronous primary: WAL for replicas, WAL senders, a replication
    /// entry for 127.0.0.1 in `pg_hba.conf`, and `synchronous_standby_names = '*'` with `synchronous_commit = on`.
    ///
    /// Until a standby is attached ([`Cluster::start_standby`]), every commit on it waits: start the standby before
    /// writing anything, creating databases included.
    pub fn start_primary() -> Result<Cluster, ClusterError> {
        let cluster = Cluster::initialize(PRIMARY_SETTINGS.iter().map(|s| s.to_string()).collect())?;
        // Debian's `initdb` already allows local replication connections; say so explicitly rather than rely on it.
        let hba = cluster.data_dir().join("pg_hba.conf");
        let mut rules =
            std::fs::read_to_string(&hba).map_err(|e| ClusterError(format!("reading `pg_hba.conf`: {e}")))?;
        rules.push_str("\nhost replication postgres 127.0.0.1/32 trust\n");
        std::fs::write(&hba, rules).map_err(|e| ClusterError(format!("writing `pg_hba.conf`: {e}")))?;
        cluster.start_on_a_free_port()
    }

    /// Copies this running cluster with `pg_basebackup -R` into a new temporary directory and starts the copy as a
    /// streaming standby on its own port of 127.0.0.1 (`primary_conninfo` names this cluster). Returns once this
    /// cluster reports the standby as streaming and, when this is a [`Cluster::start_primary`] cluster, synchronous.
    pub fn start_standby(&self) -> Result<Cluster, ClusterError> {
        let standby = Cluster {
            bin: self.bin.clone(),
            dir: new_directory(self.as_postgres)?,
            port: 0,
            as_postgres: self.as_postgres,
            databases: AtomicU32::new(0),
            settings: Vec::new(),
        };
        let mut backup = standby.command("pg_basebackup");
        backup
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", "-D"])
            .arg(standby.data_dir())
            // -R writes `standby.signal` and `primary_conninfo`; -X stream brings the WAL written meanwhile; a fast
            // checkpoint starts the copy at once rather than at the next scheduled checkpoint.
            .args(["-R", "-X", "stream", "-c", "fast", "--no-sync"]);
        run_bounded(backup, "pg_basebackup", &standby.dir.path().join("basebackup.log"), STANDBY_TIMEOUT)?;
        let standby = standby.start_on_a_free_port()?;
        let wanted = if self.settings.is_empty() { "async" } else { "sync" };
        let query = format!(
            "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' \
             AND sync_state = '{wanted}'"
        );
        wait_until(&format!("the standby on port {} streaming ({wanted})", standby.port), STANDBY_TIMEOUT, || {
            Ok(self.query(&query)? != "0")
        })?;
        Ok(standby)
    }

    /// Promotes this standby to a primary (`pg_ctl promote`) and waits until `pg_is_in_recovery()` is false, so it
    /// accepts writes when this returns.
    pub fn promote(&self) -> Result<(), ClusterError> {
        self.pg_ctl(&["promote", "-w", "-t", &PROMOTE_TIMEOUT.as_secs().to_string()])?;
        wait_until(&format!("the cluster on port {} leaving recovery", self.port), PROMOTE_TIMEOUT, || {
            self.in_recovery().map(|recovering| !recovering)
        })
    }

    /// Whether this cluster is a standby (replaying WAL) rather than a primary.
    pub fn in_recovery(&self) -> Result<bool, ClusterError> {
        Ok(self.query("SELECT pg_is_in_recovery()")? == "t")
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of `database` on this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates a new, empty database and returns its URL.
    pub async fn create_database(&self) -> Result<String, ClusterError> {
        let name = format!("hubspoke_{}", self.databases.fetch_add(1, Ordering::Relaxed));
        let options: sqlx::postgres::PgConnectOptions =
            self.url("postgres").parse().map_err(|e| ClusterError(format!("{e}")))?;
        let mut connection =
            options.connect().await.map_err(|e| ClusterError(format!("connecting to the cluster: {e}")))?;
        connection
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .map_err(|e| ClusterError(format!("creating `{name}`: {e}")))?;
        connection.close().await.ok();
        Ok(self.url(&name))
    }

    /// Stops the server the way a crash would (`-m immediate`: every backend is killed at once, no checkpoint, and
    /// recovery on the next start). Clients see their connections drop; a primary's standby loses its upstream.
    pub fn crash(&self) -> Result<(), ClusterError> {
        self.pg_ctl(&["stop", "-m", "immediate", "-w"])
    }

    /// Starts the server again on the same port after [`Cluster::crash`].
    pub fn restart(&self) -> Result<(), ClusterError> {
        self.pg_ctl(&["start", "-w", "-t", "30"])
    }

    /// The cluster's directory (data and server log).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `initdb` into a new temporary directory; the server is not started yet.
    fn initialize(settings: Vec<String>) -> Result<Cluster, ClusterError> {
        let as_postgres = is_root();
        let cluster = Cluster {
            bin: find_bin()?,
            dir: new_directory(as_postgres)?,
            port: 0,
            as_postgres,
            databases: AtomicU32::new(0),
            settings,
        };
        let init = cluster
            .command("initdb")
            .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--no-instructions", "-D"])
            .arg(cluster.data_dir())
            .output();
        check("initdb", init)?;
        Ok(cluster)
    }

    /// Starts the server on a free port, trying another port twice if the chosen one was taken meanwhile.
    fn start_on_a_free_port(mut self) -> Result<Cluster, ClusterError> {
        let mut last = ClusterError("not started".to_owned());
        for _ in 0..3 {
            self.port = free_port()?;
            match self.pg_ctl(&["start", "-w", "-t", "30"]) {
                Ok(()) => return Ok(self),
                Err(error) => last = error,
            }
        }
        Err(last)
    }

    /// Runs one statement with `psql` as `postgres` and returns its unaligned output, trimmed.
    fn query(&self, sql: &str) -> Result<String, ClusterError> {
        let output = self
            .command("psql")
            .args(["-X", "-A", "-t", "-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres"])
            .args(["-d", "postgres", "-c", sql])
            // A server that accepts the connection but never answers must not hang the caller.
            .env("PGCONNECT_TIMEOUT", "5")
            .output();
        let output = check(&format!("psql -c {sql}"), output)?;
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    fn pg_ctl(&self, action: &[&str]) -> Result<(), ClusterError> {
        // Sockets go to the cluster's own directory, and only loopback TCP is opened.
        let mut options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c max_connections=200",
            self.port,
            self.dir.path().display()
        );
        for setting in &self.settings {
            options.push_str(&format!(" -c {setting}"));
        }
        let log = self.dir.path().join("server.log");
        let output = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-o", &options, "-l"])
            .arg(&log)
            .args(action)
            .output();
        check(&format!("pg_ctl {}", action.join(" ")), output).map(|_| ()).map_err(|ClusterError(error)| {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            ClusterError(format!("{error}\nserver log:\n{log}"))
        })
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["stop", "-m", "immediate", "-w"]);
    }
}

/// A new temporary directory for a cluster, owned by `postgres` when the server runs as that user.
fn new_directory(as_postgres: bool) -> Result<tempfile::TempDir, ClusterError> {
    let dir = tempfile::Builder::new()
        .prefix("hubspoke-pg-")
        .tempdir()
        .map_err(|e| ClusterError(format!("temporary directory: {e}")))?;
    if as_postgres {
        let chown = Command::new("chown").args(["postgres:postgres"]).arg(dir.path()).output();
        check("chown", chown)?;
    }
    Ok(dir)
}

/// Runs `command` with its output in `log`, killing it if it has not finished within `timeout`.
fn run_bounded(mut command: Command, what: &str, log: &Path, timeout: Duration) -> Result<(), ClusterError> {
    let file = std::fs::File::create(log).map_err(|e| ClusterError(format!("creating `{}`: {e}", log.display())))?;
    let errors = file.try_clone().map_err(|e| ClusterError(e.to_string()))?;
    let mut child = command
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(errors))
        .spawn()
        .map_err(|e| ClusterError(format!("`{what}` could not run: {e}")))?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ClusterError(format!("`{what}` did not finish within {timeout:?}")));
            }
            Err(error) => return Err(ClusterError(format!("waiting for `{what}`: {error}"))),
        }
    };
    if status.success() {
        return Ok(());
    }
    let output = std::fs::read_to_string(log).unwrap_or_default();
    Err(ClusterError(format!("`{what}` failed ({status}): {output}")))
}

/// Polls `done` every 50 ms until it says yes, for at most `timeout`; the last error, if any, explains a timeout.
fn wait_until(
    what: &str,
    timeout: Duration,
    mut done: impl FnMut() -> Result<bool, ClusterError>,
) -> Result<(), ClusterError> {
    let deadline = Instant::now() + timeout;
    let mut last = None;
    while Instant::now() < deadline {
        match done() {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(error) => last = Some(error),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let cause = last.map(|ClusterError(error)| format!(": {error}")).unwrap_or_default();
    Err(ClusterError(format!("timed out after {timeout:?} waiting for {what}{cause}")))
}

/// The output of a command that succeeded; otherwise an error with what it printed.
fn check(what: &str, output: std::io::Result<Output>) -> Result<Output, ClusterError> {
    match output {
        Ok(output) if output.status.success() => Ok(output),
        Ok(output) => Err(ClusterError(format!(
            "`{what}` failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))),
        Err(error) => Err(ClusterError(format!("`{what}` could not run: {error}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::Cluster;

    #[test]
    fn a_promoted_standby_holds_every_commit_its_primary_acknowledged_and_accepts_writes() {
        let primary = Cluster::start_primary().expect("a primary starts");
        let standby = primary.start_standby().expect("a synchronous standby starts");
        assert!(!primary.in_recovery().unwrap());
        assert!(standby.in_recovery().unwrap());
        primary.query("CREATE TABLE acknowledged (n integer)").unwrap();
        for n in 0..20 {
            // Each statement is its own transaction, acknowledged only once the standby has flushed it.
            primary.query(&format!("INSERT INTO acknowledged VALUES ({n})")).unwrap();
        }

        primary.crash().unwrap();
        standby.promote().unwrap();
        assert!(!standby.in_recovery().unwrap());
        assert_eq!(standby.query("SELECT count(*) FROM acknowledged").unwrap(), "20");
        // A promoted standby has no standby of its own, and does not wait for one.
        standby.query("INSERT INTO acknowledged VALUES (20)").unwrap();
    }
}
