//! Renderers over one results value.
//!
//! [`Results`] is the only input of every renderer, and it is what `results.json` holds
//! (through the frozen v1 view in [`json`]), so `chatons-audit report` can re-render any
//! format offline from a results file. This module imports neither `net` nor `probe`.

use serde::{Deserialize, Serialize};

use crate::declaration::Problem;
use crate::finding::Finding;
use crate::score::MemberScore;

pub mod json;

/// The outcome of one run: every member's findings and scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// The tool and the run.
    pub run: RunInfo,
    /// One entry per member, in declaration order.
    pub members: Vec<MemberResult>,
    /// Problems met while loading declarations (members or files left out).
    #[serde(default)]
    pub problems: Vec<Problem>,
}

/// About the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// `chatons-audit`.
    pub tool: String,
    /// The tool's version.
    pub version: String,
    /// When the run started (the clock of every check), RFC 3339.
    pub started_at: String,
    /// What was audited: the members file, properties URL or path.
    pub source: String,
    /// The checks that ran, in order.
    pub checks: Vec<String>,
}

/// One member's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberResult {
    /// Member ID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Website.
    pub website: String,
    /// Scores.
    pub score: MemberScore,
    /// Findings sorted by (check, subject).
    pub findings: Vec<Finding>,
}
