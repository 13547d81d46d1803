//! `web.https-reachable`: every declared service and the website answer over HTTPS.
//!
//! A service declared with an `http://` address is judged by what its host does over HTTPS
//! (`https://<host>/`, the key the planner observes): if HTTPS answers, only the declaration
//! is wrong (`warn`); if the host refuses HTTPS connections, or its HTTPS page sends visitors
//! back to plain HTTP, the service is only offered in clear (`fail`). A declared HTTPS address
//! whose redirects end on a plain-HTTP page of the same host is served in clear too (`fail`);
//! ending in clear on another host is a `warn`.

use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Message, Subject};
use crate::msg;
use crate::observation::tls::VerificationKind;
use crate::observation::{Observed, ProbeFailure};
use crate::plan::targets::{tls_endpoint_of, web_hosts};

/// Each service URL and the member website answer over HTTPS with a non-error status.
pub struct HttpsReachable;

impl Check for HttpsReachable {
    fn id(&self) -> &'static str {
        "web.https-reachable"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        // The TLS handshake tells a refused certificate from a server that does not answer.
        &[ProbeKind::Http, ProbeKind::Tls]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        let website = (Subject::Member, cx.member.website.as_str());
        let services = cx
            .member
            .services
            .iter()
            .map(|s| (Subject::Service(s.id.clone()), s.url.as_str()));
        std::iter::once(website)
            .chain(services)
            .map(|(subject, url)| judge_url(cx, subject, url))
            .collect()
    }
}

fn judge_url(cx: &Context<'_>, subject: Subject, url: &str) -> Finding {
    if !url.starts_with("https://") {
        return judge_plain_declaration(cx, subject, url);
    }
    let Some(observed) = cx.observations.http.get(url) else {
        return cx.not_observed(subject, msg!("HTTPS for {url}", "HTTPS pour {url}"));
    };
    let exchange = match observed {
        Observed::Seen(exchange) => exchange,
        Observed::Failed(failure @ ProbeFailure::Tls { .. }) => {
            return match rejected_certificate(cx, url) {
                Some((reason, verifier_says)) => cx
                    .warn(
                        subject,
                        msg!(
                            "{url} answers over TLS, but browsers refuse it ({}): visitors get a security warning (see tls.certificate-valid)",
                            "{url} répond en TLS, mais les navigateurs le refusent ({}) : les visiteurs reçoivent une alerte de sécurité (voir tls.certificate-valid)";
                            reason.en,
                            reason.fr,
                        ),
                    )
                    .evidence("url", url)
                    .evidence("tls.verification_error", verifier_says),
                None => cx.inconclusive(subject, failure).evidence("url", url),
            };
        }
        Observed::Failed(failure) => return cx.inconclusive(subject, failure).evidence("url", url),
    };
    let Some(last) = exchange.last() else {
        return cx.not_observed(
            subject,
            msg!("a response from {url}", "une réponse de {url}"),
        );
    };
    if last.status == 429 {
        return crate::check::http_headers::rate_limited(cx, subject, last);
    }
    if let Some(finding) = ends_in_clear(cx, &subject, url, last) {
        return finding;
    }
    let finding = match last.status {
        // A 5xx is the member's server failing right now: a fact, but not proof the service is
        // gone, so it is not a `fail`.
        500..=599 => cx.warn(
            subject,
            msg!(
                "{url} answers with a server error",
                "{url} répond par une erreur du serveur"
            ),
        ),
        400..=499 if last.status != 401 && last.status != 403 => cx.warn(
            subject,
            msg!(
                "{url} answers with a client error",
                "{url} répond par une erreur côté client"
            ),
        ),
        _ => cx.pass(
            subject,
            msg!("{url} answers over HTTPS", "{url} répond en HTTPS"),
        ),
    };
    finding.evidence_at("http.status", last.status.to_string(), last.url.clone())
}

/// The `fail` or `warn` for a declared HTTPS address whose redirects end on a plain-HTTP page.
fn ends_in_clear(
    cx: &Context<'_>,
    subject: &Subject,
    url: &str,
    last: &crate::observation::http::HttpResponse,
) -> Option<Finding> {
    let final_url = url::Url::parse(&last.url).ok()?;
    if final_url.scheme() != "http" {
        return None;
    }
    let declared_host = url::Url::parse(url)
        .ok()?
        .host_str()
        .map(str::to_ascii_lowercase);
    let same_host = final_url.host_str().map(str::to_ascii_lowercase) == declared_host;
    let finding = if same_host && (200..300).contains(&last.status) {
        cx.fail(
            subject.clone(),
            msg!(
                "{url} redirects to {final_url}, which serves the service in clear text",
                "{url} redirige vers {final_url}, qui sert le service en clair"
            ),
        )
    } else {
        cx.warn(
            subject.clone(),
            msg!(
                "{url} redirects to {final_url}, a plain-HTTP address",
                "{url} redirige vers {final_url}, une adresse en HTTP simple"
            ),
        )
    };
    Some(finding.evidence_at("http.status", last.status.to_string(), last.url.clone()))
}

