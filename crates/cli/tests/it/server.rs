//! The HTTP server, started for real (`jumpup serve --listen 127.0.0.1:0`) on a fresh database
//! of either kind, and spoken to over TCP: sign-in, sessions and their cookies, CSRF, login
//! throttling, API tokens, the quote API against the spec's examples, the error shape, the
//! request log's discretion and a graceful shutdown.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use jumpup_domain::workflow::{BankCode, Role};
use jumpup_service::Services;
use jumpup_service::identity::{NewScope, PasswordCost, hash_password};
use jumpup_store::testing::query_texts;
use jumpup_store::{Db, both_url};
use serde_json::{Value, json};

use crate::support::{TempDir, differences, jumpup, stderr, stdout};

/// The cheapest argon2 cost the server accepts, for fast tests.
pub(crate) const TEST_COST: PasswordCost = PasswordCost {
    memory_kib: 64,
    iterations: 1,
};
pub(crate) const ROOT_PASSWORD: &str = "root password 0f the suite";
pub(crate) const CLERK_PASSWORD: &str = "clerk password 0f the suite";

/// A running `jumpup serve`, its request log going to a file; stopped when dropped.
pub(crate) struct Server {
    child: Child,
    addr: String,
    /// The lines printed before the address.
    pub(crate) preamble: Vec<String>,
    log: std::path::PathBuf,
    /// The server's OpenAPI document, fetched at the first request; every response is
    /// checked against it.
    spec: std::sync::OnceLock<Value>,
    /// Every secret and personal value that passed through a request or response (tokens,
    /// cookies, CSRF tokens, passwords, business numbers, firm names): when the test is done,
    /// the log must hold none of them (a sweep over the whole suite, not a chosen list).
    seen: std::sync::Mutex<std::collections::BTreeSet<String>>,
    _dir: TempDir,
}

impl Server {
    pub(crate) fn start(url: &str, extra: &[&str]) -> Server {
        let dir = TempDir::new();
        let log = dir.path().join("server.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_jumpup"))
            .args(["--database", url, "serve", "--listen", "127.0.0.1:0"])
            .args(["--argon2-memory-kib", "64", "--argon2-iterations", "1"])
            .args(extra)
            .env_remove("JUMPUP_DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("a log file"))
            .spawn()
            .expect("the server starts");
        // What the server prints before its address (the demo's figures and sign-ins).
        let mut preamble = Vec::new();
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        loop {
            first.clear();
            let n = out
                .read_line(&mut first)
                .expect("the server prints its address");
            if n == 0 || first.starts_with("listening on ") {
                break;
            }
            preamble.push(first.trim_end().to_owned());
        }
        let addr = first
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| {
                let _ = child.wait();
                panic!(
                    "the server did not start ({first:?}):\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            })
            .to_owned();
        Server {
            child,
            addr,
            preamble,
            log,
            spec: std::sync::OnceLock::new(),
            seen: std::sync::Mutex::new(std::collections::BTreeSet::new()),
            _dir: dir,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).expect("the server's log")
    }

    /// The address it listens on (`127.0.0.1:PORT`).
    pub(crate) fn addr(&self) -> &str {
        &self.addr
    }

    /// Sends SIGTERM and waits for the server to finish: its exit status and its log.
    fn stop(mut self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(sent.success());
        let status = self.child.wait().expect("the server exits");
        (status, self.log())
    }

    /// One HTTP/1.1 request on a fresh connection; its response must be what the server's
    /// OpenAPI document says.
    fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Response {
        let spec = self.spec.get_or_init(|| {
            let r = self.raw("GET", "/api/v1/openapi.json", &[], None);
            assert_eq!(r.status, 200, "{}", r.body);
            r.json()
        });
        let response = self.raw(method, path, headers, body);
        if let Err(problem) = crate::openapi::check(
            spec,
            method,
            path,
            response.status,
            response.header("content-type"),
            &response.body,
        ) {
            panic!(
                "{method} {path} answered {} outside the OpenAPI document: {problem}\n{}",
                response.status, response.body
            );
        }
        response
    }

    /// One HTTP/1.1 request on a fresh connection, unchecked.
    pub(crate) fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Response {
        let response = self.bare(method, path, headers, body);
        self.note_secrets(headers, body.unwrap_or(""), &response);
        response
    }

    /// One HTTP/1.1 request on a fresh connection, unchecked and unnoted (for timing, where
    /// the test's own work must not count; nothing secret may pass through it).
    pub(crate) fn bare(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Response {
        let mut stream = TcpStream::connect(&self.addr).expect("connect to the server");
        let body = body.unwrap_or("");
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        let typed = headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
        if !body.is_empty() && !typed {
            request.push_str("Content-Type: application/json\r\n");
        }
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream
            .write_all(request.as_bytes())
            .expect("send the request");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read the response");
        Response::parse(&raw)
    }

    /// Keeps what must never reach the log from one exchange.
    fn note_secrets(&self, headers: &[(&str, &str)], body: &str, response: &Response) {
        let mut seen = self.seen.lock().expect("the secrets");
        let mut keep = |value: &str| {
            let value = value.trim();
            if value.len() >= 8 || !value.is_ascii() {
                seen.insert(value.to_owned());
            }
        };
        for (name, value) in headers {
            match name.to_ascii_lowercase().as_str() {
                "authorization" => keep(value.split_once(' ').map_or(*value, |(_, token)| token)),
                "cookie" => value
                    .split(';')
                    .filter_map(|c| c.split_once('='))
                    .for_each(|(_, v)| keep(v)),
                "x-csrf-token" => keep(value),
                _ => {}
            }
        }
        if let Some(set) = response.header("set-cookie") {
            set.split(';')
                .next()
                .and_then(|c| c.split_once('='))
                .into_iter()
                .for_each(|(_, v)| keep(v));
        }
        fn walk(value: &Value, keep: &mut dyn FnMut(&str)) {
            const PERSONAL: [&str; 7] = [
                "password",
                "current_password",
                "new_password",
                "business_no",
                "firm_name",
                "corporate_no",
                "csrf_token",
            ];
            match value {
                Value::Object(o) => {
                    for (key, v) in o {
                        match v.as_str() {
                            Some(text)
                                if PERSONAL.contains(&key.as_str())
                                    || key == "name" && !text.is_ascii() =>
                            {
                                keep(text);
                                keep(&text.replace('-', ""));
                            }
                            _ => walk(v, keep),
                        }
                    }
                }
                Value::Array(items) => items.iter().for_each(|v| walk(v, keep)),
                _ => {}
            }
        }
        let mut fields = |text: &str| {
            if let Ok(value) = serde_json::from_str::<Value>(text) {
                walk(&value, &mut keep);
            } else if text.starts_with("<!doctype html>") {
                // A page: the session's CSRF token in its forms.
                for rest in text.split(r#"name="csrf" value=""#).skip(1) {
                    keep(rest.split('"').next().unwrap_or_default());
                }
            } else if !text.contains('\n') && text.contains('=') {
                // A form: every value (names, passwords, tokens).
                for (_, v) in text.split('&').filter_map(|pair| pair.split_once('=')) {
                    keep(v);
                    keep(&v.replace('+', " "));
                }
            } else {
                // A FILES.md upload: every business number and every Korean cell.
                for cell in text.split([',', '\n']) {
                    if !cell.is_ascii()
                        || jumpup_domain::regno::BusinessNumber::parse(cell.trim()).is_ok()
                    {
                        keep(cell);
                        keep(&cell.replace('-', ""));
                    }
                }
            }
        };
        fields(body);
        fields(&response.body);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            return;
        }
        let log = self.log();
        let mut seen = self.seen.lock().expect("the secrets").clone();
        assert!(
            seen.is_empty() || log.contains("request"),
            "the server logs its requests: {log}"
        );
        for (business_no, name) in FIRMS {
            seen.extend([
                business_no.to_owned(),
                business_no.replace('-', ""),
                name.to_owned(),
            ]);
        }
        seen.extend([ROOT_PASSWORD.to_owned(), CLERK_PASSWORD.to_owned()]);
        for secret in &seen {
            assert!(
                !log.contains(secret.as_str()),
                "the server's log holds {secret:?}:\n{log}"
            );
        }
    }
}

#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Response {
    fn parse(raw: &[u8]) -> Response {
        let text = String::from_utf8(raw.to_vec()).expect("a UTF-8 response");
        let (head, body) = text.split_once("\r\n\r\n").expect("a header block");
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let chunked = headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
        let body = if chunked {
            dechunk(body)
        } else {
            body.to_owned()
        };
        Response {
            status,
            headers,
            body,
        }
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The session cookie's value from `Set-Cookie`.
    pub(crate) fn session_cookie(&self) -> String {
        let set = self.header("set-cookie").expect("a Set-Cookie header");
        set.split(';')
            .next()
            .and_then(|p| p.strip_prefix("jumpup_session="))
            .expect("the session cookie")
            .to_owned()
    }

    /// Asserts the API's one error shape with this status and code.
    #[track_caller]
    fn assert_error(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        let v = self.json();
        assert_eq!(v["error"]["code"], code, "{v}");
        assert!(
            v["error"]["field"].is_string() && v["error"]["message"].is_string(),
            "{v}"
        );
        assert_eq!(v["errors"][0], v["error"], "{v}");
        v
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).expect("a chunk size");
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        body = &rest[n + 2..];
    }
    out
}

/// A signed-in browser: its cookie and the session's CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

impl Browser {
    fn login(server: &Server, name: &str, password: &str) -> Browser {
        let r = server.call(
            "POST",
            "/api/v1/session",
            &[],
            Some(&json!({ "name": name, "password": password }).to_string()),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        Browser {
            cookie: r.session_cookie(),
            csrf: r.json()["csrf_token"]
                .as_str()
                .expect("a CSRF token")
                .to_owned(),
        }
    }

    fn cookie_header(&self) -> String {
        format!("jumpup_session={}", self.cookie)
    }

    fn get(&self, server: &Server, path: &str) -> Response {
        server.call("GET", path, &[("Cookie", &self.cookie_header())], None)
    }

    /// A state-changing request with the cookie and the CSRF token.
    fn send(&self, server: &Server, method: &str, path: &str, body: Option<&str>) -> Response {
        server.call(
            method,
            path,
            &[
                ("Cookie", &self.cookie_header()),
                ("X-CSRF-Token", &self.csrf),
            ],
            body,
        )
    }
}

/// An admin `root` and a bank clerk `clerk` of bank 004, with passwords at the test cost.
pub(crate) async fn seed(db: &Db) {
    let mut s = Services::new(db.clone());
    s.password_cost = TEST_COST;
    let hash = |p: &str| hash_password(p, TEST_COST).expect("hash");
    s.add_user(
        None,
        "root",
        Role::Admin,
        NewScope::None,
        Some(&hash(ROOT_PASSWORD)),
    )
    .await
    .expect("root");
    let bank = BankCode::parse("004").expect("a bank code");
    s.add_bank("root", bank, "KB국민은행").await.expect("bank");
    s.add_user(
        Some("root"),
        "clerk",
        Role::Bank,
        NewScope::Bank(bank),
        Some(&hash(CLERK_PASSWORD)),
    )
    .await
    .expect("clerk");
}

/// Asserts that the server's log holds none of `secrets`.
#[track_caller]
fn assert_log_holds_none(server: &Server, secrets: &[&str]) {
    let log = server.log();
    assert!(log.contains("request"), "the server logs requests: {log}");
    for secret in secrets {
        assert!(!secret.is_empty());
        assert!(!log.contains(secret), "the log holds {secret:?}:\n{log}");
    }
}

both_url! {
    async fn a_method_a_route_does_not_take_and_a_body_over_its_limit_answer_in_the_error_shape_or_as_pages(db, url) {
        seed(&db).await;
        let server = Server::start(&url, &[]);
        let r = server.call("GET", "/api/v1/quotes", &[], None);
        r.assert_error(405, "method_not_allowed");
        assert_eq!(r.header("allow"), Some("POST"));
        let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(3 << 20));
        let browser = Browser::login(&server, "clerk", CLERK_PASSWORD);
        browser.send(&server, "POST", "/api/v1/quotes", Some(&big)).assert_error(413, "payload_too_large");
        let r = server.raw("PUT", "/login", &[], None);
        assert_eq!(r.status, 405);
        assert!(r.header("content-type").is_some_and(|t| t.starts_with("text/html")), "{:?}", r.header("content-type"));
        assert!(r.body.contains("이 화면은 이 방식의 요청을 받지 않습니다."), "{}", r.body);
        let r = server.raw("PUT", "/login?lang=en", &[], None);
        assert!(r.body.contains("This page does not take this kind of request."), "{}", r.body);
        let form = format!("name={}", "x".repeat(3 << 20));
        let r = server.raw("POST", "/login", &[("Content-Type", "application/x-www-form-urlencoded")], Some(&form));
        assert_eq!(r.status, 413);
        assert!(r.body.contains("보낸 자료가 너무 큽니다."), "{}", r.body);
    }

