//! Tag `media`: raw uploads (staged by the core until a message sends them) and downloads of
//! the original (decrypted) bytes.

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;

use super::convert::dto;
use super::error::DriverResult;
use super::extract::{LoggedIn, Params, RawBody};

/// Largest accepted upload (the suite needs at least 25 MB).
pub const MAX_UPLOAD_BYTES: usize = 100 * 1024 * 1024;

/// # POST /devices/{deviceId}/media
#[utoipa::path(post, path = "/devices/{deviceId}/media", operation_id = "postMediaFile", tag = "media",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("Content-Type" = String, Header, description = "Type of the sent media")),
    request_body(content = Vec<u8>, content_type = "*/*"),
    responses((status = 201, body = contract_types::MediaFileId)))]
pub async fn post_media_file(
    LoggedIn { session, .. }: LoggedIn,
    headers: HeaderMap,
    RawBody(bytes): RawBody,
) -> DriverResult<(StatusCode, Json<contract_types::MediaFileId>)> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream");
    let file_id = session.media().stage(bytes.to_vec(), content_type).await?;
    Ok((StatusCode::CREATED, Json(dto(json!({"fileId": file_id}))?)))
}

/// Always `application/octet-stream`, the type the contract documents for downloads; the
/// file's own type travels in its message (`info.mimetype`).
async fn download(LoggedIn { session, .. }: LoggedIn, p: Params) -> DriverResult<impl IntoResponse> {
    let file = session.media().download(p.get("fileId")?).await?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], file.bytes))
}

/// # GET /devices/{deviceId}/media/authenticated/{fileId}
#[utoipa::path(get, path = "/devices/{deviceId}/media/authenticated/{fileId}", operation_id = "getAuthenticatedMediaFile", tag = "media",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("fileId" = String, Path, description = "ID of the file")),
    responses((status = 200, description = "Retrieved the media file", content_type = "application/octet-stream", body = Vec<u8>),
              (status = 404, body = contract_types::Error)))]
pub async fn get_authenticated_media_file(dev: LoggedIn, p: Params) -> DriverResult<impl IntoResponse> {
    download(dev, p).await
}

/// # GET /devices/{deviceId}/media/{fileId}
///
/// TI-M 1.1.x name of the same download; media is always fetched authenticated (Matrix 1.11).
#[utoipa::path(get, path = "/devices/{deviceId}/media/{fileId}", operation_id = "getMediaFile", tag = "media",
    params(("deviceId" = i64, Path, description = "ID of the device that will be used."),
           ("Transaction-Id" = Option<String>, Header, description = "Transaction id of the test case"),
           ("fileId" = String, Path, description = "ID of the file")),
    responses((status = 200, description = "Retrieved the media file", content_type = "application/octet-stream", body = Vec<u8>),
              (status = 404, body = contract_types::Error)))]
pub async fn get_media_file(dev: LoggedIn, p: Params) -> DriverResult<impl IntoResponse> {
    download(dev, p).await
}
