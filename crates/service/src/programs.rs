//! Programme versions in the database (issue 3): imported by an `admin`, pending until a
//! `city` user approves them; the built-in programmes stored, approved, on first use. A stored
//! version never changes: the same programme and date with other content is refused.

use jumpup_domain::date::Date;
use jumpup_domain::program::{Catalog, Program};
use jumpup_domain::workflow::Role;
use jumpup_store::{audit, programs as store};
use serde_json::json;

use super::budget::fund_appropriation;
use super::in_write_tx;
use super::{Reason, Result, ServiceError, Services, actor, entry, require_role};
use crate::catalog::{built_in, catalog_from_rows};
use jumpup_domain::digest::sha256_hex;

/// What an import did with one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedVersion {
    pub in_force_from: Date,
    pub digest: String,
    /// False when the same content was already stored (nothing changed).
    pub stored: bool,
}

/// `{"program", "versions": [{"in_force_from", "digest", "stored"}]}` of an import.
pub fn imported_json(program_id: &str, versions: &[ImportedVersion]) -> serde_json::Value {
    let list: Vec<_> = versions
        .iter()
        .map(|v| serde_json::json!({ "in_force_from": v.in_force_from.to_string(), "digest": v.digest, "stored": v.stored }))
        .collect();
    serde_json::json!({ "program": program_id, "versions": list })
}

impl Services {
    /// Opens the database for use and stores the built-in programmes the first time.
    pub async fn open(url: &str) -> std::result::Result<Services, jumpup_store::StoreError> {
        Services::start(
            jumpup_store::Db::open(url).await?,
            std::sync::Arc::new(super::SystemClock),
        )
        .await
    }

    /// Services over an open database with a clock; stores the built-in programmes the first
    /// time.
    pub async fn start(
        db: jumpup_store::Db,
        clock: std::sync::Arc<dyn super::Clock>,
    ) -> std::result::Result<Services, jumpup_store::StoreError> {
        let services = Services {
            db,
            clock,
            progress: std::sync::Arc::new(super::Quiet),
            password_cost: super::identity::PasswordCost::DEFAULT,
            overview: super::overview::OverviewCache::default(),
        };
        match services.store_built_in_programs().await {
            Ok(()) => Ok(services),
            Err(ServiceError::Store(e)) => Err(e),
            Err(other) => {
                unreachable!("invariant: storing the built-in programmes refuses nothing: {other}")
            }
        }
    }

    /// Stores each built-in version not yet stored, approved. A stored version with the same
    /// date is left alone (stored versions are authoritative and immutable).
    async fn store_built_in_programs(&self) -> Result<()> {
        let programs = built_in();
        in_write_tx!(self, |tx| {
            for program in &programs {
                for version in program.versions() {
                    if store::by_key(tx, program.id().as_str(), version.in_force_from)
                        .await?
                        .is_some()
                    {
                        continue;
                    }
                    let content = program.version_content(version);
                    let digest = sha256_hex(content.as_bytes());
                    let at = self.clock.now();
                    let id = store::insert(
                        tx,
                        &new_version(program, version.in_force_from, &digest, &content),
                        true,
                        None,
                        at,
                    )
                    .await?;
                    let after =
                        json!({ "program_version_id": id, "digest": digest, "status": "approved" })
                            .to_string();
                    let subject = format!("program:{}@{}", program.id(), version.in_force_from);
                    // The appropriation is sealed by the entry that records the version.
                    let date = version.in_force_from.to_string();
                    let budget = version.params.limits.budget_subsidy_won;
                    fund_appropriation(tx, program.id().as_str(), &date, budget, at).await?;
                    audit::append(
                        tx,
                        entry(at, None, "program.built_in", subject, "null".into(), after),
                    )
                    .await?;
                }
            }
            Ok(())
        })
    }

