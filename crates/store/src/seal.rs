//! Money rows bound to the audit chain (issue 14). Every row that money depends on (budget
//! postings, with the reservations and funding among them; settlement lines; loans; reported
//! loan events and their cancellations; claims) is written with the sequence of the audit entry
//! that writes it (`audit_seq`) and its fingerprint (`row_hash`, [`RowHash`]). That entry, when
//! appended, commits to how many rows of each table it wrote and to the digest of their
//! fingerprints ([`Seal`]), inside its own hash. [`verify`] recomputes every fingerprint from the
//! row as it stands and every entry's seals from the rows that carry its sequence, so a row
//! added, removed or altered outside the services is named, with the entry it claims.
//!
//! A transaction collects the fingerprints it wrote ([`Sealing`]); `audit::append` seals them
//! into the entry, and `Tx::commit` refuses a transaction that wrote money rows no entry sealed.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{NaiveDate, Utc};
use futures_util::TryStreamExt;
use jumpup_domain::audit::{Entry, RowHash, Seal, Seals};
use jumpup_domain::ids::{BankId, BatchId, CaseId, LoanId, UserId};
use jumpup_domain::money::Won;
use sqlx::Row;

use crate::{Db, Result, StoreError, Tx, with_tx};

pub const POSTING: &str = "budget_posting";
pub const LINE: &str = "settlement_line";
pub const LOAN: &str = "loan";
pub const EVENT: &str = "loan_event";
/// An event's cancellation, sealed by the entry that cancelled it (its own columns of
/// `loan_event`: `cancel_audit_seq`, `cancel_hash`).
pub const CANCEL: &str = "loan_event_cancel";
pub const CLAIM: &str = "claim";
/// A settlement batch as prepared (period, event mark, preparer, the lines' digest).
pub const BATCH: &str = "settlement_batch";
/// A batch's decision, sealed by the entry that approved or rejected it (its own columns of
/// `settlement_batch`: `decision_audit_seq`, `decision_hash`).
pub const DECISION: &str = "settlement_batch_decision";

/// Every sealed table, in the order they are checked and named in an entry's seals.
pub const TABLES: [&str; 8] = [POSTING, LINE, LOAN, EVENT, CANCEL, CLAIM, BATCH, DECISION];

/// The fingerprints a transaction wrote since its last audit entry, and that entry's sequence.
#[derive(Debug, Default)]
pub(crate) struct Sealing {
    next_seq: Option<i64>,
    pending: BTreeMap<&'static str, Vec<RowHash>>,
}

impl Sealing {
    pub(crate) fn require_sealed(&self) -> Result<()> {
        match self.pending.keys().next() {
            None => Ok(()),
            Some(table) => Err(StoreError::Corrupt(format!(
                "rows of {table} were written without an audit entry; nothing was stored"
            ))),
        }
    }
}

impl Tx {
    /// The sequence of the audit entry the rows written now belong to: the next one.
    pub(crate) async fn seal_seq(&mut self) -> Result<i64> {
        if let Some(seq) = self.sealing.next_seq {
            return Ok(seq);
        }
        let seq = crate::audit::head_in(self).await?.seq + 1;
        self.sealing.next_seq = Some(seq);
        Ok(seq)
    }

    /// Remembers fingerprints written to `table` for the next entry's seals.
    pub(crate) fn sealed(
        &mut self,
        table: &'static str,
        hashes: impl IntoIterator<Item = RowHash>,
    ) {
        let mut hashes = hashes.into_iter().peekable();
        if hashes.peek().is_some() {
            self.sealing
                .pending
                .entry(table)
                .or_default()
                .extend(hashes);
        }
    }

