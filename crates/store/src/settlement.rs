//! Settlement batches and their lines (FILES.md `payments`), and the views of loans, events,
//! claims and earlier payments a batch is computed from.
//!
//! A batch sees the events recorded up to its `event_mark` and not cancelled before it was
//! prepared (`cancelled_after_batch` below its id), so it can be recomputed later from exactly
//! the history it saw; and the payments of approved batches with smaller ids (batches are
//! prepared one at a time, so they are approved in id order).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use jumpup_domain::ids::{BankId, BatchId, CaseId, LoanId, UserId};
use jumpup_domain::money::Won;
use jumpup_domain::settlement::{BatchState, Status};
use sqlx::Row;

use crate::events::EventRow;
use crate::identity::BATCH_ROWS;

use crate::{Result, StoreError, Tx, with_tx};

/// What a batch sees: events up to `event_mark`, cancellations from before `batch_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    pub batch_id: BatchId,
    pub event_mark: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    pub batch_id: BatchId,
    pub through_on: NaiveDate,
    pub state: BatchState,
    pub event_mark: i64,
    pub prepared_by: UserId,
    pub prepared_at: DateTime<Utc>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    /// The digest of its lines as prepared (none for batches prepared before it was kept).
    pub lines_digest: Option<String>,
}

impl BatchRow {
    pub fn view(&self) -> View {
        View {
            batch_id: self.batch_id,
            event_mark: self.event_mark,
        }
    }
}

type BatchTuple = (
    i64,
    NaiveDate,
    String,
    i64,
    i64,
    DateTime<Utc>,
    Option<i64>,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<String>,
);

fn batch_of(t: BatchTuple) -> Result<BatchRow> {
    let state = BatchState::parse(&t.2)
        .ok_or_else(|| crate::StoreError::Corrupt(format!("batch {}: state {:?}", t.0, t.2)))?;
    Ok(BatchRow {
        batch_id: BatchId(t.0),
        through_on: t.1,
        state,
        event_mark: t.3,
        prepared_by: UserId(t.4),
        prepared_at: t.5,
        decided_by: t.6.map(UserId),
        decided_at: t.7,
        reason: t.8,
        lines_digest: t.9,
    })
}

const BATCH: &str = "select batch_id, through_on, state, event_mark, prepared_by, prepared_at, decided_by, decided_at, reason,
            lines_digest
     from settlement_batch";

/// Batches in id order, at most `limit` after `after`.
pub async fn batches_page(db: &crate::Db, after: i64, limit: i64) -> Result<Vec<BatchRow>> {
    let rows: Vec<BatchTuple> = crate::with_db!(db, p => {
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{BATCH} where batch_id > $1 order by batch_id limit $2")))
            .bind(after)
            .bind(limit)
            .fetch_all(p)
            .await?
    });
    rows.into_iter().map(batch_of).collect()
}

pub async fn batch(tx: &mut Tx, batch_id: BatchId) -> Result<Option<BatchRow>> {
    let row: Option<BatchTuple> = with_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{BATCH} where batch_id = $1")))
            .bind(batch_id.0)
            .fetch_optional(c)
            .await?
    });
    row.map(batch_of).transpose()
}

/// The batch now prepared, if any (there is at most one).
pub async fn prepared(tx: &mut Tx) -> Result<Option<BatchRow>> {
    let row: Option<BatchTuple> = with_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{BATCH} where state = 'prepared'")))
            .fetch_optional(c)
            .await?
    });
    row.map(batch_of).transpose()
}

/// The approved batch with the largest id below `before`.
pub async fn last_approved_before(tx: &mut Tx, before: BatchId) -> Result<Option<BatchRow>> {
    let row: Option<BatchTuple> = with_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{BATCH} where state = 'approved' and batch_id < $1 order by batch_id desc limit 1"
        )))
        .bind(before.0)
        .fetch_optional(c)
        .await?
    });
    row.map(batch_of).transpose()
}

/// The largest event id so far (0 with none).
pub async fn event_mark(tx: &mut Tx) -> Result<i64> {
    let n: i64 = with_tx!(tx, c => {
        sqlx::query_scalar("select cast(coalesce(max(loan_event_id), 0) as bigint) from loan_event")
            .fetch_one(c)
            .await?
    });
    Ok(n)
}

