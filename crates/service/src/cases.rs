//! The case workflow applied: each command loads the case, asks the domain's state machine,
//! and persists its outcome with the budget postings and the audit entry, in one write
//! transaction. Waitlisted cases are promoted, in order, in the same transaction as whatever
//! frees budget (RULES.md 6.4).

pub use jumpup_store::cases::LoanView;

use chrono::{DateTime, Utc};
use jumpup_domain::date::Date;
use jumpup_domain::ids::{BatchId, CaseId};
use jumpup_domain::ledger::{Account, Move, Posting, PostingKind};
use jumpup_domain::money::Won;
use jumpup_domain::program::{Catalog, Program, Version};
use jumpup_domain::quote::{Quote, QuoteInput};
use jumpup_domain::workflow::{self, Actor, Command, Context, Outcome, Role, State};
use jumpup_store::cases::{self as store, CaseRow, CheckRow, LoanRow};
use jumpup_store::identity::User;
use jumpup_store::{StoreError, Tx, audit, identity, ledger, programs};
use serde_json::json;

use super::in_write_tx;
use super::{Field, Reason, Result, ServiceError, Services, actor, entry, require_role};

/// Who may open a case.
pub const OPEN_CASE_ROLES: &[Role] = &[Role::Firm];
/// Who reads cases and loans (each within their scope): everyone but administrators.
pub const CASE_READERS: &[Role] = &[
    Role::City,
    Role::Tp,
    Role::Kibo,
    Role::Auditor,
    Role::Bank,
    Role::Firm,
];

fn corrupt(what: String) -> ServiceError {
    StoreError::Corrupt(what).into()
}

/// A case's state and figures for the audit log and output (ids and amounts only).
pub fn case_json(row: &CaseRow) -> serde_json::Value {
    json!({
        "case_id": row.case_id,
        "program": row.program_id,
        "firm_id": row.firm_id.0,
        "state": row.state.as_str(),
        "requested_won": row.requested_won,
        "grade": row.grade,
        "coverage_pct": row.coverage_pct,
        "base_fee_rate_pct": row.base_fee_rate_pct,
        "approved_won": row.approved_won,
        "bank": row.bank_code,
        "program_version_id": row.program_version_id,
        "decided_on": row.decided_on.map(|d| d.to_string()),
        "waitlist_seq": row.waitlist_seq,
        "guarantee_no": row.guarantee_no,
    })
}

/// The version a case computes with: its pinned one, or the one in force on `day`.
async fn version_for(
    tx: &mut Tx,
    catalog: &Catalog,
    row: &CaseRow,
    day: Date,
) -> Result<(Option<i64>, Version)> {
    if let Some(id) = row.program_version_id {
        let stored = programs::by_id(tx, id)
            .await?
            .ok_or_else(|| corrupt(format!("programme version {id}")))?;
        let version = crate::catalog::version_from_content(&stored.content).map_err(corrupt)?;
        return Ok((Some(id), version));
    }
    let version = catalog
        .get(&row.program_id)
        .and_then(|p| p.version_on(day))
        .ok_or_else(|| {
            ServiceError::refused(
                Reason::NoVersionInForce,
                format!(
                    "{} has no approved version in force on {day}",
                    row.program_id
                ),
            )
        })?;
    Ok((None, version.clone()))
}

/// The stored id of the version in force on `day` (pinned at a decision).
async fn pin(tx: &mut Tx, program_id: &str, version: &Version) -> Result<i64> {
    let stored = programs::by_key(tx, program_id, version.in_force_from)
        .await?
        .ok_or_else(|| {
            corrupt(format!(
                "{program_id} {} is in force but not stored",
                version.in_force_from
            ))
        })?;
    Ok(stored.program_version_id)
}

