//! [`ApiError`]: every refusal the API gives, and the IBM envelopes it is rendered in.
//!
//! A handler returns an `ApiError`; its `IntoResponse` only records the error in the response extensions. The
//! [`crate::transaction`] middleware then renders the body, because only it knows the request's transaction id, which
//! IBM puts in the body as `trace` (Policy Management) or `context.requestId` (IAM Identity).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hubspoke_app::{AppError, StorageFailure};
use serde_json::{Value, json};

/// Which of IBM's two error shapes an error is rendered in.
#[derive(Clone, Debug, PartialEq)]
pub enum Envelope {
    /// `{"trace", "errors": [{"code", "message", "details"?}], "status_code"}`: Policy Management and hubspoke's own.
    Policy {
        /// The `errors[0].code`.
        code: &'static str,
        /// The `errors[0].details`, when there are any.
        details: Option<Value>,
        /// The `errors[0].target` of the VPC API: the field, parameter or header at fault.
        target: Option<(String, &'static str)>,
    },
    /// `{"trace", "errors": [{"code", "message_code", "message", "details"?}], "status_code"}`: the IAM Identity API
    /// (service IDs, API keys).
    IamIdentity {
        /// The `errors[0].code`, for example `forbidden`.
        code: &'static str,
        /// The `errors[0].message_code`, for example `BXNIM0513E`.
        message_code: &'static str,
        /// The `errors[0].details`, when there are any.
        details: Option<String>,
    },
    /// `{"errorCode", "errorMessage", "context"}`: the IAM Identity token endpoint.
    Identity {
        /// For example `BXNIM0415E`.
        error_code: &'static str,
    },
}

/// A refusal, with its status, envelope and message.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body shape and code.
    pub envelope: Envelope,
    /// The human-readable message.
    pub message: String,
}

impl ApiError {
    /// An error in the Policy Management envelope.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, envelope: Envelope::Policy { code, details: None, target: None }, message: message.into() }
    }

    /// The same error with `details`.
    pub fn with_details(mut self, details: Value) -> ApiError {
        if let Envelope::Policy { details: slot, .. } = &mut self.envelope {
            *slot = Some(details);
        }
        self
    }

    /// The same error naming the field, parameter or header at fault.
    pub fn with_target(mut self, name: &str, kind: &'static str) -> ApiError {
        if let Envelope::Policy { target: slot, .. } = &mut self.envelope {
            *slot = Some((name.to_owned(), kind));
        }
        self
    }

    /// The same error with its target named as a member of the list `prefix` (`rules.protocol`).
    pub fn with_target_prefix(mut self, prefix: &str) -> ApiError {
        if let Envelope::Policy { target: Some((name, _)), .. } = &mut self.envelope {
            *name = format!("{prefix}.{name}");
        }
        self
    }

    /// 400 `invalid_body`.
    pub fn invalid_body(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", message)
    }

    /// 400 for a query parameter with a value that cannot be used.
    pub fn invalid_query(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query_parameter", message)
    }

    /// 400 `missing_required_query_parameter`.
    pub fn missing_query(name: &str) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "missing_required_query_parameter",
            format!("the query parameter `{name}` is required"),
        )
    }

    /// The 403 of the API of `service` (the first segment of an IAM action) for a caller no policy lets perform an
    /// operation, with `reason` (the action and resource the request needed) as its details.
    pub fn not_authorized(service: &str, reason: String) -> ApiError {
        match service {
            "is" | "transit" => {
                ApiError::new(StatusCode::FORBIDDEN, "not_authorized", "The request is not authorized.")
                    .with_details(Value::String(reason))
            }
            "dns-svcs" | "resource-controller" => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", "Access to the api resource is not authorized.")
                    .with_details(Value::String(reason))
            }
            "iam-identity" => {
                crate::identity::in_identity_envelope(ApiError::new(StatusCode::FORBIDDEN, "forbidden", reason))
            }
            "iam" | "iam-groups" | "iam-access-management" => {
                ApiError::new(StatusCode::FORBIDDEN, "insufficent_permissions", reason)
            }
            _ => ApiError::new(StatusCode::FORBIDDEN, "forbidden", reason),
        }
    }

    /// 401 `invalid_token`, with IBM's documented message.
    pub fn invalid_token() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", "The provided IAM token is invalid.")
    }

    /// An error of the IAM Identity token endpoint.
    pub fn identity(status: StatusCode, error_code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, envelope: Envelope::Identity { error_code }, message: message.into() }
    }

    /// The body, once the transaction id is known.
    pub fn body(&self, transaction_id: &str) -> Value {
        match &self.envelope {
            Envelope::Policy { code, details, target } => {
                let mut error = json!({ "code": code, "message": self.message });
                if let Some(details) = details {
                    error["details"] = details.clone();
                }
                if let Some((name, kind)) = target {
                    error["target"] = json!({ "name": name, "type": kind });
                }
                json!({ "trace": transaction_id, "errors": [error], "status_code": self.status.as_u16() })
            }
            Envelope::IamIdentity { code, message_code, details } => {
                let mut error = json!({ "code": code, "message_code": message_code, "message": self.message });
                if let Some(details) = details {
                    error["details"] = Value::String(details.clone());
                }
                json!({ "trace": transaction_id, "errors": [error], "status_code": self.status.as_u16() })
            }
            Envelope::Identity { error_code } => json!({
                "errorCode": error_code,
                "errorMessage": self.message,
                "context": { "requestId": transaction_id, "requestType": "incoming.Identity_Token" },
            }),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> ApiError {
        let message = error.to_string();
        match error {
            AppError::Invalid(_) | AppError::BadRequest(_) | AppError::Unsupported(_) => {
                ApiError::invalid_body(message)
            }
            AppError::AccessGroup(rule) => access_group_error(rule, message),
            AppError::AccessGroupNotFound(_) => ApiError::new(StatusCode::NOT_FOUND, "not_found", message),
            AppError::PolicyNotFound(_) => ApiError::new(StatusCode::NOT_FOUND, "policy_not_found", message),
            AppError::InvalidRole(_) => ApiError::invalid_body(message),
            AppError::RoleNotFound(_) => ApiError::new(StatusCode::NOT_FOUND, "role_not_found", message),
            AppError::RoleConflict(_) => ApiError::new(StatusCode::CONFLICT, "role_conflict_error", message),
            AppError::Forbidden(_) => ApiError::new(StatusCode::FORBIDDEN, "insufficent_permissions", message),
            AppError::AccessDenied(denial) => ApiError::not_authorized(denial.service(), message),
            AppError::DuplicatePolicy { existing } => {
                ApiError::new(StatusCode::CONFLICT, "policy_conflict_error", message)
                    .with_details(json!({ "conflicts_with": { "etag": existing.etag(), "policy": existing.id } }))
            }
            AppError::PreconditionFailed { .. } => {
                ApiError::new(StatusCode::PRECONDITION_FAILED, "request_not_processed", message)
                    .with_target("If-Match", "header")
            }
            AppError::InvalidParameter { name, .. } => ApiError::invalid_query(message).with_target(name, "parameter"),
            AppError::DnsEndpointUnavailable(_) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "dns_endpoint_unavailable", message)
            }
            AppError::StateRejected(_) => ApiError::new(StatusCode::BAD_REQUEST, "invalid_state", message),
            AppError::Initializing(_) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "initializing", message),
            AppError::AccountNotFound(_) => ApiError::new(StatusCode::NOT_FOUND, "account_not_found", message),
            AppError::AccountExists(_) => ApiError::new(StatusCode::CONFLICT, "account_conflict_error", message),
            AppError::IdentityNotFound { .. } => ApiError::new(StatusCode::NOT_FOUND, "not_found", message),
            AppError::Locked(_) => ApiError::new(StatusCode::BAD_REQUEST, "entity_locked", message),
            AppError::Conflict(_) => ApiError::new(StatusCode::CONFLICT, "conflict", message),
            AppError::UnknownApiKey => ApiError::identity(StatusCode::BAD_REQUEST, "BXNIM0415E", message),
            AppError::Rule(rule) => crate::vpc::rule_error(rule),
            AppError::RevisionNotReached { .. } => {
                ApiError::new(StatusCode::BAD_REQUEST, "revision_not_reached", message)
            }
            AppError::Storage { failure, detail } => storage_error(failure, &detail),
            AppError::Internal(_) => {
                tracing::error!(%message, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "unable_to_process",
                    "the request could not be processed",
                )
            }
        }
    }
}

