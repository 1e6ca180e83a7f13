//! Bulk imports (FILES.md "Importing"): all or nothing in one transaction; every bad row
//! reported with its row number, column and reason; rows identified by natural keys, so the
//! same file again stores nothing new; one audit entry listing what the file created, with a
//! digest of its rows.
//!
//! Each file kind has its module, in three steps: `load` reads once what the file's rows refer
//! to; `decide` judges every row against it without touching the database (what to store,
//! which rows are refused and why, which are stored already), so the row rules are tested
//! without one; then the new rows are written in multi-row statements, all in one transaction.

mod cases;
mod claims;
mod events;
mod loans;

use jumpup_domain::workflow::{Actor, BankCode, Role};
use jumpup_store::audit;
use serde::Serialize;
use serde_json::json;

use jumpup_store::identity::User;

use super::{Result, ServiceError, Services, actor, entry, require_role};
use crate::interchange::{Parsed, RowError, RowErrors};

/// FILES.md's import report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub stored: usize,
    pub skipped: usize,
    pub warnings: Vec<String>,
    /// The first problems by row (at most `interchange::MAX_REPORTED_ERRORS`).
    pub errors: Vec<RowError>,
    /// How many problems the file has, listed or not.
    pub errors_total: usize,
}

impl ImportReport {
    /// The report of a file refused for `errors`.
    pub fn refused(errors: RowErrors, skipped: usize, warnings: Vec<String>) -> ImportReport {
        ImportReport {
            stored: 0,
            skipped,
            warnings,
            errors_total: errors.total(),
            errors: errors.into_listed(),
        }
    }

    /// The report of a file refused as a whole (unreadable, too large).
    pub fn file_refused(error: RowError) -> ImportReport {
        ImportReport::refused(vec![error].into(), 0, Vec::new())
    }
}

fn row_error(row: usize, column: &str, message: impl Into<String>) -> RowError {
    RowError {
        row,
        column: column.to_owned(),
        message: message.into(),
    }
}

/// Whether a row of `bank` lies outside the actor's scope: a bank user loads only its own
/// bank's rows; the Technopark (and KIBO for events) any bank's (RULES.md 8).
fn outside_scope(who: Actor, bank: BankCode) -> bool {
    matches!(who, Actor::Bank(own) if own != bank)
}

/// A file's rows decided: the new rows to store, the rows refused (with the reader's), how
/// many are stored already (the same file again stores nothing new), and warnings.
#[derive(Debug)]
struct Decided<T> {
    new: Vec<T>,
    errors: RowErrors,
    skipped: usize,
    warnings: Vec<String>,
}

impl<T> Decided<T> {
    /// Nothing decided yet: the reader's problems and warnings about `parsed`.
    fn new<R>(parsed: &Parsed<R>) -> Decided<T> {
        Decided {
            new: Vec::new(),
            errors: parsed.errors.clone(),
            skipped: 0,
            warnings: parsed.warnings.clone(),
        }
    }

    /// Refuses a file with problems, listed by row; nothing it wrote is kept (the caller's
    /// transaction rolls back).
    fn refuse_if_any(&self) -> Result<()> {
        if self.errors.is_empty() {
            return Ok(());
        }
        Err(ServiceError::Import(ImportReport::refused(
            self.errors.clone(),
            self.skipped,
            self.warnings.clone(),
        )))
    }
}

/// Records a stored file as one audit entry (`details` plus its counts) and reports it.
async fn conclude<T>(
    tx: &mut jumpup_store::Tx,
    user: &jumpup_store::identity::User,
    at: chrono::DateTime<chrono::Utc>,
    kind: FileKind,
    decided: &Decided<T>,
    mut details: serde_json::Value,
) -> Result<ImportReport> {
    let stored = decided.new.len();
    details["stored"] = json!(stored);
    details["skipped"] = json!(decided.skipped);
    audit::append(
        tx,
        entry(
            at,
            Some(user),
            &format!("import.{}", kind.as_str()),
            format!("file:{}", kind.as_str()),
            "null".into(),
            details.to_string(),
        ),
    )
    .await?;
    Ok(ImportReport {
        stored,
        skipped: decided.skipped,
        warnings: decided.warnings.clone(),
        errors: Vec::new(),
        errors_total: 0,
    })
}

/// The kinds of bank and agency files (FILES.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Cases,
    Loans,
    Events,
    Claims,
}

impl FileKind {
    /// The roles that may load a file of this kind (RULES.md 8); rows outside a bank user's
    /// bank, and event kinds outside the reporter's, are refused row by row.
    pub fn importers(self) -> &'static [Role] {
        match self {
            FileKind::Cases => &[Role::Tp],
            FileKind::Loans | FileKind::Claims => &[Role::Tp, Role::Bank],
            FileKind::Events => &[Role::Tp, Role::Bank, Role::Kibo],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Cases => "cases",
            FileKind::Loans => "loans",
            FileKind::Events => "events",
            FileKind::Claims => "claims",
        }
    }
}

impl Services {
    /// Who loads a file of `kind`, and when: the acting user, who must be one of its
    /// importers, read in the import's transaction.
    async fn importer(
        &self,
        tx: &mut jumpup_store::Tx,
        actor_name: &str,
        kind: FileKind,
    ) -> Result<(User, Actor, chrono::DateTime<chrono::Utc>)> {
        let (user, who) = actor(tx, actor_name).await?;
        let what = match kind {
            FileKind::Cases => "import decided cases",
            FileKind::Loans => "import loans",
            FileKind::Events => "import events",
            FileKind::Claims => "import claims",
        };
        require_role(&user, kind.importers(), what)?;
        Ok((user, who, self.clock.now()))
    }

    /// Reports how many of a file's `total` rows are checked.
    fn checking(&self, total: usize) -> impl FnMut(usize) + '_ {
        move |done| self.report("checking rows", done, total)
    }

    /// Imports a file already read into rows: its form checked by the kind's reader (a file
    /// refused on its form is `ServiceError::Import` with the report), then stored all or
    /// nothing.
    pub async fn import_sheet(
        &self,
        actor_name: &str,
        kind: FileKind,
        sheet: crate::interchange::Sheet,
    ) -> Result<ImportReport> {
        use crate::interchange as files;
        let refused = |errors: Vec<RowError>| {
            ServiceError::Import(ImportReport::refused(errors.into(), 0, Vec::new()))
        };
        // The sheet's cells are dropped once parsed into records, before the database work.
        let digest = sheet.digest.clone();
        match kind {
            FileKind::Cases => {
                let p = files::cases::parse(&sheet).map_err(refused)?;
                drop(sheet);
                self.import_cases(actor_name, &p, &digest).await
            }
            FileKind::Loans => {
                let p = files::loans::parse(&sheet).map_err(refused)?;
                drop(sheet);
                self.import_loans(actor_name, &p, &digest).await
            }
            FileKind::Events => {
                let p = files::events::parse(&sheet).map_err(refused)?;
                drop(sheet);
                self.import_events(actor_name, &p, &digest).await
            }
            FileKind::Claims => {
                let p = files::claims::parse(&sheet).map_err(refused)?;
                drop(sheet);
                self.import_claims(actor_name, &p, &digest).await
            }
        }
    }
}
