//! Monthly settlement (FILES.md `payments`, RULES.md 6.2–6.4): batches prepared by the
//! Technopark from the banks' claims, every claim recomputed from its loan's whole history under
//! the case's pinned version; approved by the City (maker-checker), which posts the ledger,
//! nets clawbacks against each bank's payments and releases finished cases.

pub use jumpup_store::settlement::BatchRow;

use jumpup_domain::ids::{BankId, BatchId, CaseId, LoanId};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;
use jumpup_domain::approval::{self, ApprovalInput, CaseMoney, Receivable};
use jumpup_domain::audit::Head;
use jumpup_domain::ledger::Account;
use jumpup_domain::loan::History;
use jumpup_domain::money::Won;
use jumpup_domain::program::Version;
use jumpup_domain::settlement::{self as domain, BatchState, Status};
use jumpup_domain::subsidy::{self, Subsidy};
use jumpup_domain::workflow::{self, Role, State};
use jumpup_store::settlement::{self as store, ClaimIn, LineRow, LoanCase, View};
use jumpup_store::{Tx, audit, cases, ledger, programs};
use serde::Serialize;
use serde_json::json;

use super::stored::{event_of, stored_grade_and_coverage, stored_loan};
use super::{
    Field, Progress, Reason, Result, ServiceError, Services, actor, entry, in_write_tx,
    require_role,
};
use jumpup_domain::subsidy::Ending;

/// Who may prepare a batch.
pub const PREPARE_ROLES: &[Role] = &[Role::Tp];
/// Who may reject a batch: the City, or its preparer (a `tp` user) withdrawing it.
pub const REJECT_ROLES: &[Role] = &[Role::City, Role::Tp];
/// Who may see settlements, their lines and their files.
pub const SETTLEMENT_READERS: &[Role] = &[Role::Tp, Role::City, Role::Auditor];
/// Who may approve a batch.
pub const APPROVE_ROLES: &[Role] = &[Role::City];

fn corrupt(what: String) -> ServiceError {
    jumpup_store::StoreError::Corrupt(what).into()
}

/// The view of "now": every event recorded and not cancelled.
pub(crate) const NOW: View = View {
    batch_id: BatchId(i64::MAX),
    event_mark: i64::MAX,
};

/// Stored programme versions by id, each read and parsed once (for work over many cases).
#[derive(Default)]
pub(crate) struct Pinned(HashMap<i64, Version>);

impl Pinned {
    pub(crate) async fn version(&mut self, tx: &mut Tx, version_id: i64) -> Result<&Version> {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.0.entry(version_id) {
            let stored = programs::by_id(tx, version_id)
                .await?
                .ok_or_else(|| corrupt(format!("programme version {version_id}")))?;
            slot.insert(crate::catalog::version_from_content(&stored.content).map_err(corrupt)?);
        }
        Ok(&self.0[&version_id])
    }

    /// The versions read, by id.
    pub(crate) fn into_map(self) -> HashMap<i64, Version> {
        self.0
    }
}

/// Loans' cases and how their subsidies end, by loan id.
type Endings = HashMap<LoanId, (LoanCase, Ending)>;

/// Loans read and computed this many at a time, so only their endings are held for all.
const LOANS_AT_ONCE: usize = 2_000;

/// What a long computation reports its progress to, and as which step.
type Report<'a> = (&'a dyn Progress, &'a str);

/// Each loan's case and subsidy as a batch at `view` sees them, `LOANS_AT_ONCE` loans at a
/// time, handed to `each` with, given `paid_before` (a batch id), what approved batches before
/// it paid for the case's periods (in period order).
pub(crate) async fn for_each_subsidy(
    tx: &mut Tx,
    loan_ids: &[LoanId],
    view: View,
    paid_before: Option<BatchId>,
    (progress, step): Report<'_>,
    mut each: impl FnMut(LoanCase, Subsidy, &[store::Paid]) -> Result<()>,
) -> Result<()> {
    let mut pinned = Pinned::default();
    let total = u64::try_from(loan_ids.len()).unwrap_or(u64::MAX);
    let mut done = 0u64;
    for chunk in loan_ids.chunks(LOANS_AT_ONCE) {
        done += u64::try_from(chunk.len()).unwrap_or(0);
        let loans = store::loan_cases(tx, chunk).await?;
        let mut events = store::events_of_loans(tx, chunk, view).await?;
        let mut paid: HashMap<CaseId, Vec<store::Paid>> = HashMap::new();
        if let Some(batch_id) = paid_before {
            let case_ids: Vec<CaseId> = loans.iter().map(|l| l.case_id).collect();
            for p in store::paid_of_cases(tx, &case_ids, batch_id).await? {
                paid.entry(p.case_id).or_default().push(p);
            }
        }
        for lc in loans {
            let bad = |what: &str| corrupt(format!("loan {}: {what}", lc.loan_id));
            let version_id = lc
                .program_version_id
                .ok_or_else(|| bad("its case pins no version"))?;
            let rules = &pinned.version(tx, version_id).await?.params.rules;
            let loan = stored_loan(
                lc.loan_id,
                lc.principal_won,
                &lc.annual_rate_pct,
                lc.executed_on,
                lc.maturity_on,
            )?;
            let (grade, coverage) = stored_grade_and_coverage(
                lc.case_id,
                lc.grade.as_deref(),
                lc.coverage_pct.as_deref(),
            )?;
            let list = events
                .remove(&lc.loan_id)
                .unwrap_or_default()
                .iter()
                .map(event_of)
                .collect::<Result<Vec<_>>>()?;
            let history = History::new(loan.principal(), loan.executed_on(), &list)
                .map_err(|e| bad(&format!("events: {e:?}")))?;
            let s = subsidy::subsidy(&rules.subsidy, grade, &loan, coverage, &history);
            let periods = paid.remove(&lc.case_id).unwrap_or_default();
            each(lc, s, &periods)?;
        }
        progress.at(step, done, total);
    }
    Ok(())
}