/// The largest batch id so far (0 with none), recorded on a cancelled event.
pub async fn last_batch_id(tx: &mut Tx) -> Result<BatchId> {
    let n: i64 = with_tx!(tx, c => {
        sqlx::query_scalar("select cast(coalesce(max(batch_id), 0) as bigint) from settlement_batch")
            .fetch_one(c)
            .await?
    });
    Ok(BatchId(n))
}

/// A batch about to be stored as prepared.
#[derive(Debug, Clone, Copy)]
pub struct NewBatch<'a> {
    /// The next id, taken under the write lock.
    pub batch_id: BatchId,
    pub through_on: NaiveDate,
    pub event_mark: i64,
    pub user_id: UserId,
    pub at: DateTime<Utc>,
    pub lines_digest: &'a str,
}

/// Stores a batch as prepared.
pub async fn insert_batch(tx: &mut Tx, b: NewBatch<'_>) -> Result<()> {
    let seq = tx.seal_seq().await?;
    let hash = crate::seal::batch_hash(b.batch_id, b.through_on, b.event_mark, b.user_id);
    with_tx!(tx, c => {
        sqlx::query(
            "insert into settlement_batch (batch_id, through_on, state, event_mark, prepared_by, prepared_at, lines_digest, audit_seq, row_hash)
             values ($1, $2, 'prepared', $3, $4, $5, $6, $7, $8)",
        )
        .bind(b.batch_id.0)
        .bind(b.through_on)
        .bind(b.event_mark)
        .bind(b.user_id.0)
        .bind(b.at)
        .bind(b.lines_digest)
        .bind(seq)
        .bind(hash.hex())
        .execute(c)
        .await?;
    });
    tx.sealed(crate::seal::BATCH, [hash]);
    Ok(())
}

/// Moves a prepared batch to `approved` or `rejected`.
pub async fn decide(
    tx: &mut Tx,
    batch_id: BatchId,
    state: BatchState,
    user_id: UserId,
    at: DateTime<Utc>,
    reason: Option<&str>,
) -> Result<()> {
    let seq = tx.seal_seq().await?;
    let hash = crate::seal::decision_hash(batch_id, state.as_str(), Some(user_id), reason);
    let n = with_tx!(tx, c => {
        sqlx::query(
            "update settlement_batch set state = $2, decided_by = $3, decided_at = $4, reason = $5,
                decision_audit_seq = $6, decision_hash = $7
             where batch_id = $1 and state = 'prepared'",
        )
        .bind(batch_id.0)
        .bind(state.as_str())
        .bind(user_id.0)
        .bind(at)
        .bind(reason)
        .bind(seq)
        .bind(hash.hex())
        .execute(c)
        .await?
        .rows_affected()
    });
    tx.sealed(crate::seal::DECISION, [hash]);
    if n != 1 {
        return Err(StoreError::Conflict {
            constraint: format!("settlement batch {batch_id} is not prepared"),
        });
    }
    Ok(())
}

/// A claim as a batch takes it, with the loan its number names (if the bank has one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimIn {
    pub claim_id: i64,
    pub bank_id: BankId,
    pub loan_no: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub claimed: Won,
    pub loan_id: Option<LoanId>,
}

type ClaimTuple = (i64, i64, String, NaiveDate, NaiveDate, i64, Option<i64>);

fn claim_of(t: ClaimTuple) -> ClaimIn {
    ClaimIn {
        claim_id: t.0,
        bank_id: BankId(t.1),
        loan_no: t.2,
        period_from: t.3,
        period_to: t.4,
        claimed: Won::new(t.5),
        loan_id: t.6.map(LoanId),
    }
}

const CLAIM: &str =
    "select c.claim_id, c.bank_id, c.loan_no, c.period_from, c.period_to, c.claimed_won, l.loan_id
     from claim c
     left join loan l on l.bank_id = c.bank_id and l.loan_no = c.loan_no";

