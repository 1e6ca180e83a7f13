//! The named rule parameters of a programme version (RULES.md 1, 5 and 6). Their names
//! (`subsidy.rate_pct`, ...) are part of the product's interface: programme files, a quote's
//! `rules` overrides and reports all use them, so every reader goes through [`Param`] and
//! [`Param::parse_value`], whatever the file format.

use crate::date::DayCount;
use crate::grade::KiboGrade;
use crate::money::{MAX_AMOUNT_WON, Won};
use crate::pct::{Pct, PctError};

/// What the subsidy accrues on (RULES.md 6, `subsidy.base`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubsidyBase {
    /// The outstanding principal.
    Loan,
    /// The guaranteed part of the outstanding principal.
    Guaranteed,
}

/// How the subsidy term is cut into claims (RULES.md 6, `subsidy.claim_period`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClaimPeriod {
    Month,
    Quarter,
    /// One claim for the whole term.
    Term,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuaranteeRules {
    pub coverage_pct_min: Pct,
    pub coverage_pct_max: Pct,
    pub fee_discount_pct: Pct,
    pub fee_discount_years: u32,
    pub fee_floor_pct: Pct,
    pub fee_day_count: DayCount,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubsidyRules {
    pub rate_pct: Pct,
    pub term_months: u32,
    pub min_borrower_rate_pct: Pct,
    pub base: SubsidyBase,
    pub cap_won: Won,
    pub cap_won_grade_a_or_above: Won,
    pub claim_period: ClaimPeriod,
    pub day_count: DayCount,
    pub payment_unit_won: Won,
}

impl SubsidyRules {
    /// The most balance that earns subsidy for a firm of this grade (no grade: the general cap).
    pub fn cap_for(&self, grade: Option<KiboGrade>) -> Won {
        match grade {
            Some(g) if g.is_a_or_above() => self.cap_won_grade_a_or_above,
            _ => self.cap_won,
        }
    }
}

/// The calculation rules of sections 5 and 6: what a quote may override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub guarantee: GuaranteeRules,
    pub subsidy: SubsidyRules,
}

/// The programme-level parameters of section 1: budgets, per-firm limits, deadlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramLimits {
    pub budget_subsidy_won: Won,
    pub budget_guarantee_supply_won: Won,
    pub per_firm_won: Won,
    pub per_firm_won_grade_a_or_above: Won,
    pub loan_deadline_days: u32,
}

/// Every parameter of one programme version, fully resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionParams {
    pub limits: ProgramLimits,
    pub rules: Rules,
}

/// The type of a parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A decimal percentage string of at most 100.
    Pct,
    /// An integer in a range (won, months, days, years).
    Int { min: i64, max: i64 },
    /// One of a few words.
    Word(&'static [&'static str]),
}

/// A raw value as a reader found it, before it is checked against a parameter's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raw<'a> {
    Str(&'a str),
    Int(i64),
    /// Any other type (a float, a boolean, a table, ...), named for the message.
    Other(&'static str),
}

/// A checked value of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    Pct(Pct),
    Int(i64),
    Word(&'static str),
}

macro_rules! params {
    ($($variant:ident => $name:literal, $kind:expr, $rule:literal, $meaning:literal;)*) => {
        /// A named rule parameter, in the order RULES.md lists them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Param { $($variant),* }

        impl Param {
            pub const ALL: &'static [Param] = &[$(Param::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Param::$variant => $name),* }
            }

            pub fn kind(self) -> Kind {
                match self { $(Param::$variant => $kind),* }
            }

            /// True for the calculation rules of sections 5 and 6, which a quote may
            /// override; false for the programme-level parameters of section 1.
            pub fn is_rule(self) -> bool {
                match self { $(Param::$variant => $rule),* }
            }

            /// What the parameter means, in one line of English.
            pub fn meaning(self) -> &'static str {
                match self { $(Param::$variant => $meaning),* }
            }
        }
    };
}

/// An integer parameter that QUOTE.md bounds only from below ("0 or more").
pub const NO_UPPER_BOUND: i64 = u32::MAX as i64;
const WON: Kind = Kind::Int {
    min: 0,
    max: MAX_AMOUNT_WON,
};
const DAY_COUNTS: Kind = Kind::Word(DayCount::WORDS);

