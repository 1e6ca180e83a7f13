//! `GET /api/v1/programs`: the programmes with their approved versions (any signed-in user).

use axum::extract::State;

use super::AppState;
use super::error::ApiResult;
use crate::service::sessions::Viewer;

pub async fn list(
    State(state): State<AppState>,
    _viewer: Viewer,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let catalog = state.services.catalog().await?;
    let today = crate::service::cases::korea_date(state.services.clock.now());
    Ok(axum::Json(crate::programs::programs_json(&catalog, today)))
}