    async fn a_login_opens_a_strict_http_only_session_that_rotates_and_ends(db, url) {
        seed(&db).await;
        let server = Server::start(&url, &[]);
        let login = server.call("POST", "/api/v1/session", &[], Some(&json!({ "name": "clerk", "password": CLERK_PASSWORD }).to_string()));
        assert_eq!(login.status, 200, "{}", login.body);
        let set = login.header("set-cookie").expect("Set-Cookie").to_owned();
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(set.contains(flag), "{set}");
        }
        assert!(!set.contains("Secure"), "plain HTTP gets no Secure flag: {set}");
        let v = login.json();
        assert_eq!(v["user"]["role"], "bank");
        assert_eq!(v["user"]["bank_code"], "004");
        let first = login.session_cookie();
        assert_eq!(first.len(), 64, "256 random bits");
        // Stored only as a digest.
        let stored = query_texts(&db, "select session_hash from user_session").await;
        assert_eq!(stored.len(), 1);
        assert_ne!(stored[0], first);

        // Signing in again from the same browser rotates the id: the old one is dead.
        let again = server.call("POST", "/api/v1/session", &[("Cookie", &format!("jumpup_session={first}"))], Some(&json!({ "name": "clerk", "password": CLERK_PASSWORD }).to_string()));
        assert_eq!(again.status, 200);
        let second = again.session_cookie();
        assert_ne!(first, second);
        let old = server.call("GET", "/api/v1/session", &[("Cookie", &format!("jumpup_session={first}"))], None);
        old.assert_error(401, "unauthenticated");
        let browser = Browser { cookie: second.clone(), csrf: again.json()["csrf_token"].as_str().expect("csrf").to_owned() };
        let me = browser.get(&server, "/api/v1/session");
        assert_eq!(me.status, 200);
        assert_eq!(me.json()["user"]["name"], "clerk");
        assert_eq!(me.json()["csrf_token"], browser.csrf.as_str());

        // Signing out ends it and clears the cookie.
        let out = browser.send(&server, "DELETE", "/api/v1/session", None);
        assert_eq!(out.status, 204, "{}", out.body);
        assert!(out.header("set-cookie").expect("a clearing cookie").contains("Max-Age=0"));
        browser.get(&server, "/api/v1/session").assert_error(401, "unauthenticated");
        assert_log_holds_none(&server, &[CLERK_PASSWORD, &first, &second, &browser.csrf]);

        // Behind a TLS proxy the cookie is Secure.
        let tls = Server::start(&url, &["--tls-proxy"]);
        let login = tls.call("POST", "/api/v1/session", &[], Some(&json!({ "name": "clerk", "password": CLERK_PASSWORD }).to_string()));
        assert!(login.header("set-cookie").expect("Set-Cookie").contains("; Secure"));
    }

    async fn a_change_made_with_the_session_cookie_needs_the_sessions_csrf_token(db, url) {
        seed(&db).await;
        let server = Server::start(&url, &[]);
        let browser = Browser::login(&server, "root", ROOT_PASSWORD);
        let case = crate::support::base_case().to_string();
        let cookie = browser.cookie_header();
        server.call("POST", "/api/v1/quotes", &[("Cookie", &cookie)], Some(&case))
            .assert_error(403, "csrf_token_missing");
        let other = Browser::login(&server, "clerk", CLERK_PASSWORD);
        server.call("POST", "/api/v1/quotes", &[("Cookie", &cookie), ("X-CSRF-Token", &other.csrf)], Some(&case))
            .assert_error(403, "csrf_token_missing");
        server.call("DELETE", "/api/v1/session", &[("Cookie", &cookie)], None)
            .assert_error(403, "csrf_token_missing");
        let ok = browser.send(&server, "POST", "/api/v1/quotes", Some(&case));
        assert_eq!(ok.status, 200, "{}", ok.body);
        // Reading needs no token; a bearer token carries no ambient credential and needs none.
        assert_eq!(browser.get(&server, "/api/v1/programs").status, 200);
        let token = stdout(&jumpup(&["--database", &url, "user", "token", "clerk", "--actor", "root"], "")).trim().to_owned();
        let ok = server.call("POST", "/api/v1/quotes", &[("Authorization", &format!("Bearer {token}"))], Some(&case));
        assert_eq!(ok.status, 200, "{}", ok.body);
    }

