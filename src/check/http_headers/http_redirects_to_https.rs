//! `http-headers.http-redirects-to-https`: a plain `http://` request is redirected to HTTPS on
//! the same host.
//!
//! Only the first answer of `http://<host>/` is read (the probe does not follow it), as
//! Mozilla Observatory reads the first redirection: it must go to `https://` on the same host
//! (where HSTS can then be set), and may go elsewhere afterwards. The verdicts:
//! - a redirect (301, 302, 303, 307 or 308: the statuses browsers follow) to HTTPS on the
//!   host: `pass`;
//! - nothing listening on port 80 (connection refused): `pass`, nothing is served in clear
//!   and Observatory agrees ("not needed, no HTTP"); a timeout proves nothing, it is
//!   `inconclusive`;
//! - a redirect to HTTPS on another host, or to plain HTTP first: `warn` (traffic still ends
//!   up encrypted as far as this probe can tell, but the first hop is not protected by HSTS);
//! - an error status or a non-redirecting 3xx: `warn` (no content of the site in clear, but
//!   no way to HTTPS either);
//! - a 2xx with content: `fail`, the site is served in clear text (an empty 2xx: `warn`).

use url::Url;

use super::same_host;
use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Message, Subject};
use crate::msg;
use crate::observation::{Observed, ProbeFailure};
use crate::plan::targets::{WebHost, web_hosts};

/// `http://<host>/`, requested without following redirects, answers with a redirect to
/// `https://<host>/…`.
pub struct HttpRedirectsToHttps;

/// The statuses the Fetch standard follows as redirects.
const REDIRECT_STATUSES: [u16; 5] = [301, 302, 303, 307, 308];

impl Check for HttpRedirectsToHttps {
    fn id(&self) -> &'static str {
        "http-headers.http-redirects-to-https"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Http]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        web_hosts(cx.member)
            .iter()
            .map(|web| judge_host(cx, web))
            .collect()
    }
}

fn judge_host(cx: &Context<'_>, web: &WebHost) -> Finding {
    let subject = Subject::Host(web.host.clone());
    let url = web.http_url.as_str();
    let exchange = match cx.observations.http.get(url) {
        None => return cx.not_observed(subject, a_response_from(url)),
        // Nothing listens on port 80: nothing is served unencrypted. That is a fact about the
        // member's server, not a failure to observe.
        Some(Observed::Failed(ProbeFailure::Refused)) => {
            return cx
                .pass(
                    subject,
                    msg!(
                        "{url} refuses connections: nothing is served in plain text",
                        "{url} refuse les connexions : rien n'est servi en clair"
                    ),
                )
                .evidence("http.port80", "connection refused");
        }
        Some(Observed::Failed(failure)) => {
            return cx.inconclusive(subject, failure).evidence("url", url);
        }
        Some(Observed::Seen(exchange)) => exchange,
    };
    // The first hop is the answer to `http://<host>/` itself, whether or not the exchange went
    // on to follow it.
    let Some(first) = exchange.hops.first() else {
        return cx.not_observed(subject, a_response_from(url));
    };
    let status = first.status;
    let location = first
        .header("location")
        .filter(|_| REDIRECT_STATUSES.contains(&status));
    let finding = match location {
        Some(location) => {
            judge_redirect(cx, web, subject, location).evidence("http.location", location)
        }
        None if (200..300).contains(&status) => {
            // An empty answer (a 204, or a body the probe read and found empty) serves nothing
            // in clear.
            let empty_body = status == 204
                || (exchange.hops.len() == 1
                    && exchange.body_sha256.is_some()
                    && exchange.body_bytes == 0);
            if empty_body {
                cx.warn(
                    subject,
                    msg!(
                        "{url} answers {status} with an empty body instead of redirecting to HTTPS",
                        "{url} répond {status} avec un corps vide au lieu de rediriger vers HTTPS"
                    ),
                )
            } else {
                cx.fail(
                    subject,
                    msg!(
                        "{url} serves content without encryption (status {status}) instead of redirecting to HTTPS",
                        "{url} sert du contenu sans chiffrement (statut {status}) au lieu de rediriger vers HTTPS"
                    ),
                )
            }
        }
        None => cx.warn(
            subject,
            msg!(
                "{url} answers {status} without redirecting to HTTPS",
                "{url} répond {status} sans rediriger vers HTTPS"
            ),
        ),
    };
    finding.evidence_at("http.status", status.to_string(), url)
}

/// What `not_observed` says is missing when `http://<host>/` gave no response.
fn a_response_from(url: &str) -> Message {
    msg!("a response from {url}", "une réponse de {url}")
}

