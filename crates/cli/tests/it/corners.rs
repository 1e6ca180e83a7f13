//! Corner cases a careful reader finds in RULES.md, each against figures worked out by hand
//! (the comments give the arithmetic).

use serde_json::{Value, json};

use crate::examples::redo_period;
use crate::support::{base_case, quote};

fn case(edit: impl FnOnce(&mut Value)) -> Value {
    let mut c = base_case();
    edit(&mut c);
    c
}

/// `(from, to, days, claim, payment)` of every period.
fn periods(q: &Value) -> Vec<(String, String, i64, i64, i64)> {
    q["subsidy"]["periods"]
        .as_array()
        .expect("periods")
        .iter()
        .map(|p| {
            (
                p["from"].as_str().expect("from").to_owned(),
                p["to"].as_str().expect("to").to_owned(),
                p["days"].as_i64().expect("days"),
                p["claim_won"].as_i64().expect("claim"),
                p["payment_won"].as_i64().expect("payment"),
            )
        })
        .collect()
}

/// The subsidy's span and reason, and the fee years as `(from, to, days, fee)`.
#[track_caller]
fn check_span(q: &Value, to: Option<&str>, reason: &str) {
    assert_eq!(q["subsidy"]["to"].as_str(), to, "subsidy.to");
    assert_eq!(q["subsidy"]["end_reason"], reason, "end_reason");
    for p in q["subsidy"]["periods"].as_array().expect("periods") {
        assert_eq!(
            redo_period(p),
            Vec::<String>::new(),
            "working of {}",
            p["from"]
        );
    }
}

fn fees(q: &Value) -> Vec<(String, String, i64, i64)> {
    q["guarantee"]["fees"]
        .as_array()
        .expect("fees")
        .iter()
        .map(|y| {
            (
                y["from"].as_str().expect("from").to_owned(),
                y["to"].as_str().expect("to").to_owned(),
                y["days"].as_i64().expect("days"),
                y["fee_won"].as_i64().expect("fee"),
            )
        })
        .collect()
}

fn p(from: &str, to: &str, days: i64, claim: i64) -> (String, String, i64, i64, i64) {
    (from.into(), to.into(), days, claim, claim)
}

fn y(from: &str, to: &str, days: i64, fee: i64) -> (String, String, i64, i64) {
    (from.into(), to.into(), days, fee)
}

#[test]
fn a_loan_executed_on_29_february_runs_to_28_february_and_its_anniversaries_fall_on_1_march() {
    let q = quote(&case(|c| {
        c["loan"]["executed_on"] = json!("2028-02-29");
        c["loan"]["maturity_on"] = json!("2032-02-29");
    }));
    // 2028-02-29 + 12 months has no 29 February: the term ends before 2029-03-01.
    check_span(&q, Some("2029-02-28"), "term");
    let ps = periods(&q);
    assert_eq!(ps.len(), 13);
    // 500,000,000 x 2% / 366 = 27,322.4 on the leap day; March 2028: x 31 / 366 = 846,994.5.
    assert_eq!(ps[0], p("2028-02-29", "2028-02-29", 1, 27_322));
    assert_eq!(ps[1], p("2028-03-01", "2028-03-31", 31, 846_994));
    // February 2029 has 28 days of a 365-day year: 767,123.2.
    assert_eq!(ps[12], p("2029-02-01", "2029-02-28", 28, 767_123));
    // Guarantee years from the execution date: 12, 24, 36 months later are 1 March.
    assert_eq!(
        fees(&q),
        [
            // 475,000,000 x 0.9% x 366 / 365 = 4,286,712.3
            y("2028-02-29", "2029-02-28", 366, 4_286_712),
            y("2029-03-01", "2030-02-28", 365, 4_275_000),
            y("2030-03-01", "2031-02-28", 365, 4_275_000),
            // The last year is cut at maturity: 2031-03-01 up to 2032-02-29, 365 days; after the
            // three discount years the rate is the base 1.2%: 475,000,000 x 1.2% = 5,700,000.
            y("2031-03-01", "2032-02-28", 365, 5_700_000),
        ]
    );
}

