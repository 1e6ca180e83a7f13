//! The case workflow (issue 3, RULES.md 1, 3, 6.4, 7 and 8) as a pure state machine:
//! `(case, actor, command, context) -> Result<Outcome, Refusal>`. Nothing changes until every
//! check has passed; each "no" is its own refusal with a stable code. Checks run in a fixed,
//! documented order: the actor's role, then the actor's scope (own firm, own bank), then the
//! case's state, then the command's own rules.
//!
//! Transitions that follow from other operations (promotion from the waitlist when budget
//! frees, completion and termination by settlement and events, reopening when a terminating
//! event is cancelled) are separate functions: they are consequences, not requests.

use std::fmt;

use crate::date::{Date, add_months};
use crate::grade::KiboGrade;
use crate::guarantee::{CoverageOutOfRange, GuaranteeTerms};
use crate::loan::{EndReason, Loan};
use crate::money::Won;
use crate::pct::Pct;
use crate::rules::{ProgramLimits, Rules};
use crate::subsidy;

/// A user's one role (RULES.md 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    City,
    Tp,
    Kibo,
    Bank,
    Firm,
    Auditor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::City,
        Role::Tp,
        Role::Kibo,
        Role::Bank,
        Role::Firm,
        Role::Auditor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::City => "city",
            Role::Tp => "tp",
            Role::Kibo => "kibo",
            Role::Bank => "bank",
            Role::Firm => "firm",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A partner bank's 3-digit code (`004`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BankCode([u8; 3]);

impl BankCode {
    /// Three ASCII digits; FILES.md's left-padding of dropped zeros is the importer's job.
    pub fn parse(text: &str) -> Option<BankCode> {
        let b = text.as_bytes();
        (b.len() == 3 && b.iter().all(u8::is_ascii_digit)).then(|| BankCode([b[0], b[1], b[2]]))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("invariant: ASCII digits")
    }
}

impl fmt::Display for BankCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub use crate::ids::FirmId;

/// Who acts: a role, with the bank or firm a scoped role belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    City,
    Tp,
    Kibo,
    Bank(BankCode),
    Firm(FirmId),
    Auditor,
    Admin,
}

