//! What a request names, found first: a request for something that does not exist is answered
//! `unknown_*` (404) before its body's fields are judged. Whether the viewer may act on what
//! exists is the command's to say, as before (a bank on another bank's case: 403). Nothing here
//! is logged; the command that follows is audited.

use jumpup_domain::ids::{BatchId, CaseId, UserId};

use super::{Reason, Result, ServiceError, Services};

impl Services {
    /// Case `case_id`, if it exists.
    pub async fn require_case(&self, case_id: CaseId) -> Result<()> {
        match jumpup_store::cases::get_read(&self.db, case_id).await? {
            Some(_) => Ok(()),
            None => Err(ServiceError::refused(
                Reason::UnknownCase,
                format!("no case {case_id}"),
            )),
        }
    }

    /// Loan event `loan_event_id`, if it exists.
    pub async fn require_event(&self, loan_event_id: i64) -> Result<()> {
        let mut tx = self.db.begin_read().await?;
        let found = jumpup_store::events::by_id(&mut tx, loan_event_id).await?;
        drop(tx);
        found.map(|_| ()).ok_or_else(|| {
            ServiceError::refused(Reason::UnknownEvent, format!("no event {loan_event_id}"))
        })
    }

    /// Settlement batch `batch_id`, if it exists (who may act on batches is checked by role).
    pub async fn require_batch(&self, batch_id: BatchId) -> Result<()> {
        let mut tx = self.db.begin_read().await?;
        let found = jumpup_store::settlement::batch(&mut tx, batch_id).await?;
        drop(tx);
        found.map(|_| ()).ok_or_else(|| {
            ServiceError::refused(Reason::UnknownBatch, format!("no batch {batch_id}"))
        })
    }

    /// Account `user_id`, if it exists (who may manage accounts is checked by role).
    pub async fn require_user(&self, user_id: UserId) -> Result<()> {
        let mut tx = self.db.begin_read().await?;
        let found = jumpup_store::identity::user_by_id(&mut tx, user_id).await?;
        drop(tx);
        found
            .map(|_| ())
            .ok_or_else(|| ServiceError::refused(Reason::UnknownUser, format!("no user {user_id}")))
    }

    /// Programme `program_id`, if the catalogue has it.
    pub async fn require_program(&self, program_id: &str) -> Result<()> {
        let catalog = self.catalog().await?;
        match catalog.get(program_id) {
            Some(_) => Ok(()),
            None => Err(ServiceError::refused(
                Reason::UnknownProgram,
                format!("no programme {program_id}"),
            )),
        }
    }
}
