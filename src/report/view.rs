//! View models: everything a template shows, computed and formatted in Rust.
//!
//! Templates only place these values; they never compute, compare or look anything up. Every
//! string from outside (names, URLs, messages, evidence) stays plain text here and is escaped
//! by the template engine; links carry an `href` only when [`super::escape::safe_href`]
//! accepted them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::escape::{safe_href, slug};
use super::humanize;
use super::{MemberResult, Results};
use crate::catalogue::{Catalogue, Lang, Level};
use crate::finding::{Finding, Verdict};
use crate::waiver::WaivedFinding;

/// Where the scoring formula is documented; every report links to it.
pub const SCORING_URL: &str =
    "https://framagit.org/chatons/chatons-audit/-/blob/main/docs/scoring.md";

/// A piece of untrusted text that may be a link.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// Text to show.
    pub text: String,
    /// Target, present only for absolute http(s) URLs.
    pub href: Option<String>,
}

impl Link {
    /// A link from an untrusted URL.
    pub fn url(url: &str) -> Self {
        Self {
            text: url.to_string(),
            href: safe_href(url),
        }
    }
}

/// A score ready to show.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreView {
    /// `87.5`, or `–` when absent.
    pub text: String,
    /// CSS class: `good` (≥ 80 and no failure), `fair` (≥ 50, or ≥ 80 with a failure),
    /// `poor`, `none`.
    pub class: &'static str,
    /// 0–100 for bar widths (0 when absent).
    pub percent: f64,
}

impl ScoreView {
    /// Formats an optional score.
    pub fn new(score: Option<f64>) -> Self {
        match score {
            None => Self {
                text: "–".into(),
                class: "none",
                percent: 0.0,
            },
            Some(s) => Self {
                text: format_score(s),
                class: if s >= 80.0 {
                    "good"
                } else if s >= 50.0 {
                    "fair"
                } else {
                    "poor"
                },
                percent: s.clamp(0.0, 100.0),
            },
        }
    }
}

impl ScoreView {
    /// A score that was reached with `failures` findings failed: never shown green then, so
    /// a high score cannot read as reassuring while a commitment is broken.
    pub fn with_failures(score: Option<f64>, failures: u32) -> Self {
        let view = Self::new(score);
        if failures > 0 && view.class == "good" {
            Self {
                class: "fair",
                ..view
            }
        } else {
            view
        }
    }

    /// The score of a member, with its failures.
    pub fn of_member(score: &crate::score::MemberScore) -> Self {
        Self::with_failures(score.overall, fails(&score.counts))
    }

    /// The score of one commitment, with its failures.
    pub fn of_commitment(score: Option<&crate::score::CommitmentScore>) -> Self {
        score.map_or_else(
            || Self::new(None),
            |s| Self::with_failures(s.score, fails(&s.counts)),
        )
    }
}

fn fails(counts: &BTreeMap<Verdict, u32>) -> u32 {
    counts.get(&Verdict::Fail).copied().unwrap_or(0)
}

/// One decimal, without a trailing `.0`.
pub fn format_score(score: f64) -> String {
    let text = format!("{score:.1}");
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}

/// One piece of evidence.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceView {
    /// Label, e.g. `certificate.not_after`.
    pub label: String,
    /// What was seen, made readable: an RFC 3339 value in words, UNIX times dated.
    pub value: String,
    /// The raw value when it is an RFC 3339 time (for `<time datetime>`), else absent.
    pub datetime: Option<String>,
    /// Where, when known.
    pub source: Option<Link>,
}

/// A waiver shown next to a waived finding.
#[derive(Debug, Clone, Serialize)]
pub struct WaiverView {
    /// Why.
    pub reason: String,
    /// Who accepted.
    pub accepted_by: String,
    /// `YYYY-MM-DD`.
    pub expires: String,
}

