//! Several PostgreSQL hosts in one database URL, as libpq spells them (`postgres://user@h1:5432,h2:5433/db`): new
//! connections go to the first host that accepts writes, and move to another host when the primary fails over.
//!
//! sqlx connects to one host per URL, so the URL is split here into one single-host URL per host, and hosts are
//! tried in the URL's order. A host counts as the primary when `SELECT pg_is_in_recovery()` answers false: a standby
//! (still replaying its primary's WAL) is skipped, since hubspoke writes. When an operation fails in a way that
//! suggests the server went away (a lost connection, no connection within the acquire timeout, a read-only server),
//! the failover is *suspect*, and the next operation searches the hosts again before it touches a pool; the pools'
//! new connections then go to the primary found. Connections to the old primary are not reused: a failed write
//! retires its connection, and the pool tests an idle connection before handing it out.
//!
//! Nothing here fences an old primary: if two hosts accept writes at once (split brain), connections go to whichever
//! of them a search finds first, and writes made on the other are not seen.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use std::sync::Arc;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AnyConnection, AnyPool, Connection};

use crate::{StoreError, StoreResult};

/// After a search, operations reuse its outcome for this long instead of probing the hosts again, so a burst of
/// failing requests during an outage costs one round of probes, and a promoted standby is found within this delay.
const SEARCH_REUSE: Duration = Duration::from_millis(200);

