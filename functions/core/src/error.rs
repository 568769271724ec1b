//! Errors the API returns: a stable machine code, a message for people, and per-field details.

use serde::{Deserialize, Serialize};

/// Declares the error codes once each, with their HTTP status: the enum, `ALL` and `http_status`.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $code:ident => $status:literal,)+) => {
        /// Stable error codes. Clients branch on these; renaming one is a breaking change.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($(#[$doc])* $code,)+
        }

        impl ErrorCode {
            /// Every code, for documentation and the tests that hold the OpenAPI document to this list.
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$code,)+];

            pub fn http_status(self) -> u16 {
                match self {
                    $(ErrorCode::$code => $status,)+
                }
            }
        }
    };
}

error_codes! {
    /// The body is not JSON.
    MalformedJson => 400,
    /// The body is JSON of the wrong shape (a wrong type, a missing member).
    InvalidBody => 400,
    /// The body has a member the endpoint does not know.
    UnknownField => 400,
    /// Values are well-formed but break the rules; `fields` says which and why.
    ValidationFailed => 422,
    PayloadTooLarge => 413,
    UnsupportedMediaType => 415,
    InvalidQuery => 400,
    InvalidCursor => 400,
    UnknownTopic => 422,
    /// A record with this id exists already.
    AlreadyExists => 409,
    /// The notification channel asked for is not set up on this deployment.
    ChannelNotConfigured => 409,
    IllegalTransition => 422,
    TicketClosed => 409,
    /// The write was based on an old version; `current_version` says which is current.
    VersionConflict => 409,
    Unauthenticated => 401,
    /// Unknown user, wrong password, or a disabled account: deliberately one answer.
    InvalidCredentials => 401,
    /// A state-changing request without the session's CSRF token.
    CsrfMismatch => 403,
    /// The route manages sign-ins (API tokens): a bearer token cannot, only a browser session.
    SessionRequired => 403,
    /// Too many failed sign-ins for the user or the address; `Retry-After` says when to try again.
    TooManyAttempts => 429,
    Forbidden => 403,
    /// A satisfaction link that is unknown, altered, expired, or names a resolution the ticket
    /// does not have.
    RatingLinkInvalid => 403,
    /// This resolution was rated already: a link counts once.
    AlreadyRated => 409,
    /// The request did not come through the site's CloudFront distribution (the raw API address
    /// is closed when the stack has an origin secret).
    DirectAccessRefused => 403,
    NotFound => 404,
    RouteNotFound => 404,
    MethodNotAllowed => 405,
    Internal => 500,
    /// The organisation's directory (LDAP) did not answer.
    DirectoryUnavailable => 503,
    /// The database is throttling requests; `Retry-After` says when to try again.
    ServiceBusy => 503,
}

/// Why one form or body field was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldErrorCode {
    Required,
    WrongType,
    TooLong,
    OutOfRange,
    UnknownOption,
    UnknownField,
    InvalidDate,
    InvalidAssetTag,
    Invalid,
    Duplicate,
    /// The id names no user or group that exists.
    NotFound,
    /// The person exists but cannot be chosen here (inactive, not an agent of the ticket's group).
    NotEligible,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's key, or a path such as `fields[2].options` for nested admin input.
    pub field: String,
    pub code: FieldErrorCode,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: FieldErrorCode, message: impl Into<String>) -> Self {
        Self { field: field.into(), code, message: message.into() }
    }
}

/// The JSON error body: `{code, message, fields?, current_version?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<u64>,
    /// Seconds to wait before trying again: sent as the `Retry-After` header, not in the body.
    #[serde(skip)]
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), fields: Vec::new(), current_version: None, retry_after: None }
    }

    /// The same error, telling the client to wait `seconds` before trying again.
    pub fn retry_after(self, seconds: u32) -> Self {
        Self { retry_after: Some(seconds), ..self }
    }

    pub fn validation(fields: Vec<FieldError>) -> Self {
        let message = match fields.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        Self { fields, ..Self::new(ErrorCode::ValidationFailed, message) }
    }

    pub fn version_conflict(current_version: u64) -> Self {
        Self {
            current_version: Some(current_version),
            ..Self::new(
                ErrorCode::VersionConflict,
                format!("the ticket changed meanwhile; it is now at version {current_version}: reload and try again"),
            )
        }
    }

    pub fn http_status(&self) -> u16 {
        self.code.http_status()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}
