//! The loans file (FILES.md `loans`): loan executions, from a bank for its own rows or from
//! the Technopark for any bank's. Each row is decided by the workflow's loan execution (the
//! rules of `loan execute`); its case moves to `loan_executed` and its reservation is
//! recomputed for the real loan (RULES.md 6.4), an overrun named in the report's warnings.

use jumpup_domain::ids::{BankId, CaseId};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use jumpup_domain::Date;
use jumpup_domain::ledger::{Account, Move, Posting};
use jumpup_domain::loan::Loan;
use jumpup_domain::money::Won;
use jumpup_domain::program::Version;
use jumpup_domain::workflow::{self, Actor, Command, Context, LoanTerms, Outcome, Refusal, State};
use jumpup_store::cases::{self as store, CaseRow, LoanRow};
use jumpup_store::{StoreError, Tx, identity, ledger};
use serde_json::json;

use super::{Decided, FileKind, ImportReport, conclude, outside_scope, row_error};
use crate::interchange::loans::{LoanRecord, Parsed};
use crate::{Result, Services, in_write_tx};

/// What a loans file's rows refer to, read once for all of them.
#[derive(Debug, Default)]
pub(super) struct Known {
    /// Stored cases by guarantee number.
    pub cases: HashMap<String, CaseRow>,
    /// Those cases' stored loans, by case.
    pub loans: HashMap<CaseId, LoanRow>,
    /// The partner banks' ids by code.
    pub banks: HashMap<String, BankId>,
    /// The (bank, loan number) pairs the file names that are taken.
    pub loan_nos: HashSet<(BankId, String)>,
    /// What each case holds reserved.
    pub held: HashMap<CaseId, Won>,
    /// The versions the cases are pinned to, by id.
    pub versions: HashMap<i64, Version>,
    /// Each of the cases' programmes: its available budget and whether cases wait for it.
    pub budgets: HashMap<String, (Won, bool)>,
}

/// The ledger postings the new loans make, by programme, and the programmes whose budget
/// they release (waitlisted cases may now fit).
#[derive(Debug, Default)]
pub(super) struct Booked<'k> {
    pub postings: BTreeMap<&'k str, Vec<(Posting, Option<CaseId>)>>,
    pub released: BTreeSet<&'k str>,
}

/// Reads what `records` refer to.
async fn load(tx: &mut Tx, records: &[LoanRecord]) -> Result<Known> {
    let guarantees: Vec<String> = records.iter().map(|r| r.guarantee_no.clone()).collect();
    let cases = store::by_guarantees(tx, &guarantees).await?;
    drop(guarantees);
    let case_ids: Vec<CaseId> = cases.values().map(|c| c.case_id).collect();
    let loans = store::loans_of_cases(tx, &case_ids).await?;
    let banks = identity::bank_ids(tx).await?;
    let keys: Vec<(BankId, String)> = records
        .iter()
        .filter_map(|r| Some((*banks.get(r.bank.as_str())?, r.loan_no.clone())))
        .collect();
    let loan_nos = jumpup_store::events::cases_of_loan_nos(tx, &keys)
        .await?
        .into_keys()
        .collect();
    drop(keys);
    let held = ledger::case_balances(tx, &case_ids)
        .await?
        .into_iter()
        .map(|(c, reserved, _)| (c, reserved))
        .collect();
    let mut pinned = crate::settle::Pinned::default();
    let mut budgets = HashMap::new();
    for case in cases.values() {
        if let Some(id) = case.program_version_id {
            pinned.version(tx, id).await?;
        }
        if !budgets.contains_key(&case.program_id) {
            let available = ledger::balance(tx, &case.program_id, Account::Available).await?;
            let waiting = !store::waitlist(tx, &case.program_id).await?.is_empty();
            budgets.insert(case.program_id.clone(), (available, waiting));
        }
    }
    Ok(Known {
        cases,
        loans,
        banks,
        loan_nos,
        held,
        versions: pinned.into_map(),
        budgets,
    })
}

