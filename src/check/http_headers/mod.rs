//! Checks of the http-headers family: plain HTTP redirects to HTTPS, and the security headers
//! Mozilla Observatory looks at, on the HTTPS page of each web host (see the `tls` module
//! documentation for the observation keys).

mod content_security_policy;
mod cookies_secure;
mod frame_protection;
mod hsts;
mod http_redirects_to_https;
mod nosniff;
mod referrer_policy;

pub use content_security_policy::ContentSecurityPolicy;
pub use cookies_secure::CookiesSecure;
pub use frame_protection::FrameProtection;
pub use hsts::Hsts;
pub use http_redirects_to_https::HttpRedirectsToHttps;
pub use nosniff::Nosniff;
pub use referrer_policy::ReferrerPolicy;

use crate::check::Context;
use crate::finding::{Finding, Message, Subject};
use crate::msg;
use crate::observation::Observed;
use crate::observation::PageResources;
use crate::observation::http::{HttpExchange, HttpResponse};
use crate::plan::targets::{WebHost, web_hosts};

/// For each web host, the final response of its HTTPS page (what the browser renders), or the
/// finding that says why there is none.
pub(crate) fn for_each_page(
    cx: &Context<'_>,
    mut judge: impl FnMut(&WebHost, Subject, &HttpExchange, &HttpResponse) -> Finding,
) -> Vec<Finding> {
    web_hosts(cx.member)
        .into_iter()
        .map(|web| {
            let subject = Subject::Host(web.host.clone());
            match cx.observations.http.get(&web.https_url) {
                None => cx.not_observed(subject, a_response_from(&web.https_url)),
                Some(Observed::Failed(failure)) => cx
                    .inconclusive(subject, failure)
                    .evidence("url", web.https_url.clone()),
                Some(Observed::Seen(exchange)) => match exchange.last() {
                    None => cx.not_observed(subject, a_response_from(&web.https_url)),
                    // A rate limiter's answer is not the page: its headers say nothing of the
                    // site's own.
                    Some(last) if last.status == 429 => rate_limited(cx, subject, last),
                    Some(last) => judge(&web, subject, exchange, last),
                },
            }
        })
        .collect()
}

/// The page scan of the document whose final response is `last`: the page observation of
/// `web`'s HTTPS URL, or of another declared URL on the same host, whose final URL is that
/// response's. `None` when the page was not scanned, its scan failed, or it ended on another
/// document (its `<meta>` policies would not be this response's).
pub(crate) fn page_scan<'a>(
    cx: &Context<'a>,
    web: &WebHost,
    last: &HttpResponse,
) -> Option<&'a PageResources> {
    let member = cx.member;
    let declared = std::iter::once(&member.website)
        .chain(member.services.iter().map(|s| &s.url))
        .filter(|url| same_host(url, &web.host))
        .map(url::Url::as_str);
    let same_document =
        |page: &PageResources| match (url::Url::parse(&page.url), url::Url::parse(&last.url)) {
            (Ok(a), Ok(b)) => a == b,
            _ => page.url == last.url,
        };
    std::iter::once(web.https_url.as_str())
        .chain(declared)
        .find_map(|key| match cx.observations.pages.get(key) {
            Some(Observed::Seen(page)) if same_document(page) => Some(page),
            _ => None,
        })
}

/// What `not_observed` says is missing when a page gave no response.
fn a_response_from(url: &str) -> Message {
    msg!("a response from {url}", "une réponse de {url}")
}

/// The `inconclusive` finding for a page that answered 429 Too Many Requests (after the
/// probe's retries): the server refused to show it to us.
pub(crate) fn rate_limited(cx: &Context<'_>, subject: Subject, last: &HttpResponse) -> Finding {
    cx.finding(
        subject,
        crate::finding::Verdict::Inconclusive,
        msg!(
            "could not observe: {} answered 429 Too Many Requests",
            "observation impossible : {} a répondu 429 Too Many Requests (trop de requêtes)",
            last.url
        ),
    )
    .evidence_at("http.status", "429", last.url.clone())
}

/// Whether `url` is an `https://` URL on `host` (compared case-insensitively, trailing dot
/// ignored; the port does not matter: browsers key HSTS and cookies by host).
pub(crate) fn is_https_on(url: &str, host: &str) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    url.scheme() == "https" && same_host(&url, host)
}

