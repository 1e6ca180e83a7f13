//! The cases file (FILES.md `cases`): decided cases, loaded by the Technopark. Each row is a
//! case in state `guarantee_issued`, pinned to the version in force on its decision date,
//! with its reservation (RULES.md 6.4).

use jumpup_domain::ids::{BankId, CaseId};
use std::collections::{HashMap, HashSet};

use jumpup_domain::Date;
use jumpup_domain::district;
use jumpup_domain::guarantee::GuaranteeTerms;
use jumpup_domain::ledger::{Account, Posting, PostingKind};
use jumpup_domain::money::Won;
use jumpup_domain::program::Catalog;
use jumpup_domain::regno::BusinessNumber;
use jumpup_domain::workflow::{FirmId, reservation_at_approval};
use jumpup_store::cases::{self as store, CaseRow, DecidedCase};
use jumpup_store::identity::{self, FirmSummary, NewFirm};
use jumpup_store::{StoreError, Tx, ledger, programs};
use serde_json::json;

use super::{Decided, FileKind, ImportReport, conclude, row_error};
use crate::interchange::RowError;
use crate::interchange::cases::{CaseRecord, Parsed};
use crate::{Result, Services, in_write_tx};

/// What a cases file's rows refer to, read once for all of them.
#[derive(Debug, Default)]
pub(super) struct Known {
    /// Stored cases by guarantee number.
    pub stored: HashMap<String, CaseRow>,
    /// Stored firms by business number (hyphenated, as stored).
    pub firms: HashMap<String, FirmSummary>,
    /// What the firms' open cases hold, by programme and firm (RULES.md 1).
    pub open_won: HashMap<(String, FirmId), i64>,
    /// The partner banks' ids by code.
    pub banks: HashMap<String, BankId>,
    /// The available budget of each programme the file names.
    pub available: HashMap<String, Won>,
    /// The programmes the file names that have waitlisted cases.
    pub waiting: HashSet<String>,
    /// The stored ids of the versions the rows are pinned to, by programme and start.
    pub version_ids: HashMap<(String, Date), i64>,
}

/// A new case to store.
#[derive(Debug)]
pub(super) struct NewCase<'r> {
    pub record: &'r CaseRecord,
    pub version_id: i64,
    pub bank_id: Option<BankId>,
    pub reservation: Won,
}

/// Reads what `records` refer to.
async fn load(tx: &mut Tx, catalog: &Catalog, records: &[CaseRecord]) -> Result<Known> {
    let guarantees: Vec<String> = records.iter().map(|r| r.guarantee_no.clone()).collect();
    let stored = store::by_guarantees(tx, &guarantees).await?;
    drop(guarantees);
    let business_nos: Vec<String> = records.iter().map(|r| r.business_no.to_string()).collect();
    let firms = identity::firms_by_business_no(tx, &business_nos).await?;
    drop(business_nos);
    let firm_ids: Vec<FirmId> = firms.values().map(|f| f.firm_id).collect();
    let open_won = store::open_won_of_firms(tx, &firm_ids).await?;
    let mut known = Known {
        stored,
        firms,
        open_won,
        banks: identity::bank_ids(tx).await?,
        ..Known::default()
    };
    for r in records {
        let Some(version) = catalog
            .get(&r.program)
            .and_then(|p| p.version_on(r.decided_on))
        else {
            continue;
        };
        if !known.available.contains_key(&r.program) {
            let left = ledger::balance(tx, &r.program, Account::Available).await?;
            known.available.insert(r.program.clone(), left);
            if !store::waitlist(tx, &r.program).await?.is_empty() {
                known.waiting.insert(r.program.clone());
            }
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = known
            .version_ids
            .entry((r.program.clone(), version.in_force_from))
        {
            let stored = programs::by_key(tx, &r.program, version.in_force_from).await?;
            let id = stored
                .ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "{} {} is in force but not stored",
                        r.program, version.in_force_from
                    ))
                })?
                .program_version_id;
            slot.insert(id);
        }
    }
    Ok(known)
}

/// What the rows before a row have taken: the budget they reserve, what they give each firm,
/// and the programmes already refused for their budget or their waitlist (named once).
#[derive(Debug, Default)]
struct Running {
    available: HashMap<String, Won>,
    firm_in_file: HashMap<(String, BusinessNumber), Won>,
    over_committed: HashSet<String>,
    waitlist_named: HashSet<String>,
}

/// One row's verdict.
enum Verdict<'r> {
    New(NewCase<'r>),
    /// The same case is stored already.
    Known,
    /// Refused; the problem is named once per programme for the budget and the waitlist.
    Refused(Option<RowError>),
}

