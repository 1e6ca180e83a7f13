//! The audit log's rows: append in the caller's transaction (chained to the current head),
//! read the head, and load the chain for verification (`jumpup audit verify`).

use jumpup_domain::audit::{self, Entry, Hash, Head, Stored};
use sqlx::Row;

use crate::{Db, Result, StoreError, Tx, with_db, with_tx};

/// Appends an entry after the current head; the sequence is assigned here.
/// The money rows the transaction wrote since its last entry are sealed into this one.
pub async fn append(tx: &mut Tx, mut entry: Entry) -> Result<Head> {
    let head = head_in(tx).await?;
    entry.seals = tx.take_seals(head.seq + 1)?.to_string();
    let stored = audit::chain(head, entry);
    let e = &stored.entry;
    with_tx!(tx, c => {
        sqlx::query(
            "insert into audit_entry (seq, at, actor, role, action, subject, before, after, reason, prev_hash, hash, seals)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(e.seq)
        .bind(&e.at)
        .bind(&e.actor)
        .bind(&e.role)
        .bind(&e.action)
        .bind(&e.subject)
        .bind(&e.before)
        .bind(&e.after)
        .bind(&e.reason)
        .bind(stored.prev_hash.hex())
        .bind(stored.hash.hex())
        .bind(&e.seals)
        .execute(c)
        .await?;
    });
    Ok(Head {
        seq: stored.entry.seq,
        hash: stored.hash,
    })
}

const HEAD_SQL: &str = "select seq, hash from audit_entry order by seq desc limit 1";

pub async fn head_in(tx: &mut Tx) -> Result<Head> {
    let row: Option<(i64, String)> =
        with_tx!(tx, c => sqlx::query_as(HEAD_SQL).fetch_optional(c).await?);
    parse_head(row)
}

fn parse_head(row: Option<(i64, String)>) -> Result<Head> {
    match row {
        None => Ok(Head::EMPTY),
        Some((seq, hash)) => Ok(Head {
            seq,
            hash: parse_hash(&hash, seq)?,
        }),
    }
}

fn parse_hash(text: &str, seq: i64) -> Result<Hash> {
    Hash::parse_hex(text)
        .ok_or_else(|| StoreError::Corrupt(format!("audit entry {seq} has a malformed hash")))
}

/// The latest sequence and hash (`jumpup audit head`).
pub async fn head(db: &Db) -> Result<Head> {
    let row: Option<(i64, String)> =
        with_db!(db, p => sqlx::query_as(HEAD_SQL).fetch_optional(p).await?);
    parse_head(row)
}

/// Every entry in sequence order, as stored.
pub async fn load(db: &Db) -> Result<Vec<Stored>> {
    page(db, 0, i64::MAX).await
}

/// At most `limit` entries after sequence `after`, in sequence order, as stored.
pub async fn page(db: &Db, after: i64, limit: i64) -> Result<Vec<Stored>> {
    let rows = with_db!(db, p => {
        sqlx::query(
            "select seq, at, actor, role, action, subject, before, after, reason, seals, prev_hash, hash
             from audit_entry
             where seq > $1
             order by seq
             limit $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(p)
        .await?
        .iter()
        .map(stored_row)
        .collect::<std::result::Result<Vec<_>, _>>()?
    });
    Ok(rows.into_iter().map(stored).collect())
}

/// Every entry about `subject` (for example `case:12`), in sequence order.
pub async fn of_subject(db: &Db, subject: &str) -> Result<Vec<Entry>> {
    let rows = with_db!(db, p => {
        sqlx::query(
            "select seq, at, actor, role, action, subject, before, after, reason, seals, prev_hash, hash
             from audit_entry
             where subject = $1
             order by seq",
        )
        .bind(subject)
        .fetch_all(p)
        .await?
        .iter()
        .map(stored_row)
        .collect::<std::result::Result<Vec<_>, _>>()?
    });
    Ok(rows.into_iter().map(|(entry, _, _)| entry).collect())
}

type StoredRow = (Entry, String, String);

fn stored_row<R: Row>(r: &R) -> std::result::Result<StoredRow, sqlx::Error>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok((
        Entry {
            seq: r.try_get("seq")?,
            at: r.try_get("at")?,
            actor: r.try_get("actor")?,
            role: r.try_get("role")?,
            action: r.try_get("action")?,
            subject: r.try_get("subject")?,
            before: r.try_get("before")?,
            after: r.try_get("after")?,
            reason: r.try_get("reason")?,
            seals: r.try_get("seals")?,
        },
        r.try_get("prev_hash")?,
        r.try_get("hash")?,
    ))
}

fn stored((entry, prev, hash): StoredRow) -> Stored {
    // A malformed hash cannot match any real one, so verification names its entry.
    let unreadable = Hash([0xff; 32]);
    let prev_hash = Hash::parse_hex(&prev).unwrap_or(unreadable);
    let hash = Hash::parse_hex(&hash).unwrap_or(unreadable);
    Stored {
        entry,
        prev_hash,
        hash,
    }
}
