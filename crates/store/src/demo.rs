//! The demonstration marker: whether this database is a demo, and whether it was finished.

use chrono::{DateTime, Utc};

use crate::{Result, Tx, with_tx};

/// A database's demo marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demo {
    pub seed: i64,
    pub started_at: DateTime<Utc>,
    /// None while the demo is being built (or was interrupted).
    pub finished_at: Option<DateTime<Utc>>,
}

pub async fn marker(db: &crate::Db) -> Result<Option<Demo>> {
    type Row = (i64, DateTime<Utc>, Option<DateTime<Utc>>);
    let row: Option<Row> = crate::with_db!(db, p => {
        sqlx::query_as("select seed, started_at, finished_at from demo where id = 1")
            .fetch_optional(p)
            .await?
    });
    Ok(row.map(|(seed, started_at, finished_at)| Demo {
        seed,
        started_at,
        finished_at,
    }))
}

/// Whether the database holds anything of its own (a database the demo must not touch): a
/// user, a bank, a firm, a case, or any audited change but the built-in programmes' storing.
pub async fn in_use(tx: &mut Tx) -> Result<bool> {
    let n: i64 = with_tx!(tx, c => {
        sqlx::query_scalar(
            "select (select count(*) from app_user) + (select count(*) from bank)
                  + (select count(*) from firm) + (select count(*) from support_case)
                  + (select count(*) from audit_entry where action <> 'program.built_in')",
        )
        .fetch_one(c)
        .await?
    });
    Ok(n > 0)
}

/// Marks the database as a demo being built.
pub async fn start(tx: &mut Tx, seed: i64, at: DateTime<Utc>) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query("insert into demo (id, seed, started_at) values (1, $1, $2)")
            .bind(seed)
            .bind(at)
            .execute(c)
            .await?;
    });
    Ok(())
}

/// Marks the demo as finished.
pub async fn finish(tx: &mut Tx, at: DateTime<Utc>) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query("update demo set finished_at = $1 where id = 1")
            .bind(at)
            .execute(c)
            .await?;
    });
    Ok(())
}
