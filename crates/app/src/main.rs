/// mimalloc serves Rust's allocations and, through its `override` feature, SQLite's: sqlx copies
/// every value on its worker thread and frees it on ours, and glibc's allocator makes each such
/// free queue for the other thread's arena lock (a 1,000,000-line export took three times as
/// long).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    jumpup::cli::main()
}
