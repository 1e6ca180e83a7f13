//! `jumpup case`, `jumpup loan`, `jumpup budget` and `jumpup ledger`: the case workflow and
//! the budget from the command line. The role allowed for each command is in its help.

use jumpup_domain::ids::CaseId;
use std::io::Write;
use std::process::ExitCode;

use clap::Subcommand;
use jumpup_domain::date::Date;
use jumpup_domain::grade::KiboGrade;
use jumpup_domain::loan::Loan;
use jumpup_domain::money::Won;
use jumpup_domain::pct::Pct;
use jumpup_domain::workflow::{BankCode, Check, CheckItem, Command, LoanTerms, Selection, State};
use serde_json::json;

use super::records::{DbArgs, finish, services};
use jumpup_service::BadInput;
use jumpup_service::block_on;
use jumpup_service::cases::case_json;
use jumpup_service::fields;

#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Open a draft case for the actor's firm (firm).
    New {
        #[arg(long)]
        program: String,
        /// The amount applied for, in won.
        #[arg(long, value_parser = fields::won)]
        amount: Won,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Submit a draft (firm).
    Submit {
        id: CaseId,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Take a submitted case into review (kibo).
    KiboReview {
        id: CaseId,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Select a case: grade, coverage, base fee rate, approved amount, lending bank (kibo).
    Select {
        id: CaseId,
        #[arg(long, value_parser = fields::grade)]
        grade: KiboGrade,
        #[arg(long, value_parser = fields::pct)]
        coverage: Pct,
        #[arg(long, value_parser = fields::pct)]
        base_fee_rate: Pct,
        #[arg(long, value_parser = fields::won)]
        amount: Won,
        #[arg(long, value_parser = fields::bank)]
        bank: BankCode,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Reject a case in review (kibo in KIBO's review, tp in eligibility review).
    Reject {
        id: CaseId,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Start the eligibility review of a selected case (tp).
    EligibilityReview {
        id: CaseId,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Record one eligibility item with its evidence (tp).
    Check {
        id: CaseId,
        #[arg(long, value_parser = fields::item)]
        item: CheckItem,
        /// The item is not met (default: met).
        #[arg(long)]
        not_met: bool,
        #[arg(long)]
        evidence: String,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Approve: pins the version in force and reserves the budget, or waitlists (tp).
    Approve {
        id: CaseId,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Issue the guarantee (kibo).
    IssueGuarantee {
        id: CaseId,
        #[arg(long)]
        number: String,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Withdraw before the loan (firm).
    Withdraw {
        id: CaseId,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Expire an approved case with no loan within the deadline (tp).
    Expire {
        id: CaseId,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// One case (city, tp, kibo, auditor; a bank its own loans' cases; a firm its own).
    Show {
        id: CaseId,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// The case's guarantee, fees and every subsidy claim from its stored loan and events,
    /// under its pinned programme version (same visibility as show).
    Quote {
        id: CaseId,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        explain: bool,
        #[arg(long, value_parser = super::one_of(jumpup_service::i18n::Lang::ALL), default_value = "ko")]
        lang: jumpup_service::i18n::Lang,
    },
    /// Cases in id order, 50 at a time (same visibility as show).
    List {
        #[arg(long, value_parser = fields::state)]
        state: Option<State>,
        /// Cases after this id (the cursor).
        #[arg(long, default_value_t = 0)]
        after: i64,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum LoanCommand {
    /// Record the loan of a case with an issued guarantee (the lending bank).
    Execute {
        #[arg(long = "case")]
        case_id: CaseId,
        #[arg(long)]
        loan_no: String,
        #[arg(long, value_parser = fields::won)]
        principal: Won,
        #[arg(long, value_parser = fields::pct)]
        rate: Pct,
        #[arg(long, value_parser = fields::day)]
        executed_on: Date,
        #[arg(long, value_parser = fields::day)]
        maturity_on: Date,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
}

fn parse_kind(s: &str) -> Result<String, String> {
    if jumpup_domain::loan::EventKind::WORDS.contains(&s) {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "must be one of: {}",
            jumpup_domain::loan::EventKind::WORDS.join(", ")
        ))
    }
}

#[derive(Debug, Subcommand)]
pub enum EventCommand {
    /// Report what happened to a case's loan (RULES.md 8: the lending bank its repayments,
    /// rate changes, arrears and defaults; kibo defaults; tp every kind).
    Add {
        #[arg(long = "case")]
        case_id: CaseId,
        #[arg(long, value_parser = fields::day)]
        on: Date,
        #[arg(long, value_parser = parse_kind)]
        kind: String,
        /// The repayment's amount (repayment only).
        #[arg(long, value_parser = fields::won)]
        amount: Option<Won>,
        /// The new loan rate (rate_change only).
        #[arg(long, value_parser = fields::pct)]
        rate: Option<Pct>,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
    /// Cancel a wrong event (tp, or the user who reported it); audited,
    /// and settlement recomputes the periods it touched.
    Cancel {
        /// The event's id (as `event add` prints it).
        id: i64,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn event(command: EventCommand, db: &DbArgs) -> anyhow::Result<ExitCode> {
    use jumpup_domain::loan::Event;
    let (case_id, on, kind, amount, rate, actor, json) = match command {
        EventCommand::Add {
            case_id,
            on,
            kind,
            amount,
            rate,
            actor,
            json,
        } => (case_id, on, kind, amount, rate, actor, json),
        EventCommand::Cancel {
            id,
            reason,
            actor,
            json,
        } => {
            return block_on(async {
                let s = services(db).await?;
                let result = s.cancel_event(&actor, id, &reason).await.map(
                    |case_id| json!({ "loan_event_id": id, "case_id": case_id, "cancelled": true }),
                );
                finish(result, json, |v| {
                    format!("event {id} cancelled on case {}", v["case_id"])
                })
            });
        }
    };
    let kind = fields::event_kind(&kind, amount, rate).map_err(|(field, message)| {
        let flag = if field == "amount_won" {
            "--amount"
        } else {
            "--rate"
        };
        BadInput(format!("{flag}: {message}"))
    })?;
    block_on(async {
        let s = services(db).await?;
        let result = s
            .report_event(&actor, case_id, Event { on, kind })
            .await
            .map(|id| json!({ "loan_event_id": id, "case_id": case_id }));
        finish(result, json, |v| {
            format!("event {} recorded on case {case_id}", v["loan_event_id"])
        })
    })
}

#[derive(Debug, Subcommand)]
pub enum BudgetCommand {
    /// Add to a programme's budget; clears overruns first, then promotes the waitlist (city).
    TopUp {
        program: String,
        #[arg(value_parser = fields::won)]
        amount: Won,
        /// The City's reference for this top-up (its document number): the same reference
        /// again changes nothing.
        #[arg(long)]
        reference: String,
        #[arg(long)]
        actor: String,
    },
    /// Balances, overruns and the waitlist of every programme.
    Show {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// The trial balance per programme; exits 1 if any invariant fails.
    Check,
}

fn text(row: &serde_json::Value) -> String {
    format!(
        "case {}: {} ({} won requested, {} approved, bank {})",
        row["case_id"],
        row["state"].as_str().unwrap_or_default(),
        row["requested_won"],
        row["approved_won"],
        row["bank"].as_str().unwrap_or("-")
    )
}

pub fn case(command: CaseCommand, db: &DbArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let s = services(db).await?;
        let (result, json) = match command {
            CaseCommand::New {
                program,
                amount,
                actor,
                json,
            } => (
                s.new_case(&actor, &program, amount)
                    .await
                    .map(|r| case_json(&r)),
                json,
            ),
            CaseCommand::Quote {
                id,
                actor,
                json,
                explain,
                lang,
            } => {
                return match s.case_quote(&actor, id).await {
                    Ok(q) => {
                        let request = jumpup_service::quote_json::Request {
                            program: &q.program,
                            version: &q.version,
                            overrides: Vec::new(),
                            input: q.input,
                        };
                        let detail = if explain {
                            jumpup_service::quote_json::Detail::Explained
                        } else {
                            jumpup_service::quote_json::Detail::Figures
                        };
                        let mut out = std::io::stdout();
                        if json {
                            writeln!(
                                out,
                                "{}",
                                serde_json::to_string_pretty(
                                    &jumpup_service::quote_json::to_json(
                                        &request, &q.quote, detail
                                    )
                                )?
                            )?;
                        } else {
                            write!(
                                out,
                                "{}",
                                crate::render::quote_text(&request, &q.quote, lang, explain)
                            )?;
                        }
                        Ok(ExitCode::SUCCESS)
                    }
                    Err(e) => finish(Err(e), json, |_| String::new()),
                };
            }
            CaseCommand::Show { id, actor, json } => (
                s.read_cases(&actor, Some(id), None, 0, 1)
                    .await
                    .map(|r| case_json(&r[0])),
                json,
            ),
            CaseCommand::List {
                state,
                after,
                limit,
                actor,
                json,
            } => {
                let result = s
                    .read_cases(&actor, None, state, after, limit)
                    .await
                    .map(|rows| json!(rows.iter().map(case_json).collect::<Vec<_>>()));
                if !json {
                    return match result {
                        Ok(list) => {
                            let mut out = std::io::stdout();
                            for row in list.as_array().into_iter().flatten() {
                                writeln!(out, "{}", text(row))?;
                            }
                            Ok(ExitCode::SUCCESS)
                        }
                        Err(e) => finish(Err(e), false, |_| String::new()),
                    };
                }
                (result, json)
            }
            other => {
                let (id, actor, json, command) = workflow_command(other)?;
                (
                    s.case_command(&actor, id, command)
                        .await
                        .map(|r| case_json(&r)),
                    json,
                )
            }
        };
        finish(result, json, text)
    })
}

fn workflow_command(command: CaseCommand) -> anyhow::Result<(CaseId, String, bool, Command)> {
    Ok(match command {
        CaseCommand::Submit { id, actor, json } => (id, actor, json, Command::Submit),
        CaseCommand::KiboReview { id, actor, json } => (id, actor, json, Command::TakeIntoReview),
        CaseCommand::Select {
            id,
            grade,
            coverage,
            base_fee_rate,
            amount,
            bank,
            actor,
            json,
        } => (
            id,
            actor,
            json,
            Command::Select(Selection {
                grade,
                coverage,
                base_fee_rate,
                approved_amount: amount,
                bank,
            }),
        ),
        CaseCommand::Reject {
            id,
            reason,
            actor,
            json,
        } => (id, actor, json, Command::Reject { reason }),
        CaseCommand::EligibilityReview { id, actor, json } => {
            (id, actor, json, Command::StartEligibilityReview)
        }
        CaseCommand::Check {
            id,
            item,
            not_met,
            evidence,
            actor,
            json,
        } => (
            id,
            actor,
            json,
            Command::Check(Check {
                item,
                met: !not_met,
                evidence,
            }),
        ),
        CaseCommand::Approve { id, actor, json } => (id, actor, json, Command::Approve),
        CaseCommand::IssueGuarantee {
            id,
            number,
            actor,
            json,
        } => (
            id,
            actor,
            json,
            Command::IssueGuarantee {
                guarantee_no: number,
            },
        ),
        CaseCommand::Withdraw { id, actor, json } => (id, actor, json, Command::Withdraw),
        CaseCommand::Expire { id, actor, json } => (id, actor, json, Command::Expire),
        CaseCommand::New { .. }
        | CaseCommand::Show { .. }
        | CaseCommand::List { .. }
        | CaseCommand::Quote { .. } => {
            unreachable!("invariant: handled before")
        }
    })
}

pub fn loan(command: LoanCommand, db: &DbArgs) -> anyhow::Result<ExitCode> {
    let LoanCommand::Execute {
        case_id,
        loan_no,
        principal,
        rate,
        executed_on,
        maturity_on,
        actor,
        json,
    } = command;
    let loan = Loan::new(principal, rate, executed_on, maturity_on)
        .map_err(|e| BadInput(format!("--maturity-on: {e}")))?;
    block_on(async {
        let s = services(db).await?;
        let result = s
            .case_command(
                &actor,
                case_id,
                Command::ExecuteLoan(LoanTerms { loan_no, loan }),
            )
            .await
            .map(|r| case_json(&r));
        finish(result, json, text)
    })
}

pub fn budget(command: BudgetCommand, db: &DbArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let s = services(db).await?;
        match command {
            BudgetCommand::TopUp {
                program,
                amount,
                reference,
                actor,
            } => {
                let result = s
                    .top_up(&actor, &program, amount, &reference)
                    .await
                    .map(|posted| json!({ "program": program, "amount_won": amount.get(), "posted": posted }));
                finish(result, false, |v| {
                    if v["posted"] == true {
                        format!(
                            "{program}: topped up by {} won ({reference})",
                            amount.grouped()
                        )
                    } else {
                        format!(
                            "{program}: top-up {reference} was already applied; nothing changed"
                        )
                    }
                })
            }
            BudgetCommand::Show { json } => {
                let budgets = s.budgets().await.map_err(|e| anyhow::anyhow!("{e}"))?;
                let mut out = std::io::stdout();
                let mut list = Vec::new();
                for b in &budgets {
                    let waitlist = s
                        .read_waitlist(&b.program_id)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    if json {
                        list.push(b.to_json(&waitlist));
                    } else {
                        writeln!(out, "{}", b.program_id)?;
                        for (account, won) in &b.balances {
                            let label = match account.as_str() {
                                "funding" => "appropriation + top-ups",
                                other => other,
                            };
                            writeln!(out, "  {label:<24} {:>20}", won.grouped())?;
                        }
                        writeln!(
                            out,
                            "  waitlist: {}",
                            if waitlist.is_empty() {
                                "none".to_owned()
                            } else {
                                waitlist
                                    .iter()
                                    .map(|c| format!("case {c}"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            }
                        )?;
                    }
                }
                if json {
                    writeln!(out, "{}", serde_json::Value::from(list))?;
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

pub fn ledger(command: LedgerCommand, db: &DbArgs) -> anyhow::Result<ExitCode> {
    let LedgerCommand::Check = command;
    block_on(async {
        let s = services(db).await?;
        let check = s.ledger_check().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut out = std::io::stdout();
        for b in &check.budgets {
            writeln!(out, "{}", b.program_id)?;
            for (account, won) in &b.balances {
                writeln!(out, "  {:<20} {:>20}", account.as_str(), won.grouped())?;
            }
            match &b.check {
                Ok(()) => writeln!(
                    out,
                    "  ok: available + reserved + paid + clawback_receivable = appropriation + top-ups + overrun"
                )?,
                Err(v) => writeln!(out, "  FAILED: {v}")?,
            }
        }
        for (case_id, state, reserved) in &check.misplaced {
            writeln!(
                out,
                "case {case_id} ({state}) holds {reserved} won reserved: only approved, guarantee_issued and loan_executed cases hold a reservation"
            )?;
        }
        for id in &check.inconsistent {
            writeln!(out, "posting {id}: its accounts do not match its kind")?;
        }
        super::records::print_seals(&mut out, &check.seals)?;
        let ok = check.ok();
        Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}