    /// The seals of what was written since the last entry, for the entry with sequence `seq`;
    /// rows written from now on belong to the entry after it.
    pub(crate) fn take_seals(&mut self, seq: i64) -> Result<Seals> {
        if self.sealing.next_seq.is_some_and(|s| s != seq) {
            return Err(StoreError::Corrupt(format!(
                "rows were written for audit entry {:?} but entry {seq} is being appended",
                self.sealing.next_seq
            )));
        }
        self.sealing.next_seq = Some(seq + 1);
        let mut pending = std::mem::take(&mut self.sealing.pending);
        Ok(Seals(
            TABLES
                .iter()
                .filter_map(|t| pending.remove(t).map(|mut hashes| Seal::of(t, &mut hashes)))
                .collect(),
        ))
    }
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A budget posting's fingerprint (public: the algorithm is no secret, and the tests recompute
/// it as an insider would, to show the entry's seal still catches the change).
pub fn posting_hash(
    posting_id: &str,
    program_id: &str,
    kind: &str,
    from: &str,
    to: &str,
    amount_won: i64,
    case_id: Option<CaseId>,
) -> RowHash {
    RowHash::of(
        POSTING,
        &[
            posting_id.into(),
            program_id.into(),
            kind.into(),
            from.into(),
            to.into(),
            amount_won.into(),
            case_id.into(),
        ],
    )
}

/// A settlement line's fingerprint.
pub(crate) fn line_hash(batch_id: BatchId, l: &crate::settlement::LineRow) -> RowHash {
    let (from, to) = (date(l.period_from), date(l.period_to));
    RowHash::of(
        LINE,
        &[
            batch_id.into(),
            l.line_no.into(),
            l.bank_id.into(),
            l.loan_no.as_str().into(),
            l.case_id.into(),
            l.claim_id.into(),
            from.as_str().into(),
            to.as_str().into(),
            l.claimed.into(),
            l.computed.into(),
            l.paid_before.into(),
            l.payable.into(),
            l.status.as_str().into(),
            l.reason.as_deref().into(),
        ],
    )
}

/// A loan's fingerprint.
pub(crate) fn loan_hash(l: &crate::cases::LoanRow) -> RowHash {
    let (executed, maturity) = (date(l.executed_on), date(l.maturity_on));
    RowHash::of(
        LOAN,
        &[
            l.case_id.into(),
            l.bank_id.into(),
            l.loan_no.as_str().into(),
            l.principal_won.into(),
            l.annual_rate_pct.as_str().into(),
            executed.as_str().into(),
            maturity.as_str().into(),
        ],
    )
}

/// A reported event's fingerprint: its loan, key and content and who reported it. (Its id is
/// given by the database as it is written; settlement's `event_mark` compares ids, and
/// `settle verify` recomputes every batch from the events it saw.)
pub(crate) fn event_hash(
    loan_id: LoanId,
    e: &crate::events::EventRow,
    reported_by: UserId,
) -> RowHash {
    let on = date(e.on);
    RowHash::of(
        EVENT,
        &[
            loan_id.into(),
            on.as_str().into(),
            e.kind.as_str().into(),
            e.seq.into(),
            e.amount_won.into(),
            e.annual_rate_pct.as_deref().into(),
            reported_by.into(),
        ],
    )
}

/// An event's cancellation's fingerprint (`cancelled`: whether `cancelled_at` is set).
pub(crate) fn cancel_hash(
    loan_event_id: i64,
    cancelled: bool,
    cancelled_by: Option<UserId>,
    reason: Option<&str>,
    after_batch: Option<BatchId>,
) -> RowHash {
    RowHash::of(
        CANCEL,
        &[
            loan_event_id.into(),
            i64::from(cancelled).into(),
            cancelled_by.into(),
            reason.into(),
            after_batch.into(),
        ],
    )
}

/// A prepared batch's fingerprint: what fixes its lines (the period and the event mark) and
/// who prepared it. The lines' digest is not in it: the lines are sealed one by one, and the
/// digest is kept only to be recorded again in the approval's entry.
pub(crate) fn batch_hash(
    batch_id: BatchId,
    through_on: NaiveDate,
    event_mark: i64,
    prepared_by: UserId,
) -> RowHash {
    RowHash::of(
        BATCH,
        &[
            batch_id.into(),
            date(through_on).as_str().into(),
            event_mark.into(),
            prepared_by.into(),
        ],
    )
}

/// A batch decision's fingerprint.
pub(crate) fn decision_hash(
    batch_id: BatchId,
    state: &str,
    decided_by: Option<UserId>,
    reason: Option<&str>,
) -> RowHash {
    RowHash::of(
        DECISION,
        &[
            batch_id.into(),
            state.into(),
            decided_by.into(),
            reason.into(),
        ],
    )
}

/// A claim's fingerprint.
pub(crate) fn claim_hash(c: &crate::claims::ClaimRow, imported_by: UserId) -> RowHash {
    let (from, to) = (date(c.period_from), date(c.period_to));
    RowHash::of(
        CLAIM,
        &[
            c.bank_id.into(),
            c.loan_no.as_str().into(),
            from.as_str().into(),
            to.as_str().into(),
            c.claimed.into(),
            c.revision.into(),
            imported_by.into(),
        ],
    )
}

/// A sealed row as found: how to name it, the entry it claims, its stored fingerprint and the
/// one its fields give now.
#[derive(Debug)]
struct Found {
    key: Key,
    seq: Option<i64>,
    stored: Option<String>,
    now: RowHash,
}

/// How a sealed row is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Posting(String),
    Line { batch_id: i64, line_no: i64 },
    Id(i64),
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Posting(id) => write!(f, "{id}"),
            Key::Line { batch_id, line_no } => write!(f, "batch {batch_id} line {line_no}"),
            Key::Id(id) => write!(f, "{id}"),
        }
    }
}