/// One finding ready to show.
#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    /// Check ID.
    pub check: String,
    /// Fragment ID of the finding in its page (`f-1`, `f-2`… in report order).
    pub anchor: String,
    /// Catalogue title in the report language (the check ID when unknown).
    pub title: String,
    /// Verdict name (CSS class too).
    pub verdict: &'static str,
    /// Verdict in the report language.
    pub verdict_label: String,
    /// A symbol for the verdict, so it never rests on colour alone.
    pub icon: &'static str,
    /// Subject as text, in the report language.
    pub subject: String,
    /// What was seen.
    pub message: String,
    /// Evidence.
    pub evidence: Vec<EvidenceView>,
    /// How to fix, in the report language; empty for passes.
    pub remediation: String,
    /// The heading of `remediation`: "how to fix" for a fail or a warning, "what is
    /// expected" where nothing was found wrong (manual, inconclusive).
    pub remediation_label: String,
    /// For verdicts that are no breach (manual, inconclusive), a sentence saying so.
    pub note: String,
    /// Why it matters, in the report language.
    pub rationale: String,
    /// Link to the check's explanation on the site (empty in a standalone document).
    pub explain_href: String,
    /// The waiver, for waived findings.
    pub waiver: Option<WaiverView>,
}

/// One commitment's part of a member report.
#[derive(Debug, Clone, Serialize)]
pub struct CommitmentSection {
    /// Commitment ID.
    pub id: String,
    /// File-name-safe ID.
    pub slug: String,
    /// Title in the report language.
    pub title: String,
    /// `required` or `recommended`.
    pub level: &'static str,
    /// Level in the report language.
    pub level_label: String,
    /// Score.
    pub score: ScoreView,
    /// What needs a look (fail, warn, manual, inconclusive), worst verdict first.
    pub issues: Vec<FindingGroup>,
    /// Passes and not-applicable findings, shown folded.
    pub passed: Vec<FindingGroup>,
    /// How many findings are in `passed`.
    pub passed_count: usize,
    /// Findings a waiver covers, one group each.
    pub waived: Vec<FindingGroup>,
}

/// The findings of one check with one verdict in one commitment: shown once, with one
/// remediation, and one entry per subject, so a problem met on ten hosts reads as one
/// problem with ten places rather than ten repeated cards.
#[derive(Debug, Clone, Serialize)]
pub struct FindingGroup {
    /// Check ID.
    pub check: String,
    /// Catalogue title.
    pub title: String,
    /// Verdict name (CSS class too).
    pub verdict: &'static str,
    /// Verdict in the report language.
    pub verdict_label: String,
    /// The verdict's symbol.
    pub icon: &'static str,
    /// See [`FindingView::remediation`].
    pub remediation: String,
    /// See [`FindingView::remediation_label`].
    pub remediation_label: String,
    /// See [`FindingView::note`].
    pub note: String,
    /// Why the check matters.
    pub rationale: String,
    /// Link to the check's explanation on the site (empty in a standalone document).
    pub explain_href: String,
    /// The waiver, for a waived finding (such a group holds one finding).
    pub waiver: Option<WaiverView>,
    /// How many subjects.
    pub count: usize,
    /// One finding per subject, in subject order.
    pub items: Vec<FindingView>,
}

impl FindingGroup {
    fn new(first: FindingView) -> Self {
        Self {
            check: first.check.clone(),
            title: first.title.clone(),
            verdict: first.verdict,
            verdict_label: first.verdict_label.clone(),
            icon: first.icon,
            remediation: first.remediation.clone(),
            remediation_label: first.remediation_label.clone(),
            note: first.note.clone(),
            rationale: first.rationale.clone(),
            explain_href: first.explain_href.clone(),
            waiver: first.waiver.clone(),
            count: 1,
            items: vec![first],
        }
    }
}

/// Groups sorted findings: consecutive findings of the same check and verdict share a group;
/// waived findings stay alone (each has its own waiver).
fn group(findings: Vec<FindingView>) -> Vec<FindingGroup> {
    let mut groups: Vec<FindingGroup> = Vec::new();
    for finding in findings {
        match groups.last_mut() {
            Some(last)
                if last.waiver.is_none()
                    && finding.waiver.is_none()
                    && last.check == finding.check
                    && last.verdict == finding.verdict =>
            {
                last.items.push(finding);
                last.count = last.items.len();
            }
            _ => groups.push(FindingGroup::new(finding)),
        }
    }
    groups
}

/// One failing finding in the summary at the top of a report.
#[derive(Debug, Clone, Serialize)]
pub struct AttentionItem {
    /// Fragment ID of the finding.
    pub anchor: String,
    /// Catalogue title.
    pub title: String,
    /// Subject as text.
    pub subject: String,
}