/// Posts a case's budget movement under the next number of its postings.
async fn post_for_case(
    tx: &mut Tx,
    program_id: &str,
    case_id: CaseId,
    kind: PostingKind,
    amount: Won,
    at: DateTime<Utc>,
) -> Result<()> {
    if amount <= Won::ZERO {
        return Ok(());
    }
    let n = ledger::case_posting_count(tx, case_id).await? + 1;
    let posting = Posting::new(
        format!("case:{case_id}:{n}:{}", kind.as_str()),
        kind,
        amount,
    )
    .map_err(|e| corrupt(e.to_string()))?;
    ledger::post(tx, program_id, &posting, Some(case_id), at).await?;
    Ok(())
}

/// Moves a case's reservation to `target` (RULES.md 6.4, [`Move`]).
pub(crate) async fn set_reservation(
    tx: &mut Tx,
    row: &CaseRow,
    target: Won,
    at: DateTime<Utc>,
) -> Result<Move> {
    let current = ledger::case_reserved(tx, row.case_id).await?;
    let available = ledger::balance(tx, &row.program_id, Account::Available).await?;
    let moved = Move::new(current, target, available);
    for (kind, amount) in moved.postings() {
        post_for_case(tx, &row.program_id, row.case_id, kind, amount, at).await?;
    }
    Ok(moved)
}

/// A command applied: the case as it now stands, and any overrun it booked (RULES.md 6.4).
#[derive(Debug, Clone)]
pub struct Applied {
    pub row: CaseRow,
    pub overrun: Won,
}

impl Services {
    /// A firm user opens a draft case for its own firm.
    pub async fn new_case(
        &self,
        actor_name: &str,
        program_id: &str,
        requested: Won,
    ) -> Result<CaseRow> {
        if requested <= Won::ZERO {
            return Err(ServiceError::bad_input(
                Field::Requested,
                "must be a positive integer",
            ));
        }
        in_write_tx!(self, |tx| {
            let catalog = self.catalog_in(tx).await?;
            let (user, who) = actor(tx, actor_name).await?;
            require_role(&user, OPEN_CASE_ROLES, "open a case")?;
            let Actor::Firm(firm) = who else {
                unreachable!("invariant: a firm user acts as its firm")
            };
            let today = crate::korea_date(self.clock.now());
            if catalog
                .get(program_id)
                .and_then(|p| p.version_on(today))
                .is_none()
            {
                return Err(ServiceError::refused(
                    Reason::NoVersionInForce,
                    format!("{program_id} has no approved version in force today"),
                ));
            }
            let at = self.clock.now();
            let id = store::insert(tx, program_id, firm, requested.get(), at).await?;
            let row = store::get(tx, id).await?.ok_or(StoreError::NotFound)?;
            audit::append(
                tx,
                entry(
                    at,
                    Some(&user),
                    "case.new",
                    format!("case:{id}"),
                    "null".into(),
                    case_json(&row).to_string(),
                ),
            )
            .await?;
            Ok(row)
        })
    }

    /// Applies one workflow command to a case.
    pub async fn case_command(
        &self,
        actor_name: &str,
        case_id: CaseId,
        command: Command,
    ) -> Result<CaseRow> {
        in_write_tx!(self, |tx| {
            let catalog = self.catalog_in(tx).await?;
            let (user, who) = actor(tx, actor_name).await?;
            self.apply_command(tx, &catalog, &user, who, case_id, &command)
                .await
                .map(|applied| applied.row)
        })
    }

