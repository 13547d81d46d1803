//! Writing results and reports: `--out`, `--format`, and the `report`, `site` and `diff`
//! commands that work offline from a results file.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, ValueEnum};

use chatons_audit::catalogue::Catalogue;
use chatons_audit::catalogue::Lang;
use chatons_audit::report::document::{self, DocFormat};
use chatons_audit::report::{Results, Templates, diff, github, json, junit, sarif, site, summary};

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
    /// Exit with code 1 when a verdict at or above this level is in the results.
    #[arg(long, value_enum, default_value_t = super::audit::FailOn::Never)]
    pub fail_on: super::audit::FailOn,
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

/// Writes every requested format into `args.out`.
pub fn write(
    results: &Results,
    args: &OutputArgs,
    catalogue: &Catalogue,
    ui: &Ui,
) -> anyhow::Result<()> {
    let out = &args.out;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let templates = match &args.templates {
        Some(dir) => Templates::with_overrides(dir)?,
        None => Templates::embedded()?,
    };
    let save = |name: &str, text: &str| -> anyhow::Result<()> {
        let path = out.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    };
    for format in &args.format {
        match format {
            Format::Json => save("results.json", &json::to_json(results))?,
            Format::Html | Format::Md => {
                let doc = if *format == Format::Html {
                    DocFormat::Html
                } else {
                    DocFormat::Markdown
                };
                for member in &results.members {
                    for lang in Lang::ALL {
                        let text = document::render(
                            results, catalogue, &member.id, lang, doc, &templates,
                        )?;
                        save(&document::file_name(&member.id, lang, doc), &text)?;
                    }
                }
            }
            Format::Sarif => save("results.sarif", &sarif::to_string(results, catalogue))?,
            Format::Junit => save("junit.xml", &junit::to_string(results, catalogue)?)?,
            Format::Github => out!("{}", github::to_string(results, catalogue)),
            Format::Summary => save(
                "summary.md",
                &summary::to_string(results, catalogue, ui.lang),
            )?,
            Format::Site => {
                site::build_with(results, catalogue, &templates, &out.join("site"))?;
            }
        }
    }
    if !ui.quiet {
        eprintln!("{} {}", ui.messages.results_written(), out.display());
    }
    Ok(())
}

fn read_results(path: &std::path::Path) -> anyhow::Result<Results> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    json::from_json(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

pub fn report(args: ReportArgs, ui: &Ui) -> anyhow::Result<u8> {
    let results = read_results(&args.results)?;
    let catalogue = super::audit::load_catalogue(None)?;
    write(&results, &args.output, &catalogue, ui)?;
    Ok(super::audit::exit_code(&results, args.fail_on))
}

pub fn site(args: SiteArgs, ui: &Ui) -> anyhow::Result<u8> {
    let results = read_results(&args.results)?;
    let catalogue = super::audit::load_catalogue(None)?;
    site::build(&results, &catalogue, &args.out)?;
    if !ui.quiet {
        eprintln!(
            "{} {}",
            ui.messages.open_report(),
            args.out.join("index.html").display()
        );
    }
    Ok(exit::CLEAN)
}

pub fn diff(args: DiffArgs, _ui: &Ui) -> anyhow::Result<u8> {
    let old = read_results(&args.old)?;
    let new = read_results(&args.new)?;
    let compared = diff::compare(&old, &new);
    out!("{}", compared.to_text());
    let regression = compared.is_regression(diff::Threshold::Fail);
    Ok(if args.fail_on_regression && regression {
        exit::FINDINGS
    } else {
        exit::CLEAN
    })
}
