fn main() -> std::process::ExitCode {
    jumpup::cli::main()
}
