//! The database commands: `db`, `user`, `bank`, `firm` and `audit`. Each opens the store
//! named by `--database` / `JUMPUP_DATABASE_URL` (default `sqlite:jumpup.db`, created and
//! migrated on first use), acts as `--actor` through the services, and prints the result.
//! A refusal exits with status 3 and prints its code.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use jumpup_domain::audit::Head;
use jumpup_domain::regno::{BusinessNumber, CorporateNumber};
use jumpup_domain::workflow::{BankCode, Role};
use jumpup_service::identity::NewFirm;
use jumpup_service::{DEFAULT_URL, Db, StoreError};
use serde_json::json;

use jumpup_service::fields;
use jumpup_service::identity::{NewScope, UserKey};
use jumpup_service::{BadInput, block_on};
use jumpup_service::{Field, ServiceError, Services};

/// Which database to use.
#[derive(Debug, Args, Clone)]
pub struct DbArgs {
    /// The database: sqlite:PATH or postgres://... (default: sqlite:jumpup.db here).
    #[arg(long, env = "JUMPUP_DATABASE_URL", value_name = "URL", global = true)]
    pub database: Option<String>,
}

impl DbArgs {
    pub fn url(&self) -> &str {
        self.database.as_deref().unwrap_or(DEFAULT_URL)
    }
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Apply pending migrations (under a lock); the way to upgrade PostgreSQL.
    Migrate,
    /// Applied and pending migrations, and any applied one that was edited.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// A consistent copy of the database while it serves (SQLite: VACUUM INTO; PostgreSQL:
    /// pg_dump in a snapshot), with the audit head of that copy, into the new file OUT.
    Backup { out: std::path::PathBuf },
    /// Restores the backup IN into the empty database --database names (of the backup's
    /// kind); kept only when the audit chain verifies to the recorded head and the ledger
    /// check passes, otherwise the database is left empty.
    Restore { input: std::path::PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user with one role (admin only; the first user, an admin, needs no --actor).
    Add {
        name: String,
        #[arg(long, value_parser = fields::role)]
        role: Role,
        /// The bank of a bank user (3-digit code).
        #[arg(long, value_name = "CODE", value_parser = fields::bank)]
        bank: Option<BankCode>,
        /// The firm of a firm user (business registration number).
        #[arg(long, value_name = "BUSINESS_NO", value_parser = fields::business_no)]
        firm: Option<BusinessNumber>,
        /// Read the user's password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        actor: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Print a new API token for NAME (for `Authorization: Bearer TOKEN`); only its hash is
    /// stored, so it is shown this once. An admin, or the user themself.
    Token {
        name: String,
        #[arg(long)]
        actor: String,
    },
    /// Let NAME sign in (`tp` for firms' accounts, `admin` for any). An account claiming a
    /// firm already known needs --evidence: what was checked (a sentence, audited).
    Activate {
        name: String,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        evidence: Option<String>,
    },
    /// Stop NAME signing in: their sessions end and their API tokens are revoked (`tp` for
    /// firms' accounts, `admin` for any).
    Deactivate {
        name: String,
        #[arg(long)]
        actor: String,
    },
    /// Lift NAME's sign-in locks and delays after failed sign-ins (`tp` for firms' accounts,
    /// `admin` for any).
    Unlock {
        name: String,
        #[arg(long)]
        actor: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// Add a partner bank (admin).
    Add {
        #[arg(value_parser = fields::bank)]
        code: BankCode,
        name: String,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum FirmCommand {
    /// Add a firm (admin or tp); one per business registration number.
    Add {
        #[arg(long, value_name = "BUSINESS_NO", value_parser = fields::business_no)]
        business_no: BusinessNumber,
        #[arg(long, value_name = "CORPORATE_NO", value_parser = fields::corporate_no)]
        corporate_no: Option<CorporateNumber>,
        #[arg(long)]
        name: String,
        #[arg(long)]
        address: String,
        /// The district (구/군) of the site in Incheon.
        #[arg(long)]
        district: String,
        #[arg(long)]
        industry_code: String,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// The latest sequence and hash: keep it outside the database as an anchor.
    Head,
    /// Re-walk the hash chain and name the first entry edited, deleted or reordered.
    Verify {
        /// An anchor kept earlier (SEQ:HASH): also catches a truncated or rewritten tail.
        #[arg(long, value_name = "SEQ:HASH", value_parser = fields::anchor)]
        anchor: Option<Head>,
    },
}

pub(super) async fn services(db: &DbArgs) -> anyhow::Result<Services> {
    Services::open(db.url()).await.map_err(store_error)
}

/// The database's approved programme versions.
pub fn catalog(db: &DbArgs) -> anyhow::Result<jumpup_domain::program::Catalog> {
    block_on(async {
        let s = services(db).await?;
        let catalog = s.catalog().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        s.db.close().await;
        Ok(catalog)
    })
}

pub fn import_program(
    file: &std::path::Path,
    actor: &str,
    db: &DbArgs,
) -> anyhow::Result<ExitCode> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file)
        .map_err(|e| BadInput(format!("FILE: cannot read {name}: {e}")))?;
    let program = jumpup_service::catalog::parse_program(&name, &text)
        .map_err(|p| BadInput(jumpup_service::catalog::ProgramFileErrors(p).to_string()))?;
    block_on(async {
        let s = services(db).await?;
        let result = s.import_program(actor, &program).await.map(|versions| {
            jumpup_service::programs::imported_json(program.id().as_str(), &versions)
        });
        finish(result, false, |v| {
            let mut lines = Vec::new();
            for version in v["versions"].as_array().into_iter().flatten() {
                let what = if version["stored"] == true {
                    "stored, pending approval"
                } else {
                    "unchanged"
                };
                lines.push(format!(
                    "{} {}: {what} (digest {})",
                    v["program"].as_str().unwrap_or_default(),
                    version["in_force_from"].as_str().unwrap_or_default(),
                    version["digest"].as_str().unwrap_or_default()
                ));
            }
            lines.join("\n")
        })
    })
}

pub fn approve_program(id: &str, on: &str, actor: &str, db: &DbArgs) -> anyhow::Result<ExitCode> {
    let day = jumpup_domain::date::parse_date(on).map_err(|e| BadInput(format!("--on: {e}")))?;
    block_on(async {
        let s = services(db).await?;
        let result = s
            .approve_program(actor, id, day)
            .await
            .map(|digest| json!({ "program": id, "in_force_from": on, "digest": digest }));
        finish(result, false, |v| {
            format!(
                "{id} {on} approved (digest {})",
                v["digest"].as_str().unwrap_or_default()
            )
        })
    })
}

fn store_error(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::BadUrl(_) => BadInput(format!("--database: {e}")).into(),
        other => anyhow::Error::new(other),
    }
}

/// Maps a service result to the exit codes: 3 refused, 2 bad input, 1 failure.
/// A field as the command line names it: its flag, or its argument's name.
pub(super) fn flag(field: Field) -> &'static str {
    match field {
        Field::Actor => "--actor",
        Field::Address => "--address",
        Field::Amount => "AMOUNT",
        Field::Bank => "--bank",
        Field::CurrentPassword => "the current password",
        Field::District => "--district",
        Field::Evidence => "--evidence",
        Field::File => "FILE",
        Field::Firm => "--firm",
        Field::FirmName => "--name",
        Field::GuaranteeNo => "--guarantee-no",
        Field::IndustryCode => "--industry-code",
        Field::LoanNo => "--loan-no",
        Field::Name => "NAME",
        Field::NewPassword | Field::Password => "the password",
        Field::Reason => "--reason",
        Field::Reference => "--reference",
        Field::Requested => "--amount",
        Field::Role => "--role",
        Field::Through => "--through",
        Field::UserName => "--user-name",
    }
}

pub(super) fn finish(
    result: Result<serde_json::Value, ServiceError>,
    json: bool,
    text: impl FnOnce(&serde_json::Value) -> String,
) -> anyhow::Result<ExitCode> {
    match result {
        Ok(value) => {
            let mut out = std::io::stdout();
            if json {
                writeln!(out, "{value}")?;
            } else {
                writeln!(out, "{}", text(&value))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(ServiceError::Refused { reason, message }) => {
            let code = reason.code();
            eprintln!("refused ({code}): {message}");
            if json {
                writeln!(
                    std::io::stdout(),
                    "{}",
                    json!({ "error": { "code": code, "message": message } })
                )?;
            }
            Ok(ExitCode::from(3))
        }
        Err(ServiceError::BadInput { field, message }) => {
            Err(BadInput(format!("{}: {message}", flag(field))).into())
        }
        Err(e @ ServiceError::Throttled { .. }) => {
            eprintln!("refused: {e}");
            Ok(ExitCode::from(3))
        }
        Err(ServiceError::Import(report)) => {
            print_report(&report, json)?;
            Ok(ExitCode::from(2))
        }
        Err(ServiceError::Store(e)) => Err(store_error(e)),
    }
}

pub fn db(command: DbCommand, db: &DbArgs) -> anyhow::Result<ExitCode> {
    use jumpup_service::backup::{self, BackupError};
    let refused = |e: BackupError| -> anyhow::Result<ExitCode> {
        match e {
            BackupError::Store(e) => Err(store_error(e)),
            other => {
                eprintln!("refused: {other}");
                Ok(ExitCode::from(3))
            }
        }
    };
    block_on(async {
        // A restore opens its target itself, once it has proved the backup.
        if let DbCommand::Restore { input } = &command {
            return match backup::restore(db.url(), input).await {
                Ok(r) => {
                    writeln!(
                        std::io::stdout(),
                        "restored {}: audit chain intact to the recorded head {} ({} entries), \
                         ledger check passed",
                        input.display(),
                        r.manifest.audit_head,
                        r.entries
                    )?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refused(e),
            };
        }
        let store = Db::connect(db.url()).await.map_err(store_error)?;
        let mut code = ExitCode::SUCCESS;
        match command {
            DbCommand::Migrate => {
                store.migrate().await.map_err(store_error)?;
                writeln!(std::io::stdout(), "{}: schema up to date", store.backend())?;
            }
            DbCommand::Status { json } => {
                let status = store.status().await.map_err(store_error)?;
                let mut out = std::io::stdout();
                if json {
                    let list: Vec<_> = status
                        .iter()
                        .map(|m| json!({ "version": m.version, "description": m.description, "state": m.state.as_str() }))
                        .collect();
                    writeln!(out, "{}", serde_json::Value::from(list))?;
                } else {
                    for m in &status {
                        writeln!(
                            out,
                            "{:>4}  {:<8}  {}",
                            m.version,
                            m.state.as_str(),
                            m.description
                        )?;
                    }
                }
            }
            DbCommand::Backup { out } => match backup::backup(&store, db.url(), &out).await {
                Ok(m) => {
                    writeln!(
                        std::io::stdout(),
                        "backup {}: {} bytes of {}, audit head {}",
                        out.display(),
                        m.data_bytes,
                        m.backend,
                        m.audit_head
                    )?;
                }
                Err(e) => code = refused(e)?,
            },
            DbCommand::Restore { .. } => {} // answered above, before any connection
        }
        store.close().await;
        Ok(code)
    })
}

fn set_active(
    db: &DbArgs,
    name: &str,
    actor: &str,
    active: bool,
    evidence: Option<&str>,
) -> anyhow::Result<ExitCode> {
    block_on(async {
        let s = services(db).await?;
        let result = s
            .set_user_active(actor, UserKey::Name(name), active, evidence)
            .await
            .map(|u| serde_json::json!({ "user_id": u.user_id, "active": u.active }));
        finish(result, false, |v| {
            format!("user {} active: {}", name, v["active"])
        })
    })
}

pub fn user(command: UserCommand, db: &DbArgs) -> anyhow::Result<ExitCode> {
    let (name, role, bank, firm, password_stdin, actor, json) = match command {
        UserCommand::Add {
            name,
            role,
            bank,
            firm,
            password_stdin,
            actor,
            json,
        } => (name, role, bank, firm, password_stdin, actor, json),
        UserCommand::Token { name, actor } => {
            return block_on(async {
                let s = services(db).await?;
                let result = s.issue_token(&actor, &name).await;
                finish(result.map(serde_json::Value::String), false, |v| {
                    v.as_str().unwrap_or_default().to_owned()
                })
            });
        }
        UserCommand::Unlock { name, actor } => {
            return block_on(async {
                let s = services(db).await?;
                let result = s
                    .unlock_user(&actor, UserKey::Name(&name))
                    .await
                    .map(|u| serde_json::json!({ "user_id": u.user_id }));
                finish(result, false, |_| format!("user {name} unlocked"))
            });
        }
        UserCommand::Activate {
            name,
            actor,
            evidence,
        } => return set_active(db, &name, &actor, true, evidence.as_deref()),
        UserCommand::Deactivate { name, actor } => {
            return set_active(db, &name, &actor, false, None);
        }
    };
    let password_hash = if password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| BadInput(format!("--password-stdin: {e}")))?;
        let password = line.trim_end_matches(['\r', '\n']);
        Some(
            jumpup_service::identity::hash_password(
                password,
                jumpup_service::identity::PasswordCost::DEFAULT,
            )
            .map_err(|e| BadInput(e.to_string()))?,
        )
    } else {
        None
    };
    let scope = match (bank, firm) {
        (Some(_), Some(_)) => {
            return Err(BadInput("--bank, --firm: give at most one".into()).into());
        }
        (Some(b), None) => NewScope::Bank(b),
        (None, Some(f)) => NewScope::Firm(f),
        (None, None) => NewScope::None,
    };
    block_on(async {
        let s = services(db).await?;
        let result = s
            .add_user(
                actor.as_deref(),
                &name,
                role,
                scope,
                password_hash.as_deref(),
            )
            .await;
        let result = result.map(|id| json!({ "user_id": id, "name": name, "role": role.as_str() }));
        finish(result, json, |v| {
            format!(
                "user {} added as {} (id {})",
                v["name"].as_str().unwrap_or_default(),
                role,
                v["user_id"]
            )
        })
    })
}

pub fn bank(command: BankCommand, db: &DbArgs) -> anyhow::Result<ExitCode> {
    let BankCommand::Add {
        code,
        name,
        actor,
        json,
    } = command;
    block_on(async {
        let s = services(db).await?;
        let result = s
            .add_bank(&actor, code, &name)
            .await
            .map(|id| json!({ "bank_id": id, "code": code.as_str() }));
        finish(result, json, |v| {
            format!("bank {code} added (id {})", v["bank_id"])
        })
    })
}

pub fn firm(command: FirmCommand, db: &DbArgs) -> anyhow::Result<ExitCode> {
    let FirmCommand::Add {
        business_no,
        corporate_no,
        name,
        address,
        district,
        industry_code,
        actor,
        json,
    } = command;
    let firm = NewFirm {
        business_no,
        corporate_no,
        name,
        address,
        district,
        industry_code,
    };
    block_on(async {
        let s = services(db).await?;
        let result = s
            .add_firm(&actor, &firm)
            .await
            .map(|id| json!({ "firm_id": id.0 }));
        finish(result, json, |v| {
            format!("firm added (id {})", v["firm_id"])
        })
    })
}

pub fn audit(command: AuditCommand, db: &DbArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let s = services(db).await?;
        let code = match command {
            AuditCommand::Head => {
                let head = s.audit_head().await?;
                writeln!(std::io::stdout(), "{head}")?;
                ExitCode::SUCCESS
            }
            AuditCommand::Verify { anchor } => {
                let check = s.audit_check(anchor).await?;
                match &check.chain {
                    Ok(head) => writeln!(
                        std::io::stdout(),
                        "audit chain intact: {} entries, head {head}",
                        head.seq
                    )?,
                    Err(tamper) => eprintln!("audit chain broken: {tamper}"),
                }
                print_seals(&mut std::io::stdout(), &check.seals)?;
                if check.intact() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                }
            }
        };
        s.db.close().await;
        Ok(code)
    })
}

