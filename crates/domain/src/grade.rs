//! KIBO technology ratings (KTRS, RULES.md 7): AAA down to D. D is not eligible; "A or above"
//! (AAA, AA, A) earns the higher per-firm limit and subsidy cap.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KiboGrade {
    Aaa,
    Aa,
    A,
    Bbb,
    Bb,
    B,
    Ccc,
    Cc,
    C,
    D,
}

impl KiboGrade {
    pub const ALL: [KiboGrade; 10] = [
        KiboGrade::Aaa,
        KiboGrade::Aa,
        KiboGrade::A,
        KiboGrade::Bbb,
        KiboGrade::Bb,
        KiboGrade::B,
        KiboGrade::Ccc,
        KiboGrade::Cc,
        KiboGrade::C,
        KiboGrade::D,
    ];

    /// Parses a grade written exactly as KIBO writes it (upper case).
    pub fn parse(text: &str) -> Result<KiboGrade, GradeError> {
        let grade = KiboGrade::ALL
            .into_iter()
            .find(|g| g.as_str() == text)
            .ok_or(GradeError::Unknown)?;
        if grade == KiboGrade::D {
            return Err(GradeError::Ineligible);
        }
        Ok(grade)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KiboGrade::Aaa => "AAA",
            KiboGrade::Aa => "AA",
            KiboGrade::A => "A",
            KiboGrade::Bbb => "BBB",
            KiboGrade::Bb => "BB",
            KiboGrade::B => "B",
            KiboGrade::Ccc => "CCC",
            KiboGrade::Cc => "CC",
            KiboGrade::C => "C",
            KiboGrade::D => "D",
        }
    }

    pub fn is_a_or_above(self) -> bool {
        self <= KiboGrade::A
    }
}

impl fmt::Display for KiboGrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GradeError {
    #[error("must be one of AAA, AA, A, BBB, BB, B, CCC, CC, C (upper case)")]
    Unknown,
    #[error("grade D is not eligible")]
    Ineligible,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_parse_exactly_and_d_is_refused() {
        assert_eq!(KiboGrade::parse("BBB"), Ok(KiboGrade::Bbb));
        assert_eq!(KiboGrade::parse("bbb"), Err(GradeError::Unknown));
        assert_eq!(KiboGrade::parse("A+"), Err(GradeError::Unknown));
        assert_eq!(KiboGrade::parse("D"), Err(GradeError::Ineligible));
        let top: Vec<_> = KiboGrade::ALL
            .into_iter()
            .filter(|g| g.is_a_or_above())
            .collect();
        assert_eq!(top, [KiboGrade::Aaa, KiboGrade::Aa, KiboGrade::A]);
    }
}
