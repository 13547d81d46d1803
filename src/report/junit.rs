//! JUnit XML, for CI test dashboards: one test suite per member, one test case per finding.
//!
//! Mapping: `pass` → success; `fail` → failure; `warn` → success with the message in
//! `system-out` (a warning must not break a pipeline that treats JUnit failures as fatal; use
//! `--fail-on warn` for that); `inconclusive` → error (the tool could not observe: a problem of
//! the run, not a judgement); `not_applicable` → skipped; `manual` → skipped with the message
//! `manual review needed` (no machine verdict exists, so it is neither a success nor a failure).

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::Results;
use crate::catalogue::{Catalogue, Lang};
use crate::finding::Verdict;

/// Builds the JUnit report.
pub fn build(results: &Results, catalogue: &Catalogue) -> Report {
    let mut report = Report::new(results.run.tool.clone());
    for member in &results.members {
        let mut suite = TestSuite::new(member.id.clone());
        for f in &member.findings {
            let title = catalogue
                .check(f.check.as_str())
                .map(|e| e.title.get(Lang::En).to_string());
            let remediation = catalogue
                .check(f.check.as_str())
                .map(|e| e.remediation.get(Lang::En).to_string());
            let evidence: String = f
                .evidence
                .iter()
                .map(|e| match &e.source {
                    Some(s) => format!("{} = {} ({s})\n", e.label, e.value),
                    None => format!("{} = {}\n", e.label, e.value),
                })
                .collect();
            let status = match f.verdict {
                Verdict::Pass | Verdict::Warn => TestCaseStatus::success(),
                Verdict::Fail | Verdict::Inconclusive => {
                    let kind = if f.verdict == Verdict::Fail {
                        NonSuccessKind::Failure
                    } else {
                        NonSuccessKind::Error
                    };
                    let mut status = TestCaseStatus::non_success(kind);
                    status
                        .set_message(f.message.clone())
                        .set_type(f.verdict.as_str());
                    let mut description = evidence.clone();
                    if let Some(r) = &remediation {
                        description.push_str(&format!("remediation: {r}\n"));
                    }
                    status.set_description(description);
                    status
                }
                Verdict::Manual => {
                    let mut status = TestCaseStatus::skipped();
                    status.set_message(format!("manual review needed: {}", f.message));
                    status.set_description(evidence.clone());
                    status
                }
                Verdict::NotApplicable => {
                    let mut status = TestCaseStatus::skipped();
                    status.set_message(f.message.clone());
                    status
                }
            };
            let mut case = TestCase::new(format!("{} [{}]", f.check, f.subject), status);
            case.set_classname(format!("{}.{}", member.id, f.check));
            if let Some(title) = title {
                case.add_property(quick_junit::Property::new("title", title));
            }
            if f.verdict == Verdict::Warn {
                case.set_system_out(format!("warn: {}\n{evidence}", f.message));
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report
}

/// Writes the JUnit XML.
pub fn to_string(results: &Results, catalogue: &Catalogue) -> Result<String, super::Error> {
    build(results, catalogue)
        .to_string()
        .map_err(|e| super::Error::Template {
            name: "junit".into(),
            message: e.to_string(),
        })
}
