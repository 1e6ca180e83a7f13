//! The readable output of `jumpup quote`: Korean by default, English on request, won grouped,
//! the working with `--explain`, standard input with `-`.

use crate::support::{TempDir, base_case, jumpup, spec_dir, stderr, stdout};

fn example(name: &str) -> String {
    spec_dir()
        .join("examples/quote")
        .join(name)
        .to_str()
        .expect("utf-8")
        .to_owned()
}

#[test]
fn the_quote_table_is_korean_by_default_with_won_grouped() {
    let out = jumpup(&["quote", &example("01-repayment-month7.in.json")], "");
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for expected in [
        "보증금액 475,000,000원",
        "4,275,000",
        "종료 사유: 지원기간 만료",
        "8,147,941",
        "예산 예약액: 9,999,996원",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

#[test]
fn the_quote_table_is_english_with_lang_en_and_explains_each_period() {
    let out = jumpup(
        &[
            "quote",
            "--lang",
            "en",
            "--explain",
            &example("05-grade-a-cap-full-repayment-refund.in.json"),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for expected in [
        "guaranteed 3,500,000,000 won",
        "Fee refund: 8,658,905 won",
        "refund working: 2026-08-20 repaid in full, 279 days used: 36,750,000 - 28,091,095 = 8,658,905 won",
        "ends because of: repaid in full",
        // The cap of grade A: 3,000,000,000 of the 3,500,000,000 balance earns.
        "2025-11-14 ~ 2025-11-30    17  3,500,000,000  3,000,000,000",
        "exact sum = Σ base x rate / 100 x days / year_days = 204000000/73 = 2794520.5479452054…",
        "truncated to won: 2,794,520 won → payment unit 1 won: 2,794,520 won",
        "principal exceeds the subsidy cap",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(!text.contains("보증"), "no Korean in the English table");
}

#[test]
fn the_explanation_marks_arrears_and_the_ten_won_unit() {
    let out = jumpup(
        &[
            "quote",
            "--explain",
            &example("04-guaranteed-base-arrears-ten-won.in.json"),
        ],
        "",
    );
    let text = stdout(&out);
    assert!(text.contains("2026-06-10 ~ 2026-06-30    21  730,000,000  675,250,000      4.2%         1.7%     365  연체(지원 없음)"), "{text}");
    assert!(
        text.contains("원 미만 절사: 937,899원 → 지급 단위 10원: 937,890원"),
        "{text}"
    );
}

#[test]
fn a_case_can_come_from_standard_input() {
    let out = jumpup(&["quote", "--json", "-"], &base_case().to_string());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let q: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(q["subsidy"]["claim_total_won"], 9_999_996);
}

#[test]
fn a_case_that_is_not_utf8_is_bad_input_like_any_other_and_a_batch_goes_on_past_such_a_line() {
    let dir = TempDir::new();
    let one = dir.path().join("latin1.json");
    std::fs::write(&one, b"{\"program\": \"caf\xe9\"}").expect("written");
    let out = jumpup(&["quote", "--json", one.to_str().expect("utf-8")], "");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let error: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("the error object");
    assert_eq!(error["error"]["field"], "");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not UTF-8") && m.contains("offset 16")),
        "{error}"
    );

    let batch = dir.path().join("cases.ndjson");
    let case = base_case().to_string();
    let mut bytes = Vec::new();
    bytes.extend_from_slice(case.as_bytes());
    bytes.extend_from_slice(b"\n\xff\xfe\r\n");
    bytes.extend_from_slice(case.as_bytes());
    bytes.push(b'\n');
    std::fs::write(&batch, bytes).expect("written");
    let out = jumpup(
        &["quote", "--json", "--batch", batch.to_str().expect("utf-8")],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 3, "every line answered, the bad one too");
    assert_eq!(lines[0]["subsidy"]["claim_total_won"], 9_999_996);
    assert!(
        lines[1]["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not UTF-8"))
    );
    assert_eq!(lines[2]["subsidy"]["claim_total_won"], 9_999_996);
    assert!(stderr(&out).starts_with("line 2: "), "{}", stderr(&out));
}

#[test]
fn an_unreadable_case_file_is_bad_input() {
    let dir = TempDir::new();
    let missing = dir.path().join("missing.json");
    let out = jumpup(&["quote", missing.to_str().expect("utf-8")], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("CASE: cannot read"),
        "{}",
        stderr(&out)
    );
    let out = jumpup(&["quote", "--batch", "x"], "");
    assert_eq!(
        out.status.code(),
        Some(2),
        "--batch needs --json: a usage error"
    );
}

#[test]
fn the_readme_case_quotes_with_the_loan_and_its_rule_overrides_echoed() {
    let case =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/case.json");
    let out = jumpup(&["quote", "--explain", case.to_str().expect("utf-8")], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "대출: 500,000,000원, 금리 연 4.5%, 실행일 2025-09-01, 만기일 2028-09-01, 기술평가등급 BBB",
        "적용 규칙 변경: subsidy.claim_period = quarter",
        "적용 규칙 변경: subsidy.min_borrower_rate_pct = 1",
        // Relocation on 2026-05-11 ends the subsidy; the quarter is clipped to 40 days.
        "이차보전: 2025-09-01 ~ 2026-05-10 (종료 사유: 관외 이전)",
        "2026-04-01 ~ 2026-05-10    40     345,205     345,205",
        "계산 내역:",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}
