//! Users, banks, firms and the audit log through the command line, on both databases:
//! who may do what (exit 3 with a code), and tampering with the audit log caught.

use jumpup_domain::audit::{Entry, Head, chain};
use jumpup_store::{Db, both_url};

use crate::support::{jumpup, stderr, stdout};

/// Runs `jumpup --database URL ARGS`.
fn run(url: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--database", url];
    all.extend_from_slice(args);
    jumpup(&all, "")
}

#[track_caller]
fn ok(url: &str, args: &[&str]) -> String {
    let out = run(url, args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

#[track_caller]
fn refused(url: &str, args: &[&str], code: &str) {
    let out = run(url, args);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{args:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stderr(&out).starts_with(&format!("refused ({code}):")),
        "{args:?}: {}",
        stderr(&out)
    );
}

fn seed(url: &str) {
    ok(url, &["user", "add", "root", "--role", "admin"]);
    ok(
        url,
        &["bank", "add", "004", "KB국민은행", "--actor", "root"],
    );
    ok(
        url,
        &[
            "firm",
            "add",
            "--business-no",
            "124-81-00998",
            "--name",
            "주식회사 테스트",
            "--address",
            "인천 연수구 송도동 1",
            "--district",
            "연수구",
            "--industry-code",
            "C26",
            "--actor",
            "root",
        ],
    );
    ok(
        url,
        &[
            "user", "add", "clerk", "--role", "bank", "--bank", "004", "--actor", "root",
        ],
    );
    ok(
        url,
        &[
            "user",
            "add",
            "owner",
            "--role",
            "firm",
            "--firm",
            "1248100998",
            "--actor",
            "root",
        ],
    );
    ok(
        url,
        &["user", "add", "officer", "--role", "tp", "--actor", "root"],
    );
}

async fn exec(db: &Db, sql: &str) {
    jumpup_store::testing::execute_raw(db, sql).await;
}

fn verify(url: &str, anchor: Option<&str>) -> (i32, String) {
    let mut args = vec!["audit", "verify"];
    if let Some(a) = anchor {
        args.extend(["--anchor", a]);
    }
    let out = run(url, &args);
    (
        out.status.code().unwrap_or(-1),
        format!("{}{}", stdout(&out), stderr(&out)),
    )
}

both_url! {
    async fn users_banks_and_firms_are_added_by_the_roles_allowed(db, url) {
        seed(&url);
        refused(&url, &["user", "add", "second", "--role", "admin"], "actor_required");
        refused(&url, &["bank", "add", "004", "again", "--actor", "root"], "bank_exists");
        refused(&url, &["bank", "add", "011", "농협은행", "--actor", "clerk"], "role_not_allowed");
        refused(&url, &["bank", "add", "011", "농협은행", "--actor", "nobody"], "unknown_actor");
        refused(&url, &["user", "add", "clerk", "--role", "tp", "--actor", "root"], "user_exists");
        refused(&url, &["user", "add", "x", "--role", "bank", "--bank", "088", "--actor", "root"], "unknown_bank");
        refused(&url, &["user", "add", "y", "--role", "city", "--actor", "officer"], "role_not_allowed");
        refused(&url, &[
            "firm", "add", "--business-no", "1248100998", "--name", "dup", "--address", "a", "--district", "중구",
            "--industry-code", "C", "--actor", "officer",
        ], "firm_exists");
        // Malformed input is exit 2, before any actor is looked up.
        let out = run(&url, &["firm", "add", "--business-no", "124-81-00997", "--name", "n", "--address", "a",
            "--district", "d", "--industry-code", "c", "--actor", "root"]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let out = run(&url, &["user", "add", "z", "--role", "bank", "--actor", "root"]);
        assert_eq!(out.status.code(), Some(2), "a bank user needs a bank: {}", stderr(&out));
        // Two built-in programme versions and six changes: eight audit entries, none naming a
        // person or a business number.
        let (code, text) = verify(&url, None);
        assert_eq!(code, 0, "{text}");
        assert!(text.contains("8 entries"), "{text}");
        let entries = jumpup_store::audit::load(&db).await.expect("load");
        for e in &entries {
            let all = format!("{e:?}");
            for personal in ["주식회사 테스트", "124-81-00998", "1248100998", "clerk", "owner", "송도동"] {
                assert!(!all.contains(personal), "audit entry {} holds {personal:?}", e.entry.seq);
            }
        }
    }

    async fn audit_verify_names_an_edited_entry(db, url) {
        seed(&url);
        let head = ok(&url, &["audit", "head"]).trim().to_owned();
        assert!(head.starts_with("8:"), "{head}");
        assert_eq!(verify(&url, Some(&head)).0, 0);

        // Edited.
        exec(&db, "update audit_entry set after = '{}' where seq = 3").await;
        let (code, text) = verify(&url, None);
        assert_eq!(code, 1);
        assert!(text.contains("entry 3 was edited"), "{text}");
    }

    async fn audit_verify_catches_a_deleted_entry(db, url) {
        seed(&url);
        exec(&db, "delete from audit_entry where seq = 2").await;
        let (code, text) = verify(&url, None);
        assert_eq!(code, 1);
        assert!(text.contains("entry 2 is missing"), "{text}");
    }

    async fn audit_verify_catches_reordered_entries(db, url) {
        seed(&url);
        // Swap the contents of entries 2 and 3, keeping each row's sequence.
        exec(&db, "update audit_entry set seq = -2 where seq = 2").await;
        exec(&db, "update audit_entry set seq = 2 where seq = 3").await;
        exec(&db, "update audit_entry set seq = 3 where seq = -2").await;
        let (code, text) = verify(&url, None);
        assert_eq!(code, 1);
        assert!(text.contains("entry 2 does not follow the entry before it"), "{text}");
    }

    async fn an_anchor_catches_a_truncated_tail_and_a_rewritten_chain(db, url) {
        seed(&url);
        let anchor = ok(&url, &["audit", "head"]).trim().to_owned();
        exec(&db, "delete from audit_entry where seq >= 5").await;
        assert_eq!(verify(&url, None).0, 0, "without an anchor a clean cut looks intact");
        let (code, text) = verify(&url, Some(&anchor));
        assert_eq!(code, 1);
        assert!(text.contains("truncated"), "{text}");

        // Rebuild a database whose chain was edited at entry 2 and recomputed from there on.
        let entries = jumpup_store::audit::load(&db).await.expect("load");
        exec(&db, "delete from audit_entry where seq >= 2").await;
        let mut head = Head { seq: 1, hash: entries[0].hash };
        for stored in &entries[1..] {
            let mut e: Entry = stored.entry.clone();
            e.after = e.after.replace("\"role\":\"tp\"", "\"role\":\"city\"");
            e.reason = "rewritten".into();
            let again = chain(head, e);
            let sql = format!(
                "insert into audit_entry (seq, at, actor, role, action, subject, before, after, reason, prev_hash, hash) \
                 values ({}, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}')",
                again.entry.seq, again.entry.at, again.entry.actor, again.entry.role, again.entry.action, again.entry.subject,
                again.entry.before.replace('\'', "''"), again.entry.after.replace('\'', "''"), again.entry.reason,
                again.prev_hash.hex(), again.hash.hex()
            );
            exec(&db, &sql).await;
            head = Head { seq: again.entry.seq, hash: again.hash };
        }
        assert_eq!(verify(&url, None).0, 0, "a recomputed chain is internally consistent");
        let early_anchor = format!("4:{}", entries[3].hash.hex());
        let (code, text) = verify(&url, Some(&early_anchor));
        assert_eq!(code, 1);
        assert!(text.contains("entry 4 does not match the anchor"), "{text}");
    }
}

both_url! {
    async fn programme_versions_are_stored_immutable_and_used_only_once_approved(db, url) {
        seed(&url);
        ok(&url, &["user", "add", "mayor", "--role", "city", "--actor", "root"]);
        // The built-in programmes are stored, approved, on first use.
        let list = ok(&url, &["programs", "list", "--json"]);
        assert!(list.contains("incheon-jumpup") && list.contains("incheon-agreement-guarantee"), "{list}");

        let dir = crate::support::TempDir::new();
        let file = dir.write("busan.toml", crate::support::OTHER_CITY);
        let file = file.to_str().expect("utf-8");
        refused(&url, &["programs", "import", file, "--actor", "officer"], "role_not_allowed");
        let out = ok(&url, &["programs", "import", file, "--actor", "root"]);
        assert!(out.contains("stored, pending approval"), "{out}");
        assert!(ok(&url, &["programs", "import", file, "--actor", "root"]).contains("unchanged"));
        // Pending: not used by quotes yet.
        let case = serde_json::json!({
            "program": "busan-tech-leap",
            "loan": { "principal_won": 400000000, "annual_rate_pct": "5.0", "executed_on": "2026-02-01", "maturity_on": "2029-02-01" },
            "guarantee": { "coverage_pct": "85", "base_fee_rate_pct": "1.0" }
        });
        let case_file = dir.write("case.json", &case.to_string());
        let case_file = case_file.to_str().expect("utf-8");
        let out = run(&url, &["quote", "--json", case_file]);
        assert_eq!(out.status.code(), Some(2), "a pending version is not in force");
        refused(&url, &["programs", "approve", "busan-tech-leap", "--on", "2025-01-01", "--actor", "root"], "role_not_allowed");
        ok(&url, &["programs", "approve", "busan-tech-leap", "--on", "2025-01-01", "--actor", "mayor"]);
        refused(&url, &["programs", "approve", "busan-tech-leap", "--on", "2025-01-01", "--actor", "mayor"], "already_approved");
        let q: serde_json::Value = serde_json::from_str(&ok(&url, &["quote", "--json", case_file])).expect("JSON");
        assert_eq!(q["subsidy"]["periods"][0]["claim_won"], 230_136, "300,000,000 x 1.0% x 28 / 365 in February 2026");
        // The same programme and date with other content is refused, and nothing changes.
        let changed = dir.write("busan2.toml", &crate::support::OTHER_CITY.replace("subsidy.rate_pct = \"1.0\"", "subsidy.rate_pct = \"1.1\""));
        refused(&url, &["programs", "import", changed.to_str().expect("utf-8"), "--actor", "root"], "version_conflict");
        let q2: serde_json::Value = serde_json::from_str(&ok(&url, &["quote", "--json", case_file])).expect("JSON");
        assert_eq!(q, q2);
        // A database in use excludes programme files.
        let out = run(&url, &["quote", "--programs", dir.path().to_str().expect("utf-8"), case_file]);
        assert_eq!(out.status.code(), Some(2));
        let (code, text) = verify(&url, None);
        assert_eq!(code, 0, "{text}");
        let _ = &db;
    }
}

both_url! {
    async fn a_password_from_standard_input_is_stored_only_as_an_argon2id_hash(db, url) {
        let password = "correct horse battery staple";
        let out = jumpup(&["--database", &url, "user", "add", "root", "--role", "admin", "--password-stdin"], &format!("{password}\n"));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let stored = jumpup_store::identity::password_hash(&db, "root").await.expect("read").expect("a hash");
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(!stored.contains(password));
        assert!(jumpup_service::identity::verify_password(password, &stored));
        assert!(!jumpup_service::identity::verify_password("wrong horse battery staple", &stored));
        let out = jumpup(&["--database", &url, "user", "add", "short", "--role", "tp", "--actor", "root", "--password-stdin"], "short\n");
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("at least 12 characters"), "{}", stderr(&out));
        let entries = jumpup_store::audit::load(&db).await.expect("audit");
        assert!(entries.iter().all(|e| !format!("{e:?}").contains("argon2")), "no hash in the audit log");
    }
}

/// Today in Korea, as the command line's clock sees it.
fn korea_today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(9))
        .date_naive()
        .to_string()
}