/// A service declared with an `http://` address: what its host does over HTTPS decides.
fn judge_plain_declaration(cx: &Context<'_>, subject: Subject, url: &str) -> Finding {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned));
    let https_url = host.and_then(|host| {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        web_hosts(cx.member)
            .into_iter()
            .find(|web| web.host == host)
            .map(|web| web.https_url)
    });
    let Some(https_url) = https_url else {
        return cx
            .fail(
                subject,
                msg!(
                    "declared with a plain-text URL: {url}",
                    "déclaré avec une adresse en clair : {url}"
                ),
            )
            .evidence("url", url);
    };
    let declared = msg!(
        "declared with a plain-text URL ({url})",
        "déclaré avec une adresse en clair ({url})"
    );
    let declared_fr = declared.fr;
    let declared = declared.en;
    let finding = match cx.observations.http.get(&https_url) {
        None => cx.warn(
            subject,
            msg!(
                "{declared}; HTTPS on {https_url} was not observed",
                "{declared_fr} ; HTTPS sur {https_url} n'a pas été observé"
            ),
        ),
        Some(Observed::Failed(ProbeFailure::Refused)) => cx.fail(
            subject,
            msg!(
                "{declared}, and {https_url} refuses connections: the service is only offered in clear text",
                "{declared_fr}, et {https_url} refuse les connexions : le service n'est offert qu'en clair"
            ),
        ),
        Some(Observed::Failed(failure @ ProbeFailure::Tls { .. })) => {
            match rejected_certificate(cx, &https_url) {
                Some((reason, verifier_says)) => cx
                    .warn(
                        subject,
                        msg!(
                            "{declared}, and browsers refuse {https_url} ({})",
                            "{declared_fr}, et les navigateurs refusent {https_url} ({})";
                            reason.en,
                            reason.fr,
                        ),
                    )
                    .evidence("tls.verification_error", verifier_says),
                None => cx.inconclusive(subject, failure),
            }
        }
        Some(Observed::Failed(failure)) => cx.inconclusive(subject, failure),
        Some(Observed::Seen(exchange)) => match exchange.last() {
            None => cx.not_observed(
                subject,
                msg!("a response from {https_url}", "une réponse de {https_url}"),
            ),
            Some(last) => match ends_in_clear(cx, &subject, &https_url, last) {
                Some(finding) => finding,
                None => cx
                    .warn(
                        subject,
                        msg!(
                            "{declared}, but {https_url} answers over HTTPS: declare the https:// address",
                            "{declared_fr}, mais {https_url} répond en HTTPS : déclarez l'adresse en https://"
                        ),
                    )
                    .evidence_at("http.status", last.status.to_string(), last.url.clone()),
            },
        },
    };
    finding.evidence("url", url)
}

