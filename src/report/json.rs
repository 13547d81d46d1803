//! JSON results, schema v1: the frozen shape of `results.json`.
//!
//! The internal types ([`Results`], [`Finding`], [`MemberScore`]) are free to change; this
//! module's `V1*` DTOs are not. Every field here is part of a published contract
//! (`schemas/results-v1.schema.json`): add optional fields only, never rename or remove one
//! without a `schema_version: 2`. Output is deterministic: maps are ordered, floats are
//! rounded by `score`, nothing depends on the clock or on hash order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Error, MemberResult, Results, RunInfo};
use crate::check::CheckId;
use crate::declaration::{Origin, Problem};
use crate::finding::{Evidence, Finding, Subject, Verdict};
use crate::score::{CommitmentScore, MemberScore};
use crate::waiver::{WaivedFinding, Waiver};

/// The schema version this module writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// The root of `results.json`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct V1Results {
    /// Always 1.
    pub schema_version: u32,
    /// The run.
    pub run: V1Run,
    /// Members in declaration order.
    pub members: Vec<V1Member>,
    /// Problems met while loading declarations.
    pub problems: Vec<V1Problem>,
    /// Waivers past their date.
    #[serde(default)]
    pub expired_waivers: Vec<V1Waiver>,
    /// Valid waivers that matched nothing.
    #[serde(default)]
    pub unused_waivers: Vec<V1Waiver>,
}

/// The run.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct V1Run {
    /// `chatons-audit`.
    pub tool: String,
    /// Tool version.
    pub version: String,
    /// RFC 3339 start time.
    pub started_at: String,
    /// What was audited.
    pub source: String,
    /// Check IDs that ran.
    pub checks: Vec<String>,
}

/// One member.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct V1Member {
    /// Member ID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Website.
    pub website: String,
    /// Scores.
    pub score: V1Score,
    /// Findings (waived ones excluded).
    pub findings: Vec<V1Finding>,
    /// Waived findings with their waiver.
    #[serde(default)]
    pub waived: Vec<V1Waived>,
}

/// A member's scores.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct V1Score {
    /// 0–100 or null.
    pub overall: Option<f64>,
    /// Per commitment.
    pub commitments: Vec<V1CommitmentScore>,
    /// Findings per verdict.
    pub counts: BTreeMap<String, u32>,
}

/// One commitment's score.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct V1CommitmentScore {
    /// Commitment ID.
    pub commitment: String,
    /// 0–100 or null.
    pub score: Option<f64>,
    /// Weight earned.
    pub earned: f64,
    /// Weight at stake.
    pub possible: f64,
    /// Findings per verdict.
    pub counts: BTreeMap<String, u32>,
}

/// One finding.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct V1Finding {
    /// Check ID.
    pub check: String,
    /// Member ID.
    pub member: String,
    /// Subject.
    pub subject: V1Subject,
    /// `pass`, `warn`, `fail`, `manual`, `not_applicable` or `inconclusive`.
    pub verdict: Verdict,
    /// What was seen, in English.
    pub message: String,
    /// The same in French, when the check wrote it (added in 0.1: optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_fr: Option<String>,
    /// Evidence.
    pub evidence: Vec<V1Evidence>,
}

/// What a finding is about.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct V1Subject {
    /// `member`, `service`, `url`, `host` or `mail_domain`.
    pub kind: String,
    /// The service ID, URL, host or domain; absent for `member`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// One piece of evidence.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct V1Evidence {
    /// Stable label.
    pub label: String,
    /// What was seen.
    pub value: String,
    /// Where, when a URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A waived finding.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct V1Waived {
    /// The finding.
    pub finding: V1Finding,
    /// The waiver.
    pub waiver: V1Waiver,
}

/// A waiver.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct V1Waiver {
    /// Check ID.
    pub check: String,
    /// Member ID.
    pub member: String,
    /// Subject as displayed, or absent for all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Why.
    pub reason: String,
    /// Who accepted.
    pub accepted_by: String,
    /// `YYYY-MM-DD`.
    pub expires: String,
}

