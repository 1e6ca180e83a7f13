//! `jumpup settle` and `jumpup export`: monthly settlement batches and the files they pay by.

use jumpup_domain::ids::BatchId;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use jumpup_domain::date::Date;
use jumpup_domain::money::Won;
use jumpup_domain::workflow::BankCode;

use super::progress::{Progress, Shared};
use super::records::{DbArgs, finish, services};
use jumpup_service::block_on;
use jumpup_service::export::{self, FileFormat, Kind};
use jumpup_service::fields;
use jumpup_service::settle::BatchSummary;

#[derive(Debug, Subcommand)]
pub enum SettleCommand {
    /// Prepare a batch (tp) of every pending claim whose period ends by DATE, each recomputed
    /// from its loan's events under its case's pinned rules, plus clawback and adjustment lines
    /// for paid periods of loans whose events changed since the last approved batch.
    Prepare {
        #[arg(long, value_parser = fields::day)]
        through: Date,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Summarise a batch: totals, and counts per status and per bank (tp, city, auditor).
    Show {
        batch: BatchId,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Approve a prepared batch (city): post payments, clawbacks and recoveries to the ledger,
    /// finish the cases whose every period is settled; prints the audit head as an anchor.
    Approve {
        batch: BatchId,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Reject a prepared batch (city, or the tp user who prepared it); its claims are pending
    /// again.
    Reject {
        batch: BatchId,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Recompute every line of a batch from stored data and check its ledger postings; exits 1
    /// on any difference (tp, city, auditor).
    Verify {
        batch: BatchId,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
}

fn won(v: &serde_json::Value) -> String {
    Won::new(v.as_i64().unwrap_or(0)).grouped()
}

/// A batch summary as text.
fn summary_text(v: &serde_json::Value) -> String {
    let mut out = format!(
        "batch {} ({}) through {}\n",
        v["batch_id"],
        v["state"].as_str().unwrap_or(""),
        v["through"].as_str().unwrap_or("")
    );
    let approved = v["state"] == "approved";
    let row = |label: &str, t: &serde_json::Value| {
        let mut line = format!(
            "  {label:<16} {:>8} lines  claimed {:>18}  computed {:>18}  paid {:>18}  clawback {:>16}  payable {:>18}",
            t["lines"],
            won(&t["claimed_won"]),
            won(&t["computed_won"]),
            won(&t["paid_won"]),
            won(&t["clawback_won"]),
            won(&t["payable_won"]),
        );
        if approved && label != "by status" {
            line.push_str(&format!(
                "  recovered {:>16}  transfer {:>18}",
                won(&t["recovered_won"]),
                won(&t["transfer_won"])
            ));
        }
        line.push('\n');
        line
    };
    out.push_str(&row("total", &v["totals"]));
    out.push_str("by status\n");
    if let Some(m) = v["by_status"].as_object() {
        for (k, t) in m {
            out.push_str(&row(k, t));
        }
    }
    out.push_str("by bank\n");
    if let Some(m) = v["by_bank"].as_object() {
        for (k, t) in m {
            out.push_str(&row(k, t));
        }
    }
    if let Some(cases) = v["finished_cases"].as_array() {
        out.push_str(&format!("cases finished: {}\n", cases.len()));
    }
    if let Some(head) = v["audit_head"].as_str() {
        out.push_str(&format!("audit head: {head}\n"));
    }
    out.trim_end().to_owned()
}

fn summary_json(s: BatchSummary) -> serde_json::Value {
    serde_json::to_value(s).expect("invariant: a summary serialises")
}

pub fn settle(command: SettleCommand, db: &DbArgs) -> anyhow::Result<ExitCode> {
    // The commands over a whole batch show a progress line on a terminal.
    let progress = match &command {
        SettleCommand::Prepare { .. } => Some(Shared::start("settle prepare")),
        SettleCommand::Approve { .. } => Some(Shared::start("settle approve")),
        SettleCommand::Verify { .. } => Some(Shared::start("settle verify")),
        SettleCommand::Show { .. } | SettleCommand::Reject { .. } => None,
    };
    let done = || progress.iter().for_each(Shared::done);
    block_on(async {
        let mut s = services(db).await?;
        if let Some(p) = &progress {
            s = s.with_progress(std::sync::Arc::new(p.clone()));
        }
        match command {
            SettleCommand::Prepare {
                through,
                actor,
                json,
            } => {
                let r = s.settle_prepare(&actor, through).await.map(summary_json);
                done();
                finish(r, json, summary_text)
            }
            SettleCommand::Show { batch, actor, json } => finish(
                s.settle_show(&actor, batch).await.map(summary_json),
                json,
                summary_text,
            ),
            SettleCommand::Approve { batch, actor, json } => {
                let r = s.settle_approve(&actor, batch).await.map(summary_json);
                done();
                finish(r, json, summary_text)
            }
            SettleCommand::Reject {
                batch,
                reason,
                actor,
                json,
            } => finish(
                s.settle_reject(&actor, batch, &reason)
                    .await
                    .map(summary_json),
                json,
                summary_text,
            ),
            SettleCommand::Verify { batch, actor, json } => {
                let r = s.settle_verify(&actor, batch).await;
                done();
                let clean = matches!(&r, Ok(v) if v.differences.is_empty());
                let code = finish(
                    r.map(|v| serde_json::to_value(v).expect("invariant: serialises")),
                    json,
                    |v| {
                        let diffs = v["differences"].as_array().cloned().unwrap_or_default();
                        let mut t = format!(
                            "batch {}: {} lines recomputed, {} differences",
                            v["batch_id"],
                            v["lines"],
                            diffs.len()
                        );
                        for d in diffs {
                            t.push_str(&format!("\n  {}", d.as_str().unwrap_or("")));
                        }
                        t
                    },
                )?;
                Ok(if code == ExitCode::SUCCESS && !clean {
                    ExitCode::FAILURE
                } else {
                    code
                })
            }
        }
    })
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The payment file of an approved batch (FILES.md `payments`; tp, city, auditor): CSV
    /// lines, or XLSX with Korean headers, won formatted and a total row per bank.
    Payments {
        batch: BatchId,
        #[arg(long, value_parser = super::one_of(FileFormat::ALL))]
        format: FileFormat,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        actor: String,
    },
    /// One bank's statement of an approved batch: its lines and totals, to reconcile against
    /// its books (tp, city, auditor, or that bank's users).
    Statement {
        batch: BatchId,
        #[arg(long, value_parser = fields::bank)]
        bank: BankCode,
        #[arg(long, value_parser = super::one_of(FileFormat::ALL))]
        format: FileFormat,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        actor: String,
    },
}

pub fn export(command: ExportCommand, db: &DbArgs) -> anyhow::Result<ExitCode> {
    let (batch, bank, format, out, actor) = match command {
        ExportCommand::Payments {
            batch,
            format,
            out,
            actor,
        } => (batch, None, format, out, actor),
        ExportCommand::Statement {
            batch,
            bank,
            format,
            out,
            actor,
        } => (batch, Some(bank), format, out, actor),
    };
    block_on(async {
        let s = services(db).await?;
        let lines = s
            .settle_export(&actor, batch, bank.as_ref().map(|b| b.as_str()))
            .await;
        let written = lines.map(|(lines, recovered)| {
            let kind = if bank.is_some() {
                Kind::Statement
            } else {
                Kind::Payments
            };
            let mut progress = Progress::start("export");
            let total = lines.len() as u64;
            let r = export::write(batch, &lines, &recovered, kind, format, &out, &mut |n| {
                progress.at(n, total)
            });
            progress.done();
            r.map(|()| lines.len())
        });
        match written {
            Ok(Err(e)) => Err(e.into()),
            Ok(Ok(n)) => finish(
                Ok(serde_json::json!({ "lines": n, "out": out.display().to_string() })),
                false,
                |v| {
                    format!(
                        "{} lines written to {}",
                        v["lines"],
                        v["out"].as_str().unwrap_or("")
                    )
                },
            ),
            Err(e) => finish(Err(e), false, |_| String::new()),
        }
    })
}