params! {
    BudgetSubsidyWon => "budget.subsidy_won", WON, false,
        "the subsidy appropriation; reservations never exceed it plus top-ups";
    BudgetGuaranteeSupplyWon => "budget.guarantee_supply_won", WON, false,
        "KIBO's preferential guarantee volume for the programme";
    LimitPerFirmWon => "limit.per_firm_won", WON, false,
        "the most a firm may hold in open cases of the programme";
    LimitPerFirmWonGradeAOrAbove => "limit.per_firm_won_grade_a_or_above", WON, false,
        "the per-firm limit for KIBO grades AAA, AA, A";
    CaseLoanDeadlineDays => "case.loan_deadline_days", Kind::Int { min: 1, max: 3650 }, false,
        "an approved case with no loan executed within this many days expires";
    GuaranteeCoveragePctMin => "guarantee.coverage_pct_min", Kind::Pct, true,
        "the lowest allowed coverage ratio";
    GuaranteeCoveragePctMax => "guarantee.coverage_pct_max", Kind::Pct, true,
        "the highest allowed coverage ratio";
    GuaranteeFeeDiscountPct => "guarantee.fee_discount_pct", Kind::Pct, true,
        "cut from KIBO's base fee rate";
    GuaranteeFeeDiscountYears => "guarantee.fee_discount_years", Kind::Int { min: 0, max: NO_UPPER_BOUND }, true,
        "guarantee years that get the cut";
    GuaranteeFeeFloorPct => "guarantee.fee_floor_pct", Kind::Pct, true,
        "the fee rate never goes below this";
    GuaranteeFeeDayCount => "guarantee.fee_day_count", DAY_COUNTS, true,
        "how a fee year's days count as a fraction of a year";
    SubsidyRatePct => "subsidy.rate_pct", Kind::Pct, true,
        "the programme rate, percentage points per year";
    SubsidyTermMonths => "subsidy.term_months", Kind::Int { min: 1, max: 120 }, true,
        "subsidy term from the execution date";
    SubsidyMinBorrowerRatePct => "subsidy.min_borrower_rate_pct", Kind::Pct, true,
        "the firm always pays at least this rate";
    SubsidyBaseParam => "subsidy.base", Kind::Word(&["loan", "guaranteed"]), true,
        "loan: outstanding principal; guaranteed: its guaranteed part";
    SubsidyCapWon => "subsidy.cap_won", WON, true,
        "the subsidised balance never exceeds this";
    SubsidyCapWonGradeAOrAbove => "subsidy.cap_won_grade_a_or_above", WON, true,
        "the cap for KIBO grades AAA, AA, A";
    SubsidyClaimPeriod => "subsidy.claim_period", Kind::Word(&["month", "quarter", "term"]), true,
        "month, quarter (calendar), or term (one claim)";
    SubsidyDayCount => "subsidy.day_count", DAY_COUNTS, true,
        "how a subsidy day counts as a fraction of a year";
    SubsidyPaymentUnitWon => "subsidy.payment_unit_won", Kind::Int { min: 1, max: MAX_AMOUNT_WON }, true,
        "a payment is truncated to a multiple of this";
}

impl Param {
    pub fn from_name(name: &str) -> Option<Param> {
        Param::ALL.iter().copied().find(|p| p.name() == name)
    }

    /// Checks a raw value against this parameter's kind.
    pub fn parse_value(self, raw: Raw<'_>) -> Result<Value, ParamError> {
        match (self.kind(), raw) {
            (Kind::Pct, Raw::Str(s)) => Pct::parse(s).map(Value::Pct).map_err(ParamError::Pct),
            (Kind::Pct, _) => Err(ParamError::Pct(PctError::Malformed)),
            (Kind::Int { min, max }, Raw::Int(n)) if (min..=max).contains(&n) => Ok(Value::Int(n)),
            (Kind::Int { min, max }, _) => Err(ParamError::Int { min, max }),
            (Kind::Word(words), Raw::Str(s)) => words
                .iter()
                .find(|w| **w == s)
                .map(|w| Value::Word(w))
                .ok_or(ParamError::Word(words)),
            (Kind::Word(words), _) => Err(ParamError::Word(words)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("{0}")]
    Pct(PctError),
    #[error("{}", int_message(*.min, *.max))]
    Int { min: i64, max: i64 },
    #[error("must be one of: {}", .0.join(", "))]
    Word(&'static [&'static str]),
}

fn int_message(min: i64, max: i64) -> String {
    if max == NO_UPPER_BOUND {
        format!("must be an integer of {min} or more")
    } else {
        format!("must be an integer from {min} to {max}")
    }
}

/// A full or partial assignment of values to parameters, indexed by [`Param`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParamSet(Vec<Option<Value>>);

impl ParamSet {
    pub fn empty() -> ParamSet {
        ParamSet(vec![None; Param::ALL.len()])
    }

