//! Fuzzes policy bodies as `/v1/policies` and `/v2/policies` receive them: JSON parsing, the shape check and every
//! validation rule, which must refuse or accept without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = hubspoke_api::policies::check_body_bytes(data);
});
