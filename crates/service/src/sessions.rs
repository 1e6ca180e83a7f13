//! Signing in: password logins that open server-side sessions, API tokens for banks' systems
//! and tools, and the throttling of failed logins. Session ids and tokens are random 256-bit
//! secrets handed to the client once; the database keeps only their SHA-256 digests, so a
//! copy of it lets no one sign in. Nothing here writes a secret, a password or a hash to a log.

use chrono::Duration;
use jumpup_store::audit;
use jumpup_store::identity::{self as ids, User};
use jumpup_store::sessions as store;
use serde_json::json;

use super::identity::{MIN_PASSWORD_CHARS, PasswordCost, hash_password, verify_password};
use super::secrets::{new_secret, secret_hash};
use super::{
    Field, Reason, Result, ServiceError, Services, actor, entry, in_write_tx, require_role,
};
use jumpup_domain::workflow::Role;

/// A session ends after this long without a request...
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// ...and this long after its login, however busy.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// A session's last-seen time is written at most this often (not on every request).
const TOUCH_EVERY: Duration = Duration::seconds(60);
/// A session's CSRF token, derived from its secret (which only the client holds, and of which
/// the database keeps a digest), so the token is never stored in clear either: the session row
/// keeps only the token's digest.
pub fn csrf_token_of(secret: &str) -> String {
    secret_hash(&format!("jumpup-csrf-v1:{secret}"))
}

/// A session just opened: the secret for the client's cookie (shown once) and its CSRF token.
#[derive(Debug)]
pub struct Opened {
    pub secret: String,
    pub csrf_token: String,
    pub user: User,
}

/// How a request proves who sent it.
#[derive(Debug, Clone, Copy)]
pub enum Credential<'a> {
    /// The session cookie's value.
    Session(&'a str),
    /// An `Authorization: Bearer` token.
    Token(&'a str),
}

/// Who sent a request, and by which session (token requests have none).
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: User,
    pub session: Option<ViewerSession>,
}

#[derive(Debug, Clone)]
pub struct ViewerSession {
    pub hash: String,
    pub csrf_token: String,
}

fn unauthenticated(message: &str) -> ServiceError {
    ServiceError::refused(Reason::Unauthenticated, message)
}

