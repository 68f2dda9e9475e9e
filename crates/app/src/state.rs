//! Saving and loading the whole state (`hubspoke state save|load`): the operator captures every account, API key
//! digest, policy and network resource, and later replaces the state with such a capture, loaded whole or not at all.

use hubspoke_iam::Caller;
use hubspoke_iam::authority::may_manage_accounts;
pub use hubspoke_store::{Cell, StateSnapshot, TableRows};
use hubspoke_vpc::World;

use crate::{App, AppError, AppResult, now_millis, revision};

impl App {
    /// `GET /_hubspoke/state`: the state as rows, read in one snapshot (operator only).
    pub async fn save_state(&self, caller: &Caller) -> AppResult<StateSnapshot> {
        if !may_manage_accounts(caller) {
            return Err(AppError::Forbidden("only the operator may save the state".into()));
        }
        Ok(self.store.export_state().await?)
    }

    /// `PUT /_hubspoke/state`: replaces the state with `snapshot` (operator only), refused whole when its version is
    /// not this build's or its content breaks the database's constraints or the VPC rules. Answers the load's
    /// revision once this replica holds the loaded state.
    pub async fn load_state(&self, caller: &Caller, snapshot: &StateSnapshot) -> AppResult<u64> {
        if !may_manage_accounts(caller) {
            return Err(AppError::Forbidden("only the operator may load a state".into()));
        }
        let check = |entities| {
            let violations = World::from_entities(entities, 0).violations();
            match violations.as_slice() {
                [] => Ok(()),
                [only] => Err(only.clone()),
                [first, rest @ ..] => Err(format!("{first} (and {} more: {})", rest.len(), rest.join("; "))),
            }
        };
        // As for a reset: no network write of this process is computed on the state being replaced.
        let _writes = self.world_writes.lock().await;
        let written = self.store.import_state(snapshot, &check, now_millis()).await?;
        revision::record(written);
        self.replica.sync_to(self.store.as_ref(), &self.catalog, written).await?;
        Ok(written)
    }
}
