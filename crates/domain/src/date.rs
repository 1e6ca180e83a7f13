//! Calendar dates, terms and day counts (RULES.md 2, 4 and 6.1). Dates are Korean calendar
//! dates without a time; this module never reads a clock.
//!
//! Day-count fractions are kept exact by weighting each day with `LCM / year_days`, where
//! `LCM = 365 x 366`: a 365-day-year day weighs 366 and a leap-year day 365, so a sum of weighted
//! days over `DAY_DENOMINATOR` is the exact year fraction under either convention.

use chrono::{Datelike, Days, NaiveDate};

pub type Date = NaiveDate;

/// `365 x 366`: the common denominator of a day's share of a year under both conventions.
pub const DAY_DENOMINATOR: i64 = 365 * 366;

/// The earliest and latest years the system accepts in any date.
pub const MIN_YEAR: i32 = 1900;
pub const MAX_YEAR: i32 = 2199;

/// How a day counts as a fraction of a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayCount {
    /// Every day is 1/365 of a year, also in leap years.
    Actual365,
    /// A day in a leap year is 1/366 of a year, otherwise 1/365.
    ActualActual,
}

impl DayCount {
    pub const WORDS: &'static [&'static str] = &["actual_365", "actual_actual"];

    pub fn parse(word: &str) -> Option<DayCount> {
        match word {
            "actual_365" => Some(DayCount::Actual365),
            "actual_actual" => Some(DayCount::ActualActual),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DayCount::Actual365 => "actual_365",
            DayCount::ActualActual => "actual_actual",
        }
    }

    /// The number of days in the year that `day` belongs to, under this convention.
    pub fn year_days(self, day: Date) -> i64 {
        match self {
            DayCount::Actual365 => 365,
            DayCount::ActualActual if is_leap(day.year()) => 366,
            DayCount::ActualActual => 365,
        }
    }

    /// `sum over d in [from, to) of DAY_DENOMINATOR / year_days(d)`: the exact year fraction of
    /// the span, over `DAY_DENOMINATOR`. Empty (0) when `to <= from`.
    pub fn weighted_days(self, from: Date, to: Date) -> i64 {
        let mut total = 0;
        let mut cursor = from;
        while cursor < to {
            let next = next_new_year(cursor).min(to);
            total += days_between(cursor, next) * (DAY_DENOMINATOR / self.year_days(cursor));
            cursor = next;
        }
        total
    }
}

pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Parses a strict `YYYY-MM-DD` calendar date between [`MIN_YEAR`] and [`MAX_YEAR`].
pub fn parse_date(text: &str) -> Result<Date, DateError> {
    let b = text.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return Err(DateError::Malformed);
    }
    let num = |r: std::ops::Range<usize>| -> u32 {
        b[r].iter().fold(0, |n, c| n * 10 + u32::from(c - b'0'))
    };
    let year = num(0..4) as i32;
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return Err(DateError::OutOfRange);
    }
    NaiveDate::from_ymd_opt(year, num(5..7), num(8..10)).ok_or(DateError::NoSuchDay)
}

/// Civil Code art. 160 (RULES.md 4): the exclusive end of a term of `months` months from
/// `start`: the same day-of-month `months` later, or, where that month has no such day, the
/// first day of the month after it.
pub fn add_months(start: Date, months: u32) -> Date {
    let index = start.year() * 12 + start.month0() as i32 + months as i32;
    let (year, month0) = (index.div_euclid(12), index.rem_euclid(12) as u32);
    NaiveDate::from_ymd_opt(year, month0 + 1, start.day())
        .unwrap_or_else(|| first_of_month_after(year, month0 + 1))
}

fn first_of_month_after(year: i32, month: u32) -> Date {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).expect("invariant: the first of a month always exists")
}

/// The first day of the calendar month after the one holding `day`.
pub fn next_month_start(day: Date) -> Date {
    first_of_month_after(day.year(), day.month())
}

