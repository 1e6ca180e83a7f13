//! QUOTE.md's error table through the command line: exit status 2, one `field: reason` line
//! per problem on stderr, and with `--json` the first problem as an object on stdout.

use serde_json::{Value, json};

use crate::support::{base_case, jumpup, refusal, stderr, stdout};

fn with(edit: impl FnOnce(&mut Value)) -> String {
    let mut c = base_case();
    edit(&mut c);
    c.to_string()
}

#[track_caller]
fn check(input: &str, field: &str, reason: &str) {
    let out = jumpup(&["quote", "--json", "-"], input);
    assert_eq!(out.status.code(), Some(2), "exit status for {input}");
    let err: Value = serde_json::from_str(&stdout(&out)).expect("an error object on stdout");
    assert_eq!(
        err["error"]["field"], field,
        "first problem of {input}: {err}"
    );
    let message = err["error"]["message"].as_str().expect("a message");
    assert!(
        message.contains(reason),
        "{message:?} should say {reason:?}"
    );
    let first_line = stderr(&out).lines().next().unwrap_or_default().to_owned();
    assert_eq!(first_line, format!("{field}: {message}"));
}

#[test]
fn each_error_of_the_quote_contract_names_its_field_and_exits_2() {
    check("{", "", "unreadable JSON");
    check("[1, 2]", "", "must be a JSON object");
    check(
        &with(|c| c["program"] = json!("seoul-nowhere")),
        "program",
        "unknown programme",
    );
    check(
        &with(|c| c["program"] = Value::Null),
        "program",
        "is required",
    );
    check(
        &with(|c| c["decided_on"] = json!("2025-07-21")),
        "decided_on",
        "before the programme's first version",
    );
    check(
        &with(|c| c["decided_on"] = json!("2025-02-30")),
        "decided_on",
        "not a calendar date",
    );
    check(
        &with(|c| c["rules"] = json!({ "subsidy.rate": "2" })),
        "rules.subsidy.rate",
        "unknown rule",
    );
    check(
        &with(|c| c["rules"] = json!({ "budget.subsidy_won": 1 })),
        "rules.budget.subsidy_won",
        "unknown rule",
    );
    check(
        &with(|c| c["rules"] = json!({ "subsidy.term_months": "12" })),
        "rules.subsidy.term_months",
        "integer",
    );
    check(
        &with(|c| c["rules"] = json!({ "subsidy.term_months": 121 })),
        "rules.subsidy.term_months",
        "1 to 120",
    );
    check(
        &with(|c| c["rules"] = json!({ "subsidy.cap_won": 1.5 })),
        "rules.subsidy.cap_won",
        "integer",
    );
    check(
        &with(|c| c["rules"] = json!({ "subsidy.rate_pct": 2 })),
        "rules.subsidy.rate_pct",
        "percentage string",
    );
    check(
        &with(|c| c["rules"] = json!({ "subsidy.rate_pct": "100.5" })),
        "rules.subsidy.rate_pct",
        "at most 100",
    );
    check(
        &with(|c| c["rules"] = json!({ "subsidy.base": "balance" })),
        "rules.subsidy.base",
        "loan, guaranteed",
    );
    check(
        &with(|c| c["rules"] = json!({ "subsidy.payment_unit_won": 0 })),
        "rules.subsidy.payment_unit_won",
        "from 1",
    );
    check(
        &with(|c| {
            c["rules"] =
                json!({ "guarantee.coverage_pct_min": "99", "guarantee.coverage_pct_max": "95" })
        }),
        "rules.guarantee.coverage_pct_min",
        "must not exceed",
    );
    check(
        &with(|c| c["firm"] = json!({ "kibo_grade": "bbb" })),
        "firm.kibo_grade",
        "one of",
    );
    check(
        &with(|c| c["firm"] = json!({ "kibo_grade": "D" })),
        "firm.kibo_grade",
        "not eligible",
    );
    for bad in [
        json!(null),
        json!(5e8),
        json!(500000000.0),
        json!(0),
        json!(-1),
        json!("500000000"),
    ] {
        let (field, reason) = if bad.is_null() {
            ("loan.principal_won", "is required")
        } else {
            ("loan.principal_won", "positive integer")
        };
        check(&with(|c| c["loan"]["principal_won"] = bad), field, reason);
    }
    check(
        &with(|c| c["loan"]["principal_won"] = json!(100_000_000_000_001_i64)),
        "loan.principal_won",
        "at most",
    );
    for bad in [
        json!(4.5),
        json!("5."),
        json!(".5"),
        json!("+4.5"),
        json!("1e2"),
        json!("4.55555"),
    ] {
        check(
            &with(|c| c["loan"]["annual_rate_pct"] = bad),
            "loan.annual_rate_pct",
            "percentage",
        );
    }
    check(
        &with(|c| c["loan"]["executed_on"] = json!("2025-9-01")),
        "loan.executed_on",
        "YYYY-MM-DD",
    );
    check(
        &with(|c| c["loan"]["executed_on"] = json!("2025-07-01")),
        "loan.executed_on",
        "first version",
    );
    check(
        &with(|c| c["loan"]["maturity_on"] = json!("2025-09-01")),
        "loan.maturity_on",
        "after executed_on",
    );
    check(
        &with(|c| c["loan"]["maturity_on"] = json!("2099-09-01")),
        "loan.maturity_on",
        "50 years",
    );
    check(
        &with(|c| c["loan"] = json!("big")),
        "loan",
        "must be an object",
    );
    check(
        &with(|c| c["guarantee"]["coverage_pct"] = json!("85")),
        "guarantee.coverage_pct",
        "between 90 and 100",
    );
    check(
        &with(|c| c["guarantee"]["base_fee_rate_pct"] = json!("1e2")),
        "guarantee.base_fee_rate_pct",
        "percentage",
    );
    let event = |e: Value| with(|c| c["events"] = e);
    check(
        &event(json!([{ "on": "2026-02-30", "kind": "closure" }])),
        "events[0].on",
        "calendar date",
    );
    check(
        &event(json!([{ "on": "2025-08-31", "kind": "closure" }])),
        "events[0].on",
        "before the execution date",
    );
    check(
        &event(json!([{ "on": "2026-01-01", "kind": "merger" }])),
        "events[0].kind",
        "unknown event kind",
    );
    check(
        &event(
            json!([{ "on": "2026-01-01", "kind": "arrears_start" }, { "on": "2026-01-05", "kind": "arrears_start" }]),
        ),
        "events[1].kind",
        "already in arrears",
    );
    check(
        &event(json!([{ "on": "2026-01-01", "kind": "arrears_end" }])),
        "events[0].kind",
        "no arrears open",
    );
    check(
        &event(json!([{ "on": "2026-01-01", "kind": "repayment", "amount_won": 1.5 }])),
        "events[0].amount_won",
        "positive integer",
    );
    check(
        &event(json!([
            { "on": "2026-03-01", "kind": "repayment", "amount_won": 400000000 },
            { "on": "2026-01-01", "kind": "repayment", "amount_won": 200000000 }
        ])),
        "events[0].amount_won",
        "exceeds the outstanding balance",
    );
    check(
        &event(json!([{ "on": "2026-01-01", "kind": "rate_change", "annual_rate_pct": "-1" }])),
        "events[0].annual_rate_pct",
        "percentage",
    );
    check(
        &event(json!({ "on": "2026-01-01" })),
        "events",
        "must be an array",
    );
}

