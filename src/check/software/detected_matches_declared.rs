//! `software.detected-matches-declared`: the software a service shows is the software the
//! member declares for it.

use std::cmp::Ordering;

use super::catalogued;
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::Service;
use crate::finding::{Finding, Subject};
use crate::msg;
use crate::observation::Observed;
use crate::observation::software::{Detection, SoftwareObservation, Strength, VersionKind};

/// The detected product is the declared one, and the declared version is not behind the
/// running one. A different product is a `fail` only when the service names itself explicitly
/// (NodeInfo, a product-specific endpoint) and both products are in the catalogue; generic
/// markers make it `manual`. Finding no marker proves nothing: `manual`, with what was tried.
pub struct DetectedMatchesDeclared;

impl Check for DetectedMatchesDeclared {
    fn id(&self) -> &'static str {
        "software.detected-matches-declared"
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
        Some(Observed::Failed(failure)) => {
            return cx.inconclusive(subject, failure).evidence("url", url);
        }
        Some(Observed::Seen(obs)) => obs,
    };
    if let Some(failure) = unreachable(obs) {
        return cx.inconclusive(subject, failure).evidence("url", url);
    }
    let declared = service
        .software
        .as_ref()
        .filter(|s| !s.name.trim().is_empty());
    let Some(declared) = declared else {
        return match best(obs.detections.iter()) {
            Some(d) => {
                let product = &d.product;
                with_detection(
                    cx.warn(
                        subject,
                        msg!(
                            "the service shows {product} but declares no software",
                            "le service montre des indices de {product}, mais aucun logiciel n'est déclaré pour lui"
                        ),
                    ),
                    d,
                )
            }
            None => cx.not_applicable(
                subject,
                msg!(
                    "no software declared and none detected",
                    "aucun logiciel déclaré, et aucun détecté"
                ),
            ),
        };
    };
    let name = &declared.name;
    if obs.detections.is_empty() {
        return tried(
            cx.manual(
                subject,
                msg!(
                    "no marker of {name} found; absence of a marker is not evidence of absence",
                    "aucun indice de {name} trouvé ; l'absence d'indice ne prouve pas l'absence du logiciel"
                ),
            ),
            obs,
        );
    }
    let product = catalogued(&declared.name);
    let same = |d: &&Detection| match product {
        Some(p) => p.is_named(&d.product),
        None => d.product.eq_ignore_ascii_case(declared.name.trim()),
    };
    if let Some(d) = best(obs.detections.iter().filter(same)) {
        return judge_version(cx, subject, declared.version.as_deref(), d);
    }
    let other = best(obs.detections.iter()).expect("internal error: detections is not empty");
    let shown = &other.product;
    let finding = if other.strength == Strength::Strong && other.in_catalogue && product.is_some() {
        cx.fail(
            subject,
            msg!(
                "declared as {name}, but the service names itself {shown}",
                "déclaré comme {name}, mais le service se présente lui-même comme {shown}"
            ),
        )
    } else {
        cx.manual(
            subject,
            msg!(
                "declared as {name}, but markers suggest {shown}; a human must look",
                "déclaré comme {name}, mais des indices évoquent {shown} ; une personne doit vérifier"
            ),
        )
    };
    with_detection(finding.evidence("declared.software", &declared.name), other)
}

fn judge_version(
    cx: &Context<'_>,
    subject: Subject,
    declared: Option<&str>,
    d: &Detection,
) -> Finding {
    let running = d
        .version
        .as_deref()
        .filter(|_| d.version_kind == VersionKind::Release);
    let product = &d.product;
    let finding = match (declared, running) {
        (Some(declared), Some(running)) => match compare_at_declared_precision(declared, running) {
            Some(Ordering::Less) => cx.warn(
                subject,
                msg!(
                    "{product} runs {running}, newer than the declared {declared}: the declaration is out of date",
                    "le service fait tourner {product} {running}, plus récent que la version déclarée ({declared}) : la déclaration n'est pas à jour"
                ),
            ),
            Some(Ordering::Greater) => cx.warn(
                subject,
                msg!(
                    "{product} runs {running}, older than the declared {declared}",
                    "le service fait tourner {product} {running}, plus ancien que la version déclarée ({declared})"
                ),
            ),
            Some(Ordering::Equal) => cx.pass(
                subject,
                msg!(
                    "{product} {running} runs, as declared",
                    "le service fait tourner {product} {running}, comme déclaré"
                ),
            ),
            None => cx.pass(
                subject,
                msg!(
                    "{product} runs, as declared (versions not comparable)",
                    "le service fait tourner {product}, comme déclaré (versions non comparables)"
                ),
            ),
        },
        _ => cx.pass(
            subject,
            msg!(
                "{product} runs, as declared",
                "le service fait tourner {product}, comme déclaré"
            ),
        ),
    };
    let finding = match declared {
        Some(v) => finding.evidence("declared.version", v),
        None => finding,
    };
    with_detection(finding, d)
}

