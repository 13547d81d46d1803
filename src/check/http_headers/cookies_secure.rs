//! `http-headers.cookies-secure`: cookies set by the HTTPS page carry Secure, HttpOnly and
//! SameSite.
//!
//! A `warn`, not a `fail`: a cookie without `Secure` leaks only if the browser is led to the
//! plain-HTTP site, and `HttpOnly` is wrong for cookies scripts must read; the evidence lists
//! each cookie (name only, never its value) and what it lacks.

use super::{directives, for_each_page};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::Finding;

/// Every Set-Cookie on the HTTPS page has the Secure, HttpOnly and SameSite attributes.
pub struct CookiesSecure;

impl Check for CookiesSecure {
    fn id(&self) -> &'static str {
        "http-headers.cookies-secure"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Http]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        for_each_page(cx, |_web, subject, exchange, _last| {
            // Every hop may set cookies (a redirect to a login page often does).
            let cookies: Vec<(&str, &str)> = exchange
                .hops
                .iter()
                .flat_map(|hop| {
                    hop.header_all("set-cookie")
                        .map(move |value| (value, hop.url.as_str()))
                })
                .collect();
            let url = exchange
                .hops
                .first()
                .map(|h| h.url.as_str())
                .unwrap_or_default();
            if cookies.is_empty() {
                return cx.not_applicable(subject, format!("{url} sets no cookie"));
            }
            let mut lacking = Vec::new();
            for (value, source) in &cookies {
                let name = value.split(['=', ';']).next().unwrap_or_default().trim();
                let attributes = directives(
                    value
                        .split_once(';')
                        .map(|(_, rest)| rest)
                        .unwrap_or_default(),
                );
                let has = |attribute: &str| attributes.iter().any(|(n, _)| n == attribute);
                let missing: Vec<&str> = [
                    ("secure", "Secure"),
                    ("httponly", "HttpOnly"),
                    ("samesite", "SameSite"),
                ]
                .into_iter()
                .filter(|(key, _)| !has(key))
                .map(|(_, label)| label)
                .collect();
                if !missing.is_empty() {
                    lacking.push((format!("{name}: lacks {}", missing.join(", ")), *source));
                }
            }
            if lacking.is_empty() {
                return cx.pass(
                    subject,
                    format!(
                        "the {} cookie(s) set by {url} are Secure, HttpOnly and SameSite",
                        cookies.len()
                    ),
                );
            }
            let finding = cx.warn(
                subject,
                format!(
                    "{} of {} cookie(s) set by {url} lack protective attributes",
                    lacking.len(),
                    cookies.len()
                ),
            );
            lacking.into_iter().fold(finding, |f, (line, source)| {
                f.evidence_at("http.cookie", line, source)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::http_headers::test_support::page;
    use crate::check::tls::test_support::{judge, timeout, verdict};
    use crate::finding::Verdict;

    fn verdict_for(headers: &[(&str, &str)]) -> Verdict {
        let (m, obs) = page(headers);
        verdict(&CookiesSecure, &m, &obs)
    }

    #[test]
    fn fully_protected_cookie_passes() {
        assert_eq!(
            verdict_for(&[(
                "set-cookie",
                "sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax"
            )]),
            Verdict::Pass
        );
    }

    #[test]
    fn cookie_without_secure_warns_and_names_it_without_its_value() {
        let (m, obs) = page(&[("set-cookie", "sid=s3cr3t; HttpOnly; SameSite=Strict")]);
        let findings = judge(&CookiesSecure, &m, &obs);
        assert_eq!(findings[0].verdict, Verdict::Warn);
        let evidence = &findings[0].evidence[0].value;
        assert_eq!(evidence, "sid: lacks Secure");
        assert!(!format!("{findings:?}").contains("s3cr3t"));
    }

    #[test]
    fn one_bad_cookie_among_good_ones_warns() {
        assert_eq!(
            verdict_for(&[
                ("set-cookie", "a=1; Secure; HttpOnly; SameSite=Lax"),
                ("set-cookie", "b=2")
            ]),
            Verdict::Warn
        );
    }

    #[test]
    fn no_cookie_is_not_applicable() {
        assert_eq!(verdict_for(&[]), Verdict::NotApplicable);
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let (m, mut obs) = page(&[]);
        obs.http.insert("https://chaton.test/".into(), timeout());
        assert_eq!(verdict(&CookiesSecure, &m, &obs), Verdict::Inconclusive);
    }
}
