//! Fuzzes CRN parsing: any text is parsed without a panic, and a CRN rebuilt from parsed parts parses to the same parts.
#![no_main]

use hubspoke_vpc::region::parse_crn;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(parts) = parse_crn(&text) {
        let rebuilt =
            format!("crn:v1:bluemix:public:is:{}:a/{}::{}:{}", parts.region, parts.account, parts.kind, parts.id);
        assert_eq!(parse_crn(&rebuilt), Some(parts));
    }
});
