//! The budget (RULES.md 6.4): the appropriation posted when a programme version is stored
//! approved, City top-ups (which clear overruns first and then promote the waitlist), the
//! balances, and the ledger check.

use chrono::{DateTime, Utc};
use jumpup_domain::ids::CaseId;
use jumpup_domain::ledger::{Account, Posting, PostingKind, Violation, check_balances};
use jumpup_domain::money::Won;
use jumpup_domain::workflow::Role;
use jumpup_store::{StoreError, Tx, audit, ledger};
use serde_json::json;

use super::in_write_tx;
use super::{Field, Reason, Result, ServiceError, Services, actor, entry, require_role};

/// Who may top up a budget.
pub const TOP_UP_ROLES: &[Role] = &[Role::City];
/// Who reads the budget, the ledger check and the officials' overview.
pub const BUDGET_READERS: &[Role] = &[Role::City, Role::Tp, Role::Kibo, Role::Auditor];

/// Posts the appropriation a version calls for beyond what earlier versions appropriated.
pub(crate) async fn fund_appropriation(
    tx: &mut Tx,
    program_id: &str,
    in_force_from: &str,
    budget: Won,
    at: DateTime<Utc>,
) -> Result<()> {
    let so_far = ledger::kind_total(tx, program_id, PostingKind::Appropriation).await?;
    if budget > so_far {
        let amount = budget.checked_sub(so_far).expect("invariant: bounded");
        let posting = Posting::new(
            format!("appropriation:{program_id}@{in_force_from}"),
            PostingKind::Appropriation,
            amount,
        )
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        ledger::post(tx, program_id, &posting, None, at).await?;
    }
    Ok(())
}

/// One programme's balances, waitlist and check.
#[derive(Debug, Clone)]
pub struct ProgramBudget {
    pub program_id: String,
    pub balances: Vec<(Account, Won)>,
    pub check: std::result::Result<(), Violation>,
}

impl ProgramBudget {
    /// `{"program", "balances": {account: won}, "waitlist": [case ids]}`, as `budget show --json`
    /// and the API show it.
    pub fn to_json(&self, waitlist: &[jumpup_domain::ids::CaseId]) -> serde_json::Value {
        let balances: serde_json::Map<String, serde_json::Value> = self
            .balances
            .iter()
            .map(|(a, w)| (a.as_str().to_owned(), json!(w.get())))
            .collect();
        json!({ "program": self.program_id, "balances": balances, "waitlist": waitlist })
    }
}

/// The ledger check: every programme's balances against RULES.md 6.4's invariant, cases holding
/// a reservation their state should not hold, and postings whose accounts do not match their
/// kind.
#[derive(Debug, Clone)]
pub struct LedgerCheck {
    pub budgets: Vec<ProgramBudget>,
    pub misplaced: Vec<(CaseId, String, i64)>,
    pub inconsistent: Vec<String>,
    /// Every money row against the audit entry that wrote it (`jumpup_store::seal`).
    pub seals: jumpup_store::seal::Report,
}

/// The seal check as JSON: rows checked per table, the problems (at most
/// `seal::MAX_FINDINGS`, each naming its table, row and audit entry) and their total.
pub fn seals_json(report: &jumpup_store::seal::Report) -> serde_json::Value {
    json!({
        "ok": report.ok(),
        "rows": report.rows.iter().map(|(t, n)| json!({"table": t, "rows": n})).collect::<Vec<_>>(),
        "problems": report.findings.iter().map(|f| json!({
            "code": f.problem.code(),
            "table": f.table,
            "row": f.row.as_ref().map(ToString::to_string),
            "audit_entry": f.entry,
            "message": f.to_string(),
        })).collect::<Vec<_>>(),
        "problems_total": report.findings_total,
    })
}

impl LedgerCheck {
    pub fn ok(&self) -> bool {
        self.budgets.iter().all(|b| b.check.is_ok())
            && self.misplaced.is_empty()
            && self.inconsistent.is_empty()
            && self.seals.ok()
    }

    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "ok": self.ok(),
            "programs": self.budgets.iter().map(|b| json!({
                "program": b.program_id,
                "balances": b.to_json(&[])["balances"],
                "violation": b.check.as_ref().err().map(ToString::to_string),
            })).collect::<Vec<_>>(),
            "misplaced_reservations": self.misplaced.iter().map(|(case_id, state, reserved)| json!({
                "case_id": case_id, "state": state, "reserved_won": reserved,
            })).collect::<Vec<_>>(),
            "inconsistent_postings": self.inconsistent,
            "seals": seals_json(&self.seals),
        })
    }
}

