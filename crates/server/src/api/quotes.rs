//! `POST /api/v1/quotes`: QUOTE.md over HTTP, for any signed-in user, computed with the
//! database's approved programme versions. A refused case answers 422 with QUOTE.md's error
//! object (its first problem) plus a `code`, and every problem in `errors`.
//! `GET /api/v1/cases/{id}/quote`: a case's quote from its stored loan and events under its
//! pinned version, for whoever may read the case.

use axum::body::Bytes;
use axum::extract::State;
use jumpup_domain::ids::CaseId;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, Id};
use crate::state::AppState;
use jumpup_service::quote_json::{self, Detail};
use jumpup_service::sessions::Viewer;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// `explain=true` adds each period's working.
    #[serde(default)]
    explain: bool,
}

fn quote_value(
    request: &quote_json::Request<'_>,
    quote: &jumpup_domain::quote::Quote,
    options: &Options,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let detail = if options.explain {
        Detail::Explained
    } else {
        Detail::Figures
    };
    serde_json::to_value(quote_json::to_json(request, quote, detail))
        .map(axum::Json)
        .map_err(|_| ApiError::invalid("", "the quote could not be written"))
}

/// `GET /api/v1/cases/{id}/quote?explain=`: QUOTE.md's output for the case's loan as it stands.
pub async fn of_case(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<CaseId>,
    ApiQuery(options): ApiQuery<Options>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let q = state.services.case_quote(&viewer.user.name, id).await?;
    let request = quote_json::Request {
        program: &q.program,
        version: &q.version,
        overrides: Vec::new(),
        input: q.input,
    };
    quote_value(&request, &q.quote, &options)
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
            quote_value(&request, &quote, &options)
        }
        Err(problems) => Err(ApiError::invalid_fields(
            problems.into_iter().map(|p| (p.field, p.message)),
        )),
    }
}
