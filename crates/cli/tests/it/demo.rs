//! The demonstration portfolio: `jumpup serve --demo` builds it through the services on an
//! empty database, prints one sign-in per role, serves pages with the demo banner, and leaves a
//! database whose ledger and audit chain check and whose figures are the published ones; a
//! second run reuses it; a database of its own is refused.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use jumpup_bench::demo::{self, Demo};
use jumpup_domain::workflow::State;
use jumpup_service::ServiceError;
use jumpup_store::testing::query_texts;
use jumpup_store::{both, both_url};

use crate::pages::{csrf_of, form, page, sign_in};
use crate::server::{Server, TEST_COST};

/// Runs `jumpup --database URL ARGS`: success, and stdout with stderr.
pub(crate) fn jumpup(url: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jumpup"))
        .args(["--database", url])
        .args(args)
        .env_remove("JUMPUP_DATABASE_URL")
        .output()
        .expect("jumpup runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The sign-ins the demo printed: role -> (user, password).
fn logins(preamble: &[String]) -> BTreeMap<String, (String, String)> {
    let at = preamble
        .iter()
        .position(|l| l.starts_with("Sign-ins"))
        .unwrap_or_else(|| panic!("the demo prints its sign-ins: {preamble:?}"));
    preamble[at + 1..]
        .iter()
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(parts.len(), 3, "{l}");
            (
                parts[0].to_owned(),
                (parts[1].to_owned(), parts[2].to_owned()),
            )
        })
        .collect()
}

/// Everything the story stored that a second build must reproduce (not the passwords).
async fn fingerprint(db: &jumpup_store::Db) -> Vec<String> {
    let mut all = Vec::new();
    for sql in [
        "select program_id || '|' || state || '|' || cast(requested_won as text) || '|' || coalesce(cast(approved_won as text), '-') \
         || '|' || coalesce(grade, '-') || '|' || coalesce(coverage_pct, '-') || '|' || coalesce(cast(decided_on as text), '-') \
         from support_case order by case_id",
        "select f.business_no || '|' || f.name || '|' || f.district || '|' || f.industry_code from firm f order by firm_id",
        "select loan_no || '|' || cast(principal_won as text) || '|' || annual_rate_pct || '|' || cast(executed_on as text) || '|' || cast(maturity_on as text) from loan order by loan_id",
        "select kind || '|' || cast(on_date as text) || '|' || coalesce(cast(amount_won as text), '-') from loan_event order by loan_event_id",
        "select status || '|' || cast(payable_won as text) from settlement_line order by batch_id, line_no",
    ] {
        all.extend(query_texts(db, sql).await);
    }
    all
}

