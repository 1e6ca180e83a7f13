//! Bulk imports (FILES.md "Importing"): all or nothing in one transaction; every bad row
//! reported with its row number, column and reason; rows identified by natural keys, so the
//! same file again stores nothing new; one audit entry listing what the file created, with a
//! digest of its rows.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;

use jumpup_domain::district;
use jumpup_domain::guarantee::GuaranteeTerms;
use jumpup_domain::ledger::{Account, Move, Posting, PostingKind};
use jumpup_domain::money::Won;
use jumpup_domain::regno::BusinessNumber;
use jumpup_domain::workflow::{self, Context, Outcome, Role, State, reservation_at_approval};
use jumpup_store::cases::{self as store, DecidedCase, LoanRow};
use jumpup_store::identity::{self, NewFirm};
use jumpup_store::{StoreError, audit, ledger, programs};
use serde::Serialize;
use serde_json::json;

use super::in_write_tx;
use super::{Reason, Result, ServiceError, Services, actor, entry, require_role};
use crate::interchange::cases::CaseRecord;
use crate::interchange::{RowError, RowErrors};

/// FILES.md's import report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub stored: usize,
    pub skipped: usize,
    pub warnings: Vec<String>,
    /// The first problems by row (at most `interchange::MAX_REPORTED_ERRORS`).
    pub errors: Vec<RowError>,
    /// How many problems the file has, listed or not.
    pub errors_total: usize,
}

impl ImportReport {
    /// The report of a file refused for `errors`.
    pub fn refused(errors: RowErrors, skipped: usize, warnings: Vec<String>) -> ImportReport {
        ImportReport {
            stored: 0,
            skipped,
            warnings,
            errors_total: errors.total(),
            errors: errors.into_listed(),
        }
    }

    /// The report of a file refused as a whole (unreadable, too large).
    pub fn file_refused(error: RowError) -> ImportReport {
        ImportReport::refused(vec![error].into(), 0, Vec::new())
    }
}

fn row_error(row: usize, column: &str, message: impl Into<String>) -> RowError {
    RowError {
        row,
        column: column.to_owned(),
        message: message.into(),
    }
}

/// Whether a row of `bank` lies outside the actor's scope: a bank user loads only its own
/// bank's rows; the Technopark (and KIBO for events) any bank's (RULES.md 8).
fn outside_scope(
    who: jumpup_domain::workflow::Actor,
    bank: jumpup_domain::workflow::BankCode,
) -> bool {
    matches!(who, jumpup_domain::workflow::Actor::Bank(own) if own != bank)
}

/// Refuses a file with problems, listed by row; nothing it wrote is kept (the caller's
/// transaction rolls back).
fn refuse_if_any(errors: RowErrors, skipped: usize, warnings: &[String]) -> Result<()> {
    if errors.is_empty() {
        return Ok(());
    }
    Err(ServiceError::Import(ImportReport::refused(
        errors,
        skipped,
        warnings.to_vec(),
    )))
}

/// Records a stored file as one audit entry (`details` plus its counts) and reports it.
#[allow(clippy::too_many_arguments)]
async fn conclude(
    tx: &mut jumpup_store::Tx,
    user: &jumpup_store::identity::User,
    at: chrono::DateTime<chrono::Utc>,
    kind: &str,
    stored: usize,
    skipped: usize,
    warnings: Vec<String>,
    mut details: serde_json::Value,
) -> Result<ImportReport> {
    details["stored"] = json!(stored);
    details["skipped"] = json!(skipped);
    let action = format!("import.{kind}");
    audit::append(
        tx,
        entry(
            at,
            Some(user),
            &action,
            format!("file:{kind}"),
            "null".into(),
            details.to_string(),
        ),
    )
    .await?;
    Ok(ImportReport {
        stored,
        skipped,
        warnings,
        errors: Vec::new(),
        errors_total: 0,
    })
}

/// The kinds of bank and agency files (FILES.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Cases,
    Loans,
    Events,
    Claims,
}

