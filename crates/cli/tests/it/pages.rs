//! The portal's pages, served by a real `jumpup serve` on either database and spoken to over
//! TCP as a browser without JavaScript would: sign-in and sign-out forms with their errors and
//! CSRF token, the dashboard per role in Korean and English, and text a user typed rendered
//! harmless.

use jumpup_domain::money::Won;
use jumpup_domain::workflow::Role;
use jumpup_service::Services;
use jumpup_service::identity::{NewScope, hash_password};
use jumpup_store::both_url;

use crate::server::{CLERK_PASSWORD, Response, Server, TEST_COST, seed};

const MAYOR_PASSWORD: &str = "mayor password 0f the suite";

pub(crate) fn form(server: &Server, path: &str, cookie: Option<&str>, body: &str) -> Response {
    let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
    let cookie = cookie.map(|c| format!("jumpup_session={c}"));
    if let Some(c) = &cookie {
        headers.push(("Cookie", c));
    }
    server.raw("POST", path, &headers, Some(body))
}

pub(crate) fn page(server: &Server, path: &str, cookies: &str) -> Response {
    let headers: Vec<(&str, &str)> = if cookies.is_empty() {
        Vec::new()
    } else {
        vec![("Cookie", cookies)]
    };
    server.raw("GET", path, &headers, None)
}

/// Signs in through the form; the session cookie.
pub(crate) fn sign_in(server: &Server, name: &str, password: &str) -> String {
    let body = format!("name={name}&password={}", password.replace(' ', "+"));
    let r = form(server, "/login", None, &body);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/dashboard"));
    r.session_cookie()
}

