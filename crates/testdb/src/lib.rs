//! A throwaway PostgreSQL cluster on loopback for tests: `initdb` into a temporary directory, `pg_ctl start` on a free
//! port of 127.0.0.1, one fresh database per caller, and everything stopped and removed on drop.
//!
//! The binaries come from Debian's `postgresql` package (`/usr/lib/postgresql/<version>/bin`, or `PATH`). PostgreSQL
//! refuses to run as root, so when the tests run as root (as CI does) every command runs as the `postgres` user that
//! the package creates, through `runuser`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

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
}

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
        let bin = find_bin()?;
        let as_postgres = is_root();
        let dir = tempfile::Builder::new()
            .prefix("hubspoke-pg-")
            .tempdir()
            .map_err(|e| ClusterError(format!("temporary directory: {e}")))?;
        if as_postgres {
            let chown = Command::new("chown").args(["postgres:postgres"]).arg(dir.path()).output();
            check("chown", chown)?;
        }
        let mut cluster = Cluster { bin, dir, port: 0, as_postgres, databases: AtomicU32::new(0) };
        let data = cluster.data_dir();
        let init = cluster
            .command("initdb")
            .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--no-instructions", "-D"])
            .arg(&data)
            .output();
        check("initdb", init)?;
        let mut last = ClusterError("not started".to_owned());
        for _ in 0..3 {
            cluster.port = free_port()?;
            match cluster.pg_ctl(&["start", "-w", "-t", "30"]) {
                Ok(()) => return Ok(cluster),
                Err(error) => last = error,
            }
        }
        Err(last)
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
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c max_connections=200",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log");
        let output = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-o", &options, "-l"])
            .arg(&log)
            .args(action)
            .output();
        check(&format!("pg_ctl {}", action.join(" ")), output).map_err(|ClusterError(error)| {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            ClusterError(format!("{error}\nserver log:\n{log}"))
        })
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

    /// Stops the server the way a crash would (`-m immediate`: no checkpoint, recovery on the next start).
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
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["stop", "-m", "immediate", "-w"]);
    }
}

fn check(what: &str, output: std::io::Result<Output>) -> Result<(), ClusterError> {
    match output {
        Ok(output) if output.status.success() => Ok(()),
        Ok(output) => Err(ClusterError(format!(
            "`{what}` failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))),
        Err(error) => Err(ClusterError(format!("`{what}` could not run: {error}"))),
    }
}
