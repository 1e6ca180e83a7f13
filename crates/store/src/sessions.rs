//! Server sessions, API tokens and failed logins. Session ids and tokens arrive here only as
//! SHA-256 digests (hex): the secrets themselves live in the client's cookie or system and are
//! never stored or logged.

use chrono::{DateTime, Utc};

use jumpup_domain::ids::UserId;

use crate::{Result, Tx, with_tx};

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: UserId,
    /// The digest of the token a state-changing request authenticated by this session must
    /// echo (the token itself is derived from the session's secret and never stored).
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

pub async fn insert_session(
    tx: &mut Tx,
    session_hash: &str,
    user_id: UserId,
    csrf_token_hash: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query(
            "insert into user_session (session_hash, user_id, csrf_token, created_at, last_seen_at)
             values ($1, $2, $3, $4, $4)",
        )
        .bind(session_hash)
        .bind(user_id.0)
        .bind(csrf_token_hash)
        .bind(at)
        .execute(c)
        .await?;
    });
    Ok(())
}

pub async fn session(db: &crate::Db, session_hash: &str) -> Result<Option<Session>> {
    type Row = (i64, String, DateTime<Utc>, DateTime<Utc>);
    let row: Option<Row> = crate::with_db!(db, p => {
        sqlx::query_as(
            "select user_id, csrf_token, created_at, last_seen_at
             from user_session
             where session_hash = $1",
        )
        .bind(session_hash)
        .fetch_optional(p)
        .await?
    });
    Ok(
        row.map(|(user_id, csrf_token, created_at, last_seen_at)| Session {
            user_id: UserId(user_id),
            csrf_token,
            created_at,
            last_seen_at,
        }),
    )
}

pub async fn touch_session(tx: &mut Tx, session_hash: &str, at: DateTime<Utc>) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query("update user_session set last_seen_at = $2 where session_hash = $1")
            .bind(session_hash)
            .bind(at)
            .execute(c)
            .await?;
    });
    Ok(())
}

pub async fn delete_session(tx: &mut Tx, session_hash: &str) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query("delete from user_session where session_hash = $1")
            .bind(session_hash)
            .execute(c)
            .await?;
    });
    Ok(())
}

/// Ends every session of a user but `keep` (a password change keeps the session that made it).
pub async fn delete_sessions_of_user(
    tx: &mut Tx,
    user_id: UserId,
    keep: Option<&str>,
) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query(
            "delete from user_session
             where user_id = $1
               and ($2 is null or session_hash <> $2)",
        )
        .bind(user_id.0)
        .bind(keep)
        .execute(c)
        .await?;
    });
    Ok(())
}

/// Revokes every API token of a user that is not revoked yet.
pub async fn revoke_tokens_of_user(tx: &mut Tx, user_id: UserId, at: DateTime<Utc>) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query("update api_token set revoked_at = $2 where user_id = $1 and revoked_at is null")
            .bind(user_id.0)
            .bind(at)
            .execute(c)
            .await?;
    });
    Ok(())
}

/// Removes sessions last seen before `idle_before` or created before `created_before`.
pub async fn delete_expired_sessions(
    tx: &mut Tx,
    idle_before: DateTime<Utc>,
    created_before: DateTime<Utc>,
) -> Result<u64> {
    let n = with_tx!(tx, c => {
        sqlx::query("delete from user_session where last_seen_at < $1 or created_at < $2")
            .bind(idle_before)
            .bind(created_before)
            .execute(c)
            .await?
            .rows_affected()
    });
    Ok(n)
}

pub async fn insert_token(
    tx: &mut Tx,
    token_hash: &str,
    user_id: UserId,
    at: DateTime<Utc>,
) -> Result<i64> {
    let id: i64 = with_tx!(tx, c => {
        sqlx::query_scalar(
            "insert into api_token (token_hash, user_id, created_at)
             values ($1, $2, $3)
             returning api_token_id",
        )
        .bind(token_hash)
        .bind(user_id.0)
        .bind(at)
        .fetch_one(c)
        .await?
    });
    Ok(id)
}

/// A throttling counter (see `login_throttle`): failures counted, the last one's time, and the
/// earliest time the next attempt is heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRow {
    pub failures: i64,
    pub last_at: DateTime<Utc>,
    pub next_at: DateTime<Utc>,
}

pub async fn throttle_get(tx: &mut Tx, key: &str) -> Result<Option<ThrottleRow>> {
    type Row = (i64, DateTime<Utc>, DateTime<Utc>);
    let row: Option<Row> = with_tx!(tx, c => {
        sqlx::query_as("select failures, last_at, next_at from login_throttle where key = $1")
            .bind(key)
            .fetch_optional(c)
            .await?
    });
    Ok(row.map(|(failures, last_at, next_at)| ThrottleRow {
        failures,
        last_at,
        next_at,
    }))
}

pub async fn throttle_put(tx: &mut Tx, key: &str, row: ThrottleRow) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query(
            "insert into login_throttle (key, failures, last_at, next_at) values ($1, $2, $3, $4) \
             on conflict (key) do update set failures = excluded.failures, \
             last_at = excluded.last_at, next_at = excluded.next_at",
        )
        .bind(key)
        .bind(row.failures)
        .bind(row.last_at)
        .bind(row.next_at)
        .execute(c)
        .await?;
    });
    Ok(())
}

/// Forgets the counters whose key starts with `prefix`, and every counter whose last failure
/// is before `stale` (they count nothing any more).
pub async fn throttle_forget(tx: &mut Tx, prefix: &str, stale: DateTime<Utc>) -> Result<()> {
    // Compared as a substring, never as a LIKE pattern (names may hold `_`).
    with_tx!(tx, c => {
        sqlx::query(
            "delete from login_throttle where substr(key, 1, length($1)) = $1 or last_at < $2",
        )
        .bind(prefix)
        .bind(stale)
        .execute(c)
        .await?;
    });
    Ok(())
}

pub async fn record_lockout(tx: &mut Tx, name: &str, at: DateTime<Utc>) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query("insert into login_lockout (name, locked_at) values ($1, $2)")
            .bind(name)
            .bind(at)
            .execute(c)
            .await?;
    });
    Ok(())
}

/// Marks `name`'s open lockouts as lifted by `by`.
pub async fn lift_lockouts(tx: &mut Tx, name: &str, by: &str, at: DateTime<Utc>) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query(
            "update login_lockout set unlocked_at = $3, unlocked_by = $2 \
             where name = $1 and unlocked_at is null",
        )
        .bind(name)
        .bind(by)
        .bind(at)
        .execute(c)
        .await?;
    });
    Ok(())
}

/// The accounts locked out since `since`: user id, name, how many times, the last time,
/// most often first.
pub async fn lockouts_since(
    tx: &mut Tx,
    since: DateTime<Utc>,
) -> Result<Vec<(UserId, String, i64, DateTime<Utc>)>> {
    let rows: Vec<(i64, String, i64, DateTime<Utc>)> = with_tx!(tx, c => {
        sqlx::query_as(
            "select u.user_id, l.name, count(*), max(l.locked_at) from login_lockout l \
             join app_user u on u.name = l.name where l.locked_at >= $1 \
             group by u.user_id, l.name order by count(*) desc, max(l.locked_at) desc, l.name \
             limit 100",
        )
        .bind(since)
        .fetch_all(c)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(u, name, n, at)| (UserId(u), name, n, at))
        .collect())
}
