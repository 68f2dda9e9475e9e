//! Resetting state between tests: every policy, network resource and event of one account, or of every account,
//! removed at once; accounts and their API keys stay, so clients keep their tokens.

use hubspoke_iam::authority::may_manage_accounts;
use hubspoke_iam::{AccountId, Caller};
use hubspoke_store::ResetScope;

use crate::{App, AppError, AppResult, now_millis, revision};

impl App {
    /// `POST /_hubspoke/reset`: the operator resets one account (`account`) or all of them. Answers the reset's
    /// revision once this replica has caught up with it, so the next request already sees the empty state.
    pub async fn reset(&self, caller: &Caller, account: Option<&str>) -> AppResult<u64> {
        if !may_manage_accounts(caller) {
            return Err(AppError::Forbidden("only the operator may reset state".into()));
        }
        let scope = match account {
            None => ResetScope::Everything,
            Some(text) => {
                let id = AccountId::parse(text).ok_or_else(|| AppError::InvalidParameter {
                    name: "account_id",
                    message: format!("`account_id` is `{text}`; an account id is 32 lowercase hexadecimal digits"),
                })?;
                if self.store.account(&id).await?.is_none() {
                    return Err(AppError::AccountNotFound(id.to_string()));
                }
                ResetScope::Account(id)
            }
        };
        // Network writes of this process are computed one at a time; holding their lock keeps one from being
        // computed on the world the reset is about to empty (the store's compare-and-set would refuse it anyway).
        let _writes = self.world_writes.lock().await;
        let written = self.store.reset(&scope, now_millis()).await?;
        revision::record(written);
        self.replica.sync_to(self.store.as_ref(), &self.catalog, written).await?;
        Ok(written)
    }
}
