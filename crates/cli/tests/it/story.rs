//! The whole story in a real browser, by clicks and form posts only, each step as its role:
//! a firm registers; the Technopark activates it; the firm applies, uploads a document and
//! submits; KIBO takes the case into review and selects it; the Technopark reviews eligibility
//! and approves; KIBO issues the guarantee; the bank uploads the loan, then an event and its
//! claim; the Technopark prepares the month's settlement; the City approves; and the City's
//! dashboard shows the paid amount, which is what `jumpup ledger check` reports. The server
//! runs in this process on a clock the test moves (the story spans two months); every page is
//! saved as a screenshot under `target/screenshots/story-*`.

use std::process::Command;

use jumpup_domain::workflow::{BankCode, Role};
use jumpup_server::{AppState, Config};
use jumpup_service::Services;
use jumpup_service::identity::{NewScope, hash_password};
use jumpup_store::both_url;

use crate::browser::Browser;
use crate::cases::TestClock;
use crate::server::TEST_COST;

const PASSWORD: &str = "a password of the story";

/// The `paid` figure `jumpup ledger check` reports for a programme.
fn ledger_paid(url: &str, programme: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_jumpup"))
        .args(["--database", url, "ledger", "check"])
        .env_remove("JUMPUP_DATABASE_URL")
        .output()
        .expect("jumpup runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    text.split(programme)
        .nth(1)
        .and_then(|block| block.lines().find(|l| l.trim_start().starts_with("paid ")))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or_else(|| panic!("no paid line for {programme}: {text}"))
        .to_owned()
}

both_url! {
    async fn the_whole_story_by_clicks_each_step_as_its_role(db, url) {
        if !crate::browser::available() {
            return;
        }
        let clock = TestClock::on("2026-09-01");
        let mut s = Services::start(db.clone(), clock.clone()).await.expect("services");
        s.password_cost = TEST_COST;
        let hash = hash_password(PASSWORD, TEST_COST).expect("hash");
        s.add_user(None, "root", Role::Admin, NewScope::None, Some(&hash)).await.expect("admin");
        s.add_bank("root", BankCode::parse("004").expect("code"), "KB국민은행").await.expect("bank");
        for (name, role) in [("mayor", Role::City), ("officer", Role::Tp), ("reviewer", Role::Kibo)] {
            s.add_user(Some("root"), name, role, NewScope::None, Some(&hash)).await.expect("official");
        }
        let bank = NewScope::Bank(BankCode::parse("004").expect("code"));
        s.add_user(Some("root"), "clerk", Role::Bank, bank, Some(&hash)).await.expect("clerk");
        let app = jumpup_server::router(AppState::new(s.clone(), Config::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        tokio::spawn(jumpup_server::serve(listener, app, std::future::pending()));
        let files = crate::support::TempDir::new();
        let backend = if url.starts_with("sqlite:") { "sqlite" } else { "postgres" };
        let mut b = Browser::start(&format!("story-{backend}"));

        let sign_in = |b: &Browser, name: &str, password: &str| {
            b.open(&format!("{base}/login"));
            b.fill("#name", name);
            b.fill("#password", password);
            b.click("form.stack button[type=submit]");
            b.wait_for("로그인 사용자");
        };
        let sign_out = |b: &Browser| {
            b.click("form[action='/logout'] button");
            b.wait_for("발급받은 사용자 이름과 비밀번호로 로그인하세요.");
        };
        let press = |b: &Browser, step: &str, done: &str| {
            b.click(&format!("form[action$='/{step}'] button[type=submit]"));
            b.wait_for(&format!("{done}: 처리되었습니다"));
        };

        // 1. The firm registers (its account waits for the Technopark).
        b.open(&format!("{base}/login"));
        b.click("a[href='/register']");
        b.wait_for("기업 회원가입");
        b.fill("#business_no", "124-81-00998");
        b.fill("#firm_name", "주식회사 점프업테크");
        b.fill("#address", "인천광역시 연수구 송도과학로 32");
        b.click("#district option[value='연수구']");
        b.fill("#industry_code", "C26");
        b.fill("#user_name", "owner");
        b.fill("#password", PASSWORD);
        b.fill("#password2", PASSWORD);
        b.shot("register");
        b.click("form.stack button[type=submit]");
        b.wait_for("등록되었습니다");
        b.shot("registered");

        // 2. The Technopark activates the account.
        sign_in(&b, "officer", PASSWORD);
        b.click("a[href='/accounts']");
        b.wait_for("주식회사 점프업테크");
        b.shot("accounts-waiting");
        b.click("form[action$='/activate'] button");
        b.wait_for("활성화: 처리되었습니다");
        b.wait_for("기다리는 계정이 없습니다.");
        sign_out(&b);

        // 3. The firm applies, uploads its business plan and submits.
        sign_in(&b, "owner", PASSWORD);
        b.click("a[href='/apply']");
        b.wait_for("신청 금액");
        b.fill("#requested_won", "500000000");
        b.shot("apply");
        b.click("form.stack button[type=submit]");
        b.wait_for("신청서 작성: 처리되었습니다");
        let case = b.path().split('?').next().expect("a path").to_owned();
        let plan = files.path().join("사업계획서.pdf");
        std::fs::write(&plan, b"%PDF-1.4\n% the story's business plan\n").expect("a file");
        b.attach("#document-file", &plan);
        b.click("form[action$='/documents'] button[type=submit]");
        b.wait_for("서류 제출: 처리되었습니다");
        b.wait_for("사업계획서.pdf");
        press(&b, "submit", "신청 제출");
        b.shot("submitted");
        sign_out(&b);

        // 4. KIBO takes it into review and selects it.
        clock.set("2026-09-03");
        sign_in(&b, "reviewer", PASSWORD);
        b.open(&format!("{base}{case}"));
        b.wait_for("사업계획서.pdf");
        press(&b, "kibo-review", "기보 심사 시작");
        b.click("#select-grade option[value='BBB']");
        b.fill("#select-coverage_pct", "95");
        b.fill("#select-base_fee_rate_pct", "1.2");
        b.fill("#select-approved_won", "500000000");
        b.click("#select-bank_code option[value='004']");
        b.shot("select");
        press(&b, "select", "선정");
        sign_out(&b);

        // 5. The Technopark reviews eligibility item by item and approves.
        sign_in(&b, "officer", PASSWORD);
        b.open(&format!("{base}{case}"));
        press(&b, "eligibility-review", "요건 검토 시작");
        for evidence in ["사업장 확인", "휴폐업 조회", "완납증명서", "신용 조회", "비상장 확인"] {
            b.fill("#check-evidence", evidence);
            press(&b, "check", "요건 확인 기록");
        }
        b.shot("checked");
        press(&b, "approve", "지원 승인");
        b.wait_for("승인");
        sign_out(&b);

        // 6. KIBO issues the guarantee.
        clock.set("2026-09-08");
        sign_in(&b, "reviewer", PASSWORD);
        b.open(&format!("{base}{case}"));
        b.fill("#issue-guarantee-guarantee_no", "G-STORY-1");
        press(&b, "issue-guarantee", "보증서 발급");
        b.shot("guaranteed");
        sign_out(&b);

        // 7. The bank uploads the loan, then a repayment, then September's claim.
        let upload = |b: &mut Browser, kind: &str, name: &str, text: &str| {
            let path = files.path().join(name);
            std::fs::write(&path, text).expect("a file");
            b.open(&format!("{base}/uploads"));
            b.click(&format!("#kind option[value='{kind}']"));
            b.attach("#file", &path);
            b.click("form.stack button[type=submit]");
            b.wait_for("저장: 1");
            b.shot(&format!("upload-{kind}"));
        };
        // (The clock moves days on between them: the clerk signs in again each time.)
        clock.set("2026-09-10");
        sign_in(&b, "clerk", PASSWORD);
        upload(&mut b, "loans", "loans.csv", "bank_code,loan_no,guarantee_no,principal_won,annual_rate_pct,executed_on,maturity_on\n004,L-STORY-1,G-STORY-1,500000000,4.5,2026-09-10,2028-09-10\n");
        sign_out(&b);
        clock.set("2026-09-21");
        sign_in(&b, "clerk", PASSWORD);
        upload(&mut b, "events", "events.csv", "bank_code,loan_no,on,kind,amount_won,annual_rate_pct\n004,L-STORY-1,2026-09-20,repayment,100000000,\n");
        sign_out(&b);
        clock.set("2026-10-02");
        let case_id: jumpup_domain::ids::CaseId = case.rsplit('/').next().and_then(|id| id.parse().ok()).expect("a case id");
        let quote = s.case_quote("clerk", case_id).await.expect("the bank's own figure");
        let september = &quote.quote.subsidy.periods[0];
        sign_in(&b, "clerk", PASSWORD);
        upload(&mut b, "claims", "claims.csv", &format!("bank_code,loan_no,period_from,period_to,claimed_won\n004,L-STORY-1,{},{},{}\n", september.from, september.to, september.claim.get()));
        sign_out(&b);

        // 8. The Technopark prepares September's settlement (the month just ended is offered).
        clock.set("2026-10-05");
        sign_in(&b, "officer", PASSWORD);
        b.click("a[href='/settlements']");
        b.wait_for("정산");
        b.shot("settlements");
        b.click("form[action='/settlements'] button[type=submit]");
        b.wait_for("승인 대기");
        let batch = b.path();
        b.shot("batch-prepared");
        sign_out(&b);

        // 9. The City approves it, and its dashboard shows what was paid.
        sign_in(&b, "mayor", PASSWORD);
        b.open(&format!("{base}{batch}"));
        // KRDS draws the box on the label, as a person sees and clicks it.
        b.click("label[for=confirm]");
        b.click(&format!("form[action='{batch}/approve'] button"));
        b.wait_for("지급 명세");
        b.shot("batch-approved");
        b.click("a[href='/dashboard']");
        let dashboard = b.wait_for("예산");
        b.shot("dashboard");
        sign_out(&b);

        // 10. Accounts need two people: the administrator proposes a Technopark account, the
        // City confirms it and reads its setup code once, the new official sets a password.
        sign_in(&b, "root", PASSWORD);
        b.click("a[href='/accounts']");
        b.wait_for("사용자 추가");
        b.fill("#user-name", "officer2");
        b.click("#user-role option[value='tp']");
        b.click("form[action='/accounts'] button[type=submit]");
        b.wait_for("사용자 추가: 처리되었습니다");
        b.shot("accounts-proposed");
        sign_out(&b);
        sign_in(&b, "mayor", PASSWORD);
        b.click("a[href='/accounts']");
        b.wait_for("확인을 기다리는 계정");
        b.shot("accounts-to-confirm");
        b.click("form[action$='/confirm'] button");
        let confirmed = b.wait_for("비밀번호 설정 코드: officer2");
        b.shot("accounts-setup-code");
        let code = confirmed
            .split_whitespace()
            .find(|w| w.len() == 64 && w.bytes().all(|c| c.is_ascii_hexdigit()))
            .expect("the setup code on the page")
            .to_owned();
        sign_out(&b);
        b.open(&format!("{base}/setup"));
        b.fill("#name", "officer2");
        b.fill("#setup_code", &code);
        b.fill("#password", PASSWORD);
        b.fill("#password2", PASSWORD);
        b.shot("setup");
        b.click("form.stack button[type=submit]");
        b.wait_for("비밀번호를 설정했습니다");
        b.shot("setup-done");
        sign_in(&b, "officer2", PASSWORD);
        sign_out(&b);
        // Five wrong passwords lock a name for this address; the administrator sees it.
        for _ in 0..5 {
            b.open(&format!("{base}/login"));
            b.fill("#name", "reviewer");
            b.fill("#password", "not the password at all");
            b.click("form.stack button[type=submit]");
            b.wait_for("맞지 않습니다");
        }
        b.open(&format!("{base}/login"));
        b.fill("#name", "reviewer");
        b.fill("#password", PASSWORD);
        b.click("form.stack button[type=submit]");
        b.wait_for("잠금 해제를 요청하세요");
        b.shot("login-locked");
        sign_in(&b, "root", PASSWORD);
        b.click("a[href='/accounts']");
        b.wait_for("로그인 잠금(최근 7일)");
        b.shot("accounts-lockouts");

        // On a phone's screen every page of the story fits its width.
        b.resize(390, 844);
        for (path, says) in [("/setup", "설정 코드"), ("/accounts", "로그인 잠금")] {
            b.open(&format!("{base}{path}"));
            b.wait_for(says);
            assert!(!b.overflows(), "{path} is wider than a phone's screen");
        }
        b.shot("accounts-phone");
        b.click("form[action='/logout'] button");
        b.wait_for("발급받은 사용자 이름과 비밀번호로 로그인하세요.");
        sign_in(&b, "mayor", PASSWORD);
        for path in ["/dashboard".to_owned(), case.clone(), batch.clone(), "/cases".to_owned(), "/quote".to_owned()] {
            b.open(&format!("{base}{path}"));
            b.wait_for("로그인 사용자");
            assert!(!b.overflows(), "{path} is wider than a phone's screen");
        }
        b.open(&format!("{base}/dashboard"));
        b.wait_for("예산");
        b.shot("dashboard-phone");
        let paid = ledger_paid(&url, "incheon-jumpup");
        assert_eq!(paid, september.payment.grouped(), "the ledger paid the claim");
        assert!(dashboard.contains(&format!("{paid}원")), "the dashboard shows {paid}: {dashboard}");
    }
}