/// Claims in no prepared or approved batch, of the latest revision for their period, whose
/// period ends on or before `through`.
pub async fn pending_claims(tx: &mut Tx, through: NaiveDate) -> Result<Vec<ClaimIn>> {
    let rows: Vec<ClaimTuple> = with_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{CLAIM}
             where c.period_to <= $1
               and not exists (select 1 from claim n
                               where n.bank_id = c.bank_id and n.loan_no = c.loan_no
                                 and n.period_from = c.period_from and n.revision > c.revision)
               and not exists (select 1 from settlement_line s
                               join settlement_batch b on b.batch_id = s.batch_id
                               where s.claim_id = c.claim_id and b.state in ('prepared', 'approved'))
             order by c.claim_id"
        )))
        .bind(through)
        .fetch_all(c)
        .await?
    });
    Ok(rows.into_iter().map(claim_of).collect())
}

/// The claims a batch's lines answered, each with the loan its line found (a loan reported
/// after the batch does not change what the batch saw).
pub async fn claims_of_batch(tx: &mut Tx, batch_id: BatchId) -> Result<Vec<ClaimIn>> {
    let rows: Vec<ClaimTuple> = with_tx!(tx, c => {
        sqlx::query_as(
            "select c.claim_id, c.bank_id, c.loan_no, c.period_from, c.period_to, c.claimed_won, l.loan_id
             from claim c
             join settlement_line s on s.claim_id = c.claim_id
             left join loan l on l.case_id = s.case_id
             where s.batch_id = $1
             order by c.claim_id",
        )
        .bind(batch_id.0)
        .fetch_all(c)
        .await?
    });
    Ok(rows.into_iter().map(claim_of).collect())
}

/// Cases whose loans' events a batch at `view` saw otherwise than things stand now: an event
/// recorded after its mark, or one cancelled since it was prepared.
pub async fn cases_changed_since(tx: &mut Tx, view: View) -> Result<Vec<CaseId>> {
    let ids: Vec<i64> = with_tx!(tx, c => {
        sqlx::query_scalar(
            "select l.case_id from loan_event e join loan l on l.loan_id = e.loan_id
             where e.loan_event_id > $1
             union
             select l.case_id from loan_event e join loan l on l.loan_id = e.loan_id
             where e.cancelled_after_batch >= $2",
        )
        .bind(view.event_mark)
        .bind(view.batch_id.0)
        .fetch_all(c)
        .await?
    });
    Ok(ids.into_iter().map(CaseId).collect())
}

