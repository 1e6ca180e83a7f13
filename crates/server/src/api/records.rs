//! The budget, the ledger check, the audit log, banks and firms over the API. These reads have
//! no firm data in them but the firms', so each route names the roles that may use it (RULES.md
//! 8); reading a firm is written to the access log.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use jumpup_domain::ids::FirmId;
use jumpup_domain::workflow::Role;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, Id, PageQuery, gate, json_body, new_firm};
use crate::state::AppState;
use jumpup_service::ADMIN_ROLES;
use jumpup_service::fields;
use jumpup_service::identity::ADD_FIRM_ROLES;
use jumpup_service::sessions::Viewer;

/// Who reads the audit log: the City and auditors.
const AUDIT_READERS: &[Role] = &[Role::City, Role::Auditor];

/// `GET /api/v1/budgets`: each programme's balances and waitlist.
pub async fn budgets(
    State(state): State<AppState>,
    viewer: Viewer,
) -> ApiResult<axum::Json<Value>> {
    gate(
        &viewer,
        jumpup_service::budget::BUDGET_READERS,
        "read the budget",
    )?;
    let mut list = Vec::new();
    for b in state.services.budgets().await? {
        let waitlist = state.services.read_waitlist(&b.program_id).await?;
        list.push(b.to_json(&waitlist));
    }
    Ok(axum::Json(Value::from(list)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopUp {
    amount_won: i64,
    reference: String,
}

/// `POST /api/v1/budgets/{program}/top-ups {"amount_won", "reference"}` (city): idempotent
/// by reference (`posted` is false when it was already booked).
pub async fn top_up(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::extract::Path(program): axum::extract::Path<String>,
    body: Bytes,
) -> ApiResult<axum::Json<Value>> {
    gate(
        &viewer,
        jumpup_service::budget::TOP_UP_ROLES,
        "top up a budget",
    )?;
    state.services.require_program(&program).await?;
    let t: TopUp = json_body(&body)?;
    let amount =
        fields::won(&t.amount_won.to_string()).map_err(|e| ApiError::invalid("amount_won", e))?;
    let posted = state
        .services
        .top_up(&viewer.user.name, &program, amount, &t.reference)
        .await?;
    Ok(axum::Json(
        json!({ "program": program, "amount_won": amount.get(), "posted": posted }),
    ))
}

/// `GET /api/v1/ledger/check`: the trial balance and RULES.md 6.4's invariants (`ok`).
pub async fn ledger_check(
    State(state): State<AppState>,
    viewer: Viewer,
) -> ApiResult<axum::Json<Value>> {
    gate(
        &viewer,
        jumpup_service::budget::BUDGET_READERS,
        "check the ledger",
    )?;
    Ok(axum::Json(state.services.ledger_check().await?.to_json()))
}

/// `GET /api/v1/audit/head`: `{"seq", "hash", "anchor": "SEQ:HASH"}`.
pub async fn audit_head(
    State(state): State<AppState>,
    viewer: Viewer,
) -> ApiResult<axum::Json<Value>> {
    gate(&viewer, AUDIT_READERS, "read the audit log")?;
    let head = state.services.audit_head().await?;
    Ok(axum::Json(
        json!({ "seq": head.seq, "anchor": head.to_string() }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyQuery {
    anchor: Option<String>,
}

/// `GET /api/v1/audit/verify?anchor=SEQ:HASH`: re-walks the chain; `intact` and the head, or
/// where it breaks.
pub async fn audit_verify(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiQuery(q): ApiQuery<VerifyQuery>,
) -> ApiResult<axum::Json<Value>> {
    gate(&viewer, AUDIT_READERS, "verify the audit log")?;
    let anchor = q
        .anchor
        .as_deref()
        .map(fields::anchor)
        .transpose()
        .map_err(|e| ApiError::invalid("anchor", e))?;
    let check = state.services.audit_check(anchor).await?;
    let mut out = match &check.chain {
        Ok(head) => json!({ "entries": head.seq, "anchor": head.to_string() }),
        Err(tamper) => json!({ "problem": tamper.to_string() }),
    };
    out["intact"] = json!(check.intact());
    out["seals"] = jumpup_service::budget::seals_json(&check.seals);
    Ok(axum::Json(out))
}

/// `GET /api/v1/audit/entries?limit=&cursor=`: entries in sequence order with their hashes.
pub async fn audit_entries(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<axum::Json<Value>> {
    gate(&viewer, AUDIT_READERS, "read the audit log")?;
    let paging = q.paging()?;
    let entries = state
        .services
        .audit_page(paging.after, paging.limit)
        .await?;
    Ok(paging.page(
        &entries,
        |s| {
            let e = &s.entry;
            json!({
                "seq": e.seq, "at": e.at, "actor": e.actor, "role": e.role, "action": e.action,
                "subject": e.subject, "before": e.before, "after": e.after, "reason": e.reason,
                "prev_hash": s.prev_hash.to_string(), "hash": s.hash.to_string(),
            })
        },
        |s| s.entry.seq,
    ))
}

/// `GET /api/v1/banks`: the partner banks (any signed-in user).
pub async fn banks(State(state): State<AppState>, _viewer: Viewer) -> ApiResult<axum::Json<Value>> {
    let banks = state.services.read_banks().await?;
    Ok(axum::Json(Value::from(
        banks
            .iter()
            .map(|b| json!({ "bank_id": b.bank_id, "code": b.code.to_string(), "name": b.name }))
            .collect::<Vec<_>>(),
    )))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewBank {
    code: String,
    name: String,
}

/// `POST /api/v1/banks {"code", "name"}` (admin).
pub async fn add_bank(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    gate(&viewer, ADMIN_ROLES, "add a bank")?;
    let b: NewBank = json_body(&body)?;
    let code = fields::bank(&b.code).map_err(|e| ApiError::invalid("code", e))?;
    let id = state
        .services
        .add_bank(&viewer.user.name, code, &b.name)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({ "bank_id": id, "code": code.to_string(), "name": b.name.trim() })),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FirmBody {
    business_no: String,
    corporate_no: Option<String>,
    name: String,
    address: String,
    district: String,
    industry_code: String,
}

/// `POST /api/v1/firms` (admin, tp).
pub async fn add_firm(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    gate(&viewer, ADD_FIRM_ROLES, "add a firm")?;
    let f: FirmBody = json_body(&body)?;
    let firm = new_firm(
        &f.business_no,
        f.corporate_no.as_deref(),
        f.name,
        f.address,
        f.district,
        f.industry_code,
    )?;
    let id = state
        .services
        .add_firm(&viewer.user.name, &firm)
        .await
        .map_err(|e| ApiError::with_field_named(e, jumpup_service::Field::FirmName, "name"))?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "firm_id": id.0 }))))
}

/// `GET /api/v1/firms/{id}`: the programme's officials and auditors see the whole record, a
/// firm its own, an admin the name and business number only; banks none. Logged as a read.
pub async fn firm(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id<FirmId>,
) -> ApiResult<axum::Json<Value>> {
    let firm = state.services.read_firm(&viewer.user.name, id).await?;
    Ok(axum::Json(firm_json(&firm, viewer.user.role)))
}

/// `GET /api/v1/firms?limit=&cursor=`: firms in id order (a firm user its own).
pub async fn firms(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<axum::Json<Value>> {
    let paging = q.paging()?;
    let firms = state
        .services
        .read_firms(&viewer.user.name, paging.after, paging.limit)
        .await?;
    Ok(paging.page(&firms, |f| firm_json(f, viewer.user.role), |f| f.firm_id.0))
}

/// A firm as `role` may see it: an admin its name and business number only (RULES.md 8).
fn firm_json(firm: &jumpup_service::identity::Firm, role: Role) -> Value {
    let mut v = json!({
        "firm_id": firm.firm_id.0,
        "business_no": firm.business_no.to_string(),
        "name": firm.name,
    });
    if role != Role::Admin {
        v["corporate_no"] = json!(firm.corporate_no.map(|c| c.to_string()));
        v["address"] = json!(firm.address);
        v["district"] = json!(firm.district);
        v["industry_code"] = json!(firm.industry_code);
    }
    v
}