    pub fn get(&self, param: Param) -> Option<Value> {
        self.0[param as usize]
    }

    pub fn set(&mut self, param: Param, value: Value) {
        self.0[param as usize] = Some(value);
    }
}

/// Why a set of parameter values is not a usable version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamSetError {
    #[error("{}: is missing", .0.name())]
    Missing(Param),
    #[error("guarantee.coverage_pct_min: must not exceed guarantee.coverage_pct_max")]
    CoverageRange,
}

impl ParamSetError {
    /// The parameter the error names.
    pub fn param(&self) -> Param {
        match self {
            ParamSetError::Missing(p) => *p,
            ParamSetError::CoverageRange => Param::GuaranteeCoveragePctMin,
        }
    }

    /// The reason without the parameter's name.
    pub fn reason(&self) -> &'static str {
        match self {
            ParamSetError::Missing(_) => "is missing",
            ParamSetError::CoverageRange => "must not exceed guarantee.coverage_pct_max",
        }
    }
}

impl VersionParams {
    /// Builds a version from a complete set of values; a missing one or a coverage range whose
    /// minimum exceeds its maximum is an error.
    pub fn from_set(set: &ParamSet) -> Result<VersionParams, ParamSetError> {
        use Param as P;
        let value = |p: Param| set.get(p).ok_or(ParamSetError::Missing(p));
        let pct = |p: Param| match value(p)? {
            Value::Pct(x) => Ok(x),
            _ => unreachable!("invariant: {} holds a percentage", p.name()),
        };
        let int = |p: Param| match value(p)? {
            Value::Int(x) => Ok(x),
            _ => unreachable!("invariant: {} holds an integer", p.name()),
        };
        let word = |p: Param| match value(p)? {
            Value::Word(x) => Ok(x),
            _ => unreachable!("invariant: {} holds a word", p.name()),
        };
        let won = |p: Param| int(p).map(Won::new);
        // Integer kinds are range-checked on parsing, so these narrowings cannot fail.
        let small = |p: Param| int(p).map(|n| u32::try_from(n).expect("invariant: range-checked"));
        let day_count =
            |p: Param| word(p).map(|w| DayCount::parse(w).expect("invariant: a listed day count"));
        let params = VersionParams {
            limits: ProgramLimits {
                budget_subsidy_won: won(P::BudgetSubsidyWon)?,
                budget_guarantee_supply_won: won(P::BudgetGuaranteeSupplyWon)?,
                per_firm_won: won(P::LimitPerFirmWon)?,
                per_firm_won_grade_a_or_above: won(P::LimitPerFirmWonGradeAOrAbove)?,
                loan_deadline_days: small(P::CaseLoanDeadlineDays)?,
            },
            rules: Rules {
                guarantee: GuaranteeRules {
                    coverage_pct_min: pct(P::GuaranteeCoveragePctMin)?,
                    coverage_pct_max: pct(P::GuaranteeCoveragePctMax)?,
                    fee_discount_pct: pct(P::GuaranteeFeeDiscountPct)?,
                    fee_discount_years: small(P::GuaranteeFeeDiscountYears)?,
                    fee_floor_pct: pct(P::GuaranteeFeeFloorPct)?,
                    fee_day_count: day_count(P::GuaranteeFeeDayCount)?,
                },
                subsidy: SubsidyRules {
                    rate_pct: pct(P::SubsidyRatePct)?,
                    term_months: small(P::SubsidyTermMonths)?,
                    min_borrower_rate_pct: pct(P::SubsidyMinBorrowerRatePct)?,
                    base: match word(P::SubsidyBaseParam)? {
                        "guaranteed" => SubsidyBase::Guaranteed,
                        _ => SubsidyBase::Loan,
                    },
                    cap_won: won(P::SubsidyCapWon)?,
                    cap_won_grade_a_or_above: won(P::SubsidyCapWonGradeAOrAbove)?,
                    claim_period: match word(P::SubsidyClaimPeriod)? {
                        "quarter" => ClaimPeriod::Quarter,
                        "term" => ClaimPeriod::Term,
                        _ => ClaimPeriod::Month,
                    },
                    day_count: day_count(P::SubsidyDayCount)?,
                    payment_unit_won: won(P::SubsidyPaymentUnitWon)?,
                },
            },
        };
        let g = &params.rules.guarantee;
        if g.coverage_pct_min > g.coverage_pct_max {
            return Err(ParamSetError::CoverageRange);
        }
        Ok(params)
    }

