//! Loan events reported one at a time (RULES.md 6.3, 8), and a case's quote computed from its
//! stored loan and events under its pinned programme version.

use jumpup_domain::guarantee::GuaranteeTerms;
use jumpup_domain::ids::{CaseId, LoanId};
use jumpup_domain::loan::{Event, EventKind, History, Loan};
use jumpup_domain::pct::Pct;
use jumpup_domain::program::Program;
use jumpup_domain::quote::QuoteInput;
use jumpup_domain::workflow::{Actor, Role, State};
use jumpup_store::events::{self as store, EventRow, LoanRecord};
use jumpup_store::{StoreError, Tx, audit, cases, programs};
use serde_json::json;

use super::cases::CaseQuote;
use super::in_write_tx;
use super::stored::{event_of, row_of, stored_grade_and_coverage, stored_loan};
use super::{Field, Reason, Result, ServiceError, Services, actor, entry};

/// Who may report which kind (RULES.md 8): the lending bank its loan's repayments, rate
/// changes, arrears and defaults; KIBO defaults; the Technopark every kind.
/// The roles that may report some kind of event, and so cancel what they reported.
pub const EVENT_ROLES: &[Role] = &[Role::Tp, Role::Bank, Role::Kibo];

fn may_report(role: Role, kind: EventKind) -> bool {
    match role {
        Role::Tp => true,
        Role::Bank => matches!(
            kind,
            EventKind::Repayment(_)
                | EventKind::RateChange(_)
                | EventKind::ArrearsStart
                | EventKind::ArrearsEnd
                | EventKind::Default
        ),
        Role::Kibo => matches!(kind, EventKind::Default),
        _ => false,
    }
}

fn corrupt(what: String) -> ServiceError {
    StoreError::Corrupt(what).into()
}

/// A case's stored loan as the engine's `Loan`, with its stored events.
async fn loan_and_events(tx: &mut Tx, case_id: CaseId) -> Result<(LoanId, Loan, Vec<Event>)> {
    let (loan_id, loan) = store::loan_of_case(tx, case_id).await?.ok_or_else(|| {
        ServiceError::refused(
            Reason::NoLoan,
            format!("case {case_id} has no executed loan"),
        )
    })?;
    let loan = stored_loan(
        loan_id,
        loan.principal_won,
        &loan.annual_rate_pct,
        loan.executed_on,
        loan.maturity_on,
    )?;
    let events = store::of_loan(tx, loan_id)
        .await?
        .iter()
        .map(event_of)
        .collect::<Result<Vec<_>>>()?;
    Ok((loan_id, loan, events))
}

/// Whether `role` acting as `who` may report a `kind` event on a case in `state` lent by
/// `bank_code` (RULES.md 8; only a case with an executed loan has events).
fn may_touch(
    role: Role,
    who: Actor,
    kind: EventKind,
    case_id: CaseId,
    state: State,
    bank_code: Option<&str>,
) -> Result<()> {
    if !may_report(role, kind) {
        return Err(ServiceError::refused(
            Reason::RoleNotAllowed,
            format!("the {role} role may not report {} events", kind.as_str()),
        ));
    }
    if let Actor::Bank(bank) = who
        && bank_code != Some(bank.as_str())
    {
        return Err(ServiceError::refused(
            Reason::NotYourBank,
            "the case's lending bank is another bank",
        ));
    }
    if !matches!(
        state,
        State::LoanExecuted | State::Completed | State::Terminated
    ) {
        return Err(ServiceError::refused(
            Reason::WrongState,
            format!("case {case_id} has no executed loan ({state})"),
        ));
    }
    Ok(())
}