both_url! {
    async fn serve_demo_builds_a_checked_portfolio_with_the_published_figures_and_reuses_it(db, url) {
        let server = Server::start(&url, &["--demo"]);
        let pre = server.preamble.clone();
        assert!(pre[0].starts_with(&format!("Demo database {url}, built")), "{pre:?}");
        assert!(pre[1].contains("1183 firms, 220,000,000,000 won of guarantees"), "{pre:?}");
        let logins = logins(&pre);
        let roles: BTreeSet<&str> = logins.keys().map(String::as_str).collect();
        assert_eq!(roles, BTreeSet::from(["admin", "auditor", "bank", "city", "firm", "kibo", "tp"]));
        let passwords: BTreeSet<&str> = logins.values().map(|(_, p)| p.as_str()).collect();
        assert_eq!(passwords.len(), logins.len(), "each password is its own");

        // Every role signs in with what was printed; every page says it is a demo.
        for (user, password) in logins.values() {
            let cookie = format!("jumpup_session={}", sign_in(&server, user, password));
            let dashboard = page(&server, "/dashboard", &cookie);
            assert_eq!(dashboard.status, 200, "{user}");
            assert!(dashboard.body.contains("시연용 자료입니다"), "{user}: the demo banner");
        }
        let (city, password) = &logins["city"];
        let cookie = format!("jumpup_session={}", sign_in(&server, city, password));
        let dashboard = page(&server, "/dashboard?lang=en", &cookie);
        assert!(dashboard.body.contains("Demonstration data"), "the banner in English");
        let paid_shown = dashboard.body.split("Subsidy paid").nth(1).and_then(|r| r.split("</tr>").next()).expect("the paid row").to_owned();
        assert!(dashboard.body.contains("2,000,000,000"), "the appropriation");
        // The programmes' figures side by side: the predecessor's are the published ones.
        for figure in ["Firms supported", "1,183", "220,000,000,000 won", "Subsidy paid", "Latest settlement"] {
            assert!(dashboard.body.contains(figure), "{figure}: {}", dashboard.body);
        }
        // Programmes by their names, never their ids as text (ids stay in links and values).
        assert!(dashboard.body.contains("SME Agreement Guarantee") && dashboard.body.contains("Technology-Innovation Company Jump-Up"), "{}", dashboard.body);
        assert!(!dashboard.body.contains(">incheon-jumpup<") && !dashboard.body.contains("incheon-agreement-guarantee<"), "{}", dashboard.body);
        let cases = page(&server, "/cases?lang=en", &cookie);
        assert!(cases.body.contains("<td>SME Agreement Guarantee</td>") && !cases.body.contains(">incheon-agreement-guarantee<"), "{}", cases.body);
        let (bank, password) = &logins["bank"];
        let cookie = format!("jumpup_session={}", sign_in(&server, bank, password));
        let r = page(&server, "/dashboard?lang=en", &cookie);
        // The bank by its name (003 is IBK, not 우리은행: the heading said "우리 은행" before).
        assert!(r.body.contains("Your bank: IBK기업은행 (003)") && r.body.contains("Paid to the bank") && r.body.contains("statement?bank=003"), "{}", r.body);
        let r = page(&server, "/dashboard?lang=ko", &cookie);
        assert!(r.body.contains("소속 은행 현황: IBK기업은행 (003)") && !r.body.contains("우리 은행"), "{}", r.body);
        assert!(!r.body.contains("Programme figures"), "a bank sees no programme totals");
        let (firm, password) = &logins["firm"];
        let cookie = format!("jumpup_session={}", sign_in(&server, firm, password));
        let r = page(&server, "/dashboard?lang=en", &cookie);
        assert!(r.body.contains("Our applications") && r.body.contains("<a href=\"/cases/"), "{}", r.body);
        drop(server);

        // The checks an auditor runs pass on it.
        let (ok, text) = jumpup(&url, &["ledger", "check"]);
        assert!(ok && text.contains("ok:"), "{text}");
        let paid = text.split("incheon-jumpup").nth(1).and_then(|b| b.lines().find(|l| l.trim_start().starts_with("paid "))).and_then(|l| l.split_whitespace().nth(1)).expect("paid").to_owned();
        assert!(paid_shown.contains(&format!("{paid} won")), "the dashboard's subsidy paid is the ledger's {paid}");
        let (ok, text) = jumpup(&url, &["audit", "verify"]);
        assert!(ok && text.contains("audit chain intact"), "{text}");

        // The predecessor's published figures: 1,183 firms, 220,000,000,000 won.
        let predecessor = query_texts(&db, "select cast(count(distinct firm_id) as text) || '|' || cast(sum(approved_won) as text) \
             from support_case where program_id = 'incheon-agreement-guarantee'").await;
        assert_eq!(predecessor, vec!["1183|220000000000".to_owned()]);
        // Jump-Up in every workflow state, with events of every kind and settled months.
        let states: BTreeSet<String> = query_texts(&db, "select distinct state from support_case where program_id = 'incheon-jumpup'")
            .await
            .into_iter()
            .collect();
        let all: BTreeSet<String> = State::ALL.iter().map(|s| s.as_str().to_owned()).collect();
        assert_eq!(states, all);
        let kinds: BTreeSet<String> = query_texts(&db, "select distinct kind from loan_event").await.into_iter().collect();
        assert_eq!(kinds.len(), 8, "{kinds:?}");
        let cancelled = query_texts(&db, "select kind from loan_event where cancelled_at is not null").await;
        assert_eq!(cancelled.len(), 1, "one event reported in error and cancelled");
        let statuses: BTreeSet<String> = query_texts(&db, "select distinct status from settlement_line").await.into_iter().collect();
        for status in ["match", "reduced", "rejected", "clawback"] {
            assert!(statuses.contains(status), "{status} in {statuses:?}");
        }
        let batches = query_texts(&db, "select state from settlement_batch").await;
        assert_eq!(batches.len(), 15, "August 2025 to October 2026");
        assert!(batches.iter().all(|s| s == "approved"), "{batches:?}");

        // A second run reuses it, and prints no password.
        let before = fingerprint(&db).await;
        let (ok, text) = jumpup(&url, &["demo", "seed"]);
        assert!(ok && text.contains("reused"), "{text}");
        assert!(logins.values().all(|(_, p)| !text.contains(p.as_str())));
        assert_eq!(fingerprint(&db).await, before);
    }
}

both! {
    async fn the_demo_refuses_a_database_of_its_own_and_names_an_interrupted_one(db) {
        let s = jumpup_service::Services::new(db.clone());
        s.add_user(None, "root", jumpup_domain::workflow::Role::Admin, jumpup_service::identity::NewScope::None, None)
            .await
            .expect("a real administrator");
        match demo::build(db.clone(), TEST_COST).await {
            Err(ServiceError::Refused { reason: jumpup_service::Reason::DatabaseInUse, .. }) => {}
            other => panic!("a database in use is refused, not {other:?}"),
        }
        assert!(query_texts(&db, "select cast(id as text) from demo").await.is_empty(), "nothing written");
        assert_eq!(query_texts(&db, "select name from app_user").await, vec!["root".to_owned()]);
        // A database with records but no users yet is in use too.
        let (banked, _b) = jumpup_store::testing::sqlite().await;
        jumpup_store::testing::execute_raw(&banked, "insert into bank (code, name, created_at) values ('004', 'KB', '2026-11-27T00:00:00Z')").await;
        assert!(matches!(demo::build(banked, TEST_COST).await, Err(ServiceError::Refused { reason: jumpup_service::Reason::DatabaseInUse, .. })));

        let (empty, _dir) = jumpup_store::testing::sqlite().await;
        jumpup_store::testing::execute_raw(&empty, "insert into demo (id, seed, started_at) values (1, 1, '2026-11-27T00:00:00Z')").await;
        match demo::build(empty, TEST_COST).await {
            Err(ServiceError::Refused { reason: jumpup_service::Reason::DemoInterrupted, .. }) => {}
            other => panic!("an interrupted demo is named, not {other:?}"),
        }
    }
}

