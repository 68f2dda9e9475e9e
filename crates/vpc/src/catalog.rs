//! Which service endpoints (FQDNs) an endpoint gateway serves, derived from its target.
//!
//! IBM's endpoint CRNs name the FQDN themselves (`crn:v1:bluemix:public:cloud-object-storage:global:::endpoint:
//! s3.direct.us-south.cloud-object-storage.appdomain.cloud`); for those hubspoke serves exactly that name. Service
//! instance CRNs and infrastructure services are looked up in a small catalog of the common services.

use crate::model::GatewayTarget;
use crate::region::Region;

/// Infrastructure services by name, with their FQDNs.
const INFRASTRUCTURE: &[(&str, &[&str])] = &[("ibm-ntp-server", &["time.adn.networklayer.com"])];

/// Domains under which VPE names live; other names are never VPE names.
pub const SERVICE_DOMAINS: &[&str] =
    &["appdomain.cloud", "cloud.ibm.com", "networklayer.com", "isops.ibm.com", "icr.io"];

/// The VPE service domain `name` lies in (the domain itself or a name below it), without allocating.
pub fn service_domain_of(name: &str) -> Option<&'static str> {
    SERVICE_DOMAINS.iter().copied().find(|domain| {
        name.len() >= domain.len()
            && name[name.len() - domain.len()..].eq_ignore_ascii_case(domain)
            && (name.len() == domain.len() || name.as_bytes()[name.len() - domain.len() - 1] == b'.')
    })
}

/// The FQDNs a target serves to a gateway in `region` (a service instance is reached through the gateway's region's
/// private endpoint), or `None` when hubspoke does not know the service.
pub fn service_endpoints(target: &GatewayTarget, region: &Region) -> Option<Vec<String>> {
    let region = region.name;
    match target {
        GatewayTarget::ProviderInfrastructureService { name } => INFRASTRUCTURE
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, endpoints)| endpoints.iter().map(|e| e.to_string()).collect()),
        GatewayTarget::ProviderCloudService { crn } => {
            let parts: Vec<&str> = crn.split(':').collect();
            if parts.len() < 10 || parts[0] != "crn" || parts[1] != "v1" {
                return None;
            }
            let (service, resource_type, resource) = (parts[4], parts[8], parts[9..].join(":"));
            if resource_type == "endpoint" {
                return is_service_fqdn(&resource).then(|| vec![resource.to_ascii_lowercase()]);
            }
            let endpoints: Vec<String> = match service {
                "cloud-object-storage" => vec![
                    format!("s3.direct.{region}.cloud-object-storage.appdomain.cloud"),
                    format!("*.s3.direct.{region}.cloud-object-storage.appdomain.cloud"),
                ],
                "kms" => vec![format!("private.{region}.kms.cloud.ibm.com")],
                "hs-crypto" => vec![format!("api.private.{region}.hs-crypto.cloud.ibm.com")],
                "container-registry" => vec!["private.us.icr.io".to_owned()],
                "secrets-manager" if !parts[7].is_empty() => {
                    vec![format!("{}.private.{region}.secrets-manager.appdomain.cloud", parts[7])]
                }
                _ => return None,
            };
            Some(endpoints)
        }
    }
}

/// Why a CRN cannot be the target of a resource binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceTargetError {
    /// Not a CRN of a Cloud Object Storage bucket.
    NotABucket,
    /// A bucket CRN whose bucket name is not a valid bucket name.
    InvalidBucketName,
}

/// The FQDN a resource binding of a Cloud Object Storage gateway in `region` serves for `crn`: a bucket
/// (`crn:v1:bluemix:public:cloud-object-storage:global:a/<account>:<instance>:bucket:<bucket>`) is reached at its
/// virtual-hosted direct endpoint, `<bucket>.s3.direct.<region>.cloud-object-storage.appdomain.cloud`, the name COS
/// clients address a bucket by from inside a VPC. Only buckets have a name of their own; an instance is not one.
pub fn resource_endpoint(crn: &str, region: &Region) -> Result<String, ResourceTargetError> {
    let parts: Vec<&str> = crn.split(':').collect();
    let bucket_crn = parts.len() == 10
        && parts[0] == "crn"
        && parts[1] == "v1"
        && parts[4] == "cloud-object-storage"
        && parts[8] == "bucket";
    if !bucket_crn {
        return Err(ResourceTargetError::NotABucket);
    }
    let bucket = parts[9];
    // COS bucket names: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or
    // digit, without two dots in a row (every label of the FQDN is then a valid DNS label).
    let valid = (3..=63).contains(&bucket.len())
        && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && bucket.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && bucket.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric())
        && !bucket.contains("..")
        && bucket.split('.').all(|label| !label.starts_with('-') && !label.ends_with('-'));
    if !valid {
        return Err(ResourceTargetError::InvalidBucketName);
    }
    Ok(format!("{bucket}.s3.direct.{}.cloud-object-storage.appdomain.cloud", region.name))
}

