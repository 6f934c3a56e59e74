//! Errors of the client core, named after what went wrong rather than how it travelled.

/// Result of a core operation.
pub type CoreResult<T> = Result<T, CoreError>;

/// What a core operation can fail with. Callers map variants, never messages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// The caller's input is malformed (an MXID without server name, an empty body, ...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A TI-M rule forbids the action (A_25324-01, A_26015-02, permission config, ...).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The room, message or account does not exist for this session.
    #[error("not found: {0}")]
    NotFound(String),
    /// The homeserver refused the credentials.
    #[error("authentication failed: {0}")]
    Unauthorized(String),
    /// The homeserver answered with an error the core does not map to a rule outcome.
    #[error("homeserver error {status}: {errcode}: {message}")]
    Homeserver {
        status: u16,
        errcode: String,
        message: String,
    },
    /// The VZD-FHIR-Directory failed: unreachable (`status` none) or a server error.
    #[error("directory error{}: {message}", status.map(|s| format!(" {s}")).unwrap_or_default())]
    Directory { status: Option<u16>, message: String },
    /// Anything else: network, store, crypto.
    #[error("internal error: {0}")]
    Internal(String),
}

impl CoreError {
    pub(crate) fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }
}
