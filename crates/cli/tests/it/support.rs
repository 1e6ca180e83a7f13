//! Helpers shared by the tests: the spec folder, the binary, temporary directories, and a
//! quote through the library.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use jumpup_service::catalog::load_catalog;
use jumpup_service::quote_json::{self, Detail};
use serde_json::Value;

/// `../shared/spec` beside the repository (or `$JUMPUP_SPEC_DIR`). Missing is a failure, not
/// a skip: the examples are the contract.
pub fn spec_dir() -> PathBuf {
    let dir = std::env::var_os("JUMPUP_SPEC_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec"),
        PathBuf::from,
    );
    assert!(
        dir.join("QUOTE.md").is_file(),
        "the shared spec folder is missing at {} (set JUMPUP_SPEC_DIR to its path)",
        dir.display()
    );
    dir
}

/// Runs the `jumpup` binary with `args`, feeding `stdin`.
pub fn jumpup(args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_jumpup"))
        .args(args)
        .env_remove("JUMPUP_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the jumpup binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("jumpup finishes")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8 stderr")
}

/// A fresh directory under the system's temporary directory, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "jumpup-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write a temporary file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Quotes a case through the library (built-in programmes) with the working included.
pub fn quote(case: &Value) -> Value {
    let catalog = load_catalog(None).expect("built-in programmes load");
    match quote_json::parse(&case.to_string(), &catalog) {
        Ok(request) => {
            let q = jumpup_domain::quote::quote(&request.input);
            serde_json::to_value(quote_json::to_json(&request, &q, Detail::Explained))
                .expect("serialises")
        }
        Err(problems) => panic!("the case was refused: {problems:?}"),
    }
}

/// The problems of a refused case, as `field: message` lines.
pub fn refusal(case: &Value) -> Vec<String> {
    let catalog = load_catalog(None).expect("built-in programmes load");
    match quote_json::parse(&case.to_string(), &catalog) {
        Ok(_) => panic!("the case was accepted: {case}"),
        Err(problems) => problems.iter().map(ToString::to_string).collect(),
    }
}

/// Jump-Up's base case: 500,000,000 won at 4.5% from 2025-09-01 for three years, 95% covered.
pub fn base_case() -> Value {
    serde_json::json!({
        "program": "incheon-jumpup",
        "loan": {
            "principal_won": 500000000,
            "annual_rate_pct": "4.5",
            "executed_on": "2025-09-01",
            "maturity_on": "2028-09-01"
        },
        "guarantee": { "coverage_pct": "95", "base_fee_rate_pct": "1.2" },
        "events": []
    })
}

/// Compares the expected JSON with the actual key by key, percentages as numbers and
/// `warnings` skipped (QUOTE.md: free text); returns the differences.
pub fn differences(expected: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, v) in e {
                if k == "warnings" {
                    continue;
                }
                match a.get(k) {
                    Some(av) => differences(v, av, &format!("{path}.{k}"), out),
                    None => out.push(format!("{path}.{k}: missing")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                differences(ev, av, &format!("{path}[{i}]"), out);
            }
        }
        (Value::String(e), Value::String(a)) => {
            if e != a && !(decimal(e).is_some() && decimal(e) == decimal(a)) {
                out.push(format!("{path}: expected {e:?}, got {a:?}"));
            }
        }
        (e, a) if e == a => {}
        (e, a) => out.push(format!("{path}: expected {e}, got {a}")),
    }
}

/// A decimal string as an exact (numerator, power of ten) pair scaled to 10^8.
pub fn decimal(text: &str) -> Option<i128> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 8
    {
        return None;
    }
    let scaled = format!("{whole}{frac:0<8}");
    scaled.parse().ok()
}

/// A fictional other city's programme: a guaranteed-base subsidy with two versions, the
/// second (from 2026) raising the rate and claiming quarterly.
pub const OTHER_CITY: &str = r#"
# A fictional city: a loan-based subsidy of 1.5%p claimed quarterly, from 2026.
id = "busan-tech-leap"
name_ko = "부산 기술도약 이차보전"
name_en = "Busan Tech Leap Interest Subsidy"

[[versions]]
in_force_from = 2025-01-01
budget.subsidy_won = 500_000_000
budget.guarantee_supply_won = 0
limit.per_firm_won = 500_000_000
limit.per_firm_won_grade_a_or_above = 800_000_000
case.loan_deadline_days = 60
guarantee.coverage_pct_min = "80"
guarantee.coverage_pct_max = "90"
guarantee.fee_discount_pct = "0.2"
guarantee.fee_discount_years = 1
guarantee.fee_floor_pct = "0.4"
guarantee.fee_day_count = "actual_365"
subsidy.rate_pct = "1.0"
subsidy.term_months = 24
subsidy.min_borrower_rate_pct = "1.5"
subsidy.base = "guaranteed"
subsidy.cap_won = 300_000_000
subsidy.cap_won_grade_a_or_above = 600_000_000
subsidy.claim_period = "month"
subsidy.day_count = "actual_365"
subsidy.payment_unit_won = 10

[[versions]]
in_force_from = "2026-01-01"
subsidy.rate_pct = "1.5"
subsidy.claim_period = "quarter"
"#;
