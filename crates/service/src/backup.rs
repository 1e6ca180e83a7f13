//! Backups that restore (issue 14): `jumpup db backup OUT` takes a consistent copy while the
//! server runs and records the audit head *of that copy*; `jumpup --database URL db restore
//! IN` restores it into an empty database and keeps it only when the audit chain verifies to
//! exactly the recorded head and the ledger check passes.
//!
//! A backup is one zip file: `manifest.json` (the format, the database kind, the audit head,
//! the time, the data's size and SHA-256) and `data`, the database's own copy: SQLite's
//! `VACUUM INTO` file, or PostgreSQL's `pg_dump --format=custom` taken in an exported snapshot
//! whose audit head is read in the same snapshot. It is written to `OUT.partial` and renamed
//! into place once synced, so a backup killed midway leaves nothing named `OUT`; a restore
//! checks the data's digest before it writes anything, and a failed one leaves the target as
//! empty as it found it.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use jumpup_domain::audit::Head;
use jumpup_store::Db;
use serde::{Deserialize, Serialize};

const FORMAT: &str = "jumpup-backup-1";

/// What a backup says of itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    /// `sqlite` or `postgres`: a backup restores into a database of its own kind.
    pub backend: String,
    /// The audit chain's head in the copy (`SEQ:HASH`).
    pub audit_head: String,
    pub taken_at: String,
    pub data_bytes: u64,
    pub data_sha256: String,
}

/// Why a backup or a restore did not happen; nothing was left behind.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Refused(String),
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error(transparent)]
    Store(#[from] jumpup_store::StoreError),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let what = what.into();
    move |e| BackupError::Io(what, e)
}

/// `path` with `suffix` appended to its file name.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The file a `sqlite:` URL names.
fn sqlite_path(url: &str) -> Result<PathBuf, BackupError> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| BackupError::Refused(format!("not a SQLite URL: {url}")))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        return Err(BackupError::Refused(
            "a database in memory has no file to back up or restore".into(),
        ));
    }
    Ok(PathBuf::from(path))
}

