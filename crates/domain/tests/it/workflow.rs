//! The case workflow: the allowed (state, command, role) triples written out literally, every
//! other combination refused with its code, and each command's own refusals.

use jumpup_domain::DayCount;
use jumpup_domain::date::{Date, parse_date};
use jumpup_domain::grade::KiboGrade;
use jumpup_domain::loan::Loan;
use jumpup_domain::money::Won;
use jumpup_domain::pct::Pct;
use jumpup_domain::rules::{
    ClaimPeriod, GuaranteeRules, ProgramLimits, Rules, SubsidyBase, SubsidyRules,
};
use jumpup_domain::workflow::{
    Actor, BankCode, Case, Check, CheckItem, Command, Context, FirmId, LoanTerms, Outcome, Refusal,
    Role, Selection, State, decide, promote, reservation_at_approval,
};

fn d(text: &str) -> Date {
    parse_date(text).expect("date")
}

fn pct(text: &str) -> Pct {
    Pct::parse(text).expect("pct")
}

fn limits() -> ProgramLimits {
    ProgramLimits {
        budget_subsidy_won: Won::new(2_000_000_000),
        budget_guarantee_supply_won: Won::new(100_000_000_000),
        per_firm_won: Won::new(1_000_000_000),
        per_firm_won_grade_a_or_above: Won::new(3_000_000_000),
        loan_deadline_days: 90,
    }
}

fn rules() -> Rules {
    Rules {
        guarantee: GuaranteeRules {
            coverage_pct_min: pct("90"),
            coverage_pct_max: pct("100"),
            fee_discount_pct: pct("0.3"),
            fee_discount_years: 3,
            fee_floor_pct: pct("0.5"),
            fee_day_count: DayCount::Actual365,
        },
        subsidy: SubsidyRules {
            rate_pct: pct("2"),
            term_months: 12,
            min_borrower_rate_pct: Pct::ZERO,
            base: SubsidyBase::Loan,
            cap_won: Won::new(1_000_000_000),
            cap_won_grade_a_or_above: Won::new(3_000_000_000),
            claim_period: ClaimPeriod::Month,
            day_count: DayCount::ActualActual,
            payment_unit_won: Won::new(1),
        },
    }
}

const OWN_FIRM: FirmId = FirmId(7);

fn own_bank() -> BankCode {
    BankCode::parse("004").expect("bank")
}

fn selection() -> Selection {
    Selection {
        grade: KiboGrade::Bbb,
        coverage: pct("95"),
        base_fee_rate: pct("1.2"),
        approved_amount: Won::new(500_000_000),
        bank: own_bank(),
    }
}

fn all_checks() -> Vec<Check> {
    CheckItem::ALL
        .into_iter()
        .map(|item| Check {
            item,
            met: true,
            evidence: "certificate".into(),
        })
        .collect()
}

/// A case in `state` with everything a case in that state has.
fn case_in(state: State) -> Case {
    let selected = !matches!(state, State::Draft | State::Submitted | State::KiboReview);
    let decided = matches!(
        state,
        State::Approved
            | State::Waitlisted
            | State::GuaranteeIssued
            | State::LoanExecuted
            | State::Completed
            | State::Terminated
            | State::Expired
    );
    Case {
        state,
        firm: OWN_FIRM,
        selection: selected.then(selection),
        checks: if selected { all_checks() } else { Vec::new() },
        decided_on: decided.then(|| d("2025-09-01")),
        guarantee_no: None,
    }
}

fn context<'a>(limits: &'a ProgramLimits, rules: &'a Rules, today: &str) -> Context<'a> {
    Context {
        today: d(today),
        limits,
        rules,
        firm_open_won: Won::ZERO,
        available_won: Won::new(2_000_000_000),
        waitlist_nonempty: false,
    }
}

fn loan_terms(principal: i64, executed_on: &str) -> LoanTerms {
    LoanTerms {
        loan_no: "L-1".into(),
        loan: Loan::new(
            Won::new(principal),
            pct("4.5"),
            d(executed_on),
            d("2028-09-01"),
        )
        .expect("loan"),
    }
}

