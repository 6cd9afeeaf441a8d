//! The `shipwindow` binary: everything is in the library's `cli`, which turns
//! flags into a request and the answer into output and an exit code.

fn main() -> std::process::ExitCode {
    shipwindow::cli::main()
}