/// Reads every row of `table` in the transaction's snapshot and hands each to `each`.
async fn scan(tx: &mut Tx, table: &'static str, mut each: impl FnMut(Found)) -> Result<()> {
    use crate::cases::LoanRow;
    use crate::claims::ClaimRow;
    use crate::events::EventRow;
    let sql = match table {
        POSTING => {
            "select posting_id, program_id, kind, from_account, to_account, amount_won, case_id,
                audit_seq, row_hash from budget_posting"
        }
        LINE => {
            "select batch_id, line_no, bank_id, loan_no, case_id, claim_id, period_from, period_to,
                claimed_won, computed_won, paid_before_won, payable_won, status, reason,
                audit_seq, row_hash from settlement_line"
        }
        LOAN => {
            "select loan_id, case_id, bank_id, loan_no, principal_won, annual_rate_pct, executed_on,
                maturity_on, audit_seq, row_hash from loan"
        }
        EVENT => {
            "select loan_event_id, loan_id, on_date, kind, seq, amount_won, annual_rate_pct,
                reported_by, audit_seq, row_hash from loan_event"
        }
        CANCEL => {
            "select loan_event_id, cast(case when cancelled_at is null then 0 else 1 end as bigint) as cancelled,
                cancelled_by, cancel_reason, cancelled_after_batch,
                cancel_audit_seq as audit_seq, cancel_hash as row_hash
             from loan_event where cancelled_at is not null or cancel_audit_seq is not null
                or cancel_hash is not null"
        }
        CLAIM => {
            "select claim_id, bank_id, loan_no, period_from, period_to, claimed_won, revision,
                imported_by, audit_seq, row_hash from claim"
        }
        BATCH => {
            "select batch_id, through_on, event_mark, prepared_by, audit_seq, row_hash
             from settlement_batch"
        }
        DECISION => {
            "select batch_id, state, decided_by, reason,
                decision_audit_seq as audit_seq, decision_hash as row_hash
             from settlement_batch where state <> 'prepared' or decision_audit_seq is not null
                or decision_hash is not null"
        }
        other => return Err(StoreError::Corrupt(format!("{other} is not a sealed table"))),
    };
    with_tx!(tx, c => {
        let mut rows = sqlx::query(sql).fetch(&mut *c);
        while let Some(r) = rows.try_next().await? {
            let (key, now) = match table {
                POSTING => {
                    let id: String = r.try_get("posting_id")?;
                    let now = posting_hash(
                        &id,
                        &r.try_get::<String, _>("program_id")?,
                        &r.try_get::<String, _>("kind")?,
                        &r.try_get::<String, _>("from_account")?,
                        &r.try_get::<String, _>("to_account")?,
                        r.try_get("amount_won")?,
                        r.try_get::<Option<i64>, _>("case_id")?.map(CaseId),
                    );
                    (Key::Posting(id), now)
                }
                LINE => {
                    let batch_id: i64 = r.try_get("batch_id")?;
                    let line = crate::settlement::line_row(&r)?;
                    let now = line_hash(BatchId(batch_id), &line);
                    (Key::Line { batch_id, line_no: line.line_no }, now)
                }
                LOAN => {
                    let loan = LoanRow {
                        case_id: CaseId(r.try_get("case_id")?),
                        bank_id: BankId(r.try_get("bank_id")?),
                        loan_no: r.try_get("loan_no")?,
                        principal_won: r.try_get("principal_won")?,
                        annual_rate_pct: r.try_get("annual_rate_pct")?,
                        executed_on: r.try_get("executed_on")?,
                        maturity_on: r.try_get("maturity_on")?,
                    };
                    (Key::Id(r.try_get("loan_id")?), loan_hash(&loan))
                }
                EVENT => {
                    let event = EventRow {
                        loan_event_id: r.try_get("loan_event_id")?,
                        on: r.try_get("on_date")?,
                        kind: r.try_get("kind")?,
                        amount_won: r.try_get("amount_won")?,
                        annual_rate_pct: r.try_get("annual_rate_pct")?,
                        seq: r.try_get("seq")?,
                    };
                    let now = event_hash(
                        LoanId(r.try_get("loan_id")?),
                        &event,
                        UserId(r.try_get("reported_by")?),
                    );
                    (Key::Id(r.try_get("loan_event_id")?), now)
                }
                CANCEL => {
                    let id: i64 = r.try_get("loan_event_id")?;
                    let now = cancel_hash(
                        id,
                        r.try_get::<i64, _>("cancelled")? == 1,
                        r.try_get::<Option<i64>, _>("cancelled_by")?.map(UserId),
                        r.try_get::<Option<String>, _>("cancel_reason")?.as_deref(),
                        r.try_get::<Option<i64>, _>("cancelled_after_batch")?.map(BatchId),
                    );
                    (Key::Id(id), now)
                }
                BATCH => {
                    let id: i64 = r.try_get("batch_id")?;
                    let now = batch_hash(
                        BatchId(id),
                        r.try_get("through_on")?,
                        r.try_get("event_mark")?,
                        UserId(r.try_get("prepared_by")?),
                    );
                    (Key::Id(id), now)
                }
                DECISION => {
                    let id: i64 = r.try_get("batch_id")?;
                    let now = decision_hash(
                        BatchId(id),
                        &r.try_get::<String, _>("state")?,
                        r.try_get::<Option<i64>, _>("decided_by")?.map(UserId),
                        r.try_get::<Option<String>, _>("reason")?.as_deref(),
                    );
                    (Key::Id(id), now)
                }
                _ => {
                    let claim = ClaimRow {
                        bank_id: BankId(r.try_get("bank_id")?),
                        loan_no: r.try_get("loan_no")?,
                        period_from: r.try_get("period_from")?,
                        period_to: r.try_get("period_to")?,
                        claimed: Won::new(r.try_get("claimed_won")?),
                        revision: r.try_get("revision")?,
                    };
                    let now = claim_hash(&claim, UserId(r.try_get("imported_by")?));
                    (Key::Id(r.try_get("claim_id")?), now)
                }
            };
            each(Found {
                key,
                seq: r.try_get("audit_seq")?,
                stored: r.try_get("row_hash")?,
                now,
            });
        }
    });
    Ok(())
}

