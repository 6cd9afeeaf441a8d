//! The `shipwindow` binary: everything is in the library's `cli`, which turns
//! flags into a request and the answer into output and an exit code.

/// A short-lived `check` on a large policy set spends a third of its time in
/// the system allocator (its many small values and the page faults behind
/// them); with mimalloc the whole run takes about a third less. The library
/// leaves the choice to whoever links it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    shipwindow::cli::main()
}
