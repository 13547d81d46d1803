//! `software.proprietary-exceptions-listed`: a member that runs proprietary software publishes
//! the list of these exceptions (charter, 2023 revision).

use super::{Freedom, freedom, parse_licence};
use crate::check::{Check, Context, ProbeKind};
use crate::declaration::DocumentKind;
use crate::finding::{Finding, Subject, Verdict};
use crate::msg;
use crate::observation::Observed;

/// When a service's software is declared proprietary, or under a licence that is not free, the
/// member's exceptions page is declared and answers. Not declared is `manual`: the list may
/// live on a page we were not told about. A page that is declared but gone (404, 410) is a
/// `fail`; a page we could not reach is `inconclusive`.
pub struct ProprietaryExceptionsListed;

impl Check for ProprietaryExceptionsListed {
    fn id(&self) -> &'static str {
        "software.proprietary-exceptions-listed"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Http, ProbeKind::Documents]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        vec![judge_member(cx)]
    }
}

fn judge_member(cx: &Context<'_>) -> Finding {
    let exceptions: Vec<String> = cx
        .member
        .services
        .iter()
        .filter_map(|s| {
            let sw = s.software.as_ref()?;
            let non_free = sw
                .license
                .as_deref()
                .and_then(|l| parse_licence(l).ok())
                .is_some_and(|e| freedom(&e) == Freedom::NonFree);
            (sw.proprietary || non_free).then(|| format!("{} ({})", sw.name, s.id))
        })
        .collect();
    if exceptions.is_empty() {
        return cx.not_applicable(
            Subject::Member,
            msg!(
                "no proprietary component declared",
                "aucun composant privateur déclaré"
            ),
        );
    }
    let listed = exceptions.join(", ");
    let Some(page) = cx
        .member
        .documents
        .get(&DocumentKind::ProprietaryExceptions)
    else {
        return cx
            .manual(
                Subject::Member,
                msg!(
                    "proprietary components declared ({listed}) but no exceptions page declared",
                    "composants privateurs déclarés ({listed}), mais aucune page des exceptions déclarée"
                ),
            )
            .evidence("declared.exceptions", listed);
    };
    let page = page.as_str();
    let finding = match status_of(cx, page) {
        Err(Some(failure)) => {
            return cx
                .inconclusive(Subject::Member, failure)
                .evidence("exceptions.page", page);
        }
        Err(None) => {
            return cx.not_observed(
                Subject::Member,
                msg!(
                    "the exceptions page {page}",
                    "la page des exceptions {page}"
                ),
            );
        }
        Ok(status @ 200..=299) => cx
            .pass(
                Subject::Member,
                msg!(
                    "the exceptions page {page} answers",
                    "la page des exceptions {page} répond"
                ),
            )
            .evidence_at("http.status", status.to_string(), page),
        Ok(status @ (404 | 410)) => cx
            .fail(
                Subject::Member,
                msg!(
                    "the declared exceptions page {page} does not exist ({status})",
                    "la page des exceptions déclarée, {page}, n'existe pas ({status})"
                ),
            )
            .evidence_at("http.status", status.to_string(), page),
        Ok(status @ 500..=599) => cx
            .finding(
                Subject::Member,
                Verdict::Inconclusive,
                msg!(
                    "the exceptions page {page} answers with a server error",
                    "la page des exceptions {page} répond par une erreur du serveur"
                ),
            )
            .evidence_at("http.status", status.to_string(), page),
        Ok(status) => cx
            .manual(
                Subject::Member,
                msg!(
                    "the exceptions page {page} answers {status}",
                    "la page des exceptions {page} répond avec le code HTTP {status}"
                ),
            )
            .evidence_at("http.status", status.to_string(), page),
    };
    finding.evidence("declared.exceptions", listed)
}

