//! A quote (QUOTE.md): the guarantee and the subsidy of one loan under resolved rules. The
//! same computation serves settlement and budget reservation; this module only combines them
//! and notes what a reader should know (warnings).

use crate::date::Date;
use crate::grade::KiboGrade;
use crate::guarantee::{self, GuaranteeSchedule, GuaranteeTerms};
use crate::loan::{History, Loan};
use crate::money::Won;
use crate::rules::{Rules, SubsidyBase};
use crate::subsidy::{self, Subsidy};

/// Everything a quote needs, already checked.
#[derive(Debug, Clone)]
pub struct QuoteInput {
    pub rules: Rules,
    pub grade: Option<KiboGrade>,
    pub loan: Loan,
    pub guarantee: GuaranteeTerms,
    pub history: History,
}

/// Notes that do not stop a quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warning {
    /// The principal (or its guaranteed part, under that base) is above the subsidy cap, so
    /// only the cap earns subsidy.
    PrincipalAboveCap { cap: Won },
    /// An `ineligible` event forfeits the whole subsidy.
    Forfeited { on: Date },
    /// The programme pays no interest subsidy (rate 0).
    NoSubsidy,
}

#[derive(Debug, Clone)]
pub struct Quote {
    pub guarantee: GuaranteeSchedule,
    pub subsidy: Subsidy,
    pub warnings: Vec<Warning>,
}

pub fn quote(input: &QuoteInput) -> Quote {
    let guarantee = guarantee::schedule(
        &input.rules.guarantee,
        &input.loan,
        &input.guarantee,
        &input.history,
    );
    let subsidy = subsidy::subsidy(
        &input.rules.subsidy,
        input.grade,
        &input.loan,
        input.guarantee.coverage(),
        &input.history,
    );
    let mut warnings = Vec::new();
    let cap = input.rules.subsidy.cap_for(input.grade);
    if input.rules.subsidy.rate_pct.units() == 0 {
        warnings.push(Warning::NoSubsidy);
    } else if subsidy_base_at_execution(input) > cap {
        warnings.push(Warning::PrincipalAboveCap { cap });
    }
    if let Some(on) = subsidy.forfeited_on {
        warnings.push(Warning::Forfeited { on });
    }
    Quote {
        guarantee,
        subsidy,
        warnings,
    }
}

/// What would earn subsidy on the execution day without the cap: the principal, or its
/// guaranteed part under `subsidy.base = guaranteed`.
fn subsidy_base_at_execution(input: &QuoteInput) -> Won {
    match input.rules.subsidy.base {
        SubsidyBase::Loan => input.loan.principal(),
        SubsidyBase::Guaranteed => {
            guarantee::share(input.loan.principal(), input.guarantee.coverage())
        }
    }
}

impl Quote {
    /// A 64-bit FNV-1a digest of the figures a quote reports: guaranteed amount, every fee
    /// year, the refund, the subsidy's span and reason, every period's dates, days, claim and
    /// payment, the totals and the reservation. Dates enter as `YYYYMMDD`, percentages as
    /// ten-thousandths, money as won, words as their bytes. Used to compare outputs in bulk
    /// (`jumpup bench quote`) with the JSON the command prints.
    pub fn digest(&self) -> u64 {
        let mut h = Fnv::new();
        let g = &self.guarantee;
        h.int(g.coverage.units().into());
        h.int(g.guaranteed.get());
        for y in &g.fees {
            h.int(y.year.into());
            h.date(y.from);
            h.date(y.to);
            h.int(y.days);
            h.int(y.base.get());
            h.int(y.rate.units().into());
            h.int(y.fee.get());
        }
        h.int(g.fee_total.get());
        h.int(g.refund_won().get());
        let s = &self.subsidy;
        h.date(s.from);
        h.int(s.to.map_or(0, date_number));
        h.bytes(s.end_reason.as_str().as_bytes());
        for p in &s.periods {
            h.date(p.from);
            h.date(p.to);
            h.int(p.days);
            h.int(p.claim.get());
            h.int(p.payment.get());
        }
        h.int(s.claim_total.get());
        h.int(s.payment_total.get());
        h.int(s.reservation_total.get());
        h.finish()
    }
}

/// `YYYYMMDD` as a number.
pub fn date_number(day: Date) -> i64 {
    use chrono::Datelike;
    i64::from(day.year()) * 10_000 + i64::from(day.month()) * 100 + i64::from(day.day())
}

/// FNV-1a, 64 bits: a small, stable, dependency-free digest for comparing figures.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv::new()
    }
}

impl Fnv {
    pub fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    pub fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // A separator, so that adjacent fields cannot run into each other.
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
    }

    pub fn int(&mut self, n: i64) {
        self.bytes(&n.to_le_bytes());
    }

    pub fn date(&mut self, day: Date) {
        self.int(date_number(day));
    }

    pub fn finish(self) -> u64 {
        self.0
    }
}
