//! Renderers over one results value.
//!
//! [`Results`] is the only input of every renderer, and it is what `results.json` holds
//! (through the frozen v1 view in [`json`]), so `chatons-audit report` can re-render any
//! format offline from a results file. This module imports neither `net` nor `probe`.
//!
//! Formats: [`json`] (results file), [`document`] (per-member transparency report, HTML and
//! Markdown, French and English), [`site`] (static scorecard site), [`sarif`], [`junit`],
//! [`github`] (workflow annotations), [`summary`] (Markdown job summary) and [`diff`].

use serde::{Deserialize, Serialize};

use crate::declaration::Problem;
use crate::finding::Finding;
use crate::score::MemberScore;
use crate::waiver::{WaivedFinding, Waiver};

pub mod diff;
pub mod document;
pub mod escape;
pub mod github;
pub mod humanize;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod site;
pub mod summary;
pub mod svg;
pub mod templates;
pub mod view;

pub use templates::Templates;

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
    /// Waivers past their date: they no longer apply (see [`crate::waiver::apply`]).
    #[serde(default)]
    pub expired_waivers: Vec<Waiver>,
    /// Valid waivers that matched no finding.
    #[serde(default)]
    pub unused_waivers: Vec<Waiver>,
}

impl Results {
    /// The member with this ID.
    pub fn member(&self, id: &str) -> Option<&MemberResult> {
        self.members.iter().find(|m| m.id == id)
    }
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
    /// Findings sorted by (check, subject), waived ones excluded.
    pub findings: Vec<Finding>,
    /// Findings a valid waiver covers: shown as waived, left out of scores.
    #[serde(default)]
    pub waived: Vec<WaivedFinding>,
}

/// A report could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A template failed to compile or render (the message names template, line, column).
    #[error("template {name}: {message}")]
    Template {
        /// Template name.
        name: String,
        /// What went wrong.
        message: String,
    },
    /// A results file is not valid.
    #[error("results file: {0}")]
    Results(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A member ID asked for is not in the results.
    #[error("no member {0:?} in the results")]
    UnknownMember(String),
}

impl Error {
    pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| Error::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// The output formats of the `report` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `results.json`, schema v1.
    Json,
    /// Transparency report, HTML (one member).
    Html,
    /// Transparency report, Markdown (one member).
    Markdown,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
    /// GitHub workflow annotations.
    Github,
    /// Markdown summary for CI job summaries and merge-request comments.
    Summary,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "json" => Format::Json,
            "html" => Format::Html,
            "markdown" | "md" => Format::Markdown,
            "sarif" => Format::Sarif,
            "junit" => Format::Junit,
            "github" => Format::Github,
            "summary" => Format::Summary,
            other => {
                return Err(format!(
                    "unknown format {other:?}: expected json, html, markdown, sarif, junit, github or summary"
                ));
            }
        })
    }
}