both_url! {
    async fn the_readme_walkthrough_runs_through_the_command_line(db, url) {
        seed(&url);
        ok(&url, &["user", "add", "reviewer", "--role", "kibo", "--actor", "root"]);
        let created = ok(&url, &["case", "new", "--program", "incheon-jumpup", "--amount", "500,000,000", "--actor", "owner", "--json"]);
        let case: serde_json::Value = serde_json::from_str(&created).expect("JSON");
        let id = case["case_id"].to_string();
        ok(&url, &["case", "submit", &id, "--actor", "owner"]);
        refused(&url, &["case", "kibo-review", &id, "--actor", "officer"], "role_not_allowed");
        ok(&url, &["case", "kibo-review", &id, "--actor", "reviewer"]);
        ok(&url, &["case", "select", &id, "--grade", "BBB", "--coverage", "95", "--base-fee-rate", "1.2", "--amount", "500000000", "--bank", "004", "--actor", "reviewer"]);
        ok(&url, &["case", "eligibility-review", &id, "--actor", "officer"]);
        refused(&url, &["case", "approve", &id, "--actor", "officer"], "eligibility_incheon_site");
        for item in ["incheon_site", "not_closed", "no_tax_arrears", "not_delinquent", "not_listed"] {
            ok(&url, &["case", "check", &id, "--item", item, "--evidence", "certificate", "--actor", "officer"]);
        }
        let approved = ok(&url, &["case", "approve", &id, "--actor", "officer", "--json"]);
        assert!(approved.contains("\"state\":\"approved\""), "{approved}");
        ok(&url, &["case", "issue-guarantee", &id, "--number", "G-CLI-1", "--actor", "reviewer"]);
        let today = korea_today();
        refused(&url, &["loan", "execute", "--case", &id, "--loan-no", "L-1", "--principal", "500000000", "--rate", "4.5",
            "--executed-on", &today, "--maturity-on", "2040-01-01", "--actor", "owner"], "role_not_allowed");
        ok(&url, &["loan", "execute", "--case", &id, "--loan-no", "L-1", "--principal", "500000000", "--rate", "4.5",
            "--executed-on", &today, "--maturity-on", "2040-01-01", "--actor", "clerk"]);
        ok(&url, &["event", "add", "--case", &id, "--on", &today, "--kind", "rate_change", "--rate", "3.9", "--actor", "clerk"]);
        let quote = ok(&url, &["case", "quote", &id, "--actor", "owner", "--json"]);
        let q: serde_json::Value = serde_json::from_str(&quote).expect("JSON");
        assert_eq!(q["guarantee"]["guaranteed_won"], 475_000_000);
        assert_eq!(q["subsidy"]["end_reason"], "term");
        let out = run(&url, &["ledger", "check"]);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        let (code, text) = verify(&url, None);
        assert_eq!(code, 0, "{text}");
        let _ = &db;
    }
}

both_url! {
    async fn the_command_line_names_a_bad_field_by_its_flag(db, url) {
        seed(&url);
        let cases: [(&[&str], &str); 2] = [
            (&["budget", "top-up", "incheon-jumpup", "1000", "--reference", " ", "--actor", "root"], "--reference: "),
            (&["event", "cancel", "1", "--reason", " ", "--actor", "root"], "--reason: "),
        ];
        for (args, said) in cases {
            let out = run(&url, args);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
            assert!(stderr(&out).starts_with(said), "{args:?}: {}", stderr(&out));
        }
    }
}