/// What the rows before a row have taken: their cases, their loan numbers, the budget.
#[derive(Debug, Default)]
struct Running {
    cases: HashSet<CaseId>,
    loan_nos: HashSet<(BankId, String)>,
    available: HashMap<String, Won>,
}

/// Judges every row, in file order, as `who` on `today`: against what is stored and the rows
/// before it. Only a corrupt stored case is an error.
pub(super) fn decide<'k>(
    parsed: &Parsed,
    known: &'k Known,
    who: Actor,
    today: Date,
    mut progress: impl FnMut(usize),
) -> Result<(Decided<LoanRow>, Booked<'k>)> {
    let mut decided = Decided::new(parsed);
    let mut booked = Booked::default();
    let mut running = Running {
        available: known
            .budgets
            .iter()
            .map(|(p, (available, _))| (p.clone(), *available))
            .collect(),
        ..Running::default()
    };
    for (i, r) in parsed.records.iter().enumerate() {
        progress(i + 1);
        let refuse = |column: &str, message: String| row_error(r.row, column, message);
        if outside_scope(who, r.bank) {
            decided.errors.push(refuse(
                "bank_code",
                format!("{} is another bank's loan", r.bank),
            ));
            continue;
        }
        let Some(case) = known.cases.get(&r.guarantee_no) else {
            decided.errors.push(refuse(
                "guarantee_no",
                format!("no case with guarantee {}", r.guarantee_no),
            ));
            continue;
        };
        let Some(&bank_id) = known.banks.get(r.bank.as_str()) else {
            decided
                .errors
                .push(refuse("bank_code", format!("no partner bank {}", r.bank)));
            continue;
        };
        // The same loan again is skipped; another loan for the case contradicts it.
        if let Some(loan) = known.loans.get(&case.case_id) {
            if same_loan(loan, r, bank_id) {
                decided.skipped += 1;
            } else {
                decided.errors.push(refuse(
                    "guarantee_no",
                    format!("case {} already has another loan", case.case_id),
                ));
            }
            continue;
        }
        if !running.cases.insert(case.case_id) {
            decided.errors.push(refuse(
                "guarantee_no",
                format!("case {} has another loan in this file", case.case_id),
            ));
            continue;
        }
        let key = (bank_id, r.loan_no.clone());
        if known.loan_nos.contains(&key) || !running.loan_nos.insert(key) {
            decided.errors.push(refuse(
                "loan_no",
                format!("{} already has loan {}", r.bank, r.loan_no),
            ));
            continue;
        }
        let loan = match Loan::new(r.principal, r.rate, r.executed_on, r.maturity_on) {
            Ok(loan) => loan,
            Err(e) => {
                decided.errors.push(refuse("maturity_on", e.to_string()));
                continue;
            }
        };
        // FILES.md: a case imported without a lending bank gets the first bank that reports
        // its loan. The Technopark loads a row in that bank's scope.
        let wcase = if case.bank_code.is_none() {
            let mut row = case.clone();
            row.bank_code = Some(r.bank.as_str().to_owned());
            crate::stored::workflow_case(&row, &[])?
        } else {
            crate::stored::workflow_case(case, &[])?
        };
        let Some(version) = case
            .program_version_id
            .and_then(|id| known.versions.get(&id))
        else {
            decided.errors.push(refuse(
                "guarantee_no",
                format!("case {} has no decision", case.case_id),
            ));
            continue;
        };
        let waiting = known.budgets[&case.program_id].1;
        let available = running
            .available
            .get_mut(&case.program_id)
            .expect("invariant: every case's programme has its budget");
        let ctx = Context {
            today,
            limits: &version.params.limits,
            rules: &version.params.rules,
            firm_open_won: Won::ZERO,
            available_won: *available,
            waitlist_nonempty: waiting,
        };
        let command = Command::ExecuteLoan(LoanTerms {
            loan_no: r.loan_no.clone(),
            loan,
        });
        let reservation = match workflow::decide(&wcase, &Actor::Bank(r.bank), &command, &ctx) {
            Ok(Outcome::LoanExecuted { reservation, .. }) => reservation,
            Ok(_) => {
                return Err(
                    StoreError::Corrupt("a loan execution decided otherwise".into()).into(),
                );
            }
            Err(refusal) => {
                decided
                    .errors
                    .push(refuse(loan_column(&refusal), refusal.to_string()));
                continue;
            }
        };
        // RULES.md 6.4: the reservation recomputed for the real loan.
        let current = known.held.get(&case.case_id).copied().unwrap_or(Won::ZERO);
        let change = Move::new(current, reservation, *available);
        *available = change.available_after(*available);
        let list = booked.postings.entry(&case.program_id).or_default();
        for (kind, amount) in change.postings() {
            let id = format!("case:{}:loan:{}", case.case_id, kind.as_str());
            let p = Posting::new(id, kind, amount).expect("invariant: a positive posting");
            list.push((p, Some(case.case_id)));
        }
        if change.release > Won::ZERO {
            booked.released.insert(&case.program_id);
        }
        if change.overrun > Won::ZERO {
            decided.warnings.push(format!(
                "row {}: the loan's reservation exceeds the available budget by {} won, booked as an overrun",
                r.row,
                change.overrun.grouped()
            ));
        }
        decided.new.push(LoanRow {
            case_id: case.case_id,
            bank_id,
            loan_no: r.loan_no.trim().to_owned(),
            principal_won: r.principal.get(),
            annual_rate_pct: r.rate.to_string(),
            executed_on: r.executed_on,
            maturity_on: r.maturity_on,
        });
    }
    Ok((decided, booked))
}

