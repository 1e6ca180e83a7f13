//! Settlement lines (FILES.md `payments`): what a claim, or a period already paid, is worth
//! now, from the engine's recomputation of the loan's whole history.
//!
//! `payable = min(claimed, computed) - paid_before`; a negative payable is a clawback (환수).
//! Where several statuses apply, the first of: rejected, clawback, adjustment, reduced,
//! under_claimed, match.

use std::fmt;

use crate::date::Date;
use crate::money::Won;
use crate::subsidy::{Period, Subsidy};

/// Where a settlement batch stands: prepared by the Technopark, then approved or rejected by
/// the City (RULES.md 6.4). Stored and exchanged as its lower-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BatchState {
    Prepared,
    Approved,
    Rejected,
}

impl BatchState {
    pub const ALL: [BatchState; 3] = [
        BatchState::Prepared,
        BatchState::Approved,
        BatchState::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BatchState::Prepared => "prepared",
            BatchState::Approved => "approved",
            BatchState::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<BatchState> {
        BatchState::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl std::fmt::Display for BatchState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A line's status, in FILES.md's order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Rejected,
    Clawback,
    Adjustment,
    Reduced,
    UnderClaimed,
    Match,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Rejected,
        Status::Clawback,
        Status::Adjustment,
        Status::Reduced,
        Status::UnderClaimed,
        Status::Match,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Rejected => "rejected",
            Status::Clawback => "clawback",
            Status::Adjustment => "adjustment",
            Status::Reduced => "reduced",
            Status::UnderClaimed => "under_claimed",
            Status::Match => "match",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a line is rejected, reduced or clawed back, in words (FILES.md `reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// No loan of the claiming bank has this number.
    UnknownLoan,
    /// The period starts before the execution or on or after the stop day.
    OutsideSpan { from: Date, stop_on: Date },
    /// Within the span, but no claim period starts on this day.
    NotAPeriod,
    /// The period starting on this day ends on another day.
    PeriodEndsOn { to: Date },
    /// The bank asked for more than the rules give.
    ClaimedAbove { computed: Won },
    /// The loan's subsidy is forfeited (`ineligible`): everything paid is clawed back.
    Forfeited { on: Date },
    /// The period no longer exists: the subsidy now stops before it.
    NoLongerAPeriod { stop_on: Date },
    /// The loan's events changed and the period now gives less than was paid.
    Recomputed { computed: Won },
    /// A revised claim asks for less than was paid.
    RevisedBelowPaid { claimed: Won },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::UnknownLoan => f.write_str("no loan of this bank has this number"),
            Reason::OutsideSpan { from, stop_on } => write!(
                f,
                "outside the subsidy span ({from} to the day before {stop_on})"
            ),
            Reason::NotAPeriod => f.write_str("no claim period of the loan starts on this day"),
            Reason::PeriodEndsOn { to } => {
                write!(f, "the claim period starting on this day ends on {to}")
            }
            Reason::ClaimedAbove { computed } => {
                write!(
                    f,
                    "claimed more than the rules give ({})",
                    computed.grouped()
                )
            }
            Reason::Forfeited { on } => {
                write!(f, "subsidy forfeited: ineligible from {on}")
            }
            Reason::NoLongerAPeriod { stop_on } => {
                write!(f, "the subsidy now stops on {stop_on}, before this period")
            }
            Reason::Recomputed { computed } => write!(
                f,
                "recomputed from the loan's events: {}",
                computed.grouped()
            ),
            Reason::RevisedBelowPaid { claimed } => {
                write!(
                    f,
                    "revised claim {} is below what was paid",
                    claimed.grouped()
                )
            }
        }
    }
}

/// One settlement line's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The period's last day as computed now, if it is still one of the loan's periods.
    pub period_to: Option<Date>,
    pub claimed: Won,
    pub computed: Won,
    pub paid_before: Won,
    pub payable: Won,
    pub status: Status,
    pub reason: Option<Reason>,
}

fn period_from(subsidy: &Subsidy, from: Date) -> Option<&Period> {
    subsidy
        .periods
        .binary_search_by_key(&from, |p| p.from)
        .ok()
        .map(|i| &subsidy.periods[i])
}

/// The line for a bank's (latest) claim on the period `from`..=`to`, given what earlier
/// batches paid for it. `subsidy` is `None` when no loan of the bank has the claim's number.
/// A claim that is not one of the loan's periods is rejected, unless the period starting on
/// its day was paid before: then the line settles that period as it now stands.
pub fn claim_line(
    claimed: Won,
    from: Date,
    to: Date,
    subsidy: Option<&Subsidy>,
    paid_before: Won,
) -> Line {
    let rejected = |reason| Line {
        period_to: None,
        claimed,
        computed: Won::ZERO,
        paid_before,
        payable: Won::ZERO,
        status: Status::Rejected,
        reason: Some(reason),
    };
    let Some(subsidy) = subsidy else {
        return rejected(Reason::UnknownLoan);
    };
    let Some(period) = period_from(subsidy, from) else {
        if paid_before > Won::ZERO {
            // A paid period the subsidy no longer reaches: all of it comes back.
            return figures(claimed, Won::ZERO, paid_before, None, subsidy, false);
        }
        return rejected(if from < subsidy.from || from >= subsidy.stop_on {
            Reason::OutsideSpan {
                from: subsidy.from,
                stop_on: subsidy.stop_on,
            }
        } else {
            Reason::NotAPeriod
        });
    };
    if period.to != to && paid_before == Won::ZERO {
        return rejected(Reason::PeriodEndsOn { to: period.to });
    }
    figures(
        claimed,
        period.payment,
        paid_before,
        Some(period.to),
        subsidy,
        true,
    )
}

/// A period already paid, recomputed after the loan's events changed: a clawback or an
/// adjustment line when it is now worth less or more than was paid, otherwise none.
/// `claimed` is the claim that was paid.
pub fn recheck_line(claimed: Won, from: Date, subsidy: &Subsidy, paid_before: Won) -> Option<Line> {
    let period = period_from(subsidy, from);
    let computed = period.map_or(Won::ZERO, |p| p.payment);
    let line = figures(
        claimed,
        computed,
        paid_before,
        period.map(|p| p.to),
        subsidy,
        false,
    );
    (line.payable != Won::ZERO).then_some(line)
}

fn figures(
    claimed: Won,
    computed: Won,
    paid_before: Won,
    period_to: Option<Date>,
    subsidy: &Subsidy,
    new_claim: bool,
) -> Line {
    let payable = claimed.min(computed) - paid_before;
    let (status, reason) = if payable < Won::ZERO {
        let reason = if let Some(on) = subsidy.forfeited_on {
            Reason::Forfeited { on }
        } else if period_to.is_none() {
            Reason::NoLongerAPeriod {
                stop_on: subsidy.stop_on,
            }
        } else if new_claim && claimed < computed {
            Reason::RevisedBelowPaid { claimed }
        } else {
            Reason::Recomputed { computed }
        };
        (Status::Clawback, Some(reason))
    } else if payable > Won::ZERO && (paid_before > Won::ZERO || !new_claim) {
        (Status::Adjustment, None)
    } else if claimed > computed {
        (Status::Reduced, Some(Reason::ClaimedAbove { computed }))
    } else if claimed < computed {
        (Status::UnderClaimed, None)
    } else {
        (Status::Match, None)
    };
    Line {
        period_to,
        claimed,
        computed,
        paid_before,
        payable,
        status,
        reason,
    }
}

/// How a bank's clawbacks are recovered from its payments (RULES.md 6.4): against each bank's
/// positive payments in a batch, up to what it owes. Returns what is recovered.
pub fn recovery(payments: Won, receivable: Won) -> Won {
    payments.min(receivable).max(Won::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::parse_date;
    use crate::loan::EndReason;
    use crate::ratio::Exact;
    use crate::subsidy::{ReservedPeriod, Subsidy};

    fn d(s: &str) -> Date {
        parse_date(s).expect("a test date")
    }

    fn subsidy(periods: &[(&str, &str, i64)], stop_on: &str, forfeited: Option<&str>) -> Subsidy {
        Subsidy {
            from: d(periods[0].0),
            to: None,
            stop_on: d(stop_on),
            end_reason: EndReason::Term,
            forfeited_on: forfeited.map(d),
            payment_unit: Won::new(1),
            periods: periods
                .iter()
                .map(|(from, to, pay)| Period {
                    from: d(from),
                    to: d(to),
                    days: 0,
                    accrued: Exact::ZERO,
                    claim: Won::new(*pay),
                    payment: Won::new(*pay),
                    segments: 0..0,
                })
                .collect(),
            segments: Vec::new(),
            claim_total: Won::ZERO,
            payment_total: Won::ZERO,
            reservation: Vec::<ReservedPeriod>::new(),
            reservation_total: Won::ZERO,
        }
    }

    #[test]
    fn a_claim_is_matched_reduced_under_claimed_adjusted_clawed_back_or_rejected() {
        let s = subsidy(
            &[
                ("2025-10-26", "2025-10-31", 300),
                ("2025-11-01", "2025-11-30", 1000),
            ],
            "2025-12-01",
            None,
        );
        let w = Won::new;
        let nov = d("2025-11-01");
        let line = |claimed, from, paid| {
            let to = if from == nov { d("2025-11-30") } else { from };
            claim_line(w(claimed), from, to, Some(&s), w(paid))
        };
        let m = line(1000, nov, 0);
        assert_eq!(
            (m.status, m.payable, m.reason),
            (Status::Match, w(1000), None)
        );
        let r = line(1200, nov, 0);
        assert_eq!((r.status, r.payable), (Status::Reduced, w(1000)));
        assert_eq!(r.reason, Some(Reason::ClaimedAbove { computed: w(1000) }));
        let u = line(900, nov, 0);
        assert_eq!((u.status, u.payable), (Status::UnderClaimed, w(900)));
        // A revision adding to an earlier payment comes before `reduced`.
        let a = line(1200, nov, 900);
        assert_eq!((a.status, a.payable), (Status::Adjustment, w(100)));
        let c = line(800, nov, 1000);
        assert_eq!((c.status, c.payable), (Status::Clawback, w(-200)));
        assert_eq!(c.reason, Some(Reason::RevisedBelowPaid { claimed: w(800) }));
        let same = line(1000, nov, 1000);
        assert_eq!((same.status, same.payable), (Status::Match, w(0)));
        let not_a_period = line(5, d("2025-11-10"), 0);
        assert_eq!(not_a_period.status, Status::Rejected);
        assert_eq!(not_a_period.reason, Some(Reason::NotAPeriod));
        let outside = line(5, d("2025-12-01"), 0);
        assert_eq!(outside.status, Status::Rejected);
        assert!(matches!(outside.reason, Some(Reason::OutsideSpan { .. })));
        let unknown = claim_line(w(5), nov, d("2025-11-30"), None, w(0));
        let long = claim_line(w(5), nov, d("2025-12-31"), Some(&s), w(0));
        assert_eq!(long.status, Status::Rejected);
        assert_eq!(
            long.reason,
            Some(Reason::PeriodEndsOn {
                to: d("2025-11-30")
            })
        );
        assert_eq!((unknown.status, unknown.payable), (Status::Rejected, w(0)));
        // A paid period that no longer exists is clawed back whole, not rejected.
        let gone = line(700, d("2025-12-01"), 700);
        assert_eq!((gone.status, gone.payable), (Status::Clawback, w(-700)));
    }

    #[test]
    fn a_recheck_yields_a_line_only_when_the_period_is_now_worth_another_amount() {
        let w = Won::new;
        let s = subsidy(&[("2025-11-01", "2025-11-10", 400)], "2025-11-11", None);
        let cut = recheck_line(w(1000), d("2025-11-01"), &s, w(1000)).expect("a line");
        assert_eq!((cut.status, cut.payable), (Status::Clawback, w(-600)));
        assert_eq!(cut.period_to, Some(d("2025-11-10")));
        assert_eq!(recheck_line(w(400), d("2025-11-01"), &s, w(400)), None);
        let up = recheck_line(w(1000), d("2025-11-01"), &s, w(300)).expect("a line");
        assert_eq!((up.status, up.payable), (Status::Adjustment, w(100)));
        // A period clawed back to nothing and now owed again is an adjustment too.
        let again = recheck_line(w(400), d("2025-11-01"), &s, w(0)).expect("a line");
        assert_eq!((again.status, again.payable), (Status::Adjustment, w(400)));
        let forfeited = subsidy(
            &[("2025-11-01", "2025-11-30", 0)],
            "2025-12-01",
            Some("2026-03-01"),
        );
        let all = recheck_line(w(1000), d("2025-11-01"), &forfeited, w(1000)).expect("a line");
        assert_eq!(all.payable, w(-1000));
        assert_eq!(
            all.reason,
            Some(Reason::Forfeited {
                on: d("2026-03-01")
            })
        );
    }

    #[test]
    fn recovery_takes_at_most_what_the_bank_is_paid_and_what_it_owes() {
        let w = Won::new;
        assert_eq!(recovery(w(1000), w(300)), w(300));
        assert_eq!(recovery(w(200), w(300)), w(200));
        assert_eq!(recovery(w(0), w(300)), w(0));
        assert_eq!(recovery(w(-50), w(300)), w(0));
    }
}
