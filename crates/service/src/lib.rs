//! Jump-Up's use cases: each service loads, lets the domain decide, persists through the store
//! and writes the audit entry, in one write transaction (retried when it loses a race). The
//! clock is injected, never global. Also here: the files in and out (`interchange`, `export`),
//! the programme files (`catalog`) and the quote contract (`quote_json`). No web or
//! command-line library, and no database library but the store.

pub mod audit;
pub mod backup;
pub mod batch;
pub mod budget;
pub mod cases;
pub mod catalog;
pub mod demo;
pub mod documents;
pub mod events;
pub mod export;
pub mod fields;
pub mod finished;
pub mod i18n;
pub mod identity;
pub mod imports;
pub mod interchange;
pub mod named;
pub mod overview;
pub mod programs;
pub mod quote_json;
pub mod refusal;
pub mod secrets;
pub mod sessions;
pub mod settle;
pub mod stored;
pub mod throttle;

pub use jumpup_store::{DEFAULT_URL, Db, PoolUse, StoreError};
pub use refusal::{Field, Reason};

use std::sync::Arc;

use chrono::{DateTime, Utc};
use jumpup_domain::audit::Entry;
use jumpup_domain::workflow::{Actor, Role};
use jumpup_store::Tx;
use jumpup_store::identity::User;

/// Where time comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock.
#[derive(Debug)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Where long work reports how far it has got (a terminal's progress bar).
pub trait Progress: std::fmt::Debug + Send + Sync {
    /// `done` of `total` rows of `step` are through.
    fn at(&self, step: &str, done: u64, total: u64);
}

/// Progress reported nowhere (the default; tests, scripts, the server).
#[derive(Debug)]
pub struct Quiet;

impl Progress for Quiet {
    fn at(&self, _step: &str, _done: u64, _total: u64) {}
}

/// What the services work with.
#[derive(Debug, Clone)]
pub struct Services {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub progress: Arc<dyn Progress>,
    /// The cost of new password hashes (low in tests).
    pub password_cost: identity::PasswordCost,
    /// The officials' overview as last read.
    pub overview: overview::OverviewCache,
}

/// Rows written per statement group between progress reports.
const SLICE_ROWS: usize = 10_000;

impl Services {
    /// The same services reporting long work's progress to `progress`.
    pub fn with_progress(self, progress: Arc<dyn Progress>) -> Services {
        Services { progress, ..self }
    }

    /// Reports `done` of `total` rows of `step`.
    pub(crate) fn report(&self, step: &str, done: usize, total: usize) {
        let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        self.progress.at(step, n(done), n(total));
    }

    /// Writes `rows` to `table` a slice at a time with `write`, reporting progress as `step`;
    /// then brings the table's planner statistics up to date (`Tx::after_bulk_write`).
    pub(crate) async fn write_in_slices<T>(
        &self,
        step: &str,
        tx: &mut Tx,
        table: &'static str,
        rows: &[T],
        mut write: impl AsyncFnMut(&mut Tx, &[T]) -> Result<()>,
    ) -> Result<()> {
        let mut done = 0;
        for slice in rows.chunks(SLICE_ROWS) {
            write(tx, slice).await?;
            done += slice.len();
            self.report(step, done, rows.len());
        }
        tx.after_bulk_write(rows.len(), &[table]).await?;
        Ok(())
    }
}

/// A test hook for crash-safety tests: with `JUMPUP_PAUSE_BEFORE_COMMIT` naming this step, the
/// process reports on stderr that its work is written but not committed (an import's
/// transaction, a backup's rename into place), and waits for its standard input to close, so a
/// test can kill it at exactly that point. It changes no data.
pub(crate) fn pause_before_commit(step: &str) {
    if std::env::var("JUMPUP_PAUSE_BEFORE_COMMIT").is_ok_and(|s| s == step) {
        eprintln!("paused before commit: {step}");
        let mut sink = String::new();
        let _ = std::io::Read::read_to_string(&mut std::io::stdin(), &mut sink);
    }
}

