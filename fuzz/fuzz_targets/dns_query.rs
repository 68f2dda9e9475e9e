//! Fuzzes query parsing and answering: any packet, any transport, at a hub, a delegated spoke and an unknown address.
#![no_main]

use std::net::Ipv4Addr;
use std::sync::OnceLock;

use hubspoke_dns::Views;
use hubspoke_dns::answer::{Reply, Settings, Transport, respond};
use hubspoke_dns::fixture::{HUB_ENDPOINT, SPOKE_ENDPOINT, views};
use libfuzzer_sys::fuzz_target;

static VIEWS: OnceLock<Views> = OnceLock::new();

fuzz_target!(|packet: &[u8]| {
    let views = VIEWS.get_or_init(views);
    for transport in [Transport::Udp, Transport::Tcp] {
        for at in [HUB_ENDPOINT, SPOKE_ENDPOINT, Ipv4Addr::LOCALHOST] {
            for forwarding in [false, true] {
                if let Reply::Send(reply) = respond(views, at, packet, transport, Settings { ttl: 30, forwarding }) {
                    assert!(reply.len() >= 12 && reply[..2] == packet[..2]);
                }
            }
        }
    }
});