impl Services {
    /// Signs `name` in with `password` from the client at `address`, opening a new session
    /// (and ending `previous`, the session the client held, so a login always rotates the id).
    /// A wrong name and a wrong password are refused alike; throttling follows
    /// [`super::throttle`]: the attempt is counted as a failure before its password is checked
    /// and taken back when it proves right, all in write transactions, so no parallel burst
    /// gets more guesses than the rule gives.
    pub async fn login(
        &self,
        name: &str,
        password: &str,
        previous: Option<&str>,
        address: &str,
    ) -> Result<Opened> {
        use super::throttle::{self as rule, Verdict};
        let now = self.clock.now();
        let keys = rule::Keys::of(name, address);
        let (verdict, pair_failures) = in_write_tx!(self, |tx| {
            let pair = rule::current(store::throttle_get(tx, &keys.pair).await?, now);
            let by_name = rule::current(store::throttle_get(tx, &keys.name).await?, now);
            let by_address = rule::current(store::throttle_get(tx, &keys.address).await?, now);
            let verdict = rule::judge(pair, by_name, by_address, now);
            let counted = |row, free, max| rule::count(row, now, free, max);
            match verdict {
                Verdict::Locked { .. } => {
                    let pair = counted(pair, rule::PAIR_LIMIT, rule::WINDOW);
                    store::throttle_put(tx, &keys.pair, pair).await?;
                }
                Verdict::Wait { .. } => {}
                Verdict::Try => {
                    let pair = counted(pair, rule::PAIR_LIMIT, rule::WINDOW);
                    store::throttle_put(tx, &keys.pair, pair).await?;
                    let n = counted(by_name, rule::NAME_FREE, rule::NAME_MAX_DELAY);
                    store::throttle_put(tx, &keys.name, n).await?;
                    let a = counted(by_address, rule::ADDRESS_FREE, rule::ADDRESS_MAX_DELAY);
                    store::throttle_put(tx, &keys.address, a).await?;
                    return Ok((verdict, pair.failures));
                }
            }
            Ok((verdict, 0))
        })?;
        match verdict {
            Verdict::Locked { until } => {
                return Err(ServiceError::Throttled {
                    reason: Reason::TooManyFailures,
                    until,
                });
            }
            Verdict::Wait { until } => {
                return Err(ServiceError::Throttled {
                    reason: Reason::SlowDown,
                    until,
                });
            }
            Verdict::Try => {}
        }
        // The hash is checked outside any write transaction: argon2 takes tens of
        // milliseconds, which other writers should not wait for.
        let (user, stored) = {
            let mut tx = self.db.begin_read().await?;
            let user = ids::user_by_name(&mut tx, name).await?;
            let stored = match &user {
                Some(u) => ids::password_hash_in(&mut tx, u.user_id).await?,
                None => None,
            };
            drop(tx);
            (user, stored)
        };
        let good = match (&user, &stored) {
            (Some(u), Some(h)) => u.active && verify_password(password, h),
            _ => {
                // The same work as a real check, so timing does not tell names apart.
                verify_password(password, dummy_hash(self.password_cost));
                false
            }
        };
        let known = user.is_some();
        let Some(user) = user.filter(|_| good) else {
            // Lockouts of accounts (not of whatever was typed as a name) are recorded.
            if pair_failures == rule::PAIR_LIMIT && known {
                // This failure locks the name for this address: the administrator sees it.
                in_write_tx!(self, |tx| {
                    store::record_lockout(tx, name, now).await?;
                    Ok(())
                })?;
            }
            return Err(ServiceError::refused(
                Reason::LoginFailed,
                "the name or the password is wrong",
            ));
        };
        let secret = new_secret();
        let csrf_token = csrf_token_of(&secret);
        in_write_tx!(self, |tx| {
            // The name's failures from this address and its delay are forgotten, this attempt's
            // count at its address taken back. A lock on the name at other addresses stays:
            // the owner signing in does not hand a guesser elsewhere fresh attempts.
            let stale = now - rule::WINDOW;
            store::throttle_forget(tx, &keys.pair, stale).await?;
            store::throttle_forget(tx, &keys.name, stale).await?;
            if let Some(a) = store::throttle_get(tx, &keys.address).await? {
                store::throttle_put(tx, &keys.address, rule::uncount(a)).await?;
            }
            if let Some(previous) = previous {
                store::delete_session(tx, &secret_hash(previous)).await?;
            }
            store::delete_expired_sessions(tx, now - IDLE_TIMEOUT, now - ABSOLUTE_TIMEOUT).await?;
            store::insert_session(
                tx,
                &secret_hash(&secret),
                user.user_id,
                &secret_hash(&csrf_token),
                now,
            )
            .await?;
            Ok(())
        })?;
        Ok(Opened {
            secret,
            csrf_token,
            user,
        })
    }

    /// The active user behind a credential; a session also within its timeouts.
    pub async fn authenticate(&self, credential: Credential<'_>) -> Result<Viewer> {
        let now = self.clock.now();
        // Single reads, no transaction: every request signs in, so this path is kept short.
        let (user, session) = match credential {
            Credential::Token(token) => {
                let user = ids::user_of_token(&self.db, &secret_hash(token))
                    .await?
                    .ok_or_else(|| unauthenticated("the token is unknown or revoked"))?;
                (user, None)
            }
            Credential::Session(secret) => {
                let hash = secret_hash(secret);
                let s = store::session(&self.db, &hash)
                    .await?
                    .ok_or_else(|| unauthenticated("the session has ended; sign in again"))?;
                if now - s.last_seen_at > IDLE_TIMEOUT || now - s.created_at > ABSOLUTE_TIMEOUT {
                    return Err(unauthenticated("the session has expired; sign in again"));
                }
                let user = ids::user_by_id_read(&self.db, s.user_id)
                    .await?
                    .ok_or_else(|| unauthenticated("the session has ended; sign in again"))?;
                (user, Some((hash, csrf_token_of(secret), s)))
            }
        };
        if !user.active {
            return Err(unauthenticated("the account is not active"));
        }
        let session = match session {
            Some((hash, csrf_token, s)) => {
                if now - s.last_seen_at > TOUCH_EVERY {
                    in_write_tx!(self, |tx| {
                        store::touch_session(tx, &hash, now).await?;
                        Ok(())
                    })?;
                }
                Some(ViewerSession { hash, csrf_token })
            }
            None => None,
        };
        Ok(Viewer { user, session })
    }