/// Why a service said no or failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The rules refuse: why, and a sentence (exit status 3).
    #[error("refused ({}): {message}", .reason.code())]
    Refused { reason: Reason, message: String },
    /// The input is malformed: the field and why (exit status 2).
    #[error("{}: {message}", .field.json_name())]
    BadInput { field: Field, message: String },
    /// A file refused: every bad row (exit status 2), nothing stored.
    #[error("the file was refused: {} problems", .0.errors.len())]
    Import(imports::ImportReport),
    /// Throttled until `until` (exit status 3, HTTP 429 with `Retry-After`): `reason` says why
    /// (a reason of kind [`refusal::Kind::Throttled`]).
    #[error("refused ({}): try again after {until}", .reason.code())]
    Throttled {
        reason: Reason,
        until: chrono::DateTime<chrono::Utc>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ServiceError {
    pub fn refused(reason: Reason, message: impl Into<String>) -> ServiceError {
        ServiceError::Refused {
            reason,
            message: message.into(),
        }
    }

    pub fn bad_input(field: Field, message: impl Into<String>) -> ServiceError {
        ServiceError::BadInput {
            field,
            message: message.into(),
        }
    }

    /// The reason of a refusal (throttling included), if this is one.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            ServiceError::Refused { reason, .. } | ServiceError::Throttled { reason, .. } => {
                Some(*reason)
            }
            _ => None,
        }
    }
}

impl From<jumpup_domain::workflow::Refusal> for ServiceError {
    fn from(r: jumpup_domain::workflow::Refusal) -> ServiceError {
        ServiceError::Refused {
            reason: Reason::from(&r),
            message: r.to_string(),
        }
    }
}

pub type Result<T> = std::result::Result<T, ServiceError>;

/// How often a write that lost a race is tried again.
pub(crate) const WRITE_ATTEMPTS: usize = 20;

impl Services {
    pub fn new(db: Db) -> Services {
        Services {
            db,
            clock: Arc::new(SystemClock),
            progress: Arc::new(Quiet),
            password_cost: identity::PasswordCost::DEFAULT,
            overview: overview::OverviewCache::default(),
        }
    }

    /// Writes that `user` read the firm data of these subjects (`KIND:ID`, one row each)
    /// through `action` (RULES.md 8), in one statement of its own.
    async fn log_reads(
        &self,
        user: &User,
        action: &str,
        kind: &str,
        ids: impl Iterator<Item = impl std::fmt::Display>,
    ) -> Result<()> {
        let subjects: Vec<String> = ids.map(|id| format!("{kind}:{id}")).collect();
        jumpup_store::access::record_read(
            &self.db,
            user.user_id,
            action,
            &subjects,
            self.clock.now(),
        )
        .await?;
        Ok(())
    }
}

/// Runs a block in one write transaction and commits it, as `in_write_tx!(services, |tx|
/// { ... })` where `tx: &mut Tx` and the block's value is a `Result`. A `?` in the block
/// rolls back; a lost race (SQLite busy, PostgreSQL serialization failure or deadlock) runs
/// the block again from the start. A macro rather than a function taking an async closure, so
/// the future stays `Send` for the server.
macro_rules! in_write_tx {
    ($services:expr, |$tx:ident| $body:block) => {{
        let mut attempt = 0usize;
        loop {
            attempt += 1;
            let mut owned = $services.db.begin_write().await?;
            let result: $crate::Result<_> = async {
                let $tx = &mut owned;
                $body
            }
            .await;
            let outcome = match result {
                Ok(value) => owned
                    .commit()
                    .await
                    .map(|()| value)
                    .map_err($crate::ServiceError::from),
                Err(e) => Err(e),
            };
            match outcome {
                Err($crate::ServiceError::Store(e))
                    if jumpup_store::is_retryable(&e) && attempt < $crate::WRITE_ATTEMPTS =>
                {
                    continue;
                }
                other => break other,
            }
        }
    }};
}
pub(crate) use in_write_tx;

