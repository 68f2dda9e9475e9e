//! Fuzzes the `stringMatch` glob differentially: the fast matcher must agree with the plainly right reference.
#![no_main]

use hubspoke_iam::glob::{Glob, reference_matches, split_fuzz_input};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (pattern, text) = split_fuzz_input(data);
    assert_eq!(Glob::new(&pattern).matches(&text), reference_matches(&pattern, &text), "`{pattern}` on `{text}`");
});
