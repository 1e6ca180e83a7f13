//! Jump-Up's persistence: one store over SQLite (embedded, the default: a file) and PostgreSQL
//! (production). The same SQL text runs on both (`$1` placeholders, `returning`); only the
//! DDL of the migrations and the statement that begins a write transaction differ, side by side
//! here. Callers own transactions; every query takes the caller's transaction.

/// Runs a query whose text ends in `in (` once per chunk of `keys` (`BATCH_ROWS` at a time),
/// binding each key, and gathers the rows.
macro_rules! chunked {
    ($tx:expr, $keys:expr, $head:expr, $tail:expr, $row:ty) => {{
        let mut out: Vec<$row> = Vec::new();
        for chunk in $keys.chunks($crate::identity::BATCH_ROWS) {
            let rows: Vec<$row> = $crate::with_tx!($tx, c => {
                let mut q = sqlx::QueryBuilder::new($head);
                let mut list = q.separated(", ");
                for key in chunk {
                    list.push_bind($crate::Key::bound(key));
                }
                q.push($tail);
                q.build_query_as().fetch_all(c).await?
            });
            out.extend(rows);
        }
        out
    }};
}

/// A key a statement binds: text as itself, ids as the integers they are.
pub(crate) trait Key {
    type Bound;
    fn bound(&self) -> Self::Bound;
}

impl Key for String {
    type Bound = String;
    fn bound(&self) -> String {
        self.clone()
    }
}

impl Key for i64 {
    type Bound = i64;
    fn bound(&self) -> i64 {
        *self
    }
}

macro_rules! id_keys {
    ($($id:ident),*) => {$(
        impl Key for jumpup_domain::ids::$id {
            type Bound = i64;
            fn bound(&self) -> i64 {
                self.0
            }
        }
    )*};
}
id_keys!(CaseId, LoanId, BatchId, BankId, FirmId, UserId);

/// Runs `$query` on `$conn` and maps each row with `$map` as it arrives, so a large result is
/// held once, as mapped values, never also as raw rows.
macro_rules! fetch_mapped {
    ($conn:expr, $query:expr, $map:expr) => {{
        let mut rows = $query.fetch($conn);
        let mut out = Vec::new();
        while let Some(row) = futures_util::TryStreamExt::try_next(&mut rows).await? {
            out.push($map(&row)?);
        }
        out
    }};
}

pub mod access;
pub mod audit;
pub mod cases;
pub mod claims;
pub mod demo;
pub mod documents;
pub mod events;
pub mod identity;
pub mod ledger;
pub mod programs;
pub mod seal;
pub mod sessions;
pub mod settlement;
pub mod testing;

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Postgres, Row, Sqlite, Transaction};

/// The PostgreSQL advisory lock that write transactions take in turn.
const WRITE_LOCK: i64 = 0x6a75_6d70; // "jump"

/// The migration from which money rows are sealed (`seal`).
/// The migrations that begin sealing tables: applied, they seal the rows they find, once.
const SEALS_MIGRATIONS: [i64; 2] = [12, 15];

/// The default database: a file in the working directory.
pub const DEFAULT_URL: &str = "sqlite:jumpup.db";