/// Judges every row against what is stored and the rows before it, in file order.
pub(super) fn decide<'r>(
    catalog: &Catalog,
    parsed: &'r Parsed,
    known: &Known,
    mut progress: impl FnMut(usize),
) -> Decided<NewCase<'r>> {
    let mut decided = Decided::new(parsed);
    let mut running = Running {
        available: known.available.clone(),
        ..Running::default()
    };
    for (i, r) in parsed.records.iter().enumerate() {
        progress(i + 1);
        match decide_row(catalog, r, known, &mut running) {
            Verdict::New(case) => decided.new.push(case),
            Verdict::Known => decided.skipped += 1,
            Verdict::Refused(Some(e)) => decided.errors.push(e),
            Verdict::Refused(None) => {}
        }
    }
    decided
}

fn decide_row<'r>(
    catalog: &Catalog,
    r: &'r CaseRecord,
    known: &Known,
    running: &mut Running,
) -> Verdict<'r> {
    let refuse =
        |column: &str, message: String| Verdict::Refused(Some(row_error(r.row, column, message)));
    let Some(version) = catalog
        .get(&r.program)
        .and_then(|p| p.version_on(r.decided_on))
    else {
        let column = if catalog.get(&r.program).is_none() {
            "program"
        } else {
            "decided_on"
        };
        return refuse(
            column,
            format!(
                "no approved version of {} in force on {}",
                r.program, r.decided_on
            ),
        );
    };
    let rules = &version.params.rules;
    if let Err(e) = GuaranteeTerms::check_coverage(r.coverage, &rules.guarantee) {
        return refuse("coverage_pct", e.to_string());
    }
    if !district::exists_on(&r.district, r.decided_on) {
        return refuse(
            "district",
            format!(
                "{} is not an Incheon district on {}",
                r.district, r.decided_on
            ),
        );
    }
    let bank_id = match r.bank {
        Some(code) => match known.banks.get(code.as_str()) {
            Some(id) => Some(*id),
            None => return refuse("bank_code", format!("no partner bank {code}")),
        },
        None => None,
    };
    let stored_firm = known.firms.get(&r.business_no.to_string());
    let firm = stored_firm.map(|f| f.firm_id);
    if let Some(stored) = known.stored.get(&r.guarantee_no) {
        return if same_case(r, stored, stored_firm) {
            Verdict::Known
        } else {
            refuse(
                "guarantee_no",
                format!(
                    "contradicts the stored case {} with this guarantee number",
                    stored.case_id
                ),
            )
        };
    }
    // The per-firm limit (RULES.md 1), counting the firm's open cases and this file.
    let limits = &version.params.limits;
    let limit = if r.grade.is_a_or_above() {
        limits.per_firm_won_grade_a_or_above
    } else {
        limits.per_firm_won
    };
    let stored_open = firm
        .and_then(|f| known.open_won.get(&(r.program.clone(), f)))
        .map_or(Won::ZERO, |w| Won::new(*w));
    let key = (r.program.clone(), r.business_no);
    let in_file = running.firm_in_file.get(&key).copied().unwrap_or(Won::ZERO);
    let would_hold = stored_open
        .checked_add(in_file)
        .and_then(|w| w.checked_add(r.approved))
        .expect("invariant: bounded");
    if would_hold > limit {
        return refuse(
            "approved_won",
            format!(
                "the firm would hold {} won, above its limit of {} won",
                would_hold.grouped(),
                limit.grouped()
            ),
        );
    }
    running.firm_in_file.insert(
        key,
        in_file.checked_add(r.approved).expect("invariant: bounded"),
    );
    // Waitlisted cases come first (RULES.md 6.4): no imported case passes them.
    if known.waiting.contains(&r.program) {
        let first = running.waitlist_named.insert(r.program.clone());
        return Verdict::Refused(first.then(|| {
            row_error(
                r.row,
                "program",
                format!(
                    "{} has waitlisted cases; decided cases cannot pass them (RULES.md 6.4)",
                    r.program
                ),
            )
        }));
    }
    // The budget (RULES.md 6.4): the first row that does not fit refuses the file.
    let reservation = reservation_at_approval(rules, r.grade, r.approved, r.decided_on);
    let left = running
        .available
        .get(&r.program)
        .copied()
        .unwrap_or(Won::ZERO);
    if reservation > left {
        let first = running.over_committed.insert(r.program.clone());
        return Verdict::Refused(first.then(|| {
            row_error(
                r.row,
                "approved_won",
                format!(
                    "the file would over-commit the {} budget: this row reserves {} won, {} won are left",
                    r.program,
                    reservation.grouped(),
                    left.grouped()
                ),
            )
        }));
    }
    let after = left
        .checked_sub(reservation)
        .expect("invariant: checked above");
    running.available.insert(r.program.clone(), after);
    Verdict::New(NewCase {
        record: r,
        version_id: known.version_ids[&(r.program.clone(), version.in_force_from)],
        bank_id,
        reservation,
    })
}

