//! Loading declarations from any supported input, `validate`, and running the probes.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::Context as _;

use chatons_audit::declaration::{self, Declarations};
use chatons_audit::net::{NetSettings, Network};
use chatons_audit::observation::Observations;
use chatons_audit::plan::{Plan, ProbeKind};

use super::audit::NetArgs;
use super::{Ui, ValidateArgs, exit, progress};

/// The kinds of input `audit` and `validate` accept, told apart by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InputKind {
    MembersYaml,
    Properties,
    Librehost,
}

fn kind_of(source: &str) -> InputKind {
    let lower = source.to_ascii_lowercase();
    let path = lower.split(['?', '#']).next().unwrap_or(&lower);
    if path.ends_with(".properties") {
        InputKind::Properties
    } else if path.ends_with(".json") {
        InputKind::Librehost
    } else {
        InputKind::MembersYaml
    }
}

/// Settings of the network layer from the command line.
pub fn net_settings(args: &NetArgs) -> anyhow::Result<NetSettings> {
    let mut settings = NetSettings {
        dns_server: args.dns_server,
        connect_to: args
            .connect_to
            .iter()
            .map(|spec| spec.parse().map_err(|e| anyhow::anyhow!("{e}")))
            .collect::<anyhow::Result<_>>()?,
        ca_files: args.ca_file.clone(),
        allow_private: args.allow_private,
        ..NetSettings::default()
    };
    if let Some(path) = &args.dnssec_trust_anchor {
        settings.dnssec_trust_anchor = Some(std::sync::Arc::new(
            chatons_audit::net::load_trust_anchors(path)?,
        ));
    }
    if let Some(seconds) = args.timeout {
        let budget = std::time::Duration::from_secs(seconds.max(1));
        settings.request_budget = budget;
        settings.tls_timeout = settings.tls_timeout.min(budget);
        settings.connect_timeout = settings.connect_timeout.min(budget);
    }
    if let Some(n) = args.concurrency {
        settings.max_concurrency = n.max(1);
    }
    Ok(settings)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Loads declarations from a members file, properties file/URL or librehost.json.
pub fn load(source: &str, net: &NetArgs, _ui: &Ui) -> anyhow::Result<Declarations> {
    let loaded = match kind_of(source) {
        InputKind::MembersYaml => declaration::yaml::load_yaml_file(&PathBuf::from(source)),
        InputKind::Properties => {
            let network = Network::new(net_settings(net)?)?;
            runtime()?.block_on(declaration::chatonsinfos::load_properties(
                source,
                Some(&network),
            ))
        }
        InputKind::Librehost => {
            let network = Network::new(net_settings(net)?)?;
            runtime()?.block_on(declaration::librehost::load_librehost(
                source,
                Some(&network),
            ))
        }
    };
    Ok(loaded?)
}

/// `chatons-audit validate`: every problem of every input, with line and column.
pub fn validate(args: ValidateArgs, ui: &Ui) -> anyhow::Result<u8> {
    let mut code = exit::CLEAN;
    for source in &args.inputs {
        match load(source, &args.net, ui) {
            Ok(declarations) if declarations.problems.is_empty() => {
                if !ui.quiet {
                    outln!(
                        "{source}: {} ({} member(s))",
                        ui.messages.valid(),
                        declarations.members.len()
                    );
                }
            }
            Ok(declarations) => {
                code = exit::ERROR;
                for problem in &declarations.problems {
                    outln!("{problem}");
                }
            }
            Err(error) => {
                code = exit::ERROR;
                match error.downcast_ref::<declaration::Error>() {
                    Some(invalid) => {
                        for problem in &invalid.problems {
                            outln!("{problem}");
                        }
                        outln!(
                            "{source}: {} {}",
                            invalid.problems.len(),
                            ui.messages.problems_found()
                        );
                    }
                    None => outln!("{source}: {error:#}"),
                }
            }
        }
    }
    Ok(code)
}

/// Plans and runs the probes the selected checks need.
pub fn observe(
    declarations: &Declarations,
    kinds: BTreeSet<ProbeKind>,
    net: &NetArgs,
    filter_lists: &[PathBuf],
    ui: &Ui,
) -> anyhow::Result<Observations> {
    let plan = Plan::build(declarations, kinds);
    let network = Network::new(net_settings(net)?)?;
    let filters = if filter_lists.is_empty() {
        None
    } else {
        Some(chatons_audit::probe::filters::FilterLists::load(
            filter_lists,
        )?)
    };
    let bar = progress::bar(plan.len() as u64, ui);
    let observations = runtime()?.block_on(chatons_audit::probe::run::run(
        &plan,
        declarations,
        &network,
        filters.as_ref(),
        &|| bar.inc(1),
    ));
    bar.finish_and_clear();
    Ok(observations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timeout_bounds_requests_connections_and_handshakes_alike() {
        let args = NetArgs {
            timeout: Some(2),
            ..NetArgs::default()
        };
        let settings = net_settings(&args).expect("settings");
        assert_eq!(settings.request_budget, Duration::from_secs(2));
        assert_eq!(settings.tls_timeout, Duration::from_secs(2));
        assert_eq!(settings.connect_timeout, Duration::from_secs(2));
    }

    #[test]
    fn a_long_timeout_does_not_stretch_the_handshake_limit() {
        let args = NetArgs {
            timeout: Some(60),
            ..NetArgs::default()
        };
        let settings = net_settings(&args).expect("settings");
        assert_eq!(settings.request_budget, Duration::from_secs(60));
        assert_eq!(settings.tls_timeout, NetSettings::default().tls_timeout);
    }
}
