//! Following other replicas' writes: a PostgreSQL notification wakes the replica as soon as a write commits, and a
//! periodic catch-up covers notifications lost while the listener reconnected (and is all SQLite needs).

use std::sync::Arc;
use std::time::Duration;

use hubspoke_store::{ChangeListener, Heard};

use crate::App;

/// Keeps `app`'s decision index and world current until the task is dropped.
pub async fn follow(app: Arc<App>, mut listener: Option<ChangeListener>, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let heard = tokio::select! {
            heard = next(&mut listener) => heard,
            _ = tick.tick() => None,
        };
        let caught_up = match heard {
            Some(revision) => app.replica().sync_to(app.store(), app.catalog(), revision).await,
            None => app.catch_up_to_store().await,
        };
        if let Err(error) = caught_up {
            // The database is away; the next tick tries again, and the listener reconnects by itself.
            tracing::warn!(%error, "could not follow the change log");
            tokio::time::sleep(interval).await;
        }
    }
}

/// The next notified revision; `None` when a notification may have been missed (or the listener failed) and the
/// follower should catch up with the store instead. Never completes without a listener.
async fn next(listener: &mut Option<ChangeListener>) -> Option<u64> {
    let Some(listening) = listener else { return std::future::pending().await };
    match listening.next().await {
        Ok(Heard::Revision(revision)) => Some(revision),
        Ok(Heard::Gap) => None,
        Err(error) => {
            tracing::warn!(%error, "the change listener failed; catching up from the change log");
            // Without a pause, a listener that cannot reconnect would spin; the catch-up follows the pause.
            tokio::time::sleep(Duration::from_millis(250)).await;
            None
        }
    }
}