fn commands() -> Vec<Command> {
    vec![
        Command::Submit,
        Command::TakeIntoReview,
        Command::Select(selection()),
        Command::Reject {
            reason: "not innovative enough".into(),
        },
        Command::StartEligibilityReview,
        Command::Check(Check {
            item: CheckItem::NotListed,
            met: true,
            evidence: "KRX search".into(),
        }),
        Command::Approve,
        Command::IssueGuarantee {
            guarantee_no: "G-2025-0001".into(),
        },
        Command::ExecuteLoan(loan_terms(500_000_000, "2025-09-10")),
        Command::Withdraw,
        Command::Expire,
    ]
}

fn actor(role: Role) -> Actor {
    match role {
        Role::City => Actor::City,
        Role::Tp => Actor::Tp,
        Role::Kibo => Actor::Kibo,
        Role::Bank => Actor::Bank(own_bank()),
        Role::Firm => Actor::Firm(OWN_FIRM),
        Role::Auditor => Actor::Auditor,
        Role::Admin => Actor::Admin,
    }
}

/// Every allowed (state, command, role), literally.
const ALLOWED: &[(&str, &str, &str)] = &[
    ("draft", "submit", "firm"),
    ("submitted", "kibo-review", "kibo"),
    ("kibo_review", "select", "kibo"),
    ("kibo_review", "reject", "kibo"),
    ("selected", "eligibility-review", "tp"),
    ("eligibility_review", "check", "tp"),
    ("eligibility_review", "approve", "tp"),
    ("eligibility_review", "reject", "tp"),
    ("waitlisted", "reject", "tp"),
    ("approved", "issue-guarantee", "kibo"),
    ("guarantee_issued", "execute-loan", "bank"),
    ("draft", "withdraw", "firm"),
    ("submitted", "withdraw", "firm"),
    ("kibo_review", "withdraw", "firm"),
    ("selected", "withdraw", "firm"),
    ("eligibility_review", "withdraw", "firm"),
    ("approved", "withdraw", "firm"),
    ("waitlisted", "withdraw", "firm"),
    ("guarantee_issued", "withdraw", "firm"),
    ("approved", "expire", "tp"),
    ("guarantee_issued", "expire", "tp"),
];

#[test]
fn only_the_listed_state_command_role_triples_are_allowed_and_the_rest_refused_with_a_code() {
    let (limits, rules) = (limits(), rules());
    let mut allowed_seen = 0;
    for state in State::ALL {
        for command in commands() {
            for role in Role::ALL {
                // Expiry needs the deadline passed; everything else happens soon after the decision.
                let today = if command.name() == "expire" {
                    "2026-01-01"
                } else {
                    "2025-09-10"
                };
                let result = decide(
                    &case_in(state),
                    &actor(role),
                    &command,
                    &context(&limits, &rules, today),
                );
                let triple = (state.as_str(), command.name(), role.as_str());
                if ALLOWED.contains(&triple) {
                    allowed_seen += 1;
                    assert!(result.is_ok(), "{triple:?} should be allowed: {result:?}");
                } else {
                    let code = result.expect_err("should be refused").code();
                    // Checked in order: role, then scope (a case before selection has no
                    // lending bank, so no bank's scope covers it), then state.
                    let expected = if !command.roles().contains(&role) {
                        "role_not_allowed"
                    } else if role == Role::Bank && case_in(state).selection.is_none() {
                        "not_your_bank"
                    } else {
                        "wrong_state"
                    };
                    assert_eq!(code, expected, "{triple:?}");
                }
            }
        }
    }
    assert_eq!(allowed_seen, ALLOWED.len());
}

