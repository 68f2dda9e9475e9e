//! hubspoke's own operator endpoints under `/_hubspoke/` (the LocalStack convention).

pub mod accounts;
pub mod dns_lookup;
pub mod events;
pub mod explain;
pub mod health;
pub mod metrics;
pub mod reset;
pub mod state;