/// A declaration problem.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct V1Problem {
    /// File or URL.
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: u32,
    /// 1-based column, 0 when unknown.
    pub column: u32,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

fn counts_out(counts: &BTreeMap<Verdict, u32>) -> BTreeMap<String, u32> {
    counts
        .iter()
        .map(|(v, n)| (v.as_str().to_string(), *n))
        .collect()
}

impl From<&Subject> for V1Subject {
    fn from(subject: &Subject) -> Self {
        let (kind, id) = match subject {
            Subject::Member => ("member", None),
            Subject::Service(id) => ("service", Some(id)),
            Subject::Url(id) => ("url", Some(id)),
            Subject::Host(id) => ("host", Some(id)),
            Subject::MailDomain(id) => ("mail_domain", Some(id)),
        };
        Self {
            kind: kind.into(),
            id: id.cloned(),
        }
    }
}

impl From<&Finding> for V1Finding {
    fn from(f: &Finding) -> Self {
        Self {
            check: f.check.as_str().to_string(),
            member: f.member.clone(),
            subject: (&f.subject).into(),
            verdict: f.verdict,
            message: f.message.clone(),
            message_fr: f.message_fr.clone(),
            evidence: f
                .evidence
                .iter()
                .map(|e| V1Evidence {
                    label: e.label.clone(),
                    value: e.value.clone(),
                    source: e.source.clone(),
                })
                .collect(),
        }
    }
}

impl From<&Waiver> for V1Waiver {
    fn from(w: &Waiver) -> Self {
        Self {
            check: w.check.clone(),
            member: w.member.clone(),
            subject: w.subject.clone(),
            reason: w.reason.clone(),
            accepted_by: w.accepted_by.clone(),
            expires: crate::waiver::iso_date::format(w.expires),
        }
    }
}

impl From<&MemberResult> for V1Member {
    fn from(m: &MemberResult) -> Self {
        Self {
            id: m.id.clone(),
            name: m.name.clone(),
            website: m.website.clone(),
            score: V1Score {
                overall: m.score.overall,
                commitments: m
                    .score
                    .commitments
                    .iter()
                    .map(|c| V1CommitmentScore {
                        commitment: c.commitment.clone(),
                        score: c.score,
                        earned: c.earned,
                        possible: c.possible,
                        counts: counts_out(&c.counts),
                    })
                    .collect(),
                counts: counts_out(&m.score.counts),
            },
            findings: m.findings.iter().map(V1Finding::from).collect(),
            waived: m
                .waived
                .iter()
                .map(|w| V1Waived {
                    finding: (&w.finding).into(),
                    waiver: (&w.waiver).into(),
                })
                .collect(),
        }
    }
}

impl From<&Results> for V1Results {
    fn from(r: &Results) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            run: V1Run {
                tool: r.run.tool.clone(),
                version: r.run.version.clone(),
                started_at: r.run.started_at.clone(),
                source: r.run.source.clone(),
                checks: r.run.checks.clone(),
            },
            members: r.members.iter().map(V1Member::from).collect(),
            problems: r
                .problems
                .iter()
                .map(|p| V1Problem {
                    file: p.origin.file.clone(),
                    line: p.origin.line,
                    column: p.origin.column,
                    message: p.message.clone(),
                    hint: p.hint.clone(),
                })
                .collect(),
            expired_waivers: r.expired_waivers.iter().map(V1Waiver::from).collect(),
            unused_waivers: r.unused_waivers.iter().map(V1Waiver::from).collect(),
        }
    }
}

/// Writes results as pretty-printed JSON, schema v1, with a final newline.
pub fn to_json(results: &Results) -> String {
    let mut text = serde_json::to_string_pretty(&V1Results::from(results))
        .expect("internal error: the v1 DTO holds only strings, numbers, lists and string maps");
    text.push('\n');
    text
}

/// Reads a results file written by [`to_json`] (any schema v1 writer).
pub fn from_json(text: &str) -> Result<Results, Error> {
    let dto: V1Results = serde_json::from_str(text)
        .map_err(|e| Error::Results(format!("line {}, column {}: {e}", e.line(), e.column())))?;
    if dto.schema_version != SCHEMA_VERSION {
        return Err(Error::Results(format!(
            "schema_version {} is not supported (this version reads {SCHEMA_VERSION})",
            dto.schema_version
        )));
    }
    dto.try_into()
}