/// Each loan's case and how its subsidy ends, as things now stand.
async fn endings(tx: &mut Tx, loan_ids: &[LoanId], report: Report<'_>) -> Result<Endings> {
    let mut out = HashMap::with_capacity(loan_ids.len());
    for_each_subsidy(tx, loan_ids, NOW, None, report, |lc, s, _| {
        out.insert(lc.loan_id, (lc, Ending::of(&s)));
        Ok(())
    })
    .await?;
    Ok(out)
}

fn line_row(
    bank_id: BankId,
    loan_no: &str,
    case_id: Option<CaseId>,
    claim_id: Option<i64>,
    period_from: NaiveDate,
    period_to: NaiveDate,
    line: &domain::Line,
) -> LineRow {
    LineRow {
        line_no: 0,
        bank_id,
        loan_no: loan_no.to_owned(),
        case_id,
        claim_id,
        period_from,
        period_to: line.period_to.unwrap_or(period_to),
        claimed: line.claimed,
        computed: line.computed,
        paid_before: line.paid_before,
        payable: line.payable,
        status: line.status,
        reason: line.reason.map(|r| r.to_string()),
    }
}

/// The lines of batch `batch_id` seeing events at `view`: one per claim, then one per period
/// already paid (by approved batches before it) of the `recheck` loans that is now worth
/// another amount. Numbered in bank code, loan and period order; with the subsidies they came
/// from.
async fn compute_lines(
    tx: &mut Tx,
    batch_id: BatchId,
    view: View,
    claims: &[ClaimIn],
    recheck: &[LoanId],
    report: Report<'_>,
) -> Result<(Vec<LineRow>, Endings)> {
    let mut by_loan: HashMap<LoanId, Vec<&ClaimIn>> = HashMap::new();
    let mut lines = Vec::with_capacity(claims.len());
    for claim in claims {
        match claim.loan_id {
            Some(id) => by_loan.entry(id).or_default().push(claim),
            // No such loan: rejected as it stands.
            None => lines.push(claim_row(claim, None, None, Won::ZERO)),
        }
    }
    let recheck: HashSet<LoanId> = recheck.iter().copied().collect();
    let mut loan_ids: Vec<LoanId> = by_loan.keys().chain(&recheck).copied().collect();
    loan_ids.sort_unstable();
    loan_ids.dedup();
    let mut endings = HashMap::with_capacity(loan_ids.len());
    for_each_subsidy(
        tx,
        &loan_ids,
        view,
        Some(batch_id),
        report,
        |lc, s, periods| {
            let paid_for = |from: NaiveDate| {
                periods
                    .iter()
                    .find(|p| p.period_from == from)
                    .map_or(Won::ZERO, |p| Won::new(p.paid_won))
            };
            // A loan has a claim or two per batch: a list beats a set.
            let mut answered = Vec::new();
            for claim in by_loan.remove(&lc.loan_id).unwrap_or_default() {
                answered.push(claim.period_from);
                lines.push(claim_row(
                    claim,
                    Some(&lc),
                    Some(&s),
                    paid_for(claim.period_from),
                ));
            }
            if recheck.contains(&lc.loan_id) {
                for p in periods
                    .iter()
                    .filter(|p| !answered.contains(&p.period_from))
                {
                    if let Some(line) = domain::recheck_line(
                        Won::new(p.claimed_won),
                        p.period_from,
                        &s,
                        Won::new(p.paid_won),
                    ) {
                        lines.push(line_row(
                            lc.bank_id,
                            &lc.loan_no,
                            Some(lc.case_id),
                            None,
                            p.period_from,
                            p.period_to,
                            &line,
                        ));
                    }
                }
            }
            endings.insert(lc.loan_id, (lc, Ending::of(&s)));
            Ok(())
        },
    )
    .await?;
    // Claims whose loan is gone from the view: rejected as they stand.
    for claim in by_loan.into_values().flatten() {
        lines.push(claim_row(claim, None, None, Won::ZERO));
    }
    // Numbered by bank code, so a file lists each bank's lines together in line order.
    let codes: HashMap<BankId, String> = jumpup_store::identity::bank_ids(tx)
        .await?
        .into_iter()
        .map(|(code, id)| (id, code))
        .collect();
    let code = |bank_id: BankId| codes.get(&bank_id).map(String::as_str);
    lines.sort_by(|a, b| {
        (
            code(a.bank_id),
            &a.loan_no,
            a.period_from,
            a.claim_id.is_none(),
        )
            .cmp(&(
                code(b.bank_id),
                &b.loan_no,
                b.period_from,
                b.claim_id.is_none(),
            ))
    });
    for (i, line) in lines.iter_mut().enumerate() {
        line.line_no = i64::try_from(i).expect("invariant: line counts fit in i64") + 1;
    }
    Ok((lines, endings))
}