/// The failures of one commitment, for the summary at the top of a report.
#[derive(Debug, Clone, Serialize)]
pub struct AttentionGroup {
    /// Commitment title.
    pub title: String,
    /// Fragment ID of the commitment's section.
    pub slug: String,
    /// Level in the report language.
    pub level_label: String,
    /// The failing findings.
    pub items: Vec<AttentionItem>,
}

/// A verdict count.
#[derive(Debug, Clone, Serialize)]
pub struct CountView {
    /// Verdict name.
    pub verdict: &'static str,
    /// Verdict in the report language.
    pub label: String,
    /// The verdict's symbol.
    pub icon: &'static str,
    /// How many.
    pub count: u32,
}

/// Page furniture: how the page sits in a site or stands alone.
#[derive(Debug, Clone, Serialize, Default)]
pub struct PageView {
    /// A standalone document inlines its CSS; a site page links `style.css`.
    pub standalone: bool,
    /// The CSS to inline (standalone only).
    pub css: String,
    /// Relative path to the site root, e.g. `../../` (empty when standalone).
    pub root: String,
    /// Relative link to the same page in the other language (empty when standalone).
    pub other_lang_href: String,
    /// Name of the other language.
    pub other_lang_label: String,
    /// The page's content security policy.
    pub csp: String,
}

/// Everything a member report shows.
#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    /// Language code.
    pub lang: &'static str,
    /// i18n strings of that language.
    pub t: BTreeMap<String, String>,
    /// Tool name.
    pub tool: String,
    /// Tool version.
    pub version: String,
    /// When the run started (RFC 3339).
    pub audited_at: String,
    /// The same, in words in the report language.
    pub audited_at_text: String,
    /// What was audited.
    pub source: String,
    /// Member ID.
    pub id: String,
    /// File-name-safe member ID.
    pub slug: String,
    /// Member name.
    pub name: String,
    /// Website.
    pub website: Link,
    /// Overall score.
    pub overall: ScoreView,
    /// Link to the scoring formula.
    pub scoring_url: String,
    /// Counts per verdict, in report order, zeros left out.
    pub counts: Vec<CountView>,
    /// Sections per commitment, in catalogue order.
    pub commitments: Vec<CommitmentSection>,
    /// Failures by commitment, for the summary at the top.
    pub attention: Vec<AttentionGroup>,
    /// How many findings could not be observed or need a person (inconclusive + manual).
    pub unobserved_count: u32,
    /// Every `manual` finding, for the reviewer.
    pub manual: Vec<FindingView>,
    /// Waived findings.
    pub waived: Vec<FindingView>,
    /// The reviewer section as Markdown, ready to paste into the forum.
    pub reviewer_markdown: String,
    /// Page furniture.
    pub page: PageView,
}

fn verdict_label(strings: &BTreeMap<String, String>, verdict: Verdict) -> String {
    let key = format!("verdict_{}", verdict.as_str());
    strings.get(&key).cloned().unwrap_or(key)
}

/// The symbol shown with a verdict, next to its words and colour.
pub fn verdict_icon(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Fail => "✗",
        Verdict::Warn => "!",
        Verdict::Manual => "?",
        Verdict::Inconclusive => "○",
        Verdict::Pass => "✓",
        Verdict::NotApplicable => "–",
    }
}

fn evidence_view(evidence: &crate::finding::Evidence, lang: Lang) -> EvidenceView {
    let datetime = humanize::parse_rfc3339(&evidence.value).map(|_| evidence.value.clone());
    EvidenceView {
        label: evidence.label.clone(),
        value: if datetime.is_some() {
            humanize::rfc3339(&evidence.value, lang)
        } else {
            humanize::annotate_unix_times(&evidence.value)
        },
        datetime,
        source: evidence.source.as_deref().map(Link::url),
    }
}