fn counts_in(counts: BTreeMap<String, u32>) -> Result<BTreeMap<Verdict, u32>, Error> {
    counts
        .into_iter()
        .map(|(k, n)| {
            serde_json::from_value::<Verdict>(serde_json::Value::String(k.clone()))
                .map(|v| (v, n))
                .map_err(|_| Error::Results(format!("unknown verdict {k:?} in counts")))
        })
        .collect()
}

fn subject_in(s: V1Subject) -> Result<Subject, Error> {
    let need = |id: Option<String>| {
        id.ok_or_else(|| Error::Results(format!("subject of kind {:?} needs an id", s.kind)))
    };
    Ok(match s.kind.as_str() {
        "member" => Subject::Member,
        "service" => Subject::Service(need(s.id.clone())?),
        "url" => Subject::Url(need(s.id.clone())?),
        "host" => Subject::Host(need(s.id.clone())?),
        "mail_domain" => Subject::MailDomain(need(s.id.clone())?),
        other => return Err(Error::Results(format!("unknown subject kind {other:?}"))),
    })
}

fn finding_in(f: V1Finding) -> Result<Finding, Error> {
    Ok(Finding {
        check: CheckId::new(f.check),
        member: f.member,
        subject: subject_in(f.subject)?,
        verdict: f.verdict,
        message: f.message,
        message_fr: f.message_fr,
        evidence: f
            .evidence
            .into_iter()
            .map(|e| Evidence {
                label: e.label,
                value: e.value,
                source: e.source,
            })
            .collect(),
    })
}

fn waiver_in(w: V1Waiver) -> Result<Waiver, Error> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let expires = time::Date::parse(&w.expires, format)
        .map_err(|e| Error::Results(format!("waiver expires {:?}: {e}", w.expires)))?;
    Ok(Waiver {
        check: w.check,
        member: w.member,
        subject: w.subject,
        reason: w.reason,
        accepted_by: w.accepted_by,
        expires,
    })
}

impl TryFrom<V1Results> for Results {
    type Error = Error;
    fn try_from(dto: V1Results) -> Result<Self, Error> {
        let mut members = Vec::with_capacity(dto.members.len());
        for m in dto.members {
            let mut commitments = Vec::new();
            for c in m.score.commitments {
                commitments.push(CommitmentScore {
                    commitment: c.commitment,
                    score: c.score,
                    earned: c.earned,
                    possible: c.possible,
                    counts: counts_in(c.counts)?,
                });
            }
            members.push(MemberResult {
                id: m.id,
                name: m.name,
                website: m.website,
                score: MemberScore {
                    overall: m.score.overall,
                    commitments,
                    counts: counts_in(m.score.counts)?,
                },
                findings: m
                    .findings
                    .into_iter()
                    .map(finding_in)
                    .collect::<Result<_, _>>()?,
                waived: m
                    .waived
                    .into_iter()
                    .map(|w| {
                        Ok(WaivedFinding {
                            finding: finding_in(w.finding)?,
                            waiver: waiver_in(w.waiver)?,
                        })
                    })
                    .collect::<Result<_, Error>>()?,
            });
        }
        Ok(Results {
            run: RunInfo {
                tool: dto.run.tool,
                version: dto.run.version,
                started_at: dto.run.started_at,
                source: dto.run.source,
                checks: dto.run.checks,
            },
            members,
            problems: dto
                .problems
                .into_iter()
                .map(|p| Problem {
                    origin: Origin::new(p.file, p.line, p.column),
                    message: p.message,
                    hint: p.hint,
                })
                .collect(),
            expired_waivers: dto
                .expired_waivers
                .into_iter()
                .map(waiver_in)
                .collect::<Result<_, _>>()?,
            unused_waivers: dto
                .unused_waivers
                .into_iter()
                .map(waiver_in)
                .collect::<Result<_, _>>()?,
        })
    }
}
