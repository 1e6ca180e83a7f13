//! Claims as filed by banks (FILES.md `claims`), keyed by bank, loan number, period start and
//! revision; a higher revision replaces the bank's earlier claim for that period at settlement.

use chrono::{DateTime, NaiveDate, Utc};

use jumpup_domain::ids::{BankId, UserId};
use jumpup_domain::money::Won;

use crate::{Result, Tx, with_tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRow {
    pub bank_id: BankId,
    pub loan_no: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub claimed: Won,
    pub revision: i64,
}

/// The stored claims with the keys of these rows (bank, loan number, period start, revision),
/// read a chunk of keys per statement.
pub async fn existing(tx: &mut Tx, keys: &[ClaimRow]) -> Result<Vec<ClaimRow>> {
    type Tuple = (i64, String, NaiveDate, NaiveDate, i64, i64);
    let mut out = Vec::new();
    for chunk in keys.chunks(crate::identity::BATCH_ROWS) {
        let rows: Vec<Tuple> = with_tx!(tx, c => {
            let mut q = sqlx::QueryBuilder::new(
                "select bank_id, loan_no, period_from, period_to, claimed_won, revision
                 from claim where (bank_id, loan_no, period_from, revision) in (",
            );
            let mut list = q.separated(", ");
            for r in chunk {
                list.push("(")
                    .push_bind_unseparated(r.bank_id.0)
                    .push_unseparated(", ")
                    .push_bind_unseparated(r.loan_no.clone())
                    .push_unseparated(", ")
                    .push_bind_unseparated(r.period_from)
                    .push_unseparated(", ")
                    .push_bind_unseparated(r.revision)
                    .push_unseparated(")");
            }
            q.push(")");
            q.build_query_as().fetch_all(c).await?
        });
        out.extend(rows.into_iter().map(
            |(bank_id, loan_no, period_from, period_to, claimed_won, revision)| ClaimRow {
                bank_id: BankId(bank_id),
                loan_no,
                period_from,
                period_to,
                claimed: Won::new(claimed_won),
                revision,
            },
        ));
    }
    Ok(out)
}

/// Stores claims with multi-row statements.
pub async fn insert_many(
    tx: &mut Tx,
    claims: &[ClaimRow],
    user_id: UserId,
    at: DateTime<Utc>,
) -> Result<()> {
    let seq = tx.seal_seq().await?;
    let sealed: Vec<_> = claims
        .iter()
        .map(|c| (c, crate::seal::claim_hash(c, user_id)))
        .collect();
    crate::write_rows!(
        tx,
        sealed,
        "insert into claim (bank_id, loan_no, period_from, period_to, claimed_won, revision, imported_by, imported_at, audit_seq, row_hash) ",
        |b, row: &(&ClaimRow, jumpup_domain::audit::RowHash)| b
            .push_bind(row.0.bank_id.0)
            .push_bind(row.0.loan_no.clone())
            .push_bind(row.0.period_from)
            .push_bind(row.0.period_to)
            .push_bind(row.0.claimed.get())
            .push_bind(row.0.revision)
            .push_bind(user_id.0)
            .push_bind(at)
            .push_bind(seq)
            .push_bind(row.1.hex())
    );
    tx.sealed(crate::seal::CLAIM, sealed.into_iter().map(|(_, h)| h));
    Ok(())
}

/// How many claims are stored (for reports and tests).
pub async fn count(tx: &mut Tx) -> Result<i64> {
    let n: i64 =
        with_tx!(tx, c => sqlx::query_scalar("select count(*) from claim").fetch_one(c).await?);
    Ok(n)
}
