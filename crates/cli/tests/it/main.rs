//! The application's integration tests, one binary: the spec's examples, corner cases of
//! RULES.md, QUOTE.md's errors, programme files, the command line and the benchmark.

mod backup;
mod badfiles;
mod bench;
mod browser;
mod cases;
mod cli;
mod corners;
mod demo;
mod errors;
mod examples;
mod imports;
mod integrity;
mod layers;
mod months;
mod openapi;
mod pages;
mod programs;
mod race;
mod records;
mod server;
mod settle;
mod story;
mod support;
