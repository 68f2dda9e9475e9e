//! IAM Identity: the token endpoint and the JWKS.

pub mod keys;
pub mod token;