    /// The value of one parameter.
    pub fn value(&self, param: Param) -> Value {
        use Param as P;
        let (l, g, s) = (&self.limits, &self.rules.guarantee, &self.rules.subsidy);
        let won = |w: Won| Value::Int(w.get());
        match param {
            P::BudgetSubsidyWon => won(l.budget_subsidy_won),
            P::BudgetGuaranteeSupplyWon => won(l.budget_guarantee_supply_won),
            P::LimitPerFirmWon => won(l.per_firm_won),
            P::LimitPerFirmWonGradeAOrAbove => won(l.per_firm_won_grade_a_or_above),
            P::CaseLoanDeadlineDays => Value::Int(i64::from(l.loan_deadline_days)),
            P::GuaranteeCoveragePctMin => Value::Pct(g.coverage_pct_min),
            P::GuaranteeCoveragePctMax => Value::Pct(g.coverage_pct_max),
            P::GuaranteeFeeDiscountPct => Value::Pct(g.fee_discount_pct),
            P::GuaranteeFeeDiscountYears => Value::Int(i64::from(g.fee_discount_years)),
            P::GuaranteeFeeFloorPct => Value::Pct(g.fee_floor_pct),
            P::GuaranteeFeeDayCount => Value::Word(g.fee_day_count.as_str()),
            P::SubsidyRatePct => Value::Pct(s.rate_pct),
            P::SubsidyTermMonths => Value::Int(i64::from(s.term_months)),
            P::SubsidyMinBorrowerRatePct => Value::Pct(s.min_borrower_rate_pct),
            P::SubsidyBaseParam => Value::Word(match s.base {
                SubsidyBase::Loan => "loan",
                SubsidyBase::Guaranteed => "guaranteed",
            }),
            P::SubsidyCapWon => won(s.cap_won),
            P::SubsidyCapWonGradeAOrAbove => won(s.cap_won_grade_a_or_above),
            P::SubsidyClaimPeriod => Value::Word(match s.claim_period {
                ClaimPeriod::Month => "month",
                ClaimPeriod::Quarter => "quarter",
                ClaimPeriod::Term => "term",
            }),
            P::SubsidyDayCount => Value::Word(s.day_count.as_str()),
            P::SubsidyPaymentUnitWon => won(s.payment_unit_won),
        }
    }

    /// All values, for overriding some and building again.
    pub fn to_set(&self) -> ParamSet {
        let mut set = ParamSet::empty();
        for &p in Param::ALL {
            set.set(p, self.value(p));
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips_and_names_are_unique() {
        for &p in Param::ALL {
            assert_eq!(Param::from_name(p.name()), Some(p));
        }
        assert_eq!(Param::from_name("subsidy.rate"), None);
    }

    #[test]
    fn values_are_checked_against_their_kind() {
        let p = Param::SubsidyTermMonths;
        assert_eq!(p.parse_value(Raw::Int(12)), Ok(Value::Int(12)));
        assert_eq!(
            p.parse_value(Raw::Int(121)),
            Err(ParamError::Int { min: 1, max: 120 })
        );
        assert_eq!(
            p.parse_value(Raw::Str("12")),
            Err(ParamError::Int { min: 1, max: 120 })
        );
        let r = Param::SubsidyRatePct;
        assert!(matches!(
            r.parse_value(Raw::Other("float")),
            Err(ParamError::Pct(PctError::Malformed))
        ));
        assert_eq!(
            Param::SubsidyClaimPeriod
                .parse_value(Raw::Str("week"))
                .map_err(|e| e.to_string()),
            Err("must be one of: month, quarter, term".to_string())
        );
    }
}
