//! Server sessions, API tokens and failed logins. Session ids and tokens arrive here only as
//! SHA-256 digests (hex): the secrets themselves live in the client's cookie or system and are
//! never stored or logged.

use chrono::{DateTime, Utc};

use crate::{Result, Tx, with_tx};

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: i64,
    /// The digest of the token a state-changing request authenticated by this session must
    /// echo (the token itself is derived from the session's secret and never stored).
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

pub async fn insert_session(
    tx: &mut Tx,
    session_hash: &str,
    user_id: i64,
    csrf_token_hash: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query(
            "insert into user_session (session_hash, user_id, csrf_token, created_at, last_seen_at)
             values ($1, $2, $3, $4, $4)",
        )
        .bind(session_hash)
        .bind(user_id)
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
            user_id,
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
pub async fn delete_sessions_of_user(tx: &mut Tx, user_id: i64, keep: Option<&str>) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query(
            "delete from user_session
             where user_id = $1
               and ($2 is null or session_hash <> $2)",
        )
        .bind(user_id)
        .bind(keep)
        .execute(c)
        .await?;
    });
    Ok(())
}

/// Revokes every API token of a user that is not revoked yet.
pub async fn revoke_tokens_of_user(tx: &mut Tx, user_id: i64, at: DateTime<Utc>) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query("update api_token set revoked_at = $2 where user_id = $1 and revoked_at is null")
            .bind(user_id)
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
    user_id: i64,
    at: DateTime<Utc>,
) -> Result<i64> {
    let id: i64 = with_tx!(tx, c => {
        sqlx::query_scalar(
            "insert into api_token (token_hash, user_id, created_at)
             values ($1, $2, $3)
             returning api_token_id",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(at)
        .fetch_one(c)
        .await?
    });
    Ok(id)
}

pub async fn record_login_failure(tx: &mut Tx, name: &str, at: DateTime<Utc>) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query("insert into login_failure (name, failed_at) values ($1, $2)")
            .bind(name)
            .bind(at)
            .execute(c)
            .await?;
    });
    Ok(())
}

/// Failed logins for `name` at or after `since`.
pub async fn login_failures_since(tx: &mut Tx, name: &str, since: DateTime<Utc>) -> Result<i64> {
    let n: i64 = with_tx!(tx, c => {
        sqlx::query_scalar("select count(*) from login_failure where name = $1 and failed_at >= $2")
            .bind(name)
            .bind(since)
            .fetch_one(c)
            .await?
    });
    Ok(n)
}

/// Forgets the failed logins for `name` (after a successful one) and any older than `before`.
pub async fn clear_login_failures(tx: &mut Tx, name: &str, before: DateTime<Utc>) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query("delete from login_failure where name = $1 or failed_at < $2")
            .bind(name)
            .bind(before)
            .execute(c)
            .await?;
    });
    Ok(())
}
