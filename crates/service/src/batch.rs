//! `jumpup quote --json --batch`: one QUOTE.md case per line in, one JSON result per line out,
//! in input order, quoted on all cores block by block so memory stays bounded for any input.

use std::io::Write;

use jumpup_domain::program::Catalog;
use jumpup_domain::quote::quote;

use crate::BadInput;
use crate::quote_json::{self, Detail, Problem};

/// What a batch of cases produced: the problems of the refused lines, by line number.
#[derive(Debug, Default)]
pub struct BatchReport {
    pub quoted: usize,
    pub problems: Vec<(usize, Problem)>,
}

/// Lines read and quoted together; bounds memory whatever the input's size.
const BATCH_BLOCK_LINES: usize = 16_384;

/// Quotes one case per non-empty line on all cores and writes one JSON result per line, in
/// input order: the quote, or QUOTE.md's error object for a refused case. Reads and writes
/// block by block, so memory stays bounded for any input.
pub fn quote_lines(
    catalog: &Catalog,
    input: impl std::io::BufRead,
    detail: Detail,
    out: &mut impl Write,
) -> anyhow::Result<BatchReport> {
    let threads = crate::worker_threads(None);
    let mut total = BatchReport::default();
    // Lines as bytes: a line that is not UTF-8 is refused on its own, like any bad case.
    let mut lines = input.split(b'\n').enumerate();
    loop {
        let mut block: Vec<(usize, Vec<u8>)> = Vec::with_capacity(BATCH_BLOCK_LINES);
        for (i, line) in lines.by_ref() {
            let mut line =
                line.map_err(|e| BadInput(format!("CASE: cannot read line {}: {e}", i + 1)))?;
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if !line.trim_ascii().is_empty() {
                block.push((i + 1, line));
            }
            if block.len() == BATCH_BLOCK_LINES {
                break;
            }
        }
        if block.is_empty() {
            return Ok(total);
        }
        let chunk = block.len().div_ceil(threads);
        let parts: Vec<(Vec<u8>, BatchReport)> = std::thread::scope(|s| {
            let workers: Vec<_> = block
                .chunks(chunk)
                .map(|part| s.spawn(move || quote_block(catalog, part, detail)))
                .collect();
            workers
                .into_iter()
                .map(|w| {
                    w.join()
                        .expect("invariant: a quoting thread does not panic")
                })
                .collect()
        });
        for (bytes, report) in parts {
            out.write_all(&bytes)?;
            total.quoted += report.quoted;
            total.problems.extend(report.problems);
        }
    }
}

fn quote_block(
    catalog: &Catalog,
    lines: &[(usize, Vec<u8>)],
    detail: Detail,
) -> (Vec<u8>, BatchReport) {
    let mut bytes = Vec::with_capacity(lines.len() * 1024);
    let mut report = BatchReport::default();
    for (number, line) in lines {
        let written = match quote_json::parse_bytes(line, catalog) {
            Ok(request) => {
                report.quoted += 1;
                serde_json::to_writer(
                    &mut bytes,
                    &quote_json::to_json(&request, &quote(&request.input), detail),
                )
            }
            Err(problems) => {
                let written = serde_json::to_writer(&mut bytes, &quote_json::error_json(&problems));
                report
                    .problems
                    .extend(problems.into_iter().map(|p| (*number, p)));
                written
            }
        };
        written.expect("invariant: serialising to memory cannot fail");
        bytes.push(b'\n');
    }
    (bytes, report)
}