impl FileKind {
    /// The roles that may load a file of this kind (RULES.md 8); rows outside a bank user's
    /// bank, and event kinds outside the reporter's, are refused row by row.
    pub fn importers(self) -> &'static [Role] {
        match self {
            FileKind::Cases => &[Role::Tp],
            FileKind::Loans | FileKind::Claims => &[Role::Tp, Role::Bank],
            FileKind::Events => &[Role::Tp, Role::Bank, Role::Kibo],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Cases => "cases",
            FileKind::Loans => "loans",
            FileKind::Events => "events",
            FileKind::Claims => "claims",
        }
    }
}

impl Services {
    /// Imports a file already read into rows: its form checked by the kind's reader (a file
    /// refused on its form is `ServiceError::Import` with the report), then stored all or
    /// nothing.
    pub async fn import_sheet(
        &self,
        actor_name: &str,
        kind: FileKind,
        sheet: crate::interchange::Sheet,
    ) -> Result<ImportReport> {
        use crate::interchange as files;
        let refused = |errors: Vec<RowError>| {
            ServiceError::Import(ImportReport::refused(errors.into(), 0, Vec::new()))
        };
        // The sheet's cells are dropped once parsed into records, before the database work.
        let digest = sheet.digest.clone();
        match kind {
            FileKind::Cases => {
                let p = files::cases::parse(&sheet).map_err(refused)?;
                drop(sheet);
                self.import_cases(actor_name, &p.records, p.errors, p.warnings, &digest)
                    .await
            }
            FileKind::Loans => {
                let p = files::loans::parse(&sheet).map_err(refused)?;
                drop(sheet);
                self.import_loans(actor_name, &p.records, p.errors, p.warnings, &digest)
                    .await
            }
            FileKind::Events => {
                let p = files::events::parse(&sheet).map_err(refused)?;
                drop(sheet);
                self.import_events(actor_name, &p.records, p.errors, p.warnings, &digest)
                    .await
            }
            FileKind::Claims => {
                let p = files::claims::parse(&sheet).map_err(refused)?;
                drop(sheet);
                self.import_claims(actor_name, &p.records, p.errors, p.warnings, &digest)
                    .await
            }
        }
    }
}

