//! Bulk imports (FILES.md "Importing"): all or nothing in one transaction; every bad row
//! reported with its row number, column and reason; rows identified by natural keys, so the
//! same file again stores nothing new; one audit entry listing what the file created, with a
//! digest of its rows.

use std::collections::HashMap;

use jumpup_domain::district;
use jumpup_domain::guarantee::GuaranteeTerms;
use jumpup_domain::ledger::{Account, Posting, PostingKind};
use jumpup_domain::money::Won;
use jumpup_domain::regno::BusinessNumber;
use jumpup_domain::workflow::{FirmId, Role, reservation_at_approval};
use jumpup_store::cases::{self as store, DecidedCase};
use jumpup_store::identity::{self, NewFirm};
use jumpup_store::{StoreError, audit, ledger, programs};
use serde::Serialize;
use serde_json::json;

use super::in_write_tx;
use super::{Result, ServiceError, Services, actor, entry, require_role};
use crate::interchange::RowError;
use crate::interchange::cases::CaseRecord;

/// FILES.md's import report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub stored: usize,
    pub skipped: usize,
    pub warnings: Vec<String>,
    pub errors: Vec<RowError>,
}

fn row_error(row: usize, column: &str, message: impl Into<String>) -> RowError {
    RowError {
        row,
        column: column.to_owned(),
        message: message.into(),
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
        form_errors: Vec<RowError>,
        warnings: Vec<String>,
        digest: &str,
    ) -> Result<ImportReport> {
        let catalog = self.catalog().await?;
        in_write_tx!(self, |tx| {
            let (user, _) = actor(tx, actor_name).await?;
            require_role(&user, &[Role::Tp], "import decided cases")?;
            let at = self.clock.now();
            let mut errors = form_errors.clone();
            let mut available: HashMap<String, Won> = HashMap::new();
            let mut firm_in_file: HashMap<(String, BusinessNumber), Won> = HashMap::new();
            let mut over_committed: HashMap<String, bool> = HashMap::new();
            let mut to_store = Vec::new();
            let mut skipped = 0;
            for r in records {
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
                if let Some(stored) = store::by_guarantee_no(tx, &r.guarantee_no).await? {
                    let firm = identity::firm_by_business_no(tx, r.business_no).await?;
                    let same = firm.is_some_and(|f| f.firm_id == stored.firm_id)
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
                let stored_open = match identity::firm_by_business_no(tx, r.business_no).await? {
                    Some(f) => Won::new(store::firm_open_won(tx, &r.program, f.firm_id, 0).await?),
                    None => Won::ZERO,
                };
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
                to_store.push((r, version.in_force_from, reservation));
            }
            if !errors.is_empty() {
                errors.sort_by_key(|e| e.row);
                return Err(ServiceError::Import(ImportReport {
                    stored: 0,
                    skipped,
                    warnings: warnings.clone(),
                    errors,
                }));
            }
            let mut created = Vec::with_capacity(to_store.len());
            for (r, in_force_from, reservation) in &to_store {
                let firm_id: FirmId = match identity::firm_by_business_no(tx, r.business_no).await?
                {
                    Some(f) => f.firm_id,
                    None => {
                        let firm = NewFirm {
                            business_no: r.business_no,
                            corporate_no: r.corporate_no,
                            name: r.firm_name.clone(),
                            address: String::new(),
                            district: r.district.clone(),
                            industry_code: String::new(),
                        };
                        identity::insert_firm(tx, &firm, at).await?
                    }
                };
                let bank_id = match r.bank {
                    Some(code) => Some(
                        identity::bank_by_code(tx, code)
                            .await?
                            .ok_or_else(|| {
                                ServiceError::Import(ImportReport {
                                    errors: vec![row_error(
                                        r.row,
                                        "bank_code",
                                        format!("no partner bank {code}"),
                                    )],
                                    ..ImportReport::default()
                                })
                            })?
                            .bank_id,
                    ),
                    None => None,
                };
                let version_id = programs::by_key(tx, &r.program, *in_force_from)
                    .await?
                    .ok_or_else(|| {
                        StoreError::Corrupt(format!(
                            "{} {in_force_from} is in force but not stored",
                            r.program
                        ))
                    })?
                    .program_version_id;
                let case_id = store::insert_decided(
                    tx,
                    &DecidedCase {
                        program_id: &r.program,
                        firm_id,
                        approved_won: r.approved.get(),
                        grade: r.grade.as_str(),
                        coverage_pct: r.coverage.to_string(),
                        base_fee_rate_pct: r.base_fee_rate.to_string(),
                        bank_id,
                        program_version_id: version_id,
                        decided_on: r.decided_on,
                        guarantee_no: &r.guarantee_no,
                    },
                    at,
                )
                .await?;
                if *reservation > Won::ZERO {
                    let posting = Posting::new(
                        format!("case:{case_id}:1:reserve"),
                        PostingKind::Reserve,
                        *reservation,
                    )
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    ledger::post(tx, &r.program, &posting, Some(case_id), at).await?;
                }
                created.push(case_id);
            }
            let after = json!({ "created_case_ids": created, "rows": records.len(), "skipped": skipped, "digest": digest }).to_string();
            audit::append(
                tx,
                entry(
                    at,
                    Some(&user),
                    "import.cases",
                    "file:cases".into(),
                    "null".into(),
                    after,
                ),
            )
            .await?;
            Ok(ImportReport {
                stored: created.len(),
                skipped,
                warnings: warnings.clone(),
                errors: Vec::new(),
            })
        })
    }
}
