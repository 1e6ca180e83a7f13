//! `/api/v1/cases`: the cases a viewer may see (RULES.md 8: everything for city, tp, kibo and
//! auditors; a bank its own loans' cases from the guarantee on; a firm its own; admins none),
//! one case, a firm's new application, and each workflow step as its own route. Every read is
//! written to the access log by the service.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use jumpup_domain::ids::CaseId;
use jumpup_domain::workflow::{Check, Command, Selection};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, Id, Paging, Reason, field, gate, json_body};
use crate::state::AppState;
use jumpup_service::cases::case_json;
use jumpup_service::fields;
use jumpup_service::sessions::Viewer;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    state: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// `GET /api/v1/cases?state=&limit=&cursor=`: `{"items": [...], "next_cursor"}`.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<axum::Json<Value>> {
    let paging = Paging::parse(q.limit, q.cursor.as_deref())?;
    let wanted = q
        .state
        .as_deref()
        .map(fields::state)
        .transpose()
        .map_err(|e| ApiError::invalid("state", e))?;
    let rows = state
        .services
        .read_cases(&viewer.user.name, None, wanted, paging.after, paging.limit)
        .await?;
    Ok(paging.page(&rows, case_json, |r| r.case_id.0))
}

/// `GET /api/v1/cases/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<CaseId>,
) -> ApiResult<axum::Json<Value>> {
    let rows = state
        .services
        .read_cases(&viewer.user.name, Some(id), None, 0, 1)
        .await?;
    let row = rows.first().ok_or_else(ApiError::not_found)?;
    Ok(axum::Json(case_json(row)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCase {
    program: String,
    requested_won: i64,
}

/// `POST /api/v1/cases {"program", "requested_won"}` (a firm user, for its own firm).
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    gate(
        &viewer,
        jumpup_service::cases::OPEN_CASE_ROLES,
        "open a case",
    )?;
    let new: NewCase = json_body(&body)?;
    let requested = fields::won(&new.requested_won.to_string())
        .map_err(|e| ApiError::invalid("requested_won", e))?;
    let row = state
        .services
        .new_case(&viewer.user.name, &new.program, requested)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(case_json(&row))))
}

/// The workflow steps, each a route `POST /api/v1/cases/{id}/STEP`: every command but the
/// loan's execution, which is `POST /api/v1/cases/{id}/loan`.
pub fn steps() -> impl Iterator<Item = &'static str> {
    Command::NAMES
        .into_iter()
        .filter(|name| *name != "execute-loan")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SelectBody {
    grade: String,
    coverage_pct: String,
    base_fee_rate_pct: String,
    approved_won: i64,
    bank_code: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckBody {
    item: String,
    met: bool,
    evidence: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GuaranteeBody {
    guarantee_no: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoBody {}

/// The workflow command a step's body asks for.
fn command(step: &str, body: &[u8]) -> ApiResult<Command> {
    let empty = body.iter().all(u8::is_ascii_whitespace);
    let plain = |c: Command| -> ApiResult<Command> {
        if !empty {
            let _: NoBody = json_body(body)?;
        }
        Ok(c)
    };
    match step {
        "submit" => plain(Command::Submit),
        "kibo-review" => plain(Command::TakeIntoReview),
        "eligibility-review" => plain(Command::StartEligibilityReview),
        "approve" => plain(Command::Approve),
        "withdraw" => plain(Command::Withdraw),
        "expire" => plain(Command::Expire),
        "select" => {
            let b: SelectBody = json_body(body)?;
            Ok(Command::Select(Selection {
                grade: field("grade", fields::grade(&b.grade))?,
                coverage: field("coverage_pct", fields::pct(&b.coverage_pct))?,
                base_fee_rate: field("base_fee_rate_pct", fields::pct(&b.base_fee_rate_pct))?,
                approved_amount: field("approved_won", fields::won(&b.approved_won.to_string()))?,
                bank: field("bank_code", fields::bank(&b.bank_code))?,
            }))
        }
        "reject" => {
            let b: Reason = json_body(body)?;
            Ok(Command::Reject { reason: b.reason })
        }
        "check" => {
            let b: CheckBody = json_body(body)?;
            Ok(Command::Check(Check {
                item: field("item", fields::item(&b.item))?,
                met: b.met,
                evidence: b.evidence,
            }))
        }
        "issue-guarantee" => {
            let b: GuaranteeBody = json_body(body)?;
            Ok(Command::IssueGuarantee {
                guarantee_no: b.guarantee_no,
            })
        }
        _ => Err(ApiError::not_found()),
    }
}

/// `POST /api/v1/cases/{id}/STEP`: one workflow step; the case as it now stands.
pub async fn step(
    state: AppState,
    viewer: Viewer,
    id: CaseId,
    step: &'static str,
    body: Bytes,
) -> ApiResult<axum::Json<Value>> {
    gate(&viewer, Command::roles_of(step), step)?;
    state.services.require_case(id).await?;
    let command = command(step, &body)?;
    let row = state
        .services
        .case_command(&viewer.user.name, id, command)
        .await?;
    Ok(axum::Json(case_json(&row)))
}
