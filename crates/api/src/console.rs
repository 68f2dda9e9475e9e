//! The web console: static pages compiled into the binary and served at `/console`, which drive the public API.
//!
//! The console is a client of the same HTTP API as the CLI and the SDKs: the browser exchanges an API key at
//! `/identity/token`, keeps the bearer token in `sessionStorage` and calls the IBM and `/_hubspoke` operations. These
//! routes therefore hold no state and call no `app` function. They are not IBM operations, so they are mounted beside
//! the operations table rather than in it, and `/openapi.json` does not list them (`docs/console.md`).

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// Where the console is served.
pub const CONSOLE_PATH: &str = "/console";

/// Everything the pages may load comes from this server: no CDN, no inline script or style, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

/// The files of the console, embedded at compile time so that the binary is the whole product.
const ASSETS: &[Asset] = &[
    Asset {
        name: "index.html",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../console/index.html"),
    },
    Asset {
        name: "console.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../console/console.css"),
    },
    Asset { name: "app.js", content_type: "text/javascript; charset=utf-8", body: include_bytes!("../console/app.js") },
    Asset { name: "api.js", content_type: "text/javascript; charset=utf-8", body: include_bytes!("../console/api.js") },
    Asset { name: "dom.js", content_type: "text/javascript; charset=utf-8", body: include_bytes!("../console/dom.js") },
    Asset {
        name: "accounts.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../console/accounts.js"),
    },
    Asset {
        name: "authorizations.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../console/authorizations.js"),
    },
    Asset { name: "iam.js", content_type: "text/javascript; charset=utf-8", body: include_bytes!("../console/iam.js") },
    Asset {
        name: "network.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../console/network.js"),
    },
    Asset {
        name: "topology.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../console/topology.js"),
    },
    Asset { name: "favicon.svg", content_type: "image/svg+xml", body: include_bytes!("../console/favicon.svg") },
];

/// Each asset's strong validator, computed once: clients revalidate (`no-cache`) and usually get a 304.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS.iter().map(|asset| format!("\"{}\"", hex::encode(&Sha256::digest(asset.body)[..12]))).collect()
});

/// The console's routes. They extract no state, so they mount on any router.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route(CONSOLE_PATH, get(index)).route("/console/", get(index)).route("/console/{asset}", get(asset))
}

async fn index(headers: HeaderMap) -> Response {
    serve("index.html", &headers)
}

async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    serve(&name, &headers)
}

fn serve(name: &str, headers: &HeaderMap) -> Response {
    let Some(position) = ASSETS.iter().position(|asset| asset.name == name) else {
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("the console has no file `{name}`"))
            .into_response();
    };
    let (asset, etag) = (&ASSETS[position], &ETAGS[position]);
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    let mut response =
        if fresh { StatusCode::NOT_MODIFIED.into_response() } else { (StatusCode::OK, asset.body).into_response() };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // The files change with the binary: a browser keeps them but asks again each time, and the ETag makes that cheap.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    async fn fetch(path: &str, if_none_match: Option<&str>) -> Response {
        let mut request = Request::get(path);
        if let Some(tag) = if_none_match {
            request = request.header(header::IF_NONE_MATCH, tag);
        }
        routes::<()>().oneshot(request.body(Body::empty()).unwrap()).await.unwrap()
    }

    fn header_of(response: &Response, name: header::HeaderName) -> &str {
        response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    #[tokio::test]
    async fn every_asset_is_served_with_its_type_and_the_strict_policy() {
        for path in ["/console", "/console/"] {
            let response = fetch(path, None).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert_eq!(header_of(&response, header::CONTENT_TYPE), "text/html; charset=utf-8");
        }
        for asset in ASSETS {
            let response = fetch(&format!("/console/{}", asset.name), None).await;
            assert_eq!(response.status(), StatusCode::OK, "{}", asset.name);
            assert_eq!(header_of(&response, header::CONTENT_TYPE), asset.content_type, "{}", asset.name);
            assert_eq!(header_of(&response, header::CONTENT_SECURITY_POLICY), CONTENT_SECURITY_POLICY);
            assert_eq!(header_of(&response, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
            assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-cache");
            let body = response.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(&body[..], asset.body, "{}", asset.name);
        }
    }

    #[tokio::test]
    async fn a_matching_etag_gets_304_and_an_unknown_file_404() {
        let first = fetch("/console/app.js", None).await;
        let etag = header_of(&first, header::ETAG).to_owned();
        assert!(etag.starts_with('"') && etag.len() == 26, "{etag}");
        assert_eq!(fetch("/console/app.js", Some(&etag)).await.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(fetch("/console/app.js", Some("\"other\"")).await.status(), StatusCode::OK);
        assert_eq!(fetch("/console/secrets.txt", None).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(fetch("/console/../Cargo.toml", None).await.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn the_pages_load_nothing_from_another_host() {
        // No CDN: every file the pages reference is one of ours, by an absolute path on this server.
        for asset in ASSETS.iter().filter(|a| a.content_type.starts_with("text/")) {
            // The SVG namespace is a name, not an address the browser fetches.
            let text = std::str::from_utf8(asset.body).unwrap().replace("http://www.w3.org/2000/svg", "");
            for needle in ["http://", "https://", "//cdn", "@import"] {
                assert!(!text.contains(needle), "{} contains `{needle}`", asset.name);
            }
        }
    }
}