/// Whether a row repeats the stored loan of its case.
fn same_loan(loan: &LoanRow, r: &LoanRecord, bank_id: BankId) -> bool {
    loan.loan_no == r.loan_no
        && loan.bank_id == bank_id
        && loan.principal_won == r.principal.get()
        && loan.annual_rate_pct == r.rate.to_string()
        && loan.executed_on == r.executed_on
        && loan.maturity_on == r.maturity_on
}

/// The column a loan row's refusal is about.
fn loan_column(refusal: &Refusal) -> &'static str {
    match refusal {
        Refusal::AboveApprovedAmount { .. } => "principal_won",
        Refusal::ExecutedBeforeDecision
        | Refusal::ExecutedInFuture { .. }
        | Refusal::LoanDeadlinePassed { .. } => "executed_on",
        Refusal::NotYourBank => "bank_code",
        Refusal::LoanNoRequired => "loan_no",
        _ => "guarantee_no",
    }
}

impl Services {
    /// Imports loan executions (`bank`, `tp`). The loans, the cases' states and the
    /// recomputed reservations are written with multi-row statements, and the file's one audit
    /// entry lists its cases. All or nothing.
    pub(super) async fn import_loans(
        &self,
        actor_name: &str,
        parsed: &Parsed,
        digest: &str,
    ) -> Result<ImportReport> {
        let records = &parsed.records;
        in_write_tx!(self, |tx| {
            let catalog = self.catalog_in(tx).await?;
            let (user, who, at) = self.importer(tx, actor_name, FileKind::Loans).await?;
            let known = load(tx, records).await?;
            let today = crate::korea_date(at);
            let (decided, booked) =
                decide(parsed, &known, who, today, self.checking(records.len()))?;
            decided.refuse_if_any()?;
            self.write_in_slices(
                "storing loans",
                tx,
                "loan",
                &decided.new,
                async |tx, slice| Ok(store::insert_loans(tx, slice, at).await?),
            )
            .await?;
            let moved: Vec<(CaseId, BankId)> =
                decided.new.iter().map(|l| (l.case_id, l.bank_id)).collect();
            self.write_in_slices(
                "moving cases",
                tx,
                "support_case",
                &moved,
                async |tx, slice| Ok(store::set_states(tx, State::LoanExecuted, slice, at).await?),
            )
            .await?;
            for (program, list) in &booked.postings {
                self.write_in_slices(
                    "posting reservations",
                    tx,
                    "budget_posting",
                    list,
                    async |tx, slice| Ok(ledger::post_many(tx, program, slice, at).await?),
                )
                .await?;
            }
            let cases: Vec<CaseId> = moved.iter().map(|(case, _)| *case).collect();
            let details = json!({ "loans_for_cases": crate::catalog::ids_summary(&cases), "rows": records.len(), "digest": digest });
            // The file's own entry first: it seals the loans and postings written above; the
            // cases the released budget now reaches are promoted after it, each in its entry.
            let report = conclude(tx, &user, at, FileKind::Loans, &decided, details).await?;
            for program in &booked.released {
                self.promote_waitlist(tx, &catalog, program, Some(&user), at)
                    .await?;
            }
            Ok(report)
        })
    }
}