    /// Applies one workflow command in the caller's transaction, acting as `who` for `user`
    /// (a Technopark officer loading a bank's file acts in the bank's scope).
    pub(crate) async fn apply_command(
        &self,
        tx: &mut Tx,
        catalog: &Catalog,
        user: &User,
        who: Actor,
        case_id: CaseId,
        command: &Command,
    ) -> Result<Applied> {
        let mut row = store::get(tx, case_id).await?.ok_or_else(|| {
            ServiceError::refused(Reason::UnknownCase, format!("no case {case_id}"))
        })?;
        let before = case_json(&row);
        // FILES.md: a case imported without a lending bank gets the first bank that reports
        // its loan.
        if let (Command::ExecuteLoan(_), None, workflow::Actor::Bank(bank)) =
            (command, &row.bank_code, &who)
        {
            row.bank_code = Some(bank.as_str().to_owned());
        }
        let checks = store::checks(tx, case_id).await?;
        let case = crate::stored::workflow_case(&row, &checks)?;
        let at = self.clock.now();
        let today = crate::korea_date(at);
        let (pinned, version) = version_for(tx, catalog, &row, today).await?;
        let ctx = Context {
            today,
            limits: &version.params.limits,
            rules: &version.params.rules,
            firm_open_won: Won::new(
                store::firm_open_won(tx, &row.program_id, row.firm_id, case_id).await?,
            ),
            available_won: ledger::balance(tx, &row.program_id, Account::Available).await?,
            waitlist_nonempty: !store::waitlist(tx, &row.program_id).await?.is_empty(),
        };
        let outcome = workflow::decide(&case, &who, command, &ctx)?;
        let mut bank_id = match &case.selection {
            Some(s) => identity::bank_by_code(tx, s.bank).await?.map(|b| b.bank_id),
            None => None,
        };
        let mut released = false;
        let mut overrun = Won::ZERO;
        match &outcome {
            Outcome::Moved { state } => row.state = *state,
            Outcome::Selected { selection } => {
                bank_id = Some(
                    identity::bank_by_code(tx, selection.bank)
                        .await?
                        .ok_or_else(|| {
                            ServiceError::refused(
                                Reason::UnknownBank,
                                format!("no bank {}", selection.bank),
                            )
                        })?
                        .bank_id,
                );
                row.state = State::Selected;
                row.grade = Some(selection.grade.as_str().to_owned());
                row.coverage_pct = Some(selection.coverage.to_string());
                row.base_fee_rate_pct = Some(selection.base_fee_rate.to_string());
                row.approved_won = Some(selection.approved_amount.get());
                row.bank_code = Some(selection.bank.as_str().to_owned());
            }
            Outcome::Checked { check } => {
                let check = CheckRow {
                    item: check.item.as_str().to_owned(),
                    met: check.met,
                    evidence: check.evidence.clone(),
                };
                store::insert_check(tx, case_id, &check, user.user_id, at).await?;
            }
            Outcome::Approved {
                decided_on,
                reservation,
            } => {
                row.state = State::Approved;
                row.decided_on = Some(*decided_on);
                row.program_version_id = Some(match pinned {
                    Some(id) => id,
                    None => pin(tx, &row.program_id, &version).await?,
                });
                set_reservation(tx, &row, *reservation, at).await?;
            }
            Outcome::Waitlisted { .. } => {
                row.state = State::Waitlisted;
                row.waitlist_seq = Some(store::next_waitlist_seq(tx).await?);
            }
            Outcome::GuaranteeIssued { guarantee_no } => {
                row.state = State::GuaranteeIssued;
                row.guarantee_no = Some(guarantee_no.clone());
            }
            Outcome::LoanExecuted { terms, reservation } => {
                row.state = State::LoanExecuted;
                let loan = LoanRow {
                    case_id,
                    bank_id: bank_id
                        .ok_or_else(|| corrupt(format!("case {case_id} has no lending bank")))?,
                    loan_no: terms.loan_no.trim().to_owned(),
                    principal_won: terms.loan.principal().get(),
                    annual_rate_pct: terms.loan.annual_rate().to_string(),
                    executed_on: terms.loan.executed_on(),
                    maturity_on: terms.loan.maturity_on(),
                };
                store::insert_loan(tx, &loan, at)
                    .await
                    .map_err(|e| match e {
                        StoreError::Conflict { .. } => ServiceError::refused(
                            Reason::LoanNoExists,
                            format!("the bank already has loan {}", loan.loan_no),
                        ),
                        other => other.into(),
                    })?;
                let moved = set_reservation(tx, &row, *reservation, at).await?;
                released = moved.release > Won::ZERO;
                overrun = moved.overrun;
            }
            Outcome::Ended { state } => {
                row.state = *state;
                row.waitlist_seq = None;
                released = set_reservation(tx, &row, Won::ZERO, at).await?.release > Won::ZERO
                    || case.state == State::Waitlisted;
            }
        }
        store::update(tx, &row, bank_id, at)
            .await
            .map_err(|e| match e {
                StoreError::Conflict { .. } => ServiceError::refused(
                    Reason::GuaranteeNoExists,
                    "that guarantee number is already used",
                ),
                other => other.into(),
            })?;
        let action = format!("case.{}", command.name());
        // What changed beyond the case's columns: the answer recorded, the loan, and the
        // reservation the case now holds.
        let mut after = case_json(&row);
        after["reserved_won"] = json!(ledger::case_reserved(tx, case_id).await?.get());
        match &outcome {
            Outcome::Checked { check } => {
                after["check"] = json!({ "item": check.item.as_str(), "met": check.met, "evidence": check.evidence });
            }
            Outcome::LoanExecuted { terms, .. } => {
                after["loan"] = json!({
                    "loan_no": terms.loan_no,
                    "principal_won": terms.loan.principal().get(),
                    "annual_rate_pct": terms.loan.annual_rate().to_string(),
                    "executed_on": terms.loan.executed_on().to_string(),
                    "maturity_on": terms.loan.maturity_on().to_string(),
                });
            }
            _ => {}
        }
        let mut record = entry(
            at,
            Some(user),
            &action,
            format!("case:{case_id}"),
            before.to_string(),
            after.to_string(),
        );
        if let Command::Reject { reason } = command {
            record.reason = reason.clone();
        }
        audit::append(tx, record).await?;
        if released {
            self.promote_waitlist(tx, catalog, &row.program_id, Some(user), at)
                .await?;
        }
        Ok(Applied { row, overrun })
    }

