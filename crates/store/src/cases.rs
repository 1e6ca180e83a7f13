//! Support cases, their eligibility checks and loans.

use chrono::{DateTime, NaiveDate, Utc};
use jumpup_domain::ids::{BankId, CaseId, FirmId, LoanId, UserId};
use jumpup_domain::workflow::State;
use sqlx::Row;

use crate::{Db, Result, StoreError, Tx, with_db, with_tx};

/// A case as stored; the service turns it into the workflow's view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub case_id: CaseId,
    pub program_id: String,
    pub firm_id: FirmId,
    pub state: State,
    pub requested_won: i64,
    pub grade: Option<String>,
    pub coverage_pct: Option<String>,
    pub base_fee_rate_pct: Option<String>,
    pub approved_won: Option<i64>,
    /// The lending bank's code.
    pub bank_code: Option<String>,
    pub program_version_id: Option<i64>,
    pub decided_on: Option<NaiveDate>,
    pub waitlist_seq: Option<i64>,
    pub guarantee_no: Option<String>,
}

const SELECT: &str = "select c.case_id, c.program_id, c.firm_id, c.state, c.requested_won, c.grade, c.coverage_pct,
            c.base_fee_rate_pct, c.approved_won, b.code as bank_code, c.program_version_id, c.decided_on,
            c.waitlist_seq, c.guarantee_no
     from support_case c
     left join bank b on b.bank_id = c.bank_id";

fn case_row<R: Row>(r: &R) -> Result<CaseRow>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<NaiveDate>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let state: String = r.try_get("state")?;
    Ok(CaseRow {
        case_id: CaseId(r.try_get("case_id")?),
        program_id: r.try_get("program_id")?,
        firm_id: FirmId(r.try_get("firm_id")?),
        state: State::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("case state {state:?}")))?,
        requested_won: r.try_get("requested_won")?,
        grade: r.try_get("grade")?,
        coverage_pct: r.try_get("coverage_pct")?,
        base_fee_rate_pct: r.try_get("base_fee_rate_pct")?,
        approved_won: r.try_get("approved_won")?,
        bank_code: r.try_get("bank_code")?,
        program_version_id: r.try_get("program_version_id")?,
        decided_on: r.try_get("decided_on")?,
        waitlist_seq: r.try_get("waitlist_seq")?,
        guarantee_no: r.try_get("guarantee_no")?,
    })
}

pub async fn insert(
    tx: &mut Tx,
    program_id: &str,
    firm: FirmId,
    requested_won: i64,
    at: DateTime<Utc>,
) -> Result<CaseId> {
    let id: i64 = with_tx!(tx, c => {
        sqlx::query_scalar(
            "insert into support_case (program_id, firm_id, state, requested_won, created_at, updated_at)
             values ($1, $2, 'draft', $3, $4, $4)
             returning case_id",
        )
        .bind(program_id)
        .bind(firm.0)
        .bind(requested_won)
        .bind(at)
        .fetch_one(c)
        .await?
    });
    Ok(CaseId(id))
}

pub async fn get(tx: &mut Tx, case_id: CaseId) -> Result<Option<CaseRow>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} where c.case_id = $1"));
    with_tx!(tx, c => sqlx::query(sql).bind(case_id.0).fetch_optional(c).await?.map(|r| case_row(&r)).transpose())
}

pub async fn get_read(db: &Db, case_id: CaseId) -> Result<Option<CaseRow>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} where c.case_id = $1"));
    with_db!(db, p => sqlx::query(sql).bind(case_id.0).fetch_optional(p).await?.map(|r| case_row(&r)).transpose())
}

/// Whose cases a list holds.
#[derive(Debug, Clone)]
pub enum ListScope {
    All,
    Firm(FirmId),
    /// The cases whose lending bank has this code, from the guarantee's issue on (before it
    /// the bank has nothing to act on).
    Bank(String),
}

impl ListScope {
    /// The firm id and bank code a list query binds (`null` for no such filter).
    fn binds(self) -> (Option<i64>, Option<String>) {
        match self {
            ListScope::All => (None, None),
            ListScope::Firm(f) => (Some(f.0), None),
            ListScope::Bank(code) => (None, Some(code)),
        }
    }
}