#[cfg(test)]
mod tests {
    use jumpup_domain::ledger::PostingKind;
    use jumpup_domain::pct::Pct;
    use jumpup_domain::workflow::{BankCode, FirmId, reservation_at_approval};

    use super::*;

    const JUMPUP: &str = "incheon-jumpup";
    const APPROVED: i64 = 500_000_000;

    fn date(text: &str) -> Date {
        text.parse().expect("a date")
    }

    fn version() -> Version {
        crate::catalog::load_catalog(None)
            .expect("the built-in programmes")
            .get(JUMPUP)
            .and_then(|p| p.version_on(date("2025-09-01")))
            .expect("in force")
            .clone()
    }

    /// What a case holds at approval.
    fn held() -> Won {
        let grade = jumpup_domain::grade::KiboGrade::parse("BBB").expect("a grade");
        reservation_at_approval(
            &version().params.rules,
            grade,
            Won::new(APPROVED),
            date("2025-09-01"),
        )
    }

    fn case(case_id: i64, guarantee: &str) -> CaseRow {
        CaseRow {
            case_id: CaseId(case_id),
            program_id: JUMPUP.into(),
            firm_id: FirmId(case_id),
            state: State::GuaranteeIssued,
            requested_won: APPROVED,
            grade: Some("BBB".into()),
            coverage_pct: Some("100".into()),
            base_fee_rate_pct: Some("1.0".into()),
            approved_won: Some(APPROVED),
            bank_code: None,
            program_version_id: Some(7),
            decided_on: Some(date("2025-09-01")),
            waitlist_seq: None,
            guarantee_no: Some(guarantee.into()),
        }
    }

    /// Two decided cases (G-1, G-2) each holding its reservation; `available` left.
    fn known(available: i64) -> Known {
        Known {
            cases: HashMap::from([
                ("G-1".into(), case(1, "G-1")),
                ("G-2".into(), case(2, "G-2")),
            ]),
            banks: HashMap::from([("003".into(), BankId(3)), ("020".into(), BankId(20))]),
            held: HashMap::from([(CaseId(1), held()), (CaseId(2), held())]),
            versions: HashMap::from([(7, version())]),
            budgets: HashMap::from([(JUMPUP.into(), (Won::new(available), false))]),
            ..Known::default()
        }
    }

    fn record(row: usize, guarantee: &str, loan_no: &str, principal: i64) -> LoanRecord {
        LoanRecord {
            row,
            bank: BankCode::parse("003").expect("a code"),
            loan_no: loan_no.into(),
            guarantee_no: guarantee.into(),
            principal: Won::new(principal),
            rate: Pct::parse("5.0").expect("a rate"),
            executed_on: date("2025-09-15"),
            maturity_on: date("2028-09-15"),
        }
    }

    fn parsed(records: Vec<LoanRecord>) -> Parsed {
        Parsed {
            records,
            ..Parsed::new(Vec::new())
        }
    }

    fn tp() -> Actor {
        Actor::Tp
    }

    fn today() -> Date {
        date("2025-10-01")
    }

    fn columns<T>(decided: &Decided<T>) -> Vec<(usize, String)> {
        decided
            .errors
            .clone()
            .into_listed()
            .into_iter()
            .map(|e| (e.row, e.column))
            .collect()
    }

