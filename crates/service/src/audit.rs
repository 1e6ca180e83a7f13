//! Reading the audit log and proving it: the head, a page of entries, and the whole check (the
//! hash chain re-walked and every money row's seal compared), one way for the command line, the
//! API and the pages.

use jumpup_domain::audit::{Head, Stored, Tamper};
pub use jumpup_store::seal::Report;

use super::{Result, Services};

/// The audit log checked: the chain's head or where it breaks, and the money rows' seals.
#[derive(Debug)]
pub struct AuditCheck {
    pub chain: std::result::Result<Head, Tamper>,
    pub seals: Report,
}

impl AuditCheck {
    /// The chain is unbroken and every sealed row matches its entry.
    pub fn intact(&self) -> bool {
        self.chain.is_ok() && self.seals.ok()
    }
}

impl Services {
    /// The last entry's sequence number and hash.
    pub async fn audit_head(&self) -> Result<Head> {
        Ok(jumpup_store::audit::head(&self.db).await?)
    }

    /// Up to `limit` entries after sequence number `after`, in order, with their hashes.
    pub async fn audit_page(&self, after: i64, limit: i64) -> Result<Vec<Stored>> {
        Ok(jumpup_store::audit::page(&self.db, after, limit).await?)
    }

    /// Re-walks the whole chain (from `anchor`, when given, which must lie on it) and checks
    /// every sealed row.
    pub async fn audit_check(&self, anchor: Option<Head>) -> Result<AuditCheck> {
        let entries = jumpup_store::audit::load(&self.db).await?;
        let chain = jumpup_domain::audit::verify(entries, anchor);
        let seals = jumpup_store::seal::verify(&self.db).await?;
        Ok(AuditCheck { chain, seals })
    }
}