    /// Ends a session.
    pub async fn logout(&self, session: &ViewerSession) -> Result<()> {
        in_write_tx!(self, |tx| {
            store::delete_session(tx, &session.hash).await?;
            Ok(())
        })
    }

    /// Changes the viewer's own password after checking the current one; every other session
    /// of the user ends and every API token of theirs is revoked. Audited without any hash.
    pub async fn change_password(&self, viewer: &Viewer, current: &str, new: &str) -> Result<()> {
        let stored = {
            let mut tx = self.db.begin_read().await?;
            let h = ids::password_hash_in(&mut tx, viewer.user.user_id).await?;
            drop(tx);
            h
        };
        if !stored.is_some_and(|h| verify_password(current, &h)) {
            return Err(ServiceError::bad_input(Field::CurrentPassword, "is wrong"));
        }
        if new == current {
            return Err(ServiceError::bad_input(
                Field::NewPassword,
                "must differ from the current password",
            ));
        }
        let hash = hash_password(new, self.password_cost).map_err(|_| {
            ServiceError::bad_input(
                Field::NewPassword,
                format!("must be at least {MIN_PASSWORD_CHARS} characters"),
            )
        })?;
        let at = self.clock.now();
        in_write_tx!(self, |tx| {
            ids::set_password_hash(tx, viewer.user.user_id, &hash).await?;
            let keep = viewer.session.as_ref().map(|s| s.hash.as_str());
            store::delete_sessions_of_user(tx, viewer.user.user_id, keep).await?;
            // A token made under the old password would outlive it: revoked too.
            store::revoke_tokens_of_user(tx, viewer.user.user_id, at).await?;
            let subject = format!("user:{}", viewer.user.user_id);
            audit::append(
                tx,
                entry(
                    at,
                    Some(&viewer.user),
                    "user.password",
                    subject,
                    "null".into(),
                    "null".into(),
                ),
            )
            .await?;
            Ok(())
        })
    }

    /// A new API token for `name` (by an `admin`, or by the user for themself), shown once.
    pub async fn issue_token(&self, actor_name: &str, name: &str) -> Result<String> {
        let token = new_secret();
        let at = self.clock.now();
        in_write_tx!(self, |tx| {
            let (acting, _) = actor(tx, actor_name).await?;
            if acting.name != name {
                require_role(&acting, &[Role::Admin], "issue tokens for other users")?;
            }
            let user = ids::user_by_name(tx, name).await?.ok_or_else(|| {
                ServiceError::refused(Reason::UnknownUser, format!("no user named {name:?}"))
            })?;
            let id = store::insert_token(tx, &secret_hash(&token), user.user_id, at).await?;
            audit::append(
                tx,
                entry(
                    at,
                    Some(&acting),
                    "user.token",
                    format!("user:{}", user.user_id),
                    "null".into(),
                    json!({ "api_token_id": id }).to_string(),
                ),
            )
            .await?;
            Ok(())
        })?;
        Ok(token)
    }
}

/// A hash of no one's password at the configured cost, checked when the name is unknown.
fn dummy_hash(cost: PasswordCost) -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password(&new_secret(), cost).expect("invariant: a 64-character password hashes")
    })
}
