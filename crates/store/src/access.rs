//! The access log: every read of a firm's data, by whom and when (RULES.md 8). Separate from
//! the audit log, which records changes; like it, rows are only ever added.

use chrono::{DateTime, Utc};

use jumpup_domain::ids::UserId;

use crate::{Db, Result, Tx, with_db, with_tx};

/// Records that `user_id` read `subjects` (`case:12`, ...) through `action`, in one statement
/// per batch of rows.
pub async fn record(
    tx: &mut Tx,
    user_id: UserId,
    action: &str,
    subjects: &[String],
    at: DateTime<Utc>,
) -> Result<()> {
    for chunk in subjects.chunks(crate::identity::BATCH_ROWS) {
        with_tx!(tx, c => {
            let mut q = sqlx::QueryBuilder::new("insert into access_log (at, user_id, action, subject) ");
            q.push_values(chunk, |mut b, subject| {
                b.push_bind(at).push_bind(user_id.0).push_bind(action.to_owned()).push_bind(subject.clone());
            });
            q.build().execute(c).await?;
        });
    }
    Ok(())
}

/// Records a read of at most `BATCH_ROWS` subjects in one statement of its own (no
/// transaction): appending to the access log needs no other row, so it takes no write lock
/// but the database's own.
pub async fn record_read(
    db: &Db,
    user_id: UserId,
    action: &str,
    subjects: &[String],
    at: DateTime<Utc>,
) -> Result<()> {
    assert!(
        subjects.len() <= crate::identity::BATCH_ROWS,
        "invariant: a read logs at most a page of subjects"
    );
    if subjects.is_empty() {
        return Ok(());
    }
    with_db!(db, p => {
        let mut q = sqlx::QueryBuilder::new("insert into access_log (at, user_id, action, subject) ");
        q.push_values(subjects, |mut b, subject| {
            b.push_bind(at).push_bind(user_id.0).push_bind(action.to_owned()).push_bind(subject.clone());
        });
        q.build().execute(p).await?;
    });
    Ok(())
}

/// The reads of one subject: `(user_id, action)` in order.
pub async fn reads_of(db: &Db, subject: &str) -> Result<Vec<(UserId, String)>> {
    let rows: Vec<(i64, String)> = with_db!(db, p => {
        sqlx::query_as("select user_id, action from access_log where subject = $1 order by access_id")
            .bind(subject)
            .fetch_all(p)
            .await?
    });
    Ok(rows.into_iter().map(|(u, a)| (UserId(u), a)).collect())
}