/// Why the TLS probe's verifier refused the certificate of `url`'s own host, when it did: a
/// short reason and the verifier's own words.
fn rejected_certificate(cx: &Context<'_>, url: &str) -> Option<(Message, String)> {
    let key = tls_endpoint_of(&url::Url::parse(url).ok()?)?;
    let Observed::Seen(handshake) = cx.observations.tls.get(&key)? else {
        return None;
    };
    let (en, fr) = match handshake.verification_kind? {
        VerificationKind::Expired => ("expired certificate", "certificat expiré"),
        VerificationKind::NotYetValid => {
            ("certificate not yet valid", "certificat pas encore valide")
        }
        VerificationKind::WrongHost => (
            "certificate issued for another name",
            "certificat délivré pour un autre nom",
        ),
        VerificationKind::UnknownIssuer => (
            "no chain to a trusted authority",
            "aucune chaîne vers une autorité de confiance",
        ),
        VerificationKind::BadSignature => (
            "invalid or refused signature",
            "signature invalide ou refusée",
        ),
        VerificationKind::Other => ("certificate refused", "certificat refusé"),
    };
    let reason = Message::new(en, fr);
    Some((
        reason,
        handshake.verification_error.clone().unwrap_or_default(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::http_headers::test_support::{exchange, page, response};
    use crate::check::tls::test_support::*;
    use crate::finding::Verdict;
    use crate::observation::http::HttpExchange;

    fn with_status(status: u16) -> Verdict {
        let (m, mut obs) = page(&[]);
        obs.http.insert(
            "https://chaton.test/".into(),
            Observed::Seen(HttpExchange {
                hops: vec![response("https://chaton.test/", status, &[])],
                body_bytes: 0,
                body_truncated: false,
                body_sha256: None,
            }),
        );
        verdict(&HttpsReachable, &m, &obs)
    }

    fn tls_refused(handshake: Option<Observed<crate::observation::TlsHandshake>>) -> Finding {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.http.insert(
            "https://chaton.test/".into(),
            Observed::Failed(ProbeFailure::Tls {
                message: "invalid peer certificate: Expired".into(),
            }),
        );
        if let Some(handshake) = handshake {
            obs.tls.insert("chaton.test:443".into(), handshake);
        }
        judge(&HttpsReachable, &m, &obs).remove(0)
    }

    #[test]
    fn a_page_answering_ok_passes() {
        assert_eq!(with_status(200), Verdict::Pass);
    }

    #[test]
    fn a_login_wall_still_counts_as_answering() {
        assert_eq!(with_status(401), Verdict::Pass);
        assert_eq!(with_status(403), Verdict::Pass);
    }

    #[test]
    fn a_rate_limited_page_is_inconclusive() {
        assert_eq!(with_status(429), Verdict::Inconclusive);
    }

    #[test]
    fn server_and_client_errors_warn_rather_than_fail() {
        assert_eq!(with_status(502), Verdict::Warn);
        assert_eq!(with_status(404), Verdict::Warn);
    }

    fn plain_declaration(https: Option<Observed<HttpExchange>>) -> Verdict {
        let m = member("http://chaton.test/", &[]);
        let mut obs = observations();
        if let Some(observed) = https {
            obs.http.insert("https://chaton.test/".into(), observed);
        }
        verdict(&HttpsReachable, &m, &obs)
    }

    #[test]
    fn a_plain_text_declaration_of_a_host_that_answers_https_only_warns() {
        let seen = Observed::Seen(exchange(vec![response("https://chaton.test/", 200, &[])]));
        assert_eq!(plain_declaration(Some(seen)), Verdict::Warn);
    }

    #[test]
    fn a_plain_text_declaration_of_a_host_refusing_https_fails() {
        assert_eq!(
            plain_declaration(Some(Observed::Failed(ProbeFailure::Refused))),
            Verdict::Fail
        );
    }

    #[test]
    fn a_plain_text_declaration_whose_https_sends_back_to_http_fails() {
        let seen = Observed::Seen(exchange(vec![
            response(
                "https://chaton.test/",
                301,
                &[("location", "http://chaton.test/")],
            ),
            response("http://chaton.test/", 200, &[]),
        ]));
        assert_eq!(plain_declaration(Some(seen)), Verdict::Fail);
    }

    #[test]
    fn a_plain_text_declaration_whose_https_times_out_is_inconclusive() {
        assert_eq!(plain_declaration(Some(timeout())), Verdict::Inconclusive);
    }

    #[test]
    fn a_plain_text_declaration_without_an_https_observation_warns() {
        assert_eq!(plain_declaration(None), Verdict::Warn);
    }

    #[test]
    fn an_https_address_redirecting_to_plain_http_on_its_host_fails() {
        let (m, mut obs) = page(&[]);
        obs.http.insert(
            "https://chaton.test/".into(),
            Observed::Seen(exchange(vec![
                response(
                    "https://chaton.test/",
                    302,
                    &[("location", "http://chaton.test/accueil")],
                ),
                response("http://chaton.test/accueil", 200, &[]),
            ])),
        );
        assert_eq!(verdict(&HttpsReachable, &m, &obs), Verdict::Fail);
    }

    #[test]
    fn an_https_address_ending_in_clear_on_another_host_warns() {
        let (m, mut obs) = page(&[]);
        obs.http.insert(
            "https://chaton.test/".into(),
            Observed::Seen(exchange(vec![
                response(
                    "https://chaton.test/",
                    302,
                    &[("location", "http://ailleurs.test/")],
                ),
                response("http://ailleurs.test/", 200, &[]),
            ])),
        );
        assert_eq!(verdict(&HttpsReachable, &m, &obs), Verdict::Warn);
    }

    #[test]
    fn a_certificate_the_tls_probe_saw_refused_warns_and_says_why() {
        let f = tls_refused(Some(Observed::Seen(failing_handshake(
            "chaton.test",
            VerificationKind::Expired,
        ))));
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(f.message.contains("expired certificate"), "{}", f.message);
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("certificat expiré"), "{fr}");
    }

    #[test]
    fn a_tls_failure_the_handshake_cannot_explain_is_inconclusive() {
        assert_eq!(tls_refused(None).verdict, Verdict::Inconclusive);
        let valid = tls_refused(Some(Observed::Seen(handshake("chaton.test"))));
        assert_eq!(valid.verdict, Verdict::Inconclusive);
        assert_eq!(tls_refused(Some(timeout())).verdict, Verdict::Inconclusive);
    }

    #[test]
    fn an_unreachable_server_is_inconclusive() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.http.insert(
            "https://chaton.test/".into(),
            Observed::Failed(ProbeFailure::Refused),
        );
        assert_eq!(verdict(&HttpsReachable, &m, &obs), Verdict::Inconclusive);
    }
}
