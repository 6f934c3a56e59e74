//! Maps matrix-sdk failures onto core outcomes by HTTP status and the typed Matrix error
//! kind, never by message text.

use matrix_sdk::ruma::api::error::{Error as ApiError, ErrorKind};

use crate::core::CoreError;
use crate::core::rules::session_end;

pub(crate) fn from_sdk(e: matrix_sdk::Error) -> CoreError {
    from_sdk_ref(&e)
}

pub(crate) fn from_sdk_ref(e: &matrix_sdk::Error) -> CoreError {
    match e.as_client_api_error() {
        Some(api) => from_api(api, e.to_string()),
        None => CoreError::Internal(e.to_string()),
    }
}

pub(crate) fn from_http(e: matrix_sdk::HttpError) -> CoreError {
    match e.as_client_api_error() {
        Some(api) => from_api(api, e.to_string()),
        None => CoreError::Internal(e.to_string()),
    }
}

/// A homeserver answer that ends the session is that, whatever the call was.
fn from_api(api: &ApiError, text: String) -> CoreError {
    let status = api.status_code.as_u16();
    let code = errcode(api);
    match session_end::ending(status, &code, soft_logout(api)) {
        Some(reason) => CoreError::SessionEnded(reason),
        None => from_status(status, code, text),
    }
}

fn soft_logout(api: &ApiError) -> bool {
    matches!(api.error_kind(), Some(ErrorKind::UnknownToken(data)) if data.soft_logout)
}

/// The `errcode` of the homeserver's error body (`M_UNKNOWN` when the body has none).
fn errcode(api: &ApiError) -> String {
    api.error_kind()
        .map_or_else(|| "M_UNKNOWN".to_string(), |kind| kind.errcode().to_string())
}

fn from_status(status: u16, errcode: String, text: String) -> CoreError {
    match status {
        401 => CoreError::Unauthorized(text),
        403 => CoreError::HomeserverForbidden(text),
        404 => CoreError::NotFound(text),
        _ => CoreError::Homeserver {
            status,
            errcode,
            message: text,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_invite_is_forbidden() {
        assert!(matches!(
            from_status(403, "M_FORBIDDEN".into(), "no".into()),
            CoreError::HomeserverForbidden(_)
        ));
    }

    #[test]
    fn the_errcode_comes_from_the_typed_error_body() {
        use matrix_sdk::ruma::api::error::{ErrorBody, ErrorKind, StandardErrorBody};
        let body = ErrorBody::Standard(StandardErrorBody::new(ErrorKind::Forbidden, "slow".into()));
        let api = body.into_error(matrix_sdk::ruma::exports::http::StatusCode::FORBIDDEN);
        assert_eq!(errcode(&api), "M_FORBIDDEN");
    }

    #[test]
    fn an_unknown_token_ends_the_session_with_its_soft_logout_flag() {
        use matrix_sdk::ruma::api::error::{ErrorBody, StandardErrorBody, UnknownTokenErrorData};
        let mut data = UnknownTokenErrorData::new();
        data.soft_logout = true;
        let body = ErrorBody::Standard(StandardErrorBody::new(ErrorKind::UnknownToken(data), "gone".into()));
        let api = body.into_error(matrix_sdk::ruma::exports::http::StatusCode::UNAUTHORIZED);
        assert!(matches!(
            from_api(&api, "gone".into()),
            CoreError::SessionEnded(session_end::EndReason::SoftLogout)
        ));
    }

    #[test]
    fn other_statuses_keep_the_errcode() {
        match from_status(400, "M_BAD_JSON".into(), "broken".into()) {
            CoreError::Homeserver { status, errcode, .. } => {
                assert_eq!((status, errcode.as_str()), (400, "M_BAD_JSON"))
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