/// What is wrong with a sealed row or an entry's seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The row's fields no longer give the fingerprint written with it.
    Altered,
    /// The row carries no audit entry: it was not written by an audited change.
    Unsealed,
    /// The row names an audit entry that wrote no rows of its table.
    NotWrittenBy,
    /// The entry's rows of this table are not those it sealed: some were removed, added or
    /// replaced (with their fingerprints rewritten).
    Changed { sealed: u64, found: u64 },
}

impl Problem {
    /// A stable code for machine readers.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Altered => "row_altered",
            Problem::Unsealed => "row_without_entry",
            Problem::NotWrittenBy => "row_not_written_by_entry",
            Problem::Changed { sealed, found } if found < sealed => "rows_removed",
            Problem::Changed { sealed, found } if found > sealed => "rows_added",
            Problem::Changed { .. } => "rows_replaced",
        }
    }
}

/// One problem found, naming the table, the row (when it exists) and the audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub table: &'static str,
    pub row: Option<Key>,
    pub entry: Option<i64>,
    pub problem: Problem,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let table = self.table;
        let entry = self.entry.unwrap_or(0);
        match (&self.row, &self.problem) {
            (Some(row), Problem::Altered) => write!(
                f,
                "{table} {row} was altered outside the services: its fields differ from what audit entry {entry} wrote"
            ),
            (Some(row), Problem::Unsealed) => write!(
                f,
                "{table} {row} was not written by any audited change (added outside the services)"
            ),
            (Some(row), Problem::NotWrittenBy) => write!(
                f,
                "{table} {row} names audit entry {entry}, which wrote no such row (added outside the services)"
            ),
            (_, Problem::Changed { sealed, found }) => write!(
                f,
                "audit entry {entry} wrote {sealed} rows of {table}; {found} now carry it, and they are not the rows it wrote ({})",
                match self.problem.code() {
                    "rows_removed" => "rows were removed",
                    "rows_added" => "rows were added",
                    _ => "rows were replaced",
                }
            ),
            (None, p) => write!(f, "{table}: {}", p.code()),
        }
    }
}

