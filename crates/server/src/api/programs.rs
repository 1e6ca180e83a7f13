//! `GET /api/v1/programs`: the programmes with their approved versions (any signed-in user).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::extract::gate;
use crate::state::AppState;
use jumpup_service::sessions::Viewer;

pub async fn list(
    State(state): State<AppState>,
    _viewer: Viewer,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let catalog = state.services.catalog().await?;
    let today = jumpup_service::korea_date(state.services.clock.now());
    Ok(axum::Json(jumpup_service::catalog::programs_json(
        &catalog, today,
    )))
}

/// `POST /api/v1/programs` (admin): a programme file (TOML) as the body; its versions are
/// stored pending a City approval. A bad file is 422 with one error per key at fault.
pub async fn import(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    gate(
        &viewer,
        jumpup_service::ADMIN_ROLES,
        "import programme versions",
    )?;
    let text =
        std::str::from_utf8(&body).map_err(|_| ApiError::invalid("", "the file is not UTF-8"))?;
    let program = jumpup_service::catalog::parse_program("upload", text).map_err(|problems| {
        ApiError::invalid_fields(problems.into_iter().map(|p| (p.key, p.reason)))
    })?;
    let versions = state
        .services
        .import_program(&viewer.user.name, &program)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(jumpup_service::programs::imported_json(
            program.id().as_str(),
            &versions,
        )),
    ))
}

/// `POST /api/v1/programs/{program}/versions/{date}/approve` (city): the version comes into
/// force on its date.
pub async fn approve(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((program, on)): Path<(String, String)>,
) -> ApiResult<axum::Json<Value>> {
    let day = jumpup_service::fields::day(&on).map_err(|e| ApiError::invalid("date", e))?;
    let digest = state
        .services
        .approve_program(&viewer.user.name, &program, day)
        .await?;
    Ok(axum::Json(
        json!({ "program": program, "in_force_from": on, "digest": digest }),
    ))
}
