//! hubspoke's DNS data plane: what each VPC's resolver answers for endpoint-gateway names, served over UDP and TCP.
//!
//! # Layout
//!
//! - [`view`]: compiles the VPC world into one immutable [`Views`] value: for every DNS endpoint address, the names
//!   its VPC's resolver knows and why (own gateway, a spoke's gateway through a binding, the hub's view through
//!   delegation). Pure.
//! - [`answer`]: turns one query packet into one reply packet against a [`Views`], with hickory-proto for the wire
//!   format. Pure: no IO, no clock.
//! - [`server`]: binds UDP and TCP on every endpoint address, swaps whole views when the world changes, forwards to
//!   an upstream when configured; `udp` moves datagrams in batches (`recvmmsg`/`sendmmsg` on Linux).
//!
//! The crate knows nothing of HTTP or SQL. Queries never take a lock shared with writers: they load the current
//! `Arc<Views>` and answer from it, so one answer never mixes two revisions.

pub mod answer;
#[cfg(any(test, feature = "fixture"))]
pub mod fixture;
pub mod server;
mod udp;
pub mod view;

pub use answer::{Reply, Transport, respond};
pub use server::{DataPlane, DnsConfig};
pub use view::{Answer, BoundResource, Lookup, Source, Via, View, Views, compile, lookup};
