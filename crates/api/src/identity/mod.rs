//! IAM Identity: the token endpoint and the JWKS.

pub mod keys;
pub mod throttle;
pub mod token;