/// The claims of a batch's lines for these cases (as `claims_of_batch`).
pub async fn claims_of_batch_cases(
    tx: &mut Tx,
    batch_id: BatchId,
    case_ids: &[CaseId],
) -> Result<Vec<ClaimIn>> {
    let head = format!(
        "select c.claim_id, c.bank_id, c.loan_no, c.period_from, c.period_to, c.claimed_won, l.loan_id
         from claim c
         join settlement_line s on s.claim_id = c.claim_id
         left join loan l on l.case_id = s.case_id
         where s.batch_id = {batch_id} and s.case_id in ("
    );
    let mut rows = chunked!(tx, case_ids, head.as_str(), ")", ClaimTuple);
    rows.sort_unstable_by_key(|r| r.0);
    Ok(rows.into_iter().map(claim_of).collect())
}

/// The loans of a batch's lines whose subsidy may have stopped by `by`: the loan matures by
/// then, was executed on or before `executed_by` (so its term may be over), or has an event
/// of a kind that can stop or forfeit it, whatever its date.
pub async fn loans_maybe_stopped(
    tx: &mut Tx,
    batch_id: BatchId,
    by: NaiveDate,
    executed_by: NaiveDate,
) -> Result<Vec<LoanId>> {
    let ids: Vec<i64> = with_tx!(tx, c => {
        sqlx::query_scalar(
            "select distinct l.loan_id
             from settlement_line s join loan l on l.case_id = s.case_id
             where s.batch_id = $1
               and (l.maturity_on <= $2 or l.executed_on <= $3
                    or exists (select 1 from loan_event e
                               where e.loan_id = l.loan_id
                                 and e.kind in ('repayment', 'relocation', 'closure', 'default', 'ineligible')))",
        )
        .bind(batch_id.0)
        .bind(by)
        .bind(executed_by)
        .fetch_all(c)
        .await?
    });
    Ok(ids.into_iter().map(LoanId).collect())
}

/// Loans with a line in an approved batch before `view`'s whose events a batch at `view`
/// sees differently from the latest approved batch before it (`since`).
pub async fn changed_loans(tx: &mut Tx, since: Option<View>, view: View) -> Result<Vec<LoanId>> {
    let since = since.unwrap_or(View {
        batch_id: BatchId(0),
        event_mark: 0,
    });
    let ids: Vec<i64> = with_tx!(tx, c => {
        sqlx::query_scalar(
            "select distinct e.loan_id
             from loan_event e
             where ((e.loan_event_id > $1 and e.loan_event_id <= $3
                     and (e.cancelled_after_batch is null or e.cancelled_after_batch >= $4))
                 or (e.loan_event_id <= $1
                     and e.cancelled_after_batch >= $2 and e.cancelled_after_batch < $4))
               and exists (select 1 from loan l
                           join settlement_line s on s.case_id = l.case_id
                           join settlement_batch b on b.batch_id = s.batch_id
                           where l.loan_id = e.loan_id and b.state = 'approved' and b.batch_id < $4
                             and s.status <> 'rejected')
             order by e.loan_id",
        )
        .bind(since.event_mark)
        .bind(since.batch_id.0)
        .bind(view.event_mark)
        .bind(view.batch_id.0)
        .fetch_all(c)
        .await?
    });
    Ok(ids.into_iter().map(LoanId).collect())
}

/// A loan with what its case pins (RULES.md 6: the subsidy's inputs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanCase {
    pub loan_id: LoanId,
    pub bank_id: BankId,
    pub loan_no: String,
    pub case_id: CaseId,
    pub program_id: String,
    pub state: String,
    pub program_version_id: Option<i64>,
    pub grade: Option<String>,
    pub coverage_pct: Option<String>,
    pub principal_won: i64,
    pub annual_rate_pct: String,
    pub executed_on: NaiveDate,
    pub maturity_on: NaiveDate,
}

type LoanTuple = (
    i64,
    i64,
    String,
    i64,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    i64,
    String,
    NaiveDate,
    NaiveDate,
);

