//! A short Markdown summary for CI job summaries (`$GITHUB_STEP_SUMMARY`) and merge-request
//! comments: one table row per member, then the failures. Every outside string is escaped
//! with [`super::escape::markdown`].

use super::Results;
use super::escape::markdown as md;
use super::view::format_score;
use crate::catalogue::{Catalogue, Lang};
use crate::finding::Verdict;

/// Renders the summary in `lang`.
pub fn to_string(results: &Results, catalogue: &Catalogue, lang: Lang) -> String {
    let fr = lang == Lang::Fr;
    let mut out = String::new();
    out.push_str(if fr {
        "## Audit CHATONS\n\n"
    } else {
        "## CHATONS audit\n\n"
    });
    out.push_str(&format!(
        "{} {} {} · {}\n\n",
        md(&results.run.tool),
        md(&results.run.version),
        if fr { "— lancé le" } else { "— run at" },
        md(&results.run.started_at)
    ));
    out.push_str(if fr {
        "| Membre | Score | Échecs | Alertes | Revue manuelle |\n|---|---:|---:|---:|---:|\n"
    } else {
        "| Member | Score | Fail | Warn | Manual |\n|---|---:|---:|---:|---:|\n"
    });
    for m in &results.members {
        let n = |v: Verdict| m.score.counts.get(&v).copied().unwrap_or(0);
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            md(&m.name),
            m.score
                .overall
                .map_or_else(|| "–".to_string(), format_score),
            n(Verdict::Fail),
            n(Verdict::Warn),
            n(Verdict::Manual)
        ));
    }
    let fails: Vec<_> = results
        .members
        .iter()
        .flat_map(|m| m.findings.iter().map(move |f| (m, f)))
        .filter(|(_, f)| f.verdict == Verdict::Fail)
        .collect();
    if !fails.is_empty() {
        out.push_str(if fr {
            "\n### Échecs\n\n"
        } else {
            "\n### Failures\n\n"
        });
        for (m, f) in fails {
            let title = catalogue
                .check(f.check.as_str())
                .map_or_else(|| f.check.to_string(), |e| e.title.get(lang).to_string());
            out.push_str(&format!(
                "- **{}** · {} (`{}`) · {}: {}\n",
                md(&m.name),
                md(&title),
                md(f.check.as_str()),
                md(&f.subject.to_string()),
                md(f.message_in(lang))
            ));
        }
    }
    let waived: usize = results.members.iter().map(|m| m.waived.len()).sum();
    if waived > 0 || !results.expired_waivers.is_empty() || !results.unused_waivers.is_empty() {
        out.push_str(&format!(
            "\n{}: {waived} · {}: {} · {}: {}\n",
            if fr {
                "Constats couverts par une dérogation"
            } else {
                "Waived findings"
            },
            if fr {
                "dérogations expirées"
            } else {
                "expired waivers"
            },
            results.expired_waivers.len(),
            if fr {
                "dérogations inutilisées"
            } else {
                "unused waivers"
            },
            results.unused_waivers.len()
        ));
    }
    out
}