/// A history's problems in one sentence.
fn problems(errors: &[jumpup_domain::loan::EventError]) -> String {
    errors
        .iter()
        .map(|e| e.problem.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// A reported event against its loan's record.
pub(crate) enum Reported {
    /// New: to be stored as this row (its `seq` decided).
    New(EventRow),
    /// The same event is stored already, or was cancelled: nothing to store.
    Known,
}

/// Decides one reported event against its loan's record (RULES.md 6.3, 8). With `seq`
/// (FILES.md's key) the same event again is `Known`; without, it takes the next `seq` of its day
/// and kind. A new event joins the record, so the loan's next event is checked after it.
pub(crate) fn decide_event(
    role: Role,
    who: Actor,
    today: chrono::NaiveDate,
    record: &mut LoanRecord,
    event: Event,
    seq: Option<i64>,
) -> Result<Reported> {
    may_touch(
        role,
        who,
        event.kind,
        record.case_id,
        record.state,
        Some(&record.bank_code),
    )?;
    if event.on > today {
        return Err(ServiceError::refused(
            Reason::EventInFuture,
            format!("{} is after today ({today})", event.on),
        ));
    }
    let same_day_kind = |r: &&EventRow| r.on == event.on && r.kind == event.kind.as_str();
    let row = row_of(&event, 0);
    let seq = match seq {
        Some(seq) => {
            if let Some(existing) = record
                .events
                .iter()
                .filter(same_day_kind)
                .find(|r| r.seq == seq)
            {
                if existing.amount_won == row.amount_won
                    && existing.annual_rate_pct == row.annual_rate_pct
                {
                    return Ok(Reported::Known);
                }
                return Err(ServiceError::refused(
                    Reason::EventContradicts,
                    "contradicts the stored event with this key",
                ));
            }
            // A cancelled event keeps its key: the same row again does not bring it back.
            if record
                .cancelled
                .iter()
                .filter(same_day_kind)
                .any(|r| r.seq == seq)
            {
                return Ok(Reported::Known);
            }
            seq
        }
        None => {
            record
                .events
                .iter()
                .chain(&record.cancelled)
                .filter(same_day_kind)
                .map(|r| r.seq)
                .max()
                .unwrap_or(0)
                + 1
        }
    };
    let l = &record.loan;
    let loan = stored_loan(
        record.loan_id,
        l.principal_won,
        &l.annual_rate_pct,
        l.executed_on,
        l.maturity_on,
    )?;
    let mut events = record
        .events
        .iter()
        .map(event_of)
        .collect::<Result<Vec<_>>>()?;
    events.push(event);
    if let Err(errors) = History::new(loan.principal(), loan.executed_on(), &events) {
        return Err(ServiceError::refused(
            Reason::EventInvalid,
            problems(&errors),
        ));
    }
    let row = EventRow { seq, ..row };
    record.events.push(row.clone());
    Ok(Reported::New(row))
}

impl Services {
    /// Records an event on a case's loan (`tp`, `kibo` for defaults, or the lending bank).
    /// Checked with every stored event first (RULES.md 6.3): nothing is stored if any is wrong.
    pub async fn report_event(
        &self,
        actor_name: &str,
        case_id: CaseId,
        event: Event,
    ) -> Result<i64> {
        in_write_tx!(self, |tx| {
            let (user, who) = actor(tx, actor_name).await?;
            let Some(mut record) = store::records_of_cases(tx, &[case_id])
                .await?
                .remove(&case_id)
            else {
                // No loan: say why, as the checks of a case with one would.
                let case = cases::get(tx, case_id).await?.ok_or_else(|| {
                    ServiceError::refused(Reason::UnknownCase, format!("no case {case_id}"))
                })?;
                may_touch(
                    user.role,
                    who,
                    event.kind,
                    case_id,
                    case.state,
                    case.bank_code.as_deref(),
                )?;
                return Err(ServiceError::refused(
                    Reason::NoLoan,
                    format!("case {case_id} has no executed loan"),
                ));
            };
            let at = self.clock.now();
            let today = crate::korea_date(at);
            let Reported::New(row) = decide_event(user.role, who, today, &mut record, event, None)?
            else {
                return Err(corrupt(format!(
                    "case {case_id}: a new event without a key found stored"
                )));
            };
            let id = store::insert(tx, record.loan_id, &row, user.user_id, at).await?;
            let after = json!({
                "loan_event_id": id,
                "loan_id": record.loan_id,
                "on": row.on.to_string(),
                "kind": row.kind,
                "seq": row.seq,
                "amount_won": row.amount_won,
                "annual_rate_pct": row.annual_rate_pct,
            })
            .to_string();
            audit::append(
                tx,
                entry(
                    at,
                    Some(&user),
                    "event.report",
                    format!("case:{case_id}"),
                    "null".into(),
                    after,
                ),
            )
            .await?;
            if matches!(record.state, State::Completed | State::Terminated) {
                crate::finished::reconcile_finished(tx, Some(&user), case_id, record.loan_id, at)
                    .await?;
            }
            Ok(id)
        })
    }

    /// Cancels a wrong event (`tp`, or the user who reported it), checked against the events
    /// that remain; settlement recomputes the periods it touched.
    pub async fn cancel_event(
        &self,
        actor_name: &str,
        loan_event_id: i64,
        reason: &str,
    ) -> Result<CaseId> {
        if reason.trim().is_empty() {
            return Err(ServiceError::bad_input(
                Field::Reason,
                "a cancellation needs a reason",
            ));
        }
        in_write_tx!(self, |tx| {
            let (user, who) = actor(tx, actor_name).await?;
            let stored = store::by_id(tx, loan_event_id).await?.ok_or_else(|| {
                ServiceError::refused(Reason::UnknownEvent, format!("no event {loan_event_id}"))
            })?;
            // Who may cancel is checked before the event's state, so no one else learns it.
            if !(user.role == Role::Tp || stored.reported_by == user.user_id) {
                return Err(ServiceError::refused(
                    Reason::RoleNotAllowed,
                    "only the Technopark, or the user who reported it, may cancel an event",
                ));
            }
            if stored.cancelled {
                return Err(ServiceError::refused(
                    Reason::EventCancelled,
                    format!("event {loan_event_id} is already cancelled"),
                ));
            }
            let event = event_of(&stored.event)?;
            let case = cases::get(tx, stored.case_id)
                .await?
                .ok_or_else(|| corrupt(format!("case {}", stored.case_id)))?;
            if let Actor::Bank(bank) = who
                && case.bank_code.as_deref() != Some(bank.as_str())
            {
                return Err(ServiceError::refused(
                    Reason::NotYourBank,
                    "the case's lending bank is another bank",
                ));
            }
            let (loan_id, loan, _) = loan_and_events(tx, stored.case_id).await?;
            let remaining = store::of_loan(tx, loan_id)
                .await?
                .iter()
                .filter(|r| r.loan_event_id != loan_event_id)
                .map(event_of)
                .collect::<Result<Vec<_>>>()?;
            if let Err(errors) = History::new(loan.principal(), loan.executed_on(), &remaining) {
                return Err(ServiceError::refused(
                    Reason::EventInvalid,
                    format!(
                        "without event {loan_event_id} the loan's events are wrong: {}",
                        problems(&errors)
                    ),
                ));
            }
            let at = self.clock.now();
            let last_batch = jumpup_store::settlement::last_batch_id(tx).await?;
            jumpup_store::settlement::cancel_event(
                tx,
                loan_event_id,
                user.user_id,
                at,
                reason,
                last_batch,
            )
            .await?;
            let mut e = entry(
                at,
                Some(&user),
                "event.cancel",
                format!("case:{}", stored.case_id),
                json!({"loan_event_id": loan_event_id, "kind": event.kind.as_str(), "on": event.on.to_string()})
                    .to_string(),
                json!({"loan_event_id": loan_event_id, "cancelled": true}).to_string(),
            );
            e.reason = reason.to_owned();
            audit::append(tx, e).await?;
            if matches!(case.state, State::Completed | State::Terminated) {
                crate::finished::reconcile_finished(tx, Some(&user), stored.case_id, loan_id, at)
                    .await?;
            }
            Ok(stored.case_id)
        })
    }

    /// A case's quote from its stored loan and events under its pinned version (for whoever
    /// may read the case; the read is logged).
    pub async fn case_quote(&self, actor_name: &str, case_id: CaseId) -> Result<CaseQuote> {
        let row = self
            .read_cases(actor_name, Some(case_id), None, 0, 1)
            .await?
            .remove(0);
        self.quote_of(&row).await
    }

    /// The quote of a case already read (and its read logged) by whoever asks.
    pub(crate) async fn quote_of(&self, row: &jumpup_store::cases::CaseRow) -> Result<CaseQuote> {
        let case_id = row.case_id;
        let mut tx = self.db.begin_read().await?;
        let (_, loan, events) = loan_and_events(&mut tx, case_id).await?;
        let version_id = row
            .program_version_id
            .ok_or_else(|| corrupt(format!("case {case_id} has a loan but no pinned version")))?;
        let stored = programs::by_id(&mut tx, version_id)
            .await?
            .ok_or_else(|| corrupt(format!("programme version {version_id}")))?;
        drop(tx);
        let version = crate::catalog::version_from_content(&stored.content).map_err(corrupt)?;
        let program_id = jumpup_domain::program::ProgramId::parse(&stored.program_id)
            .map_err(|e| corrupt(e.to_string()))?;
        let program = Program::new(
            program_id,
            stored.name_ko.clone(),
            stored.name_en.clone(),
            vec![version.clone()],
        )
        .map_err(|e| corrupt(e.to_string()))?;
        let (grade, coverage) =
            stored_grade_and_coverage(case_id, row.grade.as_deref(), row.coverage_pct.as_deref())?;
        let base_fee = row
            .base_fee_rate_pct
            .as_deref()
            .and_then(|c| Pct::parse(c).ok())
            .ok_or_else(|| corrupt("a fee rate".into()))?;
        let rules = version.params.rules.clone();
        // The coverage was checked against the pinned version when decided.
        let guarantee = GuaranteeTerms::new(coverage, base_fee, &rules.guarantee)
            .map_err(|e| corrupt(e.to_string()))?;
        let history = History::new(loan.principal(), loan.executed_on(), &events)
            .map_err(|e| corrupt(format!("{e:?}")))?;
        let input = QuoteInput {
            rules,
            grade,
            loan,
            guarantee,
            history,
        };
        let quote = jumpup_domain::quote::quote(&input);
        Ok(CaseQuote {
            program,
            version,
            quote,
            input,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_roles_are_those_that_may_report_some_kind() {
        let kinds = [
            EventKind::Repayment(jumpup_domain::money::Won::new(1)),
            EventKind::ArrearsStart,
            EventKind::ArrearsEnd,
            EventKind::Default,
            EventKind::Relocation,
            EventKind::Closure,
            EventKind::Ineligible,
        ];
        for role in Role::ALL {
            assert_eq!(
                EVENT_ROLES.contains(&role),
                kinds.iter().any(|k| may_report(role, *k)),
                "{role}"
            );
        }
    }
}