/// Why a database URL naming several hosts cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Two commas, or a comma at either end of the host list.
    #[error("the database URL names an empty host")]
    EmptyHost,
    /// `target_session_attrs` asks for something other than a primary.
    #[error(
        "`target_session_attrs={0}` is not supported: hubspoke writes, so it connects only to a primary (`read-write`)"
    )]
    SessionAttributes(String),
    /// The URL made for one host does not parse.
    #[error("host `{host}` of the database URL: {reason}")]
    Host {
        /// The host and port as the URL spells them.
        host: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// The hosts of a multi-host URL, and the one that new connections go to.
pub(crate) struct Failover {
    hosts: Vec<Host>,
    /// How long one host may take to connect and answer whether it is a primary.
    probe_timeout: Duration,
    /// The index in `hosts` of the primary last found.
    primary: AtomicUsize,
    /// Something suggested that the primary no longer accepts writes: the next operation searches again.
    suspect: AtomicBool,
    /// One search at a time, and the last one's outcome with when it ended.
    search: tokio::sync::Mutex<Option<(Instant, StoreResult<usize>)>>,
}

/// One host of the URL. Not `Debug`: its options hold the password.
struct Host {
    /// `host:port` as the URL spells it, for messages; never the credentials.
    address: String,
    any: AnyConnectOptions,
    postgres: PgConnectOptions,
}

impl std::fmt::Debug for Failover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let addresses: Vec<&str> = self.hosts.iter().map(|host| host.address.as_str()).collect();
        f.debug_struct("Failover")
            .field("hosts", &addresses)
            .field("primary", &self.primary.load(Ordering::Relaxed))
            .field("suspect", &self.suspect.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Failover {
    /// Splits `url` into its hosts. `None` when it names one host and does not ask for `target_session_attrs`: such
    /// a URL is handed to sqlx as it is, exactly as before multi-host URLs existed.
    pub(crate) fn parse(url: &str, probe_timeout: Duration) -> Result<Option<Failover>, UrlError> {
        let Some(split) = split_hosts(url)? else { return Ok(None) };
        let hosts = split
            .urls
            .into_iter()
            .map(|(address, url)| {
                let invalid = |reason: String| UrlError::Host { host: address.clone(), reason };
                let any = url.parse::<AnyConnectOptions>().map_err(|e| invalid(e.to_string()))?;
                let postgres = url.parse::<PgConnectOptions>().map_err(|e| invalid(e.to_string()))?;
                Ok(Host { address, any, postgres })
            })
            .collect::<Result<Vec<Host>, UrlError>>()?;
        Ok(Some(Failover {
            hosts,
            probe_timeout,
            primary: AtomicUsize::new(0),
            // Nothing is known about the hosts yet: the first caller searches.
            suspect: AtomicBool::new(true),
            search: tokio::sync::Mutex::new(None),
        }))
    }

    /// Notes that the primary may have gone away or stopped accepting writes; the next [`Failover::primary`] searches.
    pub(crate) fn suspect(&self) {
        self.suspect.store(true, Ordering::Relaxed);
    }

    /// The index of the host that new connections should go to: the last primary found, or, when it is suspect, the
    /// first host in the URL's order that accepts writes now. Fails as [`StoreError::Unavailable`] when no host does
    /// (the primary is down and no standby was promoted yet), at once rather than after the acquire timeout.
    pub(crate) async fn primary(&self) -> StoreResult<usize> {
        if !self.suspect.load(Ordering::Relaxed) {
            return Ok(self.primary.load(Ordering::Relaxed));
        }
        let mut last = self.search.lock().await;
        // Another caller may have searched while this one waited for the lock.
        if !self.suspect.load(Ordering::Relaxed) {
            return Ok(self.primary.load(Ordering::Relaxed));
        }
        if let Some((at, outcome)) = &*last
            && at.elapsed() < SEARCH_REUSE
        {
            return outcome.clone();
        }
        let outcome = self.search_hosts().await;
        if let Ok(found) = outcome {
            let before = self.primary.swap(found, Ordering::Relaxed);
            if before != found {
                tracing::warn!(from = %self.hosts[before].address, to = %self.hosts[found].address, "the primary moved");
            }
            // A failure reported while the probes ran is cleared with the others: the probe that found this primary
            // answered after it.
            self.suspect.store(false, Ordering::Relaxed);
        }
        *last = Some((Instant::now(), outcome.clone()));
        outcome
    }

    /// A pool of `options` connected to the primary, whose new connections refuse a standby; returns it with the
    /// primary's index.
    pub(crate) async fn pool(self: &Arc<Failover>, options: AnyPoolOptions) -> StoreResult<(AnyPool, usize)> {
        let primary = self.primary().await?;
        let failover = self.clone();
        let pool = options
            .after_connect(move |connection, _| {
                let failover = failover.clone();
                Box::pin(async move { refuse_standby(connection, &failover).await })
            })
            .connect_with(self.any_options(primary))
            .await?;
        Ok((pool, primary))
    }

    /// The options of host `index` for sqlx's `Any` driver (the store's pool).
    pub(crate) fn any_options(&self, index: usize) -> AnyConnectOptions {
        self.hosts[index].any.clone()
    }

    /// How long one host may take to connect and answer.
    pub(crate) fn probe_timeout(&self) -> Duration {
        self.probe_timeout
    }

    /// The options of host `index` for the PostgreSQL driver (the notification listener).
    pub(crate) fn postgres_options(&self, index: usize) -> PgConnectOptions {
        self.hosts[index].postgres.clone()
    }

    /// Probes the hosts in order and returns the first that accepts writes.
    async fn search_hosts(&self) -> StoreResult<usize> {
        let mut refusals = Vec::with_capacity(self.hosts.len());
        for (index, host) in self.hosts.iter().enumerate() {
            match probe(host, self.probe_timeout).await {
                Ok(()) => return Ok(index),
                Err(reason) => refusals.push(format!("`{}` {reason}", host.address)),
            }
        }
        Err(StoreError::Unavailable(format!("no host of the database URL accepts writes: {}", refusals.join("; "))))
    }
}

/// Refuses a new pool connection to a server in recovery (a standby), and marks the failover suspect so that the
/// next operation finds the primary; the pool then opens another connection.
async fn refuse_standby(connection: &mut AnyConnection, failover: &Failover) -> Result<(), sqlx::Error> {
    let recovering: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()").fetch_one(&mut *connection).await?;
    if recovering {
        failover.suspect();
        return Err(sqlx::Error::Protocol("the server is a standby in recovery, not the primary".to_owned()));
    }
    Ok(())
}

/// Whether `host` accepts writes now; otherwise why not, as a phrase following its address.
async fn probe(host: &Host, timeout: Duration) -> Result<(), String> {
    let answer = tokio::time::timeout(timeout, async {
        let mut connection = PgConnection::connect_with(&host.postgres).await?;
        let recovering: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()").fetch_one(&mut connection).await?;
        connection.close().await.ok();
        Ok::<bool, sqlx::Error>(recovering)
    })
    .await;
    match answer {
        Ok(Ok(false)) => Ok(()),
        Ok(Ok(true)) => Err("is a standby in recovery".to_owned()),
        Ok(Err(error)) => Err(format!("failed: {error}")),
        Err(_) => Err(format!("did not answer within {timeout:?}")),
    }
}

/// A URL split into one URL per host. Only tests compare or print one: it holds the password.
#[cfg_attr(test, derive(Debug, PartialEq, Eq))]
struct SplitUrl {
    /// Each host's `host:port` as written, and a URL naming that host alone (without `target_session_attrs`,
    /// which sqlx does not know).
    urls: Vec<(String, String)>,
}

/// Splits `scheme://[user[:password]@]host1[:port1],host2[:port2]/path?query`; `None` for a URL naming one host
/// without `target_session_attrs`, or one that is not of that shape (sqlx then reports what is wrong with it).
fn split_hosts(url: &str) -> Result<Option<SplitUrl>, UrlError> {
    let Some((scheme, rest)) = url.split_once("://") else { return Ok(None) };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    // The password may hold `@` only percent-encoded, so the last `@` ends the credentials.
    let (credentials, host_list) = match authority.rsplit_once('@') {
        Some((credentials, hosts)) => (format!("{credentials}@"), hosts),
        None => (String::new(), authority),
    };
    let (tail, session_attributes) = without_session_attributes(tail);
    let hosts: Vec<&str> = host_list.split(',').collect();
    if hosts.len() == 1 && session_attributes.is_none() {
        return Ok(None);
    }
    if let Some(wanted) = session_attributes
        && wanted != "read-write"
        && wanted != "primary"
    {
        return Err(UrlError::SessionAttributes(wanted));
    }
    if hosts.iter().any(|host| host.is_empty()) {
        return Err(UrlError::EmptyHost);
    }
    let urls = hosts.iter().map(|host| (host.to_string(), format!("{scheme}://{credentials}{host}{tail}"))).collect();
    Ok(Some(SplitUrl { urls }))
}

/// The URL's path, query and fragment without `target_session_attrs`, and that parameter's value if present.
fn without_session_attributes(tail: &str) -> (String, Option<String>) {
    let (before_fragment, fragment) = match tail.find('#') {
        Some(at) => tail.split_at(at),
        None => (tail, ""),
    };
    let Some((path, query)) = before_fragment.split_once('?') else { return (tail.to_owned(), None) };
    let mut wanted = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| match pair.split_once('=') {
            Some(("target_session_attrs", value)) => {
                wanted = Some(value.to_owned());
                false
            }
            _ => !pair.is_empty(),
        })
        .collect();
    let query = if kept.is_empty() { String::new() } else { format!("?{}", kept.join("&")) };
    (format!("{path}{query}{fragment}"), wanted)
}

#[cfg(test)]
mod tests;
