//! Waivers: exceptions a member or the collective has accepted, read from a YAML file.
//!
//! A waiver names a check, a member and optionally a subject, says why and who accepted it, and
//! expires. Applying waivers never hides anything: waived findings move to their own list and
//! every report shows them as waived; a waiver past its date stops applying and is reported;
//! a waiver that matched nothing is reported too, so stale exceptions get cleaned up.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::finding::Finding;

/// One accepted exception.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The check ID, e.g. `web.https-reachable`.
    pub check: String,
    /// The member ID.
    pub member: String,
    /// The subject as displayed (`member`, `service cloud`, a URL, `host h`, `mail domain d`);
    /// absent means every subject of that check for that member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Why the exception is acceptable.
    pub reason: String,
    /// Who accepted it (a person or a body of the collective).
    pub accepted_by: String,
    /// Last day (inclusive) the waiver applies, `YYYY-MM-DD`.
    #[serde(with = "iso_date")]
    pub expires: Date,
}

impl Waiver {
    /// Whether this waiver covers `finding` (dates aside).
    pub fn matches(&self, finding: &Finding) -> bool {
        self.check == finding.check.as_str()
            && self.member == finding.member
            && self
                .subject
                .as_ref()
                .is_none_or(|s| *s == finding.subject.to_string())
    }
}

/// The waivers file: a top-level `waivers:` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct WaiverFile {
    /// The waivers, in file order.
    pub waivers: Vec<Waiver>,
}

/// A waivers file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file is not valid for the waivers schema (the message has line and column).
    #[error("waivers file {path}: {message}")]
    Invalid {
        /// Path of the file.
        path: String,
        /// What is wrong, with line and column.
        message: String,
    },
    /// The file could not be read.
    #[error("waivers file {path}: {source}")]
    Io {
        /// Path of the file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Parses a waivers file's text; `path` only names it in errors.
pub fn parse(text: &str, path: &str) -> Result<Vec<Waiver>, Error> {
    serde_saphyr::from_str::<WaiverFile>(text)
        .map(|file| file.waivers)
        .map_err(|e| Error::Invalid {
            path: path.to_string(),
            message: e.to_string(),
        })
}

/// Reads and parses a waivers file.
pub fn load(path: &std::path::Path) -> Result<Vec<Waiver>, Error> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: name.clone(),
        source: e,
    })?;
    parse(&text, &name)
}

/// A finding that a waiver covers, with the waiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaivedFinding {
    /// The finding as judged.
    pub finding: Finding,
    /// The waiver that covers it.
    pub waiver: Waiver,
}

/// The outcome of applying waivers to findings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Waived {
    /// Findings no valid waiver covers: these are scored and reported as usual.
    pub reported: Vec<Finding>,
    /// Findings a valid waiver covers.
    pub waived: Vec<WaivedFinding>,
    /// Waivers past their date (they no longer apply), whether or not they matched.
    pub expired_waivers: Vec<Waiver>,
    /// Valid waivers that matched no finding.
    pub unused_waivers: Vec<Waiver>,
}

/// Applies `waivers` to `findings` on day `today`.
///
/// Only findings that are not `pass`/`not_applicable` can be waived (waiving a pass would
/// only hide it); the first matching valid waiver wins.
pub fn apply(findings: Vec<Finding>, waivers: &[Waiver], today: Date) -> Waived {
    use crate::finding::Verdict;
    let (valid, expired): (Vec<&Waiver>, Vec<&Waiver>) =
        waivers.iter().partition(|w| w.expires >= today);
    let mut used = vec![false; valid.len()];
    let mut out = Waived {
        expired_waivers: expired.into_iter().cloned().collect(),
        ..Waived::default()
    };
    for finding in findings {
        let waivable = !matches!(finding.verdict, Verdict::Pass | Verdict::NotApplicable);
        let hit = waivable
            .then(|| valid.iter().position(|w| w.matches(&finding)))
            .flatten();
        match hit {
            Some(index) => {
                used[index] = true;
                out.waived.push(WaivedFinding {
                    finding,
                    waiver: valid[index].clone(),
                });
            }
            None => out.reported.push(finding),
        }
    }
    out.unused_waivers = valid
        .into_iter()
        .zip(used)
        .filter(|(_, used)| !used)
        .map(|(w, _)| w.clone())
        .collect();
    out
}

