//! `POST /api/v1/uploads/{cases|loans|events|claims}`: a FILES.md file as the request body
//! (CSV, or XLSX when the content type says so), imported all or nothing exactly as
//! `jumpup import` does, with the same report. A refused file answers 422 with the API's error
//! shape (each bad row as `rows[N].column`) plus the report's fields.

use axum::body::{Body, Bytes};
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, header};
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::extract::gate;
use crate::state::AppState;
use jumpup_service::ServiceError;
use jumpup_service::imports::{FileKind, ImportReport};
use jumpup_service::sessions::Viewer;

/// The largest upload, as the largest file the command line reads.
pub fn body_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(max_bytes())
}

fn max_bytes() -> usize {
    usize::try_from(jumpup_service::interchange::MAX_FILE_BYTES).unwrap_or(usize::MAX)
}

pub const KINDS: [FileKind; 4] = [
    FileKind::Cases,
    FileKind::Loans,
    FileKind::Events,
    FileKind::Claims,
];

pub async fn upload(
    state: AppState,
    viewer: Viewer,
    kind: FileKind,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<axum::Json<Value>> {
    gate(
        &viewer,
        kind.importers(),
        &format!("import {}", kind.as_str()),
    )?;
    // The slot is taken before the body is read: a busy server reads nothing.
    let job = state.job()?;
    let body = read_body(body).await?;
    let xlsx = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("spreadsheetml"));
    let sheet = jumpup_service::interchange::read_bytes(Vec::from(body), xlsx)
        .map_err(|e| ApiError::from(ServiceError::Import(ImportReport::file_refused(e))))?;
    let name = viewer.user.name;
    let report = job
        .run(move |s| async move { s.import_sheet(&name, kind, sheet).await })
        .await?;
    serde_json::to_value(report)
        .map(axum::Json)
        .map_err(|_| ApiError::invalid("", "the report could not be written"))
}

/// The request body up to the largest upload: beyond it 413, a broken stream 400.
async fn read_body(body: Body) -> ApiResult<Bytes> {
    use http_body_util::BodyExt;
    match http_body_util::Limited::new(body, max_bytes())
        .collect()
        .await
    {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "",
            "payload_too_large",
            "the request body is over its size limit",
        )),
        Err(_) => Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "",
            "bad_request",
            "the upload was not received whole",
        )),
    }
}
