//! The `chatons-audit` command: the edge of the program. It parses arguments, calls the library
//! and maps the outcome to an exit code: 0 when no verdict reaches `--fail-on`, 1 when one does,
//! 2 when the tool could not do its job.

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    cli::main()
}