/// The first day of the calendar quarter after the one holding `day`.
pub fn next_quarter_start(day: Date) -> Date {
    let quarter_last_month = (day.month0() / 3) * 3 + 3;
    first_of_month_after(day.year(), quarter_last_month)
}

/// 1 January of the year after `day`.
pub fn next_new_year(day: Date) -> Date {
    NaiveDate::from_ymd_opt(day.year() + 1, 1, 1).expect("invariant: 1 January always exists")
}

/// Days from `from` up to, not including, `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i64 {
    (to - from).num_days()
}

/// The day before `day`: the last included day of a span that ends (exclusive) on `day`.
pub fn day_before(day: Date) -> Date {
    day.checked_sub_days(Days::new(1))
        .expect("invariant: dates are bounded well inside chrono's range")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("must be a date written YYYY-MM-DD")]
    Malformed,
    #[error("is not a calendar date")]
    NoSuchDay,
    #[error("must be a date between 1900 and 2199")]
    OutOfRange,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        parse_date(text).expect("test date")
    }

    #[track_caller]
    fn check_term(start: &str, months: u32, end_exclusive: &str) {
        assert_eq!(
            add_months(d(start), months),
            d(end_exclusive),
            "{start} + {months}"
        );
    }

    #[test]
    fn terms_follow_the_civil_code() {
        check_term("2025-09-01", 12, "2026-09-01");
        check_term("2024-02-29", 12, "2025-03-01");
        check_term("2024-02-29", 48, "2028-02-29");
        check_term("2025-01-31", 1, "2025-03-01");
        check_term("2024-01-31", 1, "2024-03-01");
        check_term("2025-01-30", 1, "2025-03-01");
        check_term("2025-01-28", 1, "2025-02-28");
        check_term("2025-03-31", 1, "2025-05-01");
        check_term("2025-08-31", 6, "2026-03-01");
        check_term("2025-12-31", 2, "2026-03-01");
        check_term("2025-11-30", 3, "2026-03-01");
        check_term("2025-12-15", 1, "2026-01-15");
        check_term("2027-12-15", 12, "2028-12-15");
    }

    #[test]
    fn strict_dates_refuse_other_shapes_and_impossible_days() {
        assert_eq!(parse_date("2025-9-01"), Err(DateError::Malformed));
        assert_eq!(parse_date("2025/09/01"), Err(DateError::Malformed));
        assert_eq!(parse_date("2025-09-01T00"), Err(DateError::Malformed));
        assert_eq!(parse_date("2025-02-29"), Err(DateError::NoSuchDay));
        assert_eq!(parse_date("2025-13-01"), Err(DateError::NoSuchDay));
        assert_eq!(parse_date("1899-12-31"), Err(DateError::OutOfRange));
        assert_eq!(parse_date("2024-02-29"), Ok(d("2024-02-29")));
    }

    #[test]
    fn weighted_days_split_at_new_year() {
        let aa = DayCount::ActualActual;
        assert_eq!(aa.weighted_days(d("2027-12-15"), d("2028-01-01")), 17 * 366);
        assert_eq!(
            aa.weighted_days(d("2027-12-31"), d("2028-01-02")),
            366 + 365
        );
        assert_eq!(
            DayCount::Actual365.weighted_days(d("2028-01-01"), d("2029-01-01")),
            366 * 366
        );
        assert_eq!(
            aa.weighted_days(d("2028-01-01"), d("2029-01-01")),
            DAY_DENOMINATOR
        );
        assert_eq!(aa.weighted_days(d("2028-01-01"), d("2028-01-01")), 0);
    }

    #[test]
    fn quarters_and_months_roll_over_the_year() {
        assert_eq!(next_quarter_start(d("2027-12-15")), d("2028-01-01"));
        assert_eq!(next_quarter_start(d("2028-01-01")), d("2028-04-01"));
        assert_eq!(next_quarter_start(d("2028-09-30")), d("2028-10-01"));
        assert_eq!(next_month_start(d("2026-12-31")), d("2027-01-01"));
    }
}
