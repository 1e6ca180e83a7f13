//! Stored rows and the domain's values, one into the other: a case for the workflow, a loan,
//! its events (and an event as its row), its grade and coverage. A row that does not read is
//! the store's corruption, said so.

use jumpup_domain::grade::KiboGrade;
use jumpup_domain::ids::{CaseId, LoanId};
use jumpup_domain::loan::{Event, EventKind, Loan};
use jumpup_domain::money::Won;
use jumpup_domain::pct::Pct;
use jumpup_domain::workflow::{self, Case, Check, CheckItem, Selection};
use jumpup_store::StoreError;
use jumpup_store::cases::{CaseRow, CheckRow};
use jumpup_store::events::EventRow;

use super::{Result, ServiceError};

fn corrupt(what: String) -> ServiceError {
    StoreError::Corrupt(what).into()
}

/// The workflow's view of a stored case.
pub(crate) fn workflow_case(row: &CaseRow, checks: &[CheckRow]) -> Result<Case> {
    let selection = match (
        &row.grade,
        &row.coverage_pct,
        &row.base_fee_rate_pct,
        row.approved_won,
        &row.bank_code,
    ) {
        (Some(g), Some(c), Some(f), Some(a), Some(b)) => Some(Selection {
            grade: KiboGrade::parse(g)
                .map_err(|_| corrupt(format!("case {} grade", row.case_id)))?,
            coverage: Pct::parse(c)
                .map_err(|_| corrupt(format!("case {} coverage", row.case_id)))?,
            base_fee_rate: Pct::parse(f)
                .map_err(|_| corrupt(format!("case {} fee rate", row.case_id)))?,
            approved_amount: Won::new(a),
            bank: workflow::BankCode::parse(b)
                .ok_or_else(|| corrupt(format!("case {} bank", row.case_id)))?,
        }),
        _ => None,
    };
    let checks = checks
        .iter()
        .map(|c| {
            Ok(Check {
                item: CheckItem::parse(&c.item)
                    .ok_or_else(|| corrupt(format!("check item {:?}", c.item)))?,
                met: c.met,
                evidence: c.evidence.clone(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Case {
        state: row.state,
        firm: row.firm_id,
        selection,
        checks,
        decided_on: row.decided_on,
        guarantee_no: row.guarantee_no.clone(),
    })
}

pub(crate) fn event_of(row: &EventRow) -> Result<Event> {
    let kind = match row.kind.as_str() {
        "repayment" => EventKind::Repayment(Won::new(
            row.amount_won
                .ok_or_else(|| corrupt("a repayment without an amount".into()))?,
        )),
        "rate_change" => EventKind::RateChange(
            row.annual_rate_pct
                .as_deref()
                .and_then(|r| Pct::parse(r).ok())
                .ok_or_else(|| corrupt("a rate change without a rate".into()))?,
        ),
        "arrears_start" => EventKind::ArrearsStart,
        "arrears_end" => EventKind::ArrearsEnd,
        "relocation" => EventKind::Relocation,
        "closure" => EventKind::Closure,
        "default" => EventKind::Default,
        "ineligible" => EventKind::Ineligible,
        other => return Err(corrupt(format!("event kind {other:?}"))),
    };
    Ok(Event { on: row.on, kind })
}

pub(crate) fn row_of(event: &Event, seq: i64) -> EventRow {
    let (amount_won, annual_rate_pct) = match event.kind {
        EventKind::Repayment(w) => (Some(w.get()), None),
        EventKind::RateChange(r) => (None, Some(r.to_string())),
        _ => (None, None),
    };
    EventRow {
        loan_event_id: 0,
        seq,
        on: event.on,
        kind: event.kind.as_str().to_owned(),
        amount_won,
        annual_rate_pct,
    }
}

/// A stored loan's terms as the engine's `Loan`.
pub(crate) fn stored_loan(
    loan_id: LoanId,
    principal_won: i64,
    annual_rate_pct: &str,
    executed_on: chrono::NaiveDate,
    maturity_on: chrono::NaiveDate,
) -> Result<Loan> {
    let rate = Pct::parse(annual_rate_pct).map_err(|_| corrupt(format!("loan {loan_id} rate")))?;
    Loan::new(Won::new(principal_won), rate, executed_on, maturity_on)
        .map_err(|e| corrupt(format!("loan {loan_id}: {e}")))
}

/// A decided case's stored grade and coverage, as the engine takes them.
pub(crate) fn stored_grade_and_coverage(
    case_id: CaseId,
    grade: Option<&str>,
    coverage_pct: Option<&str>,
) -> Result<(Option<KiboGrade>, Pct)> {
    let grade = grade
        .map(KiboGrade::parse)
        .transpose()
        .map_err(|_| corrupt(format!("case {case_id} grade")))?;
    let coverage = coverage_pct
        .and_then(|c| Pct::parse(c).ok())
        .ok_or_else(|| corrupt(format!("case {case_id} coverage")))?;
    Ok((grade, coverage))
}