/// The migrations, one list per dialect, in version order: `(version, description, sql)`.
#[rustfmt::skip]
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "identity", include_str!("../migrations/sqlite/0001_identity.sql")),
    (2, "cases", include_str!("../migrations/sqlite/0002_cases.sql")),
    (3, "access log", include_str!("../migrations/sqlite/0003_access_log.sql")),
    (4, "loan events", include_str!("../migrations/sqlite/0004_loan_events.sql")),
    (5, "event seq", include_str!("../migrations/sqlite/0005_event_seq.sql")),
    (6, "claims", include_str!("../migrations/sqlite/0006_claims.sql")),
    (7, "settlement", include_str!("../migrations/sqlite/0007_settlement.sql")),
    (8, "cancelled index", include_str!("../migrations/sqlite/0008_cancelled_index.sql")),
    (9, "sessions", include_str!("../migrations/sqlite/0009_sessions.sql")),
    (10, "approval", include_str!("../migrations/sqlite/0010_approval.sql")),
    (11, "portal", include_str!("../migrations/sqlite/0011_portal.sql")),
    (12, "seals", include_str!("../migrations/sqlite/0012_seals.sql")),
    (13, "throttle", include_str!("../migrations/sqlite/0013_throttle.sql")),
    (14, "onboarding", include_str!("../migrations/sqlite/0014_onboarding.sql")),
    (15, "batch seals", include_str!("../migrations/sqlite/0015_batch_seals.sql")),
];
#[rustfmt::skip]
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "identity", include_str!("../migrations/postgres/0001_identity.sql")),
    (2, "cases", include_str!("../migrations/postgres/0002_cases.sql")),
    (3, "access log", include_str!("../migrations/postgres/0003_access_log.sql")),
    (4, "loan events", include_str!("../migrations/postgres/0004_loan_events.sql")),
    (5, "event seq", include_str!("../migrations/postgres/0005_event_seq.sql")),
    (6, "claims", include_str!("../migrations/postgres/0006_claims.sql")),
    (7, "settlement", include_str!("../migrations/postgres/0007_settlement.sql")),
    (8, "cancelled index", include_str!("../migrations/postgres/0008_cancelled_index.sql")),
    (9, "sessions", include_str!("../migrations/postgres/0009_sessions.sql")),
    (10, "approval", include_str!("../migrations/postgres/0010_approval.sql")),
    (11, "portal", include_str!("../migrations/postgres/0011_portal.sql")),
    (12, "seals", include_str!("../migrations/postgres/0012_seals.sql")),
    (13, "throttle", include_str!("../migrations/postgres/0013_throttle.sql")),
    (14, "onboarding", include_str!("../migrations/postgres/0014_onboarding.sql")),
    (15, "batch seals", include_str!("../migrations/postgres/0015_batch_seals.sql")),
];

/// A short fingerprint of the PostgreSQL schema (its migrations' text), naming the test
/// template database so a schema change builds a new template.
pub fn schema_fingerprint() -> String {
    let mut h = jumpup_domain::quote::Fnv::new();
    for (version, _, sql) in POSTGRES_MIGRATIONS {
        h.int(*version);
        h.bytes(sql.as_bytes());
    }
    format!("{:016x}", h.finish())
}

/// A pool on one of the two databases.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// A write transaction on one of the two databases, with the fingerprints of the money rows
/// it wrote that its next audit entry will seal (`seal`).
#[derive(Debug)]
pub struct Tx {
    #[doc(hidden)]
    pub conn: TxConn,
    sealing: seal::Sealing,
}

/// The transaction itself, one per backend (matched by `with_tx!`).
#[derive(Debug)]
pub enum TxConn {
    Sqlite(Transaction<'static, Sqlite>),
    Pg(Transaction<'static, Postgres>),
}

impl Tx {
    fn new(conn: TxConn) -> Tx {
        Tx {
            conn,
            sealing: seal::Sealing::default(),
        }
    }
}

/// Expands `$body` once per backend with `$conn` bound to the concrete connection, so one
/// SQL text and one piece of Rust serve both databases.
#[macro_export]
macro_rules! with_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match &mut $tx.conn {
            $crate::TxConn::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::TxConn::Pg(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

/// Writes `$rows` with one multi-row statement per `BATCH_ROWS` of them: `$head`, then
/// `push_values` with `$push` for each row. Each statement is built while the database runs the
/// one before (SQLite's worker thread, or the PostgreSQL server), rather than after it. With
/// `returning $tail as $out`, each statement ends with `$tail` and the rows it returns are
/// collected into a `Vec<$out>`.
#[macro_export]
macro_rules! write_rows {
    ($tx:expr, $rows:expr, $head:expr, |$b:ident, $row:ident: &$ty:ty| $push:expr) => {
        $crate::write_rows!(@run $tx, $rows, $head, "", |$b, $row: &$ty| $push,
            |q, c| q.build().execute(c), |_done| ())
    };
    ($tx:expr, $rows:expr, $head:expr, |$b:ident, $row:ident: &$ty:ty| $push:expr,
     returning $tail:literal as $out:ty) => {{
        let mut out: Vec<$out> = Vec::with_capacity($rows.len());
        $crate::write_rows!(@run $tx, $rows, $head, $tail, |$b, $row: &$ty| $push,
            |q, c| q.build_query_as::<$out>().fetch_all(c), |done| out.extend(done));
        out
    }};
    (@run $tx:expr, $rows:expr, $head:expr, $tail:expr, |$b:ident, $row:ident: &$ty:ty| $push:expr,
     |$q:ident, $c:ident| $run:expr, |$done:ident| $keep:expr) => {
        $crate::with_tx!($tx, conn => {
            let build = |chunk: &[$ty]| {
                let mut q = sqlx::QueryBuilder::new($head);
                q.push_values(chunk, |mut $b, $row| {
                    $push;
                });
                q.push($tail);
                q
            };
            let mut chunks = $rows.chunks($crate::identity::BATCH_ROWS);
            let mut next = chunks.next().map(build);
            while let Some(mut $q) = next.take() {
                let $c = &mut *conn;
                let (done, built) =
                    futures_util::future::join($run, async { chunks.next().map(build) }).await;
                let $done = done?;
                $keep;
                next = built;
            }
        })
    };
}

/// Expands `$body` once per backend with `$pool` bound to the concrete pool.
#[macro_export]
macro_rules! with_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Pg($pool) => $body,
        }
    };
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL {0:?}: use sqlite:PATH or postgres://...")]
    BadUrl(String),
    #[error("not found")]
    NotFound,
    #[error("conflict with an existing record ({constraint})")]
    Conflict { constraint: String },
    #[error(
        "the database schema is at version {found}, this program needs {needed}: run `jumpup db migrate`"
    )]
    SchemaBehind { found: i64, needed: i64 },
    #[error(
        "the database schema is at version {found}, newer than this program's {known}: upgrade the program"
    )]
    SchemaAhead { found: i64, known: i64 },
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
    #[error("applied migration {0} was edited after it was applied")]
    MigrationEdited(i64),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    /// Named constraints become `Conflict`, so callers can map them to domain refusals.
    fn from(e: sqlx::Error) -> StoreError {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db)
                if db.is_unique_violation()
                    || db.is_check_violation()
                    || db.is_foreign_key_violation() =>
            {
                StoreError::Conflict {
                    constraint: db
                        .constraint()
                        .map_or_else(|| db.message().to_owned(), str::to_owned),
                }
            }
            _ => StoreError::Database(e),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

