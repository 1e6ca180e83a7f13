//! A case's loan and what happens to it: `POST /api/v1/cases/{id}/loan` (the lending bank
//! executes it), `POST /api/v1/cases/{id}/events` (who may report which kind: RULES.md 8) and
//! `POST /api/v1/events/{id}/cancel` (tp, or the reporter); `GET /api/v1/cases/{id}/loan` (the
//! loan with its events) and `GET /api/v1/loans` for whoever may read the cases. The services
//! check role and scope.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use jumpup_domain::ids::CaseId;
use jumpup_domain::loan::{Event, Loan};
use jumpup_domain::workflow::{Command, LoanTerms};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, Id, PageQuery, Reason, field, gate, json_body};
use crate::state::AppState;
use jumpup_service::cases::case_json;
use jumpup_service::events::EVENT_ROLES;
use jumpup_service::fields;
use jumpup_service::sessions::Viewer;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewLoan {
    loan_no: String,
    principal_won: i64,
    annual_rate_pct: String,
    executed_on: String,
    maturity_on: String,
}

/// `POST /api/v1/cases/{id}/loan`: the case as it now stands, its reservation recomputed.
pub async fn execute(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<CaseId>,
    body: Bytes,
) -> ApiResult<axum::Json<Value>> {
    gate(&viewer, Command::roles_of("execute-loan"), "execute loans")?;
    state.services.require_case(id).await?;
    let l: NewLoan = json_body(&body)?;
    let loan = Loan::new(
        field("principal_won", fields::won(&l.principal_won.to_string()))?,
        field("annual_rate_pct", fields::pct(&l.annual_rate_pct))?,
        field("executed_on", fields::day(&l.executed_on))?,
        field("maturity_on", fields::day(&l.maturity_on))?,
    )
    .map_err(|e| ApiError::invalid("maturity_on", e.to_string()))?;
    let command = Command::ExecuteLoan(LoanTerms {
        loan_no: l.loan_no,
        loan,
    });
    let row = state
        .services
        .case_command(&viewer.user.name, id, command)
        .await?;
    Ok(axum::Json(case_json(&row)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewEvent {
    on: String,
    kind: String,
    amount_won: Option<i64>,
    annual_rate_pct: Option<String>,
}

/// `POST /api/v1/cases/{id}/events`: `{"loan_event_id", "case_id"}`.
pub async fn report(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(case_id): Id<CaseId>,
    body: Bytes,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    gate(&viewer, EVENT_ROLES, "report events")?;
    state.services.require_case(case_id).await?;
    let e: NewEvent = json_body(&body)?;
    let on = field("on", fields::day(&e.on))?;
    let amount = e
        .amount_won
        .map(|a| field("amount_won", fields::won(&a.to_string())))
        .transpose()?;
    let rate = e
        .annual_rate_pct
        .as_deref()
        .map(|r| field("annual_rate_pct", fields::pct(r)))
        .transpose()?;
    let kind = fields::event_kind(&e.kind, amount, rate)
        .map_err(|(name, message)| ApiError::invalid(name, message))?;
    let id = state
        .services
        .report_event(&viewer.user.name, case_id, Event { on, kind })
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({ "loan_event_id": id, "case_id": case_id })),
    ))
}

/// `POST /api/v1/events/{id}/cancel {"reason"}`.
pub async fn cancel(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<i64>,
    body: Bytes,
) -> ApiResult<axum::Json<Value>> {
    gate(&viewer, EVENT_ROLES, "cancel events")?;
    state.services.require_event(id).await?;
    let r: Reason = json_body(&body)?;
    let case_id = state
        .services
        .cancel_event(&viewer.user.name, id, &r.reason)
        .await?;
    Ok(axum::Json(
        json!({ "loan_event_id": id, "case_id": case_id, "cancelled": true }),
    ))
}

/// `GET /api/v1/cases/{id}/loan`: the loan with every event reported on it, cancelled ones
/// marked, in the order recorded.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<CaseId>,
) -> ApiResult<axum::Json<Value>> {
    let detail = state.services.read_loan(&viewer.user.name, id).await?;
    let mut v = loan_json(&detail.loan);
    v["events"] = detail
        .events
        .iter()
        .map(|e| {
            json!({
                "loan_event_id": e.event.loan_event_id,
                "on": e.event.on.to_string(),
                "kind": e.event.kind,
                "seq": e.event.seq,
                "amount_won": e.event.amount_won,
                "annual_rate_pct": e.event.annual_rate_pct,
                "reported_by": e.reported_by,
                "cancelled": e.cancelled,
            })
        })
        .collect();
    Ok(axum::Json(v))
}

/// `GET /api/v1/loans?limit=&cursor=`: loans in id order (a bank its own, a firm its own).
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<axum::Json<Value>> {
    let paging = q.paging()?;
    let loans = state
        .services
        .read_loans(&viewer.user.name, paging.after, paging.limit)
        .await?;
    Ok(paging.page(&loans, loan_json, |l| l.loan_id.0))
}

fn loan_json(l: &jumpup_service::cases::LoanView) -> Value {
    json!({
        "loan_id": l.loan_id,
        "case_id": l.case_id,
        "firm_id": l.firm_id.0,
        "bank_code": l.bank_code,
        "loan_no": l.loan_no,
        "principal_won": l.principal_won,
        "annual_rate_pct": l.annual_rate_pct,
        "executed_on": l.executed_on.to_string(),
        "maturity_on": l.maturity_on.to_string(),
    })
}
