//! `software.license-free`: the licence a member declares for each service's software is free.

use super::{Freedom, catalogued, freedom, parse_licence};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::Service;
use crate::finding::{Finding, Subject};
use crate::msg;

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
            msg!(
                "no software declared for this service, so no licence either",
                "aucun logiciel déclaré pour ce service, donc aucune licence non plus"
            ),
        );
    };
    let name = &software.name;
    if software.proprietary {
        // A declared proprietary exception is allowed when listed publicly: that is
        // software.proprietary-exceptions-listed's question, not a breach here.
        return cx
            .not_applicable(
                subject,
                msg!(
                    "{name} is declared as a proprietary exception",
                    "{name} est déclaré comme exception privatrice"
                ),
            )
            .evidence("software.proprietary", "true");
    }
    let Some(text) = &software.license else {
        let finding = cx.warn(
            subject,
            msg!(
                "no licence declared for {name}",
                "aucune licence déclarée pour {name}"
            ),
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
                    msg!(
                        "the declared licence of {name} cannot be read: {}",
                        "la licence déclarée pour {name} est illisible : {}";
                        why.en,
                        why.fr.as_str(),
                    ),
                )
                .evidence("declared.licence", text);
        }
    };
    match freedom(&expr) {
        Freedom::Free => cx.pass(
            subject,
            msg!(
                "{name} is declared under a free licence ({text})",
                "{name} est déclaré sous licence libre ({text})"
            ),
        ),
        Freedom::NonFree => cx.fail(
            subject,
            msg!(
                "{name} is declared under a licence that is neither OSI-approved nor FSF free ({text})",
                "{name} est déclaré sous une licence ni approuvée par l'OSI ni reconnue libre par la FSF ({text})"
            ),
        ),
        Freedom::Unknown => cx.manual(
            subject,
            msg!(
                "the declared licence of {name} names terms outside the SPDX list ({text}); a human must read them",
                "la licence déclarée pour {name} renvoie à des conditions hors de la liste SPDX ({text}) ; une personne doit les lire"
            ),
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
        let mut sw = software("Etherpad");
        sw.license = Some("BUSL-1.1".into());
        let (_, f) = verdict(&LicenseFree, &member(Some(sw)), &observations());
        assert_eq!(
            f.message_fr.as_deref(),
            Some(
                "Etherpad est déclaré sous une licence ni approuvée par l'OSI ni reconnue libre par la FSF (BUSL-1.1)"
            )
        );
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
        let mut sw = software("Etherpad");
        sw.license = Some("  ".into());
        let (_, f) = verdict(&LicenseFree, &member(Some(sw)), &observations());
        assert_eq!(
            f.message_fr.as_deref(),
            Some("la licence déclarée pour Etherpad est illisible : licence vide")
        );
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