/// Whether a name is a well-formed FQDN inside one of the VPE service domains.
pub fn is_service_fqdn(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let labels_ok = name.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'*')
    });
    labels_ok
        && name.len() <= 253
        && SERVICE_DOMAINS.iter().any(|domain| name == *domain || name.ends_with(&format!(".{domain}")))
}

/// Whether two endpoint lists overlap (a wildcard `*.x` covers every name below `x`).
pub fn overlaps(left: &[String], right: &[String]) -> bool {
    left.iter().any(|a| right.iter().any(|b| covers(a, b) || covers(b, a)))
}

fn covers(pattern: &str, name: &str) -> bool {
    pattern.eq_ignore_ascii_case(name)
        || pattern.strip_prefix("*.").is_some_and(|suffix| {
            let name = name.to_ascii_lowercase();
            name.ends_with(&format!(".{}", suffix.to_ascii_lowercase()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cloud(crn: &str) -> GatewayTarget {
        GatewayTarget::ProviderCloudService { crn: crn.into() }
    }

    #[test]
    fn endpoints_by_target() {
        let cases: Vec<(GatewayTarget, Option<Vec<&str>>)> = vec![
            (
                cloud(
                    "crn:v1:bluemix:public:cloud-object-storage:global:::endpoint:s3.direct.us-south.cloud-object-storage.appdomain.cloud",
                ),
                Some(vec!["s3.direct.us-south.cloud-object-storage.appdomain.cloud"]),
            ),
            (
                cloud("crn:v1:bluemix:public:kms:us-south:a/acct:guid::"),
                Some(vec!["private.us-south.kms.cloud.ibm.com"]),
            ),
            (cloud("crn:v1:bluemix:public:container-registry:us-south:a/acct:::"), Some(vec!["private.us.icr.io"])),
            (cloud("crn:v1:bluemix:public:kms:us-south:::endpoint:evil.example.com"), None),
            (cloud("crn:v1:bluemix:public:unknown-service:us-south:a/x:y::"), None),
            (cloud("not-a-crn"), None),
            (
                GatewayTarget::ProviderInfrastructureService { name: "ibm-ntp-server".into() },
                Some(vec!["time.adn.networklayer.com"]),
            ),
            (GatewayTarget::ProviderInfrastructureService { name: "other".into() }, None),
        ];
        for (target, expected) in cases {
            let expected = expected.map(|list| list.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            assert_eq!(service_endpoints(&target, crate::region::default_region()), expected, "{target:?}");
        }
    }

    #[test]
    fn resource_endpoints() {
        let region = crate::region::default_region();
        let bucket =
            |name: &str| format!("crn:v1:bluemix:public:cloud-object-storage:global:a/acct:guid:bucket:{name}");
        assert_eq!(
            resource_endpoint(&bucket("logs-2026"), region),
            Ok("logs-2026.s3.direct.us-south.cloud-object-storage.appdomain.cloud".to_owned())
        );
        assert_eq!(
            resource_endpoint(&bucket("a.b-c"), region),
            Ok("a.b-c.s3.direct.us-south.cloud-object-storage.appdomain.cloud".to_owned())
        );
        for bad in ["ab", "Upper", "a..b", "-ab", "ab-", "a.-b", "under_score"] {
            assert_eq!(resource_endpoint(&bucket(bad), region), Err(ResourceTargetError::InvalidBucketName), "{bad}");
        }
        for crn in [
            "crn:v1:bluemix:public:cloud-object-storage:global:a/acct:guid::",
            "crn:v1:bluemix:public:kms:us-south:a/acct:guid:bucket:logs",
            "not-a-crn",
        ] {
            assert_eq!(resource_endpoint(crn, region), Err(ResourceTargetError::NotABucket), "{crn}");
        }
    }

    #[test]
    fn service_domains_table() {
        let cases = [
            ("appdomain.cloud", Some("appdomain.cloud")),
            ("x.AppDomain.Cloud", Some("appdomain.cloud")),
            ("myappdomain.cloud", None),
            ("icr.io", Some("icr.io")),
            ("private.us.icr.io", Some("icr.io")),
            ("example.com", None),
            ("io", None),
        ];
        for (name, expected) in cases {
            assert_eq!(service_domain_of(name), expected, "{name}");
        }
    }

    #[test]
    fn overlap_table() {
        let list = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(overlaps(&list(&["a.appdomain.cloud"]), &list(&["A.appdomain.cloud"])));
        assert!(overlaps(&list(&["*.appdomain.cloud"]), &list(&["x.appdomain.cloud"])));
        assert!(overlaps(&list(&["x.y.appdomain.cloud"]), &list(&["*.appdomain.cloud"])));
        assert!(!overlaps(&list(&["*.x.appdomain.cloud"]), &list(&["x.appdomain.cloud"])));
        assert!(!overlaps(&list(&["a.appdomain.cloud"]), &list(&["b.appdomain.cloud"])));
    }
}
