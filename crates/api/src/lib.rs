//! hubspoke's HTTP API: the only part that speaks HTTP and JSON.
//!
//! # Layout
//!
//! - [`operations`] lists every operation with its handler; [`router`] mounts them and [`openapi`] documents them
//!   (`GET /openapi.json`). [`ApiState`] is what handlers share.
//! - [`error`]: [`ApiError`] and the IBM error envelopes (Policy Management's `trace`/`errors`/`status_code`, and
//!   IAM Identity's `errorCode`/`errorMessage`).
//! - [`transaction`]: the request middleware: the `Transaction-Id`, every error rendered with its `trace`, the
//!   revision a request asks for ([`revision`]), and the request metrics.
//! - [`revision`]: the `Hubspoke-Revision` a write answers and the `Hubspoke-Min-Revision` a read may ask for.
//! - [`extract`]: body, query and bearer-token extractors whose rejections are IBM-shaped errors.
//! - [`tokens`]: RS256 access tokens and the JWKS.
//! - `identity/`, `operator/`, `policies/`, [`roles`], [`authzen`]: one file per operation or small group of them.
//! - `wire`: timestamps and hrefs in IBM's formats.
//! - [`console`]: the web console's embedded files at `/console`, outside the operations table: it is not an IBM
//!   operation, only a client of the others.
//!
//! Handlers are thin: extract, call one `hubspoke_app` function, map the result into an IBM-shaped body.

// `ApiError` carries the whole IBM envelope (code, message, details, target) and is only built on the refusal path,
// where a few hundred bytes moved on return cost nothing measurable; boxing it would only add noise to every handler.
#![allow(clippy::result_large_err)]

pub mod access_groups;
pub mod authzen;
pub mod console;
pub mod dns_forwarding;
pub mod dns_services;
pub mod dns_zones;
pub mod error;
pub mod extract;
pub mod global_catalog;
pub mod identity;
pub mod openapi;
pub mod operations;
pub mod operator;
pub mod paging;
pub mod policies;
pub mod region;
pub mod rendered;
pub mod resource_controller;
pub mod resource_manager;
pub mod revision;
pub mod roles;
pub mod tokens;
pub mod transaction;
pub mod transit_gateways;
pub mod user_management;
pub mod vpc;
mod wire;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use hubspoke_app::App;
use tower::util::MapRequest;

pub use error::ApiError;
pub use tokens::{TokenService, Tokens};

/// Largest request body accepted, in bytes. Policies are a few kilobytes; anything near this is hostile.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// What every handler shares, behind one `Arc`: axum clones the state for every request, and one reference count
/// is cheaper to move than one per part.
#[derive(Clone)]
pub struct ApiState(Arc<Shared>);

impl ApiState {
    /// Shares `parts` with every handler.
    pub fn new(parts: Shared) -> ApiState {
        ApiState(Arc::new(parts))
    }
}

impl std::ops::Deref for ApiState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of [`ApiState`].
pub struct Shared {
    /// The use cases.
    pub app: Arc<App>,
    /// Token issuing and verification, once the signing key is there.
    pub tokens: Arc<Tokens>,
    /// When the server started, for the health endpoint.
    pub started: Instant,
    /// Renders the process's metrics in the Prometheus text format.
    pub metrics: Arc<dyn Fn() -> String + Send + Sync>,
    /// Failed API-key exchanges per client address.
    pub login_throttle: Arc<identity::throttle::LoginThrottle>,
    /// Read models as rendered, for the reads that render them again.
    pub rendered: rendered::Kept,
    /// Every request's counter and timer.
    pub meters: transaction::Meters,
}

impl Shared {
    /// The token service, waiting for the signing key of a new database if it is not there yet.
    pub async fn token_service(&self) -> Result<&TokenService, error::ApiError> {
        self.tokens.get().await.map_err(|missing| match missing {
            tokens::Missing::Failed(reason) => hubspoke_app::AppError::Internal(reason.to_owned()).into(),
            tokens::Missing::Unreachable(detail) => {
                hubspoke_app::AppError::Storage { failure: hubspoke_app::StorageFailure::Unreachable, detail }.into()
            }
        })
    }
}

/// The whole HTTP API as one service: the region prefix taken off the path, then the routes.
pub type Api = MapRequest<Router, fn(Request) -> Request>;

/// Every route of the API, with the middleware that gives every response a `Transaction-Id` and every error the IBM
/// envelope, behind the rewrite that takes a region prefix off.
pub fn router(state: ApiState) -> Api {
    // Methods of one path are merged into one route; the table never lists a method twice for a path.
    let mut paths: Vec<(&'static str, axum::routing::MethodRouter<ApiState>)> = Vec::new();
    for (operation, handler) in operations::operations() {
        match paths.iter_mut().find(|(path, _)| *path == operation.path) {
            Some((_, methods)) => *methods = std::mem::take(methods).merge(handler),
            None => paths.push((operation.path, handler)),
        }
    }
    let routes = paths
        .into_iter()
        .fold(Router::new(), |router, (path, methods)| router.route(path, methods))
        .merge(console::routes())
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), transaction::transaction))
        .with_state(state);
    // A layer on a router runs after its routing, and the region prefix must come off before it; so the rewrite wraps
    // the router as a plain service. An outer router would route every request twice and box a future for the
    // rewrite, which the decision endpoints measurably paid for.
    MapRequest::new(routes, route_path as fn(Request) -> Request)
}

/// The region prefix taken off, and the service ID collection's trailing slash.
fn route_path(request: Request) -> Request {
    identity::service_ids::collection_without_slash(region::select(request))
}