impl Actor {
    pub fn role(&self) -> Role {
        match self {
            Actor::City => Role::City,
            Actor::Tp => Role::Tp,
            Actor::Kibo => Role::Kibo,
            Actor::Bank(_) => Role::Bank,
            Actor::Firm(_) => Role::Firm,
            Actor::Auditor => Role::Auditor,
            Actor::Admin => Role::Admin,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    Draft,
    Submitted,
    KiboReview,
    Selected,
    Rejected,
    EligibilityReview,
    Approved,
    Waitlisted,
    GuaranteeIssued,
    LoanExecuted,
    Completed,
    Terminated,
    Withdrawn,
    Expired,
}

impl State {
    pub const ALL: [State; 14] = [
        State::Draft,
        State::Submitted,
        State::KiboReview,
        State::Selected,
        State::Rejected,
        State::EligibilityReview,
        State::Approved,
        State::Waitlisted,
        State::GuaranteeIssued,
        State::LoanExecuted,
        State::Completed,
        State::Terminated,
        State::Withdrawn,
        State::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::KiboReview => "kibo_review",
            State::Selected => "selected",
            State::Rejected => "rejected",
            State::EligibilityReview => "eligibility_review",
            State::Approved => "approved",
            State::Waitlisted => "waitlisted",
            State::GuaranteeIssued => "guarantee_issued",
            State::LoanExecuted => "loan_executed",
            State::Completed => "completed",
            State::Terminated => "terminated",
            State::Withdrawn => "withdrawn",
            State::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The eligibility checklist of RULES.md 7 that the Technopark completes with evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckItem {
    /// A factory or business site in Incheon.
    IncheonSite,
    /// Not closed or suspended.
    NotClosed,
    NoTaxArrears,
    NotDelinquent,
    NotListed,
}

impl CheckItem {
    pub const ALL: [CheckItem; 5] = [
        CheckItem::IncheonSite,
        CheckItem::NotClosed,
        CheckItem::NoTaxArrears,
        CheckItem::NotDelinquent,
        CheckItem::NotListed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckItem::IncheonSite => "incheon_site",
            CheckItem::NotClosed => "not_closed",
            CheckItem::NoTaxArrears => "no_tax_arrears",
            CheckItem::NotDelinquent => "not_delinquent",
            CheckItem::NotListed => "not_listed",
        }
    }

    pub fn parse(text: &str) -> Option<CheckItem> {
        CheckItem::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// One checklist answer: met or not, with the evidence the officer recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub item: CheckItem,
    pub met: bool,
    pub evidence: String,
}

/// KIBO's selection (RULES.md 1, 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub grade: KiboGrade,
    pub coverage: Pct,
    pub base_fee_rate: Pct,
    pub approved_amount: Won,
    pub bank: BankCode,
}

/// What the workflow knows of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub state: State,
    pub firm: FirmId,
    pub selection: Option<Selection>,
    pub checks: Vec<Check>,
    pub decided_on: Option<Date>,
    pub guarantee_no: Option<String>,
}

/// The loan a bank executes for a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanTerms {
    pub loan_no: String,
    pub loan: Loan,
}

/// A request to move a case (RULES.md 8 says who may make it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Submit,
    TakeIntoReview,
    Select(Selection),
    Reject { reason: String },
    StartEligibilityReview,
    Check(Check),
    Approve,
    IssueGuarantee { guarantee_no: String },
    ExecuteLoan(LoanTerms),
    Withdraw,
    Expire,
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Submit => "submit",
            Command::TakeIntoReview => "kibo-review",
            Command::Select(_) => "select",
            Command::Reject { .. } => "reject",
            Command::StartEligibilityReview => "eligibility-review",
            Command::Check(_) => "check",
            Command::Approve => "approve",
            Command::IssueGuarantee { .. } => "issue-guarantee",
            Command::ExecuteLoan(_) => "execute-loan",
            Command::Withdraw => "withdraw",
            Command::Expire => "expire",
        }
    }

    /// The roles that may make this command at all (RULES.md 8).
    pub fn roles(&self) -> &'static [Role] {
        Command::roles_of(self.name())
    }

    /// The roles that may make the command of this name at all (RULES.md 8): none for a name
    /// that is no command.
    pub fn roles_of(name: &str) -> &'static [Role] {
        match name {
            "submit" | "withdraw" => &[Role::Firm],
            "kibo-review" | "select" | "issue-guarantee" => &[Role::Kibo],
            "reject" => &[Role::Kibo, Role::Tp],
            "eligibility-review" | "check" | "approve" | "expire" => &[Role::Tp],
            "execute-loan" => &[Role::Bank],
            _ => &[],
        }
    }

    /// Every command's name, in workflow order.
    pub const NAMES: [&'static str; 11] = [
        "submit",
        "kibo-review",
        "select",
        "reject",
        "eligibility-review",
        "check",
        "approve",
        "issue-guarantee",
        "execute-loan",
        "withdraw",
        "expire",
    ];

    /// The states the command of this name applies to, for this role.
    fn applies_in(name: &str, role: Role) -> &'static [State] {
        use State as S;
        match (name, role) {
            ("submit", _) => &[S::Draft],
            ("kibo-review", _) => &[S::Submitted],
            ("select", _) => &[S::KiboReview],
            ("reject", Role::Kibo) => &[S::KiboReview],
            ("reject", _) => &[S::EligibilityReview, S::Waitlisted],
            ("eligibility-review", _) => &[S::Selected],
            ("check" | "approve", _) => &[S::EligibilityReview],
            ("issue-guarantee", _) => &[S::Approved],
            ("execute-loan", _) => &[S::GuaranteeIssued],
            ("withdraw", _) => &[
                S::Draft,
                S::Submitted,
                S::KiboReview,
                S::Selected,
                S::EligibilityReview,
                S::Approved,
                S::Waitlisted,
                S::GuaranteeIssued,
            ],
            ("expire", _) => &[S::Approved, S::GuaranteeIssued],
            _ => &[],
        }
    }

    /// The states the command of this name applies to for `role`, if that role may make it.
    pub fn available_states(name: &str, role: Role) -> &'static [State] {
        if Command::roles_of(name).contains(&role) {
            Command::applies_in(name, role)
        } else {
            &[]
        }
    }

    /// The commands (by name, in workflow order) a user of `role` may make on a case in
    /// `state`, as far as role and state decide; scope, dates, limits and budget are checked
    /// when one is made.
    pub fn available(state: State, role: Role) -> Vec<&'static str> {
        Command::NAMES
            .into_iter()
            .filter(|name| Command::available_states(name, role).contains(&state))
            .collect()
    }
}

/// What the command's rules need to know beyond the case: the day, the rule version in force
/// (or pinned), the firm's other open selections and the budget.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub today: Date,
    pub limits: &'a ProgramLimits,
    pub rules: &'a Rules,
    /// The approved amounts of the firm's other open selected cases of the programme.
    pub firm_open_won: Won,
    /// The subsidy budget available for new reservations.
    pub available_won: Won,
    /// Whether any case is already waitlisted: a new approval queues behind it (RULES.md 6.4).
    pub waitlist_nonempty: bool,
}