pub async fn loan_cases(tx: &mut Tx, loan_ids: &[LoanId]) -> Result<Vec<LoanCase>> {
    let rows = chunked!(
        tx,
        loan_ids,
        "select l.loan_id, l.bank_id, l.loan_no, c.case_id, c.program_id, c.state, c.program_version_id, c.grade, c.coverage_pct,
                l.principal_won, l.annual_rate_pct, l.executed_on, l.maturity_on
         from loan l join support_case c on c.case_id = l.case_id
         where l.loan_id in (",
        ")",
        LoanTuple
    );
    Ok(rows
        .into_iter()
        .map(|t| LoanCase {
            loan_id: LoanId(t.0),
            bank_id: BankId(t.1),
            loan_no: t.2,
            case_id: CaseId(t.3),
            program_id: t.4,
            state: t.5,
            program_version_id: t.6,
            grade: t.7,
            coverage_pct: t.8,
            principal_won: t.9,
            annual_rate_pct: t.10,
            executed_on: t.11,
            maturity_on: t.12,
        })
        .collect())
}

/// The events of these loans a batch at `view` sees, per loan in the order recorded.
pub async fn events_of_loans(
    tx: &mut Tx,
    loan_ids: &[LoanId],
    view: View,
) -> Result<HashMap<LoanId, Vec<EventRow>>> {
    type Row = (
        i64,
        i64,
        i64,
        NaiveDate,
        String,
        Option<i64>,
        Option<String>,
    );
    let tail = format!(
        ") and loan_event_id <= {} and (cancelled_after_batch is null or cancelled_after_batch >= {})
         order by loan_event_id",
        view.event_mark, view.batch_id
    );
    let rows = chunked!(
        tx,
        loan_ids,
        "select loan_id, loan_event_id, seq, on_date, kind, amount_won, annual_rate_pct
         from loan_event where loan_id in (",
        &tail,
        Row
    );
    let mut out: HashMap<LoanId, Vec<EventRow>> = HashMap::new();
    for (loan_id, loan_event_id, seq, on, kind, amount_won, annual_rate_pct) in rows {
        out.entry(LoanId(loan_id)).or_default().push(EventRow {
            loan_event_id,
            seq,
            on,
            kind,
            amount_won,
            annual_rate_pct,
        });
    }
    for events in out.values_mut() {
        events.sort_by_key(|e| e.loan_event_id);
    }
    Ok(out)
}

/// What approved batches before `before` paid for one period of a case, with the claim and
/// period end of the latest of their lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paid {
    pub case_id: CaseId,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub claimed_won: i64,
    pub paid_won: i64,
}

pub async fn paid_of_cases(tx: &mut Tx, case_ids: &[CaseId], before: BatchId) -> Result<Vec<Paid>> {
    type Row = (i64, i64, NaiveDate, NaiveDate, i64, i64);
    let tail = format!(
        ") and s.status <> 'rejected' and b.state = 'approved' and b.batch_id < {before}
         order by s.case_id, s.period_from, s.batch_id, s.line_no"
    );
    let rows = chunked!(
        tx,
        case_ids,
        "select s.case_id, s.batch_id, s.period_from, s.period_to, s.claimed_won, s.payable_won
         from settlement_line s join settlement_batch b on b.batch_id = s.batch_id
         where s.case_id in (",
        &tail,
        Row
    );
    let mut out: Vec<Paid> = Vec::new();
    for (case_id, _, period_from, period_to, claimed_won, payable) in rows {
        let case_id = CaseId(case_id);
        match out.last_mut() {
            Some(p) if p.case_id == case_id && p.period_from == period_from => {
                p.period_to = period_to;
                p.claimed_won = claimed_won;
                p.paid_won += payable;
            }
            _ => out.push(Paid {
                case_id,
                period_from,
                period_to,
                claimed_won,
                paid_won: payable,
            }),
        }
    }
    Ok(out)
}

/// One stored line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRow {
    pub line_no: i64,
    pub bank_id: BankId,
    pub loan_no: String,
    pub case_id: Option<CaseId>,
    pub claim_id: Option<i64>,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub claimed: Won,
    pub computed: Won,
    pub paid_before: Won,
    pub payable: Won,
    pub status: Status,
    pub reason: Option<String>,
}

pub async fn insert_lines(tx: &mut Tx, batch_id: BatchId, lines: &[LineRow]) -> Result<()> {
    let seq = tx.seal_seq().await?;
    let sealed: Vec<_> = lines
        .iter()
        .map(|l| (l, crate::seal::line_hash(batch_id, l)))
        .collect();
    crate::write_rows!(
        tx,
        sealed,
        "insert into settlement_line (batch_id, line_no, bank_id, loan_no, case_id, claim_id, period_from, period_to,
             claimed_won, computed_won, paid_before_won, payable_won, status, reason, audit_seq, row_hash) ",
        |b, row: &(&LineRow, jumpup_domain::audit::RowHash)| {
            let l = row.0;
            b.push_bind(batch_id.0)
                .push_bind(l.line_no)
                .push_bind(l.bank_id.0)
                .push_bind(l.loan_no.clone())
                .push_bind(l.case_id.map(|c| c.0))
                .push_bind(l.claim_id)
                .push_bind(l.period_from)
                .push_bind(l.period_to)
                .push_bind(l.claimed.get())
                .push_bind(l.computed.get())
                .push_bind(l.paid_before.get())
                .push_bind(l.payable.get())
                .push_bind(l.status.as_str())
                .push_bind(l.reason.clone())
                .push_bind(seq)
                .push_bind(row.1.hex())
        }
    );
    tx.sealed(crate::seal::LINE, sealed.into_iter().map(|(_, h)| h));
    Ok(())
}

/// The columns of a stored line, as `line_row` reads them (prefixed `s.`).
const LINE_COLUMNS: &str =
    "s.line_no, s.bank_id, s.loan_no, s.case_id, s.claim_id, s.period_from, s.period_to,
     s.claimed_won, s.computed_won, s.paid_before_won, s.payable_won, s.status, s.reason";

