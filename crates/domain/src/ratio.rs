//! Exact sums of daily accruals (RULES.md 2 and 6.2). An amount of won is held as an integer
//! numerator over one fixed denominator, `1,000,000 x 365 x 366`: rates are in millionths of a
//! whole and days are weighted by `365 x 366 / year_days`, so every accrual of every convention
//! is an integer over it. Nothing is rounded until [`Exact::truncate`].

use std::fmt::Write;

use crate::date::DAY_DENOMINATOR;
use crate::money::Won;
use crate::pct::UNITS_PER_WHOLE;

/// The fixed denominator of every [`Exact`] amount.
pub const DENOMINATOR: i128 = UNITS_PER_WHOLE * DAY_DENOMINATOR as i128;

/// An exact, non-negative amount of won: `numerator / DENOMINATOR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Exact(i128);

impl Exact {
    pub const ZERO: Exact = Exact(0);

    /// `amount x rate_units x weighted_days / DENOMINATOR`, where `rate_units` are millionths
    /// of a whole (a [`crate::Pct`]'s units) and `weighted_days` come from
    /// [`crate::DayCount::weighted_days`].
    pub fn accrual(amount: Won, rate_units: u32, weighted_days: i64) -> Exact {
        Exact(i128::from(amount.get()) * i128::from(rate_units) * i128::from(weighted_days))
    }

    pub fn numerator(self) -> i128 {
        self.0
    }

    /// Truncated to whole won, towards zero: the only rounding of an accrual.
    pub fn truncate(self) -> Won {
        let won = self.0 / DENOMINATOR;
        Won::new(
            i64::try_from(won).expect("invariant: bounded amounts x rates x days fit in i64 won"),
        )
    }

    /// The fraction in lowest terms, `(numerator, denominator)`.
    pub fn reduced(self) -> (i128, i128) {
        let g = gcd(self.0, DENOMINATOR);
        (self.0 / g, DENOMINATOR / g)
    }

    /// The value as a decimal with at most `places` digits after the point, truncated; the
    /// flag says whether it is the exact value (then trailing zeros are dropped).
    pub fn decimal(self, places: usize) -> (String, bool) {
        let (n, d) = self.reduced();
        let mut text = (n / d).to_string();
        let mut rem = n % d;
        if places > 0 {
            text.push('.');
            for _ in 0..places {
                rem *= 10;
                let _ = write!(text, "{}", rem / d);
                rem %= d;
            }
        }
        if rem == 0 && places > 0 {
            let trimmed = text.trim_end_matches('0').trim_end_matches('.').len();
            text.truncate(trimmed);
        }
        (text, rem == 0)
    }
}

impl std::ops::Add for Exact {
    type Output = Exact;
    fn add(self, other: Exact) -> Exact {
        Exact(self.0 + other.0)
    }
}

impl std::ops::AddAssign for Exact {
    fn add_assign(&mut self, other: Exact) {
        self.0 += other.0;
    }
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_at_two_percent_truncates_once() {
        // 500,000,000 won at 2% for 30 days of a 365-day year: 821,917.808... won.
        let e = Exact::accrual(Won::new(500_000_000), 20_000, 30 * 366);
        assert_eq!(e.truncate(), Won::new(821_917));
        assert_eq!(e.reduced(), (60_000_000, 73));
        assert_eq!(e.decimal(4), ("821917.8082".to_string(), false));
        let whole = Exact::accrual(Won::new(675_250_000), 20_000, 366);
        assert_eq!(whole.decimal(2), ("37000".to_string(), true));
        assert_eq!(
            Exact::accrual(Won::new(5), 500_000, 365 * 366).decimal(4),
            ("2.5".to_string(), true)
        );
    }
}