/// A refusal: why the answer is no, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the {role} role may not {command}")]
    RoleNotAllowed { role: Role, command: &'static str },
    #[error("the case belongs to another firm")]
    NotYourFirm,
    #[error("the case's lending bank is another bank")]
    NotYourBank,
    #[error("cannot {command} a case in state {state}")]
    WrongState { state: State, command: &'static str },
    #[error("grade D is not eligible")]
    GradeIneligible,
    #[error("coverage {0}")]
    CoverageOutOfRange(CoverageOutOfRange),
    #[error("the approved amount must be positive")]
    AmountNotPositive,
    #[error("the firm's open cases would hold {would_hold} won, above its limit of {limit} won")]
    LimitExceeded { would_hold: Won, limit: Won },
    #[error("eligibility item {} is not confirmed", .0.as_str())]
    EligibilityNotMet(CheckItem),
    #[error("a reason is required")]
    ReasonRequired,
    #[error("evidence is required")]
    EvidenceRequired,
    #[error("a guarantee number is required")]
    GuaranteeNoRequired,
    #[error("a loan number is required")]
    LoanNoRequired,
    #[error("the principal {principal} won exceeds the approved amount {approved} won")]
    AboveApprovedAmount { principal: Won, approved: Won },
    #[error("the loan was executed before the case was decided")]
    ExecutedBeforeDecision,
    #[error("the execution date {executed_on} is after today")]
    ExecutedInFuture { executed_on: Date },
    #[error("no loan was executed within the deadline, which passed on {deadline}")]
    LoanDeadlinePassed { deadline: Date },
    #[error("the loan deadline {deadline} has not passed")]
    DeadlineNotPassed { deadline: Date },
}

impl Refusal {
    /// The stable code (exit status 3 prints it; the API returns it).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::RoleNotAllowed { .. } => "role_not_allowed",
            Refusal::NotYourFirm => "not_your_firm",
            Refusal::NotYourBank => "not_your_bank",
            Refusal::WrongState { .. } => "wrong_state",
            Refusal::GradeIneligible => "grade_ineligible",
            Refusal::CoverageOutOfRange(_) => "coverage_out_of_range",
            Refusal::AmountNotPositive => "amount_not_positive",
            Refusal::LimitExceeded { .. } => "limit_exceeded",
            Refusal::EligibilityNotMet(item) => match item {
                CheckItem::IncheonSite => "eligibility_incheon_site",
                CheckItem::NotClosed => "eligibility_not_closed",
                CheckItem::NoTaxArrears => "eligibility_no_tax_arrears",
                CheckItem::NotDelinquent => "eligibility_not_delinquent",
                CheckItem::NotListed => "eligibility_not_listed",
            },
            Refusal::ReasonRequired => "reason_required",
            Refusal::EvidenceRequired => "evidence_required",
            Refusal::GuaranteeNoRequired => "guarantee_no_required",
            Refusal::LoanNoRequired => "loan_no_required",
            Refusal::AboveApprovedAmount { .. } => "above_approved_amount",
            Refusal::ExecutedBeforeDecision => "executed_before_decision",
            Refusal::ExecutedInFuture { .. } => "executed_in_future",
            Refusal::LoanDeadlinePassed { .. } => "loan_deadline_passed",
            Refusal::DeadlineNotPassed { .. } => "deadline_not_passed",
        }
    }
}

/// What an allowed command does: the new state and what the caller must record with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A plain move to `state`.
    Moved {
        state: State,
    },
    /// KIBO's selection is recorded.
    Selected {
        selection: Selection,
    },
    /// A checklist answer is recorded; the state stays.
    Checked {
        check: Check,
    },
    /// Approved: the version in force on `decided_on` is pinned and `reservation` reserved.
    Approved {
        decided_on: Date,
        reservation: Won,
    },
    /// The budget is short (or others wait before it): the case queues.
    Waitlisted {
        decided_on: Date,
    },
    GuaranteeIssued {
        guarantee_no: String,
    },
    /// The loan is recorded; the reservation becomes `reservation` (RULES.md 6.4).
    LoanExecuted {
        terms: LoanTerms,
        reservation: Won,
    },
    /// Rejected, withdrawn or expired: whatever is reserved returns to the budget.
    Ended {
        state: State,
    },
}