/// Compares only as many numeric components as the declaration gives: `30` matches `30.0.4`.
fn compare_at_declared_precision(declared: &str, running: &str) -> Option<Ordering> {
    let numbers = |s: &str| -> Vec<u64> {
        s.trim()
            .trim_start_matches(['v', 'V'])
            .split(['.', '-', '+', ' '])
            .map_while(|part| part.parse::<u64>().ok())
            .collect()
    };
    let (declared, running) = (numbers(declared), numbers(running));
    if declared.is_empty() || running.is_empty() {
        return None;
    }
    let n = declared.len().min(running.len());
    Some(declared[..n].cmp(&running[..n]))
}

/// Strong detections first, then those with a version; the first found among equals.
pub(super) fn best<'a>(detections: impl Iterator<Item = &'a Detection>) -> Option<&'a Detection> {
    let key = |d: &Detection| (d.strength == Strength::Strong, d.version.is_some());
    let mut best: Option<&Detection> = None;
    for d in detections {
        if best.is_none_or(|b| key(d) > key(b)) {
            best = Some(d);
        }
    }
    best
}

pub(super) fn unreachable(obs: &SoftwareObservation) -> Option<&crate::observation::ProbeFailure> {
    let answered = obs.attempts.iter().any(|a| a.status.is_some());
    if answered {
        None
    } else {
        obs.attempts.iter().find_map(|a| a.failure.as_ref())
    }
}

fn with_detection(finding: Finding, d: &Detection) -> Finding {
    let mut finding = finding
        .evidence_at("detected.product", &d.product, &d.url)
        .evidence_at("detected.signal", &d.signal, &d.url)
        .evidence(
            "detected.strength",
            if d.strength == Strength::Strong {
                "strong"
            } else {
                "weak"
            },
        );
    if let Some(v) = &d.version {
        finding = finding.evidence_at("detected.version", v, &d.url);
    }
    finding
}