fn finding_view(
    finding: &Finding,
    waiver: Option<&crate::waiver::Waiver>,
    catalogue: &Catalogue,
    lang: Lang,
    strings: &BTreeMap<String, String>,
) -> FindingView {
    let entry = catalogue.check(finding.check.as_str());
    let text = |f: fn(&crate::catalogue::CheckEntry) -> &crate::catalogue::Bilingual| {
        entry
            .map(|e| f(e).get(lang).to_string())
            .unwrap_or_default()
    };
    let needs_fix = !matches!(finding.verdict, Verdict::Pass | Verdict::NotApplicable);
    let word = |key: &str| strings.get(key).cloned().unwrap_or_else(|| key.to_string());
    FindingView {
        check: finding.check.as_str().to_string(),
        anchor: String::new(),
        title: entry.map_or_else(
            || finding.check.as_str().to_string(),
            |e| e.title.get(lang).to_string(),
        ),
        verdict: finding.verdict.as_str(),
        verdict_label: verdict_label(strings, finding.verdict),
        icon: verdict_icon(finding.verdict),
        subject: humanize::subject(&finding.subject, strings),
        message: humanize::annotate_unix_times(finding.message_in(lang)),
        evidence: finding
            .evidence
            .iter()
            .map(|e| evidence_view(e, lang))
            .collect(),
        remediation: if needs_fix {
            text(|e| &e.remediation)
        } else {
            String::new()
        },
        remediation_label: word(
            if matches!(finding.verdict, Verdict::Fail | Verdict::Warn) {
                "remediation"
            } else {
                "remediation_expected"
            },
        ),
        note: strings
            .get(&format!("note_{}", finding.verdict.as_str()))
            .cloned()
            .unwrap_or_default(),
        rationale: text(|e| &e.rationale),
        explain_href: String::new(),
        waiver: waiver.map(|w| WaiverView {
            reason: w.reason.clone(),
            accepted_by: w.accepted_by.clone(),
            expires: crate::waiver::iso_date::format(w.expires),
        }),
    }
}

fn verdict_order(verdict: Verdict) -> usize {
    Verdict::ALL
        .iter()
        .position(|v| *v == verdict)
        .unwrap_or(Verdict::ALL.len())
}

/// The level name of a commitment.
pub fn level_name(level: Level) -> &'static str {
    match level {
        Level::Required => "required",
        Level::Recommended => "recommended",
    }
}

