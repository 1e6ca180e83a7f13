//! The events file (FILES.md `events`): loan events in file order, each checked with the
//! loan's stored events and the rows before it; who may report which kind is RULES.md 8's.

use jumpup_domain::ids::{BankId, CaseId, LoanId};
use std::collections::{BTreeMap, HashMap};

use jumpup_domain::Date;
use jumpup_domain::workflow::{Actor, BankCode, Role, State};
use jumpup_store::events::{self as stored_events, EventRow, LoanRecord};
use jumpup_store::{Tx, cases as store, identity};
use serde_json::json;

use super::{Decided, FileKind, ImportReport, conclude, outside_scope, row_error};
use crate::events::{Reported, decide_event};
use crate::interchange::events::{EventRecord, LoanRef, Parsed};
use crate::{Reason, Result, ServiceError, Services, in_write_tx};

/// What an events file's rows refer to, read once for all of them.
#[derive(Debug, Default)]
pub(super) struct Known {
    /// Each row's case, where its loan is found.
    pub row_cases: Vec<Option<CaseId>>,
    /// The loans of those cases with their stored events, by case.
    pub loans: HashMap<CaseId, LoanRecord>,
}

/// The new events to store, each with its loan.
type NewEvents = Decided<(LoanId, EventRow)>;

/// The cases the new events finish, with their loans, in case order.
type Finished = BTreeMap<CaseId, LoanId>;

/// Reads what `records` refer to.
async fn load(tx: &mut Tx, records: &[EventRecord]) -> Result<Known> {
    let banks: HashMap<String, BankId> = identity::bank_ids(tx).await?;
    let bank_id = |bank: &BankCode| banks.get(bank.as_str()).copied();
    let mut loan_keys = Vec::new();
    let mut guarantees = Vec::new();
    for r in records {
        match &r.loan {
            LoanRef::Bank { bank, loan_no } => {
                if let Some(id) = bank_id(bank) {
                    loan_keys.push((id, loan_no.clone()));
                }
            }
            LoanRef::Guarantee(g) => guarantees.push(g.clone()),
        }
    }
    let by_loan_no = stored_events::cases_of_loan_nos(tx, &loan_keys).await?;
    drop(loan_keys);
    let by_guarantee = store::ids_of_guarantees(tx, &guarantees).await?;
    let row_cases: Vec<Option<CaseId>> = records
        .iter()
        .map(|r| match &r.loan {
            LoanRef::Bank { bank, loan_no } => {
                bank_id(bank).and_then(|id| by_loan_no.get(&(id, loan_no.clone())).copied())
            }
            LoanRef::Guarantee(g) => by_guarantee.get(g).copied(),
        })
        .collect();
    let mut case_ids: Vec<CaseId> = row_cases.iter().flatten().copied().collect();
    case_ids.sort_unstable();
    case_ids.dedup();
    let loans = stored_events::records_of_cases(tx, &case_ids).await?;
    Ok(Known { row_cases, loans })
}

/// Judges every row, in file order, as `who` (of `role`) on `today`: each event against its
/// loan's stored events and the rows before it. Only a corrupt stored loan is an error.
pub(super) fn decide(
    parsed: &Parsed,
    known: Known,
    (role, who): (Role, Actor),
    today: Date,
    mut progress: impl FnMut(usize),
) -> Result<(NewEvents, Finished)> {
    let mut decided = Decided::new(parsed);
    let mut finished = Finished::new();
    let Known {
        row_cases,
        mut loans,
    } = known;
    for (i, (r, case_id)) in parsed.records.iter().zip(row_cases).enumerate() {
        progress(i + 1);
        if let LoanRef::Bank { bank, .. } = &r.loan
            && outside_scope(who, *bank)
        {
            decided.errors.push(row_error(
                r.row,
                "bank_code",
                format!("{bank} is another bank's loan"),
            ));
            continue;
        }
        let Some(case_id) = case_id else {
            decided
                .errors
                .push(row_error(r.row, "loan_no", "no such loan"));
            continue;
        };
        let Some(record) = loans.get_mut(&case_id) else {
            decided.errors.push(row_error(
                r.row,
                "guarantee_no",
                "no executed loan has this guarantee",
            ));
            continue;
        };
        match decide_event(role, who, today, record, r.event, Some(r.seq)) {
            Ok(Reported::New(row)) => {
                if matches!(record.state, State::Completed | State::Terminated) {
                    finished.insert(case_id, record.loan_id);
                }
                decided.new.push((record.loan_id, row));
            }
            Ok(Reported::Known) => decided.skipped += 1,
            Err(ServiceError::Refused { reason, message }) => {
                let column = match reason {
                    Reason::EventInFuture => "on",
                    Reason::NotYourBank => "bank_code",
                    Reason::EventContradicts => "seq",
                    _ => "kind",
                };
                decided.errors.push(row_error(r.row, column, message));
            }
            Err(other) => return Err(other),
        }
    }
    Ok((decided, finished))
}

