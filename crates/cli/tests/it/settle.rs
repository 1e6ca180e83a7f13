//! Monthly settlement on both databases, through the command line: the spec's two batches
//! exported exactly as `examples/settlement/expected-batch*.csv`; maker-checker; every way of
//! paying twice; reconciliation after each approval; a late event that finishes a case and its
//! cancellation, which reopens it and pays back what was clawed.

use calamine::Reader;
use jumpup_store::both_url;

use crate::imports::{run, settlement, users};
use crate::support::{TempDir, stderr, stdout};

pub fn ok(url: &str, args: &[&str]) -> String {
    let out = run(url, args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

fn refused(url: &str, args: &[&str], code: &str) {
    let out = run(url, args);
    assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stdout(&out));
    assert!(
        stderr(&out).contains(&format!("refused ({code})")),
        "{args:?}: {}",
        stderr(&out)
    );
}

pub fn json(url: &str, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(url, args)).expect("JSON")
}

type Key = (String, String, String, i64);

fn csv_keys(text: &str) -> Vec<Key> {
    let mut keys: Vec<Key> = csv::Reader::from_reader(text.as_bytes())
        .deserialize::<std::collections::HashMap<String, String>>()
        .map(|r| {
            let r = r.expect("a row");
            (
                r["loan_no"].clone(),
                r["period_from"].clone(),
                r["status"].clone(),
                r["payable_won"].parse().expect("won"),
            )
        })
        .collect();
    keys.sort();
    keys
}

/// Exports a batch's payments and checks them against the spec's expected lines, each exactly
/// once (lines with a payable of 0 beyond those may appear, as the spec's README allows).
fn payments_match(url: &str, dir: &TempDir, batch: &str, expected: &str) -> Vec<Key> {
    let out = dir.path().join(format!("payments-{batch}.csv"));
    ok(
        url,
        &[
            "export",
            "payments",
            batch,
            "--format",
            "csv",
            "--out",
            out.to_str().expect("utf-8"),
            "--actor",
            "mayor",
        ],
    );
    let got = csv_keys(&std::fs::read_to_string(&out).expect("the file"));
    let want = csv_keys(&std::fs::read_to_string(settlement(expected)).expect("expected"));
    let paying: Vec<&Key> = got
        .iter()
        .filter(|k| k.3 != 0 || k.2 == "rejected")
        .collect();
    assert_eq!(paying, want.iter().collect::<Vec<_>>());
    got
}

/// After an approval: the batch recomputes clean, the ledger holds, the audit chain too, and
/// the ledger's paid account moved by exactly the batch's payable lines.
fn reconciled(url: &str, batch: &str, paid_before: i64) -> i64 {
    let v = json(
        url,
        &["settle", "verify", batch, "--actor", "auditor", "--json"],
    );
    assert_eq!(v["differences"], serde_json::json!([]), "{v}");
    ok(url, &["ledger", "check"]);
    ok(url, &["audit", "verify"]);
    let show = json(
        url,
        &["settle", "show", batch, "--actor", "auditor", "--json"],
    );
    let paid = ledger(url, "paid");
    assert_eq!(
        paid - paid_before,
        show["totals"]["payable_won"].as_i64().expect("payable")
    );
    paid
}

fn ledger(url: &str, account: &str) -> i64 {
    let v = json(url, &["budget", "show", "--json"]);
    v.as_array()
        .expect("programmes")
        .iter()
        .find(|p| p["program"] == "incheon-jumpup")
        .map_or(0, |p| p["balances"][account].as_i64().expect("balance"))
}

fn case_state(url: &str, case: &str) -> String {
    let v = json(url, &["case", "show", case, "--actor", "officer", "--json"]);
    v["state"].as_str().expect("state").to_owned()
}

