//! Exact decimal percentages (RULES.md 2): `"4.5"`, `"0.3"`, up to 4 decimal places, held as an
//! integer count of ten-thousandths of a percent. No float ever holds a rate.

use std::fmt;

/// Units per one percent: a `Pct` of 1% holds 10,000.
pub const UNITS_PER_PCT: u32 = 10_000;
/// Units per whole (100%): `amount x units / UNITS_PER_WHOLE` is `amount x pct / 100`.
pub const UNITS_PER_WHOLE: i128 = 1_000_000;

/// A non-negative percentage of at most 100, exact to 4 decimal places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pct(u32);

impl Pct {
    pub const ZERO: Pct = Pct(0);
    pub const HUNDRED: Pct = Pct(100 * UNITS_PER_PCT);

    /// Ten-thousandths of a percent.
    pub const fn units(self) -> u32 {
        self.0
    }

    /// Builds from ten-thousandths of a percent; `None` above 100%.
    pub const fn from_units(units: u32) -> Option<Pct> {
        if units > 100 * UNITS_PER_PCT {
            None
        } else {
            Some(Pct(units))
        }
    }

    /// Parses QUOTE.md's format: ASCII digits, optionally a point and 1 to 4 digits; at most 100.
    pub fn parse(text: &str) -> Result<Pct, PctError> {
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (text, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) {
            return Err(PctError::Malformed);
        }
        let frac = match frac {
            None => "",
            Some(f) if digits(f) && f.len() <= 4 => f,
            Some(_) => return Err(PctError::Malformed),
        };
        // Leading zeros are allowed ("05"); anything longer than "100" with a non-zero digit is
        // out of range, so strip zeros before bounding the length.
        let whole = whole.trim_start_matches('0');
        if whole.len() > 3 {
            return Err(PctError::AboveHundred);
        }
        let whole: u32 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| PctError::Malformed)?
        };
        let mut frac_units: u32 = 0;
        for (i, b) in frac.bytes().enumerate() {
            frac_units += u32::from(b - b'0') * 10u32.pow(3 - i as u32);
        }
        Pct::from_units(whole * UNITS_PER_PCT + frac_units).ok_or(PctError::AboveHundred)
    }

    pub fn saturating_sub(self, other: Pct) -> Pct {
        Pct(self.0.saturating_sub(other.0))
    }
}

impl fmt::Display for Pct {
    /// The shortest exact form: `4.5`, `0.9`, `95`, `1.05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / UNITS_PER_PCT;
        let mut frac = self.0 % UNITS_PER_PCT;
        if frac == 0 {
            return write!(f, "{whole}");
        }
        let mut width = 4;
        while frac.is_multiple_of(10) {
            frac /= 10;
            width -= 1;
        }
        write!(f, "{whole}.{frac:0width$}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PctError {
    #[error("must be a percentage string of digits with up to 4 decimals, such as \"4.5\"")]
    Malformed,
    #[error("must be at most 100")]
    AboveHundred,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, expected: Result<u32, PctError>) {
        assert_eq!(Pct::parse(text).map(Pct::units), expected, "{text:?}");
    }

    #[test]
    fn parses_the_formats_quote_md_allows_and_refuses_the_rest() {
        check("4.5", Ok(45_000));
        check("0.3", Ok(3_000));
        check("05", Ok(50_000));
        check("1.0525", Ok(10_525));
        check("100", Ok(1_000_000));
        check("100.0000", Ok(1_000_000));
        check("0000000000000000000001", Ok(10_000));
        check("100.0001", Err(PctError::AboveHundred));
        check("1000", Err(PctError::AboveHundred));
        for bad in [
            "", "4.", ".5", "+4.5", "1e2", "4.55555", "-1", " 4.5", "4,5", "٤",
        ] {
            check(bad, Err(PctError::Malformed));
        }
    }

    #[test]
    fn displays_the_shortest_exact_form() {
        for (text, shown) in [
            ("0.9", "0.9"),
            ("0.90", "0.9"),
            ("95", "95"),
            ("1.05", "1.05"),
            ("0.0001", "0.0001"),
            ("0", "0"),
        ] {
            assert_eq!(
                Pct::parse(text).map(|p| p.to_string()),
                Ok(shown.to_string())
            );
        }
    }
}
