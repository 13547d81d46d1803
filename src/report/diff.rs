//! Comparing two runs: what newly fails, what got fixed, whose scores moved.
//!
//! Findings are matched by (member, check, subject). A regression is a finding whose verdict
//! reached the threshold (`fail`, or `warn` with [`Threshold::Warn`]) in the new run while it
//! was below it (or absent) in the old one.

use std::collections::BTreeMap;

use super::Results;
use super::escape::markdown as md;
use super::view::format_score;
use crate::finding::{Finding, Subject, Verdict};

/// Which verdicts count as a regression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Threshold {
    /// Only new `fail` findings.
    #[default]
    Fail,
    /// New `fail` or `warn` findings.
    Warn,
}

impl Threshold {
    fn reached(self, verdict: Verdict) -> bool {
        match self {
            Threshold::Fail => verdict == Verdict::Fail,
            Threshold::Warn => matches!(verdict, Verdict::Fail | Verdict::Warn),
        }
    }
}

/// One finding whose verdict changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Member ID.
    pub member: String,
    /// Check ID.
    pub check: String,
    /// Subject.
    pub subject: Subject,
    /// Verdict before (absent: the finding is new).
    pub before: Option<Verdict>,
    /// Verdict after (absent: the finding is gone).
    pub after: Option<Verdict>,
    /// The new message (or the old one when gone).
    pub message: String,
}

/// One member's overall score change.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreChange {
    /// Member ID.
    pub member: String,
    /// Before.
    pub before: Option<f64>,
    /// After.
    pub after: Option<f64>,
}

/// The differences between two runs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Diff {
    /// Findings that are `fail` or `warn` now and were not that bad before (worse verdicts).
    pub new_problems: Vec<Change>,
    /// Findings that were `fail` or `warn` and now are better or gone.
    pub fixed: Vec<Change>,
    /// Other verdict changes (e.g. pass → inconclusive).
    pub other_changes: Vec<Change>,
    /// Members whose overall score changed (members only in one run included).
    pub scores: Vec<ScoreChange>,
}

fn rank(verdict: Option<Verdict>) -> u8 {
    verdict.and_then(Verdict::severity_rank).unwrap_or(0)
}

type Key = (String, String, Subject);

fn index(results: &Results) -> BTreeMap<Key, &Finding> {
    results
        .members
        .iter()
        .flat_map(|m| m.findings.iter())
        .map(|f| {
            (
                (
                    f.member.clone(),
                    f.check.as_str().to_string(),
                    f.subject.clone(),
                ),
                f,
            )
        })
        .collect()
}

/// Compares two runs.
pub fn compare(old: &Results, new: &Results) -> Diff {
    let (before, after) = (index(old), index(new));
    let mut keys: Vec<&Key> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut diff = Diff::default();
    for key in keys {
        let (b, a) = (before.get(key), after.get(key));
        let (bv, av) = (b.map(|f| f.verdict), a.map(|f| f.verdict));
        if bv == av {
            continue;
        }
        let change = Change {
            member: key.0.clone(),
            check: key.1.clone(),
            subject: key.2.clone(),
            before: bv,
            after: av,
            message: a.or(b).map(|f| f.message.clone()).unwrap_or_default(),
        };
        if rank(av) > rank(bv) {
            diff.new_problems.push(change);
        } else if rank(av) < rank(bv) {
            diff.fixed.push(change);
        } else {
            diff.other_changes.push(change);
        }
    }
    let scores = |r: &Results| -> BTreeMap<String, Option<f64>> {
        r.members
            .iter()
            .map(|m| (m.id.clone(), m.score.overall))
            .collect()
    };
    let (sb, sa) = (scores(old), scores(new));
    let mut ids: Vec<&String> = sb.keys().chain(sa.keys()).collect();
    ids.sort();
    ids.dedup();
    for id in ids {
        let (b, a) = (sb.get(id).copied().flatten(), sa.get(id).copied().flatten());
        if b != a || sb.contains_key(id) != sa.contains_key(id) {
            diff.scores.push(ScoreChange {
                member: id.clone(),
                before: b,
                after: a,
            });
        }
    }
    diff
}

impl Diff {
    /// Whether the new run regressed at `threshold`: some finding reached the threshold that
    /// had not reached it before.
    pub fn is_regression(&self, threshold: Threshold) -> bool {
        self.new_problems.iter().any(|c| {
            c.after.is_some_and(|v| threshold.reached(v))
                && !c.before.is_some_and(|v| threshold.reached(v))
        })
    }

    /// Markdown rendering (escaped).
    pub fn to_markdown(&self) -> String {
        let mut out = String::from("## Changes since the previous run\n\n");
        let verdict = |v: Option<Verdict>| v.map_or("absent", Verdict::as_str);
        let section = |out: &mut String, title: &str, changes: &[Change]| {
            if changes.is_empty() {
                return;
            }
            out.push_str(&format!("### {title} ({})\n\n", changes.len()));
            for c in changes {
                out.push_str(&format!(
                    "- `{}` {} · {}: {} → **{}** · {}\n",
                    md(&c.check),
                    md(&c.member),
                    md(&c.subject.to_string()),
                    verdict(c.before),
                    verdict(c.after),
                    md(&c.message)
                ));
            }
            out.push('\n');
        };
        section(&mut out, "New problems", &self.new_problems);
        section(&mut out, "Fixed", &self.fixed);
        section(&mut out, "Other changes", &self.other_changes);
        if !self.scores.is_empty() {
            out.push_str("### Scores\n\n| Member | Before | After |\n|---|---:|---:|\n");
            for s in &self.scores {
                let f = |v: Option<f64>| v.map_or_else(|| "–".to_string(), format_score);
                out.push_str(&format!(
                    "| {} | {} | {} |\n",
                    md(&s.member),
                    f(s.before),
                    f(s.after)
                ));
            }
        }
        if self.new_problems.is_empty()
            && self.fixed.is_empty()
            && self.other_changes.is_empty()
            && self.scores.is_empty()
        {
            out.push_str("No change.\n");
        }
        out
    }

    /// Plain-text rendering for terminals.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let verdict = |v: Option<Verdict>| v.map_or("absent", Verdict::as_str);
        for (sign, changes) in [
            ("+", &self.new_problems),
            ("-", &self.fixed),
            ("~", &self.other_changes),
        ] {
            for c in changes {
                out.push_str(&format!(
                    "{sign} {} {} {}: {} -> {}\n",
                    c.member,
                    c.check,
                    c.subject,
                    verdict(c.before),
                    verdict(c.after)
                ));
            }
        }
        for s in &self.scores {
            let f = |v: Option<f64>| v.map_or_else(|| "-".to_string(), format_score);
            out.push_str(&format!(
                "score {}: {} -> {}\n",
                s.member,
                f(s.before),
                f(s.after)
            ));
        }
        if out.is_empty() {
            out.push_str("no change\n");
        }
        out
    }
}