/// Whether a row repeats the stored case with its guarantee number, firm and terms.
fn same_case(r: &CaseRecord, stored: &CaseRow, firm: Option<&FirmSummary>) -> bool {
    let same_firm = firm.is_some_and(|f| {
        f.firm_id == stored.firm_id
            && f.name == r.firm_name
            && f.district == r.district
            && f.corporate_no == r.corporate_no.map(|c| c.to_string())
    });
    let same_bank = r
        .bank
        .is_none_or(|b| stored.bank_code.as_deref() == Some(b.as_str()));
    same_firm
        && same_bank
        && stored.program_id == r.program
        && stored.decided_on == Some(r.decided_on)
        && stored.approved_won == Some(r.approved.get())
        && stored.grade.as_deref() == Some(r.grade.as_str())
        && stored.coverage_pct == Some(r.coverage.to_string())
        && stored.base_fee_rate_pct == Some(r.base_fee_rate.to_string())
}

impl Services {
    /// Imports decided cases (`tp`). With any problem (the reader's or the rows'), nothing is
    /// stored.
    pub(super) async fn import_cases(
        &self,
        actor_name: &str,
        parsed: &Parsed,
        digest: &str,
    ) -> Result<ImportReport> {
        let records = &parsed.records;
        in_write_tx!(self, |tx| {
            let catalog = self.catalog_in(tx).await?;
            let (user, _, at) = self.importer(tx, actor_name, FileKind::Cases).await?;
            let known = load(tx, &catalog, records).await?;
            let decided = decide(&catalog, parsed, &known, self.checking(records.len()));
            decided.refuse_if_any()?;
            // New firms, then the cases, then their reservations, in multi-row statements.
            let mut new_firms: Vec<NewFirm> = Vec::new();
            let mut seen = HashSet::new();
            for NewCase { record: r, .. } in &decided.new {
                let key = r.business_no.to_string();
                if !known.firms.contains_key(&key) && seen.insert(key) {
                    new_firms.push(NewFirm {
                        business_no: r.business_no,
                        corporate_no: r.corporate_no,
                        name: r.firm_name.clone(),
                        address: String::new(),
                        district: r.district.clone(),
                        industry_code: String::new(),
                    });
                }
            }
            let mut firm_ids: HashMap<String, FirmId> = known
                .firms
                .iter()
                .map(|(b, f)| (b.clone(), f.firm_id))
                .collect();
            let mut new_firm_ids = Vec::with_capacity(new_firms.len());
            self.write_in_slices(
                "storing firms",
                tx,
                "firm",
                &new_firms,
                async |tx, slice| {
                    new_firm_ids.extend(identity::insert_firms(tx, slice, at).await?);
                    Ok(())
                },
            )
            .await?;
            let mut created_firms: Vec<FirmId> = new_firm_ids.iter().map(|(_, id)| *id).collect();
            created_firms.sort_unstable();
            firm_ids.extend(new_firm_ids);
            let rows: Vec<DecidedCase<'_>> = decided
                .new
                .iter()
                .map(|c| DecidedCase {
                    program_id: &c.record.program,
                    firm_id: firm_ids[&c.record.business_no.to_string()],
                    approved_won: c.record.approved.get(),
                    grade: c.record.grade.as_str(),
                    coverage_pct: c.record.coverage.to_string(),
                    base_fee_rate_pct: c.record.base_fee_rate.to_string(),
                    bank_id: c.bank_id,
                    program_version_id: c.version_id,
                    decided_on: c.record.decided_on,
                    guarantee_no: &c.record.guarantee_no,
                })
                .collect();
            let mut case_ids: HashMap<String, CaseId> = HashMap::with_capacity(rows.len());
            self.write_in_slices(
                "storing cases",
                tx,
                "support_case",
                &rows,
                async |tx, slice| {
                    case_ids.extend(store::insert_decided_many(tx, slice, at).await?);
                    Ok(())
                },
            )
            .await?;
            drop(rows);
            let mut postings: HashMap<&str, Vec<(Posting, Option<CaseId>)>> = HashMap::new();
            let mut created = Vec::with_capacity(decided.new.len());
            for c in &decided.new {
                let case_id = case_ids[&c.record.guarantee_no];
                created.push(case_id);
                if c.reservation > Won::ZERO {
                    let posting = Posting::new(
                        format!("case:{case_id}:1:reserve"),
                        PostingKind::Reserve,
                        c.reservation,
                    )
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    postings
                        .entry(c.record.program.as_str())
                        .or_default()
                        .push((posting, Some(case_id)));
                }
            }
            for (program, list) in &postings {
                self.write_in_slices(
                    "posting reservations",
                    tx,
                    "budget_posting",
                    list,
                    async |tx, slice| Ok(ledger::post_many(tx, program, slice, at).await?),
                )
                .await?;
            }
            created.sort_unstable();
            let details = json!({
                "created_cases": crate::catalog::ids_summary(&created),
                "created_firms": crate::catalog::ids_summary(&created_firms),
                "rows": records.len(),
                "digest": digest,
            });
            let report = conclude(tx, &user, at, FileKind::Cases, &decided, details).await?;
            crate::pause_before_commit("import");
            Ok(report)
        })
    }
}