    /// Imports every version of a programme file (`admin`); all or nothing.
    pub async fn import_program(
        &self,
        actor_name: &str,
        program: &Program,
    ) -> Result<Vec<ImportedVersion>> {
        in_write_tx!(self, |tx| {
            let (user, _) = actor(tx, actor_name).await?;
            require_role(&user, super::ADMIN_ROLES, "import programme versions")?;
            let mut out = Vec::new();
            for version in program.versions() {
                let content = program.version_content(version);
                let digest = sha256_hex(content.as_bytes());
                match store::by_key(tx, program.id().as_str(), version.in_force_from).await? {
                    Some(existing) if existing.digest == digest => {
                        out.push(ImportedVersion {
                            in_force_from: version.in_force_from,
                            digest,
                            stored: false,
                        });
                    }
                    Some(_) => {
                        return Err(ServiceError::refused(
                            Reason::VersionConflict,
                            format!(
                                "{} has a stored version in force from {} with other content; a stored version never changes",
                                program.id(),
                                version.in_force_from
                            ),
                        ));
                    }
                    None => {
                        let at = self.clock.now();
                        let id = store::insert(
                            tx,
                            &new_version(program, version.in_force_from, &digest, &content),
                            false,
                            Some(user.user_id),
                            at,
                        )
                        .await?;
                        let after = json!({ "program_version_id": id, "digest": digest, "status": "pending" }).to_string();
                        let subject = format!("program:{}@{}", program.id(), version.in_force_from);
                        audit::append(
                            tx,
                            entry(
                                at,
                                Some(&user),
                                "program.import",
                                subject,
                                "null".into(),
                                after,
                            ),
                        )
                        .await?;
                        out.push(ImportedVersion {
                            in_force_from: version.in_force_from,
                            digest,
                            stored: true,
                        });
                    }
                }
            }
            Ok(out)
        })
    }

    /// Approves a pending version (`city`).
    pub async fn approve_program(
        &self,
        actor_name: &str,
        program_id: &str,
        in_force_from: Date,
    ) -> Result<String> {
        in_write_tx!(self, |tx| {
            let catalog = self.catalog_in(tx).await?;
            let (user, _) = actor(tx, actor_name).await?;
            require_role(&user, &[Role::City], "approve programme versions")?;
            let row = store::by_key(tx, program_id, in_force_from)
                .await?
                .ok_or_else(|| {
                    ServiceError::refused(
                        Reason::UnknownVersion,
                        format!("no stored version of {program_id} in force from {in_force_from}"),
                    )
                })?;
            if row.approved {
                return Err(ServiceError::refused(
                    Reason::AlreadyApproved,
                    format!("{program_id} {in_force_from} is already approved"),
                ));
            }
            let at = self.clock.now();
            store::approve(tx, row.program_version_id, user.user_id, at).await?;
            let subject = format!("program:{program_id}@{in_force_from}");
            let before = json!({ "status": "pending", "digest": row.digest }).to_string();
            let after = json!({ "status": "approved", "digest": row.digest }).to_string();
            let version = crate::catalog::version_from_content(&row.content)
                .map_err(jumpup_store::StoreError::Corrupt)?;
            let date = in_force_from.to_string();
            let budget = version.params.limits.budget_subsidy_won;
            fund_appropriation(tx, program_id, &date, budget, at).await?;
            audit::append(
                tx,
                entry(at, Some(&user), "program.approve", subject, before, after),
            )
            .await?;
            // More budget may let waitlisted cases in, in order (RULES.md 6.4).
            self.promote_waitlist(tx, &catalog, program_id, Some(&user), at)
                .await?;
            Ok(row.digest)
        })
    }

    /// The approved versions as the caller's transaction sees them: decisions read it inside
    /// their write transaction, so a version approved just before is never missed.
    pub async fn catalog_in(&self, tx: &mut jumpup_store::Tx) -> Result<Catalog> {
        let rows = store::all_in(tx).await?;
        catalog_from_rows(&rows).map_err(|e| jumpup_store::StoreError::Corrupt(e).into())
    }

    /// The approved versions, as the catalogue every database command computes with.
    pub async fn catalog(&self) -> Result<Catalog> {
        let rows = store::all(&self.db).await?;
        catalog_from_rows(&rows).map_err(|e| jumpup_store::StoreError::Corrupt(e).into())
    }
}

fn new_version<'a>(
    program: &'a Program,
    in_force_from: Date,
    digest: &'a str,
    content: &'a str,
) -> store::NewVersion<'a> {
    store::NewVersion {
        program_id: program.id().as_str(),
        name_ko: program.name_ko(),
        name_en: program.name_en(),
        in_force_from,
        digest,
        content,
    }
}
