//! The `jumpup` command: argument parsing, rendering to a terminal and progress, over the
//! services (`jumpup-service`), the server (`jumpup-server`) and the benchmarks and demo
//! (`jumpup-bench`). The only crate that knows the command line.

mod cli;
mod render;

/// mimalloc serves Rust's allocations and, through its `override` feature, SQLite's: sqlx copies
/// every value on its worker thread and frees it on ours, and glibc's allocator makes each such
/// free queue for the other thread's arena lock (a 1,000,000-line export took three times as
/// long).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
