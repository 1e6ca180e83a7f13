//! `jumpup bench quote`: its checksum equals one computed independently from the JSON that
//! `jumpup quote --json` prints for the same generated loans; `jumpup bench settle` runs a whole
//! month that then verifies.

use jumpup_domain::quote::Fnv;
use serde_json::Value;

use crate::support::{TempDir, decimal, jumpup, stderr, stdout};

fn date(v: &Value) -> i64 {
    v.as_str()
        .expect("a date")
        .replace('-', "")
        .parse()
        .expect("YYYYMMDD")
}

fn won(v: &Value) -> i64 {
    v.as_i64().expect("won")
}

fn pct_units(v: &Value) -> i64 {
    // Ten-thousandths of a percent, from the exact decimal string.
    i64::try_from(decimal(v.as_str().expect("a percentage")).expect("decimal") / 10_000)
        .expect("fits")
}

/// The digest of one quote, computed from its JSON: the figures `Quote::digest` documents, in
/// its order.
fn digest(q: &Value) -> u64 {
    let mut h = Fnv::new();
    let g = &q["guarantee"];
    h.int(pct_units(&g["coverage_pct"]));
    h.int(won(&g["guaranteed_won"]));
    for y in g["fees"].as_array().expect("fees") {
        h.int(won(&y["year"]));
        h.int(date(&y["from"]));
        h.int(date(&y["to"]));
        h.int(won(&y["days"]));
        h.int(won(&y["base_won"]));
        h.int(pct_units(&y["rate_pct"]));
        h.int(won(&y["fee_won"]));
    }
    h.int(won(&g["fee_total_won"]));
    h.int(won(&g["refund_won"]));
    let s = &q["subsidy"];
    h.int(date(&s["from"]));
    h.int(if s["to"].is_null() { 0 } else { date(&s["to"]) });
    h.bytes(s["end_reason"].as_str().expect("reason").as_bytes());
    for p in s["periods"].as_array().expect("periods") {
        h.int(date(&p["from"]));
        h.int(date(&p["to"]));
        h.int(won(&p["days"]));
        h.int(won(&p["claim_won"]));
        h.int(won(&p["payment_won"]));
    }
    h.int(won(&s["claim_total_won"]));
    h.int(won(&s["payment_total_won"]));
    h.int(won(&s["reservation_won"]));
    h.finish()
}

#[test]
fn the_bench_checksum_equals_the_checksum_of_the_json_quotes_of_the_same_loans() {
    let dir = TempDir::new();
    let cases = dir.path().join("cases.ndjson");
    let out = jumpup(
        &[
            "bench",
            "quote",
            "--loans",
            "1000",
            "--threads",
            "2",
            "--cases-out",
            cases.to_str().expect("utf-8"),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = stdout(&out);
    let checksum = report
        .lines()
        .find_map(|l| l.strip_prefix("checksum: "))
        .expect("a checksum line")
        .to_owned();
    for feature in [
        "partial repayments",
        "rate changes",
        "arrears across months",
        "stops",
        "quarterly claims",
        "loans/s",
        "peak memory",
    ] {
        assert!(report.contains(feature), "{feature} missing from\n{report}");
    }

    let out = jumpup(
        &["quote", "--json", "--batch", cases.to_str().expect("utf-8")],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let quotes: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON quote a line"))
        .collect();
    assert_eq!(quotes.len(), 1000);
    let mut h = Fnv::new();
    for q in &quotes {
        h.int(digest(q) as i64);
    }
    assert_eq!(format!("{:016x}", h.finish()), checksum);

    // The batch path prints what the single-case command prints.
    let text = std::fs::read_to_string(&cases).expect("cases");
    for (i, line) in text.lines().enumerate().step_by(97) {
        let single = jumpup(&["quote", "--json", "-"], line);
        let single: Value = serde_json::from_str(&stdout(&single)).expect("JSON");
        assert_eq!(single, quotes[i], "case {i}");
    }
    // The mix covers every event kind, quarterly claims and every end reason but maturity.
    for needle in [
        "\"repayment\"",
        "\"rate_change\"",
        "\"arrears_start\"",
        "\"arrears_end\"",
        "\"relocation\"",
        "\"closure\"",
        "\"default\"",
        "\"ineligible\"",
        "\"quarter\"",
    ] {
        assert!(
            text.contains(needle),
            "no {needle} among the generated cases"
        );
    }
}

#[test]
fn a_batch_reports_each_refused_line_and_exits_2() {
    let out = jumpup(
        &["quote", "--json", "--batch", "-"],
        "{\"program\": \"nope\"}\n\n[1]\n",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines[0].starts_with("line 1: program: unknown programme"),
        "{lines:?}"
    );
    assert_eq!(lines.last(), Some(&"line 3: : must be a JSON object"));
    assert_eq!(
        stdout(&out).lines().count(),
        2,
        "one result per non-empty line"
    );
}

jumpup_store::both_url! {
    async fn the_settlement_bench_runs_a_whole_month_that_verifies(db, url) {
        let out = crate::imports::run(&url, &["bench", "settle", "--loans", "200"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = stdout(&out);
        for step in ["import cases", "import loans", "import events", "import claims", "settle prepare", "settle approve", "export payments", "the month"] {
            assert!(text.contains(step), "{step}: {text}");
        }
        assert!(text.contains("200 lines, payable "), "{text}");
        let out = crate::imports::run(&url, &["settle", "verify", "1", "--actor", "bench-city"]);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        let out = crate::imports::run(&url, &["ledger", "check"]);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        // It needs an empty database.
        let out = crate::imports::run(&url, &["bench", "settle", "--loans", "10"]);
        assert_eq!(out.status.code(), Some(2));
        let _ = &db;
    }
}