/// The value of the page's hidden CSRF field.
pub(crate) fn csrf_of(html: &str) -> String {
    html.split(r#"name="csrf" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a CSRF field")
        .to_owned()
}

both_url! {
    async fn a_city_official_signs_in_reads_the_dashboard_in_both_languages_and_signs_out(db, url) {
        seed(&db).await;
        let mut s = Services::start(db.clone(), std::sync::Arc::new(jumpup_service::SystemClock)).await.expect("services");
        s.password_cost = TEST_COST;
        let hash = hash_password(MAYOR_PASSWORD, TEST_COST).expect("hash");
        s.add_user(Some("root"), "mayor", Role::City, NewScope::None, Some(&hash)).await.expect("mayor");
        s.top_up("mayor", "incheon-jumpup", Won::new(500_000_000), "TOP-UP-1").await.expect("a top-up");
        let server = Server::start(&url, &[]);

        // Signed out: every page sends the browser to sign in; the form is Korean by default.
        let r = page(&server, "/dashboard", "");
        assert_eq!((r.status, r.header("location")), (303, Some("/login")));
        let r = page(&server, "/login", "");
        assert_eq!(r.status, 200);
        // No script but the site's own, never framed, no address sent away, no type guessed.
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        assert_eq!(r.header("referrer-policy"), Some("same-origin"));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert!(r.body.contains(r#"<html lang="ko">"#) && r.body.contains("사용자 이름"), "{}", r.body);
        assert!(r.body.contains(r#"<label for="name">"#) && r.body.contains(r#"<input id="name""#));
        let r = page(&server, "/login?lang=en", "");
        assert!(r.body.contains(r#"<html lang="en">"#) && r.body.contains("User name"));
        assert!(r.header("set-cookie").is_some_and(|c| c.starts_with("jumpup_lang=en;")));

        // A wrong password: the error beside the form, the name kept, and what was typed is text.
        let r = form(&server, "/login", None, "name=%3Cscript%3Ealert(1)%3C%2Fscript%3E&password=nope");
        assert_eq!(r.status, 401);
        assert!(r.body.contains(r#"role="alert""#) && r.body.contains("맞지 않습니다"), "{}", r.body);
        assert!(r.body.contains("&#60;script&#62;alert(1)&#60;/script&#62;") || r.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{}", r.body);
        assert!(!r.body.contains("<script>"), "{}", r.body);

        // The City's dashboard: the budget as officials write it, and its chart.
        let mayor = sign_in(&server, "mayor", MAYOR_PASSWORD);
        let r = page(&server, "/dashboard", &format!("jumpup_session={mayor}"));
        assert_eq!(r.status, 200, "{}", r.body);
        let funded = s.budgets().await.expect("budgets");
        let jumpup = funded.iter().find(|b| b.program_id == "incheon-jumpup").expect("Jump-Up");
        let available = jumpup.balances.iter().find(|(a, _)| a.as_str() == "available").expect("available").1;
        assert!(r.body.contains(&format!("{}원", available.grouped())), "{}", r.body);
        assert!(r.body.contains("억 원)"), "{}", r.body);
        assert!(r.body.contains(r#"role="img" aria-label="예산 집행 현황"#), "{}", r.body);
        assert!(r.body.contains("mayor (인천광역시)"));
        let r = page(&server, "/dashboard?lang=en", &format!("jumpup_session={mayor}"));
        assert!(r.body.contains(&format!("{} won", available.grouped())) && r.body.contains("Cases by state"), "{}", r.body);
        assert!(!r.body.contains("현황판"), "{}", r.body);
        let lang = r.header("set-cookie").expect("the language is remembered").split(';').next().expect("a cookie").to_owned();
        let r = page(&server, "/dashboard", &format!("jumpup_session={mayor}; {lang}"));
        assert!(r.body.contains(r#"<html lang="en">"#));

        // A bank clerk is not a budget reader: no budget on its dashboard.
        let clerk = sign_in(&server, "clerk", CLERK_PASSWORD);
        let r = page(&server, "/dashboard", &format!("jumpup_session={clerk}"));
        assert_eq!(r.status, 200);
        assert!(!r.body.contains("예산") && r.body.contains("상태별 신청 건수"), "{}", r.body);

        // Signing out takes the session's CSRF token; then the cookie opens nothing.
        let token = csrf_of(&page(&server, "/dashboard", &format!("jumpup_session={mayor}")).body);
        assert_eq!(form(&server, "/logout", Some(&mayor), "csrf=forged").status, 403);
        let r = form(&server, "/logout", Some(&mayor), &format!("csrf={token}"));
        assert_eq!((r.status, r.header("location")), (303, Some("/login")));
        let r = page(&server, "/dashboard", &format!("jumpup_session={mayor}"));
        assert_eq!((r.status, r.header("location")), (303, Some("/login")));
        drop(server);
    }
}

/// Every case line of a case list page (its first cell, the case number linking its page).
fn listed(html: &str) -> Vec<i64> {
    html.split("<tr><td><a href=\"/cases/")
        .skip(1)
        .filter_map(|row| {
            let (id, rest) = row.split_once("\">")?;
            (rest.split("</a>").next()? == id).then(|| id.parse().ok())?
        })
        .collect()
}

both_url! {
    async fn the_case_list_filters_pages_and_keeps_to_the_viewers_scope(db, url) {
        seed(&db).await;
        let mut s = Services::start(db.clone(), std::sync::Arc::new(jumpup_service::SystemClock)).await.expect("services");
        s.password_cost = TEST_COST;
        let hash = hash_password(MAYOR_PASSWORD, TEST_COST).expect("hash");
        s.add_user(Some("root"), "officer", Role::Tp, NewScope::None, Some(&hash)).await.expect("officer");
        let sheet = jumpup_service::interchange::read_bytes(jumpup_bench::quotes::cases_csv(60).into_bytes(), false).expect("a sheet");
        s.import_sheet("officer", jumpup_service::imports::FileKind::Cases, sheet).await.expect("60 cases");
        let server = Server::start(&url, &[]);
        let officer = format!("jumpup_session={}", sign_in(&server, "officer", MAYOR_PASSWORD));

        // Fifty a page in case order, then the rest; the filter keeps to its state.
        let first = page(&server, "/cases", &officer);
        assert_eq!(first.status, 200, "{}", first.body);
        let ids = listed(&first.body);
        assert_eq!(ids.len(), 50);
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        let next = format!("/cases?state=&program=&cursor={}", ids[49]);
        assert!(first.body.contains(&format!(r#"<a href="{}" rel="next">"#, next.replace('&', "&#38;"))), "{}", first.body);
        let second = page(&server, &next, &officer);
        let rest = listed(&second.body);
        assert_eq!(rest.len(), 10);
        assert!(rest[0] > ids[49] && !second.body.contains(r#"rel="next""#));
        assert!(first.body.contains("보증 발급") && first.body.contains("500,000원") && first.body.contains("2025. 9. 1."), "{}", first.body);
        let issued = page(&server, "/cases?state=guarantee_issued", &officer);
        assert_eq!(listed(&issued.body).len(), 50);
        assert!(issued.body.contains(r#"<option value="guarantee_issued" selected>"#));
        assert!(issued.body.contains("/cases?state=guarantee_issued&#38;program=&#38;cursor="), "{}", issued.body);
        // The programme filter keeps to its programme, and to the state with it.
        let jumpup = page(&server, "/cases?state=guarantee_issued&program=incheon-jumpup", &officer);
        assert_eq!(listed(&jumpup.body).len(), 50);
        assert!(jumpup.body.contains(r#"<option value="incheon-jumpup" selected>"#), "{}", jumpup.body);
        let other = page(&server, "/cases?program=incheon-agreement-guarantee", &officer);
        assert!(listed(&other.body).is_empty(), "{}", other.body);
        let drafts = page(&server, "/cases?state=draft&lang=en", &officer);
        assert!(listed(&drafts.body).is_empty() && drafts.body.contains("No cases yet."));

        // A state that is none, or a cursor the page never gave: said beside the field, or refused.
        let bad = page(&server, "/cases?state=%3Cb%3Epaid%3C%2Fb%3E", &officer);
        assert_eq!(bad.status, 400);
        assert!(bad.body.contains(r#"id="state-error" role="alert""#), "{}", bad.body);
        assert_eq!(page(&server, "/cases?cursor=-1", &officer).status, 400);

        // A bank sees only cases with its loans (none yet); an administrator reads no cases.
        let clerk = format!("jumpup_session={}", sign_in(&server, "clerk", CLERK_PASSWORD));
        assert!(listed(&page(&server, "/cases", &clerk).body).is_empty());
        let admin = format!("jumpup_session={}", sign_in(&server, "root", crate::server::ROOT_PASSWORD));
        let refused = page(&server, "/cases", &admin);
        assert_eq!(refused.status, 403);
        assert!(refused.body.contains("권한이 없습니다") && !page(&server, "/dashboard", &admin).body.contains(r#"href="/cases""#));
        drop(server);
    }
}

both_url! {
    async fn the_quote_calculator_gives_the_engines_figures_and_names_each_bad_field(db, url) {
        seed(&db).await;
        Services::start(db.clone(), std::sync::Arc::new(jumpup_service::SystemClock)).await.expect("the built-in programmes");
        let server = Server::start(&url, &[]);
        let clerk = format!("jumpup_session={}", sign_in(&server, "clerk", CLERK_PASSWORD));

        // Example 01's loan without its events, as the command line quotes it.
        let example = crate::support::spec_dir().join("examples/quote/01-repayment-month7.in.json");
        let mut input: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(example).expect("the example")).expect("JSON");
        input.as_object_mut().expect("an object").remove("events");
        let out = crate::support::jumpup(&["quote", "--json", "-"], &input.to_string());
        assert_eq!(out.status.code(), Some(0), "{}", crate::support::stderr(&out));
        let expected: serde_json::Value = serde_json::from_str(&crate::support::stdout(&out)).expect("a quote");

        let blank = page(&server, "/quote", &clerk);
        assert_eq!(blank.status, 200);
        assert!(blank.body.contains(r#"<label for="principal_won">대출 원금(원)</label>"#), "{}", blank.body);
        let (loan, guarantee) = (&input["loan"], &input["guarantee"]);
        let query = format!(
            "/quote?program={}&principal_won={}&annual_rate_pct={}&executed_on={}&maturity_on={}&coverage_pct={}&base_fee_rate_pct={}",
            input["program"].as_str().expect("program"),
            loan["principal_won"], loan["annual_rate_pct"].as_str().expect("rate"), loan["executed_on"].as_str().expect("a date"),
            loan["maturity_on"].as_str().expect("a date"), guarantee["coverage_pct"].as_str().expect("coverage"),
            guarantee["base_fee_rate_pct"].as_str().expect("fee"),
        );
        let r = page(&server, &query, &clerk);
        assert_eq!(r.status, 200, "{}", r.body);
        let won = |v: &serde_json::Value| format!("{}원", Won::new(v.as_i64().expect("won")).grouped());
        let periods = expected["subsidy"]["periods"].as_array().expect("periods");
        assert!(!periods.is_empty());
        for p in periods {
            assert!(r.body.contains(&format!(r#"<td class="num">{}</td><td class="num">{}</td>"#, won(&p["claim_won"]), won(&p["payment_won"]))), "{p}\n{}", r.body);
        }
        for total in [&expected["subsidy"]["payment_total_won"], &expected["guarantee"]["fee_total_won"], &expected["subsidy"]["reservation_won"]] {
            assert!(r.body.contains(&won(total)), "{total}");
        }
        assert!(r.body.contains("<details><summary>계산 근거</summary>") && r.body.contains("정확한 합: "), "{}", r.body);

        // Bad values: each problem beside its field, what was typed kept as text.
        let bad = page(&server, "/quote?program=incheon-jumpup&principal_won=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E&annual_rate_pct=4.5&executed_on=2025-09-01&maturity_on=2025-08-01&coverage_pct=95&base_fee_rate_pct=1.0", &clerk);
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert!(bad.body.contains(r#"aria-describedby="principal_won-error""#), "{}", bad.body);
        assert!(!bad.body.contains("<img"), "{}", bad.body);
        assert!(!bad.body.contains("계산 결과"));
        drop(server);
    }
}

both_url! {
    async fn in_a_browser_an_official_signs_in_reads_the_budget_switches_language_quotes_and_signs_out(db, url) {
        if !crate::browser::available() {
            return;
        }
        seed(&db).await;
        let mut s = Services::start(db.clone(), std::sync::Arc::new(jumpup_service::SystemClock)).await.expect("services");
        s.password_cost = TEST_COST;
        let hash = hash_password(MAYOR_PASSWORD, TEST_COST).expect("hash");
        s.add_user(Some("root"), "mayor", Role::City, NewScope::None, Some(&hash)).await.expect("mayor");
        let server = Server::start(&url, &[]);
        let backend = if url.starts_with("sqlite:") { "sqlite" } else { "postgres" };
        let mut b = crate::browser::Browser::start(&format!("official-{backend}"));
        let base = format!("http://{}", server.addr());

        b.open(&format!("{base}/dashboard"));
        b.wait_for("발급받은 사용자 이름과 비밀번호로 로그인하세요.");
        assert_eq!(b.path(), "/login");
        b.shot("sign-in");
        b.fill("#name", "mayor");
        b.fill("#password", "wrong");
        b.click("form.stack button[type=submit]");
        b.wait_for("사용자 이름 또는 비밀번호가 맞지 않습니다.");
        b.shot("sign-in-refused");
        b.fill("#password", MAYOR_PASSWORD);
        b.click("form.stack button[type=submit]");
        let budget = s.budgets().await.expect("budgets");
        let available = budget.iter().find(|p| p.program_id == "incheon-jumpup").expect("Jump-Up")
            .balances.iter().find(|(a, _)| a.as_str() == "available").expect("available").1;
        b.wait_for(&format!("{}원", available.grouped()));
        assert_eq!(b.path(), "/dashboard");
        b.shot("dashboard");

        b.click("a[hreflang=en]");
        b.wait_for(&format!("{} won", available.grouped()));
        b.shot("dashboard-en");
        b.click("a[href='/quote']");
        b.wait_for("Guarantee and subsidy calculator");
        for (field, value) in [("#principal_won", "500000000"), ("#annual_rate_pct", "4.5"), ("#executed_on", "2025-09-01"),
                               ("#maturity_on", "2028-09-01"), ("#coverage_pct", "95"), ("#base_fee_rate_pct", "1.2")] {
            b.fill(field, value);
        }
        b.click("form.grid button[type=submit]");
        b.wait_for("821,917 won");
        b.shot("quote");
        b.click("form.inline button[type=submit]");
        b.wait_for("Sign in with the user name and password you were given.");
        assert_eq!(b.path(), "/login");
        b.shot("signed-out");
        drop(server);
    }
}

both_url! {
    async fn the_technopark_prepares_and_the_city_approves_a_settlement_by_forms(db, url) {
        seed(&db).await;
        let mut s = Services::start(db.clone(), std::sync::Arc::new(jumpup_service::SystemClock)).await.expect("services");
        s.password_cost = TEST_COST;
        let hash = hash_password(MAYOR_PASSWORD, TEST_COST).expect("hash");
        s.add_user(Some("root"), "officer", Role::Tp, NewScope::None, Some(&hash)).await.expect("officer");
        s.add_user(Some("root"), "mayor", Role::City, NewScope::None, Some(&hash)).await.expect("mayor");
        for code in ["011", "020", "088"] {
            s.add_bank("root", jumpup_domain::workflow::BankCode::parse(code).expect("a code"), "은행").await.expect("a bank");
        }
        for (kind, file) in [("cases", "cases.csv"), ("loans", "loans.csv"), ("events", "events1.csv"), ("claims", "claims1.csv")] {
            let kind = match kind {
                "cases" => jumpup_service::imports::FileKind::Cases,
                "loans" => jumpup_service::imports::FileKind::Loans,
                "events" => jumpup_service::imports::FileKind::Events,
                _ => jumpup_service::imports::FileKind::Claims,
            };
            let sheet = jumpup_service::interchange::read(std::path::Path::new(&crate::imports::settlement(file))).expect("a spec file");
            s.import_sheet("officer", kind, sheet).await.expect("imported");
        }
        let server = Server::start(&url, &[]);
        let officer = sign_in(&server, "officer", MAYOR_PASSWORD);
        let mayor = sign_in(&server, "mayor", MAYOR_PASSWORD);
        let cookie = |c: &str| format!("jumpup_session={c}");

        // The Technopark prepares: the form carries the session's token.
        let list = page(&server, "/settlements", &cookie(&officer));
        assert!(list.body.contains(r#"<input id="through" name="through" type="date""#) && list.body.contains("정산 내역이 없습니다."), "{}", list.body);
        assert_eq!(form(&server, "/settlements", Some(&officer), "csrf=forged&through=2025-12-31").status, 403);
        let token = csrf_of(&list.body);
        let r = form(&server, "/settlements", Some(&officer), &format!("csrf={token}&through=2025-12-31"));
        assert_eq!((r.status, r.header("location")), (303, Some("/settlements/1")), "{}", r.body);
        let again = form(&server, "/settlements", Some(&officer), &format!("csrf={token}&through=2025-12-31"));
        assert_eq!(again.status, 409);
        assert!(again.body.contains("batch_open"), "{}", again.body);

        // The batch: totals, lines filtered by bank and status; the preparer may withdraw it but not approve it.
        let shown = page(&server, "/settlements/1", &cookie(&officer));
        assert!(shown.body.contains("승인 대기") && shown.body.contains(r#"action="/settlements/1/reject""#), "{}", shown.body);
        assert!(!shown.body.contains(r#"action="/settlements/1/approve""#));
        let summary = s.settle_show("officer", jumpup_domain::ids::BatchId(1)).await.expect("the batch");
        assert_eq!(summary.totals.lines, 26);
        let rows = |html: &str| html.matches("<tr><td>").count();
        assert_eq!(rows(&shown.body), 26);
        assert_eq!(rows(&page(&server, "/settlements/1?bank=004", &cookie(&officer)).body), usize::try_from(summary.by_bank["004"].lines).expect("a count"));
        assert_eq!(rows(&page(&server, "/settlements/1?status=reduced", &cookie(&officer)).body), usize::try_from(summary.by_status["reduced"].lines).expect("a count"));
        assert!(shown.body.contains(&format!("{}원", Won::new(summary.totals.payable_won).grouped())));

        // The City approves by the button, once it says it checked the figures; the files are
        // there to download.
        let page_of_mayor = page(&server, "/settlements/1", &cookie(&mayor));
        let token = csrf_of(&page_of_mayor.body);
        let r = form(&server, "/settlements/1/approve", Some(&mayor), &format!("csrf={token}"));
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("확인란에 표시하세요"), "{}", r.body);
        assert_eq!(s.settle_show("mayor", jumpup_domain::ids::BatchId(1)).await.expect("the batch").state.as_str(), "prepared", "nothing approved");
        let r = form(&server, "/settlements/1/approve", Some(&mayor), &format!("csrf={token}&confirm=yes"));
        assert_eq!((r.status, r.header("location")), (303, Some("/settlements/1")), "{}", r.body);
        let approved = page(&server, "/settlements/1", &cookie(&mayor));
        assert!(approved.body.contains(r#"<a href="/api/v1/settlements/1/payments?format=xlsx">"#), "{}", approved.body);
        let file = page(&server, "/api/v1/settlements/1/payments?format=csv", &cookie(&mayor));
        assert_eq!(file.status, 200);
        assert!(s.ledger_check().await.expect("a check").ok());
        let r = form(&server, "/settlements/1/approve", Some(&mayor), &format!("csrf={token}&confirm=yes"));
        assert_eq!(r.status, 409);
        assert!(r.body.contains("batch_approved"), "{}", r.body);

        // A bank clerk sees no settlements.
        let clerk = sign_in(&server, "clerk", CLERK_PASSWORD);
        assert_eq!(page(&server, "/settlements", &cookie(&clerk)).status, 403);
        drop(server);
    }
}

/// A `multipart/form-data` upload of `file` as kind `kind`, the CSRF token first.
fn upload(server: &Server, cookie: &str, csrf: &str, kind: &str, file: &str) -> Response {
    let boundary = "----jumpup-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{kind}.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n\
         --{boundary}--\r\n"
    );
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let cookie = format!("jumpup_session={cookie}");
    server.raw(
        "POST",
        "/uploads",
        &[("Content-Type", &content_type), ("Cookie", &cookie)],
        Some(&body),
    )
}

both_url! {
    async fn a_bank_uploads_its_loans_and_reads_the_report_row_by_row(db, url) {
        seed(&db).await;
        let mut s = Services::start(db.clone(), std::sync::Arc::new(jumpup_service::SystemClock)).await.expect("services");
        s.password_cost = TEST_COST;
        let hash = hash_password(MAYOR_PASSWORD, TEST_COST).expect("hash");
        s.add_user(Some("root"), "officer", Role::Tp, NewScope::None, Some(&hash)).await.expect("officer");
        for code in ["011", "020", "088"] {
            s.add_bank("root", jumpup_domain::workflow::BankCode::parse(code).expect("a code"), "은행").await.expect("a bank");
        }
        let sheet = jumpup_service::interchange::read(std::path::Path::new(&crate::imports::settlement("cases.csv"))).expect("cases");
        s.import_sheet("officer", jumpup_service::imports::FileKind::Cases, sheet).await.expect("cases imported");
        let server = Server::start(&url, &[]);
        let clerk = sign_in(&server, "clerk", CLERK_PASSWORD);
        let form_page = page(&server, "/uploads", &format!("jumpup_session={clerk}"));
        assert_eq!(form_page.status, 200);
        assert!(form_page.body.contains(r#"enctype="multipart/form-data""#) && form_page.body.contains(r#"<option value="loans""#), "{}", form_page.body);
        assert!(!form_page.body.contains(r#"<option value="cases""#), "a bank does not import decided cases");
        let token = csrf_of(&form_page.body);

        // The whole file has other banks' rows: each named, nothing stored.
        let all = std::fs::read_to_string(crate::imports::settlement("loans.csv")).expect("loans");
        let r = upload(&server, &clerk, &token, "loans", &all);
        assert_eq!(r.status, 422, "{}", r.body);
        let others = all.lines().skip(1).filter(|l| !l.starts_with("004,")).count();
        assert!(others > 0);
        assert_eq!(r.body.matches("is another bank&#39;s loan").count() + r.body.matches("is another bank's loan").count(), others, "{}", r.body);
        assert_eq!(jumpup_store::testing::query_texts(&db, "select cast(count(*) as text) from loan").await, ["0"]);

        // Its own rows: stored; the same again: skipped.
        let own: String = all.lines().take(1).chain(all.lines().filter(|l| l.starts_with("004,"))).map(|l| format!("{l}\n")).collect();
        let mine = own.lines().count() - 1;
        let r = upload(&server, &clerk, &token, "loans", &own);
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains(&format!("저장: {mine} · 이미 있음: 0")), "{}", r.body);
        let r = upload(&server, &clerk, &token, "loans", &own);
        assert!(r.body.contains(&format!("저장: 0 · 이미 있음: {mine}")), "{}", r.body);

        // What a file holds is text on the page; no token, no upload; no decided cases from a bank.
        let header = all.lines().next().expect("a header");
        let r = upload(&server, &clerk, &token, "loans", &format!("{header}\n004,L-1,<script>alert(1)</script>,1000,4.5,2025-10-01,2026-10-01\n"));
        assert_eq!(r.status, 422);
        assert!(r.body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "the file's text is echoed, escaped: {}", r.body);
        assert!(!r.body.contains("<script>"), "{}", r.body);
        assert_eq!(upload(&server, &clerk, "forged", "loans", &own).status, 403);
        assert_eq!(upload(&server, &clerk, &token, "cases", &own).status, 403);
        drop(server);
    }
}

both_url! {
    async fn a_locked_clerk_is_told_how_to_get_back_in_and_the_administrator_unlocks_them(db, url) {
        seed(&db).await;
        let server = Server::start(&url, &[]);
        for _ in 0..5 {
            let r = form(&server, "/login", None, "name=clerk&password=not+the+password");
            assert_eq!(r.status, 401, "{}", r.body);
        }
        let body = format!("name=clerk&password={}", CLERK_PASSWORD.replace(' ', "+"));
        let r = form(&server, "/login", None, &body);
        assert_eq!(r.status, 429, "{}", r.body);
        assert!(r.body.contains("15분 동안 잠겼습니다") && r.body.contains("잠금 해제를 요청하세요"), "{}", r.body);
        assert_eq!(r.header("retry-after"), Some("900"));
        let root = sign_in(&server, "root", crate::server::ROOT_PASSWORD);
        let accounts = page(&server, "/accounts", &format!("jumpup_session={root}"));
        assert_eq!(accounts.status, 200, "{}", accounts.body);
        assert!(accounts.body.contains("로그인 잠금(최근 7일)"), "{}", accounts.body);
        let row = accounts.body.split("id=\"lockouts\"").nth(1).expect("the lockouts").split("</section>").next().expect("a section");
        assert!(row.contains("<td>clerk</td><td class=\"num\">1</td>"), "{row}");
        let action = row.split("action=\"").nth(1).and_then(|r| r.split('"').next()).expect("an unlock form");
        assert!(action.ends_with("/unlock"), "{action}");
        let r = form(&server, action, Some(&root), &format!("csrf={}", csrf_of(&accounts.body)));
        assert_eq!(r.status, 303, "{}", r.body);
        sign_in(&server, "clerk", CLERK_PASSWORD);
    }
}
