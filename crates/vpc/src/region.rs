//! The regions of IBM Cloud VPC and their zones (a pure catalog), and the formats of ids, CRNs and hrefs: every VPC
//! resource id carries its region's prefix, so the region of any resource is read from its id.

use hubspoke_iam::AccountId;
use ipnet::Ipv4Net;

/// The region a request reaches when it names none (`serve --region` changes it).
pub const DEFAULT_REGION: &str = "us-south";
/// How many zones each region has (a fourth zone exists only for allow-listed accounts, which hubspoke does not
/// emulate).
pub const ZONES_PER_REGION: usize = 3;

/// A region of the catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// The name, for example `us-south`.
    pub name: &'static str,
    /// The prefix of the ids of the region's resources (`r006-…` in `us-south`).
    pub id_prefix: &'static str,
    /// The second octet of the region's default address prefixes: zone *n* gets `10.<octet>.<64·(n-1)>.0/18`.
    default_prefix_octet: u8,
}

/// Every region, in IBM's alphabetical order, with its id prefix and the second octet of its default address
/// prefixes. The id prefixes of `us-south`, `us-east`, `eu-gb`, `jp-tok`, `au-syd`, `br-sao` and `eu-es` are IBM's;
/// for the other regions IBM's documents show none, and hubspoke picks unused ones in the same pattern
/// (`docs/vpc.md`).
pub const REGIONS: [Region; 13] = [
    Region { name: "au-syd", id_prefix: "r026", default_prefix_octet: 245 },
    Region { name: "br-sao", id_prefix: "r042", default_prefix_octet: 250 },
    Region { name: "ca-mon", id_prefix: "r058", default_prefix_octet: 253 },
    Region { name: "ca-tor", id_prefix: "r038", default_prefix_octet: 249 },
    Region { name: "eu-de", id_prefix: "r010", default_prefix_octet: 243 },
    Region { name: "eu-es", id_prefix: "r050", default_prefix_octet: 251 },
    Region { name: "eu-gb", id_prefix: "r018", default_prefix_octet: 242 },
    Region { name: "in-che", id_prefix: "r046", default_prefix_octet: 254 },
    Region { name: "in-mum", id_prefix: "r054", default_prefix_octet: 255 },
    Region { name: "jp-osa", id_prefix: "r034", default_prefix_octet: 248 },
    Region { name: "jp-tok", id_prefix: "r022", default_prefix_octet: 244 },
    Region { name: "us-east", id_prefix: "r014", default_prefix_octet: 241 },
    Region { name: "us-south", id_prefix: "r006", default_prefix_octet: 240 },
];

/// A region by name.
pub fn region(name: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|region| region.name == name)
}

/// The region a request reaches when it names none.
pub fn default_region() -> &'static Region {
    region(DEFAULT_REGION).expect("the default region is in the catalog")
}

/// The region of a zone (`eu-de-2` is in `eu-de`).
pub fn zone_region(zone: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|region| region.has_zone(zone))
}

/// The region of a resource, read from its id's prefix; `None` for an id of no region.
pub fn region_of_id(id: &str) -> Option<&'static Region> {
    let prefix = id.split('-').next()?;
    REGIONS.iter().find(|region| region.id_prefix == prefix)
}

impl Region {
    /// The region's zones, `<region>-1` to `<region>-3`.
    pub fn zones(&self) -> Vec<String> {
        (1..=ZONES_PER_REGION).map(|index| format!("{}-{index}", self.name)).collect()
    }

    /// Whether `zone` is one of the region's zones.
    pub fn has_zone(&self, zone: &str) -> bool {
        self.zone_index(zone).is_some()
    }

    /// A resource id in IBM's format: the region's prefix and a UUID.
    pub fn resource_id(&self, uuid: &str) -> String {
        format!("{}-{uuid}", self.id_prefix)
    }

    /// The default address prefix of a zone, which `address_prefix_management: auto` creates.
    pub fn default_prefix(&self, zone: &str) -> Option<Ipv4Net> {
        let index = self.zone_index(zone)?;
        Ipv4Net::new(std::net::Ipv4Addr::new(10, self.default_prefix_octet, (index * 64) as u8, 0), 18).ok()
    }

