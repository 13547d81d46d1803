//! The progress bar (on a terminal only, and only for runs longer than a second) and the
//! summary table printed at the end of a run.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use chatons_audit::catalogue::Lang;
use chatons_audit::finding::Verdict;
use chatons_audit::report::Results;

use super::Ui;

/// A progress bar that stays hidden unless stderr is a terminal, `--quiet` is off, and the run
/// lasts more than a second (short runs should not flicker).
pub fn bar(total: u64, ui: &Ui) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    if ui.interactive && !ui.quiet {
        let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(ui.messages.probing());
        let delayed = bar.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(1));
            if !delayed.is_finished() {
                delayed.set_draw_target(ProgressDrawTarget::stderr());
                delayed.enable_steady_tick(Duration::from_millis(200));
            }
        });
    }
    bar
}

/// One line per member: score and verdict counts.
pub fn print_summary(results: &Results, ui: &Ui) {
    let width = results
        .members
        .iter()
        .map(|m| m.id.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let verdicts = [
        Verdict::Pass,
        Verdict::Warn,
        Verdict::Fail,
        Verdict::Manual,
        Verdict::Inconclusive,
    ];
    let mut header = format!(
        "{:width$}  {:>5}",
        ui.messages.member(),
        ui.messages.score()
    );
    for verdict in verdicts {
        header.push_str(&format!("  {:>6}", short(verdict, ui.lang)));
    }
    outln!("{header}");
    for member in &results.members {
        let score = member
            .score
            .overall
            .map_or_else(|| "—".to_string(), |s| format!("{s:.0}"));
        let mut line = format!("{:width$}  {score:>5}", member.id);
        for verdict in verdicts {
            let count = member.score.counts.get(&verdict).copied().unwrap_or(0);
            line.push_str(&format!("  {count:>6}"));
        }
        outln!("{line}");
    }
    for problem in &results.problems {
        outln!("{}: {problem}", ui.messages.not_loaded());
    }
}

/// Column headings of six characters at most.
fn short(verdict: Verdict, lang: Lang) -> &'static str {
    match (lang, verdict) {
        (Lang::Fr, Verdict::Pass) => "ok",
        (Lang::Fr, Verdict::Warn) => "alerte",
        (Lang::Fr, Verdict::Fail) => "échec",
        (Lang::Fr, Verdict::Manual) => "revue",
        (Lang::Fr, Verdict::Inconclusive) => "n. obs",
        (Lang::Fr, Verdict::NotApplicable) => "s. o.",
        (Lang::En, Verdict::Pass) => "pass",
        (Lang::En, Verdict::Warn) => "warn",
        (Lang::En, Verdict::Fail) => "fail",
        (Lang::En, Verdict::Manual) => "manual",
        (Lang::En, Verdict::Inconclusive) => "n/obs",
        (Lang::En, Verdict::NotApplicable) => "n/a",
    }
}