/// A claim's line: recomputed against its loan's subsidy, or rejected without one.
fn claim_row(
    claim: &ClaimIn,
    lc: Option<&LoanCase>,
    subsidy: Option<&Subsidy>,
    paid_before: Won,
) -> LineRow {
    let line = domain::claim_line(
        claim.claimed,
        claim.period_from,
        claim.period_to,
        subsidy,
        paid_before,
    );
    line_row(
        claim.bank_id,
        &claim.loan_no,
        lc.map(|lc| lc.case_id),
        Some(claim.claim_id),
        claim.period_from,
        claim.period_to,
        &line,
    )
}

/// A digest of a batch's lines, for its audit entries.
fn lines_digest(lines: &[LineRow]) -> String {
    jumpup_domain::digest::sha256_hex_parts(lines.iter().map(|l| {
        format!(
            "{}|{}|{}|{:?}|{:?}|{}|{}|{}|{}|{}|{}|{}\n",
            l.line_no,
            l.bank_id,
            l.loan_no,
            // As `Option<i64>` always wrote it: stored digests were taken over this text.
            l.case_id.map(|c| c.0),
            l.claim_id,
            l.period_from,
            l.period_to,
            l.claimed,
            l.computed,
            l.paid_before,
            l.payable,
            l.status
        )
    }))
}

/// A line's identity within its batch: its claim, or its case and period.
fn line_key(l: &LineRow) -> (Option<i64>, Option<CaseId>, NaiveDate) {
    match l.claim_id {
        Some(id) => (Some(id), None, l.period_from),
        None => (None, l.case_id, l.period_from),
    }
}

fn figures(l: &LineRow) -> (NaiveDate, Won, Won, Won, Won, Status) {
    (
        l.period_to,
        l.claimed,
        l.computed,
        l.paid_before,
        l.payable,
        l.status,
    )
}

fn describe(l: &LineRow) -> String {
    format!(
        "line {} (bank {}, loan {}, period from {}): claimed {}, computed {}, paid before {}, payable {}, {}",
        l.line_no,
        l.bank_id,
        l.loan_no,
        l.period_from,
        l.claimed,
        l.computed,
        l.paid_before,
        l.payable,
        l.status
    )
}

/// Differences between stored lines and fresh ones; with `complete`, fresh lines that are not
/// stored count too.
fn differences(stored: &[LineRow], fresh: &[LineRow], complete: bool) -> Vec<String> {
    let fresh_by: HashMap<_, &LineRow> = fresh.iter().map(|l| (line_key(l), l)).collect();
    let mut out = Vec::new();
    for s in stored {
        match fresh_by.get(&line_key(s)) {
            None => out.push(format!("{} is no longer owed", describe(s))),
            Some(f) if figures(f) != figures(s) => out.push(format!(
                "{} now gives: claimed {}, computed {}, paid before {}, payable {}, {}",
                describe(s),
                f.claimed,
                f.computed,
                f.paid_before,
                f.payable,
                f.status
            )),
            Some(_) => {}
        }
    }
    if complete {
        let stored_keys: HashSet<_> = stored.iter().map(line_key).collect();
        for f in fresh {
            if !stored_keys.contains(&line_key(f)) {
                out.push(format!("missing: {}", describe(f)));
            }
        }
    }
    out
}

