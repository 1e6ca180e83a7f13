//! Budget postings: inserted once under their id (the idempotency key), never updated, and
//! summed into balances. The domain's `Ledger` re-checks them when loaded.

use chrono::{DateTime, Utc};
use jumpup_domain::ids::{BankId, CaseId};
use jumpup_domain::ledger::{Account, Posting, PostingKind};
use jumpup_domain::money::Won;

use jumpup_domain::audit::RowHash;

use crate::{Db, Result, StoreError, Tx, seal, with_db, with_tx};

fn posting_seal(program_id: &str, p: &Posting, case_id: Option<CaseId>) -> RowHash {
    seal::posting_hash(
        p.id(),
        program_id,
        p.kind().as_str(),
        p.from().as_str(),
        p.to().as_str(),
        p.amount().get(),
        case_id,
    )
}

/// Inserts a posting; the same id again with the same content changes nothing (`false`), with
/// other content it is a conflict.
pub async fn post(
    tx: &mut Tx,
    program_id: &str,
    posting: &Posting,
    case_id: Option<CaseId>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let existing: Option<(String, String, i64)> = with_tx!(tx, c => {
        sqlx::query_as("select program_id, kind, amount_won from budget_posting where posting_id = $1")
            .bind(posting.id())
            .fetch_optional(c)
            .await?
    });
    if let Some((program, kind, amount)) = existing {
        return if program == program_id
            && kind == posting.kind().as_str()
            && amount == posting.amount().get()
        {
            Ok(false)
        } else {
            Err(StoreError::Conflict {
                constraint: format!("budget_posting {} exists with other content", posting.id()),
            })
        };
    }
    let seq = tx.seal_seq().await?;
    let hash = posting_seal(program_id, posting, case_id);
    with_tx!(tx, c => {
        sqlx::query(
            "insert into budget_posting (posting_id, program_id, kind, from_account, to_account, amount_won, case_id, created_at, audit_seq, row_hash)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(posting.id())
        .bind(program_id)
        .bind(posting.kind().as_str())
        .bind(posting.from().as_str())
        .bind(posting.to().as_str())
        .bind(posting.amount().get())
        .bind(case_id.map(|c| c.0))
        .bind(at)
        .bind(seq)
        .bind(hash.hex())
        .execute(c)
        .await?;
    });
    tx.sealed(seal::POSTING, [hash]);
    Ok(true)
}

const FLOWS: &str = "select from_account, to_account, cast(sum(amount_won) as bigint)
     from budget_posting
     where program_id = $1
     group by from_account, to_account";

/// A programme's balance of one account, from its postings (sources as what they supplied).
pub async fn balance(tx: &mut Tx, program_id: &str, account: Account) -> Result<Won> {
    let flows: Vec<(String, String, i64)> =
        with_tx!(tx, c => sqlx::query_as(FLOWS).bind(program_id).fetch_all(c).await?);
    Ok(balance_of(&flows, account))
}

fn balance_of(flows: &[(String, String, i64)], account: Account) -> Won {
    let name = account.as_str();
    let mut total: i64 = 0;
    for (from, to, amount) in flows {
        if to == name {
            total += amount;
        }
        if from == name {
            total -= amount;
        }
    }
    // Sources are reported as what they supplied.
    Won::new(if matches!(account, Account::Funding | Account::Overrun) {
        -total
    } else {
        total
    })
}

/// What one case holds reserved: reservations in, releases and payments out.
pub async fn case_reserved(tx: &mut Tx, case_id: CaseId) -> Result<Won> {
    let n: i64 = with_tx!(tx, c => {
        sqlx::query_scalar(
            "select cast(coalesce(sum(case when to_account = 'reserved' then amount_won
                                            when from_account = 'reserved' then -amount_won
                                            else 0 end), 0) as bigint)
             from budget_posting
             where case_id = $1",
        )
        .bind(case_id.0)
        .fetch_one(c)
        .await?
    });
    Ok(Won::new(n))
}

/// How many postings a case has (to number new ones).
pub async fn case_posting_count(tx: &mut Tx, case_id: CaseId) -> Result<i64> {
    let n: i64 = with_tx!(tx, c => {
        sqlx::query_scalar("select count(*) from budget_posting where case_id = $1").bind(case_id.0).fetch_one(c).await?
    });
    Ok(n)
}

/// The total of a programme's postings of one kind.
pub async fn kind_total(tx: &mut Tx, program_id: &str, kind: PostingKind) -> Result<Won> {
    let n: i64 = with_tx!(tx, c => {
        sqlx::query_scalar("select cast(coalesce(sum(amount_won), 0) as bigint) from budget_posting where program_id = $1 and kind = $2")
            .bind(program_id)
            .bind(kind.as_str())
            .fetch_one(c)
            .await?
    });
    Ok(Won::new(n))
}

/// Every programme's balances, for `budget show` and `ledger check`.
pub async fn balances(db: &Db) -> Result<Vec<(String, Vec<(Account, Won)>)>> {
    let programs: Vec<String> = with_db!(db, p => {
        sqlx::query_scalar("select distinct program_id from budget_posting order by program_id").fetch_all(p).await?
    });
    let mut out = Vec::new();
    for program in programs {
        let flows: Vec<(String, String, i64)> =
            with_db!(db, p => sqlx::query_as(FLOWS).bind(&program).fetch_all(p).await?);
        out.push((
            program,
            Account::ALL
                .into_iter()
                .map(|a| (a, balance_of(&flows, a)))
                .collect(),
        ));
    }
    Ok(out)
}

