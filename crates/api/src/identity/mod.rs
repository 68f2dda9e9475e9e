//! IAM Identity: the token endpoint, the JWKS and account settings.

pub mod keys;
pub mod settings;
pub mod throttle;
pub mod token;
