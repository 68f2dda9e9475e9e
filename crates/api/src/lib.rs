//! hubspoke's HTTP API: the only part that speaks HTTP and JSON.
//!
//! # Layout
//!
//! - [`router`] mounts every operation; [`ApiState`] is what handlers share.
//! - [`error`]: [`ApiError`] and the IBM error envelopes (Policy Management's `trace`/`errors`/`status_code`, and
//!   IAM Identity's `errorCode`/`errorMessage`).
//! - [`transaction`]: the `Transaction-Id` middleware, which also renders every error with its `trace`.
//! - [`extract`]: body, query and bearer-token extractors whose rejections are IBM-shaped errors.
//! - [`tokens`]: RS256 access tokens and the JWKS.
//! - `identity/`, `operator/`, `policies/`, [`roles`], [`authzen`]: one file per operation or small group of them.
//! - `wire`: timestamps and hrefs in IBM's formats.
//!
//! Handlers are thin: extract, call one `hubspoke_app` function, map the result into an IBM-shaped body.

pub mod authzen;
pub mod error;
pub mod extract;
pub mod identity;
pub mod operator;
pub mod policies;
pub mod roles;
pub mod tokens;
pub mod transaction;
mod wire;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use hubspoke_app::App;
use policies::v1::V1;
use policies::v2::V2;

pub use error::ApiError;
pub use tokens::TokenService;

/// Largest request body accepted, in bytes. Policies are a few kilobytes; anything near this is hostile.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// How enforcement points treat a refused authorization (shown by `/_hubspoke/health`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enforcement {
    /// Refusals are enforced.
    Enforce,
    /// Refusals are logged and recorded, but the operation goes ahead.
    Soft,
    /// Authorization is not checked.
    Off,
}

impl Enforcement {
    /// The name used by the flag and the health endpoint.
    pub fn as_str(self) -> &'static str {
        match self {
            Enforcement::Enforce => "enforce",
            Enforcement::Soft => "soft",
            Enforcement::Off => "off",
        }
    }
}

/// Settings of the API that come from the command line.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// The enforcement mode.
    pub enforcement: Enforcement,
}

/// What every handler shares.
#[derive(Clone)]
pub struct ApiState {
    /// The use cases.
    pub app: Arc<App>,
    /// Token issuing and verification.
    pub tokens: Arc<TokenService>,
    /// Settings.
    pub config: Arc<ApiConfig>,
    /// When the server started, for the health endpoint.
    pub started: Instant,
}

/// Every route of the API, with the middleware that gives every response a `Transaction-Id` and every error the IBM
/// envelope.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/identity/token", post(identity::token::exchange))
        .route("/identity/keys", get(identity::keys::jwks))
        .route("/_hubspoke/health", get(operator::health::health))
        .route("/_hubspoke/accounts", post(operator::accounts::create).get(operator::accounts::list))
        .route("/v1/policies", get(policies::list::<V1>).post(policies::create::<V1>))
        .route(
            "/v1/policies/{policy_id}",
            get(policies::get::<V1>)
                .put(policies::replace::<V1>)
                .patch(policies::v1::update_state)
                .delete(policies::delete),
        )
        .route("/v2/policies", get(policies::list::<V2>).post(policies::create::<V2>))
        .route(
            "/v2/policies/{policy_id}",
            get(policies::get::<V2>).put(policies::replace::<V2>).delete(policies::delete),
        )
        .route("/v2/roles", get(roles::list))
        .route("/v2/roles/{role_id}", get(roles::get))
        .route("/access/v1/evaluation", post(authzen::evaluation))
        .route("/access/v1/evaluations", post(authzen::evaluations))
        .route("/.well-known/authzen-configuration", get(authzen::configuration))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(transaction::transaction))
        .with_state(state)
}
