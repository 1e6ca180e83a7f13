//! Test support, compiled into the library so that every crate's tests make databases the
//! same way; nothing in the product calls it. A fresh SQLite file in a temporary directory, or
//! a PostgreSQL database copied from a migrated template (created once per schema, under an
//! advisory lock), so no test migrates its own PostgreSQL database and none shares one.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::Db;

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Unique across processes and across runs: a fresh container reuses process ids, and a
/// database left by a killed earlier run must not collide with this one's.
fn unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{}_{:x}_{}",
        std::process::id(),
        nanos,
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A temporary directory removed when dropped.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    #[allow(clippy::new_without_default)]
    pub fn new() -> TempDir {
        let path = std::env::temp_dir().join(format!("jumpup-store-{}", unique()));
        std::fs::create_dir_all(&path).expect("temporary directory");
        TempDir(path)
    }

    pub fn sqlite_url(&self) -> String {
        format!("sqlite:{}", self.0.join("jumpup.db").display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A migrated SQLite database in a fresh file.
pub async fn sqlite() -> (Db, TempDir) {
    let dir = TempDir::new();
    let db = Db::open(&dir.sqlite_url()).await.expect("open SQLite");
    (db, dir)
}

/// The PostgreSQL server for tests, from `TEST_DATABASE_URL`. Without it the PostgreSQL
/// variants are skipped, unless `JUMPUP_REQUIRE_POSTGRES=1` (as in `.ci/run`) makes that a
/// failure.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("JUMPUP_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "TEST_DATABASE_URL is not set but JUMPUP_REQUIRE_POSTGRES=1: the PostgreSQL variants must run"
            );
            eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL variant");
            None
        }
    }
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, _) = url
        .rsplit_once('/')
        .expect("a postgres URL with a database name");
    let query = url
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    format!("{base}/{name}{query}")
}

/// A fresh PostgreSQL database; drop it with [`PgGuard::drop_db`] at the end of the test.
#[derive(Debug)]
pub struct PgGuard {
    admin_url: String,
    name: String,
}

impl PgGuard {
    /// The test database's URL.
    pub fn url(&self) -> String {
        with_database(&self.admin_url, &self.name)
    }

    pub async fn drop_db(self, db: Db) {
        db.close().await;
        let admin = Db::connect(&self.admin_url)
            .await
            .expect("admin connection");
        if let Db::Pg(p) = &admin {
            let sql = format!("drop database if exists {} with (force)", self.name);
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(p)
                .await
                .expect("drop the test database");
        }
        admin.close().await;
    }
}

async fn exec(pool: &sqlx::PgPool, sql: String) {
    sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .execute(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// An empty, unmigrated PostgreSQL database.
pub async fn postgres_empty() -> Option<(String, PgGuard)> {
    let admin_url = postgres_admin_url()?;
    let name = format!("jumpup_test_{}", unique());
    let admin = Db::connect(&admin_url).await.expect("admin connection");
    let Db::Pg(pool) = &admin else {
        panic!("TEST_DATABASE_URL must be a postgres:// URL")
    };
    exec(pool, format!("create database {name}")).await;
    admin.close().await;
    Some((
        with_database(&admin_url, &name),
        PgGuard { admin_url, name },
    ))
}

/// A migrated PostgreSQL database, copied from the template for the current schema.
pub async fn postgres() -> Option<(Db, PgGuard)> {
    let admin_url = postgres_admin_url()?;
    let template = format!("jumpup_template_{}", crate::schema_fingerprint());
    let name = format!("jumpup_test_{}", unique());
    let admin = Db::connect(&admin_url).await.expect("admin connection");
    let Db::Pg(pool) = &admin else {
        panic!("TEST_DATABASE_URL must be a postgres:// URL")
    };
    let mut lock = pool.acquire().await.expect("connection");
    sqlx::query("select pg_advisory_lock(727272)")
        .execute(&mut *lock)
        .await
        .expect("lock");
    let exists: bool =
        sqlx::query_scalar("select count(*) > 0 from pg_database where datname = $1")
            .bind(&template)
            .fetch_one(&mut *lock)
            .await
            .expect("look up the template");
    if !exists {
        // Built under another name and renamed, so a half-built template is never used.
        let building = format!("{template}_building");
        exec(
            pool,
            format!("drop database if exists {building} with (force)"),
        )
        .await;
        exec(pool, format!("create database {building}")).await;
        let db = Db::connect(&with_database(&admin_url, &building))
            .await
            .expect("connect to the template");
        db.migrate().await.expect("migrate the template");
        db.close().await;
        exec(
            pool,
            format!("alter database {building} rename to {template}"),
        )
        .await;
    }
    exec(pool, format!("create database {name} template {template}")).await;
    sqlx::query("select pg_advisory_unlock(727272)")
        .execute(&mut *lock)
        .await
        .expect("unlock");
    drop(lock);
    admin.close().await;
    let db = Db::open(&with_database(&admin_url, &name))
        .await
        .expect("open the test database");
    Some((db, PgGuard { admin_url, name }))
}

/// One test, two variants: `NAME::sqlite` and `NAME::postgres`, each on a fresh database.
/// The body sees `$db: Db`.
#[macro_export]
macro_rules! both {
    ($(async fn $name:ident($db:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let ($db, _dir) = $crate::testing::sqlite().await;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(($db, guard)) = $crate::testing::postgres().await else { return };
                let db_for_drop = $db.clone();
                $body
                guard.drop_db(db_for_drop).await;
            }
        }
    )*};
}

/// Like [`both!`], with the database's URL as well: the body sees `$db: Db` and `$url: String`
/// (for tests that drive the `jumpup` binary with `--database`).
#[macro_export]
macro_rules! both_url {
    ($(async fn $name:ident($db:ident, $url:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let ($db, dir) = $crate::testing::sqlite().await;
                let $url = dir.sqlite_url();
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(($db, guard)) = $crate::testing::postgres().await else { return };
                let $url = guard.url();
                let db_for_drop = $db.clone();
                $body
                guard.drop_db(db_for_drop).await;
            }
        }
    )*};
}

/// Runs one SQL statement outside any service: for tests that tamper with stored rows.
pub async fn execute_raw(db: &Db, sql: &str) {
    let result = crate::with_db!(db, p => sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(p).await.map(|_| ()));
    if let Err(e) = result {
        panic!("{sql}: {e}");
    }
}

/// The first column of every row of one query, as text: for tests that look at stored rows.
pub async fn query_texts(db: &Db, sql: &str) -> Vec<String> {
    let result: std::result::Result<Vec<(String,)>, sqlx::Error> = crate::with_db!(db, p => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned())).fetch_all(p).await
    });
    result
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|(v,)| v)
        .collect()
}
