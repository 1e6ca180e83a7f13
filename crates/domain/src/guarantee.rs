//! The guarantee (RULES.md 5): the guaranteed amount, the fee for each guarantee year with the
//! discount years and the floor, and the refund of the unused fee on full repayment.

use crate::date::{Date, add_months, day_before, days_between};
use crate::loan::{History, Loan};
use crate::money::Won;
use crate::pct::{Pct, UNITS_PER_WHOLE};
use crate::ratio::Exact;
use crate::rules::GuaranteeRules;

/// What KIBO decided for this guarantee: the coverage ratio (within the programme's range) and
/// the base fee rate from its own rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuaranteeTerms {
    coverage: Pct,
    base_fee_rate: Pct,
}

impl GuaranteeTerms {
    /// Refuses a coverage outside `[coverage_pct_min, coverage_pct_max]`.
    pub fn new(
        coverage: Pct,
        base_fee_rate: Pct,
        rules: &GuaranteeRules,
    ) -> Result<GuaranteeTerms, CoverageOutOfRange> {
        Self::check_coverage(coverage, rules)?;
        Ok(GuaranteeTerms {
            coverage,
            base_fee_rate,
        })
    }

    /// Refuses a coverage outside `[coverage_pct_min, coverage_pct_max]` (RULES.md 5).
    pub fn check_coverage(coverage: Pct, rules: &GuaranteeRules) -> Result<(), CoverageOutOfRange> {
        if coverage < rules.coverage_pct_min || coverage > rules.coverage_pct_max {
            return Err(CoverageOutOfRange {
                min: rules.coverage_pct_min,
                max: rules.coverage_pct_max,
            });
        }
        Ok(())
    }

    pub fn coverage(&self) -> Pct {
        self.coverage
    }

    pub fn base_fee_rate(&self) -> Pct {
        self.base_fee_rate
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be between {min} and {max}")]
pub struct CoverageOutOfRange {
    pub min: Pct,
    pub max: Pct,
}

/// `floor(amount x pct / 100)`: the guaranteed part of an amount.
pub fn share(amount: Won, pct: Pct) -> Won {
    let part = i128::from(amount.get()) * i128::from(pct.units()) / UNITS_PER_WHOLE;
    Won::new(i64::try_from(part).expect("invariant: a share of an amount is at most the amount"))
}

/// One guarantee year's fee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeYear {
    /// 1 for the first year.
    pub year: u32,
    pub from: Date,
    /// The last day included.
    pub to: Date,
    pub days: i64,
    /// The guaranteed part of the balance at the start of the year.
    pub base: Won,
    pub rate: Pct,
    pub fee: Won,
}

/// The unused fee returned on full repayment inside a guarantee year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub year: u32,
    pub repaid_on: Date,
    /// Days of the year used, from its start up to, not including, the repayment day.
    pub used_days: i64,
    /// The fee formula over the used days, truncated.
    pub used: Won,
    pub refund: Won,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuaranteeSchedule {
    pub coverage: Pct,
    pub guaranteed: Won,
    pub fees: Vec<FeeYear>,
    /// The sum of the yearly fees, before any refund.
    pub fee_total: Won,
    pub refund: Option<Refund>,
}

impl GuaranteeSchedule {
    pub fn refund_won(&self) -> Won {
        self.refund.as_ref().map_or(Won::ZERO, |r| r.refund)
    }
}

/// The guarantee's amount, yearly fees and refund (RULES.md 5).
pub fn schedule(
    rules: &GuaranteeRules,
    loan: &Loan,
    terms: &GuaranteeTerms,
    history: &History,
) -> GuaranteeSchedule {
    let fee = |base: Won, rate: Pct, from: Date, to: Date| {
        Exact::accrual(
            base,
            rate.units(),
            rules.fee_day_count.weighted_days(from, to),
        )
        .truncate()
    };
    // No year that starts on or after full repayment or a default is listed or charged.
    let fee_stop = [history.fully_repaid_on(), history.first_default_on()]
        .into_iter()
        .flatten()
        .min();
    let mut fees = Vec::new();
    let mut start = loan.executed_on();
    let mut year = 1;
    while start < loan.maturity_on() && fee_stop.is_none_or(|stop| start < stop) {
        let end = add_months(loan.executed_on(), 12 * year).min(loan.maturity_on());
        let base = share(history.balance_on(loan.principal(), start), terms.coverage);
        let discounted = if year <= rules.fee_discount_years {
            terms.base_fee_rate.saturating_sub(rules.fee_discount_pct)
        } else {
            terms.base_fee_rate
        };
        let rate = discounted.max(rules.fee_floor_pct);
        fees.push(FeeYear {
            year,
            from: start,
            to: day_before(end),
            days: days_between(start, end),
            base,
            rate,
            fee: fee(base, rate, start, end),
        });
        start = end;
        year += 1;
    }
    // Full repayment on D inside a listed year, with no default on or before D, refunds the
    // fee for the days from D to the year's end.
    let refund = history.fully_repaid_on().and_then(|repaid_on| {
        if history.first_default_on().is_some_and(|d| d <= repaid_on) {
            return None;
        }
        let y = fees
            .iter()
            .find(|y| y.from < repaid_on && repaid_on <= y.to)?;
        let used = fee(y.base, y.rate, y.from, repaid_on);
        Some(Refund {
            year: y.year,
            repaid_on,
            used_days: days_between(y.from, repaid_on),
            used,
            refund: y
                .fee
                .checked_sub(used)
                .expect("invariant: the used part is at most the fee"),
        })
    });
    GuaranteeSchedule {
        coverage: terms.coverage,
        guaranteed: share(loan.principal(), terms.coverage),
        fee_total: fees.iter().map(|y| y.fee).sum(),
        fees,
        refund,
    }
}