pub(crate) fn line_row<R: Row>(r: &R) -> Result<LineRow>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> NaiveDate: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let status: String = r.try_get("status")?;
    Ok(LineRow {
        line_no: r.try_get("line_no")?,
        bank_id: BankId(r.try_get("bank_id")?),
        loan_no: r.try_get("loan_no")?,
        case_id: r.try_get::<Option<i64>, _>("case_id")?.map(CaseId),
        claim_id: r.try_get("claim_id")?,
        period_from: r.try_get("period_from")?,
        period_to: r.try_get("period_to")?,
        claimed: Won::new(r.try_get("claimed_won")?),
        computed: Won::new(r.try_get("computed_won")?),
        paid_before: Won::new(r.try_get("paid_before_won")?),
        payable: Won::new(r.try_get("payable_won")?),
        status: Status::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("line status {status:?}")))?,
        reason: r.try_get("reason")?,
    })
}

pub async fn lines(tx: &mut Tx, batch_id: BatchId) -> Result<Vec<LineRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {LINE_COLUMNS} from settlement_line s where s.batch_id = $1 order by s.line_no"
    ));
    let rows = with_tx!(tx, c => {
        fetch_mapped!(c, sqlx::query(sql).bind(batch_id.0), line_row)
    });
    Ok(rows)
}

/// A page of a batch's lines in line order after `after` (a line number), optionally one
/// bank's (by code) or one status's, each with its bank's code.
pub async fn lines_page(
    db: &crate::Db,
    batch_id: BatchId,
    bank_code: Option<&str>,
    status: Option<Status>,
    after: i64,
    limit: i64,
) -> Result<Vec<(String, LineRow)>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {LINE_COLUMNS}, b.code as bank_code
         from settlement_line s join bank b on b.bank_id = s.bank_id
         where s.batch_id = $1 and ($2 is null or b.code = $2) and ($3 is null or s.status = $3)
           and s.line_no > $4
         order by s.line_no
         limit $5"
    ));
    let rows = crate::with_db!(db, p => {
        fetch_mapped!(
            p,
            sqlx::query(sql).bind(batch_id.0).bind(bank_code).bind(status.map(Status::as_str)).bind(after).bind(limit),
            |r: &_| -> Result<(String, LineRow)> { Ok((sqlx::Row::try_get(r, "bank_code")?, line_row(r)?)) }
        )
    });
    Ok(rows)
}

/// Every line about one case, with its batch's id, state and the day it runs through: the
/// case's claims and payments, oldest batch first.
pub async fn lines_of_case(
    db: &crate::Db,
    case_id: CaseId,
) -> Result<Vec<(BatchId, BatchState, NaiveDate, LineRow)>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {LINE_COLUMNS}, s.batch_id, t.state as batch_state, t.through_on
         from settlement_line s join settlement_batch t on t.batch_id = s.batch_id
         where s.case_id = $1
         order by s.batch_id, s.line_no"
    ));
    let rows = crate::with_db!(db, p => {
        fetch_mapped!(
            p,
            sqlx::query(sql).bind(case_id.0),
            |r: &_| -> Result<(BatchId, BatchState, NaiveDate, LineRow)> {
                let state: String = sqlx::Row::try_get(r, "batch_state")?;
                Ok((
                    BatchId(sqlx::Row::try_get(r, "batch_id")?),
                    BatchState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("batch state {state:?}")))?,
                    sqlx::Row::try_get(r, "through_on")?,
                    line_row(r)?,
                ))
            }
        )
    });
    Ok(rows)
}

/// The lines of a batch for these cases, in line order.
pub async fn lines_of_cases(
    tx: &mut Tx,
    batch_id: BatchId,
    case_ids: &[CaseId],
) -> Result<Vec<LineRow>> {
    let mut out = Vec::new();
    for chunk in case_ids.chunks(BATCH_ROWS) {
        let rows = with_tx!(tx, c => {
            let mut q = sqlx::QueryBuilder::new(format!(
                "select {LINE_COLUMNS} from settlement_line s where s.batch_id = "
            ));
            q.push_bind(batch_id.0);
            q.push(" and s.case_id in (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(id.0);
            }
            q.push(")");
            fetch_mapped!(c, q.build(), line_row)
        });
        out.extend(rows);
    }
    out.sort_unstable_by_key(|l| l.line_no);
    Ok(out)
}

