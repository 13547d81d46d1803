//! `demo` and `world serve`: the loopback fixture world, for a first look and for poking at.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use chatons_audit::world::World;

use super::audit::{AuditArgs, FailOn, NetArgs};
use super::output::{Format, OutputArgs};
use super::{Ui, default_out_dir, exit};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory for the reports and the site.
    #[arg(long, short, value_name = "DIR", default_value_os_t = default_out_dir())]
    pub out: PathBuf,
    /// The world description directory.
    #[arg(long, value_name = "DIR", default_value_os_t = default_world_dir())]
    pub world: PathBuf,
}

#[derive(Debug, Args)]
pub struct WorldArgs {
    #[command(subcommand)]
    pub command: WorldCommand,
}

#[derive(Debug, Subcommand)]
pub enum WorldCommand {
    /// Start the world and keep it running until Ctrl-C; prints the auditor's settings.
    Serve {
        /// The world description directory.
        #[arg(long, value_name = "DIR", default_value_os_t = default_world_dir())]
        world: PathBuf,
        /// Serve a generated world of MEMBERSxSERVICES (e.g. 200x5) instead, for benchmarks.
        #[arg(long, value_name = "MxS")]
        generate: Option<String>,
        /// Also write the auditor's flags (one per line) to DIR/flags and the members file
        /// path to DIR/members-file, for scripts.
        #[arg(long, value_name = "DIR")]
        settings_dir: Option<PathBuf>,
    },
    /// Measure raw rustls handshakes per second against the world's TLS listener: the
    /// baseline the audit's speed is compared with.
    BenchHandshakes {
        /// Handshakes to make.
        #[arg(long, default_value_t = 2000)]
        count: usize,
        /// Handshakes in flight at once.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
    },
}

/// `fixtures/world` of the source tree this binary was built from, or of the current directory.
fn default_world_dir() -> PathBuf {
    let built = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/world");
    if built.is_dir() {
        built
    } else {
        PathBuf::from("fixtures/world")
    }
}

pub fn demo(args: DemoArgs, ui: &Ui) -> anyhow::Result<u8> {
    if !ui.quiet {
        eprintln!("{}", ui.messages.starting_world());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let world = runtime
        .block_on(World::start(&args.world))
        .with_context(|| format!("starting the fixture world from {}", args.world.display()))?;
    let settings = world.settings();
    let audit = AuditArgs {
        input: Some(settings.members_file.display().to_string()),
        replay: None,
        save_observations: Some(args.out.join("observations.json")),
        output: OutputArgs {
            out: args.out.clone(),
            format: vec![Format::Json, Format::Html, Format::Md, Format::Site],
            waivers: None,
            templates: None,
        },
        fail_on: FailOn::Never,
        only: Vec::new(),
        config: None,
        catalogue: None,
        filter_lists: Vec::new(),
        net: NetArgs {
            dns_server: Some(settings.dns_server),
            connect_to: settings.connect_to.clone(),
            ca_file: vec![settings.ca_file.clone()],
            dnssec_trust_anchor: settings.dnssec_trust_anchor_file.clone(),
            allow_private: true,
            timeout: Some(5),
            concurrency: None,
        },
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let outcome = super::audit::run(audit, ui);
    runtime.block_on(world.shutdown());
    if !ui.quiet {
        eprintln!("{}", ui.messages.world_stopped());
    }
    outcome?;
    if !ui.quiet {
        let index = args.out.join("site").join("index.html");
        eprintln!("{} {}", ui.messages.open_report(), index.display());
    }
    Ok(exit::CLEAN)
}

pub fn world(args: WorldArgs, _ui: &Ui) -> anyhow::Result<u8> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    match args.command {
        WorldCommand::Serve {
            world,
            generate,
            settings_dir,
        } => {
            match generate {
                Some(size) => {
                    let (members, services) = parse_size(&size)?;
                    let (description, members) = chatons_audit::world::generate(members, services);
                    runtime.block_on(chatons_audit::world::serve_description_until_ctrl_c(
                        description,
                        chatons_audit::world::Members::Text(members),
                        settings_dir.as_deref(),
                    ))?;
                }
                None => runtime.block_on(chatons_audit::world::serve_until_ctrl_c(&world))?,
            }
            Ok(exit::CLEAN)
        }
        WorldCommand::BenchHandshakes { count, concurrency } => {
            let compared = runtime.block_on(
                chatons_audit::world::bench::probe_against_baseline(count, concurrency.max(1)),
            )?;
            let line = |what: &str, stats: &chatons_audit::world::bench::HandshakeStats| {
                outln!(
                    "{what:<28} {:>6} handshakes ({} failed) in {:>6.2} s: {:>7.0} handshakes/s",
                    stats.completed,
                    stats.failed,
                    stats.elapsed.as_secs_f64(),
                    stats.per_second()
                );
            };
            line("raw rustls (baseline)", &compared.baseline);
            line("chatons-audit TLS probe", &compared.probe);
            let base = compared.baseline.per_second();
            if base > 0.0 {
                outln!(
                    "probe / baseline: {:.0} %",
                    100.0 * compared.probe.per_second() / base
                );
            }
            Ok(exit::CLEAN)
        }
    }
}

/// `200x5` into (200, 5).
fn parse_size(size: &str) -> anyhow::Result<(usize, usize)> {
    let parse = || {
        let (members, services) = size.split_once(['x', 'X'])?;
        Some((members.parse().ok()?, services.parse().ok()?))
    };
    parse().ok_or_else(|| {
        anyhow::anyhow!("--generate expects MEMBERSxSERVICES, e.g. 200x5, not {size:?}")
    })
}
