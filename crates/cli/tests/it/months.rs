//! Settlement month by month, end to end on both databases: thirty-three loans at four banks,
//! every event kind, six months of bank files for thirty of them, and the loans of quote examples
//! 01, 03 and 05 settled over their whole subsidy span. Banks claim what they compute from the
//! events they know of; one relocation is reported after its months were paid, one default is
//! reported by mistake and cancelled, one claim is revised. After every approval the batch
//! reconciles; at the end every loan has been paid, to the won, what the quote engine gives for
//! its final history, and the example loans exactly the examples' figures.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, Months, NaiveDate};
use jumpup_store::both_url;
use serde_json::{Value, json};

use crate::imports::users;
use crate::settle::{json, ok};
use crate::support::{TempDir, quote, spec_dir};

const BANKS: [&str; 4] = ["004", "011", "020", "088"];
/// The months settled, each by the batch prepared through its last day.
const MONTHS: usize = 12;
/// The portfolio's banks send six months of files; the example loans claim for all twelve.
const PORTFOLIO_MONTHS: usize = 6;
/// Jump-Up with a higher per-firm limit for grade A, for example 05's loan.
const WIDE: &str = "incheon-jumpup-wide";

/// Stores and approves the programme `WIDE`: Jump-Up's file with its id and that limit changed.
fn wide_programme(url: &str, dir: &TempDir) {
    let jumpup = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../service/programs/incheon-jumpup.toml"),
    )
    .expect("Jump-Up's programme file");
    let wide = jumpup
        .replace("id = \"incheon-jumpup\"", &format!("id = \"{WIDE}\""))
        .replace(
            "per_firm_won_grade_a_or_above = 3_000_000_000",
            "per_firm_won_grade_a_or_above = 4_000_000_000",
        );
    assert_ne!(wide, jumpup);
    let file = path(dir.write("wide.toml", &wide));
    ok(url, &["programs", "import", &file, "--actor", "root"]);
    ok(
        url,
        &[
            "programs",
            "approve",
            WIDE,
            "--on",
            "2025-07-22",
            "--actor",
            "mayor",
        ],
    );
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date")
}

/// The first day of month `m` (0 = September 2025).
fn month_start(m: usize) -> NaiveDate {
    date("2025-09-01") + Months::new(u32::try_from(m).expect("small"))
}

fn month_end(m: usize) -> NaiveDate {
    month_start(m + 1) - Days::new(1)
}

fn month_of(d: NaiveDate) -> usize {
    let months = (d.year() - 2025) * 12 + i32::try_from(d.month()).expect("a month") - 9;
    usize::try_from(months).expect("from September 2025")
}

#[derive(Clone)]
struct Ev {
    on: NaiveDate,
    kind: &'static str,
    amount: Option<i64>,
    rate: Option<&'static str>,
    /// The month whose file reports it.
    reported_in: usize,
    /// Reported by a bank clerk with `event add` (and cancelled by the clerk in this month).
    mistaken: Option<usize>,
}

impl Ev {
    fn new(on: NaiveDate, kind: &'static str) -> Ev {
        Ev {
            on,
            kind,
            amount: None,
            rate: None,
            reported_in: month_of(on),
            mistaken: None,
        }
    }

    fn json(&self) -> Value {
        let mut v = json!({ "on": self.on.to_string(), "kind": self.kind });
        if let Some(a) = self.amount {
            v["amount_won"] = json!(a);
        }
        if let Some(r) = self.rate {
            v["annual_rate_pct"] = json!(r);
        }
        v
    }

    /// Whether the bank knows of it, and it stands, when it files month `m`.
    fn known_in(&self, m: usize) -> bool {
        self.reported_in <= m && self.mistaken.is_none_or(|cancelled| m < cancelled)
    }
}

struct Loan {
    program: &'static str,
    bank: &'static str,
    no: String,
    guarantee: String,
    grade: &'static str,
    coverage: &'static str,
    fee: &'static str,
    principal: i64,
    rate: &'static str,
    executed: NaiveDate,
    maturity: NaiveDate,
    events: Vec<Ev>,
    /// The months in which its bank files claims.
    claims_until: usize,
    /// Won claimed above (positive) or below (negative) the bank's own figure in a month,
    /// with the revision that corrects an under-claim a month later.
    claim_offset: Option<(usize, i64)>,
    /// A quote example whose figures its payments must equal.
    example: Option<&'static str>,
}

