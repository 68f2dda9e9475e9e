//! Fuzzes query parsing and answering: any packet, any transport, at a hub, a delegated spoke and an unknown address.
#![no_main]

use std::sync::OnceLock;

use hubspoke_dns::Views;
use hubspoke_dns::fixture::{check_query, views};
use libfuzzer_sys::fuzz_target;

static VIEWS: OnceLock<Views> = OnceLock::new();

fuzz_target!(|packet: &[u8]| check_query(VIEWS.get_or_init(views), packet));
