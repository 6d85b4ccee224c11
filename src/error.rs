//! The one application error type, and its mapping to GraphQL `extensions.code`.
//!
//! Services return [`AppResult`]; resolvers pass the error on with `?` and async-graphql
//! turns it into a GraphQL error through the `From<AppError>` impl below, which is the
//! only place codes, `fieldErrors`, `retryAfterSeconds`, `currentStatus`, `reason` and
//! `requiredPermission` are written. Unexpected errors (database, I/O, bugs) are logged
//! in full with a correlation id; the client sees only the code, a generic message and
//! that id, so SQL text or file paths never leave the server.
//!
//! Use `anyhow` (via [`AppError::Internal`]) for failures the client cannot act on, and
//! a specific variant for everything the client can fix or must know about.

use std::collections::BTreeMap;

use async_graphql::ErrorExtensions;
use serde::Serialize;

use crate::auth::permission::Permission;

/// The `extensions.code` values of SPEC §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// No or invalid credentials.
    Unauthenticated,
    /// Authenticated, but not allowed.
    Forbidden,
    /// Invalid input; comes with `fieldErrors`.
    BadUserInput,
    /// The object does not exist.
    NotFound,
    /// A uniqueness rule would be broken.
    Conflict,
    /// The object is in a state that does not allow the action.
    InvalidState,
    /// Too many attempts; comes with `retryAfterSeconds`.
    RateLimited,
    /// The request or upload is over its size limit.
    PayloadTooLarge,
    /// Anything unexpected; comes with `correlationId`.
    InternalServerError,
    /// The document does not parse.
    GraphqlParseFailed,
    /// The document is invalid or over a limit.
    GraphqlValidationFailed,
    /// An APQ hash the server does not know.
    PersistedQueryNotFound,
    /// Not a GraphQL request at all (malformed JSON, missing CSRF header).
    BadRequest,
}

impl ErrorCode {
    /// The wire form.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::InvalidState => "INVALID_STATE",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::InternalServerError => "INTERNAL_SERVER_ERROR",
            ErrorCode::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            ErrorCode::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            ErrorCode::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            ErrorCode::BadRequest => "BAD_REQUEST",
        }
    }
}

/// Validation messages per input field, keyed by the input's camelCase field name
/// (nested fields as dot paths: `supportingDocuments.0.fileName`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one message for `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every field with its messages.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Vec<String>)> {
        self.0.iter()
    }

    /// Adds every message of `other`.
    pub fn merge(&mut self, other: FieldErrors) {
        for (field, messages) in other.0 {
            self.0.entry(field).or_default().extend(messages);
        }
    }

    /// The messages recorded for `field`.
    pub fn get(&self, field: &str) -> Option<&[String]> {
        self.0.get(field).map(Vec::as_slice)
    }

    /// `Ok(())` when empty, otherwise a `BAD_USER_INPUT` error carrying every field.
    pub fn into_result(self) -> AppResult<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::invalid_input(self))
        }
    }

    /// A single-field error set.
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }
}

/// Everything that can go wrong while serving a request.
///
/// Deliberately not `Display`: async-graphql converts any `Display` error into a GraphQL
/// error carrying only its message, which would silently drop the code. Without
/// `Display`, the only conversion is the `From` impl below, so `?` in a resolver always
/// keeps the code.
#[derive(Debug)]
pub enum AppError {
    /// No valid credentials.
    Unauthenticated(String),
    /// Not allowed; `reason` says why, `required_permission` names a permission that would allow it.
    Forbidden {
        /// Client-facing message.
        message: String,
        /// Machine-readable reason (`extensions.reason`).
        reason: String,
        /// The permission that would grant access, if one would.
        required_permission: Option<Permission>,
    },
    /// Invalid input; every invalid field at once.
    BadUserInput {
        /// Client-facing summary.
        message: String,
        /// Messages per field.
        field_errors: FieldErrors,
    },
    /// The object does not exist (or does not exist for this viewer, when hiding it is the rule).
    NotFound(String),
    /// A uniqueness rule would be broken.
    Conflict {
        /// Client-facing message.
        message: String,
        /// The fields involved, when known.
        field_errors: FieldErrors,
    },
    /// The action is not allowed in the object's current state.
    InvalidState {
        /// Client-facing message.
        message: String,
        /// The object's current status (`extensions.currentStatus`).
        current_status: String,
    },
    /// Too many attempts.
    RateLimited {
        /// Client-facing message.
        message: String,
        /// Seconds until a new attempt may succeed.
        retry_after_seconds: u64,
    },
    /// Over a size limit.
    PayloadTooLarge(String),
    /// Anything unexpected. Logged in full, never shown to the client.
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        AppError::Internal(err)
    }
}