/// Postings whose stored accounts do not match their kind (never, unless rows were edited).
pub async fn inconsistent_postings(db: &Db) -> Result<Vec<String>> {
    let rows: Vec<(String, String, String, String, i64)> = with_db!(db, p => {
        sqlx::query_as("select posting_id, kind, from_account, to_account, amount_won from budget_posting").fetch_all(p).await?
    });
    Ok(rows
        .into_iter()
        .filter(|(_, kind, from, to, amount)| {
            PostingKind::parse(kind)
                .is_none_or(|k| k.accounts().0.as_str() != from || k.accounts().1.as_str() != to)
                || *amount <= 0
        })
        .map(|(id, ..)| id)
        .collect())
}

/// Inserts many new postings (ids not yet used) with multi-row statements, each with its case
/// (`Option<CaseId>`, or `CaseId` where every one has a case).
pub async fn post_many<C: Copy + Into<Option<CaseId>>>(
    tx: &mut Tx,
    program_id: &str,
    postings: &[(Posting, C)],
    at: DateTime<Utc>,
) -> Result<()> {
    let seq = tx.seal_seq().await?;
    let sealed: Vec<_> = postings
        .iter()
        .map(|(p, case_id)| {
            let case_id: Option<CaseId> = (*case_id).into();
            (p, case_id, posting_seal(program_id, p, case_id))
        })
        .collect();
    crate::write_rows!(
        tx,
        sealed,
        "insert into budget_posting (posting_id, program_id, kind, from_account, to_account, amount_won, case_id, created_at, audit_seq, row_hash) ",
        |b, row: &(&Posting, Option<CaseId>, RowHash)| b
            .push_bind(row.0.id().to_owned())
            .push_bind(program_id.to_owned())
            .push_bind(row.0.kind().as_str())
            .push_bind(row.0.from().as_str())
            .push_bind(row.0.to().as_str())
            .push_bind(row.0.amount().get())
            .push_bind(row.1.map(|c| c.0))
            .push_bind(at)
            .push_bind(seq)
            .push_bind(row.2.hex())
    );
    tx.sealed(seal::POSTING, sealed.into_iter().map(|(_, _, h)| h));
    Ok(())
}

/// Cases whose reservation does not match their state: any negative, or a positive one
/// outside the holding states (`approved`, `guarantee_issued`, `loan_executed`).
/// `(case_id, state, reserved)`.
pub async fn misplaced_reservations(db: &Db) -> Result<Vec<(CaseId, String, i64)>> {
    let rows: Vec<(i64, String, i64)> = with_db!(db, p => {
        sqlx::query_as(
            "select c.case_id, c.state,
                    cast(coalesce(sum(case when p.to_account = 'reserved' then p.amount_won
                                           when p.from_account = 'reserved' then -p.amount_won
                                           else 0 end), 0) as bigint) as reserved
             from budget_posting p
             join support_case c on c.case_id = p.case_id
             group by c.case_id, c.state
             order by c.case_id",
        )
        .fetch_all(p)
        .await?
    });
    Ok(rows
        .into_iter()
        .filter(|(_, state, reserved)| {
            *reserved < 0
                || (*reserved > 0
                    && !matches!(
                        state.as_str(),
                        "approved" | "guarantee_issued" | "loan_executed"
                    ))
        })
        .map(|(id, state, reserved)| (CaseId(id), state, reserved))
        .collect())
}

/// What each of these cases holds reserved, and is owed back by clawbacks not yet recovered:
/// `(case_id, reserved, receivable)`, for cases with any posting.
pub async fn case_balances(tx: &mut Tx, case_ids: &[CaseId]) -> Result<Vec<(CaseId, Won, Won)>> {
    let mut out = Vec::new();
    for chunk in case_ids.chunks(crate::identity::BATCH_ROWS) {
        let rows: Vec<(i64, i64, i64)> = with_tx!(tx, c => {
            let mut q = sqlx::QueryBuilder::new(
                "select case_id,
                        cast(coalesce(sum(case when to_account = 'reserved' then amount_won
                                               when from_account = 'reserved' then -amount_won
                                               else 0 end), 0) as bigint),
                        cast(coalesce(sum(case when to_account = 'clawback_receivable' then amount_won
                                               when from_account = 'clawback_receivable' then -amount_won
                                               else 0 end), 0) as bigint)
                 from budget_posting where case_id in (",
            );
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(id.0);
            }
            q.push(") group by case_id");
            q.build_query_as().fetch_all(c).await?
        });
        out.extend(
            rows.into_iter()
                .map(|(id, r, c)| (CaseId(id), Won::new(r), Won::new(c))),
        );
    }
    Ok(out)
}

/// Cases of a bank with clawbacks not yet recovered, oldest case first:
/// `(case_id, program_id, receivable)`.
pub async fn receivables_of_bank(
    tx: &mut Tx,
    bank_id: BankId,
) -> Result<Vec<(CaseId, String, Won)>> {
    let rows: Vec<(i64, String, i64)> = with_tx!(tx, c => {
        sqlx::query_as(
            "select p.case_id, p.program_id,
                    cast(sum(case when p.to_account = 'clawback_receivable' then p.amount_won else -p.amount_won end) as bigint)
             from budget_posting p
             join support_case c on c.case_id = p.case_id
             where c.bank_id = $1 and p.kind in ('clawback', 'recover')
             group by p.case_id, p.program_id
             having sum(case when p.to_account = 'clawback_receivable' then p.amount_won else -p.amount_won end) > 0
             order by p.case_id",
        )
        .bind(bank_id.0)
        .fetch_all(c)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(id, p, w)| (CaseId(id), p, Won::new(w)))
        .collect())
}