/// Takes a backup of `db` (reached at `url`) into `out`, which must not exist.
pub async fn backup(db: &Db, url: &str, out: &Path) -> Result<Manifest, BackupError> {
    if out.exists() {
        return Err(BackupError::Refused(format!(
            "{} exists; a backup never overwrites a file",
            out.display()
        )));
    }
    let data = beside(out, ".partial-data");
    let partial = beside(out, ".partial");
    for stale in [&data, &partial] {
        let _ = std::fs::remove_file(stale);
    }
    let result = async {
        let head = copy(db, url, &data).await?;
        let manifest = write_archive(&data, &partial, head, db.backend())?;
        super::pause_before_commit("backup");
        std::fs::rename(&partial, out).map_err(io(format!("rename to {}", out.display())))?;
        sync_dir(out);
        Ok(manifest)
    }
    .await;
    let _ = std::fs::remove_file(&data);
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// The database's own consistent copy into `data`, and the audit head of that copy.
async fn copy(db: &Db, url: &str, data: &Path) -> Result<Head, BackupError> {
    match db {
        Db::Sqlite(_) => {
            let path = data
                .to_str()
                .ok_or_else(|| BackupError::Refused("the backup's path is not UTF-8".into()))?;
            db.copy_into(path).await?;
            // The copy is consistent by itself: its own head is the one recorded.
            let copy = Db::connect(&format!("sqlite:{path}")).await?;
            let head = jumpup_store::audit::head(&copy).await;
            copy.close().await;
            Ok(head?)
        }
        Db::Pg(_) => {
            let (mut tx, snapshot) = db.export_snapshot().await?;
            let head = jumpup_store::audit::head_in(&mut tx).await?;
            let status = std::process::Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--no-privileges"])
                .arg(format!("--snapshot={snapshot}"))
                .arg(format!("--file={}", data.display()))
                .arg(format!("--dbname={url}"))
                .stdin(std::process::Stdio::null())
                .status()
                .map_err(io("pg_dump (is the PostgreSQL client installed?)"))?;
            tx.rollback().await?;
            if !status.success() {
                return Err(BackupError::Refused(format!("pg_dump failed ({status})")));
            }
            Ok(head)
        }
    }
}

fn write_archive(
    data: &Path,
    partial: &Path,
    head: Head,
    backend: &str,
) -> Result<Manifest, BackupError> {
    let (data_bytes, data_sha256) = digest_file(data)?;
    let manifest = Manifest {
        format: FORMAT.into(),
        backend: backend.into(),
        audit_head: head.to_string(),
        taken_at: chrono::Utc::now().to_rfc3339(),
        data_bytes,
        data_sha256,
    };
    let file =
        std::fs::File::create(partial).map_err(io(format!("create {}", partial.display())))?;
    let mut zip = zip::ZipWriter::new(file);
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(data_bytes > u64::from(u32::MAX));
    let zip_error = |e: zip::result::ZipError| BackupError::Io("write the backup".into(), e.into());
    zip.start_file("manifest.json", stored).map_err(zip_error)?;
    let text = serde_json::to_vec_pretty(&manifest).expect("invariant: a manifest serialises");
    zip.write_all(&text).map_err(io("write the manifest"))?;
    zip.start_file("data", stored).map_err(zip_error)?;
    let mut source = std::fs::File::open(data).map_err(io("read the copy"))?;
    std::io::copy(&mut source, &mut zip).map_err(io("write the copy"))?;
    let file = zip.finish().map_err(zip_error)?;
    file.sync_all().map_err(io("sync the backup"))?;
    Ok(manifest)
}

fn digest_file(path: &Path) -> Result<(u64, String), BackupError> {
    use sha2::Digest;
    let mut file = std::fs::File::open(path).map_err(io(format!("read {}", path.display())))?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(io("read the copy"))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        hasher.update(&buffer[..n]);
    }
    let hex = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((total, hex))
}

fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
}

/// Reads a backup's manifest and extracts its data to `to`, checking size and digest.
fn open_archive(input: &Path, to: &Path) -> Result<Manifest, BackupError> {
    let not_a_backup = |why: String| {
        BackupError::Refused(format!(
            "{} is not a Jump-Up backup: {why}",
            input.display()
        ))
    };
    let file = std::fs::File::open(input).map_err(io(format!("read {}", input.display())))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| not_a_backup(e.to_string()))?;
    let manifest: Manifest = {
        let mut entry = zip
            .by_name("manifest.json")
            .map_err(|e| not_a_backup(e.to_string()))?;
        let mut text = String::new();
        entry
            .by_ref()
            .take(64 * 1024)
            .read_to_string(&mut text)
            .map_err(|e| not_a_backup(e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| not_a_backup(e.to_string()))?
    };
    if manifest.format != FORMAT {
        return Err(not_a_backup(format!("format {:?}", manifest.format)));
    }
    {
        let mut entry = zip
            .by_name("data")
            .map_err(|e| not_a_backup(e.to_string()))?;
        let mut out = std::fs::File::create(to).map_err(io(format!("create {}", to.display())))?;
        std::io::copy(&mut entry, &mut out)
            .map_err(|e| not_a_backup(format!("its data is damaged ({e})")))?;
        out.sync_all().map_err(io("sync the data"))?;
    }
    let (bytes, digest) = digest_file(to)?;
    if bytes != manifest.data_bytes || digest != manifest.data_sha256 {
        return Err(not_a_backup(
            "its data does not match its manifest (damaged or altered)".into(),
        ));
    }
    Ok(manifest)
}

/// What a restore proved.
#[derive(Debug, Clone)]
pub struct Restored {
    pub manifest: Manifest,
    pub entries: i64,
}