#[test]
fn a_firm_or_bank_of_another_scope_is_refused_before_the_state_is_looked_at() {
    let (limits, rules) = (limits(), rules());
    let ctx = context(&limits, &rules, "2025-09-10");
    let other_firm = Actor::Firm(FirmId(8));
    let other_bank = Actor::Bank(BankCode::parse("088").expect("bank"));
    assert_eq!(
        decide(&case_in(State::Draft), &other_firm, &Command::Submit, &ctx).map_err(|r| r.code()),
        Err("not_your_firm")
    );
    assert_eq!(
        decide(
            &case_in(State::Expired),
            &other_firm,
            &Command::Withdraw,
            &ctx
        )
        .map_err(|r| r.code()),
        Err("not_your_firm")
    );
    let execute = Command::ExecuteLoan(loan_terms(500_000_000, "2025-09-10"));
    assert_eq!(
        decide(
            &case_in(State::GuaranteeIssued),
            &other_bank,
            &execute,
            &ctx
        )
        .map_err(|r| r.code()),
        Err("not_your_bank")
    );
    // Before selection no bank is the lending bank.
    assert_eq!(
        decide(&case_in(State::Draft), &actor(Role::Bank), &execute, &ctx).map_err(|r| r.code()),
        Err("not_your_bank")
    );
}

#[track_caller]
fn refused(case: &Case, who: Actor, command: Command, ctx: &Context<'_>, code: &str) {
    let result = decide(case, &who, &command, ctx);
    assert_eq!(
        result.as_ref().map_err(Refusal::code),
        Err(code),
        "{result:?}"
    );
}

#[test]
fn selection_checks_grade_coverage_amount_and_the_per_firm_limit() {
    let (limits, rules) = (limits(), rules());
    let mut ctx = context(&limits, &rules, "2025-09-10");
    let case = case_in(State::KiboReview);
    let select = |edit: &dyn Fn(&mut Selection)| {
        let mut s = selection();
        edit(&mut s);
        Command::Select(s)
    };
    refused(
        &case,
        Actor::Kibo,
        select(&|s| s.grade = KiboGrade::D),
        &ctx,
        "grade_ineligible",
    );
    refused(
        &case,
        Actor::Kibo,
        select(&|s| s.coverage = pct("85")),
        &ctx,
        "coverage_out_of_range",
    );
    refused(
        &case,
        Actor::Kibo,
        select(&|s| s.approved_amount = Won::ZERO),
        &ctx,
        "amount_not_positive",
    );
    // 600,000,000 already open + 500,000,000 > 1,000,000,000 for BBB; fits 3,000,000,000 for A.
    ctx.firm_open_won = Won::new(600_000_000);
    refused(&case, Actor::Kibo, select(&|_| {}), &ctx, "limit_exceeded");
    let a = select(&|s| s.grade = KiboGrade::A);
    assert!(matches!(
        decide(&case, &Actor::Kibo, &a, &ctx),
        Ok(Outcome::Selected { .. })
    ));
}

#[test]
fn approval_needs_every_eligibility_item_each_with_its_own_refusal() {
    let (limits, rules) = (limits(), rules());
    let ctx = context(&limits, &rules, "2025-09-10");
    for missing in CheckItem::ALL {
        let mut case = case_in(State::EligibilityReview);
        case.checks.retain(|c| c.item != missing);
        refused(
            &case,
            Actor::Tp,
            Command::Approve,
            &ctx,
            &format!("eligibility_{}", missing.as_str()),
        );
        // A later "not met" answer overrides an earlier "met".
        let mut case = case_in(State::EligibilityReview);
        case.checks.push(Check {
            item: missing,
            met: false,
            evidence: "tax office letter".into(),
        });
        refused(
            &case,
            Actor::Tp,
            Command::Approve,
            &ctx,
            &format!("eligibility_{}", missing.as_str()),
        );
    }
    let check = Command::Check(Check {
        item: CheckItem::NotListed,
        met: true,
        evidence: " ".into(),
    });
    refused(
        &case_in(State::EligibilityReview),
        Actor::Tp,
        check,
        &ctx,
        "evidence_required",
    );
}

