//! The demonstration database's marker: whether a database holds the demo, and whether it was
//! finished. The story itself (`jumpup-bench`) writes only through the services; this is the
//! one row it needs written around them.

use chrono::{DateTime, Utc};
use jumpup_store::Db;

use super::{Reason, Result, ServiceError, Services, in_write_tx};

/// What a database says about the demo before one is built on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The demo was built here before, starting at this moment: use it as it is.
    Reused { started_at: DateTime<Utc> },
    /// The database was empty and is now marked as the demo's, begun but not finished.
    Begun,
}

/// Marks an empty database as the demo's (seed and start time), or says that it already holds
/// a finished demo. Refuses a database whose demo was interrupted, and one that holds records
/// of its own (nothing, not even the built-in programmes, is written to it).
pub async fn begin(db: &Db, seed: i64, at: DateTime<Utc>) -> Result<Start> {
    match jumpup_store::demo::marker(db).await? {
        Some(m) if m.finished_at.is_some() => {
            return Ok(Start::Reused {
                started_at: m.started_at,
            });
        }
        Some(_) => {
            return Err(ServiceError::refused(
                Reason::DemoInterrupted,
                "building the demo on this database was interrupted; delete the database and run again",
            ));
        }
        None => {}
    }
    let mut tx = db.begin_write().await?;
    if jumpup_store::demo::in_use(&mut tx).await? {
        drop(tx);
        return Err(ServiceError::refused(
            Reason::DatabaseInUse,
            "this database holds records of its own; the demo is built only on an empty \
             database (by default its own file, jumpup-demo.db)",
        ));
    }
    jumpup_store::demo::start(&mut tx, seed, at).await?;
    tx.commit().await?;
    Ok(Start::Begun)
}

/// Marks the demo on the services' database finished, at the services' clock.
pub async fn finish(s: &Services) -> Result<()> {
    in_write_tx!(s, |tx| {
        jumpup_store::demo::finish(tx, s.clock.now()).await?;
        Ok(())
    })
}

/// Whether the services' database holds a finished demo (the portal then says so).
pub async fn is_demo(s: &Services) -> Result<bool> {
    Ok(jumpup_store::demo::marker(&s.db)
        .await?
        .is_some_and(|m| m.finished_at.is_some()))
}