    /// Promotes waitlisted cases strictly in order while the next one fits; a case that does
    /// not fit blocks those behind it (RULES.md 6.4). Returns how many were promoted.
    pub(crate) async fn promote_waitlist(
        &self,
        tx: &mut Tx,
        catalog: &Catalog,
        program_id: &str,
        user: Option<&User>,
        at: DateTime<Utc>,
    ) -> Result<usize> {
        let today = crate::korea_date(at);
        let Some(version) = catalog.get(program_id).and_then(|p| p.version_on(today)) else {
            return Ok(0);
        };
        let mut promoted = 0;
        for mut row in store::waitlist(tx, program_id).await? {
            let case = crate::stored::workflow_case(&row, &store::checks(tx, row.case_id).await?)?;
            let available = ledger::balance(tx, program_id, Account::Available).await?;
            let Some(Outcome::Approved {
                decided_on,
                reservation,
            }) = workflow::promote(&case, &version.params.rules, today, available)
            else {
                break;
            };
            let before = case_json(&row);
            row.state = State::Approved;
            row.decided_on = Some(decided_on);
            row.waitlist_seq = None;
            row.program_version_id = Some(pin(tx, program_id, version).await?);
            set_reservation(tx, &row, reservation, at).await?;
            let bank_id = match &case.selection {
                Some(s) => identity::bank_by_code(tx, s.bank).await?.map(|b| b.bank_id),
                None => None,
            };
            store::update(tx, &row, bank_id, at).await?;
            audit::append(
                tx,
                entry(
                    at,
                    user,
                    "case.promote",
                    format!("case:{}", row.case_id),
                    before.to_string(),
                    case_json(&row).to_string(),
                ),
            )
            .await?;
            promoted += 1;
        }
        Ok(promoted)
    }
}

/// A case's loan and its events as reported (cancelled ones marked).
#[derive(Debug, Clone)]
pub struct LoanDetail {
    pub loan: store::LoanView,
    pub events: Vec<jumpup_store::events::StoredEvent>,
}