impl Loan {
    fn quote_input(&self, events: Vec<Value>) -> Value {
        json!({
            "program": "incheon-jumpup",
            "firm": { "kibo_grade": self.grade },
            "loan": {
                "principal_won": self.principal,
                "annual_rate_pct": self.rate,
                "executed_on": self.executed.to_string(),
                "maturity_on": self.maturity.to_string(),
            },
            "guarantee": { "coverage_pct": self.coverage, "base_fee_rate_pct": self.fee },
            "events": events,
        })
    }

    /// The claim periods `(from, to, claim, payment)` the engine gives for the events known
    /// in month `m` (`None`: the final history).
    fn periods(&self, m: Option<usize>) -> Vec<(NaiveDate, NaiveDate, i64, i64)> {
        let events = self
            .events
            .iter()
            .filter(|e| match m {
                Some(m) => e.known_in(m),
                None => e.mistaken.is_none(),
            })
            .map(Ev::json)
            .collect();
        let q = quote(&self.quote_input(events));
        q["subsidy"]["periods"]
            .as_array()
            .expect("periods")
            .iter()
            .map(|p| {
                (
                    date(p["from"].as_str().expect("from")),
                    date(p["to"].as_str().expect("to")),
                    p["claim_won"].as_i64().expect("claim"),
                    p["payment_won"].as_i64().expect("payment"),
                )
            })
            .collect()
    }
}

/// Thirty loans with every event kind, three times over, and the three example loans.
fn portfolio() -> Vec<Loan> {
    let mut loans = Vec::new();
    for i in 0..30usize {
        let n = i64::try_from(i).expect("small");
        let executed = date("2025-09-01") + Days::new(u64::try_from(i * 3 % 50).expect("small"));
        let maturity = if i == 12 {
            // Matures within its subsidy year.
            executed + Months::new(5)
        } else {
            executed + Months::new(12 * (1 + u32::try_from(i % 3).expect("small")))
        };
        let principal = 100_000_000 + (n * 37 % 19) * 50_000_000;
        let at = |days: u64| executed + Days::new(days);
        let events = match i % 10 {
            0 => Vec::new(),
            1 => vec![Ev {
                amount: Some(principal / 4),
                ..Ev::new(at(40), "repayment")
            }],
            2 => vec![
                Ev {
                    rate: Some("3.0"),
                    ..Ev::new(at(35), "rate_change")
                },
                // Below the minimum borrower rate.
                Ev {
                    rate: Some("1.5"),
                    ..Ev::new(at(80), "rate_change")
                },
            ],
            3 => vec![
                // Across a month boundary.
                Ev::new(at(50), "arrears_start"),
                Ev::new(at(65), "arrears_end"),
            ],
            // In arrears to the end of the span.
            4 => vec![Ev::new(at(70), "arrears_start")],
            5 => vec![Ev {
                // Relocated in the second month; loan 5's is reported two months late, after
                // its months were paid.
                reported_in: month_of(at(40)) + if i == 5 { 2 } else { 0 },
                ..Ev::new(at(40), "relocation")
            }],
            6 => vec![Ev::new(at(75), "closure")],
            7 => vec![Ev::new(at(100), "default")],
            // Found ineligible after four months were paid: everything comes back.
            8 => vec![Ev::new(at(125), "ineligible")],
            _ => vec![Ev {
                amount: Some(principal),
                ..Ev::new(at(60), "repayment")
            }],
        };
        let mut loan = Loan {
            program: "incheon-jumpup",
            bank: BANKS[i % BANKS.len()],
            no: format!("M-{i:03}"),
            guarantee: format!("KB-M{i:03}"),
            grade: ["A", "BBB", "BB", "B"][i % 4],
            coverage: ["90", "95", "100"][i % 3],
            fee: "1.2",
            principal,
            rate: ["4.5", "5.1", "3.2", "6.0", "2.9"][i % 5],
            executed,
            maturity,
            events,
            claims_until: PORTFOLIO_MONTHS,
            claim_offset: (i % 7 == 3).then_some((1, 777)),
            example: None,
        };
        if i == 0 {
            // A default reported by mistake in November, cancelled by its reporter in December.
            loan.events.push(Ev {
                mistaken: Some(3),
                ..Ev::new(date("2025-11-05"), "default")
            });
        }
        if i == 11 {
            // Under-claimed in October, put right by a revision in November.
            loan.claim_offset = Some((1, -1000));
        }
        loans.push(loan);
    }
    for (name, bank) in [
        ("01-repayment-month7", "004"),
        ("03-relocation", "011"),
        ("05-grade-a-cap-full-repayment-refund", "020"),
    ] {
        let input: Value = serde_json::from_str(
            &std::fs::read_to_string(spec_dir().join(format!("examples/quote/{name}.in.json")))
                .expect("the example (../shared/spec/examples/quote)"),
        )
        .expect("JSON");
        let text = |v: &Value| v.as_str().expect("text").to_owned();
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let events = input["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| Ev {
                amount: e["amount_won"].as_i64(),
                rate: e["annual_rate_pct"].as_str().map(|r| leak(r.to_owned())),
                ..Ev::new(date(&text(&e["on"])), leak(text(&e["kind"])))
            })
            .collect();
        loans.push(Loan {
            // Example 05 lends 3,500,000,000 won, above Jump-Up's per-firm limit for grade A
            // (3,000,000,000, RULES.md 5): it is a case of a programme identical but for that
            // limit, so its subsidy is Jump-Up's.
            program: if name.starts_with("05") {
                WIDE
            } else {
                "incheon-jumpup"
            },
            bank,
            no: format!("EX-{}", &name[..2]),
            guarantee: format!("KB-EX{}", &name[..2]),
            grade: input["firm"]["kibo_grade"]
                .as_str()
                .map_or("BBB", |g| leak(g.to_owned())),
            coverage: leak(text(&input["guarantee"]["coverage_pct"])),
            fee: leak(text(&input["guarantee"]["base_fee_rate_pct"])),
            principal: input["loan"]["principal_won"].as_i64().expect("principal"),
            rate: leak(text(&input["loan"]["annual_rate_pct"])),
            executed: date(&text(&input["loan"]["executed_on"])),
            maturity: date(&text(&input["loan"]["maturity_on"])),
            events,
            claims_until: MONTHS,
            claim_offset: None,
            example: Some(name),
        });
    }
    loans
}