    async fn failed_sign_ins_lock_a_name_for_one_address_and_slow_the_rest(db, url) {
        seed(&db).await;
        // Behind the proxy, each client's address is the last X-Forwarded-For hop.
        let server = Server::start(&url, &["--tls-proxy"]);
        let attempt = |from: &str, name: &str, password: &str| {
            let body = json!({ "name": name, "password": password }).to_string();
            server.call("POST", "/api/v1/session", &[("X-Forwarded-For", &format!("10.9.9.9, {from}"))], Some(&body))
        };
        // Sixty guesses at once from one address: exactly five are heard.
        let statuses: Vec<u16> = std::thread::scope(|scope| {
            let all: Vec<_> = (0..60).map(|_| scope.spawn(|| attempt("10.0.0.1", "clerk", "not the password at all").status)).collect();
            all.into_iter().map(|h| h.join().expect("a guess")).collect()
        });
        assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 5, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 55, "{statuses:?}");
        // Locked for that address, even against the right password, and the lock is counted on.
        let locked = attempt("10.0.0.1", "clerk", CLERK_PASSWORD);
        let v = locked.assert_error(429, "too_many_failures");
        assert!(v["error"]["message"].as_str().is_some_and(|m| m.contains("unlock")), "{v}");
        assert_eq!(locked.header("retry-after"), Some("900"));
        // The owner, elsewhere, signs in: a lockout is not handed to whoever guesses.
        assert_eq!(attempt("10.0.0.2", "clerk", CLERK_PASSWORD).status, 200);
        // Which gives the guesser at the locked address no fresh attempts.
        attempt("10.0.0.1", "clerk", CLERK_PASSWORD).assert_error(429, "too_many_failures");
        // Guesses from many addresses slow the name down with a growing delay.
        for i in 0..5 {
            attempt(&format!("10.1.0.{i}"), "root", "not the password at all").assert_error(401, "login_failed");
        }
        attempt("10.1.1.1", "root", "not the password at all").assert_error(401, "login_failed");
        let slowed = attempt("10.1.1.2", "root", ROOT_PASSWORD);
        slowed.assert_error(429, "slow_down");
        assert_eq!(slowed.header("retry-after"), Some("1"));
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert_eq!(attempt("10.1.1.2", "root", ROOT_PASSWORD).status, 200, "the owner waits a second, not a lockout");
        // One address spraying many names is slowed after twenty failures.
        for i in 0..20 {
            attempt("10.2.0.1", &format!("nobody{i}"), "not the password at all").assert_error(401, "login_failed");
        }
        attempt("10.2.0.1", "nobody20", "not the password at all").assert_error(401, "login_failed");
        attempt("10.2.0.1", "nobody21", "not the password at all").assert_error(429, "slow_down");
        // The administrator sees the lockout and lifts it; the clerk signs in from that address.
        let root = Browser::login(&server, "root", ROOT_PASSWORD);
        let clerk_id = jumpup_store::testing::query_texts(&db, "select cast(user_id as text) from app_user where name = 'clerk'").await.remove(0);
        let lockouts = crate::support::jumpup(&["--database", &url, "user", "unlock", "clerk", "--actor", "officer"], "");
        assert_eq!(lockouts.status.code(), Some(3), "tp unlocks firms' accounts only");
        let r = root.send(&server, "POST", &format!("/api/v1/users/{clerk_id}/unlock"), None);
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(attempt("10.0.0.1", "clerk", CLERK_PASSWORD).status, 200);
        let entries = jumpup_store::audit::load(&db).await.expect("audit");
        assert_eq!(entries.iter().filter(|e| e.entry.action == "user.unlock").count(), 1);
        assert_log_holds_none(&server, &["not the password at all", CLERK_PASSWORD, ROOT_PASSWORD]);
    }

    async fn an_api_token_is_shown_once_stored_hashed_and_works_as_a_bearer(db, url) {
        seed(&db).await;
        let out = jumpup(&["--database", &url, "user", "token", "clerk", "--actor", "clerk"], "");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let token = stdout(&out).trim().to_owned();
        assert_eq!(token.len(), 64);
        let stored = query_texts(&db, "select token_hash from api_token").await;
        assert_eq!(stored.len(), 1);
        assert_ne!(stored[0], token, "only a digest is stored");
        // A bank clerk may not issue a token for someone else.
        let out = jumpup(&["--database", &url, "user", "token", "root", "--actor", "clerk"], "");
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));

        let server = Server::start(&url, &[]);
        let me = server.call("GET", "/api/v1/session", &[("Authorization", &format!("Bearer {token}"))], None);
        assert_eq!(me.status, 200, "{}", me.body);
        assert_eq!(me.json()["user"]["name"], "clerk");
        assert_eq!(me.json()["csrf_token"], Value::Null);
        // The scheme is case-insensitive (RFC 9110).
        for scheme in ["bearer", "BEARER"] {
            let me = server.call("GET", "/api/v1/session", &[("Authorization", &format!("{scheme} {token}"))], None);
            assert_eq!(me.status, 200, "{scheme}: {}", me.body);
        }
        server.call("GET", "/api/v1/session", &[("Authorization", "Bearer 00")], None).assert_error(401, "unauthenticated");
        server.call("GET", "/api/v1/session", &[("Authorization", "Basic abc")], None).assert_error(401, "unauthenticated");
        server.call("GET", "/api/v1/session", &[], None).assert_error(401, "unauthenticated");
        server.call("GET", "/api/v1/no-such-route", &[], None).assert_error(404, "not_found");
        assert_log_holds_none(&server, &[&token]);
    }

    async fn a_password_change_checks_the_old_one_and_ends_the_other_sessions(db, url) {
        seed(&db).await;
        let server = Server::start(&url, &[]);
        let here = Browser::login(&server, "clerk", CLERK_PASSWORD);
        let there = Browser::login(&server, "clerk", CLERK_PASSWORD);
        let out = jumpup(&["--database", &url, "user", "token", "clerk", "--actor", "clerk"], "");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let token = stdout(&out).trim().to_owned();
        let bearer = format!("Bearer {token}");
        assert_eq!(server.call("GET", "/api/v1/session", &[("Authorization", &bearer)], None).status, 200);
        let new_password = "a brand new clerk password";
        let wrong = here.send(&server, "POST", "/api/v1/session/password", Some(&json!({ "current_password": "wrong password here", "new_password": new_password }).to_string()));
        let v = wrong.assert_error(422, "invalid");
        assert_eq!(v["error"]["field"], "current_password");
        let short = here.send(&server, "POST", "/api/v1/session/password", Some(&json!({ "current_password": CLERK_PASSWORD, "new_password": "short" }).to_string()));
        assert_eq!(short.assert_error(422, "invalid")["error"]["field"], "new_password");
        let missing = here.send(&server, "POST", "/api/v1/session/password", Some(r#"{"current_password": "x"}"#));
        assert_eq!(missing.assert_error(422, "invalid")["error"]["field"], "new_password");
        let ok = here.send(&server, "POST", "/api/v1/session/password", Some(&json!({ "current_password": CLERK_PASSWORD, "new_password": new_password }).to_string()));
        assert_eq!(ok.status, 204, "{}", ok.body);
        assert_eq!(here.get(&server, "/api/v1/session").status, 200, "the session that changed it goes on");
        // CSRF tokens are kept as digests, like the sessions' secrets.
        let stored = query_texts(&db, "select csrf_token from user_session").await;
        assert!(!stored.is_empty() && !stored.contains(&here.csrf), "{stored:?}");
        there.get(&server, "/api/v1/session").assert_error(401, "unauthenticated");
        server.call("GET", "/api/v1/session", &[("Authorization", &bearer)], None).assert_error(401, "unauthenticated");
        let old = server.call("POST", "/api/v1/session", &[], Some(&json!({ "name": "clerk", "password": CLERK_PASSWORD }).to_string()));
        old.assert_error(401, "login_failed");
        Browser::login(&server, "clerk", new_password);
        assert_log_holds_none(&server, &[CLERK_PASSWORD, new_password, &here.cookie, &there.cookie, &token]);
        let entries = jumpup_store::audit::load(&db).await.expect("audit");
        assert!(entries.iter().any(|e| e.entry.action == "user.password"));
    }

    async fn the_quote_api_answers_every_spec_example_exactly(db, url) {
        seed(&db).await;
        let server = Server::start(&url, &[]);
        let browser = Browser::login(&server, "clerk", CLERK_PASSWORD);
        for input in crate::examples::example_inputs() {
            let expected: Value = serde_json::from_str(&std::fs::read_to_string(input.to_string_lossy().replace(".in.json", ".out.json")).expect("the pair")).expect("JSON");
            let r = browser.send(&server, "POST", "/api/v1/quotes", Some(&std::fs::read_to_string(&input).expect("input")));
            assert_eq!(r.status, 200, "{}: {}", input.display(), r.body);
            let mut diffs = Vec::new();
            differences(&expected, &r.json(), "", &mut diffs);
            assert!(diffs.is_empty(), "{}:\n{}", input.display(), diffs.join("\n"));
        }
        let explained = browser.send(&server, "POST", "/api/v1/quotes?explain=true", Some(&crate::support::base_case().to_string()));
        assert!(explained.json()["subsidy"]["periods"][0]["explanation"].is_object(), "{}", explained.body);
        // A refused case: QUOTE.md's object for the first problem, with a code, and all of them.
        let mut case = crate::support::base_case();
        case["loan"]["principal_won"] = json!(-5);
        case["events"] = json!([{ "on": "2020-01-01", "kind": "repayment", "amount_won": 1 }]);
        let refused = browser.send(&server, "POST", "/api/v1/quotes", Some(&case.to_string()));
        let v = refused.assert_error(422, "invalid");
        assert_eq!(v["error"]["field"], "loan.principal_won");
        assert!(v["errors"].as_array().expect("errors").iter().any(|e| e["field"] == "events[0].on"), "{v}");
        browser.send(&server, "POST", "/api/v1/quotes", Some("not json")).assert_error(422, "invalid");
        server.call("POST", "/api/v1/quotes", &[], Some(&crate::support::base_case().to_string())).assert_error(401, "unauthenticated");
        let programs = browser.get(&server, "/api/v1/programs").json();
        assert!(programs.as_array().expect("a list").iter().any(|p| p["id"] == "incheon-jumpup"), "{programs}");
    }

    async fn the_server_finishes_and_exits_cleanly_on_sigterm(db, url) {
        seed(&db).await;
        let server = Server::start(&url, &[]);
        Browser::login(&server, "root", ROOT_PASSWORD);
        let (status, log) = server.stop();
        assert!(status.success(), "{status}");
        assert!(log.contains("shutting down"), "{log}");
        assert!(log.contains("stopped"), "{log}");
    }
}

/// Every role's user with an API token, two firms and two banks: `(name, token)` by name.
struct Cast {
    tokens: std::collections::HashMap<&'static str, String>,
}

impl Cast {
    async fn new(db: &Db) -> Cast {
        use jumpup_domain::regno::BusinessNumber;
        use jumpup_store::identity::NewFirm;
        let mut s = Services::start(db.clone(), std::sync::Arc::new(jumpup_service::SystemClock))
            .await
            .expect("services");
        s.password_cost = TEST_COST;
        s.add_user(None, "root", Role::Admin, NewScope::None, None)
            .await
            .expect("root");
        for code in ["004", "011"] {
            s.add_bank("root", BankCode::parse(code).expect("code"), "은행")
                .await
                .expect("bank");
        }
        for (no, name) in FIRMS {
            let firm = NewFirm {
                business_no: BusinessNumber::parse(no).expect("a business number"),
                corporate_no: None,
                name: name.into(),
                address: "인천 연수구 송도동 1".into(),
                district: "연수구".into(),
                industry_code: "C26".into(),
            };
            s.add_firm("root", &firm).await.expect("firm");
        }
        let users: [(&str, Role, NewScope); 8] = [
            ("mayor", Role::City, NewScope::None),
            ("officer", Role::Tp, NewScope::None),
            ("reviewer", Role::Kibo, NewScope::None),
            ("inspector", Role::Auditor, NewScope::None),
            (
                "clerk",
                Role::Bank,
                NewScope::Bank(BankCode::parse("004").expect("code")),
            ),
            (
                "other-clerk",
                Role::Bank,
                NewScope::Bank(BankCode::parse("011").expect("code")),
            ),
            (
                "owner",
                Role::Firm,
                NewScope::Firm(BusinessNumber::parse(FIRMS[0].0).expect("bno")),
            ),
            (
                "other-owner",
                Role::Firm,
                NewScope::Firm(BusinessNumber::parse(FIRMS[1].0).expect("bno")),
            ),
        ];
        let mut tokens = std::collections::HashMap::new();
        for (name, role, scope) in users {
            s.add_user(Some("root"), name, role, scope, None)
                .await
                .expect("user");
        }
        for name in [
            "root",
            "mayor",
            "officer",
            "reviewer",
            "inspector",
            "clerk",
            "other-clerk",
            "owner",
            "other-owner",
        ] {
            tokens.insert(name, s.issue_token("root", name).await.expect("a token"));
        }
        s.top_up(
            "mayor",
            "incheon-jumpup",
            jumpup_domain::money::Won::new(50_000_000),
            "CITY-TEST-1",
        )
        .await
        .expect("top up");
        Cast { tokens }
    }

    fn call(
        &self,
        server: &Server,
        who: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Response {
        let auth = format!("Bearer {}", self.tokens[who]);
        server.call(method, path, &[("Authorization", &auth)], body)
    }

    #[track_caller]
    fn ok(
        &self,
        server: &Server,
        who: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Value {
        let r = self.call(server, who, method, path, body);
        assert!(
            r.status == 200 || r.status == 201,
            "{who} {method} {path}: {} {}",
            r.status,
            r.body
        );
        r.json()
    }
}

const FIRMS: [(&str, &str); 2] = [
    ("124-81-00998", "주식회사 첫째시험"),
    ("130-86-55023", "둘째시험 주식회사"),
];

both_url! {
    async fn a_case_goes_through_its_workflow_over_the_api_each_step_by_its_role(db, url) {
        let cast = Cast::new(&db).await;
        let server = Server::start(&url, &[]);
        let created = cast.call(&server, "owner", "POST", "/api/v1/cases", Some(r#"{"program": "incheon-jumpup", "requested_won": 500000000}"#));
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.json()["case_id"].as_i64().expect("an id");
        let path = |step: &str| format!("/api/v1/cases/{id}/{step}");
        // Each step by the wrong role first, then by its own.
        cast.call(&server, "officer", "POST", &path("submit"), None).assert_error(403, "role_not_allowed");
        cast.call(&server, "other-owner", "POST", &path("submit"), None).assert_error(403, "not_your_firm");
        cast.ok(&server, "owner", "POST", &path("submit"), None);
        cast.call(&server, "officer", "POST", &path("approve"), None).assert_error(409, "wrong_state");
        cast.ok(&server, "reviewer", "POST", &path("kibo-review"), Some("{}"));
        let bad = cast.call(&server, "reviewer", "POST", &path("select"), Some(r#"{"grade": "A", "coverage_pct": "95", "base_fee_rate_pct": "1.2", "approved_won": 500000000, "bank_code": "4x"}"#));
        assert_eq!(bad.assert_error(422, "invalid")["error"]["field"], "bank_code");
        let bad = cast.call(&server, "reviewer", "POST", &path("select"), Some(r#"{"grade": "A"}"#));
        assert_eq!(bad.assert_error(422, "invalid")["error"]["field"], "coverage_pct");
        let selected = cast.ok(&server, "reviewer", "POST", &path("select"), Some(r#"{"grade": "A", "coverage_pct": "95", "base_fee_rate_pct": "1.2", "approved_won": 500000000, "bank_code": "004"}"#));
        assert_eq!(selected["state"], "selected");
        cast.ok(&server, "officer", "POST", &path("eligibility-review"), None);
        for item in ["incheon_site", "not_closed", "no_tax_arrears", "not_delinquent", "not_listed"] {
            cast.ok(&server, "officer", "POST", &path("check"), Some(&json!({ "item": item, "met": true, "evidence": "서류 확인" }).to_string()));
        }
        assert_eq!(cast.ok(&server, "officer", "POST", &path("approve"), None)["state"], "approved");
        // The bank sees the case only from the guarantee on.
        cast.call(&server, "clerk", "GET", &format!("/api/v1/cases/{id}"), None).assert_error(404, "unknown_case");
        cast.call(&server, "reviewer", "POST", &path("issue-guarantee"), Some(r#"{"guarantee_no": ""}"#)).assert_error(422, "guarantee_no_required");
        assert_eq!(cast.ok(&server, "reviewer", "POST", &path("issue-guarantee"), Some(r#"{"guarantee_no": "G-2026-1"}"#))["state"], "guarantee_issued");
        assert_eq!(cast.ok(&server, "clerk", "GET", &format!("/api/v1/cases/{id}"), None)["case_id"], id);
        cast.call(&server, "other-clerk", "GET", &format!("/api/v1/cases/{id}"), None).assert_error(404, "unknown_case");
        cast.call(&server, "root", "GET", &format!("/api/v1/cases/{id}"), None).assert_error(403, "role_not_allowed");
        cast.call(&server, "owner", "POST", &format!("/api/v1/cases/{id}/teleport"), None).assert_error(404, "not_found");
        cast.call(&server, "owner", "GET", "/api/v1/cases/x1", None).assert_error(404, "not_found");
        // Reads are in the access log, by the reader.
        let reads = jumpup_store::access::reads_of(&db, &format!("case:{id}")).await.expect("access log");
        assert!(reads.iter().any(|(_, action)| action == "case.show"), "{reads:?}");
        // Nothing personal in the request log.
        let tokens: Vec<&str> = cast.tokens.values().map(String::as_str).collect();
        let mut secrets = vec![FIRMS[0].0, FIRMS[0].1, FIRMS[1].0, FIRMS[1].1, "124810099", "1248100998"];
        secrets.extend(tokens);
        assert_log_holds_none(&server, &secrets);
    }

    async fn case_lists_are_scoped_paged_and_limited(db, url) {
        let cast = Cast::new(&db).await;
        let server = Server::start(&url, &[]);
        let mut mine = Vec::new();
        for who in ["owner", "other-owner", "owner"] {
            let v = cast.ok(&server, who, "POST", "/api/v1/cases", Some(r#"{"program": "incheon-jumpup", "requested_won": 100000000}"#));
            if who == "owner" {
                mine.push(v["case_id"].as_i64().expect("id"));
            }
        }
        let ids = |v: &Value| -> Vec<i64> { v["items"].as_array().expect("items").iter().map(|c| c["case_id"].as_i64().expect("id")).collect() };
        assert_eq!(ids(&cast.ok(&server, "owner", "GET", "/api/v1/cases", None)), mine);
        assert_eq!(ids(&cast.ok(&server, "clerk", "GET", "/api/v1/cases", None)), Vec::<i64>::new());
        cast.call(&server, "root", "GET", "/api/v1/cases", None).assert_error(403, "role_not_allowed");
        // Paging: two, then the last one, then nothing more.
        let first = cast.ok(&server, "mayor", "GET", "/api/v1/cases?limit=2", None);
        assert_eq!(ids(&first).len(), 2);
        let cursor = first["next_cursor"].as_str().expect("a cursor").to_owned();
        let rest = cast.ok(&server, "mayor", "GET", &format!("/api/v1/cases?limit=2&cursor={cursor}"), None);
        assert_eq!(ids(&rest).len(), 1);
        assert_eq!(rest["next_cursor"], Value::Null);
        assert_eq!(ids(&cast.ok(&server, "inspector", "GET", "/api/v1/cases?state=draft", None)).len(), 3);
        assert_eq!(ids(&cast.ok(&server, "inspector", "GET", "/api/v1/cases?state=approved", None)).len(), 0);
        for (query, field) in [("limit=201", "limit"), ("limit=0", "limit"), ("cursor=abc", "cursor"), ("state=flying", "state"), ("color=red", "color")] {
            let r = cast.call(&server, "mayor", "GET", &format!("/api/v1/cases?{query}"), None);
            assert_eq!(r.assert_error(422, "invalid")["error"]["field"], field, "{query}");
        }
        server.call("GET", "/api/v1/cases", &[], None).assert_error(401, "unauthenticated");
    }
}

both_url! {
    async fn a_request_naming_nothing_answers_404_before_its_body_is_judged(db, url) {
        let cast = Cast::new(&db).await;
        let server = Server::start(&url, &[]);
        let junk = Some(r#"{"bogus": true}"#);
        for (who, path, code) in [
            ("reviewer", "/api/v1/cases/999999/select", "unknown_case"),
            ("officer", "/api/v1/cases/999999/reject", "unknown_case"),
            ("clerk", "/api/v1/cases/999999/loan", "unknown_case"),
            ("clerk", "/api/v1/cases/999999/events", "unknown_case"),
            ("clerk", "/api/v1/events/999999/cancel", "unknown_event"),
            ("mayor", "/api/v1/settlements/999999/reject", "unknown_batch"),
            ("root", "/api/v1/users/999999/activate", "unknown_user"),
            ("mayor", "/api/v1/budgets/no-such-programme/top-ups", "unknown_program"),
        ] {
            cast.call(&server, who, "POST", path, junk).assert_error(404, code);
        }
        // What exists has its body judged, each refusal naming its field in the API's terms.
        let top_up = |body: &str| cast.call(&server, "mayor", "POST", "/api/v1/budgets/incheon-jumpup/top-ups", Some(body));
        assert_eq!(top_up(r#"{"amount_won": 1000, "reference": " "}"#).assert_error(422, "invalid")["error"]["field"], "reference");
        assert_eq!(top_up(r#"{"amount_won": 0, "reference": "추경 1차"}"#).assert_error(422, "invalid")["error"]["field"], "amount_won");
        top_up(r#"{"bogus": true}"#).assert_error(422, "invalid");
        let zero = cast.call(&server, "owner", "POST", "/api/v1/cases", Some(r#"{"program": "incheon-jumpup", "requested_won": -5}"#));
        assert_eq!(zero.assert_error(422, "invalid")["error"]["field"], "requested_won");
    }
}

both_url! {
    async fn a_firm_registers_itself_and_signs_in_once_the_technopark_activates_it(db, url) {
        let cast = Cast::new(&db).await;
        let server = Server::start(&url, &[]);
        let password = "the new firm's password";
        let form = |business_no: &str, user_name: &str, password: &str| json!({
            "business_no": business_no, "firm_name": "새기업 주식회사", "address": "인천 남동구 1",
            "district": "남동구", "industry_code": "C26", "user_name": user_name, "password": password,
        }).to_string();
        let bad = server.call("POST", "/api/v1/registrations", &[], Some(&form("124-81-00999", "newfirm", password)));
        assert_eq!(bad.assert_error(422, "invalid")["error"]["field"], "business_no");
        let short = server.call("POST", "/api/v1/registrations", &[], Some(&form("220-81-62517", "newfirm", "short")));
        assert_eq!(short.assert_error(422, "invalid")["error"]["field"], "password");
        let done = server.call("POST", "/api/v1/registrations", &[], Some(&form("220-81-62517", "newfirm", password)));
        assert_eq!(done.status, 201, "{}", done.body);
        let user_id = done.json()["user_id"].as_i64().expect("an id");
        assert_eq!(done.json()["active"], false);
        // Naming a known firm (its number is public) answers exactly like a new one: the
        // account is a claim the Technopark checks against evidence before activating it.
        let claim = server.call("POST", "/api/v1/registrations", &[], Some(&form(FIRMS[0].0, "claimant", password)));
        assert_eq!(claim.status, 201, "{}", claim.body);
        let keys = |v: &Value| v.as_object().expect("an object").keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&claim.json()), keys(&done.json()), "no answer tells a known number from a new one");
        let claim_id = claim.json()["user_id"].as_i64().expect("an id");
        let claim_path = format!("/api/v1/users/{claim_id}/activate");
        cast.call(&server, "officer", "POST", &claim_path, None).assert_error(422, "claim_evidence_required");
        let claimed = cast.ok(&server, "officer", "POST", &claim_path, Some(r#"{"evidence": "사업자등록증 사본과 대표자 신분증 확인"}"#));
        assert_eq!(claimed["active"], true);
        // Registrations are throttled per client address, refused ones counted too: four were
        // sent above, the fifth passes, the sixth waits.
        let fifth = server.call("POST", "/api/v1/registrations", &[], Some(&form("220-81-62517", "fifth", password)));
        assert_eq!(fifth.status, 201, "{}", fifth.body);
        let sixth = server.call("POST", "/api/v1/registrations", &[], Some(&form("220-81-62517", "sixth", password)));
        sixth.assert_error(429, "too_many_registrations");
        assert!(sixth.header("retry-after").is_some());
        // Inactive: no sign-in yet, refused like a wrong password.
        let login = || server.call("POST", "/api/v1/session", &[], Some(&json!({ "name": "newfirm", "password": password }).to_string()));
        login().assert_error(401, "login_failed");
        let path = format!("/api/v1/users/{user_id}/activate");
        cast.call(&server, "reviewer", "POST", &path, None).assert_error(403, "role_not_allowed");
        let users = cast.ok(&server, "root", "GET", "/api/v1/users?limit=200", None);
        let clerk_id = users["items"].as_array().expect("items").iter().find(|u| u["name"] == "clerk").expect("the clerk")["user_id"].as_i64().expect("id");
        cast.call(&server, "officer", "POST", &format!("/api/v1/users/{clerk_id}/activate"), None).assert_error(403, "role_not_allowed");
        assert_eq!(cast.ok(&server, "officer", "POST", &path, None)["active"], true);
        let browser = Browser::login(&server, "newfirm", password);
        let created = browser.send(&server, "POST", "/api/v1/cases", Some(r#"{"program": "incheon-jumpup", "requested_won": 300000000}"#));
        assert_eq!(created.status, 201, "{}", created.body);
        let entries = jumpup_store::audit::load(&db).await.expect("audit");
        assert!(entries.iter().any(|e| e.entry.action == "firm.register" && e.entry.actor == format!("self:user:{user_id}")));
        assert!(entries.iter().any(|e| e.entry.action == "user.activate"));
        assert!(entries.iter().any(|e| e.entry.action == "user.activate" && e.entry.after.contains("사업자등록증 사본")), "the evidence is audited");
        assert_log_holds_none(&server, &[password, "220-81-62517", "2208162517", "새기업 주식회사"]);
    }

    async fn admins_list_and_add_users_and_no_one_else_may(db, url) {
        let cast = Cast::new(&db).await;
        let server = Server::start(&url, &[]);
        let page = cast.ok(&server, "root", "GET", "/api/v1/users?limit=3", None);
        assert_eq!(page["items"].as_array().expect("items").len(), 3);
        let cursor = page["next_cursor"].as_str().expect("more").to_owned();
        let rest = cast.ok(&server, "root", "GET", &format!("/api/v1/users?cursor={cursor}"), None);
        assert_eq!(rest["items"].as_array().expect("items").len(), 6, "nine users in all");
        for who in ["mayor", "officer", "inspector", "clerk", "owner"] {
            cast.call(&server, who, "GET", "/api/v1/users", None).assert_error(403, "role_not_allowed");
            cast.call(&server, who, "POST", "/api/v1/users", Some(r#"{"name": "x", "role": "tp"}"#)).assert_error(403, "role_not_allowed");
        }
        // Over the network an administrator proposes; a second person confirms and hands over
        // the setup code; the user sets the password. The administrator never holds one.
        let with_password = cast.call(&server, "root", "POST", "/api/v1/users", Some(r#"{"name": "teller", "role": "bank", "bank_code": "011", "password": "a teller's password"}"#));
        assert_eq!(with_password.assert_error(422, "invalid")["error"]["field"], "password");
        let made = cast.call(&server, "root", "POST", "/api/v1/users", Some(r#"{"name": "teller", "role": "bank", "bank_code": "011"}"#));
        assert_eq!(made.status, 201, "{}", made.body);
        assert_eq!((made.json()["active"].clone(), made.json()["awaiting_confirmation"].clone()), (json!(false), json!(true)));
        let teller_id = made.json()["user_id"].as_i64().expect("an id");
        let confirm = format!("/api/v1/users/{teller_id}/confirm");
        cast.call(&server, "root", "POST", &format!("/api/v1/users/{teller_id}/activate"), None).assert_error(422, "confirmation_required");
        cast.call(&server, "root", "POST", &confirm, None).assert_error(403, "role_not_allowed");
        cast.call(&server, "mayor", "POST", &confirm, None).assert_error(403, "role_not_allowed");
        let confirmed = cast.ok(&server, "officer", "POST", &confirm, None);
        let code = confirmed["setup_code"].as_str().expect("a setup code").to_owned();
        cast.call(&server, "officer", "POST", &confirm, None).assert_error(409, "not_awaiting_confirmation");
        let setup = |code: &str| server.call("POST", "/api/v1/session/setup", &[], Some(&json!({ "name": "teller", "setup_code": code, "new_password": "a teller's password" }).to_string()));
        setup("not the code").assert_error(401, "setup_failed");
        assert_eq!(setup(&code).status, 200);
        setup(&code).assert_error(401, "setup_failed");
        Browser::login(&server, "teller", "a teller's password");
        // An official's account: a city user confirms it.
        let official = cast.call(&server, "root", "POST", "/api/v1/users", Some(r#"{"name": "second-tp", "role": "tp"}"#));
        let official_id = official.json()["user_id"].as_i64().expect("an id");
        cast.call(&server, "officer", "POST", &format!("/api/v1/users/{official_id}/confirm"), None).assert_error(403, "role_not_allowed");
        assert!(cast.ok(&server, "mayor", "POST", &format!("/api/v1/users/{official_id}/confirm"), None)["setup_code"].is_string());
        let entries = jumpup_store::audit::load(&db).await.expect("audit");
        for action in ["user.propose", "user.confirm", "user.setup"] {
            assert!(entries.iter().any(|e| e.entry.action == action), "{action} is audited");
        }
        let cases = [
            (r#"{"name": "x", "role": "pilot"}"#, "role"),
            (r#"{"name": "x", "role": "bank"}"#, "bank_code"),
            (r#"{"name": "x", "role": "tp", "bank_code": "011"}"#, "role"),
            (r#"{"name": "", "role": "tp"}"#, "name"),
            (r#"{"role": "tp"}"#, "name"),
        ];
        for (body, field) in cases {
            let r = cast.call(&server, "root", "POST", "/api/v1/users", Some(body));
            assert_eq!(r.assert_error(422, "invalid")["error"]["field"], field, "{body}");
        }
        cast.call(&server, "root", "POST", "/api/v1/users", Some(r#"{"name": "teller", "role": "tp"}"#)).assert_error(409, "user_exists");

        // Deactivation ends the account's sessions and revokes its tokens at once; activating it
        // again lets it sign in but brings no token back. No one deactivates themself.
        let teller = Browser::login(&server, "teller", "a teller's password");
        assert_eq!(teller.get(&server, "/api/v1/session").status, 200);
        let root_id = cast.ok(&server, "root", "GET", "/api/v1/session", None)["user"]["user_id"].as_i64().expect("an id");
        cast.call(&server, "root", "POST", &format!("/api/v1/users/{root_id}/deactivate"), None).assert_error(403, "own_account");
        cast.call(&server, "officer", "POST", &format!("/api/v1/users/{teller_id}/deactivate"), None).assert_error(403, "role_not_allowed");
        assert_eq!(cast.ok(&server, "root", "POST", &format!("/api/v1/users/{teller_id}/deactivate"), None)["active"], false);
        teller.get(&server, "/api/v1/session").assert_error(401, "unauthenticated");
        let out = crate::support::jumpup(&["--database", &url, "user", "deactivate", "clerk", "--actor", "root"], "");
        assert_eq!(out.status.code(), Some(0), "{}", crate::support::stderr(&out));
        cast.call(&server, "clerk", "GET", "/api/v1/cases", None).assert_error(401, "unauthenticated");
        let out = crate::support::jumpup(&["--database", &url, "user", "activate", "clerk", "--actor", "officer"], "");
        assert_eq!(out.status.code(), Some(3), "tp activates firms' accounts only: {}", crate::support::stdout(&out));
        let out = crate::support::jumpup(&["--database", &url, "user", "activate", "clerk", "--actor", "root"], "");
        assert_eq!(out.status.code(), Some(0), "{}", crate::support::stderr(&out));
        cast.call(&server, "clerk", "GET", "/api/v1/cases", None).assert_error(401, "unauthenticated");
        let entries = jumpup_store::audit::load(&db).await.expect("audit");
        assert_eq!(entries.iter().filter(|e| e.entry.action == "user.deactivate").count(), 2);
    }
}

both_url! {
    async fn four_parallel_bad_uploads_take_one_slot_and_reads_stay_fast(db, url) {
        let cast = Cast::new(&db).await;
        let server = Server::start(&url, &["--max-jobs", "1"]);
        // 200,000 rows, each missing six fields: 1.2 million problems.
        let mut bad = String::from("bank_code,loan_no,guarantee_no,principal_won,annual_rate_pct,executed_on,maturity_on\n");
        for _ in 0..200_000 {
            bad.push_str("004,,,,,,\n");
        }
        let running = std::sync::atomic::AtomicBool::new(true);
        // Timed without the suite's own checks of each answer (they run once, below).
        let send = |who: &str, method: &str, path: &str, body: Option<&str>| {
            let auth = format!("Bearer {}", cast.tokens[who]);
            server.bare(method, path, &[("Authorization", &auth), ("Content-Type", "text/csv")], body)
        };
        let send = &send;
        let (uploads, reads) = std::thread::scope(|scope| {
            let uploads: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| send("clerk", "POST", "/api/v1/uploads/loans", Some(bad.as_str()))))
                .collect();
            let running = &running;
            let reader = scope.spawn(move || {
                let mut took = Vec::new();
                while running.load(std::sync::atomic::Ordering::Relaxed) {
                    let start = std::time::Instant::now();
                    let r = send("officer", "GET", "/api/v1/cases", None);
                    assert_eq!(r.status, 200, "{}", r.body);
                    took.push(start.elapsed());
                }
                took
            });
            let uploads: Vec<Response> = uploads.into_iter().map(|u| u.join().expect("upload")).collect();
            running.store(false, std::sync::atomic::Ordering::Relaxed);
            (uploads, reader.join().expect("reads"))
        });
        let ran: Vec<&Response> = uploads.iter().filter(|r| r.status == 422).collect();
        let turned_away: Vec<&Response> = uploads.iter().filter(|r| r.status == 503).collect();
        assert_eq!(ran.len() + turned_away.len(), 4, "{:?}", uploads.iter().map(|r| r.status).collect::<Vec<_>>());
        assert!(!ran.is_empty() && !turned_away.is_empty(), "one slot: one runs, the others wait their turn");
        for r in &turned_away {
            r.assert_error(503, "busy");
            assert_eq!(r.header("retry-after"), Some("30"));
        }
        for r in &ran {
            let v = r.assert_error(422, "invalid_row");
            assert_eq!(v["errors"].as_array().map(Vec::len), Some(1000), "the first 1,000 problems");
            assert_eq!(v["errors_total"], 1_200_000);
            assert_eq!(v["errors"][0]["field"], "rows[2].loan_no");
            assert_eq!(v["errors"][999]["field"], "rows[168].annual_rate_pct");
        }
        let mut took = reads;
        took.sort();
        let p95 = took[(took.len() * 95 / 100).min(took.len() - 1)];
        eprintln!("{} reads during the uploads, p95 {p95:?}", took.len());
        assert!(!took.is_empty());
    }
}

/// A GET to another address than the server's public one (the operators' listener).
fn get_at(addr: &str, path: &str) -> Response {
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    Response::parse(&raw)
}

both_url! {
    async fn operators_read_health_readiness_and_metrics_on_their_own_address(db, url) {
        let cast = Cast::new(&db).await;
        let server = Server::start(&url, &["--metrics-listen", "127.0.0.1:0"]);
        let operators = server.preamble.iter()
            .find_map(|l| l.strip_prefix("metrics on http://"))
            .and_then(|l| l.strip_suffix("/metrics"))
            .expect("the metrics address is printed")
            .to_owned();
        assert_eq!(server.raw("GET", "/healthz", &[], None).status, 200);
        assert_eq!(server.raw("GET", "/readyz", &[], None).status, 200);
        // Metrics are never served on the public address.
        assert_eq!(server.raw("GET", "/metrics", &[], None).status, 404);
        cast.ok(&server, "officer", "GET", "/api/v1/cases", None);
        cast.call(&server, "officer", "GET", "/api/v1/cases/999999", None).assert_error(404, "unknown_case");
        let m = get_at(&operators, "/metrics");
        assert_eq!(m.status, 200, "{}", m.body);
        assert!(m.header("content-type").is_some_and(|t| t.starts_with("text/plain; version=0.0.4")));
        let head = jumpup_store::audit::head(&db).await.expect("head").seq;
        for line in [
            r#"jumpup_http_requests_total{method="GET",route="/api/v1/cases",status="200"} 1"#,
            r#"jumpup_http_requests_total{method="GET",route="/api/v1/cases/{id}",status="404"} 1"#,
            r#"jumpup_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
            &format!("jumpup_audit_head_seq {head}"),
            "jumpup_jobs_running 0",
        ] {
            assert!(m.body.lines().any(|l| l == line), "{line} not in\n{}", m.body);
        }
        assert!(m.body.contains(r#"jumpup_http_request_duration_seconds_count{route="/api/v1/cases"} 1"#), "{}", m.body);
        assert!(m.body.lines().any(|l| l.starts_with("jumpup_db_pool_connections_open ")), "{}", m.body);
        assert!(!m.body.contains("999999"), "no path with an id in a label");
        assert_eq!(get_at(&operators, "/healthz").status, 200);
        // A database whose schema is not this build's is not ready.
        jumpup_store::testing::execute_raw(&db, "delete from _sqlx_migrations where version = (select max(version) from _sqlx_migrations)").await;
        let r = get_at(&operators, "/readyz");
        assert_eq!(r.status, 503, "{}", r.body);
        assert_eq!(server.raw("GET", "/readyz", &[], None).status, 503);
        assert_eq!(server.raw("GET", "/healthz", &[], None).status, 200, "the process still answers");
    }
}

/// Uploads a file's text as `who` (CSV).
fn upload(cast: &Cast, server: &Server, who: &str, kind: &str, text: &str) -> Response {
    let auth = format!("Bearer {}", cast.tokens[who]);
    server.call(
        "POST",
        &format!("/api/v1/uploads/{kind}"),
        &[("Authorization", &auth), ("Content-Type", "text/csv")],
        Some(text),
    )
}

both_url! {
    async fn a_month_runs_over_the_api_from_bank_files_to_payment_files(db, url) {
        let cast = Cast::new(&db).await;
        let server = Server::start(&url, &[]);
        let cases = format!(
            "business_no,firm_name,district,kibo_grade,program,decided_on,guarantee_no,coverage_pct,base_fee_rate_pct,approved_won\n\
             {},{},연수구,BBB,incheon-jumpup,2025-08-20,G-1,95,1.0,100000000\n\
             {},{},연수구,BBB,incheon-jumpup,2025-08-20,G-2,95,1.0,100000000\n",
            FIRMS[0].0, FIRMS[0].1, FIRMS[1].0, FIRMS[1].1
        );
        upload(&cast, &server, "clerk", "cases", &cases).assert_error(403, "role_not_allowed");
        let report = upload(&cast, &server, "officer", "cases", &cases);
        assert_eq!(report.status, 200, "{}", report.body);
        assert_eq!(report.json()["stored"], 2);
        let loans_header = "bank_code,loan_no,guarantee_no,principal_won,annual_rate_pct,executed_on,maturity_on\n";
        let mine = "004,L-1,G-1,100000000,4.5,2025-09-01,2026-09-01\n";
        let theirs = "011,L-2,G-2,100000000,4.5,2025-09-01,2026-09-01\n";
        // A bank's file cannot touch another bank's loans: refused whole, with the row named.
        let refused = upload(&cast, &server, "clerk", "loans", &format!("{loans_header}{mine}{theirs}"));
        let v = refused.assert_error(422, "invalid_row");
        assert_eq!(v["error"]["field"], "rows[3].bank_code", "{v}");
        assert_eq!(v["stored"], 0, "the report's fields ride along: {v}");
        let empty = upload(&cast, &server, "clerk", "loans", "");
        assert_eq!(empty.status, 422, "{}", empty.body);
        assert_eq!(upload(&cast, &server, "clerk", "loans", &format!("{loans_header}{mine}")).json()["stored"], 1);
        assert_eq!(upload(&cast, &server, "other-clerk", "loans", &format!("{loans_header}{theirs}")).json()["stored"], 1);
        let again = upload(&cast, &server, "clerk", "loans", &format!("{loans_header}{mine}"));
        assert_eq!((again.json()["stored"].clone(), again.json()["skipped"].clone()), (json!(0), json!(1)));
        let cases = cast.ok(&server, "clerk", "GET", "/api/v1/cases", None);
        let case_id = cases["items"][0]["case_id"].as_i64().expect("the clerk's case");
        assert_eq!(cases["items"].as_array().expect("items").len(), 1);
        // Events: one by the API, a repayment by file; another bank may not report on this loan.
        let event = cast.call(&server, "clerk", "POST", &format!("/api/v1/cases/{case_id}/events"), Some(r#"{"on": "2025-09-10", "kind": "arrears_start"}"#));
        assert_eq!(event.status, 201, "{}", event.body);
        let event_id = event.json()["loan_event_id"].as_i64().expect("id");
        let bad = cast.call(&server, "clerk", "POST", &format!("/api/v1/cases/{case_id}/events"), Some(r#"{"on": "2025-09-10", "kind": "repayment"}"#));
        assert_eq!(bad.assert_error(422, "invalid")["error"]["field"], "amount_won");
        assert_eq!(cast.call(&server, "other-clerk", "POST", &format!("/api/v1/cases/{case_id}/events"), Some(r#"{"on": "2025-09-12", "kind": "arrears_end"}"#)).status, 403);
        // Cancelled by its reporter (or tp), by no other bank, and once.
        let cancel = format!("/api/v1/events/{event_id}/cancel");
        cast.call(&server, "other-clerk", "POST", &cancel, Some(r#"{"reason": "not mine"}"#)).assert_error(403, "role_not_allowed");
        // A refusal names its field as the API spells it (never a command-line flag).
        let blank = cast.call(&server, "clerk", "POST", &cancel, Some(r#"{"reason": " "}"#));
        assert_eq!(blank.assert_error(422, "invalid")["error"]["field"], "reason");
        assert_eq!(cast.ok(&server, "clerk", "POST", &cancel, Some(r#"{"reason": "reported on the wrong loan"}"#))["cancelled"], true);
        cast.call(&server, "officer", "POST", &cancel, Some(r#"{"reason": "again"}"#)).assert_error(409, "event_cancelled");
        let events = "bank_code,loan_no,on,kind,amount_won,annual_rate_pct\n004,L-1,2025-09-16,repayment,20000000,\n";
        assert_eq!(upload(&cast, &server, "clerk", "events", events).json()["stored"], 1);
        let claims = "bank_code,loan_no,period_from,period_to,claimed_won\n004,L-1,2025-09-01,2025-09-30,999999\n";
        assert_eq!(upload(&cast, &server, "clerk", "claims", claims).json()["stored"], 1);
        assert_eq!(upload(&cast, &server, "other-clerk", "claims", "bank_code,loan_no,period_from,period_to,claimed_won\n011,L-2,2025-09-01,2025-09-30,100\n").json()["stored"], 1);

        // The loan as its readers see it: every event with its reporter, the cancelled one marked.
        let clerk_id = cast.ok(&server, "clerk", "GET", "/api/v1/session", None)["user"]["user_id"].as_i64().expect("an id");
        let loan = cast.ok(&server, "owner", "GET", &format!("/api/v1/cases/{case_id}/loan"), None);
        assert_eq!((loan["loan_no"].as_str(), loan["bank_code"].as_str(), loan["principal_won"].as_i64()), (Some("L-1"), Some("004"), Some(100_000_000)), "{loan}");
        let kinds: Vec<(String, bool, i64)> = loan["events"].as_array().expect("events").iter()
            .map(|e| (e["kind"].as_str().unwrap_or_default().to_owned(), e["cancelled"] == true, e["reported_by"].as_i64().unwrap_or_default()))
            .collect();
        assert_eq!(kinds, [("arrears_start".to_owned(), true, clerk_id), ("repayment".to_owned(), false, clerk_id)]);
        cast.call(&server, "other-clerk", "GET", &format!("/api/v1/cases/{case_id}/loan"), None).assert_error(404, "unknown_case");
        let reads = jumpup_store::access::reads_of(&db, &format!("case:{case_id}")).await.expect("access log");
        assert!(reads.iter().any(|(_, action)| action == "loan.show"), "{reads:?}");
        // Loans: a bank its own, officials every one, a page at a time.
        let theirs_only = cast.ok(&server, "other-clerk", "GET", "/api/v1/loans", None);
        assert_eq!(theirs_only["items"].as_array().map(|i| i.iter().map(|l| l["loan_no"].clone()).collect::<Vec<_>>()), Some(vec![json!("L-2")]));
        let first = cast.ok(&server, "mayor", "GET", "/api/v1/loans?limit=1", None);
        let cursor = first["next_cursor"].as_str().expect("a second page").to_owned();
        let second = cast.ok(&server, "mayor", "GET", &format!("/api/v1/loans?limit=1&cursor={cursor}"), None);
        assert_eq!((first["items"][0]["loan_no"].as_str(), second["items"][0]["loan_no"].as_str()), (Some("L-1"), Some("L-2")));
        // The case's quote from its stored loan and events: 100,000,000 won for 15 days, then
        // 80,000,000 for 15 after the repayment, at 2.0%p over 365 days, truncated to the won.
        let quote = cast.ok(&server, "owner", "GET", &format!("/api/v1/cases/{case_id}/quote"), None);
        let september = &quote["subsidy"]["periods"][0];
        assert_eq!((september["to"].as_str(), september["claim_won"].as_i64()), (Some("2025-09-30"), Some((100_000_000 * 15 + 80_000_000 * 15) * 2 / 100 / 365)), "{quote}");
        assert!(september.get("explanation").is_none() && cast.ok(&server, "owner", "GET", &format!("/api/v1/cases/{case_id}/quote?explain=true"), None)["subsidy"]["periods"][0].get("explanation").is_some());

        // Maker and checker.
        cast.call(&server, "mayor", "POST", "/api/v1/settlements", Some(r#"{"through": "2025-09-30"}"#)).assert_error(403, "role_not_allowed");
        let batch = cast.call(&server, "officer", "POST", "/api/v1/settlements", Some(r#"{"through": "2025-09-30"}"#));
        assert_eq!(batch.status, 201, "{}", batch.body);
        let batch = batch.json();
        let id = batch["batch_id"].as_i64().expect("a batch id");
        assert_eq!(batch["totals"]["lines"], 2, "{batch}");
        assert_eq!(batch["by_status"]["reduced"]["lines"], 1, "{batch}");
        cast.call(&server, "officer", "POST", &format!("/api/v1/settlements/{id}/approve"), None).assert_error(403, "role_not_allowed");
        let approved = cast.ok(&server, "mayor", "POST", &format!("/api/v1/settlements/{id}/approve"), None);
        assert_eq!(approved["state"], "approved");
        assert!(approved["audit_head"].as_str().is_some_and(|h| h.contains(':')), "{approved}");
        cast.call(&server, "mayor", "POST", &format!("/api/v1/settlements/{id}/approve"), None).assert_error(409, "batch_approved");
        let batches = cast.ok(&server, "inspector", "GET", "/api/v1/settlements", None);
        assert_eq!((batches["items"][0]["batch_id"].as_i64(), batches["items"][0]["state"].as_str()), (Some(id), Some("approved")), "{batches}");
        let verified = cast.ok(&server, "inspector", "GET", &format!("/api/v1/settlements/{id}/verify"), None);
        assert_eq!(verified["differences"], json!([]), "{verified}");
        // Files out.
        let payments = cast.call(&server, "mayor", "GET", &format!("/api/v1/settlements/{id}/payments?format=csv"), None);
        assert_eq!(payments.status, 200, "{}", payments.body);
        assert!(payments.header("content-type").is_some_and(|t| t.starts_with("text/csv")));
        assert!(payments.body.contains("L-1") && payments.body.contains("L-2"), "{}", payments.body);
        let mine = cast.call(&server, "clerk", "GET", &format!("/api/v1/settlements/{id}/statement?bank=004"), None);
        assert_eq!(mine.status, 200, "{}", mine.body);
        assert!(mine.body.contains("L-1") && !mine.body.contains("L-2"), "{}", mine.body);
        cast.call(&server, "clerk", "GET", &format!("/api/v1/settlements/{id}/statement?bank=011"), None).assert_error(403, "role_not_allowed");
        cast.call(&server, "clerk", "GET", &format!("/api/v1/settlements/{id}/payments"), None).assert_error(403, "role_not_allowed");
        let pdf = cast.call(&server, "mayor", "GET", &format!("/api/v1/settlements/{id}/payments?format=pdf"), None);
        assert_eq!(pdf.assert_error(422, "invalid")["error"]["field"], "format");
    }
}

both_url! {
    async fn the_budget_ledger_audit_banks_and_firms_answer_only_their_readers(db, url) {
        let cast = Cast::new(&db).await;
        let server = Server::start(&url, &[]);
        let budgets = cast.ok(&server, "officer", "GET", "/api/v1/budgets", None);
        let jumpup = budgets.as_array().expect("a list").iter().find(|b| b["program"] == "incheon-jumpup").expect("the programme").clone();
        assert_eq!(jumpup["balances"]["available"], 2_000_000_000i64 + 50_000_000, "{jumpup}");
        for who in ["clerk", "owner", "root"] {
            cast.call(&server, who, "GET", "/api/v1/budgets", None).assert_error(403, "role_not_allowed");
            cast.call(&server, who, "GET", "/api/v1/ledger/check", None).assert_error(403, "role_not_allowed");
        }
        let top_up = r#"{"amount_won": 1000000, "reference": "CITY-API-1"}"#;
        cast.call(&server, "officer", "POST", "/api/v1/budgets/incheon-jumpup/top-ups", Some(top_up)).assert_error(403, "role_not_allowed");
        assert_eq!(cast.ok(&server, "mayor", "POST", "/api/v1/budgets/incheon-jumpup/top-ups", Some(top_up))["posted"], true);
        assert_eq!(cast.ok(&server, "mayor", "POST", "/api/v1/budgets/incheon-jumpup/top-ups", Some(top_up))["posted"], false, "the same reference books nothing twice");
        let bad = cast.call(&server, "mayor", "POST", "/api/v1/budgets/incheon-jumpup/top-ups", Some(r#"{"amount_won": -1, "reference": "X"}"#));
        assert_eq!(bad.assert_error(422, "invalid")["error"]["field"], "amount_won");
        let check = cast.ok(&server, "inspector", "GET", "/api/v1/ledger/check", None);
        assert_eq!(check["ok"], true, "{check}");

        // The audit log: head, verification against it, and pages of entries.
        let head = cast.ok(&server, "inspector", "GET", "/api/v1/audit/head", None);
        let anchor = head["anchor"].as_str().expect("an anchor").to_owned();
        let verified = cast.ok(&server, "mayor", "GET", &format!("/api/v1/audit/verify?anchor={anchor}"), None);
        assert_eq!(verified["intact"], true, "{verified}");
        let bad = cast.call(&server, "mayor", "GET", "/api/v1/audit/verify?anchor=nonsense", None);
        assert_eq!(bad.assert_error(422, "invalid")["error"]["field"], "anchor");
        let page = cast.ok(&server, "inspector", "GET", "/api/v1/audit/entries?limit=2", None);
        assert_eq!(page["items"].as_array().expect("items").len(), 2);
        assert_eq!(page["items"][1]["prev_hash"], page["items"][0]["hash"]);
        let next = cast.ok(&server, "inspector", "GET", &format!("/api/v1/audit/entries?cursor={}", page["next_cursor"].as_str().expect("more")), None);
        assert_eq!(next["items"][0]["seq"], 3);
        for who in ["officer", "reviewer", "clerk", "owner", "root"] {
            cast.call(&server, who, "GET", "/api/v1/audit/entries", None).assert_error(403, "role_not_allowed");
        }

        // Banks: anyone reads them, an admin adds one.
        let banks = cast.ok(&server, "owner", "GET", "/api/v1/banks", None);
        assert_eq!(banks.as_array().expect("a list").len(), 2);
        cast.call(&server, "mayor", "POST", "/api/v1/banks", Some(r#"{"code": "020", "name": "우리은행"}"#)).assert_error(403, "role_not_allowed");
        let bad = cast.call(&server, "root", "POST", "/api/v1/banks", Some(r#"{"code": "20x", "name": "우리은행"}"#));
        assert_eq!(bad.assert_error(422, "invalid")["error"]["field"], "code");
        assert_eq!(cast.call(&server, "root", "POST", "/api/v1/banks", Some(r#"{"code": "020", "name": "우리은행"}"#)).status, 201);

        // Firms: added by tp or admin; read whole by officials and the firm itself, names and
        // numbers only by an admin, not at all by a bank; every read logged.
        let firm = json!({ "business_no": "220-81-62517", "name": "셋째시험", "address": "인천 중구 1", "district": "중구", "industry_code": "J58" }).to_string();
        cast.call(&server, "clerk", "POST", "/api/v1/firms", Some(&firm)).assert_error(403, "role_not_allowed");
        let added = cast.call(&server, "officer", "POST", "/api/v1/firms", Some(&firm));
        assert_eq!(added.status, 201, "{}", added.body);
        cast.call(&server, "officer", "POST", "/api/v1/firms", Some(&firm)).assert_error(409, "firm_exists");
        let own_id = cast.ok(&server, "owner", "GET", "/api/v1/session", None)["user"]["firm_id"].as_i64().expect("a firm");
        let own = cast.ok(&server, "owner", "GET", &format!("/api/v1/firms/{own_id}"), None);
        assert_eq!(own["address"], "인천 연수구 송도동 1");
        cast.call(&server, "other-owner", "GET", &format!("/api/v1/firms/{own_id}"), None).assert_error(404, "unknown_firm");
        cast.call(&server, "clerk", "GET", &format!("/api/v1/firms/{own_id}"), None).assert_error(403, "role_not_allowed");
        let seen_by_admin = cast.ok(&server, "root", "GET", &format!("/api/v1/firms/{own_id}"), None);
        assert_eq!(seen_by_admin["name"], FIRMS[0].1);
        assert!(seen_by_admin.get("address").is_none(), "{seen_by_admin}");
        assert_eq!(cast.ok(&server, "reviewer", "GET", &format!("/api/v1/firms/{own_id}"), None)["district"], "연수구");
        let listed = cast.ok(&server, "root", "GET", "/api/v1/firms?limit=200", None);
        let listed = listed["items"].as_array().expect("items");
        assert_eq!(listed.len(), 3);
        assert!(listed.iter().all(|f| f.get("address").is_none() && f["business_no"].is_string()), "{listed:?}");
        let own_list = cast.ok(&server, "owner", "GET", "/api/v1/firms", None);
        assert_eq!(own_list["items"].as_array().map(|i| i.iter().map(|f| f["firm_id"].clone()).collect::<Vec<_>>()), Some(vec![json!(own_id)]));
        cast.call(&server, "clerk", "GET", "/api/v1/firms", None).assert_error(403, "role_not_allowed");
        let reads = jumpup_store::access::reads_of(&db, &format!("firm:{own_id}")).await.expect("access log");
        assert_eq!(reads.iter().map(|(_, a)| a.as_str()).collect::<Vec<_>>(), ["firm.show", "firm.show", "firm.show", "firm.list", "firm.list"], "{reads:?}");
        assert_log_holds_none(&server, &[FIRMS[0].0, FIRMS[0].1, "220-81-62517", "셋째시험"]);
    }
}

/// The columns of the authorization table: no credentials, then each role, with a bank and a
/// firm of the wrong scope beside the right ones.
const VIEWERS: [&str; 10] = [
    "",
    "root",
    "mayor",
    "officer",
    "reviewer",
    "clerk",
    "other-clerk",
    "owner",
    "other-owner",
    "inspector",
];

/// Every API route against every viewer: `ok` means the request passed authorization (any
/// status but 401, 403 and 404: a refusal by state or a validation error still passed it);
/// a number is the exact status. Columns as in `VIEWERS`:
/// none, admin, city, tp, kibo, bank, other bank, firm, other firm, auditor.
#[rustfmt::skip]
const TABLE: &[(&str, &str, &str, &str)] = &[
    // method, route, body, expected per viewer
    ("POST", "/api/v1/session", r#"{"name": "root", "password": "root password 0f the suite"}"#, "ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/api/v1/session", "", "401 ok ok ok ok ok ok ok ok ok"),
    ("DELETE", "/api/v1/session", "", "401 ok ok ok ok ok ok ok ok ok"),
    ("POST", "/api/v1/session/password", r#"{"current_password": "not it at all", "new_password": "a new password here"}"#, "401 ok ok ok ok ok ok ok ok ok"),
    ("POST", "/api/v1/registrations", r#"{"business_no": "220-81-62517", "firm_name": "가입기업", "address": "인천 중구 1", "district": "중구", "industry_code": "J58", "user_name": "joiner", "password": "a joiner's password"}"#, "ok ok ok ok ok ok ok ok ok ok"),
    ("GET", "/api/v1/users", "", "401 ok 403 403 403 403 403 403 403 403"),
    ("POST", "/api/v1/users", r#"{"name": "extra", "role": "tp"}"#, "401 ok 403 403 403 403 403 403 403 403"),
    ("POST", "/api/v1/users/{user}/activate", "", "401 ok 403 ok 403 403 403 403 403 403"),
    ("POST", "/api/v1/users/{leaver}/deactivate", "", "401 ok 403 ok 403 403 403 403 403 403"),
    ("POST", "/api/v1/users/{user}/unlock", "", "401 ok 403 ok 403 403 403 403 403 403"),
    ("POST", "/api/v1/users/{user}/confirm", "", "401 403 ok ok 403 403 403 403 403 403"),
    ("POST", "/api/v1/session/setup", r#"{"name": "nobody", "setup_code": "x", "new_password": "a password long enough"}"#, "401 401 401 401 401 401 401 401 401 401"),
    ("GET", "/api/v1/banks", "", "401 ok ok ok ok ok ok ok ok ok"),
    ("POST", "/api/v1/banks", r#"{"code": "020", "name": "우리은행"}"#, "401 ok 403 403 403 403 403 403 403 403"),
    ("POST", "/api/v1/firms", r#"{"business_no": "211-86-01205", "name": "넷째", "address": "인천 서구 1", "district": "서구", "industry_code": "C26"}"#, "401 ok 403 ok 403 403 403 403 403 403"),
    ("GET", "/api/v1/firms", "", "401 ok ok ok ok 403 403 ok ok ok"),
    ("GET", "/api/v1/firms/{firm}", "", "401 ok ok ok ok 403 403 ok 404 ok"),
    ("GET", "/api/v1/programs", "", "401 ok ok ok ok ok ok ok ok ok"),
    ("POST", "/api/v1/programs", "{program}", "401 ok 403 403 403 403 403 403 403 403"),
    ("POST", "/api/v1/programs/{program}/versions/2026-01-01/approve", "", "401 403 ok 403 403 403 403 403 403 403"),
    ("POST", "/api/v1/quotes", "{quote}", "401 ok ok ok ok ok ok ok ok ok"),
    ("GET", "/api/v1/cases", "", "401 403 ok ok ok ok ok ok ok ok"),
    ("POST", "/api/v1/cases", r#"{"program": "incheon-jumpup", "requested_won": 100000000}"#, "401 403 403 403 403 403 403 ok ok 403"),
    ("GET", "/api/v1/cases/{case}", "", "401 403 ok ok ok ok 404 ok 404 ok"),
    ("GET", "/api/v1/cases/{case}/loan", "", "401 403 ok ok ok ok 404 ok 404 ok"),
    ("GET", "/api/v1/cases/{case}/quote", "", "401 403 ok ok ok ok 404 ok 404 ok"),
    ("GET", "/api/v1/loans", "", "401 403 ok ok ok ok ok ok ok ok"),
    ("POST", "/api/v1/cases/{case}/submit", "", "401 403 403 403 403 403 403 ok 403 403"),
    ("POST", "/api/v1/cases/{case}/kibo-review", "", "401 403 403 403 ok 403 403 403 403 403"),
    ("POST", "/api/v1/cases/{case}/select", r#"{"grade": "A", "coverage_pct": "95", "base_fee_rate_pct": "1.2", "approved_won": 100000000, "bank_code": "004"}"#, "401 403 403 403 ok 403 403 403 403 403"),
    ("POST", "/api/v1/cases/{case}/reject", r#"{"reason": "no"}"#, "401 403 403 ok ok 403 403 403 403 403"),
    ("POST", "/api/v1/cases/{case}/eligibility-review", "", "401 403 403 ok 403 403 403 403 403 403"),
    ("POST", "/api/v1/cases/{case}/check", r#"{"item": "incheon_site", "met": true, "evidence": "seen"}"#, "401 403 403 ok 403 403 403 403 403 403"),
    ("POST", "/api/v1/cases/{case}/approve", "", "401 403 403 ok 403 403 403 403 403 403"),
    ("POST", "/api/v1/cases/{case}/issue-guarantee", r#"{"guarantee_no": "G-9"}"#, "401 403 403 403 ok 403 403 403 403 403"),
    ("POST", "/api/v1/cases/{case}/withdraw", "", "401 403 403 403 403 403 403 ok 403 403"),
    ("POST", "/api/v1/cases/{case}/expire", "", "401 403 403 ok 403 403 403 403 403 403"),
    ("POST", "/api/v1/cases/{case}/loan", r#"{"loan_no": "L-9", "principal_won": 100000000, "annual_rate_pct": "4.5", "executed_on": "2025-09-01", "maturity_on": "2026-09-01"}"#, "401 403 403 403 403 ok 403 403 403 403"),
    ("POST", "/api/v1/cases/{case}/events", r#"{"on": "2025-09-20", "kind": "default"}"#, "401 403 403 ok ok ok 403 403 403 403"),
    ("POST", "/api/v1/events/{event}/cancel", r#"{"reason": "wrong"}"#, "401 403 403 ok 403 ok 403 403 403 403"),
    ("POST", "/api/v1/uploads/cases", "{cases}", "401 403 403 ok 403 403 403 403 403 403"),
    ("POST", "/api/v1/uploads/loans", "{loans}", "401 403 403 ok 403 ok ok 403 403 403"),
    ("POST", "/api/v1/uploads/events", "{events}", "401 403 403 ok ok ok ok 403 403 403"),
    ("POST", "/api/v1/uploads/claims", "{claims}", "401 403 403 ok 403 ok ok 403 403 403"),
    ("GET", "/api/v1/settlements", "", "401 403 ok ok 403 403 403 403 403 ok"),
    ("POST", "/api/v1/settlements", r#"{"through": "2025-09-30"}"#, "401 403 403 ok 403 403 403 403 403 403"),
    ("GET", "/api/v1/settlements/{batch}", "", "401 403 ok ok 403 403 403 403 403 ok"),
    ("GET", "/api/v1/settlements/{batch}/verify", "", "401 403 ok ok 403 403 403 403 403 ok"),
    ("POST", "/api/v1/settlements/{batch}/approve", "", "401 403 ok 403 403 403 403 403 403 403"),
    ("POST", "/api/v1/settlements/{batch}/reject", r#"{"reason": "no"}"#, "401 403 ok ok 403 403 403 403 403 403"),
    ("GET", "/api/v1/settlements/{batch}/payments", "", "401 403 ok ok 403 403 403 403 403 ok"),
    ("GET", "/api/v1/settlements/{batch}/statement", "", "401 403 ok ok 403 ok 403 403 403 ok"),
    ("GET", "/api/v1/budgets", "", "401 403 ok ok ok 403 403 403 403 ok"),
    ("POST", "/api/v1/budgets/{program}/top-ups", r#"{"amount_won": 1000, "reference": "TABLE-1"}"#, "401 403 ok 403 403 403 403 403 403 403"),
    ("GET", "/api/v1/ledger/check", "", "401 403 ok ok ok 403 403 403 403 ok"),
    ("GET", "/api/v1/audit/head", "", "401 403 ok 403 403 403 403 403 403 ok"),
    ("GET", "/api/v1/audit/verify", "", "401 403 ok 403 403 403 403 403 403 ok"),
    ("GET", "/api/v1/audit/entries", "", "401 403 ok 403 403 403 403 403 403 ok"),
    ("GET", "/api/v1/openapi.json", "", "ok ok ok ok ok ok ok ok ok ok"),
];

const MONTH_CASES: &str = "business_no,firm_name,district,kibo_grade,program,decided_on,guarantee_no,coverage_pct,base_fee_rate_pct,approved_won\n";
const MONTH_LOANS: &str = "bank_code,loan_no,guarantee_no,principal_won,annual_rate_pct,executed_on,maturity_on\n004,L-1,G-1,100000000,4.5,2025-09-01,2026-09-01\n011,L-2,G-2,100000000,4.5,2025-09-01,2026-09-01\n";
const MONTH_CLAIMS: &str = "bank_code,loan_no,period_from,period_to,claimed_won\n004,L-1,2025-09-01,2025-09-30,164380\n011,L-2,2025-09-01,2025-09-30,164380\n";

both_url! {
    async fn every_route_answers_every_role_and_scope_as_the_table_says(db, url) {
        use jumpup_service::imports::FileKind;
        let cast = Cast::new(&db).await;
        let mut s = Services::start(db.clone(), std::sync::Arc::new(jumpup_service::SystemClock)).await.expect("services");
        s.password_cost = TEST_COST;
        // The owner's firm's case G-1 at bank 004 and the other firm's G-2 at bank 011, loans
        // executed, a claim each, an event by the clerk and a prepared batch.
        let cases = format!("{MONTH_CASES}{},{},연수구,BBB,incheon-jumpup,2025-08-20,G-1,95,1.0,100000000\n{},{},연수구,BBB,incheon-jumpup,2025-08-20,G-2,95,1.0,100000000\n", FIRMS[0].0, FIRMS[0].1, FIRMS[1].0, FIRMS[1].1);
        for (who, kind, text) in [("officer", FileKind::Cases, cases.as_str()), ("officer", FileKind::Loans, MONTH_LOANS), ("officer", FileKind::Claims, MONTH_CLAIMS)] {
            let sheet = jumpup_service::interchange::read_bytes(text.as_bytes().to_vec(), false).expect("a sheet");
            s.import_sheet(who, kind, sheet).await.expect("imported");
        }
        let case = s.read_cases("owner", None, None, 0, 10).await.expect("cases")[0].clone();
        let event = s.report_event("clerk", case.case_id, jumpup_domain::loan::Event {
            on: jumpup_domain::date::parse_date("2025-09-10").expect("a date"),
            kind: jumpup_domain::loan::EventKind::ArrearsStart,
        }).await.expect("an event");
        let batch = s.settle_prepare("officer", jumpup_domain::date::parse_date("2025-09-30").expect("a date")).await.expect("a batch").batch_id;
        let hash = hash_password(ROOT_PASSWORD, TEST_COST).expect("hash");
        jumpup_store::testing::execute_raw(&db, &format!("update app_user set password_hash = '{hash}' where name = 'root'")).await;
        let owner_user = s.read_users("root", 0, 200).await.expect("users").into_iter().find(|u| u.name == "owner").expect("the owner");
        // A second account of the owner's firm, for the deactivation row.
        let leaver = s.add_user(Some("root"), "leaver", Role::Firm, NewScope::Firm(jumpup_domain::regno::BusinessNumber::parse(FIRMS[0].0).expect("bno")), None).await.expect("leaver");
        let uploads = [
            ("{cases}", cases.clone()),
            ("{loans}", MONTH_LOANS.lines().take(2).map(|l| format!("{l}\n")).collect::<String>()),
            ("{events}", "bank_code,loan_no,on,kind,amount_won,annual_rate_pct\n004,L-1,2025-09-12,arrears_end,,\n".to_owned()),
            ("{claims}", MONTH_CLAIMS.lines().take(2).map(|l| format!("{l}\n")).collect::<String>()),
            ("{quote}", crate::support::base_case().to_string()),
            ("{program}", std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../service/programs/incheon-jumpup.toml")).expect("the built-in programme").replace("2025-07-22", "2026-01-01")),
        ];

        // The table covers exactly the routes the server has.
        let mut routes: Vec<(String, String)> = jumpup_server::route_list().into_iter().map(|(m, p)| (m.to_owned(), p)).collect();
        routes.sort();
        let mut table: Vec<(String, String)> = TABLE.iter().map(|(m, p, _, _)| ((*m).to_owned(), p.replace("{user}", "{id}").replace("{leaver}", "{id}").replace("{firm}", "{id}").replace("{case}", "{id}").replace("{event}", "{id}").replace("{batch}", "{id}").replace("2026-01-01", "{date}"))).collect();
        table.sort();
        assert_eq!(table, routes, "the table and the router differ");

        let server = Server::start(&url, &[]);
        let mut wrong = Vec::new();
        for (method, route, body, expected) in TABLE {
            let mut path = route
                .replace("{user}", &owner_user.user_id.to_string())
                .replace("{leaver}", &leaver.to_string())
                .replace("{firm}", &case.firm_id.0.to_string())
                .replace("{case}", &case.case_id.to_string())
                .replace("{event}", &event.to_string())
                .replace("{batch}", &batch.to_string())
                .replace("{program}", "incheon-jumpup");
            if route.ends_with("/statement") {
                path.push_str("?bank=004");
            }
            let body = uploads.iter().find(|(k, _)| k == body).map_or((*body).to_owned(), |(_, v)| v.clone());
            let expected: Vec<&str> = expected.split_whitespace().collect();
            assert_eq!(expected.len(), VIEWERS.len(), "{method} {route}");
            for (viewer, want) in VIEWERS.iter().zip(expected) {
                let auth = format!("Bearer {}", cast.tokens.get(viewer).map_or("", String::as_str));
                let mut headers = vec![];
                if !viewer.is_empty() {
                    headers.push(("Authorization", auth.as_str()));
                }
                if route.starts_with("/api/v1/uploads/") {
                    headers.push(("Content-Type", "text/csv"));
                }
                let r = server.call(method, &path, &headers, (!body.is_empty()).then_some(body.as_str()));
                let fine = match want {
                    "ok" => ![401, 403, 404, 405].contains(&r.status) && r.status < 500,
                    n => n.parse::<u16>().ok() == Some(r.status),
                };
                if !fine {
                    wrong.push(format!("{method} {route} as {:?}: expected {want}, got {} {}", if viewer.is_empty() { "nobody" } else { viewer }, r.status, r.body.chars().take(160).collect::<String>()));
                }
                // A role refused is refused before its body is read: a malformed body changes
                // nothing (the roles without a scope; a reviewer may cancel what KIBO reported,
                // so its refusal on the clerk's event is one of scope).
                let by_role = ["root", "mayor", "officer", "reviewer", "inspector"].contains(viewer)
                    && !(*route == "/api/v1/events/{event}/cancel" && *viewer == "reviewer");
                if *method != "GET" && want == "403" && by_role {
                    let garbled = server.call(method, &path, &headers, Some("{\"unexpected\": "));
                    if garbled.status != 403 {
                        wrong.push(format!("{method} {route} as {viewer:?} with a malformed body: expected 403, got {} {}", garbled.status, garbled.body.chars().take(160).collect::<String>()));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{} cells differ:\n{}", wrong.len(), wrong.join("\n"));
    }
}

both_url! {
    async fn the_openapi_document_describes_exactly_the_routes_the_server_has(db, url) {
        seed(&db).await;
        let server = Server::start(&url, &[]);
        let doc = server.call("GET", "/api/v1/openapi.json", &[], None).json();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut described: Vec<(String, String)> = doc["paths"].as_object().expect("paths").iter()
            .flat_map(|(path, item)| item.as_object().expect("an item").keys().map(move |m| (m.to_ascii_uppercase(), path.clone())))
            .collect();
        described.sort();
        let mut served: Vec<(String, String)> = jumpup_server::route_list().into_iter().map(|(m, p)| (m.to_owned(), p)).collect();
        served.sort();
        assert_eq!(described, served);
        for (method, path) in &served {
            let op = &doc["paths"][path][method.to_ascii_lowercase()];
            assert!(op["summary"].is_string() && op["x-roles"].is_string(), "{method} {path}");
            assert!(op["responses"]["default"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error", "{method} {path}");
        }
    }
}

both_url! {
    async fn a_session_ends_after_its_idle_or_absolute_timeout(db, url) {
        seed(&db).await;
        let server = Server::start(&url, &[]);
        let idle = Browser::login(&server, "clerk", CLERK_PASSWORD);
        let old = Browser::login(&server, "root", ROOT_PASSWORD);
        assert_eq!(idle.get(&server, "/api/v1/session").status, 200);
        // 31 minutes without a request; logged in 13 hours ago though busy since.
        let ago = |minutes: i64| (chrono::Utc::now() - chrono::Duration::minutes(minutes)).to_rfc3339();
        jumpup_store::testing::execute_raw(&db, &format!("update user_session set last_seen_at = '{}' where user_id = (select user_id from app_user where name = 'clerk')", ago(31))).await;
        jumpup_store::testing::execute_raw(&db, &format!("update user_session set created_at = '{}' where user_id = (select user_id from app_user where name = 'root')", ago(13 * 60))).await;
        idle.get(&server, "/api/v1/session").assert_error(401, "unauthenticated");
        old.get(&server, "/api/v1/session").assert_error(401, "unauthenticated");
        // A fresh login works, and sweeps the expired sessions away.
        Browser::login(&server, "clerk", CLERK_PASSWORD);
        assert_eq!(query_texts(&db, "select session_hash from user_session").await.len(), 1);
    }

    async fn two_servers_on_one_database_never_pay_or_credit_twice(db, url) {
        use jumpup_service::imports::FileKind;
        let cast = Cast::new(&db).await;
        let s = Services::start(db.clone(), std::sync::Arc::new(jumpup_service::SystemClock)).await.expect("services");
        let cases = format!("{MONTH_CASES}{},{},연수구,BBB,incheon-jumpup,2025-08-20,G-1,95,1.0,100000000\n{},{},연수구,BBB,incheon-jumpup,2025-08-20,G-2,95,1.0,100000000\n", FIRMS[0].0, FIRMS[0].1, FIRMS[1].0, FIRMS[1].1);
        for (kind, text) in [(FileKind::Cases, cases.as_str()), (FileKind::Loans, MONTH_LOANS), (FileKind::Claims, MONTH_CLAIMS)] {
            let sheet = jumpup_service::interchange::read_bytes(text.as_bytes().to_vec(), false).expect("a sheet");
            s.import_sheet("officer", kind, sheet).await.expect("imported");
        }
        let batch = s.settle_prepare("officer", jumpup_domain::date::parse_date("2025-09-30").expect("a date")).await.expect("a batch");
        // Enough job slots that every approval reaches the database: the race is its to settle.
        let servers = [Server::start(&url, &["--max-jobs", "8"]), Server::start(&url, &["--max-jobs", "8"])];
        let paid_before = s.budgets().await.expect("budgets");
        // The same approval and the same top-up, sent to both servers at once, many times over.
        let results: Vec<(u16, u16, bool)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let (server, cast) = (&servers[i % 2], &cast);
                    let path = format!("/api/v1/settlements/{}/approve", batch.batch_id);
                    scope.spawn(move || {
                        let approve = cast.call(server, "mayor", "POST", &path, None).status;
                        let top_up = cast.call(server, "mayor", "POST", "/api/v1/budgets/incheon-jumpup/top-ups", Some(r#"{"amount_won": 7000000, "reference": "CITY-RACE-1"}"#));
                        (approve, top_up.status, top_up.json()["posted"] == true)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("a client")).collect()
        });
        assert_eq!(results.iter().filter(|(a, _, _)| *a == 200).count(), 1, "one approval: {results:?}");
        assert!(results.iter().all(|(a, _, _)| *a == 200 || *a == 409), "{results:?}");
        assert!(results.iter().all(|(_, t, _)| *t == 200), "{results:?}");
        assert_eq!(results.iter().filter(|(_, _, posted)| *posted).count(), 1, "one top-up: {results:?}");
        let balance = |budgets: &[jumpup_service::budget::ProgramBudget], account: &str| -> i64 {
            budgets.iter().find(|b| b.program_id == "incheon-jumpup").expect("the programme").balances.iter()
                .find(|(a, _)| a.as_str() == account).map_or(0, |(_, w)| w.get())
        };
        let after = s.budgets().await.expect("budgets");
        assert_eq!(balance(&after, "paid") - balance(&paid_before, "paid"), batch.totals.payable_won, "paid once");
        assert_eq!(balance(&after, "funding") - balance(&paid_before, "funding"), 7_000_000, "credited once");
        assert!(s.ledger_check().await.expect("check").ok());
    }
}

both_url! {
    async fn an_admin_imports_a_programme_version_and_the_city_puts_it_in_force(db, url) {
        let cast = Cast::new(&db).await;
        let server = Server::start(&url, &[]);
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../service/programs/incheon-jumpup.toml")).expect("the built-in programme").replace("2025-07-22", "2026-03-01");
        let bad = cast.call(&server, "root", "POST", "/api/v1/programs", Some("id = 5\n"));
        let v = bad.assert_error(422, "invalid");
        assert!(!v["errors"].as_array().expect("errors").is_empty(), "{v}");
        let imported = cast.call(&server, "root", "POST", "/api/v1/programs", Some(&text));
        assert_eq!(imported.status, 201, "{}", imported.body);
        let versions = imported.json()["versions"].clone();
        assert!(versions.as_array().expect("versions").iter().any(|v| v["in_force_from"] == "2026-03-01" && v["stored"] == true), "{versions}");
        let listed = |server: &Server| cast.ok(server, "owner", "GET", "/api/v1/programs", None).as_array().expect("a list").iter().find(|p| p["id"] == "incheon-jumpup").expect("jump-up")["versions"].clone();
        assert!(!listed(&server).as_array().expect("versions").iter().any(|v| v == "2026-03-01"), "pending versions are not in force");
        cast.call(&server, "root", "POST", "/api/v1/programs/incheon-jumpup/versions/2026-03-01/approve", None).assert_error(403, "role_not_allowed");
        let approved = cast.ok(&server, "mayor", "POST", "/api/v1/programs/incheon-jumpup/versions/2026-03-01/approve", None);
        assert_eq!(approved["in_force_from"], "2026-03-01");
        assert!(listed(&server).as_array().expect("versions").iter().any(|v| v == "2026-03-01"));
        let bad = cast.call(&server, "mayor", "POST", "/api/v1/programs/incheon-jumpup/versions/2026-13-01/approve", None);
        assert_eq!(bad.assert_error(422, "invalid")["error"]["field"], "date");
    }
}

both_url! {
    async fn two_servers_racing_approvals_for_the_last_of_the_budget_approve_exactly_what_fits(db, url) {
        use crate::cases::{TestClock, reservation, reviewed_case, setup, test_programme};
        use jumpup_domain::workflow::State;
        const CASES: usize = 40;
        const FITS: usize = 20;
        // The servers approve on today's date (their own clock); the budget fits 20 and a half.
        let today = jumpup_service::korea_date(chrono::Utc::now()).to_string();
        let each = reservation(500_000_000, &today).get();
        let s = setup(db.clone(), TestClock::on("2025-09-01"), &test_programme(each * FITS as i64 + each / 2, 1_000_000_000_000)).await;
        let mut ids = Vec::new();
        for _ in 0..CASES {
            ids.push(reviewed_case(&s, 500_000_000).await);
        }
        let auth = format!("Bearer {}", s.issue_token("root", "officer").await.expect("a token"));
        // Enough job slots that every approval reaches the database: the race is its to settle.
        let servers = [Server::start(&url, &["--max-jobs", "8"]), Server::start(&url, &["--max-jobs", "8"])];
        // Eight clients at once, alternating servers, each approving every eighth case.
        let results: Vec<(usize, u16, String)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|client| {
                    let (ids, auth, servers) = (&ids, &auth, &servers);
                    scope.spawn(move || {
                        ids.iter().skip(client).step_by(8).map(|id| {
                            let server = client % 2;
                            let r = servers[server].call("POST", &format!("/api/v1/cases/{id}/approve"), &[("Authorization", auth)], None);
                            let state = r.json()["state"].as_str().unwrap_or_default().to_owned();
                            (server, r.status, state)
                        }).collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().expect("a client")).collect()
        });
        assert!(results.iter().all(|(_, status, _)| *status == 200), "{results:?}");
        let approved_by = |server: usize| results.iter().filter(|(s, _, state)| *s == server && state == "approved").count();
        assert!(approved_by(0) >= 1 && approved_by(1) >= 1, "both servers approved: {results:?}");
        assert_eq!(approved_by(0) + approved_by(1), FITS, "{results:?}");
        assert_eq!(results.iter().filter(|(_, _, state)| state == "waitlisted").count(), CASES - FITS);
        let approved = s.read_cases("mayor", None, Some(State::Approved), 0, 200).await.expect("list").len();
        assert_eq!(approved, FITS);
        let budget = s.budgets().await.expect("budgets").into_iter().find(|b| b.program_id == "test-city").expect("the budget");
        assert_eq!(budget.check, Ok(()));
        let reserved = budget.balances.iter().find(|(a, _)| a.as_str() == "reserved").expect("reserved").1;
        assert_eq!(reserved.get(), each * FITS as i64);
        assert_eq!(s.misplaced_reservations().await.expect("check"), Vec::new());
    }
}