fn tried(mut finding: Finding, obs: &SoftwareObservation) -> Finding {
    for a in &obs.attempts {
        let outcome = match (&a.status, &a.failure) {
            (Some(status), _) => status.to_string(),
            (None, Some(f)) => f.to_string(),
            (None, None) => "no answer".into(),
        };
        finding = finding.evidence_at("tried", outcome, &a.url);
    }
    for anomaly in &obs.anomalies {
        finding = finding.evidence("probe.note", anomaly);
    }
    finding
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::finding::Verdict;
    use crate::observation::ProbeFailure;

    fn seen(detections: Vec<Detection>) -> crate::observation::Observations {
        with_software(SoftwareObservation {
            detections,
            attempts: vec![attempt("status.php", 200)],
            ..Default::default()
        })
    }

    fn declared(name: &str, version: Option<&str>) -> crate::declaration::Member {
        let mut sw = software(name);
        sw.version = version.map(str::to_string);
        member(Some(sw))
    }

    #[test]
    fn the_declared_product_detected_passes() {
        let obs = seen(vec![detection("Etherpad", Some("2.2.6"), Strength::Strong)]);
        assert_eq!(
            verdict(&DetectedMatchesDeclared, &declared("Framapad", None), &obs).0,
            Verdict::Pass
        );
        assert_eq!(
            verdict(
                &DetectedMatchesDeclared,
                &declared("Etherpad", Some("2.2")),
                &obs
            )
            .0,
            Verdict::Pass
        );
        let weak = seen(vec![detection("Etherpad", None, Strength::Weak)]);
        assert_eq!(
            verdict(&DetectedMatchesDeclared, &declared("Etherpad", None), &weak).0,
            Verdict::Pass
        );
    }

    #[test]
    fn an_out_of_date_declared_version_warns() {
        let obs = seen(vec![detection("Mastodon", Some("4.3.2"), Strength::Strong)]);
        let (v, f) = verdict(
            &DetectedMatchesDeclared,
            &declared("Mastodon", Some("4.1.0")),
            &obs,
        );
        assert_eq!(v, Verdict::Warn);
        assert!(
            f.message.contains("newer than the declared 4.1.0"),
            "{}",
            f.message
        );
        assert_eq!(
            f.message_fr.as_deref(),
            Some(
                "le service fait tourner Mastodon 4.3.2, plus récent que la version déclarée (4.1.0) : la déclaration n'est pas à jour"
            )
        );
        assert_eq!(
            verdict(
                &DetectedMatchesDeclared,
                &declared("Mastodon", Some("4.4")),
                &obs
            )
            .0,
            Verdict::Warn
        );
    }

    #[test]
    fn build_numbers_are_not_compared_with_release_versions() {
        let mut d = detection("Jitsi Meet", Some("7882"), Strength::Weak);
        d.version_kind = VersionKind::Build;
        let obs = seen(vec![d]);
        assert_eq!(
            verdict(
                &DetectedMatchesDeclared,
                &declared("Jitsi Meet", Some("2.0.9955")),
                &obs
            )
            .0,
            Verdict::Pass
        );
    }

    #[test]
    fn another_product_named_explicitly_fails() {
        let obs = seen(vec![detection(
            "Nextcloud",
            Some("29.0.9"),
            Strength::Strong,
        )]);
        let (v, f) = verdict(&DetectedMatchesDeclared, &declared("Etherpad", None), &obs);
        assert_eq!(v, Verdict::Fail);
        assert_eq!(
            f.message_fr.as_deref(),
            Some("déclaré comme Etherpad, mais le service se présente lui-même comme Nextcloud")
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e.label == "detected.product" && e.value == "Nextcloud")
        );
    }

    #[test]
    fn another_product_from_weak_markers_or_unknown_names_needs_a_human() {
        let weak = seen(vec![detection("WordPress", Some("6.6"), Strength::Weak)]);
        assert_eq!(
            verdict(&DetectedMatchesDeclared, &declared("Grav", None), &weak).0,
            Verdict::Manual
        );
        let strong = seen(vec![detection("Nextcloud", None, Strength::Strong)]);
        assert_eq!(
            verdict(
                &DetectedMatchesDeclared,
                &declared("Zourit Cloud", None),
                &strong
            )
            .0,
            Verdict::Manual,
            "a declared name the catalogue does not know may be a brand of the detected product"
        );
        let mut unknown = detection("hometown", Some("1.1"), Strength::Strong);
        unknown.in_catalogue = false;
        assert_eq!(
            verdict(
                &DetectedMatchesDeclared,
                &declared("Mastodon", None),
                &seen(vec![unknown])
            )
            .0,
            Verdict::Manual
        );
    }

    #[test]
    fn nothing_detected_is_manual_with_what_was_tried() {
        let (v, f) = verdict(
            &DetectedMatchesDeclared,
            &declared("Etherpad", None),
            &seen(Vec::new()),
        );
        assert_eq!(v, Verdict::Manual);
        assert!(f.evidence.iter().any(|e| e.label == "tried"
            && e.source.as_deref() == Some("https://pad.chaton.test/status.php")));
    }

    #[test]
    fn detected_but_undeclared_warns() {
        let obs = seen(vec![detection(
            "Nextcloud",
            Some("30.0.4"),
            Strength::Strong,
        )]);
        assert_eq!(
            verdict(&DetectedMatchesDeclared, &member(None), &obs).0,
            Verdict::Warn
        );
        assert_eq!(
            verdict(&DetectedMatchesDeclared, &member(None), &seen(Vec::new())).0,
            Verdict::NotApplicable
        );
    }

    #[test]
    fn an_unobserved_or_unreachable_service_is_inconclusive() {
        let m = declared("Etherpad", None);
        assert_eq!(
            verdict(&DetectedMatchesDeclared, &m, &observations()).0,
            Verdict::Inconclusive
        );
        assert_eq!(
            verdict(&DetectedMatchesDeclared, &m, &failed(ProbeFailure::Refused)).0,
            Verdict::Inconclusive
        );
        let down = with_software(SoftwareObservation {
            attempts: vec![crate::observation::software::Attempt {
                url: SERVICE_URL.into(),
                reason: "home".into(),
                status: None,
                failure: Some(ProbeFailure::Refused),
            }],
            ..Default::default()
        });
        assert_eq!(
            verdict(&DetectedMatchesDeclared, &m, &down).0,
            Verdict::Inconclusive
        );
    }

    #[test]
    fn versions_compare_at_the_declared_precision() {
        assert_eq!(
            compare_at_declared_precision("30", "30.0.4"),
            Some(Ordering::Equal)
        );
        assert_eq!(
            compare_at_declared_precision("v4.1.0", "4.3.2"),
            Some(Ordering::Less)
        );
        assert_eq!(compare_at_declared_precision("latest", "4.3.2"), None);
    }
}
