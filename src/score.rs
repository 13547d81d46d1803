//! Scores: findings plus catalogue weights give a score per commitment and per member.
//!
//! The formula is in `docs/scoring.md` and linked from every report. In short: each finding
//! counts its check's weight (severity high 3, medium 2, low 1); a pass earns the full weight, a
//! warn half, a fail nothing; manual, inconclusive and not-applicable findings are left out of
//! the arithmetic and counted separately, so missing evidence never lowers a score. A score is
//! 0–100, or absent when nothing could be judged. The member score averages the commitment
//! scores, recommended commitments weighing half as much as required ones.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalogue::{Catalogue, Level};
use crate::finding::{Finding, Verdict};

/// A member's scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MemberScore {
    /// Overall score 0–100, absent when no commitment could be judged.
    pub overall: Option<f64>,
    /// Per commitment, in catalogue order.
    pub commitments: Vec<CommitmentScore>,
    /// How many findings of each verdict.
    pub counts: BTreeMap<Verdict, u32>,
}

/// One commitment's score for one member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommitmentScore {
    /// The commitment ID.
    pub commitment: String,
    /// Score 0–100, absent when none of its findings could be judged.
    pub score: Option<f64>,
    /// Weight earned.
    pub earned: f64,
    /// Weight at stake (judged findings only).
    pub possible: f64,
    /// How many findings of each verdict.
    pub counts: BTreeMap<Verdict, u32>,
}

/// Scores one member's findings. Findings of checks absent from the catalogue are ignored (the
/// bijection test keeps that from happening).
pub fn evaluate(findings: &[Finding], catalogue: &Catalogue) -> MemberScore {
    let mut per_commitment: BTreeMap<&str, CommitmentScore> = BTreeMap::new();
    let mut counts = BTreeMap::new();
    for finding in findings {
        *counts.entry(finding.verdict).or_insert(0) += 1;
        let Some(entry) = catalogue.check(finding.check.as_str()) else {
            continue;
        };
        let score = per_commitment
            .entry(entry.commitment.as_str())
            .or_insert_with(|| CommitmentScore {
                commitment: entry.commitment.clone(),
                score: None,
                earned: 0.0,
                possible: 0.0,
                counts: BTreeMap::new(),
            });
        *score.counts.entry(finding.verdict).or_insert(0) += 1;
        let weight = f64::from(entry.severity.weight());
        let share = match finding.verdict {
            Verdict::Pass => 1.0,
            Verdict::Warn => 0.5,
            Verdict::Fail => 0.0,
            Verdict::Manual | Verdict::NotApplicable | Verdict::Inconclusive => continue,
        };
        score.earned += weight * share;
        score.possible += weight;
    }
    let mut commitments = Vec::new();
    let (mut total, mut weights) = (0.0, 0.0);
    for commitment in &catalogue.commitments {
        let Some(mut score) = per_commitment.remove(commitment.id.as_str()) else {
            continue;
        };
        if score.possible > 0.0 {
            let value = round1(100.0 * score.earned / score.possible);
            score.score = Some(value);
            let weight = match commitment.level {
                Level::Required => 1.0,
                Level::Recommended => 0.5,
            };
            total += value * weight;
            weights += weight;
        }
        commitments.push(score);
    }
    let overall = (weights > 0.0).then(|| round1(total / weights));
    MemberScore {
        overall,
        commitments,
        counts,
    }
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckId;
    use crate::finding::Subject;

    fn finding(verdict: Verdict) -> Finding {
        Finding {
            check: CheckId::new("web.https-reachable"),
            member: "m".into(),
            subject: Subject::Member,
            verdict,
            message: String::new(),
            message_fr: None,
            evidence: vec![],
        }
    }

    #[test]
    fn a_warn_earns_half_and_missing_evidence_does_not_lower_the_score() {
        let catalogue = Catalogue::embedded().expect("catalogue");
        let score = evaluate(
            &[
                finding(Verdict::Pass),
                finding(Verdict::Warn),
                finding(Verdict::Inconclusive),
            ],
            &catalogue,
        );
        assert_eq!(score.overall, Some(75.0));
        assert_eq!(score.counts[&Verdict::Inconclusive], 1);
    }

    #[test]
    fn nothing_judged_gives_no_score_rather_than_zero() {
        let catalogue = Catalogue::embedded().expect("catalogue");
        let score = evaluate(&[finding(Verdict::Manual)], &catalogue);
        assert_eq!(score.overall, None);
        assert_eq!(score.commitments[0].score, None);
    }
}