    #[test]
    fn a_smaller_loan_than_approved_releases_part_of_the_reservation() {
        let known = known(1_000_000_000);
        let p = parsed(vec![record(2, "G-1", "L-1", APPROVED / 2)]);
        let (decided, booked) = decide(&p, &known, tp(), today(), |_| {}).expect("decided");
        assert_eq!(columns(&decided), vec![]);
        let loan = &decided.new[0];
        assert_eq!(
            (loan.case_id, loan.bank_id, loan.loan_no.as_str()),
            (CaseId(1), BankId(3), "L-1")
        );
        let postings = &booked.postings[JUMPUP];
        assert_eq!(postings.len(), 1);
        let (posting, case) = &postings[0];
        assert_eq!(*case, Some(CaseId(1)));
        assert_eq!(posting.kind(), PostingKind::Release);
        assert_eq!(posting.id(), "case:1:loan:release");
        assert!(posting.amount() < held(), "part, not all, is released");
        assert!(booked.released.contains(JUMPUP));
    }

    #[test]
    fn a_stored_loan_repeated_is_skipped_and_another_for_its_case_is_refused() {
        let mut known = known(1_000_000_000);
        let first = record(2, "G-1", "L-1", APPROVED);
        known.loans.insert(
            CaseId(1),
            LoanRow {
                case_id: CaseId(1),
                bank_id: BankId(3),
                loan_no: "L-1".into(),
                principal_won: APPROVED,
                annual_rate_pct: first.rate.to_string(),
                executed_on: first.executed_on,
                maturity_on: first.maturity_on,
            },
        );
        let p = parsed(vec![first, record(3, "G-1", "L-9", APPROVED - 1)]);
        let (decided, booked) = decide(&p, &known, tp(), today(), |_| {}).expect("decided");
        assert_eq!(decided.skipped, 1);
        assert!(decided.new.is_empty() && booked.postings.is_empty());
        assert_eq!(columns(&decided), vec![(3, "guarantee_no".to_owned())]);
    }

    #[test]
    fn rows_are_refused_on_the_column_at_fault() {
        let mut known = known(1_000_000_000);
        known.loan_nos.insert((BankId(3), "TAKEN".into()));
        for (id, g) in [(3, "G-3"), (4, "G-4")] {
            known.cases.insert(g.into(), case(id, g));
        }
        let mut other_bank = record(2, "G-1", "L-1", APPROVED);
        other_bank.bank = BankCode::parse("020").expect("a code");
        let mut early = record(6, "G-4", "L-6", APPROVED);
        early.executed_on = date("2025-08-01");
        let p = parsed(vec![
            other_bank,
            record(3, "G-404", "L-3", APPROVED),
            record(4, "G-1", "TAKEN", APPROVED),
            record(5, "G-3", "L-5", APPROVED + 1),
            early,
            record(7, "G-2", "L-7", APPROVED),
            record(8, "G-2", "L-8", APPROVED),
        ]);
        let bank = Actor::Bank(BankCode::parse("003").expect("a code"));
        let (decided, _) = decide(&p, &known, bank, today(), |_| {}).expect("decided");
        // A row refused on its loan number or its terms still takes its case in the file.
        let expected = [
            (2, "bank_code"),
            (3, "guarantee_no"),
            (4, "loan_no"),
            (5, "principal_won"),
            (6, "executed_on"),
            (8, "guarantee_no"),
        ];
        assert_eq!(
            columns(&decided),
            expected.map(|(r, c)| (r, c.to_owned())).to_vec()
        );
        assert_eq!(decided.new.len(), 1, "row 7 alone is new");
    }

    #[test]
    fn a_loan_the_budget_cannot_cover_is_booked_as_an_overrun_and_named_in_the_warnings() {
        let mut known = known(0);
        known.held.clear();
        let p = parsed(vec![record(2, "G-1", "L-1", APPROVED)]);
        let (decided, booked) = decide(&p, &known, tp(), today(), |_| {}).expect("decided");
        assert_eq!(decided.new.len(), 1);
        let kinds: Vec<PostingKind> = booked.postings[JUMPUP]
            .iter()
            .map(|(p, _)| p.kind())
            .collect();
        assert_eq!(kinds, vec![PostingKind::OverrunReserve]);
        assert_eq!(decided.warnings.len(), 1);
        assert!(decided.warnings[0].starts_with("row 2:"));
    }
}