/// Whose cases a statement reads, with `ListScope::binds` as `$2` (firm) and `$3` (bank code):
/// a bank sees its cases from the guarantee's issue on.
const CASE_SCOPE: &str = "($2 is null or c.firm_id = $2)
       and ($3 is null or (b.code = $3 and c.state in ('guarantee_issued', 'loan_executed', 'completed', 'terminated')))";

/// Cases in id order within a scope, optionally only one state's and one programme's, at most
/// `limit` after `after`.
pub async fn list(
    db: &Db,
    scope: ListScope,
    state: Option<State>,
    program: Option<&str>,
    after: i64,
    limit: i64,
) -> Result<Vec<CaseRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{SELECT}
     where c.case_id > $1 and {CASE_SCOPE}
       and ($4 is null or c.state = $4)
       and ($6 is null or c.program_id = $6)
     order by c.case_id
     limit $5"
    ));
    let (firm, bank) = scope.binds();
    with_db!(db, p => {
        sqlx::query(sql)
            .bind(after)
            .bind(firm)
            .bind(bank)
            .bind(state.map(|s| s.as_str()))
            .bind(limit)
            .bind(program)
            .fetch_all(p)
            .await?
            .iter()
            .map(case_row)
            .collect()
    })
}

/// How many cases of the scope are in each state (states without cases left out).
pub async fn count_by_state(db: &Db, scope: ListScope) -> Result<Vec<(State, i64)>> {
    let (firm, bank) = scope.binds();
    let sql = sqlx::AssertSqlSafe(format!(
        "select c.state, count(*)
         from support_case c
         left join bank b on b.bank_id = c.bank_id
         where c.case_id > $1 and {CASE_SCOPE}
         group by c.state"
    ));
    let rows: Vec<(String, i64)> = with_db!(db, p => {
        sqlx::query_as(sql)
            .bind(0_i64)
            .bind(firm)
            .bind(bank)
            .fetch_all(p)
            .await?
    });
    rows.into_iter()
        .map(|(state, n)| {
            State::parse(&state)
                .map(|s| (s, n))
                .ok_or_else(|| StoreError::Corrupt(format!("case state {state:?}")))
        })
        .collect()
}

/// Waitlisted cases of a programme in the order they were waitlisted.
pub async fn waitlist(tx: &mut Tx, program_id: &str) -> Result<Vec<CaseRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{SELECT} where c.program_id = $1 and c.state = 'waitlisted' order by c.waitlist_seq"
    ));
    with_tx!(tx, c => sqlx::query(sql).bind(program_id).fetch_all(c).await?.iter().map(case_row).collect())
}

pub async fn next_waitlist_seq(tx: &mut Tx) -> Result<i64> {
    let n: i64 = with_tx!(tx, c => {
        sqlx::query_scalar("select cast(coalesce(max(waitlist_seq), 0) + 1 as bigint) from support_case").fetch_one(c).await?
    });
    Ok(n)
}

/// The approved amounts of a firm's open selected cases of a programme, except one case.
pub async fn firm_open_won(
    tx: &mut Tx,
    program_id: &str,
    firm: FirmId,
    except_case: CaseId,
) -> Result<i64> {
    let n: i64 = with_tx!(tx, c => {
        sqlx::query_scalar(
            "select cast(coalesce(sum(approved_won), 0) as bigint)
             from support_case
             where program_id = $1
               and firm_id = $2
               and case_id <> $3
               and state in ('selected', 'eligibility_review', 'approved', 'waitlisted', 'guarantee_issued', 'loan_executed')",
        )
        .bind(program_id)
        .bind(firm.0)
        .bind(except_case.0)
        .fetch_one(c)
        .await?
    });
    Ok(n)
}