both_url! {
    async fn the_spec_settlement_pays_exactly_the_expected_lines_once(db, url) {
        let dir = TempDir::new();
        users(&url);
        ok(&url, &["user", "add", "auditor", "--role", "auditor", "--actor", "root"]);
        for code in ["004", "011", "020", "088"] {
            ok(&url, &["bank", "add", code, "은행", "--actor", "root"]);
        }
        ok(&url, &["user", "add", "clerk", "--role", "bank", "--bank", "004", "--actor", "root"]);
        for (kind, file) in [("cases", "cases.csv"), ("loans", "loans.csv"), ("events", "events1.csv"), ("claims", "claims1.csv")] {
            ok(&url, &["import", kind, &settlement(file), "--actor", "officer"]);
        }

        // Maker: only tp prepares; one batch at a time; the preparer may withdraw it.
        refused(&url, &["settle", "prepare", "--through", "2025-12-31", "--actor", "mayor"], "role_not_allowed");
        let first = json(&url, &["settle", "prepare", "--through", "2025-12-31", "--actor", "officer", "--json"]);
        assert_eq!(first["totals"]["lines"], 26);
        refused(&url, &["settle", "prepare", "--through", "2025-12-31", "--actor", "officer"], "batch_open");
        refused(&url, &["settle", "reject", "1", "--reason", "x", "--actor", "clerk"], "role_not_allowed");
        ok(&url, &["settle", "reject", "1", "--reason", "recheck the claims", "--actor", "officer"]);
        refused(&url, &["settle", "approve", "1", "--actor", "mayor"], "batch_rejected");
        // Its claims are pending again: the next batch has the same lines.
        let second = json(&url, &["settle", "prepare", "--through", "2025-12-31", "--actor", "officer", "--json"]);
        assert_eq!(second["batch_id"], 2);
        assert_eq!(second["totals"], first["totals"]);
        assert_eq!(second["by_status"]["reduced"]["lines"], 7);
        assert_eq!(second["by_status"]["under_claimed"]["lines"], 1);
        assert_eq!(second["by_bank"]["004"]["lines"], 9);

        // Checker: tp cannot approve, nor can a bank; no export before approval.
        refused(&url, &["settle", "approve", "2", "--actor", "officer"], "role_not_allowed");
        refused(&url, &["settle", "approve", "2", "--actor", "clerk"], "role_not_allowed");
        refused(&url, &["export", "payments", "2", "--format", "csv", "--out", dir.path().join("x.csv").to_str().expect("utf-8"), "--actor", "mayor"], "batch_not_approved");
        // A batch prepared before digests were kept: approval computes it from the lines.
        jumpup_store::testing::execute_raw(&db, "update settlement_batch set lines_digest = null where batch_id = 2").await;
        let approved = json(&url, &["settle", "approve", "2", "--actor", "mayor", "--json"]);
        let head = approved["audit_head"].as_str().expect("the audit head");
        ok(&url, &["audit", "verify", "--anchor", head]);
        // The approval records the lines it approved, by count and digest: those prepared.
        let recorded: Vec<serde_json::Value> = jumpup_store::testing::query_texts(
            &db,
            "select after from audit_entry where subject = 'batch:2' and action in ('settle.prepare', 'settle.approve') order by seq",
        )
        .await
        .iter()
        .map(|t| serde_json::from_str(t).expect("json"))
        .collect();
        assert_eq!(recorded.len(), 2);
        assert_eq!(recorded[1]["lines"], 26);
        assert_eq!(recorded[1]["digest"], recorded[0]["digest"]);
        assert_eq!(recorded[0]["digest"].as_str().map(str::len), Some(64));
        let paid = reconciled(&url, "2", 0);
        assert_eq!(paid, second["totals"]["payable_won"].as_i64().expect("won"));
        payments_match(&url, &dir, "2", "expected-batch1.csv");

        // Paying twice: approving again, preparing the same period again, re-importing the claims.
        refused(&url, &["settle", "approve", "2", "--actor", "mayor"], "batch_approved");
        refused(&url, &["settle", "prepare", "--through", "2025-12-31", "--actor", "officer"], "nothing_to_settle");
        let out = ok(&url, &["import", "claims", &settlement("claims1.csv"), "--actor", "officer"]);
        assert_eq!(out.trim(), "stored 0, skipped 26, warnings 0");
        refused(&url, &["settle", "prepare", "--through", "2025-12-31", "--actor", "officer"], "nothing_to_settle");
        assert_eq!(ledger(&url, "paid"), paid);

        // The second month: late events clawed back from paid months, bad claims rejected.
        ok(&url, &["import", "events", &settlement("events2.csv"), "--actor", "officer"]);
        ok(&url, &["import", "claims", &settlement("claims2.csv"), "--actor", "officer"]);
        ok(&url, &["settle", "prepare", "--through", "2026-02-28", "--actor", "officer"]);
        let approved = json(&url, &["settle", "approve", "3", "--actor", "mayor", "--json"]);
        let paid = reconciled(&url, "3", paid);
        let lines = payments_match(&url, &dir, "3", "expected-batch2.csv");
        assert!(lines.iter().any(|k| k.2 == "rejected" && k.0 == "NOPE-0000"));
        // The clawbacks were recovered from the same banks' payments in the batch: each bank
        // is sent its payments less what it owed.
        assert_eq!(ledger(&url, "clawback_receivable"), 0);
        let shown = json(&url, &["settle", "show", "3", "--actor", "auditor", "--json"]);
        assert_eq!(shown["totals"]["recovered_won"], shown["totals"]["clawback_won"]);
        assert_eq!(shown["totals"]["transfer_won"], shown["totals"]["payable_won"]);
        let bank = &shown["by_bank"]["004"];
        assert_eq!(bank["recovered_won"].as_i64(), Some(1643835 + 1698630));
        assert_eq!(bank["transfer_won"].as_i64(), Some(1146575 + 1035616 + 1477808 + 1334794 - 1643835 - 1698630));
        // The closed and the relocated loans are settled to their stop: terminated, released.
        let mut finished: Vec<i64> = approved["finished_cases"].as_array().expect("cases").iter().map(|c| c.as_i64().expect("id")).collect();
        finished.sort_unstable();
        assert_eq!(finished, vec![2, 8]);
        assert_eq!(case_state(&url, "2"), "terminated");
        refused(&url, &["settle", "prepare", "--through", "2026-02-28", "--actor", "officer"], "nothing_to_settle");

        // The bank's statement: its own lines and a total; another bank's is refused.
        let statement = dir.path().join("statement.csv");
        ok(&url, &["export", "statement", "3", "--bank", "004", "--format", "csv", "--out", statement.to_str().expect("utf-8"), "--actor", "clerk"]);
        let text = std::fs::read_to_string(&statement).expect("statement");
        let rows: Vec<&str> = text.lines().skip(1).collect();
        assert!(rows.iter().all(|r| r.starts_with("3,004,")), "{text}");
        let total: i64 = rows[..rows.len() - 1].iter().map(|r| r.split(',').nth(11).expect("payable").parse::<i64>().expect("won")).sum();
        assert!(rows[rows.len() - 1].contains(&format!(",{total},total,6 lines; recovered 3342465; transfer 1652328")), "{text}");
        refused(&url, &["export", "statement", "3", "--bank", "011", "--format", "csv", "--out", statement.to_str().expect("utf-8"), "--actor", "clerk"], "role_not_allowed");
        refused(&url, &["export", "payments", "3", "--format", "csv", "--out", statement.to_str().expect("utf-8"), "--actor", "clerk"], "role_not_allowed");

        // XLSX: Korean headers, each bank's block closed by its total, won as numbers.
        let xlsx = dir.path().join("payments.xlsx");
        ok(&url, &["export", "payments", "3", "--format", "xlsx", "--out", xlsx.to_str().expect("utf-8"), "--actor", "auditor"]);
        let mut book = calamine::open_workbook_auto(&xlsx).expect("an XLSX file");
        let sheet = book.worksheet_range_at(0).expect("a sheet").expect("readable");
        let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
        assert_eq!(rows[0][0], "정산번호");
        assert_eq!(rows[0][11], "지급액");
        let totals: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "합계").collect();
        assert_eq!(totals.len(), 4, "one total per bank");
        let sum: i64 = totals.iter().map(|r| r[11].parse::<i64>().expect("won")).sum();
        let show = json(&url, &["settle", "show", "3", "--actor", "auditor", "--json"]);
        assert_eq!(sum, show["totals"]["payable_won"].as_i64().expect("won"));

        // A late `ineligible` forfeits L0008-3433 (case 9): everything paid comes back and the
        // case is terminated; cancelling the event reopens it and pays the periods again.
        let out = ok(&url, &["event", "add", "--case", "9", "--on", "2026-02-20", "--kind", "ineligible", "--actor", "officer", "--json"]);
        let event: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        let event_id = event["loan_event_id"].to_string();
        let forfeit = json(&url, &["settle", "prepare", "--through", "2026-02-28", "--actor", "officer", "--json"]);
        assert_eq!(forfeit["by_status"]["clawback"]["lines"], 5, "{forfeit}");
        let clawed = forfeit["totals"]["clawback_won"].as_i64().expect("won");
        assert_eq!(clawed, 572054 + 1430136 + 1477808 + 1477808 + 1334794);
        // An event cancelled after preparation makes the batch stale.
        ok(&url, &["event", "cancel", &event_id, "--reason", "reported on the wrong loan", "--actor", "officer"]);
        refused(&url, &["settle", "approve", "4", "--actor", "mayor"], "batch_stale");
        ok(&url, &["settle", "reject", "4", "--reason", "stale", "--actor", "mayor"]);
        refused(&url, &["settle", "prepare", "--through", "2026-02-28", "--actor", "officer"], "nothing_to_settle");
        // Reported again, settled: no bank payment in the batch, so the clawback stays owed.
        let out = ok(&url, &["event", "add", "--case", "9", "--on", "2026-02-20", "--kind", "ineligible", "--actor", "officer", "--json"]);
        let event: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        let event_id = event["loan_event_id"].to_string();
        ok(&url, &["settle", "prepare", "--through", "2026-02-28", "--actor", "officer"]);
        let approved = json(&url, &["settle", "approve", "5", "--actor", "mayor", "--json"]);
        assert_eq!(approved["finished_cases"], serde_json::json!([9]));
        assert_eq!(case_state(&url, "9"), "terminated");
        let paid = reconciled(&url, "5", paid);
        assert_eq!(ledger(&url, "clawback_receivable"), clawed);
        // Cancelled: the case is open again, its unsettled periods reserved, and the next
        // batch pays back every clawed period as an adjustment.
        ok(&url, &["event", "cancel", &event_id, "--reason", "the finding was withdrawn", "--actor", "officer"]);
        assert_eq!(case_state(&url, "9"), "loan_executed");
        ok(&url, &["ledger", "check"]);
        let back = json(&url, &["settle", "prepare", "--through", "2026-02-28", "--actor", "officer", "--json"]);
        assert_eq!(back["by_status"]["adjustment"]["lines"], 5, "{back}");
        assert_eq!(back["totals"]["payable_won"].as_i64(), Some(clawed));
        ok(&url, &["settle", "approve", "6", "--actor", "mayor"]);
        reconciled(&url, "6", paid);
        // The bank's own payment in the batch recovered what it owed.
        assert_eq!(ledger(&url, "clawback_receivable"), 0);

        // Claim revisions replace the earlier claim: one asks for what was under-claimed (an
        // adjustment), one for less than was paid (a clawback). Revision 1 again is refused.
        let revisions = dir.write("revisions.csv", "bank_code,loan_no,period_from,period_to,claimed_won,revision\n011,L0000-6065,2025-11-01,2025-11-30,520547,2\n020,L0003-7435,2025-11-01,2025-11-30,1800000,2\n");
        let out = ok(&url, &["import", "claims", revisions.to_str().expect("utf-8"), "--actor", "officer"]);
        assert_eq!(out.trim(), "stored 2, skipped 0, warnings 0");
        let out = run(&url, &["import", "claims", &settlement("claims1.csv"), "--actor", "officer"]);
        assert_eq!(out.status.code(), Some(0), "the first revisions again are skipped: {}", stderr(&out));
        let revised = json(&url, &["settle", "prepare", "--through", "2026-02-28", "--actor", "officer", "--json"]);
        assert_eq!(revised["totals"]["lines"], 2, "{revised}");
        assert_eq!(revised["by_status"]["adjustment"]["payable_won"].as_i64(), Some(520547 - 517768));
        assert_eq!(revised["by_status"]["clawback"]["payable_won"].as_i64(), Some(1800000 - 1808219));
        let paid_before = ledger(&url, "paid");
        ok(&url, &["settle", "approve", "7", "--actor", "mayor"]);
        reconciled(&url, "7", paid_before);
        // Bank 020 had no payment in that batch: its clawback stays owed.
        assert_eq!(ledger(&url, "clawback_receivable"), 1808219 - 1800000);
        refused(&url, &["settle", "prepare", "--through", "2026-02-28", "--actor", "officer"], "nothing_to_settle");
        let _ = &db;
    }
}

