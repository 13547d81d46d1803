//! Writing results and reports: `--out`, `--format`, and the `report`, `site` and `diff`
//! commands that work offline from a results file.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, ValueEnum};

use chatons_audit::catalogue::Catalogue;
use chatons_audit::report::Results;

use super::{Ui, default_out_dir, exit};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// results.json (schema v1).
    Json,
    /// Per-member HTML transparency reports.
    Html,
    /// Per-member Markdown transparency reports.
    Md,
    /// SARIF 2.1.0 for code-scanning dashboards.
    Sarif,
    /// JUnit XML for CI test reports.
    Junit,
    /// GitHub workflow annotations, on stdout.
    Github,
    /// Markdown job summary.
    Summary,
    /// The static scorecard site.
    Site,
}

#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Directory for results and reports.
    #[arg(long, short, value_name = "DIR", default_value_os_t = default_out_dir())]
    pub out: PathBuf,
    /// Formats to write; comma-separated or repeated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Format::Json, Format::Html, Format::Md])]
    pub format: Vec<Format>,
    /// Accepted exceptions (waivers) file.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// Read report templates from this directory instead of the embedded ones.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A results.json written by `audit`.
    pub results: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct SiteArgs {
    /// A results.json written by `audit`.
    pub results: PathBuf,
    /// Directory for the site.
    #[arg(long, short, value_name = "DIR", default_value = "chatons-site")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier results.json.
    pub old: PathBuf,
    /// The later results.json.
    pub new: PathBuf,
    /// Exit with code 1 when the new results have failures the old ones did not.
    #[arg(long)]
    pub fail_on_regression: bool,
}

/// Writes every requested format; returns the results as reported (waivers applied).
pub fn write(
    results: &Results,
    args: &OutputArgs,
    _catalogue: &Catalogue,
    ui: &Ui,
) -> anyhow::Result<Results> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let json_path = args.out.join("results.json");
    let json = serde_json::to_string_pretty(results).context("serialising results")?;
    std::fs::write(&json_path, json + "\n")
        .with_context(|| format!("writing {}", json_path.display()))?;
    if !ui.quiet {
        eprintln!("{} {}", ui.messages.results_written(), args.out.display());
    }
    Ok(results.clone())
}

fn read_results(path: &std::path::Path) -> anyhow::Result<Results> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

pub fn report(args: ReportArgs, ui: &Ui) -> anyhow::Result<u8> {
    let results = read_results(&args.results)?;
    let catalogue = super::audit::load_catalogue(None)?;
    write(&results, &args.output, &catalogue, ui)?;
    Ok(exit::CLEAN)
}

pub fn site(args: SiteArgs, _ui: &Ui) -> anyhow::Result<u8> {
    let _results = read_results(&args.results)?;
    anyhow::bail!("the scorecard site is not built yet")
}

pub fn diff(args: DiffArgs, _ui: &Ui) -> anyhow::Result<u8> {
    let _old = read_results(&args.old)?;
    let _new = read_results(&args.new)?;
    anyhow::bail!("diff is not built yet")
}
