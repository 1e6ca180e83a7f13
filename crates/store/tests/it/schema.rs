//! Migrations: applied on first use (SQLite), refused when behind (PostgreSQL), an edited
//! migration named, the same status on both databases.

use jumpup_store::{Db, MigrationState, StoreError};

use jumpup_store::both;
use jumpup_store::testing as support;

both! {
    async fn a_migrated_database_reports_every_migration_applied(db) {
        let status = db.status().await.expect("status");
        assert!(!status.is_empty());
        assert!(status.iter().all(|m| m.state == MigrationState::Applied), "{status:?}");
        db.migrate().await.expect("migrating again changes nothing");
        db.require_current_schema().await.expect("current");
    }

    async fn an_edited_migration_is_named_and_the_database_refused(db) {
        let mut tx = db.begin_write().await.expect("begin");
        jumpup_store::with_tx!(&mut tx, c => {
            sqlx::query("update _sqlx_migrations set checksum = $1 where version = 1")
                .bind(vec![0u8; 48])
                .execute(c)
                .await
                .expect("tamper");
        });
        tx.commit().await.expect("commit");
        let status = db.status().await.expect("status");
        assert_eq!(status[0].state, MigrationState::Edited);
        assert!(matches!(db.require_current_schema().await, Err(StoreError::MigrationEdited(1))));
        assert!(matches!(db.migrate().await, Err(StoreError::MigrationEdited(1))));
    }

    async fn after_a_bulk_write_postgres_knows_the_tables_are_full(db) {
        let mut tx = db.begin_write().await.expect("begin");
        jumpup_store::with_tx!(&mut tx, c => {
            sqlx::query("insert into bank (code, name, created_at) values ('001', 'b', $1)")
                .bind(chrono::Utc::now())
                .execute(c)
                .await
                .expect("a bank");
        });
        // Below the threshold nothing happens; above it the statistics are refreshed in the
        // transaction (PostgreSQL's reltuples stops being unknown).
        tx.after_bulk_write(10, &["bank"]).await.expect("small");
        tx.after_bulk_write(1_000_000, &["bank", "loan"]).await.expect("analyze");
        if let jumpup_store::TxConn::Pg(t) = &mut tx.conn {
            let known: f32 = sqlx::query_scalar("select reltuples from pg_class where relname = 'bank'")
                .fetch_one(&mut **t)
                .await
                .expect("reltuples");
            assert!(known >= 1.0, "{known}");
        }
        tx.commit().await.expect("commit");
    }
}

#[tokio::test]
async fn sqlite_creates_and_migrates_its_file_on_first_use() {
    let dir = support::TempDir::new();
    let url = dir.sqlite_url();
    let db = Db::open(&url).await.expect("open");
    assert!(dir.0.join("jumpup.db").is_file());
    assert!(
        db.status()
            .await
            .expect("status")
            .iter()
            .all(|m| m.state == MigrationState::Applied)
    );
}

#[tokio::test]
async fn postgres_refuses_a_schema_older_than_the_program_until_migrated() {
    let Some((url, guard)) = support::postgres_empty().await else {
        return;
    };
    let err = Db::open(&url)
        .await
        .expect_err("an unmigrated database is refused");
    assert!(
        matches!(err, StoreError::SchemaBehind { found: 0, .. }),
        "{err}"
    );
    let db = Db::connect(&url).await.expect("connect");
    assert!(
        db.status()
            .await
            .expect("status")
            .iter()
            .all(|m| m.state == MigrationState::Pending)
    );
    db.migrate().await.expect("migrate");
    db.close().await;
    let db = Db::open(&url).await.expect("open after migrating");
    guard.drop_db(db).await;
}

#[test]
fn a_bad_url_is_refused() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    assert!(matches!(
        rt.block_on(Db::connect("mysql://x")),
        Err(StoreError::BadUrl(_))
    ));
}

/// A database an older program filled is sealed by the migration that starts sealing, once,
/// in an entry that says so; a row slipped in afterwards is reported, not adopted by migrating
/// again.
async fn existing_rows_are_sealed_once_by_their_migration(db: &Db) {
    db.migrate_through(11)
        .await
        .expect("the schema before seals");
    support::execute_raw(
        db,
        "insert into budget_posting (posting_id, program_id, kind, from_account, to_account, amount_won, case_id, created_at) \
         values ('appropriation:p@2025-01-01', 'p', 'appropriation', 'funding', 'available', 1000000, null, '2025-01-01T00:00:00Z')",
    )
    .await;
    db.migrate().await.expect("migrate");
    let entry = support::query_texts(db, "select action || '|' || seals from audit_entry").await;
    assert_eq!(entry.len(), 1, "{entry:?}");
    assert!(
        entry[0].starts_with("integrity.seal_existing|budget_posting 1 "),
        "{entry:?}"
    );
    let report = jumpup_store::seal::verify(db).await.expect("verify");
    assert!(report.ok(), "{:?}", report.findings);
    let chain = jumpup_store::audit::load(db).await.expect("load");
    jumpup_domain::audit::verify(chain, None).expect("the chain holds the sealing entry");

    support::execute_raw(
        db,
        "insert into budget_posting (posting_id, program_id, kind, from_account, to_account, amount_won, case_id, created_at) \
         values ('top_up:p:late', 'p', 'top_up', 'funding', 'available', 5, null, '2025-01-02T00:00:00Z')",
    )
    .await;
    db.migrate().await.expect("migrating again");
    let report = jumpup_store::seal::verify(db).await.expect("verify");
    assert_eq!(report.findings_total, 1, "{:?}", report.findings);
    assert_eq!(report.findings[0].problem.code(), "row_without_entry");
    assert_eq!(
        report.findings[0].row,
        Some(jumpup_store::seal::Key::Posting("top_up:p:late".into()))
    );
}

#[tokio::test]
async fn sqlite_seals_existing_rows_once_by_migration() {
    let dir = support::TempDir::new();
    let db = Db::connect(&dir.sqlite_url()).await.expect("connect");
    existing_rows_are_sealed_once_by_their_migration(&db).await;
    db.close().await;
}

#[tokio::test]
async fn postgres_seals_existing_rows_once_by_migration() {
    let Some((url, guard)) = support::postgres_empty().await else {
        return;
    };
    let db = Db::connect(&url).await.expect("connect");
    existing_rows_are_sealed_once_by_their_migration(&db).await;
    guard.drop_db(db).await;
}