/// The result type of every service function.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// `UNAUTHENTICATED` with the standard message.
    pub fn unauthenticated() -> Self {
        AppError::Unauthenticated("Authentication required".to_owned())
    }

    /// `FORBIDDEN` with a reason and no permission that would help.
    pub fn forbidden(reason: impl Into<String>) -> Self {
        AppError::Forbidden {
            message: "You are not allowed to do this".to_owned(),
            reason: reason.into(),
            required_permission: None,
        }
    }

    /// `FORBIDDEN` naming the permission that would allow the action.
    pub fn missing_permission(reason: impl Into<String>, permission: Permission) -> Self {
        AppError::Forbidden {
            message: "You are not allowed to do this".to_owned(),
            reason: reason.into(),
            required_permission: Some(permission),
        }
    }

    /// `NOT_FOUND` for a kind of object (`"Adverse event"`).
    pub fn not_found(what: &str) -> Self {
        AppError::NotFound(format!("{what} not found"))
    }

    /// `BAD_USER_INPUT` carrying every field error.
    pub fn invalid_input(field_errors: FieldErrors) -> Self {
        AppError::BadUserInput {
            message: "Invalid input".to_owned(),
            field_errors,
        }
    }

    /// `BAD_USER_INPUT` for one field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::invalid_input(FieldErrors::single(field, message))
    }

    /// `CONFLICT` for one field (`"username"`, `"already taken"`).
    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::Conflict {
            message: message.clone(),
            field_errors: FieldErrors::single(field, message),
        }
    }

    /// `INVALID_STATE` with the object's current status.
    pub fn invalid_state(message: impl Into<String>, current_status: impl Into<String>) -> Self {
        AppError::InvalidState {
            message: message.into(),
            current_status: current_status.into(),
        }
    }

    /// Wraps an unexpected error with context.
    pub fn internal(context: &'static str, err: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(err.into().context(context))
    }

    /// The client-facing message (generic for internal errors).
    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated(m) | AppError::NotFound(m) | AppError::PayloadTooLarge(m) => {
                m.clone()
            }
            AppError::Forbidden { message, .. }
            | AppError::BadUserInput { message, .. }
            | AppError::Conflict { message, .. }
            | AppError::InvalidState { message, .. }
            | AppError::RateLimited { message, .. } => message.clone(),
            AppError::Internal(_) => INTERNAL_MESSAGE.to_owned(),
        }
    }

    /// The code this error maps to.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            AppError::Forbidden { .. } => ErrorCode::Forbidden,
            AppError::BadUserInput { .. } => ErrorCode::BadUserInput,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::Conflict { .. } => ErrorCode::Conflict,
            AppError::InvalidState { .. } => ErrorCode::InvalidState,
            AppError::RateLimited { .. } => ErrorCode::RateLimited,
            AppError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            AppError::Internal(_) => ErrorCode::InternalServerError,
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        crate::db::constraint::map_db_error(err)
    }
}

/// Logs an unexpected error with a fresh correlation id and returns the id.
pub fn log_internal(err: &anyhow::Error) -> String {
    let correlation_id = uuid::Uuid::new_v4().to_string();
    tracing::error!(correlation_id = %correlation_id, error = ?err, "internal error");
    correlation_id
}