impl Outcome {
    pub fn state(&self, before: State) -> State {
        match self {
            Outcome::Moved { state } | Outcome::Ended { state } => *state,
            Outcome::Selected { .. } => State::Selected,
            Outcome::Checked { .. } => before,
            Outcome::Approved { .. } => State::Approved,
            Outcome::Waitlisted { .. } => State::Waitlisted,
            Outcome::GuaranteeIssued { .. } => State::GuaranteeIssued,
            Outcome::LoanExecuted { .. } => State::LoanExecuted,
        }
    }
}

/// The last day a loan may be executed for a case decided on `decided_on`.
pub fn loan_deadline(decided_on: Date, limits: &ProgramLimits) -> Date {
    decided_on + chrono::Days::new(u64::from(limits.loan_deadline_days))
}

/// The reservation at approval (RULES.md 6.4): a loan of the approved amount executed on the
/// decision date, maturing after the term.
pub fn reservation_at_approval(
    rules: &Rules,
    grade: KiboGrade,
    amount: Won,
    decided_on: Date,
) -> Won {
    let maturity = add_months(decided_on, rules.subsidy.term_months);
    let loan = Loan::new(amount, Pct::ZERO, decided_on, maturity)
        .expect("invariant: a positive approved amount over a term of at least a month");
    subsidy::reservation(&rules.subsidy, Some(grade), &loan)
        .iter()
        .map(|p| p.amount)
        .sum()
}