/// The final status of the page, from the HTTP observations or the documents probe.
fn status_of<'a>(
    cx: &'a Context<'_>,
    page: &str,
) -> Result<u16, Option<&'a crate::observation::ProbeFailure>> {
    let mut failure = None;
    if let Some(observed) = cx.observations.http.get(page) {
        match observed {
            Observed::Seen(exchange) => {
                if let Some(last) = exchange.last() {
                    return Ok(last.status);
                }
            }
            Observed::Failed(f) => failure = Some(f),
        }
    }
    let documents = cx
        .observations
        .documents
        .get(&cx.member.id)
        .into_iter()
        .flatten();
    for doc in documents.filter(|d| d.is(DocumentKind::ProprietaryExceptions) && d.url == page) {
        match &doc.content {
            Observed::Seen(content) => return Ok(content.status),
            Observed::Failed(f) => failure = failure.or(Some(f)),
        }
    }
    Err(failure)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::observation::http::{HttpExchange, HttpResponse};
    use crate::observation::{Observations, ProbeFailure};

    const PAGE: &str = "https://chaton.test/exceptions.html";

    fn proprietary(with_page: bool) -> crate::declaration::Member {
        let mut sw = software("Visio Pro");
        sw.proprietary = true;
        let mut m = member(Some(sw));
        if with_page {
            m.documents
                .insert(DocumentKind::ProprietaryExceptions, url(PAGE));
        }
        m
    }

    fn page_status(status: u16) -> Observations {
        let mut obs = observations();
        let exchange = HttpExchange {
            hops: vec![HttpResponse {
                url: PAGE.into(),
                status,
                headers: Vec::new(),
                remote_addr: None,
            }],
            body_bytes: 0,
            body_truncated: false,
            body_sha256: None,
        };
        obs.http.insert(PAGE.into(), Observed::Seen(exchange));
        obs
    }

    #[test]
    fn a_reachable_exceptions_page_passes() {
        assert_eq!(
            verdict(
                &ProprietaryExceptionsListed,
                &proprietary(true),
                &page_status(200)
            )
            .0,
            Verdict::Pass
        );
    }

    #[test]
    fn a_declared_page_that_is_gone_fails() {
        let (v, f) = verdict(
            &ProprietaryExceptionsListed,
            &proprietary(true),
            &page_status(404),
        );
        assert_eq!(v, Verdict::Fail);
        assert_eq!(
            f.message_fr.as_deref(),
            Some(
                "la page des exceptions déclarée, https://chaton.test/exceptions.html, n'existe pas (404)"
            )
        );
    }

    #[test]
    fn an_unreachable_or_unobserved_page_is_inconclusive() {
        let mut obs = observations();
        obs.http.insert(
            PAGE.into(),
            Observed::Failed(ProbeFailure::Timeout { after_ms: 10_000 }),
        );
        assert_eq!(
            verdict(&ProprietaryExceptionsListed, &proprietary(true), &obs).0,
            Verdict::Inconclusive
        );
        assert_eq!(
            verdict(
                &ProprietaryExceptionsListed,
                &proprietary(true),
                &observations()
            )
            .0,
            Verdict::Inconclusive
        );
        assert_eq!(
            verdict(
                &ProprietaryExceptionsListed,
                &proprietary(true),
                &page_status(502)
            )
            .0,
            Verdict::Inconclusive
        );
    }

    #[test]
    fn no_declared_page_needs_a_human() {
        assert_eq!(
            verdict(
                &ProprietaryExceptionsListed,
                &proprietary(false),
                &observations()
            )
            .0,
            Verdict::Manual
        );
    }

    #[test]
    fn a_non_free_licence_counts_as_a_proprietary_component() {
        let mut sw = software("Outline");
        sw.license = Some("BUSL-1.1".into());
        assert_eq!(
            verdict(
                &ProprietaryExceptionsListed,
                &member(Some(sw)),
                &observations()
            )
            .0,
            Verdict::Manual
        );
    }

    #[test]
    fn free_software_only_is_not_applicable() {
        let mut sw = software("Etherpad");
        sw.license = Some("Apache-2.0".into());
        assert_eq!(
            verdict(
                &ProprietaryExceptionsListed,
                &member(Some(sw)),
                &observations()
            )
            .0,
            Verdict::NotApplicable
        );
        assert_eq!(
            verdict(&ProprietaryExceptionsListed, &member(None), &observations()).0,
            Verdict::NotApplicable
        );
    }

    #[test]
    fn the_documents_probe_counts_too() {
        let mut obs = observations();
        obs.documents.insert(
            "chaton".into(),
            vec![crate::observation::DocumentObservation {
                kinds: vec![DocumentKind::ProprietaryExceptions],
                url: PAGE.into(),
                found_by: crate::observation::documents::FoundBy::Declared,
                matched: None,
                content: Observed::Seen(crate::observation::documents::DocumentContent {
                    status: 200,
                    ..Default::default()
                }),
            }],
        );
        assert_eq!(
            verdict(&ProprietaryExceptionsListed, &proprietary(true), &obs).0,
            Verdict::Pass
        );
    }
}