impl Services {
    /// The ledger check (see [`LedgerCheck`]).
    pub async fn ledger_check(&self) -> Result<LedgerCheck> {
        Ok(LedgerCheck {
            budgets: self.budgets().await?,
            misplaced: self.misplaced_reservations().await?,
            inconsistent: self.inconsistent_postings().await?,
            seals: jumpup_store::seal::verify(&self.db).await?,
        })
    }
}

impl Services {
    /// A City top-up: into `available`, clearing overruns first, then promoting the waitlist.
    ///
    /// `reference` (the City's own document number) identifies the top-up: the same top-up
    /// again changes nothing (`false`), so a retried request never credits twice; the same
    /// reference with another amount is refused.
    pub async fn top_up(
        &self,
        actor_name: &str,
        program_id: &str,
        amount: Won,
        reference: &str,
    ) -> Result<bool> {
        let reference = reference.trim();
        if reference.is_empty() || reference.len() > 100 {
            return Err(ServiceError::bad_input(
                Field::Reference,
                "must be 1 to 100 characters",
            ));
        }
        if amount <= Won::ZERO {
            return Err(ServiceError::bad_input(
                Field::Amount,
                "must be a positive integer",
            ));
        }
        in_write_tx!(self, |tx| {
            let (user, _) = actor(tx, actor_name).await?;
            require_role(&user, TOP_UP_ROLES, "top up a budget")?;
            let catalog = self.catalog_in(tx).await?;
            if catalog.get(program_id).is_none() {
                return Err(ServiceError::refused(
                    Reason::UnknownProgram,
                    format!("no approved programme {program_id}"),
                ));
            }
            let at = self.clock.now();
            let id = format!("top_up:{program_id}:{reference}");
            let posting = Posting::new(id.clone(), PostingKind::TopUp, amount)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let posted = ledger::post(tx, program_id, &posting, None, at)
                .await
                .map_err(|e| match e {
                    StoreError::Conflict { .. } => ServiceError::refused(
                        Reason::ReferenceReused,
                        format!("top-up {reference} exists with another amount"),
                    ),
                    other => other.into(),
                })?;
            if !posted {
                return Ok(false);
            }
            let overrun = ledger::balance(tx, program_id, Account::Overrun).await?;
            let clear = overrun.min(amount);
            if clear > Won::ZERO {
                let posting = Posting::new(format!("{id}:clear"), PostingKind::OverrunClear, clear)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                ledger::post(tx, program_id, &posting, None, at).await?;
            }
            let after = json!({ "posting_id": id, "amount_won": amount.get(), "overrun_cleared_won": clear.get() }).to_string();
            audit::append(
                tx,
                entry(
                    at,
                    Some(&user),
                    "budget.top_up",
                    format!("program:{program_id}"),
                    "null".into(),
                    after,
                ),
            )
            .await?;
            self.promote_waitlist(tx, &catalog, program_id, Some(&user), at)
                .await?;
            Ok(true)
        })
    }

    /// Every programme's balances with RULES.md 6.4's invariants checked.
    pub async fn budgets(&self) -> Result<Vec<ProgramBudget>> {
        Ok(ledger::balances(&self.db)
            .await?
            .into_iter()
            .map(|(program_id, balances)| {
                let check = check_balances(|a| {
                    balances
                        .iter()
                        .find(|(b, _)| *b == a)
                        .map_or(Won::ZERO, |(_, w)| *w)
                });
                ProgramBudget {
                    program_id,
                    balances,
                    check,
                }
            })
            .collect())
    }

    /// Cases holding a reservation their state should not hold, or a negative one.
    pub async fn misplaced_reservations(
        &self,
    ) -> Result<Vec<(jumpup_domain::ids::CaseId, String, i64)>> {
        Ok(ledger::misplaced_reservations(&self.db).await?)
    }

    /// Postings whose accounts do not match their kind.
    pub async fn inconsistent_postings(&self) -> Result<Vec<String>> {
        Ok(ledger::inconsistent_postings(&self.db).await?)
    }
}
