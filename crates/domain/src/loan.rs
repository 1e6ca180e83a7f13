//! A loan and the events that happen to it (RULES.md 6.3), checked once into a [`History`] the
//! engine can trust: events in the order they apply (date order, input order within a day),
//! every repayment within the balance, arrears opened and closed in turn.

use crate::date::{Date, add_months};
use crate::money::Won;
use crate::pct::Pct;

/// The longest loan the engine accepts, from execution to maturity.
pub const MAX_LOAN_YEARS: u32 = 50;
/// The most events one loan may carry.
pub const MAX_EVENTS: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loan {
    principal: Won,
    annual_rate: Pct,
    executed_on: Date,
    maturity_on: Date,
}

impl Loan {
    /// A loan of a positive principal whose maturity is after its execution and at most
    /// [`MAX_LOAN_YEARS`] later.
    pub fn new(
        principal: Won,
        annual_rate: Pct,
        executed_on: Date,
        maturity_on: Date,
    ) -> Result<Loan, LoanError> {
        if principal <= Won::ZERO {
            return Err(LoanError::PrincipalNotPositive);
        }
        if maturity_on <= executed_on {
            return Err(LoanError::MaturityNotAfterExecution);
        }
        if maturity_on > add_months(executed_on, MAX_LOAN_YEARS * 12) {
            return Err(LoanError::TooLong);
        }
        Ok(Loan {
            principal,
            annual_rate,
            executed_on,
            maturity_on,
        })
    }

    pub fn principal(&self) -> Won {
        self.principal
    }

    pub fn annual_rate(&self) -> Pct {
        self.annual_rate
    }

    pub fn executed_on(&self) -> Date {
        self.executed_on
    }

    pub fn maturity_on(&self) -> Date {
        self.maturity_on
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LoanError {
    #[error("must be a positive integer")]
    PrincipalNotPositive,
    #[error("must be after executed_on")]
    MaturityNotAfterExecution,
    #[error("must be at most 50 years after executed_on")]
    TooLong,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A repayment of principal (partial, or to zero).
    Repayment(Won),
    /// A new loan rate from the event's date.
    RateChange(Pct),
    ArrearsStart,
    ArrearsEnd,
    /// 관외이전: the firm left the city.
    Relocation,
    /// 휴·폐업: business suspended or closed.
    Closure,
    /// 기한이익상실, 보증사고: acceleration or a guarantee accident.
    Default,
    /// 부정수급, 목적외 사용: the whole subsidy is forfeited.
    Ineligible,
}

impl EventKind {
    pub const WORDS: &'static [&'static str] = &[
        "repayment",
        "rate_change",
        "arrears_start",
        "arrears_end",
        "relocation",
        "closure",
        "default",
        "ineligible",
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Repayment(_) => "repayment",
            EventKind::RateChange(_) => "rate_change",
            EventKind::ArrearsStart => "arrears_start",
            EventKind::ArrearsEnd => "arrears_end",
            EventKind::Relocation => "relocation",
            EventKind::Closure => "closure",
            EventKind::Default => "default",
            EventKind::Ineligible => "ineligible",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Event {
    pub on: Date,
    pub kind: EventKind,
}

/// Why the subsidy stopped (RULES.md 6.3), in the order ties are broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndReason {
    Term,
    Maturity,
    Repaid,
    Relocation,
    Closure,
    Default,
    Ineligible,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Term => "term",
            EndReason::Maturity => "maturity",
            EndReason::Repaid => "repaid",
            EndReason::Relocation => "relocation",
            EndReason::Closure => "closure",
            EndReason::Default => "default",
            EndReason::Ineligible => "ineligible",
        }
    }
}

/// Which field of an event a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventField {
    On,
    Kind,
    AmountWon,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EventProblem {
    #[error("must not be before the execution date")]
    BeforeExecution,
    #[error("arrears_start while the loan is already in arrears")]
    ArrearsAlreadyOpen,
    #[error("arrears_end with no arrears open")]
    NoArrearsOpen,
    #[error("exceeds the outstanding balance")]
    ExceedsBalance,
}

impl EventProblem {
    pub fn field(self) -> EventField {
        match self {
            EventProblem::BeforeExecution => EventField::On,
            EventProblem::ArrearsAlreadyOpen | EventProblem::NoArrearsOpen => EventField::Kind,
            EventProblem::ExceedsBalance => EventField::AmountWon,
        }
    }
}

