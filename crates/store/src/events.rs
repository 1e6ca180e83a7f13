//! Loan events as reported (RULES.md 6.3, 8): each with its reporter, in the order recorded;
//! never deleted (a wrong one is cancelled, in a later issue's settlement work).

use chrono::{DateTime, NaiveDate, Utc};

use crate::cases::LoanRow;
use crate::{Result, Tx, with_tx};

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
pub async fn loan_of_case(tx: &mut Tx, case_id: i64) -> Result<Option<(i64, LoanRow)>> {
    type Row = (i64, i64, i64, String, i64, String, NaiveDate, NaiveDate);
    let row: Option<Row> = with_tx!(tx, c => {
        sqlx::query_as(
            "select loan_id, case_id, bank_id, loan_no, principal_won, annual_rate_pct, executed_on, maturity_on
             from loan
             where case_id = $1",
        )
        .bind(case_id)
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
                id,
                LoanRow {
                    case_id,
                    bank_id,
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
pub async fn of_loan(tx: &mut Tx, loan_id: i64) -> Result<Vec<EventRow>> {
    type Row = (i64, i64, NaiveDate, String, Option<i64>, Option<String>);
    let rows: Vec<Row> = with_tx!(tx, c => {
        sqlx::query_as(
            "select loan_event_id, seq, on_date, kind, amount_won, annual_rate_pct
             from loan_event
             where loan_id = $1 and cancelled_at is null
             order by loan_event_id",
        )
        .bind(loan_id)
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

/// The keys of a loan's cancelled events: `(loan_event_id, on, kind, seq)`.
pub async fn cancelled_keys(
    tx: &mut Tx,
    loan_id: i64,
) -> Result<Vec<(i64, NaiveDate, String, i64)>> {
    let rows: Vec<(i64, NaiveDate, String, i64)> = with_tx!(tx, c => {
        sqlx::query_as(
            "select loan_event_id, on_date, kind, seq from loan_event
             where loan_id = $1 and cancelled_at is not null order by loan_event_id",
        )
        .bind(loan_id)
        .fetch_all(c)
        .await?
    });
    Ok(rows)
}

/// Records an event reported by `user_id`.
pub async fn insert(
    tx: &mut Tx,
    loan_id: i64,
    event: &EventRow,
    user_id: i64,
    at: DateTime<Utc>,
) -> Result<i64> {
    let id: i64 = with_tx!(tx, c => {
        sqlx::query_scalar(
            "insert into loan_event (loan_id, on_date, kind, amount_won, annual_rate_pct, reported_by, recorded_at, seq)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
             returning loan_event_id",
        )
        .bind(loan_id)
        .bind(event.on)
        .bind(&event.kind)
        .bind(event.amount_won)
        .bind(&event.annual_rate_pct)
        .bind(user_id)
        .bind(at)
        .bind(event.seq)
        .fetch_one(c)
        .await?
    });
    Ok(id)
}

/// The case of a bank's loan number.
pub async fn case_of_loan_no(tx: &mut Tx, bank_code: &str, loan_no: &str) -> Result<Option<i64>> {
    let id: Option<i64> = with_tx!(tx, c => {
        sqlx::query_scalar(
            "select l.case_id
             from loan l
             join bank b on b.bank_id = l.bank_id
             where b.code = $1 and l.loan_no = $2",
        )
        .bind(bank_code)
        .bind(loan_no)
        .fetch_optional(c)
        .await?
    });
    Ok(id)
}

/// One event by id with its loan and case, and whether it is cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub loan_id: i64,
    pub case_id: i64,
    pub event: EventRow,
    pub reported_by: i64,
    pub cancelled: bool,
}

pub async fn by_id(tx: &mut Tx, loan_event_id: i64) -> Result<Option<StoredEvent>> {
    type Row = (
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
    let row: Option<Row> = with_tx!(tx, c => {
        sqlx::query_as(
            "select e.loan_id, l.case_id, e.seq, e.on_date, e.kind, e.amount_won, e.annual_rate_pct, e.reported_by,
                    e.cancelled_at is not null
             from loan_event e join loan l on l.loan_id = e.loan_id
             where e.loan_event_id = $1",
        )
        .bind(loan_event_id)
        .fetch_optional(c)
        .await?
    });
    Ok(row.map(
        |(loan_id, case_id, seq, on, kind, amount_won, annual_rate_pct, reported_by, cancelled)| {
            StoredEvent {
                loan_id,
                case_id,
                event: EventRow {
                    loan_event_id,
                    seq,
                    on,
                    kind,
                    amount_won,
                    annual_rate_pct,
                },
                reported_by,
                cancelled,
            }
        },
    ))
}
