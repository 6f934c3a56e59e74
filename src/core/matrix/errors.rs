//! Maps matrix-sdk failures onto core outcomes by HTTP status, never by message text.

use crate::core::CoreError;

pub(crate) fn from_sdk(e: matrix_sdk::Error) -> CoreError {
    match e.as_client_api_error() {
        Some(api) => from_status(api.status_code.as_u16(), &e.to_string()),
        None => CoreError::Internal(e.to_string()),
    }
}

pub(crate) fn from_http(e: matrix_sdk::HttpError) -> CoreError {
    match e.as_client_api_error() {
        Some(api) => from_status(api.status_code.as_u16(), &e.to_string()),
        None => CoreError::Internal(e.to_string()),
    }
}

fn from_status(status: u16, text: &str) -> CoreError {
    match status {
        401 => CoreError::Unauthorized(text.to_string()),
        403 => CoreError::Forbidden(text.to_string()),
        404 => CoreError::NotFound(text.to_string()),
        _ => CoreError::Homeserver {
            status,
            errcode: errcode_of(text),
            message: text.to_string(),
        },
    }
}

/// ruma renders client API errors as `[status / M_CODE] message`.
fn errcode_of(text: &str) -> String {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .find(|w| w.starts_with("M_"))
        .unwrap_or("M_UNKNOWN")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_invite_is_forbidden() {
        assert!(matches!(
            from_status(403, "[403 / M_FORBIDDEN] no"),
            CoreError::Forbidden(_)
        ));
    }

    #[test]
    fn other_statuses_keep_the_errcode() {
        match from_status(400, "[400 / M_BAD_JSON] broken") {
            CoreError::Homeserver { status, errcode, .. } => {
                assert_eq!((status, errcode.as_str()), (400, "M_BAD_JSON"))
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
