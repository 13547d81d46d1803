//! `chatons-audit audit`: load, plan, probe (or replay), judge, score, write.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};

use chatons_audit::audit::{self, SavedRun};
use chatons_audit::catalogue::Catalogue;
use chatons_audit::config::Config;
use chatons_audit::finding::Verdict;
use chatons_audit::report::Results;

use super::{Ui, exit, input, output, progress};

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// What to audit: a members file (YAML), a ChatonsInfos properties file (path or https URL,
    /// organisation or federation), or a librehost.json. Not needed with --replay.
    #[arg(required_unless_present = "replay")]
    pub input: Option<String>,
    /// Judge again the observations saved by --save-observations, with no network access.
    #[arg(long, value_name = "FILE", conflicts_with = "input")]
    pub replay: Option<PathBuf>,
    /// Save every observation (and the declarations) to FILE for --replay.
    #[arg(long, value_name = "FILE")]
    pub save_observations: Option<PathBuf>,
    #[command(flatten)]
    pub output: output::OutputArgs,
    /// Exit with code 1 when a verdict at or above this level is found.
    #[arg(long, value_enum, default_value_t = FailOn::Fail)]
    pub fail_on: FailOn,
    /// Run only the checks matching these IDs or prefixes (`tls.*`); repeatable.
    #[arg(long, value_name = "CHECK")]
    pub only: Vec<String>,
    /// Thresholds file (YAML): certificate_expiry_warn_days, hsts_min_age_days, …
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Read the catalogue from this directory instead of the embedded one.
    #[arg(long, value_name = "DIR")]
    pub catalogue: Option<PathBuf>,
    /// EasyList/EasyPrivacy-syntax filter list to match third-party requests; repeatable.
    #[arg(long = "filter-list", value_name = "FILE")]
    pub filter_lists: Vec<PathBuf>,
    #[command(flatten)]
    pub net: NetArgs,
}

/// Network settings shared by every command that probes.
#[derive(Debug, Args, Clone, Default)]
pub struct NetArgs {
    /// Resolve names with this DNS server (ADDR:PORT) instead of the system's.
    #[arg(long, value_name = "ADDR:PORT")]
    pub dns_server: Option<std::net::SocketAddr>,
    /// curl-style override HOST:PORT:ADDR:PORT applied to every probe; repeatable. Over IPv6,
    /// a rule to an IPv4 ADDR keeps the host's AAAA addresses and uses the rule's PORT.
    #[arg(long, value_name = "HOST:PORT:ADDR:PORT")]
    pub connect_to: Vec<String>,
    /// Extra trusted root certificates (PEM); repeatable.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Vec<PathBuf>,
    /// DNSKEY records (presentation format) to use as DNSSEC trust anchors instead of the
    /// root's, e.g. for a private test zone.
    #[arg(long, value_name = "FILE")]
    pub dnssec_trust_anchor: Option<PathBuf>,
    /// Allow loopback, private and other non-public targets (refused by default).
    #[arg(long)]
    pub allow_private: bool,
    /// Time budget per request, in seconds: a whole HTTP exchange; connections and TLS
    /// handshakes get at most as long (legacy-protocol probes twice that; SMTP keeps its own
    /// longer limits, since mail servers may delay their greeting on purpose).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// How many probes run at once.
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
}

/// `--fail-on` levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any warn or fail verdict.
    Warn,
    /// Any fail verdict.
    Fail,
    /// Never exit 1 because of verdicts.
    Never,
}

impl FailOn {
    /// Whether `verdict` reaches this level.
    pub fn reached_by(self, verdict: Verdict) -> bool {
        match self {
            FailOn::Never => false,
            FailOn::Fail => verdict == Verdict::Fail,
            FailOn::Warn => matches!(verdict, Verdict::Fail | Verdict::Warn),
        }
    }
}

pub fn run(args: AuditArgs, ui: &Ui) -> anyhow::Result<u8> {
    let catalogue = load_catalogue(args.catalogue.as_deref())?;
    let config = load_config(args.config.as_deref())?;
    let checks = audit::select_checks(&args.only).map_err(anyhow::Error::msg)?;
    let saved = match &args.replay {
        Some(path) => {
            if !ui.quiet {
                eprintln!("{} ({})", ui.messages.replaying(), path.display());
            }
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            SavedRun::from_json(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
        None => {
            let Some(source) = args.input.as_deref() else {
                bail!("nothing to audit")
            };
            let declarations = input::load(source, &args.net, ui)?;
            let kinds = audit::needed_kinds(&checks);
            let observations =
                input::observe(&declarations, kinds, &args.net, &args.filter_lists, ui)?;
            SavedRun::new(source.to_string(), declarations, observations)
        }
    };
    if let Some(path) = &args.save_observations {
        let text = serde_json::to_string(&saved).context("serialising observations")?;
        // The probes may have taken minutes: a missing folder must not throw their work away.
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let waivers = match &args.output.waivers {
        Some(path) => chatons_audit::waiver::load(path)?,
        None => Vec::new(),
    };
    let results = audit::judge(
        &saved.source,
        &saved.declarations,
        &saved.observations,
        &checks,
        &config,
        &catalogue,
        &waivers,
    );
    output::write(&results, &args.output, &catalogue, ui)?;
    if !ui.quiet {
        progress::print_summary(&results, ui);
    }
    Ok(exit_code(&results, args.fail_on))
}

/// 1 when a reported (not waived) verdict reaches `fail_on`, else 0.
pub fn exit_code(results: &Results, fail_on: FailOn) -> u8 {
    let reached = results
        .members
        .iter()
        .flat_map(|m| &m.findings)
        .any(|finding| fail_on.reached_by(finding.verdict));
    if reached { exit::FINDINGS } else { exit::CLEAN }
}

pub fn load_catalogue(dir: Option<&std::path::Path>) -> anyhow::Result<Catalogue> {
    Ok(match dir {
        Some(dir) => Catalogue::from_dir(dir)?,
        None => {
            Catalogue::embedded().context("internal error: the embedded catalogue is invalid")?
        }
    })
}

fn load_config(path: Option<&std::path::Path>) -> anyhow::Result<Config> {
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_saphyr::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}