/// Builds the view of one member's report; `page` and `reviewer_markdown` are filled by the
/// caller.
pub fn member_view(
    results: &Results,
    member: &MemberResult,
    catalogue: &Catalogue,
    lang: Lang,
    strings: &BTreeMap<String, String>,
) -> MemberView {
    let mut sections: Vec<CommitmentSection> = Vec::new();
    let mut by_commitment: BTreeMap<String, Vec<(&Finding, Option<&crate::waiver::Waiver>)>> =
        BTreeMap::new();
    let items = member.findings.iter().map(|f| (f, None)).chain(
        member
            .waived
            .iter()
            .map(|WaivedFinding { finding, waiver }| (finding, Some(waiver))),
    );
    for (finding, waiver) in items {
        let commitment = catalogue
            .check(finding.check.as_str())
            .map_or_else(|| "other".to_string(), |e| e.commitment.clone());
        by_commitment
            .entry(commitment)
            .or_default()
            .push((finding, waiver));
    }
    let score_of = |id: &str| member.score.commitments.iter().find(|c| c.commitment == id);
    // Worst verdict first, then by check and subject; waived findings last.
    let build = |findings: Vec<(&Finding, Option<&crate::waiver::Waiver>)>| {
        let mut views: Vec<(usize, &Finding, FindingView)> = findings
            .into_iter()
            .map(|(f, w)| {
                let order = if w.is_some() {
                    Verdict::ALL.len() + 1
                } else {
                    verdict_order(f.verdict)
                };
                (order, f, finding_view(f, w, catalogue, lang, strings))
            })
            .collect();
        views.sort_by(|a, b| {
            (a.0, a.1.check.as_str(), &a.1.subject).cmp(&(b.0, b.1.check.as_str(), &b.1.subject))
        });
        let mut issues = Vec::new();
        let mut passed = Vec::new();
        let mut waived = Vec::new();
        for (_, _, view) in views {
            if view.waiver.is_some() {
                waived.push(view);
            } else if matches!(view.verdict, "pass" | "not_applicable") {
                passed.push(view);
            } else {
                issues.push(view);
            }
        }
        (group(issues), group(passed), group(waived))
    };
    let mut section = |id: String, title: String, level, level_label, score, findings| {
        let (issues, passed, waived) = build(findings);
        sections.push(CommitmentSection {
            slug: slug(&id),
            id,
            title,
            level,
            level_label,
            score,
            passed_count: passed.iter().map(|g| g.count).sum(),
            issues,
            passed,
            waived,
        });
    };
    for commitment in &catalogue.commitments {
        let findings = by_commitment.remove(&commitment.id).unwrap_or_default();
        if findings.is_empty() && score_of(&commitment.id).and_then(|c| c.score).is_none() {
            continue;
        }
        let level = level_name(commitment.level);
        section(
            commitment.id.clone(),
            commitment.title.get(lang).to_string(),
            level,
            strings
                .get(&format!("level_{level}"))
                .cloned()
                .unwrap_or_default(),
            ScoreView::of_commitment(score_of(&commitment.id)),
            findings,
        );
    }
    for (id, findings) in by_commitment {
        let title = strings
            .get("other_checks")
            .cloned()
            .unwrap_or_else(|| id.clone());
        section(
            id,
            title,
            "recommended",
            String::new(),
            ScoreView::new(None),
            findings,
        );
    }
    // Fragment IDs in reading order, so the summary can point at each finding.
    let mut n = 0;
    for s in &mut sections {
        for f in s
            .issues
            .iter_mut()
            .chain(s.waived.iter_mut())
            .chain(s.passed.iter_mut())
            .flat_map(|g| g.items.iter_mut())
        {
            n += 1;
            f.anchor = format!("f-{n}");
        }
    }
    let manual: Vec<FindingView> = sections
        .iter()
        .flat_map(|s| s.issues.iter())
        .flat_map(|g| g.items.iter())
        .filter(|f| f.verdict == "manual")
        .cloned()
        .collect();
    let waived: Vec<FindingView> = sections
        .iter()
        .flat_map(|s| s.waived.iter())
        .flat_map(|g| g.items.iter())
        .cloned()
        .collect();
    let attention: Vec<AttentionGroup> = sections
        .iter()
        .filter_map(|s| {
            let items: Vec<AttentionItem> = s
                .issues
                .iter()
                .flat_map(|g| g.items.iter())
                .filter(|f| f.verdict == "fail")
                .map(|f| AttentionItem {
                    anchor: f.anchor.clone(),
                    title: f.title.clone(),
                    subject: f.subject.clone(),
                })
                .collect();
            (!items.is_empty()).then(|| AttentionGroup {
                title: s.title.clone(),
                slug: s.slug.clone(),
                level_label: s.level_label.clone(),
                items,
            })
        })
        .collect();
    let counts = Verdict::ALL
        .iter()
        .filter_map(|v| {
            let count = member.score.counts.get(v).copied().unwrap_or(0);
            (count > 0).then(|| CountView {
                verdict: v.as_str(),
                label: verdict_label(strings, *v),
                icon: verdict_icon(*v),
                count,
            })
        })
        .collect();
    let count = |v: Verdict| member.score.counts.get(&v).copied().unwrap_or(0);
    MemberView {
        lang: lang.code(),
        t: strings.clone(),
        tool: results.run.tool.clone(),
        version: results.run.version.clone(),
        audited_at: results.run.started_at.clone(),
        audited_at_text: humanize::rfc3339(&results.run.started_at, lang),
        source: results.run.source.clone(),
        id: member.id.clone(),
        slug: slug(&member.id),
        name: member.name.clone(),
        website: Link::url(&member.website),
        overall: ScoreView::of_member(&member.score),
        scoring_url: SCORING_URL.into(),
        counts,
        commitments: sections,
        attention,
        unobserved_count: count(Verdict::Inconclusive) + count(Verdict::Manual),
        manual,
        waived,
        reviewer_markdown: String::new(),
        page: PageView::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_high_score_with_a_failure_is_never_shown_green() {
        assert_eq!(ScoreView::new(Some(85.0)).class, "good");
        assert_eq!(ScoreView::with_failures(Some(85.0), 0).class, "good");
        assert_eq!(ScoreView::with_failures(Some(85.0), 1).class, "fair");
        assert_eq!(ScoreView::with_failures(Some(85.0), 1).text, "85");
        assert_eq!(ScoreView::with_failures(Some(40.0), 2).class, "poor");
        assert_eq!(ScoreView::with_failures(None, 2).class, "none");
    }
}
