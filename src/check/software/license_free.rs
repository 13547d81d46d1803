//! `software.license-free`: the licence a member declares for each service's software is free.

use super::{Freedom, catalogued, freedom, parse_licence};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::Service;
use crate::finding::{Finding, Subject};

/// The declared licence is OSI-approved or FSF free/libre (one free branch of an `OR`, every
/// part of an `AND`).
pub struct LicenseFree;

impl Check for LicenseFree {
    fn id(&self) -> &'static str {
        "software.license-free"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        cx.member
            .services
            .iter()
            .map(|s| judge_service(cx, s))
            .collect()
    }
}

fn judge_service(cx: &Context<'_>, service: &Service) -> Finding {
    let subject = Subject::Service(service.id.clone());
    let Some(software) = &service.software else {
        return cx.warn(
            subject,
            "no software declared for this service, so no licence either",
        );
    };
    if software.proprietary {
        // A declared proprietary exception is allowed when listed publicly: that is
        // software.proprietary-exceptions-listed's question, not a breach here.
        return cx
            .not_applicable(
                subject,
                format!("{} is declared as a proprietary exception", software.name),
            )
            .evidence("software.proprietary", "true");
    }
    let Some(text) = &software.license else {
        let finding = cx.warn(
            subject,
            format!("no licence declared for {}", software.name),
        );
        return match catalogued(&software.name)
            .and_then(|p| p.spdx_license.as_deref().map(|l| (p, l)))
        {
            Some((product, licence)) => finding.evidence_at(
                "catalogue.licence",
                licence,
                product.license_source_url.clone().unwrap_or_default(),
            ),
            None => finding,
        };
    };
    let expr = match parse_licence(text) {
        Ok(expr) => expr,
        Err(why) => {
            return cx
                .manual(
                    subject,
                    format!(
                        "the declared licence of {} cannot be read: {why}",
                        software.name
                    ),
                )
                .evidence("declared.licence", text);
        }
    };
    match freedom(&expr) {
        Freedom::Free => cx.pass(subject, format!("{} is declared under a free licence ({text})", software.name)),
        Freedom::NonFree => cx.fail(
            subject,
            format!("{} is declared under a licence that is neither OSI-approved nor FSF free ({text})", software.name),
        ),
        Freedom::Unknown => cx.manual(
            subject,
            format!("the declared licence of {} names terms outside the SPDX list ({text}); a human must read them", software.name),
        ),
    }
    .evidence("declared.licence", text)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::finding::Verdict;

    fn licensed(licence: Option<&str>) -> Verdict {
        let mut sw = software("Etherpad");
        sw.license = licence.map(str::to_string);
        verdict(&LicenseFree, &member(Some(sw)), &observations()).0
    }

    #[test]
    fn a_free_licence_passes() {
        assert_eq!(licensed(Some("Apache-2.0")), Verdict::Pass);
        assert_eq!(
            licensed(Some("AGPL-3.0")),
            Verdict::Pass,
            "deprecated ids are still free"
        );
        assert_eq!(licensed(Some("BUSL-1.1 OR MIT")), Verdict::Pass);
    }

    #[test]
    fn a_non_free_licence_fails() {
        assert_eq!(licensed(Some("BUSL-1.1")), Verdict::Fail);
        assert_eq!(licensed(Some("MIT AND BUSL-1.1")), Verdict::Fail);
    }

    #[test]
    fn licence_refs_and_unreadable_expressions_need_a_human() {
        assert_eq!(licensed(Some("LicenseRef-ACSL-1.4")), Verdict::Manual);
        assert_eq!(
            licensed(Some("AGPL-3.0-only AND LicenseRef-Bitwarden-License-1.0")),
            Verdict::Manual
        );
        assert_eq!(licensed(Some("free as in freedom")), Verdict::Manual);
        assert_eq!(licensed(Some("((MIT")), Verdict::Manual);
    }

    #[test]
    fn a_missing_licence_warns_with_the_catalogue_licence_as_evidence() {
        let (v, finding) = verdict(
            &LicenseFree,
            &member(Some(software("Etherpad"))),
            &observations(),
        );
        assert_eq!(v, Verdict::Warn);
        assert!(
            finding
                .evidence
                .iter()
                .any(|e| e.label == "catalogue.licence" && e.value == "Apache-2.0")
        );
        assert_eq!(
            verdict(&LicenseFree, &member(None), &observations()).0,
            Verdict::Warn
        );
    }

    #[test]
    fn a_declared_proprietary_exception_is_left_to_the_exceptions_check() {
        let mut sw = software("Visio Pro");
        sw.proprietary = true;
        sw.license = Some("LicenseRef-Proprietary".into());
        assert_eq!(
            verdict(&LicenseFree, &member(Some(sw)), &observations()).0,
            Verdict::NotApplicable
        );
    }
}
