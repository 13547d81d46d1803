//! `http-headers.http-redirects-to-https`: a plain `http://` request is redirected to HTTPS on
//! the same host.

use url::Url;

use crate::check::{Check, Context, ProbeKind};
use crate::finding::{Finding, Subject};
use crate::observation::{Observed, ProbeFailure};
use crate::plan::targets::web_hosts;

/// `http://<host>/`, requested without following redirects, answers with a redirect to
/// `https://<host>/…`.
pub struct HttpRedirectsToHttps;

impl Check for HttpRedirectsToHttps {
    fn id(&self) -> &'static str {
        "http-headers.http-redirects-to-https"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Http]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        web_hosts(cx.member)
            .into_iter()
            .map(|web| {
                let subject = Subject::Host(web.host.clone());
                let url = web.http_url.as_str();
                let exchange = match cx.observations.http.get(url) {
                    None => return cx.not_observed(subject, &format!("a response from {url}")),
                    // Nothing listens on port 80: nothing is served unencrypted. That is a fact
                    // about the member's server, not a failure to observe.
                    Some(Observed::Failed(ProbeFailure::Refused)) => {
                        return cx
                            .pass(subject, format!("{url} refuses connections: nothing is served in plain text"))
                            .evidence("http.port80", "connection refused");
                    }
                    Some(Observed::Failed(failure)) => return cx.inconclusive(subject, failure).evidence("url", url),
                    Some(Observed::Seen(exchange)) => exchange,
                };
                let Some(first) = exchange.hops.first() else {
                    return cx.not_observed(subject, &format!("a response from {url}"));
                };
                let status = first.status;
                let finding = match first.location() {
                    Some(location) => {
                        let target = Url::parse(url).and_then(|base| base.join(location));
                        match target {
                            Ok(target) if target.scheme() == "https" => {
                                let target_host = target.host_str().unwrap_or_default().trim_end_matches('.').to_ascii_lowercase();
                                if target_host == web.host {
                                    cx.pass(subject, format!("{url} redirects to {target}"))
                                } else {
                                    // Still encrypted, but HSTS set later cannot protect the
                                    // first request to this host.
                                    cx.warn(subject, format!("{url} redirects to HTTPS on another host: {target}"))
                                }
                            }
                            Ok(target) => cx.warn(
                                subject,
                                format!("{url} redirects to {target}, still unencrypted (later redirects were not followed)"),
                            ),
                            Err(_) => cx.warn(subject, format!("{url} redirects to an unreadable location")),
                        }
                        .evidence("http.location", location)
                    }
                    None if (200..300).contains(&status) => {
                        cx.fail(subject, format!("{url} serves content without encryption instead of redirecting"))
                    }
                    None => cx.warn(subject, format!("{url} answers {status} without redirecting to HTTPS")),
                };
                finding.evidence_at("http.status", status.to_string(), url)
            })
            .collect()
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
        verdict(&HttpRedirectsToHttps, &m, &obs)
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
    fn serving_content_over_http_fails() {
        assert_eq!(verdict_of(200, None), Verdict::Fail);
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
