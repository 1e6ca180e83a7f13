//! Programmes as data: the built-in files carry RULES.md's parameters, another city's
//! programme loads from a directory with no code change, and a bad file is refused with its
//! file, key and reason.

use serde_json::{Value, json};

use crate::support::{TempDir, jumpup, stderr, stdout};

use crate::support::OTHER_CITY;

fn show(args: &[&str]) -> Value {
    let out = jumpup(args, "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("JSON")
}

#[test]
fn the_built_in_programmes_carry_the_parameters_of_rules_md() {
    let j = show(&[
        "programs",
        "show",
        "incheon-jumpup",
        "--on",
        "2025-07-22",
        "--json",
    ]);
    assert_eq!(j["version"], "2025-07-22");
    let p = &j["parameters"];
    assert_eq!(p.as_object().expect("parameters").len(), 20);
    assert_eq!(p["budget.subsidy_won"], 2_000_000_000_i64);
    assert_eq!(p["budget.guarantee_supply_won"], 100_000_000_000_i64);
    assert_eq!(p["limit.per_firm_won"], 1_000_000_000_i64);
    assert_eq!(p["limit.per_firm_won_grade_a_or_above"], 3_000_000_000_i64);
    assert_eq!(p["case.loan_deadline_days"], 90);
    assert_eq!(
        (
            &p["guarantee.coverage_pct_min"],
            &p["guarantee.coverage_pct_max"]
        ),
        (&json!("90"), &json!("100"))
    );
    assert_eq!(p["guarantee.fee_discount_pct"], "0.3");
    assert_eq!(p["guarantee.fee_discount_years"], 3);
    assert_eq!(p["guarantee.fee_floor_pct"], "0.5");
    assert_eq!(p["guarantee.fee_day_count"], "actual_365");
    assert_eq!(p["subsidy.rate_pct"], "2");
    assert_eq!(p["subsidy.term_months"], 12);
    assert_eq!(p["subsidy.min_borrower_rate_pct"], "0");
    assert_eq!(p["subsidy.base"], "loan");
    assert_eq!(p["subsidy.cap_won"], 1_000_000_000_i64);
    assert_eq!(p["subsidy.cap_won_grade_a_or_above"], 3_000_000_000_i64);
    assert_eq!(p["subsidy.claim_period"], "month");
    assert_eq!(p["subsidy.day_count"], "actual_actual");
    assert_eq!(p["subsidy.payment_unit_won"], 1);

    let j = show(&[
        "programs",
        "show",
        "incheon-agreement-guarantee",
        "--on",
        "2023-01-01",
        "--json",
    ]);
    let p = &j["parameters"];
    assert_eq!(j["version"], "2020-01-01");
    assert_eq!(
        (
            &p["guarantee.coverage_pct_min"],
            &p["guarantee.coverage_pct_max"]
        ),
        (&json!("100"), &json!("100"))
    );
    assert_eq!(p["guarantee.fee_discount_pct"], "0");
    assert_eq!(p["subsidy.rate_pct"], "0");
    assert_eq!(p["budget.subsidy_won"], 0);
    assert_eq!(p["budget.guarantee_supply_won"], 220_000_000_000_i64);
}

#[test]
fn another_citys_programme_loads_from_a_directory_and_quotes_with_no_code_change() {
    let dir = TempDir::new();
    dir.write("busan.toml", OTHER_CITY);
    dir.write("notes.txt", "not a programme file: ignored");
    let programs = dir.path().to_str().expect("utf-8 path");

    let list = show(&["programs", "list", "--json", "--programs", programs]);
    let ids: Vec<&str> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        [
            "incheon-jumpup",
            "incheon-agreement-guarantee",
            "busan-tech-leap"
        ]
    );
    // The 2026 version inherits what it does not change.
    let j = show(&[
        "programs",
        "show",
        "busan-tech-leap",
        "--on",
        "2026-06-30",
        "--json",
        "--programs",
        programs,
    ]);
    assert_eq!(j["version"], "2026-01-01");
    assert_eq!(j["parameters"]["subsidy.rate_pct"], "1.5");
    assert_eq!(j["parameters"]["subsidy.claim_period"], "quarter");
    assert_eq!(j["parameters"]["subsidy.cap_won"], 300_000_000);

    let case = json!({
        "program": "busan-tech-leap",
        "loan": { "principal_won": 400000000, "annual_rate_pct": "5.0", "executed_on": "2026-02-01", "maturity_on": "2029-02-01" },
        "guarantee": { "coverage_pct": "85", "base_fee_rate_pct": "1.0" }
    });
    let path = dir.write("case.json", &case.to_string());
    let out = jumpup(
        &[
            "quote",
            "--json",
            "--programs",
            programs,
            path.to_str().expect("utf-8"),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let q: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(
        q["program"],
        json!({ "id": "busan-tech-leap", "version": "2026-01-01" })
    );
    // Base: min(floor(400,000,000 x 85%), 300,000,000) = 300,000,000 at min(1.5, 5.0 - 1.5) = 1.5%.
    // First quarter 2026-02-01..2026-03-31, 59 days / 365: 727,397.2 claimed, 727,390 paid.
    let first = &q["subsidy"]["periods"][0];
    assert_eq!(
        (
            first["to"].as_str(),
            first["claim_won"].as_i64(),
            first["payment_won"].as_i64()
        ),
        (Some("2026-03-31"), Some(727_397), Some(727_390))
    );
    assert_eq!(q["subsidy"]["to"], "2028-01-31", "a 24-month term");
    // Fees: 340,000,000 at max(0.4, 1.0 - 0.2) = 0.8% in year 1, 1.0% after.
    assert_eq!(q["guarantee"]["fees"][0]["fee_won"], 2_720_000);
    assert_eq!(q["guarantee"]["fees"][1]["rate_pct"], "1");
    // Coverage outside this programme's own range is refused.
    let mut bad = case.clone();
    bad["guarantee"]["coverage_pct"] = json!("95");
    let out = jumpup(&["quote", "--programs", programs, "-"], &bad.to_string());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "guarantee.coverage_pct: must be between 80 and 90"
    );
}

#[track_caller]
fn check_refused(file_text: &str, expected: &[&str]) {
    let dir = TempDir::new();
    let path = dir.write("city.toml", file_text);
    let out = jumpup(
        &[
            "programs",
            "list",
            "--programs",
            dir.path().to_str().expect("utf-8"),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let lines: Vec<String> = stderr(&out).lines().map(str::to_owned).collect();
    let expected: Vec<String> = expected
        .iter()
        .map(|e| format!("{}: {e}", path.display()))
        .collect();
    assert_eq!(lines, expected);
}

#[test]
fn a_bad_programme_file_is_refused_naming_the_file_the_key_and_the_reason() {
    let typo = OTHER_CITY.replace("subsidy.rate_pct = \"1.0\"", "subsidy.rate = \"1.0\"");
    check_refused(
        &typo,
        &[
            "versions[0].subsidy.rate: unknown parameter",
            "versions[0].subsidy.rate_pct: is missing",
        ],
    );
    let number = OTHER_CITY.replace("subsidy.rate_pct = \"1.5\"", "subsidy.rate_pct = 1.5");
    check_refused(
        &number,
        &[
            "versions[1].subsidy.rate_pct: must be a percentage string of digits with up to 4 decimals, such as \"4.5\"",
        ],
    );
    let range = OTHER_CITY.replace(
        "guarantee.coverage_pct_min = \"80\"",
        "guarantee.coverage_pct_min = \"95\"",
    );
    check_refused(
        &range,
        &["versions[0].guarantee.coverage_pct_min: must not exceed guarantee.coverage_pct_max"],
    );
    let order = OTHER_CITY.replace(
        "in_force_from = \"2026-01-01\"",
        "in_force_from = \"2024-01-01\"",
    );
    check_refused(
        &order,
        &["versions: version 1 must be in force after the version before it"],
    );
    let date = OTHER_CITY.replace(
        "in_force_from = \"2026-01-01\"",
        "in_force_from = \"2026-02-30\"",
    );
    check_refused(
        &date,
        &["versions[1].in_force_from: must be a date written YYYY-MM-DD"],
    );
    let word = OTHER_CITY.replace(
        "subsidy.claim_period = \"quarter\"",
        "subsidy.claim_period = \"weekly\"",
    );
    check_refused(
        &word,
        &["versions[1].subsidy.claim_period: must be one of: month, quarter, term"],
    );
    let twice = OTHER_CITY.replace("busan-tech-leap", "incheon-jumpup");
    check_refused(&twice, &["id: programme incheon-jumpup is defined twice"]);
    check_refused(
        "id = \"x\"\nname_ko = \"가\"\n[[versions]\n",
        &["not valid TOML at line 3, column 12: unclosed array table, expected `]`"],
    );
    check_refused(
        "id = \"Bad Id\"\nname_en = \"x\"\nextra = 1\n",
        &[
            "extra: unknown key",
            "name_ko: is required",
            "id: must be 1 to 64 lower-case letters, digits and hyphens, not starting with a hyphen",
            "versions: at least one [[versions]] table is required",
        ],
    );
}

#[test]
fn programmes_show_refuses_an_unknown_id_and_a_day_before_the_first_version() {
    let out = jumpup(&["programs", "show", "nowhere"], "");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).trim(), "ID: unknown programme \"nowhere\"");
    let out = jumpup(
        &["programs", "show", "incheon-jumpup", "--on", "2025-07-21"],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no version in force on 2025-07-21"));
}

#[test]
fn programmes_show_prints_readable_parameters_in_korean_and_english() {
    let ko = stdout(&jumpup(
        &["programs", "show", "incheon-jumpup", "--on", "2026-01-01"],
        "",
    ));
    assert!(ko.contains("기술혁신기업 Jump-Up"), "{ko}");
    assert!(ko.contains("2,000,000,000"), "{ko}");
    assert!(ko.contains("subsidy.rate_pct") && ko.contains("2%"), "{ko}");
    let en = stdout(&jumpup(&["programs", "list", "--lang", "en"], ""));
    assert!(
        en.contains("Technology-Innovation Company Jump-Up")
            && en.contains("SME Agreement Guarantee"),
        "{en}"
    );
}
