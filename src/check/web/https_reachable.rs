//! `web.https-reachable`: every declared service and the website answer over HTTPS.

use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject};
use crate::observation::tls::VerificationKind;
use crate::observation::{Observed, ProbeFailure};
use crate::plan::targets::tls_endpoint_of;

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
        return cx
            .fail(subject, format!("declared with a plain-text URL: {url}"))
            .evidence("url", url);
    }
    let Some(observed) = cx.observations.http.get(url) else {
        return cx.not_observed(subject, &format!("HTTPS for {url}"));
    };
    let exchange = match observed {
        Observed::Seen(exchange) => exchange,
        Observed::Failed(failure @ ProbeFailure::Tls { .. }) => {
            return match rejected_certificate(cx, url) {
                Some((reason, verifier_says)) => cx
                    .warn(
                        subject,
                        format!(
                            "{url} answers over TLS, but browsers refuse it ({reason}): visitors get a security warning (see tls.certificate-valid)"
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
        return cx.not_observed(subject, &format!("a response from {url}"));
    };
    let finding = match last.status {
        // A 5xx is the member's server failing right now: a fact, but not proof the service is
        // gone, so it is not a `fail`.
        500..=599 => cx.warn(subject, format!("{url} answers with a server error")),
        400..=499 if last.status != 401 && last.status != 403 => {
            cx.warn(subject, format!("{url} answers with a client error"))
        }
        _ => cx.pass(subject, format!("{url} answers over HTTPS")),
    };
    finding.evidence_at("http.status", last.status.to_string(), last.url.clone())
}

/// Why the TLS probe's verifier refused the certificate of `url`'s own host, when it did: a
/// short reason and the verifier's own words.
fn rejected_certificate(cx: &Context<'_>, url: &str) -> Option<(&'static str, String)> {
    let key = tls_endpoint_of(&url::Url::parse(url).ok()?)?;
    let Observed::Seen(handshake) = cx.observations.tls.get(&key)? else {
        return None;
    };
    let reason = match handshake.verification_kind? {
        VerificationKind::Expired => "expired certificate",
        VerificationKind::NotYetValid => "certificate not yet valid",
        VerificationKind::WrongHost => "certificate issued for another name",
        VerificationKind::UnknownIssuer => "no chain to a trusted authority",
        VerificationKind::BadSignature => "invalid or refused signature",
        VerificationKind::Other => "certificate refused",
    };
    Some((
        reason,
        handshake.verification_error.clone().unwrap_or_default(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::http_headers::test_support::{page, response};
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
    fn server_and_client_errors_warn_rather_than_fail() {
        assert_eq!(with_status(502), Verdict::Warn);
        assert_eq!(with_status(404), Verdict::Warn);
    }

    #[test]
    fn a_plain_text_declaration_fails() {
        let m = member("http://chaton.test/", &[]);
        assert_eq!(verdict(&HttpsReachable, &m, &observations()), Verdict::Fail);
    }

    #[test]
    fn a_certificate_the_tls_probe_saw_refused_warns_and_says_why() {
        let f = tls_refused(Some(Observed::Seen(failing_handshake(
            "chaton.test",
            VerificationKind::Expired,
        ))));
        assert_eq!(f.verdict, Verdict::Warn);
        assert!(f.message.contains("expired certificate"), "{}", f.message);
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
