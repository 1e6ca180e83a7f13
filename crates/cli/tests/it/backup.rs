//! Backups that restore (issue 14), on both databases: a backup taken while a burst of writes
//! goes on restores into an empty database and proves itself (the audit chain to the recorded
//! head, the ledger check); a damaged backup, a non-empty target and a backup of the other kind
//! are refused with the target left as it was; a backup killed before its rename leaves no
//! file under its name.

use std::process::{Command, Stdio};

use jumpup_domain::money::Won;
use jumpup_service::Services;
use jumpup_store::both_url;

use crate::demo::jumpup;
use crate::support::TempDir;

/// An empty database of the same kind as `url`: its URL, and for PostgreSQL its guard.
async fn empty_like(url: &str, dir: &TempDir) -> (String, Option<jumpup_store::testing::PgGuard>) {
    if url.starts_with("sqlite:") {
        (
            format!("sqlite:{}", dir.path().join("restored.db").display()),
            None,
        )
    } else {
        let (url, guard) = jumpup_store::testing::postgres_empty()
            .await
            .expect("PostgreSQL");
        (url, Some(guard))
    }
}

/// The SQLite backup `out` with its budget doubled inside the copy, its manifest's size and
/// digest recomputed to match: what an insider with the backup file could make.
async fn forge(out: &std::path::Path, dir: &TempDir) -> std::path::PathBuf {
    use sha2::Digest;
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::fs::File::open(out).expect("open")).expect("a zip");
    let mut manifest: serde_json::Value = {
        let mut text = String::new();
        archive
            .by_name("manifest.json")
            .expect("manifest")
            .read_to_string(&mut text)
            .expect("read");
        serde_json::from_str(&text).expect("JSON")
    };
    let copy = dir.path().join("forged.db");
    std::io::copy(
        &mut archive.by_name("data").expect("data"),
        &mut std::fs::File::create(&copy).expect("create"),
    )
    .expect("extract");
    let db = jumpup_store::Db::connect(&format!("sqlite:{}", copy.display()))
        .await
        .expect("open the copy");
    jumpup_store::testing::execute_raw(
        &db,
        "update budget_posting set amount_won = amount_won * 2 where kind = 'appropriation'",
    )
    .await;
    db.close().await;
    let bytes = std::fs::read(&copy).expect("read");
    manifest["data_bytes"] = serde_json::json!(bytes.len());
    manifest["data_sha256"] = serde_json::json!(
        sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let forged = dir.path().join("forged.backup");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&forged).expect("create"));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("manifest.json", stored).expect("entry");
    zip.write_all(manifest.to_string().as_bytes())
        .expect("write");
    zip.start_file("data", stored).expect("entry");
    zip.write_all(&bytes).expect("write");
    zip.finish().expect("finish");
    std::fs::remove_file(&copy).expect("remove");
    forged
}

fn head_of(url: &str) -> String {
    let (ok, text) = jumpup(url, &["audit", "head"]);
    assert!(ok, "{text}");
    text.trim().to_owned()
}