impl Services {
    /// Imports loan events (`tp`, `bank`, `kibo`). All or nothing; the cases the events finish
    /// are then reconciled.
    pub(super) async fn import_events(
        &self,
        actor_name: &str,
        parsed: &Parsed,
        digest: &str,
    ) -> Result<ImportReport> {
        let records = &parsed.records;
        in_write_tx!(self, |tx| {
            let (user, who, at) = self.importer(tx, actor_name, FileKind::Events).await?;
            let known = load(tx, records).await?;
            let today = crate::korea_date(at);
            let (decided, finished) = decide(
                parsed,
                known,
                (user.role, who),
                today,
                self.checking(records.len()),
            )?;
            decided.refuse_if_any()?;
            self.write_in_slices("storing events", tx, "loan_event", &decided.new, async |tx, slice| {
                Ok(stored_events::insert_many(tx, slice, user.user_id, at).await?)
            })
            .await?;
            let details =
                json!({ "events": decided.new.len(), "rows": records.len(), "digest": digest });
            // The file's own entry first: it seals the events written above; the cases they
            // finish are then reconciled, each in its own entry, in case order.
            let report = conclude(tx, &user, at, FileKind::Events, &decided, details).await?;
            for (case_id, loan_id) in finished {
                crate::finished::reconcile_finished(tx, Some(&user), case_id, loan_id, at).await?;
            }
            Ok(report)
        })
    }
}

#[cfg(test)]
mod tests {
    use jumpup_domain::loan::{Event, EventKind};
    use jumpup_domain::money::Won;
    use jumpup_store::cases::LoanRow;

    use super::*;

    fn date(text: &str) -> Date {
        text.parse().expect("a date")
    }

    fn code(text: &str) -> BankCode {
        BankCode::parse(text).expect("a code")
    }

    fn repayment(row: usize, loan: LoanRef, on: &str, won: i64, seq: i64) -> EventRecord {
        EventRecord {
            row,
            loan,
            event: Event {
                on: date(on),
                kind: EventKind::Repayment(Won::new(won)),
            },
            seq,
        }
    }

    fn by_loan_no(bank: &str) -> LoanRef {
        LoanRef::Bank {
            bank: code(bank),
            loan_no: "L-1".into(),
        }
    }

    #[test]
    fn each_event_is_judged_with_its_loans_events_and_the_rows_before_it() {
        let record = LoanRecord {
            case_id: CaseId(1),
            state: State::LoanExecuted,
            bank_code: "003".into(),
            loan_id: LoanId(11),
            loan: LoanRow {
                case_id: CaseId(1),
                bank_id: BankId(3),
                loan_no: "L-1".into(),
                principal_won: 500_000_000,
                annual_rate_pct: "5.0".into(),
                executed_on: date("2025-09-15"),
                maturity_on: date("2028-09-15"),
            },
            events: Vec::new(),
            cancelled: Vec::new(),
        };
        let records = vec![
            repayment(2, by_loan_no("020"), "2025-10-01", 1, 1),
            repayment(3, by_loan_no("003"), "2025-10-01", 1, 1),
            repayment(4, LoanRef::Guarantee("G-2".into()), "2025-10-01", 1, 1),
            repayment(5, by_loan_no("003"), "2025-10-01", 1_000_000, 1),
            repayment(6, by_loan_no("003"), "2025-10-01", 1_000_000, 1),
            repayment(7, by_loan_no("003"), "2025-11-01", 1_000_000, 1),
            repayment(8, by_loan_no("003"), "2025-10-01", 2_000_000, 1),
        ];
        let known = Known {
            row_cases: [Some(1), None, Some(2), Some(1), Some(1), Some(1), Some(1)]
                .map(|c| c.map(CaseId))
                .to_vec(),
            loans: HashMap::from([(CaseId(1), record)]),
        };
        let parsed = Parsed {
            records,
            ..Parsed::new(Vec::new())
        };
        let bank = (Role::Bank, Actor::Bank(code("003")));
        let (decided, finished) =
            decide(&parsed, known, bank, date("2025-10-10"), |_| {}).expect("decided");
        let refused: Vec<(usize, String)> = decided
            .errors
            .clone()
            .into_listed()
            .into_iter()
            .map(|e| (e.row, e.column))
            .collect();
        let expected = [
            (2, "bank_code"),
            (3, "loan_no"),
            (4, "guarantee_no"),
            (7, "on"),
            (8, "seq"),
        ];
        assert_eq!(refused, expected.map(|(r, c)| (r, c.to_owned())).to_vec());
        assert_eq!(decided.new.len(), 1);
        assert_eq!(decided.new[0].0, LoanId(11));
        assert_eq!(decided.new[0].1.amount_won, Some(1_000_000));
        assert_eq!(decided.skipped, 1, "row 6 repeats row 5");
        assert!(finished.is_empty());
    }
}
