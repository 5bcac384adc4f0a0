use std::fmt;

use serde::Serialize;

/// Why a call to the host failed (`eoex:host/types.error`). `?` turns it into an
/// [`Error`] with the matching HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostError {
    /// No record with that id in this tenant.
    NotFound,
    /// A unique field or index refused the write; names the field(s).
    Conflict(String),
    /// The record, query or argument does not fit the entity; the message names the field.
    Invalid(String),
    /// The manifest does not grant this (undeclared entity, missing permission…).
    Denied(String),
    /// A conditional update or increment found its condition false; nothing changed.
    ConditionFailed,
    /// The host failed; details are in the host's log.
    Internal(String),
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::NotFound => f.write_str("not found"),
            HostError::Conflict(fields) => write!(f, "conflict on {fields}"),
            HostError::Invalid(message) => write!(f, "invalid: {message}"),
            HostError::Denied(message) => write!(f, "denied: {message}"),
            HostError::ConditionFailed => f.write_str("condition failed"),
            HostError::Internal(message) => write!(f, "internal error: {message}"),
        }
    }
}

impl std::error::Error for HostError {}

/// An error a handler returns: an HTTP status and the body
/// `{"error":{"code":"snake_case","message":"…","field":"…"}}` (`field` only when set).
///
/// The message of a 5xx error stays private: the body says `internal error` and the
/// message goes to the host's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    status: u16,
    code: String,
    message: String,
    field: Option<String>,
}

impl Error {
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Error {
        Error {
            status,
            code: code.into(),
            message: message.into(),
            field: None,
        }
    }

    /// Names the request field the error is about.
    pub fn with_field(mut self, field: impl Into<String>) -> Error {
        self.field = Some(field.into());
        self
    }

    /// 404 `not_found`: "`what` not found".
    pub fn not_found(what: impl fmt::Display) -> Error {
        Error::new(404, "not_found", format!("{what} not found"))
    }

    /// 422 `validation_error` naming `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::new(422, "validation_error", message).with_field(field)
    }

    /// 409 with a code of the plugin's choosing (`already_exists`, `stock_exhausted`…).
    pub fn conflict(code: impl Into<String>, message: impl Into<String>) -> Error {
        Error::new(409, code, message)
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Error {
        Error::new(400, "bad_request", message)
    }

    /// 403 `forbidden`.
    pub fn forbidden(message: impl Into<String>) -> Error {
        Error::new(403, "forbidden", message)
    }

    /// 500 `internal_error`; `message` is logged, not shown.
    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(500, "internal_error", message)
    }

    pub fn status(&self) -> u16 {
        self.status
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// The JSON body this error is answered with.
    pub fn body(&self) -> serde_json::Value {
        #[derive(Serialize)]
        struct Body<'a> {
            code: &'a str,
            message: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            field: Option<&'a str>,
        }
        let message = if self.status >= 500 {
            "internal error"
        } else {
            &self.message
        };
        serde_json::json!({ "error": Body { code: &self.code, message, field: self.field() } })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for Error {}

impl From<HostError> for Error {
    fn from(error: HostError) -> Error {
        match error {
            HostError::NotFound => Error::not_found("record"),
            HostError::Conflict(fields) => Error::conflict(
                "already_exists",
                format!("a record with this {fields} already exists"),
            )
            .with_field(fields),
            HostError::Invalid(message) => Error::new(422, "validation_error", message),
            HostError::Denied(message) => Error::new(403, "denied", message),
            HostError::ConditionFailed => Error::conflict(
                "condition_failed",
                "the record does not meet the update's condition",
            ),
            HostError::Internal(message) => Error::internal(format!("host: {message}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn host_errors_map_to_statuses_and_codes() {
        let cases = [
            (HostError::NotFound, 404, "not_found", None),
            (
                HostError::Conflict("email".into()),
                409,
                "already_exists",
                Some("email"),
            ),
            (
                HostError::Invalid("email: required".into()),
                422,
                "validation_error",
                None,
            ),
            (HostError::Denied("secrets".into()), 403, "denied", None),
            (HostError::ConditionFailed, 409, "condition_failed", None),
            (
                HostError::Internal("db".into()),
                500,
                "internal_error",
                None,
            ),
        ];
        for (host, status, code, field) in cases {
            let error = Error::from(host.clone());
            assert_eq!(error.status(), status, "{host:?}");
            assert_eq!(error.code(), code, "{host:?}");
            assert_eq!(error.field(), field, "{host:?}");
        }
    }

    #[test]
    fn body_has_the_documented_shape() {
        assert_eq!(
            Error::validation("email", "not an e-mail address").body(),
            json!({"error": {"code": "validation_error", "message": "not an e-mail address", "field": "email"}})
        );
        assert_eq!(
            Error::not_found("contact").body(),
            json!({"error": {"code": "not_found", "message": "contact not found"}})
        );
    }

    #[test]
    fn internal_messages_stay_private() {
        let error = Error::internal("connection string postgres://secret");
        assert_eq!(error.message(), "connection string postgres://secret");
        assert_eq!(
            error.body(),
            json!({"error": {"code": "internal_error", "message": "internal error"}})
        );
    }
}
