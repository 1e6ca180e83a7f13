//! The interest subsidy (RULES.md 6): daily accrual on the capped base at the effective rate,
//! claim periods cut from the term and clipped to the subsidy's actual span, one truncation
//! per period, the payment unit, the stop day and its reason, arrears, forfeiture, and the
//! budget reservation (6.4).
//!
//! Accrual is computed over *segments*, maximal runs of days inside one period on which every
//! input of the daily formula is the same; the sum over a segment's days is exact, so the
//! result equals the day-by-day sum of 6.1 while doing work per change, not per day. Every
//! segment is kept, so each claim carries its own working.

use std::ops::Range;

use crate::date::{
    DAY_DENOMINATOR, Date, add_months, day_before, days_between, next_month_start, next_new_year,
    next_quarter_start,
};
use crate::grade::KiboGrade;
use crate::guarantee::share;
use crate::loan::{EndReason, EventKind, History, Loan};
use crate::money::Won;
use crate::pct::Pct;
use crate::ratio::Exact;
use crate::rules::{ClaimPeriod, SubsidyBase, SubsidyRules};

/// A run of days inside one claim period with the same inputs to the daily accrual.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub from: Date,
    /// The last day included.
    pub to: Date,
    pub days: i64,
    /// The outstanding principal.
    pub balance: Won,
    /// What accrues: the balance or its guaranteed part, capped.
    pub base: Won,
    pub loan_rate: Pct,
    /// `min(subsidy rate, max(0, loan rate - minimum borrower rate))`.
    pub effective_rate: Pct,
    /// 365 or 366.
    pub year_days: i64,
    /// Days in arrears accrue nothing.
    pub arrears: bool,
}

impl Segment {
    /// The exact accrual of this segment: `base x rate / 100 x days / year_days`, or 0 in
    /// arrears.
    pub fn accrual(&self) -> Exact {
        if self.arrears {
            return Exact::ZERO;
        }
        Exact::accrual(
            self.base,
            self.effective_rate.units(),
            self.days * (DAY_DENOMINATOR / self.year_days),
        )
    }
}

/// One claim period and its working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    /// The last day included.
    pub to: Date,
    /// Days in the period's span, arrears days included.
    pub days: i64,
    /// The exact sum of the period's daily accruals.
    pub accrued: Exact,
    /// `accrued` truncated to whole won, or 0 when the subsidy is forfeited.
    pub claim: Won,
    /// `claim` truncated to a multiple of the payment unit.
    pub payment: Won,
    /// Where this period's segments sit in [`Subsidy::segments`].
    pub segments: Range<usize>,
}

/// What the budget reserves for one claim period (RULES.md 6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservedPeriod {
    pub from: Date,
    pub to: Date,
    pub amount: Won,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subsidy {
    pub from: Date,
    /// The last day that earns, or `None` when the stop day is the execution date.
    pub to: Option<Date>,
    pub stop_on: Date,
    pub end_reason: EndReason,
    /// Set when an `ineligible` event forfeits the whole subsidy (RULES.md 6.3).
    pub forfeited_on: Option<Date>,
    pub payment_unit: Won,
    pub periods: Vec<Period>,
    pub segments: Vec<Segment>,
    pub claim_total: Won,
    pub payment_total: Won,
    pub reservation: Vec<ReservedPeriod>,
    pub reservation_total: Won,
}

impl Subsidy {
    pub fn segments_of(&self, period: &Period) -> &[Segment] {
        &self.segments[period.segments.clone()]
    }
}

/// The exclusive end of the claim period that starts on `start`, clipped to `stop`.
fn period_end(kind: ClaimPeriod, start: Date, stop: Date) -> Date {
    match kind {
        ClaimPeriod::Month => next_month_start(start).min(stop),
        ClaimPeriod::Quarter => next_quarter_start(start).min(stop),
        ClaimPeriod::Term => stop,
    }
}

/// The stop day and its reason (RULES.md 6.3): the earliest of the term's end, maturity, full
/// repayment and a terminating event; ties go to the first in that order.
pub fn stop_day(rules: &SubsidyRules, loan: &Loan, history: &History) -> (Date, EndReason) {
    let mut stop = (
        add_months(loan.executed_on(), rules.term_months),
        EndReason::Term,
    );
    let causes = std::iter::once((loan.maturity_on(), EndReason::Maturity))
        .chain(history.terminations().iter().copied());
    for cause in causes {
        if cause.0 < stop.0 {
            stop = cause;
        }
    }
    stop
}