both_url! {
    async fn a_backup_taken_during_a_write_burst_restores_and_proves_itself(db, url) {
        let (ok, text) = jumpup(&url, &["demo", "seed"]);
        assert!(ok, "{text}");
        let dir = TempDir::new();
        let out = dir.path().join("jumpup.backup");
        let out_arg = out.to_str().expect("utf-8");
        // Top-ups keep landing while the backup is taken.
        let s = Services::open(&url).await.expect("services");
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let running = stop.clone();
        let burst = tokio::spawn(async move {
            let mut i = 0;
            while !running.load(std::sync::atomic::Ordering::Relaxed) {
                s.top_up("demo-city", "incheon-jumpup", Won::new(1_000 + i), &format!("BURST-{i}")).await.expect("a top-up");
                i += 1;
            }
            i
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let (ok, text) = jumpup(&url, &["db", "backup", out_arg]);
        assert!(ok, "{text}");
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let written = burst.await.expect("the burst");
        assert!(written >= 2, "the burst ran beside the backup ({written} top-ups)");
        let recorded = text.split("audit head ").nth(1).expect("the recorded head").trim().to_owned();

        // Into an empty database of its kind: proved, then kept.
        let (target, guard) = empty_like(&url, &dir).await;
        let (ok, text) = jumpup(&target, &["db", "restore", out_arg]);
        assert!(ok, "{text}");
        assert!(text.contains(&format!("recorded head {recorded}")) && text.contains("ledger check passed"), "{text}");
        assert_eq!(head_of(&target), recorded);
        let (ok, text) = jumpup(&target, &["ledger", "check"]);
        assert!(ok, "{text}");
        // Never over a database that holds anything.
        let (ok, text) = jumpup(&target, &["db", "restore", out_arg]);
        assert!(!ok && text.contains("not empty"), "{text}");
        assert_eq!(head_of(&target), recorded);
        // A backup never overwrites a file.
        let (ok, text) = jumpup(&url, &["db", "backup", out_arg]);
        assert!(!ok && text.contains("never overwrites"), "{text}");

        // A damaged backup is refused before anything is written.
        let damaged = dir.path().join("damaged.backup");
        let mut bytes = std::fs::read(&out).expect("the backup");
        let at = bytes.len() / 2;
        bytes[at] ^= 0xff;
        std::fs::write(&damaged, bytes).expect("write");
        let (other, other_guard) = if url.starts_with("sqlite:") {
            (format!("sqlite:{}", dir.path().join("other.db").display()), None)
        } else {
            empty_like(&url, &dir).await
        };
        let (ok, text) = jumpup(&other, &["db", "restore", damaged.to_str().expect("utf-8")]);
        assert!(!ok && (text.contains("does not match its manifest") || text.contains("not a Jump-Up backup")), "{text}");
        if url.starts_with("sqlite:") {
            assert!(!dir.path().join("other.db").exists(), "nothing written");
            // A backup whose copy was altered and whose manifest was made to match: the
            // restore proves the ledger and refuses it.
            let forged = forge(&out, &dir).await;
            let (ok, text) = jumpup(&other, &["db", "restore", forged.to_str().expect("utf-8")]);
            assert!(!ok && text.contains("the restored ledger check fails"), "{text}");
            assert!(!dir.path().join("other.db").exists(), "nothing kept");
        } else {
            // A backup of the other kind is not taken for one of this kind, and leaves no file.
            let sqlite = dir.path().join("kind.db");
            let (ok, text) = jumpup(&format!("sqlite:{}", sqlite.display()), &["db", "restore", out_arg]);
            assert!(!ok && text.contains("this is a postgres backup; it restores into a postgres database"), "{text}");
            assert!(!sqlite.exists() && !dir.path().join("kind.db.restoring").exists(), "nothing written");
            let check = jumpup_store::Db::connect(&other).await.expect("connect");
            assert!(check.is_empty().await.expect("empty?"), "the target is left empty");
            check.close().await;
        }
        for g in [guard, other_guard].into_iter().flatten() {
            let url = g.url();
            g.drop_db(jumpup_store::Db::connect(&url).await.expect("connect")).await;
        }
        let _ = &db;
    }

    async fn a_backup_killed_before_its_rename_leaves_nothing_under_its_name(db, url) {
        let (ok, text) = jumpup(&url, &["demo", "seed"]);
        assert!(ok, "{text}");
        let dir = TempDir::new();
        let out = dir.path().join("nightly.backup");
        let mut child = Command::new(env!("CARGO_BIN_EXE_jumpup"))
            .args(["--database", &url, "db", "backup", out.to_str().expect("utf-8")])
            .env_remove("JUMPUP_DATABASE_URL")
            .env("JUMPUP_PAUSE_BEFORE_COMMIT", "backup")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the backup");
        let mut err = std::io::BufReader::new(child.stderr.take().expect("stderr"));
        let mut line = String::new();
        while !line.contains("paused before commit") {
            line.clear();
            let n = std::io::BufRead::read_line(&mut err, &mut line).expect("backup output");
            assert!(n > 0, "the backup ended before its rename");
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        assert!(!out.exists(), "no backup under its name");
        let (ok, text) = jumpup("sqlite::memory:", &["db", "restore", out.to_str().expect("utf-8")]);
        assert!(!ok, "{text}");
        // Run again, it replaces what the killed one left and restores.
        let (ok, text) = jumpup(&url, &["db", "backup", out.to_str().expect("utf-8")]);
        assert!(ok, "{text}");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(leftovers, [std::ffi::OsString::from("nightly.backup")], "{leftovers:?}");
        let (target, guard) = empty_like(&url, &dir).await;
        let (ok, text) = jumpup(&target, &["db", "restore", out.to_str().expect("utf-8")]);
        assert!(ok, "{text}");
        if let Some(g) = guard {
            let url = g.url();
            g.drop_db(jumpup_store::Db::connect(&url).await.expect("connect")).await;
        }
        let _ = &db;
    }
}