both_url! {
    async fn a_late_ineligible_terminates_a_completed_case_and_its_cancellation_completes_it_again(db, url) {
        let dir = TempDir::new();
        users(&url);
        ok(&url, &["user", "add", "auditor", "--role", "auditor", "--actor", "root"]);
        ok(&url, &["bank", "add", "011", "은행", "--actor", "root"]);
        let cases = dir.write("cases.csv", "business_no,corporate_no,firm_name,district,kibo_grade,program,decided_on,guarantee_no,coverage_pct,base_fee_rate_pct,approved_won\n542-87-10361,648562-8023284,테스트기업00,강화군,B,incheon-jumpup,2025-10-06,KB-SHORT,100,1.0,500000000\n");
        // A one-month loan: two claim periods, then maturity.
        let loans = dir.write("loans.csv", "bank_code,loan_no,guarantee_no,principal_won,annual_rate_pct,executed_on,maturity_on\n011,S-1,KB-SHORT,500000000,5.1,2025-10-10,2025-11-10\n");
        let claims = dir.write("claims.csv", "bank_code,loan_no,period_from,period_to,claimed_won\n011,S-1,2025-10-10,2025-10-31,99999999\n011,S-1,2025-11-01,2025-11-09,99999999\n");
        for (kind, path) in [("cases", &cases), ("loans", &loans), ("claims", &claims)] {
            ok(&url, &["import", kind, path.to_str().expect("utf-8"), "--actor", "officer"]);
        }
        let batch = json(&url, &["settle", "prepare", "--through", "2025-11-30", "--actor", "officer", "--json"]);
        assert_eq!(batch["by_status"]["reduced"]["lines"], 2, "{batch}");
        let paid = batch["totals"]["payable_won"].as_i64().expect("won");
        let approved = json(&url, &["settle", "approve", "1", "--actor", "mayor", "--json"]);
        assert_eq!(approved["finished_cases"], serde_json::json!([1]));
        assert_eq!(case_state(&url, "1"), "completed");
        // Found ineligible after it completed: terminated at once, everything clawed back.
        let out = ok(&url, &["event", "add", "--case", "1", "--on", "2025-10-20", "--kind", "ineligible", "--actor", "officer", "--json"]);
        let event: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        assert_eq!(case_state(&url, "1"), "terminated");
        ok(&url, &["ledger", "check"]);
        // Only the Technopark or the reporter may cancel it, not the lending bank.
        ok(&url, &["user", "add", "clerk", "--role", "bank", "--bank", "011", "--actor", "root"]);
        refused(&url, &["event", "cancel", &event["loan_event_id"].to_string(), "--reason", "x", "--actor", "clerk"], "role_not_allowed");
        let clawback = json(&url, &["settle", "prepare", "--through", "2025-11-30", "--actor", "officer", "--json"]);
        assert_eq!(clawback["by_status"]["clawback"]["lines"], 2, "{clawback}");
        assert_eq!(clawback["totals"]["payable_won"].as_i64(), Some(-paid));
        ok(&url, &["settle", "approve", "2", "--actor", "mayor"]);
        let paid_now = reconciled(&url, "2", paid);
        assert_eq!(paid_now, 0);
        assert_eq!(ledger(&url, "clawback_receivable"), paid, "no payment to the bank to net it against");
        // The finding withdrawn: completed again, and the next batch pays the periods back,
        // recovering the receivable from that same payment.
        ok(&url, &["event", "cancel", &event["loan_event_id"].to_string(), "--reason", "finding withdrawn", "--actor", "officer"]);
        assert_eq!(case_state(&url, "1"), "completed");
        // The same event in a file again does not bring it back.
        let events = dir.write("events.csv", "bank_code,loan_no,on,kind,amount_won,annual_rate_pct\n011,S-1,2025-10-20,ineligible,,\n");
        let out = ok(&url, &["import", "events", events.to_str().expect("utf-8"), "--actor", "officer"]);
        assert_eq!(out.trim(), "stored 0, skipped 1, warnings 0");
        assert_eq!(case_state(&url, "1"), "completed");
        let back = json(&url, &["settle", "prepare", "--through", "2025-11-30", "--actor", "officer", "--json"]);
        assert_eq!(back["by_status"]["adjustment"]["lines"], 2, "{back}");
        ok(&url, &["settle", "approve", "3", "--actor", "mayor"]);
        reconciled(&url, "3", 0);
        assert_eq!(ledger(&url, "clawback_receivable"), 0);
        // The bank owed exactly what it is now paid: nothing is transferred.
        let shown = json(&url, &["settle", "show", "3", "--actor", "auditor", "--json"]);
        assert_eq!(shown["by_bank"]["011"]["recovered_won"].as_i64(), Some(paid));
        assert_eq!(shown["by_bank"]["011"]["transfer_won"].as_i64(), Some(0));
        let _ = &db;
    }
}