/// The acting user, who must exist and be active. Every service knows its caller this one
/// way: by the user's name (the command line's `--actor`, the server's signed-in user), read
/// again in the service's own transaction, so a user deactivated a moment ago is refused.
pub async fn actor(tx: &mut Tx, name: &str) -> Result<(User, Actor)> {
    let user = jumpup_store::identity::user_by_name(tx, name).await?;
    let user = active(user, name)?;
    let actor = actor_of(&user)?;
    Ok((user, actor))
}

/// The user found by `name`, who must exist and be active.
fn active(user: Option<User>, name: &str) -> Result<User> {
    let user = user.ok_or_else(|| {
        ServiceError::refused(Reason::UnknownActor, format!("no user named {name:?}"))
    })?;
    if !user.active {
        return Err(ServiceError::refused(
            Reason::InactiveActor,
            format!("user {name:?} is not active"),
        ));
    }
    Ok(user)
}

impl Services {
    /// The caller of a read that needs no transaction of its own, as [`actor`] finds it (one
    /// statement, no transaction).
    pub(crate) async fn reader(&self, actor_name: &str) -> Result<User> {
        let user = jumpup_store::identity::user_by_name_read(&self.db, actor_name).await?;
        active(user, actor_name)
    }
}

/// Who a user acts as: the role, with its bank or firm.
pub fn actor_of(user: &User) -> Result<Actor> {
    Ok(match user.role {
        Role::City => Actor::City,
        Role::Tp => Actor::Tp,
        Role::Kibo => Actor::Kibo,
        Role::Bank => Actor::Bank(
            user.bank
                .ok_or_else(|| StoreError::Corrupt("a bank user without a bank".into()))?,
        ),
        Role::Firm => Actor::Firm(
            user.firm
                .ok_or_else(|| StoreError::Corrupt("a firm user without a firm".into()))?,
        ),
        Role::Auditor => Actor::Auditor,
        Role::Admin => Actor::Admin,
    })
}

/// Refuses unless the user's role is one of `roles`.
/// Who manages users, banks and programme versions.
pub const ADMIN_ROLES: &[Role] = &[Role::Admin];

pub fn require_role(user: &User, roles: &[Role], what: &str) -> Result<()> {
    if roles.contains(&user.role) {
        Ok(())
    } else {
        Err(ServiceError::refused(
            Reason::RoleNotAllowed,
            format!("the {} role may not {what}", user.role),
        ))
    }
}

/// An audit entry for a change by `user` (ids only, no personal data).
pub fn entry(
    at: DateTime<Utc>,
    user: Option<&User>,
    action: &str,
    subject: String,
    before: String,
    after: String,
) -> Entry {
    Entry {
        seq: 0,
        at: at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        actor: user.map_or_else(|| "bootstrap".to_owned(), |u| format!("user:{}", u.user_id)),
        role: user.map_or_else(|| "-".to_owned(), |u| u.role.as_str().to_owned()),
        action: action.to_owned(),
        subject,
        before,
        after,
        reason: String::new(),
        seals: String::new(),
    }
}

/// Today in Korea (UTC+9) by the system's clock: for the command line's reports only; the
/// services read their injected clock through [`korea_date`].
pub fn today() -> jumpup_domain::Date {
    korea_date(Utc::now())
}

/// The day in Korea (UTC+9) at an instant.
pub fn korea_date(at: DateTime<Utc>) -> jumpup_domain::Date {
    at.with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).expect("invariant: +09:00"))
        .date_naive()
}

/// Worker threads for bulk work: the number asked for, or one per core.
pub fn worker_threads(requested: Option<usize>) -> usize {
    requested
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1)
}

/// An error that is the user's input, not a failure (the command line exits with status 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// The runtime for one command or benchmark: the command line's and the benchmarks' way into
/// the async services.
pub fn block_on<T>(future: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("invariant: a runtime can be built")
        .block_on(future)
}
