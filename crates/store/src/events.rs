//! Loan events as reported (RULES.md 6.3, 8): each with its reporter, in the order recorded;
//! never deleted (a wrong one is cancelled, in a later issue's settlement work).

use chrono::{DateTime, NaiveDate, Utc};

use std::collections::HashMap;

use jumpup_domain::ids::{BankId, CaseId, LoanId, UserId};
use jumpup_domain::workflow::State;

use crate::cases::LoanRow;
use crate::{Result, StoreError, Tx, seal, with_tx};
use jumpup_domain::audit::RowHash;

/// A stored event, as the engine needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub loan_event_id: i64,
    /// FILES.md's `seq`: 1 unless two events of one kind fall on one day.
    pub seq: i64,
    pub on: NaiveDate,
    pub kind: String,
    pub amount_won: Option<i64>,
    pub annual_rate_pct: Option<String>,
}

/// The loan of a case, with its id.
pub async fn loan_of_case(tx: &mut Tx, case_id: CaseId) -> Result<Option<(LoanId, LoanRow)>> {
    type Row = (i64, i64, i64, String, i64, String, NaiveDate, NaiveDate);
    let row: Option<Row> = with_tx!(tx, c => {
        sqlx::query_as(
            "select loan_id, case_id, bank_id, loan_no, principal_won, annual_rate_pct, executed_on, maturity_on
             from loan
             where case_id = $1",
        )
        .bind(case_id.0)
        .fetch_optional(c)
        .await?
    });
    Ok(row.map(
        |(
            id,
            case_id,
            bank_id,
            loan_no,
            principal_won,
            annual_rate_pct,
            executed_on,
            maturity_on,
        )| {
            (
                LoanId(id),
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
    ))
}

/// A loan's events that are not cancelled, in the order they were recorded.
pub async fn of_loan(tx: &mut Tx, loan_id: LoanId) -> Result<Vec<EventRow>> {
    type Row = (i64, i64, NaiveDate, String, Option<i64>, Option<String>);
    let rows: Vec<Row> = with_tx!(tx, c => {
        sqlx::query_as(
            "select loan_event_id, seq, on_date, kind, amount_won, annual_rate_pct
             from loan_event
             where loan_id = $1 and cancelled_at is null
             order by loan_event_id",
        )
        .bind(loan_id.0)
        .fetch_all(c)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(
            |(loan_event_id, seq, on, kind, amount_won, annual_rate_pct)| EventRow {
                loan_event_id,
                seq,
                on,
                kind,
                amount_won,
                annual_rate_pct,
            },
        )
        .collect())
}

/// Records an event reported by `user_id`.
pub async fn insert(
    tx: &mut Tx,
    loan_id: LoanId,
    event: &EventRow,
    user_id: UserId,
    at: DateTime<Utc>,
) -> Result<i64> {
    let seq = tx.seal_seq().await?;
    let hash = seal::event_hash(loan_id, event, user_id);
    let id: i64 = with_tx!(tx, c => {
        sqlx::query_scalar(
            "insert into loan_event (loan_id, on_date, kind, amount_won, annual_rate_pct, reported_by, recorded_at, seq, audit_seq, row_hash)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             returning loan_event_id",
        )
        .bind(loan_id.0)
        .bind(event.on)
        .bind(&event.kind)
        .bind(event.amount_won)
        .bind(&event.annual_rate_pct)
        .bind(user_id.0)
        .bind(at)
        .bind(event.seq)
        .bind(seq)
        .bind(hash.hex())
        .fetch_one(c)
        .await?
    });
    tx.sealed(seal::EVENT, [hash]);
    Ok(id)
}

/// Stores new events of loans with multi-row statements, in the order given.
pub async fn insert_many(
    tx: &mut Tx,
    events: &[(LoanId, EventRow)],
    user_id: UserId,
    at: DateTime<Utc>,
) -> Result<()> {
    let seq = tx.seal_seq().await?;
    let sealed: Vec<_> = events
        .iter()
        .map(|(loan_id, e)| (*loan_id, e, seal::event_hash(*loan_id, e, user_id)))
        .collect();
    crate::write_rows!(
        tx,
        sealed,
        "insert into loan_event (loan_id, on_date, kind, amount_won, annual_rate_pct, reported_by, recorded_at, seq, audit_seq, row_hash) ",
        |b, row: &(LoanId, &EventRow, RowHash)| b
            .push_bind(row.0.0)
            .push_bind(row.1.on)
            .push_bind(row.1.kind.clone())
            .push_bind(row.1.amount_won)
            .push_bind(row.1.annual_rate_pct.clone())
            .push_bind(user_id.0)
            .push_bind(at)
            .push_bind(row.1.seq)
            .push_bind(seq)
            .push_bind(row.2.hex())
    );
    tx.sealed(seal::EVENT, sealed.into_iter().map(|(_, _, h)| h));
    Ok(())
}

/// The cases of loans by bank id and loan number, read a chunk of keys per statement.
pub async fn cases_of_loan_nos(
    tx: &mut Tx,
    keys: &[(BankId, String)],
) -> Result<HashMap<(BankId, String), CaseId>> {
    let mut out = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(crate::identity::BATCH_ROWS) {
        let rows: Vec<(i64, String, i64)> = with_tx!(tx, c => {
            let mut q = sqlx::QueryBuilder::new(
                "select bank_id, loan_no, case_id from loan where (bank_id, loan_no) in (",
            );
            let mut list = q.separated(", ");
            for (bank_id, loan_no) in chunk {
                list.push("(")
                    .push_bind_unseparated(bank_id.0)
                    .push_unseparated(", ")
                    .push_bind_unseparated(loan_no.clone())
                    .push_unseparated(")");
            }
            q.push(")");
            q.build_query_as().fetch_all(c).await?
        });
        out.extend(
            rows.into_iter()
                .map(|(bank_id, loan_no, case_id)| ((BankId(bank_id), loan_no), CaseId(case_id))),
        );
    }
    Ok(out)
}

/// A case's loan with what deciding a reported event needs: the case's state and lending bank,
/// and every event of the loan.
#[derive(Debug, Clone)]
pub struct LoanRecord {
    pub case_id: CaseId,
    pub state: State,
    pub bank_code: String,
    pub loan_id: LoanId,
    pub loan: LoanRow,
    /// Events not cancelled, in the order recorded.
    pub events: Vec<EventRow>,
    /// Cancelled events: their keys stay taken.
    pub cancelled: Vec<EventRow>,
}

/// The loan records of these cases (cases without a loan have none).
pub async fn records_of_cases(
    tx: &mut Tx,
    case_ids: &[CaseId],
) -> Result<HashMap<CaseId, LoanRecord>> {
    type LoanTuple = (
        i64,
        i64,
        String,
        String,
        i64,
        String,
        i64,
        String,
        NaiveDate,
        NaiveDate,
    );
    let loans = chunked!(
        tx,
        case_ids,
        "select l.case_id, l.loan_id, c.state, b.code, l.bank_id, l.loan_no, l.principal_won,
                l.annual_rate_pct, l.executed_on, l.maturity_on
         from loan l join support_case c on c.case_id = l.case_id join bank b on b.bank_id = l.bank_id
         where l.case_id in (",
        ")",
        LoanTuple
    );
    let mut out = HashMap::with_capacity(loans.len());
    let mut case_of_loan = HashMap::with_capacity(loans.len());
    for (
        case_id,
        loan_id,
        state,
        bank_code,
        bank_id,
        loan_no,
        principal_won,
        annual_rate_pct,
        executed_on,
        maturity_on,
    ) in loans
    {
        let (case_id, loan_id, bank_id) = (CaseId(case_id), LoanId(loan_id), BankId(bank_id));
        let state = State::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("case {case_id} state {state:?}")))?;
        case_of_loan.insert(loan_id, case_id);
        out.insert(
            case_id,
            LoanRecord {
                case_id,
                state,
                bank_code,
                loan_id,
                loan: LoanRow {
                    case_id,
                    bank_id,
                    loan_no,
                    principal_won,
                    annual_rate_pct,
                    executed_on,
                    maturity_on,
                },
                events: Vec::new(),
                cancelled: Vec::new(),
            },
        );
    }
    let loan_ids: Vec<LoanId> = case_of_loan.keys().copied().collect();
    type EventTuple = (
        i64,
        i64,
        i64,
        NaiveDate,
        String,
        Option<i64>,
        Option<String>,
        bool,
    );
    let mut events = chunked!(
        tx,
        loan_ids,
        "select loan_id, loan_event_id, seq, on_date, kind, amount_won, annual_rate_pct,
                cancelled_at is not null
         from loan_event where loan_id in (",
        ")",
        EventTuple
    );
    events.sort_unstable_by_key(|e| e.1);
    for (loan_id, loan_event_id, seq, on, kind, amount_won, annual_rate_pct, cancelled) in events {
        let record = case_of_loan
            .get(&LoanId(loan_id))
            .and_then(|case_id| out.get_mut(case_id))
            .ok_or_else(|| {
                StoreError::Corrupt(format!("event {loan_event_id} of loan {loan_id}"))
            })?;
        let row = EventRow {
            loan_event_id,
            seq,
            on,
            kind,
            amount_won,
            annual_rate_pct,
        };
        if cancelled {
            record.cancelled.push(row);
        } else {
            record.events.push(row);
        }
    }
    Ok(out)
}

/// One event by id with its loan and case, and whether it is cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub loan_id: LoanId,
    pub case_id: CaseId,
    pub event: EventRow,
    pub reported_by: UserId,
    pub cancelled: bool,
}

/// A stored event's columns, with its loan's case and whether it is cancelled.
const STORED_EVENT: &str =
    "select e.loan_id, l.case_id, e.loan_event_id, e.seq, e.on_date, e.kind, e.amount_won,
            e.annual_rate_pct, e.reported_by, e.cancelled_at is not null
     from loan_event e join loan l on l.loan_id = e.loan_id";

type StoredEventRow = (
    i64,
    i64,
    i64,
    i64,
    NaiveDate,
    String,
    Option<i64>,
    Option<String>,
    i64,
    bool,
);

fn stored_event(r: StoredEventRow) -> StoredEvent {
    let (
        loan_id,
        case_id,
        loan_event_id,
        seq,
        on,
        kind,
        amount_won,
        annual_rate_pct,
        reported_by,
        cancelled,
    ) = r;
    StoredEvent {
        loan_id: LoanId(loan_id),
        case_id: CaseId(case_id),
        event: EventRow {
            loan_event_id,
            seq,
            on,
            kind,
            amount_won,
            annual_rate_pct,
        },
        reported_by: UserId(reported_by),
        cancelled,
    }
}

pub async fn by_id(tx: &mut Tx, loan_event_id: i64) -> Result<Option<StoredEvent>> {
    let sql = sqlx::AssertSqlSafe(format!("{STORED_EVENT} where e.loan_event_id = $1"));
    let row: Option<StoredEventRow> =
        with_tx!(tx, c => sqlx::query_as(sql).bind(loan_event_id).fetch_optional(c).await?);
    Ok(row.map(stored_event))
}

/// Every event of a loan, cancelled ones too, with who reported it, in the order recorded
/// (what the case's readers see).
pub async fn history_of_loan(db: &crate::Db, loan_id: LoanId) -> Result<Vec<StoredEvent>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{STORED_EVENT} where e.loan_id = $1 order by e.loan_event_id"
    ));
    let rows: Vec<StoredEventRow> =
        crate::with_db!(db, p => sqlx::query_as(sql).bind(loan_id.0).fetch_all(p).await?);
    Ok(rows.into_iter().map(stored_event).collect())
}
