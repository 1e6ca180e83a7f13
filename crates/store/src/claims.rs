//! Claims as filed by banks (FILES.md `claims`), keyed by bank, loan number, period start and
//! revision; a higher revision replaces the bank's earlier claim for that period at settlement.

use chrono::{DateTime, NaiveDate, Utc};

use crate::{Result, Tx, with_tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRow {
    pub bank_id: i64,
    pub loan_no: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub claimed_won: i64,
    pub revision: i64,
}

/// The stored claim with this key, if any.
pub async fn by_key(
    tx: &mut Tx,
    bank_id: i64,
    loan_no: &str,
    period_from: NaiveDate,
    revision: i64,
) -> Result<Option<ClaimRow>> {
    let row: Option<(NaiveDate, i64)> = with_tx!(tx, c => {
        sqlx::query_as(
            "select period_to, claimed_won
             from claim
             where bank_id = $1 and loan_no = $2 and period_from = $3 and revision = $4",
        )
        .bind(bank_id)
        .bind(loan_no)
        .bind(period_from)
        .bind(revision)
        .fetch_optional(c)
        .await?
    });
    Ok(row.map(|(period_to, claimed_won)| ClaimRow {
        bank_id,
        loan_no: loan_no.to_owned(),
        period_from,
        period_to,
        claimed_won,
        revision,
    }))
}

/// Stores claims with multi-row statements.
pub async fn insert_many(
    tx: &mut Tx,
    claims: &[ClaimRow],
    user_id: i64,
    at: DateTime<Utc>,
) -> Result<()> {
    for chunk in claims.chunks(crate::identity::BATCH_ROWS) {
        with_tx!(tx, c => {
            let mut q = sqlx::QueryBuilder::new(
                "insert into claim (bank_id, loan_no, period_from, period_to, claimed_won, revision, imported_by, imported_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.bank_id)
                    .push_bind(r.loan_no.clone())
                    .push_bind(r.period_from)
                    .push_bind(r.period_to)
                    .push_bind(r.claimed_won)
                    .push_bind(r.revision)
                    .push_bind(user_id)
                    .push_bind(at);
            });
            q.build().execute(c).await?;
        });
    }
    Ok(())
}

/// How many claims are stored (for reports and tests).
pub async fn count(tx: &mut Tx) -> Result<i64> {
    let n: i64 =
        with_tx!(tx, c => sqlx::query_scalar("select count(*) from claim").fetch_one(c).await?);
    Ok(n)
}
