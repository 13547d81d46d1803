//! SARIF 2.1.0 output for code-scanning dashboards (GitHub, GitLab, Forgejo).
//!
//! A minimal hand-written model: only the properties we emit, each struct naming its section
//! of the OASIS SARIF 2.1.0 specification. Rules and texts come from the catalogue (English);
//! a result's `kind`/`level` come from its verdict:
//!
//! | verdict        | kind          | level   |
//! |----------------|---------------|---------|
//! | fail           | fail          | error   |
//! | warn           | fail          | warning |
//! | manual         | review        | none    |
//! | inconclusive   | open          | none    |
//! | pass           | pass          | none    |
//! | not_applicable | notApplicable | none    |

use std::collections::BTreeMap;

use serde::Serialize;

use super::Results;
use crate::catalogue::{Catalogue, Lang};
use crate::finding::{Finding, Verdict};

/// §3.13 sarifLog.
#[derive(Debug, Serialize)]
pub struct SarifLog {
    /// §3.13.3.
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    /// §3.13.2, always `2.1.0`.
    pub version: &'static str,
    /// §3.13.4.
    pub runs: Vec<Run>,
}

/// §3.14 run.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    /// §3.14.6.
    pub tool: Tool,
    /// §3.14.23.
    pub results: Vec<SarifResult>,
}

/// §3.18 tool.
#[derive(Debug, Serialize)]
pub struct Tool {
    /// §3.18.2.
    pub driver: Driver,
}

/// §3.19 toolComponent (the driver).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver {
    /// §3.19.8.
    pub name: String,
    /// §3.19.13.
    pub version: String,
    /// §3.19.17.
    pub information_uri: &'static str,
    /// §3.19.23.
    pub rules: Vec<Rule>,
}

/// §3.12 multiformatMessageString.
#[derive(Debug, Serialize)]
pub struct Text {
    /// §3.12.3.
    pub text: String,
    /// §3.12.4.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub markdown: Option<String>,
}

impl Text {
    fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            markdown: None,
        }
    }
}

/// §3.49 reportingDescriptor (a rule).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// §3.49.3.
    pub id: String,
    /// §3.49.7.
    pub name: String,
    /// §3.49.9.
    pub short_description: Text,
    /// §3.49.10.
    pub full_description: Text,
    /// §3.49.13.
    pub help: Text,
    /// §3.49.14.
    pub default_configuration: Configuration,
    /// §3.8 property bag.
    pub properties: BTreeMap<&'static str, String>,
}

/// §3.50 reportingConfiguration.
#[derive(Debug, Serialize)]
pub struct Configuration {
    /// §3.50.3.
    pub level: &'static str,
}

/// §3.27 result.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    /// §3.27.5.
    pub rule_id: String,
    /// §3.27.6.
    pub rule_index: usize,
    /// §3.27.9.
    pub kind: &'static str,
    /// §3.27.10.
    pub level: &'static str,
    /// §3.27.11.
    pub message: Text,
    /// §3.27.12.
    pub locations: Vec<Location>,
    /// §3.27.17.
    pub partial_fingerprints: BTreeMap<&'static str, String>,
}

/// §3.28 location.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// §3.28.3.
    pub physical_location: PhysicalLocation,
    /// §3.28.4.
    pub logical_locations: Vec<LogicalLocation>,
}

/// §3.29 physicalLocation.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    /// §3.29.3.
    pub artifact_location: ArtifactLocation,
}

/// §3.4 artifactLocation.
#[derive(Debug, Serialize)]
pub struct ArtifactLocation {
    /// §3.4.3: the declarations file audited.
    pub uri: String,
}

/// §3.33 logicalLocation: the member and subject.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogicalLocation {
    /// §3.33.4.
    pub name: String,
    /// §3.33.5.
    pub fully_qualified_name: String,
    /// §3.33.7.
    pub kind: &'static str,
}

/// The SARIF `kind` and `level` of a verdict.
pub fn kind_and_level(verdict: Verdict) -> (&'static str, &'static str) {
    match verdict {
        Verdict::Fail => ("fail", "error"),
        Verdict::Warn => ("fail", "warning"),
        Verdict::Manual => ("review", "none"),
        Verdict::Inconclusive => ("open", "none"),
        Verdict::Pass => ("pass", "none"),
        Verdict::NotApplicable => ("notApplicable", "none"),
    }
}

/// Builds the SARIF log of a run.
pub fn build(results: &Results, catalogue: &Catalogue) -> SarifLog {
    let findings: Vec<&Finding> = results
        .members
        .iter()
        .flat_map(|m| m.findings.iter())
        .collect();
    let mut rule_ids: Vec<&str> = findings.iter().map(|f| f.check.as_str()).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rules: Vec<Rule> = rule_ids
        .iter()
        .map(|id| {
            let entry = catalogue.check(id);
            let text = |f: fn(&crate::catalogue::CheckEntry) -> &crate::catalogue::Bilingual| {
                entry
                    .map(|e| f(e).get(Lang::En).to_string())
                    .unwrap_or_else(|| (*id).to_string())
            };
            let mut properties = BTreeMap::new();
            if let Some(e) = entry {
                properties.insert("commitment", e.commitment.clone());
                properties.insert("severity", format!("{:?}", e.severity).to_lowercase());
            }
            Rule {
                id: (*id).to_string(),
                name: id.replace(['.', '-'], "_"),
                short_description: Text::plain(text(|e| &e.title)),
                full_description: Text::plain(text(|e| &e.rationale)),
                help: Text::plain(text(|e| &e.remediation)),
                default_configuration: Configuration { level: "error" },
                properties,
            }
        })
        .collect();
    let results_out = findings
        .iter()
        .map(|f| {
            let (kind, level) = kind_and_level(f.verdict);
            let subject = f.subject.to_string();
            SarifResult {
                rule_id: f.check.as_str().to_string(),
                rule_index: rule_ids.binary_search(&f.check.as_str()).unwrap_or(0),
                kind,
                level,
                message: Text::plain(format!("{}: {} ({subject})", f.member, f.message)),
                locations: vec![Location {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation {
                            uri: artifact_uri(&results.run.source),
                        },
                    },
                    logical_locations: vec![LogicalLocation {
                        name: subject.clone(),
                        fully_qualified_name: format!("{}/{subject}", f.member),
                        kind: "member",
                    }],
                }],
                partial_fingerprints: BTreeMap::from([(
                    "chatonsAudit/v1",
                    format!("{}/{}/{subject}", f.member, f.check),
                )]),
            }
        })
        .collect();
    SarifLog {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: results.run.tool.clone(),
                    version: results.run.version.clone(),
                    information_uri: "https://framagit.org/chatons/chatons-audit",
                    rules,
                },
            },
            results: results_out,
        }],
    }
}

/// A URI for the audited source: kept when it is already a URL, else a relative path with
/// spaces percent-encoded (SARIF wants a URI reference).
fn artifact_uri(source: &str) -> String {
    if url::Url::parse(source).is_ok() {
        return source.to_string();
    }
    source.replace('\\', "/").replace(' ', "%20")
}

/// Writes the SARIF log as pretty JSON.
pub fn to_string(results: &Results, catalogue: &Catalogue) -> String {
    let mut text = serde_json::to_string_pretty(&build(results, catalogue))
        .expect("internal error: the SARIF model holds only strings, numbers and lists");
    text.push('\n');
    text
}
