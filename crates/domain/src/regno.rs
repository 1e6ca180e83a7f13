//! Business (사업자등록번호) and corporate (법인등록번호) registration numbers with their check
//! digits (RULES.md 7). Both accept the hyphenated form and bare digits (FILES.md: spreadsheets
//! drop hyphens) and display hyphenated. Resident registration numbers have no type here: they
//! are never stored.

use std::fmt;

const BUSINESS_WEIGHTS: [u32; 9] = [1, 3, 7, 1, 3, 7, 1, 3, 5];

/// A business registration number `NNN-NN-NNNNN` whose check digit is right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BusinessNumber([u8; 10]);

impl BusinessNumber {
    /// The check digit for the first nine digits.
    pub fn check_digit(first9: &[u8; 9]) -> u8 {
        let mut sum: u32 = first9
            .iter()
            .zip(BUSINESS_WEIGHTS)
            .map(|(&d, w)| u32::from(d) * w)
            .sum();
        sum += u32::from(first9[8]) * 5 / 10;
        ((10 - sum % 10) % 10) as u8
    }

    pub fn parse(text: &str) -> Result<BusinessNumber, RegNoError> {
        let digits: [u8; 10] = digits_in_shape(text, &[3, 2, 5])?;
        let first9: [u8; 9] = digits[..9].try_into().expect("invariant: ten digits");
        if Self::check_digit(&first9) != digits[9] {
            return Err(RegNoError::CheckDigit);
        }
        Ok(BusinessNumber(digits))
    }

    /// Builds the valid number that starts with these nine digits.
    pub fn from_first9(first9: [u8; 9]) -> BusinessNumber {
        assert!(first9.iter().all(|&d| d < 10), "invariant: decimal digits");
        let mut digits = [0; 10];
        digits[..9].copy_from_slice(&first9);
        digits[9] = Self::check_digit(&first9);
        BusinessNumber(digits)
    }

    pub fn digits(&self) -> [u8; 10] {
        self.0
    }

    /// Digits 4-5 of 81, 86, 87 or 88 mark a corporation (법인사업자).
    pub fn is_corporation(&self) -> bool {
        matches!(self.0[3] * 10 + self.0[4], 81 | 86 | 87 | 88)
    }
}

impl fmt::Display for BusinessNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_grouped(f, &self.0, &[3, 2, 5])
    }
}

/// A corporate registration number `NNNNNN-NNNNNNN` whose check digit is right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CorporateNumber([u8; 13]);

impl CorporateNumber {
    /// The check digit for the first twelve digits: weights 1,2,1,2,... with products added as
    /// they are (no digit folding).
    pub fn check_digit(first12: &[u8; 12]) -> u8 {
        let sum: u32 = first12
            .iter()
            .enumerate()
            .map(|(i, &d)| u32::from(d) * if i % 2 == 0 { 1 } else { 2 })
            .sum();
        ((10 - sum % 10) % 10) as u8
    }

    pub fn parse(text: &str) -> Result<CorporateNumber, RegNoError> {
        let digits: [u8; 13] = digits_in_shape(text, &[6, 7])?;
        let first12: [u8; 12] = digits[..12].try_into().expect("invariant: thirteen digits");
        if Self::check_digit(&first12) != digits[12] {
            return Err(RegNoError::CheckDigit);
        }
        Ok(CorporateNumber(digits))
    }

    pub fn from_first12(first12: [u8; 12]) -> CorporateNumber {
        assert!(first12.iter().all(|&d| d < 10), "invariant: decimal digits");
        let mut digits = [0; 13];
        digits[..12].copy_from_slice(&first12);
        digits[12] = Self::check_digit(&first12);
        CorporateNumber(digits)
    }

    pub fn digits(&self) -> [u8; 13] {
        self.0
    }
}

impl fmt::Display for CorporateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_grouped(f, &self.0, &[6, 7])
    }
}

/// Reads `N` digits written either bare or hyphenated in exactly the given groups.
fn digits_in_shape<const N: usize>(text: &str, groups: &[usize]) -> Result<[u8; N], RegNoError> {
    let bare = text.bytes().all(|b| b.is_ascii_digit()) && text.len() == N;
    let hyphenated = {
        let parts: Vec<&str> = text.split('-').collect();
        parts.len() == groups.len()
            && parts
                .iter()
                .zip(groups)
                .all(|(p, &len)| p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
    };
    if !bare && !hyphenated {
        return Err(RegNoError::Malformed);
    }
    let mut out = [0u8; N];
    for (slot, b) in out.iter_mut().zip(text.bytes().filter(u8::is_ascii_digit)) {
        *slot = b - b'0';
    }
    Ok(out)
}

fn write_grouped(f: &mut fmt::Formatter<'_>, digits: &[u8], groups: &[usize]) -> fmt::Result {
    let mut at = 0;
    for (i, &len) in groups.iter().enumerate() {
        if i > 0 {
            f.write_str("-")?;
        }
        for d in &digits[at..at + len] {
            write!(f, "{d}")?;
        }
        at += len;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RegNoError {
    #[error("must be written as digits, optionally hyphenated like the official form")]
    Malformed,
    #[error("has a wrong check digit")]
    CheckDigit,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_examples_of_rules_md_are_valid() {
        let b = BusinessNumber::parse("124-81-00998").expect("valid");
        assert_eq!(b.to_string(), "124-81-00998");
        assert!(b.is_corporation());
        assert_eq!(BusinessNumber::parse("1248100998"), Ok(b));
        assert_eq!(
            BusinessNumber::parse("124-81-00997"),
            Err(RegNoError::CheckDigit)
        );
        assert_eq!(
            BusinessNumber::parse("12-481-00998"),
            Err(RegNoError::Malformed)
        );
        let c = CorporateNumber::parse("130111-0006246").expect("valid");
        assert_eq!(c.to_string(), "130111-0006246");
        assert_eq!(CorporateNumber::parse("1301110006246"), Ok(c));
        assert_eq!(
            CorporateNumber::parse("130111-0006245"),
            Err(RegNoError::CheckDigit)
        );
    }
}