/// A problem with the event at `index` (counted from 0 in input order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("events[{index}]: {problem}")]
pub struct EventError {
    pub index: usize,
    pub problem: EventProblem,
}

/// A loan's events, checked and in the order they apply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct History {
    events: Vec<Event>,
    /// The causes that end the subsidy or the fee schedule, in applied order: full repayment
    /// and the terminating kinds.
    terminations: Vec<(Date, EndReason)>,
    fully_repaid_on: Option<Date>,
    first_default_on: Option<Date>,
    first_ineligible_on: Option<Date>,
}

impl History {
    /// Checks events against the loan (RULES.md 6.3): none before execution, repayments within
    /// the balance, arrears opened and closed in turn. Checked in the order they apply, also
    /// after the stop day; every problem is reported, by input index.
    ///
    /// Only the principal and the execution date matter here, so events can be checked even
    /// when another field of the loan is wrong.
    pub fn new(
        principal: Won,
        executed_on: Date,
        events: &[Event],
    ) -> Result<History, Vec<EventError>> {
        assert!(
            events.len() <= MAX_EVENTS,
            "invariant: callers bound the number of events"
        );
        let mut order: Vec<usize> = (0..events.len()).collect();
        order.sort_by_key(|&i| events[i].on); // stable: input order within a day
        let mut errors = Vec::new();
        let mut history = History {
            events: Vec::with_capacity(events.len()),
            ..History::default()
        };
        let mut balance = principal;
        let mut in_arrears = false;
        for i in order {
            let event = events[i];
            let mut fail = |problem| errors.push(EventError { index: i, problem });
            if event.on < executed_on {
                fail(EventProblem::BeforeExecution);
                continue;
            }
            let ends = match event.kind {
                EventKind::Repayment(amount) => {
                    match balance.checked_sub(amount).filter(|b| *b >= Won::ZERO) {
                        Some(rest) => balance = rest,
                        None => {
                            fail(EventProblem::ExceedsBalance);
                            continue;
                        }
                    }
                    if balance == Won::ZERO {
                        history.fully_repaid_on.get_or_insert(event.on);
                        Some(EndReason::Repaid)
                    } else {
                        None
                    }
                }
                EventKind::RateChange(_) => None,
                EventKind::ArrearsStart if in_arrears => {
                    fail(EventProblem::ArrearsAlreadyOpen);
                    continue;
                }
                EventKind::ArrearsEnd if !in_arrears => {
                    fail(EventProblem::NoArrearsOpen);
                    continue;
                }
                EventKind::ArrearsStart | EventKind::ArrearsEnd => {
                    in_arrears = !in_arrears;
                    None
                }
                EventKind::Relocation => Some(EndReason::Relocation),
                EventKind::Closure => Some(EndReason::Closure),
                EventKind::Default => {
                    history.first_default_on.get_or_insert(event.on);
                    Some(EndReason::Default)
                }
                EventKind::Ineligible => {
                    history.first_ineligible_on.get_or_insert(event.on);
                    Some(EndReason::Ineligible)
                }
            };
            if let Some(reason) = ends {
                history.terminations.push((event.on, reason));
            }
            history.events.push(event);
        }
        if errors.is_empty() {
            Ok(history)
        } else {
            errors.sort_by_key(|e| (e.index, e.problem.field()));
            Err(errors)
        }
    }

    /// The events in the order they apply.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Full repayment and terminating events, in applied order.
    pub fn terminations(&self) -> &[(Date, EndReason)] {
        &self.terminations
    }

    /// The day the balance reached zero, if it did.
    pub fn fully_repaid_on(&self) -> Option<Date> {
        self.fully_repaid_on
    }

    pub fn first_default_on(&self) -> Option<Date> {
        self.first_default_on
    }

    /// The first `ineligible` event: whenever dated, the whole subsidy is forfeited.
    pub fn first_ineligible_on(&self) -> Option<Date> {
        self.first_ineligible_on
    }

    /// The principal minus every repayment dated on or before `day`.
    pub fn balance_on(&self, principal: Won, day: Date) -> Won {
        let repaid: Won = self
            .events
            .iter()
            .take_while(|e| e.on <= day)
            .filter_map(|e| match e.kind {
                EventKind::Repayment(amount) => Some(amount),
                _ => None,
            })
            .sum();
        principal
            .checked_sub(repaid)
            .expect("invariant: repayments never exceed the principal")
    }
}