/// Writes every mutable column of a case.
pub async fn update(
    tx: &mut Tx,
    case: &CaseRow,
    bank_id: Option<BankId>,
    at: DateTime<Utc>,
) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query(
            "update support_case
             set state = $2, grade = $3, coverage_pct = $4, base_fee_rate_pct = $5, approved_won = $6,
                 bank_id = $7, program_version_id = $8, decided_on = $9, waitlist_seq = $10, guarantee_no = $11,
                 updated_at = $12
             where case_id = $1",
        )
        .bind(case.case_id.0)
        .bind(case.state.as_str())
        .bind(&case.grade)
        .bind(&case.coverage_pct)
        .bind(&case.base_fee_rate_pct)
        .bind(case.approved_won)
        .bind(bank_id.map(|b| b.0))
        .bind(case.program_version_id)
        .bind(case.decided_on)
        .bind(case.waitlist_seq)
        .bind(&case.guarantee_no)
        .bind(at)
        .execute(c)
        .await?;
    });
    Ok(())
}

/// One eligibility answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRow {
    pub item: String,
    pub met: bool,
    pub evidence: String,
}

pub async fn insert_check(
    tx: &mut Tx,
    case_id: CaseId,
    check: &CheckRow,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query(
            "insert into case_check (case_id, item, met, evidence, checked_by, checked_at)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(case_id.0)
        .bind(&check.item)
        .bind(check.met)
        .bind(&check.evidence)
        .bind(by.0)
        .bind(at)
        .execute(c)
        .await?;
    });
    Ok(())
}

/// A case's answers in the order they were given.
pub async fn checks(tx: &mut Tx, case_id: CaseId) -> Result<Vec<CheckRow>> {
    let rows: Vec<(String, bool, String)> = with_tx!(tx, c => {
        sqlx::query_as("select item, met, evidence from case_check where case_id = $1 order by case_check_id")
            .bind(case_id.0)
            .fetch_all(c)
            .await?
    });
    Ok(rows
        .into_iter()
        .map(|(item, met, evidence)| CheckRow {
            item,
            met,
            evidence,
        })
        .collect())
}

/// An executed loan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanRow {
    pub case_id: CaseId,
    pub bank_id: BankId,
    pub loan_no: String,
    pub principal_won: i64,
    pub annual_rate_pct: String,
    pub executed_on: NaiveDate,
    pub maturity_on: NaiveDate,
}

/// A loan as its readers see it: with its case's firm and the lending bank's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanView {
    pub loan_id: LoanId,
    pub case_id: CaseId,
    pub firm_id: FirmId,
    pub bank_code: String,
    pub loan_no: String,
    pub principal_won: i64,
    pub annual_rate_pct: String,
    pub executed_on: NaiveDate,
    pub maturity_on: NaiveDate,
}

const LOAN_VIEW: &str =
    "select l.loan_id, l.case_id, c.firm_id, b.code, l.loan_no, l.principal_won,
            l.annual_rate_pct, l.executed_on, l.maturity_on
     from loan l
     join support_case c on c.case_id = l.case_id
     join bank b on b.bank_id = l.bank_id";

type LoanViewRow = (
    i64,
    i64,
    i64,
    String,
    String,
    i64,
    String,
    NaiveDate,
    NaiveDate,
);

fn loan_view(r: LoanViewRow) -> LoanView {
    let (
        loan_id,
        case_id,
        firm_id,
        bank_code,
        loan_no,
        principal_won,
        annual_rate_pct,
        executed_on,
        maturity_on,
    ) = r;
    LoanView {
        loan_id: LoanId(loan_id),
        case_id: CaseId(case_id),
        firm_id: FirmId(firm_id),
        bank_code,
        loan_no,
        principal_won,
        annual_rate_pct,
        executed_on,
        maturity_on,
    }
}

/// Loans in id order, at most `limit` after `after`: all, one firm's, or one bank's.
pub async fn loans_page(
    db: &Db,
    scope: ListScope,
    after: i64,
    limit: i64,
) -> Result<Vec<LoanView>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{LOAN_VIEW}
     where l.loan_id > $1
       and ($2 is null or c.firm_id = $2)
       and ($3 is null or b.code = $3)
     order by l.loan_id
     limit $4"
    ));
    let (firm, bank) = scope.binds();
    let rows: Vec<LoanViewRow> = with_db!(db, p => {
        sqlx::query_as(sql).bind(after).bind(firm).bind(bank).bind(limit).fetch_all(p).await?
    });
    Ok(rows.into_iter().map(loan_view).collect())
}

