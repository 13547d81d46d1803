//! `software.source-reachable`: the declared source URL of each service's software answers and
//! looks like a source repository or archive.

use super::{catalogued, declared_free_software};
use crate::catalogue::software::source_shape;
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::Service;
use crate::finding::{Finding, Subject, Verdict};
use crate::msg;
use crate::observation::Observed;

/// Media types of source archives.
const ARCHIVE_TYPES: &[&str] = &[
    "application/gzip",
    "application/x-gzip",
    "application/zip",
    "application/x-tar",
    "application/x-xz",
    "application/zstd",
];

/// The declared source URL answers 2xx after redirects and has the shape of a repository or
/// archive. With no source URL declared the finding is a `warn` even when the catalogue knows
/// the upstream repository: the charter asks the member to point to the source, and a member
/// running a modified copy must point to its own; the upstream is given as evidence.
pub struct SourceReachable;

impl Check for SourceReachable {
    fn id(&self) -> &'static str {
        "software.source-reachable"
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
    let software = match declared_free_software(cx, service, &subject) {
        Ok(software) => software,
        Err(finding) => return finding,
    };
    let name = &software.name;
    let Some(source) = &software.source else {
        let finding = cx.warn(
            subject,
            msg!(
                "no source URL declared for {name}",
                "aucune adresse du code source déclarée pour {name}"
            ),
        );
        return match catalogued(&software.name).and_then(|p| p.source_repository_url.as_deref()) {
            Some(upstream) => {
                finding.evidence_at("catalogue.upstream_repository", upstream, upstream)
            }
            None => finding,
        };
    };
    let declared = source.as_str();
    if !matches!(source.scheme(), "http" | "https") {
        return cx
            .manual(
                subject,
                msg!(
                    "the source URL {declared} is not a web address and was not probed",
                    "l'adresse du code source {declared} n'est pas une adresse web et n'a pas été vérifiée"
                ),
            )
            .evidence("declared.source", declared);
    }
    let unobserved = || {
        msg!(
            "the source URL {declared}",
            "l'adresse du code source {declared}"
        )
    };
    let check = match cx
        .observations
        .software
        .get(service.url.as_str())
        .map(|o| o.seen().map(|s| &s.source))
    {
        None => return cx.not_observed(subject, unobserved()),
        Some(None) => return cx.not_observed(subject, unobserved()),
        Some(Some(None)) => return cx.not_observed(subject, unobserved()),
        Some(Some(Some(Observed::Failed(failure)))) => {
            return cx
                .inconclusive(subject, failure)
                .evidence("declared.source", declared);
        }
        Some(Some(Some(Observed::Seen(check)))) => check,
    };
    let status = check.status;
    let finding = match status {
        200..=299 => {
            let media = check
                .content_type
                .as_deref()
                .unwrap_or("")
                .to_ascii_lowercase();
            let shape = url::Url::parse(&check.final_url)
                .ok()
                .and_then(|u| source_shape(&u))
                .or_else(|| source_shape(source))
                .or_else(|| {
                    ARCHIVE_TYPES
                        .iter()
                        .find(|t| media.starts_with(**t))
                        .map(|t| format!("archive ({t})"))
                });
            match shape {
                Some(shape) => cx
                    .pass(
                        subject,
                        msg!(
                            "the source of {name} is reachable at {declared}",
                            "le code source de {name} est accessible à l'adresse {declared}"
                        ),
                    )
                    .evidence("source.shape", shape),
                None => cx.manual(
                    subject,
                    msg!(
                        "{declared} answers but does not look like a source repository or archive",
                        "{declared} répond, mais ne ressemble ni à un dépôt de sources ni à une archive"
                    ),
                ),
            }
        }
        404 | 410 => cx.fail(
            subject,
            msg!(
                "the declared source URL {declared} does not exist ({status})",
                "l'adresse déclarée du code source, {declared}, n'existe pas ({status})"
            ),
        ),
        500..=599 => cx.finding(
            subject,
            Verdict::Inconclusive,
            msg!(
                "the declared source URL {declared} answers with a server error ({status})",
                "l'adresse déclarée du code source, {declared}, répond par une erreur du serveur ({status})"
            ),
        ),
        _ => cx.manual(
            subject,
            msg!(
                "the declared source URL {declared} answers {status}",
                "l'adresse déclarée du code source, {declared}, répond avec le code HTTP {status}"
            ),
        ),
    };
    finding.evidence("declared.source", declared).evidence_at(
        "source.status",
        status.to_string(),
        check.final_url.clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::observation::ProbeFailure;
    use crate::observation::software::{SoftwareObservation, SourceCheck};

    fn declared(source: Option<&str>) -> crate::declaration::Member {
        let mut sw = software("Etherpad");
        sw.source = source.map(url);
        member(Some(sw))
    }

    fn answered(
        final_url: &str,
        status: u16,
        content_type: Option<&str>,
    ) -> crate::observation::Observations {
        with_software(SoftwareObservation {
            source: Some(Observed::Seen(SourceCheck {
                url: final_url.into(),
                final_url: final_url.into(),
                status,
                content_type: content_type.map(str::to_string),
            })),
            ..Default::default()
        })
    }

    #[test]
    fn a_reachable_repository_or_archive_passes() {
        let repo = "https://framagit.org/chaton/etherpad-lite";
        assert_eq!(
            verdict(
                &SourceReachable,
                &declared(Some(repo)),
                &answered(repo, 200, Some("text/html"))
            )
            .0,
            Verdict::Pass
        );
        let archive = "https://chaton.test/sources/download?id=3";
        assert_eq!(
            verdict(
                &SourceReachable,
                &declared(Some(archive)),
                &answered(archive, 200, Some("application/gzip"))
            )
            .0,
            Verdict::Pass
        );
    }

    #[test]
    fn a_page_that_is_not_a_repository_needs_a_human() {
        let page = "https://chaton.test/about";
        let (v, f) = verdict(
            &SourceReachable,
            &declared(Some(page)),
            &answered(page, 200, Some("text/html")),
        );
        assert_eq!(v, Verdict::Manual);
        assert_eq!(
            f.message_fr.as_deref(),
            Some(
                "https://chaton.test/about répond, mais ne ressemble ni à un dépôt de sources ni à une archive"
            )
        );
    }

    #[test]
    fn a_missing_source_fails_and_a_server_error_is_inconclusive() {
        let repo = "https://github.com/chaton/gone";
        assert_eq!(
            verdict(
                &SourceReachable,
                &declared(Some(repo)),
                &answered(repo, 404, None)
            )
            .0,
            Verdict::Fail
        );
        assert_eq!(
            verdict(
                &SourceReachable,
                &declared(Some(repo)),
                &answered(repo, 503, None)
            )
            .0,
            Verdict::Inconclusive
        );
        assert_eq!(
            verdict(
                &SourceReachable,
                &declared(Some(repo)),
                &answered(repo, 403, None)
            )
            .0,
            Verdict::Manual
        );
        let failed = with_software(SoftwareObservation {
            source: Some(Observed::Failed(ProbeFailure::Dns {
                message: "NXDOMAIN".into(),
            })),
            ..Default::default()
        });
        assert_eq!(
            verdict(&SourceReachable, &declared(Some(repo)), &failed).0,
            Verdict::Inconclusive
        );
        assert_eq!(
            verdict(&SourceReachable, &declared(Some(repo)), &observations()).0,
            Verdict::Inconclusive
        );
    }

    #[test]
    fn no_declared_source_warns_with_the_upstream_as_evidence() {
        let (v, f) = verdict(&SourceReachable, &declared(None), &observations());
        assert_eq!(v, Verdict::Warn);
        assert!(
            f.evidence
                .iter()
                .any(|e| e.value == "https://github.com/ether/etherpad-lite")
        );
    }

    #[test]
    fn non_web_sources_and_proprietary_software_are_not_probed() {
        assert_eq!(
            verdict(
                &SourceReachable,
                &declared(Some("git://git.chaton.test/pad.git")),
                &observations()
            )
            .0,
            Verdict::Manual
        );
        let mut sw = software("Visio Pro");
        sw.proprietary = true;
        assert_eq!(
            verdict(&SourceReachable, &member(Some(sw)), &observations()).0,
            Verdict::NotApplicable
        );
    }
}