/// The most problems a check lists (their total is always counted).
pub const MAX_FINDINGS: usize = 1_000;

/// The result of [`verify`]: rows checked per table, and what was found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub rows: Vec<(&'static str, u64)>,
    pub findings: Vec<Finding>,
    pub findings_total: u64,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.findings_total == 0
    }

    fn push(&mut self, finding: Finding) {
        self.findings_total += 1;
        if self.findings.len() < MAX_FINDINGS {
            self.findings.push(finding);
        }
    }
}

/// Recomputes every sealed row's fingerprint and every entry's seals in one consistent snapshot
/// of the database, naming each row and entry that does not match.
pub async fn verify(db: &Db) -> Result<Report> {
    let mut tx = db.begin_snapshot().await?;
    let sealed = entry_seals(&mut tx).await?;
    let mut report = Report::default();
    for table in TABLES {
        let mut groups: HashMap<i64, Vec<RowHash>> = HashMap::new();
        let mut rows = 0u64;
        let mut found = Vec::new();
        scan(&mut tx, table, |row| {
            rows += 1;
            match row.seq {
                None => found.push(Finding {
                    table,
                    row: Some(row.key),
                    entry: None,
                    problem: Problem::Unsealed,
                }),
                Some(seq) => {
                    if row.stored.as_deref() != Some(row.now.hex().as_str()) {
                        found.push(Finding {
                            table,
                            row: Some(row.key.clone()),
                            entry: Some(seq),
                            problem: Problem::Altered,
                        });
                    }
                    if sealed.get(&seq).and_then(|s| s.get(table)).is_some() {
                        groups.entry(seq).or_default().push(row.now);
                    } else {
                        found.push(Finding {
                            table,
                            row: Some(row.key),
                            entry: Some(seq),
                            problem: Problem::NotWrittenBy,
                        });
                    }
                }
            }
        })
        .await?;
        report.rows.push((table, rows));
        for f in found {
            report.push(f);
        }
        for (seq, seals) in &sealed {
            let Some(seal) = seals.get(table) else {
                continue;
            };
            let mut hashes = groups.remove(seq).unwrap_or_default();
            let now = Seal::of(table, &mut hashes);
            if now != *seal {
                report.push(Finding {
                    table,
                    row: None,
                    entry: Some(*seq),
                    problem: Problem::Changed {
                        sealed: seal.rows,
                        found: now.rows,
                    },
                });
            }
        }
    }
    tx.rollback().await?;
    Ok(report)
}

