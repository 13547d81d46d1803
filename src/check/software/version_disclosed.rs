//! `software.version-disclosed`: records whether each service announces the version it runs.

use super::detected_matches_declared::unreachable;
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::Service;
use crate::finding::{Finding, Subject};
use crate::msg;
use crate::observation::Observed;

/// Informational: a public version lets users check that the service is up to date and find
/// the matching source, but it also helps attackers, and the charter asks for neither. So the
/// fact is recorded as a `not_applicable` finding with the evidence, which reports show and
/// scores leave out (see `score::evaluate`), instead of a pass or warn that would move a score.
pub struct VersionDisclosed;

impl Check for VersionDisclosed {
    fn id(&self) -> &'static str {
        "software.version-disclosed"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Software]
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
    let url = service.url.as_str();
    let obs = match cx.observations.software.get(url) {
        None => {
            return cx.not_observed(
                subject,
                msg!("the software of {url}", "le logiciel de {url}"),
            );
        }
        Some(Observed::Failed(failure)) => return cx.inconclusive(subject, failure),
        Some(Observed::Seen(obs)) => obs,
    };
    if let Some(failure) = unreachable(obs) {
        return cx.inconclusive(subject, failure);
    }
    match obs.announced_version() {
        Some(d) => cx
            .not_applicable(subject, {
                let (product, version) = (&d.product, d.version.as_deref().unwrap_or_default());
                msg!(
                    "informational: the service announces {product} {version}",
                    "pour information : le service annonce {product} {version}"
                )
            })
            .evidence_at(
                "announced.version",
                d.version.clone().unwrap_or_default(),
                &d.url,
            )
            .evidence_at("announced.signal", &d.signal, &d.url),
        None => cx
            .not_applicable(subject, {
                let requests = obs.attempts.len();
                let requests_fr = if requests == 1 {
                    "requête"
                } else {
                    "requêtes"
                };
                msg!(
                    "informational: no public version found in {requests} request(s)",
                    "pour information : aucune version publique trouvée en {requests} {requests_fr}"
                )
            })
            .evidence("announced.version", "none"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::finding::Verdict;
    use crate::observation::ProbeFailure;
    use crate::observation::software::{SoftwareObservation, Strength};

    #[test]
    fn an_announced_version_is_recorded_without_a_judgement() {
        let obs = with_software(SoftwareObservation {
            detections: vec![
                detection("Etherpad", None, Strength::Weak),
                detection("Etherpad", Some("2.2.6"), Strength::Strong),
            ],
            attempts: vec![attempt("health", 200)],
            ..Default::default()
        });
        let (v, f) = verdict(&VersionDisclosed, &member(Some(software("Etherpad"))), &obs);
        assert_eq!(v, Verdict::NotApplicable);
        assert!(
            f.evidence
                .iter()
                .any(|e| e.label == "announced.version" && e.value == "2.2.6")
        );
        assert_eq!(
            f.message_fr.as_deref(),
            Some("pour information : le service annonce Etherpad 2.2.6")
        );
    }

    #[test]
    fn no_announced_version_is_recorded_too() {
        let obs = with_software(SoftwareObservation {
            attempts: vec![attempt("", 200)],
            ..Default::default()
        });
        let (v, f) = verdict(&VersionDisclosed, &member(None), &obs);
        assert_eq!(v, Verdict::NotApplicable);
        assert!(f.evidence.iter().any(|e| e.value == "none"));
        assert_eq!(
            f.message_fr.as_deref(),
            Some("pour information : aucune version publique trouvée en 1 requête")
        );
    }

    #[test]
    fn an_unreachable_service_is_inconclusive() {
        assert_eq!(
            verdict(
                &VersionDisclosed,
                &member(None),
                &failed(ProbeFailure::Refused)
            )
            .0,
            Verdict::Inconclusive
        );
        assert_eq!(
            verdict(&VersionDisclosed, &member(None), &observations()).0,
            Verdict::Inconclusive
        );
    }
}