/// `JUMPUP_DATABASE_URL` names the real database for every other command; the demo never
/// takes it, and builds in its own file instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_never_takes_the_database_the_environment_names() {
    let (real, dir) = jumpup_store::testing::sqlite().await;
    let url = dir.sqlite_url();
    jumpup_service::Services::new(real.clone())
        .add_user(
            None,
            "root",
            jumpup_domain::workflow::Role::Admin,
            jumpup_service::identity::NewScope::None,
            None,
        )
        .await
        .expect("a real administrator");
    let here = crate::support::TempDir::new();
    let out = Command::new(env!("CARGO_BIN_EXE_jumpup"))
        .args(["demo", "seed"])
        .env("JUMPUP_DATABASE_URL", &url)
        .current_dir(here.path())
        .output()
        .expect("jumpup runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.starts_with("Demo database sqlite:jumpup-demo.db, built"),
        "{text}"
    );
    assert!(here.path().join("jumpup-demo.db").is_file());
    assert_eq!(
        query_texts(&real, "select name from app_user").await,
        vec!["root".to_owned()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_is_the_same_portfolio_every_time() {
    let (first, _a) = jumpup_store::testing::sqlite().await;
    let (second, _b) = jumpup_store::testing::sqlite().await;
    for db in [&first, &second] {
        assert!(matches!(
            demo::build(db.clone(), TEST_COST).await,
            Ok(Demo::Built(_))
        ));
    }
    let a = fingerprint(&first).await;
    assert!(a.len() > 1_183 * 2, "the portfolio is there");
    assert_eq!(a, fingerprint(&second).await);
}

/// The first value of a query, as a number.
async fn first_id(db: &jumpup_store::Db, sql: &str) -> i64 {
    query_texts(db, sql)
        .await
        .first()
        .unwrap_or_else(|| panic!("a row for {sql}"))
        .parse()
        .expect("an id")
}

both_url! {
    async fn the_case_page_shows_each_viewer_its_case_and_takes_each_step_by_its_form(db, url) {
        let server = Server::start(&url, &["--demo"]);
        let logins = logins(&server.preamble);
        let session = |role: &str| {
            let (user, password) = &logins[role];
            sign_in(&server, user, password)
        };
        let cookie = |s: &str| format!("jumpup_session={s}");
        let tp = session("tp");

        // A case in eligibility review: the Technopark's forms are the check, approval and
        // rejection; KIBO's selection is not offered.
        let id = first_id(&db, "select cast(case_id as text) from support_case where state = 'eligibility_review' order by case_id").await;
        let path = format!("/cases/{id}");
        let r = page(&server, &path, &cookie(&tp));
        assert_eq!(r.status, 200, "{}", r.body);
        for button in ["요건 확인 기록", "지원 승인", "반려"] {
            assert!(r.body.contains(&format!("<button type=\"submit\">{button}</button>")), "{button}");
        }
        assert!(!r.body.contains(">선정</button>") && r.body.contains("처리 이력") && r.body.contains("사업자등록번호"));
        let csrf = csrf_of(&r.body);

        // Approval before every item is met is refused above its form; nothing changes.
        let r = form(&server, &format!("{path}/approve"), Some(&tp), &format!("csrf={csrf}"));
        assert_eq!(r.status, 409, "{}", r.body);
        // Said from the catalogue, in the page's language, with its code.
        assert!(r.body.contains("eligibility_") && r.body.contains("확인되지 않았습니다."), "{}", r.body);
        let state = |db: jumpup_store::Db| async move {
            query_texts(&db, &format!("select state from support_case where case_id = {id}")).await.remove(0)
        };
        assert_eq!(state(db.clone()).await, "eligibility_review");
        // A bad value is named beside its field, the form keeps what was typed.
        let r = form(&server, &format!("{path}/check"), Some(&tp), &format!("csrf={csrf}&item=not_listed&met=maybe&evidence=kept+text"));
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains(r#"id="check-met-error""#) && r.body.contains(r#"value="kept text""#), "{}", r.body);
        assert_eq!(form(&server, &format!("{path}/check"), Some(&tp), "csrf=forged&item=not_listed&met=yes").status, 403);

        // Every item checked by its form (the evidence typed as HTML), then approved.
        for item in ["incheon_site", "not_closed", "no_tax_arrears", "not_delinquent", "not_listed"] {
            let body = format!("csrf={csrf}&item={item}&met=yes&evidence=%3Cb%3E{item}%3C%2Fb%3E");
            let r = form(&server, &format!("{path}/check"), Some(&tp), &body);
            assert_eq!((r.status, r.header("location")), (303, Some(format!("{path}?done=check").as_str())), "{}", r.body);
        }
        let r = form(&server, &format!("{path}/approve"), Some(&tp), &format!("csrf={csrf}"));
        assert_eq!(r.status, 303, "{}", r.body);
        let now = state(db.clone()).await;
        // The demo's budget is spent: the approval waits on the waitlist (RULES.md 6.4).
        assert_eq!(now, "waitlisted");
        let r = page(&server, &format!("{path}?done=approve"), &cookie(&tp));
        assert!(r.body.contains("지원 승인: 처리되었습니다") && r.body.contains("예산 대기"), "{}", r.body);
        assert!(r.body.contains("&#60;b&#62;not_listed&#60;/b&#62;") || r.body.contains("&lt;b&gt;not_listed&lt;/b&gt;"), "the evidence is text");
        assert!(!r.body.contains("<b>not_listed</b>"));

        // The firm sees its own case with the loan's quote and payments, and no one else's.
        let firm = session("firm");
        let own = first_id(&db, "select cast(c.case_id as text) from support_case c join app_user u on u.firm_id = c.firm_id where u.name = 'demo-firm'").await;
        let r = page(&server, &format!("/cases/{own}?lang=en"), &cookie(&firm));
        assert_eq!(r.status, 200, "{}", r.body);
        for text in ["Timeline", "Claims and payments", "Guarantee fees", "Subsidy claim periods", "Match", "There is nothing for you to do"] {
            assert!(r.body.contains(text), "{text}");
        }
        assert_eq!(page(&server, &path, &cookie(&firm)).status, 404);
        assert_eq!(form(&server, &format!("{path}/withdraw"), Some(&firm), &format!("csrf={}", csrf_of(&r.body))).status, 403);

        // The bank reads its own bank's case without the firm's record; another bank's is not found.
        let bank = session("bank");
        let ours = first_id(&db, "select cast(c.case_id as text) from support_case c join bank b on b.bank_id = c.bank_id where b.code = '003' and c.state = 'completed' order by c.case_id").await;
        let theirs = first_id(&db, "select cast(c.case_id as text) from support_case c join bank b on b.bank_id = c.bank_id where b.code <> '003' and c.state = 'completed' order by c.case_id").await;
        let r = page(&server, &format!("/cases/{ours}"), &cookie(&bank));
        assert_eq!(r.status, 200);
        assert!(r.body.contains("청구와 지급") && !r.body.contains("사업자등록번호"), "{}", r.body);
        // Nor the review behind the decision: no checklist, no evidence, no reasons.
        assert!(!r.body.contains("자격 요건 확인") && !r.body.contains("완납증명서") && r.body.contains("처리 이력"), "{}", r.body);
        assert_eq!(page(&server, &format!("/cases/{theirs}"), &cookie(&bank)).status, 404);
        // A step the role may not take is refused before the form is read.
        let r = form(&server, &format!("/cases/{ours}/approve"), Some(&bank), &format!("csrf={}", csrf_of(&r.body)));
        assert_eq!(r.status, 403);
        // The case list links each case to its page.
        let r = page(&server, "/cases", &cookie(&tp));
        assert!(r.body.contains(r#"<a href="/cases/1">1</a>"#), "{}", r.body);
    }
}

/// The administrator's accounts pages, each followed by its "next" link, joined.
fn every_accounts_page(server: &Server, cookie: &str) -> String {
    let mut all = String::new();
    let mut path = Some("/accounts".to_owned());
    while let Some(p) = path {
        let r = page(server, &p, cookie);
        assert_eq!(r.status, 200, "{p}");
        // The page's own "next" link (the language switch links to the same page too).
        path = r
            .body
            .split("\" rel=\"next\">")
            .next()
            .filter(|before| before.len() < r.body.len())
            .and_then(|before| before.rsplit("<a href=\"").next())
            .map(str::to_owned);
        assert!(path.as_deref() != Some(p.as_str()), "{p} links to itself");
        all.push_str(&r.body);
    }
    all
}

/// A document sent by the case page's upload form.
fn send_document(
    server: &Server,
    cookie: &str,
    csrf: &str,
    case_id: i64,
    name: &str,
    content: &str,
) -> crate::server::Response {
    let boundary = "----jumpup-document-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n{content}\r\n\
         --{boundary}--\r\n"
    );
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let cookie = format!("jumpup_session={cookie}");
    server.raw(
        "POST",
        &format!("/cases/{case_id}/documents"),
        &[("Content-Type", &content_type), ("Cookie", &cookie)],
        Some(&body),
    )
}

both_url! {
    async fn registration_accounts_applications_and_documents_take_their_forms_and_name_each_bad_field(db, url) {
        let server = Server::start(&url, &["--demo"]);
        let logins = logins(&server.preamble);
        let session = |role: &str| {
            let (user, password) = &logins[role];
            sign_in(&server, user, password)
        };
        let cookie = |s: &str| format!("jumpup_session={s}");

        // Registration: every bad field named beside it, what was typed kept (as text), the
        // passwords never sent back.
        let r = page(&server, "/register", "");
        assert_eq!(r.status, 200);
        assert!(r.body.contains(r#"<label for="business_no">"#) && r.body.contains("연수구"), "{}", r.body);
        let body = "business_no=124-81-00999&firm_name=%3Cb%3E%EB%B2%A0%ED%83%80%3C%2Fb%3E&address=&district=%EC%97%B0%EC%88%98%EA%B5%AC&industry_code=C26&user_name=beta&password=a+long+password+1&password2=another+password";
        let r = form(&server, "/register", None, body);
        assert_eq!(r.status, 422, "{}", r.body);
        for id in ["business_no-error", "address-error", "password2-error"] {
            assert!(r.body.contains(&format!("id=\"{id}\"")), "{id}: {}", r.body);
        }
        assert!(r.body.contains("올바른 사업자등록번호가 아닙니다") && r.body.contains("비밀번호가 서로 다릅니다"), "{}", r.body);
        assert!(r.body.contains("value=\"&#60;b&#62;베타&#60;/b&#62;\"") || r.body.contains("value=\"&lt;b&gt;베타&lt;/b&gt;\""), "{}", r.body);
        assert!(!r.body.contains("a long password 1"));
        let body = "business_no=124-81-00998&firm_name=%EB%B2%A0%ED%83%80&address=%EC%9D%B8%EC%B2%9C&district=%EC%97%B0%EC%88%98%EA%B5%AC&industry_code=C26&user_name=beta&password=a+long+password+1&password2=a+long+password+1";
        let r = form(&server, "/register", None, body);
        assert_eq!((r.status, r.header("location")), (303, Some("/register?done=1")), "{}", r.body);

        // The Technopark sees it waiting; a bank may not manage accounts.
        let tp = session("tp");
        let r = page(&server, "/accounts", &cookie(&tp));
        assert!(r.body.contains("베타") && r.body.contains("124-81-00998") && !r.body.contains("모든 사용자"), "{}", r.body);
        assert_eq!(page(&server, "/accounts", &cookie(&session("bank"))).status, 403);

        // The administrator adds a user (a bank user needs its bank) and a bank.
        let admin = session("admin");
        let r = page(&server, "/accounts", &cookie(&admin));
        assert!(r.body.contains("모든 사용자") && r.body.contains("demo-city") && r.body.contains("IBK기업은행"), "{}", r.body);
        let csrf = csrf_of(&r.body);
        // A hundred users a page: the demo's firms' accounts are on the next ones.
        assert!(!r.body.contains(">firm-0150<"));
        let all = every_accounts_page(&server, &cookie(&admin));
        assert!(all.contains(">firm-0150<") && all.contains(">demo-city<"), "{all}");
        assert_eq!(page(&server, "/accounts?after=x", &cookie(&admin)).status, 400);
        let r = form(&server, "/accounts", Some(&admin), &format!("csrf={csrf}&name=clerk2&role=bank&bank_code=&business_no=&password="));
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains(r#"id="user-bank-error""#) && r.body.contains(r#"value="clerk2""#), "{}", r.body);
        let r = form(&server, "/accounts", Some(&admin), &format!("csrf={csrf}&name=clerk2&role=bank&bank_code=004&business_no="));
        assert_eq!((r.status, r.header("location")), (303, Some("/accounts?done=user")), "{}", r.body);
        assert!(!page(&server, "/accounts", &cookie(&admin)).body.contains(r#"name="password""#), "an administrator sets no one's password");
        // The Technopark confirms the bank's new account and reads its setup code once; the
        // clerk sets a password with it and signs in.
        let r = page(&server, "/accounts", &cookie(&tp));
        assert!(r.body.contains("확인을 기다리는 계정") && r.body.contains("<td>clerk2</td>"), "{}", r.body);
        let confirm = r.body.split("<td>clerk2</td>").nth(1).and_then(|rest| rest.split("action=\"").nth(1)).and_then(|rest| rest.split('"').next()).expect("a confirm form").to_owned();
        assert!(confirm.ends_with("/confirm"), "{confirm}");
        let r = form(&server, &confirm, Some(&tp), &format!("csrf={}", csrf_of(&r.body)));
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("비밀번호 설정 코드: clerk2"), "{}", r.body);
        let code = r.body.split("<code>").nth(1).and_then(|rest| rest.split("</code>").next()).expect("the code").to_owned();
        assert_eq!(page(&server, "/setup", "").status, 200);
        let r = form(&server, "/setup", None, &format!("name=clerk2&setup_code={code}&password=a+long+password+2&password2=a+long+password+2"));
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("비밀번호를 설정했습니다"), "{}", r.body);
        sign_in(&server, "clerk2", "a long password 2");
        let r = form(&server, "/banks", Some(&admin), &format!("csrf={csrf}&code=12&name="));
        assert_eq!(r.status, 422);
        assert!(r.body.contains(r#"id="bank-code-error""#) && r.body.contains(r#"id="bank-name-error""#), "{}", r.body);
        let r = form(&server, "/banks", Some(&admin), &format!("csrf={csrf}&code=023&name=SC%EC%A0%9C%EC%9D%BC%EC%9D%80%ED%96%89"));
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(page(&server, "/accounts", &cookie(&admin)).body.contains("SC제일은행"));
        assert_eq!(form(&server, "/banks", Some(&tp), &format!("csrf={}", csrf_of(&page(&server, "/accounts", &cookie(&tp)).body))).status, 403);

        // The firm applies (a bad amount named beside its field), then uploads documents.
        let firm = session("firm");
        let r = page(&server, "/apply", &cookie(&firm));
        assert!(r.body.contains("incheon-jumpup"), "{}", r.body);
        let csrf = csrf_of(&r.body);
        let r = form(&server, "/apply", Some(&firm), &format!("csrf={csrf}&program=incheon-jumpup&requested_won=abc"));
        assert_eq!(r.status, 422);
        assert!(r.body.contains(r#"id="requested_won-error""#) && r.body.contains(r#"value="abc""#), "{}", r.body);
        let r = form(&server, "/apply", Some(&firm), &format!("csrf={csrf}&program=incheon-jumpup&requested_won=300%2C000%2C000"));
        assert_eq!(r.status, 303, "{}", r.body);
        let location = r.header("location").expect("the case page").to_owned();
        let case_id: i64 = location.trim_start_matches("/cases/").split('?').next().and_then(|i| i.parse().ok()).expect("an id");
        let r = page(&server, &location, &cookie(&firm));
        assert!(r.body.contains("신청서 작성: 처리되었습니다") && r.body.contains("300,000,000원"), "{}", r.body);
        let r = send_document(&server, &firm, &csrf, case_id, "plan.pdf", "<html>not a pdf</html>");
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains(r#"id="document-error""#) && r.body.contains("PDF"), "{}", r.body);
        let r = send_document(&server, &firm, &csrf, case_id, "사업 계획.pdf", "%PDF-1.4 the plan");
        assert_eq!(r.status, 303, "{}", r.body);
        let r = page(&server, &format!("/cases/{case_id}"), &cookie(&firm));
        assert!(r.body.contains("사업 계획.pdf") && r.body.contains("서류 제출"), "{}", r.body);
        let document = r.body.split(&format!("/cases/{case_id}/documents/")).nth(1).and_then(|s| s.split('"').next()).expect("a link").to_owned();
        let path = format!("/cases/{case_id}/documents/{document}");
        let r = page(&server, &path, &cookie(&tp));
        assert_eq!(r.status, 200);
        assert_eq!(r.body, "%PDF-1.4 the plan");
        assert_eq!(r.header("content-type"), Some("application/pdf"));
        assert!(r.header("content-disposition").is_some_and(|d| d.starts_with("attachment;") && d.contains("%EC%82%AC%EC%97%85%20")));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        // Not the bank's to read, nor a file the Technopark uploads.
        assert_eq!(page(&server, &path, &cookie(&session("bank"))).status, 403);
        assert_eq!(send_document(&server, &tp, &csrf_of(&page(&server, "/dashboard", &cookie(&tp)).body), case_id, "x.pdf", "%PDF-").status, 403);
    }
}

both_url! {
    async fn html_typed_into_any_text_field_comes_back_as_text(db, url) {
        let server = Server::start(&url, &["--demo"]);
        let logins = logins(&server.preamble);
        let session = |role: &str| {
            let (user, password) = &logins[role];
            sign_in(&server, user, password)
        };
        let cookie = |s: &str| format!("jumpup_session={s}");
        let raw = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "<svg onload=alert(3)>"];
        let escaped = |body: &str, i: usize| {
            !body.contains(raw[i]) && (body.contains("&#60;") || body.contains("&lt;"))
        };
        // A rejection's reason, in the case's timeline.
        let kibo = session("kibo");
        let id = first_id(&db, "select cast(case_id as text) from support_case where state = 'kibo_review' order by case_id").await;
        let csrf = csrf_of(&page(&server, "/dashboard", &cookie(&kibo)).body);
        let r = form(&server, &format!("/cases/{id}/reject"), Some(&kibo), &format!("csrf={csrf}&reason=%3Cscript%3Ealert(1)%3C%2Fscript%3E"));
        assert_eq!(r.status, 303, "{}", r.body);
        let r = page(&server, &format!("/cases/{id}"), &cookie(&kibo));
        assert!(escaped(&r.body, 0) && r.body.contains("alert(1)"), "{}", r.body);
        // A bank's name and a user's name, on the administrator's page.
        let admin = session("admin");
        let csrf = csrf_of(&page(&server, "/accounts", &cookie(&admin)).body);
        let r = form(&server, "/banks", Some(&admin), &format!("csrf={csrf}&code=099&name=%3Cimg+src%3Dx+onerror%3Dalert(2)%3E"));
        assert_eq!(r.status, 303, "{}", r.body);
        let r = form(&server, "/accounts", Some(&admin), &format!("csrf={csrf}&name=%3Csvg+onload%3Dalert(3)%3E&role=auditor&bank_code=&business_no=&password="));
        assert_eq!(r.status, 303, "{}", r.body);
        let all = every_accounts_page(&server, &cookie(&admin));
        assert!(escaped(&all, 1) && escaped(&all, 2) && all.contains("alert(2)") && all.contains("alert(3)"), "{all}");
        // A document's name, on the case page.
        let firm = session("firm");
        let csrf = csrf_of(&page(&server, "/apply", &cookie(&firm)).body);
        let r = form(&server, "/apply", Some(&firm), &format!("csrf={csrf}&program=incheon-jumpup&requested_won=100000000"));
        let case_id: i64 = r.header("location").and_then(|l| l.trim_start_matches("/cases/").split('?').next()?.parse().ok()).expect("a case");
        assert_eq!(send_document(&server, &firm, &csrf, case_id, "<svg onload=alert(3)>.pdf", "%PDF-1.4").status, 303);
        let r = page(&server, &format!("/cases/{case_id}"), &cookie(&firm));
        assert!(escaped(&r.body, 2) && r.body.contains("alert(3)"), "{}", r.body);
        // The language switch keeps the page's query, escaped.
        let r = page(&server, "/cases?state=draft", &cookie(&kibo));
        assert!(r.body.contains(r#"href="/cases?state=draft&#38;lang=en""#) || r.body.contains(r#"href="/cases?state=draft&amp;lang=en""#), "{}", r.body);
    }
}

/// A multipart form: the CSRF token first, then `fields`, then a file.
fn multipart(
    server: &Server,
    path: &str,
    session: Option<&str>,
    csrf: &str,
    fields: &[(&str, &str)],
    file: (&str, &str),
) -> crate::server::Response {
    let boundary = "----jumpup-table-boundary";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n");
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n{}\r\n--{boundary}--\r\n",
        file.0, file.1
    ));
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let cookie = session.map(|s| format!("jumpup_session={s}"));
    let mut headers = vec![("Content-Type", content_type.as_str())];
    if let Some(c) = &cookie {
        headers.push(("Cookie", c));
    }
    server.raw("POST", path, &headers, Some(&body))
}

both_url! {
    async fn every_page_route_answers_each_role_as_its_rights_say(db, url) {
        let server = Server::start(&url, &["--demo"]);
        let logins = logins(&server.preamble);
        const ROLES: [&str; 8] = ["none", "admin", "city", "tp", "kibo", "bank", "firm", "auditor"];
        let sessions: Vec<Option<String>> = ROLES
            .iter()
            .map(|role| logins.get(*role).map(|(user, password)| sign_in(&server, user, password)))
            .collect();
        let csrfs: Vec<String> = sessions
            .iter()
            .map(|s| s.as_ref().map_or_else(String::new, |s| csrf_of(&page(&server, "/dashboard", &format!("jumpup_session={s}")).body)))
            .collect();
        // The firm's own case (finished), whether the demo's bank lends on it, and the firm's user.
        let case = first_id(&db, "select cast(c.case_id as text) from support_case c join app_user u on u.firm_id = c.firm_id where u.name = 'demo-firm'").await;
        let ours = query_texts(&db, &format!("select b.code from support_case c join bank b on b.bank_id = c.bank_id where c.case_id = {case}")).await == vec!["003".to_owned()];
        let firm_user = first_id(&db, "select cast(user_id as text) from app_user where name = 'demo-firm'").await;
        let bank_reads = if ours { 200 } else { 404 };
        // Per route: [none, admin, city, tp, kibo, bank, firm, auditor].
        let table: Vec<(&str, &str, String, &str, [u16; 8])> = vec![
            ("GET", "/", "/".into(), "", [303; 8]),
            ("GET", "/login", "/login".into(), "", [200; 8]),
            ("POST", "/login", "/login".into(), "", [401; 8]),
            ("GET", "/register", "/register".into(), "", [200; 8]),
            // Every registration from one address counts: the sixth within the window waits.
            ("POST", "/register", "/register".into(), "business_no=1", [422, 422, 422, 422, 422, 429, 429, 429]),
            ("GET", "/dashboard", "/dashboard".into(), "", [303, 200, 200, 200, 200, 200, 200, 200]),
            ("GET", "/setup", "/setup".into(), "", [200; 8]),
            ("POST", "/setup", "/setup".into(), "name=x&setup_code=y&password=a+long+password+9&password2=a+long+password+9", [401; 8]),
            ("GET", "/accounts", "/accounts".into(), "", [303, 200, 200, 200, 403, 403, 403, 403]),
            ("POST", "/accounts", "/accounts".into(), "name=x&role=nobody", [303, 422, 403, 403, 403, 403, 403, 403]),
            ("POST", "/accounts/{id}/{change}", format!("/accounts/{firm_user}/activate"), "", [303, 303, 403, 303, 403, 403, 403, 403]),
            ("POST", "/banks", "/banks".into(), "code=1&name=", [303, 422, 403, 403, 403, 403, 403, 403]),
            ("GET", "/apply", "/apply".into(), "", [303, 403, 403, 403, 403, 403, 200, 403]),
            ("POST", "/apply", "/apply".into(), "program=incheon-jumpup&requested_won=x", [303, 403, 403, 403, 403, 403, 422, 403]),
            ("GET", "/cases", "/cases".into(), "", [303, 403, 200, 200, 200, 200, 200, 200]),
            ("GET", "/cases/{id}", format!("/cases/{case}"), "", [303, 403, 200, 200, 200, bank_reads, 200, 200]),
            ("POST", "/cases/{id}/{step}", format!("/cases/{case}/approve"), "", [303, 403, 403, 409, 403, 403, 403, 403]),
            ("POST", "/cases/{id}/documents", format!("/cases/{case}/documents"), "", [303, 403, 403, 403, 403, 403, 409, 403]),
            ("GET", "/cases/{id}/documents/{doc}", format!("/cases/{case}/documents/999999"), "", [303, 403, 404, 404, 404, 403, 404, 404]),
            ("GET", "/quote", "/quote".into(), "", [303, 200, 200, 200, 200, 200, 200, 200]),
            ("GET", "/settlements", "/settlements".into(), "", [303, 403, 200, 200, 403, 403, 403, 200]),
            ("POST", "/settlements", "/settlements".into(), "through=x", [303, 403, 403, 422, 403, 403, 403, 403]),
            ("GET", "/settlements/{id}", "/settlements/1".into(), "", [303, 403, 200, 200, 403, 403, 403, 200]),
            ("POST", "/settlements/{id}/approve", "/settlements/1/approve".into(), "confirm=yes", [303, 403, 409, 403, 403, 403, 403, 403]),
            ("POST", "/settlements/{id}/reject", "/settlements/1/reject".into(), "reason=x", [303, 403, 409, 409, 403, 403, 403, 403]),
            ("GET", "/uploads", "/uploads".into(), "", [303, 403, 403, 200, 200, 200, 403, 403]),
            ("POST", "/uploads", "/uploads".into(), "", [303, 403, 403, 422, 403, 422, 403, 403]),
            ("GET", "/static/site.css", "/static/site.css".into(), "", [200; 8]),
            ("GET", "/static/krds/{*path}", "/static/krds/css/component/output.css".into(), "", [200; 8]),
            // Last: it ends each session.
            ("POST", "/logout", "/logout".into(), "", [303; 8]),
        ];
        let listed: BTreeSet<(&str, &str)> = table.iter().map(|(m, p, ..)| (*m, *p)).collect();
        let served: BTreeSet<(&str, &str)> = jumpup_server::page_list().into_iter().collect();
        assert_eq!(listed, served, "the table covers exactly the portal's routes");
        let mut wrong = Vec::new();
        for (method, template, path, body, expected) in &table {
            for (i, role) in ROLES.iter().enumerate() {
                let session = sessions[i].as_deref();
                let csrf = &csrfs[i];
                let r = match (*method, *template) {
                    ("GET", _) => page(&server, path, &session.map_or_else(String::new, |s| format!("jumpup_session={s}"))),
                    ("POST", "/cases/{id}/documents") => multipart(&server, path, session, csrf, &[], ("plan.pdf", "%PDF-1.4")),
                    ("POST", "/uploads") => multipart(&server, path, session, csrf, &[("kind", "loans")], ("loans.csv", "not,a,loans,file\n")),
                    // A name of its own each time: five failures for one name are throttled.
                    ("POST", "/login") => form(&server, path, session, &format!("name=nobody-{role}&password=wrong")),
                    _ => {
                        let body = if body.is_empty() { format!("csrf={csrf}") } else { format!("csrf={csrf}&{body}") };
                        form(&server, path, session, &body)
                    }
                };
                if r.status != expected[i] {
                    wrong.push(format!("{method} {path} as {role}: {} (expected {})", r.status, expected[i]));
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        // And a POST without its token is refused for everyone signed in.
        let (user, password) = &logins["tp"];
        let tp = sign_in(&server, user, password);
        for (_, template, path, body, _) in table.iter().filter(|(m, p, ..)| *m == "POST" && !["/login", "/register", "/setup"].contains(p)) {
            let r = match *template {
                "/uploads" | "/cases/{id}/documents" => multipart(&server, path, Some(&tp), "forged", &[("kind", "loans")], ("x.pdf", "%PDF-")),
                _ => form(&server, path, Some(&tp), &format!("csrf=forged&{body}")),
            };
            assert_eq!(r.status, 403, "{path} without its token");
        }
    }
}