/// Everything a case page shows, from one logged read of the case: the case, its firm (for
/// those who may read firms), its eligibility checks, its timeline from the audit log, its
/// loan and events, its claims and payments line by line, its quote and its documents.
#[derive(Debug)]
pub struct CaseView {
    pub row: CaseRow,
    pub firm: Option<jumpup_store::identity::Firm>,
    pub checks: Vec<CheckRow>,
    pub timeline: Vec<jumpup_domain::audit::Entry>,
    pub loan: Option<LoanDetail>,
    /// (batch id, batch state, through, line).
    pub lines: Vec<(
        BatchId,
        jumpup_domain::settlement::BatchState,
        Date,
        jumpup_store::settlement::LineRow,
    )>,
    /// The loan's quote from its stored history (none before the loan).
    pub quote: Option<CaseQuote>,
    /// The case's documents, for those who may read them (none for the others).
    pub documents: Option<Vec<jumpup_store::documents::Document>>,
}

/// Whose cases and loans a user may read (RULES.md 8); admins none.
fn case_scope(user: &User) -> Result<store::ListScope> {
    require_role(user, CASE_READERS, "read cases and loans")?;
    Ok(match super::actor_of(user)? {
        Actor::Firm(f) => store::ListScope::Firm(f),
        Actor::Bank(b) => store::ListScope::Bank(b.as_str().to_owned()),
        _ => store::ListScope::All,
    })
}

impl Services {
    /// How many of the cases `actor_name` may see are in each state, in workflow order
    /// (counts carry no firm data, so nothing is written to the access log).
    pub async fn case_counts(&self, actor_name: &str) -> Result<Vec<(State, i64)>> {
        let scope = case_scope(&self.reader(actor_name).await?)?;
        let mut counts = store::count_by_state(&self.db, scope).await?;
        counts.sort_by_key(|(s, _)| State::ALL.iter().position(|a| a == s));
        Ok(counts)
    }