#[test]
fn approval_reserves_rules_6_4s_amount_or_waitlists_when_short_or_others_wait() {
    let (limits, rules) = (limits(), rules());
    let mut ctx = context(&limits, &rules, "2025-09-01");
    let case = case_in(State::EligibilityReview);
    // 500,000,000 for 12 months from 2025-09-01 at 2%: 9,999,996 (as quote example 01).
    assert_eq!(
        reservation_at_approval(
            &rules,
            KiboGrade::Bbb,
            Won::new(500_000_000),
            d("2025-09-01")
        ),
        Won::new(9_999_996)
    );
    assert_eq!(
        decide(&case, &Actor::Tp, &Command::Approve, &ctx),
        Ok(Outcome::Approved {
            decided_on: d("2025-09-01"),
            reservation: Won::new(9_999_996)
        })
    );
    ctx.available_won = Won::new(9_999_995);
    assert_eq!(
        decide(&case, &Actor::Tp, &Command::Approve, &ctx),
        Ok(Outcome::Waitlisted {
            decided_on: d("2025-09-01")
        })
    );
    ctx.available_won = Won::new(2_000_000_000);
    ctx.waitlist_nonempty = true;
    assert_eq!(
        decide(&case, &Actor::Tp, &Command::Approve, &ctx),
        Ok(Outcome::Waitlisted {
            decided_on: d("2025-09-01")
        })
    );
    // Promotion reserves for the day it happens, if that fits.
    let waiting = case_in(State::Waitlisted);
    assert_eq!(
        promote(&waiting, &rules, d("2025-09-01"), Won::new(9_999_995)),
        None
    );
    assert!(matches!(
        promote(&waiting, &rules, d("2025-09-01"), Won::new(9_999_996)),
        Some(Outcome::Approved { .. })
    ));
}

#[test]
fn the_loan_stays_within_the_approved_amount_and_the_deadline() {
    let (limits, rules) = (limits(), rules());
    let ctx = context(&limits, &rules, "2025-09-10");
    let case = case_in(State::GuaranteeIssued);
    let bank = Actor::Bank(own_bank());
    refused(
        &case,
        bank,
        Command::ExecuteLoan(loan_terms(500_000_001, "2025-09-10")),
        &ctx,
        "above_approved_amount",
    );
    refused(
        &case,
        bank,
        Command::ExecuteLoan(loan_terms(500_000_000, "2025-08-31")),
        &ctx,
        "executed_before_decision",
    );
    // Decided 2025-09-01 + 90 days: the last day is 2025-11-30.
    let late = context(&limits, &rules, "2025-12-01");
    refused(
        &case,
        bank,
        Command::ExecuteLoan(loan_terms(500_000_000, "2025-12-01")),
        &late,
        "loan_deadline_passed",
    );
    refused(
        &case,
        bank,
        Command::ExecuteLoan(loan_terms(500_000_000, "2025-09-11")),
        &ctx,
        "executed_in_future",
    );
    match decide(
        &case,
        &bank,
        &Command::ExecuteLoan(loan_terms(400_000_000, "2025-11-30")),
        &context(&limits, &rules, "2025-11-30"),
    ) {
        // The reservation is recomputed for the real loan: 400,000,000 from 2025-11-30.
        Ok(Outcome::LoanExecuted { reservation, .. }) => assert!(reservation < Won::new(9_999_996)),
        other => panic!("{other:?}"),
    }
    let mut no_number = loan_terms(500_000_000, "2025-09-10");
    no_number.loan_no = String::new();
    refused(
        &case,
        bank,
        Command::ExecuteLoan(no_number),
        &ctx,
        "loan_no_required",
    );
    refused(
        &case_in(State::Approved),
        Actor::Tp,
        Command::Expire,
        &context(&limits, &rules, "2025-11-30"),
        "deadline_not_passed",
    );
    refused(
        &case_in(State::KiboReview),
        Actor::Kibo,
        Command::Reject {
            reason: "  ".into(),
        },
        &ctx,
        "reason_required",
    );
    refused(
        &case_in(State::Approved),
        Actor::Kibo,
        Command::IssueGuarantee {
            guarantee_no: "".into(),
        },
        &ctx,
        "guarantee_no_required",
    );
}
