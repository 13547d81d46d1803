//! `http-headers.hsts`: the HTTPS page sets Strict-Transport-Security with a long max-age.
//!
//! A missing header is a `warn`, not a `fail`: with the HTTP-to-HTTPS redirect in place,
//! traffic is encrypted; HSTS protects the first request of a returning visitor against a
//! downgrade (SSL stripping). That is a hardening the charter's "wherever possible" asks for,
//! and Mozilla Observatory deducts points for it, but its absence is not proof that
//! communications go unencrypted.

use url::Url;

use super::{directives, for_each_page};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::Finding;

/// Strict-Transport-Security with max-age of at least `hsts_min_age_days`.
pub struct Hsts;

impl Check for Hsts {
    fn id(&self) -> &'static str {
        "http-headers.hsts"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Http]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        let min_seconds = u64::from(cx.config.hsts_min_age_days) * 86_400;
        for_each_page(cx, |web, subject, exchange, _last| {
            // Browsers honour the header only over HTTPS, from any response of this host
            // (a redirect to a login page included).
            let found = exchange.hops.iter().find_map(|hop| {
                let url = Url::parse(&hop.url).ok()?;
                let same_host = url
                    .host_str()?
                    .trim_end_matches('.')
                    .eq_ignore_ascii_case(&web.host);
                if url.scheme() != "https" || !same_host {
                    return None;
                }
                hop.header("strict-transport-security")
                    .map(|v| (v, hop.url.as_str()))
            });
            let Some((value, source)) = found else {
                return cx
                    .warn(
                        subject,
                        format!("{} sets no Strict-Transport-Security header", web.https_url),
                    )
                    .evidence("url", web.https_url.clone());
            };
            let parsed = directives(value);
            let max_age = parsed
                .iter()
                .find(|(name, _)| name == "max-age")
                .and_then(|(_, v)| {
                    v.trim_start_matches('=')
                        .trim()
                        .trim_matches('"')
                        .parse::<u64>()
                        .ok()
                });
            let include_subdomains = parsed.iter().any(|(name, _)| name == "includesubdomains");
            let preload = parsed.iter().any(|(name, _)| name == "preload");
            let finding = match max_age {
                None => cx.warn(
                    subject,
                    format!("{source} sets Strict-Transport-Security without a readable max-age"),
                ),
                Some(0) => cx.warn(
                    subject,
                    format!("{source} sets max-age=0, which turns HSTS off"),
                ),
                Some(age) if age < min_seconds => cx.warn(
                    subject,
                    format!(
                        "{source} sets HSTS for {} days, less than {} days",
                        age / 86_400,
                        cx.config.hsts_min_age_days
                    ),
                ),
                Some(age) => cx.pass(
                    subject,
                    format!("{source} sets HSTS for {} days", age / 86_400),
                ),
            };
            finding
                .evidence_at("http.strict-transport-security", value, source)
                .evidence("hsts.include_subdomains", include_subdomains.to_string())
                .evidence("hsts.preload", preload.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::http_headers::test_support::page;
    use crate::check::tls::test_support::{timeout, verdict};
    use crate::finding::Verdict;

    fn verdict_for(headers: &[(&str, &str)]) -> Verdict {
        let (m, obs) = page(headers);
        verdict(&Hsts, &m, &obs)
    }

    #[test]
    fn one_year_passes_and_records_preload() {
        let (m, obs) = page(&[(
            "strict-transport-security",
            "max-age=31536000; includeSubDomains; preload",
        )]);
        let findings = crate::check::tls::test_support::judge(&Hsts, &m, &obs);
        assert_eq!(findings[0].verdict, Verdict::Pass);
        assert!(
            findings[0]
                .evidence
                .iter()
                .any(|e| e.label == "hsts.preload" && e.value == "true")
        );
        assert!(
            findings[0]
                .evidence
                .iter()
                .any(|e| e.label == "hsts.include_subdomains" && e.value == "true")
        );
    }

    #[test]
    fn short_max_age_warns() {
        assert_eq!(
            verdict_for(&[("strict-transport-security", "max-age=86400")]),
            Verdict::Warn
        );
    }

    #[test]
    fn max_age_zero_warns() {
        assert_eq!(
            verdict_for(&[("strict-transport-security", "max-age=0")]),
            Verdict::Warn
        );
    }

    #[test]
    fn quoted_max_age_is_read() {
        assert_eq!(
            verdict_for(&[("strict-transport-security", "max-age=\"31536000\"")]),
            Verdict::Pass
        );
    }

    #[test]
    fn missing_header_warns() {
        assert_eq!(verdict_for(&[]), Verdict::Warn);
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let (m, mut obs) = page(&[]);
        obs.http.insert("https://chaton.test/".into(), timeout());
        assert_eq!(verdict(&Hsts, &m, &obs), Verdict::Inconclusive);
    }
}