/// The subsidy of a loan with its events (RULES.md 6).
pub fn subsidy(
    rules: &SubsidyRules,
    grade: Option<KiboGrade>,
    loan: &Loan,
    coverage: Pct,
    history: &History,
) -> Subsidy {
    let cap = rules.cap_for(grade);
    let (stop_on, end_reason) = stop_day(rules, loan, history);
    let forfeited_on = history.first_ineligible_on();
    let events = history.events();

    let expected_periods = period_count_hint(rules);
    let mut periods = Vec::with_capacity(expected_periods);
    let mut segments: Vec<Segment> = Vec::with_capacity(expected_periods + events.len());
    let mut balance = loan.principal();
    let mut loan_rate = loan.annual_rate();
    let mut arrears = false;
    let mut next_event = 0;
    let mut start = loan.executed_on();
    while start < stop_on {
        let end = period_end(rules.claim_period, start, stop_on);
        let first_segment = segments.len();
        let mut accrued = Exact::ZERO;
        let mut cursor = start;
        while cursor < end {
            while let Some(event) = events.get(next_event).filter(|e| e.on <= cursor) {
                match event.kind {
                    EventKind::Repayment(amount) => {
                        balance = balance
                            .checked_sub(amount)
                            .expect("invariant: History checked repayments against the balance");
                    }
                    EventKind::RateChange(rate) => loan_rate = rate,
                    EventKind::ArrearsStart => arrears = true,
                    EventKind::ArrearsEnd => arrears = false,
                    // They stop the subsidy through the stop day; nothing accrues after it.
                    EventKind::Relocation
                    | EventKind::Closure
                    | EventKind::Default
                    | EventKind::Ineligible => {}
                }
                next_event += 1;
            }
            let mut next = end.min(next_new_year(cursor));
            if let Some(event) = events.get(next_event).filter(|e| e.on < next) {
                next = event.on;
            }
            let base = match rules.base {
                SubsidyBase::Loan => balance,
                SubsidyBase::Guaranteed => share(balance, coverage),
            }
            .min(cap);
            let effective_rate = rules
                .rate_pct
                .min(loan_rate.saturating_sub(rules.min_borrower_rate_pct));
            let segment = Segment {
                from: cursor,
                to: day_before(next),
                days: days_between(cursor, next),
                balance,
                base,
                loan_rate,
                effective_rate,
                year_days: rules.day_count.year_days(cursor),
                arrears,
            };
            accrued += segment.accrual();
            let in_period = segments.len() > first_segment;
            match segments.last_mut() {
                Some(last) if in_period && same_inputs(last, &segment) => {
                    last.to = segment.to;
                    last.days += segment.days;
                }
                _ => segments.push(segment),
            }
            cursor = next;
        }
        let claim = if forfeited_on.is_some() {
            Won::ZERO
        } else {
            accrued.truncate()
        };
        periods.push(Period {
            from: start,
            to: day_before(end),
            days: days_between(start, end),
            accrued,
            claim,
            payment: claim.truncate_to_unit(rules.payment_unit_won),
            segments: first_segment..segments.len(),
        });
        start = end;
    }

    let reservation = reservation(rules, grade, loan);
    Subsidy {
        from: loan.executed_on(),
        to: (stop_on > loan.executed_on()).then(|| day_before(stop_on)),
        stop_on,
        end_reason,
        forfeited_on,
        payment_unit: rules.payment_unit_won,
        claim_total: periods.iter().map(|p| p.claim).sum(),
        payment_total: periods.iter().map(|p| p.payment).sum(),
        periods,
        segments,
        reservation_total: reservation.iter().map(|p| p.amount).sum(),
        reservation,
    }
}

/// Enough room for the periods of a full term (a partial first month adds one); only a
/// capacity hint, so the vectors rarely grow.
fn period_count_hint(rules: &SubsidyRules) -> usize {
    let months = rules.term_months as usize;
    match rules.claim_period {
        ClaimPeriod::Month => months + 1,
        ClaimPeriod::Quarter => months / 3 + 2,
        ClaimPeriod::Term => 1,
    }
}

fn same_inputs(a: &Segment, b: &Segment) -> bool {
    (
        a.balance,
        a.base,
        a.loan_rate,
        a.effective_rate,
        a.year_days,
        a.arrears,
    ) == (
        b.balance,
        b.base,
        b.loan_rate,
        b.effective_rate,
        b.year_days,
        b.arrears,
    )
}

/// The budget reservation for a loan as executed (RULES.md 6.4): `min(principal, cap)`
/// outstanding every day of the term, clipped at maturity, at the programme rate, with no
/// events, whatever the base and the loan rate; each period truncated to whole won.
pub fn reservation(
    rules: &SubsidyRules,
    grade: Option<KiboGrade>,
    loan: &Loan,
) -> Vec<ReservedPeriod> {
    let base = loan.principal().min(rules.cap_for(grade));
    let stop = add_months(loan.executed_on(), rules.term_months).min(loan.maturity_on());
    let mut periods = Vec::with_capacity(period_count_hint(rules));
    let mut start = loan.executed_on();
    while start < stop {
        let end = period_end(rules.claim_period, start, stop);
        let weighted = rules.day_count.weighted_days(start, end);
        periods.push(ReservedPeriod {
            from: start,
            to: day_before(end),
            amount: Exact::accrual(base, rules.rate_pct.units(), weighted).truncate(),
        });
        start = end;
    }
    periods
}
/// How a case's subsidy ends, kept once its lines are made: its stop day, why, whether it was
/// forfeited, and which periods pay (RULES.md 6.3), not each period's working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    pub stop_on: Date,
    pub end_reason: EndReason,
    pub forfeited: bool,
    /// The starts of the periods with a payment.
    pub paying: Vec<Date>,
}

impl Ending {
    pub fn of(s: &Subsidy) -> Ending {
        Ending {
            stop_on: s.stop_on,
            end_reason: s.end_reason,
            forfeited: s.forfeited_on.is_some(),
            paying: s
                .periods
                .iter()
                .filter(|p| p.payment != Won::ZERO)
                .map(|p| p.from)
                .collect(),
        }
    }

    /// The "case finished" rule, the one place it is said: the subsidy is over (its stop day
    /// reached by `by`, or forfeited) and every period with a payment is `settled` (has a line
    /// in an approved batch; RULES.md 6.4 "at the end").
    pub fn is_finished(&self, by: Date, settled: impl Fn(Date) -> bool) -> bool {
        (self.forfeited || self.stop_on <= by) && self.paying.iter().all(|from| settled(*from))
    }
}
