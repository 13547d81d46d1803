//! `checks` and `explain`: the catalogue, readable from the terminal.

use chatons_audit::catalogue::Severity;
use chatons_audit::check;

use super::{Ui, audit::load_catalogue, exit};

pub fn list(ui: &Ui) -> anyhow::Result<u8> {
    let catalogue = load_catalogue(None)?;
    let width = check::ALL.iter().map(|c| c.id().len()).max().unwrap_or(0);
    for c in check::ALL {
        let Some(entry) = catalogue.check(c.id()) else {
            continue;
        };
        outln!(
            "{:width$}  {:7}  {:28}  {}",
            c.id(),
            severity_word(entry.severity, ui),
            entry.commitment,
            entry.title.get(ui.lang),
        );
    }
    Ok(exit::CLEAN)
}

pub fn explain(id: &str, ui: &Ui) -> anyhow::Result<u8> {
    let catalogue = load_catalogue(None)?;
    let Some(entry) = catalogue.check(id) else {
        let nearest = catalogue
            .checks
            .keys()
            .min_by_key(|known| strsim::levenshtein(known, id))
            .cloned()
            .unwrap_or_default();
        anyhow::bail!(
            "{} {id:?} ({} {nearest:?}? `chatons-audit checks` lists them all)",
            ui.messages.unknown_check(),
            ui.messages.did_you_mean()
        );
    };
    let m = &ui.messages;
    let commitment = catalogue.commitment(&entry.commitment);
    outln!("{}: {}", entry.id, entry.title.get(ui.lang));
    outln!();
    match commitment {
        Some(c) => outln!("{} {} — {}", m.commitment(), c.id, c.title.get(ui.lang)),
        None => outln!("{} {}", m.commitment(), entry.commitment),
    }
    outln!("{} {}", m.severity(), severity_word(entry.severity, ui));
    outln!();
    outln!("{} {}", m.rationale(), entry.rationale.get(ui.lang));
    outln!();
    outln!("{} {}", m.remediation(), entry.remediation.get(ui.lang));
    if let Some(c) = commitment {
        outln!();
        outln!("{}", c.charter.get(ui.lang));
    }
    Ok(exit::CLEAN)
}

fn severity_word(severity: Severity, ui: &Ui) -> &'static str {
    match severity {
        Severity::Low => ui.messages.severity_low(),
        Severity::Medium => ui.messages.severity_medium(),
        Severity::High => ui.messages.severity_high(),
    }
}