/// The loan of a case, as its readers see it.
pub async fn loan_view_of_case(db: &Db, case_id: CaseId) -> Result<Option<LoanView>> {
    let sql = sqlx::AssertSqlSafe(format!("{LOAN_VIEW} where l.case_id = $1"));
    let row: Option<LoanViewRow> =
        with_db!(db, p => sqlx::query_as(sql).bind(case_id.0).fetch_optional(p).await?);
    Ok(row.map(loan_view))
}

pub async fn insert_loan(tx: &mut Tx, loan: &LoanRow, at: DateTime<Utc>) -> Result<LoanId> {
    let seq = tx.seal_seq().await?;
    let hash = crate::seal::loan_hash(loan);
    let id: i64 = with_tx!(tx, c => {
        sqlx::query_scalar(
            "insert into loan (case_id, bank_id, loan_no, principal_won, annual_rate_pct, executed_on, maturity_on, created_at, audit_seq, row_hash)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             returning loan_id",
        )
        .bind(loan.case_id.0)
        .bind(loan.bank_id.0)
        .bind(&loan.loan_no)
        .bind(loan.principal_won)
        .bind(&loan.annual_rate_pct)
        .bind(loan.executed_on)
        .bind(loan.maturity_on)
        .bind(at)
        .bind(seq)
        .bind(hash.hex())
        .fetch_one(c)
        .await?
    });
    tx.sealed(crate::seal::LOAN, [hash]);
    Ok(LoanId(id))
}

/// The cases with these guarantee numbers, by number.
pub async fn by_guarantees(
    tx: &mut Tx,
    guarantee_nos: &[String],
) -> Result<std::collections::HashMap<String, CaseRow>> {
    let mut out = std::collections::HashMap::with_capacity(guarantee_nos.len());
    for chunk in guarantee_nos.chunks(crate::identity::BATCH_ROWS) {
        let rows: Vec<CaseRow> = with_tx!(tx, c => {
            let mut q = sqlx::QueryBuilder::new(format!("{SELECT} where c.guarantee_no in ("));
            let mut list = q.separated(", ");
            for g in chunk {
                list.push_bind(g.clone());
            }
            q.push(")");
            fetch_mapped!(c, q.build(), case_row)
        });
        out.extend(
            rows.into_iter()
                .filter_map(|r| r.guarantee_no.clone().map(|g| (g, r))),
        );
    }
    Ok(out)
}

/// The cases with these guarantee numbers, by number.
pub async fn ids_of_guarantees(
    tx: &mut Tx,
    guarantee_nos: &[String],
) -> Result<std::collections::HashMap<String, CaseId>> {
    let rows = chunked!(
        tx,
        guarantee_nos,
        "select guarantee_no, case_id from support_case where guarantee_no in (",
        ")",
        (String, i64)
    );
    Ok(rows.into_iter().map(|(g, id)| (g, CaseId(id))).collect())
}

/// The approved amounts of these firms' open selected cases, by programme and firm (the
/// per-firm limit).
pub async fn open_won_of_firms(
    tx: &mut Tx,
    firm_ids: &[FirmId],
) -> Result<std::collections::HashMap<(String, FirmId), i64>> {
    let rows = chunked!(
        tx,
        firm_ids,
        "select program_id, firm_id, cast(coalesce(sum(approved_won), 0) as bigint)
         from support_case
         where state in ('selected', 'eligibility_review', 'approved', 'waitlisted', 'guarantee_issued', 'loan_executed')
           and firm_id in (",
        ") group by program_id, firm_id",
        (String, i64, i64)
    );
    Ok(rows
        .into_iter()
        .map(|(p, f, w)| ((p, FirmId(f)), w))
        .collect())
}

/// A case decided elsewhere (an imported `cases` row), stored in state `guarantee_issued`.
#[derive(Debug, Clone)]
pub struct DecidedCase<'a> {
    pub program_id: &'a str,
    pub firm_id: FirmId,
    pub approved_won: i64,
    pub grade: &'a str,
    pub coverage_pct: String,
    pub base_fee_rate_pct: String,
    pub bank_id: Option<BankId>,
    pub program_version_id: i64,
    pub decided_on: NaiveDate,
    pub guarantee_no: &'a str,
}