fn business_no(i: usize) -> String {
    let digits = format!("{:09}", 200_000_000 + i);
    let mut first9 = [0u8; 9];
    for (slot, b) in first9.iter_mut().zip(digits.bytes()) {
        *slot = b - b'0';
    }
    jumpup_domain::regno::BusinessNumber::from_first9(first9).to_string()
}

fn files(dir: &TempDir, loans: &[Loan]) -> (String, String) {
    let mut cases = String::from(
        "business_no,firm_name,district,kibo_grade,program,decided_on,guarantee_no,coverage_pct,base_fee_rate_pct,approved_won\n",
    );
    let mut rows = String::from(
        "bank_code,loan_no,guarantee_no,principal_won,annual_rate_pct,executed_on,maturity_on\n",
    );
    for (i, l) in loans.iter().enumerate() {
        cases.push_str(&format!(
            "{},월별기업{i:02},연수구,{},{},{},{},{},{},{}\n",
            business_no(i),
            l.grade,
            l.program,
            l.executed - Days::new(7),
            l.guarantee,
            l.coverage,
            l.fee,
            l.principal
        ));
        rows.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            l.bank, l.no, l.guarantee, l.principal, l.rate, l.executed, l.maturity
        ));
    }
    (
        path(dir.write("cases.csv", &cases)),
        path(dir.write("loans.csv", &rows)),
    )
}

fn path(p: std::path::PathBuf) -> String {
    p.to_str().expect("utf-8").to_owned()
}

/// What the budget ledger shows paid, over all programmes.
fn paid_account(url: &str) -> i64 {
    json(url, &["budget", "show", "--json"])
        .as_array()
        .expect("programmes")
        .iter()
        .map(|p| p["balances"]["paid"].as_i64().expect("paid"))
        .sum()
}

/// Every payable line of an approved batch, from its payments file: `(loan, period, payable)`.
fn payable_lines(url: &str, dir: &TempDir, batch: i64) -> Vec<(String, NaiveDate, i64)> {
    let out = dir.path().join(format!("payments-{batch}.csv"));
    let batch = batch.to_string();
    ok(
        url,
        &[
            "export",
            "payments",
            &batch,
            "--format",
            "csv",
            "--out",
            out.to_str().expect("utf-8"),
            "--actor",
            "auditor",
        ],
    );
    csv::Reader::from_path(&out)
        .expect("the payments file")
        .deserialize::<BTreeMap<String, String>>()
        .map(|r| r.expect("a row"))
        .filter(|r| r["status"] != "total")
        .map(|r| {
            (
                r["loan_no"].clone(),
                date(&r["period_from"]),
                r["payable_won"].parse().expect("won"),
            )
        })
        .collect()
}

