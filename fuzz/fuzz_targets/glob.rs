//! Fuzzes the `stringMatch` glob differentially: the fast matcher must agree with the plainly right reference.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| hubspoke_iam::glob::check_against_reference(data));
