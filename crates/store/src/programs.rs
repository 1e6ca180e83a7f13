//! Programme versions as immutable records: each with the digest of its content, pending
//! until a `city` user approves it. A row is never changed except for its approval.

use chrono::{DateTime, NaiveDate, Utc};
use jumpup_domain::ids::UserId;
use sqlx::Row;

use crate::{Db, Result, Tx, with_db, with_tx};

/// A stored programme version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRow {
    pub program_version_id: i64,
    pub program_id: String,
    pub name_ko: String,
    pub name_en: String,
    pub in_force_from: NaiveDate,
    pub digest: String,
    pub content: String,
    pub approved: bool,
}

/// A version to store.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    pub program_id: &'a str,
    pub name_ko: &'a str,
    pub name_en: &'a str,
    pub in_force_from: NaiveDate,
    pub digest: &'a str,
    pub content: &'a str,
}

const COLUMNS: &str = "select program_version_id, program_id, name_ko, name_en, in_force_from, digest, content, status
     from program_version";

fn row<R: Row>(r: &R) -> std::result::Result<VersionRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> NaiveDate: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let status: String = r.try_get("status")?;
    Ok(VersionRow {
        program_version_id: r.try_get("program_version_id")?,
        program_id: r.try_get("program_id")?,
        name_ko: r.try_get("name_ko")?,
        name_en: r.try_get("name_en")?,
        in_force_from: r.try_get("in_force_from")?,
        digest: r.try_get("digest")?,
        content: r.try_get("content")?,
        approved: status == "approved",
    })
}

/// The stored version of a programme in force from a date, if any.
pub async fn by_key(
    tx: &mut Tx,
    program_id: &str,
    in_force_from: NaiveDate,
) -> Result<Option<VersionRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{COLUMNS} where program_id = $1 and in_force_from = $2"
    ));
    with_tx!(tx, c => {
        Ok(sqlx::query(sql).bind(program_id).bind(in_force_from).fetch_optional(c).await?.map(|r| row(&r)).transpose()?)
    })
}

pub async fn by_id(tx: &mut Tx, program_version_id: i64) -> Result<Option<VersionRow>> {
    let sql = sqlx::AssertSqlSafe(format!("{COLUMNS} where program_version_id = $1"));
    with_tx!(tx, p => {
        Ok(sqlx::query(sql).bind(program_version_id).fetch_optional(p).await?.map(|r| row(&r)).transpose()?)
    })
}

/// Stores a version, pending or (for the built-in programmes) approved at once.
pub async fn insert(
    tx: &mut Tx,
    v: &NewVersion<'_>,
    approved: bool,
    by: Option<UserId>,
    at: DateTime<Utc>,
) -> Result<i64> {
    let id: i64 = with_tx!(tx, c => {
        sqlx::query_scalar(
            "insert into program_version
                 (program_id, name_ko, name_en, in_force_from, digest, content, status, imported_by, imported_at, approved_by, approved_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             returning program_version_id",
        )
        .bind(v.program_id)
        .bind(v.name_ko)
        .bind(v.name_en)
        .bind(v.in_force_from)
        .bind(v.digest)
        .bind(v.content)
        .bind(if approved { "approved" } else { "pending" })
        .bind(by.map(|u| u.0))
        .bind(at)
        .bind(if approved { by.map(|u| u.0) } else { None })
        .bind(approved.then_some(at))
        .fetch_one(c)
        .await?
    });
    Ok(id)
}

/// Marks a pending version approved.
pub async fn approve(
    tx: &mut Tx,
    program_version_id: i64,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query(
            "update program_version
             set status = 'approved', approved_by = $2, approved_at = $3
             where program_version_id = $1 and status = 'pending'",
        )
        .bind(program_version_id)
        .bind(by.0)
        .bind(at)
        .execute(c)
        .await?;
    });
    Ok(())
}

/// Every stored version, by programme and date.
pub async fn all(db: &Db) -> Result<Vec<VersionRow>> {
    let sql = sqlx::AssertSqlSafe(format!("{COLUMNS} order by program_id, in_force_from"));
    with_db!(db, p => {
        Ok(sqlx::query(sql).fetch_all(p).await?.iter().map(row).collect::<std::result::Result<Vec<_>, _>>()?)
    })
}

/// Every stored version, read in the caller's transaction.
pub async fn all_in(tx: &mut Tx) -> Result<Vec<VersionRow>> {
    let sql = sqlx::AssertSqlSafe(format!("{COLUMNS} order by program_id, in_force_from"));
    with_tx!(tx, c => {
        Ok(sqlx::query(sql).fetch_all(c).await?.iter().map(row).collect::<std::result::Result<Vec<_>, _>>()?)
    })
}
