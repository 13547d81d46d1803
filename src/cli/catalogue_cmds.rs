//! `checks` and `explain`: the catalogue, readable from the terminal.

use chatons_audit::check;

use super::{Ui, audit::load_catalogue, exit};

pub fn list(ui: &Ui) -> anyhow::Result<u8> {
    let catalogue = load_catalogue(None)?;
    let width = check::ALL.iter().map(|c| c.id().len()).max().unwrap_or(0);
    for c in check::ALL {
        let Some(entry) = catalogue.check(c.id()) else {
            continue;
        };
        println!(
            "{:width$}  {:6}  {:28}  {}",
            c.id(),
            format!("{:?}", entry.severity).to_lowercase(),
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
    println!("{}: {}", entry.id, entry.title.get(ui.lang));
    println!();
    match commitment {
        Some(c) => println!("{}: {} — {}", m.commitment(), c.id, c.title.get(ui.lang)),
        None => println!("{}: {}", m.commitment(), entry.commitment),
    }
    println!("{}: {:?}", m.severity(), entry.severity);
    println!();
    println!("{}: {}", m.rationale(), entry.rationale.get(ui.lang));
    println!();
    println!("{}: {}", m.remediation(), entry.remediation.get(ui.lang));
    if let Some(c) = commitment {
        println!();
        println!("{}", c.charter.get(ui.lang));
    }
    Ok(exit::CLEAN)
}