    /// The cases `actor_name` may see (RULES.md 8): everything for city, tp, kibo and
    /// auditors; a bank its own loans' cases; a firm its own; admins none.
    pub async fn read_cases(
        &self,
        actor_name: &str,
        case_id: Option<CaseId>,
        state: Option<State>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<CaseRow>> {
        let user = self.reader(actor_name).await?;
        let action = if case_id.is_some() {
            "case.show"
        } else {
            "case.list"
        };
        self.read_cases_logged(&user, case_id, state, None, after, limit, action)
            .await
    }

    /// The case list's page: the cases `actor_name` may see, optionally one state's and one
    /// programme's, in id order after `after` (logged as `case.list`).
    pub async fn list_cases(
        &self,
        actor_name: &str,
        state: Option<State>,
        program: Option<&str>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<CaseRow>> {
        let user = self.reader(actor_name).await?;
        self.read_cases_logged(&user, None, state, program, after, limit, "case.list")
            .await
    }

    /// A case's loan with every event reported on it, cancelled ones too, for whoever may
    /// read the case (logged as `loan.show`).
    pub async fn read_loan(&self, actor_name: &str, case_id: CaseId) -> Result<LoanDetail> {
        let user = self.reader(actor_name).await?;
        self.read_cases_logged(&user, Some(case_id), None, None, 0, 1, "loan.show")
            .await?;
        let loan = store::loan_view_of_case(&self.db, case_id)
            .await?
            .ok_or_else(|| {
                ServiceError::refused(
                    Reason::NoLoan,
                    format!("case {case_id} has no executed loan"),
                )
            })?;
        let events = jumpup_store::events::history_of_loan(&self.db, loan.loan_id).await?;
        Ok(LoanDetail { loan, events })
    }

    /// A case as its page shows it, for whoever may read the case (logged as `case.show`, and
    /// the firm's record as `firm.show` for those who may read it; a bank does not).
    pub async fn read_case_view(&self, actor_name: &str, case_id: CaseId) -> Result<CaseView> {
        let user = self.reader(actor_name).await?;
        let row = self
            .read_cases_logged(&user, Some(case_id), None, None, 0, 1, "case.show")
            .await?
            .remove(0);
        let firm = match self.read_firm(&user.name, row.firm_id).await {
            Ok(firm) => Some(firm),
            Err(ServiceError::Refused { .. }) => None,
            Err(e) => return Err(e),
        };
        let mut tx = self.db.begin_read().await?;
        let checks = store::checks(&mut tx, case_id).await?;
        drop(tx);
        let timeline = audit::of_subject(&self.db, &format!("case:{case_id}")).await?;
        let loan = match store::loan_view_of_case(&self.db, case_id).await? {
            Some(loan) => Some(LoanDetail {
                events: jumpup_store::events::history_of_loan(&self.db, loan.loan_id).await?,
                loan,
            }),
            None => None,
        };
        let lines = jumpup_store::settlement::lines_of_case(&self.db, case_id).await?;
        let quote = match &loan {
            Some(_) => Some(self.quote_of(&row).await?),
            None => None,
        };
        let documents = if super::documents::DOCUMENT_READERS.contains(&user.role) {
            Some(jumpup_store::documents::of_case(&self.db, case_id).await?)
        } else {
            None
        };
        Ok(CaseView {
            row,
            firm,
            checks,
            timeline,
            loan,
            lines,
            quote,
            documents,
        })
    }

    /// Loans in id order, a page at a time: a bank its own, a firm its own, city, tp, kibo
    /// and auditors all; admins none. Logged per case as `loan.list`.
    pub async fn read_loans(
        &self,
        actor_name: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<store::LoanView>> {
        let user = self.reader(actor_name).await?;
        let scope = case_scope(&user)?;
        let loans = store::loans_page(&self.db, scope, after, limit.clamp(1, 200)).await?;
        self.log_reads(&user, "loan.list", "case", loans.iter().map(|l| l.case_id))
            .await?;
        Ok(loans)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn read_cases_logged(
        &self,
        user: &User,
        case_id: Option<CaseId>,
        state: Option<State>,
        program: Option<&str>,
        after: i64,
        limit: i64,
        action: &str,
    ) -> Result<Vec<CaseRow>> {
        let who = super::actor_of(user)?;
        let scope = case_scope(user)?;
        let rows = match case_id {
            Some(id) => store::get_read(&self.db, id).await?.into_iter().collect(),
            None => {
                store::list(&self.db, scope, state, program, after, limit.clamp(1, 200)).await?
            }
        };
        let visible: Vec<CaseRow> = rows
            .into_iter()
            .filter(|r| match who {
                Actor::Firm(f) => r.firm_id == f,
                Actor::Bank(b) => {
                    r.bank_code.as_deref() == Some(b.as_str())
                        && matches!(
                            r.state,
                            State::GuaranteeIssued
                                | State::LoanExecuted
                                | State::Completed
                                | State::Terminated
                        )
                }
                _ => true,
            })
            .collect();
        if let Some(id) = case_id
            && visible.is_empty()
        {
            return Err(ServiceError::refused(
                Reason::UnknownCase,
                format!("no case {id} that this user may see"),
            ));
        }
        self.log_reads(user, action, "case", visible.iter().map(|r| r.case_id))
            .await?;
        Ok(visible)
    }
}

impl Services {
    /// The ids of a programme's waitlisted cases, in order (no firm data).
    pub async fn read_waitlist(&self, program_id: &str) -> Result<Vec<CaseId>> {
        let mut tx = self.db.begin_read().await?;
        let ids = store::waitlist(&mut tx, program_id)
            .await?
            .iter()
            .map(|r| r.case_id)
            .collect();
        drop(tx);
        Ok(ids)
    }
}

/// A case's quote with what produced it: the programme and its pinned version.
#[derive(Debug)]
pub struct CaseQuote {
    pub program: Program,
    pub version: Version,
    pub quote: Quote,
    pub input: QuoteInput,
}