#[test]
fn a_month_end_execution_ends_the_term_on_the_last_day_of_the_short_month() {
    let q = quote(&case(|c| {
        c["loan"]["executed_on"] = json!("2026-01-31");
        c["rules"] = json!({ "subsidy.term_months": 1 });
    }));
    // 2026-01-31 + 1 month: no 31 February, so the term's last day is 28 February.
    check_span(&q, Some("2026-02-28"), "term");
    assert_eq!(periods(&q).iter().map(|p| p.2).collect::<Vec<_>>(), [1, 28]);
    let q = quote(&case(|c| {
        c["loan"]["executed_on"] = json!("2025-08-31");
        c["rules"] = json!({ "subsidy.term_months": 6 });
    }));
    check_span(&q, Some("2026-02-28"), "term");
    assert_eq!(periods(&q).len(), 7);
}

#[test]
fn a_fee_year_holding_29_february_counts_366_days_under_either_day_count() {
    let c = case(|c| {
        c["loan"]["executed_on"] = json!("2027-03-01");
        c["loan"]["maturity_on"] = json!("2029-03-01");
    });
    let q = quote(&c);
    // actual_365: 475,000,000 x 0.9% x 366 / 365 = 4,286,712.3
    assert_eq!(fees(&q)[0], y("2027-03-01", "2028-02-29", 366, 4_286_712));
    assert_eq!(fees(&q)[1], y("2028-03-01", "2029-02-28", 365, 4_275_000));
    let mut aa = c;
    aa["rules"] = json!({ "guarantee.fee_day_count": "actual_actual" });
    // actual_actual: 306 days of 2027 / 365 + 60 days of 2028 / 366 = 4,284,792.6
    assert_eq!(
        fees(&quote(&aa))[0],
        y("2027-03-01", "2028-02-29", 366, 4_284_792)
    );
}

#[test]
fn a_rate_change_below_the_minimum_borrower_rate_stops_accrual_without_stopping_the_subsidy() {
    let q = quote(&case(|c| {
        c["loan"]["annual_rate_pct"] = json!("4.7");
        c["rules"] = json!({ "subsidy.min_borrower_rate_pct": "2.5" });
        c["events"] = json!([
            { "on": "2025-11-01", "kind": "rate_change", "annual_rate_pct": "3.5" },
            { "on": "2025-12-01", "kind": "rate_change", "annual_rate_pct": "2.0" },
            { "on": "2026-01-01", "kind": "rate_change", "annual_rate_pct": "6.0" }
        ]);
    }));
    check_span(&q, Some("2026-08-31"), "term");
    let ps = periods(&q);
    // 4.7 - 2.5 = 2.2, capped at 2.0: September 30 days = 821,917.8
    assert_eq!(ps[0].3, 821_917);
    // 3.5 - 2.5 = 1.0: 500,000,000 x 1% x 30 / 365 = 410,958.9
    assert_eq!(ps[2], p("2025-11-01", "2025-11-30", 30, 410_958));
    // 2.0 - 2.5 < 0: the effective rate is 0, the period is still listed.
    assert_eq!(ps[3], p("2025-12-01", "2025-12-31", 31, 0));
    assert_eq!(ps[4].3, 849_315);
    assert_eq!(
        q["subsidy"]["periods"][3]["explanation"]["segments"][0]["effective_rate_pct"],
        "0"
    );
}

#[test]
fn arrears_across_a_month_boundary_pause_accrual_in_both_months() {
    let q = quote(&case(|c| {
        c["events"] = json!([
            { "on": "2025-10-20", "kind": "arrears_start" },
            { "on": "2025-11-05", "kind": "arrears_end" }
        ]);
    }));
    check_span(&q, Some("2026-08-31"), "term");
    let ps = periods(&q);
    // October earns 19 days (1-19): 520,547.9; November 26 days (5-30): 712,328.7.
    assert_eq!(ps[1], p("2025-10-01", "2025-10-31", 31, 520_547));
    assert_eq!(ps[2], p("2025-11-01", "2025-11-30", 30, 712_328));
}

