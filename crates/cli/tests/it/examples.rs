//! The exact input/output pairs of `../shared/spec/examples/quote/`, and an auditor's check
//! that every claim can be redone by hand from its working.

use serde_json::Value;

use crate::support::{decimal, differences, jumpup, spec_dir, stdout};

pub fn example_inputs() -> Vec<std::path::PathBuf> {
    let dir = spec_dir().join("examples/quote");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".in.json"))
        .collect();
    inputs.sort();
    assert!(
        inputs.len() >= 5,
        "expected the spec's quote examples in {}",
        dir.display()
    );
    inputs
}

#[test]
fn every_example_pair_matches_exactly() {
    for input in example_inputs() {
        let expected_path = input.to_string_lossy().replace(".in.json", ".out.json");
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(&expected_path).expect("the .out.json of the pair"),
        )
        .expect("expected output is JSON");
        let out = jumpup(
            &["quote", "--json", input.to_str().expect("utf-8 path")],
            "",
        );
        assert_eq!(out.status.code(), Some(0), "{}", input.display());
        let actual: Value = serde_json::from_str(&stdout(&out)).expect("quote prints JSON");
        let mut diffs = Vec::new();
        differences(&expected, &actual, "", &mut diffs);
        assert!(
            diffs.is_empty(),
            "{}:\n{}",
            input.display(),
            diffs.join("\n")
        );
    }
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs().max(1)
}

fn int(v: &Value) -> i128 {
    i128::from(v.as_i64().unwrap_or_else(|| panic!("an integer, got {v}")))
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("a string, got {v}"))
}

/// Redoes one period's claim from its working alone, as an auditor would: the sum over its
/// segments of base x rate / 100 x days / year_days, exact, then truncated once, then the
/// payment unit. Returns the problems found.
pub fn redo_period(period: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let w = &period["explanation"];
    let segments = w["segments"].as_array().expect("segments");
    // Exact sum as a fraction over 100 x 10^8 x 365 x 366 (rates scaled to 10^8).
    let denominator: i128 = 100 * 100_000_000 * 365 * 366;
    let mut numerator: i128 = 0;
    let mut expected_from = text(&period["from"]).to_owned();
    let mut days = 0;
    for s in segments {
        if text(&s["from"]) != expected_from {
            problems.push(format!(
                "segment starts {} but the previous ended before {expected_from}",
                s["from"]
            ));
        }
        let to = jumpup_domain::date::parse_date(text(&s["to"])).expect("segment date");
        expected_from = (to + chrono::Days::new(1)).to_string();
        let seg_days = int(&s["days"]);
        days += seg_days;
        let rate = decimal(text(&s["effective_rate_pct"])).expect("a decimal rate");
        let loan_rate = decimal(text(&s["loan_rate_pct"])).expect("a decimal rate");
        if rate > loan_rate {
            problems.push("effective rate above the loan rate".into());
        }
        let year_days = int(&s["year_days"]);
        if s["arrears"] == Value::Bool(false) {
            numerator += int(&s["base_won"]) * rate * seg_days * (365 * 366 / year_days);
        }
    }
    if days != int(&period["days"]) {
        problems.push(format!(
            "segments cover {days} days, the period {}",
            period["days"]
        ));
    }
    let last_day = jumpup_domain::date::parse_date(text(&period["to"])).expect("period date");
    if expected_from != (last_day + chrono::Days::new(1)).to_string() {
        problems.push("segments do not end on the period's last day".into());
    }
    let g = gcd(numerator, denominator);
    let (n, d) = (numerator / g, denominator / g);
    if (n.to_string(), d.to_string())
        != (
            text(&w["sum_numerator"]).to_owned(),
            text(&w["sum_denominator"]).to_owned(),
        )
    {
        problems.push(format!(
            "sum {n}/{d}, working says {}/{}",
            w["sum_numerator"], w["sum_denominator"]
        ));
    }
    let truncated = numerator / denominator;
    if truncated != int(&w["truncated_won"])
        || !text(&w["sum_decimal"]).starts_with(&truncated.to_string())
    {
        problems.push(format!(
            "truncated {truncated}, working says {}",
            w["truncated_won"]
        ));
    }
    let claim = if w["forfeited"] == Value::Bool(true) {
        0
    } else {
        truncated
    };
    let unit = int(&w["payment_unit_won"]);
    if claim != int(&period["claim_won"]) || claim != int(&w["claim_won"]) {
        problems.push(format!("claim {claim}, quote says {}", period["claim_won"]));
    }
    if claim - claim % unit != int(&period["payment_won"]) {
        problems.push(format!(
            "payment {}, quote says {}",
            claim - claim % unit,
            period["payment_won"]
        ));
    }
    problems
}

#[test]
fn every_claim_of_every_example_can_be_redone_by_hand_from_its_working() {
    let mut periods = 0;
    for input in example_inputs() {
        let out = jumpup(
            &[
                "quote",
                "--json",
                "--explain",
                input.to_str().expect("utf-8 path"),
            ],
            "",
        );
        assert_eq!(out.status.code(), Some(0));
        let quote: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
        for period in quote["subsidy"]["periods"].as_array().expect("periods") {
            let problems = redo_period(period);
            assert!(
                problems.is_empty(),
                "{} period {}: {problems:?}",
                input.display(),
                period["from"]
            );
            periods += 1;
        }
    }
    assert!(periods >= 40, "only {periods} periods checked");
}

#[test]
fn the_redo_check_catches_a_doctored_working() {
    let input = &example_inputs()[0];
    let out = jumpup(
        &[
            "quote",
            "--json",
            "--explain",
            input.to_str().expect("utf-8 path"),
        ],
        "",
    );
    let mut quote: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let period = &mut quote["subsidy"]["periods"][6];
    assert!(redo_period(period).is_empty());
    period["explanation"]["segments"][1]["base_won"] = Value::from(300_000_001);
    assert!(!redo_period(period).is_empty());
}