/// A batch summarised: totals, and counts per status and per bank.
#[derive(Debug, Clone, Serialize)]
pub struct BatchSummary {
    pub batch_id: BatchId,
    #[serde(serialize_with = "state_name")]
    pub state: BatchState,
    pub through: NaiveDate,
    pub totals: Totals,
    pub by_status: BTreeMap<String, Totals>,
    pub by_bank: BTreeMap<String, Totals>,
    /// After approval: the audit head to keep outside the database as an anchor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_head: Option<String>,
    /// After approval: cases completed or terminated by it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub finished_cases: Vec<CaseId>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Totals {
    pub lines: i64,
    pub claimed_won: i64,
    pub computed_won: i64,
    /// The sum of the lines' payables: payments less clawbacks.
    pub payable_won: i64,
    /// The positive payables.
    pub paid_won: i64,
    /// The negative payables, as a positive amount.
    pub clawback_won: i64,
    /// Of an approved batch: clawbacks (this batch's or earlier) recovered from the payments.
    pub recovered_won: i64,
    /// Of an approved batch: what is transferred, the payments less what they recovered.
    pub transfer_won: i64,
}

impl Totals {
    fn add(&mut self, t: &store::Tally) {
        self.lines += t.lines;
        self.claimed_won += t.claimed_won;
        self.computed_won += t.computed_won;
        self.payable_won += t.payable_won;
        self.paid_won += t.paid_won;
        self.clawback_won += t.paid_won - t.payable_won;
    }
}

pub(crate) async fn summary(tx: &mut Tx, batch: &BatchRow) -> Result<BatchSummary> {
    let mut s = BatchSummary {
        batch_id: batch.batch_id,
        state: batch.state,
        through: batch.through_on,
        totals: Totals::default(),
        by_status: BTreeMap::new(),
        by_bank: BTreeMap::new(),
        audit_head: None,
        finished_cases: Vec::new(),
    };
    for t in store::tallies(tx, batch.batch_id).await? {
        s.totals.add(&t);
        s.by_status
            .entry(t.status.as_str().to_owned())
            .or_default()
            .add(&t);
        s.by_bank.entry(t.bank_code.clone()).or_default().add(&t);
    }
    if batch.state == BatchState::Approved {
        let recovered: HashMap<String, i64> = store::recoveries_of_batch(tx, batch.batch_id)
            .await?
            .into_iter()
            .collect();
        for (bank, t) in s.by_bank.iter_mut() {
            t.recovered_won = recovered.get(bank).copied().unwrap_or(0);
            t.transfer_won = transfer(t.paid_won, t.recovered_won);
            s.totals.recovered_won += t.recovered_won;
        }
        s.totals.transfer_won = transfer(s.totals.paid_won, s.totals.recovered_won);
    }
    Ok(s)
}

fn state_name<S: serde::Serializer>(
    state: &BatchState,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(state.as_str())
}

/// What a bank receives of its payments once its clawbacks are recovered from them
/// (`approval::Transfer`, the one place it is said).
pub fn transfer(paid_won: i64, recovered_won: i64) -> i64 {
    approval::Transfer {
        paid: Won::new(paid_won),
        recovered: Won::new(recovered_won),
    }
    .amount()
    .get()
}

async fn batch_or_refuse(tx: &mut Tx, batch_id: BatchId) -> Result<BatchRow> {
    store::batch(tx, batch_id)
        .await?
        .ok_or_else(|| ServiceError::refused(Reason::UnknownBatch, format!("no batch {batch_id}")))
}

fn refuse_unless_prepared(batch: &BatchRow) -> Result<()> {
    match batch.state {
        BatchState::Prepared => Ok(()),
        BatchState::Approved => Err(ServiceError::refused(
            Reason::BatchApproved,
            format!("batch {} is already approved", batch.batch_id),
        )),
        BatchState::Rejected => Err(ServiceError::refused(
            Reason::BatchRejected,
            format!("batch {} was rejected", batch.batch_id),
        )),
    }
}

/// The result of an auditor's check of a batch.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub batch_id: BatchId,
    pub lines: usize,
    pub differences: Vec<String>,
}

