//! Pages in a real browser: headless Chromium driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`), clicking and typing as a person would, against a real `jumpup serve`.
//! Each step's screenshot is saved under `target/screenshots/` as a test artifact. Without
//! Chromium the tests say so and pass, unless `JUMPUP_REQUIRE_BROWSER=1` (as `.ci/run` sets,
//! after installing it), when they fail.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::TempDir;

const DRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A WebDriver session in headless Chromium, ended (and its driver stopped) when dropped.
pub(crate) struct Browser {
    driver: Child,
    port: u16,
    session: String,
    shots: std::path::PathBuf,
    taken: usize,
    _profile: TempDir,
}

/// Chromium and its driver, if installed; a test without them passes saying so, unless the
/// browser is required.
pub(crate) fn available() -> bool {
    let here = std::path::Path::new(DRIVER).is_file() && std::path::Path::new(CHROMIUM).is_file();
    if !here {
        assert!(
            std::env::var("JUMPUP_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "JUMPUP_REQUIRE_BROWSER=1 but {CHROMIUM} or {DRIVER} is missing: apt-get install chromium chromium-driver"
        );
        eprintln!("no Chromium here: the browser test is not run");
    }
    here
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One WebDriver command: its `value`, or a panic naming the command and the driver's error.
fn command(port: u16, method: &str, path: &str, body: Option<&Value>) -> Value {
    try_command(port, method, path, body).unwrap_or_else(|e| panic!("{method} {path} failed: {e}"))
}

/// One WebDriver command: its `value`, or the driver's error.
fn try_command(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("the driver");
    let body = body.map(Value::to_string).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("a read timeout");
    stream
        .write_all(request.as_bytes())
        .expect("send to the driver");
    // The driver may keep the connection open: read the head, then Content-Length bytes.
    let mut raw = Vec::new();
    let mut byte = [0u8; 1];
    while !raw.ends_with(b"\r\n\r\n") {
        let n = stream
            .read(&mut byte)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert_eq!(n, 1, "{method} {path}: the driver closed the connection");
        raw.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&raw).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{method} {path}: no Content-Length in {head}"));
    let mut body = vec![0u8; length];
    stream
        .read_exact(&mut body)
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let rest = String::from_utf8_lossy(&body).into_owned();
    let value: Value =
        serde_json::from_str(&rest).unwrap_or_else(|e| panic!("{method} {path}: {e}: {rest}"));
    if head.starts_with("http/1.1 200") {
        Ok(value["value"].clone())
    } else {
        Err(value["value"].to_string())
    }
}

/// Decodes standard base64 (a screenshot).
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let sextets: Vec<u8> = text.bytes().filter_map(value).collect();
    sextets
        .chunks(4)
        .flat_map(|c| {
            let n = c.iter().fold(0u32, |acc, s| acc << 6 | u32::from(*s)) << (6 * (4 - c.len()));
            let bytes = n.to_be_bytes();
            bytes[1..c.len()].to_vec()
        })
        .collect()
}

impl Browser {
    /// Starts the driver and a headless Chromium with a fresh profile; screenshots go to
    /// `target/screenshots/NAME/`.
    pub(crate) fn start(name: &str) -> Browser {
        let port = free_port();
        let driver = Command::new(DRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = TempDir::new();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
        }}});
        let session = command(port, "POST", "/session", Some(&caps))["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned();
        let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/screenshots")
            .join(name);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).expect("a screenshot directory");
        Browser {
            driver,
            port,
            session,
            shots,
            taken: 0,
            _profile: profile,
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        command(
            self.port,
            method,
            &format!("/session/{}{path}", self.session),
            body.as_ref(),
        )
    }

    pub(crate) fn open(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    fn element(&self, css: &str) -> String {
        let found = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned()
    }

    /// Types `text` into the field `css` (after clearing it).
    pub(crate) fn fill(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.call("POST", &format!("/element/{id}/clear"), Some(json!({})));
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// Resizes the window (a phone's screen, say).
    pub(crate) fn resize(&self, width: u32, height: u32) {
        self.call(
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        );
    }

    /// Whether the page is wider than the window (a reader would have to scroll sideways; a
    /// wide table scrolls inside its own box instead).
    pub(crate) fn overflows(&self) -> bool {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({
                "script": "return document.documentElement.scrollWidth > window.innerWidth;",
                "args": [],
            })),
        )
        .as_bool()
        .expect("a boolean")
    }

    /// Chooses the file at `path` in the file input `css`.
    pub(crate) fn attach(&self, css: &str, path: &std::path::Path) {
        let id = self.element(css);
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({ "text": path.to_string_lossy() })),
        );
    }

    pub(crate) fn click(&self, css: &str) {
        let id = self.element(css);
        self.call("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    /// The page's text as a person reads it (empty while a page is loading).
    pub(crate) fn text(&self) -> String {
        let session = format!("/session/{}", self.session);
        let css = json!({"using": "css selector", "value": "body"});
        try_command(self.port, "POST", &format!("{session}/element"), Some(&css))
            .ok()
            .and_then(|found| {
                found
                    .as_object()?
                    .values()
                    .next()?
                    .as_str()
                    .map(str::to_owned)
            })
            .and_then(|id| {
                try_command(
                    self.port,
                    "GET",
                    &format!("{session}/element/{id}/text"),
                    None,
                )
                .ok()
            })
            .and_then(|t| t.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// Waits (up to ten seconds) until the page's text holds `needle`; the text.
    pub(crate) fn wait_for(&self, needle: &str) -> String {
        let started = Instant::now();
        loop {
            let text = self.text();
            if text.contains(needle) {
                return text;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the page never said {needle:?}: {text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The path of the page shown (with its query).
    pub(crate) fn path(&self) -> String {
        let url = self.call("GET", "/url", None);
        let url = url.as_str().unwrap_or_default();
        url.splitn(4, '/')
            .nth(3)
            .map(|p| format!("/{p}"))
            .unwrap_or_default()
    }

    /// Saves a screenshot of the page as `NN-step.png`.
    pub(crate) fn shot(&mut self, step: &str) {
        self.taken += 1;
        let png = base64(
            self.call("GET", "/screenshot", None)
                .as_str()
                .expect("a screenshot"),
        );
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        std::fs::write(
            self.shots.join(format!("{:02}-{step}.png", self.taken)),
            png,
        )
        .expect("save the screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = std::panic::catch_unwind(|| {
            command(
                self.port,
                "DELETE",
                &format!("/session/{}", self.session),
                None,
            )
        });
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

#[test]
fn base64_decodes_what_it_should() {
    assert_eq!(base64("aGVsbG8="), b"hello");
    assert_eq!(base64("aGVsbG8gd29ybGQ="), b"hello world");
    assert_eq!(base64("AAEC"), [0, 1, 2]);
}