#[test]
fn every_problem_is_reported_in_the_order_of_the_contract_and_events_by_index() {
    let input = with(|c| {
        c["events"] = json!([
            { "on": "2026-01-01", "kind": "arrears_end" },
            { "on": "2025-01-01", "kind": "closure" }
        ]);
        c["guarantee"]["coverage_pct"] = json!("80");
        c["firm"] = json!({ "kibo_grade": "Z" });
        c["program"] = json!("incheon-jumpup");
        c["loan"]["annual_rate_pct"] = json!("x");
    });
    let out = jumpup(&["quote", "-"], &input);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).is_empty(),
        "no quote and no JSON without --json"
    );
    let fields: Vec<String> = stderr(&out)
        .lines()
        .map(|l| l.split(": ").next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        fields,
        [
            "firm.kibo_grade",
            "loan.annual_rate_pct",
            "guarantee.coverage_pct",
            "events[0].kind",
            "events[1].on"
        ]
    );
}

#[test]
fn optional_fields_given_as_null_count_as_absent_and_open_arrears_are_not_an_error() {
    let input = with(|c| {
        c["decided_on"] = Value::Null;
        c["rules"] = Value::Null;
        c["firm"] = json!({ "kibo_grade": null });
        c["events"] = json!([{ "on": "2026-01-01", "kind": "arrears_start" }]);
    });
    let out = jumpup(&["quote", "--json", "-"], &input);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_refused_case_lists_every_problem_through_the_library_too() {
    let problems = refusal(&json!({ "program": "incheon-jumpup" }));
    assert_eq!(
        problems,
        [
            "loan.principal_won: is required",
            "loan.annual_rate_pct: is required",
            "loan.executed_on: is required",
            "loan.maturity_on: is required",
            "guarantee.coverage_pct: is required",
            "guarantee.base_fee_rate_pct: is required",
        ]
    );
}

/// The fields named on stderr, in order.
fn fields(input: &str) -> Vec<String> {
    let out = jumpup(&["quote", "-"], input);
    assert_eq!(out.status.code(), Some(2), "{input}");
    stderr(&out)
        .lines()
        .map(|l| l.split(": ").next().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn one_malformed_event_does_not_hide_the_problems_of_the_others() {
    // A date before execution is reported even when the same event's rate is malformed.
    let input = with(|c| {
        c["events"] =
            json!([{ "on": "2025-08-01", "kind": "rate_change", "annual_rate_pct": "x" }]);
    });
    assert_eq!(
        fields(&input),
        ["events[0].on", "events[0].annual_rate_pct"]
    );
    // A repayment beyond the balance is reported beside an unknown kind after it.
    let input = with(|c| {
        c["events"] = json!([
            { "on": "2026-03-01", "kind": "repayment", "amount_won": 600000000 },
            { "on": "2026-04-01", "kind": "bogus" }
        ]);
    });
    assert_eq!(fields(&input), ["events[0].amount_won", "events[1].kind"]);
}

#[test]
fn the_coverage_range_is_checked_whatever_the_fee_rate_and_the_version() {
    let input =
        with(|c| c["guarantee"] = json!({ "coverage_pct": "85", "base_fee_rate_pct": "1." }));
    assert_eq!(
        fields(&input),
        ["guarantee.coverage_pct", "guarantee.base_fee_rate_pct"]
    );
    // Both ends overridden: the range is wrong even when no version can be found.
    let input = with(|c| {
        c["rules"] =
            json!({ "guarantee.coverage_pct_min": "99", "guarantee.coverage_pct_max": "96" });
        c["loan"]["executed_on"] = json!("2025-07-01");
    });
    assert_eq!(
        fields(&input),
        ["rules.guarantee.coverage_pct_min", "loan.executed_on"]
    );
}

#[test]
fn rule_problems_come_in_input_order() {
    let input = r#"{"program":"incheon-jumpup","rules":{"subsidy.rate_pct":5,"subsidy.base":"x"},
        "loan":{"principal_won":1,"annual_rate_pct":"4","executed_on":"2026-01-15","maturity_on":"2027-01-15"},
        "guarantee":{"coverage_pct":"95","base_fee_rate_pct":"1"}}"#;
    assert_eq!(
        fields(input),
        ["rules.subsidy.rate_pct", "rules.subsidy.base"]
    );
}

#[test]
fn an_execution_before_the_programme_still_has_its_maturity_and_events_checked() {
    let input = with(|c| {
        c["loan"]["executed_on"] = json!("2025-01-15");
        c["loan"]["maturity_on"] = json!("2024-01-15");
        c["events"] = json!([{ "on": "2020-01-01", "kind": "closure" }]);
    });
    assert_eq!(
        fields(&input),
        ["loan.executed_on", "loan.maturity_on", "events[0].on"]
    );
}

#[test]
fn discount_years_are_0_or_more_and_a_null_override_counts_as_absent() {
    let input = with(|c| {
        c["rules"] = json!({ "guarantee.fee_discount_years": 101, "subsidy.rate_pct": null })
    });
    let out = jumpup(&["quote", "--json", "-"], &input);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    check(
        &with(|c| c["rules"] = json!({ "guarantee.fee_discount_years": -1 })),
        "rules.guarantee.fee_discount_years",
        "0 or more",
    );
}