/// The verdict on a first redirect from `http://<host>/` to `location`.
fn judge_redirect(cx: &Context<'_>, web: &WebHost, subject: Subject, location: &str) -> Finding {
    let url = web.http_url.as_str();
    match Url::parse(url).and_then(|base| base.join(location.trim())) {
        Ok(target) if target.scheme() == "https" && same_host(&target, &web.host) => {
            cx.pass(
                subject,
                msg!("{url} redirects to {target}", "{url} redirige vers {target}"),
            )
        }
        // Still encrypted, but HSTS set later cannot protect the first request to this host.
        Ok(target) if target.scheme() == "https" => cx.warn(
            subject,
            msg!(
                "{url} redirects to HTTPS on another host ({target}): the first hop should stay on {}",
                "{url} redirige vers HTTPS sur un autre hôte ({target}) : la première redirection devrait rester sur {}",
                web.host
            ),
        ),
        Ok(target) => cx.warn(
            subject,
            msg!(
                "{url} redirects to {target}, still unencrypted (later redirects were not followed)",
                "{url} redirige vers {target}, toujours sans chiffrement (les redirections suivantes n'ont pas été suivies)"
            ),
        ),
        Err(_) => cx.warn(
            subject,
            msg!(
                "{url} redirects to an unreadable location",
                "{url} redirige vers une adresse illisible"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::http_headers::test_support::response;
    use crate::check::tls::test_support::*;
    use crate::finding::Verdict;
    use crate::observation::HttpExchange;

    fn verdict_of(status: u16, location: Option<&str>) -> Verdict {
        finding_of(status, location).verdict
    }

    fn finding_of(status: u16, location: Option<&str>) -> Finding {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let headers: Vec<(&str, &str)> =
            location.map(|l| vec![("Location", l)]).unwrap_or_default();
        let hops = vec![response("http://chaton.test/", status, &headers)];
        obs.http.insert(
            "http://chaton.test/".into(),
            Observed::Seen(HttpExchange {
                hops,
                body_bytes: 0,
                body_truncated: false,
                body_sha256: None,
            }),
        );
        judge(&HttpRedirectsToHttps, &m, &obs).remove(0)
    }

    #[test]
    fn redirect_to_https_same_host_passes() {
        assert_eq!(verdict_of(301, Some("https://chaton.test/")), Verdict::Pass);
        assert_eq!(
            verdict_of(308, Some("https://CHATON.test./accueil")),
            Verdict::Pass
        );
    }

    #[test]
    fn redirect_to_https_elsewhere_warns() {
        assert_eq!(
            verdict_of(301, Some("https://www.chaton.test/")),
            Verdict::Warn
        );
    }

    #[test]
    fn redirect_to_plain_http_warns() {
        assert_eq!(verdict_of(302, Some("/accueil")), Verdict::Warn);
    }

    #[test]
    fn every_redirect_status_browsers_follow_counts() {
        for status in REDIRECT_STATUSES {
            assert_eq!(
                verdict_of(status, Some("https://chaton.test/")),
                Verdict::Pass,
                "{status}"
            );
        }
    }

    #[test]
    fn a_3xx_browsers_do_not_follow_is_not_a_redirect() {
        assert_eq!(verdict_of(300, Some("https://chaton.test/")), Verdict::Warn);
        assert_eq!(verdict_of(304, Some("https://chaton.test/")), Verdict::Warn);
    }

    #[test]
    fn a_relative_location_stays_on_http_and_warns() {
        assert_eq!(verdict_of(301, Some("//chaton.test/")), Verdict::Warn);
    }

    #[test]
    fn serving_content_over_http_fails() {
        assert_eq!(verdict_of(200, None), Verdict::Fail);
        assert_eq!(verdict_of(206, None), Verdict::Fail);
    }

    #[test]
    fn content_in_clear_is_reported_in_french_too() {
        let f = finding_of(200, None);
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(fr.contains("sert du contenu sans chiffrement"), "{fr}");
    }

    #[test]
    fn a_200_with_a_location_header_is_still_content_in_clear() {
        assert_eq!(verdict_of(200, Some("https://chaton.test/")), Verdict::Fail);
    }

    #[test]
    fn an_empty_204_serves_nothing_and_only_warns() {
        assert_eq!(verdict_of(204, None), Verdict::Warn);
    }

    #[test]
    fn a_200_whose_body_was_read_and_found_empty_only_warns() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let mut empty = crate::check::http_headers::test_support::exchange(vec![response(
            "http://chaton.test/",
            200,
            &[],
        )]);
        empty.body_sha256 = Some("e3b0c442".into());
        obs.http
            .insert("http://chaton.test/".into(), Observed::Seen(empty.clone()));
        assert_eq!(verdict(&HttpRedirectsToHttps, &m, &obs), Verdict::Warn);
        empty.body_bytes = 12;
        obs.http
            .insert("http://chaton.test/".into(), Observed::Seen(empty));
        assert_eq!(verdict(&HttpRedirectsToHttps, &m, &obs), Verdict::Fail);
    }

    #[test]
    fn only_the_first_hop_is_judged_when_the_exchange_followed_redirects() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let hops = vec![
            response(
                "http://chaton.test/",
                301,
                &[("location", "https://chaton.test/")],
            ),
            response("https://chaton.test/", 200, &[]),
        ];
        obs.http.insert(
            "http://chaton.test/".into(),
            Observed::Seen(crate::check::http_headers::test_support::exchange(hops)),
        );
        assert_eq!(verdict(&HttpRedirectsToHttps, &m, &obs), Verdict::Pass);
    }

    #[test]
    fn error_without_redirect_warns() {
        assert_eq!(verdict_of(404, None), Verdict::Warn);
    }

    #[test]
    fn closed_port_80_passes() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.http.insert(
            "http://chaton.test/".into(),
            Observed::Failed(ProbeFailure::Refused),
        );
        assert_eq!(verdict(&HttpRedirectsToHttps, &m, &obs), Verdict::Pass);
    }

    #[test]
    fn timeout_is_inconclusive() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.http.insert("http://chaton.test/".into(), timeout());
        assert_eq!(
            verdict(&HttpRedirectsToHttps, &m, &obs),
            Verdict::Inconclusive
        );
    }
}