/// Inserts many decided cases with multi-row statements; returns each guarantee number's id.
pub async fn insert_decided_many(
    tx: &mut Tx,
    cases: &[DecidedCase<'_>],
    at: DateTime<Utc>,
) -> Result<Vec<(String, CaseId)>> {
    let ids = crate::write_rows!(
        tx,
        cases,
        "insert into support_case
             (program_id, firm_id, state, requested_won, grade, coverage_pct, base_fee_rate_pct, approved_won,
              bank_id, program_version_id, decided_on, guarantee_no, created_at, updated_at) ",
        |b, c: &DecidedCase<'_>| b
            .push_bind(c.program_id.to_owned())
            .push_bind(c.firm_id.0)
            .push_bind("guarantee_issued")
            .push_bind(c.approved_won)
            .push_bind(c.grade.to_owned())
            .push_bind(c.coverage_pct.clone())
            .push_bind(c.base_fee_rate_pct.clone())
            .push_bind(c.approved_won)
            .push_bind(c.bank_id.map(|b| b.0))
            .push_bind(c.program_version_id)
            .push_bind(c.decided_on)
            .push_bind(c.guarantee_no.to_owned())
            .push_bind(at)
            .push_bind(at),
        returning " returning guarantee_no, case_id" as (String, i64)
    );
    Ok(ids.into_iter().map(|(g, id)| (g, CaseId(id))).collect())
}

/// The loans of these cases, keyed by case id (bulk loan imports check against them).
pub async fn loans_of_cases(
    tx: &mut Tx,
    case_ids: &[CaseId],
) -> Result<std::collections::HashMap<CaseId, LoanRow>> {
    type Row = (i64, i64, String, i64, String, NaiveDate, NaiveDate);
    let rows = chunked!(
        tx,
        case_ids,
        "select case_id, bank_id, loan_no, principal_won, annual_rate_pct, executed_on, maturity_on
         from loan where case_id in (",
        ")",
        Row
    );
    Ok(rows
        .into_iter()
        .map(
            |(
                case_id,
                bank_id,
                loan_no,
                principal_won,
                annual_rate_pct,
                executed_on,
                maturity_on,
            )| {
                (
                    CaseId(case_id),
                    LoanRow {
                        case_id: CaseId(case_id),
                        bank_id: BankId(bank_id),
                        loan_no,
                        principal_won,
                        annual_rate_pct,
                        executed_on,
                        maturity_on,
                    },
                )
            },
        )
        .collect())
}

/// Inserts loans with multi-row statements.
pub async fn insert_loans(tx: &mut Tx, loans: &[LoanRow], at: DateTime<Utc>) -> Result<()> {
    let seq = tx.seal_seq().await?;
    let sealed: Vec<_> = loans
        .iter()
        .map(|l| (l, crate::seal::loan_hash(l)))
        .collect();
    crate::write_rows!(
        tx,
        sealed,
        "insert into loan (case_id, bank_id, loan_no, principal_won, annual_rate_pct, executed_on, maturity_on, created_at, audit_seq, row_hash) ",
        |b, row: &(&LoanRow, jumpup_domain::audit::RowHash)| b
            .push_bind(row.0.case_id.0)
            .push_bind(row.0.bank_id.0)
            .push_bind(row.0.loan_no.clone())
            .push_bind(row.0.principal_won)
            .push_bind(row.0.annual_rate_pct.clone())
            .push_bind(row.0.executed_on)
            .push_bind(row.0.maturity_on)
            .push_bind(at)
            .push_bind(seq)
            .push_bind(row.1.hex())
    );
    tx.sealed(crate::seal::LOAN, sealed.into_iter().map(|(_, h)| h));
    Ok(())
}

/// Moves cases to `state` with their lending bank: `(case_id, bank_id)`, many per statement.
pub async fn set_states(
    tx: &mut Tx,
    state: State,
    cases: &[(CaseId, BankId)],
    at: DateTime<Utc>,
) -> Result<()> {
    for chunk in cases.chunks(crate::identity::BATCH_ROWS) {
        with_tx!(tx, c => {
            let mut q = sqlx::QueryBuilder::new("update support_case set state = ");
            q.push_bind(state.as_str());
            q.push(", updated_at = ");
            q.push_bind(at);
            q.push(", bank_id = v.bank_id from (select column1 as case_id, column2 as bank_id from (");
            q.push_values(chunk, |mut b, (case_id, bank_id)| {
                b.push_bind(case_id.0).push_bind(bank_id.0);
            });
            q.push(") as t) as v where support_case.case_id = v.case_id");
            q.build().execute(c).await?;
        });
    }
    Ok(())
}

/// Per programme, the cases that hold or held a guarantee (whatever became of them later) and
/// the distinct firms among them.
pub async fn supported(db: &Db) -> Result<Vec<(String, i64, i64)>> {
    let rows: Vec<(String, i64, i64)> = with_db!(db, p => {
        sqlx::query_as(
            "select program_id, count(distinct firm_id), count(*)
             from support_case where guarantee_no is not null
             group by program_id order by program_id",
        )
        .fetch_all(p)
        .await?
    });
    Ok(rows)
}

/// Per programme, its guaranteed amounts grouped by coverage and amount (the loan's principal
/// once lent, else the approved amount): `(programme, coverage, amount, cases)`, so each
/// guarantee's floor can be taken exactly (RULES.md 5) without reading every case.
pub async fn guarantee_groups(db: &Db) -> Result<Vec<(String, String, i64, i64)>> {
    let rows: Vec<(String, String, i64, i64)> = with_db!(db, p => {
        sqlx::query_as(
            "select c.program_id, c.coverage_pct, coalesce(l.principal_won, c.approved_won), count(*)
             from support_case c left join loan l on l.case_id = c.case_id
             where c.guarantee_no is not null and c.coverage_pct is not null
               and coalesce(l.principal_won, c.approved_won) is not null
             group by c.program_id, c.coverage_pct, coalesce(l.principal_won, c.approved_won)",
        )
        .fetch_all(p)
        .await?
    });
    Ok(rows)
}

/// A bank's figures: its loans and their principal, the claims it filed and their sum, what
/// approved batches paid it (net of clawbacks), and its latest approved batches with lines of
/// its own (id, through).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BankFigures {
    pub loans: i64,
    pub principal_won: i64,
    pub claims: i64,
    pub claimed_won: i64,
    pub paid_won: i64,
    pub batches: Vec<(i64, NaiveDate)>,
}

pub async fn bank_figures(db: &Db, bank_code: &str) -> Result<BankFigures> {
    type Sums = (i64, i64, i64, i64, i64);
    let (loans, principal_won, claims, claimed_won, paid_won): Sums = with_db!(db, p => {
        sqlx::query_as(
            "select
               (select count(*) from loan l where l.bank_id = b.bank_id),
               (select coalesce(cast(sum(l.principal_won) as bigint), 0) from loan l where l.bank_id = b.bank_id),
               (select count(*) from claim c where c.bank_id = b.bank_id),
               (select coalesce(cast(sum(c.claimed_won) as bigint), 0) from claim c where c.bank_id = b.bank_id),
               (select coalesce(cast(sum(s.payable_won) as bigint), 0)
                  from settlement_line s join settlement_batch t on t.batch_id = s.batch_id
                  where s.bank_id = b.bank_id and t.state = 'approved')
             from bank b where b.code = $1",
        )
        .bind(bank_code)
        .fetch_optional(p)
        .await?
        .unwrap_or_default()
    });
    let batches: Vec<(i64, NaiveDate)> = with_db!(db, p => {
        sqlx::query_as(
            "select t.batch_id, t.through_on from settlement_batch t
             where t.state = 'approved' and exists (
                 select 1 from settlement_line s join bank b on b.bank_id = s.bank_id
                 where s.batch_id = t.batch_id and b.code = $1)
             order by t.batch_id desc limit 6",
        )
        .bind(bank_code)
        .fetch_all(p)
        .await?
    });
    Ok(BankFigures {
        loans,
        principal_won,
        claims,
        claimed_won,
        paid_won,
        batches,
    })
}
