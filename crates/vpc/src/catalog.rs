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
