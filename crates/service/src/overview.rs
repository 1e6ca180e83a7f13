//! What the officials' dashboard shows, read as one picture and kept until the audit log's head
//! moves (every change to cases, loans, the ledger or settlements appends to it; reads do not),
//! so a busy dashboard costs one small read per request; and a bank's own figures.

use std::sync::{Arc, Mutex};

use jumpup_domain::guarantee::share;
use jumpup_domain::ledger::Account;
use jumpup_domain::money::Won;
use jumpup_domain::pct::Pct;
use jumpup_domain::workflow::{Actor, Role, State};
use jumpup_store::cases::{self as store, BankFigures, ListScope};
use jumpup_store::{StoreError, audit};

use super::budget::ProgramBudget;
use super::settle::BatchSummary;
use super::{Result, ServiceError, Services, require_role};

/// What a programme reports: the firms it supported, its guarantees and what it paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramFigures {
    pub program_id: String,
    /// Distinct firms with a case that holds or held a guarantee (withdrawn or expired after
    /// it included).
    pub firms: i64,
    /// Cases that hold or held a guarantee.
    pub guarantees: i64,
    /// The sum of their guaranteed amounts (each floor(amount x coverage / 100), RULES.md 5).
    pub guarantee_won: Won,
    /// The subsidy paid (the ledger's `paid` account).
    pub paid: Won,
}

/// The officials' picture, read after the audit head it carries (each part a committed state
/// no older than that head).
#[derive(Debug, Clone)]
pub struct Overview {
    pub head: i64,
    pub budgets: Vec<ProgramBudget>,
    pub figures: Vec<ProgramFigures>,
    pub counts: Vec<(State, i64)>,
    /// The newest batch, whatever its state.
    pub latest_batch: Option<BatchSummary>,
}

/// The overview last read, shared by the clones of one [`Services`], and the turn to read it
/// again: after a change, one request reads while the others wait for its result (a busy
/// dashboard does not read a national portfolio fifty times over).
#[derive(Debug, Default, Clone)]
pub struct OverviewCache {
    kept: Arc<Mutex<Option<Arc<Overview>>>>,
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl OverviewCache {
    /// The overview kept, if it was read at `head`.
    fn at(&self, head: i64) -> Option<Arc<Overview>> {
        self.kept
            .lock()
            .ok()
            .and_then(|c| c.clone())
            .filter(|o| o.head == head)
    }
}

fn corrupt(what: String) -> ServiceError {
    StoreError::Corrupt(what).into()
}

impl Services {
    /// The officials' overview (city, tp, kibo, auditors), read again only when the audit
    /// head has moved since it was last read.
    pub async fn overview(&self, actor_name: &str) -> Result<Arc<Overview>> {
        require_role(
            &self.reader(actor_name).await?,
            super::budget::BUDGET_READERS,
            "see the overview",
        )?;
        let head = audit::head(&self.db).await?.seq;
        if let Some(kept) = self.overview.at(head) {
            return Ok(kept);
        }
        let _turn = self.overview.turn.lock().await;
        // Whoever had the turn before may have read it already.
        let head = audit::head(&self.db).await?.seq;
        if let Some(kept) = self.overview.at(head) {
            return Ok(kept);
        }
        let fresh = Arc::new(self.read_overview(head).await?);
        if let Ok(mut c) = self.overview.kept.lock() {
            *c = Some(fresh.clone());
        }
        Ok(fresh)
    }

    async fn read_overview(&self, head: i64) -> Result<Overview> {
        let budgets = self.budgets().await?;
        let mut counts = store::count_by_state(&self.db, ListScope::All).await?;
        counts.sort_by_key(|(s, _)| State::ALL.iter().position(|a| a == s));
        let supported = store::supported(&self.db).await?;
        let groups = store::guarantee_groups(&self.db).await?;
        let mut figures: Vec<ProgramFigures> = supported
            .into_iter()
            .map(|(program_id, firms, guarantees)| ProgramFigures {
                paid: budgets
                    .iter()
                    .find(|b| b.program_id == program_id)
                    .and_then(|b| b.balances.iter().find(|(a, _)| *a == Account::Paid))
                    .map_or(Won::ZERO, |(_, w)| *w),
                program_id,
                firms,
                guarantees,
                guarantee_won: Won::ZERO,
            })
            .collect();
        for (program_id, coverage, amount, cases) in groups {
            let coverage = Pct::parse(&coverage)
                .map_err(|_| corrupt(format!("a coverage of {program_id}: {coverage:?}")))?;
            let each = share(Won::new(amount), coverage);
            let total = each
                .get()
                .checked_mul(cases)
                .ok_or_else(|| corrupt(format!("{program_id}'s guarantees overflow")))?;
            if let Some(f) = figures.iter_mut().find(|f| f.program_id == program_id) {
                f.guarantee_won = f
                    .guarantee_won
                    .checked_add(Won::new(total))
                    .ok_or_else(|| corrupt(format!("{program_id}'s guarantees overflow")))?;
            }
        }
        let mut tx = self.db.begin_read().await?;
        let last = jumpup_store::settlement::last_batch_id(&mut tx).await?;
        let latest_batch = match jumpup_store::settlement::batch(&mut tx, last).await? {
            Some(batch) => Some(super::settle::summary(&mut tx, &batch).await?),
            None => None,
        };
        drop(tx);
        Ok(Overview {
            head,
            budgets,
            figures,
            counts,
            latest_batch,
        })
    }

    /// A bank user's own bank's figures.
    pub async fn bank_figures(&self, actor_name: &str) -> Result<BankFigures> {
        let user = self.reader(actor_name).await?;
        require_role(&user, &[Role::Bank], "see a bank's figures")?;
        let Actor::Bank(code) = super::actor_of(&user)? else {
            unreachable!("invariant: a bank user acts as its bank")
        };
        Ok(store::bank_figures(&self.db, code.as_str()).await?)
    }
}