/// Decides a command on a case: checks in order (role, scope, state, the command's rules) and
/// changes nothing when any fails.
pub fn decide(
    case: &Case,
    actor: &Actor,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Outcome, Refusal> {
    let role = actor.role();
    if !command.roles().contains(&role) {
        return Err(Refusal::RoleNotAllowed {
            role,
            command: command.name(),
        });
    }
    match actor {
        Actor::Firm(firm) if *firm != case.firm => return Err(Refusal::NotYourFirm),
        Actor::Bank(bank) if case.selection.as_ref().is_none_or(|s| s.bank != *bank) => {
            return Err(Refusal::NotYourBank);
        }
        _ => {}
    }
    if !Command::applies_in(command.name(), role).contains(&case.state) {
        return Err(Refusal::WrongState {
            state: case.state,
            command: command.name(),
        });
    }
    let selection = || {
        case.selection
            .as_ref()
            .expect("invariant: a case past selection has a selection")
    };
    match command {
        Command::Submit => Ok(Outcome::Moved {
            state: State::Submitted,
        }),
        Command::TakeIntoReview => Ok(Outcome::Moved {
            state: State::KiboReview,
        }),
        Command::Select(s) => {
            if s.grade == KiboGrade::D {
                return Err(Refusal::GradeIneligible);
            }
            GuaranteeTerms::check_coverage(s.coverage, &ctx.rules.guarantee)
                .map_err(Refusal::CoverageOutOfRange)?;
            if s.approved_amount <= Won::ZERO {
                return Err(Refusal::AmountNotPositive);
            }
            let limit = if s.grade.is_a_or_above() {
                ctx.limits.per_firm_won_grade_a_or_above
            } else {
                ctx.limits.per_firm_won
            };
            let would_hold = ctx
                .firm_open_won
                .checked_add(s.approved_amount)
                .expect("invariant: bounded amounts");
            if would_hold > limit {
                return Err(Refusal::LimitExceeded { would_hold, limit });
            }
            Ok(Outcome::Selected {
                selection: s.clone(),
            })
        }
        Command::Reject { reason } => {
            if reason.trim().is_empty() {
                return Err(Refusal::ReasonRequired);
            }
            // Ended: a rejected waitlisted case leaves the queue, which may promote others.
            Ok(Outcome::Ended {
                state: State::Rejected,
            })
        }
        Command::StartEligibilityReview => Ok(Outcome::Moved {
            state: State::EligibilityReview,
        }),
        Command::Check(check) => {
            if check.evidence.trim().is_empty() {
                return Err(Refusal::EvidenceRequired);
            }
            Ok(Outcome::Checked {
                check: check.clone(),
            })
        }
        Command::Approve => {
            for item in CheckItem::ALL {
                let met = case
                    .checks
                    .iter()
                    .rev()
                    .find(|c| c.item == item)
                    .is_some_and(|c| c.met);
                if !met {
                    return Err(Refusal::EligibilityNotMet(item));
                }
            }
            let s = selection();
            let decided_on = ctx.today;
            let reservation =
                reservation_at_approval(ctx.rules, s.grade, s.approved_amount, decided_on);
            if ctx.waitlist_nonempty || reservation > ctx.available_won {
                Ok(Outcome::Waitlisted { decided_on })
            } else {
                Ok(Outcome::Approved {
                    decided_on,
                    reservation,
                })
            }
        }
        Command::IssueGuarantee { guarantee_no } => {
            if guarantee_no.trim().is_empty() {
                return Err(Refusal::GuaranteeNoRequired);
            }
            Ok(Outcome::GuaranteeIssued {
                guarantee_no: guarantee_no.trim().to_owned(),
            })
        }
        Command::ExecuteLoan(terms) => {
            let s = selection();
            if terms.loan_no.trim().is_empty() {
                return Err(Refusal::LoanNoRequired);
            }
            if terms.loan.principal() > s.approved_amount {
                return Err(Refusal::AboveApprovedAmount {
                    principal: terms.loan.principal(),
                    approved: s.approved_amount,
                });
            }
            let decided_on = case
                .decided_on
                .expect("invariant: an issued guarantee's case was decided");
            if terms.loan.executed_on() < decided_on {
                return Err(Refusal::ExecutedBeforeDecision);
            }
            if terms.loan.executed_on() > ctx.today {
                return Err(Refusal::ExecutedInFuture {
                    executed_on: terms.loan.executed_on(),
                });
            }
            let deadline = loan_deadline(decided_on, ctx.limits);
            if terms.loan.executed_on() > deadline {
                return Err(Refusal::LoanDeadlinePassed { deadline });
            }
            let reservation = subsidy::reservation(&ctx.rules.subsidy, Some(s.grade), &terms.loan)
                .iter()
                .map(|p| p.amount)
                .sum();
            Ok(Outcome::LoanExecuted {
                terms: terms.clone(),
                reservation,
            })
        }
        Command::Withdraw => Ok(Outcome::Ended {
            state: State::Withdrawn,
        }),
        Command::Expire => {
            let decided_on = case
                .decided_on
                .expect("invariant: an approved case was decided");
            let deadline = loan_deadline(decided_on, ctx.limits);
            if ctx.today <= deadline {
                return Err(Refusal::DeadlineNotPassed { deadline });
            }
            Ok(Outcome::Ended {
                state: State::Expired,
            })
        }
    }
}

/// Promotion from the waitlist when budget frees (RULES.md 6.4): approved, with the
/// reservation computed for the day of promotion, if it fits.
pub fn promote(case: &Case, rules: &Rules, today: Date, available: Won) -> Option<Outcome> {
    assert_eq!(
        case.state,
        State::Waitlisted,
        "invariant: only waitlisted cases are promoted"
    );
    let s = case
        .selection
        .as_ref()
        .expect("invariant: a waitlisted case was selected");
    let reservation = reservation_at_approval(rules, s.grade, s.approved_amount, today);
    (reservation <= available).then_some(Outcome::Approved {
        decided_on: today,
        reservation,
    })
}

/// Where a case with an executed loan goes when its subsidy has stopped and every period is
/// settled: `completed` for term or maturity, `terminated` for the other reasons.
pub fn ended_state(reason: EndReason, forfeited: bool) -> State {
    match reason {
        _ if forfeited => State::Terminated,
        EndReason::Term | EndReason::Maturity => State::Completed,
        _ => State::Terminated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commands_available_are_those_role_and_state_allow() {
        use Role::*;
        assert_eq!(
            Command::available(State::Draft, Firm),
            ["submit", "withdraw"]
        );
        assert_eq!(
            Command::available(State::KiboReview, Kibo),
            ["select", "reject"]
        );
        assert!(Command::available(State::KiboReview, Tp).is_empty());
        assert_eq!(
            Command::available(State::EligibilityReview, Tp),
            ["reject", "check", "approve"]
        );
        assert_eq!(Command::available(State::Waitlisted, Tp), ["reject"]);
        assert_eq!(
            Command::available(State::GuaranteeIssued, Bank),
            ["execute-loan"]
        );
        assert_eq!(Command::available(State::GuaranteeIssued, Tp), ["expire"]);
        for name in Command::NAMES {
            assert!(
                Role::ALL
                    .iter()
                    .any(|r| !Command::available_states(name, *r).is_empty()),
                "{name} applies somewhere"
            );
        }
        for state in State::ALL {
            for role in [City, Auditor, Admin] {
                assert!(Command::available(state, role).is_empty(), "{role} {state}");
            }
        }
        for state in [
            State::LoanExecuted,
            State::Completed,
            State::Rejected,
            State::Withdrawn,
        ] {
            for role in Role::ALL {
                assert!(Command::available(state, role).is_empty(), "{role} {state}");
            }
        }
    }
}
