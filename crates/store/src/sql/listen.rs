//! Notifications of new revisions from PostgreSQL (`LISTEN hubspoke_changes`), so replicas follow each other's writes.
//!
//! With a URL naming several hosts, the listening connection follows the primary too: when it is lost, the failover
//! is suspect, and the connection is re-established on the primary found then. Notifications sent meanwhile are lost;
//! the follower's catch-up from the change log covers them.

use std::sync::Arc;

use sqlx::PgPool;
use sqlx::postgres::{PgListener, PgPoolOptions};

use super::failover::Failover;
use super::{Backend, CHANGES_CHANNEL, SqlStore};
use crate::{Revision, StoreResult};

/// What the listener heard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Heard {
    /// A write committed at this revision.
    Revision(Revision),
    /// The connection was lost and is being re-established: notifications sent meanwhile are gone, so the follower
    /// must catch up from the change log.
    Gap,
}

/// A dedicated PostgreSQL connection listening on the change channel. It reconnects by itself after a loss.
pub struct ChangeListener {
    listener: PgListener,
    /// With several hosts: where the listener's connection goes.
    following: Option<Following>,
}

/// The primary a listener over several hosts connects to.
struct Following {
    failover: Arc<Failover>,
    /// The listener's own pool of one connection, pointed at the primary.
    pool: PgPool,
    /// The index of the host `pool` connects to.
    host: usize,
}

impl std::fmt::Debug for ChangeListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeListener").finish_non_exhaustive()
    }
}

impl ChangeListener {
    /// Waits for the next notification. With several hosts, fails at once while no host accepts writes.
    pub async fn next(&mut self) -> StoreResult<Heard> {
        if let Some(following) = &mut self.following {
            let primary = following.failover.primary().await?;
            if primary != following.host {
                following.pool.set_connect_options(following.failover.postgres_options(primary));
                following.host = primary;
            }
        }
        let heard = self.listener.try_recv().await;
        if let (Some(following), Ok(None) | Err(_)) = (&self.following, &heard) {
            // The connection was lost or could not be re-established: the primary may have gone.
            following.failover.suspect();
        }
        Ok(match heard? {
            // A payload that is not a number cannot come from hubspoke; catching up covers whatever it meant.
            Some(notification) => notification.payload().parse().map(Heard::Revision).unwrap_or(Heard::Gap),
            None => Heard::Gap,
        })
    }
}

impl SqlStore {
    /// A listener for other replicas' writes; `None` for SQLite, where this process is the only writer.
    pub async fn change_listener(&self) -> StoreResult<Option<ChangeListener>> {
        let (Backend::Postgres, Some(url)) = (self.backend, &self.url) else { return Ok(None) };
        let Some(failover) = &self.failover else {
            let mut listener = PgListener::connect(url).await?;
            listener.listen(CHANGES_CHANNEL).await?;
            return Ok(Some(ChangeListener { listener, following: None }));
        };
        let host = failover.primary().await?;
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .max_lifetime(None)
            .idle_timeout(None)
            .acquire_timeout(failover.probe_timeout())
            .connect_with(failover.postgres_options(host))
            .await?;
        let mut listener = PgListener::connect_with(&pool).await?;
        // Reconnecting at once would go back to the host that was just lost; `next` first asks where the primary is.
        listener.eager_reconnect(false);
        listener.ignore_pool_close_event(true);
        listener.listen(CHANGES_CHANNEL).await?;
        Ok(Some(ChangeListener { listener, following: Some(Following { failover: failover.clone(), pool, host }) }))
    }
}
