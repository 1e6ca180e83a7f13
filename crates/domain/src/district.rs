//! Incheon's districts (구/군), effective-dated (RULES.md 7): on 2026-07-01 중구 and 동구 were
//! reorganised into 제물포구 and 영종구, and 검단구 was split from 서구. A district is valid on a
//! day when it existed that day.

use crate::date::Date;

/// A calendar day as `(year, month, day)`.
type Ymd = (i32, u32, u32);

/// `(name, first day, last day)`; `None` means open-ended.
const DISTRICTS: &[(&str, Option<Ymd>, Option<Ymd>)] = &[
    ("중구", None, Some((2026, 6, 30))),
    ("동구", None, Some((2026, 6, 30))),
    ("미추홀구", None, None),
    ("연수구", None, None),
    ("남동구", None, None),
    ("부평구", None, None),
    ("계양구", None, None),
    ("서구", None, None),
    ("강화군", None, None),
    ("옹진군", None, None),
    ("제물포구", Some((2026, 7, 1)), None),
    ("영종구", Some((2026, 7, 1)), None),
    ("검단구", Some((2026, 7, 1)), None),
];

fn day((y, m, d): Ymd) -> Date {
    Date::from_ymd_opt(y, m, d).expect("invariant: a valid table date")
}

/// Whether `name` was an Incheon district on `on`.
pub fn exists_on(name: &str, on: Date) -> bool {
    DISTRICTS.iter().any(|(n, from, to)| {
        *n == name && from.is_none_or(|f| on >= day(f)) && to.is_none_or(|t| on <= day(t))
    })
}

/// The districts in force on `on`.
pub fn in_force_on(on: Date) -> Vec<&'static str> {
    DISTRICTS
        .iter()
        .map(|(n, _, _)| *n)
        .filter(|n| exists_on(n, on))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::parse_date;

    #[test]
    fn the_2026_reorganisation_changes_which_districts_exist() {
        let before = parse_date("2026-06-30").expect("date");
        let after = parse_date("2026-07-01").expect("date");
        assert!(exists_on("중구", before) && !exists_on("중구", after));
        assert!(!exists_on("검단구", before) && exists_on("검단구", after));
        assert!(exists_on("서구", before) && exists_on("서구", after));
        assert_eq!(in_force_on(before).len(), 10);
        assert_eq!(in_force_on(after).len(), 11);
        assert!(!exists_on("해운대구", after));
    }
}
