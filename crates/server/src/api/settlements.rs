//! Settlement over the API (FILES.md, RULES.md 6.2-6.4): a `tp` user prepares a batch, a `city`
//! user approves or rejects it (or the preparer withdraws it), anyone allowed to read it shows
//! and verifies it, and the payment file and a bank's statement download as CSV or XLSX. The
//! services check every role and scope.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use jumpup_domain::ids::BatchId;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, Id, PageQuery, Reason, gate, json_body};
use crate::state::AppState;
use jumpup_service::export::{FileFormat, Kind};
use jumpup_service::fields;
use jumpup_service::sessions::Viewer;
use jumpup_service::settle::{PREPARE_ROLES, REJECT_ROLES};

fn summary(s: jumpup_service::settle::BatchSummary) -> ApiResult<axum::Json<Value>> {
    serde_json::to_value(s)
        .map(axum::Json)
        .map_err(|_| ApiError::invalid("", "the batch could not be written"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Prepare {
    through: String,
}

/// `POST /api/v1/settlements {"through": DATE}`.
pub async fn prepare(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    gate(&viewer, PREPARE_ROLES, "prepare a settlement")?;
    let p: Prepare = json_body(&body)?;
    let through = fields::day(&p.through).map_err(|e| ApiError::invalid("through", e))?;
    let name = viewer.user.name;
    let batch = state
        .job()?
        .run(move |s| async move { s.settle_prepare(&name, through).await })
        .await?;
    Ok((StatusCode::CREATED, summary(batch)?))
}

/// `GET /api/v1/settlements?limit=&cursor=`: batches in id order, without their lines.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<axum::Json<Value>> {
    let paging = q.paging()?;
    let batches = state
        .services
        .settle_list(&viewer.user.name, paging.after, paging.limit)
        .await?;
    Ok(paging.page(
        &batches,
        |b| {
            json!({
                "batch_id": b.batch_id,
                "through": b.through_on.to_string(),
                "state": b.state.as_str(),
                "prepared_by": b.prepared_by,
                "prepared_at": b.prepared_at.to_rfc3339_opts(SecondsFormat::Micros, true),
                "decided_by": b.decided_by,
                "decided_at": b.decided_at.map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true)),
                "reason": b.reason,
            })
        },
        |b| b.batch_id.0,
    ))
}

/// `GET /api/v1/settlements/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<BatchId>,
) -> ApiResult<axum::Json<Value>> {
    summary(state.services.settle_show(&viewer.user.name, id).await?)
}

/// `POST /api/v1/settlements/{id}/approve`: posts the batch; its summary carries the audit head.
pub async fn approve(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<BatchId>,
) -> ApiResult<axum::Json<Value>> {
    let name = viewer.user.name;
    summary(
        state
            .job()?
            .run(move |s| async move { s.settle_approve(&name, id).await })
            .await?,
    )
}

/// `POST /api/v1/settlements/{id}/reject {"reason"}`: its claims are pending again.
pub async fn reject(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<BatchId>,
    body: Bytes,
) -> ApiResult<axum::Json<Value>> {
    gate(&viewer, REJECT_ROLES, "reject a settlement")?;
    state.services.require_batch(id).await?;
    let r: Reason = json_body(&body)?;
    summary(
        state
            .services
            .settle_reject(&viewer.user.name, id, &r.reason)
            .await?,
    )
}

/// `GET /api/v1/settlements/{id}/verify`: every line recomputed; `differences` empty when all agree.
pub async fn verify(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<BatchId>,
) -> ApiResult<axum::Json<Value>> {
    let v = state.services.settle_verify(&viewer.user.name, id).await?;
    serde_json::to_value(v)
        .map(axum::Json)
        .map_err(|_| ApiError::invalid("", "the verification could not be written"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileQuery {
    format: Option<String>,
    bank: Option<String>,
}

/// `GET /api/v1/settlements/{id}/payments?format=csv|xlsx` and
/// `GET /api/v1/settlements/{id}/statement?bank=CODE&format=csv|xlsx`: the files of FILES.md.
pub async fn file(
    state: AppState,
    viewer: Viewer,
    id: BatchId,
    kind: Kind,
    q: FileQuery,
) -> ApiResult<Response> {
    let format = match q.format.as_deref().unwrap_or("csv") {
        "csv" => FileFormat::Csv,
        "xlsx" => FileFormat::Xlsx,
        _ => return Err(ApiError::invalid("format", "must be csv or xlsx")),
    };
    let bank = match (kind, q.bank.as_deref()) {
        (Kind::Statement, Some(b)) => {
            Some(fields::bank(b).map_err(|e| ApiError::invalid("bank", e))?)
        }
        (Kind::Statement, None) => return Err(ApiError::invalid("bank", "is required")),
        (_, Some(_)) => {
            return Err(ApiError::invalid(
                "bank",
                "the payment file covers every bank",
            ));
        }
        (_, None) => None,
    };
    let (lines, recovered) = state
        .services
        .settle_export(&viewer.user.name, id, bank.as_ref().map(|b| b.as_str()))
        .await?;
    let (ext, mime) = match format {
        FileFormat::Csv => ("csv", "text/csv; charset=utf-8"),
        FileFormat::Xlsx => (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    };
    let name = match &bank {
        Some(b) => format!("statement-{id}-{b}.{ext}"),
        None => format!("payments-{id}.{ext}"),
    };
    // The writers write files; the file lives in a private temporary directory for this request.
    let dir = tempdir()?;
    let path = dir.0.join(&name);
    jumpup_service::export::write(id, &lines, &recovered, kind, format, &path, &mut |_| {})
        .map_err(|e| ApiError::invalid("", e.to_string()))?;
    let bytes = std::fs::read(&path)
        .map_err(|_| ApiError::invalid("", "the file could not be read back"))?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .map_err(|_| ApiError::invalid("", "a file name could not be made"))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// A directory removed when dropped.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> ApiResult<TempDir> {
    let dir = std::env::temp_dir().join(format!(
        "jumpup-http-{}",
        jumpup_service::secrets::new_secret()
    ));
    std::fs::create_dir(&dir).map_err(|_| ApiError::invalid("", "no room for the file"))?;
    Ok(TempDir(dir))
}

pub async fn payments(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<BatchId>,
    ApiQuery(q): ApiQuery<FileQuery>,
) -> ApiResult<Response> {
    file(state, viewer, id, Kind::Payments, q).await
}

pub async fn statement(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<BatchId>,
    ApiQuery(q): ApiQuery<FileQuery>,
) -> ApiResult<Response> {
    file(state, viewer, id, Kind::Statement, q).await
}