/// Dates as `YYYY-MM-DD` in YAML and JSON.
pub mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;
    use time::macros::format_description;

    const FORMAT: &[time::format_description::FormatItem<'static>] =
        format_description!("[year]-[month]-[day]");

    /// Writes `YYYY-MM-DD`.
    pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        let text = date.format(FORMAT).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }

    /// Reads `YYYY-MM-DD`.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        Date::parse(&text, FORMAT).map_err(|e| {
            serde::de::Error::custom(format!("expected a date YYYY-MM-DD, got {text:?}: {e}"))
        })
    }

    /// Formats a date as `YYYY-MM-DD`.
    pub fn format(date: Date) -> String {
        date.format(FORMAT).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckId;
    use crate::finding::{Subject, Verdict};
    use time::macros::date;

    fn finding(check: &str, member: &str, subject: Subject, verdict: Verdict) -> Finding {
        Finding {
            check: CheckId::new(check),
            member: member.into(),
            subject,
            verdict,
            message: "seen".into(),
            message_fr: None,
            evidence: vec![],
        }
    }

    fn waiver(check: &str, member: &str, subject: Option<&str>, expires: Date) -> Waiver {
        Waiver {
            check: check.into(),
            member: member.into(),
            subject: subject.map(str::to_string),
            reason: "accepted".into(),
            accepted_by: "collective".into(),
            expires,
        }
    }

    #[test]
    fn a_valid_waiver_moves_the_matching_failure_to_waived() {
        let findings = vec![
            finding(
                "web.https-reachable",
                "a",
                Subject::Service("cloud".into()),
                Verdict::Fail,
            ),
            finding(
                "web.https-reachable",
                "a",
                Subject::Service("pad".into()),
                Verdict::Fail,
            ),
        ];
        let waivers = [waiver(
            "web.https-reachable",
            "a",
            Some("service cloud"),
            date!(2026 - 12 - 31),
        )];
        let out = apply(findings, &waivers, date!(2026 - 11 - 29));
        assert_eq!(out.waived.len(), 1);
        assert_eq!(
            out.waived[0].finding.subject,
            Subject::Service("cloud".into())
        );
        assert_eq!(out.reported.len(), 1);
        assert!(out.unused_waivers.is_empty() && out.expired_waivers.is_empty());
    }

    #[test]
    fn an_expired_waiver_stops_applying_and_is_reported() {
        let findings = vec![finding(
            "web.https-reachable",
            "a",
            Subject::Member,
            Verdict::Fail,
        )];
        let waivers = [waiver(
            "web.https-reachable",
            "a",
            None,
            date!(2026 - 11 - 28),
        )];
        let out = apply(findings, &waivers, date!(2026 - 11 - 29));
        assert!(out.waived.is_empty());
        assert_eq!(out.reported.len(), 1);
        assert_eq!(out.expired_waivers.len(), 1);
    }

    #[test]
    fn a_waiver_expiring_today_still_applies() {
        let findings = vec![finding(
            "web.https-reachable",
            "a",
            Subject::Member,
            Verdict::Warn,
        )];
        let waivers = [waiver(
            "web.https-reachable",
            "a",
            None,
            date!(2026 - 11 - 29),
        )];
        assert_eq!(
            apply(findings, &waivers, date!(2026 - 11 - 29))
                .waived
                .len(),
            1
        );
    }

    #[test]
    fn a_waiver_that_matches_nothing_is_reported_unused_and_passes_are_never_waived() {
        let findings = vec![finding(
            "web.https-reachable",
            "a",
            Subject::Member,
            Verdict::Pass,
        )];
        let waivers = [waiver(
            "web.https-reachable",
            "a",
            None,
            date!(2027 - 01 - 01),
        )];
        let out = apply(findings, &waivers, date!(2026 - 11 - 29));
        assert_eq!(out.reported.len(), 1);
        assert_eq!(out.unused_waivers.len(), 1);
    }

    #[test]
    fn unknown_fields_are_rejected_with_line_and_column() {
        let text = "waivers:\n  - check: web.https-reachable\n    member: a\n    reason: r\n    accepted_by: b\n    expires: 2027-01-01\n    expiry: 2027-01-01\n";
        let err = parse(text, "w.yaml").expect_err("unknown field");
        let message = err.to_string();
        assert!(
            message.contains("w.yaml") && message.contains("expiry"),
            "{message}"
        );
        assert!(message.contains('7'), "line number expected: {message}");
    }

    #[test]
    fn a_malformed_date_is_rejected() {
        let text = "waivers:\n  - check: c.d\n    member: a\n    reason: r\n    accepted_by: b\n    expires: next year\n";
        let message = parse(text, "w.yaml").expect_err("bad date").to_string();
        assert!(message.contains("YYYY-MM-DD"), "{message}");
    }

    #[test]
    fn the_commented_example_file_parses() {
        let text = include_str!("../fixtures/waivers.example.yaml");
        let waivers = parse(text, "fixtures/waivers.example.yaml").expect("example parses");
        assert!(waivers.len() >= 2);
        assert!(waivers.iter().any(|w| w.subject.is_none()));
    }
}