#[cfg(test)]
mod tests {
    use jumpup_domain::grade::KiboGrade;
    use jumpup_domain::pct::Pct;
    use jumpup_domain::workflow::{BankCode, State, reservation_at_approval};

    use super::*;

    const JUMPUP: &str = "incheon-jumpup";

    fn catalog() -> Catalog {
        crate::catalog::load_catalog(None).expect("the built-in programmes")
    }

    fn date(text: &str) -> Date {
        text.parse().expect("a date")
    }

    fn firm(n: u8) -> BusinessNumber {
        BusinessNumber::from_first9([1, 2, 3, 8, 1, 0, 0, 0, n])
    }

    fn record(row: usize, guarantee: &str, firm_no: u8, approved: i64) -> CaseRecord {
        CaseRecord {
            row,
            business_no: firm(firm_no),
            corporate_no: None,
            firm_name: format!("기업{firm_no}"),
            district: "연수구".into(),
            grade: KiboGrade::parse("BBB").expect("a grade"),
            program: JUMPUP.into(),
            decided_on: date("2025-09-01"),
            guarantee_no: guarantee.into(),
            bank: BankCode::parse("003"),
            coverage: Pct::parse("100").expect("a coverage"),
            base_fee_rate: Pct::parse("1.0").expect("a fee rate"),
            approved: Won::new(approved),
        }
    }

    /// What the rows refer to: `available` won left, no stored case or firm.
    fn known(available: i64) -> Known {
        let catalog = catalog();
        let version = catalog
            .get(JUMPUP)
            .and_then(|p| p.version_on(date("2025-09-01")))
            .expect("in force");
        Known {
            banks: HashMap::from([("003".to_owned(), BankId(3))]),
            available: HashMap::from([(JUMPUP.to_owned(), Won::new(available))]),
            version_ids: HashMap::from([((JUMPUP.to_owned(), version.in_force_from), 7)]),
            ..Known::default()
        }
    }

    fn parsed(records: Vec<CaseRecord>) -> Parsed {
        Parsed {
            records,
            ..Parsed::new(Vec::new())
        }
    }

