//! Bad bank files on both databases: empty, wrong headers, wrong types, keys repeated in one
//! file, 50 MB of garbage, an XLSX that is not a spreadsheet, a zip bomb. Each is refused with
//! a clear error naming the file or row and field, without a panic, and nothing is stored: the
//! audit head (every stored file writes an entry) is unchanged.

use std::io::Write;

use jumpup_store::both_url;

use crate::imports::{run, settlement, users};
use crate::support::{TempDir, stderr, stdout};

const CLAIMS: &str = "bank_code,loan_no,period_from,period_to,claimed_won\n";

fn head(url: &str) -> String {
    let out = run(url, &["audit", "head"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

/// A workbook whose one sheet declares 1.1 GiB of zeros, compressed to about a megabyte.
fn zip_bomb(dir: &TempDir) -> std::path::PathBuf {
    let path = dir.path().join("bomb.xlsx");
    let file = std::fs::File::create(&path).expect("create");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("xl/worksheets/sheet1.xml", options)
        .expect("entry");
    let chunk = vec![b'0'; 1024 * 1024];
    for _ in 0..1100 {
        zip.write_all(&chunk).expect("write");
    }
    zip.finish().expect("finish");
    path
}

fn garbage(dir: &TempDir) -> std::path::PathBuf {
    // A deterministic byte soup (xorshift), 50 MB.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut bytes = Vec::with_capacity(50_000_000);
    while bytes.len() < 50_000_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    let path = dir.path().join("garbage.csv");
    std::fs::write(&path, bytes).expect("write");
    path
}

both_url! {
    async fn bad_files_are_refused_with_clear_errors_and_nothing_stored(db, url) {
        users(&url);
        for code in ["004", "011", "020", "088"] {
            let out = run(&url, &["bank", "add", code, "은행", "--actor", "root"]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        }
        let out = run(&url, &["import", "cases", &settlement("cases.csv"), "--actor", "officer"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let dir = TempDir::new();
        let before = head(&url);
        let text_cases: Vec<(&str, String, &str, &str)> = vec![
            ("claims", String::new(), "empty.csv", "file: is empty"),
            ("claims", "foo,bar\n1,2\n".into(), "headers.csv", "file: missing column bank_code (은행코드)"),
            ("claims", format!("{CLAIMS}004,L1,2026-03-01,2026-03-31,abc\n"), "types.csv", "row 2, claimed_won: must be a positive integer"),
            ("claims", format!("{CLAIMS}004,L1,2026-03-01,2026-03-31,5\n004,L1,2026-03-01,2026-03-31,6\n"), "repeated.csv", "row 3, revision: repeats row 2"),
            ("loans", "bank_code,loan_no,guarantee_no,principal_won,annual_rate_pct,executed_on,maturity_on\n004,L1,KB202500001,100,4.5,2025-13-01,2026-01-01\n".into(), "loans.csv", "row 2, executed_on:"),
            ("events", "bank_code,loan_no,on,kind,amount_won,annual_rate_pct\n004,L0001-4157,2025-11-01,holiday,,\n".into(), "events.csv", "row 2, kind:"),
            ("claims", "not a workbook".into(), "text.xlsx", "file: not a readable XLSX workbook"),
        ];
        for (kind, text, name, expected) in &text_cases {
            let path = dir.write(name, text);
            let out = run(&url, &["import", kind, path.to_str().expect("utf-8"), "--actor", "officer"]);
            assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
            assert!(stderr(&out).contains(expected), "{name}: {}", stderr(&out));
            assert!(!stderr(&out).contains("panicked"), "{name}");
        }
        let path = garbage(&dir);
        let out = run(&url, &["import", "claims", path.to_str().expect("utf-8"), "--actor", "officer"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("file: is neither UTF-8 nor CP949 text"), "{}", stderr(&out));
        let xlsx = dir.path().join("garbage.xlsx");
        std::fs::rename(&path, &xlsx).expect("rename");
        let out = run(&url, &["import", "loans", xlsx.to_str().expect("utf-8"), "--actor", "officer"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("file: not a readable XLSX workbook"), "{}", stderr(&out));
        let bomb = zip_bomb(&dir);
        assert!(std::fs::metadata(&bomb).expect("size").len() < 8 * 1024 * 1024);
        let out = run(&url, &["import", "events", bomb.to_str().expect("utf-8"), "--actor", "officer"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("file: decompresses to more than 1024 MiB"), "{}", stderr(&out));
        // A file of many bad rows: the first 1,000 problems by row, and how many there are.
        let many = dir.write("many.csv", &format!("{CLAIMS}{}", "004,L1,2026-03-01,2026-03-31,abc\n".repeat(3000)));
        let out = run(&url, &["import", "claims", many.to_str().expect("utf-8"), "--actor", "officer", "--json"]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let report: serde_json::Value = serde_json::from_str(&crate::support::stdout(&out)).expect("JSON");
        assert_eq!(report["errors"].as_array().map(Vec::len), Some(1000), "{report}");
        assert_eq!(report["errors_total"], 3000);
        assert_eq!((report["errors"][0]["row"].as_u64(), report["errors"][999]["row"].as_u64()), (Some(2), Some(1001)));
        assert!(stderr(&out).contains("3000 problems in all; the first 1000 by row are listed"), "{}", stderr(&out));
        assert_eq!(stderr(&out).lines().filter(|l| l.starts_with("row ")).count(), 1000);
        assert_eq!(head(&url), before, "nothing was stored");
        let _ = &db;
    }
}
