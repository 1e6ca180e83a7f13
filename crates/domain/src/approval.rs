//! A settlement batch's approval as one pure decision (RULES.md 6.4): from everything the
//! approval reads (each case's payment and clawback in the batch, what each case holds
//! reserved, each programme's available budget, each bank's outstanding clawbacks) the
//! postings it makes. A case paid more than it holds has the rest reserved first (as an
//! overrun where the budget cannot cover it); each bank's clawbacks, this batch's and earlier
//! ones, are recovered from its payments in the batch, per programme, oldest case first; a
//! case that finishes with the batch has what it still holds released. Each bank's transfer
//! (what it is paid less what is recovered) is said once, here, for the summary and the files.

use std::collections::BTreeMap;

use crate::ids::{BankId, BatchId, CaseId};
use crate::ledger::{Account, Move, Posting, PostingKind};
use crate::money::Won;
use crate::settlement::recovery;

/// One case's money in a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseMoney {
    pub program: String,
    pub bank_id: BankId,
    /// The batch's payments to the case (non-negative).
    pub paid: Won,
    /// The batch's clawbacks from the case (non-negative).
    pub clawed: Won,
}

/// A clawback a bank still owes on a case, before the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receivable {
    pub case_id: CaseId,
    pub program: String,
    pub owed: Won,
}

/// Everything an approval reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalInput {
    pub batch_id: BatchId,
    /// The cases the batch pays or claws back from, by case id.
    pub cases: BTreeMap<CaseId, CaseMoney>,
    /// What each case (of `cases` and of `finishing`) holds reserved before the approval.
    pub reserved: BTreeMap<CaseId, Won>,
    /// Each programme's available budget before the approval.
    pub available: BTreeMap<String, Won>,
    /// Each bank's outstanding clawbacks before the batch, by bank id, oldest case first.
    pub receivables: BTreeMap<BankId, Vec<Receivable>>,
    /// The cases that finish with this batch (subsidy over, every paying period settled), with
    /// their programme: what they still hold after the batch is released.
    pub finishing: BTreeMap<CaseId, String>,
}

impl ApprovalInput {
    /// Batch `batch_id`'s approval, with nothing read yet.
    pub fn new(batch_id: BatchId) -> ApprovalInput {
        ApprovalInput {
            batch_id,
            cases: BTreeMap::new(),
            reserved: BTreeMap::new(),
            available: BTreeMap::new(),
            receivables: BTreeMap::new(),
            finishing: BTreeMap::new(),
        }
    }
}

/// One bank's money in a batch: what it is paid and what of its clawbacks is recovered from
/// that, so what is transferred.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Transfer {
    pub paid: Won,
    pub recovered: Won,
}

impl Transfer {
    /// What the bank receives: its payments less the clawbacks they recovered.
    pub fn amount(self) -> Won {
        self.paid - self.recovered
    }
}

/// The postings an approval makes, in the order they are written, each with its case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApprovalPlan {
    /// Reservations made up for, payments and clawbacks, by programme.
    pub payments: BTreeMap<String, Vec<(Posting, CaseId)>>,
    /// Clawbacks recovered from the banks' payments, by programme.
    pub recoveries: BTreeMap<String, Vec<(Posting, CaseId)>>,
    /// What finishing cases still held, released, by programme.
    pub releases: BTreeMap<String, Vec<(Posting, CaseId)>>,
    /// Each bank's payments and recoveries in the batch, by bank id.
    pub transfers: BTreeMap<BankId, Transfer>,
}

impl ApprovalPlan {
    /// Every posting, in the order written.
    pub fn postings(&self) -> impl Iterator<Item = (&str, &Posting, CaseId)> {
        [&self.payments, &self.recoveries, &self.releases]
            .into_iter()
            .flat_map(|by_program| {
                by_program.iter().flat_map(|(program, list)| {
                    list.iter()
                        .map(move |(p, case)| (program.as_str(), p, *case))
                })
            })
    }
}