/// An access-group rule's refusal (`docs/rules.md`, rules AG1 to AG9).
fn access_group_error(rule: hubspoke_iam::access_group::AccessGroupError, message: String) -> ApiError {
    use hubspoke_iam::access_group::AccessGroupError as E;
    match rule {
        E::MembershipLimit { .. } => ApiError::new(StatusCode::FORBIDDEN, "error_occurred", message),
        E::PublicAccess(_) => ApiError::new(StatusCode::FORBIDDEN, "access_group_public_access", message),
        E::NotEmpty { .. } => ApiError::new(StatusCode::CONFLICT, "access_group_not_empty", message),
        E::Name { .. } => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message).with_target("name", "field")
        }
        E::Description(_) => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message).with_target("description", "field")
        }
        E::Expiration { .. } => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message).with_target("expiration", "field")
        }
        _ => ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message),
    }
}

/// A store failure as clients see it: what failed, that nothing was written, and whether to retry. The database's
/// own words go to the log, not to the client.
fn storage_error(failure: StorageFailure, detail: &str) -> ApiError {
    let (status, code, cause) = match failure {
        StorageFailure::Full => (
            StatusCode::INSUFFICIENT_STORAGE,
            "insufficient_storage",
            "the data store's disk is full; writes resume once space is freed",
        ),
        StorageFailure::Io => (
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_io_error",
            "the data store could not read or write its files; retry later",
        ),
        StorageFailure::Unreachable => {
            (StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", "the database cannot be reached now; retry later")
        }
        StorageFailure::NotMigrated => (
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_unavailable",
            "the database is not at this server's schema version; retry later",
        ),
        StorageFailure::Contended => (
            StatusCode::SERVICE_UNAVAILABLE,
            "request_not_processed",
            "concurrent changes kept invalidating this one; retry it",
        ),
        StorageFailure::Failed => {
            (StatusCode::SERVICE_UNAVAILABLE, "request_not_processed", "the database failed the request; retry later")
        }
        StorageFailure::Corrupt => {
            tracing::error!(%detail, "internal store error");
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "unable_to_process",
                "the request could not be processed",
            );
        }
    };
    tracing::error!(%detail, "store failure");
    ApiError::new(status, code, format!("{cause}: nothing was written"))
}

/// The fallback for paths no route serves.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no operation is served at `{}`", uri.path()))
}

/// The fallback for a known path with a method it does not serve.
pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("`{method}` is not supported on `{}`", uri.path()),
    )
}