impl Services {
    /// Prepares a batch (`tp`) of every pending claim whose period ends by `through`, plus
    /// the recomputed paid periods of loans whose events changed since the last approved batch.
    pub async fn settle_prepare(
        &self,
        actor_name: &str,
        through: NaiveDate,
    ) -> Result<BatchSummary> {
        in_write_tx!(self, |tx| {
            let (user, _) = actor(tx, actor_name).await?;
            require_role(&user, PREPARE_ROLES, "prepare a settlement")?;
            let today = crate::korea_date(self.clock.now());
            if through >= today {
                return Err(ServiceError::refused(
                    Reason::ThroughNotPast,
                    format!(
                        "--through {through} is not before today ({today}): only ended periods are settled"
                    ),
                ));
            }
            if let Some(open) = store::prepared(tx).await? {
                return Err(ServiceError::refused(
                    Reason::BatchOpen,
                    format!(
                        "batch {} is prepared and awaits approval or rejection",
                        open.batch_id
                    ),
                ));
            }
            let at = self.clock.now();
            let claims = store::pending_claims(tx, through).await?;
            let mark = store::event_mark(tx).await?;
            let batch_id = BatchId(store::last_batch_id(tx).await?.0 + 1);
            let view = View {
                batch_id,
                event_mark: mark,
            };
            let since = store::last_approved_before(tx, batch_id)
                .await?
                .map(|b| b.view());
            let changed = store::changed_loans(tx, since, view).await?;
            let (lines, _) = compute_lines(
                tx,
                batch_id,
                view,
                &claims,
                &changed,
                (&*self.progress, "computing claims"),
            )
            .await?;
            if lines.is_empty() {
                return Err(ServiceError::refused(
                    Reason::NothingToSettle,
                    format!("no pending claim ends by {through} and no paid period changed"),
                ));
            }
            let digest = lines_digest(&lines);
            store::insert_batch(
                tx,
                store::NewBatch {
                    batch_id,
                    through_on: through,
                    event_mark: mark,
                    user_id: user.user_id,
                    at,
                    lines_digest: &digest,
                },
            )
            .await?;
            self.write_in_slices(
                "storing lines",
                tx,
                "settlement_line",
                &lines,
                async |tx, slice| Ok(store::insert_lines(tx, batch_id, slice).await?),
            )
            .await?;
            let after = json!({
                "batch_id": batch_id,
                "through": through.to_string(),
                "event_mark": mark,
                "lines": lines.len(),
                "digest": digest,
            });
            audit::append(
                tx,
                entry(
                    at,
                    Some(&user),
                    "settle.prepare",
                    format!("batch:{batch_id}"),
                    "null".into(),
                    after.to_string(),
                ),
            )
            .await?;
            let batch = batch_or_refuse(tx, batch_id).await?;
            summary(tx, &batch).await
        })
    }