#[test]
fn arrears_with_no_end_pause_the_subsidy_to_the_stop_day_and_leave_zero_periods() {
    let q = quote(&case(|c| {
        c["events"] = json!([{ "on": "2026-07-15", "kind": "arrears_start" }]);
    }));
    check_span(&q, Some("2026-08-31"), "term");
    let ps = periods(&q);
    // July earns 14 days: 383,561.6; August is in arrears throughout: a period with claim 0.
    assert_eq!(ps[10], p("2026-07-01", "2026-07-31", 31, 383_561));
    assert_eq!(ps[11], p("2026-08-01", "2026-08-31", 31, 0));
}

#[test]
fn ties_on_the_stop_day_go_to_term_then_maturity_then_events_in_input_order() {
    // Term end and maturity on the same day: term.
    let q = quote(&case(|c| c["loan"]["maturity_on"] = json!("2026-09-01")));
    check_span(&q, Some("2026-08-31"), "term");
    // Maturity before the term's end.
    let q = quote(&case(|c| c["loan"]["maturity_on"] = json!("2026-03-01")));
    check_span(&q, Some("2026-02-28"), "maturity");
    assert_eq!(periods(&q).len(), 6);
    // An event on the term's end day: term.
    let q = quote(&case(|c| {
        c["events"] = json!([{ "on": "2026-09-01", "kind": "relocation" }])
    }));
    check_span(&q, Some("2026-08-31"), "term");
    // An event on maturity day, before the term's end: maturity.
    let q = quote(&case(|c| {
        c["loan"]["maturity_on"] = json!("2026-03-01");
        c["events"] = json!([{ "on": "2026-03-01", "kind": "closure" }]);
    }));
    check_span(&q, Some("2026-02-28"), "maturity");
    // Two events on one day: the first given.
    let two = |first: &str, second: &str| {
        quote(&case(|c| {
            c["events"] = json!([{ "on": "2026-02-10", "kind": first }, { "on": "2026-02-10", "kind": second }]);
        }))
    };
    check_span(&two("closure", "relocation"), Some("2026-02-09"), "closure");
    check_span(
        &two("relocation", "closure"),
        Some("2026-02-09"),
        "relocation",
    );
    // Date order beats input order.
    let q = quote(&case(|c| {
        c["events"] = json!([
            { "on": "2026-03-10", "kind": "closure" },
            { "on": "2026-02-10", "kind": "relocation" }
        ]);
    }));
    check_span(&q, Some("2026-02-09"), "relocation");
}

#[test]
fn full_repayment_refunds_the_unused_fee_unless_a_default_falls_on_or_before_it() {
    let repay = json!({ "on": "2026-03-16", "kind": "repayment", "amount_won": 500000000 });
    let default = json!({ "on": "2026-03-16", "kind": "default" });
    let q = quote(&case(|c| c["events"] = json!([repay])));
    check_span(&q, Some("2026-03-15"), "repaid");
    // 196 days used: 475,000,000 x 0.9% x 196 / 365 = 2,295,616.4; refund 4,275,000 - 2,295,616.
    assert_eq!(q["guarantee"]["refund_won"], 1_979_384);
    assert_eq!(fees(&q).len(), 1, "no year starts after full repayment");

    let q = quote(&case(|c| c["events"] = json!([repay, default])));
    check_span(&q, Some("2026-03-15"), "repaid");
    assert_eq!(
        q["guarantee"]["refund_won"], 0,
        "a default on the repayment day refunds nothing"
    );

    let q = quote(&case(|c| c["events"] = json!([default, repay])));
    check_span(&q, Some("2026-03-15"), "default");
    assert_eq!(q["guarantee"]["refund_won"], 0);
    assert_eq!(fees(&q).len(), 1);

    // A default a year before: the fee schedule ends with the year it falls in.
    let q = quote(&case(|c| {
        c["events"] = json!([
            { "on": "2026-10-05", "kind": "default" },
            { "on": "2027-01-05", "kind": "repayment", "amount_won": 500000000 }
        ]);
    }));
    check_span(&q, Some("2026-08-31"), "term");
    assert_eq!(fees(&q).len(), 2);
    assert_eq!(q["guarantee"]["refund_won"], 0);
}

