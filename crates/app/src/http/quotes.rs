//! `POST /api/v1/quotes`: QUOTE.md over HTTP, for any signed-in user, computed with the
//! database's approved programme versions. A refused case answers 422 with QUOTE.md's error
//! object (its first problem) plus a `code`, and every problem in `errors`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use super::error::{ApiError, ApiResult, FieldError};
use super::{ApiQuery, AppState};
use crate::quote_json::{self, Detail};
use crate::service::sessions::Viewer;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// `explain=true` adds each period's working.
    #[serde(default)]
    explain: bool,
}

pub async fn create(
    State(state): State<AppState>,
    _viewer: Viewer,
    ApiQuery(options): ApiQuery<Options>,
    body: Bytes,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let catalog = state.services.catalog().await?;
    let text =
        std::str::from_utf8(&body).map_err(|_| ApiError::invalid("", "the body is not UTF-8"))?;
    match quote_json::parse(text, &catalog) {
        Ok(request) => {
            let quote = jumpup_domain::quote::quote(&request.input);
            let detail = if options.explain {
                Detail::Explained
            } else {
                Detail::Figures
            };
            let value = serde_json::to_value(quote_json::to_json(&request, &quote, detail))
                .map_err(|_| ApiError::invalid("", "the quote could not be written"))?;
            Ok(axum::Json(value))
        }
        Err(problems) => Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            errors: problems
                .into_iter()
                .map(|p| FieldError {
                    field: p.field,
                    message: p.message,
                    code: "invalid".into(),
                })
                .collect(),
            extra: serde_json::Map::new(),
        }),
    }
}