fn migrator(list: &[(i64, &'static str, &'static str)]) -> Migrator {
    Migrator::with_migrations(
        list.iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    (*description).into(),
                    MigrationType::Simple,
                    sqlx::AssertSqlSafe(*sql).into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

use sqlx::SqlSafeStr;

/// One migration's state (`jumpup db status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub version: i64,
    pub description: String,
    pub state: MigrationState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationState {
    Applied,
    Pending,
    /// Applied, but its text changed since: a migration must never be edited.
    Edited,
    /// Applied by a newer program.
    Unknown,
}

impl MigrationState {
    pub fn as_str(self) -> &'static str {
        match self {
            MigrationState::Applied => "applied",
            MigrationState::Pending => "pending",
            MigrationState::Edited => "edited",
            MigrationState::Unknown => "unknown",
        }
    }
}

impl Db {
    /// Connects to `sqlite:PATH` (creating the file) or `postgres://...`, without migrating.
    pub async fn connect(url: &str) -> Result<Db> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|_| StoreError::BadUrl(url.to_owned()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                // Rows cross from SQLite's worker thread in batches rather than one wake-up each,
                // and a month's indexes stay in memory (up to 128 MiB of pages per connection).
                .row_buffer_size(4096)
                .pragma("cache_size", "-131072")
                .pragma("page_size", "16384");
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options =
                PgConnectOptions::from_str(url).map_err(|_| StoreError::BadUrl(url.to_owned()))?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .connect_with(options)
                .await?;
            Ok(Db::Pg(pool))
        } else {
            Err(StoreError::BadUrl(url.to_owned()))
        }
    }

    /// Connects for use: SQLite is created and migrated on first use; PostgreSQL must already
    /// be migrated to exactly this program's schema (`jumpup db migrate`).
    pub async fn open(url: &str) -> Result<Db> {
        let db = Db::connect(url).await?;
        match &db {
            Db::Sqlite(_) => db.migrate().await?,
            Db::Pg(_) => db.require_current_schema().await?,
        }
        Ok(db)
    }

    fn migrations(&self) -> &'static [(i64, &'static str, &'static str)] {
        match self {
            Db::Sqlite(_) => SQLITE_MIGRATIONS,
            Db::Pg(_) => POSTGRES_MIGRATIONS,
        }
    }

    /// Applies pending migrations under the migrator's lock (an advisory lock on PostgreSQL);
    /// refuses when an applied migration was edited.
    /// The migration that applies seals seals the rows it finds, once (`seal::seal_existing`).
    pub async fn migrate(&self) -> Result<()> {
        let sealing_begins =
            self.status().await?.iter().any(|m| {
                SEALS_MIGRATIONS.contains(&m.version) && m.state == MigrationState::Pending
            });
        let m = migrator(self.migrations());
        match with_db!(self, p => m.run(p).await) {
            Err(sqlx::migrate::MigrateError::VersionMismatch(v)) => {
                return Err(StoreError::MigrationEdited(v));
            }
            other => other?,
        }
        if sealing_begins {
            seal::seal_existing(self).await?;
        }
        Ok(())
    }

    /// Applies the migrations up to `last` only: for tests that need a database as an older
    /// program left it.
    #[doc(hidden)]
    pub async fn migrate_through(&self, last: i64) -> Result<()> {
        let list: Vec<_> = self
            .migrations()
            .iter()
            .copied()
            .filter(|(v, _, _)| *v <= last)
            .collect();
        let m = migrator(&list);
        with_db!(self, p => m.run(p).await)?;
        Ok(())
    }

    /// Every known and applied migration with its state.
    pub async fn status(&self) -> Result<Vec<MigrationStatus>> {
        let applied: Vec<(i64, Vec<u8>, String)> = with_db!(self, p => {
            let exists: bool = sqlx::query_scalar(match self {
                Db::Sqlite(_) => "select count(*) > 0 from sqlite_master where type = 'table' and name = '_sqlx_migrations'",
                Db::Pg(_) => "select count(*) > 0 from information_schema.tables where table_name = '_sqlx_migrations'",
            })
            .fetch_one(p)
            .await?;
            if exists {
                sqlx::query("select version, checksum, description from _sqlx_migrations where success order by version")
                    .fetch_all(p)
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get("version")?, r.try_get("checksum")?, r.try_get("description")?)))
                    .collect::<std::result::Result<Vec<_>, sqlx::Error>>()?
            } else {
                Vec::new()
            }
        });
        let mut out = Vec::new();
        for m in migrator(self.migrations()).iter() {
            let state = match applied.iter().find(|(v, _, _)| *v == m.version) {
                None => MigrationState::Pending,
                Some((_, checksum, _)) if checksum[..] == m.checksum[..] => MigrationState::Applied,
                Some(_) => MigrationState::Edited,
            };
            out.push(MigrationStatus {
                version: m.version,
                description: m.description.to_string(),
                state,
            });
        }
        for (version, _, description) in &applied {
            if !self.migrations().iter().any(|(v, _, _)| v == version) {
                out.push(MigrationStatus {
                    version: *version,
                    description: description.clone(),
                    state: MigrationState::Unknown,
                });
            }
        }
        Ok(out)
    }

    /// Refuses a schema older or newer than this program's, or one with an edited migration.
    pub async fn require_current_schema(&self) -> Result<()> {
        let status = self.status().await?;
        let known = self.migrations().last().map_or(0, |m| m.0);
        if let Some(m) = status.iter().find(|m| m.state == MigrationState::Edited) {
            return Err(StoreError::MigrationEdited(m.version));
        }
        if let Some(m) = status
            .iter()
            .rev()
            .find(|m| m.state == MigrationState::Unknown)
        {
            return Err(StoreError::SchemaAhead {
                found: m.version,
                known,
            });
        }
        if status.iter().any(|m| m.state == MigrationState::Pending) {
            let found = status
                .iter()
                .filter(|m| m.state == MigrationState::Applied)
                .map(|m| m.version)
                .max()
                .unwrap_or(0);
            return Err(StoreError::SchemaBehind {
                found,
                needed: known,
            });
        }
        Ok(())
    }

    /// Begins a write transaction. Writers take turns, so every read-then-write (the budget,
    /// the waitlist, the audit head) sees the committed state of the writer before:
    /// - SQLite: `BEGIN IMMEDIATE` takes the write lock at once (a deferred transaction would
    ///   fail on a stale snapshot instead of waiting).
    /// - PostgreSQL: a transaction-scoped advisory lock, taken first, under READ COMMITTED so
    ///   each statement after it reads what the previous writer committed (a SERIALIZABLE
    ///   snapshot would predate the wait and fail). Callers still retry on the errors
    ///   [`is_retryable`] names.
    pub async fn begin_write(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::new(TxConn::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?)),
            Db::Pg(p) => {
                let mut tx = p.begin().await?;
                sqlx::query("select pg_advisory_xact_lock($1)")
                    .bind(WRITE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                Tx::new(TxConn::Pg(tx))
            }
        })
    }

    /// Begins a read-only transaction: a consistent snapshot, no write lock taken.
    pub async fn begin_read(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::new(TxConn::Sqlite(p.begin().await?)),
            Db::Pg(p) => Tx::new(TxConn::Pg(p.begin_with("BEGIN READ ONLY").await?)),
        })
    }

    /// Begins a read-only transaction whose every statement sees one snapshot (PostgreSQL
    /// REPEATABLE READ; SQLite's read transaction already does), for checks that read many
    /// tables while writers go on.
    pub async fn begin_snapshot(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::new(TxConn::Sqlite(p.begin().await?)),
            Db::Pg(p) => Tx::new(TxConn::Pg(
                p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?,
            )),
        })
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Pg(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        with_db!(self, p => p.close().await)
    }

    /// SQLite: a consistent copy of the whole database written to `path` (`VACUUM INTO`, a
    /// read transaction of its own, so writers go on meanwhile). `path` must not exist.
    pub async fn copy_into(&self, path: &str) -> Result<()> {
        match self {
            Db::Sqlite(p) => {
                sqlx::query("vacuum into $1").bind(path).execute(p).await?;
                Ok(())
            }
            Db::Pg(_) => Err(StoreError::Corrupt(
                "a PostgreSQL database is copied with pg_dump".into(),
            )),
        }
    }

    /// PostgreSQL: a read-only snapshot held open by the returned transaction, and its id for
    /// `pg_dump --snapshot`, so what is dumped and what the transaction reads are one state.
    pub async fn export_snapshot(&self) -> Result<(Tx, String)> {
        let mut tx = self.begin_snapshot().await?;
        let id: String = with_tx!(tx, c => {
            sqlx::query_scalar("select pg_export_snapshot()").fetch_one(c).await?
        });
        Ok((tx, id))
    }

    /// Whether the database holds no table at all (a restore's target must be empty).
    pub async fn is_empty(&self) -> Result<bool> {
        let n: i64 = with_db!(self, p => {
            sqlx::query_scalar(match self {
                Db::Sqlite(_) => "select count(*) from sqlite_master where type = 'table'",
                Db::Pg(_) => "select count(*) from information_schema.tables where table_schema = 'public'",
            })
            .fetch_one(p)
            .await?
        });
        Ok(n == 0)
    }

    /// PostgreSQL: removes everything a failed restore wrote (the `public` schema, recreated
    /// empty).
    pub async fn clear_public_schema(&self) -> Result<()> {
        if let Db::Pg(p) = self {
            sqlx::raw_sql("drop schema public cascade; create schema public")
                .execute(p)
                .await?;
        }
        Ok(())
    }

    /// The pool's connections now: open, of which idle, and the most it opens.
    pub fn pool_use(&self) -> PoolUse {
        with_db!(self, p => PoolUse {
            open: p.size(),
            idle: u32::try_from(p.num_idle()).unwrap_or(u32::MAX),
            max: p.options().get_max_connections(),
        })
    }

    /// Whether the database answers and its schema is exactly this build's: every migration
    /// applied as written (for `/readyz`).
    pub async fn ready(&self) -> Result<bool> {
        Ok(self
            .status()
            .await?
            .iter()
            .all(|m| m.state == MigrationState::Applied))
    }
}

