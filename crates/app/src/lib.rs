//! The `jumpup` application: programme files, the quote contract, readable output, the
//! benchmark and the command line. The calculation itself lives in `jumpup-domain`.

pub mod batch;
pub mod bench;
pub mod bench_settle;
pub mod cli;
pub mod export;
pub mod fields;
pub mod http;
pub mod i18n;
pub mod interchange;
pub mod programs;
pub mod quote_json;
pub mod render;
pub mod service;
pub mod web;

/// Today in Korea (UTC+9): the only clock read, at the edge.
pub fn today() -> jumpup_domain::Date {
    let korea =
        chrono::FixedOffset::east_opt(9 * 3600).expect("invariant: +09:00 is a valid offset");
    chrono::Utc::now().with_timezone(&korea).date_naive()
}

/// Worker threads for bulk work: the number asked for, or one per core.
pub fn worker_threads(requested: Option<usize>) -> usize {
    requested
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1)
}
