//! The files the pages use that we did not write: the government's design system (KRDS,
//! krds.go.kr, the npm package `krds-uiux`), its style sheets, the icons they name and the
//! Pretendard GOV fonts, embedded at build time from `vendor/krds/` (see `build.rs` and
//! `scripts/refresh-krds`) and served under `/static/krds/`, their paths as in the package.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

include!(concat!(env!("OUT_DIR"), "/krds_files.rs"));

/// The embedded file at `path` (as under `vendor/krds/`).
pub fn krds_file(path: &str) -> Option<&'static [u8]> {
    KRDS_FILES
        .iter()
        .find(|(p, ..)| *p == path)
        .map(|(.., bytes)| *bytes)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// `GET /static/krds/{*path}`: a KRDS file, kept by browsers for a day.
pub async fn krds(Path(path): Path<String>) -> Response {
    match krds_file(&path) {
        Some(bytes) => (
            [
                (header::CONTENT_TYPE, content_type(&path)),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_file_is_the_one_its_checksum_names() {
        assert!(KRDS_FILES.len() > 10, "the style sheets, icons and fonts");
        for (path, sum, bytes) in KRDS_FILES {
            assert_eq!(
                jumpup_domain::digest::sha256_hex(bytes),
                *sum,
                "{path} differs from vendor/krds/SHA256SUMS"
            );
        }
    }

    /// Every file a served style sheet refers to (`url(...)`, `@import`) is served too, so no
    /// page asks for a file that is not there.
    #[test]
    fn every_file_the_style_sheets_name_is_served() {
        let mut missing = Vec::new();
        for (path, _, bytes) in KRDS_FILES.iter().filter(|(p, ..)| p.ends_with(".css")) {
            let text = std::str::from_utf8(bytes).expect("a style sheet is text");
            let dir: Vec<&str> = path.split('/').collect();
            let dir = &dir[..dir.len() - 1];
            for target in references(text) {
                let mut at: Vec<&str> = dir.to_vec();
                for part in target.split('/') {
                    match part {
                        ".." => {
                            at.pop();
                        }
                        "." => {}
                        part => at.push(part),
                    }
                }
                let resolved = at.join("/");
                if krds_file(&resolved).is_none() {
                    missing.push(format!("{path} -> {target}"));
                }
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }

    fn references(css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (i, _) in css.match_indices("url(") {
            let rest = &css[i + 4..];
            let end = rest.find(')').expect("a url(...) is closed");
            let target = rest[..end].trim_matches(['"', '\'']);
            if !target.starts_with("data:") {
                out.push(target.to_owned());
            }
        }
        for (i, _) in css.match_indices("@import \"") {
            let rest = &css[i + 9..];
            out.push(rest[..rest.find('"').expect("closed")].to_owned());
        }
        out
    }

    #[test]
    fn the_fonts_the_site_names_are_served() {
        let site = include_str!("pages/site.css");
        for weight in ["Regular", "Medium", "Bold"] {
            let path = format!("fonts/PretendardGOV-{weight}.subset.woff2");
            assert!(site.contains(&path), "site.css names {path}");
            assert!(krds_file(&path).is_some(), "{path} is served");
        }
    }
}
