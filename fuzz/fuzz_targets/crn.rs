//! Fuzzes CRN parsing: any text is parsed without a panic, and a CRN rebuilt from parsed parts parses to the same parts.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    hubspoke_vpc::region::check_crn_round_trip(data);
});
