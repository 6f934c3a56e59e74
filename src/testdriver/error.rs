//! One error type for every handler. It always answers with the contract's `Error` object,
//! and its status table is the single place where core outcomes become HTTP statuses.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::claims::ClaimError;
use crate::core::CoreError;

/// A failed request: status plus the contract's `{errorCode, errorMessage}`.
#[derive(Debug)]
pub struct DriverError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

pub type DriverResult<T> = Result<T, DriverError>;

impl DriverError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
    }
    pub fn not_logged_in() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "NOT_LOGGED_IN",
            "the device has no logged-in account; call login first",
        )
    }
}

impl From<CoreError> for DriverError {
    fn from(e: CoreError) -> Self {
        let (status, code) = match &e {
            CoreError::InvalidInput(_) => (StatusCode::BAD_REQUEST, "INVALID_INPUT"),
            CoreError::RuleViolated { rule, .. } => (StatusCode::FORBIDDEN, rule.code()),
            CoreError::HomeserverForbidden(_) => (StatusCode::FORBIDDEN, "HOMESERVER_FORBIDDEN"),
            CoreError::DirectoryForbidden(_) => (StatusCode::FORBIDDEN, "DIRECTORY_FORBIDDEN"),
            CoreError::NotFound(_) => (StatusCode::NOT_FOUND, "NOT_FOUND"),
            CoreError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "UNAUTHORIZED"),
            // The suite sees the end at once (401, or 403 for a barred account), never a hang.
            CoreError::SessionEnded(reason) if reason.account_barred() => (StatusCode::FORBIDDEN, "SESSION_ENDED"),
            CoreError::SessionEnded(_) => (StatusCode::UNAUTHORIZED, "SESSION_ENDED"),
            CoreError::Homeserver { status, .. } if (400..500).contains(status) => (
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST),
                "HOMESERVER_REFUSED",
            ),
            CoreError::Homeserver { .. } => (StatusCode::BAD_GATEWAY, "HOMESERVER_FAILED"),
            CoreError::Directory { .. } => (StatusCode::BAD_GATEWAY, "DIRECTORY_FAILED"),
            // Queued, and sent once the homeserver answers again; the suite hears it at once.
            CoreError::Unconfirmed { .. } => (StatusCode::GATEWAY_TIMEOUT, "SEND_UNCONFIRMED"),
            CoreError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL"),
        };
        Self::new(status, code, e.to_string())
    }
}

impl From<ClaimError> for DriverError {
    fn from(e: ClaimError) -> Self {
        match e {
            ClaimError::UnknownDevice => Self::not_found("no such device"),
            ClaimError::AlreadyClaimed => Self::new(
                StatusCode::CONFLICT,
                "ALREADY_CLAIMED",
                "the device is claimed by someone else",
            ),
            ClaimError::NotClaimed => Self::new(StatusCode::FORBIDDEN, "NOT_CLAIMED", "claim the device first"),
            ClaimError::WrongClaimer => Self::new(
                StatusCode::FORBIDDEN,
                "WRONG_CLAIMER",
                "the device is claimed by another client certificate",
            ),
            ClaimError::InvalidDuration => Self::bad_request("claimFor must be at least 60 seconds"),
        }
    }
}

impl IntoResponse for DriverError {
    fn into_response(self) -> Response {
        let body = contract_types::Error {
            error_code: self.code.to_string(),
            error_message: self.message.clone(),
        };
        let mut response = (self.status, Json(body)).into_response();
        response
            .extensions_mut()
            .insert(LoggedError(self.status, self.code, self.message));
        response
    }
}

/// Any path no API serves: the contract's `Error`, not an empty 404.
pub async fn unknown_route(uri: axum::http::Uri) -> DriverError {
    DriverError::not_found(format!("no operation at {}", uri.path()))
}

/// A known path with a method it does not serve.
pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> DriverError {
    DriverError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("{method} is not an operation of {}", uri.path()),
    )
}

/// A body the server would not read: too large (413) or unreadable (400).
pub fn body_rejected(e: axum::extract::rejection::BytesRejection) -> DriverError {
    let status = e.status();
    let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "PAYLOAD_TOO_LARGE"
    } else {
        "BAD_REQUEST"
    };
    DriverError::new(status, code, e.body_text())
}

/// Carried in the response so the logging middleware reports the error inside its span.
#[derive(Clone, Debug)]
pub struct LoggedError(pub StatusCode, pub &'static str, pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_outcomes_map_to_the_statuses_the_suite_expects() {
        let cases = [
            (crate::core::Rule::EpaPublicRoom.violated("x"), 403),
            (CoreError::HomeserverForbidden("x".into()), 403),
            (CoreError::DirectoryForbidden("x".into()), 403),
            (CoreError::NotFound("x".into()), 404),
            (CoreError::InvalidInput("x".into()), 400),
            (
                CoreError::Homeserver {
                    status: 400,
                    errcode: "M_FORBIDDEN".into(),
                    message: "x".into(),
                },
                400,
            ),
            (
                CoreError::Homeserver {
                    status: 502,
                    errcode: "M_UNKNOWN".into(),
                    message: "x".into(),
                },
                502,
            ),
            (CoreError::Internal("x".into()), 500),
            (CoreError::SessionEnded(crate::core::EndReason::TokenRevoked), 401),
            (CoreError::SessionEnded(crate::core::EndReason::SoftLogout), 401),
            (CoreError::SessionEnded(crate::core::EndReason::AccountLocked), 403),
            (CoreError::SessionEnded(crate::core::EndReason::AccountDeactivated), 403),
            (
                CoreError::Unconfirmed {
                    entry_id: "t".into(),
                    reason: "x".into(),
                },
                504,
            ),
        ];
        for (err, status) in cases {
            assert_eq!(DriverError::from(err).status.as_u16(), status);
        }
    }

    #[test]
    fn a_claimed_device_is_a_conflict_and_an_unknown_one_not_found() {
        assert_eq!(
            DriverError::from(ClaimError::AlreadyClaimed).status,
            StatusCode::CONFLICT
        );
        assert_eq!(
            DriverError::from(ClaimError::UnknownDevice).status,
            StatusCode::NOT_FOUND
        );
    }
}