/// Every entry's seals, by sequence (entries without any are left out). A seal text that does
/// not parse is kept as an empty list, so its rows are named as written by no such entry.
async fn entry_seals(tx: &mut Tx) -> Result<BTreeMap<i64, Seals>> {
    let rows: Vec<(i64, String)> = with_tx!(tx, c => {
        sqlx::query_as("select seq, seals from audit_entry where seals <> ''")
            .fetch_all(&mut *c)
            .await?
    });
    Ok(rows
        .into_iter()
        .map(|(seq, text)| (seq, Seals::parse(&text).unwrap_or_default()))
        .collect())
}

/// Seals the rows that exist when sealing begins (migration 12), in one entry: each row gets
/// that entry's sequence and its fingerprint, and the entry says so. Rows written before the
/// migration are vouched for by it, not by the entries that wrote them.
pub(crate) async fn seal_existing(db: &Db) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let seq = tx.seal_seq().await?;
    let mut total = 0usize;
    for table in TABLES {
        let mut rows = Vec::new();
        scan(&mut tx, table, |row| {
            if row.seq.is_none() {
                rows.push((row.key, row.now));
            }
        })
        .await?;
        total += rows.len();
        let sql = match table {
            POSTING => {
                "update budget_posting set audit_seq = $1, row_hash = $2 where posting_id = $3"
            }
            LINE => {
                "update settlement_line set audit_seq = $1, row_hash = $2 where batch_id = $3 and line_no = $4"
            }
            LOAN => "update loan set audit_seq = $1, row_hash = $2 where loan_id = $3",
            EVENT => "update loan_event set audit_seq = $1, row_hash = $2 where loan_event_id = $3",
            CANCEL => {
                "update loan_event set cancel_audit_seq = $1, cancel_hash = $2 where loan_event_id = $3"
            }
            BATCH => {
                "update settlement_batch set audit_seq = $1, row_hash = $2 where batch_id = $3"
            }
            DECISION => {
                "update settlement_batch set decision_audit_seq = $1, decision_hash = $2 where batch_id = $3"
            }
            _ => "update claim set audit_seq = $1, row_hash = $2 where claim_id = $3",
        };
        for (key, hash) in &rows {
            with_tx!(&mut tx, c => {
                let q = sqlx::query(sql).bind(seq).bind(hash.hex());
                let q = match key {
                    Key::Posting(id) => q.bind(id.clone()),
                    Key::Line { batch_id, line_no } => q.bind(*batch_id).bind(*line_no),
                    Key::Id(id) => q.bind(*id),
                };
                q.execute(&mut *c).await?;
            });
        }
        tx.sealed(table, rows.into_iter().map(|(_, h)| h));
    }
    if total > 0 {
        crate::audit::append(
            &mut tx,
            Entry {
                at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                actor: "migration".into(),
                role: "-".into(),
                action: "integrity.seal_existing".into(),
                subject: "database".into(),
                before: "{}".into(),
                after: format!(
                    "{{\"rows\":{total},\"note\":\"rows written before sealing began are vouched for by this entry\"}}"
                ),
                ..Entry::default()
            },
        )
        .await?;
    }
    tx.commit().await
}
