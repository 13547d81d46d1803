//! Command-line interface: arguments (clap), subcommands, messages in French or English.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use chatons_audit::catalogue::Lang;

/// `println!` for command output: a reader that went away (`chatons-audit checks | head`)
/// ends the program quietly, as SIGPIPE ends a C tool, instead of a panic.
macro_rules! outln {
    () => {
        $crate::cli::stdout::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::stdout::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` counterpart of [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::stdout::write(format_args!($($arg)*))
    };
}

mod audit;
mod catalogue_cmds;
mod demo;
mod input;
mod messages;
mod output;
mod progress;

pub use messages::Messages;

/// Checks from the outside whether CHATONS members keep the charter, and publishes the evidence.
#[derive(Debug, Parser)]
#[command(name = "chatons-audit", version, about, long_about = None)]
pub struct Cli {
    /// Language of messages and reports: fr or en (default: from LANG, else en).
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,
    /// No progress bar and no summary table; errors only.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// `--lang` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    /// Français.
    Fr,
    /// English.
    En,
}

/// The subcommands.
// Parsed once per process; the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit members: probe their services, judge, score and write results and reports.
    Audit(audit::AuditArgs),
    /// Validate a members file, ChatonsInfos properties file or librehost.json, reporting every
    /// problem with its line and column.
    Validate(ValidateArgs),
    /// List the checks of the catalogue.
    Checks,
    /// Explain one check: the commitment it serves, why it matters, how to fix it.
    Explain(ExplainArgs),
    /// Render reports again from a results JSON file, offline.
    Report(output::ReportArgs),
    /// Build the static scorecard site from a results JSON file.
    Site(output::SiteArgs),
    /// Compare two results files: new failures, fixed items, changed scores.
    Diff(output::DiffArgs),
    /// Start the built-in fixture world on loopback, audit its chatons and write the reports.
    Demo(demo::DemoArgs),
    /// The loopback fixture world.
    World(demo::WorldArgs),
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files or URLs to validate.
    #[arg(required = true)]
    pub inputs: Vec<String>,
    #[command(flatten)]
    pub net: audit::NetArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The check ID, e.g. tls.certificate-valid.
    pub check: String,
}

/// Standard output for [`outln!`] and [`out!`].
pub mod stdout {
    use std::io::Write as _;

    /// Writes to stdout. A closed pipe exits with code 0 (the reader has what it wanted);
    /// any other write error exits with code 2, saying so on stderr.
    pub fn write(args: std::fmt::Arguments<'_>) {
        let mut out = std::io::stdout().lock();
        if let Err(err) = out.write_fmt(args).and_then(|()| out.flush()) {
            if err.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(i32::from(super::exit::CLEAN));
            }
            eprintln!("error: writing to standard output: {err}");
            std::process::exit(i32::from(super::exit::ERROR));
        }
    }
}

/// Exit codes, as in ripgrep: 0 clean, 1 a verdict at or above `--fail-on`, 2 tool failure.
pub mod exit {
    /// No verdict at or above `--fail-on`.
    pub const CLEAN: u8 = 0;
    /// At least one verdict at or above `--fail-on` (or a regression for `diff`).
    pub const FINDINGS: u8 = 1;
    /// The tool could not do its job.
    pub const ERROR: u8 = 2;
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = match cli.lang {
        Some(LangArg::Fr) => Lang::Fr,
        Some(LangArg::En) => Lang::En,
        None => std::env::var("LC_ALL")
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| std::env::var("LANG").ok())
            .map_or(Lang::En, |v| Lang::from_locale(&v)),
    };
    let messages = Messages::new(lang);
    let ui = Ui {
        lang,
        quiet: cli.quiet,
        messages,
        interactive: std::io::stderr().is_terminal(),
    };
    let outcome = match cli.command {
        Command::Audit(args) => audit::run(args, &ui),
        Command::Validate(args) => input::validate(args, &ui),
        Command::Checks => catalogue_cmds::list(&ui),
        Command::Explain(args) => catalogue_cmds::explain(&args.check, &ui),
        Command::Report(args) => output::report(args, &ui),
        Command::Site(args) => output::site(args, &ui),
        Command::Diff(args) => output::diff(args, &ui),
        Command::Demo(args) => demo::demo(args, &ui),
        Command::World(args) => demo::world(args, &ui),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("{}: {error:#}", ui.messages.error());
            ExitCode::from(exit::ERROR)
        }
    }
}

/// What every command needs to talk to the user.
pub struct Ui {
    /// Language of messages and reports.
    pub lang: Lang,
    /// `--quiet`.
    pub quiet: bool,
    /// Localised messages.
    pub messages: Messages,
    /// stderr is a terminal (progress bars only then).
    pub interactive: bool,
}

/// Where a command writes its files by default.
pub fn default_out_dir() -> PathBuf {
    PathBuf::from("chatons-report")
}