/// The message clients see for internal errors.
pub const INTERNAL_MESSAGE: &str = "Internal server error";

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        let code = err.code().as_str();
        match err {
            AppError::Internal(inner) => {
                let correlation_id = log_internal(&inner);
                async_graphql::Error::new(INTERNAL_MESSAGE).extend_with(|_, e| {
                    e.set("code", code);
                    e.set("correlationId", correlation_id);
                })
            }
            AppError::Forbidden {
                message,
                reason,
                required_permission,
            } => async_graphql::Error::new(message).extend_with(|_, e| {
                e.set("code", code);
                e.set("reason", reason);
                if let Some(p) = required_permission {
                    e.set("requiredPermission", p.as_str());
                }
            }),
            AppError::BadUserInput {
                message,
                field_errors,
            }
            | AppError::Conflict {
                message,
                field_errors,
            } => async_graphql::Error::new(message).extend_with(|_, e| {
                e.set("code", code);
                if !field_errors.is_empty() {
                    e.set("fieldErrors", field_errors_value(&field_errors));
                }
            }),
            AppError::InvalidState {
                message,
                current_status,
            } => async_graphql::Error::new(message).extend_with(|_, e| {
                e.set("code", code);
                e.set("currentStatus", current_status);
            }),
            AppError::RateLimited {
                message,
                retry_after_seconds,
            } => async_graphql::Error::new(message).extend_with(|_, e| {
                e.set("code", code);
                e.set("retryAfterSeconds", retry_after_seconds);
            }),
            AppError::Unauthenticated(message)
            | AppError::NotFound(message)
            | AppError::PayloadTooLarge(message) => {
                async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code))
            }
        }
    }
}

fn field_errors_value(errors: &FieldErrors) -> async_graphql::Value {
    async_graphql::Value::from_json(serde_json::to_value(errors).unwrap_or_default())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extensions(err: AppError) -> serde_json::Value {
        let gql: async_graphql::Error = err.into();
        serde_json::to_value(gql.extensions).expect("serialisable")
    }

    #[test]
    fn bad_user_input_carries_every_field() {
        let mut errors = FieldErrors::new();
        errors.add("email", "Enter a valid email address");
        errors.add("password", "Too short");
        errors.add("password", "Needs a digit");
        let ext = extensions(AppError::invalid_input(errors));
        assert_eq!(ext["code"], "BAD_USER_INPUT");
        assert_eq!(
            ext["fieldErrors"]["password"].as_array().map(Vec::len),
            Some(2)
        );
        assert_eq!(
            ext["fieldErrors"]["email"][0],
            "Enter a valid email address"
        );
    }

    #[test]
    fn internal_errors_hide_their_text() {
        let gql: async_graphql::Error =
            AppError::internal("loading user", anyhow::anyhow!("SELECT secret FROM x")).into();
        assert_eq!(gql.message, INTERNAL_MESSAGE);
        let ext = serde_json::to_value(gql.extensions).expect("serialisable");
        assert_eq!(ext["code"], "INTERNAL_SERVER_ERROR");
        assert!(ext["correlationId"].as_str().is_some_and(|s| s.len() == 36));
        assert!(!ext.to_string().contains("SELECT"));
    }

    #[test]
    fn forbidden_names_reason_and_permission() {
        let ext = extensions(AppError::missing_permission(
            "Only admins may list users",
            Permission::UsersRead,
        ));
        assert_eq!(ext["code"], "FORBIDDEN");
        assert_eq!(ext["requiredPermission"], "users:read");
        assert_eq!(ext["reason"], "Only admins may list users");
    }

    #[test]
    fn rate_limited_and_invalid_state_carry_their_extras() {
        let ext = extensions(AppError::RateLimited {
            message: "Slow down".into(),
            retry_after_seconds: 42,
        });
        assert_eq!(ext["retryAfterSeconds"], 42);
        let ext = extensions(AppError::invalid_state("Not now", "SUBMITTED"));
        assert_eq!(ext["code"], "INVALID_STATE");
        assert_eq!(ext["currentStatus"], "SUBMITTED");
    }
}
