//! Notifications of new revisions from PostgreSQL (`LISTEN hubspoke_changes`), so replicas follow each other's writes.

use sqlx::postgres::PgListener;

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
}

impl std::fmt::Debug for ChangeListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeListener").finish_non_exhaustive()
    }
}

impl ChangeListener {
    /// Waits for the next notification.
    pub async fn next(&mut self) -> StoreResult<Heard> {
        Ok(match self.listener.try_recv().await? {
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
        let mut listener = PgListener::connect(url).await?;
        listener.listen(CHANGES_CHANNEL).await?;
        Ok(Some(ChangeListener { listener }))
    }
}