/// Runs `jumpup` with `args` on a pseudo-terminal (util-linux `script`); returns what the
/// terminal showed.
fn on_terminal(args: &[&str]) -> String {
    let command = std::iter::once(env!("CARGO_BIN_EXE_jumpup"))
        .chain(args.iter().copied())
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("JUMPUP_DATABASE_URL")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("util-linux `script` runs (it gives the command a terminal)");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn long_work_shows_a_progress_bar_on_a_terminal_and_nothing_otherwise() {
    let dir = TempDir::new();
    let url = format!("sqlite:{}", dir.path().join("p.db").display());
    users(&url);
    for code in ["004", "011", "020", "088"] {
        ok(&url, &["bank", "add", code, "은행", "--actor", "root"]);
    }
    let cases = settlement("cases.csv");
    let shown = on_terminal(&[
        "--database",
        &url,
        "import",
        "cases",
        &cases,
        "--actor",
        "officer",
    ]);
    assert!(
        shown.contains("import: checking rows [##############################] "),
        "{shown:?}"
    );
    assert!(shown.contains("import: storing cases ["), "{shown:?}");
    // Not on a terminal: the report alone, nothing on standard error.
    for (kind, file) in [("loans", "loans.csv"), ("events", "events1.csv")] {
        let out = run(
            &url,
            &["import", kind, &settlement(file), "--actor", "officer"],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stderr(&out), "");
    }
    let shown = on_terminal(&[
        "--database",
        &url,
        "import",
        "claims",
        &settlement("claims1.csv"),
        "--actor",
        "officer",
    ]);
    assert!(
        shown.contains("import: storing claims [##############################] 26/26"),
        "{shown:?}"
    );
    let shown = on_terminal(&[
        "--database",
        &url,
        "settle",
        "prepare",
        "--through",
        "2025-12-31",
        "--actor",
        "officer",
    ]);
    assert!(
        shown.contains("settle prepare: computing claims ["),
        "{shown:?}"
    );
    assert!(
        shown.contains("settle prepare: storing lines [##############################] 26/26"),
        "{shown:?}"
    );
    let out = run(&url, &["settle", "approve", "1", "--actor", "mayor"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}
