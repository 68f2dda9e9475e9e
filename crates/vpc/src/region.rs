//! The region hubspoke emulates, its zones, and the formats of ids, CRNs and hrefs.

use hubspoke_iam::AccountId;

/// The region name. hubspoke serves one region; every VPC is in it.
pub const REGION: &str = "us-south";
/// The id prefix of resources in the region (`r006-…` in `us-south`).
pub const ID_PREFIX: &str = "r006";
/// The region's zones.
pub const ZONES: [&str; 3] = ["us-south-1", "us-south-2", "us-south-3"];
/// The DNS servers of a VPC whose system resolver has no VPE and no custom resolver (IBM's service resolvers).
pub const DEFAULT_RESOLVERS: [&str; 2] = ["161.26.0.10", "161.26.0.11"];
/// The DNS servers of a VPC whose system resolver serves private zones or endpoint gateways (DNS Services).
pub const PRIVATE_RESOLVERS: [&str; 2] = ["161.26.0.7", "161.26.0.8"];

/// A resource id in IBM's format: the region prefix and a UUID.
pub fn resource_id(uuid: &str) -> String {
    format!("{ID_PREFIX}-{uuid}")
}

/// The CRN of an `is` resource, for example `crn:v1:bluemix:public:is:us-south:a/<account>::vpc:<id>`.
pub fn crn(account: &AccountId, kind: &str, id: &str) -> String {
    format!("crn:v1:bluemix:public:is:{REGION}:a/{account}::{kind}:{id}")
}

/// The parts of an `is` CRN that identify a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrnParts {
    /// The region (location) segment.
    pub region: String,
    /// The account, from the `a/<account>` scope.
    pub account: String,
    /// The resource type, for example `vpc` or `subnet`.
    pub kind: String,
    /// The resource id.
    pub id: String,
}

/// Parses an `is` CRN; `None` for anything else.
pub fn parse_crn(crn: &str) -> Option<CrnParts> {
    let parts: Vec<&str> = crn.split(':').collect();
    // crn:v1:<cloud>:<ctype>:<service>:<location>:<scope>:<instance>:<type>:<resource>
    if parts.len() != 10 || parts[0] != "crn" || parts[1] != "v1" || parts[4] != "is" {
        return None;
    }
    let account = parts[6].strip_prefix("a/")?;
    if parts[8].is_empty() || parts[9].is_empty() {
        return None;
    }
    Some(CrnParts {
        region: parts[5].to_owned(),
        account: account.to_owned(),
        kind: parts[8].to_owned(),
        id: parts[9].to_owned(),
    })
}

/// The `crn` fuzz target's property, shared by the fuzzer, the corpus replay and the stable smoke test: any text
/// parses without a panic, and a CRN rebuilt from parsed parts parses to the same parts. Says whether it parsed.
#[cfg(any(test, feature = "fuzzing"))]
pub fn check_crn_round_trip(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    let Some(parts) = parse_crn(&text) else { return false };
    let rebuilt = format!("crn:v1:bluemix:public:is:{}:a/{}::{}:{}", parts.region, parts.account, parts.kind, parts.id);
    assert_eq!(parse_crn(&rebuilt), Some(parts), "`{text}`");
    true
}

/// Whether `zone` is one of the region's zones.
pub fn is_zone(zone: &str) -> bool {
    ZONES.contains(&zone)
}

/// The automatic address prefix of a zone (IBM's defaults for `us-south`).
pub fn zone_prefix(zone: &str) -> Option<ipnet::Ipv4Net> {
    let index = ZONES.iter().position(|known| *known == zone)?;
    format!("10.240.{}.0/18", index * 64).parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replays the `crn` fuzz corpus (`fuzz/corpus/crn`) on stable: no input panics, and a CRN rebuilt from parsed
    /// parts parses to the same parts.
    #[test]
    fn the_fuzz_corpus_replays_and_round_trips() {
        let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/crn");
        let (mut replayed, mut parsed) = (0, 0);
        for entry in std::fs::read_dir(&directory).expect("the corpus directory exists") {
            parsed += usize::from(check_crn_round_trip(&std::fs::read(entry.unwrap().path()).unwrap()));
            replayed += 1;
        }
        assert!(replayed >= 8 && parsed >= 1, "{replayed} corpus entries, {parsed} parsed");
    }

    #[test]
    fn crns_round_trip_and_foreign_crns_are_refused() {
        let account = AccountId::parse("e38cfd44b6e44b249ac75dd5de0cc8aa").unwrap();
        let text = crn(&account, "vpc", "r006-abc");
        assert_eq!(text, "crn:v1:bluemix:public:is:us-south:a/e38cfd44b6e44b249ac75dd5de0cc8aa::vpc:r006-abc");
        let parts = parse_crn(&text).unwrap();
        assert_eq!(
            (parts.region.as_str(), parts.account.as_str(), parts.kind.as_str(), parts.id.as_str()),
            ("us-south", account.as_str(), "vpc", "r006-abc")
        );
        for foreign in [
            "crn:v1:bluemix:public:kms:us-south:a/x::key:1",
            "crn:v1:bluemix:public:is:us-south:x::vpc:1",
            "not a crn",
            "crn:v1:bluemix:public:is:us-south:a/x::vpc:",
        ] {
            assert!(parse_crn(foreign).is_none(), "{foreign}");
        }
        assert_eq!(zone_prefix("us-south-2").unwrap().to_string(), "10.240.64.0/18");
        assert!(zone_prefix("eu-de-1").is_none());
    }
}
