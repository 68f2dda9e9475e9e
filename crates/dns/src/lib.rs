//! hubspoke's DNS data plane: what each VPC's resolver answers for endpoint-gateway names, served over UDP and TCP.
//!
//! # Layout
//!
//! - [`view`]: compiles the VPC world into one immutable [`Views`] value: for every DNS endpoint address, what serves
//!   it: a VPC's own resolver (the endpoint gateways' names it knows and why, and the DNS Services zones permitted to
//!   it), or a custom resolver ([`resolver`]: its secondary zones and forwarding rules). Pure.
//! - [`zone`]: one DNS Services zone or secondary zone's copy, compiled once into wire records.
//! - [`resolve`]: which zone or target answers a name at an address (§ "Custom resolvers" in `docs/dns.md`). Pure.
//! - [`answer`]: turns one query packet into one reply packet against a [`Views`], with hickory-proto for the wire
//!   format. Pure: no IO, no clock.
//! - [`server`]: binds UDP and TCP on every endpoint address, swaps whole views when the world changes, relays
//!   forwarded queries through `forward` (UDP over a few shared sockets, TCP for TCP clients and truncated answers),
//!   and keeps the secondary zones' copies ([`secondary`]: AXFR over TCP) fresh; `udp` moves datagrams in batches
//!   (`recvmmsg`/`sendmmsg` on Linux).
//!
//! The crate knows nothing of HTTP or SQL. Queries never take a lock shared with writers: they load the current
//! `Arc<Views>` and answer from it, so one answer never mixes two revisions.

pub mod answer;
#[cfg(any(test, feature = "fixture"))]
pub mod fixture;
mod forward;
pub mod lookup;
pub mod resolve;
pub mod resolver;
pub mod secondary;
pub mod server;
mod udp;
pub mod view;
pub mod zone;

pub use answer::{Reply, Settings, Transport, respond};
pub use server::{DataPlane, DnsConfig};
pub use view::{Answer, BoundResource, CompileCache, Source, Via, View, Views, compile, compile_with, owner_of};
