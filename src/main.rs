//! The `blackstart` command-line interface.

// No panics on user input in library code (issue 11): errors are typed.
// `unwrap` is linted workspace-wide (Cargo.toml); tests may use all of these.
#![cfg_attr(
    not(test),
    warn(
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
