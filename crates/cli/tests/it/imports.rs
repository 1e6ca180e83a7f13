//! `jumpup import cases` (FILES.md) on both databases: the spec's bad file refused whole with
//! exactly its bad rows, the good file stored with its reservations, the same file again
//! skipped, Korean headers in CP949 read, a contradiction and an over-committed budget refused.

use jumpup_store::both_url;

use crate::support::{TempDir, jumpup, spec_dir, stderr, stdout};

pub fn run(url: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--database", url];
    all.extend_from_slice(args);
    jumpup(&all, "")
}

pub fn settlement(name: &str) -> String {
    spec_dir()
        .join("examples/settlement")
        .join(name)
        .to_str()
        .expect("utf-8")
        .to_owned()
}

pub fn users(url: &str) {
    for args in [
        vec!["user", "add", "root", "--role", "admin"],
        vec!["user", "add", "officer", "--role", "tp", "--actor", "root"],
        vec!["user", "add", "mayor", "--role", "city", "--actor", "root"],
    ] {
        let out = run(url, &args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
}

fn reserved(url: &str) -> i64 {
    let out = run(url, &["budget", "show", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    v.as_array()
        .expect("programmes")
        .iter()
        .find(|p| p["program"] == "incheon-jumpup")
        .map_or(0, |p| p["balances"]["reserved"].as_i64().expect("reserved"))
}

both_url! {
    async fn the_spec_cases_files_import_as_files_md_says(db, url) {
        users(&url);
        // The bad file: refused whole, exactly the rows the spec lists, nothing stored.
        let out = run(&url, &["import", "cases", &settlement("cases-bad.csv"), "--actor", "officer", "--json"]);
        assert_eq!(out.status.code(), Some(2));
        let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON report");
        let rows: Vec<i64> = report["errors"].as_array().expect("errors").iter().map(|e| e["row"].as_i64().expect("row")).collect();
        let expected: Vec<i64> = std::fs::read_to_string(settlement("cases-bad.expected-rows.txt"))
            .expect("expected rows")
            .split_whitespace()
            .map(|n| n.parse().expect("row number"))
            .collect();
        assert_eq!(rows, expected);
        assert_eq!(report["stored"], 0);
        assert_eq!(reserved(&url), 0);
        let list = run(&url, &["case", "list", "--actor", "officer", "--json"]);
        assert_eq!(stdout(&list).trim(), "[]");

        // The good file: twelve cases with their reservations, then the same file again: skipped.
        let out = run(&url, &["import", "cases", &settlement("cases.csv"), "--actor", "officer"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stdout(&out).trim(), "stored 12, skipped 0, warnings 0");
        let after_first = reserved(&url);
        assert!(after_first > 0);
        let out = run(&url, &["import", "cases", &settlement("cases.csv"), "--actor", "officer"]);
        assert_eq!(stdout(&out).trim(), "stored 0, skipped 12, warnings 0");
        assert_eq!(reserved(&url), after_first);
        // Only tp imports.
        let out = run(&url, &["import", "cases", &settlement("cases.csv"), "--actor", "mayor"]);
        assert_eq!(out.status.code(), Some(3));
        let out = run(&url, &["ledger", "check"]);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        let out = run(&url, &["audit", "verify"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        // A case that holds a reservation its state should not hold fails the ledger check.
        jumpup_store::testing::execute_raw(&db, "update support_case set state = 'withdrawn' where case_id = 1").await;
        let out = run(&url, &["ledger", "check"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stdout(&out).contains("case 1 (withdrawn) holds"), "{}", stdout(&out));
    }

    async fn korean_headers_in_cp949_are_read_and_a_contradiction_is_refused(db, url) {
        users(&url);
        // The spec's files end their lines with CRLF, as Excel writes them.
        let original = std::fs::read_to_string(settlement("cases.csv")).expect("cases.csv").replace("\r\n", "\n");
        let (header, body) = original.split_once('\n').expect("a header");
        let korean = header
            .replace("business_no", "사업자등록번호")
            .replace("corporate_no", "법인등록번호")
            .replace("firm_name", "기업명")
            .replace("district", "구군")
            .replace("kibo_grade", "기술등급")
            .replace("program", "사업")
            .replace("decided_on", "결정일")
            .replace("guarantee_no", "보증번호")
            .replace("coverage_pct", "보증비율")
            .replace("base_fee_rate_pct", "기본보증료율")
            .replace("approved_won", "승인금액");
        // Hyphenless business numbers and separators in amounts, as spreadsheets write them.
        let body = body.replacen("542-87-10361", "5428710361", 1).replacen(",500000000\n", ",\"500,000,000\"\n", 1);
        let text = format!("{korean},메모\n{body}");
        let (bytes, _, unmappable) = encoding_rs::EUC_KR.encode(&text);
        assert!(!unmappable);
        let dir = TempDir::new();
        let path = dir.path().join("cases-cp949.csv");
        std::fs::write(&path, &bytes).expect("write");
        let out = run(&url, &["import", "cases", path.to_str().expect("utf-8"), "--actor", "officer"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stdout(&out).trim(), "stored 12, skipped 0, warnings 1");
        assert!(stderr(&out).contains("메모"), "the extra column is named: {}", stderr(&out));
        // The same guarantee number with another amount contradicts the stored case.
        let changed = original.replacen("KB202500000,100,1.0,500000000", "KB202500000,100,1.0,400000000", 1);
        let path = dir.write("changed.csv", &changed);
        let out = run(&url, &["import", "cases", path.to_str().expect("utf-8"), "--actor", "officer"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("row 2, guarantee_no: contradicts the stored case"), "{}", stderr(&out));
        let _ = &db;
    }

    async fn a_file_that_would_over_commit_the_budget_is_refused_naming_the_first_row_that_does_not_fit(db, url) {
        users(&url);
        // 200 cases of 1,000,000,000 reserve about 20,000,000 each: the 2,000,000,000 budget
        // holds 100 of them.
        let mut text = String::from("business_no,firm_name,district,kibo_grade,program,decided_on,guarantee_no,coverage_pct,base_fee_rate_pct,approved_won\n");
        for i in 0..120u32 {
            let first9: Vec<u8> = format!("{:09}", 100_000_000 + i * 7).bytes().map(|b| b - b'0').collect();
            let number = jumpup_domain::regno::BusinessNumber::from_first9(first9.try_into().expect("nine digits"));
            text.push_str(&format!("{number},기업{i},연수구,BBB,incheon-jumpup,2025-09-01,G{i:04},95,1.0,1000000000\n"));
        }
        let dir = TempDir::new();
        let path = dir.write("many.csv", &text);
        let out = run(&url, &["import", "cases", path.to_str().expect("utf-8"), "--actor", "officer"]);
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        // 2,000,000,000 / 19,999,992 per case: 100 fit; row 102 (the 101st case) does not.
        assert!(err.starts_with("row 102, approved_won: the file would over-commit the incheon-jumpup budget"), "{err}");
        assert_eq!(err.lines().count(), 1, "only the first row that does not fit is named: {err}");
        assert_eq!(reserved(&url), 0, "nothing stored");
        let _ = &db;
    }
}

both_url! {
    async fn an_import_killed_before_its_commit_leaves_nothing_and_can_be_run_again(db, url) {
        users(&url);
        let dir = TempDir::new();
        let path = dir.write("cases-50k.csv", &jumpup_bench::quotes::cases_csv(50_000));
        let path = path.to_str().expect("utf-8");
        // Every row written, the commit not yet made: the process stops there and is killed.
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jumpup"))
            .args(["--database", &url, "import", "cases", path, "--actor", "officer"])
            .env_remove("JUMPUP_DATABASE_URL")
            .env("JUMPUP_PAUSE_BEFORE_COMMIT", "import")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn the import");
        let mut err = std::io::BufReader::new(child.stderr.take().expect("stderr"));
        let mut line = String::new();
        while !line.contains("paused before commit") {
            line.clear();
            let n = std::io::BufRead::read_line(&mut err, &mut line).expect("import output");
            assert!(n > 0, "the import ended before reaching its commit");
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");

        assert_eq!(reserved(&url), 0, "nothing of the file is stored");
        let list = run(&url, &["case", "list", "--actor", "officer", "--json"]);
        assert_eq!(stdout(&list).trim(), "[]");
        let out = run(&url, &["ledger", "check"]);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        let out = run(&url, &["audit", "verify"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

        let out = run(&url, &["import", "cases", path, "--actor", "officer"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stdout(&out).trim(), "stored 50000, skipped 0, warnings 0");
        let _ = &db;
    }
}

/// The spec's `cases.csv` as an XLSX workbook the way Excel users make it: Korean headers, a
/// date cell, amounts as numbers with separators, coverage as a percentage cell, a bank code
/// whose leading zeros the spreadsheet dropped, business numbers without hyphens.
fn cases_xlsx(dir: &TempDir) -> std::path::PathBuf {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let text = std::fs::read_to_string(settlement("cases.csv"))
        .expect("cases.csv")
        .replace("\r\n", "\n");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let headers = [
        "사업자등록번호",
        "법인등록번호",
        "기업명",
        "구군",
        "기술등급",
        "사업",
        "결정일",
        "보증번호",
        "은행코드",
        "보증비율",
        "기본보증료율",
        "승인금액",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let percent = Format::new().set_num_format("0%");
    let won = Format::new().set_num_format("#,##0");
    for (r, line) in text.lines().skip(1).enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        let row = r as u32 + 1;
        sheet
            .write_string(row, 0, f[0].replace('-', ""))
            .expect("cell");
        sheet.write_string(row, 1, f[1]).expect("cell");
        sheet.write_string(row, 2, f[2]).expect("cell");
        sheet.write_string(row, 3, f[3]).expect("cell");
        sheet.write_string(row, 4, f[4]).expect("cell");
        sheet.write_string(row, 5, f[5]).expect("cell");
        let d: Vec<u16> = f[6]
            .split('-')
            .map(|p| p.parse().expect("date part"))
            .collect();
        let day = ExcelDateTime::from_ymd(d[0], d[1] as u8, d[2] as u8).expect("date");
        sheet
            .write_date_with_format(row, 6, &day, &date)
            .expect("cell");
        sheet.write_string(row, 7, f[7]).expect("cell");
        sheet.write_number(row, 8, 4).expect("cell");
        let coverage: u32 = f[8].parse().expect("coverage");
        // The fraction a percentage cell holds (95% is 0.95), written as text and read back.
        let fraction: f64 = if coverage == 100 {
            1.0
        } else {
            format!("0.{coverage:02}").parse().expect("fraction")
        };
        sheet
            .write_number_with_format(row, 9, fraction, &percent)
            .expect("cell");
        sheet
            .write_number(row, 10, f[9].parse::<f64>().expect("fee"))
            .expect("cell");
        sheet
            .write_number_with_format(row, 11, f[10].parse::<f64>().expect("amount"), &won)
            .expect("cell");
    }
    let path = dir.path().join("cases.xlsx");
    book.save(&path).expect("save the workbook");
    path
}

both_url! {
    async fn an_xlsx_file_imports_like_its_csv(db, url) {
        users(&url);
        let out = run(&url, &["bank", "add", "004", "KB국민은행", "--actor", "root"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let dir = TempDir::new();
        let xlsx = cases_xlsx(&dir);
        let out = run(&url, &["import", "cases", xlsx.to_str().expect("utf-8"), "--actor", "officer"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stdout(&out).trim(), "stored 12, skipped 0, warnings 0");
        let via_xlsx = reserved(&url);
        // The CSV of the same cases is then recognised as the same rows.
        let out = run(&url, &["import", "cases", &settlement("cases.csv"), "--actor", "officer"]);
        assert_eq!(stdout(&out).trim(), "stored 0, skipped 12, warnings 0", "{}", stderr(&out));
        assert_eq!(reserved(&url), via_xlsx);
        let show = run(&url, &["case", "show", "1", "--actor", "officer", "--json"]);
        let case: serde_json::Value = serde_json::from_str(&stdout(&show)).expect("JSON");
        assert_eq!(case["bank"], "004", "a dropped leading zero is restored");
        assert_eq!(case["coverage_pct"], "100", "a percentage cell of 1 is 100%");
        let _ = &db;
    }
}

both_url! {
    async fn the_spec_loans_events_and_claims_files_import_as_files_md_says(db, url) {
        users(&url);
        for code in ["004", "011", "020", "088"] {
            let out = run(&url, &["bank", "add", code, "은행", "--actor", "root"]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        }
        let out = run(&url, &["user", "add", "clerk", "--role", "bank", "--bank", "004", "--actor", "root"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let out = run(&url, &["import", "cases", &settlement("cases.csv"), "--actor", "officer"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let before = reserved(&url);
        // A bank may load only its own rows: the file is refused whole, naming the others.
        let out = run(&url, &["import", "loans", &settlement("loans.csv"), "--actor", "clerk"]);
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 6, "{err}");
        assert!(err.lines().all(|l| l.contains("bank_code: ") && l.contains("is another bank's loan")), "{err}");
        // The Technopark loads the banks' file: nine loans, each case's reservation recomputed.
        let out = run(&url, &["import", "loans", &settlement("loans.csv"), "--actor", "officer"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stdout(&out).trim(), "stored 9, skipped 0, warnings 0");
        assert_ne!(reserved(&url), before);
        let out = run(&url, &["import", "loans", &settlement("loans.csv"), "--actor", "officer"]);
        assert_eq!(stdout(&out).trim(), "stored 0, skipped 9, warnings 0");
        // The first bank to report a loan became the case's lender.
        let show = run(&url, &["case", "show", "1", "--actor", "officer", "--json"]);
        let case: serde_json::Value = serde_json::from_str(&stdout(&show)).expect("JSON");
        assert_eq!((case["bank"].as_str(), case["state"].as_str()), (Some("011"), Some("loan_executed")));
        // A principal above the approved amount is a row error; nothing of the file is stored.
        let text = "bank_code,loan_no,guarantee_no,principal_won,annual_rate_pct,executed_on,maturity_on\n004,X-1,KB202500009,700000001,4.5,2025-09-10,2026-09-10\n";
        let dir = TempDir::new();
        let path = dir.write("loans-bad.csv", text);
        let out = run(&url, &["import", "loans", path.to_str().expect("utf-8"), "--actor", "officer"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).starts_with("row 2, principal_won: the principal 700000001 won exceeds the approved amount"), "{}", stderr(&out));
        // Events: the spec's two files, in file order, each checked with the loan's events.
        let out = run(&url, &["import", "events", &settlement("events1.csv"), "--actor", "clerk"]);
        assert_eq!(out.status.code(), Some(2), "another bank's rows are refused");
        let out = run(&url, &["import", "events", &settlement("events1.csv"), "--actor", "officer"]);
        assert_eq!(stdout(&out).trim(), "stored 6, skipped 0, warnings 0", "{}", stderr(&out));
        let out = run(&url, &["import", "events", &settlement("events1.csv"), "--actor", "officer"]);
        assert_eq!(stdout(&out).trim(), "stored 0, skipped 6, warnings 0");
        let out = run(&url, &["import", "events", &settlement("events2.csv"), "--actor", "officer"]);
        assert_eq!(stdout(&out).trim(), "stored 2, skipped 0, warnings 0", "{}", stderr(&out));
        // KB202500007 (case 8) relocated on 2025-11-11: its subsidy stops the day before.
        let quote = run(&url, &["case", "quote", "8", "--actor", "officer", "--json"]);
        let q: serde_json::Value = serde_json::from_str(&stdout(&quote)).expect("JSON");
        assert_eq!((q["subsidy"]["end_reason"].as_str(), q["subsidy"]["to"].as_str()), (Some("relocation"), Some("2025-11-10")));
        // A bank may not report a relocation (RULES.md 8).
        let text = "bank_code,loan_no,on,kind\n004,L0008-3433,2025-12-01,relocation\n";
        let path = dir.write("events-bank.csv", text);
        let out = run(&url, &["import", "events", path.to_str().expect("utf-8"), "--actor", "clerk"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("may not report relocation events"), "{}", stderr(&out));
        let out = run(&url, &["ledger", "check"]);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        // Claims: stored as filed (payability is settlement's question), idempotent, and a
        // stored key with another amount must come as a higher revision.
        let out = run(&url, &["import", "claims", &settlement("claims1.csv"), "--actor", "officer"]);
        assert_eq!(stdout(&out).trim(), "stored 26, skipped 0, warnings 0", "{}", stderr(&out));
        let out = run(&url, &["import", "claims", &settlement("claims1.csv"), "--actor", "officer"]);
        assert_eq!(stdout(&out).trim(), "stored 0, skipped 26, warnings 0");
        let out = run(&url, &["import", "claims", &settlement("claims2.csv"), "--actor", "officer"]);
        assert_eq!(stdout(&out).trim(), "stored 16, skipped 0, warnings 0", "{}", stderr(&out));
        let changed = "bank_code,loan_no,period_from,period_to,claimed_won\n011,L0000-6065,2025-11-01,2025-11-30,517769\n";
        let path = dir.write("claims-changed.csv", changed);
        let out = run(&url, &["import", "claims", path.to_str().expect("utf-8"), "--actor", "officer"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("row 2, revision: contradicts the stored claim"), "{}", stderr(&out));
        let revised = "bank_code,loan_no,period_from,period_to,claimed_won,revision\n011,L0000-6065,2025-11-01,2025-11-30,517769,2\n";
        let path = dir.write("claims-revised.csv", revised);
        let out = run(&url, &["import", "claims", path.to_str().expect("utf-8"), "--actor", "officer"]);
        assert_eq!(stdout(&out).trim(), "stored 1, skipped 0, warnings 0", "{}", stderr(&out));
        assert_eq!(run(&url, &["audit", "verify"]).status.code(), Some(0));
        let _ = &db;
    }
}
