//! Which VPC region a request reaches: `/{region}/v1/…` names one, `/v1/…` means the server's default.
//!
//! IBM serves each region at its own host (`https://eu-de.iaas.cloud.ibm.com/v1`); a local server has one host, so
//! the region moves into the path, and an SDK or Terraform selects it exactly as it selects IBM's: through its service
//! URL (`http://127.0.0.1:8080/eu-de/v1`). The prefix is taken off before routing, so every operation is routed once,
//! and the region travels with the request as a [`RequestRegion`] extension, which the caller then carries.

use axum::extract::Request;
use axum::http::Uri;
use axum::http::uri::PathAndQuery;
use hubspoke_vpc::region::{Region, region};

/// The region a request's base path named.
#[derive(Clone, Copy, Debug)]
pub struct RequestRegion(pub &'static Region);

/// Takes a leading `/{region}` off a `/{region}/v1/…` path and records the region; other requests pass unchanged
/// (an unknown first segment is then simply a path no operation serves, answered 404).
pub fn select(mut request: Request) -> Request {
    let path = request.uri().path();
    let Some((name, rest)) = path.strip_prefix('/').and_then(|path| path.split_once('/')) else { return request };
    let Some(region) = region(name).filter(|_| rest == "v1" || rest.starts_with("v1/")) else { return request };
    let stripped = match request.uri().query() {
        Some(query) => format!("/{rest}?{query}"),
        None => format!("/{rest}"),
    };
    let mut parts = request.uri().clone().into_parts();
    // The rest of a path that parsed is a valid path again.
    parts.path_and_query = PathAndQuery::try_from(stripped).ok();
    if let Ok(uri) = Uri::from_parts(parts) {
        *request.uri_mut() = uri;
        request.extensions_mut().insert(RequestRegion(region));
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_prefix_is_taken_off_and_recorded() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("/eu-de/v1/vpcs?version=2025-01-01", "/v1/vpcs?version=2025-01-01", Some("eu-de")),
            ("/us-south/v1", "/v1", Some("us-south")),
            ("/v1/vpcs", "/v1/vpcs", None),
            ("/mars/v1/vpcs", "/mars/v1/vpcs", None),
            ("/eu-de/v2/policies", "/eu-de/v2/policies", None),
            ("/eu-de/v1x", "/eu-de/v1x", None),
            ("/eu-de", "/eu-de", None),
        ];
        for (given, routed, named) in cases {
            let request = select(Request::builder().uri(*given).body(axum::body::Body::empty()).unwrap());
            assert_eq!(request.uri().to_string(), *routed, "{given}");
            assert_eq!(request.extensions().get::<RequestRegion>().map(|r| r.0.name), *named, "{given}");
        }
    }
}
