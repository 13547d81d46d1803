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