#[test]
fn ineligible_before_the_stop_day_stops_and_forfeits_and_after_it_only_forfeits() {
    let q = quote(&case(|c| {
        c["events"] = json!([{ "on": "2026-01-10", "kind": "ineligible" }])
    }));
    check_span(&q, Some("2026-01-09"), "ineligible");
    let ps = periods(&q);
    assert_eq!(ps.len(), 5);
    assert!(
        ps.iter().all(|p| p.3 == 0 && p.4 == 0),
        "every claim is forfeited"
    );
    assert_eq!(q["subsidy"]["claim_total_won"], 0);
    assert_eq!(
        q["subsidy"]["reservation_won"], 9_999_996,
        "the reservation ignores events"
    );

    let q = quote(&case(|c| {
        c["events"] = json!([{ "on": "2027-05-01", "kind": "ineligible" }])
    }));
    check_span(&q, Some("2026-08-31"), "term");
    assert_eq!(periods(&q).len(), 12);
    assert_eq!(q["subsidy"]["payment_total_won"], 0);
    assert!(q["warnings"].to_string().contains("forfeited"));
}

#[test]
fn a_ten_won_payment_unit_drops_only_the_units_below_ten() {
    let q = quote(&case(|c| {
        c["rules"] = json!({ "subsidy.payment_unit_won": 10 })
    }));
    for (_, _, _, claim, payment) in periods(&q) {
        assert_eq!(payment, claim / 10 * 10);
    }
    // September: 821,917 claimed, 821,910 paid.
    assert_eq!(periods(&q)[0].3, 821_917);
    assert_eq!(periods(&q)[0].4, 821_910);
    // 7 x 849,310 + 4 x 821,910 + 767,120 against 9,999,996 claimed.
    assert_eq!(q["subsidy"]["claim_total_won"], 9_999_996);
    assert_eq!(q["subsidy"]["payment_total_won"], 9_999_930);
}

#[test]
fn the_subsidy_cap_depends_on_the_grade() {
    let september = |grade: Value| {
        let q = quote(&case(|c| {
            c["loan"]["principal_won"] = json!(2_000_000_000);
            c["firm"] = json!({ "kibo_grade": grade });
        }));
        periods(&q)[0].3
    };
    // Grade A or above: cap 3,000,000,000, so all 2,000,000,000 earns: x 2% x 30 / 365.
    assert_eq!(september(json!("A")), 3_287_671);
    assert_eq!(september(json!("AAA")), 3_287_671);
    // Below A, or no grade: the 1,000,000,000 cap.
    assert_eq!(september(json!("BBB")), 1_643_835);
    assert_eq!(september(Value::Null), 1_643_835);
}

#[test]
fn an_execution_day_stop_has_no_subsidy_span_and_no_periods() {
    let q = quote(&case(|c| {
        c["events"] = json!([{ "on": "2025-09-01", "kind": "relocation" }])
    }));
    assert_eq!(q["subsidy"]["to"], Value::Null);
    assert_eq!(q["subsidy"]["periods"], json!([]));
    assert_eq!(q["subsidy"]["end_reason"], "relocation");
}

#[test]
fn the_predecessor_programme_reserves_and_pays_no_subsidy() {
    let q = quote(&case(|c| {
        c["program"] = json!("incheon-agreement-guarantee");
        c["loan"]["executed_on"] = json!("2022-03-02");
        c["loan"]["maturity_on"] = json!("2025-03-02");
        c["guarantee"]["coverage_pct"] = json!("100");
    }));
    assert_eq!(q["program"]["version"], "2020-01-01");
    assert_eq!(q["subsidy"]["reservation_won"], 0);
    assert_eq!(q["subsidy"]["claim_total_won"], 0);
    // No discount: 500,000,000 x 1.2% = 6,000,000 a year.
    assert_eq!(fees(&q)[0].3, 6_000_000);
}

#[test]
fn the_cap_warning_looks_at_what_earns_subsidy() {
    let warnings = |base: &str| {
        let q = quote(&case(|c| {
            c["loan"]["principal_won"] = json!(1_050_000_000);
            c["guarantee"]["coverage_pct"] = json!("90");
            c["rules"] = json!({ "subsidy.base": base });
        }));
        q["warnings"].as_array().expect("warnings").len()
    };
    assert_eq!(
        warnings("loan"),
        1,
        "1,050,000,000 is above the 1,000,000,000 cap"
    );
    assert_eq!(
        warnings("guaranteed"),
        0,
        "its guaranteed 945,000,000 is not"
    );
}
