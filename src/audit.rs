//! The audit pipeline end to end: plan, observe, judge, score.
//!
//! Observing is the only async, networked step; judging is pure and is what `--replay` runs
//! again on a saved observations file, as of the original run's start time.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::catalogue::Catalogue;
use crate::check::{self, Check, ProbeKind};
use crate::config::Config;
use crate::declaration::Declarations;
use crate::finding::Finding;
use crate::observation::Observations;
use crate::report::{MemberResult, Results, RunInfo};
use crate::score;
use crate::waiver::{self, Waiver};

/// What `--save-observations` writes and `--replay` reads: the declarations as loaded and
/// everything observed, so a replay needs neither the network nor the original input files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRun {
    /// Always `chatons-audit-observations`, so a wrong file is recognised at once.
    pub format: String,
    /// What was audited (members file, properties URL or path), as given.
    pub source: String,
    /// The declarations the run audited.
    pub declarations: Declarations,
    /// Everything the probes saw.
    pub observations: Observations,
}

/// The `format` marker of a saved run.
pub const SAVED_RUN_FORMAT: &str = "chatons-audit-observations";

impl SavedRun {
    /// Wraps a run for saving.
    pub fn new(source: String, declarations: Declarations, observations: Observations) -> Self {
        Self {
            format: SAVED_RUN_FORMAT.into(),
            source,
            declarations,
            observations,
        }
    }

    /// Reads a saved run, refusing files that are not one.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let run: SavedRun = serde_json::from_str(text)
            .map_err(|e| format!("not a saved observations file: {e}"))?;
        if run.format != SAVED_RUN_FORMAT {
            return Err(format!(
                "not a saved observations file (format is {:?})",
                run.format
            ));
        }
        Ok(run)
    }
}

/// The checks whose ID matches one of `patterns` (`tls.*`, `web.https-reachable`, `*`); all
/// checks when `patterns` is empty.
pub fn select_checks(patterns: &[String]) -> Result<Vec<&'static dyn Check>, String> {
    if patterns.is_empty() {
        return Ok(check::ALL.to_vec());
    }
    let mut selected = Vec::new();
    for pattern in patterns {
        let matching: Vec<_> = check::ALL
            .iter()
            .copied()
            .filter(|c| id_matches(pattern, c.id()))
            .collect();
        if matching.is_empty() {
            return Err(format!(
                "no check matches {pattern:?} (see `chatons-audit checks`)"
            ));
        }
        for check in matching {
            if !selected.iter().any(|c: &&dyn Check| c.id() == check.id()) {
                selected.push(check);
            }
        }
    }
    // Keep report order, whatever the order of the patterns.
    selected.sort_by_key(|c| check::ALL.iter().position(|a| a.id() == c.id()));
    Ok(selected)
}

fn id_matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => pattern == id,
    }
}

/// The probe families `checks` need.
pub fn needed_kinds(checks: &[&dyn Check]) -> BTreeSet<ProbeKind> {
    checks
        .iter()
        .flat_map(|c| c.needs().iter().copied())
        .collect()
}

/// Judges every member, applies the waivers and scores what remains. Pure: the same inputs
/// give the same results. Waivers are dated against the run's start, so a replay waives
/// exactly what the original run waived.
pub fn judge(
    source: &str,
    declarations: &Declarations,
    observations: &Observations,
    checks: &[&dyn Check],
    config: &Config,
    catalogue: &Catalogue,
    waivers: &[Waiver],
) -> Results {
    let all: Vec<Finding> = declarations
        .members
        .iter()
        .flat_map(|member| check::judge_member(checks, member, observations, config))
        .collect();
    let waived = waiver::apply(all, waivers, observations.started_at.date());
    let members = declarations
        .members
        .iter()
        .map(|member| {
            let mut findings: Vec<Finding> = waived
                .reported
                .iter()
                .filter(|f| f.member == member.id)
                .cloned()
                .collect();
            findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            let score = score::evaluate(&findings, catalogue);
            MemberResult {
                id: member.id.clone(),
                name: member.name.clone(),
                website: member.website.to_string(),
                score,
                findings,
                waived: waived
                    .waived
                    .iter()
                    .filter(|w| w.finding.member == member.id)
                    .cloned()
                    .collect(),
            }
        })
        .collect();
    let started_at = observations
        .started_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| observations.started_at.unix_timestamp().to_string());
    Results {
        run: RunInfo {
            tool: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
            started_at,
            source: source.into(),
            checks: checks.iter().map(|c| c.id().to_string()).collect(),
        },
        members,
        problems: declarations.problems.clone(),
        expired_waivers: waived.expired_waivers,
        unused_waivers: waived.unused_waivers,
    }
}