/// What a batch moves for one case: its programme and bank, the sum of its positive payables
/// and of its negative ones (as a positive amount).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePayable {
    pub case_id: CaseId,
    pub program_id: String,
    pub bank_id: BankId,
    pub paid: Won,
    pub clawed: Won,
}

/// Per case with lines in the batch, in case order, what it moves.
pub async fn case_payables(tx: &mut Tx, batch_id: BatchId) -> Result<Vec<CasePayable>> {
    let rows: Vec<(i64, String, i64, i64, i64)> = with_tx!(tx, c => {
        sqlx::query_as(
            "select s.case_id, c.program_id, max(s.bank_id),
                    cast(sum(case when s.payable_won > 0 then s.payable_won else 0 end) as bigint),
                    cast(sum(case when s.payable_won < 0 then -s.payable_won else 0 end) as bigint)
             from settlement_line s join support_case c on c.case_id = s.case_id
             where s.batch_id = $1
             group by s.case_id, c.program_id
             order by s.case_id",
        )
        .bind(batch_id.0)
        .fetch_all(c)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(
            |(case_id, program_id, bank_id, paid_won, clawed_won)| CasePayable {
                case_id: CaseId(case_id),
                program_id,
                bank_id: BankId(bank_id),
                paid: Won::new(paid_won),
                clawed: Won::new(clawed_won),
            },
        )
        .collect())
}

/// A line with who it concerns, for the payment and statement files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportLine {
    pub bank_code: String,
    pub guarantee_no: Option<String>,
    pub business_no: Option<String>,
    pub firm_name: Option<String>,
    pub line: LineRow,
}

fn export_line<R: Row>(r: &R) -> Result<ExportLine>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> NaiveDate: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(ExportLine {
        bank_code: r.try_get("bank_code")?,
        guarantee_no: r.try_get("guarantee_no")?,
        business_no: r.try_get("business_no")?,
        firm_name: r.try_get("firm_name")?,
        line: line_row(r)?,
    })
}

/// A batch's lines in line order, each bank's together (one bank's with `bank_code`).
pub async fn export_lines(
    tx: &mut Tx,
    batch_id: BatchId,
    bank_code: Option<&str>,
) -> Result<Vec<ExportLine>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {LINE_COLUMNS}, b.code as bank_code, c.guarantee_no, f.business_no, f.name as firm_name
         from settlement_line s
         join bank b on b.bank_id = s.bank_id
         left join support_case c on c.case_id = s.case_id
         left join firm f on f.firm_id = c.firm_id
         where s.batch_id = $1 and ($2 is null or b.code = $2)
         order by s.line_no"
    ));
    let rows = with_tx!(tx, c => {
        fetch_mapped!(c, sqlx::query(sql).bind(batch_id.0).bind(bank_code), export_line)
    });
    Ok(rows)
}

/// Per bank and status: lines, claimed, computed and payable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub bank_code: String,
    pub status: Status,
    pub lines: i64,
    pub claimed_won: i64,
    pub computed_won: i64,
    pub payable_won: i64,
    /// The sum of the positive payables (payments before netting).
    pub paid_won: i64,
}

pub async fn tallies(tx: &mut Tx, batch_id: BatchId) -> Result<Vec<Tally>> {
    type Row = (String, String, i64, i64, i64, i64, i64);
    let rows: Vec<Row> = with_tx!(tx, c => {
        sqlx::query_as(
            "select b.code, s.status, count(*),
                    cast(sum(s.claimed_won) as bigint), cast(sum(s.computed_won) as bigint),
                    cast(sum(s.payable_won) as bigint),
                    cast(sum(case when s.payable_won > 0 then s.payable_won else 0 end) as bigint)
             from settlement_line s join bank b on b.bank_id = s.bank_id
             where s.batch_id = $1
             group by b.code, s.status
             order by b.code, s.status",
        )
        .bind(batch_id.0)
        .fetch_all(c)
        .await?
    });
    rows.into_iter()
        .map(|t| {
            Ok(Tally {
                bank_code: t.0,
                status: Status::parse(&t.1)
                    .ok_or_else(|| StoreError::Corrupt(format!("line status {:?}", t.1)))?,
                lines: t.2,
                claimed_won: t.3,
                computed_won: t.4,
                payable_won: t.5,
                paid_won: t.6,
            })
        })
        .collect()
}

