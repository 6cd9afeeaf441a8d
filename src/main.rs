fn main() -> std::process::ExitCode {
    shipwindow::cli::main()
}
