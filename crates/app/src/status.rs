//! Health and readiness: whether this replica can read, write and has caught up, as operators and load balancers ask.

use crate::{App, AppError, AppResult};

/// What the health endpoint reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    /// Whether the database answers reads.
    pub readable: bool,
    /// Why writes fail, when they do.
    pub write_failure: Option<String>,
    /// The revision this replica has applied.
    pub revision: u64,
    /// VPC DNS endpoints this process cannot serve (`address: reason`).
    pub dns_unserved: Vec<String>,
    /// Secondary zones whose last transfer failed (`secondary zone id: reason`); shown to operators only.
    pub dns_transfer_failures: Vec<String>,
}

impl App {
    /// Ready when the database answers, writes succeed, and this replica has caught up with it, so a load balancer
    /// sends requests only to replicas that can serve them. Catching up here (rather than only reporting the lag)
    /// means a replica that missed notifications is ready again as soon as the database is; asking the store whether
    /// writes succeed means a replica whose disk filled is not ready until a write succeeds again.
    pub async fn ready(&self) -> AppResult<u64> {
        if let Some(what) = self.initializing.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone() {
            return Err(AppError::Initializing(what));
        }
        self.catch_up_to_store().await?;
        self.store.writable().await?;
        if let Some(unserved) = self.dns_unserved().first() {
            return Err(AppError::DnsEndpointUnavailable(format!("a VPC's DNS endpoint is not served: {unserved}")));
        }
        Ok(self.replica.revision())
    }

    /// Holds readiness back while `serve --init` applies `what` (`None`: done).
    pub fn set_initializing(&self, what: Option<String>) {
        *self.initializing.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = what;
    }

    /// The facts an operator checks first; never fails (an unreadable database is one of the facts).
    pub async fn health(&self) -> Health {
        let readable = self.store.revision().await.is_ok();
        let write_failure = self.store.writable().await.err().map(|error| error.to_string());
        Health {
            readable,
            write_failure,
            revision: self.replica.revision(),
            dns_unserved: self.dns_unserved(),
            dns_transfer_failures: self.dns_transfer_failures(),
        }
    }

    /// The secondary zones whose last transfer failed, as `id: reason`.
    fn dns_transfer_failures(&self) -> Vec<String> {
        let Some(plane) = self.data_plane.get() else { return Vec::new() };
        plane
            .secondaries()
            .into_iter()
            .filter_map(|(id, copy)| copy.error.as_ref().map(|error| format!("{id}: {error}")))
            .collect()
    }

    /// The DNS endpoints the data plane could not bind, as `address: reason`.
    fn dns_unserved(&self) -> Vec<String> {
        let Some(plane) = self.data_plane.get() else { return Vec::new() };
        plane.unserved().into_iter().map(|(address, reason)| format!("{address}: {reason}")).collect()
    }
}
