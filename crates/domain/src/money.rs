//! Won: an integer number of Korean won (RULES.md 2). Won has no minor unit, so money is an
//! `i64` and never a float. Arithmetic is checked; the only rounding is the named truncation
//! of exact fractions in [`crate::ratio`], always towards zero.

use std::fmt;

/// The largest principal (or any single amount) the system accepts: 100 trillion won. It keeps
/// every exact intermediate (amount x rate units x days x 366) far inside `i128`.
pub const MAX_AMOUNT_WON: i64 = 100_000_000_000_000;

/// An amount of money in whole won. Negative values appear only as differences (clawbacks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Won(i64);

/// Sums and differences of amounts bounded by [`MAX_AMOUNT_WON`] per loan stay far inside
/// `i64`; overflowing one is a broken invariant, not an input error.
impl std::ops::Add for Won {
    type Output = Won;
    fn add(self, other: Won) -> Won {
        self.checked_add(other)
            .expect("invariant: won sums fit in i64")
    }
}

impl std::ops::Sub for Won {
    type Output = Won;
    fn sub(self, other: Won) -> Won {
        self.checked_sub(other)
            .expect("invariant: won differences fit in i64")
    }
}

impl std::ops::AddAssign for Won {
    fn add_assign(&mut self, other: Won) {
        *self = *self + other;
    }
}

impl std::ops::SubAssign for Won {
    fn sub_assign(&mut self, other: Won) {
        *self = *self - other;
    }
}

impl std::ops::Neg for Won {
    type Output = Won;
    fn neg(self) -> Won {
        Won::ZERO - self
    }
}

impl Won {
    pub const ZERO: Won = Won(0);

    pub const fn new(won: i64) -> Won {
        Won(won)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    /// Parses a whole, positive amount no larger than [`MAX_AMOUNT_WON`].
    pub fn positive(won: i64) -> Result<Won, AmountError> {
        if won <= 0 {
            Err(AmountError::NotPositive)
        } else if won > MAX_AMOUNT_WON {
            Err(AmountError::TooLarge)
        } else {
            Ok(Won(won))
        }
    }

    pub fn checked_add(self, other: Won) -> Option<Won> {
        self.0.checked_add(other.0).map(Won)
    }

    pub fn checked_sub(self, other: Won) -> Option<Won> {
        self.0.checked_sub(other.0).map(Won)
    }

    /// Truncates towards zero to a multiple of `unit` (RULES.md 6.2, `subsidy.payment_unit_won`).
    pub fn truncate_to_unit(self, unit: Won) -> Won {
        assert!(unit.0 > 0, "invariant: a payment unit is at least 1 won");
        Won(self.0 - self.0 % unit.0)
    }

    /// Formats with thousands separators: `8,147,941`, `-1,000`.
    pub fn grouped(self) -> String {
        let digits = self.0.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if self.0 < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }
}

impl fmt::Display for Won {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::iter::Sum for Won {
    fn sum<I: Iterator<Item = Won>>(iter: I) -> Won {
        iter.fold(Won::ZERO, |a, b| {
            a.checked_add(b)
                .expect("invariant: sums of bounded amounts fit in i64")
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("must be a positive integer")]
    NotPositive,
    #[error("must be zero or a positive integer")]
    Negative,
    #[error("must be at most 100,000,000,000,000 won")]
    TooLarge,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_inserts_separators_every_three_digits() {
        for (won, text) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (8_147_941, "8,147,941"),
            (-1_000, "-1,000"),
            (100_000_000_000, "100,000,000,000"),
        ] {
            assert_eq!(Won::new(won).grouped(), text);
        }
    }

    #[test]
    fn truncation_to_a_unit_drops_the_remainder() {
        assert_eq!(
            Won::new(937_899).truncate_to_unit(Won::new(10)),
            Won::new(937_890)
        );
        assert_eq!(
            Won::new(937_899).truncate_to_unit(Won::new(1)),
            Won::new(937_899)
        );
    }
}