/// A connection pool's use (for operators' metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// Rows a write must reach before its tables' planner statistics are refreshed.
const ANALYZE_AFTER_ROWS: usize = 10_000;

impl Tx {
    /// After a bulk write of `rows` rows to `tables`, brings PostgreSQL's planner statistics up
    /// to date (it plans from them, and a table filled since its last analyze looks empty, so
    /// later statements would scan instead of using indexes). SQLite's planner uses indexes
    /// without statistics, so nothing is done there.
    pub async fn after_bulk_write(&mut self, rows: usize, tables: &[&'static str]) -> Result<()> {
        if rows < ANALYZE_AFTER_ROWS || tables.is_empty() {
            return Ok(());
        }
        if let TxConn::Pg(t) = &mut self.conn {
            let sql = format!("analyze {}", tables.join(", "));
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut **t)
                .await?;
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        match self.conn {
            TxConn::Sqlite(t) => t.rollback().await?,
            TxConn::Pg(t) => t.rollback().await?,
        }
        Ok(())
    }

    /// Commits; refuses (rolling back) when money rows were written that no audit entry sealed.
    pub async fn commit(self) -> Result<()> {
        self.sealing.require_sealed()?;
        match self.conn {
            TxConn::Sqlite(t) => t.commit().await?,
            TxConn::Pg(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// A write that lost a race and should be retried: SQLite busy, PostgreSQL serialization
/// failure or deadlock.
pub fn is_retryable(e: &StoreError) -> bool {
    match e {
        StoreError::Database(sqlx::Error::Database(db)) => {
            matches!(
                db.code().as_deref(),
                Some("40001" | "40P01" | "5" | "517" | "6")
            )
        }
        _ => false,
    }
}