    /// The zero-based position of `zone` among the region's zones.
    fn zone_index(&self, zone: &str) -> Option<usize> {
        let number: usize = zone.strip_prefix(self.name)?.strip_prefix('-')?.parse().ok()?;
        (1..=ZONES_PER_REGION).contains(&number).then(|| number - 1)
    }
}

/// The DNS servers of a VPC whose system resolver has no VPE and no custom resolver (IBM's service resolvers).
pub const DEFAULT_RESOLVERS: [&str; 2] = ["161.26.0.10", "161.26.0.11"];
/// The DNS servers of a VPC whose system resolver serves private zones or endpoint gateways (DNS Services).
pub const PRIVATE_RESOLVERS: [&str; 2] = ["161.26.0.7", "161.26.0.8"];

/// The CRN of an `is` resource, for example `crn:v1:bluemix:public:is:us-south:a/<account>::vpc:<id>`; the region
/// is the id's (an id of no region, which hubspoke never issues, is placed in the default region).
pub fn crn(account: &AccountId, kind: &str, id: &str) -> String {
    let region = region_of_id(id).unwrap_or_else(default_region).name;
    format!("crn:v1:bluemix:public:is:{region}:a/{account}::{kind}:{id}")
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
        assert_eq!(default_region().default_prefix("us-south-2").unwrap().to_string(), "10.240.64.0/18");
        assert!(default_region().default_prefix("eu-de-1").is_none());
        let frankfurt = crn(&account, "vpc", "r010-abc");
        assert_eq!(frankfurt, "crn:v1:bluemix:public:is:eu-de:a/e38cfd44b6e44b249ac75dd5de0cc8aa::vpc:r010-abc");
    }

    #[test]
    fn every_region_has_three_zones_and_its_default_prefixes() {
        let cases = [
            ("us-south", "10.240.0.0/18", "10.240.128.0/18"),
            ("us-east", "10.241.0.0/18", "10.241.128.0/18"),
            ("eu-gb", "10.242.0.0/18", "10.242.128.0/18"),
            ("eu-de", "10.243.0.0/18", "10.243.128.0/18"),
            ("jp-tok", "10.244.0.0/18", "10.244.128.0/18"),
            ("au-syd", "10.245.0.0/18", "10.245.128.0/18"),
            ("jp-osa", "10.248.0.0/18", "10.248.128.0/18"),
            ("ca-tor", "10.249.0.0/18", "10.249.128.0/18"),
            ("br-sao", "10.250.0.0/18", "10.250.128.0/18"),
            ("eu-es", "10.251.0.0/18", "10.251.128.0/18"),
            ("ca-mon", "10.253.0.0/18", "10.253.128.0/18"),
            ("in-che", "10.254.0.0/18", "10.254.128.0/18"),
            ("in-mum", "10.255.0.0/18", "10.255.128.0/18"),
        ];
        assert_eq!(cases.len(), REGIONS.len());
        for (name, first, third) in cases {
            let region = region(name).unwrap();
            let zones = region.zones();
            assert_eq!(zones, [format!("{name}-1"), format!("{name}-2"), format!("{name}-3")]);
            assert_eq!(region.default_prefix(&zones[0]).unwrap().to_string(), first, "{name}");
            assert_eq!(region.default_prefix(&zones[2]).unwrap().to_string(), third, "{name}");
        }
        for zone in ["us-south-0", "us-south-4", "us-south", "us-south-x", "us-east-1"] {
            assert!(!default_region().has_zone(zone), "{zone}");
        }
        assert!(region("mars-1").is_none());
        // Every region's ids are told apart by their prefix, and an id names its region.
        for region in &REGIONS {
            let id = region.resource_id("00000000-0000-4000-8000-000000000000");
            assert_eq!(region_of_id(&id).map(|r| r.name), Some(region.name));
            assert_eq!(REGIONS.iter().filter(|other| other.id_prefix == region.id_prefix).count(), 1);
        }
        assert!(region_of_id("r999-abc").is_none() && region_of_id("").is_none());
    }
}