    fn reservation(r: &CaseRecord) -> Won {
        let catalog = catalog();
        let version = catalog
            .get(&r.program)
            .and_then(|p| p.version_on(r.decided_on))
            .expect("in force");
        reservation_at_approval(&version.params.rules, r.grade, r.approved, r.decided_on)
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
    fn new_cases_take_the_budget_in_file_order_and_the_first_that_does_not_fit_is_named_once() {
        let rows = vec![
            record(2, "G-1", 1, 500_000_000),
            record(3, "G-2", 2, 500_000_000),
            record(4, "G-3", 3, 500_000_000),
            record(5, "G-4", 4, 500_000_000),
        ];
        let each = reservation(&rows[0]);
        assert!(each > Won::ZERO);
        // Room for two reservations and a won less than a third.
        let room = each.get() * 3 - 1;
        let p = parsed(rows);
        let decided = decide(&catalog(), &p, &known(room), |_| {});
        assert_eq!(decided.new.len(), 2);
        assert!(
            decided
                .new
                .iter()
                .all(|c| c.reservation == each && c.version_id == 7)
        );
        assert_eq!(decided.new[0].bank_id, Some(BankId(3)));
        assert_eq!(columns(&decided), vec![(4, "approved_won".to_owned())]);
        assert_eq!(decided.errors.total(), 1, "the budget is named once");
    }

    #[test]
    fn a_firm_over_its_limit_counting_its_open_cases_and_the_file_is_refused_on_the_amount() {
        let catalog = catalog();
        let mut known = known(2_000_000_000);
        known.firms.insert(
            firm(1).to_string(),
            FirmSummary {
                firm_id: FirmId(9),
                name: "기업1".into(),
                district: "연수구".into(),
                corporate_no: None,
            },
        );
        known
            .open_won
            .insert((JUMPUP.to_owned(), FirmId(9)), 400_000_000);
        // 400 stored + 500 in the file fits 1,000,000,000; 100,000,001 more does not.
        let p = parsed(vec![
            record(2, "G-1", 1, 500_000_000),
            record(3, "G-2", 1, 100_000_001),
            record(4, "G-3", 1, 100_000_000),
        ]);
        let decided = decide(&catalog, &p, &known, |_| {});
        assert_eq!(columns(&decided), vec![(3, "approved_won".to_owned())]);
        assert_eq!(
            decided.new.len(),
            2,
            "the row after the refused one still fits"
        );
    }

    #[test]
    fn a_stored_case_repeated_is_skipped_and_contradicted_is_refused() {
        let catalog = catalog();
        let mut known = known(2_000_000_000);
        let same = record(2, "G-1", 1, 500_000_000);
        known.firms.insert(
            firm(1).to_string(),
            FirmSummary {
                firm_id: FirmId(9),
                name: same.firm_name.clone(),
                district: same.district.clone(),
                corporate_no: None,
            },
        );
        known.stored.insert(
            "G-1".into(),
            CaseRow {
                case_id: CaseId(41),
                program_id: JUMPUP.into(),
                firm_id: FirmId(9),
                state: State::GuaranteeIssued,
                requested_won: 500_000_000,
                grade: Some("BBB".into()),
                coverage_pct: Some(same.coverage.to_string()),
                base_fee_rate_pct: Some(same.base_fee_rate.to_string()),
                approved_won: Some(500_000_000),
                bank_code: Some("003".into()),
                program_version_id: Some(7),
                decided_on: Some(date("2025-09-01")),
                waitlist_seq: None,
                guarantee_no: Some("G-1".into()),
            },
        );
        let other = record(3, "G-1", 1, 400_000_000);
        let p = parsed(vec![same, other]);
        let decided = decide(&catalog, &p, &known, |_| {});
        assert_eq!(decided.skipped, 1);
        assert!(decided.new.is_empty());
        assert_eq!(columns(&decided), vec![(3, "guarantee_no".to_owned())]);
    }

    #[test]
    fn rows_are_refused_on_the_column_at_fault() {
        let catalog = catalog();
        let mut unknown_programme = record(2, "G-1", 1, 1);
        unknown_programme.program = "nowhere".into();
        let mut before_the_programme = record(3, "G-2", 2, 1);
        before_the_programme.decided_on = date("2025-01-01");
        let mut coverage = record(4, "G-3", 3, 1);
        coverage.coverage = Pct::parse("80").expect("a coverage");
        let mut district = record(5, "G-4", 4, 1);
        district.district = "해운대구".into();
        let mut bank = record(6, "G-5", 5, 1);
        bank.bank = BankCode::parse("999");
        let p = parsed(vec![
            unknown_programme,
            before_the_programme,
            coverage,
            district,
            bank,
        ]);
        let decided = decide(&catalog, &p, &known(2_000_000_000), |_| {});
        let expected = [
            "program",
            "decided_on",
            "coverage_pct",
            "district",
            "bank_code",
        ];
        assert_eq!(
            columns(&decided),
            (2..)
                .zip(expected)
                .map(|(r, c)| (r, c.to_owned()))
                .collect::<Vec<_>>()
        );
        assert!(decided.new.is_empty());
    }

    #[test]
    fn waitlisted_cases_refuse_the_file_named_once_and_the_readers_problems_are_kept() {
        let catalog = catalog();
        let mut known = known(2_000_000_000);
        known.waiting.insert(JUMPUP.into());
        let mut p = parsed(vec![record(2, "G-1", 1, 1), record(3, "G-2", 2, 1)]);
        p.errors.push(row_error(4, "grade", "no such grade"));
        let decided = decide(&catalog, &p, &known, |_| {});
        assert!(decided.new.is_empty());
        assert_eq!(
            columns(&decided),
            vec![(2, "program".to_owned()), (4, "grade".to_owned())]
        );
        assert!(decided.refuse_if_any().is_err());
    }
}