/// Whether `url` names `host` (case-insensitive, trailing dot and IPv6 brackets ignored).
pub(crate) fn same_host(url: &url::Url, host: &str) -> bool {
    url.host_str().is_some_and(|h| {
        h.trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.')
            .eq_ignore_ascii_case(host)
    })
}

/// The comma-separated list a repeated header means (RFC 9110 section 5.3: repeating a
/// header is the same as joining its values with commas), items trimmed, empty ones dropped.
pub(crate) fn list_items<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    values
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .collect()
}

/// Directives of a `;`-separated header, names lower-cased, values kept.
pub(crate) fn directives(value: &str) -> Vec<(String, String)> {
    value
        .split(';')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(
            |part| match part.split_once(|c: char| c == '=' || c.is_ascii_whitespace()) {
                Some((name, rest)) => (name.trim().to_ascii_lowercase(), rest.trim().to_owned()),
                None => (part.to_ascii_lowercase(), String::new()),
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::test_support::{exchange, hops, page, response};
    use super::*;
    use crate::check::Check;
    use crate::check::tls::test_support::{judge, member, observations, timeout};
    use crate::observation::Observations;

    const CHECKS: [&dyn Check; 7] = [
        &ContentSecurityPolicy,
        &CookiesSecure,
        &FrameProtection,
        &Hsts,
        &HttpRedirectsToHttps,
        &Nosniff,
        &ReferrerPolicy,
    ];

    /// Pages that lead every check of the family through most of its messages.
    fn situations() -> Vec<(crate::declaration::Member, Observations)> {
        let headers: &[&[(&str, &str)]] = &[
            &[],
            &[
                ("content-security-policy", "default-src 'self'"),
                ("set-cookie", "sid=1; Secure; HttpOnly; SameSite=Lax"),
                ("set-cookie", "__Host-x=1"),
                ("x-frame-options", "DENY"),
                ("strict-transport-security", "max-age=31536000"),
                ("x-content-type-options", "nosniff"),
                ("referrer-policy", "no-referrer"),
            ],
            &[
                ("content-security-policy", "default-src * 'unsafe-inline'"),
                ("content-security-policy-report-only", "default-src 'self'"),
                ("set-cookie", "sess=1; SameSite=bogus"),
                ("x-frame-options", "ALLOW-FROM https://x.test"),
                ("strict-transport-security", "max-age=60"),
                ("strict-transport-security", "max-age=1y"),
                ("x-content-type-options", "sniff"),
                ("referrer-policy", "unsafe-url"),
            ],
            &[
                ("content-security-policy", "frame-ancestors *"),
                ("x-frame-options", "DENY, SAMEORIGIN"),
                ("strict-transport-security", "includeSubDomains"),
                ("referrer-policy", "origin"),
            ],
            &[
                ("content-security-policy-report-only", "default-src 'self'"),
                ("strict-transport-security", "max-age=0"),
                ("referrer-policy", "bogus"),
            ],
        ];
        let mut all: Vec<_> = headers.iter().map(|h| page(h)).collect();
        // The same pages scanned, with and without <meta> policies.
        let metas: &[(&[&str], &[&str])] = &[
            (&[], &[]),
            (&["default-src 'self'"], &["unsafe-url"]),
            (
                &["default-src * 'unsafe-inline'"],
                &["bogus", "no-referrer"],
            ),
            (&["script-src 'self'; object-src 'none'"], &["origin"]),
            (&["img-src 'self'"], &["never"]),
            (&["frame-ancestors 'none'"], &[]),
        ];
        for h in headers {
            for (csp, referrer) in metas {
                let (m, mut obs) = page(h);
                super::test_support::scanned(&mut obs, "https://chaton.test/", csp, referrer);
                all.push((m, obs));
            }
        }
        let plain_answers = [
            response(
                "http://chaton.test/",
                301,
                &[("location", "https://chaton.test/")],
            ),
            response(
                "http://chaton.test/",
                301,
                &[("location", "https://www.chaton.test/")],
            ),
            response(
                "http://chaton.test/",
                302,
                &[("location", "http://chaton.test/a")],
            ),
            response("http://chaton.test/", 301, &[("location", "https://[::1")]),
            response("http://chaton.test/", 200, &[]),
            response("http://chaton.test/", 204, &[]),
            response("http://chaton.test/", 404, &[]),
        ];
        for plain in plain_answers {
            let (m, mut obs) = page(&[]);
            obs.http.insert(
                "http://chaton.test/".into(),
                crate::observation::Observed::Seen(exchange(vec![plain])),
            );
            all.push((m, obs));
        }
        let (m, mut obs) = page(&[]);
        obs.http.insert(
            "http://chaton.test/".into(),
            crate::observation::Observed::Failed(crate::observation::ProbeFailure::Refused),
        );
        all.push((m, obs));
        all.push(hops(vec![
            response(
                "https://chaton.test/",
                302,
                &[("location", "https://www.chaton.test/")],
            ),
            response(
                "https://www.chaton.test/",
                200,
                &[("strict-transport-security", "max-age=31536000")],
            ),
        ]));
        all.push(hops(vec![response("https://chaton.test/", 429, &[])]));
        all.push(hops(vec![]));
        let (m, mut obs) = page(&[]);
        obs.http.insert("https://chaton.test/".into(), timeout());
        all.push((m, obs));
        all.push((member("https://chaton.test/", &[]), observations()));
        all
    }

    #[test]
    fn every_finding_of_the_family_has_a_french_message() {
        for (m, obs) in situations() {
            for check in CHECKS {
                for f in judge(check, &m, &obs) {
                    let fr = f.message_fr.as_deref().unwrap_or_default();
                    assert!(
                        !fr.is_empty(),
                        "{}: no French for {:?}",
                        check.id(),
                        f.message
                    );
                    assert_ne!(fr, f.message, "{}: French is the English", check.id());
                }
            }
        }
    }

    #[test]
    fn a_rate_limited_page_is_explained_in_french() {
        let (m, obs) = hops(vec![response("https://chaton.test/", 429, &[])]);
        let f = judge(&Nosniff, &m, &obs).remove(0);
        let fr = f.message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.starts_with("observation impossible : https://chaton.test/ a répondu 429"),
            "{fr}"
        );
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::check::tls::test_support::{member, observations};
    use crate::declaration::Member;
    use crate::observation::http::{HttpExchange, HttpResponse};
    use crate::observation::{Observations, Observed};

    /// A response from `url` with `status` and these headers.
    pub fn response(url: &str, status: u16, headers: &[(&str, &str)]) -> HttpResponse {
        HttpResponse {
            url: url.into(),
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_ascii_lowercase(), (*v).to_owned()))
                .collect(),
            remote_addr: None,
        }
    }

    /// `https://chaton.test/` answering 200 with these headers.
    pub fn page(headers: &[(&str, &str)]) -> (Member, Observations) {
        hops(vec![response("https://chaton.test/", 200, headers)])
    }

    /// `https://chaton.test/` answered by this chain of responses (redirects first).
    pub fn hops(hops: Vec<HttpResponse>) -> (Member, Observations) {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.http.insert(
            "https://chaton.test/".into(),
            Observed::Seen(exchange(hops)),
        );
        (m, obs)
    }

    /// `obs` with a scan of `https://chaton.test/` that ended on `final_url` and found these
    /// `<meta>` Content-Security-Policy and referrer contents.
    pub fn scanned(
        obs: &mut Observations,
        final_url: &str,
        meta_csp: &[&str],
        meta_referrer: &[&str],
    ) {
        let page = crate::observation::PageResources {
            url: final_url.into(),
            meta_csp: meta_csp.iter().map(|c| (*c).to_owned()).collect(),
            meta_referrer: meta_referrer.iter().map(|c| (*c).to_owned()).collect(),
            ..Default::default()
        };
        obs.pages
            .insert("https://chaton.test/".into(), Observed::Seen(page));
    }

    /// An exchange made of these responses.
    pub fn exchange(hops: Vec<HttpResponse>) -> HttpExchange {
        HttpExchange {
            hops,
            body_bytes: 0,
            body_truncated: false,
            body_sha256: None,
        }
    }
}