fn posting(batch_id: BatchId, kind: PostingKind, case_id: CaseId, amount: Won) -> Option<Posting> {
    (amount > Won::ZERO).then(|| {
        Posting::new(
            format!("settle:{batch_id}:{}:{case_id}", kind.as_str()),
            kind,
            amount,
        )
        .expect("invariant: a positive posting")
    })
}

/// The approval's postings and transfers, decided from what it reads.
pub fn plan(input: &ApprovalInput) -> ApprovalPlan {
    let batch_id = input.batch_id;
    let mut out = ApprovalPlan::default();
    let mut available = input.available.clone();
    // What each case holds once its own postings are made (for the releases below).
    let mut reserved = input.reserved.clone();
    for (&case_id, m) in &input.cases {
        let list = out.payments.entry(m.program.clone()).or_default();
        let made = list.len();
        let held = input.reserved.get(&case_id).copied().unwrap_or(Won::ZERO);
        if m.paid > held {
            // A revision or recomputation paying a case that holds too little (say, one
            // already finished): the rest is reserved first, as an overrun if it must be.
            let avail = available.entry(m.program.clone()).or_insert(Won::ZERO);
            let moved = Move::new(held, m.paid, *avail);
            *avail = moved.available_after(*avail);
            list.extend(
                moved
                    .postings()
                    .filter_map(|(kind, amount)| posting(batch_id, kind, case_id, amount))
                    .map(|p| (p, case_id)),
            );
        }
        for (kind, amount) in [
            (PostingKind::Pay, m.paid),
            (PostingKind::Clawback, m.clawed),
        ] {
            list.extend(posting(batch_id, kind, case_id, amount).map(|p| (p, case_id)));
        }
        let holds = reserved.entry(case_id).or_insert(Won::ZERO);
        for (p, _) in &list[made..] {
            match p.kind().accounts() {
                (_, Account::Reserved) => *holds += p.amount(),
                (Account::Reserved, _) => *holds -= p.amount(),
                _ => {}
            }
        }
        out.transfers.entry(m.bank_id).or_default().paid += m.paid;
    }
    out.payments.retain(|_, list| !list.is_empty());
    // Recovery: a bank's clawbacks, this batch's added to what it owed, from its payments in
    // this batch to the same programme, oldest case first.
    let mut paid_to: BTreeMap<(BankId, &str), Won> = BTreeMap::new();
    let mut owed_to: BTreeMap<BankId, BTreeMap<(CaseId, &str), Won>> = BTreeMap::new();
    for (&case_id, m) in &input.cases {
        *paid_to
            .entry((m.bank_id, m.program.as_str()))
            .or_insert(Won::ZERO) += m.paid;
        let owed = owed_to.entry(m.bank_id).or_default();
        if m.clawed > Won::ZERO {
            *owed
                .entry((case_id, m.program.as_str()))
                .or_insert(Won::ZERO) += m.clawed;
        }
    }
    for (bank_id, mut owed) in owed_to {
        for r in input.receivables.get(&bank_id).into_iter().flatten() {
            *owed
                .entry((r.case_id, r.program.as_str()))
                .or_insert(Won::ZERO) += r.owed;
        }
        for ((case_id, program), owed) in owed {
            let Some(budget) = paid_to.get_mut(&(bank_id, program)) else {
                continue;
            };
            let take = recovery(*budget, owed);
            if let Some(p) = posting(batch_id, PostingKind::Recover, case_id, take) {
                *budget -= take;
                out.transfers.entry(bank_id).or_default().recovered += take;
                out.recoveries
                    .entry(program.to_owned())
                    .or_default()
                    .push((p, case_id));
            }
        }
    }
    // Finishing cases release what they still hold after the batch's own moves.
    for (&case_id, program) in &input.finishing {
        let held = reserved.get(&case_id).copied().unwrap_or(Won::ZERO);
        if let Some(p) = posting(batch_id, PostingKind::Release, case_id, held) {
            out.releases
                .entry(program.clone())
                .or_default()
                .push((p, case_id));
        }
    }
    out
}