/// The seal check: rows checked, then each problem naming its row and audit entry.
pub(super) fn print_seals(
    out: &mut impl Write,
    report: &jumpup_service::audit::Report,
) -> anyhow::Result<()> {
    let rows: u64 = report.rows.iter().map(|(_, n)| n).sum();
    if report.ok() {
        writeln!(
            out,
            "money rows sealed: all {rows} rows match the audit entries that wrote them"
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "money rows TAMPERED: {} problems in {rows} rows",
        report.findings_total
    )?;
    for f in &report.findings {
        writeln!(out, "  {f}")?;
    }
    if report.findings_total > report.findings.len() as u64 {
        writeln!(
            out,
            "  ... and {} more",
            report.findings_total - report.findings.len() as u64
        )?;
    }
    Ok(())
}

/// FILES.md's import report: `stored N, skipped M, warnings K` and every problem on stderr, or
/// the JSON object.
pub(super) fn print_report(
    report: &jumpup_service::imports::ImportReport,
    json: bool,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout();
    if json {
        writeln!(
            out,
            "{}",
            json!({ "stored": report.stored, "skipped": report.skipped, "warnings": report.warnings, "errors": report.errors, "errors_total": report.errors_total })
        )?;
    } else {
        writeln!(
            out,
            "stored {}, skipped {}, warnings {}",
            report.stored,
            report.skipped,
            report.warnings.len()
        )?;
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    for e in &report.errors {
        eprintln!("{e}");
    }
    if report.errors_total > report.errors.len() {
        eprintln!(
            "{} problems in all; the first {} by row are listed",
            report.errors_total,
            report.errors.len()
        );
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Decided cases (FILES.md `cases`), CSV or XLSX, all or nothing (tp).
    Cases {
        file: std::path::PathBuf,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Loan executions (FILES.md `loans`), CSV or XLSX, all or nothing (a bank its own rows;
    /// tp any bank's).
    Loans {
        file: std::path::PathBuf,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Loan events (FILES.md `events`), CSV or XLSX, all or nothing (who may report which
    /// kind: RULES.md 8).
    Events {
        file: std::path::PathBuf,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Subsidy claims (FILES.md `claims`), CSV or XLSX, all or nothing (a bank its own; tp any
    /// bank's). Whether a claim is payable is decided at settlement.
    Claims {
        file: std::path::PathBuf,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn import(command: ImportCommand, db: &DbArgs) -> anyhow::Result<ExitCode> {
    use jumpup_service::imports::FileKind;
    let (file, actor, json, kind) = match command {
        ImportCommand::Cases { file, actor, json } => (file, actor, json, FileKind::Cases),
        ImportCommand::Loans { file, actor, json } => (file, actor, json, FileKind::Loans),
        ImportCommand::Events { file, actor, json } => (file, actor, json, FileKind::Events),
        ImportCommand::Claims { file, actor, json } => (file, actor, json, FileKind::Claims),
    };
    let progress = super::progress::Shared::start("import");
    progress.phase(&format!("reading {}", file.display()));
    let sheet = match jumpup_service::interchange::read(&file) {
        Ok(sheet) => sheet,
        Err(e) => {
            progress.done();
            let report = jumpup_service::imports::ImportReport::file_refused(e);
            print_report(&report, json)?;
            return Ok(ExitCode::from(2));
        }
    };
    block_on(async {
        let s = services(db)
            .await?
            .with_progress(std::sync::Arc::new(progress.clone()));
        let result = s.import_sheet(&actor, kind, sheet).await;
        progress.done();
        match result {
            Ok(report) => {
                print_report(&report, json)?;
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => finish(Err(e), json, |_| String::new()),
        }
    })
}