/// Restores the backup `input` into the empty database at `url` (of the backup's kind), and
/// keeps it only when the audit chain verifies to the recorded head and the ledger check
/// passes; otherwise the target is left empty.
pub async fn restore(url: &str, input: &Path) -> Result<Restored, BackupError> {
    let kind = if url.starts_with("sqlite:") {
        "sqlite"
    } else {
        "postgres"
    };
    match kind {
        "sqlite" => {
            let target = sqlite_path(url)?;
            if std::fs::metadata(&target).is_ok_and(|m| m.len() > 0) {
                return Err(BackupError::Refused(format!(
                    "{} is not empty; a restore goes into an empty database",
                    target.display()
                )));
            }
            let staged = beside(&target, ".restoring");
            let result = async {
                let manifest = open_archive(input, &staged)?;
                same_kind(&manifest, kind)?;
                let staged_url = format!(
                    "sqlite:{}",
                    staged.to_str().ok_or_else(|| BackupError::Refused(
                        "the target's path is not UTF-8".into()
                    ))?
                );
                let entries = prove(&staged_url, &manifest).await?;
                std::fs::rename(&staged, &target)
                    .map_err(io(format!("rename to {}", target.display())))?;
                sync_dir(&target);
                Ok(Restored { manifest, entries })
            }
            .await;
            if result.is_err() {
                for leftover in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(beside(&staged, leftover));
                }
            }
            result
        }
        _ => {
            let db = Db::connect(url).await?;
            if !db.is_empty().await? {
                db.close().await;
                return Err(BackupError::Refused(
                    "the target database is not empty; a restore goes into an empty database"
                        .into(),
                ));
            }
            let data = beside(input, ".restoring-data");
            let result = async {
                let manifest = open_archive(input, &data)?;
                same_kind(&manifest, kind)?;
                let status = std::process::Command::new("pg_restore")
                    .args([
                        "--single-transaction",
                        "--exit-on-error",
                        "--no-owner",
                        "--no-privileges",
                    ])
                    .arg(format!("--dbname={url}"))
                    .arg(&data)
                    .stdin(std::process::Stdio::null())
                    .status()
                    .map_err(io("pg_restore (is the PostgreSQL client installed?)"))?;
                if !status.success() {
                    return Err(BackupError::Refused(format!(
                        "pg_restore failed ({status})"
                    )));
                }
                let entries = prove(url, &manifest).await?;
                Ok(Restored { manifest, entries })
            }
            .await;
            let _ = std::fs::remove_file(&data);
            if result.is_err() {
                db.clear_public_schema().await?;
            }
            db.close().await;
            result
        }
    }
}

fn same_kind(manifest: &Manifest, kind: &str) -> Result<(), BackupError> {
    if manifest.backend != kind {
        return Err(BackupError::Refused(format!(
            "this is a {} backup; it restores into a {} database",
            manifest.backend, manifest.backend
        )));
    }
    Ok(())
}

/// The restored database's proof: its audit chain verifies and ends exactly at the recorded
/// head (checked before anything else writes), its schema is brought up to this build, and
/// its ledger check (balances, reservations, seals) passes. The number of entries.
async fn prove(url: &str, manifest: &Manifest) -> Result<i64, BackupError> {
    let db = Db::connect(url).await?;
    let checked = async {
        let entries = jumpup_store::audit::load(&db).await?;
        let head = jumpup_domain::audit::verify(entries, None).map_err(|t| {
            BackupError::Refused(format!("the restored audit chain is broken: {t}"))
        })?;
        if head.to_string() != manifest.audit_head {
            return Err(BackupError::Refused(format!(
                "the restored audit head {head} is not the recorded {}",
                manifest.audit_head
            )));
        }
        Ok(head.seq)
    }
    .await;
    db.close().await;
    let entries = checked?;
    let services = super::Services::open(url).await?;
    let ledger = services.ledger_check().await.map_err(|e| {
        BackupError::Refused(format!("the restored ledger could not be checked: {e}"))
    })?;
    services.db.close().await;
    if !ledger.ok() {
        return Err(BackupError::Refused(format!(
            "the restored ledger check fails: {}",
            ledger.to_json()
        )));
    }
    Ok(entries)
}