/// Whether an approved batch has a line (not rejected) for each of a case's periods.
pub async fn settled_periods(tx: &mut Tx, case_ids: &[CaseId]) -> Result<Vec<(CaseId, NaiveDate)>> {
    type Row = (i64, NaiveDate);
    let rows = chunked!(
        tx,
        case_ids,
        "select distinct s.case_id, s.period_from
         from settlement_line s join settlement_batch b on b.batch_id = s.batch_id
         where b.state = 'approved' and s.status <> 'rejected' and s.case_id in (",
        ")",
        Row
    );
    Ok(rows.into_iter().map(|(c, p)| (CaseId(c), p)).collect())
}

/// Marks an event cancelled; `false` when it is unknown or already cancelled.
pub async fn cancel_event(
    tx: &mut Tx,
    loan_event_id: i64,
    user_id: UserId,
    at: DateTime<Utc>,
    reason: &str,
    after_batch: BatchId,
) -> Result<bool> {
    let seq = tx.seal_seq().await?;
    let hash = crate::seal::cancel_hash(
        loan_event_id,
        true,
        Some(user_id),
        Some(reason),
        Some(after_batch),
    );
    let n = with_tx!(tx, c => {
        sqlx::query(
            "update loan_event set cancelled_at = $2, cancelled_by = $3, cancel_reason = $4, cancelled_after_batch = $5,
                 cancel_audit_seq = $6, cancel_hash = $7
             where loan_event_id = $1 and cancelled_at is null",
        )
        .bind(loan_event_id)
        .bind(at)
        .bind(user_id.0)
        .bind(reason)
        .bind(after_batch.0)
        .bind(seq)
        .bind(hash.hex())
        .execute(c)
        .await?
        .rows_affected()
    });
    if n == 1 {
        tx.sealed(crate::seal::CANCEL, [hash]);
    }
    Ok(n == 1)
}

/// The loans of these cases.
pub async fn loans_of_cases(tx: &mut Tx, case_ids: &[CaseId]) -> Result<Vec<LoanId>> {
    type Row = (i64,);
    let rows = chunked!(
        tx,
        case_ids,
        "select loan_id from loan where case_id in (",
        ")",
        Row
    );
    Ok(rows.into_iter().map(|(id,)| LoanId(id)).collect())
}

/// A batch's ledger postings per kind (their ids start `settle:BATCH:`).
pub async fn postings_of_batch(tx: &mut Tx, batch_id: BatchId) -> Result<Vec<(String, i64)>> {
    let rows: Vec<(String, i64)> = with_tx!(tx, c => {
        sqlx::query_as(
            "select kind, cast(sum(amount_won) as bigint) from budget_posting
             where posting_id like $1 group by kind order by kind",
        )
        .bind(format!("settle:{batch_id}:%"))
        .fetch_all(c)
        .await?
    });
    Ok(rows)
}

/// What an approved batch recovered of each bank's clawbacks from its payments (RULES.md 6.4):
/// `(bank_code, won)`.
pub async fn recoveries_of_batch(tx: &mut Tx, batch_id: BatchId) -> Result<Vec<(String, i64)>> {
    let rows: Vec<(String, i64)> = with_tx!(tx, c => {
        sqlx::query_as(
            "select b.code, cast(sum(p.amount_won) as bigint)
             from budget_posting p
             join support_case c on c.case_id = p.case_id
             join bank b on b.bank_id = c.bank_id
             where p.posting_id like $1 and p.kind = 'recover'
             group by b.code order by b.code",
        )
        .bind(format!("settle:{batch_id}:recover:%"))
        .fetch_all(c)
        .await?
    });
    Ok(rows)
}