both_url! {
    async fn twelve_months_pay_every_loan_what_the_engine_gives_for_its_final_history(db, url) {
        let dir = TempDir::new();
        users(&url);
        ok(&url, &["user", "add", "auditor", "--role", "auditor", "--actor", "root"]);
        for code in BANKS {
            ok(&url, &["bank", "add", code, "은행", "--actor", "root"]);
        }
        ok(&url, &["user", "add", "clerk", "--role", "bank", "--bank", "004", "--actor", "root"]);
        wide_programme(&url, &dir);
        let loans = portfolio();
        let (cases, loan_file) = files(&dir, &loans);
        ok(&url, &["import", "cases", &cases, "--actor", "officer"]);
        ok(&url, &["import", "loans", &loan_file, "--actor", "officer"]);

        let mut paid: BTreeMap<(String, NaiveDate), i64> = BTreeMap::new();
        let mut mistaken_ids: BTreeMap<usize, String> = BTreeMap::new();
        let mut paid_account_before = 0;
        let mut statuses = BTreeSet::new();
        let mut by_month = Vec::new();
        for m in 0..MONTHS {
            // The month's events: a file from the banks; a mistaken default by the clerk.
            let mut events = String::from("bank_code,loan_no,on,kind,amount_won,annual_rate_pct\n");
            for (i, l) in loans.iter().enumerate() {
                for e in l.events.iter().filter(|e| e.reported_in == m) {
                    if e.mistaken.is_some() {
                        let case = (i + 1).to_string();
                        let on = e.on.to_string();
                        let v = json(&url, &["event", "add", "--case", &case, "--on", &on, "--kind", e.kind, "--actor", "clerk", "--json"]);
                        mistaken_ids.insert(i, v["loan_event_id"].to_string());
                        continue;
                    }
                    events.push_str(&format!(
                        "{},{},{},{},{},{}\n",
                        l.bank, l.no, e.on, e.kind,
                        e.amount.map(|a| a.to_string()).unwrap_or_default(),
                        e.rate.unwrap_or_default()
                    ));
                }
                if l.events.iter().any(|e| e.mistaken == Some(m)) {
                    ok(&url, &["event", "cancel", &mistaken_ids[&i], "--reason", "reported on the wrong loan", "--actor", "clerk"]);
                }
            }
            let file = path(dir.write(&format!("events-{m}.csv"), &events));
            ok(&url, &["import", "events", &file, "--actor", "officer"]);

            // The month's claims: each bank's own figure for every period ending this month,
            // from the events it knows of (some above it, one below).
            let mut claims = String::from("bank_code,loan_no,period_from,period_to,claimed_won,revision\n");
            for l in loans.iter().filter(|l| m < l.claims_until) {
                for (from, to, claim, _) in l.periods(Some(m)) {
                    let offset = match l.claim_offset {
                        Some((month, won)) if month == m => won,
                        _ => 0,
                    };
                    if month_of(to) == m {
                        claims.push_str(&format!("{},{},{from},{to},{},1\n", l.bank, l.no, claim + offset));
                    }
                }
            }
            // The corrections: loan 11's October under-claim, loan 0's November period after
            // its mistaken default was cancelled.
            if m == 2 {
                let l = &loans[11];
                let (from, to, claim, _) = l.periods(Some(m)).into_iter().find(|p| month_of(p.1) == 1).expect("October");
                claims.push_str(&format!("{},{},{from},{to},{claim},2\n", l.bank, l.no));
            }
            if m == 3 {
                let l = &loans[0];
                let (from, to, claim, _) = l.periods(Some(m)).into_iter().find(|p| month_of(p.1) == 2).expect("November");
                claims.push_str(&format!("{},{},{from},{to},{claim},2\n", l.bank, l.no));
            }
            let file = path(dir.write(&format!("claims-{m}.csv"), &claims));
            ok(&url, &["import", "claims", &file, "--actor", "officer"]);

            // Prepared by the Technopark, approved by the City, reconciled.
            let through = month_end(m).to_string();
            let batch = json(&url, &["settle", "prepare", "--through", &through, "--actor", "officer", "--json"]);
            let id = batch["batch_id"].as_i64().expect("a batch id");
            for (status, _) in batch["by_status"].as_object().expect("statuses") {
                statuses.insert(status.clone());
            }
            ok(&url, &["settle", "approve", &id.to_string(), "--actor", "mayor"]);
            let v = json(&url, &["settle", "verify", &id.to_string(), "--actor", "auditor", "--json"]);
            assert_eq!(v["differences"], json!([]), "month {m}: {v}");
            ok(&url, &["ledger", "check"]);
            ok(&url, &["audit", "verify"]);
            let lines = payable_lines(&url, &dir, id);
            let sum: i64 = lines.iter().map(|l| l.2).sum();
            assert_eq!(sum, batch["totals"]["payable_won"].as_i64().expect("won"), "month {m}");
            let now = paid_account(&url);
            assert_eq!(now - paid_account_before, sum, "month {m}: the ledger moved by the batch");
            paid_account_before = now;
            for (loan, from, won) in &lines {
                *paid.entry((loan.clone(), *from)).or_default() += won;
            }
            by_month.push(lines);
        }
        // The story's turns, each in its month's batch.
        // Batch `m`'s lines of a loan for its period in month `period`.
        let line = |m: usize, loan: &str, period: usize| -> Vec<i64> {
            by_month[m].iter().filter(|l| l.0 == loan && month_of(l.1) == period).map(|l| l.2).collect()
        };
        // Loan 5's relocation (26 October), reported in December: October cut short and
        // November no longer a period, both clawed back.
        assert!(matches!(line(3, "M-005", 1)[..], [won] if won < 0));
        assert!(matches!(line(3, "M-005", 2)[..], [won] if won < 0));
        // Loan 11's October under-claim, revised in November: the rest paid as an adjustment.
        assert_eq!(line(2, "M-011", 1), vec![1000]);
        // Loan 0's mistaken default cut November short; cancelled, November's revision pays
        // the rest of the month.
        assert!(matches!(line(3, "M-000", 2)[..], [won] if won > 0));
        // Loan 8 was paid four months, then found ineligible: all of it came back.
        let before: i64 = (0..4).flat_map(|m| by_month[m].iter()).filter(|l| l.0 == "M-008").map(|l| l.2).sum();
        let after: i64 = by_month[4].iter().filter(|l| l.0 == "M-008").map(|l| l.2).sum();
        assert!(before > 0 && after == -before, "{before} {after}");
        for status in ["match", "reduced", "under_claimed", "adjustment", "clawback"] {
            assert!(statuses.contains(status), "no {status} line in twelve months: {statuses:?}");
        }

        // Every loan was paid, period by period, what the engine gives for its final history.
        for l in &loans {
            let last = month_end(l.claims_until - 1);
            // Periods paid nothing in the end (forfeited, or paid and clawed back) drop out.
            let expected: BTreeMap<NaiveDate, i64> = l
                .periods(None)
                .into_iter()
                .filter(|p| p.1 <= last && p.3 != 0)
                .map(|(from, _, _, payment)| (from, payment))
                .collect();
            let got: BTreeMap<NaiveDate, i64> = paid
                .iter()
                .filter(|((loan, _), won)| *loan == l.no && **won != 0)
                .map(|((_, from), won)| (*from, *won))
                .collect();
            assert_eq!(got, expected, "loan {}", l.no);
            if let Some(name) = l.example {
                let out: Value = serde_json::from_str(
                    &std::fs::read_to_string(spec_dir().join(format!("examples/quote/{name}.out.json"))).expect("the example"),
                )
                .expect("JSON");
                let total: i64 = got.values().sum();
                assert_eq!(Some(total), out["subsidy"]["payment_total_won"].as_i64(), "{name}");
                for p in out["subsidy"]["periods"].as_array().expect("periods") {
                    let from = date(p["from"].as_str().expect("from"));
                    assert_eq!(got.get(&from).copied(), p["payment_won"].as_i64(), "{name} {from}");
                }
            }
        }
        let total: i64 = paid.values().sum();
        assert_eq!(total, paid_account(&url));
        // The examples' cases ended with their spans: completed by the term, terminated by the
        // relocation and by the full repayment (issue 3's end states).
        let state = |i: usize| json(&url, &["case", "show", &(i + 1).to_string(), "--actor", "officer", "--json"])["state"].clone();
        assert_eq!(state(30), "completed");
        assert_eq!(state(31), "terminated");
        assert_eq!(state(32), "terminated");
        let _ = &db;
    }
}
