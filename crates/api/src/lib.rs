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

// `ApiError` carries the whole IBM envelope (code, message, details, target) and is only built on the refusal path,
// where a few hundred bytes moved on return cost nothing measurable; boxing it would only add noise to every handler.
#![allow(clippy::result_large_err)]

pub mod authzen;
pub mod dns_services;
pub mod error;
pub mod extract;
pub mod identity;
pub mod operator;
pub mod policies;
pub mod roles;
pub mod tokens;
pub mod transaction;
pub mod vpc;
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

/// What every handler shares.
#[derive(Clone)]
pub struct ApiState {
    /// The use cases.
    pub app: Arc<App>,
    /// Token issuing and verification.
    pub tokens: Arc<TokenService>,
    /// When the server started, for the health endpoint.
    pub started: Instant,
    /// The DNS data plane, for the ports it bound and for lookups.
    pub dns: Arc<hubspoke_dns::DnsServer>,
    /// Renders the process's metrics in the Prometheus text format.
    pub metrics: Arc<dyn Fn() -> String + Send + Sync>,
    /// Failed API-key exchanges per client address.
    pub login_throttle: Arc<identity::throttle::LoginThrottle>,
}

/// Every route of the API, with the middleware that gives every response a `Transaction-Id` and every error the IBM
/// envelope.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/identity/token", post(identity::token::exchange))
        .route("/identity/keys", get(identity::keys::jwks))
        .route("/_hubspoke/health", get(operator::health::health))
        .route("/metrics", get(operator::metrics::metrics))
        .route("/_hubspoke/accounts", post(operator::accounts::create).get(operator::accounts::list))
        .route("/_hubspoke/events", get(operator::events::list))
        .route("/_hubspoke/vpcs/{vpc_id}/dns_endpoint", get(vpc::vpcs::dns_endpoint))
        .route("/_hubspoke/vpcs/{vpc_id}/dns_lookup", get(operator::dns_lookup::lookup))
        .route("/v1/vpcs", get(vpc::vpcs::list).post(vpc::vpcs::create))
        .route("/v1/vpcs/{id}", get(vpc::vpcs::get).patch(vpc::vpcs::update).delete(vpc::vpcs::delete))
        .route("/v1/vpcs/{vpc_id}/dns_resolution_bindings", get(vpc::bindings::list).post(vpc::bindings::create))
        .route(
            "/v1/vpcs/{vpc_id}/dns_resolution_bindings/{id}",
            get(vpc::bindings::get).patch(vpc::bindings::update).delete(vpc::bindings::delete),
        )
        .route("/v1/subnets", get(vpc::subnets::list).post(vpc::subnets::create))
        .route("/v1/subnets/{id}", get(vpc::subnets::get).patch(vpc::subnets::update).delete(vpc::subnets::delete))
        .route(
            "/v1/subnets/{id}/reserved_ips",
            get(vpc::subnets::list_reserved_ips).post(vpc::subnets::create_reserved_ip),
        )
        .route(
            "/v1/subnets/{id}/reserved_ips/{ip}",
            get(vpc::subnets::get_reserved_ip).delete(vpc::subnets::delete_reserved_ip),
        )
        .route("/v1/endpoint_gateways", get(vpc::gateways::list).post(vpc::gateways::create))
        .route(
            "/v1/endpoint_gateways/{id}",
            get(vpc::gateways::get).patch(vpc::gateways::update).delete(vpc::gateways::delete),
        )
        .route("/v1/endpoint_gateways/{id}/ips", get(vpc::gateways::list_ips))
        .route(
            "/v1/endpoint_gateways/{id}/ips/{ip}",
            get(vpc::gateways::get_ip).put(vpc::gateways::bind_ip).delete(vpc::gateways::unbind_ip),
        )
        .route("/v1/instances/{instance_id}/custom_resolvers", get(dns_services::list).post(dns_services::create))
        .route(
            "/v1/instances/{instance_id}/custom_resolvers/{resolver_id}",
            get(dns_services::get).patch(dns_services::update).delete(dns_services::delete),
        )
        .route("/v1/instances/{instance_id}/custom_resolvers/{resolver_id}/locations", post(dns_services::add_location))
        .route(
            "/v1/instances/{instance_id}/custom_resolvers/{resolver_id}/locations/{location_id}",
            axum::routing::patch(dns_services::update_location).delete(dns_services::delete_location),
        )
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