impl Services {
    /// Imports decided cases (`tp`): each row a case in state `guarantee_issued`, pinned to the
    /// version in force on its decision date, with its reservation. `form_errors` are the rows
    /// the reader refused; with any error, nothing is stored.
    pub async fn import_cases(
        &self,
        actor_name: &str,
        records: &[CaseRecord],
        form_errors: RowErrors,
        warnings: Vec<String>,
        digest: &str,
    ) -> Result<ImportReport> {
        in_write_tx!(self, |tx| {
            let catalog = self.catalog_in(tx).await?;
            let (user, _) = actor(tx, actor_name).await?;
            require_role(&user, FileKind::Cases.importers(), "import decided cases")?;
            let at = self.clock.now();
            // What the checks need, read once for the file's rows: stored cases by guarantee
            // number, firms, the firms' open amounts, the banks.
            let guarantees: Vec<String> = records.iter().map(|r| r.guarantee_no.clone()).collect();
            let stored_cases = store::by_guarantees(tx, &guarantees).await?;
            drop(guarantees);
            let business_nos: Vec<String> =
                records.iter().map(|r| r.business_no.to_string()).collect();
            let firms = identity::firms_by_business_no(tx, &business_nos).await?;
            drop(business_nos);
            let firm_ids: Vec<i64> = firms.values().map(|f| f.firm_id.0).collect();
            let open_won = store::open_won_of_firms(tx, &firm_ids).await?;
            let banks: HashMap<String, i64> = identity::bank_ids(tx).await?;
            let mut errors = form_errors.clone();
            let mut available: HashMap<String, Won> = HashMap::new();
            let mut firm_in_file: HashMap<(String, BusinessNumber), Won> = HashMap::new();
            let mut over_committed: HashMap<String, bool> = HashMap::new();
            let mut waitlist_checked: HashMap<String, bool> = HashMap::new();
            let mut version_ids: HashMap<(String, jumpup_domain::Date), i64> = HashMap::new();
            let mut to_store = Vec::new();
            let mut skipped = 0;
            for (i, r) in records.iter().enumerate() {
                self.report("checking rows", i + 1, records.len());
                let Some(version) = catalog
                    .get(&r.program)
                    .and_then(|p| p.version_on(r.decided_on))
                else {
                    let column = if catalog.get(&r.program).is_none() {
                        "program"
                    } else {
                        "decided_on"
                    };
                    errors.push(row_error(
                        r.row,
                        column,
                        format!(
                            "no approved version of {} in force on {}",
                            r.program, r.decided_on
                        ),
                    ));
                    continue;
                };
                let rules = &version.params.rules;
                if let Err(e) = GuaranteeTerms::check_coverage(r.coverage, &rules.guarantee) {
                    errors.push(row_error(r.row, "coverage_pct", e.to_string()));
                    continue;
                }
                if !district::exists_on(&r.district, r.decided_on) {
                    errors.push(row_error(
                        r.row,
                        "district",
                        format!(
                            "{} is not an Incheon district on {}",
                            r.district, r.decided_on
                        ),
                    ));
                    continue;
                }
                let bank_id = match r.bank {
                    Some(code) => match banks.get(code.as_str()) {
                        Some(id) => Some(*id),
                        None => {
                            errors.push(row_error(
                                r.row,
                                "bank_code",
                                format!("no partner bank {code}"),
                            ));
                            continue;
                        }
                    },
                    None => None,
                };
                let stored_firm = firms.get(&r.business_no.to_string());
                let firm = stored_firm.map(|f| f.firm_id);
                if let Some(stored) = stored_cases.get(&r.guarantee_no) {
                    let same_firm = stored_firm.is_some_and(|f| {
                        f.name == r.firm_name
                            && f.district == r.district
                            && f.corporate_no == r.corporate_no.map(|c| c.to_string())
                    });
                    let same_bank = r
                        .bank
                        .is_none_or(|b| stored.bank_code.as_deref() == Some(b.as_str()));
                    let same = firm == Some(stored.firm_id)
                        && same_firm
                        && same_bank
                        && stored.program_id == r.program
                        && stored.decided_on == Some(r.decided_on)
                        && stored.approved_won == Some(r.approved.get())
                        && stored.grade.as_deref() == Some(r.grade.as_str())
                        && stored.coverage_pct == Some(r.coverage.to_string())
                        && stored.base_fee_rate_pct == Some(r.base_fee_rate.to_string());
                    if same {
                        skipped += 1;
                    } else {
                        errors.push(row_error(
                            r.row,
                            "guarantee_no",
                            format!(
                                "contradicts the stored case {} with this guarantee number",
                                stored.case_id
                            ),
                        ));
                    }
                    continue;
                }
                // The per-firm limit (RULES.md 1), counting the firm's open cases and this file.
                let limits = &version.params.limits;
                let limit = if r.grade.is_a_or_above() {
                    limits.per_firm_won_grade_a_or_above
                } else {
                    limits.per_firm_won
                };
                let stored_open = firm
                    .and_then(|f| open_won.get(&(r.program.clone(), f)))
                    .map_or(Won::ZERO, |w| Won::new(*w));
                let key = (r.program.clone(), r.business_no);
                let in_file = firm_in_file.get(&key).copied().unwrap_or(Won::ZERO);
                let would_hold = stored_open
                    .checked_add(in_file)
                    .and_then(|w| w.checked_add(r.approved))
                    .expect("invariant: bounded");
                if would_hold > limit {
                    errors.push(row_error(
                        r.row,
                        "approved_won",
                        format!(
                            "the firm would hold {} won, above its limit of {} won",
                            would_hold.grouped(),
                            limit.grouped()
                        ),
                    ));
                    continue;
                }
                firm_in_file.insert(
                    key,
                    in_file.checked_add(r.approved).expect("invariant: bounded"),
                );
                // Waitlisted cases come first (RULES.md 6.4): no imported case passes them.
                if !waitlist_checked.contains_key(&r.program) {
                    let waiting = !store::waitlist(tx, &r.program).await?.is_empty();
                    waitlist_checked.insert(r.program.clone(), waiting);
                    if waiting {
                        errors.push(row_error(r.row, "program", format!(
                            "{} has waitlisted cases; decided cases cannot pass them (RULES.md 6.4)", r.program
                        )));
                    }
                }
                if waitlist_checked[&r.program] {
                    continue;
                }
                // The budget (RULES.md 6.4): the first row that does not fit refuses the file.
                let reservation = reservation_at_approval(rules, r.grade, r.approved, r.decided_on);
                let left = match available.get(&r.program) {
                    Some(w) => *w,
                    None => ledger::balance(tx, &r.program, Account::Available).await?,
                };
                if reservation > left {
                    if !over_committed
                        .insert(r.program.clone(), true)
                        .unwrap_or(false)
                    {
                        errors.push(row_error(r.row, "approved_won", format!(
                            "the file would over-commit the {} budget: this row reserves {} won, {} won are left",
                            r.program, reservation.grouped(), left.grouped()
                        )));
                    }
                    continue;
                }
                available.insert(
                    r.program.clone(),
                    left.checked_sub(reservation)
                        .expect("invariant: checked above"),
                );
                let version_key = (r.program.clone(), version.in_force_from);
                if !version_ids.contains_key(&version_key) {
                    let id = programs::by_key(tx, &r.program, version.in_force_from)
                        .await?
                        .ok_or_else(|| {
                            StoreError::Corrupt(format!(
                                "{} {} is in force but not stored",
                                r.program, version.in_force_from
                            ))
                        })?
                        .program_version_id;
                    version_ids.insert(version_key.clone(), id);
                }
                to_store.push((r, version_ids[&version_key], bank_id, reservation));
            }
            refuse_if_any(errors, skipped, &warnings)?;
            // New firms, then the cases, then their reservations, in multi-row statements.
            let mut new_firms: Vec<NewFirm> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for (r, ..) in &to_store {
                let key = r.business_no.to_string();
                if !firms.contains_key(&key) && seen.insert(key) {
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
            let mut firm_ids: HashMap<String, jumpup_domain::workflow::FirmId> =
                firms.iter().map(|(b, f)| (b.clone(), f.firm_id)).collect();
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
            let mut created_firms: Vec<i64> = new_firm_ids.iter().map(|(_, id)| id.0).collect();
            created_firms.sort_unstable();
            firm_ids.extend(new_firm_ids);
            let decided: Vec<DecidedCase<'_>> = to_store
                .iter()
                .map(|(r, version_id, bank_id, _)| DecidedCase {
                    program_id: &r.program,
                    firm_id: firm_ids[&r.business_no.to_string()],
                    approved_won: r.approved.get(),
                    grade: r.grade.as_str(),
                    coverage_pct: r.coverage.to_string(),
                    base_fee_rate_pct: r.base_fee_rate.to_string(),
                    bank_id: *bank_id,
                    program_version_id: *version_id,
                    decided_on: r.decided_on,
                    guarantee_no: &r.guarantee_no,
                })
                .collect();
            let mut case_ids: HashMap<String, i64> = HashMap::with_capacity(decided.len());
            self.write_in_slices(
                "storing cases",
                tx,
                "support_case",
                &decided,
                async |tx, slice| {
                    case_ids.extend(store::insert_decided_many(tx, slice, at).await?);
                    Ok(())
                },
            )
            .await?;
            let mut postings: HashMap<&str, Vec<(Posting, Option<i64>)>> = HashMap::new();
            let mut created = Vec::with_capacity(to_store.len());
            for (r, _, _, reservation) in &to_store {
                let case_id = case_ids[&r.guarantee_no];
                created.push(case_id);
                if *reservation > Won::ZERO {
                    let posting = Posting::new(
                        format!("case:{case_id}:1:reserve"),
                        PostingKind::Reserve,
                        *reservation,
                    )
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    postings
                        .entry(r.program.as_str())
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
            let report = conclude(
                tx,
                &user,
                at,
                "cases",
                created.len(),
                skipped,
                warnings.clone(),
                details,
            )
            .await?;
            super::pause_before_commit("import");
            Ok(report)
        })
    }
}

/// The column a loan row's refusal is about.
fn loan_column(code: &str) -> &'static str {
    match code {
        "above_approved_amount" => "principal_won",
        "executed_before_decision" | "executed_in_future" | "loan_deadline_passed" => "executed_on",
        "not_your_bank" => "bank_code",
        "loan_no_required" | "loan_no_exists" => "loan_no",
        _ => "guarantee_no",
    }
}

impl Services {
    /// Imports loan executions (FILES.md `loans`): a `bank` user its own bank's rows, a `tp`
    /// user any bank's (files the banks sent). Each row is decided by the workflow's loan
    /// execution (the rules of `loan execute`) with what it needs read once; the loans, the
    /// cases' states and the recomputed reservations (RULES.md 6.4) are written with multi-row
    /// statements, and the file's one audit entry lists its cases. An overrun is named in the
    /// report's warnings. All or nothing.
    pub async fn import_loans(
        &self,
        actor_name: &str,
        records: &[crate::interchange::loans::LoanRecord],
        form_errors: RowErrors,
        warnings: Vec<String>,
        digest: &str,
    ) -> Result<ImportReport> {
        use jumpup_domain::loan::Loan;
        use jumpup_domain::workflow::{Actor, Command, LoanTerms};
        in_write_tx!(self, |tx| {
            let catalog = self.catalog_in(tx).await?;
            let (user, who) = actor(tx, actor_name).await?;
            require_role(&user, FileKind::Loans.importers(), "import loans")?;
            let at = self.clock.now();
            let today = crate::korea_date(at);
            // What the checks need, read once for the file's rows: cases by guarantee number,
            // their loans, loan numbers taken, banks, pinned versions, budgets and what each
            // case holds.
            let guarantees: Vec<String> = records.iter().map(|r| r.guarantee_no.clone()).collect();
            let cases_by_g = store::by_guarantees(tx, &guarantees).await?;
            drop(guarantees);
            let file_cases: Vec<i64> = cases_by_g.values().map(|c| c.case_id).collect();
            let loans = store::loans_of_cases(tx, &file_cases).await?;
            drop(file_cases);
            let banks: HashMap<String, i64> = identity::bank_ids(tx).await?;
            let keys: Vec<(i64, String)> = records
                .iter()
                .filter_map(|r| Some((*banks.get(r.bank.as_str())?, r.loan_no.clone())))
                .collect();
            let mut loan_nos: HashSet<(i64, String)> =
                jumpup_store::events::cases_of_loan_nos(tx, &keys)
                    .await?
                    .into_keys()
                    .collect();
            drop(keys);
            let case_ids: Vec<i64> = records
                .iter()
                .filter_map(|r| cases_by_g.get(&r.guarantee_no).map(|c| c.case_id))
                .collect();
            let held: HashMap<i64, Won> = ledger::case_balances(tx, &case_ids)
                .await?
                .into_iter()
                .map(|(c, r, _)| (c, r))
                .collect();
            let mut versions = super::settle::Pinned::default();
            let mut budgets: HashMap<String, (Won, bool)> = HashMap::new();
            let mut errors = form_errors.clone();
            let mut warnings = warnings.clone();
            let mut stored = Vec::new();
            let mut new_loans = Vec::new();
            let mut moved: Vec<(i64, i64)> = Vec::new();
            let mut postings: BTreeMap<String, Vec<(Posting, Option<i64>)>> = BTreeMap::new();
            let mut released: BTreeSet<String> = BTreeSet::new();
            let mut seen: HashSet<i64> = HashSet::new();
            let mut skipped = 0;
            for (i, r) in records.iter().enumerate() {
                self.report("checking rows", i + 1, records.len());
                if outside_scope(who, r.bank) {
                    errors.push(row_error(
                        r.row,
                        "bank_code",
                        format!("{} is another bank's loan", r.bank),
                    ));
                    continue;
                }
                let Some(case) = cases_by_g.get(&r.guarantee_no) else {
                    errors.push(row_error(
                        r.row,
                        "guarantee_no",
                        format!("no case with guarantee {}", r.guarantee_no),
                    ));
                    continue;
                };
                let Some(&bank_id) = banks.get(r.bank.as_str()) else {
                    errors.push(row_error(
                        r.row,
                        "bank_code",
                        format!("no partner bank {}", r.bank),
                    ));
                    continue;
                };
                // The same loan again is skipped; another loan for the case contradicts it.
                if let Some(loan) = loans.get(&case.case_id) {
                    let same = loan.loan_no == r.loan_no
                        && loan.bank_id == bank_id
                        && loan.principal_won == r.principal.get()
                        && loan.annual_rate_pct == r.rate.to_string()
                        && loan.executed_on == r.executed_on
                        && loan.maturity_on == r.maturity_on;
                    if same {
                        skipped += 1;
                    } else {
                        errors.push(row_error(
                            r.row,
                            "guarantee_no",
                            format!("case {} already has another loan", case.case_id),
                        ));
                    }
                    continue;
                }
                if !seen.insert(case.case_id) {
                    errors.push(row_error(
                        r.row,
                        "guarantee_no",
                        format!("case {} has another loan in this file", case.case_id),
                    ));
                    continue;
                }
                if !loan_nos.insert((bank_id, r.loan_no.clone())) {
                    errors.push(row_error(
                        r.row,
                        "loan_no",
                        format!("{} already has loan {}", r.bank, r.loan_no),
                    ));
                    continue;
                }
                let loan = match Loan::new(r.principal, r.rate, r.executed_on, r.maturity_on) {
                    Ok(loan) => loan,
                    Err(e) => {
                        errors.push(row_error(r.row, "maturity_on", e.to_string()));
                        continue;
                    }
                };
                // FILES.md: a case imported without a lending bank gets the first bank that
                // reports its loan. The Technopark loads a row in that bank's scope.
                let mut row = case.clone();
                if row.bank_code.is_none() {
                    row.bank_code = Some(r.bank.as_str().to_owned());
                }
                let wcase = crate::stored::workflow_case(&row, &[])?;
                let Some(version_id) = row.program_version_id else {
                    errors.push(row_error(
                        r.row,
                        "guarantee_no",
                        format!("case {} has no decision", row.case_id),
                    ));
                    continue;
                };
                let version = versions.version(tx, version_id).await?;
                if !budgets.contains_key(&row.program_id) {
                    let available =
                        ledger::balance(tx, &row.program_id, Account::Available).await?;
                    let waiting = !store::waitlist(tx, &row.program_id).await?.is_empty();
                    budgets.insert(row.program_id.clone(), (available, waiting));
                }
                let budget = budgets.get_mut(&row.program_id).expect("inserted above");
                let ctx = Context {
                    today,
                    limits: &version.params.limits,
                    rules: &version.params.rules,
                    firm_open_won: Won::ZERO,
                    available_won: budget.0,
                    waitlist_nonempty: budget.1,
                };
                let command = Command::ExecuteLoan(LoanTerms {
                    loan_no: r.loan_no.clone(),
                    loan,
                });
                let reservation =
                    match workflow::decide(&wcase, &Actor::Bank(r.bank), &command, &ctx) {
                        Ok(Outcome::LoanExecuted { reservation, .. }) => reservation,
                        Ok(_) => {
                            return Err(StoreError::Corrupt(
                                "a loan execution decided otherwise".into(),
                            )
                            .into());
                        }
                        Err(refusal) => {
                            errors.push(row_error(
                                r.row,
                                loan_column(refusal.code()),
                                refusal.to_string(),
                            ));
                            continue;
                        }
                    };
                // RULES.md 6.4: the reservation recomputed for the real loan.
                let current = held.get(&row.case_id).copied().unwrap_or(Won::ZERO);
                let change = Move::new(current, reservation, budget.0);
                budget.0 = change.available_after(budget.0);
                let list = postings.entry(row.program_id.clone()).or_default();
                for (kind, amount) in change.postings() {
                    let id = format!("case:{}:loan:{}", row.case_id, kind.as_str());
                    let p = Posting::new(id, kind, amount).expect("invariant: a positive posting");
                    list.push((p, Some(row.case_id)));
                }
                if change.release > Won::ZERO {
                    released.insert(row.program_id.clone());
                }
                if change.overrun > Won::ZERO {
                    warnings.push(format!(
                        "row {}: the loan's reservation exceeds the available budget by {} won, booked as an overrun",
                        r.row,
                        change.overrun.grouped()
                    ));
                }
                new_loans.push(LoanRow {
                    case_id: row.case_id,
                    bank_id,
                    loan_no: r.loan_no.trim().to_owned(),
                    principal_won: r.principal.get(),
                    annual_rate_pct: r.rate.to_string(),
                    executed_on: r.executed_on,
                    maturity_on: r.maturity_on,
                });
                moved.push((row.case_id, bank_id));
                stored.push(row.case_id);
            }
            refuse_if_any(errors, skipped, &warnings)?;
            self.write_in_slices(
                "storing loans",
                tx,
                "loan",
                &new_loans,
                async |tx, slice| Ok(store::insert_loans(tx, slice, at).await?),
            )
            .await?;
            self.write_in_slices(
                "moving cases",
                tx,
                "support_case",
                &moved,
                async |tx, slice| Ok(store::set_states(tx, State::LoanExecuted, slice, at).await?),
            )
            .await?;
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
            let details = json!({ "loans_for_cases": crate::catalog::ids_summary(&stored), "rows": records.len(), "digest": digest });
            // The file's own entry first: it seals the loans and postings written above; the
            // cases the released budget now reaches are promoted after it, each in its entry.
            let report = conclude(
                tx,
                &user,
                at,
                "loans",
                stored.len(),
                skipped,
                warnings.clone(),
                details,
            )
            .await?;
            for program in &released {
                self.promote_waitlist(tx, &catalog, program, Some(&user), at)
                    .await?;
            }
            Ok(report)
        })
    }
}

impl Services {
    /// Imports loan events (FILES.md `events`), in file order, each checked with the loan's
    /// stored events; who may report which kind is RULES.md 8's. All or nothing.
    pub async fn import_events(
        &self,
        actor_name: &str,
        records: &[crate::interchange::events::EventRecord],
        form_errors: RowErrors,
        warnings: Vec<String>,
        digest: &str,
    ) -> Result<ImportReport> {
        use super::events::{Reported, decide_event};
        use crate::interchange::events::LoanRef;
        use jumpup_store::events as stored_events;
        in_write_tx!(self, |tx| {
            let (user, who) = actor(tx, actor_name).await?;
            require_role(&user, FileKind::Events.importers(), "import events")?;
            let at = self.clock.now();
            let today = crate::korea_date(at);
            // Every row's loan and its stored events, read in bulk.
            let banks: HashMap<String, i64> = identity::bank_ids(tx).await?;
            let bank_id =
                |bank: &jumpup_domain::workflow::BankCode| banks.get(bank.as_str()).copied();
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
            // Each row's case, looked up once.
            let row_cases: Vec<Option<i64>> = records
                .iter()
                .map(|r| match &r.loan {
                    LoanRef::Bank { bank, loan_no } => {
                        bank_id(bank).and_then(|id| by_loan_no.get(&(id, loan_no.clone())).copied())
                    }
                    LoanRef::Guarantee(g) => by_guarantee.get(g).copied(),
                })
                .collect();
            let mut case_ids: Vec<i64> = row_cases.iter().flatten().copied().collect();
            case_ids.sort_unstable();
            case_ids.dedup();
            let mut loans = stored_events::records_of_cases(tx, &case_ids).await?;
            let mut errors = form_errors.clone();
            let mut new_events = Vec::new();
            let mut finished = BTreeMap::new();
            let mut skipped = 0;
            for (i, (r, case_id)) in records.iter().zip(row_cases).enumerate() {
                self.report("checking rows", i + 1, records.len());
                if let LoanRef::Bank { bank, .. } = &r.loan
                    && outside_scope(who, *bank)
                {
                    errors.push(row_error(
                        r.row,
                        "bank_code",
                        format!("{bank} is another bank's loan"),
                    ));
                    continue;
                }
                let Some(case_id) = case_id else {
                    errors.push(row_error(r.row, "loan_no", "no such loan"));
                    continue;
                };
                let Some(record) = loans.get_mut(&case_id) else {
                    errors.push(row_error(
                        r.row,
                        "guarantee_no",
                        "no executed loan has this guarantee",
                    ));
                    continue;
                };
                match decide_event(user.role, who, today, record, r.event, Some(r.seq)) {
                    Ok(Reported::New(row)) => {
                        if matches!(record.state, State::Completed | State::Terminated) {
                            finished.insert(case_id, record.loan_id);
                        }
                        new_events.push((record.loan_id, row));
                    }
                    Ok(Reported::Known) => skipped += 1,
                    Err(ServiceError::Refused { reason, message }) => {
                        let column = match reason {
                            Reason::EventInFuture => "on",
                            Reason::NotYourBank => "bank_code",
                            Reason::EventContradicts => "seq",
                            _ => "kind",
                        };
                        errors.push(row_error(r.row, column, message));
                    }
                    Err(other) => return Err(other),
                }
            }
            drop(loans);
            let stored = new_events.len();
            refuse_if_any(errors, skipped, &warnings)?;
            self.write_in_slices("storing events", tx, "loan_event", &new_events, async |tx, slice| {
                Ok(stored_events::insert_many(tx, slice, user.user_id, at).await?)
            })
            .await?;
            let details = json!({ "events": stored, "rows": records.len(), "digest": digest });
            // The file's own entry first: it seals the events written above; the cases they
            // finish are then reconciled, each in its own entry.
            let report = conclude(
                tx,
                &user,
                at,
                "events",
                stored,
                skipped,
                warnings.clone(),
                details,
            )
            .await?;
            for (case_id, loan_id) in finished {
                crate::finished::reconcile_finished(tx, Some(&user), case_id, loan_id, at).await?;
            }
            Ok(report)
        })
    }
}

impl Services {
    /// Imports claims (FILES.md `claims`): a `bank` user its own bank's, a `tp` user any bank's.
    /// The same claim again is skipped; a stored key with another amount or period end is an
    /// error (a correction is a higher `revision`). All or nothing.
    pub async fn import_claims(
        &self,
        actor_name: &str,
        records: &[crate::interchange::claims::ClaimRecord],
        form_errors: RowErrors,
        warnings: Vec<String>,
        digest: &str,
    ) -> Result<ImportReport> {
        use jumpup_store::claims::{self, ClaimRow};
        in_write_tx!(self, |tx| {
            let (user, who) = actor(tx, actor_name).await?;
            require_role(&user, FileKind::Claims.importers(), "import claims")?;
            let at = self.clock.now();
            let banks: HashMap<String, i64> = identity::bank_ids(tx).await?;
            let mut errors = form_errors.clone();
            let mut rows = Vec::with_capacity(records.len());
            let mut skipped = 0;
            for (i, r) in records.iter().enumerate() {
                self.report("checking rows", i + 1, records.len());
                if outside_scope(who, r.bank) {
                    errors.push(row_error(
                        r.row,
                        "bank_code",
                        format!("{} is another bank's claim", r.bank),
                    ));
                    continue;
                }
                let Some(&bank_id) = banks.get(r.bank.as_str()) else {
                    errors.push(row_error(
                        r.row,
                        "bank_code",
                        format!("no partner bank {}", r.bank),
                    ));
                    continue;
                };
                let row = ClaimRow {
                    bank_id,
                    loan_no: r.loan_no.clone(),
                    period_from: r.period_from,
                    period_to: r.period_to,
                    claimed_won: r.claimed.get(),
                    revision: r.revision,
                };
                rows.push((r.row, row));
            }
            // Keys already stored: the same claim is skipped, another one is an error.
            let keyed: Vec<ClaimRow> = rows.iter().map(|(_, row)| row.clone()).collect();
            let stored: HashMap<(i64, String, NaiveDate, i64), ClaimRow> =
                claims::existing(tx, &keyed)
                    .await?
                    .into_iter()
                    .map(|c| ((c.bank_id, c.loan_no.clone(), c.period_from, c.revision), c))
                    .collect();
            drop(keyed);
            let mut new_rows = Vec::with_capacity(rows.len());
            for (line, row) in rows {
                let key = (
                    row.bank_id,
                    row.loan_no.clone(),
                    row.period_from,
                    row.revision,
                );
                match stored.get(&key) {
                    Some(stored) if *stored == row => skipped += 1,
                    Some(_) => errors.push(row_error(
                        line,
                        "revision",
                        "contradicts the stored claim with this revision; send a higher revision",
                    )),
                    None => new_rows.push(row),
                }
            }
            refuse_if_any(errors, skipped, &warnings)?;
            self.write_in_slices(
                "storing claims",
                tx,
                "claim",
                &new_rows,
                async |tx, slice| Ok(claims::insert_many(tx, slice, user.user_id, at).await?),
            )
            .await?;
            let details =
                json!({ "claims": new_rows.len(), "rows": records.len(), "digest": digest });
            let report = conclude(
                tx,
                &user,
                at,
                "claims",
                new_rows.len(),
                skipped,
                warnings.clone(),
                details,
            )
            .await?;
            Ok(report)
        })
    }
}