    /// Batches in id order, a page at a time, without their lines (`tp`, `city`, `auditor`).
    pub async fn settle_list(
        &self,
        actor_name: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<jumpup_store::settlement::BatchRow>> {
        require_role(
            &self.reader(actor_name).await?,
            SETTLEMENT_READERS,
            "see settlements",
        )?;
        Ok(jumpup_store::settlement::batches_page(&self.db, after, limit.clamp(1, 200)).await?)
    }

    /// Summarises any batch (roles that see settlement: `tp`, `city`, `auditor`).
    /// A page of a batch's lines (who may see settlements), optionally one bank's or one
    /// status's: `(bank code, line)` in line order after line `after`.
    pub async fn settle_lines(
        &self,
        actor_name: &str,
        batch_id: BatchId,
        bank: Option<&str>,
        status: Option<Status>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(String, LineRow)>> {
        require_role(
            &self.reader(actor_name).await?,
            SETTLEMENT_READERS,
            "see settlements",
        )?;
        Ok(store::lines_page(&self.db, batch_id, bank, status, after, limit.clamp(1, 200)).await?)
    }

    pub async fn settle_show(&self, actor_name: &str, batch_id: BatchId) -> Result<BatchSummary> {
        let mut tx = self.db.begin_read().await?;
        let (user, _) = actor(&mut tx, actor_name).await?;
        require_role(&user, SETTLEMENT_READERS, "see settlements")?;
        let batch = batch_or_refuse(&mut tx, batch_id).await?;
        summary(&mut tx, &batch).await
    }

    /// Approves a prepared batch (`city`): refuses a batch whose lines the loans' events now
    /// contradict; posts payments, clawbacks and their recovery from the same bank's payments;
    /// finishes the cases whose every period is settled.
    pub async fn settle_approve(
        &self,
        actor_name: &str,
        batch_id: BatchId,
    ) -> Result<BatchSummary> {
        in_write_tx!(self, |tx| {
            let (user, _) = actor(tx, actor_name).await?;
            require_role(&user, APPROVE_ROLES, "approve a settlement")?;
            let batch = batch_or_refuse(tx, batch_id).await?;
            refuse_unless_prepared(&batch)?;
            let at = self.clock.now();
            // Only lines of loans whose events changed since preparation can now come out
            // otherwise: batches are prepared one at a time, and claims, loans and pinned
            // versions do not change under a line. Those are recomputed as things stand.
            let changed = store::cases_changed_since(tx, batch.view()).await?;
            let again = store::lines_of_cases(tx, batch_id, &changed).await?;
            drop(changed);
            let mut again_cases: Vec<CaseId> = again.iter().filter_map(|l| l.case_id).collect();
            again_cases.sort_unstable();
            again_cases.dedup();
            let claims = store::claims_of_batch_cases(tx, batch_id, &again_cases).await?;
            let mut recheck_cases: Vec<CaseId> = again
                .iter()
                .filter(|l| l.claim_id.is_none())
                .filter_map(|l| l.case_id)
                .collect();
            recheck_cases.sort_unstable();
            recheck_cases.dedup();
            let recheck = store::loans_of_cases(tx, &recheck_cases).await?;
            let (fresh, endings) = compute_lines(
                tx,
                batch_id,
                NOW,
                &claims,
                &recheck,
                (&*self.progress, "checking lines"),
            )
            .await?;
            if let Some(first) = differences(&again, &fresh, false).into_iter().next() {
                return Err(ServiceError::refused(
                    Reason::BatchStale,
                    format!(
                        "events changed since batch {batch_id} was prepared ({first}); reject it and prepare again"
                    ),
                ));
            }
            store::decide(tx, batch_id, BatchState::Approved, user.user_id, at, None).await?;
            let (moves, finished, freed) = self.post_batch(tx, &batch, endings, at).await?;
            let released: Vec<CaseId> = finished.iter().map(|(c, _)| *c).collect();
            // The lines approved are those prepared: their digest was kept then.
            let digest = match &batch.lines_digest {
                Some(d) => d.clone(),
                None => lines_digest(&store::lines(tx, batch_id).await?),
            };
            let batch = batch_or_refuse(tx, batch_id).await?;
            let mut s = summary(tx, &batch).await?;
            let after = json!({
                "batch_id": batch_id,
                "state": "approved",
                "lines": s.totals.lines,
                "digest": digest,
                "cases_paid": moves,
                "finished": crate::catalog::ids_summary(&released),
            });
            // The batch's own entry first: it seals the postings and lines written above; the
            // cases the freed budget now reaches are promoted after it, each in its own entry.
            let mut head: Head = audit::append(
                tx,
                entry(
                    at,
                    Some(&user),
                    "settle.approve",
                    format!("batch:{batch_id}"),
                    json!({"state": "prepared"}).to_string(),
                    after.to_string(),
                ),
            )
            .await?;
            if !freed.is_empty() {
                let catalog = self.catalog_in(tx).await?;
                for program in &freed {
                    self.promote_waitlist(tx, &catalog, program, None, at)
                        .await?;
                }
                head = audit::head_in(tx).await?;
            }
            s.audit_head = Some(head.to_string());
            s.finished_cases = released;
            Ok(s)
        })
    }

    /// A day such that a loan executed later cannot have reached the end of its subsidy term
    /// by `by` under any stored programme version (a week to spare for month ends).
    async fn term_over_if_executed_by(&self, tx: &mut Tx, by: NaiveDate) -> Result<NaiveDate> {
        let catalog = self.catalog_in(tx).await?;
        let shortest = catalog
            .programs()
            .iter()
            .flat_map(|p| p.versions())
            .map(|v| v.params.rules.subsidy.term_months)
            .min();
        Ok(shortest
            .and_then(|m| by.checked_sub_months(chrono::Months::new(m)))
            .and_then(|d| d.checked_add_days(chrono::Days::new(7)))
            .unwrap_or(by))
    }

    /// The ledger side of an approval: reads what it needs (the batch's payments and clawbacks
    /// by case, which cases finish with it, their reservations, the programmes' available
    /// budgets, the banks' outstanding clawbacks), lets the domain decide the postings
    /// (`approval::plan`) and writes them. Returns how many cases moved money, the cases it
    /// finished and the programmes whose budget it freed (their waitlists are promoted once
    /// the batch's own audit entry has sealed what it wrote).
    async fn post_batch(
        &self,
        tx: &mut Tx,
        batch: &BatchRow,
        mut endings: Endings,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(usize, Vec<(CaseId, State)>, Vec<String>)> {
        let batch_id = batch.batch_id;
        let cases: BTreeMap<CaseId, CaseMoney> = store::case_payables(tx, batch_id)
            .await?
            .into_iter()
            .map(|p| {
                let m = CaseMoney {
                    program: p.program_id,
                    bank_id: p.bank_id,
                    paid: p.paid,
                    clawed: p.clawed,
                };
                (p.case_id, m)
            })
            .collect();
        // The cases that may finish: the batch's loans whose subsidy may have stopped by the
        // day after its end, and those whose events changed since the last approved batch (an
        // event on a period boundary may end a subsidy without any line).
        let stop_reached_by = batch.through_on.succ_opt().unwrap_or(batch.through_on);
        let executed_by = self.term_over_if_executed_by(tx, stop_reached_by).await?;
        let mut loans =
            store::loans_maybe_stopped(tx, batch_id, stop_reached_by, executed_by).await?;
        let since = store::last_approved_before(tx, batch_id)
            .await?
            .map(|b| b.view());
        loans.extend(store::changed_loans(tx, since, batch.view()).await?);
        loans.sort_unstable();
        loans.dedup();
        // The stale check computed some of them already, as things now stand.
        loans.retain(|id| !endings.contains_key(id));
        let more = self::endings(tx, &loans, (&*self.progress, "checking cases")).await?;
        endings.extend(more);
        let open: Vec<&(LoanCase, Ending)> = endings
            .values()
            .filter(|(lc, _)| lc.state == State::LoanExecuted.as_str())
            .collect();
        let candidates: Vec<CaseId> = open.iter().map(|(lc, _)| lc.case_id).collect();
        let settled: HashSet<(CaseId, NaiveDate)> = store::settled_periods(tx, &candidates)
            .await?
            .into_iter()
            .collect();
        // Cases whose subsidy is over and every paying period settled finish with the batch.
        let finishing: BTreeMap<CaseId, (&LoanCase, State)> = open
            .into_iter()
            .filter(|(lc, e)| {
                e.is_finished(stop_reached_by, |from| {
                    settled.contains(&(lc.case_id, from))
                })
            })
            .map(|(lc, e)| {
                (
                    lc.case_id,
                    (lc, workflow::ended_state(e.end_reason, e.forfeited)),
                )
            })
            .collect();
        let holders: Vec<CaseId> = cases.keys().chain(finishing.keys()).copied().collect();
        let reserved: BTreeMap<CaseId, Won> = ledger::case_balances(tx, &holders)
            .await?
            .into_iter()
            .map(|(c, r, _)| (c, r))
            .collect();
        let programs: BTreeSet<&String> = cases.values().map(|m| &m.program).collect();
        let mut available = BTreeMap::new();
        for program in programs {
            let a = ledger::balance(tx, program, Account::Available).await?;
            available.insert(program.clone(), a);
        }
        let banks: BTreeSet<BankId> = cases.values().map(|m| m.bank_id).collect();
        let mut receivables = BTreeMap::new();
        for bank_id in banks {
            let owed = ledger::receivables_of_bank(tx, bank_id).await?;
            let owed = owed
                .into_iter()
                .map(|(case_id, program, owed)| Receivable {
                    case_id,
                    program,
                    owed,
                })
                .collect();
            receivables.insert(bank_id, owed);
        }
        let input = ApprovalInput {
            batch_id,
            cases,
            reserved,
            available,
            receivables,
            finishing: finishing
                .iter()
                .map(|(&case_id, (lc, _))| (case_id, lc.program_id.clone()))
                .collect(),
        };
        let plan = approval::plan(&input);
        for (program, list) in &plan.payments {
            self.write_in_slices(
                "posting payments",
                tx,
                "budget_posting",
                list,
                async |tx, slice| Ok(ledger::post_many(tx, program, slice, at).await?),
            )
            .await?;
        }
        for (program, list) in plan.recoveries.iter().chain(&plan.releases) {
            ledger::post_many(tx, program, list, at).await?;
        }
        let mut finished = Vec::new();
        for (&case_id, (lc, state)) in &finishing {
            let mut row = cases::get(tx, case_id)
                .await?
                .ok_or_else(|| corrupt(format!("case {case_id}")))?;
            row.state = *state;
            cases::update(tx, &row, Some(lc.bank_id), at).await?;
            finished.push((case_id, *state));
        }
        let freed: BTreeSet<String> = plan
            .recoveries
            .keys()
            .chain(plan.releases.keys())
            .cloned()
            .collect();
        Ok((input.cases.len(), finished, freed.into_iter().collect()))
    }

    /// Rejects a prepared batch (`city`, or the `tp` user who prepared it): its claims are
    /// pending again.
    pub async fn settle_reject(
        &self,
        actor_name: &str,
        batch_id: BatchId,
        reason: &str,
    ) -> Result<BatchSummary> {
        if reason.trim().is_empty() {
            return Err(ServiceError::bad_input(
                Field::Reason,
                "a rejection needs a reason",
            ));
        }
        in_write_tx!(self, |tx| {
            let (user, _) = actor(tx, actor_name).await?;
            let batch = batch_or_refuse(tx, batch_id).await?;
            if !(user.role == Role::City || user.user_id == batch.prepared_by) {
                return Err(ServiceError::refused(
                    Reason::RoleNotAllowed,
                    "only a city user, or the user who prepared it, may reject a batch",
                ));
            }
            refuse_unless_prepared(&batch)?;
            let at = self.clock.now();
            store::decide(
                tx,
                batch_id,
                BatchState::Rejected,
                user.user_id,
                at,
                Some(reason),
            )
            .await?;
            let mut e = entry(
                at,
                Some(&user),
                "settle.reject",
                format!("batch:{batch_id}"),
                json!({"state": "prepared"}).to_string(),
                json!({"state": "rejected"}).to_string(),
            );
            e.reason = reason.to_owned();
            audit::append(tx, e).await?;
            let batch = batch_or_refuse(tx, batch_id).await?;
            summary(tx, &batch).await
        })
    }

    /// An approved batch's lines with who they concern, for the payment file (`tp`, `city`,
    /// `auditor`) or one bank's statement (those, or that bank's users). The read of firm data
    /// is logged once per file, naming the batch (whose lines never change).
    pub async fn settle_export(
        &self,
        actor_name: &str,
        batch_id: BatchId,
        bank: Option<&str>,
    ) -> Result<(Vec<store::ExportLine>, HashMap<String, i64>)> {
        let mut tx = self.db.begin_read().await?;
        let (user, who) = actor(&mut tx, actor_name).await?;
        let own_statement =
            matches!((&who, bank), (workflow::Actor::Bank(b), Some(code)) if b.as_str() == code);
        if !own_statement {
            require_role(
                &user,
                SETTLEMENT_READERS,
                if bank.is_some() {
                    "export another bank's statement"
                } else {
                    "export payments"
                },
            )?;
        }
        let batch = batch_or_refuse(&mut tx, batch_id).await?;
        if batch.state != BatchState::Approved {
            return Err(ServiceError::refused(
                Reason::BatchNotApproved,
                format!(
                    "batch {batch_id} is {}; only an approved batch is paid",
                    batch.state
                ),
            ));
        }
        let lines = store::export_lines(&mut tx, batch_id, bank).await?;
        let recovered = store::recoveries_of_batch(&mut tx, batch_id)
            .await?
            .into_iter()
            .collect();
        drop(tx);
        let subject = match bank {
            Some(code) => format!("batch:{batch_id}:bank:{code}"),
            None => format!("batch:{batch_id}"),
        };
        let at = self.clock.now();
        in_write_tx!(self, |tx| {
            jumpup_store::access::record(
                tx,
                user.user_id,
                "settle.export",
                std::slice::from_ref(&subject),
                at,
            )
            .await?;
            Ok(())
        })?;
        Ok((lines, recovered))
    }

    /// Recomputes every line of a batch from stored data, as the batch saw it, and checks an
    /// approved batch's ledger postings against its lines (`tp`, `city`, `auditor`).
    pub async fn settle_verify(&self, actor_name: &str, batch_id: BatchId) -> Result<Verification> {
        let mut tx = self.db.begin_read().await?;
        let tx = &mut tx;
        let (user, _) = actor(tx, actor_name).await?;
        require_role(&user, SETTLEMENT_READERS, "verify settlements")?;
        let batch = batch_or_refuse(tx, batch_id).await?;
        let view = batch.view();
        let stored = store::lines(tx, batch_id).await?;
        let claims = store::claims_of_batch(tx, batch_id).await?;
        let since = store::last_approved_before(tx, batch_id)
            .await?
            .map(|b| b.view());
        let changed = store::changed_loans(tx, since, view).await?;
        let (fresh, _) = compute_lines(
            tx,
            batch_id,
            view,
            &claims,
            &changed,
            (&*self.progress, "recomputing lines"),
        )
        .await?;
        let mut diffs = differences(&stored, &fresh, true);
        if batch.state == BatchState::Approved {
            let postings: HashMap<String, i64> = store::postings_of_batch(tx, batch_id)
                .await?
                .into_iter()
                .collect();
            let paid: i64 = stored.iter().map(|l| l.payable.get().max(0)).sum();
            let clawed: i64 = stored.iter().map(|l| (-l.payable.get()).max(0)).sum();
            let mut paid_by_bank: HashMap<BankId, i64> = HashMap::new();
            for l in &stored {
                *paid_by_bank.entry(l.bank_id).or_default() += l.payable.get().max(0);
            }
            let recovered = postings.get("recover").copied().unwrap_or(0);
            if recovered > paid {
                diffs.push(format!(
                    "ledger: {recovered} won recovered, more than the {paid} won paid"
                ));
            }
            for (kind, want) in [("pay", paid), ("clawback", clawed)] {
                let got = postings.get(kind).copied().unwrap_or(0);
                if got != want {
                    diffs.push(format!(
                        "ledger: {kind} postings total {got}, the lines {want}"
                    ));
                }
            }
        } else if !store::postings_of_batch(tx, batch_id).await?.is_empty() {
            diffs.push(format!(
                "ledger: batch {batch_id} is {} but has postings",
                batch.state
            ));
        }
        Ok(Verification {
            batch_id,
            lines: stored.len(),
            differences: diffs,
        })
    }
}
